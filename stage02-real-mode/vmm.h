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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* book:begin memory-map */
/* Guest physical memory: one slot, starting at guest physical address 0. */
#define GUEST_MEM_SIZE 0x100000 /* 1 MiB: all that real mode can address */
/* Where the guest binary is loaded and starts: where a PC BIOS loads a boot sector. */
#define GUEST_LOAD_ADDR 0x7c00
#define GUEST_MAX_SIZE (GUEST_MEM_SIZE - GUEST_LOAD_ADDR)
/* The stack grows down from just below the guest. */
#define GUEST_STACK_TOP GUEST_LOAD_ADDR
/* book:end memory-map */

/* book:begin ports */
/* The guest's devices: I/O ports, each handled in run.c. */
#define PORT_CONSOLE                                                                               \
	0xe9 /* OUT: bytes to our stdout. IN: reads 0xe9, as in Bochs and QEMU,                    \
		so a guest can tell the console is there. */
#define PORT_REPORT 0x80 /* OUT: a value the guest reports (a PC's POST-code port) */
/* book:end ports */

#define RFLAGS_RESERVED_1 (1u << 1) /* RFLAGS bit 1 always reads as 1 (SDM vol. 1, 3.4.3) */

#define VMM_ERROR_MAX 512

/* book:begin structs */
struct vm {
	int kvm_fd; /* /dev/kvm: the KVM subsystem itself */
	int vm_fd; /* one virtual machine: its memory, its devices */
	uint8_t *mem; /* guest physical memory, as the VMM sees it */
	size_t mem_size;
	FILE *console; /* where PORT_CONSOLE output goes (stdout) */
	FILE *trace; /* one line per VM exit when not NULL (--trace) */
	uint64_t last_report; /* the last value written to PORT_REPORT */
	unsigned reports; /* how many values were written there */
	char error[VMM_ERROR_MAX]; /* why the last call failed, in one sentence */
};

struct vcpu {
	struct vm *vm;
	int fd; /* the vCPU: registers, KVM_RUN */
	struct kvm_run *run; /* shared with the kernel: why KVM_RUN returned */
	size_t run_size;
};
/* book:end structs */

/* What running the guest came to. */
enum run_outcome {
	RUN_HALTED, /* the guest executed HLT: it finished as intended */
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
int vcpu_set_real_mode(struct vcpu *vcpu);
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
int vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_destroy(struct vcpu *vcpu);

/* run.c */
int vcpu_run_once(struct vcpu *vcpu);
enum exit_action vcpu_handle_exit(struct vcpu *vcpu);
enum run_outcome vcpu_run(struct vcpu *vcpu);

/* diag.c */
const char *exit_reason_name(uint32_t reason);
void trace_exit(FILE *out, const struct vcpu *vcpu);
void diag_dump(struct vcpu *vcpu, FILE *out);

#endif
