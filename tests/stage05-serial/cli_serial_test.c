/*
 * stage05-serial as a person runs it: stdin is the serial input, stdout its
 * output; --timeout, --stats, --trace; the guest's exit status is the VMM's.
 */
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned occurrences(const char *text, const char *what)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

START_TEST(help_names_com1_the_exit_port_and_the_new_options)
{
	char out[8192];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--help"), 0);
	ck_assert_ptr_nonnull(strstr(out, "0x3f8-0x3ff on IRQ 4"));
	ck_assert_ptr_nonnull(strstr(out, "OUT 0xf4 ends the run"));
	ck_assert_ptr_nonnull(strstr(out, "--timeout SECONDS"));
	ck_assert_ptr_nonnull(strstr(out, "--stats"));
	ck_assert_ptr_nonnull(strstr(out, "EOT"));
}
END_TEST

START_TEST(a_bad_timeout_is_refused_with_status_2)
{
	char out[4096];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--timeout", "0"), 2);
	ck_assert_ptr_nonnull(strstr(out, "--timeout '0' is not a number of seconds above 0"));
	ck_assert_int_eq(run_vmm(out, sizeof(out), "--timeout", "soon"), 2);
	ck_assert_int_eq(run_vmm(out, sizeof(out), "--timeout", "1s"), 2);
	ck_assert_int_eq(run_vmm(out, sizeof(out), "--timeout"), 2);
}
END_TEST

START_TEST(stdin_from_a_pipe_is_the_guests_input)
{
	char out[4096];

	ck_assert_int_eq(run_vmm_input("serial\nport\n", out, sizeof(out), guest_path("echo.bin")),
			 0);
	ck_assert_str_eq(out, "serial\nSERIAL\nport\nPORT\nguest reported 2 (0x2)\n");
}
END_TEST

START_TEST(stdin_empty_gives_the_guest_eot_at_once)
{
	char out[4096];

	ck_assert_int_eq(run_vmm_input("", out, sizeof(out), guest_path("irq-echo.bin")), 0);
	ck_assert_str_eq(out, "guest reported 0 (0x0)\n");
}
END_TEST

START_TEST(timeout_ends_a_halted_guest_with_status_124_and_a_diagnostic)
{
	char out[8192];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--timeout", "1", guest_path("halt.bin")), 124);
	ck_assert_ptr_nonnull(strstr(out, "Halting with interrupts off.\n"));
	ck_assert_ptr_nonnull(
	    strstr(out, "vmm: the guest was still running after 1 s (--timeout)\n"));
	ck_assert_ptr_nonnull(strstr(out, "rip=0x"));
}
END_TEST

/* A timeout that does not expire changes nothing. */
START_TEST(a_generous_timeout_lets_the_guest_finish)
{
	char out[4096];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--timeout", "600", guest_path("hello.bin")), 0);
	ck_assert_str_eq(out, "Hello from COM1!\nguest reported 17 (0x11)\n");
}
END_TEST

START_TEST(stats_count_the_exits_and_split_the_time)
{
	char out[8192];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--stats", guest_path("hello.bin")), 0);
	ck_assert_ptr_nonnull(strstr(out, "exits: 43\n  KVM_EXIT_IO "));
	ck_assert_ptr_nonnull(strstr(out, "inside KVM_RUN"));
	ck_assert_ptr_nonnull(strstr(out, "in the VMM"));
}
END_TEST

START_TEST(trace_shows_every_exit_and_unknown_ports_are_said_once)
{
	char out[16384];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--trace", guest_path("probe.bin")), 0);
	ck_assert_uint_eq(occurrences(out, "exit KVM_EXIT_IO out port=0x2ff"), 1);
	ck_assert_uint_eq(occurrences(out, "exit KVM_EXIT_IO in port=0x2ff"), 2);
	ck_assert_uint_eq(occurrences(out, "exit KVM_EXIT_MMIO read addr=0x200000 len=4"), 2);
	ck_assert_uint_eq(occurrences(out, "exit KVM_EXIT_MMIO write addr=0x200000 len=4"), 1);
	ck_assert_uint_eq(occurrences(out, "I/O port 0x2ff, where this VMM has no device"), 1);
	ck_assert_uint_eq(occurrences(out, "physical 0x200000, where there is no memory"), 1);
}
END_TEST

/* A guest of three instructions' worth, written here: mov al, 42; out PORT_EXIT, al. */
START_TEST(the_guests_exit_status_is_the_vmms)
{
	char out[4096];
	char path[] = "/tmp/exit-guest-XXXXXX";
	const uint8_t code[] = {0xb0, 42, 0xe6, PORT_EXIT};
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, code, sizeof(code)), (ssize_t)sizeof(code));
	close(fd);
	ck_assert_int_eq(run_vmm(out, sizeof(out), path), 42);
	ck_assert_str_eq(out, "vmm: the guest exited with status 42\n");
	unlink(path);
}
END_TEST

START_TEST(a_triple_fault_is_status_1_with_a_diagnostic)
{
	char out[8192];

	ck_assert_int_eq(run_vmm_input("x", out, sizeof(out), guest_path("fault.bin")), 1);
	ck_assert_ptr_nonnull(strstr(out, "vmm: the guest shut down (KVM_EXIT_SHUTDOWN)"));
	ck_assert_ptr_nonnull(strstr(out, "vCPU state at KVM_EXIT_SHUTDOWN"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage05-serial command line");
	TCase *tc = tcase_create("./run");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, help_names_com1_the_exit_port_and_the_new_options);
	tcase_add_test(tc, a_bad_timeout_is_refused_with_status_2);
	tcase_add_kvm_test(tc, stdin_from_a_pipe_is_the_guests_input);
	tcase_add_kvm_test(tc, stdin_empty_gives_the_guest_eot_at_once);
	tcase_add_kvm_test(tc, timeout_ends_a_halted_guest_with_status_124_and_a_diagnostic);
	tcase_add_kvm_test(tc, a_generous_timeout_lets_the_guest_finish);
	tcase_add_kvm_test(tc, stats_count_the_exits_and_split_the_time);
	tcase_add_kvm_test(tc, trace_shows_every_exit_and_unknown_ports_are_said_once);
	tcase_add_kvm_test(tc, the_guests_exit_status_is_the_vmms);
	tcase_add_kvm_test(tc, a_triple_fault_is_status_1_with_a_diagnostic);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
