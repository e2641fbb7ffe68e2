/*
 * GDB's breakpoints: Z0 (software) and Z1 (hardware), and z0/z1 to remove them.
 *
 * A software breakpoint is an int3 (0xcc), written over the first byte of the
 * instruction; with KVM_GUESTDBG_USE_SW_BP the #BP it raises stops the vCPU
 * (KVM_EXIT_DEBUG) instead of reaching the guest, with RIP at the int3. GDB
 * must never see it: reads of guest memory show the byte it replaced.
 * A hardware breakpoint is an address in a debug register (DR0-DR3, enabled in
 * DR7): nothing is written, and there are only four.
 *
 * Not every KVM stops at both (book/10-debugging.md): breakpoints_probe() tries
 * each on a VM of its own, and a kind that does not stop the vCPU is reached by
 * single-stepping instead (debug_resume()).
 */
#include "vmm.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static struct breakpoint *find(struct breakpoint *list, unsigned count, uint64_t linear)
{
	for (unsigned i = 0; i < count; i++)
		if (list[i].address == linear)
			return &list[i];
	return NULL;
}

struct breakpoint *breakpoint_at(struct debugger *dbg, uint64_t linear)
{
	struct breakpoint *bp = find(dbg->sw, dbg->sw_count, linear);

	return bp ? bp : find(dbg->hw, dbg->hw_count, linear);
}

/* Whether some breakpoint is reached by single-stepping, KVM not stopping at its kind. */
bool breakpoint_steps(const struct debugger *dbg)
{
	return (dbg->sw_count > 0 && dbg->stops_at_int3 != STOPS_YES) ||
	       (dbg->hw_count > 0 && dbg->stops_at_dr != STOPS_YES);
}

/* book:begin int3 */
/* The int3 goes where the guest's page tables map the address now; its byte is kept. */
static int write_int3(struct vcpu *vcpu, struct breakpoint *bp)
{
	struct kvm_translation tr = {.linear_address = bp->address};
	uint8_t *byte;

	if (ioctl(vcpu->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
		return vm_fail(vcpu->vm, "break at 0x%llx: the guest's page tables do not map it",
			       (unsigned long long)bp->address);
	byte = guest_ptr(vcpu->vm, tr.physical_address, 1);
	if (!byte)
		return vm_fail(vcpu->vm, "break at 0x%llx: not in guest memory",
			       (unsigned long long)bp->address);
	bp->physical = tr.physical_address;
	bp->saved = *byte;
	*byte = INT3;
	bp->in_memory = true;
	return 0;
}

/* The byte back, unless the guest has written over the int3 since. */
static void erase_int3(struct vcpu *vcpu, struct breakpoint *bp)
{
	uint8_t *byte = bp->in_memory ? guest_ptr(vcpu->vm, bp->physical, 1) : NULL;

	if (byte && *byte == INT3)
		*byte = bp->saved;
	bp->in_memory = false;
}
/* book:end int3 */

/* Said once per kind, when its first breakpoint is set. */
static void say_stepping(struct vcpu *vcpu, enum breakpoint_kind kind)
{
	struct debugger *dbg = vcpu->debug;

	if (dbg->said_stepping[kind])
		return;
	dbg->said_stepping[kind] = true;
	fprintf(vcpu->vm->log,
		kind == SW_BREAKPOINT
		    ? "vmm: gdb: this KVM did not stop at an int3 (KVM_GUESTDBG_USE_SW_BP, "
		      "tried on a VM of its own): software breakpoints are reached by "
		      "single-stepping, slower\n"
		    : "vmm: gdb: this KVM did not stop at a debug-register breakpoint "
		      "(KVM_GUESTDBG_USE_HW_BP, tried on a VM of its own): hardware "
		      "breakpoints are reached by single-stepping, slower\n");
}

/* Z0 or Z1: 0, or -1 with vm->error saying why (all four debug registers taken...). */
int breakpoint_insert(struct vcpu *vcpu, enum breakpoint_kind kind, uint64_t linear)
{
	struct debugger *dbg = vcpu->debug;
	bool sw = kind == SW_BREAKPOINT;
	struct breakpoint *list = sw ? dbg->sw : dbg->hw;
	unsigned *count = sw ? &dbg->sw_count : &dbg->hw_count;
	struct breakpoint bp = {.kind = kind, .address = linear};

	if (find(list, *count, linear))
		return 0; /* there already */
	if (!sw && *count == HW_BREAKPOINTS_MAX)
		return vm_fail(
		    vcpu->vm, "hbreak at 0x%llx: the %u debug registers DR0-DR%u are all taken",
		    (unsigned long long)linear, HW_BREAKPOINTS_MAX, HW_BREAKPOINTS_MAX - 1);
	if (sw && *count == SW_BREAKPOINTS_MAX)
		return vm_fail(vcpu->vm, "break at 0x%llx: %u breakpoints are the most kept",
			       (unsigned long long)linear, SW_BREAKPOINTS_MAX);
	if (sw && dbg->stops_at_int3 == STOPS_YES && write_int3(vcpu, &bp) < 0)
		return -1;
	if ((sw ? dbg->stops_at_int3 : dbg->stops_at_dr) != STOPS_YES)
		say_stepping(vcpu, kind);
	list[(*count)++] = bp;
	return 0;
}

/* z0 or z1; removing one that is not there is fine (GDB may do it twice). */
int breakpoint_remove(struct vcpu *vcpu, enum breakpoint_kind kind, uint64_t linear)
{
	struct debugger *dbg = vcpu->debug;
	bool sw = kind == SW_BREAKPOINT;
	struct breakpoint *list = sw ? dbg->sw : dbg->hw;
	unsigned *count = sw ? &dbg->sw_count : &dbg->hw_count;
	struct breakpoint *bp = find(list, *count, linear);

	if (!bp)
		return 0;
	erase_int3(vcpu, bp);
	*bp = list[--*count]; /* the last one takes its place */
	return 0;
}

void breakpoints_remove_all(struct vcpu *vcpu)
{
	struct debugger *dbg = vcpu->debug;

	for (unsigned i = 0; i < dbg->sw_count; i++)
		erase_int3(vcpu, &dbg->sw[i]);
	dbg->sw_count = 0;
	dbg->hw_count = 0;
	dbg->lifted = false;
}

/* Memory GDB reads: each int3 of ours shows the byte it replaced. */
void breakpoints_hide(const struct debugger *dbg, uint64_t linear, uint8_t *buf, size_t len)
{
	for (unsigned i = 0; i < dbg->sw_count; i++) {
		const struct breakpoint *bp = &dbg->sw[i];
		if (bp->in_memory && bp->address >= linear && bp->address - linear < len)
			buf[bp->address - linear] = bp->saved;
	}
}

/* Memory GDB wrote: where it wrote over an int3, its byte is the new one, and the int3 stays. */
void breakpoints_rewrite(struct vcpu *vcpu, uint64_t linear, size_t len)
{
	struct debugger *dbg = vcpu->debug;

	for (unsigned i = 0; i < dbg->sw_count; i++) {
		struct breakpoint *bp = &dbg->sw[i];
		if (!bp->in_memory || bp->address < linear || bp->address - linear >= len)
			continue;
		uint8_t *byte = guest_ptr(vcpu->vm, bp->physical, 1);
		if (byte) {
			bp->saved = *byte;
			*byte = INT3;
		}
	}
}

/* One step off the int3 at `linear`, if one of ours is there; put back at the next stop. */
void breakpoint_lift(struct vcpu *vcpu, uint64_t linear)
{
	struct debugger *dbg = vcpu->debug;
	struct breakpoint *bp = find(dbg->sw, dbg->sw_count, linear);

	if (!bp || !bp->in_memory)
		return;
	erase_int3(vcpu, bp);
	dbg->lifted = true;
	dbg->lifted_at = linear;
}

void breakpoint_put_back(struct vcpu *vcpu)
{
	struct debugger *dbg = vcpu->debug;
	struct breakpoint *bp = find(dbg->sw, dbg->sw_count, dbg->lifted_at);

	if (dbg->lifted && bp && write_int3(vcpu, bp) < 0)
		fprintf(vcpu->vm->log, "vmm: gdb: %s: that breakpoint is off\n", vcpu->vm->error);
	dbg->lifted = false;
}

/* ---- What this KVM stops at: tried on a throwaway VM, one page in real mode. */

#define PROBE_MEM_SIZE 0x1000
#define PROBE_CODE 0x500 /* after the real-mode interrupt table: 256 vectors of 4 bytes */
#define PROBE_HANDLER 0x600 /* where that table sends #DB and #BP, should the guest get them */
#define NOP 0x90

/* Real mode's interrupt table: a vector is offset then segment, 16 bits each. */
static void set_vector(uint8_t *mem, unsigned vector, uint16_t offset)
{
	mem[4 * vector] = (uint8_t)offset;
	mem[4 * vector + 1] = (uint8_t)(offset >> 8);
	mem[4 * vector + 2] = 0;
	mem[4 * vector + 3] = 0;
}

/*
 * Runs `first` then HLT at PROBE_CODE with `debug`: STOPS_YES if KVM_RUN came back
 * with KVM_EXIT_DEBUG for `exception` at `expect_pc`. Anything else (the guest's
 * handler halting, an emulation failure) means this KVM does not stop there. The
 * guest cannot loop: every path ends in HLT, which exits.
 */
static enum kvm_stops probe(int kvm_fd, uint8_t first, struct kvm_guest_debug *debug,
			    unsigned exception, uint64_t expect_pc)
{
	enum kvm_stops result = STOPS_NOT;
	int vm = -1, cpu = -1, run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = MAP_FAILED;
	uint8_t *mem =
	    mmap(NULL, PROBE_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_sregs sregs;
	struct kvm_regs regs = {.rip = PROBE_CODE, .rsp = PROBE_MEM_SIZE, .rflags = 2};

	if (mem == MAP_FAILED || run_size <= 0)
		goto out;
	set_vector(mem, DB_VECTOR, PROBE_HANDLER);
	set_vector(mem, BP_VECTOR, PROBE_HANDLER);
	mem[PROBE_CODE] = first;
	mem[PROBE_CODE + 1] = HLT;
	mem[PROBE_HANDLER] = HLT;
	struct kvm_userspace_memory_region region = {.memory_size = PROBE_MEM_SIZE,
						     .userspace_addr = (uintptr_t)mem};
	vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		goto out;
	cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (cpu < 0)
		goto out;
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
	if (run == MAP_FAILED || ioctl(cpu, KVM_GET_SREGS, &sregs) < 0)
		goto out;
	sregs.cs.base = 0; /* real mode, CS = 0 */
	sregs.cs.selector = 0;
	if (ioctl(cpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(cpu, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(cpu, KVM_SET_GUEST_DEBUG, debug) < 0)
		goto out;
	int ran;
	do
		ran = ioctl(cpu, KVM_RUN, 0);
	while (ran < 0 && errno == EINTR);
	if (ran == 0 && run->exit_reason == KVM_EXIT_DEBUG &&
	    run->debug.arch.exception == exception && run->debug.arch.pc == expect_pc)
		result = STOPS_YES;
out:
	if (run != MAP_FAILED)
		munmap(run, (size_t)run_size);
	if (cpu >= 0)
		close(cpu);
	if (vm >= 0)
		close(vm);
	if (mem != MAP_FAILED)
		munmap(mem, PROBE_MEM_SIZE);
	return result;
}

/* book:begin probe */
void breakpoints_probe(struct vm *vm, struct debugger *dbg)
{
	struct kvm_guest_debug int3 = {.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP};
	struct kvm_guest_debug dr0 = {
	    .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP,
	    .arch.debugreg = {[0] = PROBE_CODE + 1, [7] = DR7_FIXED_1 | DR7_GLOBAL_ENABLE(0)}};

	/* int3 at PROBE_CODE: the stop is at the int3 itself */
	dbg->stops_at_int3 = probe(vm->kvm_fd, INT3, &int3, BP_VECTOR, PROBE_CODE);
	/* nop, then DR0's address: the stop is before that instruction */
	dbg->stops_at_dr = probe(vm->kvm_fd, NOP, &dr0, DB_VECTOR, PROBE_CODE + 1);
}
/* book:end probe */
