/*
 * Debian's ACPI disassembler, `iasl -d` (acpica-tools, from the ACPICA project
 * whose interpreter Linux uses), on a table the VMM built: what the kernel's
 * own interpreter would make of it. For stage09's tests and its exercises.
 */
#ifndef IASL_H
#define IASL_H

#include <stdint.h>

/* Why `iasl` cannot be run here, or NULL when it can (for tcase_add_test_needing). */
const char *iasl_missing(void);

/*
 * Writes the table (its length from its header) into a file, runs `iasl -d` on
 * it and returns what it wrote (NAME.dsl), comments and runs of white space
 * dropped; malloc'd. Fails the test unless iasl exits with 0 and reports nothing
 * wrong: no error, no warning, no bad checksum.
 */
char *iasl_disassemble(const uint8_t *table, const char *name);

/* Fails unless the disassembly has `what`; shows no more of it than Check's message holds. */
void assert_disassembly_has(const char *disassembly, const char *what);

#endif
