#!/usr/bin/env bash
# collector_kinds.sh -- what the collector calls a worm and what it does not
# (issue 14), through a real `wormwatch serve` fed DShield TSV batches under
# four sensor keys, with a kill -9 and a restart in the middle:
#   - a simulated Code Red-like worm on 139/tcp (4 /20 sensors, 3 days of
#     background, the worm on the fourth): one alert, kind spreading, its
#     new sources on >= 2 sensors, a doubling time, the kind in words;
#   - a spoofed SYN flood on day 3: 300 random sources to one address on
#     80/tcp within five minutes: a flood on /api/v1/floods (and /metrics,
#     a "flood" notice, `report floods`, the dashboard), no alert on 80;
#   - a Witty-like worm on day 3: UDP from source port 4000 to random
#     destination ports and addresses on two sensors, its new sources
#     doubling every hour (after two days of a trickle from that port): an
#     alert on source port 4000/udp, "Witty-like" in its explanation, the
#     dashboard's port page saying so.
# The flood and the Witty-like events are sent before the kill by two
# sensors running ahead of the other two, so they wait in the hold (event
# time) when the collector dies and come back from the log at the restart:
# the log must keep their source ports and TCP flags.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
command -v sqlite3 > /dev/null || { echo "sqlite3 not installed"; exit 77; }
T=$(mktemp -d)
HERE=$(cd "$(dirname "$0")" && pwd)
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }
. "$HERE/serve.bash"

"$WW" simulate --out "$T/sim" --seed 7 --worm 139/tcp --sensors 4x/20 --duration 4d \
    --background-days 3 --format dshield > /dev/null || fail "simulate"

# the flood and the Witty-like worm, merged into the sensors' files in time order
python3 - "$T/sim" <<'PY' || fail "making the flood and the Witty-like worm"
import glob, random, sys
from datetime import datetime, timedelta
d = sys.argv[1]
files = sorted(glob.glob(d + "/sensor-*.tsv"))
R = random.Random(14)
def ip():
    return "%d.%d.%d.%d" % (R.randint(11, 200), R.randint(0, 255), R.randint(0, 255), R.randint(1, 254))
def tgt(i):  # an address of sensor i: the /20 its file's first target is in
    a = open(files[i]).readline().split("\t")[5].split(".")
    return "%s.%s.%d.%d" % (a[0], a[1], (int(a[2]) & 0xf0) + R.randint(0, 15), R.randint(1, 254))
def line(t, src, sport, dst, dport, proto, flags):
    return "%s +00:00\t00\t1\t%s\t%d\t%s\t%d\t%d\t%s\n" % (t.strftime("%Y-%m-%d %H:%M:%S"), src, sport,
                                                        dst, dport, proto, flags)
add = {i: [] for i in range(len(files))}
day3 = datetime(2006, 8, 3)
# a flood: 300 spoofed sources, one target on sensor 0, 80/tcp, within 5 minutes
target = tgt(0)
open(d + "/flood-target", "w").write(target)
for k in range(300):
    add[0].append(line(day3 + timedelta(hours=12, seconds=k), ip(), R.randint(1024, 65535), target, 80, 6, "S"))
# UDP from port 4000 now and then (a source port's background) ...
t = datetime(2006, 8, 1)
while t < day3 + timedelta(hours=13):
    i = R.randrange(len(files))
    add[i].append(line(t + timedelta(seconds=R.randint(0, 3599)), ip(), 4000, tgt(i), R.randint(1024, 65535), 17, ""))
    t += timedelta(minutes=30)
# ... then a Witty-like worm on sensors 0 and 1: new sources doubling every hour
n = 8
for h in range(14, 19):
    for k in range(n):
        src = ip()
        for _ in range(3):  # each to random ports and addresses
            i = R.randrange(2)
            add[i].append(line(day3 + timedelta(hours=h, seconds=R.randint(0, 3599)), src, 4000, tgt(i),
                               R.randint(1, 65535), 17, ""))
    n *= 2
for i, f in enumerate(files):
    lines = open(f).readlines() + add[i]
    lines.sort(key=lambda l: l[:19])
    open(f, "w").writelines(lines)
PY
FILES=$(ls "$T"/sim/sensor-*.tsv)
TARGET=$(cat "$T/sim/flood-target")

# feed ORDER: the batches (1,000 lines of one sensor, under its key) by
# their first event time; before: sensors 0 and 1 up to 2006-08-03 20:00,
# 2 and 3 up to 11:00 (so day 3's afternoon waits for them); after: the rest
feed() {
    E2E="$HERE" python3 - "$URL" "$1" "$T/keys" $FILES <<'PY'
import http.client, os, sys, urllib.parse
sys.path.insert(0, os.environ["E2E"])
from batches import batches, post
url, order, keyfile, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
keys = open(keyfile).read().split()
out = batches(files)
cut = lambda b: b[3][-1][:19] < ("2006-08-03 20:00:00" if b[1] < 2 else "2006-08-03 11:00:00")
out = [b for b in out if cut(b) == (order == "before")]
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
for _, i, n, lines in out:
    post(conn, keys[i], "s%d-b%d" % (i, n), lines)
PY
}

DB=$T/kinds.db
: > "$T/keys"
for i in 0 1 2 3; do serve_key k "sensor-$i"; echo "$k" >> "$T/keys"; done
serve_start --db "$DB" --rate-limit 0
feed before || fail "feeding the first part"
# the flood and the Witty-like worm wait for sensors 2 and 3 (event time)
curl -sf "$URL/api/v1/sensors" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["release_point"] < "2006-08-03T12:00:00Z" < "2006-08-03T18:00:00Z" < s["frontier"], s
assert s["waiting_events"] > 300, s  # at least the flood waits, and is counted' ||
    fail "the flood and the Witty-like worm are judged already: they do not wait in the hold"
kill -9 $PID; wait $PID 2>/dev/null; PID=
SERVE_PORT=$PORT serve_start --db "$DB" --rate-limit 0
feed after || fail "feeding the rest"

curl -sf "$URL/api/v1/alerts?limit=100" > "$T/alerts.json" || fail "/api/v1/alerts"
curl -sf "$URL/api/v1/floods" > "$T/floods.json" || fail "/api/v1/floods"
curl -sf "$URL/api/v1/floods?date=2006-08-03" > "$T/floods3.json" || fail "/api/v1/floods?date="
curl -sf "$URL/api/v1/floods?date=2006-08-01" > "$T/floods1.json" || fail "/api/v1/floods?date="
python3 - "$T" "$TARGET" <<'PY' || fail "alerts and floods"
import json, sys
T, target = sys.argv[1], sys.argv[2]
alerts = json.load(open(T + "/alerts.json"))["alerts"]
for a in alerts:
    print("alert %s/%s %s %s: %s" % (a["port"], a["proto"], a["side"], a["kind"], a["explanation"]))
worm = [a for a in alerts if (a["port"], a["proto"], a["side"]) == (139, "tcp", "destination")]
assert len(worm) == 1, alerts
w = worm[0]
assert w["kind"] == "spreading", w
assert w["sensors"] >= 2 and w["new_targets"] >= 5, w
assert w["doubling_minutes"] and w["doubling_minutes"] > 0 and w["growth_per_hour"] > 0, w
assert w["new_per_bucket"] and sum(w["new_per_bucket"]) > 0, w
assert "; spreading: new sources doubling every " in w["explanation"], w["explanation"]
# the flood: never an alert, on /api/v1/floods
assert not [a for a in alerts if a["port"] == 80 and a["side"] == "destination"], alerts
floods = json.load(open(T + "/floods.json"))["floods"]
print("floods", floods)
f = [x for x in floods if (x["target"], x["port"], x["proto"]) == (target, 80, "tcp")]
assert len(f) == 1, floods
assert 250 <= f[0]["sources"] <= 300 and f[0]["records"] >= f[0]["sources"], f
assert "2006-08-03T12:00:00Z" <= f[0]["start"] <= f[0]["end"] < "2006-08-03T12:10:00Z", f
assert [x["target"] for x in json.load(open(T + "/floods3.json"))["floods"]].count(target) == 1
assert not json.load(open(T + "/floods1.json"))["floods"]
# the Witty-like worm: a surge of UDP source port 4000
witty = [a for a in alerts if (a["port"], a["proto"], a["side"]) == (4000, "udp", "source")]
assert len(witty) == 1, alerts
assert "from UDP source port 4000 to many destination ports (Witty-like)" in witty[0]["explanation"], witty
assert "2006-08-03T14:00:00Z" <= witty[0]["start"] < "2006-08-03T19:00:00Z", witty
# its new sources double every hour: spreading, not a campaign
assert witty[0]["kind"] == "spreading" and 30 < witty[0]["doubling_minutes"] < 120, witty
assert not [a for a in alerts if a not in worm + witty], alerts
PY
curl -sf "$URL/metrics" | grep -qx 'wormwatch_store_floods 1' || fail "/metrics: no floods gauge of 1"
"$WW" report --collector "$URL" floods | grep -q "$TARGET .*80/tcp" || fail "report floods: $("$WW" report --collector "$URL" floods)"
"$WW" report --collector "$URL" alerts | grep -q "139/tcp  spreading" || fail "report alerts: no kind"
curl -sf "$URL/alerts" > "$T/alerts.html" || fail "the dashboard's /alerts"
grep -q "<td class=\"k-text\" data-label=\"Target\">$TARGET</td>" "$T/alerts.html" || fail "the dashboard's /alerts shows no flood"
grep -q "data-label=\"Kind\">[a-z]*, UDP source port</td>" "$T/alerts.html" || fail "the dashboard's /alerts: no source-port kind"
curl -sf "$URL/port/4000?date=2006-08-04" | grep -q "Witty worm" || fail "the port page of 4000 does not say source port"
serve_stop
# the notices: one flood, one surge each, with the surge's kind
notices=$(sqlite3 "$DB" "SELECT kind || ' ' || coalesce(json_extract(body, '$.surge_kind'), json_extract(body, '$.target')) FROM notices WHERE kind IN ('surge', 'flood') ORDER BY kind, body" | sort | tr '\n' ',')
case "$notices" in
"flood $TARGET,surge "*",surge "*",") ;;
*) fail "notices: $notices" ;;
esac
echo "collector kinds: all checks passed"
