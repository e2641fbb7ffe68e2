; bad-address: a buffer that runs off the end of guest RAM. The request is a
; write of sector 1 whose 512 bytes of data start 256 bytes before RAM ends:
; a device that believed it would read 256 bytes of the host's memory beyond
; guest RAM and write them to the disk. This one checks every buffer against
; guest RAM, address and length, refuses the chain and sets
; DEVICE_NEEDS_RESET; the VMM says "... not all in guest RAM" once. The image
; is not written. See hostile.inc for what the guest checks and reports.
bits 64
org 0x7c00
%include "defs.inc"
%include "virtio.inc"

STRADDLE equ RAM_SIZE - VIRTIO_BLK_SECTOR_SIZE / 2 ; half in RAM, half past its end

; book:begin bad-address
start:
	call hostile_start
	mov esi, PATTERN_BUF
	mov edi, STRADDLE
	mov ecx, RAM_SIZE - STRADDLE
	rep movsb                       ; the half in RAM: not zeros, so a write would show
	mov edi, VIRTIO_BLK_T_OUT
	mov esi, 1
	mov edx, STRADDLE
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	call blk_prepare
	call submit_and_watch
	jmp expect_needs_reset
; book:end bad-address

%include "hostile.inc"
%include "blk-requests.inc"
%include "blk-driver.inc"
%include "uart.inc"
