/*
 * Exercise 04-page-fault (hard): a page fault caught by the guest's own 64-bit IDT.
 * Write guest-asm/04-long-mode/page-fault.asm, a 64-bit guest: it reads the qword at
 * physical (and virtual) 0x600, where the test puts an address that no page table
 * maps, and writes a byte to that address. That is a page fault (#PF, vector 14);
 * the guest catches it with an IDT of its own, whose handler reports through port
 * 0x80 the vector, 14, the error code, then CR2 (the address that faulted), its high
 * 32 bits then its low 32 bits, and halts. The test runs it with two addresses.
 * order: 3
 * hint: a 64-bit IDT entry is 16 bytes: offset bits 0-15, the code selector (mov ax, cs), 0, type
 * byte 0x8e, offset bits 16-31, then bits 32-63; lidt takes a limit word and a qword base; the
 * error code is on top of the handler's stack
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "reports.h"

#include <string.h>

#define GUEST "page-fault.bin"
#define ADDRESS_SLOT 0x600 /* physical: the qword the test writes the address into */
#define VECTOR_PF 14 /* #PF: SDM vol. 3A, "Exception and Interrupt Reference" */
#define IDT_ENTRY_64 16 /* bytes per IDT entry in IA-32e mode (SDM vol. 3A, "64-Bit Mode IDT") */
/* The page-fault error code (SDM vol. 3A, "Page-Fault Exception"): W/R set, P clear. */
#define PF_ERROR_WRITE_NOT_PRESENT 0x2

/*
 * Runs the guest with `address` in the slot; fails unless its handler reported 14, the
 * error code of a write to a page not present, then `address` as CR2, high half first.
 */
static void expect_the_page_fault_at(uint64_t address)
{
	struct fixture f;
	unsigned long long reported[REPORTS_MAX];

	start_guest(&f, GUEST, vcpu_set_long_mode);
	uint64_t *slot = guest_ptr(&f.vm, ADDRESS_SLOT, sizeof(*slot));
	ck_assert_ptr_nonnull(slot);
	memcpy(slot, &address, sizeof(address));
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED,
		      "the guest did not halt after writing to 0x%llx: %s",
		      (unsigned long long)address, f.vm.error);
	const char *output = output_of(&f.vm, &f.c);
	ck_assert_msg(reports_in(output, reported) == 4,
		      "want four reports: 14, the error code, CR2's high then low half; the guest "
		      "printed \"%s\"",
		      output);
	struct kvm_sregs sregs = sregs_of(&f);
	ck_assert_msg(sregs.idt.limit >= VECTOR_PF * IDT_ENTRY_64 + IDT_ENTRY_64 - 1,
		      "IDTR's limit is 0x%x: no IDT entry 14 to catch the fault", sregs.idt.limit);
	ck_assert_msg(reported[0] == VECTOR_PF, "the handler reported vector %llu, not 14",
		      reported[0]);
	ck_assert_msg(reported[1] == PF_ERROR_WRITE_NOT_PRESENT,
		      "error code 0x%llx: a write (bit 1) to a page not present (bit 0 clear) by "
		      "the kernel (bit 2 clear) is 0x2",
		      reported[1]);
	unsigned long long cr2 = reported[2] << 32 | reported[3];
	ck_assert_msg(cr2 == address, "CR2 reported as 0x%llx; the guest wrote to 0x%llx", cr2,
		      (unsigned long long)address);
	ck_assert_msg(sregs.cr2 == address, "CR2 is 0x%llx after the run, not 0x%llx",
		      (unsigned long long)sregs.cr2, (unsigned long long)address);
	finish(&f);
}

START_TEST(catches_a_write_to_1_gib)
{
	expect_the_page_fault_at(0x40000000);
}
END_TEST

START_TEST(catches_a_write_to_an_address_above_4_gib)
{
	expect_the_page_fault_at(0x00007f0012345678ull);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 04-page-fault");
	TCase *tc = tcase_create("page-fault");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, catches_a_write_to_1_gib);
	tcase_add_kvm_test(tc, catches_a_write_to_an_address_above_4_gib);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
