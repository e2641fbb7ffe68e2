; triple-fault: an invalid opcode in protected mode, with no IDT to deliver the
; #UD: then no #GP, no double fault either, and the vCPU shuts down. What the
; registers hold after a shutdown differs between KVMs (INIT state on AMD, said
; in a note; the state at the fault on Intel).
;! run: --timeout 10 GUEST
;! status: 1
;! says: vmm: the guest shut down (KVM_EXIT_SHUTDOWN): a triple fault
;! says: vCPU state at KVM_EXIT_SHUTDOWN:
;! either: (these are the vCPU's INIT values || code at 0x7c00: 0f 0b
%include "stage.inc"

	ud2
