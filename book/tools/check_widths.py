#!/usr/bin/python3
"""check_widths: does every code block of the built book fit its box at a given width?

    check_widths.py [BOOKDIR] [--width 1280] [--screenshots DIR]

Opens each page of BOOKDIR (default build/book) in headless Chromium at that window
width and reports every <pre> whose scrollWidth exceeds its clientWidth (a line cut at
the right edge, left to a scroll bar), and every <pre> that reaches past the window.
Exit status 1 when any does. With --screenshots, also saves a full-page PNG of each.
Needs chromium (apt-get install chromium); no network, nothing else.
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Run in the page once it has loaded: the measurements go into the DOM, which
# --dump-dom prints.
PROBE = """
<script>
window.addEventListener("load", () => {
	const out = [];
	document.querySelectorAll("pre").forEach((pre, k) => {
		const box = pre.getBoundingClientRect();
		if (pre.scrollWidth > pre.clientWidth || box.right > window.innerWidth || box.left < 0)
			out.push({k, scroll: pre.scrollWidth, client: pre.clientWidth,
			          left: Math.round(box.left), right: Math.round(box.right),
			          first: pre.textContent.split("\\n").sort((a, b) => b.length - a.length)[0]});
	});
	const doc = document.documentElement;
	const result = {pres: document.querySelectorAll("pre").length, over: out,
	                page: doc.scrollWidth > doc.clientWidth};
	const node = document.createElement("template");
	node.id = "width-probe";
	node.setAttribute("data-result", JSON.stringify(result));
	document.body.appendChild(node);
});
</script>
"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    sys.exit("check_widths: no chromium: apt-get install chromium")


def run(browser, args):
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True, timeout=120).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("book", nargs="?", default="build/book")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--screenshots", help="a directory for one PNG per page")
    options = parser.parse_args()
    browser = chromium()
    pages = sorted(glob.glob(os.path.join(options.book, "*.html")))
    if not pages:
        sys.exit(f"check_widths: no pages in {options.book}: make book first")
    problems = 0
    with tempfile.TemporaryDirectory(prefix="check-widths-") as copy:
        shutil.copytree(options.book, copy, dirs_exist_ok=True)
        for page in pages:
            name = os.path.basename(page)
            probed = os.path.join(copy, name)
            with open(probed, encoding="utf-8") as f:
                text = f.read()
            with open(probed, "w", encoding="utf-8") as f:
                f.write(text.replace("</body>", PROBE + "</body>"))
            dom = run(browser, [f"--window-size={options.width},900", "--dump-dom",
                                "file://" + probed])
            m = re.search(r'id="width-probe" data-result="([^"]*)"', dom)
            if not m:
                print(f"{name}: no result from chromium")
                problems += 1
                continue
            result = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&")
                                .replace("&lt;", "<").replace("&gt;", ">"))
            for over in result["over"]:
                problems += 1
                print(f"{name}: pre #{over['k']}: scrollWidth {over['scroll']} > clientWidth "
                      f"{over['client']} (box {over['left']}..{over['right']}): "
                      f"{over['first'][:80]!r}")
            if result["page"]:
                problems += 1
                print(f"{name}: the page itself scrolls sideways")
            print(f"{name}: {result['pres']} code blocks, {len(result['over'])} too wide")
            if options.screenshots:
                os.makedirs(options.screenshots, exist_ok=True)
                shot = os.path.abspath(os.path.join(options.screenshots, name[:-5] + ".png"))
                # tall enough for the longest chapter; chromium cuts nothing shorter
                run(browser, [f"--window-size={options.width},16000", f"--screenshot={shot}",
                              "file://" + os.path.join(copy, name)])
    print(f"check_widths: {problems} problem(s) at {options.width} px")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
