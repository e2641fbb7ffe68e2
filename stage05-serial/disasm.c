/*
 * One instruction as text, by Capstone (Debian's libcapstone-dev): decoding x86 is
 * a project of its own. Capstone is large (6.6 MB: every architecture it knows), and
 * only --step needs it: a VMM linked with it paid at every start for the dynamic
 * linker to load it, about twice the start-up time and 3.5 MiB of memory of a bare
 * VMM (book/11-performance.md). So the VMM loads it with dlopen() when --step first
 * asks, and a run without --step never touches it.
 *
 * A static build (STATIC=1, for the emulated hosts) cannot dlopen(): its Makefile
 * links Capstone in and defines CAPSTONE_LINKED. In a file of its own, so that the
 * tests that never disassemble link tests/lib/no_disasm.c instead.
 */
#include "vmm.h"

#include <capstone/capstone.h>
#include <dlfcn.h>

/* The Capstone functions the VMM calls, wherever they come from. */
typedef cs_err cs_open_fn(cs_arch arch, cs_mode mode, csh *handle);
typedef size_t cs_disasm_fn(csh handle, const uint8_t *code, size_t size, uint64_t address,
			    size_t count, cs_insn **insn);
typedef void cs_free_fn(cs_insn *insn, size_t count);
typedef cs_err cs_close_fn(csh *handle);
static struct {
	cs_open_fn *open;
	cs_disasm_fn *disasm;
	cs_free_fn *free;
	cs_close_fn *close;
} capstone;

#ifdef CAPSTONE_LINKED
const char *disasm_load(void)
{
	capstone.open = cs_open;
	capstone.disasm = cs_disasm;
	capstone.free = cs_free;
	capstone.close = cs_close;
	return NULL;
}
#else
#define STRING(x) #x
#define SONAME(major) "libcapstone.so." STRING(major)
/*
 * The library of the version whose capstone.h this file was compiled with, since
 * cs_insn's layout is that header's: libcapstone.so.4 for version 4.
 */
#define CAPSTONE_LIBRARY SONAME(CS_API_MAJOR)

/* book:begin disasm-load */
/* Loads Capstone, the first time; returns NULL when it is there, or why it is not. */
const char *disasm_load(void)
{
	static bool tried;
	static char why[256];
	void *library;

	if (tried)
		return why[0] ? why : NULL;
	tried = true;
	library = dlopen(CAPSTONE_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (library) {
		/* dlsym() gives a void *; POSIX lets it convert to a function pointer. */
		capstone.open = (cs_open_fn *)dlsym(library, "cs_open");
		capstone.disasm = (cs_disasm_fn *)dlsym(library, "cs_disasm");
		capstone.free = (cs_free_fn *)dlsym(library, "cs_free");
		capstone.close = (cs_close_fn *)dlsym(library, "cs_close");
	}
	if (!library || !capstone.open || !capstone.disasm || !capstone.free || !capstone.close)
		snprintf(why, sizeof(why), "%s (Debian's package: libcapstone%d)", dlerror(),
			 CS_API_MAJOR);
	return why[0] ? why : NULL;
}
/* book:end disasm-load */
#endif

/* book:begin disassemble */
/* One instruction as text; returns its length, or 0 if Capstone cannot decode it. */
int disassemble(enum cpu_mode mode, const uint8_t *code, size_t len, uint64_t address, char *text,
		size_t text_size)
{
	cs_mode cs_bits = cpu_mode_bits(mode) == 16   ? CS_MODE_16
			  : cpu_mode_bits(mode) == 32 ? CS_MODE_32
						      : CS_MODE_64;
	csh handle;
	cs_insn *insn;
	int size = 0;

	if (disasm_load()) { /* no Capstone: step_start() said so, once */
		snprintf(text, text_size, "(no Capstone)");
		return 0;
	}
	snprintf(text, text_size, "(bad)");
	if (capstone.open(CS_ARCH_X86, cs_bits, &handle) != CS_ERR_OK)
		return 0;
	if (capstone.disasm(handle, code, len, address, 1, &insn) == 1) {
		snprintf(text, text_size, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "",
			 insn->op_str);
		size = (int)insn->size;
		capstone.free(insn, 1);
	}
	capstone.close(&handle);
	return size;
}
/* book:end disassemble */
