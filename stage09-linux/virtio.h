/*
 * What every virtio file shares: the device status bits, the device-independent
 * feature bits, the faults a guest can commit and how they are reported, the
 * little-endian accessors, and the interface between a transport and a device.
 *
 * Section numbers are those of the OASIS "Virtual I/O Device (VIRTIO) Version
 * 1.2", Committee Specification 01 (1 July 2022).
 *
 * These files (virtio.h, virtqueue.[ch], virtio_mmio.[ch], virtio_blk.[ch]) know
 * nothing of x86 or of KVM: the VMM reaches them through plain calls, and they
 * reach the VMM through the callbacks of struct virtio_host. The arm64 stage
 * uses them unchanged.
 */
#ifndef VIRTIO_H
#define VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* book:begin status-bits */
/* The device status field, 2.1: the driver sets them in this order (3.1.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1 /* the guest found a virtio device */
#define VIRTIO_STATUS_DRIVER 2 /* the guest has a driver for it */
#define VIRTIO_STATUS_FEATURES_OK 8 /* feature negotiation is complete */
#define VIRTIO_STATUS_DRIVER_OK 4 /* the driver is ready: the device is live */
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64 /* set by the device: it cannot go on */
#define VIRTIO_STATUS_FAILED 128 /* set by the driver: it gave up */
/* book:end status-bits */

/* Device-independent feature bits, chapter 6 "Reserved Feature Bits" (bit numbers). */
#define VIRTIO_F_INDIRECT_DESC 28 /* descriptors may point to descriptor tables */
#define VIRTIO_F_EVENT_IDX 29 /* used_event / avail_event notification suppression */
#define VIRTIO_F_VERSION_1 32 /* this specification, not the legacy interface */
#define VIRTIO_F_ACCESS_PLATFORM 33 /* device addresses go through an IOMMU */
#define VIRTIO_F_RING_PACKED 34 /* the packed virtqueue layout (2.8) */
#define VIRTIO_F_IN_ORDER 35 /* buffers are used in the order they were made available */
#define VIRTIO_F_ORDER_PLATFORM 36 /* memory ordering as for real hardware */
#define VIRTIO_F_SR_IOV 37 /* PCI single-root I/O virtualization */
#define VIRTIO_F_NOTIFICATION_DATA 38 /* notifications carry the avail index too (2.9) */
#define VIRTIO_F_NOTIF_CONFIG_DATA 39 /* notifications carry a device-chosen queue id */
#define VIRTIO_F_RING_RESET 40 /* queues can be reset one by one (2.6.1) */

/* A feature bit number as a mask of the 64 feature bits this project keeps. */
#define VIRTIO_FEATURE(bit) (UINT64_C(1) << (bit))

/* Device IDs, chapter 5. */
#define VIRTIO_ID_BLOCK 2 /* 5.2.1 */

/* book:begin faults */
/*
 * Everything a guest can do wrong that these files detect. Each is reported
 * once per device, through struct virtio_host's report callback, however
 * often the guest repeats it: a guest looping on a bad access must not flood
 * the VMM's log. What the device does about it (ignore the access, refuse the
 * step, fail the request, or set DEVICE_NEEDS_RESET) is said where it happens.
 */
enum virtio_fault {
	VIRTIO_FAULT_NONE,
	/* The register interface (virtio_mmio.c). */
	VIRTIO_FAULT_ACCESS_SIZE, /* a register access not 32 bits wide and aligned */
	VIRTIO_FAULT_READ_WRITE_ONLY, /* a read of a write-only register */
	VIRTIO_FAULT_WRITE_READ_ONLY, /* a write to a read-only register */
	VIRTIO_FAULT_NO_REGISTER, /* an offset with no register */
	VIRTIO_FAULT_LEGACY_REGISTER, /* a register of the legacy (version 1) interface */
	VIRTIO_FAULT_CONFIG_ACCESS, /* a config space access out of range or misaligned */
	VIRTIO_FAULT_CONFIG_WRITE, /* a write to read-only config space */
	VIRTIO_FAULT_STATUS_CLEARS, /* a Status write that clears a bit (only 0 may) */
	VIRTIO_FAULT_STATUS_ORDER, /* a Status write that skips a step of 3.1.1 */
	VIRTIO_FAULT_STATUS_BITS, /* a Status write with bits the driver may not set */
	VIRTIO_FAULT_FEATURES, /* FEATURES_OK refused: features not offered, or no VERSION_1 */
	VIRTIO_FAULT_FEATURES_LATE, /* DriverFeatures written after FEATURES_OK */
	VIRTIO_FAULT_NO_QUEUE, /* a queue register while QueueSel names no queue */
	VIRTIO_FAULT_QUEUE_LIVE, /* a queue's layout written while it is ready */
	VIRTIO_FAULT_QUEUE_SIZE, /* QueueNum 0, not a power of 2, or over QueueNumMax */
	VIRTIO_FAULT_QUEUE_READY, /* QueueReady written with a value other than 0 or 1 */
	VIRTIO_FAULT_QUEUE_RESET, /* QueueReset without VIRTIO_F_RING_RESET */
	VIRTIO_FAULT_INTERRUPT_ACK, /* InterruptACK with bits that are no interrupt */
	VIRTIO_FAULT_NOTIFY, /* a notification for a queue that cannot take it */
	/* A queue's layout (virtqueue.c, at QueueReady). */
	VIRTIO_FAULT_RING_ADDRESS, /* QueueReady with an area whose address was never written */
	VIRTIO_FAULT_RING_ALIGNMENT, /* an area not aligned as 2.7 requires */
	VIRTIO_FAULT_RING_OUTSIDE_RAM, /* an area outside guest RAM, or wrapping past 2^64 */
	/* A queue's contents (virtqueue.c, on each buffer). */
	VIRTIO_FAULT_AVAIL_IDX, /* avail.idx moved by more than the queue size */
	VIRTIO_FAULT_HEAD_INDEX, /* an available ring entry past the descriptor table */
	VIRTIO_FAULT_NEXT_INDEX, /* a descriptor's next past the descriptor table */
	VIRTIO_FAULT_CHAIN_LOOP, /* a chain with more descriptors than the queue: it loops */
	VIRTIO_FAULT_INDIRECT, /* VIRTQ_DESC_F_INDIRECT, a feature never offered */
	VIRTIO_FAULT_BUFFER_WRAPS, /* a buffer whose addr + len wraps past 2^64 */
	VIRTIO_FAULT_BUFFER_RAM, /* a buffer outside guest RAM */
	VIRTIO_FAULT_CHAIN_ORDER, /* a device-readable descriptor after a device-writable one */
	VIRTIO_FAULT_CHAIN_TOO_LONG, /* a chain of more than 2^32 - 1 bytes (2.7.5.2) */
	/* A block request (virtio_blk.c). */
	VIRTIO_FAULT_BLK_NO_STATUS, /* no device-writable byte for the status */
	VIRTIO_FAULT_BLK_HEADER, /* fewer than 16 device-readable bytes for the header */
	VIRTIO_FAULT_BLK_DIRECTION, /* data the device would have to move the wrong way */
	VIRTIO_FAULT_BLK_LENGTH, /* data not a multiple of 512 bytes (20 for GET_ID) */
	VIRTIO_FAULT_BLK_RANGE, /* sectors past the capacity */
	VIRTIO_FAULT_BLK_OVERFLOW, /* a sector whose byte offset overflows 64 bits */
	VIRTIO_FAULT_BLK_READ_ONLY, /* a write to a read-only disk */
	VIRTIO_FAULT_BLK_TYPE, /* a request type this device does not support */
	VIRTIO_FAULT_BLK_IO, /* the host's read, write or sync failed */
	VIRTIO_FAULTS
};
_Static_assert(VIRTIO_FAULTS <= 64, "one bit of a uint64_t per fault says it was reported");
/* book:end faults */

/* One fault, as a kind and one sentence naming its cause (no newline). */
#define VIRTIO_WHY_MAX 240
struct virtio_why {
	enum virtio_fault fault;
	char text[VIRTIO_WHY_MAX];
};

/*
 * Records a fault in why (printf-style sentence) and returns -1, for
 * `return virtio_fail(...)`. Defined in virtqueue.c, which every device links.
 */
int virtio_fail(struct virtio_why *why, enum virtio_fault fault, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Little-endian fields in guest memory or in a register (the whole spec is little-endian). */
static inline uint16_t virtio_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t virtio_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t virtio_le64(const uint8_t *p)
{
	return virtio_le32(p) | (uint64_t)virtio_le32(p + 4) << 32;
}

static inline void virtio_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void virtio_put_le32(uint8_t *p, uint32_t v)
{
	virtio_put_le16(p, (uint16_t)v);
	virtio_put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void virtio_put_le64(uint8_t *p, uint64_t v)
{
	virtio_put_le32(p, (uint32_t)v);
	virtio_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* book:begin virtio-host */
/*
 * What the virtio files need from the VMM. ctx is passed back to each.
 *
 * guest_ptr: the host address of guest physical [gpa, gpa + len), or NULL
 *   when any byte of it is outside guest RAM. It must check for overflow, and
 *   keep its answer for the life of the VM (RAM is mapped once), with the
 *   host address aligned as gpa is, modulo 16 at least (mmap'ed RAM is).
 *   This is the only way the device reaches guest memory.
 * set_irq: the device's interrupt line changed to level 0 or 1. The line is
 *   high while InterruptStatus is not 0 (4.2.3.4); calls come on changes only.
 * report: one sentence (no newline) about something the guest did wrong;
 *   each kind of fault is reported once. May be NULL.
 */
struct virtio_host {
	void *(*guest_ptr)(void *ctx, uint64_t gpa, uint64_t len);
	void (*set_irq)(void *ctx, int level);
	void (*report)(void *ctx, const char *sentence);
	void *ctx;
};
/* book:end virtio-host */

struct virtq_chain;

/*
 * What a device type gives a transport: its identity, the features it offers,
 * its queues, its configuration space, and the function that serves one request.
 */
struct virtio_device {
	uint32_t device_id; /* chapter 5: VIRTIO_ID_BLOCK, ... */
	uint64_t features; /* offered; VIRTIO_F_VERSION_1 must be among them (chapter 6) */
	unsigned num_queues; /* queues 0 .. num_queues - 1 exist */
	uint16_t queue_num_max; /* the largest size each accepts (QueueNumMax) */
	const uint8_t *config; /* the device configuration space, little-endian (2.5) */
	uint32_t config_size; /* its bytes; config must stay valid while the device lives */
	/*
	 * Serves one request: chain holds its buffers, checked (every byte in guest
	 * RAM). features are those negotiated. Sets *written to the bytes it wrote
	 * into the device-writable buffers (the used ring's len, 2.7.8) and returns
	 * 0, or returns -1 when the device cannot go on (DEVICE_NEEDS_RESET). Either
	 * way it may leave a fault in why, for the VMM's log.
	 */
	int (*serve)(void *ctx, unsigned queue, const struct virtq_chain *chain, uint64_t features,
		     uint32_t *written, struct virtio_why *why);
	void *ctx;
};

#endif
