/*
 * A split virtqueue from the device's side (virtio 1.2, 2.7): checking a
 * queue's layout, taking descriptor chains from the available ring, and
 * returning them through the used ring.
 *
 * The guest writes the rings while we read them: with --ioeventfd the device
 * runs on its own thread, beside the vCPU. The two indexes are the only
 * fields both sides watch, so they are read with acquire and written with
 * release ordering, one 16-bit access each: what the driver wrote before
 * moving avail.idx is visible once we see the new avail.idx, and what we
 * wrote in the used ring is visible before the new used.idx is.
 */
#include "virtqueue.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int virtio_fail(struct virtio_why *why, enum virtio_fault fault, const char *format, ...)
{
	va_list args;

	why->fault = fault;
	va_start(args, format);
	vsnprintf(why->text, sizeof(why->text), format, args);
	va_end(args);
	return -1;
}

/* book:begin indexes */
/* An index the driver moves while we look: one aligned 16-bit load, then little-endian. */
static uint16_t load_index(const uint8_t *field)
{
	uint16_t raw = __atomic_load_n((const uint16_t *)(const void *)field, __ATOMIC_ACQUIRE);
	uint8_t bytes[2];

	memcpy(bytes, &raw, sizeof(raw));
	return virtio_le16(bytes);
}

static void store_index(uint8_t *field, uint16_t value)
{
	uint8_t bytes[2];
	uint16_t raw;

	virtio_put_le16(bytes, value);
	memcpy(&raw, bytes, sizeof(raw));
	__atomic_store_n((uint16_t *)(void *)field, raw, __ATOMIC_RELEASE);
}
/* book:end indexes */

void virtq_reset(struct virtq *vq, uint16_t size_max)
{
	memset(vq, 0, sizeof(*vq));
	/* QueueNum is write-only: a driver that never writes it gets the largest size. */
	vq->size = size_max;
}

int virtq_set_size(struct virtq *vq, uint32_t size, uint16_t size_max, struct virtio_why *why)
{
	if (size == 0 || (size & (size - 1)) != 0)
		return virtio_fail(why, VIRTIO_FAULT_QUEUE_SIZE,
				   "QueueNum = %u: a queue size is a power of 2 (2.7)", size);
	if (size > size_max)
		return virtio_fail(why, VIRTIO_FAULT_QUEUE_SIZE,
				   "QueueNum = %u, over QueueNumMax = %u (4.2.2.2)", size,
				   size_max);
	vq->size = (uint16_t)size;
	return 0;
}

void virtq_set_address(struct virtq *vq, unsigned area, bool high, uint32_t value)
{
	uint64_t *gpa = area == VIRTQ_AREA_DESC     ? &vq->desc_gpa
			: area == VIRTQ_AREA_DRIVER ? &vq->driver_gpa
						    : &vq->device_gpa;

	if (high)
		*gpa = (*gpa & UINT32_MAX) | (uint64_t)value << 32;
	else
		*gpa = (*gpa & ~(uint64_t)UINT32_MAX) | value;
	vq->areas_set |= (uint8_t)area;
}

/* book:begin virtq-enable */
/* One area of the queue: aligned, not wrapping, wholly in RAM; its host address in *host. */
static int map_area(const struct virtq_memory *mem, const char *name, uint64_t gpa, uint32_t bytes,
		    unsigned align, uint8_t **host, struct virtio_why *why)
{
	if (gpa % align)
		return virtio_fail(why, VIRTIO_FAULT_RING_ALIGNMENT,
				   "the %s at 0x%llx is not %u-byte aligned (2.7)", name,
				   (unsigned long long)gpa, align);
	if (gpa > UINT64_MAX - (bytes - 1))
		return virtio_fail(why, VIRTIO_FAULT_RING_OUTSIDE_RAM,
				   "the %s at 0x%llx, %u bytes, wraps past 2^64", name,
				   (unsigned long long)gpa, bytes);
	*host = mem->guest_ptr(mem->ctx, gpa, bytes);
	if (!*host)
		return virtio_fail(why, VIRTIO_FAULT_RING_OUTSIDE_RAM,
				   "the %s at 0x%llx-0x%llx is not all in guest RAM", name,
				   (unsigned long long)gpa, (unsigned long long)(gpa + bytes - 1));
	return 0;
}

int virtq_enable(struct virtq *vq, const struct virtq_memory *mem, struct virtio_why *why)
{
	static const struct {
		unsigned area;
		const char *name;
	} areas[] = {
	    {VIRTQ_AREA_DESC, "descriptor table (QueueDescLow/High)"},
	    {VIRTQ_AREA_DRIVER, "available ring (QueueDriverLow/High)"},
	    {VIRTQ_AREA_DEVICE, "used ring (QueueDeviceLow/High)"},
	};

	/* 0 is a valid guest physical address: what matters is whether it was written. */
	for (unsigned i = 0; i < sizeof(areas) / sizeof(areas[0]); i++)
		if (!(vq->areas_set & areas[i].area))
			return virtio_fail(why, VIRTIO_FAULT_RING_ADDRESS,
					   "QueueReady = 1, but the address of the %s was never "
					   "written",
					   areas[i].name);
	if (map_area(mem, "descriptor table", vq->desc_gpa, VIRTQ_DESC_BYTES(vq->size),
		     VIRTQ_DESC_ALIGN, &vq->desc, why) < 0 ||
	    map_area(mem, "available ring", vq->driver_gpa, VIRTQ_AVAIL_BYTES(vq->size),
		     VIRTQ_AVAIL_ALIGN, &vq->avail, why) < 0 ||
	    map_area(mem, "used ring", vq->device_gpa, VIRTQ_USED_BYTES(vq->size), VIRTQ_USED_ALIGN,
		     &vq->used, why) < 0)
		return -1;
	vq->next_avail = 0;
	vq->next_used = 0;
	vq->ready = true;
	return 0;
}
/* book:end virtq-enable */

/* book:begin virtq-walk */
/*
 * Follows the chain from head through the descriptor table, checking each
 * descriptor (a copy: the guest may rewrite the table as we read it).
 * Descriptors are indexes below the queue size, so a chain with more than
 * `size` descriptors has visited one twice: it loops, and would loop forever.
 */
static int walk_chain(const struct virtq *vq, const struct virtq_memory *mem, uint16_t head,
		      struct virtq_chain *chain, struct virtio_why *why)
{
	uint16_t index = head;

	chain->head = head;
	chain->count = chain->readable = 0;
	chain->read_bytes = chain->write_bytes = 0;
	for (;;) {
		uint8_t desc[VIRTQ_DESC_SIZE];

		if (chain->count == vq->size)
			return virtio_fail(why, VIRTIO_FAULT_CHAIN_LOOP,
					   "the chain from descriptor %u has more descriptors than "
					   "the queue's %u: it loops",
					   head, vq->size);
		memcpy(desc, vq->desc + (size_t)index * VIRTQ_DESC_SIZE, sizeof(desc));

		uint64_t addr = virtio_le64(desc + VIRTQ_DESC_ADDR);
		uint32_t len = virtio_le32(desc + VIRTQ_DESC_LEN);
		uint16_t flags = virtio_le16(desc + VIRTQ_DESC_FLAGS);
		bool writable = flags & VIRTQ_DESC_F_WRITE;

		if (flags & VIRTQ_DESC_F_INDIRECT)
			return virtio_fail(why, VIRTIO_FAULT_INDIRECT,
					   "descriptor %u has VIRTQ_DESC_F_INDIRECT, but "
					   "VIRTIO_F_INDIRECT_DESC was never offered (2.7.5.3.1)",
					   index);
		if (len && addr > UINT64_MAX - (len - 1))
			return virtio_fail(why, VIRTIO_FAULT_BUFFER_WRAPS,
					   "descriptor %u: %u bytes at 0x%llx wrap past 2^64",
					   index, len, (unsigned long long)addr);
		uint8_t *host = mem->guest_ptr(mem->ctx, addr, len);
		if (!host)
			return virtio_fail(why, VIRTIO_FAULT_BUFFER_RAM,
					   "descriptor %u: %u bytes at 0x%llx are not all in guest "
					   "RAM",
					   index, len, (unsigned long long)addr);
		if (!writable && chain->count > chain->readable)
			return virtio_fail(why, VIRTIO_FAULT_CHAIN_ORDER,
					   "descriptor %u is device-readable but follows a "
					   "device-writable one (2.7.4.2)",
					   index);
		/* 2.7.5.2 allows 2^32 bytes, but a used ring's 32-bit len cannot count them. */
		if (chain->read_bytes + chain->write_bytes + len > UINT32_MAX)
			return virtio_fail(why, VIRTIO_FAULT_CHAIN_TOO_LONG,
					   "the chain from descriptor %u holds more than 2^32 - 1 "
					   "bytes (2.7.5.2)",
					   head);

		chain->buffer[chain->count++] = (struct virtq_buffer){host, len, writable};
		if (writable) {
			chain->write_bytes += len;
		} else {
			chain->readable++;
			chain->read_bytes += len;
		}
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return 0;
		uint16_t next = virtio_le16(desc + VIRTQ_DESC_NEXT);
		if (next >= vq->size)
			return virtio_fail(
			    why, VIRTIO_FAULT_NEXT_INDEX,
			    "descriptor %u chains to descriptor %u, past the table's "
			    "%u",
			    index, next, vq->size);
		index = next;
	}
}
/* book:end virtq-walk */

/* book:begin virtq-next */
int virtq_next(struct virtq *vq, const struct virtq_memory *mem, struct virtq_chain *chain,
	       struct virtio_why *why)
{
	uint16_t avail_idx = load_index(vq->avail + VIRTQ_AVAIL_IDX);
	/* Both indexes run freely and wrap at 65536: the difference is what is new. */
	uint16_t waiting = (uint16_t)(avail_idx - vq->next_avail);

	if (waiting == 0)
		return 0;
	/* The driver can never have more buffers out than the ring has entries. */
	if (waiting > vq->size)
		return virtio_fail(why, VIRTIO_FAULT_AVAIL_IDX,
				   "avail.idx moved to %u with the device at %u: %u new buffers in "
				   "a queue of %u",
				   avail_idx, vq->next_avail, waiting, vq->size);

	uint16_t slot = vq->next_avail & (vq->size - 1);
	uint16_t head = virtio_le16(vq->avail + VIRTQ_AVAIL_RING + 2 * slot);

	if (head >= vq->size)
		return virtio_fail(
		    why, VIRTIO_FAULT_HEAD_INDEX,
		    "available ring entry %u names descriptor %u, past the table's %u", slot, head,
		    vq->size);
	if (walk_chain(vq, mem, head, chain, why) < 0)
		return -1;
	vq->next_avail++;
	return 1;
}

void virtq_put_used(struct virtq *vq, uint16_t head, uint32_t written)
{
	uint8_t *elem = vq->used + VIRTQ_USED_RING +
			(size_t)(vq->next_used & (vq->size - 1)) * VIRTQ_USED_ELEM_SIZE;

	virtio_put_le32(elem, head);
	virtio_put_le32(elem + 4, written);
	vq->next_used++;
	store_index(vq->used + VIRTQ_USED_IDX, vq->next_used); /* after the element: release */
}
/* book:end virtq-next */

/*
 * Read after used.idx was published, with a full barrier between: a driver
 * that turns interrupts back on and then rechecks used.idx (2.7.14) either
 * sees our entry or we see its flag, never neither.
 */
bool virtq_interrupt_suppressed(const struct virtq *vq)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load_index(vq->avail + VIRTQ_AVAIL_FLAGS) & VIRTQ_AVAIL_F_NO_INTERRUPT;
}
