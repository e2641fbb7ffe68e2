; hello: a line through the serial port, sent as a polling driver sends it.
; It proves what it did three ways: the number of bytes it sent is reported
; through the report port, left in RBX, and stored at RESULT_ADDR.
bits 64
org 0x7c00
%include "defs.inc"

; book:begin hello
start:
	call uart_init
	xor ebx, ebx                    ; rbx: bytes sent
.next:
	mov al, [message + rbx]
	call uart_putc
	inc ebx
	cmp ebx, message_len
	jne .next

	mov [RESULT_ADDR], rbx
	mov eax, ebx
	out PORT_REPORT, eax
	xor eax, eax
	out PORT_DONE, al               ; done, exit status 0: HLT would sleep forever
; book:end hello

message: db "Hello from COM1!", 10
message_len equ $ - message

%include "uart.inc"
