// poweroff: talks to the firmware. Asks for the PSCI version (KVM answers by
// itself: no exit), stores the answer at VERSION_ADDR and reports it, then
// powers off with PSCI SYSTEM_OFF: the arm64 way to say "done".
	.include "board.inc"

	.equ	VERSION_ADDR, RAM_BASE + 0x100000

// book:begin poweroff
start:
	ldr	w0, =PSCI_VERSION
	hvc	#0				// KVM answers in w0: major << 16 | minor
	ldr	x1, =VERSION_ADDR
	str	w0, [x1]
	mov	x1, #REPORT_ADDR
	str	x0, [x1]			// the only MMIO exit of this guest
	ldr	w0, =PSCI_SYSTEM_OFF
	hvc	#0				// KVM_EXIT_SYSTEM_EVENT, type SHUTDOWN
// book:end poweroff
1:	b	1b				// never reached: SYSTEM_OFF does not return
	.ltorg
