// blk-irq: blk.S, waiting by interrupt: the disk's SPI through the GICv3
// (gic.inc), raised by KVM_IRQ_LINE, or by KVM_IRQFD with --ioeventfd.
	.set	WAIT_BY_INTERRUPT, 1
	.include "blk.S"
