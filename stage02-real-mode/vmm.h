/*
 * stage02-real-mode: a VMM that runs a real-mode guest.
 *
 * The VMM gives the guest one slot of memory at guest physical address 0,
 * loads a flat binary at GUEST_LOAD_ADDR, starts the vCPU there in real mode,
 * and runs it until it halts. The guest talks to us through port I/O.
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
#define GUEST_MEM_SIZE 0x100000 /* 1 MiB: all that real mode can address */
/* Where the guest binary is loaded and starts: where a PC BIOS loads a boot sector. */
#define GUEST_LOAD_ADDR 0x7c00
#define GUEST_MAX_SIZE (GUEST_MEM_SIZE - GUEST_LOAD_ADDR)
/* The stack grows down from just below the guest. */
#define GUEST_STACK_TOP GUEST_LOAD_ADDR
/* book:end memory-map */

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
/* CR0: SDM vol. 3A, 2.5 "Control Registers" */
#define CR0_PE (1u << 0) /* Protection Enable: clear in real mode */

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
int vcpu_set_real_mode(struct vcpu *vcpu);
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
int vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_destroy(struct vcpu *vcpu);

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
