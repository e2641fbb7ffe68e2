/*
 * stage03-protected-mode: the vCPU starts in protected mode (with or without
 * paging) or switches there itself; each guest proves its result, and the
 * segment and control registers read back after the run say where it ended.
 */
#include "gdt_decode.h"
#include "guest_fixture.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define PAGING_VALUE 0xc0ffee03 /* what paging.asm writes through REMAP_VIRT */

/* A flat 4 GiB segment of the VMM's GDT, as KVM_GET_SREGS shows it. */
static void assert_flat(const struct kvm_segment *seg, unsigned selector, unsigned type)
{
	ck_assert_uint_eq(seg->selector, selector);
	ck_assert_uint_eq(seg->base, 0);
	ck_assert_uint_eq(seg->limit, 0xffffffff);
	ck_assert_uint_eq(seg->type, type);
	ck_assert_uint_eq(seg->present, 1);
	ck_assert_uint_eq(seg->dpl, 0);
	ck_assert_uint_eq(seg->db, 1);
	ck_assert_uint_eq(seg->s, 1);
	ck_assert_uint_eq(seg->l, 0);
	ck_assert_uint_eq(seg->g, 1);
}

static void assert_flat_protected_mode(const struct kvm_sregs *s)
{
	const unsigned code = SEG_TYPE_CODE | SEG_TYPE_READ | SEG_TYPE_ACCESSED;
	const unsigned data = SEG_TYPE_WRITE | SEG_TYPE_ACCESSED;

	assert_flat(&s->cs, SELECTOR(GDT_CODE32), code);
	assert_flat(&s->ds, SELECTOR(GDT_DATA), data);
	assert_flat(&s->es, SELECTOR(GDT_DATA), data);
	assert_flat(&s->fs, SELECTOR(GDT_DATA), data);
	assert_flat(&s->gs, SELECTOR(GDT_DATA), data);
	assert_flat(&s->ss, SELECTOR(GDT_DATA), data);
	ck_assert_uint_eq(s->gdt.base, GDT_ADDR);
	ck_assert_uint_eq(s->gdt.limit, GDT_ENTRIES * 8 - 1);
}

static void assert_same_segment(const struct kvm_segment *a, const struct kvm_segment *b)
{
	ck_assert_uint_eq(a->base, b->base);
	ck_assert_uint_eq(a->limit, b->limit);
	ck_assert_uint_eq(a->selector, b->selector);
	ck_assert_uint_eq(a->type, b->type);
	ck_assert_uint_eq(a->s, b->s);
	ck_assert_uint_eq(a->dpl, b->dpl);
	ck_assert_uint_eq(a->present, b->present);
	ck_assert_uint_eq(a->l, b->l);
	ck_assert_uint_eq(a->db, b->db);
	ck_assert_uint_eq(a->g, b->g);
}

/*
 * The paged-mode entry, or a note that this KVM cannot do 32-bit paging: a KVM
 * without hardware virtualization may drop CR0.PG outside long mode; the VMM
 * notices (vcpu_start reads CR0 back) and says so. Any other failure fails.
 */
static bool paging_unsupported;

static int paged_or_unsupported(struct vcpu *vcpu)
{
	if (vcpu_set_paged_mode(vcpu) == 0)
		return 0;
	if (!strstr(vcpu->vm->error, "did not keep CR0=0x80000011"))
		return -1;
	paging_unsupported = true;
	return 0;
}

static bool skip_without_paging(struct fixture *f, const char *test)
{
	if (!paging_unsupported)
		return false;
	printf("SKIP %s: %s\n", test, f->vm.error);
	fflush(stdout);
	finish(f);
	return true;
}

START_TEST(vcpu_starts_in_flat_protected_mode)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_protected_mode);
	struct kvm_sregs s = sregs_of(&f);
	ck_assert_uint_eq(s.cr0, CR0_PE | CR0_ET);
	ck_assert_uint_eq(s.efer, 0);
	assert_flat_protected_mode(&s);
	struct kvm_regs regs = regs_of(&f);
	ck_assert_uint_eq(regs.rip, GUEST_LOAD_ADDR);
	ck_assert_uint_eq(regs.rsp, GUEST_STACK_TOP);
	finish(&f);
}
END_TEST

/* What KVM was told and what the GDT in guest memory says: the same segments. */
START_TEST(gdt_in_memory_matches_the_segment_registers)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_protected_mode);
	struct kvm_sregs s = sregs_of(&f);
	struct kvm_segment cs = gdt_decode(&f.vm, s.gdt.base, s.cs.selector);
	struct kvm_segment ss = gdt_decode(&f.vm, s.gdt.base, s.ss.selector);
	assert_same_segment(&cs, &s.cs);
	assert_same_segment(&ss, &s.ss);
	finish(&f);
}
END_TEST

START_TEST(hello_reloads_its_segments_prints_and_reports_cr0)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_protected_mode);
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED, "%s", f.vm.error);
	ck_assert_uint_eq(f.vcpu.run->exit_reason, KVM_EXIT_HLT);
	ck_assert_str_eq(output_of(&f.vm, &f.c),
			 "Hello from protected mode!\nguest reported 17 (0x11)\n");
	ck_assert_uint_eq(f.vm.reports, 1);
	ck_assert_uint_eq(f.vm.last_report, CR0_PE | CR0_ET);
	ck_assert_uint_eq(regs_of(&f).rax, CR0_PE | CR0_ET);
	uint32_t *result = guest_ptr(&f.vm, 0x600, 4);
	ck_assert_uint_eq(*result, CR0_PE | CR0_ET);
	struct kvm_sregs s = sregs_of(&f);
	assert_flat_protected_mode(&s); /* reloaded from guest memory: still the same */
	ck_assert_uint_eq(s.cr0, CR0_PE | CR0_ET);
	finish(&f);
}
END_TEST

/*
 * Without paging, virtual is physical: paging.bin's write goes where there is no
 * RAM, an MMIO exit the VMM drops, and the guest finds its value missing.
 */
START_TEST(paging_guest_without_paging_writes_to_no_memory)
{
	struct fixture f;

	start_guest(&f, "paging.bin", vcpu_set_protected_mode);
	ck_assert_int_eq(vcpu_run_once(&f.vcpu), 0);
	struct kvm_run *run = f.vcpu.run;
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_MMIO);
	ck_assert_uint_eq(run->mmio.phys_addr, REMAP_VIRT);
	ck_assert_uint_eq(run->mmio.is_write, 1);
	ck_assert_uint_eq(run->mmio.len, 4);
	uint32_t value;
	memcpy(&value, run->mmio.data, 4);
	ck_assert_uint_eq(value, PAGING_VALUE);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED, "%s", f.vm.error);
	assert_contains(output_of(&f.vm, &f.c), "PAGING FAILED");
	assert_contains(log_of(&f.vm, &f.c), "the guest wrote to guest physical 0x300000");
	finish(&f);
}
END_TEST

START_TEST(paged_entry_turns_paging_on_through_our_tables)
{
	struct fixture f;

	start_guest(&f, "paging.bin", paged_or_unsupported);
	if (skip_without_paging(&f, "paged_entry_turns_paging_on_through_our_tables"))
		return;
	struct kvm_sregs s = sregs_of(&f);
	ck_assert_uint_eq(s.cr0, CR0_PE | CR0_ET | CR0_PG);
	ck_assert_uint_eq(s.cr3, PAGE_DIR_ADDR);
	ck_assert_uint_eq(s.cr4, 0); /* no PAE, no PSE: plain 32-bit paging */
	assert_flat_protected_mode(&s);

	struct kvm_translation tr = {.linear_address = REMAP_VIRT + 0x10};
	ck_assert_int_eq(ioctl(f.vcpu.fd, KVM_TRANSLATE, &tr), 0);
	ck_assert_uint_eq(tr.valid, 1);
	ck_assert_uint_eq(tr.physical_address, REMAP_PHYS + 0x10);
	tr = (struct kvm_translation){.linear_address = GUEST_MEM_SIZE};
	ck_assert_int_eq(ioctl(f.vcpu.fd, KVM_TRANSLATE, &tr), 0);
	ck_assert_uint_eq(tr.valid, 0); /* past RAM: not mapped */
	finish(&f);
}
END_TEST

START_TEST(paging_guest_writes_through_the_remapped_page)
{
	struct fixture f;

	start_guest(&f, "paging.bin", paged_or_unsupported);
	if (skip_without_paging(&f, "paging_guest_writes_through_the_remapped_page"))
		return;
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED, "%s", f.vm.error);
	ck_assert_ptr_nonnull(strstr(output_of(&f.vm, &f.c), "paging works"));
	ck_assert_uint_eq(f.vm.last_report, PAGING_VALUE);
	ck_assert_uint_eq(regs_of(&f).rax, PAGING_VALUE);
	uint32_t *remapped = guest_ptr(&f.vm, REMAP_PHYS, 4);
	uint32_t *result = guest_ptr(&f.vm, 0x600, 4);
	ck_assert_uint_eq(*remapped, PAGING_VALUE);
	ck_assert_uint_eq(*result, PAGING_VALUE);
	/* The MMU used our entries: it set Accessed in both, and Dirty in the page's. */
	uint32_t *pde = guest_ptr(&f.vm, PAGE_DIR_ADDR, 4);
	uint32_t *pte = guest_ptr(&f.vm, PAGE_TABLE_ADDR + (REMAP_VIRT >> 12) * 4, 4);
	ck_assert_uint_eq(*pde & PTE_ACCESSED, PTE_ACCESSED);
	ck_assert_uint_eq(*pte & (PTE_ACCESSED | PTE_DIRTY), PTE_ACCESSED | PTE_DIRTY);
	struct kvm_sregs s = sregs_of(&f);
	ck_assert_uint_eq(s.cr0 & CR0_PG, CR0_PG);
	ck_assert_uint_eq(s.cr3, PAGE_DIR_ADDR);
	finish(&f);
}
END_TEST

START_TEST(boot_switches_from_real_to_protected_mode_itself)
{
	struct fixture f;

	start_guest(&f, "boot.bin", vcpu_set_real_mode);
	ck_assert_uint_eq(sregs_of(&f).cr0 & CR0_PE, 0);
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED, "%s", f.vm.error);
	ck_assert_ptr_nonnull(
	    strstr(output_of(&f.vm, &f.c), "Protected mode, switched on by the guest itself\n"));

	struct kvm_sregs s = sregs_of(&f);
	ck_assert_uint_eq(s.cr0 & CR0_PE, CR0_PE);
	ck_assert_uint_eq(s.cr0 & CR0_PG, 0);
	ck_assert_uint_eq(f.vm.last_report, s.cr0);
	ck_assert_uint_eq(regs_of(&f).rax, s.cr0);
	ck_assert_uint_eq(*(uint32_t *)guest_ptr(&f.vm, 0x600, 4), s.cr0);
	/* The guest's own GDT, inside its image. */
	ck_assert_uint_ge(s.gdt.base, GUEST_LOAD_ADDR);
	ck_assert_uint_eq(s.gdt.limit, 3 * 8 - 1);
	struct kvm_segment cs = gdt_decode(&f.vm, s.gdt.base, 0x08);
	struct kvm_segment ds = gdt_decode(&f.vm, s.gdt.base, 0x10);
	/*
	 * Its descriptors have the accessed bit clear; loading a data segment sets it,
	 * in the GDT and in the segment register. (So does loading CS, on a real CPU;
	 * QEMU's emulated one, under tools/emulated-host, leaves it: not checked.)
	 */
	ck_assert_uint_eq(s.cs.type & ~SEG_TYPE_ACCESSED, SEG_TYPE_CODE | SEG_TYPE_READ);
	assert_flat(&s.cs, 0x08, s.cs.type);
	assert_flat(&s.ds, 0x10, SEG_TYPE_WRITE | SEG_TYPE_ACCESSED);
	assert_flat(&s.ss, 0x10, SEG_TYPE_WRITE | SEG_TYPE_ACCESSED);
	assert_same_segment(&cs, &s.cs);
	assert_same_segment(&ds, &s.ds);
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage03-protected-mode guests");
	TCase *tc = tcase_create("guests");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, vcpu_starts_in_flat_protected_mode);
	tcase_add_kvm_test(tc, gdt_in_memory_matches_the_segment_registers);
	tcase_add_kvm_test(tc, hello_reloads_its_segments_prints_and_reports_cr0);
	tcase_add_kvm_test(tc, paging_guest_without_paging_writes_to_no_memory);
	tcase_add_kvm_test(tc, paged_entry_turns_paging_on_through_our_tables);
	tcase_add_kvm_test(tc, paging_guest_writes_through_the_remapped_page);
	tcase_add_kvm_test(tc, boot_switches_from_real_to_protected_mode_itself);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
