/*
 * The 16550A model, register by register, as a driver sees it.
 * No /dev/kvm needed: the UART is plain C, and the host is a recorder.
 */
#include "kvm_check.h"
#include "uart.h"

#include <stdlib.h>
#include <string.h>

/* What the UART handed to its host. */
struct recorder {
	uint8_t sent[64];
	unsigned nsent;
	int levels[64]; /* every set_irq call, in order */
	unsigned nlevels;
};

static struct uart u;
static struct recorder rec;

static void record_byte(void *ctx, uint8_t byte)
{
	struct recorder *r = ctx;

	ck_assert_uint_lt(r->nsent, sizeof(r->sent));
	r->sent[r->nsent++] = byte;
}

/* Every call must be a change of level: 0, 1, 0, 1, ... */
static void record_irq(void *ctx, int level)
{
	struct recorder *r = ctx;
	int previous = r->nlevels ? r->levels[r->nlevels - 1] : 0;

	ck_assert_msg(level == 0 || level == 1, "set_irq(%d)", level);
	ck_assert_msg(level != previous, "set_irq(%d) while the line was already %d", level,
		      previous);
	ck_assert_uint_lt(r->nlevels, sizeof(r->levels) / sizeof(r->levels[0]));
	r->levels[r->nlevels++] = level;
}

static void setup(void)
{
	struct uart_host host = {.transmit = record_byte, .set_irq = record_irq, .ctx = &rec};

	memset(&rec, 0, sizeof(rec));
	uart_init(&u, &host); /* host is a local: the UART must keep its own copy */
}

/* One register read, with a message naming the register and both values in hex. */
#define ASSERT_READ(reg, expected)                                                                 \
	do {                                                                                       \
		unsigned got_ = uart_read(&u, reg);                                                \
		unsigned want_ = (expected);                                                       \
		ck_assert_msg(got_ == want_, "%s read 0x%02x, expected 0x%02x", #reg, got_,        \
			      want_);                                                              \
	} while (0)

/* The IRQ line as the host last saw it. */
static int irq_line(void)
{
	return rec.nlevels ? rec.levels[rec.nlevels - 1] : 0;
}

START_TEST(reset_values_match_the_datasheet)
{
	ASSERT_READ(UART_IER, 0x00);
	ASSERT_READ(UART_IIR, UART_IIR_NO_INT);
	ASSERT_READ(UART_LCR, 0x00);
	ASSERT_READ(UART_MCR, 0x00);
	ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT);
	/* The host end is present and ready; no change bits at reset. */
	ASSERT_READ(UART_MSR, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
	ck_assert_uint_eq(rec.nsent, 0);
	ck_assert_uint_eq(rec.nlevels, 0);
	ck_assert(uart_rx_has_room(&u));
}
END_TEST

START_TEST(scratch_register_keeps_every_value)
{
	for (unsigned v = 0; v < 256; v++) {
		uart_write(&u, UART_SCR, (uint8_t)v);
		ASSERT_READ(UART_SCR, v);
	}
	ASSERT_READ(UART_LCR, 0x00);
	ASSERT_READ(UART_IER, 0x00);
}
END_TEST

/* The chip decodes A0-A2 only: register 8 + n is register n. */
START_TEST(only_three_address_bits_are_decoded)
{
	uart_write(&u, 8 + UART_SCR, 0x5a);
	ASSERT_READ(UART_SCR, 0x5a);
	uart_write(&u, UART_SCR, 0xa5);
	ASSERT_READ(16 + UART_SCR, 0xa5);
}
END_TEST

START_TEST(divisor_latch_round_trips_under_dlab)
{
	uart_write(&u, UART_LCR, UART_LCR_DLAB | UART_LCR_WLS_8);
	uart_write(&u, UART_DLL, 0x0c); /* 9600 baud from 1.8432 MHz */
	uart_write(&u, UART_DLM, 0x01);
	ASSERT_READ(UART_DLL, 0x0c);
	ASSERT_READ(UART_DLM, 0x01);
	ASSERT_READ(UART_LCR, UART_LCR_DLAB | UART_LCR_WLS_8);

	uart_write(&u, UART_LCR, UART_LCR_WLS_8);
	uart_write(&u, UART_LCR, UART_LCR_DLAB | UART_LCR_WLS_8);
	ASSERT_READ(UART_DLL, 0x0c); /* still there after DLAB was off */
	ASSERT_READ(UART_DLM, 0x01);
}
END_TEST

START_TEST(dlab_hides_rbr_thr_and_ier)
{
	uart_write(&u, UART_IER, UART_IER_ELSI);
	ck_assert(uart_receive(&u, 'r'));
	uart_write(&u, UART_LCR, UART_LCR_DLAB);

	uart_write(&u, 0, 'x'); /* DLL, not THR */
	uart_write(&u, 1, 0x0f); /* DLM, not IER */
	ASSERT_READ(0, 'x'); /* DLL, and RBR's byte stays unread */
	ASSERT_READ(1, 0x0f);
	ck_assert_uint_eq(rec.nsent, 0);
	ASSERT_READ(UART_LSR, UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);

	uart_write(&u, UART_LCR, 0);
	ASSERT_READ(UART_IER, UART_IER_ELSI);
	ASSERT_READ(UART_RBR, 'r');
}
END_TEST

/* Linux's probe writes 0x0f to IER and expects 0x0f back; bits that do not exist read 0. */
START_TEST(unimplemented_bits_read_as_zero)
{
	uart_write(&u, UART_IER, 0xff);
	ASSERT_READ(UART_IER, UART_IER_MASK);
	uart_write(&u, UART_IER, 0);
	uart_write(&u, UART_MCR, 0xe0);
	ASSERT_READ(UART_MCR, 0x00);
	uart_write(&u, UART_FCR, UART_FCR_FIFO_ENABLE | 0x20); /* 64-byte FIFO of a 16750 */
	ASSERT_READ(UART_IIR, UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);
}
END_TEST

START_TEST(status_registers_ignore_writes)
{
	uart_write(&u, UART_LSR, 0x00);
	uart_write(&u, UART_MSR, 0xff);
	ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT);
	ASSERT_READ(UART_MSR, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
}
END_TEST

START_TEST(transmitted_bytes_reach_the_host_in_order)
{
	const char *text = "Hello\n";

	for (const char *c = text; *c; c++) {
		ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT);
		uart_write(&u, UART_THR, (uint8_t)*c);
	}
	ck_assert_uint_eq(rec.nsent, strlen(text));
	ck_assert_mem_eq(rec.sent, text, strlen(text));
	ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT); /* sent at once */
}
END_TEST

START_TEST(received_bytes_come_out_of_rbr_in_order)
{
	uart_write(&u, UART_FCR, UART_FCR_FIFO_ENABLE);
	ck_assert(uart_receive(&u, 'a'));
	ck_assert(uart_receive(&u, 'b'));
	ck_assert(uart_receive(&u, 'c'));

	ASSERT_READ(UART_LSR, UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	ASSERT_READ(UART_RBR, 'a');
	ASSERT_READ(UART_LSR, UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	ASSERT_READ(UART_RBR, 'b');
	ASSERT_READ(UART_RBR, 'c');
	ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT);
}
END_TEST

/* 16 bytes, then "no room": the caller keeps the 17th. Also crosses the ring's wrap. */
START_TEST(fifo_holds_sixteen_bytes)
{
	uart_write(&u, UART_FCR, UART_FCR_FIFO_ENABLE);
	for (unsigned i = 0; i < UART_FIFO_SIZE; i++)
		ck_assert_msg(uart_receive(&u, (uint8_t)i), "byte %u refused", i);
	ck_assert(!uart_rx_has_room(&u));
	ck_assert(!uart_receive(&u, 100));

	ASSERT_READ(UART_RBR, 0);
	ck_assert(uart_rx_has_room(&u));
	ck_assert(uart_receive(&u, 100));
	ck_assert(!uart_receive(&u, 101));
	for (unsigned i = 1; i < UART_FIFO_SIZE; i++)
		ASSERT_READ(UART_RBR, i);
	ASSERT_READ(UART_RBR, 100);
	ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT);
}
END_TEST

/* FIFOs off (the reset state): a 16450, with a single holding register. */
START_TEST(non_fifo_mode_holds_one_byte)
{
	ck_assert(uart_receive(&u, 'a'));
	ck_assert(!uart_rx_has_room(&u));
	ck_assert(!uart_receive(&u, 'b'));
	ASSERT_READ(UART_RBR, 'a');
	ck_assert(uart_receive(&u, 'b'));
	ASSERT_READ(UART_RBR, 'b');
}
END_TEST

/* A refused byte was never received: no OE, no line status interrupt. */
START_TEST(refused_input_is_not_an_overrun)
{
	uart_write(&u, UART_IER, UART_IER_ELSI);
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	ck_assert(uart_receive(&u, 'a'));
	ck_assert(!uart_receive(&u, 'b'));
	ck_assert(!uart_receive(&u, 'c'));
	ck_assert_int_eq(irq_line(), 0);
	ASSERT_READ(UART_IIR, UART_IIR_NO_INT);
	ASSERT_READ(UART_LSR, UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	ASSERT_READ(UART_RBR, 'a');
}
END_TEST

START_TEST(fcr_rx_reset_empties_the_fifo)
{
	uart_write(&u, UART_FCR, UART_FCR_FIFO_ENABLE);
	for (unsigned i = 0; i < UART_FIFO_SIZE; i++)
		ck_assert(uart_receive(&u, 'x'));
	uart_write(&u, UART_FCR, UART_FCR_FIFO_ENABLE | UART_FCR_RX_RESET | UART_FCR_TX_RESET);
	ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT);
	ck_assert(uart_rx_has_room(&u));

	/* The reset bit clears itself: the FIFO is enabled and keeps new bytes. */
	ASSERT_READ(UART_IIR, UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);
	ck_assert(uart_receive(&u, 'n'));
	ck_assert(uart_receive(&u, 'o'));
	ASSERT_READ(UART_RBR, 'n');
	ASSERT_READ(UART_RBR, 'o');
}
END_TEST

/* Datasheet: changing FCR bit 0 clears the FIFOs. */
START_TEST(leaving_fifo_mode_empties_the_fifo)
{
	uart_write(&u, UART_FCR, UART_FCR_FIFO_ENABLE);
	ck_assert(uart_receive(&u, 'a'));
	ck_assert(uart_receive(&u, 'b'));
	uart_write(&u, UART_FCR, 0);
	ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT);
	ck_assert(uart_receive(&u, 'c'));
	ck_assert(!uart_receive(&u, 'd'));
}
END_TEST

/* IIR bits 6-7 are how a driver tells a 16550A from a 16450. */
START_TEST(iir_fifo_bits_follow_fcr_enable)
{
	ASSERT_READ(UART_IIR, UART_IIR_NO_INT);
	uart_write(&u, UART_FCR, UART_FCR_FIFO_ENABLE | UART_FCR_TRIGGER_14);
	ASSERT_READ(UART_IIR, UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);
	uart_write(&u, UART_LCR, UART_LCR_DLAB); /* DLAB does not hide IIR */
	ASSERT_READ(UART_IIR, UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);
	uart_write(&u, UART_LCR, 0);
	uart_write(&u, UART_FCR, 0);
	ASSERT_READ(UART_IIR, UART_IIR_NO_INT);
	/* Without bit 0 the other bits are not programmed: this enables and clears nothing. */
	ck_assert(uart_receive(&u, 'k'));
	uart_write(&u, UART_FCR, UART_FCR_TRIGGER_14 | UART_FCR_RX_RESET);
	ASSERT_READ(UART_IIR, UART_IIR_NO_INT);
	ASSERT_READ(UART_LSR, UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	ASSERT_READ(UART_RBR, 'k');
}
END_TEST

START_TEST(loopback_returns_the_byte_and_host_sees_nothing)
{
	uart_write(&u, UART_MCR, UART_MCR_LOOP);
	uart_write(&u, UART_THR, 'L');
	ck_assert_uint_eq(rec.nsent, 0);
	ASSERT_READ(UART_LSR, UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	ASSERT_READ(UART_RBR, 'L');

	uart_write(&u, UART_MCR, 0);
	uart_write(&u, UART_THR, 'H');
	ck_assert_uint_eq(rec.nsent, 1);
	ck_assert_uint_eq(rec.sent[0], 'H');
	ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT);
}
END_TEST

/* In loopback MSR's lines are MCR's outputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
START_TEST(loopback_msr_mirrors_mcr)
{
	static const struct {
		uint8_t mcr, lines;
	} wiring[] = {
	    {0, 0},
	    {UART_MCR_RTS, UART_MSR_CTS},
	    {UART_MCR_DTR, UART_MSR_DSR},
	    {UART_MCR_OUT1, UART_MSR_RI},
	    {UART_MCR_OUT2, UART_MSR_DCD},
	    {UART_MCR_RTS | UART_MCR_OUT2, UART_MSR_CTS | UART_MSR_DCD}, /* Linux's probe */
	};

	for (unsigned i = 0; i < sizeof(wiring) / sizeof(wiring[0]); i++) {
		uart_write(&u, UART_MCR, UART_MCR_LOOP | wiring[i].mcr);
		ck_assert_msg((uart_read(&u, UART_MSR) & 0xf0) == wiring[i].lines,
			      "MCR 0x%02x: wrong MSR lines", wiring[i].mcr);
	}
	/* Out of loopback (last: CTS and DCD on), the host's lines: only DSR changed. */
	uart_write(&u, UART_MCR, 0);
	ASSERT_READ(UART_MSR, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD | UART_MSR_DDSR);
}
END_TEST

/* Change bits latch until MSR is read; TERI only when RI goes off. */
START_TEST(msr_change_bits_latch_until_read)
{
	uart_write(&u, UART_MCR, UART_MCR_LOOP);
	uart_read(&u, UART_MSR);
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT1);
	ASSERT_READ(UART_MSR, UART_MSR_CTS | UART_MSR_RI | UART_MSR_DCTS);
	ASSERT_READ(UART_MSR, UART_MSR_CTS | UART_MSR_RI);
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	ASSERT_READ(UART_MSR, UART_MSR_CTS | UART_MSR_TERI);
	ASSERT_READ(UART_MSR, UART_MSR_CTS);
}
END_TEST

/* In loopback the receiver hears the transmitter only; host input waits. */
START_TEST(loopback_holds_off_host_input)
{
	uart_write(&u, UART_MCR, UART_MCR_LOOP);
	ck_assert(!uart_rx_has_room(&u));
	ck_assert(!uart_receive(&u, 'h'));
	ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT);
	uart_write(&u, UART_MCR, 0);
	ck_assert(uart_receive(&u, 'h'));
	ASSERT_READ(UART_RBR, 'h');
}
END_TEST

/* RTS is an output the other end watches: MCR bit 1, held inactive in loopback. */
START_TEST(rts_follows_mcr_outside_loopback)
{
	ck_assert(!uart_rts(&u));
	uart_write(&u, UART_MCR, UART_MCR_RTS);
	ck_assert(uart_rts(&u));
	uart_write(&u, UART_MCR, UART_MCR_RTS | UART_MCR_LOOP);
	ck_assert(!uart_rts(&u));
	uart_write(&u, UART_MCR, UART_MCR_DTR | UART_MCR_OUT2);
	ck_assert(!uart_rts(&u));
}
END_TEST

/* Loopback cannot hold a byte back, so it can overrun; reading LSR clears OE. */
START_TEST(loopback_overrun_sets_oe_until_lsr_read)
{
	uart_write(&u, UART_MCR, UART_MCR_LOOP);
	uart_write(&u, UART_THR, '1');
	uart_write(&u, UART_THR, '2');
	ASSERT_READ(UART_LSR, UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	ASSERT_READ(UART_LSR, UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	ASSERT_READ(UART_RBR, '2'); /* 16450 mode: the new byte overwrote the old */

	uart_write(&u, UART_FCR, UART_FCR_FIFO_ENABLE);
	for (unsigned i = 0; i <= UART_FIFO_SIZE; i++)
		uart_write(&u, UART_THR, (uint8_t)i);
	ASSERT_READ(UART_LSR, UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	for (unsigned i = 0; i < UART_FIFO_SIZE; i++)
		ASSERT_READ(UART_RBR, i); /* FIFO mode: the 17th byte was lost */
	ASSERT_READ(UART_LSR, UART_LSR_THRE | UART_LSR_TEMT);
}
END_TEST

START_TEST(rx_interrupt_needs_erbfi_and_out2)
{
	ck_assert(uart_receive(&u, 'a'));
	ck_assert_int_eq(irq_line(), 0);
	ASSERT_READ(UART_IIR, UART_IIR_NO_INT);

	uart_write(&u, UART_IER, UART_IER_ERBFI);
	ck_assert_int_eq(irq_line(), 0); /* pending in the chip, but OUT2 gates the line */
	ASSERT_READ(UART_IIR, UART_IIR_ID_RDA);

	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	ck_assert_int_eq(irq_line(), 1);
	ASSERT_READ(UART_IIR, UART_IIR_ID_RDA); /* reading IIR does not acknowledge data */
	ck_assert_int_eq(irq_line(), 1);

	ASSERT_READ(UART_RBR, 'a');
	ck_assert_int_eq(irq_line(), 0);
	ASSERT_READ(UART_IIR, UART_IIR_NO_INT);

	ck_assert(uart_receive(&u, 'b'));
	ck_assert_int_eq(irq_line(), 1);
	uart_write(&u, UART_IER, 0);
	ck_assert_int_eq(irq_line(), 0);
}
END_TEST

/* Below the trigger level the data still interrupts, as a character timeout. */
START_TEST(fifo_data_below_trigger_interrupts_as_timeout)
{
	uart_write(&u, UART_FCR, UART_FCR_FIFO_ENABLE | UART_FCR_TRIGGER_4);
	uart_write(&u, UART_IER, UART_IER_ERBFI);
	uart_write(&u, UART_MCR, UART_MCR_OUT2);

	ck_assert(uart_receive(&u, 'a'));
	ck_assert_int_eq(irq_line(), 1);
	ASSERT_READ(UART_IIR, UART_IIR_FIFO_ENABLED | UART_IIR_ID_CTI);
	for (int i = 0; i < 3; i++)
		ck_assert(uart_receive(&u, 'b'));
	ASSERT_READ(UART_IIR, UART_IIR_FIFO_ENABLED | UART_IIR_ID_RDA);

	ASSERT_READ(UART_RBR, 'a'); /* 3 left, below 4 again */
	ASSERT_READ(UART_IIR, UART_IIR_FIFO_ENABLED | UART_IIR_ID_CTI);
	ck_assert_int_eq(irq_line(), 1);
}
END_TEST

START_TEST(thre_interrupt_on_enabling_etbei)
{
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	ck_assert_int_eq(irq_line(), 0); /* THR is empty, but nobody asked */

	uart_write(&u, UART_IER, UART_IER_ETBEI);
	ck_assert_int_eq(irq_line(), 1);
	ASSERT_READ(UART_IIR, UART_IIR_ID_THRE); /* reading it acknowledges it */
	ck_assert_int_eq(irq_line(), 0);
	ASSERT_READ(UART_IIR, UART_IIR_NO_INT);

	uart_write(&u, UART_IER, UART_IER_ETBEI); /* already enabled: no new interrupt */
	ck_assert_int_eq(irq_line(), 0);

	uart_write(&u, UART_THR, 'x'); /* THR empties again: a new interrupt */
	ck_assert_int_eq(irq_line(), 1);
	ASSERT_READ(UART_IIR, UART_IIR_ID_THRE);
	ck_assert_int_eq(irq_line(), 0);

	uart_write(&u, UART_IER, 0);
	uart_write(&u, UART_IER, UART_IER_ETBEI); /* enabled again: raised again */
	ck_assert_int_eq(irq_line(), 1);
}
END_TEST

/*
 * THRE still pending when the driver writes THR: the write acknowledges it and
 * the empty THR raises it again. The host must see an edge, or an
 * edge-triggered interrupt controller would never deliver the second one.
 */
START_TEST(thr_write_gives_the_line_an_edge)
{
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	uart_write(&u, UART_IER, UART_IER_ETBEI);
	ck_assert_uint_eq(rec.nlevels, 1);

	uart_write(&u, UART_THR, 'x');
	ck_assert_uint_eq(rec.nlevels, 3);
	ck_assert_int_eq(rec.levels[1], 0);
	ck_assert_int_eq(rec.levels[2], 1);
}
END_TEST

/* IIR reports line status > received data > THR empty > modem status, one at a time. */
START_TEST(iir_reports_sources_in_priority_order)
{
	uart_write(&u, UART_MCR, UART_MCR_LOOP);
	uart_read(&u, UART_MSR);
	uart_write(&u, UART_THR, '1');
	uart_write(&u, UART_THR, '2'); /* overrun: OE, and data */
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS); /* CTS changed */
	uart_write(&u, UART_IER, UART_IER_MASK); /* and THRE, on enabling */

	ASSERT_READ(UART_IIR, UART_IIR_ID_RLS);
	ASSERT_READ(UART_IIR, UART_IIR_ID_RLS); /* held until its cause is serviced */
	uart_read(&u, UART_LSR);
	ASSERT_READ(UART_IIR, UART_IIR_ID_RDA);
	uart_read(&u, UART_RBR);
	/* THRE was pending all along: IIR reads that reported others did not clear it. */
	ASSERT_READ(UART_IIR, UART_IIR_ID_THRE);
	ASSERT_READ(UART_IIR, UART_IIR_ID_MS);
	uart_read(&u, UART_MSR);
	ASSERT_READ(UART_IIR, UART_IIR_NO_INT);
}
END_TEST

/* Loopback shuts the OUT2 gate; the interrupt stays latched and shows when it ends. */
START_TEST(loopback_keeps_the_line_low)
{
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	uart_write(&u, UART_IER, UART_IER_ETBEI | UART_IER_ERBFI);
	uart_write(&u, UART_THR, 0);
	ck_assert_uint_eq(rec.nlevels, 0);
	ASSERT_READ(UART_IIR, UART_IIR_ID_RDA);

	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	ck_assert_int_eq(irq_line(), 1);
}
END_TEST

/* set_irq is called on changes only (record_irq checks that on every call). */
START_TEST(set_irq_only_on_level_changes)
{
	uart_write(&u, UART_FCR, UART_FCR_FIFO_ENABLE);
	uart_write(&u, UART_IER, UART_IER_ERBFI);
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	ck_assert_uint_eq(rec.nlevels, 0);

	for (int i = 0; i < 5; i++)
		ck_assert(uart_receive(&u, 'a'));
	ck_assert_uint_eq(rec.nlevels, 1);
	uart_write(&u, UART_SCR, 1);
	uart_read(&u, UART_LSR);
	uart_read(&u, UART_IIR);
	for (int i = 0; i < 4; i++)
		uart_read(&u, UART_RBR);
	ck_assert_uint_eq(rec.nlevels, 1);
	uart_read(&u, UART_RBR);
	ck_assert_uint_eq(rec.nlevels, 2);
	ck_assert_int_eq(rec.levels[0], 1);
	ck_assert_int_eq(rec.levels[1], 0);
}
END_TEST

START_TEST(a_missing_host_is_allowed)
{
	struct uart bare;

	uart_init(&bare, NULL);
	uart_write(&bare, UART_MCR, UART_MCR_OUT2);
	uart_write(&bare, UART_IER, UART_IER_ETBEI);
	uart_write(&bare, UART_THR, 'x');
	ck_assert_uint_eq(uart_read(&bare, UART_IIR), UART_IIR_ID_THRE);
}
END_TEST

static Suite *uart_suite(void)
{
	Suite *s = suite_create("uart");
	TCase *regs = tcase_create("registers");
	TCase *data = tcase_create("data");
	TCase *loop = tcase_create("loopback");
	TCase *irq = tcase_create("interrupts");

	tcase_add_checked_fixture(regs, setup, NULL);
	tcase_add_test(regs, reset_values_match_the_datasheet);
	tcase_add_test(regs, scratch_register_keeps_every_value);
	tcase_add_test(regs, only_three_address_bits_are_decoded);
	tcase_add_test(regs, divisor_latch_round_trips_under_dlab);
	tcase_add_test(regs, dlab_hides_rbr_thr_and_ier);
	tcase_add_test(regs, unimplemented_bits_read_as_zero);
	tcase_add_test(regs, status_registers_ignore_writes);
	tcase_add_test(regs, iir_fifo_bits_follow_fcr_enable);
	suite_add_tcase(s, regs);

	tcase_add_checked_fixture(data, setup, NULL);
	tcase_add_test(data, transmitted_bytes_reach_the_host_in_order);
	tcase_add_test(data, received_bytes_come_out_of_rbr_in_order);
	tcase_add_test(data, fifo_holds_sixteen_bytes);
	tcase_add_test(data, non_fifo_mode_holds_one_byte);
	tcase_add_test(data, refused_input_is_not_an_overrun);
	tcase_add_test(data, fcr_rx_reset_empties_the_fifo);
	tcase_add_test(data, leaving_fifo_mode_empties_the_fifo);
	suite_add_tcase(s, data);

	tcase_add_checked_fixture(loop, setup, NULL);
	tcase_add_test(loop, loopback_returns_the_byte_and_host_sees_nothing);
	tcase_add_test(loop, loopback_msr_mirrors_mcr);
	tcase_add_test(loop, msr_change_bits_latch_until_read);
	tcase_add_test(loop, loopback_holds_off_host_input);
	tcase_add_test(loop, loopback_overrun_sets_oe_until_lsr_read);
	tcase_add_test(loop, rts_follows_mcr_outside_loopback);
	suite_add_tcase(s, loop);

	tcase_add_checked_fixture(irq, setup, NULL);
	tcase_add_test(irq, rx_interrupt_needs_erbfi_and_out2);
	tcase_add_test(irq, fifo_data_below_trigger_interrupts_as_timeout);
	tcase_add_test(irq, thre_interrupt_on_enabling_etbei);
	tcase_add_test(irq, thr_write_gives_the_line_an_edge);
	tcase_add_test(irq, iir_reports_sources_in_priority_order);
	tcase_add_test(irq, loopback_keeps_the_line_low);
	tcase_add_test(irq, set_irq_only_on_level_changes);
	tcase_add_test(irq, a_missing_host_is_allowed);
	suite_add_tcase(s, irq);
	return s;
}

int main(void)
{
	return run_suite(uart_suite());
}
