; unknown-ports: reads and writes of 1, 2 and 4 bytes at ports where no device
; sits (0x99; 0x2f8, COM2's, which this VMM does not have; 0xffff, the last).
; Each read gives all ones, each write is dropped, and each port is reported
; once, whatever is done to it after the first time.
;! run: --timeout 10 GUEST
;! status: 0
;! says: guest reported 255 (0xff)\n
;! says: guest reported 65535 (0xffff)\n
;! says: guest reported 4294967295 (0xffffffff)\n
;! once: the guest read from I/O port 0x99,
;! once: the guest read from I/O port 0x2f8,
;! once: the guest wrote to I/O port 0xffff,
;! never: I/O port 0x2f9,
%include "stage.inc"

COM2 equ 0x2f8

	mov dx, COM2
	in al, dx                       ; 1 byte: 0xff
	out PORT_REPORT, al
	out dx, al                      ; dropped; 0x2f8 was already reported
	mov dx, 0x99
	in ax, dx                       ; 2 bytes: 0xffff
	out PORT_REPORT, ax
	in eax, dx                      ; 4 bytes: 0xffffffff
	out PORT_REPORT, eax
	mov dx, 0xffff
	out dx, eax                     ; 4 bytes at the last port
	in eax, dx
	finish
