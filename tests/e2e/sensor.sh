#!/usr/bin/env bash
# wormwatch sensor end to end, on loopback, against the stand-in collector
# (standin_collector.py) and, if WW_SERVE=1 works, nothing else is needed.
# Every written log line carries a unique (SRC, SPT); the check dedupes the
# received batches by X-Batch-Id (as the real collector does) and asserts the
# records equal exactly what was written, in order.
#  1. tail -F: appends, rotation (mv + new file), truncation;
#  2. outage: 503 for a while, then the collector process stopped and
#     restarted on the same port; lines keep coming;
#  3. restart: SIGTERM and kill -9 of the sensor mid-stream; the file rotated
#     (mv FILE FILE.1, new FILE) while the sensor was down, after a SIGTERM and
#     after a kill -9: the rest of FILE.1 is read, then the new file; rotated
#     and compressed while down: the loss is reported;
#  4. the same against the real `wormwatch serve` (tests/e2e/serve.bash): the
#     collector's port/{p} records equal the lines written.
set -u
: "${WW:?WW=path/to/wormwatch}"
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
SPID= CPID= PID=
cleanup() {
    [ -n "$SPID" ] && kill -9 $SPID 2>/dev/null
    for p in $CPID $PID; do kill $p 2>/dev/null; done
    wait 2>/dev/null; rm -rf "$T"
}
trap "cleanup 2>/dev/null" EXIT
fail() { echo "FAIL: $*"; echo "--- sensor log"; tail -20 "$T/sensor.err"; exit 1; }
. "$HERE/serve.bash"
KEY=0123456789abcdef
LOG=$T/fw.log

start_collector() { # [port]
    rm -f "$T/port"
    python3 "$HERE/standin_collector.py" "$T" "$KEY" ${1:-} & CPID=$!
    for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
    PORT=$(cat "$T/port")
}
start_sensor() {
    "$WW" sensor --collector "http://127.0.0.1:$PORT" --key-file "$T/key" --state "$T/state" \
        --batch 50 --flush 0.2 "$LOG" 2>>"$T/sensor.err" & SPID=$!
}
write() { # FROM TO: append lines FROM..TO-1, a few ms apart
    python3 - "$LOG" "$1" "$2" "${DPORT:-0}" <<'PY'
import sys, time
path, a, b, dport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for i in range(a, b):
    with open(path, "a") as f:
        f.write("2026-11-27T00:%02d:%02d+00:00 fw kernel: DROP IN=eth0 OUT= SRC=198.51.%d.%d "
                "DST=10.1.2.3 LEN=48 TOS=0x00 PREC=0x00 TTL=113 ID=1 DF PROTO=TCP SPT=%d DPT=%d "
                "WINDOW=64240 RES=0x00 SYN URGP=0\n"
                % (i // 60 % 60, i % 60, i // 250, i % 250 + 1, 1024 + i, dport or 1 + i % 1000))
    if i % 25 == 0: time.sleep(0.01)
PY
}
check() { # N [final]: wait until N distinct records arrived; final: exact, in order, nothing more
    python3 - "$T/received" "$1" "${2:-}" <<'PY'
import sys, time
path, n, final = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def load():
    seen, recs, order = set(), [], []
    try: data = open(path).read()
    except FileNotFoundError: return [], []
    cur = None
    for line in data.splitlines():
        if line.startswith("#batch "):
            bid = line[7:]; cur = bid not in seen; seen.add(bid)
            if cur: order.append(int(bid.rsplit("-", 1)[1]))
        elif cur:
            f = line.split("\t"); recs.append((f[3], int(f[4])))
    return recs, order
deadline = time.time() + 60
while True:
    recs, order = load()
    if len(recs) >= n or time.time() > deadline: break
    time.sleep(0.2)
want = [("198.51.%d.%d" % (i // 250, i % 250 + 1), 1024 + i) for i in range(n)]
if len(recs) < n: sys.exit("only %d of %d records arrived" % (len(recs), n))
if final:
    time.sleep(1); recs, order = load()
    if recs != want:
        dup = len(recs) - len(set(recs))
        sys.exit("records differ: got %d (%d duplicated), want %d" % (len(recs), dup, n))
print("ok: %d records" % len(recs))
PY
}

echo "$KEY" > "$T/key"
start_collector
: > "$LOG"
start_sensor

# 1. append, rotate, truncate
write 0 300
check 300 || fail "appends"
write 300 350; mv "$LOG" "$LOG.1"; write 350 600
check 600 || fail "rotation"
: > "$LOG"; sleep 0.5
write 600 700
check 700 || fail "truncation"

# 2. outage: 503s, then the collector gone, then back
touch "$T/fail"
write 700 1000
sleep 1
kill $CPID; wait $CPID 2>/dev/null; CPID=
write 1000 1200
rm -f "$T/fail"
start_collector "$PORT"
check 1200 || fail "outage"
grep -q "HTTP 503" "$T/sensor.err" || fail "no 503 seen"

# 3. restarts: SIGTERM mid-stream, then kill -9 mid-stream
write 1200 1500 & W=$!
sleep 0.3; kill -TERM $SPID; wait $SPID; SPID=
wait $W
start_sensor
write 1500 1800 & W=$!
sleep 0.4; kill -9 $SPID; wait $SPID 2>/dev/null; SPID=
wait $W
start_sensor
write 1800 2000
check 2000 || fail "restart"
kill -TERM $SPID; wait $SPID; SPID=
write 2000 2100; mv "$LOG" "$LOG.1"; write 2100 2200
start_sensor
check 2200 || fail "rotation while stopped (SIGTERM)"
grep -q "fw.log was rotated while the sensor was stopped: reading the rest of .*fw.log.1" "$T/sensor.err" \
    || fail "no note of the rotated file"
write 2200 2400 & W=$!
sleep 0.3; kill -9 $SPID; wait $SPID 2>/dev/null; SPID=
wait $W
write 2400 2450; mv "$LOG" "$LOG.1"; write 2450 2500
start_sensor
write 2500 2600
check 2600 final || fail "restart and rotation while stopped"
kill -TERM $SPID; wait $SPID; SPID=
# (the new file first: were the old inode freed before, the new file could get
# its number and pass for the old one truncated; that is reported too)
write 2600 2650; mv "$LOG" "$LOG.1"; write 2650 2700; gzip -f "$LOG.1"
start_sensor
for _ in $(seq 50); do grep -q "LOST" "$T/sensor.err" && break; sleep 0.1; done
grep -q "fw.log was rotated while the sensor was stopped and the old file (inode [0-9]*) is no longer in its directory.* after byte [0-9]* is LOST" \
    "$T/sensor.err" || fail "no warning for the compressed file"
check 2650 || fail "after the lost file"
kill -TERM $SPID; wait $SPID; SPID=
! grep -E "AddressSanitizer|runtime error|LeakSanitizer" "$T/sensor.err" || fail "sanitizer"

# 4. the real collector
kill $CPID; wait $CPID 2>/dev/null; CPID=
rm -rf "$T/state" "$LOG"*; : > "$LOG"
DB=$T/ww.db
serve_key SECRET s1; echo "$SECRET" > "$T/key"
serve_start --db "$DB" --config /dev/null
start_sensor
export DPORT=4444
write 0 400; mv "$LOG" "$LOG.1"
write 400 800 & W=$!
sleep 0.3; kill -9 $SPID; wait $SPID 2>/dev/null; SPID=
wait $W
start_sensor
write 800 1000
for _ in $(seq 200); do serve_records got 4444 2026-11-27; [ "$got" -ge 1000 ] && break; sleep 0.3; done
sleep 1; serve_records got 4444 2026-11-27
[ "$got" = 1000 ] || fail "real collector counts: $got records, want 1000"
serve_stop
echo "sensor.sh: all passed"
