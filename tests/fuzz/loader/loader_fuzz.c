/*
 * A libFuzzer harness for stage05's guest loader (vm.c: vm_load_guest): the
 * input makes a file, of any contents and any size (sparse, up to 64 GiB), or
 * something that is not a regular file (a directory, a device, a FIFO with no
 * writer, a dangling name), and the loader is pointed at it. Guest memory is
 * the harness's own (memory_only_vm's way: no KVM).
 *
 * What must hold whatever the file is:
 * - a regular file of 1 to GUEST_MAX_SIZE bytes loads: its bytes, exactly, at
 *   GUEST_LOAD_ADDR, and not one byte of guest memory elsewhere changes;
 * - anything else is refused with a one-line reason naming the file, and
 *   guest memory is untouched;
 * - the loader never blocks (a FIFO with no writer) and never reads past the
 *   memory it was given (ASan).
 *
 * The input: a kind byte (% KIND_COUNT), then for a sparse file its size
 * (8 bytes), then the file's contents.
 */
#include "fuzz.h"
#include "vmm.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPARSE_MAX (64ull << 30)

enum kind {
	KIND_FILE, /* the rest of the input is the file */
	KIND_SPARSE, /* size: 8 bytes (% SPARSE_MAX); the rest of the input at its start */
	KIND_DIRECTORY, /* a directory */
	KIND_DEVICE, /* /dev/null: a character device, empty when read */
	KIND_FIFO, /* a FIFO nobody writes to: opening it for reading could block */
	KIND_MISSING, /* a name with nothing behind it */
	KIND_COUNT
};

static char work[64]; /* a directory of the harness's own, in tmpfs when there is one */

static void remove_work(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/guest.bin", work);
	unlink(path);
	snprintf(path, sizeof(path), "%s/fifo", work);
	unlink(path);
	snprintf(path, sizeof(path), "%s/dir", work);
	rmdir(path);
	rmdir(work);
}

static void make_work(void)
{
	char path[128];

	if (work[0])
		return;
	snprintf(work, sizeof(work), "%s/loader-fuzz-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(work))
		abort();
	atexit(remove_work);
	snprintf(path, sizeof(path), "%s/fifo", work);
	if (mkfifo(path, 0600) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/dir", work);
	if (mkdir(path, 0700) < 0)
		abort();
}

/* Writes the guest file: `size` bytes, the first `len` of them `contents`. */
static void write_guest(const char *path, const uint8_t *contents, size_t len, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (len && write(fd, contents, len) != (ssize_t)len) ||
	    ftruncate(fd, (off_t)size) < 0)
		abort();
	close(fd);
}

static uint8_t *guest_memory(void)
{
	static uint8_t *mem;

	if (!mem)
		mem = malloc(GUEST_MEM_SIZE);
	if (!mem)
		abort();
	memset(mem, 0, GUEST_MEM_SIZE);
	return mem;
}

static bool all_zero(const uint8_t *bytes, size_t len)
{
	static const uint8_t zeros[4096];

	for (size_t done = 0; done < len; done += sizeof(zeros)) {
		size_t n = len - done < sizeof(zeros) ? len - done : sizeof(zeros);
		if (memcmp(bytes + done, zeros, n) != 0)
			return false;
	}
	return true;
}

/* Every byte of guest memory outside [from, to) is still 0. */
static bool untouched_outside(const uint8_t *mem, size_t from, size_t to)
{
	return all_zero(mem, from) && all_zero(mem + to, GUEST_MEM_SIZE - to);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size, 0};
	enum kind kind = (enum kind)(take8(&in) % KIND_COUNT);
	uint64_t file_size = kind == KIND_SPARSE ? take64(&in) % SPARSE_MAX : 0;
	const uint8_t *contents = data + in.at;
	size_t len = size - in.at;
	char path[128];
	struct vm vm;

	make_work();
	snprintf(path, sizeof(path), "%s/%s", work,
		 kind == KIND_DIRECTORY ? "dir"
		 : kind == KIND_FIFO    ? "fifo"
		 : kind == KIND_MISSING ? "missing.bin"
					: "guest.bin");
	if (kind == KIND_DEVICE)
		snprintf(path, sizeof(path), "/dev/null");
	if (kind == KIND_FILE)
		file_size = len;
	if (kind == KIND_SPARSE && len > file_size)
		len = (size_t)file_size;
	if (kind == KIND_FILE || kind == KIND_SPARSE)
		write_guest(path, contents, len, file_size);

	vm_init(&vm);
	vm.mem = guest_memory();
	vm.mem_size = GUEST_MEM_SIZE;
	int ret = vm_load_guest(&vm, path);
	bool loadable = (kind == KIND_FILE || kind == KIND_SPARSE) && file_size > 0 &&
			file_size <= GUEST_MAX_SIZE;

	if (loadable) {
		INVARIANT(ret == 0, "%llu bytes were refused: %s", (unsigned long long)file_size,
			  vm.error);
		INVARIANT(memcmp(vm.mem + GUEST_LOAD_ADDR, contents, len) == 0,
			  "the guest's bytes are not at 0x%x", GUEST_LOAD_ADDR);
		INVARIANT(untouched_outside(vm.mem, GUEST_LOAD_ADDR, GUEST_LOAD_ADDR + len),
			  "guest memory outside the %zu bytes loaded changed", len);
	} else {
		INVARIANT(ret == -1, "kind %d, %llu bytes: loaded", (int)kind,
			  (unsigned long long)file_size);
		INVARIANT(strstr(vm.error, path) && !strchr(vm.error, '\n'),
			  "the reason \"%s\" does not name %s in one line", vm.error, path);
		INVARIANT(untouched_outside(vm.mem, 0, 0), "a refused guest changed guest memory");
	}
	return 0;
}

#ifdef FUZZ_REPLAY

static void seed_of(const char *dir, const char *name, enum kind kind, uint64_t sparse_size,
		    const char *contents)
{
	struct seed s = {0};

	put8(&s, (uint8_t)kind);
	if (kind == KIND_SPARSE)
		put64(&s, sparse_size);
	for (; *contents; contents++)
		put8(&s, (uint8_t)*contents);
	write_seed(dir, name, &s);
}

void write_seeds(const char *dir)
{
	seed_of(dir, "seed-hlt", KIND_FILE, 0, "\xf4");
	seed_of(dir, "seed-empty", KIND_FILE, 0, "");
	seed_of(dir, "seed-largest", KIND_SPARSE, GUEST_MAX_SIZE, "\xeb\xfe");
	seed_of(dir, "seed-one-too-many", KIND_SPARSE, GUEST_MAX_SIZE + 1, "\xeb\xfe");
	seed_of(dir, "seed-huge-sparse", KIND_SPARSE, SPARSE_MAX - 1, "");
	seed_of(dir, "seed-directory", KIND_DIRECTORY, 0, "");
	seed_of(dir, "seed-device", KIND_DEVICE, 0, "");
	seed_of(dir, "seed-fifo", KIND_FIFO, 0, "");
	seed_of(dir, "seed-missing", KIND_MISSING, 0, "");
}

#endif
