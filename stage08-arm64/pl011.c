/*
 * A PL011 UART at register level, after the Arm PL011 TRM (DDI 0183G).
 *
 * Model choices, where a real UART depends on time, wires or an interrupt
 * controller we do not have:
 * - Transmission is instantaneous: a byte written to UARTDR goes to the host
 *   at once, so the transmit FIFO is always empty: UARTFR.TXFE set, TXFF and
 *   BUSY clear. A polled driver's "wait while TXFF" loop never waits.
 * - Like QEMU's model, it sends and receives whether or not UARTCR enables
 *   the UART (UARTEN), the transmitter (TXE) or the receiver (RXE), and it
 *   has no loopback (LBE): a real PL011 needs UARTEN and TXE to send.
 * - The serial line has no framing: baud rate, word length, parity and stop
 *   bits are stored and read back but change nothing, and no framing,
 *   parity, break or overrun error ever happens (UARTRSR reads 0).
 * - Interrupts follow from the FIFOs at once. The transmit interrupt is set
 *   each time a byte leaves (the FIFO is at once empty, below any trigger
 *   level) and cleared by UARTICR. The receive interrupt is set while the
 *   receive FIFO holds its trigger level (or, without FIFOs, one byte); the
 *   receive timeout, while it holds less but not nothing: no byte is coming,
 *   the line is quiet. Both clear when the guest reads the FIFO down, and
 *   UARTICR cannot clear them while their condition lasts. The modem, error
 *   and overrun interrupts never happen.
 * - Host input that finds the receiver full is refused, not overrun: the
 *   caller keeps the byte, as a sender would under flow control.
 * - Turning the FIFOs on or off (UARTLCR_H.FEN) keeps what was received: with
 *   more bytes queued than one holding register holds, the receiver stays
 *   full until the guest has read them. (QEMU's model empties the FIFO.)
 * - The modem inputs (CTS, DSR, DCD, RI) read as not asserted.
 */
#include "pl011.h"

#include <string.h>

/* UARTPeriphID0-3 then UARTPCellID0-3 (TRM, "Peripheral Identification Registers" and
 * "PrimeCell Identification Registers"): part 0x011, designer 0x41 (Arm), revision 3 (r1p5). */
static const uint8_t pl011_id[8] = {0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

static bool fifo_enabled(const struct pl011 *u)
{
	return u->lcr_h & PL011_LCR_H_FEN;
}

/* Without FIFOs (UARTLCR_H.FEN clear, as after reset) the receiver holds one byte. */
static unsigned rx_capacity(const struct pl011 *u)
{
	return fifo_enabled(u) ? PL011_FIFO_DEPTH : 1;
}

/* The receive FIFO's trigger level, in bytes, from UARTIFLS.RXIFLSEL (1/8 to 7/8 of it). */
static unsigned rx_trigger(const struct pl011 *u)
{
	static const unsigned eighths[] = {1, 2, 4, 6, 7};
	unsigned sel = (u->ifls >> PL011_IFLS_RX_SHIFT) & PL011_IFLS_RX_MASK;

	if (!fifo_enabled(u))
		return 1;
	return PL011_FIFO_DEPTH * eighths[sel < 5 ? sel : 2] / 8; /* 5-7 are reserved */
}

/* book:begin pl011-irq */
/* UARTRIS: which interrupts are asserted, masked or not. */
static uint32_t raw_interrupts(const struct pl011 *u)
{
	uint32_t ris = u->tx_int ? PL011_INT_TX : 0;

	if (u->rx_count >= rx_trigger(u))
		ris |= PL011_INT_RX;
	else if (u->rx_count > 0)
		ris |= PL011_INT_RT;
	return ris;
}

/* UARTINTR follows UARTMIS: the host hears of each change of level, and only of changes. */
static void update_irq(struct pl011 *u)
{
	int level = (raw_interrupts(u) & u->imsc) != 0;

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->host.set_irq)
		u->host.set_irq(u->host.ctx, level);
}
/* book:end pl011-irq */

static void rx_push(struct pl011 *u, uint8_t byte)
{
	u->rx[(u->rx_head + u->rx_count) % PL011_FIFO_DEPTH] = byte;
	u->rx_count++;
}

/* An empty receiver reads as 0: the TRM leaves the value unspecified. */
static uint8_t rx_pop(struct pl011 *u)
{
	uint8_t byte = 0;

	if (u->rx_count) {
		byte = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % PL011_FIFO_DEPTH;
		u->rx_count--;
	}
	return byte;
}

void pl011_init(struct pl011 *u, const struct pl011_host *host)
{
	memset(u, 0, sizeof(*u));
	if (host)
		u->host = *host;
	u->cr = PL011_CR_RESET;
	u->ifls = PL011_IFLS_RESET;
}

/* book:begin pl011-flags */
/* UARTFR as a polled driver sees it: transmit always possible, receive when a byte waits. */
static uint32_t flags(const struct pl011 *u)
{
	uint32_t fr = PL011_FR_TXFE; /* nothing waits to be sent: TXFF and BUSY stay clear */

	if (u->rx_count == 0)
		fr |= PL011_FR_RXFE;
	if (u->rx_count >= rx_capacity(u))
		fr |= PL011_FR_RXFF;
	return fr;
}
/* book:end pl011-flags */

bool pl011_read(struct pl011 *u, uint32_t offset, uint32_t *value)
{
	switch (offset) {
	case PL011_DR:
		*value = rx_pop(u); /* error bits 11:8 stay 0: no line, no errors */
		update_irq(u);
		return true;
	case PL011_FR:
		*value = flags(u);
		return true;
	case PL011_RSR: /* no errors ever */
		*value = 0;
		return true;
	case PL011_RIS:
		*value = raw_interrupts(u);
		return true;
	case PL011_MIS:
		*value = raw_interrupts(u) & u->imsc;
		return true;
	case PL011_ILPR:
		*value = u->ilpr;
		return true;
	case PL011_IBRD:
		*value = u->ibrd;
		return true;
	case PL011_FBRD:
		*value = u->fbrd;
		return true;
	case PL011_LCR_H:
		*value = u->lcr_h;
		return true;
	case PL011_CR:
		*value = u->cr;
		return true;
	case PL011_IFLS:
		*value = u->ifls;
		return true;
	case PL011_IMSC:
		*value = u->imsc;
		return true;
	case PL011_DMACR:
		*value = u->dmacr;
		return true;
	}
	if (offset >= PL011_PERIPH_ID0 && offset <= PL011_PCELL_ID3 && offset % 4 == 0) {
		*value = pl011_id[(offset - PL011_PERIPH_ID0) / 4];
		return true;
	}
	*value = 0; /* UARTICR is write only; the rest is no register */
	return false;
}

static bool write_register(struct pl011 *u, uint32_t offset, uint32_t value)
{
	switch (offset) {
	case PL011_DR:
		if (u->host.transmit)
			u->host.transmit(u->host.ctx, value & PL011_DR_DATA);
		u->tx_int = true; /* the byte is gone: the FIFO is at once below its level */
		return true;
	case PL011_RSR: /* UARTECR: clears the error flags, which are never set */
		return true;
	case PL011_ICR: /* the receive ones return while their condition lasts */
		if (value & PL011_INT_TX)
			u->tx_int = false;
		return true;
	case PL011_ILPR:
		u->ilpr = value & PL011_ILPR_MASK;
		return true;
	case PL011_IBRD:
		u->ibrd = value & PL011_IBRD_MASK;
		return true;
	case PL011_FBRD:
		u->fbrd = value & PL011_FBRD_MASK;
		return true;
	case PL011_LCR_H:
		u->lcr_h = value & PL011_LCR_H_MASK;
		return true;
	case PL011_CR:
		u->cr = value & PL011_CR_MASK;
		return true;
	case PL011_IFLS:
		u->ifls = value & PL011_IFLS_MASK;
		return true;
	case PL011_IMSC:
		u->imsc = value & PL011_IMSC_MASK;
		return true;
	case PL011_DMACR:
		u->dmacr = value & PL011_DMACR_MASK;
		return true;
	}
	return false; /* UARTFR, UARTRIS, UARTMIS and the IDs are read only */
}

bool pl011_write(struct pl011 *u, uint32_t offset, uint32_t value)
{
	bool known = write_register(u, offset, value);

	update_irq(u); /* IMSC, ICR, DR, IFLS and LCR_H (FEN) all move UARTINTR */
	return known;
}

bool pl011_rx_has_room(const struct pl011 *u)
{
	return u->rx_count < rx_capacity(u);
}

bool pl011_receive(struct pl011 *u, uint8_t byte)
{
	if (!pl011_rx_has_room(u))
		return false;
	rx_push(u, byte);
	update_irq(u);
	return true;
}

bool pl011_rts(const struct pl011 *u)
{
	return u->cr & PL011_CR_RTS;
}
