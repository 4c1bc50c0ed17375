#!/usr/bin/env bash
# demo.sh -- one command: a collector with a worm outbreak on its dashboard.
#
# Starts `wormwatch serve` on 127.0.0.1:8080 (or the next free port) with a
# fresh store in a temporary directory, simulates two days of background
# radiation on four /20 sensors ending now, with a Code Red-like worm on
# 139/tcp over the last four hours, and loads it through the real
# submission path: one `wormwatch sensor` per sensor, with its own key,
# following its log file. A feeder appends the simulated lines to those
# files half an hour of simulated time at a time, waiting for the collector
# to have stored each step, so the collector sees the four sensors' events
# in time order (its surge detector judges hours as they come). Then it
# prints the dashboard's URL and serves until Ctrl-C, and cleans up.
# Builds nothing: build/wormwatch must exist (make build).
#
# Environment (the browser test, tests/e2e/dashboard.sh, uses these):
#   WW              the binary (default build/wormwatch)
#   WW_DEMO_DIR     work directory, kept (default: a temporary one, removed)
#   WW_DEMO_PORT    first port to try (default 8080; 0 = any free port)
#   WW_DEMO_READY   a file to write the URL into once everything is loaded
#   WW_DEMO_END     when the outbreak ends (RFC 3339; default now): a past
#                   time loads history, as a collector fed old logs holds
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WW=${WW:-$ROOT/build/wormwatch}
[ -x "$WW" ] || { echo "demo: $WW not found; run 'make build' first" >&2; exit 1; }
for tool in curl python3; do
    command -v $tool > /dev/null || { echo "demo: $tool is needed" >&2; exit 1; }
done
if [ -n "${WW_DEMO_DIR:-}" ]; then D=$WW_DEMO_DIR; mkdir -p "$D"; KEEP=1
else D=$(mktemp -d); KEEP=; fi
SERVE= SENSORS=
cleanup() {
    for p in $SENSORS $SERVE; do kill "$p" 2>/dev/null; done
    for p in $SENSORS $SERVE; do wait "$p" 2>/dev/null; done
    [ -z "$KEEP" ] && rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
die() { echo "demo: $*" >&2; exit 1; }

# 1. the collector, on the first free port
DB=$D/wormwatch.db
port=${WW_DEMO_PORT:-8080}
for try in $(seq 20); do
    "$WW" serve --db "$DB" --listen "127.0.0.1:$port" --rate-limit 0 ${WW_DEMO_SERVE_ARGS:-} 2> "$D/serve.log" &
    SERVE=$!
    URL=
    for _ in $(seq 100); do
        URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$D/serve.log" | head -1)
        [ -n "$URL" ] && break
        kill -0 $SERVE 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$URL" ] && break
    wait $SERVE 2>/dev/null; SERVE=
    [ "$port" = 0 ] && break
    port=$((port + 1))
done
[ -n "$URL" ] || die "serve did not start: $(tail -3 "$D/serve.log")"
echo "demo: collector at $URL (store $DB)"

# 2. the outbreak: two days ending now (or at WW_DEMO_END), the worm in the last four hours
now=$(date -u -d "${WW_DEMO_END:-now}" +%s) || die "WW_DEMO_END: not a time: $WW_DEMO_END"
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
"$WW" simulate -q --out "$D/sim" --format dshield --seed 7 --sensors 4x/20 \
    --start "$(iso $((now - 2 * 86400)))" --duration 2d \
    --worm 139/tcp --worm-start "$(iso $((now - 4 * 3600)))" --scan-rate 10 --initial 10 \
    || die "simulate failed"

# 3. one key and one sensor process per simulated sensor, and one
# anonymization key for them all, as a deployment shares one (targets leave
# the sensors as pseudonyms under it: wormwatch-sensor(1))
mkdir -p "$D/feed"
(umask 077; head -c 32 /dev/urandom > "$D/anonymize.key")
for f in "$D"/sim/sensor-*.tsv; do
    name=$(basename "$f" .tsv)
    "$WW" key add "$name" --db "$DB" | grep -oE '[0-9a-f]{64}' | head -1 > "$D/$name.key"
    [ -s "$D/$name.key" ] || die "key add $name failed"
    "$WW" sensor --collector "$URL" --key-file "$D/$name.key" --state "$D/state-$name" \
        --anonymize-key "$D/anonymize.key" --batch 1000 --flush 0.2 "$D/feed/$name.tsv" \
        2> "$D/$name.log" &
    SENSORS="$SENSORS $!"
done

# 4. feed the sensors' logs in time order, a step at a time
python3 - "$D/sim" "$D/feed" "$URL" <<'PY' || die "loading failed (sensor logs in $D)"
import glob, os, sys, time, urllib.request
sim, feed, url = sys.argv[1:4]
STEP = 1800  # seconds of simulated time per step
def epoch(line):  # "YYYY-MM-DD HH:MM:SS +00:00" (simulate writes UTC)
    return time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")) - time.timezone
def ingested():
    with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
        for l in r.read().decode().splitlines():
            if l.startswith("wormwatch_events_ingested_total "):
                return int(float(l.split()[1]))
    return 0
files = sorted(glob.glob(sim + "/sensor-*.tsv"))
steps = {}  # step -> [(file, lines)]
for f in files:
    for line in open(f):
        steps.setdefault(int(epoch(line)) // STEP, {}).setdefault(f, []).append(line)
fed, last = 0, time.time()
for i, k in enumerate(sorted(steps)):
    for f, lines in steps[k].items():
        with open(os.path.join(feed, os.path.basename(f)), "a") as out:
            out.writelines(lines)
        fed += sum(int(l.split("\t")[2]) for l in lines)
    deadline = time.time() + 120
    while ingested() < fed:
        if time.time() > deadline:
            sys.exit("demo: the collector stored %d of %d records" % (ingested(), fed))
        time.sleep(0.05)
    if time.time() - last > 5 or i == len(steps) - 1:
        print("demo: loaded %d records (%d of %d steps)" % (fed, i + 1, len(steps)), flush=True)
        last = time.time()
PY

echo "demo: dashboard at $URL/  (Ctrl-C to stop)"
[ -n "${WW_DEMO_READY:-}" ] && echo "$URL" > "$WW_DEMO_READY"
wait $SERVE
