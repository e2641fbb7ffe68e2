/*
 * A guest under test: a VM with its vCPU at the guest's entry and the guest's
 * console output kept in memory. Compiled with each stage's own vmm.h.
 */
#ifndef GUEST_FIXTURE_H
#define GUEST_FIXTURE_H

#include "vmm.h"

struct fixture {
	struct vm vm;
	struct vcpu vcpu;
	char *output; /* what the guest printed, NUL-terminated after run_to_end() */
	size_t output_len;
};

/* Sets up the vCPU's entry state (real mode, protected mode, ...). */
typedef int (*entry_setup)(struct vcpu *vcpu);

void start_guest(struct fixture *f, const char *guest, entry_setup setup);
enum run_outcome run_to_end(struct fixture *f);
struct kvm_regs regs_of(struct fixture *f);
#ifdef __x86_64__
/* x86 only: arm64 has no special registers, only system registers read one by one. */
struct kvm_sregs sregs_of(struct fixture *f);
#endif
void finish(struct fixture *f);

/* A kvm_run of the test's own making, to drive vcpu_handle_exit() with any exit. */
struct fake_exit {
	struct vm vm;
	struct vcpu vcpu;
	uint8_t page[4096];
	char *output;
	size_t output_len;
};

struct kvm_run *fake_io(struct fake_exit *f, uint8_t direction, uint16_t port, uint8_t size,
			uint32_t count);
void fake_finish(struct fake_exit *f);

#endif
