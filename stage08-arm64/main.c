/* stage08-arm64: run a flat binary guest at EL1 on arm64. */
#include "vmm.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_GUEST "hello.bin"
#define DEFAULT_TIMEOUT 10 /* seconds: these guests finish in milliseconds */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ./run [--trace] [--timeout S] [--input FILE] [GUEST.bin]\n"
		"Runs a flat binary guest at EL1 on arm64 (default: guests/" DEFAULT_GUEST ").\n"
		"\n"
		"  --trace       print one line per VM exit (to stderr)\n"
		"  --timeout S   stop a guest that has not finished after S seconds (default %d;\n"
		"                0: never), and show where it is\n"
		"  --input FILE  the UART's input comes from FILE (default: stdin)\n"
		"  --help        this text\n"
		"\n"
		"The guest is loaded at guest physical 0x%x, the start of RAM (0x%x-0x%x),\n"
		"and starts there at EL1h with DAIF masked, SP_EL1=0x%x, the MMU off.\n"
		"Devices: a PL011 UART at 0x%x; a report register at 0x%x (write a value).\n"
		"PSCI SYSTEM_OFF (hvc #0 with w0=0x%x) ends the run with status 0;\n"
		"so does SYSTEM_RESET (0x%x), which this VMM does not restart.\n",
		DEFAULT_TIMEOUT, GUEST_LOAD_ADDR, GUEST_MEM_BASE,
		GUEST_MEM_BASE + GUEST_MEM_SIZE - 1, GUEST_STACK_TOP, PL011_BASE, REPORT_ADDR,
		PSCI_FN_SYSTEM_OFF, PSCI_FN_SYSTEM_RESET);
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

/* book:begin outcome */
static int run_guest(struct vm *vm, const char *guest)
{
	struct vcpu vcpu = {.fd = -1};
	enum run_outcome outcome = RUN_HOST_ERROR;

	if (kvm_open(vm, "/dev/kvm") == 0 && vm_create(vm) == 0 && vm_load_guest(vm, guest) == 0 &&
	    vcpu_create(vm, &vcpu) == 0 && vcpu_set_el1h(&vcpu) == 0)
		outcome = vcpu_run(&vcpu);
	fflush(vm->console);
	switch (outcome) {
	case RUN_POWERED_OFF:
		fprintf(stderr, "vmm: the guest powered off (PSCI SYSTEM_OFF)\n");
		break;
	case RUN_RESET:
		fprintf(stderr, "vmm: the guest asked for a reset (PSCI SYSTEM_RESET): "
				"this VMM stops instead\n");
		break;
	case RUN_GUEST_ERROR:
		fprintf(stderr, "vmm: %s\n", vm->error);
		diag_dump(&vcpu, stderr);
		break;
	case RUN_HOST_ERROR:
		fprintf(stderr, "vmm: %s\n", vm->error);
		break;
	}
	vcpu_destroy(&vcpu);
	return outcome == RUN_POWERED_OFF || outcome == RUN_RESET ? 0 : 1;
}
/* book:end outcome */

/* A whole number of seconds, or -1. */
static long seconds(const char *text)
{
	char *end;
	long value = strtol(text, &end, 10);

	return *text && !*end && value >= 0 && value <= 86400 ? value : -1;
}

int main(int argc, char **argv)
{
	struct vm vm;
	const char *guest = NULL;

	vm_init(&vm);
	vm.input_fd = STDIN_FILENO;
	vm.timeout = DEFAULT_TIMEOUT;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--trace") == 0) {
			vm.trace = stderr;
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc &&
			   seconds(argv[i + 1]) >= 0) {
			vm.timeout = (unsigned)seconds(argv[++i]);
		} else if (strcmp(argv[i], "--input") == 0 && i + 1 < argc) {
			vm.input_fd = open(argv[++i], O_RDONLY | O_CLOEXEC);
			if (vm.input_fd < 0) {
				perror(argv[i]);
				return 1;
			}
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
