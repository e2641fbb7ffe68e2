/*
 * The VMM as a person runs it (./run): options, exit statuses and messages.
 * Shared by every stage whose main() takes [options] [GUEST.bin].
 */
#include "kvm_check.h"
#include "vmm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#ifndef VMM_BINARY
#error "VMM_BINARY must name the stage's built VMM"
#endif

/* Runs the VMM with `args`; returns its exit status and what it printed (both streams). */
static int run_vmm(const char *args, char *output, size_t size)
{
	char command[4096];

	snprintf(command, sizeof(command), "%s %s 2>&1", VMM_BINARY, args);
	FILE *p = popen(command, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(output, 1, size - 1, p);
	output[n] = '\0';
	int status = pclose(p);
	ck_assert_msg(WIFEXITED(status), "the VMM did not exit normally: %s", output);
	return WEXITSTATUS(status);
}

START_TEST(help_shows_the_load_address_and_exits_0)
{
	char out[4096];
	char address[32];

	ck_assert_int_eq(run_vmm("--help", out, sizeof(out)), 0);
	snprintf(address, sizeof(address), "0x%x", GUEST_LOAD_ADDR);
	ck_assert_ptr_nonnull(strstr(out, "usage: ./run"));
	ck_assert_ptr_nonnull(strstr(out, address));
}
END_TEST

START_TEST(unknown_option_is_named_and_exits_2)
{
	char out[4096];

	ck_assert_int_eq(run_vmm("--frobnicate", out, sizeof(out)), 2);
	ck_assert_ptr_nonnull(strstr(out, "'--frobnicate'"));
	ck_assert_ptr_nonnull(strstr(out, "--help"));
}
END_TEST

START_TEST(missing_guest_file_is_named_and_exits_1)
{
	char out[4096];

	ck_assert_int_eq(run_vmm("/nonexistent/guest.bin", out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "/nonexistent/guest.bin: No such file or directory"));
}
END_TEST

START_TEST(default_guest_runs_and_exits_0)
{
	char out[4096];

	ck_assert_msg(run_vmm("", out, sizeof(out)) == 0, "%s", out);
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
