/*
 * bench/startup: how long a VMM takes to start a tiny guest, how much CPU it burns doing
 * it and how much memory it takes, for several VMMs taking turns on the same machine.
 *
 * Each VMM is a command line that runs guests/tiny.asm: the guest's first exit prints
 * one byte ('k'), then it finishes (OUT 0xf4, then HLT). The first VMM given is the
 * reference (the bare VMM). With --until TEXT, the guest is anything that prints TEXT
 * on the VMM's stdout on its way (Linux's /init printing its first line): the
 * reference is then whichever VMM comes first (QEMU, for stage09's Linux boot).
 * Each round takes the VMMs in an order that rotates from round to round, each of them:
 *   - timed (run_timed()), paired with a timed run of the reference just before or
 *     after it (run_pair()): from just before execve() (stamped by the child itself)
 *     to the byte the first exit prints arriving on our pipe ("first_exit"), or with
 *     --until to TEXT arriving whole ("until"), and to the VMM's exit as wait4() sees
 *     it ("exit"); wait4() also gives its CPU time, user + system, all threads;
 *   - traced (run_traced()), not timed: its peak RSS, wait4()'s ru_maxrss (the
 *     kernel's count made exact at the exit: /proc/PID/status may lag behind it by a
 *     few dozen pages on some kernels), and how much of its guest RAM the VMM or KVM
 *     touched, the resident pages of the mapping of the VMM's guest RAM size.
 * Before the first round each VMM runs once, untimed, so that no round pays for a
 * first exec (the page cache). It prints one line per run: "time ROUND NAME ...",
 * "time ROUND REF@NAME ..." (the reference's run paired with NAME's), "memory ROUND
 * NAME ...", and asserts nothing: bench/report.py makes the table and the plot.
 *
 * A run that goes on past --limit SECONDS (60 by default) is killed, and startup fails
 * saying so: a guest or an emulated host that hangs ends the bench, not the reader's
 * patience.
 *
 * usage: startup [--until TEXT] [--limit SECONDS] ROUNDS -- NAME RAM STATUS PROGRAM
 *                [ARG...] [-- NAME RAM STATUS ...]...
 *   RAM     the size of the VMM's guest RAM mapping, in bytes (0x... is fine); a VMM
 *           that keeps part of its guest elsewhere (QEMU's BIOS ROM) adds it: BYTES+BYTES
 *   STATUS  the exit status that means the guest ran to its end
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VMMS_MAX 16
#define EXPECTED_OUTPUT "k" /* what the tiny guest prints: its first exit */
#define OUTPUT_MAX (256 * 1024) /* what we keep of a VMM's output: a Linux boot's log */
#define SETTLE_US 20000 /* the pause after each pair of timed runs */
#define LIMIT_S 60 /* --limit's default: the tiny guest takes milliseconds, QEMU a second */

struct vmm {
	const char *name;
	uint64_t ram_size; /* the guest RAM mapping's size: how we know it (on_syscall()) */
	uint64_t ram_extra; /* guest memory kept elsewhere, counted as touched */
	int status; /* the exit status of a guest run to its end */
	char **argv;
};

struct timed {
	double printed_s, exit_s, cpu_s; /* printed_s: the first exit's byte, or --until's TEXT */
};

struct memory {
	uint64_t peak_kib, guest_kib;
};

static char stderr_path[] = "/tmp/startup-stderr.XXXXXX";
static double *exec_stamp; /* shared with the child: when it called execve() */
static const char *until; /* --until TEXT, or NULL: the tiny guest's one byte */
static char output[OUTPUT_MAX]; /* the output of the VMM that runs now */
static unsigned limit_s = LIMIT_S; /* --limit */
static volatile pid_t running; /* the VMM that runs now, for on_alarm() */
static volatile sig_atomic_t over_limit; /* on_alarm() killed it */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "startup: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Whether the VMM printed what its guest prints when it runs to its end. */
static int expected_output(const char *out)
{
	return until ? strstr(out, until) != NULL : strcmp(out, EXPECTED_OUTPUT) == 0;
}

/* The run went on past --limit: kill it. read() and wait4() go on (SA_RESTART) and see it end. */
static void on_alarm(int sig)
{
	(void)sig;
	over_limit = 1;
	if (running > 0)
		kill(running, SIGKILL);
}

static void remove_stderr_file(void)
{
	unlink(stderr_path);
}

/* Says why a VMM's run is not a run of its guest to its end, with its stderr. */
static void fail_run(const struct vmm *v, int wstatus, const char *out)
{
	char line[512];
	FILE *err = fopen(stderr_path, "r");

	if (over_limit)
		fprintf(stderr,
			"startup: %s ran longer than %u s (--limit) and was killed: a hung "
			"guest, or a hung emulated host",
			v->name, limit_s);
	else if (WIFEXITED(wstatus))
		fprintf(stderr, "startup: %s exited with status %d (a finished guest: %d)", v->name,
			WEXITSTATUS(wstatus), v->status);
	else
		fprintf(stderr, "startup: %s was killed by signal %d", v->name,
			WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
	size_t len = strlen(out);
	const char *tail = len > 2000 ? out + len - 2000 : out; /* a boot log's end */
	fprintf(stderr, ", printed '%s' (expected %s'%s'); its stderr:\n", tail,
		until ? "output containing " : "", until ? until : EXPECTED_OUTPUT);
	while (err && fgets(line, sizeof(line), err))
		fprintf(stderr, "    %s", line);
	exit(1);
}

/* The child: stdin from /dev/null, stdout to the pipe, stderr to a file; then exec. */
static void exec_vmm(const struct vmm *v, int out_fd, int traced)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int err = open(stderr_path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (null < 0 || err < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	if (traced && ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		_exit(126);
	*exec_stamp = now_s();
	execv(v->argv[0], v->argv);
	_exit(127);
}

static pid_t spawn(const struct vmm *v, int fds[2], int traced)
{
	if (pipe2(fds, O_CLOEXEC) < 0) /* the VMM gets only fds 0, 1 and 2 (dup2 keeps them) */
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(fds[0]);
		exec_vmm(v, fds[1], traced);
	}
	close(fds[1]);
	running = pid;
	alarm(limit_s);
	return pid;
}

/* The run has ended (wait4() saw it): no more alarm. */
static void ended(void)
{
	alarm(0);
	running = 0;
}

/*
 * Reads what the VMM prints to its end; *first_at: when the first byte came, or with
 * --until, when the whole of TEXT had come (it may arrive in pieces).
 */
static void read_output(int fd, char *out, size_t size, double *first_at)
{
	size_t used = 0;
	char chunk[4096];
	ssize_t n;
	int seen = 0;

	out[0] = '\0';
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		size_t take = (size_t)n < size - 1 - used ? (size_t)n : size - 1 - used;
		memcpy(out + used, chunk, take);
		used += take;
		out[used] = '\0';
		if (!seen && (until ? strstr(out, until) != NULL : used > 0)) {
			seen = 1;
			if (first_at)
				*first_at = now_s();
		}
	}
	close(fd);
}

static struct timed run_timed(const struct vmm *v)
{
	int fds[2], wstatus;
	double first_at = 0;
	struct rusage usage;

	pid_t pid = spawn(v, fds, 0);
	read_output(fds[0], output, sizeof(output), &first_at);
	if (wait4(pid, &wstatus, 0, &usage) < 0)
		die("wait4");
	double exited_at = now_s();
	ended();
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != v->status || !expected_output(output))
		fail_run(v, wstatus, output);
	struct timed t = {
	    .printed_s = first_at - *exec_stamp,
	    .exit_s = exited_at - *exec_stamp,
	    .cpu_s = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
		     (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6,
	};
	return t;
}

/*
 * The guest's RAM, as the traced VMM maps it: every mapping of exactly the VMM's guest
 * RAM size that mmap() returns to its main thread (the one traced: where a VMM sets up). What of it
 * is touched is counted page by page in /proc/PID/pagemap when the VMM unmaps it or exits,
 * whichever comes first: the stages unmap it before they exit, and by then smaps has forgotten it.
 */
#define REGIONS_MAX 8
#define PAGEMAP_PRESENT (1ull << 63) /* Documentation/admin-guide/mm/pagemap.rst */
#define PAGEMAP_SWAPPED (1ull << 62)

struct guest_ram {
	uint64_t size, addr[REGIONS_MAX];
	int regions, counted;
	uint64_t touched_kib;
};

/* Adds the pages of [addr, addr + size) that are in memory (or swapped out) now. */
static void count_touched(pid_t pid, struct guest_ram *ram, uint64_t addr)
{
	char path[64];
	long page = sysconf(_SC_PAGESIZE);

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	for (uint64_t at = addr; at < addr + ram->size; at += (uint64_t)page) {
		uint64_t entry;
		if (pread(fd, &entry, sizeof(entry), (off_t)(at / (uint64_t)page * 8)) !=
		    (ssize_t)sizeof(entry))
			die(path);
		if (entry & (PAGEMAP_PRESENT | PAGEMAP_SWAPPED))
			ram->touched_kib += (uint64_t)page / 1024;
	}
	close(fd);
	ram->counted++;
}

/* Forgets region i (counted, or unmapped) by moving the last one into its place. */
static void drop_region(struct guest_ram *ram, int i)
{
	ram->addr[i] = ram->addr[--ram->regions];
}

/* A syscall stop: mmap() of the guest RAM's size returns, or munmap() of it begins. */
static void on_syscall(pid_t pid, struct guest_ram *ram, uint64_t *mmap_len)
{
	struct __ptrace_syscall_info info;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info), &info) < 0)
		die("PTRACE_GET_SYSCALL_INFO");
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
		*mmap_len = info.entry.nr == SYS_mmap ? info.entry.args[1] : 0;
		if (info.entry.nr != SYS_munmap)
			return;
		for (int i = 0; i < ram->regions; i++)
			if (ram->addr[i] == info.entry.args[0] && info.entry.args[1] == ram->size) {
				count_touched(pid, ram, ram->addr[i]);
				drop_region(ram, i);
				return;
			}
	} else if (info.op == PTRACE_SYSCALL_INFO_EXIT && *mmap_len == ram->size &&
		   !info.exit.is_error && ram->regions < REGIONS_MAX) {
		ram->addr[ram->regions++] = (uint64_t)info.exit.rval;
		*mmap_len = 0;
	}
}

/*
 * Runs the VMM under ptrace: its main thread stops at each system call (to follow its
 * guest RAM) and at its exit (PTRACE_O_TRACEEXIT), when its memory is still there;
 * wait4() gives its peak RSS once it is gone.
 */
static struct memory run_traced(const struct vmm *v)
{
	int fds[2], wstatus, options_set = 0;
	struct memory m = {0};
	struct guest_ram ram = {.size = v->ram_size};
	uint64_t mmap_len = 0;
	struct rusage usage;

	pid_t pid = spawn(v, fds, 1);
	for (;;) {
		if (wait4(pid, &wstatus, 0, &usage) < 0)
			die("wait4");
		if (!WIFSTOPPED(wstatus)) {
			ended();
			break;
		}
		int signal = WSTOPSIG(wstatus);
		if (signal == (SIGTRAP | 0x80)) {
			on_syscall(pid, &ram, &mmap_len);
			signal = 0;
		} else if (wstatus >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			while (ram.regions > 0) {
				count_touched(pid, &ram, ram.addr[0]);
				drop_region(&ram, 0);
			}
			signal = 0;
		} else if (signal == SIGTRAP && !options_set) {
			/* stopped after execve(): from now on, stop at syscalls and at the exit */
			if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
				   (void *)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACESYSGOOD |
					    PTRACE_O_EXITKILL)) < 0)
				die("PTRACE_SETOPTIONS");
			options_set = 1;
			signal = 0;
		}
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(intptr_t)signal) < 0)
			die("PTRACE_SYSCALL");
	}
	read_output(fds[0], output, sizeof(output), NULL);
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != v->status || !expected_output(output))
		fail_run(v, wstatus, output);
	if (ram.counted != 1) {
		fprintf(stderr,
			"startup: %s mapped %d regions of %" PRIu64
			" bytes, not one: which is its guest RAM?\n",
			v->name, ram.counted, v->ram_size);
		exit(1);
	}
	m.peak_kib = (uint64_t)usage.ru_maxrss; /* KiB */
	m.guest_kib = ram.touched_kib + v->ram_extra / 1024;
	return m;
}

static void print_timed(int round, const char *name, const char *paired_with, const struct timed *t)
{
	printf("time %d %s%s%s %s %.6f exit %.6f cpu %.6f\n", round, name, paired_with ? "@" : "",
	       paired_with ? paired_with : "", until ? "until" : "first_exit", t->printed_s,
	       t->exit_s, t->cpu_s);
	fflush(stdout);
}

/*
 * One timed run of v and, right before or right after it (in turn from round to
 * round), one of the reference: the ratio of the two comes from runs next to each
 * other, whatever else the machine is doing. Then a pause, for what a VMM's exit leaves the
 * kernel to do in the background not to fall on the next run.
 */
static void run_pair(const struct vmm *reference, const struct vmm *v, int round)
{
	struct timed ref_t, t;

	if (v == reference)
		return;
	if (round % 2) {
		ref_t = run_timed(reference);
		t = run_timed(v);
	} else {
		t = run_timed(v);
		ref_t = run_timed(reference);
	}
	print_timed(round, v->name, NULL, &t);
	print_timed(round, reference->name, v->name, &ref_t);
	usleep(SETTLE_US);
}

/* Parses the VMMs: NAME RAM STATUS PROGRAM [ARG...], each after a "--". */
static int parse_vmms(int argc, char **argv, struct vmm *vmms)
{
	int n = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") != 0)
			continue;
		argv[i] = NULL; /* ends the previous VMM's argv */
		if (i + 4 >= argc || n == VMMS_MAX)
			return -1;
		char *plus;
		struct vmm *v = &vmms[n++];
		v->name = argv[i + 1];
		v->ram_size = strtoull(argv[i + 2], &plus, 0);
		v->ram_extra = *plus == '+' ? strtoull(plus + 1, NULL, 0) : 0;
		v->status = atoi(argv[i + 3]);
		v->argv = &argv[i + 4];
		if (v->ram_size == 0)
			return -1;
	}
	return n;
}

int main(int argc, char **argv)
{
	struct vmm vmms[VMMS_MAX];

	for (; argc > 2 && strncmp(argv[1], "--", 2) == 0 && argv[1][2] != '\0';
	     argc -= 2, argv += 2) {
		if (strcmp(argv[1], "--until") == 0)
			until = argv[2];
		else if (strcmp(argv[1], "--limit") == 0 && atoi(argv[2]) > 0)
			limit_s = (unsigned)atoi(argv[2]);
		else
			argc = 0; /* the usage, below */
	}
	int rounds = argc > 1 ? atoi(argv[1]) : 0;
	int n = argc > 2 && strcmp(argv[2], "--") == 0 ? parse_vmms(argc - 2, argv + 2, vmms) : -1;

	if (rounds < 1 || n < 1 || (until && *until == '\0')) {
		fprintf(stderr,
			"usage: startup [--until TEXT] [--limit SECONDS] ROUNDS -- NAME RAM "
			"STATUS PROGRAM [ARG...] [-- NAME RAM STATUS PROGRAM [ARG...]]...\n");
		return 2;
	}
	struct sigaction on_limit = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	sigemptyset(&on_limit.sa_mask);
	if (sigaction(SIGALRM, &on_limit, NULL) < 0)
		die("sigaction");
	exec_stamp = mmap(NULL, sizeof(*exec_stamp), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (exec_stamp == MAP_FAILED)
		die("mmap");
	int fd = mkstemp(stderr_path);
	if (fd < 0)
		die(stderr_path);
	close(fd);
	atexit(remove_stderr_file); /* fail_run() exits too */
	printf("# startup: %d rounds; seconds from execve(), KiB%s%s%s\n", rounds,
	       until ? "; until: '" : "", until ? until : "", until ? "' printed" : "");
	for (int i = 0; i < n; i++)
		run_timed(&vmms[i]); /* the warm-up: untimed */
	for (int round = 1; round <= rounds; round++) {
		for (int k = 0; k < n; k++)
			run_pair(&vmms[0], &vmms[(k + round) % n], round);
		for (int k = 0; k < n; k++) {
			const struct vmm *v = &vmms[(k + round) % n];
			struct memory m = run_traced(v);

			printf("memory %d %s peak_kib %" PRIu64 " guest_kib %" PRIu64 "\n", round,
			       v->name, m.peak_kib, m.guest_kib);
			fflush(stdout);
		}
	}
	return 0;
}
