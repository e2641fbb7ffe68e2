/*
 * disassemble() for the test binaries that never call it: they link the stage's
 * objects, step.o among them, but not Capstone (see the stage's disasm.c).
 */
#include "vmm.h"

static int no_disassembler(char *text, size_t text_size)
{
	snprintf(text, text_size, "(no disassembler in this test)");
	return 0;
}

#ifdef __aarch64__ /* stage08-arm64's: A64 instructions only, no mode to say */
int disassemble(const uint8_t *code, size_t len, uint64_t address, char *text, size_t text_size)
{
	(void)code, (void)len, (void)address;
	return no_disassembler(text, text_size);
}
#else
int disassemble(enum cpu_mode mode, const uint8_t *code, size_t len, uint64_t address, char *text,
		size_t text_size)
{
	(void)mode, (void)code, (void)len, (void)address;
	return no_disassembler(text, text_size);
}
#endif
