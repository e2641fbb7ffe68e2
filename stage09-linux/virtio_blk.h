/*
 * A virtio block device (virtio 1.2, 5.2) whose disk is a file on the host.
 *
 * The device takes requests from one queue: read (IN), write (OUT), FLUSH,
 * and GET_ID; any other type completes as VIRTIO_BLK_S_UNSUPP. It offers
 * VIRTIO_BLK_F_FLUSH always, and VIRTIO_BLK_F_RO for a disk opened read-only.
 * The file is locked (flock) for the device's life: exclusively when it may
 * be written, shared when read-only, so two VMMs never write one image.
 *
 * Plain C on a file descriptor: no KVM. The transport (virtio_mmio.c) calls
 * it through the struct virtio_device that virtio_blk_device() returns.
 */
#ifndef VIRTIO_BLK_H
#define VIRTIO_BLK_H

#include "virtio.h"
#include "virtqueue.h"

#include <limits.h>
#include <stdio.h>

/* Feature bits, 5.2.3 (bit numbers). This device offers RO and FLUSH. */
#define VIRTIO_BLK_F_SIZE_MAX 1 /* size_max: largest segment */
#define VIRTIO_BLK_F_SEG_MAX 2 /* seg_max: most segments in a request */
#define VIRTIO_BLK_F_GEOMETRY 4 /* geometry: cylinders, heads, sectors */
#define VIRTIO_BLK_F_RO 5 /* the device is read-only */
#define VIRTIO_BLK_F_BLK_SIZE 6 /* blk_size: the optimal sector size */
#define VIRTIO_BLK_F_FLUSH 9 /* VIRTIO_BLK_T_FLUSH is supported */
#define VIRTIO_BLK_F_TOPOLOGY 10 /* topology: alignment hints */
#define VIRTIO_BLK_F_CONFIG_WCE 11 /* writeback: the cache mode can be switched */
#define VIRTIO_BLK_F_MQ 12 /* num_queues: several request queues */
#define VIRTIO_BLK_F_DISCARD 13 /* VIRTIO_BLK_T_DISCARD */
#define VIRTIO_BLK_F_WRITE_ZEROES 14 /* VIRTIO_BLK_T_WRITE_ZEROES */
#define VIRTIO_BLK_F_LIFETIME 15 /* VIRTIO_BLK_T_GET_LIFETIME */
#define VIRTIO_BLK_F_SECURE_ERASE 16 /* VIRTIO_BLK_T_SECURE_ERASE */

/* book:begin blk-request */
/* struct virtio_blk_req, 5.2.6: a 16-byte header, the data, then one status byte. */
#define VIRTIO_BLK_REQ_TYPE 0 /* le32: VIRTIO_BLK_T_* */
#define VIRTIO_BLK_REQ_RESERVED 4 /* le32 */
#define VIRTIO_BLK_REQ_SECTOR 8 /* le64: where a read or write starts, in 512-byte units */
#define VIRTIO_BLK_REQ_HEADER_SIZE 16 /* device-readable */

/* Request types, 5.2.6. */
#define VIRTIO_BLK_T_IN 0 /* read sectors into the data */
#define VIRTIO_BLK_T_OUT 1 /* write the data to sectors */
#define VIRTIO_BLK_T_FLUSH 4 /* make every completed write stable */
#define VIRTIO_BLK_T_GET_ID 8 /* the device ID string, 20 bytes */
#define VIRTIO_BLK_T_GET_LIFETIME 10 /* not supported here */
#define VIRTIO_BLK_T_DISCARD 11 /* not supported here */
#define VIRTIO_BLK_T_WRITE_ZEROES 13 /* not supported here */
#define VIRTIO_BLK_T_SECURE_ERASE 14 /* not supported here */

/* The status byte, the request's last, device-writable. */
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1 /* a device or driver error */
#define VIRTIO_BLK_S_UNSUPP 2 /* a request type the device does not support */

#define VIRTIO_BLK_SECTOR_SIZE 512 /* the protocol's unit, whatever the disk's (5.2.5) */
#define VIRTIO_BLK_ID_BYTES 20 /* GET_ID: ASCII, NUL-padded, no NUL when 20 long */
/* book:end blk-request */

/* struct virtio_blk_config, 5.2.4: capacity is all there is without more features. */
#define VIRTIO_BLK_CONFIG_CAPACITY 0 /* le64: the disk's size in 512-byte sectors */
#define VIRTIO_BLK_CONFIG_SIZE 8

#define VIRTIO_BLK_QUEUE_SIZE VIRTQ_SIZE_MAX /* QueueNumMax of its one queue (requestq1) */

/* What the device has done, for --stats and for tests. */
struct virtio_blk_stats {
	uint64_t reads, writes, flushes, get_ids; /* requests completed with VIRTIO_BLK_S_OK */
	uint64_t unsupported; /* completed with VIRTIO_BLK_S_UNSUPP */
	uint64_t failed; /* completed with VIRTIO_BLK_S_IOERR */
	uint64_t bytes_read, bytes_written;
	uint64_t syncs; /* fdatasync() calls: FLUSH, or each write when FLUSH was not negotiated */
};

struct virtio_blk {
	int fd; /* the image, locked; -1 when closed */
	bool read_only; /* opened with ",ro": offers VIRTIO_BLK_F_RO */
	uint64_t capacity; /* in 512-byte sectors */
	uint8_t config[VIRTIO_BLK_CONFIG_SIZE]; /* the configuration space the guest reads */
	char id[VIRTIO_BLK_ID_BYTES]; /* GET_ID's answer: the image's file name */
	char path[PATH_MAX];
	struct virtio_blk_stats stats;
};

/*
 * Opens the disk: arg is "FILE" (read-write) or "FILE,ro" (read-only). The
 * capacity is the file's size in whole sectors; a size that is not a multiple
 * of 512 is rounded down, and a sentence saying so goes to log (if not NULL).
 * Returns -1 with one sentence in error when the disk cannot be used: the
 * file is missing, unreadable, a directory, empty (or under one sector), or
 * locked by another process.
 */
int virtio_blk_open(struct virtio_blk *blk, const char *arg, FILE *log, char *error,
		    size_t error_size);

/* Closes the image, which releases its lock. Safe to call twice. */
void virtio_blk_close(struct virtio_blk *blk);

/* The device as a transport sees it: virtio_mmio_init(&t, &host, &device). */
struct virtio_device virtio_blk_device(struct virtio_blk *blk);

#endif
