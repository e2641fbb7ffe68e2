// fault: a load from an address that cannot exist: 1 TiB, just past the 40
// bits of guest physical address space KVM gives a VM by default. (A load from
// an address that merely has nothing there is an MMIO exit: see unbacked.S.)
// KVM answers with a data abort for the guest itself (a synchronous external
// abort, as if the bus had refused), not with an exit. The guest has no vector table, so that abort goes to
// VBAR_EL1 + 0x200 = 0x200, where there is no RAM either... and the guest is
// stuck there without an exit, until the VMM's timeout stops it.
	.include "board.inc"

	.equ	IPA_LIMIT, 1 << 40		// KVM's default: 40-bit guest physical addresses

// book:begin fault
start:
	mov	x0, #0xbad
	mov	x1, #IPA_LIMIT
	ldr	x2, [x1]			// no exit: a data abort, taken inside the guest
	mov	x1, #REPORT_ADDR
	str	x0, [x1]			// never reached
// book:end fault
	ldr	w0, =PSCI_SYSTEM_OFF
	hvc	#0
1:	b	1b
	.ltorg
