; smp-exits: reads PORT_CPUS, RCX times (the bench program, bench/smp.c, sets RCX on
; every vCPU; DEFAULT_N when it is 0), then writes PORT_DONE. Run again after that,
; it starts over. Every vCPU of the VM runs this same code at the same time: it touches
; no memory, so the vCPUs share nothing but its bytes. Stage07 answers PORT_CPUS from
; vm->cpus, which no vCPU thread writes: each read is one exit and no lock.
bits 64
org 0x7c00
%include "defs.inc"

DEFAULT_N equ 100000

start:
	test rcx, rcx
	jnz .go
	mov ecx, DEFAULT_N
.go:
	mov r8, rcx                     ; r8: reads per chunk
.chunk:
	mov rcx, r8
.next:
	in al, PORT_CPUS                ; one exit per read
	loop .next
	xor eax, eax
	out PORT_DONE, al               ; the end of a chunk: the bench runs the vCPU on
	jmp .chunk
