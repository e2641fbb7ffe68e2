/*
 * The run loop's tools as a person uses them (--trace, --stats, --timeout), and
 * what the VMM says of a port nobody answers. Shared by every x86 stage from
 * stage02 on.
 *
 * The guests here are a few bytes of machine code written by the test. Their
 * instructions encode the same in real, protected and long mode, so one test
 * serves every stage whatever mode its vCPU starts in. They end by spinning
 * (jmp $): HLT ends the run in some stages and not in others, a timeout always.
 */
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <string.h>
#include <unistd.h>

#define JMP_SELF 0xeb, 0xfe /* jmp $: spin forever */
#define MOV_AL(byte) 0xb0, (byte)
#define OUT_AL(port) 0xe6, (port) /* out imm8, al */
#define IN_AL(port) 0xe4, (port) /* in al, imm8 */
#define NO_DEVICE_PORT 0x99
/*
 * For a test that needs the guest to get as far as its spin: the timer starts
 * before the VMM's set-up ends, which on a loaded machine (or in an emulated
 * host) has been seen to take more than 0.2 s: long enough to run no guest code.
 */
#define AFTER_SOME_WORK "1"

/* Runs a guest made of `code` with the options opts; returns the VMM's exit status. */
static int run_code_argv(const uint8_t *code, size_t len, char *out, size_t size,
			 const char *const opts[])
{
	char path[32];
	const char *args[8];
	size_t n = 0;

	for (; opts[n]; n++) {
		ck_assert_uint_lt(n, 6);
		args[n] = opts[n];
	}
	args[n++] = guest_file_of(path, code, len);
	args[n] = NULL;
	int status = run_vmm_argv(NULL, out, size, args);
	unlink(path);
	return status;
}
#define run_code(code, out, ...)                                                                   \
	run_code_argv(code, sizeof(code), out, sizeof(out),                                        \
		      (const char *const[]){__VA_ARGS__, NULL})

START_TEST(help_names_the_tools)
{
	const char *out = expect_vmm(0, "--trace", "--help");
	assert_contains(out, "--stats");
	assert_contains(out, "--timeout SECONDS");
}
END_TEST

START_TEST(a_bad_timeout_is_refused_with_status_2)
{
	static const char *const bad[] = {"0", "-1", "soon", "1s", "nan", "inf", "1e9", ""};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[80];
		snprintf(text, sizeof(text), "--timeout '%s' is not a number of seconds above 0",
			 bad[i]);
		expect_vmm(2, text, "--timeout", bad[i]);
	}
	expect_vmm(2, "--timeout '' is not a number", "--timeout");
}
END_TEST

START_TEST(a_runaway_guest_ends_at_its_timeout_with_124_and_a_diagnostic)
{
	const uint8_t code[] = {JMP_SELF};
	char out[8192], code_at[64];

	ck_assert_int_eq(run_code(code, out, "--timeout", "0.2"), 124);
	assert_contains(out, "vmm: the guest was still running after 0.2 s (--timeout)\n");
	assert_contains(out, "vCPU state at");
	snprintf(code_at, sizeof(code_at), "code at 0x%x: eb fe", GUEST_LOAD_ADDR);
	assert_contains(out, code_at);
}
END_TEST

/* A time that rounds to 0 ns must still fire: a zero timer would never go off. */
START_TEST(a_timeout_too_small_to_count_still_fires)
{
	const uint8_t code[] = {JMP_SELF};
	char out[8192];

	ck_assert_int_eq(run_code(code, out, "--timeout", "1e-10"), 124);
	assert_contains(out, "still running after 1e-10 s (--timeout)");
}
END_TEST

START_TEST(trace_prints_each_exit)
{
	const uint8_t code[] = {MOV_AL('x'), OUT_AL(PORT_CONSOLE), JMP_SELF};
	char out[8192];

	ck_assert_int_eq(run_code(code, out, "--trace", "--timeout", AFTER_SOME_WORK), 124);
	ck_assert_uint_eq(
	    occurrences(out, "exit KVM_EXIT_IO out port=0xe9 size=1 count=1 value=0x78\n"), 1);
	assert_contains(out, "x");
}
END_TEST

START_TEST(stats_count_the_exits_and_split_the_time)
{
	const uint8_t code[] = {MOV_AL('x'), OUT_AL(PORT_CONSOLE), JMP_SELF};
	char out[8192];

	ck_assert_int_eq(run_code(code, out, "--stats", "--timeout", AFTER_SOME_WORK), 124);
	char line[64];
	snprintf(line, sizeof(line), "exits: 1\n  %-24s 1\n", "KVM_EXIT_IO");
	assert_contains(out, line);
	assert_contains(out, "inside KVM_RUN");
	assert_contains(out, "in the VMM");
}
END_TEST

/* in al, 0x99; out 0x80, al (report it); out 0x99, al; in al, 0x99; spin. */
START_TEST(a_port_with_no_device_reads_all_ones_and_is_reported_once)
{
	const uint8_t code[] = {IN_AL(NO_DEVICE_PORT), OUT_AL(PORT_REPORT), OUT_AL(NO_DEVICE_PORT),
				IN_AL(NO_DEVICE_PORT), JMP_SELF};
	char out[8192];

	ck_assert_int_eq(run_code(code, out, "--timeout", AFTER_SOME_WORK), 124);
	assert_contains(out, "guest reported 255 (0xff)\n");
	ck_assert_uint_eq(occurrences(out, "I/O port 0x99, where this VMM has no device"), 1);
	assert_contains(out, "the guest read from I/O port 0x99");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the run loop's tools");
	TCase *tc = tcase_create("./run --trace --stats --timeout");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, help_names_the_tools);
	tcase_add_test(tc, a_bad_timeout_is_refused_with_status_2);
	tcase_add_kvm_test(tc, a_runaway_guest_ends_at_its_timeout_with_124_and_a_diagnostic);
	tcase_add_kvm_test(tc, a_timeout_too_small_to_count_still_fires);
	tcase_add_kvm_test(tc, trace_prints_each_exit);
	tcase_add_kvm_test(tc, stats_count_the_exits_and_split_the_time);
	tcase_add_kvm_test(tc, a_port_with_no_device_reads_all_ones_and_is_reported_once);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
