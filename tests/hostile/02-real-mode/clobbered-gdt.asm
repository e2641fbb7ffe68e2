; clobbered-gdt: a real-mode guest that switches to protected mode with a GDT
; of zeros. The far jump loads CS from a descriptor that is not present: #NP,
; with no IDT to deliver it, then a double and a triple fault.
;! run: --timeout 10 GUEST
;! status: 1
;! says: vmm: the guest shut down (KVM_EXIT_SHUTDOWN): a triple fault
;! says: vCPU state at KVM_EXIT_SHUTDOWN:
%include "stage.inc"

CR0_PE equ 1

	cli
	lgdt [zero_gdt]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp 0x08:protected              ; descriptor 1: all zeros

bits 32
protected:
	finish                          ; never reached

zero_gdt:
	dw 23                           ; three descriptors...
	dd descriptors
descriptors:
	times 3 dq 0                    ; ...each all zeros
