/* The virtual CPU: its file descriptor, its kvm_run page, its start state. */
#include "vmm.h"

#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* book:begin vcpu-create */
int vcpu_create(struct vm *vm, struct vcpu *vcpu)
{
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vcpu->fd < 0)
		return vm_fail_errno(vm, "KVM_CREATE_VCPU");

	/* kvm_run is larger than the struct: string I/O data follows it in the same mapping. */
	int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return vm_fail_errno(vm, "KVM_GET_VCPU_MMAP_SIZE");
	vcpu->run_size = (size_t)size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return vm_fail_errno(vm, "mmap of kvm_run");
	}
	return 0;
}
/* book:end vcpu-create */

int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs)
{
	if (ioctl(vcpu->fd, KVM_GET_REGS, regs) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_GET_REGS");
	return 0;
}

int vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs)
{
	if (ioctl(vcpu->fd, KVM_GET_SREGS, sregs) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_GET_SREGS");
	return 0;
}

/* book:begin vcpu-start */
/* What KVM_SET_SREGS was asked to set, and what the vCPU holds now, for one register. */
static int check_register(struct vm *vm, const char *name, uint64_t wanted, uint64_t now)
{
	if (now == wanted)
		return 0;
	return vm_fail(vm,
		       "KVM_SET_SREGS: KVM did not keep %s=0x%llx (it reads back 0x%llx): "
		       "this KVM cannot run a guest in this mode",
		       name, (unsigned long long)wanted, (unsigned long long)now);
}

/*
 * Sets the special registers, then starts the guest at its load address, with
 * its stack just below. KVM_SET_SREGS can succeed and still leave a control
 * register other than asked, when that KVM cannot run the guest in the mode
 * asked for (a KVM without hardware virtualization may not offer every mode):
 * reading them back turns a guest that would misbehave later into a clear error.
 */
static int vcpu_start(struct vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct kvm_sregs now;

	if (ioctl(vcpu->fd, KVM_SET_SREGS, sregs) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_SET_SREGS");
	if (vcpu_get_sregs(vcpu, &now) < 0 ||
	    check_register(vcpu->vm, "CR0", sregs->cr0, now.cr0) < 0 ||
	    check_register(vcpu->vm, "CR4", sregs->cr4, now.cr4) < 0 ||
	    check_register(vcpu->vm, "EFER", sregs->efer, now.efer) < 0)
		return -1;

	struct kvm_regs regs = {
	    .rip = GUEST_LOAD_ADDR,
	    .rsp = GUEST_STACK_TOP,
	    .rflags = RFLAGS_RESERVED_1,
	};
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_SET_REGS");
	return 0;
}
/* book:end vcpu-start */

/* book:begin real-mode */
/*
 * A real-mode segment register is just a selector whose base is selector * 16.
 * Zero selectors make every address the guest uses a guest physical address.
 */
static void flat_real_mode_segment(struct kvm_segment *seg)
{
	seg->selector = 0;
	seg->base = 0;
}

int vcpu_set_real_mode(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;

	/* Start from the reset state (real mode already) and move CS from 0xf000 to 0. */
	if (vcpu_get_sregs(vcpu, &sregs) < 0)
		return -1;
	flat_real_mode_segment(&sregs.cs);
	flat_real_mode_segment(&sregs.ds);
	flat_real_mode_segment(&sregs.es);
	flat_real_mode_segment(&sregs.ss);
	return vcpu_start(vcpu, &sregs);
}
/* book:end real-mode */

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->timeout > 0)
		timer_delete(vcpu->timer);
	vcpu->timeout = 0;
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}
