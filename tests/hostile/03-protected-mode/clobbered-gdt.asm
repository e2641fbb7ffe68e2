; clobbered-gdt: the guest overwrites the VMM's GDT with zeros, then loads DS
; again: its descriptor is no longer present, #NP, and with no IDT, a triple
; fault.
;! run: --timeout 10 GUEST
;! status: 1
;! says: vmm: the guest shut down (KVM_EXIT_SHUTDOWN): a triple fault
%include "stage.inc"

GDT_ADDR equ 0x800              ; as in vmm.h

	mov edi, GDT_ADDR
	mov ecx, 8 * 3
	xor eax, eax
	cld
	rep stosb
	mov ax, ds
	mov ds, ax                      ; descriptor all zeros: not present
	finish                          ; never reached
