/*
 * Exercise 03-limit-fault (hard): a guest that passes a segment's limit, and catches the fault.
 * Write guest-asm/03-protected-mode/limit-fault.asm, for the VMM of 03-small-segment:
 * it loads DS with selector 0x18, writes a non-zero byte at ds:0xfff (the last inside
 * the limit), then one at ds:0x1000 (past it). That raises a general-protection fault
 * (#GP, vector 13), which the guest catches with an IDT of its own: the handler reports
 * through port 0x80 the vector, 13, then the error code the CPU pushed, and halts.
 * order: 3
 * needs: 03-small-segment
 * hint: an IDT entry 13 as a 32-bit interrupt gate (selector 0x08, type byte 0x8e) loaded with
 * lidt; the error code is on top of the handler's stack
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "reports.h"

#define SMALL_BASE 0x10000
#define SMALL_LIMIT 0xfff
#define VECTOR_GP 13 /* #GP: SDM vol. 3A, "Exception and Interrupt Reference" */

START_TEST(the_write_past_the_limit_faults_and_the_guests_handler_reports_it)
{
	struct fixture f;
	unsigned long long reported[REPORTS_MAX];

	start_guest(&f, "limit-fault.bin", vcpu_set_protected_mode);
	enum run_outcome outcome = run_to_end(&f);
	ck_assert_msg(outcome == RUN_FINISHED, "the guest did not halt: %s", f.vm.error);
	const char *output = output_of(&f.vm, &f.c);
	uint8_t *segment = guest_ptr(&f.vm, SMALL_BASE, SMALL_LIMIT + 2);
	ck_assert_ptr_nonnull(segment);
	/*
	 * Seen in the emulated x86 host: its CPU (qemu's emulation, under KVM) let the write
	 * past the limit through. Not the reader's fault; only a machine with KVM grades it.
	 */
	ck_assert_msg(!(segment[SMALL_LIMIT + 1] && sregs_of(&f).ds.limit == SMALL_LIMIT),
		      "the write at ds:0x1000 went through with DS's limit 0xfff: this CPU does "
		      "not check segment limits (the emulated x86 host's does not); grade this "
		      "exercise on a machine with KVM");
	ck_assert_msg(reports_in(output, reported) == 2 && reported[0] == VECTOR_GP,
		      "want two reports, 13 then the error code; the guest printed \"%s\"", output);
	/* A limit violation names no segment: the error code is 0 (the SDM's #GP reference). */
	ck_assert_msg(reported[1] == 0, "error code 0x%llx: did the fault come from the limit?",
		      reported[1]);
	struct kvm_sregs sregs = sregs_of(&f);
	ck_assert_msg(sregs.idt.limit >= VECTOR_GP * 8 + 7,
		      "IDTR's limit is 0x%x: no IDT entry 13 to catch the fault", sregs.idt.limit);
	ck_assert_msg(segment[SMALL_LIMIT] != 0, "nothing was written at ds:0xfff");
	ck_assert_msg(segment[SMALL_LIMIT + 1] == 0, "the write at ds:0x1000 went through");
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 03-limit-fault");
	TCase *tc = tcase_create("limit-fault");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, the_write_past_the_limit_faults_and_the_guests_handler_reports_it);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
