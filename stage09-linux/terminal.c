/*
 * The terminal as a serial line: each key goes to the guest when it is pressed,
 * and the guest, not the terminal, decides what to echo.
 *
 * Normally the terminal driver collects a whole line (canonical mode, so
 * Backspace works) and echoes every key. A serial console wants neither: the
 * bytes go to the guest one by one, and the guest echoes them. We turn off
 * ICANON and ECHO and keep the rest: ISIG, so Ctrl-C still ends the VMM, and
 * output processing (OPOST), so the guest's "\n" still starts a new line.
 *
 * Whatever way the VMM ends, the terminal must get its settings back, or the
 * person's shell is left without echo. There is one terminal per process, so
 * its saved settings are global: a signal handler cannot be handed a pointer.
 */
#include "vmm.h"

#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved; /* the settings to give back */
static volatile sig_atomic_t saved_fd = -1; /* the terminal we changed, or -1 */

/* book:begin restore */
/* Gives the terminal its settings back. Async-signal-safe: tcsetattr() is. */
void terminal_restore(void)
{
	if (saved_fd >= 0)
		tcsetattr(saved_fd, TCSANOW, &saved);
}

/*
 * For the signals that end a program in practice: restore the terminal, then die
 * of the same signal (SA_RESETHAND put back its default action), so that whoever
 * started us sees why we ended. Only SIGKILL cannot be caught: after it, `stty sane`.
 */
static void restore_and_die(int sig)
{
	terminal_restore();
	raise(sig);
}

static const int fatal_signals[] = {
    SIGINT,  SIGTERM, SIGHUP, SIGPIPE, /* Ctrl-C, kill, no more terminal or reader */
    SIGQUIT, SIGSEGV, SIGBUS, SIGFPE,  SIGILL, /* Ctrl-\, and the crashes */
    SIGABRT, SIGTRAP, SIGSYS,
};
/* book:end restore */

/* book:begin take */
/*
 * Puts the terminal on fd in non-canonical mode without echo, if fd is a
 * terminal and we are in its foreground (a background job that changes the
 * terminal is stopped by SIGTTOU). Returns whether it did.
 */
bool terminal_take(int fd)
{
	struct termios raw;

	if (!isatty(fd) || tcgetpgrp(fd) != getpgrp() || tcgetattr(fd, &saved) < 0)
		return false;
	raw = saved;
	raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 1; /* read() returns as soon as one byte is there */
	raw.c_cc[VTIME] = 0;

	struct sigaction sa = {.sa_handler = restore_and_die, .sa_flags = SA_RESETHAND};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		sigaction(fatal_signals[i], &sa, NULL);
	atexit(terminal_restore); /* exit() from anywhere, and return from main */

	saved_fd = fd; /* first: from the change on, any way out restores the terminal */
	return tcsetattr(fd, TCSANOW, &raw) == 0;
}
/* book:end take */
