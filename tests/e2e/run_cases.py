#!/usr/bin/env python3
"""Runs the declarative end-to-end cases (tests/e2e/cases/*.case).

usage: run_cases.py WORMWATCH CASEDIR

A case is a text file of `key: value` lines, blank lines and `#` comments
(curl's tests/data habit: a case declares the server's side too). Each case
is one result, printed TAP-style: `ok NAME`, `ok NAME # SKIP why` or `not ok
NAME` (details indented below it); the runner exits 1 if any case failed.

The lines before any [section] are one wormwatch command (a case may be just
that):
  args:    its command line, split into words as the shell would, then the
           $VARIABLES in each word expanded
  stdin:   a file fed to its standard input
  exit:    the expected exit status (default 0)
  timeout: seconds it may take (default 300)
  expect:  a Python expression that must be true (any number of them). Names:
           d (stdout parsed as JSON, or None), out, err (text), sc (dict:
           scanner src -> list of entries), scanner(src) (first entry or {}),
           port(p, proto='tcp') (entry of d['ports'] or {}), lines(text)
           (non-empty lines), grep(rx, text) (the lines matching rx), re,
           time, and every variable
  stdout:  a regular expression that must match stdout (re.M)
  stderr:  a regular expression that must match stderr (re.M)
  let:     NAME = EXPR, a variable from a Python expression (the names
           above); evaluated as its step starts; any step may have them
Then sections, each a step, run in order (after that command, if it has
args); the case stops at the first step that fails, and whatever it started
is stopped either way:
  [netns]  network namespaces, made by tests/e2e/netns.bash and removed at
           the end; the case is SKIPped when they cannot be made (not root,
           no `ip netns`). NAME is a word; NS_NAME is the namespace's name.
             ns: NAME [ADDR...]                   loopback up, ADDRs on it
             link: A ADDR[,ADDR] B ADDR[,ADDR]    a veth pair: v-B in A, v-A in B
  [serve]  `wormwatch serve --listen 127.0.0.1:0 --db $STORE OPTIONS` on a
           fresh store ($TMP/ww.db; output in $TMP/serve.log), awaited (30 s)
           until it says where it listens; sets URL, PID and STORE. At the end
           it must still be running, and exit 0 on SIGTERM. One per case.
             args: OPTIONS
             key: VAR [KEYNAME]   first `wormwatch key add KEYNAME` (default
                                  VAR; the rest of the line); sets KEY_VAR
             netns: NAME          serve (and every request to it) in NAME
  [mmdb]   the MaxMind-format test databases (tests/tools/mkmmdb.pl, through
           mmdb.bash's mmdb_build) built into $TMP/mmdb; sets MMDB_COUNTRY,
           MMDB_ASN (GeoLite2 layout), MMDB_DBIP_COUNTRY, MMDB_DBIP_ASN (DB-IP
           Lite layout); the case is SKIPped when the Perl writer is missing
  [file NAME]         writes $TMP/NAME: the section's lines as they are
                      (comments too; blank lines around them dropped)
  [file NAME python]  the section is Python (names: the variables, dshield(),
                      lines(), grep(), re, time); what it leaves in `data` (str
                      or bytes) is written to $TMP/NAME
  [run]    a command, checked as the first one is (args, stdin, exit,
           timeout, expect, stdout, stderr), and:
             sh: LINE          a bash command line instead of args; it gets
                               the variables in its environment, unexpanded
             netns: NAME       run it in that namespace
             until: SECONDS    run it again (every 0.2 s) until its checks pass
             background: NAME  start it and go on: stdout and stderr to
                               $TMP/NAME.out and .err; SIGTERM at the end
  [http METHOD PATH]  a request made with curl to $URL PATH (or PATH, if it
           is a URL); the words are expanded separately:
             header: NAME: VALUE   data: TEXT   data-file: FILE   user: U:P
             status: the expected status (default 200)
             contains: a string the reply's body must contain
             reply-header: a regular expression a reply header line must
                      match (re.I)
             expect: as above; names d (the body as JSON, or None), body,
                      status, headers (dict, lower-case names), records(proto=
                      'tcp') (a /api/v1/port/ answer's records), the variables
             until: SECONDS
  [submit SECRET BATCH FILE]  a sensor's batch: POST /api/v1/submit with
           `Authorization: Bearer SECRET`, `X-Batch-Id: BATCH`, the TSV
           content type and FILE as the body; then as [http]
Variables, $NAME or ${NAME} in values (other $words are left as they are):
TMP (the case's own directory), CORPUS, WW, E2E (this directory, for its
helpers, e.g. simevents.py), and what the steps set.
dshield(port, n, userid=0, day='2026-01-15') is N DShield lines to tcp/PORT
from 203.0.113.1..N. A case naming $CORPUS is skipped, never passed, when
the shared real-data corpus is not there; one making requests when curl is
not installed."""
import glob, json, os, re, shlex, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
SECTION = re.compile(r"^\[(netns|serve|file|run|http|submit|mmdb)(\s[^\]]*)?\]\s*$")
KEYS = {
    "main": {"args", "stdin", "exit", "timeout", "expect", "stdout", "stderr", "let"},
    "netns": {"ns", "link"},
    "mmdb": {"let"},
    "serve": {"args", "key", "netns", "let"},
    "run": {"args", "sh", "stdin", "exit", "timeout", "expect", "stdout", "stderr", "let",
            "netns", "until", "background"},
    "http": {"header", "data", "data-file", "user", "status", "contains", "reply-header",
             "expect", "until", "timeout", "let"},
}
KEYS["submit"] = KEYS["http"] - {"data", "data-file"}


class Failed(Exception):
    """A step's problems (args: the list of them, and text showing what happened)."""


class Skipped(Exception):
    """The case cannot run here (args: why)."""


def lines(text):
    return [l for l in text.splitlines() if l.strip()]


def grep(rx, text):
    return [l for l in text.splitlines() if re.search(rx, l)]


def dshield(port, n, userid=0, day="2026-01-15"):
    return "".join("%s 10:00:%02d +00:00\t%s\t1\t203.0.113.%d\t40000\t198.51.0.0\t%d\ttcp\tSYN\n"
                   % (day, i % 60, userid, i, port) for i in range(1, n + 1))


HELPERS = {"lines": lines, "grep": grep, "dshield": dshield, "re": re, "time": time}


def parse(path):
    """The case's steps, in order: dicts of kind, words (the section header's),
    keys ({key: [values]}), text (a [file]'s lines) and line."""
    steps = [{"kind": "main", "words": [], "keys": {}, "text": [], "line": 1}]
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.rstrip("\n")
        m = SECTION.match(line)
        if m:
            steps.append({"kind": m.group(1), "words": (m.group(2) or "").split(), "keys": {},
                          "text": [], "line": n})
        elif steps[-1]["kind"] == "file":
            steps[-1]["text"].append(line)
        elif line.strip() and not line.lstrip().startswith("#"):
            key, _, val = line.partition(":")
            key = key.strip()
            if key not in KEYS[steps[-1]["kind"]]:
                raise ValueError("line %d: no key '%s' in [%s]" % (n, key, steps[-1]["kind"]))
            steps[-1]["keys"].setdefault(key, []).append(val.strip())
    return steps


class Case:
    def __init__(self, ww, tmp, netns_id, corpus):
        self.ww, self.tmp, self.netns_id = ww, tmp, netns_id
        self.vars = {"TMP": tmp, "CORPUS": corpus, "WW": ww, "E2E": HERE}
        self.serve = self.serve_ns = None
        self.background = []  # Popen
        self.netns = {}       # NAME -> namespace
        self.logs = []        # files whose tails a failure shows

    def expand(self, s):
        return re.sub(r"\$\{(\w+)\}|\$(\w+)",
                      lambda m: self.vars.get(m.group(1) or m.group(2), m.group(0)), s)

    def names(self, **more):
        return dict(self.vars, **HELPERS, **more)

    def let(self, keys):
        for v in keys.get("let", []):
            name, _, expr = v.partition("=")
            try:
                self.vars[name.strip()] = eval(expr, self.names())
            except Exception as ex:
                raise Failed(["let %s raised %r" % (v, ex)], "")

    def ns(self, name):
        if name not in self.netns:
            raise Failed(["no namespace %s in [netns]" % name], "")
        return ["ip", "netns", "exec", self.netns[name]]

    def checks(self, keys, names, out=None, err=None):
        """The problems with expect, stdout and stderr."""
        problems = []
        for e in keys.get("expect", []):
            try:
                ok = eval(self.expand(e), names)
            except Exception as ex:
                ok, e = False, "%s (raised %r)" % (e, ex)
            if not ok:
                problems.append("expectation failed: " + e)
        for key, text in (("stdout", out), ("stderr", err)):
            for rx in keys.get(key, []):
                if not re.search(self.expand(rx), text, re.M):
                    problems.append("%s does not match /%s/" % (key, rx))
        return problems

    def retry(self, keys, attempt):
        """attempt() -> (problems, text); again until it passes or `until` runs out."""
        deadline = time.time() + float(keys.get("until", ["0"])[-1])
        while True:
            problems, text = attempt()
            if not problems or time.time() >= deadline:
                break
            time.sleep(0.2)
        if problems:
            raise Failed(problems, text)

    # ---- steps ----

    def step_main(self, step):
        if step["run"]:
            self.step_run(step)

    def step_run(self, step):
        k = step["keys"]
        if "sh" in k:
            argv = ["bash", "-c", k["sh"][-1]]
        else:
            argv = [self.ww] + [self.expand(w) for w in shlex.split(k.get("args", [""])[-1])]
        if "netns" in k:
            argv = self.ns(k["netns"][-1]) + argv
        env = dict(os.environ, **{n: str(v) for n, v in self.vars.items()})
        if "background" in k:
            name = k["background"][-1]
            path = os.path.join(self.tmp, name)
            with open(path + ".out", "wb") as out, open(path + ".err", "wb") as err:
                self.background.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                                        stdout=out, stderr=err, env=env))
            self.logs.append(path + ".err")
            return
        want = int(k.get("exit", ["0"])[-1])

        def attempt():
            stdin = open(self.expand(k["stdin"][-1]), "rb") if "stdin" in k else subprocess.DEVNULL
            try:
                p = subprocess.run(argv, stdin=stdin, capture_output=True, env=env,
                                   timeout=float(k.get("timeout", ["300"])[-1]))
            except subprocess.TimeoutExpired:
                return ["timed out"], ""
            finally:
                if stdin != subprocess.DEVNULL:
                    stdin.close()
            out = p.stdout.decode("utf-8", "replace")
            err = p.stderr.decode("utf-8", "replace")
            problems = [] if p.returncode == want else [
                "exit status %d, expected %d" % (p.returncode, want)]
            try:
                d = json.loads(out)
            except ValueError:
                d = None
            sc = {}
            if isinstance(d, dict):
                for s in d.get("scanners", []):
                    sc.setdefault(s["src"], []).append(s)
            names = self.names(d=d, out=out, err=err, sc=sc,
                               scanner=lambda src: (sc.get(src) or [{}])[0],
                               port=lambda n, proto="tcp": next(
                                   (x for x in (d or {}).get("ports", [])
                                    if x["port"] == n and x["proto"] == proto), {}))
            problems += self.checks(k, names, out, err)
            return problems, "stderr: " + err[:600] + ("\nstdout: " + out[:600] if "sh" in k else "")
        self.retry(k, attempt)

    def step_file(self, step):
        if not 1 <= len(step["words"]) <= 2 or step["words"][1:] not in ([], ["python"]):
            raise Failed(["[file NAME] or [file NAME python]"], "")
        text = step["text"]
        while text and not text[-1].strip():
            text.pop()
        while text and not text[0].strip():
            text.pop(0)
        data = "".join(l + "\n" for l in text)
        if step["words"][1:]:
            names = self.names()
            try:
                exec(data, names)
            except Exception as ex:
                raise Failed(["the program raised %r" % ex], "")
            data = names.get("data")
            if not isinstance(data, (str, bytes)):
                raise Failed(["the program left no str or bytes in data"], "")
        path = os.path.join(self.tmp, self.expand(step["words"][0]))
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)

    def step_netns(self, step):
        script = [". " + shlex.quote(os.path.join(HERE, "netns.bash"))]
        for v in step["keys"].get("ns", []):
            name, *addrs = v.split()
            self.netns[name] = "ww-%s-%s" % (name, self.netns_id)  # as netns_add names it
            self.vars["NS_" + name] = self.netns[name]
            script.append("netns_add " + name)
            if addrs:
                script.append("netns_addr %s %s" % (name, " ".join(map(shlex.quote, addrs))))
        for v in step["keys"].get("link", []):
            script.append("netns_link " + " ".join(map(shlex.quote, v.split())))
        p = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True,
                           env=dict(os.environ, NETNS_ID=self.netns_id))
        if p.returncode == 77:
            raise Skipped(p.stdout.strip().splitlines()[-1])
        if p.returncode:
            raise Failed(["netns.bash: exit %d" % p.returncode], p.stdout + p.stderr)

    def step_mmdb(self, step):
        names = ("MMDB_COUNTRY", "MMDB_ASN", "MMDB_DBIP_COUNTRY", "MMDB_DBIP_ASN")
        script = [". " + shlex.quote(os.path.join(HERE, "mmdb.bash")),
                  "mmdb_build " + shlex.quote(os.path.join(self.tmp, "mmdb")),
                  "printf '%s\\n' " + " ".join('"$%s"' % n for n in names)]
        p = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True)
        if p.returncode == 77:
            raise Skipped(p.stdout.strip().splitlines()[-1])
        if p.returncode:
            raise Failed(["mmdb.bash: exit %d" % p.returncode], p.stdout + p.stderr)
        self.vars.update(zip(names, p.stdout.splitlines()))

    def step_serve(self, step):
        k = step["keys"]
        if self.serve:
            raise Failed(["a second [serve]"], "")
        store = self.vars["STORE"] = os.path.join(self.tmp, "ww.db")
        for v in k.get("key", []):
            var, _, name = v.partition(" ")
            p = subprocess.run([self.ww, "key", "add", name.strip() or var, "--db", store],
                               capture_output=True, text=True)
            m = re.search(r"[0-9a-f]{64}", p.stdout)
            if p.returncode or not m:
                raise Failed(["key add %s: exit %d, no secret" % (v, p.returncode)], p.stdout + p.stderr)
            self.vars["KEY_" + var] = m.group(0)
        argv = [self.ww, "serve", "--listen", "127.0.0.1:0", "--db", store]
        argv += [self.expand(w) for w in shlex.split(k.get("args", [""])[-1])]
        if "netns" in k:
            self.serve_ns = k["netns"][-1]
            argv = self.ns(self.serve_ns) + argv
        log = os.path.join(self.tmp, "serve.log")
        self.logs.append(log)
        with open(log, "wb") as f:
            self.serve = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=f)
        for _ in range(600):  # 30 s: a loaded machine, a sanitizer build
            m = re.search(r"listening on (https?://[0-9.]+:[0-9]+)", open(log).read())
            if m:
                break
            if self.serve.poll() is not None:
                rc, self.serve = self.serve.returncode, None
                raise Failed(["serve exited (status %d)" % rc], open(log).read())
            time.sleep(0.05)
        else:
            raise Failed(["no 'listening on' line in 30 s"], open(log).read())
        self.vars.update(URL=m.group(1), PID=self.serve.pid)

    def step_submit(self, step):
        if len(step["words"]) != 3:
            raise Failed(["[submit SECRET BATCH FILE]"], "")
        secret, batch, path = map(self.expand, step["words"])
        self.http(step, "POST", "/api/v1/submit", ["Authorization: Bearer " + secret,
                  "X-Batch-Id: " + batch, "Content-Type: text/tab-separated-values"], path)

    def step_http(self, step):
        if len(step["words"]) != 2:
            raise Failed(["[http METHOD PATH]"], "")
        k = step["keys"]
        path = k["data-file"][-1] if "data-file" in k else None
        self.http(step, *map(self.expand, step["words"]), [], path and self.expand(path))

    def http(self, step, method, path, headers, body_file):
        k = step["keys"]
        if "://" not in path:
            if "URL" not in self.vars:
                raise Failed(["no [serve] to send %s to" % path], "")
            path = self.vars["URL"] + path
        body = os.path.join(self.tmp, ".body")
        head = os.path.join(self.tmp, ".head")
        argv = ["curl", "-sS", "-o", body, "-D", head, "-w", "%{http_code}", "-X", method,
                "--max-time", k.get("timeout", ["60"])[-1]]
        for h in headers + [self.expand(h) for h in k.get("header", [])]:
            argv += ["-H", h]
        data = None
        if "data" in k:
            data = self.expand(k["data"][-1]).encode()
        elif body_file:
            data = open(body_file, "rb").read()
        if data is not None:
            argv += ["--data-binary", "@-"]
        if "user" in k:
            argv += ["-u", self.expand(k["user"][-1])]
        argv.append(path)
        if self.serve_ns:
            argv = self.ns(self.serve_ns) + argv
        want = int(k.get("status", ["200"])[-1])

        def attempt():
            for f in (body, head):
                if os.path.exists(f):
                    os.unlink(f)
            p = subprocess.run(argv, input=data, capture_output=True)
            status = int(p.stdout or 0)
            text = open(body, "rb").read().decode("utf-8", "replace") if os.path.exists(body) else ""
            hdr = open(head, "rb").read().decode("latin-1") if os.path.exists(head) else ""
            hdr = re.split(r"\r?\n\r?\n(?=HTTP/)", hdr.strip())[-1]  # the final reply's
            headers = {}
            for l in hdr.splitlines()[1:]:
                name, _, val = l.partition(":")
                headers[name.strip().lower()] = val.strip()
            problems = [] if status == want else ["status %d, expected %d" % (status, want)]
            for s in k.get("contains", []):
                if self.expand(s) not in text:
                    problems.append("the body does not contain %s" % s)
            for rx in k.get("reply-header", []):
                if not re.search(self.expand(rx), hdr, re.M | re.I):
                    problems.append("no reply header matches /%s/" % rx)
            try:
                d = json.loads(text)
            except ValueError:
                d = None

            def records(proto="tcp"):
                return sum(x["records"] for x in d["data"] if x["proto"] == proto)
            problems += self.checks(k, self.names(d=d, body=text, status=status, headers=headers,
                                                  records=records))
            return problems, "%s %s\n%s\n%s\n%s" % (method, path, hdr, text[:600],
                                                    p.stderr.decode("utf-8", "replace"))
        self.retry(k, attempt)

    # ---- the end ----

    def finish(self):
        """Stops what the case started; the problems with serve's exit."""
        problems = []
        for p in self.background:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if self.serve:
            if self.serve.poll() is not None:
                problems.append("serve died (exit %d)" % self.serve.returncode)
            else:
                self.serve.terminate()
                try:
                    rc = self.serve.wait(30)
                except subprocess.TimeoutExpired:
                    self.serve.kill()
                    rc = self.serve.wait()
                    problems.append("serve did not stop in 30 s after SIGTERM")
                if rc:
                    problems.append("serve exit %d on SIGTERM" % rc)
        if self.netns:
            subprocess.run(["bash", "-c", '. "$0"; NETNS_LIST=$1; netns_cleanup',
                            os.path.join(HERE, "netns.bash"), " ".join(self.netns.values())])
        return problems

    def tails(self):
        out = ""
        for path in self.logs:
            try:
                tail = open(path, "rb").read().decode("utf-8", "replace").splitlines()[-8:]
            except OSError:
                continue
            out += "\n--- %s:\n%s" % (os.path.basename(path), "\n".join(tail))
        return out


def run_case(ww, path, tmp, netns_id, corpus):
    """None if the case passed, else the text that says why it did not;
    raises Skipped."""
    steps = parse(path)
    steps[0]["run"] = len(steps) == 1 or "args" in steps[0]["keys"]  # else only its lets
    if any(s["kind"] in ("http", "submit") for s in steps) and not shutil.which("curl"):
        raise Skipped("curl not installed")
    case = Case(ww, tmp, netns_id, corpus)
    problems, where, text = [], "", ""
    try:
        for step in steps:
            where = "line %d [%s]" % (step["line"], " ".join([step["kind"]] + step["words"]))
            case.let(step["keys"])
            getattr(case, "step_" + step["kind"])(step)
    except Failed as f:
        problems, text = f.args
    except (OSError, ValueError, KeyError) as ex:
        problems = ["%r" % ex]
    finally:
        ended = case.finish()
    if not problems and not ended:
        return None
    out = ["%s: %s" % (where, p) for p in problems] + ended
    return "\n".join(out) + ("\n" + text if text else "") + case.tails()


def main():
    ww, casedir = os.path.abspath(sys.argv[1]), sys.argv[2]
    corpus = os.environ.get("CORPUS", os.path.join(HERE, "../../../shared/corpus"))
    have_corpus = os.path.isfile(os.path.join(corpus, "README.md"))
    failures = skipped = 0
    cases = sorted(glob.glob(os.path.join(casedir, "*.case")))
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate(cases):
            name = os.path.basename(path)[:-5]
            try:
                if not have_corpus and "$CORPUS" in open(path, encoding="utf-8").read():
                    raise Skipped("the shared real-data corpus is not at %s" % corpus)
                os.mkdir(os.path.join(tmp, name))
                why = run_case(ww, path, os.path.join(tmp, name), "%dc%d" % (os.getpid(), i), corpus)
            except Skipped as s:
                print("ok %s # SKIP %s" % (name, s.args[0]))
                skipped += 1
                continue
            except ValueError as e:  # a case that does not parse
                why = str(e)
            if why:
                failures += 1
                print("not ok %s" % name)
                print("    " + why.rstrip("\n").replace("\n", "\n    "))
            else:
                print("ok %s" % name)
            sys.stdout.flush()
    print("%d passed, %d failed, %d skipped" % (len(cases) - failures - skipped, failures, skipped))
    sys.exit(1 if failures else 0)


main()
