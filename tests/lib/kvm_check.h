/* Test support shared by every stage's Check suites. */
#ifndef KVM_CHECK_H
#define KVM_CHECK_H

#include <check.h>

/*
 * Adds a test that needs a usable /dev/kvm. Without one, the test is not run:
 * it is reported by name as skipped, with the reason, and left to the emulated
 * lane. run_suite() records both counts in the file LANE_RECORD names, if set:
 * tools/lanes fails CI for a KVM test that ran in no lane.
 */
void tcase_add_kvm_test(TCase *tc, const TTest *test);

/* The same for a loop test (Check's tcase_add_loop_test): end - start KVM tests. */
void tcase_add_kvm_loop_test(TCase *tc, const TTest *test, int start, int end);

/*
 * Adds a KVM test that also needs something of KVM that this one may lack (the
 * speed to boot Linux: kvm_speed.h; a mode it runs, an exception it delivers as
 * the CPU does, which a probe of the test's own decides): `missing` says what,
 * or is NULL. Missing, the test is skipped as a KVM test, even under CI=true,
 * left to the emulated lane (the lane records count it, tools/lanes): one line
 * says why. The loop form does the same for a loop test's cases start to end.
 */
void tcase_add_kvm_test_needing(TCase *tc, const TTest *test, const char *missing);
void tcase_add_kvm_loop_test_needing(TCase *tc, const TTest *test, int start, int end,
				     const char *missing);

/*
 * Adds a test that needs something the machine may lack (a pseudo-terminal, ...):
 * `missing` says what is missing, or is NULL when nothing is. A missing need is
 * a skip, reported by name with the reason, except under CI=true: a failure.
 */
void tcase_add_test_needing(TCase *tc, const TTest *test, const char *missing);

/* Runs the suite (Check forks each test), prints the skips, returns an exit status. */
int run_suite(Suite *suite);

/* The path of a guest binary built for this stage's tests (GUEST_DIR/name). */
const char *guest_path(const char *name);

#endif
