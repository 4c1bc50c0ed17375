#!/usr/bin/env bash
# Surges end to end, from DShield TSV: two days of background on 139/tcp and
# 445/tcp, then (1) one heavy scanner sweeping 5000 hosts on 445 -- one source,
# no surge -- and (2) 80 new sources on 139 in one hour -- a surge that starts
# at that hour, called during it, and names its sources and baseline. Then
# --min-sources above what the hour ever reaches silences it.
set -u
: "${WW:?WW=path/to/wormwatch}"
T=$(mktemp -d); trap "rm -rf $T" EXIT
python3 - "$T/in.tsv" <<'PY'
import random, sys
r = random.Random(7)
rows = []
def line(h, m, src, dst, port):
    rows.append("2006-08-%02d %02d:%02d:00 +00:00\t0\t1\t%s\t%d\t10.9.%d.%d\t%d\ttcp\tSYN\n"
              % (1 + h // 24, h % 24, m, src, r.randint(1024, 65535), dst // 256, dst % 256, port))
for h in range(48):
    for port in (139, 445):
        for s in range(5):
            line(h, r.randint(0, 59), "198.51.%d.%d" % (r.randint(0, 255), r.randint(1, 254)), r.randint(0, 4095), port)
for t in range(5000):   # hour 30: one heavy scanner on 445
    line(30, t % 60, "203.0.113.66", t, 445)
for s in range(80):     # hour 40: 80 sources on 139
    line(40, r.randint(0, 59), "192.0.%d.%d" % (s // 200, 1 + s % 200), r.randint(0, 4095), 139)
open(sys.argv[1], "w").writelines(sorted(rows, key=lambda l: l[:19]))  # a log is in time order
PY
"$WW" analyze --format json "$T/in.tsv" > "$T/out.json" || { echo "analyze failed"; exit 1; }
python3 - "$T/out.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
s = d["surges"]
assert len(s) == 1, s
s = s[0]
assert (s["port"], s["proto"], s["start"]) == (139, "tcp", "2006-08-02T16:00:00Z"), s
assert "2006-08-02T16:00:00Z" < s["alert"] < "2006-08-02T17:00:00Z", s   # called within the hour
assert s["score"] >= 7, s
assert 10 <= s["new_sources"] <= 30 and 3 <= s["baseline_new"] <= 6, s
sc = {x["src"]: x for x in d["scanners"]}
assert sc["203.0.113.66"]["kind"] == "horizontal", sc
print("ok", s)
PY
"$WW" analyze --format json --min-sources 90 "$T/in.tsv" > "$T/out.json" || exit 1
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['surges']==[], d['surges']" "$T/out.json" || exit 1
"$WW" analyze --format text "$T/in.tsv" | grep -q "139/tcp from 2006-08-02T16:00:00Z" || { echo "text report lacks the surge"; exit 1; }
