#!/usr/bin/env python3
"""gen_netfilter.py -- deterministic benchmark inputs for wormwatch.

Three kinds of file, each a pure function of (kind, count, seed):

  netfilter N OUT   N iptables LOG lines in classic syslog form, in time
                    order over four days, shaped like an internet-facing
                    host's drop log:
                      ~76% background radiation: 30,000 IPv4 sources (skewed,
                           a few are very busy) probing common ports of a /23
                           (TCP SYN to 22/23/80/443/445/3389/..., UDP to
                           53/123/161/1900/5060, ICMP echo)
                      ~10% vertical scanners: SYN, FIN and UDP port scans of
                           one host each, and one IPv6 SYN scan
                      ~ 8% horizontal scanners: sweeps of the /23 on
                           445/tcp, 23/tcp, 22/tcp and an ICMP ping sweep
                      ~ 3% IPv6 background (addresses fully expanded, as the
                           kernel prints them), TCP and ICMPv6
                      ~ 3% a worm on 139/tcp in the last day, its distinct
                           sources growing hour by hour (a port surge)
  distinct N OUT    N lines, each from a different IPv4 source (one probe
                    each), within one hour: the worst case for per-source
                    memory.
  pcap N OUT        a classic pcap (Ethernet) of about N packets: SYN probes
                    from background sources and scanners to a /23, about a
                    third answered by SYN-ACK, some by RST, the rest silent;
                    a few IPv6 SYNs.

It prints the number of records written (lines or packets) on stdout.
Only Python's random.Random(seed) decides anything, so the same arguments
give the same bytes on any machine.
"""
import random
import struct
import sys

MON = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
       "Nov", "Dec")
START = 1700006400          # 2023-11-15 00:00:00 UTC (a Wednesday)
BOOT = START - 86400 * 3    # kernel uptime origin for the [uptime] field
TCP_PORTS = (22, 23, 80, 443, 445, 3389, 8080, 1433, 3306, 5900, 25, 21,
             8443, 2323, 6379, 5555, 7547, 81, 8888, 9200)
UDP_PORTS = (53, 123, 161, 1900, 5060, 137, 11211, 389)
MAC = "MAC=52:54:00:12:34:56:00:1c:73:aa:bb:cc:08:00"
MAC6 = "MAC=52:54:00:12:34:56:00:1c:73:aa:bb:cc:86:dd"


def ip4(a):
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)


def public4(r):
    """A random unicast address outside 0/8, 10/8, 127/8, 172.16/12,
    192.168/16 and 224/3, so nothing is loopback, private or multicast."""
    while True:
        a = r.getrandbits(32)
        o = a >> 24
        if o in (0, 10, 127) or o >= 224 or (a >> 20) == 0xAC1 or (a >> 16) == 0xC0A8:
            continue
        return a


def ip6(r):
    """A fully expanded 2001:db8::/32-style address, as the kernel prints."""
    return "2001:0db8:%04x:%04x:0000:0000:%04x:%04x" % (
        r.getrandbits(16), r.getrandbits(16), r.getrandbits(16), r.getrandbits(16))


class Clock:
    """Syslog prefix for a unix time, cached per second."""

    def __init__(self, host):
        self.host = host
        self.sec = -1
        self.pre = ""

    def prefix(self, t):
        s = int(t)
        if s != self.sec:
            self.sec = s
            d = s - START
            day = 15 + d // 86400
            hh, mm, ss = (d % 86400) // 3600, (d % 3600) // 60, d % 60
            self.pre = "Nov %2d %02d:%02d:%02d %s kernel: " % (day, hh, mm, ss, self.host)
        return self.pre + "[%12.6f] " % (t - BOOT)


def tcp4(r, pre, src, dst, sport, dport, flags="SYN", window=1024):
    return ("%sDROP IN=eth0 OUT= %s SRC=%s DST=%s LEN=44 TOS=0x00 PREC=0x00 "
            "TTL=%d ID=%d PROTO=TCP SPT=%d DPT=%d WINDOW=%d RES=0x00 %s URGP=0 \n"
            % (pre, MAC, src, dst, r.randrange(30, 250), r.getrandbits(16), sport,
               dport, window, flags))


def udp4(r, pre, src, dst, sport, dport):
    return ("%sDROP IN=eth0 OUT= %s SRC=%s DST=%s LEN=56 TOS=0x00 PREC=0x00 "
            "TTL=%d ID=%d PROTO=UDP SPT=%d DPT=%d LEN=36 \n"
            % (pre, MAC, src, dst, r.randrange(30, 250), r.getrandbits(16), sport, dport))


def icmp4(r, pre, src, dst):
    return ("%sDROP IN=eth0 OUT= %s SRC=%s DST=%s LEN=28 TOS=0x00 PREC=0x00 "
            "TTL=%d ID=%d PROTO=ICMP TYPE=8 CODE=0 ID=%d SEQ=%d \n"
            % (pre, MAC, src, dst, r.randrange(30, 250), r.getrandbits(16),
               r.getrandbits(16), r.getrandbits(8)))


def tcp6(r, pre, src, dst, sport, dport):
    return ("%sDROP IN=eth0 OUT= %s SRC=%s DST=%s LEN=80 TC=0 HOPLIMIT=%d "
            "FLOWLBL=0 PROTO=TCP SPT=%d DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0 \n"
            % (pre, MAC6, src, dst, r.randrange(40, 64), sport, dport))


def icmp6(r, pre, src, dst):
    return ("%sDROP IN=eth0 OUT= %s SRC=%s DST=%s LEN=64 TC=0 HOPLIMIT=%d "
            "FLOWLBL=0 PROTO=ICMPv6 TYPE=128 CODE=0 ID=%d SEQ=%d \n"
            % (pre, MAC6, src, dst, r.randrange(40, 64), r.getrandbits(16),
               r.getrandbits(8)))


def netfilter(n, out, seed):
    r = random.Random(seed)
    home = 0xCB007100  # 203.0.113.0, a /23: 203.0.112.0-203.0.113.255 below
    dsts = [ip4(0xCB007000 + i) for i in range(512)]
    dst6 = ["2001:0db8:0000:0001:0000:0000:0000:%04x" % i for i in range(1, 33)]
    bg = [ip4(public4(r)) for _ in range(30000)]
    bg6 = [ip6(r) for _ in range(2000)]
    worm = [ip4(public4(r)) for _ in range(20000)]
    vert = [[ip4(public4(r)), ip4(home + r.randrange(256)), 0, kind]
            for kind in ("SYN", "SYN", "FIN", "UDP")]
    v6 = [ip6(r), dst6[0], 0]
    horiz = [[ip4(public4(r)), port, 0] for port in (445, 23, 22, 0)]
    span = 4 * 86400.0
    clock = Clock("fw1")
    w = out.write
    buf = []
    for i in range(n):
        t = START + span * i / n
        pre = clock.prefix(t)
        x = r.random()
        if x < 0.76:
            src = bg[int(30000 * r.random() ** 3)]
            dst = dsts[r.randrange(512)]
            y = r.random()
            if y < 0.80:
                line = tcp4(r, pre, src, dst, r.randrange(1024, 65536),
                            TCP_PORTS[int(len(TCP_PORTS) * r.random() ** 2)])
            elif y < 0.95:
                line = udp4(r, pre, src, dst, r.randrange(1024, 65536),
                            UDP_PORTS[r.randrange(len(UDP_PORTS))])
            else:
                line = icmp4(r, pre, src, dst)
        elif x < 0.86:
            if x < 0.855:
                v = vert[r.randrange(4)]
                v[2] = v[2] % 65535 + 1
                if v[3] == "UDP":
                    line = udp4(r, pre, v[0], v[1], 40000, v[2])
                else:
                    line = tcp4(r, pre, v[0], v[1], 40000, v[2], v[3])
            else:
                v6[2] = v6[2] % 65535 + 1
                line = tcp6(r, pre, v6[0], v6[1], 50000, v6[2])
        elif x < 0.94:
            h = horiz[r.randrange(4)]
            h[2] = (h[2] + 1) % 512
            if h[1]:
                line = tcp4(r, pre, h[0], dsts[h[2]], r.randrange(1024, 65536), h[1])
            else:
                line = icmp4(r, pre, h[0], dsts[h[2]])
        elif x < 0.97:
            src = bg6[int(2000 * r.random() ** 2)]
            if r.random() < 0.7:
                line = tcp6(r, pre, src, dst6[r.randrange(32)], r.randrange(1024, 65536),
                            TCP_PORTS[r.randrange(6)])
            else:
                line = icmp6(r, pre, src, dst6[r.randrange(32)])
        else:
            # the worm: quiet until the last day, then infected sources grow
            # hour by hour (up to all 20,000 by the end)
            grown = (t - START - 3 * 86400) / 86400.0
            if grown > 0:
                src = worm[r.randrange(1 + int(19999 * grown ** 2))]
                line = tcp4(r, pre, src, dsts[r.randrange(512)], r.randrange(1024, 65536), 139)
            else:
                line = tcp4(r, pre, bg[r.randrange(30000)], dsts[r.randrange(512)],
                            r.randrange(1024, 65536), 80)
        buf.append(line)
        if len(buf) >= 4096:
            w("".join(buf))
            buf.clear()
    w("".join(buf))
    return n


def distinct(n, out, seed):
    r = random.Random(seed)
    firsts = [o for o in range(1, 224) if o not in (10, 127, 172, 192)]
    dsts = [ip4(0xCB007000 + i) for i in range(512)]
    clock = Clock("fw1")
    w = out.write
    buf = []
    if n > 1 << 24:
        sys.exit("gen_netfilter.py: distinct: at most 2^24 lines")
    for i in range(n):
        low = (i * 2654435761) & 0xFFFFFF  # odd multiplier: a bijection on 24 bits
        src = ip4((firsts[i % len(firsts)] << 24) | low)
        pre = clock.prefix(START + 3600.0 * i / n)
        buf.append(tcp4(r, pre, src, dsts[r.randrange(512)], r.randrange(1024, 65536),
                        TCP_PORTS[r.randrange(len(TCP_PORTS))]))
        if len(buf) >= 4096:
            w("".join(buf))
            buf.clear()
    w("".join(buf))
    return n


def csum(b):
    s = sum(struct.unpack("!10H", b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


ETH4 = bytes.fromhex("525400123456001c73aabbcc0800")
ETH4R = bytes.fromhex("001c73aabbcc5254001234560800")
ETH6 = bytes.fromhex("525400123456001c73aabbcc86dd")


def pkt4(src, dst, sport, dport, flags, seq, ack, ident):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 1024, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, ident, 0, 64, 6, 0,
                     src.to_bytes(4, "big"), dst.to_bytes(4, "big"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def pcap(n, out, seed):
    r = random.Random(seed)
    w = out.write
    w(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    base = 0xCB007000
    bg = [public4(r) for _ in range(20000)]
    scanners = [public4(r) for _ in range(8)]
    src6 = [bytes.fromhex("20010db8%08x00000000%08x" % (r.getrandbits(32), r.getrandbits(32)))
            for _ in range(200)]
    dst6 = bytes.fromhex("20010db8000000010000000000000001")
    t = float(START)
    sent = 0
    ident = 0
    rec = struct.Struct("<IIII")
    buf = []
    while sent < n:
        t += 0.0005 + r.random() * 0.001
        ident = (ident + 1) & 0xFFFF
        x = r.random()
        if x < 0.02:
            # IPv6 SYN to a few ports
            tcp = struct.pack("!HHIIBBHHH", r.randrange(1024, 65536),
                              TCP_PORTS[r.randrange(6)], r.getrandbits(32), 0, 5 << 4, 0x02, 1024, 0, 0)
            ip6h = struct.pack("!IHBB16s16s", 6 << 28, 20, 6, 64, src6[r.randrange(200)], dst6)
            frame = ETH6 + ip6h + tcp
            ts = int(t)
            buf.append(rec.pack(ts, int((t - ts) * 1e6), len(frame), len(frame)) + frame)
            sent += 1
            continue
        if x < 0.35:
            src = scanners[r.randrange(8)]
            if src & 1:   # vertical: one host, many ports
                dst, dport = base + (src & 0xFF), r.randrange(1, 65536)
            else:         # horizontal: many hosts, one port
                dst, dport = base + r.randrange(512), (445, 23, 22, 3389)[(src >> 1) & 3]
        else:
            src = bg[int(20000 * r.random() ** 3)]
            dst = base + r.randrange(512)
            dport = TCP_PORTS[int(len(TCP_PORTS) * r.random() ** 2)]
        sport = r.randrange(1024, 65536)
        seq = r.getrandbits(32)
        frame = ETH4 + pkt4(src, dst, sport, dport, 0x02, seq, 0, ident)
        ts = int(t)
        buf.append(rec.pack(ts, int((t - ts) * 1e6), len(frame), len(frame)) + frame)
        sent += 1
        y = r.random()
        if y < 0.45:
            # answer 200 us later: SYN-ACK (open port) or RST (closed)
            t2 = t + 0.0002
            flags = 0x12 if y < 0.30 else 0x14
            frame = ETH4R + pkt4(dst, src, dport, sport, flags, r.getrandbits(32),
                                 (seq + 1) & 0xFFFFFFFF, ident ^ 0x5555)
            ts = int(t2)
            buf.append(rec.pack(ts, int((t2 - ts) * 1e6), len(frame), len(frame)) + frame)
            sent += 1
        if len(buf) >= 4096:
            w(b"".join(buf))
            buf.clear()
    w(b"".join(buf))
    return sent


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ("netfilter", "distinct", "pcap"):
        sys.exit("usage: gen_netfilter.py netfilter|distinct|pcap COUNT OUT [SEED]")
    kind, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) == 5 else 1
    if kind == "pcap":
        with open(path, "wb") as f:
            written = pcap(n, f, seed)
    else:
        with open(path, "w", encoding="ascii", newline="\n") as f:
            written = (netfilter if kind == "netfilter" else distinct)(n, f, seed)
    print(written)  # records written: lines, or packets (a SYN's answer may add one)


if __name__ == "__main__":
    main()
