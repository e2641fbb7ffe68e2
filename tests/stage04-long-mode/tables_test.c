/*
 * stage04-long-mode: what the VMM writes into guest memory for long mode, the
 * 64-bit code descriptor and the 4-level page tables, checked bit by bit.
 * Needs no /dev/kvm.
 */
#include "guest_memory.h"
#include "kvm_check.h"

#include <stdlib.h>
#include <string.h>

/* The names in vmm.h against the SDM: checked by the compiler, not at run time. */
_Static_assert(CR4_PAE == 0x20 && EFER_LME == 0x100 && EFER_LMA == 0x400,
	       "SDM vol. 3A, 2.5 and 2.2.1");
_Static_assert(PDE_PS == 0x80 && DESC_L == 1ull << 53, "SDM vol. 3A, Figures 4-11 and 3-8");
_Static_assert(SELECTOR(GDT_CODE64) == 0x18, "the selector switch.asm's own GDT mirrors");

static uint64_t entry64(struct vm *vm, uint64_t table, unsigned index)
{
	uint64_t entry;

	memcpy(&entry, vm->mem + table + index * 8, 8);
	return entry;
}

#define ADDR_MASK 0x000ffffffffff000ull /* bits 51:12 of an entry: a physical address */

/* Walks the 4-level tables the way the MMU does; returns the physical address, or -1. */
static int64_t walk64(struct vm *vm, uint64_t va)
{
	uint64_t e = entry64(vm, PML4_ADDR, (va >> 39) & 0x1ff);

	if (!(e & PTE_PRESENT))
		return -1;
	e = entry64(vm, e & ADDR_MASK, (va >> 30) & 0x1ff);
	if (!(e & PTE_PRESENT))
		return -1;
	e = entry64(vm, e & ADDR_MASK, (va >> 21) & 0x1ff);
	if (!(e & PTE_PRESENT))
		return -1;
	ck_assert_msg(e & PDE_PS, "the VMM maps 2 MiB pages: no fourth level");
	return (e & ADDR_MASK & ~(uint64_t)(PAGE_SIZE_2M - 1)) | (va & (PAGE_SIZE_2M - 1));
}

START_TEST(gdt_holds_a_64_bit_code_descriptor)
{
	struct vm vm;
	uint64_t code64;

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_int_eq(gdt_write(&vm), 0);
	memcpy(&code64, vm.mem + GDT_ADDR + SELECTOR(GDT_CODE64), 8);
	ck_assert_uint_eq(code64, 0x00af9b000000ffffull); /* L = 1, D = 0 */
	free(vm.mem);
}
END_TEST

START_TEST(page_tables_map_all_of_ram_with_one_2mib_page)
{
	struct vm vm;

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_msg(paging64_build(&vm) == 0, "%s", vm.error);
	ck_assert_uint_eq(entry64(&vm, PML4_ADDR, 0), PDPT_ADDR | PTE_PRESENT | PTE_WRITE);
	ck_assert_uint_eq(entry64(&vm, PDPT_ADDR, 0), PD_ADDR | PTE_PRESENT | PTE_WRITE);
	ck_assert_uint_eq(entry64(&vm, PD_ADDR, 0), 0 | PTE_PRESENT | PTE_WRITE | PDE_PS);
	for (unsigned i = 1; i < 512; i++) {
		ck_assert_uint_eq(entry64(&vm, PML4_ADDR, i), 0);
		ck_assert_uint_eq(entry64(&vm, PDPT_ADDR, i), 0);
		ck_assert_uint_eq(entry64(&vm, PD_ADDR, i), 0);
	}
	ck_assert_int_eq(walk64(&vm, 0), 0);
	ck_assert_int_eq(walk64(&vm, GUEST_LOAD_ADDR), GUEST_LOAD_ADDR);
	ck_assert_int_eq(walk64(&vm, GUEST_MEM_SIZE - 1), GUEST_MEM_SIZE - 1);
	ck_assert_int_eq(walk64(&vm, GUEST_MEM_SIZE), -1); /* past RAM */
	ck_assert_int_eq(walk64(&vm, 1ull << 30), -1); /* another PDPT entry */
	ck_assert_int_eq(walk64(&vm, 1ull << 39), -1); /* another PML4 entry */
	ck_assert_int_eq(walk64(&vm, 0xffff800000000000), -1); /* the upper half */
	free(vm.mem);
}
END_TEST

START_TEST(page_tables_refuse_more_memory_than_one_directory_maps)
{
	struct vm vm;

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	vm.mem_size = 2ull << 30; /* said, not allocated: the check comes first */
	ck_assert_int_eq(paging64_build(&vm), -1);
	ck_assert_ptr_nonnull(strstr(vm.error, "1 GiB"));
	free(vm.mem);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage04-long-mode tables");
	TCase *tc = tcase_create("GDT and 4-level page tables");

	tcase_add_test(tc, gdt_holds_a_64_bit_code_descriptor);
	tcase_add_test(tc, page_tables_map_all_of_ram_with_one_2mib_page);
	tcase_add_test(tc, page_tables_refuse_more_memory_than_one_directory_maps);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
