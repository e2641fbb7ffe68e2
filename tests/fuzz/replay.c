/*
 * The replay side of a fuzz harness (see fuzz.h): a Check test that runs every
 * input of CORPUS_DIR through LLVMFuzzerTestOneInput, so that `make check` (and
 * SANITIZE=1) keeps every seed and every input a fuzzer once kept passing.
 */
#include "fuzz.h"
#include "kvm_check.h"

#include <dirent.h>
#include <string.h>

#ifndef CORPUS_DIR
#error "CORPUS_DIR must name the corpus to replay"
#endif
#define MIN_INPUTS 5 /* a corpus smaller than this was lost on the way */

void write_seed(const char *dir, const char *name, const struct seed *s)
{
	char path[1024];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	file = fopen(path, "wb");
	if (!file || fwrite(s->bytes, 1, s->size, file) != s->size || fclose(file) != 0) {
		perror(path);
		exit(1);
	}
}

START_TEST(the_corpus_replays_cleanly)
{
	static uint8_t input[1 << 20];
	DIR *dir = opendir(CORPUS_DIR);
	struct dirent *entry;
	unsigned replayed = 0;

	ck_assert_msg(dir, "%s: cannot open the corpus", CORPUS_DIR);
	while ((entry = readdir(dir))) {
		char path[1024];
		FILE *file;
		size_t size;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, entry->d_name);
		file = fopen(path, "rb");
		ck_assert_msg(file, "%s: cannot open", path);
		size = fread(input, 1, sizeof(input), file);
		fclose(file);
		LLVMFuzzerTestOneInput(input, size);
		replayed++;
	}
	closedir(dir);
	ck_assert_msg(replayed >= MIN_INPUTS, "only %u inputs in %s", replayed, CORPUS_DIR);
	printf("replayed %u inputs from %s\n", replayed, CORPUS_DIR);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
		write_seeds(argv[2]);
		return 0;
	}
	s = suite_create(TEST_NAME);
	tc = tcase_create("corpus");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, the_corpus_replays_cleanly);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
