# tests/e2e/serve.bash -- sourced by the e2e scripts that start a collector
# (not a test itself: tests/run.sh runs tests/e2e/*.sh).
# The script sets WW, T (its temporary directory) and fail() first.
#
# serve_start [OPTION...]: `wormwatch serve --listen 127.0.0.1:0 OPTION...`
# in the background, stderr to $T/serve.log (emptied first, so a restart
# never reads the last run's line); waits up to 30 s (a loaded machine, a
# sanitizer build) for it to listen; sets PID and URL.
serve_start() {
    : > "$T/serve.log"
    "$WW" serve --listen 127.0.0.1:0 "$@" 2> "$T/serve.log" &
    PID=$!
    for _ in $(seq 600); do
        grep -q "listening on" "$T/serve.log" && break
        kill -0 $PID 2>/dev/null || fail "serve exited: $(cat "$T/serve.log")"
        sleep 0.05
    done
    URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$T/serve.log" | head -1)
    [ -n "$URL" ] || fail "no 'listening on' line: $(cat "$T/serve.log")"
}

# serve_stop: serve must still be running; SIGTERM, and it must exit 0.
serve_stop() {
    kill -0 $PID 2>/dev/null || fail "serve died: $(tail -5 "$T/serve.log")"
    kill -TERM $PID; wait $PID; local rc=$?; PID=
    [ $rc = 0 ] || fail "serve exit $rc on SIGTERM"
}
