/*
 * disassemble() for the test binaries that never call it: they link the stage's
 * objects, step.o among them, but not Capstone (see the stage's disasm.c).
 */
#include "vmm.h"

const char *disasm_load(void)
{
	return "no disassembler in this test";
}

int disassemble(enum cpu_mode mode, const uint8_t *code, size_t len, uint64_t address, char *text,
		size_t text_size)
{
	(void)mode;
	(void)code;
	(void)len;
	(void)address;
	snprintf(text, text_size, "(no disassembler in this test)");
	return 0;
}
