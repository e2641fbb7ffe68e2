// blk: chapter 6's virtio-blk driver, in arm64 assembly, for the same device.
// It finds the device, sets it up, then reads sector 0 and prints its text,
// writes a pattern to sector 1, flushes, reads it back and compares, and reads
// sector 2 (all 0xa5 in the default image). It waits by polling the used ring,
// or, built from blk-irq.S (WAIT_BY_INTERRUPT), by the device's interrupt
// through the GIC. On a read-only disk (--disk FILE,ro) it checks that the
// write is refused. It proves what it did: each step prints a line; the
// capacity is reported; RESULT_ADDR holds the capacity, the features accepted,
// the requests made and the interrupts taken (blk-irq: one per request).
// A failed step prints "blk: FAILED at step N" and powers off.
	.include "board.inc"
	.include "virtio.inc"
	.include "blk.inc"

// book:begin blk-main
start:
	bl	mmu_on				// Normal memory for the rings: see mmu.inc
	bl	uart_on
	mov	x19, #VIRTIO_MMIO_BASE		// x19: the device's registers, from here on
	bl	blk_init
	.ifdef	WAIT_BY_INTERRUPT
	adr	x0, vectors
	msr	vbar_el1, x0
	bl	gic_init
	mov	w0, #DISK_INTID
	mov	w1, #1				// edge-triggered: an irqfd only pulses the line
	bl	gic_enable_spi
	.endif

	mov	w0, #VIRTIO_BLK_T_IN		// sector 0: print its text
	mov	x1, #0
	bl	blk_request
	cmp	w0, #VIRTIO_BLK_S_OK
	fail_unless eq, 10
	adr	x0, sector0
	bl	puts
	ldr	x0, =DATA
	bl	puts

	bl	fill_pattern			// sector 1: write, flush, read back
	mov	w0, #VIRTIO_BLK_T_OUT
	mov	x1, #1
	bl	blk_request
	ldr	x1, =RESULT_ADDR
	ldr	w1, [x1, #8]
	tbnz	w1, #VIRTIO_BLK_F_RO_BIT, read_only
	cmp	w0, #VIRTIO_BLK_S_OK
	fail_unless eq, 11
	mov	w0, #VIRTIO_BLK_T_FLUSH
	mov	x1, #0
	bl	blk_request
	cmp	w0, #VIRTIO_BLK_S_OK
	fail_unless eq, 12
	ldr	x0, =DATA			// forget what was written
	mov	x1, #VIRTIO_BLK_SECTOR_SIZE
1:	subs	x1, x1, #8
	str	xzr, [x0, x1]
	b.ne	1b
	mov	w0, #VIRTIO_BLK_T_IN
	mov	x1, #1
	bl	blk_request
	cmp	w0, #VIRTIO_BLK_S_OK
	fail_unless eq, 13
	bl	check_pattern
	fail_unless eq, 14
	adr	x0, sector1
	bl	puts
	b	sector_2
read_only:
	cmp	w0, #VIRTIO_BLK_S_IOERR		// a read-only disk refuses it
	fail_unless eq, 15
	adr	x0, refused
	bl	puts

sector_2:
	mov	w0, #VIRTIO_BLK_T_IN
	mov	x1, #2
	bl	blk_request
	cmp	w0, #VIRTIO_BLK_S_OK
	fail_unless eq, 16
	ldr	x0, =DATA			// 512 bytes of 0xa5
	mov	x1, #VIRTIO_BLK_SECTOR_SIZE
2:	subs	x1, x1, #1
	ldrb	w2, [x0, x1]
	cmp	w2, #0xa5
	fail_unless eq, 17
	cbnz	x1, 2b
	adr	x0, sector2
	bl	puts

	ldr	x1, =RESULT_ADDR
	ldr	x0, [x1]
	mov	x1, #REPORT_ADDR
	str	x0, [x1]			// the capacity, in sectors
	.ifdef	WAIT_BY_INTERRUPT
	ldr	x0, =RESULT_ADDR
	ldr	w0, [x0, #16]
	str	x0, [x1]			// the interrupts taken: one per request
	.endif
	b	power_off
// book:end blk-main

sector0:
	.asciz	"sector 0: "
sector1:
	.asciz	"sector 1: wrote 512 bytes, flushed, read them back: the same\n"
refused:
	.asciz	"sector 1: the write was refused: the disk is read-only\n"
sector2:
	.asciz	"sector 2: 512 bytes of 0xa5\n"
	.balign	4

	.include "blk-driver.inc"
	.include "uart.inc"
	.ltorg
	.ifdef	WAIT_BY_INTERRUPT
	.include "gic.inc"
	.endif
	.include "mmu.inc"
