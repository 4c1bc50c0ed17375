#!/usr/bin/env bash
# Real tools as peers: nmap scans a victim namespace while tcpdump captures on
# the victim and a benign client fetches a page over HTTP; wormwatch must name
# the scanner and not the client. Hosts live in network namespaces this test
# makes (tests/e2e/netns.bash; 198.18.0.0/15, the benchmarking range) and removes.
# Exit 77 (reported as SKIP, never as a pass) when namespaces cannot be made.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip nmap tcpdump python3; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
. "$(dirname "$0")/netns.bash"
netns_workdir
netns_add S V C
netns_link S 198.18.0.10/24 V 198.18.0.50/24
netns_link C 198.18.1.20/24 V 198.18.1.50/24
mkdir "$T/www"; echo hello > "$T/www/index.html"
ip netns exec $V python3 -m http.server 8080 --bind 0.0.0.0 --directory "$T/www" >/dev/null 2>&1 &
ip netns exec $V tcpdump -i any -U -w "$T/cap.pcap" 'tcp or udp or icmp' >/dev/null 2>&1 &
TD=$!
for i in $(seq 1 50); do
    ip netns exec $V ss -ltn 2>/dev/null | grep -q ':8080 ' && break
    sleep 0.2
done
sleep 0.5 # let tcpdump start capturing
ip netns exec $S nmap -n -Pn -sS -p 1-200,8080 -T4 --max-retries 1 198.18.0.50 > "$T/nmap.txt" 2>&1
ip netns exec $S nmap -n -Pn -sU -p 53,67,123,137,161 -T4 --max-retries 0 198.18.0.50 >> "$T/nmap.txt" 2>&1
for i in $(seq 1 10); do
    ip netns exec $C python3 -c "import urllib.request;urllib.request.urlopen('http://198.18.1.50:8080/',timeout=3).read()" || echo "client fetch failed"
done
sleep 1
kill -INT $TD; wait $TD 2>/dev/null
grep -q "8080/tcp open" "$T/nmap.txt" || { echo "nmap did not see the open port:"; cat "$T/nmap.txt"; exit 1; }
"$WW" analyze --format json "$T/cap.pcap" > "$T/out.json" || exit 1
python3 - "$T/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sc = {s["src"]: s for s in d["scanners"]}
assert "198.18.0.10" in sc, "nmap source not found: %s" % list(sc)
s = sc["198.18.0.10"]
assert s["ports"] >= 150, s
assert s["kind"] == "vertical", s
assert "udp" in s["proto"] and "tcp" in s["proto"], s
assert "198.18.1.20" not in sc, "benign client called a scanner"
p = [x for x in d["ports"] if x["port"] == 8080 and x["proto"] == "tcp"]
assert p and p[0]["sources"] == 2, p
print("ok: scanner", s)
PY
