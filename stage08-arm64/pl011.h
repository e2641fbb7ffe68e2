/*
 * An Arm PL011 UART, modelled at register level: enough of it for a polled
 * driver (write UARTDR when UARTFR.TXFF is clear, read UARTDR when UARTFR.RXFE
 * is clear) or one driven by its interrupt, and the rest of its registers
 * stored and read back.
 *
 * The model is plain C: no KVM, no MMIO, no file descriptors, no threads. The
 * VMM calls pl011_read()/pl011_write() on each MMIO exit with offset = address
 * - base, feeds host input with pl011_receive(), and gets two callbacks back: a
 * transmitted byte, and a change of the interrupt line. One caller at a time:
 * if input arrives on another thread, the VMM holds a lock around every call.
 *
 * Register names, offsets and bits follow the Arm PrimeCell UART (PL011)
 * Technical Reference Manual, r1p5 (Arm DDI 0183G), chapter 3,
 * "Programmers Model". Sections are cited by title.
 */
#ifndef PL011_H
#define PL011_H

#include <stdbool.h>
#include <stdint.h>

/* book:begin pl011-registers */
/* Register offsets from the base address (TRM, "Summary of registers"): 32 bits each. */
#define PL011_DR 0x000 /* UARTDR: data; read receives, write transmits */
#define PL011_RSR 0x004 /* UARTRSR (read) / UARTECR (write): receive errors */
#define PL011_FR 0x018 /* UARTFR: flags, read only: FIFO and line status */
#define PL011_ILPR 0x020 /* UARTILPR: IrDA low-power counter */
#define PL011_IBRD 0x024 /* UARTIBRD: integer part of the baud rate divisor */
#define PL011_FBRD 0x028 /* UARTFBRD: fractional part of the baud rate divisor */
#define PL011_LCR_H 0x02c /* UARTLCR_H: line control: word length, parity, FIFO enable */
#define PL011_CR 0x030 /* UARTCR: control: UART, transmit and receive enable */
#define PL011_IFLS 0x034 /* UARTIFLS: FIFO levels at which interrupts fire */
#define PL011_IMSC 0x038 /* UARTIMSC: interrupt mask set/clear */
#define PL011_RIS 0x03c /* UARTRIS: raw interrupt status, read only */
#define PL011_MIS 0x040 /* UARTMIS: masked interrupt status, read only */
#define PL011_ICR 0x044 /* UARTICR: interrupt clear, write only */
#define PL011_DMACR 0x048 /* UARTDMACR: DMA control */
#define PL011_PERIPH_ID0 0xfe0 /* UARTPeriphID0-3 at 0xfe0-0xfec, UARTPCellID0-3 */
#define PL011_PCELL_ID3 0xffc /*   at 0xff0-0xffc: one byte each, "this is a PL011" */

/* UARTFR bits (TRM, "Flag Register, UARTFR"). */
#define PL011_FR_CTS (1u << 0) /* clear to send (modem input) */
#define PL011_FR_DSR (1u << 1) /* data set ready (modem input) */
#define PL011_FR_DCD (1u << 2) /* data carrier detect (modem input) */
#define PL011_FR_BUSY (1u << 3) /* busy: still sending a byte */
#define PL011_FR_RXFE (1u << 4) /* receive FIFO (or holding register) empty */
#define PL011_FR_TXFF (1u << 5) /* transmit FIFO (or holding register) full */
#define PL011_FR_RXFF (1u << 6) /* receive FIFO (or holding register) full */
#define PL011_FR_TXFE (1u << 7) /* transmit FIFO (or holding register) empty */
#define PL011_FR_RI (1u << 8) /* ring indicator (modem input) */
/* book:end pl011-registers */

/* UARTDR: the received byte in bits 7:0, its error flags above (TRM, "Data Register, UARTDR"). */
#define PL011_DR_DATA 0xffu
#define PL011_DR_FE (1u << 8) /* framing error */
#define PL011_DR_PE (1u << 9) /* parity error */
#define PL011_DR_BE (1u << 10) /* break error */
#define PL011_DR_OE (1u << 11) /* overrun error */

/* UARTLCR_H bits (TRM, "Line Control Register, UARTLCR_H"). */
#define PL011_LCR_H_BRK (1u << 0) /* send break */
#define PL011_LCR_H_PEN (1u << 1) /* parity enable */
#define PL011_LCR_H_EPS (1u << 2) /* even parity select */
#define PL011_LCR_H_STP2 (1u << 3) /* two stop bits */
#define PL011_LCR_H_FEN (1u << 4) /* FIFOs enabled; clear: one-byte holding registers */
#define PL011_LCR_H_WLEN_8 (3u << 5) /* WLEN = 0b11: 8-bit words */
#define PL011_LCR_H_SPS (1u << 7) /* stick parity */

/* UARTCR bits (TRM, "Control Register, UARTCR"). */
#define PL011_CR_UARTEN (1u << 0) /* UART enable */
#define PL011_CR_LBE (1u << 7) /* loopback enable */
#define PL011_CR_TXE (1u << 8) /* transmit enable */
#define PL011_CR_RXE (1u << 9) /* receive enable */
#define PL011_CR_RTS (1u << 11) /* request to send: the nUARTRTS output, asserted */

/* book:begin pl011-interrupts */
/*
 * The interrupts, one bit each in UARTIMSC (mask: 1 = enabled), UARTRIS (raw
 * status), UARTMIS (RIS & IMSC) and UARTICR (write 1 to clear) (TRM, "Interrupt
 * Mask Set/Clear Register, UARTIMSC" and the three after it). UARTINTR, the
 * line to the interrupt controller, is high while any bit of UARTMIS is set.
 */
#define PL011_INT_RX (1u << 4) /* receive: the FIFO reached its trigger level */
#define PL011_INT_TX (1u << 5) /* transmit: the FIFO fell to its trigger level */
#define PL011_INT_RT (1u << 6) /* receive timeout: data waits, the line has gone quiet */
#define PL011_INT_ALL 0x7ffu /* bits 10:0: the modem, error and overrun ones too */

/* UARTIFLS: the receive FIFO's trigger level, bits 5:3 (TRM, "Interrupt FIFO Level Select"). */
#define PL011_IFLS_RX_SHIFT 3
#define PL011_IFLS_RX_MASK 0x7u /* 0: 1/8 full, 1: 1/4, 2: 1/2, 3: 3/4, 4: 7/8 */
/* book:end pl011-interrupts */

/* Reset values that are not zero (TRM, "Summary of registers"). */
#define PL011_CR_RESET (PL011_CR_TXE | PL011_CR_RXE) /* 0x0300: enabled for TX and RX, UART off */
#define PL011_IFLS_RESET 0x12 /* both FIFOs interrupt half full */

/* How wide each register is: the bits above are reserved and read as zero. */
#define PL011_IBRD_MASK 0xffffu
#define PL011_FBRD_MASK 0x3fu
#define PL011_LCR_H_MASK 0xffu
#define PL011_CR_MASK 0xff87u /* bits 6:3 are reserved */
#define PL011_IFLS_MASK 0x3fu
#define PL011_IMSC_MASK 0x7ffu
#define PL011_DMACR_MASK 0x7u
#define PL011_ILPR_MASK 0xffu

/* r1p5 has 32-byte FIFOs; earlier revisions had 16 (TRM, "About the UART";
 * Linux's amba-pl011 driver also sizes them by revision). */
#define PL011_FIFO_DEPTH 32

/* What the UART needs from its host: where transmitted bytes go, and its interrupt line. */
struct pl011_host {
	void (*transmit)(void *ctx, uint8_t byte); /* one byte sent on the serial line */
	void (*set_irq)(void *ctx, int level); /* UARTINTR changed to level 0/1 */
	void *ctx; /* passed back to both */
};

/* The whole device; no heap, so it can live inside struct vm. */
struct pl011 {
	struct pl011_host host; /* a copy: the caller's struct need not outlive pl011_init */
	uint32_t ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, dmacr;
	uint8_t rx[PL011_FIFO_DEPTH];
	unsigned rx_head, rx_count; /* receive FIFO: oldest byte, bytes queued */
	bool tx_int; /* the transmit interrupt's latch: set when a byte leaves */
	int irq_level; /* the level last reported through set_irq */
};

/* book:begin pl011-api */
/*
 * Reset. The interrupt line starts low, without a call to set_irq. host may be
 * NULL, and so may either callback: what it would receive is dropped.
 */
void pl011_init(struct pl011 *u, const struct pl011_host *host);

/*
 * A guest access to the 32-bit register at offset (address - base). Both
 * return false for an offset that is no register; a read then gives 0.
 */
bool pl011_read(struct pl011 *u, uint32_t offset, uint32_t *value);
bool pl011_write(struct pl011 *u, uint32_t offset, uint32_t value);

/*
 * A byte of host input arrives on the serial line. Returns false, and takes
 * nothing, when the receiver is full: the caller keeps the byte for later.
 */
bool pl011_receive(struct pl011 *u, uint8_t byte);
bool pl011_rx_has_room(const struct pl011 *u);

/* The RTS output: UARTCR.RTS, the receiver asking the other end to send. */
bool pl011_rts(const struct pl011 *u);
/* book:end pl011-api */

#endif
