; mmio-paged: with paging on (--entry paged), the guest maps a virtual page of
; its own choosing to a physical address with no memory, in the VMM's page
; table (it lies in guest memory, the guest's to change), and reaches through
; it. The exits carry the physical address.
;! needs: paged-protected-mode
;! run: --timeout 10 --entry paged GUEST
;! status: 0
;! says: guest reported 4294967295 (0xffffffff)\n
;! once: the guest read from guest physical 0xd0000004, where there is no memory
;! once: the guest wrote to guest physical 0xd0000008,
%include "stage.inc"

PAGE_TABLE_ADDR equ 0x2000      ; as in vmm.h: the page table for virtual 0-4 MiB
PTE_PRESENT equ 1
PTE_WRITE equ 2
VIRT equ 0x380000               ; beyond RAM, in the 4 MiB that table maps
NO_MEMORY equ 0xd0000000

	mov dword [PAGE_TABLE_ADDR + (VIRT >> 12) * 4], NO_MEMORY | PTE_PRESENT | PTE_WRITE
	invlpg [VIRT]
	mov eax, [VIRT + 4]             ; physical 0xd0000004: 0xffffffff
	out PORT_REPORT, eax
	mov dword [VIRT + 8], eax       ; dropped
	finish
