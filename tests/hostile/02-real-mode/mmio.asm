; mmio: loads and stores of 1, 2 and 4 bytes past the end of RAM (real mode
; reaches 0x10ffef through segment 0xffff), where there is no memory and no
; device. Reads give all ones, writes are dropped, and each address is reported
; once, for the first 16 addresses; then one line says no more will be.
;! run: --timeout 10 GUEST
;! status: 0
;! says: guest reported 255 (0xff)\n
;! says: guest reported 65535 (0xffff)\n
;! says: guest reported 4294967295 (0xffffffff)\n
;! once: the guest read from guest physical 0x100000, where there is no memory
;! once: the guest wrote to guest physical 0x100010,
;! once: the guest reached 17 such addresses: no more are reported
;! never: guest physical 0x10001e,
%include "stage.inc"

PAST_RAM_SEG equ 0xffff         ; 0xffff:0x0010 is linear 0x100000, the end of RAM

	mov ax, PAST_RAM_SEG
	mov ds, ax
	mov al, [0x10]                  ; 1 byte: 0xff
	out PORT_REPORT, al
	mov ax, [0x10]                  ; again: reported once only
	out PORT_REPORT, ax
	mov eax, [0x14]                 ; 4 bytes: 0xffffffff
	out PORT_REPORT, eax
	mov bx, 0x20                    ; 16 more addresses, one byte written to each:
	mov cx, 16                      ; 0x100010 to 0x10001f, dropped
.next:
	mov [bx], cl
	inc bx
	loop .next
	finish
