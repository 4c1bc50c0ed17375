#!/usr/bin/env bash
# bench/soak.sh BUILD -- the collector and its sensors on a bad day, for a
# long time (issue 11). Needs root (a tmpfs for the store) and loopback only.
#
#  - One `wormwatch serve` on a store in a tmpfs of WW_SOAK_DISK_MB (512) MiB;
#    WW_SOAK_SENSORS (4) real `wormwatch sensor` processes, each following a
#    log that a generator appends netfilter lines to at WW_SOAK_RATE (25,000)
#    lines/s, rotating it at 64 MiB (two old files kept, as logrotate would).
#  - Every WW_SOAK_KILL (180) s the collector is killed with SIGKILL and
#    started again on the same store and port.
#  - At 40% of the run the store's disk is filled for 60 s (one file takes
#    every free block), then freed; at 70% a slowloris attack (1,100
#    connections from 127.0.0.2 trickling one header line every 10 s) runs
#    for 90 s while a legitimate client from 127.0.0.3 times GET requests.
#  - Every 15 s the resident memory of the collector and each sensor is read.
#  - After WW_SOAK_MINUTES (30) the generators stop; once the sensors have
#    delivered everything (at most 10 minutes), the records in the store must
#    equal the lines written minus what the sensors say they dropped (their
#    documented spool policy): every acknowledged event exactly once.
# Prints a Markdown table and, unless WW_BENCH_DOC is empty, writes it into
# docs/PERFORMANCE.md between <!-- soak:begin --> and <!-- soak:end -->.
# Exit status 1 if anything was lost or counted twice, or the collector did
# not come back.
set -u
B=${1:-build}
WW=$(cd "$B" && pwd)/wormwatch
MIN=${WW_SOAK_MINUTES:-30}
NS=${WW_SOAK_SENSORS:-4}
RATE=${WW_SOAK_RATE:-25000}
KILL=${WW_SOAK_KILL:-180}
DISK=${WW_SOAK_DISK_MB:-512}
DOC=${WW_BENCH_DOC-docs/PERFORMANCE.md}
[ "$(id -u)" = 0 ] || { echo "soak: needs root (a tmpfs for the store)" >&2; exit 77; }
T=$(mktemp -d /var/tmp/ww_soak.XXXXXX)
SPID=; SLOW=
cleanup() {
    touch "$T/stop"
    [ -n "$SLOW" ] && kill "$SLOW" 2>/dev/null
    [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
    jobs -p | xargs -r kill 2>/dev/null
    wait 2>/dev/null
    umount "$T/store" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
mkdir "$T/store"
mount -t tmpfs -o size=${DISK}m wwsoak "$T/store" || { echo "soak: cannot mount a tmpfs" >&2; exit 77; }
DB=$T/store/ww.db
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$T/events.log" >&2; }

cat > "$T/gen.py" <<'PY'
# generator: netfilter lines for sensor I at RATE lines/s into OUT, rotated at
# 64 MiB (OUT.1, OUT.2 kept); the number written goes to OUT.count
import os, random, sys, time
out, i, rate, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(i)
srcs = ["%d.%d.%d.%d" % (60 + i, rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255)) for _ in range(3000)]
ports = [445, 139, 22, 23, 80, 443, 3389, 1433]
rests = []
for n in range(5000):
    rests.append(" fw%d kernel: WW-DROP: IN=eth0 OUT= MAC=00:00:00:00:00:01:00:00:00:00:00:02:08:00 "
                 "SRC=%s DST=198.18.%d.%d LEN=44 TOS=0x00 PREC=0x00 TTL=50 ID=%d PROTO=TCP "
                 "SPT=%d DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0\n"
                 % (i, rnd.choice(srcs), i, rnd.randrange(1, 255), n, rnd.randrange(1024, 65535),
                    rnd.choice(ports)))
per = max(1, rate // 10)            # lines per tick of 0.1 s
written, f, t0 = 0, open(out, "a"), time.time()
while not os.path.exists(stop):
    ts = time.strftime("%b %e %H:%M:%S", time.gmtime())
    k = written % len(rests)
    chunk = [ts + rests[(k + j) % len(rests)] for j in range(per)]
    f.write("".join(chunk)); f.flush()
    written += per
    with open(out + ".count.tmp", "w") as c: c.write("%d\n" % written)
    os.replace(out + ".count.tmp", out + ".count")
    if f.tell() > 64 << 20:
        f.close()
        if os.path.exists(out + ".1"): os.replace(out + ".1", out + ".2")
        os.replace(out, out + ".1")
        f = open(out, "a")
    t0 += 0.1
    time.sleep(max(0, t0 - time.time()))
f.close()
PY

cat > "$T/slowloris.py" <<'PY'
# slowloris from 127.0.0.2: N connections, one header line every 10 s, for S s
import socket, sys, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
socks = []
for _ in range(n):
    try:
        s = socket.socket(); s.settimeout(2); s.bind(("127.0.0.2", 0)); s.connect(("127.0.0.1", port))
        s.send(b"GET /api/v1/infocon HTTP/1.1\r\nHost: x\r\n"); socks.append(s)
    except OSError:
        pass
end = time.time() + secs
while time.time() < end:
    time.sleep(10)
    for s in list(socks):
        try: s.send(b"X-a: b\r\n")
        except OSError: socks.remove(s)
print("slowloris: %d of %d connections still open at the end" % (len(socks), n))
PY

start_serve() {
    "$WW" serve --db "$DB" --listen "127.0.0.1:$PORT" --rate-limit 0 >> "$T/serve.log" 2>&1 &
    SPID=$!
    for _ in $(seq 300); do
        curl -s -o /dev/null -m 2 "$URL/api/v1/infocon" && return 0
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.1
    done
    log "collector did not come back: $(tail -3 "$T/serve.log")"
    return 1
}
rss() { awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
records() { # every record the store holds, all ports the generators use
    local from to sum=0 p n
    from=$(date -u -d "@$T0" +%F); to=$(date -u +%F)
    for p in 445 139 22 23 80 443 3389 1433; do
        n=$(curl -s -m 30 "$URL/api/v1/porthistory/$p?from=$from&to=$to" |
            python3 -c 'import json,sys; print(sum(d["records"] for d in json.load(sys.stdin)["days"]))' 2>/dev/null) || return 1
        [ -n "$n" ] || return 1
        sum=$((sum + n))
    done
    echo "$sum"
}
dropped() { # what the sensors say they dropped by their spool policy
    cat "$T"/sensor-*.err 2>/dev/null | grep -oE 'dropped [0-9]+ events' | awk '{s += $2} END {print s + 0}'
}

T0=$(date +%s)
for i in $(seq "$NS"); do
    "$WW" key add "soak-$i" --db "$DB" | grep -oE '[0-9a-f]{64}' | head -1 > "$T/key-$i"
done
start_serve || exit 1
for i in $(seq "$NS"); do
    : > "$T/fw-$i.log"
    python3 "$T/gen.py" "$T/fw-$i.log" "$i" "$RATE" "$T/stop" &
    mkdir -p "$T/state-$i"
    "$WW" sensor --collector "$URL" --key-file "$T/key-$i" --state "$T/state-$i" \
        "$T/fw-$i.log" 2> "$T/sensor-$i.err" &
    echo $! > "$T/sensor-$i.pid"
done
log "soak: $MIN min, $NS sensors at $RATE lines/s each, SIGKILL every $KILL s, store on a $DISK MiB tmpfs"

END=$((T0 + MIN * 60)); DISKAT=$((T0 + MIN * 60 * 4 / 10)); SLOWAT=$((T0 + MIN * 60 * 7 / 10))
kills=0; restarts_failed=0; disk_done=0; slow_done=0; next_kill=$((T0 + KILL)); next_rss=$T0
slow_max=0; slow_fail=0; slow_n=0; disk_codes=""
while [ "$(date +%s)" -lt "$END" ]; do
    now=$(date +%s)
    if [ "$now" -ge "$next_kill" ]; then
        echo "$(rss "$SPID")" >> "$T/serve-rss"
        kill -9 "$SPID"; wait "$SPID" 2>/dev/null
        kills=$((kills + 1)); log "collector killed (-9), #$kills"
        start_serve || restarts_failed=$((restarts_failed + 1))
        next_kill=$((now + KILL))
    fi
    if [ "$disk_done" = 0 ] && [ "$now" -ge "$DISKAT" ]; then
        disk_done=1
        avail=$(df -B1 --output=avail "$T/store" | tail -1)
        fallocate -l "$avail" "$T/store/filler" 2>/dev/null || dd if=/dev/zero of="$T/store/filler" bs=1M 2>/dev/null
        log "store disk full ($(df -h --output=avail "$T/store" | tail -1 | tr -d ' ') free)"
        for _ in $(seq 12); do
            sleep 5
            # one line on a port the count leaves out (9999)
            printf '%s\t0\t1\t203.0.113.9\t4000\t198.18.0.1\t9999\ttcp\tSYN\n' "$(date -u '+%F %T +00:00')" > "$T/probe.tsv"
            c=$(curl -s -o /dev/null -w '%{http_code}' -m 5 -X POST -H "Authorization: Bearer $(cat "$T/key-1")" \
                -H "X-Batch-Id: soak-probe-$RANDOM$RANDOM" --data-binary @"$T/probe.tsv" "$URL/api/v1/submit")
            disk_codes="$disk_codes $c"
        done
        rm -f "$T/store/filler"; log "store disk freed; empty submits answered:$disk_codes"
    fi
    if [ "$slow_done" = 0 ] && [ "$now" -ge "$SLOWAT" ]; then
        slow_done=1
        python3 "$T/slowloris.py" "$PORT" 1100 90 >> "$T/events.log" 2>&1 & SLOW=$!
        log "slowloris: 1100 connections from 127.0.0.2 for 90 s"
        sleep 2
        while kill -0 "$SLOW" 2>/dev/null; do
            t=$(curl -s -o /dev/null -w '%{time_total}' -m 10 --interface 127.0.0.3 "$URL/api/v1/infocon") || slow_fail=$((slow_fail + 1))
            slow_n=$((slow_n + 1))
            slow_max=$(python3 -c "print(max($slow_max, ${t:-10}))")
            sleep 1
        done
        wait "$SLOW" 2>/dev/null; SLOW=
        log "slowloris over: $slow_n legitimate GETs, $slow_fail failed, slowest ${slow_max} s"
    fi
    if [ "$now" -ge "$next_rss" ]; then
        line="$((now - T0)) $(rss "$SPID")"
        for i in $(seq "$NS"); do line="$line $(rss "$(cat "$T/sensor-$i.pid")")"; done
        echo "$line" >> "$T/rss"
        next_rss=$((now + 15))
    fi
    sleep 1
done
touch "$T/stop"; sleep 1
written=0
for i in $(seq "$NS"); do written=$((written + $(cat "$T/fw-$i.log.count"))); done
log "generators stopped: $written lines written; waiting for delivery"
deadline=$(( $(date +%s) + 600 )); got=0
while [ "$(date +%s)" -lt "$deadline" ]; do
    got=$(records) || got=0
    want=$((written - $(dropped)))
    [ "$got" -ge "$want" ] && break
    sleep 5
done
sleep 10; got=$(records) || got=0   # and nothing more arrives afterwards
drop=$(dropped); want=$((written - drop))
drain=$(( $(date +%s) - deadline + 600 ))
srss_first=$(awk 'NR == 3 {print $3}' "$T/rss"); srss_last=$(tail -1 "$T/rss" | awk '{print $3}')
srss_max=$(awk '{for (i = 3; i <= NF; i++) if ($i > m) m = $i} END {print m + 0}' "$T/rss")
crss=$(sort -n "$T/serve-rss" 2>/dev/null | tr '\n' ' ')
ok=yes; [ "$got" = "$want" ] && [ "$restarts_failed" = 0 ] || ok=no

table=$(cat <<EOF
| figure | value |
|---|---|
| duration, sensors, offered rate | $MIN min, $NS sensors, $RATE lines/s each ($((written / (MIN * 60))) lines/s written in all) |
| lines written | $written |
| dropped by the sensors' spool policy | $drop |
| records in the store afterwards | $got ($( [ "$got" = "$want" ] && echo "exactly the lines written minus those dropped" || echo "EXPECTED $want" )) |
| drain after the generators stopped | ${drain} s |
| collector SIGKILLs, failed restarts | $kills, $restarts_failed |
| disk full for 60 s: answers to submits | $disk_codes |
| slowloris (1,100 connections, 90 s): legitimate GETs | $slow_n, $slow_fail failed, slowest ${slow_max} s |
| sensor RSS (MiB): at 30 s, at the end, peak | $srss_first, $srss_last, $srss_max |
| collector RSS before each SIGKILL (MiB, sorted) | $crss |
| nothing lost, nothing twice | $ok |
EOF
)
echo "$table"
if [ -n "$DOC" ] && [ -f "$DOC" ]; then
    python3 - "$DOC" "$T/table" <<PY
import sys
doc = sys.argv[1]
body = """<!-- soak:begin -->
$(date -u +%F), commit $(git rev-parse --short HEAD 2>/dev/null), $(nproc) cores; \`bench/soak.sh\` (WW_SOAK_MINUTES=$MIN):

$table
<!-- soak:end -->"""
s = open(doc).read()
if "<!-- soak:begin -->" in s:
    a = s.index("<!-- soak:begin -->"); b = s.index("<!-- soak:end -->") + len("<!-- soak:end -->")
    s = s[:a] + body + s[b:]
else:
    s = s.rstrip("\n") + "\n\n## Reliability (soak)\n\n" + body + "\n"
open(doc, "w").write(s)
PY
fi
cp "$T/events.log" /tmp/ww_soak_events.log 2>/dev/null
[ "$ok" = yes ]
