/*
 * Exercise 04-control-regs (easy): a 64-bit guest that reads its own control registers.
 * Write guest-asm/04-long-mode/control-regs.asm: a 64-bit guest (the VMM's default
 * entry) that reports through port 0x80, in this order, CR0, CR3, CR4 and EFER (the
 * model-specific register 0xc0000080), each as the 32 bits of EAX, then halts. The
 * test compares them with the vCPU's registers, then moves the PML4 and runs it again.
 * order: 1
 * hint: mov rax, cr0 (cr3, cr4) reads a control register; rdmsr reads the MSR that ECX names into
 * EDX:EAX; out 0x80, eax reports EAX
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "reports.h"

#include <string.h>
#include <sys/ioctl.h>

#define GUEST "control-regs.bin"
#define MOVED_PML4 0x100000 /* free guest RAM, far above the guest, 4 KiB aligned */

/* Runs the guest to its hlt; fails unless it reported CR0, CR3, CR4 and EFER, in order. */
static void expect_control_registers_reported(struct fixture *f)
{
	unsigned long long reported[REPORTS_MAX];

	ck_assert_msg(run_to_end(f) == RUN_FINISHED, "the guest did not halt: %s", f->vm.error);
	struct kvm_sregs sregs = sregs_of(f);
	const char *output = output_of(&f->vm, &f->c);
	ck_assert_msg(reports_in(output, reported) == 4,
		      "the guest must report four values, CR0, CR3, CR4, EFER; it printed \"%s\"",
		      output);
	const struct {
		const char *name;
		unsigned long long value;
	} want[] = {
	    {"CR0", sregs.cr0 & 0xffffffff},
	    {"CR3", sregs.cr3 & 0xffffffff},
	    {"CR4", sregs.cr4 & 0xffffffff},
	    {"EFER", sregs.efer & 0xffffffff},
	};
	for (unsigned i = 0; i < 4; i++)
		ck_assert_msg(reported[i] == want[i].value,
			      "report %u: %s is 0x%llx, the guest reported 0x%llx", i + 1,
			      want[i].name, want[i].value, reported[i]);
}

START_TEST(reports_cr0_cr3_cr4_and_efer)
{
	struct fixture f;

	start_guest(&f, GUEST, vcpu_set_long_mode);
	expect_control_registers_reported(&f);
	finish(&f);
}
END_TEST

/* Long mode as the VMM sets it, with CR3 pointing at a copy of its PML4 at MOVED_PML4. */
static int moved_pml4(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;

	if (vcpu_set_long_mode(vcpu) < 0 || vcpu_get_sregs(vcpu, &sregs) < 0)
		return -1;
	void *pml4 = guest_ptr(vcpu->vm, sregs.cr3 & ~0xfffull, PAGE_SIZE);
	void *moved = guest_ptr(vcpu->vm, MOVED_PML4, PAGE_SIZE);
	if (!pml4 || !moved)
		return vm_fail(vcpu->vm, "the test cannot copy the PML4 at 0x%llx to 0x%x",
			       (unsigned long long)sregs.cr3, MOVED_PML4);
	memcpy(moved, pml4, PAGE_SIZE);
	sregs.cr3 = MOVED_PML4;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_SET_SREGS");
	return 0;
}

START_TEST(reports_a_pml4_moved_to_0x100000)
{
	struct fixture f;

	start_guest(&f, GUEST, moved_pml4);
	expect_control_registers_reported(&f);
	ck_assert_uint_eq(sregs_of(&f).cr3, MOVED_PML4);
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 04-control-regs");
	TCase *tc = tcase_create("control-regs");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, reports_cr0_cr3_cr4_and_efer);
	tcase_add_kvm_test(tc, reports_a_pml4_moved_to_0x100000);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
