/*
 * Exercise 02-exit-port (medium): the guest chooses the VMM's exit status.
 * Give the VMM a device at I/O port 0xf4: a byte the guest writes there ends the run
 * at once (the guest executes nothing more), and the VMM exits with that byte as its
 * exit status. Test guests use it to say "passed" or "failed" (QEMU's isa-debug-exit
 * does the same). A guest that halts still makes the VMM exit with 0.
 * order: 2
 * hint: a new case in devices.c's port_out() that returns GUEST_FINISHED, and a place in struct vm
 * for the byte, which main() returns
 */
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <unistd.h>

#define EXIT_PORT 0xf4

/* Runs the VMM on a real-mode guest of a few bytes; returns its exit status. */
static int run_guest_of(const uint8_t *code, size_t len, char *out, size_t size)
{
	char path[32];
	int status = run_vmm(out, size, "--timeout", "10", guest_file_of(path, code, len));

	unlink(path);
	return status;
}

/* mov al, VALUE; out 0xf4, al; then prints "X" and halts, which it must never reach. */
#define EXIT_GUEST(value)                                                                          \
	{                                                                                          \
		0xb0, (value), 0xe6, EXIT_PORT, 0xb0, 'X', 0xe6, 0xe9, 0xf4                        \
	}

START_TEST(a_write_of_42_ends_the_run_with_status_42)
{
	const uint8_t code[] = EXIT_GUEST(42);
	char out[4096];

	ck_assert_int_eq(run_guest_of(code, sizeof(code), out, sizeof(out)), 42);
	ck_assert_msg(!occurrences(out, "X"), "the guest went on after its write: \"%s\"", out);
}
END_TEST

START_TEST(a_write_of_0_ends_the_run_with_status_0)
{
	const uint8_t code[] = EXIT_GUEST(0);
	char out[4096];

	ck_assert_int_eq(run_guest_of(code, sizeof(code), out, sizeof(out)), 0);
	ck_assert_msg(!occurrences(out, "X"), "the guest went on after its write: \"%s\"", out);
	ck_assert_msg(!occurrences(out, "no device"), "port 0xf4 is still unknown: \"%s\"", out);
}
END_TEST

START_TEST(a_guest_that_halts_still_ends_with_status_0)
{
	const uint8_t code[] = {0xb0, 'H', 0xe6, 0xe9, 0xf4}; /* prints "H", halts */
	char out[4096];

	ck_assert_int_eq(run_guest_of(code, sizeof(code), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "H");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 02-exit-port");
	TCase *tc = tcase_create("exit-port");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, a_write_of_42_ends_the_run_with_status_42);
	tcase_add_kvm_test(tc, a_write_of_0_ends_the_run_with_status_0);
	tcase_add_kvm_test(tc, a_guest_that_halts_still_ends_with_status_0);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
