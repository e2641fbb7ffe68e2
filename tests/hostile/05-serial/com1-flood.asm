; com1-flood: 16 KiB sent to COM1 in one rep outsb, then 2000 bytes one OUT at
; a time, never once asking LSR whether the UART has room. Every byte arrives,
; in order.
;! run: --timeout 30 GUEST
;! status: 0
;! once: xy
;! once: yEND\n
;! at-least: 18388
%include "stage.inc"

BUFFER equ 0x10000
FLOOD equ 16384

	cld
	mov edi, BUFFER
	mov ecx, FLOOD
	mov al, 'x'
	rep stosb
	mov esi, BUFFER
	mov ecx, FLOOD
	mov dx, COM1
	rep outsb
	mov ecx, 2000
	mov al, 'y'
.one:
	out dx, al
	loop .one
	mov esi, done
	mov ecx, done_len
	rep outsb
	finish

done: db "END", 10
done_len equ $ - done
