/*
 * A libFuzzer harness for stage06's virtio device (virtio_mmio.c, virtqueue.c,
 * virtio_blk.c): the input is a guest, as a program of register accesses,
 * writes to guest RAM (descriptor tables, rings, request headers) and
 * notifications, against a virtio-blk disk on a temporary image.
 *
 * Built two ways:
 * - with clang -fsanitize=fuzzer,address,undefined, it is the fuzzer
 *   (make -C stage06-virtio fuzz): any crash, sanitizer report or broken invariant
 *   aborts, and libFuzzer keeps the input;
 * - with -DFUZZ_REPLAY, it is a Check test that replays every input of the
 *   corpus kept in tests/fuzz/corpus/virtio, and, given --write-seeds DIR,
 *   writes the hand-made seeds of that corpus.
 *
 * After each input it checks what must hold whatever the guest did: the
 * interrupt line follows InterruptStatus (and set_irq reports changes only),
 * the status has no undefined bits, every report is one line, and the image
 * is as it was unless the device completed a write (so no refused request
 * changed it, and a read-only disk never changes).
 *
 * The input, byte by byte (past its end every byte reads as 0):
 *   flags: bit 0 read-only disk; bit 1 start the driver (3.1.1) first, with
 *          VERSION_1, and FLUSH if bit 2, RO if bit 3, 64 more feature bits
 *          from the input if bit 7; then one byte: the queue size is
 *          1 << (byte % 9)
 *   then operations, each an opcode byte (% OP_COUNT) and its operands.
 */
#include "virtio_driver.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef FUZZ_REPLAY
#include "kvm_check.h"
#define INVARIANT(cond, ...) ck_assert_msg(cond, __VA_ARGS__)
#else
#define INVARIANT(cond, ...)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "invariant: " __VA_ARGS__);                                \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)
#endif

#define RAM_SIZE DRIVER_RAM_MIN
#define IMAGE_SECTORS 32
#define IMAGE_BYTES (IMAGE_SECTORS * VIRTIO_BLK_SECTOR_SIZE)

#define FLAG_READ_ONLY 0x01
#define FLAG_START 0x02
#define FLAG_FLUSH 0x04
#define FLAG_RO_FEATURE 0x08
#define FLAG_MORE_FEATURE 0x80

enum op {
	OP_MMIO_WRITE, /* offset: 2 bytes, width: 1, value: width bytes */
	OP_MMIO_READ, /* offset: 2 bytes, width: 1 */
	OP_POKE_RAM, /* gpa: 4 bytes, count: 1, then count bytes */
	OP_DESC, /* index: 1, address mode: 1, address: 4 or 8, len: 4, flags: 1, next: 2 */
	OP_OFFER, /* head: 2 bytes, into the available ring */
	OP_KICK, /* queue: 1 byte, written to QueueNotify */
	OP_BLK_REQUEST, /* type: 1, sector: 1 or 9, data gpa: 2, data length: 2 */
	OP_NOTIFY_DIRECT, /* queue: 1 byte, through virtio_mmio_notify (the --ioeventfd path) */
	OP_AVAIL_IDX, /* idx: 2 bytes, written to avail.idx */
	OP_ACK, /* InterruptACK with what InterruptStatus says */
	OP_RESTART, /* size byte: the driver's initialization again, that queue size */
	OP_COUNT
};

struct input {
	const uint8_t *data;
	size_t size, at;
};

static uint8_t take8(struct input *in)
{
	return in->at < in->size ? in->data[in->at++] : 0;
}

static uint16_t take16(struct input *in)
{
	uint16_t low = take8(in);
	return (uint16_t)(low | take8(in) << 8);
}

static uint32_t take32(struct input *in)
{
	uint32_t low = take16(in);
	return low | (uint32_t)take16(in) << 16;
}

static uint64_t take64(struct input *in)
{
	uint64_t low = take32(in);
	return low | (uint64_t)take32(in) << 32;
}

static char image[64];
static int image_fd = -1; /* for putting the image back before each input */
static uint8_t pattern[IMAGE_BYTES];

static void remove_image(void)
{
	unlink(image);
}

/* Once per process: the image, in tmpfs when there is one (fdatasync is then free). */
static void make_fuzz_image(void)
{
	if (image_fd >= 0)
		return;
	if (make_image(image, access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", IMAGE_BYTES) <
	    0) {
		perror("virtio_fuzz: the image");
		abort();
	}
	atexit(remove_image);
	image_fd = open(image, O_RDWR | O_CLOEXEC);
	for (unsigned i = 0; i < IMAGE_BYTES; i++)
		pattern[i] = image_pattern(i);
}

static bool image_as_made(void)
{
	static uint8_t now[IMAGE_BYTES];

	return pread(image_fd, now, sizeof(now), 0) == (ssize_t)sizeof(now) &&
	       memcmp(now, pattern, sizeof(now)) == 0;
}

/*
 * Guest RAM: one allocation for the process, zeroed for each input. A fresh one
 * each time costs more in page faults than the rest of the input together;
 * ASan guards the one allocation's edges all the same.
 */
static void reuse_ram(struct test_host *h)
{
	static struct test_host fresh;

	if (!fresh.ram)
		test_host_init(&fresh, RAM_SIZE);
	memset(fresh.ram, 0, RAM_SIZE);
	*h = fresh;
}

struct fuzz {
	struct test_host h;
	struct virtio_blk blk;
	struct virtio_mmio t;
	struct driver d;
	struct input in;
};

static uint16_t queue_size(struct input *in)
{
	return (uint16_t)(1u << (take8(in) % 9));
}

static void start_driver(struct fuzz *f, uint8_t flags)
{
	uint64_t features = VIRTIO_FEATURE(VIRTIO_F_VERSION_1);
	uint16_t size = queue_size(&f->in);

	if (flags & FLAG_FLUSH)
		features |= VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH);
	if (flags & FLAG_RO_FEATURE)
		features |= VIRTIO_FEATURE(VIRTIO_BLK_F_RO);
	if (flags & FLAG_MORE_FEATURE)
		features |= take64(&f->in);
	driver_start(&f->d, &f->t, &f->h, features, size);
	/* Refused or not, the helpers below go on with this queue size. */
	f->d.size = size;
}

static void mmio_access(struct fuzz *f, bool write)
{
	static const unsigned widths[] = {1, 2, 4, 8};
	uint16_t raw = take16(&f->in);
	/* Mostly the registers and the config space; sometimes anywhere in a 64 KiB window. */
	uint64_t offset = raw & 0x8000 ? raw : raw % 0x140;
	unsigned width = widths[take8(&f->in) % 4];
	uint8_t data[8];

	if (write) {
		for (unsigned i = 0; i < width; i++)
			data[i] = take8(&f->in);
		virtio_mmio_write(&f->t, offset, data, width);
	} else {
		virtio_mmio_read(&f->t, offset, data, width);
	}
}

static void poke_ram(struct fuzz *f)
{
	uint32_t gpa = take32(&f->in) % RAM_SIZE;
	unsigned count = take8(&f->in);

	for (unsigned i = 0; i < count && gpa + i < RAM_SIZE; i++)
		f->h.ram[gpa + i] = take8(&f->in);
}

/* A descriptor: its address mostly in or near RAM, sometimes any 64-bit value. */
static void write_desc(struct fuzz *f)
{
	uint16_t index = take8(&f->in) % f->d.size;
	uint8_t mode = take8(&f->in);
	uint64_t addr = mode < 0xe0 ? take32(&f->in) % (RAM_SIZE + 0x200) : take64(&f->in);
	uint32_t len = take32(&f->in);
	uint8_t flags = take8(&f->in);

	if (mode & 1) /* mostly short buffers */
		len %= 0x2000;
	driver_set_desc(&f->d, index, addr, len, flags & 7, take16(&f->in));
}

static void blk_op(struct fuzz *f)
{
	uint32_t type = take8(&f->in) % 16;
	uint8_t mode = take8(&f->in);
	uint64_t sector = mode < 0xf0 ? mode % (IMAGE_SECTORS + 2) : take64(&f->in);
	uint64_t gpa = DRIVER_DATA_GPA + take16(&f->in) % 0x8000;
	uint32_t len = take16(&f->in) % 0x8000;

	driver_offer(&f->d, blk_prepare(&f->d, type, sector, gpa, len));
	driver_kick(&f->d);
}

static void run_op(struct fuzz *f, enum op op)
{
	switch (op) {
	case OP_MMIO_WRITE:
		mmio_access(f, true);
		break;
	case OP_MMIO_READ:
		mmio_access(f, false);
		break;
	case OP_POKE_RAM:
		poke_ram(f);
		break;
	case OP_DESC:
		write_desc(f);
		break;
	case OP_OFFER:
		driver_offer(&f->d, take16(&f->in));
		break;
	case OP_KICK:
		mmio_write32(&f->t, VIRTIO_MMIO_QUEUE_NOTIFY, take8(&f->in) % 3);
		break;
	case OP_BLK_REQUEST:
		blk_op(f);
		break;
	case OP_NOTIFY_DIRECT:
		virtio_mmio_notify(&f->t, take8(&f->in) % 3);
		break;
	case OP_AVAIL_IDX:
		f->d.avail_idx = take16(&f->in);
		virtio_put_le16(f->h.ram + DRIVER_AVAIL_GPA + VIRTQ_AVAIL_IDX, f->d.avail_idx);
		break;
	case OP_ACK:
		mmio_write32(&f->t, VIRTIO_MMIO_INTERRUPT_ACK,
			     mmio_read32(&f->t, VIRTIO_MMIO_INTERRUPT_STATUS));
		break;
	case OP_RESTART:
		start_driver(f, FLAG_FLUSH);
		break;
	case OP_COUNT:
		break;
	}
}

static void check_invariants(struct fuzz *f, bool read_only)
{
	const uint32_t defined = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK |
				 VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED;

	INVARIANT(test_host_irq(&f->h) == (f->t.interrupt_status != 0),
		  "the line is %d with InterruptStatus 0x%x", test_host_irq(&f->h),
		  f->t.interrupt_status);
	INVARIANT(f->h.repeats == 0, "set_irq was called %u time(s) without a change",
		  f->h.repeats);
	INVARIANT((f->t.interrupt_status & ~3u) == 0, "InterruptStatus 0x%x",
		  f->t.interrupt_status);
	INVARIANT((f->t.status & ~defined) == 0, "Status 0x%x", f->t.status);
	for (unsigned i = 0; i < f->h.nreports && i < RECORDED_REPORTS; i++)
		INVARIANT(f->h.reports[i][0] && !strchr(f->h.reports[i], '\n'), "report \"%s\"",
			  f->h.reports[i]);
	if (read_only)
		INVARIANT(f->blk.stats.writes == 0 && f->blk.stats.syncs == 0,
			  "a read-only disk was written (%llu) or synced",
			  (unsigned long long)f->blk.stats.writes);
	if (f->blk.stats.writes == 0)
		INVARIANT(image_as_made(), "no write completed, yet the image changed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz f;
	char error[256];
	struct virtio_host host;
	struct virtio_device device;

	make_fuzz_image();
	if (pwrite(image_fd, pattern, sizeof(pattern), 0) != (ssize_t)sizeof(pattern))
		abort();
	memset(&f, 0, sizeof(f));
	f.in = (struct input){data, size, 0};
	uint8_t flags = take8(&f.in);
	bool read_only = flags & FLAG_READ_ONLY;
	char arg[80];

	snprintf(arg, sizeof(arg), "%s%s", image, read_only ? ",ro" : "");
	if (virtio_blk_open(&f.blk, arg, NULL, error, sizeof(error)) < 0) {
		fprintf(stderr, "virtio_fuzz: %s\n", error);
		abort();
	}
	reuse_ram(&f.h);
	host = test_host_callbacks(&f.h);
	device = virtio_blk_device(&f.blk);
	virtio_mmio_init(&f.t, &host, &device);
	f.d = (struct driver){.t = &f.t, .h = &f.h, .size = 8};
	if (flags & FLAG_START)
		start_driver(&f, flags);

	while (f.in.at < f.in.size)
		run_op(&f, (enum op)(take8(&f.in) % OP_COUNT));

	check_invariants(&f, read_only);
	virtio_blk_close(&f.blk);
	return 0;
}

#ifdef FUZZ_REPLAY

/* ---- the seeds: inputs written by hand, one per path through the device ---- */

struct seed {
	uint8_t bytes[1024];
	size_t size;
};

static void put(struct seed *s, const void *bytes, size_t n)
{
	memcpy(s->bytes + s->size, bytes, n);
	s->size += n;
}

static void put8(struct seed *s, uint8_t v)
{
	put(s, &v, 1);
}

static void put16(struct seed *s, uint16_t v)
{
	uint8_t b[2];
	virtio_put_le16(b, v);
	put(s, b, 2);
}

static void put32(struct seed *s, uint32_t v)
{
	uint8_t b[4];
	virtio_put_le32(b, v);
	put(s, b, 4);
}

static void put64(struct seed *s, uint64_t v)
{
	uint8_t b[8];
	virtio_put_le64(b, v);
	put(s, b, 8);
}

/* A started driver: flags, then log2 of the queue size. */
static void started(struct seed *s, uint8_t flags, uint8_t log2_size)
{
	s->size = 0;
	put8(s, flags | FLAG_START);
	put8(s, log2_size);
}

static void blk(struct seed *s, uint8_t type, uint8_t sector, uint16_t gpa_offset, uint16_t len)
{
	put8(s, OP_BLK_REQUEST);
	put8(s, type);
	put8(s, sector);
	put16(s, gpa_offset);
	put16(s, len);
}

static void mmio_w(struct seed *s, uint16_t offset, uint32_t value)
{
	put8(s, OP_MMIO_WRITE);
	put16(s, (uint16_t)(offset % 0x140)); /* as mmio_access() maps it */
	put8(s, 2); /* width 4 */
	put32(s, value);
}

static void desc(struct seed *s, uint8_t index, uint32_t addr, uint32_t len, uint8_t flags,
		 uint16_t next)
{
	put8(s, OP_DESC);
	put8(s, index);
	put8(s, 0x10); /* address in RAM, length as given */
	put32(s, addr);
	put32(s, len);
	put8(s, flags);
	put16(s, next);
}

static void write_seed(const char *dir, const char *name, const struct seed *s)
{
	char path[512];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	file = fopen(path, "wb");
	if (!file || fwrite(s->bytes, 1, s->size, file) != s->size || fclose(file) != 0) {
		perror(path);
		exit(1);
	}
}

static void write_seeds(const char *dir)
{
	struct seed s;

	started(&s, FLAG_FLUSH, 4);
	blk(&s, VIRTIO_BLK_T_IN, 0, 0, 512);
	write_seed(dir, "seed-read", &s);

	started(&s, FLAG_FLUSH, 4);
	blk(&s, VIRTIO_BLK_T_OUT, 3, 0, 1024);
	blk(&s, VIRTIO_BLK_T_IN, 3, 0x1000, 1024);
	blk(&s, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	write_seed(dir, "seed-write-read-flush", &s);

	started(&s, 0, 8); /* no FLUSH: writes are synced; queue of 256 */
	blk(&s, VIRTIO_BLK_T_OUT, IMAGE_SECTORS - 1, 0, 512);
	blk(&s, VIRTIO_BLK_T_GET_ID, 0, 0x100, 20);
	blk(&s, VIRTIO_BLK_T_DISCARD, 0, 0, 16);
	write_seed(dir, "seed-writethrough-getid-unsupported", &s);

	started(&s, FLAG_READ_ONLY | FLAG_RO_FEATURE | FLAG_FLUSH, 2);
	blk(&s, VIRTIO_BLK_T_OUT, 1, 0, 512);
	blk(&s, VIRTIO_BLK_T_IN, 1, 0, 512);
	write_seed(dir, "seed-read-only", &s);

	started(&s, FLAG_FLUSH, 3);
	blk(&s, VIRTIO_BLK_T_IN, IMAGE_SECTORS, 0, 512); /* past the capacity */
	blk(&s, VIRTIO_BLK_T_OUT, 0, 0, 100); /* not whole sectors */
	put8(&s, OP_BLK_REQUEST); /* a sector that overflows */
	put8(&s, VIRTIO_BLK_T_OUT);
	put8(&s, 0xff);
	put64(&s, UINT64_C(1) << 55);
	put16(&s, 0);
	put16(&s, 512);
	write_seed(dir, "seed-refused-requests", &s);

	/* A chain that loops: 0 -> 1 -> 0. */
	started(&s, FLAG_FLUSH, 3);
	desc(&s, 0, DRIVER_HEADER_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(&s, 1, DRIVER_DATA_GPA, 512, VIRTQ_DESC_F_NEXT, 0);
	put8(&s, OP_OFFER);
	put16(&s, 0);
	put8(&s, OP_KICK);
	put8(&s, 0);
	put8(&s, OP_RESTART);
	put8(&s, 3);
	blk(&s, VIRTIO_BLK_T_IN, 0, 0, 512);
	write_seed(dir, "seed-loop-then-reset", &s);

	/* Indirect, a next past the table, a buffer outside RAM: each after a fresh start. */
	started(&s, FLAG_FLUSH, 3);
	desc(&s, 0, DRIVER_DATA_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	put8(&s, OP_OFFER);
	put16(&s, 0);
	put8(&s, OP_NOTIFY_DIRECT);
	put8(&s, 0);
	put8(&s, OP_RESTART);
	put8(&s, 3);
	desc(&s, 0, DRIVER_HEADER_GPA, 16, VIRTQ_DESC_F_NEXT, 9);
	put8(&s, OP_OFFER);
	put16(&s, 0);
	put8(&s, OP_KICK);
	put8(&s, 0);
	put8(&s, OP_RESTART);
	put8(&s, 3);
	desc(&s, 0, DRIVER_HEADER_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(&s, 1, RAM_SIZE - 8, 16, VIRTQ_DESC_F_WRITE, 0);
	put8(&s, OP_OFFER);
	put16(&s, 0);
	put8(&s, OP_KICK);
	put8(&s, 0);
	write_seed(dir, "seed-hostile-descriptors", &s);

	/* avail.idx far ahead; an interrupt acknowledged. */
	started(&s, FLAG_FLUSH, 3);
	blk(&s, VIRTIO_BLK_T_IN, 0, 0, 512);
	put8(&s, OP_ACK);
	put8(&s, OP_AVAIL_IDX);
	put16(&s, 0x8000);
	put8(&s, OP_KICK);
	put8(&s, 0);
	write_seed(dir, "seed-avail-jump", &s);

	/* The whole initialization by registers, then a request by hand. */
	s.size = 0;
	put8(&s, 0);
	mmio_w(&s, VIRTIO_MMIO_STATUS, 0);
	mmio_w(&s, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	mmio_w(&s, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_w(&s, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_w(&s, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	mmio_w(&s, VIRTIO_MMIO_STATUS,
	       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	mmio_w(&s, VIRTIO_MMIO_QUEUE_NUM, 8);
	mmio_w(&s, VIRTIO_MMIO_QUEUE_DESC_LOW, DRIVER_DESC_GPA);
	mmio_w(&s, VIRTIO_MMIO_QUEUE_DRIVER_LOW, DRIVER_AVAIL_GPA);
	mmio_w(&s, VIRTIO_MMIO_QUEUE_DEVICE_LOW, DRIVER_USED_GPA);
	mmio_w(&s, VIRTIO_MMIO_QUEUE_READY, 1);
	mmio_w(&s, VIRTIO_MMIO_STATUS,
	       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		   VIRTIO_STATUS_DRIVER_OK);
	blk(&s, VIRTIO_BLK_T_IN, 2, 0, 512);
	put8(&s, OP_MMIO_READ);
	put16(&s, VIRTIO_MMIO_CONFIG);
	put8(&s, 2);
	write_seed(dir, "seed-registers", &s);

	/* Everything a driver must not do to the registers. */
	s.size = 0;
	put8(&s, 0);
	mmio_w(&s, VIRTIO_MMIO_VERSION, 1);
	mmio_w(&s, VIRTIO_MMIO_LEGACY_GUEST_PAGE_SIZE, 4096);
	mmio_w(&s, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DRIVER_OK);
	mmio_w(&s, VIRTIO_MMIO_QUEUE_NUM, 3);
	mmio_w(&s, VIRTIO_MMIO_QUEUE_READY, 1);
	mmio_w(&s, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	mmio_w(&s, VIRTIO_MMIO_INTERRUPT_ACK, 0xff);
	mmio_w(&s, VIRTIO_MMIO_CONFIG, 0);
	put8(&s, OP_MMIO_READ);
	put16(&s, VIRTIO_MMIO_QUEUE_NOTIFY);
	put8(&s, 2);
	put8(&s, OP_MMIO_READ);
	put16(&s, VIRTIO_MMIO_STATUS);
	put8(&s, 0);
	write_seed(dir, "seed-register-abuse", &s);
}

/* ---- the replay ---- */

START_TEST(the_corpus_replays_cleanly)
{
	DIR *dir = opendir(CORPUS_DIR);
	struct dirent *entry;
	static uint8_t input[1 << 16];
	unsigned replayed = 0;

	ck_assert_msg(dir, "%s: cannot open the corpus", CORPUS_DIR);
	while ((entry = readdir(dir))) {
		char path[1024];
		FILE *file;
		size_t size;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, entry->d_name);
		file = fopen(path, "rb");
		ck_assert_msg(file, "%s: cannot open", path);
		size = fread(input, 1, sizeof(input), file);
		fclose(file);
		LLVMFuzzerTestOneInput(input, size);
		replayed++;
	}
	closedir(dir);
	ck_assert_msg(replayed >= 10, "only %u inputs in %s", replayed, CORPUS_DIR);
	printf("replayed %u inputs from %s\n", replayed, CORPUS_DIR);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
		write_seeds(argv[2]);
		return 0;
	}
	s = suite_create("virtio_fuzz_replay");
	tc = tcase_create("corpus");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_corpus_replays_cleanly);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

#endif
