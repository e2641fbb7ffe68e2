; com1-input-ignored: 100000 bytes of input for a guest that raises RTS, waits
; until the first byte is in the UART, and finishes without reading any. The
; VMM must end at once, its input thread with it, though the thread has far
; more input than room for it.
;! run: --timeout 20 GUEST
;! input-fill: 100000
;! status: 0
;! never: vmm:
%include "stage.inc"

UART_MCR equ 4
UART_LSR equ 5
UART_MCR_DTR equ 0x01
UART_MCR_RTS equ 0x02
UART_LSR_DR equ 0x01

	mov dx, COM1 + UART_MCR
	mov al, UART_MCR_DTR | UART_MCR_RTS
	out dx, al
	mov dx, COM1 + UART_LSR
.wait:
	in al, dx
	test al, UART_LSR_DR
	jz .wait
	finish
