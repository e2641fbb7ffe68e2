; irq-echo: interrupt-driven input. The UART raises IRQ 4 when a byte arrives;
; the 8259 PIC turns it into interrupt vector VECTOR_COM1; the handler reads
; every byte there is, echoes it, and tells the PIC it is done (EOI). Between
; interrupts the vCPU sleeps in HLT, inside KVM, costing nothing. EOT ends it.
; It proves what it did: the bytes echoed are reported, left in RBX and stored
; at RESULT_ADDR; the number of interrupts taken at IRQS_ADDR.
bits 64
org 0x7c00
%include "defs.inc"

; book:begin pic-names
PIC1_CMD   equ 0x20             ; the master 8259: IRQ 0-7
PIC1_DATA  equ 0x21
PIC2_CMD   equ 0xa0             ; the slave 8259: IRQ 8-15, wired to master input 2
PIC2_DATA  equ 0xa1
ICW1_INIT  equ 0x10             ; ICW1: start initialisation; ICW2-4 follow on DATA
ICW1_IC4   equ 0x01             ; ... ICW4 among them
ICW4_8086  equ 0x01             ; ICW4: 8086 mode (not 8080)
PIC_SLAVE_INPUT equ 2           ; ICW3: the master input the slave is on
OCW2_EOI   equ 0x20             ; OCW2: end of interrupt, for the one in service
VECTOR_PIC1 equ 0x20            ; IRQ 0-7 -> vectors 0x20-0x27, after the CPU's 32
VECTOR_PIC2 equ 0x28            ; IRQ 8-15 -> vectors 0x28-0x2f
COM1_IRQ    equ 4
VECTOR_COM1 equ VECTOR_PIC1 + COM1_IRQ
; book:end pic-names

IDT_ADDR      equ 0x10000       ; free RAM above the guest; zero, so no other vector is present
IDT_ENTRIES   equ 256
GATE_INTR_64  equ 0x8e00        ; gate attributes: present, DPL 0, type 0xe: 64-bit interrupt gate
IRQS_ADDR     equ RESULT_ADDR + 8
DONE_ADDR     equ RESULT_ADDR + 16

; book:begin irq-main
start:
	call uart_init
	call pic_init
	call idt_init
	mov dx, COM1 + UART_IER
	mov al, UART_IER_ERBFI
	out dx, al                      ; interrupt when a byte arrives
.sleep:
	cli
	cmp byte [DONE_ADDR], 0
	jne .done
	sti                             ; interrupts start after the next instruction,
	hlt                             ; so none is taken between the test and HLT
	jmp .sleep
.done:
	mov rbx, [RESULT_ADDR]
	mov eax, ebx
	out PORT_REPORT, eax
	xor eax, eax
	out PORT_DONE, al
; book:end irq-main

; book:begin irq-handler
; IRQ 4. Reads bytes while LSR.DR says there are any: the PIC took the
; interrupt on a rising edge of the line, and the line stays up until the
; receive FIFO is empty, so bytes left behind would get no new interrupt.
com1_interrupt:
	push rax
	push rdx
	inc qword [IRQS_ADDR]
	mov dx, COM1 + UART_IIR
	in al, dx                       ; which event? (reading IIR is part of the protocol)
	test al, UART_IIR_NO_INT
	jnz .eoi                        ; none: not ours after all
.next:
	mov dx, COM1 + UART_LSR
	in al, dx
	test al, UART_LSR_DR
	jz .eoi
	mov dx, COM1 + UART_RBR
	in al, dx
	cmp al, ASCII_EOT
	je .eot
	call uart_putc
	inc qword [RESULT_ADDR]
	jmp .next
.eot:
	mov byte [DONE_ADDR], 1
.eoi:
	mov al, OCW2_EOI
	out PIC1_CMD, al                ; the PIC may deliver IRQ 4 (and lower priorities) again
	pop rdx
	pop rax
	iretq
; book:end irq-handler

; book:begin pic-init
; Programs both PICs (they must be programmed as a pair) and unmasks IRQ 4 only.
pic_init:
	mov al, ICW1_INIT | ICW1_IC4
	out PIC1_CMD, al
	out PIC2_CMD, al
	mov al, VECTOR_PIC1
	out PIC1_DATA, al               ; ICW2: the vector of IRQ 0; the rest follow
	mov al, VECTOR_PIC2
	out PIC2_DATA, al
	mov al, 1 << PIC_SLAVE_INPUT
	out PIC1_DATA, al               ; ICW3, master: a bit per input with a slave on it
	mov al, PIC_SLAVE_INPUT
	out PIC2_DATA, al               ; ICW3, slave: the number of its master input
	mov al, ICW4_8086
	out PIC1_DATA, al
	out PIC2_DATA, al
	mov al, ~(1 << COM1_IRQ) & 0xff
	out PIC1_DATA, al               ; OCW1: the mask; every input off but COM1's
	mov al, 0xff
	out PIC2_DATA, al
	ret
; book:end pic-init

; book:begin idt-init
; One interrupt gate, for VECTOR_COM1 (SDM vol. 3A, 6.14.1 "64-Bit Mode IDT"):
; 16 bytes, the handler's address cut in three, and the code segment to run it
; with, looked up in the GDT in guest memory. Ours is the one we run in now.
idt_init:
	mov rdi, IDT_ADDR + VECTOR_COM1 * 16
	mov rax, com1_interrupt
	mov [rdi], ax                   ; offset 15:0
	mov dx, cs
	mov [rdi + 2], dx               ; segment selector
	mov word [rdi + 4], GATE_INTR_64 ; IST 0, attributes
	shr rax, 16
	mov [rdi + 6], ax               ; offset 31:16
	shr rax, 16
	mov [rdi + 8], eax              ; offset 63:32; bytes 12-15 stay 0
	lidt [idtr]
	ret

idtr:
	dw IDT_ENTRIES * 16 - 1         ; limit
	dq IDT_ADDR                     ; base
; book:end idt-init

%include "uart.inc"
