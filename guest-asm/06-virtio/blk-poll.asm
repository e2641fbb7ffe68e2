; blk-poll: blk.asm's requests, the same driver and the same checks, but no
; interrupts: it waits for each request by polling the used ring's idx
; (blk-driver.inc's wait_for_used). It tells the device so: the available
; ring's VIRTQ_AVAIL_F_NO_INTERRUPT asks for no used buffer notifications
; (2.7.10), and InterruptStatus, read at the end, shows the device obliged.
; It proves what it did: the capacity, the features accepted (bits 0-31) and
; that InterruptStatus (0) are reported, left in RBX, R12 (all 64 bits) and
; R13, and stored at RESULT_CAPACITY, RESULT_FEATURES and RESULT_INTERRUPTS;
; RESULT_REQUESTS counts the requests. Exit status 0, or the failed step's.
bits 64
org 0x7c00
%include "defs.inc"
%include "virtio.inc"

; book:begin poll-main
start:
	call uart_init
	mov edi, 1 << VIRTIO_BLK_F_FLUSH
	call blk_init
	mov word [QUEUE_AVAIL + VIRTQ_AVAIL_FLAGS], VIRTQ_AVAIL_F_NO_INTERRUPT
	call run_requests

	mov eax, [r15 + VIRTIO_MMIO_INTERRUPT_STATUS]
	mov [RESULT_INTERRUPTS], rax
	test eax, eax
	fail_unless z, ERR_INTERRUPTED
	mov rbx, [RESULT_CAPACITY]
	mov r12, [RESULT_FEATURES]
	mov r13, [RESULT_INTERRUPTS]
	mov eax, ebx
	out PORT_REPORT, eax
	mov eax, r12d
	out PORT_REPORT, eax
	mov eax, r13d
	out PORT_REPORT, eax
	xor eax, eax
	out PORT_DONE, al
; book:end poll-main

%include "blk-requests.inc"
%include "blk-driver.inc"
%include "uart.inc"
