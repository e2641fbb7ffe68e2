/*
 * Exercise 06-last-sector (easy): a driver that reads the disk's last sector, wherever it is.
 * Write guest-asm/06-virtio/last-sector.asm: it sets the device up as this chapter's guests
 * do (blk-driver.inc), reads the disk's capacity from the configuration space, reads the
 * last sector (capacity - 1) with one VIRTIO_BLK_T_IN request, reports that sector's first
 * four bytes (as one little-endian 32-bit number) through port 0x80, and finishes through
 * port 0xf4 with status 0. The test runs it on two disks of different sizes.
 * order: 1
 * hint: blk-poll.asm is the model: blk_init sets the device up, blk_capacity returns the
 * capacity in rax, and blk_request (edi type, rsi sector, rdx buffer, ecx bytes) returns the
 * status byte in al; out 0x80, eax reports EAX
 */
#include "kvm_check.h"
#include "reports.h"
#include "run_vmm.h"
#include "virtio_driver.h"

#include <unistd.h>

#define GUEST "last-sector.bin"

/* Runs the guest on an image of `sectors` sectors (tests/lib's pattern in every byte). */
static void expect_last_sector(unsigned sectors)
{
	char image[40], out[4096];
	unsigned long long reported[REPORTS_MAX];
	uint64_t last = (uint64_t)(sectors - 1) * VIRTIO_BLK_SECTOR_SIZE;
	uint32_t want = 0;

	for (int i = 3; i >= 0; i--)
		want = want << 8 | image_pattern(last + (uint64_t)i);
	ck_assert_int_eq(make_image(image, "/tmp", (uint64_t)sectors * VIRTIO_BLK_SECTOR_SIZE), 0);
	int status =
	    run_vmm(out, sizeof(out), "--timeout", "60", "--disk", image, guest_path(GUEST));
	unlink(image);
	ck_assert_msg(status == 0, "the VMM exited with status %d, not 0: %s", status, out);
	ck_assert_msg(reports_in(out, reported) == 1,
		      "want one report, the last sector's first four bytes; the run said \"%s\"",
		      out);
	ck_assert_msg(reported[0] == want,
		      "on a disk of %u sectors the guest reported 0x%llx; the first four bytes of "
		      "sector %u are 0x%08x",
		      sectors, reported[0], sectors - 1, want);
}

START_TEST(reads_sector_23_of_24)
{
	expect_last_sector(24);
}
END_TEST

START_TEST(reads_sector_76_of_77)
{
	expect_last_sector(77);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 06-last-sector");
	TCase *tc = tcase_create("last-sector");

	tcase_set_timeout(tc, 60);
	tcase_add_kvm_test(tc, reads_sector_23_of_24);
	tcase_add_kvm_test(tc, reads_sector_76_of_77);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
