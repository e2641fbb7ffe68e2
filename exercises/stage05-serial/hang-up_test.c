/*
 * Exercise 05-hang-up (medium): the line goes dead when the VMM's input ends.
 * Make COM1 report a hang-up: when the input thread meets the end of its input, after
 * the EOT, the host end's carrier drops: MSR's DCD (bit 7) goes off, which latches
 * its change bit, DDCD (bit 3), and raises the modem status interrupt if IER enables
 * it (the datasheet's lowest priority, IIR 0x00). Until then DCD stays on. The test
 * runs guests of its own that read IIR and MSR, with an input that ends at once.
 * order: 2
 * hint: uart.c's modem_lines() gives MSR's lines outside loopback; update_msr() latches the change
 * bits and pending_interrupt() already reports them; input_thread() in serial.c sees the end of
 * the input, and must hold the serial lock while it calls into the UART
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "reports.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* MSR (PC16550D datasheet, "Modem Status Register"): the lines, and DCD's change bit. */
#define MSR_CTS_DSR_DCD 0xb0 /* CTS, DSR and DCD on, RI off, nothing changed */
#define MSR_HUNG_UP 0x38 /* CTS and DSR on, DCD off, DDCD: DCD changed */
#define IIR_MODEM_STATUS 0x00 /* an interrupt pending: modem status (FIFOs off) */
#define IIR_NONE 0x01 /* no interrupt pending */

/* Enables the modem status interrupt, and reports IIR, then MSR, then IIR again. */
static const uint8_t reads_iir_msr_iir[] = {
    0x66, 0xba, 0xf9, 0x03, /* mov dx, 0x3f9 (IER) */
    0xb0, 0x08, /* mov al, 0x08 (EDSSI) */
    0xee, /* out dx, al */
    0x66, 0xba, 0xfa, 0x03, /* mov dx, 0x3fa (IIR) */
    0xec, /* in al, dx */
    0x0f, 0xb6, 0xc0, /* movzx eax, al */
    0xe7, 0x80, /* out 0x80, eax */
    0x66, 0xba, 0xfe, 0x03, /* mov dx, 0x3fe (MSR) */
    0xec, /* in al, dx */
    0x0f, 0xb6, 0xc0, /* movzx eax, al */
    0xe7, 0x80, /* out 0x80, eax */
    0x66, 0xba, 0xfa, 0x03, /* mov dx, 0x3fa (IIR) */
    0xec, /* in al, dx */
    0x0f, 0xb6, 0xc0, /* movzx eax, al */
    0xe7, 0x80, /* out 0x80, eax */
    0x31, 0xc0, /* xor eax, eax */
    0xe6, 0xf4, /* out 0xf4, al */
};

/* Reports MSR once. */
static const uint8_t reads_msr[] = {
    0x66, 0xba, 0xfe, 0x03, /* mov dx, 0x3fe (MSR) */
    0xec, /* in al, dx */
    0x0f, 0xb6, 0xc0, /* movzx eax, al */
    0xe7, 0x80, /* out 0x80, eax */
    0x31, 0xc0, /* xor eax, eax */
    0xe6, 0xf4, /* out 0xf4, al */
};

/* Starts the test's guest, written over hello.bin where the VMM loaded it. */
static void start_test_guest(struct fixture *f, const uint8_t *code, size_t len)
{
	start_guest(f, "hello.bin", vcpu_set_long_mode);
	uint8_t *at = guest_ptr(&f->vm, GUEST_LOAD_ADDR, len);
	ck_assert_ptr_nonnull(at);
	memcpy(at, code, len);
}

/*
 * Waits until the input thread has met the end of its input and ended (the EOT it
 * queued waits in the ring: the guest never raises RTS), so that the guest runs after
 * the hang-up, however late the thread ran. Then lets serial_stop_input() close the rest.
 */
static void wait_for_the_input_thread(struct vm *vm)
{
	while (pthread_tryjoin_np(vm->com1.thread, NULL) == EBUSY)
		usleep(1000);
	vm->com1.input_fd = -1; /* joined: serial_stop_input() must not join it again */
	serial_stop_input(vm);
}

START_TEST(the_end_of_the_input_drops_dcd_and_interrupts)
{
	struct fixture f;
	unsigned long long reported[REPORTS_MAX];
	int fds[2];

	start_test_guest(&f, reads_iir_msr_iir, sizeof(reads_iir_msr_iir));
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[1]); /* an input that ends before its first byte */
	ck_assert_msg(serial_start_input(&f.vm, fds[0]) == 0, "%s", f.vm.error);
	wait_for_the_input_thread(&f.vm);
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED, "%s", f.vm.error);
	close(fds[0]);
	const char *output = output_of(&f.vm, &f.c);
	ck_assert_msg(reports_in(output, reported) == 3, "the test's guest printed \"%s\"", output);
	ck_assert_msg(reported[0] == IIR_MODEM_STATUS,
		      "IIR read 0x%02llx, not 0x00: the modem status interrupt", reported[0]);
	ck_assert_msg(reported[1] == MSR_HUNG_UP,
		      "MSR read 0x%02llx after the hang-up, not 0x38: CTS and DSR on, DCD off, "
		      "DDCD set",
		      reported[1]);
	ck_assert_msg(reported[2] == IIR_NONE,
		      "IIR read 0x%02llx after MSR was read, not 0x01: reading MSR acknowledges "
		      "the modem status interrupt",
		      reported[2]);
	finish(&f);
}
END_TEST

/* No input thread, so no end of input: the carrier is there, and nothing has changed. */
START_TEST(dcd_stays_on_while_the_input_lasts)
{
	struct fixture f;
	unsigned long long reported[REPORTS_MAX];

	start_test_guest(&f, reads_msr, sizeof(reads_msr));
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED, "%s", f.vm.error);
	const char *output = output_of(&f.vm, &f.c);
	ck_assert_msg(reports_in(output, reported) == 1, "the test's guest printed \"%s\"", output);
	ck_assert_msg(reported[0] == MSR_CTS_DSR_DCD,
		      "MSR read 0x%02llx with no end of input, not 0xb0: CTS, DSR and DCD on",
		      reported[0]);
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 05-hang-up");
	TCase *tc = tcase_create("hang-up");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, the_end_of_the_input_drops_dcd_and_interrupts);
	tcase_add_kvm_test(tc, dcd_stays_on_while_the_input_lasts);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
