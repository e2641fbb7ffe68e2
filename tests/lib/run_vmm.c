#include "run_vmm.h"
#include "kvm_check.h"

#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef VMM_BINARY
#error "VMM_BINARY must name the stage's built VMM"
#endif

extern char **environ;

int run_vmm_argv(const char *input, char *output, size_t size, const char *const args[])
{
	char *argv[16] = {VMM_BINARY};
	int in[2] = {-1, -1}, out[2];
	pid_t pid;
	posix_spawn_file_actions_t actions;

	for (int i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i]; /* exec does not write them */
	ck_assert_int_eq(pipe(out), 0);
	posix_spawn_file_actions_init(&actions);
	if (input) {
		ck_assert_int_eq(pipe(in), 0);
		ck_assert_int_eq(write(in[1], input, strlen(input)), (ssize_t)strlen(input));
		close(in[1]);
		posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
	} else {
		posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	}
	posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&actions, out[0]);
	ck_assert_int_eq(posix_spawn(&pid, VMM_BINARY, &actions, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&actions);
	if (in[0] >= 0)
		close(in[0]);
	close(out[1]);
	size_t n = 0;
	ssize_t got;
	while (n < size - 1 && (got = read(out[0], output + n, size - 1 - n)) > 0)
		n += (size_t)got;
	output[n] = '\0';
	close(out[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "the VMM did not exit normally: %s", output);
	return WEXITSTATUS(status);
}
