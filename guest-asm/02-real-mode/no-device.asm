; no-device: a guest that reaches for hardware this VMM does not have: an I/O
; port nobody answers, and memory past the end of RAM. On a PC, both read as
; all ones and swallow writes; the VMM does the same and says so once. The
; guest reports what it read (0xff, then 0xffff) and halts.
bits 16
org 0x7c00

PORT_REPORT   equ 0x80
NO_DEVICE     equ 0x99          ; no device answers here
PAST_RAM_SEG  equ 0xffff        ; 0xffff:0x0010 is linear 0x100000, just past 1 MiB of RAM

start:
	in al, NO_DEVICE        ; a KVM_EXIT_IO that nobody answers: al = 0xff
	out PORT_REPORT, al
	out NO_DEVICE, al       ; dropped
	mov ax, PAST_RAM_SEG
	mov ds, ax
	mov ax, [0x10]          ; no memory slot there: a KVM_EXIT_MMIO read, ax = 0xffff
	mov word [0x10], 0x1234 ; a KVM_EXIT_MMIO write, dropped
	out PORT_REPORT, ax
	hlt
