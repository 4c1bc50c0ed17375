#!/usr/bin/env bash
# `wormwatch block` against real traffic, in network namespaces
# (tests/e2e/netns.bash, 198.18.0.0/15): a service namespace V (HTTP on 8080
# and 445), a scanner S (198.18.0.10, plus an unblocked 198.18.0.11) and an
# allowed client C (198.18.1.20). nmap scans V while tcpdump captures;
# `wormwatch analyze` names the scanner from that capture; `wormwatch block
# --apply` runs inside V. Then nmap sees filtered ports while the allowed
# client still connects, --close-ports closes 445 to everyone else but V
# itself, the drop rule counts; after --remove the scanner connects again.
# (What block does to the ruleset is data: tests/e2e/cases/block_*.case.)
# Exit 77 (SKIP) only when namespaces cannot be made; missing tools fail.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip nft nmap tcpdump python3; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
. "$(dirname "$0")/netns.bash"
netns_workdir
fail() { echo "FAIL: $*"; exit 1; }
netns_add S V C
netns_link S 198.18.0.10/24,198.18.0.11/24 V 198.18.0.50/24
netns_link C 198.18.1.20/24 V 198.18.1.50/24
inV() { ip netns exec $V "$@"; }

mkdir "$T/www"; echo hello > "$T/www/index.html"
for port in 8080 445; do # (not inV: kill -INT $TD must reach tcpdump, not a subshell)
    ip netns exec $V python3 -m http.server $port --bind 0.0.0.0 --directory "$T/www" >/dev/null 2>&1 &
done
ip netns exec $V tcpdump -i any -U -w "$T/cap.pcap" 'tcp or udp or icmp' >/dev/null 2>&1 &
TD=$!
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

# 1. A real scan, captured and analyzed, and blocked.
scan 1-200,445,8080 > "$T/nmap0.txt"
grep -q "445/tcp *open" "$T/nmap0.txt" && grep -q "8080/tcp *open" "$T/nmap0.txt" ||
    fail "nmap did not see the open ports before blocking: $(cat "$T/nmap0.txt")"
connect $C 198.18.1.20 198.18.1.50 8080 || fail "client cannot connect before blocking"
sleep 1; kill -INT $TD; wait $TD 2>/dev/null
"$WW" analyze --format json "$T/cap.pcap" > "$T/scan.json" || fail "analyze failed"
grep -q '"src": "198.18.0.10"' "$T/scan.json" || fail "analyze did not name the scanner: $(head -c 600 "$T/scan.json")"
grep -q '"src": "198.18.1.20"' "$T/scan.json" && fail "analyze called the client a scanner"
inV "$WW" block --apply --allow 198.18.1.0/24 --close-ports 137-139,445 --ttl 1h "$T/scan.json" \
    > "$T/out" 2> "$T/err" || fail "apply: $(cat "$T/err")"
grep -qx "table inet wormwatch: 1 blocked" "$T/out" || fail "apply said: $(cat "$T/out")"

# 2. nmap from the scanner sees filtered ports; the allowed client still
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

# 3. --remove lets the scanner in again.
inV "$WW" block --remove > /dev/null 2> "$T/err" || fail "remove: $(cat "$T/err")"
connect $S 198.18.0.10 198.18.0.50 8080 || fail "scanner still blocked after --remove"
echo "ok: block"
