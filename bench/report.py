#!/usr/bin/env python3
"""bench/report.py: the table of `make bench`, from what the bench programs printed.

Every figure is a ratio: this VMM against its reference, both measured in the same
run, in the same place, round by round. The table gives each ratio's median over the
rounds and its spread (min..max), the medians of both sides, the goal issue 17 set,
and whether the median meets it. It is printed, written as Markdown (results.md),
and drawn (results.svg: each round a dot, on a log scale). Nothing is asserted.

    report.py --out DIR --where-kvm TEXT --where-blk TEXT
              [--startup FILE] [--exits FILE] [--smp FILE] [--blk FILE] [--boot FILE]
              [--also FILE] [--loadavg FILE] [--qemu-note TEXT]

--startup: bench/startup's lines; --exits: bench/exits's; --smp: bench/smp's; --blk: bench/blk's
(stage06's virtio-blk); --boot: bench/startup --until's (stage09's Linux boot against QEMU),
after a line "# where: TEXT". A file that is missing gives rows that say so; a --boot file
without a round is an error (check-bench relies on it).
"""
import argparse
import math
import os
import re
import statistics
import sys
import textwrap

BARE = "bare"
QEMU = "qemu"


class Row:
    """One line of the table: a figure, the VMM, its reference, the ratio per round."""

    def __init__(self, figure, vmm, reference, ratios=(), vmm_value="", ref_value="",
                 goal="", met="", note="", spread_label="min..max", label=None):
        self.figure, self.vmm, self.reference = figure, vmm, reference
        self.label = label  # the figure in a few words, for the plot (else short())
        self.ratios = list(ratios)
        self.vmm_value, self.ref_value = vmm_value, ref_value
        self.goal, self.met, self.note = goal, met, note
        self.spread_label = spread_label
        self.spread = (min(self.ratios), max(self.ratios)) if self.ratios else None

    def ratio_text(self):
        if not self.ratios:
            return self.note or "not measured"
        low, high = self.spread
        return "%sx (%s..%s)" % (fmt_ratio(median(self.ratios)), fmt_ratio(low),
                                 fmt_ratio(high))


def median(values):
    return statistics.median(values)


def fmt_ratio(r):
    return "%.3f" % r if r < 10 else "%.1f" % r


def fmt_ms(seconds):
    return "%.2f ms" % (seconds * 1e3) if seconds < 1 else "%.3f s" % seconds


def fmt_kib(kib):
    return "%d KiB" % kib if abs(kib) < 10240 else "%.1f MiB" % (kib / 1024)


def goal_met(value, spread, goal_max=None, goal_min=None):
    """yes or no for the median; "?" when the rounds fall on both sides of the goal."""
    def meets(v):
        return v <= goal_max if goal_max is not None else v >= goal_min
    if meets(spread[0]) != meets(spread[1]):
        return ("yes" if meets(value) else "no") + " (spread spans it)"
    return "yes" if meets(value) else "no"


# ---- bench/startup ----------------------------------------------------------------

def read_startup(path):
    """(times, memory): times[(vmm, round)] and times[(ref + "@" + vmm, round)] are the
    timed run of vmm and the reference's run paired with it (the bare VMM's, or with
    --until the first VMM's), {measure: value}; memory[(vmm, round)] is {peak_kib,
    guest_kib, memory_kib}."""
    times, memory = {}, {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) < 3 or words[0] not in ("time", "memory"):
                continue
            measures = dict(zip(words[3::2], (float(w) for w in words[4::2])))
            if words[0] == "memory":
                measures["memory_kib"] = measures["peak_kib"] - measures["guest_kib"]
            (times if words[0] == "time" else memory)[(words[2], int(words[1]))] = measures
    return times, memory


def vmms_of(times):
    seen = []
    for vmm, _ in times:
        if "@" not in vmm and vmm not in seen:
            seen.append(vmm)
    return seen


# What each start-up figure is, and its goals against the bare VMM and against QEMU.
STARTUP_FIGURES = [
    ("first_exit", "start-up: exec to the guest's first exit", fmt_ms, 1.2, 0.05),
    ("exit", "start-up: exec to exit (tiny guest)", fmt_ms, 1.2, 0.05),
    ("cpu", "CPU time, exec to exit (user + system)", fmt_ms, 1.2, None),
    ("memory_kib", "memory: peak RSS minus guest RAM touched", fmt_kib, None, None),
]
MEMORY_GOAL_KIB = 1024  # at most 1 MiB over the bare VMM


def pairs(table, vmm, ref):
    """Per round, (vmm's value, ref's value), ref's taken in the same round: for the
    reference startup pairs runs with, its run paired with vmm's."""
    ref_key = ref + "@" + vmm if (ref + "@" + vmm, 1) in table else ref
    rounds = sorted(r for (v, r) in table if v == vmm and (ref_key, r) in table)
    return [(table[(vmm, r)], table[(ref_key, r)]) for r in rounds]


def startup_rows(times, memory, qemu_note):
    rows = []
    vmms = [v for v in vmms_of(times) if v not in (BARE, QEMU)]
    has_qemu = QEMU in vmms_of(times)
    for key, figure, fmt, goal_bare, goal_qemu in STARTUP_FIGURES:
        table = memory if key == "memory_kib" else times
        for vmm in vmms + ([QEMU] if has_qemu else []):
            for ref in (BARE, QEMU):
                if ref == vmm or (ref == QEMU and (vmm == QEMU or not has_qemu)):
                    continue
                both = [(mine[key], theirs[key]) for mine, theirs in pairs(table, vmm, ref)]
                if not both:
                    continue
                ratios = [m / t for m, t in both if t > 0]
                mine = median(m for m, _ in both)
                theirs = median(t for _, t in both)
                goal = met = ""
                spread = (min(ratios), max(ratios))
                if vmm == QEMU:
                    goal = "(for scale)"
                elif key == "memory_kib" and ref == BARE:
                    over = [m - t for m, t in both]
                    goal = "<= +1 MiB over bare (+%s)" % fmt_kib(median(over))
                    met = goal_met(median(over), (min(over), max(over)),
                                   goal_max=MEMORY_GOAL_KIB)
                elif ref == BARE and goal_bare is not None:
                    goal = "<= %gx" % goal_bare
                    met = goal_met(median(ratios), spread, goal_max=goal_bare)
                elif ref == QEMU and goal_qemu is not None:
                    goal = "<= %gx" % goal_qemu
                    met = goal_met(median(ratios), spread, goal_max=goal_qemu)
                rows.append(Row(figure, vmm, "bare VMM" if ref == BARE else "QEMU", ratios,
                                fmt(mine), fmt(theirs), goal, met))
        if not has_qemu and vmms:
            rows.append(Row(figure, "every stage", "QEMU", note=qemu_note))
    return rows


# ---- bench/exits and blk -------------------------------------------------------

EXITS_LINE = re.compile(r"^round \d+: .*VMM loop (\d+) exits/s.*bare loop (\d+) exits/s.*"
                        r"ratio ([0-9.]+)")


def exits_rows(path, stage):
    figure = "port-I/O exits per second"
    rounds = []
    if path and os.path.exists(path):
        with open(path) as f:
            rounds = [EXITS_LINE.match(line) for line in f]
        rounds = [m for m in rounds if m]
    if not rounds:
        return [Row(figure, stage, "bare KVM_RUN loop", note="not measured")]
    ratios = [float(m.group(3)) for m in rounds]
    return [Row(figure, stage, "bare KVM_RUN loop", ratios,
                "%.0f/s" % median(float(m.group(1)) for m in rounds),
                "%.0f/s" % median(float(m.group(2)) for m in rounds),
                ">= 0.97x", goal_met(median(ratios), (min(ratios), max(ratios)), goal_min=0.97))]


SMP_LINE = re.compile(r"^vcpus (\d+) round \d+: .*VMM loops (\d+) exits/s.*bare loops (\d+) "
                      r"exits/s.*ratio ([0-9.]+)")
SMP_HOST_CPUS = re.compile(r"^host CPUs: (\d+)")
SMP_STAGE = "stage07-smp"


def smp_rows(path):
    """One row per vCPU count; the host's CPU count (bench/smp says it) goes in the
    reference's name: on fewer CPUs than vCPUs the threads took turns."""
    figure = "port-I/O exits per second, %s at once"
    by_n, host_cpus = {}, None
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                m = SMP_LINE.match(line)
                if m:
                    by_n.setdefault(int(m.group(1)), []).append(m)
                m = SMP_HOST_CPUS.match(line)
                if m:
                    host_cpus = int(m.group(1))
    if not by_n:
        return [Row(figure % "1/2/4 vCPUs", SMP_STAGE, "bare KVM_RUN loops on threads",
                    note="not measured", goal=">= 0.95x")]
    rows = []
    for n, rounds in sorted(by_n.items()):
        ratios = [float(m.group(4)) for m in rounds]
        reference = "%d bare KVM_RUN loop%s, a thread each" % (n, plural(n))
        if host_cpus is not None:
            reference += ", %d host CPU%s" % (host_cpus, plural(host_cpus))
        rows.append(Row(figure % ("%d vCPU%s" % (n, plural(n))), SMP_STAGE, reference, ratios,
                        "%.0f/s" % median(float(m.group(2)) for m in rounds),
                        "%.0f/s" % median(float(m.group(3)) for m in rounds),
                        ">= 0.95x",
                        goal_met(median(ratios), (min(ratios), max(ratios)), goal_min=0.95)))
    return rows


def plural(n):
    return "s" if n != 1 else ""


BLK_LINE = re.compile(r"^(read|write) +(\d+) KiB +(\d+) +(\d+) +([0-9.]+) +([0-9.]+)\.\.([0-9.]+)")


def blk_rows(path):
    figure = "virtio-blk request path"
    rows = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                m = BLK_LINE.match(line)
                if not m:
                    continue
                op, kib = m.group(1), int(m.group(2))
                row = Row("%s, %s %d KiB" % (figure, op, kib), "stage06-virtio (model)",
                          "p%s loop" % ("read" if op == "read" else "write"),
                          vmm_value="%s MiB/s" % m.group(3),
                          ref_value="%s MiB/s" % m.group(4),
                          goal=">= 0.9x" if kib == 64 else "",
                          spread_label="p10..p90 of samples")
                row.ratios = [float(m.group(5))]  # blk gives a median and its spread
                row.spread = (float(m.group(6)), float(m.group(7)))
                row.single_median = True
                if kib == 64:
                    row.met = goal_met(row.ratios[0], row.spread, goal_min=0.9)
                rows.append(row)
    return rows or [Row(figure, "stage06-virtio (model)", "pread/pwrite loop",
                        note="not measured")]


# ---- bench/startup --until: stage09's Linux boot ------------------------------------

# What each boot figure is, its label on the plot, and its goal against QEMU (issue 17).
BOOT_FIGURES = [
    ("until", "Linux boot to userspace: exec to /init's first line", "Linux boot to userspace",
     1.0),
    ("exit", "Linux boot: exec to exit, /init's power-off", "Linux boot to exit", None),
    ("cpu", "Linux boot: CPU time, exec to exit (user + system)", "Linux boot CPU time", None),
    ("memory_kib", "Linux boot: peak RSS minus guest RAM touched", "Linux boot memory", None),
]
WHERE_LINE = re.compile(r"^# where: (.*)")


def boot_rows(path):
    """The Linux boot's rows, and the sentence saying where it ran (the file's own)."""
    figure = BOOT_FIGURES[0][1]
    if not path or not os.path.exists(path):
        return [Row(figure, "stage09-linux", "QEMU, same kernel and initrd", note="not measured",
                    goal="< 1x")], None
    with open(path) as f:
        where = [m.group(1) for m in map(WHERE_LINE.match, f) if m]
    times, memory = read_startup(path)
    refs = {v.split("@")[0] for v, _ in times if "@" in v}
    if len(refs) != 1:
        sys.exit("report: %s: no boot rounds (a line 'time ROUND REF@VMM ...')" % path)
    ref = refs.pop()
    rounds = len({r for _, r in times})
    rows = []
    for key, figure, label, goal_max in BOOT_FIGURES:
        table = memory if key == "memory_kib" else times
        fmt = fmt_kib if key == "memory_kib" else fmt_ms
        for vmm in vmms_of(times):
            if vmm == ref:
                continue
            both = [(mine[key], theirs[key]) for mine, theirs in pairs(table, vmm, ref)]
            ratios = [m / t for m, t in both if t > 0]
            if not ratios:
                continue
            goal = met = ""
            if goal_max is not None:
                goal = "< %gx" % goal_max
                met = goal_met(median(ratios), (min(ratios), max(ratios)), goal_max=goal_max)
            rows.append(Row(figure, vmm, "QEMU" if ref == QEMU else ref, ratios,
                            fmt(median(m for m, _ in both)), fmt(median(t for _, t in both)),
                            goal, met, label=label))
    sentence = "Linux boot (bench/startup --until, %d rounds): %s." % (
        rounds, where[0] if where else "where not said")
    return rows, sentence


# ---- Output -------------------------------------------------------------------------

HEADER = ["figure", "this VMM", "reference", "ratio: median (spread)", "this VMM",
          "reference", "goal", "met"]


def cells(row):
    return [row.figure, row.vmm, row.reference, row.ratio_text(), row.vmm_value,
            row.ref_value, row.goal, row.met]


def markdown(rows, where_lines):
    out = ["# make bench: what each stage costs", ""]
    out += where_lines + [""]
    out.append("| " + " | ".join(HEADER) + " |")
    out.append("|" + "---|" * len(HEADER))
    for row in rows:
        out.append("| " + " | ".join(c.replace("|", "/") for c in cells(row)) + " |")
    return "\n".join(out) + "\n"


def text_table(rows):
    table = [HEADER] + [cells(r) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    lines = []
    for n, line in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def svg_plot(rows, title):
    """Each row with rounds: a line of dots (one per round), the median a bar, log x."""
    plotted = [r for r in rows if r.ratios and not getattr(r, "single_median", False)]
    plotted += [r for r in rows if getattr(r, "single_median", False)]
    label_w, plot_w, row_h = 430, 470, 18
    # The title says where the figures were measured, which can be long: it wraps.
    title_lines = textwrap.wrap(title, 120)
    top = 48 + 16 * (len(title_lines) - 1)
    lo, hi = 0.005, 50.0
    height = top + row_h * len(plotted) + 40

    def x_of(ratio):
        ratio = min(max(ratio, lo), hi)
        return label_w + plot_w * (math.log10(ratio) - math.log10(lo)) / (
            math.log10(hi) - math.log10(lo))

    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (label_w + plot_w + 20, height),
           '<rect width="100%" height="100%" fill="white"/>',
           *('<text x="10" y="%d" font-size="13">%s</text>' % (18 + 16 * i, esc(line))
             for i, line in enumerate(title_lines)),
           '<text x="10" y="%d" fill="#555">each dot one round (virtio-blk: its median '
           'and p10..p90); bar: the median; ratio = this VMM / reference, log scale'
           '</text>' % (top - 14)]
    for tick in (0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10):
        x = x_of(tick)
        svg.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>' % (
            x, top - 6, x, top + row_h * len(plotted), "#888" if tick == 1 else "#ddd"))
        svg.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%gx</text>' % (
            x, top + row_h * len(plotted) + 14, tick))
    for i, row in enumerate(plotted):
        y = top + row_h * i + row_h / 2
        label = "%s: %s / %s" % (row.label or short(row.figure), row.vmm, row.reference)
        svg.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (
            label_w - 8, y + 4, esc(label)))
        if getattr(row, "single_median", False):
            svg.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#c60" '
                       'stroke-width="2"/>' % (x_of(row.spread[0]), y, x_of(row.spread[1]), y))
        else:
            for r in row.ratios:
                svg.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="#36c" '
                           'fill-opacity="0.6"/>' % (x_of(r), y))
        xm = x_of(median(row.ratios))
        svg.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black" '
                   'stroke-width="2"/>' % (xm, y - 6, xm, y + 6))
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def short(figure):
    """The figure's name in a few words, for the plot's labels."""
    if figure.startswith("start-up: "):
        return figure[len("start-up: "):]
    if figure.startswith("virtio-blk"):
        return "virtio-blk " + figure.split(", ")[-1]
    if figure.endswith(" at once"):
        return "exits/s, " + figure.split(", ")[-1][:-len(" at once")]
    return figure.split(":")[0]


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--where-kvm", required=True)
    p.add_argument("--where-blk", required=True)
    p.add_argument("--qemu-note", default="not measured")
    p.add_argument("--startup")
    p.add_argument("--exits")
    p.add_argument("--exits-stage", default="stage05-serial")
    p.add_argument("--smp")
    p.add_argument("--blk")
    p.add_argument("--boot")
    p.add_argument("--also", help="another program's output, shown below the table")
    p.add_argument("--loadavg", help="/proc/loadavg as it was when the bench started")
    args = p.parse_args()

    rows = []
    times, memory = ({}, {})
    if args.startup and os.path.exists(args.startup):
        times, memory = read_startup(args.startup)
    rounds = len({r for _, r in times})
    if times:
        rows += startup_rows(times, memory, args.qemu_note)
    else:
        rows.append(Row("start-up, CPU time, memory", "every stage", "bare VMM, QEMU",
                        note="not measured"))
    rows += exits_rows(args.exits, args.exits_stage)
    rows += smp_rows(args.smp)
    rows += blk_rows(args.blk)
    more, boot_where = boot_rows(args.boot)
    rows += more

    where = [
        "Where: start-up, CPU time, memory and exits: %s. virtio-blk: %s." % (
            args.where_kvm, args.where_blk),
        "Each ratio is this VMM / its reference, both measured in the same run, taking "
        "turns, in the same place; median over %d rounds (start-up, memory) or 3 "
        "(exits, vCPUs at once), spread min..max; virtio-blk: bench/blk's median and p10..p90 of its "
        "samples. For times and memory lower is better, for rates higher. A goal is met "
        "or not by the median; \"spread spans it\" where rounds fell on both sides." % rounds,
        "The tiny guest (bench/guests/tiny.asm) is the same file for every VMM; the bare "
        "VMM is bench/bare.c. Memory is the peak RSS (wait4) minus the guest RAM the "
        "VMM or KVM touched (its resident pages); for QEMU, its RAM's and its 64 KiB "
        "BIOS ROM (the guest image).",
    ]
    smp_measured = [r for r in rows if r.vmm == SMP_STAGE and r.ratios]
    if smp_measured:
        where.append(
            "vCPUs at once (bench/smp): N threads, one per vCPU, each reading a port that "
            "stage07 answers without a lock, all in stage07's run loop or all in a bare "
            "KVM_RUN loop at the same time; the rate is all N's exits over the wall time. "
            "With fewer host CPUs than vCPUs the threads take turns on them, in both loops.")
        if "emulated" in args.where_kvm:
            where.append(
                "In the emulated host, its CPUs are qemu's TCG threads on this machine's "
                "cores, shared with whatever else runs here: these are TCG's figures, not "
                "hardware's, for parallelism most of all; the ratio, both loops measured "
                "alike, is what they are good for.")
    if boot_where:
        where.append(boot_where)
    if args.loadavg and os.path.exists(args.loadavg):
        with open(args.loadavg) as f:
            load = f.read().split()
        where.append("This machine's load average when the bench started: %s (1 min), "
                     "%s (5 min), on %d CPUs: other programs' work slows both sides of a "
                     "ratio, not always alike, and widens its spread." % (
                         load[0], load[1], os.cpu_count()))
    if args.qemu_note and QEMU in vmms_of(times):
        where.append("QEMU: " + args.qemu_note + ".")
    os.makedirs(args.out, exist_ok=True)
    also = ""
    if args.also and os.path.exists(args.also):
        with open(args.also) as f:
            also = "\nAlso measured, without a ratio to a reference (%s):\n\n```\n%s```\n" % (
                os.path.basename(args.also), f.read())
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(markdown(rows, where) + also)
    with open(os.path.join(args.out, "results.svg"), "w") as f:
        f.write(svg_plot(rows, "make bench: %s" % args.where_kvm))
    sys.stdout.write("\n".join(where) + "\n\n" + text_table(rows))
    print("\n(also in %s/results.md; the rounds plotted in %s/results.svg)" % (
        args.out, args.out))


if __name__ == "__main__":
    main()
