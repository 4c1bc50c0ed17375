#!/usr/bin/env bash
# enrich.sh -- `analyze --geoip --asn --p0f-db`: who the sources are, with
# MaxMind-format databases built at test time by tests/tools/mkmmdb.pl
# (Debian's MaxMind::DB::Writer::Tree; tests/e2e/mmdb.bash) and Debian's
# p0f database, on netfilter lines logged with TCP options: a worm's burst
# on 139/tcp of Windows XP SYNs from three networks (192.0.2.0/25 DE
# AS64496, 192.0.2.128/25 FR AS64497 with a UTF-8 name, 203.0.113.0/24 AU
# by its registered country, AS64499 with a name cut to 94 bytes) over two
# days of Linux clients from addresses in no network, an nmap SYN scan
# from 198.51.100.7 (JP AS64498) and one from 198.51.100.70 (AS64501, whose
# name held control characters). Checked:
#   - the scanners' os, os_match, country, asn, as_org (printable in the
#     text);
#   - the surge's countries and asns (3 each, shares of the sampled
#     sources with one), and os_mix (Windows XP, exact);
#   - input.enrichment names the three files; the text report's lines fit
#     80 columns and carry them;
#   - the DB-IP Lite layouts give the same answers;
#   - the JSON is byte-identical with --threads 1, 2, 3 and 4;
#   - an ASN database given as --geoip is an error naming the file, exit 1.
# SKIP (77) without the Perl module, p0f's database, or mmdb.bash; a build
# that cannot load the database fails.
set -u
: "${WW:?WW=path/to/wormwatch}"
cd "$(dirname "$0")/../.." || exit 1
P0F=/etc/p0f/p0f.fp
[ -r "$P0F" ] || { echo "SKIP: no p0f database at $P0F (Debian: p0f)"; exit 77; }
[ -f tests/e2e/mmdb.bash ] || { echo "SKIP: tests/e2e/mmdb.bash (the test databases' builder) is not here"; exit 77; }
out=$("$WW" analyze --format json --p0f-db "$P0F" /dev/null 2>&1 >/dev/null) ||
    { echo "FAIL: this build cannot load $P0F: $out"; exit 1; }
# shellcheck source=tests/e2e/mmdb.bash
. tests/e2e/mmdb.bash
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
mmdb_build "$D/db"

python3 - "$D/nf.log" <<'PY' || exit 1
import datetime, sys
t0 = datetime.datetime(2026, 1, 13, tzinfo=datetime.timezone.utc)
LINUX = ("LEN=60 TOS=0x00 PREC=0x00 TTL=57 ID=%d DF PROTO=TCP SPT=%d DPT=139 WINDOW=29200 RES=0x00 SYN URGP=0 "
         "OPT (020405B40402080A0001E2400000000001030307)")
XP = ("LEN=48 TOS=0x00 PREC=0x00 TTL=117 ID=%d DF PROTO=TCP SPT=%d DPT=139 WINDOW=65535 RES=0x00 SYN URGP=0 "
      "OPT (020405B401010402)")
NMAP = "LEN=44 TOS=0x00 PREC=0x00 TTL=50 ID=%d PROTO=TCP SPT=61000 DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0 OPT (020405B4)"
out = []
def line(t, src, dst, rest):
    stamp = (t0 + datetime.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    out.append("%s fw kernel: DROP IN=eth0 OUT= SRC=%s DST=%s %s" % (stamp, src, dst, rest))
for h in range(48):
    for i in range(5):
        n = h * 5 + i
        line(h * 3600 + i * 700, "10.1.%d.%d" % (n // 250, n % 250 + 1), "10.9.0.%d" % (n % 200 + 1), LINUX % (n + 1, 40000 + n))
worm = ["192.0.2.%d" % i for i in range(1, 101)] + ["192.0.2.%d" % i for i in range(129, 224)] + \
       ["203.0.113.%d" % i for i in range(1, 101)]
for i, src in enumerate(worm):
    line(48 * 3600 + i * 10, src, "10.9.0.%d" % (i % 200 + 1), XP % (i + 1, 1025 + i))
for p in range(1, 101):
    line(48 * 3600 + 5 + p, "198.51.100.7", "10.9.0.250", NMAP % (p, p))
    line(48 * 3600 + 5 + p, "198.51.100.70", "10.9.0.251", NMAP % (p, p))
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY

fail=0
run() { # NAME ARGS...: the JSON report into $D/NAME.json
    local name=$1; shift
    "$WW" analyze --format json --no-progress -q "$@" "$D/nf.log" > "$D/$name.json" ||
        { echo "FAIL $name: analyze exited $?"; fail=1; }
}
check() { # NAME JSON COUNTRY_DB ASN_DB
    python3 - "$@" <<'PY' || fail=1
import json, sys
name, path, cdb, adb = sys.argv[1:]
d = json.load(open(path))
bad = []
def want(cond, what):
    if not cond: bad.append(what)
en = d['input']['enrichment']
want(en == {'os': '/etc/p0f/p0f.fp', 'country': cdb, 'asn': adb}, 'input.enrichment %s' % en)
sc = {s['src']: s for s in d['scanners']}
n = sc.get('198.51.100.7', {})
want(n.get('os', '').lower() == 'nmap syn scan' and n.get('os_match') == 'exact', 'nmap os %s' % n.get('os'))
want((n.get('country'), n.get('asn'), n.get('as_org')) == ('JP', 64498, 'Example Net Three'),
     'nmap geo %s' % [n.get(k) for k in ('country', 'asn', 'as_org')])
c = sc.get('198.51.100.70', {})
want(c.get('asn') == 64501 and c.get('as_org', '').startswith('Ctrl'), 'AS64501 %r' % c.get('as_org'))
want([s['port'] for s in d['surges']] == [139], 'surges %s' % [s['port'] for s in d['surges']])
if d['surges']:
    s = d['surges'][0]
    om, cc, asn = s['os_mix'], s['countries'], s['asns']
    want(om['sampled'] == 256 and om['rows'][0]['os'] == 'Windows XP' and om['rows'][0]['match'] == 'exact'
         and om['rows'][0]['share'] == 1, 'os_mix %s' % om)
    want(cc['sampled'] == 256 and cc['distinct'] == 3 and sorted(r['country'] for r in cc['rows']) == ['AU', 'DE', 'FR']
         and sum(r['sources'] for r in cc['rows']) == 256 and abs(sum(r['share'] for r in cc['rows']) - 1) < 1e-9,
         'countries %s' % cc)
    want(asn['distinct'] == 3 and sorted(r['asn'] for r in asn['rows']) == [64496, 64497, 64499]
         and abs(asn['top_share'] - max(r['share'] for r in asn['rows'])) < 1e-9 and 0.3 < asn['top_share'] < 0.4,
         'asns %s' % asn)
    orgs = {r['asn']: r['as_org'] for r in asn['rows']}
    want(orgs.get(64497) == "R\u00e9seau d'Exemple" and len(orgs.get(64499, '').encode()) <= 94, 'as_org %s' % orgs)
print(("FAIL " if bad else "ok   ") + name + ": " + ("; ".join(bad) if bad else
      "scanner JP AS64498 nmap SYN scan; surge 3 countries, 3 ASes, Windows XP"))
sys.exit(1 if bad else 0)
PY
}

G="--p0f-db $P0F --geoip $MMDB_COUNTRY --asn $MMDB_ASN"
run geolite $G --threads 1
check geolite "$D/geolite.json" "$MMDB_COUNTRY" "$MMDB_ASN"
run dbip --p0f-db $P0F --geoip "$MMDB_DBIP_COUNTRY" --asn "$MMDB_DBIP_ASN"
check dbip "$D/dbip.json" "$MMDB_DBIP_COUNTRY" "$MMDB_DBIP_ASN"
for t in 2 3 4; do
    run t$t $G --threads $t
    if cmp -s "$D/geolite.json" "$D/t$t.json"; then echo "ok   --threads $t: the same bytes as --threads 1"
    else echo "FAIL --threads $t differs from --threads 1"; diff "$D/geolite.json" "$D/t$t.json" | head -5; fail=1; fi
done

"$WW" analyze --format text --no-progress -q $G "$D/nf.log" > "$D/text" || { echo "FAIL text: exit $?"; fail=1; }
if grep -q '^  OS: p0f\.fp; country: GeoLite2-Country\.mmdb; AS: GeoLite2-ASN\.mmdb$' "$D/text" &&
   grep -Eq '^    sampled 256: 100% Windows XP \(exact\), 3 countries, 3 ASes \(top 3[0-9]%\)$' "$D/text" &&
   grep -Eq '^ {21}[Nn][Mm]ap SYN scan \(exact\), JP, AS64498 Example Net Three$' "$D/text" &&
   awk 'length > 80 { bad = 1 } END { exit bad }' "$D/text" && ! LC_ALL=C grep -q '[[:cntrl:]]' "$D/text" &&
   grep -q '^ \{21\}nmap SYN scan (exact), JP, AS64501 Ctrl?Chars' "$D/text"; then
    echo "ok   text: the databases, the scanners' lines and the surge's mix, printable, within 80 columns"
else
    echo "FAIL text report:"; grep -aE 'databases|sampled|SYN scan' "$D/text" | cat -A; fail=1
fi

"$WW" analyze --format json --geoip "$MMDB_ASN" "$D/nf.log" > "$D/wrong.json" 2> "$D/wrong.err"; rc=$?
if [ $rc = 1 ] && [ ! -s "$D/wrong.json" ] && grep -q "^wormwatch: $MMDB_ASN: " "$D/wrong.err"; then
    echo "ok   an ASN database as --geoip: exit 1, named ($(head -1 "$D/wrong.err"))"
else
    echo "FAIL an ASN database as --geoip: exit $rc, $(head -1 "$D/wrong.err")"; fail=1
fi
exit $fail
