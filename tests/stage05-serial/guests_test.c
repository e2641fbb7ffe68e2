/*
 * stage05-serial: the guests drive COM1 as drivers do (polling, then with
 * interrupts), with input from a pipe or from memory, and each proves its
 * result through the report port, a register and guest memory.
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define RESULT_ADDR 0x600 /* where the guests store their results (defs.inc) */
#define LINE_ADDR 0x10000 /* echo.asm: the last line read */
#define STUCK_S 60 /* a guest fed by the input thread that has not ended by then never will */

static uint64_t guest_qword(struct fixture *f, uint64_t gpa)
{
	uint64_t *p = guest_ptr(&f->vm, gpa, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	return *p;
}

/* A pipe already holding `input`, its write end closed: EOF follows the input. */
static int pipe_with(const char *input, size_t len)
{
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], input, len), (ssize_t)len);
	close(fds[1]);
	return fds[0];
}

/*
 * A guest that waits for input and interrupts runs to its end, or the test says where
 * it was stuck: the vCPU, the guest's counters (bytes echoed, interrupts taken, done
 * flag: irq-echo's), what the UART and the input thread's ring held, and the master
 * PIC's state. A hang with nothing said cannot be told from a slow machine.
 */
static void assert_runs_to_end(struct fixture *f)
{
	ck_assert_msg(vcpu_set_timeout(&f->vcpu, STUCK_S) == 0, "%s", f->vm.error);
	enum run_outcome outcome = run_to_end(f);
	if (outcome == RUN_FINISHED)
		return;

	struct kvm_regs regs = regs_of(f);
	struct kvm_irqchip pic = {.chip_id = KVM_IRQCHIP_PIC_MASTER};
	int pic_ok = ioctl(f->vm.vm_fd, KVM_GET_IRQCHIP, &pic) == 0;
	struct serial *s = &f->vm.com1;
	pthread_mutex_lock(&s->lock);
	struct uart u = s->uart;
	unsigned ring = s->input_count;
	pthread_mutex_unlock(&s->lock);
	const char *output = output_tail(output_of(&f->vm, &f->c));
	ck_abort_msg(
	    "the guest did not end (run outcome %d: %s): rip 0x%llx rflags 0x%llx; "
	    "echoed %llu bytes in %llu interrupts, done flag %llu; UART ier 0x%x mcr "
	    "0x%x rx_count %u irq_level %d, %u bytes in the ring; PIC %s irr 0x%x imr "
	    "0x%x isr 0x%x last_irr 0x%x; the output ends: '%s'",
	    outcome, f->vm.error, (unsigned long long)regs.rip, (unsigned long long)regs.rflags,
	    (unsigned long long)guest_qword(f, RESULT_ADDR),
	    (unsigned long long)guest_qword(f, RESULT_ADDR + 8),
	    (unsigned long long)guest_qword(f, RESULT_ADDR + 16) & 0xff, u.ier, u.mcr, u.rx_count,
	    u.irq_level, ring, pic_ok ? "" : "(KVM_GET_IRQCHIP failed)", pic.chip.pic.irr,
	    pic.chip.pic.imr, pic.chip.pic.isr, pic.chip.pic.last_irr, output);
}

/* Runs the guest to its exit port, the input coming from a pipe through the input thread. */
static void run_with_pipe(struct fixture *f, const char *guest, const char *input, size_t len)
{
	int fd = pipe_with(input, len);

	start_guest(f, guest, vcpu_set_long_mode);
	ck_assert_msg(serial_start_input(&f->vm, fd) == 0, "%s", f->vm.error);
	assert_runs_to_end(f);
	ck_assert_uint_eq(f->vm.status, 0);
	serial_stop_input(&f->vm);
	close(fd);
}

START_TEST(hello_sends_its_line_through_com1_and_exits_0)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_long_mode);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_uint_eq(f.vm.status, 0);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "Hello from COM1!\nguest reported 17 (0x11)\n");
	ck_assert_uint_eq(f.vm.reports, 1);
	ck_assert_uint_eq(f.vm.last_report, 17);
	ck_assert_uint_eq(regs_of(&f).rbx, 17);
	ck_assert_uint_eq(guest_qword(&f, RESULT_ADDR), 17);
	finish(&f);
}
END_TEST

/* The driver's programming reached the model: 8N1, divisor 1, FIFOs on, DTR|RTS|OUT2. */
START_TEST(hello_programs_the_uart_like_a_driver)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_long_mode);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	const struct uart *u = &f.vm.com1.uart;
	ck_assert_uint_eq(u->lcr, UART_LCR_WLS_8);
	ck_assert_uint_eq(u->dll, 1);
	ck_assert_uint_eq(u->dlm, 0);
	ck_assert_uint_eq(u->fcr & UART_FCR_FIFO_ENABLE, UART_FCR_FIFO_ENABLE);
	ck_assert_uint_eq(u->mcr, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	ck_assert_uint_eq(u->ier, 0);
	finish(&f);
}
END_TEST

START_TEST(echo_from_a_pipe_upper_cases_each_line_and_ends_on_eof)
{
	struct fixture f;
	const char input[] = "hello, world\nbye\n";

	run_with_pipe(&f, "echo.bin", input, strlen(input));
	ck_assert_str_eq(output_of(&f.vm, &f.c),
			 "hello, world\nHELLO, WORLD\nbye\nBYE\nguest reported 2 (0x2)\n");
	ck_assert_uint_eq(f.vm.last_report, 2);
	ck_assert_uint_eq(regs_of(&f).r12, 2);
	ck_assert_uint_eq(guest_qword(&f, RESULT_ADDR), 2);
	ck_assert_mem_eq(guest_ptr(&f.vm, LINE_ADDR, 4), "bye\n", 4);
	finish(&f);
}
END_TEST

/* Input queued before the guest even starts waits for RTS: none of it is lost. */
START_TEST(echo_from_memory_keeps_input_that_came_before_the_driver)
{
	struct fixture f;
	const char input[] = "early\n";

	start_guest(&f, "echo.bin", vcpu_set_long_mode);
	ck_assert(serial_feed(&f.vm, (const uint8_t *)input, strlen(input)));
	ck_assert(serial_feed(&f.vm, &(const uint8_t){ASCII_EOT}, 1)); /* as at EOF */
	ck_assert_uint_eq(f.vm.com1.input_count, strlen(input) + 1); /* no RTS yet */
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "early\nEARLY\nguest reported 1 (0x1)\n");
	ck_assert_uint_eq(f.vm.com1.input_count, 0);
	finish(&f);
}
END_TEST

/* EOT after a line without its newline: the line still counts, and EOT is not echoed. */
START_TEST(eot_ends_a_last_line_without_newline)
{
	struct fixture f;

	run_with_pipe(&f, "echo.bin", "abc", 3);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "abc\nABC\nguest reported 1 (0x1)\n");
	ck_assert_ptr_null(memchr(output_of(&f.vm, &f.c), ASCII_EOT, f.c.output_len));
	finish(&f);
}
END_TEST

/* EOT as the very first byte: no lines at all. An EOT typed in the input ends it too. */
START_TEST(eot_alone_or_typed_ends_the_input)
{
	struct fixture f;

	run_with_pipe(&f, "echo.bin", "", 0);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "guest reported 0 (0x0)\n");
	finish(&f);
	run_with_pipe(&f, "echo.bin", "one\n\x04two\n", 9);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "one\nONE\nguest reported 1 (0x1)\n");
	finish(&f);
}
END_TEST

/*
 * Much more than the 16-byte FIFO and more than the VMM's ring of
 * SERIAL_INPUT_MAX: the input thread waits for room, and every byte arrives.
 */
START_TEST(input_larger_than_fifo_and_ring_arrives_whole)
{
	struct fixture f;
	enum { LINES = 100, WIDTH = 50 }; /* 5000 bytes */
	static char input[LINES * WIDTH + 1], expected[2 * LINES * WIDTH + 64];

	_Static_assert(LINES * WIDTH > SERIAL_INPUT_MAX, "the input must overflow the ring");
	for (int i = 0; i < LINES; i++) {
		memset(input + i * WIDTH, 'a' + i % 26, WIDTH - 1);
		input[i * WIDTH + WIDTH - 1] = '\n';
	}
	size_t n = 0;
	for (int i = 0; i < LINES; i++) {
		memcpy(expected + n, input + i * WIDTH, WIDTH);
		n += WIDTH;
		memset(expected + n, 'A' + i % 26, WIDTH - 1);
		expected[n + WIDTH - 1] = '\n';
		n += WIDTH;
	}
	snprintf(expected + n, sizeof(expected) - n, "guest reported %d (0x%x)\n", LINES, LINES);
	run_with_pipe(&f, "echo.bin", input, LINES * WIDTH);
	ck_assert_str_eq(output_of(&f.vm, &f.c), expected);
	finish(&f);
}
END_TEST

START_TEST(irq_echo_takes_interrupts_and_echoes_every_byte)
{
	struct fixture f;
	const char input[] = "interrupts work\n";

	run_with_pipe(&f, "irq-echo.bin", input, strlen(input));
	ck_assert_str_eq(output_of(&f.vm, &f.c), "interrupts work\nguest reported 16 (0x10)\n");
	ck_assert_uint_eq(f.vm.last_report, 16);
	ck_assert_uint_eq(regs_of(&f).rbx, 16);
	ck_assert_uint_eq(guest_qword(&f, RESULT_ADDR), 16);
	/* At least one interrupt; at most one per byte, EOT included. */
	uint64_t irqs = guest_qword(&f, RESULT_ADDR + 8);
	ck_assert_uint_ge(irqs, 1);
	ck_assert_uint_le(irqs, 17);
	finish(&f);
}
END_TEST

/* Interrupts from input that was all there before the guest enabled them. */
START_TEST(irq_echo_with_input_from_memory)
{
	struct fixture f;

	start_guest(&f, "irq-echo.bin", vcpu_set_long_mode);
	ck_assert(serial_feed(&f.vm, (const uint8_t *)"xyz", 3));
	ck_assert(serial_feed(&f.vm, &(const uint8_t){ASCII_EOT}, 1)); /* as at EOF */
	assert_runs_to_end(&f);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "xyzguest reported 3 (0x3)\n");
	ck_assert_uint_ge(guest_qword(&f, RESULT_ADDR + 8), 1);
	finish(&f);
}
END_TEST

/* Ports and memory with nothing behind them read all ones, and are reported once each. */
START_TEST(probe_finds_nothing_and_each_place_is_reported_once)
{
	struct fixture f;
	start_guest(&f, "probe.bin", vcpu_set_long_mode);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_str_eq(output_of(&f.vm, &f.c),
			 "guest reported 255 (0xff)\nguest reported 4294967295 "
			 "(0xffffffff)\n");
	struct kvm_regs regs = regs_of(&f);
	ck_assert_uint_eq(regs.rbx, 0xff);
	ck_assert_uint_eq(regs.r12, 0xffffffff);
	ck_assert_uint_eq(guest_qword(&f, RESULT_ADDR), 0xff);
	ck_assert_uint_eq(guest_qword(&f, RESULT_ADDR + 8), 0xffffffff);
	ck_assert_str_eq(log_of(&f.vm, &f.c),
			 "vmm: the guest wrote to I/O port 0x2ff, where this VMM has no device: "
			 "reads give all ones, writes are dropped (said once per port)\n"
			 "vmm: the guest read from guest physical 0x200000, where there is "
			 "no memory and no device: reads give all ones, writes are dropped "
			 "(said once per address)\n");
	finish(&f);
}
END_TEST

/*
 * halt.bin ends with CLI; HLT: with the in-kernel irqchip no exit comes, and no
 * interrupt ever will. The watchdog wakes the vCPU's thread, sees it, and stops.
 */
START_TEST(watchdog_stops_a_guest_halted_with_interrupts_off)
{
	struct fixture f;

	start_guest(&f, "halt.bin", vcpu_set_long_mode);
	ck_assert_msg(vcpu_watch(&f.vcpu) == 0, "%s", f.vm.error);
	ck_assert_int_eq(run_to_end(&f), RUN_GUEST_ERROR);
	ck_assert_str_eq(
	    f.vm.error, "the guest halted with interrupts off (KVM_EXIT_HLT): nothing can wake it");
	ck_assert_uint_eq(f.vcpu.run->exit_reason, KVM_EXIT_HLT);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "Halting with interrupts off.\n");
	ck_assert_uint_eq(regs_of(&f).rflags & RFLAGS_IF, 0);
	finish(&f);
}
END_TEST

/* sleep.bin halts with interrupts on: the watchdog must let it be; only the timeout ends it. */
START_TEST(watchdog_leaves_a_guest_that_sleeps_with_interrupts_on)
{
	struct fixture f;

	start_guest(&f, "sleep.bin", vcpu_set_long_mode);
	ck_assert_msg(vcpu_watch(&f.vcpu) == 0, "%s", f.vm.error);
	ck_assert_msg(vcpu_set_timeout(&f.vcpu, 2.5) == 0, "%s", f.vm.error);
	ck_assert_int_eq(run_to_end(&f), RUN_TIMED_OUT);
	assert_contains(f.vm.error, "still running after 2.5 s (--timeout)");
	ck_assert_str_eq(output_of(&f.vm, &f.c), "Sleeping with interrupts on.\n");
	ck_assert_uint_eq(regs_of(&f).rflags & RFLAGS_IF, RFLAGS_IF);
	finish(&f);
}
END_TEST

/* hello's exits, counted: 7 to program the UART, 2 per byte (LSR, THR), report, exit. */
START_TEST(stats_count_every_exit_and_time_inside_kvm_run)
{
	struct fixture f;
	struct run_stats stats = {0};
	start_guest(&f, "hello.bin", vcpu_set_long_mode);
	f.vcpu.stats = &stats;
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_uint_eq(stats.exits[KVM_EXIT_IO], 7 + 2 * 17 + 2);
	for (unsigned i = 0; i < STATS_REASONS; i++)
		if (i != KVM_EXIT_IO)
			ck_assert_uint_eq(stats.exits[i], 0);
	ck_assert_uint_gt(stats.in_kvm_run_ns, 0);
	ck_assert_uint_le(stats.in_kvm_run_ns, stats.total_ns);
	stats_print(f.vm.log, &stats);
	const char *text = log_of(&f.vm, &f.c);
	assert_contains(text, "exits: 43\n  KVM_EXIT_IO ");
	assert_contains(text, " 43\ntime: ");
	assert_contains(text, "inside KVM_RUN");
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage05-serial guests");
	TCase *tc = tcase_create("guests");

	tcase_set_timeout(tc, 120); /* a loaded machine with a slow, software KVM */
	tcase_add_kvm_test(tc, hello_sends_its_line_through_com1_and_exits_0);
	tcase_add_kvm_test(tc, hello_programs_the_uart_like_a_driver);
	tcase_add_kvm_test(tc, echo_from_a_pipe_upper_cases_each_line_and_ends_on_eof);
	tcase_add_kvm_test(tc, echo_from_memory_keeps_input_that_came_before_the_driver);
	tcase_add_kvm_test(tc, eot_ends_a_last_line_without_newline);
	tcase_add_kvm_test(tc, eot_alone_or_typed_ends_the_input);
	tcase_add_kvm_test(tc, input_larger_than_fifo_and_ring_arrives_whole);
	tcase_add_kvm_test(tc, irq_echo_takes_interrupts_and_echoes_every_byte);
	tcase_add_kvm_test(tc, irq_echo_with_input_from_memory);
	tcase_add_kvm_test(tc, probe_finds_nothing_and_each_place_is_reported_once);
	tcase_add_kvm_test(tc, watchdog_stops_a_guest_halted_with_interrupts_off);
	tcase_add_kvm_test(tc, watchdog_leaves_a_guest_that_sleeps_with_interrupts_on);
	tcase_add_kvm_test(tc, stats_count_every_exit_and_time_inside_kvm_run);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
