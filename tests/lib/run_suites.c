/*
 * run-suites TEST...: runs each Check test binary in turn, passes its output
 * through, and adds up the counts Check prints ("Checks: N, Failures: F,
 * Errors: E"). For the emulated hosts, which have no shell: the verdict comes
 * from the suites' own results, never from the emulator's exit status.
 * Each suite records how many KVM tests it ran (tests/lib/kvm_check.c); the
 * records are printed at the end as "lane record: LANE STAGE/suite RAN SKIPPED"
 * lines, for tools/lanes on the other side of the emulator. Each suite's
 * time is printed after it ("-- 12.3 s"): what to trim when CI grows slow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct totals {
	int suites, suites_failed, checks, failures, errors, skipped;
};

/* Reads one line of Check's output and adds what it counts. */
static void count_line(struct totals *t, const char *line)
{
	const char *at = strstr(line, "Checks: ");
	int checks, failures, errors;

	if (at &&
	    sscanf(at, "Checks: %d, Failures: %d, Errors: %d", &checks, &failures, &errors) == 3) {
		t->checks += checks;
		t->failures += failures;
		t->errors += errors;
	}
	if (strncmp(line, "SKIP ", 5) == 0)
		t->skipped++;
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_one(struct totals *t, char *test)
{
	int fds[2];
	char line[4096];

	printf("== %s\n", test);
	fflush(stdout);
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		execl(test, test, (char *)NULL);
		perror(test);
		_exit(127);
	}
	close(fds[1]);
	FILE *out = fdopen(fds[0], "r");
	while (fgets(line, sizeof(line), out)) {
		fputs(line, stdout);
		count_line(t, line);
	}
	fclose(out);
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define LANE_RECORD "/tmp/lane-record"
#ifdef __aarch64__
#define LANE "emulated-arm64"
#else
#define LANE "emulated-x86"
#endif

static void print_lane_records(void)
{
	char line[512];
	FILE *record = fopen(LANE_RECORD, "r");

	if (!record)
		return;
	while (fgets(line, sizeof(line), record))
		printf("lane record: " LANE " %s", line);
	fclose(record);
}

int main(int argc, char **argv)
{
	struct totals t = {0};

	unlink(LANE_RECORD);
	setenv("LANE_RECORD", LANE_RECORD, 1);

	for (int i = 1; i < argc; i++) {
		double start = seconds_now();
		t.suites++;
		if (run_one(&t, argv[i]) != 0)
			t.suites_failed++;
		printf("-- %.1f s\n", seconds_now() - start);
	}
	printf(
	    "emulated host: %d suites (%d failed), %d checks: %d passed, %d failed, %d skipped\n",
	    t.suites, t.suites_failed, t.checks, t.checks - t.failures - t.errors,
	    t.failures + t.errors, t.skipped);
	print_lane_records();
	return t.suites == 0 || t.suites_failed || t.failures || t.errors ? 1 : 0;
}
