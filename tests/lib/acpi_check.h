/*
 * stage09's ACPI tables under test, for its tests and its exercises: the
 * devices they describe, and Debian's ACPI disassembler, `iasl -d`
 * (acpica-tools, from the ACPICA project whose interpreter Linux uses), to read
 * a table back as the kernel's own interpreter would make of it.
 */
#ifndef ACPI_CHECK_H
#define ACPI_CHECK_H

#include "acpi.h"

#include <stdint.h>

/* The ports the tests give the sleep and reset registers: the stage's (vmm.h). */
#define TEST_SLEEP_CONTROL_PORT 0x600
#define TEST_SLEEP_STATUS_PORT 0x601
#define TEST_RESET_PORT 0xcf9

/* The stage's own devices (vmm.h) with cpus vCPUs, as stage09 describes them. */
struct acpi_config acpi_test_config(unsigned cpus);

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
