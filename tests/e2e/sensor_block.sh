#!/usr/bin/env bash
# `wormwatch sensor --block`: scanners found in a followed netfilter log are
# blocked in nftables as they are detected, with the safeguards and the rate
# limit of lib/respond/block.c. Runs in a network namespace this test creates (its
# own nftables ruleset and loopback), with a real `wormwatch serve` there as
# the collector. The log holds seven horizontal scanners: five plain ones,
# one inside --block-allow, and 198.18.9.9 (an address of this host: the
# namespace's). With --block-rate 3:
# three are blocked at once, the host's and the allowed one are spared with a
# reason, two wait for the rate limit; about 20 s later (one token every
# 60/3 s) the fourth is blocked. Exit 77 only if namespaces cannot be made.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip nft; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
N=wwsb$$
T=$(mktemp -d)
cleanup() {
    [ -n "${SENSOR:-}" ] && kill "$SENSOR" 2>/dev/null
    [ -n "${SERVE:-}" ] && kill "$SERVE" 2>/dev/null
    wait 2>/dev/null
    ip netns del $N 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- sensor log"; cat "$T/sensor.log"; exit 1; }
ip netns add $N 2>/dev/null || { echo "cannot create network namespaces here"; exit 77; }
ip -n $N link set lo up
ip -n $N addr add 198.18.9.9/32 dev lo
inN() { ip netns exec $N "$@"; }

KEY=$("$WW" key add s1 --db "$T/ww.db" | grep -oE '[0-9a-f]{64}' | head -1)
ip netns exec $N "$WW" serve --db "$T/ww.db" --listen 127.0.0.1:0 --rate-limit 0 2> "$T/serve.log" &
SERVE=$!
for _ in $(seq 600); do grep -q "listening on" "$T/serve.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/serve.log" | head -1)
[ -n "$URL" ] || fail "serve did not start"

# seven scanners, each probing 30 hosts on 445 within a minute
python3 - "$T/fw.log" <<'PY'
import sys, time
t0 = int(time.time()) - 120
srcs = ["198.18.5.1", "198.18.5.2", "198.18.5.3", "198.18.5.4", "198.18.5.5",
        "10.9.9.9", "198.18.9.9"]
with open(sys.argv[1], "w") as f:
    for k, src in enumerate(srcs):
        for i in range(30):
            ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0 + k * 5 + i // 10))
            f.write("%s+00:00 fw kernel: IN=eth0 OUT= SRC=%s DST=192.0.2.%d LEN=44 TOS=0x00 "
                    "PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=40000 DPT=445 WINDOW=1024 RES=0x00 "
                    "SYN URGP=0\n" % (ts, src, i + 1))
PY
ip netns exec $N "$WW" sensor --collector "$URL" --key "$KEY" --state "$T/state" --flush 0.2 \
    --block --block-rate 3 --block-allow 10.0.0.0/8 --block-ttl 1h "$T/fw.log" 2> "$T/sensor.log" &
SENSOR=$!

set4() { inN nft list set inet wormwatch block4 2>/dev/null | grep -oE '198\.18\.[59]\.[0-9]+|10\.9\.9\.9' | sort | tr '\n' ' '; }
for _ in $(seq 100); do [ "$(grep -c 'block:' "$T/sensor.log")" -ge 7 ] && break; sleep 0.1; done
got=$(set4)
[ "$got" = "198.18.5.1 198.18.5.2 198.18.5.3 " ] || fail "blocked at once: '$got', want the first three"
grep -q "block: .*198.18.9.9.*this host" "$T/sensor.log" || fail "the host's own address not spared with its reason"
grep -q "block: .*10.9.9.9.*allow" "$T/sensor.log" || fail "--block-allow not spared with its reason"
[ "$(grep -c 'block: .*over the limit' "$T/sensor.log")" = 2 ] || fail "two scanners should wait for the rate limit"
inN nft list chain inet wormwatch input > "$T/chain" 2>&1; grep -q "saddr @block4 counter" "$T/chain" || { cat "$T/chain"; fail "no drop rule for the set"; }
inN nft list set inet wormwatch block4 | grep -q "timeout 1h" || fail "elements lack the 1h timeout"

# one token every 20 s: the fourth scanner is blocked on a later round
for _ in $(seq 300); do [ "$(set4 | wc -w)" -ge 4 ] && break; sleep 0.1; done
got=$(set4)
[ "$got" = "198.18.5.1 198.18.5.2 198.18.5.3 198.18.5.4 " ] || fail "after one refill: '$got'"

inN nft list ruleset > "$T/rules"; kill "$SENSOR"; wait "$SENSOR"; SENSOR=
echo "sensor --block: all checks passed"
