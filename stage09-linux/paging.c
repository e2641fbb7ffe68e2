/* Page tables: the guest's map from virtual to physical addresses, built by the VMM. */
#include "vmm.h"

#include <string.h>

/* book:begin paging64 */
/*
 * 4-level paging (SDM vol. 3A, 4.5 "4-Level Paging and 5-Level Paging"). Tables
 * of 512 entries of 8 bytes; a 48-bit virtual address is cut into 9 + 9 + 9 + 9
 * + 12 bits: an index into each of the PML4 (CR3 points at it), the page-directory-
 * pointer table, the page directory and the page table, then the offset.
 */
#define PML4_INDEX(va) (((uint64_t)(va) >> 39) & 0x1ff) /* one entry per 512 GiB */
#define PDPT_INDEX(va) (((uint64_t)(va) >> 30) & 0x1ff) /* one entry per 1 GiB */
#define PD_INDEX(va) (((uint64_t)(va) >> 21) & 0x1ff) /* one entry per 2 MiB */

/*
 * A page-directory entry with PS set maps a 2 MiB page itself: the walk stops
 * there and the last 21 bits are the offset. With 2 MiB pages, three tables with
 * one entry each map virtual 0-2 MiB to physical 0-2 MiB, all of guest RAM; with
 * 4 KiB pages (as in stage03) it would take a fourth table of 512 entries. The
 * disk's registers need a mapping too: one more page directory maps the 2 MiB
 * around VIRTIO_MMIO_BASE to themselves, uncached (PCD), as device memory must
 * be: each load and store has to reach the device, in order. So are the 2 MiB
 * at LAPIC_BASE, for every CPU's local APIC, in the same GiB. Every other virtual
 * address is unmapped.
 */
int paging64_build(struct vm *vm)
{
	uint64_t *pml4 = guest_ptr(vm, PML4_ADDR, PAGE_SIZE);
	uint64_t *pdpt = guest_ptr(vm, PDPT_ADDR, PAGE_SIZE);
	uint64_t *pd = guest_ptr(vm, PD_ADDR, PAGE_SIZE);
	uint64_t *pd_devices = guest_ptr(vm, PD_DEVICES_ADDR, PAGE_SIZE);
	uint64_t devices = VIRTIO_MMIO_BASE & ~(uint64_t)(PAGE_SIZE_2M - 1);
	uint64_t lapic = LAPIC_BASE & ~(uint64_t)(PAGE_SIZE_2M - 1);

	if (!pml4 || !pdpt || !pd || !pd_devices)
		return vm_fail(vm, "the page tables at 0x%x do not fit in guest memory", PML4_ADDR);
	if (vm->mem_size > 512 * (uint64_t)PAGE_SIZE_2M)
		return vm_fail(vm, "one page directory maps 1 GiB, and guest memory is larger");
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	memset(pd, 0, PAGE_SIZE);
	memset(pd_devices, 0, PAGE_SIZE);
	pml4[PML4_INDEX(0)] = PDPT_ADDR | PTE_PRESENT | PTE_WRITE;
	pdpt[PDPT_INDEX(0)] = PD_ADDR | PTE_PRESENT | PTE_WRITE;
	for (uint64_t page = 0; page < vm->mem_size; page += PAGE_SIZE_2M)
		pd[PD_INDEX(page)] = page | PTE_PRESENT | PTE_WRITE | PDE_PS;
	pdpt[PDPT_INDEX(devices)] = PD_DEVICES_ADDR | PTE_PRESENT | PTE_WRITE;
	pd_devices[PD_INDEX(devices)] = devices | PTE_PRESENT | PTE_WRITE | PTE_PCD | PDE_PS;
	pd_devices[PD_INDEX(lapic)] = lapic | PTE_PRESENT | PTE_WRITE | PTE_PCD | PDE_PS;
	return 0;
}
/* book:end paging64 */
