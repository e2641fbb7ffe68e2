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

#define BREAKPOINTS_MAX 32

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
	uint64_t breakpoints[BREAKPOINTS_MAX]; /* linear addresses (gdb's Z0 and Z1) */
	unsigned breakpoint_count;
	bool hw_breakpoints; /* KVM stops at debug-register breakpoints (probed) */
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
bool debug_at_breakpoint(const struct debugger *dbg, uint64_t linear);
int debug_resume(struct vcpu *vcpu, bool single_step);

/* step.c: --step */
int step_start(struct vcpu *vcpu, struct debugger *dbg);
int step_after_instruction(struct vcpu *vcpu, struct debugger *dbg);
void step_finish(struct vcpu *vcpu, struct debugger *dbg, enum run_outcome outcome);
void step_free(struct debugger *dbg);
int disassemble(enum cpu_mode mode, const uint8_t *code, size_t len, uint64_t address, char *text,
		size_t text_size);

/* symbols.c: the guest's labels */
int symbols_load(struct symbols *syms, const char *elf_path, char *error, size_t error_size);
void symbols_elf_path(const char *guest, char *path, size_t size);
bool symbols_find(const struct symbols *syms, const char *name, uint64_t *value);
const char *symbols_at(const struct symbols *syms, uint64_t value);

/* gdbstub.c: --gdb */
int gdb_start(struct vcpu *vcpu, struct debugger *dbg);
enum after_exit gdb_stopped(struct vcpu *vcpu, struct debugger *dbg);
void gdb_finish(struct vcpu *vcpu, struct debugger *dbg, enum run_outcome outcome);

#endif
