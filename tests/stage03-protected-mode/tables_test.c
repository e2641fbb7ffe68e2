/*
 * stage03-protected-mode: what the VMM writes into guest memory, the GDT and the
 * 32-bit page tables, checked bit by bit. Needs no /dev/kvm.
 */
#include "guest_memory.h"
#include "kvm_check.h"

#include <stdlib.h>
#include <string.h>

/* The names in vmm.h against the SDM's figures: checked by the compiler, not at run time. */
_Static_assert(DESC_S == 1ull << 44 && DESC_P == 1ull << 47, "SDM vol. 3A, Figure 3-8");
_Static_assert(DESC_DB == 1ull << 54 && DESC_G == 1ull << 55, "SDM vol. 3A, Figure 3-8");
_Static_assert(CR0_PE == 1 && CR0_PG == 0x80000000u, "SDM vol. 3A, 2.5");
_Static_assert((PTE_PRESENT | PTE_WRITE) == 3, "SDM vol. 3A, Figure 4-4");
_Static_assert(SELECTOR(GDT_CODE32) == 0x08 && SELECTOR(GDT_DATA) == 0x10,
	       "the selectors the guests load");

static uint64_t gdt_entry(struct vm *vm, unsigned index)
{
	uint64_t entry;

	memcpy(&entry, vm->mem + GDT_ADDR + index * 8, 8);
	return entry;
}

static uint32_t entry32(struct vm *vm, uint64_t table, unsigned index)
{
	uint32_t entry;

	memcpy(&entry, vm->mem + table + index * 4, 4);
	return entry;
}

/* The classic flat descriptors: what every protected-mode tutorial writes by hand. */
START_TEST(gdt_holds_the_flat_code_and_data_descriptors)
{
	struct vm vm;

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_int_eq(gdt_write(&vm), 0);
	ck_assert_uint_eq(gdt_entry(&vm, GDT_NULL), 0);
	ck_assert_uint_eq(gdt_entry(&vm, GDT_CODE32), 0x00cf9b000000ffffull);
	ck_assert_uint_eq(gdt_entry(&vm, GDT_DATA), 0x00cf93000000ffffull);
	ck_assert_uint_eq(gdt_entry(&vm, GDT_ENTRIES), 0); /* nothing past the end */
	free(vm.mem);
}
END_TEST

/* Every field lands in its own bits: base and limit are scattered, attributes are not. */
START_TEST(descriptor_scatters_base_and_limit)
{
	struct kvm_segment seg = {
	    .base = 0x12345678,
	    .limit = 0xabcde, /* bytes: g = 0 */
	    .type = SEG_TYPE_WRITE,
	    .present = 1,
	    .dpl = 3,
	    .s = 1,
	};

	/* base 31:24 | flags, limit 19:16 | access byte | base 23:0 | limit 15:0 */
	ck_assert_uint_eq(segment_descriptor(&seg), 0x120af2345678bcdeull);
	seg.g = 1;
	seg.limit = 0xabcdefff; /* 0xabcde units of 4 KiB */
	seg.db = 1;
	ck_assert_uint_eq(segment_descriptor(&seg), 0x12caf2345678bcdeull);
	seg.avl = 1;
	seg.l = 1;
	seg.db = 0;
	ck_assert_uint_eq(segment_descriptor(&seg), 0x12baf2345678bcdeull);
}
END_TEST

/* Walks the 32-bit tables the way the MMU does; returns the physical address, or -1. */
static int64_t walk32(struct vm *vm, uint32_t va)
{
	uint32_t pde = entry32(vm, PAGE_DIR_ADDR, va >> 22);

	if (!(pde & PTE_PRESENT))
		return -1;
	uint32_t pte = entry32(vm, pde & 0xfffff000, (va >> 12) & 0x3ff);
	if (!(pte & PTE_PRESENT))
		return -1;
	return (pte & 0xfffff000) | (va & 0xfff);
}

START_TEST(page_tables_map_ram_to_itself_and_one_page_elsewhere)
{
	struct vm vm;

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_msg(paging32_build(&vm) == 0, "%s", vm.error);
	ck_assert_uint_eq(entry32(&vm, PAGE_DIR_ADDR, 0),
			  PAGE_TABLE_ADDR | PTE_PRESENT | PTE_WRITE);
	for (unsigned i = 1; i < 1024; i++)
		ck_assert_uint_eq(entry32(&vm, PAGE_DIR_ADDR, i), 0);
	for (uint32_t page = 0; page < GUEST_MEM_SIZE; page += PAGE_SIZE)
		ck_assert_uint_eq(entry32(&vm, PAGE_TABLE_ADDR, page >> 12),
				  page | PTE_PRESENT | PTE_WRITE);
	ck_assert_int_eq(walk32(&vm, GUEST_LOAD_ADDR + 5), GUEST_LOAD_ADDR + 5);
	ck_assert_int_eq(walk32(&vm, REMAP_VIRT + 0x123), REMAP_PHYS + 0x123);
	ck_assert_int_eq(walk32(&vm, GUEST_MEM_SIZE), -1); /* past RAM: unmapped */
	ck_assert_int_eq(walk32(&vm, REMAP_VIRT + PAGE_SIZE), -1); /* one page only */
	ck_assert_int_eq(walk32(&vm, 0x400000), -1); /* past the one table */
	free(vm.mem);
}
END_TEST

START_TEST(page_tables_refuse_more_memory_than_one_table_maps)
{
	struct vm vm;

	memory_only_vm(&vm, 2 * 0x400000);
	ck_assert_int_eq(paging32_build(&vm), -1);
	ck_assert_ptr_nonnull(strstr(vm.error, "4 MiB"));
	free(vm.mem);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage03-protected-mode tables");
	TCase *tc = tcase_create("GDT and page tables");

	tcase_add_test(tc, gdt_holds_the_flat_code_and_data_descriptors);
	tcase_add_test(tc, descriptor_scatters_base_and_limit);
	tcase_add_test(tc, page_tables_map_ram_to_itself_and_one_page_elsewhere);
	tcase_add_test(tc, page_tables_refuse_more_memory_than_one_table_maps);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
