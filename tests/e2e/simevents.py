#!/usr/bin/env python3
"""simevents.py -- what a `wormwatch simulate` run holds, read back from its
files, for the simulate_*.case checks.

usage: simevents.py DIR [DIR...] [--port P/PROTO] [--sport P/PROTO] [--src ADDR] [--before T]
                    [--drop P/PROTO]

Each DIR is one run (sensor-NN.log, .tsv or .pcap, and scenario.json). Every
record of every sensor is parsed from its own format, independently of
wormwatch (netfilter LOG words, DShield's tab-separated fields, pcap's
Ethernet/IPv4|IPv6/TCP|UDP|ICMP headers), into (time, src, sport, dst, dport,
proto, flags), addresses in their canonical text (IPv6 compressed); the runs must hold the same records (given the same options
in different formats; --drop: once the records to that destination port
are left out of every run). Prints JSON: "scenario" (the first run's
scenario.json), "records", and for the records selected by the options
(--port: to that destination port; --sport: from that source port; --src:
from that address; --before: with a stamp before the RFC 3339 time T):
"n", "sources", "targets", "dports", "sports" (distinct counts), "flags" (a
count per flag set: "S", "SA", "RA", "icmp3/3", "udp", ...), "first" and
"last" (stamps), "src_set" (the distinct sources, if at most 100), "dst_set" (the
first 101 distinct targets) and
"hours" (records per hour from the first selected one)."""
import glob, ipaddress, json, os, re, struct, sys, time, calendar

FLAGS = [("F", 1), ("S", 2), ("R", 4), ("P", 8), ("A", 16), ("U", 32)]
PROTO = {"TCP": 6, "UDP": 17, "ICMP": 1}


def fl(bits):
    return "".join(c for c, b in FLAGS if bits & b)


def stamp(sec, usec=0):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ".%06dZ" % usec


def read_log(path):
    for line in open(path):
        ts = line.split(" ", 1)[0]
        kv = dict(re.findall(r"(\w+)=(\S*)", line))
        words = set(line.split())
        proto = PROTO[kv["PROTO"]]
        if proto == 1:
            sp, dp, f = int(kv["TYPE"]), int(kv["CODE"]), ""
        else:
            sp, dp = int(kv["SPT"]), int(kv["DPT"])
            f = "".join(c for c, w in (("F", "FIN"), ("S", "SYN"), ("R", "RST"), ("P", "PSH"),
                                       ("A", "ACK"), ("U", "URG")) if w in words)
        yield norm(ts), canon(kv["SRC"]), sp, canon(kv["DST"]), dp, proto, f


def read_tsv(path):
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        # date, userid, count, src, sport, dst, dport, proto, flags
        flags = "".join(sorted(f[8] if len(f) > 8 else "", key="FSRPAU".index))
        yield norm(f[0]), canon(f[3]), int(f[4]), canon(f[5]), int(f[6]), int(f[7]), flags


def read_pcap(path):
    b = open(path, "rb").read()
    o = 24
    while o < len(b):
        sec, usec, cap, _ = struct.unpack("<IIII", b[o:o + 16])
        pkt = b[o + 16:o + 16 + cap]
        o += 16 + cap
        ip = pkt[14:]
        if pkt[12:14] == b"\x86\xdd":  # IPv6: 40 bytes, no extension headers from the writers
            ihl, proto = 40, ip[6]
            src, dst = str(ipaddress.IPv6Address(ip[8:24])), str(ipaddress.IPv6Address(ip[24:40]))
        else:
            ihl, proto = (ip[0] & 15) * 4, ip[9]
            src, dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
        l4 = ip[ihl:]
        if proto == 1:
            sp, dp, f = l4[0], l4[1], ""
        else:
            sp, dp = struct.unpack(">HH", l4[:4])
            f = fl(l4[13]) if proto == 6 else ""
        yield stamp(sec, usec)[:19], src, sp, dst, dp, proto, f


def canon(a):
    return str(ipaddress.ip_address(a))


def norm(ts):
    # to whole seconds, UTC: "2006-08-01T00:00:01.123456Z" or "+00:00" or "2006-08-01 00:00:01"
    return ts.replace(" ", "T")[:19]


def read_run(d):
    recs = []
    for path in sorted(glob.glob(os.path.join(d, "sensor-*"))):
        rd = read_log if path.endswith(".log") else read_tsv if path.endswith(".tsv") else read_pcap
        recs += list(rd(path))
    return sorted(recs)


def flagset(r):
    if r[5] == 1:
        return "icmp%d/%d" % (r[2], r[4])
    if r[5] == 17:
        return "udp"
    return "".join(sorted(r[6], key="FSRPAU".index))


def main():
    args, opts = [], {}
    it = iter(sys.argv[1:])
    for a in it:
        if a.startswith("--"):
            opts[a[2:]] = next(it)
        else:
            args.append(a)
    def pp(s):
        p, _, proto = s.partition("/")
        return int(p), PROTO[(proto or "tcp").upper()]
    runs = [read_run(d) for d in args]
    sel = runs[0]
    if "drop" in opts:
        p, pr = pp(opts["drop"])
        runs = [[r for r in run if not (r[4] == p and r[5] == pr)] for run in runs]
    for d, r in zip(args[1:], runs[1:]):
        if r != runs[0]:
            diff = next((x, y) for x, y in zip(runs[0], r) if x != y) if len(r) == len(runs[0]) else (len(runs[0]), len(r))
            sys.exit("%s differs from %s: %s" % (d, args[0], diff))
    if "port" in opts:
        p, pr = pp(opts["port"])
        sel = [r for r in sel if r[4] == p and r[5] == pr]
    if "sport" in opts:
        p, pr = pp(opts["sport"])
        sel = [r for r in sel if r[2] == p and r[5] == pr]
    if "src" in opts:
        sel = [r for r in sel if r[1] == opts["src"]]
    if "before" in opts:
        sel = [r for r in sel if r[0] < opts["before"][:19]]
    hours = []
    if sel:
        t0 = calendar.timegm(time.strptime(sel[0][0], "%Y-%m-%dT%H:%M:%S"))
        for r in sel:
            h = (calendar.timegm(time.strptime(r[0], "%Y-%m-%dT%H:%M:%S")) - t0) // 3600
            hours += [0] * (h + 1 - len(hours))
            hours[h] += 1
    srcs = sorted({r[1] for r in sel})
    flags = {}
    for r in sel:
        flags[flagset(r)] = flags.get(flagset(r), 0) + 1
    json.dump({"scenario": json.load(open(os.path.join(args[0], "scenario.json"))),
               "records": len(runs[0]), "n": len(sel),
               "sources": len({r[1] for r in sel}), "targets": len({r[3] for r in sel}),
               "dports": len({r[4] for r in sel}), "sports": len({r[2] for r in sel}),
               "flags": flags, "first": sel[0][0] if sel else None, "last": sel[-1][0] if sel else None,
               "src_set": srcs if len(srcs) <= 100 else None,
               "dst_set": sorted({r[3] for r in sel})[:101], "hours": hours},
              sys.stdout, indent=1)


if __name__ == "__main__":
    main()
