/*
 * stage05-serial on a terminal: the VMM runs on a pseudo-terminal, as under a
 * person's shell. While it runs, keys go to the guest one by one and are not
 * echoed by the terminal; Ctrl-C still ends it. However it ends (the guest's
 * exit, an error, --timeout, SIGINT, SIGTERM, SIGHUP, SIGPIPE, a crash), the
 * terminal gets its settings back.
 *
 * Without pseudo-terminals (the emulated hosts mount no /dev/pts) these tests
 * are skipped, by name, with the reason.
 */
#include "kvm_check.h"
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <utmp.h>

#define WAIT_SECONDS 60 /* generous: a loaded machine, a slow KVM */

/* The VMM on a pseudo-terminal: we write keys to master and read its screen there. */
struct session {
	int master, slave; /* we keep slave open, to read its settings after the VMM is gone */
	pid_t pid;
	struct termios before; /* the terminal's settings before the VMM ran */
	char screen[8192]; /* what the VMM wrote to the terminal */
	size_t shown;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void start(struct session *s, const char *const args[])
{
	char *argv[16] = {VMM_BINARY};

	for (int i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(openpty(&s->master, &s->slave, NULL, NULL, NULL), 0);
	ck_assert_int_eq(tcgetattr(s->slave, &s->before), 0);
	ck_assert_uint_eq(s->before.c_lflag & (ICANON | ECHO), ICANON | ECHO);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		/* A session of its own, the pty its controlling terminal: the foreground. */
		close(s->master);
		if (login_tty(s->slave) < 0)
			_exit(126);
		execv(VMM_BINARY, argv);
		_exit(127);
	}
}
#define START(s, ...) start(s, (const char *const[]){__VA_ARGS__, NULL})

/* Reads what the VMM wrote, for up to `seconds`. */
static void read_screen(struct session *s, double seconds)
{
	struct pollfd p = {.fd = s->master, .events = POLLIN};

	if (poll(&p, 1, (int)(seconds * 1000)) <= 0)
		return;
	ssize_t n = read(s->master, s->screen + s->shown, sizeof(s->screen) - 1 - s->shown);
	if (n > 0)
		s->shown += (size_t)n;
	s->screen[s->shown] = '\0';
}

/* Waits until the VMM has put the terminal in non-canonical, no-echo mode. */
static void wait_until_taken(struct session *s)
{
	struct termios t;
	double end = now() + WAIT_SECONDS;

	do {
		ck_assert_int_eq(tcgetattr(s->slave, &t), 0);
		if (!(t.c_lflag & (ICANON | ECHO)))
			break;
		read_screen(s, 0.05);
	} while (now() < end);
	ck_assert_msg(!(t.c_lflag & (ICANON | ECHO)), "the VMM never took the terminal");
	ck_assert_msg(t.c_lflag & ISIG, "Ctrl-C must still send SIGINT");
	ck_assert_msg(t.c_oflag & OPOST, "output processing must stay on");
}

static void wait_for_text(struct session *s, const char *text)
{
	double end = now() + WAIT_SECONDS;

	while (!strstr(s->screen, text) && now() < end)
		read_screen(s, 0.1);
	ck_assert_msg(strstr(s->screen, text), "waited for \"%s\"; the screen: \"%s\"", text,
		      s->screen);
}

static void type(struct session *s, const char *keys)
{
	ck_assert_int_eq(write(s->master, keys, strlen(keys)), (ssize_t)strlen(keys));
}

/* Waits for the VMM to end (reading its screen meanwhile); returns its wait status. */
static int wait_for_end(struct session *s)
{
	int status;
	double end = now() + WAIT_SECONDS;
	pid_t done;

	while ((done = waitpid(s->pid, &status, WNOHANG)) == 0 && now() < end)
		read_screen(s, 0.1);
	if (done == 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		ck_abort_msg("the VMM did not end; the screen: \"%s\"", s->screen);
	}
	read_screen(s, 0); /* what it wrote last */
	return status;
}

/* The terminal has exactly the settings it had before the VMM ran. */
static void assert_restored(struct session *s)
{
	struct termios after;

	ck_assert_int_eq(tcgetattr(s->slave, &after), 0);
	ck_assert_uint_eq(after.c_lflag, s->before.c_lflag);
	ck_assert_uint_eq(after.c_iflag, s->before.c_iflag);
	ck_assert_uint_eq(after.c_oflag, s->before.c_oflag);
	ck_assert_uint_eq(after.c_cc[VMIN], s->before.c_cc[VMIN]);
	close(s->master);
	close(s->slave);
}

START_TEST(keys_reach_the_guest_at_once_and_ctrl_d_ends_it)
{
	struct session s;

	START(&s, guest_path("echo.bin"));
	wait_until_taken(&s);
	type(&s, "ab");
	wait_for_text(&s, "ab"); /* the guest's echo: the terminal's is off, and no Enter yet */
	type(&s, "c\n"); /* output processing: the guest's \n is \r\n on the screen */
	wait_for_text(&s, "abc\r\nABC\r\n");
	type(&s, "\x04"); /* Ctrl-D: no longer EOF to the terminal, just the byte 0x04 */
	int status = wait_for_end(&s);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
	ck_assert_ptr_nonnull(strstr(s.screen, "guest reported 1 (0x1)"));
	assert_restored(&s);
}
END_TEST

START_TEST(ctrl_c_ends_the_vmm_and_restores_the_terminal)
{
	struct session s;

	START(&s, guest_path("irq-echo.bin"));
	wait_until_taken(&s);
	type(&s, "\x03"); /* ISIG kept: the terminal sends SIGINT, the guest never sees it */
	int status = wait_for_end(&s);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT, "status 0x%x", status);
	assert_restored(&s);
}
END_TEST

static void signal_test(int sig)
{
	struct session s;

	START(&s, guest_path("irq-echo.bin"));
	wait_until_taken(&s);
	kill(s.pid, sig);
	int status = wait_for_end(&s);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sig, "signal %d: status 0x%x", sig,
		      status);
	assert_restored(&s);
}

START_TEST(sigterm_restores_the_terminal)
{
	signal_test(SIGTERM);
}
END_TEST

START_TEST(sighup_restores_the_terminal)
{
	signal_test(SIGHUP);
}
END_TEST

START_TEST(sigpipe_restores_the_terminal)
{
	signal_test(SIGPIPE);
}
END_TEST

/* As if the VMM crashed: the fatal signals restore the terminal, then kill as before. */
START_TEST(a_fatal_signal_restores_the_terminal)
{
	signal_test(SIGSEGV);
}
END_TEST

START_TEST(an_error_exit_restores_the_terminal)
{
	struct session s;

	START(&s, guest_path("fault.bin"));
	wait_until_taken(&s);
	type(&s, "x"); /* the guest reads one key, then faults */
	int status = wait_for_end(&s);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status 0x%x", status);
	ck_assert_ptr_nonnull(strstr(s.screen, "KVM_EXIT_SHUTDOWN"));
	assert_restored(&s);
}
END_TEST

START_TEST(a_timeout_restores_the_terminal)
{
	struct session s;

	START(&s, "--timeout", "2", guest_path("sleep.bin"));
	wait_until_taken(&s);
	int status = wait_for_end(&s);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 124, "status 0x%x", status);
	assert_restored(&s);
}
END_TEST

/* Why pseudo-terminals cannot be used here, or NULL when they can. */
static const char *no_pty_reason(void)
{
	static char reason[128];
	int master, slave;

	if (openpty(&master, &slave, NULL, NULL, NULL) == 0) {
		close(master);
		close(slave);
		return NULL;
	}
	snprintf(reason, sizeof(reason), "no pseudo-terminal: openpty: %s", strerror(errno));
	return reason;
}

/* A test that needs a pseudo-terminal, and KVM to run the VMM on it. */
static void add_pty_test(TCase *tc, const TTest *test, const char *no_pty)
{
	if (no_pty)
		tcase_add_test_needing(tc, test, no_pty);
	else
		tcase_add_kvm_test(tc, test);
}

int main(void)
{
	Suite *s = suite_create("stage05-serial on a terminal");
	TCase *tc = tcase_create("pty");
	const char *reason = no_pty_reason();

	tcase_set_timeout(tc, 3 * WAIT_SECONDS);
	add_pty_test(tc, keys_reach_the_guest_at_once_and_ctrl_d_ends_it, reason);
	add_pty_test(tc, ctrl_c_ends_the_vmm_and_restores_the_terminal, reason);
	add_pty_test(tc, sigterm_restores_the_terminal, reason);
	add_pty_test(tc, sighup_restores_the_terminal, reason);
	add_pty_test(tc, sigpipe_restores_the_terminal, reason);
	add_pty_test(tc, a_fatal_signal_restores_the_terminal, reason);
	add_pty_test(tc, an_error_exit_restores_the_terminal, reason);
	add_pty_test(tc, a_timeout_restores_the_terminal, reason);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
