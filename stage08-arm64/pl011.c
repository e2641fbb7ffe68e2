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
 * - No interrupts: this machine has no interrupt controller yet, so UARTIMSC
 *   is only storage, UARTRIS and UARTMIS read 0, UARTICR does nothing.
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
		return true;
	case PL011_FR:
		*value = flags(u);
		return true;
	case PL011_RSR: /* no errors ever */
	case PL011_RIS: /* no interrupts in this machine */
	case PL011_MIS:
		*value = 0;
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

bool pl011_write(struct pl011 *u, uint32_t offset, uint32_t value)
{
	switch (offset) {
	case PL011_DR:
		if (u->host.transmit)
			u->host.transmit(u->host.ctx, value & PL011_DR_DATA);
		return true;
	case PL011_RSR: /* UARTECR: clears the error flags, which are never set */
	case PL011_ICR: /* clears interrupts, which never happen */
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

bool pl011_rx_has_room(const struct pl011 *u)
{
	return u->rx_count < rx_capacity(u);
}

bool pl011_receive(struct pl011 *u, uint8_t byte)
{
	if (!pl011_rx_has_room(u))
		return false;
	rx_push(u, byte);
	return true;
}
