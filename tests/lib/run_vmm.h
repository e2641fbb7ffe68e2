/* Running the stage's VMM binary as a person would, for command-line tests. */
#ifndef RUN_VMM_H
#define RUN_VMM_H

#include <stddef.h>

/*
 * Runs VMM_BINARY with args (NULL-terminated), no shell involved (the emulated
 * hosts have none). Its stdin holds `input` and then ends (a pipe: at most 64 KiB),
 * or, when input is NULL, is /dev/null: never the test's own stdin. Returns its
 * exit status; output gets what it printed on stdout and stderr, NUL-terminated.
 * Fails the test if it did not exit normally.
 */
int run_vmm_argv(const char *input, char *output, size_t size, const char *const args[]);
#define run_vmm(output, size, ...)                                                                 \
	run_vmm_argv(NULL, output, size, (const char *const[]){__VA_ARGS__, NULL})
#define run_vmm_input(input, output, size, ...)                                                    \
	run_vmm_argv(input, output, size, (const char *const[]){__VA_ARGS__, NULL})

#endif
