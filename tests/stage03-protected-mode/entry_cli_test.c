/*
 * stage03-protected-mode: ./run --entry MODE picks how the vCPU starts, here with
 * this stage's guests (the option itself: tests/shared/entry_option_test.c).
 */
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <string.h>

START_TEST(entry_real_runs_the_guest_that_switches_itself)
{
	char out[4096];

	ck_assert_msg(run_vmm(out, sizeof(out), "--entry", "real", guest_path("boot.bin")) == 0,
		      "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "switched on by the guest itself"));
}
END_TEST

START_TEST(unexpected_mmio_exit_stops_the_vmm_with_a_diagnostic)
{
	char out[4096];

	ck_assert_int_eq(
	    run_vmm(out, sizeof(out), "--entry", "protected", guest_path("paging.bin")), 1);
	ck_assert_ptr_nonnull(strstr(out, "vmm: unexpected exit KVM_EXIT_MMIO"));
	ck_assert_ptr_nonnull(strstr(out, "cr0=0x00000011"));
	ck_assert_ptr_nonnull(strstr(out, "cs selector=0x0008"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage03-protected-mode --entry");
	TCase *tc = tcase_create("./run --entry");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, entry_real_runs_the_guest_that_switches_itself);
	tcase_add_kvm_test(tc, unexpected_mmio_exit_stops_the_vmm_with_a_diagnostic);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
