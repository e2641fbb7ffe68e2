/*
 * The hostile-guest suite: guests that try to hang, crash or fool the VMM, and
 * what the VMM must do about each. Shared by every x86 stage from stage02 on
 * (tests/hostile/hostile.mk builds it against the stage's objects).
 *
 * Each case is one nasm file in tests/hostile/: the guest, and in its `;!`
 * lines how the VMM is run and what it must answer. The Makefile assembles the
 * guest into GUEST_DIR/hostile/NAME.bin and copies the `;!` lines, without the
 * marker, into NAME.case beside it:
 *   run: ARGS     the VMM's arguments, split at spaces; GUEST is this case's
 *                 NAME.bin, GUESTS the directory of the hostile guests, FIFO a
 *                 FIFO nobody writes to
 *   status: N     the exit status the VMM must give
 *   says: TEXT    the output (stdout and stderr together) holds TEXT
 *   once: TEXT    ... exactly once
 *   never: TEXT   ... not at all
 *   either: A || B  the output holds A or B (what differs between KVMs)
 *   input: TEXT   the VMM's stdin (else /dev/null)
 *   (in TEXT, \n is a newline and \xHH the byte 0xHH)
 *   input-fill: N the VMM's stdin is N bytes of 'i'
 *   at-least: N   the output is at least N bytes long
 *   kvm: no       the case never reaches /dev/kvm (bad options): it runs in
 *                 every lane; every other case is a KVM test
 *   needs: NEED   what the case needs of KVM beyond the API, where KVMs differ
 *                 (see `needs` below); a probe decides it, and a KVM without
 *                 it leaves the case to the emulated lane, said in one line
 *
 * A case whose guest could run for ever says --timeout in its run line. As a
 * last guard, each case's VMM gets a CPU-time limit (RLIMIT_CPU), so a runaway
 * that escaped its timeout is killed rather than left spinning.
 */
#include "kvm_check.h"
#include "run_vmm.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HOSTILE_CASES
#error "HOSTILE_CASES must say how many cases the Makefile built"
#endif

#define HOSTILE_DIR GUEST_DIR "/hostile"
#define MAX_CASES 128
#define MAX_ARGS 16
#define MAX_EXPECTS 16
#define OUTPUT_MAX (256 * 1024)
#define CPU_LIMIT_SECONDS 60

enum expect_kind { SAYS, ONCE, NEVER, EITHER };

struct expect {
	enum expect_kind kind;
	char text[256];
};

struct hostile_case {
	char name[64];
	char run[512];
	int status;
	bool status_given, needs_kvm;
	struct expect expects[MAX_EXPECTS];
	unsigned n_expects;
	char input[256];
	bool has_input;
	size_t input_fill, at_least;
	char needs[64];
};

static struct hostile_case cases[MAX_CASES];
static unsigned n_cases;
/* Which cases need KVM and which do not: the loop tests' indexes into cases[]. */
static unsigned kvm_cases[MAX_CASES], plain_cases[MAX_CASES];
static unsigned n_kvm, n_plain;

/* In a case's text, "\n" stands for a newline and "\xHH" for the byte 0xHH. */
static void unescape(char *text)
{
	char *to = text;
	unsigned byte;

	for (const char *from = text; *from; from++) {
		if (from[0] == '\\' && from[1] == 'n') {
			*to++ = '\n';
			from++;
		} else if (from[0] == '\\' && from[1] == 'x' &&
			   sscanf(from + 2, "%2x", &byte) == 1 && byte != 0) {
			*to++ = (char)byte;
			from += 3;
		} else {
			*to++ = *from;
		}
	}
	*to = '\0';
}

static void add_expect(struct hostile_case *c, enum expect_kind kind, const char *text)
{
	if (c->n_expects == MAX_EXPECTS) {
		fprintf(stderr, "%s: more than %d expectations\n", c->name, MAX_EXPECTS);
		exit(1);
	}
	struct expect *e = &c->expects[c->n_expects++];
	e->kind = kind;
	snprintf(e->text, sizeof(e->text), "%s", text);
	unescape(e->text);
}

/* One "key: value" line of a case file; false for a key this suite does not know. */
static bool parse_line(struct hostile_case *c, const char *key, const char *value)
{
	if (strcmp(key, "run") == 0)
		snprintf(c->run, sizeof(c->run), "%s", value);
	else if (strcmp(key, "status") == 0) {
		c->status = atoi(value);
		c->status_given = true;
	} else if (strcmp(key, "says") == 0)
		add_expect(c, SAYS, value);
	else if (strcmp(key, "once") == 0)
		add_expect(c, ONCE, value);
	else if (strcmp(key, "never") == 0)
		add_expect(c, NEVER, value);
	else if (strcmp(key, "either") == 0)
		add_expect(c, EITHER, value);
	else if (strcmp(key, "input") == 0) {
		snprintf(c->input, sizeof(c->input), "%s", value);
		unescape(c->input);
		c->has_input = true;
	} else if (strcmp(key, "input-fill") == 0)
		c->input_fill = strtoul(value, NULL, 10);
	else if (strcmp(key, "at-least") == 0)
		c->at_least = strtoul(value, NULL, 10);
	else if (strcmp(key, "kvm") == 0)
		c->needs_kvm = strcmp(value, "no") != 0;
	else if (strcmp(key, "needs") == 0)
		snprintf(c->needs, sizeof(c->needs), "%s", value);
	else
		return false;
	return true;
}

/* Reads HOSTILE_DIR/name; a case file the suite cannot understand stops the suite. */
static void load_case(const char *file)
{
	char path[1024], line[1024];
	struct hostile_case *c = &cases[n_cases++];

	snprintf(c->name, sizeof(c->name), "%.*s", (int)(strlen(file) - strlen(".case")), file);
	c->needs_kvm = true;
	snprintf(path, sizeof(path), "%s/%s", HOSTILE_DIR, file);
	FILE *in = fopen(path, "r");
	if (!in) {
		perror(path);
		exit(1);
	}
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		char *colon = strstr(line, ": ");
		if (!line[0])
			continue;
		if (colon)
			*colon = '\0';
		if (!colon || !parse_line(c, line, colon + 2)) {
			fprintf(stderr, "%s: not a case line: '%s'\n", path, line);
			exit(1);
		}
	}
	fclose(in);
	if (!c->run[0] || !c->status_given) {
		fprintf(stderr, "%s: a case needs a run: and a status: line\n", path);
		exit(1);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct hostile_case *)a)->name,
		      ((const struct hostile_case *)b)->name);
}

static void load_cases(void)
{
	DIR *dir = opendir(HOSTILE_DIR);
	struct dirent *entry;

	if (!dir) {
		perror(HOSTILE_DIR);
		exit(1);
	}
	while ((entry = readdir(dir))) {
		size_t len = strlen(entry->d_name);
		if (len > 5 && strcmp(entry->d_name + len - 5, ".case") == 0 && n_cases < MAX_CASES)
			load_case(entry->d_name);
	}
	closedir(dir);
	qsort(cases, n_cases, sizeof(cases[0]), by_name);
	for (unsigned i = 0; i < n_cases; i++) {
		if (cases[i].needs_kvm)
			kvm_cases[n_kvm++] = i;
		else
			plain_cases[n_plain++] = i;
	}
}

/* A FIFO with no writer, made for this case's process (Check forks one per case). */
static char fifo_path[64];

static const char *fifo(void)
{
	snprintf(fifo_path, sizeof(fifo_path), "/tmp/hostile-fifo-%d", (int)getpid());
	unlink(fifo_path);
	ck_assert_msg(mkfifo(fifo_path, 0600) == 0, "mkfifo %s: %s", fifo_path, strerror(errno));
	return fifo_path;
}

/* The run line as arguments, GUEST, GUESTS and FIFO replaced. */
static void build_args(const struct hostile_case *c, char *words, const char *args[MAX_ARGS],
		       char guest[1024])
{
	unsigned n = 0;

	snprintf(guest, 1024, "%s/%s.bin", HOSTILE_DIR, c->name);
	strcpy(words, c->run);
	for (char *word = strtok(words, " "); word; word = strtok(NULL, " ")) {
		ck_assert_msg(n < MAX_ARGS - 1, "%s: too many arguments", c->name);
		if (strcmp(word, "GUEST") == 0)
			args[n++] = guest;
		else if (strcmp(word, "GUESTS") == 0)
			args[n++] = HOSTILE_DIR;
		else if (strcmp(word, "FIFO") == 0)
			args[n++] = fifo();
		else
			args[n++] = word;
	}
	args[n] = NULL;
}

static void check_expect(const struct hostile_case *c, const struct expect *e, const char *out)
{
	char first[256];
	const char *second;

	switch (e->kind) {
	case SAYS:
		ck_assert_msg(strstr(out, e->text), "%s: '%s' is not in the output:\n%s", c->name,
			      e->text, output_tail(out));
		break;
	case ONCE:
		ck_assert_msg(occurrences(out, e->text) == 1,
			      "%s: '%s' is in the output %u times, not once:\n%s", c->name, e->text,
			      occurrences(out, e->text), out);
		break;
	case NEVER:
		ck_assert_msg(!strstr(out, e->text), "%s: '%s' is in the output:\n%s", c->name,
			      e->text, output_tail(out));
		break;
	case EITHER:
		second = strstr(e->text, " || ");
		ck_assert_msg(second, "%s: 'either: %s' has no ' || '", c->name, e->text);
		snprintf(first, sizeof(first), "%.*s", (int)(second - e->text), e->text);
		second += 4;
		ck_assert_msg(strstr(out, first) || strstr(out, second),
			      "%s: neither '%s' nor '%s' is in the output:\n%s", c->name, first,
			      second, out);
		break;
	}
}

static void run_case(const struct hostile_case *c)
{
	static char out[OUTPUT_MAX];
	char words[sizeof(c->run)], guest[1024], *fill = NULL;
	const char *args[MAX_ARGS];
	const char *input = c->has_input ? c->input : NULL;
	struct rlimit cpu = {CPU_LIMIT_SECONDS, CPU_LIMIT_SECONDS};

	build_args(c, words, args, guest);
	if (c->input_fill) {
		fill = malloc(c->input_fill + 1);
		ck_assert_ptr_nonnull(fill);
		memset(fill, 'i', c->input_fill);
		fill[c->input_fill] = '\0';
		input = fill;
	}
	/* Check runs each test in a process of its own: the limit is this case's alone. */
	setrlimit(RLIMIT_CPU, &cpu);
	int status = run_vmm_argv(input, out, sizeof(out), args);
	free(fill);
	if (fifo_path[0])
		unlink(fifo_path);
	ck_assert_msg(status == c->status, "%s: ./run %s exited with %d, not %d:\n%s", c->name,
		      c->run, status, c->status, out);
	for (unsigned i = 0; i < c->n_expects; i++)
		check_expect(c, &c->expects[i], out);
	ck_assert_msg(strlen(out) >= c->at_least, "%s: %zu bytes of output, not at least %zu",
		      c->name, strlen(out), c->at_least);
}

/* ---- What a case may need of KVM, each decided by a probe on a VM of its own. */

#define PROBE_MEM_SIZE 0x1000
#define PROBE_CODE 0x500 /* after the real-mode interrupt table: 256 vectors of 4 bytes */
#define PROBE_HANDLER 0x600 /* where that table's vector 3 sends int3 */
#define CR0_PE (1u << 0) /* SDM vol. 3A, 2.5 "Control Registers" */
#define CR0_PG (1u << 31)
#define INT3 0xcc
#define HLT 0xf4

struct probe_vm {
	int kvm, vm, cpu, run_size;
	struct kvm_run *run;
	uint8_t *mem;
};

/* One page of memory at 0 and one vCPU, in real mode as KVM creates it; false if not. */
static bool probe_vm_open(struct probe_vm *p)
{
	*p = (struct probe_vm){.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), .vm = -1, .cpu = -1};
	p->mem =
	    mmap(NULL, PROBE_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p->run = MAP_FAILED;
	if (p->kvm < 0 || p->mem == MAP_FAILED)
		return false;
	struct kvm_userspace_memory_region region = {.memory_size = PROBE_MEM_SIZE,
						     .userspace_addr = (uintptr_t)p->mem};
	p->vm = ioctl(p->kvm, KVM_CREATE_VM, 0);
	if (p->vm < 0 || ioctl(p->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return false;
	p->cpu = ioctl(p->vm, KVM_CREATE_VCPU, 0);
	p->run_size = ioctl(p->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (p->cpu < 0 || p->run_size <= 0)
		return false;
	p->run = mmap(NULL, (size_t)p->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->cpu, 0);
	return p->run != MAP_FAILED;
}

static void probe_vm_close(struct probe_vm *p)
{
	if (p->run != MAP_FAILED)
		munmap(p->run, (size_t)p->run_size);
	if (p->mem != MAP_FAILED)
		munmap(p->mem, PROBE_MEM_SIZE);
	for (int *fd = &p->kvm; fd <= &p->cpu; fd++)
		if (*fd >= 0)
			close(*fd);
}

/* Paging without long mode: does KVM keep CR0.PG, given with CR0.PE? */
static bool keeps_paged_protected_mode(struct probe_vm *p)
{
	struct kvm_sregs sregs;

	if (ioctl(p->cpu, KVM_GET_SREGS, &sregs) < 0)
		return false;
	sregs.cr0 |= CR0_PE | CR0_PG;
	return ioctl(p->cpu, KVM_SET_SREGS, &sregs) == 0 &&
	       ioctl(p->cpu, KVM_GET_SREGS, &sregs) == 0 && (sregs.cr0 & CR0_PG);
}

/*
 * int3 in real mode, the interrupt table's limit 0: no vector 3, #GP, no vector
 * 13, a double fault, a triple fault: KVM_EXIT_SHUTDOWN. A KVM that ignores the
 * limit sends int3 to vector 3 of the table in memory: a HLT, KVM_EXIT_HLT. Every
 * path ends in an exit: the probe cannot loop.
 */
static bool shuts_down_at_a_real_mode_triple_fault(struct probe_vm *p)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {.rip = PROBE_CODE, .rsp = PROBE_MEM_SIZE, .rflags = 2};

	memset(p->mem, HLT, PROBE_MEM_SIZE);
	p->mem[4 * 3] = (uint8_t)PROBE_HANDLER; /* vector 3: offset, then segment 0 */
	p->mem[4 * 3 + 1] = (uint8_t)(PROBE_HANDLER >> 8);
	p->mem[4 * 3 + 2] = p->mem[4 * 3 + 3] = 0;
	p->mem[PROBE_CODE] = INT3;
	if (ioctl(p->cpu, KVM_GET_SREGS, &sregs) < 0)
		return false;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	if (ioctl(p->cpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(p->cpu, KVM_SET_REGS, &regs) < 0)
		return false;
	int ran;
	do
		ran = ioctl(p->cpu, KVM_RUN, 0);
	while (ran < 0 && errno == EINTR);
	return ran == 0 && p->run->exit_reason == KVM_EXIT_SHUTDOWN;
}

/* The needs a case may name, and what a KVM without one does instead. */
static const struct need {
	const char *name;
	bool (*probe)(struct probe_vm *p);
	const char *lacking;
} needs[] = {
    {"paged-protected-mode", keeps_paged_protected_mode,
     "drops CR0.PG outside long mode: it cannot run paged protected mode"},
    {"real-mode-triple-fault", shuts_down_at_a_real_mode_triple_fault,
     "did not shut down at a triple fault in real mode (int3, interrupt table limit 0)"},
};

/* What this KVM lacks of the case's need, in words, or NULL if nothing. */
static const char *missing_need(const struct hostile_case *c)
{
	static char why[MAX_CASES][256];
	static int known[sizeof(needs) / sizeof(needs[0])]; /* 0 not probed, 1 has it, -1 not */

	if (!c->needs[0])
		return NULL;
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		if (strcmp(c->needs, needs[i].name) != 0)
			continue;
		if (!known[i]) {
			struct probe_vm p;
			known[i] = probe_vm_open(&p) && needs[i].probe(&p) ? 1 : -1;
			probe_vm_close(&p);
		}
		if (known[i] > 0)
			return NULL;
		snprintf(why[c - cases], sizeof(why[0]), "%s needs %s: this KVM %s", c->name,
			 needs[i].name, needs[i].lacking);
		return why[c - cases];
	}
	fprintf(stderr, "%s: needs %s, which this suite does not know\n", c->name, c->needs);
	exit(1);
}

START_TEST(a_hostile_guest_gets_its_answer)
{
	run_case(&cases[kvm_cases[_i]]);
}
END_TEST

START_TEST(a_hostile_command_line_gets_its_answer)
{
	run_case(&cases[plain_cases[_i]]);
}
END_TEST

/* The suite runs what the Makefile built: no case lost on the way. */
START_TEST(every_case_built_is_found)
{
	ck_assert_msg(n_cases == HOSTILE_CASES, "%u case files in %s, but %d were built", n_cases,
		      HOSTILE_DIR, HOSTILE_CASES);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hostile guests");
	TCase *tc = tcase_create("tests/hostile");

	load_cases();
	printf("hostile guests: %u cases, %u of them KVM tests\n", n_cases, n_kvm);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_case_built_is_found);
	tcase_add_loop_test(tc, a_hostile_command_line_gets_its_answer, 0, (int)n_plain);
	for (unsigned i = 0; i < n_kvm; i++) /* one at a time: each has its own needs */
		tcase_add_kvm_loop_test_needing(tc, a_hostile_guest_gets_its_answer, (int)i,
						(int)i + 1, missing_need(&cases[kvm_cases[i]]));
	suite_add_tcase(s, tc);
	return run_suite(s);
}
