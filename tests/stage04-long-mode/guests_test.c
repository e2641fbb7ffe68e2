/*
 * stage04-long-mode: the vCPU starts in 64-bit long mode, or a guest switches
 * there itself from protected mode; a guest that touches unmapped memory is
 * stopped with a diagnostic. Each guest proves its result, and the registers
 * read back after the run say where it ended.
 */
#include "gdt_decode.h"
#include "guest_fixture.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define FIB93 0xa94fad42221f2702ull /* what hello.asm works out */

/* 64-bit code: L = 1 and D = 0; base and limit do not matter in 64-bit mode. */
static void assert_64bit_code(const struct kvm_segment *cs, unsigned selector)
{
	ck_assert_uint_eq(cs->selector, selector);
	ck_assert_uint_eq(cs->type & ~SEG_TYPE_ACCESSED, SEG_TYPE_CODE | SEG_TYPE_READ);
	ck_assert_uint_eq(cs->present, 1);
	ck_assert_uint_eq(cs->s, 1);
	ck_assert_uint_eq(cs->dpl, 0);
	ck_assert_uint_eq(cs->l, 1);
	ck_assert_uint_eq(cs->db, 0);
}

/* The control registers of long mode, as KVM_GET_SREGS reads them. */
static void assert_long_mode(const struct kvm_sregs *s)
{
	ck_assert_uint_eq(s->cr0 & (CR0_PE | CR0_PG), CR0_PE | CR0_PG);
	ck_assert_uint_eq(s->cr4 & CR4_PAE, CR4_PAE);
	ck_assert_uint_eq(s->efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
}

static void translate(struct fixture *f, uint64_t va, bool *valid, uint64_t *pa)
{
	struct kvm_translation tr = {.linear_address = va};

	ck_assert_int_eq(ioctl(f->vcpu.fd, KVM_TRANSLATE, &tr), 0);
	*valid = tr.valid;
	*pa = tr.physical_address;
}

START_TEST(vcpu_starts_in_long_mode_with_our_tables)
{
	struct fixture f;
	bool valid;
	uint64_t pa;

	start_guest(&f, "hello.bin", vcpu_set_long_mode);
	struct kvm_sregs s = sregs_of(&f);
	ck_assert_uint_eq(s.cr0, CR0_PE | CR0_ET | CR0_PG);
	ck_assert_uint_eq(s.cr4, CR4_PAE);
	ck_assert_uint_eq(s.efer, EFER_LME | EFER_LMA);
	ck_assert_uint_eq(s.cr3, PML4_ADDR);
	assert_64bit_code(&s.cs, SELECTOR(GDT_CODE64));
	ck_assert_uint_eq(s.cs.type, SEG_TYPE_CODE | SEG_TYPE_READ | SEG_TYPE_ACCESSED);
	ck_assert_uint_eq(s.ss.selector, SELECTOR(GDT_DATA));
	ck_assert_uint_eq(s.ds.selector, SELECTOR(GDT_DATA));
	ck_assert_uint_eq(s.gdt.base, GDT_ADDR);
	ck_assert_uint_eq(s.gdt.limit, GDT_ENTRIES * 8 - 1);
	struct kvm_segment cs = gdt_decode(&f.vm, s.gdt.base, s.cs.selector);
	ck_assert_uint_eq(cs.l, 1);
	ck_assert_uint_eq(cs.db, 0);
	ck_assert_uint_eq(cs.type, s.cs.type);
	struct kvm_regs regs = regs_of(&f);
	ck_assert_uint_eq(regs.rip, GUEST_LOAD_ADDR);
	ck_assert_uint_eq(regs.rsp, GUEST_STACK_TOP);

	/* KVM walks our tables the way the guest's MMU will. */
	translate(&f, GUEST_LOAD_ADDR, &valid, &pa);
	ck_assert(valid);
	ck_assert_uint_eq(pa, GUEST_LOAD_ADDR);
	translate(&f, GUEST_MEM_SIZE - 8, &valid, &pa);
	ck_assert(valid);
	ck_assert_uint_eq(pa, GUEST_MEM_SIZE - 8);
	translate(&f, GUEST_MEM_SIZE, &valid, &pa);
	ck_assert(!valid);
	finish(&f);
}
END_TEST

/* vcpu_create gave the vCPU KVM's supported CPUID: long mode is in it. */
START_TEST(vcpu_cpuid_reports_long_mode)
{
	struct fixture f;
	struct {
		struct kvm_cpuid2 header;
		struct kvm_cpuid_entry2 entries[512];
	} cpuid = {.header.nent = 512};
	bool long_mode = false;

	start_guest(&f, "hello.bin", vcpu_set_long_mode);
	ck_assert_int_eq(ioctl(f.vcpu.fd, KVM_GET_CPUID2, &cpuid), 0);
	ck_assert_uint_gt(cpuid.header.nent, 0);
	for (unsigned i = 0; i < cpuid.header.nent; i++)
		if (cpuid.entries[i].function == 0x80000001)
			long_mode = cpuid.entries[i].edx & (1u << 29);
	ck_assert_msg(long_mode, "CPUID 0x80000001 EDX bit 29 (LM) is not set");
	finish(&f);
}
END_TEST

START_TEST(hello_works_out_fib93_in_r8_and_reports_both_halves)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_long_mode);
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED, "%s", f.vm.error);
	ck_assert_uint_eq(f.vcpu.run->exit_reason, KVM_EXIT_HLT);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "Hello from long mode!\n"
						 "guest reported 2840571202 (0xa94fad42)\n"
						 "guest reported 572466946 (0x221f2702)\n");
	ck_assert_uint_eq(f.vm.reports, 2);
	ck_assert_uint_eq(f.vm.last_report, FIB93 & 0xffffffff);
	struct kvm_regs regs = regs_of(&f);
	ck_assert_uint_eq(regs.r8, FIB93);
	ck_assert_uint_eq(regs.rax, FIB93);
	uint64_t *result = guest_ptr(&f.vm, 0x600, 8);
	ck_assert_ptr_nonnull(result);
	ck_assert_uint_eq(*result, FIB93);
	struct kvm_sregs s = sregs_of(&f);
	assert_long_mode(&s);
	assert_64bit_code(&s.cs, SELECTOR(GDT_CODE64));
	finish(&f);
}
END_TEST

START_TEST(unmapped_read_ends_in_shutdown_with_a_diagnostic)
{
	struct fixture f;
	start_guest(&f, "unmapped.bin", vcpu_set_long_mode);
	ck_assert_int_eq(run_to_end(&f), RUN_GUEST_ERROR);
	ck_assert_uint_eq(f.vcpu.run->exit_reason, KVM_EXIT_SHUTDOWN);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "KVM_EXIT_SHUTDOWN"));
	ck_assert_ptr_nonnull(strstr(f.vm.error, "triple fault"));
	ck_assert_ptr_nonnull(strstr(output_of(&f.vm, &f.c), "which no page table maps"));

	char *dump = dump_of(&f.vcpu);
	ck_assert_ptr_nonnull(strstr(dump, "vCPU state at KVM_EXIT_SHUTDOWN"));
	struct kvm_regs regs = regs_of(&f);
	struct kvm_sregs s = sregs_of(&f);
	if (regs.rip == 0xfff0 && s.cs.selector == 0xf000) {
		/* KVM on AMD SVM: the state at the fault is gone, and the dump says so. */
		ck_assert_ptr_nonnull(strstr(dump, "INIT values, not its state at the fault"));
	} else {
		/* The state at the fault: RIP at the read, CR2 the address it could not reach. */
		ck_assert_ptr_null(strstr(dump, "INIT values"));
		ck_assert_uint_eq(s.cr2, GUEST_MEM_SIZE);
		ck_assert_uint_eq(regs.rbx, GUEST_MEM_SIZE);
		ck_assert_uint_eq(regs.rax, 0x1122334455667788);
		assert_long_mode(&s);
		ck_assert_ptr_nonnull(strstr(dump, "cr2=0x00200000"));
		ck_assert_ptr_nonnull(strstr(dump, "rax=0x1122334455667788"));
		ck_assert_ptr_nonnull(strstr(dump, ": 48 8b 0b f4")); /* mov rcx, [rbx]; hlt */
	}
	free(dump);
	finish(&f);
}
END_TEST

START_TEST(switch_turns_long_mode_on_itself_from_protected_mode)
{
	struct fixture f;

	start_guest(&f, "switch.bin", vcpu_set_protected_mode);
	ck_assert_uint_eq(sregs_of(&f).efer, 0);
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED, "%s", f.vm.error);
	ck_assert_str_eq(
	    output_of(&f.vm, &f.c),
	    "guest reported 1280 (0x500)\nLong mode, switched on by the guest itself\n");
	ck_assert_uint_eq(f.vm.last_report, EFER_LME | EFER_LMA);
	ck_assert_uint_eq(regs_of(&f).rax, EFER_LME | EFER_LMA);
	ck_assert_uint_eq(*(uint64_t *)guest_ptr(&f.vm, 0x600, 8), EFER_LME | EFER_LMA);

	struct kvm_sregs s = sregs_of(&f);
	assert_long_mode(&s);
	/* Its own tables and GDT, inside its image, not the VMM's. */
	ck_assert_uint_gt(s.cr3, GUEST_LOAD_ADDR);
	ck_assert_uint_eq(s.cr3 % PAGE_SIZE, 0);
	ck_assert_uint_gt(s.gdt.base, GUEST_LOAD_ADDR);
	assert_64bit_code(&s.cs, 0x08);
	struct kvm_segment cs = gdt_decode(&f.vm, s.gdt.base, 0x08);
	ck_assert_uint_eq(cs.l, 1);
	ck_assert_uint_eq(cs.db, 0);
	finish(&f);
}
END_TEST

/* Protected mode, with a CPUID that says "no long mode", as a CPU from before 2003 would. */
static int protected_mode_without_long_mode(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = kvm_supported_cpuid(vcpu->vm);

	if (!cpuid)
		return -1;
	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 0x80000001)
			cpuid->entries[i].edx &= ~(1u << 29);
	int ret = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	if (ret < 0)
		return vm_fail_errno(vcpu->vm, "KVM_SET_CPUID2");
	return vcpu_set_protected_mode(vcpu);
}

START_TEST(switch_asks_cpuid_first_and_stays_without_long_mode)
{
	struct fixture f;

	start_guest(&f, "switch.bin", protected_mode_without_long_mode);
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED, "%s", f.vm.error);
	ck_assert_ptr_nonnull(
	    strstr(output_of(&f.vm, &f.c), "CPUID says this CPU has no long mode"));
	ck_assert_uint_eq(f.vm.reports, 1);
	ck_assert_uint_eq(f.vm.last_report, 0);
	struct kvm_sregs s = sregs_of(&f);
	ck_assert_uint_eq(s.efer, 0);
	ck_assert_uint_eq(s.cr0 & CR0_PG, 0);
	ck_assert_uint_eq(s.cs.selector, SELECTOR(GDT_CODE32));
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage04-long-mode guests");
	TCase *tc = tcase_create("guests");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, vcpu_starts_in_long_mode_with_our_tables);
	tcase_add_kvm_test(tc, vcpu_cpuid_reports_long_mode);
	tcase_add_kvm_test(tc, hello_works_out_fib93_in_r8_and_reports_both_halves);
	tcase_add_kvm_test(tc, unmapped_read_ends_in_shutdown_with_a_diagnostic);
	tcase_add_kvm_test(tc, switch_turns_long_mode_on_itself_from_protected_mode);
	tcase_add_kvm_test(tc, switch_asks_cpuid_first_and_stays_without_long_mode);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
