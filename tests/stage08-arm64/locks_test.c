/*
 * stage08-arm64: what the vCPU threads share, used from two threads at once,
 * with no KVM: the PL011 model behind uart0.lock, and the VM's own bookkeeping
 * behind vm->lock. Each thread plays a vCPU handling its MMIO exits.
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 20000

struct player {
	struct vm *vm;
	uint8_t byte; /* what this thread sends */
	uint64_t addr; /* where nothing is, for the bookkeeping test */
};

static uint32_t read_register(struct vm *vm, uint32_t offset)
{
	uint32_t value = 0;

	mmio_access(vm, PL011_BASE + offset, (uint8_t *)&value, 4, false);
	return value;
}

/* A polling driver's transmit: wait while UARTFR.TXFF, then write the byte. */
static void *send_bytes(void *arg)
{
	struct player *p = arg;

	for (int i = 0; i < ROUNDS; i++) {
		while (read_register(p->vm, PL011_FR) & PL011_FR_TXFF)
			;
		mmio_access(p->vm, PL011_BASE + PL011_DR, &p->byte, 1, true);
		read_register(p->vm, PL011_IMSC); /* and a read of another register */
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

	fake_io(&f, 0, 0, 1, 1); /* a VM with no KVM behind it; the record is not used */
	struct player p[2] = {{.vm = &f.vm, .byte = 'a'}, {.vm = &f.vm, .byte = 'b'}};
	run_two(send_bytes, p);
	const char *out = output_of(&f.vm, &f.c);
	ck_assert_uint_eq(strlen(out), 2 * ROUNDS);
	ck_assert_uint_eq(occurrences(out, "a"), ROUNDS);
	ck_assert_uint_eq(occurrences(out, "b"), ROUNDS);
	ck_assert_str_eq(log_of(&f.vm, &f.c), "");
	fake_finish(&f);
}
END_TEST

/* Reports from two threads: every one counted, and an unknown address said once. */
static void *report_and_probe(void *arg)
{
	struct player *p = arg;
	uint64_t value = p->byte, data;

	for (int i = 0; i < ROUNDS; i++) {
		mmio_access(p->vm, REPORT_ADDR, (uint8_t *)&value, 8, true);
		mmio_access(p->vm, p->addr + 8 * (i % MMIO_REPORTED_MAX), (uint8_t *)&data, 8,
			    false);
	}
	return NULL;
}

START_TEST(two_threads_share_the_vms_bookkeeping)
{
	struct fake_exit f;

	fake_io(&f, 0, 0, 1, 1);
	struct player p[2] = {{.vm = &f.vm, .byte = 7, .addr = 0x10000000},
			      {.vm = &f.vm, .byte = 7, .addr = 0x10000000}};
	run_two(report_and_probe, p);
	ck_assert_uint_eq(f.vm.reports, 2 * ROUNDS);
	ck_assert_uint_eq(f.vm.last_report, 7);
	const char *log = log_of(&f.vm, &f.c);
	ck_assert_uint_eq(occurrences(log, "where there is no memory and no device"),
			  MMIO_REPORTED_MAX);
	ck_assert_uint_eq(occurrences(log, "read from guest physical 0x10000078,"), 1);
	ck_assert_uint_eq(occurrences(log, "no more are reported"), 0);
	fake_finish(&f);
}
END_TEST

/* Once the run is being stopped, the first cause's sentence stays. */
START_TEST(the_first_cause_is_kept)
{
	struct fake_exit f;

	fake_io(&f, 0, 0, 1, 1);
	vm_fail(&f.vm, "the first cause");
	vm_stop(&f.vm, &f.vcpu);
	ck_assert_ptr_eq(f.vm.stopped_by, &f.vcpu);
	ck_assert_int_eq(vm_fail(&f.vm, "a later one"), -1);
	vm_stop(&f.vm, NULL);
	ck_assert_ptr_eq(f.vm.stopped_by, &f.vcpu);
	ck_assert_str_eq(f.vm.error, "the first cause");
	fake_finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shared by the vCPU threads");
	TCase *tc = tcase_create("locks");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, two_threads_share_the_uart);
	tcase_add_test(tc, two_threads_share_the_vms_bookkeeping);
	tcase_add_test(tc, the_first_cause_is_kept);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
