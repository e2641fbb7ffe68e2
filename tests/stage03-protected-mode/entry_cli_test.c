/*
 * stage03-protected-mode: ./run --entry MODE picks how the vCPU starts, here with
 * this stage's guests (the option itself: tests/shared/entry_option_test.c).
 */
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

START_TEST(entry_real_runs_the_guest_that_switches_itself)
{
	expect_vmm(0, "Protected mode, switched on by the guest itself\n", "--entry", "real",
		   guest_path("boot.bin"));
}
END_TEST

/* Without paging, paging.bin's write reaches no memory: the VMM says so, the guest tells. */
START_TEST(entry_protected_leaves_paging_off)
{
	const char *out =
	    expect_vmm(0, "PAGING FAILED", "--entry", "protected", guest_path("paging.bin"));
	assert_contains(out,
			"the guest wrote to guest physical 0x300000, where there is no memory");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage03-protected-mode --entry");
	TCase *tc = tcase_create("./run --entry");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, entry_real_runs_the_guest_that_switches_itself);
	tcase_add_kvm_test(tc, entry_protected_leaves_paging_off);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
