; smp-fault: an AP faults while the other CPUs spin. The AP with APIC ID 1
; executes an invalid instruction with no IDT to handle it: #UD, then a triple
; fault, KVM_EXIT_SHUTDOWN on its vCPU. Every other CPU spins forever, so only
; the VMM can end the run: it must stop them all, and say which vCPU failed.
bits 64
org 0x7c00
%include "defs.inc"

start:
	jmp boot
%include "trampoline.inc"

boot:
	call start_aps
.spin:
	pause
	jmp .spin

ap_main:
	call apic_id
	cmp eax, 1
	jne .spin
	ud2
.spin:
	pause
	jmp .spin

%include "smp.inc"
%include "uart.inc"
