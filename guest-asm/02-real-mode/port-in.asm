; port-in: reads from the console port, which answers 0xe9 (as Bochs and QEMU
; do), once with IN and 8 times with rep insb into memory, then checks what it
; got. Reports the number of bytes that were 0xe9 (9) and prints a verdict.
bits 16
org 0x7c00

PORT_CONSOLE equ 0xe9
PORT_REPORT  equ 0x80
BUFFER       equ 0x0700         ; rep insb fills 8 bytes here
COUNT        equ 8

start:
	cld
	xor dx, dx              ; dx counts the bytes that read as 0xe9
	in al, PORT_CONSOLE     ; one byte
	cmp al, PORT_CONSOLE
	jne .counted_first
	inc dx
.counted_first:
	push dx
	mov dx, PORT_CONSOLE
	mov di, BUFFER
	mov cx, COUNT
	rep insb                ; 8 bytes from port dx to es:di
	pop dx

	mov si, BUFFER
	mov cx, COUNT
.check:
	lodsb
	cmp al, PORT_CONSOLE
	jne .skip
	inc dx
.skip:
	loop .check

	mov ax, dx
	out PORT_REPORT, ax
	mov si, good
	mov cx, good_len
	cmp ax, COUNT + 1
	je .print
	mov si, bad
	mov cx, bad_len
.print:
	mov dx, PORT_CONSOLE
	rep outsb
	hlt

good: db "IN works: every byte read 0xe9", 10
good_len equ $ - good
bad:  db "IN FAILED: unexpected bytes", 10
bad_len equ $ - bad
