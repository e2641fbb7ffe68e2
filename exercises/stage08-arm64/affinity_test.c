/*
 * Exercise 08-affinity (medium): ask the firmware about another CPU.
 * PSCI's AFFINITY_INFO (64-bit: 0xc4000004; x1 a CPU's MPIDR affinity, x2 0, the
 * level) answers 0 when that CPU is on, 1 when it is off. Write
 * guest-asm/08-arm64/affinity.S, where the boot CPU, reporting each answer through
 * the report register (str x0): 1. asks AFFINITY_INFO about CPU 1; 2. starts it
 * with CPU_ON at a label of the guest's; 3. asks CPU_ON for it again (it is on
 * already: ALREADY_ON, -4); 4. lets CPU 1 go on (a word in RAM), asks AFFINITY_INFO
 * until CPU 1 is off, without reporting these, then reports the word CPU 1 left at
 * RAM_BASE + 0x100000; 5. powers off (PSCI SYSTEM_OFF). CPU 1 stores its MPIDR_EL1
 * there, waits until it may go on, then turns itself off (CPU_OFF). An answer -2
 * (INVALID_PARAMETERS: no such CPU) is reported, then the boot CPU powers off: the
 * test also runs the guest with --cpus 1, where there is no CPU 1.
 * order: 2
 * hint: board.inc has the PSCI ids and REPORT_ADDR; hvc #0 calls KVM's PSCI, which answers in
 * x0; CPU 1 has no stack, and none is needed (mrs, str, hvc)
 */
#include "kvm_check.h"
#include "reports.h"
#include "run_vmm.h"

#include <stdint.h>
#include <stdio.h>

#define PSCI_OFF 1 /* AFFINITY_INFO's answer (Arm DEN 0022, "AFFINITY_INFO") */
#define PSCI_SUCCESS 0 /* return codes ("Return error codes") */
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)
#define MPIDR_OF_CPU_1 0x80000001u /* bit 31 reads as one; Aff0 1 */

/* Runs affinity.bin on cpus vCPUs; fills reported with what it reported, returns how many. */
static unsigned run_guest(const char *cpus, unsigned long long reported[REPORTS_MAX])
{
	char out[8192];

	int status = run_vmm(out, sizeof(out), "--cpus", cpus, "--timeout", "120",
			     guest_path("affinity.bin"));
	ck_assert_msg(status == 0, "the VMM exited with %d, not 0 (SYSTEM_OFF): %s", status, out);
	assert_contains(out, "the guest powered off (PSCI SYSTEM_OFF)");
	return reports_in(out, reported);
}

/* A PSCI answer as the 32-bit signed value it is, whether the guest stored w0 or x0. */
static int32_t answer(unsigned long long value)
{
	return (int32_t)(uint32_t)value;
}

START_TEST(cpu_1_goes_on_and_off_again)
{
	unsigned long long r[REPORTS_MAX];

	unsigned n = run_guest("2", r);

	ck_assert_msg(n == 4, "the guest reported %u answers, not 4: the last was %d", n,
		      n ? answer(r[n - 1]) : 0);
	ck_assert_msg(answer(r[0]) == PSCI_OFF, "AFFINITY_INFO before CPU_ON said %d, not 1 (OFF)",
		      answer(r[0]));
	ck_assert_msg(answer(r[1]) == PSCI_SUCCESS, "CPU_ON said %d, not 0 (SUCCESS)",
		      answer(r[1]));
	ck_assert_msg(answer(r[2]) == PSCI_ALREADY_ON,
		      "the second CPU_ON said %d, not -4 (ALREADY_ON)", answer(r[2]));
	ck_assert_msg(r[3] == MPIDR_OF_CPU_1, "CPU 1 left 0x%llx, not its MPIDR_EL1 0x%x", r[3],
		      MPIDR_OF_CPU_1);
}
END_TEST

/* KVM says INVALID_PARAMETERS to AFFINITY_INFO or to CPU_ON for a CPU that does not exist. */
START_TEST(with_one_cpu_an_error_stops_the_guest)
{
	unsigned long long r[REPORTS_MAX];
	unsigned n = run_guest("1", r);

	ck_assert_msg(n == 1 || n == 2, "with one CPU the guest reported %u answers, not 1 or 2",
		      n);
	ck_assert_msg(answer(r[n - 1]) == PSCI_INVALID_PARAMETERS,
		      "about a CPU that does not exist, PSCI answered %d, not -2 "
		      "(INVALID_PARAMETERS)",
		      answer(r[n - 1]));
	if (n == 2)
		ck_assert_msg(answer(r[0]) == PSCI_OFF, "AFFINITY_INFO said %d", answer(r[0]));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 08-affinity");
	TCase *tc = tcase_create("affinity");

	tcase_set_timeout(tc, 240);
	tcase_add_kvm_test(tc, cpu_1_goes_on_and_off_again);
	tcase_add_kvm_test(tc, with_one_cpu_an_error_stops_the_guest);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
