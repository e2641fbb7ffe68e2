/* The virtual machine: its file descriptor, its memory, the guest in it. */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Every vCPU thread may fail, so the sentence is written under the VM's lock.
 * Once a vCPU has ended the run (vm_stop), the sentence is the first cause's:
 * a vCPU that fails while being stopped does not overwrite it.
 */
int vm_fail(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->lock);
	if (!vm->stopping) {
		va_start(ap, fmt);
		vsnprintf(vm->error, sizeof(vm->error), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&vm->lock);
	return -1;
}

/* For a failed system call: names it and says why, e.g. "KVM_ARM_VCPU_INIT: Invalid argument". */
int vm_fail_errno(struct vm *vm, const char *what)
{
	return vm_fail(vm, "%s: %s", what, strerror(errno));
}

void vm_init(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = -1;
	vm->vm_fd = -1;
	vm->gic_fd = -1;
	vm->console = stdout;
	vm->log = stderr;
	pthread_mutex_init(&vm->lock, NULL);
	serial_init(vm);
	disk_init(vm);
}

/* book:begin nisv */
/*
 * An access outside RAM that KVM cannot decode for us (a load or store pair,
 * one with writeback, ...: the CPU gives no syndrome for those) normally makes
 * KVM_RUN fail with ENOSYS and a line in the host's kernel log. With this
 * capability KVM reports it as KVM_EXIT_ARM_NISV instead, with the address,
 * so the VMM can say what happened. Older kernels lack it: then ENOSYS it is.
 */
static int vm_report_undecodable_accesses(struct vm *vm)
{
	struct kvm_enable_cap cap = {.cap = KVM_CAP_ARM_NISV_TO_USER};

	if (!kvm_capability(vm, KVM_CAP_ARM_NISV_TO_USER))
		return 0;
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return vm_fail_errno(vm, "KVM_ENABLE_CAP(KVM_CAP_ARM_NISV_TO_USER)");
	return 0;
}
/* book:end nisv */

/* book:begin vm-create */
int vm_create(struct vm *vm)
{
	/* Type 0: the default guest physical address space, 40 bits (1 TiB) on arm64. */
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vm_fail_errno(vm, "KVM_CREATE_VM");

	/* Guest RAM is ordinary memory of ours; KVM maps it into the guest. */
	vm->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return vm_fail_errno(vm, "mmap of guest memory");
	}
	vm->mem_size = GUEST_MEM_SIZE;

	/* The same slot as on x86, only higher up: RAM starts at GUEST_MEM_BASE. */
	struct kvm_userspace_memory_region slot = {
	    .slot = 0,
	    .guest_phys_addr = GUEST_MEM_BASE,
	    .memory_size = vm->mem_size,
	    .userspace_addr = (uintptr_t)vm->mem,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return vm_fail_errno(vm, "KVM_SET_USER_MEMORY_REGION");
	if (vm_report_undecodable_accesses(vm) < 0)
		return -1;
	return vm_create_irqchip(vm);
}
/* book:end vm-create */

/* book:begin create-irqchip */
/* Where one of the GIC's register frames is, in guest physical address space. */
static int gic_set_address(struct vm *vm, uint64_t frame, uint64_t address)
{
	struct kvm_device_attr attr = {
	    .group = KVM_DEV_ARM_VGIC_GRP_ADDR,
	    .attr = frame,
	    .addr = (uintptr_t)&address,
	};

	if (ioctl(vm->gic_fd, KVM_SET_DEVICE_ATTR, &attr) < 0)
		return vm_fail_errno(vm, "KVM_SET_DEVICE_ATTR(KVM_DEV_ARM_VGIC_GRP_ADDR)");
	return 0;
}

static int gic_create(struct vm *vm, uint32_t type)
{
	struct kvm_create_device gic = {.type = type};

	if (ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &gic) < 0)
		return -1;
	vm->gic_fd = (int)gic.fd;
	vm->gic_type = type;
	return 0;
}

/*
 * The interrupt controller, in the kernel: x86's KVM_CREATE_IRQCHIP made the PC's
 * PICs and I/O APIC, whose addresses every PC shares; an Arm GIC is a device the
 * VMM creates (KVM_CREATE_DEVICE) and places itself. A GICv3 if this KVM has one,
 * else a GICv2 (a host whose GIC cannot run a v3 guest says ENODEV). Before any
 * vCPU, as on x86; it is ready only once they all exist (vm_init_irqchip).
 */
int vm_create_irqchip(struct vm *vm)
{
	if (gic_create(vm, KVM_DEV_TYPE_ARM_VGIC_V3) == 0)
		return gic_set_address(vm, KVM_VGIC_V3_ADDR_TYPE_DIST, GICD_BASE) < 0 ||
			       gic_set_address(vm, KVM_VGIC_V3_ADDR_TYPE_REDIST, GICR_BASE) < 0
			   ? -1
			   : 0;
	if (errno != ENODEV)
		return vm_fail_errno(vm, "KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_V3)");
	if (gic_create(vm, KVM_DEV_TYPE_ARM_VGIC_V2) < 0)
		return vm_fail_errno(vm, "KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_V2)");
	if (gic_set_address(vm, KVM_VGIC_V2_ADDR_TYPE_DIST, GICD_BASE) < 0 ||
	    gic_set_address(vm, KVM_VGIC_V2_ADDR_TYPE_CPU, GICC_BASE) < 0)
		return -1;
	return 0;
}

/*
 * Once every vCPU exists: the GIC sizes itself for them (a redistributor each,
 * on a v3) and may be used. KVM_RUN refuses to run a vCPU before this.
 */
int vm_init_irqchip(struct vm *vm)
{
	struct kvm_device_attr init = {
	    .group = KVM_DEV_ARM_VGIC_GRP_CTRL,
	    .attr = KVM_DEV_ARM_VGIC_CTRL_INIT,
	};

	if (ioctl(vm->gic_fd, KVM_SET_DEVICE_ATTR, &init) < 0)
		return vm_fail_errno(vm, "KVM_SET_DEVICE_ATTR(KVM_DEV_ARM_VGIC_CTRL_INIT)");
	return 0;
}
/* book:end create-irqchip */

/* book:begin guest-ptr */
/*
 * The host address of guest physical [gpa, gpa + len), or NULL when any of it
 * lies outside guest RAM. Every address that comes from the guest goes
 * through here: the guest is not trusted. Written so that no sum can overflow.
 */
void *guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa < GUEST_MEM_BASE)
		return NULL;
	uint64_t offset = gpa - GUEST_MEM_BASE;
	if (offset > vm->mem_size || len > vm->mem_size - offset)
		return NULL;
	return vm->mem + offset;
}
/* book:end guest-ptr */

static int read_whole(struct vm *vm, int fd, const char *path, uint8_t *dest, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = read(fd, dest + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vm_fail(vm, "%s: %s", path, strerror(errno));
		if (n == 0)
			return vm_fail(vm, "%s: file shrank while being read", path);
		done += (size_t)n;
	}
	return 0;
}

/* Copies a flat binary into guest memory at GUEST_LOAD_ADDR. */
int vm_load_guest(struct vm *vm, const char *path)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO nobody writes to would wait for ever, not fail below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return vm_fail(vm, "guest %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return vm_fail(vm, "guest %s: not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return vm_fail(vm, "guest %s: the file is empty (did the assembler fail?)", path);
	}
	if ((uint64_t)st.st_size > GUEST_MAX_SIZE) {
		close(fd);
		return vm_fail(vm,
			       "guest %s: %lld bytes is too large: at most %d bytes fit "
			       "between 0x%x and the end of guest memory",
			       path, (long long)st.st_size, GUEST_MAX_SIZE, GUEST_LOAD_ADDR);
	}
	uint8_t *dest = guest_ptr(vm, GUEST_LOAD_ADDR, (uint64_t)st.st_size);
	int ret = dest ? read_whole(vm, fd, path, dest, (size_t)st.st_size)
		       : vm_fail(vm, "guest memory is not set up");
	close(fd);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	serial_stop_input(vm); /* the input thread uses vm_fd: it must end first */
	disk_close(vm); /* so does the disk's thread, and guest memory too */
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	if (vm->gic_fd >= 0)
		close(vm->gic_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->mem = NULL;
	vm->vm_fd = vm->kvm_fd = vm->gic_fd = -1;
}
