/*
 * stage09-linux: the ACPI tables (acpi.c) and the AML encoder (aml.c), with no
 * KVM. The tables are read back as the kernel reads them: checksums, lengths,
 * RSDP -> XSDT -> FADT -> DSDT and the MADT, each address inside the buffer;
 * the AML of small constructs byte by byte; a buffer too small is refused with
 * nothing written past its end. And Debian's own disassembler, `iasl -d`
 * (acpica-tools, from the ACPICA project whose interpreter Linux uses), reads
 * each table back: the test asserts what it printed.
 */
#include "acpi.h"
#include "aml.h"
#include "acpi_check.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLES_GPA 0xe0000 /* where stage09 puts them: the BIOS area the kernel searches */
#define IOAPIC_BASE 0xfec00000 /* KVM's in-kernel I/O APIC */
#define SLEEP_CONTROL_PORT TEST_SLEEP_CONTROL_PORT
#define SLEEP_STATUS_PORT TEST_SLEEP_STATUS_PORT
#define RESET_PORT TEST_RESET_PORT
#define HEADER_SIZE 36
#define FADT_FLAGS 112 /* offsets in the FADT (5.2.9) */
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_SLEEP_CONTROL 244
#define FADT_SLEEP_STATUS 256

static uint8_t tables[8192];
static struct acpi_tables built;

static void build(const struct acpi_config *config)
{
	char error[256] = "";

	memset(tables, 0, sizeof(tables));
	ck_assert_msg(acpi_build(tables, sizeof(tables), TABLES_GPA, config, &built, error,
				 sizeof(error)) == 0,
		      "acpi_build: %s", error);
	ck_assert_uint_le(built.length, sizeof(tables));
}

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t u32(const uint8_t *p)
{
	return (uint32_t)u16(p) | (uint32_t)u16(p + 2) << 16;
}

static uint64_t u64(const uint8_t *p)
{
	return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *bytes, size_t length)
{
	uint8_t s = 0;

	for (size_t i = 0; i < length; i++)
		s = (uint8_t)(s + bytes[i]);
	return s;
}

/*
 * The table at guest address gpa, as the kernel would find it: inside what was
 * built, with this signature, its length inside too, its bytes summing to 0.
 */
static const uint8_t *table_at(uint64_t gpa, const char *signature)
{
	ck_assert_msg(gpa >= TABLES_GPA && gpa - TABLES_GPA + HEADER_SIZE <= built.length,
		      "%s at 0x%llx is outside the %zu bytes at 0x%x", signature,
		      (unsigned long long)gpa, built.length, TABLES_GPA);
	const uint8_t *table = tables + (gpa - TABLES_GPA);
	uint32_t length = u32(table + 4);
	ck_assert_msg(memcmp(table, signature, 4) == 0, "no %s at 0x%llx", signature,
		      (unsigned long long)gpa);
	ck_assert_uint_ge(length, HEADER_SIZE);
	ck_assert_uint_le(gpa - TABLES_GPA + length, built.length);
	ck_assert_msg(sum(table, length) == 0, "%s's bytes sum to 0x%02x", signature,
		      sum(table, length));
	return table;
}

START_TEST(the_rsdp_has_both_checksums_and_points_at_the_xsdt)
{
	struct acpi_config config = acpi_test_config(2);
	build(&config);
	const uint8_t *rsdp = tables;

	ck_assert_uint_eq(built.rsdp, TABLES_GPA);
	ck_assert_mem_eq(rsdp, "RSD PTR ", 8);
	ck_assert_uint_eq(rsdp[15], 2); /* revision 2: the XSDT's address is there */
	ck_assert_uint_eq(sum(rsdp, 20), 0); /* the ACPI 1.0 checksum */
	ck_assert_uint_eq(u32(rsdp + 20), 36);
	ck_assert_uint_eq(sum(rsdp, 36), 0); /* the extended checksum */
	ck_assert_mem_eq(rsdp + 9, "TVMM  ", 6); /* padded with spaces */
	ck_assert_uint_eq(u64(rsdp + 24), built.xsdt);
	table_at(built.xsdt, "XSDT");
}
END_TEST

START_TEST(the_xsdt_leads_to_the_fadt_and_madt_and_the_fadt_to_the_dsdt)
{
	struct acpi_config config = acpi_test_config(2);
	build(&config);
	const uint8_t *xsdt = table_at(built.xsdt, "XSDT");

	ck_assert_uint_eq(u32(xsdt + 4), HEADER_SIZE + 2 * 8);
	ck_assert_uint_eq(u64(xsdt + HEADER_SIZE), built.fadt);
	ck_assert_uint_eq(u64(xsdt + HEADER_SIZE + 8), built.madt);
	const uint8_t *fadt = table_at(built.fadt, "FACP");
	ck_assert_uint_eq(u32(fadt + 4), 276); /* the FADT of ACPI 6 */
	ck_assert_uint_eq(fadt[8], 6);
	ck_assert_uint_eq(u64(fadt + FADT_X_DSDT), built.dsdt);
	table_at(built.dsdt, "DSDT");
	table_at(built.madt, "APIC");
	ck_assert_mem_eq(fadt + 10, "TVMM  TVMMACPI", 14); /* OEM ID, OEM Table ID */
	ck_assert_mem_eq(fadt + 268, "KVMTVMM", 8);
}
END_TEST

/* A GAS (5.2.3.2): a one-byte register in system I/O space at port. */
static void assert_port_register(const uint8_t *gas, uint16_t port)
{
	ck_assert_uint_eq(gas[0], 1); /* system I/O */
	ck_assert_uint_eq(gas[1], 8); /* bits */
	ck_assert_uint_eq(gas[3], 1); /* byte access */
	ck_assert_uint_eq(u64(gas + 4), port);
}

START_TEST(the_fadt_is_hardware_reduced_with_sleep_registers_at_the_given_ports)
{
	struct acpi_config config = acpi_test_config(1);
	config.sleep_control_port = 0x1234;
	config.sleep_status_port = 0x5678;
	config.reset_port = 0x9abc;
	build(&config);
	const uint8_t *fadt = table_at(built.fadt, "FACP");

	/* HW_REDUCED_ACPI and RESET_REG_SUP, nothing else */
	ck_assert_uint_eq(u32(fadt + FADT_FLAGS), 1u << 20 | 1u << 10);
	assert_port_register(fadt + FADT_SLEEP_CONTROL, 0x1234);
	assert_port_register(fadt + FADT_SLEEP_STATUS, 0x5678);
	assert_port_register(fadt + FADT_RESET_REG, 0x9abc);
	ck_assert_uint_eq(fadt[FADT_RESET_VALUE], ACPI_RESET_VALUE);
}
END_TEST

/* The MADT's entries, checked; the number of local APIC entries. */
static unsigned madt_local_apics(const uint8_t *madt)
{
	uint32_t length = u32(madt + 4);
	unsigned lapics = 0, ioapics = 0;

	ck_assert_uint_eq(u32(madt + HEADER_SIZE), LAPIC_BASE);
	ck_assert_uint_eq(u32(madt + HEADER_SIZE + 4), 1); /* PCAT_COMPAT */
	for (uint32_t at = HEADER_SIZE + 8; at < length; at += madt[at + 1]) {
		const uint8_t *entry = madt + at;
		ck_assert_uint_ge(entry[1], 2);
		ck_assert_uint_le(at + entry[1], length);
		if (entry[0] == 0) { /* Processor Local APIC */
			ck_assert_uint_eq(entry[1], 8);
			ck_assert_uint_eq(entry[2], lapics); /* processor UID */
			ck_assert_uint_eq(entry[3], lapics); /* APIC id */
			ck_assert_uint_eq(u32(entry + 4), 1); /* enabled */
			lapics++;
		} else if (entry[0] == 1) { /* I/O APIC */
			ck_assert_uint_eq(entry[1], 12);
			ck_assert_uint_eq(entry[2], 0); /* id */
			ck_assert_uint_eq(u32(entry + 4), IOAPIC_BASE);
			ck_assert_uint_eq(u32(entry + 8), 0); /* GSI base */
			ioapics++;
		} else {
			ck_abort_msg("unexpected MADT entry of type %u", entry[0]);
		}
	}
	ck_assert_uint_eq(ioapics, 1);
	return lapics;
}

static const unsigned cpu_counts[] = {1, 2, 4, ACPI_MAX_CPUS};

START_TEST(the_madt_has_one_local_apic_per_vcpu_and_the_ioapic)
{
	struct acpi_config config = acpi_test_config(cpu_counts[_i]);
	build(&config);

	ck_assert_uint_eq(madt_local_apics(table_at(built.madt, "APIC")), cpu_counts[_i]);
	table_at(built.dsdt, "DSDT"); /* after the MADT, whatever its length */
}
END_TEST

/* AML written by `write` into a fresh buffer, compared with the expected bytes. */
#define assert_aml(expected, ...)                                                                  \
	do {                                                                                       \
		uint8_t out_[64];                                                                  \
		const uint8_t want_[] = expected;                                                  \
		struct aml a_;                                                                     \
		struct aml *aml = &a_;                                                             \
		aml_init(aml, out_, sizeof(out_));                                                 \
		__VA_ARGS__;                                                                       \
		ck_assert(!aml->failed);                                                           \
		ck_assert_uint_eq(aml->len, sizeof(want_));                                        \
		ck_assert_mem_eq(out_, want_, sizeof(want_));                                      \
	} while (0)
#define BYTES(...)                                                                                 \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}

/* The PkgLength of `contents` bytes: its bytes, and how many. */
static void assert_pkglength(size_t contents, size_t bytes, const uint8_t *expected)
{
	uint8_t out[4];

	ck_assert_uint_eq(aml_pkglength(out, contents), bytes);
	ck_assert_mem_eq(out, expected, bytes);
}

START_TEST(package_lengths_grow_a_byte_at_their_limits)
{
	/* The value counts the PkgLength's own bytes: 62 bytes of contents make 63. */
	assert_pkglength(0, 1, (const uint8_t[]){0x01});
	assert_pkglength(62, 1, (const uint8_t[]){0x3f}); /* 63: the most one byte holds */
	assert_pkglength(63, 2, (const uint8_t[]){0x41, 0x04}); /* 64 + the second byte: 65 */
	assert_pkglength(4093, 2, (const uint8_t[]){0x4f, 0xff}); /* 4095: two bytes' most */
	assert_pkglength(4094, 3, (const uint8_t[]){0x81, 0x00, 0x01}); /* 4096 -> 4097 */
	assert_pkglength(AML_PKGLENGTH_MAX - 4, 4, (const uint8_t[]){0xcf, 0xff, 0xff, 0xff});
	ck_assert_uint_eq(aml_pkglength((uint8_t[4]){0}, AML_PKGLENGTH_MAX - 3), 0);
}
END_TEST

/* A Package of n One elements: its PkgLength moves the elements, which stay intact. */
static void assert_package_of_ones(size_t n, const uint8_t *pkglength, size_t pkglength_bytes)
{
	static uint8_t out[8192];
	struct aml aml;

	aml_init(&aml, out, sizeof(out));
	size_t start = aml_package_begin(&aml, (uint8_t)n);
	for (size_t i = 0; i < n; i++)
		aml_integer(&aml, 1);
	aml_end(&aml, start);
	ck_assert(!aml.failed);
	ck_assert_uint_eq(aml.len, 1 + pkglength_bytes + 1 + n);
	ck_assert_uint_eq(out[0], AML_PACKAGE_OP);
	ck_assert_mem_eq(out + 1, pkglength, pkglength_bytes);
	ck_assert_uint_eq(out[1 + pkglength_bytes], (uint8_t)n); /* NumElements */
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(out[2 + pkglength_bytes + i], AML_ONE_OP);
}

START_TEST(a_package_puts_its_length_before_its_contents)
{
	assert_package_of_ones(61, (const uint8_t[]){0x3f}, 1); /* 1 + 1 + 61 = 63 */
	assert_package_of_ones(62, (const uint8_t[]){0x41, 0x04}, 2); /* 64 -> 65 */
	assert_package_of_ones(4092, (const uint8_t[]){0x4f, 0xff}, 2); /* 4095 */
	assert_package_of_ones(4093, (const uint8_t[]){0x81, 0x00, 0x01}, 3); /* 4096 -> 4097 */
}
END_TEST

START_TEST(eisaid_compresses_a_pnp_id)
{
	struct aml aml;
	uint8_t out[8];

	ck_assert_uint_eq(aml_eisaid_value("PNP0501"), 0x0105d041);
	assert_aml(BYTES(AML_DWORD_PREFIX, 0x41, 0xd0, 0x05, 0x01), aml_eisaid(aml, "PNP0501"));
	aml_init(&aml, out, sizeof(out));
	aml_eisaid(&aml, "pnp0501"); /* not upper-case letters: no id */
	ck_assert(aml.failed);
}
END_TEST

START_TEST(names_are_padded_with_underscores_and_paths_prefixed)
{
	struct aml aml;
	uint8_t out[8];

	assert_aml(BYTES('_', 'S', '5', '_'), aml_nameseg(aml, "_S5"));
	assert_aml(BYTES('\\', AML_DUAL_NAME_PREFIX, '_', 'S', 'B', '_', 'C', 'O', 'M', '1'),
		   aml_namestring(aml, "\\_SB.COM1"));
	assert_aml(BYTES(AML_MULTI_NAME_PREFIX, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '1',
			 '_', '_'),
		   aml_namestring(aml, "A.B.C1"));
	assert_aml(BYTES('^', '^', 'X', '_', '_', '_'), aml_namestring(aml, "^^X"));
	assert_aml(BYTES('\\', 0x00), aml_namestring(aml, "\\")); /* the root: NullName */
	const char *bad[] = {"1ABC", "ABCDE", "a", "", "A..B"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&aml, out, sizeof(out));
		aml_nameseg(&aml, bad[i]);
		ck_assert_msg(aml.failed, "'%s' taken as a NameSeg", bad[i]);
	}
}
END_TEST

START_TEST(integers_take_the_shortest_encoding)
{
	assert_aml(BYTES(AML_ZERO_OP), aml_integer(aml, 0));
	assert_aml(BYTES(AML_ONE_OP), aml_integer(aml, 1));
	assert_aml(BYTES(AML_BYTE_PREFIX, 0x05), aml_integer(aml, 5));
	assert_aml(BYTES(AML_WORD_PREFIX, 0xf8, 0x03), aml_integer(aml, 0x3f8));
	assert_aml(BYTES(AML_DWORD_PREFIX, 0x00, 0x00, 0x00, 0xd0), aml_integer(aml, 0xd0000000));
	assert_aml(BYTES(AML_QWORD_PREFIX, 0, 0, 0, 0, 1, 0, 0, 0), aml_integer(aml, 1ull << 32));
	assert_aml(BYTES(AML_STRING_PREFIX, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0),
		   aml_string(aml, "LNRO0005"));
}
END_TEST

/* Device (COM1) { Name (_UID, Zero) }: 13 bytes, its PkgLength 11 (itself, 4 + 6). */
START_TEST(a_device_is_extop_deviceop_pkglength_name_and_terms)
{
	assert_aml(BYTES(AML_EXT_OP_PREFIX, AML_DEVICE_OP, 0x0b, 'C', 'O', 'M', '1', AML_NAME_OP,
			 '_', 'U', 'I', 'D', AML_ZERO_OP),
		   size_t d = aml_device_begin(aml, "COM1");
		   aml_name(aml, "_UID"); aml_integer(aml, 0); aml_end(aml, d));
	assert_aml(BYTES(AML_SCOPE_OP, 0x06, '\\', '_', 'S', 'B', '_'),
		   aml_end(aml, aml_scope_begin(aml, "\\_SB")));
}
END_TEST

/* A resource template's bytes, and its End Tag's checksum. */
START_TEST(resource_templates_hold_the_descriptors_of_section_6_4)
{
	/* ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 1, 8) IRQNoFlags () {4} } */
	assert_aml(BYTES(AML_BUFFER_OP, 0x10, AML_BYTE_PREFIX, 0x0d, /* 13 bytes */
			 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, /* IO */
			 0x22, 0x10, 0x00, /* IRQNoFlags: the mask, bit 4 */
			 0x79, 0x0e), /* End Tag: 0x47 + ... + 0x79 + 0x0e = 0 (mod 256) */
		   size_t r = aml_resources_begin(aml);
		   aml_io(aml, 0x3f8, 8); aml_irq_noflags(aml, 4); aml_resources_end(aml, r));
	/* Memory32Fixed (ReadWrite, 0xD0000000, 0x1000), Interrupt (..., Edge, ...) {5} */
	assert_aml(BYTES(AML_BUFFER_OP, 0x1a, AML_BYTE_PREFIX, 0x17, /* 23 bytes */
			 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x10, 0x00, 0x00,
			 0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00, /* consumer, edge */
			 0x79, 0x7f),
		   size_t r = aml_resources_begin(aml);
		   aml_memory32_fixed(aml, 0xd0000000, 0x1000);
		   aml_interrupt(aml, AML_INTERRUPT_CONSUMER | AML_INTERRUPT_EDGE, 5);
		   aml_resources_end(aml, r));
}
END_TEST

/* Name (_S5, Package (2) {ACPI_S5_SLP_TYP, Zero}): the same SLP_TYP the VMM decodes. */
START_TEST(the_dsdt_names_s5_with_the_sleep_type_the_vmm_decodes)
{
	struct acpi_config config = acpi_test_config(1);
	const uint8_t s5[] = {
	    AML_NAME_OP,     '_',        'S', '5', '_', AML_PACKAGE_OP, 0x05, 0x02, AML_BYTE_PREFIX,
	    ACPI_S5_SLP_TYP, AML_ZERO_OP};
	build(&config);
	const uint8_t *dsdt = table_at(built.dsdt, "DSDT");

	ck_assert_msg(memmem(dsdt, u32(dsdt + 4), s5, sizeof(s5)), "no \\_S5 with SLP_TYP %d",
		      ACPI_S5_SLP_TYP);
	ck_assert(acpi_sleep_is_poweroff(ACPI_S5_SLP_TYP << 2 | 0x20)); /* SLP_EN | SLP_TYP */
	ck_assert(!acpi_sleep_is_poweroff(ACPI_S5_SLP_TYP << 2)); /* no SLP_EN */
	ck_assert(!acpi_sleep_is_poweroff(0x20)); /* S0's type, say */
	ck_assert(!acpi_sleep_is_poweroff(ACPI_WAK_STS)); /* what clears WAK_STS */
}
END_TEST

START_TEST(a_buffer_too_small_is_an_error_and_nothing_is_written_past_it)
{
	struct acpi_config config = acpi_test_config(2);
	static uint8_t small[sizeof(tables) + 64], untouched[sizeof(small)];
	char error[256], want[256];
	struct acpi_tables out;

	build(&config);
	memset(untouched, 0xa5, sizeof(untouched));
	for (size_t size = 0; size < built.length; size++) {
		memset(small, 0xa5, sizeof(small));
		error[0] = '\0';
		ck_assert_int_eq(
		    acpi_build(small, size, TABLES_GPA, &config, &out, error, sizeof(error)), -1);
		snprintf(want, sizeof(want),
			 "the ACPI tables do not fit in the %zu bytes at 0xe0000", size);
		ck_assert_str_eq(error, want);
		ck_assert_msg(memcmp(small + size, untouched, sizeof(small) - size) == 0,
			      "%zu bytes: a byte past them was written", size);
	}
	ck_assert_int_eq(
	    acpi_build(small, built.length, TABLES_GPA, &config, &out, error, sizeof(error)), 0);
	ck_assert_mem_eq(small, tables, built.length);
}
END_TEST

/* What the tables cannot say is refused with one sentence. */
START_TEST(values_the_tables_cannot_hold_are_refused)
{
	struct {
		struct acpi_config config;
		uint64_t gpa;
		const char *error;
	} cases[] = {
	    {acpi_test_config(0), TABLES_GPA, "the MADT holds 1 to 255 vCPUs, not 0"},
	    {acpi_test_config(256), TABLES_GPA, "the MADT holds 1 to 255 vCPUs, not 256"},
	    {acpi_test_config(1), TABLES_GPA + 8,
	     "the ACPI tables' address 0xe0008 is not 16-byte aligned"},
	};
	char error[256];
	struct acpi_tables out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(acpi_build(tables, sizeof(tables), cases[i].gpa, &cases[i].config,
					    &out, error, sizeof(error)),
				 -1);
		ck_assert_str_eq(error, cases[i].error);
	}
	struct acpi_config config = acpi_test_config(1);
	config.com1_irq = 16;
	ck_assert_int_eq(
	    acpi_build(tables, sizeof(tables), TABLES_GPA, &config, &out, error, sizeof(error)),
	    -1);
	ck_assert_str_eq(error, "COM1's IRQ 16 is not an ISA IRQ (0-15)");
	config = acpi_test_config(1);
	config.virtio_irq = ACPI_IOAPIC_PINS;
	ck_assert_int_eq(
	    acpi_build(tables, sizeof(tables), TABLES_GPA, &config, &out, error, sizeof(error)),
	    -1);
	ck_assert_str_eq(error, "the disk's IRQ 24 is not an I/O APIC pin (0-23)");
	config = acpi_test_config(1);
	config.virtio_base = 0xfffff000;
	config.virtio_size = 0x2000;
	ck_assert_int_eq(
	    acpi_build(tables, sizeof(tables), TABLES_GPA, &config, &out, error, sizeof(error)),
	    -1);
	ck_assert_str_eq(error, "the disk's window 0xfffff000+0x2000 is not below 4 GiB");
}
END_TEST

/* ---- iasl -d: Debian's ACPICA disassembler reads the tables back ---- */

/* iasl_disassemble() on the table at gpa in what build() made. */
static char *disassembly(uint64_t gpa, const char *name)
{
	return iasl_disassemble(tables + (gpa - TABLES_GPA), name);
}

START_TEST(iasl_reads_the_devices_and_their_resources_in_the_dsdt)
{
	struct acpi_config config = acpi_test_config(2);
	build(&config);
	char *dsdt = disassembly(built.dsdt, "dsdt");

	assert_disassembly_has(dsdt, "DefinitionBlock (\"\", \"DSDT\", 2, \"TVMM \", \"TVMMACPI\", "
				     "0x00000001) {");
	assert_disassembly_has(dsdt, "Name (_S5, Package (0x02) { 0x05, Zero })");
	assert_disassembly_has(
	    dsdt, "Scope (\\_SB) { Device (COM1) { Name (_HID, EisaId (\"PNP0501\")) "
		  "Name (_UID, Zero) Name (_CRS, ResourceTemplate () { "
		  "IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08, ) IRQNoFlags () {4} }) }");
	assert_disassembly_has(dsdt,
			       "Device (VIO0) { Name (_HID, \"LNRO0005\") Name (_UID, Zero) "
			       "Name (_CRS, ResourceTemplate () { "
			       "Memory32Fixed (ReadWrite, 0xD0000000, 0x00001000, ) "
			       "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) "
			       "{ 0x00000005, } }) }");
	free(dsdt);
}
END_TEST

START_TEST(iasl_reads_the_xsdt_fadt_and_madt)
{
	struct acpi_config config = acpi_test_config(2);
	char line[128];
	build(&config);

	char *xsdt = disassembly(built.xsdt, "xsdt");
	snprintf(line, sizeof(line), "ACPI Table Address 0 : %016llX",
		 (unsigned long long)built.fadt);
	assert_disassembly_has(xsdt, line);
	snprintf(line, sizeof(line), "ACPI Table Address 1 : %016llX",
		 (unsigned long long)built.madt);
	assert_disassembly_has(xsdt, line);
	free(xsdt);

	char *fadt = disassembly(built.fadt, "facp");
	assert_disassembly_has(fadt, "Revision : 06");
	assert_disassembly_has(fadt, "Hardware Reduced (V5) : 1");
	assert_disassembly_has(fadt, "Reset Register Supported (V2) : 1");
	assert_disassembly_has(fadt, "Value to cause reset : 06");
	assert_disassembly_has(fadt, "Address : 0000000000000CF9");
	snprintf(line, sizeof(line), "DSDT Address : %016llX", (unsigned long long)built.dsdt);
	assert_disassembly_has(fadt, line);
	assert_disassembly_has(
	    fadt, "Sleep Control Register : [Generic Address Structure] "
		  "[0F4h 0244 1] Space ID : 01 [SystemIO] [0F5h 0245 1] Bit Width : 08");
	assert_disassembly_has(fadt, "[0F8h 0248 8] Address : 0000000000000600");
	assert_disassembly_has(fadt, "[104h 0260 8] Address : 0000000000000601");
	free(fadt);

	char *madt = disassembly(built.madt, "apic");
	assert_disassembly_has(madt, "PC-AT Compatibility : 1");
	ck_assert_uint_eq(occurrences(madt, "Subtable Type : 00 [Processor Local APIC]"), 2);
	assert_disassembly_has(madt, "Local Apic ID : 00");
	assert_disassembly_has(madt, "Local Apic ID : 01");
	ck_assert_uint_eq(occurrences(madt, "Processor Enabled : 1"), 2);
	assert_disassembly_has(
	    madt, "Subtable Type : 01 [I/O APIC] [03Dh 0061 1] Length : 0C "
		  "[03Eh 0062 1] I/O Apic ID : 00 [03Fh 0063 1] Reserved : 00 "
		  "[040h 0064 4] Address : FEC00000 [044h 0068 4] Interrupt : 00000000");
	free(madt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage09-linux ACPI tables");
	TCase *tables_case = tcase_create("tables");
	TCase *aml_case = tcase_create("aml");
	TCase *iasl_case = tcase_create("iasl");
	const char *no_iasl = iasl_missing();

	tcase_add_test(tables_case, the_rsdp_has_both_checksums_and_points_at_the_xsdt);
	tcase_add_test(tables_case, the_xsdt_leads_to_the_fadt_and_madt_and_the_fadt_to_the_dsdt);
	tcase_add_test(tables_case,
		       the_fadt_is_hardware_reduced_with_sleep_registers_at_the_given_ports);
	tcase_add_loop_test(tables_case, the_madt_has_one_local_apic_per_vcpu_and_the_ioapic, 0,
			    sizeof(cpu_counts) / sizeof(cpu_counts[0]));
	tcase_add_test(tables_case, the_dsdt_names_s5_with_the_sleep_type_the_vmm_decodes);
	tcase_add_test(tables_case, a_buffer_too_small_is_an_error_and_nothing_is_written_past_it);
	tcase_add_test(tables_case, values_the_tables_cannot_hold_are_refused);
	tcase_add_test(aml_case, package_lengths_grow_a_byte_at_their_limits);
	tcase_add_test(aml_case, a_package_puts_its_length_before_its_contents);
	tcase_add_test(aml_case, eisaid_compresses_a_pnp_id);
	tcase_add_test(aml_case, names_are_padded_with_underscores_and_paths_prefixed);
	tcase_add_test(aml_case, integers_take_the_shortest_encoding);
	tcase_add_test(aml_case, a_device_is_extop_deviceop_pkglength_name_and_terms);
	tcase_add_test(aml_case, resource_templates_hold_the_descriptors_of_section_6_4);
	tcase_add_test_needing(iasl_case, iasl_reads_the_devices_and_their_resources_in_the_dsdt,
			       no_iasl);
	tcase_add_test_needing(iasl_case, iasl_reads_the_xsdt_fadt_and_madt, no_iasl);
	suite_add_tcase(s, tables_case);
	suite_add_tcase(s, aml_case);
	suite_add_tcase(s, iasl_case);
	return run_suite(s);
}
