#!/usr/bin/env python3
"""The simulator's hiding scanners against analyze (issue 18).

`wormwatch simulate --scenario slow-scan` (one probe of 22/tcp every 1, 5
or 30 minutes for 24 hours, each to a new address) and `--scenario
v6-rotation` (300 probes a second apart, each from a new address of
2001:db8:77:1::/64, to 300 ports of one host), each over a day of
background on one /20 (`--sensors 1x/20 --background-days 1 --duration 2d`),
are read by `wormwatch analyze` with its defaults. The slow scans are
written as DShield TSV (the outcome unknown, so only the thresholds can
call: on DROP lines TRW calls them first, see "Slow scans and prefixes"),
the rotating /64 as netfilter lines. For each: whether analyze reports the
scanner the truth (scenario.json) names, with `slow` or as its /64 and
`addresses`, and the delay: the time from the scan's first probe to the
first of its probes with which analyze, given the files cut there, reports
it (a binary search over the probes). The paragraph goes to stdout and,
unless --no-doc, into docs/DETECTION.md between the `simhiding:begin/end`
markers.

usage: bench/hiding_sim.py WORMWATCH [--analyzer WORMWATCH] [--seed N] [--no-doc]
(--analyzer: another build's analyze, e.g. a branch's, beside this simulate)
"""
import argparse, glob, json, os, subprocess, sys, tempfile, textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = ["--sensors", "1x/20", "--background-days", "1", "--duration", "2d", "--quiet"]
V6 = "2001:db8:77:1::/64"


def simulate(ww, out, seed, scenario, fmt, extra=()):
    subprocess.run([ww, "simulate", "--out", out, "--seed", str(seed), "--scenario", scenario,
                    "--format", fmt, *SIM, *extra], check=True)
    return json.load(open(os.path.join(out, "scenario.json")))["scenarios"][0]


def analyze(ww, files, extra=()):
    r = subprocess.run([ww, "analyze", "--format", "json", "--no-progress", *extra, *files],
                       check=True, capture_output=True, text=True)
    return json.loads(r.stdout)["scanners"]


def found(scanners, src, slow):
    """The scanner reported as src (slow if asked), or None."""
    for s in scanners:
        if s["src"] == src and (not slow or s.get("slow")):
            return s
    return None


def cut(files, workdir, stamp):
    """The files with only the lines stamped before `stamp` (a line's text
    begins with its time, each file in time order: DShield's
    "2006-08-02 00:00:00 +00:00", netfilter's RFC 3339)."""
    out = []
    for i, f in enumerate(files):
        p = os.path.join(workdir, "cut-%d%s" % (i, os.path.splitext(f)[1]))
        with open(f) as src, open(p, "w") as dst:
            for line in src:
                if line[:19].replace("T", " ") >= stamp:
                    break
                dst.write(line)
        out.append(p)
    return out


def stamp_after(t0, seconds):
    """RFC 3339-ish text t0 + seconds + 1 s, as a line's first 19 characters
    compare (time-ordered either way)."""
    import datetime
    t = datetime.datetime.strptime(t0, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(seconds=seconds + 1)
    return t.strftime("%Y-%m-%d %H:%M:%S")


def delay(ww, files, workdir, first, gap, probes, src, slow, extra=()):
    """Seconds from the first probe to the first probe with which analyze
    calls the scan (binary search: once called, a longer cut is called too)."""
    lo, hi = 0, probes - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if found(analyze(ww, cut(files, workdir, stamp_after(first, mid * gap)), extra), src, slow):
            hi = mid
        else:
            lo = mid + 1
    return lo * gap


def hours(s):
    return "%.1f h" % (s / 3600) if s >= 3600 else "%d min" % round(s / 60) if s >= 60 else "%d s" % s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wormwatch")
    ap.add_argument("--analyzer")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-doc", action="store_true")
    a = ap.parse_args()
    sim = os.path.abspath(a.wormwatch)
    ww = os.path.abspath(a.analyzer or a.wormwatch)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in (1, 5, 30):
            d = os.path.join(tmp, "slow%d" % minutes)
            sc = simulate(sim, d, a.seed, "slow-scan", "dshield", ["--slow-interval", "%dm" % minutes])
            files = sorted(glob.glob(d + "/sensor-*.tsv"))
            for extra in ([], ["--slow-host-threshold", "40"]):
                s = found(analyze(ww, files, extra), sc["source"], True)
                if s is None and extra:
                    break
                what = "1 probe / %d min (%d probes)" % (minutes, sc["probes"])
                opts = " ".join(extra) or "defaults"
                if s is None:
                    rows.append((what, opts, "not found", "-"))
                    continue
                dl = delay(ww, files, tmp, sc["first_event"], minutes * 60, sc["probes"], sc["source"],
                           True, extra)
                rows.append((what, opts, "slow %s, %d targets, span %s" % (s["kind"], s["targets"],
                             hours(s["span"])), hours(dl)))
                break
        d = os.path.join(tmp, "v6")
        sc = simulate(sim, d, a.seed, "v6-rotation", "netfilter")
        files = sorted(glob.glob(d + "/sensor-*.log"))
        for extra in ([], ["--v6-prefix", "128"]):
            s = found(analyze(ww, files, extra), V6, False)
            opts = " ".join(extra) or "defaults"
            what = "a /64 rotating, 300 probes 1 s apart"
            if s is None:
                rows.append((what, opts, "not found (300 one-probe sources)", "-"))
                continue
            dl = delay(ww, files, tmp, sc["first_event"], 1, sc["probes"], V6, False, extra)
            rows.append((what, opts, "%s %s, %d addresses, %d probes" % (V6, s["kind"], s["addresses"],
                         s["probes"]), hours(dl)))
    head = ("The simulator's hiding scanners (`bench/hiding_sim.py build/wormwatch`, seed %d: "
            "`simulate --scenario slow-scan|v6-rotation --sensors 1x/20 --background-days 1 "
            "--duration 2d`; the slow scans as DShield lines, the /64 as netfilter lines), read "
            "by `analyze`; the delay is from the scan's first probe to the probe with which "
            "analyze, given the files cut there, reports it:" % a.seed)
    text = (textwrap.fill(head, 78, break_on_hyphens=False) + "\n\n"
            "| scenario | analyze | reported | delay |\n|---|---|---|---|\n" +
            "".join("| %s | %s | %s | %s |\n" % r for r in rows))
    sys.stdout.write(text)
    if not a.no_doc:
        path = os.path.join(ROOT, "docs", "DETECTION.md")
        doc = open(path).read()
        b, e = "<!-- simhiding:begin -->\n", "<!-- simhiding:end -->"
        i, j = doc.find(b), doc.find(e)
        if i < 0 or j < i:
            sys.exit("docs/DETECTION.md: no simhiding:begin/end markers")
        open(path, "w").write(doc[:i + len(b)] + text + doc[j:])


if __name__ == "__main__":
    main()
