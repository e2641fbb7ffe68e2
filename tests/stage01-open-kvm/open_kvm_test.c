/* stage01-open-kvm: a VM, a vCPU, kvm_run, and the architectural reset state. */
#include "kvm_check.h"
#include "vmm.h"

#include <string.h>

/* The values the SDM gives for a processor after reset (vol. 3, 9.1.1, table 9-1). */
#define RESET_RIP 0xfff0
#define RESET_CS_SELECTOR 0xf000
#define RESET_CS_BASE 0xffff0000
#define RESET_CR0 0x60000010 /* CD | NW | ET */
#define RESET_RFLAGS 0x2

static void open_vm_and_vcpu(struct vm *vm, struct vcpu *vcpu)
{
	vm_init(vm);
	ck_assert_msg(kvm_open(vm, "/dev/kvm") == 0, "%s", vm->error);
	ck_assert_msg(vm_create(vm) == 0, "%s", vm->error);
	ck_assert_msg(vcpu_create(vm, vcpu) == 0, "%s", vm->error);
}

START_TEST(kvm_has_the_capabilities_the_book_needs)
{
	struct vm vm;

	vm_init(&vm);
	ck_assert_msg(kvm_open(&vm, "/dev/kvm") == 0, "%s", vm.error);
	ck_assert_int_ne(kvm_capability(&vm, KVM_CAP_USER_MEMORY), 0);
	ck_assert_int_ge(kvm_capability(&vm, KVM_CAP_NR_MEMSLOTS), 1);
	ck_assert_int_ge(kvm_capability(&vm, KVM_CAP_MAX_VCPUS), 1);
	ck_assert_int_eq(kvm_capability(&vm, -1), 0); /* no such extension: 0, not an error */
	vm_destroy(&vm);
}
END_TEST

START_TEST(kvm_run_mapping_holds_at_least_struct_kvm_run)
{
	struct vm vm;
	struct vcpu vcpu;

	open_vm_and_vcpu(&vm, &vcpu);
	ck_assert_ptr_nonnull(vcpu.run);
	ck_assert_uint_ge(vcpu.run_size, sizeof(struct kvm_run));
	vcpu_destroy(&vcpu);
	vm_destroy(&vm);
}
END_TEST

START_TEST(new_vcpu_is_in_the_architectural_reset_state)
{
	struct vm vm;
	struct vcpu vcpu;
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	open_vm_and_vcpu(&vm, &vcpu);
	ck_assert_int_eq(vcpu_get_regs(&vcpu, &regs), 0);
	ck_assert_int_eq(vcpu_get_sregs(&vcpu, &sregs), 0);
	ck_assert_uint_eq(regs.rip, RESET_RIP);
	ck_assert_uint_eq(regs.rflags, RESET_RFLAGS);
	ck_assert_uint_eq(sregs.cs.selector, RESET_CS_SELECTOR);
	ck_assert_uint_eq(sregs.cs.base, RESET_CS_BASE);
	ck_assert_uint_eq(sregs.cr0, RESET_CR0);
	vcpu_destroy(&vcpu);
	vm_destroy(&vm);
}
END_TEST

/*
 * With no memory there is no code to run. Kernels differ in how they say so
 * (this one fails KVM_RUN with ENOSPC; others exit with an error reason), so
 * the test asserts what must hold everywhere: no guest I/O, no HLT, no crash.
 */
START_TEST(empty_vm_runs_no_guest_code)
{
	struct vm vm;
	struct vcpu vcpu;

	open_vm_and_vcpu(&vm, &vcpu);
	if (vcpu_run_once(&vcpu) < 0) {
		ck_assert_ptr_nonnull(strstr(vm.error, "KVM_RUN: "));
	} else {
		ck_assert_uint_ne(vcpu.run->exit_reason, KVM_EXIT_IO);
		ck_assert_uint_ne(vcpu.run->exit_reason, KVM_EXIT_HLT);
	}
	vcpu_destroy(&vcpu);
	vm_destroy(&vm);
}
END_TEST

START_TEST(exit_reasons_have_their_header_names)
{
	ck_assert_str_eq(exit_reason_name(KVM_EXIT_IO), "KVM_EXIT_IO");
	ck_assert_str_eq(exit_reason_name(KVM_EXIT_HLT), "KVM_EXIT_HLT");
	ck_assert_str_eq(exit_reason_name(KVM_EXIT_SHUTDOWN), "KVM_EXIT_SHUTDOWN");
	ck_assert_ptr_nonnull(strstr(exit_reason_name(100000), "unknown"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage01-open-kvm");
	TCase *tc = tcase_create("kvm api");

	tcase_add_kvm_test(tc, kvm_has_the_capabilities_the_book_needs);
	tcase_add_kvm_test(tc, kvm_run_mapping_holds_at_least_struct_kvm_run);
	tcase_add_kvm_test(tc, new_vcpu_is_in_the_architectural_reset_state);
	tcase_add_kvm_test(tc, empty_vm_runs_no_guest_code);
	tcase_add_test(tc, exit_reasons_have_their_header_names);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
