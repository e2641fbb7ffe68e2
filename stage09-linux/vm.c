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

/* For a failed system call: names it and says why, e.g. "KVM_SET_SREGS: Invalid argument". */
int vm_fail_errno(struct vm *vm, const char *what)
{
	return vm_fail(vm, "%s: %s", what, strerror(errno));
}

void vm_init(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = -1;
	vm->vm_fd = -1;
	vm->console = stdout;
	vm->log = stderr;
	vm->mem_size = GUEST_MEM_SIZE; /* a flat guest's; main() may give Linux more */
	pthread_mutex_init(&vm->lock, NULL);
	serial_init(vm);
	disk_init(vm);
}

/* book:begin vm-create */
int vm_create(struct vm *vm)
{
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vm_fail_errno(vm, "KVM_CREATE_VM");

	/* Guest RAM is ordinary memory of ours; KVM maps it into the guest. */
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return vm_fail_errno(vm, "mmap of guest memory");
	}

	struct kvm_userspace_memory_region slot = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = vm->mem_size,
	    .userspace_addr = (uintptr_t)vm->mem,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return vm_fail_errno(vm, "KVM_SET_USER_MEMORY_REGION");
	/* Only Intel needs it (TSS_ADDR); where KVM offers the call, it does no harm. */
	if (kvm_capability(vm, KVM_CAP_SET_TSS_ADDR) &&
	    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		return vm_fail_errno(vm, "KVM_SET_TSS_ADDR");
	/* book:begin create-irqchip */
	/*
	 * The PC's interrupt controllers, in the kernel: two 8259 PICs (ports 0x20-0x21,
	 * 0xa0-0xa1), an I/O APIC, and a local APIC per vCPU, made with the vCPU: so this
	 * comes first. Their port and MMIO accesses never reach us; we move input lines
	 * (KVM_IRQ_LINE). HLT is the kernel's too: the vCPU sleeps there until an interrupt.
	 */
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return vm_fail_errno(vm, "KVM_CREATE_IRQCHIP");
	/* book:end create-irqchip */
	return 0;
}
/* book:end vm-create */

/* book:begin guest-ptr */
/*
 * The host address of guest physical [gpa, gpa + len), or NULL when any of it
 * lies outside guest memory. Every address that comes from the guest goes
 * through here: the guest is not trusted. Written so that no sum can overflow.
 */
void *guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return vm->mem + gpa;
}
/* book:end guest-ptr */

int vm_read_whole(struct vm *vm, int fd, const char *path, uint8_t *dest, size_t size)
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
	int ret = dest ? vm_read_whole(vm, fd, path, dest, (size_t)st.st_size)
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
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->mem = NULL;
	vm->vm_fd = vm->kvm_fd = -1;
}
