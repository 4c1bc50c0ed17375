#!/usr/bin/env bash
# The ClickHouse store gives the SQLite store's answers (issue 15, item 4),
# and a front-end's kill -9 loses no acknowledged batch.
#
# 1. Two real shards (clickhouse.bash), two `serve --db clickhouse://...`
#    front-ends (one on each shard's HTTP port) and one SQLite `serve`.
# 2. `wormwatch simulate --format dshield`: a Code Red-like worm on 139/tcp,
#    a botnet campaign on 23/tcp, a spoofed SYN flood and a DoS victim's
#    backscatter over two days of background, seen by four /22 sensors
#    (131,000 records; SQLite calls the worm and the campaign).
#    Each sensor's file goes, as 500-line batches, to the SQLite collector,
#    and, as 1,000-line batches each to a front-end drawn at random, to the
#    cluster; one thread per sensor, so the sensors interleave differently
#    on each side (clickhouse_diff.py send).
# 3. clickhouse_diff.py compare: records per (day, port, proto) and per
#    (hour, port) exact; distinct sources and targets per (day, port, proto)
#    within the HyperLogLog error of each engine against the exact counts
#    from the files (tolerance and its derivation: clickhouse_diff.py, tol);
#    the same alerts (port, proto, start, kind), once each; every API path
#    byte-identical on the two front-ends and the same figures as SQLite's
#    (sources: SQLite's Space-Saving lower bounds); the dashboard's numbers
#    equal.
# 4. Kill -9: another simulation from four new sensors streams to both
#    front-ends; one is killed mid-stream and its batches are retried at the
#    other. Every batch that got a 200 must be in the store (events per
#    sensor, read from ClickHouse, at least the acknowledged ones, and the
#    batch's done row with its count); any excess (a batch whose 200 never
#    came, sent again once its claim went stale) is printed.
# one-pass: build-asan (tests/run.sh): mostly ClickHouse's own time
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
command -v python3 > /dev/null || { echo "python3 not installed"; exit 77; }
T=$(mktemp -d)
HERE=$(cd "$(dirname "$0")" && pwd)
PY="python3 $HERE/clickhouse_diff.py"
SPIDS=
cleanup() {
    local p
    for p in $SPIDS; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    ch_stop
    rm -rf "$T"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    local f
    for f in "$T"/serve-*.log; do [ -s "$f" ] && { echo "-- $f"; tail -5 "$f"; }; done
    exit 1
}
. "$HERE/clickhouse.bash"

# start NAME --db DB: a collector in the background; sets NAME_PID, NAME_URL
start() {
    local name=$1 url; shift
    : > "$T/serve-$name.log"
    "$WW" serve --listen 127.0.0.1:0 --rate-limit 0 "$@" 2> "$T/serve-$name.log" &
    local pid=$!
    SPIDS="$SPIDS $pid"
    for _ in $(seq 600); do
        grep -q "listening on" "$T/serve-$name.log" && break
        kill -0 $pid 2>/dev/null || fail "serve $name exited: $(cat "$T/serve-$name.log")"
        sleep 0.05
    done
    url=$(grep -o 'http://[0-9.]*:[0-9]*' "$T/serve-$name.log" | head -1)
    [ -n "$url" ] || fail "serve $name: no 'listening on' line"
    printf -v "${name}_PID" %s $pid
    printf -v "${name}_URL" %s "$url"
}

# keys DB NAME...: a sensor key for each NAME, the secrets one a line on stdout
keys() {
    local db=$1 n s; shift
    for n in "$@"; do
        s=$("$WW" key add "$n" --db "$db" | grep -oE '[0-9a-f]{64}' | head -1)
        [ ${#s} = 64 ] || fail "key add $n --db $db printed no secret"
        echo "$s"
    done
}

ch_start
SHARDS=127.0.0.1:${CH1##*:},127.0.0.1:${CH2##*:}
DB1="clickhouse://127.0.0.1:${CH1##*:}/wwdiff?cluster=ww&shards=$SHARDS"
DB2="clickhouse://127.0.0.1:${CH2##*:}/wwdiff?cluster=ww&shards=$SHARDS"
SQ=$T/ww.db

"$WW" simulate --out "$T/sim" --format dshield --sensors 4x/22 --background-days 2 --duration 60h \
    --scenario worm:139/tcp,campaign,flood,backscatter --seed 3 -q || fail "simulate"
keys "$SQ" sim-00 sim-01 sim-02 sim-03 > "$T/sq.keys"
keys "$DB1" sim-00 sim-01 sim-02 sim-03 > "$T/ch.keys"
start SQL --db "$SQ"
start FE1 --db "$DB1"
start FE2 --db "$DB2"

echo "sending the outbreak: SQLite $SQL_URL, front-ends $FE1_URL $FE2_URL"
$PY send "$T/sim" "$SQL_URL" "$T/sq.keys" sim "$T/sq.ack" --batch 500 --seed 1 || fail "send to SQLite"
$PY send "$T/sim" "$FE1_URL,$FE2_URL" "$T/ch.keys" sim "$T/ch.ack" --batch 1000 --seed 2 ||
    fail "send to the front-ends"
echo "acknowledged: SQLite $(wc -l < "$T/sq.ack") batches; front-ends" \
    "$(grep -c "$FE1_URL" "$T/ch.ack") + $(grep -c "$FE2_URL" "$T/ch.ack")"
$PY settle "$SQL_URL" "$FE1_URL" "$FE2_URL" || fail "settle"
$PY compare "$T/sim" "$SQL_URL" "$FE1_URL" "$FE2_URL" || fail "SQLite and ClickHouse answer differently"

# the kill -9: four new sensors, 100-line batches, FE1 killed mid-stream
"$WW" simulate --out "$T/sim2" --format dshield --sensors 4x/22 --duration 12h \
    --start 2006-08-05T00:00:00Z --seed 9 -q || fail "simulate"
keys "$DB1" kill-00 kill-01 kill-02 kill-03 > "$T/kill.keys"
TOTAL=$(cat "$T"/sim2/*.tsv | wc -l)
$PY send "$T/sim2" "$FE1_URL,$FE2_URL" "$T/kill.keys" kill "$T/kill.ack" --batch 100 --seed 3 \
    > "$T/kill.out" 2>&1 &
SENDER=$!
for _ in $(seq 600); do
    [ "$(cat "$T/kill.ack" 2>/dev/null | wc -l)" -ge 20 ] && break
    sleep 0.05
done
kill -9 "$FE1_PID"
wait "$FE1_PID" 2>/dev/null
ACKED_AT_KILL=$(wc -l < "$T/kill.ack")
NBATCH=0
for f in "$T"/sim2/*.tsv; do NBATCH=$((NBATCH + ($(wc -l < "$f") + 99) / 100)); done
[ "$ACKED_AT_KILL" -lt "$NBATCH" ] ||
    fail "the kill came after the last batch ($ACKED_AT_KILL of $NBATCH acknowledged): not a crash test"
grep -q "$FE1_URL" "$T/kill.ack" || fail "front-end 1 acknowledged nothing before its kill: not a crash test"
echo "killed front-end 1 with $ACKED_AT_KILL of $NBATCH batches acknowledged"
wait $SENDER || fail "the sender: $(cat "$T/kill.out")"
cat "$T/kill.out"
echo "after the kill: $(grep -c "$FE2_URL" "$T/kill.ack") batches acknowledged by front-end 2," \
     "$(wc -l < "$T/kill.ack") of $NBATCH in all ($TOTAL events)"
# events per sensor, read from the cluster: the Distributed table from shard 2,
# the keys (a shared small table) from shard 1, where they live
ch_q "$CH1" "SELECT name, id, ver FROM wwdiff.keys FINAL FORMAT TabSeparated" > "$T/keys.tsv"
ch_q "$CH2" "SELECT sensor, sum(count) FROM wwdiff.events GROUP BY sensor FORMAT TabSeparated" > "$T/ev.tsv"
awk -F'\t' 'NF < 2 { next } NR == FNR { name[$2] = $1; next } ($1 in name) { print name[$1], $2 }' \
    "$T/keys.tsv" "$T/ev.tsv" > "$T/counts"
ch_q "$CH2" "SELECT sensor, batch_id, events FROM (SELECT sensor, batch_id, events, state, v
    FROM wwdiff.batches FINAL) WHERE state = 1 FORMAT TabSeparated" > "$T/batches.tsv"
$PY acked "$T/kill.ack" "$T/counts" "$T/batches.tsv" || fail "an acknowledged batch is missing"
echo "clickhouse_diff: all checks passed"
