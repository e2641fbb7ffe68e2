/*
 * --gdb=stdio with the real GDB: `gdb -batch` connects with
 * `target remote | VMM --gdb=stdio GUEST`, breaks, continues, reads a register,
 * steps, reads memory and continues to the end, on a guest of a few bytes that
 * mean the same in every x86 mode; and with the stage's default guest and its
 * GUEST.elf, `break start` finds the label by name. The test asserts what GDB
 * printed. (Not a label further on: in the emulated host, single-stepping over
 * the default guests' `rep outsb` was seen to lose the step.)
 * In the emulated hosts GDB is carried in (the top Makefile: EMULATED_GDB).
 */
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char gdb_out[65536];

/* Runs gdb with args (NULL-terminated), no shell of ours; its stdout and stderr, together. */
static int run_gdb(const char *const args[])
{
	int out[2];
	size_t used = 0;
	ssize_t n;

	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		execvp("gdb", (char *const *)args);
		fprintf(stderr, "gdb is missing: apt-get install gdb (or: make deps)\n");
		_exit(127);
	}
	close(out[1]);
	while ((n = read(out[0], gdb_out + used, sizeof(gdb_out) - 1 - used)) > 0)
		used += (size_t)n;
	gdb_out[used] = '\0';
	close(out[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "gdb did not exit normally; it printed:\n%s", gdb_out);
	return WEXITSTATUS(status);
}

/* The default guest, as --help names it: "(default: guests/NAME" then ')' or ','. */
static const char *default_guest(void)
{
	static char name[64];
	const char *help = expect_vmm(0, "(default: guests/", "--help");
	const char *start = strstr(help, "(default: guests/") + strlen("(default: guests/");
	size_t len = strcspn(start, "),");

	ck_assert_uint_lt(len, sizeof(name));
	memcpy(name, start, len);
	name[len] = '\0';
	return guest_path(name);
}

/*
 * mov al, 0 / mov bl, 7 / out 0xf4, al / hlt: the same bytes and meaning in
 * 16-, 32- and 64-bit code (as in debug_test). Port 0xf4 ends the run where it is
 * PORT_DONE (stage05 on, status 0); elsewhere HLT does.
 */
static const uint8_t gdb_guest[] = {0xb0, 0x00, 0xb3, 0x07, 0xe6, 0xf4, 0xf4};
#define MOV_BL_OFFSET 2

START_TEST(gdb_breaks_steps_reads_and_runs_to_the_end)
{
	char path[32], target[8192], brk[128], expect[256], mem[128];
	unsigned at = GUEST_LOAD_ADDR + MOV_BL_OFFSET;

	guest_file_of(path, gdb_guest, sizeof(gdb_guest));
	snprintf(target, sizeof(target), "target remote | %s --gdb=stdio %s", VMM_BINARY, path);
	snprintf(brk, sizeof(brk), "break *0x%x", at);
	snprintf(mem, sizeof(mem), "x/2xb 0x%x", GUEST_LOAD_ADDR);

	int status = run_gdb((const char *const[]){"gdb",
						   "-nx",
						   "-batch",
						   "-ex",
						   "set confirm off",
						   "-ex",
						   "set pagination off",
						   "-ex",
						   target,
						   "-ex",
						   "echo --- connected\\n",
						   "-ex",
						   brk,
						   "-ex",
						   "continue",
						   "-ex",
						   "print/x $pc",
						   "-ex",
						   "stepi",
						   "-ex",
						   "print/x $pc",
						   "-ex",
						   "print/x $bl",
						   "-ex",
						   mem,
						   "-ex",
						   "delete",
						   "-ex",
						   "continue",
						   NULL});
	unlink(path);

	ck_assert_msg(status == 0, "gdb exit status %d; it printed:\n%s", status, gdb_out);
	assert_contains(gdb_out, "--- connected");
	assert_contains(gdb_out, "Breakpoint 1, 0x");
	snprintf(expect, sizeof(expect), "$1 = 0x%x\n", at);
	assert_contains(gdb_out, expect);
	snprintf(expect, sizeof(expect), "$2 = 0x%x\n", at + 2); /* one instruction later */
	assert_contains(gdb_out, expect);
	assert_contains(gdb_out, "$3 = 0x7\n"); /* what `mov bl, 7` did */
	snprintf(expect, sizeof(expect), "0x%x:\t0xb0\t0x00", GUEST_LOAD_ADDR);
	assert_contains(gdb_out, expect);
	assert_contains(gdb_out, "[Inferior 1 (Remote target) exited normally]");
}
END_TEST

/* With symbols: `break LABEL` by name, from GUEST.elf. */
START_TEST(gdb_breaks_at_a_label_by_name)
{
	static struct symbols syms;
	char elf[4096], why[256], target[8192], expect[160];
	const char *guest = default_guest();
	uint64_t start;

	symbols_elf_path(guest, elf, sizeof(elf));
	ck_assert_msg(symbols_load(&syms, elf, why, sizeof(why)) == 0, "%s", why);
	ck_assert(symbols_find(&syms, "start", &start)); /* every guest's first instruction */
	snprintf(target, sizeof(target), "target remote | %s --gdb=stdio %s", VMM_BINARY, guest);

	int status = run_gdb((const char *const[]){
	    "gdb", "-nx", "-batch", "-ex", "set confirm off", "-ex", "set pagination off", elf,
	    "-ex", target, "-ex", "break start", "-ex", "print/x $pc", "-ex", "kill", NULL});

	ck_assert_msg(status == 0, "gdb exit status %d; it printed:\n%s", status, gdb_out);
	snprintf(expect, sizeof(expect), "Breakpoint 1 at 0x%llx", (unsigned long long)start);
	assert_contains(gdb_out, expect);
	snprintf(expect, sizeof(expect), "$1 = 0x%llx\n", (unsigned long long)start);
	assert_contains(gdb_out, expect);
	assert_contains(gdb_out, " in start ()"); /* where GDB says the vCPU stopped */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("debugging a guest: GDB");
	TCase *tc = tcase_create("--gdb=stdio");

	tcase_set_timeout(tc, 120);
	tcase_add_kvm_test(tc, gdb_breaks_steps_reads_and_runs_to_the_end);
	tcase_add_kvm_test(tc, gdb_breaks_at_a_label_by_name);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
