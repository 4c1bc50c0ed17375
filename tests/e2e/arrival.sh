# arrival.sh -- event time decides, not arrival (issue 13). One simulated
# NetBIOS outbreak (4 sensors, 3 days of background, the worm on 139/tcp on
# the fourth day) fed to a fresh collector in several arrival orders, in
# batches of 1,000 lines, one key per sensor (tests/e2e/arrival.py):
#   time       sensors streaming: batches by their first event time
#   serial     one sensor's four days after another's (with --lateness 5d,
#              which such uploads need)
#   lag6h      one sensor six hours behind the others
#   offline1d  one sensor silent for a day, then draining its backlog
#   crash      the time order with kill -9 of the collector halfway and a
#              restart
# Each must give the one alert the time order gives (139/tcp, same start,
# same numbers), no other, and identical aggregates (records, sources,
# targets per port and day, and per hour for four ports). Then:
#   ahead1h    one sensor's clock an hour ahead: still the one alert on
#              139/tcp (its start may move by the hour), the same records
#              per port;
#   serial with the default lateness (26 h): the sensors after the first
#              come more than a day late: their events are stored and
#              counted (the same records per port and day) and shown as
#              late on /api/v1/sensors and /metrics, never judged; each of
#              them gets a sensor_silent notice, then sensor_back;
#   the future: a batch dated an hour past this clock is refused with a
#              400 naming its line.
# one-pass: build (tests/run.sh): a minute of release-build CPU, about three under ASan;
#   its store, submit and replay paths run under ASan in collector, serve_http, disk_full
set -u
: "${WW:?WW=path/to/wormwatch}"
T=$(mktemp -d)
HERE=$(cd "$(dirname "$0")" && pwd)
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$HERE/serve.bash"

"$WW" simulate --out "$T/sim" --seed 7 --worm 139/tcp --sensors 4x/20 --duration 4d \
    --background-days 3 --format dshield > /dev/null || fail "simulate"
FILES=$(ls "$T"/sim/sensor-*.tsv)

# run NAME ORDER [serve options]: a fresh store, four keys, the batches in
# ORDER, the collector's answers in $T/NAME.json
run() {
    local name=$1 order=$2
    shift 2
    DB="$T/$name.db"
    : > "$T/$name.keys"
    for i in 0 1 2 3; do serve_key k "sensor-$i"; echo "$k" >> "$T/$name.keys"; done
    serve_start --db "$DB" --rate-limit 0 "$@"
    if [ "$order" = crash ]; then
        python3 "$HERE/arrival.py" "$URL" time-first-half "$T/$name.keys" $FILES ||
            fail "$name: first half"
        kill -9 $PID; wait $PID 2>/dev/null; PID=
        SERVE_PORT=$PORT serve_start --db "$DB" --rate-limit 0 "$@"
        order=time-second-half
    fi
    python3 "$HERE/arrival.py" "$URL" "$order" "$T/$name.keys" $FILES > "$T/$name.json" ||
        fail "$name: feeding $order"
    curl -sf "$URL/metrics" > "$T/$name.metrics" || fail "$name: /metrics"
    serve_stop
}

run time time
run serial serial --lateness 5d
run lag6h lag6h
run offline1d offline1d
run crash crash
run ahead1h ahead1h
run serial26h serial

python3 - "$T" <<'PY' || fail "orders differ"
import json, sys
T = sys.argv[1]
load = lambda n: json.load(open("%s/%s.json" % (T, n)))
ref = load("time")
keep = ("port", "proto", "start", "alert", "end", "sources", "new_sources", "baseline_new", "score")
def alerts(d):
    return [{k: a[k] for k in keep if k in a} for a in d["alerts"]]
ra = alerts(ref)
assert len(ra) == 1 and (ra[0]["port"], ra[0]["proto"]) == (139, "tcp"), ra
assert ra[0]["start"] <= ra[0]["alert"], ra            # never dated before its bucket
assert "2006-08-04" <= ra[0]["start"] < "2006-08-05", ra
for name in ("serial", "lag6h", "offline1d", "crash"):
    d = load(name)
    assert alerts(d) == ra, (name, alerts(d), ra)
    assert d["days"] == ref["days"], name + ": daily aggregates differ"
    assert d["hourly"] == ref["hourly"], name + ": hourly aggregates differ"
    assert d["sensors"]["late_events"] == 0, (name, d["sensors"]["late_events"])
    print("%-10s 1 alert, 139/tcp from %s, aggregates identical" % (name, ra[0]["start"]))
# a clock an hour ahead: the same outbreak, the same records per port
d = load("ahead1h")
a = alerts(d)
assert len(a) == 1 and (a[0]["port"], a[0]["proto"]) == (139, "tcp"), a
assert abs(int(a[0]["start"][11:13]) - int(ra[0]["start"][11:13])) <= 1 and a[0]["start"][:10] == ra[0]["start"][:10], a
def per_port(d):
    t = {}
    for rows in d["days"].values():
        for r in rows:
            t[(r["port"], r["proto"])] = t.get((r["port"], r["proto"]), 0) + r["records"]
    return t
assert per_port(d) == per_port(ref), "ahead1h: records per port differ"
print("ahead1h    1 alert, 139/tcp from %s" % a[0]["start"])
# later than the lateness: stored and counted, shown as late, not judged
d = load("serial26h")
assert d["days"] == ref["days"], "serial26h: daily aggregates differ (late data must be stored)"
late = d["sensors"]["late_events"]
assert late > 100000, late
assert sum(s["late_events"] for s in d["sensors"]["sensors"]) == late, d["sensors"]
print("serial26h  %d late events, stored and counted, not judged; %d alerts" % (late, len(d["alerts"])))
m = open("%s/serial26h.metrics" % T).read()
assert "wormwatch_events_late %d" % late in m, m
PY

# sensors that went silent past the lateness and came back: a notice each
# (what serve --notify delivers), written with the detector's state
notices=$(sqlite3 "$T/serial26h.db" "SELECT kind || ' ' || json_extract(body, '$.sensor') FROM notices WHERE kind LIKE 'sensor%' ORDER BY id" | tr '\n' ',')
[ "$notices" = "sensor_silent sensor-1,sensor_silent sensor-2,sensor_silent sensor-3,sensor_back sensor-1,sensor_back sensor-2,sensor_back sensor-3," ] ||
    fail "serial26h: sensor notices: $notices"
[ "$(sqlite3 "$T/time.db" "SELECT count(*) FROM notices WHERE kind LIKE 'sensor%'")" = 0 ] ||
    fail "time order: a sensor notice where no sensor went silent"

# the future: refused, naming the line
DB="$T/future.db"
serve_key k future
serve_start --db "$DB"
now=$(date -u +"%Y-%m-%d %H:%M:%S")
later=$(date -u -d "+1 hour" +"%Y-%m-%d %H:%M:%S")
printf '%s +00:00\t0\t1\t198.51.100.1\t4000\t10.0.0.1\t139\ttcp\tSYN\n%s +00:00\t0\t1\t198.51.100.1\t4000\t10.0.0.2\t139\ttcp\tSYN\n' \
    "$now" "$later" > "$T/future.tsv"
code=$(curl -s -o "$T/future.out" -w '%{http_code}' -H "Authorization: Bearer $k" \
    -H "X-Batch-Id: f1" -H "Content-Type: text/tab-separated-values" --data-binary @"$T/future.tsv" \
    "$URL/api/v1/submit")
[ "$code" = 400 ] && grep -q "line 2" "$T/future.out" || fail "a batch from the future: $code $(cat "$T/future.out")"
serve_stop
echo ok
