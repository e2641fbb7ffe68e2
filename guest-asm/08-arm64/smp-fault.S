// smp-fault: CPU 1 does what KVM cannot go on from: it reads the UART with ldp,
// a load pair, which KVM cannot decode (pair.S). Its vCPU's run ends with
// KVM_EXIT_ARM_NISV, and the VMM stops the others with it: the boot CPU, which
// waits for ever, and any other CPU, which has turned itself off (PSCI CPU_OFF).
	.include "board.inc"

start:
	bl	mmu_on
	bl	uart_on
	bl	start_cpus
	adr	x0, started
	bl	puts
1:	b	1b				// waits: only the VMM can end this

secondary_main:					// x0: this CPU's number
	cmp	x0, #1
	b.eq	1f
	ldr	w0, =PSCI_CPU_OFF
	hvc	#0
1:	mov	x1, #PL011_BASE
	ldp	w2, w3, [x1]			// KVM_EXIT_ARM_NISV: the end of the run
2:	b	2b

started:
	.asciz	"the other CPUs are started\n"
	.balign	4

	.include "smp.inc"
	.include "uart.inc"
	.ltorg
	.include "mmu.inc"
