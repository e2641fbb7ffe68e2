// hello: the smallest guest that proves it ran. Prints a line on the PL011
// UART and powers off. Loaded at 0x40000000 and started there, at EL1.
	.include "board.inc"

// book:begin hello
start:
	mov	x1, #PL011_BASE
	adr	x2, message			// adr: PC-relative, so no linker is needed
next:
	ldrb	w0, [x2], #1			// w0 = *x2++ (RAM: no exit)
	cbz	w0, done			// the string ends with a NUL
wait:
	ldr	w3, [x1, #PL011_FR]		// a load from the UART: KVM_EXIT_MMIO
	tbnz	w3, #PL011_FR_TXFF_BIT, wait	// the transmit FIFO is full: try again
	strb	w0, [x1, #PL011_DR]		// a store to the UART: KVM_EXIT_MMIO
	b	next
done:
	ldr	w0, =PSCI_SYSTEM_OFF		// "power off", to the firmware: here, KVM
	hvc	#0				// leaves the guest for good: KVM_EXIT_SYSTEM_EVENT

message:
	.asciz	"Hello from arm64!\n"
// book:end hello
	.ltorg					// the assembler's literals (=PSCI_SYSTEM_OFF) go here
