; halt: ends as every guest before this chapter did, with HLT. With KVM's
; in-kernel irqchip, HLT waits inside the kernel for an interrupt, and with
; interrupts off none ever comes: the VMM's watchdog sees it and stops the run.
bits 64
org 0x7c00
%include "defs.inc"

start:
	mov rsi, message
	mov ecx, message_len
	mov dx, PORT_CONSOLE
	rep outsb
	cli
	hlt                             ; no KVM_EXIT_HLT any more: sleeps forever

message: db "Halting with interrupts off.", 10
message_len equ $ - message
