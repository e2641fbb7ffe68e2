/* The run loop: enter the guest, see why it came back, handle that, go again. */
#include "vmm.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* book:begin run-once */
static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/*
 * No watchdog here for a guest that waits for nothing (x86: HLT with interrupts
 * off). An arm64 guest's WFI wakes for a pending interrupt even while IRQs are
 * masked, and KVM_GET_MP_STATE says RUNNABLE for a vCPU in WFI as for a busy
 * one: from outside, a guest asleep for good looks like a guest at work, and
 * only --timeout ends it.
 */
static int enter_guest(struct vcpu *vcpu)
{
	while (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
		/* The --timeout signal: it interrupted KVM_RUN, or set immediate_exit before it. */
		if (errno == EINTR && vcpu->timed_out)
			return vm_fail(vcpu->vm,
				       "the guest was still running after %g s (--timeout)",
				       vcpu->timeout);
		/* Another vCPU ended the run (vm_stop): its sentence is the one to keep. */
		if (errno == EINTR && vcpu->stopped)
			return -1;
		/* Another signal arrived while the guest ran: nothing happened to it, go again. */
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

/* Runs the guest until its next exit; vcpu->run->exit_reason says why it stopped. */
int vcpu_run_once(struct vcpu *vcpu)
{
	if (!vcpu->stats) /* no clock reads without --stats */
		return enter_guest(vcpu);
	uint64_t start = now_ns();
	int ret = enter_guest(vcpu);
	vcpu->stats->in_kvm_run_ns += now_ns() - start;
	return ret;
}
/* book:end run-once */

/* book:begin handle-mmio */
/*
 * A load or store that reached no memory slot. For a read, the bytes we leave
 * in mmio.data are what the guest's instruction loads when KVM_RUN goes on.
 */
static enum after_exit handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->mmio.len > sizeof(run->mmio.data)) {
		vm_fail(vcpu->vm, "KVM_EXIT_MMIO: length %u is more than 8 bytes", run->mmio.len);
		return STOP_WITH_ERROR;
	}
	return mmio_access(vcpu->vm, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			   run->mmio.is_write);
}
/* book:end handle-mmio */

/* book:begin system-event */
/*
 * PSCI SYSTEM_OFF or SYSTEM_RESET: the guest is done with this machine (x86:
 * PORT_DONE). Which of the two it was stays in kvm_run, for main() to say.
 */
static enum after_exit handle_system_event(struct vcpu *vcpu)
{
	uint32_t type = vcpu->run->system_event.type;

	if (type == KVM_SYSTEM_EVENT_SHUTDOWN || type == KVM_SYSTEM_EVENT_RESET)
		return GUEST_FINISHED;
	vm_fail(vcpu->vm, "KVM_EXIT_SYSTEM_EVENT %s (%u): not a power-off or a reset",
		system_event_name(type), type);
	return STOP_WITH_ERROR;
}
/* book:end system-event */

static enum after_exit handle_nisv(struct vcpu *vcpu)
{
	vm_fail(vcpu->vm,
		"the guest accessed 0x%08llx, outside RAM, with an instruction KVM cannot decode "
		"for us (KVM_EXIT_ARM_NISV, ESR ISS 0x%llx): a load or store pair, or one with "
		"writeback? Devices need plain ldr/str",
		(unsigned long long)vcpu->run->arm_nisv.fault_ipa,
		(unsigned long long)vcpu->run->arm_nisv.esr_iss);
	return STOP_WITH_ERROR;
}

/* book:begin exit-errors */
static const char *internal_error_name(uint32_t suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "KVM had to emulate an instruction and could not";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "an exception occurred while delivering another";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "an exit came while an event was being delivered";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "the hardware exited for a reason KVM does not handle";
	}
	return "a suberror unknown to these headers";
}

/* KVM itself could not go on: the suberror says why, and up to 16 words of data. */
static enum after_exit internal_error(struct vcpu *vcpu)
{
	const struct kvm_run *run = vcpu->run;
	char data[16 * 20] = "";
	size_t used = 0;

	for (unsigned i = 0; i < run->internal.ndata && i < 16; i++)
		used += (size_t)snprintf(data + used, sizeof(data) - used, " 0x%llx",
					 (unsigned long long)run->internal.data[i]);
	vm_fail(vcpu->vm, "KVM_EXIT_INTERNAL_ERROR, suberror %u: %s; data:%s",
		run->internal.suberror, internal_error_name(run->internal.suberror),
		used ? data : " none");
	return STOP_WITH_ERROR;
}

/* The rest of the exits that end the run, each said in one sentence. */
static enum after_exit exit_failed(struct vcpu *vcpu)
{
	const struct kvm_run *run = vcpu->run;
	struct vm *vm = vcpu->vm;

	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		vm_fail(vm,
			"the CPU refused to enter the guest (KVM_EXIT_FAIL_ENTRY): hardware "
			"entry failure reason 0x%llx on host CPU %u",
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			run->fail_entry.cpu);
		break;
	case KVM_EXIT_UNKNOWN:
		vm_fail(vm, "KVM_EXIT_UNKNOWN: hardware exit reason 0x%llx",
			(unsigned long long)run->hw.hardware_exit_reason);
		break;
	default:
		vm_fail(vm, "unexpected exit %s (%u): this VMM never asks for it",
			exit_reason_name(run->exit_reason), run->exit_reason);
	}
	return STOP_WITH_ERROR;
}
/* book:end exit-errors */

/* book:begin run-loop */
enum after_exit vcpu_handle_exit(struct vcpu *vcpu)
{
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_MMIO:
		return handle_mmio(vcpu);
	case KVM_EXIT_SYSTEM_EVENT:
		return handle_system_event(vcpu);
	case KVM_EXIT_ARM_NISV:
		return handle_nisv(vcpu);
	case KVM_EXIT_INTERNAL_ERROR:
		return internal_error(vcpu);
	case KVM_EXIT_DEBUG: /* --step, --gdb: debug.c */
		return debug_handle_exit(vcpu);
	}
	return exit_failed(vcpu);
}

static void count_exit(struct run_stats *stats, uint32_t reason)
{
	stats->exits[reason < STATS_REASONS ? reason : STATS_REASONS - 1]++;
}

static enum run_outcome run_loop(struct vcpu *vcpu)
{
	for (;;) {
		if (vcpu_run_once(vcpu) < 0)
			return vcpu->timed_out ? RUN_TIMED_OUT
			       : vcpu->stopped ? RUN_STOPPED
					       : RUN_HOST_ERROR;
		if (vcpu->stats)
			count_exit(vcpu->stats, vcpu->run->exit_reason);
		if (vcpu->vm->trace)
			trace_exit(vcpu->vm->trace, vcpu);
		switch (vcpu_handle_exit(vcpu)) {
		case RESUME_GUEST:
			continue;
		case GUEST_FINISHED:
			return RUN_FINISHED;
		case STOP_WITH_ERROR:
			return RUN_GUEST_ERROR;
		}
	}
}

enum run_outcome vcpu_run(struct vcpu *vcpu)
{
	if (!vcpu->stats)
		return run_loop(vcpu);
	uint64_t start = now_ns();
	enum run_outcome outcome = run_loop(vcpu);
	vcpu->stats->total_ns += now_ns() - start;
	return outcome;
}
/* book:end run-loop */

/* book:begin timeout */
/*
 * --timeout: a timer signals the vCPU's own thread. If the signal comes while
 * the guest runs, KVM_RUN returns EINTR. If it comes while we handle an exit,
 * immediate_exit makes the next KVM_RUN return EINTR at once, before the guest
 * runs again. Either way enter_guest() sees timed_out and stops.
 */
static void on_timeout(int sig, siginfo_t *info, void *context)
{
	struct vcpu *vcpu = info->si_value.sival_ptr;

	(void)sig;
	(void)context;
	vcpu->timed_out = 1;
	vcpu->run->immediate_exit = 1;
}

/*
 * Call from the thread that will run the vCPU. A time that rounds to zero
 * nanoseconds would disarm the timer instead of firing it: it becomes 1 ns.
 */
int vcpu_set_timeout(struct vcpu *vcpu, double seconds)
{
	struct sigaction sa = {.sa_sigaction = on_timeout, .sa_flags = SA_SIGINFO | SA_RESTART};
	struct sigevent ev = {
	    .sigev_notify = SIGEV_THREAD_ID,
	    .sigev_signo = SIGALRM,
	    .sigev_value.sival_ptr = vcpu,
	};
	struct itimerspec when = {
	    .it_value.tv_sec = (time_t)seconds,
	    .it_value.tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9),
	};

	if (when.it_value.tv_sec == 0 && when.it_value.tv_nsec == 0)
		when.it_value.tv_nsec = 1;
	sigemptyset(&sa.sa_mask);
	ev._sigev_un._tid = gettid(); /* sigev_notify_thread_id, which glibc 2.36 lacks */
	if (sigaction(SIGALRM, &sa, NULL) < 0 ||
	    timer_create(CLOCK_MONOTONIC, &ev, &vcpu->timer) < 0)
		return vm_fail_errno(vcpu->vm, "the --timeout timer");
	vcpu->timeout = seconds;
	if (timer_settime(vcpu->timer, 0, &when, NULL) < 0)
		return vm_fail_errno(vcpu->vm, "the --timeout timer");
	return 0;
}
/* book:end timeout */

/* book:begin stop */
/*
 * SIGNAL_STOP, on the thread of a vCPU that must stop: as for --timeout, the
 * signal interrupts KVM_RUN, or, if it comes while the thread handles an exit,
 * immediate_exit makes the next KVM_RUN return EINTR before the guest runs.
 * The handler runs on that vCPU's own thread, which alone writes its kvm_run.
 */
static void on_stop(int sig, siginfo_t *info, void *context)
{
	struct vcpu *vcpu = info->si_value.sival_ptr;

	(void)sig;
	(void)context;
	vcpu->stopped = 1;
	vcpu->run->immediate_exit = 1;
}

/*
 * A vCPU's run has ended. If it is the first, its outcome is the run's, and every
 * other vCPU is signalled to stop. The signals go out under the lock: vm_run()
 * takes it too before it joins any thread, so no thread is signalled after it
 * was joined.
 */
void vm_stop(struct vm *vm, struct vcpu *by)
{
	pthread_mutex_lock(&vm->lock);
	if (!vm->stopping) {
		vm->stopping = true;
		vm->stopped_by = by;
		for (unsigned i = 0; vm->vcpus && i < vm->cpus; i++) {
			struct vcpu *other = &vm->vcpus[i];
			union sigval which = {.sival_ptr = other};

			if (other != by && other->has_thread)
				pthread_sigqueue(other->thread, SIGNAL_STOP, which);
		}
	}
	pthread_mutex_unlock(&vm->lock);
}
/* book:end stop */

/* book:begin vm-run */
/* A secondary vCPU's thread: its run loop, then the others stop. */
static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;

	vcpu->outcome = vcpu_run(vcpu);
	vm_stop(vcpu->vm, vcpu);
	return NULL;
}

/* One thread for each secondary; the thread that calls this runs the boot vCPU. */
static int start_secondary_threads(struct vm *vm)
{
	int err = 0;

	pthread_mutex_lock(&vm->lock);
	vm->vcpus[0].thread = pthread_self();
	vm->vcpus[0].has_thread = true;
	for (unsigned i = 1; i < vm->cpus && !err; i++) {
		err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		vm->vcpus[i].has_thread = !err;
	}
	pthread_mutex_unlock(&vm->lock);
	if (err)
		return vm_fail(vm, "a thread for a vCPU: %s", strerror(err));
	return 0;
}

/*
 * Runs vm->vcpus[0 .. vm->cpus): the secondaries on threads of their own, the boot vCPU
 * on this one. Returns when every thread has ended: the outcome is that of the
 * vCPU that ended the run first (vm->stopped_by), which vm->error is about.
 */
enum run_outcome vm_run(struct vm *vm)
{
	struct vcpu *boot = &vm->vcpus[0];
	struct sigaction sa = {.sa_sigaction = on_stop, .sa_flags = SA_SIGINFO};

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGNAL_STOP, &sa, NULL) < 0) {
		vm_fail_errno(vm, "sigaction for SIGNAL_STOP");
		return RUN_HOST_ERROR;
	}
	if (start_secondary_threads(vm) < 0)
		boot->outcome = RUN_HOST_ERROR;
	else
		boot->outcome = vcpu_run(boot);
	vm_stop(vm, boot);
	for (unsigned i = 1; i < vm->cpus; i++)
		if (vm->vcpus[i].has_thread) {
			pthread_join(vm->vcpus[i].thread, NULL);
			vm->vcpus[i].has_thread = false;
		}
	return vm->stopped_by->outcome;
}
/* book:end vm-run */
