/*
 * One instruction as text, by Capstone (Debian's libcapstone-dev, its arm64
 * package off arm64): every A64 instruction is 4 bytes, but decoding them is a
 * project of its own. In a file of its own because Capstone is large (4.5 MB of
 * every architecture it knows, linked statically): the VMM and the tests that
 * disassemble link it.
 */
#include "vmm.h"

#include <capstone/capstone.h>

/* One instruction as text; returns its length, or 0 if Capstone cannot decode it. */
int disassemble(const uint8_t *code, size_t len, uint64_t address, char *text, size_t text_size)
{
	csh handle;
	cs_insn *insn;
	int size = 0;

	snprintf(text, text_size, "(bad)");
	if (cs_open(CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN, &handle) != CS_ERR_OK)
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
