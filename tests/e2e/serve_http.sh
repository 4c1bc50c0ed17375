#!/usr/bin/env bash
# The collector's HTTP against hostile or unusual clients, on raw sockets:
# an oversized header block gets a JSON 431; every API answer carries
# X-Content-Type-Options: nosniff; the bearer scheme is case-insensitive
# (RFC 7235); Content-Length together with Transfer-Encoding, either twice,
# or a Transfer-Encoding other than chunked is a 400 (request smuggling) and nothing of it is stored; pipelined
# GETs on one kept-alive connection are each answered; a NUL (%00) anywhere
# in the path or the query is a 400. Every check runs; each failure is listed.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v python3 > /dev/null || { echo "python3 not installed"; exit 77; }
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }

. "$(dirname "$0")/serve.bash"
DB=$T/ww.db
serve_key KEY s1
serve_start --db "$DB" --config /dev/null --rate-limit 0

python3 - "${URL##*:}" "$KEY" <<'PY'
import json, socket, sys
port, key = int(sys.argv[1]), sys.argv[2]
failures = 0

def exchange(data, timeout=3):
    """Sends data on a fresh connection; every byte until the server closes (or goes quiet)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    except ConnectionResetError:
        pass
    s.close()
    return out

def parse(raw):
    """The responses in raw, in order: [(status, {lower-case header: value}, body)]."""
    out = []
    while raw:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        n = int(hdrs.get("content-length", "0"))
        out.append((status, hdrs, rest[:n]))
        raw = rest[n:]
    return out

def req(method, path, headers=(), body=b""):
    h = "".join("%s: %s\r\n" % kv for kv in headers)
    return ("%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (method, path, h)).encode() + body

def one(data):
    r = parse(exchange(data))
    return r[0] if r else (0, {}, b"")

def check(name, ok, detail=""):
    global failures
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else ": " + detail))
    failures += not ok

def is_json_error(r):
    try:
        return r[1].get("content-type", "").startswith("application/json") and "error" in json.loads(r[2])
    except ValueError:
        return False

TSV = b"2026-01-15 10:00:00 +00:00\t0\t1\t203.0.113.1\t40000\t198.51.0.0\t%d\ttcp\tSYN\n"
def submit_headers(batch, auth="Bearer " + key):
    return [("Authorization", auth), ("X-Batch-Id", batch),
            ("Content-Type", "text/tab-separated-values")]

def records(port_):
    r = one(req("GET", "/api/v1/port/%d?date=2026-01-15" % port_))
    rows = json.loads(r[2]).get("data", []) if r[0] == 200 else []
    return sum(x.get("records", 0) for x in rows)

# an oversized header block: 431, and JSON like every other error
r = one(req("GET", "/api/v1/infocon", [("X-Big", "a" * 10000)]))
check("10 KB of headers: 431", r[0] == 431, "got %d" % r[0])
check("the 431 is a JSON error", is_json_error(r), repr(r[2][:80]))

# nosniff on API answers, errors included
for method, path, hdrs in [("GET", "/api/v1/infocon", []), ("GET", "/api/v1/nope", []),
                           ("GET", "/metrics", []), ("GET", "/api/v1/port/x", []),
                           ("POST", "/api/v1/submit", [("X-Batch-Id", "n1"), ("Content-Length", "0")])]:
    r = one(req(method, path, hdrs))
    check("%s %s (%d): X-Content-Type-Options: nosniff" % (method, path, r[0]),
          r[1].get("x-content-type-options") == "nosniff", repr(r[1]))

# the auth scheme is case-insensitive
for i, scheme in enumerate(["bearer", "BEARER", "bEaReR"]):
    body = TSV % 445
    r = one(req("POST", "/api/v1/submit", submit_headers("case%d" % i, scheme + " " + key) +
                [("Content-Length", str(len(body)))], body))
    check("Authorization: %s KEY accepted" % scheme, r[0] == 200, "%d %r" % (r[0], r[2]))

# request smuggling: both framings, or one twice
body = TSV % 4444
chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
for name, hdrs, data in [
        ("Content-Length with Transfer-Encoding", [("Content-Length", str(len(chunked))),
                                                   ("Transfer-Encoding", "chunked")], chunked),
        ("Transfer-Encoding with Content-Length", [("Transfer-Encoding", "chunked"),
                                                   ("Content-Length", "5")], chunked),
        ("Content-Length twice", [("Content-Length", str(len(body))),
                                  ("Content-Length", str(len(body)))], body),
        ("Transfer-Encoding twice", [("Transfer-Encoding", "chunked"),
                                     ("Transfer-Encoding", "chunked")], chunked),
        ("Transfer-Encoding: gzip", [("Transfer-Encoding", "gzip")], body)]:
    r = one(req("POST", "/api/v1/submit", submit_headers("smuggle") + hdrs, data))
    check("submit with %s: 400" % name, r[0] == 400 and is_json_error(r), "%d %r" % (r[0], r[2]))
    r = one(req("GET", "/api/v1/infocon", hdrs, data))
    check("GET with %s: 400" % name, r[0] == 400 and is_json_error(r), "%d %r" % (r[0], r[2]))
check("nothing of the smuggling attempts stored", records(4444) == 0, "%d records" % records(4444))

# keep-alive: pipelined GETs on one connection are each answered
raw = exchange(req("GET", "/api/v1/infocon") + req("GET", "/api/v1/alerts") +
               req("HEAD", "/api/v1/sensors"), timeout=2)
rs = parse(raw)
check("three pipelined requests: three answers", len(rs) == 3, "%d: %r" % (len(rs), raw[:300]))
check("... all 200", [x[0] for x in rs] == [200, 200, 200], repr([x[0] for x in rs]))
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(3)
for i in range(3):
    body = TSV % 4445
    got = b""
    try:
        s.sendall(req("GET", "/api/v1/infocon") +
                  req("POST", "/api/v1/submit", submit_headers("ka%d" % i) +
                      [("Content-Length", str(len(body)))], body))
        while len(parse(got)) < 2:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except OSError:  # timeout, reset, broken pipe: the server closed it
        pass
    check("round %d on one kept-alive connection: GET and submit answered" % (i + 1),
          [x[0] for x in parse(got)] == [200, 200], repr(got[:200]))
s.close()

# NUL: %00 in a query value, a query key or the path
for path in ["/api/v1/port/445?date=2026-01-15%00junk", "/api/v1/port/445?da%00te=2026-01-15",
             "/api/v1/ip/203.0.113.1%00junk", "/api/v1/infocon?x=%00", "/alerts?limit=5%00"]:
    r = one(req("GET", path))
    check("GET %s: 400" % path, r[0] == 400 and is_json_error(r), "%d %r" % (r[0], r[2][:80]))
r = one(req("GET", "/api/v1/port/445?date=2026-01-15%2500"))
check("an encoded percent sign is not a NUL", r[0] == 400 and b"date" in r[2], "%d %r" % (r[0], r[2]))

sys.exit(1 if failures else 0)
PY
rc=$?
serve_stop
[ $rc = 0 ] || fail "see the FAIL lines above"
echo "serve_http: all checks passed"
