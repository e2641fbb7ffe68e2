// unbacked: reads and writes where the machine has nothing, neither RAM nor a
// device. Each access is a KVM_EXIT_MMIO like any device access (KVM cannot
// tell "no device" from "a device": both are "not RAM"). The VMM reads all ones
// there, as on x86, ignores writes, and says so once per address. The guest
// carries on, stores what it read at RESULT_ADDR, and powers off.
	.include "board.inc"

	.equ	NOTHING, 0x10000000		// between the devices and RAM: nothing
	.equ	RESULT_ADDR, RAM_BASE + 0x100000

// book:begin unbacked
start:
	mov	x1, #NOTHING
	ldr	w2, [x1]			// KVM_EXIT_MMIO, read: the VMM says so, gives ~0
	ldr	w3, [x1]			// the same address again: not reported again
	str	w2, [x1, #8]			// a write at another address: reported
	ldr	x1, =RESULT_ADDR
	str	w2, [x1]			// 0xffffffff: what nothing reads as
// book:end unbacked
	adr	x0, message
	bl	puts
	b	power_off

message:
	.asciz	"carried on after touching nothing\n"
	.balign	4
	.include "uart.inc"
	.ltorg
