/*
 * Opening /dev/kvm, shared by every stage that carries kvm.c forward: a person
 * without KVM gets a message that says what to do.
 */
#include "kvm_check.h"
#include "vmm.h"

#include <string.h>

START_TEST(missing_device_names_the_module_and_firmware)
{
	struct vm vm;

	vm_init(&vm);
	ck_assert_int_eq(kvm_open(&vm, "/nonexistent/kvm"), -1);
	ck_assert_ptr_nonnull(strstr(vm.error, "/nonexistent/kvm: No such file or directory"));
	ck_assert_ptr_nonnull(strstr(vm.error, "modprobe"));
	ck_assert_ptr_nonnull(strstr(vm.error, "firmware"));
	vm_destroy(&vm);
}
END_TEST

START_TEST(a_device_that_is_not_kvm_fails_on_the_version_ioctl)
{
	struct vm vm;

	vm_init(&vm);
	ck_assert_int_eq(kvm_open(&vm, "/dev/null"), -1);
	ck_assert_ptr_nonnull(strstr(vm.error, "KVM_GET_API_VERSION: "));
	vm_destroy(&vm);
}
END_TEST

START_TEST(api_version_other_than_12_is_refused)
{
	struct vm vm;

	vm_init(&vm);
	ck_assert_int_eq(kvm_check_api_version(&vm, 11), -1);
	ck_assert_ptr_nonnull(strstr(vm.error, "KVM_GET_API_VERSION: 11"));
	ck_assert_int_eq(kvm_check_api_version(&vm, 12), 0);
}
END_TEST

START_TEST(real_kvm_speaks_api_version_12)
{
	struct vm vm;

	vm_init(&vm);
	ck_assert_msg(kvm_open(&vm, "/dev/kvm") == 0, "%s", vm.error);
	ck_assert_int_ne(kvm_capability(&vm, KVM_CAP_USER_MEMORY), 0);
	vm_destroy(&vm);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opening /dev/kvm");
	TCase *tc = tcase_create("kvm_open");

	tcase_add_test(tc, missing_device_names_the_module_and_firmware);
	tcase_add_test(tc, a_device_that_is_not_kvm_fails_on_the_version_ioctl);
	tcase_add_test(tc, api_version_other_than_12_is_refused);
	tcase_add_kvm_test(tc, real_kvm_speaks_api_version_12);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
