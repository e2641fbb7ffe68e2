#!/usr/bin/python3
"""check_links: does every link of the built book lead somewhere?

    check_links.py [BOOKDIR]

Reads each page of BOOKDIR (default build/book) and every entry of its search index
(search-index.js), and fails (exit status 1), naming page and link, when a link inside
the book names a file that is not there, or an anchor (#name) that its page lacks.
Links that leave the book (http:, https:, mailto:) are not followed. Python's library
only: `make -C book` runs it after each build.
"""

import glob
import html.parser
import json
import os
import re
import sys
import urllib.parse


class Page(html.parser.HTMLParser):
    """A page's anchors (id and name) and its links (href and src)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.anchors.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) is not None:
                self.links.append((tag, attrs[key], self.getpos()[0]))


def main():
    book = sys.argv[1] if len(sys.argv) > 1 else "build/book"
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(book, "*.html")))
    if not names:
        sys.exit(f"check_links: no pages in {book}: make book first")
    pages = {}
    for name in names:
        page = Page()
        with open(os.path.join(book, name), encoding="utf-8") as f:
            page.feed(f.read())
        pages[name] = page
    links = [(f"{name}:{line}", target) for name, page in pages.items()
             for tag, target, line in page.links]
    index = os.path.join(book, "search-index.js")
    if os.path.exists(index):
        with open(index, encoding="utf-8") as f:
            entries = json.loads(re.search(r"=\s*(\[.*\])\s*;?\s*$", f.read(), re.S).group(1))
        links += [(f"search-index.js: {e['h']!r}", e["p"] + ("#" + e["a"] if e["a"] else ""))
                  for e in entries]
    problems = 0
    for where, target in links:
        parts = urllib.parse.urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # leaves the book (http:, mailto:, data:)
        page = where.split(":")[0] if not where.startswith("search-index.js") else "index.html"
        path = urllib.parse.unquote(parts.path)
        file = os.path.normpath(os.path.join(book, path)) if path else os.path.join(book, page)
        if not os.path.realpath(file).startswith(os.path.realpath(book) + os.sep):
            print(f"{where}: {target}: leaves the book")
            problems += 1
        elif not os.path.isfile(file):
            print(f"{where}: {target}: no such file")
            problems += 1
        elif parts.fragment and file.endswith(".html"):
            anchors = pages[os.path.relpath(file, book)].anchors if os.path.relpath(
                file, book) in pages else set()
            if urllib.parse.unquote(parts.fragment) not in anchors:
                print(f"{where}: {target}: no anchor #{parts.fragment} there")
                problems += 1
    print(f"check_links: {len(links)} links in {len(pages)} pages and the search index, "
          f"{problems} broken")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
