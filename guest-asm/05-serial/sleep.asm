; sleep: halts with interrupts on, in a machine where nothing will ever interrupt
; it: no device is programmed to. The VMM cannot tell that from a guest waiting
; for input, and must not guess: only ./run --timeout ends it.
bits 64
org 0x7c00
%include "defs.inc"

start:
	mov rsi, message
	mov ecx, message_len
	mov dx, PORT_CONSOLE
	rep outsb
	sti
.forever:
	hlt                             ; sleeps in the kernel, interrupts on
	jmp .forever

message: db "Sleeping with interrupts on.", 10
message_len equ $ - message
