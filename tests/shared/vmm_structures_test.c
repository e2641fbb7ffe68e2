/*
 * What the VMM writes into guest memory for the vCPU's start state, its GDT and
 * its page tables, lies below the guest: shared by every stage that writes them
 * (stage03 on). Needs no /dev/kvm.
 */
#include "guest_memory.h"
#include "kvm_check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The largest guest ends at the end of memory; the VMM's structures are all below it. */
START_TEST(vmm_structures_never_overwrite_the_largest_guest)
{
	struct vm vm;
	char path[32];
	uint8_t *bytes = malloc(GUEST_MAX_SIZE);

	ck_assert_ptr_nonnull(bytes);
	memset(bytes, GUEST_FILE_BYTE, GUEST_MAX_SIZE);
	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_msg(vm_load_guest(&vm, guest_file(path, GUEST_MAX_SIZE)) == 0, "%s", vm.error);
	unlink(path);
	ck_assert_int_eq(gdt_write(&vm), 0);
#ifdef PAGE_DIR_ADDR /* stage03: 32-bit paging */
	ck_assert_int_eq(paging32_build(&vm), 0);
#endif
#ifdef PML4_ADDR /* stage04 on: 4-level paging */
	ck_assert_int_eq(paging64_build(&vm), 0);
#endif
	ck_assert_int_eq(memcmp(vm.mem + GUEST_LOAD_ADDR, bytes, GUEST_MAX_SIZE), 0);
	free(bytes);
	free(vm.mem);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the VMM's structures in guest memory");
	TCase *tc = tcase_create("below the guest");

	tcase_add_test(tc, vmm_structures_never_overwrite_the_largest_guest);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
