; clobbered-gdt: a real-mode guest that switches to protected mode with a GDT
; of zeros. The far jump loads CS from a descriptor that is not present: #NP,
; with no IDT to deliver it, then a double and a triple fault. A KVM that
; emulates this mode switch may give up on the far jump instead (an emulation
; failure): either way, one sentence naming the exit, the registers, status 1.
;! run: --timeout 10 GUEST
;! status: 1
;! either: vmm: the guest shut down (KVM_EXIT_SHUTDOWN): a triple fault || vmm: KVM_EXIT_INTERNAL_ERROR, suberror 1: KVM had to emulate an instruction and could not
;! either: vCPU state at KVM_EXIT_SHUTDOWN: || vCPU state at KVM_EXIT_INTERNAL_ERROR:
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
