/*
 * run-batch DIR...: inside an emulated host, runs one after the other the
 * commands that tools/emulated-run recorded (the book's run blocks), so that
 * many commands cost one boot, and sends back what each printed and its exit
 * status. Built static, like host-init; there is no shell in the host.
 *
 * Each DIR holds one recorded command:
 *   argv     the command and its arguments, each ended by a NUL
 *   cwd      the directory to run it in
 *   streams  "merged" when its stdout and stderr were one file, else "apart"
 *   stdin    what it reads on stdin (absent: /dev/null)
 *
 * The console carries text only, so the results come out on stdout as one cpio
 * archive ("newc", as cpio -i reads it), in base64 between two marker lines:
 *   @@run-batch: begin@@
 *   ...base64...
 *   @@run-batch: end@@
 * For the DIR whose last path component is N: N/out (stdout, or both when
 * merged), N/err (stderr, when apart) and N/status (the exit status, as a
 * shell reports it; 128 + the signal when one ended it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 256
#define COMMAND_TIMEOUT_S 120 /* a command still running then is killed (status 137) */

struct buffer {
	char *data;
	size_t len, size;
};

static void die(const char *what)
{
	fprintf(stderr, "run-batch: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void append(struct buffer *b, const void *data, size_t len)
{
	if (b->len + len > b->size) {
		b->size = (b->len + len) * 2 + 4096;
		b->data = realloc(b->data, b->size);
		if (!b->data)
			die("realloc");
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

/* Reads DIR/NAME whole; false when it is not there. */
static bool read_whole(const char *dir, const char *name, struct buffer *b)
{
	char path[4096], chunk[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		append(b, chunk, (size_t)n);
	close(fd);
	append(b, "", 1); /* text files end in a NUL here */
	b->len--;
	return true;
}

/* ---- the cpio archive ("newc": a header of 13 hex fields, the name, the data) ---- */

static void pad4(struct buffer *archive)
{
	while (archive->len % 4)
		append(archive, "", 1);
}

static void add_entry(struct buffer *archive, const char *name, const void *data, size_t len,
		      unsigned mode)
{
	static unsigned ino;
	char header[128];

	/* magic, ino, mode, uid, gid, nlink, mtime, filesize, dev major/minor,
	 * rdev major/minor, namesize, check */
	snprintf(header, sizeof(header),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ++ino, mode, 0, 0, 1,
		 0, (unsigned)len, 0, 0, 0, 0, (unsigned)strlen(name) + 1, 0);
	append(archive, header, 110);
	append(archive, name, strlen(name) + 1);
	pad4(archive);
	append(archive, data, len);
	pad4(archive);
}

static void add_file(struct buffer *archive, const char *name, const void *data, size_t len)
{
	add_entry(archive, name, data, len, 0100644);
}

/* ---- one command ---- */

/* Reads both pipes to their end (the command's whole output), killing the
 * command if it runs past the deadline. */
static void collect(int fds[2], struct buffer out[2], pid_t pid)
{
	time_t deadline = time(NULL) + COMMAND_TIMEOUT_S;
	char chunk[4096];

	while (fds[0] >= 0 || fds[1] >= 0) {
		struct pollfd p[2] = {{.fd = fds[0], .events = POLLIN},
				      {.fd = fds[1], .events = POLLIN}};
		int left = (int)(deadline - time(NULL));
		if (left <= 0) {
			kill(pid, SIGKILL);
			deadline = time(NULL) + 3600;
		}
		if (poll(p, 2, left > 0 ? left * 1000 : 0) < 0 && errno != EINTR)
			die("poll");
		for (int i = 0; i < 2; i++) {
			if (fds[i] < 0 || !p[i].revents)
				continue;
			ssize_t n = read(fds[i], chunk, sizeof(chunk));
			if (n > 0) {
				append(&out[i], chunk, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(fds[i]);
				fds[i] = -1;
			}
		}
	}
}

/* In the child: stdin, stdout and stderr as recorded, then the command. */
static void start_command(const char *dir, const char *cwd, char **argv, int out, int err)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/stdin", dir);
	int in = open(path, O_RDONLY);
	if (in < 0)
		in = open("/dev/null", O_RDONLY);
	dup2(in, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	if (chdir(cwd) < 0)
		fprintf(stderr, "run-batch: chdir %s: %s\n", cwd, strerror(errno));
	execv(argv[0], argv);
	fprintf(stderr, "run-batch: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Runs the command recorded in dir and adds its results to the archive. */
static void run_one(const char *dir, struct buffer *archive)
{
	struct buffer args = {0}, cwd = {0}, streams = {0}, out[2] = {{0}, {0}};
	char *argv[MAX_ARGS + 1];
	int argc = 0, pipes[2][2], status;
	const char *n = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	char name[256];

	if (!read_whole(dir, "argv", &args) || !read_whole(dir, "cwd", &cwd))
		die(dir);
	read_whole(dir, "streams", &streams);
	bool merged = streams.data && strncmp(streams.data, "merged", 6) == 0;
	for (char *p = args.data; p < args.data + args.len && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	if (argc == 0)
		return;

	if (pipe2(pipes[0], O_CLOEXEC) < 0 || (!merged && pipe2(pipes[1], O_CLOEXEC) < 0))
		die("pipe");
	if (merged) { /* one pipe for both, so that their order is kept */
		pipes[1][0] = -1;
		pipes[1][1] = pipes[0][1];
	}
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		start_command(dir, cwd.data, argv, pipes[0][1], pipes[1][1]);
	close(pipes[0][1]);
	if (!merged)
		close(pipes[1][1]);
	int fds[2] = {pipes[0][0], pipes[1][0]};
	collect(fds, out, pid);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);

	snprintf(name, sizeof(name), "%s/out", n);
	add_file(archive, name, out[0].data, out[0].len);
	if (!merged) {
		snprintf(name, sizeof(name), "%s/err", n);
		add_file(archive, name, out[1].data, out[1].len);
	}
	char text[16];
	int len = snprintf(text, sizeof(text), "%d\n", code);
	snprintf(name, sizeof(name), "%s/status", n);
	add_file(archive, name, text, (size_t)len);
	free(args.data);
	free(cwd.data);
	free(streams.data);
	free(out[0].data);
	free(out[1].data);
}

/* Prints data in base64, 76 characters a line (as base64(1) writes it). */
static void print_base64(const unsigned char *data, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int column = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = data[i] << 16;
		if (i + 1 < len)
			v |= data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		char quad[4] = {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63],
				i + 1 < len ? alphabet[v >> 6 & 63] : '=',
				i + 2 < len ? alphabet[v & 63] : '='};
		fwrite(quad, 1, 4, stdout);
		column += 4;
		if (column == 76) {
			putchar('\n');
			column = 0;
		}
	}
	if (column)
		putchar('\n');
}

int main(int argc, char **argv)
{
	struct buffer archive = {0};

	for (int i = 1; i < argc; i++)
		run_one(argv[i], &archive);
	add_entry(&archive, "TRAILER!!!", "", 0, 0);
	printf("@@run-batch: begin@@\n");
	print_base64((const unsigned char *)archive.data, archive.len);
	printf("@@run-batch: end@@\n");
	return 0;
}
