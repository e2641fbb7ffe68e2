// The book's search box: looks through window.BOOK_INDEX (search-index.js, written by
// book/tools/bookpp.py when the book is built) in the reader's browser. No server, no
// network: it works from file:// as well. A section matches when it holds every word
// typed (as the start of a word); those whose heading holds them come first.
(function () {
	"use strict";
	const box = document.getElementById("search");
	const list = document.getElementById("search-results");
	const index = window.BOOK_INDEX;
	if (!box || !list || !index) return;
	const LIMIT = 12;
	const lower = index.map((e) => ({ h: e.h.toLowerCase(), x: e.x.toLowerCase() }));

	function escapeRegExp(s) {
		return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
	}

	// A few words of the section around the first hit, the hit in bold.
	function snippet(text, word) {
		const at = text.toLowerCase().search(new RegExp("(^|\\W)" + escapeRegExp(word)));
		const start = Math.max(0, at - 60);
		const piece = (start > 0 ? "…" : "") + text.slice(start, start + 160) + "…";
		const span = document.createElement("span");
		const hit = new RegExp("(" + escapeRegExp(word) + ")", "i");
		piece.split(hit).forEach((part, k) => {
			const node = k % 2 ? document.createElement("b") : document.createTextNode(part);
			if (k % 2) node.textContent = part;
			span.appendChild(node);
		});
		return span;
	}

	function search(query) {
		const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 1);
		if (!words.length) return [];
		const starts = words.map((w) => new RegExp("(^|[^a-z0-9_])" + escapeRegExp(w)));
		const found = [];
		index.forEach((entry, k) => {
			const text = lower[k].h + " " + lower[k].x;
			if (!starts.every((re) => re.test(text))) return;
			const inHeading = starts.filter((re) => re.test(lower[k].h)).length;
			found.push({ entry, score: inHeading * 1000 - k, word: words[0] });
		});
		return found.sort((a, b) => b.score - a.score).slice(0, LIMIT);
	}

	function show() {
		const hits = search(box.value);
		list.replaceChildren();
		list.hidden = box.value.trim().length < 2;
		if (!hits.length && !list.hidden) {
			const none = document.createElement("li");
			none.textContent = "Nothing found.";
			list.appendChild(none);
		}
		hits.forEach(({ entry, word }) => {
			const item = document.createElement("li");
			const link = document.createElement("a");
			link.href = entry.p + (entry.a ? "#" + entry.a : "");
			link.textContent = entry.h === entry.t ? entry.t : entry.t + " › " + entry.h;
			item.appendChild(link);
			item.appendChild(snippet(entry.x, word));
			list.appendChild(item);
		});
	}

	box.addEventListener("input", show);
	box.addEventListener("keydown", (event) => {
		const first = list.querySelector("a");
		if (event.key === "Enter" && first) window.location.href = first.href;
		if (event.key === "Escape") {
			box.value = "";
			show();
		}
	});
	document.addEventListener("click", (event) => {
		if (!event.target.closest("form.search")) list.hidden = true;
	});
	box.addEventListener("focus", show);
})();
