#!/usr/bin/python3
"""Self-test of bookpp.py: a tiny repository in a temporary directory, one test per rule.

Run: /usr/bin/python3 book/tools/test_bookpp.py   (make -C book check runs it)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bookpp  # noqa: E402

FILES = {
    "stage01-demo/main.c": """\
#include <stdio.h>
#define LOAD_ADDR 0x7c00
#define STACK_TOP LOAD_ADDR /* the stack ends where the guest starts */

/* book:begin greet */
static void greet(const char *who)
{
	printf("hello, %s\\n", who);
	fflush(stdout);
}
/* book:end greet */

int main(int argc, char **argv)
{
	greet(argc > 1 ? argv[1] : "world");
	return 0;
}
""",
    "stage01-demo/hello.sh": """\
echo "hello from the demo"
echo "took $$ ms"
""",
    "guest-asm/01-demo/hello.asm": """\
bits 16
; book:begin hello
	mov dx, 0xe9
	mov al, 'A'
	out dx, al
	hlt
; book:end hello
""",
    "diffs/stage02-demo.diff": """\
diff -ruN stage01-demo/main.c stage02-demo/main.c
--- stage01-demo/main.c	2024-01-01 00:00:00
+++ stage02-demo/main.c	2024-01-02 00:00:00
@@ -1,2 +1,2 @@
-#include <stdio.h>
+#include <stdlib.h>
diff -ruN stage01-demo/vmm.h stage02-demo/vmm.h
--- stage01-demo/vmm.h	1970-01-01 00:00:00
+++ stage02-demo/vmm.h	2024-01-02 00:00:00
@@ -0,0 +1 @@
+#define NEW 1
""",
    "book/diagrams/map.dot": 'digraph m { a [label="at {{stage01-demo/main.c:STACK_TOP}}"]; }\n',
    "book/01-demo.md": """\
# Demo chapter

<!-- listing: stage01-demo/main.c#greet -->

<!-- listing: guest-asm/01-demo/hello.asm#hello -->

A short snippet that is not a copy is fine:

```c
greet("you");
return 0;
```

<!-- run -->
```console
$ sh stage01-demo/hello.sh
hello from the demo
took {...} ms
```

<!-- diff: stage02-demo/main.c -->

<!-- diagram: map The memory map -->

![The rounds, measured](figures/rounds.svg)
""",
    "book/figures/rounds.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    "book/02-more.md": "# More\n\nSee [the demo](01-demo.md).\n",
}


# A stand-in for tools/emulated-run that boots nothing: it records a run (its arguments),
# gives each recorded run its results in --batch (the host "prints" what it was asked and
# ends with status 3), and replays them. batches counts the boots; batch-fails fails one.
FAKE_EMULATED_RUN = """\
#!/bin/sh
top=$(dirname "$0")/..
if [ "$1" = --batch ]; then
	echo boot >>"$top/batches"
	if [ -f "$top/batch-fails" ]; then echo "the emulated host failed"; exit 125; fi
	for run in "$2"/[0-9]*; do
		echo "emulated: $(cat "$run/args")" >"$run/out"
		echo 3 >"$run/status"
	done
	exit 0
fi
if [ -n "$EMULATED_RUN_RECORD" ]; then
	n=$(ls "$EMULATED_RUN_RECORD" | grep -c '^[0-9]')
	mkdir "$EMULATED_RUN_RECORD/$n"
	echo "$*" >"$EMULATED_RUN_RECORD/$n/args"
	exit 0
fi
if [ -n "$EMULATED_RUN_REPLAY" ]; then
	n=$(cat "$EMULATED_RUN_REPLAY/replayed" 2>/dev/null || echo 0)
	echo $((n + 1)) >"$EMULATED_RUN_REPLAY/replayed"
	cat "$EMULATED_RUN_REPLAY/$n/out"
	exit "$(cat "$EMULATED_RUN_REPLAY/$n/status")"
fi
echo "not batched: $*"
exit 1
"""

# tools/deps check hosts: fails when the test says qemu is missing.
FAKE_DEPS = """\
#!/bin/sh
if [ -f "$(dirname "$0")/../no-qemu" ]; then echo "missing: qemu-system-x86"; exit 1; fi
"""

EMULATED_CHAPTER = """\
# Emulated

<!-- run -->
```console
$ echo stage09-other >.current-stage; tools/emulated-run one; echo "status $?"
emulated: one
status 3
```

<!-- run -->
```console
$ echo here
here
```

<!-- run -->
```console
$ tools/emulated-run two 2>&1 | cat
emulated: two
```
"""


class BookppTest(unittest.TestCase):
    def setUp(self):
        self.top = tempfile.mkdtemp(prefix="bookpp-test-")
        for path, text in FILES.items():
            self.write(path, text)
        subprocess.run(["git", "init", "-q"], cwd=self.top, check=True)
        subprocess.run(["git", "add", "-A"], cwd=self.top, check=True)

    def tearDown(self):
        shutil.rmtree(self.top)

    def write(self, path, text):
        os.makedirs(os.path.dirname(os.path.join(self.top, path)), exist_ok=True)
        with open(os.path.join(self.top, path), "w") as f:
            f.write(text)

    def edit(self, path, old, new):
        with open(os.path.join(self.top, path)) as f:
            text = f.read()
        self.assertIn(old, text)
        self.write(path, text.replace(old, new))

    def run_book(self):
        """(pages, errors) of a check, run blocks included."""
        book = bookpp.Book(self.top)
        pages = book.process()
        book.run_all()
        return pages, "\n".join(book.errors)

    def assertProblem(self, *expected):
        _, errors = self.run_book()
        for text in expected:
            self.assertIn(text, errors)

    def test_good_book_passes_and_shows_the_code(self):
        pages, errors = self.run_book()
        self.assertEqual(errors, "")
        chapter = "\n".join(pages["book/01-demo.md"])
        self.assertIn('\tprintf("hello, %s\\n", who);', chapter)
        self.assertIn("[`stage01-demo/main.c`]{.path} [lines 6–10]{.where}", chapter)
        self.assertIn("``` {.nasm}\nmov dx, 0xe9", chapter)
        self.assertNotIn("book:begin", chapter)
        self.assertIn("-#include <stdio.h>", chapter)  # the diff, main.c only
        self.assertNotIn("#define NEW", chapter)
        self.assertIn('<img src="diagrams/map.svg" alt="The memory map">', chapter)
        self.assertIn("[the demo](01-demo.html)", "\n".join(pages["book/02-more.md"]))

    def test_a_changed_line_in_a_region_shows_up(self):
        self.edit("stage01-demo/main.c", "fflush(stdout);", "fflush(stderr);")
        pages, errors = self.run_book()
        self.assertEqual(errors, "")
        self.assertIn("fflush(stderr);", "\n".join(pages["book/01-demo.md"]))

    def test_missing_region(self):
        self.edit("book/01-demo.md", "main.c#greet", "main.c#great")
        self.assertProblem("book/01-demo.md:3: listing: stage01-demo/main.c has no region 'great'"
                           " (regions there: greet)")

    def test_missing_file(self):
        self.edit("book/01-demo.md", "stage01-demo/main.c#", "stage01-demo/mian.c#")
        self.assertProblem("book/01-demo.md:3: listing: no file stage01-demo/mian.c")

    def test_unused_region(self):
        self.edit("stage01-demo/main.c", "int main", "/* book:begin main */\nint main")
        self.edit("stage01-demo/main.c", "return 0;\n}\n", "return 0;\n}\n/* book:end main */\n")
        self.assertProblem("stage01-demo/main.c:13: region 'main' is not used by any chapter")

    def test_unused_diagram(self):
        self.write("book/diagrams/orphan.dot", "// nobody shows me\ndigraph { a -> b }\n")
        subprocess.run(["git", "add", "-A"], cwd=self.top, check=True)
        self.assertProblem("book/diagrams/orphan.dot:1: diagram 'orphan' is not used by any "
                           "chapter")

    def test_region_carried_unchanged_to_the_next_stage_needs_no_listing(self):
        self.write("stage02-demo/main.c", FILES["stage01-demo/main.c"])
        self.write("book/02-more.md", "# More\n")
        subprocess.run(["git", "add", "-A"], cwd=self.top, check=True)
        self.assertEqual(self.run_book()[1], "")
        self.edit("stage02-demo/main.c", "fflush(stdout);", "fflush(stderr);")
        self.edit("book/01-demo.md", "stage02-demo/main.c", "stage02-demo/vmm.h")
        self.assertProblem("stage02-demo/main.c:5: region 'greet' is not used by any chapter "
                           "(it changed since stage01-demo/main.c")
        self.write("book/02-more.md", "# More\n<!-- diff: stage02-demo/main.c -->\n")
        self.assertEqual(self.run_book()[1], "")  # the diff shows what changed

    def test_a_stage_is_compared_with_the_base_its_makefile_names(self):
        changed = FILES["stage01-demo/main.c"].replace("fflush(stdout);", "fflush(stderr);")
        self.write("stage02-demo/main.c", changed)
        self.write("stage03-copy/main.c", FILES["stage01-demo/main.c"])
        self.write("book/02-more.md", "# More\n<!-- listing: stage02-demo/main.c#greet -->\n")
        self.write("book/03-copy.md", "# Copy\n")
        subprocess.run(["git", "add", "-A"], cwd=self.top, check=True)
        self.assertProblem("stage03-copy/main.c:5: region 'greet' is not used by any chapter "
                           "(it changed since stage02-demo/main.c")
        self.write("stage03-copy/Makefile", "BASE   := stage01-demo\n")
        subprocess.run(["git", "add", "-A"], cwd=self.top, check=True)
        self.assertEqual(self.run_book()[1], "")  # unchanged from its base, stage01

    def test_regions_wait_for_their_chapter(self):
        self.write("stage03-later/x.c", "/* book:begin x */\nint x;\n/* book:end x */\n")
        subprocess.run(["git", "add", "-A"], cwd=self.top, check=True)
        self.assertEqual(self.run_book()[1], "")
        self.write("book/03-later.md", "# Later\n")
        self.assertProblem("stage03-later/x.c:1: region 'x' is not used by any chapter")

    def test_deleted_end_marker(self):
        self.edit("stage01-demo/main.c", "/* book:end greet */\n", "")
        self.assertProblem("stage01-demo/main.c:5: 'book:begin greet' has no matching "
                           "'book:end greet'")

    def test_duplicate_marker(self):
        self.edit("guest-asm/01-demo/hello.asm", "\thlt\n", "; book:begin hello\n\thlt\n")
        self.assertProblem("guest-asm/01-demo/hello.asm:6: region 'hello' begins again "
                           "(first at line 2)")

    def test_marker_outside_a_comment(self):
        self.edit("stage01-demo/main.c", "/* book:end greet */", "book:end greet")
        self.assertProblem("stage01-demo/main.c:11: marker not understood")

    def test_hand_copied_listing(self):
        self.edit("book/01-demo.md", "# Demo chapter\n", "# Demo chapter\n\n```c\n"
                  "int main(int argc, char **argv)\n{\n"
                  "        greet(argc > 1 ? argv[1] : \"world\");\n\treturn 0;\n}\n```\n")
        self.assertProblem("book/01-demo.md:4: lines 4-7 look like a hand copy of "
                           "stage01-demo/main.c lines 13-16; mark it in stage01-demo/main.c")

    def test_hand_copy_inside_a_region_names_it(self):
        self.edit("book/01-demo.md", "greet(\"you\");\nreturn 0;\n",
                  "\tmov dx, 0xe9\n\tmov al, 'A'\n\tout dx, al\n")
        self.assertProblem("<!-- listing: guest-asm/01-demo/hello.asm#hello -->")

    def test_output_mismatch(self):
        self.edit("book/01-demo.md", "hello from the demo", "hello from a demo")
        _, errors = self.run_book()
        self.assertIn("book/01-demo.md:16: the commands' output differs from the chapter", errors)
        self.assertIn("-hello from a demo\n+hello from the demo", errors)

    def test_mask_is_needed_for_changing_output(self):
        self.edit("book/01-demo.md", "took {...} ms", "took 12 ms")
        self.assertProblem("-took 12 ms\n+took ")

    def test_a_mask_is_shown_as_a_marked_gap(self):
        self.edit("book/01-demo.md", "<!-- diff:", "Each `{...}` varies.\n\n<!-- diff:")
        pages, errors = self.run_book()
        self.assertEqual(errors, "")
        chapter = "\n".join(pages["book/01-demo.md"])
        varies = '<span class="varies" title="differs from run to run and from machine to ' \
                 'machine">\u2026</span>'
        self.assertIn('```{=html}\n<pre class="console"><code>$ sh stage01-demo/hello.sh\n'
                      f'hello from the demo\ntook {varies} ms</code></pre>\n```', chapter)
        self.assertIn(f"Each {varies} varies.", chapter)
        self.assertNotIn("{...}", chapter)

    def add_emulated_runs(self):
        """Tools that record, batch and replay, and a chapter whose blocks use them."""
        self.write("tools/emulated-run", FAKE_EMULATED_RUN)
        self.write("tools/deps", FAKE_DEPS)
        for tool in ("tools/emulated-run", "tools/deps"):
            os.chmod(os.path.join(self.top, tool), 0o755)
        self.write("book/03-emulated.md", EMULATED_CHAPTER)
        self.write(".current-stage", "stage01-demo\n")

    def boots(self):
        path = os.path.join(self.top, "batches")
        return len(open(path).read().split()) if os.path.exists(path) else 0

    def test_emulated_runs_are_batched_in_one_boot_and_replayed(self):
        self.add_emulated_runs()
        self.assertEqual(self.run_book()[1], "")
        self.assertEqual(self.boots(), 1)
        with open(os.path.join(self.top, ".current-stage")) as f:
            self.assertEqual(f.read(), "stage01-demo\n")  # the reader's stage, kept

    def test_a_book_without_emulated_runs_boots_nothing(self):
        self.add_emulated_runs()
        os.remove(os.path.join(self.top, "book/03-emulated.md"))
        self.assertEqual(self.run_book()[1], "")
        self.assertEqual(self.boots(), 0)

    def test_a_replayed_output_is_compared_like_any_other(self):
        self.add_emulated_runs()
        self.edit("book/03-emulated.md", "emulated: two", "emulated: 2")
        _, errors = self.run_book()
        self.assertIn("book/03-emulated.md:18: the commands' output differs", errors)
        self.assertIn("-emulated: 2\n+emulated: two", errors)

    def test_a_failed_batch_fails_the_blocks_that_needed_it(self):
        self.add_emulated_runs()
        self.write("batch-fails", "")
        _, errors = self.run_book()
        self.assertIn("book/03-emulated.md:5: run: the batched emulated runs failed:\n"
                      "the emulated host failed", errors)
        self.assertIn("book/03-emulated.md:18: run: the batched emulated runs failed", errors)
        self.assertNotIn("03-emulated.md:12", errors)

    def test_without_emulated_hosts_their_blocks_are_skipped_and_the_rest_checked(self):
        self.add_emulated_runs()
        self.write("no-qemu", "")
        self.edit("book/03-emulated.md", "here\n```", "there\n```")
        book = bookpp.Book(self.top)
        book.process()
        book.run_all()
        errors = "\n".join(book.errors)
        self.assertIn("book/03-emulated.md:12: the commands' output differs", errors)
        self.assertNotIn("03-emulated.md:5", errors)  # skipped, said on stderr
        self.assertEqual(self.boots(), 0)

    def test_without_emulated_hosts_a_skip_fails_under_ci(self):
        self.add_emulated_runs()
        self.write("no-qemu", "")
        book = bookpp.Book(self.top)
        book.process()
        book.run_all(ci=True)
        self.assertIn("book/03-emulated.md:5: run: needs an emulated host, and missing: "
                      "qemu-system-x86 (CI=true: no skip)", "\n".join(book.errors))

    def test_diff_of_a_file_not_in_the_diff(self):
        self.edit("book/01-demo.md", "stage02-demo/main.c", "stage02-demo/run.c")
        self.assertProblem("book/01-demo.md:21: diff: diffs/stage02-demo.diff does not change "
                           "run.c (it changes: main.c, vmm.h)")

    def test_a_dropped_file_ends_the_diff_section_before_it(self):
        lines = ["--- stage01-x/a.c", "+++ stage02-y/a.c", "@@ -1 +1 @@", "-x", "+y",
                 "Only in stage01-x: b.c (3 lines; stage02-y does not carry it)",
                 "--- stage01-x/c.c", "+++ stage02-y/c.c", "@@ -1 +1 @@", "-p", "+q"]
        sections = bookpp.diff_sections(lines)
        self.assertEqual(sorted(sections), ["a.c", "c.c"])
        self.assertNotIn("Only in", "\n".join(sections["a.c"]))

    def test_diagram_numbers_come_from_the_code(self):
        book = bookpp.Book(self.top)
        book.process()
        self.assertIn('label="at 0x7c00"', book.diagram_source("map"))
        self.edit("book/diagrams/map.dot", "STACK_TOP", "STACK_BOTTOM")
        self.assertProblem("book/diagrams/map.dot:1: {{stage01-demo/main.c:STACK_BOTTOM}}: "
                           "no #define/equ STACK_BOTTOM")

    def test_an_image_must_be_in_book(self):
        self.edit("book/01-demo.md", "figures/rounds.svg", "figures/round.svg")
        self.assertProblem("book/01-demo.md:25: image: no book/figures/round.svg")
        self.edit("book/01-demo.md", "figures/round.svg", "../stage01-demo/main.c")
        self.assertProblem("book/01-demo.md:25: image: ../stage01-demo/main.c is outside book/")

    def test_typo_in_a_directive(self):
        self.edit("book/01-demo.md", "<!-- listing: guest", "<!-- lisitng: guest")
        self.assertProblem("book/01-demo.md:5: unknown directive 'lisitng': did you mean "
                           "'listing'?")

    def test_chapter_references_become_links(self):
        self.write("book/02-more.md", "# More\n\nAs chapter 1 showed, and chapters 1 and 3 "
                   "will; chapter 2 is this one, `chapter 1` is code. Chapter 4 is planned.\n")
        self.write("book/planned.txt", "04 Later\n")
        pages, errors = self.run_book()
        self.assertEqual("", errors)
        text = "\n".join(pages["book/02-more.md"])
        self.assertIn("As [chapter 1](01-demo.html) showed, and chapters [1](01-demo.html) and 3 "
                      "will; chapter 2 is this one, `chapter 1` is code. [Chapter 4]{.unwritten "
                      'title="not written yet"} is planned.', text)

    def test_a_stage_may_have_a_second_chapter(self):
        self.write("book/01b-again.md", "# 1b. Again\n\nChapter 1 began it, chapter 1b is this "
                   "one; chapters 1 and 2 follow [the first](01-demo.md).\n")
        self.write("book/02-more.md", "# More\n\nAfter chapter 1b, and chapters 1 and 1b.\n")
        book = bookpp.Book(self.top)
        self.assertEqual(["book/01-demo.md", "book/01b-again.md", "book/02-more.md"],
                         book.chapters())
        pages = book.process()
        self.assertEqual("", "\n".join(book.errors))
        self.assertIn("[Chapter 1](01-demo.html) began it, chapter 1b is this one; chapters "
                      "[1](01-demo.html) and [2](02-more.html) follow [the first](01-demo.html).",
                      pages["book/01b-again.md"])
        self.assertIn("After [chapter 1b](01b-again.html), and chapters [1](01-demo.html) and "
                      "[1b](01b-again.html).", pages["book/02-more.md"])

    def test_first_use_of_a_glossary_term_links_to_it(self):
        self.write("book/99-glossary.md", "# Glossary\n\n## vCPU\n<!-- terms: vCPU, virtual "
                   "CPU -->\n\nA virtual CPU.\n\n## Port I/O\n<!-- terms: port I/O -->\n\nin, "
                   "out.\n")
        self.write("book/02-more.md", "# More\n\nA `vCPU` in code is not a use. Each virtual\n"
                   "CPU, then each vCPU again; [port I/O](01-demo.md) is a link already,\n"
                   "```\nport I/O\n```\nand port I/O here.\n")
        pages, errors = self.run_book()
        self.assertEqual("", errors)
        self.assertEqual(pages["book/02-more.md"][2:7], [
            "A `vCPU` in code is not a use. Each [virtual",
            "CPU](99-glossary.html#vcpu){.term}, then each vCPU again; [port I/O](01-demo.html) is "
            "a link already,", "```", "port I/O", "```"])
        self.assertEqual(pages["book/02-more.md"][7],
                         "and [port I/O](99-glossary.html#port-io){.term} here.")
        self.assertNotIn("glossary.html", "\n".join(pages["book/99-glossary.md"]))

    def test_a_repeated_heading_is_numbered_as_pandoc_does(self):
        self.write("book/99-glossary.md", "# Glossary\n\n## virtio\n\n### virtio\n"
                   "<!-- terms: virtio -->\n")
        self.write("book/02-more.md", "# More\n\nA virtio disk.\n")
        pages, errors = self.run_book()
        self.assertEqual("", errors)
        self.assertIn("A [virtio](99-glossary.html#virtio-1){.term} disk.", pages["book/02-more.md"])

    def test_terms_need_a_heading(self):
        self.write("book/99-glossary.md", "<!-- terms: vCPU -->\n")
        self.assertProblem("book/99-glossary.md:1: terms: put it under a heading")

    @unittest.skipUnless(shutil.which("pandoc") and shutil.which("dot"), "needs pandoc, dot")
    def test_html_reading_aids(self):
        for name in ("book.css", "template.html", "search.js"):
            shutil.copy(os.path.join(os.path.dirname(bookpp.__file__), "..", name),
                        os.path.join(self.top, "book"))
        self.write("book/planned.txt", "03 Not yet\n02 Written already\n")
        self.write("book/02-more.md", "# More\n\n" + "".join(
            f"## Part {n}\n\nText {n}, about unicorns.\n\n" for n in range(1, 6)))
        book = bookpp.Book(self.top)
        pages = book.process()
        out = os.path.join(self.top, "build", "book")
        bookpp.build_html(book, pages, out)
        with open(os.path.join(out, "index.html")) as f:
            index = " ".join(f.read().split())
        self.assertIn('<span class="unwritten">3. Not yet</span> <em>(not written yet)</em>', index)
        self.assertNotIn("Written already", index)
        with open(os.path.join(out, "02-more.html")) as f:
            page = f.read()
        self.assertIn('<h1 class="title">More</h1>', page)
        self.assertIn('<a href="#part-5"', page.split("<main>")[1].split("</nav>")[0])
        self.assertEqual(2, page.count('<a class="prev" href="01-demo.html">'))
        with open(os.path.join(out, "01-demo.html")) as f:
            self.assertNotIn('class="toc"', f.read())
        with open(os.path.join(out, "search-index.js")) as f:
            self.assertIn('{"p":"02-more.html","t":"More","a":"part-3","h":"Part 3",'
                          '"x":"Text 3, about unicorns."}', f.read())
        self.assertTrue(os.path.exists(os.path.join(out, "search.js")))

    @unittest.skipUnless(shutil.which("pandoc") and shutil.which("dot"), "needs pandoc, dot")
    def test_html(self):
        for name in ("book.css", "template.html"):
            shutil.copy(os.path.join(os.path.dirname(bookpp.__file__), "..", name),
                        os.path.join(self.top, "book"))
        book = bookpp.Book(self.top)
        pages = book.process()
        out = os.path.join(self.top, "build", "book")
        bookpp.build_html(book, pages, out)
        with open(os.path.join(out, "01-demo.html")) as f:
            page = f.read()
        self.assertIn('href="02-more.html">More →', page)
        self.assertIn('class="sourceCode c"', page)
        self.assertIn('<img src="diagrams/map.svg"', page)
        self.assertIn('took <span class="varies" title="differs from run to run', page)
        self.assertTrue(os.path.exists(os.path.join(out, "diagrams", "map.svg")))
        self.assertIn('<img src="figures/rounds.svg"', page)
        self.assertTrue(os.path.exists(os.path.join(out, "figures", "rounds.svg")))
        with open(os.path.join(out, "index.html")) as f:
            self.assertIn('<a href="01-demo.html">Demo chapter</a>', f.read())


if __name__ == "__main__":
    unittest.main()
