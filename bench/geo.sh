#!/bin/sh
# bench/geo.sh BUILD -- what a country and AS lookup costs (issue 17):
# builds MaxMind-format databases in a temporary directory (removed at exit)
# with tests/tools/mkmmdb.pl (Debian's libmaxmind-db-writer-perl) -- the
# test databases in the GeoLite2 and DB-IP Lite layouts (about 900
# networks) and WW_GEO_NETWORKS (100000) networks tiling the IPv4 unicast
# space, each its own AS -- and runs BUILD/bench_geo (bench/geo.c) on each
# pair: CPU ns per lookup of the country database, the ASN database and
# both, best of three runs over WW_GEO_LOOKUPS (1000000) addresses. Not part of `make bench`; the figures
# go into docs/PERFORMANCE.md by hand.
set -eu
[ $# -eq 1 ] || { echo "usage: bench/geo.sh BUILD   (the build directory holding bench_geo)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
B=$1
[ -x "$B/bench_geo" ] || { echo "bench/geo.sh: no $B/bench_geo (build first)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
perl "$here/../tests/tools/mkmmdb.pl" "$T" || exit $?
echo "building ${WW_GEO_NETWORKS:-100000} networks..." >&2
perl "$here/../tests/tools/mkmmdb.pl" --bench "${WW_GEO_NETWORKS:-100000}" "$T"
n=${WW_GEO_LOOKUPS:-1000000}
"$B/bench_geo" -n "$n" "$T/GeoLite2-Country.mmdb" "$T/GeoLite2-ASN.mmdb"
"$B/bench_geo" -n "$n" "$T/dbip-country-lite.mmdb" "$T/dbip-asn-lite.mmdb"
"$B/bench_geo" -n "$n" "$T/bench-Country.mmdb" "$T/bench-ASN.mmdb"
ls -l "$T"/*.mmdb | awk '{print $5, $NF}' | sed "s|$T/||"
