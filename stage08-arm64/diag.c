/* Diagnostics: what an exit was, and the state of the vCPU when it happened. */
#include "vmm.h"

#include <stdbool.h>

#define NAME(x) [x] = #x
static const char *const exit_names[] = {
    NAME(KVM_EXIT_UNKNOWN),
    NAME(KVM_EXIT_EXCEPTION),
    NAME(KVM_EXIT_IO),
    NAME(KVM_EXIT_HYPERCALL),
    NAME(KVM_EXIT_DEBUG),
    NAME(KVM_EXIT_HLT),
    NAME(KVM_EXIT_MMIO),
    NAME(KVM_EXIT_IRQ_WINDOW_OPEN),
    NAME(KVM_EXIT_SHUTDOWN),
    NAME(KVM_EXIT_FAIL_ENTRY),
    NAME(KVM_EXIT_INTR),
    NAME(KVM_EXIT_SET_TPR),
    NAME(KVM_EXIT_TPR_ACCESS),
    NAME(KVM_EXIT_S390_SIEIC),
    NAME(KVM_EXIT_S390_RESET),
    NAME(KVM_EXIT_DCR),
    NAME(KVM_EXIT_NMI),
    NAME(KVM_EXIT_INTERNAL_ERROR),
    NAME(KVM_EXIT_OSI),
    NAME(KVM_EXIT_PAPR_HCALL),
    NAME(KVM_EXIT_S390_UCONTROL),
    NAME(KVM_EXIT_WATCHDOG),
    NAME(KVM_EXIT_S390_TSCH),
    NAME(KVM_EXIT_EPR),
    NAME(KVM_EXIT_SYSTEM_EVENT),
    NAME(KVM_EXIT_S390_STSI),
    NAME(KVM_EXIT_IOAPIC_EOI),
    NAME(KVM_EXIT_HYPERV),
    NAME(KVM_EXIT_ARM_NISV),
    NAME(KVM_EXIT_X86_RDMSR),
    NAME(KVM_EXIT_X86_WRMSR),
    NAME(KVM_EXIT_DIRTY_RING_FULL),
    NAME(KVM_EXIT_AP_RESET_HOLD),
    NAME(KVM_EXIT_X86_BUS_LOCK),
    NAME(KVM_EXIT_XEN),
    NAME(KVM_EXIT_RISCV_SBI),
    NAME(KVM_EXIT_RISCV_CSR),
    NAME(KVM_EXIT_NOTIFY),
};

static const char *const system_event_names[] = {
    NAME(KVM_SYSTEM_EVENT_SHUTDOWN), NAME(KVM_SYSTEM_EVENT_RESET),
    NAME(KVM_SYSTEM_EVENT_CRASH),    NAME(KVM_SYSTEM_EVENT_WAKEUP),
    NAME(KVM_SYSTEM_EVENT_SUSPEND),  NAME(KVM_SYSTEM_EVENT_SEV_TERM),
};
#undef NAME

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

const char *exit_reason_name(uint32_t reason)
{
	if (reason < COUNT(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "an exit reason unknown to these headers";
}

const char *system_event_name(uint32_t type)
{
	if (type < COUNT(system_event_names) && system_event_names[type])
		return system_event_names[type];
	return "a system event unknown to these headers";
}

/* book:begin trace */
/*
 * One line per exit: the vCPU, the exit's name and, for MMIO, what went where;
 * for a system event, which. The line is written with the stream locked, so
 * that the lines of vCPUs on other threads come before or after it, never inside it.
 */
void trace_exit(FILE *out, const struct vcpu *vcpu)
{
	const struct kvm_run *run = vcpu->run;

	if (run->exit_reason == KVM_EXIT_DEBUG && vcpu->debug)
		return; /* a step or a breakpoint: --step says it its own way */
	flockfile(out);
	fprintf(out, "vCPU %u: exit %s", vcpu->index, exit_reason_name(run->exit_reason));
	if (run->exit_reason == KVM_EXIT_MMIO) {
		uint64_t value = 0;

		/* Only the bytes of kvm_run's data: the length is the kernel's word, not checked
		 * yet. */
		for (unsigned i = 0; i < run->mmio.len && i < sizeof(run->mmio.data); i++)
			value |= (uint64_t)run->mmio.data[i] << (8 * i);
		fprintf(out, " %s addr=0x%llx len=%u", run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
		/* For a read the value is not known yet: we have not answered. */
		if (run->mmio.is_write)
			fprintf(out, " value=0x%llx", (unsigned long long)value);
	} else if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT) {
		fprintf(out, " %s", system_event_name(run->system_event.type));
	}
	fputc('\n', out);
	funlockfile(out);
}
/* book:end trace */

/* ESR_EL1's exception class (Arm ARM, "ESR_EL1", EC field): the common ones. */
static const char *exception_class_name(unsigned ec)
{
	switch (ec) {
	case ESR_EC_UNKNOWN:
		return "unknown reason, e.g. an undefined instruction";
	case 0x01:
		return "WFI or WFE";
	case 0x15:
		return "SVC";
	case 0x16:
		return "HVC";
	case 0x18:
		return "MSR, MRS or system instruction";
	case ESR_EC_IABT_LOW:
		return "instruction abort from EL0";
	case ESR_EC_IABT_CUR:
		return "instruction abort at EL1";
	case 0x22:
		return "PC alignment fault";
	case ESR_EC_DABT_LOW:
		return "data abort from EL0";
	case ESR_EC_DABT_CUR:
		return "data abort at EL1";
	case 0x26:
		return "SP alignment fault";
	case 0x3c:
		return "BRK";
	}
	return "see the Arm ARM";
}

/* For an abort, its fault status code (ISS bits 5:0, IFSC or DFSC): the common ones. */
static const char *fault_status_name(unsigned fsc)
{
	static const char *const by_kind[] = {"address size fault", "translation fault",
					      "access flag fault", "permission fault"};

	if (fsc < 0x10) /* 0b00KKLL: kind KK at translation table level LL */
		return by_kind[fsc >> 2];
	if (fsc == 0x10)
		return "synchronous external abort";
	if (fsc == 0x21)
		return "alignment fault";
	return "see the Arm ARM";
}

static void explain_esr(FILE *out, uint64_t esr)
{
	unsigned ec = (esr >> ESR_EC_SHIFT) & ESR_EC_MASK;

	fprintf(out, " (EC 0x%02x: %s", ec, exception_class_name(ec));
	if (ec == ESR_EC_IABT_LOW || ec == ESR_EC_IABT_CUR || ec == ESR_EC_DABT_LOW ||
	    ec == ESR_EC_DABT_CUR)
		fprintf(out, ", %s", fault_status_name(esr & ESR_FSC_MASK));
	fputc(')', out);
}

/* One system register; false when it could not be read or was never written. */
static bool dump_sysreg(struct vcpu *vcpu, FILE *out, const char *name, uint64_t id,
			uint64_t *value)
{
	*value = 0;
	if (vcpu_get_reg(vcpu, id, value) < 0) {
		fprintf(out, " %s=(unreadable)", name);
		return false;
	}
	if (*value == KVM_UNKNOWN_VALUE) {
		fprintf(out, " %s=UNKNOWN", name); /* not written since reset */
		return false;
	}
	fprintf(out, " %s=0x%llx", name, (unsigned long long)*value);
	return true;
}

/* The instructions at the guest's PC, if that address is in guest RAM (the MMU is off). */
static void dump_code(struct vcpu *vcpu, FILE *out, uint64_t pc)
{
	const uint8_t *code = guest_ptr(vcpu->vm, pc, 16);

	if (!code) {
		fprintf(out, "  code at 0x%llx: outside guest RAM\n", (unsigned long long)pc);
		return;
	}
	fprintf(out, "  code at 0x%llx:", (unsigned long long)pc);
	for (int i = 0; i < 16; i += 4) /* A64 instructions: 4 bytes, little-endian */
		fprintf(out, " %02x%02x%02x%02x", code[i + 3], code[i + 2], code[i + 1], code[i]);
	fputc('\n', out);
}

/* book:begin vector-loop */
/*
 * An exception with no vector table: the vCPU jumps to VBAR_EL1 + 0x200 (0x200
 * after reset), where there is no RAM. KVM turns that failed fetch into an
 * instruction abort for the guest, which goes to the same vector: the guest
 * loops there without ever exiting to us, and each turn overwrites ESR_EL1,
 * FAR_EL1 and ELR_EL1 with the fetch's own abort. Say so, or nobody would guess.
 */
static void explain_vector_loop(FILE *out, uint64_t pc, uint64_t vbar)
{
	if (pc != vbar + VECTOR_SYNC_EL1H || pc - GUEST_MEM_BASE < GUEST_MEM_SIZE)
		return;
	fprintf(
	    out,
	    "  pc is VBAR_EL1 + 0x%x, the vector for an exception taken at EL1, and there is no\n"
	    "  RAM there: the guest took an exception with no vector table. Fetching the vector\n"
	    "  faults too, and KVM gives that fault back to the guest, at the same vector, with\n"
	    "  no exit to the VMM. The registers above show that loop; the first exception's\n"
	    "  ESR, FAR and ELR are lost.\n",
	    VECTOR_SYNC_EL1H);
}
/* book:end vector-loop */

/* book:begin diag-dump */
void diag_dump(struct vcpu *vcpu, FILE *out)
{
	struct kvm_regs r;
	uint64_t esr, far, sctlr, vbar;

	if (vcpu->timed_out)
		fprintf(out, "vCPU state when the timeout stopped it:\n");
	else if (vcpu->run)
		fprintf(out, "vCPU state at %s:\n", exit_reason_name(vcpu->run->exit_reason));
	if (vcpu_get_regs(vcpu, &r) < 0) {
		fprintf(out, "  (cannot read the registers: %s)\n", vcpu->vm->error);
		return;
	}
	/* PSTATE.M[3:2] is the exception level, M[0] the stack: 1 SP_ELx ("h"), 0 SP_EL0 ("t"). */
	fprintf(out, "  pc=0x%016llx sp_el1=0x%016llx pstate=0x%08llx (EL%llu%s%s)\n",
		(unsigned long long)r.regs.pc, (unsigned long long)r.sp_el1,
		(unsigned long long)r.regs.pstate, (unsigned long long)(r.regs.pstate >> 2) & 3,
		r.regs.pstate & 1 ? "h" : "t",
		(r.regs.pstate & PSTATE_DAIF) == PSTATE_DAIF ? ", DAIF masked" : "");
	for (int n = 0; n < 8; n += 4)
		fprintf(out, "  x%d=0x%016llx x%d=0x%016llx x%d=0x%016llx x%d=0x%016llx\n", n,
			(unsigned long long)r.regs.regs[n], n + 1,
			(unsigned long long)r.regs.regs[n + 1], n + 2,
			(unsigned long long)r.regs.regs[n + 2], n + 3,
			(unsigned long long)r.regs.regs[n + 3]);
	fputc(' ', out);
	if (dump_sysreg(vcpu, out, "esr_el1", REG_ESR_EL1, &esr))
		explain_esr(out, esr);
	else
		fprintf(out, " (no exception since reset)");
	fputs("\n ", out);
	dump_sysreg(vcpu, out, "far_el1", REG_FAR_EL1, &far);
	fprintf(out, " elr_el1=0x%llx", (unsigned long long)r.elr_el1);
	dump_sysreg(vcpu, out, "sctlr_el1", REG_SCTLR_EL1, &sctlr);
	dump_sysreg(vcpu, out, "vbar_el1", REG_VBAR_EL1, &vbar);
	fputc('\n', out);
	dump_code(vcpu, out, r.regs.pc);
	explain_vector_loop(out, r.regs.pc, vbar);
}
/* book:end diag-dump */

/* book:begin stats-print */
/* --stats: how many exits of each reason, and where the time went. */
void stats_print(FILE *out, const struct run_stats *stats)
{
	uint64_t total = 0;
	double seconds = (double)stats->total_ns / 1e9;
	double in_kvm = (double)stats->in_kvm_run_ns / 1e9;

	for (unsigned i = 0; i < STATS_REASONS; i++)
		total += stats->exits[i];
	fprintf(out, "exits: %llu\n", (unsigned long long)total);
	for (unsigned i = 0; i < STATS_REASONS; i++)
		if (stats->exits[i])
			fprintf(out, "  %-24s %llu\n", exit_reason_name(i),
				(unsigned long long)stats->exits[i]);
	if (seconds <= 0)
		return;
	fprintf(out, "time: %.6f s, of which inside KVM_RUN %.6f s (%.1f%%), in the VMM %.6f s\n",
		seconds, in_kvm, 100 * in_kvm / seconds, seconds - in_kvm);
	if (total)
		fprintf(out, "per exit: %.2f us round trip, %.2f us of it in the VMM\n",
			1e6 * seconds / (double)total, 1e6 * (seconds - in_kvm) / (double)total);
}
/* book:end stats-print */
