/*
 * virtio-mmio, version 2 (virtio 1.2, 4.2): the register window, the device
 * status state machine, feature negotiation, queue set-up, notifications and
 * the interrupt. What the device does with a request is the device's
 * (struct virtio_device's serve, e.g. virtio_blk.c).
 *
 * The spec says what a driver MUST NOT do (4.2.2.2) but rarely what a device
 * does when one does it anyway. The rules here:
 * - a register access that is not 32 bits wide and aligned, a read of a
 *   write-only register, a write to a read-only one, an offset with no
 *   register: reads give 0, writes change nothing;
 * - a Status write that breaks the rules of 2.1 and 3.1.1 changes nothing,
 *   except that FEATURES_OK is refused the way 2.2.2 says: left clear;
 * - a queue the driver set up wrongly, a notification the device cannot act
 *   on, a broken descriptor chain: DEVICE_NEEDS_RESET (2.1.2), and with
 *   DRIVER_OK a configuration change interrupt to say so;
 * each with one diagnostic through host.report, once per kind of fault.
 */
#include "virtio_mmio.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The device-independent feature bits: 24 to 49 (2.2). Of them this transport has VERSION_1. */
#define RESERVED_FEATURES (((UINT64_C(1) << 50) - 1) & ~((UINT64_C(1) << 24) - 1))

/* The bits of Status a driver may set; DEVICE_NEEDS_RESET is the device's. */
#define DRIVER_STATUS_BITS                                                                         \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |            \
	 VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FAILED)

#define ACCESS_R 1
#define ACCESS_W 2
#define ACCESS_RW 3

static const struct mmio_register {
	uint16_t offset;
	uint8_t access;
	const char *name;
} registers[] = {
    {VIRTIO_MMIO_MAGIC_VALUE, ACCESS_R, "MagicValue"},
    {VIRTIO_MMIO_VERSION, ACCESS_R, "Version"},
    {VIRTIO_MMIO_DEVICE_ID, ACCESS_R, "DeviceID"},
    {VIRTIO_MMIO_VENDOR_ID, ACCESS_R, "VendorID"},
    {VIRTIO_MMIO_DEVICE_FEATURES, ACCESS_R, "DeviceFeatures"},
    {VIRTIO_MMIO_DEVICE_FEATURES_SEL, ACCESS_W, "DeviceFeaturesSel"},
    {VIRTIO_MMIO_DRIVER_FEATURES, ACCESS_W, "DriverFeatures"},
    {VIRTIO_MMIO_DRIVER_FEATURES_SEL, ACCESS_W, "DriverFeaturesSel"},
    {VIRTIO_MMIO_QUEUE_SEL, ACCESS_W, "QueueSel"},
    {VIRTIO_MMIO_QUEUE_NUM_MAX, ACCESS_R, "QueueNumMax"},
    {VIRTIO_MMIO_QUEUE_NUM, ACCESS_W, "QueueNum"},
    {VIRTIO_MMIO_QUEUE_READY, ACCESS_RW, "QueueReady"},
    {VIRTIO_MMIO_QUEUE_NOTIFY, ACCESS_W, "QueueNotify"},
    {VIRTIO_MMIO_INTERRUPT_STATUS, ACCESS_R, "InterruptStatus"},
    {VIRTIO_MMIO_INTERRUPT_ACK, ACCESS_W, "InterruptACK"},
    {VIRTIO_MMIO_STATUS, ACCESS_RW, "Status"},
    {VIRTIO_MMIO_QUEUE_DESC_LOW, ACCESS_W, "QueueDescLow"},
    {VIRTIO_MMIO_QUEUE_DESC_HIGH, ACCESS_W, "QueueDescHigh"},
    {VIRTIO_MMIO_QUEUE_DRIVER_LOW, ACCESS_W, "QueueDriverLow"},
    {VIRTIO_MMIO_QUEUE_DRIVER_HIGH, ACCESS_W, "QueueDriverHigh"},
    {VIRTIO_MMIO_QUEUE_DEVICE_LOW, ACCESS_W, "QueueDeviceLow"},
    {VIRTIO_MMIO_QUEUE_DEVICE_HIGH, ACCESS_W, "QueueDeviceHigh"},
    {VIRTIO_MMIO_SHM_SEL, ACCESS_W, "SHMSel"},
    {VIRTIO_MMIO_SHM_LEN_LOW, ACCESS_R, "SHMLenLow"},
    {VIRTIO_MMIO_SHM_LEN_HIGH, ACCESS_R, "SHMLenHigh"},
    {VIRTIO_MMIO_SHM_BASE_LOW, ACCESS_R, "SHMBaseLow"},
    {VIRTIO_MMIO_SHM_BASE_HIGH, ACCESS_R, "SHMBaseHigh"},
    {VIRTIO_MMIO_QUEUE_RESET, ACCESS_RW, "QueueReset"},
    {VIRTIO_MMIO_CONFIG_GENERATION, ACCESS_R, "ConfigGeneration"},
};

static const struct mmio_register *find_register(uint64_t offset)
{
	for (size_t i = 0; i < sizeof(registers) / sizeof(registers[0]); i++)
		if (registers[i].offset == offset)
			return &registers[i];
	return NULL;
}

static bool is_legacy_register(uint64_t offset)
{
	return offset == VIRTIO_MMIO_LEGACY_GUEST_PAGE_SIZE ||
	       offset == VIRTIO_MMIO_LEGACY_QUEUE_ALIGN || offset == VIRTIO_MMIO_LEGACY_QUEUE_PFN;
}

/* A fault goes to the VMM's log the first time it happens, and never again. */
static void report(struct virtio_mmio *t, const struct virtio_why *why)
{
	uint64_t bit = UINT64_C(1) << why->fault;

	if (why->fault == VIRTIO_FAULT_NONE || (t->reported & bit))
		return;
	t->reported |= bit;
	if (t->host.report)
		t->host.report(t->host.ctx, why->text);
}

static void fault(struct virtio_mmio *t, enum virtio_fault kind, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void fault(struct virtio_mmio *t, enum virtio_fault kind, const char *format, ...)
{
	struct virtio_why why = {.fault = kind};
	va_list args;

	if (t->reported & (UINT64_C(1) << kind))
		return; /* said already: spare the formatting */
	va_start(args, format);
	vsnprintf(why.text, sizeof(why.text), format, args);
	va_end(args);
	report(t, &why);
}

/* book:begin mmio-irq */
/* The line is high while any InterruptStatus bit is set (4.2.3.4): a level, not an edge. */
static void update_irq(struct virtio_mmio *t)
{
	int level = t->interrupt_status != 0;

	if (level == t->irq_level)
		return;
	t->irq_level = level;
	if (t->host.set_irq)
		t->host.set_irq(t->host.ctx, level);
}

static void raise_interrupt(struct virtio_mmio *t, uint32_t reason)
{
	t->interrupt_status |= reason;
	update_irq(t);
}
/* book:end mmio-irq */

/* book:begin reset */
/*
 * The device cannot go on (2.1.2): it says so in Status, and, once the driver
 * is live, with a configuration change interrupt (3.2.1). It serves no
 * request until the driver resets it.
 */
static void needs_reset(struct virtio_mmio *t)
{
	t->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	if (t->status & VIRTIO_STATUS_DRIVER_OK)
		raise_interrupt(t, VIRTIO_MMIO_INT_CONFIG);
}

/*
 * Writing 0 to Status (4.2.2): everything the driver set is forgotten, every
 * queue, every feature, every pending interrupt. What the device itself is
 * (its features, its configuration) and which faults were reported stay.
 */
static void reset(struct virtio_mmio *t)
{
	t->status = 0;
	t->device_features_sel = t->driver_features_sel = 0;
	memset(t->driver_features, 0, sizeof(t->driver_features));
	t->driver_features_beyond = false;
	t->queue_sel = 0;
	for (unsigned q = 0; q < VIRTIO_MMIO_QUEUES_MAX; q++)
		virtq_reset(&t->queue[q], t->device.queue_num_max);
	t->shm_sel = 0;
	t->interrupt_status = 0;
	update_irq(t);
}
/* book:end reset */

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_host *host,
		      const struct virtio_device *device)
{
	uint16_t max = device->queue_num_max;

	assert(device->features & VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
	/* The queues here are split rings, without indirect descriptors or event indexes. */
	assert((device->features & RESERVED_FEATURES) == VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
	assert(device->num_queues <= VIRTIO_MMIO_QUEUES_MAX);
	assert(max > 0 && max <= VIRTQ_SIZE_MAX && (max & (max - 1)) == 0);

	memset(t, 0, sizeof(*t));
	t->host = *host;
	t->device = *device;
	t->memory = (struct virtq_memory){host->guest_ptr, host->ctx};
	reset(t);
}

uint64_t virtio_mmio_features(const struct virtio_mmio *t)
{
	if (!(t->status & VIRTIO_STATUS_FEATURES_OK))
		return 0;
	return t->driver_features[0] | (uint64_t)t->driver_features[1] << 32;
}

/* The selected queue, or NULL (with a diagnostic) when QueueSel names none. */
static struct virtq *selected_queue(struct virtio_mmio *t, const char *reg)
{
	if (t->queue_sel < t->device.num_queues)
		return &t->queue[t->queue_sel];
	fault(t, VIRTIO_FAULT_NO_QUEUE,
	      "a write to %s while QueueSel = %u, but the device has %u queue(s): ignored", reg,
	      t->queue_sel, t->device.num_queues);
	return NULL;
}

/* book:begin features-ok */
/*
 * FEATURES_OK (3.1.1 step 5): the device checks the driver's choice. It must
 * not accept a feature the device did not offer (2.2.1), and must accept
 * VIRTIO_F_VERSION_1: there is no legacy interface here (chapter 6).
 */
static bool features_acceptable(struct virtio_mmio *t)
{
	uint64_t offered = t->device.features;

	for (unsigned word = 0; word < VIRTIO_MMIO_FEATURE_WORDS; word++) {
		uint32_t mine = word < 2 ? (uint32_t)(offered >> (32 * word)) : 0;
		uint32_t extra = t->driver_features[word] & ~mine;

		if (extra) {
			fault(t, VIRTIO_FAULT_FEATURES,
			      "FEATURES_OK refused: the driver accepts feature bit %u, which the "
			      "device does not offer (2.2.1)",
			      32 * word + (unsigned)__builtin_ctz(extra));
			return false;
		}
	}
	if (t->driver_features_beyond) {
		fault(t, VIRTIO_FAULT_FEATURES,
		      "FEATURES_OK refused: the driver accepts a feature bit above 127, which the "
		      "device does not offer (2.2.1)");
		return false;
	}
	if (!(t->driver_features[1] & (1u << (VIRTIO_F_VERSION_1 - 32)))) {
		fault(t, VIRTIO_FAULT_FEATURES,
		      "FEATURES_OK refused: the driver did not accept VIRTIO_F_VERSION_1 (bit 32); "
		      "this device has no legacy interface (chapter 6)");
		return false;
	}
	return true;
}
/* book:end features-ok */

/* Which step of 3.1.1 a status skips, or NULL: each bit needs the one before it. */
static const char *skipped_step(uint32_t status)
{
	if ((status & VIRTIO_STATUS_DRIVER) && !(status & VIRTIO_STATUS_ACKNOWLEDGE))
		return "DRIVER without ACKNOWLEDGE";
	if ((status & VIRTIO_STATUS_FEATURES_OK) && !(status & VIRTIO_STATUS_DRIVER))
		return "FEATURES_OK without DRIVER";
	if ((status & VIRTIO_STATUS_DRIVER_OK) && !(status & VIRTIO_STATUS_FEATURES_OK))
		return "DRIVER_OK without FEATURES_OK";
	return NULL;
}

/* book:begin write-status */
static void write_status(struct virtio_mmio *t, uint32_t value)
{
	uint32_t cleared = t->status & ~value;
	uint32_t added = value & ~t->status;
	const char *skipped = skipped_step(value);

	if (value == 0) {
		reset(t);
		return;
	}
	if (value & ~(DRIVER_STATUS_BITS | VIRTIO_STATUS_DEVICE_NEEDS_RESET)) {
		fault(t, VIRTIO_FAULT_STATUS_BITS,
		      "Status = 0x%x sets bits that mean nothing (2.1): ignored", value);
		return;
	}
	if (added & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
		fault(t, VIRTIO_FAULT_STATUS_BITS,
		      "Status = 0x%x sets DEVICE_NEEDS_RESET, which only the device sets (2.1): "
		      "ignored",
		      value);
		return;
	}
	if (cleared) {
		fault(t, VIRTIO_FAULT_STATUS_CLEARS,
		      "Status = 0x%x would clear bits 0x%x of 0x%x; a driver never clears one, "
		      "it writes 0 to reset (2.1.1): ignored",
		      value, cleared, t->status);
		return;
	}
	if (skipped) {
		fault(t, VIRTIO_FAULT_STATUS_ORDER,
		      "Status = 0x%x sets %s: the driver goes ACKNOWLEDGE, DRIVER, FEATURES_OK, "
		      "DRIVER_OK (3.1.1): ignored",
		      value, skipped);
		return;
	}
	/* Refused features: FEATURES_OK stays clear, and the driver reads it back (step 6). */
	if ((added & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(t))
		value &= ~(uint32_t)(VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	t->status = value;
}
/* book:end write-status */

static void write_driver_features(struct virtio_mmio *t, uint32_t value)
{
	uint32_t sel = t->driver_features_sel;

	if (t->status & VIRTIO_STATUS_FEATURES_OK) {
		fault(t, VIRTIO_FAULT_FEATURES_LATE,
		      "DriverFeatures written after FEATURES_OK; features are fixed until a reset "
		      "(3.1.1): ignored");
		return;
	}
	if (sel < VIRTIO_MMIO_FEATURE_WORDS)
		t->driver_features[sel] = value;
	else if (value)
		t->driver_features_beyond = true;
}

static uint32_t device_features(const struct virtio_mmio *t)
{
	return t->device_features_sel < 2
		   ? (uint32_t)(t->device.features >> (32 * t->device_features_sel))
		   : 0;
}

static void write_queue_ready(struct virtio_mmio *t, uint32_t value)
{
	struct virtq *vq = selected_queue(t, "QueueReady");
	struct virtio_why why;

	if (!vq)
		return;
	if (value > 1) {
		fault(t, VIRTIO_FAULT_QUEUE_READY,
		      "QueueReady = %u for queue %u; it takes 1 (ready) or 0 (stop): ignored",
		      value, t->queue_sel);
		return;
	}
	if (value == 0) {
		vq->ready = false; /* the device stops using it; the layout stays */
		return;
	}
	if (!vq->ready && virtq_enable(vq, &t->memory, &why) < 0) {
		report(t, &why);
		needs_reset(t);
	}
}

/* QueueNum and the six address halves: the queue's layout, fixed while it is ready. */
static struct virtq *queue_to_lay_out(struct virtio_mmio *t, const char *reg)
{
	struct virtq *vq = selected_queue(t, reg);

	if (vq && vq->ready) {
		fault(t, VIRTIO_FAULT_QUEUE_LIVE,
		      "a write to %s while queue %u is ready; its layout is fixed until QueueReady "
		      "= 0 (4.2.2.2): ignored",
		      reg, t->queue_sel);
		return NULL;
	}
	return vq;
}

static void write_queue_num(struct virtio_mmio *t, uint32_t value)
{
	struct virtq *vq = queue_to_lay_out(t, "QueueNum");
	struct virtio_why why;

	if (vq && virtq_set_size(vq, value, t->device.queue_num_max, &why) < 0) {
		report(t, &why);
		needs_reset(t);
	}
}

static void write_queue_address(struct virtio_mmio *t, const char *reg, unsigned area, bool high,
				uint32_t value)
{
	struct virtq *vq = queue_to_lay_out(t, reg);

	if (vq)
		virtq_set_address(vq, area, high, value);
}

static void write_interrupt_ack(struct virtio_mmio *t, uint32_t value)
{
	const uint32_t defined = VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG;

	if (value & ~defined)
		fault(t, VIRTIO_FAULT_INTERRUPT_ACK,
		      "InterruptACK = 0x%x has bits that are no interrupt (4.2.2.2): those ignored",
		      value);
	t->interrupt_status &= ~value;
	update_irq(t);
}

/* book:begin serve-queue */
/*
 * Serves every request waiting in the queue, in ring order. A chain the guest
 * broke, or a request the device cannot complete, stops the device
 * (DEVICE_NEEDS_RESET); what was used before that stays used and is signalled.
 */
static void serve_queue(struct virtio_mmio *t, unsigned q)
{
	struct virtq *vq = &t->queue[q];
	uint64_t features = virtio_mmio_features(t);
	struct virtq_chain chain;
	struct virtio_why why;
	unsigned used = 0;

	for (;;) {
		int got = virtq_next(vq, &t->memory, &chain, &why);
		if (got < 0) {
			report(t, &why);
			needs_reset(t);
			break;
		}
		if (got == 0)
			break;

		uint32_t written = 0;
		why.fault = VIRTIO_FAULT_NONE;
		int served = t->device.serve(t->device.ctx, q, &chain, features, &written, &why);
		report(t, &why);
		if (served < 0) {
			needs_reset(t);
			break;
		}
		virtq_put_used(vq, chain.head, written);
		used++;
	}
	if (used && !virtq_interrupt_suppressed(vq))
		raise_interrupt(t, VIRTIO_MMIO_INT_VRING);
}

void virtio_mmio_notify(struct virtio_mmio *t, uint32_t queue)
{
	/* A device that needs a reset, or a driver that gave up: nothing is served. */
	if (t->status & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED))
		return;
	if (!(t->status & VIRTIO_STATUS_DRIVER_OK))
		fault(t, VIRTIO_FAULT_NOTIFY,
		      "a notification for queue %u before DRIVER_OK (3.1.1): the device needs a "
		      "reset",
		      queue);
	else if (queue >= t->device.num_queues)
		fault(t, VIRTIO_FAULT_NOTIFY,
		      "a notification for queue %u, but the device has %u queue(s): the device "
		      "needs a reset",
		      queue, t->device.num_queues);
	else if (!t->queue[queue].ready)
		fault(t, VIRTIO_FAULT_NOTIFY,
		      "a notification for queue %u, which is not ready (4.2.2.1): the device "
		      "needs a reset",
		      queue);
	else {
		serve_queue(t, queue);
		return;
	}
	needs_reset(t);
}
/* book:end serve-queue */

/* The configuration space: read-only here, read 1, 2 or 4 bytes at a time, aligned (4.2.2.2). */
static void read_config(struct virtio_mmio *t, uint64_t offset, uint8_t *data, unsigned len)
{
	uint64_t at = offset - VIRTIO_MMIO_CONFIG;

	if ((len != 1 && len != 2 && len != 4) || at % len) {
		fault(t, VIRTIO_FAULT_CONFIG_ACCESS,
		      "a read of width %u in the config space at offset 0x%llx; it takes 1, 2 or "
		      "4, aligned (4.2.2.2): read as 0",
		      len, (unsigned long long)offset);
		return;
	}
	if (at >= t->device.config_size || len > t->device.config_size - at) {
		fault(t, VIRTIO_FAULT_CONFIG_ACCESS,
		      "a read at offset 0x%llx, past the %u bytes of the device's config space: "
		      "read as 0",
		      (unsigned long long)offset, t->device.config_size);
		return;
	}
	memcpy(data, t->device.config + at, len);
}

static uint32_t read_register(struct virtio_mmio *t, uint64_t offset)
{
	const struct virtq *vq =
	    t->queue_sel < t->device.num_queues ? &t->queue[t->queue_sel] : NULL;

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_MODERN;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->device.device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return device_features(t);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? t->device.queue_num_max : 0; /* 0: no such queue */
	case VIRTIO_MMIO_QUEUE_READY:
		return vq && vq->ready;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return UINT32_MAX; /* length -1 and base all ones: no such region (4.2.2) */
	case VIRTIO_MMIO_QUEUE_RESET:
		return 0; /* no reset in progress: VIRTIO_F_RING_RESET is never offered */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		/* A device's config space is fixed when it is created: one generation. */
		return 0;
	}
	return 0;
}

static void write_register(struct virtio_mmio *t, uint64_t offset, uint32_t value)
{
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->device_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		write_driver_features(t, value);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		write_queue_num(t, value);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		write_queue_ready(t, value);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		virtio_mmio_notify(t, value);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		write_interrupt_ack(t, value);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(t, value);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		write_queue_address(t, find_register(offset)->name, VIRTQ_AREA_DESC,
				    offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		write_queue_address(t, find_register(offset)->name, VIRTQ_AREA_DRIVER,
				    offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		write_queue_address(t, find_register(offset)->name, VIRTQ_AREA_DEVICE,
				    offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, value);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		t->shm_sel = value; /* every region it can name does not exist */
		break;
	case VIRTIO_MMIO_QUEUE_RESET:
		fault(t, VIRTIO_FAULT_QUEUE_RESET,
		      "QueueReset = %u, but VIRTIO_F_RING_RESET was never offered (4.2.2.1): "
		      "ignored",
		      value);
		break;
	}
}

/* book:begin access-rules */
/*
 * Checks a register access; false (with a diagnostic) when it must be dropped.
 * The register at offset is looked up here, so each fault can name it.
 */
static bool register_access_ok(struct virtio_mmio *t, uint64_t offset, unsigned len, bool write,
			       uint32_t value)
{
	const char *verb = write ? "write" : "read";
	const char *effect = write ? "ignored" : "read as 0";
	const struct mmio_register *reg = find_register(offset & ~UINT64_C(3));

	if (len != 4 || offset % 4) {
		fault(t, VIRTIO_FAULT_ACCESS_SIZE,
		      "a %s of width %u at offset 0x%llx (%s); registers take 32-bit aligned "
		      "accesses only (4.2.2.2): %s",
		      verb, len, (unsigned long long)offset, reg ? reg->name : "no register",
		      effect);
		return false;
	}
	if (is_legacy_register(offset)) {
		fault(t, VIRTIO_FAULT_LEGACY_REGISTER,
		      "a %s at offset 0x%llx, a register of the legacy interface (4.2.4); this "
		      "device is version 2: %s",
		      verb, (unsigned long long)offset, effect);
		return false;
	}
	if (!reg) {
		fault(t, VIRTIO_FAULT_NO_REGISTER,
		      "a %s at offset 0x%llx, where there is no register (4.2.2.2): %s", verb,
		      (unsigned long long)offset, effect);
		return false;
	}
	if (write && !(reg->access & ACCESS_W)) {
		fault(t, VIRTIO_FAULT_WRITE_READ_ONLY,
		      "a write of 0x%x to %s (0x%03x), a read-only register (4.2.2.2): ignored",
		      value, reg->name, reg->offset);
		return false;
	}
	if (!write && !(reg->access & ACCESS_R)) {
		fault(t, VIRTIO_FAULT_READ_WRITE_ONLY,
		      "a read of %s (0x%03x), a write-only register (4.2.2.2): read as 0",
		      reg->name, reg->offset);
		return false;
	}
	return true;
}
/* book:end access-rules */

void virtio_mmio_read(struct virtio_mmio *t, uint64_t offset, uint8_t *data, unsigned len)
{
	memset(data, 0, len);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		read_config(t, offset, data, len);
		return;
	}
	if (register_access_ok(t, offset, len, false, 0))
		virtio_put_le32(data, read_register(t, offset));
}

void virtio_mmio_write(struct virtio_mmio *t, uint64_t offset, const uint8_t *data, unsigned len)
{
	uint32_t value = len == 4 ? virtio_le32(data) : 0;

	if (offset >= VIRTIO_MMIO_CONFIG) {
		fault(t, VIRTIO_FAULT_CONFIG_WRITE,
		      "a write of width %u to the config space at offset 0x%llx; this device's "
		      "config space is read-only: ignored",
		      len, (unsigned long long)offset);
		return;
	}
	if (register_access_ok(t, offset, len, true, value))
		write_register(t, offset, value);
}
