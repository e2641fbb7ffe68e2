/*
 * The GDT: the segments the VMM describes, and their descriptors in guest memory.
 * The CPU reads a descriptor from the GDT whenever a segment register is loaded,
 * so what KVM is told through KVM_SET_SREGS must match what the GDT holds.
 */
#include "vmm.h"

/* book:begin segments */
/*
 * The segments of the VMM's GDT, each described once, in the form KVM_SET_SREGS
 * takes. gdt_write() turns these same descriptions into the descriptors in guest
 * memory, so what KVM is told and what the GDT says cannot disagree.
 *
 * All are flat: base 0 and limit 4 GiB - 1 (g = 1: 0xfffff units of 4 KiB), so an
 * offset is the linear address itself. The accessed bit is set already: the CPU
 * would otherwise write it into the GDT the first time it loads the segment.
 */
static const struct kvm_segment gdt_segments[GDT_ENTRIES] = {
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
    [GDT_CODE64] =
	{
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = SELECTOR(GDT_CODE64),
	    .type = SEG_TYPE_CODE | SEG_TYPE_READ | SEG_TYPE_ACCESSED,
	    .present = 1,
	    .dpl = 0,
	    .db = 0, /* must be 0 with l = 1 */
	    .s = 1,
	    .l = 1, /* 64-bit code: long mode's 64-bit submode */
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
int gdt_load_flat(struct vm *vm, struct kvm_sregs *sregs, enum gdt_index code)
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
