#include "disk_fixture.h"
#include "guest_memory.h"
#include "run_vmm.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

const char *image_copy(char path[32])
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

void logged_vm_init(struct logged_vm *l)
{
	memory_only_vm(&l->vm, GUEST_MEM_SIZE);
	l->vm.log = open_memstream(&l->log, &l->log_size);
	ck_assert_ptr_nonnull(l->vm.log);
}

void logged_vm_end(struct logged_vm *l)
{
	disk_close(&l->vm);
	fclose(l->vm.log);
	free(l->log);
	free(l->vm.mem);
}

/* One register of the disk's window, read as the guest would: through mmio_access(). */
static uint32_t read_register(struct vm *vm, uint64_t offset)
{
	uint8_t data[4];

	ck_assert_int_eq(mmio_access(vm, VIRTIO_MMIO_BASE + offset, data, 4, false), RESUME_GUEST);
	return virtio_le32(data);
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
	char remark[80];

	logged_vm_init(&l);
	ck_assert_uint_eq(read_register(&l.vm, VIRTIO_MMIO_MAGIC_VALUE), 0xffffffff);
	fflush(l.vm.log);
	snprintf(remark, sizeof(remark), "0x%llx, where there is no memory and no device",
		 (unsigned long long)VIRTIO_MMIO_BASE);
	assert_contains(l.log, remark);
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

/*
 * Sector 1 is blk.bin's to write (it writes it and reads it back), so a run of it
 * on the default image changes it: everything else is as the build made it.
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

/*
 * What a person sees when the image cannot be used: the file, and why. Exit
 * status 1, before the guest runs: blk.bin, which every stage with a disk has,
 * would use the disk if it ran.
 */
START_TEST(a_missing_image_is_named)
{
	expect_vmm(1, "disk image /nonexistent/disk.img: No such file or directory", "--disk",
		   "/nonexistent/disk.img", guest_path("blk.bin"));
}
END_TEST

START_TEST(an_image_another_vmm_holds_is_refused)
{
	char path[32];
	int fd = open(image_copy(path), O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0); /* as another VMM holds it */
	expect_vmm(1, "is in use: another process holds its lock", "--disk", path,
		   guest_path("blk.bin"));
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(disk_without_a_file_is_a_usage_error)
{
	expect_vmm(2, "--disk needs", "--disk");
}
END_TEST

void tcase_add_shared_disk_tests(TCase *tc)
{
	tcase_add_test(tc, the_window_holds_a_virtio_mmio_block_device);
	tcase_add_test(tc, without_a_disk_the_window_is_memory_nobody_has);
	tcase_add_test(tc, an_access_just_past_the_window_is_not_the_disks);
	tcase_add_test(tc, the_default_image_holds_its_text_and_pattern);
	tcase_add_test(tc, disk_without_a_file_is_a_usage_error);
	tcase_add_kvm_test(tc, a_missing_image_is_named);
	tcase_add_kvm_test(tc, an_image_another_vmm_holds_is_refused);
}
