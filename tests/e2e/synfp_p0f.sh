#!/usr/bin/env bash
# SYN fingerprints as wormwatch reads them from real traffic, against
# `p0f -r` (Debian's p0f 3) on the same traffic:
#  1. the capture: every SYN p0f logs (mod=syn) must have, among the SYNs of
#     the same client and server ports that ingest/decode.c read, one whose
#     fingerprint is p0f's raw_sig field for field -- version, observed TTL
#     (p0f writes TTL+distance), IP options length, MSS, window (p0f writes
#     mss*N or mtu*N where it divides), scale, option layout, quirks,
#     payload class;
#  2. the kernel's log lines of the same packets (nftables `log flags tcp
#     options` for 203.0.113.51 and 2001:db8:cc::51, plain `log` for the
#     rest), read by ingest/parse_netfilter.c: each SYN line's fingerprint
#     must agree with p0f's for the same ports in every field the line
#     carries -- all of them with `OPT (...)` (or a LEN with no room for
#     options), TTL, window and the IP quirks without -- but the sequence
#     quirks (seq-, ack+: not logged without --log-tcp-sequence, `?seq`).
# One allowance: p0f 3.09b tests the ACK number as
# `RD32(tcp->ack) & !(flags & RST)`, a bitwise AND that sees only one bit
# of it, so it misses ack+ on about half of hping3's random ACK numbers;
# where p0f says ack+ we must too, where it does not we may.
# The recording: tests/corpus/netns (nmap -sS/-sT, hping3, masscan, HTTP
# clients over IPv4 and IPv6; tcpdump and the kernel's log of one run).
# Exit 77 (SKIP, with the reason) without p0f or the tool.
set -u
: "${WW:?WW=path/to/wormwatch}"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NETNS=$ROOT/tests/corpus/netns
TOOL=$(dirname "$WW")/tool_synfp
command -v p0f >/dev/null || { echo "SKIP: p0f is not installed (apt-get install p0f)"; exit 77; }
[ -x "$TOOL" ] || { echo "SKIP: $TOOL not built"; exit 77; }
for f in victim.pcap kernel.dmesg; do [ -r "$NETNS/$f" ] || { echo "missing $NETNS/$f"; exit 1; }; done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
p0f -r "$NETNS/victim.pcap" -o "$T/p0f.log" >"$T/p0f.out" 2>&1 || { echo "p0f failed:"; cat "$T/p0f.out"; exit 1; }
"$TOOL" "$NETNS/victim.pcap" >"$T/pcap.txt" || { echo "tool_synfp failed on the capture"; exit 1; }
"$TOOL" "$NETNS/kernel.dmesg" >"$T/log.txt" || { echo "tool_synfp failed on the log"; exit 1; }
python3 - "$T/p0f.log" "$T/pcap.txt" "$T/log.txt" <<'PY'
import ipaddress, re, sys

SEQ = {"seq-", "ack+", "ack-"}

def end(s):
    """ADDR/PORT in one spelling (p0f writes IPv6 uncompressed)."""
    a, port = s.rsplit("/", 1)
    return ipaddress.ip_address(a).compressed + "/" + port

def fields(text):
    ver, ttl, olen, mss, wsc, lay, quirks, pclass = text.split(":")
    win, scale = wsc.split(",")
    return dict(ver=ver, ttl=ttl.split("+")[0], olen=olen, mss=mss, win=win, scale=scale,
                lay=lay, quirks=set(filter(None, quirks.split(","))), pclass=pclass)

def from_p0f(raw):
    """p0f's raw_sig as ours: the observed TTL, the window as a number."""
    f = fields(raw)
    m = re.fullmatch(r"(mss|mtu)\*(\d+)", f["win"])
    if m:
        unit = int(f["mss"]) if m.group(1) == "mss" else int(f["mss"]) + (40 if f["ver"] == "4" else 60)
        f["win"] = str(unit * int(m.group(2)))
    return f

def agrees(got, want):
    """got (ours) says nothing p0f's want contradicts."""
    gq, wq = set(got["quirks"]), set(want["quirks"])
    if "?seq" in gq:                      # sequence numbers not seen: not judged
        gq.discard("?seq")
        wq -= SEQ
    if not (gq == wq or gq - wq == {"ack+"}):
        return False
    keys = ["ver", "ttl", "olen", "win"]
    if got["mss"] != "*":                 # the options were seen
        keys += ["mss", "scale", "lay", "pclass"]
    return all(got[k] == want[k] for k in keys)

p0f = []
for line in open(sys.argv[1]):
    if "] mod=syn|" in line:
        f = dict(kv.split("=", 1) for kv in line.strip().split("] ", 1)[1].split("|"))
        p0f.append(((end(f["cli"]), end(f["srv"])), f["raw_sig"]))
p0f_by = {}
for key, raw in p0f:
    p0f_by.setdefault(key, []).append(raw)

def ours(path):
    m = {}
    for line in open(path):
        cli, srv, text = line.split()
        m.setdefault((end(cli), end(srv)), []).append(text)
    return m

fail = 0
# 1. every p0f SYN has its match among the capture's
cap = ours(sys.argv[2])
n = bad = 0
for key, raw in p0f:
    n += 1
    if not any(t.count("*") == 0 and agrees(fields(t), from_p0f(raw)) and "?seq" not in t
               for t in cap.get(key, ())):
        bad += 1
        if bad <= 5:
            print("capture: p0f %s %s: %s, ours %s" % (key + (raw, cap.get(key, ["none"]))))
print("synfp_p0f: capture: %d SYNs p0f fingerprinted, %d differ" % (n, bad))
fail |= bad > 0 or n < 1000
# 2. every SYN line of the log agrees with p0f's fingerprint of its packet
log = ours(sys.argv[3])
n = full = bad = unmatched = 0
for key, texts in log.items():
    raws = p0f_by.get(key)
    if not raws:
        unmatched += len(texts)  # p0f fingerprints a retransmitted SYN once
        continue
    for t in texts:
        n += 1
        full += "*" not in t
        if not any(agrees(fields(t), from_p0f(r)) for r in raws):
            bad += 1
            if bad <= 5:
                print("log: p0f %s %s: %s, ours %s" % (key + (raws, t)))
print("synfp_p0f: log: %d SYN lines beside p0f's (%d with their options), %d differ, %d with no p0f line"
      % (n, full, bad, unmatched))
fail |= bad > 0 or full < 500 or n - full < 100
sys.exit(1 if fail else 0)
PY
