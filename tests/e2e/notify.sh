#!/usr/bin/env bash
# serve --notify end to end. Two surges (139/tcp, then 445/tcp) are submitted
# to a collector that notifies three targets:
#   - an HTTP receiver (a python3 http.server written here) that is DOWN when
#     the alerts are raised; serve is kill -9'd while they are pending and
#     restarted, then the receiver comes up, answers the first POST 503 and
#     the rest 200; serve is kill -9'd again after the deliveries and
#     restarted (from a config file's notify lines this time). The receiver
#     must have accepted each alert exactly once, with a valid HMAC-SHA256
#     signature, the delivery id in the header and the body, the alert's
#     fields and the --public-url link; the 503'd POST came again, same id.
#   - syslog:PATH, a python3 unix-datagram listener: an RFC 5424 line per
#     alert, not one more after the restarts;
#   - mailto: with --smtp to python3-aiosmtpd's sink: a mail per alert with
#     the subject "wormwatch: surge on 139/tcp since ...", none resent.
# /metrics shows the pending notice and the failures while the receiver is
# down, none pending at the end. Only notices of kind "surge" are counted
# (the collector may also tell of its sensor going silent).
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
command -v python3 > /dev/null || { echo "python3 not installed"; exit 77; }
SMTPPY=
for p in python3 /usr/bin/python3; do
    "$p" -c 'import aiosmtpd' 2> /dev/null && { SMTPPY=$p; break; }
done
[ -n "$SMTPPY" ] || { echo "python3-aiosmtpd not installed (scripts/deps.sh)"; exit 77; }
T=${KEEP_T:-$(mktemp -d)} # KEEP_T=DIR: work in DIR and keep it (debugging)
PID= RECV= SLOG= SMTP=
trap 'for p in $PID $RECV $SLOG $SMTP; do kill -9 $p 2>/dev/null; wait $p 2>/dev/null; done; [ -z "${KEEP_T:-}" ] && rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }
. "$(dirname "$0")/serve.bash"
DB=$T/ww.db
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for WHAT COND: waits up to 60 s for the shell condition COND; else
# fails saying WHAT (both evaluated when used, so they may name counts)
wait_for() {
    for _ in $(seq 600); do eval "$2" && return 0; sleep 0.1; done
    eval "fail \"$1\""
}

# ---- the receivers ----
HPORT=$(free_port)
SPORT=$(free_port)
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/secret"
echo >> "$T/secret" # a trailing newline, as an editor leaves it: not part of the key
cat > "$T/recv.py" <<'PY'
import hashlib, hmac, http.server, json, sys
port, secret, out = int(sys.argv[1]), open(sys.argv[2], "rb").read().strip(), sys.argv[3]
posts = 0
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global posts
        posts += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        status = 503 if posts == 1 else 200   # the first is refused: it must come again
        with open(out, "a") as f:
            f.write(json.dumps({"status": status, "path": self.path,
                                "delivery": self.headers.get("X-Wormwatch-Delivery"),
                                "event": self.headers.get("X-Wormwatch-Event"),
                                "type": self.headers.get("Content-Type"),
                                "sig_ok": hmac.compare_digest(self.headers.get("X-Wormwatch-Signature", ""), want),
                                "body": json.loads(body)}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
python3 -u - "$T/log.sock" "$T/syslog.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    d = s.recv(65536)
    with open(sys.argv[2], "ab") as f:
        f.write(d + b"\n")
PY
SLOG=$!
"$SMTPPY" -u -m aiosmtpd -n -l "127.0.0.1:$SPORT" > "$T/smtp.txt" 2>&1 &
SMTP=$!
wait_for "the syslog listener did not start" 'test -S "$T/log.sock"'
wait_for 'the SMTP sink did not start: $(cat "$T/smtp.txt")' \
    'python3 -c "import socket; socket.create_connection((\"127.0.0.1\", $SPORT), 0.5)" 2> /dev/null'

# ---- two surges ----
python3 - "$T/in.tsv" <<'PY'
import random, sys
r = random.Random(7)
rows = []
def line(h, m, src, dst, port):
    rows.append("2006-08-%02d %02d:%02d:00 +00:00\t0\t1\t%s\t%d\t10.9.%d.%d\t%d\ttcp\tSYN\n"
                % (1 + h // 24, h % 24, m, src, r.randint(1024, 65535), dst // 256, dst % 256, port))
for h in range(52):           # background on 139 and 445
    for port in (139, 445):
        for s in range(5):
            line(h, r.randint(0, 59), "198.51.%d.%d" % (r.randint(0, 255), r.randint(1, 254)),
                 r.randint(0, 4095), port)
for port, h0 in ((139, 40), (445, 46)):   # 80 new sources in an hour
    for s in range(80):
        line(h0, r.randint(0, 59), "192.0.%d.%d" % (port % 7, 1 + s), r.randint(0, 4095), port)
open(sys.argv[1], "w").writelines(sorted(rows, key=lambda l: l[:19]))
PY
HOOK="http://127.0.0.1:$HPORT/hook?token=abc"
NOTIFY=(--notify "$HOOK" --notify "syslog:$T/log.sock" --notify mailto:ops@example.org
        --smtp "smtp://127.0.0.1:$SPORT" --notify-secret "$T/secret"
        --public-url http://collector.example:8080/)
serve_key K sensor-1
serve_start --db "$DB" --rate-limit 0 "${NOTIFY[@]}"
code=$(curl -s -o "$T/submit.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $K" \
    -H "X-Batch-Id: b1" --data-binary "@$T/in.tsv" "$URL/api/v1/submit")
[ "$code" = 200 ] || fail "submit: HTTP $code $(cat "$T/submit.json")"
curl -sf "$URL/api/v1/alerts" > "$T/alerts.json" || fail "no answer to /api/v1/alerts"
python3 - "$T/alerts.json" <<'PY' || fail "the collector did not raise the two alerts"
import json, sys
a = json.load(open(sys.argv[1]))["alerts"]
assert sorted((x["port"], x["start"]) for x in a) == [(139, "2006-08-02T16:00:00Z"), (445, "2006-08-02T22:00:00Z")], a
PY

count_syslog() { cat "$T/syslog.txt" 2> /dev/null | grep -c '^<28>1 [^ ]* [^ ]* wormwatch [0-9]* surge '; }
count_mail() { grep -c '^Subject: wormwatch: surge on ' "$T/smtp.txt"; }
accepted() { # N: the receiver's 200s with kind surge
    python3 -c 'import json, sys
n = sum(1 for l in open(sys.argv[1]) if json.loads(l)["status"] == 200 and json.loads(l)["body"]["kind"] == "surge")
print(n)' "$T/posts.jsonl" 2>/dev/null || echo 0
}
wait_for 'syslog got $(count_syslog) surge lines, want 2' '[ "$(count_syslog)" = 2 ]'
wait_for 'the SMTP sink got $(count_mail) surge mails, want 2' '[ "$(count_mail)" = 2 ]'

# the HTTP receiver is down: both pending, failures counted
metric() { curl -sf "$URL/metrics" | grep "^$1{" | grep "target=\"$2\"" | awk '{print $2}'; }
wait_for 'pending for the webhook: $(metric wormwatch_notify_pending http://127.0.0.1:$HPORT), want 2' \
    '[ "$(metric wormwatch_notify_pending "http://127.0.0.1:$HPORT")" = 2 ]'
f=$(metric wormwatch_notify_failures_total "http://127.0.0.1:$HPORT")
[ "${f:-0}" -ge 1 ] || fail "no failures counted for the webhook that is down: '$f'"
curl -sf "$URL/metrics" | grep -q 'token=abc' && fail "/metrics shows the webhook's query string"
[ "$(metric wormwatch_notify_pending "mailto:ops@example.org")" = 0 ] || fail "mail still pending"
grep -q "notify http://127.0.0.1:$HPORT: notice [0-9]* (surge) not accepted" "$T/serve.log" ||
    fail "serve did not log the failed delivery"

# ---- kill -9 while pending; restart; the receiver comes up ----
kill -9 $PID; wait $PID 2> /dev/null; PID=
SERVE_PORT=$PORT serve_start --db "$DB" --rate-limit 0 "${NOTIFY[@]}"
python3 "$T/recv.py" "$HPORT" "$T/secret" "$T/posts.jsonl" &
RECV=$!
wait_for 'the receiver accepted $(accepted) alerts, want 2' '[ "$(accepted)" = 2 ]'
wait_for 'the webhook still has notices pending' \
    '[ "$(metric wormwatch_notify_pending "http://127.0.0.1:$HPORT")" = 0 ]'

# ---- kill -9 after the deliveries; restart from a config file ----
kill -9 $PID; wait $PID 2> /dev/null; PID=
{
    echo "notify = $HOOK"
    echo "notify = syslog:$T/log.sock"
    echo "notify = mailto:ops@example.org"
    echo "smtp = smtp://127.0.0.1:$SPORT"
    echo "notify-secret = $T/secret"
    echo "public-url = http://collector.example:8080/"
} > "$T/ww.conf"
SERVE_PORT=$PORT serve_start --db "$DB" --rate-limit 0 --config "$T/ww.conf"
sleep 4 # several rounds of looking for notices: nothing is sent again
grep -q "ignoring" "$T/serve.log" && fail "the config's notify lines were not taken: $(cat "$T/serve.log")"
[ "$(metric wormwatch_notify_pending "http://127.0.0.1:$HPORT")" = 0 ] || fail "pending after the restart"
serve_stop

[ "$(count_syslog)" = 2 ] || fail "syslog got $(count_syslog) surge lines after the restarts, want 2"
[ "$(count_mail)" = 2 ] || fail "the SMTP sink got $(count_mail) surge mails after the restarts, want 2"
python3 - "$T/posts.jsonl" "$T/syslog.txt" "$T/smtp.txt" <<'PY' || fail "what was delivered is wrong"
import json, re, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
surge = [p for p in posts if p["body"]["kind"] == "surge"]
ok = [p for p in surge if p["status"] == 200]
ids = [p["delivery"] for p in ok]
assert len(ok) == 2 and len(set(ids)) == 2, ("each alert accepted once", ids)
assert posts[0]["status"] == 503 and posts[0]["delivery"] in ids, ("the 503'd POST came again", posts[0])
for p in surge:
    b = p["body"]
    assert p["sig_ok"], ("signature", p)
    assert p["path"] == "/hook?token=abc", p["path"]
    assert p["type"] == "application/json" and p["event"] == "surge", p
    assert b["delivery"] == p["delivery"] and re.fullmatch(r"[0-9]+-[0-9]+", b["delivery"]), b
    assert b["port"] in (139, 445) and b["proto"] == "tcp", b
    assert b["start"] in ("2006-08-02T16:00:00Z", "2006-08-02T22:00:00Z"), b
    assert b["new_sources"] >= 10 and b["score"] >= 3 and b["explanation"].startswith("port %d/tcp: " % b["port"]), b
    assert b["link"] == "http://collector.example:8080/port/%d" % b["port"], b["link"]
    assert b["surge_kind"] in ("spreading", "campaign") and b["side"] == "destination", b
    assert b["summary"] == "surge on %d/tcp since %s (%s)" % (b["port"], b["start"], b["surge_kind"]), b["summary"]
    assert "; %s: " % b["surge_kind"] in b["explanation"], b["explanation"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b["created"]), b["created"]
assert sorted(p["body"]["port"] for p in ok) == [139, 445]
# RFC 5424: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD SP MSG
rx = re.compile(r'<28>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z [!-~]{1,255} wormwatch \d+ surge '
                r'\[meta sequenceId="\d+"\] surge on (139|445)/tcp since 2006-08-02T(16|22):00:00Z '
                r'\((spreading|campaign)\): '
                r'port \1/tcp: .* http://collector\.example:8080/port/\1$')
lines = [l for l in open(sys.argv[2], encoding="utf-8").read().splitlines() if " surge " in l]
assert len(lines) == 2 and all(rx.match(l) for l in lines), lines
mail = open(sys.argv[3]).read()
for port, start in ((139, "16"), (445, "22")):
    assert "Subject: wormwatch: surge on %d/tcp since 2006-08-02T%s:00:00Z" % (port, start) in mail, mail
    assert "Dashboard: http://collector.example:8080/port/%d" % port in mail, mail
assert mail.count("To: ops@example.org") == 2 and "X-Wormwatch-Delivery: " in mail, mail
PY
echo "notify: all checks passed"
