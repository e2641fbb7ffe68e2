/*
 * --step (debug.h, step.c): the trace of a guest of a few bytes that mean the
 * same in every x86 mode, its limits (--step=N, --step-from), and the parts
 * that need no KVM: the execution mode from the segment and control registers,
 * the disassembly, the options, the labels of a guest's ELF file.
 */
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * mov al, 0 / mov bl, 7 / out 0xf4, al / hlt: the same bytes and meaning in
 * 16-, 32- and 64-bit code. Port 0xf4 ends the run where it is PORT_DONE
 * (stage05 on, status 0); elsewhere nobody answers it and HLT ends the run.
 */
static const uint8_t steps_guest[] = {0xb0, 0x00, 0xb3, 0x07, 0xe6, 0xf4, 0xf4};
#define OUT_OFFSET 4 /* where `out 0xf4, al` is */

static const char *step_output(char *path, const char *option)
{
	static char out[16384];

	guest_file_of(path, steps_guest, sizeof(steps_guest));
	int status = run_vmm(out, sizeof(out), option, path);
	unlink(path);
	ck_assert_msg(status == 0, "--step: exit status %d; output:\n%s", status, out);
	return out;
}

START_TEST(step_prints_each_instruction_and_what_it_changed)
{
	char path[32];
	const char *out = step_output(path, "--step");

	assert_contains(out, "step: every instruction, starting in ");
	assert_contains(out, "b0 00                 mov al, 0");
	assert_contains(out, "b3 07                 mov bl, 7"); /* and then what it changed: */
	assert_contains(out, "bx=0x7");
	assert_contains(out, "e6 f4                 out 0xf4, al");
	assert_contains(out, "step: the run ended at this instruction (the guest finished)");
	/* The port I/O exit between the steps, as --trace shows it. */
	assert_contains(out, "exit KVM_EXIT_IO out port=0xf4");
	ck_assert_uint_eq(occurrences(out, "KVM_EXIT_DEBUG"), 0);
	ck_assert(strstr(out, "mov al, 0") < strstr(out, "mov bl, 7"));
}
END_TEST

START_TEST(step_n_shows_n_instructions_then_runs_on)
{
	char path[32];
	const char *out = step_output(path, "--step=2");

	assert_contains(out, "mov bl, 7");
	assert_contains(out, "step: 2 instructions shown (--step=2); the guest runs on");
	ck_assert_ptr_null(strstr(out, "out 0xf4, al"));
}
END_TEST

START_TEST(step_from_an_address_starts_there)
{
	char path[32], from[64];

	snprintf(from, sizeof(from), "--step-from=0x%x", GUEST_LOAD_ADDR + OUT_OFFSET);
	const char *out = step_output(path, from);

	assert_contains(out, "step: reached 0x");
	assert_contains(out, "out 0xf4, al");
	ck_assert_ptr_null(strstr(out, "mov bl, 7"));
}
END_TEST

START_TEST(step_from_an_unknown_label_is_refused)
{
	char path[32];

	guest_file_of(path, steps_guest, sizeof(steps_guest));
	const char *out =
	    expect_vmm(1, "--step-from=nowhere: not a label of", "--step-from=nowhere", path);
	unlink(path);
	assert_contains(out, ".elf");
}
END_TEST

START_TEST(bad_debug_options_exit_2)
{
	expect_vmm(2, "--step=0: a number of instructions above 0", "--step=0");
	expect_vmm(2, "--gdb=99999", "--gdb=99999");
	expect_vmm(2, "--step and --gdb: one or the other", "--step", "--gdb");
}
END_TEST

START_TEST(help_names_the_debug_options)
{
	const char *out = expect_vmm(0, "--step-from=WHERE", "--help");

	assert_contains(out, "--gdb=stdio");
}
END_TEST

/*
 * Capstone is loaded when --step starts (disasm.c), not linked: linked, it cost
 * every start (book/11-performance.md). With LD_TRACE_LOADED_OBJECTS the dynamic
 * loader lists the libraries the VMM links and runs nothing (ld.so(8), what ldd
 * does); a static VMM, which has no loader, ignores it and prints its help.
 */
START_TEST(capstone_is_not_linked)
{
	char out[8192];

	setenv("LD_TRACE_LOADED_OBJECTS", "1", 1);
	run_vmm(out, sizeof(out), "--help");
	unsetenv("LD_TRACE_LOADED_OBJECTS");
	ck_assert_msg(!strstr(out, "libcapstone"), "the VMM links Capstone:\n%s", output_tail(out));
}
END_TEST

/* SDM vol. 3A, 2.2: CR0.PE, EFER.LMA and CS.L/CS.D decide how instructions decode. */
START_TEST(the_mode_comes_from_cr0_efer_and_cs)
{
	struct kvm_sregs s = {0};

	ck_assert_int_eq(cpu_mode_of(&s), MODE_REAL);
	s.cr0 = 1; /* PE */
	ck_assert_int_eq(cpu_mode_of(&s), MODE_PROTECTED16);
	s.cs.db = 1;
	ck_assert_int_eq(cpu_mode_of(&s), MODE_PROTECTED32);
	s.efer = 1u << 10; /* LMA */
	ck_assert_int_eq(cpu_mode_of(&s), MODE_COMPAT32);
	s.cs.db = 0;
	s.cs.l = 1;
	ck_assert_int_eq(cpu_mode_of(&s), MODE_LONG64);
	ck_assert_str_eq(cpu_mode_name(MODE_LONG64), "long mode");
	ck_assert_uint_eq(cpu_mode_bits(MODE_REAL), 16);
}
END_TEST

/* 0x40 is `inc ax` / `inc eax` in 16- and 32-bit code, a REX prefix in 64-bit code. */
START_TEST(disassembly_follows_the_mode)
{
	const uint8_t inc[] = {0x40, 0x90};
	char text[64];

	ck_assert_int_eq(disassemble(MODE_REAL, inc, 1, 0, text, sizeof(text)), 1);
	ck_assert_str_eq(text, "inc ax");
	ck_assert_int_eq(disassemble(MODE_PROTECTED32, inc, 1, 0, text, sizeof(text)), 1);
	ck_assert_str_eq(text, "inc eax");
	ck_assert_int_eq(disassemble(MODE_LONG64, inc, 2, 0, text, sizeof(text)), 2);
	ck_assert_str_eq(text, "nop"); /* the REX prefix changes nothing here */
	ck_assert_int_eq(disassemble(MODE_LONG64, inc, 1, 0, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "(bad)");
}
END_TEST

/* The build writes GUEST.elf beside each guest: its labels are nasm's, at their addresses. */
START_TEST(a_guests_elf_file_has_its_labels)
{
	char elf[4096], why[256];
	static struct symbols syms;
	uint64_t start;
	const char *guest =
	    guest_path(default_flat_guest()); /* every default guest begins at `start` */

	symbols_elf_path(guest, elf, sizeof(elf));
	ck_assert_str_eq(elf + strlen(elf) - 4, ".elf");
	ck_assert_msg(symbols_load(&syms, elf, why, sizeof(why)) == 0, "%s", why);
	ck_assert(symbols_find(&syms, "start", &start));
	ck_assert_uint_eq(start, GUEST_LOAD_ADDR);
	ck_assert_str_eq(symbols_at(&syms, GUEST_LOAD_ADDR), "start");
	ck_assert(!symbols_find(&syms, "nowhere", &start));
	ck_assert_int_eq(symbols_load(&syms, guest, why, sizeof(why)), -1);
	assert_contains(why, "not an ELF file");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("debugging a guest: --step");
	TCase *tc = tcase_create("--step");

	tcase_set_timeout(tc, 60);
	tcase_add_kvm_test(tc, step_prints_each_instruction_and_what_it_changed);
	tcase_add_kvm_test(tc, step_n_shows_n_instructions_then_runs_on);
	tcase_add_kvm_test(tc, step_from_an_address_starts_there);
	tcase_add_kvm_test(tc, step_from_an_unknown_label_is_refused);
	tcase_add_test(tc, bad_debug_options_exit_2);
	tcase_add_test(tc, help_names_the_debug_options);
	tcase_add_test(tc, the_mode_comes_from_cr0_efer_and_cs);
	tcase_add_test(tc, disassembly_follows_the_mode);
	tcase_add_test(tc, capstone_is_not_linked);
	tcase_add_test(tc, a_guests_elf_file_has_its_labels);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
