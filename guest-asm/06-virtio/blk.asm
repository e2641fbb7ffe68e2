; blk: a virtio-blk driver that waits by interrupt. It finds the device, sets
; it up (blk-driver.inc), then reads sector 0 and prints its text, writes
; sector 1, flushes, reads it back and compares, and prints the disk's ID
; (blk-requests.inc). After each request it sleeps in HLT until the device's
; interrupt (IRQ 5, through the 8259 PIC) says the used ring moved.
; It proves what it did: the capacity, the features accepted (bits 0-31) and
; the used buffer interrupts taken (one per request: 5) are reported, left in
; RBX, R12 (all 64 bits) and R13, and stored at RESULT_CAPACITY,
; RESULT_FEATURES and RESULT_INTERRUPTS; RESULT_REQUESTS counts the requests.
; Exit status 0, or the failed step's (defs.inc).
bits 64
org 0x7c00
%include "defs.inc"
%include "virtio.inc"
%define WAIT_BY_INTERRUPT       ; wait_for_used is this file's, not blk-driver.inc's

PIC1_CMD   equ 0x20             ; the 8259s, as in chapter 5's irq-echo.asm
PIC1_DATA  equ 0x21
PIC2_CMD   equ 0xa0
PIC2_DATA  equ 0xa1
ICW1_INIT  equ 0x10
ICW1_IC4   equ 0x01
ICW4_8086  equ 0x01
PIC_SLAVE_INPUT equ 2
OCW2_EOI   equ 0x20
VECTOR_PIC1 equ 0x20            ; IRQ 0-7 -> vectors 0x20-0x27
VECTOR_PIC2 equ 0x28
VECTOR_VIRTIO equ VECTOR_PIC1 + VIRTIO_MMIO_IRQ
IDT_ENTRIES  equ 256
GATE_INTR_64 equ 0x8e00         ; present, DPL 0, 64-bit interrupt gate

; book:begin blk-main
start:
	call uart_init
	call pic_init
	call idt_init                   ; interrupts stay off until the first wait
	mov edi, 1 << VIRTIO_BLK_F_FLUSH ; the features this driver knows, beside VERSION_1
	call blk_init
	call run_requests

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
; book:end blk-main

; book:begin irq-wait
; Sleeps until the device has used the request just submitted and said so by
; interrupt. The handler sets used_interrupt; the check runs with interrupts
; off, and STI; HLT lets none in between the check and the sleep (STI takes
; effect after the next instruction), so a wake-up is never missed.
wait_for_used:
.check:
	cli
	cmp byte [needs_reset], 0
	fail_unless e, ERR_DEVICE_RESET ; the device gave up: no interrupt will come
	cmp byte [used_interrupt], 0
	je .sleep
	mov ax, [used_idx]
	cmp ax, [QUEUE_USED + VIRTQ_USED_IDX]
	jne .used
.sleep:
	sti
	hlt
	jmp .check
.used:
	mov byte [used_interrupt], 0    ; taken: the next request waits for its own
	sti
	ret
; book:end irq-wait

; book:begin irq-handler
; IRQ 5. InterruptStatus says why (4.2.2): a used buffer, or a configuration
; change (how the device says DEVICE_NEEDS_RESET). Writing the same bits to
; InterruptACK says they are handled, and the device lowers its line; then
; the PIC gets its EOI, and may deliver IRQ 5 again.
virtio_interrupt:
	push rax
	mov eax, [r15 + VIRTIO_MMIO_INTERRUPT_STATUS]
	mov [r15 + VIRTIO_MMIO_INTERRUPT_ACK], eax
	test eax, VIRTIO_MMIO_INT_CONFIG
	jz .used
	mov byte [needs_reset], 1
.used:
	test eax, VIRTIO_MMIO_INT_VRING
	jz .eoi
	mov byte [used_interrupt], 1
	inc qword [RESULT_INTERRUPTS]
.eoi:
	mov al, OCW2_EOI
	out PIC1_CMD, al
	pop rax
	iretq
; book:end irq-handler

used_interrupt: db 0            ; the handler saw a used buffer notification
needs_reset:    db 0            ; ... or a configuration change

; Both PICs programmed as irq-echo.asm does; every input masked but the device's.
pic_init:
	mov al, ICW1_INIT | ICW1_IC4
	out PIC1_CMD, al
	out PIC2_CMD, al
	mov al, VECTOR_PIC1
	out PIC1_DATA, al
	mov al, VECTOR_PIC2
	out PIC2_DATA, al
	mov al, 1 << PIC_SLAVE_INPUT
	out PIC1_DATA, al
	mov al, PIC_SLAVE_INPUT
	out PIC2_DATA, al
	mov al, ICW4_8086
	out PIC1_DATA, al
	out PIC2_DATA, al
	mov al, ~(1 << VIRTIO_MMIO_IRQ) & 0xff
	out PIC1_DATA, al
	mov al, 0xff
	out PIC2_DATA, al
	ret

; One 64-bit interrupt gate, for VECTOR_VIRTIO, as irq-echo.asm builds its own.
idt_init:
	mov rdi, IDT_ADDR + VECTOR_VIRTIO * 16
	mov rax, virtio_interrupt
	mov [rdi], ax
	mov dx, cs
	mov [rdi + 2], dx
	mov word [rdi + 4], GATE_INTR_64
	shr rax, 16
	mov [rdi + 6], ax
	shr rax, 16
	mov [rdi + 8], eax
	lidt [idtr]
	ret

idtr:
	dw IDT_ENTRIES * 16 - 1
	dq IDT_ADDR

%include "blk-requests.inc"
%include "blk-driver.inc"
%include "uart.inc"
