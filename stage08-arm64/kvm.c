/* /dev/kvm: the system-wide KVM file descriptor. */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The one API version KVM has had since Linux 2.6.22; anything else is not the KVM we know. */
#define KVM_STABLE_API_VERSION 12

/*
 * What a person can do about a failed open of /dev/kvm. On arm64 KVM lives at
 * EL2, the hypervisor's exception level: the firmware (or qemu) must start the
 * kernel there, or KVM has nowhere to run and /dev/kvm never appears.
 */
static const char *kvm_open_advice(int err)
{
	switch (err) {
	case ENOENT:
		return "no KVM in this kernel: 'sudo modprobe kvm' if it is a module; and the "
		       "firmware must start Linux at EL2 ('dmesg | grep kvm' says whether KVM "
		       "initialized; under qemu: -M virt,virtualization=on)";
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

/* book:begin max-vcpus */
/*
 * How many vCPUs one VM may have. KVM_CAP_MAX_VCPUS is the limit; the older
 * KVM_CAP_NR_VCPUS, the number KVM recommends, stands in for it when absent;
 * KVM's API documentation says to assume 4 when neither is there. On arm64 the
 * limit is the VM's interrupt controller's (a GICv2 serves 8 CPUs, a GICv3
 * many more), so the VM is asked, once its GIC exists.
 */
unsigned kvm_max_vcpus(struct vm *vm)
{
	int fd = vm->vm_fd >= 0 ? vm->vm_fd : vm->kvm_fd;
	int max = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (max <= 0)
		max = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	return max > 0 ? (unsigned)max : 4;
}
/* book:end max-vcpus */
