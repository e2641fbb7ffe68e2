/* Running the stage's VMM binary as a person would, for command-line tests. */
#ifndef RUN_VMM_H
#define RUN_VMM_H

#include <stddef.h>

/*
 * Runs VMM_BINARY with args (NULL-terminated), no shell involved (the emulated
 * hosts have none). Its stdin holds `input` and then ends, or, when input is
 * NULL, is /dev/null: never the test's own stdin. Returns its exit status;
 * output gets what it printed on stdout and stderr, NUL-terminated, cut to fit
 * `size` (the rest is read and dropped, so the VMM never blocks on a full pipe).
 * Fails the test if it did not exit normally.
 */
int run_vmm_argv(const char *input, char *output, size_t size, const char *const args[]);
/* The same for another program, looked up in PATH unless program names a path. */
int run_program_argv(const char *program, const char *input, char *output, size_t size,
		     const char *const args[]);
#define run_program(program, output, size, ...)                                                    \
	run_program_argv(program, NULL, output, size, (const char *const[]){__VA_ARGS__, NULL})
#define run_vmm(output, size, ...)                                                                 \
	run_vmm_argv(NULL, output, size, (const char *const[]){__VA_ARGS__, NULL})
#define run_vmm_input(input, output, size, ...)                                                    \
	run_vmm_argv(input, output, size, (const char *const[]){__VA_ARGS__, NULL})

/*
 * Runs the VMM with args and stdin /dev/null; fails the test unless it exits
 * with `status` and its output contains `text`. Returns the whole output (valid
 * until the next call) for further checks.
 */
const char *expect_vmm_argv(int status, const char *text, const char *const args[]);
#define expect_vmm(status, text, ...)                                                              \
	expect_vmm_argv(status, text, (const char *const[]){__VA_ARGS__, NULL})

/* Fails the test, showing `text` and the end of `out`, unless `out` contains `text`. */
void assert_contains(const char *out, const char *text);

/*
 * The end of a program's output, at most OUTPUT_TAIL bytes, for a failure message:
 * Check refuses a message over 4 KiB ("Message string too long") and the test then
 * ends saying nothing of why. The end is where a run that went wrong stopped.
 */
#define OUTPUT_TAIL 2048
const char *output_tail(const char *out);

/* How many times `what` occurs in `text`. */
unsigned occurrences(const char *text, const char *what);

/*
 * The stage's default flat guest, by name, as --help says it: "(default:
 * guests/NAME.bin". A stage that boots something else by default (stage09:
 * Linux) has the guest every x86 stage builds, gdb-labels.bin, instead: it
 * begins, as every default guest does, with the label `start`.
 */
const char *default_flat_guest(void);

#endif
