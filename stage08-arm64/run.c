/* The run loop: enter the guest, see why it came back, handle that, go again. */
#include "vmm.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* book:begin watchdog */
/*
 * A guest that never exits keeps KVM_RUN busy forever: nothing comes back to
 * us. The watchdog is an alarm signal; its handler sets kvm_run's
 * immediate_exit, so KVM_RUN returns EINTR whether the signal came while the
 * guest ran or just before we entered it (then KVM_RUN sees the flag and
 * returns at once: no window in which the alarm could be lost).
 */
static struct kvm_run *volatile watchdog_run;

static void watchdog_expired(int signal)
{
	(void)signal;
	if (watchdog_run)
		watchdog_run->immediate_exit = 1;
}

static void watchdog_start(struct vcpu *vcpu, struct sigaction *old)
{
	struct sigaction action = {.sa_handler = watchdog_expired}; /* no SA_RESTART */

	watchdog_run = vcpu->run;
	sigaction(SIGALRM, &action, old);
	alarm(vcpu->vm->timeout);
}

static void watchdog_stop(const struct sigaction *old)
{
	alarm(0);
	sigaction(SIGALRM, old, NULL);
	watchdog_run = NULL;
}
/* book:end watchdog */

/* book:begin run-once */
/* Runs the guest until its next exit; vcpu->run->exit_reason says why it stopped. */
int vcpu_run_once(struct vcpu *vcpu)
{
	while (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
		if (errno == EINTR && vcpu->run->immediate_exit) {
			vcpu->run->immediate_exit = 0;
			vcpu->timed_out = true;
			return vm_fail(vcpu->vm,
				       "the guest ran for %u s without finishing: stopped "
				       "(--timeout)",
				       vcpu->vm->timeout);
		}
		/* A signal arrived while the guest ran: nothing happened to the guest, go again. */
		if (errno == EINTR || errno == EAGAIN)
			continue;
		if (errno == ENOSYS)
			return vm_fail(vcpu->vm,
				       "KVM_RUN: %s: the guest accessed an address outside RAM "
				       "with an instruction KVM cannot decode (and this kernel "
				       "cannot report it as KVM_EXIT_ARM_NISV)",
				       strerror(errno));
		return vm_fail_errno(vcpu->vm, "KVM_RUN");
	}
	return 0;
}
/* book:end run-once */

/* MMIO data travels in kvm_run as the bytes of the access: little-endian, as the guest is. */
static uint64_t mmio_value(const uint8_t *data, uint32_t len)
{
	uint64_t value = 0;

	for (uint32_t i = 0; i < len; i++)
		value |= (uint64_t)data[i] << (8 * i);
	return value;
}

static void mmio_set_value(uint8_t *data, uint32_t len, uint64_t value)
{
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(value >> (8 * i));
}

/* Whether [addr, addr + len) lies within [base, base + size), without overflow. */
static bool within(uint64_t addr, uint32_t len, uint64_t base, uint64_t size)
{
	return addr >= base && addr - base <= size && len <= size - (addr - base);
}

/* book:begin unknown-mmio */
/* Whether addr has been reported before; remembers it if not (and if there is room). */
static bool already_reported(struct vm *vm, uint64_t addr)
{
	unsigned known =
	    vm->unknown_mmio_count < UNKNOWN_MMIO_MAX ? vm->unknown_mmio_count : UNKNOWN_MMIO_MAX;

	for (unsigned i = 0; i < known; i++)
		if (vm->unknown_mmio[i] == addr)
			return true;
	if (known < UNKNOWN_MMIO_MAX)
		vm->unknown_mmio[known] = addr;
	return known == UNKNOWN_MMIO_MAX; /* the list is full: stay quiet */
}

/*
 * An access no device claims. A real bus would answer with an error or with
 * nothing; we read 0, ignore writes, and say so once per address, so that a
 * guest polling a missing device does not flood the terminal.
 */
static enum exit_action unknown_mmio(struct vm *vm, struct kvm_run *run, const char *what)
{
	bool quiet = already_reported(vm, run->mmio.phys_addr);

	vm->unknown_mmio_count++;
	if (!run->mmio.is_write)
		mmio_set_value(run->mmio.data, run->mmio.len, 0);
	if (quiet)
		return EXIT_CONTINUE;
	if (run->mmio.is_write)
		fprintf(
		    vm->log, "vmm: the guest wrote %u bytes (0x%llx) at 0x%08llx: %s: ignored\n",
		    run->mmio.len, (unsigned long long)mmio_value(run->mmio.data, run->mmio.len),
		    (unsigned long long)run->mmio.phys_addr, what);
	else
		fprintf(vm->log, "vmm: the guest read %u bytes at 0x%08llx: %s: it reads 0\n",
			run->mmio.len, (unsigned long long)run->mmio.phys_addr, what);
	fflush(vm->log);
	return EXIT_CONTINUE;
}
/* book:end unknown-mmio */

/* book:begin uart-input */
/*
 * Host input reaches the UART only when the guest looks at the UART: before
 * each of its accesses, we move what input is waiting (without blocking) into
 * the receive FIFO, as far as there is room.
 */
static void uart_take_input(struct vm *vm)
{
	struct pollfd input = {.fd = vm->input_fd, .events = POLLIN};
	uint8_t byte;

	while (vm->input_fd >= 0 && !vm->input_ended && pl011_rx_has_room(&vm->uart) &&
	       poll(&input, 1, 0) > 0) {
		ssize_t n = read(vm->input_fd, &byte, 1);
		if (n <= 0) {
			vm->input_ended = true; /* end of input, or an error: no more either way */
			return;
		}
		pl011_receive(&vm->uart, byte);
	}
}
/* book:end uart-input */

/* book:begin uart-mmio */
/* The PL011's registers are 32 bits wide: an access must start at one and stay within it. */
static enum exit_action uart_mmio(struct vm *vm, struct kvm_run *run)
{
	uint32_t offset = (uint32_t)(run->mmio.phys_addr - PL011_BASE);
	uint32_t value = 0;

	if (offset % 4 != 0 || run->mmio.len > 4)
		return unknown_mmio(vm, run, "not a whole PL011 register");
	uart_take_input(vm);
	if (run->mmio.is_write) {
		value = (uint32_t)mmio_value(run->mmio.data, run->mmio.len);
		if (!pl011_write(&vm->uart, offset, value))
			return unknown_mmio(vm, run, "no writable PL011 register there");
		return EXIT_CONTINUE;
	}
	if (!pl011_read(&vm->uart, offset, &value))
		return unknown_mmio(vm, run, "no PL011 register there");
	mmio_set_value(run->mmio.data, run->mmio.len, value);
	return EXIT_CONTINUE;
}
/* book:end uart-mmio */

/* The report register: a value written there is printed and remembered; it reads back. */
static enum exit_action report_mmio(struct vm *vm, struct kvm_run *run)
{
	if (run->mmio.phys_addr != REPORT_ADDR)
		return unknown_mmio(vm, run, "not the start of the report register");
	if (!run->mmio.is_write) {
		mmio_set_value(run->mmio.data, run->mmio.len, vm->last_report);
		return EXIT_CONTINUE;
	}
	vm->last_report = mmio_value(run->mmio.data, run->mmio.len);
	vm->reports++;
	fprintf(vm->console, "guest reported %llu (0x%llx)\n", (unsigned long long)vm->last_report,
		(unsigned long long)vm->last_report);
	fflush(vm->console);
	return EXIT_CONTINUE;
}

/* book:begin handle-mmio */
/*
 * An MMIO exit: the guest loaded or stored at a guest physical address that no
 * memory slot backs. KVM decoded the instruction for us: the address, the
 * size (1, 2, 4 or 8 bytes), the direction, and for a store its data, all in
 * run->mmio. For a load we put the bytes in run->mmio.data, and KVM writes
 * them to the guest's register when we call KVM_RUN again.
 */
static enum exit_action handle_mmio(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct kvm_run *run = vcpu->run;
	uint64_t addr = run->mmio.phys_addr;

	if (run->mmio.len < 1 || run->mmio.len > sizeof(run->mmio.data)) {
		vm_fail(vm, "KVM_EXIT_MMIO: length %u is not 1 to %zu bytes", run->mmio.len,
			sizeof(run->mmio.data));
		return EXIT_FAILED;
	}
	if (within(addr, run->mmio.len, PL011_BASE, PL011_SIZE))
		return uart_mmio(vm, run);
	if (within(addr, run->mmio.len, REPORT_ADDR, REPORT_SIZE))
		return report_mmio(vm, run);
	return unknown_mmio(vm, run, "no device there");
}
/* book:end handle-mmio */

/* book:begin system-event */
/* PSCI SYSTEM_OFF or SYSTEM_RESET: the guest is done with this machine. */
static enum exit_action handle_system_event(struct vcpu *vcpu)
{
	uint32_t type = vcpu->run->system_event.type;

	if (type == KVM_SYSTEM_EVENT_SHUTDOWN || type == KVM_SYSTEM_EVENT_RESET)
		return EXIT_DONE;
	vm_fail(vcpu->vm, "KVM_EXIT_SYSTEM_EVENT %s (%u): not a power-off or a reset",
		system_event_name(type), type);
	return EXIT_FAILED;
}
/* book:end system-event */

static enum exit_action handle_nisv(struct vcpu *vcpu)
{
	vm_fail(vcpu->vm,
		"the guest accessed 0x%08llx, outside RAM, with an instruction KVM cannot decode "
		"for us (KVM_EXIT_ARM_NISV, ESR ISS 0x%llx): a load or store pair, or one with "
		"writeback? Devices need plain ldr/str",
		(unsigned long long)vcpu->run->arm_nisv.fault_ipa,
		(unsigned long long)vcpu->run->arm_nisv.esr_iss);
	return EXIT_FAILED;
}

/* book:begin run-loop */
enum exit_action vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		return handle_mmio(vcpu);
	case KVM_EXIT_SYSTEM_EVENT:
		return handle_system_event(vcpu);
	case KVM_EXIT_ARM_NISV:
		return handle_nisv(vcpu);
	}
	vm_fail(vcpu->vm, "unexpected exit %s (%u)", exit_reason_name(run->exit_reason),
		run->exit_reason);
	return EXIT_FAILED;
}

/* After EXIT_DONE: which of the two ways to finish the guest chose. */
static enum run_outcome finished(const struct vcpu *vcpu)
{
	if (vcpu->run->system_event.type == KVM_SYSTEM_EVENT_RESET)
		return RUN_RESET;
	return RUN_POWERED_OFF;
}

static enum run_outcome run_loop(struct vcpu *vcpu)
{
	for (;;) {
		if (vcpu_run_once(vcpu) < 0)
			return vcpu->timed_out ? RUN_GUEST_ERROR : RUN_HOST_ERROR;
		if (vcpu->vm->trace)
			trace_exit(vcpu->vm->trace, vcpu);
		switch (vcpu_handle_exit(vcpu)) {
		case EXIT_CONTINUE:
			continue;
		case EXIT_DONE:
			return finished(vcpu);
		case EXIT_FAILED:
			return RUN_GUEST_ERROR;
		}
	}
}

enum run_outcome vcpu_run(struct vcpu *vcpu)
{
	struct sigaction old;

	if (!vcpu->vm->timeout)
		return run_loop(vcpu);
	watchdog_start(vcpu, &old);
	enum run_outcome outcome = run_loop(vcpu);
	watchdog_stop(&old);
	return outcome;
}
/* book:end run-loop */
