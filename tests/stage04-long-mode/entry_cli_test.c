/*
 * stage04-long-mode: ./run --entry MODE picks how the vCPU starts, here with this
 * stage's guests (the option itself, long by default: tests/shared/entry_option_test.c).
 */
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

START_TEST(entry_protected_runs_the_guest_that_switches_itself)
{
	expect_vmm(0, "Long mode, switched on by the guest itself\n", "--entry", "protected",
		   guest_path("switch.bin"));
}
END_TEST

/* A triple fault ends the VMM with status 1 and a diagnostic: no hang, no crash. */
START_TEST(triple_fault_stops_the_vmm_with_a_diagnostic)
{
	const char *out = expect_vmm(1, "vmm: the guest shut down (KVM_EXIT_SHUTDOWN)",
				     guest_path("unmapped.bin"));
	assert_contains(out, "vCPU state at KVM_EXIT_SHUTDOWN:");
	assert_contains(out, " cr2=");
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
