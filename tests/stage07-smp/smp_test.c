/*
 * stage07-smp: several vCPUs. The APs wait until the boot vCPU's guest code
 * starts them; every CPU checks in once; lock xadd counts exactly; --cpus 1 and
 * the maximum work; an AP that fails stops every vCPU, every time.
 */
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COUNT_PER_CPU 100000 /* guest-asm/07-smp/count.inc */
#define SAFETY_TIMEOUT "60" /* --timeout: a hang fails the test with 124, never hangs it */

/* Runs guest on `cpus` vCPUs; returns the VMM's exit status, its output in out. */
static int run_on(const char *guest, unsigned cpus, char *out, size_t size)
{
	char n[16];

	snprintf(n, sizeof(n), "%u", cpus);
	return run_vmm(out, size, "--cpus", n, "--timeout", SAFETY_TIMEOUT, guest_path(guest));
}

/* Every CPU says hello once, by its own APIC ID, 0 to cpus - 1, on a line of its own. */
static void every_cpu_checks_in(unsigned cpus)
{
	char out[16384], line[64];

	ck_assert_int_eq(run_on("smp-hello.bin", cpus, out, sizeof(out)), 0);
	for (unsigned id = 0; id < cpus; id++) {
		snprintf(line, sizeof(line), "Hello from APIC ID %u\n", id);
		ck_assert_msg(occurrences(out, line) == 1, "%u times '%s' in:\n%s",
			      occurrences(out, line), line, out);
	}
	ck_assert_uint_eq(occurrences(out, "Hello from APIC ID "), cpus);
	snprintf(line, sizeof(line), "All %u CPUs checked in.\n", cpus);
	assert_contains(out, line);
	snprintf(line, sizeof(line), "guest reported %u ", cpus);
	assert_contains(out, line);
	/* Whole lines: each starts at a line's start (the spinlock kept it together). */
	for (const char *at = strstr(out, "Hello"); at; at = strstr(at + 1, "Hello"))
		ck_assert_msg(at == out || at[-1] == '\n', "a line was cut in two:\n%s",
			      output_tail(out));
}

START_TEST(two_cpus_check_in)
{
	every_cpu_checks_in(2);
}
END_TEST

START_TEST(four_cpus_check_in)
{
	every_cpu_checks_in(4);
}
END_TEST

START_TEST(one_cpu_is_enough)
{
	every_cpu_checks_in(1);
}
END_TEST

START_TEST(the_maximum_checks_in)
{
	every_cpu_checks_in(VCPUS_MAX);
}
END_TEST

/* The boot CPU reports the total; the status is 0 only if it is exact. */
static void counts_exactly(const char *guest, unsigned cpus)
{
	char out[8192], line[64];

	ck_assert_int_eq(run_on(guest, cpus, out, sizeof(out)), 0);
	snprintf(line, sizeof(line), "Total: %u, expected %u\n", cpus * COUNT_PER_CPU,
		 cpus * COUNT_PER_CPU);
	assert_contains(out, line);
	snprintf(line, sizeof(line), "guest reported %u ", cpus * COUNT_PER_CPU);
	assert_contains(out, line);
}

START_TEST(lock_xadd_loses_no_update)
{
	counts_exactly("smp-count.bin", 2);
	counts_exactly("smp-count.bin", 4);
}
END_TEST

/* One CPU alone loses nothing without lock: only a second CPU's store can come between. */
START_TEST(without_lock_one_cpu_still_counts_exactly)
{
	counts_exactly("smp-count-nolock.bin", 1);
}
END_TEST

/* An AP faults while every other CPU spins: the VMM ends them all and names that AP. */
static void an_ap_fault_stops_every_vcpu(unsigned cpus)
{
	char out[8192], line[96];

	ck_assert_int_eq(run_on("smp-fault.bin", cpus, out, sizeof(out)), 1);
	assert_contains(out, "vmm: the guest shut down (KVM_EXIT_SHUTDOWN)");
	snprintf(line, sizeof(line),
		 "vmm: that was vCPU 1, and the VMM stopped the other %u with it\n", cpus - 1);
	assert_contains(out, line);
	assert_contains(out, "vCPU state at KVM_EXIT_SHUTDOWN:");
	ck_assert_uint_eq(occurrences(out, "still running after"), 0);
}

START_TEST(an_ap_that_faults_stops_three_cpus)
{
	an_ap_fault_stops_every_vcpu(3);
}
END_TEST

/* The stop path many times over: every run ends the same way, none hangs. */
START_TEST(the_stop_path_100_times)
{
	for (int i = 0; i < 100; i++)
		an_ap_fault_stops_every_vcpu(2);
}
END_TEST

START_TEST(trace_and_stats_name_the_vcpu)
{
	char out[65536];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--cpus", "2", "--trace", "--stats",
				 guest_path("smp-hello.bin")),
			 0);
	assert_contains(out, "vCPU 0: exit KVM_EXIT_IO out port=0x3f8");
	assert_contains(out, "vCPU 1: exit KVM_EXIT_IO out port=0x3f8");
	assert_contains(out, "vCPU 0: exits: ");
	assert_contains(out, "vCPU 1: exits: ");
}
END_TEST

/*
 * Before the boot vCPU runs, an AP is as KVM made it: UNINITIALIZED, waiting for
 * INIT. The VMM set up the boot vCPU only; the AP's registers are the reset state.
 */
START_TEST(an_ap_waits_for_its_init_and_startup_ipi)
{
	struct vm vm;
	struct vcpu vcpus[2] = {{.fd = -1}, {.fd = -1}};
	struct kvm_regs regs;
	uint32_t state;

	vm_init(&vm);
	ck_assert_msg(kvm_open(&vm, "/dev/kvm") == 0 && vm_create(&vm) == 0 &&
			  vcpus_create(&vm, vcpus, 2) == 0,
		      "%s", vm.error);
	ck_assert_uint_eq(vm.cpus, 2);
	ck_assert_uint_eq(vcpus[1].index, 1);
	ck_assert_int_eq(vcpu_mp_state(&vcpus[0], &state), 0);
	ck_assert_uint_eq(state, KVM_MP_STATE_RUNNABLE);
	ck_assert_int_eq(vcpu_mp_state(&vcpus[1], &state), 0);
	ck_assert_uint_eq(state, KVM_MP_STATE_UNINITIALIZED);
	ck_assert_int_eq(vcpu_get_regs(&vcpus[1], &regs), 0);
	ck_assert_uint_eq(regs.rip, 0xfff0); /* the reset vector's offset: untouched by us */
	for (int i = 0; i < 2; i++)
		vcpu_destroy(&vcpus[i]);
	vm_destroy(&vm);
}
END_TEST

START_TEST(cpus_out_of_range_is_a_usage_error)
{
	static const char *const bad[] = {"0", "-1", "17", "two", "2x", ""};
	char text[80];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "--cpus '%s' is not a number of vCPUs from 1 to %d",
			 bad[i], VCPUS_MAX);
		expect_vmm(2, text, "--cpus", bad[i]);
	}
	expect_vmm(2, "--cpus '' is not", "--cpus");
}
END_TEST

START_TEST(help_names_cpus_and_its_limits)
{
	char text[64];

	const char *out = expect_vmm(0, "--cpus N", "--help");
	snprintf(text, sizeof(text), "1 to %d", VCPUS_MAX);
	assert_contains(out, text);
	assert_contains(out, "KVM_CAP_MAX_VCPUS");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("several vCPUs");
	TCase *tc = tcase_create("smp");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, cpus_out_of_range_is_a_usage_error);
	tcase_add_test(tc, help_names_cpus_and_its_limits);
	tcase_add_kvm_test(tc, an_ap_waits_for_its_init_and_startup_ipi);
	tcase_add_kvm_test(tc, two_cpus_check_in);
	tcase_add_kvm_test(tc, four_cpus_check_in);
	tcase_add_kvm_test(tc, one_cpu_is_enough);
	tcase_add_kvm_test(tc, the_maximum_checks_in);
	tcase_add_kvm_test(tc, lock_xadd_loses_no_update);
	tcase_add_kvm_test(tc, without_lock_one_cpu_still_counts_exactly);
	tcase_add_kvm_test(tc, trace_and_stats_name_the_vcpu);
	tcase_add_kvm_test(tc, an_ap_that_faults_stops_three_cpus);
	tcase_add_kvm_test(tc, the_stop_path_100_times);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
