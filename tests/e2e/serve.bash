# tests/e2e/serve.bash -- sourced by the e2e scripts that start a collector
# (not a test itself: tests/run.sh runs tests/e2e/*.sh). What a script only
# starts, asks and stops belongs in a case (run_cases.py's [serve]); these
# are for the scripts that kill, restart or race it.
# The script sets WW, T (its temporary directory) and fail() first.
#
# serve_start [OPTION...]: `wormwatch serve --listen 127.0.0.1:PORT OPTION...`
# (PORT: $SERVE_PORT, default 0, a free one) in the background, stderr to
# $T/serve.log (emptied first, so a restart never reads the last run's line);
# waits up to 30 s (a loaded machine, a sanitizer build) for it to listen;
# sets PID, URL and PORT.
serve_start() {
    : > "$T/serve.log"
    "$WW" serve --listen "127.0.0.1:${SERVE_PORT:-0}" "$@" 2> "$T/serve.log" &
    PID=$!
    for _ in $(seq 600); do
        grep -q "listening on" "$T/serve.log" && break
        kill -0 $PID 2>/dev/null || fail "serve exited: $(cat "$T/serve.log")"
        sleep 0.05
    done
    URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$T/serve.log" | head -1)
    [ -n "$URL" ] || fail "no 'listening on' line: $(cat "$T/serve.log")"
    PORT=${URL##*:}
}

# serve_stop: serve must still be running; SIGTERM, and it must exit 0.
serve_stop() {
    kill -0 $PID 2>/dev/null || fail "serve died: $(tail -5 "$T/serve.log")"
    kill -TERM $PID; wait $PID; local rc=$?; PID=
    [ $rc = 0 ] || fail "serve exit $rc on SIGTERM"
}

# serve_key VAR NAME: `wormwatch key add NAME --db $DB`; its secret in VAR.
serve_key() {
    local secret
    secret=$("$WW" key add "$2" --db "$DB" | grep -oE '[0-9a-f]{64}' | head -1)
    [ ${#secret} = 64 ] || fail "key add $2 printed no secret"
    printf -v "$1" %s "$secret"
}

# serve_records VAR DPORT DAY: the records the collector at $URL has for
# tcp/DPORT on DAY (its /api/v1/port/DPORT answer) in VAR.
serve_records() {
    local n
    n=$(curl -sf "$URL/api/v1/port/$2?date=$3" | python3 -c '
import json, sys
print(sum(x["records"] for x in json.load(sys.stdin)["data"] if x["proto"] == "tcp"))') ||
        fail "no answer to /api/v1/port/$2?date=$3"
    printf -v "$1" %s "$n"
}
