/*
 * Exercise 02-load-address (easy): a guest that prints its own load address.
 * Write guest-asm/02-real-mode/load-address.asm: a guest that prints a line with the
 * linear address it was loaded at, in hex after "0x" (e.g. "loaded at 0x7c00"),
 * then halts. It must find the address out, not assume it: the test also starts it
 * at 0x1000:0x7c00 (linear 0x17c00), all segment registers 0x1000.
 * order: 1
 * hint: `call` pushes the offset of the next instruction (pop it), and the segment is CS: linear =
 * CS * 16 + offset
 */
#include "guest_fixture.h"
#include "kvm_check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#define GUEST "load-address.bin"
#define MOVED_SEGMENT 0x1000 /* the second run: every segment register holds this */

/* The number after the first "0x" in what the guest printed; fails the test if none. */
static unsigned long printed_address(const char *output)
{
	const char *hex = strstr(output, "0x");
	char *end;

	ck_assert_msg(hex, "the guest printed no \"0x\": \"%s\"", output);
	unsigned long address = strtoul(hex + 2, &end, 16);
	ck_assert_msg(end != hex + 2, "no hex digits after \"0x\": \"%s\"", output);
	return address;
}

static void expect_printed_address(struct fixture *f, unsigned long address)
{
	ck_assert_msg(run_to_end(f) == RUN_FINISHED, "the guest did not halt: %s", f->vm.error);
	const char *output = output_of(&f->vm, &f->c);
	ck_assert_msg(printed_address(output) == address,
		      "loaded at 0x%lx, the guest printed \"%s\"", address, output);
}

START_TEST(prints_0x7c00_where_the_vmm_loads_it)
{
	struct fixture f;

	start_guest(&f, GUEST, vcpu_set_real_mode);
	expect_printed_address(&f, GUEST_LOAD_ADDR);
	finish(&f);
}
END_TEST

/* Real mode as the VMM sets it, but with every segment at MOVED_SEGMENT. */
static int moved_real_mode(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;

	if (vcpu_set_real_mode(vcpu) < 0 || vcpu_get_sregs(vcpu, &sregs) < 0)
		return -1;
	struct kvm_segment *segments[] = {&sregs.cs, &sregs.ds, &sregs.es,
					  &sregs.fs, &sregs.gs, &sregs.ss};
	for (size_t i = 0; i < sizeof(segments) / sizeof(segments[0]); i++) {
		segments[i]->selector = MOVED_SEGMENT;
		segments[i]->base = MOVED_SEGMENT * 16;
	}
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return vm_fail_errno(vcpu->vm, "KVM_SET_SREGS");
	return 0;
}

/*
 * The same bytes, moved to MOVED_SEGMENT:GUEST_LOAD_ADDR. What was left at 0x7c00 is
 * overwritten with hlt, so a guest that jumps back there stops printing.
 */
START_TEST(prints_0x17c00_when_loaded_at_0x1000_0x7c00)
{
	struct fixture f;
	struct stat st;
	const unsigned long moved = MOVED_SEGMENT * 16 + GUEST_LOAD_ADDR;

	ck_assert_int_eq(stat(guest_path(GUEST), &st), 0);
	start_guest(&f, GUEST, moved_real_mode);
	uint8_t *loaded = guest_ptr(&f.vm, GUEST_LOAD_ADDR, (uint64_t)st.st_size);
	uint8_t *there = guest_ptr(&f.vm, moved, (uint64_t)st.st_size);
	ck_assert_ptr_nonnull(loaded);
	ck_assert_ptr_nonnull(there);
	memcpy(there, loaded, (size_t)st.st_size);
	memset(loaded, 0xf4, (size_t)st.st_size); /* hlt */
	expect_printed_address(&f, moved);
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 02-load-address");
	TCase *tc = tcase_create("load-address");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, prints_0x7c00_where_the_vmm_loads_it);
	tcase_add_kvm_test(tc, prints_0x17c00_when_loaded_at_0x1000_0x7c00);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
