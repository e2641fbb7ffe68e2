#!/usr/bin/python3
"""bookpp: turns book/NN-*.md into an HTML book, and checks the book against the code.

    bookpp.py check [--top DIR]        the drift checks, and every <!-- run --> block
    bookpp.py html OUTDIR [--top DIR]  the drift checks, then the HTML (pandoc, dot)

The directives a chapter may use, and the marker syntax, are in book/README.md.
Every problem is reported as "path:line: message"; any problem means exit status 1.
"""

import argparse
import concurrent.futures
import difflib
import functools
import html
import html.parser as htmlparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

# Regions in tracked files under these paths must be used by some chapter.
MARKED_PREFIXES = ("stage", "guest-asm/")

# A fenced block in a chapter is a hand copy when this many consecutive
# non-trivial lines of it are consecutive non-trivial lines of a tracked file.
COPY_MIN_LINES = 3

LANGUAGES = {".c": "c", ".h": "c", ".asm": "nasm", ".inc": "nasm", ".S": "gnuassembler",
             ".s": "gnuassembler", ".sh": "bash", ".mk": "makefile", ".dot": "dot",
             ".diff": "diff", ".py": "python", "Makefile": "makefile"}

DIRECTIVE = re.compile(r"^<!--\s*(listing|diff|diagram|run|terms)\b:?\s*(.*?)\s*-->\s*$")
LOOKS_LIKE_DIRECTIVE = re.compile(r"^<!--\s*([A-Za-z]+)\b.*-->\s*$")
KNOWN = ["listing", "diff", "diagram", "run", "terms"]
MARKER = re.compile(r"book:(begin|end)\b")
GOOD_MARKER = re.compile(r"(/\*|//|;|#|@|--)\s*book:(begin|end)\s+([A-Za-z0-9_.-]+)\s*(\*/)?\s*$")
# A Markdown image, ![alt](path "title"): its path.
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*([^)\s]+)")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*(.*)$")
MASK = "{...}"
# How a mask looks in the HTML: a marked gap, not the checker's syntax. It keeps the
# mask's five columns, so that columns of output stay aligned; book.css draws it.
VARIES_NOTE = "differs from run to run and from machine to machine"
VARIES = f'<span class="varies" title="{VARIES_NOTE}">\u2026</span>'
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# What prose linking leaves alone: code spans, links and bracketed spans, HTML tags.
PROTECTED = re.compile(r"(`+)[\s\S]*?\1|!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"
                       r"(?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])?|<[^<>\n]+>")
# "chapter 2", "Chapter 5", "chapters 3 and 4", "chapters 2, 5 and 6"; "chapter 5b", the
# second chapter of stage 5 (book/05b-*.md)
CHAPTER_REF = re.compile(r"\b([Cc]hapters?)(\s+)(\d{1,2}[a-z]?)\b((?:(?:\s*,\s*|\s+and\s+|"
                         r"\s+or\s+)\d{1,2}[a-z]?\b)*)")
# A chapter's file name: its number, a letter for a stage's second chapter, a name.
CHAPTER_FILE = re.compile(r"^(\d\d)([a-z]?)-.*\.md$")
# A chapter with this many sections or more gets its contents at the top.
TOC_MIN_SECTIONS = 5
PARAM = re.compile(r"\{\{([^:{}]+):([A-Za-z_][A-Za-z0-9_]*)\}\}")


class Book:
    """Everything known about the tree and the chapters, and the problems found."""

    def __init__(self, top):
        self.top = os.path.abspath(top)
        self.errors = []
        self.used = set()  # (path, region) pairs that chapters include
        self.diffed = set()  # diffs chapters include: "stageNN-name" or "stageNN-name/file"
        self.diagrams = {}  # diagram name -> (chapter, line) of its first use
        self.images = set()  # files under book/ that chapters show as images: copied to the HTML
        self.runs = []  # (chapter, line, lines of the expected transcript)
        self.waiting = set()  # directories whose chapter is not written yet
        self.glossary = {}  # anchor -> (glossary chapter, its terms), from <!-- terms: -->
        self._markers = {}
        self._copy_index = None
        self.tracked = tracked_files(self.top)

    def error(self, where, line, message):
        self.errors.append(f"{where}:{line}: {message}")

    def lines(self, path):
        with open(os.path.join(self.top, path), encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()

    def exists(self, path):
        return os.path.isfile(os.path.join(self.top, path))

    def chapters(self):
        """book/NN-name.md, in order."""
        names = sorted(n for n in os.listdir(os.path.join(self.top, "book"))
                       if CHAPTER_FILE.match(n))
        return ["book/" + n for n in names]

    # ---- markers and regions -------------------------------------------------

    def regions(self, path):
        """{name: (begin line, end line)} of the file's regions; marker lines, 1-based."""
        if path in self._markers:
            return self._markers[path]
        regions, open_at = {}, {}
        for number, line in enumerate(self.lines(path), 1):
            if not MARKER.search(line):
                continue
            m = GOOD_MARKER.search(line)
            if not m:
                self.error(path, number, "marker not understood: write 'book:begin NAME' or "
                           "'book:end NAME' alone in a comment")
                continue
            kind, name = m.group(2), m.group(3)
            if kind == "begin":
                if name in open_at or name in regions:
                    first = open_at.get(name) or regions[name][0]
                    self.error(path, number, f"region '{name}' begins again "
                               f"(first at line {first})")
                else:
                    open_at[name] = number
            elif name in open_at:
                regions[name] = (open_at.pop(name), number)
            else:
                self.error(path, number, f"'book:end {name}' has no 'book:begin {name}' before it")
        for name, number in open_at.items():
            self.error(path, number, f"'book:begin {name}' has no matching 'book:end {name}'")
        self._markers[path] = regions
        return regions

    def check_unused_regions(self):
        """Every region must be in some chapter, with these exceptions: a directory whose
        chapter is not written yet; a region carried unchanged from the stage before (its
        Makefile's BASE: the earlier chapter showed it); one changed since, when a chapter shows the file's diff."""
        self.waiting, chapters = set(), self.chapters()
        for path in self.tracked:
            if not path.startswith(MARKED_PREFIXES) or not is_text(os.path.join(self.top, path)):
                continue
            number = re.match(r"^(?:stage|guest-asm/)(\d\d)-", path)
            if number and not any(c.startswith(f"book/{number.group(1)}-") for c in chapters):
                self.waiting.add(path.split("/")[0 if path.startswith("stage") else 1])
                continue
            earlier = self.previous_copy(path)
            for name, (begin, _) in sorted(self.regions(path).items(), key=lambda r: r[1]):
                if (path, name) in self.used:
                    continue
                if earlier and self.region_body(earlier, name) == self.region_body(path, name):
                    continue
                changed = earlier and name in self.regions(earlier)
                if changed and {path.split("/")[0], path} & self.diffed:
                    continue
                why = f" (it changed since {earlier}: show it or the file's diff)" * bool(changed)
                self.error(path, begin, f"region '{name}' is not used by any chapter{why}: add "
                           f"<!-- listing: {path}#{name} --> to one, or remove its markers")

    def previous_copy(self, path):
        """The same file in the stage (or guest directory) before this one, if any: the
        stage its Makefile names as its BASE (stage09 is a copy of stage07, not of
        stage08), else the one numbered before it."""
        parts = path.split("/")
        at = 0 if path.startswith("stage") else 1
        parent = os.path.join(self.top, *parts[:at])
        siblings = sorted(d for d in os.listdir(parent) if re.match(r"^(stage)?\d\d-", d))
        k = siblings.index(parts[at]) if parts[at] in siblings else 0
        base = self.base_of(parts[0]) if at == 0 else None
        if base is None and k == 0:
            return None
        earlier = "/".join(parts[:at] + [base or siblings[k - 1]] + parts[at + 1:])
        return earlier if self.exists(earlier) else None

    def base_of(self, stage):
        """The stage that stage's Makefile says it is a copy of ('BASE := stageNN-x'), or None."""
        makefile = os.path.join(self.top, stage, "Makefile")
        if not os.path.isfile(makefile):
            return None
        with open(makefile) as f:
            m = re.search(r"^BASE\s*:?=\s*(stage\d\d-\S+)\s*$", f.read(), re.M)
        return m.group(1) if m and os.path.isdir(os.path.join(self.top, m.group(1))) else None

    def region_body(self, path, name):
        """The lines of a region (None when there is no such region); no marker lines."""
        if name not in self.regions(path):
            return None
        begin, end = self.regions(path)[name]
        return [l for l in self.lines(path)[begin:end - 1] if not MARKER.search(l)]

    # ---- hand copies ---------------------------------------------------------

    def copy_index(self):
        """Every run of COPY_MIN_LINES non-trivial lines in tracked files -> where it is."""
        if self._copy_index is None:
            self._copy_index = {}
            for path in self.tracked:
                full = os.path.join(self.top, path)
                if path.startswith("book/") or path.endswith(".md") or not is_text(full):
                    continue
                code = [(normal(l), n) for n, l in enumerate(self.lines(path), 1)
                        if not MARKER.search(l) and not trivial(l)]
                for i in range(len(code) - COPY_MIN_LINES + 1):
                    key = tuple(c[0] for c in code[i:i + COPY_MIN_LINES])
                    self._copy_index.setdefault(key, (path, code, i))
        return self._copy_index

    def check_hand_copy(self, chapter, first_line, block, language):
        """Fails a chapter's own code block that repeats source code from the tree."""
        if language == "diff":
            block = [l[1:] for l in block]
        code = [(normal(l), first_line + n) for n, l in enumerate(block) if not trivial(l)]
        index, i = self.copy_index(), 0
        while i <= len(code) - COPY_MIN_LINES:
            hit = index.get(tuple(c[0] for c in code[i:i + COPY_MIN_LINES]))
            if not hit:
                i += 1
                continue
            path, source, j = hit
            n = COPY_MIN_LINES  # extend the match as far as it goes
            while i + n < len(code) and j + n < len(source) and code[i + n][0] == source[j + n][0]:
                n += 1
            lo, hi = source[j][1], source[j + n - 1][1]
            around = [r for r, (b, e) in self.regions(path).items() if b < lo and hi < e]
            hint = f"mark it in {path} with book:begin/book:end, include it by name"
            if around:
                hint = f"include the region by name instead: <!-- listing: {path}#{around[0]} -->"
            self.error(chapter, code[i][1], f"lines {code[i][1]}-{code[i + n - 1][1]} look like "
                       f"a hand copy of {path} lines {lo}-{hi}; {hint}")
            i += n

    # ---- directives ----------------------------------------------------------

    def listing(self, chapter, number, arg):
        path, _, name = arg.partition("#")
        if not self.exists(path):
            return self.error(chapter, number, f"listing: no file {path}")
        lines = self.lines(path)
        if not name:  # the whole file, markers left out
            first, last = 1, len(lines)
            self.used.update((path, r) for r in self.regions(path))
        elif name not in self.regions(path):
            known = ", ".join(sorted(self.regions(path))) or "none"
            return self.error(chapter, number, f"listing: {path} has no region '{name}' "
                              f"(regions there: {known})")
        else:
            begin, end = self.regions(path)[name]
            first, last = begin + 1, end - 1
            self.used.add((path, name))
        body = [l for l in lines[first - 1:last] if not MARKER.search(l)]
        body = textwrap.dedent("\n".join(body)).split("\n")
        where = f"lines {first}–{last}" if name else "whole file"
        return code_block(body, language_of(path), f"[`{path}`]{{.path}} [{where}]{{.where}}")

    def diff(self, chapter, number, arg):
        stage, _, file = arg.partition("/")
        path = f"diffs/{stage}.diff"
        if not self.exists(path):
            return self.error(chapter, number, f"diff: no {path} (run 'make diffs' at the top)")
        text = self.lines(path)
        self.diffed.add(arg)
        if file:
            sections = diff_sections(text)
            if file not in sections:
                known = ", ".join(sorted(sections)) or "none"
                return self.error(chapter, number, f"diff: {path} does not change {file} "
                                  f"(it changes: {known})")
            text = sections[file]
        caption = f"[`{path}`]{{.path}}" + (f" [`{file}` only]{{.where}}" if file else "")
        return code_block(text, "diff", caption)

    def diagram(self, chapter, number, arg):
        name, _, caption = arg.partition(" ")
        if not self.exists(f"book/diagrams/{name}.dot"):
            return self.error(chapter, number, f"diagram: no book/diagrams/{name}.dot")
        self.diagrams.setdefault(name, (chapter, number))
        first = (self.lines(f"book/diagrams/{name}.dot") or [""])[0]
        if not caption.strip():  # the caption is the source's first line, when a comment
            caption = first[2:].strip() if first.startswith("//") else name
        caption, svg = html.escape(caption), f"diagrams/{name}.svg"
        return ["", f'<figure><a href="{svg}"><img src="{svg}" alt="{caption}"></a>',
                f"<figcaption>{caption}</figcaption></figure>", ""]

    def diagram_source(self, name):
        """The diagram's dot text, {{path:NAME}} replaced by NAME's #define/equ in path."""
        chapter, number = self.diagrams[name]
        source = f"book/diagrams/{name}.dot"

        def value(m):
            path, macro = m.group(1).strip(), m.group(2)
            found = self.exists(path) and define_value(self.lines(path), macro)
            if not found:
                self.error(source, 1, f"{{{{{path}:{macro}}}}}: no #define/equ {macro} in {path}"
                           f" (diagram used at {chapter}:{number})")
            return found or "?"

        return PARAM.sub(value, "\n".join(self.lines(source)) + "\n")

    # ---- one chapter -----------------------------------------------------------

    def expand(self, chapter):
        """The chapter as pandoc Markdown, with every directive replaced by its content."""
        lines, out, i = self.link_prose(chapter, self.lines(chapter)), [], 0
        while i < len(lines):
            line, number = lines[i], i + 1
            fence = FENCE.match(line)
            if fence:  # a code block written in the chapter itself
                end = fence_end(lines, i)
                language = fence.group(2).strip(" {}.").split(" ")[0]
                self.check_hand_copy(chapter, number + 1, lines[i + 1:end], language)
                out += lines[i:end + 1]
                i = end + 1
                continue
            d = DIRECTIVE.match(line)
            if d and d.group(1) == "run":
                i = self.run_block(chapter, lines, i, out)
                continue
            if d:
                out += getattr(self, d.group(1))(chapter, number, d.group(2)) or []
            else:
                word = LOOKS_LIKE_DIRECTIVE.match(line)
                meant = word and difflib.get_close_matches(word.group(1).lower(), KNOWN, 1, 0.7)
                if meant:
                    self.error(chapter, number, f"unknown directive '{word.group(1)}': "
                               f"did you mean '{meant[0]}'?")
                self.check_images(chapter, number, line)
                line = re.sub(r"\]\((\d\d[a-z]?-[^)#\s]*)\.md\b", r"](\1.html", line)
                out.append(line.replace("`" + MASK + "`", VARIES))  # prose naming the mask
            i += 1
        return out

    def check_images(self, chapter, number, line):
        """A Markdown image with a path relative to book/ must be there; the HTML gets a copy."""
        for path in IMAGE.findall(line):
            if re.match(r"^[a-z]+:|^/", path):
                continue  # a URL or an absolute path: not the book's to check
            if ".." in path.split("/"):
                self.error(chapter, number, f"image: {path} is outside book/")
            elif not self.exists(f"book/{path}"):
                self.error(chapter, number, f"image: no book/{path}")
            else:
                self.images.add(path)

    def terms(self, chapter, number, arg):
        """<!-- terms: A, B --> under a glossary heading: shows nothing (see scan_terms)."""
        return []

    # ---- reading aids: links to chapters and to the glossary -------------------

    def chapter_numbered(self, number):
        """book/NN-name.md for chapter number ("5", or "5b" for book/05b-name.md), or None
        when it is not written yet."""
        digits, letter = re.match(r"^(\d+)([a-z]?)$", str(number)).groups()
        prefix = f"book/{int(digits):02d}{letter}-"
        return next((c for c in self.chapters() if c.startswith(prefix)), None)

    def scan_terms(self):
        """The glossary: each <!-- terms: ... --> names the words that the heading above it
        explains; a chapter's first use of one of them links to that heading."""
        self.glossary = {}
        for chapter in self.chapters():
            anchor, lines, taken = None, self.lines(chapter), set()
            for number, line in enumerate(lines, 1):
                heading = HEADING.match(line)
                if heading:  # pandoc numbers a repeated id: virtio, virtio-1, ...
                    anchor = base = pandoc_id(heading.group(2))
                    for k in range(1, len(lines)):
                        if anchor not in taken:
                            break
                        anchor = f"{base}-{k}"
                    taken.add(anchor)
                d = DIRECTIVE.match(line)
                if not d or d.group(1) != "terms":
                    continue
                words = [w.strip() for w in d.group(2).split(",") if w.strip()]
                if not anchor or not words:
                    self.error(chapter, number, "terms: put it under a heading, with the words "
                               "that heading explains: <!-- terms: VMM, virtual machine monitor -->")
                elif anchor in self.glossary:
                    self.error(chapter, number, f"terms: a second list for heading #{anchor}")
                else:
                    self.glossary[anchor] = (chapter, words)

    def link_prose(self, chapter, lines):
        """The chapter's lines with "chapter N" linked to chapter N, and the first use of
        each glossary term linked to its entry. Only prose: no code, heading, directive,
        code span or existing link is touched, and no line is added or removed."""
        out, paragraph, i = list(lines), [], 0
        unlinked = {a: words for a, (c, words) in self.glossary.items() if c != chapter}

        def flush():
            if paragraph:
                text = "\n".join(out[k] for k in paragraph)
                text = self.link_paragraph(chapter, text, unlinked)
                for k, line in zip(paragraph, text.split("\n")):
                    out[k] = line
                paragraph.clear()

        while i < len(lines):
            line = lines[i]
            if FENCE.match(line):
                flush()
                i = fence_end(lines, i) + 1
                continue
            if not line.strip() or HEADING.match(line) or line.lstrip().startswith("<"):
                flush()
            else:
                paragraph.append(i)
            i += 1
        flush()
        return out

    def link_paragraph(self, chapter, text, unlinked):
        pieces, at = [], 0
        for m in PROTECTED.finditer(text):
            pieces += [(text[at:m.start()], False), (m.group(0), True)]
            at = m.end()
        pieces.append((text[at:], False))
        here = chapter_id(chapter)
        glossary_page = {a: os.path.basename(c)[:-3] + ".html"
                         for a, (c, _) in self.glossary.items()}

        def chapter_link(m):
            numbers = [m.group(3)] + re.findall(r"\d+[a-z]?", m.group(4))
            pages = {n: self.chapter_numbered(n) for n in numbers}
            if all(n == here for n in numbers):
                return m.group(0)

            def link(words, n):
                page = pages[n]
                if not page and n.zfill(2) in planned_chapters(self):
                    return f'[{words}]{{.unwritten title="not written yet"}}'
                if not page or n == here:
                    return words
                return f"[{words}]({os.path.basename(page)[:-3]}.html)"

            if len(numbers) == 1:
                return link(m.group(0), numbers[0])
            rest = re.sub(r"\d+[a-z]?", lambda k: link(k.group(0), k.group(0)), m.group(4))
            return m.group(1) + m.group(2) + link(m.group(3), m.group(3)) + rest

        done = []
        for piece, protected in pieces:
            if protected:
                done.append(piece)
                continue
            piece = CHAPTER_REF.sub(chapter_link, piece)
            # chapter links are protected from term links in turn
            parts = re.split(r"(\[[^\]]*\]\([^)]*\))", piece)
            for k in range(0, len(parts), 2):
                parts[k] = link_terms(parts[k], unlinked, glossary_page)
            done.append("".join(parts))
        return "".join(done)

    def run_block(self, chapter, lines, i, out):
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        fence = FENCE.match(lines[j]) if j < len(lines) else None
        if not fence:
            self.error(chapter, i + 1, "run: a ```console block must follow")
            return i + 1
        end = fence_end(lines, j)
        block = lines[j + 1:end]
        if not block or not block[0].startswith("$ "):
            self.error(chapter, j + 2, "run: the block must start with a '$ command' line")
        else:
            self.runs.append((chapter, j + 2, block))
        out += console_block(block)
        return end + 1

    def run_all(self, ci=False):
        """Runs every <!-- run --> block's commands and compares the transcripts.

        ./run goes where KVM is: this machine's /dev/kvm, or an emulated host (without
        one, for stage08 off arm64, and with EMULATED=1; see tools/emulated-run). So
        that the emulated runs cost one boot per host for the whole book, not one per
        command, the blocks run twice: first recording each emulated run
        (EMULATED_RUN_RECORD), then, after one batched boot per host (tools/emulated-run
        --batch), replaying their outputs (EMULATED_RUN_REPLAY) in the second pass,
        whose transcripts count. A book with no emulated run is done after the first.
        Only where the emulated hosts cannot run (qemu missing) are the blocks that
        need them skipped, said by name; under CI=true that is a failure."""
        if not self.runs:
            return
        # The blocks type `make stageNN` as a reader would, which changes the stage that
        # ./run runs: each pass starts from the reader's choice, put back at the end.
        current = os.path.join(self.top, ".current-stage")
        saved = open(current).read() if os.path.exists(current) else None
        records = tempfile.mkdtemp(prefix="bookpp-runs-")
        try:
            first = self.run_pass({"EMULATED_RUN_RECORD": records}, records)
            emulated = [k for k, (_, ran) in enumerate(first) if ran]
            if not emulated:
                return self.compare_runs(first)
            why_not = self.emulated_hosts_missing()
            if why_not:
                return self.skip_emulated(first, emulated, why_not, ci)
            batch = subprocess.run([os.path.join(self.top, "tools", "emulated-run"), "--batch",
                                    records], cwd=self.top, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
            if batch.returncode:
                for chapter, number, _ in (self.runs[k] for k in emulated):
                    self.error(chapter, number, "run: the batched emulated runs failed:\n"
                               + batch.stdout.rstrip())
                return
            print(batch.stdout.rstrip(), file=sys.stderr)
            put_back(current, saved)
            self.compare_runs(self.run_pass({"EMULATED_RUN_REPLAY": records}, records))
        finally:
            put_back(current, saved)
            shutil.rmtree(records, ignore_errors=True)

    def run_pass(self, env, records):
        """Each block's transcript, and whether it recorded (or replayed) an emulated run."""
        results = []
        for _, _, block in self.runs:
            before = recorded_runs(records)
            transcript = run_transcript(self.top, commands_of(block), env)
            results.append((transcript, recorded_runs(records) != before))
        return results

    def compare_runs(self, results):
        for (chapter, number, block), (actual, _) in zip(self.runs, results):
            self.compare_run(chapter, number, block, actual)

    def emulated_hosts_missing(self):
        """Why the emulated hosts cannot run here (tools/deps check hosts), or None."""
        deps = os.path.join(self.top, "tools", "deps")
        check = subprocess.run([deps, "check", "hosts"], cwd=self.top, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        if check.returncode == 0:
            return None
        return check.stdout.strip() or "tools/deps check hosts failed"

    def skip_emulated(self, results, emulated, why_not, ci):
        """Compares the blocks that ran here; skips, or under CI fails, the others."""
        for k, (chapter, number, block) in enumerate(self.runs):
            if k not in emulated:
                self.compare_run(chapter, number, block, results[k][0])
            elif ci:
                self.error(chapter, number, f"run: needs an emulated host, and {why_not} "
                           "(CI=true: no skip)")
            else:
                print(f"{chapter}:{number}: run block skipped: it needs an emulated host, and "
                      f"{why_not}", file=sys.stderr)

    def compare_run(self, chapter, number, block, actual):
        expected = normal_transcript(block)
        masked = mask(expected, actual)
        if masked != expected:
            diff = "\n".join(difflib.unified_diff(
                expected, masked, f"{chapter}:{number} (in the chapter)", "a fresh run",
                lineterm=""))
            self.error(chapter, number, "the commands' output differs from the chapter:\n"
                       + diff)

    # ---- everything ------------------------------------------------------------

    def process(self):
        """Expands every chapter (reporting its problems) and checks what is left unused."""
        self.scan_terms()
        pages = {c: self.expand(c) for c in self.chapters()}
        self.check_unused_regions()
        self.check_unused_diagrams()
        for name in self.diagrams:
            self.diagram_source(name)
        return pages

    def check_unused_diagrams(self):
        """A diagram no chapter shows is a picture nobody checks: its values may drift."""
        for path in self.tracked:
            m = re.match(r"^book/diagrams/([^/]+)\.dot$", path)
            if m and m.group(1) not in self.diagrams:
                self.error(path, 1, f"diagram '{m.group(1)}' is not used by any chapter: add "
                           f"<!-- diagram: {m.group(1)} --> to one, or remove the file")


# ---- helpers -------------------------------------------------------------------

def tracked_files(top):
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=top, check=True,
                             capture_output=True).stdout.decode()
        return sorted(p for p in out.split("\0") if p and os.path.isfile(os.path.join(top, p)))
    except (OSError, subprocess.CalledProcessError):
        found = []
        for root, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in (".git", "build", "diffs")]
            found += [os.path.relpath(os.path.join(root, f), top) for f in files]
        return sorted(found)


def pandoc_id(heading):
    """The id pandoc gives a heading (its auto_identifiers rule, for plain text)."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\s.-]", "", text.lower())
    text = re.sub(r"\s+", "-", text.strip())
    return re.sub(r"^[^a-z]*", "", text) or "section"


@functools.lru_cache(maxsize=None)
def term_pattern(word):
    """A glossary word in prose: its words across any white space, a plural 's' allowed;
    case matters when the word has a capital (VMM, vCPU) or is an identifier (kvm_run,
    not KVM_RUN), not otherwise."""
    body = r"\s+".join(re.escape(w) for w in word.split())
    flags = 0 if re.search(r"[A-Z_]", word) else re.IGNORECASE
    return re.compile(r"(?<![\w/.-])" + body + r"(?:s|es)?(?![\w/-])", flags)


def link_terms(text, unlinked, glossary_page):
    """Links the first use in text of each term in unlinked, and forgets it there."""
    while unlinked:
        first = None
        for anchor, words in unlinked.items():
            for word in words:
                m = term_pattern(word).search(text)
                if m and (first is None or m.start() < first[1].start()
                          or (m.start() == first[1].start() and m.end() > first[1].end())):
                    first = (anchor, m)
        if first is None:
            return text
        anchor, m = first
        del unlinked[anchor]
        link = f"[{m.group(0)}]({glossary_page[anchor]}#{anchor}){{.term}}"
        rest = text[m.end():]
        return text[:m.start()] + link + link_terms(rest, unlinked, glossary_page)
    return text


def is_text(full):
    try:
        with open(full, "rb") as f:
            data = f.read(1 << 20)
        return b"\0" not in data and len(data) < 1 << 20
    except OSError:
        return False


def normal(line):
    return " ".join(line.split())


def trivial(line):
    """Too common to show copying: '}', 'hlt', blank lines, short words."""
    squeezed = "".join(line.split())
    return len(squeezed) < 6 or not re.search(r"[A-Za-z]", squeezed)


def language_of(path):
    name = os.path.basename(path)
    return LANGUAGES.get(name) or LANGUAGES.get(os.path.splitext(name)[1], "")


def fence_end(lines, start):
    """Index of the line closing the fence that opens at lines[start] (or the last line)."""
    opening = FENCE.match(lines[start]).group(1)
    closing = re.compile("^ {0,3}" + re.escape(opening[0]) + "{%d,}\\s*$" % len(opening))
    for k in range(start + 1, len(lines)):
        if closing.match(lines[k]):
            return k
    return len(lines) - 1


def code_block(body, language, caption):
    longest = max([len(m) for l in body for m in re.findall("`+", l)] + [2])
    fence = "`" * (longest + 1)
    block = [fence + (" {." + language + "}" if language else ""), *body, fence]
    if caption is None:
        return ["", *block, ""]
    return ["", "::: {.listing}", caption, "", *block, ":::", ""]


def console_block(body):
    """A run block: as code_block, but with each {...} shown as the VARIES marker, which
    only raw HTML can put inside a <pre> (the same <pre> pandoc makes for a console block)."""
    if not any(MASK in line for line in body):
        return code_block(body, "console", None)
    text = "\n".join(VARIES.join(html.escape(p, quote=False) for p in line.split(MASK))
                     for line in body)
    fence = code_block(body, "", None)[1]  # longer than any run of backticks in the block
    return ["", fence + "{=html}", f'<pre class="console"><code>{text}</code></pre>', fence, ""]


def diff_sections(lines):
    """{file: its lines} for a unified diff, file named relative to the stage directory."""
    sections, current = {}, None
    for k, line in enumerate(lines):
        if line.startswith("Only in "):  # tools/diffs names a dropped file in one line
            current = None
            continue
        starts = line.startswith("diff ") or (
            line.startswith("--- ") and k + 1 < len(lines) and lines[k + 1].startswith("+++ ")
            and not (k > 0 and lines[k - 1].startswith("diff ")))
        if starts:
            current = []
        if current is None:
            continue
        current.append(line)
        if line.startswith("+++ "):
            new = line[4:].split("\t")[0]
            old = lines[k - 1][4:].split("\t")[0]
            sections[stage_relative(old if new == "/dev/null" else new)] = current
    return sections


def stage_relative(path):
    parts = path.split("/")
    while len(parts) > 1 and (parts[0] in (".", "..", "a", "b") or re.match(r"stage\d", parts[0])):
        parts.pop(0)
    return "/".join(parts)


def define_value(lines, name):
    """The value of '#define NAME v', '%define NAME v' or 'NAME equ v', following other names."""
    for _ in range(8):
        definition = r"^\s*(?:[#%]\s*define\s+NAME\s+|NAME\s+equ\s+)(.+?)\s*(?:/[*/].*|;.*)?$"
        pattern = re.compile(definition.replace("NAME", re.escape(name)), re.I)
        value = next((m.group(1) for m in map(pattern.match, lines) if m), None)
        if value is None or not re.match(r"^[A-Za-z_]\w*$", value):
            return value
        name = value
    return None


def commands_of(block):
    """The '$ ' lines of a transcript (a trailing backslash joins the next line)."""
    commands, k = [], 0
    while k < len(block):
        if block[k].startswith("$ "):
            command = block[k][2:]
            while command.endswith("\\") and k + 1 < len(block):
                k += 1
                command = command[:-1] + " " + block[k].strip()
            commands.append(command)
        k += 1
    return commands


def put_back(path, saved):
    """Makes the file hold saved again, or removes it when saved is None."""
    if saved is None:
        if os.path.exists(path):
            os.remove(path)
    else:
        with open(path, "w") as f:
            f.write(saved)


def recorded_runs(records):
    """How many runs tools/emulated-run recorded or replayed so far (in DIR/N, DIR/replayed)."""
    names = os.listdir(records) if os.path.isdir(records) else []
    replayed = os.path.join(records, "replayed")
    return (sum(n.isdigit() for n in names),
            open(replayed).read() if os.path.exists(replayed) else "")


def run_transcript(top, commands, extra_env=None):
    """Runs the commands in one bash from the repo top, as a reader would type them.

    EMULATED_NOTICE=0: ./run does not say that it runs in an emulated host for want of
    KVM: the book shows what a machine with KVM prints."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
    env.update(LC_ALL="C", TERM="dumb", EMULATED_NOTICE="0", **(extra_env or {}))
    script = "exec 2>&1\n" + "".join(f"printf '\\036{n}\\036\\n'\n{c}\n"
                                      for n, c in enumerate(commands))
    try:
        output = subprocess.run(["bash", "-c", script], cwd=top, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, timeout=300).stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        output = "(bookpp: timed out after 300 s)"
    output = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", output)
    pieces = re.split(r"\x1e\d+\x1e\n", output)[1:]
    transcript = []
    for command, piece in zip(commands, pieces):
        transcript += ["$ " + command, *piece.split("\n")]
    return normal_transcript(transcript)


def normal_transcript(lines):
    """Trailing spaces and blank lines before a command or at the end do not count."""
    out = []
    for line in (l.rstrip() for l in lines):
        if line.startswith("$ "):
            while out and not out[-1]:
                out.pop()
        out.append(line)
    while out and not out[-1]:
        out.pop()
    # a command written over several lines in the chapter is one line in a fresh run
    joined = []
    for line in out:
        if joined and joined[-1].startswith("$ ") and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line.strip()
        else:
            joined.append(line)
    return joined


def mask(expected, actual):
    """The actual lines, each taken as the expected one where its {...} parts match."""
    out = list(actual)
    for k, (want, got) in enumerate(zip(expected, actual)):
        if MASK in want:
            pattern = ".*?".join(re.escape(p) for p in want.split(MASK))
            if re.fullmatch(pattern, got):
                out[k] = want
    return out


# ---- HTML ------------------------------------------------------------------------

def chapter_id(chapter):
    """"5" for book/05-name.md, "5b" for book/05b-name.md: as the prose names it."""
    digits, letter = CHAPTER_FILE.match(os.path.basename(chapter)).groups()
    return str(int(digits)) + letter


def title_of(lines, fallback):
    return next((l[2:].strip() for l in lines if l.startswith("# ")), fallback)


def without_title(lines):
    """The page's Markdown without its '# Title' line: the template shows the title, then
    the contents of a long chapter, then the text."""
    k = next((n for n, l in enumerate(lines) if l.startswith("# ")), None)
    return lines if k is None else lines[:k] + lines[k + 1:]


def sections(lines):
    """How many '## ' sections the page has (not counting those in code blocks)."""
    count, i = 0, 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            i = fence_end(lines, i)
        elif lines[i].startswith("## "):
            count += 1
        i += 1
    return count


def planned_chapters(book):
    """{number: title} of book/planned.txt ('NN Title' lines): chapters not written yet."""
    if not book.exists("book/planned.txt"):
        return {}
    planned = {}
    for line in book.lines("book/planned.txt"):
        m = re.match(r"^(\d\d)\s+(.+)$", line.strip())
        if m and not book.chapter_numbered(int(m.group(1))):
            planned[m.group(1)] = m.group(2)
    return planned


def pandoc(markdown, out, title, navigation, template, toc):
    args = ["pandoc", "--from=markdown", "--to=html5", "--standalone", "--template", template,
            "--highlight-style=kate", "--preserve-tabs", "--metadata", f"pagetitle={title}",
            "--output", out]
    if toc:
        args += ["--toc", "--toc-depth=2"]
    for key, value in navigation.items():
        args += ["--variable", f"{key}={value}"]
    subprocess.run(args, input="\n".join(markdown) + "\n", text=True, check=True)


def build_html(book, pages, outdir):
    here = os.path.join(book.top, "book")
    template = os.path.join(here, "template.html")
    os.makedirs(os.path.join(outdir, "diagrams"), exist_ok=True)
    for name in ("book.css", "search.js"):
        if os.path.exists(os.path.join(here, name)):
            shutil.copy(os.path.join(here, name), outdir)
    for path in book.images:
        os.makedirs(os.path.dirname(os.path.join(outdir, path)), exist_ok=True)
        shutil.copy(os.path.join(here, path), os.path.join(outdir, path))
    for name in book.diagrams:
        svg = os.path.join(outdir, "diagrams", name + ".svg")
        dot = subprocess.run(["dot", "-Tsvg", "-o", svg], input=book.diagram_source(name),
                             text=True, stderr=subprocess.PIPE)
        if dot.returncode:
            sys.exit(f"book/diagrams/{name}.dot:1: dot failed: {dot.stderr.strip()}")

    chapters = list(pages)
    titles = {c: title_of(pages[c], c) for c in chapters}
    page_of = {c: os.path.basename(c)[:-3] + ".html" for c in chapters}
    front = "book/index.md"
    intro = book.lines(front) if book.exists(front) else ["# The book"]
    book_title = title_of(intro, "The book")
    entries = [(os.path.basename(c).split("-")[0], f"- [{titles[c]}]({page_of[c]})")
               for c in chapters]
    entries += [(n, f"- [{n.lstrip('0')}. {t}]{{.unwritten}} *(not written yet)*")
                for n, t in planned_chapters(book).items()]
    contents = intro + ["", "## Contents", ""] + [e for _, e in sorted(entries)]

    # (markdown, page, title) in reading order: the contents, then each chapter
    order = [(contents, "index.html", "Contents")] + [(pages[c], page_of[c], titles[c])
                                                     for c in chapters]
    jobs = []
    for k, (markdown, page, title) in enumerate(order):
        navigation = {"book": book_title, "title": html.escape(book_title if k == 0 else title)}
        if k > 0:
            navigation.update({"prev-href": order[k - 1][1],
                               "prev-title": html.escape(order[k - 1][2])})
        if k + 1 < len(order):
            navigation.update({"next-href": order[k + 1][1],
                               "next-title": html.escape(order[k + 1][2])})
        page_title = book_title if k == 0 else f"{title} · {book_title}"
        toc = k > 0 and sections(markdown) >= TOC_MIN_SECTIONS
        jobs.append((without_title(markdown), os.path.join(outdir, page), page_title, navigation,
                     template, toc))
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(lambda job: pandoc(*job), jobs))
    check_glossary_anchors(book, outdir)
    write_search_index(outdir, [(page, title) for _, page, title in order])


def check_glossary_anchors(book, outdir):
    """Every glossary link must land on its heading: the id pandoc really gave it."""
    for anchor, (chapter, _) in sorted(book.glossary.items()):
        with open(os.path.join(outdir, os.path.basename(chapter)[:-3] + ".html")) as f:
            if f'id="{anchor}"' not in f.read():
                sys.exit(f"{chapter}:1: glossary: pandoc gave no heading the id '{anchor}' that "
                         "the links to it use")


class _Sections(htmlparser.HTMLParser):
    """The text of a built page's <main>, cut at its headings: [(anchor, heading, text)].
    Code blocks are left out: the index is for the prose."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self.depth, self.skip, self.heading = [["", "", []]], 0, 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.depth += 1
        elif tag in ("pre", "script", "style", "nav", "figure") and self.depth:
            self.skip += 1
        elif tag in ("h1", "h2", "h3") and self.depth:
            self.found.append([attrs.get("id", ""), "", []])
            self.heading = []

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        elif tag in ("pre", "script", "style", "nav", "figure") and self.skip:
            self.skip -= 1
        elif tag in ("h1", "h2", "h3") and self.heading is not None:
            self.found[-1][1] = " ".join("".join(self.heading).split())
            self.heading = None

    def handle_data(self, data):
        if not self.depth or self.skip:
            return
        if self.heading is not None:
            self.heading.append(data)
        else:
            self.found[-1][2].append(data)


def write_search_index(outdir, pages):
    """search-index.js: every section of every page, its heading and its prose, for
    search.js to look through in the reader's browser (no server, no network)."""
    entries = []
    for page, title in pages:
        parser = _Sections()
        with open(os.path.join(outdir, page), encoding="utf-8") as f:
            parser.feed(f.read())
        for anchor, heading, text in parser.found:
            text = " ".join("".join(text).split())
            if text or heading:
                entries.append({"p": page, "t": title, "a": anchor, "h": heading or title,
                                "x": text})
    with open(os.path.join(outdir, "search-index.js"), "w", encoding="utf-8") as f:
        f.write("// Made by book/tools/bookpp.py: the book's text, for search.js.\n")
        f.write("window.BOOK_INDEX = " + json.dumps(entries, ensure_ascii=False,
                                                    separators=(",", ":")) + ";\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["check", "html"])
    parser.add_argument("outdir", nargs="?", help="where html writes the book")
    parser.add_argument("--top", default=".", help="the repository's top directory")
    options = parser.parse_args()
    if options.command == "html":
        missing = [t for t in ("pandoc", "dot") if not shutil.which(t)]
        if missing or not options.outdir:
            sys.exit(f"bookpp: {' and '.join(missing)} not found: apt-get install pandoc graphviz"
                     if missing else "bookpp: html needs an output directory")

    book = Book(options.top)
    pages = book.process()
    if options.command == "check" and not book.errors:
        book.run_all(ci=os.environ.get("CI") == "true")
    if book.errors:
        print("\n".join(book.errors), file=sys.stderr)
        sys.exit(f"bookpp: {len(book.errors)} problem(s) in the book")
    if options.command == "html":
        build_html(book, pages, options.outdir)
        where = os.path.relpath(options.outdir, book.top)
        print(f"bookpp: {len(pages)} chapters in {where}/index.html")
    else:
        print(f"bookpp: {len(pages)} chapters, {len(book.used)} listings, "
              f"{len(book.runs)} run blocks: the book matches the code")
    if book.waiting:
        print("bookpp: regions not checked yet, no chapter for: " + ", ".join(sorted(book.waiting)))


if __name__ == "__main__":
    main()
