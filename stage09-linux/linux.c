/*
 * Booting Linux: the Linux/x86 boot protocol, as the kernel documents it in
 * Documentation/arch/x86/boot.rst (cited below by section title), for its 64-bit
 * entry point.
 *
 * A bzImage file is two programs: a real-mode "setup" that a BIOS boot loader
 * would run, and the protected-mode kernel (a decompressor with the compressed
 * kernel inside). The setup begins with a header, struct setup_header, where the
 * kernel says what it needs and the loader fills in what it did. We skip the
 * setup, as boot loaders for 64-bit machines do: we load the protected-mode
 * kernel, fill in the "zero page" (struct boot_params: the header, the command
 * line's address, the initrd's, the memory map) and start the boot vCPU at the
 * kernel's 64-bit entry point, already in long mode.
 */
#include "acpi.h"
#include "vmm.h"

#include <asm/bootparam.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* book:begin header */
/*
 * Where the setup header is in the file and what marks it: boot.rst, "The Real-Mode
 * Kernel Header" (the same offsets as struct setup_header's in struct boot_params).
 */
#define SETUP_HEADER_OFFSET 0x1f1 /* struct setup_header: from setup_sects on */
/* hdr.jump, at 0x200: a short jump, whose offset byte says where the header ends. */
#define SETUP_HEADER_JUMP 0x200
#define BOOT_FLAG 0xaa55 /* hdr.boot_flag, at 0x1fe: a boot sector's signature */
#define HEADER_MAGIC 0x53726448 /* hdr.header, at 0x202: "HdrS" */
#define SECTOR_SIZE 512 /* setup_sects counts 512-byte sectors, after the first */
#define SETUP_SECTS_DEFAULT 4 /* "If this field is 0, the real value is 4." */
/*
 * 2.12 added xloadflags, where XLF_KERNEL_64 says the kernel has the 64-bit entry
 * point; 2.14 added acpi_rsdp_addr ("Details of Header Fields").
 */
#define PROTOCOL_64BIT_ENTRY 0x020c
#define PROTOCOL_ACPI_RSDP 0x020e
#define LINUX_ENTRY_64_OFFSET 0x200 /* "64-bit Boot Protocol": load address + 0x200 */
#define LOADER_UNDEFINED 0xff /* hdr.type_of_loader: a loader with no assigned id */
/* book:end header */

/* book:begin e820 */
/*
 * The memory map the kernel gets in boot_params.e820_table, as a PC's BIOS
 * reports it (ACPI 6.5, 15 "System Address Map Interfaces"): RAM below the
 * EBDA, the BIOS area reserved (the ACPI tables are there), then RAM from 1 MiB.
 */
#define E820_TYPE_RAM 1 /* AddressRangeMemory: the kernel may use it */
#define E820_TYPE_RESERVED 2 /* AddressRangeReserved: it may not */
#define LOW_RAM_END 0x9fc00 /* where a PC's extended BIOS data area begins */
#define HIGH_RAM_START 0x100000 /* 1 MiB: above the BIOS */
/* book:end e820 */

/* Reads size bytes from the start of path to dest; "what" names the file in errors. */
static int read_file(struct vm *vm, const char *what, const char *path, uint8_t *dest, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return vm_fail(vm, "%s %s: %s", what, path, strerror(errno));
	int ret = vm_read_whole(vm, fd, path, dest, size);
	close(fd);
	return ret;
}

/* The size of a regular file, or -1 (vm->error says why). */
static int64_t file_size(struct vm *vm, const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return vm_fail(vm, "%s %s: %s", what, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return vm_fail(vm, "%s %s: not a regular file", what, path);
	return st.st_size;
}

/* book:begin parse */
/*
 * Checks that image (size bytes, a whole bzImage file) is a kernel this VMM can
 * boot, and says where its parts are. One sentence in vm->error when it is not.
 */
int linux_parse(struct vm *vm, const uint8_t *image, size_t size, struct bzimage *out)
{
	struct setup_header hdr;

	if (size < SETUP_HEADER_JUMP + 2)
		return vm_fail(vm, "not a bzImage: %zu bytes is too short for its setup header",
			       size);
	size_t header_end = SETUP_HEADER_JUMP + 2 + image[SETUP_HEADER_JUMP + 1];
	size_t header_size = header_end - SETUP_HEADER_OFFSET;
	if (header_size > sizeof(hdr))
		header_size = sizeof(hdr);
	if (header_end > size)
		return vm_fail(vm,
			       "the bzImage is truncated: %zu bytes, and its setup header "
			       "ends at %zu",
			       size, header_end);
	memset(&hdr, 0, sizeof(hdr));
	memcpy(&hdr, image + SETUP_HEADER_OFFSET, header_size);
	if (hdr.boot_flag != BOOT_FLAG)
		return vm_fail(vm, "not a bzImage: no boot sector signature 0x%x at 0x1fe",
			       BOOT_FLAG);
	if (hdr.header != HEADER_MAGIC)
		return vm_fail(vm, "not a bzImage: no \"HdrS\" at 0x202 (a kernel older than "
				   "Linux 1.3.73, or not a kernel)");
	if (hdr.version < PROTOCOL_64BIT_ENTRY || !(hdr.xloadflags & XLF_KERNEL_64))
		return vm_fail(
		    vm,
		    "boot protocol %u.%02u without a 64-bit entry point: this VMM "
		    "needs 2.12 or later with XLF_KERNEL_64 (a 64-bit Linux 3.8 or later)",
		    hdr.version >> 8, hdr.version & 0xff);
	if (!(hdr.loadflags & LOADED_HIGH))
		return vm_fail(vm, "a zImage (loaded at 0x10000), not a bzImage: too old");

	size_t setup_sects = hdr.setup_sects ? hdr.setup_sects : SETUP_SECTS_DEFAULT;
	out->setup_size = (setup_sects + 1) * SECTOR_SIZE;
	/* syssize: the protected-mode kernel's size in 16-byte paragraphs */
	uint64_t kernel_size = (uint64_t)hdr.syssize * 16;
	if (out->setup_size > size || kernel_size > size - out->setup_size || kernel_size == 0)
		return vm_fail(vm,
			       "the bzImage is truncated: its header says %zu + %llu bytes, "
			       "the file has %zu",
			       out->setup_size, (unsigned long long)kernel_size, size);
	out->kernel_size = size - out->setup_size;
	out->header_size = header_size;
	out->hdr = hdr;
	return 0;
}
/* book:end parse */

/*
 * How much RAM the kernel needs below its initrd: a relocatable kernel loaded
 * below pref_address moves there to decompress, and needs init_size bytes from
 * there ("Details of Header Fields": init_size, pref_address).
 */
static uint64_t kernel_needs(const struct bzimage *bz)
{
	uint64_t base = LINUX_KERNEL_ADDR;

	if (bz->hdr.relocatable_kernel && bz->hdr.pref_address > base)
		base = bz->hdr.pref_address;
	return base + bz->hdr.init_size;
}

/* book:begin e820-build */
static void e820_add(struct boot_params *zp, uint64_t addr, uint64_t size, uint32_t type)
{
	zp->e820_table[zp->e820_entries++] = (struct boot_e820_entry){addr, size, type};
}

/* The memory map: everything the kernel may use, and what it must leave alone. */
static void e820_build(struct vm *vm, struct boot_params *zp)
{
	e820_add(zp, 0, LOW_RAM_END, E820_TYPE_RAM);
	e820_add(zp, LOW_RAM_END, HIGH_RAM_START - LOW_RAM_END, E820_TYPE_RESERVED);
	e820_add(zp, HIGH_RAM_START, vm->mem_size - HIGH_RAM_START, E820_TYPE_RAM);
}
/* book:end e820-build */

/* book:begin zero-page */
/*
 * The zero page: the setup header as the file has it, then what the loader did
 * ("The Zero Page" and "Details of Header Fields"): where the command line and
 * the initrd are, who loaded the kernel, the memory map, where ACPI's RSDP is.
 */
static int zero_page_build(struct vm *vm, const uint8_t *image, const struct bzimage *bz,
			   uint64_t initrd_addr, uint64_t initrd_size, uint64_t rsdp)
{
	struct boot_params *zp = guest_ptr(vm, ZERO_PAGE_ADDR, sizeof(*zp));

	if (!zp)
		return vm_fail(vm, "the zero page at 0x%x does not fit in guest memory",
			       ZERO_PAGE_ADDR);
	memset(zp, 0, sizeof(*zp));
	memcpy(&zp->hdr, image + SETUP_HEADER_OFFSET, bz->header_size);
	zp->hdr.type_of_loader = LOADER_UNDEFINED;
	zp->hdr.cmd_line_ptr = CMDLINE_ADDR;
	zp->hdr.ramdisk_image = (uint32_t)initrd_addr;
	zp->hdr.ramdisk_size = (uint32_t)initrd_size;
	if (bz->hdr.version >= PROTOCOL_ACPI_RSDP)
		zp->acpi_rsdp_addr = rsdp;
	e820_build(vm, zp);
	return 0;
}
/* book:end zero-page */

/* The command line, at CMDLINE_ADDR, no longer than the kernel accepts. */
static int cmdline_write(struct vm *vm, const struct bzimage *bz, const char *cmdline)
{
	size_t len = strlen(cmdline);
	char *dest = guest_ptr(vm, CMDLINE_ADDR, CMDLINE_MAX);

	if (len > bz->hdr.cmdline_size || len >= CMDLINE_MAX)
		return vm_fail(vm, "--cmdline: %zu characters, and this kernel takes at most %u",
			       len,
			       bz->hdr.cmdline_size < CMDLINE_MAX - 1 ? bz->hdr.cmdline_size
								      : CMDLINE_MAX - 1);
	if (!dest)
		return vm_fail(vm, "the command line at 0x%x does not fit in guest memory",
			       CMDLINE_ADDR);
	memcpy(dest, cmdline, len + 1);
	return 0;
}

/*
 * The initrd goes as high as it may: below the end of RAM and below the
 * kernel's limit (initrd_addr_max), page-aligned, and above what the kernel
 * needs to decompress itself.
 */
static int initrd_place(struct vm *vm, const struct bzimage *bz, uint64_t size, uint64_t *addr)
{
	uint64_t top = vm->mem_size;
	uint64_t below = kernel_needs(bz);
	uint64_t mib = 1 << 20;

	if (top > (uint64_t)bz->hdr.initrd_addr_max + 1)
		top = (uint64_t)bz->hdr.initrd_addr_max + 1;
	*addr = size > top ? 0 : (top - size) & ~(uint64_t)(PAGE_SIZE - 1);
	if (size <= top && *addr >= below)
		return 0;
	return vm_fail(vm,
		       "--mem %llu is too small: the kernel needs %llu MiB to decompress itself "
		       "and the initrd %llu MiB above that: give --mem %llu or more",
		       (unsigned long long)(vm->mem_size / mib),
		       (unsigned long long)((below + mib - 1) / mib),
		       (unsigned long long)((size + mib - 1) / mib),
		       (unsigned long long)((below + size + 2 * mib - 1) / mib));
}

/* book:begin load */
/*
 * Loads boot->kernel's protected-mode part at LINUX_KERNEL_ADDR, the initrd high
 * in RAM, the command line and the zero page; sets boot->entry.
 */
int linux_load(struct vm *vm, struct linux_boot *boot, uint64_t rsdp)
{
	int64_t size = file_size(vm, "kernel", boot->kernel);
	int64_t initrd_size = boot->initrd ? file_size(vm, "initrd", boot->initrd) : 0;
	uint64_t initrd_addr = 0;
	struct bzimage bz;

	if (size < 0 || initrd_size < 0)
		return -1;
	uint8_t *image = malloc((size_t)size + 1);
	if (!image)
		return vm_fail(vm, "kernel %s: out of memory for %lld bytes", boot->kernel,
			       (long long)size);
	int ret = read_file(vm, "kernel", boot->kernel, image, (size_t)size);
	if (ret == 0 && linux_parse(vm, image, (size_t)size, &bz) < 0)
		ret = vm_fail(vm, "kernel %s: %s", boot->kernel, strdupa(vm->error));
	if (ret == 0 &&
	    (kernel_needs(&bz) > vm->mem_size || !guest_ptr(vm, LINUX_KERNEL_ADDR, bz.kernel_size)))
		ret = vm_fail(vm, "--mem %llu is too small: this kernel needs %llu MiB",
			      (unsigned long long)(vm->mem_size >> 20),
			      (unsigned long long)((kernel_needs(&bz) + (1 << 20) - 1) >> 20));
	if (ret == 0 && boot->initrd)
		ret = initrd_place(vm, &bz, (uint64_t)initrd_size, &initrd_addr);
	if (ret == 0 && boot->initrd)
		ret = read_file(vm, "initrd", boot->initrd, guest_ptr(vm, initrd_addr, initrd_size),
				(size_t)initrd_size);
	if (ret == 0) {
		memcpy(guest_ptr(vm, LINUX_KERNEL_ADDR, bz.kernel_size), image + bz.setup_size,
		       bz.kernel_size);
		ret = cmdline_write(vm, &bz, boot->cmdline);
	}
	if (ret == 0)
		ret = zero_page_build(vm, image, &bz, initrd_addr, (uint64_t)initrd_size, rsdp);
	boot->entry = LINUX_KERNEL_ADDR + LINUX_ENTRY_64_OFFSET;
	free(image);
	return ret;
}
/* book:end load */

/* book:begin start */
/*
 * The boot vCPU's registers at the 64-bit entry point ("64-bit Boot Protocol"):
 * long mode with paging on and RAM mapped to itself, interrupts off, RSI the
 * zero page's address. vcpu_set_long_mode() did the rest.
 */
int linux_start(struct vcpu *vcpu, const struct linux_boot *boot)
{
	struct kvm_regs regs;

	if (vcpu_get_regs(vcpu, &regs) < 0)
		return -1;
	regs.rip = boot->entry;
	regs.rsi = ZERO_PAGE_ADDR;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_SET_REGS");
	return 0;
}
/* book:end start */

/* book:begin acpi-write */
/*
 * The ACPI tables for this VM, at ACPI_TABLES_ADDR: its vCPUs, KVM's interrupt
 * controllers, COM1, the disk and the sleep registers, all from vmm.h. Sets
 * *rsdp to the address of the first table, which the zero page passes on.
 */
int acpi_write(struct vm *vm, unsigned cpus, uint64_t *rsdp)
{
	const struct acpi_config config = {
	    .cpus = cpus,
	    .lapic_base = LAPIC_BASE,
	    .ioapic_base = IOAPIC_BASE,
	    .com1_port = COM1_BASE,
	    .com1_ports = COM1_PORTS,
	    .com1_irq = COM1_IRQ,
	    .virtio_base = VIRTIO_MMIO_BASE,
	    .virtio_size = VIRTIO_MMIO_SIZE,
	    .virtio_irq = DISK_IRQ,
	    .sleep_control_port = PORT_SLEEP_CONTROL,
	    .sleep_status_port = PORT_SLEEP_STATUS,
	    .reset_port = PORT_RESET,
	    .oem_id = "TVMM",
	    .oem_table_id = "TEACHVMM",
	    .hypervisor_id = "TEACHVMM",
	};
	struct acpi_tables tables;
	uint8_t *dest = guest_ptr(vm, ACPI_TABLES_ADDR, ACPI_TABLES_SIZE);

	if (!dest)
		return vm_fail(vm, "the ACPI tables at 0x%x do not fit in guest memory",
			       ACPI_TABLES_ADDR);
	if (acpi_build(dest, ACPI_TABLES_SIZE, ACPI_TABLES_ADDR, &config, &tables, vm->error,
		       sizeof(vm->error)) < 0)
		return -1;
	*rsdp = tables.rsdp;
	return 0;
}
/* book:end acpi-write */
