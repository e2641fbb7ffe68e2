; ports-mmio-protected: in 32-bit protected mode (--entry protected), no paging:
; a port nobody answers, and 4 bytes where there is no memory.
;! run: --timeout 10 --entry protected GUEST
;! status: 0
;! says: guest reported 255 (0xff)\n
;! says: guest reported 4294967295 (0xffffffff)\n
;! once: the guest read from I/O port 0x99,
;! once: the guest read from guest physical 0xd0000000, where there is no memory
;! once: the guest wrote to guest physical 0xd0000004,
%include "stage.inc"
bits 32

NO_MEMORY equ 0xd0000000

	in al, 0x99
	out PORT_REPORT, al
	mov eax, [NO_MEMORY]
	out PORT_REPORT, eax
	mov [NO_MEMORY + 4], eax
	finish
