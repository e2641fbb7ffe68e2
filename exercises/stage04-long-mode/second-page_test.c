/*
 * Exercise 04-second-page (medium): one more 2 MiB page, an alias of guest RAM.
 * Make the VMM's page tables map virtual 0x400000-0x5fffff to physical 0-0x1fffff,
 * readable and writable, and keep virtual 0-0x1fffff mapped as it is (and 0x200000
 * unmapped: unmapped.bin faults there). The test runs a guest of its own that reads,
 * through the new page, values the test planted in RAM, and writes one back.
 * order: 2
 * hint: paging64_build() fills one page-directory entry per 2 MiB of RAM; PD index 2 maps
 * virtual 0x400000: a physical address with PTE_PRESENT, PTE_WRITE and PDE_PS
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "reports.h"

#include <string.h>

#define ALIAS 0x400000ull /* virtual: the second 2 MiB page, onto physical 0 */
#define LOW_PLANT 0x10000 /* physical: a qword above the guest */
#define HIGH_PLANT 0x1ffff8 /* physical: the last qword of guest RAM */
#define COPY_BACK (LOW_PLANT + 8) /* physical: where the guest's write must land */
#define LOW_VALUE 0x0123456789abcdefull
#define HIGH_VALUE 0xfedcba9876543210ull

/*
 * The test's guest, written over hello.bin where the VMM loaded it: it reads both
 * planted qwords through the alias, writes the second back through it, and reports
 * the first, low half then high half.
 */
static const uint8_t alias_reader[] = {
    0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x41, 0x00, /* mov rax, [0x410000] */
    0x48, 0x8b, 0x1c, 0x25, 0xf8, 0xff, 0x5f, 0x00, /* mov rbx, [0x5ffff8] */
    0x48, 0x89, 0x1c, 0x25, 0x08, 0x00, 0x41, 0x00, /* mov [0x410008], rbx */
    0xe7, 0x80, /* out 0x80, eax */
    0x48, 0xc1, 0xe8, 0x20, /* shr rax, 32 */
    0xe7, 0x80, /* out 0x80, eax */
    0xf4, /* hlt */
};

static void plant(struct vm *vm, uint64_t addr, uint64_t value)
{
	uint64_t *at = guest_ptr(vm, addr, sizeof(value));
	ck_assert_ptr_nonnull(at);
	memcpy(at, &value, sizeof(value));
}

START_TEST(a_guest_reads_and_writes_ram_through_virtual_0x400000)
{
	struct fixture f;
	unsigned long long reported[REPORTS_MAX];

	start_guest(&f, "hello.bin", vcpu_set_long_mode);
	uint8_t *code = guest_ptr(&f.vm, GUEST_LOAD_ADDR, sizeof(alias_reader));
	ck_assert_ptr_nonnull(code);
	memcpy(code, alias_reader, sizeof(alias_reader));
	plant(&f.vm, LOW_PLANT, LOW_VALUE);
	plant(&f.vm, HIGH_PLANT, HIGH_VALUE);
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED,
		      "reading virtual 0x%llx and 0x%llx, writing 0x%llx: %s", ALIAS + LOW_PLANT,
		      ALIAS + HIGH_PLANT, ALIAS + COPY_BACK, f.vm.error);
	const char *output = output_of(&f.vm, &f.c);
	ck_assert_msg(reports_in(output, reported) == 2, "the test's guest printed \"%s\"", output);
	unsigned long long read = reported[1] << 32 | reported[0];
	ck_assert_msg(read == LOW_VALUE,
		      "virtual 0x%llx read 0x%llx, not the 0x%llx at physical 0x%x: the page "
		      "must map physical 0",
		      ALIAS + LOW_PLANT, read, LOW_VALUE, LOW_PLANT);
	uint64_t copied;
	memcpy(&copied, guest_ptr(&f.vm, COPY_BACK, sizeof(copied)), sizeof(copied));
	ck_assert_msg(copied == HIGH_VALUE,
		      "physical 0x%x holds 0x%llx after the guest wrote 0x%llx to virtual 0x%llx",
		      COPY_BACK, (unsigned long long)copied, HIGH_VALUE, ALIAS + COPY_BACK);
	finish(&f);
}
END_TEST

/* hello.bin, unchanged, still runs from virtual 0x7c00: the first 2 MiB stay as they were. */
START_TEST(the_first_2_mib_stay_mapped_to_themselves)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_long_mode);
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED, "hello.bin: %s", f.vm.error);
	ck_assert_uint_eq(regs_of(&f).rax, 0xa94fad42221f2702ull); /* fib(93), hello's answer */
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 04-second-page");
	TCase *tc = tcase_create("second-page");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, a_guest_reads_and_writes_ram_through_virtual_0x400000);
	tcase_add_kvm_test(tc, the_first_2_mib_stay_mapped_to_themselves);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
