/*
 * Chapter 6's device without KVM: the reader's virtio-blk (virtio_blk.c) on a
 * temporary image, behind the reader's virtio-mmio transport, driven by tests/lib's
 * driver (virtio_driver.h) as a guest's driver would drive it.
 */
#ifndef EXERCISE_DISK_DEVICE_H
#define EXERCISE_DISK_DEVICE_H

#include "virtio_driver.h"

#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DISK_RAM_SIZE 0x40000 /* guest RAM for the driver's rings and buffers */

struct disk_device {
	char image[40]; /* the image file: byte i is image_pattern(i) */
	char arg[48]; /* --disk's argument for it: image, or image,ro */
	struct virtio_blk blk;
	struct test_host h;
	struct virtio_mmio t;
	struct driver d;
};

/* A fresh image of `sectors` sectors, and the device on it, not yet set up by a driver. */
static inline void disk_device_open(struct disk_device *x, unsigned sectors, bool read_only)
{
	struct virtio_host host;
	struct virtio_device device;
	char error[256];

	memset(x, 0, sizeof(*x));
	x->blk.fd = -1;
	ck_assert_int_eq(make_image(x->image, "/tmp", (uint64_t)sectors * VIRTIO_BLK_SECTOR_SIZE),
			 0);
	snprintf(x->arg, sizeof(x->arg), "%s%s", x->image, read_only ? ",ro" : "");
	test_host_init(&x->h, DISK_RAM_SIZE);
	host = test_host_callbacks(&x->h);
	ck_assert_msg(virtio_blk_open(&x->blk, x->arg, NULL, error, sizeof(error)) == 0, "%s",
		      error);
	device = virtio_blk_device(&x->blk);
	virtio_mmio_init(&x->t, &host, &device);
}

/* The device's offered features, all 64 bits, read as a driver reads them (4.2.2). */
static inline uint64_t disk_device_offers(struct disk_device *x)
{
	mmio_write32(&x->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	uint64_t high = mmio_read32(&x->t, VIRTIO_MMIO_DEVICE_FEATURES);
	mmio_write32(&x->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return high << 32 | mmio_read32(&x->t, VIRTIO_MMIO_DEVICE_FEATURES);
}

/* The driver's initialization (3.1.1) with `features`; fails the test if the device refuses. */
static inline void disk_device_start(struct disk_device *x, uint64_t features)
{
	ck_assert_msg(driver_start(&x->d, &x->t, &x->h, features, 16) == 0,
		      "the device refused features 0x%llx (Status 0x%x)",
		      (unsigned long long)features, mmio_read32(&x->t, VIRTIO_MMIO_STATUS));
}

/* The image's bytes [offset, offset + size), as the file holds them now. */
static inline void disk_device_bytes(const struct disk_device *x, uint64_t offset, uint8_t *out,
				     size_t size)
{
	int fd = open(x->image, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, out, size, (off_t)offset), (ssize_t)size);
	close(fd);
}

static inline void disk_device_close(struct disk_device *x)
{
	virtio_blk_close(&x->blk);
	unlink(x->image);
	free(x->h.ram);
}

#endif
