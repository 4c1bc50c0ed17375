#!/usr/bin/env bash
# wormwatch sensor --journal end to end: real journal files, a real journalctl,
# a real `wormwatch serve`. No journald is needed: systemd-journal-remote turns
# the journal export format on its stdin into a journal file, so the test
# writes kernel netfilter LOG messages (_TRANSPORT=kernel, as the kernel's
# printk lands in the journal) straight into a directory that the sensor reads
# with --journal-directory. journalctl -f follows a file that another
# systemd-journal-remote run appends to (each run opens the file, appends,
# and marks it offline; journalctl sees the change through inotify), so one
# file, appended to chunk by chunk, stands for /var/log/journal/.../system.journal.
# Every kernel netfilter entry has a unique (SRC, SPT) on port 4445; around them
# are entries that must not count: the same text from another transport
# (syslog), kernel messages that are not netfilter, and an entry with MESSAGE
# twice (skipped with a warning). Some netfilter messages are not UTF-8, so
# journalctl prints them as byte arrays; they must count.
#  1. first start: entries already in the journal (port 4446) are not sent;
#  2. appends arrive; SIGTERM mid-stream, entries written while stopped, restart;
#  3. kill -9 mid-stream (journalctl must die with it), more entries, restart;
#  the collector's port/4445 records equal the entries written: none lost,
#  none twice; port/4446 has none.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v journalctl >/dev/null || { echo "SKIP: no journalctl"; exit 77; }
JR=
for p in /lib/systemd/systemd-journal-remote /usr/lib/systemd/systemd-journal-remote; do
    [ -x "$p" ] && JR=$p && break
done
[ -n "$JR" ] || { echo "SKIP: no systemd-journal-remote (Debian package systemd-journal-remote)"; exit 77; }
T=$(mktemp -d)
SPID= PID=
cleanup() { [ -n "$SPID" ] && kill -9 $SPID 2>/dev/null; [ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- sensor log"; tail -20 "$T/sensor.err"; exit 1; }
. "$(dirname "$0")/serve.bash"
J=$T/journal
mkdir "$J"
BOOT=$(tr -d - < /proc/sys/kernel/random/boot_id)

jwrite() { # FROM TO DPORT: kernel netfilter entries FROM..TO-1 (and noise), 25 per journal-remote run
    python3 - "$JR" "$J/remote.journal" "$BOOT" "$1" "$2" "$3" <<'PY'
import calendar, struct, subprocess, sys, time
jr, path, boot, a, b, dport = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
base = calendar.timegm((2026, 11, 27, 0, 0, 0)) * 1000000
def entry(us, msg, transport="kernel", twice=False):
    e = b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n" % (us, us - base + 1, boot.encode())
    e += b"_TRANSPORT=%s\nSYSLOG_IDENTIFIER=kernel\nSYSLOG_FACILITY=0\nPRIORITY=4\n_HOSTNAME=fw1\n" % transport.encode()
    try:
        msg.decode("utf-8")
        e += b"MESSAGE=" + msg + b"\n"
    except UnicodeDecodeError: # export format: binary field = name, LE64 length, bytes
        e += b"MESSAGE\n" + struct.pack("<Q", len(msg)) + msg + b"\n"
    if twice:
        e += b"MESSAGE=" + msg + b" (again)\n" # the journal keeps one copy of an identical field
    return e + b"\n"
def nf(i, src):
    return (b"DROP IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=10.1.2.3 LEN=48 "
            b"TOS=0x00 PREC=0x00 TTL=113 ID=1 DF PROTO=TCP SPT=%d DPT=%d WINDOW=64240 RES=0x00 SYN URGP=0"
            % (src.encode(), 1024 + i, dport))
out = b""
for i in range(a, b):
    us = base + (dport - 4445) * 7200 * 1000000 + i * 1000000
    msg = nf(i, "198.51.%d.%d" % (i // 250, i % 250 + 1))
    if i % 100 == 13:
        msg = b"fw\xff\xfe: " + msg # not UTF-8: a byte array in JSON
    out += entry(us, msg)
    if i % 100 == 7: # not the kernel: must not count
        out += entry(us + 100, nf(i, "203.0.113.%d" % (i % 250 + 1)), transport="syslog")
    if i % 100 == 21: # a kernel message that is not netfilter
        out += entry(us + 200, b"e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex")
    if i % 250 == 42: # MESSAGE twice: an array of strings, skipped with a warning
        out += entry(us + 300, nf(i, "192.0.2.%d" % (i % 250 + 1)), twice=True)
    if (i + 1) % 25 == 0 or i + 1 == b:
        subprocess.run([jr, "-o", path, "-"], input=out, check=True, stderr=subprocess.DEVNULL)
        out = b""
        time.sleep(0.01)
PY
}
count() { # DPORT N [exact]: wait until the collector has N records on DPORT; exact: then exactly N
    local got
    for _ in $(seq 200); do serve_records got $1 2026-11-27; [ "$got" -ge $2 ] && break; sleep 0.3; done
    [ -n "${3:-}" ] && { sleep 1.5; serve_records got $1 2026-11-27; }
    if [ "$got" -lt $2 ] || { [ -n "${3:-}" ] && [ "$got" != $2 ]; }; then
        echo "collector has $got records on port $1, want $2"; return 1
    fi
    echo "ok: collector has $got records on port $1"
}
start_sensor() {
    "$WW" sensor --collector "http://127.0.0.1:$PORT" --key-file "$T/key" --state "$T/state" \
        --batch 50 --flush 0.2 --journal --journal-directory "$J" 2>>"$T/sensor.err" & SPID=$!
}

DB=$T/ww.db
serve_key SECRET s1; echo "$SECRET" > "$T/key"
serve_start --db "$DB" --config /dev/null

# 1. what is in the journal before the first start is not sent
jwrite 0 20 4446 || fail "journal-remote"
start_sensor
for _ in $(seq 100); do grep -q '^journal ' "$T/state/state" 2>/dev/null && break; sleep 0.1; done
grep -q '^journal ' "$T/state/state" || fail "no start cursor in the state file"

# 2. appends; SIGTERM mid-stream; entries written while stopped
jwrite 0 300 4445
count 4445 300 || fail "appends"
jwrite 300 600 4445 & W=$!
sleep 0.3; kill -TERM $SPID; wait $SPID || fail "sensor exit status $? after SIGTERM"; SPID=
wait $W
jwrite 600 650 4445
start_sensor

# 3. kill -9 mid-stream; journalctl must not outlive the sensor
jwrite 650 900 4445 & W=$!
sleep 0.4
JPID=$(cat /proc/$SPID/task/$SPID/children 2>/dev/null | awk '{print $1}')
[ -n "$JPID" ] || fail "no journalctl child"
kill -9 $SPID; wait $SPID 2>/dev/null; SPID=
for _ in $(seq 30); do
    st=$(awk '{print $3}' /proc/$JPID/stat 2>/dev/null)
    [ -z "$st" ] || [ "$st" = Z ] && break
    sleep 0.1
done
[ -z "$st" ] || [ "$st" = Z ] || fail "journalctl $JPID outlived the sensor"
wait $W
jwrite 900 950 4445
start_sensor
jwrite 950 1000 4445
count 4445 1000 exact || fail "exactly once"
count 4446 0 exact || fail "entries from before the first start were sent"
kill -TERM $SPID; wait $SPID || fail "sensor exit status $?"; SPID=
grep -q "neither text nor bytes; entry skipped" "$T/sensor.err" || fail "no warning for the MESSAGE-twice entry"
! grep -E "AddressSanitizer|runtime error|LeakSanitizer" "$T/sensor.err" || fail "sanitizer"
echo "sensor_journal.sh: all passed"
