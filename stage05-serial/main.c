/* stage05-serial: run a flat binary guest in long mode, with a serial port on stdin/stdout. */
#include "vmm.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_GUEST "hello.bin"
#define STATUS_TIMED_OUT 124 /* our exit status after --timeout: the one timeout(1) uses */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ./run [--trace] [--stats] [--timeout SECONDS] [GUEST.bin]\n"
		"Runs a flat binary guest in long mode (default: guests/" DEFAULT_GUEST ").\n"
		"\n"
		"  --trace           print one line per VM exit (to stderr)\n"
		"  --stats           at the end, count the exits of each kind and say where\n"
		"                    the time went (to stderr)\n"
		"  --timeout SECONDS stop a guest still running after SECONDS (exit status %d)\n"
		"  --help            this text\n"
		"\n"
		"This stage's guests: hello.bin (polled output), echo.bin (polled input),\n"
		"irq-echo.bin (interrupt-driven input), probe.bin (ports and memory nobody has).\n"
		"\n"
		"The guest is loaded at guest physical 0x%x and starts there: IP=0x%x,\n"
		"SP=0x%x, interrupts off. Guest memory: 0x0-0x%x. The VMM's GDT is at 0x%x;\n"
		"in long mode its PML4 is at 0x%x, and 2 MiB pages map RAM to itself.\n"
		"Ports: COM1, a 16550A UART, at 0x%x-0x%x on IRQ %d: what the guest sends goes\n"
		"to stdout; stdin is its input, sent while the guest sets RTS (MCR bit 1), and\n"
		"at the end of stdin one EOT (0x04), as Ctrl-D on a terminal. OUT 0x%x prints\n"
		"a byte; OUT 0x%x reports a value; OUT 0x%x ends the run, the byte written is\n"
		"the exit status. Other ports read all ones and ignore writes.\n",
		STATUS_TIMED_OUT, GUEST_LOAD_ADDR, GUEST_LOAD_ADDR, GUEST_STACK_TOP,
		GUEST_MEM_SIZE - 1, GDT_ADDR, PML4_ADDR, COM1_BASE, COM1_BASE + COM1_PORTS - 1,
		COM1_IRQ, PORT_CONSOLE, PORT_REPORT, PORT_DONE);
	debug_usage(out);
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

struct options {
	const char *guest;
	bool stats; /* --stats */
	double timeout; /* --timeout, in seconds; 0 for none */
	struct debugger debug; /* --step, --gdb */
};

/* book:begin exit-status */
/* What the VMM's own exit status says. */
static int exit_status(const struct vm *vm, enum run_outcome outcome)
{
	switch (outcome) {
	case RUN_FINISHED:
		return vm->status;
	case RUN_TIMED_OUT:
		return STATUS_TIMED_OUT;
	case RUN_GUEST_ERROR:
	case RUN_HOST_ERROR:
		break;
	}
	return 1;
}
/* book:end exit-status */

/* book:begin run-guest */
static int run_guest(struct vm *vm, struct options *opt)
{
	struct vcpu vcpu = {.fd = -1};
	struct run_stats stats = {0};
	enum run_outcome outcome = RUN_HOST_ERROR;

	if (kvm_open(vm, "/dev/kvm") == 0 && vm_create(vm) == 0 &&
	    vm_load_guest(vm, opt->guest) == 0 && vcpu_create(vm, &vcpu) == 0 &&
	    vcpu_set_long_mode(&vcpu) == 0 && vcpu_watch(&vcpu) == 0 &&
	    (opt->timeout <= 0 || vcpu_set_timeout(&vcpu, opt->timeout) == 0) &&
	    debug_start(&vcpu, &opt->debug, opt->guest) == 0 &&
	    serial_start_input(vm, STDIN_FILENO) == 0) {
		terminal_take(STDIN_FILENO); /* if stdin is a terminal: keys go to the guest */
		vcpu.stats = opt->stats ? &stats : NULL;
		outcome = debug_finish(&vcpu, vcpu_run(&vcpu));
	}
	terminal_restore();
	if (outcome != RUN_FINISHED)
		fprintf(stderr, "vmm: %s\n", vm->error);
	if (outcome == RUN_GUEST_ERROR || outcome == RUN_TIMED_OUT)
		diag_dump(&vcpu, stderr);
	if (outcome == RUN_FINISHED && vm->status != 0)
		fprintf(stderr, "vmm: the guest finished with status %u\n", vm->status);
	if (opt->stats)
		stats_print(stderr, &stats);
	vcpu_destroy(&vcpu);
	return exit_status(vm, outcome);
}
/* book:end run-guest */

/* A number of seconds, more than 0; false if the text is not one. */
static bool parse_seconds(const char *text, double *seconds)
{
	char *end;

	*seconds = strtod(text, &end);
	return end != text && *end == '\0' && *seconds > 0 && *seconds < 1e9;
}

/* Fills opt from the command line; returns -1 after --help, 2 after a bad argument, else 0. */
static int parse_options(int argc, char **argv, struct vm *vm, struct options *opt)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return -1;
		} else if (strcmp(argv[i], "--trace") == 0) {
			vm->trace = stderr;
		} else if (strcmp(argv[i], "--stats") == 0) {
			opt->stats = true;
		} else if (strcmp(argv[i], "--timeout") == 0) {
			const char *text = i + 1 < argc ? argv[++i] : "";
			if (!parse_seconds(text, &opt->timeout)) {
				fprintf(stderr,
					"vmm: --timeout '%s' is not a number of seconds above 0 "
					"(see ./run --help)\n",
					text);
				return 2;
			}
		} else if (debug_is_option(argv[i])) {
			if (debug_parse_option(argv[i], &opt->debug) < 0) {
				fprintf(stderr, "vmm: %s (see ./run --help)\n", opt->debug.message);
				return 2;
			}
		} else if (argv[i][0] == '-' || opt->guest) {
			fprintf(stderr, "vmm: unexpected argument '%s' (see ./run --help)\n",
				argv[i]);
			return 2;
		} else {
			opt->guest = argv[i];
		}
	}
	if (!opt->guest)
		opt->guest = default_guest();
	return 0;
}

int main(int argc, char **argv)
{
	struct vm vm;
	struct options opt = {0};

	vm_init(&vm);
	int parsed = parse_options(argc, argv, &vm, &opt);
	if (parsed != 0)
		return parsed < 0 ? 0 : parsed;
	int status = run_guest(&vm, &opt);
	vm_destroy(&vm);
	return status;
}
