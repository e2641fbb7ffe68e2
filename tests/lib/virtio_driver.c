#include "virtio_driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void test_host_init(struct test_host *h, uint64_t ram_size)
{
	memset(h, 0, sizeof(*h));
	h->ram = aligned_alloc(4096, ram_size);
	if (!h->ram) {
		perror("test_host_init");
		abort();
	}
	memset(h->ram, 0, ram_size);
	h->ram_size = ram_size;
}

/* As the VMM's guest_ptr(): NULL when any byte is outside RAM; no sum can overflow. */
static void *ram_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	struct test_host *h = ctx;

	if (gpa > h->ram_size || len > h->ram_size - gpa)
		return NULL;
	return h->ram + gpa;
}

static void record_report(void *ctx, const char *sentence)
{
	struct test_host *h = ctx;

	if (h->nreports < RECORDED_REPORTS)
		snprintf(h->reports[h->nreports], sizeof(h->reports[0]), "%s", sentence);
	h->nreports++;
}

static void record_irq(void *ctx, int level)
{
	struct test_host *h = ctx;

	if (h->nlevels < RECORDED_LEVELS)
		h->levels[h->nlevels] = level;
	h->nlevels++;
	if (level == h->level)
		h->repeats++;
	h->level = level;
}

struct virtio_host test_host_callbacks(struct test_host *h)
{
	return (struct virtio_host){
	    .guest_ptr = ram_ptr, .set_irq = record_irq, .report = record_report, .ctx = h};
}

int test_host_irq(const struct test_host *h)
{
	return h->level;
}

int test_host_find_report(const struct test_host *h, const char *text)
{
	for (unsigned i = 0; i < h->nreports && i < RECORDED_REPORTS; i++)
		if (strstr(h->reports[i], text))
			return (int)i;
	return -1;
}

uint32_t mmio_read32(struct virtio_mmio *t, uint64_t offset)
{
	uint8_t data[4];

	virtio_mmio_read(t, offset, data, sizeof(data));
	return virtio_le32(data);
}

void mmio_write32(struct virtio_mmio *t, uint64_t offset, uint32_t value)
{
	uint8_t data[4];

	virtio_put_le32(data, value);
	virtio_mmio_write(t, offset, data, sizeof(data));
}

static void add_status(struct virtio_mmio *t, uint32_t bit)
{
	mmio_write32(t, VIRTIO_MMIO_STATUS, mmio_read32(t, VIRTIO_MMIO_STATUS) | bit);
}

static void write_address(struct virtio_mmio *t, uint64_t low_reg, uint64_t gpa)
{
	mmio_write32(t, low_reg, (uint32_t)gpa);
	mmio_write32(t, low_reg + 4, (uint32_t)(gpa >> 32));
}

int driver_start(struct driver *d, struct virtio_mmio *t, struct test_host *h, uint64_t features,
		 uint16_t size)
{
	memset(d, 0, sizeof(*d));
	d->t = t;
	d->h = h;
	d->size = size;
	memset(h->ram, 0, DRIVER_DATA_GPA); /* the queue's areas, zeroed (4.2.3.2) */

	mmio_write32(t, VIRTIO_MMIO_STATUS, 0);
	add_status(t, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(t, VIRTIO_STATUS_DRIVER);
	mmio_write32(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_write32(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	mmio_write32(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_write32(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	add_status(t, VIRTIO_STATUS_FEATURES_OK);
	if (!(mmio_read32(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return -1;

	mmio_write32(t, VIRTIO_MMIO_QUEUE_SEL, 0);
	mmio_write32(t, VIRTIO_MMIO_QUEUE_NUM, size);
	write_address(t, VIRTIO_MMIO_QUEUE_DESC_LOW, DRIVER_DESC_GPA);
	write_address(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, DRIVER_AVAIL_GPA);
	write_address(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, DRIVER_USED_GPA);
	mmio_write32(t, VIRTIO_MMIO_QUEUE_READY, 1);
	if (mmio_read32(t, VIRTIO_MMIO_QUEUE_READY) != 1)
		return -1;
	add_status(t, VIRTIO_STATUS_DRIVER_OK);
	return mmio_read32(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET ? -1 : 0;
}

void driver_set_desc(struct driver *d, uint16_t index, uint64_t gpa, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t *desc = d->h->ram + DRIVER_DESC_GPA + (size_t)index * VIRTQ_DESC_SIZE;

	virtio_put_le64(desc + VIRTQ_DESC_ADDR, gpa);
	virtio_put_le32(desc + VIRTQ_DESC_LEN, len);
	virtio_put_le16(desc + VIRTQ_DESC_FLAGS, flags);
	virtio_put_le16(desc + VIRTQ_DESC_NEXT, next);
}

uint16_t driver_chain(struct driver *d, const struct segment *segments, unsigned count)
{
	uint16_t head = d->next_desc;

	for (unsigned i = 0; i < count; i++) {
		uint16_t index = d->next_desc;
		uint16_t next = (uint16_t)((index + 1) % d->size);
		uint16_t flags = (segments[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
				 (i + 1 < count ? VIRTQ_DESC_F_NEXT : 0);

		driver_set_desc(d, index, segments[i].gpa, segments[i].len, flags, next);
		d->next_desc = next;
	}
	return head;
}

void driver_offer(struct driver *d, uint16_t head)
{
	uint8_t *avail = d->h->ram + DRIVER_AVAIL_GPA;

	virtio_put_le16(avail + VIRTQ_AVAIL_RING + 2 * (d->avail_idx % d->size), head);
	d->avail_idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE); /* the entry before the index (2.7.13.3.1) */
	virtio_put_le16(avail + VIRTQ_AVAIL_IDX, d->avail_idx);
}

void driver_kick(struct driver *d)
{
	mmio_write32(d->t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

bool driver_take_used(struct driver *d, uint32_t *id, uint32_t *len)
{
	const uint8_t *used = d->h->ram + DRIVER_USED_GPA;
	const uint8_t *elem;

	if (virtio_le16(used + VIRTQ_USED_IDX) == d->used_seen)
		return false;
	elem = used + VIRTQ_USED_RING + (size_t)(d->used_seen % d->size) * VIRTQ_USED_ELEM_SIZE;
	*id = virtio_le32(elem);
	*len = virtio_le32(elem + 4);
	d->used_seen++;
	return true;
}

uint16_t blk_prepare(struct driver *d, uint32_t type, uint64_t sector, uint64_t data_gpa,
		     uint32_t data_len)
{
	uint16_t head = d->next_desc;
	uint8_t *header = d->h->ram + DRIVER_HEADER_GPA + (size_t)head * VIRTIO_BLK_REQ_HEADER_SIZE;
	bool device_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	struct segment segments[3] = {
	    {DRIVER_HEADER_GPA + (uint64_t)head * VIRTIO_BLK_REQ_HEADER_SIZE,
	     VIRTIO_BLK_REQ_HEADER_SIZE, false},
	    {data_gpa, data_len, device_writes},
	    {DRIVER_STATUS_GPA + head, 1, true},
	};

	virtio_put_le32(header + VIRTIO_BLK_REQ_TYPE, type);
	virtio_put_le32(header + VIRTIO_BLK_REQ_RESERVED, 0);
	virtio_put_le64(header + VIRTIO_BLK_REQ_SECTOR, sector);
	d->h->ram[DRIVER_STATUS_GPA + head] = 0xee; /* no status yet: the device must write one */
	if (data_len == 0) {
		segments[1] = segments[2];
		return driver_chain(d, segments, 2);
	}
	return driver_chain(d, segments, 3);
}

uint8_t blk_status(const struct driver *d, uint16_t head)
{
	return d->h->ram[DRIVER_STATUS_GPA + head];
}

int blk_request(struct driver *d, uint32_t type, uint64_t sector, uint64_t data_gpa,
		uint32_t data_len, uint32_t *written)
{
	uint16_t head = blk_prepare(d, type, sector, data_gpa, data_len);
	uint32_t id, len;

	driver_offer(d, head);
	driver_kick(d);
	if (!driver_take_used(d, &id, &len) || id != head)
		return -1;
	if (written)
		*written = len;
	return blk_status(d, head);
}

uint8_t image_pattern(uint64_t offset)
{
	return (uint8_t)(offset * 7 + (offset >> 9) * 13 + 1);
}

int make_image(char *path, const char *dir, uint64_t size)
{
	uint8_t block[4096];
	int fd;

	sprintf(path, "%s/virtio-test-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	for (uint64_t at = 0; at < size; at += sizeof(block)) {
		size_t n = size - at < sizeof(block) ? (size_t)(size - at) : sizeof(block);
		for (size_t i = 0; i < n; i++)
			block[i] = image_pattern(at + i);
		if (write(fd, block, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}
