/*
 * Debugging a guest: --step (every instruction, disassembled) and --gdb (GDB's
 * remote serial protocol), on arm64: the x86 stages' tools, with arm64's
 * registers, instructions, breakpoints and address translation. The stage
 * hooks them in at four places, as the x86 stages do: its options (main.c),
 * KVM_EXIT_DEBUG (run.c), struct vcpu's `debug` (vmm.h) and the --trace lines
 * (diag.c).
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

/*
 * Why the vCPU stopped: KVM_EXIT_DEBUG gives the syndrome the exception left in
 * ESR_EL2 (kvm_run's debug.arch.hsr), whose exception class (EC, bits 31:26) says
 * which debug exception it was: Arm ARM (DDI 0487), D17.2.37 "ESR_EL2", table of EC values.
 */
#define ESR_EC_BREAKPT_LOW 0x30 /* a hardware breakpoint (DBGBVR/DBGBCR), from EL1 or EL0 */
#define ESR_EC_SOFTSTP_LOW 0x32 /* a software step: one instruction done */
#define ESR_EC_BRK64 0x3c /* a BRK instruction */
#define INSN_SIZE 4 /* every A64 instruction is 4 bytes, aligned */
#define BRK_0 0xd4200000u /* BRK #0: Arm ARM, C6.2.38 "BRK" (imm16 in bits 20:5) */
#define BRK_MASK 0xffe0001fu /* any BRK #imm16: the bits outside imm16 */

/*
 * DBGBCR<n>_EL1, a hardware breakpoint's control: Arm ARM, D17.3.2. BAS (bits 8:5)
 * all ones: any A64 instruction at the address; PMC (bits 2:1) 0b11: at EL1 and
 * EL0; E (bit 0): enabled. The address goes in DBGBVR<n>_EL1.
 */
#define DBGBCR_E (1u << 0)
#define DBGBCR_PMC_EL1_EL0 (3u << 1)
#define DBGBCR_BAS_A64 (0xfu << 5)

#define SW_BREAKPOINTS_MAX 32 /* BRKs: as many as we care to keep */
#define HW_BREAKPOINTS_MAX KVM_ARM_MAX_DBG_REGS /* the most kvm_guest_debug_arch holds (16) */

/* GDB's two kinds, by the number of its packets: Z0 software, Z1 hardware. */
enum breakpoint_kind { SW_BREAKPOINT, HW_BREAKPOINT };

struct breakpoint {
	enum breakpoint_kind kind;
	uint64_t address; /* virtual, as GDB gives it */
	uint64_t physical; /* software, with BRK: where the BRK is, in guest memory */
	uint32_t saved; /* software, with BRK: the instruction the BRK replaced */
	bool in_memory; /* software: the BRK is written there */
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
	uint64_t from; /* the address --step-from named */
	struct breakpoint sw[SW_BREAKPOINTS_MAX]; /* GDB's Z0 */
	unsigned sw_count;
	struct breakpoint hw[HW_BREAKPOINTS_MAX]; /* GDB's Z1 */
	unsigned hw_count;
	unsigned hw_slots; /* how many this KVM gives: KVM_CAP_GUEST_DEBUG_HW_BPS */
	bool lifted; /* the BRK at lifted_at is out of the way for one step */
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
uint64_t current_sp(const struct kvm_regs *r);
size_t debug_read_virtual(struct vcpu *vcpu, uint64_t va, uint8_t *buf, size_t len);
size_t debug_write_virtual(struct vcpu *vcpu, uint64_t va, const uint8_t *buf, size_t len);
int debug_translate(struct vcpu *vcpu, uint64_t va, uint64_t *pa);
void debug_write_code(uint8_t *to, const void *from, size_t len);
int debug_resume(struct vcpu *vcpu, bool single_step);
bool debug_breakpoint_hit(struct vcpu *vcpu, uint64_t pc);

/* step.c: --step */
int step_start(struct vcpu *vcpu, struct debugger *dbg);
int step_after_instruction(struct vcpu *vcpu, struct debugger *dbg);
void step_finish(struct vcpu *vcpu, struct debugger *dbg, enum run_outcome outcome);
void step_free(struct debugger *dbg);
int disassemble(const uint8_t *code, size_t len, uint64_t address, char *text, size_t text_size);

/* breakpoint.c: GDB's Z0 and Z1, BRK in guest memory and the breakpoint registers */
int breakpoint_insert(struct vcpu *vcpu, enum breakpoint_kind kind, uint64_t va);
int breakpoint_remove(struct vcpu *vcpu, enum breakpoint_kind kind, uint64_t va);
void breakpoints_remove_all(struct vcpu *vcpu);
struct breakpoint *breakpoint_at(struct debugger *dbg, uint64_t va);
void breakpoints_hide(const struct debugger *dbg, uint64_t va, uint8_t *buf, size_t len);
void breakpoints_rewrite(struct vcpu *vcpu, uint64_t va, size_t len);
void breakpoint_lift(struct vcpu *vcpu, uint64_t va);
void breakpoint_put_back(struct vcpu *vcpu);

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
