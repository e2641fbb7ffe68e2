/* stage01-open-kvm: what KVM offers, and a VM and a vCPU with nothing in them. */
#include "vmm.h"

#include <string.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: ./run\n"
		     "Opens /dev/kvm, lists the capabilities later chapters use, creates a VM\n"
		     "and a vCPU, prints the vCPU's reset state, and tries KVM_RUN on a VM\n"
		     "with no memory. There is no guest yet.\n");
}

static void print_capabilities(struct vm *vm)
{
	printf("Capabilities (KVM_CHECK_EXTENSION; 0 means absent):\n");
	for (const struct capability *c = book_capabilities; c->name; c++)
		printf("  %-24s %5d   %s\n", c->name, kvm_capability(vm, c->id), c->used_for);
}

/* book:begin reset-state */
/* The SDM (vol. 3, "Processor State After Reset") says what to expect here. */
static int print_reset_state(struct vcpu *vcpu)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (vcpu_get_regs(vcpu, &regs) < 0 || vcpu_get_sregs(vcpu, &sregs) < 0)
		return -1;
	printf("vCPU reset state:\n");
	printf("  RIP    = 0x%llx\n", (unsigned long long)regs.rip);
	printf("  CS     = selector 0x%x, base 0x%llx: the first instruction is at 0x%llx\n",
	       sregs.cs.selector, (unsigned long long)sregs.cs.base,
	       (unsigned long long)(sregs.cs.base + regs.rip));
	printf("  CR0    = 0x%llx (PE=0: real mode)\n", (unsigned long long)sregs.cr0);
	printf("  RFLAGS = 0x%llx\n", (unsigned long long)regs.rflags);
	return 0;
}
/* book:end reset-state */

/* book:begin empty-run */
/* There is no memory, so no instruction at 0xfffffff0: what does KVM do? */
static void try_to_run(struct vcpu *vcpu)
{
	printf("KVM_RUN on a VM with no memory: ");
	if (vcpu_run_once(vcpu) < 0)
		printf("the ioctl fails: %s\n", vcpu->vm->error);
	else
		printf("the vCPU exits with %s (%u)\n", exit_reason_name(vcpu->run->exit_reason),
		       vcpu->run->exit_reason);
}
/* book:end empty-run */

int main(int argc, char **argv)
{
	struct vm vm;
	struct vcpu vcpu = {.fd = -1};
	int status = 1;

	if (argc > 1) {
		int help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
		if (!help)
			fprintf(stderr, "vmm: unexpected argument '%s' (see ./run --help)\n",
				argv[1]);
		usage(help ? stdout : stderr);
		return help ? 0 : 2;
	}
	vm_init(&vm);
	if (kvm_open(&vm, "/dev/kvm") == 0) {
		printf("/dev/kvm: KVM API version 12\n");
		print_capabilities(&vm);
		if (vm_create(&vm) == 0 && vcpu_create(&vm, &vcpu) == 0 &&
		    print_reset_state(&vcpu) == 0) {
			printf("kvm_run: %zu bytes shared with the kernel\n", vcpu.run_size);
			try_to_run(&vcpu);
			status = 0;
		}
	}
	if (status != 0)
		fprintf(stderr, "vmm: %s\n", vm.error);
	vcpu_destroy(&vcpu);
	vm_destroy(&vm);
	return status;
}
