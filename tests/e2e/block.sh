#!/usr/bin/env bash
# `wormwatch block` against real traffic, in network namespaces this test
# creates (198.18.0.0/15) and removes: a service namespace V (HTTP on 8080
# and 445), a scanner S (198.18.0.10, plus an unblocked 198.18.0.11) and an
# allowed client C (198.18.1.20). nmap scans V while tcpdump captures;
# `wormwatch analyze` names the scanner from that capture; `wormwatch block`
# runs inside V. Checks: the dry run changes nothing; --apply makes nmap see
# filtered ports while the allowed client still connects and --close-ports
# closes 445 to everyone else; a second --apply leaves the same table and
# refreshes timeouts; loopback, V's own addresses and --allow are never
# blocked; networks nest without errors; --remove restores the ruleset
# exactly (an unrelated table stays); `--close-ports surging` from analyze
# JSON and from a real `wormwatch serve` collector.
# Exit 77 (SKIP) only when namespaces cannot be made; missing tools fail.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip nft nmap tcpdump python3 curl; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
id=$$; S=wwbs$id; V=wwbv$id; C=wwbc$id
T=$(mktemp -d)
PIDS=
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    ip netns del $S 2>/dev/null; ip netns del $V 2>/dev/null; ip netns del $C 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
ip netns add $S 2>/dev/null || { echo "cannot create network namespaces here"; exit 77; }
ip netns add $V && ip netns add $C || fail "ip netns add"
inV() { ip netns exec $V "$@"; }
set -e
ip link add s$id type veth peer name vs$id
ip link add c$id type veth peer name vc$id
ip link set s$id netns $S; ip link set vs$id netns $V
ip link set c$id netns $C; ip link set vc$id netns $V
ip -n $S addr add 198.18.0.10/24 dev s$id
ip -n $S addr add 198.18.0.11/24 dev s$id
ip -n $V addr add 198.18.0.50/24 dev vs$id
ip -n $C addr add 198.18.1.20/24 dev c$id
ip -n $V addr add 198.18.1.50/24 dev vc$id
for n in $S $V $C; do ip -n $n link set lo up; done
ip -n $S link set s$id up; ip -n $V link set vs$id up
ip -n $C link set c$id up; ip -n $V link set vc$id up
set +e

# Something that is not ours, to prove it is left alone.
inV nft -f - <<'EOF' || fail "cannot load the unrelated table"
table ip keepme {
    set friends { type ipv4_addr; elements = { 192.0.2.1 } }
    chain c { type filter hook input priority 0; policy accept; tcp dport 9999 counter drop; }
}
EOF
inV nft list ruleset > "$T/ruleset0"

mkdir "$T/www"; echo hello > "$T/www/index.html"
for port in 8080 445; do
    ip netns exec $V python3 -m http.server $port --bind 0.0.0.0 --directory "$T/www" >/dev/null 2>&1 &
    PIDS="$PIDS $!"
done
ip netns exec $V tcpdump -i any -U -w "$T/cap.pcap" 'tcp or udp or icmp' >/dev/null 2>&1 &
TD=$!; PIDS="$PIDS $TD"
for _ in $(seq 1 50); do
    [ "$(inV ss -ltn 2>/dev/null | grep -cE ':(8080|445) ')" = 2 ] && break
    sleep 0.2
done
sleep 0.5

# connect NS SRC DST PORT: 0 if a TCP connection from SRC opens within 2 s
connect() {
    ip netns exec "$1" python3 - "$2" "$3" "$4" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(2)
s.bind((sys.argv[1], 0))
try:
    s.connect((sys.argv[2], int(sys.argv[3])))
except OSError:
    sys.exit(1)
PY
}
scan() { ip netns exec $S nmap -n -Pn -sS -p "$1" -T4 --max-retries 1 198.18.0.50 2>&1; }

# 1. A real scan, captured and analyzed.
scan 1-200,445,8080 > "$T/nmap0.txt"
grep -q "445/tcp *open" "$T/nmap0.txt" && grep -q "8080/tcp *open" "$T/nmap0.txt" ||
    fail "nmap did not see the open ports before blocking: $(cat "$T/nmap0.txt")"
connect $C 198.18.1.20 198.18.1.50 8080 || fail "client cannot connect before blocking"
sleep 1; kill -INT $TD; wait $TD 2>/dev/null; PIDS=${PIDS/ $TD/}
"$WW" analyze --format json "$T/cap.pcap" > "$T/scan.json" || fail "analyze failed"
grep -q '"src": "198.18.0.10"' "$T/scan.json" || fail "analyze did not name the scanner: $(head -c 600 "$T/scan.json")"
grep -q '"src": "198.18.1.20"' "$T/scan.json" && fail "analyze called the client a scanner"

OPTS="--allow 198.18.1.0/24 --close-ports 137-139,445 --ttl 1h"
# 2. The dry run prints the script and changes nothing.
inV "$WW" block $OPTS "$T/scan.json" > "$T/script" 2> "$T/err" || fail "dry run: $(cat "$T/err")"
grep -qx "add element inet wormwatch block4 { 198.18.0.10 timeout 1h }" "$T/script" ||
    fail "dry run script lacks the scanner: $(cat "$T/script")"
inV nft list ruleset | cmp -s - "$T/ruleset0" || fail "the dry run changed the ruleset"

# 3. Apply, twice: the same table (modulo expiry and counters), no duplicates.
norm() { inV nft list table inet wormwatch | sed -E 's/ expires [0-9dhms]+//g; s/counter packets [0-9]+ bytes [0-9]+/counter/g'; }
inV "$WW" block --apply $OPTS "$T/scan.json" > "$T/out" 2> "$T/err" || fail "apply: $(cat "$T/err")"
grep -qx "table inet wormwatch: 1 blocked" "$T/out" || fail "apply said: $(cat "$T/out")"
norm > "$T/table1"
grep -q "198.18.0.10 timeout 1h" "$T/table1" || fail "scanner not in the set: $(cat "$T/table1")"
inV "$WW" block --apply $OPTS "$T/scan.json" > /dev/null 2> "$T/err" || fail "second apply: $(cat "$T/err")"
norm > "$T/table2"
diff "$T/table1" "$T/table2" || fail "a second --apply changed the table"
[ "$(grep -c 'saddr @block4' "$T/table2")" = 2 ] || fail "drop rules not once per chain: $(cat "$T/table2")"
inV nft list ruleset | grep -A3 "table ip keepme" | grep -q friends || fail "the unrelated table is gone"

# 4. nmap from the scanner sees filtered ports; the allowed client still
# connects; an unblocked address gets 8080 but not the closed 445.
scan 445,8080 > "$T/nmap1.txt"
grep -q "445/tcp *filtered" "$T/nmap1.txt" && grep -q "8080/tcp *filtered" "$T/nmap1.txt" ||
    fail "nmap still gets answers after blocking: $(cat "$T/nmap1.txt")"
connect $C 198.18.1.20 198.18.1.50 8080 || fail "the allowed client cannot connect to 8080"
connect $C 198.18.1.20 198.18.1.50 445 || fail "the allowed client cannot connect to the closed port 445"
connect $S 198.18.0.11 198.18.0.50 8080 || fail "an unblocked address cannot connect to 8080"
connect $S 198.18.0.11 198.18.0.50 445 && fail "--close-ports 445 let an outsider in"
connect $V 127.0.0.1 127.0.0.1 445 || fail "loopback lost port 445"
connect $V 198.18.0.50 198.18.0.50 445 || fail "the host's own address lost port 445"
inV nft list table inet wormwatch | grep -E 'saddr @block4 counter packets [1-9]' > /dev/null ||
    fail "the drop rule counted nothing"

# 5. Re-running refreshes the timeout (1h -> 2h) instead of keeping the old one.
inV "$WW" block --apply --allow 198.18.1.0/24 --close-ports 137-139,445 --ttl 2h "$T/scan.json" \
    > /dev/null 2> "$T/err" || fail "apply with --ttl 2h: $(cat "$T/err")"
norm | grep -q "198.18.0.10 timeout 2h" || fail "timeout not refreshed: $(norm)"

# 6. Safeguards: loopback, own addresses, --allow never blocked, each named.
cat > "$T/list" <<'EOF'
# a plain list
127.0.0.1
::1
198.18.0.50
198.18.1.20
198.18.0.0/16
0.0.0.0/0
203.0.113.5   # a real one
2001:db8::7
EOF
inV "$WW" block --apply --addresses --allow 198.18.1.0/24 --ttl 2h "$T/list" > "$T/out" 2> "$T/err" ||
    fail "apply of a list: $(cat "$T/err")"
for want in "not blocking 127.0.0.1: loopback (127.0.0.0/8)" "not blocking ::1: loopback (::1)" \
    "not blocking 198.18.0.50: an address of this host, on vs$id (198.18.0.50)" \
    "not blocking 198.18.1.20: allowed by --allow (198.18.1.0/24)" \
    "not blocking 198.18.0.0/16: contains an address of this host" \
    "not blocking 0.0.0.0/0: contains loopback (127.0.0.0/8)"; do
    grep -qF "wormwatch: $want" "$T/err" || fail "no '$want' in: $(cat "$T/err")"
done
els=$(inV nft -j list set inet wormwatch block4 | python3 -c '
import json, sys
d = json.load(sys.stdin)["nftables"]
for x in d:
    for e in x.get("set", {}).get("elem", []):
        v = e["elem"]["val"]
        print(v if isinstance(v, str) else "%s/%d" % (v["prefix"]["addr"], v["prefix"]["len"]))
' | sort | tr '\n' ' ')
[ "$els" = "198.18.0.10 203.0.113.5 " ] || fail "block4 holds: $els"
inV nft list set inet wormwatch block6 | grep -q "2001:db8::7" || fail "IPv6 element missing"
inV nft list set inet wormwatch block6 | grep -q "::1" && fail "::1 in block6"
# an --allow given later takes an old element out
inV "$WW" block --apply --addresses --allow 203.0.113.0/28 "$T/list" > /dev/null 2> "$T/err" ||
    fail "apply with a new --allow: $(cat "$T/err")"
inV nft list set inet wormwatch block4 | grep -q "203.0.113.5" && fail "allowed 203.0.113.5 still blocked"

# 7. Networks nest: a larger one replaces smaller ones, a smaller one inside is a no-op.
echo 203.0.113.5 > "$T/one"; echo 203.0.113.0/24 > "$T/net"
inV "$WW" block --apply --addresses "$T/one" > /dev/null 2>&1 || fail "apply one"
inV "$WW" block --apply --addresses "$T/net" > /dev/null 2> "$T/err" || fail "apply net: $(cat "$T/err")"
inV "$WW" block --apply --addresses "$T/one" > /dev/null 2> "$T/err" || fail "apply one inside net: $(cat "$T/err")"
set4=$(inV nft list set inet wormwatch block4)
echo "$set4" | grep -q "203.0.113.0/24" && ! echo "$set4" | grep -q "203.0.113.5 " ||
    fail "nesting went wrong: $set4"

# 8. Bad input is an error naming the place, and changes nothing.
inV nft list table inet wormwatch > "$T/before"
printf '198.51.100.1\nnot-an-address\n' > "$T/bad"
inV "$WW" block --apply --addresses "$T/bad" > /dev/null 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -qF "$T/bad:2: not an address or CIDR: 'not-an-address'" "$T/err" ||
    fail "bad list: exit $rc, $(cat "$T/err")"
echo '{"scanners": [' > "$T/bad.json"
inV "$WW" block --apply "$T/bad.json" > /dev/null 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -qF "$T/bad.json:" "$T/err" || fail "bad JSON: exit $rc, $(cat "$T/err")"
"$WW" block --apply --remove > /dev/null 2>&1; [ $? = 2 ] || fail "--apply --remove is not a usage error"
"$WW" block --ttl 1x "$T/scan.json" > /dev/null 2>&1; [ $? = 2 ] || fail "--ttl 1x is not a usage error"
inV nft list table inet wormwatch | sed -E 's/ expires [0-9dhms]+//g' > "$T/after"
diff <(sed -E 's/ expires [0-9dhms]+//g' "$T/before") "$T/after" > /dev/null || fail "a failed run changed the table"

# 9. --remove restores the ruleset exactly; a second --remove is fine.
inV "$WW" block --remove > /dev/null 2> "$T/err" || fail "remove: $(cat "$T/err")"
inV nft list ruleset | diff "$T/ruleset0" - || fail "--remove did not restore the ruleset"
inV "$WW" block --remove > /dev/null 2> "$T/err" || fail "second remove: $(cat "$T/err")"
connect $S 198.18.0.10 198.18.0.50 8080 || fail "scanner still blocked after --remove"

# 10. --close-ports surging: from analyze JSON (surges) and from a real collector (alerts).
python3 - "$T/surge.tsv" <<'PY'
import random, sys
r = random.Random(7)
rows = []
def line(h, m, src, dst, port):
    rows.append("2006-08-%02d %02d:%02d:00 +00:00\t0\t1\t%s\t%d\t10.9.%d.%d\t%d\ttcp\tSYN\n"
              % (1 + h // 24, h % 24, m, src, r.randint(1024, 65535), dst // 256, dst % 256, port))
for h in range(48):
    for port in (139, 445):
        for s in range(5):
            line(h, r.randint(0, 59), "198.51.%d.%d" % (r.randint(0, 255), r.randint(1, 254)), r.randint(0, 4095), port)
for s in range(80):     # hour 40: 80 new sources on 139
    line(40, r.randint(0, 59), "192.0.%d.%d" % (s // 200, 1 + s % 200), r.randint(0, 4095), 139)
open(sys.argv[1], "w").writelines(sorted(rows, key=lambda l: l[:19]))
PY
"$WW" analyze --format json "$T/surge.tsv" > "$T/surge.json" || fail "analyze of the surge"
"$WW" block --close-ports surging "$T/surge.json" > "$T/script" 2> "$T/err" || fail "surging: $(cat "$T/err")"
[ "$(grep -c 'th dport { 139 } counter drop' "$T/script")" = 4 ] || fail "surging ports: $(cat "$T/script")"
DB=$T/ww.db
ip netns exec $V "$WW" serve --db "$DB" --listen 127.0.0.1:0 2> "$T/serve.log" &
SP=$!; PIDS="$PIDS $SP"
for _ in $(seq 600); do grep -q "listening on" "$T/serve.log" && break; sleep 0.05; done
URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$T/serve.log" | head -1)
[ -n "$URL" ] || fail "serve did not start: $(cat "$T/serve.log")"
KEY=$(inV "$WW" key add blocktest --db "$DB" | grep -oE '[0-9a-f]{64}' | head -1)
code=$(inV curl -s -o "$T/resp" -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
    -H "X-Batch-Id: b1" -H 'Content-Type: text/tab-separated-values' \
    --data-binary "@$T/surge.tsv" "$URL/api/v1/submit")
[ "$code" = 200 ] || fail "submit: $code $(cat "$T/resp")"
inV "$WW" block --collector "$URL" --limit 5 --close-ports surging > "$T/script" 2> "$T/err" ||
    fail "--collector: $(cat "$T/err")"
[ "$(grep -c '^add element inet wormwatch block4 ' "$T/script")" = 5 ] || fail "collector sources: $(cat "$T/script")"
[ "$(grep -c 'th dport { 139 } counter drop' "$T/script")" = 4 ] || fail "collector alerts: $(cat "$T/script") $(inV curl -s "$URL/api/v1/alerts")"
inV "$WW" block --collector http://127.0.0.1:1 > /dev/null 2>&1; [ $? = 1 ] || fail "an unreachable collector is not exit 1"
echo "ok: block"
