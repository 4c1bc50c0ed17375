#!/usr/bin/env bash
# Nothing acknowledged is ever lost, not even on a full disk. The store of a
# real `wormwatch serve` lives on a small tmpfs mounted for this test; a
# filler file takes the free space at each point where the collector writes:
#   append   before the log append (the submit's commit)
#   flush    between the append and the flush of the aggregates (the batch
#            has its 200, its aggregates wait in memory)
#   midflush during a flush: room for a batch's log row, not its aggregates
#   ckpt     room to append to the WAL, not to copy it into the database
#            file: the store writes on and checkpoints once there is room
#   kill     kill -9 with acknowledged batches not yet flushed, then a
#            restart on the still-full disk
# While the store cannot write, every submit must get 503 with Retry-After
# and a JSON error (never a 200 that is not durable, never a 500), and a
# query must not answer stale figures with 200 (503 instead). After the
# space is freed the store must resume by itself (no restart), checkpoint
# its WAL, and take the batches that got 503 when they are sent again.
# At the end, after a restart: every event of every batch that got a 200
# exactly once -- each source through /api/v1/ip/, each phase's records
# through /api/v1/port/. Needs root (mount); SKIPs without.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v python3 > /dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
T=$(mktemp -d)
MNT=$T/mnt
mkdir "$MNT"
cleanup() {
    [ -f "$T/serve.pid" ] && kill -9 "$(cat "$T/serve.pid")" 2>/dev/null
    sleep 0.2
    mountpoint -q "$MNT" && umount "$MNT"
    rm -rf "$T"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=24m,mode=0700 tmpfs "$MNT" 2> "$T/mount.err"; then
    echo "SKIP: cannot mount a tmpfs here (needs root): $(cat "$T/mount.err")"
    exit 77
fi
"$WW" key add s1 --db "$MNT/ww.db" | grep -oE '[0-9a-f]{64}' | head -1 > "$T/key"
[ -s "$T/key" ] || { echo "FAIL: key add printed no secret"; exit 1; }

WW="$WW" T="$T" MNT="$MNT" python3 - <<'PY'
import http.client, json, os, signal, subprocess, sys, time

WW, T, MNT = os.environ["WW"], os.environ["T"], os.environ["MNT"]
DB, FILLER, LOG = MNT + "/ww.db", MNT + "/filler", T + "/serve.log"
KEY = open(T + "/key").read().strip()
DAY = "2026-01-15"
problems = []

def problem(msg):
    print("FAIL:", msg, flush=True)
    problems.append(msg)

# ---- the collector ----
proc, port = None, None

def start():
    global proc, port
    open(LOG, "a").write("---- start\n")
    logf = open(LOG, "a")
    proc = subprocess.Popen([WW, "serve", "--db", DB, "--listen", "127.0.0.1:0",
                             "--rate-limit", "0", "--config", "/dev/null"],
                            stderr=logf, stdout=logf)
    open(T + "/serve.pid", "w").write(str(proc.pid))
    for _ in range(300):
        text = open(LOG).read().split("---- start\n")[-1]
        if "listening on" in text:
            port = int(text.split("listening on http://127.0.0.1:")[1].split()[0])
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False

def stop(sig=signal.SIGTERM):
    proc.send_signal(sig)
    rc = proc.wait(60)
    if sig == signal.SIGTERM and rc != 0:
        problem("serve exited %d on SIGTERM: %s" % (rc, tail()))

def tail():
    return " | ".join(open(LOG).read().strip().split("\n")[-4:])

def request(method, path, body=None, headers={}):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

# ---- the disk ----
def fill():
    """Takes every free byte of the tmpfs."""
    with open(FILLER, "ab", buffering=0) as f:
        for chunk in (1 << 20, 4096):
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError:
                pass
    return os.path.getsize(FILLER)

def free(nbytes=None):
    """Frees nbytes (all with None) by shrinking the filler."""
    if not os.path.exists(FILLER):
        return
    if nbytes is None:
        os.remove(FILLER)
    else:
        os.truncate(FILLER, max(0, os.path.getsize(FILLER) - nbytes))

def wal_bytes():
    try:
        return os.path.getsize(DB + "-wal")
    except OSError:
        return 0

# ---- batches: every event from its own source, count 1 ----
batches = {}          # id -> (port, [src...])
acked = set()         # ids that got a 200
answers = {}          # status -> count, submits and queries
next_src = [1]

def make(bid, dport, n):
    srcs = []
    lines = []
    for _ in range(n):
        i = next_src[0]
        next_src[0] += 1
        src = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        srcs.append(src)
        lines.append("%s 10:%02d:%02d +00:00\t0\t1\t%s\t40000\t198.51.100.%d\t%d\ttcp\tSYN\n"
                     % (DAY, i // 60 % 60, i % 60, src, i % 200, dport))
    batches[bid] = (dport, srcs, "".join(lines).encode())

def check_503(what, hdr, data):
    answers[503] = answers.get(503, 0) + 1
    if "retry-after" not in hdr:
        problem("%s: 503 without Retry-After" % what)
    try:
        if "error" not in json.loads(data):
            raise ValueError
    except ValueError:
        problem("%s: 503 body is not a JSON error: %r" % (what, data[:200]))

def post(bid):
    """One submit; returns the status (200 and 503 are the only right ones)."""
    try:
        st, hdr, data = request("POST", "/api/v1/submit", batches[bid][2], {
            "Authorization": "Bearer " + KEY, "X-Batch-Id": bid,
            "Content-Type": "text/tab-separated-values"})
    except (OSError, http.client.HTTPException) as e:
        problem("POST %s: %s" % (bid, e))
        return 0
    if st == 200:
        answers[200] = answers.get(200, 0) + 1
        acked.add(bid)
    elif st == 503:
        check_503("POST " + bid, hdr, data)
    else:
        problem("POST %s: %d %r (want 200 or 503)" % (bid, st, data[:200]))
    return st

def records(dport):
    """(status, records on DAY for tcp/dport) from /api/v1/port/."""
    st, hdr, data = request("GET", "/api/v1/port/%d?date=%s" % (dport, DAY))
    if st == 503:
        check_503("GET port/%d" % dport, hdr, data)
        return st, None
    if st != 200:
        problem("GET port/%d: %d %r" % (dport, st, data[:200]))
        return st, None
    rows = [r for r in json.loads(data)["data"] if r["proto"] == "tcp"]
    return st, rows[0]["records"] if rows else 0

def acked_events(dport):
    return sum(len(batches[b][1]) for b in acked if batches[b][0] == dport)

def fresh_or_503(dport, when):
    """A query while the disk is full: 503, or 200 with every acknowledged event."""
    st, n = records(dport)
    if st == 200 and n != acked_events(dport):
        problem("%s: port %d answered 200 with %d records, %d acknowledged (stale)"
                % (when, dport, n, acked_events(dport)))
    return st

def resumes(dport, when, limit=30):
    """After space is freed: queries answer 200 with everything, by themselves."""
    t0 = time.time()
    while time.time() - t0 < limit:
        st, n = records(dport)
        if st == 200 and n == acked_events(dport):
            return True
        time.sleep(0.25)
    problem("%s: no fresh 200 for port %d within %ds after space was freed (last: %s, %s of %d)"
            % (when, dport, limit, st, n, acked_events(dport)))
    return False

def resend(ids, when):
    """What a sensor does: send each unacknowledged batch again until 200."""
    for bid in ids:
        for _ in range(100):
            if post(bid) == 200:
                break
            time.sleep(0.2)
        else:
            problem("%s: batch %s never got a 200 after space was freed" % (when, bid))

if not start():
    print("FAIL: serve did not start:", tail())
    sys.exit(1)

# 1. before the log append: the disk is full when the batch arrives
make("append-1", 1001, 1000)
fill()
st = post("append-1")
if st != 503:
    problem("append: a submit on a full disk got %d, want 503" % st)
fresh_or_503(1001, "append")
free()
resend(["append-1"], "append")
resumes(1001, "append")

# 2. between the append and the flush: a 200, then the disk fills before
#    the aggregates are written (a query asks for them at once)
make("flush-1", 1002, 2000)
make("flush-2", 1002, 1000)
if post("flush-1") != 200:
    problem("flush: a submit with room to spare did not get 200")
fill()
if fresh_or_503(1002, "flush") != 503:
    problem("flush: a query with unflushed aggregates on a full disk did not get 503")
if post("flush-2") != 503:
    problem("flush: a submit while the store cannot flush did not get 503")
free()
resumes(1002, "flush")
resend(["flush-2"], "flush")
resumes(1002, "flush, resent")

# 3. during a flush: room for the log row of a big batch, not its aggregates
hit = 0
for k, room in enumerate((96 << 10, 192 << 10, 384 << 10, 768 << 10)):
    bid = "mid-%d" % k
    make(bid, 1003, 6000)
    fill()
    free(room)
    st = post(bid)
    q = fresh_or_503(1003, "midflush %dK" % (room >> 10))
    hit += st == 200 and q == 503
    free()
    resumes(1003, "midflush %dK" % (room >> 10))
    resend([b for b in batches if b.startswith("mid-") and b not in acked], "midflush")
    resumes(1003, "midflush %dK, resent" % (room >> 10))
print("midflush: %d of 4 fill levels took the log row and failed the flush" % hit, flush=True)
if not hit:
    problem("midflush: no fill level made a flush fail after its batch's 200 (test not calibrated)")

# 4. the checkpoint: a big batch flushed into the WAL (nothing failed, so
#    nothing asks for a checkpoint yet), then a full disk (a 503, which
#    does), then 1 MiB free: room for a small batch and its flush, not for
#    copying the big one's pages into the database file. The store must
#    write on (not spend that room on a checkpoint that cannot finish), and
#    once the space is back checkpoint and truncate the WAL by itself. (A
#    checkpoint that fails midway: test_store_store's run_faults.)
make("ckpt-0", 1004, 12000)
make("ckpt-1", 1004, 50)
make("ckpt-2", 1004, 50)
if post("ckpt-0") != 200:
    problem("ckpt: a submit with room to spare did not get 200")
resumes(1004, "ckpt")
wal0, db0 = wal_bytes(), os.path.getsize(DB)
fill()
if post("ckpt-1") != 503:
    problem("ckpt: a submit on a full disk did not get 503")
free(1 << 20)
resend(["ckpt-1"], "ckpt, 1 MiB free")
resumes(1004, "ckpt, 1 MiB free")
time.sleep(1)
wal1, db1 = wal_bytes(), os.path.getsize(DB)
print("ckpt: with 1 MiB free the database file grew %d KiB, the WAL is %d KiB (was %d KiB)"
      % ((db1 - db0) >> 10, wal1 >> 10, wal0 >> 10), flush=True)
if wal1 < wal0:
    problem("ckpt: not calibrated: the WAL was checkpointed with 1 MiB free")
free()
t0 = time.time()
while wal_bytes() > (1 << 20) and time.time() - t0 < 20:
    time.sleep(0.25)
print("ckpt: WAL %d KiB %.1fs after the space came back" % (wal_bytes() >> 10, time.time() - t0),
      flush=True)
if wal_bytes() > (1 << 20):
    problem("ckpt: the WAL was not checkpointed after space was freed (%d KiB)" % (wal_bytes() >> 10))
resend(["ckpt-2"], "ckpt")
resumes(1004, "ckpt, resent")

# 5. kill -9 with acknowledged batches not yet flushed, restart on a full disk
make("kill-1", 1005, 3000)
make("kill-2", 1005, 500)
if post("kill-1") != 200:
    problem("kill: a submit with room to spare did not get 200")
fill()
stop(signal.SIGKILL)
if start():
    q = fresh_or_503(1005, "kill, restarted full")
    s2 = post("kill-2")
    print("kill: restarted on the full disk; a query got %d, a submit %d" % (q, s2), flush=True)
    if s2 != 503:
        problem("kill: a submit after a restart on a full disk did not get 503")
    free()
    resumes(1005, "kill, freed")
    resend(["kill-2"], "kill")
else:
    log = open(LOG).read().split("---- start\n")[-1]
    print("restart on a full disk refused:", log.strip(), flush=True)
    if "not an error" in log or "wormwatch:" not in log:
        problem("kill: a restart on a full disk failed without the reason: %r" % log)
    free()
    if not start():
        problem("kill: no restart after space was freed: %s" % tail())
        sys.exit(1)
    resend(["kill-2"], "kill")
resumes(1005, "kill")

# every acknowledged event exactly once, after a clean restart
stop()
if not start():
    problem("final restart: %s" % tail())
    sys.exit(1)
total = sum(len(batches[b][1]) for b in batches)
got = sum(len(batches[b][1]) for b in acked)
print("acknowledged %d of %d batches, %d of %d events; submits answered 200 %d times, submits"
      " and queries 503 %d times (each with Retry-After and a JSON error)"
      % (len(acked), len(batches), got, total, answers.get(200, 0), answers.get(503, 0)), flush=True)
for dport in (1001, 1002, 1003, 1004, 1005):
    st, n = records(dport)
    if n != acked_events(dport):
        problem("port %d: %s records after the restart, %d acknowledged" % (dport, n, acked_events(dport)))
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
seen = once = 0
for b in sorted(acked):
    for src in batches[b][1]:
        c.request("GET", "/api/v1/ip/" + src)
        r = c.getresponse()
        data = r.read()
        if r.status == 200:
            seen += 1
            once += json.loads(data).get("records") == 1
print("recovered: %d of %d acknowledged sources, %d of them with exactly one record"
      % (seen, got, once), flush=True)
if seen != got or once != got:
    problem("%d acknowledged sources missing, %d not counted exactly once" % (got - seen, got - once))
stop()
if problems:
    print("%d problems" % len(problems))
    sys.exit(1)
print("disk full: every acknowledged event kept exactly once")
PY
