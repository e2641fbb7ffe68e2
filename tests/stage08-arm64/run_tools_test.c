/*
 * The run loop's tools as a person uses them (--trace, --stats, --timeout), and
 * what the VMM says of an address nobody answers: tests/shared/run_tools_test.c,
 * with arm64 guests. The tools are stage07's; only the exits differ (MMIO, no
 * port I/O). The guests are a few A64 instructions written by the test; they
 * end by spinning (b .): only a timeout ends them.
 */
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <string.h>
#include <unistd.h>

/* A64 instructions, as aarch64-linux-gnu-as encodes them. */
#define B_SELF 0x14000000 /* b .: spin forever */
#define MOV_X1_UART 0xd2a12001 /* mov x1, #0x09000000 (PL011_BASE) */
#define MOV_W0_X 0x52800f00 /* mov w0, #'x' */
#define STRB_W0_X1 0x39000020 /* strb w0, [x1]: to UARTDR */
#define MOV_X1_NOTHING 0xd2a20001 /* mov x1, #0x10000000: neither RAM nor a device */
#define LDR_W0_X1 0xb9400020 /* ldr w0, [x1] */
#define STR_W0_X1 0xb9000020 /* str w0, [x1] */
#define MOV_X2_REPORT 0xd2a12022 /* mov x2, #0x09010000 (REPORT_ADDR) */
#define STR_X0_X2 0xf9000040 /* str x0, [x2] */

/* Runs a guest made of `code` with the options opts; returns the VMM's exit status. */
static int run_code_argv(const uint32_t *code, size_t len, char *out, size_t size,
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
	const uint32_t code[] = {B_SELF};
	char out[8192], code_at[64];

	ck_assert_int_eq(run_code(code, out, "--timeout", "0.2"), 124);
	assert_contains(out, "vmm: the guest was still running after 0.2 s (--timeout)\n");
	assert_contains(out, "vCPU state when the timeout stopped it:");
	snprintf(code_at, sizeof(code_at), "code at 0x%x: 14000000", GUEST_LOAD_ADDR);
	assert_contains(out, code_at);
}
END_TEST

/* A time that rounds to 0 ns must still fire: a zero timer would never go off. */
START_TEST(a_timeout_too_small_to_count_still_fires)
{
	const uint32_t code[] = {B_SELF};
	char out[8192];

	ck_assert_int_eq(run_code(code, out, "--timeout", "1e-10"), 124);
	assert_contains(out, "still running after 1e-10 s (--timeout)");
}
END_TEST

START_TEST(trace_prints_each_exit)
{
	const uint32_t code[] = {MOV_X1_UART, MOV_W0_X, STRB_W0_X1, B_SELF};
	char out[8192];

	ck_assert_int_eq(run_code(code, out, "--trace", "--timeout", "0.2"), 124);
	ck_assert_uint_eq(
	    occurrences(out, "vCPU 0: exit KVM_EXIT_MMIO write addr=0x9000000 len=1 value=0x78\n"),
	    1);
	assert_contains(out, "x");
}
END_TEST

START_TEST(stats_count_the_exits_and_split_the_time)
{
	const uint32_t code[] = {MOV_X1_UART, MOV_W0_X, STRB_W0_X1, B_SELF};
	char out[8192];

	ck_assert_int_eq(run_code(code, out, "--stats", "--timeout", "0.2"), 124);
	char line[64];
	snprintf(line, sizeof(line), "exits: 1\n  %-24s 1\n", "KVM_EXIT_MMIO");
	assert_contains(out, line);
	assert_contains(out, "inside KVM_RUN");
	assert_contains(out, "in the VMM");
}
END_TEST

/* A read where nothing is gives all ones, reported; the write and the second read are not. */
START_TEST(an_address_with_no_device_reads_all_ones_and_is_reported_once)
{
	const uint32_t code[] = {MOV_X1_NOTHING, LDR_W0_X1, MOV_X2_REPORT, STR_X0_X2,
				 STR_W0_X1,      LDR_W0_X1, B_SELF};
	char out[8192];

	ck_assert_int_eq(run_code(code, out, "--timeout", "0.2"), 124);
	assert_contains(out, "guest reported 4294967295 (0xffffffff)\n");
	ck_assert_uint_eq(occurrences(out, "guest physical 0x10000000, where there is no memory"),
			  1);
	assert_contains(out, "the guest read from guest physical 0x10000000");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the run loop's tools");
	TCase *tc = tcase_create("./run --trace --stats --timeout");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, help_names_the_tools);
	tcase_add_test(tc, a_bad_timeout_is_refused_with_status_2);
	tcase_add_kvm_test(tc, a_runaway_guest_ends_at_its_timeout_with_124_and_a_diagnostic);
	tcase_add_kvm_test(tc, a_timeout_too_small_to_count_still_fires);
	tcase_add_kvm_test(tc, trace_prints_each_exit);
	tcase_add_kvm_test(tc, stats_count_the_exits_and_split_the_time);
	tcase_add_kvm_test(tc, an_address_with_no_device_reads_all_ones_and_is_reported_once);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
