/* Diagnostics: what an exit was, and the state of the vCPU when it happened. */
#include "vmm.h"

#include <stdbool.h>
#include <sys/ioctl.h>

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
#undef NAME

const char *exit_reason_name(uint32_t reason)
{
	if (reason < sizeof(exit_names) / sizeof(exit_names[0]) && exit_names[reason])
		return exit_names[reason];
	return "an exit reason unknown to these headers";
}

/* book:begin trace */
/*
 * One line per exit: the vCPU, the exit's name and, for port I/O and MMIO, what
 * went where. The line is written with the stream locked, so that the lines of
 * vCPUs on other threads come before or after it, never inside it.
 */
void trace_exit(FILE *out, const struct vcpu *vcpu)
{
	const struct kvm_run *run = vcpu->run;

	if (run->exit_reason == KVM_EXIT_DEBUG && vcpu->debug)
		return; /* a step or a breakpoint: --step says it its own way */
	flockfile(out);
	fprintf(out, "vCPU %u: exit %s", vcpu->index, exit_reason_name(run->exit_reason));
	if (run->exit_reason == KVM_EXIT_IO) {
		uint32_t first = 0;

		/* Only bytes inside kvm_run: the offset is checked before any pointer is made. */
		for (unsigned i = 0; i < run->io.size && i < sizeof(first) &&
				     run->io.data_offset < vcpu->run_size &&
				     i < vcpu->run_size - run->io.data_offset;
		     i++)
			first |= (uint32_t)((const uint8_t *)run)[run->io.data_offset + i]
				 << (8 * i);
		fprintf(out, " %s port=0x%x size=%u count=%u",
			run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
			run->io.size, run->io.count);
		/* For IN the value is not known yet: we have not answered. */
		if (run->io.direction == KVM_EXIT_IO_OUT)
			fprintf(out, " value=0x%x", first);
	} else if (run->exit_reason == KVM_EXIT_MMIO) {
		fprintf(out, " %s addr=0x%llx len=%u", run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
	}
	fputc('\n', out);
	funlockfile(out);
}
/* book:end trace */

static void dump_segment(FILE *out, const char *name, const struct kvm_segment *seg)
{
	fprintf(out, "  %s selector=0x%04x base=0x%08llx limit=0x%08x", name, seg->selector,
		(unsigned long long)seg->base, seg->limit);
	fprintf(out, " type=0x%x dpl=%u db=%u l=%u g=%u\n", seg->type, seg->dpl, seg->db, seg->l,
		seg->g);
}

/* The bytes at the guest's instruction pointer, if that address is in guest memory. */
static void dump_code(struct vcpu *vcpu, FILE *out, uint64_t linear)
{
	struct kvm_translation tr = {.linear_address = linear};
	uint64_t gpa = linear;

	/* KVM_TRANSLATE walks the guest's page tables for us (none yet in real mode). */
	if (ioctl(vcpu->fd, KVM_TRANSLATE, &tr) == 0 && tr.valid)
		gpa = tr.physical_address;
	const uint8_t *code = guest_ptr(vcpu->vm, gpa, 16);
	if (!code) {
		fprintf(out, "  code at 0x%llx: outside guest memory\n", (unsigned long long)gpa);
		return;
	}
	fprintf(out, "  code at 0x%llx:", (unsigned long long)gpa);
	for (int i = 0; i < 16; i++)
		fprintf(out, " %02x", code[i]);
	fputc('\n', out);
}

/* book:begin init-state */
/*
 * After a shutdown, KVM on AMD (SVM) puts the vCPU through INIT: what we read
 * back then is the INIT state (CS:IP = 0xf000:0xfff0, CR0.PE clear: SDM vol. 3A,
 * "Processor State After Reset" gives both the power-up and the INIT values), not
 * the state at the fault. KVM on Intel (VT-x) keeps the state of the fault.
 */
static bool looks_like_init(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	return r->rip == 0xfff0 && s->cs.selector == 0xf000 && s->cs.base == 0xffff0000 &&
	       !(s->cr0 & CR0_PE);
}
/* book:end init-state */

/* book:begin diag-dump */
void diag_dump(struct vcpu *vcpu, FILE *out)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (vcpu->run)
		fprintf(out, "vCPU state at %s:\n", exit_reason_name(vcpu->run->exit_reason));
	if (vcpu_get_regs(vcpu, &r) < 0 || vcpu_get_sregs(vcpu, &s) < 0) {
		fprintf(out, "  (cannot read the registers: %s)\n", vcpu->vm->error);
		return;
	}
	fprintf(out, "  rip=0x%016llx rsp=0x%016llx rflags=0x%08llx\n", (unsigned long long)r.rip,
		(unsigned long long)r.rsp, (unsigned long long)r.rflags);
	fprintf(out, "  rax=0x%016llx rbx=0x%016llx rcx=0x%016llx rdx=0x%016llx\n",
		(unsigned long long)r.rax, (unsigned long long)r.rbx, (unsigned long long)r.rcx,
		(unsigned long long)r.rdx);
	fprintf(out, "  rsi=0x%016llx rdi=0x%016llx rbp=0x%016llx\n", (unsigned long long)r.rsi,
		(unsigned long long)r.rdi, (unsigned long long)r.rbp);
	fprintf(out, "  r8 =0x%016llx r9 =0x%016llx r10=0x%016llx r11=0x%016llx\n",
		(unsigned long long)r.r8, (unsigned long long)r.r9, (unsigned long long)r.r10,
		(unsigned long long)r.r11);
	fprintf(out, "  r12=0x%016llx r13=0x%016llx r14=0x%016llx r15=0x%016llx\n",
		(unsigned long long)r.r12, (unsigned long long)r.r13, (unsigned long long)r.r14,
		(unsigned long long)r.r15);
	dump_segment(out, "cs", &s.cs);
	dump_segment(out, "ds", &s.ds);
	dump_segment(out, "ss", &s.ss);
	fprintf(out, "  cr0=0x%08llx cr2=0x%08llx cr3=0x%08llx cr4=0x%08llx efer=0x%llx\n",
		(unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3,
		(unsigned long long)s.cr4, (unsigned long long)s.efer);
	if (vcpu->run && vcpu->run->exit_reason == KVM_EXIT_SHUTDOWN && looks_like_init(&r, &s))
		fprintf(out, "  (these are the vCPU's INIT values, not its state at the fault: KVM "
			     "on AMD SVM puts\n   the vCPU through INIT at a shutdown; on Intel "
			     "VT-x it keeps the state, CR2 included)\n");
	dump_code(vcpu, out, s.cs.base + r.rip);
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
