#include "kvm_check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GUEST_DIR
#error "GUEST_DIR must name the directory of the stage's built guests"
#endif

static int skipped;

/* Why /dev/kvm cannot be used, or NULL when it can. */
static const char *kvm_unusable_reason(void)
{
	static char reason[160];
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	snprintf(reason, sizeof(reason), "/dev/kvm: %s", strerror(errno));
	return reason;
}

static int running_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && strcmp(ci, "true") == 0;
}

START_TEST(kvm_is_required_in_ci)
{
	ck_abort_msg("CI=true and %s: CI must have a usable /dev/kvm", kvm_unusable_reason());
}
END_TEST

void tcase_add_kvm_test(TCase *tc, const TTest *test)
{
	static int ci_failure_added;
	const char *reason = kvm_unusable_reason();

	if (!reason) {
		tcase_add_test(tc, test);
		return;
	}
	if (running_in_ci()) {
		if (!ci_failure_added++)
			tcase_add_test(tc, kvm_is_required_in_ci);
		return;
	}
	printf("SKIP %s: %s\n", test->name, reason);
	skipped++;
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
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

const char *guest_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", GUEST_DIR, name);
	return path;
}
