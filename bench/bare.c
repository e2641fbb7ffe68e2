/*
 * bench/bare: the least a VMM can be, for `make bench` to measure the stages against.
 * It loads a flat guest at 0x7c00, starts it there in real mode and runs it: OUT 0xe9
 * prints a byte, OUT 0xf4 ends the run (the byte is the exit status), HLT ends it with
 * status 0; other ports are ignored, any other exit is an error. No checks beyond what keeps it
 * honest, no options, no diagnostics: the floor that start-up time and memory are compared to.
 *
 * usage: bare GUEST.bin
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define RAM_SIZE 0x100000 /* 1 MiB, as stage02 */
#define LOAD_ADDR 0x7c00

static int must(int value, const char *what)
{
	if (value < 0) {
		perror(what);
		exit(1);
	}
	return value;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return fprintf(stderr, "usage: bare GUEST.bin\n"), 2;
	int kvm = must(open("/dev/kvm", O_RDWR | O_CLOEXEC), "/dev/kvm");
	int vm = must(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
	uint8_t *ram =
	    mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return perror("mmap"), 1;
	int guest = must(open(argv[1], O_RDONLY | O_CLOEXEC), argv[1]);
	must(read(guest, ram + LOAD_ADDR, RAM_SIZE - LOAD_ADDR), "read");
	struct kvm_userspace_memory_region slot = {.memory_size = RAM_SIZE,
						   .userspace_addr = (uintptr_t)ram};
	must(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot), "KVM_SET_USER_MEMORY_REGION");
	int vcpu = must(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
	int run_size = must(ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return perror("mmap of kvm_run"), 1;
	struct kvm_sregs sregs;
	must(ioctl(vcpu, KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
	sregs.cs.base = sregs.cs.selector = 0; /* real mode, CS:IP = 0:0x7c00 */
	must(ioctl(vcpu, KVM_SET_SREGS, &sregs), "KVM_SET_SREGS");
	struct kvm_regs regs = {.rip = LOAD_ADDR, .rflags = 2};
	must(ioctl(vcpu, KVM_SET_REGS, &regs), "KVM_SET_REGS");
	for (;;) {
		must(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		if (run->exit_reason == KVM_EXIT_HLT)
			return 0;
		if (run->exit_reason != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT)
			return fprintf(stderr, "bare: exit reason %u\n", run->exit_reason), 1;
		if (run->io.port == 0xf4)
			return *data;
		if (run->io.port == 0xe9)
			must((int)write(1, data, 1), "write");
	}
}
