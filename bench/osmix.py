#!/usr/bin/env python3
"""The OS mix of a simulated NetBIOS worm against its port's background.

`wormwatch simulate` writes a Code Red-like worm on 139/tcp after three days
of background (16 /20 sensors, a /16 in all, up to 5% infected) as pcap;
`wormwatch analyze --p0f-db` reads the sensors pooled and names the OS mix
of the surge's new sources (surges[].os_mix; "-" when analyze has none);
Debian's `p0f -r` reads the same captures and labels every source by its
first SYN to 139/tcp: before the worm started (the port's background) or
after (the sources new to the port).
Beside them, the truth: the stacks scenario.json says the worm's hosts ran.
The table goes to stdout and, unless --no-doc, into docs/DETECTION.md
between the `osmix:begin/end` markers.

usage: bench/osmix.py WORMWATCH [--seed N] [--p0f-db FILE] [--no-doc] [--keep DIR]
"""
import argparse, collections, glob, json, os, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = ["--worm", "139/tcp", "--sensors", "16x/20", "--background-days", "3", "--duration", "4d",
       "--stop-infected", "0.05", "--format", "pcap", "--quiet"]


def p0f_sources(pcaps, workdir):
    """Each source's first SYN to 139/tcp by p0f: {src: (time, label, match)}
    (the label is p0f's os= or app=; times RFC 3339, p0f run with TZ=UTC)."""
    first = {}
    for i, f in enumerate(pcaps):
        log = os.path.join(workdir, "p0f-%d.log" % i)
        subprocess.run(["p0f", "-r", f, "-o", log, "tcp dst port 139"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, TZ="UTC"))
        for line in open(log):
            stamp, rest = line[1:].split("] ", 1)
            kv = dict(x.split("=", 1) for x in rest.rstrip("\n").split("|"))
            if kv.get("mod") != "syn":
                continue
            t = stamp.replace("/", "-").replace(" ", "T") + "Z"
            label = kv.get("os") or kv.get("app")
            how = "fuzzy" if "fuzzy" in kv["params"] else "generic" if "generic" in kv["params"] \
                else "none" if label == "???" else "exact"
            src = kv["cli"].rsplit("/", 1)[0]
            if src not in first or t < first[src][0]:
                first[src] = (t, label, how)
    return first


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
        help_text = subprocess.run([a.ww, "analyze", "--help"], capture_output=True, text=True)
        db = ["--p0f-db", a.p0f_db] if "--p0f-db" in help_text.stdout + help_text.stderr else []
        rep = json.loads(subprocess.run([a.ww, "analyze", "--format", "json", "--no-progress", "--quiet"]
                                        + db + pcaps, check=True, capture_output=True).stdout)
        start = scen["worm"]["start"]
        surges = [s for s in rep["surges"] if s["port"] == 139 and s["proto"] == "tcp" and s["alert"] >= start]
        s = surges[0] if surges else None
        first = p0f_sources(pcaps, tmp)
    finally:
        if not a.keep:
            shutil.rmtree(tmp)

    # truth: the worm's hosts by the label p0f gives their stack
    truth = collections.Counter()
    for st in scen["stacks"]:
        truth[(st["p0f"], st["match"])] += st["worm_sources"]
    tw = sum(truth.values())
    # p0f on the captures: the port's background (first SYN before the
    # worm), and the sources new to the port since (first SYN after)
    bgc = collections.Counter((l, h) for t, l, h in first.values() if t < start)
    newc = collections.Counter((l, h) for t, l, h in first.values() if t >= start)
    nb, nn = sum(bgc.values()), sum(newc.values())
    mix = s.get("os_mix") if s else None
    sm = {(r["os"], r["match"]): r["sources"] for r in mix["rows"]} if mix else {}
    known = mix["known"] if mix else 0
    def alias(k):  # analyze spells nmap's label as the contract does
        return ("NMap SYN scan", k[1]) if k[0] == "nmap SYN scan" else k
    sm = {alias(k): v for k, v in sm.items()}
    rows = sorted(set(sm) | set(bgc) | set(newc) | set(k for k, v in truth.items() if v),
                  key=lambda k: (-newc.get(k, 0), -bgc.get(k, 0), k))
    if s and mix:
        surge = ("the surge `analyze --p0f-db` called on 139/tcp (alert %s) names its new sources "
                 "from a sample of %d (%d of them named)" % (s["alert"], mix["sampled"], known))
    elif s:
        surge = ("the surge `analyze` called on 139/tcp (alert %s) has no `os_mix` in this build"
                 % s["alert"])
    else:
        surge = "`analyze` called no surge on 139/tcp"
    lines = [
        "Measured by `bench/osmix.py` (seed %d, worm from %s, run ended at %s with %d of %d hosts "
        "infected): %s. `p0f -r` on the same captures labels every source by its first SYN to "
        "139/tcp: %d sources before the worm (the port's background), %d new since."
        % (a.seed, start, scen["end"], scen["worm"]["infected_at_end"], scen["worm"]["vulnerable"],
           surge, nb, nn),
        "",
        "| p0f label (match) | new on 139/tcp since the worm (`p0f -r`) | the surge's sample "
        "(`analyze --p0f-db`) | 139/tcp background before it (`p0f -r`) | the worm's hosts "
        "(truth, scenario.json) |",
        "|---|---:|---:|---:|---:|",
    ]
    for k in rows:
        lines.append("| %s (%s) | %s | %s | %s | %s |" % (
            k[0], k[1], pct(newc.get(k, 0), nn), pct(sm.get(k, 0), known) if mix else "-",
            pct(bgc.get(k, 0), nb), pct(truth.get(k, 0), tw)))
    xp, nt = ("Windows XP", "exact"), ("Windows NT kernel", "generic")
    if mix:
        lines += ["", "The surge's sample, by `analyze --p0f-db`: %s \"Windows XP\", %s \"Windows NT "
                  "kernel\"." % (pct(sm.get(("Windows XP", "exact"), 0), known),
                                  pct(sm.get(("Windows NT kernel", "generic"), 0), known))]
    lines += ["", "In short: %s of the sources new to 139/tcp since the worm are p0f's \"Windows XP\" "
              "(Windows 2000 and XP) and %s more its generic \"Windows NT kernel\" (XP's window "
              "rounded to 44 segments, or Windows 10); of the port's background, %s and %s, the rest "
              "Windows 7 or 8 (%s), Linux (%s), the BSDs and macOS, and scanning tools."
              % (pct(newc[xp], nn), pct(newc[nt], nn), pct(bgc[xp], nb), pct(bgc[nt], nb),
                 pct(bgc[("Windows 7 or 8", "exact")], nb),
                 pct(bgc[("Linux 3.11 and newer", "exact")], nb))]
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
