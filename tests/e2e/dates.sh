#!/usr/bin/env bash
# Event dates the collector must refuse, and a future date that must not hide
# the real sources. A real `wormwatch serve` on a free loopback port with a
# temporary store, a key from `wormwatch key add`, batches sent with curl:
#  1. default tolerance (the collector's clock + 1 day): a TSV batch with one
#     line dated 2100, an NDJSON one dated 9999, a line at 1970 +01:00 (1969
#     in UTC): 400 naming the line and what is wrong, nothing of the batch
#     stored; a line 13 hours ahead (a sensor with its zone set wrong) is
#     accepted; /api/v1/sources lists the real sources.
#  2. a store a future event got into (served with --max-future wide open,
#     as a store written before the check existed): /api/v1/sources, with
#     and without port, and `wormwatch block --collector` still give the
#     real sources, never the future one alone.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }
. "$(dirname "$0")/serve.bash"
DB=$T/ww.db
DAY=$(date -u +%F) # the real lines: today, so a line 13 h ahead never outranks them

start() { serve_start --db "$DB" --rate-limit 0 "$@"; } # [extra serve options...]
# line 'DATE TIME ZONE' SRC: one DShield line to 198.51.0.0:445
line() { printf '%s\t0\t1\t%s\t40000\t198.51.0.0\t445\ttcp\tSYN\n' "$1" "$2"; }
real() { for i in 1 2 3; do line "$DAY 00:00:0$i +00:00" "203.0.113.$i"; done; }
# post BATCHID FILE [CONTENT-TYPE] -> the status; the body in $T/resp
post() {
    curl -s -o "$T/resp" -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
        -H "X-Batch-Id: $1" -H "Content-Type: ${3:-text/tab-separated-values}" \
        --data-binary "@$2" "$URL/api/v1/submit"
}
get() { curl -s -o "$T/resp" -w '%{http_code}' "$URL$1"; }
# srcs PATH: the sources a sources query lists, one a line
srcs() {
    [ "$(get "$1")" = 200 ] || fail "GET $1: $(cat "$T/resp")"
    python3 -c 'import json,sys; [print(s["src"]) for s in json.load(open(sys.argv[1]))["sources"]]' "$T/resp"
}
# real_listed PATH: the three real sources, and not the future one
real_listed() {
    local got; got=$(srcs "$1" | sort | tr '\n' ' ')
    [ "$got" = "203.0.113.1 203.0.113.2 203.0.113.3 " ] || fail "GET $1 lists '$got', want the three real sources"
}
stored() { [ "$(get "/api/v1/ip/$1")" = 200 ]; }

serve_key KEY dates
real > "$T/real.tsv"
start

# 1. refused whole, the line named
{ real | head -2; line "2100-01-01 00:00:00 +00:00" 198.51.100.66; real | tail -1; } > "$T/future.tsv"
[ "$(post f1 "$T/future.tsv")" = 400 ] || fail "a batch with a line dated 2100 was not refused: $(cat "$T/resp")"
grep -q '"error":"line 3: .*2100-01-01T00:00:00Z.*future' "$T/resp" ||
    fail "the 400 does not name line 3, its time and what is wrong: $(cat "$T/resp")"
for a in 198.51.100.66 203.0.113.1; do stored $a && fail "$a of a refused batch was stored"; done

printf '{"ts":"%sT00:00:00Z","src":"203.0.113.9","dst":"198.51.0.0","dport":445,"proto":"tcp"}\n{"ts":"9999-12-31T23:59:59Z","src":"198.51.100.67","dst":"198.51.0.0","dport":445,"proto":"tcp"}\n' \
    "$DAY" > "$T/future.ndjson"
[ "$(post f2 "$T/future.ndjson" application/x-ndjson)" = 400 ] || fail "an NDJSON line dated 9999 was not refused: $(cat "$T/resp")"
grep -q '"error":"line 2: .*9999-12-31T23:59:59Z.*future' "$T/resp" || fail "NDJSON 400: $(cat "$T/resp")"
stored 203.0.113.9 && fail "line 1 of a refused NDJSON batch was stored"

line "1970-01-01 00:30:00 +01:00" 198.51.100.68 > "$T/old.tsv"
[ "$(post o1 "$T/old.tsv")" = 400 ] || fail "1970-01-01 00:30 +01:00 (1969 in UTC) was not refused: $(cat "$T/resp")"
grep -q '"error":"line 1: .*1969-12-31T23:30:00Z.*before 1970' "$T/resp" || fail "1969 400: $(cat "$T/resp")"
stored 198.51.100.68 && fail "a line before 1970 was stored"
line "1970-01-01 01:00:00 +01:00" 198.51.100.69 > "$T/epoch.tsv"
[ "$(post o2 "$T/epoch.tsv")" = 200 ] || fail "1970-01-01T00:00:00Z itself refused: $(cat "$T/resp")"

# a sensor whose zone is set wrong runs up to 14 hours ahead: accepted
line "$(date -u -d '+13 hours' '+%F %T') +00:00" 198.51.100.70 > "$T/skew.tsv"
[ "$(post s1 "$T/skew.tsv")" = 200 ] || fail "a line 13 h ahead refused: $(cat "$T/resp")"

[ "$(post r1 "$T/real.tsv")" = 200 ] || fail "the real batch: $(cat "$T/resp")"
srcs /api/v1/sources | grep -q '^203\.0\.113\.1$' || fail "sources after the refusals: $(cat "$T/resp")"
serve_stop

# 2. a future event in the store already (fresh store: the real day is then
# the latest one before it)
rm -f "$DB" "$DB"-*
serve_key KEY dates
start --max-future 40000d
[ "$(post r1 "$T/real.tsv")" = 200 ] || fail "the real batch: $(cat "$T/resp")"
line "2100-01-01 00:00:00 +00:00" 198.51.100.66 > "$T/one.tsv"
[ "$(post f1 "$T/one.tsv")" = 200 ] || fail "--max-future 40000d refused 2100: $(cat "$T/resp")"
stored 198.51.100.66 || fail "the future line was not stored"
real_listed /api/v1/sources
real_listed "/api/v1/sources?port=445"
"$WW" block --collector "$URL" > "$T/block.nft" 2> "$T/block.err" || fail "block --collector: $(cat "$T/block.err")"
for i in 1 2 3; do grep -q "203\.0\.113\.$i" "$T/block.nft" || fail "block --collector leaves out 203.0.113.$i: $(cat "$T/block.nft")"; done
grep -q 198.51.100.66 "$T/block.nft" && fail "block --collector blocks the future source"
serve_stop
echo "dates: all checks passed"
