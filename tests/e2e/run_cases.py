#!/usr/bin/env python3
"""Runs the declarative end-to-end cases (tests/e2e/cases/*.case).

A case is a text file of `key: value` lines (curl's tests/data habit):
  args:   the wormwatch command line; $CORPUS and $TMP are expanded,
          words split on blanks
  stdin:  a file fed to standard input (same expansion)
  exit:   the expected exit status (default 0)
  expect: a Python expression that must be true (any number of them). Names:
          d (stdout parsed as JSON, or None), out, err (text),
          sc (dict: scanner src -> list of entries), scanner(src) (first entry
          or {}), port(p, proto='tcp') (entry of d['ports'] or {}),
          lines(text) (list of non-empty lines)
  stdout: a regular expression that must match stdout (re.M)
  stderr: a regular expression that must match stderr (re.M)
A case whose args or stdin name $CORPUS (the shared real-data corpus) is
skipped, never passed, when that corpus is not there.
Prints TAP-style `ok NAME`, `ok NAME # SKIP why` and `not ok NAME` (details
indented below it) lines; exits 1 if any case fails."""
import glob, json, os, re, shlex, subprocess, sys, tempfile

ww, casedir = sys.argv[1], sys.argv[2]
corpus = os.environ.get("CORPUS", os.path.join(os.path.dirname(__file__), "../../../shared/corpus"))
have_corpus = os.path.isfile(os.path.join(corpus, "README.md"))
failures = skipped = 0
cases = sorted(glob.glob(os.path.join(casedir, "*.case")))
with tempfile.TemporaryDirectory() as tmp:
    for path in cases:
        name = os.path.basename(path)[:-5]
        spec = {"expect": [], "stdout": [], "stderr": []}
        for raw in open(path, encoding="utf-8"):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, _, val = line.partition(":")
            key, val = key.strip(), val.strip()
            if key in ("args", "stdin") and "$CORPUS" in val:
                spec["needs_corpus"] = True
            val = val.replace("$CORPUS", corpus).replace("$TMP", tmp)
            if key in ("expect", "stdout", "stderr"):
                spec[key].append(val)
            else:
                spec[key] = val
        if spec.get("needs_corpus") and not have_corpus:
            print("ok %s # SKIP the shared real-data corpus is not at %s" % (name, corpus))
            skipped += 1
            continue
        problems = []
        stdin = open(spec["stdin"], "rb") if "stdin" in spec else subprocess.DEVNULL
        try:
            p = subprocess.run([ww] + shlex.split(spec.get("args", "")), stdin=stdin,
                               capture_output=True, timeout=300)
        except subprocess.TimeoutExpired:
            print("not ok %s: timed out" % name); failures += 1; continue
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode != int(spec.get("exit", "0")):
            problems.append("exit status %d, expected %s" % (p.returncode, spec.get("exit", "0")))
        try:
            d = json.loads(out)
        except ValueError:
            d = None
        sc = {}
        if isinstance(d, dict):
            for s in d.get("scanners", []):
                sc.setdefault(s["src"], []).append(s)
        env = {
            "d": d, "out": out, "err": err, "sc": sc,
            "scanner": lambda src: (sc.get(src) or [{}])[0],
            "port": lambda n, proto="tcp": next((x for x in (d or {}).get("ports", [])
                                                if x["port"] == n and x["proto"] == proto), {}),
            "lines": lambda t: [l for l in t.splitlines() if l.strip()],
        }
        for e in spec["expect"]:
            try:
                ok = eval(e, {}, env)
            except Exception as ex:
                ok, e = False, "%s (raised %r)" % (e, ex)
            if not ok:
                problems.append("expectation failed: " + e)
        for rx in spec["stdout"]:
            if not re.search(rx, out, re.M):
                problems.append("stdout does not match /%s/" % rx)
        for rx in spec["stderr"]:
            if not re.search(rx, err, re.M):
                problems.append("stderr does not match /%s/" % rx)
        if problems:
            failures += 1
            print("not ok %s" % name)
            for pr in problems:
                print("    " + pr)
            print("    stderr: " + err[:600].replace("\n", "\n    "))
        else:
            print("ok %s" % name)
print("%d passed, %d failed, %d skipped" % (len(cases) - failures - skipped, failures, skipped))
sys.exit(1 if failures else 0)
