// compute: works out fib(90) and proves the answer three ways: leaves it in x0
// and writes it to the report register (one MMIO exit, with x0 the value), stores
// it at RESULT_ADDR, and prints it in decimal. Then powers off: the PSCI call
// takes x0 for its function id, so x0 holds the result until that call.
	.include "board.inc"

	.equ	RESULT_ADDR, RAM_BASE + 0x100000	// 1 MiB into RAM: far past the guest
	.equ	N, 90					// fib(90) = 2880067194370816120: 62 bits

start:
	mov	x0, #0				// fib(0)
	mov	x1, #1				// fib(1)
	mov	x2, #N
step:						// (x0, x1) = (x1, x0 + x1), N times
	add	x3, x0, x1
	mov	x0, x1
	mov	x1, x3
	subs	x2, x2, #1
	b.ne	step

	ldr	x1, =RESULT_ADDR
	str	x0, [x1]			// RAM: no exit
	mov	x1, #REPORT_ADDR
	str	x0, [x1]			// an 8-byte MMIO write: the VMM prints it
	mov	x19, x0				// kept across the calls below

	adr	x0, label
	bl	puts
	mov	x0, x19
	bl	print_decimal
	mov	w0, #'\n'
	bl	putc
	b	power_off

// print_decimal: prints x0 in decimal. Digits come out last first: they are
// pushed on a buffer on the stack, then printed from the most significant.
print_decimal:
	stp	x29, x30, [sp, #-48]!		// frame, return address, 32 bytes of buffer
	add	x4, sp, #48			// x4: one past the buffer's end
	mov	x5, #10
1:	udiv	x6, x0, x5			// x6 = x0 / 10
	msub	x7, x6, x5, x0			// x7 = x0 - x6 * 10: the last digit
	add	w7, w7, #'0'
	strb	w7, [x4, #-1]!
	mov	x0, x6
	cbnz	x0, 1b
	add	x8, sp, #48
2:	ldrb	w0, [x4], #1
	bl	putc				// putc uses x0-x2 only: x4 and x8 survive
	cmp	x4, x8
	b.ne	2b
	ldp	x29, x30, [sp], #48
	ret

label:
	.asciz	"fib(90) = "
	.balign	4
	.include "uart.inc"
	.ltorg
