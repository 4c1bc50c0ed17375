#!/bin/sh
# bench/load.sh BUILD -- the collector under load (issues 4 and 16).
#
# 1. For each of WW_LOAD_CONNS (default "4 16": a list) connection counts,
#    and once more with WW_LOAD_NEW_CONNS (default 16; empty: skipped)
#    connections where every event is a new source (load -n): starts
#    `wormwatch serve` on a fresh temporary store, loopback, no rate limit,
#    a sensor key per connection; bench/load.c sends batches of 1,000
#    DShield events for WW_LOAD_SECONDS (default 60) s; events/s, p50/p99
#    batch latency, the collector's CPU time (user + system, from
#    /proc/PID/stat) over the run and per event, its peak RSS. Every event
#    answered 200 must be in the aggregates afterwards. With WW_LOAD_PERF=DIR
#    the collector is also profiled (perf record -g) into
#    DIR/perf-CONNS[-new].data.
# 2. Pre-fills 90 days of history worth WW_LOAD_PREFILL (default 100 M; 0:
#    skips 2 and 3) records. Submitting 100 M single-record lines would
#    take the better part of an hour, so the prefill goes through the same
#    submit path but uses DShield's count column: per day, 24 hours x 64
#    ports x 20 sources, each line standing for PREFILL / (90 x 30,720)
#    records. The aggregates then hold 100 M records over 2.8 M distinct
#    (hour, port, source) rows.
# 3. Times 200 queries of /api/v1/porthistory/445 over those 90 days on one
#    keep-alive connection (curl's time_total): p50, p99.
# 4. Prints the results and, unless WW_BENCH_DOC is empty, writes them into
#    docs/PERFORMANCE.md under "## Collector" (replacing that section).
set -eu
B=${1:-build}
WW=$B/wormwatch
SECS=${WW_LOAD_SECONDS:-60}
CONNS_LIST=${WW_LOAD_CONNS:-4 16}
NEW_CONNS=${WW_LOAD_NEW_CONNS-16}
PREFILL=${WW_LOAD_PREFILL:-100000000}
PERF=${WW_LOAD_PERF:-}
DOC=${WW_BENCH_DOC-docs/PERFORMANCE.md}
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$T"' EXIT
cc -std=c17 -O2 -Wall -Wextra -pthread bench/load.c -o "$T/load"
: > "$T/load.out"

# serve DB: starts the collector on store DB; sets PID and URL
serve() {
    "$WW" serve --db "$1" --listen 127.0.0.1:0 --rate-limit 0 --max-body 16777216 2> "$T/serve.log" &
    PID=$!
    for _ in $(seq 600); do grep -qs "listening on" "$T/serve.log" && break; sleep 0.05; done
    ADDR=$(grep -o '127\.0\.0\.1:[0-9]*' "$T/serve.log" | head -1)
    [ -n "$ADDR" ] || { echo "load: serve did not start: $(cat "$T/serve.log")" >&2; exit 1; }
    URL=http://$ADDR
}

# the collector's CPU time so far, in clock ticks (utime + stime)
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

# run CONNS [-n]: one load run on a fresh store
run() {
    conns=$1
    shift
    DB=$T/ww-$conns${1:+-new}.db
    KEYS=
    for i in $(seq "$conns"); do
        KEYS=$KEYS${KEYS:+,}$("$WW" key add "bench-$i" --db "$DB" | grep -oE '[0-9a-f]{64}' | head -1)
    done
    serve "$DB"
    echo "load: $conns connections${1:+ (every source new)}, $SECS s ..." >&2
    if [ -n "$PERF" ]; then
        mkdir -p "$PERF"
        perf record -q -g -p "$PID" -o "$PERF/perf-$conns${1:+-new}.data" 2>/dev/null &
        PERF_PID=$!
    fi
    c0=$(ticks)
    "$T/load" -c "$conns" -t "$SECS" "$@" "$ADDR" "$KEYS" > "$T/run.out" ||
        { cat "$T/run.out"; echo "load: failed (above); serve said: $(tail -5 "$T/serve.log")" >&2; exit 1; }
    c1=$(ticks)
    [ -n "$PERF" ] && { kill -INT $PERF_PID; wait $PERF_PID || true; }
    # every event answered 200 is in the aggregates (the load's events are
    # on 8 ports, from three days ago on: a second per batch)
    ING=$(curl -s "$URL/metrics" | awk '/^wormwatch_events_ingested_total/ {print $2}')
    AGG=$(python3 - "$URL" <<'PY'
import json, sys, time, urllib.request
n = 0
for d in range(5):
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - d * 86400))
    with urllib.request.urlopen("%s/api/v1/topports/records?limit=100&date=%s" % (sys.argv[1], day)) as r:
        n += sum(p["records"] for p in json.load(r)["ports"])
print(n)
PY
)
    RSS=$(awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' /proc/$PID/status)
    CPU=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz}')
    PER=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$ING" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')
    echo "$(cat "$T/run.out"); ingested $ING events, aggregated $AGG records, collector CPU $CPU s ($PER us an event), peak RSS $RSS MiB" |
        tee -a "$T/load.out"
    kill -TERM $PID; wait $PID || true; PID=
    sync # the next run's fsyncs not behind this one's write-back
    [ "$ING" = "$AGG" ] || { echo "load: aggregates do not match what was ingested" >&2; exit 1; }
}

for c in $CONNS_LIST; do run "$c"; done
[ -z "$NEW_CONNS" ] || run "$NEW_CONNS" -n

query=skipped
if [ "$PREFILL" != 0 ]; then
serve "$T/prefill.db"
KEY=$("$WW" key add bench --db "$T/prefill.db" | grep -oE '[0-9a-f]{64}' | head -1)
echo "prefill: 90 days, $PREFILL records ..." >&2
TODAY=$(date -u +%s)
start=$(date +%s.%N)
for d in $(seq 90 -1 1); do
    python3 - "$TODAY" "$d" "$PREFILL" > "$T/day.tsv" <<'PY'
import sys, time
today, d, total = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
day0 = (today // 86400 - d) * 86400
per = max(1, total // (90 * 24 * 64 * 20))
ports = [445, 22, 23, 80, 443, 1433, 3389, 8080] + list(range(5000, 5056))
out = []
for h in range(24):
    stamp = time.strftime("%Y-%m-%d %H:30:00 +00:00", time.gmtime(day0 + h * 3600))
    for i, p in enumerate(ports):
        for s in range(20):
            src = "10.%d.%d.%d" % (d, h, (i * 20 + s) % 250 + 1)
            out.append("%s\t0\t%d\t%s\t40000\t198.51.0.0\t%d\ttcp\tSYN\n" % (stamp, per, src, p))
sys.stdout.write("".join(out))
PY
    code=$(curl -s -o "$T/resp" -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
        -H "X-Batch-Id: prefill-$d" -H 'Content-Type: text/tab-separated-values' \
        --data-binary "@$T/day.tsv" "$URL/api/v1/submit")
    [ "$code" = 200 ] || { echo "prefill day $d: $code $(cat "$T/resp")" >&2; exit 1; }
done
fill=$(echo "$(date +%s.%N) - $start" | bc)

FROM=$(date -u -d "@$((TODAY - 90 * 86400))" +%Y-%m-%d)
TO=$(date -u -d "@$((TODAY - 86400))" +%Y-%m-%d)
Q="$URL/api/v1/porthistory/445?from=$FROM&to=$TO"
curl -s "$Q" > "$T/hist.json"
set --
for _ in $(seq 200); do set -- "$@" -o /dev/null "$Q"; done
curl -s -w "%{time_total}\n" "$@" | sort -n > "$T/q.txt"
q50=$(sed -n 100p "$T/q.txt"); q99=$(sed -n 198p "$T/q.txt")
query=$(printf 'porthistory/445 over 90 days (%s records pre-filled in %.0f s, %s bytes of JSON): p50 %.2f ms, p99 %.2f ms (200 queries)' \
    "$PREFILL" "$fill" "$(wc -c < "$T/hist.json")" "$(echo "$q50 * 1000" | bc)" "$(echo "$q99 * 1000" | bc)")
echo "$query"
kill -TERM $PID; wait $PID || true; PID=
fi

[ -n "$DOC" ] || exit 0
python3 - "$DOC" "$T/load.out" "$query" "$CONNS_LIST" "$SECS" <<'PY'
import sys, re, platform, os
doc, loadf, query, conns, secs = sys.argv[1:]
conns = " and ".join(conns.split())
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
sec = ("## Collector\n\n"
       "`bench/load.sh build` (bench/load.c: %s keep-alive connections, batches of 1,000\n"
       "DShield TSV events, each connection waiting for its 200 before the next batch,\n"
       "%s s each on a fresh store, then the same where every event is a new source;\n"
       "then a 90-day port history query). Machine: %s, %d CPUs, shared by the load\n"
       "generator. The store commits every batch (group commit, synchronous=FULL) before answering.\n\n"
       "%s\n- query: %s\n\n"
       "The 90-day history is pre-filled through the same submit path with DShield's\n"
       "count column (one line stands for many identical records), since submitting\n"
       "100 M single-record lines would take far longer than the benchmark.\n"
       % (conns, secs, cpu, os.cpu_count(), "\n".join("- ingest: " + l for l in open(loadf).read().strip().split("\n")), query))
text = open(doc).read()
m = re.search(r"^## Collector\n.*?(?=^## |\Z)", text, re.S | re.M)
text = text[:m.start()] + sec + ("\n" if text[m.end():] else "") + text[m.end():] if m else text.rstrip("\n") + "\n\n" + sec
open(doc, "w").write(text)
PY
echo "wrote $DOC" >&2
