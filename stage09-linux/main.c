/* stage09-linux: boot Linux (or run a flat binary guest) on several vCPUs, with COM1 and a disk. */
#include "vmm.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_KERNEL "vmlinuz" /* Debian's kernel, and the initrd the build makes */
#define DEFAULT_INITRD "initrd.img"
#define DEFAULT_CMDLINE "console=ttyS0 panic=-1"
#define DEFAULT_DISK "disk.img" /* made by the build: see the Makefile */
#define STATUS_TIMED_OUT 124 /* our exit status after --timeout: the one timeout(1) uses */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ./run [--kernel FILE] [--initrd FILE] [--cmdline TEXT] [--mem MIB]\n"
		"             [--cpus N] [--disk FILE[,ro]] [--ioeventfd] [--trace] [--stats]\n"
		"             [--timeout SECONDS] [GUEST.bin]\n"
		"Boots Linux (default: guests/" DEFAULT_KERNEL " and guests/" DEFAULT_INITRD ")\n"
		"on several vCPUs, with a virtio-blk disk (default: " DEFAULT_DISK ", beside\n"
		"the VMM); or, given GUEST.bin, runs that flat binary guest in long mode.\n"
		"\n"
		"  --kernel FILE     a Linux bzImage (boot protocol 2.12 or later, 64-bit)\n"
		"  --initrd FILE     its initial RAM disk (a cpio archive), placed high in RAM\n"
		"  --cmdline TEXT    the kernel's command line (default: \"" DEFAULT_CMDLINE "\")\n"
		"  --mem MIB         guest RAM for Linux, in MiB: %d to %d; default %d\n"
		"  --cpus N          N vCPUs, one thread each: 1 to %d, and no more than KVM\n"
		"                    allows (KVM_CAP_MAX_VCPUS); default %d. vCPU 0 boots;\n"
		"                    the others wait for its INIT and start-up IPIs\n"
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
		"Linux finds its devices in ACPI tables at guest physical 0x%x (the RSDP\n"
		"there too); a write of S5 to its sleep control register powers it off,\n"
		"and the VMM exits with status 0.\n"
		"\n"
		"A flat guest is loaded at guest physical 0x%x and vCPU 0 starts there: IP=0x%x,\n"
		"SP=0x%x, interrupts off. Guest memory: 0x0-0x%x. The VMM's GDT is at 0x%x;\n"
		"in long mode its PML4 is at 0x%x, and 2 MiB pages map RAM to itself. The\n"
		"other vCPUs start in real mode, at the page their start-up IPI names.\n"
		"Ports: COM1, a 16550A UART, at 0x%x-0x%x on IRQ %d: what the guest sends goes\n"
		"to stdout; stdin is its input, sent while the guest sets RTS (MCR bit 1), and\n"
		"at the end of stdin one EOT (0x04), as Ctrl-D on a terminal. OUT 0x%x prints\n"
		"a byte; OUT 0x%x reports a value; OUT 0x%x ends the run, the byte written is\n"
		"the exit status; IN 0x%x reads the number of vCPUs. Other ports read all\n"
		"ones and ignore writes.\n"
		"The disk: virtio-mmio (version 2) registers at guest physical 0x%x-0x%x,\n"
		"mapped to themselves, uncached; its interrupt is IRQ %d. Each vCPU's local\n"
		"APIC: at guest physical 0x%x, mapped to itself, uncached.\n",
		LINUX_MEM_MIN, LINUX_MEM_MAX, LINUX_MEM_DEFAULT, VCPUS_MAX, VCPUS_DEFAULT,
		STATUS_TIMED_OUT, ACPI_TABLES_ADDR, GUEST_LOAD_ADDR, GUEST_LOAD_ADDR,
		GUEST_STACK_TOP, GUEST_MEM_SIZE - 1, GDT_ADDR, PML4_ADDR, COM1_BASE,
		COM1_BASE + COM1_PORTS - 1, COM1_IRQ, PORT_CONSOLE, PORT_REPORT, PORT_DONE,
		PORT_CPUS, VIRTIO_MMIO_BASE, VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE - 1, DISK_IRQ,
		LAPIC_BASE);
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
	const char *guest; /* a flat binary, or NULL to boot Linux */
	struct linux_boot linux; /* --kernel, --initrd, --cmdline */
	unsigned mem; /* --mem, in MiB */
	unsigned cpus; /* --cpus */
	const char *disk; /* --disk FILE[,ro] */
	bool ioeventfd; /* --ioeventfd */
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

/* A flat binary; or Linux, and the ACPI tables it finds its hardware in. */
static int load_guest(struct vm *vm, struct options *opt)
{
	uint64_t rsdp;

	if (opt->guest)
		return vm_load_guest(vm, opt->guest);
	if (acpi_write(vm, opt->cpus, &rsdp) < 0)
		return -1;
	return linux_load(vm, &opt->linux, rsdp);
}

static int run_guest(struct vm *vm, struct options *opt)
{
	struct vcpu vcpus[VCPUS_MAX], *boot = &vcpus[0];
	struct run_stats stats[VCPUS_MAX] = {0};
	enum run_outcome outcome = RUN_HOST_ERROR;

	for (unsigned i = 0; i < VCPUS_MAX; i++)
		vcpus[i] = (struct vcpu){.fd = -1};
	if (kvm_open(vm, "/dev/kvm") == 0 && vm_create(vm) == 0 && load_guest(vm, opt) == 0 &&
	    disk_open(vm, opt->disk) == 0 && (!opt->ioeventfd || disk_use_ioeventfd(vm) == 0) &&
	    vcpus_create(vm, vcpus, opt->cpus) == 0 &&
	    (opt->guest || linux_start(boot, &opt->linux) == 0) && vcpu_watch(boot) == 0 &&
	    (opt->timeout <= 0 || vcpu_set_timeout(boot, opt->timeout) == 0) &&
	    debug_start(boot, &opt->debug, opt->guest ? opt->guest : opt->linux.kernel) == 0 &&
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
	if (outcome == RUN_FINISHED && vm->status != 0)
		fprintf(stderr, "vmm: the guest finished with status %u\n", vm->status);
	if (opt->stats)
		print_stats(vm, stats);
	for (unsigned i = 0; i < VCPUS_MAX; i++)
		vcpu_destroy(&vcpus[i]);
	vm->vcpus = NULL;
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

/* A number of vCPUs, 1 to VCPUS_MAX; false if the text is not one. */
static bool parse_cpus(const char *text, unsigned *cpus)
{
	char *end;
	long n = strtol(text, &end, 10);

	*cpus = (unsigned)n;
	return end != text && *end == '\0' && n >= 1 && n <= VCPUS_MAX;
}

/* A size of guest RAM for Linux, in MiB; false if the text is not one. */
static bool parse_mem(const char *text, unsigned *mib)
{
	char *end;
	long n = strtol(text, &end, 10);

	*mib = (unsigned)n;
	return end != text && *end == '\0' && n >= LINUX_MEM_MIN && n <= LINUX_MEM_MAX;
}

/* The value of an option that takes one: the next argument, or NULL. */
static const char *option_value(int argc, char **argv, int *i)
{
	if (*i + 1 == argc) {
		fprintf(stderr, "vmm: %s needs a value (see ./run --help)\n", argv[*i]);
		return NULL;
	}
	return argv[++*i];
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
		} else if (strcmp(argv[i], "--disk") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "vmm: --disk needs an image: --disk FILE or "
						"--disk FILE,ro (see ./run --help)\n");
				return 2;
			}
			opt->disk = argv[++i];
		} else if (strcmp(argv[i], "--kernel") == 0) {
			if (!(opt->linux.kernel = option_value(argc, argv, &i)))
				return 2;
		} else if (strcmp(argv[i], "--initrd") == 0) {
			if (!(opt->linux.initrd = option_value(argc, argv, &i)))
				return 2;
		} else if (strcmp(argv[i], "--cmdline") == 0) {
			if (!(opt->linux.cmdline = option_value(argc, argv, &i)))
				return 2;
		} else if (strcmp(argv[i], "--mem") == 0) {
			const char *text = i + 1 < argc ? argv[++i] : "";
			if (!parse_mem(text, &opt->mem)) {
				fprintf(stderr,
					"vmm: --mem '%s' is not a number of MiB from %d to %d "
					"(see ./run --help)\n",
					text, LINUX_MEM_MIN, LINUX_MEM_MAX);
				return 2;
			}
		} else if (strcmp(argv[i], "--ioeventfd") == 0) {
			opt->ioeventfd = true;
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
	static char kernel[PATH_MAX], initrd[PATH_MAX], disk[PATH_MAX];
	if (opt->guest &&
	    (opt->linux.kernel || opt->linux.initrd || opt->linux.cmdline || opt->mem)) {
		fprintf(stderr,
			"vmm: %s is a flat guest: --kernel, --initrd, --cmdline and --mem "
			"are for booting Linux instead (see ./run --help)\n",
			opt->guest);
		return 2;
	}
	if (!opt->cpus)
		opt->cpus = VCPUS_DEFAULT;
	if (!opt->guest && !opt->linux.kernel) {
		opt->linux.kernel = beside_vmm("guests/" DEFAULT_KERNEL, kernel);
		if (!opt->linux.initrd)
			opt->linux.initrd = beside_vmm("guests/" DEFAULT_INITRD, initrd);
	}
	if (!opt->linux.cmdline)
		opt->linux.cmdline = DEFAULT_CMDLINE;
	if (!opt->guest)
		vm->mem_size = (size_t)(opt->mem ? opt->mem : LINUX_MEM_DEFAULT) << 20;
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
