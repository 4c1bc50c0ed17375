#!/usr/bin/env bash
# The collector as sensors and attackers see it: real `wormwatch serve`
# processes on loopback (the kernel picks a free port), keys made with
# `wormwatch key`, batches sent with curl. Checks every status of the submit
# contract (200, duplicate, 400 with nothing stored, 401, 413 by header and by
# streamed bytes, 404, 405, 429 counted in events), SQL-looking strings
# everywhere, a clean SIGTERM shutdown, and crash safety: 200 batches
# streamed while the server is kill -9'd and restarted, each retried with its
# X-Batch-Id until it gets a 200, and the API's totals then count every
# batch exactly once.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }
DB=$T/ww.db
DAY=2026-01-15
SQL="'; DROP TABLE keys; --"
SQLNAME="';DROP/**/TABLE/**/keys;--"   # key names have no spaces

start() { # [PORT] [extra serve options...]
    local port=${1:-0}; shift
    : > "$T/serve.log"
    "$WW" serve --db "$DB" --listen "127.0.0.1:$port" --max-body 65536 "$@" 2> "$T/serve.log" &
    PID=$!
    for _ in $(seq 600); do # 30 s: a loaded machine, a sanitizer build
        grep -q "listening on" "$T/serve.log" && break
        kill -0 $PID 2>/dev/null || fail "serve exited: $(cat "$T/serve.log")"
        sleep 0.05
    done
    URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$T/serve.log" | head -1)
    [ -n "$URL" ] || fail "no 'listening on' line"
    PORT=${URL##*:}
}
stop() { kill -TERM $PID; wait $PID; local rc=$?; PID=; [ $rc = 0 ] || fail "serve exit $rc on SIGTERM"; }

# lines DPORT N [USERID]: N DShield lines to DPORT on $DAY from distinct sources
lines() {
    local i
    for i in $(seq "$2"); do
        printf '%s 10:00:%02d +00:00\t%s\t1\t203.0.113.%d\t40000\t198.51.0.0\t%d\ttcp\tSYN\n' \
            "$DAY" $((i % 60)) "${3:-0}" "$i" "$1"
    done
}
# post SECRET BATCHID FILE [curl options...] -> prints the status; body in $T/resp
post() {
    local key=$1 id=$2 file=$3; shift 3
    curl -s -o "$T/resp" -w '%{http_code}' -X POST -H "Authorization: Bearer $key" \
        -H "X-Batch-Id: $id" -H 'Content-Type: text/tab-separated-values' \
        --data-binary "@$file" "$@" "$URL/api/v1/submit"
}
get() { curl -s -o "$T/resp" -w '%{http_code}' "$URL$1"; }
# records PORT: records on $DAY for tcp/PORT, from /api/v1/port/PORT
records() {
    [ "$(get "/api/v1/port/$1?date=$DAY")" = 200 ] || fail "port query: $(cat "$T/resp")"
    python3 - "$T/resp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def find(x):  # the tcp row's records, wherever the store nests it
    if isinstance(x, dict):
        if x.get("proto") in ("tcp", 6) and "records" in x: return x["records"]
        if "tcp" in x: return find(x["tcp"]) if isinstance(x["tcp"], dict) else None
        for v in x.values():
            r = find(v)
            if r is not None: return r
    if isinstance(x, list):
        for v in x:
            r = find(v)
            if r is not None: return r
    if isinstance(x, dict) and "records" in x: return x["records"]
    return None
r = find(d)
print(r if r is not None else 0)
PY
}
key() { "$WW" key add "$1" --db "$DB" | grep -oE '[0-9a-f]{64}' | head -1; }

K1=$(key sensor-1); [ ${#K1} = 64 ] || fail "key add printed no secret"
K2=$(key sensor-2)
KS=$(key "$SQLNAME"); [ ${#KS} = 64 ] || fail "key add with a SQL-looking name"
start 0 --rate-limit 0

lines 445 10 > "$T/good.tsv"
[ "$(post "$K1" b1 "$T/good.tsv")" = 200 ] || fail "good batch: $(cat "$T/resp")"
grep -q '"accepted":10' "$T/resp" || fail "accepted count: $(cat "$T/resp")"
[ "$(records 445)" = 10 ] || fail "records after one batch: $(records 445)"
[ "$(post "$K1" b1 "$T/good.tsv")" = 200 ] || fail "retried batch: $(cat "$T/resp")"
grep -q '"duplicate":true' "$T/resp" || fail "retry not flagged duplicate: $(cat "$T/resp")"
[ "$(records 445)" = 10 ] || fail "retried batch counted twice"
[ "$(post "$K2" b1 "$T/good.tsv")" = 200 ] || fail "same id, other sensor"
[ "$(records 445)" = 20 ] || fail "batch ids are per sensor"

# authentication
# the real key with its last character changed (to 1 if it already ends in 0)
WRONG=${K1%?}0; [ "$WRONG" = "$K1" ] && WRONG=${K1%?}1
[ "$(post "$WRONG" b2 "$T/good.tsv")" = 401 ] || fail "wrong key not 401"
[ "$(curl -s -o "$T/resp" -w '%{http_code}' -X POST -H 'X-Batch-Id: b2' --data-binary @"$T/good.tsv" "$URL/api/v1/submit")" = 401 ] || fail "missing key not 401"
grep -q '"error"' "$T/resp" || fail "401 body not JSON error"
"$WW" key revoke sensor-2 --db "$DB" > /dev/null || fail "key revoke"
[ "$(post "$K2" b2 "$T/good.tsv")" = 401 ] || fail "revoked key not 401"
[ "$(post "$SQL" b2 "$T/good.tsv")" = 401 ] || fail "SQL-looking key not 401"

# malformed batches: rejected whole, nothing stored
lines 23 5 > "$T/half.tsv"; lines 23 1 | head -c 40 >> "$T/half.tsv"
[ "$(post "$K1" h1 "$T/half.tsv")" = 400 ] || fail "half a line not 400"
grep -q '"error":"line 6: ' "$T/resp" || fail "400 does not name line 6: $(cat "$T/resp")"
head -c 3000 /dev/urandom > "$T/garbage"
[ "$(post "$K1" g1 "$T/garbage")" = 400 ] || fail "garbage not 400"
: > "$T/empty"
[ "$(post "$K1" e1 "$T/empty")" = 400 ] || fail "empty body not 400"
[ "$(records 23)" = 0 ] || fail "part of a rejected batch was stored"
[ "$(post "$K1" h1 "$T/good.tsv")" = 200 ] && grep -q '"duplicate":false' "$T/resp" \
    || fail "a rejected batch's id was burnt"

# SQL-looking strings in every field
for f in 1 2 3 4 5 6 7 8 9; do
    lines 24 1 | awk -F'\t' -v OFS='\t' -v f=$f -v s="$SQL" '{$f=s; print}' > "$T/sql.tsv"
    code=$(post "$K1" "sql$f" "$T/sql.tsv")
    want=400; [ $f = 2 ] && want=200  # userid is free text, ignored
    [ "$code" = $want ] || fail "SQL in field $f: $code $(cat "$T/resp")"
done
[ "$(post "$K1" "$SQL" "$T/good.tsv")" = 400 ] || fail "SQL-looking batch id not 400"
[ "$(post "$KS" s1 "$T/good.tsv")" = 200 ] || fail "key with SQL-looking name rejected"
[ "$(get "/api/v1/ip/%27%3B%20DROP%20TABLE%20keys%3B%20--")" = 400 ] || fail "SQL in ip/"
[ "$(get "/api/v1/topports/%27%3B%20DROP%20TABLE%20keys")" = 404 ] || fail "SQL in topports/"
[ "$(records 24)" = 1 ] || fail "SQL-field batches stored wrongly: $(records 24)"

# sizes, paths, methods
python3 -c "print(('x' * 99 + '\n') * 1000, end='')" > "$T/big"
[ "$(post "$K1" big1 "$T/big")" = 413 ] || fail "oversized body not 413"
[ "$(post "$K1" big2 "$T/big" -H 'Transfer-Encoding: chunked')" = 413 ] || fail "oversized chunked body not 413"
[ "$(get /api/v1/nope)" = 404 ] || fail "unknown endpoint not 404"
grep -q '"error"' "$T/resp" || fail "404 body not JSON"
[ "$(get /api/v1/submit)" = 405 ] || fail "GET submit not 405"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$URL/api/v1/infocon")" = 405 ] || fail "DELETE not 405"
for p in /api/v1/infocon /api/v1/alerts "/api/v1/topports/records?limit=5&date=$DAY" \
         /api/v1/sources /api/v1/ip/203.0.113.1 "/api/v1/porthistory/445?from=2025-10-18&to=$DAY" /metrics; do
    [ "$(get "$p")" = 200 ] || fail "GET $p: $(cat "$T/resp")"
done
grep -q 'wormwatch_http_requests_total{code="413"} 2' "$T/resp" || fail "metrics: $(head -20 "$T/resp")"
[ "$(post "$K1" b9 "$T/good.tsv")" = 200 ] || fail "server stopped serving after bad input"
stop

# rate limit: counted in events, 1,000/s per sensor here
start 0 --rate-limit 1000
yes "$(lines 445 1)" | head -600 > "$T/600.tsv"
[ "$(post "$K1" r1 "$T/600.tsv")" = 200 ] || fail "600 events under a 1000/s limit: $(cat "$T/resp")"
[ "$(post "$K1" r2 "$T/600.tsv" -D "$T/hdr")" = 429 ] || fail "1,200 events at once over a 1000/s limit"
grep -qi '^Retry-After: 1' "$T/hdr" || fail "429 without Retry-After"
grep -q '"error"' "$T/resp" || fail "429 body not JSON"
sleep 1.1
[ "$(post "$K1" r2 "$T/600.tsv")" = 200 ] || fail "retry after Retry-After: $(cat "$T/resp")"
stop
timeout 5 "$WW" serve --db "$DB" --listen 127.0.0.1:0 --rate-limit 50 2> /dev/null
[ $? = 2 ] || fail "--rate-limit 50 (a batch count, from before it counted events) must be refused"

# crash safety: kill -9 midway through 200 batches, restart on the same port
start 0 --rate-limit 0
before=$(records 8080)
(
    for i in $(seq 200); do
        echo $i > "$T/progress"
        lines 8080 5 > "$T/c.tsv"
        for try in $(seq 200); do
            code=$(post "$K1" "crash-$i" "$T/c.tsv" --max-time 5)
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
start "$PORT" --rate-limit 0
wait $LOOP || fail "$(cat "$T/crash.err")"
after=$(records 8080)
[ $((after - before)) = 1000 ] || fail "after a kill -9: $((after - before)) records, want 1000 (200 batches x 5)"
stop

# the dashboard: on the same listener; with --dashboard-user (from the config
# file) it needs basic auth, the API does not; strict CSP on every page
printf 'dashboard-user = viewer:s3cret pass\n' > "$T/ww.conf"
start "$PORT" --config "$T/ww.conf"
code=$(curl -s -D "$T/hdr" -o "$T/resp" -w '%{http_code}' "$URL/")
[ "$code" = 401 ] || fail "dashboard without credentials: $code, want 401"
grep -qi '^WWW-Authenticate: Basic' "$T/hdr" || fail "401 without a Basic challenge"
code=$(curl -s -o /dev/null -w '%{http_code}' -u 'viewer:wrong' "$URL/")
[ "$code" = 401 ] || fail "dashboard with a wrong password: $code, want 401"
code=$(curl -s -D "$T/hdr" -o "$T/resp" -w '%{http_code}' -u 'viewer:s3cret pass' "$URL/")
[ "$code" = 200 ] || fail "dashboard with the right password: $code, want 200"
grep -qi "^Content-Security-Policy: default-src 'none'" "$T/hdr" || fail "dashboard without its CSP"
grep -q 'Infocon' "$T/resp" || fail "the overview does not show the infocon"
code=$(curl -s -o /dev/null -w '%{http_code}' -u 'viewer:s3cret pass' "$URL/port/139")
[ "$code" = 200 ] || fail "/port/139: $code"
[ "$(get /api/v1/infocon)" = 200 ] || fail "the API must not need the dashboard's password"
long=$(head -c 1100 /dev/zero | tr '\0' 'a')
[ "$(get "/api/v1/alerts?limit=5&x=$long")" = 414 ] || fail "an over-long query string must get 414"
code=$(curl -s -o /dev/null -w '%{http_code}' -u 'viewer:s3cret pass' "$URL/alerts?x=$long")
[ "$code" = 414 ] || fail "an over-long dashboard query string: $code, want 414"
[ "$(get "/api/v1/porthistory/139?by=h%6Fur&from=2026-01-01&to=2026-01-02")" = 200 ] ||
    fail "percent-encoded query values must decode"
grep -q '"by":"hour"' "$T/resp" || fail "by=h%6Fur did not arrive as hour: $(cat "$T/resp")"
stop
echo "collector: all checks passed"
