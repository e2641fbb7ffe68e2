/*
 * bench/exits: what stage05's own work costs per exit.
 *
 * The guest (guests/exits.asm) writes CHUNK times to the UART's scratch register
 * (SCR), which stores the byte and does nothing else: no host I/O. Each write
 * is one exit. Then it writes to PORT_DONE, and, run again, does it all
 * over. We run one VM through chunk after chunk, in turn:
 *   - through vcpu_run(), the VMM's real run loop: exit dispatch, the port
 *     switch, the COM1 lock and the UART model (no --trace, no --stats);
 *   - through a bare loop that calls KVM_RUN and looks at nothing but
 *     PORT_DONE: the least any VMM could do.
 * Taking turns chunk by chunk, the two see the same machine: when another
 * program slows it down, both slow down. The ratio of their exit rates says
 * how close to nothing our work is. We print it and assert nothing.
 *
 * usage: exits GUEST.bin [CHUNKS]
 * It is linked with stage05's objects, as a test is: see bench/Makefile.
 */
#include "vmm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define CHUNK 250 /* writes per chunk: about 2 ms */
#define ROUNDS 3 /* each round prints its own figures */
#define CHUNKS 480 /* chunks per loop per round: about 1 s each where an exit takes 8-9 us */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const struct vm *vm)
{
	fprintf(stderr, "exits: %s\n", vm->error);
	exit(1);
}

/* The VM, with the guest at its entry and RCX = CHUNK (its writes per chunk). */
static void start(struct vm *vm, struct vcpu *vcpu, const char *guest)
{
	struct kvm_regs regs;

	vm_init(vm);
	if (kvm_open(vm, "/dev/kvm") < 0 || vm_create(vm) < 0 || vm_load_guest(vm, guest) < 0 ||
	    vcpu_create(vm, vcpu) < 0 || vcpu_set_long_mode(vcpu) < 0 ||
	    vcpu_get_regs(vcpu, &regs) < 0)
		die(vm);
	regs.rcx = CHUNK;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0) {
		vm_fail_errno(vm, "KVM_SET_REGS");
		die(vm);
	}
}

/* One chunk through the VMM's run loop; returns the seconds it took. */
static double vmm_chunk(struct vcpu *vcpu)
{
	double t0 = now_s();
	enum run_outcome outcome = vcpu_run(vcpu);
	double seconds = now_s() - t0;

	if (outcome != RUN_FINISHED)
		die(vcpu->vm);
	return seconds;
}

/* One chunk with the least a VMM can do: KVM_RUN until the guest writes to PORT_DONE. */
static double bare_chunk(struct vcpu *vcpu, uint64_t *exits)
{
	double t0 = now_s();

	do {
		if (vcpu_run_once(vcpu) < 0)
			die(vcpu->vm);
		++*exits;
	} while (vcpu->run->exit_reason == KVM_EXIT_IO && vcpu->run->io.port != PORT_DONE);
	double seconds = now_s() - t0;
	if (vcpu->run->exit_reason != KVM_EXIT_IO) {
		vm_fail(vcpu->vm, "unexpected %s", exit_reason_name(vcpu->run->exit_reason));
		die(vcpu->vm);
	}
	return seconds;
}

int main(int argc, char **argv)
{
	struct vm vm;
	struct vcpu vcpu;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: exits GUEST.bin [CHUNKS]\n");
		return 2;
	}
	int chunks = argc == 3 ? atoi(argv[2]) : CHUNKS;
	if (chunks < 1) {
		fprintf(stderr, "exits: CHUNKS must be 1 or more\n");
		return 2;
	}
	printf("bench: writes to COM1's SCR (port 0x%x: no host I/O behind it), %d chunks of "
	       "%d\nper loop per round, taking turns: the VMM's run loop (dispatch + UART model, "
	       "no\ntracing) and a bare KVM_RUN loop.\n",
	       COM1_BASE + UART_SCR, chunks, CHUNK);
	start(&vm, &vcpu, argv[1]);
	for (int round = 1; round <= ROUNDS; round++) {
		double vmm_s = 0, bare_s = 0;
		uint64_t exits = 0;

		for (int i = 0; i < chunks; i++) {
			vmm_s += vmm_chunk(&vcpu);
			bare_s += bare_chunk(&vcpu, &exits);
		}
		/* Both loops ran the same chunks: the bare loop's count is the VMM loop's too. */
		double vmm_rate = (double)exits / vmm_s, bare_rate = (double)exits / bare_s;
		printf("round %d: %llu exits each; VMM loop %.0f exits/s (%.2f us each), bare loop "
		       "%.0f exits/s (%.2f us each); ratio %.3f\n",
		       round, (unsigned long long)exits, vmm_rate, 1e6 / vmm_rate, bare_rate,
		       1e6 / bare_rate, vmm_rate / bare_rate);
		fflush(stdout);
	}
	vcpu_destroy(&vcpu);
	vm_destroy(&vm);
	return 0;
}
