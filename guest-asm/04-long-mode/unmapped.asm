; unmapped: a broken 64-bit guest. It reads from virtual 0x200000, which its
; page tables do not map (the VMM's map ends with guest RAM, at 2 MiB). The
; read is a page fault; with no IDT the CPU cannot deliver it, nor the double
; fault that follows: a triple fault, and the vCPU shuts down. The VMM must
; stop with a clear diagnostic (the registers, CR2 = 0x200000) and exit
; non-zero, not crash or hang.
bits 64
org 0x7c00

PORT_CONSOLE equ 0xe9
UNMAPPED     equ 0x200000       ; GUEST_MEM_SIZE: the first address past the map

; book:begin unmapped
start:
	mov rsi, message
	mov ecx, message_len
	mov dx, PORT_CONSOLE
	rep outsb
	mov rax, 0x1122334455667788 ; a value the diagnostic will show in rax
	mov rbx, UNMAPPED
	mov rcx, [rbx]              ; page fault: CR2 = 0x200000
	hlt                         ; never reached
; book:end unmapped

message: db "reading virtual 0x200000, which no page table maps...", 10
message_len equ $ - message
