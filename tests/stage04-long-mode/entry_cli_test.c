/*
 * stage04-long-mode: ./run --entry MODE picks how the vCPU starts, here with this
 * stage's guests (the option itself, long by default: tests/shared/entry_option_test.c).
 */
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <string.h>

START_TEST(entry_protected_runs_the_guest_that_switches_itself)
{
	char out[4096];

	ck_assert_msg(run_vmm(out, sizeof(out), "--entry", "protected", guest_path("switch.bin")) ==
			  0,
		      "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "switched on by the guest itself"));
}
END_TEST

/* A triple fault ends the VMM with status 1 and a diagnostic: no hang, no crash. */
START_TEST(triple_fault_stops_the_vmm_with_a_diagnostic)
{
	char out[8192];

	ck_assert_int_eq(run_vmm(out, sizeof(out), guest_path("unmapped.bin")), 1);
	ck_assert_ptr_nonnull(strstr(out, "vmm: the guest shut down (KVM_EXIT_SHUTDOWN)"));
	ck_assert_ptr_nonnull(strstr(out, "vCPU state at KVM_EXIT_SHUTDOWN:"));
	ck_assert_ptr_nonnull(strstr(out, " cr2="));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage04-long-mode --entry");
	TCase *tc = tcase_create("./run --entry");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, entry_protected_runs_the_guest_that_switches_itself);
	tcase_add_kvm_test(tc, triple_fault_stops_the_vmm_with_a_diagnostic);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
