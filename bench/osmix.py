#!/usr/bin/env python3
"""The OS mix of a simulated NetBIOS worm against its port's background.

`wormwatch simulate` writes a Code Red-like worm on 139/tcp after three days
of background (16 /20 sensors, a /16 in all, up to 5% infected) as pcap;
`wormwatch analyze --p0f-db` reads the sensors pooled and names the OS mix
of the surge's new sources (surges[].os_mix); Debian's `p0f -r` reads the
same captures for the port's background: every source that sent a SYN to
139/tcp before the worm started, by the label p0f gives its first SYN.
Beside them, the truth: the stacks scenario.json says the worm's hosts ran.
The table goes to stdout and, unless --no-doc, into docs/DETECTION.md
between the `osmix:begin/end` markers.

usage: bench/osmix.py WORMWATCH [--seed N] [--p0f-db FILE] [--no-doc] [--keep DIR]
"""
import argparse, collections, glob, json, os, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = ["--worm", "139/tcp", "--sensors", "16x/20", "--background-days", "3", "--duration", "4d",
       "--stop-infected", "0.05", "--format", "pcap", "--quiet"]


def p0f_sources(pcaps, before, workdir):
    """Each source's label (p0f's os= or app=, and how it matched) from its
    first SYN to 139/tcp before `before` (p0f's stamps, local time: TZ=UTC)."""
    first = {}
    for i, f in enumerate(pcaps):
        log = os.path.join(workdir, "p0f-%d.log" % i)
        subprocess.run(["p0f", "-r", f, "-o", log, "tcp dst port 139"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, TZ="UTC"))
        for line in open(log):
            stamp, rest = line[1:].split("] ", 1)
            kv = dict(x.split("=", 1) for x in rest.rstrip("\n").split("|"))
            if kv.get("mod") != "syn" or stamp.replace("/", "-").replace(" ", "T") + "Z" >= before:
                continue
            src = kv["cli"].rsplit("/", 1)[0]
            label = kv.get("os") or kv.get("app")
            how = "fuzzy" if "fuzzy" in kv["params"] else "generic" if "generic" in kv["params"] \
                else "none" if label == "???" else "exact"
            first.setdefault(src, (stamp, label, how))
    return {src: (label, how) for src, (_, label, how) in first.items()}


def pct(n, total):
    return "%.1f%%" % (100.0 * n / total) if total else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ww")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--p0f-db", default="/etc/p0f/p0f.fp")
    ap.add_argument("--no-doc", action="store_true")
    ap.add_argument("--keep", help="write the run here and keep it")
    a = ap.parse_args()
    if not shutil.which("p0f") or not os.access(a.p0f_db, os.R_OK):
        sys.exit("needs Debian's p0f and its database (%s)" % a.p0f_db)
    tmp = a.keep or tempfile.mkdtemp(prefix="osmix-")
    try:
        out = os.path.join(tmp, "sim")
        subprocess.run([a.ww, "simulate", "--out", out, "--seed", str(a.seed)] + SIM, check=True)
        scen = json.load(open(os.path.join(out, "scenario.json")))
        pcaps = sorted(glob.glob(os.path.join(out, "sensor-*.pcap")))
        rep = json.loads(subprocess.run([a.ww, "analyze", "--format", "json", "--no-progress", "--quiet",
                                         "--p0f-db", a.p0f_db] + pcaps,
                                        check=True, capture_output=True).stdout)
        start = scen["worm"]["start"]
        surges = [s for s in rep["surges"] if s["port"] == 139 and s["proto"] == "tcp" and s["alert"] >= start]
        if not surges:
            sys.exit("no surge on 139/tcp after the worm's start")
        s = surges[0]
        mix = s["os_mix"]
        bg = p0f_sources(pcaps, start, tmp)
    finally:
        if not a.keep:
            shutil.rmtree(tmp)

    # truth: the worm's hosts by the label p0f gives their stack
    truth = collections.Counter()
    for st in scen["stacks"]:
        truth[(st["p0f"], st["match"])] += st["worm_sources"]
    tw = sum(truth.values())
    bgc = collections.Counter(bg.values())
    nb = len(bg)
    sm = {(r["os"], r["match"]): r["sources"] for r in mix["top"]}
    rows = sorted(set(sm) | set(bgc) | set(k for k, v in truth.items() if v),
                  key=lambda k: (-sm.get(k, 0), -bgc.get(k, 0), k))
    known = mix["known"]
    lines = [
        "Measured by `bench/osmix.py` (seed %d): the worm's surge on 139/tcp (alert %s, %d new "
        "sources in the surge; its sample of %d, %d with a SYN p0f's database names) against every "
        "source that sent 139/tcp a SYN in the three days before the worm (%d sources, by `p0f -r`)."
        % (a.seed, s["alert"], s["new_sources"], mix["sampled"], known, nb),
        "",
        "| p0f label (match) | the surge's new sources (`analyze --p0f-db`) | 139/tcp background "
        "(`p0f -r`) | the worm's hosts (truth, scenario.json) |",
        "|---|---:|---:|---:|",
    ]
    for k in rows:
        lines.append("| %s (%s) | %s | %s | %s |" % (k[0], k[1], pct(sm.get(k, 0), known),
                                                   pct(bgc.get(k, 0), nb), pct(truth.get(k, 0), tw)))
    text = "\n".join(lines)
    print(text)
    if not a.no_doc:
        path = os.path.join(ROOT, "docs", "DETECTION.md")
        doc = open(path).read()
        b, e = "<!-- osmix:begin -->\n", "<!-- osmix:end -->"
        i, j = doc.index(b) + len(b), doc.index(e)
        open(path, "w").write(doc[:i] + text + "\n" + doc[j:])


if __name__ == "__main__":
    main()
