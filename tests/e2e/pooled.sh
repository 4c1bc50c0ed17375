#!/usr/bin/env bash
# Pooling sensors: a scanner sweeps 100 hosts in 10 minutes, its probes spread
# round-robin over 4 sensors' logs (12-13 hosts per sensor per 5 minutes,
# under the 25-host threshold for any one sensor). Analyzed together, the
# files are merged in time order and the sweep is found; each alone is not.
# (The log prefix says neither ACCEPT nor DROP, so only the threshold applies.)
set -u
: "${WW:?WW=path/to/wormwatch}"
T=$(mktemp -d); trap "rm -rf $T" EXIT
python3 - "$T" <<'PY'
import sys
d = sys.argv[1]
files = [open("%s/sensor-%02d.log" % (d, i), "w") for i in range(4)]
for k in range(100):
    t = k * 6  # seconds
    f = files[k % 4]
    f.write("2006-08-01T00:%02d:%02d+00:00 sensor-%02d kernel: SENSOR IN=eth0 OUT= "
            "SRC=203.0.113.9 DST=10.%d.0.%d LEN=48 TOS=0x00 PREC=0x00 TTL=113 ID=1 DF "
            "PROTO=TCP SPT=4000 DPT=139 WINDOW=64240 RES=0x00 SYN URGP=0\n"
            % (t // 60, t % 60, k % 4, k % 4, k + 1))
PY
"$WW" analyze --format json "$T"/sensor-*.log > "$T/all.json" || exit 1
python3 - "$T/all.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
sc = {s["src"]: s for s in d["scanners"]}
assert sc.get("203.0.113.9", {}).get("kind") == "horizontal", d["scanners"]
assert sc["203.0.113.9"]["targets"] == 100 and sc["203.0.113.9"]["method"] == "threshold"
PY
for f in "$T"/sensor-*.log; do
    "$WW" analyze --format json "$f" > "$T/one.json" || exit 1
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['scanners']==[], d['scanners']" "$T/one.json" || exit 1
done
echo ok
