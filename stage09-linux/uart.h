/*
 * A 16550A UART (the PC's COM port), modelled at register level.
 *
 * The model is plain C: no KVM, no ports, no file descriptors, no threads.
 * The VMM calls uart_read()/uart_write() on each port-I/O exit with
 * reg = port - base (0..7), feeds host input with uart_receive(), and gets
 * two callbacks back: a transmitted byte, and a change of the interrupt line.
 * One caller at a time: if input arrives on another thread, the VMM holds a
 * lock around every call.
 *
 * Register names and bits follow the National/TI PC16550D datasheet.
 */
#ifndef UART_H
#define UART_H

#include <stdbool.h>
#include <stdint.h>

/* book:begin uart-registers */
/* Register offsets from the base port. Offsets 0 and 1 depend on LCR.DLAB. */
#define UART_RBR 0 /* read, DLAB=0: Receiver Buffer Register */
#define UART_THR 0 /* write, DLAB=0: Transmitter Holding Register */
#define UART_DLL 0 /* DLAB=1: Divisor Latch, low byte */
#define UART_IER 1 /* DLAB=0: Interrupt Enable Register */
#define UART_DLM 1 /* DLAB=1: Divisor Latch, high byte */
#define UART_IIR 2 /* read: Interrupt Identification Register */
#define UART_FCR 2 /* write: FIFO Control Register */
#define UART_LCR 3 /* Line Control Register */
#define UART_MCR 4 /* Modem Control Register */
#define UART_LSR 5 /* Line Status Register (read only) */
#define UART_MSR 6 /* Modem Status Register (read only) */
#define UART_SCR 7 /* Scratch Register: 8 bits of storage, no function */
/* book:end uart-registers */

/* IER: which conditions may interrupt. Bits 4-7 are always 0 on a 16550A. */
#define UART_IER_ERBFI 0x01 /* Enable Received Data Available (and timeout) Interrupt */
#define UART_IER_ETBEI 0x02 /* Enable Transmitter Holding Register Empty Interrupt */
#define UART_IER_ELSI 0x04 /* Enable Receiver Line Status Interrupt */
#define UART_IER_EDSSI 0x08 /* Enable Modem Status Interrupt */
#define UART_IER_MASK 0x0f /* the bits that exist */

/* IIR: bit 0 is 0 while an interrupt is pending; bits 1-3 say which one. */
#define UART_IIR_NO_INT 0x01 /* no interrupt pending */
#define UART_IIR_ID_MASK 0x0e /* interrupt identification, bits 1-3 */
#define UART_IIR_ID_RLS 0x06 /* receiver line status: OE, PE, FE or BI (highest) */
#define UART_IIR_ID_RDA 0x04 /* received data available: FIFO at trigger level */
#define UART_IIR_ID_CTI 0x0c /* character timeout: data below trigger level */
#define UART_IIR_ID_THRE 0x02 /* transmitter holding register empty */
#define UART_IIR_ID_MS 0x00 /* modem status change (lowest) */
#define UART_IIR_FIFO_ENABLED 0xc0 /* both bits set when FCR0 = 1: "this is a 16550A" */

/* FCR: write only. Bits other than bit 0 are ignored unless bit 0 is 1. */
#define UART_FCR_FIFO_ENABLE 0x01 /* enable both FIFOs; changing it clears them */
#define UART_FCR_RX_RESET 0x02 /* clear the receive FIFO (self-clearing) */
#define UART_FCR_TX_RESET 0x04 /* clear the transmit FIFO (self-clearing) */
#define UART_FCR_DMA_MODE 0x08 /* RXRDY/TXRDY pin mode: no pins here, ignored */
#define UART_FCR_TRIGGER_MASK 0xc0 /* receive FIFO interrupt trigger level: */
#define UART_FCR_TRIGGER_1 0x00 /*   1 byte */
#define UART_FCR_TRIGGER_4 0x40 /*   4 bytes */
#define UART_FCR_TRIGGER_8 0x80 /*   8 bytes */
#define UART_FCR_TRIGGER_14 0xc0 /*   14 bytes */

/* LCR: the frame format, and DLAB. */
#define UART_LCR_WLS_MASK 0x03 /* word length select: 5 + value bits */
#define UART_LCR_WLS_8 0x03 /* 8 data bits */
#define UART_LCR_STB 0x04 /* 2 stop bits (1.5 with 5-bit words) */
#define UART_LCR_PEN 0x08 /* parity enable */
#define UART_LCR_EPS 0x10 /* even parity select */
#define UART_LCR_STICK 0x20 /* stick parity */
#define UART_LCR_BREAK 0x40 /* set break: hold the serial output at spacing */
#define UART_LCR_DLAB 0x80 /* divisor latch access bit: offsets 0/1 become DLL/DLM */

/* MCR: the modem control outputs, and loopback. Bits 5-7 are always 0. */
#define UART_MCR_DTR 0x01 /* data terminal ready */
#define UART_MCR_RTS 0x02 /* request to send */
#define UART_MCR_OUT1 0x04 /* user output 1 (unused on a PC) */
#define UART_MCR_OUT2 0x08 /* user output 2: on a PC, gates the IRQ line */
#define UART_MCR_LOOP 0x10 /* loopback: transmitter feeds receiver, MSR reads MCR */
#define UART_MCR_MASK 0x1f /* the bits that exist */

/* LSR: receiver and transmitter status. Reading it clears its error bits, 1-4. */
#define UART_LSR_DR 0x01 /* data ready: at least one byte to read from RBR */
#define UART_LSR_OE 0x02 /* overrun error: a received byte found no room */
#define UART_LSR_PE 0x04 /* parity error (never produced here: no wire) */
#define UART_LSR_FE 0x08 /* framing error (never produced here) */
#define UART_LSR_BI 0x10 /* break interrupt (never produced here) */
#define UART_LSR_THRE 0x20 /* transmitter holding register (or TX FIFO) empty */
#define UART_LSR_TEMT 0x40 /* transmitter empty: THR and shift register both idle */
#define UART_LSR_RXFE 0x80 /* error in receive FIFO: PE, FE or BI queued (never here) */

/* MSR: the modem status inputs (high nibble) and their changes (low nibble). */
#define UART_MSR_DCTS 0x01 /* delta CTS: CTS changed since MSR was last read */
#define UART_MSR_DDSR 0x02 /* delta DSR */
#define UART_MSR_TERI 0x04 /* trailing edge ring indicator: RI went from on to off */
#define UART_MSR_DDCD 0x08 /* delta DCD */
#define UART_MSR_CTS 0x10 /* clear to send (loopback: MCR.RTS) */
#define UART_MSR_DSR 0x20 /* data set ready (loopback: MCR.DTR) */
#define UART_MSR_RI 0x40 /* ring indicator (loopback: MCR.OUT1) */
#define UART_MSR_DCD 0x80 /* data carrier detect (loopback: MCR.OUT2) */
#define UART_MSR_DELTAS 0x0f /* the change bits: cleared by reading MSR */

#define UART_FIFO_SIZE 16 /* bytes in each FIFO of a 16550A */

/* book:begin uart-api */
/* What the UART needs from its host: where bytes go, and its interrupt line. */
struct uart_host {
	void (*transmit)(void *ctx, uint8_t byte); /* one byte sent on the serial line */
	void (*set_irq)(void *ctx, int level); /* the IRQ line changed to level 0/1 */
	void *ctx; /* passed back to both */
};

/* The whole chip; no heap, so it can live inside struct vm. */
struct uart {
	struct uart_host host; /* a copy: the caller's struct need not outlive uart_init */
	uint8_t ier, lcr, mcr, msr, scr, dll, dlm;
	uint8_t fcr; /* FIFO enable and trigger level, as last programmed */
	uint8_t lsr_errors; /* error bits (only ever UART_LSR_OE) waiting for an LSR read */
	uint8_t rx[UART_FIFO_SIZE];
	unsigned rx_head, rx_count; /* receive FIFO: oldest byte, bytes queued */
	uint8_t rbr; /* the byte RBR last gave out */
	bool thre_pending; /* the THRE interrupt's latch */
	int irq_level; /* the level last reported through set_irq */
};

/*
 * Power-on reset. The IRQ line starts low, without a call to set_irq.
 * host may be NULL, and either callback may be NULL: what it would receive is dropped.
 */
void uart_init(struct uart *u, const struct uart_host *host);

/* A guest access to register reg (port - base). Only bits 0-2 of reg are decoded. */
uint8_t uart_read(struct uart *u, unsigned reg);
void uart_write(struct uart *u, unsigned reg, uint8_t value);

/*
 * A byte of host input arrives on the serial line. Returns false, and takes
 * nothing, when the receiver has no room (FIFO full, holding register full in
 * non-FIFO mode, or loopback, where the receiver listens to the transmitter):
 * the caller keeps the byte and offers it again later, so no input is lost.
 */
bool uart_receive(struct uart *u, uint8_t byte);

/* Whether uart_receive() would accept a byte now. */
bool uart_rx_has_room(const struct uart *u);

/*
 * The RTS output ("request to send", MCR bit 1): the receiver asks the other end
 * to send. With hardware flow control the other end waits while it is off.
 * In loopback the modem control outputs are held inactive, RTS included.
 */
bool uart_rts(const struct uart *u);
/* book:end uart-api */

#endif
