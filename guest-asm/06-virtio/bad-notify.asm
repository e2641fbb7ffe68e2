; bad-notify: a notification for a queue that is not ready. The driver lays
; the queue out but never writes QueueReady, sets DRIVER_OK anyway, puts a
; write of sector 1 in the ring and notifies. The device may not touch a queue
; the driver has not made ready (4.2.2.1): it serves nothing and sets
; DEVICE_NEEDS_RESET; the VMM says "... which is not ready" once. The image is
; not written. See hostile.inc for what the guest checks and reports.
bits 64
org 0x7c00
%include "defs.inc"
%include "virtio.inc"

; book:begin bad-notify
start:
	call uart_init
	mov edi, 1 << VIRTIO_BLK_F_FLUSH
	call blk_negotiate
	call queue_lay_out              ; and no queue_enable: QueueReady stays 0
	call blk_driver_ok
	call make_pattern
	mov edi, VIRTIO_BLK_T_OUT
	mov esi, 1
	mov edx, PATTERN_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	call blk_prepare
	call submit_and_watch
	jmp expect_needs_reset
; book:end bad-notify

%include "hostile.inc"
%include "blk-requests.inc"
%include "blk-driver.inc"
%include "uart.inc"
