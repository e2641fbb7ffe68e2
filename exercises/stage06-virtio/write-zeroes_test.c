/*
 * Exercise 06-write-zeroes (hard): a new request type, behind a feature bit, with its limits.
 * Make the device offer VIRTIO_BLK_F_WRITE_ZEROES (feature bit 14, virtio 1.2 section 5.2.3)
 * and serve VIRTIO_BLK_T_WRITE_ZEROES (type 13, 5.2.6): its data is one device-readable
 * struct virtio_blk_discard_write_zeroes (16 bytes: le64 sector, le32 num_sectors, le32
 * flags), and the device makes those sectors read as zeroes. Its config space grows to say the
 * limits (5.2.4): max_write_zeroes_sectors (le32 at byte 48) 2048, max_write_zeroes_seg (le32
 * at byte 52) 1, write_zeroes_may_unmap (byte 56) 0. As for a write: a read-only disk or
 * sectors past the capacity get VIRTIO_BLK_S_IOERR and the image does not change; a flag
 * other than unmap (bit 0) gets VIRTIO_BLK_S_UNSUPP (5.2.6.2). The test drives the device
 * through its registers, without KVM, and reads the image file.
 * order: 3
 * hint: serve() in virtio_blk.c dispatches on the type: blk_write() is the model (read-only,
 * direction, check_range(), transfer() with iovecs, the sync without FLUSH); copy the 16
 * bytes with copy_from_stream(); zeroes can come from one static buffer, written in pieces
 */
#include "disk_device.h"
#include "kvm_check.h"

#define SECTORS 64
#define IMAGE_BYTES (SECTORS * VIRTIO_BLK_SECTOR_SIZE)
#define FEATURE_WRITE_ZEROES 14 /* VIRTIO_BLK_F_WRITE_ZEROES, 5.2.3 */
#define TYPE_WRITE_ZEROES 13 /* VIRTIO_BLK_T_WRITE_ZEROES, 5.2.6 */
#define FLAG_UNMAP 1 /* flags bit 0 of struct virtio_blk_discard_write_zeroes */
#define FLAG_UNKNOWN 2 /* bit 1: reserved */
#define SEGMENT_BYTES 16
/* struct virtio_blk_config, 5.2.4 */
#define CONFIG_MAX_WRITE_ZEROES_SECTORS 48
#define CONFIG_MAX_WRITE_ZEROES_SEG 52
#define CONFIG_WRITE_ZEROES_MAY_UNMAP 56
#define FEATURES                                                                                   \
	(VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH) |                 \
	 VIRTIO_FEATURE(FEATURE_WRITE_ZEROES))

static struct disk_device x;
static uint8_t expected[IMAGE_BYTES];

/* A device on a fresh image; a driver that took WRITE_ZEROES, unless the disk is read-only. */
static void attach(bool read_only)
{
	disk_device_open(&x, SECTORS, read_only);
	for (unsigned i = 0; i < IMAGE_BYTES; i++)
		expected[i] = image_pattern(i);
	disk_device_start(&x, FEATURES | (read_only ? VIRTIO_FEATURE(VIRTIO_BLK_F_RO) : 0));
}

/* One WRITE_ZEROES request; returns its status byte, fails the test if it was not used. */
static int write_zeroes(uint64_t sector, uint32_t sectors, uint32_t flags)
{
	uint8_t *segment = x.h.ram + DRIVER_DATA_GPA;
	uint32_t written;

	virtio_put_le64(segment, sector);
	virtio_put_le32(segment + 8, sectors);
	virtio_put_le32(segment + 12, flags);
	int status =
	    blk_request(&x.d, TYPE_WRITE_ZEROES, 0, DRIVER_DATA_GPA, SEGMENT_BYTES, &written);
	ck_assert_msg(status >= 0, "the device did not use the WRITE_ZEROES request");
	ck_assert_msg(mmio_read32(&x.t, VIRTIO_MMIO_STATUS) ==
			  (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK),
		      "after a WRITE_ZEROES request the device needs a reset: it must answer it");
	return status;
}

/* The image file is `expected`, byte for byte. */
static void assert_image(void)
{
	static uint8_t now[IMAGE_BYTES];

	disk_device_bytes(&x, 0, now, sizeof(now));
	for (unsigned i = 0; i < IMAGE_BYTES; i++)
		ck_assert_msg(now[i] == expected[i],
			      "image byte %u (sector %u) is 0x%02x, not 0x%02x", i,
			      i / VIRTIO_BLK_SECTOR_SIZE, now[i], expected[i]);
}

static void teardown(void)
{
	disk_device_close(&x);
}

START_TEST(offers_it_and_says_its_limits)
{
	disk_device_open(&x, SECTORS, false);
	uint64_t offered = disk_device_offers(&x);

	ck_assert_msg(offered & VIRTIO_FEATURE(FEATURE_WRITE_ZEROES),
		      "the device offers 0x%llx, without VIRTIO_BLK_F_WRITE_ZEROES (bit 14)",
		      (unsigned long long)offered);
	ck_assert_uint_eq(mmio_read32(&x.t, VIRTIO_MMIO_CONFIG), SECTORS);
	ck_assert_uint_eq(mmio_read32(&x.t, VIRTIO_MMIO_CONFIG + CONFIG_MAX_WRITE_ZEROES_SECTORS),
			  2048);
	ck_assert_uint_eq(mmio_read32(&x.t, VIRTIO_MMIO_CONFIG + CONFIG_MAX_WRITE_ZEROES_SEG), 1);
	ck_assert_uint_eq(
	    mmio_read32(&x.t, VIRTIO_MMIO_CONFIG + CONFIG_WRITE_ZEROES_MAY_UNMAP) & 0xff, 0);
	ck_assert_msg(x.h.nreports == 0, "the transport refused a config read: %s", x.h.reports[0]);
}
END_TEST

START_TEST(zeroes_sectors_5_to_11)
{
	attach(false);
	ck_assert_int_eq(write_zeroes(5, 7, 0), VIRTIO_BLK_S_OK);
	memset(expected + 5 * VIRTIO_BLK_SECTOR_SIZE, 0, 7 * VIRTIO_BLK_SECTOR_SIZE);
	assert_image();
}
END_TEST

START_TEST(zeroes_the_last_sector_with_unmap)
{
	attach(false);
	ck_assert_int_eq(write_zeroes(SECTORS - 1, 1, FLAG_UNMAP), VIRTIO_BLK_S_OK);
	memset(expected + (SECTORS - 1) * VIRTIO_BLK_SECTOR_SIZE, 0, VIRTIO_BLK_SECTOR_SIZE);
	assert_image();
}
END_TEST

START_TEST(past_the_capacity_is_an_io_error)
{
	attach(false);
	ck_assert_int_eq(write_zeroes(SECTORS - 2, 3, 0), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(write_zeroes(UINT64_MAX / 2, 1, 0), VIRTIO_BLK_S_IOERR);
	assert_image();
}
END_TEST

START_TEST(an_unknown_flag_is_unsupported)
{
	attach(false);
	ck_assert_int_eq(write_zeroes(1, 1, FLAG_UNKNOWN), VIRTIO_BLK_S_UNSUPP);
	assert_image();
}
END_TEST

START_TEST(a_read_only_disk_refuses_it)
{
	attach(true);
	ck_assert_int_eq(write_zeroes(1, 1, 0), VIRTIO_BLK_S_IOERR);
	assert_image();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 06-write-zeroes");
	TCase *tc = tcase_create("write-zeroes");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, offers_it_and_says_its_limits);
	tcase_add_test(tc, zeroes_sectors_5_to_11);
	tcase_add_test(tc, zeroes_the_last_sector_with_unmap);
	tcase_add_test(tc, past_the_capacity_is_an_io_error);
	tcase_add_test(tc, an_unknown_flag_is_unsupported);
	tcase_add_test(tc, a_read_only_disk_refuses_it);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
