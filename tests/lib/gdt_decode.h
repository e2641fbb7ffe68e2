/*
 * x86 stages with a GDT (stage03 on): a segment descriptor in guest memory,
 * decoded by the test itself, to compare with what the VMM told KVM.
 * Compiled with each stage's own vmm.h.
 */
#ifndef GDT_DECODE_H
#define GDT_DECODE_H

#include "vmm.h"

/* The descriptor at `selector` of the GDT at gdt_base in guest memory, as a kvm_segment. */
struct kvm_segment gdt_decode(struct vm *vm, uint64_t gdt_base, unsigned selector);

#endif
