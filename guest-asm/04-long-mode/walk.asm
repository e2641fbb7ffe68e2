; walk: a broken 64-bit guest for the appendix on debugging. It reads memory
; half a MiB apart, going up, and never stops: the third read is at 0x200000,
; which its page tables do not map (they end with guest RAM, at 2 MiB). A page
; fault with no IDT, then a triple fault: the vCPU shuts down. Which instruction
; was it? --step and --gdb say (book/10-debugging.md).
bits 64
org 0x7c00

STRIDE equ 0x80000              ; half a MiB

; book:begin walk
start:
	mov rbx, 0x100000           ; the first address to read: 1 MiB
.next:
	mov rax, [rbx]              ; reads 8 bytes at rbx
	add rbx, STRIDE
	jmp .next
; book:end walk
