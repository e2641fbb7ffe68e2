/* Page tables: the guest's map from virtual to physical addresses, built by the VMM. */
#include "vmm.h"

#include <string.h>

/* book:begin paging32 */
/*
 * 32-bit paging (SDM vol. 3A, 4.3 "32-Bit Paging"). A 32-bit virtual address is
 * cut into 10 + 10 + 12 bits: an index into the page directory that CR3 points
 * at, an index into the page table that entry points at, and the offset within
 * the 4 KiB page that the page-table entry names.
 */
#define PD32_INDEX(va) ((va) >> 22) /* bits 31:22: one entry per 4 MiB */
#define PT32_INDEX(va) (((va) >> 12) & 0x3ff) /* bits 21:12: one entry per 4 KiB */

/*
 * One page table covers virtual 0-4 MiB. It maps every page of guest RAM to
 * itself (an identity map: the guest's code and data stay where they are when
 * paging comes on) and one page more, REMAP_VIRT, to REMAP_PHYS: there is no RAM
 * at REMAP_VIRT, so a guest that reaches memory there proves the MMU translates.
 * Every other virtual address is unmapped: touching it is a page fault.
 */
int paging32_build(struct vm *vm)
{
	uint32_t *dir = guest_ptr(vm, PAGE_DIR_ADDR, PAGE_SIZE);
	uint32_t *table = guest_ptr(vm, PAGE_TABLE_ADDR, PAGE_SIZE);

	if (!dir || !table)
		return vm_fail(vm, "the page tables at 0x%x do not fit in guest memory",
			       PAGE_DIR_ADDR);
	if (vm->mem_size > 1024 * PAGE_SIZE)
		return vm_fail(vm, "one page table maps 4 MiB, and guest memory is larger");
	memset(dir, 0, PAGE_SIZE);
	memset(table, 0, PAGE_SIZE);
	dir[PD32_INDEX(0)] = PAGE_TABLE_ADDR | PTE_PRESENT | PTE_WRITE;
	for (uint32_t page = 0; page < vm->mem_size; page += PAGE_SIZE)
		table[PT32_INDEX(page)] = page | PTE_PRESENT | PTE_WRITE;
	table[PT32_INDEX(REMAP_VIRT)] = REMAP_PHYS | PTE_PRESENT | PTE_WRITE;
	return 0;
}
/* book:end paging32 */
