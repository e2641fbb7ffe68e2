/*
 * blk: what virtio-blk's request path costs, against the bare system calls.
 *
 * The device (virtio_blk.c behind virtio_mmio.c) serves 4 KiB and 64 KiB reads
 * and writes that a driver (tests/lib/virtio_driver.c) hands it through a real
 * split virtqueue in a buffer standing in for guest RAM, one request per
 * notification, as a guest waiting for each would: the descriptors, the
 * available ring, QueueNotify, the chain checked, preadv/pwritev on the image,
 * the used ring, the interrupt and its acknowledgement. Against it, a loop of
 * plain pread/pwrite of the same sizes, at the same offsets, on the same file,
 * into the same buffer. No KVM: this is the device's own cost, not the exits'.
 *
 * Each round runs every (operation, size) both ways, in 4 MiB slices taken in
 * turn, so that when another program slows the machine down both slow down.
 * Time is this thread's CPU time (now_s() says why). Per (operation, size):
 * the median throughput of each way, and the ratio device/bare of each sample
 * (round_of() says what one is), its median and its spread (10th to 90th
 * percentile). The page cache holds the image, so this is the request path,
 * not the disk. It prints figures and asserts nothing.
 *
 * usage: blk [ROUNDS]
 */
#include "virtio_driver.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IMAGE_BYTES (64u << 20)
#define RAM_SIZE 0x40000
#define ROUNDS 21
#define CHUNK_BYTES (64u << 20) /* per (operation, size), each way, each round */
/* Taken in turn, at the same offsets; four times a 1 MiB L2 cache, which the other side fills. */
#define SLICE_BYTES (4u << 20)
#define FEATURES (VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH))

struct bench {
	struct test_host h;
	struct virtio_blk blk;
	struct virtio_mmio t;
	struct driver d;
	int bare_fd; /* the same image, for the bare loop */
};

#define SAMPLES_MAX (256 * (CHUNK_BYTES / SLICE_BYTES))

/* One sample per two pairs of slices. */
struct samples {
	double device_mibs[SAMPLES_MAX], bare_mibs[SAMPLES_MAX], ratio[SAMPLES_MAX];
	unsigned count;
};

struct kind {
	const char *name;
	uint32_t type; /* VIRTIO_BLK_T_IN or _OUT */
	uint32_t size;
};

/*
 * This thread's CPU time, user and system: everything measured is work on
 * this CPU (the image is in the page cache; nothing waits for a disk), and
 * time spent preempted by other programs on a shared machine is not counted.
 */
static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "blk: %s\n", what);
	exit(1);
}

/* Requests first .. first + requests - 1 through the device; returns seconds. */
static double device_slice(struct bench *b, const struct kind *k, unsigned first, unsigned requests)
{
	double t0 = now_s();

	for (unsigned i = first; i < first + requests; i++) {
		uint64_t sector = (uint64_t)i * k->size % IMAGE_BYTES / VIRTIO_BLK_SECTOR_SIZE;
		uint16_t head = blk_prepare(&b->d, k->type, sector, DRIVER_DATA_GPA, k->size);
		uint32_t id, len;

		driver_offer(&b->d, head);
		driver_kick(&b->d);
		if (!driver_take_used(&b->d, &id, &len) ||
		    blk_status(&b->d, head) != VIRTIO_BLK_S_OK)
			die("a request failed");
		mmio_write32(&b->t, VIRTIO_MMIO_INTERRUPT_ACK,
			     mmio_read32(&b->t, VIRTIO_MMIO_INTERRUPT_STATUS));
	}
	return now_s() - t0;
}

/* The same requests with bare pread/pwrite, at the same offsets; returns seconds. */
static double bare_slice(struct bench *b, const struct kind *k, unsigned first, unsigned requests)
{
	uint8_t *buffer = b->h.ram + DRIVER_DATA_GPA;
	double t0 = now_s();

	for (unsigned i = first; i < first + requests; i++) {
		off_t offset = (off_t)((uint64_t)i * k->size % IMAGE_BYTES);
		ssize_t done = k->type == VIRTIO_BLK_T_IN
				   ? pread(b->bare_fd, buffer, k->size, offset)
				   : pwrite(b->bare_fd, buffer, k->size, offset);
		if (done != (ssize_t)k->size)
			die("pread/pwrite failed");
	}
	return now_s() - t0;
}

/*
 * One round of one kind: CHUNK_BYTES each way, in slices of SLICE_BYTES taken
 * in turn. Whichever goes second in a pair of slices runs faster (the first
 * leaves the page cache's structures and some data warm), so pairs come in
 * twos, device first then bare first, and each two give one sample: the time
 * of each way summed over the two. A preemption by another program lands in
 * few samples, and the medians step over them.
 */
static void round_of(struct bench *b, const struct kind *k, struct samples *out)
{
	unsigned per_slice = SLICE_BYTES / k->size;
	double mib = 2.0 * SLICE_BYTES / (1 << 20);

	for (unsigned first = 0; first < CHUNK_BYTES / k->size; first += 2 * per_slice) {
		double device = device_slice(b, k, first, per_slice);
		double bare = bare_slice(b, k, first, per_slice);

		bare += bare_slice(b, k, first + per_slice, per_slice);
		device += device_slice(b, k, first + per_slice, per_slice);
		out->device_mibs[out->count] = mib / device;
		out->bare_mibs[out->count] = mib / bare;
		out->ratio[out->count] = bare / device;
		out->count++;
	}
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The value below which `share` of the samples lie (sorts v). */
static double quantile(double *v, unsigned n, double share)
{
	qsort(v, n, sizeof(*v), compare);
	return v[(unsigned)(share * (n - 1) + 0.5)];
}

static void setup(struct bench *b, char *image)
{
	char error[256];
	struct virtio_host host;
	struct virtio_device device;

	if (make_image(image, "/tmp", IMAGE_BYTES) < 0)
		die("cannot make the image in /tmp");
	if (virtio_blk_open(&b->blk, image, stderr, error, sizeof(error)) < 0)
		die(error);
	b->bare_fd = open(image, O_RDWR | O_CLOEXEC);
	if (b->bare_fd < 0)
		die("cannot open the image again");
	test_host_init(&b->h, RAM_SIZE);
	host = test_host_callbacks(&b->h);
	device = virtio_blk_device(&b->blk);
	virtio_mmio_init(&b->t, &host, &device);
	if (driver_start(&b->d, &b->t, &b->h, FEATURES, VIRTQ_SIZE_MAX) < 0)
		die("the driver could not start the device");
}

int main(int argc, char **argv)
{
	static const struct kind kinds[] = {
	    {"read  4 KiB", VIRTIO_BLK_T_IN, 4096},
	    {"write 4 KiB", VIRTIO_BLK_T_OUT, 4096},
	    {"read  64 KiB", VIRTIO_BLK_T_IN, 65536},
	    {"write 64 KiB", VIRTIO_BLK_T_OUT, 65536},
	};
	enum { KINDS = sizeof(kinds) / sizeof(kinds[0]) };
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : ROUNDS;
	static struct samples samples[KINDS];
	struct bench b;
	char image[64];

	if (rounds < 1 || rounds > 256)
		die("ROUNDS: 1 to 256");
	memset(&b, 0, sizeof(b));
	setup(&b, image);
	/* Warm up: the whole image into the page cache, both ways once. */
	for (unsigned k = 0; k < KINDS; k++) {
		device_slice(&b, &kinds[k], 0, IMAGE_BYTES / kinds[k].size);
		bare_slice(&b, &kinds[k], 0, IMAGE_BYTES / kinds[k].size);
	}

	printf("virtio-blk request path against bare pread/pwrite: %u rounds of %u MiB each way\n"
	       "in 4 MiB slices taken in turn, one request per notification, image %s\n"
	       "(%u MiB, in the page cache)\n",
	       rounds, CHUNK_BYTES >> 20, image, IMAGE_BYTES >> 20);
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned k = 0; k < KINDS; k++)
			round_of(&b, &kinds[k], &samples[k]);

	printf("%-13s %13s %13s %8s %16s\n", "", "device MiB/s", "bare MiB/s", "ratio",
	       "ratio p10..p90");
	for (unsigned k = 0; k < KINDS; k++) {
		struct samples *m = &samples[k];
		double device = quantile(m->device_mibs, m->count, 0.5);
		double bare = quantile(m->bare_mibs, m->count, 0.5);
		double low = quantile(m->ratio, m->count, 0.1),
		       high = quantile(m->ratio, m->count, 0.9);

		printf("%-13s %13.0f %13.0f %8.3f %9.3f..%.3f\n", kinds[k].name, device, bare,
		       quantile(m->ratio, m->count, 0.5), low, high);
	}
	printf("(medians over %u samples, each 8 MiB each way; ratio: device throughput / bare "
	       "throughput in the same sample)\n",
	       samples[0].count);
	if (b.h.nreports)
		printf("the device reported %u fault(s), the first: %s\n", b.h.nreports,
		       b.h.reports[0]);

	virtio_blk_close(&b.blk);
	close(b.bare_fd);
	unlink(image);
	free(b.h.ram);
	return 0;
}
