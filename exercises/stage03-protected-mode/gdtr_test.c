/*
 * Exercise 03-gdtr (easy): a guest that asks the CPU where its GDT is.
 * Write guest-asm/03-protected-mode/gdtr.asm: a 32-bit guest (the VMM's default
 * entry) that reports through port 0x80 the GDT's base, then its limit, as GDTR
 * holds them, then halts. The test also runs it with the GDT moved elsewhere.
 * order: 1
 * hint: sgdt [mem] stores GDTR in 6 bytes: the limit (a word), then the base (a dword); out 0x80,
 * eax reports EAX
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "reports.h"

#include <string.h>
#include <sys/ioctl.h>

#define GUEST "gdtr.bin"
#define MOVED_GDT 0x500 /* free guest memory below GDT_ADDR, above the BIOS data area */

/* Runs the guest to its hlt; fails unless it reported GDTR's base and limit, in order. */
static void expect_gdtr_reported(struct fixture *f)
{
	unsigned long long reported[REPORTS_MAX];

	ck_assert_msg(run_to_end(f) == RUN_FINISHED, "the guest did not halt: %s", f->vm.error);
	struct kvm_sregs sregs = sregs_of(f);
	const char *output = output_of(&f->vm, &f->c);
	ck_assert_msg(reports_in(output, reported) == 2,
		      "the guest must report two values, base then limit; it printed \"%s\"",
		      output);
	ck_assert_msg(reported[0] == sregs.gdt.base,
		      "GDTR's base is 0x%llx, the guest reported 0x%llx",
		      (unsigned long long)sregs.gdt.base, reported[0]);
	ck_assert_msg(reported[1] == sregs.gdt.limit,
		      "GDTR's limit is 0x%x, the guest reported 0x%llx", sregs.gdt.limit,
		      reported[1]);
}

START_TEST(reports_the_vmms_gdtr)
{
	struct fixture f;

	start_guest(&f, GUEST, vcpu_set_protected_mode);
	expect_gdtr_reported(&f);
	finish(&f);
}
END_TEST

/* Protected mode as the VMM sets it, with a copy of its GDT at MOVED_GDT, one entry longer. */
static int moved_gdt(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;

	if (vcpu_set_protected_mode(vcpu) < 0 || vcpu_get_sregs(vcpu, &sregs) < 0)
		return -1;
	size_t size = sregs.gdt.limit + 1u;
	void *gdt = guest_ptr(vcpu->vm, sregs.gdt.base, size);
	void *moved = guest_ptr(vcpu->vm, MOVED_GDT, size + 8);
	if (!gdt || !moved || MOVED_GDT + size + 8 > sregs.gdt.base)
		return vm_fail(vcpu->vm, "the test cannot move a GDT of %zu bytes to 0x%x", size,
			       MOVED_GDT);
	memcpy(moved, gdt, size);
	memset((uint8_t *)moved + size, 0, 8);
	sregs.gdt.base = MOVED_GDT;
	sregs.gdt.limit += 8;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_SET_SREGS");
	return 0;
}

START_TEST(reports_a_gdtr_moved_to_0x500)
{
	struct fixture f;

	start_guest(&f, GUEST, moved_gdt);
	expect_gdtr_reported(&f);
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 03-gdtr");
	TCase *tc = tcase_create("gdtr");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, reports_the_vmms_gdtr);
	tcase_add_kvm_test(tc, reports_a_gdtr_moved_to_0x500);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
