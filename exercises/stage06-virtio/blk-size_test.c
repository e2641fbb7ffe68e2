/*
 * Exercise 06-blk-size (medium): a configuration space field behind a feature bit.
 * Make the device offer VIRTIO_BLK_F_BLK_SIZE (feature bit 6, virtio 1.2 section 5.2.3) and
 * fill its field blk_size: a le32 at byte 20 of struct virtio_blk_config (5.2.4, after
 * capacity, size_max, seg_max and geometry), 4096, the disk's block size. The protocol's
 * unit stays 512 bytes (5.2.5): capacity and a request's sector do not change. The test
 * drives the device through its registers, as a driver does, without KVM.
 * order: 2
 * hint: offered_features() in virtio_blk.c says what the device offers; the config space is
 * blk->config, VIRTIO_BLK_CONFIG_SIZE bytes, filled in virtio_blk_open() with
 * virtio_put_le64(); the transport takes its size from the device and reads any field in it
 */
#include "disk_device.h"
#include "kvm_check.h"

#define SECTORS 40
#define FEATURE_BLK_SIZE 6 /* VIRTIO_BLK_F_BLK_SIZE, 5.2.3 */
#define CONFIG_BLK_SIZE 20 /* blk_size in struct virtio_blk_config, 5.2.4 */
#define BLOCK_BYTES 4096

static struct disk_device x;

static void setup(void)
{
	disk_device_open(&x, SECTORS, false);
}

static void teardown(void)
{
	disk_device_close(&x);
}

START_TEST(offers_blk_size_with_the_rest)
{
	uint64_t offered = disk_device_offers(&x);

	ck_assert_msg(offered & VIRTIO_FEATURE(FEATURE_BLK_SIZE),
		      "the device offers 0x%llx, without VIRTIO_BLK_F_BLK_SIZE (bit 6)",
		      (unsigned long long)offered);
	ck_assert_msg((offered & VIRTIO_FEATURE(VIRTIO_F_VERSION_1)) &&
			  (offered & VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH)),
		      "the device offers 0x%llx: VERSION_1 and FLUSH went missing",
		      (unsigned long long)offered);
}
END_TEST

START_TEST(config_space_holds_capacity_and_blk_size)
{
	uint32_t low = mmio_read32(&x.t, VIRTIO_MMIO_CONFIG);
	uint32_t high = mmio_read32(&x.t, VIRTIO_MMIO_CONFIG + 4);
	uint32_t blk_size = mmio_read32(&x.t, VIRTIO_MMIO_CONFIG + CONFIG_BLK_SIZE);

	ck_assert_msg(x.h.nreports == 0, "the transport refused a config read: %s", x.h.reports[0]);
	ck_assert_msg(low == SECTORS && high == 0,
		      "capacity reads 0x%08x%08x, not %u: it counts 512-byte sectors (5.2.4)", high,
		      low, SECTORS);
	ck_assert_msg(blk_size == BLOCK_BYTES, "blk_size (config byte 20) reads %u, not %u",
		      blk_size, BLOCK_BYTES);
}
END_TEST

/* A driver that takes the feature gets FEATURES_OK, and still counts sectors of 512 bytes. */
START_TEST(sectors_stay_512_bytes_when_negotiated)
{
	uint8_t want[VIRTIO_BLK_SECTOR_SIZE];
	uint32_t written;

	disk_device_start(&x, VIRTIO_FEATURE(VIRTIO_F_VERSION_1) |
				  VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH) |
				  VIRTIO_FEATURE(FEATURE_BLK_SIZE));
	ck_assert_int_eq(blk_request(&x.d, VIRTIO_BLK_T_IN, 9, DRIVER_DATA_GPA,
				     VIRTIO_BLK_SECTOR_SIZE, &written),
			 VIRTIO_BLK_S_OK);
	disk_device_bytes(&x, 9 * VIRTIO_BLK_SECTOR_SIZE, want, sizeof(want));
	ck_assert_msg(memcmp(x.h.ram + DRIVER_DATA_GPA, want, sizeof(want)) == 0,
		      "a read of sector 9 did not give the image's bytes 4608-5119");
	ck_assert_uint_eq(written, VIRTIO_BLK_SECTOR_SIZE + 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 06-blk-size");
	TCase *tc = tcase_create("blk-size");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, offers_blk_size_with_the_rest);
	tcase_add_test(tc, config_space_holds_capacity_and_blk_size);
	tcase_add_test(tc, sectors_stay_512_bytes_when_negotiated);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
