; bad-header: a request whose header is 8 bytes, not 16: type and reserved,
; no sector. The request is a read of sector 0 into a buffer filled with
; MARKER. The chain itself is sound, so the device answers it: it must not
; read a sector it was never given, and completes the request with
; VIRTIO_BLK_S_IOERR (5.2.6), writing nothing but the status; the VMM says
; "... fewer than its 16-byte header" once. The device goes on working. See
; hostile.inc for what the guest checks and reports; here also that the data
; buffer still holds MARKER (else exit status ERR_DATA_TOUCHED).
bits 64
org 0x7c00
%include "defs.inc"
%include "virtio.inc"

SHORT_HEADER equ 8              ; VIRTIO_BLK_REQ_TYPE and _RESERVED: no sector
MARKER       equ 0xee

; book:begin bad-header
start:
	call hostile_start
	mov edi, SECTOR_BUF
	mov al, MARKER
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	rep stosb
	mov edi, VIRTIO_BLK_T_IN
	xor esi, esi
	mov edx, SECTOR_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	call blk_prepare
	mov dword [QUEUE_DESC + 0 * VIRTQ_DESC_SIZE + VIRTQ_DESC_LEN], SHORT_HEADER
	call submit_and_watch
	mov edi, SECTOR_BUF
	mov al, MARKER
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	repe scasb
	fail_unless e, ERR_DATA_TOUCHED
	jmp expect_ioerr
; book:end bad-header

%include "hostile.inc"
%include "blk-requests.inc"
%include "blk-driver.inc"
%include "uart.inc"
