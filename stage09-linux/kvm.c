/* /dev/kvm: the system-wide KVM file descriptor. */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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

/* book:begin max-vcpus */
/*
 * How many vCPUs one VM may have. KVM_CAP_MAX_VCPUS is the limit; the older
 * KVM_CAP_NR_VCPUS, the number KVM recommends, stands in for it when absent;
 * KVM's API documentation says to assume 4 when neither is there.
 */
unsigned kvm_max_vcpus(struct vm *vm)
{
	int max = kvm_capability(vm, KVM_CAP_MAX_VCPUS);

	if (max <= 0)
		max = kvm_capability(vm, KVM_CAP_NR_VCPUS);
	return max > 0 ? (unsigned)max : 4;
}
/* book:end max-vcpus */

/* book:begin supported-cpuid */
/*
 * Everything CPUID may tell a guest on this host and this KVM. The caller sizes
 * the array; KVM says E2BIG when it is too small, so we grow it until it fits.
 * Returns NULL when that fails (vm->error says why); free() the result.
 */
struct kvm_cpuid2 *kvm_supported_cpuid(struct vm *vm)
{
	for (unsigned n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *cpuid =
		    calloc(1, sizeof(*cpuid) + n * sizeof(struct kvm_cpuid_entry2));

		if (!cpuid) {
			vm_fail(vm, "KVM_GET_SUPPORTED_CPUID: out of memory");
			return NULL;
		}
		cpuid->nent = n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return cpuid;
		int err = errno;
		free(cpuid);
		if (err != E2BIG) {
			vm_fail(vm, "KVM_GET_SUPPORTED_CPUID: %s", strerror(err));
			return NULL;
		}
	}
	vm_fail(vm, "KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
	return NULL;
}
/* book:end supported-cpuid */
