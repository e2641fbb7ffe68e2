/*
 * stage07-smp: what the vCPU threads share, used from two threads at once, with
 * no KVM: the UART model behind com1.lock, and the VM's own bookkeeping behind
 * vm->lock. Each thread plays a vCPU handling its port exits.
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 20000
#define COM1(reg) (COM1_BASE + (reg))

struct player {
	struct vm *vm;
	uint8_t byte; /* what this thread sends */
	uint16_t port; /* an unknown port, for the bookkeeping test */
};

/* A polling driver's transmit: wait for THR empty (LSR.THRE), then write the byte. */
static void *send_bytes(void *arg)
{
	struct player *p = arg;

	for (int i = 0; i < ROUNDS; i++) {
		uint8_t lsr = 0;
		do
			port_in(p->vm, COM1(UART_LSR), &lsr, 1, 1);
		while (!(lsr & UART_LSR_THRE));
		port_out(p->vm, COM1(UART_THR), &p->byte, 1, 1);
		port_in(p->vm, COM1(UART_SCR), &lsr, 1, 1); /* and a read of another register */
	}
	return NULL;
}

static void run_two(void *(*body)(void *), struct player p[2])
{
	pthread_t threads[2];

	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, body, &p[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
}

/* Both threads' bytes all come out: the model's state was never half-updated. */
START_TEST(two_threads_share_the_uart)
{
	struct fake_exit f;
	uint8_t lcr = UART_LCR_WLS_8;

	fake_io(&f, KVM_EXIT_IO_OUT, COM1_BASE, 1, 1);
	port_out(&f.vm, COM1(UART_LCR), &lcr, 1, 1);
	struct player p[2] = {{.vm = &f.vm, .byte = 'a'}, {.vm = &f.vm, .byte = 'b'}};
	run_two(send_bytes, p);
	const char *out = output_of(&f.vm, &f.c);
	ck_assert_uint_eq(strlen(out), 2 * ROUNDS);
	ck_assert_uint_eq(occurrences(out, "a"), ROUNDS);
	ck_assert_uint_eq(occurrences(out, "b"), ROUNDS);
	fake_finish(&f);
}
END_TEST

/* Reports from two threads: every one counted, and an unknown port said once. */
static void *report_and_probe(void *arg)
{
	struct player *p = arg;
	uint8_t value = p->byte, data;

	for (int i = 0; i < ROUNDS; i++) {
		port_out(p->vm, PORT_REPORT, &value, 1, 1);
		port_in(p->vm, (uint16_t)(p->port + i % 64), &data, 1, 1);
	}
	return NULL;
}

START_TEST(two_threads_share_the_vms_bookkeeping)
{
	struct fake_exit f;

	fake_io(&f, KVM_EXIT_IO_OUT, PORT_REPORT, 1, 1);
	struct player p[2] = {{.vm = &f.vm, .byte = 7, .port = 0x100},
			      {.vm = &f.vm, .byte = 7, .port = 0x100}};
	run_two(report_and_probe, p);
	ck_assert_uint_eq(f.vm.reports, 2 * ROUNDS);
	ck_assert_uint_eq(f.vm.last_report, 7);
	const char *log = log_of(&f.vm, &f.c);
	ck_assert_uint_eq(occurrences(log, "where this VMM has no device"), 64);
	ck_assert_uint_eq(occurrences(log, "read from I/O port 0x13f,"), 1);
	fake_finish(&f);
}
END_TEST

/* IN PORT_CPUS: the number of vCPUs in the low byte of each item. */
START_TEST(port_cpus_reads_the_number_of_vcpus)
{
	struct fake_exit f;
	uint8_t data[4] = {0xff, 0xff, 0xff, 0xff};

	fake_io(&f, KVM_EXIT_IO_IN, PORT_CPUS, 1, 1);
	f.vm.cpus = 3;
	ck_assert_int_eq(port_in(&f.vm, PORT_CPUS, data, 2, 2), RESUME_GUEST);
	ck_assert_uint_eq(data[0], 3);
	ck_assert_uint_eq(data[1], 0);
	ck_assert_uint_eq(data[2], 3);
	ck_assert_uint_eq(data[3], 0);
	fake_finish(&f);
}
END_TEST

/* Once the run is being stopped, the first cause's sentence and status stay. */
START_TEST(the_first_cause_is_kept)
{
	struct fake_exit f;
	uint8_t status = 3;

	fake_io(&f, KVM_EXIT_IO_OUT, PORT_DONE, 1, 1);
	ck_assert_int_eq(port_out(&f.vm, PORT_DONE, &status, 1, 1), GUEST_FINISHED);
	vm_fail(&f.vm, "the first cause");
	vm_stop(&f.vm, &f.vcpu);
	ck_assert_ptr_eq(f.vm.stopped_by, &f.vcpu);
	status = 9;
	ck_assert_int_eq(port_out(&f.vm, PORT_DONE, &status, 1, 1), GUEST_FINISHED);
	ck_assert_int_eq(vm_fail(&f.vm, "a later one"), -1);
	vm_stop(&f.vm, NULL);
	ck_assert_ptr_eq(f.vm.stopped_by, &f.vcpu);
	ck_assert_uint_eq(f.vm.status, 3);
	ck_assert_str_eq(f.vm.error, "the first cause");
	fake_finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shared by the vCPU threads");
	TCase *tc = tcase_create("locks");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, two_threads_share_the_uart);
	tcase_add_test(tc, two_threads_share_the_vms_bookkeeping);
	tcase_add_test(tc, port_cpus_reads_the_number_of_vcpus);
	tcase_add_test(tc, the_first_cause_is_kept);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
