/*
 * Exercise 07-apic-ids (easy): every CPU signs in, by its APIC ID, in one shared word.
 * Write guest-asm/07-smp/apic-ids.asm: every CPU, the boot CPU too, sets the bit of its
 * own APIC ID in one shared 32-bit word, with one atomic instruction; the boot CPU starts
 * the others, waits until all of them have signed in (port 0xf5 says how many CPUs there
 * are), reports the word through port 0x80 and finishes through port 0xf4 with status 0.
 * The APs park. The test runs it on 3 and on 4 vCPUs: 0x7, then 0xf.
 * order: 1
 * hint: smp-hello.asm is the model (trampoline.inc, start_aps, apic_id in smp.inc); lock bts
 * [word], eax sets bit eax atomically; count the CPUs in as smp-hello does, with lock inc, or
 * wait until popcnt of the word reaches the number
 */
#include "kvm_check.h"
#include "reports.h"
#include "run_vmm.h"

#include <stdio.h>

#define GUEST "apic-ids.bin"

static void expect_signed_in(unsigned cpus)
{
	char out[4096], n[8];
	unsigned long long reported[REPORTS_MAX];

	snprintf(n, sizeof(n), "%u", cpus);
	int status = run_vmm(out, sizeof(out), "--cpus", n, "--timeout", "60", guest_path(GUEST));
	ck_assert_msg(status == 0, "on %u vCPUs the VMM exited with %d, not 0: %s", cpus, status,
		      out);
	ck_assert_msg(reports_in(out, reported) == 1,
		      "want one report, the word of APIC IDs; the run said \"%s\"", out);
	ck_assert_msg(reported[0] == (1ull << cpus) - 1,
		      "on %u vCPUs (APIC IDs 0 to %u) the guest reported 0x%llx, not 0x%llx", cpus,
		      cpus - 1, reported[0], (1ull << cpus) - 1);
}

START_TEST(three_cpus_sign_in)
{
	expect_signed_in(3);
}
END_TEST

START_TEST(four_cpus_sign_in)
{
	expect_signed_in(4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 07-apic-ids");
	TCase *tc = tcase_create("apic-ids");

	tcase_set_timeout(tc, 90);
	tcase_add_kvm_test(tc, three_cpus_sign_in);
	tcase_add_kvm_test(tc, four_cpus_sign_in);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
