#!/usr/bin/env bash
# The ClickHouse store's read side (lib/store/store_ch_query.c, issue 15)
# against the SQLite store's, side by side: `wormwatch serve --db
# clickhouse://...` on a real two-shard 18.16 cluster (tests/e2e/clickhouse.bash)
# and `serve --db FILE` take the same crafted batches (IPv4 and IPv6
# sources, several ports and protocols, two days, two sensors, a retried
# batch, SYN-ACK and ICMP replies for backscatter), the same alert and flood
# rows written into each store directly, and every API path (CONTRACT.md's
# /api/v1/... list, with growth, floods, backscatter, span, new sources)
# must answer the same JSON: the sets are tiny, so distinct counts are exact
# on both. A sensor's creation and submission times differ between the two
# (each store made its own keys and took the batches a moment apart): they
# are compared to within two minutes. Then history rows go into hist_day,
# hist_hour, hist_src and hist_bsc on the home shard (what `store copy`
# writes) and the ClickHouse answers must be the SQLite ones with them added.
# Exit 77 when clickhouse-server is not installed.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
T=$(mktemp -d)
PID= PIDS=
fail() { echo "FAIL: $*"; for f in "$T"/serve*.log; do [ -f "$f" ] && tail -5 "$f"; done; exit 1; }
. "$(dirname "$0")/clickhouse.bash"
. "$(dirname "$0")/serve.bash"
trap 'for p in $PIDS; do kill -9 $p 2>/dev/null; done; ch_stop; rm -rf "$T"' EXIT
ch_start
h1=${CH1#http://} h2=${CH2#http://}
CHDB="clickhouse://$h1/default?cluster=ww&shards=$h1,$h2"

# one collector per store, each with its two sensor keys
start_one() { # NAME DB: serve on DB; its URL and keys in NAME_URL, NAME_KA, NAME_KB
    local ka kb
    DB=$2 serve_key ka sensor-a
    DB=$2 serve_key kb sensor-b
    serve_start --db "$2" --rate-limit 0 --max-body 1048576
    mv "$T/serve.log" "$T/serve-$1.log"
    PIDS="$PIDS $PID"
    printf -v "$1_URL" %s "$URL"
    printf -v "$1_KA" %s "$ka"
    printf -v "$1_KB" %s "$kb"
}
start_one SQ "$T/ww.db"
start_one CH "$CHDB"

python3 - "$SQ_URL" "$SQ_KA" "$SQ_KB" "$CH_URL" "$CH_KA" "$CH_KB" "$CH1" "$T/ww.db" <<'PY' || fail "see above"
import json, sqlite3, sys, time, urllib.error, urllib.parse, urllib.request
sq_url, sq_ka, sq_kb, ch_url, ch_ka, ch_kb, home, sqdb = sys.argv[1:]
DAY = 86400
now = int(time.time())
today = now // DAY
D0, D1, D2 = today - 3, today - 2, today - 1
date = lambda d: time.strftime('%Y-%m-%d', time.gmtime(d * DAY))
def ts(d, hms): return '%s %s +00:00' % (date(d), hms)
def line(d, hms, src, sport, dst, dport, proto, flags='S', count=1):
    return '%s\t0\t%d\t%s\t%d\t%s\t%d\t%s\t%s\n' % (ts(d, hms), count, src, sport, dst, dport, proto, flags)

batches = {  # (sensor, batch id): lines
    ('a', 'a1'): [line(D1, '10:00:00', '198.51.100.1', 40000, '192.0.2.1', 445, 'TCP'),
                  line(D1, '10:00:05', '198.51.100.1', 40000, '192.0.2.2', 445, 'TCP', count=3),
                  line(D1, '10:00:09', '2001:db8::1', 40001, '192.0.2.1', 23, 'TCP'),
                  line(D1, '10:00:11', '198.51.100.2', 40002, '192.0.2.9', 23, 'TCP', count=5),
                  line(D1, '10:20:00', '198.51.100.3', 5353, '192.0.2.7', 53, 'UDP', flags=''),
                  line(D1, '10:30:00', '203.0.113.7', 80, '192.0.2.4', 40000, 'TCP', 'SA', count=4),
                  line(D1, '10:31:00', '203.0.113.7', 80, '192.0.2.5', 40001, 'TCP', 'SA'),
                  line(D1, '10:32:00', '203.0.113.8', 3, '10.9.1.1', 3, 'ICMP', flags='')],
    ('a', 'a2'): [line(D2, '10:00:00', '198.51.100.1', 40000, '192.0.2.5', 445, 'TCP')],
    ('b', 'b1'): [line(D1, '11:00:00', '198.51.100.1', 40000, '192.0.2.3', 445, 'TCP'),
                  line(D1, '11:00:07', '198.51.100.2', 40000, '192.0.2.1', 445, 'TCP', count=2),
                  line(D1, '11:30:00', '2001:db8::2', 40000, '2001:db8:ff::1', 445, 'TCP')],
    ('b', 'b2'): [line(D2, '12:00:00', '2001:db8::1', 40000, '192.0.2.6', 445, 'TCP', count=6)],
}

def req(url, path, body=None, headers={}):
    r = urllib.request.Request(url + path, data=body, headers=headers)
    try:
        with urllib.request.urlopen(r, timeout=60) as f:
            return f.status, f.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

def submit(url, key, bid, lines):
    st, body = req(url, '/api/v1/submit', ''.join(lines).encode(),
                   {'Authorization': 'Bearer ' + key, 'X-Batch-Id': bid,
                    'Content-Type': 'text/tab-separated-values'})
    assert st == 200, (url, bid, st, body)
    return json.loads(body)

for url, ka, kb in ((sq_url, sq_ka, sq_kb), (ch_url, ch_ka, ch_kb)):
    for (s, bid), lines in batches.items():
        submit(url, ka if s == 'a' else kb, bid, lines)
    again = submit(url, kb, 'b1', batches[('b', 'b1')])  # a retry: counted once
    assert again.get('duplicate') or 'duplicate' in json.dumps(again), (url, again)

# the same alerts and flood in both stores, as the detectors would write them
us = lambda d, h=0, m=0: (d * DAY + h * 3600 + m * 60) * 1000000
alerts = [  # port, proto, start, alert, end, sources, new, baseline, score, expl, side, kind, ...
    (445, 6, us(D1, 10), us(D1, 11), us(D1, 11), 3, 3, 0.5, 4.25, 'a surge on 445', 'destination',
     'spreading', 2, 5, '1,2,0', 0.75, 924.0, 12.5, us(D2, 3)),
    (23, 6, us(D2, 10), now * 1000000 - 3600 * 1000000, now * 1000000 - 3600 * 1000000, 2, 2, 0.0,
     7.5, "port 23: a 'quoted' surge", 'destination', 'campaign', 1, 2, '2', 0.0, 0.0, 0.0, 0)]
flood = ('192.0.2.50', 80, 6, us(D2, 9), us(D2, 9, 30), 40, 400)
db = sqlite3.connect(sqdb, timeout=30)
cols = ('port, proto, start, alert, end, sources, new_sources, baseline_new, score, explanation,'
        ' side, kind, sensors, new_targets, new_per_bucket, growth_per_hour, doubling_s,'
        ' population, saturation')
for a in alerts:
    db.execute('INSERT INTO alerts(%s) VALUES(%s)' % (cols, ','.join('?' * len(a))), a)
db.execute('INSERT INTO floods(target, port, proto, start, end, sources, records)'
           ' VALUES(?,?,?,?,?,?,?)', flood)
db.commit()
db.close()

def ch(sql):
    st, body = req(home, '/', sql.encode())
    assert st == 200, (sql, body)
    return body.decode()

def lit(v):
    return "'" + v.replace('\\', '\\\\').replace("'", "\\'") + "'" if isinstance(v, str) else repr(v)

def addr(a):
    return "toFixedString(IPv6StringToNum('%s'), 16)" % (a if ':' in a else '::ffff:' + a)

for i, a in enumerate(alerts):
    ch('INSERT INTO alerts (%s, ver) VALUES (%s, %d)' % (cols, ', '.join(map(lit, a)), 1 + i))
ch('INSERT INTO floods VALUES (%s, %s, 1)' % (addr(flood[0]), ', '.join(map(str, flood[1:]))))

paths = ['/api/v1/port/445?date=%s' % date(D1), '/api/v1/port/23?date=%s' % date(D1),
         '/api/v1/port/0?date=%s' % date(D1), '/api/v1/port/445',
         '/api/v1/porthistory/445?from=%s&to=%s' % (date(D0), date(D2)),
         '/api/v1/porthistory/445?from=%s&to=%s&by=hour' % (date(D0), date(D2)),
         '/api/v1/porthistory/23?by=day',
         '/api/v1/sources', '/api/v1/sources?limit=2', '/api/v1/sources?port=445',
         '/api/v1/sources?port=23&date=%s' % date(D1), '/api/v1/sources?date=%s' % date(D1),
         '/api/v1/sources?port=445&first_from=%s&first_to=%s' % (date(D1), date(today)),
         '/api/v1/sources?port=445&first_from=%s&first_to=%s&limit=1' % (date(D1), date(today)),
         '/api/v1/ip/198.51.100.1', '/api/v1/ip/2001:db8::1', '/api/v1/ip/198.51.100.2',
         '/api/v1/ip/203.0.113.7', '/api/v1/ip/192.0.2.200',
         '/api/v1/infocon', '/api/v1/infocon?growth=1', '/api/v1/alerts', '/api/v1/alerts?growth=1',
         '/api/v1/alerts?port=445&growth=1', '/api/v1/alerts?limit=1',
         '/api/v1/floods', '/api/v1/floods?date=%s' % date(D2), '/api/v1/floods?date=%s' % date(D1),
         '/api/v1/backscatter?date=%s' % date(D1), '/api/v1/backscatter?date=%s&limit=1' % date(D1),
         '/api/v1/span', '/api/v1/sensors']
for by in ('records', 'sources', 'targets'):
    paths += ['/api/v1/topports/%s?date=%s' % (by, date(D1)), '/api/v1/topports/%s' % by,
              '/api/v1/topports/%s?date=%s&limit=2' % (by, date(D1))]

spent = {}
def get(url, path):
    t0 = time.monotonic()
    st, body = req(url, path)
    spent[url] = spent.get(url, 0) + time.monotonic() - t0
    try:
        return st, json.loads(body)
    except ValueError:
        return st, body.decode(errors='replace')

def near(a, b):  # two RFC 3339 times (or nulls) within two minutes
    if a is None or b is None:
        return a is None and b is None
    t = lambda s: time.mktime(time.strptime(s[:19], '%Y-%m-%dT%H:%M:%S'))
    return abs(t(a) - t(b)) <= 120

def sensors(d):  # the times each store set on its own, compared apart
    d = json.loads(json.dumps(d))
    times = []
    for s in d.get('sensors', []):
        times.append([s.pop(k, None) for k in ('created', 'last_seen', 'last_submission')])
    # event time's figures are the detector's (ch_det_time, store_ch_detect.c), not the read side's
    for k in ('frontier', 'release_point', 'late_events', 'waiting_events', 'forced_events', 'stale'):
        d.pop(k, None)
    return d, times

failed = 0
def same(path, a, b):
    global failed
    if a != b:
        failed += 1
        print('DIFFER %s\n  sqlite:     %s\n  clickhouse: %s' % (path, json.dumps(a, sort_keys=True),
                                                               json.dumps(b, sort_keys=True)))

answers = {}
for p in paths:
    (s1, a), (s2, b) = get(sq_url, p), get(ch_url, p)
    answers[p] = (s1, a)
    if p == '/api/v1/sensors' and s1 == s2 == 200:
        (a, ta), (b, tb) = sensors(a), sensors(b)
        for x, y in zip(ta, tb):
            if not all(near(u, v) for u, v in zip(x, y)):
                same(p + ' (times)', ta, tb)
                break
    same(p, (s1, a), (s2, b))
n_paths = len(paths)
# the crafted data must have reached the answers compared (not empty on both)
assert answers['/api/v1/port/445?date=%s' % date(D1)][1]['data'], answers
# four addresses, 2001:db8::1 and ::2 one source: their /64 (serve --v6-prefix, issue 18)
assert [(x['src'], x['addresses']) for x in answers['/api/v1/sources?port=445'][1]['sources']
        if ':' in x['src']] == [('2001:db8::/64', 2)], answers['/api/v1/sources?port=445']
assert len(answers['/api/v1/sources?port=445'][1]['sources']) == 3, answers['/api/v1/sources?port=445']
assert len(answers['/api/v1/backscatter?date=%s' % date(D1)][1]['backscatter']) == 2
assert len(answers['/api/v1/alerts?growth=1'][1]['alerts']) == 2
assert answers['/api/v1/ip/192.0.2.200'][0] == 404
# /metrics: the table gauges alike; the raw events' rows (13 lines, the
# retry not stored again) and the tables' bytes in place of the log's
def gauges(url):
    st, body = req(url, '/metrics')
    assert st == 200, (url, st)
    return {l.split()[0]: float(l.split()[1]) for l in body.decode().splitlines()
            if l.startswith('wormwatch_store_')}
g1, g2 = gauges(sq_url), gauges(ch_url)
for k in ('wormwatch_store_alerts', 'wormwatch_store_floods', 'wormwatch_store_sensor_keys',
          'wormwatch_store_writable'):
    same('/metrics ' + k, g1.get(k), g2.get(k))
same('/metrics wormwatch_store_event_rows', 13, g2.get('wormwatch_store_event_rows'))
if not g2.get('wormwatch_store_file_bytes'):
    same('/metrics wormwatch_store_file_bytes', 'more than 0', g2.get('wormwatch_store_file_bytes'))
print('%d paths compared, %d differ; answered in %.0f ms (SQLite), %.0f ms (ClickHouse)'
      % (n_paths, failed, 1000 * spent[sq_url], 1000 * spent[ch_url]))

# ---- history (`store copy`'s tables on the home shard), added to the answers
A9, A1 = addr('198.51.100.9'), addr('198.51.100.1')
H = D1 * 24 + 10
ch('INSERT INTO hist_day VALUES (%d, 445, 6, 10, 3, 4, 1, [%s, %s], [8, 2]),'
   ' (%d, 445, 6, 100, 30, 40, 1, [%s], [100])' % (D0, A9, A1, D1, A9))
ch('INSERT INTO hist_hour VALUES (445, 6, %d, 50, 5, 6, 1)' % H)
ch('INSERT INTO hist_src VALUES (%s, %d, %d, 108, 7, 1, 1, [%d], [108], [%d, %d], [8, 100]),'
   ' (%s, %d, %d, 2, 1, 1, 1, [%d], [2], [%d], [2])'
   % (A9, us(D0, 1), us(D1, 1), 445 * 256 + 6, D0, D1, A1, us(D0, 2), us(D0, 2), 23 * 256 + 6, D0))
ch('INSERT INTO hist_bsc VALUES (%d, %s, 6, 3, %d, %d, 2)' % (D1, addr('203.0.113.7'), us(D1, 9), us(D1, 9)))

def rfc(u):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(u // 1000000))

def expect(path, fix):
    s, a = answers[path]
    want = json.loads(json.dumps(a))
    fix(want)
    same(path + ' (with history)', (s, want), get(ch_url, path))

def add(row, **k):
    for f, v in k.items():
        row[f] += v

def port445(d):
    add([r for r in d['data'] if r['proto'] == 'tcp'][0], records=100, sources=30, targets=40, sensors=1)
expect('/api/v1/port/445?date=%s' % date(D1), port445)

def daily(d):
    rows = d['days']
    add([r for r in rows if r['date'] == date(D1)][0], records=100, sources=30, targets=40, sensors=1)
    row0 = dict(rows[0], date=date(D0), records=10, sources=3, targets=4, sensors=1)
    rows.insert(0, {k: row0[k] for k in rows[0]})
expect('/api/v1/porthistory/445?from=%s&to=%s' % (date(D0), date(D2)), daily)

def hourly(d):
    add(d['hours'][0], records=50, sources=5, targets=6, sensors=1)
expect('/api/v1/porthistory/445?from=%s&to=%s&by=hour' % (date(D0), date(D2)), hourly)

def top(d):
    add([r for r in d['ports'] if r['port'] == 445][0], records=100, sources=30, targets=40)
    d['ports'].sort(key=lambda r: -r['records'])
expect('/api/v1/topports/records?date=%s' % date(D1), top)

def srcs445(d):
    s = d['sources']
    one = [r for r in s if r['src'] == '198.51.100.1'][0]
    add(one, records=2, ports=1, sensors=1)
    one['first_seen'] = rfc(us(D0, 2))
    add(one, targets=1)
    s.insert(0, {'src': '198.51.100.9', 'prefix': None, 'addresses': 1, 'records': 108,
                 'targets': 7, 'ports': 1, 'sensors': 1,
                 'first_seen': rfc(us(D0, 1)), 'last_seen': rfc(us(D1, 1)), 'os': None,
                 'os_match': None, 'country': None, 'asn': None, 'as_org': None})
    s.sort(key=lambda r: -r['records'])  # 198.51.100.1's 2 more on the port rank it higher
expect('/api/v1/sources?port=445', srcs445)

def ip1(d):
    add(d, records=2, targets=1, ports=1, sensors=1)
    d['first_seen'] = rfc(us(D0, 2))
    d['by_port'].append({'port': 23, 'proto': 'tcp', 'records': 2})
    d['days'].insert(0, {'date': date(D0), 'records': 2})
expect('/api/v1/ip/198.51.100.1', ip1)

def bsc(d):
    r = [r for r in d['backscatter'] if r['proto'] == 'tcp'][0]
    add(r, records=3, targets=2)
    r['start'] = rfc(us(D1, 9))
expect('/api/v1/backscatter?date=%s' % date(D1), bsc)

def span(d):
    d['first'] = date(D0)
expect('/api/v1/span', span)
s, nine = get(ch_url, '/api/v1/ip/198.51.100.9')
if s != 200 or nine.get('records') != 108:
    failed += 1
    print('DIFFER /api/v1/ip/198.51.100.9 (history only): %s %s' % (s, nine))
print('history: 9 answers checked')
sys.exit(1 if failed else 0)
PY
for p in $PIDS; do PID=$p; serve_stop; done
PIDS=
echo "clickhouse_query: all checks passed"
