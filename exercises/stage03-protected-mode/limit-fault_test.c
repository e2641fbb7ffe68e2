/*
 * Exercise 03-limit-fault (hard): a segment's limit, the GDT's limit, and a fault caught.
 * Write guest-asm/03-protected-mode/limit-fault.asm, for the VMM of 03-small-segment:
 * it reports through port 0x80 the limit of descriptor 0x18, read from the GDT that
 * GDTR points at, then loads DS with selector 0x20, past the end of the GDT (its limit
 * is 0x1f). That raises a general-protection fault (#GP, vector 13) whose error code is
 * the selector; the guest catches it with an IDT of its own: the handler reports the
 * vector, 13, then the error code, and halts. The test also runs it with a smaller limit.
 * order: 3
 * needs: 03-small-segment
 * hint: the limit is bytes 0-1 of the descriptor plus the low 4 bits of byte 6; IDT entry 13 is
 * a 32-bit interrupt gate (selector 0x08, type byte 0x8e) loaded with lidt; the error code is on
 * top of the handler's stack
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "reports.h"

#define SMALL_SELECTOR 0x18
#define SMALL_LIMIT 0xfff
#define PAST_GDT_SELECTOR 0x20 /* the first selector past a GDT of four descriptors */
#define SMALLER_LIMIT 0x7ff /* what the second run writes into descriptor 0x18 */
#define VECTOR_GP 13 /* #GP: SDM vol. 3A, "Exception and Interrupt Reference" */

/*
 * Runs the guest to its hlt; fails unless it reported `limit`, then 13 and the
 * error code of a #GP for selector 0x20: the selector itself, with its TI and RPL
 * bits 0 and EXT 0 (SDM vol. 3A, "Error Code").
 */
static void expect_limit_then_the_fault(struct fixture *f, unsigned limit)
{
	unsigned long long reported[REPORTS_MAX];

	ck_assert_msg(run_to_end(f) == RUN_FINISHED, "the guest did not halt: %s", f->vm.error);
	const char *output = output_of(&f->vm, &f->c);
	struct kvm_sregs sregs = sregs_of(f);
	ck_assert_msg(reports_in(output, reported) == 3,
		      "want three reports: the limit, 13, the error code; the guest printed "
		      "\"%s\"",
		      output);
	ck_assert_msg(reported[0] == limit,
		      "descriptor 0x18's limit is 0x%x, the guest reported 0x%llx", limit,
		      reported[0]);
	ck_assert_msg(sregs.gdt.limit < PAST_GDT_SELECTOR,
		      "GDTR's limit is 0x%x: selector 0x20 is inside the GDT, loading it need not "
		      "fault (the VMM's GDT has four descriptors: 03-small-segment)",
		      sregs.gdt.limit);
	ck_assert_msg(sregs.idt.limit >= VECTOR_GP * 8 + 7,
		      "IDTR's limit is 0x%x: no IDT entry 13 to catch the fault", sregs.idt.limit);
	ck_assert_msg(reported[1] == VECTOR_GP, "the handler reported vector %llu, not 13",
		      reported[1]);
	ck_assert_msg(reported[2] == PAST_GDT_SELECTOR,
		      "error code 0x%llx: for a selector past the GDT's limit it is the selector, "
		      "0x20",
		      reported[2]);
}

START_TEST(reports_the_limit_then_catches_the_gp_for_a_selector_past_the_gdt)
{
	struct fixture f;

	start_guest(&f, "limit-fault.bin", vcpu_set_protected_mode);
	expect_limit_then_the_fault(&f, SMALL_LIMIT);
	finish(&f);
}
END_TEST

/* Protected mode as the VMM sets it, with descriptor 0x18's limit made SMALLER_LIMIT. */
static int smaller_segment(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;

	if (vcpu_set_protected_mode(vcpu) < 0 || vcpu_get_sregs(vcpu, &sregs) < 0)
		return -1;
	if (sregs.gdt.limit < SMALL_SELECTOR + 7)
		return vm_fail(vcpu->vm, "GDTR's limit is 0x%x: the GDT has no descriptor 0x18",
			       sregs.gdt.limit);
	uint8_t *descriptor = guest_ptr(vcpu->vm, sregs.gdt.base + SMALL_SELECTOR, 8);
	if (!descriptor)
		return vm_fail(vcpu->vm, "the GDT at 0x%llx lies outside guest memory",
			       (unsigned long long)sregs.gdt.base);
	/* The limit's bits 0-15 are bytes 0-1, its bits 16-19 byte 6's low half (SDM 3.4.5). */
	descriptor[0] = SMALLER_LIMIT & 0xff;
	descriptor[1] = SMALLER_LIMIT >> 8;
	descriptor[6] &= 0xf0;
	return 0;
}

START_TEST(reports_the_limit_the_descriptor_holds_not_a_constant)
{
	struct fixture f;

	start_guest(&f, "limit-fault.bin", smaller_segment);
	expect_limit_then_the_fault(&f, SMALLER_LIMIT);
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 03-limit-fault");
	TCase *tc = tcase_create("limit-fault");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, reports_the_limit_then_catches_the_gp_for_a_selector_past_the_gdt);
	tcase_add_kvm_test(tc, reports_the_limit_the_descriptor_holds_not_a_constant);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
