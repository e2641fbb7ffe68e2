/*
 * GDB's breakpoints: Z0 (software) and Z1 (hardware), and z0/z1 to remove them.
 *
 * A software breakpoint is a BRK #0, written over the instruction; with
 * KVM_GUESTDBG_USE_SW_BP the exception it raises stops the vCPU (KVM_EXIT_DEBUG,
 * exception class BRK64) instead of reaching the guest, with PC at the BRK. GDB
 * must never see it: reads of guest memory show the instruction it replaced.
 * A hardware breakpoint is an address in a breakpoint register (DBGBVR<n>_EL1,
 * enabled in DBGBCR<n>_EL1): nothing is written, and there are as many as the
 * CPU has, 2 to 16: KVM_CAP_GUEST_DEBUG_HW_BPS says how many.
 */
#include "vmm.h"

#include <string.h>

static struct breakpoint *find(struct breakpoint *list, unsigned count, uint64_t va)
{
	for (unsigned i = 0; i < count; i++)
		if (list[i].address == va)
			return &list[i];
	return NULL;
}

struct breakpoint *breakpoint_at(struct debugger *dbg, uint64_t va)
{
	struct breakpoint *bp = find(dbg->sw, dbg->sw_count, va);

	return bp ? bp : find(dbg->hw, dbg->hw_count, va);
}

/* The BRK goes where the guest's translation maps the address now; its instruction is kept. */
static int write_brk(struct vcpu *vcpu, struct breakpoint *bp)
{
	uint64_t pa;
	uint8_t *insn;
	uint32_t brk = BRK_0;

	if (debug_translate(vcpu, bp->address, &pa) < 0)
		return vm_fail(vcpu->vm, "break at 0x%llx: the guest's translation does not map it",
			       (unsigned long long)bp->address);
	insn = guest_ptr(vcpu->vm, pa, INSN_SIZE);
	if (!insn)
		return vm_fail(vcpu->vm, "break at 0x%llx: not in guest memory",
			       (unsigned long long)bp->address);
	bp->physical = pa;
	memcpy(&bp->saved, insn, INSN_SIZE);
	debug_write_code(insn, &brk, INSN_SIZE); /* little-endian, as the guest's instructions */
	bp->in_memory = true;
	return 0;
}

/* The instruction back, unless the guest has written over the BRK since. */
static void erase_brk(struct vcpu *vcpu, struct breakpoint *bp)
{
	uint8_t *insn = bp->in_memory ? guest_ptr(vcpu->vm, bp->physical, INSN_SIZE) : NULL;
	uint32_t now;

	if (insn) {
		memcpy(&now, insn, INSN_SIZE);
		if (now == BRK_0)
			debug_write_code(insn, &bp->saved, INSN_SIZE);
	}
	bp->in_memory = false;
}

/* Z0 or Z1: 0, or -1 with vm->error saying why (all breakpoint registers taken...). */
int breakpoint_insert(struct vcpu *vcpu, enum breakpoint_kind kind, uint64_t va)
{
	struct debugger *dbg = vcpu->debug;
	bool sw = kind == SW_BREAKPOINT;
	struct breakpoint *list = sw ? dbg->sw : dbg->hw;
	unsigned *count = sw ? &dbg->sw_count : &dbg->hw_count;
	struct breakpoint bp = {.kind = kind, .address = va};

	if (find(list, *count, va))
		return 0; /* there already */
	if (va % INSN_SIZE != 0)
		return vm_fail(vcpu->vm,
			       "break at 0x%llx: not an instruction's address (4-aligned)",
			       (unsigned long long)va);
	if (!sw && *count == dbg->hw_slots)
		return vm_fail(vcpu->vm,
			       "hbreak at 0x%llx: this KVM gives %u hardware breakpoints "
			       "(KVM_CAP_GUEST_DEBUG_HW_BPS), all taken",
			       (unsigned long long)va, dbg->hw_slots);
	if (sw && *count == SW_BREAKPOINTS_MAX)
		return vm_fail(vcpu->vm, "break at 0x%llx: %u breakpoints are the most kept",
			       (unsigned long long)va, SW_BREAKPOINTS_MAX);
	if (sw && write_brk(vcpu, &bp) < 0)
		return -1;
	list[(*count)++] = bp;
	return 0;
}

/* z0 or z1; removing one that is not there is fine (GDB may do it twice). */
int breakpoint_remove(struct vcpu *vcpu, enum breakpoint_kind kind, uint64_t va)
{
	struct debugger *dbg = vcpu->debug;
	bool sw = kind == SW_BREAKPOINT;
	struct breakpoint *list = sw ? dbg->sw : dbg->hw;
	unsigned *count = sw ? &dbg->sw_count : &dbg->hw_count;
	struct breakpoint *bp = find(list, *count, va);

	if (!bp)
		return 0;
	erase_brk(vcpu, bp);
	*bp = list[--*count]; /* the last one takes its place */
	return 0;
}

void breakpoints_remove_all(struct vcpu *vcpu)
{
	struct debugger *dbg = vcpu->debug;

	for (unsigned i = 0; i < dbg->sw_count; i++)
		erase_brk(vcpu, &dbg->sw[i]);
	dbg->sw_count = 0;
	dbg->hw_count = 0;
	dbg->lifted = false;
}

/* Memory GDB reads: each BRK of ours shows the instruction it replaced. */
void breakpoints_hide(const struct debugger *dbg, uint64_t va, uint8_t *buf, size_t len)
{
	for (unsigned i = 0; i < dbg->sw_count; i++) {
		const struct breakpoint *bp = &dbg->sw[i];
		const uint8_t *saved = (const uint8_t *)&bp->saved;
		for (unsigned b = 0; bp->in_memory && b < INSN_SIZE; b++)
			if (bp->address + b >= va && bp->address + b - va < len)
				buf[bp->address + b - va] = saved[b];
	}
}

/* Memory GDB wrote: where it wrote over a BRK, its instruction is the new one, and the BRK stays.
 */
void breakpoints_rewrite(struct vcpu *vcpu, uint64_t va, size_t len)
{
	struct debugger *dbg = vcpu->debug;
	uint32_t brk = BRK_0;

	for (unsigned i = 0; i < dbg->sw_count; i++) {
		struct breakpoint *bp = &dbg->sw[i];
		if (!bp->in_memory || bp->address + INSN_SIZE <= va || bp->address >= va + len)
			continue;
		uint8_t *insn = guest_ptr(vcpu->vm, bp->physical, INSN_SIZE);
		if (insn) {
			memcpy(&bp->saved, insn, INSN_SIZE);
			debug_write_code(insn, &brk, INSN_SIZE);
		}
	}
}

/* One step off the BRK at `va`, if one of ours is there; put back at the next stop. */
void breakpoint_lift(struct vcpu *vcpu, uint64_t va)
{
	struct debugger *dbg = vcpu->debug;
	struct breakpoint *bp = find(dbg->sw, dbg->sw_count, va);

	if (!bp || !bp->in_memory)
		return;
	erase_brk(vcpu, bp);
	dbg->lifted = true;
	dbg->lifted_at = va;
}

void breakpoint_put_back(struct vcpu *vcpu)
{
	struct debugger *dbg = vcpu->debug;
	struct breakpoint *bp = find(dbg->sw, dbg->sw_count, dbg->lifted_at);

	if (dbg->lifted && bp && write_brk(vcpu, bp) < 0)
		fprintf(vcpu->vm->log, "vmm: gdb: %s: that breakpoint is off\n", vcpu->vm->error);
	dbg->lifted = false;
}
