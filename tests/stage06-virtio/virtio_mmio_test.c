/*
 * The virtio-mmio transport (virtio_mmio.c), register by register, as a driver
 * sees it: the register map, the status state machine, feature negotiation,
 * queue set-up, notifications and the interrupt line. The device behind it is
 * a fake that records what it is asked to serve, so only the transport is
 * under test. No /dev/kvm needed.
 */
#include "kvm_check.h"
#include "virtio_driver.h"

#include <stdlib.h>
#include <string.h>

#define FAKE_ID 42
#define FAKE_FEATURE 3 /* a device-specific feature the fake offers */
#define FAKE_FEATURES (VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(FAKE_FEATURE))
#define QUEUE_MAX 16
#define ALL_STATUS                                                                                 \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |            \
	 VIRTIO_STATUS_DRIVER_OK)

/* The fake device: a 6-byte config space, and a record of each request served. */
static struct fake {
	uint8_t config[6];
	unsigned served;
	uint16_t heads[64];
	uint64_t features; /* as given to the last serve */
	int result; /* what serve returns */
	bool leave_fault; /* serve leaves a fault in why */
} fake;

static int fake_serve(void *ctx, unsigned queue, const struct virtq_chain *chain, uint64_t features,
		      uint32_t *written, struct virtio_why *why)
{
	struct fake *f = ctx;

	ck_assert_uint_eq(queue, 0);
	f->heads[f->served++ % 64] = chain->head;
	f->features = features;
	*written = 100u + chain->head;
	if (f->leave_fault)
		virtio_fail(why, VIRTIO_FAULT_BLK_TYPE, "the fake says no");
	return f->result;
}

static struct test_host h;
static struct virtio_mmio t;
static struct driver d;

static void setup(void)
{
	static const uint8_t config[6] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
	struct virtio_device device = {
	    .device_id = FAKE_ID,
	    .features = FAKE_FEATURES,
	    .num_queues = 1,
	    .queue_num_max = QUEUE_MAX,
	    .config = fake.config,
	    .config_size = sizeof(fake.config),
	    .serve = fake_serve,
	    .ctx = &fake,
	};
	struct virtio_host host;

	memset(&fake, 0, sizeof(fake));
	memcpy(fake.config, config, sizeof(config));
	test_host_init(&h, DRIVER_RAM_MIN);
	host = test_host_callbacks(&h); /* a local: the transport keeps its own copy */
	virtio_mmio_init(&t, &host, &device);
	memset(&d, 0, sizeof(d));
}

static void teardown(void)
{
	free(h.ram);
}

#define ASSERT_REG(offset, expected)                                                               \
	do {                                                                                       \
		uint32_t got_ = mmio_read32(&t, offset);                                           \
		uint32_t want_ = (expected);                                                       \
		ck_assert_msg(got_ == want_, "%s read 0x%x, expected 0x%x", #offset, got_, want_); \
	} while (0)

/* Exactly `count` reports so far, the last one containing text. */
#define ASSERT_REPORTS(count, text)                                                                \
	do {                                                                                       \
		ck_assert_msg(h.nreports == (count), "%u reports, expected %u (last: %s)",         \
			      h.nreports, (unsigned)(count),                                       \
			      h.nreports ? h.reports[h.nreports - 1] : "none");                    \
		if (count)                                                                         \
			ck_assert_msg(strstr(h.reports[(count)-1], text),                          \
				      "\"%s\" does not say \"%s\"", h.reports[(count)-1], text);   \
	} while (0)

static void start(void)
{
	ck_assert_int_eq(driver_start(&d, &t, &h, FAKE_FEATURES, 8), 0);
	ck_assert_uint_eq(h.nreports, 0);
}

static void offer_one(void)
{
	struct segment s = {DRIVER_DATA_GPA, 64, true};

	driver_offer(&d, driver_chain(&d, &s, 1));
}

/* ---- the register map ---- */

START_TEST(identity_registers)
{
	ASSERT_REG(VIRTIO_MMIO_MAGIC_VALUE, 0x74726976);
	ASSERT_REG(VIRTIO_MMIO_VERSION, 2);
	ASSERT_REG(VIRTIO_MMIO_DEVICE_ID, FAKE_ID);
	ASSERT_REG(VIRTIO_MMIO_VENDOR_ID, VIRTIO_MMIO_VENDOR);
	ASSERT_REG(VIRTIO_MMIO_STATUS, 0);
	ASSERT_REG(VIRTIO_MMIO_INTERRUPT_STATUS, 0);
	ASSERT_REG(VIRTIO_MMIO_CONFIG_GENERATION, 0);
	ck_assert_uint_eq(h.nreports, 0);
	ck_assert_uint_eq(h.nlevels, 0);
}
END_TEST

/* The magic value spells "virt" in memory order, as a little-endian driver sees it. */
START_TEST(magic_value_bytes_spell_virt)
{
	uint8_t data[4];

	virtio_mmio_read(&t, VIRTIO_MMIO_MAGIC_VALUE, data, 4);
	ck_assert_mem_eq(data, "virt", 4);
}
END_TEST

START_TEST(device_features_by_select)
{
	ASSERT_REG(VIRTIO_MMIO_DEVICE_FEATURES, 1u << FAKE_FEATURE); /* select starts at 0 */
	mmio_write32(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ASSERT_REG(VIRTIO_MMIO_DEVICE_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	mmio_write32(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	ASSERT_REG(VIRTIO_MMIO_DEVICE_FEATURES, 0);
	mmio_write32(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0xffffffff);
	ASSERT_REG(VIRTIO_MMIO_DEVICE_FEATURES, 0);
	mmio_write32(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ASSERT_REG(VIRTIO_MMIO_DEVICE_FEATURES, 1u << FAKE_FEATURE);
}
END_TEST

/* QueueNumMax 0 is how a device says "no such queue" (4.2.2). */
START_TEST(queue_num_max_per_queue)
{
	ASSERT_REG(VIRTIO_MMIO_QUEUE_NUM_MAX, QUEUE_MAX);
	ASSERT_REG(VIRTIO_MMIO_QUEUE_READY, 0);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_SEL, 1);
	ASSERT_REG(VIRTIO_MMIO_QUEUE_NUM_MAX, 0);
	ASSERT_REG(VIRTIO_MMIO_QUEUE_READY, 0);
	ck_assert_uint_eq(h.nreports, 0);
}
END_TEST

/* No shared memory regions: length -1 and base all ones (4.2.2). */
START_TEST(shared_memory_regions_do_not_exist)
{
	for (uint32_t id = 0; id < 3; id++) {
		mmio_write32(&t, VIRTIO_MMIO_SHM_SEL, id);
		ASSERT_REG(VIRTIO_MMIO_SHM_LEN_LOW, 0xffffffff);
		ASSERT_REG(VIRTIO_MMIO_SHM_LEN_HIGH, 0xffffffff);
		ASSERT_REG(VIRTIO_MMIO_SHM_BASE_LOW, 0xffffffff);
		ASSERT_REG(VIRTIO_MMIO_SHM_BASE_HIGH, 0xffffffff);
	}
	ck_assert_uint_eq(h.nreports, 0);
}
END_TEST

START_TEST(queue_reset_needs_its_feature)
{
	ASSERT_REG(VIRTIO_MMIO_QUEUE_RESET, 0);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_RESET, 1);
	ASSERT_REPORTS(1, "QueueReset = 1, but VIRTIO_F_RING_RESET was never offered");
	ASSERT_REG(VIRTIO_MMIO_QUEUE_RESET, 0);
}
END_TEST

START_TEST(config_space_reads_of_each_width)
{
	uint8_t data[8];

	for (unsigned len = 1; len <= 4; len *= 2)
		for (unsigned at = 0; at + len <= sizeof(fake.config); at += len) {
			memset(data, 0xaa, sizeof(data));
			virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + at, data, len);
			ck_assert_mem_eq(data, fake.config + at, len);
		}
	ck_assert_uint_eq(h.nreports, 0);
}
END_TEST

START_TEST(config_space_refuses_what_the_spec_does_not_allow)
{
	uint8_t data[8];

	memset(data, 0xaa, sizeof(data));
	virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG, data, 8); /* 64-bit fields take two 32-bit reads */
	ck_assert_mem_eq(data, "\0\0\0\0\0\0\0\0", 8);
	ASSERT_REPORTS(1, "a read of width 8 in the config space at offset 0x100");

	virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 1, data, 2); /* misaligned: same kind, not said */
	ck_assert_mem_eq(data, "\0\0", 2);
	ck_assert_uint_eq(h.nreports, 1);
}
END_TEST

START_TEST(config_space_ends_where_the_device_says)
{
	uint8_t data[4] = {1, 2, 3, 4};

	virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 4, data, 4); /* bytes 4-7 of 6 */
	ck_assert_mem_eq(data, "\0\0\0\0", 4);
	ASSERT_REPORTS(1, "a read at offset 0x104, past the 6 bytes of the device's config space");
	virtio_mmio_read(&t, 0xffc, data, 4);
	ck_assert_uint_eq(h.nreports, 1);
	virtio_mmio_read(&t, VIRTIO_MMIO_CONFIG + 4, data, 2); /* bytes 4-5: inside */
	ck_assert_mem_eq(data, "\x55\x66", 2);
}
END_TEST

START_TEST(config_space_is_read_only)
{
	uint8_t data[4] = {9, 9, 9, 9};

	virtio_mmio_write(&t, VIRTIO_MMIO_CONFIG, data, 4);
	ASSERT_REPORTS(1, "a write of width 4 to the config space at offset 0x100");
	ck_assert_uint_eq(fake.config[0], 0x11);
}
END_TEST

/* 4.2.2.2: 32-bit aligned accesses only. A flood of bad ones is reported once. */
START_TEST(registers_take_aligned_32_bit_accesses_only)
{
	uint8_t data[8];

	start();
	for (int i = 0; i < 100; i++) {
		memset(data, 0xaa, sizeof(data));
		virtio_mmio_read(&t, VIRTIO_MMIO_STATUS, data, 1 + (unsigned)(i % 2)); /* 1, 2 */
		ck_assert_mem_eq(data, "\0\0", 1 + (unsigned)(i % 2));
	}
	ASSERT_REPORTS(1,
		       "a read of width 1 at offset 0x70 (Status); registers take 32-bit aligned "
		       "accesses only (4.2.2.2): read as 0");
	virtio_mmio_read(&t, VIRTIO_MMIO_MAGIC_VALUE, data, 8);
	ck_assert_mem_eq(data, "\0\0\0\0\0\0\0\0", 8);
	virtio_mmio_read(&t, VIRTIO_MMIO_STATUS + 1, data, 4);
	ck_assert_mem_eq(data, "\0\0\0\0", 4);

	/* Writes of the wrong width change nothing: 2 bytes of 0 would be a reset. */
	memset(data, 0, sizeof(data));
	virtio_mmio_write(&t, VIRTIO_MMIO_STATUS, data, 2);
	virtio_mmio_write(&t, VIRTIO_MMIO_STATUS, data, 8);
	virtio_mmio_write(&t, VIRTIO_MMIO_STATUS + 2, data, 4);
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS);
	ck_assert_uint_eq(h.nreports, 1);
}
END_TEST

START_TEST(writes_to_read_only_registers_are_ignored)
{
	static const uint64_t read_only[] = {
	    VIRTIO_MMIO_MAGIC_VALUE,       VIRTIO_MMIO_VERSION,         VIRTIO_MMIO_DEVICE_ID,
	    VIRTIO_MMIO_VENDOR_ID,         VIRTIO_MMIO_DEVICE_FEATURES, VIRTIO_MMIO_QUEUE_NUM_MAX,
	    VIRTIO_MMIO_INTERRUPT_STATUS,  VIRTIO_MMIO_SHM_LEN_LOW,     VIRTIO_MMIO_SHM_BASE_HIGH,
	    VIRTIO_MMIO_CONFIG_GENERATION,
	};

	mmio_write32(&t, VIRTIO_MMIO_VERSION, 1);
	ASSERT_REPORTS(1, "a write of 0x1 to Version (0x004), a read-only register (4.2.2.2): "
			  "ignored");
	for (unsigned i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++)
		mmio_write32(&t, read_only[i], 0xffffffff);
	ck_assert_uint_eq(h.nreports, 1);
	ASSERT_REG(VIRTIO_MMIO_MAGIC_VALUE, VIRTIO_MMIO_MAGIC);
	ASSERT_REG(VIRTIO_MMIO_VERSION, 2);
	ASSERT_REG(VIRTIO_MMIO_DEVICE_ID, FAKE_ID);
	ASSERT_REG(VIRTIO_MMIO_QUEUE_NUM_MAX, QUEUE_MAX);
	ASSERT_REG(VIRTIO_MMIO_INTERRUPT_STATUS, 0);
	ck_assert_uint_eq(h.nlevels, 0);
}
END_TEST

START_TEST(reads_of_write_only_registers_give_zero)
{
	static const uint64_t write_only[] = {
	    VIRTIO_MMIO_DEVICE_FEATURES_SEL, VIRTIO_MMIO_DRIVER_FEATURES,
	    VIRTIO_MMIO_DRIVER_FEATURES_SEL, VIRTIO_MMIO_QUEUE_SEL,
	    VIRTIO_MMIO_QUEUE_NUM,           VIRTIO_MMIO_QUEUE_NOTIFY,
	    VIRTIO_MMIO_INTERRUPT_ACK,       VIRTIO_MMIO_QUEUE_DESC_LOW,
	    VIRTIO_MMIO_QUEUE_DEVICE_HIGH,   VIRTIO_MMIO_SHM_SEL,
	};

	mmio_write32(&t, VIRTIO_MMIO_QUEUE_SEL, 7);
	for (unsigned i = 0; i < sizeof(write_only) / sizeof(write_only[0]); i++)
		ASSERT_REG(write_only[i], 0);
	ASSERT_REPORTS(1, "a read of DeviceFeaturesSel (0x014), a write-only register (4.2.2.2): "
			  "read as 0");
}
END_TEST

START_TEST(offsets_without_a_register)
{
	static const uint64_t none[] = {0x018, 0x02c, 0x048, 0x054, 0x0c4, 0x0f8};

	for (unsigned i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		ASSERT_REG(none[i], 0);
		mmio_write32(&t, none[i], 0xffffffff);
	}
	ASSERT_REPORTS(1, "a read at offset 0x18, where there is no register");
	ASSERT_REG(VIRTIO_MMIO_STATUS, 0);
}
END_TEST

/* A legacy (version 1) driver would write GuestPageSize first: tell it what it found. */
START_TEST(legacy_registers_are_named)
{
	mmio_write32(&t, VIRTIO_MMIO_LEGACY_GUEST_PAGE_SIZE, 4096);
	ASSERT_REPORTS(1, "a write at offset 0x28, a register of the legacy interface (4.2.4); "
			  "this device is version 2: ignored");
	ASSERT_REG(VIRTIO_MMIO_LEGACY_QUEUE_PFN, 0);
	ASSERT_REG(VIRTIO_MMIO_LEGACY_QUEUE_ALIGN, 0);
	ck_assert_uint_eq(h.nreports, 1);
}
END_TEST

/* ---- the status state machine ---- */

START_TEST(status_follows_the_initialization_sequence)
{
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	ck_assert_uint_eq(virtio_mmio_features(&t), 0); /* nothing negotiated yet */
	mmio_write32(&t, VIRTIO_MMIO_STATUS, ALL_STATUS & ~(uint32_t)VIRTIO_STATUS_DRIVER_OK);
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS & ~(uint32_t)VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(virtio_mmio_features(&t), VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
	mmio_write32(&t, VIRTIO_MMIO_STATUS, ALL_STATUS);
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS);
	ck_assert_uint_eq(h.nreports, 0);
}
END_TEST

START_TEST(several_steps_in_one_write_are_allowed)
{
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	ck_assert_uint_eq(h.nreports, 0);
}
END_TEST

START_TEST(status_steps_cannot_be_skipped)
{
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DRIVER);
	ASSERT_REPORTS(1, "Status = 0x2 sets DRIVER without ACKNOWLEDGE");
	ASSERT_REG(VIRTIO_MMIO_STATUS, 0);
	mmio_write32(&t, VIRTIO_MMIO_STATUS,
		     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	ASSERT_REG(VIRTIO_MMIO_STATUS, 0);
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FEATURES_OK);
	ASSERT_REG(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(h.nreports, 1); /* one kind, said once */
}
END_TEST

START_TEST(the_driver_never_clears_a_status_bit)
{
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	ASSERT_REPORTS(1, "Status = 0x1 would clear bits 0x2 of 0x3");
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
}
END_TEST

START_TEST(status_bits_the_driver_may_not_set)
{
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | 0x10);
	ASSERT_REPORTS(1, "Status = 0x11 sets bits that mean nothing");
	mmio_write32(&t, VIRTIO_MMIO_STATUS, 0x100);
	ASSERT_REG(VIRTIO_MMIO_STATUS, 0);
	mmio_write32(&t, VIRTIO_MMIO_STATUS,
		     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ASSERT_REG(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(h.nreports, 1); /* the same kind again */
	ck_assert_int_ge(test_host_find_report(&h, "bits that mean nothing"), 0);
}
END_TEST

/* A driver that gives up says FAILED, at any step; the device then serves nothing. */
START_TEST(failed_can_be_set_at_any_time_and_stops_the_device)
{
	start();
	offer_one();
	mmio_write32(&t, VIRTIO_MMIO_STATUS, ALL_STATUS | VIRTIO_STATUS_FAILED);
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS | VIRTIO_STATUS_FAILED);
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 0);
	ck_assert_uint_eq(h.nreports, 0);

	mmio_write32(&t, VIRTIO_MMIO_STATUS, 0);
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
}
END_TEST

/* ---- feature negotiation ---- */

START_TEST(features_ok_takes_a_subset_with_version_1)
{
	ck_assert_int_eq(driver_start(&d, &t, &h, VIRTIO_FEATURE(VIRTIO_F_VERSION_1), 8), 0);
	ck_assert_uint_eq(virtio_mmio_features(&t), VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
	start();
	ck_assert_uint_eq(virtio_mmio_features(&t), FAKE_FEATURES);
}
END_TEST

/* 2.2.2: a feature the device did not offer: FEATURES_OK is left clear. */
START_TEST(features_ok_refuses_what_was_not_offered)
{
	ck_assert_int_eq(driver_start(&d, &t, &h, FAKE_FEATURES | VIRTIO_FEATURE(7), 8), -1);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	ASSERT_REPORTS(1, "FEATURES_OK refused: the driver accepts feature bit 7, which the device "
			  "does not offer");
	ck_assert_uint_eq(virtio_mmio_features(&t), 0);

	/* Indirect descriptors are never offered. */
	ck_assert_int_eq(
	    driver_start(&d, &t, &h, FAKE_FEATURES | VIRTIO_FEATURE(VIRTIO_F_INDIRECT_DESC), 8),
	    -1);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
}
END_TEST

START_TEST(features_ok_refuses_bits_past_64)
{
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 2);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES, 4);
	mmio_write32(&t, VIRTIO_MMIO_STATUS,
		     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	ASSERT_REPORTS(1, "feature bit 66,");
	/* Taken back (a 0 in word 2), and accepted. */
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	mmio_write32(&t, VIRTIO_MMIO_STATUS,
		     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	ASSERT_REG(VIRTIO_MMIO_STATUS,
		   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);

	/* Past bit 127, the spec's "reserved for future extensions". */
	mmio_write32(&t, VIRTIO_MMIO_STATUS, 0);
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 9);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	mmio_write32(&t, VIRTIO_MMIO_STATUS,
		     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
}
END_TEST

/* No legacy interface: a driver that does not accept VIRTIO_F_VERSION_1 is refused. */
START_TEST(features_ok_needs_version_1)
{
	ck_assert_int_eq(driver_start(&d, &t, &h, VIRTIO_FEATURE(FAKE_FEATURE), 8), -1);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	ASSERT_REPORTS(1, "the driver did not accept VIRTIO_F_VERSION_1 (bit 32)");
}
END_TEST

/* Refused FEATURES_OK takes DRIVER_OK with it: one cannot stand without the other. */
START_TEST(refused_features_ok_takes_driver_ok_with_it)
{
	mmio_write32(&t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_write32(&t, VIRTIO_MMIO_STATUS, ALL_STATUS);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	ASSERT_REPORTS(1, "VIRTIO_F_VERSION_1");
}
END_TEST

START_TEST(features_are_fixed_after_features_ok)
{
	start();
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_write32(&t, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	ASSERT_REPORTS(1, "DriverFeatures written after FEATURES_OK");
	ck_assert_uint_eq(virtio_mmio_features(&t), FAKE_FEATURES);
	offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(fake.features, FAKE_FEATURES); /* what the device is told */
}
END_TEST

/* ---- reset ---- */

/* Writing 0 forgets everything the driver set: queues, features, selectors, interrupts. */
START_TEST(reset_forgets_every_queue_and_feature)
{
	start();
	offer_one();
	driver_kick(&d);
	ck_assert_int_eq(test_host_irq(&h), 1);
	mmio_write32(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_SEL, 3);

	mmio_write32(&t, VIRTIO_MMIO_STATUS, 0);
	ASSERT_REG(VIRTIO_MMIO_STATUS, 0);
	ASSERT_REG(VIRTIO_MMIO_INTERRUPT_STATUS, 0);
	ck_assert_int_eq(test_host_irq(&h), 0);
	ck_assert_uint_eq(virtio_mmio_features(&t), 0);
	ASSERT_REG(VIRTIO_MMIO_DEVICE_FEATURES, 1u << FAKE_FEATURE); /* select back at 0 */
	ASSERT_REG(VIRTIO_MMIO_QUEUE_NUM_MAX, QUEUE_MAX); /* queue select back at 0 */
	ASSERT_REG(VIRTIO_MMIO_QUEUE_READY, 0);
	ck_assert_uint_eq(t.queue[0].size, QUEUE_MAX);

	/* The old queue's addresses are gone: ready again without them is refused. */
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	ASSERT_REG(VIRTIO_MMIO_QUEUE_READY, 0);
	ASSERT_REPORTS(1, "QueueReady = 1, but the address of the descriptor table");

	/* And the old driver's features too: FEATURES_OK needs them written again. */
	mmio_write32(&t, VIRTIO_MMIO_STATUS, 0);
	mmio_write32(&t, VIRTIO_MMIO_STATUS,
		     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
}
END_TEST

/* After a reset the device works again, from a clean queue. */
START_TEST(a_reset_device_starts_over)
{
	start();
	offer_one();
	offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 2);
	start();
	offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 3);
	ck_assert_uint_eq(fake.heads[2], 0);
}
END_TEST

/* ---- queue set-up ---- */

START_TEST(queue_num_must_be_a_power_of_two_within_max)
{
	static const uint32_t bad[] = {0, 3, QUEUE_MAX * 2};

	for (unsigned i = 0; i < 3; i++) {
		mmio_write32(&t, VIRTIO_MMIO_STATUS, 0);
		mmio_write32(&t, VIRTIO_MMIO_QUEUE_NUM, bad[i]);
		ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	}
	ck_assert_uint_eq(h.nreports, 1);
	ck_assert_int_ge(test_host_find_report(&h, "QueueNum = 0: a queue size is a power of 2"),
			 0);
	ck_assert_uint_eq(h.nlevels, 0); /* no DRIVER_OK yet: no interrupt */
}
END_TEST

START_TEST(queue_ready_with_no_addresses_needs_a_reset)
{
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_NUM, 8);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	ASSERT_REG(VIRTIO_MMIO_QUEUE_READY, 0);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ASSERT_REPORTS(1, "QueueReady = 1, but the address of the available ring "
			  "(QueueDriverLow/High) was never written");
}
END_TEST

START_TEST(queue_ready_outside_ram_needs_a_reset)
{
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_NUM, 8);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_DESC_HIGH, 1); /* 4 GiB: no RAM there */
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, 0x1000);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 0x2000);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	ASSERT_REG(VIRTIO_MMIO_QUEUE_READY, 0);
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ASSERT_REPORTS(1,
		       "the descriptor table at 0x100000000-0x10000007f is not all in guest RAM");
}
END_TEST

START_TEST(queue_ready_takes_zero_or_one)
{
	start();
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_READY, 2);
	ASSERT_REPORTS(1, "QueueReady = 2 for queue 0");
	ASSERT_REG(VIRTIO_MMIO_QUEUE_READY, 1);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_READY, 1); /* ready already: nothing changes */
	ASSERT_REG(VIRTIO_MMIO_QUEUE_READY, 1);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_READY, 0);
	ASSERT_REG(VIRTIO_MMIO_QUEUE_READY, 0);
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS);
}
END_TEST

/* 4.2.2.2: while QueueReady is 1 the driver leaves the queue's layout alone. */
START_TEST(a_ready_queue_keeps_its_layout)
{
	start();
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_NUM, 4);
	ASSERT_REPORTS(1, "a write to QueueNum while queue 0 is ready");
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x8000);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 5);
	ck_assert_uint_eq(h.nreports, 1);
	/* Still the queue it was: 8 entries at the driver's addresses. */
	for (int i = 0; i < 8; i++)
		offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 8);
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS);
}
END_TEST

START_TEST(queue_registers_of_a_queue_that_does_not_exist)
{
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_SEL, 1);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_NUM, 8);
	ASSERT_REPORTS(1, "a write to QueueNum while QueueSel = 1, but the device has 1 queue(s)");
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	ck_assert_uint_eq(h.nreports, 1);
	ASSERT_REG(VIRTIO_MMIO_STATUS, 0);
}
END_TEST

/* ---- notifications and the interrupt ---- */

START_TEST(a_notification_serves_every_waiting_buffer)
{
	uint32_t id, len;

	start();
	for (int i = 0; i < 3; i++)
		offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 3);
	for (uint32_t i = 0; i < 3; i++) {
		ck_assert(driver_take_used(&d, &id, &len));
		ck_assert_uint_eq(id, i);
		ck_assert_uint_eq(len, 100 + i);
	}
	ck_assert(!driver_take_used(&d, &id, &len));
	/* One interrupt for the batch. */
	ck_assert_uint_eq(h.nlevels, 1);
	ck_assert_int_eq(h.levels[0], 1);
	ASSERT_REG(VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_INT_VRING);
	mmio_write32(&t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ASSERT_REG(VIRTIO_MMIO_INTERRUPT_STATUS, 0);
	ck_assert_int_eq(test_host_irq(&h), 0);
	ck_assert_uint_eq(h.nlevels, 2);
}
END_TEST

/* The device MUST handle spurious notifications (2.7.10.2): nothing new, nothing done. */
START_TEST(a_spurious_notification_does_nothing)
{
	start();
	driver_kick(&d);
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 0);
	ck_assert_uint_eq(h.nlevels, 0);
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS);
}
END_TEST

/* The line stays high while any reason is unacknowledged: it is a level (4.2.3.4). */
START_TEST(the_line_is_a_level_until_every_reason_is_acknowledged)
{
	start();
	offer_one();
	driver_kick(&d);
	offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(h.nlevels, 1); /* still high: no second edge */
	mmio_write32(&t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG); /* not that one */
	ck_assert_int_eq(test_host_irq(&h), 1);
	mmio_write32(&t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ck_assert_int_eq(test_host_irq(&h), 0);
	offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(h.nlevels, 3);
	ck_assert_int_eq(test_host_irq(&h), 1);
	ck_assert_uint_eq(h.nreports, 0);
}
END_TEST

START_TEST(interrupt_ack_ignores_bits_that_are_no_interrupt)
{
	start();
	offer_one();
	driver_kick(&d);
	mmio_write32(&t, VIRTIO_MMIO_INTERRUPT_ACK, 0xfffffff0);
	ASSERT_REPORTS(1, "InterruptACK = 0xfffffff0 has bits that are no interrupt");
	ck_assert_int_eq(test_host_irq(&h), 1);
	mmio_write32(&t, VIRTIO_MMIO_INTERRUPT_ACK, 0xffffffff);
	ck_assert_int_eq(test_host_irq(&h), 0);
}
END_TEST

START_TEST(no_interrupt_when_the_driver_asks_for_none)
{
	uint32_t id, len;

	start();
	virtio_put_le16(h.ram + DRIVER_AVAIL_GPA + VIRTQ_AVAIL_FLAGS, VIRTQ_AVAIL_F_NO_INTERRUPT);
	offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 1);
	ck_assert(driver_take_used(&d, &id, &len)); /* a polling driver finds it */
	ck_assert_uint_eq(h.nlevels, 0);
	ASSERT_REG(VIRTIO_MMIO_INTERRUPT_STATUS, 0);
}
END_TEST

/* The driver MUST NOT notify before DRIVER_OK (3.1.1); the device serves nothing then. */
START_TEST(a_notification_before_driver_ok_needs_a_reset)
{
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ASSERT_REPORTS(1, "a notification for queue 0 before DRIVER_OK");
	ASSERT_REG(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert_uint_eq(fake.served, 0);
	ck_assert_uint_eq(h.nlevels, 0);
}
END_TEST

START_TEST(a_notification_for_a_queue_that_does_not_exist)
{
	start();
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ASSERT_REPORTS(1, "a notification for queue 1, but the device has 1 queue(s)");
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}
END_TEST

/* Needing a reset after DRIVER_OK raises a configuration change interrupt (2.1.2). */
START_TEST(a_notification_for_a_queue_that_is_not_ready)
{
	start();
	offer_one();
	mmio_write32(&t, VIRTIO_MMIO_QUEUE_READY, 0);
	driver_kick(&d);
	ASSERT_REPORTS(1, "a notification for queue 0, which is not ready");
	ck_assert_uint_eq(fake.served, 0);
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ASSERT_REG(VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_INT_CONFIG);
	ck_assert_int_eq(test_host_irq(&h), 1);
}
END_TEST

/* A broken chain stops the device; what was used before it is signalled too. */
START_TEST(a_broken_chain_stops_the_device_after_the_good_ones)
{
	uint32_t id, len;

	start();
	offer_one();
	driver_offer(&d, 200); /* no such descriptor */
	offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 1);
	ck_assert(driver_take_used(&d, &id, &len));
	ck_assert(!driver_take_used(&d, &id, &len));
	ASSERT_REPORTS(1, "available ring entry 1 names descriptor 200, past the table's 8");
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ASSERT_REG(VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);

	/* Until the reset, nothing more is served, and nothing more is said. */
	mmio_write32(&t, VIRTIO_MMIO_STATUS, ALL_STATUS | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 1);
	ck_assert_uint_eq(h.nreports, 1);
}
END_TEST

/* A device that cannot complete a request: DEVICE_NEEDS_RESET, its fault reported. */
START_TEST(a_device_that_cannot_go_on)
{
	uint32_t id, len;

	start();
	fake.result = -1;
	fake.leave_fault = true;
	offer_one();
	driver_kick(&d);
	ASSERT_REPORTS(1, "the fake says no");
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert(!driver_take_used(&d, &id, &len));
	ASSERT_REG(VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_INT_CONFIG);
}
END_TEST

/* A fault the device completes anyway is reported, and the device goes on. */
START_TEST(a_device_fault_is_reported_once)
{
	start();
	fake.leave_fault = true;
	offer_one();
	offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 2);
	ASSERT_REPORTS(1, "the fake says no");
	ASSERT_REG(VIRTIO_MMIO_STATUS, ALL_STATUS);
}
END_TEST

/* Each kind of fault is said once; different kinds are each said. */
START_TEST(each_kind_of_fault_is_reported_once)
{
	uint8_t data[2];

	for (int i = 0; i < 3; i++) {
		virtio_mmio_read(&t, VIRTIO_MMIO_STATUS, data, 2);
		mmio_write32(&t, VIRTIO_MMIO_VERSION, 0);
		mmio_read32(&t, VIRTIO_MMIO_QUEUE_NOTIFY);
		mmio_read32(&t, 0x0f0);
	}
	ck_assert_uint_eq(h.nreports, 4);
	/* A reset does not make the device say them again. */
	mmio_write32(&t, VIRTIO_MMIO_STATUS, 0);
	mmio_write32(&t, VIRTIO_MMIO_VERSION, 0);
	ck_assert_uint_eq(h.nreports, 4);
}
END_TEST

START_TEST(a_host_without_report_or_irq_is_allowed)
{
	struct virtio_host bare = test_host_callbacks(&h);
	struct virtio_device device = {.device_id = FAKE_ID,
				       .features = FAKE_FEATURES,
				       .num_queues = 1,
				       .queue_num_max = QUEUE_MAX,
				       .config = fake.config,
				       .config_size = sizeof(fake.config),
				       .serve = fake_serve,
				       .ctx = &fake};

	bare.report = NULL;
	bare.set_irq = NULL;
	virtio_mmio_init(&t, &bare, &device);
	mmio_write32(&t, VIRTIO_MMIO_VERSION, 0);
	ck_assert_int_eq(driver_start(&d, &t, &h, FAKE_FEATURES, 8), 0);
	offer_one();
	driver_kick(&d);
	ck_assert_uint_eq(fake.served, 1);
	ASSERT_REG(VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_INT_VRING);
}
END_TEST

static Suite *virtio_mmio_suite(void)
{
	Suite *s = suite_create("virtio_mmio");
	TCase *regs = tcase_create("registers");
	TCase *status = tcase_create("status");
	TCase *queues = tcase_create("queues");
	TCase *notify = tcase_create("notifications");

	tcase_add_checked_fixture(regs, setup, teardown);
	tcase_add_test(regs, identity_registers);
	tcase_add_test(regs, magic_value_bytes_spell_virt);
	tcase_add_test(regs, device_features_by_select);
	tcase_add_test(regs, queue_num_max_per_queue);
	tcase_add_test(regs, shared_memory_regions_do_not_exist);
	tcase_add_test(regs, queue_reset_needs_its_feature);
	tcase_add_test(regs, config_space_reads_of_each_width);
	tcase_add_test(regs, config_space_refuses_what_the_spec_does_not_allow);
	tcase_add_test(regs, config_space_ends_where_the_device_says);
	tcase_add_test(regs, config_space_is_read_only);
	tcase_add_test(regs, registers_take_aligned_32_bit_accesses_only);
	tcase_add_test(regs, writes_to_read_only_registers_are_ignored);
	tcase_add_test(regs, reads_of_write_only_registers_give_zero);
	tcase_add_test(regs, offsets_without_a_register);
	tcase_add_test(regs, legacy_registers_are_named);
	suite_add_tcase(s, regs);

	tcase_add_checked_fixture(status, setup, teardown);
	tcase_add_test(status, status_follows_the_initialization_sequence);
	tcase_add_test(status, several_steps_in_one_write_are_allowed);
	tcase_add_test(status, status_steps_cannot_be_skipped);
	tcase_add_test(status, the_driver_never_clears_a_status_bit);
	tcase_add_test(status, status_bits_the_driver_may_not_set);
	tcase_add_test(status, failed_can_be_set_at_any_time_and_stops_the_device);
	tcase_add_test(status, features_ok_takes_a_subset_with_version_1);
	tcase_add_test(status, features_ok_refuses_what_was_not_offered);
	tcase_add_test(status, features_ok_refuses_bits_past_64);
	tcase_add_test(status, features_ok_needs_version_1);
	tcase_add_test(status, refused_features_ok_takes_driver_ok_with_it);
	tcase_add_test(status, features_are_fixed_after_features_ok);
	tcase_add_test(status, reset_forgets_every_queue_and_feature);
	tcase_add_test(status, a_reset_device_starts_over);
	suite_add_tcase(s, status);

	tcase_add_checked_fixture(queues, setup, teardown);
	tcase_add_test(queues, queue_num_must_be_a_power_of_two_within_max);
	tcase_add_test(queues, queue_ready_with_no_addresses_needs_a_reset);
	tcase_add_test(queues, queue_ready_outside_ram_needs_a_reset);
	tcase_add_test(queues, queue_ready_takes_zero_or_one);
	tcase_add_test(queues, a_ready_queue_keeps_its_layout);
	tcase_add_test(queues, queue_registers_of_a_queue_that_does_not_exist);
	suite_add_tcase(s, queues);

	tcase_add_checked_fixture(notify, setup, teardown);
	tcase_add_test(notify, a_notification_serves_every_waiting_buffer);
	tcase_add_test(notify, a_spurious_notification_does_nothing);
	tcase_add_test(notify, the_line_is_a_level_until_every_reason_is_acknowledged);
	tcase_add_test(notify, interrupt_ack_ignores_bits_that_are_no_interrupt);
	tcase_add_test(notify, no_interrupt_when_the_driver_asks_for_none);
	tcase_add_test(notify, a_notification_before_driver_ok_needs_a_reset);
	tcase_add_test(notify, a_notification_for_a_queue_that_does_not_exist);
	tcase_add_test(notify, a_notification_for_a_queue_that_is_not_ready);
	tcase_add_test(notify, a_broken_chain_stops_the_device_after_the_good_ones);
	tcase_add_test(notify, a_device_that_cannot_go_on);
	tcase_add_test(notify, a_device_fault_is_reported_once);
	tcase_add_test(notify, each_kind_of_fault_is_reported_once);
	tcase_add_test(notify, a_host_without_report_or_irq_is_allowed);
	suite_add_tcase(s, notify);
	return s;
}

int main(void)
{
	return run_suite(virtio_mmio_suite());
}
