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

	.equ	QUEUE_SIZE, 8			// descriptors; one request of three at a time
	.equ	QUEUE_DESC, RAM_BASE + 0x10000	// the descriptor table: 16-byte aligned
	.equ	QUEUE_AVAIL, QUEUE_DESC + 0x80	// the available ring: 2-byte aligned
	.equ	QUEUE_USED, QUEUE_DESC + 0x100	// the used ring: 4-byte aligned
	.equ	QUEUE_END, QUEUE_DESC + 0x200
	.equ	REQUEST_HEADER, QUEUE_END	// struct virtio_blk_req's 16 bytes
	.equ	REQUEST_STATUS, QUEUE_END + 16	// its status byte, written by the device
	.equ	DATA, RAM_BASE + 0x11000	// one sector of data
	.equ	RESULT_ADDR, RAM_BASE + 0x100000 // capacity (8 bytes), features (4), requests (4),
						 // interrupts (4)
	.equ	VIRTIO_MMIO_INT_VRING, 1	// InterruptStatus: a used buffer notification

	// Fails with code \code unless the condition \cond holds.
	.macro	fail_unless cond, code
	b.\cond	8f
	mov	w0, #\code
	b	fail
8:
	.endm

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

// The features: of bits 0-31, FLUSH and RO if offered; of bits 32-63, VERSION_1.
blk_init:
	mov	x20, x30
	ldr	w0, [x19, #VIRTIO_MMIO_MAGIC_VALUE]
	ldr	w1, =VIRTIO_MMIO_MAGIC
	cmp	w0, w1
	fail_unless eq, 1			// (nothing there reads all ones)
	ldr	w0, [x19, #VIRTIO_MMIO_VERSION]
	cmp	w0, #2
	fail_unless eq, 2
	ldr	w0, [x19, #VIRTIO_MMIO_DEVICE_ID]
	cmp	w0, #VIRTIO_ID_BLOCK
	fail_unless eq, 3
	str	wzr, [x19, #VIRTIO_MMIO_STATUS]	// reset
	mov	w0, #VIRTIO_STATUS_ACKNOWLEDGE
	str	w0, [x19, #VIRTIO_MMIO_STATUS]
	mov	w0, #(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER)
	str	w0, [x19, #VIRTIO_MMIO_STATUS]
	str	wzr, [x19, #VIRTIO_MMIO_DEVICE_FEATURES_SEL]
	ldr	w1, [x19, #VIRTIO_MMIO_DEVICE_FEATURES]
	mov	w0, #1
	str	w0, [x19, #VIRTIO_MMIO_DEVICE_FEATURES_SEL]
	ldr	w2, [x19, #VIRTIO_MMIO_DEVICE_FEATURES]
	tst	w2, #(1 << VIRTIO_F_VERSION_1_HIGH_BIT)
	fail_unless ne, 4
	mov	w3, #(VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_RO)
	and	w1, w1, w3			// what we know and it offers
	ldr	x3, =RESULT_ADDR
	str	w1, [x3, #8]
	str	wzr, [x19, #VIRTIO_MMIO_DRIVER_FEATURES_SEL]
	str	w1, [x19, #VIRTIO_MMIO_DRIVER_FEATURES]
	str	w0, [x19, #VIRTIO_MMIO_DRIVER_FEATURES_SEL]	// w0 = 1: bits 32-63
	str	w0, [x19, #VIRTIO_MMIO_DRIVER_FEATURES]	// VERSION_1
	mov	w0, #(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK)
	str	w0, [x19, #VIRTIO_MMIO_STATUS]
	ldr	w0, [x19, #VIRTIO_MMIO_STATUS]
	tst	w0, #VIRTIO_STATUS_FEATURES_OK
	fail_unless ne, 5
	ldr	w0, [x19, #VIRTIO_MMIO_CONFIG]	// capacity: two 32-bit halves
	ldr	w1, [x19, #VIRTIO_MMIO_CONFIG + 4]
	orr	x0, x0, x1, lsl #32
	str	x0, [x3]

	str	wzr, [x19, #VIRTIO_MMIO_QUEUE_SEL] // queue 0: free, and big enough?
	ldr	w0, [x19, #VIRTIO_MMIO_QUEUE_READY]
	cmp	w0, #0
	fail_unless eq, 6
	ldr	w0, [x19, #VIRTIO_MMIO_QUEUE_NUM_MAX]
	cmp	w0, #QUEUE_SIZE
	fail_unless hs, 7
	ldr	x0, =QUEUE_DESC			// the rings start empty: both idx 0
	ldr	x1, =QUEUE_END
3:	str	xzr, [x0], #8
	cmp	x0, x1
	b.ne	3b
	mov	w0, #QUEUE_SIZE
	str	w0, [x19, #VIRTIO_MMIO_QUEUE_NUM]
	ldr	x0, =QUEUE_DESC
	str	w0, [x19, #VIRTIO_MMIO_QUEUE_DESC_LOW]
	str	wzr, [x19, #VIRTIO_MMIO_QUEUE_DESC_HIGH]
	ldr	x0, =QUEUE_AVAIL
	str	w0, [x19, #VIRTIO_MMIO_QUEUE_DRIVER_LOW]
	str	wzr, [x19, #VIRTIO_MMIO_QUEUE_DRIVER_HIGH]
	ldr	x0, =QUEUE_USED
	str	w0, [x19, #VIRTIO_MMIO_QUEUE_DEVICE_LOW]
	str	wzr, [x19, #VIRTIO_MMIO_QUEUE_DEVICE_HIGH]
	dsb	st				// the zeroed rings, before the device may look
	mov	w0, #1
	str	w0, [x19, #VIRTIO_MMIO_QUEUE_READY]
	ldr	w0, [x19, #VIRTIO_MMIO_QUEUE_READY]
	cmp	w0, #1
	fail_unless eq, 8
	mov	w0, #(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)
	str	w0, [x19, #VIRTIO_MMIO_STATUS]
	ret	x20

// book:begin blk-request
// One request: w0 its type, x1 its sector; the data, if any, is DATA's 512
// bytes. Three descriptors, 0 -> 1 -> 2: the header, the data (device-writable
// for a read), the status byte (device-writable); a flush has no data: 0 -> 2.
// Returns the status byte in w0. Clobbers x0-x8.
blk_request:
	ldr	x2, =REQUEST_HEADER
	str	w0, [x2]			// type
	str	wzr, [x2, #4]			// reserved
	str	x1, [x2, #8]			// sector
	ldr	x3, =QUEUE_DESC
	str	x2, [x3, #VIRTQ_DESC_ADDR]
	mov	w4, #16
	str	w4, [x3, #VIRTQ_DESC_LEN]
	mov	w4, #VIRTQ_DESC_F_NEXT
	strh	w4, [x3, #VIRTQ_DESC_FLAGS]
	cmp	w0, #VIRTIO_BLK_T_FLUSH
	mov	w4, #1
	mov	w5, #2
	csel	w4, w5, w4, eq			// a flush skips the data
	strh	w4, [x3, #VIRTQ_DESC_NEXT]
	add	x3, x3, #VIRTQ_DESC_SIZE	// descriptor 1: the data
	ldr	x4, =DATA
	str	x4, [x3, #VIRTQ_DESC_ADDR]
	mov	w4, #VIRTIO_BLK_SECTOR_SIZE
	str	w4, [x3, #VIRTQ_DESC_LEN]
	cmp	w0, #VIRTIO_BLK_T_IN
	mov	w4, #VIRTQ_DESC_F_NEXT
	mov	w5, #(VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE)
	csel	w4, w5, w4, eq			// a read: the device writes the data
	strh	w4, [x3, #VIRTQ_DESC_FLAGS]
	mov	w4, #2
	strh	w4, [x3, #VIRTQ_DESC_NEXT]
	add	x3, x3, #VIRTQ_DESC_SIZE	// descriptor 2: the status byte
	ldr	x4, =REQUEST_STATUS
	mov	w5, #0xff			// no status yet
	strb	w5, [x4]
	str	x4, [x3, #VIRTQ_DESC_ADDR]
	mov	w4, #1
	str	w4, [x3, #VIRTQ_DESC_LEN]
	mov	w4, #VIRTQ_DESC_F_WRITE
	strh	w4, [x3, #VIRTQ_DESC_FLAGS]
	strh	wzr, [x3, #VIRTQ_DESC_NEXT]

	ldr	x5, =QUEUE_AVAIL		// the chain's head, 0, in the next ring entry
	ldrh	w6, [x5, #VIRTQ_AVAIL_IDX]
	and	w7, w6, #(QUEUE_SIZE - 1)
	add	x8, x5, #VIRTQ_AVAIL_RING
	strh	wzr, [x8, w7, uxtw #1]
	dmb	ish				// the descriptors and the entry, before the index
	add	w6, w6, #1
	and	w6, w6, #0xffff			// a 16-bit index: it wraps
	strh	w6, [x5, #VIRTQ_AVAIL_IDX]
	dsb	st				// all of it, before the device hears of it
	str	wzr, [x19, #VIRTIO_MMIO_QUEUE_NOTIFY] // queue 0 has a new buffer

	ldr	x5, =QUEUE_USED			// until the device has used it
	.ifdef	WAIT_BY_INTERRUPT
// Sleeps until the interrupt has said so (irq-echo.S waits the same way), then
// checks the used ring: the handler only sets used_interrupt.
	adr	x8, used_interrupt
4:	msr	daifset, #2
	ldrb	w7, [x8]
	cbz	w7, 6f
	ldrh	w7, [x5, #VIRTQ_USED_IDX]
	cmp	w7, w6
	b.eq	5f
6:	wfi
	msr	daifclr, #2
	b	4b
5:	strb	wzr, [x8]			// taken: the next request waits for its own
	msr	daifclr, #2
	.else
4:	ldrh	w7, [x5, #VIRTQ_USED_IDX]
	cmp	w7, w6
	b.eq	5f
	yield
	b	4b
5:
	.endif
	dmb	ish				// its index, before what it wrote
	ldr	x4, =REQUEST_STATUS
	ldrb	w0, [x4]
	ldr	x4, =RESULT_ADDR
	ldr	w5, [x4, #12]
	add	w5, w5, #1
	str	w5, [x4, #12]			// one more request made
	ret
// book:end blk-request

	.ifdef	WAIT_BY_INTERRUPT
// book:begin blk-irq
// The disk's interrupt (w0: its INTID). InterruptStatus says why; writing the
// same bits to InterruptACK says they are handled, and the device lowers its line.
irq_handler:
	cmp	w0, #DISK_INTID
	b.ne	1f
	ldr	w0, [x19, #VIRTIO_MMIO_INTERRUPT_STATUS]
	str	w0, [x19, #VIRTIO_MMIO_INTERRUPT_ACK]
	tbz	w0, #0, 1f			// VIRTIO_MMIO_INT_VRING: a used buffer
	adr	x1, used_interrupt
	mov	w2, #1
	strb	w2, [x1]
	ldr	x1, =RESULT_ADDR
	ldr	w2, [x1, #16]
	add	w2, w2, #1
	str	w2, [x1, #16]			// one more interrupt taken
1:	ret
// book:end blk-irq

used_interrupt:
	.byte	0
	.balign	4
	.endif

// DATA's bytes: 0, 7, 14, ... (i * 7) & 0xff: no two neighbours alike, no 0xa5 run.
fill_pattern:
	ldr	x0, =DATA
	mov	x1, #0
1:	mov	w2, #7
	mul	w2, w1, w2
	strb	w2, [x0, x1]
	add	x1, x1, #1
	cmp	x1, #VIRTIO_BLK_SECTOR_SIZE
	b.ne	1b
	ret

// Whether DATA holds fill_pattern's bytes: flags eq if so. Clobbers x0-x3.
check_pattern:
	ldr	x0, =DATA
	mov	x1, #0
1:	mov	w2, #7
	mul	w2, w1, w2
	and	w2, w2, #0xff
	ldrb	w3, [x0, x1]
	cmp	w2, w3
	b.ne	2f
	add	x1, x1, #1
	cmp	x1, #VIRTIO_BLK_SECTOR_SIZE
	b.ne	1b
	cmp	x1, x1				// eq
2:	ret

// A step failed, its number in w0: say so, tell the device (FAILED), power off.
fail:
	mov	w21, w0
	adr	x0, failed
	bl	puts
	mov	w0, w21
	bl	puthex
	mov	w0, #'\n'
	bl	putc
	mov	w0, #VIRTIO_STATUS_FAILED
	str	w0, [x19, #VIRTIO_MMIO_STATUS]
	b	power_off

sector0:
	.asciz	"sector 0: "
sector1:
	.asciz	"sector 1: wrote 512 bytes, flushed, read them back: the same\n"
refused:
	.asciz	"sector 1: the write was refused: the disk is read-only\n"
sector2:
	.asciz	"sector 2: 512 bytes of 0xa5\n"
failed:
	.asciz	"blk: FAILED at step "
	.balign	4

	.include "uart.inc"
	.ltorg
	.ifdef	WAIT_BY_INTERRUPT
	.include "gic.inc"
	.endif
	.include "mmu.inc"
