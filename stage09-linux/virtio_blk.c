/*
 * virtio-blk on a file (virtio 1.2, 5.2).
 *
 * A request is a descriptor chain: a 16-byte header the device reads (type,
 * sector), the data (read by the device for a write, written by it for a
 * read), and one status byte it writes last. The spec forbids a device to
 * assume how those bytes are cut into descriptors (2.7.4.1), so the chain is
 * taken as two byte streams, the device-readable one (header, then a write's
 * data) and the device-writable one (a read's data, then the status byte).
 *
 * A request the device can answer gets an answer: a malformed one, one past
 * the capacity, a write to a read-only disk complete with VIRTIO_BLK_S_IOERR,
 * an unknown type with VIRTIO_BLK_S_UNSUPP, each with one diagnostic. Only a
 * chain without a device-writable byte, where no status can be written, stops
 * the device (DEVICE_NEEDS_RESET). Every check is made before the image is
 * touched, so a refused request leaves it as it was.
 */
#include "virtio_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* book:begin blk-features */
/*
 * What this device offers. VIRTIO_F_VERSION_1 always (chapter 6), FLUSH
 * always (5.2.5.2: "SHOULD always offer"), RO for a read-only disk. Not
 * offered, so never to be seen in a request:
 * - VIRTIO_F_INDIRECT_DESC: an indirect table is a second, guest-supplied
 *   descriptor table inside a buffer, with its own address, length, chaining
 *   and flags to check, and rules of its own (no nesting, no NEXT with
 *   INDIRECT). It lets a driver queue more requests at once; a disk read by a
 *   teaching guest, or by Linux, works without it. A chain with the flag is a
 *   broken chain (virtqueue.c).
 * - VIRTIO_F_EVENT_IDX, VIRTIO_F_RING_PACKED: other notification and ring
 *   schemes; the split ring with its flags is the lesson.
 * - the fields of the configuration space beyond capacity (SIZE_MAX, SEG_MAX,
 *   GEOMETRY, BLK_SIZE, TOPOLOGY), CONFIG_WCE, MQ, and the DISCARD family.
 */
static uint64_t offered_features(const struct virtio_blk *blk)
{
	uint64_t features = VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH);

	if (blk->read_only)
		features |= VIRTIO_FEATURE(VIRTIO_BLK_F_RO);
	return features;
}
/* book:end blk-features */

static int open_fail(char *error, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int open_fail(char *error, size_t size, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(error, size, format, args);
	va_end(args);
	return -1;
}

/* Why open() failed, in words a person can act on. */
static int open_error(const char *path, bool read_only, int err, char *error, size_t size)
{
	if (err == EISDIR)
		return open_fail(error, size, "disk image %s is a directory, not a file", path);
	if ((err == EACCES || err == EROFS) && !read_only && access(path, R_OK) == 0)
		return open_fail(error, size,
				 "disk image %s: %s: it cannot be written; to use it read-only, "
				 "give %s,ro",
				 path, strerror(err), path);
	return open_fail(error, size, "disk image %s: %s", path, strerror(err));
}

/* GET_ID's answer: the image's file name, its last 20 bytes at most, NUL-padded. */
static void make_id(struct virtio_blk *blk)
{
	const char *name = strrchr(blk->path, '/');
	size_t len;

	name = name ? name + 1 : blk->path;
	len = strlen(name);
	if (len > VIRTIO_BLK_ID_BYTES)
		name += len - VIRTIO_BLK_ID_BYTES;
	memset(blk->id, 0, sizeof(blk->id));
	memcpy(blk->id, name, strlen(name));
}

int virtio_blk_open(struct virtio_blk *blk, const char *arg, FILE *log, char *error,
		    size_t error_size)
{
	size_t len = strlen(arg);
	bool read_only = len >= 3 && strcmp(arg + len - 3, ",ro") == 0;
	size_t path_len = read_only ? len - 3 : len;
	struct stat st;

	memset(blk, 0, sizeof(*blk));
	blk->fd = -1;
	if (path_len == 0)
		return open_fail(error, error_size, "a disk needs a file: FILE or FILE,ro");
	if (path_len >= sizeof(blk->path))
		return open_fail(error, error_size, "disk image name too long: %.60s...", arg);
	memcpy(blk->path, arg, path_len);
	blk->read_only = read_only;

	int fd = open(blk->path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return open_error(blk->path, read_only, errno, error, error_size);
	if (fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		return open_fail(error, error_size, "disk image %s: fstat: %s", blk->path,
				 strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		/* A directory opens read-only without EISDIR: it is caught here. */
		if (S_ISDIR(st.st_mode))
			return open_error(blk->path, read_only, EISDIR, error, error_size);
		return open_fail(error, error_size, "disk image %s is not a regular file",
				 blk->path);
	}
	/* Readers share the image; a writer has it alone. */
	if (flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		int err = errno;
		close(fd);
		if (err == EWOULDBLOCK)
			return open_fail(
			    error, error_size,
			    "disk image %s is in use: another process holds its lock "
			    "(another VMM?); two VMMs may share an image only read-only "
			    "(,ro)",
			    blk->path);
		return open_fail(error, error_size, "disk image %s: flock: %s", blk->path,
				 strerror(err));
	}
	if (st.st_size < VIRTIO_BLK_SECTOR_SIZE) {
		close(fd);
		if (st.st_size == 0)
			return open_fail(error, error_size,
					 "disk image %s is empty: a disk needs at least one "
					 "sector of %d bytes",
					 blk->path, VIRTIO_BLK_SECTOR_SIZE);
		return open_fail(error, error_size,
				 "disk image %s holds %lld bytes, less than one sector of %d",
				 blk->path, (long long)st.st_size, VIRTIO_BLK_SECTOR_SIZE);
	}
	blk->capacity = (uint64_t)st.st_size / VIRTIO_BLK_SECTOR_SIZE;
	if (st.st_size % VIRTIO_BLK_SECTOR_SIZE && log)
		fprintf(log,
			"disk image %s: %lld bytes is not a whole number of %d-byte sectors; the "
			"disk is its first %" PRIu64 " sectors, the last %lld bytes are not used\n",
			blk->path, (long long)st.st_size, VIRTIO_BLK_SECTOR_SIZE, blk->capacity,
			(long long)(st.st_size % VIRTIO_BLK_SECTOR_SIZE));
	blk->fd = fd;
	virtio_put_le64(blk->config + VIRTIO_BLK_CONFIG_CAPACITY, blk->capacity);
	make_id(blk);
	return 0;
}

void virtio_blk_close(struct virtio_blk *blk)
{
	if (blk->fd >= 0)
		close(blk->fd);
	blk->fd = -1;
}

/*
 * The byte range [skip, skip + bytes) of one of the chain's two streams, as
 * iovecs: the readable stream is buffers 0 .. readable - 1, the writable one
 * the rest. The caller has checked that the stream holds that many bytes.
 */
static int stream_iovecs(const struct virtq_chain *chain, bool writable, uint64_t skip,
			 uint64_t bytes, struct iovec *iov)
{
	unsigned first = writable ? chain->readable : 0;
	unsigned end = writable ? chain->count : chain->readable;
	int count = 0;

	for (unsigned i = first; i < end && bytes; i++) {
		const struct virtq_buffer *b = &chain->buffer[i];
		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		size_t take = b->len - skip < bytes ? b->len - skip : bytes;
		iov[count++] = (struct iovec){b->host + skip, take};
		bytes -= take;
		skip = 0;
	}
	return count;
}

static void copy_from_stream(const struct virtq_chain *chain, uint64_t skip, uint8_t *out,
			     size_t bytes)
{
	struct iovec iov[VIRTQ_SIZE_MAX];
	int count = stream_iovecs(chain, false, skip, bytes, iov);

	for (int i = 0; i < count; i++) {
		memcpy(out, iov[i].iov_base, iov[i].iov_len);
		out += iov[i].iov_len;
	}
}

static void copy_to_stream(const struct virtq_chain *chain, const uint8_t *in, size_t bytes)
{
	struct iovec iov[VIRTQ_SIZE_MAX];
	int count = stream_iovecs(chain, true, 0, bytes, iov);

	for (int i = 0; i < count; i++) {
		memcpy(iov[i].iov_base, in, iov[i].iov_len);
		in += iov[i].iov_len;
	}
}

/* The status byte: the last byte of the device-writable stream. */
static uint8_t *status_byte(const struct virtq_chain *chain)
{
	for (unsigned i = chain->count; i > chain->readable; i--)
		if (chain->buffer[i - 1].len)
			return chain->buffer[i - 1].host + chain->buffer[i - 1].len - 1;
	return NULL;
}

/*
 * Moves bytes between the image at offset and guest memory, as preadv/pwritev
 * do, to the end: a regular file may still transfer less than asked. Returns
 * 0, or -1 with why.
 */
static int transfer(struct virtio_blk *blk, bool to_image, struct iovec *iov, int count,
		    uint64_t offset, uint64_t bytes, struct virtio_why *why)
{
	while (bytes) {
		ssize_t done = to_image ? pwritev(blk->fd, iov, count, (off_t)offset)
					: preadv(blk->fd, iov, count, (off_t)offset);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return virtio_fail(
			    why, VIRTIO_FAULT_BLK_IO, "%s %s at byte %" PRIu64 ": %s",
			    to_image ? "pwritev" : "preadv", blk->path, offset, strerror(errno));
		if (done == 0)
			return virtio_fail(why, VIRTIO_FAULT_BLK_IO,
					   "disk image %s ends at byte %" PRIu64
					   ", inside the disk: did it shrink?",
					   blk->path, offset);
		offset += (uint64_t)done;
		bytes -= (uint64_t)done;
		while (count && (size_t)done >= iov->iov_len) {
			done -= (ssize_t)iov->iov_len;
			iov++;
			count--;
		}
		if (count) {
			iov->iov_base = (uint8_t *)iov->iov_base + done;
			iov->iov_len -= (size_t)done;
		}
	}
	return 0;
}

static int sync_image(struct virtio_blk *blk, struct virtio_why *why)
{
	blk->stats.syncs++;
	if (fdatasync(blk->fd) < 0)
		return virtio_fail(why, VIRTIO_FAULT_BLK_IO, "fdatasync %s: %s", blk->path,
				   strerror(errno));
	return 0;
}

/* book:begin blk-range */
/* Sectors [sector, sector + count) on the disk: checked so that nothing can overflow. */
static int check_range(const struct virtio_blk *blk, const char *what, uint64_t sector,
		       uint64_t count, struct virtio_why *why)
{
	if (sector > UINT64_MAX / VIRTIO_BLK_SECTOR_SIZE)
		return virtio_fail(why, VIRTIO_FAULT_BLK_OVERFLOW,
				   "a %s at sector %" PRIu64
				   ", whose byte offset overflows 64 bits: VIRTIO_BLK_S_IOERR",
				   what, sector);
	if (sector > blk->capacity || count > blk->capacity - sector)
		return virtio_fail(why, VIRTIO_FAULT_BLK_RANGE,
				   "a %s of %" PRIu64 " sector(s) at sector %" PRIu64
				   ", past the capacity of %" PRIu64
				   " sectors (5.2.6.1): VIRTIO_BLK_S_IOERR",
				   what, count, sector, blk->capacity);
	return 0;
}
/* book:end blk-range */

/* The data of a read or a write: whole sectors, inside the disk. */
static int check_data(const struct virtio_blk *blk, const char *what, uint64_t sector,
		      uint64_t bytes, struct virtio_why *why)
{
	if (bytes % VIRTIO_BLK_SECTOR_SIZE)
		return virtio_fail(why, VIRTIO_FAULT_BLK_LENGTH,
				   "a %s of %" PRIu64
				   " bytes, not a whole number of 512-byte sectors (5.2.6.1): "
				   "VIRTIO_BLK_S_IOERR",
				   what, bytes);
	return check_range(blk, what, sector, bytes / VIRTIO_BLK_SECTOR_SIZE, why);
}

/* A header with nothing readable after it: the request's data, if any, is device-writable. */
static int no_readable_data(const struct virtq_chain *chain, const char *what,
			    struct virtio_why *why)
{
	if (chain->read_bytes > VIRTIO_BLK_REQ_HEADER_SIZE)
		return virtio_fail(why, VIRTIO_FAULT_BLK_DIRECTION,
				   "a %s request with %" PRIu64
				   " device-readable bytes after its header; its data must be "
				   "device-writable (5.2.6): VIRTIO_BLK_S_IOERR",
				   what, chain->read_bytes - VIRTIO_BLK_REQ_HEADER_SIZE);
	return 0;
}

static int blk_read(struct virtio_blk *blk, const struct virtq_chain *chain, uint64_t sector,
		    uint32_t *written, struct virtio_why *why)
{
	uint64_t bytes = chain->write_bytes - 1; /* all but the status byte */
	struct iovec iov[VIRTQ_SIZE_MAX];

	if (no_readable_data(chain, "read (IN)", why) < 0 ||
	    check_data(blk, "read", sector, bytes, why) < 0)
		return -1;
	int count = stream_iovecs(chain, true, 0, bytes, iov);
	if (transfer(blk, false, iov, count, sector * VIRTIO_BLK_SECTOR_SIZE, bytes, why) < 0)
		return -1;
	blk->stats.reads++;
	blk->stats.bytes_read += bytes;
	*written = (uint32_t)bytes + 1;
	return 0;
}

/* book:begin blk-write */
/*
 * A write is stable once it is complete if the driver did not negotiate
 * VIRTIO_BLK_F_FLUSH, which the device offered (5.2.6.2, case 1): without
 * FLUSH the driver has no other way to ask, so each write is synced.
 */
static int blk_write(struct virtio_blk *blk, const struct virtq_chain *chain, uint64_t sector,
		     uint64_t features, struct virtio_why *why)
{
	uint64_t bytes = chain->read_bytes - VIRTIO_BLK_REQ_HEADER_SIZE;
	struct iovec iov[VIRTQ_SIZE_MAX];

	if (blk->read_only)
		return virtio_fail(why, VIRTIO_FAULT_BLK_READ_ONLY,
				   "a write (OUT) at sector %" PRIu64
				   " to a read-only disk (VIRTIO_BLK_F_RO): VIRTIO_BLK_S_IOERR, "
				   "nothing written (5.2.6.2)",
				   sector);
	if (chain->write_bytes > 1)
		return virtio_fail(why, VIRTIO_FAULT_BLK_DIRECTION,
				   "a write (OUT) request with %" PRIu64
				   " device-writable bytes before its status; its data must be "
				   "device-readable (5.2.6): VIRTIO_BLK_S_IOERR",
				   chain->write_bytes - 1);
	if (check_data(blk, "write", sector, bytes, why) < 0)
		return -1;
	int count = stream_iovecs(chain, false, VIRTIO_BLK_REQ_HEADER_SIZE, bytes, iov);
	if (transfer(blk, true, iov, count, sector * VIRTIO_BLK_SECTOR_SIZE, bytes, why) < 0)
		return -1;
	if (!(features & VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH)) && sync_image(blk, why) < 0)
		return -1;
	blk->stats.writes++;
	blk->stats.bytes_written += bytes;
	return 0;
}
/* book:end blk-write */

/* Nothing is ever written to a read-only image, so there is nothing to make stable. */
static int blk_flush(struct virtio_blk *blk, struct virtio_why *why)
{
	if (!blk->read_only && sync_image(blk, why) < 0)
		return -1;
	blk->stats.flushes++;
	return 0;
}

static int blk_get_id(struct virtio_blk *blk, const struct virtq_chain *chain, uint32_t *written,
		      struct virtio_why *why)
{
	if (no_readable_data(chain, "GET_ID", why) < 0)
		return -1;
	if (chain->write_bytes - 1 != VIRTIO_BLK_ID_BYTES)
		return virtio_fail(why, VIRTIO_FAULT_BLK_LENGTH,
				   "a GET_ID request with %" PRIu64
				   " data bytes; the ID takes exactly %d (5.2.6.1): "
				   "VIRTIO_BLK_S_IOERR",
				   chain->write_bytes - 1, VIRTIO_BLK_ID_BYTES);
	copy_to_stream(chain, (const uint8_t *)blk->id, VIRTIO_BLK_ID_BYTES);
	blk->stats.get_ids++;
	*written = VIRTIO_BLK_ID_BYTES + 1;
	return 0;
}

/* book:begin blk-serve */
static int serve(void *ctx, unsigned queue, const struct virtq_chain *chain, uint64_t features,
		 uint32_t *written, struct virtio_why *why)
{
	struct virtio_blk *blk = ctx;
	uint8_t *status = status_byte(chain);
	uint8_t header[VIRTIO_BLK_REQ_HEADER_SIZE];
	int result;

	(void)queue; /* there is one */
	if (!status)
		return virtio_fail(why, VIRTIO_FAULT_BLK_NO_STATUS,
				   "the request at descriptor %u has no device-writable byte for "
				   "its status (its last descriptor is %s): the device needs a "
				   "reset",
				   chain->head,
				   chain->buffer[chain->count - 1].writable
				       ? "device-writable but empty"
				       : "device-readable");
	*written = 1; /* at least the status byte; more for a read or GET_ID */
	if (chain->read_bytes < VIRTIO_BLK_REQ_HEADER_SIZE) {
		virtio_fail(why, VIRTIO_FAULT_BLK_HEADER,
			    "the request at descriptor %u has %" PRIu64
			    " device-readable bytes, fewer than its %d-byte header (5.2.6): "
			    "VIRTIO_BLK_S_IOERR",
			    chain->head, chain->read_bytes, VIRTIO_BLK_REQ_HEADER_SIZE);
		*status = VIRTIO_BLK_S_IOERR;
		blk->stats.failed++;
		return 0;
	}
	/* A copy: the guest could change its header while the request is served. */
	copy_from_stream(chain, 0, header, sizeof(header));
	uint32_t type = virtio_le32(header + VIRTIO_BLK_REQ_TYPE);
	uint64_t sector = virtio_le64(header + VIRTIO_BLK_REQ_SECTOR);

	switch (type) {
	case VIRTIO_BLK_T_IN:
		result = blk_read(blk, chain, sector, written, why);
		break;
	case VIRTIO_BLK_T_OUT:
		result = blk_write(blk, chain, sector, features, why);
		break;
	case VIRTIO_BLK_T_FLUSH:
		result = blk_flush(blk, why);
		break;
	case VIRTIO_BLK_T_GET_ID:
		result = blk_get_id(blk, chain, written, why);
		break;
	default:
		virtio_fail(why, VIRTIO_FAULT_BLK_TYPE,
			    "request type %u is not supported: VIRTIO_BLK_S_UNSUPP (5.2.6)", type);
		*status = VIRTIO_BLK_S_UNSUPP;
		blk->stats.unsupported++;
		return 0;
	}
	if (result < 0) {
		*written = 1;
		blk->stats.failed++;
	}
	*status = result < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	return 0;
}
/* book:end blk-serve */

struct virtio_device virtio_blk_device(struct virtio_blk *blk)
{
	return (struct virtio_device){
	    .device_id = VIRTIO_ID_BLOCK,
	    .features = offered_features(blk),
	    .num_queues = 1,
	    .queue_num_max = VIRTIO_BLK_QUEUE_SIZE,
	    .config = blk->config,
	    .config_size = sizeof(blk->config),
	    .serve = serve,
	    .ctx = blk,
	};
}
