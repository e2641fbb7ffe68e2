/*
 * Exercise 08-dump-ids (easy): the register dump says which CPU it is.
 * When a guest fails, the VMM prints the vCPU's registers, some of them system
 * registers read with KVM_GET_ONE_REG. Add two to the line with sctlr_el1 and
 * vbar_el1, in the same form: midr_el1=0x... (the CPU model that KVM shows the
 * guest) and mpidr_el1=0x... (the vCPU's affinity: which CPU of the machine it
 * is). The test makes the boot vCPU fail (pair.bin), then vCPU 1 of two
 * (smp-fault.bin), and compares the dumps with what KVM_GET_ONE_REG gives it.
 * order: 1
 * hint: diag_dump() in diag.c, with dump_sysreg(); a system register's ONE_REG id is SYS_REG()
 * of its op0, op1, CRn, CRm, op2 (the Arm ARM, "MIDR_EL1": 3, 0, 0, 0, 0); vmm.h has MPIDR_EL1's
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <stdio.h>
#include <string.h>

#define MIDR_EL1 SYS_REG(3, 0, 0, 0, 0) /* the Arm ARM, "MIDR_EL1, Main ID Register" */
#define MPIDR_RES1 0x80000000u /* MPIDR_EL1 bit 31 reads as one; Aff0 = the vCPU id here */

/* MIDR_EL1 as KVM gives it to a vCPU of the test's own. */
static uint64_t midr_of_a_vcpu(void)
{
	struct fixture f;
	uint64_t midr;

	start_guest(&f, "hello.bin", vcpu_set_el1h);
	ck_assert_msg(vcpu_get_reg(&f.vcpu, MIDR_EL1, &midr) == 0, "%s", f.vm.error);
	finish(&f);
	return midr;
}

/* The VMM runs guest on cpus vCPUs; vCPU `failing` fails: its dump must name it. */
static void expect_ids(const char *guest, const char *cpus, unsigned failing)
{
	char out[16384], want[64];

	ck_assert_int_eq(
	    run_vmm(out, sizeof(out), "--cpus", cpus, "--timeout", "120", guest_path(guest)), 1);
	assert_contains(out, "vCPU state at KVM_EXIT_ARM_NISV:");
	snprintf(want, sizeof(want), " midr_el1=0x%llx", (unsigned long long)midr_of_a_vcpu());
	assert_contains(out, want);
	snprintf(want, sizeof(want), " mpidr_el1=0x%x", MPIDR_RES1 | failing);
	assert_contains(out, want);
	ck_assert_msg(occurrences(out, "mpidr_el1=") == 1, "one dump, one mpidr_el1: %s", out);
}

START_TEST(the_boot_vcpu_says_mpidr_0)
{
	expect_ids("pair.bin", "1", 0);
}
END_TEST

START_TEST(vcpu_1_says_mpidr_1)
{
	expect_ids("smp-fault.bin", "2", 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 08-dump-ids");
	TCase *tc = tcase_create("dump-ids");

	tcase_set_timeout(tc, 240);
	tcase_add_kvm_test(tc, the_boot_vcpu_says_mpidr_0);
	tcase_add_kvm_test(tc, vcpu_1_says_mpidr_1);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
