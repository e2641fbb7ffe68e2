; com1-loopback-overrun: in loopback the transmitter feeds the receiver, and
; nobody holds a byte back: 17 bytes into a 16-byte FIFO overrun it. LSR says
; so once (DR, OE, THRE, TEMT: 0x63), then OE is cleared (0x61). None of the
; bytes reaches the host.
;! run: --timeout 10 GUEST
;! status: 0
;! says: guest reported 99 (0x63)\nguest reported 97 (0x61)\n
;! never: LL
%include "stage.inc"

UART_FCR equ 2
UART_MCR equ 4
UART_LSR equ 5
UART_FCR_FIFO_ENABLE equ 0x01
UART_MCR_LOOP equ 0x10

	mov dx, COM1 + UART_FCR
	mov al, UART_FCR_FIFO_ENABLE
	out dx, al
	mov dx, COM1 + UART_MCR
	mov al, UART_MCR_LOOP
	out dx, al
	mov dx, COM1
	mov ecx, 17
	mov al, 'L'
.send:
	out dx, al
	loop .send
	mov dx, COM1 + UART_LSR
	in al, dx
	out PORT_REPORT, al
	in al, dx
	out PORT_REPORT, al
	finish
