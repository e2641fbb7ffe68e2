/*
 * bench/smp: do stage07's vCPUs run in parallel, as far as the VMM is concerned?
 *
 * Every vCPU of one VM runs guests/smp-exits.asm: it reads PORT_CPUS CHUNK
 * times, one exit each, then writes PORT_DONE. Stage07 answers PORT_CPUS from
 * vm->cpus, which no vCPU thread writes, so it takes no lock (devices.c); only
 * PORT_DONE takes the VM's lock, once per chunk. Nothing in the VMM should make
 * one vCPU wait for another. With N vCPUs (1, 2, then 4) and one thread for each,
 * all N threads run, phase after phase, in turn:
 *   - stage07's run loop, vcpu_run(): exit dispatch, the port switch;
 *   - a bare loop that calls KVM_RUN and looks at nothing but PORT_DONE.
 * A barrier starts and ends each phase, so that the N threads run the same loop
 * at the same time; a loop's rate is all N threads' exits over its phases' wall
 * time. Were the VMM's locks to serialize the vCPUs, its rate would stop growing
 * with N while the bare loops' grew: the ratio at each N says. It is printed;
 * nothing is asserted. On fewer host CPUs than N the threads take turns on
 * them, both loops alike: the line says how many CPUs the host has.
 *
 * usage: smp GUEST.bin [PHASES]
 * It is linked with stage07's objects, as a test is: see bench/Makefile.
 */
#include "vmm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define CHUNK 250 /* reads per chunk: about 2 ms where an exit takes 8 us */
#define PHASE_CHUNKS 4 /* chunks per thread per phase: the barriers' cost is lost in it */
#define ROUNDS 3 /* each round prints its own figures */
#define PHASES 120 /* phases per loop per round: about 1 s each where an exit takes 8 us */
#define VCPUS_MEASURED 4 /* 1, 2, then 4 vCPUs */

/* One VM with n vCPUs, and what its threads share. */
struct bench {
	struct vm vm;
	struct vcpu vcpus[VCPUS_MEASURED];
	unsigned n;
	int phases;
	pthread_barrier_t barrier;
	double vmm_s, bare_s; /* this round's wall time in each loop: thread 0's to write */
	uint64_t bare_exits[VCPUS_MEASURED]; /* counted by the bare loop, per thread */
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const struct vm *vm)
{
	fprintf(stderr, "smp: %s\n", vm->error);
	exit(1);
}

/*
 * Every vCPU at the guest's entry in long mode, with RCX = CHUNK. The VMM leaves
 * the APs waiting for the boot vCPU's start-up IPI (vcpus_create); the bench sets
 * them running itself, as exits.c sets RCX: the guest never has to start them.
 */
static void start(struct bench *b, const char *guest)
{
	struct vm *vm = &b->vm;

	vm_init(vm);
	for (unsigned i = 0; i < VCPUS_MEASURED; i++)
		b->vcpus[i] = (struct vcpu){.fd = -1};
	if (kvm_open(vm, "/dev/kvm") < 0 || vm_create(vm) < 0 || vm_load_guest(vm, guest) < 0 ||
	    vcpus_create(vm, b->vcpus, b->n) < 0)
		die(vm);
	for (unsigned i = 0; i < b->n; i++) {
		struct vcpu *vcpu = &b->vcpus[i];
		struct kvm_mp_state runnable = {.mp_state = KVM_MP_STATE_RUNNABLE};
		struct kvm_regs regs;

		if (i > 0 && ioctl(vcpu->fd, KVM_SET_MP_STATE, &runnable) < 0) {
			vm_fail_errno(vm, "KVM_SET_MP_STATE");
			die(vm);
		}
		if ((i > 0 && vcpu_set_long_mode(vcpu) < 0) || vcpu_get_regs(vcpu, &regs) < 0)
			die(vm);
		regs.rcx = CHUNK;
		if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0) {
			vm_fail_errno(vm, "KVM_SET_REGS");
			die(vm);
		}
	}
}

/* One chunk through stage07's run loop. */
static void vmm_chunk(struct vcpu *vcpu)
{
	if (vcpu_run(vcpu) != RUN_FINISHED)
		die(vcpu->vm);
}

/* One chunk with the least a VMM can do: KVM_RUN until the guest writes to PORT_DONE. */
static void bare_chunk(struct vcpu *vcpu, uint64_t *exits)
{
	do {
		if (vcpu_run_once(vcpu) < 0)
			die(vcpu->vm);
		++*exits;
	} while (vcpu->run->exit_reason == KVM_EXIT_IO && vcpu->run->io.port != PORT_DONE);
	if (vcpu->run->exit_reason != KVM_EXIT_IO) {
		vm_fail(vcpu->vm, "unexpected %s", exit_reason_name(vcpu->run->exit_reason));
		die(vcpu->vm);
	}
}

/* One phase of one loop on every thread at once; thread 0 adds its wall time to *seconds. */
static void phase(struct bench *b, unsigned i, bool vmm, double *seconds)
{
	double t0 = 0;

	pthread_barrier_wait(&b->barrier);
	if (i == 0)
		t0 = now_s();
	for (int c = 0; c < PHASE_CHUNKS; c++) {
		if (vmm)
			vmm_chunk(&b->vcpus[i]);
		else
			bare_chunk(&b->vcpus[i], &b->bare_exits[i]);
	}
	pthread_barrier_wait(&b->barrier);
	if (i == 0)
		*seconds += now_s() - t0;
}

/* What thread 0 prints after a round: both loops ran the same chunks on every vCPU. */
static void print_round(struct bench *b, int round)
{
	uint64_t exits = (uint64_t)b->n * (uint64_t)b->phases * PHASE_CHUNKS * (CHUNK + 1);
	uint64_t counted = 0;

	for (unsigned i = 0; i < b->n; i++)
		counted += b->bare_exits[i];
	if (counted != exits * (uint64_t)round) {
		fprintf(stderr, "smp: the bare loops counted %llu exits, not %llu\n",
			(unsigned long long)counted, (unsigned long long)(exits * (uint64_t)round));
		exit(1);
	}
	double vmm_rate = (double)exits / b->vmm_s, bare_rate = (double)exits / b->bare_s;
	printf("vcpus %u round %d: %llu exits each; VMM loops %.0f exits/s (%.2f us each), bare "
	       "loops %.0f exits/s (%.2f us each); ratio %.3f\n",
	       b->n, round, (unsigned long long)exits, vmm_rate, 1e6 / vmm_rate, bare_rate,
	       1e6 / bare_rate, vmm_rate / bare_rate);
	fflush(stdout);
}

struct thread_arg {
	struct bench *bench;
	unsigned index;
};

static void *vcpu_thread(void *arg)
{
	struct thread_arg *t = arg;
	struct bench *b = t->bench;

	/* A phase of each, untimed: the first exits of a VM cost more (its first
	   entries, and under emulation the first translation of the code on the way). */
	double warm_up = 0;
	phase(b, t->index, true, &warm_up);
	phase(b, t->index, false, &warm_up);
	for (unsigned i = 0; t->index == 0 && i < b->n; i++)
		b->bare_exits[i] = 0; /* the other threads wait at the next barrier */
	for (int round = 1; round <= ROUNDS; round++) {
		if (t->index == 0)
			b->vmm_s = b->bare_s = 0;
		for (int p = 0; p < b->phases; p++) {
			phase(b, t->index, true, &b->vmm_s);
			phase(b, t->index, false, &b->bare_s);
		}
		/* The others wait at the next round's first barrier while this prints. */
		if (t->index == 0)
			print_round(b, round);
	}
	return NULL;
}

/* n vCPUs, each on a thread of its own, through every round. */
static void measure(const char *guest, unsigned n, int phases)
{
	struct bench *b = calloc(1, sizeof(*b));
	pthread_t threads[VCPUS_MEASURED];
	struct thread_arg args[VCPUS_MEASURED];

	if (!b) {
		perror("smp");
		exit(1);
	}
	b->n = n;
	b->phases = phases;
	start(b, guest);
	pthread_barrier_init(&b->barrier, NULL, n);
	for (unsigned i = 0; i < n; i++) {
		args[i] = (struct thread_arg){.bench = b, .index = i};
		int err = pthread_create(&threads[i], NULL, vcpu_thread, &args[i]);
		if (err) {
			fprintf(stderr, "smp: a thread for a vCPU: %s\n", strerror(err));
			exit(1);
		}
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&b->barrier);
	for (unsigned i = 0; i < n; i++)
		vcpu_destroy(&b->vcpus[i]);
	vm_destroy(&b->vm);
	free(b);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: smp GUEST.bin [PHASES]\n");
		return 2;
	}
	int phases = argc == 3 ? atoi(argv[2]) : PHASES;
	if (phases < 1) {
		fprintf(stderr, "smp: PHASES must be 1 or more\n");
		return 2;
	}
	printf("bench: every vCPU reads PORT_CPUS (port 0x%x: no lock behind it), %d phases of "
	       "%d chunks\nof %d per thread per loop per round, all threads taking turns: "
	       "stage07's run loop\nand a bare KVM_RUN loop, one thread per vCPU.\n",
	       PORT_CPUS, phases, PHASE_CHUNKS, CHUNK);
	printf("host CPUs: %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);
	for (unsigned n = 1; n <= VCPUS_MEASURED; n *= 2)
		measure(argv[1], n, phases);
	return 0;
}
