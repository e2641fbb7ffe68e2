/*
 * stage08-arm64: the same VMM, on arm64.
 *
 * The VMM gives the guest one slot of memory at GUEST_MEM_BASE, loads a flat
 * binary there, starts the vCPU at its first byte in EL1 (the kernel's
 * exception level) with interrupts masked, and runs it until it powers off
 * with a PSCI call. arm64 has no I/O ports: the guest talks to us through
 * memory-mapped devices, a PL011 UART and a report register, and every access
 * to them is a KVM_EXIT_MMIO.
 *
 * Builds for aarch64 only: struct kvm_regs and the register ids are arm64's.
 */
#ifndef VMM_H
#define VMM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pl011.h"

#ifndef __aarch64__
#error "stage08-arm64 builds for aarch64: on x86, make uses aarch64-linux-gnu-gcc"
#endif

/* book:begin memory-map */
/*
 * The guest's physical address space. x86 has RAM at 0 by history; arm64 has
 * no such history, and each board draws its own map. A real board's CPU starts
 * in boot ROM or flash at address 0, with devices in the low addresses, and its
 * RAM comes above them: here at 1 GiB, as on QEMU's "virt" board (Arm's own
 * reference boards start it at 2 GiB). Anything not listed below is nothing: an
 * access there is an MMIO exit that no device claims.
 */
#define GUEST_MEM_BASE 0x40000000 /* RAM starts at 1 GiB: below it, room for devices */
#define GUEST_MEM_SIZE 0x200000 /* 2 MiB of RAM: plenty for these guests */
#define GUEST_LOAD_ADDR GUEST_MEM_BASE /* the guest's first byte, where the vCPU starts */
#define GUEST_MAX_SIZE (GUEST_MEM_SIZE - (GUEST_LOAD_ADDR - GUEST_MEM_BASE))
/* SP_EL1 starts at the top of RAM and the stack grows down (16-byte aligned, as AAPCS64 asks). */
#define GUEST_STACK_TOP (GUEST_MEM_BASE + GUEST_MEM_SIZE)

#define PL011_BASE 0x09000000 /* the UART, where QEMU's virt board has its PL011 */
#define PL011_SIZE 0x1000 /* one 4 KiB page of registers */
#define REPORT_ADDR 0x09010000 /* this VMM's report register: a guest writes a value there */
#define REPORT_SIZE 8 /*   (the analogue of port 0x80 in the x86 chapters) */
/* book:end memory-map */

_Static_assert(PL011_BASE + PL011_SIZE <= REPORT_ADDR &&
		   REPORT_ADDR + REPORT_SIZE <= GUEST_MEM_BASE,
	       "the devices do not overlap each other or RAM");
_Static_assert(GUEST_STACK_TOP % 16 == 0, "SP must be 16-byte aligned when it is used");

/* book:begin psci */
/*
 * PSCI, the Power State Coordination Interface (Arm DEN 0022): the calls an OS
 * makes to firmware, here KVM, through "hvc #0" with the function id in w0.
 * KVM answers most of them itself, with no exit to us; the two that end the
 * machine come to us as KVM_EXIT_SYSTEM_EVENT.
 */
#define PSCI_FN_VERSION 0x84000000 /* returns the version: major << 16 | minor */
#define PSCI_FN_SYSTEM_OFF 0x84000008 /* power the machine off: the guest is done */
#define PSCI_FN_SYSTEM_RESET 0x84000009 /* restart the machine */
/* book:end psci */

/* book:begin pstate */
/*
 * PSTATE, the processor state, as the vCPU starts (the layout of SPSR_EL1 in
 * the Arm ARM, "Process state, PSTATE"). M[3:0] says the exception level and
 * which stack pointer is in use; D, A, I, F mask the four kinds of exception.
 */
#define PSTATE_M_EL1H (0x5u) /* M[3:0] = 0b0101: EL1, using SP_EL1 ("EL1h") */
#define PSTATE_F (1u << 6) /* FIQ masked */
#define PSTATE_I (1u << 7) /* IRQ masked */
#define PSTATE_A (1u << 8) /* SError (asynchronous abort) masked */
#define PSTATE_D (1u << 9) /* debug exceptions masked */
#define PSTATE_DAIF (PSTATE_D | PSTATE_A | PSTATE_I | PSTATE_F)
/* book:end pstate */

/* book:begin reg-ids */
/*
 * KVM_GET_ONE_REG and KVM_SET_ONE_REG name a register with a 64-bit id put
 * together from fields (Documentation/virt/kvm/api.rst, "KVM_SET_ONE_REG"):
 *   KVM_REG_ARM64     bits 63-56: the architecture, arm64
 *   KVM_REG_SIZE_U64  bits 55-52: the size, log2 of its bytes: 3, 8 bytes
 *   KVM_REG_ARM_CORE  bits 31-16: the group: core registers, laid out as struct kvm_regs
 *   the offset        bits 15-0:  where the register is in struct kvm_regs, counted in
 *                                 32-bit words (not bytes)
 */
#define CORE_REG(field)                                                                            \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                                     \
	 offsetof(struct kvm_regs, field) / sizeof(uint32_t))
#define REG_PC CORE_REG(regs.pc)
#define REG_PSTATE CORE_REG(regs.pstate)
#define REG_SP_EL0 CORE_REG(regs.sp) /* struct kvm_regs's "sp" is SP_EL0 */
#define REG_SP_EL1 CORE_REG(sp_el1) /* the stack pointer of EL1h */
#define REG_ELR_EL1 CORE_REG(elr_el1) /* where an exception taken to EL1 came from */
/* x0-x30 are consecutive 64-bit words: two 32-bit steps each. */
#define REG_X(n) (CORE_REG(regs.regs[0]) + (n) * (sizeof(uint64_t) / sizeof(uint32_t)))

/*
 * System registers take another group, KVM_REG_ARM64_SYSREG, and their
 * encoding in MRS/MSR instructions (op0, op1, CRn, CRm, op2) as the offset.
 */
#define SYS_REG(op0, op1, crn, crm, op2)                                                           \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG |                                 \
	 ((uint64_t)(op0) << KVM_REG_ARM64_SYSREG_OP0_SHIFT) |                                     \
	 ((uint64_t)(op1) << KVM_REG_ARM64_SYSREG_OP1_SHIFT) |                                     \
	 ((uint64_t)(crn) << KVM_REG_ARM64_SYSREG_CRN_SHIFT) |                                     \
	 ((uint64_t)(crm) << KVM_REG_ARM64_SYSREG_CRM_SHIFT) |                                     \
	 ((uint64_t)(op2) << KVM_REG_ARM64_SYSREG_OP2_SHIFT))
#define REG_SCTLR_EL1 SYS_REG(3, 0, 1, 0, 0) /* system control: MMU, caches, alignment */
#define REG_ESR_EL1 SYS_REG(3, 0, 5, 2, 0) /* exception syndrome: why the last exception */
#define REG_FAR_EL1 SYS_REG(3, 0, 6, 0, 0) /* fault address of the last abort */
#define REG_VBAR_EL1 SYS_REG(3, 0, 12, 0, 0) /* vector base: where exceptions go */
/* book:end reg-ids */

/* ESR_EL1: the exception class, bits 31:26, and for aborts the fault status, bits 5:0. */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3fu
#define ESR_EC_UNKNOWN 0x00 /* unknown reason: an undefined instruction, for one */
#define ESR_EC_IABT_LOW 0x20 /* instruction abort from a lower exception level */
#define ESR_EC_IABT_CUR 0x21 /* instruction abort without a change of level */
#define ESR_EC_DABT_LOW 0x24 /* data abort from a lower exception level */
#define ESR_EC_DABT_CUR 0x25 /* data abort without a change of level */
#define ESR_FSC_MASK 0x3fu
/*
 * What KVM puts in a system register the architecture leaves UNKNOWN at
 * reset (ESR_EL1 and FAR_EL1 among them): a value easy to recognise.
 */
#define KVM_UNKNOWN_VALUE 0x1de7ec7edbadc0deull
/* VBAR_EL1 + this: the vector for a synchronous exception from EL1 using SP_EL1. */
#define VECTOR_SYNC_EL1H 0x200

#define VMM_ERROR_MAX 512
#define UNKNOWN_MMIO_MAX 16 /* unknown addresses reported once each; more are counted only */

/* book:begin structs */
struct vm {
	int kvm_fd; /* /dev/kvm: the KVM subsystem itself */
	int vm_fd; /* one virtual machine: its memory, its devices */
	uint8_t *mem; /* guest physical memory from GUEST_MEM_BASE, as the VMM sees it */
	size_t mem_size;
	FILE *console; /* where the UART's output goes (stdout) */
	FILE *trace; /* one line per VM exit when not NULL (--trace) */
	FILE *log; /* the VMM's remarks while the guest runs (stderr) */
	int input_fd; /* the UART's input (stdin), or -1 for none */
	bool input_ended; /* input_fd reached its end */
	struct pl011 uart; /* the PL011 at PL011_BASE */
	uint64_t last_report; /* the last value written to REPORT_ADDR */
	unsigned reports; /* how many values were written there */
	uint64_t
	    unknown_mmio[UNKNOWN_MMIO_MAX]; /* addresses no device claims, each reported once */
	unsigned unknown_mmio_count; /* how many accesses went there, in all */
	unsigned timeout; /* seconds the guest may run without finishing; 0: forever */
	char error[VMM_ERROR_MAX]; /* why the last call failed, in one sentence */
};

struct vcpu {
	struct vm *vm;
	int fd; /* the vCPU: registers, KVM_RUN */
	struct kvm_run *run; /* shared with the kernel: why KVM_RUN returned */
	size_t run_size;
	bool timed_out; /* the run was stopped by vm->timeout */
};
/* book:end structs */

/* What running the guest came to. */
enum run_outcome {
	RUN_POWERED_OFF, /* PSCI SYSTEM_OFF: the guest finished as intended (x86: HLT) */
	RUN_RESET, /* PSCI SYSTEM_RESET: the guest asked for a restart; we stop instead */
	RUN_GUEST_ERROR, /* the guest did something this VMM does not handle */
	RUN_HOST_ERROR, /* an ioctl failed */
};

/* What handling one exit decided. */
enum exit_action {
	EXIT_CONTINUE, /* handled: run the guest again */
	EXIT_DONE, /* the guest finished */
	EXIT_FAILED, /* stop: vm->error says why */
};

/* kvm.c */
int kvm_open(struct vm *vm, const char *path);
int kvm_check_api_version(struct vm *vm, int version);
int kvm_capability(struct vm *vm, long capability);

/* vm.c */
void vm_init(struct vm *vm);
int vm_create(struct vm *vm);
int vm_load_guest(struct vm *vm, const char *path);
void *guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len);
void vm_destroy(struct vm *vm);
int vm_fail(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vm_fail_errno(struct vm *vm, const char *what);

/* vcpu.c */
int vcpu_create(struct vm *vm, struct vcpu *vcpu);
int vcpu_set_el1h(struct vcpu *vcpu);
int vcpu_get_reg(struct vcpu *vcpu, uint64_t id, uint64_t *value);
int vcpu_set_reg(struct vcpu *vcpu, uint64_t id, uint64_t value);
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
void vcpu_destroy(struct vcpu *vcpu);

/* run.c */
int vcpu_run_once(struct vcpu *vcpu);
enum exit_action vcpu_handle_exit(struct vcpu *vcpu);
enum run_outcome vcpu_run(struct vcpu *vcpu);

/* diag.c */
const char *exit_reason_name(uint32_t reason);
const char *system_event_name(uint32_t type);
void trace_exit(FILE *out, const struct vcpu *vcpu);
void diag_dump(struct vcpu *vcpu, FILE *out);

#endif
