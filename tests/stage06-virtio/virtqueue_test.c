/*
 * The split virtqueue (virtqueue.c) from the device's side, called directly:
 * a buffer stands in for guest RAM, and the test writes the rings and the
 * descriptor table as a driver would, hostile or not. No /dev/kvm needed.
 */
#include "kvm_check.h"
#include "virtio_driver.h"

#include <stdlib.h>
#include <string.h>

#define RAM_SIZE DRIVER_RAM_MIN
#define SIZE 8 /* the queue's, unless a test says otherwise */

static struct test_host h;
static struct driver d; /* for driver_set_desc/driver_offer: no transport here */
static struct virtq vq;
static struct virtq_memory mem;
static struct virtio_why why;
static struct virtq_chain chain;

static void setup(void)
{
	struct virtio_host host;

	test_host_init(&h, RAM_SIZE);
	host = test_host_callbacks(&h);
	mem = (struct virtq_memory){host.guest_ptr, host.ctx};
	memset(&d, 0, sizeof(d));
	d.h = &h;
	d.size = SIZE;
	memset(&why, 0, sizeof(why));
	virtq_reset(&vq, VIRTQ_SIZE_MAX);
}

static void teardown(void)
{
	free(h.ram);
}

static void set_layout(uint64_t desc, uint64_t avail, uint64_t used)
{
	virtq_set_address(&vq, VIRTQ_AREA_DESC, false, (uint32_t)desc);
	virtq_set_address(&vq, VIRTQ_AREA_DESC, true, (uint32_t)(desc >> 32));
	virtq_set_address(&vq, VIRTQ_AREA_DRIVER, false, (uint32_t)avail);
	virtq_set_address(&vq, VIRTQ_AREA_DRIVER, true, (uint32_t)(avail >> 32));
	virtq_set_address(&vq, VIRTQ_AREA_DEVICE, false, (uint32_t)used);
	virtq_set_address(&vq, VIRTQ_AREA_DEVICE, true, (uint32_t)(used >> 32));
}

/* A ready queue of `size` entries at the driver's usual addresses. */
static void ready_queue(uint16_t size)
{
	d.size = size;
	ck_assert_int_eq(virtq_set_size(&vq, size, VIRTQ_SIZE_MAX, &why), 0);
	set_layout(DRIVER_DESC_GPA, DRIVER_AVAIL_GPA, DRIVER_USED_GPA);
	ck_assert_msg(virtq_enable(&vq, &mem, &why) == 0, "%s", why.text);
}

#define ASSERT_FAULT(call_, kind_, text_)                                                          \
	do {                                                                                       \
		ck_assert_int_eq((call_), -1);                                                     \
		ck_assert_msg(why.fault == (kind_), "fault %d, expected %d (%s)", why.fault,       \
			      kind_, why.text);                                                    \
		ck_assert_msg(strstr(why.text, text_), "\"%s\" does not say \"%s\"", why.text,     \
			      text_);                                                              \
	} while (0)

/* The used ring as the driver reads it. */
static uint16_t used_idx(void)
{
	return virtio_le16(h.ram + DRIVER_USED_GPA + VIRTQ_USED_IDX);
}

START_TEST(reset_gives_the_largest_size_and_no_layout)
{
	ck_assert_uint_eq(vq.size, VIRTQ_SIZE_MAX);
	ck_assert(!vq.ready);
	ck_assert_uint_eq(vq.areas_set, 0);
}
END_TEST

START_TEST(sizes_are_powers_of_two_up_to_the_maximum)
{
	for (uint32_t size = 1; size <= VIRTQ_SIZE_MAX; size *= 2) {
		ck_assert_int_eq(virtq_set_size(&vq, size, VIRTQ_SIZE_MAX, &why), 0);
		ck_assert_uint_eq(vq.size, size);
	}
	ASSERT_FAULT(virtq_set_size(&vq, 0, VIRTQ_SIZE_MAX, &why), VIRTIO_FAULT_QUEUE_SIZE,
		     "power of 2");
	ASSERT_FAULT(virtq_set_size(&vq, 3, VIRTQ_SIZE_MAX, &why), VIRTIO_FAULT_QUEUE_SIZE,
		     "QueueNum = 3");
	ASSERT_FAULT(virtq_set_size(&vq, 255, VIRTQ_SIZE_MAX, &why), VIRTIO_FAULT_QUEUE_SIZE,
		     "power of 2");
	ASSERT_FAULT(virtq_set_size(&vq, 512, VIRTQ_SIZE_MAX, &why), VIRTIO_FAULT_QUEUE_SIZE,
		     "over QueueNumMax = 256");
	ASSERT_FAULT(virtq_set_size(&vq, 0x80000000u, VIRTQ_SIZE_MAX, &why),
		     VIRTIO_FAULT_QUEUE_SIZE, "over QueueNumMax");
	ck_assert_uint_eq(vq.size, VIRTQ_SIZE_MAX); /* the last size accepted */
}
END_TEST

START_TEST(address_halves_compose)
{
	virtq_set_address(&vq, VIRTQ_AREA_DESC, true, 0x12345678);
	ck_assert_uint_eq(vq.areas_set, VIRTQ_AREA_DESC);
	virtq_set_address(&vq, VIRTQ_AREA_DESC, false, 0x9abcdef0);
	ck_assert_uint_eq(vq.desc_gpa, 0x123456789abcdef0ull);
	virtq_set_address(&vq, VIRTQ_AREA_DRIVER, false, 0x1000);
	virtq_set_address(&vq, VIRTQ_AREA_DEVICE, true, 1);
	ck_assert_uint_eq(vq.driver_gpa, 0x1000);
	ck_assert_uint_eq(vq.device_gpa, 0x100000000ull);
	ck_assert_uint_eq(vq.areas_set, VIRTQ_AREAS_ALL);
}
END_TEST

/* 0 is a real guest physical address: "never written" is what QueueReady refuses. */
START_TEST(enable_needs_every_address_written)
{
	static const unsigned missing[] = {VIRTQ_AREA_DESC, VIRTQ_AREA_DRIVER, VIRTQ_AREA_DEVICE};
	static const char *name[] = {"descriptor table", "available ring", "used ring"};

	for (unsigned i = 0; i < 3; i++) {
		virtq_reset(&vq, VIRTQ_SIZE_MAX);
		for (unsigned a = 0; a < 3; a++)
			if (a != i)
				virtq_set_address(&vq, missing[a], false, 0);
		ASSERT_FAULT(virtq_enable(&vq, &mem, &why), VIRTIO_FAULT_RING_ADDRESS, name[i]);
		ck_assert(!vq.ready);
	}
}
END_TEST

START_TEST(enable_accepts_areas_at_address_zero)
{
	virtq_set_size(&vq, SIZE, VIRTQ_SIZE_MAX, &why);
	set_layout(0, VIRTQ_DESC_BYTES(SIZE), 0x1000);
	ck_assert_msg(virtq_enable(&vq, &mem, &why) == 0, "%s", why.text);
	ck_assert(vq.ready);
	ck_assert_ptr_eq(vq.desc, h.ram);
}
END_TEST

START_TEST(enable_checks_alignment)
{
	virtq_set_size(&vq, SIZE, VIRTQ_SIZE_MAX, &why);
	set_layout(0x1008, 0x2000, 0x3000);
	ASSERT_FAULT(virtq_enable(&vq, &mem, &why), VIRTIO_FAULT_RING_ALIGNMENT,
		     "descriptor table at 0x1008 is not 16-byte aligned");
	set_layout(0x1000, 0x2001, 0x3000);
	ASSERT_FAULT(virtq_enable(&vq, &mem, &why), VIRTIO_FAULT_RING_ALIGNMENT,
		     "available ring at 0x2001 is not 2-byte aligned");
	set_layout(0x1000, 0x2002, 0x3002);
	ASSERT_FAULT(virtq_enable(&vq, &mem, &why), VIRTIO_FAULT_RING_ALIGNMENT,
		     "used ring at 0x3002 is not 4-byte aligned");
	ck_assert(!vq.ready);
}
END_TEST

START_TEST(enable_keeps_every_area_inside_ram)
{
	virtq_set_size(&vq, SIZE, VIRTQ_SIZE_MAX, &why);
	/* The table's last 16 bytes would be one entry past the end of RAM. */
	set_layout(RAM_SIZE - VIRTQ_DESC_BYTES(SIZE) + 16, 0x1000, 0x2000);
	ASSERT_FAULT(virtq_enable(&vq, &mem, &why), VIRTIO_FAULT_RING_OUTSIDE_RAM,
		     "descriptor table");
	set_layout(0, RAM_SIZE - 4, 0x2000);
	ASSERT_FAULT(virtq_enable(&vq, &mem, &why), VIRTIO_FAULT_RING_OUTSIDE_RAM,
		     "available ring");
	set_layout(0, 0x1000, 0x100000000ull);
	ASSERT_FAULT(virtq_enable(&vq, &mem, &why), VIRTIO_FAULT_RING_OUTSIDE_RAM,
		     "used ring at 0x100000000-");
	set_layout(0xfffffffffffffff0ull, 0x1000, 0x2000);
	ASSERT_FAULT(virtq_enable(&vq, &mem, &why), VIRTIO_FAULT_RING_OUTSIDE_RAM,
		     "wraps past 2^64");
	ck_assert(!vq.ready);
	/* Exactly at the end is inside. */
	set_layout(RAM_SIZE - VIRTQ_DESC_BYTES(SIZE), 0x1000, 0x2000);
	ck_assert_msg(virtq_enable(&vq, &mem, &why) == 0, "%s", why.text);
}
END_TEST

START_TEST(an_empty_ring_gives_nothing)
{
	ready_queue(SIZE);
	ck_assert_int_eq(virtq_next(&vq, &mem, &chain, &why), 0);
}
END_TEST

START_TEST(a_chain_comes_out_checked_and_in_order)
{
	struct segment s[3] = {{0x10000, 16, false}, {0x11000, 512, true}, {0x12000, 1, true}};

	ready_queue(SIZE);
	d.next_desc = 5; /* the chain wraps round the table: 5, 6, 7, 0 ... */
	uint16_t head = driver_chain(&d, s, 3);
	driver_offer(&d, head);

	ck_assert_int_eq(virtq_next(&vq, &mem, &chain, &why), 1);
	ck_assert_uint_eq(chain.head, 5);
	ck_assert_uint_eq(chain.count, 3);
	ck_assert_uint_eq(chain.readable, 1);
	ck_assert_uint_eq(chain.read_bytes, 16);
	ck_assert_uint_eq(chain.write_bytes, 513);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_ptr_eq(chain.buffer[i].host, h.ram + s[i].gpa);
		ck_assert_uint_eq(chain.buffer[i].len, s[i].len);
		ck_assert(chain.buffer[i].writable == s[i].device_writes);
	}
	ck_assert_int_eq(virtq_next(&vq, &mem, &chain, &why), 0);
}
END_TEST

START_TEST(used_entries_carry_head_and_length)
{
	struct segment s = {0x10000, 64, true};

	ready_queue(SIZE);
	for (int i = 0; i < 3; i++)
		driver_offer(&d, driver_chain(&d, &s, 1));
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(virtq_next(&vq, &mem, &chain, &why), 1);
		virtq_put_used(&vq, chain.head, 10u + (uint32_t)i);
	}
	ck_assert_uint_eq(used_idx(), 3);
	for (uint32_t i = 0; i < 3; i++) {
		uint32_t id, len;
		ck_assert(driver_take_used(&d, &id, &len));
		ck_assert_uint_eq(id, i);
		ck_assert_uint_eq(len, 10 + i);
	}
}
END_TEST

/* The device counts for itself: a guest scribbling on used.idx changes nothing. */
START_TEST(the_device_keeps_its_own_used_index)
{
	struct segment s = {0x10000, 64, true};

	ready_queue(SIZE);
	driver_offer(&d, driver_chain(&d, &s, 1));
	virtio_put_le16(h.ram + DRIVER_USED_GPA + VIRTQ_USED_IDX, 0x7777);
	ck_assert_int_eq(virtq_next(&vq, &mem, &chain, &why), 1);
	virtq_put_used(&vq, chain.head, 1);
	ck_assert_uint_eq(used_idx(), 1);
}
END_TEST

/* Both indexes run freely and wrap at 65536 (2.7.13.3): 70000 chains, one at a time. */
START_TEST(indexes_wrap_at_65536)
{
	struct segment s = {0x10000, 8, true};

	ready_queue(2);
	for (unsigned i = 0; i < 70000; i++) {
		driver_offer(&d, driver_chain(&d, &s, 1));
		ck_assert_int_eq(virtq_next(&vq, &mem, &chain, &why), 1);
		ck_assert_uint_eq(chain.head, i % 2);
		virtq_put_used(&vq, chain.head, 1);
	}
	ck_assert_uint_eq(used_idx(), 70000 % 65536);
	ck_assert_int_eq(virtq_next(&vq, &mem, &chain, &why), 0);
}
END_TEST

/* A full ring is `size` buffers; one more than that is a lie about avail.idx. */
START_TEST(avail_idx_may_move_by_the_queue_size_not_more)
{
	struct segment s = {0x10000, 8, true};

	ready_queue(SIZE);
	for (int i = 0; i < SIZE; i++)
		driver_offer(&d, driver_chain(&d, &s, 1));
	for (int i = 0; i < SIZE; i++)
		ck_assert_int_eq(virtq_next(&vq, &mem, &chain, &why), 1);

	virtio_put_le16(h.ram + DRIVER_AVAIL_GPA + VIRTQ_AVAIL_IDX, SIZE + SIZE + 1);
	ASSERT_FAULT(virtq_next(&vq, &mem, &chain, &why), VIRTIO_FAULT_AVAIL_IDX,
		     "avail.idx moved to 17 with the device at 8: 9 new buffers in a queue of 8");
	/* Moving backwards looks the same: 65535 new buffers. */
	virtio_put_le16(h.ram + DRIVER_AVAIL_GPA + VIRTQ_AVAIL_IDX, SIZE - 1);
	ASSERT_FAULT(virtq_next(&vq, &mem, &chain, &why), VIRTIO_FAULT_AVAIL_IDX, "65535 new");
}
END_TEST

START_TEST(a_head_past_the_table_is_refused)
{
	ready_queue(SIZE);
	driver_offer(&d, SIZE);
	ASSERT_FAULT(virtq_next(&vq, &mem, &chain, &why), VIRTIO_FAULT_HEAD_INDEX,
		     "available ring entry 0 names descriptor 8, past the table's 8");
	ck_assert_uint_eq(vq.next_avail, 0); /* not taken */
}
END_TEST

START_TEST(a_next_past_the_table_is_refused)
{
	ready_queue(SIZE);
	driver_set_desc(&d, 0, 0x10000, 16, VIRTQ_DESC_F_NEXT, 1);
	driver_set_desc(&d, 1, 0x10000, 16, VIRTQ_DESC_F_NEXT, 0xffff);
	driver_offer(&d, 0);
	ASSERT_FAULT(virtq_next(&vq, &mem, &chain, &why), VIRTIO_FAULT_NEXT_INDEX,
		     "descriptor 1 chains to descriptor 65535, past the table's 8");
}
END_TEST

START_TEST(a_chain_that_loops_is_refused)
{
	ready_queue(SIZE);
	driver_set_desc(&d, 3, 0x10000, 16, VIRTQ_DESC_F_NEXT, 3); /* itself */
	driver_offer(&d, 3);
	ASSERT_FAULT(virtq_next(&vq, &mem, &chain, &why), VIRTIO_FAULT_CHAIN_LOOP,
		     "the chain from descriptor 3 has more descriptors than the queue's 8");

	virtq_reset(&vq, VIRTQ_SIZE_MAX);
	ready_queue(SIZE);
	memset(h.ram + DRIVER_AVAIL_GPA, 0, 64);
	d.avail_idx = 0;
	/* 0 -> 1 -> 2 -> 1 -> 2 ... */
	driver_set_desc(&d, 0, 0x10000, 16, VIRTQ_DESC_F_NEXT, 1);
	driver_set_desc(&d, 1, 0x10000, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	driver_set_desc(&d, 2, 0x10000, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	driver_offer(&d, 0);
	ASSERT_FAULT(virtq_next(&vq, &mem, &chain, &why), VIRTIO_FAULT_CHAIN_LOOP, "it loops");
}
END_TEST

/* The longest chain: every descriptor of the table, once. */
START_TEST(a_chain_as_long_as_the_queue_is_accepted)
{
	struct segment s[SIZE];

	for (int i = 0; i < SIZE; i++)
		s[i] = (struct segment){0x10000 + 0x100 * (uint64_t)i, 0x100, i >= 4};
	ready_queue(SIZE);
	driver_offer(&d, driver_chain(&d, s, SIZE));
	ck_assert_int_eq(virtq_next(&vq, &mem, &chain, &why), 1);
	ck_assert_uint_eq(chain.count, SIZE);
	ck_assert_uint_eq(chain.readable, 4);
}
END_TEST

START_TEST(indirect_descriptors_are_refused)
{
	ready_queue(SIZE);
	driver_set_desc(&d, 0, 0x10000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	driver_offer(&d, 0);
	ASSERT_FAULT(virtq_next(&vq, &mem, &chain, &why), VIRTIO_FAULT_INDIRECT,
		     "descriptor 0 has VIRTQ_DESC_F_INDIRECT, but VIRTIO_F_INDIRECT_DESC was "
		     "never offered");
}
END_TEST

START_TEST(buffers_must_lie_in_ram)
{
	static const struct {
		uint64_t gpa;
		uint32_t len;
		enum virtio_fault fault;
		const char *text;
	} bad[] = {
	    {RAM_SIZE, 1, VIRTIO_FAULT_BUFFER_RAM, "1 bytes at 0x20000 are not all in guest RAM"},
	    {RAM_SIZE - 16, 17, VIRTIO_FAULT_BUFFER_RAM, "17 bytes at 0x1fff0"},
	    {0x10000, 0xffffffffu, VIRTIO_FAULT_BUFFER_RAM, "not all in guest RAM"},
	    {RAM_SIZE + 1, 0, VIRTIO_FAULT_BUFFER_RAM, "0 bytes at 0x20001"},
	    {0xfffffffffffffff0ull, 0x20, VIRTIO_FAULT_BUFFER_WRAPS,
	     "32 bytes at 0xfffffffffffffff0 wrap past 2^64"},
	    {0xffffffffffffffffull, 2, VIRTIO_FAULT_BUFFER_WRAPS, "wrap past 2^64"},
	    {0xffffffffffffffffull, 1, VIRTIO_FAULT_BUFFER_RAM, "not all in guest RAM"},
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		virtq_reset(&vq, VIRTQ_SIZE_MAX);
		memset(h.ram + DRIVER_AVAIL_GPA, 0, 64);
		d.avail_idx = 0;
		ready_queue(SIZE);
		driver_set_desc(&d, 0, 0x10000, 16, VIRTQ_DESC_F_NEXT, 1);
		driver_set_desc(&d, 1, bad[i].gpa, bad[i].len, VIRTQ_DESC_F_WRITE, 0);
		driver_offer(&d, 0);
		ASSERT_FAULT(virtq_next(&vq, &mem, &chain, &why), bad[i].fault, bad[i].text);
		ck_assert_msg(strstr(why.text, "descriptor 1"), "%s", why.text);
	}
}
END_TEST

START_TEST(buffers_up_to_the_last_byte_of_ram_and_empty_ones_are_accepted)
{
	ready_queue(SIZE);
	driver_set_desc(&d, 0, RAM_SIZE - 16, 16, VIRTQ_DESC_F_NEXT, 1);
	driver_set_desc(&d, 1, RAM_SIZE, 0, VIRTQ_DESC_F_WRITE, 0);
	driver_offer(&d, 0);
	ck_assert_msg(virtq_next(&vq, &mem, &chain, &why) == 1, "%s", why.text);
	ck_assert_uint_eq(chain.count, 2);
	ck_assert_uint_eq(chain.write_bytes, 0);
}
END_TEST

/* 2.7.4.2: device-writable buffers come after the device-readable ones. */
START_TEST(readable_after_writable_is_refused)
{
	struct segment s[3] = {{0x10000, 16, false}, {0x11000, 16, true}, {0x12000, 16, false}};

	ready_queue(SIZE);
	driver_offer(&d, driver_chain(&d, s, 3));
	ASSERT_FAULT(virtq_next(&vq, &mem, &chain, &why), VIRTIO_FAULT_CHAIN_ORDER,
		     "descriptor 2 is device-readable but follows a device-writable one");
}
END_TEST

/* 256 descriptors of 16 MiB each: 2^32 bytes, one more than a used len can count. */
START_TEST(a_chain_of_4_gib_is_refused)
{
	const uint32_t piece = 16u << 20;

	free(h.ram);
	test_host_init(&h, piece);
	struct virtio_host host = test_host_callbacks(&h);
	mem = (struct virtq_memory){host.guest_ptr, host.ctx};
	ready_queue(VIRTQ_SIZE_MAX);
	for (unsigned i = 0; i < VIRTQ_SIZE_MAX; i++)
		driver_set_desc(&d, (uint16_t)i, 0, piece,
				i + 1 < VIRTQ_SIZE_MAX ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	driver_offer(&d, 0);
	ASSERT_FAULT(virtq_next(&vq, &mem, &chain, &why), VIRTIO_FAULT_CHAIN_TOO_LONG,
		     "more than 2^32 - 1 bytes");

	/* One byte less in the last one, and it fits. */
	driver_set_desc(&d, VIRTQ_SIZE_MAX - 1, 0, piece - 1, 0, 0);
	ck_assert_msg(virtq_next(&vq, &mem, &chain, &why) == 1, "%s", why.text);
	ck_assert_uint_eq(chain.read_bytes, 0xffffffffu);
}
END_TEST

/* The descriptor is read once: the copy is what was checked and what is used. */
START_TEST(the_chain_holds_what_was_checked)
{
	struct segment s = {0x10000, 64, true};

	ready_queue(SIZE);
	driver_offer(&d, driver_chain(&d, &s, 1));
	ck_assert_int_eq(virtq_next(&vq, &mem, &chain, &why), 1);
	driver_set_desc(&d, 0, 0xfffffffffffff000ull, 0x1000, VIRTQ_DESC_F_WRITE, 0);
	ck_assert_ptr_eq(chain.buffer[0].host, h.ram + 0x10000);
	ck_assert_uint_eq(chain.buffer[0].len, 64);
}
END_TEST

START_TEST(no_interrupt_flag_is_the_drivers_choice)
{
	ready_queue(SIZE);
	ck_assert(!virtq_interrupt_suppressed(&vq));
	virtio_put_le16(h.ram + DRIVER_AVAIL_GPA + VIRTQ_AVAIL_FLAGS, VIRTQ_AVAIL_F_NO_INTERRUPT);
	ck_assert(virtq_interrupt_suppressed(&vq));
}
END_TEST

static Suite *virtqueue_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *layout = tcase_create("layout");
	TCase *rings = tcase_create("rings");
	TCase *hostile = tcase_create("hostile");

	tcase_add_checked_fixture(layout, setup, teardown);
	tcase_add_test(layout, reset_gives_the_largest_size_and_no_layout);
	tcase_add_test(layout, sizes_are_powers_of_two_up_to_the_maximum);
	tcase_add_test(layout, address_halves_compose);
	tcase_add_test(layout, enable_needs_every_address_written);
	tcase_add_test(layout, enable_accepts_areas_at_address_zero);
	tcase_add_test(layout, enable_checks_alignment);
	tcase_add_test(layout, enable_keeps_every_area_inside_ram);
	suite_add_tcase(s, layout);

	tcase_add_checked_fixture(rings, setup, teardown);
	tcase_set_timeout(rings, 60); /* 70,000 buffers: seconds in an emulated host */
	tcase_add_test(rings, an_empty_ring_gives_nothing);
	tcase_add_test(rings, a_chain_comes_out_checked_and_in_order);
	tcase_add_test(rings, used_entries_carry_head_and_length);
	tcase_add_test(rings, the_device_keeps_its_own_used_index);
	tcase_add_test(rings, indexes_wrap_at_65536);
	tcase_add_test(rings, a_chain_as_long_as_the_queue_is_accepted);
	tcase_add_test(rings, buffers_up_to_the_last_byte_of_ram_and_empty_ones_are_accepted);
	tcase_add_test(rings, the_chain_holds_what_was_checked);
	tcase_add_test(rings, no_interrupt_flag_is_the_drivers_choice);
	suite_add_tcase(s, rings);

	tcase_add_checked_fixture(hostile, setup, teardown);
	tcase_add_test(hostile, avail_idx_may_move_by_the_queue_size_not_more);
	tcase_add_test(hostile, a_head_past_the_table_is_refused);
	tcase_add_test(hostile, a_next_past_the_table_is_refused);
	tcase_add_test(hostile, a_chain_that_loops_is_refused);
	tcase_add_test(hostile, indirect_descriptors_are_refused);
	tcase_add_test(hostile, buffers_must_lie_in_ram);
	tcase_add_test(hostile, readable_after_writable_is_refused);
	tcase_add_test(hostile, a_chain_of_4_gib_is_refused);
	suite_add_tcase(s, hostile);
	return s;
}

int main(void)
{
	return run_suite(virtqueue_suite());
}
