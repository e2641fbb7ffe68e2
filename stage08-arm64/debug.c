/* Debugging a guest: the options, KVM_SET_GUEST_DEBUG, and the stopped vCPU's state. */
#include "vmm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define DEFAULT_GDB_PORT "1234" /* what `target remote :1234` expects, as with QEMU's -s */

/* --step, --step=N, --step-from=WHERE, --gdb, --gdb=PORT, --gdb=stdio */
bool debug_is_option(const char *arg)
{
	return strcmp(arg, "--step") == 0 || strncmp(arg, "--step=", 7) == 0 ||
	       strncmp(arg, "--step-from=", 12) == 0 || strcmp(arg, "--gdb") == 0 ||
	       strncmp(arg, "--gdb=", 6) == 0;
}

/* A whole decimal or 0x number, else false. */
static bool parse_number(const char *text, uint64_t *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 0);
	return *text >= '0' && *text <= '9' && *end == '\0' && errno == 0;
}

/* Fills dbg from one option; -1 with dbg->message saying why it is wrong. */
int debug_parse_option(const char *arg, struct debugger *dbg)
{
	uint64_t number;

	if (strcmp(arg, "--step") == 0) {
		dbg->step = true;
	} else if (strncmp(arg, "--step=", 7) == 0) {
		if (!parse_number(arg + 7, &number) || number == 0) {
			snprintf(dbg->message, sizeof(dbg->message),
				 "%s: a number of instructions above 0, as in --step=20", arg);
			return -1;
		}
		dbg->step = true;
		dbg->step_limit = number;
	} else if (strncmp(arg, "--step-from=", 12) == 0 && arg[12] != '\0') {
		dbg->step = true;
		dbg->step_from = arg + 12;
	} else if (strcmp(arg, "--gdb") == 0) {
		dbg->gdb = DEFAULT_GDB_PORT;
	} else if (strncmp(arg, "--gdb=", 6) == 0 &&
		   (strcmp(arg + 6, "stdio") == 0 ||
		    (parse_number(arg + 6, &number) && number > 0 && number < 65536))) {
		dbg->gdb = arg + 6;
	} else {
		snprintf(dbg->message, sizeof(dbg->message),
			 "%s: see --step, --step=N, --step-from=WHERE, --gdb[=PORT|stdio]", arg);
		return -1;
	}
	if (dbg->step && dbg->gdb) {
		snprintf(dbg->message, sizeof(dbg->message), "--step and --gdb: one or the other");
		return -1;
	}
	return 0;
}

void debug_usage(FILE *out)
{
	fprintf(out,
		"\n"
		"Debugging the guest (`make` builds GUEST.elf beside GUEST.bin,\n"
		"with its labels):\n"
		"  --step            print every instruction the guest executes (to stderr):\n"
		"                    address, bytes, disassembly, the registers it changed\n"
		"  --step=N          only the first N instructions, then run on\n"
		"  --step-from=WHERE start printing at a label of GUEST.elf or an address\n"
		"  --gdb[=PORT]      stop before the first instruction and wait for GDB on\n"
		"                    localhost:PORT (default %s): target remote :%s\n"
		"  --gdb=stdio       GDB's remote protocol on stdin and stdout, for\n"
		"                    target remote | ./run --gdb=stdio GUEST.bin\n"
		"                    (the guest's console then goes to stderr)\n",
		DEFAULT_GDB_PORT, DEFAULT_GDB_PORT);
}

/*
 * KVM_SET_GUEST_DEBUG: what makes the vCPU stop with KVM_EXIT_DEBUG. SINGLESTEP
 * sets MDSCR_EL1.SS and PSTATE.SS for the guest behind its back: after one
 * instruction, a software step exception, which KVM keeps. USE_SW_BP sends each
 * BRK to the VMM, not to the guest; USE_HW loads our breakpoints into the
 * breakpoint registers DBGBVR<n>_EL1 and DBGBCR<n>_EL1 while the guest runs.
 */
int debug_set_control(struct vcpu *vcpu, uint32_t control)
{
	struct debugger *dbg = vcpu->debug;
	struct kvm_guest_debug debug = {.control = control};

	if (control & KVM_GUESTDBG_USE_HW) {
		for (unsigned i = 0; i < dbg->hw_count; i++) {
			debug.arch.dbg_bvr[i] = dbg->hw[i].address;
			debug.arch.dbg_bcr[i] = DBGBCR_E | DBGBCR_PMC_EL1_EL0 | DBGBCR_BAS_A64;
		}
	}
	if (ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &debug) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_SET_GUEST_DEBUG");
	dbg->control = control;
	return 0;
}

/*
 * Go on from a stop: one instruction (GDB's step), or until a breakpoint. A
 * breakpoint stops the vCPU before its instruction, and arm64 has no flag to
 * say "not this one again", so to go on from one the VMM first steps that
 * instruction with the breakpoint out of the way (its BRK back to the
 * instruction it replaced, the breakpoint registers off), then puts it back
 * (gdb_stopped()).
 */
int debug_resume(struct vcpu *vcpu, bool single_step)
{
	struct debugger *dbg = vcpu->debug;
	uint32_t control = 0, insn = 0;
	uint64_t pc;

	if (vcpu_get_reg(vcpu, REG_PC, &pc) < 0)
		return -1;
	debug_read_virtual(vcpu, pc, (uint8_t *)&insn, sizeof(insn));
	/* One step, without USE_SW_BP: off a breakpoint of ours (its BRK lifted), or
	   over a BRK of the guest's own, which then goes to the guest's vector. */
	if (single_step || breakpoint_at(dbg, pc) || (insn & BRK_MASK) == BRK_0) {
		breakpoint_lift(vcpu, pc);
		return debug_set_control(vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	}
	if (dbg->sw_count > 0)
		control |= KVM_GUESTDBG_USE_SW_BP;
	if (dbg->hw_count > 0)
		control |= KVM_GUESTDBG_USE_HW;
	if (control)
		control |= KVM_GUESTDBG_ENABLE;
	return debug_set_control(vcpu, control);
}

/* KVM_EXIT_DEBUG while the guest goes on: a BRK (ours or the guest's own), or ours in hardware. */
bool debug_breakpoint_hit(struct vcpu *vcpu, uint64_t pc)
{
	uint32_t ec = (uint32_t)(vcpu->run->debug.arch.hsr >> ESR_EC_SHIFT) & ESR_EC_MASK;

	return ec == ESR_EC_BRK64 || ec == ESR_EC_BREAKPT_LOW || breakpoint_at(vcpu->debug, pc);
}

/* The stack pointer in use: SP_EL1 at EL1h (PSTATE.M bit 0, SPSel, set), else SP_EL0. */
uint64_t current_sp(const struct kvm_regs *r)
{
	return (r->regs.pstate & PSTATE_M_EL1H) == PSTATE_M_EL1H ? r->sp_el1 : r->regs.sp;
}

/* book:begin translate */
/*
 * The guest's stage-1 translation, walked by the VMM: arm64's KVM has no
 * KVM_TRANSLATE (api.rst lists it for x86 only). With the MMU off (SCTLR_EL1.M
 * clear) a virtual address is the physical one. With it on, TTBR0_EL1's tables
 * translate addresses with the top bits clear, TTBR1_EL1's those with them set;
 * TCR_EL1 says how many bits (64 - TnSZ) and the granule. Only the 4 KiB
 * granule is walked here, as Linux and this book's guests use it: each level
 * takes 9 bits of the address, 12 bits are the offset in the page. Arm ARM,
 * D8.2 "Translation process" (the VMSAv8-64 descriptors: 0b11 a table or a
 * page, 0b01 a block). Returns 0 with *pa, or -1 if nothing maps va.
 */
#define SCTLR_M (1ull << 0) /* the stage-1 MMU is on */
#define TCR_T0SZ(tcr) ((unsigned)(tcr)&0x3f)
#define TCR_EPD0 (1ull << 7) /* no walks through TTBR0 */
#define TCR_TG0(tcr) (((tcr) >> 14) & 3) /* 0b00: 4 KiB */
#define TCR_T1SZ(tcr) ((unsigned)((tcr) >> 16) & 0x3f)
#define TCR_EPD1 (1ull << 23)
#define TCR_TG1(tcr) (((tcr) >> 30) & 3) /* 0b10: 4 KiB */
#define TG0_4K 0
#define TG1_4K 2
#define DESC_VALID (1ull << 0)
#define DESC_TABLE (1ull << 1) /* at levels 0-2: a table (else a block); at level 3: a page */
#define DESC_ADDRESS 0x0000fffffffff000ull /* bits 47:12: the next table, or the output */
#define TTBR_BADDR 0x0000fffffffffffeull /* bits 47:1 (CnP, bit 0, is not address) */
#define REG_TTBR0_EL1 SYS_REG(3, 0, 2, 0, 0)
#define REG_TTBR1_EL1 SYS_REG(3, 0, 2, 0, 1)
#define REG_TCR_EL1 SYS_REG(3, 0, 2, 0, 2)

int debug_translate(struct vcpu *vcpu, uint64_t va, uint64_t *pa)
{
	uint64_t sctlr, tcr, ttbr;

	if (vcpu_get_reg(vcpu, REG_SCTLR_EL1, &sctlr) < 0)
		return -1;
	if (!(sctlr & SCTLR_M)) {
		*pa = va;
		return 0;
	}
	if (vcpu_get_reg(vcpu, REG_TCR_EL1, &tcr) < 0)
		return -1;
	bool upper = (va >> 55) & 1;
	unsigned size = upper ? TCR_T1SZ(tcr) : TCR_T0SZ(tcr);
	unsigned bits = 64 - size; /* the address bits that translate */
	if ((upper ? (tcr & TCR_EPD1) || TCR_TG1(tcr) != TG1_4K
		   : (tcr & TCR_EPD0) || TCR_TG0(tcr) != TG0_4K) ||
	    size < 16 || size > 39)
		return -1;
	uint64_t top = bits < 64 ? va >> bits : 0; /* must be all zeros, or all ones */
	if (top != (upper ? (~0ull >> bits) : 0))
		return -1;
	if (vcpu_get_reg(vcpu, upper ? REG_TTBR1_EL1 : REG_TTBR0_EL1, &ttbr) < 0)
		return -1;
	uint64_t table = ttbr & TTBR_BADDR;
	int level = 3 - (int)((bits - 12 - 1) / 9); /* the first level: 0 for 48 bits */
	for (; level <= 3; level++) {
		unsigned shift = 12 + 9 * (unsigned)(3 - level);
		uint64_t index =
		    (va >> shift) & ((1ull << (bits - shift < 9 ? bits - shift : 9)) - 1);
		const uint8_t *entry = guest_ptr(vcpu->vm, table + 8 * index, 8);
		uint64_t desc;
		if (!entry)
			return -1; /* a table outside guest memory */
		memcpy(&desc, entry, sizeof(desc));
		if (!(desc & DESC_VALID))
			return -1;
		if (level < 3 && (desc & DESC_TABLE)) {
			table = desc & DESC_ADDRESS;
			continue;
		}
		if (level == 0 || (level == 3 && !(desc & DESC_TABLE)))
			return -1; /* no block at level 0; a level-3 0b01 is reserved */
		uint64_t offset_mask = (1ull << shift) - 1;
		*pa = (desc & DESC_ADDRESS & ~offset_mask) | (va & offset_mask);
		return 0;
	}
	return -1;
}
/* book:end translate */

/*
 * Bytes the guest may run, written through our mapping of its memory: a BRK, the
 * instruction it replaced, whatever GDB writes. Arm keeps the instruction cache
 * coherent with data writes only where CTR_EL0 says so (DIC and IDC; a Raspberry Pi
 * 4's Cortex-A72 does not): the new bytes must be cleaned from the data cache and
 * the instruction cache's copy invalidated, or the guest may go on running the old
 * instruction, or a BRK already taken out. __builtin___clear_cache does both (DC
 * CVAU, IC IVAU) at our address. The data cache, and the instruction cache of most
 * cores, behave as if indexed by physical address, so the guest's fetch at its own
 * address sees the change (an instruction cache that aliases by virtual address
 * would need all of it invalidated, which only the kernel may do).
 * x86 needs none of this, and the emulated arm64 host's qemu has no such caches.
 */
void debug_write_code(uint8_t *to, const void *from, size_t len)
{
	memcpy(to, from, len);
	__builtin___clear_cache((char *)to, (char *)to + len);
}

/*
 * Guest memory at a virtual address, a 4 KiB page at a time (the smallest a
 * translation maps). Returns how many bytes could be reached; the rest is not
 * mapped, or not in guest memory.
 */
#define PAGE_SIZE_4K 4096u
static size_t copy_virtual(struct vcpu *vcpu, uint64_t va, uint8_t *buf, size_t len, bool write)
{
	size_t done = 0;

	while (done < len) {
		uint64_t address = va + done, pa;
		size_t chunk = PAGE_SIZE_4K - (address % PAGE_SIZE_4K);

		if (chunk > len - done)
			chunk = len - done;
		if (debug_translate(vcpu, address, &pa) < 0)
			break;
		uint8_t *guest = guest_ptr(vcpu->vm, pa, chunk);
		if (!guest)
			break;
		if (write)
			debug_write_code(guest, buf + done, chunk);
		else
			memcpy(buf + done, guest, chunk);
		done += chunk;
	}
	return done;
}

size_t debug_read_virtual(struct vcpu *vcpu, uint64_t va, uint8_t *buf, size_t len)
{
	return copy_virtual(vcpu, va, buf, len, false);
}

size_t debug_write_virtual(struct vcpu *vcpu, uint64_t va, const uint8_t *buf, size_t len)
{
	return copy_virtual(vcpu, va, (uint8_t *)buf, len, true);
}

/* WHERE of --step-from: a label of GUEST.elf, or an address. */
static int resolve_from(struct vm *vm, struct debugger *dbg, const char *elf)
{
	if (symbols_find(&dbg->symbols, dbg->step_from, &dbg->from) ||
	    parse_number(dbg->step_from, &dbg->from))
		return 0;
	return vm_fail(vm, "--step-from=%s: not a label of %s, nor an address", dbg->step_from,
		       elf);
}

/* Called once the vCPU is ready to run, before its first instruction. */
int debug_start(struct vcpu *vcpu, struct debugger *dbg, const char *guest)
{
	char elf[4096], why[300];

	if (!dbg->step && !dbg->gdb)
		return 0;
	vcpu->debug = dbg;
	if (kvm_capability(vcpu->vm, KVM_CAP_SET_GUEST_DEBUG) <= 0)
		return vm_fail(vcpu->vm, "--step and --gdb need KVM_CAP_SET_GUEST_DEBUG, which "
					 "this KVM does not have");
	symbols_elf_path(guest, elf, sizeof(elf));
	if (symbols_load(&dbg->symbols, elf, why, sizeof(why)) < 0 && dbg->step_from)
		fprintf(vcpu->vm->log, "vmm: no labels: %s\n", why);
	if (dbg->step_from && resolve_from(vcpu->vm, dbg, elf) < 0)
		return -1;
	if (dbg->step)
		return step_start(vcpu, dbg);
	return gdb_start(vcpu, dbg);
}

/* KVM_EXIT_DEBUG: the vCPU stopped after a single step or at a breakpoint. */
enum after_exit debug_handle_exit(struct vcpu *vcpu)
{
	struct debugger *dbg = vcpu->debug;

	if (!dbg) {
		vm_fail(vcpu->vm, "unexpected exit KVM_EXIT_DEBUG (%u): this VMM never asks for it",
			KVM_EXIT_DEBUG);
		return STOP_WITH_ERROR;
	}
	if (dbg->gdb)
		return gdb_stopped(vcpu, dbg);
	if (step_after_instruction(vcpu, dbg) < 0)
		return STOP_WITH_ERROR;
	return RESUME_GUEST;
}

/* After the run: say how it ended, to the trace or to GDB. */
enum run_outcome debug_finish(struct vcpu *vcpu, enum run_outcome outcome)
{
	struct debugger *dbg = vcpu->debug;

	if (!dbg)
		return outcome;
	if (dbg->gdb)
		gdb_finish(vcpu, dbg, outcome);
	else
		step_finish(vcpu, dbg, outcome);
	return outcome;
}
