#!/usr/bin/env python3
"""Measured detection delay: how early does wormwatch see a worm, and is it
right about what is not one?

For each scenario and seed: `wormwatch simulate` writes an outbreak (or only
background) as seen by a set of sensors; `wormwatch analyze` reads all the
sensors' files pooled; we take the first surge on the worm's port, read the
infected fraction at its alert time from truth.csv, and count every surge on
any other port as a false alarm. Results go to stdout and, unless --no-doc,
into docs/DETECTION.md between the `detection:begin/end` markers, with one
gnuplot figure per headline scenario in docs/img/.

Then the scenarios of `simulate --scenario` (SCENARIOS2, issue 14): a
Witty-like worm, a worm on a port with no background, a botnet campaign, a
spoofed flood, research scanners (analyzed with --known-scanners naming their
ranges, when analyze has it) and backscatter. Each row: called? (the
scenario's own thing found: a surge on the worm's port for worms and the
campaign, an entry of `floods` for the flood, of `backscatter` for
backscatter, no surge on the scanners' port for research scanners), kind
right? (surges[].kind: "spreading" for worms, "campaign" for the campaign),
the delay (infected fraction at the call for worms, minutes after the start
otherwise) and false alarms (every surge that is not the scenario's own).

usage: bench/detection.py WORMWATCH [--seeds N] [--quick] [--no-doc] [--only NAME,...]
--quick runs the short version used by the tests (fewer seeds, shorter spans).
"""
import argparse, csv, json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, description, simulate args, analyze args, target fraction (None: report only), headline
SCENARIOS = [
    ("codered-139", "Code Red-like on 139/tcp, heavy background, 16x/20 (a /16)",
     ["--worm", "139/tcp", "--sensors", "16x/20", "--background-days", "3", "--duration", "4d"],
     [], 0.01, True),
    ("codered-5000", "the same worm on a quiet port, 5000/tcp, 16x/20",
     ["--worm", "5000/tcp", "--sensors", "16x/20", "--background-days", "3", "--duration", "4d"],
     [], 0.001, True),
    ("slammer-1434", "Slammer-like on 1434/udp (N=75000, R=4700/s), 16x/20, 1-minute buckets",
     ["--worm", "1434/udp", "--vulnerable", "75000", "--scan-rate", "4700", "--sensors", "16x/20",
      "--background-days", "3", "--duration", "73h"],
     ["--bucket", "1m"], 0.05, True),
    ("codered-139-one24", "Code Red-like on 139/tcp seen by one /24 alone",
     ["--worm", "139/tcp", "--sensors", "1x/24", "--background-days", "3", "--duration", "4d"],
     [], None, False),
    ("background-30d", "30 days of background only, 16x/20: false alarms",
     ["--sensors", "16x/20", "--duration", "30d", "--worm-start", "2100-01-01T00:00:00Z"],
     [], None, False),
]
# name, description (and where it is calibrated from), simulate args, what is
# expected: "worm" (a surge on the worm's port, kind spreading), "campaign"
# (a surge on its port, kind campaign), "flood", "backscatter" (an entry of
# analyze's floods / backscatter), "scanners" (no surge on their port)
SPAN = ["--sensors", "16x/20", "--background-days", "3", "--duration", "4d"]
SCENARIOS2 = [
    ("witty", "Witty-like worm: UDP from port 4000 to random ports, N=12,000, 357 probes/s",
     ["--scenario", "witty"] + SPAN, "worm"),
    ("quiet-5555", "Code Red-like worm on 5555/tcp, a port the background never uses",
     ["--scenario", "quiet-port:5555/tcp"] + SPAN, "worm"),
    ("campaign", "botnet campaign: 300 sources on 23/tcp switch on at once and hold, 20 probes/s each",
     ["--scenario", "campaign"] + SPAN, "campaign"),
    ("flood", "spoofed SYN flood on one address, 80/tcp, 100 packets/s for 10 minutes",
     ["--scenario", "flood"] + SPAN, "flood"),
    ("scanners", "research scanners: 60 Censys addresses sweep 8443/tcp in an hour (--known-scanners)",
     ["--scenario", "scanners"] + SPAN, "scanners"),
    ("backscatter", "backscatter: a DoS victim's SYN-ACK/RST/ICMP replies, three 10-minute bursts",
     ["--scenario", "backscatter"] + SPAN, "backscatter"),
]
KNOWN_SCANNERS = "162.142.125.0/24 censys\n167.94.138.0/24 censys\n"

QUICK = {  # shorter spans for the test suite
    "codered-139": ["--background-days", "2", "--duration", "60h"],
    "codered-5000": ["--background-days", "2", "--duration", "60h"],
    "slammer-1434": ["--background-days", "2", "--duration", "49h"],
    "codered-139-one24": ["--background-days", "2", "--duration", "60h"],
    "background-30d": ["--duration", "7d"],
}
QUICK2 = ["--background-days", "2", "--duration", "60h"]


def override(args, extra):
    args = list(args)
    for i in range(0, len(extra), 2):
        if extra[i] in args:
            args[args.index(extra[i]) + 1] = extra[i + 1]
        else:
            args += extra[i:i + 2]
    return args


def simulate(ww, name, sim_args, seed, tmp):
    """One seed simulated as DShield TSV: its sensor files, scenario.json, and when it started and ended."""
    out = os.path.join(tmp, "%s-%d" % (name, seed))
    t0 = time.time()
    subprocess.run([ww, "simulate", "--out", out, "--seed", str(seed), "--format", "dshield",
                    "--quiet", "--stop-infected", "0.2"] + sim_args, check=True, stdout=subprocess.DEVNULL)
    files = sorted(os.path.join(out, f) for f in os.listdir(out) if f.startswith("sensor-"))
    return out, files, json.load(open(os.path.join(out, "scenario.json"))), t0, time.time()


def run_one(ww, name, sim_args, an_args, seed, tmp, keep_history=None):
    out, files, scen, t0, t1 = simulate(ww, name, sim_args, seed, tmp)
    w = scen["worm"]
    port, proto = str(w["port"]), w["proto"]
    worm = "%s/%s" % (port, proto)
    cmd = [ww, "analyze", "--format", "json", "--no-progress", "--quiet"] + an_args
    if keep_history:
        cmd += ["--history", worm]
    p = subprocess.run(cmd + files, check=True, capture_output=True)
    t2 = time.time()
    d = json.loads(p.stdout)
    truth = [(r["time"], int(r["infected"]), int(r["vulnerable"]))
             for r in csv.DictReader(open(os.path.join(out, "truth.csv")))]
    worm_surges = [s for s in d["surges"] if str(s["port"]) == port and s["proto"] == proto]
    others = [s for s in d["surges"] if not (str(s["port"]) == port and s["proto"] == proto)]
    res = {"seed": seed, "records": d["input"]["records"], "sim_s": t1 - t0, "analyze_s": t2 - t1,
           "false_alarms": others, "alert": None, "fraction": None, "method": None,
           "worm_start": w["start"] if w.get("active") else None}
    if worm_surges:
        # a surge before the worm started is a false alarm on the worm port
        ws = res["worm_start"]
        real = [s for s in worm_surges if not ws or s["alert"] >= ws]
        res["false_alarms"] += [s for s in worm_surges if ws and s["alert"] < ws]
        if real:
            s = real[0]
            res["alert"], res["method"] = s["alert"], "z %.1f" % s["score"]
            res["kind"] = s.get("kind")
            # truth has a row per minute: take the first at or after the alert
            # (the infected count can only have grown meanwhile: conservative)
            after = [r for r in truth if r[0] >= s["alert"]]
            row = after[0] if after else truth[-1]
            res["fraction"] = row[1] / row[2]
    if keep_history:
        res["history"] = d.get("history")
        ws = res["worm_start"]
        # from 12 hours before the worm (a day before for minute buckets: same)
        t = time.strptime(ws, "%Y-%m-%dT%H:%M:%SZ")
        import calendar
        short = (res["history"] or {}).get("bucket_seconds", 3600) < 3600
        before, after = (1200, 900) if short else (12 * 3600, 12 * 3600)
        res["plot_from"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(t) - before))
        res["plot_to"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(t) + after))
        res["truth"] = truth
    shutil.rmtree(out)
    return res


def minutes(t, t0):
    import calendar
    f = "%Y-%m-%dT%H:%M:%SZ"
    return (calendar.timegm(time.strptime(t[:19] + "Z", f)) - calendar.timegm(time.strptime(t0[:19] + "Z", f))) / 60.0


def mentions(entry, value):
    """Whether a floods/backscatter entry names value (an address) in any field."""
    return value in json.dumps(entry)


def run_scenario(ww, name, sim_args, expect, seed, tmp, known):
    """One seed of a SCENARIOS2 row: called, kind right, delay, false alarms."""
    out, files, scen, t0, t1 = simulate(ww, name, sim_args, seed, tmp)
    sc = scen["scenarios"][0]
    start = sc["start"]
    cmd = [ww, "analyze", "--format", "json", "--no-progress", "--quiet"]
    if expect == "scanners" and known:
        cmd += ["--known-scanners", known]
    d = json.loads(subprocess.run(cmd + files, check=True, capture_output=True).stdout)
    t2 = time.time()
    surges = d.get("surges", [])
    res = {"seed": seed, "records": d["input"]["records"], "sim_s": t1 - t0, "analyze_s": t2 - t1,
           "called": False, "kind": None, "delay": None, "false_alarms": [], "own_surge": False}
    if expect in ("worm", "campaign", "scanners"):
        if expect == "worm":
            w = scen["worm"]
            port, proto = w["port"], w["proto"]
        else:
            port, proto = sc["port"], sc["proto"]
        witty = sc["name"] == "witty"  # its surge may be on the source port, however analyze names it
        own = [x for x in surges if x["proto"] == proto and x["alert"] >= start and
               (x["port"] == port or (witty and port in (x.get("sport"), x.get("source_port"))))]
        res["false_alarms"] = [x for x in surges if x not in own]
        if expect == "scanners":
            res["called"] = not own
            res["false_alarms"] += own
            # the control: the same files without the list
            p = subprocess.run([ww, "analyze", "--format", "json", "--no-progress", "--quiet"] + files,
                               check=True, capture_output=True)
            res["unlisted_surge"] = any(x["port"] == port and x["proto"] == proto and x["alert"] >= start
                                        for x in json.loads(p.stdout).get("surges", []))
        elif own:
            res["called"], res["kind"] = True, own[0].get("kind")
            if expect == "worm":
                truth = [(r["time"], int(r["infected"]), int(r["vulnerable"]))
                         for r in csv.DictReader(open(os.path.join(out, "truth.csv")))]
                after = [r for r in truth if r[0] >= own[0]["alert"]]
                row = after[0] if after else truth[-1]
                res["delay"] = row[1] / row[2]
            else:
                res["delay"] = minutes(own[0]["alert"], start)
    else:
        key, who = ("floods", sc["target"]) if expect == "flood" else ("backscatter", sc["victim"])
        found = [e for e in d.get(key, []) if mentions(e, who)]
        res["false_alarms"] = list(surges)
        res["own_surge"] = any(x["port"] == sc["port"] and x["proto"] == sc["proto"] and x["alert"] >= start
                               for x in surges)
        if found:
            res["called"] = True
            when = lambda x: x.get("alert") or x.get("start") or x.get("first") or ""
            e = min(found, key=when)  # the earliest: lists are sorted by size, not time
            at = when(e)
            res["delay"] = minutes(at, start) if at else None
    shutil.rmtree(out)
    return res


def plot(name, title, res, imgdir):
    if not shutil.which("gnuplot") or not res.get("history"):
        return None
    h = res["history"]
    os.makedirs(imgdir, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        hist = os.path.join(t, "h.dat")
        with open(hist, "w") as f:
            for b in h["buckets"]:
                f.write("%s %d\n" % (b[0], b[2]))
        tr = os.path.join(t, "t.dat")
        with open(tr, "w") as f:
            for r in res["truth"]:
                f.write("%s %.6f\n" % (r[0], 100.0 * r[1] / r[2]))
        png = os.path.join(imgdir, name + ".png")
        alert = res["alert"] or ""
        script = """
set terminal pngcairo size 900,420 noenhanced
set output '%s'
set title '%s (seed %d)'
set xdata time
set timefmt '%%Y-%%m-%%dT%%H:%%M:%%SZ'
set format x "%%m-%%d\\n%%H:%%M"
set xrange ['%s':'%s']
set ylabel 'distinct sources per bucket on %s/%s'
set logscale y
set y2label 'infected (%%)'
set y2tics
set logscale y2
set y2range [0.0001:100]
set key top left
%s
plot '%s' using 1:2 with steps title 'sources on the worm port', \\
     '%s' using 1:2 axes x1y2 with lines title 'infected %% (truth)'
""" % (png, title.replace("'", ""), res["seed"], res["plot_from"], res["plot_to"], h["port"], h["proto"],
       ("set arrow from '%s', graph 0 to '%s', graph 1 nohead lc rgb 'red' dt 2\n"
        "set label 'alert' at '%s', graph 0.95 tc rgb 'red'" % (alert, alert, alert)) if alert else "",
       hist, tr)
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
        return os.path.relpath(png, os.path.join(ROOT, "docs"))


def fmt_pct(x):
    return "-" if x is None else ("%.3f%%" % (100 * x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wormwatch")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-doc", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--plots-only", action="store_true", help="seed 1 of the headline scenarios: redraw docs/img only")
    ap.add_argument("--analyze-args", default="", help="extra analyze options, e.g. '--z-jump 7'")
    a = ap.parse_args()
    t_all = time.time()
    timings = []
    ww = os.path.abspath(a.wormwatch)
    only = set(filter(None, a.only.split(",")))
    rows, failures = [], []
    lines = []
    tmp = tempfile.mkdtemp(prefix="wwdet-")
    try:
        for name, desc, sim, an, target, headline in SCENARIOS:
            if only and name not in only:
                continue
            if a.plots_only and not headline:
                continue
            if a.quick:
                sim = override(sim, QUICK[name])
            an = an + a.analyze_args.split()
            results = []
            t_row = time.time()
            for seed in range(1, 2 if a.plots_only else a.seeds + 1):
                r = run_one(ww, name, sim, an, seed, tmp, keep_history=(headline and seed == 1 and not a.no_doc))
                results.append(r)
                print("%-20s seed %2d: alert %s at %s infected (%s), %d false alarms, %d records, "
                      "simulate %.1fs analyze %.1fs" % (name, seed, r["alert"], fmt_pct(r["fraction"]),
                      r["method"], len(r["false_alarms"]), r["records"], r["sim_s"], r["analyze_s"]),
                      flush=True)
                for fa in r["false_alarms"]:
                    print("    false alarm: %s/%s at %s (z %.1f, %d new sources, baseline %.1f)" % (
                        fa["port"], fa["proto"], fa["alert"], fa["score"],
                        fa["new_sources"], fa["baseline_new"]))
            timings.append((name, time.time() - t_row))
            fr = [r["fraction"] for r in results]
            seen = [x for x in fr if x is not None]
            med = statistics.median(seen) if seen else None
            worst = (max(seen) if len(seen) == len(fr) else None) if seen else None
            fa = sum(len(r["false_alarms"]) for r in results)
            fa_ports = {}
            for r in results:
                per = {}
                for s in r["false_alarms"]:
                    k = "%s/%s" % (s["port"], s["proto"])
                    per[k] = per.get(k, 0) + 1
                for k, v in per.items():
                    fa_ports[k] = max(fa_ports.get(k, 0), v)
            ok = "n/a"
            if target is not None:
                ok = "yes" if worst is not None and worst < target else "NO"
                if ok == "NO":
                    failures.append(name)
            if name.startswith("background"):
                ok = "yes" if max(fa_ports.values() or [0]) <= 1 else "NO"
                if ok == "NO":
                    failures.append(name)
            if target is None and name.startswith("background"):
                rows.append((name, desc, len(results), "-", "-", "-", "-", "-", fa, ok))
                continue
            kinds = [r.get("kind") for r in results if r["fraction"] is not None]
            right = "%d/%d" % (kinds.count("spreading"), len(kinds))
            if target is not None and kinds.count("spreading") < len(kinds):  # a worm is spreading
                failures.append(name + " (kind)")
            rows.append((name, desc, len(results), len(seen), right, fmt_pct(med),
                         fmt_pct(worst) if len(seen) == len(fr) else "missed in %d" % (len(fr) - len(seen)),
                         "-" if target is None else "< %s" % fmt_pct(target), fa, ok))
            if headline and not a.no_doc and results and results[0].get("history"):
                img = plot(name, desc, results[0], os.path.join(ROOT, "docs", "img"))
                if img:
                    lines.append("![%s](%s)" % (desc, img))
        rows2 = scenario_rows(ww, a, only, tmp, timings)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    total_s = time.time() - t_all

    table = ["| scenario | seeds | detected | kind right (spreading) | median infected at alert | worst | target | false alarms (all seeds) | met |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        table.append("| %s: %s | %d | %s | %s | %s | %s | %s | %d | %s |" % r)
    table2 = ["| scenario | seeds | called | kind right | median delay | worst | false alarms (all seeds) |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows2:
        table2.append("| %s: %s | %d | %s | %s | %s | %s | %s |" % r)
    print("\n".join(table))
    if rows2:
        print("\n".join(table2))
    print("run time: %.0f s in all; %s" % (total_s, ", ".join("%s %.0f s" % t for t in timings)))
    if not a.no_doc and not a.plots_only:
        doc = os.path.join(ROOT, "docs", "DETECTION.md")
        text = open(doc).read() if os.path.exists(doc) else "# Detection\n"
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        block = ["<!-- detection:begin -->",
                 "Measured %s by `bench/detection.py` (commit %s), %s seeds per scenario." % (
                     time.strftime("%Y-%m-%d"), rev, a.seeds), ""] + table + [""] + lines + (
                 ["", "Scenarios (`simulate --scenario`, described under \"Scenarios\" above):", ""] + table2 +
                 ["", "Run time %.0f minutes on the 2-CPU development machine (%s)." % (
                     total_s / 60, ", ".join("%s %.0f s" % t for t in timings))] if rows2 else []) + [
                 "<!-- detection:end -->"]
        if "<!-- detection:begin -->" in text:
            pre = text.split("<!-- detection:begin -->")[0]
            post = text.split("<!-- detection:end -->")[1]
            text = pre + "\n".join(block) + post
        else:
            text += "\n## Measured detection delay\n\n" + "\n".join(block) + "\n"
        open(doc, "w").write(text)
    if failures:
        print("targets missed: " + ", ".join(failures))
    return 1 if failures else 0


def scenario_rows(ww, a, only, tmp, timings):
    """Runs SCENARIOS2; one table row each."""
    if a.plots_only:
        return []
    helptext = subprocess.run([ww, "analyze", "--help"], capture_output=True, text=True).stdout
    known = None
    if "--known-scanners" in helptext:
        known = os.path.join(tmp, "known-scanners.txt")
        open(known, "w").write(KNOWN_SCANNERS)
    rows = []
    for name, desc, sim, expect in SCENARIOS2:
        if only and name not in only:
            continue
        if a.quick:
            sim = override(sim, QUICK2)
        t_row = time.time()
        results = []
        for seed in range(1, a.seeds + 1):
            r = run_scenario(ww, name, sim, expect, seed, tmp, known)
            results.append(r)
            d = r["delay"]
            print("%-20s seed %2d: called %s, kind %s, delay %s, %d false alarms%s, %d records, "
                  "simulate %.1fs analyze %.1fs" % (
                      name, seed, "yes" if r["called"] else "no", r["kind"],
                      "-" if d is None else fmt_pct(d) if expect == "worm" else "%.0f min" % d,
                      len(r["false_alarms"]), " (a surge on its own port)" if r["own_surge"] else "",
                      r["records"], r["sim_s"], r["analyze_s"]), flush=True)
            for fa in r["false_alarms"]:
                print("    false alarm: %s/%s at %s (z %.1f, %d new sources, %d targets)" % (
                    fa["port"], fa["proto"], fa["alert"], fa["score"], fa["new_sources"], fa["targets"]))
        timings.append((name, time.time() - t_row))
        n = len(results)
        called = sum(r["called"] for r in results)
        if expect in ("worm", "campaign"):
            want = "spreading" if expect == "worm" else "campaign"
            kinds = [r["kind"] for r in results if r["called"]]
            kind = "%d/%d" % (sum(k == want for k in kinds), len(kinds)) if any(kinds) else "- (no kind)"
        else:
            kind = "-"
        delays = [r["delay"] for r in results if r["delay"] is not None]
        fm = (lambda x: fmt_pct(x)) if expect == "worm" else (lambda x: "%.0f min" % x)
        med = fm(statistics.median(delays)) if delays else "-"
        worst = ("missed in %d" % (n - called) if called < n and expect != "scanners" else
                 fm(max(delays)) if delays else "-")
        if expect == "scanners":
            desc += "; without the list, a surge in %d/%d" % (sum(r["unlisted_surge"] for r in results), n)
            if not known:
                desc += " [analyze has no --known-scanners yet: run without it]"
        fa = sum(len(r["false_alarms"]) for r in results)
        own = sum(r["own_surge"] for r in results)
        fa_text = "%d" % fa + (" (%d on its own port)" % own if own else "")
        rows.append((name, desc, n, "%d/%d" % (called, n), kind, med, worst, fa_text))
    return rows


if __name__ == "__main__":
    sys.exit(main())
