/*
 * A guest under test: a VM with its vCPU at the guest's entry, the guest's
 * console output and the VMM's remarks (vm->log) kept in memory. Compiled with
 * each stage's own vmm.h.
 */
#ifndef GUEST_FIXTURE_H
#define GUEST_FIXTURE_H

#include "vmm.h"

/* Where a test keeps what the VMM writes to vm->console and vm->log. */
struct captured {
	char *output; /* the console: what the guest printed */
	size_t output_len;
	char *log; /* the VMM's remarks: unknown ports and the like */
	size_t log_len;
};

struct fixture {
	struct vm vm;
	struct vcpu vcpu;
	struct captured c;
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

/* What the guest printed, and what the VMM remarked, so far (never NULL). */
const char *output_of(struct vm *vm, struct captured *c);
const char *log_of(struct vm *vm, struct captured *c);

/* What diag_dump() says about the vCPU now; free() it. */
char *dump_of(struct vcpu *vcpu);

/* A kvm_run of the test's own making, to drive vcpu_handle_exit() with any exit. */
struct fake_exit {
	struct vm vm;
	struct vcpu vcpu;
	uint8_t page[4096];
	struct captured c;
};

struct kvm_run *fake_io(struct fake_exit *f, uint8_t direction, uint16_t port, uint8_t size,
			uint32_t count);
void fake_finish(struct fake_exit *f);

#endif
