/*
 * stage04-long-mode: a VMM that runs a 64-bit long-mode guest.
 *
 * The VMM gives the guest one slot of memory at guest physical address 0,
 * loads a flat binary at GUEST_LOAD_ADDR, starts the vCPU there in 64-bit long
 * mode (with a GDT and four-level page tables it writes into guest memory; or
 * in protected mode, for a guest that switches by itself), and runs it until
 * it halts. The guest talks to us through port I/O.
 */
#ifndef VMM_H
#define VMM_H

#include <linux/kvm.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* book:begin memory-map */
/* Guest physical memory: one slot, starting at guest physical address 0. */
#define GUEST_MEM_SIZE 0x200000 /* 2 MiB: what one 2 MiB page maps */
/* Where the guest binary is loaded and starts: where a PC BIOS loads a boot sector. */
#define GUEST_LOAD_ADDR 0x7c00
#define GUEST_MAX_SIZE (GUEST_MEM_SIZE - GUEST_LOAD_ADDR)
/* The stack grows down from just below the guest. */
#define GUEST_STACK_TOP GUEST_LOAD_ADDR
/*
 * What the VMM itself puts in guest memory, all of it below the stack: a guest
 * is loaded above GUEST_LOAD_ADDR, so no guest can be loaded over these.
 */
#define GDT_ADDR 0x0800 /* the GDT: GDT_ENTRIES descriptors of 8 bytes */
#define PML4_ADDR 0x1000 /* 4-level paging: the PML4 table (CR3) */
#define PDPT_ADDR 0x2000 /* 4-level paging: the page-directory-pointer table */
#define PD_ADDR 0x3000 /* 4-level paging: the page directory, 2 MiB pages */
#define VMM_AREA_END 0x4000 /* the stack may grow down to here: 15 KiB */
/* book:end memory-map */

_Static_assert(GDT_ADDR >= 0x500 && VMM_AREA_END <= GUEST_STACK_TOP,
	       "the VMM's structures lie between the real-mode IVT/BIOS data and the stack");

/* book:begin tss */
/*
 * KVM_SET_TSS_ADDR: on an Intel processor without "unrestricted guest", KVM runs
 * real-mode code in virtual-8086 mode, which needs a task-state segment of its own:
 * three pages of guest physical address space that KVM fills itself. They lie
 * below 4 GiB, away from RAM and every device: here, where QEMU puts them.
 */
#define TSS_ADDR 0xfffbd000
/* book:end tss */

/* book:begin ports */
/* The guest's devices: I/O ports, each handled in devices.c. */
/* OUT: bytes to our stdout. IN: reads 0xe9, as in Bochs and QEMU, so a guest can tell
   the console is there. */
#define PORT_CONSOLE 0xe9
#define PORT_REPORT 0x80 /* OUT: a value the guest reports (a PC's POST-code port) */
/* book:end ports */

#define RFLAGS_RESERVED_1 (1u << 1) /* RFLAGS bit 1 always reads as 1 (SDM vol. 1, 3.4.3) */

/* book:begin bits */
/*
 * Architectural bits, named and placed as in the Intel SDM, vol. 3A. Sections are
 * cited by number and title: the numbers move between editions of the SDM (paging
 * is chapter 4 in most, 5 in the newest), the titles do not.
 */
/* CR0: SDM vol. 3A, 2.5 "Control Registers" */
#define CR0_PE (1u << 0) /* Protection Enable: clear in real mode */
#define CR0_ET (1u << 4) /* Extension Type: reserved, hard-wired to 1 (P6 and later) */
#define CR0_PG (1u << 31) /* Paging: translate linear addresses through CR3's tables */
/* CR4: 2.5 "Control Registers" */
#define CR4_PAE (1u << 5) /* Physical Address Extension: 64-bit table entries */

/* The EFER MSR (0xc0000080): 2.2.1 "Extended Feature Enable Register" */
#define EFER_LME (1u << 8) /* Long Mode Enable: paging turned on will be 4-level */
#define EFER_LMA (1u << 10) /* Long Mode Active: set by the CPU when PG goes on with LME */

/* A segment descriptor: 3.4.5 "Segment Descriptors", Figure 3-8 (a 64-bit entry) */
#define DESC_TYPE_SHIFT 40 /* bits 43:40: the type, SEG_TYPE_* below */
#define DESC_S (1ull << 44) /* S: 1 = code or data segment, 0 = system */
#define DESC_DPL_SHIFT 45 /* bits 46:45: descriptor privilege level */
#define DESC_P (1ull << 47) /* P: present */
#define DESC_AVL (1ull << 52) /* AVL: free for system software */
#define DESC_L (1ull << 53) /* L: 64-bit code segment */
#define DESC_DB (1ull << 54) /* D/B: 1 = 32-bit operands, addresses and stack */
#define DESC_G (1ull << 55) /* G: the limit counts 4 KiB units, not bytes */

/* Its type field: 3.4.5.1 "Code- and Data-Segment Descriptor Types", Table 3-1 */
#define SEG_TYPE_ACCESSED 0x1 /* A: the CPU sets it when it loads the segment */
#define SEG_TYPE_WRITE 0x2 /* data segment: writable */
#define SEG_TYPE_READ 0x2 /* code segment: readable */
#define SEG_TYPE_CODE 0x8 /* executable: a code segment, else a data segment */

/* Paging-structure entries, 8 bytes each: 4.5 "4-Level Paging and 5-Level Paging" */
#define PTE_PRESENT (1u << 0) /* P: the entry maps a page (or a page table) */
#define PTE_WRITE (1u << 1) /* R/W: writes allowed */
#define PTE_ACCESSED (1u << 5) /* A: set by the CPU when it uses the entry (4.8) */
#define PTE_DIRTY (1u << 6) /* D: set by the CPU when it writes the page (4.8) */
#define PDE_PS (1u << 7) /* PS, in a page-directory entry: it maps a 2 MiB page itself */
/* book:end bits */

#define PAGE_SIZE 4096
/* The large page of 4-level paging: what a page-directory entry with PDE_PS maps */
#define PAGE_SIZE_2M 0x200000
_Static_assert(GUEST_MEM_SIZE % PAGE_SIZE_2M == 0, "2 MiB pages map guest RAM exactly");

/* book:begin gdt-layout */
/* The GDT the VMM writes at GDT_ADDR: which descriptor is where. */
enum gdt_index {
	GDT_NULL, /* entry 0 is never used: selector 0 means "no segment" */
	GDT_CODE32, /* flat 32-bit code: base 0, limit 4 GiB */
	GDT_DATA, /* flat data: base 0, limit 4 GiB */
	GDT_CODE64, /* 64-bit code: base and limit ignored */
	GDT_ENTRIES
};
/* A selector names a descriptor: its index * 8, with TI = 0 (the GDT) and RPL = 0 (3.4.2). */
#define SELECTOR(index) ((index)*8)
/* book:end gdt-layout */

#define VMM_ERROR_MAX 512
#define MMIO_REPORTED_MAX 16 /* unknown MMIO addresses reported one by one, then no more */

/* book:begin stats */
#define STATS_REASONS 64 /* exit reasons counted one by one; larger ones share the last */

/* What --stats prints: where the time went. Collected only when vcpu->stats is set. */
struct run_stats {
	uint64_t exits[STATS_REASONS]; /* how many exits of each reason */
	uint64_t in_kvm_run_ns; /* time inside KVM_RUN: the guest, and KVM's own work */
	uint64_t total_ns; /* the whole of vcpu_run() */
};
/* book:end stats */

/* book:begin structs */
struct vm {
	int kvm_fd; /* /dev/kvm: the KVM subsystem itself */
	int vm_fd; /* one virtual machine: its memory, its devices */
	uint8_t *mem; /* guest physical memory, as the VMM sees it */
	size_t mem_size;
	FILE *console; /* where PORT_CONSOLE output goes (stdout) */
	FILE *trace; /* one line per VM exit when not NULL (--trace) */
	FILE *log; /* the VMM's own remarks, e.g. unknown ports (stderr) */
	uint64_t last_report; /* the last value written to PORT_REPORT */
	unsigned reports; /* how many values were written there */
	uint8_t port_reported[65536 / 8]; /* one bit per unknown port, once reported */
	uint64_t mmio_reported[MMIO_REPORTED_MAX]; /* unknown MMIO addresses, once reported */
	unsigned mmio_reports;
	char error[VMM_ERROR_MAX]; /* why the last call failed, in one sentence */
};

struct vcpu {
	struct vm *vm;
	int fd; /* the vCPU: registers, KVM_RUN */
	struct kvm_run *run; /* shared with the kernel: why KVM_RUN returned */
	size_t run_size;
	struct run_stats *stats; /* counts and times exits when not NULL (--stats) */
	double timeout; /* seconds, when a timer was set (--timeout) */
	timer_t timer; /* that timer: it signals this vCPU's thread */
	volatile sig_atomic_t timed_out; /* set by the timer's signal handler */
	struct debugger *debug; /* --step, --gdb: debug.h (NULL: not debugging) */
};
/* book:end structs */

/* What running the guest came to. */
enum run_outcome {
	RUN_FINISHED, /* the guest finished: it executed HLT */
	RUN_TIMED_OUT, /* it was still running after vcpu->timeout seconds */
	RUN_GUEST_ERROR, /* the guest did something the VMM cannot go on from */
	RUN_HOST_ERROR, /* a system call failed */
};

/* What to do after handling one exit. */
enum after_exit {
	RESUME_GUEST, /* handled: enter the guest again */
	GUEST_FINISHED, /* the guest has finished */
	STOP_WITH_ERROR, /* stop: vm->error says why */
};

/* kvm.c */
int kvm_open(struct vm *vm, const char *path);
int kvm_check_api_version(struct vm *vm, int version);
int kvm_capability(struct vm *vm, long capability);
struct kvm_cpuid2 *kvm_supported_cpuid(struct vm *vm);

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
int vcpu_set_protected_mode(struct vcpu *vcpu);
int vcpu_set_long_mode(struct vcpu *vcpu);
int vcpu_set_cpuid(struct vcpu *vcpu);
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
int vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_destroy(struct vcpu *vcpu);

/* gdt.c */
uint64_t segment_descriptor(const struct kvm_segment *seg);
int gdt_write(struct vm *vm);
int gdt_load_flat(struct vm *vm, struct kvm_sregs *sregs, enum gdt_index code);

/* paging.c */
int paging64_build(struct vm *vm);

/* devices.c */
enum after_exit port_out(struct vm *vm, uint16_t port, const uint8_t *data, unsigned size,
			 unsigned count);
enum after_exit port_in(struct vm *vm, uint16_t port, uint8_t *data, unsigned size, unsigned count);
enum after_exit mmio_access(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len,
			    bool is_write);

/* run.c */
int vcpu_run_once(struct vcpu *vcpu);
enum after_exit vcpu_handle_exit(struct vcpu *vcpu);
enum run_outcome vcpu_run(struct vcpu *vcpu);
int vcpu_set_timeout(struct vcpu *vcpu, double seconds);

/* diag.c */
const char *exit_reason_name(uint32_t reason);
void trace_exit(FILE *out, const struct vcpu *vcpu);
void diag_dump(struct vcpu *vcpu, FILE *out);
void stats_print(FILE *out, const struct run_stats *stats);

#include "debug.h" /* --step and --gdb, the same in every x86 stage */

#endif
