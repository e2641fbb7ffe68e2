#include "kvm_check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef GUEST_DIR
#error "GUEST_DIR must name the directory of the stage's built guests"
#endif

/* A suite is named in the lane records as STAGE/program: one object serves every suite. */
#ifndef TEST_STAGE
#error "TEST_STAGE must name the stage, for the lane records (STAGE/suite)"
#endif

static int skipped;
/* The KVM tests this run added, and those it left to another lane. */
static int kvm_ran, kvm_skipped;

/* Why /dev/kvm cannot be used, or NULL when it can. */
static const char *kvm_unusable_reason(void)
{
	static char reason[160];
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(reason, sizeof(reason), "/dev/kvm: %s", strerror(errno));
		return reason;
	}
	/* /dev/null bound over /dev/kvm (to hide KVM) opens too, but is not KVM. */
	int version = ioctl(fd, KVM_GET_API_VERSION, 0);
	int error = errno;

	close(fd);
	if (version == KVM_API_VERSION)
		return NULL;
	snprintf(reason, sizeof(reason), "/dev/kvm: KVM_GET_API_VERSION: %s",
		 version < 0 ? strerror(error) : "not API version 12");
	return reason;
}

static int running_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && strcmp(ci, "true") == 0;
}

/*
 * Without a usable /dev/kvm a KVM test is skipped here, even under CI=true: the
 * emulated lane runs the same suite on hardware-style KVM, and the lane accounting
 * (tools/lanes, at the end of `make check`) fails CI for a test no lane ran.
 */
void tcase_add_kvm_test(TCase *tc, const TTest *test)
{
	const char *reason = kvm_unusable_reason();

	if (!reason) {
		tcase_add_test(tc, test);
		kvm_ran++;
		return;
	}
	printf("SKIP %s: %s (left to the emulated lane)\n", test->name, reason);
	kvm_skipped++;
	skipped++;
}

/* `cases` KVM tests named `name`, skipped: this KVM lacks what `missing` says. */
static void skip_kvm_need(const char *name, int cases, const char *missing)
{
	if (cases == 1)
		printf("SKIP %s: %s (left to the emulated lane)\n", name, missing);
	else
		printf("SKIP %s (%d cases): %s (left to the emulated lane)\n", name, cases,
		       missing);
	kvm_skipped += cases;
	skipped++;
}

void tcase_add_kvm_test_needing(TCase *tc, const TTest *test, const char *missing)
{
	if (!missing || kvm_unusable_reason())
		tcase_add_kvm_test(tc, test);
	else
		skip_kvm_need(test->name, 1, missing);
}

void tcase_add_kvm_loop_test(TCase *tc, const TTest *test, int start, int end)
{
	const char *reason = kvm_unusable_reason();

	if (end <= start)
		return;
	if (!reason) {
		tcase_add_loop_test(tc, test, start, end);
		kvm_ran += end - start;
		return;
	}
	printf("SKIP %s (%d cases): %s (left to the emulated lane)\n", test->name, end - start,
	       reason);
	kvm_skipped += end - start;
	skipped++;
}

void tcase_add_kvm_loop_test_needing(TCase *tc, const TTest *test, int start, int end,
				     const char *missing)
{
	if (!missing || kvm_unusable_reason())
		tcase_add_kvm_loop_test(tc, test, start, end);
	else if (end > start)
		skip_kvm_need(test->name, end - start, missing);
}

/* One line per suite in the file LANE_RECORD names: "STAGE/suite ran skipped". */
static void record_lane(void)
{
	const char *path = getenv("LANE_RECORD");
	FILE *record;

	if (!path || !*path || kvm_ran + kvm_skipped == 0)
		return;
	record = fopen(path, "a");
	if (!record) {
		fprintf(stderr, "LANE_RECORD %s: %s\n", path, strerror(errno));
		return;
	}
	fprintf(record, "%s/%s %d %d\n", TEST_STAGE, program_invocation_short_name, kvm_ran,
		kvm_skipped);
	fclose(record);
}

static const char *missing_need;

START_TEST(needs_are_met_in_ci)
{
	ck_abort_msg("CI=true and %s: CI must offer what the tests need", missing_need);
}
END_TEST

void tcase_add_test_needing(TCase *tc, const TTest *test, const char *missing)
{
	static int ci_failure_added;

	if (!missing) {
		tcase_add_test(tc, test);
		return;
	}
	if (running_in_ci()) {
		missing_need = missing;
		if (!ci_failure_added++)
			tcase_add_test(tc, needs_are_met_in_ci);
		return;
	}
	printf("SKIP %s: %s\n", test->name, missing);
	skipped++;
}

int run_suite(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	int failed;

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	if (skipped)
		printf("%d test(s) skipped, each named above with its reason\n", skipped);
	record_lane();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

const char *guest_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", GUEST_DIR, name);
	return path;
}
