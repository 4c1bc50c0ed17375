#!/usr/bin/env bash
# What the sensor says once (lib/sensor/local.c): a call is known by its
# (src, prefix, kind, slow). An IPv6 scanner first shows the network address
# 2001:db8:77:1:: alone (40 hosts on 445: said as that address); then other
# addresses of its /64 join and the group is reported as 2001:db8:77:1::/64,
# the same src: it must be said again, as the prefix, exactly once.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v python3 >/dev/null || { echo "missing python3"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
SPID= CPID=
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null; [ -n "$CPID" ] && kill $CPID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; echo "--- sensor log"; tail -20 "$T/sensor.err"; exit 1; }

gen() { # gen FIRST_ADDR_SUFFIX N_ADDRS: 40 SYNs to 40 hosts on 445
python3 - "$T/fw.log" "$1" "$2" <<'PY'
import ipaddress, sys, time
t0 = int(time.time()) - 120
v6 = lambda a: ipaddress.IPv6Address(a).exploded
line = ("%s+00:00 fw kernel: IN=eth0 OUT= SRC=%s DST=%s LEN=60 TC=0 HOPLIMIT=50 FLOWLBL=0 "
        "PROTO=TCP SPT=40000 DPT=445 WINDOW=1024 RES=0x00 SYN URGP=0\n")
ts = lambda s: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0 + s))
first, n = int(sys.argv[2]), int(sys.argv[3])
with open(sys.argv[1], "a") as f:
    for i in range(40):
        f.write(line % (ts(i), v6("2001:db8:77:1::%x" % (first + i % n)), v6("2001:db8:ff::%x" % (0x100 + i))))
PY
}
gen 0 1
python3 "$HERE/standin_collector.py" "$T" k1 & CPID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the stand-in collector did not start"
: > "$T/sensor.err"
"$WW" sensor --collector "http://127.0.0.1:$(cat "$T/port")" --key k1 --state "$T/state" \
    --flush 0.2 "$T/fw.log" 2>> "$T/sensor.err" & SPID=$!
for _ in $(seq 100); do grep -q 'scanner 2001:db8:77:1:: ' "$T/sensor.err" && break; sleep 0.1; done
grep -q 'scanner 2001:db8:77:1:: horizontal' "$T/sensor.err" || fail "the address was not said"
gen 1 20
for _ in $(seq 100); do grep -q 'scanner 2001:db8:77:1::/64 ' "$T/sensor.err" && break; sleep 0.1; done
grep -q 'scanner 2001:db8:77:1::/64 .*horizontal' "$T/sensor.err" || fail "the /64 was not said"
sleep 1
[ "$(grep -c 'scanner 2001:db8:77:1::/64 ' "$T/sensor.err")" = 1 ] || fail "the /64 said more than once"
[ "$(grep -c 'scanner 2001:db8:77:1:: ' "$T/sensor.err")" = 1 ] || fail "the address said more than once"
echo "ok: sensor_said"
