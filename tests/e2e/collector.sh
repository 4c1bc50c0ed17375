#!/usr/bin/env bash
# The collector's crash safety: 200 batches streamed while `wormwatch serve`
# is kill -9'd midway and restarted on the same port, each retried with its
# X-Batch-Id until it gets a 200; the API's totals then count every batch
# exactly once. (The rest of the collector's contract is data:
# tests/e2e/cases/collector_*.case.)
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }
. "$(dirname "$0")/serve.bash"
DB=$T/ww.db
DAY=2026-01-15

serve_key K1 sensor-1
serve_start --db "$DB" --max-body 65536 --rate-limit 0
serve_records before 8080 $DAY
for j in 1 2 3 4 5; do # each batch: 5 lines from distinct sources
    printf '%s 10:00:%02d +00:00\t0\t1\t203.0.113.%d\t40000\t198.51.0.0\t8080\ttcp\tSYN\n' $DAY $j $j
done > "$T/c.tsv"
(
    for i in $(seq 200); do
        echo $i > "$T/progress"
        for try in $(seq 200); do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST \
                -H "Authorization: Bearer $K1" -H "X-Batch-Id: crash-$i" \
                -H 'Content-Type: text/tab-separated-values' --data-binary "@$T/c.tsv" "$URL/api/v1/submit")
            [ "$code" = 200 ] && break
            sleep 0.05
        done
        [ "$code" = 200 ] || { echo "batch $i never got a 200" > "$T/crash.err"; exit 1; }
    done
) &
LOOP=$!
sleep 1
kill -9 $PID; wait $PID 2>/dev/null; PID=
[ "$(cat "$T/progress")" -lt 200 ] || fail "the kill came after the last batch; not a crash test"
sleep 0.3
SERVE_PORT=$PORT serve_start --db "$DB" --max-body 65536 --rate-limit 0
wait $LOOP || fail "$(cat "$T/crash.err")"
serve_records after 8080 $DAY
[ $((after - before)) = 1000 ] || fail "after a kill -9: $((after - before)) records, want 1000 (200 batches x 5)"
serve_stop
echo "collector: all checks passed"
