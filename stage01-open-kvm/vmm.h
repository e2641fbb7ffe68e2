/*
 * stage01-open-kvm: the KVM API with no guest yet.
 *
 * Opens /dev/kvm, asks what it can do, creates a VM and a vCPU, maps the
 * vCPU's kvm_run, reads the vCPU's reset state, and tries KVM_RUN on a VM
 * that has no memory at all.
 */
#ifndef VMM_H
#define VMM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VMM_ERROR_MAX 512

/* book:begin structs */
struct vm {
	int kvm_fd; /* /dev/kvm: the KVM subsystem itself */
	int vm_fd; /* one virtual machine: its memory, its devices */
	char error[VMM_ERROR_MAX]; /* why the last call failed, in one sentence */
};

struct vcpu {
	struct vm *vm;
	int fd; /* the vCPU: registers, KVM_RUN */
	struct kvm_run *run; /* shared with the kernel: why KVM_RUN returned */
	size_t run_size;
};
/* book:end structs */

/* A capability this book relies on, and the chapter that needs it. */
struct capability {
	long id;
	const char *name;
	const char *used_for;
};
extern const struct capability book_capabilities[];

/* kvm.c */
int kvm_open(struct vm *vm, const char *path);
int kvm_check_api_version(struct vm *vm, int version);
int kvm_capability(struct vm *vm, long capability);

/* vm.c */
void vm_init(struct vm *vm);
int vm_create(struct vm *vm);
void vm_destroy(struct vm *vm);
int vm_fail(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vm_fail_errno(struct vm *vm, const char *what);

/* vcpu.c */
int vcpu_create(struct vm *vm, struct vcpu *vcpu);
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
int vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_destroy(struct vcpu *vcpu);

/* run.c */
int vcpu_run_once(struct vcpu *vcpu);

/* diag.c */
const char *exit_reason_name(uint32_t reason);

#endif
