/*
 * The guest's side of a virtio device, without KVM: guest RAM as a buffer, a
 * host that records what the device reports and does to its interrupt line,
 * and a small driver that sets the device up through its registers and hands
 * it descriptor chains, as a guest's driver would. For stage06's tests, its
 * fuzzer's seeds and its request-path benchmark.
 */
#ifndef VIRTIO_DRIVER_H
#define VIRTIO_DRIVER_H

#include "virtio_blk.h"
#include "virtio_mmio.h"

/* Where the driver puts things in guest RAM (a queue of up to VIRTQ_SIZE_MAX entries). */
#define DRIVER_DESC_GPA 0x0000 /* descriptor table: 16 * 256 = 4 KiB */
#define DRIVER_AVAIL_GPA 0x1000 /* available ring: 6 + 2 * 256 bytes */
#define DRIVER_USED_GPA 0x2000 /* used ring: 6 + 8 * 256 bytes */
#define DRIVER_HEADER_GPA 0x3000 /* request headers: 16 bytes per descriptor slot */
#define DRIVER_STATUS_GPA 0x4000 /* status bytes: 1 per descriptor slot */
#define DRIVER_DATA_GPA 0x10000 /* data buffers from here on */
#define DRIVER_RAM_MIN 0x20000 /* the least RAM the layout above needs */

#define RECORDED_REPORTS 32
#define RECORDED_LEVELS 64

/* RAM, and what the device did through its host callbacks. */
struct test_host {
	uint8_t *ram; /* aligned to 4 KiB, as mmap'ed RAM would be */
	uint64_t ram_size;
	char reports[RECORDED_REPORTS][VIRTIO_WHY_MAX];
	unsigned nreports; /* may count past RECORDED_REPORTS: the rest are dropped */
	int levels[RECORDED_LEVELS]; /* the first set_irq calls, in order */
	unsigned nlevels; /* may count past RECORDED_LEVELS */
	int level; /* the line now */
	unsigned repeats; /* set_irq calls that changed nothing: there should be none */
};

/* Zeroed RAM of ram_size bytes, nothing recorded. free(h->ram) after. */
void test_host_init(struct test_host *h, uint64_t ram_size);

/* The callbacks, with h as their ctx; guest_ptr checks ranges as the VMM's does. */
struct virtio_host test_host_callbacks(struct test_host *h);

/* The interrupt line as the device last set it. */
int test_host_irq(const struct test_host *h);

/* Whether a report contains text; the index of the first such, or -1. */
int test_host_find_report(const struct test_host *h, const char *text);

/* One 32-bit register, as a driver accesses it. */
uint32_t mmio_read32(struct virtio_mmio *t, uint64_t offset);
void mmio_write32(struct virtio_mmio *t, uint64_t offset, uint32_t value);

/* One buffer of a chain, as the driver describes it. */
struct segment {
	uint64_t gpa;
	uint32_t len;
	bool device_writes;
};

struct driver {
	struct virtio_mmio *t;
	struct test_host *h;
	uint16_t size; /* the queue's */
	uint16_t avail_idx; /* the driver's copy of avail.idx */
	uint16_t used_seen; /* used entries taken */
	uint16_t next_desc; /* where the next chain's descriptors go, round the table */
};

/*
 * The initialization of 3.1.1 and 4.2.3: reset, ACKNOWLEDGE, DRIVER, features
 * (written as given: a test may ask for what was not offered), FEATURES_OK
 * read back, queue 0 of `size` entries at the DRIVER_*_GPA addresses,
 * DRIVER_OK. Returns 0, or -1 when a step was refused (the status says which).
 */
int driver_start(struct driver *d, struct virtio_mmio *t, struct test_host *h, uint64_t features,
		 uint16_t size);

/* Writes a chain into the descriptor table (round the table); returns its head. */
uint16_t driver_chain(struct driver *d, const struct segment *segments, unsigned count);

/* Puts a head in the available ring and moves avail.idx (no notification). */
void driver_offer(struct driver *d, uint16_t head);

/* QueueNotify 0. */
void driver_kick(struct driver *d);

/* The next used element, if the device returned one. */
bool driver_take_used(struct driver *d, uint32_t *id, uint32_t *len);

/* A descriptor written directly, for chains the helpers above would not make. */
void driver_set_desc(struct driver *d, uint16_t index, uint64_t gpa, uint32_t len, uint16_t flags,
		     uint16_t next);

/*
 * A block request the way Linux makes one: a 16-byte header, one data buffer
 * (device-writable for IN and GET_ID), a 1-byte status; offered and kicked.
 * Returns the status byte, or -1 if the device used no buffer. *written gets
 * the used ring's len (may be NULL). The header and status live in slot
 * `head` of DRIVER_HEADER_GPA / DRIVER_STATUS_GPA.
 */
int blk_request(struct driver *d, uint32_t type, uint64_t sector, uint64_t data_gpa,
		uint32_t data_len, uint32_t *written);

/* The same, described but not offered: for batches. Returns the head. */
uint16_t blk_prepare(struct driver *d, uint32_t type, uint64_t sector, uint64_t data_gpa,
		     uint32_t data_len);

/* The status byte of the request whose head is `head`. */
uint8_t blk_status(const struct driver *d, uint16_t head);

/*
 * A temporary file of `size` bytes in directory dir, byte i = image_pattern(i);
 * its name goes to path (room for strlen(dir) + 20 bytes). The caller unlinks it.
 */
int make_image(char *path, const char *dir, uint64_t size);
uint8_t image_pattern(uint64_t offset);

#endif
