/*
 * --step: one line per guest instruction, printed once it has completed: where
 * it was, its bytes, its disassembly (Capstone, in the mode the vCPU was in),
 * and the registers it changed. Exits between the steps appear as in --trace,
 * before the line of the instruction that made them.
 */
#include "vmm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define INSN_MAX 15 /* the longest x86 instruction: SDM vol. 2A, 2.3.11 */

/* The instruction the vCPU is about to execute, and the state before it. */
struct step_trace {
	bool pending; /* an instruction is about to run: the fields below describe it */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	enum cpu_mode mode;
	uint64_t linear;
	uint8_t code[INSN_MAX];
	size_t code_len; /* bytes of code[] that guest memory had */
	uint64_t shown; /* instructions printed so far */
};

/* A general register: its names at 16, 32 and 64 bits, and where kvm_regs keeps it. */
static const struct gpr {
	const char *name[3];
	size_t offset;
} gprs[] = {
#define GPR(n16, n32, field)                                                                       \
	{                                                                                          \
		{n16, n32, #field}, offsetof(struct kvm_regs, field)                               \
	}
    GPR("ax", "eax", rax),    GPR("bx", "ebx", rbx),          GPR("cx", "ecx", rcx),
    GPR("dx", "edx", rdx),    GPR("si", "esi", rsi),          GPR("di", "edi", rdi),
    GPR("sp", "esp", rsp),    GPR("bp", "ebp", rbp),          GPR("r8w", "r8d", r8),
    GPR("r9w", "r9d", r9),    GPR("r10w", "r10d", r10),       GPR("r11w", "r11d", r11),
    GPR("r12w", "r12d", r12), GPR("r13w", "r13d", r13),       GPR("r14w", "r14d", r14),
    GPR("r15w", "r15d", r15), GPR("flags", "eflags", rflags),
#undef GPR
};

static uint64_t gpr_value(const struct kvm_regs *r, const struct gpr *g)
{
	uint64_t value;

	memcpy(&value, (const uint8_t *)r + g->offset, sizeof(value));
	return value;
}

/* The register's name at the mode's width, or wider if the value needs it. */
static const char *gpr_name(const struct gpr *g, enum cpu_mode mode, uint64_t value)
{
	unsigned bits = cpu_mode_bits(mode);

	if (bits == 64 || value > 0xffffffffu)
		return g->name[2];
	if (bits == 32 || value > 0xffffu)
		return g->name[1];
	return g->name[0];
}

/* Appends to text (of size bytes, n used so far); returns the new n. */
static size_t append(char *text, size_t size, size_t n, const char *fmt, unsigned long long value,
		     const char *name)
{
	if (n < size)
		n += (size_t)snprintf(text + n, size - n, fmt, name, value);
	return n < size ? n : size - 1;
}

/* " rax=0x1 cs=0x8 cr0=0x11": what changed from before to after. */
static void changes_of(char *out, size_t size, enum cpu_mode mode, const struct kvm_regs *r0,
		       const struct kvm_sregs *s0, const struct kvm_regs *r1,
		       const struct kvm_sregs *s1)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++) {
		uint64_t before = gpr_value(r0, &gprs[i]), after = gpr_value(r1, &gprs[i]);
		if (before != after)
			n = append(out, size, n, " %s=0x%llx", after,
				   gpr_name(&gprs[i], mode, after));
	}
	const struct {
		const char *name;
		const struct kvm_segment *before, *after;
	} segs[] = {{"cs", &s0->cs, &s1->cs}, {"ds", &s0->ds, &s1->ds}, {"es", &s0->es, &s1->es},
		    {"fs", &s0->fs, &s1->fs}, {"gs", &s0->gs, &s1->gs}, {"ss", &s0->ss, &s1->ss}};
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		if (segs[i].before->selector != segs[i].after->selector)
			n = append(out, size, n, " %s=0x%llx", segs[i].after->selector,
				   segs[i].name);
	const struct {
		const char *name;
		uint64_t before, after;
	} ctrl[] = {{"cr0", s0->cr0, s1->cr0},
		    {"cr3", s0->cr3, s1->cr3},
		    {"cr4", s0->cr4, s1->cr4},
		    {"efer", s0->efer, s1->efer}};
	for (size_t i = 0; i < sizeof(ctrl) / sizeof(ctrl[0]); i++)
		if (ctrl[i].before != ctrl[i].after)
			n = append(out, size, n, " %s=0x%llx", ctrl[i].after, ctrl[i].name);
}

/* CS:IP in real mode, where addresses are segment * 16 + offset; else the linear address. */
static void print_address(FILE *out, const struct step_trace *t)
{
	if (t->mode == MODE_REAL)
		fprintf(out, "%04x:%04llx", t->sregs.cs.selector, (unsigned long long)t->regs.rip);
	else
		fprintf(out, "%08llx", (unsigned long long)t->linear);
}

/* book:begin step-line */
/* The pending instruction's line; with `after`, the registers it changed. */
static void print_instruction(FILE *out, struct debugger *dbg, const struct kvm_regs *after,
			      const struct kvm_sregs *after_s)
{
	struct step_trace *t = dbg->trace;
	char text[160], bytes[3 * INSN_MAX + 1] = "";
	/* Jumps read best with targets as the code names them: IP in real mode. */
	uint64_t address = t->mode == MODE_REAL ? t->regs.rip : t->linear;
	int len = disassemble(t->mode, t->code, t->code_len, address, text, sizeof(text));
	const char *label = symbols_at(&dbg->symbols, t->linear);

	char changes[512] = "";

	if (label)
		fprintf(out, "%s:\n", label);
	for (size_t i = 0, n = 0; i < (len ? (size_t)len : t->code_len) && i < INSN_MAX; i++)
		n += (size_t)snprintf(bytes + n, sizeof(bytes) - n, "%s%02x", i ? " " : "",
				      t->code[i]);
	if (after)
		changes_of(changes, sizeof(changes), t->mode, &t->regs, &t->sregs, after, after_s);
	print_address(out, t);
	if (changes[0])
		fprintf(out, "  %-20s  %-30s%s\n", bytes, text, changes);
	else
		fprintf(out, "  %-20s  %s\n", bytes, text);
	t->shown++;
}
/* book:end step-line */

/* The vCPU is stopped before an instruction: keep what it is and the state before it. */
static int note_next(struct vcpu *vcpu, struct step_trace *t, const struct kvm_regs *r,
		     const struct kvm_sregs *s)
{
	t->regs = *r;
	t->sregs = *s;
	t->mode = cpu_mode_of(s);
	t->linear = linear_pc(r, s);
	t->code_len = debug_read_linear(vcpu, t->linear, t->code, INSN_MAX);
	t->pending = true;
	debug_stepping_from(vcpu, r, s);
	return 0;
}

int step_start(struct vcpu *vcpu, struct debugger *dbg)
{
	const char *no_capstone = disasm_load();
	struct kvm_regs r;
	struct kvm_sregs s;

	dbg->trace = calloc(1, sizeof(*dbg->trace));
	if (!dbg->trace)
		return vm_fail(vcpu->vm, "--step: out of memory");
	if (!vcpu->vm->trace)
		vcpu->vm->trace =
		    vcpu->vm->log; /* exits between the steps, as --trace shows them */
	if (vcpu_get_regs(vcpu, &r) < 0 || vcpu_get_sregs(vcpu, &s) < 0)
		return -1;
	dbg->waiting = dbg->step_from && linear_pc(&r, &s) != dbg->from;
	if (dbg->waiting)
		debug_stepping_from(vcpu, &r, &s);
	else
		note_next(vcpu, dbg->trace, &r, &s);
	if (no_capstone) /* the lines go on, without their disassembly */
		fprintf(vcpu->vm->log, "step: no disassembly: %s\n", no_capstone);
	fprintf(vcpu->vm->log, "step: %s, starting in %s\n",
		dbg->waiting ? "waiting for --step-from's address" : "every instruction",
		cpu_mode_name(cpu_mode_of(&s)));
	return debug_set_control(vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
}

/* book:begin step-after */
/* The pending instruction completed, leaving the vCPU in r and s: its line, and the next. */
static int completed(struct vcpu *vcpu, struct debugger *dbg, const struct kvm_regs *r,
		     const struct kvm_sregs *s)
{
	struct step_trace *t = dbg->trace;
	FILE *out = vcpu->vm->log;
	enum cpu_mode before = t->mode;

	print_instruction(out, dbg, r, s);
	if (cpu_mode_of(s) != before)
		fprintf(out, "step: now in %s\n", cpu_mode_name(cpu_mode_of(s)));
	if (dbg->step_limit && t->shown == dbg->step_limit) {
		fprintf(out, "step: %llu instructions shown (--step=%llu); the guest runs on\n",
			(unsigned long long)t->shown, (unsigned long long)dbg->step_limit);
		t->pending = false;
		return debug_set_control(vcpu, 0);
	}
	return note_next(vcpu, t, r, s);
}

/*
 * KVM_EXIT_DEBUG after a single step: print the instruction that just completed.
 * A step that ended after a HLT (debug.c's step_end) may have run that HLT
 * unseen, after its own instruction: both lines are printed, as if each had been
 * a step. A HLT that ends the run stays pending, as when KVM_EXIT_HLT ends it.
 */
int step_after_instruction(struct vcpu *vcpu, struct debugger *dbg, enum step_end end)
{
	struct step_trace *t = dbg->trace;
	struct kvm_regs r;
	struct kvm_sregs s;

	if (vcpu_get_regs(vcpu, &r) < 0 || vcpu_get_sregs(vcpu, &s) < 0)
		return -1;
	if (dbg->waiting) { /* --step-from: not there yet */
		if (linear_pc(&r, &s) != dbg->from) {
			debug_stepping_from(vcpu, &r, &s);
			return 0;
		}
		dbg->waiting = false;
		fprintf(vcpu->vm->log, "step: reached %s\n", dbg->step_from);
		return note_next(vcpu, t, &r, &s);
	}
	if (end != STEP_DONE && t->linear != dbg->hlt_at) {
		struct kvm_regs at_hlt = r; /* HLT changed nothing else: SDM vol. 2A, HLT */
		at_hlt.rip--;
		if (completed(vcpu, dbg, &at_hlt, &s) < 0)
			return -1;
	}
	if (end == STEP_HLT_EXIT || !t->pending)
		return 0;
	return completed(vcpu, dbg, &r, &s);
}
/* book:end step-after */

/* The run ended: the instruction it ended on never completed (HLT, an exit, a fault). */
void step_finish(struct vcpu *vcpu, struct debugger *dbg, enum run_outcome outcome)
{
	struct step_trace *t = dbg->trace;
	FILE *out = vcpu->vm->log;

	if (!t)
		return;
	if (t->pending) {
		print_instruction(out, dbg, NULL, NULL);
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
