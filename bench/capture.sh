#!/usr/bin/env bash
# bench/capture.sh BUILD [PCAP] -- the sensor's live capture (issue 16):
# packets/s handled and the kernel's drops, beside tcpdump on the same
# interface, in the same run. Root; needs tcpreplay, tcpdump and iproute2.
#
# 1. Makes its own network namespace with one veth pair in it (v-send,
#    v-cap; IPv6 off, so nothing but the replay crosses it) and touches no
#    other interface; both go with the namespace at exit.
# 2. Generates PCAP if not given: bench/gen_netfilter.py pcap
#    WW_CAPTURE_PACKETS (2,000,000) SYN probes and their answers, seed
#    WW_CAPTURE_SEED (1).
# 3. Starts `wormwatch serve` in the namespace (loopback, fresh store, no
#    rate limit) as the sensors' collector; WW_CAPTURE_COLLECTOR=none points
#    the sensor at a closed port instead (it spools, and retries with
#    backoff).
# 4. For each rate of WW_CAPTURE_RATES ("250000 500000 1000000 top burst";
#    top = tcpreplay --topspeed, burst = topspeed while the capturer is
#    stopped (SIGSTOP), then let go: how fast it empties a full ring, never
#    waiting for the sender; both get a ring of WW_CAPTURE_BURST_MIB (512)
#    MiB, which must hold the whole capture; the others --pps) replays PCAP into v-send
#    (tcpreplay -K: preloaded; --no-flow-stats) twice: once captured by
#    `tcpdump -i v-cap -w /dev/null` (its default buffer, and -B
#    WW_CAPTURE_TCPDUMP_B KiB when set), once by `wormwatch sensor
#    --interface v-cap` (--capture-buffer WW_CAPTURE_BUFFER MiB when set,
#    else the sensor's default; --user nobody; and WW_CAPTURE_SENSOR_OPTS,
#    e.g. "--batch 10000"). After the replay it waits
#    until the capturer's CPU time stops moving (it has read what the ring
#    held), then stops it and reads its counters: tcpdump's "captured /
#    received by filter / dropped by kernel", the sensor's exit line
#    ("IF: N packets read; the kernel received R, dropped D ...").
# 5. Prints a Markdown table (stdout) and, unless WW_BENCH_DOC is empty,
#    writes it into docs/PERFORMANCE.md between <!-- capbench:begin --> and
#    <!-- capbench:end -->.
# Columns: packets tcpreplay sent and the rate it reached; packets the
# capturer read and packets/s handled (read / wall time from the replay's
# start until the capturer went idle); the kernel's drops (ring full) and
# the interface's; the capturer's CPU time (user + sys) and its CPU cost per
# packet (1 / that is what one core of it can take); its peak RSS. The
# sender and the capturer share the machine: tcpreplay takes one core, and
# the kernel's work of delivering each packet to the capture's ring is
# charged to the sender, so the CPU columns are the fair comparison.
# WW=PATH runs another wormwatch binary (before/after comparisons);
# WW_CAPTURE_PERF=FILE records the sensor with `perf record -g` into
# FILE.RATE during each of its replays.
set -u
[ $# -ge 1 ] || { echo "usage: bench/capture.sh BUILD [PCAP]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${WW:=$(cd "$1" && pwd)/wormwatch}"
: "${WW_CAPTURE_PACKETS:=2000000}" "${WW_CAPTURE_SEED:=1}"
: "${WW_CAPTURE_RATES:=250000 500000 1000000 top burst}" "${WW_CAPTURE_COLLECTOR:=serve}"
: "${WW_CAPTURE_BUFFER:=}" "${WW_CAPTURE_BURST_MIB:=512}" "${WW_CAPTURE_TCPDUMP_B:=}" "${WW_CAPTURE_PEER:=1}"
: "${WW_BENCH_DOC=$root/docs/PERFORMANCE.md}"
say() { echo "capture: $*" >&2; }
[ -x "$WW" ] || { say "no $WW; build first"; exit 1; }
[ "$(id -u)" = 0 ] || { say "needs root (network namespaces, capture)"; exit 77; }
for t in tcpreplay tcpdump ip python3; do
    command -v $t >/dev/null || { say "needs $t (scripts/deps.sh installs it)"; exit 77; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/wormwatch-capture.XXXXXX")
chmod 755 "$T" # the sensor's state is in it, and the sensor becomes nobody
NS=ww-capbench-$$
PIDS=
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { say "$*"; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS" || fail "cannot add network namespace $NS"
ip -n "$NS" link set lo up
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$NS" link add v-send type veth peer name v-cap || fail "cannot make a veth pair"
ip -n "$NS" link set v-send up && ip -n "$NS" link set v-cap up || fail "veth down"

PCAP=${2:-}
if [ -z "$PCAP" ]; then
    PCAP=$T/syn.pcap
    say "generating $WW_CAPTURE_PACKETS packets"
    python3 "$here/gen_netfilter.py" pcap "$WW_CAPTURE_PACKETS" "$PCAP" "$WW_CAPTURE_SEED" >/dev/null ||
        fail "gen_netfilter.py failed"
fi

KEY=$("$WW" key add capbench --db "$T/ww.db" | grep -oE '[0-9a-f]{64}' | head -1)
[ -n "$KEY" ] || fail "key add printed no secret"
SERVE=
if [ "$WW_CAPTURE_COLLECTOR" = serve ]; then
: > "$T/serve.log"
    ip netns exec "$NS" "$WW" serve --db "$T/ww.db" --listen 127.0.0.1:0 --rate-limit 0 2>"$T/serve.log" &
    SERVE=$!; PIDS="$PIDS $SERVE"
    for _ in $(seq 200); do grep -q "listening on" "$T/serve.log" && break; sleep 0.05; done
    URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$T/serve.log" | head -1)
    [ -n "$URL" ] || fail "serve did not start: $(cat "$T/serve.log")"
else
    URL=http://127.0.0.1:9 # discard: nothing listens in the namespace
fi

ticks() { # PID: user + sys clock ticks so far
    local st
    st=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    st=${st##*) }; set -- $st
    echo $(( ${12} + ${13} ))
}
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null; }
now() { date +%s.%N; }

# replay RATE [PID]: tcpreplay into v-send; sets SENT, SENTPPS, T0 (its
# start). RATE burst: topspeed while PID is stopped (SIGSTOP), T0 when it
# is let go (SIGCONT): the ring must hold the whole capture.
replay() {
    local how=--topspeed
    case $1 in top | burst) ;; *) how="--pps=$1" ;; esac
    [ "$1" = burst ] && kill -STOP "$2"
    C0=$(ticks "$2") T0=$(now)
    in_ns tcpreplay -K --no-flow-stats $how -i v-send "$PCAP" >"$T/replay.out" 2>&1 ||
        fail "tcpreplay: $(tail -3 "$T/replay.out")"
    SENT=$(awk '/^Actual:/ {print $2}' "$T/replay.out")
    SENTPPS=$(awk '/^Rated:/ {for (i = 1; i < NF; i++) if ($(i + 1) ~ /^pps/) print int($i)}' "$T/replay.out")
    if [ "$1" = burst ]; then sleep 0.5; T0=$(now); kill -CONT "$2"; fi
}

# settle PID: wait until PID is idle (under 10% of a core for 1.5 s, in
# 0.2 s windows); sets T1 (the end of the last window it was busy in, over
# half a core), CPU (its ticks since the replay began: C0, so not the
# ring's allocation at start, which the kernel charges to the capturer) and
# RSS (KiB). A ring block partly filled
# waits up to tcpdump's 1 s timeout, the sensor's 100 ms.
settle() {
    local a b t still=0 busy hz
    hz=$(getconf CLK_TCK)
    b=$(ticks "$1") T1=$(now)
    for _ in $(seq 3000); do
        sleep 0.2
        a=$(ticks "$1"); t=$(now)
        busy=$(( (a - b) * 10 ))   # percent of a core over 0.2 s, at 100 ticks/s
        busy=$(( busy * 100 / hz ))
        [ $busy -ge 50 ] && T1=$t
        if [ $busy -lt 10 ]; then still=$((still + 1)); [ $still -ge 8 ] && break; else still=0; fi
        b=$a
    done
    CPU=$((a - C0)) RSS=$(hwm "$1")
}

ROWS=
# row WHO RATE READ DROP IFDROP: one line of the table
row() {
    local hz rx1
    hz=$(getconf CLK_TCK)
    rx1=$(in_ns cat /sys/class/net/v-cap/statistics/rx_packets)
    ROWS="$ROWS$(awk -v who="$1" -v rate="$2" -v sent="$SENT" -v sp="$SENTPPS" -v rd="$3" \
        -v dr="$4" -v ifd="$5" -v t0="$T0" -v t1="$T1" -v cpu="$CPU" -v hz="$hz" -v rss="$RSS" \
        -v got=$((rx1 - RX0)) 'BEGIN {
        w = t1 - t0; c = cpu / hz
        printf "| %s | %s | %d | %d | %d | %d | %.0f | %d | %d | %.2f | %.2f | %.0f |\n",
            who, (rate == "top" ? "topspeed" : rate), sent, sp, got, rd, (w > 0 ? rd / w : 0),
            dr, ifd, c, (rd ? c * 1e6 / rd : 0), rss / 1024 }')
"
}

# tcpdump_row RATE [-B KIB]
tcpdump_row() {
    local rate=$1 b=${3:-} who=tcpdump
    shift
    [ -n "$b" ] && who="tcpdump -B $b"
    # not through in_ns: $! must be tcpdump itself (ip netns exec execs it)
    ip netns exec "$NS" tcpdump -i v-cap -n -w /dev/null "$@" 2>"$T/tcpdump.err" & local p=$!
    PIDS="$PIDS $p"
    for _ in $(seq 100); do grep -q "listening on" "$T/tcpdump.err" && break; sleep 0.05; done
    RX0=$(in_ns cat /sys/class/net/v-cap/statistics/rx_packets)
    replay "$rate" $p
    settle $p
    kill -TERM $p; wait $p 2>/dev/null # (a background job ignores SIGINT)
    local cap drop
    cap=$(awk '/packets captured/ {print $1}' "$T/tcpdump.err")
    drop=$(awk '/dropped by kernel/ {print $1}' "$T/tcpdump.err")
    row "$who" "$rate" "${cap:-0}" "${drop:-0}" "$(awk '/dropped by interface/ {print $1}' "$T/tcpdump.err" | grep . || echo 0)"
    say "$who at $rate: $(tr '\n' ' ' < "$T/tcpdump.err")"
}

sensor_row() {
    local rate=$1 st=$T/state-$RANDOM opt=()
    [ -n "$WW_CAPTURE_BUFFER" ] && opt=(--capture-buffer "$WW_CAPTURE_BUFFER")
    [ "$rate" = burst ] && opt=(--capture-buffer "$WW_CAPTURE_BURST_MIB")
    opt+=(${WW_CAPTURE_SENSOR_OPTS:-})
    : > "$T/sensor.err"
    ip netns exec "$NS" "$WW" sensor --collector "$URL" --key "$KEY" --state "$st" --interface v-cap \
        --user nobody "${opt[@]}" 2>"$T/sensor.err" & local p=$!
    PIDS="$PIDS $p"
    # started: it has given up root (it does so right after the capture opened)
    for _ in $(seq 100); do
        [ "$(awk '/^Uid:/ {print $2}' /proc/$p/status 2>/dev/null)" = 0 ] || break
        sleep 0.05
    done
    kill -0 $p 2>/dev/null || fail "sensor exited: $(cat "$T/sensor.err")"
    local perf=
    if [ -n "${WW_CAPTURE_PERF:-}" ]; then
        perf record -q -g -o "$WW_CAPTURE_PERF.$rate" -p $p 2>/dev/null & perf=$!
        sleep 0.5
    elif [ -n "${WW_CAPTURE_STRACE:-}" ]; then
        strace -c -w -f -o "$WW_CAPTURE_STRACE.$rate" -p $p 2>/dev/null & perf=$!
        sleep 0.5
    fi
    RX0=$(in_ns cat /sys/class/net/v-cap/statistics/rx_packets)
    replay "$rate" $p
    settle $p
    [ -n "$perf" ] && { kill -TERM $perf; wait $perf 2>/dev/null; }
    kill -TERM $p; wait $p 2>/dev/null
    local line
    line=$(grep -E 'packets read; the kernel received' "$T/sensor.err" | tail -1)
    [ -n "$line" ] || fail "no counters from the sensor: $(tail -5 "$T/sensor.err")"
    local rd drop ifd
    rd=$(sed -E 's/.*: ([0-9]+) packets read.*/\1/' <<<"$line")
    drop=$(sed -E 's/.*dropped ([0-9]+) \(capture.*/\1/' <<<"$line")
    ifd=$(sed -E 's/.*interface dropped ([0-9]+).*/\1/' <<<"$line")
    row "wormwatch sensor ${opt[*]}" "$rate" "$rd" "$drop" "$ifd"
    say "sensor at $rate: $line"
    grep -v 'packets read; the kernel' "$T/sensor.err" | grep -v "made the anonymization key" | head -3 >&2
}

say "replaying $PCAP into $NS v-send; collector: $WW_CAPTURE_COLLECTOR"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for rate in $WW_CAPTURE_RATES; do
    if [ "$WW_CAPTURE_PEER" = 1 ]; then
        [ "$rate" = burst ] || tcpdump_row "$rate"
        if [ "$rate" = burst ]; then tcpdump_row "$rate" -B $((WW_CAPTURE_BURST_MIB * 1024))
        elif [ -n "$WW_CAPTURE_TCPDUMP_B" ]; then tcpdump_row "$rate" -B "$WW_CAPTURE_TCPDUMP_B"; fi
    fi
    sensor_row "$rate"
done
[ -n "$SERVE" ] && { kill -TERM "$SERVE"; wait "$SERVE" 2>/dev/null; }

table="| capturer | rate asked (pps) | sent | sent pps | reached v-cap | read | handled pps | kernel drops | interface drops | CPU s | CPU µs/packet | peak RSS MB |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$ROWS"
head="$(date -u +%Y-%m-%d), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r), load average $load0 at the start; $(basename "$PCAP") replayed; collector: $WW_CAPTURE_COLLECTOR."
printf '%s\n\n%s' "$head" "$table"
if [ -n "$WW_BENCH_DOC" ] && grep -q '<!-- capbench:begin -->' "$WW_BENCH_DOC"; then
    python3 - "$WW_BENCH_DOC" "$head" "$table" <<'PY'
import sys
path, head, table = sys.argv[1:4]
s = open(path).read()
a = s.index("<!-- capbench:begin -->") + len("<!-- capbench:begin -->")
b = s.index("<!-- capbench:end -->")
open(path, "w").write(s[:a] + "\n" + head + "\n\n" + table + s[b:])
PY
    say "written into $WW_BENCH_DOC"
fi
