#!/usr/bin/env python3
"""clickhouse_diff.py -- the halves of tests/e2e/clickhouse_diff.sh that
speak HTTP: sending a simulation's sensor files as batches, and comparing
what collectors answer.

usage:
  clickhouse_diff.py send DIR URL[,URL...] KEYFILE PREFIX ACKFILE [--batch N] [--seed S]
  clickhouse_diff.py settle URL...
  clickhouse_diff.py compare DIR SQLITE_URL CH_URL [CH_URL...]
  clickhouse_diff.py acked ACKFILE COUNTSFILE [BATCHESFILE]

send: DIR's sensor-NN.tsv (`wormwatch simulate --format dshield`), sensor NN
sending as the NN-th secret of KEYFILE (one a line), split into batches of N
lines (default 500) with X-Batch-Id PREFIX-NN-I. One thread per sensor sends
its batches in order, each waiting for its answer, as a sensor does; so the
sensors interleave however the threads run. Each batch goes to a front-end
drawn at random (seeded) from the URLs; if it gets no 200 (a refused
connection, a reset, a 5xx) it is retried, with the same X-Batch-Id, at the
next URL, for up to 150 s (a batch claimed by a front-end that died is
free again after the claim goes stale, 30 s: CH_CLAIM_STALE_US). Every 200 is appended to
ACKFILE as "PREFIX-NN-I LINES URL" the moment it arrives; lines that were
sent without a 200 first are marked "retried" in stderr.

settle: waits (up to 120 s) until every URL's /api/v1/sensors says the same
release point and its alerts stop changing, so that each engine has judged
every bucket it can.

compare: the checks of the differential test (printed; exit 1 on the first
difference that is not allowed): see check_* below. The exact distinct
counts are computed from DIR's files, so each engine's error is measured
against the truth, not only against the other.

acked: COUNTSFILE holds "BATCH_PREFIX EVENTS" lines read from the store
(events per sensor); every acknowledged batch's lines must be in: events
>= acknowledged, the excess reported as duplicates. BATCHESFILE: "SENSOR
BATCH_ID EVENTS" lines, the store's done batches: each acknowledged batch
must be there with its count.
"""
import glob, http.client, json, os, random, re, sys, threading, time, urllib.parse
from collections import Counter, defaultdict

HOUR = 3600


def conn_of(url):
    u = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def get(url, path, tries=3):
    for i in range(tries):
        try:
            c = conn_of(url)
            c.request("GET", path, headers={"Accept": "application/json"})
            r = c.getresponse()
            body = r.read()
            c.close()
            return r.status, body
        except OSError:
            if i == tries - 1:
                raise
            time.sleep(0.5)


def getj(url, path):
    st, body = get(url, path)
    if st != 200:
        raise SystemExit("FAIL: %s%s: %d %s" % (url, path, st, body[:300]))
    return json.loads(body)


# ---- send ----------------------------------------------------------------

def send(args):
    d, urls, keyfile, prefix, ackfile = args[:5]
    opts = dict(zip(args[5::2], args[6::2]))
    n = int(opts.get("--batch", 500))
    seed = int(opts.get("--seed", 1))
    urls = urls.split(",")
    keys = [l.strip() for l in open(keyfile) if l.strip()]
    files = sorted(glob.glob(os.path.join(d, "sensor-*.tsv")))
    assert len(keys) >= len(files), "KEYFILE: %d secrets for %d sensors" % (len(keys), len(files))
    ack = open(ackfile, "a", buffering=1)
    lock = threading.Lock()
    errors = []
    retried = Counter()

    def sensor(i, path):
        rnd = random.Random(seed * 1000 + i)
        lines = open(path, "rb").read().splitlines(keepends=True)
        conns = {}
        for b in range(0, len(lines), n):
            body = b"".join(lines[b:b + n])
            bid = "%s-%02d-%d" % (prefix, i, b // n)
            k = rnd.randrange(len(urls))
            deadline = time.time() + 150
            while True:
                url = urls[k % len(urls)]
                status = None
                try:
                    c = conns.get(url) or conn_of(url)
                    conns[url] = c
                    c.request("POST", "/api/v1/submit", body=body, headers={
                        "Authorization": "Bearer " + keys[i], "X-Batch-Id": bid,
                        "Content-Type": "text/tab-separated-values"})
                    r = c.getresponse()
                    r.read()
                    status = r.status
                except (OSError, http.client.HTTPException):
                    conns.pop(url, None)
                if status == 200:
                    with lock:
                        ack.write("%s %d %s\n" % (bid, len(lines[b:b + n]), url))
                    break
                if status is not None and status < 500 and status != 429:
                    with lock:
                        errors.append("%s: %s answered %d" % (bid, url, status))
                    return
                with lock:
                    retried[bid] += 1
                if time.time() > deadline:
                    with lock:
                        errors.append("%s: no 200 in 150 s (last: %s at %s)" % (bid, status, url))
                    return
                k += 1
                time.sleep(0.05)

    threads = [threading.Thread(target=sensor, args=(i, f)) for i, f in enumerate(files)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if retried:
        print("send: %d batches needed a retry (%s)" % (len(retried), ", ".join(sorted(retried)[:8])),
              file=sys.stderr)
    if errors:
        print("FAIL: send: " + "; ".join(errors[:5]))
        return 1
    return 0


# ---- settle --------------------------------------------------------------

def settle(urls):
    last, same = None, 0
    for _ in range(240):
        now = []
        for u in urls:
            s = getj(u, "/api/v1/sensors")
            a = getj(u, "/api/v1/alerts?limit=10000")
            now.append((s.get("release_point"), s.get("frontier"), json.dumps(a, sort_keys=True)))
        rel = {x[0] for x in now}
        if len(rel) == 1 and now == last:
            same += 1
            if same >= 3:
                return 0
        else:
            same = 0
        last = now
        time.sleep(0.5)
    print("FAIL: settle: the collectors' release points or alerts never settled: %s"
          % [x[:2] for x in last])
    return 1


# ---- compare -------------------------------------------------------------

PROTO = {"6": "tcp", "17": "udp", "1": "icmp"}


def truth(d):
    """Exact figures from the files: per (day, port, proto) records and
    distinct sources and targets; per (hour, port, proto) records."""
    day = defaultdict(lambda: [0, set(), set()])
    hour = Counter()
    for path in glob.glob(os.path.join(d, "sensor-*.tsv")):
        for line in open(path):
            f = line.rstrip("\n").split("\t")
            t = time.strptime(f[0][:19], "%Y-%m-%d %H:%M:%S")
            date = f[0][:10]
            key = (date, int(f[6]) if f[7] != "1" else 0, PROTO.get(f[7], f[7]))
            cnt = int(f[2])
            e = day[key]
            e[0] += cnt
            e[1].add(f[3])
            e[2].add(f[5])
            hour[("%sT%02d" % (date, t.tm_hour), key[1], key[2])] += cnt
    return day, hour


class Diff:
    def __init__(self):
        self.bad = []

    def need(self, ok, what):
        if not ok:
            self.bad.append(what)
            print("  DIFF: " + what)


# HyperLogLog tolerance. The SQLite store counts a set exactly up to 128
# members, then with a HyperLogLog of 4,096 registers: standard error
# 1.04/sqrt(4096) = 1.63%. ClickHouse's uniqCombined (18.16: a small array,
# then a hash set of 32-bit hashes, then a HyperLogLog) is exact at these
# sizes but for hash collisions: measured here, largest error 0.26%, RMS
# 0.04%, against the SQLite store's 3.25% and 1.30% (theory 1.63%) over the
# 56 sets above 128 (the run prints these figures). Allowed: 4 standard
# errors of the SQLite sketch (6.5%), plus one, against the exact count
# (each engine) and twice that between the engines. Both sketches are
# deterministic (seeded simulation, fixed hashes), so the test is too.
HLL_SE = 1.04 / 64


def tol(exact):
    return 0 if exact <= 128 else int(4 * HLL_SE * exact) + 1


def compare(args):
    d, sq, chs = args[0], args[1], args[2:]
    diff = Diff()
    day, hour = truth(d)
    days = sorted({k[0] for k in day})
    worst = {"sqlite": 0.0, "clickhouse": 0.0}
    sq_err = {"sqlite": [], "clickhouse": []}  # relative errors of the sets over 128
    nsets = 0
    # 1. per day and port: records exact, sources/targets within tolerance (topports has every port)
    for date in days:
        ans = {}
        for name, u in [("sqlite", sq)] + [("ch%d" % i, u) for i, u in enumerate(chs)]:
            j = getj(u, "/api/v1/topports/records?limit=10000&date=" + date)
            ans[name] = {(p["port"], p["proto"]): p for p in j["ports"]}
        want = {(k[1], k[2]): v for k, v in day.items() if k[0] == date}
        for name, got in ans.items():
            diff.need(set(got) == set(want), "%s %s: ports %s missing, %s extra" % (
                name, date, sorted(set(want) - set(got))[:5], sorted(set(got) - set(want))[:5]))
            for k, (rec, srcs, dsts) in want.items():
                g = got.get(k)
                if not g:
                    continue
                diff.need(g["records"] == rec, "%s %s %s: records %d, want %d" % (name, date, k, g["records"], rec))
                for what, exact in (("sources", len(srcs)), ("targets", len(dsts))):
                    err = abs(g[what] - exact)
                    eng = "sqlite" if name == "sqlite" else "clickhouse"
                    if exact:
                        worst[eng] = max(worst[eng], err / exact)
                    if exact > 128 and name in ("sqlite", "ch0"):
                        sq_err[eng].append((g[what] - exact) / exact)
                    nsets += name == "sqlite"
                    diff.need(err <= tol(exact), "%s %s %s: %s %d, exact %d (allowed +-%d)" % (
                        name, date, k, what, g[what], exact, tol(exact)))
        # the front-ends answer alike, to the byte
        for name in ans:
            if name.startswith("ch") and name != "ch0":
                diff.need(ans[name] == ans["ch0"], "%s and ch0 differ on topports %s" % (name, date))
        # SQLite and ClickHouse between themselves
        for k in want:
            a, b = ans["sqlite"].get(k), ans["ch0"].get(k)
            if a and b:
                for what in ("sources", "targets"):
                    exact = len(want[k][1 if what == "sources" else 2])
                    diff.need(abs(a[what] - b[what]) <= 2 * tol(exact), "sqlite/ch %s %s %s: %d vs %d" % (
                        date, k, what, a[what], b[what]))
    rms = {k: 100 * (sum(e * e for e in v) / len(v)) ** 0.5 if v else 0 for k, v in sq_err.items()}
    print("  distinct counts: %d (day, port, proto) sources and targets; largest error against the exact"
          " count: SQLite %.2f%%, ClickHouse %.2f%%; over the %d sets above 128, RMS error SQLite %.2f%%"
          " (theory %.2f%%), ClickHouse %.2f%%" % (nsets, 100 * worst["sqlite"], 100 * worst["clickhouse"],
                                                 len(sq_err["sqlite"]), rms["sqlite"], 100 * HLL_SE,
                                                 rms["clickhouse"]))
    # 2. records per port and hour, for the 40 busiest ports
    busiest = Counter()
    for (h, p, pr), n in hour.items():
        busiest[p] += n
    frm, to = days[0], days[-1]
    nh = 0
    for p, _ in busiest.most_common(40):
        want = Counter()
        for (h, pp, _), n in hour.items():
            if pp == p:
                want[h] += n
        for name, u in [("sqlite", sq)] + [("ch%d" % i, u) for i, u in enumerate(chs)]:
            j = getj(u, "/api/v1/porthistory/%d?by=hour&from=%s&to=%s" % (p, frm, to))
            got = Counter({row["time"][:13]: row["records"] for row in j["hours"] if row["records"]})
            diff.need(got == want, "%s: port %d hourly records differ: %s" % (
                name, p, sorted((set(got.items()) ^ set(want.items())))[:4]))
        nh += len(want)
    print("  records per hour: %d (port, hour) rows of the 40 busiest ports" % nh)
    # 3. alerts: (port, proto, start, kind) once each, the same set
    al = {}
    for name, u in [("sqlite", sq)] + [("ch%d" % i, u) for i, u in enumerate(chs)]:
        j = getj(u, "/api/v1/alerts?limit=10000")
        al[name] = Counter((a["port"], a["proto"], a["start"], a.get("kind")) for a in j["alerts"])
        diff.need(all(n == 1 for n in al[name].values()), "%s: alerts twice: %s" % (
            name, [k for k, n in al[name].items() if n > 1]))
    for name in al:
        diff.need(set(al[name]) == set(al["sqlite"]), "%s alerts %s, SQLite %s" % (
            name, sorted(al[name]), sorted(al["sqlite"])))
    print("  alerts: %d in SQLite (%s)" % (len(al["sqlite"]), ", ".join(
        "%s/%s %s %s" % k for k in sorted(al["sqlite"])[:6])))
    diff.need(len(al["sqlite"]) > 0, "the outbreak raised no alert: the test compares nothing")
    fl = [getj(u, "/api/v1/floods?limit=10000")["floods"] for u in [sq] + list(chs)]
    diff.need(all(f == fl[0] for f in fl), "floods differ: %s" % fl)
    print("  floods: %d, the same everywhere" % len(fl[0]))
    # 4. every API path: the front-ends alike, and SQLite alike on the figures
    paths = api_paths(days, busiest)
    same_sq = 0
    for path in paths:
        got = [get(u, path) for u in chs]
        for i in range(1, len(chs)):
            diff.need(live(path, got[i]) == live(path, got[0]), "front-ends differ on %s: %s" % (
                path, where(got[0][1], got[i][1])))
        s = get(sq, path)
        if s[0] == got[0][0] and comparable(path, s[1], got[0][1]):
            same_sq += 1
        else:
            diff.need(False, "SQLite and ClickHouse differ on %s: %s\n    %s\n    %s" % (
                path, where(s[1], got[0][1]), s[1][:300], got[0][1][:300]))
    print("  API: %d paths, the front-ends byte-identical on each (sensors: but for events_per_second); SQLite the same figures on %d"
          " (sensors: but for %s)" % (len(paths), same_sq, ", ".join(TIMING["/api/v1/sensors"])))
    # 5. the dashboard's numbers (the page the server renders)
    # the events of the last minute, an arrival clock, may move between two fetches
    pages = [re.sub(r'(data-field="events_per_second"[^>]*>)[^<]*', r"\1", get(u, "/")[1].decode())
             for u in [sq] + list(chs)]
    nums = [dash_numbers(p) for p in pages]
    for i in range(2, len(pages)):
        la, lb = pages[1].splitlines(), pages[i].splitlines()
        d = [(x, y) for x, y in zip(la, lb) if x != y][:2]
        diff.need(pages[i] == pages[1], "the front-ends' dashboards differ: %s" % d)
    bad = dash_same(nums[0], nums[1])
    diff.need(not bad, "dashboard numbers (row, column, SQLite, ClickHouse): %s" % bad[:6])
    print("  dashboard: %d numbers, %d exactly equal, the rest distinct counts within tolerance" % (
        len(nums[0]), sum(1 for k in nums[0] if nums[0][k] == nums[1].get(k))))
    return 1 if diff.bad else 0


# answers carrying arrival clocks: those fields (when a key was made, when
# a sensor last sent, how many batches it took, the events of the last
# minute) left out against SQLite
TIMING = {"/api/v1/sensors": ("created", "last_seen", "last_submission", "batches", "events_per_second")}


def api_paths(days, busiest):
    ports = [p for p, _ in busiest.most_common(5)]
    paths = ["/api/v1/span", "/api/v1/sensors", "/api/v1/alerts", "/api/v1/alerts?limit=5",
             "/api/v1/floods?limit=100", "/metrics?nothing"]
    paths.remove("/metrics?nothing")
    for date in days:
        paths += ["/api/v1/infocon?date=" + date, "/api/v1/backscatter?date=" + date,
                  "/api/v1/sources?limit=20&date=" + date, "/api/v1/topports/sources?date=" + date,
                  "/api/v1/topports/targets?date=" + date, "/api/v1/alerts?end=" + date,
                  "/api/v1/floods?date=" + date]
        for p in ports:
            paths += ["/api/v1/port/%d?date=%s" % (p, date),
                      "/api/v1/sources?limit=20&port=%d&date=%s" % (p, date),
                      "/api/v1/sources?port=%d&first_from=%s&first_to=%sT23:59:59Z" % (p, days[0], date)]
    for p in ports:
        paths += ["/api/v1/porthistory/%d?from=%s&to=%s" % (p, days[0], days[-1]),
                  "/api/v1/alerts?port=%d" % p]
    return paths


def live(path, answer):
    """An answer without the one figure that moves with the clock between
    two fetches (the events of the last minute)."""
    if path not in TIMING or answer[0] != 200:
        return answer
    j = json.loads(answer[1])
    j.pop("events_per_second", None)
    return answer[0], json.dumps(j, sort_keys=True)


def where(a, b):
    """The first place two JSON answers differ, as KEY[INDEX]... = A / B."""
    def walk(x, y, at):
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                r = walk(x.get(k), y.get(k), "%s.%s" % (at, k))
                if r:
                    return r
        elif isinstance(x, list) and isinstance(y, list):
            for i in range(max(len(x), len(y))):
                r = walk(x[i] if i < len(x) else None, y[i] if i < len(y) else None, "%s[%d]" % (at, i))
                if r:
                    return r
        elif x != y:
            return "%s = %s / %s" % (at, json.dumps(x)[:80], json.dumps(y)[:80])
        return None
    try:
        return walk(json.loads(a), json.loads(b), "")
    except ValueError:
        return "not JSON"


def comparable(path, a, b):
    """Answers alike up to the distinct counts' error: every number named
    sources/targets/new_sources/... within tolerance, all else equal."""
    try:
        ja, jb = json.loads(a), json.loads(b)
    except ValueError:
        return a == b
    if path in TIMING:
        for j in (ja, jb):
            j.pop("events_per_second", None)
            for x in j["sensors"]:
                for k in TIMING[path]:
                    x.pop(k, None)
    if path.startswith("/api/v1/sources?") and "first_from" not in path:
        # SQLite's top sources are a Space-Saving sketch (store_query.c):
        # each count a guaranteed lower bound, the tail's order depending
        # on arrival order (two SQLite stores fed differently differ). So:
        # every source both list, SQLite's count at most ClickHouse's, the
        # rest alike; and the heaviest source the same.
        sa = {x["src"]: x for x in ja["sources"]}
        sb = {x["src"]: x for x in jb["sources"]}
        if ja["sources"] and (not jb["sources"] or
                              jb["sources"][0]["records"] < ja["sources"][0]["records"]):
            return False
        for k in set(sa) & set(sb):
            x, y = dict(sa[k]), dict(sb[k])
            if x.pop("records") > y.pop("records") or not close(x, y):
                return False
        return True
    if path.startswith("/api/v1/topports/"):
        # ranked by a figure: by sources or targets (estimates) two ports
        # within the error may swap, at the cut too
        by = path.split("/")[4].split("?")[0]
        pa = {(x["port"], x["proto"]): x for x in ja.pop("ports")}
        pb = {(x["port"], x["proto"]): x for x in jb.pop("ports")}
        if not close(ja, jb) or not all(close(pa[k], pb[k]) for k in set(pa) & set(pb)):
            return False
        for mine, other in ((pa, pb), (pb, pa)):
            last = min((x[by] for x in other.values()), default=0)
            for k in set(mine) - set(other):
                if by == "records" or abs(mine[k][by] - last) > 2 * tol(max(mine[k][by], last)):
                    return False
        return True
    return close(ja, jb)


APPROX = {"sources", "targets", "new_sources", "new_targets", "total"}


def close(a, b, key=None):
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], k) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y, key) for x, y in zip(a, b))
    if key in APPROX and isinstance(a, int) and isinstance(b, int):
        return abs(a - b) <= 2 * tol(max(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-6 * max(1.0, abs(a))
    return a == b


def dash_numbers(page):
    """The figures in the dashboard's tables: every cell that is a number,
    keyed by the table's headings, the row's first cell and the column's
    heading (rows ranked by an estimate may swap)."""
    out = {}
    for table in re.findall(r"<table.*?</table>", page, re.S):
        rows = [[re.sub(r"<[^>]*>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
                for row in re.findall(r"<tr.*?</tr>", table, re.S)]
        if not rows:
            continue
        head = tuple(rows[0])
        for row in rows[1:]:
            for ci, text in enumerate(row):
                if re.fullmatch(r"[0-9][0-9,.]*%?", text) and ci < len(head):
                    out[(head, row[0], head[ci])] = text
    return out


def dash_same(a, b):
    """Numbers alike, those under a heading naming sources or targets (the
    distinct counts) within the HyperLogLog tolerance."""
    bad = []
    for k in set(a) | set(b):
        x, y = a.get(k), b.get(k)
        if x == y:
            continue
        if x and y and re.search(r"Sources|Targets|New to", k[2]) and re.fullmatch(r"[0-9]+", x) and \
                re.fullmatch(r"[0-9]+", y) and abs(int(x) - int(y)) <= 2 * tol(max(int(x), int(y))):
            continue
        bad.append((k[1], k[2], x, y))
    return bad


# ---- acked ---------------------------------------------------------------

def acked(args):
    ackfile, countsfile = args[:2]
    want = Counter()
    seen = set()
    for line in open(ackfile):
        bid, n, _ = line.split()
        if bid in seen:
            print("FAIL: batch %s acknowledged twice" % bid)
            return 1
        seen.add(bid)
        want[bid.rsplit("-", 1)[0]] += int(n)
    got = {}
    for line in open(countsfile):
        if not line.strip():
            continue
        k, n = line.split()
        got[k] = int(n)
    bad = 0
    dup = 0
    for k in sorted(want):
        g = got.get(k, 0)
        if g < want[k]:
            print("FAIL: %s: %d events stored, %d acknowledged" % (k, g, want[k]))
            bad = 1
        dup += g - want[k] if g > want[k] else 0
        print("  %s: %d events acknowledged in %d batches, %d stored" % (
            k, want[k], sum(1 for b in seen if b.rsplit("-", 1)[0] == k), g))
    print("  duplicates (batches whose 200 never came, sent again): %d events" % dup)
    if len(args) > 2:  # "SENSOR BATCH_ID EVENTS": the store's done rows
        done = {}
        for line in open(args[2]):
            if line.strip():
                _, b, n = line.split()
                done[b] = int(n)
        lines = {l.split()[0]: int(l.split()[1]) for l in open(ackfile)}
        missing = [b for b in lines if done.get(b) != lines[b]]
        if missing:
            print("FAIL: acknowledged batches without their done row (or with another count): %s" % missing[:8])
            bad = 1
        else:
                print("  batches: each of the %d acknowledged has its done row with its count; %d done rows"
                  " in all" % (len(lines), len(done)))
    return bad


if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    sys.exit({"send": send, "settle": lambda a: settle(a), "compare": compare,
              "acked": acked}[cmd](rest))
