/*
 * A split virtqueue (virtio 1.2, 2.7), seen from the device.
 *
 * The driver (the guest) owns three areas of its memory: the descriptor
 * table, each entry one buffer (address, length, flags, next); the available
 * ring, where it puts the first descriptor ("head") of each chain it hands
 * over; and the used ring, where the device puts back each head it is done
 * with, and how many bytes it wrote. Every value in them is the guest's, so
 * every one is checked before the device believes it: indexes against the
 * queue size, addresses and lengths against guest RAM (with overflow checks),
 * chains against looping. A descriptor is copied out of guest memory once and
 * only the copy is used, so the guest cannot change it after the check.
 *
 * Guest memory is reached only through the VMM's guest_ptr callback. The
 * device does not use VIRTIO_F_INDIRECT_DESC, VIRTIO_F_EVENT_IDX or
 * VIRTIO_F_RING_PACKED: they are never offered (virtio_mmio.c says why).
 */
#ifndef VIRTQUEUE_H
#define VIRTQUEUE_H

#include "virtio.h"

/* book:begin virtq-layout */
/* struct virtq_desc, 2.7.5: one buffer, 16 bytes in the descriptor table. */
#define VIRTQ_DESC_SIZE 16
#define VIRTQ_DESC_ADDR 0 /* le64: guest physical address of the buffer */
#define VIRTQ_DESC_LEN 8 /* le32: its length in bytes */
#define VIRTQ_DESC_FLAGS 12 /* le16: VIRTQ_DESC_F_* */
#define VIRTQ_DESC_NEXT 14 /* le16: the next descriptor of the chain, with F_NEXT */
#define VIRTQ_DESC_F_NEXT 1 /* the chain goes on at next */
#define VIRTQ_DESC_F_WRITE 2 /* device-writable (else device-readable) */
#define VIRTQ_DESC_F_INDIRECT 4 /* the buffer is a table of descriptors (2.7.5.3) */

/* struct virtq_avail, 2.7.6: written by the driver only. */
#define VIRTQ_AVAIL_FLAGS 0 /* le16: VIRTQ_AVAIL_F_* */
#define VIRTQ_AVAIL_IDX 2 /* le16: where the driver puts the next entry, free-running */
#define VIRTQ_AVAIL_RING 4 /* le16 ring[size]: heads of descriptor chains */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1 /* the driver asks for no used buffer notification */

/* struct virtq_used, 2.7.8: written by the device only. */
#define VIRTQ_USED_FLAGS 0 /* le16: VIRTQ_USED_F_NO_NOTIFY; this device leaves it 0 */
#define VIRTQ_USED_IDX 2 /* le16: where the device puts the next entry, free-running */
#define VIRTQ_USED_RING 4 /* struct virtq_used_elem ring[size] */
#define VIRTQ_USED_ELEM_SIZE 8 /* le32 id (a head), le32 len (bytes written into the chain) */
#define VIRTQ_USED_F_NO_NOTIFY 1

/* Sizes and alignments of the three areas, 2.7 (the table after "Each virtqueue..."). */
#define VIRTQ_DESC_ALIGN 16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN 4
#define VIRTQ_DESC_BYTES(size) (16u * (size))
#define VIRTQ_AVAIL_BYTES(size) (6u + 2u * (size))
#define VIRTQ_USED_BYTES(size) (6u + 8u * (size))
/* book:end virtq-layout */

#define VIRTQ_SIZE_LIMIT 32768 /* the largest queue size the spec allows (2.7) */
/*
 * The largest queue size any device here offers. A chain has at most as many
 * descriptors as its queue (more means a loop), so this bounds struct
 * virtq_chain, which lives on the stack: no heap.
 */
#define VIRTQ_SIZE_MAX 256
_Static_assert(VIRTQ_SIZE_MAX <= VIRTQ_SIZE_LIMIT && (VIRTQ_SIZE_MAX & (VIRTQ_SIZE_MAX - 1)) == 0,
	       "a queue size is a power of 2, at most 32768");

/* Which of a queue's three addresses the driver has written since the reset. */
#define VIRTQ_AREA_DESC 1 /* QueueDescLow/High */
#define VIRTQ_AREA_DRIVER 2 /* QueueDriverLow/High: the available ring */
#define VIRTQ_AREA_DEVICE 4 /* QueueDeviceLow/High: the used ring */
#define VIRTQ_AREAS_ALL 7

/* book:begin virtq-struct */
/* One queue, as the device keeps it. The guest's copy of the rings is never trusted. */
struct virtq {
	uint16_t size; /* QueueNum: entries in each area, a power of 2 */
	bool ready; /* QueueReady: the device may use the queue */
	uint8_t areas_set; /* VIRTQ_AREA_* written since the reset */
	uint64_t desc_gpa; /* guest physical addresses of the three areas */
	uint64_t driver_gpa; /* the available ring */
	uint64_t device_gpa; /* the used ring */
	/* Valid while ready: */
	uint8_t *desc, *avail, *used; /* the areas, as host addresses (checked at QueueReady) */
	uint16_t next_avail; /* the available ring entry the device takes next */
	uint16_t next_used; /* the device's own used.idx: the guest can scribble on its */
};

/* One buffer of a chain: a descriptor, checked, as a host address. */
struct virtq_buffer {
	uint8_t *host; /* len bytes of guest RAM */
	uint32_t len;
	bool writable; /* device-writable (VIRTQ_DESC_F_WRITE) */
};

/* A descriptor chain taken from the available ring: device-readable buffers first. */
struct virtq_chain {
	uint16_t head; /* what goes back in the used ring */
	uint16_t count; /* buffers in it, 1 .. queue size */
	uint16_t readable; /* of which the first `readable` are device-readable */
	uint64_t read_bytes, write_bytes; /* their lengths, summed (under 2^32 together) */
	struct virtq_buffer buffer[VIRTQ_SIZE_MAX];
};
/* book:end virtq-struct */

/* How the queue reaches guest memory: the VMM's callback (struct virtio_host). */
struct virtq_memory {
	void *(*guest_ptr)(void *ctx, uint64_t gpa, uint64_t len);
	void *ctx;
};

/* Back to the state after a device reset: size size_max, not ready, no addresses. */
void virtq_reset(struct virtq *vq, uint16_t size_max);

/* QueueNum. Refuses (-1, why) 0, a size that is not a power of 2, or one over size_max. */
int virtq_set_size(struct virtq *vq, uint32_t size, uint16_t size_max, struct virtio_why *why);

/* One half of an area's address (QueueDescLow, ..., QueueDeviceHigh); area is VIRTQ_AREA_*. */
void virtq_set_address(struct virtq *vq, unsigned area, bool high, uint32_t value);

/*
 * QueueReady = 1: checks that all three addresses were written, aligned as 2.7
 * requires, each area wholly in guest RAM; then the queue is ready, its indexes
 * at 0 (the driver zeroed the areas, 4.2.3.2). Returns -1 with why, not ready, if not.
 */
int virtq_enable(struct virtq *vq, const struct virtq_memory *mem, struct virtio_why *why);

/*
 * Takes the next chain from the available ring into *chain. Returns 1 with a
 * chain, 0 when the ring is empty, -1 with why when the guest broke a rule of
 * 2.7 (the entry is not taken; the device must be reset).
 */
int virtq_next(struct virtq *vq, const struct virtq_memory *mem, struct virtq_chain *chain,
	       struct virtio_why *why);

/* Puts a chain's head in the used ring with the bytes written into it, and publishes it. */
void virtq_put_used(struct virtq *vq, uint16_t head, uint32_t written);

/* The driver's VIRTQ_AVAIL_F_NO_INTERRUPT: true if it asked for no used buffer notification. */
bool virtq_interrupt_suppressed(const struct virtq *vq);

#endif
