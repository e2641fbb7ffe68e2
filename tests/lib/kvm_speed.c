#include "kvm_speed.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* The loop runs this many times: 0.2 s at a microsecond per guest instruction. */
#define PROBE_LOOPS 100000u
#define PROBE_MEM 0x1000

/*
 * Real-mode code at guest physical 0 (the vCPU's start state with CS base 0):
 *   mov ecx, LOOPS ; again: dec ecx ; jnz again ; hlt
 * KVM gives HLT to us (no in-kernel irqchip): one KVM_RUN runs the whole loop.
 */
static void write_probe(uint8_t *mem, uint32_t loops)
{
	const uint8_t code[] = {0x66,
				0xb9,
				(uint8_t)loops,
				(uint8_t)(loops >> 8),
				(uint8_t)(loops >> 16),
				(uint8_t)(loops >> 24),
				0x66,
				0x49, /* dec ecx */
				0x75,
				0xfc, /* jnz -4: back to dec */
				0xf4}; /* hlt */
	memcpy(mem, code, sizeof(code));
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Runs the loop `loops` times from IP 0; returns the wall time it took, or -1. */
static double time_loop(int vcpu, struct kvm_run *run, uint8_t *mem, uint32_t loops)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {.rip = 0, .rflags = 0x2}; /* bit 1 of RFLAGS is always 1 */

	write_probe(mem, loops);
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return -1;
	double start = now_ns();
	if (ioctl(vcpu, KVM_RUN, 0) < 0 || run->exit_reason != KVM_EXIT_HLT)
		return -1;
	return now_ns() - start;
}

/* The time of one loop iteration in ns, or -1 when it cannot be measured. */
static double ns_per_loop(void)
{
	double ns = -1;
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	uint8_t *mem =
	    mmap(NULL, PROBE_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region region = {.slot = 0,
						     .guest_phys_addr = 0,
						     .memory_size = PROBE_MEM,
						     .userspace_addr = (uintptr_t)mem};
	int vcpu = -1;
	long run_size = kvm < 0 ? -1 : ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = MAP_FAILED;

	if (vm < 0 || mem == MAP_FAILED || run_size <= 0 ||
	    ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		goto out;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		goto out;
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		goto out;
	/* A first short run pays for what happens once (faulting the page in). */
	if (time_loop(vcpu, run, mem, 1) >= 0) {
		double total = time_loop(vcpu, run, mem, PROBE_LOOPS);
		if (total >= 0)
			ns = total / PROBE_LOOPS;
	}
out:
	if (run != MAP_FAILED)
		munmap(run, (size_t)run_size);
	if (vcpu >= 0)
		close(vcpu);
	if (mem != MAP_FAILED)
		munmap(mem, PROBE_MEM);
	if (vm >= 0)
		close(vm);
	if (kvm >= 0)
		close(kvm);
	return ns;
}

const char *kvm_too_slow_to_boot(void)
{
	static char reason[200];
	double ns = ns_per_loop();

	if (ns < 0 || ns <= KVM_SPEED_MAX_NS_PER_LOOP)
		return NULL;
	snprintf(reason, sizeof(reason),
		 "this KVM ran a guest loop at %.0f ns an iteration, slower than %.0f: "
		 "too slow to boot Linux",
		 ns, KVM_SPEED_MAX_NS_PER_LOOP);
	return reason;
}
