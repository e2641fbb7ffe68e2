/* stage08-arm64: run a flat binary guest on several arm64 vCPUs, with a serial port and a disk. */
#include "vmm.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_GUEST "hello.bin"
#define DEFAULT_DISK "disk.img" /* made by the build: see the Makefile */
#define STATUS_TIMED_OUT 124 /* our exit status after --timeout: the one timeout(1) uses */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ./run [--cpus N] [--disk FILE[,ro]] [--ioeventfd] [--trace] [--stats]\n"
		"             [--timeout SECONDS] [GUEST.bin]\n"
		"Runs a flat binary guest at EL1 on arm64 (default: guests/" DEFAULT_GUEST ")\n"
		"on several vCPUs, with a virtio-blk disk (default: " DEFAULT_DISK ", beside\n"
		"the VMM).\n"
		"\n"
		"  --cpus N          N vCPUs, one thread each: 1 to %d, and no more than KVM\n"
		"                    allows (KVM_CAP_MAX_VCPUS); default %d. vCPU 0 boots;\n"
		"                    the others start powered off, until PSCI CPU_ON\n"
		"  --disk FILE[,ro]  the disk image; ,ro: read-only (VIRTIO_BLK_F_RO)\n"
		"  --ioeventfd       queue notifications through KVM_IOEVENTFD and the\n"
		"                    interrupt through KVM_IRQFD, served by a thread of the\n"
		"                    VMM's: no exit per request (default: an MMIO exit)\n"
		"  --trace           print one line per VM exit, with its vCPU (to stderr)\n"
		"  --stats           at the end, count the exits of each kind and say where\n"
		"                    the time went, for each vCPU (to stderr)\n"
		"  --timeout SECONDS stop a guest still running after SECONDS (exit status %d)\n"
		"  --help            this text\n"
		"\n"
		"This stage's guests: hello.bin, echo.bin (a line from stdin, back),\n"
		"irq-echo.bin (the same by interrupt, through the GIC), blk.bin (reads, writes\n"
		"and flushes the disk; blk-irq.bin by interrupt), smp-hello.bin (every CPU\n"
		"says its MPIDR under a spinlock), smp-count.bin (every CPU counts with\n"
		"LDAXR/STLXR; smp-count-nolock.bin without), smp-fault.bin (a secondary makes\n"
		"an access KVM cannot decode), and more: compute, fault, pair, poweroff,\n"
		"reset, unbacked, killed (writes the disk until --timeout stops it).\n"
		"\n"
		"The guest is loaded at guest physical 0x%x, the start of RAM\n"
		"(0x%x-0x%x), and vCPU 0 starts there at EL1h with DAIF masked,\n"
		"SP_EL1=0x%x, the MMU off. The other vCPUs start where their PSCI CPU_ON\n"
		"(hvc #0, w0=0x%x) says.\n"
		"Devices: a PL011 UART at 0x%x, on SPI %d (INTID %d): what the guest\n"
		"sends goes to stdout; stdin is its input, sent while the guest sets RTS\n"
		"(UARTCR bit 11), and at the end of stdin one EOT (0x04), as Ctrl-D on a\n"
		"terminal. A report register at 0x%x (write a value). The disk:\n"
		"virtio-mmio (version 2) registers at 0x%x-0x%x, on SPI %d (INTID %d).\n"
		"The GIC (in KVM): the distributor at 0x%x, a GICv3's redistributors at\n"
		"0x%x (0x%x each), a GICv2's CPU interface at 0x%x. Other addresses\n"
		"read all ones and ignore writes. PSCI SYSTEM_OFF (w0=0x%x) ends the run\n"
		"with status 0; so does SYSTEM_RESET (0x%x), which this VMM does not\n"
		"restart.\n",
		VCPUS_MAX, VCPUS_DEFAULT, STATUS_TIMED_OUT, GUEST_LOAD_ADDR, GUEST_MEM_BASE,
		GUEST_MEM_BASE + GUEST_MEM_SIZE - 1, GUEST_STACK_TOP, PSCI_FN64_CPU_ON, PL011_BASE,
		UART_IRQ, GIC_SPI_BASE + UART_IRQ, REPORT_ADDR, VIRTIO_MMIO_BASE,
		VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE - 1, DISK_IRQ, GIC_SPI_BASE + DISK_IRQ,
		GICD_BASE, GICR_BASE, GICR_SIZE, GICC_BASE, PSCI_FN_SYSTEM_OFF,
		PSCI_FN_SYSTEM_RESET);
	debug_usage(out);
}

/* The defaults live beside the VMM binary: build/vmm, build/guests/, build/disk.img. */
static const char *beside_vmm(const char *name, char path[PATH_MAX])
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return name;
	exe[n] = '\0';
	snprintf(path, PATH_MAX, "%s/%s", dirname(exe), name);
	return path;
}

struct options {
	const char *guest;
	unsigned cpus; /* --cpus */
	const char *disk; /* --disk FILE[,ro] */
	bool ioeventfd; /* --ioeventfd */
	bool stats; /* --stats */
	double timeout; /* --timeout, in seconds; 0 for none */
	struct debugger debug; /* --step, --gdb */
};

/* book:begin exit-status */
/* What the VMM's own exit status says. */
static int exit_status(enum run_outcome outcome)
{
	switch (outcome) {
	case RUN_FINISHED:
		return 0;
	case RUN_TIMED_OUT:
		return STATUS_TIMED_OUT;
	case RUN_GUEST_ERROR:
	case RUN_HOST_ERROR:
	case RUN_STOPPED:
		break;
	}
	return 1;
}
/* book:end exit-status */

/* book:begin run-guest */
/* --stats: each vCPU's, then the disk's, against the exits of all the vCPUs. */
static void print_stats(struct vm *vm, const struct run_stats *stats)
{
	struct run_stats all = {0};

	for (unsigned i = 0; i < vm->cpus; i++) {
		fprintf(stderr, "vCPU %u: ", i);
		stats_print(stderr, &stats[i]);
		for (unsigned r = 0; r < STATS_REASONS; r++)
			all.exits[r] += stats[i].exits[r];
	}
	disk_print_stats(stderr, vm, &all);
}

/* A guest that finished powered the machine off, or asked for a reset, through PSCI. */
static void say_how_it_ended(const struct vcpu *cause)
{
	fflush(stdout);
	if (cause->run->system_event.type == KVM_SYSTEM_EVENT_RESET)
		fprintf(stderr, "vmm: the guest asked for a reset (PSCI SYSTEM_RESET): "
				"this VMM stops instead\n");
	else
		fprintf(stderr, "vmm: the guest powered off (PSCI SYSTEM_OFF)\n");
}

static int run_guest(struct vm *vm, struct options *opt)
{
	struct vcpu vcpus[VCPUS_MAX], *boot = &vcpus[0];
	struct run_stats stats[VCPUS_MAX] = {0};
	enum run_outcome outcome = RUN_HOST_ERROR;

	for (unsigned i = 0; i < VCPUS_MAX; i++)
		vcpus[i] = (struct vcpu){.fd = -1};
	if (kvm_open(vm, "/dev/kvm") == 0 && vm_create(vm) == 0 &&
	    vm_load_guest(vm, opt->guest) == 0 && disk_open(vm, opt->disk) == 0 &&
	    vcpus_create(vm, vcpus, opt->cpus) == 0 &&
	    (!opt->ioeventfd || disk_use_ioeventfd(vm) == 0) &&
	    (opt->timeout <= 0 || vcpu_set_timeout(boot, opt->timeout) == 0) &&
	    debug_start(boot, &opt->debug, opt->guest) == 0 &&
	    serial_start_input(vm, STDIN_FILENO) == 0) {
		terminal_take(STDIN_FILENO); /* if stdin is a terminal: keys go to the guest */
		for (unsigned i = 0; i < vm->cpus; i++)
			vcpus[i].stats = opt->stats ? &stats[i] : NULL;
		/* The debugger follows the boot vCPU, which runs on this thread. */
		outcome = debug_finish(boot, vm_run(vm));
	}
	terminal_restore();
	struct vcpu *cause = vm->stopped_by ? vm->stopped_by : boot; /* the first to end */
	if (outcome != RUN_FINISHED)
		fprintf(stderr, "vmm: %s\n", vm->error);
	if (outcome != RUN_FINISHED && vm->stopped_by && vm->cpus > 1)
		fprintf(stderr, "vmm: that was vCPU %u, and the VMM stopped the other %u with it\n",
			cause->index, vm->cpus - 1);
	if (outcome == RUN_GUEST_ERROR || outcome == RUN_TIMED_OUT)
		diag_dump(cause, stderr);
	if (outcome == RUN_FINISHED)
		say_how_it_ended(cause);
	if (opt->stats)
		print_stats(vm, stats);
	for (unsigned i = 0; i < VCPUS_MAX; i++)
		vcpu_destroy(&vcpus[i]);
	vm->vcpus = NULL;
	return exit_status(outcome);
}
/* book:end run-guest */

/* A number of seconds, more than 0; false if the text is not one. */
static bool parse_seconds(const char *text, double *seconds)
{
	char *end;

	*seconds = strtod(text, &end);
	return end != text && *end == '\0' && *seconds > 0 && *seconds < 1e9;
}

/* A number of vCPUs, 1 to VCPUS_MAX; false if the text is not one. */
static bool parse_cpus(const char *text, unsigned *cpus)
{
	char *end;
	long n = strtol(text, &end, 10);

	*cpus = (unsigned)n;
	return end != text && *end == '\0' && n >= 1 && n <= VCPUS_MAX;
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
		} else if (strcmp(argv[i], "--cpus") == 0) {
			const char *text = i + 1 < argc ? argv[++i] : "";
			if (!parse_cpus(text, &opt->cpus)) {
				fprintf(stderr,
					"vmm: --cpus '%s' is not a number of vCPUs from 1 to %d "
					"(see ./run --help)\n",
					text, VCPUS_MAX);
				return 2;
			}
		} else if (debug_is_option(argv[i])) {
			if (debug_parse_option(argv[i], &opt->debug) < 0) {
				fprintf(stderr, "vmm: %s (see ./run --help)\n", opt->debug.message);
				return 2;
			}
		} else if (strcmp(argv[i], "--disk") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "vmm: --disk needs an image: --disk FILE or "
						"--disk FILE,ro (see ./run --help)\n");
				return 2;
			}
			opt->disk = argv[++i];
		} else if (strcmp(argv[i], "--ioeventfd") == 0) {
			opt->ioeventfd = true;
		} else if (argv[i][0] == '-' || opt->guest) {
			fprintf(stderr, "vmm: unexpected argument '%s' (see ./run --help)\n",
				argv[i]);
			return 2;
		} else {
			opt->guest = argv[i];
		}
	}
	static char guest[PATH_MAX], disk[PATH_MAX];
	if (!opt->cpus)
		opt->cpus = VCPUS_DEFAULT;
	if (!opt->guest)
		opt->guest = beside_vmm("guests/" DEFAULT_GUEST, guest);
	if (!opt->disk)
		opt->disk = beside_vmm(DEFAULT_DISK, disk);
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
