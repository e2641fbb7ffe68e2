/*
 * Exercise 02-input-port (hard): the guest reads the VMM's standard input.
 * Make `in` from I/O port 0x60 give the guest the next byte of the VMM's standard
 * input, one byte for each byte read (`in ax, dx` reads two, `rep insb` reads CX of
 * them, perhaps in one exit), and 0 once the input has ended.
 * order: 3
 * hint: a case in devices.c's port_in() that fills all size * count bytes at data (getc() on
 * stdin), 0 after EOF
 */
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <unistd.h>

/* Runs the VMM on a real-mode guest of a few bytes with `input` as its stdin. */
static int run_guest_of(const uint8_t *code, size_t len, const char *input, char *out, size_t size)
{
	char path[32];
	int status =
	    run_vmm_input(input, out, size, "--timeout", "10", guest_file_of(path, code, len));

	unlink(path);
	return status;
}

/* Echoes port 0x60 to the console, one `in al` at a time, until a 0 (64 bytes at most). */
static const uint8_t echo_guest[] = {
    0xb9, 0x40, 0x00, /* mov cx, 64 */
    0xe4, 0x60, /* next: in al, 0x60 */
    0x84, 0xc0, /* test al, al */
    0x74, 0x04, /* jz done */
    0xe6, 0xe9, /* out 0xe9, al */
    0xe2, 0xf6, /* loop next */
    0xf4, /* done: hlt */
};

START_TEST(each_in_reads_the_next_byte_of_stdin)
{
	char out[4096];

	ck_assert_int_eq(
	    run_guest_of(echo_guest, sizeof(echo_guest), "hello, guest\n", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "hello, guest\n");
}
END_TEST

START_TEST(after_the_end_of_stdin_in_reads_0)
{
	char out[4096];

	ck_assert_int_eq(run_guest_of(echo_guest, sizeof(echo_guest), "", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* rep insb: 4 bytes into 0x600 in one instruction, then rep outsb of them. */
START_TEST(rep_insb_reads_as_many_bytes_as_cx)
{
	static const uint8_t code[] = {
	    0xbf, 0x00, 0x06, /* mov di, 0x600 */
	    0xb9, 0x04, 0x00, /* mov cx, 4 */
	    0xba, 0x60, 0x00, /* mov dx, 0x60 */
	    0xf3, 0x6c, /* rep insb */
	    0xbe, 0x00, 0x06, /* mov si, 0x600 */
	    0xb9, 0x04, 0x00, /* mov cx, 4 */
	    0xba, 0xe9, 0x00, /* mov dx, 0xe9 */
	    0xf3, 0x6e, /* rep outsb */
	    0xf4, /* hlt */
	};
	char out[4096];

	ck_assert_int_eq(run_guest_of(code, sizeof(code), "abcdef", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "abcd");
}
END_TEST

/* in ax, 0x60: two bytes in one item, the first in AL (x86 is little-endian). */
START_TEST(in_ax_reads_two_bytes)
{
	static const uint8_t code[] = {
	    0xe5, 0x60, /* in ax, 0x60 */
	    0xe6, 0xe9, /* out 0xe9, al */
	    0x88, 0xe0, /* mov al, ah */
	    0xe6, 0xe9, /* out 0xe9, al */
	    0xe4, 0x60, /* in al, 0x60 */
	    0xe6, 0xe9, /* out 0xe9, al */
	    0xf4, /* hlt */
	};
	char out[4096];

	ck_assert_int_eq(run_guest_of(code, sizeof(code), "xyz", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "xyz");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 02-input-port");
	TCase *tc = tcase_create("input-port");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, each_in_reads_the_next_byte_of_stdin);
	tcase_add_kvm_test(tc, after_the_end_of_stdin_in_reads_0);
	tcase_add_kvm_test(tc, rep_insb_reads_as_many_bytes_as_cx);
	tcase_add_kvm_test(tc, in_ax_reads_two_bytes);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
