; killed: writes and writes until --timeout kills the VMM. Write n (n = 0, 1, ...)
; fills sector 3 + n mod 125 with the byte n mod 256, and waits for it by polling
; (no flush). RBX counts the writes the device has completed, so the register dump
; that --timeout prints says how far it got: after the kill, the image must hold,
; in each of sectors 3-127, the last of those writes to it (or, for the one write
; in flight when the VMM died, the next one), and sectors 0-2 as they were. What
; a request completed is in the file, whenever the VMM stops.
bits 64
org 0x7c00
%include "defs.inc"
%include "virtio.inc"

FIRST_SECTOR equ 3
SECTORS      equ 125            ; sectors 3-127: up to the end of the 128-sector disk

; book:begin killed-main
start:
	mov edi, 1 << VIRTIO_BLK_F_FLUSH
	call blk_init
	mov word [QUEUE_AVAIL + VIRTQ_AVAIL_FLAGS], VIRTQ_AVAIL_F_NO_INTERRUPT
	xor ebx, ebx                    ; rbx: writes completed
.write:
	mov al, bl                      ; the byte: n mod 256
	mov edi, PATTERN_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	rep stosb
	mov rax, rbx
	xor edx, edx
	mov ecx, SECTORS
	div rcx                         ; rdx = n mod 125
	lea rsi, [rdx + FIRST_SECTOR]
	mov edi, VIRTIO_BLK_T_OUT
	mov edx, PATTERN_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	call blk_request
	cmp al, VIRTIO_BLK_S_OK
	fail_unless e, ERR_WRITE
	inc rbx
	jmp .write                      ; until the VMM is stopped from outside
; book:end killed-main

%include "blk-driver.inc"
%include "uart.inc"
