// killed: writes and writes until --timeout stops the VMM. Write n (n = 0, 1, ...)
// fills sector 3 + n mod 125 with the byte n mod 256, and waits for it by polling
// (no flush). x7 counts the writes the device has completed, so the register dump
// that --timeout prints says how far it got: after the kill, the image must hold,
// in each of sectors 3-127, the last of those writes to it (or, for the one write
// in flight when the VMM stopped, the next one), and sectors 0-2 as they were.
// What a request completed is in the file, whenever the VMM stops.
	.include "board.inc"
	.include "virtio.inc"
	.include "blk.inc"

	.equ	FIRST_SECTOR, 3
	.equ	SECTORS, 125			// sectors 3-127: up to the end of the disk

start:
	bl	mmu_on
	mov	x19, #VIRTIO_MMIO_BASE
	bl	blk_init
	mov	x7, #0				// x7: writes completed
1:	ldr	x0, =DATA			// the byte: n mod 256, in the whole sector
	mov	x1, #VIRTIO_BLK_SECTOR_SIZE
2:	subs	x1, x1, #1
	strb	w7, [x0, x1]
	b.ne	2b
	mov	x2, #SECTORS			// the sector: 3 + n mod 125
	udiv	x3, x7, x2
	msub	x1, x3, x2, x7
	add	x1, x1, #FIRST_SECTOR
	mov	w0, #VIRTIO_BLK_T_OUT
	bl	blk_request			// keeps x7
	cmp	w0, #VIRTIO_BLK_S_OK
	fail_unless eq, 20
	add	x7, x7, #1
	b	1b

	.include "blk-driver.inc"
	.include "uart.inc"
	.ltorg
	.include "mmu.inc"
