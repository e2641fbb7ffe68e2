; hello: a 64-bit long-mode guest (./run --entry long, the default). It prints
; a line, then works out fib(93), the largest Fibonacci number that fits in 64
; bits, in r8-r10, registers that exist only in 64-bit mode. It proves the
; answer three ways: reports it through the report port, leaves it in RAX, and
; stores it at RESULT_ADDR. An OUT moves at most 4 bytes, so the report is two
; OUTs: the high half, then the low half.
bits 64
org 0x7c00

PORT_CONSOLE equ 0xe9
PORT_REPORT  equ 0x80
RESULT_ADDR  equ 0x0600         ; a free qword below the guest
N            equ 93             ; fib(93) = 0xa94fad42221f2702

start:
	mov rsi, message
	mov ecx, message_len        ; writing ecx clears the top half of rcx
	mov dx, PORT_CONSOLE
	rep outsb

; book:begin fib
	xor r8d, r8d                ; r8 = fib(0)
	mov r9d, 1                  ; r9 = fib(1)
	mov r10d, N
.step:                          ; (r8, r9) = (r9, r8 + r9), N times
	xchg r8, r9
	add r9, r8
	dec r10
	jnz .step

	mov rax, r8                 ; fib(93): 64 bits
	mov [RESULT_ADDR], rax
	shr rax, 32
	out PORT_REPORT, eax        ; the high half...
	mov rax, r8
	out PORT_REPORT, eax        ; ...then the low half
	hlt
; book:end fib

message: db "Hello from long mode!", 10
message_len equ $ - message
