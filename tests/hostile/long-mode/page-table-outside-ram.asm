; page-table-outside-ram: the guest points its PML4 at a page-directory-pointer
; table where there is no memory. Whatever KVM makes of that walk (a fault the
; guest cannot take, or an error of its own), the run must end with status 1
; and the vCPU's state, not hang or crash.
;! run: --timeout 10 GUEST
;! status: 1
;! says: vCPU state at
%include "stage.inc"

PML4_ADDR equ 0x1000            ; as in vmm.h
PTE_PRESENT equ 1
PTE_WRITE equ 2
NO_MEMORY equ 0xe0000000

	mov rax, NO_MEMORY | PTE_PRESENT | PTE_WRITE
	mov [PML4_ADDR], rax
	mov rax, cr3
	mov cr3, rax
	finish                          ; never reached
