/* stage02-real-mode: run a flat binary guest in real mode. */
#include "vmm.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_GUEST "hello.bin"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ./run [--trace] [GUEST.bin]\n"
		"Runs a flat binary guest in real mode (default: guests/" DEFAULT_GUEST ").\n"
		"\n"
		"  --trace   print one line per VM exit (to stderr)\n"
		"  --help    this text\n"
		"\n"
		"The guest is loaded at guest physical 0x%x and starts there in real mode:\n"
		"CS=DS=ES=SS=0, IP=0x%x, SP=0x%x, interrupts off. Guest memory: 0x0-0x%x.\n"
		"Ports: OUT 0x%x prints a byte, IN 0x%x reads 0x%x; OUT 0x%x reports a value.\n"
		"HLT ends the run (exit status 0).\n",
		GUEST_LOAD_ADDR, GUEST_LOAD_ADDR, GUEST_STACK_TOP, GUEST_MEM_SIZE - 1, PORT_CONSOLE,
		PORT_CONSOLE, PORT_CONSOLE, PORT_REPORT);
}

/* The default guest lives beside the VMM binary: build/vmm and build/guests/. */
static const char *default_guest(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return "guests/" DEFAULT_GUEST;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/guests/%s", dirname(exe), DEFAULT_GUEST);
	return path;
}

static int run_guest(struct vm *vm, const char *guest)
{
	struct vcpu vcpu = {.fd = -1};
	enum run_outcome outcome = RUN_HOST_ERROR;

	if (kvm_open(vm, "/dev/kvm") == 0 && vm_create(vm) == 0 && vm_load_guest(vm, guest) == 0 &&
	    vcpu_create(vm, &vcpu) == 0 && vcpu_set_real_mode(&vcpu) == 0)
		outcome = vcpu_run(&vcpu);
	if (outcome != RUN_HALTED)
		fprintf(stderr, "vmm: %s\n", vm->error);
	if (outcome == RUN_GUEST_ERROR)
		diag_dump(&vcpu, stderr);
	vcpu_destroy(&vcpu);
	return outcome == RUN_HALTED ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct vm vm;
	const char *guest = NULL;

	vm_init(&vm);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--trace") == 0) {
			vm.trace = stderr;
		} else if (argv[i][0] == '-' || guest) {
			fprintf(stderr, "vmm: unexpected argument '%s' (see ./run --help)\n",
				argv[i]);
			return 2;
		} else {
			guest = argv[i];
		}
	}
	int status = run_guest(&vm, guest ? guest : default_guest());
	vm_destroy(&vm);
	return status;
}
