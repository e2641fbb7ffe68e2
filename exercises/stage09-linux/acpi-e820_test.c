/*
 * Exercise 09-acpi-e820 (easy): the memory map names the ACPI tables.
 * The e820 map in the zero page is how the kernel learns which memory is its own.
 * Today the 128 KiB the VMM keeps for the ACPI tables (ACPI_TABLES_ADDR,
 * ACPI_TABLES_SIZE) lie in one reserved entry with the rest of the BIOS area.
 * Give them an entry of their own, of type 3 (AddressRangeACPI: tables the OS
 * reads, then may reclaim), and keep the rest: RAM below 0x9fc00 and from 1 MiB to
 * the end of --mem, reserved between. Linux prints the map as it boots ("BIOS-e820:
 * ... ACPI data"). The test loads Debian's kernel with two sizes of RAM and reads
 * the map in the zero page.
 * order: 1
 * hint: e820_build() in linux.c lists the entries by address: split the reserved one in
 * two at ACPI_TABLES_ADDR; type 3 is AddressRangeACPI (ACPI 6.5, 15 "System Address Map
 * Interfaces")
 */
#include "kvm_check.h"
#include "linux_loaded.h"

#include <stdlib.h>

#define TYPE_RAM 1 /* the e820 types of ACPI 6.5, table 15.1 */
#define TYPE_RESERVED 2
#define TYPE_ACPI 3
#define LOW_RAM_TOP 0x9fc00 /* where a PC's extended BIOS data area begins */

/* The type of the one entry that holds addr; 0 if none does. */
static unsigned type_at(const struct boot_params *zp, uint64_t addr)
{
	for (unsigned i = 0; i < zp->e820_entries; i++) {
		const struct boot_e820_entry *e = &zp->e820_table[i];
		if (addr >= e->addr && addr - e->addr < e->size)
			return e->type;
	}
	return 0;
}

/* The entries, in order of address, cover [0, mem) once, with nothing between them. */
static void expect_one_cover(const struct boot_params *zp, uint64_t mem)
{
	uint64_t next = 0;

	ck_assert_uint_le(zp->e820_entries, E820_MAX_ENTRIES_ZEROPAGE);
	for (unsigned i = 0; i < zp->e820_entries; i++) {
		const struct boot_e820_entry *e = &zp->e820_table[i];
		ck_assert_msg(
		    e->addr == next,
		    "e820 entry %u starts at 0x%llx, not 0x%llx where the one before ends: "
		    "the entries go in order of address, with no gap and no overlap",
		    i, (unsigned long long)e->addr, (unsigned long long)next);
		ck_assert_msg(e->size > 0, "e820 entry %u is empty", i);
		next = e->addr + e->size;
	}
	ck_assert_msg(next == mem, "the e820 map ends at 0x%llx, not at the end of RAM, 0x%llx",
		      (unsigned long long)next, (unsigned long long)mem);
}

static void expect_map(uint64_t mem)
{
	struct vm vm;
	const struct boot_params *zp = linux_loaded(&vm, mem, "console=ttyS0");

	expect_one_cover(zp, mem);
	ck_assert_msg(type_at(zp, 0) == TYPE_RAM && type_at(zp, LOW_RAM_TOP - 1) == TYPE_RAM,
		      "0-0x9fbff must stay RAM");
	for (uint64_t a = LOW_RAM_TOP; a < ACPI_TABLES_ADDR; a += 0x400)
		ck_assert_msg(type_at(zp, a) == TYPE_RESERVED,
			      "0x%llx, between low RAM and the ACPI tables, has type %u, not 2 "
			      "(reserved)",
			      (unsigned long long)a, type_at(zp, a));
	for (unsigned i = 0; i < zp->e820_entries; i++) {
		const struct boot_e820_entry *e = &zp->e820_table[i];
		if (e->type != TYPE_ACPI)
			continue;
		ck_assert_msg(e->addr == ACPI_TABLES_ADDR && e->size == ACPI_TABLES_SIZE,
			      "the ACPI entry is 0x%llx+0x%llx, not ACPI_TABLES_ADDR 0x%x + "
			      "ACPI_TABLES_SIZE 0x%x",
			      (unsigned long long)e->addr, (unsigned long long)e->size,
			      ACPI_TABLES_ADDR, ACPI_TABLES_SIZE);
	}
	ck_assert_msg(type_at(zp, ACPI_TABLES_ADDR) == TYPE_ACPI,
		      "the ACPI tables at 0x%x are in an entry of type %u, not 3 (ACPI)",
		      ACPI_TABLES_ADDR, type_at(zp, ACPI_TABLES_ADDR));
	ck_assert_msg(type_at(zp, MIB) == TYPE_RAM && type_at(zp, mem - 1) == TYPE_RAM,
		      "RAM from 1 MiB to the end must stay RAM");
	free(vm.mem);
}

START_TEST(the_tables_get_an_acpi_entry_with_256_mib)
{
	expect_map(256 * MIB);
}
END_TEST

START_TEST(the_tables_get_an_acpi_entry_with_1_gib)
{
	expect_map(1024 * MIB);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 09-acpi-e820");
	TCase *tc = tcase_create("e820");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_tables_get_an_acpi_entry_with_256_mib);
	tcase_add_test(tc, the_tables_get_an_acpi_entry_with_1_gib);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
