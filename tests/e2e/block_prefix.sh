#!/usr/bin/env bash
# `wormwatch block` of prefixes against real traffic, in network namespaces
# (tests/e2e/netns.bash): a scanner namespace S holding many addresses of
# 2001:db8:77:1::/64 and of 198.18.4.0/24 (the groups a detector reports
# for a scanner rotating its source), one address of each just outside them (inside
# the prefix one bit wider),
# and a victim V (2001:db8:ff::50, 198.18.1.50) serving HTTP on 8080. V runs
# `wormwatch block` on analyze-shaped JSON naming the two prefixes, with
# --allow one address inside each: the printed script passes `nft -c -f`,
# then --apply loads it; TCP connections from every other address inside
# the prefixes are dropped, the allowed ones and those just outside the
# prefixes (never widened) still get in. With --ttl 3s the elements expire
# and the prefixes get in again; --remove leaves no table.
# Exit 77 (SKIP) only when namespaces cannot be made; missing tools fail.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip nft python3; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
. "$(dirname "$0")/netns.bash"
netns_workdir
fail() { echo "FAIL: $*"; exit 1; }

IN6="2001:db8:77:1::10 2001:db8:77:1::11 2001:db8:77:1:abcd::1 2001:db8:77:1:ffff:ffff:ffff:fffe"
IN4="198.18.4.10 198.18.4.11 198.18.4.200"
ALLOW6=2001:db8:77:1::5 ALLOW4=198.18.4.12
OUT6=2001:db8:77::7 OUT4=198.18.5.20 # just outside: in the prefixes one bit wider
a6= a4=
for a in $IN6 $ALLOW6 $OUT6; do a6="$a6,$a/64"; done
for a in $IN4 $ALLOW4; do a4="$a4,$a/24"; done
netns_add S V
netns_link S "${a4#,},$OUT4/24${a6}" V 198.18.1.50/24,2001:db8:ff::50/64
# every address on-link both ways (V is in neither prefix: it would be spared)
ip -n "$V" route add 198.18.0.0/16 dev v-S && ip -n "$V" -6 route add 2001:db8::/32 dev v-S &&
ip -n "$S" route add 198.18.1.0/24 dev v-V && ip -n "$S" -6 route add 2001:db8:ff::/64 dev v-V ||
    fail "routes"
ip netns exec "$V" python3 -m http.server 8080 --bind :: --directory "$T" >/dev/null 2>&1 &
for _ in $(seq 1 50); do
    ip netns exec "$V" ss -ltn 2>/dev/null | grep -q ':8080 ' && break
    sleep 0.2
done

# connect SRC: 0 if a TCP connection from SRC (in S) to V's 8080 opens within 1 s
connect() {
    local dst=198.18.1.50
    case $1 in *:*) dst=2001:db8:ff::50 ;; esac
    ip netns exec "$S" python3 - "$1" "$dst" <<'PY'
import socket, sys
src, dst = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET)
s.settimeout(1)
s.bind((src, 0))
try:
    s.connect((dst, 8080))
except OSError:
    sys.exit(1)
PY
}
# expect WHAT ADDR...: each connects (pass) or not (drop)
expect() {
    local what=$1 a
    shift
    for a in "$@"; do
        if connect "$a"; then [ "$what" = pass ] || fail "$a got in: ${STEP}"
        else [ "$what" = drop ] || fail "$a was kept out: ${STEP}"; fi
    done
}

STEP="before any block"
expect pass $IN6 $IN4 $ALLOW6 $ALLOW4 $OUT6 $OUT4

cat > "$T/scan.json" <<'EOF'
{"scanners": [
 {"src": "2001:db8:77:1::/64", "addresses": 5, "kind": "vertical", "proto": "tcp"},
 {"src": "198.18.4.0/24", "addresses": 4, "kind": "horizontal", "proto": "tcp"}
]}
EOF
ALLOW="--allow $ALLOW6,$ALLOW4"
# the printed script is what the real nft accepts (check mode: nothing loaded)
ip netns exec "$V" "$WW" block $ALLOW --ttl 1h "$T/scan.json" > "$T/script.nft" 2> "$T/err" ||
    fail "dry run: $(cat "$T/err")"
ip netns exec "$V" nft -c -f "$T/script.nft" 2> "$T/err" || fail "nft -c -f refused the script: $(cat "$T/err")"
ip netns exec "$V" nft list table inet wormwatch > /dev/null 2>&1 && fail "the dry run or nft -c loaded something"
STEP="after the dry run"
expect pass $IN6 $IN4

ip netns exec "$V" "$WW" block --apply $ALLOW --ttl 1h "$T/scan.json" > "$T/out" 2> "$T/err" ||
    fail "apply: $(cat "$T/err")"
grep -qx "table inet wormwatch: 4 blocked" "$T/out" || fail "apply said: $(cat "$T/out")"
STEP="blocked for 1h around --allow"
expect drop $IN6 $IN4
expect pass $ALLOW6 $ALLOW4 $OUT6 $OUT4
ip netns exec "$V" nft list table inet wormwatch > "$T/table"
grep -qE 'ip6 saddr @block6 counter packets [1-9]' "$T/table" && grep -qE 'ip saddr @block4 counter packets [1-9]' "$T/table" ||
    fail "the drop rules counted nothing: $(cat "$T/table")"

# short elements: applied again with --ttl 3s (the timeouts restart), they expire
ip netns exec "$V" "$WW" block --apply $ALLOW --ttl 3s "$T/scan.json" > "$T/out" 2> "$T/err" ||
    fail "apply --ttl 3s: $(cat "$T/err")"
ip netns exec "$V" nft list set inet wormwatch block6 | grep -q "2001:db8:77:1::6-2001:db8:77:1:ffff:ffff:ffff:ffff timeout 3s" ||
    fail "no 3s timeout on the cut /64: $(ip netns exec "$V" nft list set inet wormwatch block6)"
STEP="blocked for 3s"
expect drop 2001:db8:77:1::10 198.18.4.10
sleep 3.5
STEP="3s after"
expect pass $IN6 $IN4

ip netns exec "$V" "$WW" block --apply $ALLOW --ttl 1h "$T/scan.json" > /dev/null 2> "$T/err" || fail "apply: $(cat "$T/err")"
STEP="blocked again"
expect drop 2001:db8:77:1::11 198.18.4.11
ip netns exec "$V" "$WW" block --remove > /dev/null 2> "$T/err" || fail "remove: $(cat "$T/err")"
ip netns exec "$V" nft list table inet wormwatch > /dev/null 2>&1 && fail "the table outlived --remove"
STEP="after --remove"
expect pass $IN6 $IN4
echo "ok: block_prefix"
