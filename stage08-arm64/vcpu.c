/* The virtual CPU: its file descriptor, its kvm_run page, its start state. */
#include "vmm.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* book:begin vcpu-init */
/*
 * An arm64 vCPU must be initialized before it can run, or even have its
 * registers read: KVM needs to know which CPU to present (the "target") and
 * with what optional features. We ask KVM which target suits this host best,
 * then add PSCI 0.2, which makes KVM answer the guest's power calls (CPU_ON
 * among them), and turn SYSTEM_OFF and SYSTEM_RESET into KVM_EXIT_SYSTEM_EVENT.
 * Every vCPU but the boot vCPU starts powered off (KVM_ARM_VCPU_POWER_OFF):
 * in KVM_RUN it sleeps in the kernel until a PSCI CPU_ON names it. VCPU_INIT
 * also resets the vCPU: EL1, MMU and caches off, every interrupt masked, PC at 0.
 */
static int vcpu_arm_init(struct vcpu *vcpu)
{
	struct kvm_vcpu_init init;

	memset(&init, 0, sizeof(init));
	if (ioctl(vcpu->vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_ARM_PREFERRED_TARGET");
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (vcpu->index > 0)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_ARM_VCPU_INIT");
	return 0;
}
/* book:end vcpu-init */

/* book:begin vcpu-create */
int vcpu_create(struct vm *vm, struct vcpu *vcpu)
{
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	/* The id also makes its MPIDR_EL1: 0, the first, is the boot vCPU. */
	vcpu->index = vm->cpus;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, vcpu->index);
	if (vcpu->fd < 0)
		return vm_fail_errno(vm, "KVM_CREATE_VCPU");
	vm->cpus++;

	int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return vm_fail_errno(vm, "KVM_GET_VCPU_MMAP_SIZE");
	vcpu->run_size = (size_t)size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return vm_fail_errno(vm, "mmap of kvm_run");
	}
	return vcpu_arm_init(vcpu);
}
/* book:end vcpu-create */

/* book:begin one-reg */
/* One register at a time: arm64 has no KVM_GET_REGS/KVM_SET_REGS, only these. */
int vcpu_get_reg(struct vcpu *vcpu, uint64_t id, uint64_t *value)
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)value};

	if (ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg) < 0)
		return vm_fail(vcpu->vm, "KVM_GET_ONE_REG 0x%016llx: %s", (unsigned long long)id,
			       strerror(errno));
	return 0;
}

int vcpu_set_reg(struct vcpu *vcpu, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)&value};

	if (ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg) < 0)
		return vm_fail(vcpu->vm, "KVM_SET_ONE_REG 0x%016llx: %s", (unsigned long long)id,
			       strerror(errno));
	return 0;
}
/* book:end one-reg */

/* struct kvm_regs holds __u64s: unsigned long long, where uint64_t is unsigned long. */
static int get_core(struct vcpu *vcpu, uint64_t id, __u64 *field)
{
	uint64_t value;

	if (vcpu_get_reg(vcpu, id, &value) < 0)
		return -1;
	*field = value;
	return 0;
}

/* The general-purpose registers, PC, PSTATE, both stack pointers and ELR_EL1, one by one. */
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	for (int n = 0; n < 31; n++)
		if (get_core(vcpu, REG_X(n), &regs->regs.regs[n]) < 0)
			return -1;
	if (get_core(vcpu, REG_PC, &regs->regs.pc) < 0 ||
	    get_core(vcpu, REG_PSTATE, &regs->regs.pstate) < 0 ||
	    get_core(vcpu, REG_SP_EL0, &regs->regs.sp) < 0 ||
	    get_core(vcpu, REG_SP_EL1, &regs->sp_el1) < 0 ||
	    get_core(vcpu, REG_ELR_EL1, &regs->elr_el1) < 0)
		return -1;
	return 0;
}

/* book:begin vcpus-create */
/*
 * The VM's vCPUs, vcpus[0] first: it boots, at EL1h. The others, the
 * secondaries, start powered off: their registers are the guest's to set,
 * through PSCI CPU_ON from the boot vCPU. Then the GIC, which needed them all.
 */
int vcpus_create(struct vm *vm, struct vcpu *vcpus, unsigned cpus)
{
	unsigned max = kvm_max_vcpus(vm);

	if (cpus > max)
		return vm_fail(vm, "--cpus %u: this KVM allows at most %u vCPUs in a VM", cpus,
			       max);
	vm->vcpus = vcpus;
	for (unsigned i = 0; i < cpus; i++)
		if (vcpu_create(vm, &vcpus[i]) < 0)
			return -1;
	if (vm_init_irqchip(vm) < 0)
		return -1;
	return vcpu_set_el1h(&vcpus[0]);
}
/* book:end vcpus-create */

/* book:begin mp-state */
/*
 * Where the vCPU is in its life (KVM_MP_STATE_*): on arm64, RUNNABLE or
 * STOPPED, powered off. A secondary starts STOPPED: in KVM_RUN it sleeps in
 * the kernel until the boot vCPU's PSCI CPU_ON names it.
 */
int vcpu_mp_state(struct vcpu *vcpu, uint32_t *state)
{
	struct kvm_mp_state mp;

	if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_GET_MP_STATE");
	*state = mp.mp_state;
	return 0;
}
/* book:end mp-state */

/* book:begin el1h */
/*
 * Where the guest starts: its first byte, at EL1 with SP_EL1 as its stack
 * ("EL1h"), every exception masked. The MMU is off (VCPU_INIT left SCTLR_EL1
 * at its reset value), so the addresses the guest uses are guest physical.
 */
int vcpu_set_el1h(struct vcpu *vcpu)
{
	if (vcpu_set_reg(vcpu, REG_PSTATE, PSTATE_M_EL1H | PSTATE_DAIF) < 0 ||
	    vcpu_set_reg(vcpu, REG_SP_EL1, GUEST_STACK_TOP) < 0 ||
	    vcpu_set_reg(vcpu, REG_PC, GUEST_LOAD_ADDR) < 0)
		return -1;
	return 0;
}
/* book:end el1h */

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
