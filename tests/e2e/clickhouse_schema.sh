#!/usr/bin/env bash
# The ClickHouse store's schema (lib/store/clickhouse_schema.sql, issue 15)
# on a real two-shard 18.16 cluster (tests/e2e/clickhouse.bash): the file
# runs on each shard, twice (it must be idempotent); a few events go in
# through the Distributed table; the materialized views' aggregates
# (sumMerge/uniqCombinedMerge/minMerge/maxMerge over the Distributed
# aggregate tables) must equal a plain GROUP BY over the raw events; one
# source's events sit on one shard; a batch id retried is kept once per
# sensor after FINAL and after OPTIMIZE; each source's OS (src_os, issue
# 17) is its smallest match with that match's label, replies left out; the
# version row reads 2, once.
# WW is not needed (no binary involved yet). Exit 77 when clickhouse-server
# is not installed.
set -u
shopt -s extglob
cd "$(dirname "$0")/../.."
SQL=lib/store/clickhouse_schema.sql
T=$(mktemp -d)
fail() { echo "FAIL: $*" >&2; exit 1; }
. tests/e2e/clickhouse.bash
trap 'ch_stop; rm -rf "$T"' EXIT
ch_start

# ch_ins URL SQL: an INSERT through a Distributed table, acknowledged once
# every shard it went to has it (18.16 takes no SETTINGS clause in INSERT:
# the setting goes in the URL)
ch_ins() {
    local out
    out=$(curl -s -w '\n%{http_code}' "$1/?insert_distributed_sync=1" --data-binary "$2") ||
        fail "clickhouse at $1 unreachable"
    [ "${out##*$'\n'}" = 200 ] || fail "clickhouse at $1: $2: ${out%$'\n'*}"
}

# the statements of the file, one per request: each ends with ';' at the end
# of a line that is not a comment
run_schema() {
    local url=$1 stmt= line
    while IFS= read -r line; do
        stmt+="$line"$'\n'
        [[ $line == *\; && $line != *( )--* ]] || continue
        stmt=${stmt//@CLUSTER@/ww}
        ch_q "$url" "${stmt%;*}" > /dev/null
        stmt=
    done < "$SQL"
    [ -z "$(sed '/^ *--/d; /^ *$/d' <<< "$stmt")" ] || fail "$SQL: a statement does not end with ';'"
}
for url in "$CH1" "$CH2" "$CH1" "$CH2"; do run_schema "$url"; done
n=$(ch_q "$CH1" "SELECT count() FROM system.tables WHERE database = currentDatabase()")
[ "$n" -ge 20 ] || fail "expected the schema's tables on shard 1, found $n"

# events: 3 sources (one IPv6) x ports over two days and two hours, two
# sensors, one reply (backscatter: in the port figures, not in agg_src)
a() { echo "toFixedString(IPv6StringToNum('$1'), 16)"; }
ev() { # day ts src dst port proto reply sensor count
    echo "(toDate('$1'), $2, $(a "$3"), $(a "$4"), 40000, $5, $5, $6, 2, 0, 0, $7, $8, $9)"
}
D1=1764460800000000   # 2025-11-30T00:00:00Z in microseconds
D2=$((D1 + 86400000000)) H=3600000000
rows="$(ev 2025-11-30 $D1 ::ffff:198.51.100.1 ::ffff:192.0.2.1 445 6 0 1 1),
$(ev 2025-11-30 $((D1 + 5)) ::ffff:198.51.100.1 ::ffff:192.0.2.2 445 6 0 1 3),
$(ev 2025-11-30 $((D1 + H)) ::ffff:198.51.100.1 ::ffff:192.0.2.3 445 6 0 2 1),
$(ev 2025-11-30 $((D1 + H + 7)) ::ffff:198.51.100.2 ::ffff:192.0.2.1 445 6 0 2 2),
$(ev 2025-11-30 $((D1 + 9)) 2001:db8::1 ::ffff:192.0.2.1 23 6 0 1 1),
$(ev 2025-11-30 $((D1 + 11)) ::ffff:198.51.100.2 ::ffff:192.0.2.9 23 6 0 2 5),
$(ev 2025-11-30 $((D1 + 13)) ::ffff:203.0.113.7 ::ffff:192.0.2.4 80 6 1 1 4),
$(ev 2025-12-01 $D2 ::ffff:198.51.100.1 ::ffff:192.0.2.5 445 6 0 1 1),
$(ev 2025-12-01 $((D2 + 2 * H)) 2001:db8::1 ::ffff:192.0.2.6 445 6 0 2 6)"
ch_ins "$CH1" "INSERT INTO events (d, ts, src, dst, sport, dport, port, proto, tcpflags,
    action, outcome, reply, sensor, count) VALUES $rows" > /dev/null
[ "$(ch_q "$CH2" "SELECT count() FROM events")" = 9 ] || fail "9 events through the Distributed table"
n1=$(ch_q "$CH1" "SELECT count() FROM events_local") n2=$(ch_q "$CH2" "SELECT count() FROM events_local")
[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || fail "events not spread over both shards ($n1, $n2)"
s1=$(ch_q "$CH1" "SELECT DISTINCT hex(src) FROM events_local ORDER BY 1")
s2=$(ch_q "$CH2" "SELECT DISTINCT hex(src) FROM events_local ORDER BY 1")
[ -z "$(comm -12 <(echo "$s1") <(echo "$s2"))" ] ||
    fail "one source's events on two shards"

# an aggregate query ($1) must answer what the raw events' GROUP BY ($2) does
same() {
    local got want
    got=$(ch_q "$CH2" "$1") want=$(ch_q "$CH2" "$2")
    [ -n "$want" ] || fail "no rows for: $2"
    [ "$got" = "$want" ] || fail "$3: views say
$got
raw events say
$want"
    echo "ok: $3 ($(wc -l <<< "$want") rows)"
}
same "SELECT port, proto, h, sumMerge(records), uniqCombinedMerge(nsrc), uniqCombinedMerge(ndst),
        uniqCombinedMerge(nsens) FROM agg_hour GROUP BY port, proto, h ORDER BY port, proto, h" \
     "SELECT port, proto, toUInt32(intDiv(ts, $H)) AS h, sum(toUInt64(count)), uniqExact(src),
        uniqExact(dst), uniqExact(sensor) FROM events GROUP BY port, proto, h ORDER BY port, proto, h" \
     "agg_hour: records, sources, targets, sensors per port and hour"
same "SELECT d, port, proto, sumMerge(records), uniqCombinedMerge(nsrc), uniqCombinedMerge(ndst),
        uniqCombinedMerge(nsens) FROM agg_day GROUP BY d, port, proto ORDER BY d, port, proto" \
     "SELECT d, port, proto, sum(toUInt64(count)), uniqExact(src), uniqExact(dst), uniqExact(sensor)
        FROM events GROUP BY d, port, proto ORDER BY d, port, proto" \
     "agg_day: per port and day"
same "SELECT IPv6NumToString(src), sumMerge(records), minMerge(first), maxMerge(last),
        uniqCombinedMerge(ntgt), uniqCombinedMerge(nsens) FROM agg_src GROUP BY src ORDER BY src" \
     "SELECT IPv6NumToString(src), sum(toUInt64(count)), min(ts), max(ts), uniqExact(dst),
        uniqExact(sensor) FROM events WHERE reply = 0 GROUP BY src ORDER BY src" \
     "agg_src: per source (the /ip/ look-up)"
same "SELECT d, IPv6NumToString(src), sumMerge(records) AS r FROM agg_src WHERE port = 445
        GROUP BY d, src ORDER BY d, r DESC, src" \
     "SELECT d, IPv6NumToString(src), sum(toUInt64(count)) AS r FROM events WHERE port = 445 AND reply = 0
        GROUP BY d, src ORDER BY d, r DESC, src" \
     "agg_src: a port's top sources per day"
same "SELECT IPv6NumToString(src), minMerge(first), maxMerge(last) FROM src_seen GROUP BY src ORDER BY src" \
     "SELECT IPv6NumToString(src), min(ts), max(ts) FROM events WHERE reply = 0 GROUP BY src ORDER BY src" \
     "src_seen: first and last time of each source"
same "SELECT d, IPv6NumToString(victim), proto, sumMerge(records), minMerge(first), maxMerge(last),
        uniqCombinedMerge(ntgt) FROM backscatter GROUP BY d, victim, proto ORDER BY d, victim" \
     "SELECT d, IPv6NumToString(src), proto, sum(toUInt64(count)), min(ts), max(ts), uniqExact(dst)
        FROM events WHERE reply = 1 GROUP BY d, src, proto ORDER BY d, src" \
     "backscatter: per victim and day"
[ "$(ch_q "$CH2" "SELECT IPv6NumToString(src) FROM events WHERE port = 23 AND sensor = 1")" = 2001:db8::1 ] ||
    fail "an IPv6 source does not read back"
[ "$(ch_q "$CH2" "SELECT IPv6NumToString(src) FROM events WHERE port = 80")" = ::ffff:203.0.113.7 ] ||
    fail "an IPv4 source does not read back IPv4-mapped"

# batches: claims (state 0) and done rows (state 1, v with bit 62), one row
# per front-end and batch id: front-end 7 claims and finishes sensor 1's b1,
# then claims it again (a late retry: its done row must outlive the claim);
# front-end 9 claims b1 through the other shard (its claim must stay beside
# 7's rows, never folded into them); b2 is claimed only (its front-end died);
# sensor 2's own b1 is done by front-end 8
D=4611686018427387904 # bit 62
for q in "(1, 'b1', 100, 0, 0, 0, 7, 0, 100)" "(1, 'b1', 110, 3, 10, 0, 7, 1, $((D + 110)))" \
         "(1, 'b1', 400, 0, 0, 0, 7, 0, 400)" \
         "(1, 'b2', 200, 0, 0, 0, 7, 0, 200)" "(2, 'b1', 150, 2, 15, 0, 8, 1, $((D + 150)))"; do
    ch_ins "$CH1" "INSERT INTO batches VALUES $q" > /dev/null
done
ch_ins "$CH2" "INSERT INTO batches VALUES (1, 'b1', 300, 0, 0, 0, 9, 0, 300)" > /dev/null
[ "$(ch_q "$CH1" "SELECT count() FROM batches")" = 6 ] || fail "6 batch rows before FINAL"
want=$'1\tb1\t7\t110\t1\n1\tb1\t9\t300\t0\n1\tb2\t7\t200\t0\n2\tb1\t8\t150\t1'
got=$(ch_q "$CH1" "SELECT sensor, batch_id, frontend, ts, state FROM (SELECT sensor, batch_id, frontend, ts,
    state, v FROM batches FINAL) ORDER BY sensor, batch_id, frontend")
[ "$got" = "$want" ] || fail "batches FINAL: $got"
for url in "$CH1" "$CH2"; do ch_q "$url" "OPTIMIZE TABLE batches_local FINAL" > /dev/null; done
got=$(ch_q "$CH2" "SELECT sensor, batch_id, frontend, ts, state FROM batches ORDER BY sensor, batch_id, frontend")
[ "$got" = "$want" ] || fail "batches after OPTIMIZE: $got"
echo "ok: batches: a done row outlives its front-end's later claims; front-ends' claims never folded together"

# retention: a day's partition dropped on each shard takes its raw events
for url in "$CH1" "$CH2"; do ch_q "$url" "ALTER TABLE events_local DROP PARTITION '2025-11-30'" > /dev/null; done
[ "$(ch_q "$CH1" "SELECT count() FROM events")" = 2 ] || fail "DROP PARTITION left other days' events"
[ "$(ch_q "$CH1" "SELECT sumMerge(records) FROM agg_day")" = 24 ] || fail "aggregates must outlive raw events"
echo "ok: retention by DROP PARTITION"

# a source's OS (issue 17): the smallest os over its events and that
# match's label, whatever the order; replies and events without one left out
for q in "(toDate('2025-12-02'), $((D2 + 86400000000)), $(a ::ffff:198.51.100.1), $(a ::ffff:192.0.2.1), 40000, 445, 445, 6, 2, 0, 0, 0, 1, 1, 'x', 12290, 'Windows XP')" \
         "(toDate('2025-12-02'), $((D2 + 86400000001)), $(a ::ffff:198.51.100.1), $(a ::ffff:192.0.2.1), 40000, 445, 445, 6, 2, 0, 0, 0, 1, 1, 'y', 5, 'Windows XP')" \
         "(toDate('2025-12-02'), $((D2 + 86400000002)), $(a ::ffff:198.51.100.1), $(a ::ffff:192.0.2.1), 40000, 445, 445, 6, 2, 0, 0, 0, 1, 1, 'z', 9, 'Linux 3.11 and newer')" \
         "(toDate('2025-12-02'), $((D2 + 86400000003)), $(a 2001:db8::1), $(a ::ffff:192.0.2.1), 40000, 445, 445, 6, 2, 0, 0, 0, 1, 1, '', 0, '')" \
         "(toDate('2025-12-02'), $((D2 + 86400000004)), $(a ::ffff:203.0.113.7), $(a ::ffff:192.0.2.1), 80, 40000, 80, 6, 18, 0, 0, 1, 1, 1, 'r', 1, 'a reply')"; do
    ch_ins "$CH2" "INSERT INTO events VALUES $q" > /dev/null
done
same "SELECT IPv6NumToString(src), minMerge(os_min), argMinMerge(os_label) FROM src_os GROUP BY src ORDER BY src" \
     "SELECT IPv6NumToString(src), min(os), argMin(os_name, os) FROM events WHERE reply = 0 AND os > 0
        GROUP BY src ORDER BY src" \
     "src_os: each source's best OS match and its label"
[ "$(ch_q "$CH1" "SELECT argMinMerge(os_label) FROM src_os GROUP BY src")" = "Windows XP" ] ||
    fail "src_os: the smallest match's label"


# the version row, once, on every shard the file ran on (run four times)
for url in "$CH1" "$CH2"; do
    [ "$(ch_q "$url" "SELECT v FROM meta FINAL WHERE k = 'version'")" = 2 ] || fail "version row at $url"
    ch_q "$url" "OPTIMIZE TABLE meta FINAL" > /dev/null
    [ "$(ch_q "$url" "SELECT count() FROM meta WHERE k = 'version'")" = 1 ] || fail "version row not unique at $url"
done
echo "ok: schema version 2"
echo "clickhouse_schema: all checks passed"
