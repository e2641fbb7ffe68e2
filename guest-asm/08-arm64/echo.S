// echo: a polled PL011 driver both ways. Turns the FIFOs on and asserts RTS,
// which tells the VMM to send its input, reads one line (waiting on
// UARTFR.RXFE) up to a newline or EOT (the end of the VMM's input), writes it
// back, reports its length, powers off.
	.include "board.inc"

	.equ	LINE_ADDR, RAM_BASE + 0x100000	// the line as received
	.equ	LINE_MAX, 255

start:
	bl	uart_on				// FIFOs on: 32 bytes of receive buffer; RTS
	adr	x0, prompt
	bl	puts
	ldr	x20, =LINE_ADDR
	mov	x21, #0				// bytes received
1:	bl	getc
	cmp	w0, #'\n'
	b.eq	2f
	cmp	w0, #4				// EOT: the VMM's input has ended
	b.eq	2f
	strb	w0, [x20, x21]
	add	x21, x21, #1
	cmp	x21, #LINE_MAX
	b.ne	1b
2:	strb	wzr, [x20, x21]			// NUL-terminate
	adr	x0, reply
	bl	puts
	mov	x0, x20
	bl	puts
	mov	w0, #'\n'
	bl	putc
	mov	x1, #REPORT_ADDR
	str	x21, [x1]			// report the length
	b	power_off

prompt:
	.asciz	"type a line: "
reply:
	.asciz	"you typed: "
	.balign	4
	.include "uart.inc"
	.ltorg
