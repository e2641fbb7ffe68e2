// smp-hello: every CPU says hello. The boot CPU turns its MMU on (mmu.inc),
// starts the others through PSCI CPU_ON, says its line and waits until each
// has checked in; each other CPU comes up at secondary_entry (smp.inc), says
// its line and turns itself off (PSCI CPU_OFF). A line is many UART writes: a
// spinlock keeps each CPU's line whole. The boot CPU reports the count.
	.include "board.inc"

// book:begin smp-hello
start:
	bl	mmu_on
	bl	uart_on
	bl	start_cpus
	mov	x20, x0				// x20: how many CPUs there are
	bl	hello
1:	adr	x0, checked_in			// until every CPU has checked in
	ldar	w1, [x0]
	cmp	w1, w20
	b.ne	1b
	adr	x0, print_lock
	bl	spin_lock
	adr	x0, all
	bl	puts
	mov	x0, x20
	bl	putdec
	adr	x0, all_end
	bl	puts
	adr	x0, print_lock
	bl	spin_unlock
	adr	x0, checked_in
	ldr	w0, [x0]
	mov	x1, #REPORT_ADDR
	str	x0, [x1]
	b	power_off

secondary_main:					// each other CPU, on its own stack
	bl	hello
	ldr	w0, =PSCI_CPU_OFF		// done: off, until someone turns it on again
	hvc	#0
2:	b	2b				// CPU_OFF does not return

// "Hello from MPIDR 0x...", one whole line under the lock; then it counts itself in.
hello:
	mov	x21, x30
	mrs	x22, mpidr_el1			// KVM's: bit 31 set, the affinity from the vCPU id
	adr	x0, print_lock
	bl	spin_lock
	adr	x0, greeting
	bl	puts
	mov	x0, x22
	bl	puthex
	mov	w0, #'\n'
	bl	putc
	adr	x0, print_lock
	bl	spin_unlock
	adr	x0, checked_in
	bl	atomic_inc			// atomic: two CPUs may count at once
	ret	x21
// book:end smp-hello

greeting:
	.asciz	"Hello from MPIDR "
all:
	.asciz	"All "
all_end:
	.asciz	" CPUs checked in.\n"
	.balign	4
print_lock:
	.word	0
checked_in:
	.word	0

	.include "smp.inc"
	.include "uart.inc"
	.ltorg
	.include "mmu.inc"
