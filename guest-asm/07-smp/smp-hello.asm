; smp-hello: every CPU says hello. The boot CPU programs the UART, says its line,
; starts the others (INIT, then start-up IPIs) and waits until each has checked
; in; each AP comes up through the trampoline, says its line and parks. A line
; is many port writes: a spinlock keeps each CPU's line whole.
bits 64
org 0x7c00
%include "defs.inc"

start:
	jmp boot
%include "trampoline.inc"

; book:begin smp-hello
boot:
	call uart_init
	in al, PORT_CPUS
	movzx r15d, al                  ; r15: how many CPUs there are
	call hello
	cmp r15d, 1
	je .all_here
	call start_aps
.wait:                                  ; until every CPU has checked in
	pause
	cmp [checked_in], r15d
	jne .wait
.all_here:
	lea rdi, [print_lock]
	call spin_lock
	lea rsi, [all]
	call uart_puts
	mov eax, r15d
	call uart_put_decimal
	lea rsi, [all_end]
	call uart_puts
	call spin_unlock
	mov eax, [checked_in]
	out PORT_REPORT, eax
	xor eax, eax
	out PORT_DONE, al

ap_main:                                ; each AP, on its own stack (trampoline.inc)
	call hello
.park:                                  ; nothing more to do: sleep, for good
	cli
	hlt
	jmp .park

; "Hello from APIC ID n", one whole line under the lock; then it counts itself in.
hello:
	call apic_id
	mov r12d, eax
	lea rdi, [print_lock]
	call spin_lock
	lea rsi, [greeting]
	call uart_puts
	mov eax, r12d
	call uart_put_decimal
	mov al, 10
	call uart_putc
	lea rdi, [print_lock]
	call spin_unlock
	lock inc dword [checked_in]     ; atomic: two CPUs may count at once
	ret
; book:end smp-hello

greeting: db "Hello from APIC ID ", 0
all: db "All ", 0
all_end: db " CPUs checked in.", 10, 0
align 4
print_lock: dd 0
checked_in: dd 0

%include "smp.inc"
%include "uart.inc"
