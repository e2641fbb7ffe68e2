; exits: writes to the UART's scratch register, RCX at a time (the bench program
; sets RCX; DEFAULT_N when it leaves RCX 0), then writes to PORT_DONE. Run
; again after that, it starts over: the bench program runs it that way, chunk
; after chunk. SCR stores a byte and does nothing else: each write costs one
; exit and the VMM's dispatch, with no host I/O behind it.
bits 64
org 0x7c00
%include "defs.inc"

DEFAULT_N equ 100000

start:
	test rcx, rcx
	jnz .go
	mov ecx, DEFAULT_N
.go:
	mov r8, rcx                     ; r8: writes per chunk
	mov dx, COM1 + UART_SCR
.chunk:
	mov rcx, r8
.next:
	out dx, al                      ; one exit per write
	loop .next
	xor eax, eax
	out PORT_DONE, al               ; ./run ends here; the bench runs the vCPU on
	jmp .chunk
