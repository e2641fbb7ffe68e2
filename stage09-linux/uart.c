/*
 * A 16550A UART at register level, after the PC16550D datasheet.
 *
 * Model choices, where a real chip depends on time or wires we do not have:
 * - Transmission is instantaneous: a byte written to THR goes to the host at
 *   once, so THR and the transmitter are always empty (LSR.THRE and LSR.TEMT
 *   stay set) and the transmit FIFO never holds anything.
 * - The serial line has no framing: LCR's word length, parity, stop bits and
 *   break, and the baud rate divisor, are stored and read back but change
 *   nothing. No parity, framing or break errors ever happen.
 * - Host input that finds the receiver full is refused, not overrun: the
 *   caller keeps the byte, as a sender would under hardware flow control.
 *   Only loopback, where nobody can hold a byte back, overruns.
 * - The modem inputs are those of a host end that is always there and ready:
 *   CTS, DSR and DCD asserted, RI not.
 */
#include "uart.h"

#include <string.h>

/* MSR bits 4-7 outside loopback: the host end is present and ready, and never rings. */
#define UART_HOST_MODEM_LINES (UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD)

static bool dlab(const struct uart *u)
{
	return u->lcr & UART_LCR_DLAB;
}

static bool loopback(const struct uart *u)
{
	return u->mcr & UART_MCR_LOOP;
}

static bool fifo_enabled(const struct uart *u)
{
	return u->fcr & UART_FCR_FIFO_ENABLE;
}

/* Without FIFOs the chip behaves as a 16450: one receive holding register. */
static unsigned rx_capacity(const struct uart *u)
{
	return fifo_enabled(u) ? UART_FIFO_SIZE : 1;
}

static unsigned rx_trigger_level(const struct uart *u)
{
	static const unsigned level[] = {1, 4, 8, 14};

	return fifo_enabled(u) ? level[(u->fcr & UART_FCR_TRIGGER_MASK) >> 6] : 1;
}

static void rx_push(struct uart *u, uint8_t byte)
{
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
}

/* Reading an empty RBR gives its old contents again, as the register still holds them. */
static uint8_t rx_pop(struct uart *u)
{
	if (u->rx_count) {
		u->rbr = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
		u->rx_count--;
	}
	return u->rbr;
}

static void rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* book:begin uart-iir */
/*
 * The highest-priority interrupt that is both pending and enabled, as IIR
 * bits 0-3. The chip reports one source at a time; the driver services it,
 * reads IIR again, and so on until IIR says none is left.
 */
static uint8_t pending_interrupt(const struct uart *u)
{
	if ((u->ier & UART_IER_ELSI) && u->lsr_errors)
		return UART_IIR_ID_RLS;
	/*
	 * With FIFOs, data below the trigger level interrupts as a character
	 * timeout once no byte has come or gone for 4 character times. We have
	 * no time, so that moment is always already past: any data at all
	 * interrupts, and a driver never waits for bytes stuck under the trigger.
	 */
	if ((u->ier & UART_IER_ERBFI) && u->rx_count)
		return u->rx_count >= rx_trigger_level(u) ? UART_IIR_ID_RDA : UART_IIR_ID_CTI;
	if ((u->ier & UART_IER_ETBEI) && u->thre_pending)
		return UART_IIR_ID_THRE;
	if ((u->ier & UART_IER_EDSSI) && (u->msr & UART_MSR_DELTAS))
		return UART_IIR_ID_MS;
	return UART_IIR_NO_INT;
}
/* book:end uart-iir */

/* book:begin uart-irq */
/*
 * The chip's INTR pin follows pending_interrupt(), but on a PC it reaches the
 * interrupt controller only through a gate driven by the OUT2 pin; drivers
 * (Linux's 8250 among them) set MCR.OUT2 to enable interrupts. In loopback
 * the modem control pins are forced inactive, OUT2 included, so the gate is
 * shut however MCR is set: interrupts stay latched in the chip and reach the
 * line when loopback ends.
 */
static void update_irq(struct uart *u)
{
	bool gate_open = (u->mcr & UART_MCR_OUT2) && !loopback(u);
	int level = gate_open && pending_interrupt(u) != UART_IIR_NO_INT;

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->host.set_irq)
		u->host.set_irq(u->host.ctx, level);
}
/* book:end uart-irq */

/* MSR bits 4-7: the host's lines, or in loopback the MCR outputs wired back in. */
static uint8_t modem_lines(const struct uart *u)
{
	uint8_t lines = 0;

	if (!loopback(u))
		return UART_HOST_MODEM_LINES;
	if (u->mcr & UART_MCR_RTS)
		lines |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		lines |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		lines |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		lines |= UART_MSR_DCD;
	return lines;
}

/*
 * Takes the lines' new state, and latches a change bit for each line that
 * changed. Each change bit sits 4 bits below its line. RI is the exception:
 * TERI records only the end of a ring (RI going off), when software would
 * want to answer.
 */
static void update_msr(struct uart *u)
{
	uint8_t old = u->msr, now = modem_lines(u);
	uint8_t changed =
	    (uint8_t)((old ^ now) >> 4) & (UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	uint8_t ring_ended = (uint8_t)((old & ~now) >> 4) & UART_MSR_TERI;

	u->msr = now | (old & UART_MSR_DELTAS) | changed | ring_ended;
}

/* book:begin uart-transmit */
/*
 * In loopback the transmitter feeds the receiver directly, and nobody can
 * hold a byte back: a full receiver overruns. With FIFOs the new byte is lost
 * (the FIFO keeps its contents); without, it overwrites the unread one.
 */
static void loopback_receive(struct uart *u, uint8_t byte)
{
	if (u->rx_count < rx_capacity(u)) {
		rx_push(u, byte);
		return;
	}
	u->lsr_errors |= UART_LSR_OE;
	if (!fifo_enabled(u))
		u->rx[u->rx_head] = byte;
}

/*
 * Writing THR acknowledges the THRE interrupt. The byte then leaves at once,
 * so THR is empty again and the interrupt is raised again: if it was the only
 * one, the line drops and rises, an edge, as on the chip a character time later.
 */
static void transmit(struct uart *u, uint8_t byte)
{
	u->thre_pending = false;
	update_irq(u);
	if (loopback(u))
		loopback_receive(u, byte);
	else if (u->host.transmit)
		u->host.transmit(u->host.ctx, byte);
	u->thre_pending = true;
}
/* book:end uart-transmit */

/*
 * "THR empty" is an event, not a level: it was latched when THR emptied. A
 * driver enabling ETBEI while THR is already empty would wait forever, so the
 * 16550A raises the interrupt when ETBEI goes from 0 to 1 with THR empty.
 * Writing ETBEI as 1 when it already was 1 raises nothing.
 */
static void write_ier(struct uart *u, uint8_t value)
{
	uint8_t enabled = value & ~u->ier;

	u->ier = value & UART_IER_MASK;
	if (enabled & UART_IER_ETBEI)
		u->thre_pending = true; /* THR is always empty here */
}

/*
 * FCR bit 0 switches between 16450 mode and FIFO mode, and switching clears
 * the FIFOs. Its other bits are programmed only in a write with bit 0 set.
 */
static void write_fcr(struct uart *u, uint8_t value)
{
	bool enable = value & UART_FCR_FIFO_ENABLE;

	if (enable != fifo_enabled(u))
		rx_clear(u);
	if (!enable) {
		u->fcr &= (uint8_t)~UART_FCR_FIFO_ENABLE;
		return;
	}
	if (value & UART_FCR_RX_RESET)
		rx_clear(u);
	/* UART_FCR_TX_RESET: the transmit FIFO is always empty already. */
	u->fcr = value & (UART_FCR_FIFO_ENABLE | UART_FCR_TRIGGER_MASK);
}

static void write_mcr(struct uart *u, uint8_t value)
{
	u->mcr = value & UART_MCR_MASK;
	update_msr(u);
}

/*
 * IIR is also THRE's acknowledgement: every other source has its own status
 * to read (LSR, RBR, MSR), but "THR is empty" has nothing to read, so reading
 * IIR while it reports THRE clears that interrupt. Reporting another source
 * leaves THRE pending.
 */
static uint8_t read_iir(struct uart *u)
{
	uint8_t id = pending_interrupt(u);

	if (id == UART_IIR_ID_THRE)
		u->thre_pending = false;
	return id | (fifo_enabled(u) ? UART_IIR_FIFO_ENABLED : 0);
}

/* Reading LSR is how software acknowledges a line status interrupt. */
static uint8_t read_lsr(struct uart *u)
{
	uint8_t lsr = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors;

	if (u->rx_count)
		lsr |= UART_LSR_DR;
	u->lsr_errors = 0;
	return lsr;
}

/* Reading MSR acknowledges a modem status interrupt: it clears the change bits. */
static uint8_t read_msr(struct uart *u)
{
	uint8_t msr = u->msr;

	u->msr &= (uint8_t)~UART_MSR_DELTAS;
	return msr;
}

void uart_init(struct uart *u, const struct uart_host *host)
{
	memset(u, 0, sizeof(*u));
	if (host)
		u->host = *host;
	/* The datasheet leaves the divisor undefined at reset; it is 0 here. */
	u->msr = modem_lines(u);
}

/*
 * Eight registers are not enough addresses for eleven, so the 8250 family
 * shares offsets: reads and writes of offset 2 reach different registers
 * (IIR, FCR), and LCR.DLAB, set only while programming the baud rate, swaps
 * the divisor latch in for RBR/THR and IER.
 */
uint8_t uart_read(struct uart *u, unsigned reg)
{
	uint8_t value = 0;

	switch (reg & 7) { /* the chip has three address lines, A0-A2 */
	case UART_RBR:
		value = dlab(u) ? u->dll : rx_pop(u);
		break;
	case UART_IER:
		value = dlab(u) ? u->dlm : u->ier;
		break;
	case UART_IIR:
		value = read_iir(u);
		break;
	case UART_LCR:
		value = u->lcr;
		break;
	case UART_MCR:
		value = u->mcr;
		break;
	case UART_LSR:
		value = read_lsr(u);
		break;
	case UART_MSR:
		value = read_msr(u);
		break;
	case UART_SCR:
		value = u->scr;
		break;
	}
	update_irq(u);
	return value;
}

void uart_write(struct uart *u, unsigned reg, uint8_t value)
{
	switch (reg & 7) {
	case UART_THR:
		if (dlab(u))
			u->dll = value;
		else
			transmit(u, value);
		break;
	case UART_IER:
		if (dlab(u))
			u->dlm = value;
		else
			write_ier(u, value);
		break;
	case UART_FCR:
		write_fcr(u, value);
		break;
	case UART_LCR:
		u->lcr = value;
		break;
	case UART_MCR:
		write_mcr(u, value);
		break;
	case UART_LSR:
	case UART_MSR:
		break; /* status registers: the datasheet reserves writes for factory test */
	case UART_SCR:
		u->scr = value;
		break;
	}
	update_irq(u);
}

/* In loopback the serial input is disconnected: host bytes wait until it ends. */
bool uart_rx_has_room(const struct uart *u)
{
	return !loopback(u) && u->rx_count < rx_capacity(u);
}

bool uart_rts(const struct uart *u)
{
	return (u->mcr & UART_MCR_RTS) && !loopback(u);
}

bool uart_receive(struct uart *u, uint8_t byte)
{
	if (!uart_rx_has_room(u))
		return false;
	rx_push(u, byte);
	update_irq(u);
	return true;
}
