/*
 * The virtio-mmio transport, version 2 ("modern") only: virtio 1.2, 4.2.
 *
 * A virtio device behind a window of 32-bit registers in guest physical
 * address space, then its configuration space at offset 0x100. The model is
 * plain C: no KVM, no threads. The VMM calls virtio_mmio_read()/_write() on
 * each MMIO exit in the window, with the offset from the window's base and
 * the access's bytes as the guest put them (little-endian). Where the window
 * is, and which interrupt line it drives, are the VMM's choice.
 *
 * One caller at a time: the VMM holds a lock per device around every call,
 * virtio_mmio_notify() included (the --ioeventfd thread calls that one
 * directly). The host callbacks run inside those calls, under that lock.
 */
#ifndef VIRTIO_MMIO_H
#define VIRTIO_MMIO_H

#include "virtio.h"
#include "virtqueue.h"

/* book:begin mmio-registers */
/* The register map, 4.2.2 (R: read-only, W: write-only, RW). All are 32 bits wide. */
#define VIRTIO_MMIO_MAGIC_VALUE 0x000 /* R: 0x74726976, "virt" */
#define VIRTIO_MMIO_VERSION 0x004 /* R: 2; the legacy interface was 1 */
#define VIRTIO_MMIO_DEVICE_ID 0x008 /* R: the device type (chapter 5); 0: none */
#define VIRTIO_MMIO_VENDOR_ID 0x00c /* R */
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010 /* R: 32 feature bits, chosen by ..._SEL */
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014 /* W: 0: bits 0-31, 1: bits 32-63, ... */
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020 /* W: the features the driver accepts */
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024 /* W */
#define VIRTIO_MMIO_QUEUE_SEL 0x030 /* W: the queue the Queue* registers mean */
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034 /* R: its largest size; 0: no such queue */
#define VIRTIO_MMIO_QUEUE_NUM 0x038 /* W: the size the driver uses */
#define VIRTIO_MMIO_QUEUE_READY 0x044 /* RW: 1: the device may use the queue */
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050 /* W: "queue N has new buffers" */
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060 /* R: why the interrupt line is high */
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064 /* W: those reasons handled */
#define VIRTIO_MMIO_STATUS 0x070 /* RW: device status (2.1); writing 0 resets */
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080 /* W: the descriptor table's address */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084 /* W */
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090 /* W: the available ring's address */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094 /* W */
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0 /* W: the used ring's address */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4 /* W */
#define VIRTIO_MMIO_SHM_SEL 0x0ac /* W: a shared memory region (2.10) */
#define VIRTIO_MMIO_SHM_LEN_LOW 0x0b0 /* R: its length; all ones: no such region */
#define VIRTIO_MMIO_SHM_LEN_HIGH 0x0b4 /* R */
#define VIRTIO_MMIO_SHM_BASE_LOW 0x0b8 /* R: its address; all ones: no such region */
#define VIRTIO_MMIO_SHM_BASE_HIGH 0x0bc /* R */
#define VIRTIO_MMIO_QUEUE_RESET 0x0c0 /* RW: with VIRTIO_F_RING_RESET only */
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc /* R: changes when the config space does */
#define VIRTIO_MMIO_CONFIG 0x100 /* the device's configuration space */
/* book:end mmio-registers */

/* The legacy interface's registers (4.2.4), which version 2 no longer has. */
#define VIRTIO_MMIO_LEGACY_GUEST_PAGE_SIZE 0x028
#define VIRTIO_MMIO_LEGACY_QUEUE_ALIGN 0x03c
#define VIRTIO_MMIO_LEGACY_QUEUE_PFN 0x040

#define VIRTIO_MMIO_MAGIC 0x74726976 /* 'v' 'i' 'r' 't' in little-endian order */
#define VIRTIO_MMIO_VERSION_MODERN 2
#define VIRTIO_MMIO_VENDOR 0 /* the transport leaves VendorID free; 0: none */

/* InterruptStatus and InterruptACK bits, 4.2.2. */
#define VIRTIO_MMIO_INT_VRING 1 /* Used Buffer Notification: a queue has used buffers */
#define VIRTIO_MMIO_INT_CONFIG 2 /* Configuration Change Notification (and DEVICE_NEEDS_RESET) */

/* Queues a device may have here: virtio-blk without VIRTIO_BLK_F_MQ has one. */
#define VIRTIO_MMIO_QUEUES_MAX 1
/* Driver feature words kept: bits 0-127, where the spec allocates them (2.2). */
#define VIRTIO_MMIO_FEATURE_WORDS 4

struct virtio_mmio {
	struct virtio_host host; /* copies: the caller's structs need not outlive init */
	struct virtio_device device;
	struct virtq_memory memory; /* host.guest_ptr, for the queues */
	uint32_t status; /* Status: VIRTIO_STATUS_* */
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint32_t driver_features[VIRTIO_MMIO_FEATURE_WORDS]; /* as the driver wrote them */
	bool driver_features_beyond; /* a bit past 127 was accepted: never offered */
	uint32_t queue_sel;
	struct virtq queue[VIRTIO_MMIO_QUEUES_MAX];
	uint32_t interrupt_status; /* VIRTIO_MMIO_INT_* not yet acknowledged */
	int irq_level; /* the level last given to host.set_irq */
	uint32_t shm_sel; /* SHMSel: stored; there are no regions */
	uint64_t reported; /* bit n: fault n was reported (say it once) */
};

/*
 * The device at power-on: status 0, the line low (no set_irq call). host and
 * device are copied. device must offer VIRTIO_F_VERSION_1, have at most
 * VIRTIO_MMIO_QUEUES_MAX queues of at most VIRTQ_SIZE_MAX entries (a power of 2).
 */
void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_host *host,
		      const struct virtio_device *device);

/*
 * A guest access of len bytes (1, 2, 4 or 8, as the MMIO exit says) at offset
 * from the window's base; data in the guest's byte order (little-endian).
 * Registers take 32-bit aligned accesses only; anything else reads as 0 or is
 * ignored, with one diagnostic.
 */
void virtio_mmio_read(struct virtio_mmio *t, uint64_t offset, uint8_t *data, unsigned len);
void virtio_mmio_write(struct virtio_mmio *t, uint64_t offset, const uint8_t *data, unsigned len);

/*
 * An available buffer notification for queue (4.2.3.3): what a write of
 * queue to QueueNotify does. The --ioeventfd thread calls it directly when
 * KVM signals the eventfd bound to QueueNotify. Serves every waiting request,
 * then raises the interrupt if any buffer was used and the driver wants it.
 */
void virtio_mmio_notify(struct virtio_mmio *t, uint32_t queue);

/* The features negotiated: those the driver accepted, once FEATURES_OK is set (else 0). */
uint64_t virtio_mmio_features(const struct virtio_mmio *t);

#endif
