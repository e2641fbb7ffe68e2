/*
 * stage06-virtio end to end: the guests of guest-asm/06-virtio drive the
 * virtio-blk disk through the VMM, each on a fresh image made as the stage's
 * default one is, with plain notifications and with --ioeventfd. Each run is
 * checked four ways: the VMM's exit status (the guest's, PORT_DONE), what the guest printed
 * on the UART, what it reported, and the image file's bytes afterwards. The
 * hostile guests break one rule each: the VMM must say so once, on stderr,
 * the device must react as the spec says (the guest checks that, and its exit
 * status says so), and the image must not change.
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The disk image the tests make, as the stage's Makefile makes its default one. */
#define SECTOR 512
#define IMAGE_SECTORS 128
#define IMAGE_BYTES (IMAGE_SECTORS * SECTOR)
#define FILL_SECTOR 2 /* all 0xa5 */
#define FILL_BYTE 0xa5
#define PATTERN_MOD 251 /* guest-asm/06-virtio/defs.inc: byte i of what guests write */
#define DISK_NAME "disk.img" /* the copy's name: GET_ID's answer */

/* Where the guests leave their results (guest-asm/06-virtio/defs.inc). */
#define RESULT_CAPACITY 0x600
#define RESULT_FEATURES 0x608
#define RESULT_INTERRUPTS 0x610
#define RESULT_REQUESTS 0x618
#define RESULT_STATUS 0x620
#define RESULT_REQ_STATUS 0x628
#define RESULT_INT_STATUS 0x630
#define REQUESTS 5 /* blk-requests.inc: read, write, flush, read, GET_ID */

/* The guests' exit statuses (guest-asm/06-virtio/defs.inc). */
#define ERR_WRITE 32
#define ERR_NOT_RO 40

/* The device's Status when live, and after a broken chain. */
#define STATUS_LIVE                                                                                \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |            \
	 VIRTIO_STATUS_DRIVER_OK)
#define STATUS_NEEDS_RESET VIRTIO_STATUS_DEVICE_NEEDS_RESET
/* What the driver guests accept: VERSION_1 and FLUSH. */
#define FEATURES_ACCEPTED (VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH))

#define RUN_TIMEOUT "60" /* --timeout: a guest that hangs fails its test, not the suite */

/* A disk image in a directory of its own, named DISK_NAME, and --disk's argument for it. */
struct image {
	char dir[64];
	char path[96];
	char arg[100]; /* --disk's argument: path, or path,ro */
};

/* The image as the stage's Makefile makes its default one (stage06-contract). */
static void contract_image(uint8_t *image, bool sector_1_written)
{
	const char text[] = DISK_TEXT;

	memset(image, 0, IMAGE_BYTES);
	memcpy(image, text, strlen(text));
	memset(image + FILL_SECTOR * SECTOR, FILL_BYTE, SECTOR);
	if (sector_1_written)
		for (int i = 0; i < SECTOR; i++)
			image[SECTOR + i] = (uint8_t)(i % PATTERN_MOD);
}

/*
 * A fresh image, written here rather than copied from the default one, which
 * a run of the default guest changes: in a directory of its own, as DISK_NAME.
 */
static void disk_make(struct image *d, bool read_only)
{
	static uint8_t image[IMAGE_BYTES];

	contract_image(image, false);
	snprintf(d->dir, sizeof(d->dir), "/tmp/stage06-guests-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d->dir));
	snprintf(d->path, sizeof(d->path), "%s/%s", d->dir, DISK_NAME);
	snprintf(d->arg, sizeof(d->arg), "%s%s", d->path, read_only ? ",ro" : "");
	int fd = open(d->path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, image, IMAGE_BYTES), IMAGE_BYTES);
	close(fd);
}

static void disk_remove(struct image *d)
{
	unlink(d->path);
	rmdir(d->dir);
}

/* The image file now: every byte as expected, and not one byte more or less. */
static void assert_image(const struct image *d, bool sector_1_written)
{
	static uint8_t expected[IMAGE_BYTES], image[IMAGE_BYTES + 1];
	int fd = open(d->path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, image, sizeof(image)), IMAGE_BYTES);
	close(fd);
	contract_image(expected, sector_1_written);
	for (size_t i = 0; i < IMAGE_BYTES; i++)
		ck_assert_msg(image[i] == expected[i],
			      "image byte %zu (sector %zu) is 0x%02x, not 0x%02x", i, i / SECTOR,
			      image[i], expected[i]);
}

/* Runs a guest on disk d, with --ioeventfd or not; returns the VMM's exit status. */
static int run_guest(const char *guest, const struct image *d, bool ioeventfd, char *out,
		     size_t size)
{
	if (ioeventfd)
		return run_vmm(out, size, "--timeout", RUN_TIMEOUT, "--disk", d->arg, "--ioeventfd",
			       guest_path(guest));
	return run_vmm(out, size, "--timeout", RUN_TIMEOUT, "--disk", d->arg, guest_path(guest));
}

/*
 * blk.bin and blk-poll.bin: the text of sector 0, the ID, then the capacity,
 * the features accepted (FLUSH: bit 9), and the interrupts taken (blk: one
 * per request) or InterruptStatus (blk-poll: 0). Sector 1 is written and in
 * the file; nothing else changed; the device said nothing.
 */
static void driver_guest(const char *guest, bool ioeventfd, unsigned last_report)
{
	struct image d;
	char out[8192], expected[512];

	disk_make(&d, false);
	int status = run_guest(guest, &d, ioeventfd, out, sizeof(out));
	ck_assert_msg(status == 0, "%s exited with %d: %s", guest, status, out);
	snprintf(expected, sizeof(expected),
		 "%sdisk id: " DISK_NAME "\nguest reported %d (0x%x)\nguest reported 512 "
		 "(0x200)\nguest reported %u (0x%x)\n",
		 DISK_TEXT, IMAGE_SECTORS, IMAGE_SECTORS, last_report, last_report);
	ck_assert_str_eq(out, expected);
	assert_image(&d, true);
	disk_remove(&d);
}

START_TEST(blk_reads_writes_flushes_and_reads_back_by_interrupt)
{
	driver_guest("blk.bin", false, 5);
}
END_TEST

START_TEST(blk_with_ioeventfd)
{
	driver_guest("blk.bin", true, 5);
}
END_TEST

START_TEST(blk_poll_does_the_same_without_an_interrupt)
{
	driver_guest("blk-poll.bin", false, 0);
}
END_TEST

START_TEST(blk_poll_with_ioeventfd)
{
	driver_guest("blk-poll.bin", true, 0);
}
END_TEST

/*
 * blk-ro.bin on a read-only disk: RO offered and accepted (bits 5 and 9), the
 * write refused with VIRTIO_BLK_S_IOERR (1) and said once; the file unchanged.
 */
static void read_only_guest(bool ioeventfd)
{
	struct image d;
	char out[8192];

	disk_make(&d, true);
	int status = run_guest("blk-ro.bin", &d, ioeventfd, out, sizeof(out));
	ck_assert_msg(status == 0, "blk-ro exited with %d: %s", status, out);
	assert_contains(out, DISK_TEXT);
	assert_contains(out, "guest reported 544 (0x220)\nguest reported 1 (0x1)\n");
	ck_assert_uint_eq(occurrences(out, "vmm: virtio-blk: "), 1);
	assert_contains(out, "vmm: virtio-blk: a write (OUT) at sector 1 to a read-only disk "
			     "(VIRTIO_BLK_F_RO): VIRTIO_BLK_S_IOERR, nothing written (5.2.6.2)\n");
	assert_image(&d, false);
	disk_remove(&d);
}

START_TEST(blk_ro_sees_a_read_only_disk_refuse_a_write)
{
	read_only_guest(false);
}
END_TEST

START_TEST(blk_ro_with_ioeventfd)
{
	read_only_guest(true);
}
END_TEST

/* The guests' exit statuses name the step that failed: RO not offered, a write refused. */
START_TEST(a_guest_that_finds_the_disk_not_as_expected_says_which_step_failed)
{
	struct image d;
	char out[8192], line[80];

	disk_make(&d, false);
	ck_assert_int_eq(run_guest("blk-ro.bin", &d, false, out, sizeof(out)), ERR_NOT_RO);
	snprintf(line, sizeof(line), "vmm: the guest finished with status %d\n", ERR_NOT_RO);
	assert_contains(out, line);
	assert_image(&d, false);
	disk_remove(&d);

	disk_make(&d, true);
	ck_assert_int_eq(run_guest("blk.bin", &d, false, out, sizeof(out)), ERR_WRITE);
	assert_contains(out, DISK_TEXT);
	assert_contains(out, "to a read-only disk (VIRTIO_BLK_F_RO): VIRTIO_BLK_S_IOERR");
	assert_image(&d, false);
	disk_remove(&d);
}
END_TEST

/*
 * A hostile guest: exit status 0 (the device did what the spec says, the
 * guest checked), the one diagnostic, said once and nothing else from the
 * device, what the guest saw (Status, the request's status byte), then
 * sector 0's text read after the recovery; the image unchanged.
 */
static void hostile_guest(const char *guest, bool ioeventfd, const char *diagnostic,
			  unsigned status_seen, unsigned request_status)
{
	struct image d;
	char out[8192], reports[128];

	disk_make(&d, false);
	int status = run_guest(guest, &d, ioeventfd, out, sizeof(out));
	ck_assert_msg(status == 0, "%s exited with %d: %s", guest, status, out);
	ck_assert_uint_eq(occurrences(out, "vmm: virtio-blk: "), 1);
	assert_contains(out, diagnostic);
	snprintf(reports, sizeof(reports), "guest reported %u (0x%x)\nguest reported %u (0x%x)\n",
		 status_seen, status_seen, request_status, request_status);
	assert_contains(out, reports);
	ck_assert_ptr_nonnull(strstr(strstr(out, reports), DISK_TEXT)); /* recovered, after */
	assert_image(&d, false);
	disk_remove(&d);
}

#define NEEDS_RESET STATUS_LIVE | STATUS_NEEDS_RESET, 0xff /* the status byte never written */
#define IOERR STATUS_LIVE, 1 /* VIRTIO_BLK_S_IOERR */

#define LOOP_DIAGNOSTIC                                                                            \
	"vmm: virtio-blk: the chain from descriptor 0 has more descriptors than the queue's 8: "   \
	"it loops\n"
#define ADDRESS_DIAGNOSTIC                                                                         \
	"vmm: virtio-blk: descriptor 1: 512 bytes at 0x1fff00 are not all in guest RAM\n"
#define HEADER_DIAGNOSTIC                                                                          \
	"vmm: virtio-blk: the request at descriptor 0 has 8 device-readable bytes, fewer than "    \
	"its 16-byte header (5.2.6): VIRTIO_BLK_S_IOERR\n"
#define SECTOR_DIAGNOSTIC                                                                          \
	"vmm: virtio-blk: a write of 2 sector(s) at sector 127, past the capacity of 128 "         \
	"sectors (5.2.6.1): VIRTIO_BLK_S_IOERR\n"
#define NOTIFY_DIAGNOSTIC                                                                          \
	"vmm: virtio-blk: a notification for queue 0, which is not ready (4.2.2.1): the device "   \
	"needs a reset\n"

START_TEST(a_chain_that_loops_needs_a_reset)
{
	hostile_guest("bad-loop.bin", false, LOOP_DIAGNOSTIC, NEEDS_RESET);
}
END_TEST

START_TEST(a_chain_that_loops_with_ioeventfd)
{
	hostile_guest("bad-loop.bin", true, LOOP_DIAGNOSTIC, NEEDS_RESET);
}
END_TEST

START_TEST(a_buffer_past_the_end_of_ram_needs_a_reset)
{
	hostile_guest("bad-address.bin", false, ADDRESS_DIAGNOSTIC, NEEDS_RESET);
}
END_TEST

START_TEST(a_buffer_past_the_end_of_ram_with_ioeventfd)
{
	hostile_guest("bad-address.bin", true, ADDRESS_DIAGNOSTIC, NEEDS_RESET);
}
END_TEST

START_TEST(a_short_header_fails_the_request)
{
	hostile_guest("bad-header.bin", false, HEADER_DIAGNOSTIC, IOERR);
}
END_TEST

START_TEST(a_short_header_with_ioeventfd)
{
	hostile_guest("bad-header.bin", true, HEADER_DIAGNOSTIC, IOERR);
}
END_TEST

START_TEST(a_write_past_the_capacity_fails_and_leaves_the_file_alone)
{
	hostile_guest("bad-sector.bin", false, SECTOR_DIAGNOSTIC, IOERR);
}
END_TEST

START_TEST(a_write_past_the_capacity_with_ioeventfd)
{
	hostile_guest("bad-sector.bin", true, SECTOR_DIAGNOSTIC, IOERR);
}
END_TEST

START_TEST(a_notify_for_a_queue_not_ready_needs_a_reset)
{
	hostile_guest("bad-notify.bin", false, NOTIFY_DIAGNOSTIC, NEEDS_RESET);
}
END_TEST

START_TEST(a_notify_for_a_queue_not_ready_with_ioeventfd)
{
	hostile_guest("bad-notify.bin", true, NOTIFY_DIAGNOSTIC, NEEDS_RESET);
}
END_TEST

/*
 * killed.bin writes until --timeout stops the VMM: write n fills sector 3 + n mod 125
 * with the byte n mod 256. RBX, in the dump --timeout prints, counts the writes that
 * completed. Each of those is in the file: every sector holds its last completed
 * write, except that the one in flight when the VMM stopped may have landed too.
 */
#define KILLED_FIRST 3
#define KILLED_SECTORS 125

static uint64_t rbx_of(const char *out)
{
	const char *rbx = strstr(out, "rbx=0x");

	ck_assert_msg(rbx != NULL, "no rbx in the dump:\n%s", output_tail(out));
	return strtoull(rbx + strlen("rbx=0x"), NULL, 16);
}

/* Sector s's byte after writes 0 .. done - 1; -1 if none of them wrote it. */
static int last_write_to(unsigned s, uint64_t done)
{
	for (uint64_t n = done; n-- > 0;)
		if (KILLED_FIRST + n % KILLED_SECTORS == s)
			return (int)(n & 0xff);
	return -1;
}

static void killed_guest(bool ioeventfd)
{
	static uint8_t expected[IMAGE_BYTES], image[IMAGE_BYTES + 1];
	static char out[65536];
	struct image d;

	disk_make(&d, false);
	if (ioeventfd)
		ck_assert_int_eq(run_vmm(out, sizeof(out), "--timeout", "2", "--disk", d.arg,
					 "--ioeventfd", guest_path("killed.bin")),
				 124);
	else
		ck_assert_int_eq(run_vmm(out, sizeof(out), "--timeout", "2", "--disk", d.arg,
					 guest_path("killed.bin")),
				 124);
	uint64_t done = rbx_of(out);
	ck_assert_uint_gt(done, KILLED_SECTORS); /* it went round the sectors at least once */
	int fd = open(d.path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, image, sizeof(image)), IMAGE_BYTES);
	close(fd);
	contract_image(expected, false);
	for (unsigned s = 0; s < IMAGE_SECTORS; s++) {
		int want = s < KILLED_FIRST ? -1 : last_write_to(s, done);
		int in_flight = s == KILLED_FIRST + done % KILLED_SECTORS ? (int)(done & 0xff) : -1;
		for (unsigned i = 0; i < SECTOR; i++) {
			uint8_t byte = image[s * SECTOR + i];
			uint8_t old = want < 0 ? expected[s * SECTOR + i] : (uint8_t)want;
			ck_assert_msg(byte == old || (in_flight >= 0 && byte == in_flight),
				      "sector %u byte %u: 0x%02x after %llu writes", s, i, byte,
				      (unsigned long long)done);
		}
	}
	disk_remove(&d);
}

START_TEST(what_completed_is_in_the_image_when_the_vmm_is_killed)
{
	killed_guest(false);
}
END_TEST

START_TEST(what_completed_is_in_the_image_when_killed_with_ioeventfd)
{
	killed_guest(true);
}
END_TEST

/*
 * The same guests in this process, on the fixture: what they leave in
 * registers and guest memory, and what the device counted on its side.
 */
static uint64_t guest_qword(struct fixture *f, uint64_t gpa)
{
	uint64_t *p = guest_ptr(&f->vm, gpa, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	return *p;
}

static void start_with_disk(struct fixture *f, const char *guest, struct image *d, bool ioeventfd)
{
	disk_make(d, false);
	start_guest(f, guest, vcpu_set_long_mode);
	ck_assert_msg(disk_open(&f->vm, d->arg) == 0, "%s", f->vm.error);
	if (ioeventfd)
		ck_assert_msg(disk_use_ioeventfd(&f->vm) == 0, "%s", f->vm.error);
	ck_assert_msg(vcpu_set_timeout(&f->vcpu, 60) == 0, "%s", f->vm.error);
}

static void driver_proof(const char *guest, bool ioeventfd, uint64_t interrupts)
{
	struct fixture f;
	struct image d;

	start_with_disk(&f, guest, &d, ioeventfd);
	enum run_outcome outcome = run_to_end(&f);
	ck_assert_msg(outcome == RUN_FINISHED, "outcome %d: %s\n%s", outcome, f.vm.error,
		      dump_of(&f.vcpu));
	ck_assert_uint_eq(f.vm.status, 0);
	struct kvm_regs regs = regs_of(&f);
	ck_assert_uint_eq(regs.rbx, IMAGE_SECTORS);
	ck_assert_uint_eq(regs.r12, FEATURES_ACCEPTED);
	ck_assert_uint_eq(regs.r13, interrupts);
	ck_assert_uint_eq(guest_qword(&f, RESULT_CAPACITY), IMAGE_SECTORS);
	ck_assert_uint_eq(guest_qword(&f, RESULT_FEATURES), FEATURES_ACCEPTED);
	ck_assert_uint_eq(guest_qword(&f, RESULT_INTERRUPTS), interrupts);
	ck_assert_uint_eq(guest_qword(&f, RESULT_REQUESTS), REQUESTS);
	/* The device's side of the same story. */
	const struct virtio_blk_stats *s = &f.vm.disk.blk.stats;
	ck_assert_uint_eq(s->reads, 2);
	ck_assert_uint_eq(s->writes, 1);
	ck_assert_uint_eq(s->flushes, 1);
	ck_assert_uint_eq(s->get_ids, 1);
	ck_assert_uint_eq(s->failed + s->unsupported, 0);
	ck_assert_uint_eq(s->syncs, 1); /* the flush, not the write: FLUSH was negotiated */
	ck_assert_uint_eq(s->bytes_written, SECTOR);
	ck_assert_uint_eq(virtio_mmio_features(&f.vm.disk.mmio), FEATURES_ACCEPTED);
	ck_assert_uint_eq(f.vm.disk.mmio.status, STATUS_LIVE);
	ck_assert_uint_eq(f.vm.disk.mmio.interrupt_status, 0); /* acknowledged, or never raised */
	ck_assert_str_eq(log_of(&f.vm, &f.c), "");
	finish(&f);
	assert_image(&d, true);
	disk_remove(&d);
}

START_TEST(blk_leaves_its_proof_in_registers_and_memory)
{
	driver_proof("blk.bin", false, REQUESTS);
}
END_TEST

START_TEST(blk_leaves_its_proof_with_ioeventfd)
{
	driver_proof("blk.bin", true, REQUESTS);
}
END_TEST

START_TEST(blk_poll_leaves_its_proof_in_registers_and_memory)
{
	driver_proof("blk-poll.bin", false, 0);
}
END_TEST

START_TEST(blk_poll_leaves_its_proof_with_ioeventfd)
{
	driver_proof("blk-poll.bin", true, 0);
}
END_TEST

/* What each hostile guest saw, in its memory: Status, the status byte, InterruptStatus. */
START_TEST(hostile_guests_leave_what_they_saw_in_memory)
{
	static const struct {
		const char *guest;
		uint64_t status, request_status, interrupt_status;
	} cases[] = {
	    {"bad-loop.bin", STATUS_LIVE | STATUS_NEEDS_RESET, 0xff, VIRTIO_MMIO_INT_CONFIG},
	    {"bad-address.bin", STATUS_LIVE | STATUS_NEEDS_RESET, 0xff, VIRTIO_MMIO_INT_CONFIG},
	    {"bad-header.bin", STATUS_LIVE, VIRTIO_BLK_S_IOERR, VIRTIO_MMIO_INT_VRING},
	    {"bad-sector.bin", STATUS_LIVE, VIRTIO_BLK_S_IOERR, VIRTIO_MMIO_INT_VRING},
	    {"bad-notify.bin", STATUS_LIVE | STATUS_NEEDS_RESET, 0xff, VIRTIO_MMIO_INT_CONFIG},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		struct image d;

		start_with_disk(&f, cases[i].guest, &d, false);
		ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
		ck_assert_msg(f.vm.status == 0, "%s: status %d", cases[i].guest, f.vm.status);
		ck_assert_uint_eq(guest_qword(&f, RESULT_STATUS), cases[i].status);
		ck_assert_uint_eq(guest_qword(&f, RESULT_REQ_STATUS), cases[i].request_status);
		ck_assert_uint_eq(guest_qword(&f, RESULT_INT_STATUS), cases[i].interrupt_status);
		/* The device works again at the end: live, the recovery's read served. */
		ck_assert_uint_eq(f.vm.disk.mmio.status, STATUS_LIVE);
		ck_assert_uint_ge(f.vm.disk.blk.stats.reads, 1);
		ck_assert_uint_eq(f.vm.disk.blk.stats.writes, 0);
		ck_assert_uint_eq(occurrences(log_of(&f.vm, &f.c), "vmm: virtio-blk: "), 1);
		finish(&f);
		assert_image(&d, false);
		disk_remove(&d);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage06-virtio guests");
	TCase *drivers = tcase_create("drivers");
	TCase *hostile = tcase_create("hostile");

	tcase_set_timeout(drivers, 120); /* a loaded machine with a slow, software KVM */
	tcase_add_kvm_test(drivers, blk_reads_writes_flushes_and_reads_back_by_interrupt);
	tcase_add_kvm_test(drivers, blk_with_ioeventfd);
	tcase_add_kvm_test(drivers, blk_poll_does_the_same_without_an_interrupt);
	tcase_add_kvm_test(drivers, blk_poll_with_ioeventfd);
	tcase_add_kvm_test(drivers, blk_ro_sees_a_read_only_disk_refuse_a_write);
	tcase_add_kvm_test(drivers, blk_ro_with_ioeventfd);
	tcase_add_kvm_test(drivers,
			   a_guest_that_finds_the_disk_not_as_expected_says_which_step_failed);
	tcase_add_kvm_test(drivers, blk_leaves_its_proof_in_registers_and_memory);
	tcase_add_kvm_test(drivers, blk_leaves_its_proof_with_ioeventfd);
	tcase_add_kvm_test(drivers, blk_poll_leaves_its_proof_in_registers_and_memory);
	tcase_add_kvm_test(drivers, blk_poll_leaves_its_proof_with_ioeventfd);
	tcase_add_kvm_test(drivers, what_completed_is_in_the_image_when_the_vmm_is_killed);
	tcase_add_kvm_test(drivers, what_completed_is_in_the_image_when_killed_with_ioeventfd);
	tcase_set_timeout(hostile, 120);
	tcase_add_kvm_test(hostile, a_chain_that_loops_needs_a_reset);
	tcase_add_kvm_test(hostile, a_chain_that_loops_with_ioeventfd);
	tcase_add_kvm_test(hostile, a_buffer_past_the_end_of_ram_needs_a_reset);
	tcase_add_kvm_test(hostile, a_buffer_past_the_end_of_ram_with_ioeventfd);
	tcase_add_kvm_test(hostile, a_short_header_fails_the_request);
	tcase_add_kvm_test(hostile, a_short_header_with_ioeventfd);
	tcase_add_kvm_test(hostile, a_write_past_the_capacity_fails_and_leaves_the_file_alone);
	tcase_add_kvm_test(hostile, a_write_past_the_capacity_with_ioeventfd);
	tcase_add_kvm_test(hostile, a_notify_for_a_queue_not_ready_needs_a_reset);
	tcase_add_kvm_test(hostile, a_notify_for_a_queue_not_ready_with_ioeventfd);
	tcase_add_kvm_test(hostile, hostile_guests_leave_what_they_saw_in_memory);
	suite_add_tcase(s, drivers);
	suite_add_tcase(s, hostile);
	return run_suite(s);
}
