; com1-dlab-zero: a baud rate divisor of 0, which a real chip cannot divide by.
; The model stores it and reads it back; the line has no speed to keep, and
; goes on sending.
;! run: --timeout 10 GUEST
;! status: 0
;! says: guest reported 0 (0x0)\n
;! says: divisor 0: still sending\n
%include "stage.inc"

UART_LCR equ 3
UART_DLM equ 1
UART_LCR_DLAB equ 0x80
UART_LCR_WLS_8 equ 0x03

	mov dx, COM1 + UART_LCR
	mov al, UART_LCR_DLAB | UART_LCR_WLS_8
	out dx, al
	mov dx, COM1                    ; DLL
	mov al, 0
	out dx, al
	mov dx, COM1 + UART_DLM
	out dx, al
	in al, dx
	mov ah, al
	mov dx, COM1
	in al, dx
	out PORT_REPORT, ax             ; DLM:DLL, 0
	mov dx, COM1 + UART_LCR
	mov al, UART_LCR_WLS_8          ; DLAB off: offset 0 is THR again
	out dx, al
	mov esi, text
	mov ecx, text_len
	mov dx, COM1
	cld
	rep outsb
	finish

text: db "divisor 0: still sending", 10
text_len equ $ - text
