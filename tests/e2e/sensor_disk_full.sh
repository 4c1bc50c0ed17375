#!/usr/bin/env bash
# The sensor with its spool disk full (issue 11). Its --state is on a 4 MiB
# tmpfs mostly taken by a filler file; the collector is down; N netfilter
# lines arrive in chunks. Required:
#  1. memory stays bounded: VmRSS, sampled every chunk until the sensor has
#     read the whole log, grows by at most 10 MB (20 MB with ASan: shadow
#     memory, and its quarantine cut to 1 MB) (before the fix the open
#     batch took every line once the spool failed, and the sensor retried
#     spooling it after each line: +2.5 MB/s without end);
#  2. the filler goes: the held batches are spooled by themselves, and past
#     --spool-max (2 MB) the oldest spooled ones are dropped;
#  3. the real collector starts on the port the sensor was given: delivery
#     resumes without a restart, and the records at the collector plus the
#     events the sensor's log says it dropped equal N, and stay so (nothing
#     sent twice); the reports of drops add up to their total; the state
#     file's offset is then the log's size.
set -u
: "${WW:?WW=path/to/wormwatch}"
[ "$(id -u)" = 0 ] || { echo "needs root to mount a tmpfs"; exit 77; }
T=$(mktemp -d)
SPID= PID=
mkdir "$T/disk"
cleanup() {
    [ -n "$SPID" ] && kill -9 $SPID 2>/dev/null; [ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null
    umount "$T/disk" 2>/dev/null; rm -rf "$T"
}
trap cleanup EXIT
mount -t tmpfs -o size=4m tmpfs "$T/disk" || { echo "cannot mount a tmpfs here"; exit 77; }
fail() { echo "FAIL: $*"; echo "--- sensor log"; grep -v scanner "$T/sensor.err" | tail -20; exit 1; }
. "$(dirname "$0")/serve.bash"
N=300000
LIMIT=10240
grep -q __asan_init "$WW" && LIMIT=20480
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:quarantine_size_mb=1
LOG=$T/fw.log
: > "$LOG"
dd if=/dev/zero of="$T/disk/filler" bs=1k count=3300 2>/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DB=$T/ww.db
serve_key SECRET s1; echo "$SECRET" > "$T/key"
"$WW" sensor --collector "http://127.0.0.1:$PORT" --key-file "$T/key" --state "$T/disk/state" \
    --spool-max 2000000 "$LOG" 2> "$T/sensor.err" & SPID=$!
sleep 0.5

# 1. N lines, 30 chunks 0.1 s apart (100k lines/s), from 200 sources to tcp/4444
python3 - "$LOG" $N $SPID $LIMIT <<'PY' || fail "memory"
import os, sys, time
path, n, pid, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def rss():
    for l in open("/proc/%s/status" % pid):
        if l.startswith("VmRSS:"): return int(l.split()[1])
def pos(): # how far the sensor has read the log
    for fd in os.listdir("/proc/%s/fd" % pid):
        if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == path:
            return int(open("/proc/%s/fdinfo/%s" % (pid, fd)).readline().split()[1])
    return 0
base = peak = rss()
chunk = n // 30
for c in range(30):
    with open(path, "a") as f:
        for i in range(c * chunk, (c + 1) * chunk):
            f.write("2026-11-27T%02d:%02d:%02d+00:00 fw kernel: DROP IN=eth0 OUT= SRC=198.51.100.%d "
                    "DST=10.1.%d.%d LEN=48 TOS=0x00 PREC=0x00 TTL=113 ID=1 DF PROTO=TCP SPT=%d "
                    "DPT=4444 WINDOW=64240 RES=0x00 SYN URGP=0\n"
                    % (i // 3600 % 24, i // 60 % 60, i % 60, i % 200 + 1, i // 250 % 256,
                       i % 250 + 1, 1024 + i % 60000))
    time.sleep(0.1)
    peak = max(peak, rss())
size, deadline = os.path.getsize(path), time.time() + 15
while pos() < size and time.time() < deadline:
    time.sleep(0.1)
    peak = max(peak, rss())
print("VmRSS %d kB at start, peak %d kB; read %d of %d bytes" % (base, peak, pos(), size))
if peak - base > limit: sys.exit("VmRSS grew by %d kB" % (peak - base))
if pos() < size: sys.exit("the sensor did not read the whole log in 15 s")
PY
grep -q "cannot spool batch .*No space left on device" "$T/sensor.err" || fail "the spool never filled"

# 2. space freed: the held batches go to the spool by themselves
rm "$T/disk/filler"
for _ in $(seq 50); do grep -q "spooling again" "$T/sensor.err" && break; sleep 0.1; done
grep -q "spooling again" "$T/sensor.err" || fail "no spooling after space was freed"
sleep 1
[ "$(du -sb "$T/disk/state/spool" | cut -f1)" -le 2100000 ] || fail "spool over --spool-max"

# 3. the collector comes up; the sensor (same process) delivers
SERVE_PORT=$PORT serve_start --db "$DB" --config /dev/null
python3 - "$PORT" $N "$T/sensor.err" <<'PY' || fail "delivered + dropped"
import json, re, sys, time, urllib.request
port, n, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def counts():
    j = json.load(urllib.request.urlopen("http://127.0.0.1:%s/api/v1/port/4444?date=2026-11-27" % port))
    got = sum(d["records"] for d in j["data"])
    drops = re.findall(r"sensor: dropped \d+ events \((\d+) in all", open(log).read())
    return got, int(drops[-1]) if drops else 0
deadline = time.time() + 40
while True:
    got, dropped = counts()
    if got + dropped >= n or time.time() > deadline: break
    time.sleep(0.3)
time.sleep(2)
got, dropped = counts()
print("delivered %d + dropped %d = %d, fed %d" % (got, dropped, got + dropped, n))
if got + dropped != n or not got or not dropped: sys.exit("they differ")
incs = sum(map(int, re.findall(r"sensor: dropped (\d+) events", open(log).read())))
if incs != dropped: sys.exit("the reports of dropped events add up to %d, not %d" % (incs, dropped))
PY
grep "sensor: dropped" "$T/sensor.err" | tail -1
kill -0 $SPID 2>/dev/null || fail "the sensor is gone"
off=$(awk '$1 == "file" {print $3}' "$T/disk/state/state")
[ "$off" = "$(stat -c %s "$LOG")" ] || fail "state offset $off, log size $(stat -c %s "$LOG")"
kill -TERM $SPID; wait $SPID || fail "sensor exit $? on SIGTERM"; SPID=
! grep -E "AddressSanitizer|runtime error|LeakSanitizer" "$T/sensor.err" || fail "sanitizer"
echo "sensor_disk_full.sh: all passed"
