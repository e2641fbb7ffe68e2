/*
 * A libFuzzer harness for stage05's 16550A model (uart.c): the input is a
 * program of register reads and writes (DLAB, FIFO control, loopback, the
 * interrupt enables: whatever the bytes say) and bytes of host input.
 *
 * After every operation it checks what must hold whatever the guest did:
 * - the interrupt line is what IIR says, through the OUT2 gate (loopback shuts
 *   it), and set_irq is called on changes only;
 * - LSR: THR always empty, DR exactly when the receiver holds a byte;
 * - the FIFO never holds more than its 16 bytes (1 without FIFOs);
 * - registers keep no bits the chip does not have (IER, MCR, IIR);
 * - a byte written to THR reaches the host once, unchanged, unless DLAB turns
 *   the write into DLL or loopback keeps it; nothing else is ever sent;
 * - uart_receive() takes a byte exactly when uart_rx_has_room() said it would.
 * IIR and LSR are peeked at on a copy of the chip, whose reads have no effect
 * on the one under test.
 *
 * The input: operations, each an opcode byte (% OP_COUNT) and its operands.
 */
#include "fuzz.h"
#include "uart.h"

#include <stdbool.h>
#include <string.h>

enum op {
	OP_WRITE, /* register: 1 byte (only bits 0-2 decode), value: 1 */
	OP_READ, /* register: 1 */
	OP_RECEIVE, /* a byte of host input */
	OP_SEND, /* value: 1; THR with DLAB clear, the common case made likely */
	OP_RESET, /* uart_init() again */
	OP_COUNT
};

struct host {
	int irq_level, irq_calls, irq_repeats;
	unsigned sent;
	uint8_t last_sent;
};

static void on_transmit(void *ctx, uint8_t byte)
{
	struct host *h = ctx;

	h->sent++;
	h->last_sent = byte;
}

static void on_set_irq(void *ctx, int level)
{
	struct host *h = ctx;

	if (level == h->irq_level)
		h->irq_repeats++;
	h->irq_level = level;
	h->irq_calls++;
}

/* A register read on a copy: what the chip would answer, with no effect on it. */
static uint8_t peek(const struct uart *u, unsigned reg)
{
	struct uart copy = *u;

	copy.host = (struct uart_host){0};
	return uart_read(&copy, reg);
}

static void check_invariants(const struct uart *u, const struct host *h)
{
	uint8_t iir = peek(u, UART_IIR), lsr = peek(u, UART_LSR);
	bool fifo = u->fcr & UART_FCR_FIFO_ENABLE;
	bool gate_open = (u->mcr & UART_MCR_OUT2) && !(u->mcr & UART_MCR_LOOP);
	bool pending = !(iir & UART_IIR_NO_INT);

	INVARIANT(u->irq_level == (gate_open && pending), "IRQ %d with IIR 0x%02x, MCR 0x%02x",
		  u->irq_level, iir, u->mcr);
	INVARIANT(h->irq_level == u->irq_level, "the host saw level %d, the chip has %d",
		  h->irq_level, u->irq_level);
	INVARIANT(h->irq_repeats == 0, "set_irq repeated a level %d time(s)", h->irq_repeats);
	INVARIANT((lsr & (UART_LSR_THRE | UART_LSR_TEMT)) == (UART_LSR_THRE | UART_LSR_TEMT),
		  "LSR 0x%02x: THR not empty", lsr);
	INVARIANT(!!(lsr & UART_LSR_DR) == (u->rx_count > 0), "LSR 0x%02x with %u byte(s) queued",
		  lsr, u->rx_count);
	INVARIANT(u->rx_count <= (fifo ? UART_FIFO_SIZE : 1u), "%u bytes queued, FIFO %s",
		  u->rx_count, fifo ? "on" : "off");
	INVARIANT(u->rx_head < UART_FIFO_SIZE, "rx_head %u", u->rx_head);
	INVARIANT((u->ier & ~UART_IER_MASK) == 0, "IER 0x%02x", u->ier);
	INVARIANT((u->mcr & ~UART_MCR_MASK) == 0, "MCR 0x%02x", u->mcr);
	INVARIANT((iir & 0x30) == 0, "IIR 0x%02x has bits 4-5 set", iir);
	INVARIANT((iir & UART_IIR_FIFO_ENABLED) == (fifo ? UART_IIR_FIFO_ENABLED : 0),
		  "IIR 0x%02x with the FIFO %s", iir, fifo ? "on" : "off");
}

/* A write: to THR it must reach the host, once and unchanged, unless DLAB or loopback. */
static void write_reg(struct uart *u, struct host *h, unsigned reg, uint8_t value)
{
	bool sends =
	    (reg & 7) == UART_THR && !(u->lcr & UART_LCR_DLAB) && !(u->mcr & UART_MCR_LOOP);
	unsigned before = h->sent;

	uart_write(u, reg, value);
	INVARIANT(h->sent == before + sends, "a write of 0x%02x to register %u sent %u byte(s)",
		  value, reg & 7, h->sent - before);
	if (sends)
		INVARIANT(h->last_sent == value, "sent 0x%02x for 0x%02x", h->last_sent, value);
}

static void receive(struct uart *u, struct host *h, uint8_t byte)
{
	bool room = uart_rx_has_room(u);
	unsigned before = u->rx_count, sent = h->sent;

	INVARIANT(uart_receive(u, byte) == room, "uart_receive() and uart_rx_has_room() disagree");
	INVARIANT(u->rx_count == before + room, "%u bytes queued, %u before", u->rx_count, before);
	INVARIANT(h->sent == sent, "receiving sent a byte");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size, 0};
	struct host h = {0};
	struct uart_host callbacks = {.transmit = on_transmit, .set_irq = on_set_irq, .ctx = &h};
	struct uart u;

	uart_init(&u, &callbacks);
	while (more(&in)) {
		unsigned before = h.sent;

		switch ((enum op)(take8(&in) % OP_COUNT)) {
		case OP_WRITE: {
			uint8_t reg = take8(&in);
			write_reg(&u, &h, reg, take8(&in));
			break;
		}
		case OP_READ:
			uart_read(&u, take8(&in));
			INVARIANT(h.sent == before, "a read sent a byte");
			break;
		case OP_RECEIVE:
			receive(&u, &h, take8(&in));
			break;
		case OP_SEND:
			write_reg(&u, &h, UART_THR, take8(&in));
			break;
		case OP_RESET:
			uart_init(&u, &callbacks);
			h.irq_level = 0; /* the line starts low, without a call */
			break;
		case OP_COUNT:
			break;
		}
		check_invariants(&u, &h);
	}
	return 0;
}

#ifdef FUZZ_REPLAY

static void w(struct seed *s, unsigned reg, uint8_t value)
{
	put8(s, OP_WRITE);
	put8(s, (uint8_t)reg);
	put8(s, value);
}

static void r(struct seed *s, unsigned reg)
{
	put8(s, OP_READ);
	put8(s, (uint8_t)reg);
}

static void rx(struct seed *s, const char *bytes)
{
	for (; *bytes; bytes++) {
		put8(s, OP_RECEIVE);
		put8(s, (uint8_t)*bytes);
	}
}

void write_seeds(const char *dir)
{
	struct seed s = {0};

	/* A driver's set-up: divisor, 8N1, FIFO with trigger 14, OUT2, interrupts. */
	w(&s, UART_LCR, UART_LCR_DLAB | UART_LCR_WLS_8);
	w(&s, UART_DLL, 1);
	w(&s, UART_DLM, 0);
	w(&s, UART_LCR, UART_LCR_WLS_8);
	w(&s, UART_FCR, UART_FCR_FIFO_ENABLE | UART_FCR_RX_RESET | UART_FCR_TRIGGER_14);
	w(&s, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	w(&s, UART_IER, UART_IER_ERBFI | UART_IER_ETBEI | UART_IER_ELSI | UART_IER_EDSSI);
	r(&s, UART_IIR);
	rx(&s, "hello, 16550A!!!!");
	r(&s, UART_IIR);
	for (int i = 0; i < 18; i++)
		r(&s, UART_RBR);
	r(&s, UART_LSR);
	r(&s, UART_MSR);
	write_seed(dir, "seed-driver", &s);

	/* Divisor 0, then transmit with DLAB still set (DLL, not THR), then without. */
	s.size = 0;
	w(&s, UART_LCR, UART_LCR_DLAB);
	w(&s, UART_DLL, 0);
	w(&s, UART_DLM, 0);
	r(&s, UART_DLL);
	r(&s, UART_DLM);
	put8(&s, OP_SEND);
	put8(&s, 'x');
	w(&s, UART_LCR, 0);
	put8(&s, OP_SEND);
	put8(&s, 'y');
	write_seed(dir, "seed-dlab-zero", &s);

	/* Loopback: overrun with and without FIFOs, modem lines wired back. */
	s.size = 0;
	w(&s, UART_MCR,
	  UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR | UART_MCR_OUT1 | UART_MCR_OUT2);
	w(&s, UART_IER, UART_IER_EDSSI | UART_IER_ERBFI | UART_IER_ELSI);
	for (int i = 0; i < 3; i++) {
		put8(&s, OP_SEND);
		put8(&s, (uint8_t)i);
	}
	r(&s, UART_LSR);
	r(&s, UART_MSR);
	w(&s, UART_FCR, UART_FCR_FIFO_ENABLE);
	for (int i = 0; i < 20; i++) {
		put8(&s, OP_SEND);
		put8(&s, (uint8_t)('a' + i));
	}
	rx(&s, "held back");
	r(&s, UART_IIR);
	r(&s, UART_LSR);
	w(&s, UART_MCR, UART_MCR_OUT2);
	r(&s, UART_MSR);
	r(&s, UART_IIR);
	write_seed(dir, "seed-loopback", &s);

	/* The FIFO switched off and on while full; triggers at each level. */
	s.size = 0;
	w(&s, UART_FCR, UART_FCR_FIFO_ENABLE | UART_FCR_TRIGGER_4);
	w(&s, UART_IER, UART_IER_ERBFI);
	w(&s, UART_MCR, UART_MCR_OUT2);
	rx(&s, "abc");
	r(&s, UART_IIR);
	rx(&s, "defghijklmnopqrs");
	w(&s, UART_FCR, 0);
	rx(&s, "tu");
	w(&s, UART_FCR, UART_FCR_FIFO_ENABLE | UART_FCR_TRIGGER_8);
	rx(&s, "vwxyz");
	w(&s, UART_FCR, UART_FCR_FIFO_ENABLE | UART_FCR_RX_RESET | UART_FCR_TX_RESET);
	r(&s, UART_RBR);
	r(&s, UART_RBR);
	write_seed(dir, "seed-fifo-switching", &s);

	/* THRE: enabled, acknowledged by IIR, raised again by each byte sent. */
	s.size = 0;
	w(&s, UART_MCR, UART_MCR_OUT2);
	w(&s, UART_IER, UART_IER_ETBEI);
	r(&s, UART_IIR);
	put8(&s, OP_SEND);
	put8(&s, '!');
	w(&s, UART_IER, UART_IER_ETBEI);
	w(&s, UART_IER, 0xff);
	r(&s, UART_IER);
	w(&s, UART_MCR, 0xff);
	r(&s, UART_MCR);
	w(&s, UART_LSR, 0xff);
	w(&s, UART_MSR, 0xff);
	w(&s, UART_SCR, 0x5a);
	r(&s, UART_SCR);
	put8(&s, OP_RESET);
	r(&s, UART_IIR);
	write_seed(dir, "seed-thre-and-reserved-bits", &s);

	/* Registers past 7: only the low three bits decode. */
	s.size = 0;
	for (unsigned reg = 8; reg < 256; reg += 13)
		w(&s, reg, (uint8_t)reg);
	for (unsigned reg = 8; reg < 256; reg += 17)
		r(&s, reg);
	write_seed(dir, "seed-high-registers", &s);
}

#endif
