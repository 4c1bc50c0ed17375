#!/usr/bin/env bash
# One sensor's large batches must not slow another's small ones: the
# per-sensor rate limit counts events, not batches. With serve's defaults, a
# heavy sensor posts 20,000-line batches on 16 connections as fast as it can
# for 12 s (retrying 429s after 50 ms, ignoring Retry-After), while a light
# sensor posts 10-line batches every 0.1 s on its own connection. The light
# sensor's batches must all get 200, half within 0.1 s and every one within
# 1 s (one that lands in the same group commit as a heavy batch waits for
# its 20,000 events); the heavy sensor must be held near the default 50,000
# events/s and told when to come back (429 with Retry-After). Prints both
# sides' figures.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v python3 > /dev/null || { echo "python3 not installed"; exit 77; }
T=$(mktemp -d)
PID= HEAVY=
trap '[ -n "$HEAVY" ] && kill $HEAVY 2>/dev/null; [ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }

. "$(dirname "$0")/serve.bash"
DB=$T/ww.db
serve_key KA heavy
serve_key KB light
serve_start --db "$DB" --config /dev/null

# the two sensors in two processes, so neither waits on the other's
# interpreter; the heavy one writes its figures when it stops
cat > "$T/sensor.py" <<'PY'
import http.client, sys, threading, time
role, port, key, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
stop = time.monotonic() + seconds

def lines(n, dport, base):
    return "".join("2026-01-15 10:%02d:%02d +00:00\t0\t1\t10.%d.%d.%d\t40000\t198.51.0.0\t%d\ttcp\tSYN\n" % (
        i // 60 % 60, i % 60, (base + i) >> 16 & 255, (base + i) >> 8 & 255, (base + i) & 255, dport)
        for i in range(n)).encode()

def post(conn, batch, body):
    conn.request("POST", "/api/v1/submit", body, {"Authorization": "Bearer " + key,
                 "X-Batch-Id": batch, "Content-Type": "text/tab-separated-values"})
    r = conn.getresponse()
    r.read()
    return r

if role == "heavy":  # 20,000-line batches on 16 connections, 429s retried after 50 ms
    big = [lines(20000, 8080, k * 20000) for k in range(8)]
    counts = {"ok": 0, "429": 0, "retry_after": 0, "other": 0}
    lock = threading.Lock()
    def flood(t):
        conn, i = http.client.HTTPConnection("127.0.0.1", port, timeout=30), 0
        while time.monotonic() < stop:
            i += 1
            try:
                r = post(conn, "h%d-%d" % (t, i), big[i % 8])
            except (OSError, http.client.HTTPException):  # closed after a 429 before the body
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            with lock:
                counts[{200: "ok", 429: "429"}.get(r.status, "other")] += 1
                counts["retry_after"] += r.status == 429 and bool(r.getheader("Retry-After"))
            if r.status == 429:
                time.sleep(0.05)
    threads = [threading.Thread(target=flood, args=(t,)) for t in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    print(counts["ok"] * 20000, counts["429"], counts["retry_after"], counts["other"])
else:  # 10-line batches every 0.1 s on one connection: the latencies
    small, conn, i = lines(10, 2222, 0), http.client.HTTPConnection("127.0.0.1", port, timeout=30), 0
    while time.monotonic() < stop:
        i += 1
        t0 = time.monotonic()
        r = post(conn, "l%d" % i, small)
        print(r.status, "%.4f" % (time.monotonic() - t0))
        time.sleep(0.1)
PY
python3 "$T/sensor.py" heavy "${URL##*:}" "$KA" 12 > "$T/heavy" &
HEAVY=$!
sleep 1
python3 "$T/sensor.py" light "${URL##*:}" "$KB" 10 > "$T/light" || fail "the light sensor failed"
wait $HEAVY || fail "the heavy sensor failed"
python3 - "$T/heavy" "$T/light" <<'PY'
import sys
events, n429, retry_after, other = map(int, open(sys.argv[1]).read().split())
rows = [l.split() for l in open(sys.argv[2])]
lat = sorted(float(t) for _, t in rows)
bad = sum(s != "200" for s, _ in rows)
p50, worst = lat[len(lat) // 2], lat[-1]
print("heavy sensor: %d events accepted in 12 s (%.0f/s), %d answered 429 (%d with Retry-After), %d other" % (
    events, events / 12, n429, retry_after, other))
print("light sensor: %d batches, %d not 200, latency p50 %.3f s, max %.3f s" % (len(lat), bad, p50, worst))
failed = []
if bad: failed.append("%d of the light sensor's batches not answered 200" % bad)
if p50 > 0.1: failed.append("light sensor's median latency %.3f s > 0.1 s" % p50)
if worst > 1: failed.append("light sensor's slowest batch %.3f s > 1 s" % worst)
if events > 50000 * 14: failed.append("heavy sensor got %d events in 12 s past a 50,000/s limit" % events)
if not retry_after: failed.append("the heavy sensor was never told to retry later")
for f in failed:
    print("FAIL: " + f)
sys.exit(1 if failed else 0)
PY
rc=$?
serve_stop
[ $rc = 0 ] || fail "see above"
echo "serve_fairness: all checks passed"
