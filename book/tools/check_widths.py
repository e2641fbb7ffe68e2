#!/usr/bin/python3
"""check_widths: does the built book read right in a browser at a given width?

    check_widths.py [BOOKDIR] [--width 1280] [--screenshots DIR] [--page NAME.html]...

Opens each page of BOOKDIR (default build/book) in one headless Chromium at that window
width and fails (exit status 1), naming the page and the thing, when:
- a <pre> scrolls sideways (its scrollWidth above its clientWidth: a line cut at the
  right edge) or reaches past the window, or the page itself scrolls sideways;
- a picture does not load, or is shown smaller than 85% of its own size (a diagram's
  9 pt labels become unreadable);
- in a diagram's SVG, as the browser lays it out, two labels overlap or a label leaves
  the box it is written in (graphviz measured the text with another font);
- the search box, given a word, lists no result.
Lines that wrap (the CSS lets a long code line wrap rather than be cut) are counted,
not failed. With --screenshots, saves each page as PNGs of at most 4000 px tall
(NAME-1.png, NAME-2.png, ...) and each SVG picture alone (diagrams-NAME.png) to look at.

Needs chromium (apt-get install chromium, or tools/deps install browser); no network.
Chromium is driven over --remote-debugging-pipe (the DevTools protocol, JSON on two
pipes), so one browser serves every page and Python needs nothing beyond its library.
"""

import argparse
import base64
import fcntl
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SLICE = 4000  # px: a screenshot's height, a piece one can view
MIN_SCALE = 0.85  # a picture shown smaller than this is shrunk below its labels' size
SEARCH_WORD = "vcpu"  # the search box must find it: every chapter from 1 uses it

# Run in each page once it has loaded; returns what the checks need.
PAGE_PROBE = """
(async () => {
	await document.fonts.ready;
	const out = {pres: 0, over: [], wrapped: 0, wrappedBlocks: 0, wraps: [], images: [], page: false,
	             height: document.documentElement.scrollHeight};
	document.querySelectorAll("pre").forEach((pre, k) => {
		out.pres++;
		const box = pre.getBoundingClientRect();
		const text = pre.textContent.replace(/\\n$/, "");
		if (pre.scrollWidth > pre.clientWidth || box.right > window.innerWidth || box.left < 0)
			out.over.push({k, scroll: pre.scrollWidth, client: pre.clientWidth,
			               left: Math.round(box.left), right: Math.round(box.right),
			               line: text.split("\\n").sort((a, b) => b.length - a.length)[0]});
		// Rendered lines against source lines: the difference is lines that wrapped. The
		// text's own height, not the block's: a note under it (::after) is not code.
		const range = document.createRange();
		range.selectNodeContents(pre);
		const rows = Math.round(range.getBoundingClientRect().height /
		                        parseFloat(getComputedStyle(pre).lineHeight));
		const lines = text.split("\\n").length;
		if (rows > lines) {
			out.wrapped += rows - lines;
			out.wrappedBlocks++;
			out.wraps.push(text.split("\\n").sort((a, b) => b.length - a.length)[0]);
		}
	});
	document.querySelectorAll("main img").forEach((img) => {
		out.images.push({src: img.getAttribute("src"), natural: img.naturalWidth,
		                 shown: img.getBoundingClientRect().width});
	});
	const doc = document.documentElement;
	out.page = doc.scrollWidth > doc.clientWidth;
	return out;
})()
"""

# Run in a diagram's SVG: every label's box as the browser lays it out, against the others
# and against the smallest shape that holds the label's anchor point.
SVG_PROBE = """
(() => {
	const texts = [...document.querySelectorAll("text")].filter((t) => t.textContent.trim());
	const shapes = [...document.querySelectorAll("polygon, ellipse, rect, path")]
		.filter((s) => !s.closest("g.edge") && s.closest("g.node, g.cluster"))
		.map((s) => s.getBBox());
	// A label's box, less its leading and trailing spaces: graphviz writes " (struct virtq)"
	// right after a bold run, and the space may touch the run; the letters may not.
	const boxes = texts.map((t) => {
		const b = t.getBBox(), text = t.textContent, n = text.length;
		const lead = n - text.trimStart().length, trail = n - text.trimEnd().length;
		// (a space is 0.28 em in Liberation Sans, 0.6 em in Mono; the narrower counts)
		const space = 0.28 * parseFloat(getComputedStyle(t).fontSize);
		const x0 = b.x + lead * space, x1 = b.x + b.width - trail * space;
		return {x0, y0: b.y, x1, y1: b.y + b.height,
		        ax: parseFloat(t.getAttribute("x")), ay: parseFloat(t.getAttribute("y")),
		        text: t.textContent.trim()};
	});
	const problems = [];
	const slack = 1.5;  // pt: graphviz rounds positions to whole points
	// Only glyphs count: a line box is taller than its letters, so shrink each box
	// vertically to the middle 60% (rows of a table sit close; their glyphs do not touch).
	const glyphs = boxes.map((b) => {
		const h = b.y1 - b.y0;
		return {...b, y0: b.y0 + 0.2 * h, y1: b.y1 - 0.2 * h};
	});
	for (let i = 0; i < glyphs.length; i++)
		for (let j = i + 1; j < glyphs.length; j++) {
			const a = glyphs[i], b = glyphs[j];
			if (a.x0 < b.x1 - slack && b.x0 < a.x1 - slack && a.y0 < b.y1 - slack && b.y0 < a.y1 - slack)
				problems.push(`labels overlap: "${a.text}" and "${b.text}"`);
		}
	boxes.forEach((t) => {
		const holders = shapes.filter((s) => s.x <= t.ax && t.ax <= s.x + s.width &&
		                                     s.y <= t.ay && t.ay <= s.y + s.height);
		if (!holders.length) return;  // an edge label or a free-standing title
		const s = holders.reduce((a, b) => (a.width * a.height <= b.width * b.height ? a : b));
		if (t.x0 < s.x - 1 || t.x1 > s.x + s.width + 1)
			problems.push(`label wider than its box: "${t.text}" ` +
			              `(${Math.round(t.x1 - t.x0)} px in ${Math.round(s.width)} px)`);
	});
	const box = document.documentElement.getBoundingClientRect();
	return {problems, width: Math.ceil(box.width), height: Math.ceil(box.height)};
})()
"""

# Types SEARCH_WORD into the search box, as a reader would; returns the results listed.
SEARCH_PROBE = """
(() => {
	const box = document.getElementById("search");
	if (!box) return {error: "no search box"};
	box.focus();
	box.value = "%s";
	box.dispatchEvent(new Event("input", {bubbles: true}));
	const list = document.getElementById("search-results");
	return {hidden: list.hidden, hits: [...list.querySelectorAll("a")].map((a) => a.getAttribute("href"))};
})()
""" % SEARCH_WORD


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    sys.exit("check_widths: no chromium: apt-get install chromium (or tools/deps install browser)")


class Browser:
    """One headless Chromium, spoken to in the DevTools protocol over two pipes."""

    def __init__(self, width, profile):
        # Chromium reads commands on fd 3 and answers on fd 4; keep our ends above them.
        to_r, to_w = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in os.pipe())
        from_r, from_w = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in os.pipe())

        def child_fds():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        # No network at all: without the background-networking flags Chromium opens
        # connections of its own (refused many at a time on a machine with no way out).
        self.process = subprocess.Popen(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-extensions",
             "--mute-audio", f"--user-data-dir={profile}", "--remote-debugging-pipe",
             f"--window-size={width},900", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=child_fds, close_fds=False)
        for fd in (to_r, from_w):
            os.close(fd)
        self.out, self.inp = to_w, os.fdopen(from_r, "rb", buffering=0)
        self.buffer, self.events, self.next_id = b"", [], 0
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t["targetId"] for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=900,
                  deviceScaleFactor=1, mobile=False)

    def message(self, deadline):
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer")
            chunk = self.inp.read(1 << 16)
            if not chunk:
                raise EOFError("chromium went away")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, session=False, timeout=120, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self.out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self.message(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error'].get('message')}")
                return answer["result"]
            self.events.append(answer)

    def wait_event(self, method, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            for k, event in enumerate(self.events):
                if event.get("method") == method:
                    del self.events[k]
                    return event
            self.events.append(self.message(deadline))

    def open(self, url):
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", session=True, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(f"script failed: {details.get('exception', {}).get('description') or details.get('text')}")
        return result["result"].get("value")

    def screenshot(self, path, width, top, height):
        data = self.call("Page.captureScreenshot", session=True, format="png",
                         captureBeyondViewport=True,
                         clip={"x": 0, "y": top, "width": width, "height": height, "scale": 1})
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def check_page(browser, book, name, options):
    """Returns the page's problems (each one line), after printing its summary."""
    browser.open("file://" + os.path.abspath(os.path.join(book, name)))
    result = browser.evaluate(PAGE_PROBE)
    problems = []
    for over in result["over"]:
        problems.append(f"{name}: pre #{over['k']}: scrollWidth {over['scroll']} > clientWidth "
                        f"{over['client']} (box {over['left']}..{over['right']}): "
                        f"{over['line'][:80]!r}")
    if result["page"]:
        problems.append(f"{name}: the page itself scrolls sideways")
    for image in result["images"]:
        if not image["natural"]:
            problems.append(f"{name}: picture {image['src']} does not load")
        elif image["shown"] < MIN_SCALE * image["natural"] - 1:
            problems.append(f"{name}: picture {image['src']} shown at "
                            f"{100 * image['shown'] / image['natural']:.0f}% of its size "
                            f"({image['shown']:.0f} of {image['natural']} px)")
    print(f"{name}: {result['pres']} code blocks, {len(result['over'])} too wide, "
          f"{result['wrapped']} wrapped line(s) in {result['wrappedBlocks']}; "
          f"{len(result['images'])} picture(s); {result['height']} px tall")
    for line in result["wraps"]:  # not a problem: said so that an author can shorten it
        print(f"    wraps: {line.strip()[:90]!r} ({len(line.expandtabs())} columns)")
    if options.screenshots:
        stem = os.path.join(options.screenshots, name[:-5])
        for k, top in enumerate(range(0, result["height"], SLICE), 1):
            browser.screenshot(f"{stem}-{k}.png", options.width, top,
                               min(SLICE, result["height"] - top))
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("book", nargs="?", default="build/book")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--screenshots", help="a directory for each page's PNGs")
    parser.add_argument("--page", action="append", help="only this page (NAME.html), again for more")
    options = parser.parse_args()
    pages = sorted(os.path.basename(p) for p in glob.glob(os.path.join(options.book, "*.html")))
    pages = [p for p in pages if not options.page or p in options.page]
    if not pages:
        sys.exit(f"check_widths: no pages in {options.book}: make book first")
    if options.screenshots:
        os.makedirs(options.screenshots, exist_ok=True)
        for old in glob.glob(os.path.join(options.screenshots, "*.png")):
            os.remove(old)
    pictures = sorted(glob.glob(os.path.join(options.book, "diagrams", "*.svg")) +
                      glob.glob(os.path.join(options.book, "perf", "*.svg")))
    problems = []
    with tempfile.TemporaryDirectory(prefix="check-widths-") as profile:
        browser = Browser(options.width, profile)
        try:
            for name in pages:
                problems += check_page(browser, options.book, name, options)
            for svg in pictures:
                browser.open("file://" + os.path.abspath(svg))
                where = os.path.relpath(svg, options.book)
                result = browser.evaluate(SVG_PROBE)
                problems += [f"{where}: {p}" for p in result["problems"]]
                if options.screenshots:
                    shot = os.path.join(options.screenshots, where.replace("/", "-")[:-4] + ".png")
                    browser.screenshot(shot, result["width"], 0, result["height"])
            print(f"{len(pictures)} SVG picture(s) checked for overlapping labels")
            browser.open("file://" + os.path.abspath(os.path.join(options.book, pages[0])))
            search = browser.evaluate(SEARCH_PROBE)
            if search.get("error") or search["hidden"] or not search["hits"]:
                problems.append(f"search: typing {SEARCH_WORD!r} lists nothing ({search})")
            else:
                print(f"search: {SEARCH_WORD!r} lists {len(search['hits'])}, "
                      f"first {search['hits'][0]}")
        finally:
            browser.close()
    for problem in problems:
        print(problem)
    print(f"check_widths: {len(problems)} problem(s) at {options.width} px")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
