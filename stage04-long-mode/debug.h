/*
 * Debugging a guest: --step (every instruction, disassembled) and --gdb (GDB's
 * remote serial protocol). The same files in every x86 stage from stage02 on; a
 * stage hooks them in at four places: its options (main.c), KVM_EXIT_DEBUG
 * (run.c), struct vcpu's `debug` (vmm.h) and the --trace lines (diag.c).
 *
 * Both work the same way underneath: KVM_SET_GUEST_DEBUG asks KVM to stop the
 * vCPU (KVM_EXIT_DEBUG) after every instruction, or at a breakpoint, and the
 * VMM reads and writes the registers and memory of the stopped guest.
 *
 * vmm.h includes this file at its end: the run loop's enums are known here.
 */
#ifndef DEBUG_H
#define DEBUG_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vcpu;
struct gdb_session;
struct step_trace;

/* The execution modes a vCPU can be in, as the instruction decoder needs to know. */
enum cpu_mode {
	MODE_REAL, /* CR0.PE clear: 16-bit code, addresses are segment * 16 + offset */
	MODE_PROTECTED16, /* CR0.PE set, CS.D clear */
	MODE_PROTECTED32, /* CR0.PE set, CS.D set */
	MODE_COMPAT16, /* EFER.LMA set, CS.L clear, CS.D clear */
	MODE_COMPAT32, /* EFER.LMA set, CS.L clear, CS.D set */
	MODE_LONG64, /* EFER.LMA set, CS.L set: 64-bit code */
};

#define SYMBOL_NAME_MAX 64
#define SYMBOLS_MAX 512

/* The guest's labels, from the ELF file beside its flat binary (GUEST.elf for GUEST.bin). */
struct symbols {
	unsigned count;
	struct symbol {
		uint64_t value;
		char name[SYMBOL_NAME_MAX];
	} list[SYMBOLS_MAX];
};

/* Exceptions that stop a debugged vCPU: SDM vol. 3A, 6.3.1, table 6-1. */
#define DB_VECTOR 1 /* #DB: a single step, or a debug-register breakpoint */
#define BP_VECTOR 3 /* #BP: what int3 raises */
#define INT3 0xcc /* the one-byte breakpoint instruction (SDM vol. 2A, INT3) */
#define HLT 0xf4 /* SDM vol. 2A, HLT: with no in-kernel interrupt controller, KVM_EXIT_HLT */
#define DR6_BS (1ull << 14) /* the #DB came from a single step: SDM vol. 3B, 18.2.3 */

/* DR7: SDM vol. 3B, 18.2.4 "Debug Control Register (DR7)". Each breakpoint's R/W
   (bits 16 + 4n) and LEN (bits 18 + 4n) stay 00: on execution, one byte, the only
   length an instruction breakpoint may have. */
#define DR7_GLOBAL_ENABLE(n) (1ull << (2 * (n) + 1)) /* G0-G3: breakpoint n is on */
#define DR7_FIXED_1 (1ull << 10) /* reserved, reads as 1 */

/* book:begin breakpoint */
#define SW_BREAKPOINTS_MAX 32 /* int3s: as many as we care to keep */
#define HW_BREAKPOINTS_MAX 4 /* DR0-DR3: the CPU has four address registers */

/* GDB's two kinds, by the number of its packets: Z0 software, Z1 hardware. */
enum breakpoint_kind { SW_BREAKPOINT, HW_BREAKPOINT };

struct breakpoint {
	enum breakpoint_kind kind;
	uint64_t address; /* linear, as GDB gives it */
	uint64_t physical; /* software, with int3: where the int3 is, in guest memory */
	uint8_t saved; /* software, with int3: the byte the int3 replaced */
	bool in_memory; /* software: the int3 is written there */
};
/* book:end breakpoint */

/* What the KVM at hand was seen to do (breakpoint.c probes it on a VM of its own). */
enum kvm_stops {
	STOPS_UNKNOWN, /* not probed */
	STOPS_NOT, /* it does not: the VMM single-steps to the breakpoint instead */
	STOPS_YES, /* KVM_EXIT_DEBUG at the breakpoint's address */
};

/* Where a single step ended (debug.c tells step.c). */
enum step_end {
	STEP_DONE, /* after an instruction, as any step */
	STEP_HALTED, /* after a HLT, and KVM keeps the vCPU halted until an interrupt */
	STEP_HLT_EXIT, /* after a HLT that is the VMM's to handle: KVM_EXIT_HLT */
};

/* What the debugger does, from the command line, and its state while the guest runs. */
struct debugger {
	bool step; /* --step: print every instruction */
	uint64_t step_limit; /* --step=N: only the first N instructions (0: all of them) */
	const char *step_from; /* --step-from=SYMBOL|ADDRESS: from there on */
	const char *gdb; /* --gdb[=PORT|stdio]: "stdio", or a TCP port as text */

	/* While the guest runs. */
	uint32_t control; /* the KVM_GUESTDBG_* flags given to KVM last */
	bool waiting; /* stepping without a word until the guest reaches `from` */
	uint64_t from; /* the linear address --step-from named */
	struct breakpoint sw[SW_BREAKPOINTS_MAX]; /* GDB's Z0 */
	unsigned sw_count;
	struct breakpoint hw[HW_BREAKPOINTS_MAX]; /* GDB's Z1: DR0-DR3 */
	unsigned hw_count;
	enum kvm_stops stops_at_int3; /* with KVM_GUESTDBG_USE_SW_BP */
	enum kvm_stops stops_at_dr; /* with KVM_GUESTDBG_USE_HW_BP */
	bool said_stepping[2]; /* "reached by single-stepping", said once per kind */
	bool stepping_hlt; /* the next single step may run the HLT at hlt_at */
	uint64_t hlt_at;
	bool lifted; /* the int3 at lifted_at is out of the way for one step */
	uint64_t lifted_at;
	struct symbols symbols;
	struct step_trace *trace; /* step.c's state (--step) */
	struct gdb_session *session; /* gdbstub.c's state (--gdb) */
	char message[256]; /* an option's problem, said by debug_parse_option() */
};

/* debug.c: the options, and what the stage's hooks call. */
bool debug_is_option(const char *arg);
int debug_parse_option(const char *arg, struct debugger *dbg);
void debug_usage(FILE *out);
int debug_start(struct vcpu *vcpu, struct debugger *dbg, const char *guest);
enum after_exit debug_handle_exit(struct vcpu *vcpu);
enum run_outcome debug_finish(struct vcpu *vcpu, enum run_outcome outcome);

/* debug.c: the stopped vCPU, for step.c and gdbstub.c. */
int debug_set_control(struct vcpu *vcpu, uint32_t control);
enum cpu_mode cpu_mode_of(const struct kvm_sregs *s);
unsigned cpu_mode_bits(enum cpu_mode mode);
const char *cpu_mode_name(enum cpu_mode mode);
uint64_t linear_pc(const struct kvm_regs *r, const struct kvm_sregs *s);
size_t debug_read_linear(struct vcpu *vcpu, uint64_t linear, uint8_t *buf, size_t len);
size_t debug_write_linear(struct vcpu *vcpu, uint64_t linear, const uint8_t *buf, size_t len);
int debug_resume(struct vcpu *vcpu, bool single_step);
void debug_stepping_from(struct vcpu *vcpu, const struct kvm_regs *r, const struct kvm_sregs *s);
bool debug_breakpoint_hit(struct vcpu *vcpu, uint64_t linear);

/* step.c: --step */
int step_start(struct vcpu *vcpu, struct debugger *dbg);
int step_after_instruction(struct vcpu *vcpu, struct debugger *dbg, enum step_end end);
void step_finish(struct vcpu *vcpu, struct debugger *dbg, enum run_outcome outcome);
void step_free(struct debugger *dbg);
/* disasm.c: Capstone, loaded when --step first needs it; NULL when it is there, else why not */
const char *disasm_load(void);
int disassemble(enum cpu_mode mode, const uint8_t *code, size_t len, uint64_t address, char *text,
		size_t text_size);

/* breakpoint.c: GDB's Z0 and Z1, int3 in guest memory and the debug registers */
int breakpoint_insert(struct vcpu *vcpu, enum breakpoint_kind kind, uint64_t linear);
int breakpoint_remove(struct vcpu *vcpu, enum breakpoint_kind kind, uint64_t linear);
void breakpoints_remove_all(struct vcpu *vcpu);
struct breakpoint *breakpoint_at(struct debugger *dbg, uint64_t linear);
bool breakpoint_steps(const struct debugger *dbg);
void breakpoints_hide(const struct debugger *dbg, uint64_t linear, uint8_t *buf, size_t len);
void breakpoints_rewrite(struct vcpu *vcpu, uint64_t linear, size_t len);
void breakpoint_lift(struct vcpu *vcpu, uint64_t linear);
void breakpoint_put_back(struct vcpu *vcpu);
void breakpoints_probe(struct vm *vm, struct debugger *dbg);

/* symbols.c: the guest's labels */
int symbols_load(struct symbols *syms, const char *elf_path, char *error, size_t error_size);
void symbols_elf_path(const char *guest, char *path, size_t size);
bool symbols_find(const struct symbols *syms, const char *name, uint64_t *value);
const char *symbols_at(const struct symbols *syms, uint64_t value);

/* gdbstub.c: --gdb */
int gdb_start(struct vcpu *vcpu, struct debugger *dbg);
enum after_exit gdb_stopped(struct vcpu *vcpu, struct debugger *dbg);
void gdb_finish(struct vcpu *vcpu, struct debugger *dbg, enum run_outcome outcome);
const char *gdb_answer(struct vcpu *vcpu, struct debugger *dbg, const char *packet);

#endif
