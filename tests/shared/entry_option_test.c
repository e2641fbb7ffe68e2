/*
 * ./run --entry MODE, shared by every stage whose main() offers entry modes
 * (stage03 and stage04). The modes are read from --help, where main.c lists
 * them: the test checks that what --help promises is what the option takes.
 */
#include "kvm_check.h"
#include "run_vmm.h"

#include <stdio.h>
#include <string.h>

#define MAX_MODES 8

struct modes {
	char names[MAX_MODES][32];
	unsigned count;
	char fallback[32]; /* the default, as --help names it */
	char list[MAX_MODES * 33]; /* "a b c": the order --help gives */
};

/* --help: "  --entry MODE  ... (default: NAME):", then one "      NAME  help" line each. */
static void modes_from_help(struct modes *m)
{
	const char *out = expect_vmm(0, "--entry MODE", "--help");
	const char *at = strstr(out, "\n  --entry MODE");

	memset(m, 0, sizeof(*m));
	ck_assert_ptr_nonnull(at);
	at = strstr(at, "(default: ");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "(default: %31[^)])", m->fallback), 1);
	for (const char *line = strchr(at, '\n'); line && line[1] == ' ';
	     line = strchr(line + 1, '\n')) {
		char name[32];
		if (strncmp(line + 1, "      ", 6) != 0 || line[7] == ' ' ||
		    sscanf(line + 7, "%31s", name) != 1)
			break;
		ck_assert_uint_lt(m->count, MAX_MODES);
		strcpy(m->names[m->count++], name);
		strcat(strcat(m->list, m->count > 1 ? " " : ""), name);
	}
}

START_TEST(help_lists_the_entry_modes_the_default_first)
{
	struct modes m;

	modes_from_help(&m);
	ck_assert_uint_ge(m.count, 2);
	ck_assert_str_eq(m.names[0], m.fallback);
}
END_TEST

/* Each mode --help lists is one the option takes (--help after it ends the run early). */
START_TEST(every_listed_mode_is_accepted)
{
	struct modes m;

	modes_from_help(&m);
	for (unsigned i = 0; i < m.count; i++)
		expect_vmm(0, "usage: ./run", "--entry", m.names[i], "--help");
}
END_TEST

START_TEST(unknown_entry_mode_is_named_with_the_choices_and_exits_2)
{
	struct modes m;
	char text[sizeof(m.list) + 64];

	modes_from_help(&m);
	snprintf(text, sizeof(text), "--entry 'unreal' is not one of: %s (see ./run --help)",
		 m.list);
	expect_vmm(2, text, "--entry", "unreal");
	expect_vmm(2, "--entry '' is not one of", "--entry");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the --entry option");
	TCase *tc = tcase_create("./run --entry");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, help_lists_the_entry_modes_the_default_first);
	tcase_add_test(tc, every_listed_mode_is_accepted);
	tcase_add_test(tc, unknown_entry_mode_is_named_with_the_choices_and_exits_2);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
