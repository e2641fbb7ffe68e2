// reset: says so, then asks for a restart with PSCI SYSTEM_RESET. KVM ends the
// run with KVM_EXIT_SYSTEM_EVENT, type RESET; this VMM stops rather than restart.
	.include "board.inc"

start:
	adr	x0, message
	bl	puts
	ldr	w0, =PSCI_SYSTEM_RESET
	hvc	#0
1:	b	1b

message:
	.asciz	"resetting\n"
	.balign	4
	.include "uart.inc"
	.ltorg
