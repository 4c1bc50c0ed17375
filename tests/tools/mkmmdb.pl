#!/usr/bin/perl
# tests/tools/mkmmdb.pl -- MaxMind-format test databases, built at test time
# with Debian's MaxMind::DB::Writer::Tree (libmaxmind-db-writer-perl), never
# committed as binaries.
#
#   mkmmdb.pl DIR            the test databases (below) into DIR
#   mkmmdb.pl --bench N DIR  bench-Country.mmdb and bench-ASN.mmdb: N
#                            networks tiling 1.0.0.0-223.255.255.255 (of
#                            many sizes, split by a fixed walk), each its
#                            own AS (bench/geo.sh)
#
# Exit 77 (SKIP for tests/run.sh), saying so, when the Perl module is
# missing; 2 on a usage error.
#
# One data set, written in the layouts of the databases users give
# `--geoip` and `--asn` (field names as the vendors document them):
#   GeoLite2-Country.mmdb   "GeoLite2-Country": country, registered_country,
#                           continent maps (iso_code, geoname_id, names);
#                           IPv6 tree, IPv4 in ::/96 with MaxMind's aliases
#                           (::ffff:0:0/96, 2002::/16, Teredo)
#   GeoLite2-ASN.mmdb       "GeoLite2-ASN": autonomous_system_number (uint32),
#                           autonomous_system_organization
#   dbip-country-lite.mmdb  "DBIP-Country-Lite": continent{code, geoname_id,
#                           names}, country{geoname_id, iso_code,
#                           is_in_european_union, names}; no aliases
#   dbip-asn-lite.mmdb      "DBIP-ASN-Lite (compat=GeoLite2-ASN)"
#   v4-Country.mmdb         "GeoLite2-Country" as an IPv4-only tree
#   mapped-Country.mmdb     "Test-Mapped-Country": IPv4 kept only under
#                           ::ffff:0:0/96 (as some third-party writers do)
# The networks (the unit tests and e2e scripts rely on them):
#   every public /10 the simulator draws sources from (lib/sim/sim.c's
#   public_addr: not its reserved blocks): the country of its /8 from
#   @CC (the /8's number modulo 24), AS 64512 + its index among them
#   ("Sim AS N", RFC 6996 private-use numbers); then, overriding,
#   192.0.2.0/25      DE  AS64496 "Example Net One"
#   192.0.2.128/25    FR  AS64497 "Réseau d'Exemple" (UTF-8); the same AS
#                     without an organisation in .224/28, as "Another Name"
#                     in .240/28
#   198.51.100.0/24   JP  AS64498 "Example Net Three"; its upper /25
#                         AS64500 without an organisation; .64/26 AS64501
#                         with control characters in its name (and three
#                         characters "é" the unit test overwrites with
#                         bytes that are not UTF-8)
#   203.0.113.0/24    registered_country AU only; AS64499 with a name of
#                     130 bytes (UTF-8, cut by geo.c to 94)
#   162.142.125.0/24, 167.94.138.0/24 (the simulator's research scanners,
#                     Censys's ranges)  US  AS398324 "CENSYS-ARIN-01"
#   2001:db8::/33       NL  AS65536 "Example Six"
#   2001:db8:8000::/34  BR  AS65537 "Exemplo Seis"
# and in no network: 10/8, 198.18/15 and the other reserved blocks,
# 2001:db8:c000::/34, 3fff::/20.
use strict;
use warnings;

BEGIN {
    unless (eval { require MaxMind::DB::Writer::Tree; 1 }) {
        print "Perl module MaxMind::DB::Writer::Tree is missing (Debian: libmaxmind-db-writer-perl)\n";
        exit 77;
    }
}

my %TYPES = (
    country => 'map', registered_country => 'map', continent => 'map', names => 'map',
    iso_code => 'utf8_string', code => 'utf8_string', geoname_id => 'uint32',
    is_in_european_union => 'boolean', en => 'utf8_string',
    autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',
);

my @CC = qw(US CN BR IN RU DE JP KR GB FR VN ID TR IT TW MX AR PL NL CA UA TH ES IR);
my %CONTINENT = (US => 'NA', CA => 'NA', MX => 'NA', BR => 'SA', AR => 'SA', AU => 'OC',
                 CN => 'AS', IN => 'AS', JP => 'AS', KR => 'AS', VN => 'AS', ID => 'AS', TW => 'AS',
                 TH => 'AS', IR => 'AS', TR => 'AS');

# lib/sim/sim.c's reserved[] (plus what is not public), in no network here
my @RESERVED = qw(0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12
                  192.0.0.0/24 192.0.2.0/24 192.88.99.0/24 192.168.0.0/16 198.18.0.0/15
                  198.51.100.0/24 203.0.113.0/24 224.0.0.0/3);

sub tree {
    my ($type, $ipv, %o) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version => $ipv, record_size => 24, database_type => $type,
        languages => ['en'], description => { en => "wormwatch test database ($type)" },
        map_key_type_callback => sub { $TYPES{ $_[0] } },
        remove_reserved_networks => 0, alias_ipv6_to_ipv4 => $o{alias} ? 1 : 0,
        merge_strategy => 'none');
}

sub write_tree {
    my ($t, $path) = @_;
    open my $fh, '>:raw', $path or die "$path: $!\n";
    $t->write_tree($fh);
    close $fh or die "$path: $!\n";
}

sub place { # the country record in the MaxMind or DB-IP layout
    my ($layout, $cc, %o) = @_;
    my $c = { iso_code => $cc, geoname_id => 1000 + ord($cc) * 100 + ord(substr $cc, 1),
              names => { en => "Country $cc" } };
    my $cont = $CONTINENT{$cc} // 'EU';
    my %r = (continent => { code => $cont, geoname_id => 6255140 + ord($cont), names => { en => "Continent $cont" } });
    $c->{is_in_european_union} = $cc =~ /^(DE|FR|IT|NL|PL|ES)$/ ? 1 : 0 if $layout eq 'dbip';
    if ($o{registered_only}) { $r{registered_country} = $c } else { $r{country} = $c; $r{registered_country} = $c }
    return \%r;
}

# [network, country, registered_only, asn, org]
sub networks {
    my @n;
    my $k = 0;
    for my $o (1 .. 223) {
        for my $q (0 .. 3) {
            push @n, ["$o." . ($q * 64) . ".0.0/10", $CC[$o % 24], 0, 64512 + $k, "Sim AS $k"];
            $k++;
        }
    }
    push @n, ["-$_"] for @RESERVED; # removed again
    push @n, ['192.0.2.0/25', 'DE', 0, 64496, 'Example Net One'],
             ['192.0.2.128/25', 'FR', 0, 64497, "R\x{e9}seau d'Exemple"],
             ['192.0.2.224/28', 'FR', 0, 64497, undef],
             ['192.0.2.240/28', 'FR', 0, 64497, 'Another Name'],
             ['198.51.100.0/24', 'JP', 0, 64498, 'Example Net Three'],
             ['198.51.100.64/26', 'JP', 0, 64501, "Ctrl\tChars\nand\x7f|bad:\x{e9}\x{e9}\x{e9}"],
             ['198.51.100.128/25', 'JP', 0, 64500, undef],
             ['203.0.113.0/24', 'AU', 1, 64499, 'Long Name ' . ("\x{e9}" x 60)],
             ['162.142.125.0/24', 'US', 0, 398324, 'CENSYS-ARIN-01'],
             ['167.94.138.0/24', 'US', 0, 398324, 'CENSYS-ARIN-01'],
             ['2001:db8::/33', 'NL', 0, 65536, 'Example Six'],
             ['2001:db8:8000::/34', 'BR', 0, 65537, 'Exemplo Seis'];
    return @n;
}

sub fill {
    my ($t, $layout, $kind, $v4only, $mapped, @n) = @_;
    for my $e (@n) {
        my ($net, $cc, $regonly, $asn, $org) = @$e;
        my $remove = $net =~ s/^-//;
        next if $v4only && $net =~ /:/;
        $net =~ s{^(\d+\.\d+\.\d+\.\d+)/(\d+)$}{"::ffff:$1/" . ($2 + 96)}e if $mapped;
        if ($remove) { $t->remove_network($net); next }
        my $data = $kind eq 'asn'
            ? { autonomous_system_number => $asn, defined $org ? (autonomous_system_organization => $org) : () }
            : place($layout, $cc, registered_only => $regonly);
        $t->insert_network($net, $data);
    }
}

sub build {
    my ($dir) = @_;
    my @n = networks();
    my @db = (# file, type, layout, kind, ip_version, alias, mapped
        ['GeoLite2-Country.mmdb', 'GeoLite2-Country', 'maxmind', 'country', 6, 1, 0],
        ['GeoLite2-ASN.mmdb', 'GeoLite2-ASN', 'maxmind', 'asn', 6, 1, 0],
        ['dbip-country-lite.mmdb', 'DBIP-Country-Lite', 'dbip', 'country', 6, 0, 0],
        ['dbip-asn-lite.mmdb', 'DBIP-ASN-Lite (compat=GeoLite2-ASN)', 'dbip', 'asn', 6, 0, 0],
        ['v4-Country.mmdb', 'GeoLite2-Country', 'maxmind', 'country', 4, 0, 0],
        ['mapped-Country.mmdb', 'Test-Mapped-Country', 'maxmind', 'country', 6, 0, 1]);
    for my $d (@db) {
        my ($file, $type, $layout, $kind, $ipv, $alias, $mapped) = @$d;
        my $t = tree($type, $ipv, alias => $alias);
        fill($t, $layout, $kind, $ipv == 4, $mapped, @n);
        write_tree($t, "$dir/$file");
    }
}

sub bench {
    my ($n, $dir) = @_;
    my $c = tree('Bench-Country', 6, alias => 1);
    my $as = tree('Bench-ASN', 6, alias => 1);
    # a tiling of 1.0.0.0 - 223.255.255.255: the 223 /8s, then a network
    # drawn by a fixed walk (glibc's LCG) split in two until there are N
    my @net = map { [$_ << 24, 8] } 1 .. 223;
    my $x = 12345;
    while (@net < $n) {
        $x = ($x * 1103515245 + 12345) % 2147483648;
        my $i = $x % @net;
        my ($base, $len) = @{ $net[$i] };
        next if $len >= 28;
        $net[$i] = [$base, $len + 1];
        push @net, [$base + (1 << (31 - $len)), $len + 1];
    }
    my $i = 0;
    for my $e (sort { $a->[0] <=> $b->[0] } @net) {
        my $cidr = join('.', unpack 'C4', pack 'N', $e->[0]) . "/$e->[1]";
        $c->insert_network($cidr, place('maxmind', $CC[$i % 24]));
        $as->insert_network($cidr, { autonomous_system_number => 1 + $i, autonomous_system_organization => "Bench AS $i" });
        $i++;
    }
    write_tree($c, "$dir/bench-Country.mmdb");
    write_tree($as, "$dir/bench-ASN.mmdb");
}

binmode STDOUT, ':utf8';
if (@ARGV == 3 && $ARGV[0] eq '--bench' && $ARGV[1] =~ /^\d+$/ && -d $ARGV[2]) {
    bench($ARGV[1], $ARGV[2]);
} elsif (@ARGV == 1 && -d $ARGV[0]) {
    build($ARGV[0]);
} else {
    print STDERR "usage: mkmmdb.pl [--bench N] DIR (an existing directory)\n";
    exit 2;
}
