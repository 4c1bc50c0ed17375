/* block.c -- lib/respond/block.c without touching the kernel: port lists,
 * the exact script for a small input, the safeguards (loopback, unspecified,
 * this host's addresses, --allow) and the sensor's rate limit. (Networks
 * are core/addr.h's, tested in tests/unit/core/addr.c.)
 * The sensor's ww_block_add is also run for real, in a network namespace of
 * its own (a forked child, unshare(CLONE_NEWNET)); `wormwatch block` itself
 * is tested against the kernel and real traffic in tests/e2e/block.sh. */
#define _GNU_SOURCE /* unshare(2) */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "respond/block.h"
#include "core/err.h"
#include "core/mem.h"
#include "test.h"

static struct ww_cidr N(const char *s)
{
    struct ww_cidr c = {0};
    if (ww_cidr_parse(s, strlen(s), &c)) { fprintf(stderr, "bad test network %s\n", s); exit(1); }
    return c;
}

static char notes[1024];
static void note(void *ctx, const struct ww_cidr *c, const char *why)
{
    char t[WW_CIDR_STRLEN];
    (*(int *)ctx)++;
    snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "%s: %s\n", ww_cidr_format(c, t), why);
}

static void test_ports(void)
{
    struct ww_portrange p[4];
    size_t n;
    CHECK_INT(ww_block_parse_ports("137-139,445", p, 4, &n), 0);
    CHECK_INT(n, 2);
    CHECK_INT(p[0].lo, 137); CHECK_INT(p[0].hi, 139);
    CHECK_INT(p[1].lo, 445); CHECK_INT(p[1].hi, 445);
    CHECK_INT(ww_block_parse_ports("65535", p, 4, &n), 0);
    CHECK_INT(p[0].hi, 65535);
    CHECK_INT(ww_block_parse_ports("0080-00443", p, 4, &n), 0);
    CHECK_INT(p[0].lo, 80); CHECK_INT(p[0].hi, 443);
    static const char *const bad[] = {"", "0", "65536", "99999999999", "139-137", "445,", ",445",
                                      "a", "1-2-3", "1,,2", " 445", "-5", "1,2,3,4,5", "5-0",
                                      "1-65536", "1-", "1-x", "+5", "5 ", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_INT(ww_block_parse_ports(bad[i], p, 4, &n), WW_ERR_PARSE);
}

static const char expected[] =
    "# wormwatch block: 2 IPv4 and 2 IPv6 to drop for 90m\n"
    "add table inet wormwatch\n"
    "add set inet wormwatch block4 { type ipv4_addr; flags interval, timeout; }\n"
    "add set inet wormwatch block6 { type ipv6_addr; flags interval, timeout; }\n"
    "add set inet wormwatch allow4 { type ipv4_addr; flags interval; }\n"
    "add set inet wormwatch allow6 { type ipv6_addr; flags interval; }\n"
    "flush set inet wormwatch allow4\n"
    "flush set inet wormwatch allow6\n"
    "add element inet wormwatch allow4 { 203.0.113.0/24 }\n"
    "add element inet wormwatch allow6 { 2001:db8:ffff::/48 }\n"
    "add chain inet wormwatch input { type filter hook input priority filter - 10; policy accept; }\n"
    "add chain inet wormwatch forward { type filter hook forward priority filter - 10; policy accept; }\n"
    "flush chain inet wormwatch input\n"
    "flush chain inet wormwatch forward\n"
    "add rule inet wormwatch input iif \"lo\" accept\n"
    "add rule inet wormwatch input ip saddr @block4 counter drop\n"
    "add rule inet wormwatch input ip6 saddr @block6 counter drop\n"
    "add rule inet wormwatch input ip saddr != @allow4 meta l4proto { tcp, udp } th dport { 137-139, 445 } counter drop\n"
    "add rule inet wormwatch input ip6 saddr != @allow6 meta l4proto { tcp, udp } th dport { 137-139, 445 } counter drop\n"
    "add rule inet wormwatch forward ip saddr @block4 counter drop\n"
    "add rule inet wormwatch forward ip6 saddr @block6 counter drop\n"
    "add rule inet wormwatch forward ip saddr != @allow4 meta l4proto { tcp, udp } th dport { 137-139, 445 } counter drop\n"
    "add rule inet wormwatch forward ip6 saddr != @allow6 meta l4proto { tcp, udp } th dport { 137-139, 445 } counter drop\n"
    "add element inet wormwatch block4 { 198.51.100.0/25 timeout 90m }\n"
    "add element inet wormwatch block4 { 198.51.100.200 timeout 90m }\n"
    "add element inet wormwatch block6 { 2001:db8::1 timeout 90m }\n"
    /* the /40 with the allowed /48 at its top cut off */
    "add element inet wormwatch block6 { 2001:db8:ff00::-2001:db8:fffe:ffff:ffff:ffff:ffff:ffff timeout 90m }\n";

static const char expected_notes[] =
    "203.0.113.9: allowed by --allow (203.0.113.0/24)\n"
    "127.0.0.2: loopback (127.0.0.0/8)\n"
    "::/0: contains loopback (::1)\n"
    "2001:db8:ffff::/48: allowed by --allow, cut out of 2001:db8:ff00::/40\n"
    "0.0.0.0: the unspecified address (0.0.0.0)\n";

/* 1 when this host owns one of the addresses the script is meant to block. */
static int host_owns_test_addresses(struct ww_block *b, const struct ww_cidr *v, size_t n)
{
    char why[160];
    for (size_t i = 0; i < n; i++)
        if (ww_block_check(b, &v[i], why, sizeof why) && strstr(why, "this host")) return 1;
    return 0;
}

static int test_script(void)
{
    struct ww_cidr allow[] = {N("203.0.113.0/24"), N("2001:db8:ffff::/48"), N("203.0.113.128/25")};
    struct ww_portrange ports[] = {{137, 139}, {445, 445}};
    struct ww_block_opts o = {.ttl_us = 90 * 60 * INT64_C(1000000), .allow = allow, .nallow = 3,
                              .ports = ports, .nports = 2, .dry_run = 1};
    char err[256];
    struct ww_block *b = ww_block_open(&o, err, sizeof err);
    CHECK(b != NULL);
    if (!b) return 0;
    struct ww_cidr nets[] = {
        N("2001:db8::1"), N("198.51.100.7"), N("198.51.100.200"), N("203.0.113.9"),
        N("198.51.100.0/25"), N("127.0.0.2"), N("::/0"), N("198.51.100.7"),
        N("2001:db8:ffff::/40"), N("0.0.0.0"), N("198.51.100.9"),
    };
    if (host_owns_test_addresses(b, nets, sizeof nets / sizeof *nets)) {
        ww_block_close(b);
        return 1;
    }
    int count = 0;
    char *s = ww_block_script(b, nets, sizeof nets / sizeof *nets, note, &count);
    CHECK_STR(s, expected);
    CHECK_STR(notes, expected_notes);
    CHECK_INT(count, 5);
    ww_free(s);
    /* the original order of the input does not matter */
    struct ww_cidr rev[sizeof nets / sizeof *nets];
    for (size_t i = 0; i < sizeof nets / sizeof *nets; i++) rev[i] = nets[sizeof nets / sizeof *nets - 1 - i];
    s = ww_block_script(b, rev, sizeof rev / sizeof *rev, NULL, NULL);
    CHECK_STR(s, expected);
    ww_free(s);
    /* a dry-run handle refuses to touch the kernel */
    size_t added = 99;
    CHECK_INT(ww_block_apply(b, nets, 1, &added, NULL, NULL, err, sizeof err), WW_ERR_ARG);
    CHECK_INT(ww_block_remove(b, err, sizeof err), WW_ERR_ARG);
    ww_block_close(b);
    /* no ports, no allow: no port rules, default TTL 1d */
    struct ww_block_opts o2 = {.dry_run = 1};
    b = ww_block_open(&o2, err, sizeof err);
    s = ww_block_script(b, NULL, 0, NULL, NULL);
    CHECK(strstr(s, "# wormwatch block: 0 IPv4 and 0 IPv6 to drop for 1d\n") == s);
    CHECK(!strstr(s, "dport"));
    CHECK(!strstr(s, "add element"));
    ww_free(s);
    ww_block_close(b);
    /* bad options */
    struct ww_block_opts o3 = {.ttl_us = 1500000, .dry_run = 1};
    CHECK(ww_block_open(&o3, err, sizeof err) == NULL);
    o3.ttl_us = 366 * 86400 * INT64_C(1000000);
    CHECK(ww_block_open(&o3, err, sizeof err) == NULL);
    return 0;
}

/* A non-loopback address of this host, or -1 if it has none. */
static int own_address(struct ww_cidr *out, char *ifname, size_t n)
{
    struct ifaddrs *ifa, *i;
    int rc = -1;
    if (getifaddrs(&ifa)) return -1;
    for (i = ifa; i && rc; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        ww_addr_from_v4(&out->addr, (const uint8_t *)&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr);
        out->len = 32;
        if (ww_addr_is_loopback(&out->addr)) continue;
        snprintf(ifname, n, "%s", i->ifa_name);
        rc = 0;
    }
    freeifaddrs(ifa);
    return rc;
}

static int test_safeguards(void)
{
    struct ww_cidr allow[] = {N("198.51.100.0/24")};
    struct ww_block_opts o = {.allow = allow, .nallow = 1, .dry_run = 1};
    char err[256], why[160];
    struct ww_block *b = ww_block_open(&o, err, sizeof err);
    static const struct { const char *net, *why; } cases[] = {
        {"127.0.0.1", "loopback (127.0.0.0/8)"},
        {"127.255.0.0/16", "loopback (127.0.0.0/8)"},
        {"96.0.0.0/3", "contains loopback (127.0.0.0/8)"},
        {"::1", "loopback (::1)"},
        {"0.0.0.0", "the unspecified address (0.0.0.0)"},
        {"::", "the unspecified address (::)"},
        {"198.51.100.4", "allowed by --allow (198.51.100.0/24)"},
        {"198.51.100.0/24", "allowed by --allow (198.51.100.0/24)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct ww_cidr c = N(cases[i].net);
        why[0] = 0;
        CHECK_INT(ww_block_check(b, &c, why, sizeof why), 1);
        CHECK_STR(why, cases[i].why);
    }
    struct ww_cidr c = N("198.51.101.0/24");
    CHECK_INT(ww_block_check(b, &c, why, sizeof why), 0);
    c = N("198.51.0.0/16"); /* blocked around the allowed /24 */
    CHECK_INT(ww_block_check(b, &c, why, sizeof why), 0);
    c = N("2001:db8::/32");
    CHECK_INT(ww_block_check(b, &c, why, sizeof why), 0);
    /* this host's own address, alone and inside a network */
    char ifname[64], want[160];
    struct ww_cidr own;
    if (own_address(&own, ifname, sizeof ifname)) {
        ww_block_close(b);
        return 1;
    }
    snprintf(want, sizeof want, "an address of this host, on %s (%s)", ifname, ww_cidr_format(&own, why));
    CHECK_INT(ww_block_check(b, &own, why, sizeof why), 1);
    CHECK_STR(why, want);
    own.len = 20;
    CHECK_INT(ww_block_check(b, &own, why, sizeof why), 1);
    CHECK(!strncmp(why, "contains an address of this host", 32));
    /* the sensor's path applies them too, without spending a token */
    struct ww_cidr a = N("127.0.0.1");
    CHECK_INT(ww_block_add(b, &a, 0, why, sizeof why), WW_BLOCK_SPARED);
    CHECK_STR(why, "not blocking 127.0.0.1: loopback (127.0.0.0/8)");
    ww_block_close(b);
    return 0;
}

#define A N /* a host: the sensor blocks addresses and prefixes alike */

static void test_rate(void)
{
    const int64_t S = 1000000;
    struct ww_block_opts o = {.ttl_us = 60 * S, .rate = 6, .burst = 3, .dry_run = 1};
    char err[256], why[160];
    struct ww_block *b = ww_block_open(&o, err, sizeof err);
    struct ww_cidr x1 = A("198.51.100.1"), x2 = A("198.51.100.2"), x3 = A("2001:db8::3"),
                   x4 = A("198.51.100.4"), x5 = A("198.51.100.5"), lo = A("::1");
    int64_t t = 1000 * S;
    CHECK_INT(ww_block_add(b, &x1, t, why, sizeof why), WW_BLOCK_ADDED);
    CHECK_STR(why, "blocked 198.51.100.1 for 1m");
    CHECK_INT(ww_block_add(b, &x2, t, why, sizeof why), WW_BLOCK_ADDED);
    CHECK_INT(ww_block_add(b, &lo, t, why, sizeof why), WW_BLOCK_SPARED);
    CHECK_INT(ww_block_add(b, &x3, t, why, sizeof why), WW_BLOCK_ADDED); /* burst of 3 */
    CHECK_INT(ww_block_add(b, &x1, t, why, sizeof why), WW_BLOCK_KNOWN);
    CHECK_STR(why, "198.51.100.1 is blocked already");
    CHECK_INT(ww_block_add(b, &x4, t, why, sizeof why), WW_BLOCK_LIMITED);
    CHECK_STR(why, "not blocking 198.51.100.4: over the limit of 6 new blocks a minute");
    /* 6 a minute = one token every 10 s */
    CHECK_INT(ww_block_add(b, &x4, t + 9 * S, why, sizeof why), WW_BLOCK_LIMITED);
    CHECK_INT(ww_block_add(b, &x4, t + 10 * S, why, sizeof why), WW_BLOCK_ADDED);
    CHECK_INT(ww_block_add(b, &x5, t + 10 * S, why, sizeof why), WW_BLOCK_LIMITED);
    CHECK_INT(ww_block_add(b, &x5, t + 20 * S, why, sizeof why), WW_BLOCK_ADDED);
    /* time going backwards earns nothing */
    CHECK_INT(ww_block_add(b, &x5, t, why, sizeof why), WW_BLOCK_KNOWN);
    /* after the TTL the address is new again; a long pause refills only the burst */
    t += 3600 * S;
    CHECK_INT(ww_block_add(b, &x1, t, why, sizeof why), WW_BLOCK_ADDED);
    CHECK_INT(ww_block_add(b, &x2, t, why, sizeof why), WW_BLOCK_ADDED);
    CHECK_INT(ww_block_add(b, &x3, t, why, sizeof why), WW_BLOCK_ADDED);
    CHECK_INT(ww_block_add(b, &x4, t, why, sizeof why), WW_BLOCK_LIMITED);
    CHECK_INT(ww_block_add(b, &x2, t + 59 * S, why, sizeof why), WW_BLOCK_KNOWN);
    ww_block_close(b);
    /* defaults: 10 a minute, burst 10 */
    struct ww_block_opts d = {.dry_run = 1};
    b = ww_block_open(&d, err, sizeof err);
    int added = 0;
    for (int i = 0; i < 20; i++) {
        struct ww_cidr a = A("198.51.100.0");
        a.addr.b[15] = (uint8_t)(10 + i);
        added += ww_block_add(b, &a, 5 * S, why, sizeof why) == WW_BLOCK_ADDED;
    }
    CHECK_INT(added, 10);
    ww_block_close(b);
}

/* A prefix that allowed networks cover together (a /64 as two /65s) is
 * spared like one inside a single allowed network: not remembered, no
 * token spent. */
static void test_covered(void)
{
    struct ww_cidr allow[] = {N("2001:db8:99::/65"), N("2001:db8:99:0:8000::/65")};
    struct ww_block_opts o = {.allow = allow, .nallow = 2, .rate = 1, .burst = 1, .dry_run = 1};
    char err[256], why[160];
    struct ww_block *b = ww_block_open(&o, err, sizeof err);
    struct ww_cidr c = N("2001:db8:99::/64"), x = A("198.51.100.1");
    for (int i = 0; i < 2; i++) {
        CHECK_INT(ww_block_add(b, &c, 0, why, sizeof why), WW_BLOCK_SPARED);
        CHECK_STR(why, "not blocking 2001:db8:99::/64: covered by --allow "
                       "(2001:db8:99::/65, 2001:db8:99:0:8000::/65)");
    }
    CHECK_INT(ww_block_add(b, &x, 0, why, sizeof why), WW_BLOCK_ADDED);
    ww_block_close(b);
}

/* ---- prefixes: the detector's groups, cut around --allow, never widened ---- */

static const char prefix_elements[] =
    "add element inet wormwatch block4 { 100.64.0.0-100.64.0.9 timeout 1h }\n"
    "add element inet wormwatch block4 { 100.64.0.11-100.64.0.19 timeout 1h }\n"
    "add element inet wormwatch block4 { 100.64.0.22-100.64.0.255 timeout 1h }\n"
    "add element inet wormwatch block4 { 198.51.0.0-198.51.99.255 timeout 1h }\n"
    "add element inet wormwatch block4 { 198.51.101.0-198.51.255.255 timeout 1h }\n"
    "add element inet wormwatch block4 { 203.0.113.7 timeout 1h }\n"
    "add element inet wormwatch block4 { 203.0.113.64/26 timeout 1h }\n"
    "add element inet wormwatch block6 { 2001:db8:77:1::-2001:db8:77:1::4 timeout 1h }\n"
    "add element inet wormwatch block6 { 2001:db8:77:1::6-2001:db8:77:1:ffff:ffff:ffff:ffff timeout 1h }\n"
    "add element inet wormwatch block6 { 2001:db8:77:2::9 timeout 1h }\n"
    "add element inet wormwatch block6 { 2001:db8:78::/64 timeout 1h }\n";

static const char prefix_notes[] =
    "2001:db8:77:1::5: allowed by --allow, cut out of 2001:db8:77:1::/64\n"
    "100.64.0.10: allowed by --allow, cut out of 100.64.0.0/24\n"
    "100.64.0.20/31: allowed by --allow, cut out of 100.64.0.0/24\n"
    "198.51.100.128/25: allowed by --allow (198.51.100.0/24)\n"
    "198.51.100.0/24: allowed by --allow, cut out of 198.51.0.0/16\n";

static int test_prefixes(void)
{
    struct ww_cidr allow[] = {N("2001:db8:77:1::5"), N("100.64.0.20/31"), N("198.51.100.0/24"),
                              N("100.64.0.10")};
    struct ww_block_opts o = {.ttl_us = 3600 * INT64_C(1000000), .allow = allow, .nallow = 4, .dry_run = 1};
    char err[256];
    struct ww_block *b = ww_block_open(&o, err, sizeof err);
    struct ww_cidr nets[] = {
        N("2001:db8:77:1::/64"),  /* a rotating IPv6 scanner, one allowed address inside */
        N("100.64.0.0/24"),       /* an IPv4 group, three allowed inside */
        N("198.51.100.128/25"),   /* inside an allowed network: nothing */
        N("198.51.0.0/16"),       /* around an allowed /24 */
        N("2001:db8:77:2::9"),    /* plain addresses stay /128 and /32 */
        N("203.0.113.7"),
        N("2001:db8:77:1::7"),    /* inside the /64: no element of its own */
        N("203.0.113.70"), N("203.0.113.64/26"), N("203.0.113.64/26"), /* nested, twice */
        N("2001:db8:78::/64"),    /* a /64 with no allowed address: one element, not wider */
    };
    size_t nn = sizeof nets / sizeof *nets;
    if (host_owns_test_addresses(b, nets, nn)) {
        ww_block_close(b);
        return 1;
    }
    int count = 0;
    notes[0] = 0;
    char *s = ww_block_script(b, nets, nn, note, &count);
    const char *el = s ? strstr(s, "add element inet wormwatch block") : NULL;
    CHECK_STR(el, prefix_elements);
    CHECK(s && strstr(s, "# wormwatch block: 7 IPv4 and 4 IPv6 to drop for 1h\n") == s);
    CHECK_STR(notes, prefix_notes);
    CHECK_INT(count, 5);
    ww_free(s);
    ww_block_close(b);
    return 0;
}

/* An element's text as the script writes it ("a", "a/len", "a-b"), as IPv4
 * numbers; 0 if it is not one. */
static int elem_range(const char *t, size_t n, uint32_t *lo, uint32_t *hi)
{
    const char *dash = memchr(t, '-', n);
    struct ww_cidr a, z;
    if (ww_cidr_parse(t, dash ? (size_t)(dash - t) : n, &a) || a.addr.family != 4) return 0;
    *lo = (uint32_t)a.addr.b[12] << 24 | (uint32_t)a.addr.b[13] << 16 | (uint32_t)a.addr.b[14] << 8 | a.addr.b[15];
    *hi = *lo | (uint32_t)(UINT64_C(0xffffffff) >> a.len);
    if (!dash) return 1;
    if (ww_cidr_parse(dash + 1, n - (size_t)(dash + 1 - t), &z) || z.len != 32 || a.len != 32) return 0;
    *hi = (uint32_t)z.addr.b[12] << 24 | (uint32_t)z.addr.b[13] << 16 | (uint32_t)z.addr.b[14] << 8 | z.addr.b[15];
    return *lo <= *hi;
}

static struct ww_cidr v4net(uint32_t a, unsigned len)
{
    uint8_t q[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    struct ww_cidr c;
    ww_addr_from_v4(&c.addr, q);
    c.len = (uint8_t)len;
    ww_addr_mask(&c.addr, len);
    return c;
}

static void v4range(const struct ww_cidr *c, uint32_t *lo, uint32_t *hi)
{
    const uint8_t *q = c->addr.b + 12;
    *lo = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    *hi = *lo | (uint32_t)(UINT64_C(0xffffffff) >> c->len);
}

/* Random networks and allow lists inside 198.18.0.0/16: every element the
 * script holds lies inside one network given (never wider) and outside every
 * allowed one; elements are sorted and disjoint; every address of a network
 * given that no allowed network holds is in an element (the whole prefix
 * blocked, not less). */
static int test_prefix_property(void)
{
    const uint32_t base = 0xc6120000; /* 198.18.0.0 */
    test_rand_state = 18;
    char err[256];
    for (int trial = 0; trial < 400; trial++) {
        struct ww_cidr nets[6], allow[4];
        size_t nn = 1 + test_rand() % 6, na = test_rand() % 5;
        for (size_t i = 0; i < nn; i++) nets[i] = v4net(base | (uint32_t)(test_rand() & 0xffff), 16 + test_rand() % 17);
        for (size_t i = 0; i < na; i++) allow[i] = v4net(base | (uint32_t)(test_rand() & 0xffff), 20 + test_rand() % 13);
        struct ww_block_opts o = {.allow = allow, .nallow = na, .dry_run = 1};
        struct ww_block *b = ww_block_open(&o, err, sizeof err);
        struct ww_cidr whole = v4net(base, 16);
        if (trial == 0 && host_owns_test_addresses(b, &whole, 1)) {
            ww_block_close(b);
            return 1;
        }
        char *s = ww_block_script(b, nets, nn, NULL, NULL);
        ww_block_close(b);
        uint32_t lo[64], hi[64];
        size_t ne = 0;
        int bad = 0;
        static const char add[] = "add element inet wormwatch block4 { ";
        for (const char *p = s; (p = strstr(p, add)) && ne < 64; p++) {
            p += sizeof add - 1;
            bad |= !elem_range(p, strcspn(p, " "), &lo[ne], &hi[ne]);
            ne++;
        }
        for (size_t e = 0; e < ne; e++) {
            int in_net = 0;
            for (size_t i = 0; i < nn; i++) {
                uint32_t l, h;
                v4range(&nets[i], &l, &h);
                in_net |= l <= lo[e] && hi[e] <= h;
            }
            bad |= !in_net << 1;
            for (size_t i = 0; i < na; i++) {
                uint32_t l, h;
                v4range(&allow[i], &l, &h);
                bad |= (l <= hi[e] && lo[e] <= h) << 2;
            }
            if (e) bad |= (hi[e - 1] >= lo[e]) << 3;
        }
        /* coverage, at every edge and at random points of each network */
        for (size_t i = 0; i < nn; i++) {
            uint32_t l, h, probe[16];
            size_t np = 0;
            v4range(&nets[i], &l, &h);
            probe[np++] = l;
            probe[np++] = h;
            for (size_t k = 0; k < na; k++) {
                uint32_t al, ah;
                v4range(&allow[k], &al, &ah);
                if (l < al && al <= h) probe[np++] = al - 1;
                if (l <= ah && ah < h) probe[np++] = ah + 1;
            }
            while (np < 16) probe[np++] = l + (uint32_t)(test_rand() % ((uint64_t)h - l + 1));
            for (size_t k = 0; k < np; k++) {
                int allowed = 0, covered = 0;
                for (size_t j = 0; j < na; j++) {
                    uint32_t al, ah;
                    v4range(&allow[j], &al, &ah);
                    allowed |= al <= probe[k] && probe[k] <= ah;
                }
                for (size_t e = 0; e < ne; e++) covered |= lo[e] <= probe[k] && probe[k] <= hi[e];
                bad |= (!allowed && !covered) << 4;
            }
        }
        if (bad) fprintf(stderr, "trial %d: problem %#x in\n%s", trial, bad, strstr(s, "add element inet wormwatch block") ?
                         strstr(s, "add element inet wormwatch block") : s);
        CHECK_INT(bad, 0);
        ww_free(s);
        if (bad) break;
    }
    return 0;
}

/* The sensor's path with prefixes, dry run. */
static void test_add_prefix(void)
{
    struct ww_cidr allow[] = {N("100.64.0.20/31"), N("100.64.0.10"), N("2001:db8:99::/48")};
    struct ww_block_opts o = {.ttl_us = 60 * INT64_C(1000000), .allow = allow, .nallow = 3, .dry_run = 1};
    char err[256], why[256];
    struct ww_block *b = ww_block_open(&o, err, sizeof err);
    struct ww_cidr p6 = N("2001:db8:77:1::/64"), h6 = N("2001:db8:77:1::9"), p4 = N("100.64.0.0/24"),
                   in = N("2001:db8:99:1::/64"), odd = N("100.64.0.0/24");
    CHECK_INT(ww_block_add(b, &p6, 0, why, sizeof why), WW_BLOCK_ADDED);
    CHECK_STR(why, "blocked 2001:db8:77:1::/64 for 1m");
    CHECK_INT(ww_block_add(b, &h6, 0, why, sizeof why), WW_BLOCK_KNOWN); /* inside the /64 */
    CHECK_STR(why, "2001:db8:77:1::9 is blocked already");
    CHECK_INT(ww_block_add(b, &p4, 0, why, sizeof why), WW_BLOCK_ADDED);
    CHECK_STR(why, "blocked 100.64.0.0/24 for 1m, but for --allow 100.64.0.10, 100.64.0.20/31");
    CHECK_INT(ww_block_add(b, &in, 0, why, sizeof why), WW_BLOCK_SPARED);
    CHECK_STR(why, "not blocking 2001:db8:99:1::/64: allowed by --allow (2001:db8:99::/48)");
    odd.len = 33;
    CHECK_INT(ww_block_add(b, &odd, 0, why, sizeof why), WW_BLOCK_SPARED);
    CHECK_STR(why, "not an address or network");
    ww_block_close(b);
}

/* `list set inet wormwatch NAME` through libnftables, or "(none)". */
static const char *list_set(struct nft_ctx *nft, const char *name)
{
    static char out[8192];
    char cmd[64];
    snprintf(cmd, sizeof cmd, "list set inet wormwatch %s", name);
    int rc = nft_run_cmd_from_buffer(nft, cmd);
    const char *o = nft_ctx_get_output_buffer(nft);
    nft_ctx_get_error_buffer(nft);
    snprintf(out, sizeof out, "%s", rc || !o ? "(none)" : o);
    return out;
}

static int count(const char *hay, const char *needle)
{
    int k = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) k++;
    return k;
}

/* In a child in a new network namespace: the sensor's path against the kernel. */
static void kernel_child(void)
{
    const int64_t S = 1000000;
    int failed_before = test_failures; /* inherited from the parent */
    struct ww_block_opts o = {.ttl_us = 3600 * S, .rate = 2, .burst = 2};
    char err[512], why[512];
    struct ww_block *b = ww_block_open(&o, err, sizeof err);
    struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
    CHECK(b && nft);
    if (!b || !nft) _exit(1);
    nft_ctx_buffer_output(nft);
    nft_ctx_buffer_error(nft);
    struct ww_cidr x1 = A("198.51.100.1"), x2 = A("2001:db8::2"), x3 = A("198.51.100.3");
    CHECK_STR(list_set(nft, "block4"), "(none)");
    CHECK_INT(ww_block_add(b, &x1, 0, why, sizeof why), WW_BLOCK_ADDED);
    CHECK_STR(why, "blocked 198.51.100.1 for 1h");
    CHECK(strstr(list_set(nft, "block4"), "elements = { 198.51.100.1 timeout 1h expires "));
    CHECK_INT(ww_block_add(b, &x2, 0, why, sizeof why), WW_BLOCK_ADDED);
    CHECK(strstr(list_set(nft, "block6"), "elements = { 2001:db8::2 timeout 1h expires "));
    CHECK_INT(ww_block_add(b, &x1, S, why, sizeof why), WW_BLOCK_KNOWN);
    CHECK_INT(ww_block_add(b, &x3, S, why, sizeof why), WW_BLOCK_LIMITED);
    CHECK(!strstr(list_set(nft, "block4"), "198.51.100.3"));
    /* the table removed under the sensor's feet comes back with the next add */
    CHECK_INT(ww_block_remove(b, err, sizeof err), WW_OK);
    CHECK_STR(list_set(nft, "block4"), "(none)");
    CHECK_INT(ww_block_add(b, &x3, 31 * S, why, sizeof why), WW_BLOCK_ADDED);
    CHECK(strstr(list_set(nft, "block4"), "elements = { 198.51.100.3 timeout 1h expires "));
    CHECK(nft_run_cmd_from_buffer(nft, "list table inet wormwatch") == 0);
    const char *t = nft_ctx_get_output_buffer(nft);
    CHECK_INT(count(t, "ip saddr @block4 counter"), 2); /* input and forward, once each */
    CHECK_INT(count(t, "iif \"lo\" accept"), 1);
    /* a kernel that refuses: a network overlapping an element is an error, reported */
    struct ww_cidr net = N("198.51.100.0/24");
    size_t added = 0;
    CHECK_INT(ww_block_apply(b, &net, 1, &added, NULL, NULL, err, sizeof err), WW_OK);
    CHECK_INT(added, 1);
    CHECK(strstr(list_set(nft, "block4"), "elements = { 198.51.100.0/24 timeout 1h expires "));
    struct ww_cidr x4 = A("198.51.100.4");
    CHECK_INT(ww_block_add(b, &x4, 62 * S, why, sizeof why), WW_BLOCK_FAILED);
    CHECK(!strncmp(why, "blocking 198.51.100.4 failed: nftables: Error: ", 47));
    CHECK_INT(ww_block_remove(b, err, sizeof err), WW_OK);
    ww_block_close(b);

    /* prefixes: an interval set takes the cut /64 as two ranges, with timeouts */
    struct ww_cidr allow[] = {N("2001:db8:77:1::5")};
    struct ww_block_opts po = {.ttl_us = 3600 * S, .allow = allow, .nallow = 1};
    b = ww_block_open(&po, err, sizeof err);
    CHECK(b != NULL);
    if (!b) _exit(1);
    struct ww_cidr h = N("2001:db8:77:1::9"), p64 = N("2001:db8:77:1::/64");
    CHECK_INT(ww_block_add(b, &h, 0, why, sizeof why), WW_BLOCK_ADDED);
    CHECK(strstr(list_set(nft, "block6"), "elements = { 2001:db8:77:1::9 timeout 1h expires "));
    /* the group's prefix replaces the address the sensor blocked before */
    CHECK_INT(ww_block_add(b, &p64, S, why, sizeof why), WW_BLOCK_ADDED);
    CHECK_STR(why, "blocked 2001:db8:77:1::/64 for 1h, but for --allow 2001:db8:77:1::5");
    const char *l6 = list_set(nft, "block6");
    CHECK(strstr(l6, "2001:db8:77:1::-2001:db8:77:1::4 timeout 1h expires "));
    CHECK(strstr(l6, "2001:db8:77:1::6-2001:db8:77:1:ffff:ffff:ffff:ffff timeout 1h expires "));
    CHECK(!strstr(l6, "2001:db8:77:1::9"));
    CHECK_INT(ww_block_add(b, &h, 2 * S, why, sizeof why), WW_BLOCK_KNOWN);
    /* apply again: the ranges listed back (JSON "range") are refreshed, not doubled */
    size_t n2 = 0;
    CHECK_INT(ww_block_apply(b, &p64, 1, &n2, NULL, NULL, err, sizeof err), WW_OK);
    CHECK_INT(n2, 2);
    CHECK_INT(count(list_set(nft, "block6"), "timeout 1h expires"), 2);
    ww_block_close(b);
    /* without the allow, the /64 replaces its cut ranges whole */
    struct ww_block_opts wo = {.ttl_us = 7200 * S};
    b = ww_block_open(&wo, err, sizeof err);
    CHECK_INT(ww_block_apply(b, &p64, 1, &n2, NULL, NULL, err, sizeof err), WW_OK);
    CHECK_INT(n2, 1);
    CHECK(strstr(list_set(nft, "block6"), "elements = { 2001:db8:77:1::/64 timeout 2h expires "));
    ww_block_close(b);
    /* and with the allow again, the whole /64 is taken out for its cut */
    b = ww_block_open(&po, err, sizeof err);
    CHECK_INT(ww_block_apply(b, &p64, 1, &n2, NULL, NULL, err, sizeof err), WW_OK);
    CHECK_INT(n2, 2);
    l6 = list_set(nft, "block6");
    CHECK(!strstr(l6, "2001:db8:77:1::/64"));
    CHECK(strstr(l6, "2001:db8:77:1::6-2001:db8:77:1:ffff:ffff:ffff:ffff timeout 1h expires "));
    CHECK_INT(ww_block_remove(b, err, sizeof err), WW_OK);
    nft_ctx_free(nft);
    ww_block_close(b);
    _exit(test_failures > failed_before);
}

/* 0 ran and passed, 1 could not run (no CAP_SYS_ADMIN), -1 failed. */
static int test_kernel(void)
{
    int fd[2];
    if (pipe(fd)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        char ok = unshare(CLONE_NEWNET) ? 'n' : 'y';
        if (write(fd[1], &ok, 1) != 1 || ok == 'n') _exit(0);
        kernel_child();
    }
    close(fd[1]);
    char ok = 'n';
    if (read(fd[0], &ok, 1) != 1) ok = '?';
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    if (ok == 'n') return 1;
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}

TEST_MAIN({
    test_ports();
    int skip = test_script();
    int skip2 = test_safeguards();
    test_rate();
    test_covered();
    int skip4 = test_prefixes() | test_prefix_property();
    test_add_prefix();
    int skip3 = test_kernel() == 1;
    if (!test_failures && (skip || skip2 || skip3 || skip4)) {
        printf("SKIP: %s\n", skip || skip4 ? "this host owns a documentation address the script test blocks"
                          : skip2 ? "this host has no non-loopback IPv4 address to test against"
                                  : "cannot make a network namespace (not root): ww_block_add not run against the kernel");
        return 77;
    }
})
