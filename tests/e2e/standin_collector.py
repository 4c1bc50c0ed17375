#!/usr/bin/env python3
"""Stand-in collector for tests/e2e/sensor.sh: POST /api/v1/submit, checks the
Bearer key and X-Batch-Id, appends every accepted body to DIR/received (one
"#batch ID" header line, then the body) and answers 200; answers 503 while the
file DIR/fail exists. Prints its port to DIR/port once listening.
usage: standin_collector.py DIR KEY [PORT]"""
import http.server, os, sys

d, key = sys.argv[1], sys.argv[2]

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/api/v1/submit": return self.reply(404, b'{"error":"not found"}')
        if os.path.exists(os.path.join(d, "fail")): return self.reply(503, b'{"error":"down"}')
        if self.headers.get("Authorization") != "Bearer " + key: return self.reply(401, b'{"error":"key"}')
        bid = self.headers.get("X-Batch-Id", "")
        if not bid or not body: return self.reply(400, b'{"error":"bad"}')
        with open(os.path.join(d, "received"), "ab") as f:
            f.write(b"#batch " + bid.encode() + b"\n" + body)
        self.reply(200, b'{"accepted":1,"duplicate":false}')

port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
http.server.HTTPServer.allow_reuse_address = True
s = http.server.HTTPServer(("127.0.0.1", port), H)
with open(os.path.join(d, "port.tmp"), "w") as f: f.write(str(s.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
