#!/usr/bin/env bash
# clickhouse_copy.sh -- `wormwatch store copy` (issue 15 item 5): a SQLite
# collector's history moved into a two-shard ClickHouse cluster
# (tests/e2e/clickhouse.bash), then served from there.
#   1. A real SQLite store: `serve` fed a simulated worm on 139/tcp (two /20
#      sensors, three days of background: one alert) plus a victim's
#      SYN-ACK backscatter, under two sensor keys, a DShield key and a
#      revoked key; its answers kept; stopped cleanly.
#   2. `store copy` of a damaged copy of it stops midway (at the surge
#      state, before the keys), naming the file; then the real one, run
#      without --force over what that left: each table's rows printed; the hist_*
#      tables hold the SQLite aggregates' figures row for row (agg_hour,
#      agg_day with its top sources, srcs, backscatter), keys their hashes,
#      meta the detector's state (surge blob, release point, sensors). A
#      wrong password in the config file is refused.
#   3. Again: refused (the store has keys) with a message saying --force;
#      with --force it runs and every table holds the same rows (a repeat
#      collapses).
#   4. `serve --db clickhouse://...` (credentials from --config, as the
#      copy's): /api/v1/alerts, porthistory/139 by day and by hour, the top
#      sources of 139, backscatter and /api/v1/ip/ADDR equal the SQLite
#      collector's; the old secret still submits; a retried old batch id is
#      a duplicate.
#   5. Bad input: a file that is no store, a missing one, and a SQLite store
#      still in use, refused naming the file.
# Exit 77 when clickhouse-server, curl or sqlite3 is not installed.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
command -v sqlite3 > /dev/null || { echo "sqlite3 not installed"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
PID=
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }
. "$HERE/serve.bash"
. "$HERE/clickhouse.bash"
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; ch_stop; rm -rf "$T"' EXIT

# ---- 1. the SQLite collector ------------------------------------------------
"$WW" simulate --out "$T/sim" --seed 15 --worm 139/tcp --sensors 2x/20 --duration 4d \
    --background-days 3 --format dshield > /dev/null || fail "simulate"
python3 - "$T/sim" <<'PY' || fail "adding backscatter"
import glob, random
from datetime import datetime, timedelta
f = sorted(glob.glob(__import__("sys").argv[1] + "/sensor-*.tsv"))[0]
R = random.Random(15)
a = open(f).readline().split("\t")[5].split(".")
lines = open(f).readlines()
for k in range(200):  # 203.0.113.5's SYN-ACKs to addresses it never heard from
    t = datetime(2006, 8, 3, 9) + timedelta(seconds=7 * k)
    lines.append("%s +00:00\t00\t1\t203.0.113.5\t80\t%s.%s.%d.%d\t%d\ttcp\tSYN,ACK\n" % (
        t.strftime("%Y-%m-%d %H:%M:%S"), a[0], a[1], (int(a[2]) & 0xf0) + R.randint(0, 15),
        R.randint(1, 254), R.randint(1024, 65535)))
lines.sort(key=lambda l: l[:19])
open(f, "w").writelines(lines)
PY
FILES=$(ls "$T"/sim/sensor-*.tsv)

# feed [FIRST]: every batch (1,000 lines of one sensor, id sI-bN) in time
# order; with FIRST batch s0-b0, then its lines as batch s0-bnew, printing
# both answers
feed() {
    E2E="$HERE" python3 - "$URL" "$T/keys" "${1:-}" $FILES <<'PY'
import http.client, os, sys, urllib.parse
sys.path.insert(0, os.environ["E2E"])
from batches import batches, post
url, keyfile, first, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
keys = open(keyfile).read().split()
out = batches(files)
if first:  # s0-b0 again, then its lines as a new batch
    out = [b for b in out if b[1:3] == (0, 0)]
    out.append((out[0][0], 0, "new", out[0][3]))
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
for _, i, n, lines in out:
    body = post(conn, keys[i], "s%d-b%s" % (i, n), lines)
    if first:
        print(body.decode())
PY
}

# answers DIR: what the collector at $URL says, into DIR
answers() {
    mkdir -p "$1"
    local f path
    for f in "alerts /api/v1/alerts?limit=100" "sensors /api/v1/sensors" \
             "bsc /api/v1/backscatter?date=2006-08-03" \
             "hist /api/v1/porthistory/139?from=2006-08-01&to=2006-08-04" \
             "hour /api/v1/porthistory/139?from=2006-08-03&to=2006-08-04&by=hour" \
             "ip /api/v1/ip/$SRC" "top /api/v1/sources?port=139&date=2006-08-04&limit=50"; do
        path=${f#* }
        curl -sf "$URL$path" > "$1/${f%% *}.json" || fail "$URL$path: no answer"
    done
}

DB=$T/old.db
: > "$T/keys"
for i in 0 1; do serve_key k "sensor-$i"; echo "$k" >> "$T/keys"; done
"$WW" key add dsh --dshield-userid 4242 --db "$DB" > /dev/null || fail "key add --dshield-userid"
"$WW" key add gone --db "$DB" > /dev/null && "$WW" key revoke gone --db "$DB" || fail "key revoke"
serve_start --db "$DB" --rate-limit 0
feed || fail "feeding the SQLite collector"
SRC=$(curl -sf "$URL/api/v1/sources?port=139&date=2006-08-04&limit=1" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["sources"][0]["src"])') || fail "no source on 139"
answers "$T/sq"
serve_stop
python3 - "$T/sq" <<'PY' || fail "the SQLite collector's answers"
import json, sys
d = sys.argv[1]
a = json.load(open(d + "/alerts.json"))["alerts"]
assert [(x["port"], x["proto"]) for x in a] == [(139, "tcp")], a
b = json.load(open(d + "/bsc.json"))
assert "203.0.113.5" in json.dumps(b), b
PY
sq() { sqlite3 -separator $'\t' "$DB" "$1"; }

# ---- 2. the copy ------------------------------------------------------------
ch_start
P1=${CH1##*:} P2=${CH2##*:}
TO="clickhouse://127.0.0.1:$P1/default?cluster=ww&shards=127.0.0.1:$P1,127.0.0.1:$P2"
# credentials from the config file (clickhouse.bash's user with a password)
printf 'clickhouse-user = %s\nclickhouse-password = %s\n' "$CH_USER" "$CH_PASSWORD" > "$T/ww.conf"
printf 'clickhouse-user = %s\nclickhouse-password = wrong\n' "$CH_USER" > "$T/wrong.conf"
"$WW" store copy --from "$DB" --to "$TO" --config "$T/wrong.conf" > /dev/null 2> "$T/wrong.err" &&
    fail "a wrong password was let in"
grep -q "127.0.0.1:$P1.*[Pp]assword" "$T/wrong.err" || fail "wrong password: $(cat "$T/wrong.err")"
# a copy that stops midway: a store whose surge state is damaged fails at
# meta, after the history and before the keys ...
sqlite3 "$DB" ".backup '$T/bad.db'" && sqlite3 "$T/bad.db" "UPDATE meta SET v = x'00' WHERE k = 'surge'" ||
    fail "making a damaged copy"
"$WW" store copy --from "$T/bad.db" --to "$TO" --config "$T/ww.conf" > "$T/bad.out" 2> "$T/bad.err" && fail "a damaged surge state was copied"
grep -q "$T/bad.db: meta 'surge' is not a saved state" "$T/bad.err" || fail "damaged: $(cat "$T/bad.err")"
grep -q "^hist_src " "$T/bad.out" && ! grep -q "^keys " "$T/bad.out" || fail "damaged: not stopped at meta: $(cat "$T/bad.out")"
# ... and the real one then runs without --force, over what the first left
"$WW" store copy --from "$DB" --to "$TO" --config "$T/ww.conf" > "$T/copy.out" 2> "$T/copy.err" ||
    fail "store copy: $(cat "$T/copy.err")"
cat "$T/copy.out"
for t in keys:keys hist_hour:agg_hour hist_day:agg_day hist_src:srcs hist_bsc:backscatter \
         alerts:alerts notices:notices dshield_keys:dshield_keys; do
    n=$(sq "SELECT count(*) FROM ${t#*:}")
    grep -qE "^${t%%:*} +$n rows?$" "$T/copy.out" || fail "copy printed no '${t%%:*} $n rows'"
done
[ "$(sq 'SELECT count(*) FROM agg_hour')" -gt 100 ] || fail "too little history to test"
chq() { ch_q "$CH1" "$1" | sed '/^$/d'; }
# the figures, row for row (addresses as the SQLite store writes them)
A="replaceRegexpOne(IPv6NumToString(%s), '^::ffff:', '')"
cmp_rows() { # NAME SQLITE-SQL CLICKHOUSE-SQL
    sq "$2" | sort > "$T/$1.sq"
    chq "$3" | sort > "$T/$1.ch"
    [ -s "$T/$1.sq" ] || fail "$1: no rows in the SQLite store"
    cmp -s "$T/$1.sq" "$T/$1.ch" || fail "$1 differs: $(diff "$T/$1.sq" "$T/$1.ch" | head -5)"
}
cmp_rows hour "SELECT port, proto, t, records, nsrc, ndst, nsens FROM agg_hour" \
    "SELECT port, proto, h, records, nsrc, ndst, nsens FROM hist_hour"
cmp_rows day "SELECT port, proto, t, records, nsrc, ndst, nsens FROM agg_day" \
    "SELECT port, proto, toUInt16(d), records, nsrc, ndst, nsens FROM hist_day"
cmp_rows src "SELECT src, first_seen, last_seen, records, ntgt, nport, nsens FROM srcs" \
    "SELECT $(printf "$A" src), first, last, records, ntgt, nport, nsens FROM hist_src"
cmp_rows bsc "SELECT victim, proto, t, records, first, last, ntgt FROM backscatter" \
    "SELECT $(printf "$A" victim), proto, toUInt16(d), records, first, last, ntgt FROM hist_bsc"
cmp_rows keys "SELECT id, name, hex(hash), created, revoked FROM keys" \
    "SELECT id, name, hex(hash), created, revoked FROM keys"
cmp_rows alerts "SELECT port, proto, start, alert, end, sources, explanation, saturation FROM alerts" \
    "SELECT port, proto, start, alert, end, sources, explanation, saturation FROM alerts"
# the detector's state: the surge blob as it was, the release point as the
# SQLite collector's /api/v1/sensors said, every sensor's watermark
[ "$(chq "SELECT hex(v) FROM meta WHERE k = 'surge'")" = "$(sq "SELECT hex(v) FROM meta WHERE k = 'surge'")" ] ||
    fail "meta surge differs"
python3 - "$T/sq/sensors.json" "$(chq "SELECT v FROM meta WHERE k = 'release'")" \
    "$(chq "SELECT v FROM meta WHERE k = 'sensors'" | tr '\n' ' ')" <<'PY' || fail "the detector's event time"
import json, sys
from datetime import datetime, timezone
s = json.load(open(sys.argv[1]))
us = lambda t: int(datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()) * 10**6
assert us(s["release_point"]) // 10**6 == int(sys.argv[2]) // 10**6, (s["release_point"], sys.argv[2])
lines = [l.split() for l in sys.argv[3].split("\\n") if l.strip()]  # TabSeparated: \n escaped
assert sorted(int(l[0]) for l in lines) == [1, 2, 3, 4], lines   # id wm stale, each key
assert all(int(l[1]) <= us(s["frontier"]) + 10**6 for l in lines), (lines, s["frontier"])
print("release point", s["release_point"], "sensors", sys.argv[3])
PY
# a day's top sources: the SQLite collector's top sources of 139 (its
# agg_day tops summed over 30 days, /api/v1/sources) from hist_day's arrays
chq "SELECT $(printf "$A" s), sum(r) FROM hist_day ARRAY JOIN top_src AS s, top_records AS r
     WHERE port = 139 AND proto = 6 GROUP BY s" > "$T/top.ch"
python3 - "$T/sq/top.json" "$T/top.ch" <<'PY' || fail "hist_day's top sources differ from the SQLite collector's"
import json, sys
top = json.load(open(sys.argv[1]))["sources"]
ch = dict(l.split("\t") for l in open(sys.argv[2]).read().split("\n") if l)
assert len(top) >= 10, top
for x in top:
    assert int(ch.get(x["src"], -1)) == x["records"], (x, ch.get(x["src"]))
print("top sources of 139 equal:", len(top))
PY
[ "$(chq "SELECT sum(arraySum(day_records)) FROM hist_src")" = "$(sq "SELECT sum(records) FROM srcs")" ] ||
    fail "hist_src's days do not add up to its records"
# batches (Distributed: collapsed by the shards' merges; readers use FINAL,
# which 18.16 runs only with the version column selected)
[ "$(chq "SELECT count() FROM (SELECT sensor, batch_id, v FROM batches FINAL WHERE state = 1)")" = \
  "$(sq "SELECT count(*) FROM batches")" ] || fail "batches: not every batch id copied, or some twice"

# ---- 3. again: refused, then forced; a repeat collapses ---------------------
counts() {
    for t in keys hist_hour hist_day hist_src hist_bsc alerts floods notices notify_cursors dshield_keys meta; do
        printf '%s %s\n' $t "$(chq "SELECT count() FROM $t")"
    done
}
counts > "$T/counts1"
"$WW" store copy --from "$DB" --to "$TO" > /dev/null 2> "$T/again.err" && fail "a second copy was not refused"
grep -q -- "--force" "$T/again.err" || fail "the refusal does not say --force: $(cat "$T/again.err")"
"$WW" store copy --from "$DB" --to "$TO" --force > /dev/null 2> "$T/again.err" ||
    fail "store copy --force: $(cat "$T/again.err")"
counts > "$T/counts2"
cmp -s "$T/counts1" "$T/counts2" || fail "a repeated copy is not collapsed: $(diff "$T/counts1" "$T/counts2")"

# ---- 4. served from ClickHouse ----------------------------------------------
serve_start --db "$TO" --config "$T/ww.conf" --rate-limit 0
answers "$T/ch" # before anything new comes in
dup=$(feed first) || fail "the old secret no longer submits"
echo "$dup"
[ "$(echo "$dup" | head -1 | grep -c '"duplicate": *true')" = 1 ] || fail "a retried old batch id is not a duplicate: $dup"
[ "$(echo "$dup" | tail -1 | grep -c '"accepted": *1000\b')" = 1 ] || fail "a new batch under the old key is not taken: $dup"
python3 - "$T/sq" "$T/ch" <<'PY' || fail "the ClickHouse collector's answers differ from the SQLite one's"
import json, os, sys
sq, ch = sys.argv[1], sys.argv[2]
j = lambda d, f: json.load(open(os.path.join(d, f)))
for f in ("alerts.json", "hist.json", "hour.json", "top.json", "bsc.json", "ip.json"):
    a, b = j(sq, f), j(ch, f)
    if f == "top.json":  # ties in any order (SQLite breaks them by its tallies' bounds)
        a, b = a["sources"], b["sources"]
        assert [x["records"] for x in a] == [x["records"] for x in b], (a, b)
        cut = a[-1]["records"]
        a, b = [sorted((x for x in y if x["records"] > cut), key=lambda x: x["src"]) for y in (a, b)]
    assert a == b, (f, a, b)
    print(f, "equal")
PY
serve_stop

# ---- 5. bad input -----------------------------------------------------------
echo "not a store" > "$T/junk.db"
"$WW" store copy --from "$T/junk.db" --to "$TO" --force > /dev/null 2> "$T/bad.err" && fail "a junk file was copied"
grep -q "$T/junk.db" "$T/bad.err" || fail "the error does not name the file: $(cat "$T/bad.err")"
"$WW" store copy --from "$T/none.db" --to "$TO" > /dev/null 2> "$T/none.err" && fail "a missing file was copied"
grep -q "$T/none.db: No such file" "$T/none.err" || fail "missing: $(cat "$T/none.err")"
serve_start --db "$DB" --rate-limit 0
"$WW" store copy --from "$DB" --to "$TO" --force > /dev/null 2> "$T/busy.err" && fail "a store in use was copied"
grep -q "$DB: a collector is running" "$T/busy.err" || fail "in use: $(cat "$T/busy.err")"
serve_stop
echo "clickhouse copy: all checks passed"
