; bad-loop: a descriptor chain that loops. The request is a write of sector 1
; whose data descriptor chains back to the header: 0 -> 1 -> 0 -> 1 ... A
; device that followed it would never stop. This one counts: a chain cannot
; hold more descriptors than the queue has (2.7.5.2), so it refuses the chain
; and sets DEVICE_NEEDS_RESET; the VMM says "... it loops" once. The image is
; not written. See hostile.inc for what the guest checks and reports.
bits 64
org 0x7c00
%include "defs.inc"
%include "virtio.inc"

; book:begin bad-loop
start:
	call hostile_start
	mov edi, VIRTIO_BLK_T_OUT
	mov esi, 1
	mov edx, PATTERN_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	call blk_prepare                ; 0 (header) -> 1 (data) -> 2 (status)
	mov word [QUEUE_DESC + 1 * VIRTQ_DESC_SIZE + VIRTQ_DESC_NEXT], 0 ; 1 -> 0: a loop
	call submit_and_watch
	jmp expect_needs_reset
; book:end bad-loop

%include "hostile.inc"
%include "blk-requests.inc"
%include "blk-driver.inc"
%include "uart.inc"
