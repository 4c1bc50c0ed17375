#!/usr/bin/env python3
"""arrival.py -- feeds a simulated outbreak's sensor files to a collector in
one of several arrival orders, then prints what the collector says as JSON
(alerts, aggregates, event time). Used by arrival.sh; not a test itself.

usage: arrival.py URL ORDER KEYFILE SENSOR_FILE... > result.json
  URL      the collector (http://127.0.0.1:PORT)
  ORDER    time | serial | lag6h | offline1d | ahead1h | time-first-half | time-second-half
  KEYFILE  one secret per line, sensor i's on line i
Batches are 1,000 lines of one sensor, each sent under that sensor's key.
  time      batches by their first event time (sensors streaming)
  serial    one sensor's whole file after another (daily uploads, a backlog)
  lag6h     as time, but sensor 3's batches sent as if 6 h later
  offline1d as time, but sensor 2 silent for a day from the middle of the
            data, then draining its backlog
  ahead1h   as time, sensor 1's clock 1 h ahead (its events dated 1 h later)
  time-first-half / time-second-half: the time order cut in two (a crash
            and restart between them)
"""
import http.client
import json
import sys
import urllib.parse
from datetime import datetime, timedelta, timezone

BATCH = 1000


def ts(line):
    return datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)


def shift(line, hours):
    t = ts(line) + timedelta(hours=hours)
    return t.strftime("%Y-%m-%d %H:%M:%S") + line[19:]


def batches(files, order):
    out = []  # (sort key, sensor, batch number, lines)
    for i, path in enumerate(files):
        lines = open(path).read().splitlines(True)
        if order == "ahead1h" and i == 1:
            lines = [shift(l, 1) for l in lines]
        for k in range(0, len(lines), BATCH):
            chunk = lines[k:k + BATCH]
            out.append([ts(chunk[0]), i, k // BATCH, chunk])
    start = min(b[0] for b in out)
    end = max(ts(b[3][-1]) for b in out)
    if order == "serial":
        out.sort(key=lambda b: (b[1], b[2]))
        return out
    if order == "lag6h":
        for b in out:
            if b[1] == 3:
                b[0] += timedelta(hours=6)
    if order == "offline1d":
        mid = start + (end - start) / 2
        for b in out:
            if b[1] == 2 and mid <= b[0] < mid + timedelta(days=1):
                b[0] = mid + timedelta(days=1)
    out.sort(key=lambda b: (b[0], b[1], b[2]))
    if order == "time-first-half":
        return out[:len(out) // 2]
    if order == "time-second-half":
        return out[len(out) // 2:]
    return out


def send(conn, key, sensor, n, lines):
    body = "".join(lines).encode()
    for _ in range(100):
        conn.request("POST", "/api/v1/submit", body, {
            "Authorization": "Bearer " + key, "X-Batch-Id": "s%d-b%d" % (sensor, n),
            "Content-Type": "text/tab-separated-values"})
        r = conn.getresponse()
        data = r.read()
        if r.status == 200:
            return
        if r.status not in (429, 503):
            sys.exit("batch s%d-b%d: %d %s" % (sensor, n, r.status, data.decode()))
        import time
        time.sleep(0.2)
    sys.exit("batch s%d-b%d: still refused" % (sensor, n))


def get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit("GET %s: %d %s" % (path, r.status, data.decode()))
    return json.loads(data)


def main():
    url, order, keyfile, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    keys = open(keyfile).read().split()
    if order != "query":
        for _, sensor, n, lines in batches(files, order):
            send(conn, keys[sensor], sensor, n, lines)
    if order == "time-first-half":
        return
    alerts = get(conn, "/api/v1/alerts?limit=1000")["alerts"]
    sensors = get(conn, "/api/v1/sensors")
    days = sorted({ts(l).date() for f in files for l in (open(f).readline(),)} |
                  {(datetime(2006, 8, 1) + timedelta(days=d)).date() for d in range(6)})
    agg = {}
    for d in days:
        rows = get(conn, "/api/v1/topports/records?limit=10000&date=%s" % d)
        rows = rows.get("data", rows.get("ports", rows))
        agg[str(d)] = rows
    hourly = {p: get(conn, "/api/v1/porthistory/%d?by=hour&from=2006-07-31&to=2006-08-06" % p)
              for p in (139, 445, 22, 80)}
    json.dump({"alerts": alerts, "sensors": sensors, "days": agg, "hourly": hourly},
              sys.stdout, indent=1, sort_keys=True)


main()
