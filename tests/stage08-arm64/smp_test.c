/*
 * stage08-arm64: several vCPUs. The secondaries stay powered off until the boot
 * vCPU's guest code starts them with PSCI CPU_ON; every CPU checks in once,
 * under a spinlock made of LDAXR/STXR; --cpus 1 and the maximum work; a
 * secondary that fails stops every vCPU, every time.
 */
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COUNT_PER_CPU 100000 /* guest-asm/08-arm64/count.inc */
#define SAFETY_TIMEOUT "120" /* --timeout: a hang fails the test with 124, never hangs it */

/* Runs guest on `cpus` vCPUs; returns the VMM's exit status, its output in out. */
static int run_on(const char *guest, unsigned cpus, char *out, size_t size)
{
	char n[16];

	snprintf(n, sizeof(n), "%u", cpus);
	return run_vmm(out, size, "--cpus", n, "--timeout", SAFETY_TIMEOUT, guest_path(guest));
}

/*
 * Every CPU says hello once, by its MPIDR_EL1 (bit 31 set, the affinity KVM
 * made from the vCPU id: Aff0 = id for ids below 16), on a line of its own.
 */
static void every_cpu_checks_in(unsigned cpus)
{
	char out[16384], line[64];

	ck_assert_int_eq(run_on("smp-hello.bin", cpus, out, sizeof(out)), 0);
	for (unsigned id = 0; id < cpus; id++) {
		snprintf(line, sizeof(line), "Hello from MPIDR 0x%x\n", 0x80000000u | id);
		ck_assert_msg(occurrences(out, line) == 1, "%u times '%s' in:\n%s",
			      occurrences(out, line), line, out);
	}
	ck_assert_uint_eq(occurrences(out, "Hello from MPIDR "), cpus);
	snprintf(line, sizeof(line), "All %u CPUs checked in.\n", cpus);
	assert_contains(out, line);
	snprintf(line, sizeof(line), "guest reported %u ", cpus);
	assert_contains(out, line);
	assert_contains(out, "vmm: the guest powered off (PSCI SYSTEM_OFF)");
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

/* The boot CPU prints and reports the total, and what it should be. */
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

/* With two emulated CPUs in the host, the vCPU threads really run at once. */
START_TEST(ldaxr_stlxr_loses_no_update)
{
	counts_exactly("smp-count.bin", 2);
	counts_exactly("smp-count.bin", 4);
}
END_TEST

/* One CPU alone loses nothing without atomics: only a second CPU's store can come between. */
START_TEST(without_atomics_one_cpu_still_counts_exactly)
{
	counts_exactly("smp-count-nolock.bin", 1);
}
END_TEST

/* CPU 1 makes an access KVM cannot decode: the VMM ends every vCPU and names that one. */
static void a_secondary_fault_stops_every_vcpu(unsigned cpus)
{
	char out[8192], line[96];

	ck_assert_int_eq(run_on("smp-fault.bin", cpus, out, sizeof(out)), 1);
	assert_contains(out, "(KVM_EXIT_ARM_NISV, ESR ISS");
	snprintf(line, sizeof(line),
		 "vmm: that was vCPU 1, and the VMM stopped the other %u with it\n", cpus - 1);
	assert_contains(out, line);
	assert_contains(out, "vCPU state at KVM_EXIT_ARM_NISV:");
	ck_assert_uint_eq(occurrences(out, "still running after"), 0);
}

START_TEST(a_secondary_that_faults_stops_three_cpus)
{
	a_secondary_fault_stops_every_vcpu(3);
}
END_TEST

/* The stop path many times over: every run ends the same way, none hangs. */
START_TEST(the_stop_path_20_times)
{
	for (int i = 0; i < 20; i++)
		a_secondary_fault_stops_every_vcpu(2);
}
END_TEST

START_TEST(trace_and_stats_name_the_vcpu)
{
	char out[65536];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--cpus", "2", "--trace", "--stats",
				 guest_path("smp-hello.bin")),
			 0);
	assert_contains(out, "vCPU 0: exit KVM_EXIT_MMIO write addr=0x9000000 len=1");
	assert_contains(out, "vCPU 1: exit KVM_EXIT_MMIO write addr=0x9000000 len=1");
	assert_contains(out, "vCPU 0: exit KVM_EXIT_SYSTEM_EVENT KVM_SYSTEM_EVENT_SHUTDOWN");
	assert_contains(out, "vCPU 0: exits: ");
	assert_contains(out, "vCPU 1: exits: ");
}
END_TEST

/*
 * Before the boot vCPU runs, a secondary is as the VMM made it: powered off
 * (KVM_MP_STATE_STOPPED), its registers KVM's reset state; the VMM set up the
 * boot vCPU only. The GIC has been initialized for both: a second
 * KVM_DEV_ARM_VGIC_CTRL_INIT is harmless, but no vCPU can be added any more.
 */
START_TEST(a_secondary_is_powered_off_until_psci_cpu_on)
{
	struct vm vm;
	struct vcpu vcpus[3] = {{.fd = -1}, {.fd = -1}, {.fd = -1}};
	uint64_t pc, mpidr;
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
	ck_assert_uint_eq(state, KVM_MP_STATE_STOPPED);
	ck_assert_int_eq(vcpu_get_reg(&vcpus[0], REG_PC, &pc), 0);
	ck_assert_uint_eq(pc, GUEST_LOAD_ADDR);
	ck_assert_int_eq(vcpu_get_reg(&vcpus[1], REG_PC, &pc), 0);
	ck_assert_uint_eq(pc, 0); /* KVM's reset value: untouched by us */
	ck_assert_int_eq(vcpu_get_reg(&vcpus[1], REG_MPIDR_EL1, &mpidr), 0);
	ck_assert_uint_eq(mpidr & MPIDR_AFFINITY_MASK, 1);
	ck_assert_int_ne(vcpu_create(&vm, &vcpus[2]), 0); /* the GIC is sized: too late */
	for (int i = 0; i < 3; i++)
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
	assert_contains(out, "PSCI CPU_ON");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("several vCPUs");
	TCase *tc = tcase_create("smp");

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, cpus_out_of_range_is_a_usage_error);
	tcase_add_test(tc, help_names_cpus_and_its_limits);
	tcase_add_kvm_test(tc, a_secondary_is_powered_off_until_psci_cpu_on);
	tcase_add_kvm_test(tc, two_cpus_check_in);
	tcase_add_kvm_test(tc, four_cpus_check_in);
	tcase_add_kvm_test(tc, one_cpu_is_enough);
	tcase_add_kvm_test(tc, the_maximum_checks_in);
	tcase_add_kvm_test(tc, ldaxr_stlxr_loses_no_update);
	tcase_add_kvm_test(tc, without_atomics_one_cpu_still_counts_exactly);
	tcase_add_kvm_test(tc, trace_and_stats_name_the_vcpu);
	tcase_add_kvm_test(tc, a_secondary_that_faults_stops_three_cpus);
	tcase_add_kvm_test(tc, the_stop_path_20_times);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
