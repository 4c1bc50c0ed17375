#!/usr/bin/env bash
# The simulator's hiding scanners end to end (issue 18). `simulate
# --scenario slow-scan,v6-rotation` is the same for a seed and other for
# another, the truth in scenario.json matches the files (the slow scanner's
# probes to 22/tcp, the /64's 300 probes in sensor-00), and `analyze` over a
# day of background on one /20 finds: the slow scan (DShield lines, so only
# the thresholds call it) with "slow": true at 1 and 5 minutes' interval
# with its defaults, and at 30 minutes (48 hosts in the day, below the
# default 64) with --slow-host-threshold 40; the rotating /64 as one scanner,
# src the /64 with its 300 addresses (a linear-counting estimate: within 9),
# and nothing from it at --v6-prefix 128. An analyze without --slow-horizon
# (issue 18's scan part) fails.
set -u
: "${WW:?WW=path/to/wormwatch}"
"$WW" analyze --help 2>&1 | grep -q -- --slow-horizon ||
    { echo "FAIL: this analyze has no --slow-horizon / --v6-prefix (issue 18's scan detection)"; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ARGS="--sensors 1x/20 --background-days 1 --duration 2d -q"

"$WW" simulate --out "$T/a" $ARGS --scenario slow-scan,v6-rotation || fail "simulate"
"$WW" simulate --out "$T/b" $ARGS --scenario slow-scan,v6-rotation || fail "simulate again"
"$WW" simulate --out "$T/c" $ARGS --scenario slow-scan,v6-rotation --seed 2 || fail "simulate --seed 2"
for x in "$T/a"/*; do cmp -s "$x" "$T/b/$(basename "$x")" || fail "not deterministic: $(basename "$x")"; done
cmp -s "$T/a/sensor-00.log" "$T/c/sensor-00.log" && fail "seed 2 gave seed 1's file"
"$WW" simulate --out "$T/x" $ARGS --scenario slow-scan:22/tcp 2>/dev/null && fail "slow-scan took a port"
"$WW" simulate --out "$T/x" $ARGS --scenario slow-scan --slow-interval 0s 2>/dev/null && fail "interval 0 taken"

for m in 1 5 30; do
    "$WW" simulate --out "$T/slow$m" $ARGS --scenario slow-scan --slow-interval ${m}m --format dshield ||
        fail "simulate slow $m"
    opt=; [ "$m" = 30 ] && opt="--slow-host-threshold 40"
    "$WW" analyze --format json --no-progress $opt "$T/slow$m"/sensor-*.tsv > "$T/slow$m.json" ||
        fail "analyze slow $m"
done
"$WW" analyze --format json --no-progress "$T/a"/sensor-*.log > "$T/v6.json" || fail "analyze v6"
"$WW" analyze --format json --no-progress --v6-prefix 128 "$T/a"/sensor-*.log > "$T/v6-128.json" ||
    fail "analyze --v6-prefix 128"

python3 - "$T" <<'PY' || exit 1
import glob, json, sys
T = sys.argv[1]
def scen(d, name):
    return [s for s in json.load(open(f"{T}/{d}/scenario.json"))["scenarios"] if s["name"] == name][0]
def lines(d, needle):
    return [l for f in sorted(glob.glob(f"{T}/{d}/sensor-*")) for l in open(f) if needle in l]
# the truth against the files
v6 = scen("a", "v6-rotation")
assert v6["probes"] == v6["records"] == 300, v6
got = lines("a", "SRC=2001:0db8:0077:0001:")
assert len(got) == 300 and all(l.split()[1] == "sensor-00" for l in got), len(got)
assert len({l.split("SRC=")[1].split()[0] for l in got}) == 300
assert len({l.split("DPT=")[1].split()[0] for l in got}) == 300
for m, probes in ((1, 1440), (5, 288), (30, 48)):
    s = scen(f"slow{m}", "slow-scan")
    assert s["interval_s"] == 60 * m and s["probes"] == s["records"] == probes, s
    got = [l for l in lines(f"slow{m}", "\t" + s["source"] + "\t") if l.split("\t")[6] == "22"]
    assert len(got) == probes, (m, len(got))
    d = json.load(open(f"{T}/slow{m}.json"))
    hit = [x for x in d["scanners"] if x["src"] == s["source"]]
    assert len(hit) == 1 and hit[0].get("slow") is True and hit[0]["kind"] == "horizontal", (m, hit)
    assert hit[0]["probes"] == probes and hit[0]["addresses"] == 1, (m, hit)
    print(f"slow scan, 1 probe / {m} min: slow {hit[0]['kind']}, {hit[0]['targets']} targets, span {hit[0]['span']} s")
d = json.load(open(f"{T}/v6.json"))
hit = [x for x in d["scanners"] if x["src"] == "2001:db8:77:1::/64"]
assert len(hit) == 1 and hit[0]["probes"] == 300 and abs(hit[0]["addresses"] - 300) <= 9, hit
assert not [x for x in d["scanners"] if x["src"].startswith("2001:db8:77:1:") and x is not hit[0]]
print(f"v6 rotation: {hit[0]['src']} {hit[0]['kind']}, {hit[0]['addresses']} addresses")
d = json.load(open(f"{T}/v6-128.json"))
assert not [x for x in d["scanners"] if x["src"].startswith("2001:db8:77:1:")], [x["src"] for x in d["scanners"]][:20]
PY
echo "PASS: simulate_hiding"
