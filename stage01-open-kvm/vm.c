/* The virtual machine: its file descriptor. */
#include "vmm.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int vm_fail(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->error, sizeof(vm->error), fmt, ap);
	va_end(ap);
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
}

/* book:begin vm-create */
int vm_create(struct vm *vm)
{
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vm_fail_errno(vm, "KVM_CREATE_VM");
	return 0;
}
/* book:end vm-create */

void vm_destroy(struct vm *vm)
{
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
}
