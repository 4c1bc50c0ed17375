#!/usr/bin/env bash
# `wormwatch sensor --block` and prefixes (issue 18), in a namespace N with a
# stand-in collector: a followed netfilter log holds an IPv6 scanner that
# rotates its source inside 2001:db8:77:1::/64 (300 probes to 300 ports of
# one host, each from a new address) and one that shows one address,
# 2001:db8:aa::10 (40 hosts on 445). The sensor detects the first as its /64
# and blocks that one prefix, cut around --block-allow 2001:db8:77:1::5 (two
# ranges, nothing wider); the second is blocked as its address.
# Exit 77 (SKIP) when namespaces cannot be made; missing tools, or an
# analyze with no grouping per prefix (--v6-prefix), fail.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip nft python3; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
"$WW" analyze --help 2>&1 | grep -q -- --v6-prefix ||
    { echo "FAIL: analyze groups no sources per prefix (no --v6-prefix): nothing to block as one"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.bash"
netns_workdir
fail() { echo "FAIL: $*"; exit 1; }
netns_add N

python3 - "$T/fw.log" <<'PY'
import ipaddress, sys, time
t0 = int(time.time()) - 120
v6 = lambda a: ipaddress.IPv6Address(a).exploded  # as the kernel prints it
line = ("%s+00:00 fw kernel: IN=eth0 OUT= SRC=%s DST=%s LEN=60 TC=0 HOPLIMIT=50 FLOWLBL=0 "
        "PROTO=TCP SPT=40000 DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0\n")
ts = lambda s: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0 + s))
with open(sys.argv[1], "w") as f:
    for i in range(300):
        f.write(line % (ts(i // 10), v6("2001:db8:77:1::%x" % (0x1000 + i)), v6("2001:db8:ff::50"), 1 + i))
    for i in range(40):
        f.write(line % (ts(40 + i // 10), v6("2001:db8:aa::10"), v6("2001:db8:ff::%x" % (0x100 + i)), 445))
PY
"$WW" analyze --format json "$T/fw.log" > "$T/scan.json" || fail "analyze failed"
grep -q '"src": "2001:db8:77:1::/64"' "$T/scan.json" || fail "analyze did not report the /64: $(head -c 800 "$T/scan.json")"

ip netns exec "$N" python3 "$HERE/standin_collector.py" "$T" k1 & netns_at_exit $!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the stand-in collector did not start"
: > "$T/sensor.err"
ip netns exec "$N" "$WW" sensor --collector "http://127.0.0.1:$(cat "$T/port")" --key k1 --state "$T/state" \
    --flush 0.2 --block --block-allow 2001:db8:77:1::5 --block-ttl 1h "$T/fw.log" 2>> "$T/sensor.err" & netns_at_exit $!
for _ in $(seq 100); do [ "$(grep -c 'block:' "$T/sensor.err")" -ge 2 ] && break; sleep 0.1; done
grep -qx 'wormwatch sensor: block: blocked 2001:db8:77:1::/64 for 1h, but for --allow 2001:db8:77:1::5' "$T/sensor.err" &&
grep -qx 'wormwatch sensor: block: blocked 2001:db8:aa::10 for 1h' "$T/sensor.err" ||
    fail "the sensor's blocks: $(cat "$T/sensor.err")"
ip netns exec "$N" nft list set inet wormwatch block6 > "$T/set"
for e in "2001:db8:77:1::-2001:db8:77:1::4" "2001:db8:77:1::6-2001:db8:77:1:ffff:ffff:ffff:ffff" "2001:db8:aa::10"; do
    grep -qF "$e timeout 1h" "$T/set" || fail "no element $e: $(cat "$T/set")"
done
[ "$(grep -o 'timeout 1h' "$T/set" | wc -l)" = 3 ] || fail "elements other than the three: $(cat "$T/set")"
echo "ok: sensor_block_prefix"
