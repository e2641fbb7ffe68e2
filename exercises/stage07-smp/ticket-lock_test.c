/*
 * Exercise 07-ticket-lock (medium): a fair lock, taken in the order CPUs asked for it.
 * Write guest-asm/07-smp/ticket-lock.asm: smp-count.asm's count, 200 increments per CPU, but
 * each CPU adds 1 to the counter with a plain add, no lock prefix, inside a ticket lock it
 * takes and releases around every increment. The lock is two 32-bit words: the next ticket,
 * and the ticket now served. A CPU takes a ticket with lock xadd on the first, waits until the
 * second equals it, and releases by adding 1 to the second. The boot CPU waits for every CPU,
 * reports three numbers through port 0x80 (the counter, the next ticket, the ticket now
 * served) and finishes through port 0xf4 with status 0 if the counter is exact, else 1. The
 * test runs it on 2 and on 4 vCPUs.
 * order: 2
 * hint: count.inc is the model; lock xadd [next], eax with eax = 1 leaves your ticket in eax;
 * wait with pause and a plain cmp of the now-serving word; only the holder writes that word, so
 * releasing needs no lock prefix; every CPU takes the lock 200 times, so both words end at 200
 * times the CPUs
 */
#include "kvm_check.h"
#include "reports.h"
#include "run_vmm.h"

#include <stdio.h>

#define GUEST "ticket-lock.bin"
#define COUNT_PER_CPU 200

static void expect_counted(unsigned cpus)
{
	char out[4096], n[8];
	unsigned long long reported[REPORTS_MAX];
	unsigned long long total = (unsigned long long)cpus * COUNT_PER_CPU;

	snprintf(n, sizeof(n), "%u", cpus);
	int status = run_vmm(out, sizeof(out), "--cpus", n, "--timeout", "120", guest_path(GUEST));
	ck_assert_msg(status == 0, "on %u vCPUs the VMM exited with %d, not 0: %s", cpus, status,
		      out);
	ck_assert_msg(reports_in(out, reported) == 3,
		      "want three reports (counter, next ticket, now serving); the run said \"%s\"",
		      out);
	ck_assert_msg(reported[0] == total, "on %u vCPUs the counter is %llu, not %llu", cpus,
		      reported[0], total);
	ck_assert_msg(reported[1] == total && reported[2] == total,
		      "on %u vCPUs the lock was taken %llu times (next ticket) and released %llu "
		      "times (now serving), not %llu: once per increment",
		      cpus, reported[1], reported[2], total);
}

START_TEST(two_cpus_count_in_turn)
{
	expect_counted(2);
}
END_TEST

START_TEST(four_cpus_count_in_turn)
{
	expect_counted(4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 07-ticket-lock");
	TCase *tc = tcase_create("ticket-lock");

	tcase_set_timeout(tc, 150);
	tcase_add_kvm_test(tc, two_cpus_count_in_turn);
	tcase_add_kvm_test(tc, four_cpus_count_in_turn);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
