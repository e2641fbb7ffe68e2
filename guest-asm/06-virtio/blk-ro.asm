; blk-ro: the driver on a read-only disk (--disk FILE,ro). The device offers
; VIRTIO_BLK_F_RO (5.2.3); the driver accepts it, reads sector 0 and prints
; its text, reads sector 1, then tries to write it anyway: the device must
; refuse, with VIRTIO_BLK_S_IOERR (5.2.6.2), and sector 1, read again, must be
; as it was. It waits by polling, as blk-poll.asm does.
; It proves what it did: the features accepted (bits 0-31: RO and FLUSH) and
; the write's status byte (1, IOERR) are reported, left in R12 and RBX, and
; stored at RESULT_FEATURES and RESULT_REQ_STATUS. Exit status 0 when the
; device behaved; ERR_NOT_RO on a disk that is not read-only; ERR_READ if a
; read before the write failed, ERR_READ_BACK if the one after it did. It takes
; make_pattern from blk-requests.inc.
bits 64
org 0x7c00
%include "defs.inc"
%include "virtio.inc"

; book:begin ro-main
start:
	call uart_init
	mov edi, 1 << VIRTIO_BLK_F_FLUSH | 1 << VIRTIO_BLK_F_RO
	call blk_init
	test dword [RESULT_FEATURES], 1 << VIRTIO_BLK_F_RO
	fail_unless nz, ERR_NOT_RO

	mov edi, VIRTIO_BLK_T_IN
	xor esi, esi
	mov edx, SECTOR_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	call blk_request                ; reading works as ever
	cmp al, VIRTIO_BLK_S_OK
	fail_unless e, ERR_READ
	mov esi, SECTOR_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	call uart_print

	mov edi, VIRTIO_BLK_T_IN
	mov esi, 1
	mov edx, SECTOR_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	call blk_request                ; sector 1 before
	cmp al, VIRTIO_BLK_S_OK
	fail_unless e, ERR_READ

	call make_pattern
	mov edi, VIRTIO_BLK_T_OUT
	mov esi, 1
	mov edx, PATTERN_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	call blk_request                ; a driver must not, on a read-only disk: the device refuses
	movzx ebx, al
	mov [RESULT_REQ_STATUS], rbx
	cmp al, VIRTIO_BLK_S_IOERR
	fail_unless e, ERR_RO_WRITE

	mov edi, VIRTIO_BLK_T_IN
	mov esi, 1
	mov edx, CHECK_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	call blk_request                ; sector 1 after
	cmp al, VIRTIO_BLK_S_OK
	fail_unless e, ERR_READ_BACK
	mov esi, SECTOR_BUF
	mov edi, CHECK_BUF
	mov ecx, VIRTIO_BLK_SECTOR_SIZE
	repe cmpsb
	fail_unless e, ERR_RO_CHANGED

	mov r12, [RESULT_FEATURES]
	mov eax, r12d
	out PORT_REPORT, eax
	mov eax, ebx
	out PORT_REPORT, eax
	xor eax, eax
	out PORT_DONE, al
; book:end ro-main

%include "blk-requests.inc"
%include "blk-driver.inc"
%include "uart.inc"
