// irq-echo: the PL011's receive interrupt, through the GIC. Sets up the GICv3
// (gic.inc) to deliver the UART's SPI to this CPU, unmasks the UART's receive
// and receive-timeout interrupts, and sleeps in WFI. Each interrupt echoes what
// has arrived; ASCII EOT (0x04: the end of the VMM's input) ends the run, and
// the number of bytes echoed is reported.
	.include "board.inc"

	.equ	ASCII_EOT, 4

// book:begin irq-echo
start:
	bl	mmu_on
	adr	x0, vectors
	msr	vbar_el1, x0
	bl	gic_init
	mov	w0, #UART_INTID
	mov	w1, #0				// level-sensitive: UARTINTR is a level
	bl	gic_enable_spi
	bl	uart_on
	mov	x1, #PL011_BASE
	mov	w0, #(PL011_INT_RX | PL011_INT_RT)
	str	w0, [x1, #PL011_IMSC]		// UARTINTR: data waits in the FIFO
// Sleeps until the handler has seen EOT. IRQs are masked while the flag is
// checked and in WFI, which wakes for an interrupt pending even when masked:
// unmasked after it, the interrupt is taken there. Had it been unmasked during
// the check, an interrupt between the check and WFI would leave WFI asleep.
1:	msr	daifset, #2			// IRQs masked
	adr	x0, seen_eot
	ldrb	w0, [x0]
	cbnz	w0, 2f
	wfi
	msr	daifclr, #2			// IRQs unmasked: a pending one is taken here
	b	1b
2:	adr	x0, echoed
	ldr	w0, [x0]
	mov	x1, #REPORT_ADDR
	str	x0, [x1]
	b	power_off

// The UART's interrupt (w0: its INTID): every byte in the FIFO, echoed, until
// it is empty, when UARTINTR falls. EOT is not echoed: it ends the run.
irq_handler:
	mov	x7, x30
	cmp	w0, #UART_INTID
	b.ne	4f
3:	mov	x1, #PL011_BASE
	ldr	w2, [x1, #PL011_FR]
	tbnz	w2, #PL011_FR_RXFE_BIT, 4f
	ldr	w0, [x1, #PL011_DR]
	and	w0, w0, #0xff
	cmp	w0, #ASCII_EOT
	b.eq	5f
	bl	putc
	adr	x0, echoed
	ldr	w1, [x0]
	add	w1, w1, #1
	str	w1, [x0]
	b	3b
5:	adr	x0, seen_eot
	mov	w1, #1
	strb	w1, [x0]
	b	3b
4:	ret	x7
// book:end irq-echo

	.balign	4
echoed:
	.word	0
seen_eot:
	.byte	0
	.balign	4

	.include "uart.inc"
	.ltorg
	.include "gic.inc"
	.include "mmu.inc"
