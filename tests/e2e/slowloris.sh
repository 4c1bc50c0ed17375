#!/usr/bin/env bash
# Slowloris against the collector, on loopback, with serve's defaults: 1,000
# connections from 127.0.0.1 and 100 from 127.0.0.2 each send a request line
# and then one header line every 2 s, never finishing their headers (more
# than the 1,024 connections serve takes; every line would reset an idle
# timeout), reconnecting a second after the server drops one. Meanwhile a
# legitimate client at 127.0.0.3 asks the API and submits a batch every
# second: each must be answered within 3 s. Afterwards no trickling
# connection may have lived past the header deadline (10 s) plus slack, and
# some must have been held long enough to show the deadline, not the
# per-address cap, closed them. Prints the legitimate latencies and the
# connections' lifetimes.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
command -v python3 > /dev/null || { echo "python3 not installed"; exit 77; }
T=$(mktemp -d)
PID= ATTACK=
trap '[ -n "$ATTACK" ] && kill $ATTACK 2>/dev/null; [ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.3", 0))' 2>/dev/null ||
    { echo "cannot bind 127.0.0.3 (loopback is not 127/8 here)"; exit 77; }

. "$(dirname "$0")/serve.bash"
DB=$T/ww.db
serve_key KEY legit
serve_start --db "$DB" --config /dev/null

python3 - "${URL##*:}" 22 > "$T/attack.out" 2>&1 <<'PY' &
import resource, selectors, socket, sys, time
port, duration = int(sys.argv[1]), float(sys.argv[2])
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (4096 if hard == resource.RLIM_INFINITY else min(4096, hard), hard))
sel = selectors.DefaultSelector()
plan = [("127.0.0.1", 1000), ("127.0.0.2", 100)]

class Slot:
    def __init__(self, src): self.src, self.sock, self.opened, self.due, self.lines = src, None, 0, 0, 0

slots = [Slot(src) for src, n in plan for _ in range(n)]
lifetimes = []  # how long the server kept each connection it dropped
held = {}       # most connections open at once, per source

def connect(slot, now):
    s = socket.socket()
    s.setblocking(False)
    s.bind((slot.src, 0))
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    slot.sock, slot.opened, slot.due, slot.lines = s, now, now + 0.05, 0
    sel.register(s, selectors.EVENT_READ, slot)

def drop(slot, now):
    sel.unregister(slot.sock)
    slot.sock.close()
    lifetimes.append(now - slot.opened)
    slot.sock, slot.due = None, now + 1.0  # reconnect a second later

start = time.monotonic()
for slot in slots:
    connect(slot, start)
while time.monotonic() - start < duration:
    for key, _ in sel.select(timeout=0.05):
        try:
            if key.data.sock.recv(4096):
                continue  # an answer (an error): wait for the close
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            pass
        drop(key.data, time.monotonic())
    now = time.monotonic()
    for slot in slots:
        if now < slot.due:
            continue
        if slot.sock is None:
            connect(slot, now)
            continue
        line = b"X-a: b\r\n" if slot.lines else b"GET /api/v1/infocon HTTP/1.1\r\nHost: x\r\n"
        try:
            slot.sock.send(line)
            slot.lines += 1
            slot.due = now + 2.0
        except (BlockingIOError, InterruptedError):
            slot.due = now + 0.2
        except OSError:
            drop(slot, now)
    for src, _ in plan:
        held[src] = max(held.get(src, 0), sum(1 for s in slots if s.src == src and s.sock))
now = time.monotonic()
alive = [now - s.opened for s in slots if s.sock]  # still open: their age so far
print("dropped %d, longest %.1f s; still open %d, oldest %.1f s; open at once at most: %s" % (
    len(lifetimes), max(lifetimes, default=0), len(alive), max(alive, default=0),
    ", ".join("%s %d" % kv for kv in sorted(held.items()))))
print("LONGEST %.1f" % max(lifetimes + alive, default=0))
PY
ATTACK=$!
sleep 4   # let the attack fill the server

printf '2026-01-15 10:00:00 +00:00\t0\t1\t203.0.113.1\t40000\t198.51.0.0\t445\ttcp\tSYN\n' > "$T/one.tsv"
worst=0 failures=0
for i in $(seq 14); do
    out=$(curl -s --interface 127.0.0.3 --max-time 3 -o /dev/null -w '%{http_code} %{time_total}' \
        "$URL/api/v1/infocon")
    echo "GET    $out" >> "$T/legit"
    out2=$(curl -s --interface 127.0.0.3 --max-time 3 -o /dev/null -w '%{http_code} %{time_total}' \
        -H "Authorization: Bearer $KEY" -H "X-Batch-Id: legit-$i" \
        -H 'Content-Type: text/tab-separated-values' --data-binary @"$T/one.tsv" "$URL/api/v1/submit")
    echo "SUBMIT $out2" >> "$T/legit"
    for o in "$out" "$out2"; do
        [ "${o%% *}" = 200 ] || failures=$((failures + 1))
        worst=$(python3 -c "print(max($worst, ${o##* }))")
    done
    sleep 1
done
wait $ATTACK; ATTACK=
cat "$T/attack.out"
echo "legitimate requests during the attack: $((28 - failures)) of 28 answered 200, slowest $worst s"
[ $failures = 0 ] || fail "legitimate requests failed during the attack: $(grep -v ' 200 ' "$T/legit" | head -5 | tr '\n' ';')"
longest=$(sed -n 's/^LONGEST //p' "$T/attack.out")
[ -n "$longest" ] || fail "the attack script failed: $(tail -3 "$T/attack.out")"
python3 -c "import sys; sys.exit(0 if $longest <= 13 else 1)" ||
    fail "a trickling connection lived $longest s: the header deadline (10 s) does not hold"
python3 -c "import sys; sys.exit(0 if $longest >= 8 else 1)" ||
    fail "no trickling connection was held for long ($longest s): the test did not exercise the deadline"
serve_stop
echo "slowloris: all checks passed"
