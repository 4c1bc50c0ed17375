#!/usr/bin/env bash
# collector_osfp.sh -- who is scanning, through the collector (issue 17): a
# real `wormwatch sensor` follows netfilter lines logged with TCP options
# (psad's syn_scan_1000_1500 in the shared corpus: nmap -sS, `OPT (...)`)
# and submits them, each SYN's fingerprint in the tenth TSV field, to a real
# `wormwatch serve --p0f-db` with Debian's p0f database. The scanning
# source's OS on /api/v1/ip/ and /api/v1/sources is the label analyze gives
# it from the same lines (scanners[].os); after a kill -9 of serve and a
# restart (the log replayed: its fingerprints are in it) the answer is the
# same; `report` prints it. With MaxMind test databases built by
# tests/tools/mkmmdb.pl (serve --geoip/--asn) the source also has a country
# and an AS, or null where the databases have no network for it, and
# `enrichment` says the databases are there; a simulated worm's alert
# breaks its new sources down by OS, country and AS (API, port page,
# report); the ClickHouse store answers alike (when clickhouse-server is
# installed).
# SKIP (77), naming it, when a part is missing (the parts before it run
# and must pass): the shared corpus, p0f's
# database (a build that cannot read it fails);
# the geo part (and the ClickHouse one after it) alone is skipped without the Perl writer and the MaxMind
# test databases' builder, the ClickHouse part without clickhouse-server.
set -u
: "${WW:?WW=path/to/wormwatch}"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
IN=$CORPUS/psad/syn_scan_1000_1500
[ -r "$IN" ] || { echo "the shared corpus is not at $CORPUS (psad/syn_scan_1000_1500)"; exit 77; }
DBFP=/etc/p0f/p0f.fp
[ -r "$DBFP" ] || { echo "p0f's database $DBFP is not installed (apt-get install p0f)"; exit 77; }
T=$(mktemp -d)
PID= SPID= SKIPPED=
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null; [ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; [ -f "$T/sensor.err" ] && tail -5 "$T/sensor.err"; exit 1; }
. "$HERE/serve.bash"
DB=$T/ww.db

# serve reads the database: an error naming --p0f-db (not reading it, or
# not knowing the option) fails (a --db that cannot open stops serve just
# after the database is read)
"$WW" serve --db clickhouse://no-such-host --listen 127.0.0.1:0 --p0f-db "$DBFP" 2> "$T/probe"
grep -q -- "--p0f-db" "$T/probe" && fail "serve --p0f-db $DBFP: $(head -1 "$T/probe")"
# what the source is: analyze's label for it from the same lines
if "$WW" analyze --p0f-db "$DBFP" --format json "$IN" > "$T/analyze.json" 2> "$T/analyze.err"; then
    python3 - "$T/analyze.json" > "$T/want" <<'PY' || fail "analyze gives no scanners[].os for the nmap SYN scan"
import json, sys
d = json.load(open(sys.argv[1]))
os = {s["src"]: s.get("os") for s in d["scanners"] if s.get("os")}
if not os: sys.exit(1)
src = sorted(os)[0]
print(src, os[src])
PY
else
    fail "analyze --p0f-db $DBFP: $(head -1 "$T/analyze.err")"
fi
read -r SRC WANT < "$T/want"

# the sensor: the lines' fingerprints to the collector (tenth field)
start_sensor() {
    "$WW" sensor --collector "$URL" --key-file "$T/key" --state "$T/state" --batch 100 --flush 0.2 \
        --anonymize none "$T/fw.log" 2>> "$T/sensor.err" &
    SPID=$!
}
os_of() { # the source's os and os_match on /api/v1/ip/
    curl -sf "$URL/api/v1/ip/$SRC" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("%s|%s" % (d.get("os"), d.get("os_match")))'
}
serve_key KEY sensor-1
printf %s "$KEY" > "$T/key"
serve_start --db "$DB" --p0f-db "$DBFP"
: > "$T/fw.log"
start_sensor
cat "$IN" >> "$T/fw.log"
n=$(grep -c "SRC=$SRC " "$IN")
for _ in $(seq 300); do
    got=$(curl -sf "$URL/api/v1/ip/$SRC" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' 2>/dev/null)
    [ "${got:-0}" -ge "$n" ] && break
    sleep 0.1
done
[ "${got:-0}" -ge "$n" ] || fail "the collector has ${got:-0} of the $n records of $SRC"
kill $SPID; wait $SPID 2>/dev/null; SPID=
first=$(os_of)
[ "${first%%|*}" = "$WANT" ] || fail "/api/v1/ip/$SRC: os ${first%%|*}, analyze says $WANT"
echo "ok: the sensor's fingerprints name $SRC's OS on the collector: $first (expected: $WANT)"
curl -sf "$URL/api/v1/sources?limit=50" |
    python3 -c '
import json, sys
d = json.load(sys.stdin)
s = [x for x in d["sources"] if x["src"] == sys.argv[1]]
assert s and s[0]["os"] == sys.argv[2], (s, sys.argv[2])
assert d["enrichment"] == {"os": True, "country": False, "asn": False}, d["enrichment"]' "$SRC" "$WANT" ||
    fail "/api/v1/sources: $SRC's os or the enrichment"
echo "ok: /api/v1/sources carries it, and says which databases there are"

# a crash before the aggregates are written: the log's fingerprints matched again
kill -9 $PID; wait $PID 2>/dev/null; PID=
serve_start --db "$DB" --p0f-db "$DBFP"
[ "$(os_of)" = "$first" ] || fail "after kill -9 and a restart: $(os_of), before: $first"
"$WW" report --collector "$URL" ip "$SRC" | grep -qF "$WANT" || fail "report ip does not print $WANT"
echo "ok: the same after kill -9 and a restart (replayed from the log); report prints it"
# without the database the stored label stays
serve_stop
serve_start --db "$DB" --p0f-db none
[ "$(os_of)" = "$first" ] || fail "without --p0f-db the stored label went: $(os_of)"
echo "ok: the label is kept as text: the same without the database"
serve_stop

# country and AS: the MaxMind test databases (the geo engineer's builder)
if [ ! -r "$ROOT/tests/tools/mkmmdb.pl" ] || [ ! -r "$HERE/mmdb.bash" ] ||
   ! perl -MMaxMind::DB::Writer::Tree -e1 2>/dev/null; then
    echo "collector_osfp: the rest passed; SKIP: country, AS and ClickHouse: no tests/tools/mkmmdb.pl," \
         "tests/e2e/mmdb.bash or MaxMind::DB::Writer::Tree"
    exit 77
fi
. "$HERE/mmdb.bash"
mmdb_build "$T/mmdb" || fail "building the MaxMind test databases"
serve_start --db "$DB" --p0f-db "$DBFP" --geoip "$MMDB_COUNTRY" --asn "$MMDB_ASN"
# two sources in the test databases' networks: 192.0.2.0/25 is DE, AS64496
# "Example Net One"; 198.51.100.128/25 JP, AS64500 without an organisation
# two minutes ago, both in one second: a fixed hour of today is in the
# future before it (the collector refuses such a batch)
at=$(($(date -u +%s) - 120))
day=$(date -u -d "@$at" +%F)
stamp=$(date -u -d "@$at" '+%F %T')
printf '%s +00:00\t0\t1\t192.0.2.10\t4000\t10.1.0.1\t445\ttcp\tS\n%s +00:00\t0\t1\t198.51.100.200\t4000\t10.1.0.2\t445\ttcp\tS\n' \
    "$stamp" "$stamp" > "$T/geo.tsv"
curl -sf -H "Authorization: Bearer $KEY" -H "X-Batch-Id: geo-1" -H "Content-Type: text/tab-separated-values" \
    --data-binary @"$T/geo.tsv" "$URL/api/v1/submit" > /dev/null || fail "submitting the geo batch"
geo() { # ADDR: its country, asn and as_org on /api/v1/ip/
    curl -sf "$URL/api/v1/ip/$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["enrichment"] == {"os": True, "country": True, "asn": True}, d["enrichment"]
print("%s %s %s" % (d["country"], d["asn"], d["as_org"]))'
}
[ "$(geo 192.0.2.10)" = "DE 64496 Example Net One" ] || fail "192.0.2.10: $(geo 192.0.2.10)"
[ "$(geo 198.51.100.200)" = "JP 64500 None" ] || fail "198.51.100.200: $(geo 198.51.100.200)"
[ "$(geo "$SRC")" = "None None None" ] || fail "$SRC is in no network: $(geo "$SRC")"
echo "ok: with --geoip and --asn: country and AS looked up (null where no network has the address)"
"$WW" report --collector "$URL" --date "$day" sources | grep -q "^192\.0\.2\.10 .*  DE  AS64496 Example Net One$" ||
    fail "report sources does not print 192.0.2.10's country and AS"
curl -sf "$URL/ip/192.0.2.10" | grep -q 'data-field="asn" data-fmt="asn">AS64496 Example Net One<' ||
    fail "the dashboard's source page does not show the AS"
echo "ok: report and the dashboard show them"
serve_stop

# a surge's new sources by OS, country and AS: a simulated worm (DShield
# lines: no fingerprints) from the simulator's address space, which the test
# databases cover; its alert keeps a sample, whose mix the API and the
# port page show
"$WW" simulate --out "$T/sim" --seed 7 --worm 139/tcp --sensors 1x/20 --duration 2d --background-days 1 \
    --format dshield > /dev/null || fail "simulate"
DB=$T/sim.db
serve_key KEY2 sim
serve_start --db "$DB" --p0f-db "$DBFP" --geoip "$MMDB_COUNTRY" --asn "$MMDB_ASN" --rate-limit 0
split -l 40000 -d "$T/sim/sensor-00.tsv" "$T/part-"
for f in "$T"/part-*; do
    curl -sf -H "Authorization: Bearer $KEY2" -H "X-Batch-Id: ${f##*/}" --data-binary @"$f" \
        "$URL/api/v1/submit" > /dev/null || fail "submitting ${f##*/}"
done
for _ in $(seq 150); do curl -sf "$URL/api/v1/alerts?port=139" | grep -q '"port": *139' && break; sleep 0.2; done
curl -sf "$URL/api/v1/alerts?port=139" | python3 -c '
import json, sys
a = json.load(sys.stdin)["alerts"][0]
os, cc, asn = a["os_mix"], a["countries"], a["asns"]
if os is None and cc is None and asn is None:
    sys.exit(3)  # the detector keeps no sample of a surge'"'"'s sources (lib/detect/surge.c)
assert 0 < os["sampled"] <= 256 and os["known"] == 0 and os["rows"] == [], os  # DShield lines: no SYN options
assert cc["sampled"] == os["sampled"] and cc["distinct"] >= 5 and cc["rows"], cc
assert sum(r["sources"] for r in cc["rows"]) <= cc["sampled"] and all(len(r["country"]) == 2 for r in cc["rows"]), cc
assert asn["distinct"] >= 10 and asn["top_share"] < 0.5 and asn["rows"][0]["as_org"].startswith("Sim AS"), asn
print("%d sampled, %d countries, %d ASes (the largest %.1f%%)" % (cc["sampled"], cc["distinct"], asn["distinct"],
      100 * asn["top_share"]))' > "$T/mix"
case $? in
0)  echo "ok: the worm's new sources: $(cat "$T/mix")"
    curl -sf "$URL/port/139" > "$T/port.html" || fail "/port/139"
    grep -q '<h3>Who the new sources are</h3>' "$T/port.html" &&
        grep -q 'aria-label="New sources by AS"><thead>.*<td class="k-num" data-label="AS">6[45][0-9]*</td>' "$T/port.html" ||
        fail "the port page has no breakdown of the surge's sources by AS"
    "$WW" report --collector "$URL" alerts | grep -q "^    new sources (.* sampled): no OS known; [0-9]* countries" ||
        fail "report alerts does not print the sources' mix"
    echo "ok: the port page and report show the breakdown" ;;
3)  SKIPPED="the alert's sample (this build's detect/surge.c keeps none)"
    echo "SKIP part: $SKIPPED" ;;
*)  fail "the alert's os_mix, countries and asns" ;;
esac
curl -sf "$URL/api/v1/alerts?port=139" | python3 -c '
import json, sys
a = json.load(sys.stdin)["alerts"][0]
print(json.dumps([a[k] for k in ("os_mix", "countries", "asns")], sort_keys=True))' > "$T/mix-sqlite"
serve_stop

# the ClickHouse store answers alike (a real two-shard cluster): the
# sensor's fingerprints name the source's OS, the worm's alert the same mix
if ! command -v clickhouse-server > /dev/null && [ ! -x /usr/sbin/clickhouse-server ]; then
    echo "collector_osfp: the rest passed; SKIP: ClickHouse: clickhouse-server is not installed"
    exit 77
fi
. "$HERE/clickhouse.bash"
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null; [ -n "$PID" ] && kill -9 $PID 2>/dev/null; ch_stop; rm -rf "$T"' EXIT
ch_start
h1=${CH1#http://} h2=${CH2#http://}
DB="clickhouse://$h1/default?cluster=ww&shards=$h1,$h2"
serve_key KEY3 sensor-ch
printf %s "$KEY3" > "$T/key"
serve_start --db "$DB" --p0f-db "$DBFP" --geoip "$MMDB_COUNTRY" --asn "$MMDB_ASN" --rate-limit 0
# the worm's batches first: the sensor's events (this year's) move the
# key's watermark past 2006, and any worm batch after them would come late
for f in "$T"/part-*; do
    curl -sf -H "Authorization: Bearer $KEY3" -H "X-Batch-Id: ${f##*/}" --data-binary @"$f" \
        "$URL/api/v1/submit" > /dev/null || fail "ClickHouse: submitting ${f##*/}"
done
# ClickHouse's detector judges in rounds, reading the events back in
# windows (store_ch_detect.c), and rewrites the alert's row as its sample
# grows: the first row seen can be an early one; wait up to 60 s for the
# row to catch up with SQLite's
for i in $(seq 300); do
    curl -sf "$URL/api/v1/alerts?port=139" | python3 -c '
import json, sys
a = json.load(sys.stdin)["alerts"][0]
print(json.dumps([a[k] for k in ("os_mix", "countries", "asns")], sort_keys=True))' > "$T/mix-ch" 2>/dev/null
    cmp -s "$T/mix-sqlite" "$T/mix-ch" && break
    sleep 0.2
done
rm -rf "$T/state"
: > "$T/fw.log"
start_sensor
cat "$IN" >> "$T/fw.log"
for _ in $(seq 300); do
    got=$(curl -sf "$URL/api/v1/ip/$SRC" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' 2>/dev/null)
    [ "${got:-0}" -ge "$n" ] && break
    sleep 0.1
done
kill $SPID; wait $SPID 2>/dev/null; SPID=
[ "$(os_of)" = "$first" ] || fail "ClickHouse: /api/v1/ip/$SRC: $(os_of), SQLite: $first"
cmp -s "$T/mix-sqlite" "$T/mix-ch" || fail "ClickHouse's alert mix differs: $(cat "$T/mix-ch") SQLite: $(cat "$T/mix-sqlite")"
echo "ok: ClickHouse: the same OS for the source, the same mix for the worm's alert"
serve_stop
[ -z "$SKIPPED" ] || { echo "collector_osfp: the rest passed; SKIP: $SKIPPED"; exit 77; }
echo "collector_osfp: all checks passed"
