# tests/e2e/mmdb.bash -- MaxMind-format test databases for the e2e scripts
# (`--geoip`, `--asn`), sourced (not a test itself: tests/run.sh runs
# tests/e2e/*.sh). They are built at test time by tests/tools/mkmmdb.pl with
# Debian's MaxMind::DB::Writer::Tree, never committed; what is in them (the
# RFC 5737/3849 documentation ranges, the simulator's address space, Censys's
# ranges, addresses in no network) is in the comment at its top.
#
# mmdb_build DIR   builds them into DIR (made if missing; a temporary
#                  directory of the script's, removed by its own trap) and
#                  sets MMDB_COUNTRY and MMDB_ASN (GeoLite2 layout),
#                  MMDB_DBIP_COUNTRY and MMDB_DBIP_ASN (DB-IP Lite layout).
#                  When the Perl module is missing the script exits 77
#                  (SKIP) saying so; any other failure exits 1.
MMDB_TOOL=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)/mkmmdb.pl

mmdb_build() {
    local out rc
    mkdir -p "$1" || { echo "mmdb_build: cannot make $1"; exit 1; }
    out=$(perl "$MMDB_TOOL" "$1" 2>&1); rc=$?
    case $rc in
    0) ;;
    77) echo "$out"; exit 77 ;;
    127) echo "perl is not installed (it builds the test databases)"; exit 77 ;;
    *) echo "mmdb_build: $MMDB_TOOL $1 exited $rc: $out"; exit 1 ;;
    esac
    MMDB_COUNTRY=$1/GeoLite2-Country.mmdb
    MMDB_ASN=$1/GeoLite2-ASN.mmdb
    MMDB_DBIP_COUNTRY=$1/dbip-country-lite.mmdb
    MMDB_DBIP_ASN=$1/dbip-asn-lite.mmdb
}
