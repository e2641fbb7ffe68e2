/* stage04-long-mode: run a flat binary guest in long mode (or protected, or real mode). */
#include "vmm.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_GUEST "hello.bin"

/* book:begin entries */
/* The ways the vCPU can start: --entry NAME picks one; the first is the default. */
static const struct entry {
	const char *name;
	int (*set)(struct vcpu *vcpu);
	const char *help;
} entries[] = {
    {"long", vcpu_set_long_mode, "64-bit long mode: 4-level paging, RAM mapped to itself"},
    {"protected", vcpu_set_protected_mode, "32-bit protected mode, flat segments from a GDT"},
    {"paged", vcpu_set_paged_mode, "the same with 32-bit paging: RAM mapped to itself"},
    {"real", vcpu_set_real_mode, "real mode, as in stage02, for a guest that switches itself"},
};
/* book:end entries */
#define N_ENTRIES (sizeof(entries) / sizeof(entries[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ./run [--trace] [--entry MODE] [GUEST.bin]\n"
		"Runs a flat binary guest (default: guests/" DEFAULT_GUEST ", in %s mode).\n"
		"\n"
		"  --entry MODE  how the vCPU starts (default: %s):\n",
		entries[0].name, entries[0].name);
	for (size_t i = 0; i < N_ENTRIES; i++)
		fprintf(out, "      %-10s %s\n", entries[i].name, entries[i].help);
	fprintf(out,
		"  --trace       print one line per VM exit (to stderr)\n"
		"  --help        this text\n"
		"\n"
		"This stage's guests: hello.bin and unmapped.bin (long), switch.bin\n"
		"(--entry protected: it turns long mode on itself).\n"
		"\n"
		"The guest is loaded at guest physical 0x%x and starts there: IP=0x%x,\n"
		"SP=0x%x, interrupts off. Guest memory: 0x0-0x%x. The VMM's GDT is at 0x%x;\n"
		"in long mode its PML4 is at 0x%x, and 2 MiB pages map RAM to itself. With\n"
		"32-bit paging, its page directory is at 0x%x; virtual 0x%x is physical 0x%x.\n"
		"Ports: OUT 0x%x prints a byte, IN 0x%x reads 0x%x; OUT 0x%x reports a value.\n"
		"HLT ends the run (exit status 0).\n",
		GUEST_LOAD_ADDR, GUEST_LOAD_ADDR, GUEST_STACK_TOP, GUEST_MEM_SIZE - 1, GDT_ADDR,
		PML4_ADDR, PAGE_DIR_ADDR, REMAP_VIRT, REMAP_PHYS, PORT_CONSOLE, PORT_CONSOLE,
		PORT_CONSOLE, PORT_REPORT);
}

static const struct entry *find_entry(const char *name)
{
	for (size_t i = 0; i < N_ENTRIES; i++)
		if (strcmp(entries[i].name, name) == 0)
			return &entries[i];
	return NULL;
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

static int run_guest(struct vm *vm, const char *guest, const struct entry *entry)
{
	struct vcpu vcpu = {.fd = -1};
	enum run_outcome outcome = RUN_HOST_ERROR;

	if (kvm_open(vm, "/dev/kvm") == 0 && vm_create(vm) == 0 && vm_load_guest(vm, guest) == 0 &&
	    vcpu_create(vm, &vcpu) == 0 && entry->set(&vcpu) == 0)
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
	const struct entry *entry = &entries[0];

	vm_init(&vm);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--trace") == 0) {
			vm.trace = stderr;
		} else if (strcmp(argv[i], "--entry") == 0) {
			const char *mode = i + 1 < argc ? argv[++i] : "";
			entry = find_entry(mode);
			if (!entry) {
				fprintf(stderr, "vmm: --entry '%s' is not one of:", mode);
				for (size_t e = 0; e < N_ENTRIES; e++)
					fprintf(stderr, " %s", entries[e].name);
				fprintf(stderr, " (see ./run --help)\n");
				return 2;
			}
		} else if (argv[i][0] == '-' || guest) {
			fprintf(stderr, "vmm: unexpected argument '%s' (see ./run --help)\n",
				argv[i]);
			return 2;
		} else {
			guest = argv[i];
		}
	}
	int status = run_guest(&vm, guest ? guest : default_guest(), entry);
	vm_destroy(&vm);
	return status;
}
