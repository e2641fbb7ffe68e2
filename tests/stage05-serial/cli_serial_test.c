/*
 * stage05-serial as a person runs it: stdin is the serial input, stdout its
 * output; the guest's status, written to PORT_DONE, is the VMM's exit status.
 * (The options every stage shares: tests/shared/cli_test.c.)
 */
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <string.h>
#include <unistd.h>

START_TEST(help_names_com1_and_the_done_port)
{
	const char *out = expect_vmm(0, "0x3f8-0x3ff on IRQ 4", "--help");
	assert_contains(out, "OUT 0xf4 ends the run");
	assert_contains(out, "EOT");
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

START_TEST(a_guest_halted_with_interrupts_off_is_stopped_with_status_1)
{
	const char *out = expect_vmm(1, "Halting with interrupts off.\n", guest_path("halt.bin"));
	assert_contains(out, "vmm: the guest halted with interrupts off (KVM_EXIT_HLT): nothing "
			     "can wake it\n");
	assert_contains(out, "vCPU state at KVM_EXIT_HLT:");
}
END_TEST

START_TEST(timeout_ends_a_sleeping_guest_with_status_124_and_a_diagnostic)
{
	const char *out = expect_vmm(124, "Sleeping with interrupts on.\n", "--timeout", "1.5",
				     guest_path("sleep.bin"));
	assert_contains(out, "vmm: the guest was still running after 1.5 s (--timeout)\n");
	assert_contains(out, "rip=0x");
}
END_TEST

START_TEST(trace_shows_every_exit_and_unknown_ports_are_said_once)
{
	const char *out = expect_vmm(0, "exit KVM_EXIT_IO", "--trace", guest_path("probe.bin"));

	ck_assert_uint_eq(occurrences(out, "exit KVM_EXIT_IO out port=0x2ff"), 1);
	ck_assert_uint_eq(occurrences(out, "exit KVM_EXIT_IO in port=0x2ff"), 2);
	ck_assert_uint_eq(occurrences(out, "exit KVM_EXIT_MMIO read addr=0x200000 len=4"), 2);
	ck_assert_uint_eq(occurrences(out, "exit KVM_EXIT_MMIO write addr=0x200000 len=4"), 1);
	ck_assert_uint_eq(occurrences(out, "I/O port 0x2ff, where this VMM has no device"), 1);
	ck_assert_uint_eq(occurrences(out, "physical 0x200000, where there is no memory"), 1);
}
END_TEST

/* A guest of two instructions, written here: mov al, 42; out PORT_DONE, al. */
START_TEST(the_guests_status_is_the_vmms)
{
	char out[4096], path[32];
	const uint8_t code[] = {0xb0, 42, 0xe6, PORT_DONE};

	ck_assert_int_eq(run_vmm(out, sizeof(out), guest_file_of(path, code, sizeof(code))), 42);
	unlink(path);
	ck_assert_str_eq(out, "vmm: the guest finished with status 42\n");
}
END_TEST

START_TEST(a_triple_fault_is_status_1_with_a_diagnostic)
{
	char out[8192];

	ck_assert_int_eq(run_vmm_input("x", out, sizeof(out), guest_path("fault.bin")), 1);
	assert_contains(out, "vmm: the guest shut down (KVM_EXIT_SHUTDOWN)");
	assert_contains(out, "vCPU state at KVM_EXIT_SHUTDOWN");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage05-serial command line");
	TCase *tc = tcase_create("./run");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, help_names_com1_and_the_done_port);
	tcase_add_kvm_test(tc, stdin_from_a_pipe_is_the_guests_input);
	tcase_add_kvm_test(tc, stdin_empty_gives_the_guest_eot_at_once);
	tcase_add_kvm_test(tc, a_guest_halted_with_interrupts_off_is_stopped_with_status_1);
	tcase_add_kvm_test(tc, timeout_ends_a_sleeping_guest_with_status_124_and_a_diagnostic);
	tcase_add_kvm_test(tc, trace_shows_every_exit_and_unknown_ports_are_said_once);
	tcase_add_kvm_test(tc, the_guests_status_is_the_vmms);
	tcase_add_kvm_test(tc, a_triple_fault_is_status_1_with_a_diagnostic);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
