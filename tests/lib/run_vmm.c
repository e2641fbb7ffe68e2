#include "run_vmm.h"
#include "kvm_check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef VMM_BINARY
#error "VMM_BINARY must name the stage's built VMM"
#endif

extern char **environ;

/* stdin for the VMM: a temporary file holding `input`, so any length fits. */
static int input_file(const char *input)
{
	char path[] = "/tmp/vmm-input-XXXXXX";
	int fd = mkstemp(path);
	size_t len = strlen(input);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, input, len), (ssize_t)len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Reads fd to its end: what fits goes into output, the rest is read and dropped. */
static void read_all(int fd, char *output, size_t size)
{
	char spill[4096];
	size_t n = 0;
	ssize_t got;

	for (;;) {
		char *to = n < size - 1 ? output + n : spill;
		size_t room = n < size - 1 ? size - 1 - n : sizeof(spill);
		got = read(fd, to, room);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (to != spill)
			n += (size_t)got;
	}
	output[n] = '\0';
}

int run_program_argv(const char *program, const char *input, char *output, size_t size,
		     const char *const args[])
{
	size_t argc = 0;
	int out[2], in = -1;
	pid_t pid;
	posix_spawn_file_actions_t actions;

	while (args[argc])
		argc++;
	char **argv = calloc(argc + 2, sizeof(char *));
	ck_assert_ptr_nonnull(argv);
	argv[0] = (char *)program; /* exec does not write it */
	for (size_t i = 0; i < argc; i++)
		argv[i + 1] = (char *)args[i]; /* exec does not write them */
	ck_assert_int_eq(pipe(out), 0);
	posix_spawn_file_actions_init(&actions);
	if (input) {
		in = input_file(input);
		posix_spawn_file_actions_adddup2(&actions, in, STDIN_FILENO);
	} else {
		posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	}
	posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&actions, out[0]);
	int err = posix_spawnp(&pid, program, &actions, NULL, argv, environ);
	ck_assert_msg(err == 0, "%s: %s", program, strerror(err));
	posix_spawn_file_actions_destroy(&actions);
	free(argv);
	if (in >= 0)
		close(in);
	close(out[1]);
	read_all(out[0], output, size);
	close(out[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	ck_assert_msg(WIFEXITED(status), "%s did not exit normally (%s): %s", program,
		      WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "stopped",
		      output_tail(output));
	return WEXITSTATUS(status);
}

int run_vmm_argv(const char *input, char *output, size_t size, const char *const args[])
{
	return run_program_argv(VMM_BINARY, input, output, size, args);
}

const char *expect_vmm_argv(int status, const char *text, const char *const args[])
{
	static char output[65536];
	int got = run_vmm_argv(NULL, output, sizeof(output), args);

	ck_assert_msg(got == status, "the VMM exited with %d, not %d: %s", got, status,
		      output_tail(output));
	assert_contains(output, text);
	return output;
}

void assert_contains(const char *out, const char *text)
{
	ck_assert_msg(strstr(out, text), "'%s' is not in: %s", text, output_tail(out));
}

const char *output_tail(const char *out)
{
	size_t len = strlen(out);

	return len > OUTPUT_TAIL ? out + len - OUTPUT_TAIL : out;
}

unsigned occurrences(const char *text, const char *what)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

const char *default_flat_guest(void)
{
	static char name[64];
	const char *help = expect_vmm(0, "usage:", "--help");
	const char *mark = "(default: guests/";

	for (const char *at = strstr(help, mark); at; at = strstr(at + 1, mark)) {
		const char *start = at + strlen(mark);
		size_t len = strcspn(start, "),");
		if (len > 4 && len < sizeof(name) && strncmp(start + len - 4, ".bin", 4) == 0) {
			memcpy(name, start, len);
			name[len] = '\0';
			return name;
		}
	}
	return "gdb-labels.bin";
}
