#!/usr/bin/env bash
# The ClickHouse store's core (lib/store/store_clickhouse.c, issue 15) on two
# real 18.16 shards (tests/e2e/clickhouse.bash): --db URLs refused with the
# reason; credentials from the config file (a wrong password refused by
# ClickHouse); the schema made on both shards, once, and a newer one
# refused; keys shared by two front-ends (a revocation counts on the other;
# bursts of unknown secrets share their reads of the keys);
# a batch id raced at both front-ends at once stored exactly once; one
# server without a cluster. Exit 77 without clickhouse-server.
# one-pass: build-asan (tests/run.sh): mostly ClickHouse's own time
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
cd "$(dirname "$0")/../.."
T=$(mktemp -d)
PID= PIDS=
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }
. tests/e2e/clickhouse.bash
. tests/e2e/serve.bash
trap 'kill -9 $PID $PIDS 2>/dev/null; ch_stop; rm -rf "$T"' EXIT
ch_start
H1=${CH1#http://} H2=${CH2#http://}
DB="clickhouse://$H2/wwc?cluster=ww&shards=$H1,$H2"

# ---- URLs refused, each with its reason -------------------------------------
bad() { # URL WANT: key list must fail, naming WANT
    local out
    out=$("$WW" key list --db "$1" 2>&1) && fail "--db $1 accepted"
    grep -q -- "$2" <<< "$out" || fail "--db $1: expected '$2' in: $out"
}
bad "clickhouse://nohostport/db" "expected clickhouse://HOST:PORT/DATABASE"
bad "clickhouse://$H1/bad-name" "expected clickhouse://HOST:PORT/DATABASE"
bad "clickhouse://$H1/db?cluster=nosuch" "has no cluster 'nosuch'"
bad "clickhouse://$H1/db?cluster=ww&shards=$H1" "shards= lists 1 endpoints, cluster 'ww' has 2 shards"
bad "clickhouse://$H1/db?colour=red" "unknown or bad parameter 'colour=red'"
bad "clickhouse://$H1/db?shards=$H1" "shards= goes with cluster="
bad "clickhouse://127.0.0.1:1/db" "127.0.0.1:1"
echo "ok: bad --db URLs refused with the reason"

# ---- credentials from the config file ---------------------------------------
printf 'clickhouse-user = %s\nclickhouse-password = wrong\n' "$CH_USER" > "$T/bad.conf"
out=$("$WW" key list --db "$DB" --config "$T/bad.conf" 2>&1) && fail "a wrong password was accepted"
grep -q "Code: 193" <<< "$out" || fail "a wrong password: expected ClickHouse's Code: 193, got: $out"
printf 'clickhouse-user = %s\nclickhouse-password = %s\n' "$CH_USER" "$CH_PASSWORD" > "$T/ww.conf"
"$WW" key list --db "$DB" --config "$T/ww.conf" > /dev/null || fail "the config file's credentials refused"
[ "$(ch_q "$CH1" "SELECT count() FROM system.query_log WHERE user = '$CH_USER'" 2>/dev/null || echo x)" ] ||
    true # 18.16 logs queries only when asked; the 193 above proves the user was sent
ps -o args= -C wormwatch | grep -q "$CH_PASSWORD" && fail "the password shows on a command line"
echo "ok: credentials from the config file (a wrong one refused: Code 193)"

# ---- the schema on both shards, once ----------------------------------------
for url in "$CH1" "$CH2"; do
    n=$(ch_q "$url" "SELECT count() FROM system.tables WHERE database = 'wwc'")
    [ "$n" -ge 25 ] || fail "schema at $url: $n tables"
    [ "$(ch_q "$url" "SELECT v FROM wwc.meta WHERE k = 'version'")" = 2 ] || fail "version row at $url"
done
"$WW" key list --db "$DB" > /dev/null || fail "a second open"
[ "$(ch_q "$CH2" "SELECT count() FROM wwc.meta WHERE k = 'version'")" = 1 ] || fail "a second open re-made the schema"
ch_q "$CH2" "CREATE DATABASE wwn" > /dev/null
ch_q "$CH2" "CREATE TABLE wwn.meta (k String, v String, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY k" > /dev/null
ch_q "$CH2" "INSERT INTO wwn.meta VALUES ('version', '99', 99)" > /dev/null
out=$("$WW" key list --db "clickhouse://$H2/wwn?cluster=ww&shards=$H1,$H2" 2>&1) && fail "a newer schema was opened"
grep -q "shard 2: .*schema version 99 is newer" <<< "$out" || fail "a newer schema: $out"
echo "ok: schema on both shards, made once; a newer one refused"

# ---- two front-ends, one store: keys and batch ids ---------------------------
serve_key K1 s1
serve_key K2 s2
out=$("$WW" key add s1 --db "$DB" 2>&1) && fail "a key name taken twice"
serve_start --db "$DB" --rate-limit 0
URL1=$URL PIDS="$PID"
serve_start --db "clickhouse://$H1/wwc?cluster=ww&shards=$H1,$H2" --rate-limit 0
URL2=$URL PIDS="$PIDS $PID"
DAY=2026-01-15
for j in 1 2 3 4 5; do
    printf '%s 10:00:%02d +00:00\t0\t1\t203.0.113.%d\t40000\t198.51.0.%d\t445\ttcp\tSYN\n' $DAY $j $j $j
done > "$T/b.tsv"
post() { # URL KEY BATCH: the status code
    curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST -H "Authorization: Bearer $2" \
        -H "X-Batch-Id: $3" -H 'Content-Type: text/tab-separated-values' --data-binary "@$T/b.tsv" "$1/api/v1/submit"
}
[ "$(post "$URL2" "$K2" first)" = 200 ] || fail "front-end 2 refused s2's batch"
# an unknown secret makes front-end 1 read the keys; s3, added right after,
# must count at once, though the forced reads are at most one in 200 ms
[ "$(post "$URL1" "$(printf '%064d' 7)" bogus)" = 401 ] || fail "an unknown secret accepted"
"$WW" key add s3 --db "$DB" > "$T/k3" || fail "key add s3"
K3=$(grep -oE '[0-9a-f]{64}' "$T/k3")
st=$(post "$URL1" "$K3" k3); [ "$st" = 200 ] || fail "a key added while serving refused by front-end 1 ($st)"
"$WW" key revoke s2 --db "$DB" || fail "revoke s2"
sleep 2.5 # the front-ends' key cache (KEYS_REFRESH_US)
[ "$(post "$URL1" "$K2" after1)" = 401 ] || fail "a revoked key accepted by front-end 1"
[ "$(post "$URL2" "$K2" after2)" = 401 ] || fail "a revoked key accepted by front-end 2"
echo "ok: keys shared by both front-ends (added and revoked while serving)"

# bursts of unknown secrets at once: each must read the keys again (one
# may be a key just added), but one read serves every caller waiting on it,
# so a burst costs a couple of reads, not one each. SELECTs counted on both
# shards, less those of an idle spell as long (the detectors' rounds).
selects() {
    echo $(( $(ch_q "$CH1" "SELECT value FROM system.events WHERE event = 'SelectQuery'") +
             $(ch_q "$CH2" "SELECT value FROM system.events WHERE event = 'SelectQuery'") ))
}
BURST=${BURST_N:-30} ROUNDS=3
s0=$(selects) t0=$(date +%s%N)
for r in $(seq $ROUNDS); do
    for i in $(seq $BURST); do post "$URL1" "$(printf '%064d' $((100 * r + i)))" "u$r-$i" > "$T/burst.$r.$i" & done
    for i in $(seq $BURST); do while [ ! -s "$T/burst.$r.$i" ]; do sleep 0.05; done; done
done
s1=$(selects) t1=$(date +%s%N)
sleep "$(( (t1 - t0) / 1000000000 )).$(( (t1 - t0) / 1000000 % 1000 ))"
s2=$(selects)
bad=$(cat "$T"/burst.* | tr -d '\n' | sed 's/401//g')
[ -z "$bad" ] || fail "bursts of unknown secrets: statuses other than 401: $bad"
n=$(( (s1 - s0) - (s2 - s1) ))
[ $n -le $((3 * ROUNDS)) ] ||
    fail "$ROUNDS bursts of $BURST unknown secrets ran $((s1 - s0)) SELECTs, $((s2 - s1)) in an idle spell as long"
echo "ok: $ROUNDS bursts of $BURST unknown secrets: $((s1 - s0)) SELECTs on the shards, $((s2 - s1)) idle (a keys read serves those waiting)"

# 40 batch ids, each sent to both front-ends at the same moment, retried
# until a 200: each must be stored once
race() { # URL BATCH
    local code
    for _ in $(seq 100); do
        code=$(post "$1" "$K1" "$2")
        [ "$code" = 200 ] && return 0
        [ "$code" = 503 ] || { echo "$1 $2: $code" >> "$T/race.err"; return 1; }
        sleep 0.2
    done
    echo "$1 $2: no 200" >> "$T/race.err"
}
# while merges run all the time (a merge must never hide a live claim)
N=${RACE_N:-40}
( while :; do for u in "$CH1" "$CH2"; do
    curl -s "$u/" --data-binary "OPTIMIZE TABLE wwc.batches_local FINAL" > /dev/null; done; sleep 0.05; done ) &
OPT=$!
for i in $(seq $N); do
    race "$URL1" "r$i" & a=$!
    race "$URL2" "r$i" & b=$!
    wait $a $b # not a bare wait: the front-ends are children too
done
kill $OPT; wait $OPT 2>/dev/null
[ -s "$T/race.err" ] && fail "race: $(head -3 "$T/race.err")"
got=$(ch_q "$CH1" "SELECT count(), uniqExact(batch_id) FROM wwc.batches WHERE sensor = 1 AND state = 1 AND batch_id LIKE 'r%'")
[ "$got" = "$N"$'\t'"$N" ] || fail "raced batch ids: done rows $got, want $N of $N ids"
got=$(ch_q "$CH1" "SELECT count() FROM wwc.events WHERE sensor = 1")
[ "$got" = $((N * 5)) ] || fail "raced batch ids: $got events of sensor 1, want $((N * 5)) ($N x 5, once each); $(
    ch_q "$CH1" "SELECT batch_id, frontend, state, ts, v FROM wwc.batches WHERE sensor = 1 AND batch_id GLOBAL IN
      (SELECT batch_id FROM wwc.batches WHERE sensor = 1 GROUP BY batch_id HAVING countIf(state = 1) > 1 OR uniqExact(frontend) > 1)
      ORDER BY batch_id, ts" | head -30)"
echo "ok: $N batch ids raced at both front-ends, each stored once (merges running)"

# ---- one server, no cluster ---------------------------------------------------
kill -TERM $PIDS; wait $PIDS 2>/dev/null; PIDS=
DB="clickhouse://$H1/wws"
serve_key K4 s4
serve_start --db "$DB" --rate-limit 0
[ "$(post "$URL" "$K4" one)" = 200 ] && [ "$(post "$URL" "$K4" one)" = 200 ] || fail "no cluster: submit"
[ "$(ch_q "$CH1" "SELECT count() FROM wws.events")" = 5 ] || fail "no cluster: a retry stored twice"
[ "$(ch_q "$CH2" "SELECT count() FROM system.databases WHERE name = 'wws'")" = 0 ] ||
    fail "no cluster: shard 2 touched"
serve_stop
echo "ok: one server without a cluster"
echo "clickhouse_store: all checks passed"
