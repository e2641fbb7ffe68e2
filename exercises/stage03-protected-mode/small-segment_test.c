/*
 * Exercise 03-small-segment (medium): a data segment that is not flat.
 * Give the VMM's GDT a fourth descriptor, selector 0x18: a present, writable 32-bit
 * data segment of privilege level 0 with base 0x10000 and limit 0xfff, counted in
 * bytes (4 KiB). The other descriptors stay as they are; GDTR must cover the new one.
 * order: 2
 * hint: one more gdt_index entry and one more gdt_segments[] element (g = 0: the limit counts
 * bytes); GDTR's limit follows GDT_ENTRIES
 */
#include "gdt_decode.h"
#include "guest_fixture.h"
#include "kvm_check.h"

#include <string.h>

#define SMALL_SELECTOR 0x18
#define SMALL_BASE 0x10000
#define SMALL_LIMIT 0xfff

START_TEST(gdtr_covers_a_descriptor_at_0x18_with_base_0x10000_and_limit_0xfff)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_protected_mode);
	struct kvm_sregs sregs = sregs_of(&f);
	ck_assert_msg(sregs.gdt.limit >= SMALL_SELECTOR + 7,
		      "GDTR's limit is 0x%x: selector 0x18 lies past the end of the GDT",
		      sregs.gdt.limit);
	struct kvm_segment seg = gdt_decode(&f.vm, sregs.gdt.base, SMALL_SELECTOR);
	ck_assert_msg(seg.base == SMALL_BASE, "base 0x%llx", (unsigned long long)seg.base);
	ck_assert_msg(seg.limit == SMALL_LIMIT && seg.g == 0,
		      "limit 0x%x with g = %u: the segment must be 0x1000 bytes, counted in bytes",
		      seg.limit, seg.g);
	ck_assert_msg(seg.present && seg.s && seg.dpl == 0 && seg.db,
		      "present %u, s %u, dpl %u, db %u: want a present 32-bit code/data "
		      "segment of DPL 0",
		      seg.present, seg.s, seg.dpl, seg.db);
	ck_assert_msg((seg.type & SEG_TYPE_CODE) == 0 && (seg.type & SEG_TYPE_WRITE),
		      "type 0x%x: want a writable data segment", seg.type);
	finish(&f);
}
END_TEST

/*
 * The test's own few instructions, written over hello.bin where the VMM loaded it:
 * load DS with selector 0x18 and write the first and the last byte of the segment.
 */
static const uint8_t small_segment_writer[] = {
    0x66, 0xb8, SMALL_SELECTOR, 0x00, /* mov ax, 0x18 */
    0x8e, 0xd8, /* mov ds, ax */
    0xc6, 0x05, 0xff,           0x0f, 0x00, 0x00, 0x5a, /* mov byte [0xfff], 0x5a */
    0xc6, 0x05, 0x00,           0x00, 0x00, 0x00, 0xa5, /* mov byte [0], 0xa5 */
    0xf4, /* hlt */
};

START_TEST(a_guest_writes_both_ends_of_the_segment_through_ds_0x18)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_protected_mode);
	uint8_t *code = guest_ptr(&f.vm, GUEST_LOAD_ADDR, sizeof(small_segment_writer));
	ck_assert_ptr_nonnull(code);
	memcpy(code, small_segment_writer, sizeof(small_segment_writer));
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED,
		      "loading DS with 0x18 and writing through it: %s", f.vm.error);
	uint8_t *segment = guest_ptr(&f.vm, SMALL_BASE, SMALL_LIMIT + 1);
	ck_assert_ptr_nonnull(segment);
	ck_assert_uint_eq(segment[0], 0xa5);
	ck_assert_uint_eq(segment[SMALL_LIMIT], 0x5a);
	struct kvm_sregs sregs = sregs_of(&f);
	ck_assert_uint_eq(sregs.ds.selector, SMALL_SELECTOR);
	ck_assert_uint_eq(sregs.ds.base, SMALL_BASE);
	ck_assert_uint_eq(sregs.ds.limit, SMALL_LIMIT);
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 03-small-segment");
	TCase *tc = tcase_create("small-segment");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, gdtr_covers_a_descriptor_at_0x18_with_base_0x10000_and_limit_0xfff);
	tcase_add_kvm_test(tc, a_guest_writes_both_ends_of_the_segment_through_ds_0x18);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
