/* The run loop: enter the guest, see why it came back, handle that, go again. */
#include "vmm.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

/* book:begin run-once */
/* Runs the guest until its next exit; vcpu->run->exit_reason says why it stopped. */
int vcpu_run_once(struct vcpu *vcpu)
{
	while (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
		/* A signal arrived while the guest ran: nothing happened to the guest, go again. */
		if (errno == EINTR || errno == EAGAIN)
			continue;
		return vm_fail_errno(vcpu->vm, "KVM_RUN");
	}
	return 0;
}
/* book:end run-once */

/* book:begin port-out */
static enum exit_action port_out(struct vm *vm, uint16_t port, const uint8_t *data, unsigned size,
				 unsigned count)
{
	switch (port) {
	case PORT_CONSOLE:
		fwrite(data, size, count, vm->console);
		fflush(vm->console);
		return EXIT_CONTINUE;
	case PORT_REPORT:
		for (unsigned i = 0; i < count; i++) {
			uint32_t value = 0;
			memcpy(&value, data + i * size,
			       size); /* x86 is little-endian, like the host */
			vm->last_report = value;
			vm->reports++;
			fprintf(vm->console, "guest reported %u (0x%x)\n", value, value);
		}
		fflush(vm->console);
		return EXIT_CONTINUE;
	}
	vm_fail(vm, "the guest wrote to I/O port 0x%x, which this VMM does not have", port);
	return EXIT_FAILED;
}
/* book:end port-out */

static enum exit_action port_in(struct vm *vm, uint16_t port, uint8_t *data, unsigned size,
				unsigned count)
{
	if (port == PORT_CONSOLE) {
		memset(data, PORT_CONSOLE, (size_t)size * count);
		return EXIT_CONTINUE;
	}
	vm_fail(vm, "the guest read from I/O port 0x%x, which this VMM does not have", port);
	return EXIT_FAILED;
}

/* book:begin handle-io */
/*
 * A port I/O exit. The data is not in the exit record itself: it lies in the
 * kvm_run mapping at io.data_offset, count items of size bytes each (count > 1
 * for string instructions such as rep outsb). For OUT, KVM has put the guest's
 * bytes there; for IN, we put the bytes there and KVM gives them to the guest
 * on the next KVM_RUN.
 */
static enum exit_action handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;

	if (run->io.size != 1 && run->io.size != 2 && run->io.size != 4) {
		vm_fail(vcpu->vm, "KVM_EXIT_IO: size %u is not a port access size", run->io.size);
		return EXIT_FAILED;
	}

	if (run->io.data_offset > vcpu->run_size || bytes > vcpu->run_size - run->io.data_offset) {
		vm_fail(vcpu->vm,
			"KVM_EXIT_IO: data at offset %llu (%llu bytes) lies outside kvm_run",
			(unsigned long long)run->io.data_offset, (unsigned long long)bytes);
		return EXIT_FAILED;
	}
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	if (run->io.direction == KVM_EXIT_IO_OUT)
		return port_out(vcpu->vm, run->io.port, data, run->io.size, run->io.count);
	return port_in(vcpu->vm, run->io.port, data, run->io.size, run->io.count);
}
/* book:end handle-io */

/* book:begin run-loop */
enum exit_action vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(vcpu);
	case KVM_EXIT_HLT:
		return EXIT_DONE;
	case KVM_EXIT_SHUTDOWN:
		vm_fail(vcpu->vm,
			"the guest shut down (KVM_EXIT_SHUTDOWN): a triple fault, an "
			"exception the CPU could not deliver, such as a page fault with "
			"no IDT; for a page fault, CR2 is the address it could not reach");
		return EXIT_FAILED;
	}
	vm_fail(vcpu->vm, "unexpected exit %s (%u)", exit_reason_name(run->exit_reason),
		run->exit_reason);
	return EXIT_FAILED;
}

enum run_outcome vcpu_run(struct vcpu *vcpu)
{
	for (;;) {
		if (vcpu_run_once(vcpu) < 0)
			return RUN_HOST_ERROR;
		if (vcpu->vm->trace)
			trace_exit(vcpu->vm->trace, vcpu);
		switch (vcpu_handle_exit(vcpu)) {
		case EXIT_CONTINUE:
			continue;
		case EXIT_DONE:
			return RUN_HALTED;
		case EXIT_FAILED:
			return RUN_GUEST_ERROR;
		}
	}
}
/* book:end run-loop */
