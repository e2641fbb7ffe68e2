#include "run_vmm.h"
#include "kvm_check.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef VMM_BINARY
#error "VMM_BINARY must name the stage's built VMM"
#endif

extern char **environ;

int run_vmm_argv(char *output, size_t size, const char *const args[])
{
	char *argv[16] = {VMM_BINARY};
	int fds[2];
	pid_t pid;
	posix_spawn_file_actions_t actions;

	for (int i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i]; /* exec does not write them */
	ck_assert_int_eq(pipe(fds), 0);
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&actions, fds[0]);
	ck_assert_int_eq(posix_spawn(&pid, VMM_BINARY, &actions, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&actions);
	close(fds[1]);
	size_t n = 0;
	ssize_t got;
	while (n < size - 1 && (got = read(fds[0], output + n, size - 1 - n)) > 0)
		n += (size_t)got;
	output[n] = '\0';
	close(fds[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "the VMM did not exit normally: %s", output);
	return WEXITSTATUS(status);
}
