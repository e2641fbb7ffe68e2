; clobbered-page-tables: with paging on (--entry paged), the guest zeroes the
; VMM's page directory and reloads CR3: the next instruction fetch has no
; mapping, a page fault with no IDT, and a triple fault.
;! needs: paged-protected-mode
;! run: --timeout 10 --entry paged GUEST
;! status: 1
;! says: vmm: the guest shut down (KVM_EXIT_SHUTDOWN): a triple fault
%include "stage.inc"

PAGE_DIR_ADDR equ 0x1000        ; as in vmm.h

	mov edi, PAGE_DIR_ADDR
	mov ecx, 1024
	xor eax, eax
	cld
	rep stosd
	mov eax, cr3
	mov cr3, eax                    ; flush the TLB: the empty directory counts now
	finish                          ; never reached
