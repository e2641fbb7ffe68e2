/*
 * virtio-blk (virtio_blk.c) on a temporary image, through the virtio-mmio
 * transport, driven as a guest's driver would drive it: opening the image,
 * each request type, and every malformed or hostile request, with its
 * status byte, its diagnostic, the device status, and the image's bytes
 * afterwards. No /dev/kvm needed.
 */
#include "kvm_check.h"
#include "virtio_driver.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAM_SIZE 0x40000
#define SECTORS 64 /* the image's */
#define IMAGE_BYTES (SECTORS * VIRTIO_BLK_SECTOR_SIZE)
#define DATA DRIVER_DATA_GPA
#define FEATURES (VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH))
#define NOBODY 65534
#define ALL_STATUS                                                                                 \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |            \
	 VIRTIO_STATUS_DRIVER_OK)

static char image[40];
static uint8_t original[IMAGE_BYTES];
static struct virtio_blk blk;
static struct test_host h;
static struct virtio_mmio t;
static struct driver d;
static char error[256];

/* The device on `arg` (the image, with or without ",ro"), the driver set up with features. */
static void attach(const char *arg, uint64_t features)
{
	struct virtio_host host = test_host_callbacks(&h);
	struct virtio_device device;

	ck_assert_msg(virtio_blk_open(&blk, arg, NULL, error, sizeof(error)) == 0, "%s", error);
	device = virtio_blk_device(&blk);
	virtio_mmio_init(&t, &host, &device);
	ck_assert_int_eq(driver_start(&d, &t, &h, features, 16), 0);
}

static void setup(void)
{
	ck_assert_int_eq(make_image(image, "/tmp", IMAGE_BYTES), 0);
	for (unsigned i = 0; i < IMAGE_BYTES; i++)
		original[i] = image_pattern(i);
	test_host_init(&h, RAM_SIZE);
	memset(&blk, 0, sizeof(blk));
	blk.fd = -1;
}

static void setup_attached(void)
{
	setup();
	attach(image, FEATURES);
}

static void teardown(void)
{
	virtio_blk_close(&blk);
	unlink(image);
	free(h.ram);
}

static void read_image(uint8_t *out, size_t size)
{
	int fd = open(image, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, out, size, 0), (ssize_t)size);
	close(fd);
}

static void assert_image_unchanged(void)
{
	static uint8_t now[IMAGE_BYTES];

	read_image(now, sizeof(now));
	ck_assert_msg(memcmp(now, original, sizeof(now)) == 0, "the image changed");
}

static uint32_t status_register(void)
{
	return mmio_read32(&t, VIRTIO_MMIO_STATUS);
}

/* The single report so far says text. */
#define ASSERT_REPORT(text)                                                                        \
	do {                                                                                       \
		ck_assert_msg(h.nreports == 1, "%u reports (first: %s)", h.nreports,               \
			      h.nreports ? h.reports[0] : "none");                                 \
		ck_assert_msg(strstr(h.reports[0], text), "\"%s\" does not say \"%s\"",            \
			      h.reports[0], text);                                                 \
	} while (0)

/* A request that completed with `status`, after which the device still works. */
#define ASSERT_COMPLETED(result, status)                                                           \
	do {                                                                                       \
		ck_assert_int_eq((result), (status));                                              \
		ck_assert_uint_eq(status_register(), ALL_STATUS);                                  \
	} while (0)

/* ---- opening the image ---- */

START_TEST(a_writable_image_offers_flush_and_its_capacity)
{
	attach(image, FEATURES);
	ck_assert_uint_eq(blk.capacity, SECTORS);
	ck_assert_uint_eq(mmio_read32(&t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	mmio_write32(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(mmio_read32(&t, VIRTIO_MMIO_DEVICE_FEATURES), 1u << VIRTIO_BLK_F_FLUSH);
	mmio_write32(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(mmio_read32(&t, VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1 */
	ck_assert_uint_eq(mmio_read32(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_BLK_QUEUE_SIZE);
	/* capacity, a 64-bit field, read as two 32-bit halves (4.2.2.2) */
	ck_assert_uint_eq(mmio_read32(&t, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CONFIG_CAPACITY),
			  SECTORS);
	ck_assert_uint_eq(mmio_read32(&t, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CONFIG_CAPACITY + 4), 0);
	ck_assert_uint_eq(h.nreports, 0);
}
END_TEST

START_TEST(a_read_only_image_offers_ro)
{
	char arg[64];

	snprintf(arg, sizeof(arg), "%s,ro", image);
	attach(arg, FEATURES | VIRTIO_FEATURE(VIRTIO_BLK_F_RO));
	ck_assert(blk.read_only);
	ck_assert_str_eq(blk.path, image);
	mmio_write32(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(mmio_read32(&t, VIRTIO_MMIO_DEVICE_FEATURES),
			  1u << VIRTIO_BLK_F_FLUSH | 1u << VIRTIO_BLK_F_RO);
}
END_TEST

static void assert_open_fails(const char *arg, const char *text)
{
	ck_assert_int_eq(virtio_blk_open(&blk, arg, NULL, error, sizeof(error)), -1);
	ck_assert_msg(strstr(error, text), "\"%s\" does not say \"%s\"", error, text);
	ck_assert_int_eq(blk.fd, -1);
}

START_TEST(a_missing_image)
{
	assert_open_fails("/tmp/virtio-test-no-such-image",
			  "disk image /tmp/virtio-test-no-such-image: No such file or directory");
	assert_open_fails("/tmp/virtio-test-no-such-image,ro", "No such file or directory");
}
END_TEST

START_TEST(a_directory)
{
	assert_open_fails("/tmp", "disk image /tmp is a directory, not a file");
	assert_open_fails("/tmp,ro", "disk image /tmp is a directory, not a file");
}
END_TEST

START_TEST(not_a_regular_file)
{
	assert_open_fails("/dev/null,ro", "disk image /dev/null is not a regular file");
}
END_TEST

START_TEST(an_empty_image)
{
	ck_assert_int_eq(truncate(image, 0), 0);
	assert_open_fails(image, "is empty: a disk needs at least one sector of 512 bytes");
}
END_TEST

START_TEST(an_image_under_one_sector)
{
	ck_assert_int_eq(truncate(image, 100), 0);
	assert_open_fails(image, "holds 100 bytes, less than one sector of 512");
}
END_TEST

START_TEST(no_file_name)
{
	assert_open_fails("", "a disk needs a file: FILE or FILE,ro");
	assert_open_fails(",ro", "a disk needs a file");
}
END_TEST

/*
 * As root, permissions do not apply: the image is given to nobody and the test
 * becomes nobody (Check forks each test), who can still unlink it afterwards.
 */
static void become_nobody(void)
{
	if (geteuid() != 0)
		return;
	ck_assert_int_eq(chown(image, NOBODY, (gid_t)-1), 0);
	ck_assert_int_eq(setuid(NOBODY), 0);
}

START_TEST(an_unreadable_image)
{
	ck_assert_int_eq(chmod(image, 0), 0);
	become_nobody();
	char arg[64];
	snprintf(arg, sizeof(arg), "%s,ro", image);
	assert_open_fails(arg, "Permission denied");
	assert_open_fails(image, "Permission denied");
	ck_assert_ptr_null(strstr(error, ",ro")); /* no use suggesting it: it cannot be read */
}
END_TEST

START_TEST(a_read_only_file_suggests_ro)
{
	ck_assert_int_eq(chmod(image, 0444), 0);
	become_nobody();
	assert_open_fails(image, "Permission denied: it cannot be written; to use it read-only, "
				 "give /tmp/virtio-test-");
	char arg[64];
	snprintf(arg, sizeof(arg), "%s,ro", image);
	ck_assert_msg(virtio_blk_open(&blk, arg, NULL, error, sizeof(error)) == 0, "%s", error);
}
END_TEST

/* flock: a writer has the image alone; readers share it. */
START_TEST(a_locked_image)
{
	struct virtio_blk other, third;
	char arg[64];

	snprintf(arg, sizeof(arg), "%s,ro", image);
	ck_assert_int_eq(virtio_blk_open(&other, image, NULL, error, sizeof(error)), 0);
	assert_open_fails(image, "is in use: another process holds its lock (another VMM?)");
	assert_open_fails(arg, "is in use");
	virtio_blk_close(&other);

	ck_assert_int_eq(virtio_blk_open(&other, arg, NULL, error, sizeof(error)), 0);
	ck_assert_msg(virtio_blk_open(&third, arg, NULL, error, sizeof(error)) == 0, "%s", error);
	assert_open_fails(image, "is in use");
	virtio_blk_close(&other);
	virtio_blk_close(&third);
	virtio_blk_close(&third); /* twice is harmless */
	ck_assert_msg(virtio_blk_open(&blk, image, NULL, error, sizeof(error)) == 0, "%s", error);
}
END_TEST

START_TEST(a_size_that_is_not_whole_sectors_is_rounded_down)
{
	char *said = NULL;
	size_t said_size = 0;
	FILE *log = open_memstream(&said, &said_size);

	ck_assert_int_eq(truncate(image, 3 * 512 + 100), 0);
	ck_assert_int_eq(virtio_blk_open(&blk, image, log, error, sizeof(error)), 0);
	fclose(log);
	ck_assert_uint_eq(blk.capacity, 3);
	ck_assert_msg(strstr(said, "1636 bytes is not a whole number of 512-byte sectors; the disk "
				   "is its first 3 sectors, the last 100 bytes are not used\n"),
		      "%s", said);
	free(said);
}
END_TEST

/* ---- requests ---- */

START_TEST(read_sector_zero)
{
	uint32_t written;

	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_IN, 0, DATA, 512, &written), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(h.ram + DATA, original, 512);
	ck_assert_uint_eq(written, 513); /* the data and the status byte (2.7.8) */
	ck_assert_uint_eq(blk.stats.reads, 1);
	ck_assert_uint_eq(blk.stats.bytes_read, 512);
	ck_assert_int_eq(test_host_irq(&h), 1);
	ck_assert_uint_eq(h.nreports, 0);
}
END_TEST

START_TEST(read_up_to_the_last_sector)
{
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_IN, SECTORS - 8, DATA, 8 * 512, NULL),
			 VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(h.ram + DATA, original + (SECTORS - 8) * 512, 8 * 512);
}
END_TEST

/*
 * The device may not assume how a request is cut into descriptors (2.7.4.1):
 * a header in two pieces, data in three, the status byte at the end of the last.
 */
START_TEST(a_request_cut_anywhere)
{
	struct segment s[5] = {
	    {DRIVER_HEADER_GPA, 10, false}, {DRIVER_HEADER_GPA + 10, 6, false}, {DATA, 100, true},
	    {DATA + 0x1000, 412, true},     {DATA + 0x2000, 512 + 1, true}, /* the second sector,
									       then the status */
	};
	uint32_t id, len;

	virtio_put_le32(h.ram + DRIVER_HEADER_GPA + VIRTIO_BLK_REQ_TYPE, VIRTIO_BLK_T_IN);
	virtio_put_le64(h.ram + DRIVER_HEADER_GPA + VIRTIO_BLK_REQ_SECTOR, 5);
	driver_offer(&d, driver_chain(&d, s, 5));
	driver_kick(&d);
	ck_assert(driver_take_used(&d, &id, &len));
	ck_assert_uint_eq(len, 1025);
	ck_assert_uint_eq(h.ram[DATA + 0x2000 + 512], VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(h.ram + DATA, original + 5 * 512, 100);
	ck_assert_mem_eq(h.ram + DATA + 0x1000, original + 5 * 512 + 100, 412);
	ck_assert_mem_eq(h.ram + DATA + 0x2000, original + 6 * 512, 512);
	ck_assert_uint_eq(h.nreports, 0);
}
END_TEST

START_TEST(write_then_read_back)
{
	uint8_t now[IMAGE_BYTES];

	for (int i = 0; i < 1024; i++)
		h.ram[DATA + i] = (uint8_t)(0xa0 ^ i);
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_OUT, 10, DATA, 1024, NULL), VIRTIO_BLK_S_OK);
	read_image(now, sizeof(now));
	ck_assert_mem_eq(now + 10 * 512, h.ram + DATA, 1024);
	ck_assert_mem_eq(now, original, 10 * 512); /* nothing else moved */
	ck_assert_mem_eq(now + 12 * 512, original + 12 * 512, IMAGE_BYTES - 12 * 512);

	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_IN, 10, DATA + 0x4000, 1024, NULL),
			 VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(h.ram + DATA + 0x4000, h.ram + DATA, 1024);
	ck_assert_uint_eq(blk.stats.writes, 1);
	ck_assert_uint_eq(blk.stats.bytes_written, 1024);
	ck_assert_uint_eq(blk.stats.syncs, 0); /* FLUSH negotiated: the driver flushes */
}
END_TEST

/* Several requests, one notification: each served, one interrupt. */
START_TEST(a_batch_of_requests)
{
	uint16_t heads[3];
	uint32_t id, len;

	heads[0] = blk_prepare(&d, VIRTIO_BLK_T_IN, 1, DATA, 512);
	heads[1] = blk_prepare(&d, VIRTIO_BLK_T_IN, 2, DATA + 512, 512);
	heads[2] = blk_prepare(&d, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		driver_offer(&d, heads[i]);
	driver_kick(&d);
	for (int i = 0; i < 3; i++) {
		ck_assert(driver_take_used(&d, &id, &len));
		ck_assert_uint_eq(id, heads[i]);
		ck_assert_uint_eq(blk_status(&d, heads[i]), VIRTIO_BLK_S_OK);
	}
	ck_assert_mem_eq(h.ram + DATA, original + 512, 1024);
	ck_assert_uint_eq(h.nlevels, 1);
}
END_TEST

START_TEST(flush_syncs_the_image)
{
	uint32_t written;

	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, &written), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(written, 1);
	ck_assert_uint_eq(blk.stats.flushes, 1);
	ck_assert_uint_eq(blk.stats.syncs, 1);
}
END_TEST

/* Without FLUSH negotiated, a completed write must already be stable (5.2.6.2). */
START_TEST(writes_are_synced_when_flush_was_not_negotiated)
{
	attach(image, VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_OUT, 0, DATA, 512, NULL), VIRTIO_BLK_S_OK);
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_OUT, 1, DATA, 512, NULL), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(blk.stats.syncs, 2);
}
END_TEST

START_TEST(get_id_gives_the_image_name)
{
	uint32_t written;
	char id[VIRTIO_BLK_ID_BYTES] = {0};

	memset(h.ram + DATA, 0xff, 32);
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_GET_ID, 0, DATA, 20, &written),
			 VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(written, 21);
	memcpy(id, image + 5, strlen(image + 5)); /* "virtio-test-XXXXXX", NUL-padded */
	ck_assert_mem_eq(h.ram + DATA, id, 20);
	ck_assert_uint_eq(h.ram[DATA + 20], 0xff); /* not one byte more */
}
END_TEST

/* A name longer than 20 bytes: its last 20, with no NUL (5.2.6). */
START_TEST(a_long_name_keeps_its_end)
{
	char arg[64];

	snprintf(arg, sizeof(arg), "%s-and-a-long-name", image);
	ck_assert_int_eq(rename(image, arg), 0);
	strcpy(image, arg); /* teardown unlinks it */
	attach(arg, FEATURES);
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_GET_ID, 0, DATA, 20, NULL), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(h.ram + DATA, arg + strlen(arg) - 20, 20);
}
END_TEST

START_TEST(get_id_takes_exactly_20_bytes)
{
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_GET_ID, 0, DATA, 16, NULL),
			 VIRTIO_BLK_S_IOERR);
	ASSERT_REPORT("a GET_ID request with 16 data bytes; the ID takes exactly 20");
}
END_TEST

START_TEST(other_request_types_are_unsupported)
{
	static const uint32_t types[] = {VIRTIO_BLK_T_DISCARD,
					 VIRTIO_BLK_T_WRITE_ZEROES,
					 VIRTIO_BLK_T_SECURE_ERASE,
					 VIRTIO_BLK_T_GET_LIFETIME,
					 2,
					 0xffffffff};

	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		ASSERT_COMPLETED(blk_request(&d, types[i], 0, DATA, 512, NULL),
				 VIRTIO_BLK_S_UNSUPP);
	ASSERT_REPORT("request type 11 is not supported: VIRTIO_BLK_S_UNSUPP");
	ck_assert_uint_eq(blk.stats.unsupported, 6);
	assert_image_unchanged();
}
END_TEST

/* ---- refused requests: an answer, a diagnostic, the image as it was ---- */

START_TEST(a_read_past_the_capacity)
{
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_IN, SECTORS - 1, DATA, 1024, NULL),
			 VIRTIO_BLK_S_IOERR);
	ASSERT_REPORT("a read of 2 sector(s) at sector 63, past the capacity of 64 sectors");
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_IN, SECTORS, DATA, 512, NULL),
			 VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(blk.stats.failed, 2);
	/* The device goes on. */
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_IN, SECTORS - 1, DATA, 512, NULL),
			 VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(a_write_past_the_capacity)
{
	memset(h.ram + DATA, 0x5a, 4096);
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_OUT, SECTORS - 2, DATA, 4096, NULL),
			 VIRTIO_BLK_S_IOERR);
	ASSERT_REPORT("a write of 8 sector(s) at sector 62, past the capacity");
	assert_image_unchanged();
}
END_TEST

/* sector * 512 past 2^64: a device that multiplied first would land inside the disk. */
START_TEST(a_sector_whose_byte_offset_overflows)
{
	const uint64_t wraps_to_zero = UINT64_C(1) << 55; /* * 512 = 2^64 */

	memset(h.ram + DATA, 0x5a, 512);
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_OUT, wraps_to_zero, DATA, 512, NULL),
			 VIRTIO_BLK_S_IOERR);
	ASSERT_REPORT("a write at sector 36028797018963968, whose byte offset overflows 64 bits");
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_IN, UINT64_MAX, DATA, 512, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_image_unchanged();
}
END_TEST

START_TEST(the_largest_sector_that_does_not_overflow_is_past_the_capacity)
{
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_IN, UINT64_MAX / 512, DATA, 512, NULL),
			 VIRTIO_BLK_S_IOERR);
	ASSERT_REPORT("past the capacity of 64 sectors");
}
END_TEST

START_TEST(data_that_is_not_whole_sectors)
{
	memset(h.ram + DATA, 0x5a, 512);
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_OUT, 0, DATA, 100, NULL), VIRTIO_BLK_S_IOERR);
	ASSERT_REPORT("a write of 100 bytes, not a whole number of 512-byte sectors");
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_IN, 0, DATA, 513, NULL), VIRTIO_BLK_S_IOERR);
	assert_image_unchanged();
}
END_TEST

/* 5.2.6.2: IOERR for a write when VIRTIO_BLK_F_RO was offered, and no data written. */
START_TEST(a_write_to_a_read_only_disk)
{
	char arg[64];

	snprintf(arg, sizeof(arg), "%s,ro", image);
	attach(arg, FEATURES | VIRTIO_FEATURE(VIRTIO_BLK_F_RO));
	memset(h.ram + DATA, 0x5a, 512);
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_OUT, 3, DATA, 512, NULL), VIRTIO_BLK_S_IOERR);
	ASSERT_REPORT("a write (OUT) at sector 3 to a read-only disk (VIRTIO_BLK_F_RO): "
		      "VIRTIO_BLK_S_IOERR, nothing written");
	assert_image_unchanged();
	/* Reads and flushes still work; a flush has nothing to sync. */
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_IN, 3, DATA, 512, NULL), VIRTIO_BLK_S_OK);
	ASSERT_COMPLETED(blk_request(&d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, NULL), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(blk.stats.syncs, 0);
}
END_TEST

/* Offers a chain of raw descriptors 0..count-1, kicks; the used entry's len, or -1. */
static int64_t raw_request(const struct segment *s, unsigned count)
{
	uint32_t id, len;

	driver_offer(&d, driver_chain(&d, s, count));
	driver_kick(&d);
	return driver_take_used(&d, &id, &len) ? (int64_t)len : -1;
}

static void put_header(uint32_t type, uint64_t sector)
{
	virtio_put_le32(h.ram + DRIVER_HEADER_GPA + VIRTIO_BLK_REQ_TYPE, type);
	virtio_put_le64(h.ram + DRIVER_HEADER_GPA + VIRTIO_BLK_REQ_SECTOR, sector);
	h.ram[DRIVER_STATUS_GPA] = 0xee;
}

START_TEST(a_header_shorter_than_16_bytes)
{
	struct segment s[2] = {{DRIVER_HEADER_GPA, 8, false}, {DRIVER_STATUS_GPA, 1, true}};

	put_header(VIRTIO_BLK_T_OUT, 0);
	ck_assert_int_eq(raw_request(s, 2), 1);
	ck_assert_uint_eq(h.ram[DRIVER_STATUS_GPA], VIRTIO_BLK_S_IOERR);
	ASSERT_REPORT("has 8 device-readable bytes, fewer than its 16-byte header");
	ck_assert_uint_eq(status_register(), ALL_STATUS);
	assert_image_unchanged();
}
END_TEST

/* No device-writable byte: no status can be written, so the device must be reset. */
START_TEST(a_status_that_is_not_device_writable)
{
	struct segment s[3] = {
	    {DRIVER_HEADER_GPA, 16, false}, {DATA, 512, false}, {DRIVER_STATUS_GPA, 1, false}};

	memset(h.ram + DATA, 0x5a, 512);
	put_header(VIRTIO_BLK_T_OUT, 0);
	ck_assert_int_eq(raw_request(s, 3), -1);
	ASSERT_REPORT("the request at descriptor 0 has no device-writable byte for its status (its "
		      "last descriptor is device-readable): the device needs a reset");
	ck_assert_uint_eq(status_register(), ALL_STATUS | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert_uint_eq(mmio_read32(&t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(h.ram[DRIVER_STATUS_GPA], 0xee);
	assert_image_unchanged();
}
END_TEST

START_TEST(an_empty_status_buffer)
{
	struct segment s[2] = {{DRIVER_HEADER_GPA, 16, false}, {DRIVER_STATUS_GPA, 0, true}};

	put_header(VIRTIO_BLK_T_FLUSH, 0);
	ck_assert_int_eq(raw_request(s, 2), -1);
	ASSERT_REPORT("its last descriptor is device-writable but empty");
	ck_assert_uint_eq(status_register(), ALL_STATUS | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}
END_TEST

START_TEST(a_read_whose_data_is_device_readable)
{
	struct segment s[3] = {
	    {DRIVER_HEADER_GPA, 16, false}, {DATA, 512, false}, {DRIVER_STATUS_GPA, 1, true}};

	memset(h.ram + DATA, 0x5a, 512);
	put_header(VIRTIO_BLK_T_IN, 0);
	ck_assert_int_eq(raw_request(s, 3), 1);
	ck_assert_uint_eq(h.ram[DRIVER_STATUS_GPA], VIRTIO_BLK_S_IOERR);
	ASSERT_REPORT("a read (IN) request with 512 device-readable bytes after its header; its "
		      "data must be device-writable");
	ck_assert_uint_eq(h.ram[DATA], 0x5a); /* the device wrote none of it */
}
END_TEST

START_TEST(a_write_whose_data_is_device_writable)
{
	struct segment s[3] = {
	    {DRIVER_HEADER_GPA, 16, false}, {DATA, 512, true}, {DRIVER_STATUS_GPA, 1, true}};

	memset(h.ram + DATA, 0x5a, 512);
	put_header(VIRTIO_BLK_T_OUT, 0);
	ck_assert_int_eq(raw_request(s, 3), 1);
	ck_assert_uint_eq(h.ram[DRIVER_STATUS_GPA], VIRTIO_BLK_S_IOERR);
	ASSERT_REPORT("a write (OUT) request with 512 device-writable bytes before its status; its "
		      "data must be device-readable");
	assert_image_unchanged();
}
END_TEST

/* A broken chain in a write: the device stops before writing a byte. */
START_TEST(a_write_whose_chain_loops)
{
	memset(h.ram + DATA, 0x5a, 512);
	put_header(VIRTIO_BLK_T_OUT, 0);
	driver_set_desc(&d, 0, DRIVER_HEADER_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	driver_set_desc(&d, 1, DATA, 512, VIRTQ_DESC_F_NEXT, 0);
	driver_offer(&d, 0);
	driver_kick(&d);
	ASSERT_REPORT("the chain from descriptor 0 has more descriptors than the queue's 16: it "
		      "loops");
	ck_assert_uint_eq(status_register(), ALL_STATUS | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_image_unchanged();
}
END_TEST

START_TEST(a_write_whose_data_is_outside_ram)
{
	struct segment s[3] = {{DRIVER_HEADER_GPA, 16, false},
			       {RAM_SIZE - 256, 512, false},
			       {DRIVER_STATUS_GPA, 1, true}};

	put_header(VIRTIO_BLK_T_OUT, 0);
	ck_assert_int_eq(raw_request(s, 3), -1);
	ASSERT_REPORT("descriptor 1: 512 bytes at 0x3ff00 are not all in guest RAM");
	ck_assert_uint_eq(status_register(), ALL_STATUS | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_image_unchanged();
}
END_TEST

/* Every refused write, one after the other, on one device: the image never moves. */
START_TEST(no_refused_write_changes_the_image)
{
	memset(h.ram + DATA, 0x5a, 8192);
	ck_assert_int_eq(blk_request(&d, VIRTIO_BLK_T_OUT, SECTORS, DATA, 512, NULL),
			 VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(blk_request(&d, VIRTIO_BLK_T_OUT, SECTORS - 1, DATA, 1024, NULL),
			 VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(blk_request(&d, VIRTIO_BLK_T_OUT, UINT64_C(1) << 55, DATA, 512, NULL),
			 VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(blk_request(&d, VIRTIO_BLK_T_OUT, 0, DATA, 511, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(blk_request(&d, VIRTIO_BLK_T_OUT, 0, DATA, 1, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(blk.stats.writes, 0);
	ck_assert_uint_eq(blk.stats.failed, 5);
	ck_assert_uint_eq(h.nreports, 3); /* past the capacity, overflow, not whole sectors */
	assert_image_unchanged();
}
END_TEST

static Suite *virtio_blk_suite(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *open_tc = tcase_create("open");
	TCase *requests = tcase_create("requests");
	TCase *refused = tcase_create("refused");

	tcase_add_checked_fixture(open_tc, setup, teardown);
	tcase_add_test(open_tc, a_writable_image_offers_flush_and_its_capacity);
	tcase_add_test(open_tc, a_read_only_image_offers_ro);
	tcase_add_test(open_tc, a_missing_image);
	tcase_add_test(open_tc, a_directory);
	tcase_add_test(open_tc, not_a_regular_file);
	tcase_add_test(open_tc, an_empty_image);
	tcase_add_test(open_tc, an_image_under_one_sector);
	tcase_add_test(open_tc, no_file_name);
	tcase_add_test(open_tc, an_unreadable_image);
	tcase_add_test(open_tc, a_read_only_file_suggests_ro);
	tcase_add_test(open_tc, a_locked_image);
	tcase_add_test(open_tc, a_size_that_is_not_whole_sectors_is_rounded_down);
	tcase_add_test(open_tc, writes_are_synced_when_flush_was_not_negotiated);
	tcase_add_test(open_tc, a_long_name_keeps_its_end);
	tcase_add_test(open_tc, a_write_to_a_read_only_disk);
	suite_add_tcase(s, open_tc);

	tcase_add_checked_fixture(requests, setup_attached, teardown);
	tcase_add_test(requests, read_sector_zero);
	tcase_add_test(requests, read_up_to_the_last_sector);
	tcase_add_test(requests, a_request_cut_anywhere);
	tcase_add_test(requests, write_then_read_back);
	tcase_add_test(requests, a_batch_of_requests);
	tcase_add_test(requests, flush_syncs_the_image);
	tcase_add_test(requests, get_id_gives_the_image_name);
	tcase_add_test(requests, get_id_takes_exactly_20_bytes);
	tcase_add_test(requests, other_request_types_are_unsupported);
	suite_add_tcase(s, requests);

	tcase_add_checked_fixture(refused, setup_attached, teardown);
	tcase_add_test(refused, a_read_past_the_capacity);
	tcase_add_test(refused, a_write_past_the_capacity);
	tcase_add_test(refused, a_sector_whose_byte_offset_overflows);
	tcase_add_test(refused, the_largest_sector_that_does_not_overflow_is_past_the_capacity);
	tcase_add_test(refused, data_that_is_not_whole_sectors);
	tcase_add_test(refused, a_header_shorter_than_16_bytes);
	tcase_add_test(refused, a_status_that_is_not_device_writable);
	tcase_add_test(refused, an_empty_status_buffer);
	tcase_add_test(refused, a_read_whose_data_is_device_readable);
	tcase_add_test(refused, a_write_whose_data_is_device_writable);
	tcase_add_test(refused, a_write_whose_chain_loops);
	tcase_add_test(refused, a_write_whose_data_is_outside_ram);
	tcase_add_test(refused, no_refused_write_changes_the_image);
	suite_add_tcase(s, refused);
	return s;
}

int main(void)
{
	return run_suite(virtio_blk_suite());
}
