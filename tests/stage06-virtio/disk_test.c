/*
 * The disk as the VMM wires it (disk.c): its window in guest physical address
 * space, the page tables that map it, the default image the build makes, and
 * what a person sees when the image cannot be used. The device itself (the
 * transport, the virtqueue, virtio-blk) has suites of its own.
 */
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define PD_INDEX(va) (((uint64_t)(va) >> 21) & 0x1ff)
#define PDPT_INDEX(va) (((uint64_t)(va) >> 30) & 0x1ff)

/* A private copy of the default image: the VMM locks its image, and tests write theirs. */
static const char *image_copy(char path[32])
{
	char buffer[4096];
	int in = open(DISK_IMAGE, O_RDONLY);
	ssize_t n;

	strcpy(path, "/tmp/disk-XXXXXX");
	int out = mkstemp(path);
	ck_assert_int_ge(in, 0);
	ck_assert_int_ge(out, 0);
	while ((n = read(in, buffer, sizeof(buffer))) > 0)
		ck_assert_int_eq(write(out, buffer, (size_t)n), n);
	close(in);
	close(out);
	return path;
}

static uint32_t read_register(struct vm *vm, uint64_t offset)
{
	uint8_t data[4];

	ck_assert_int_eq(mmio_access(vm, VIRTIO_MMIO_BASE + offset, data, 4, false), RESUME_GUEST);
	return virtio_le32(data);
}

/* A VM without KVM whose log is kept in memory. */
struct logged_vm {
	struct vm vm;
	char *log;
	size_t log_size;
};

static void logged_vm_init(struct logged_vm *l)
{
	memory_only_vm(&l->vm, GUEST_MEM_SIZE);
	l->vm.log = open_memstream(&l->log, &l->log_size);
	ck_assert_ptr_nonnull(l->vm.log);
}

static void logged_vm_end(struct logged_vm *l)
{
	disk_close(&l->vm);
	fclose(l->vm.log);
	free(l->log);
	free(l->vm.mem);
}

START_TEST(the_window_holds_a_virtio_mmio_block_device)
{
	struct logged_vm l;
	char path[32];

	logged_vm_init(&l);
	ck_assert_int_eq(disk_open(&l.vm, image_copy(path)), 0);
	ck_assert_uint_eq(read_register(&l.vm, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	ck_assert_uint_eq(read_register(&l.vm, VIRTIO_MMIO_VERSION), VIRTIO_MMIO_VERSION_MODERN);
	ck_assert_uint_eq(read_register(&l.vm, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	/* 64 KiB: 128 sectors, in the configuration space's capacity field. */
	ck_assert_uint_eq(read_register(&l.vm, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CONFIG_CAPACITY),
			  128);
	logged_vm_end(&l);
	unlink(path);
}
END_TEST

START_TEST(without_a_disk_the_window_is_memory_nobody_has)
{
	struct logged_vm l;

	logged_vm_init(&l);
	ck_assert_uint_eq(read_register(&l.vm, VIRTIO_MMIO_MAGIC_VALUE), 0xffffffff);
	fflush(l.vm.log);
	assert_contains(l.log, "0xd0000000, where there is no memory and no device");
	logged_vm_end(&l);
}
END_TEST

START_TEST(an_access_just_past_the_window_is_not_the_disks)
{
	struct logged_vm l;
	char path[32];
	uint8_t data[4];

	logged_vm_init(&l);
	ck_assert_int_eq(disk_open(&l.vm, image_copy(path)), 0);
	ck_assert(disk_owns(&l.vm, VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE - 1));
	ck_assert(!disk_owns(&l.vm, VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE));
	ck_assert(!disk_owns(&l.vm, VIRTIO_MMIO_BASE - 1));
	mmio_access(&l.vm, VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE, data, 4, false);
	ck_assert_uint_eq(virtio_le32(data), 0xffffffff);
	logged_vm_end(&l);
	unlink(path);
}
END_TEST

/* The guest reaches the registers through the VMM's page tables: mapped, and uncached. */
START_TEST(the_page_tables_map_the_window_to_itself_uncached)
{
	struct vm vm;

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_int_eq(paging64_build(&vm), 0);
	uint64_t *pdpt = (uint64_t *)(vm.mem + PDPT_ADDR);
	uint64_t *pd_devices = (uint64_t *)(vm.mem + PD_DEVICES_ADDR);
	uint64_t page = VIRTIO_MMIO_BASE & ~(uint64_t)(PAGE_SIZE_2M - 1);

	ck_assert_uint_eq(pdpt[PDPT_INDEX(VIRTIO_MMIO_BASE)],
			  PD_DEVICES_ADDR | PTE_PRESENT | PTE_WRITE);
	ck_assert_uint_eq(pd_devices[PD_INDEX(VIRTIO_MMIO_BASE)],
			  page | PTE_PRESENT | PTE_WRITE | PTE_PCD | PDE_PS);
	/* RAM keeps its own directory, cached as before. */
	ck_assert_uint_eq(pdpt[0], PD_ADDR | PTE_PRESENT | PTE_WRITE);
	free(vm.mem);
}
END_TEST

/*
 * Sector 1 is the default guest's to write (blk.bin writes and reads it back), so a
 * ./run with no arguments changes it: everything else is as the build made it.
 */
START_TEST(the_default_image_holds_its_text_and_pattern)
{
	uint8_t image[65536];
	int fd = open(DISK_IMAGE, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, image, sizeof(image)), (ssize_t)sizeof(image));
	ck_assert_int_eq(read(fd, image, 1), 0); /* and not a byte more */
	close(fd);
	ck_assert_int_eq(memcmp(image, DISK_TEXT, strlen(DISK_TEXT)), 0);
	for (size_t i = 0; i < sizeof(image); i++) {
		if (i / 512 == 1)
			continue;
		uint8_t want = i / 512 == 2 ? 0xa5 : i < strlen(DISK_TEXT) ? image[i] : 0;
		ck_assert_msg(image[i] == want, "byte %zu: 0x%02x, want 0x%02x", i, image[i], want);
	}
}
END_TEST

START_TEST(stats_say_what_the_disk_did)
{
	struct logged_vm l;
	struct run_stats stats = {0};
	char path[32], *out;
	size_t size;

	logged_vm_init(&l);
	ck_assert_int_eq(disk_open(&l.vm, image_copy(path)), 0);
	FILE *f = open_memstream(&out, &size);
	disk_print_stats(f, &l.vm, &stats);
	fclose(f);
	assert_contains(out, "disk: 0 requests");
	assert_contains(out, "notified by MMIO exits");
	free(out);
	logged_vm_end(&l);
	unlink(path);
}
END_TEST

/* A guest of one instruction, OUT 0xf4: the VMM stops at the disk before it runs. */
static const char *any_guest(char path[32])
{
	static const uint8_t out_done[] = {0xe6, PORT_DONE};

	return guest_file_of(path, out_done, sizeof(out_done));
}

/* What a person sees when the image cannot be used: the file, and why. Exit status 1. */
START_TEST(a_missing_image_is_named)
{
	char guest[32];

	expect_vmm(1, "disk image /nonexistent/disk.img: No such file or directory", "--disk",
		   "/nonexistent/disk.img", any_guest(guest));
	unlink(guest);
}
END_TEST

START_TEST(an_image_another_vmm_holds_is_refused)
{
	char path[32], guest[32];
	int fd = open(image_copy(path), O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0); /* as another VMM holds it */
	expect_vmm(1, "is in use: another process holds its lock", "--disk", path,
		   any_guest(guest));
	close(fd);
	unlink(path);
	unlink(guest);
}
END_TEST

START_TEST(disk_without_a_file_is_a_usage_error)
{
	expect_vmm(2, "--disk needs", "--disk");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the disk, as the VMM wires it");
	TCase *tc = tcase_create("disk");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_window_holds_a_virtio_mmio_block_device);
	tcase_add_test(tc, without_a_disk_the_window_is_memory_nobody_has);
	tcase_add_test(tc, an_access_just_past_the_window_is_not_the_disks);
	tcase_add_test(tc, the_page_tables_map_the_window_to_itself_uncached);
	tcase_add_test(tc, the_default_image_holds_its_text_and_pattern);
	tcase_add_test(tc, stats_say_what_the_disk_did);
	tcase_add_test(tc, disk_without_a_file_is_a_usage_error);
	tcase_add_kvm_test(tc, a_missing_image_is_named);
	tcase_add_kvm_test(tc, an_image_another_vmm_holds_is_refused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
