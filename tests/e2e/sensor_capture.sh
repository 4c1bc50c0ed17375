#!/usr/bin/env bash
# wormwatch sensor --interface end to end (root): a veth pair in a namespace
# of its own, a capture replayed into it with tcpreplay.
#  1. usage: --capture-buffer takes 1 to 2047 (MiB) and goes with
#     --interface; anything else exits 2.
#  2. every packet read: the sensor's exit line says the kernel received
#     what tcpreplay sent, dropped none, and the sensor read them all; the
#     events it spooled (no collector listens) are as many as `wormwatch
#     analyze` finds in the same file.
#  3. drops counted: a 1 MiB buffer and the sensor stopped (SIGSTOP) while
#     20,000 packets arrive: the kernel drops some, the sensor says so while
#     it runs and at exit, and read + dropped = received.
set -u
: "${WW:?WW=path/to/wormwatch}"
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
chmod 755 "$T" # the sensor's state is in it, and the sensor becomes nobody
SPID=
cleanup() { [ -n "$SPID" ] && kill -9 $SPID 2>/dev/null; netns_cleanup; rm -rf "$T"; }
trap "cleanup 2>/dev/null" EXIT
fail() { echo "FAIL: $*"; echo "--- sensor log"; tail -20 "$T/sensor.err" 2>/dev/null; exit 1; }

# 1. usage errors need nothing else
for bad in 0 2048 4097 x -1; do
    "$WW" sensor --collector http://127.0.0.1:9 --key k --interface lo --capture-buffer "$bad" \
        2>"$T/err" && fail "--capture-buffer $bad accepted"
    [ $? = 2 ] && grep -q "bad --capture-buffer '$bad'" "$T/err" || fail "--capture-buffer $bad: $(cat "$T/err")"
done
"$WW" sensor --collector http://127.0.0.1:9 --key k --capture-buffer 8 "$T/x.log" 2>"$T/err"
[ $? = 2 ] && grep -q -- "--capture-buffer goes with --interface" "$T/err" ||
    fail "--capture-buffer without --interface: $(cat "$T/err")"
"$WW" sensor --help | grep -q -- "--capture-buffer MIB" || fail "--help does not name --capture-buffer"

command -v tcpreplay >/dev/null || { echo "SKIP: tcpreplay is not installed (scripts/deps.sh)"; exit 77; }
. "$HERE/netns.bash"
netns_add CAP
ip netns exec "$CAP" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$CAP" link add v-send type veth peer name v-cap || fail "no veth pair"
ip -n "$CAP" link set v-send up && ip -n "$CAP" link set v-cap up || fail "veth down"

# sensor BUFFER_MIB: started in the namespace, returns once it gave up root
sensor() {
    rm -rf "$T/state"; : > "$T/sensor.err"
    ip netns exec "$CAP" "$WW" sensor --collector http://127.0.0.1:9 --key k --state "$T/state" \
        --interface v-cap --capture-buffer "$1" --flush 0.2 2>"$T/sensor.err" & SPID=$!
    for _ in $(seq 100); do
        [ "$(awk '/^Uid:/ {print $2}' /proc/$SPID/status 2>/dev/null)" = 0 ] || break
        sleep 0.05
    done
    kill -0 $SPID 2>/dev/null || fail "sensor exited: $(cat "$T/sensor.err")"
}
stop_sensor() {
    kill -TERM $SPID; wait $SPID; local rc=$?; SPID=
    [ $rc = 0 ] || fail "sensor exit $rc on SIGTERM"
    COUNTERS=$(grep -E 'v-cap: [0-9]+ packets read; the kernel received [0-9]+, dropped [0-9]+ \(capture buffer full\); the interface dropped [0-9]+$' "$T/sensor.err") ||
        fail "no counters line at exit"
    set -- $(grep -oE '[0-9]+' <<<"${COUNTERS#*v-cap: }")
    READ=$1 RECV=$2 DROP=$3
}
replay() { # PCAP
    ip netns exec "$CAP" tcpreplay -q --topspeed -i v-send "$1" >"$T/replay.out" 2>&1 ||
        fail "tcpreplay: $(cat "$T/replay.out")"
}

# 2. everything read, as many events as analyze finds
python3 "$HERE/../../bench/gen_netfilter.py" pcap 2000 "$T/small.pcap" 3 >/dev/null || fail "gen_netfilter.py"
N=$(tcpdump -r "$T/small.pcap" -n 2>/dev/null | wc -l)
WANT=$("$WW" analyze --format json --no-progress "$T/small.pcap" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["input"]["events"])')
sensor 8
replay "$T/small.pcap"
sleep 1 # the last ring block is handed over after 100 ms
stop_sensor
[ "$READ" = "$N" ] && [ "$RECV" = "$N" ] && [ "$DROP" = 0 ] ||
    fail "sent $N packets; $COUNTERS"
GOT=$(cat "$T"/state/spool/*.batch 2>/dev/null | grep -c $'\t')
[ "$GOT" = "$WANT" ] || fail "$GOT events spooled, analyze finds $WANT in the same file"
echo "ok: $N packets sent, $COUNTERS; $GOT events spooled, as analyze finds"

# 3. drops counted and said
python3 "$HERE/../../bench/gen_netfilter.py" pcap 20000 "$T/big.pcap" 4 >/dev/null || fail "gen_netfilter.py"
N=$(tcpdump -r "$T/big.pcap" -n 2>/dev/null | wc -l)
sensor 1
kill -STOP $SPID
replay "$T/big.pcap"
kill -CONT $SPID
for _ in $(seq 100); do grep -q "the kernel dropped" "$T/sensor.err" && break; sleep 0.1; done
grep -qE "v-cap: the kernel dropped [0-9]+ packets \([0-9]+ in all\): the sensor does not keep up" "$T/sensor.err" ||
    fail "no drop said while running"
stop_sensor
[ "$RECV" = "$N" ] && [ "$DROP" -gt 0 ] && [ $((READ + DROP)) = "$RECV" ] ||
    fail "sent $N packets into a 1 MiB buffer while stopped; $COUNTERS"
echo "ok: $N packets into a stopped sensor with 1 MiB: $COUNTERS"
echo "PASS"
