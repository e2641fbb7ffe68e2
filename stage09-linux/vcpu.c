/* The virtual CPU: its file descriptor, its kvm_run page, its start state. */
#include "vmm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* book:begin vcpu-create */
int vcpu_create(struct vm *vm, struct vcpu *vcpu)
{
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	/* The id is also its local APIC's ID: 0, the first, is KVM's boot vCPU. */
	vcpu->index = vm->cpus;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, vcpu->index);
	if (vcpu->fd < 0)
		return vm_fail_errno(vm, "KVM_CREATE_VCPU");
	vm->cpus++;

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
	return vcpu_set_cpuid(vcpu);
}
/* book:end vcpu-create */

/* book:begin cpuid */
/*
 * CPUID bits a guest kernel reads (SDM vol. 2A, CPUID; the KVM API document,
 * "KVM CPUID bits"): leaf 1 ECX bit 31 is left to hypervisors to say "you run
 * in a VM"; leaf 1 EBX bits 31:24 and leaf 0xb EDX give the CPU's local APIC
 * ID, which KVM does not fill in for each vCPU.
 */
#define CPUID_FEATURES 0x1
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EBX_APIC_ID_SHIFT 24
#define CPUID_TOPOLOGY 0xb /* extended topology: EDX is the x2APIC ID */
#define CPUID_TOPOLOGY_V2 0x1f

/*
 * What CPUID tells the guest is the VMM's choice, and until it makes one, KVM's
 * answer is next to nothing: no long mode. A guest that checks, as a kernel does,
 * then refuses to go on; one that does not gets #GP from the wrmsr that sets
 * EFER.LME. We give the guest everything KVM supports on this host, and say it
 * runs on KVM: the hypervisor bit, and KVM's own leaves from 0x40000000 (which
 * KVM_GET_SUPPORTED_CPUID includes). A Linux guest that sees them uses KVM's
 * clock (kvm-clock) instead of measuring the TSC against the PIT, which a VM's
 * timing cannot be trusted to do; and each vCPU is told its own APIC ID.
 */
int vcpu_set_cpuid(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = kvm_supported_cpuid(vcpu->vm);

	if (!cpuid)
		return -1;
	for (unsigned i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		if (e->function == CPUID_FEATURES) {
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			e->ebx = (e->ebx & 0x00ffffff) | vcpu->index << CPUID_1_EBX_APIC_ID_SHIFT;
		} else if (e->function == CPUID_TOPOLOGY || e->function == CPUID_TOPOLOGY_V2) {
			e->edx = vcpu->index;
		}
	}
	int ret = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	int err = errno;
	free(cpuid);
	if (ret < 0)
		return vm_fail(vcpu->vm, "KVM_SET_CPUID2: %s", strerror(err));
	return 0;
}
/* book:end cpuid */

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

/* book:begin vcpus-create */
/*
 * The VM's vCPUs, vcpus[0] first: it boots, in long mode, as in stage06. The
 * others, the application processors (APs), are left as KVM creates them,
 * waiting: their registers are the guest's to set, through INIT and a start-up
 * IPI from the boot vCPU's local APIC.
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
	return vcpu_set_long_mode(&vcpus[0]);
}
/* book:end vcpus-create */

/* book:begin mp-state */
/*
 * Where the vCPU is in its life, as the local APIC sees it (KVM_MP_STATE_*):
 * RUNNABLE; HALTED (in HLT); UNINITIALIZED, an AP that has not had its INIT;
 * INIT_RECEIVED, one waiting for its start-up IPI. An AP starts UNINITIALIZED:
 * in KVM_RUN it sleeps in the kernel until the boot CPU's IPIs come.
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

/* book:begin long-mode */
/*
 * 64-bit long mode, as a 64-bit kernel expects to find it (SDM vol. 3A, "Initializing
 * IA-32e Mode", 9.8.5 in many editions). Long mode needs paging, with 8-byte entries
 * (CR4.PAE) in four levels (EFER.LME); when CR0.PG goes on with LME set, the CPU
 * sets EFER.LMA, "long mode active". Here no instruction runs on the way, so we set
 * the end state, LMA included. CS is the 64-bit code segment: L = 1.
 */
int vcpu_set_long_mode(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;

	if (vcpu_get_sregs(vcpu, &sregs) < 0 || gdt_load_flat(vcpu->vm, &sregs, GDT_CODE64) < 0 ||
	    paging64_build(vcpu->vm) < 0)
		return -1;
	sregs.cr3 = PML4_ADDR;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
	return vcpu_start(vcpu, &sregs);
}
/* book:end long-mode */

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->timeout > 0)
		timer_delete(vcpu->timer);
	vcpu->timeout = 0;
	if (vcpu->watching)
		timer_delete(vcpu->watchdog);
	vcpu->watching = false;
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}
