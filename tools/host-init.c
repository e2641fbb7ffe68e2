/*
 * host-init: process 1 of an emulated host (see tools/emulated-host).
 *
 * tools/emulated-host boots a Debian kernel under qemu with an initramfs whose
 * /init is this program, built static. It turns that bare kernel into just
 * enough of a Linux system to run one command next to a working /dev/kvm:
 *
 *   1. mount devtmpfs, proc, sysfs and a tmpfs on /tmp
 *   2. load KVM's modules, in the order listed in /host/modules.list
 *   3. check that /dev/kvm exists
 *   4. run the command stored in /host/argv, in /work, and wait for it
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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	/* Check forks each test and keeps results in temporary files. */
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

/* In the child: the command's stdin is /dev/null, so it can never sit
 * waiting for input from a console nobody types on. */
static void exec_command(char **argv)
{
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0)
		dup2(null, STDIN_FILENO);
	if (chdir("/work") < 0)
		fprintf(stderr, "host-init: chdir /work: %s\n", strerror(errno));
	set_environment();
	execvp(argv[0], argv);
	fprintf(stderr, "host-init: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Runs the command; returns its exit status the way a shell reports it. */
static int run_command(char **argv)
{
	pid_t child, pid;
	int status;

	fflush(stdout);
	child = fork();
	if (child < 0)
		fail("fork: %s", strerror(errno));
	if (child == 0)
		exec_command(argv);
	/* As process 1 we also inherit every orphan the command leaves
	 * behind: reap them too, until our own child has ended. */
	do {
		pid = wait(&status);
	} while (pid != child && !(pid < 0 && errno != EINTR));
	if (pid < 0)
		fail("wait: %s", strerror(errno));
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
	read_command(argv_buf, sizeof(argv_buf), argv);

	printf(MARKER "start@@\n");
	status = run_command(argv);
	/* The command's output may not end with a newline: the tool finds the
	 * marker anywhere in a line. */
	printf(MARKER "exit %d@@\n", status);
	power_off();
}
