/*
 * Exercise 05-loopback (easy): the UART's loopback self-test, as a driver runs it at boot.
 * Write guest-asm/05-serial/loopback.asm: it programs COM1 (uart_init), sets MCR's
 * LOOP bit, sends the byte the test put at address 0x600, reads it back from RBR,
 * reports it through port 0x80, and finishes through port 0xf4 with status 0. In
 * loopback the transmitter feeds the receiver: the byte must not reach the console.
 * The test runs it with two bytes.
 * order: 1
 * hint: MCR is COM1 + 4 and LOOP is its bit 4 (0x10); uart_putc sends al and uart_getc receives
 * into al; out 0x80, eax reports EAX
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "reports.h"

#include <string.h>

#define GUEST "loopback.bin"
#define BYTE_SLOT 0x600 /* physical: the byte the guest sends to itself */

/* Runs the guest with `byte` in the slot; fails unless it came back through the receiver. */
static void expect_looped_back(uint8_t byte)
{
	struct fixture f;
	unsigned long long reported[REPORTS_MAX];

	start_guest(&f, GUEST, vcpu_set_long_mode);
	uint8_t *slot = guest_ptr(&f.vm, BYTE_SLOT, 1);
	ck_assert_ptr_nonnull(slot);
	*slot = byte;
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED,
		      "the guest did not finish through port 0xf4: %s", f.vm.error);
	ck_assert_msg(f.vm.status == 0, "the guest finished with status %u, not 0", f.vm.status);
	const char *output = output_of(&f.vm, &f.c);
	ck_assert_msg(strchr(output, byte) == NULL,
		      "byte 0x%02x reached the console (\"%s\"): in loopback the transmitter "
		      "feeds the receiver, not the serial line",
		      byte, output);
	ck_assert_msg(reports_in(output, reported) == 1,
		      "want one report, the byte read back; the guest printed \"%s\"", output);
	ck_assert_msg((reported[0] & 0xff) == byte,
		      "the guest sent 0x%02x and reported 0x%llx as read back", byte, reported[0]);
	ck_assert_msg(f.vm.com1.uart.rbr == byte,
		      "RBR last gave out 0x%02x, not 0x%02x: read the byte back from COM1",
		      f.vm.com1.uart.rbr, byte);
	finish(&f);
}

START_TEST(loops_back_an_a)
{
	expect_looped_back('A');
}
END_TEST

START_TEST(loops_back_a_tilde)
{
	expect_looped_back('~');
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 05-loopback");
	TCase *tc = tcase_create("loopback");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, loops_back_an_a);
	tcase_add_kvm_test(tc, loops_back_a_tilde);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
