; page-table-outside-ram: with paging on (--entry paged), the guest points its
; page directory at a page table where there is no memory. Whatever KVM makes
; of that walk (a fault the guest cannot take, or an error of its own), the run
; must end with status 1 and the vCPU's state, not hang or crash.
;! needs: paged-protected-mode
;! run: --timeout 10 --entry paged GUEST
;! status: 1
;! says: vCPU state at
%include "stage.inc"

PAGE_DIR_ADDR equ 0x1000        ; as in vmm.h
PTE_PRESENT equ 1
PTE_WRITE equ 2
NO_MEMORY equ 0xd0000000

	mov dword [PAGE_DIR_ADDR], NO_MEMORY | PTE_PRESENT | PTE_WRITE
	mov eax, cr3
	mov cr3, eax
	finish                          ; never reached
