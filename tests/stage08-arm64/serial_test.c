/*
 * stage08-arm64's serial port as a person uses it: stdin is the PL011's input,
 * sent while the guest asserts RTS, and the end of stdin is one EOT; a guest
 * may poll the UART (echo.bin) or take its interrupt through the GIC
 * (irq-echo.bin), raised by KVM_IRQ_LINE on the UART's SPI.
 */
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <stdlib.h>
#include <string.h>

#define POWERED_OFF "vmm: the guest powered off (PSCI SYSTEM_OFF)\n"
#define SAFETY_TIMEOUT "120" /* --timeout: a hang fails the test with 124, never hangs it */

START_TEST(help_names_the_uart_its_interrupt_and_eot)
{
	char text[64];

	const char *out = expect_vmm(0, "PL011", "--help");
	snprintf(text, sizeof(text), "on SPI %d (INTID %d)", UART_IRQ, GIC_SPI_BASE + UART_IRQ);
	assert_contains(out, text);
	assert_contains(out, "EOT");
	assert_contains(out, "RTS");
}
END_TEST

/* The SPI's number for KVM_IRQ_LINE: the kind (SPI, 1) at bit 24, then the GIC's INTID. */
START_TEST(kvm_irq_line_names_an_spi_by_kind_and_intid)
{
	ck_assert_uint_eq(IRQ_LINE_SPI(UART_IRQ), 0x01000021);
	ck_assert_uint_eq(IRQ_LINE_SPI(DISK_IRQ), 0x01000030);
}
END_TEST

START_TEST(stdin_from_a_pipe_is_the_polling_guests_input)
{
	char out[4096];

	ck_assert_int_eq(run_vmm_input("arm64 here\nrest\n", out, sizeof(out), "--timeout",
				       SAFETY_TIMEOUT, guest_path("echo.bin")),
			 0);
	ck_assert_str_eq(
	    out, "type a line: you typed: arm64 here\nguest reported 10 (0xa)\n" POWERED_OFF);
}
END_TEST

START_TEST(irq_echo_takes_interrupts_and_echoes_every_byte)
{
	char out[4096];

	ck_assert_int_eq(run_vmm_input("by interrupt\nthrough the GIC\n", out, sizeof(out),
				       "--timeout", SAFETY_TIMEOUT, guest_path("irq-echo.bin")),
			 0);
	ck_assert_str_eq(out,
			 "by interrupt\nthrough the GIC\nguest reported 29 (0x1d)\n" POWERED_OFF);
}
END_TEST

START_TEST(stdin_empty_gives_the_guest_eot_at_once)
{
	char out[4096];

	ck_assert_int_eq(run_vmm_input("", out, sizeof(out), "--timeout", SAFETY_TIMEOUT,
				       guest_path("irq-echo.bin")),
			 0);
	ck_assert_str_eq(out, "guest reported 0 (0x0)\n" POWERED_OFF);
}
END_TEST

/* More than the 32-byte FIFO holds: the rest waits in the VMM's ring, none is lost. */
START_TEST(input_larger_than_the_fifo_arrives_whole)
{
	char input[301], out[4096];

	for (int i = 0; i < 300; i++)
		input[i] = i % 61 == 60 ? '\n' : (char)('a' + i % 26);
	input[300] = '\0';
	ck_assert_int_eq(run_vmm_input(input, out, sizeof(out), "--timeout", SAFETY_TIMEOUT,
				       guest_path("irq-echo.bin")),
			 0);
	ck_assert_int_eq(strncmp(out, input, 300), 0);
	ck_assert_str_eq(out + 300, "guest reported 300 (0x12c)\n" POWERED_OFF);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the serial port");
	TCase *tc = tcase_create("PL011");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, help_names_the_uart_its_interrupt_and_eot);
	tcase_add_test(tc, kvm_irq_line_names_an_spi_by_kind_and_intid);
	tcase_add_kvm_test(tc, stdin_from_a_pipe_is_the_polling_guests_input);
	tcase_add_kvm_test(tc, irq_echo_takes_interrupts_and_echoes_every_byte);
	tcase_add_kvm_test(tc, stdin_empty_gives_the_guest_eot_at_once);
	tcase_add_kvm_test(tc, input_larger_than_the_fifo_arrives_whole);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
