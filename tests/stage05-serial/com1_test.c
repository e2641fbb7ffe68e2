/*
 * stage05-serial: COM1 as the guest reaches it, through port I/O exits, and
 * its interrupt line as the in-kernel PIC sees it (KVM_GET_IRQCHIP).
 */
#include "guest_fixture.h"
#include "kvm_check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define COM1(reg) (COM1_BASE + (reg))

/* One OUT of `size` bytes (little-endian `value`) to port, through the exit handler. */
static enum after_exit out(struct fake_exit *f, uint16_t port, uint8_t size, uint32_t value)
{
	struct kvm_run *run = f->vcpu.run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.port = port;
	run->io.size = size;
	run->io.count = 1;
	memcpy(f->page + run->io.data_offset, &value, size);
	return vcpu_handle_exit(&f->vcpu);
}

/* One IN of `size` bytes from port; returns them little-endian. */
static uint32_t in(struct fake_exit *f, uint16_t port, uint8_t size)
{
	struct kvm_run *run = f->vcpu.run;
	uint32_t value = 0;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.port = port;
	run->io.size = size;
	run->io.count = 1;
	ck_assert_int_eq(vcpu_handle_exit(&f->vcpu), RESUME_GUEST);
	memcpy(&value, f->page + run->io.data_offset, size);
	return value;
}

static void fake_com1(struct fake_exit *f)
{
	fake_io(f, KVM_EXIT_IO_OUT, COM1_BASE, 1, 1);
}

START_TEST(scratch_register_round_trips_through_port_exits)
{
	struct fake_exit f;

	fake_com1(&f);
	ck_assert_int_eq(out(&f, COM1(UART_SCR), 1, 0x5a), RESUME_GUEST);
	ck_assert_uint_eq(in(&f, COM1(UART_SCR), 1), 0x5a);
	ck_assert_uint_eq(in(&f, COM1(UART_LSR), 1), UART_LSR_THRE | UART_LSR_TEMT);
	fake_finish(&f);
}
END_TEST

START_TEST(thr_writes_reach_the_console)
{
	struct fake_exit f;

	fake_com1(&f);
	out(&f, COM1(UART_THR), 1, 'o');
	out(&f, COM1(UART_THR), 1, 'k');
	ck_assert_str_eq(output_of(&f.vm, &f.c), "ok");
	fake_finish(&f);
}
END_TEST

/* A 16-bit OUT to an 8-bit device is two byte writes at consecutive ports, as on ISA. */
START_TEST(wide_accesses_split_into_consecutive_registers)
{
	struct fake_exit f;

	fake_com1(&f);
	out(&f, COM1(UART_LCR), 2, UART_LCR_WLS_8 | (UART_MCR_DTR | UART_MCR_RTS) << 8);
	ck_assert_uint_eq(f.vm.com1.uart.lcr, UART_LCR_WLS_8);
	ck_assert_uint_eq(f.vm.com1.uart.mcr, UART_MCR_DTR | UART_MCR_RTS);
	out(&f, COM1(UART_SCR), 1, 0x77);
	/* MSR, SCR, then two ports past COM1's last: nothing there, all ones. */
	uint32_t v = in(&f, COM1(UART_MSR), 4);
	ck_assert_uint_eq(v >> 8 & 0xff, 0x77);
	ck_assert_uint_eq(v >> 16, 0xffff);
	fake_finish(&f);
}
END_TEST

/* A string OUT (rep outsb) of several bytes to THR sends each of them. */
START_TEST(string_output_to_thr_sends_every_byte)
{
	struct fake_exit f;

	fake_com1(&f);
	struct kvm_run *run = f.vcpu.run;
	run->io.port = COM1(UART_THR);
	run->io.count = 5;
	memcpy(f.page + run->io.data_offset, "rep\n!", 5);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "rep\n!");
	fake_finish(&f);
}
END_TEST

/* Input waits for RTS; then the FIFO fills, and the ring keeps the rest. */
START_TEST(input_waits_for_rts_then_fills_the_fifo)
{
	struct fake_exit f;
	uint8_t bytes[40];

	fake_com1(&f);
	for (unsigned i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)('0' + i);
	ck_assert(serial_feed(&f.vm, bytes, sizeof(bytes)));
	ck_assert_uint_eq(in(&f, COM1(UART_LSR), 1) & UART_LSR_DR, 0);
	out(&f, COM1(UART_FCR), 1, UART_FCR_FIFO_ENABLE);
	out(&f, COM1(UART_MCR), 1, UART_MCR_RTS);
	ck_assert_uint_eq(f.vm.com1.uart.rx_count, UART_FIFO_SIZE);
	ck_assert_uint_eq(f.vm.com1.input_count, sizeof(bytes) - UART_FIFO_SIZE);
	for (unsigned i = 0; i < sizeof(bytes); i++) {
		ck_assert_uint_eq(in(&f, COM1(UART_LSR), 1) & UART_LSR_DR, UART_LSR_DR);
		ck_assert_uint_eq(in(&f, COM1(UART_RBR), 1), bytes[i]);
	}
	ck_assert_uint_eq(in(&f, COM1(UART_LSR), 1) & UART_LSR_DR, 0);
	fake_finish(&f);
}
END_TEST

/* Taking RTS away stops the input; what is in the FIFO stays there. */
START_TEST(dropping_rts_holds_the_rest_back)
{
	struct fake_exit f;

	fake_com1(&f);
	out(&f, COM1(UART_MCR), 1, UART_MCR_RTS); /* 16450 mode: room for one byte */
	ck_assert(serial_feed(&f.vm, (const uint8_t *)"ab", 2));
	out(&f, COM1(UART_MCR), 1, 0);
	ck_assert_uint_eq(in(&f, COM1(UART_RBR), 1), 'a');
	ck_assert_uint_eq(in(&f, COM1(UART_LSR), 1) & UART_LSR_DR, 0);
	out(&f, COM1(UART_MCR), 1, UART_MCR_RTS);
	ck_assert_uint_eq(in(&f, COM1(UART_RBR), 1), 'b');
	fake_finish(&f);
}
END_TEST

/* The input thread meets the end of its input: the guest receives one EOT, then nothing. */
START_TEST(end_of_input_is_one_eot)
{
	struct fake_exit f;
	int fds[2];

	fake_com1(&f);
	out(&f, COM1(UART_MCR), 1, UART_MCR_RTS);
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[1]); /* an input that ends before its first byte */
	ck_assert_msg(serial_start_input(&f.vm, fds[0]) == 0, "%s", f.vm.error);
	/* However long the thread takes to run, the EOT comes (the test's timeout says if not). */
	while (!(in(&f, COM1(UART_LSR), 1) & UART_LSR_DR))
		usleep(1000);
	ck_assert_uint_eq(in(&f, COM1(UART_RBR), 1), ASCII_EOT);
	serial_stop_input(&f.vm); /* the thread has ended: nothing more can come */
	ck_assert_uint_eq(in(&f, COM1(UART_LSR), 1) & UART_LSR_DR, 0);
	close(fds[0]);
	fake_finish(&f);
}
END_TEST

/* The line's level as the master PIC last saw it, read back from the kernel. */
static int pic_line(struct fake_exit *f, int irq)
{
	struct kvm_irqchip chip = {.chip_id = KVM_IRQCHIP_PIC_MASTER};

	ck_assert_msg(ioctl(f->vm.vm_fd, KVM_GET_IRQCHIP, &chip) == 0, "KVM_GET_IRQCHIP failed");
	return chip.chip.pic.last_irr >> irq & 1;
}

/* COM1 on a real VM, so that KVM_IRQ_LINE has an irqchip to reach. */
static void vm_com1(struct fake_exit *f)
{
	fake_com1(f);
	f->vcpu.fd = -1;
	ck_assert_msg(kvm_open(&f->vm, "/dev/kvm") == 0, "%s", f->vm.error);
	ck_assert_msg(vm_create(&f->vm) == 0, "%s", f->vm.error);
}

START_TEST(transmitter_empty_raises_irq4_until_iir_is_read)
{
	struct fake_exit f;

	vm_com1(&f);
	ck_assert_int_eq(pic_line(&f, COM1_IRQ), 0);
	out(&f, COM1(UART_MCR), 1, UART_MCR_OUT2);
	out(&f, COM1(UART_IER), 1, UART_IER_ETBEI); /* THR is empty: the interrupt is due */
	ck_assert_int_eq(pic_line(&f, COM1_IRQ), 1);
	ck_assert_uint_eq(in(&f, COM1(UART_IIR), 1), UART_IIR_ID_THRE);
	ck_assert_int_eq(pic_line(&f, COM1_IRQ), 0);
	vm_destroy(&f.vm);
	fake_finish(&f);
}
END_TEST

START_TEST(received_data_raises_irq4_until_the_fifo_is_empty)
{
	struct fake_exit f;

	vm_com1(&f);
	out(&f, COM1(UART_FCR), 1, UART_FCR_FIFO_ENABLE);
	out(&f, COM1(UART_MCR), 1, UART_MCR_OUT2 | UART_MCR_RTS);
	out(&f, COM1(UART_IER), 1, UART_IER_ERBFI);
	ck_assert_int_eq(pic_line(&f, COM1_IRQ), 0);
	ck_assert(serial_feed(&f.vm, (const uint8_t *)"hi", 2));
	ck_assert_int_eq(pic_line(&f, COM1_IRQ), 1);
	ck_assert_uint_eq(in(&f, COM1(UART_RBR), 1), 'h');
	ck_assert_int_eq(pic_line(&f, COM1_IRQ), 1);
	ck_assert_uint_eq(in(&f, COM1(UART_RBR), 1), 'i');
	ck_assert_int_eq(pic_line(&f, COM1_IRQ), 0);
	/* OUT2 gates the line on a PC: without it, data waits but no interrupt reaches the PIC. */
	out(&f, COM1(UART_MCR), 1, UART_MCR_RTS);
	ck_assert(serial_feed(&f.vm, (const uint8_t *)"!", 1));
	ck_assert_int_eq(pic_line(&f, COM1_IRQ), 0);
	vm_destroy(&f.vm);
	fake_finish(&f);
}
END_TEST

/*
 * Not COM1, but a port exit all the same: a rep outs to PORT_DONE ends the run at
 * its first item, whether KVM hands the VMM one item per exit or all of them.
 */
START_TEST(a_string_write_to_the_done_port_finishes_with_its_first_item)
{
	struct fake_exit f;
	struct kvm_run *run = fake_io(&f, KVM_EXIT_IO_OUT, PORT_DONE, 1, 3);

	memcpy(f.page + run->io.data_offset, "\x05\x06\x07", 3);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), GUEST_FINISHED);
	ck_assert_uint_eq(f.vm.status, 5);
	fake_finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage05-serial COM1");
	TCase *ports = tcase_create("ports");
	TCase *irq = tcase_create("IRQ 4");

	tcase_add_test(ports, scratch_register_round_trips_through_port_exits);
	tcase_add_test(ports, thr_writes_reach_the_console);
	tcase_add_test(ports, wide_accesses_split_into_consecutive_registers);
	tcase_add_test(ports, string_output_to_thr_sends_every_byte);
	tcase_add_test(ports, input_waits_for_rts_then_fills_the_fifo);
	tcase_add_test(ports, dropping_rts_holds_the_rest_back);
	tcase_add_test(ports, end_of_input_is_one_eot);
	tcase_add_test(ports, a_string_write_to_the_done_port_finishes_with_its_first_item);
	tcase_set_timeout(ports, 60); /* the input thread may wait long for a core */
	suite_add_tcase(s, ports);
	tcase_set_timeout(irq, 60);
	tcase_add_kvm_test(irq, transmitter_empty_raises_irq4_until_iir_is_read);
	tcase_add_kvm_test(irq, received_data_raises_irq4_until_the_fifo_is_empty);
	suite_add_tcase(s, irq);
	return run_suite(s);
}
