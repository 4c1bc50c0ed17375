#!/usr/bin/env bash
# clickhouse_detect.sh -- surge detection over a ClickHouse store (issue 15,
# docs/clickhouse-schema.md open question 2): one detector at a time, by
# lease, judging every front-end's events in event time.
#
# A simulated outbreak (4 sensors, 3 days of background, then a worm on
# 139/tcp, a spoofed SYN flood, backscatter and research scanners sweeping
# 8443/tcp, their ranges given as --known-scanners, so never judged) is cut
# into batches of 1,000 lines, each sensor's in its own order but the
# sensors interleaved with a lag of up to 6 h each (tests/e2e/arrival.py's
# kind of order), and fed:
#   - to one SQLite `serve` (the reference);
#   - to two `serve` front-ends on one two-shard ClickHouse cluster, each
#     batch to either at random. Front-end A starts first and takes the
#     lease; once the flood is judged and noticed (an hour behind every
#     sensor) A is killed with -9, the rest goes to B, which must take the
#     lease over and finish.
# Then the alerts (port, proto, start, alert, end, figures, kind) and floods
# written by the detector and answered by /api/v1/alerts and /api/v1/floods
# must equal the SQLite store's, each alert once; the notices must be the
# SQLite store's (kind, and the body's keys and figures at the call), one
# per alert and flood (none repeated by the handover); nothing is late.
# Then B stops cleanly, giving the lease up, and a front-end with
# retention-days = 1 takes it and drops every (2006) day on both shards.
# one-pass: build-asan (tests/run.sh): mostly ClickHouse's own time
set -u
: "${WW:?WW=path/to/wormwatch}"
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
PIDS=
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    ch_stop
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$T"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 5 "$f"; }; done; exit 1; }
. "$HERE/clickhouse.bash"
command -v sqlite3 > /dev/null || { echo "sqlite3 (the command) not installed"; exit 77; }
ch_start

# fe NAME OPTION...: `serve` in the background, log $T/NAME.log; sets
# PID_NAME and URL_NAME once it listens
fe() {
    local name=$1 pid url
    shift
    "$WW" serve --listen 127.0.0.1:0 --rate-limit 0 "$@" 2> "$T/$name.log" &
    pid=$!
    PIDS="$PIDS $pid"
    for _ in $(seq 600); do
        grep -q "listening on" "$T/$name.log" && break
        kill -0 $pid 2>/dev/null || fail "serve $name exited: $(cat "$T/$name.log")"
        sleep 0.05
    done
    url=$(grep -o 'http://[0-9.]*:[0-9]*' "$T/$name.log" | head -1)
    [ -n "$url" ] || fail "serve $name: no 'listening on' line"
    printf -v "PID_$name" %s "$pid"
    printf -v "URL_$name" %s "$url"
}

# keys DB FILE: four sensor keys in DB, their secrets in FILE
keys() {
    : > "$2"
    for i in 0 1 2 3; do
        local s
        s=$("$WW" key add "sensor-$i" --db "$1" | grep -oE '[0-9a-f]{64}' | head -1)
        [ ${#s} = 64 ] || fail "key add sensor-$i --db $1"
        echo "$s" >> "$2"
    done
}

# home SQL: a query on the home shard (shard 1)
home() { ch_q "$CH1" "$1"; }

"$WW" simulate --out "$T/sim" --seed 7 --scenario worm,flood,backscatter,scanners --sensors 4x/20 \
    --duration 4d --background-days 3 --stop-infected 0.2 --format dshield > /dev/null || fail "simulate"
# the research scanners' ranges (bench/detection.py's): their sweep of
# 8443/tcp is a surge unless the detector skips them
printf '162.142.125.0/24 censys\n167.94.138.0/24 censys\n' > "$T/known"

cat > "$T/feed.py" <<'PY'
"""feed.py FROM TO KEYFILE URL... : batches [FROM, TO) of the plan (1,000
lines of one sensor each; sensors lagged 0-6 h, each in its own order), each
to a URL drawn at random (seeded by its number), the next URL if that one is
down; prints the release point every sensor allows after them (the least
of the sensors' latest event times, microseconds).
feed.py -1: the number of batches; feed.py -2 T: how many batches it takes
for that release point to pass T (seconds)."""
import calendar, glob, http.client, os, random, sys, time, urllib.parse
T = os.path.dirname(os.path.abspath(__file__))
lo, hi, keys, urls = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3]).read().split(), sys.argv[4:]
def ts(line):
    return calendar.timegm(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S"))
plan, r = [], random.Random(15)
for i, path in enumerate(sorted(glob.glob(T + "/sim/sensor-*.tsv"))):
    lines, lag = open(path).read().splitlines(True), r.randint(0, 6 * 3600)
    for k in range(0, len(lines), 1000):
        plan.append((ts(lines[k]) + lag, i, k // 1000, lines[k:k + 1000]))
plan.sort(key=lambda b: (b[0], b[1], b[2]))
def release(n):
    wm = {}
    for b in plan[:n]:
        wm[b[1]] = max(wm.get(b[1], 0), ts(b[3][-1]))
    return min(wm.values()) if len(wm) == 4 else 0
if lo == -1:
    print(len(plan)); sys.exit(0)
if lo == -2:
    print(min(n for n in range(len(plan) + 1) if release(n) > hi)); sys.exit(0)
def send(url, b):
    u = urllib.parse.urlparse(url)
    for _ in range(200):
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        c.request("POST", "/api/v1/submit", "".join(b[3]).encode(), {
            "Authorization": "Bearer " + keys[b[1]], "X-Batch-Id": "s%d-b%d" % (b[1], b[2]),
            "Content-Type": "text/tab-separated-values"})
        resp = c.getresponse()
        data = resp.read()
        if resp.status == 200:
            return
        if resp.status not in (429, 503):
            sys.exit("batch s%d-b%d: %d %s" % (b[1], b[2], resp.status, data.decode()))
        time.sleep(0.2)
    sys.exit("batch s%d-b%d: still refused" % (b[1], b[2]))
for n in range(lo, hi):
    pick = random.Random(n).randrange(len(urls))
    for k in range(len(urls)):
        try:
            send(urls[(pick + k) % len(urls)], plan[n])
            break
        except (ConnectionError, OSError):
            if k == len(urls) - 1:
                raise
print(release(hi) * 1000000)
PY
NB=$(python3 "$T/feed.py" -1 0 /dev/null) || fail "feed plan"
# the kill: once the flood (2006-08-04 00:00-00:10) is an hour behind every sensor
CUT=$(python3 "$T/feed.py" -2 "$(date -u -d 2006-08-04T01:10:00Z +%s)" /dev/null) || fail "feed plan"
[ "$CUT" -lt "$NB" ] || fail "the plan has no batch after the flood"

# ---- the reference: one SQLite collector, every batch in the plan's order ----
keys "$T/ref.db" "$T/ref.keys"
fe ref --db "$T/ref.db" --known-scanners "$T/known"
R=$(python3 "$T/feed.py" 0 "$NB" "$T/ref.keys" "$URL_ref") || fail "feeding the SQLite collector"
RT=$(date -u -d "@$((R / 1000000))" +%Y-%m-%dT%H:%M:%SZ)
for _ in $(seq 300); do
    curl -sf "$URL_ref/api/v1/sensors" | grep -q "\"release_point\": *\"$RT\"" && break
    sleep 0.1
done
curl -sf "$URL_ref/api/v1/alerts?limit=1000&growth=0" > "$T/ref.alerts" || fail "SQLite: /api/v1/alerts"
curl -sf "$URL_ref/api/v1/floods?limit=1000" > "$T/ref.floods" || fail "SQLite: /api/v1/floods"
kill -TERM "$PID_ref"; wait "$PID_ref" 2>/dev/null
sqlite3 "$T/ref.db" "SELECT kind || ' ' || body FROM notices ORDER BY id" > "$T/ref.notices"
grep -q '^surge ' "$T/ref.notices" && grep -q '^flood ' "$T/ref.notices" ||
    fail "the reference raised no surge or no flood notice: $(cat "$T/ref.notices")"

# ---- two front-ends on a two-shard cluster ----
P1=${CH1##*:} P2=${CH2##*:}
DB="clickhouse://127.0.0.1:$P1/default?cluster=ww&shards=127.0.0.1:$P1,127.0.0.1:$P2"
keys "$DB" "$T/ch.keys"
fe a --db "$DB" --known-scanners "$T/known"
for _ in $(seq 300); do
    HOLDER=$(home "SELECT v FROM meta WHERE k = 'detector' ORDER BY ver DESC, v DESC LIMIT 1")
    [ -n "$HOLDER" ] && break
    sleep 0.1
done
[ -n "$HOLDER" ] || fail "front-end A took no lease"
fe b --db "$DB" --known-scanners "$T/known"

# caught_up R: waits (up to 120 s) until the holder has judged up to R
caught_up() {
    local wm
    for _ in $(seq 1200); do
        wm=$(home "SELECT argMax(v, ver) FROM meta WHERE k = 'surge_wm'")
        [ "$wm" = "$1" ] && return 0
        sleep 0.1
    done
    fail "the detector judged up to ${wm:-nothing}, not $1 (lease: $(home "SELECT v, ver FROM meta WHERE k = 'detector' ORDER BY ver DESC LIMIT 1"))"
}

R1=$(python3 "$T/feed.py" 0 "$CUT" "$T/ch.keys" "$URL_a" "$URL_b") || fail "feeding up to the kill"
caught_up "$R1"
[ "$(home "SELECT count() FROM notices WHERE kind = 'flood'")" = 1 ] ||
    fail "no flood notice before the kill (the test must kill after one)"
kill -9 "$PID_a"; wait "$PID_a" 2>/dev/null
echo "$CUT of $NB batches fed, judged up to $R1; kill -9 of front-end A (lease $HOLDER)"
R2=$(python3 "$T/feed.py" "$CUT" "$NB" "$T/ch.keys" "$URL_a" "$URL_b") || fail "feeding the rest"
[ "$R2" = "$R" ] || fail "the two feeds end at $R2, not $R"
caught_up "$R"
NEW=$(home "SELECT v FROM meta WHERE k = 'detector' ORDER BY ver DESC, v DESC LIMIT 1")
[ -n "$NEW" ] && [ "$NEW" != "$HOLDER" ] || fail "the lease stayed with the killed front-end ($HOLDER)"

# what the detector wrote, on the home shard; then the same through the API
home "SELECT port, proto, start, alert, end, sources, new_sources, baseline_new, score, kind, side,
      sensors, new_targets, ver FROM alerts FINAL FORMAT JSONEachRow" > "$T/ch.alert_rows"
home "SELECT IPv6NumToString(target) AS target, port, proto, start, end, sources, records, ver
      FROM floods FINAL FORMAT JSONEachRow" > "$T/ch.flood_rows"
home "SELECT kind, body FROM (SELECT id, kind, body FROM notices FINAL) ORDER BY id FORMAT TSVRaw" |
    tr '\t' ' ' > "$T/ch.notices"
python3 - "$T" <<'PY' || fail "the ClickHouse store's detector differs from the SQLite store's"
import json, sys, time
T = sys.argv[1]
keep = ("port", "proto", "start", "alert", "end", "sources", "new_sources", "baseline_new", "score",
        "kind", "side", "sensors", "new_targets")
fkeep = ("target", "port", "proto", "start", "end", "sources", "records")
def rfc(us):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(us) // 1000000))
def api(x):  # a row as the API shows it
    x = dict(x)
    for k in ("port", "sources", "new_sources", "sensors", "new_targets", "records"):
        if k in x: x[k] = int(x[k])
    x["proto"] = {6: "tcp", 17: "udp", 1: "icmp"}.get(int(x["proto"]), int(x["proto"]))
    for k in ("start", "alert", "end"):
        if k in x: x[k] = rfc(x[k])
    if "target" in x and x["target"].startswith("::ffff:"): x["target"] = x["target"][7:]
    return x
rows = lambda f: [json.loads(l) for l in open(T + "/" + f) if l.strip()]
ref = sorted(tuple(x.get(k) for k in keep) for x in json.load(open(T + "/ref.alerts"))["alerts"])
ch = sorted(tuple(api(x).get(k) for k in keep) for x in rows("ch.alert_rows"))
assert ref and any(a[:2] == (139, "tcp") for a in ref), ref
assert not any(a[0] == 8443 for a in ref), ("the known scanners' sweep judged", ref)
assert ch == ref, ("alerts", ch, ref)
rf = sorted(tuple(x.get(k) for k in fkeep) for x in json.load(open(T + "/ref.floods"))["floods"])
cf = sorted(tuple(api(x).get(k) for k in fkeep) for x in rows("ch.flood_rows"))
assert rf and cf == rf, ("floods", cf, rf)
# Notices: one per alert and flood, each once. A body is the alert or
# flood as first stored, so its end and growth depend on how far judging had
# got then (in the SQLite store too: on its group commits); what was called
# (the figures at the call) and the bodies' form (the same json_object) not.
def notices(name):
    out = []
    for l in open("%s/%s.notices" % (T, name)):
        if not l.strip(): continue
        kind, body = l.rstrip("\n").split(" ", 1)
        pairs = json.loads(body, object_pairs_hook=list)
        fixed = [(k, v) for k, v in pairs if k not in ("end", "explanation", "sources", "records")
                 or (kind == "surge" and k == "sources")]
        out.append((kind, [k for k, _ in pairs], json.dumps(fixed)))
    return sorted(out)
rn, cn = notices("ref"), notices("ch")
assert cn == rn, ("notices", cn, rn)
assert len(cn) == len(ch) + len(cf), ("a notice per alert and flood", cn)
print("%d alert(s) %s, %d flood(s), %d notices: as the SQLite store's, each once"
      % (len(ch), [a[:3] + (a[9],) for a in ch], len(cf), len(cn)))
PY
curl -sf "$URL_b/api/v1/alerts?limit=1000&growth=0" > "$T/ch.alerts" || fail "ClickHouse: /api/v1/alerts"
curl -sf "$URL_b/api/v1/floods?limit=1000" > "$T/ch.floods" || fail "ClickHouse: /api/v1/floods"
curl -sf "$URL_b/api/v1/sensors" > "$T/ch.sensors" || fail "ClickHouse: /api/v1/sensors"
python3 - "$T" <<'PY' || fail "the ClickHouse store's API differs from the SQLite store's"
import json, sys
T = sys.argv[1]
keep = ("port", "proto", "start", "alert", "end", "sources", "new_sources", "baseline_new", "score",
        "kind", "side", "sensors", "new_targets")
def alerts(name):
    return sorted(tuple(x.get(k) for k in keep) for x in json.load(open("%s/%s.alerts" % (T, name)))["alerts"])
ch = alerts("ch")
assert ch == alerts("ref"), ("/api/v1/alerts", ch, alerts("ref"))
assert len({a[:3] for a in ch}) == len(ch), ("an alert twice", ch)
floods = lambda n: sorted(json.dumps(f, sort_keys=True) for f in json.load(open("%s/%s.floods" % (T, n)))["floods"])
assert floods("ch") == floods("ref"), ("/api/v1/floods", floods("ch"), floods("ref"))
s = json.load(open(T + "/ch.sensors"))
assert s["late_events"] == 0, s
print("/api/v1/alerts, /api/v1/floods: the same, each once; no late events")
PY
echo "lease: $HOLDER (killed) -> $NEW"

# a clean stop gives the lease up (v = ''): the next front-end takes it at
# once; with retention-days = 1 it drops every day of these 2006 events on
# both shards (raw events and hourly aggregates), and keeps the daily ones
kill -TERM "$PID_b"; wait "$PID_b"; rc=$?
[ $rc = 0 ] || fail "front-end B: exit $rc on SIGTERM"
[ -z "$(home "SELECT v FROM meta WHERE k = 'detector' ORDER BY ver DESC, v DESC LIMIT 1")" ] ||
    fail "a clean stop kept the lease"
echo "retention-days = 1" > "$T/ret.conf"
fe c --db "$DB" --config "$T/ret.conf"
for _ in $(seq 300); do
    [ "$(ch_q "$CH1" "SELECT count() FROM events_local") $(ch_q "$CH2" "SELECT count() FROM events_local")" = "0 0" ] && break
    sleep 0.1
done
for u in "$CH1" "$CH2"; do
    [ "$(ch_q "$u" "SELECT count() FROM system.parts WHERE active AND database = currentDatabase()
                     AND table IN ('events_local', 'agg_hour_local')")" = 0 ] ||
        fail "retention: $u still has $(ch_q "$u" "SELECT table, partition FROM system.parts WHERE active
              AND table IN ('events_local', 'agg_hour_local')" | tr '\n' ' ')"
done
[ "$(home "SELECT count() > 0 FROM agg_day")" = 1 ] || fail "retention dropped the daily aggregates"
echo "retention-days = 1: the 2006 days' raw events and hourly aggregates dropped on both shards"
echo ok
