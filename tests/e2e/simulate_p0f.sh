#!/usr/bin/env bash
# The simulator's SYNs against Debian's real p0f: a run of three days on
# four /22s (long enough for block sweeps and vertical scans, nmap's; a
# worm on 139/tcp in the last two hours with the campaign, flood and
# research scanner scenarios, so every stack sends) written as pcap. First every
# stack scenario.json lists with a p0f label must match a signature under
# that label in p0f's own database (/etc/p0f/p0f.fp); then `p0f -r` reads
# each sensor's capture, and every SYN it reports must be one of the
# simulator's stacks (by its raw signature) with the label the simulator
# meant for it, and p0f must see as many SYNs of each stack as
# scenario.json's truth says were sent. Last, the same run logged as
# netfilter lines (their OPT (...)) is read by wormwatch's own parser and
# p0f matcher (tests/tools/osfp.c): every SYN gets the same label. Exit 77
# (SKIP) without p0f or its database, or without tool_osfp beside $WW.
set -u
: "${WW:?WW=path/to/wormwatch}"
DB=${P0F_DB:-/etc/p0f/p0f.fp}
command -v p0f >/dev/null || { echo "SKIP: p0f is not installed (Debian package p0f)"; exit 77; }
[ -r "$DB" ] || { echo "SKIP: p0f's database $DB is not readable"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

ARGS="--seed 17 --duration 3d --background-days 70h --scan-rate 20 --initial 50 --sensors 4x/22
      --scenario worm,campaign,flood,scanners --campaign-sources 40 --campaign-rate 20
      --flood-rate 2 --flood-duration 5m"
"$WW" simulate -q --out "$T/sim" --format pcap $ARGS || fail "simulate"

python3 - "$T/sim" "$DB" <<'PY'
import glob, json, struct, sys
sim, db = sys.argv[1:]
scen = json.load(open(f"{sim}/scenario.json"))
stacks = scen["stacks"]

def fields(sig):
    ver, ttl, olen, mss, win, layout, quirks, pclass = sig.split(":")
    w, ws = win.split(",")
    return dict(ttl=ttl, olen=olen, mss=mss, win=w, ws=ws, layout=layout, quirks=quirks, pclass=pclass)

# 1. each stack p0f names is in p0f's database under that label
labels, label = {}, None
section = None
for line in open(db):
    line = line.strip()
    if line.startswith("["):
        section = line
    elif section == "[tcp:request]" and line.startswith("label"):
        _, cls, name, flavor = line.split("=", 1)[1].strip().split(":", 3)
        label = f"{name} {flavor}".strip()
    elif section == "[tcp:request]" and line.startswith("sig"):
        labels.setdefault(label, []).append(fields(line.split("=", 1)[1].strip()))

def db_match(s, d):
    return (s["ttl"] == d["ttl"] and d["olen"] == "0" and d["mss"] in ("*", "1460") and
            d["win"] in ("*", s["win"]) and d["ws"] in ("*", s["ws"]) and
            s["layout"] == d["layout"] and s["quirks"] == d["quirks"] and d["pclass"] in ("0", "*"))

named = 0
for st in stacks:
    if st["match"] not in ("exact", "generic"):
        continue  # p0f names it by a near miss (fuzzy) or not at all
    named += 1
    s = fields(st["signature"])
    assert any(db_match(s, d) for d in labels.get(st["p0f"], [])), \
        f"{st['name']}: {st['signature']} is not under p0f's label {st['p0f']!r} in {db}"
assert named >= 9, named
print(f"{named} stacks' signatures found under their labels in {db}")

# 2. the pcap writer writes each SYN's own options (a writer that ignored
#    ev->fp gave every SYN the same 8 bytes, a 28-byte TCP header; Linux's
#    have 20, masscan's none)
def tcp_header_sizes(path):
    b = open(path, "rb").read()
    o, sizes = 24, {}
    while o < len(b):
        cap = struct.unpack("<I", b[o + 8:o + 12])[0]
        f = b[o + 16:o + 16 + cap]
        o += 16 + cap
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
            continue
        tcp = f[14 + (f[14] & 15) * 4:]
        if tcp[13] & 0x12 == 0x02:
            sizes[(tcp[12] >> 4) * 4] = sizes.get((tcp[12] >> 4) * 4, 0) + 1
    return sizes
sizes = tcp_header_sizes(sorted(glob.glob(f"{sim}/sensor-*.pcap"))[0])
assert sum(sizes.values()) > 100, sizes
assert set(sizes) != {28}, f"every SYN has the same 8 bytes of options: ev->fp not written ({sizes})"
PY
rc=$?
[ $rc = 0 ] || exit $rc

for f in "$T"/sim/sensor-*.pcap; do
    p0f -r "$f" -o "$f.p0f" > "$f.out" 2>&1 || { cat "$f.out"; fail "p0f -r $f"; }
done

python3 - "$T/sim" <<'PY'
import glob, json, sys
sim = sys.argv[1]
scen = json.load(open(f"{sim}/scenario.json"))
stacks = scen["stacks"]

def fields(sig):
    ver, ttl, olen, mss, win, layout, quirks, pclass = sig.split(":")
    w, ws = win.split(",")
    return dict(ttl=ttl, olen=olen, mss=mss, win=w, ws=ws, layout=layout, quirks=quirks)

def window(w, mss):
    return int(w[4:]) * mss if w.startswith("mss*") else int(w)

def is_stack(st, raw):
    s, r = fields(st["signature"]), fields(raw)
    obs, dist = r["ttl"].split("+")
    mss = int(r["mss"]) if r["mss"] not in ("*", "0") else 0
    if s["ttl"] == "64-":
        if int(obs) > 64:
            return False
    elif dist == "?" or int(obs) + int(dist) != int(s["ttl"]):
        return False
    if s["win"] != "*" and window(s["win"], 1460) != window(r["win"], mss):
        return False
    return (s["ws"], s["layout"], s["quirks"]) == (r["ws"], r["layout"], r["quirks"])

seen = [0] * len(stacks)
bad = []
for path in sorted(glob.glob(f"{sim}/sensor-*.pcap.p0f")):
    for line in open(path):
        if "] mod=syn|" not in line:
            continue
        kv = dict(x.split("=", 1) for x in line.rstrip("\n").split("] ", 1)[1].split("|"))
        which = [i for i, st in enumerate(stacks) if is_stack(st, kv["raw_sig"])]
        if len(which) > 1:  # a window drawn per source (Mirai's) may equal a fixed one
            which = [i for i in which if fields(stacks[i]["signature"])["win"] != "*"]
        if len(which) != 1:
            bad.append(f"{kv['cli']}: {kv['raw_sig']} is {len(which)} stacks")
            continue
        st = stacks[which[0]]
        seen[which[0]] += 1
        label = kv.get("os") or kv.get("app")  # p0f names a tool (nmap) as app=
        match = "fuzzy" if "fuzzy" in kv["params"] else "generic" if "generic" in kv["params"] else \
                "none" if label == "???" else "exact"
        if (label, match) != (st["p0f"], st["match"]):
            bad.append(f"{kv['cli']} ({st['name']}): p0f says {label!r} ({match}), "
                       f"the simulator meant {st['p0f']!r} ({st['match']})")
assert not bad, "\n".join(bad[:20]) + f"\n({len(bad)} SYNs)"
for st, n in zip(stacks, seen):
    print(f"{st['name']:22} {st['p0f']:50} sent {st['syns']:6} p0f saw {n:6}")
    assert n == st["syns"], (st["name"], n, st["syns"])
assert sum(1 for st in stacks if st["syns"]) == len(stacks), "a stack sent nothing"
print(f"{sum(seen)} SYNs: every one the stack, and the p0f label, the simulator meant")
PY

# 3. wormwatch's own reading of the same run logged by netfilter (the lines'
#    OPT (...)), through tests/tools/osfp.c: every SYN the stack's label
TOOL=$(dirname "$WW")/tool_osfp
[ -x "$TOOL" ] || { echo "SKIP: no $TOOL beside $WW (the p0f part passed)"; exit 77; }
"$WW" simulate -q --out "$T/nf" --format netfilter $ARGS || fail "simulate --format netfilter"
# the tool follows at most 1024 sources a run: the lines in chunks of 1000
python3 - "$T/nf" <<'PY'
import glob, re, sys
chunk, srcs, out = {}, 0, None
for path in sorted(glob.glob(f"{sys.argv[1]}/sensor-*.log")):
    for line in open(path):
        src = re.search(r" SRC=(\S+) ", line).group(1)
        if src not in chunk:
            chunk[src] = len(chunk) // 1000
        open(f"{sys.argv[1]}/chunk-{chunk[src]:03d}.nf", "a").write(line)
PY
for f in "$T"/nf/chunk-*.nf; do
    "$TOOL" --each "$DB" "$f" >> "$T/each.ww" || fail "tool_osfp $f"
done
python3 - "$T/sim/scenario.json" "$T/each.ww" <<'PY'
import json, sys
stacks = json.load(open(sys.argv[1]))["stacks"]

def fields(sig):
    ver, ttl, olen, mss, win, layout, quirks, pclass = sig.split(":")
    w, ws = win.split(",")
    return dict(ttl=ttl, mss=mss, win=w, ws=ws, layout=layout,
                quirks=",".join(q for q in quirks.split(",") if q != "?seq"))

def is_stack(st, sig):
    s, r = fields(st["signature"]), fields(sig)
    obs = int(r["ttl"])
    if s["ttl"] == "64-":
        if obs > 64:
            return False
    elif not int(s["ttl"]) - 35 <= obs <= int(s["ttl"]):
        return False
    if s["win"] not in ("*", r["win"]) and not (s["win"].startswith("mss*") and
                                                int(s["win"][4:]) * int(r["mss"]) == int(r["win"])):
        return False
    return (s["ws"], s["layout"], s["quirks"]) == (r["ws"], r["layout"], r["quirks"])

n, bad, seen = 0, [], set()
for line in open(sys.argv[2]):
    src, sport, dst, dport, kind, name, sig = line.rstrip("\n").split("\t")
    which = [st for st in stacks if is_stack(st, sig)]
    if len(which) > 1:
        which = [st for st in which if fields(st["signature"])["win"] != "*"]
    if len(which) != 1:
        bad.append(f"{src}: {sig} is {len(which)} stacks")
        continue
    st = which[0]
    want = ("nmap SYN scan" if st["p0f"] == "NMap SYN scan" else "-" if st["p0f"] == "???" else st["p0f"],
            st["match"])
    n += 1
    seen.add(st["name"])
    if (name, kind) != want:
        bad.append(f"{src} ({st['name']}): wormwatch says {name!r} ({kind}), the simulator meant {want}")
assert not bad, "\n".join(bad[:20]) + f"\n({len(bad)} SYNs)"
assert n == sum(st["syns"] for st in stacks), (n, [(st["name"], st["syns"]) for st in stacks])
assert len(seen) == len(stacks), seen
print(f"{n} SYNs of {len(seen)} stacks read from the netfilter lines by wormwatch: every one named as meant")
PY
