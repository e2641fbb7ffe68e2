/* Debugging a guest: the options, KVM_SET_GUEST_DEBUG, and the stopped vCPU's state. */
#include "vmm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* CR0 and EFER: SDM vol. 3A, 2.5 and 2.2.1. */
#define DEBUG_CR0_PE (1ull << 0) /* protection enable */
#define DEBUG_CR0_PG (1ull << 31) /* paging */
#define DEBUG_EFER_LMA (1ull << 10) /* long mode active */
#define DEFAULT_GDB_PORT "1234" /* what `target remote :1234` expects, as with QEMU's -s */
#define PAGE_SIZE_4K 4096u

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
		"Debugging the guest (all x86 stages; `make` builds GUEST.elf beside GUEST.bin,\n"
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

/* book:begin guest-debug */
/*
 * KVM_SET_GUEST_DEBUG: what makes the vCPU stop with KVM_EXIT_DEBUG. SINGLESTEP
 * sets the trap flag for the guest behind its back (and hides it from
 * KVM_GET_REGS); USE_SW_BP sends each int3 (#BP) to the VMM, not to the guest;
 * USE_HW_BP loads our breakpoints into the debug registers DR0-DR3 and DR7.
 */
int debug_set_control(struct vcpu *vcpu, uint32_t control)
{
	struct debugger *dbg = vcpu->debug;
	struct kvm_guest_debug debug = {.control = control};

	if (control & KVM_GUESTDBG_USE_HW_BP) {
		debug.arch.debugreg[7] = DR7_FIXED_1;
		for (unsigned i = 0; i < dbg->hw_count; i++) {
			debug.arch.debugreg[i] = dbg->hw[i].address;
			debug.arch.debugreg[7] |= DR7_GLOBAL_ENABLE(i);
		}
	}
	if (ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &debug) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_SET_GUEST_DEBUG");
	dbg->control = control;
	return 0;
}
/* book:end guest-debug */

/* book:begin resume */
/*
 * Go on from a stop: one instruction (GDB's step), or until a breakpoint. A
 * breakpoint stops the vCPU before its instruction, so to go on from one the
 * VMM first steps that instruction with the breakpoint out of the way (its int3
 * back to the byte it replaced, the debug registers off), then puts it back
 * (debug_breakpoint_hit). A kind of breakpoint that the KVM at hand was not
 * seen to stop at is reached by single-stepping and comparing each address
 * with the breakpoints: slower, and the same for the guest.
 */
int debug_resume(struct vcpu *vcpu, bool single_step)
{
	struct debugger *dbg = vcpu->debug;
	struct kvm_regs r;
	struct kvm_sregs s;
	uint32_t control = 0;
	uint8_t byte = 0;

	if (vcpu_get_regs(vcpu, &r) < 0 || vcpu_get_sregs(vcpu, &s) < 0)
		return -1;
	uint64_t pc = linear_pc(&r, &s);
	debug_read_linear(vcpu, pc, &byte, 1);
	/* One step, without USE_SW_BP: off a breakpoint of ours (its int3 lifted), or
	   over an int3 of the guest's own, which then goes to the guest's handler. */
	if (single_step || breakpoint_at(dbg, pc) || byte == INT3) {
		breakpoint_lift(vcpu, pc);
		debug_stepping_from(vcpu, &r, &s);
		return debug_set_control(vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	}
	debug_stepping_from(vcpu, &r, &s);
	if (dbg->sw_count > 0 && dbg->stops_at_int3 == STOPS_YES)
		control |= KVM_GUESTDBG_USE_SW_BP;
	if (dbg->hw_count > 0 && dbg->stops_at_dr == STOPS_YES)
		control |= KVM_GUESTDBG_USE_HW_BP;
	if (breakpoint_steps(dbg))
		control |= KVM_GUESTDBG_SINGLESTEP;
	if (control)
		control |= KVM_GUESTDBG_ENABLE;
	if (control == dbg->control && !(control & KVM_GUESTDBG_USE_HW_BP))
		return 0; /* stepping to a breakpoint: as it was */
	return debug_set_control(vcpu, control);
}

/*
 * KVM_EXIT_DEBUG while the guest goes on: did it stop at a breakpoint? An int3
 * (#BP) is one, ours or the guest's own (GDB shows SIGTRAP); otherwise the
 * address says it: a debug register's, or one reached by single-stepping.
 */
bool debug_breakpoint_hit(struct vcpu *vcpu, uint64_t linear)
{
	return vcpu->run->debug.arch.exception == BP_VECTOR ||
	       breakpoint_at(vcpu->debug, linear) != NULL;
}
/* book:end resume */

/* book:begin cpu-mode */
/* Which instructions the CPU decodes now: SDM vol. 3A, 2.2 "Modes of Operation". */
enum cpu_mode cpu_mode_of(const struct kvm_sregs *s)
{
	if (!(s->cr0 & DEBUG_CR0_PE))
		return MODE_REAL;
	if (s->efer & DEBUG_EFER_LMA) {
		if (s->cs.l)
			return MODE_LONG64;
		return s->cs.db ? MODE_COMPAT32 : MODE_COMPAT16;
	}
	return s->cs.db ? MODE_PROTECTED32 : MODE_PROTECTED16;
}
/* book:end cpu-mode */

unsigned cpu_mode_bits(enum cpu_mode mode)
{
	switch (mode) {
	case MODE_REAL:
	case MODE_PROTECTED16:
	case MODE_COMPAT16:
		return 16;
	case MODE_PROTECTED32:
	case MODE_COMPAT32:
		return 32;
	case MODE_LONG64:
		break;
	}
	return 64;
}

const char *cpu_mode_name(enum cpu_mode mode)
{
	switch (mode) {
	case MODE_REAL:
		return "real mode";
	case MODE_PROTECTED16:
		return "protected mode (16-bit code)";
	case MODE_PROTECTED32:
		return "protected mode";
	case MODE_COMPAT16:
		return "compatibility mode (16-bit code)";
	case MODE_COMPAT32:
		return "compatibility mode (32-bit code)";
	case MODE_LONG64:
		break;
	}
	return "long mode";
}

/* The address the CPU fetches from: CS's base plus the instruction pointer. */
uint64_t linear_pc(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	if (cpu_mode_of(s) == MODE_LONG64)
		return r->rip; /* CS's base is 0 in 64-bit mode */
	return (s->cs.base + r->rip) & 0xffffffffu;
}

/*
 * Guest memory at a linear address, a page at a time: KVM_TRANSLATE walks the
 * guest's own page tables (with paging off it returns the address itself).
 * Returns how many bytes could be reached; the rest is not in guest memory.
 */
static size_t copy_linear(struct vcpu *vcpu, uint64_t linear, uint8_t *buf, size_t len, bool write)
{
	size_t done = 0;

	while (done < len) {
		uint64_t address = linear + done;
		size_t chunk = PAGE_SIZE_4K - (address % PAGE_SIZE_4K);
		struct kvm_translation tr = {.linear_address = address};

		if (chunk > len - done)
			chunk = len - done;
		if (ioctl(vcpu->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
			break;
		uint8_t *guest = guest_ptr(vcpu->vm, tr.physical_address, chunk);
		if (!guest)
			break;
		if (write)
			memcpy(guest, buf + done, chunk);
		else
			memcpy(buf + done, guest, chunk);
		done += chunk;
	}
	return done;
}

size_t debug_read_linear(struct vcpu *vcpu, uint64_t linear, uint8_t *buf, size_t len)
{
	return copy_linear(vcpu, linear, buf, len, false);
}

size_t debug_write_linear(struct vcpu *vcpu, uint64_t linear, const uint8_t *buf, size_t len)
{
	return copy_linear(vcpu, linear, (uint8_t *)buf, len, true);
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
	symbols_elf_path(guest, elf, sizeof(elf));
	if (symbols_load(&dbg->symbols, elf, why, sizeof(why)) < 0 && dbg->step_from)
		fprintf(vcpu->vm->log, "vmm: no labels: %s\n", why);
	if (dbg->step_from && resolve_from(vcpu->vm, dbg, elf) < 0)
		return -1;
	if (dbg->step)
		return step_start(vcpu, dbg);
	return gdb_start(vcpu, dbg);
}

/*
 * Port I/O: IN (E4, E5, EC, ED), OUT (E6, E7, EE, EF), INS (6C, 6D), OUTS (6E, 6F),
 * after any prefixes (SDM vol. 2A, 2.1.1 and 2.2.1). Its length, or 0 if the code
 * is not a port I/O instruction.
 */
static size_t port_io_length(const uint8_t *code, size_t len, enum cpu_mode mode)
{
	static const uint8_t prefixes[] = {0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e,
					   0x26, 0x64, 0x65, 0x66, 0x67};
	size_t i = 0;

	while (i < len && (memchr(prefixes, code[i], sizeof(prefixes)) ||
			   (mode == MODE_LONG64 && (code[i] & 0xf0) == 0x40))) /* REX */
		i++;
	if (i == len)
		return 0;
	switch (code[i]) {
	case 0xe4:
	case 0xe5:
	case 0xe6:
	case 0xe7: /* with a port number byte */
		return i + 2;
	case 0xec:
	case 0xed:
	case 0xee:
	case 0xef:
	case 0x6c:
	case 0x6d:
	case 0x6e:
	case 0x6f:
		return i + 1;
	}
	return 0;
}

/*
 * Single-stepping, the vCPU goes on from the instruction at its PC: is a HLT
 * about to run in this step? Two KVM behaviours make this matter:
 * - A single step over HLT ends the step (KVM_EXIT_DEBUG) and halts the vCPU.
 *   On bare metal the step's #DB would wake the CPU at once; under KVM, HLT makes
 *   the CPU leave the guest and KVM does both itself, and KVMs differ in what
 *   the VMM then sees: with no in-kernel interrupt controller, KVM_RUN returns
 *   one exit, KVM_EXIT_HLT or KVM_EXIT_DEBUG; with one (KVM_CREATE_IRQCHIP),
 *   KVM_EXIT_DEBUG, and the vCPU is left halted by some KVMs, running by others.
 * - Some KVMs lose the single step of an instruction that exited to the VMM for
 *   port I/O: the step ends one instruction late, after the next one too.
 * Where the step's KVM_EXIT_DEBUG comes right after that HLT, the halt is lost;
 * debug_handle_exit() puts it back.
 */
void debug_stepping_from(struct vcpu *vcpu, const struct kvm_regs *r, const struct kvm_sregs *s)
{
	struct debugger *dbg = vcpu->debug;
	uint64_t pc = linear_pc(r, s);
	uint8_t code[16] = {0}; /* an instruction (15 bytes at most), and one byte more */
	size_t len = debug_read_linear(vcpu, pc, code, sizeof(code));
	size_t io = port_io_length(code, len, cpu_mode_of(s));

	dbg->stepping_hlt = len > 0 && (code[0] == HLT || (io > 0 && io < len && code[io] == HLT));
	dbg->hlt_at = code[0] == HLT ? pc : pc + io;
}

/* A single step that ended right after the HLT that debug_stepping_from() saw coming. */
static bool stepped_over_hlt(struct vcpu *vcpu, struct debugger *dbg)
{
	const struct kvm_debug_exit_arch *stop = &vcpu->run->debug.arch;
	bool over = dbg->stepping_hlt && (dbg->control & KVM_GUESTDBG_SINGLESTEP) &&
		    stop->exception == DB_VECTOR && (stop->dr6 & DR6_BS) &&
		    stop->pc == dbg->hlt_at + 1;

	dbg->stepping_hlt = false;
	return over;
}

/*
 * The vCPU halted in its step. KVM_SET_MP_STATE takes HALTED only where the local
 * APIC is in the kernel: there KVM keeps HLT to itself, and the vCPU sleeps in the
 * next KVM_RUN until an interrupt. Elsewhere (EINVAL) a HLT is the VMM's to
 * handle, as the KVM_EXIT_HLT that the step took the place of.
 */
static int step_end_of(struct vcpu *vcpu, struct debugger *dbg, enum step_end *end)
{
	struct kvm_mp_state halted = {.mp_state = KVM_MP_STATE_HALTED};

	*end = STEP_DONE;
	if (!stepped_over_hlt(vcpu, dbg))
		return 0;
	*end = STEP_HALTED;
	if (ioctl(vcpu->fd, KVM_SET_MP_STATE, &halted) == 0)
		return 0;
	*end = STEP_HLT_EXIT;
	if (errno == EINVAL)
		return 0;
	return vm_fail_errno(vcpu->vm, "KVM_SET_MP_STATE");
}

/* The exit the run loop would have seen: traced, and handled as the stage handles it. */
static enum after_exit hlt_exit(struct vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	if (vcpu->vm->trace)
		trace_exit(vcpu->vm->trace, vcpu);
	return vcpu_handle_exit(vcpu);
}

/* book:begin debug-exit */
/* KVM_EXIT_DEBUG: the vCPU stopped after a single step or at a breakpoint. */
enum after_exit debug_handle_exit(struct vcpu *vcpu)
{
	struct debugger *dbg = vcpu->debug;

	if (!dbg) {
		vm_fail(vcpu->vm, "unexpected exit KVM_EXIT_DEBUG (%u): this VMM never asks for it",
			KVM_EXIT_DEBUG);
		return STOP_WITH_ERROR;
	}
	enum step_end end;
	if (step_end_of(vcpu, dbg, &end) < 0)
		return STOP_WITH_ERROR;
	if (dbg->gdb)
		return end == STEP_HLT_EXIT ? hlt_exit(vcpu) : gdb_stopped(vcpu, dbg);
	if (step_after_instruction(vcpu, dbg, end) < 0)
		return STOP_WITH_ERROR;
	return end == STEP_HLT_EXIT ? hlt_exit(vcpu) : RESUME_GUEST;
}
/* book:end debug-exit */

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
