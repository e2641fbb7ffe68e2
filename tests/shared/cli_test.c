/*
 * The VMM as a person runs it (./run): options, exit statuses and messages.
 * Shared by every stage whose main() takes [options] [GUEST.bin].
 */
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <string.h>

START_TEST(help_shows_the_load_address_and_exits_0)
{
	char out[4096];
	char address[32];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--help"), 0);
	snprintf(address, sizeof(address), "0x%x", GUEST_LOAD_ADDR);
	ck_assert_ptr_nonnull(strstr(out, "usage: ./run"));
	ck_assert_ptr_nonnull(strstr(out, address));
}
END_TEST

START_TEST(unknown_option_is_named_and_exits_2)
{
	char out[4096];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--frobnicate"), 2);
	ck_assert_ptr_nonnull(strstr(out, "'--frobnicate'"));
	ck_assert_ptr_nonnull(strstr(out, "--help"));
}
END_TEST

START_TEST(missing_guest_file_is_named_and_exits_1)
{
	char out[4096];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "/nonexistent/guest.bin"), 1);
	ck_assert_ptr_nonnull(strstr(out, "/nonexistent/guest.bin: No such file or directory"));
}
END_TEST

START_TEST(default_guest_runs_and_exits_0)
{
	char out[4096];

	ck_assert_msg(run_vmm_argv(NULL, out, sizeof(out), (const char *const[]){NULL}) == 0, "%s",
		      out);
	ck_assert_uint_gt(strlen(out), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the command line");
	TCase *tc = tcase_create("./run");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, help_shows_the_load_address_and_exits_0);
	tcase_add_test(tc, unknown_option_is_named_and_exits_2);
	tcase_add_kvm_test(tc, missing_guest_file_is_named_and_exits_1);
	tcase_add_kvm_test(tc, default_guest_runs_and_exits_0);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
