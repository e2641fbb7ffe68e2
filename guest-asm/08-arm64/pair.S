// pair: reads a device register with ldp, a load pair. Fine on RAM, but an
// abort on a device address gives KVM no description of the access (no valid
// instruction syndrome), so KVM cannot emulate it. This VMM asks KVM to say so
// (KVM_CAP_ARM_NISV_TO_USER): the run ends with KVM_EXIT_ARM_NISV.
	.include "board.inc"

start:
	mov	x1, #PL011_BASE
	ldp	w2, w3, [x1, #PL011_FR]		// UARTFR and the word after it, in one instruction
	mov	x1, #REPORT_ADDR
	str	x2, [x1]			// never reached
	ldr	w0, =PSCI_SYSTEM_OFF
	hvc	#0
1:	b	1b
	.ltorg
