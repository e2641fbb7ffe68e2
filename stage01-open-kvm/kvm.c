/* /dev/kvm: the system-wide KVM file descriptor. */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The one API version KVM has had since Linux 2.6.22; anything else is not the KVM we know. */
#define KVM_STABLE_API_VERSION 12

/* What a person can do about a failed open of /dev/kvm. */
static const char *kvm_open_advice(int err)
{
	switch (err) {
	case ENOENT:
		return "the KVM module is not loaded or virtualization is off: "
		       "'sudo modprobe kvm_intel' (or kvm_amd), and enable VT-x/AMD-V in the "
		       "firmware";
	case EACCES:
	case EPERM:
		return "you may not use it: 'sudo usermod -aG kvm $USER', then log in again";
	default:
		return "is KVM usable on this machine?";
	}
}

/* book:begin kvm-open */
int kvm_open(struct vm *vm, const char *path)
{
	vm->kvm_fd = open(path, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		int err = errno;
		return vm_fail(vm, "%s: %s (%s)", path, strerror(err), kvm_open_advice(err));
	}
	int version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version < 0)
		return vm_fail_errno(vm, "KVM_GET_API_VERSION");
	return kvm_check_api_version(vm, version);
}
/* book:end kvm-open */

int kvm_check_api_version(struct vm *vm, int version)
{
	if (version != KVM_STABLE_API_VERSION)
		return vm_fail(vm, "KVM_GET_API_VERSION: %d, but this VMM speaks version %d only",
			       version, KVM_STABLE_API_VERSION);
	return 0;
}

/* Asks KVM about an extension: 0 when absent, else (often) a count or limit. */
int kvm_capability(struct vm *vm, long capability)
{
	int value = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, capability);

	return value < 0 ? 0 : value;
}

/* book:begin capabilities */
/* The extensions later chapters rely on. KVM_CHECK_EXTENSION answers 0 for "no". */
const struct capability book_capabilities[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest memory from our own mmap (ch. 2)"},
    {KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS", "memory slots per VM (ch. 2)"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "a CPUID for the guest (ch. 4)"},
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "an in-kernel interrupt controller (ch. 5b)"},
    {KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD", "guest writes that signal an eventfd (ch. 6)"},
    {KVM_CAP_IRQFD, "KVM_CAP_IRQFD", "interrupts raised through an eventfd (ch. 6)"},
    {KVM_CAP_NR_VCPUS, "KVM_CAP_NR_VCPUS", "recommended vCPUs per VM (ch. 7)"},
    {KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS", "most vCPUs per VM (ch. 7)"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "stopping a vCPU from another thread"},
    {0, NULL, NULL},
};
/* book:end capabilities */
