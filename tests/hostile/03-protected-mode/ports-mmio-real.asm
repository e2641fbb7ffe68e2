; ports-mmio-real: the same in real mode (--entry real): a port nobody answers,
; and memory past the end of RAM, reached through segment 0xffff.
;! run: --timeout 10 --entry real GUEST
;! status: 0
;! says: guest reported 255 (0xff)\n
;! says: guest reported 65535 (0xffff)\n
;! once: the guest read from I/O port 0x99,
;! once: the guest read from guest physical 0x100000, where there is no memory
;! once: the guest wrote to guest physical 0x100002,
%include "stage.inc"
bits 16

PAST_RAM_SEG equ 0xffff

	in al, 0x99
	out PORT_REPORT, al
	mov ax, PAST_RAM_SEG
	mov ds, ax
	mov ax, [0x10]
	out PORT_REPORT, ax
	mov [0x12], ax
	finish
