/*
 * --gdb=stdio with the real GDB: `gdb -batch` connects with
 * `target remote | VMM --gdb=stdio GUEST`, breaks at a label of GUEST.elf,
 * continues, reads a register, steps, reads memory and continues to the end;
 * the test asserts what GDB printed. The guest is the stage's default one (the
 * one --help names), and the label the first one after `start` in its ELF file.
 * In the emulated hosts GDB is carried in (the top Makefile: EMULATED_GDB).
 */
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

/* The label closest after `start`: the guest reaches it soon after it starts. */
static const struct symbol *label_after_start(const struct symbols *syms)
{
	uint64_t start;
	const struct symbol *next = NULL;

	ck_assert(symbols_find(syms, "start", &start));
	for (unsigned i = 0; i < syms->count; i++)
		if (syms->list[i].value > start && (!next || syms->list[i].value < next->value))
			next = &syms->list[i];
	ck_assert_ptr_nonnull(next);
	return next;
}

START_TEST(gdb_breaks_steps_reads_and_runs_to_the_end)
{
	static struct symbols syms;
	char elf[4096], why[256], target[8192], brk[128], expect[256], mem[128];
	const char *guest = default_guest();
	uint8_t first[2];
	FILE *bin = fopen(guest, "rb");

	ck_assert_ptr_nonnull(bin);
	ck_assert_uint_eq(fread(first, 1, 2, bin), 2);
	fclose(bin);
	symbols_elf_path(guest, elf, sizeof(elf));
	ck_assert_msg(symbols_load(&syms, elf, why, sizeof(why)) == 0, "%s", why);
	const struct symbol *label = label_after_start(&syms);
	snprintf(target, sizeof(target), "target remote | %s --gdb=stdio %s", VMM_BINARY, guest);
	snprintf(brk, sizeof(brk), "break *0x%llx", (unsigned long long)label->value);
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
						   mem,
						   "-ex",
						   "delete",
						   "-ex",
						   "continue",
						   NULL});

	ck_assert_msg(status == 0, "gdb exit status %d; it printed:\n%s", status, gdb_out);
	assert_contains(gdb_out, "--- connected");
	assert_contains(gdb_out, "Breakpoint 1, 0x");
	snprintf(expect, sizeof(expect), "$1 = 0x%llx\n", (unsigned long long)label->value);
	assert_contains(gdb_out, expect);
	/* One instruction later, elsewhere. */
	const char *after = strstr(gdb_out, "$2 = 0x");
	ck_assert_msg(after, "no $2 in what gdb printed:\n%s", gdb_out);
	ck_assert_uint_ne(strtoull(after + 5, NULL, 16), label->value);
	snprintf(expect, sizeof(expect), "0x%x:\t0x%02x\t0x%02x", GUEST_LOAD_ADDR, first[0],
		 first[1]);
	assert_contains(gdb_out, expect);
	assert_contains(gdb_out, "[Inferior 1 (Remote target) exited normally]");
}
END_TEST

/* With symbols: `break LABEL` by name, from GUEST.elf. */
START_TEST(gdb_breaks_at_a_label_by_name)
{
	static struct symbols syms;
	char elf[4096], why[256], target[8192], brk[128], expect[160];
	const char *guest = default_guest();

	symbols_elf_path(guest, elf, sizeof(elf));
	ck_assert_msg(symbols_load(&syms, elf, why, sizeof(why)) == 0, "%s", why);
	const struct symbol *label = label_after_start(&syms);
	snprintf(target, sizeof(target), "target remote | %s --gdb=stdio %s", VMM_BINARY, guest);
	snprintf(brk, sizeof(brk), "break %s", label->name);

	int status = run_gdb((const char *const[]){"gdb", "-nx", "-batch", "-ex", "set confirm off",
						   "-ex", "set pagination off", elf, "-ex", target,
						   "-ex", brk, "-ex", "continue", "-ex",
						   "print/x $pc", "-ex", "kill", NULL});

	ck_assert_msg(status == 0, "gdb exit status %d; it printed:\n%s", status, gdb_out);
	snprintf(expect, sizeof(expect), "Breakpoint 1 at 0x%llx",
		 (unsigned long long)label->value);
	assert_contains(gdb_out, expect);
	snprintf(expect, sizeof(expect), "$1 = 0x%llx\n", (unsigned long long)label->value);
	assert_contains(gdb_out, expect);
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
