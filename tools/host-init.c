/*
 * host-init: process 1 of an emulated host (see tools/emulated-host).
 *
 * tools/emulated-host boots a Debian kernel under qemu with an initramfs whose
 * /init is this program, built static. It turns that bare kernel into just
 * enough of a Linux system to run one command next to a working /dev/kvm:
 *
 *   1. mount devtmpfs, proc, sysfs, devpts and a tmpfs on /tmp
 *   2. load KVM's modules, in the order listed in /host/modules.list
 *   3. check that /dev/kvm exists; on x86, keep two idle VMs open (hold_kvm_keys)
 *   4. run the command stored in /host/argv, in /work (or /host/cwd), with
 *      the stdin, stdout and stderr that /host/stdio asks for, and wait for it
 *   5. print a marker line with its exit status, and power off
 *
 * Everything goes to the serial console, which the tool reads. The tool does
 * not trust qemu's own exit status (qemu exits 0 whenever the guest powers
 * off), only the marker lines printed here:
 *
 *   @@emulated-host: start@@          the command starts now
 *   @@emulated-host: exit N@@         the command ended with status N
 *   @@emulated-host: error TEXT@@     the host could not run the command
 *
 * Files this program reads, written by the tool into the initramfs:
 *   /host/modules.list  one .ko path per line, dependencies first; absent
 *                       when KVM is built into the kernel
 *   /host/argv          the command and its arguments, each ended by a NUL
 *   /host/env           NAME=VALUE lines added to the command's environment
 *   /host/cwd           the directory to run the command in (default /work)
 *   /host/stdin         what the command reads on stdin, when /host/stdio says so
 *   /host/stdio         "STDIN STDOUT STDERR [ROWS COLS]": where the command's fds
 *                       0, 1 and 2 go; absent, stdin is /dev/null and stdout and
 *                       stderr are the console. Each is one of:
 *     null      /dev/null
 *     console   the console, which the tool reads line by line with the markers
 *     stdin     the file /host/stdin (fd 0 only)
 *     terminal  the second serial port (x86: ttyS1), a terminal as any other:
 *               the command's controlling terminal, ROWS x COLS, in the usual
 *               line mode; the tool joins it to the user's terminal
 *     out, err  the third and fourth serial ports (ttyS2, ttyS3), raw: what the
 *               command writes there comes out unchanged on the tool's stdout,
 *               stderr. Unlike the console, they carry any byte.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define MARKER "@@emulated-host: "
#define MAX_ARGS 256

/* The serial ports that /host/stdio names (the console is the first). */
#define TERMINAL_PORT "/dev/ttyS1"
#define OUT_PORT "/dev/ttyS2"
#define ERR_PORT "/dev/ttyS3"

/* Where the command's fd 0, 1 and 2 go, and the terminal's size: /host/stdio. */
struct stdio_plan {
	char where[3][16];
	unsigned short rows, cols;
};

/* The serial ports this process opened for the command: drained before power-off. */
static int ports[3] = {-1, -1, -1};

/* Waits until the console has sent everything, then powers the machine off. */
static void power_off(void)
{
	fflush(stdout);
	fflush(stderr);
	/*
	 * Output written to the console tty is queued, and the serial driver
	 * sends it later. Powering off before the queue is empty would lose
	 * the end of the output, marker line included.
	 */
	tcdrain(STDOUT_FILENO);
	sync();
	reboot(RB_POWER_OFF);
	/* Only reached if power-off failed. Process 1 must never exit:
	 * the kernel panics when it does. */
	for (;;)
		pause();
}

/* Reports why the command could not be run, and powers off. */
static void fail(const char *format, ...)
{
	va_list args;

	printf(MARKER "error ");
	va_start(args, format);
	vprintf(format, args);
	va_end(args);
	printf("@@\n");
	power_off();
}

/*
 * The kernel opens /dev/console as fds 0, 1 and 2 before it starts /init,
 * but only if the initramfs has a /dev/console node (the tool puts one in).
 * If it did not, open the console here, from the devtmpfs just mounted.
 */
static void open_console_if_needed(void)
{
	int fd;

	if (fcntl(STDOUT_FILENO, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return; /* Nowhere to say so: the tool will report "no marker". */
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static void mount_one(const char *source, const char *target, const char *type)
{
	mkdir(target, 0755);
	if (mount(source, target, type, 0, NULL) < 0 && errno != EBUSY)
		fail("mount %s on %s: %s", type, target, strerror(errno));
}

static void mount_filesystems(void)
{
	/* devtmpfs first: it holds /dev/console and, later, /dev/kvm. The
	 * kernel does not mount it for an initramfs (DEVTMPFS_MOUNT=n). */
	mount_one("devtmpfs", "/dev", "devtmpfs");
	open_console_if_needed();
	mount_one("proc", "/proc", "proc");
	mount_one("sysfs", "/sys", "sysfs");
	/* Check forks each test and keeps results in temporary files. The
	 * initramfs is writable too: when the tool put files under /tmp (a
	 * guest named by its path there), they stay visible. */
	if (access("/tmp", F_OK) != 0)
		mount_one("tmpfs", "/tmp", "tmpfs");
	/* Pseudo-terminals, for the tests of a VMM's terminal handling (openpty). */
	mount_one("devpts", "/dev/pts", "devpts");
}

/* Loads one kernel module from a file, the way insmod does. */
static void load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	/* glibc has no wrapper for finit_module(): call the system call. */
	if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST) {
		/* What kvm-amd and kvm-intel say on a CPU without SVM or VT-x. */
		if (errno == EOPNOTSUPP || errno == ENODEV)
			fail("loading module %s: %s: the emulated CPU has no"
			     " hardware virtualization for it (x86: svm in -cpu?)",
			     path, strerror(errno));
		fail("loading module %s: %s", path, strerror(errno));
	}
	close(fd);
}

static void load_modules(void)
{
	char line[4096];
	FILE *list = fopen("/host/modules.list", "r");

	if (!list)
		return; /* No modules: KVM is built into this kernel. */
	while (fgets(line, sizeof(line), list)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			load_module(line);
	}
	fclose(list);
}

static void check_kvm(void)
{
	struct stat st;

	if (stat("/dev/kvm", &st) == 0)
		return;
	fail("no /dev/kvm in the emulated host: KVM found no hardware"
	     " virtualization (arm64: is the kernel started at EL2, with"
	     " -M virt,virtualization=on?)");
}

/*
 * x86: two VMs that live as long as the host, and never run. KVM turns some of the
 * kernel's static keys on when the first VM or vCPU of a kind is created, and off
 * when the last one goes: preempt notifiers with any VM (the key seen below), and in
 * KVM's source, the local APIC's "software disabled" with an in-kernel APIC and "a
 * vCPU without one" with none (hence a vCPU in each VM). Turning a key
 * rewrites kernel code in place (text_poke_bp: an INT3 over the first byte, then IPIs,
 * then the new bytes), the scheduler's own among it. With two emulated CPUs (qemu's
 * multi-threaded TCG) that was seen to hang the host for good, in smp_test's first
 * run: one CPU kept taking an INT3 at finish_task_switch that memory no longer held
 * (its stale translation in qemu), the kernel's INT3 handler sent it back there each
 * time, and both CPUs reported soft lockups. With one VM of each kind held open,
 * every test's VMs come and go without a key turning.
 */
static void hold_kvm_keys(void)
{
#ifdef __x86_64__
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int with_apic = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	int without_apic = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);

	/* KVM's file descriptors are close-on-exec: the command inherits none. */
	if (with_apic < 0 || without_apic < 0 || ioctl(with_apic, KVM_CREATE_IRQCHIP, 0) < 0 ||
	    ioctl(with_apic, KVM_CREATE_VCPU, 0) < 0 || ioctl(without_apic, KVM_CREATE_VCPU, 0) < 0)
		printf("host-init: could not keep two VMs open (%s): with two or more CPUs,"
		       " the host may hang\n",
		       strerror(errno));
#endif
}

/* Reads the whole of a small file; returns its length, or -1. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len < size && (n = read(fd, buf + len, size - len)) > 0)
		len += n;
	close(fd);
	return len;
}

/* Splits /host/argv (NUL-terminated strings) into argv[]. */
static void read_command(char *buf, size_t size, char **argv)
{
	ssize_t len = read_file("/host/argv", buf, size - 1);
	int argc = 0;

	if (len <= 0)
		fail("no command in /host/argv");
	buf[len] = '\0';
	for (char *p = buf; p < buf + len; p += strlen(p) + 1) {
		if (argc == MAX_ARGS)
			fail("more than %d arguments in /host/argv", MAX_ARGS);
		argv[argc++] = p;
	}
	argv[argc] = NULL;
}

static void set_environment(void)
{
	char line[4096];
	FILE *env = fopen("/host/env", "r");

	clearenv();
	setenv("PATH", "/work:/usr/bin:/bin", 1);
	setenv("HOME", "/work", 1);
	setenv("TMPDIR", "/tmp", 1);
	if (!env)
		return;
	while (fgets(line, sizeof(line), env)) {
		line[strcspn(line, "\n")] = '\0';
		if (strchr(line, '='))
			putenv(strdup(line));
	}
	fclose(env);
}

/* Reads /host/stdio (see the top); without it, stdin is /dev/null, the rest the console. */
static void read_stdio_plan(struct stdio_plan *plan)
{
	char line[128];
	ssize_t len = read_file("/host/stdio", line, sizeof(line) - 1);
	unsigned rows = 0, cols = 0;

	*plan = (struct stdio_plan){.where = {"null", "console", "console"}};
	if (len < 0)
		return;
	line[len] = '\0';
	if (sscanf(line, "%15s %15s %15s %u %u", plan->where[0], plan->where[1], plan->where[2],
		   &rows, &cols) < 3)
		fail("/host/stdio: not STDIN STDOUT STDERR: '%s'", line);
	plan->rows = (unsigned short)rows;
	plan->cols = (unsigned short)cols;
}

/*
 * Opens a serial port for the command, set up as a terminal in line mode (as
 * any terminal starts) or raw (every byte through unchanged, both ways).
 */
static int open_port(const char *path, bool terminal, const struct stdio_plan *plan)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 || tcgetattr(fd, &t) < 0)
		fail("%s: %s", path, strerror(errno));
	if (terminal)
		t.c_cc[VSUSP] = _POSIX_VDISABLE; /* no shell here to resume a stopped job */
	else
		cfmakeraw(&t);
	t.c_cflag |= CLOCAL; /* no modem lines to wait for */
	cfsetspeed(&t, B115200);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		fail("%s: tcsetattr: %s", path, strerror(errno));
	if (terminal && plan->rows && plan->cols) {
		struct winsize size = {.ws_row = plan->rows, .ws_col = plan->cols};
		ioctl(fd, TIOCSWINSZ, &size);
	}
	return fd;
}

/*
 * The fd that stands for one word of /host/stdio, opened in this process, so
 * that it can wait for the port's output to be sent before powering off.
 * -1 for "console" (the command inherits it); fails on a word it does not know.
 */
static int stdio_fd(const struct stdio_plan *plan, int fd)
{
	static const char *const port_words[] = {"terminal", "out", "err"};
	static const char *const port_paths[] = {TERMINAL_PORT, OUT_PORT, ERR_PORT};
	const char *word = plan->where[fd];

	if (strcmp(word, "console") == 0)
		return -1;
	if (strcmp(word, "null") == 0)
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	if (strcmp(word, "stdin") == 0 && fd == STDIN_FILENO) {
		int file = open("/host/stdin", O_RDONLY | O_CLOEXEC);
		if (file < 0)
			fail("/host/stdin: %s", strerror(errno));
		return file;
	}
	for (int i = 0; i < 3; i++) {
		if (strcmp(word, port_words[i]) != 0)
			continue;
		if (ports[i] < 0)
			ports[i] = open_port(port_paths[i], i == 0, plan);
		return ports[i];
	}
	fail("/host/stdio: '%s' for fd %d: not null, console, stdin, terminal, out or err", word,
	     fd);
	return -1;
}

/* In the child: gives the command the fds chosen, and its terminal if it has one. */
static void set_stdio(const struct stdio_plan *plan, const int fds[3])
{
	for (int fd = 0; fd < 3; fd++) {
		if (fds[fd] < 0)
			continue;
		/* A terminal is the command's own, as on a login: a new session
		 * whose controlling terminal it is, in the foreground. */
		if (strcmp(plan->where[fd], "terminal") == 0 && getsid(0) != getpid()) {
			setsid();
			if (ioctl(fds[fd], TIOCSCTTY, 0) < 0)
				fprintf(stderr, "host-init: TIOCSCTTY: %s\n", strerror(errno));
		}
		dup2(fds[fd], fd);
	}
}

/* Waits until the serial ports have sent what the command wrote to them. */
static void drain_ports(void)
{
	for (int i = 0; i < 3; i++)
		if (ports[i] >= 0)
			tcdrain(ports[i]);
}

static void exec_command(char **argv, const struct stdio_plan *plan, const int fds[3])
{
	char cwd[4096];
	ssize_t len = read_file("/host/cwd", cwd, sizeof(cwd) - 1);

	cwd[len > 0 ? len : 0] = '\0';
	set_stdio(plan, fds);
	if (chdir(cwd[0] ? cwd : "/work") < 0)
		fprintf(stderr, "host-init: chdir %s: %s\n", cwd[0] ? cwd : "/work",
			strerror(errno));
	set_environment();
	execvp(argv[0], argv);
	fprintf(stderr, "host-init: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Runs the command; returns its exit status the way a shell reports it. Its
 * stdin is /dev/null unless /host/stdio says otherwise, so that it can never
 * sit waiting for input from a console nobody types on.
 */
static int run_command(char **argv)
{
	struct stdio_plan plan;
	int fds[3];
	pid_t child, pid;
	int status;

	read_stdio_plan(&plan);
	for (int fd = 0; fd < 3; fd++)
		fds[fd] = stdio_fd(&plan, fd);
	fflush(stdout);
	child = fork();
	if (child < 0)
		fail("fork: %s", strerror(errno));
	if (child == 0)
		exec_command(argv, &plan, fds);
	/* As process 1 we also inherit every orphan the command leaves
	 * behind: reap them too, until our own child has ended. */
	do {
		pid = wait(&status);
	} while (pid != child && !(pid < 0 && errno != EINTR));
	if (pid < 0)
		fail("wait: %s", strerror(errno));
	drain_ports();
	if (WIFSIGNALED(status)) {
		printf("host-init: %s killed by signal %d (%s)\n", argv[0], WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

int main(void)
{
	static char argv_buf[65536];
	char *argv[MAX_ARGS + 1];
	int status;

	/* Line-buffered, so that our lines and the command's stay in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	mount_filesystems();
	load_modules();
	check_kvm();
	hold_kvm_keys();
	read_command(argv_buf, sizeof(argv_buf), argv);

	printf(MARKER "start@@\n");
	status = run_command(argv);
	/* The command's output may not end with a newline: the tool finds the
	 * marker anywhere in a line. */
	printf(MARKER "exit %d@@\n", status);
	power_off();
}
