#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora, tests/fuzz/seed/NAME/ (NAME as in
fuzz_NAME), from the project's own recording (tests/corpus/netns), the real
NetBIOS/SMB answers quoted in tests/unit/respond/netbios.c, what `wormwatch`
itself writes (simulate's DShield and netfilter lines, serve's saved surge
state), whole captures cut from the recording (as it is, byte-swapped, in
nanoseconds, with a short snapshot length, cut mid-record) and a few lines written here for forms the recording lacks (DShield
clients' letter flags and zones, NDJSON, pfirewall.log, CIDRs and port
lists, --known-scanners files). tests/run.sh copies NAME/ into each fuzzer's fresh work directory.

    python3 tests/fuzz/seed/make.py build/wormwatch [OUTDIR]

(OUTDIR, default this directory: tests/e2e/fuzz_seeds.sh writes them
elsewhere to check that the committed ones are what this makes.)

Each seed is one input as the harness takes it, leading mode byte included
(see the comment atop tests/fuzz/fuzz_NAME.c). One per kind of line or
packet, so every corpus stays within tens of KB. Rerun it when a format
changes (the surge state's, a harness's mode byte)."""
import calendar
import json
import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../../.."))
NETNS = os.path.join(ROOT, "tests/corpus/netns")
WW = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/wormwatch"))
OUT = sys.argv[2] if len(sys.argv) > 2 else HERE
seeds = {}


def put(fuzzer, name, data):
    seeds.setdefault(fuzzer, {})[name] = data if isinstance(data, bytes) else data.encode()


def first_of_each(lines, kind):
    """The first line of each kind (kind(line) -> key, None to skip)."""
    seen = {}
    for line in lines:
        k = kind(line)
        if k is not None and k not in seen:
            seen[k] = line
    return seen


def slug(*parts):
    return re.sub(r"[^A-Za-z0-9]+", "-", "-".join(str(p) for p in parts)).strip("-").lower()


# ---- netfilter: the recording's kernel lines in three forms -------------
def nf_kind(line):
    if "PROTO=" not in line:
        return None
    proto = re.search(r"PROTO=(\S+)", line).group(1)
    flags = " ".join(w for w in ("SYN", "ACK", "FIN", "RST", "PSH", "URG") if f" {w} " in line)
    return (re.search(r"(WWREC-[A-Z-]+):", line).group(1),
            "v6" if "SRC=2001" in line or "SRC=fe80" in line else "v4", proto, flags)


for form in ("syslog", "dmesg", "journal"):
    with open(os.path.join(NETNS, "kernel." + form)) as f:
        lines = f.read().splitlines()
    for k, line in first_of_each(lines, nf_kind).items():
        put("netfilter", slug(form, *k), line + "\n")
    put("netfilter", slug(form, "run"), "\n".join(lines[:6]) + "\n")  # one file: pass 2
# the other stamps and shapes the parser knows, around the recording's first packet
syslog = open(os.path.join(NETNS, "kernel.syslog")).readline().rstrip("\n")
pkt = syslog[syslog.index("IN="):]
for name, line in (
        ("rfc3339", "2026-11-29T19:16:35.876120+00:00 vm kernel: WWREC-DROP: " + pkt),
        ("epoch", "1795000000.876120 vm kernel: WWREC-DROP: " + pkt),
        ("epoch-at", "@1795000000 " + pkt),
        ("grep-name", "kernel.syslog:" + syslog),
        ("proxmox", "100 4 tap100i0-IN 29/Nov/2026:19:16:35 +0100 PVEFW-DROP: " + pkt),
        ("icmp-quote", syslog[:syslog.index("IN=")] + "IN=wwrec-vs OUT= SRC=203.0.113.50 DST=192.0.2.12 "
         "LEN=56 TOS=0x00 PREC=0xC0 TTL=64 ID=1 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.12 DST=203.0.113.50 "
         "LEN=28 TOS=0x00 PREC=0x00 TTL=64 ID=2 PROTO=UDP SPT=61234 DPT=53 LEN=8 ] "),
        ("incomplete", syslog[:syslog.index("IN=")] + "IN=wwrec-vs OUT= SRC=192.0.2.10 DST=203.0.113.50 "
         "LEN=20 TOS=0x00 PREC=0x00 TTL=40 ID=4 PROTO=UDPLITE INCOMPLETE [0 bytes] ")):
    put("netfilter", "form-" + name, line + "\n")

# ---- pkt: the recording's frames (Linux SLL2), and as other link types --
LINKTYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276]  # fuzz_pkt.c's table


def pcap_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    pos = 24
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        yield linktype, data[pos + 16:pos + 16 + incl]
        pos += 16 + incl


def ip_kind(ip):
    if ip[0] >> 4 == 4:
        proto, off = ip[9], (ip[0] & 15) * 4
        l4 = ip[off:]
        ver = "v4"
    else:
        proto, l4, ver = ip[6], ip[40:], "v6"
    if proto == 6:
        return ver, "tcp", "-".join(n for b, n in ((1, "fin"), (2, "syn"), (4, "rst"), (8, "psh"),
                                                   (16, "ack"), (32, "urg")) if l4[13] & b) or "null"
    if proto in (1, 58):
        return ver, "icmp", l4[0], l4[1]
    return ver, {17: "udp", 0: "hopopt"}.get(proto, proto)


frames = {}
for lt, fr in pcap_frames(os.path.join(NETNS, "victim.pcap")):
    assert lt == 276, "victim.pcap is Linux SLL2"
    k = ip_kind(fr[20:])
    frames.setdefault(k, fr)
# The recording has no ICMP errors: port unreachables quoting its own probes
# (the first UDP probe over IPv4, the first SYN over IPv6), as the victim
# would have sent them had its firewall let them out.
probe4, probe6 = frames[("v4", "udp")], frames[("v6", "tcp", "syn")]
ip4 = probe4[20:]
quote4 = ip4[:(ip4[0] & 15) * 4 + 8]
icmp4 = bytes([3, 3, 0, 0, 0, 0, 0, 0]) + quote4
frames[("v4", "icmp", 3, 3)] = probe4[:20] + struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp4), 1, 0, 64, 1, 0,
                                                        ip4[16:20], ip4[12:16]) + icmp4
ip6 = probe6[20:]
icmp6 = bytes([1, 4, 0, 0, 0, 0, 0, 0]) + ip6[:48]
frames[("v6", "icmp", 1, 4)] = probe6[:20] + struct.pack(">IHBB16s16s", 0x60000000, len(icmp6), 58, 64,
                                                         ip6[24:40], ip6[8:24]) + icmp6
for k, fr in frames.items():
    ip, etype = fr[20:], fr[0:2]
    v4 = ip[0] >> 4 == 4
    name = slug(*k)
    put("pkt", "sll2-" + name, bytes([LINKTYPES.index(276)]) + fr)
    put("pkt", "eth-" + name, bytes([LINKTYPES.index(1)]) + b"\x02\x77\0\0\0\x01\x02\x77\0\0\0\x10" + etype + ip)
    put("pkt", "raw-" + name, bytes([LINKTYPES.index(101)]) + ip)
    put("pkt", "rawv-" + name, bytes([LINKTYPES.index(228 if v4 else 229)]) + ip)
# a few more framings of one SYN
syn = frames[("v4", "tcp", "syn")][20:]
put("pkt", "eth-vlan-v4-tcp-syn", bytes([1]) + b"\x02\x77\0\0\0\x01\x02\x77\0\0\0\x10\x81\x00\x00\x2a\x08\x00" + syn)
put("pkt", "sll-v4-tcp-syn", bytes([LINKTYPES.index(113)]) + b"\0\0\0\x01\0\x06\x02\x77\0\0\0\x10\0\0\x08\x00" + syn)
put("pkt", "null-v4-tcp-syn", bytes([LINKTYPES.index(0)]) + struct.pack("<I", 2) + syn)
put("pkt", "loop-v4-tcp-syn", bytes([LINKTYPES.index(108)]) + struct.pack(">I", 2) + syn)
put("pkt", "dlt12-v4-tcp-syn", bytes([LINKTYPES.index(12)]) + syn)

# ---- pcap: whole capture files, the recording's first records -----------
with open(os.path.join(NETNS, "victim.pcap"), "rb") as f:
    vic = f.read()
assert vic[:4] == b"\xd4\xc3\xb2\xa1", "victim.pcap is a little-endian microsecond pcap"
recs, pos = [], 24
while pos + 16 <= len(vic) and len(recs) < 24:
    incl = struct.unpack("<I", vic[pos + 8:pos + 12])[0]
    recs.append(vic[pos:pos + 16 + incl])
    pos += 16 + incl
head = vic[:24]
put("pcap", "le-us", head + b"".join(recs))
put("pcap", "le-ns", b"\x4d\x3c\xb2\xa1" + head[4:] + b"".join(
    r[:4] + struct.pack("<I", struct.unpack("<I", r[4:8])[0] * 1000) + r[8:] for r in recs))


def be_hdr(h):
    return struct.pack(">IHHiIII", *struct.unpack("<IHHiIII", h))


put("pcap", "be-us", be_hdr(head) + b"".join(struct.pack(">IIII", *struct.unpack("<IIII", r[:16])) + r[16:]
                                             for r in recs))
put("pcap", "snaplen-64", head[:16] + struct.pack("<I", 64) + head[20:] + b"".join(recs))
cut = head + b"".join(recs[:5])
put("pcap", "cut-mid-record", cut[:-7])

# ---- netbios: smbd's and nmbd's answers quoted in tests/unit/respond/netbios.c --------
with open(os.path.join(ROOT, "tests/unit/respond/netbios.c")) as f:
    src = f.read()
nb = {m.group(1): bytes(int(x, 16) for x in re.findall(r"0x([0-9a-fA-F]{2})", m.group(2)))
      for m in re.finditer(r"static const uint8_t (\w+)\[\] = \{(.*?)\};", src, re.S)}
put("netbios", "nbstat-srv1", b"\x00" + nb["nbstat_srv1"])
put("netbios", "session-positive", b"\x01" + nb["ssn_positive"])
put("netbios", "session-negative", b"\x01" + nb["ssn_negative"])
for name in ("smb1_ntlm_srv1", "smb1_none_srv2", "smb2_wild_srv1", "smb2_311_srv2"):
    put("netbios", "negotiate-" + slug(name), b"\x02" + nb[name][4:])       # payload only
    put("netbios", "frames-" + slug(name), b"\x03" + nb["ssn_positive"] + nb[name])

# ---- dshield and batch: what the writer emits, and the clients' forms ----
tmp = tempfile.mkdtemp()
try:
    subprocess.run([WW, "simulate", "-q", "--out", tmp + "/sim", "--format", "dshield", "--duration", "2h",
                    "--background-days", "1h", "--sensors", "2x/24", "--seed", "7"], check=True)
    sim = open(tmp + "/sim/sensor-00.tsv").read().splitlines()
    subprocess.run([WW, "simulate", "-q", "--out", tmp + "/nf", "--format", "netfilter", "--duration", "1h",
                    "--sensors", "1x/24", "--seed", "7"], check=True)
    nf = open(tmp + "/nf/sensor-00.log").read().splitlines()
    for k, line in first_of_each(nf, lambda l: (re.search(r"PROTO=(\S+)", l) or [0, None])[1]).items():
        put("netfilter", slug("simulate", k), line + "\n")

    def ds_kind(line):
        f = line.split("\t")
        return (f[7], f[8]) if len(f) == 9 else None
    sim_lines = list(first_of_each(sim, ds_kind).values())
    for line in sim_lines:
        put("dshield", slug("simulate", *ds_kind(line)), line)

    # the recording's sources and targets, as DShield clients write them
    clients = [
        # psad: zone +HH:MM, flag words
        "2026-11-29 19:16:35 +00:00\t0\t1\t192.0.2.10\t59035\t203.0.113.51\t53\ttcp\tSYN",
        "2026-11-29 19:16:38 +00:00\t0\t1\t192.0.2.13\t40112\t203.0.113.50\t21\ttcp\tFIN",
        "2026-11-29 19:16:40 +00:00\t0\t2\t192.0.2.12\t61234\t203.0.113.50\t53\tudp\t",
        # DShield's own clients: letters, zone ±HHMM, upper case
        "2026-11-29 20:16:35 +0100\t12345\t1\t192.0.2.10\t59035\t203.0.113.51\t22\tTCP\tS",
        "2026-11-29 14:16:39 -0500\t12345\t1\t192.0.2.14\t40000\t203.0.113.50\t80\tTCP\tFPU",
        "2026-11-29 19:16:41 +0000\t12345\t1\t192.0.2.15\t1024\t203.0.113.52\t445\ttcp\tSA",
        "2026-11-29 19:16:42 +0000\t12345\t1\t192.0.2.15\t1024\t203.0.113.52\t445\ttcp\t12RU",
        # zone Z, none; ICMP type/code; protocol numbers; IPv6
        "2026-11-29T19:16:43Z\t0\t1\t192.0.2.11\t3\t203.0.113.50\t3\ticmp\t",
        "2026-11-29 19:16:44\t0\t1\t2001:db8:aa::10\t128\t2001:db8:cc::51\t0\t58\t",
        "2026-11-29 19:16:45 +00:00\t0\t1\t2001:db8:aa::10\t51000\t2001:db8:cc::50\t443\t6\tSYN,ACK",
        "2026-11-29 19:16:46 +00:00\t0\t1000000\t192.0.2.10\t\t203.0.113.50\t\tgre\t",
        "2026-11-29 19:16:47 +00:00\t0\t1\t192.0.2.10\t1\t203.0.113.50\t2\ttcp\tFIN,SYN,RST,PSH,ACK,URG\r",
        "# DShield log comment",
    ]
    for i, line in enumerate(clients):
        put("dshield", "client-%02d" % i, line)

    def tsv_to_ndjson(line):
        f = line.split("\t")
        ts = f[0][:10] + "T" + f[0][11:19] + (f[0][19:].strip().replace("+00:00", "Z") or "Z")
        o = {"ts": ts, "src": f[3], "dst": f[5], "proto": f[7]}
        if f[4]: o["sport"] = int(f[4])
        if f[6]: o["dport"] = int(f[6])
        if f[8]: o["flags"] = f[8]
        if f[2] != "1": o["count"] = int(f[2])
        return json.dumps(o, separators=(",", ":"))

    # batch: byte 0 bit 0 = NDJSON, bit 1 = a latest date (2026-11-18T11:06:40Z)
    FP = "4:57:0:1460:65535,0:mss,nop,nop,sok:df,id+:0"  # p0f's raw signature, observed TTL
    writer = "\n".join(sim[:12]) + "\n"
    psad = "\n".join(clients[:3] + [clients[9]]) + "\n"
    letters = "# DShield client\n" + "\n".join(clients[3:7]) + "\n"
    mixed = "\n".join(clients[7:]) + "\n"
    nd = "\n".join(tsv_to_ndjson(l) for l in sim[:6] + clients[:3] + clients[7:10]) + "\n"
    nd += '{"ts":"2026-11-29T19:16:35.25+01:00","src":"192.0.2.10","dst":"203.0.113.51","proto":17,"dport":53,"x":[1]}\n'
    for mode, name, body in ((0, "tsv-writer", writer), (2, "tsv-writer-latest", writer),
                             (0, "tsv-psad", psad), (2, "tsv-psad-latest", psad),
                             (0, "tsv-letters", letters), (0, "tsv-mixed", mixed),
                             (1, "ndjson", nd), (3, "ndjson-latest", nd),
                             (0, "tsv-future", clients[0].replace("2026", "2100") + "\n"),
                             (0, "tsv-1969", clients[0].replace("2026-11-29 19:16:35 +00:00", "1970-01-01 00:30:00 +01:00") + "\n"),
                             # a SYN's fingerprint: wormwatch sensor's tenth field, NDJSON's "fp"
                             (0, "tsv-fp", clients[0] + "\t" + FP + "\n" + clients[1] + "\t\n" + clients[2] + "\n"),
                             (1, "ndjson-fp", tsv_to_ndjson(clients[0])[:-1] + ',"fp":"' + FP + '"}\n')):
        put("batch", name, bytes([mode]) + body.encode())

    # ---- surge_state: states serve saved (meta 'surge' in its store) -----
    def serve_state(tag, batches):
        db = "%s/%s.db" % (tmp, tag)
        key = re.search(r"[0-9a-f]{64}", subprocess.run([WW, "key", "add", "seed", "--db", db], check=True,
                                                         capture_output=True, text=True).stdout).group(0)
        err = open("%s/%s.err" % (tmp, tag), "w+")
        p = subprocess.Popen([WW, "serve", "--db", db, "--listen", "127.0.0.1:0", "--rate-limit", "0",
                              "--config", "/dev/null"], stderr=err)
        for _ in range(600):  # 30 s: a loaded machine, a sanitizer build
            err.seek(0)
            m = re.search(r"listening on (http://\S+)", err.read())
            if m or p.poll() is not None: break
            time.sleep(0.05)
        if not m:
            p.kill()
            err.seek(0)
            sys.exit("serve did not start: " + err.read())
        for i, body in enumerate(batches):
            req = urllib.request.Request(m.group(1) + "/api/v1/submit", data=body.encode(), method="POST",
                                         headers={"Authorization": "Bearer " + key, "X-Batch-Id": "b%d" % i,
                                                  "Content-Type": "text/tab-separated-values"})
            urllib.request.urlopen(req).read()
        p.send_signal(signal.SIGTERM)
        p.wait()
        con = sqlite3.connect(db)
        blob = con.execute("SELECT v FROM meta WHERE k='surge'").fetchone()[0]
        con.close()
        return bytes(blob)

    small = serve_state("small", ["\n".join(sim[:40]) + "\n"])
    put("surge_state", "small-file", b"\x00" + small)   # as saved: header checked
    put("surge_state", "small-body", b"\x03" + small[24:])  # the harness makes the header (the current version)
    # then more than 128 new sources on 139/tcp within the last hour: HLL counters
    t = sim[-1].split("\t")[0]
    # (to many targets: on one they would be a flood, not a surge)
    worm = ["%s\t0\t1\t10.%d.%d.1\t4000\t198.51.0.%d\t139\ttcp\tSYN" % (t, i // 256, i % 256, i)
            for i in range(200)]
    # and one event a minute later: the collector judges on event time, so the
    # worm's second waits until its (only) sensor has sent something past it
    later = time.strftime("%Y-%m-%d %H:%M:%S +00:00",
                          time.gmtime(calendar.timegm(time.strptime(t[:19], "%Y-%m-%d %H:%M:%S")) + 60))
    tick = "%s\t0\t1\t10.255.0.1\t4000\t198.51.0.0\t22\ttcp\tSYN\n" % later
    batches = ["\n".join(sim) + "\n", "\n".join(worm) + "\n", tick]
    big = serve_state("worm", batches)
    put("surge_state", "hll-body", b"\x03" + big[24:])
finally:
    shutil.rmtree(tmp)

# ---- winfw: pfirewall.log as Windows writes it, the recording's traffic --
header = ("#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: Local\n"
          "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn "
          "tcpack tcpwin icmptype icmpcode info path\n\n")
records = [
    "2026-11-29 19:16:35 DROP TCP 192.0.2.10 203.0.113.51 59035 53 44 S 3546453761 0 1024 - - - RECEIVE",
    "2026-11-29 19:16:36 ALLOW TCP 198.51.100.20 203.0.113.50 52836 80 0 - - - - - - - RECEIVE",
    "2026-11-29 19:16:38 DROP TCP 192.0.2.13 203.0.113.50 40112 21 40 F 3546453761 0 1024 - - - RECEIVE",
    "2026-11-29 19:16:40 DROP UDP 192.0.2.12 203.0.113.50 61234 53 40 - - - - - - - RECEIVE",
    "2026-11-29 19:16:41 DROP ICMP 192.0.2.11 203.0.113.50 - - 28 - - - - 8 0 - RECEIVE",
    "2026-11-29 19:16:44 DROP ICMP 2001:db8:aa::10 2001:db8:cc::51 - - 72 - - - - 128 0 - RECEIVE",
    "2026-11-29 19:16:45 DROP TCP fe80::77:ff:fe00:10%12 2001:db8:cc::50 51000 443 72 AS 1 2 64800 - - - RECEIVE",
    "2026-11-29 19:16:46 DROP 47 192.0.2.10 203.0.113.50 - - 24 - - - - - - - RECEIVE",
    "2026-11-29 19:16:47 INFO-EVENTS-LOST - - - - - - - - - - - - 5 -",
]
for i, r in enumerate(records):
    put("winfw", "record-%02d" % i, r + "\r\n")
put("winfw", "log-local", header + "\n".join(records[:5]) + "\n")
put("winfw", "log-utc-reordered",
    "#Version: 1.5\r\n#Time Format: UTC\r\n#Fields: date time action protocol src-ip src-port dst-ip dst-port path\r\n"
    "2026-11-29 19:16:35 DROP TCP 192.0.2.10 59035 203.0.113.51 53 RECEIVE\r\n")

# ---- submitapi: DShield's own client's JSON (fwlogparser.py), byte 0 bit 0 = a latest date
ds_logs = [
    {"time": 1795000000, "flags": "S", "sip": "192.0.2.10", "dip": "203.0.113.51", "proto": 6,
     "sport": "59035", "dport": "139", "version": 4},
    {"time": 1795000001, "flags": "AS", "sip": "192.0.2.15", "dip": "203.0.113.52", "proto": 6,
     "sport": "1024", "dport": "445", "version": 4},
    {"time": 1795000002, "flags": "", "sip": "192.0.2.12", "dip": "203.0.113.50", "proto": 17,
     "sport": "61234", "dport": "53", "version": 4},
    {"time": 1795000003, "flags": "", "sip": "192.0.2.11", "dip": "203.0.113.50", "proto": 1,
     "sport": "8", "dport": "0", "version": 4},
    {"time": 1795000004, "flags": "12UAPRSF", "sip": "2001:db8:aa::10", "dip": "2001:db8:cc::50",
     "proto": 6, "sport": "51000", "dport": "443", "version": 6},
    {"time": 1795000005, "flags": "", "sip": "192.0.2.10", "dip": "203.0.113.50", "proto": 50, "version": 4},
]
auth = "ISC-HMAC-SHA256 Credentials=q83vEjRWeJA= Userid=4711 Nonce=AAAAAAAAAAA="
for mode, name, doc in ((0, "client", {"type": "firewall", "logs": ds_logs, "authheader": auth}),
                        (1, "client-latest", {"type": "firewall", "logs": ds_logs, "authheader": auth}),
                        (0, "empty", {"type": "firewall", "logs": []}),
                        (1, "future", {"type": "firewall", "logs": [dict(ds_logs[0], time=1895000000)]})):
    put("submitapi", name, bytes([mode]) + json.dumps(doc).encode())

# ---- synfp: the recording's TCP options (its kernel lines' OPT hex) and
# stacks' layouts made here (byte 0 even), p0f-style texts (byte 0 odd)
opts = {}
with open(os.path.join(NETNS, "kernel.dmesg")) as f:
    for line in f:
        m = re.search(r" SYN URGP=\d+ OPT \(([0-9A-F]+)\)", line)
        if m:  # one per option layout (kinds at the same offsets: the first seen)
            opts.setdefault((len(m.group(1)), m.group(1)[:2], m.group(1)[8:10]), m.group(1))
for i, h in enumerate(opts[k] for k in sorted(opts)):
    put("synfp", "recorded-%02d" % i, b"\x00" + bytes.fromhex(h))
for name, h in (("winxp", "020405B401010402"), ("linux", "020405B40402080A0012D6870000000001030307"),
                ("openbsd", "020405B40101040201030306010108000000000000000000000000"),
                ("eol-nonzero", "020405B4000007"), ("bad-mss", "0203"), ("sack", "050A0000000000000000"),
                ("unknown", "1E04AABB"), ("nops", "01" * 40)):
    put("synfp", "opts-" + name, b"\x00" + bytes.fromhex(h))
for i, t in enumerate(["4:57:0:1460:65535,0:mss,nop,nop,sok:df,id+:0",
                       "6:64:0:1440:64800,10:mss,sok,ts,nop,ws:flow:0",
                       "4:113:0:*:64240,*:*:df,id+,?seq:*",
                       "4:64:4:536:8192,15:mss,nop,ws,?30,eol+1:df,ecn,0+,uptr+,pushf+,opt+,exws,bad:+"]):
    put("synfp", "text-%02d" % i, b"\x01" + t.encode())

# ---- block: addresses, networks and port lists as users and collectors give them
for i, s in enumerate(["192.0.2.10", "203.0.113.0/24", "2001:db8:aa::10", "2001:db8:cc::/48",
                       "::ffff:192.0.2.10", "0.0.0.0/0", "::/0", "2001:db8:aa:0:0:0:0:10/128",
                       "137-139,445", "22,80,443", "1-65535", "445"]):
    put("block", "arg-%02d" % i, s)
# the planning: an --allow list, then the networks to block (prefixes of rotating scanners)
for i, s in enumerate(["2001:db8:77:1::5,100.64.0.10\n2001:db8:77:1::/64\n100.64.0.0/24\n203.0.113.7\n",
                       "198.51.100.0/24\n198.51.0.0/16\n198.51.100.128/25\n2001:db8:77:1::7\n",
                       "2001:db8:77:1:8000::/65,100.64.0.0/31,100.64.0.255\n2001:db8:77:1::/64\n100.64.0.0/24\n100.64.0.0/24\n",
                       "::1,127.0.0.1\n::/0\n0.0.0.0/0\n::ffff:100.64.0.0/120\n"]):
    put("block", "plan-%02d" % i, s)

# ---- known: --known-scanners files, the shipped example and the edges of the format
put("known", "contrib", "# as contrib/known-scanners.txt writes them\n"
    "162.142.125.0/24           Censys  # https://support.censys.io/\n"
    "2602:80d:1000:b0cc:e::/80  Censys  # https://support.censys.io/\n"
    "171.67.70.0/23             Stanford University research scan  # https://research.esrg.stanford.edu/\n"
    "130.226.254.28             DTU Compute research scan  # http://130.226.254.28/\n")
for i, s in enumerate(["192.0.2.0/24 A\n192.0.2.128/25 B\n192.0.2.200 C\n",
                       "0.0.0.0/0 all\n::/0 all six\nffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff last\n",
                       "  2001:db8::/32\tDoc  # comment\r\n# only\n\n::ffff:10.0.0.0/104 mapped\n",
                       "10.0.0.0/8 Caf\u00e9\n10.9.9.9/8 dup\n", "1.2.3.4\n"]):
    put("known", "file-%02d" % i, s)

# ---- osdb: p0f.fp as p0f's README writes it, written here (Debian's file is not copied in)
put("osdb", "forms", "; p0f.fp\nclasses = win,unix,other\n\n[mtu]\nlabel = Ethernet\nsig   = 1500\n\n"
    "[tcp:request]\nlabel = s:unix:Linux:3.11 and newer\nsig   = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n"
    "label = g:unix:Linux:2.2.x-3.x\nsig   = *:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0\n"
    "label = s:win:Windows:XP\nsig   = *:128:0:*:65535,0:mss,nop,nop,sok:df,id+:0\n"
    "label = s:unix:OpenVMS:8.x\nsig   = 4:128:0:1460:mtu*2,0:mss,nop,ws::0\n"
    "label = s:unix:Mac OS X:\nsig   = *:64:0:*:65535,*:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0\n"
    "label = s:!:NMap:SYN scan\nsys   = @unix,@win\nsig   = *:64-:0:1460:1024,0:mss::0\n"
    "label = s:!:NMap:OS detection\nsys   = @unix,@win\n"
    "sig   = *:64-:0:1460:3,10:ws,nop,mss,sok,nop,nop:ecn,uptr+:0\n"
    "label = s:other:Odd:\nsig   = 6:54+10:0:*:%8192,*:?30,mss:flow,ts1-,ts2+,opt+,exws,bad:*\n"
    "sig   = 4:255:4:0:0,0::0+,id-,seq-,ack+,ack-,urgf+,pushf+:+\n\n"
    "[tcp:response]\nlabel = s:unix:Linux:3.x\nsig   = *:64:0:*:mss*10,0:mss:df:0\n")
for i, s in enumerate(["classes = unix\r\n[tcp:request]\r\nlabel = s:unix:L:\r\nsig = *:64:0:*:*,*:mss:df:0\r\n",
                       "classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64+:0:*:*,*:mss:df:0\n",
                       "classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:*,*:eol+1,mss:df:0\n",
                       "[tcp:request]\nsig = *:64:0:*:*,*:mss:df:0\n"]):
    put("osdb", "file-%02d" % i, s)

# ---- ch_tsv: ClickHouse TabSeparated answers (mode 0) and raw fields (mode 1)
for i, s in enumerate([b"1\tplain\t\\N\n2\ttab\\there\t\n", b"back\\\\slash\\nline\t\\x41\\'\n",
                       b"2026-11-30\t10.0.0.1\t4\n2026-11-30\t10.0.0.2\t5", b"\\xZ1\n", b"\t" * 70 + b"\n"]):
    put("ch_tsv", "answer-%02d" % i, bytes([0]) + s)
for i, s in enumerate([b"a\tb\nc\\d\re\0f\bg\fh'", b"\\N", b"x"]):
    put("ch_tsv", "field-%02d" % i, bytes([1]) + s)

for fuzzer, files in seeds.items():
    d = os.path.join(OUT, fuzzer)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print("%-12s %3d seeds, %6d bytes" % (fuzzer, len(files), sum(map(len, files.values()))))
