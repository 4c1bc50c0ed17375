#!/bin/sh
# bench/slow_fp.sh BUILD [OUTDIR] -- slow scans against the simulator's
# background (docs/DETECTION.md, "Slow scans and prefixes"):
# 1. `wormwatch simulate` writes 3 days of background radiation on one /20
#    (no worm, seed 1);
# 2. bench/slowscan.py writes a slow horizontal scan of 22/tcp (one probe
#    every 1, 5 and 30 minutes for 24 h, from one address) and a /64
#    rotating its IPv6 source (one probe every 5 minutes, a new address
#    each time);
# 3. analyze reads the background alone, then background + each scan
#    (multi-file input, merged in time order), once as the simulator logs
#    (DROP: TRW sees failures) and once with the log prefix removed (the
#    outcome unknown: thresholds only), and prints per case: scanners,
#    slow ones per day, and what became of the scan.
# OUTDIR (default a temporary directory, removed) keeps the files.
set -eu
[ $# -ge 1 ] || { echo "usage: bench/slow_fp.sh BUILD [OUTDIR]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
WW=$(cd "$1" && pwd)/wormwatch
if [ $# -ge 2 ]; then d=$2; mkdir -p "$d"; else d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; fi
"$WW" simulate -q --out "$d/sim" --sensors 1x/20 --background-days 3 --duration 3d --seed 1
bg=$d/sim/sensor-00.log
net=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sensors'][0]['cidr'])" "$d/sim/scenario.json" 2>/dev/null || echo 29.8.224.0/20)
sed 's/ kernel: DROP / kernel: /' "$bg" > "$d/bg-noprefix.log"
for every in 60 300 1800; do
    python3 "$here/slowscan.py" --net "$net" --every $every > "$d/slow$every.log"
    python3 "$here/slowscan.py" --net "$net" --every $every --prefix '' > "$d/slow$every-noprefix.log"
done
python3 "$here/slowscan.py" --net 2001:db8:0:1::/64 --src 2001:db8:77:1::/64 --every 300 > "$d/rot.log"
python3 "$here/slowscan.py" --net 2001:db8:0:1::/64 --src 2001:db8:77:1::/64 --every 300 --prefix '' > "$d/rot-noprefix.log"
printf '| log prefix | options | input | scanners | slow | slow / day | the scan: src, kind, method, slow, span |\n|---|---|---|---|---|---|---|\n'
for p in DROP none none40; do
    if [ $p = DROP ]; then b=$bg; sfx=""; else b=$d/bg-noprefix.log; sfx="-noprefix"; fi
    opt=""; [ $p = none40 ] && opt="--slow-host-threshold 40"
    for case in background slow60 slow300 slow1800 rot; do
        if [ $case = background ]; then set -- "$b"; else set -- "$b" "$d/$case$sfx.log"; fi
        "$WW" analyze --format json --no-progress $opt "$@" > "$d/$p-$case.json"
        python3 - "$d/$p-$case.json" "${p%40}" "$case" "${opt:-defaults}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sc = d["scanners"]
slow = [s for s in sc if s.get("slow")]
mine = [s for s in sc if s["src"] in ("198.51.100.77", "2001:db8:77:1::/64")]
what = "; ".join("%s %s %s%s%s" % (s["src"], s["kind"], s["method"], " slow" if s.get("slow") else "",
                 " %.1f h" % (s["span"] / 3600) if s.get("slow") else "") for s in mine) or \
       ("-" if sys.argv[3] == "background" else "not found")
print("| %s | %s | %s | %d | %d | %.1f | %s |" % (sys.argv[2], sys.argv[4], sys.argv[3], len(sc), len(slow), len(slow) / 3, what))
PY
    done
done
