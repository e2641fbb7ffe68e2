/*
 * The VMM as a person runs it (./run): help, a bad option, a missing guest, the
 * default guest. Shared by every stage whose main() takes [options] [GUEST].
 */
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <stdio.h>
#include <string.h>

START_TEST(help_shows_the_load_address_and_exits_0)
{
	char address[32];

	snprintf(address, sizeof(address), "0x%x", GUEST_LOAD_ADDR);
	const char *out = expect_vmm(0, "usage: ./run", "--help");
	assert_contains(out, address);
}
END_TEST

START_TEST(unknown_option_is_named_and_exits_2)
{
	const char *out = expect_vmm(2, "'--frobnicate'", "--frobnicate");
	assert_contains(out, "--help");
}
END_TEST

START_TEST(missing_guest_file_is_named_and_exits_1)
{
	expect_vmm(1, "/nonexistent/guest.bin: No such file or directory",
		   "/nonexistent/guest.bin");
}
END_TEST

#ifndef LINUX_KERNEL_ADDR /* stage09 boots Linux by default: its boot_test runs that */
/* With no guest named, ./run runs the guest --help names, from guests/ beside the VMM. */
START_TEST(the_default_guest_is_the_one_help_names)
{
	char by_default[8192], named[8192];
	const char *guest = guest_path(default_flat_guest());

	int status =
	    run_vmm_argv(NULL, by_default, sizeof(by_default), (const char *const[]){NULL});
	ck_assert_int_eq(run_vmm(named, sizeof(named), guest), status);
	ck_assert_uint_gt(strlen(named), 0);
	ck_assert_str_eq(by_default, named);
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create("the command line");
	TCase *tc = tcase_create("./run");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, help_shows_the_load_address_and_exits_0);
	tcase_add_test(tc, unknown_option_is_named_and_exits_2);
	tcase_add_kvm_test(tc, missing_guest_file_is_named_and_exits_1);
#ifndef LINUX_KERNEL_ADDR
	tcase_add_kvm_test(tc, the_default_guest_is_the_one_help_names);
#endif
	suite_add_tcase(s, tc);
	return run_suite(s);
}
