"""tests/e2e/batches.py -- what the e2e scripts that feed a collector share:
the simulator's files cut into sensor batches, and a batch POSTed until the
collector takes it. Imported by the scripts' python heredocs
(sys.path.insert(0, the e2e directory)).

batches(files): (first event time, sensor index, batch number, lines) for
every 1,000 lines of each file (file i = sensor i), by first event time.
post(conn, key, batch_id, lines): POST /api/v1/submit under key, retried on
429 and 503 (0.2 s apart, 100 times); exits naming the batch on any other
status or when still refused; the 200's body."""
import sys
import time


def batches(files):
    out = []
    for i, path in enumerate(files):
        lines = open(path).read().splitlines(True)
        for k in range(0, len(lines), 1000):
            out.append((lines[k][:19], i, k // 1000, lines[k:k + 1000]))
    out.sort(key=lambda b: (b[0], b[1], b[2]))
    return out


def post(conn, key, batch_id, lines):
    for _ in range(100):
        conn.request("POST", "/api/v1/submit", "".join(lines).encode(), {
            "Authorization": "Bearer " + key, "X-Batch-Id": batch_id,
            "Content-Type": "text/tab-separated-values"})
        r = conn.getresponse()
        body = r.read()
        if r.status == 200:
            return body
        if r.status not in (429, 503):
            sys.exit("batch %s: %d %s" % (batch_id, r.status, body.decode()))
        time.sleep(0.2)
    sys.exit("batch %s: still refused" % batch_id)
