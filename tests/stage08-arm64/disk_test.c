/*
 * stage08-arm64's disk: stage07's virtio-blk device, unchanged, in an arm64
 * machine. Its window in guest physical address space, the default image, what
 * a person sees when the image cannot be used, and the arm64 guest blk.bin
 * driving it: sector 0 read, sector 1 written, flushed and read back, sector 2
 * read; read-only; with --ioeventfd (KVM_IOEVENTFD, and KVM_IRQFD on the GIC).
 * All but the guests as in every stage with a disk (tests/lib/disk_fixture.c).
 */
#include "disk_fixture.h"
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAFETY_TIMEOUT "120" /* --timeout: a hang fails the test with 124, never hangs it */

/* The device reaches guest memory through guest_ptr(): RAM starts at GUEST_MEM_BASE here. */
START_TEST(the_device_sees_ram_where_the_guest_does)
{
	struct logged_vm l;

	logged_vm_init(&l);
	ck_assert_ptr_eq(guest_ptr(&l.vm, GUEST_MEM_BASE, 16), l.vm.mem);
	ck_assert_ptr_null(guest_ptr(&l.vm, 0, 16)); /* 0 is RAM on x86, nothing here */
	ck_assert_ptr_null(guest_ptr(&l.vm, VIRTIO_MMIO_BASE, 4));
	logged_vm_end(&l);
}
END_TEST

/* What blk.bin (or blk-irq.bin) says, whichever way the requests reach the device. */
static const char *run_guest(const char *guest, char *out, size_t size, const char *disk,
			     const char *extra)
{
	int status = extra ? run_vmm(out, size, "--disk", disk, extra, "--timeout", SAFETY_TIMEOUT,
				     guest_path(guest))
			   : run_vmm(out, size, "--disk", disk, "--timeout", SAFETY_TIMEOUT,
				     guest_path(guest));

	ck_assert_msg(status == 0, "status %d:\n%s", status, out);
	ck_assert_uint_eq(occurrences(out, "FAILED"), 0);
	assert_contains(out, "sector 0: " DISK_TEXT);
	assert_contains(out, "sector 2: 512 bytes of 0xa5\n");
	assert_contains(out, "guest reported 128 (0x80)\n"); /* the capacity, in sectors */
	assert_contains(out, "vmm: the guest powered off (PSCI SYSTEM_OFF)");
	return out;
}
#define run_blk(...) run_guest("blk.bin", __VA_ARGS__)

/* The guest's pattern, (i * 7) & 0xff, is in sector 1 of the file: written, and flushed. */
static void sector_1_holds_the_pattern(const char *path, bool written)
{
	uint8_t sector[512];
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, sector, sizeof(sector), 512), (ssize_t)sizeof(sector));
	close(fd);
	for (unsigned i = 0; i < sizeof(sector); i++)
		ck_assert_uint_eq(sector[i], written ? (uint8_t)(i * 7) : 0);
}

static void blk_writes_and_reads_back(const char *extra)
{
	char out[8192], path[32];

	run_blk(out, sizeof(out), image_copy(path), extra);
	assert_contains(out, "sector 1: wrote 512 bytes, flushed, read them back: the same\n");
	sector_1_holds_the_pattern(path, true);
	unlink(path);
}

START_TEST(blk_reads_writes_flushes_and_reads_back)
{
	blk_writes_and_reads_back(NULL);
}
END_TEST

START_TEST(blk_with_ioeventfd)
{
	blk_writes_and_reads_back("--ioeventfd");
}
END_TEST

static void blk_sees_a_read_only_disk(const char *extra)
{
	char out[8192], path[32], ro[40];

	snprintf(ro, sizeof(ro), "%s,ro", image_copy(path));
	run_blk(out, sizeof(out), ro, extra);
	assert_contains(out, "sector 1: the write was refused: the disk is read-only\n");
	assert_contains(out, "to a read-only disk (VIRTIO_BLK_F_RO): VIRTIO_BLK_S_IOERR");
	sector_1_holds_the_pattern(path, false);
	unlink(path);
}

START_TEST(blk_ro_sees_a_read_only_disk_refuse_a_write)
{
	blk_sees_a_read_only_disk(NULL);
}
END_TEST

START_TEST(blk_ro_with_ioeventfd)
{
	blk_sees_a_read_only_disk("--ioeventfd");
}
END_TEST

/*
 * blk-irq.bin waits for each request's interrupt: the disk's SPI, through the
 * GIC, raised by KVM_IRQ_LINE, or pulsed by KVM's irqfd with --ioeventfd. It
 * reports how many it took after the capacity: one per request, 5.
 */
static void blk_irq_takes_one_interrupt_per_request(const char *extra)
{
	char out[8192], path[32];

	run_guest("blk-irq.bin", out, sizeof(out), image_copy(path), extra);
	assert_contains(out, "sector 1: wrote 512 bytes, flushed, read them back: the same\n");
	assert_contains(out, "guest reported 128 (0x80)\nguest reported 5 (0x5)\n");
	sector_1_holds_the_pattern(path, true);
	unlink(path);
}

START_TEST(blk_irq_takes_the_disks_interrupt_through_the_gic)
{
	blk_irq_takes_one_interrupt_per_request(NULL);
}
END_TEST

START_TEST(blk_irq_with_ioeventfd_and_irqfd)
{
	blk_irq_takes_one_interrupt_per_request("--ioeventfd");
}
END_TEST

/*
 * killed.bin writes until --timeout stops the VMM: write n fills sector 3 + n mod 125
 * with the byte n mod 256. x7, in the dump --timeout prints, counts the writes that
 * completed. Each of those is in the file: every sector holds its last completed
 * write, except that the one in flight when the VMM stopped may have landed too.
 */
#define KILLED_FIRST 3
#define KILLED_SECTORS 125
#define SECTOR 512
#define IMAGE_SECTORS 128

static uint64_t x7_of(const char *out)
{
	const char *x7 = strstr(out, "x7=0x");

	ck_assert_msg(x7 != NULL, "no x7 in the dump:\n%s", output_tail(out));
	return strtoull(x7 + strlen("x7=0x"), NULL, 16);
}

/* Sector s's byte after writes 0 .. done - 1; -1 if none of them wrote it. */
static int last_write_to(unsigned s, uint64_t done)
{
	for (uint64_t n = done; n-- > 0;)
		if (KILLED_FIRST + n % KILLED_SECTORS == s)
			return (int)(n & 0xff);
	return -1;
}

static void killed_guest(const char *extra)
{
	static uint8_t before[IMAGE_SECTORS * SECTOR], image[IMAGE_SECTORS * SECTOR + 1];
	static char out[65536];
	char path[32];
	int fd = open(DISK_IMAGE, O_RDONLY);

	ck_assert_int_eq(read(fd, before, sizeof(before)), (ssize_t)sizeof(before));
	close(fd);
	int status = extra ? run_vmm(out, sizeof(out), "--timeout", "2", "--disk", image_copy(path),
				     extra, guest_path("killed.bin"))
			   : run_vmm(out, sizeof(out), "--timeout", "2", "--disk", image_copy(path),
				     guest_path("killed.bin"));
	ck_assert_msg(status == 124, "status %d:\n%s", status, out);
	uint64_t done = x7_of(out);
	ck_assert_uint_gt(done, 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, image, sizeof(image)), (ssize_t)sizeof(before));
	close(fd);
	for (unsigned s = 0; s < IMAGE_SECTORS; s++) {
		int want = s < KILLED_FIRST ? -1 : last_write_to(s, done);
		int in_flight = s == KILLED_FIRST + done % KILLED_SECTORS ? (int)(done & 0xff) : -1;
		for (unsigned i = 0; i < SECTOR; i++) {
			uint8_t byte = image[s * SECTOR + i];
			uint8_t old = want < 0 ? before[s * SECTOR + i] : (uint8_t)want;
			ck_assert_msg(byte == old || (in_flight >= 0 && byte == in_flight),
				      "sector %u byte %u: 0x%02x after %llu writes", s, i, byte,
				      (unsigned long long)done);
		}
	}
	unlink(path);
}

START_TEST(what_completed_is_in_the_image_when_the_vmm_is_stopped)
{
	killed_guest(NULL);
}
END_TEST

START_TEST(what_completed_is_in_the_image_when_stopped_with_ioeventfd)
{
	killed_guest("--ioeventfd");
}
END_TEST

/* --stats: with --ioeventfd, the notifications are no exits: fewer exits per request. */
START_TEST(stats_say_how_the_disk_was_notified)
{
	char out[8192], path[32];

	ck_assert_int_eq(
	    run_vmm(out, sizeof(out), "--stats", "--disk", image_copy(path), guest_path("blk.bin")),
	    0);
	assert_contains(out, "disk: 5 requests (3 read, 1 write, 1 flush, 0 GET_ID, 0 failed), "
			     "notified by MMIO exits\n");
	ck_assert_int_eq(run_vmm(out, sizeof(out), "--stats", "--ioeventfd", "--disk", path,
				 guest_path("blk.bin")),
			 0);
	assert_contains(out, "disk: 5 requests (3 read, 1 write, 1 flush, 0 GET_ID, 0 failed), "
			     "notified by ioeventfd\n");
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the disk, as the VMM wires it");
	TCase *tc = tcase_create("disk");
	TCase *guest = tcase_create("blk.bin");

	tcase_set_timeout(tc, 60);
	tcase_add_shared_disk_tests(tc); /* the window, the default image, bad images */
	tcase_add_test(tc, the_device_sees_ram_where_the_guest_does);
	suite_add_tcase(s, tc);
	tcase_set_timeout(guest, 300);
	tcase_add_kvm_test(guest, blk_reads_writes_flushes_and_reads_back);
	tcase_add_kvm_test(guest, blk_with_ioeventfd);
	tcase_add_kvm_test(guest, blk_ro_sees_a_read_only_disk_refuse_a_write);
	tcase_add_kvm_test(guest, blk_ro_with_ioeventfd);
	tcase_add_kvm_test(guest, stats_say_how_the_disk_was_notified);
	tcase_add_kvm_test(guest, blk_irq_takes_the_disks_interrupt_through_the_gic);
	tcase_add_kvm_test(guest, blk_irq_with_ioeventfd_and_irqfd);
	tcase_add_kvm_test(guest, what_completed_is_in_the_image_when_the_vmm_is_stopped);
	tcase_add_kvm_test(guest, what_completed_is_in_the_image_when_stopped_with_ioeventfd);
	suite_add_tcase(s, guest);
	return run_suite(s);
}
