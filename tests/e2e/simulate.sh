#!/usr/bin/env bash
# `wormwatch simulate` end to end: one short outbreak (Code Red-like on
# 139/tcp, sped up, over background radiation, four /20 sensors) written in
# each output format; `analyze` must read every file with nothing skipped,
# find the same records in all three formats, as many as scenario.json
# says, and 139/tcp among the ports with the worm's sources. Every file is
# in time order, truth.csv has one row per minute, the same options give
# byte-identical files, and a worm start after the end gives background only.
set -u
: "${WW:?WW=path/to/wormwatch}"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ARGS="--seed 7 --duration 4h --background-days 2h --scan-rate 40 --initial 10
      --stop-infected 0.02 --sensors 4x/20"

for f in netfilter dshield pcap; do
    "$WW" simulate -q --out "$T/$f" --format "$f" $ARGS || fail "simulate --format $f"
    "$WW" analyze --format json --no-progress "$T/$f"/sensor-* > "$T/$f.json" || fail "analyze $f"
done
"$WW" simulate -q --out "$T/again" --format netfilter $ARGS || fail "simulate again"
for x in "$T/netfilter"/*; do
    cmp -s "$x" "$T/again/$(basename "$x")" || fail "not deterministic: $(basename "$x")"
done
# a different seed gives different files
"$WW" simulate -q --out "$T/seed8" --format netfilter ${ARGS/--seed 7/--seed 8} || fail "seed 8"
cmp -s "$T/netfilter/sensor-00.log" "$T/seed8/sensor-00.log" && fail "seed 8 gave seed 7's file"
# background only
"$WW" simulate -q --out "$T/bg" --duration 2h --worm-start 2006-08-02T00:00:00Z --sensors 2x/22 \
    || fail "background-only simulate"

python3 - "$T" <<'PY' || exit 1
import csv, glob, json, os, struct, sys
T = sys.argv[1]
scen = json.load(open(f"{T}/netfilter/scenario.json"))
n = {}
for f in ("netfilter", "dshield", "pcap"):
    d = json.load(open(f"{T}/{f}.json"))
    i = d["input"]
    assert i["skipped"] == 0, (f, i)
    n[f] = i["records"]
    s = json.load(open(f"{T}/{f}/scenario.json"))
    assert s["records"] == i["records"], (f, s["records"], i)
    assert len(s["sensors"]) == 4 and s["format"] == f, s
    p = [x for x in d["ports"] if x["port"] == 139 and x["proto"] == "tcp"]
    assert p and p[0]["sources"] >= 50, (f, p)
    assert s["worm_records"] > 100 and s["background_records"] > 1000, s
assert n["netfilter"] == n["dshield"] == n["pcap"], n
w = scen["worm"]
assert w["active"] and w["port"] == 139 and w["proto"] == "tcp", w
assert scen["seed"] == 7 and w["scan_rate"] == 40 and w["initial"] == 10, scen
assert w["infected_at_end"] >= 0.02 * w["vulnerable"], w
assert scen["end"] < scen["requested_end"], scen  # --stop-infected ended it early
assert w["milestones"][2]["fraction"] == 0.01 and w["milestones"][2]["time"], w

# every file in time order
def stamps_log(p):
    return [l.split(" ", 1)[0] for l in open(p)]
def stamps_tsv(p):
    return [l[:19] for l in open(p)]
def stamps_pcap(p):
    b = open(p, "rb").read()
    assert struct.unpack("<IHHiIII", b[:24]) == (0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    out, o = [], 24
    while o < len(b):
        sec, usec, cap, orig = struct.unpack("<IIII", b[o:o + 16])
        assert cap == orig and 42 <= cap <= 1514
        out.append((sec, usec)); o += 16 + cap
    assert o == len(b)
    return out
for f, fn, ext in (("netfilter", stamps_log, "log"), ("dshield", stamps_tsv, "tsv"), ("pcap", stamps_pcap, "pcap")):
    files = sorted(glob.glob(f"{T}/{f}/sensor-*.{ext}"))
    assert len(files) == 4, files
    for p in files:
        st = fn(p)
        assert st == sorted(st), p

# truth.csv: a row per minute, infected never falls
rows = list(csv.reader(open(f"{T}/netfilter/truth.csv")))
assert rows[0] == ["time", "infected", "vulnerable"], rows[0]
assert rows[1][0] == "2006-08-01T00:00:00Z" and rows[2][0] == "2006-08-01T00:01:00Z", rows[1:3]
inf = [int(r[1]) for r in rows[1:]]
assert inf == sorted(inf) and inf[0] == 0 and inf[-1] == w["infected_at_end"], inf[-3:]
assert all(r[2] == "360000" for r in rows[1:])
assert rows[121] == ["2006-08-01T02:00:00Z", "10", "360000"], rows[121]

b = json.load(open(f"{T}/bg/scenario.json"))
assert not b["worm"]["active"] and b["worm_records"] == 0 and b["records"] > 100, b
assert open(f"{T}/bg/truth.csv").read().count(",0,360000\n") == 121
print("ok", n)
PY
