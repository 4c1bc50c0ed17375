#!/usr/bin/env bash
# clickhouse_client.sh -- lib/client/clickhouse.c against two real
# clickhouse-server 18.16 shards (tests/e2e/clickhouse.bash), through
# tool_clickhouse_client (tests/tools/clickhouse_client.c, built beside
# $WW):
#   - a table created on each shard over its own URL (no ON CLUSTER in
#     18.16 without ZooKeeper), a Distributed table over both;
#   - an insert of TabSeparated through the Distributed table with
#     insert_distributed_sync=1: every row, escapes and NULLs intact, read
#     back from either shard, and split over both shards;
#   - a RowBinary insert into a shard's own table;
#   - ClickHouse's own message passed through (Code: 60 for a missing table;
#     a syntax error);
#   - the answer cap; an error after a 200 status (in the body's last line);
#   - basic-auth credentials: a wrong password refused with Code: 193;
#   - a server that is down: WW_ERR_IO ("I/O error") with the URL;
#   - SELECT sleep(3) with a 1 s timeout: timed out, in about 1 s.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
TOOL=${CH_TOOL:-$(dirname "$WW")/tool_clickhouse_client}
[ -x "$TOOL" ] || { echo "$TOOL not built"; exit 77; }
T=$(mktemp -d)
HERE=$(cd "$(dirname "$0")" && pwd)
trap 'ch_stop; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$HERE/clickhouse.bash"
ch_start

c() { "$TOOL" "$@" 2> "$T/err"; }  # stdout: the answer; stderr in $T/err
ok() { c "$@" || fail "$*: $(cat "$T/err")"; }

# the schema, on each shard over its own URL (a URL without a database
# first, then one naming the database: not the user's default, so the
# database really is passed)
for u in "$CH1" "$CH2"; do
    ok "$u" 5000 exec "CREATE DATABASE wwdb"
    ok "$u/wwdb/" 5000 exec "CREATE TABLE ev (d Date, src String, n UInt32, note Nullable(String))
        ENGINE = MergeTree PARTITION BY d ORDER BY (src, n)"
    ok "$u/wwdb" 5000 exec "CREATE TABLE ev_all AS ev ENGINE = Distributed(ww, wwdb, ev, cityHash64(src))"
done

# through the Distributed table, synchronously
rows=$'2026-11-30\t10.0.0.1\t1\tplain\n2026-11-30\t10.0.0.2\t2\ttab\\there\n2026-11-30\t10.0.0.3\t3\t\\N\n2026-11-30\t10.0.0.4\t4\tback\\\\slash\\nline\n2026-11-30\t10.0.0.5\t5\t\\\\N\n2026-11-30\t10.0.0.6\t6\t\n'
printf %s "$rows" | ok "$CH1/wwdb" 5000 insert ev_all TabSeparated insert_distributed_sync=1
want=$'1|plain\n2|tab\there\n3|<NULL>\n4|back\\slash\nline\n5|\\N\n6|'
for u in "$CH1" "$CH2"; do
    got=$(ok "$u/wwdb" 5000 query "SELECT n, note FROM ev_all ORDER BY n")
    [ "$got" = "$want" ] || fail "read back from $u: got [$got], want [$want]"
done
n1=$(ok "$CH1/wwdb" 5000 query "SELECT count() FROM ev")
n2=$(ok "$CH2/wwdb" 5000 query "SELECT count() FROM ev")
[ $((n1 + n2)) = 6 ] && [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || fail "rows per shard: $n1 + $n2, want 6 split over both"

# RowBinary: Date (UInt16 days), String (LEB128 length), UInt32 LE, Nullable (a 0 byte, then the value)
printf '\x4c\x50\x03abc\x07\x00\x00\x00\x00\x02hi' > "$T/rb"  # 0x504c = 20556 days = 2026-04-13
ok "$CH2/wwdb" 5000 insert ev RowBinary < "$T/rb"
got=$(ok "$CH2/wwdb" 5000 query "SELECT d, src, n, note FROM ev WHERE src = 'abc'")
[ "$got" = "2026-04-13|abc|7|hi" ] || fail "RowBinary read back: [$got]"

# ClickHouse's own messages
c "$CH1/wwdb" 5000 query "SELECT * FROM nope" && fail "a missing table answered"
grep -q "ww_err invalid argument: $CH1/wwdb: Code: 60, e.displayText() = DB::Exception: Table wwdb.nope doesn't exist" "$T/err" ||
    fail "missing table: $(cat "$T/err")"
grep -q "e.what()" "$T/err" && fail "e.what() kept: $(cat "$T/err")"
c "$CH1/wwdb" 5000 exec "CREATE TABLE (" && fail "a syntax error ran"
grep -q "ww_err parse error: .*Code: 62" "$T/err" || fail "syntax error: $(cat "$T/err")"
printf 'x\ty\n' | c "$CH1/wwdb" 5000 insert nope TabSeparated && fail "an insert into nothing went through"
grep -q "Code: 60" "$T/err" || fail "insert into a missing table: $(cat "$T/err")"

# the answer cap (1 MiB here): 7 MB of numbers refused, not half-read
c "$CH1/wwdb" 5000 query "SELECT number FROM numbers(1000000)" > "$T/out" && fail "7 MB answered under a 1 MiB cap"
grep -q "ww_err limit exceeded: $CH1/wwdb: answer over 1048576 bytes" "$T/err" || fail "cap: $(cat "$T/err")"
[ -s "$T/out" ] && fail "rows handed over from a refused answer"

# an error after the answer began (status 200 already sent): still an error
CH_MAX=100000000 c "$CH1/wwdb" 20000 query \
    "SELECT number, throwIf(number = 3000000) FROM numbers(4000000)" > "$T/out" && fail "a late error passed"
grep -q "ww_err invalid argument: $CH1/wwdb: Code: 395, e.displayText() = .*throwIf" "$T/err" || fail "late error: $(cat "$T/err")"
[ -s "$T/out" ] && fail "rows handed over from an answer that failed"

# credentials (basic auth): the default user has no password, so one is wrong
CH_USER=default CH_KEY=wrong c "$CH1/wwdb" 5000 query "SELECT 1" && fail "a wrong password was let in"
grep -q "Code: 193" "$T/err" || fail "wrong password: $(cat "$T/err")"
[ "$(CH_USER=default ok "$CH1/wwdb" 5000 query "SELECT 1")" = 1 ] || fail "user default without a key"

# a slow answer: timed out after the 1 s asked for, not the 3 s of the query
s=$(date +%s%N)
c "$CH1/wwdb" 1000 query "SELECT sleep(3)" && fail "sleep(3) answered within 1 s"
ms=$(( ($(date +%s%N) - s) / 1000000 ))
grep -q "ww_err I/O error: $CH1/wwdb: no answer in 1000 ms" "$T/err" || fail "timeout: $(cat "$T/err")"
[ "$ms" -lt 2500 ] || fail "timeout took $ms ms"

# a server that is down
ch_stop
c "$CH2/wwdb" 2000 query "SELECT 1" && fail "a stopped server answered"
grep -q "ww_err I/O error: $CH2/wwdb: " "$T/err" || fail "server down: $(cat "$T/err")"
echo "ok: 2 shards, 6 rows through Distributed ($n1 + $n2), RowBinary, Code 60/62/193 passed through, timeout in $ms ms, down server: $(cat "$T/err")"
