#!/usr/bin/env python3
"""bench/clickhouse.py -- the collector on ClickHouse (issue 15, item 7),
beside the SQLite store in the same run.

usage: bench/clickhouse.py BUILD [--seconds S] [--conns N] [--events N] [--queries N] [--no-doc]

1. Ingest. bench/load.c (N keep-alive connections, default 4, each a
   sensor sending 1,000-event DShield batches and waiting for each 200)
   for S seconds (default 20) against: the SQLite store; one front-end on a
   one-shard cluster; two front-ends on it (connections alternating between
   them); one and two front-ends on a two-shard cluster. Each ClickHouse
   configuration gets fresh servers (their own config, data directory and
   ports under the temporary directory, as tests/e2e/clickhouse.bash makes
   them; a one-shard cluster is a `remote_servers` entry with one shard).
   events/s and batch latency p50/p99; then one front-end on two shards
   with 10,000-event batches (ClickHouse's cost is per insert). Every
   acknowledged event must be in the store.
2. Queries over 100 M raw events (--events): on a fresh two-shard cluster,
   one front-end creates the schema, then ClickHouse makes the events itself:
   INSERT INTO events SELECT ... FROM numbers(N), through the Distributed
   table (so each shard gets its sources and its materialized views fill
   as on a submit), 90 days back from yesterday, 200,000 sources in 10/8
   each scanning one port of 64 (445 the busiest), targets in 198.51/16.
   The SQLite store gets the same volume by its fastest path: DShield lines
   with the count column (bench/load.sh's prefill: 90 days x 24 hours x 64
   ports x 20 sources, each line standing for N / 2,764,800 records), since
   100 M single-record lines through submit would take far longer. Then
   --queries (200) times each, one keep-alive connection: the 90-day
   /api/v1/porthistory/445 and /api/v1/ip/ADDR for addresses that were seen;
   p50/p99.
3. Prints a Markdown section and, unless --no-doc, writes it into
   docs/PERFORMANCE.md as "## The collector on ClickHouse (issue 15)"
   (replacing that section; the text around the figures is kept there).

Needs clickhouse-server (Debian's 18.16) and a built wormwatch; about 16
minutes on 2 shared cores, and 25 GB of temporary disk at the peak (the 100 M
events' parts before they merge).
"""
import argparse, http.client, json, os, random, re, shutil, signal, socket, statistics
import subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CH_VERSION = "?"
PORTS = [445, 22, 23, 80, 443, 1433, 3389, 8080] + list(range(5000, 5056))


def say(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Cluster:
    """nshards clickhouse-server processes on loopback forming cluster `ww`."""

    def __init__(self, tmp, nshards, tag):
        self.procs, self.http = [], []
        server = shutil.which("clickhouse-server") or "/usr/sbin/clickhouse-server"
        ports = [(free_port(), free_port(), free_port()) for _ in range(nshards)]
        shards = "".join("<shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>" % t
                         for _, t, _ in ports)
        for n, (http, tcp, inter) in enumerate(ports, 1):
            d = os.path.join(tmp, "%s-ch%d" % (tag, n))
            for sub in ("data", "tmp", "user_files"):
                os.makedirs(os.path.join(d, sub))
            with open(os.path.join(d, "config.xml"), "w") as f:
                f.write("""<yandex>
  <logger><level>warning</level><log>{d}/log.txt</log><errorlog>{d}/err.txt</errorlog></logger>
  <http_port>{http}</http_port><tcp_port>{tcp}</tcp_port><interserver_http_port>{inter}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{d}/data/</path><tmp_path>{d}/tmp/</tmp_path><user_files_path>{d}/user_files/</user_files_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <remote_servers><ww>{shards}</ww></remote_servers>
  <macros><shard>{n}</shard></macros>
</yandex>
""".format(d=d, http=http, tcp=tcp, inter=inter, shards=shards, n=n))
            self.procs.append(subprocess.Popen([server, "--config-file=" + os.path.join(d, "config.xml")],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            self.http.append(http)
        for p in self.http:
            for _ in range(600):
                try:
                    self.q("SELECT version()", p)
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise SystemExit("bench: clickhouse-server on %d did not start" % p)
        self.shards = ",".join("127.0.0.1:%d" % p for p in self.http)
        global CH_VERSION
        CH_VERSION = self.q("SELECT version()").strip()

    def db(self, i, name="ww"):
        return "clickhouse://127.0.0.1:%d/%s?cluster=ww&shards=%s" % (self.http[i], name, self.shards)

    def q(self, sql, port=None, timeout=3600, settings=""):
        port = port or self.http[0]
        req = urllib.request.Request("http://127.0.0.1:%d/?%s" % (port, settings), data=sql.encode())
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read().decode()

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []


class Serve:
    def __init__(self, ww, db, log):
        self.log = log
        self.p = subprocess.Popen([ww, "serve", "--db", db, "--listen", "127.0.0.1:0", "--rate-limit", "0",
                                   "--max-body", "16777216"], stderr=open(log, "w"))
        for _ in range(1200):
            m = re.search(r"http://(127\.0\.0\.1:\d+)", open(log).read())
            if m:
                self.addr = m.group(1)
                return
            if self.p.poll() is not None:
                raise SystemExit("bench: serve --db %s exited: %s" % (db, open(log).read()))
            time.sleep(0.05)
        raise SystemExit("bench: serve --db %s never listened" % db)

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def key(ww, db, name):
    out = subprocess.run([ww, "key", "add", name, "--db", db], capture_output=True, text=True)
    m = re.search(r"[0-9a-f]{64}", out.stdout)
    if not m:
        raise SystemExit("bench: key add --db %s: %s" % (db, out.stderr))
    return m.group(0)


def load(tool, addrs, secrets, conns, seconds, batch=1000):
    out = subprocess.run([tool, "-c", str(conns), "-t", str(seconds), "-b", str(batch), ",".join(addrs),
                          ",".join(secrets)], capture_output=True, text=True)
    m = re.search(r"(\d+) batches, ([0-9.]+) events/s, latency p50 ([0-9.]+) ms, p99 ([0-9.]+) ms.*errors (\d+)",
                  out.stdout)
    if not m:
        raise SystemExit("bench: load: %s %s" % (out.stdout, out.stderr))
    say("  " + out.stdout.strip())
    return {"batches": int(m.group(1)), "eps": float(m.group(2)), "p50": float(m.group(3)),
            "p99": float(m.group(4)), "errors": int(m.group(5)), "batch": batch}


def timed(addr, paths, n, budget=90):
    """p50, p99 (ms) of n GETs cycling through paths on one keep-alive
    connection, or as many as budget seconds allow (at least 20)."""
    host, port = addr.split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=120)
    lat, size = [], 0
    end = time.time() + budget
    for i in range(-3, n):  # three to warm up, not counted
        if i >= 20 and time.time() > end:
            break
        t = time.perf_counter()
        c.request("GET", paths[i % len(paths)])
        r = c.getresponse()
        body = r.read()
        if i >= 0:
            lat.append((time.perf_counter() - t) * 1e3)
        if r.status != 200:
            raise SystemExit("bench: %s%s: %d %s" % (addr, paths[i % len(paths)], r.status, body[:200]))
        size = max(size, len(body))
    lat.sort()
    return {"p50": lat[len(lat) // 2], "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))], "bytes": size,
            "n": len(lat)}


def ingest(a, ww, tool, tmp):
    rows = []
    say("ingest: SQLite")
    db = os.path.join(tmp, "ingest.db")
    secrets = [key(ww, db, "load-%d" % i) for i in range(a.conns)]
    s = Serve(ww, db, os.path.join(tmp, "serve-sqlite.log"))
    rows.append(("SQLite", 1, "-", load(tool, [s.addr], secrets, a.conns, a.seconds)))
    s.stop()
    # the last: batches ten times larger (ClickHouse's cost is per insert, see PERFORMANCE.md)
    for run, (nshards, nfe, batch) in enumerate(((1, 1, 1000), (1, 2, 1000), (2, 1, 1000), (2, 2, 1000),
                                                 (2, 1, 10000))):
        say("ingest: %d shard(s), %d front-end(s), %d-event batches" % (nshards, nfe, batch))
        tag = "ing%d" % run
        cl = Cluster(tmp, nshards, tag)
        try:
            secrets = [key(ww, cl.db(0), "load-%d" % i) for i in range(a.conns)]
            fes = [Serve(ww, cl.db(i % nshards), os.path.join(tmp, "serve-%s-%d.log" % (tag, i)))
                   for i in range(nfe)]
            r = load(tool, [f.addr for f in fes], secrets, a.conns, a.seconds, batch)
            for f in fes:
                f.stop()
            stored = int(cl.q("SELECT sum(count) FROM ww.events").strip())
            if stored != r["batches"] * batch:
                raise SystemExit("bench: %d events acknowledged, %d stored" % (r["batches"] * batch, stored))
            rows.append(("ClickHouse", nfe, nshards, r))
        finally:
            cl.stop()
            for n in (1, 2):
                shutil.rmtree(os.path.join(tmp, "%s-ch%d" % (tag, n)), ignore_errors=True)
    return rows


def ch_fill(cl, n, sensor):
    """N events made by ClickHouse itself into the Distributed table."""
    today = int(time.time()) // 86400
    ports = ",".join(str(p) for p in PORTS)
    # source k (200,000 of them, 10.x.y.z) scans one port, its events spread
    # over the 90 days; 445/tcp gets an eighth of all sources
    sql = """INSERT INTO ww.events
SELECT toDate(day) AS d, toUInt64(day * 86400 + sec) * 1000000 + number % 1000000 AS ts,
       toFixedString(unhex(concat('00000000000000000000FFFF', hex(toUInt32(167772160 + k * 37)))), 16) AS src,
       toFixedString(unhex(concat('00000000000000000000FFFF', hex(toUInt32(3325231104 + intHash32(number) % 65536)))), 16) AS dst,
       toUInt16(1024 + number % 60000) AS sport,
       toUInt16(if(k % 8 = 0, 445, [{ports}][k % 64 + 1])) AS dport, dport AS port,
       toUInt8(6) AS proto, toUInt8(2) AS tcpflags, toUInt8(0) AS action, toUInt8(0) AS outcome,
       toUInt8(0) AS reply, toUInt64({sensor}) AS sensor, toUInt32(1) AS count
FROM (SELECT number, intHash32(number) % 200000 AS k,
             {today} - 90 + intHash64(number) % 90 AS day, intHash32(number * 7) % 86400 AS sec
      FROM numbers({n}))""".format(ports=ports, sensor=sensor, today=today, n=n)
    t = time.time()
    cl.q(sql, settings="insert_distributed_sync=1")
    return time.time() - t


def sqlite_fill(ww, db, n, tmp):
    secret = key(ww, db, "prefill")
    s = Serve(ww, db, os.path.join(tmp, "serve-fill.log"))
    today = int(time.time()) // 86400
    per = max(1, n // (90 * 24 * 64 * 20))
    host, port = s.addr.split(":")
    t = time.time()
    for d in range(90, 0, -1):
        day0 = (today - d) * 86400
        out = []
        for h in range(24):
            stamp = time.strftime("%Y-%m-%d %H:30:00 +00:00", time.gmtime(day0 + h * 3600))
            for i, p in enumerate(PORTS):
                for k in range(20):
                    out.append("%s\t0\t%d\t10.%d.%d.%d\t40000\t198.51.0.0\t%d\ttcp\tSYN\n" % (
                        stamp, per, d, h, (i * 20 + k) % 250 + 1, p))
        c = http.client.HTTPConnection(host, int(port), timeout=300)
        c.request("POST", "/api/v1/submit", body="".join(out).encode(), headers={
            "Authorization": "Bearer " + secret, "X-Batch-Id": "prefill-%d" % d,
            "Content-Type": "text/tab-separated-values"})
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit("bench: prefill day %d: %d %s" % (d, r.status, body[:200]))
    return s, time.time() - t, per * 90 * 24 * 64 * 20


def queries(a, ww, tmp):
    today = int(time.time()) // 86400
    frm = time.strftime("%Y-%m-%d", time.gmtime((today - 90) * 86400))
    to = time.strftime("%Y-%m-%d", time.gmtime((today - 1) * 86400))
    hist = "/api/v1/porthistory/445?from=%s&to=%s" % (frm, to)
    res = {}
    say("queries: SQLite, %d records over 90 days" % a.events)
    s, secs, recs = sqlite_fill(ww, os.path.join(tmp, "q.db"), a.events, tmp)
    ips = ["/api/v1/ip/10.%d.%d.%d" % (d, h, k) for d, h, k in
           ((random.Random(i).randrange(1, 91), random.Random(i).randrange(24), random.Random(i).randrange(1, 250))
            for i in range(50))]
    res["SQLite"] = {"fill": secs, "records": recs, "hist": timed(s.addr, [hist], a.queries),
                     "ip": timed(s.addr, ips, a.queries),
                     "size": os.path.getsize(os.path.join(tmp, "q.db"))}
    s.stop()
    say("queries: ClickHouse, two shards, %d raw events" % a.events)
    cl = Cluster(tmp, 2, "q")
    try:
        key(ww, cl.db(0), "prefill")  # the schema, on both shards
        sensor = cl.q("SELECT id, ver FROM ww.keys FINAL FORMAT TabSeparated").split("\t")[0]
        secs = ch_fill(cl, a.events, sensor)
        n = int(cl.q("SELECT count() FROM ww.events").strip())
        say("  %d events made in %.0f s" % (n, secs))
        # A bulk insert of 100 blocks leaves each aggregate table in ~100
        # parts, each holding a state per (day, port): a live store's
        # background merges keep it in a few. Merge them now, so the
        # queries see the steady state (and say what it took).
        t = time.time()
        for p in cl.http:
            for table in ("agg_day_local", "agg_hour_local", "agg_src_local", "src_seen_local"):
                cl.q("OPTIMIZE TABLE ww.%s FINAL" % table, p)
        merge = time.time() - t
        say("  aggregates merged in %.0f s" % merge)
        # the merges the inserts started: let them finish before timing
        for p in cl.http:
            cl.q("OPTIMIZE TABLE ww.agg_day_local FINAL", p)
        fe = Serve(ww, cl.db(0), os.path.join(tmp, "serve-q.log"))
        ips = ["/api/v1/ip/10.%d.%d.%d" % ((167772160 + k * 37) >> 16 & 255, (167772160 + k * 37) >> 8 & 255,
                                           (167772160 + k * 37) & 255)
               for k in (random.Random(i).randrange(200000) for i in range(50))]
        size = sum(int(cl.q("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = 'ww'",
                            p).strip() or 0) for p in cl.http)
        res["ClickHouse"] = {"fill": secs, "merge": merge, "records": n, "hist": timed(fe.addr, [hist], a.queries),
                             "ip": timed(fe.addr, ips, a.queries), "size": size}
        fe.stop()
    finally:
        cl.stop()
    return res


def section(a, ing, q, load_avg):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    out = ["<!-- chbench:begin -->",
           "Measured %s, commit %s, %s, %d CPUs (shared: load average %s before the run);"
           " ClickHouse %s, every server on this one machine over loopback." % (
               time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), commit, cpu, os.cpu_count(), load_avg,
               CH_VERSION),
           "",
           "| store | front-ends | shards | batch | events/s | batch p50 | batch p99 | errors |",
           "|---|---|---|---|---|---|---|---|"]
    for store, nfe, nsh, r in ing:
        out.append("| %s | %d | %s | %s | %s | %.1f ms | %.1f ms | %d |" % (
            store, nfe, nsh, "{:,}".format(r["batch"]), "{:,.0f}".format(r["eps"]), r["p50"], r["p99"],
            r["errors"]))
    out += ["", "%d connections (sensors), %d s each (bench/load.c)." % (a.conns, a.seconds), "",
            "| store | 90 days of | made in | on disk | porthistory/445, 90 days: p50 / p99 | /ip/ look-up: p50 / p99 |",
            "|---|---|---|---|---|---|"]
    for store in ("SQLite", "ClickHouse"):
        r = q[store]
        what = ("{:,} records in 2,764,800 counted lines".format(r["records"]) if store == "SQLite"
                else "{:,} raw events, two shards".format(r["records"]))
        out.append("| %s | %s | %s | %.0f MB | %.1f / %.1f ms (%d) | %.1f / %.1f ms (%d) |" % (
            store, what, "%.0f s" % r["fill"] + (" + %.0f s merging" % r["merge"] if "merge" in r else ""),
            r["size"] / 1e6, r["hist"]["p50"], r["hist"]["p99"], r["hist"]["n"],
            r["ip"]["p50"], r["ip"]["p99"], r["ip"]["n"]))
    out += ["", "In brackets: queries timed (%d, or as many as 90 s allow), one after another on one keep-alive"
            " connection after three untimed; /ip/ cycles through 50 addresses that were seen." % a.queries,
            "<!-- chbench:end -->"]
    return "\n".join(out) + "\n"


def write_doc(text):
    doc = os.path.join(ROOT, "docs", "PERFORMANCE.md")
    s = open(doc).read()
    if "<!-- chbench:begin -->" in s:
        s = re.sub(r"<!-- chbench:begin -->.*?<!-- chbench:end -->\n", lambda m: text, s, flags=re.S)
    else:
        s = s.rstrip("\n") + "\n\n## The collector on ClickHouse (issue 15)\n\n" + text
    open(doc, "w").write(s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--conns", type=int, default=4)
    ap.add_argument("--events", type=int, default=100_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--no-doc", action="store_true")
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-queries", action="store_true")
    a = ap.parse_args()
    ww = os.path.join(os.path.abspath(a.build), "wormwatch")
    if not os.access(ww, os.X_OK):
        raise SystemExit("bench: no %s; build first" % ww)
    if not (shutil.which("clickhouse-server") or os.access("/usr/sbin/clickhouse-server", os.X_OK)):
        raise SystemExit("bench: clickhouse-server not installed (make deps)")
    load_avg = " ".join(open("/proc/loadavg").read().split()[:3])
    tmp = tempfile.mkdtemp(prefix="wormwatch-chbench.")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    try:
        tool = os.path.join(tmp, "load")
        subprocess.run(["cc", "-std=c17", "-O2", "-Wall", "-Wextra", "-pthread",
                        os.path.join(ROOT, "bench", "load.c"), "-o", tool], check=True)
        ing = [] if a.skip_ingest else ingest(a, ww, tool, tmp)
        if a.skip_queries:
            print(ing)
            return
        q = queries(a, ww, tmp)
        text = section(a, ing, q, load_avg)
        print(text)
        if not a.no_doc:
            write_doc(text)
            say("wrote docs/PERFORMANCE.md")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
