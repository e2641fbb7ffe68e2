; clobbered-page-tables: the guest zeroes the VMM's PML4 and reloads CR3: the
; next instruction fetch has no mapping, a page fault with no IDT, and a triple
; fault.
;! run: --timeout 10 GUEST
;! status: 1
;! says: vmm: the guest shut down (KVM_EXIT_SHUTDOWN): a triple fault
%include "stage.inc"

PML4_ADDR equ 0x1000            ; as in vmm.h

	mov edi, PML4_ADDR
	mov ecx, 512
	xor eax, eax
	cld
	rep stosq
	mov rax, cr3
	mov cr3, rax                    ; flush the TLB: the empty PML4 counts now
	finish                          ; never reached
