/*
 * --step: one line per guest instruction, printed once it has completed: where
 * it was, its 4 bytes, its disassembly (Capstone's AArch64), and the registers
 * it changed. Exits between the steps appear as in --trace, before the line of
 * the instruction that made them.
 */
#include "vmm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The instruction the vCPU is about to execute, and the state before it. */
struct step_trace {
	bool pending; /* an instruction is about to run: the fields below describe it */
	struct kvm_regs regs;
	uint8_t code[INSN_SIZE];
	size_t code_len; /* bytes of code[] that guest memory had */
	uint64_t shown; /* instructions printed so far */
};

/* Appends to text (of size bytes, n used so far); returns the new n. */
static size_t append(char *text, size_t size, size_t n, const char *fmt, const char *name,
		     unsigned long long value)
{
	if (n < size)
		n += (size_t)snprintf(text + n, size - n, fmt, name, value);
	return n < size ? n : size - 1;
}

/*
 * " x0=0x1 sp=0x401ff0 nzcv=0x6": what changed from before to after. PC only
 * when the instruction went elsewhere than the next one (a branch taken, an
 * exception); PSTATE's condition flags N, Z, C, V (bits 31:28) as nzcv, the
 * rest of it as pstate.
 */
static void changes_of(char *out, size_t size, const struct kvm_regs *r0, const struct kvm_regs *r1)
{
	const uint64_t nzcv_mask = 0xf0000000u;
	size_t n = 0;
	char name[8];

	out[0] = '\0';
	for (int i = 0; i < 31; i++) {
		if (r0->regs.regs[i] == r1->regs.regs[i])
			continue;
		snprintf(name, sizeof(name), "x%d", i);
		n = append(out, size, n, " %s=0x%llx", name, r1->regs.regs[i]);
	}
	if (current_sp(r0) != current_sp(r1))
		n = append(out, size, n, " %s=0x%llx", "sp", (unsigned long long)current_sp(r1));
	if (r1->regs.pc != r0->regs.pc + INSN_SIZE)
		n = append(out, size, n, " %s=0x%llx", "pc", r1->regs.pc);
	if ((r0->regs.pstate ^ r1->regs.pstate) & nzcv_mask)
		n = append(out, size, n, " %s=0x%llx", "nzcv", (r1->regs.pstate & nzcv_mask) >> 28);
	if ((r0->regs.pstate ^ r1->regs.pstate) & ~nzcv_mask)
		append(out, size, n, " %s=0x%llx", "pstate", r1->regs.pstate);
}

/* The pending instruction's line; with `after`, the registers it changed. */
static void print_instruction(FILE *out, struct debugger *dbg, const struct kvm_regs *after)
{
	struct step_trace *t = dbg->trace;
	uint64_t pc = t->regs.regs.pc;
	char text[160], bytes[2 * INSN_SIZE + 1] = "????????", changes[512] = "";
	const char *label = symbols_at(&dbg->symbols, pc);

	if (t->code_len < INSN_SIZE || disassemble(t->code, INSN_SIZE, pc, text, sizeof(text)) == 0)
		snprintf(text, sizeof(text),
			 t->code_len < INSN_SIZE ? "(not in guest memory)" : "(bad)");
	/* The instruction as a 32-bit word, as the Arm ARM writes encodings. */
	if (t->code_len == INSN_SIZE)
		snprintf(bytes, sizeof(bytes), "%02x%02x%02x%02x", t->code[3], t->code[2],
			 t->code[1], t->code[0]);
	if (after)
		changes_of(changes, sizeof(changes), &t->regs, after);
	if (label)
		fprintf(out, "%s:\n", label);
	if (changes[0])
		fprintf(out, "%08llx  %s  %-30s%s\n", (unsigned long long)pc, bytes, text, changes);
	else
		fprintf(out, "%08llx  %s  %s\n", (unsigned long long)pc, bytes, text);
	t->shown++;
}

/* The vCPU is stopped before an instruction: keep what it is and the state before it. */
static void note_next(struct vcpu *vcpu, struct step_trace *t, const struct kvm_regs *r)
{
	t->regs = *r;
	t->code_len = debug_read_virtual(vcpu, r->regs.pc, t->code, INSN_SIZE);
	t->pending = true;
}

int step_start(struct vcpu *vcpu, struct debugger *dbg)
{
	struct kvm_regs r;

	dbg->trace = calloc(1, sizeof(*dbg->trace));
	if (!dbg->trace)
		return vm_fail(vcpu->vm, "--step: out of memory");
	if (!vcpu->vm->trace)
		vcpu->vm->trace =
		    vcpu->vm->log; /* exits between the steps, as --trace shows them */
	if (vcpu_get_regs(vcpu, &r) < 0)
		return -1;
	dbg->waiting = dbg->step_from && r.regs.pc != dbg->from;
	if (!dbg->waiting)
		note_next(vcpu, dbg->trace, &r);
	fprintf(vcpu->vm->log, "step: %s, vCPU %u\n",
		dbg->waiting ? "waiting for --step-from's address" : "every instruction",
		vcpu->index);
	return debug_set_control(vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
}

/* KVM_EXIT_DEBUG after a single step: print the instruction that just completed, note the next. */
int step_after_instruction(struct vcpu *vcpu, struct debugger *dbg)
{
	struct step_trace *t = dbg->trace;
	FILE *out = vcpu->vm->log;
	uint32_t ec = (uint32_t)(vcpu->run->debug.arch.hsr >> ESR_EC_SHIFT) & ESR_EC_MASK;
	struct kvm_regs r;

	if (ec != ESR_EC_SOFTSTP_LOW)
		return vm_fail(vcpu->vm,
			       "--step: KVM_EXIT_DEBUG with exception class 0x%x, not a software "
			       "step (0x%x)",
			       ec, ESR_EC_SOFTSTP_LOW);
	if (vcpu_get_regs(vcpu, &r) < 0)
		return -1;
	if (dbg->waiting) { /* --step-from: not there yet */
		if (r.regs.pc != dbg->from)
			return 0;
		dbg->waiting = false;
		fprintf(out, "step: reached %s\n", dbg->step_from);
		note_next(vcpu, t, &r);
		return 0;
	}
	if (!t->pending)
		return 0;
	print_instruction(out, dbg, &r);
	if (dbg->step_limit && t->shown == dbg->step_limit) {
		fprintf(out, "step: %llu instructions shown (--step=%llu); the guest runs on\n",
			(unsigned long long)t->shown, (unsigned long long)dbg->step_limit);
		t->pending = false;
		return debug_set_control(vcpu, 0);
	}
	note_next(vcpu, t, &r);
	return 0;
}

/* The run ended: the instruction it ended on never completed (PSCI's SYSTEM_OFF, a fault). */
void step_finish(struct vcpu *vcpu, struct debugger *dbg, enum run_outcome outcome)
{
	struct step_trace *t = dbg->trace;
	FILE *out = vcpu->vm->log;

	if (!t)
		return;
	if (t->pending) {
		print_instruction(out, dbg, NULL);
		fprintf(out, "step: the run ended at this instruction (%s)\n",
			outcome == RUN_FINISHED    ? "the guest finished"
			: outcome == RUN_TIMED_OUT ? "--timeout"
						   : "it did not complete");
	}
	fprintf(out, "step: %llu instructions\n", (unsigned long long)t->shown);
	step_free(dbg);
}

void step_free(struct debugger *dbg)
{
	free(dbg->trace);
	dbg->trace = NULL;
}
