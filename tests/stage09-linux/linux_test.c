/*
 * The Linux boot protocol without KVM (linux.c): the bzImage header parser on
 * good and bad images, and what linux_load() puts in guest memory: the kernel,
 * the initrd, the command line, the zero page and its e820 memory map.
 * The images are made here, a few KiB each, with the fields boot.rst defines.
 */
#include "guest_memory.h"
#include "kvm_check.h"
#include "vmm.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1u << 20)
#define SETUP_SECTS 4 /* the image's setup: 1 + 4 sectors of 512 bytes */
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define KERNEL_SIZE 4096 /* the "protected-mode kernel": bytes of KERNEL_BYTE */
#define KERNEL_BYTE 0x4b
#define IMAGE_SIZE (SETUP_SIZE + KERNEL_SIZE)
#define INIT_SIZE (8 * MIB) /* what the kernel says it needs to decompress */
#define MEM (64 * MIB)

/* A bzImage as a 64-bit kernel of boot protocol 2.15 has it; the tests spoil it. */
static uint8_t *test_image(void)
{
	static uint8_t image[IMAGE_SIZE];
	struct setup_header *hdr = (struct setup_header *)(image + 0x1f1);

	memset(image, 0, sizeof(image));
	memset(image + SETUP_SIZE, KERNEL_BYTE, KERNEL_SIZE);
	hdr->setup_sects = SETUP_SECTS;
	hdr->syssize = KERNEL_SIZE / 16;
	hdr->boot_flag = 0xaa55;
	hdr->jump = 0x66eb; /* jmp short: the header ends at 0x202 + 0x66 */
	hdr->header = 0x53726448; /* "HdrS" */
	hdr->version = 0x020f;
	hdr->loadflags = LOADED_HIGH;
	hdr->code32_start = LINUX_KERNEL_ADDR;
	hdr->initrd_addr_max = 0x7fffffff;
	hdr->kernel_alignment = 0x200000;
	hdr->relocatable_kernel = 1;
	hdr->xloadflags = XLF_KERNEL_64;
	hdr->cmdline_size = 2047;
	hdr->pref_address = 16 * MIB;
	hdr->init_size = INIT_SIZE;
	return image;
}

static struct setup_header *header_of(uint8_t *image)
{
	return (struct setup_header *)(image + 0x1f1);
}

/* linux_parse() on image; returns its result, vm.error in *error. */
static int parse(uint8_t *image, size_t size, struct bzimage *bz, char *error)
{
	struct vm vm;

	vm_init(&vm);
	int ret = linux_parse(&vm, image, size, bz);
	strcpy(error, vm.error);
	return ret;
}

START_TEST(a_bzimage_is_parsed_into_setup_and_kernel)
{
	struct bzimage bz;
	char error[VMM_ERROR_MAX];

	ck_assert_msg(parse(test_image(), IMAGE_SIZE, &bz, error) == 0, "%s", error);
	ck_assert_uint_eq(bz.setup_size, SETUP_SIZE);
	ck_assert_uint_eq(bz.kernel_size, KERNEL_SIZE);
	ck_assert_uint_eq(bz.hdr.init_size, INIT_SIZE);
	ck_assert_uint_eq(bz.header_size, 0x202 + 0x66 - 0x1f1);
}
END_TEST

START_TEST(bad_images_get_one_clear_message_each)
{
	struct bzimage bz;
	char error[VMM_ERROR_MAX];
	uint8_t *image = test_image();

	ck_assert_int_eq(parse(image, 100, &bz, error), -1);
	ck_assert_str_eq(error, "not a bzImage: 100 bytes is too short for its setup header");

	ck_assert_int_eq(parse(image, IMAGE_SIZE - 1, &bz, error), -1);
	ck_assert_str_eq(error, "the bzImage is truncated: its header says 2560 + 4096 bytes, "
				"the file has 6655");

	header_of(image)->boot_flag = 0x9090; /* a flat guest's bytes */
	ck_assert_int_eq(parse(image, IMAGE_SIZE, &bz, error), -1);
	ck_assert_str_eq(error, "not a bzImage: no boot sector signature 0xaa55 at 0x1fe");

	image = test_image();
	header_of(image)->header = 0;
	ck_assert_int_eq(parse(image, IMAGE_SIZE, &bz, error), -1);
	ck_assert_ptr_nonnull(strstr(error, "not a bzImage: no \"HdrS\" at 0x202"));

	image = test_image();
	header_of(image)->version = 0x020b;
	ck_assert_int_eq(parse(image, IMAGE_SIZE, &bz, error), -1);
	ck_assert_ptr_nonnull(strstr(error, "boot protocol 2.11 without a 64-bit entry point"));

	image = test_image();
	header_of(image)->xloadflags = 0; /* a 32-bit kernel */
	ck_assert_int_eq(parse(image, IMAGE_SIZE, &bz, error), -1);
	ck_assert_ptr_nonnull(strstr(error, "boot protocol 2.15 without a 64-bit entry point"));

	image = test_image();
	header_of(image)->loadflags = 0;
	ck_assert_int_eq(parse(image, IMAGE_SIZE, &bz, error), -1);
	ck_assert_ptr_nonnull(strstr(error, "a zImage"));
}
END_TEST

/* linux_load() of test_image() with an initrd of initrd_size bytes, into mem bytes. */
static int load(struct vm *vm, size_t mem, size_t initrd_size, const char *cmdline)
{
	char kernel[32], initrd[32];
	uint8_t *bytes = malloc(initrd_size + 1);

	memset(bytes, 0x1d, initrd_size);
	guest_file_of(kernel, test_image(), IMAGE_SIZE);
	guest_file_of(initrd, bytes, initrd_size);
	free(bytes);
	memory_only_vm(vm, mem);
	struct linux_boot boot = {.kernel = kernel, .initrd = initrd, .cmdline = cmdline};
	int ret = linux_load(vm, &boot, ACPI_TABLES_ADDR);
	unlink(kernel);
	unlink(initrd);
	if (ret == 0)
		ck_assert_uint_eq(boot.entry, LINUX_KERNEL_ADDR + 0x200);
	return ret;
}

START_TEST(the_kernel_command_line_and_initrd_land_where_the_zero_page_says)
{
	struct vm vm;

	ck_assert_msg(load(&vm, MEM, 5000, "console=ttyS0") == 0, "%s", vm.error);
	struct boot_params *zp = (struct boot_params *)(vm.mem + ZERO_PAGE_ADDR);
	ck_assert_uint_eq(vm.mem[LINUX_KERNEL_ADDR], KERNEL_BYTE);
	ck_assert_uint_eq(vm.mem[LINUX_KERNEL_ADDR + KERNEL_SIZE - 1], KERNEL_BYTE);
	ck_assert_uint_eq(vm.mem[LINUX_KERNEL_ADDR + KERNEL_SIZE], 0);
	ck_assert_uint_eq(zp->hdr.cmd_line_ptr, CMDLINE_ADDR);
	ck_assert_str_eq((char *)vm.mem + CMDLINE_ADDR, "console=ttyS0");
	/* The initrd: as high as it goes, page-aligned. */
	ck_assert_uint_eq(zp->hdr.ramdisk_size, 5000);
	ck_assert_uint_eq(zp->hdr.ramdisk_image, MEM - 8192);
	ck_assert_uint_eq(vm.mem[MEM - 8192], 0x1d);
	ck_assert_uint_eq(vm.mem[MEM - 8192 + 4999], 0x1d);
	/* The header comes from the file; the loader fills in its own fields. */
	ck_assert_uint_eq(zp->hdr.header, 0x53726448);
	ck_assert_uint_eq(zp->hdr.init_size, INIT_SIZE);
	ck_assert_uint_eq(zp->hdr.type_of_loader, 0xff);
	ck_assert_uint_eq(zp->acpi_rsdp_addr, ACPI_TABLES_ADDR);
	free(vm.mem);
}
END_TEST

START_TEST(the_e820_map_covers_ram_and_reserves_the_bios_area)
{
	struct vm vm;

	ck_assert_msg(load(&vm, MEM, 100, "") == 0, "%s", vm.error);
	struct boot_params *zp = (struct boot_params *)(vm.mem + ZERO_PAGE_ADDR);
	ck_assert_uint_eq(zp->e820_entries, 3);
	const struct boot_e820_entry *e = zp->e820_table;
	/* 0 - 0x9fc00 RAM; up to 1 MiB reserved (the ACPI tables are there); then RAM */
	ck_assert_uint_eq(e[0].addr, 0);
	ck_assert_uint_eq(e[0].size, 0x9fc00);
	ck_assert_uint_eq(e[0].type, 1);
	ck_assert_uint_eq(e[1].addr, 0x9fc00);
	ck_assert_uint_eq(e[1].addr + e[1].size, MIB);
	ck_assert_uint_eq(e[1].type, 2);
	ck_assert_uint_le(e[1].addr, ACPI_TABLES_ADDR);
	ck_assert_uint_eq(e[2].addr, MIB);
	ck_assert_uint_eq(e[2].addr + e[2].size, MEM);
	ck_assert_uint_eq(e[2].type, 1);
	free(vm.mem);
}
END_TEST

START_TEST(too_little_memory_says_how_much_is_needed)
{
	struct vm vm;

	/* 16 MiB + 8 MiB to decompress: 24 MiB, with no room for the initrd above. */
	ck_assert_int_eq(load(&vm, 24 * MIB, 3 * MIB, ""), -1);
	ck_assert_str_eq(vm.error, "--mem 24 is too small: the kernel needs 24 MiB to "
				   "decompress itself and the initrd 3 MiB above that: give "
				   "--mem 28 or more");
	free(vm.mem);
	ck_assert_int_eq(load(&vm, 20 * MIB, 1, ""), -1);
	ck_assert_str_eq(vm.error, "--mem 20 is too small: this kernel needs 24 MiB");
	free(vm.mem);
	/* What it asked for is enough. */
	ck_assert_msg(load(&vm, 28 * MIB, 3 * MIB, "") == 0, "%s", vm.error);
	free(vm.mem);
}
END_TEST

START_TEST(a_command_line_too_long_for_the_kernel_is_refused)
{
	struct vm vm;
	char cmdline[2100];

	memset(cmdline, 'x', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = '\0';
	ck_assert_int_eq(load(&vm, MEM, 1, cmdline), -1);
	ck_assert_str_eq(vm.error,
			 "--cmdline: 2099 characters, and this kernel takes at most 2047");
	free(vm.mem);
}
END_TEST

START_TEST(missing_files_are_named)
{
	struct vm vm;
	struct linux_boot boot = {.kernel = "/nonexistent/bzImage", .cmdline = ""};

	memory_only_vm(&vm, MEM);
	ck_assert_int_eq(linux_load(&vm, &boot, 0), -1);
	ck_assert_str_eq(vm.error, "kernel /nonexistent/bzImage: No such file or directory");
	char kernel[32];
	boot.kernel = guest_file_of(kernel, test_image(), IMAGE_SIZE);
	boot.initrd = "/nonexistent/initrd";
	ck_assert_int_eq(linux_load(&vm, &boot, 0), -1);
	ck_assert_str_eq(vm.error, "initrd /nonexistent/initrd: No such file or directory");
	unlink(kernel);
	free(vm.mem);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the Linux boot protocol");
	TCase *tc = tcase_create("linux");

	tcase_add_test(tc, a_bzimage_is_parsed_into_setup_and_kernel);
	tcase_add_test(tc, bad_images_get_one_clear_message_each);
	tcase_add_test(tc, the_kernel_command_line_and_initrd_land_where_the_zero_page_says);
	tcase_add_test(tc, the_e820_map_covers_ram_and_reserves_the_bios_area);
	tcase_add_test(tc, too_little_memory_says_how_much_is_needed);
	tcase_add_test(tc, a_command_line_too_long_for_the_kernel_is_refused);
	tcase_add_test(tc, missing_files_are_named);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
