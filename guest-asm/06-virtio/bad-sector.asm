; bad-sector: a write that runs past the end of the disk: two sectors from the
; last one, so its start is on the disk and its end is not. A device that
; checked only where a request starts would write the last sector and grow the
; image file by one. This one checks the whole range, and completes the
; request with VIRTIO_BLK_S_IOERR (5.2.6.1), writing nothing; the VMM says
; "... past the capacity" once. The device goes on working. See hostile.inc
; for what the guest checks and reports.
bits 64
org 0x7c00
%include "defs.inc"
%include "virtio.inc"

; book:begin bad-sector
start:
	call hostile_start              ; rax: the capacity
	lea rsi, [rax - 1]              ; the last sector, and the one after it
	mov edi, VIRTIO_BLK_T_OUT
	mov edx, PATTERN_BUF
	mov ecx, 2 * VIRTIO_BLK_SECTOR_SIZE
	call blk_prepare
	call submit_and_watch
	jmp expect_ioerr
; book:end bad-sector

%include "hostile.inc"
%include "blk-requests.inc"
%include "blk-driver.inc"
%include "uart.inc"
