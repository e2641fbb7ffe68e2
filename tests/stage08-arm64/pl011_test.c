/*
 * The PL011 model, register by register, as a polled driver sees it, then its
 * interrupts as a driver that takes them does. No /dev/kvm needed: the UART is
 * plain C, and the host is a recorder.
 */
#include "kvm_check.h"
#include "pl011.h"

#include <string.h>

/* What the UART handed to its host. */
struct recorder {
	uint8_t sent[64];
	unsigned nsent;
	int levels[16]; /* each change of the interrupt line, in order */
	unsigned nlevels;
};

static struct pl011 u;
static struct recorder rec;

static void record_byte(void *ctx, uint8_t byte)
{
	struct recorder *r = ctx;

	ck_assert_uint_lt(r->nsent, sizeof(r->sent));
	r->sent[r->nsent++] = byte;
}

static void record_level(void *ctx, int level)
{
	struct recorder *r = ctx;

	ck_assert_uint_lt(r->nlevels, sizeof(r->levels) / sizeof(r->levels[0]));
	r->levels[r->nlevels++] = level;
}

static void setup(void)
{
	struct pl011_host host = {.transmit = record_byte, .set_irq = record_level, .ctx = &rec};

	memset(&rec, 0, sizeof(rec));
	pl011_init(&u, &host); /* host is a local: the UART must keep its own copy */
}

/* One register read, with a message naming the register and both values in hex. */
#define ASSERT_READ(reg, expected)                                                                 \
	do {                                                                                       \
		uint32_t got_ = 0xdeadbeef;                                                        \
		uint32_t want_ = (expected);                                                       \
		ck_assert_msg(pl011_read(&u, reg, &got_), "%s is not readable", #reg);             \
		ck_assert_msg(got_ == want_, "%s read 0x%03x, expected 0x%03x", #reg, got_,        \
			      want_);                                                              \
	} while (0)

#define FR_EMPTY (PL011_FR_TXFE | PL011_FR_RXFE)

START_TEST(reset_values_follow_the_trm)
{
	ASSERT_READ(PL011_FR, FR_EMPTY); /* TXFE and RXFE set: nothing to send or read */
	ASSERT_READ(PL011_CR, 0x300); /* TXE | RXE, UARTEN clear */
	ASSERT_READ(PL011_IFLS, 0x12);
	ASSERT_READ(PL011_LCR_H, 0); /* FEN clear: one-byte holding registers */
	ASSERT_READ(PL011_IBRD, 0);
	ASSERT_READ(PL011_FBRD, 0);
	ASSERT_READ(PL011_IMSC, 0);
	ASSERT_READ(PL011_RSR, 0);
	ASSERT_READ(PL011_DMACR, 0);
}
END_TEST

START_TEST(flag_bits_are_where_the_trm_puts_them)
{
	ck_assert_uint_eq(PL011_FR_BUSY, 0x08);
	ck_assert_uint_eq(PL011_FR_RXFE, 0x10);
	ck_assert_uint_eq(PL011_FR_TXFF, 0x20);
	ck_assert_uint_eq(PL011_FR_RXFF, 0x40);
	ck_assert_uint_eq(PL011_FR_TXFE, 0x80);
	ck_assert_uint_eq(PL011_LCR_H_FEN, 0x10);
	ck_assert_uint_eq(PL011_FR, 0x18);
	ck_assert_uint_eq(PL011_LCR_H, 0x2c);
	ck_assert_uint_eq(PL011_CR, 0x30);
}
END_TEST

START_TEST(peripheral_and_cell_ids_say_pl011_r1p5)
{
	static const uint32_t id[] = {0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

	for (unsigned i = 0; i < 8; i++)
		ASSERT_READ(PL011_PERIPH_ID0 + 4 * i, id[i]);
	ck_assert_uint_eq(PL011_PERIPH_ID0 + 4 * 7, PL011_PCELL_ID3);
}
END_TEST

START_TEST(data_register_write_transmits_the_low_byte_at_once)
{
	ck_assert(pl011_write(&u, PL011_DR, 'H'));
	ck_assert(pl011_write(&u, PL011_DR, 0x100 | 'i')); /* bits above 7 are not data */
	ck_assert_uint_eq(rec.nsent, 2);
	ck_assert_uint_eq(rec.sent[0], 'H');
	ck_assert_uint_eq(rec.sent[1], 'i');
	/* Instantaneous transmission: never full, never busy, always empty. */
	ASSERT_READ(PL011_FR, FR_EMPTY);
}
END_TEST

START_TEST(without_fifos_the_receiver_holds_one_byte)
{
	ck_assert(pl011_rx_has_room(&u));
	ck_assert(pl011_receive(&u, 'a'));
	ASSERT_READ(PL011_FR, PL011_FR_TXFE | PL011_FR_RXFF); /* RXFE clear, RXFF set */
	ck_assert(!pl011_rx_has_room(&u));
	ck_assert(!pl011_receive(&u, 'b')); /* refused: the caller keeps it */
	ASSERT_READ(PL011_DR, 'a');
	ASSERT_READ(PL011_FR, FR_EMPTY);
	ck_assert(pl011_receive(&u, 'b'));
	ASSERT_READ(PL011_DR, 'b');
}
END_TEST

START_TEST(with_fifos_the_receiver_holds_32_bytes_in_order)
{
	ck_assert(pl011_write(&u, PL011_LCR_H, PL011_LCR_H_FEN | PL011_LCR_H_WLEN_8));
	for (unsigned i = 0; i < PL011_FIFO_DEPTH; i++) {
		ASSERT_READ(PL011_FR, i ? PL011_FR_TXFE : FR_EMPTY);
		ck_assert(pl011_receive(&u, (uint8_t)('A' + i)));
	}
	ASSERT_READ(PL011_FR, PL011_FR_TXFE | PL011_FR_RXFF);
	ck_assert(!pl011_receive(&u, '!'));
	for (unsigned i = 0; i < PL011_FIFO_DEPTH; i++)
		ASSERT_READ(PL011_DR, 'A' + i);
	ASSERT_READ(PL011_FR, FR_EMPTY);
}
END_TEST

START_TEST(the_fifo_wraps_around)
{
	ck_assert(pl011_write(&u, PL011_LCR_H, PL011_LCR_H_FEN));
	for (unsigned round = 0; round < 3 * PL011_FIFO_DEPTH; round++) {
		ck_assert(pl011_receive(&u, (uint8_t)round));
		ck_assert(pl011_receive(&u, (uint8_t)(round + 100)));
		ASSERT_READ(PL011_DR, (uint8_t)round);
		ASSERT_READ(PL011_DR, (uint8_t)(round + 100));
	}
}
END_TEST

START_TEST(reading_an_empty_receiver_gives_0)
{
	ASSERT_READ(PL011_DR, 0);
	ASSERT_READ(PL011_FR, FR_EMPTY);
}
END_TEST

START_TEST(changing_fen_keeps_what_was_received)
{
	ck_assert(pl011_receive(&u, 'x')); /* FIFOs off: the holding register is full */
	ck_assert(pl011_write(&u, PL011_LCR_H, PL011_LCR_H_FEN | PL011_LCR_H_WLEN_8));
	ASSERT_READ(PL011_FR, PL011_FR_TXFE); /* FIFOs on: room again, 'x' still there */
	ck_assert(pl011_receive(&u, 'y'));
	ck_assert(pl011_receive(&u, 'z'));
	ck_assert(pl011_write(&u, PL011_LCR_H, 0)); /* off with 3 queued: full until read */
	ASSERT_READ(PL011_FR, PL011_FR_TXFE | PL011_FR_RXFF);
	ck_assert(!pl011_receive(&u, '!'));
	ASSERT_READ(PL011_DR, 'x');
	ASSERT_READ(PL011_DR, 'y');
	ASSERT_READ(PL011_FR, PL011_FR_TXFE | PL011_FR_RXFF);
	ASSERT_READ(PL011_DR, 'z');
	ASSERT_READ(PL011_FR, FR_EMPTY);
}
END_TEST

START_TEST(control_registers_keep_their_bits_and_drop_reserved_ones)
{
	ck_assert(pl011_write(&u, PL011_IBRD, 0x12345));
	ASSERT_READ(PL011_IBRD, 0x2345); /* 16 bits */
	ck_assert(pl011_write(&u, PL011_FBRD, 0xff));
	ASSERT_READ(PL011_FBRD, 0x3f); /* 6 bits */
	ck_assert(pl011_write(&u, PL011_CR, 0xffffffff));
	ASSERT_READ(PL011_CR, 0xff87); /* bits 6:3 reserved */
	ck_assert(pl011_write(&u, PL011_IMSC, 0xffff));
	ASSERT_READ(PL011_IMSC, 0x7ff);
	ck_assert(pl011_write(&u, PL011_IFLS, 0xff));
	ASSERT_READ(PL011_IFLS, 0x3f);
	ck_assert(pl011_write(&u, PL011_LCR_H, 0x1ff));
	ASSERT_READ(PL011_LCR_H, 0xff);
	ck_assert(pl011_write(&u, PL011_ICR, 0x7ff)); /* accepted, nothing to clear */
	ck_assert(pl011_write(&u, PL011_RSR, 0)); /* UARTECR */
	ASSERT_READ(PL011_RIS, 0);
	ASSERT_READ(PL011_MIS, 0);
	ck_assert_uint_eq(rec.nsent, 0);
	ck_assert_uint_eq(rec.nlevels, 0); /* every interrupt enabled, none raised */
}
END_TEST

START_TEST(read_only_and_missing_registers_are_refused)
{
	uint32_t value = 0xdeadbeef;

	ck_assert(!pl011_write(&u, PL011_FR, 0));
	ck_assert(!pl011_write(&u, PL011_RIS, 0));
	ck_assert(!pl011_write(&u, PL011_PERIPH_ID0, 0));
	ck_assert(!pl011_read(&u, PL011_ICR, &value)); /* write only */
	ck_assert_uint_eq(value, 0);
	value = 1;
	ck_assert(!pl011_read(&u, 0x008, &value));
	ck_assert_uint_eq(value, 0);
	ck_assert(!pl011_read(&u, 0x04c, &value));
	ck_assert(!pl011_read(&u, 0xfe2, &value)); /* inside the ID block, not a register */
	ck_assert(!pl011_read(&u, 0x1000, &value));
	ASSERT_READ(PL011_FR, FR_EMPTY);
}
END_TEST

START_TEST(a_host_without_a_callback_drops_output)
{
	pl011_init(&u, NULL);
	ck_assert(pl011_write(&u, PL011_DR, 'x'));
	ASSERT_READ(PL011_FR, FR_EMPTY);
}
END_TEST

START_TEST(received_data_raises_the_receive_timeout_then_the_receive_interrupt)
{
	ck_assert(pl011_write(&u, PL011_LCR_H, PL011_LCR_H_FEN));
	ck_assert(pl011_write(&u, PL011_IFLS, 0)); /* receive trigger: 1/8 full, 4 bytes */
	ck_assert(pl011_receive(&u, 'a'));
	ASSERT_READ(PL011_RIS, PL011_INT_RT); /* below the level: the timeout, at once */
	ASSERT_READ(PL011_MIS, 0);
	ck_assert_uint_eq(rec.nlevels, 0); /* masked: the line stays low */
	ck_assert(pl011_write(&u, PL011_IMSC, PL011_INT_RX | PL011_INT_RT));
	ck_assert_uint_eq(rec.nlevels, 1);
	ck_assert_int_eq(rec.levels[0], 1);
	for (const char *c = "bcd"; *c; c++)
		ck_assert(pl011_receive(&u, (uint8_t)*c));
	ASSERT_READ(PL011_RIS, PL011_INT_RX); /* 4 bytes: the level */
	ASSERT_READ(PL011_MIS, PL011_INT_RX);
	ck_assert_uint_eq(rec.nlevels, 1); /* still high: no change, no call */
	ck_assert(pl011_write(&u, PL011_ICR, PL011_INT_RX | PL011_INT_RT));
	ASSERT_READ(PL011_RIS, PL011_INT_RX); /* its condition lasts: it stays */
	for (const char *c = "abcd"; *c; c++)
		ASSERT_READ(PL011_DR, (uint32_t)*c);
	ASSERT_READ(PL011_RIS, 0); /* read down to empty: the line falls */
	ck_assert_uint_eq(rec.nlevels, 2);
	ck_assert_int_eq(rec.levels[1], 0);
}
END_TEST

START_TEST(without_fifos_one_byte_raises_the_receive_interrupt)
{
	ck_assert(pl011_write(&u, PL011_IMSC, PL011_INT_RX));
	ck_assert(pl011_receive(&u, 'x'));
	ASSERT_READ(PL011_MIS, PL011_INT_RX);
	ck_assert_uint_eq(rec.nlevels, 1);
	ASSERT_READ(PL011_DR, 'x');
	ASSERT_READ(PL011_MIS, 0);
	ck_assert_uint_eq(rec.nlevels, 2);
}
END_TEST

START_TEST(a_sent_byte_raises_the_transmit_interrupt_until_it_is_cleared)
{
	ck_assert(pl011_write(&u, PL011_IMSC, PL011_INT_TX));
	ASSERT_READ(PL011_RIS, 0); /* nothing sent yet */
	ck_assert(pl011_write(&u, PL011_DR, 'x'));
	ASSERT_READ(PL011_MIS, PL011_INT_TX); /* the FIFO emptied at once */
	ck_assert_uint_eq(rec.nlevels, 1);
	ck_assert(pl011_write(&u, PL011_ICR, PL011_INT_TX));
	ASSERT_READ(PL011_RIS, 0);
	ck_assert_uint_eq(rec.nlevels, 2);
	ck_assert_int_eq(rec.levels[1], 0);
	ck_assert(pl011_write(&u, PL011_DR, 'y'));
	ck_assert(pl011_write(&u, PL011_IMSC, 0)); /* masked: the line falls, RIS stays */
	ASSERT_READ(PL011_RIS, PL011_INT_TX);
	ck_assert_uint_eq(rec.nlevels, 4);
	ck_assert_int_eq(rec.levels[3], 0);
}
END_TEST

START_TEST(rts_is_uartcr_bit_11)
{
	ck_assert(!pl011_rts(&u)); /* not after reset */
	ck_assert(pl011_write(&u, PL011_CR, PL011_CR_RESET | PL011_CR_RTS));
	ck_assert(pl011_rts(&u));
	ASSERT_READ(PL011_CR, 0xb00);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the PL011 model");
	TCase *tc = tcase_create("registers");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, reset_values_follow_the_trm);
	tcase_add_test(tc, flag_bits_are_where_the_trm_puts_them);
	tcase_add_test(tc, peripheral_and_cell_ids_say_pl011_r1p5);
	tcase_add_test(tc, data_register_write_transmits_the_low_byte_at_once);
	tcase_add_test(tc, without_fifos_the_receiver_holds_one_byte);
	tcase_add_test(tc, with_fifos_the_receiver_holds_32_bytes_in_order);
	tcase_add_test(tc, the_fifo_wraps_around);
	tcase_add_test(tc, reading_an_empty_receiver_gives_0);
	tcase_add_test(tc, changing_fen_keeps_what_was_received);
	tcase_add_test(tc, control_registers_keep_their_bits_and_drop_reserved_ones);
	tcase_add_test(tc, read_only_and_missing_registers_are_refused);
	tcase_add_test(tc, a_host_without_a_callback_drops_output);
	suite_add_tcase(s, tc);
	TCase *irq = tcase_create("interrupts");
	tcase_add_checked_fixture(irq, setup, NULL);
	tcase_add_test(irq, received_data_raises_the_receive_timeout_then_the_receive_interrupt);
	tcase_add_test(irq, without_fifos_one_byte_raises_the_receive_interrupt);
	tcase_add_test(irq, a_sent_byte_raises_the_transmit_interrupt_until_it_is_cleared);
	tcase_add_test(irq, rts_is_uartcr_bit_11);
	suite_add_tcase(s, irq);
	return run_suite(s);
}
