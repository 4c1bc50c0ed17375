#!/usr/bin/env python3
"""bench/slowscan.py -- netfilter LOG lines of a scanner that hides, to merge
with `wormwatch simulate`'s background through analyze's multi-file input
(docs/DETECTION.md, "Slow scans and prefixes"; the simulator gains these
kinds later).

usage: slowscan.py [--src ADDR|PREFIX/LEN] [--net CIDR] [--port N]
                   [--every SECONDS] [--duration SECONDS] [--start RFC3339]
                   [--prefix TEXT] [--seed N] > FILE

One TCP SYN every --every seconds for --duration seconds from --start, to
distinct hosts of --net (in a seeded random order) on --port: a slow
horizontal scan, by default 22/tcp, one probe every 5 minutes for 24 hours
from 198.51.100.77 into 29.8.224.0/20 (the simulator's sensor at seed 1).
With --src a prefix (2001:db8:77:1::/64) every probe comes from a new
random address inside it, as a scanner rotating its IPv6 source does; then
--net should be IPv6 too. --prefix is the log prefix (default DROP, as the
simulator's lines; '' for none: the outcome unknown). Lines are in time
order, as the kernel writes them; the stamps are RFC 3339, as the
simulator's."""
import argparse
import datetime
import ipaddress
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default="198.51.100.77")
    ap.add_argument("--net", default="29.8.224.0/20")
    ap.add_argument("--port", type=int, default=22)
    ap.add_argument("--every", type=float, default=300)
    ap.add_argument("--duration", type=float, default=86400)
    ap.add_argument("--start", default="2006-08-01T00:00:00Z")
    ap.add_argument("--prefix", default="DROP")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    net = ipaddress.ip_network(a.net, strict=False)
    src = ipaddress.ip_network(a.src, strict=False)
    start = datetime.datetime.fromisoformat(a.start.replace("Z", "+00:00"))
    n = int(a.duration // a.every) + 1
    if n > net.num_addresses - 2:
        sys.exit("slowscan.py: %s has fewer than %d hosts" % (net, n))
    hosts = set()
    while len(hosts) < n:
        hosts.add(rnd.randrange(1, net.num_addresses - 1))
    hosts = list(hosts)
    rnd.shuffle(hosts)
    v6 = net.version == 6
    out = sys.stdout
    for i in range(n):
        t = start + datetime.timedelta(seconds=i * a.every)
        s = src.network_address + (rnd.randrange(1, src.num_addresses) if src.num_addresses > 1 else 0)
        d = net.network_address + hosts[i]
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"
        pre = (a.prefix + " ") if a.prefix else ""
        if v6:
            body = ("SRC=%s DST=%s LEN=80 TC=0 HOPLIMIT=52 FLOWLBL=0 PROTO=TCP SPT=%d DPT=%d "
                    "WINDOW=1024 RES=0x00 SYN URGP=0" % (s.exploded, d.exploded, 40000 + i % 20000, a.port))
            mac = "86:dd"
        else:
            body = ("SRC=%s DST=%s LEN=44 TOS=0x00 PREC=0x00 TTL=49 ID=%d PROTO=TCP SPT=%d DPT=%d "
                    "WINDOW=1024 RES=0x00 SYN URGP=0" % (s, d, rnd.randrange(65536), 40000 + i % 20000, a.port))
            mac = "08:00"
        out.write("%s slowscan kernel: %sIN=eth0 OUT= MAC=52:54:00:12:34:56:00:1c:73:aa:bb:cc:%s %s \n"
                  % (stamp, pre, mac, body))


if __name__ == "__main__":
    main()
