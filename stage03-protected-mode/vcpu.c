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

/* book:begin segments */
/*
 * The segments of the VMM's GDT, each described once, in the form KVM_SET_SREGS
 * takes. gdt_write() turns these same descriptions into the descriptors in guest
 * memory, so what KVM is told and what the GDT says cannot disagree.
 *
 * Both are flat: base 0 and limit 4 GiB - 1 (g = 1: 0xfffff units of 4 KiB), so an
 * offset is the linear address itself. The accessed bit is set already: the CPU
 * would otherwise write it into the GDT the first time it loads the segment.
 */
static const struct kvm_segment gdt_segments[GDT_ENTRIES] = {
    [GDT_CODE32] =
	{
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = SELECTOR(GDT_CODE32),
	    .type = SEG_TYPE_CODE | SEG_TYPE_READ | SEG_TYPE_ACCESSED,
	    .present = 1,
	    .dpl = 0, /* privilege level 0: the guest is a kernel */
	    .db = 1, /* 32-bit code */
	    .s = 1, /* a code or data segment, not a system one */
	    .l = 0, /* not 64-bit code */
	    .g = 1, /* limit in 4 KiB units */
	},
    [GDT_DATA] =
	{
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = SELECTOR(GDT_DATA),
	    .type = SEG_TYPE_WRITE | SEG_TYPE_ACCESSED,
	    .present = 1,
	    .dpl = 0,
	    .db = 1, /* 32-bit stack (ESP) when loaded into SS */
	    .s = 1,
	    .l = 0,
	    .g = 1,
	},
};
/* book:end segments */

/* book:begin descriptor */
/*
 * The 8-byte GDT descriptor of a segment (SDM vol. 3A, 3.4.5, Figure 3-8). Base and
 * limit are cut into pieces, a layout kept from the 80286: limit 15:0 in bits 15:0,
 * base 23:0 in bits 39:16, limit 19:16 in bits 51:48, base 31:24 in bits 63:56.
 * The limit field has 20 bits; with g = 1 it counts 4 KiB units, and KVM's byte
 * limit 0xffffffff is 0xfffff of them.
 */
uint64_t segment_descriptor(const struct kvm_segment *seg)
{
	uint64_t base = seg->base;
	uint64_t limit = seg->g ? seg->limit >> 12 : seg->limit;

	return (limit & 0xffff) | (base & 0xffffff) << 16 | (uint64_t)seg->type << DESC_TYPE_SHIFT |
	       (seg->s ? DESC_S : 0) | (uint64_t)seg->dpl << DESC_DPL_SHIFT |
	       (seg->present ? DESC_P : 0) | (limit >> 16 & 0xf) << 48 | (seg->avl ? DESC_AVL : 0) |
	       (seg->l ? DESC_L : 0) | (seg->db ? DESC_DB : 0) | (seg->g ? DESC_G : 0) |
	       (base >> 24 & 0xff) << 56;
}
/* book:end descriptor */

/* book:begin gdt-write */
/* Writes the GDT into guest memory at GDT_ADDR, one descriptor per gdt_segments[] entry. */
int gdt_write(struct vm *vm)
{
	uint64_t *gdt = guest_ptr(vm, GDT_ADDR, GDT_ENTRIES * sizeof(uint64_t));

	if (!gdt)
		return vm_fail(vm, "the GDT at 0x%x does not fit in guest memory", GDT_ADDR);
	for (int i = 0; i < GDT_ENTRIES; i++)
		gdt[i] = segment_descriptor(&gdt_segments[i]);
	return 0;
}

/*
 * Points GDTR at the GDT and loads the segment registers from it: CS from entry
 * `code`, the data segments from GDT_DATA. There is no IDT yet (limit 0): an
 * exception in the guest ends in a triple fault.
 */
static int load_flat_segments(struct vm *vm, struct kvm_sregs *sregs, enum gdt_index code)
{
	if (gdt_write(vm) < 0)
		return -1;
	sregs->gdt.base = GDT_ADDR;
	sregs->gdt.limit = GDT_ENTRIES * sizeof(uint64_t) - 1;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	sregs->cs = gdt_segments[code];
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = gdt_segments[GDT_DATA];
	return 0;
}
/* book:end gdt-write */

/* book:begin vcpu-start */
static int kept(struct vm *vm, const char *name, uint64_t set, uint64_t now)
{
	if (now == set)
		return 0;
	return vm_fail(vm,
		       "KVM_SET_SREGS: KVM did not keep %s=0x%llx (it reads back 0x%llx): "
		       "this KVM cannot run a guest in this mode",
		       name, (unsigned long long)set, (unsigned long long)now);
}

/*
 * Sets the special registers, then starts the guest at its load address. A KVM
 * may take a control register value it cannot run without saying so (kvm_pvm,
 * a KVM without hardware virtualization, drops CR0.PG outside long mode).
 */
static int vcpu_start(struct vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct kvm_sregs now;

	if (ioctl(vcpu->fd, KVM_SET_SREGS, sregs) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_SET_SREGS");
	if (vcpu_get_sregs(vcpu, &now) < 0 || kept(vcpu->vm, "CR0", sregs->cr0, now.cr0) < 0 ||
	    kept(vcpu->vm, "CR4", sregs->cr4, now.cr4) < 0 ||
	    kept(vcpu->vm, "EFER", sregs->efer, now.efer) < 0)
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

/* book:begin protected-mode */
/*
 * 32-bit protected mode, as a boot loader leaves it for a kernel: CR0.PE set,
 * every segment register loaded from the GDT, paging off.
 */
int vcpu_set_protected_mode(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;

	if (vcpu_get_sregs(vcpu, &sregs) < 0 ||
	    load_flat_segments(vcpu->vm, &sregs, GDT_CODE32) < 0)
		return -1;
	sregs.cr0 = CR0_PE | CR0_ET;
	return vcpu_start(vcpu, &sregs);
}
/* book:end protected-mode */

/* book:begin paged-mode */
/* The same with 32-bit paging on: CR3 points at the page directory paging32_build() wrote. */
int vcpu_set_paged_mode(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;

	if (vcpu_get_sregs(vcpu, &sregs) < 0 ||
	    load_flat_segments(vcpu->vm, &sregs, GDT_CODE32) < 0 || paging32_build(vcpu->vm) < 0)
		return -1;
	sregs.cr3 = PAGE_DIR_ADDR;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
	return vcpu_start(vcpu, &sregs);
}
/* book:end paged-mode */

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}
