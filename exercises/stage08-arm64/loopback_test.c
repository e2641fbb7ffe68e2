/*
 * Exercise 08-loopback (hard): the PL011's loopback, in the model.
 * A driver tests a UART without a cable by looping it back: with UARTCR.LBE
 * (bit 7) set, what the transmitter sends goes to the receiver, not out on the
 * line, and the modem outputs come back as the modem inputs: UARTCR's RTS (bit
 * 11), DTR (10), Out1 (12) and Out2 (13) read in UARTFR as CTS, DSR, DCD and RI
 * (the PL011 TRM, "Control Register, UARTCR"). pl011.c has no loopback yet: add
 * it. The test drives the model alone, as pl011_test.c does: bytes written to
 * UARTDR come back from it, with the flags and the receive interrupt they bring,
 * and none reaches the host; clear LBE and they go out again.
 * order: 3
 * hint: in write_register()'s UARTDR case, a looped byte goes where pl011_receive() puts host
 * input (when there is room); flags() adds the modem inputs from u->cr while LBE is set
 */
#include "kvm_check.h"
#include "pl011.h"

#include <string.h>

#define CR_LBE (1u << 7) /* the TRM's bit numbers: the exercise's to name in pl011.h */
#define CR_DTR (1u << 10)
#define CR_RTS (1u << 11)
#define CR_OUT1 (1u << 12)
#define CR_OUT2 (1u << 13)
#define CR_ON 0x301u /* UARTEN, TXE, RXE */
#define FR_CTS (1u << 0)
#define FR_DSR (1u << 1)
#define FR_DCD (1u << 2)
#define FR_RXFE (1u << 4)
#define FR_RI (1u << 8)
#define FR_MODEM (FR_CTS | FR_DSR | FR_DCD | FR_RI)
#define INT_RX (1u << 4)

static struct pl011 u;
static unsigned sent, irq_changes;
static int irq_level;

static void on_transmit(void *ctx, uint8_t byte)
{
	(void)ctx;
	(void)byte;
	sent++;
}

static void on_irq(void *ctx, int level)
{
	(void)ctx;
	irq_level = level;
	irq_changes++;
}

static void setup(void)
{
	struct pl011_host host = {.transmit = on_transmit, .set_irq = on_irq};

	sent = irq_changes = 0;
	irq_level = 0;
	pl011_init(&u, &host);
}

static uint32_t rd(uint32_t offset)
{
	uint32_t value = 0;

	ck_assert(pl011_read(&u, offset, &value));
	return value;
}

static void wr(uint32_t offset, uint32_t value)
{
	ck_assert(pl011_write(&u, offset, value));
}

START_TEST(a_byte_sent_comes_back_and_not_out)
{
	wr(PL011_CR, CR_ON | CR_LBE);
	wr(PL011_IMSC, INT_RX);
	ck_assert_msg(rd(PL011_FR) & FR_RXFE, "the receiver is not empty before anything was sent");
	wr(PL011_DR, 'Q');
	ck_assert_msg(sent == 0, "in loopback the byte reached the host's serial line");
	ck_assert_msg(!(rd(PL011_FR) & FR_RXFE), "UARTFR.RXFE still says nothing was received");
	ck_assert_msg(rd(PL011_RIS) & INT_RX, "no receive interrupt: UARTRIS 0x%x", rd(PL011_RIS));
	ck_assert_msg(irq_level == 1, "UARTINTR did not go up for the looped byte");
	ck_assert_uint_eq(rd(PL011_DR), 'Q');
	ck_assert_msg(rd(PL011_FR) & FR_RXFE, "the receiver is not empty after the byte was read");
	ck_assert_msg(irq_level == 0, "UARTINTR stayed up after the byte was read");
}
END_TEST

START_TEST(with_fifos_bytes_come_back_in_order)
{
	const char *text = "loop";

	wr(PL011_LCR_H, PL011_LCR_H_FEN | PL011_LCR_H_WLEN_8);
	wr(PL011_CR, CR_ON | CR_LBE);
	for (const char *c = text; *c; c++)
		wr(PL011_DR, (uint8_t)*c);
	ck_assert_msg(sent == 0, "in loopback %u bytes reached the host's serial line", sent);
	for (const char *c = text; *c; c++) {
		uint32_t got = rd(PL011_DR);
		ck_assert_msg(got == (uint8_t)*c, "read back 0x%x, not '%c'", got, *c);
	}
	ck_assert(rd(PL011_FR) & FR_RXFE);
}
END_TEST

START_TEST(without_loopback_bytes_go_out_again)
{
	wr(PL011_CR, CR_ON | CR_LBE);
	wr(PL011_DR, 'a');
	wr(PL011_CR, CR_ON);
	wr(PL011_DR, 'b');
	ck_assert_msg(sent == 1, "with LBE clear, %u bytes went out, not 1", sent);
	ck_assert_uint_eq(rd(PL011_DR), 'a'); /* the looped byte stays received */
	ck_assert(rd(PL011_FR) & FR_RXFE);
}
END_TEST

/* Each modem output, set alone in UARTCR, must read as its input in UARTFR, and only then. */
START_TEST(the_modem_outputs_come_back_as_inputs)
{
	const uint32_t out[] = {CR_RTS, CR_DTR, CR_OUT1, CR_OUT2};
	const uint32_t in[] = {FR_CTS, FR_DSR, FR_DCD, FR_RI};
	const char *names[] = {"RTS -> CTS", "DTR -> DSR", "Out1 -> DCD", "Out2 -> RI"};

	for (unsigned i = 0; i < 4; i++) {
		wr(PL011_CR, CR_ON | CR_LBE | out[i]);
		ck_assert_msg((rd(PL011_FR) & FR_MODEM) == in[i], "%s: UARTFR 0x%03x", names[i],
			      rd(PL011_FR));
		wr(PL011_CR, CR_ON | out[i]);
		ck_assert_msg((rd(PL011_FR) & FR_MODEM) == 0,
			      "%s without loopback: the inputs are not asserted, UARTFR 0x%03x",
			      names[i], rd(PL011_FR));
	}
	wr(PL011_CR, CR_ON | CR_LBE | CR_RTS | CR_DTR | CR_OUT1 | CR_OUT2);
	ck_assert_uint_eq(rd(PL011_FR) & FR_MODEM, FR_MODEM);
	ck_assert_uint_eq(rd(PL011_CR), CR_ON | CR_LBE | CR_RTS | CR_DTR | CR_OUT1 | CR_OUT2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 08-loopback");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, a_byte_sent_comes_back_and_not_out);
	tcase_add_test(tc, with_fifos_bytes_come_back_in_order);
	tcase_add_test(tc, without_loopback_bytes_go_out_again);
	tcase_add_test(tc, the_modem_outputs_come_back_as_inputs);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
