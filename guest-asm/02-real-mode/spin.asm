; spin: a guest that never ends. It leaves a known value in AX and loops on
; one instruction; only --timeout stops it, and the VMM's diagnostic then shows
; where it was: RIP on the jmp, AX = 0x1234.
bits 16
org 0x7c00

start:
	mov ax, 0x1234
.forever:
	jmp .forever
