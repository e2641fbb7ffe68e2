/*
 * One instruction as text, by Capstone (Debian's libcapstone-dev): decoding x86 is
 * a project of its own. In a file of its own because Capstone is large (4.5 MB of
 * every architecture it knows, linked statically): the VMM and the tests that
 * disassemble link it, the others tests/lib/no_disasm.c.
 */
#include "vmm.h"

#include <capstone/capstone.h>

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

	snprintf(text, text_size, "(bad)");
	if (cs_open(CS_ARCH_X86, cs_bits, &handle) != CS_ERR_OK)
		return 0;
	if (cs_disasm(handle, code, len, address, 1, &insn) == 1) {
		snprintf(text, text_size, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "",
			 insn->op_str);
		size = (int)insn->size;
		cs_free(insn, 1);
	}
	cs_close(&handle);
	return size;
}
/* book:end disassemble */
