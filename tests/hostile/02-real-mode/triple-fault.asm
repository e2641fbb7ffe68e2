; triple-fault: real mode with an interrupt table of no entries (IDTR limit 0).
; int3 finds no vector 3, the #GP that follows finds no vector 13, the double
; fault none either: a triple fault, and the vCPU shuts down. The VMM stops with
; a sentence and the registers; what they hold after a shutdown differs between
; KVMs (INIT state on AMD, said in a note; the state at the fault on Intel).
;! needs: real-mode-triple-fault
;! run: --timeout 10 GUEST
;! status: 1
;! says: vmm: the guest shut down (KVM_EXIT_SHUTDOWN): a triple fault
;! says: vCPU state at KVM_EXIT_SHUTDOWN:
;! either: (these are the vCPU's INIT values || code at 0x7c
%include "stage.inc"

	lidt [no_vectors]
	int3

no_vectors:
	dw 0                            ; limit 0: not even one vector
	dd 0
