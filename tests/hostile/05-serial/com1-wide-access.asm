; com1-wide-access: 4-byte accesses to an 8-bit device, running past COM1's
; last port (0x3ff). The bytes at COM1's ports reach its registers; the rest
; read all ones and are dropped, as on the ISA bus.
;   IN 0x3fd: LSR 0x60, MSR 0xb0, SCR 0x5a, port 0x400 0xff: 0xff5ab060
;   OUT 0x3fe of 0x11223344: MSR (read only) 0x44, SCR 0x33, then nothing
;! run: --timeout 10 GUEST
;! status: 0
;! says: guest reported 4284133472 (0xff5ab060)\n
;! says: guest reported 51 (0x33)\n
%include "stage.inc"

UART_LSR equ 5
UART_MSR equ 6
UART_SCR equ 7

	mov dx, COM1 + UART_SCR
	mov al, 0x5a
	out dx, al
	mov dx, COM1 + UART_LSR
	in eax, dx
	out PORT_REPORT, eax
	mov dx, COM1 + UART_MSR
	mov eax, 0x11223344
	out dx, eax
	mov dx, COM1 + UART_SCR
	in al, dx
	out PORT_REPORT, al
	finish
