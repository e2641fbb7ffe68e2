/*
 * Loading a guest and checking guest addresses, shared by every stage that
 * carries vm.c forward. Needs no /dev/kvm: guest memory is plain host memory.
 */
#include "guest_memory.h"
#include "kvm_check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where guest RAM starts: 0 on x86; arm64 boards put devices below it (stage08). */
#ifndef GUEST_MEM_BASE
#define GUEST_MEM_BASE 0
#endif
#define RAM_END (GUEST_MEM_BASE + GUEST_MEM_SIZE) /* one past the last byte of RAM */
#define LOAD_INDEX (GUEST_LOAD_ADDR - GUEST_MEM_BASE) /* the guest's first byte in vm.mem */

START_TEST(guest_ptr_accepts_exactly_guest_memory)
{
	struct vm vm;

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_ptr_eq(guest_ptr(&vm, GUEST_MEM_BASE, GUEST_MEM_SIZE), vm.mem);
	ck_assert_ptr_eq(guest_ptr(&vm, RAM_END - 1, 1), vm.mem + GUEST_MEM_SIZE - 1);
	ck_assert_ptr_nonnull(guest_ptr(&vm, RAM_END, 0));
	ck_assert_ptr_null(guest_ptr(&vm, RAM_END, 1));
	ck_assert_ptr_null(guest_ptr(&vm, GUEST_MEM_BASE + 1, GUEST_MEM_SIZE));
	ck_assert_ptr_null(guest_ptr(&vm, RAM_END + 1, 0));
	if (GUEST_MEM_BASE > 0) /* below RAM is not RAM */
		ck_assert_ptr_null(guest_ptr(&vm, GUEST_MEM_BASE - 1, 1));
	free(vm.mem);
}
END_TEST

START_TEST(guest_ptr_refuses_ranges_that_wrap_around)
{
	struct vm vm;

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_ptr_null(guest_ptr(&vm, UINT64_MAX, 2));
	ck_assert_ptr_null(guest_ptr(&vm, 2, UINT64_MAX));
	ck_assert_ptr_null(guest_ptr(&vm, UINT64_MAX - 1, UINT64_MAX - 1));
	free(vm.mem);
}
END_TEST

START_TEST(guest_lands_at_the_load_address)
{
	struct vm vm;
	char path[32];

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_msg(vm_load_guest(&vm, guest_file(path, 3)) == 0, "%s", vm.error);
	if (LOAD_INDEX > 0)
		ck_assert_uint_eq(vm.mem[LOAD_INDEX - 1], 0);
	ck_assert_uint_eq(vm.mem[LOAD_INDEX], GUEST_FILE_BYTE);
	ck_assert_uint_eq(vm.mem[LOAD_INDEX + 2], GUEST_FILE_BYTE);
	ck_assert_uint_eq(vm.mem[LOAD_INDEX + 3], 0);
	unlink(path);
	free(vm.mem);
}
END_TEST

START_TEST(largest_guest_fits_and_one_byte_more_does_not)
{
	struct vm vm;
	char path[32];

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_msg(vm_load_guest(&vm, guest_file(path, GUEST_MAX_SIZE)) == 0, "%s", vm.error);
	unlink(path);
	ck_assert_int_eq(vm_load_guest(&vm, guest_file(path, GUEST_MAX_SIZE + 1)), -1);
	ck_assert_ptr_nonnull(strstr(vm.error, "too large"));
	unlink(path);
	free(vm.mem);
}
END_TEST

START_TEST(missing_empty_and_directory_guests_are_refused)
{
	struct vm vm;
	char path[32];

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_int_eq(vm_load_guest(&vm, "/nonexistent/guest.bin"), -1);
	ck_assert_ptr_nonnull(strstr(vm.error, "No such file or directory"));
	ck_assert_int_eq(vm_load_guest(&vm, guest_file(path, 0)), -1);
	ck_assert_ptr_nonnull(strstr(vm.error, "empty"));
	unlink(path);
	ck_assert_int_eq(vm_load_guest(&vm, "/tmp"), -1);
	ck_assert_ptr_nonnull(strstr(vm.error, "not a regular file"));
	free(vm.mem);
}
END_TEST

/* A FIFO nobody writes to: opening it to read would wait for ever. It is refused at once. */
START_TEST(a_fifo_is_refused_not_waited_for)
{
	struct vm vm;
	char dir[] = "/tmp/fifo-XXXXXX", path[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/guest.bin", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_int_eq(vm_load_guest(&vm, path), -1);
	ck_assert_msg(strstr(vm.error, "not a regular file"), "%s", vm.error);
	free(vm.mem);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loading a guest");
	TCase *tc = tcase_create("guest memory");

	tcase_add_test(tc, guest_ptr_accepts_exactly_guest_memory);
	tcase_add_test(tc, guest_ptr_refuses_ranges_that_wrap_around);
	tcase_add_test(tc, guest_lands_at_the_load_address);
	tcase_add_test(tc, largest_guest_fits_and_one_byte_more_does_not);
	tcase_add_test(tc, missing_empty_and_directory_guests_are_refused);
	tcase_add_test(tc, a_fifo_is_refused_not_waited_for);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
