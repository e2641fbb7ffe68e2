/*
 * ./run --entry MODE, shared by every stage whose main() offers entry modes
 * (stage03 on). ENTRY_MODES, set by the stage's Makefile, names them in the
 * order main.c lists them: the first is the default.
 */
#include "kvm_check.h"
#include "run_vmm.h"

#include <stdio.h>
#include <string.h>

#ifndef ENTRY_MODES
#error "ENTRY_MODES must list the stage's --entry modes, the default first"
#endif

/* `text` is in `out`: a failure names the text, which is built at run time here. */
static void assert_has(const char *out, const char *text)
{
	ck_assert_msg(strstr(out, text), "'%s' is not in: %s", text, out);
}

START_TEST(help_lists_every_entry_mode_and_the_default)
{
	char out[8192];
	char modes[] = ENTRY_MODES;
	char text[64];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--help"), 0);
	assert_has(out, "--entry MODE");
	snprintf(text, sizeof(text), "(default: %.*s)", (int)strcspn(modes, " "), modes);
	assert_has(out, text);
	for (char *mode = strtok(modes, " "); mode; mode = strtok(NULL, " ")) {
		snprintf(text, sizeof(text), "      %s ", mode);
		assert_has(out, text);
	}
}
END_TEST

START_TEST(unknown_entry_mode_is_named_with_the_choices_and_exits_2)
{
	char out[4096];

	ck_assert_int_eq(run_vmm(out, sizeof(out), "--entry", "unreal"), 2);
	ck_assert_ptr_nonnull(strstr(out, "--entry 'unreal' is not one of: " ENTRY_MODES));
	ck_assert_int_eq(run_vmm(out, sizeof(out), "--entry"), 2);
	ck_assert_ptr_nonnull(strstr(out, "--entry '' is not one of"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the --entry option");
	TCase *tc = tcase_create("./run --entry");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, help_lists_every_entry_mode_and_the_default);
	tcase_add_test(tc, unknown_entry_mode_is_named_with_the_choices_and_exits_2);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
