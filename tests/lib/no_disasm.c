/*
 * disassemble() for the test binaries that never call it: they link the stage's
 * objects, step.o among them, but not Capstone (see the stage's disasm.c).
 */
#include "vmm.h"

#ifdef __aarch64__ /* stage08-arm64's: A64 instructions only, no mode to say */
int disassemble(const uint8_t *code, size_t len, uint64_t address, char *text, size_t text_size)
{
	(void)code;
	(void)len;
	(void)address;
	snprintf(text, text_size, "(no disassembler in this test)");
	return 0;
}
#else
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
#endif
