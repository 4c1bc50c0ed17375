/* known.c -- the known-scanner table: parsing, its errors with line
 * numbers, longest-prefix lookup (IPv4, IPv6, nested, none), checked against
 * a brute-force search over random prefixes, and the cost of a lookup. */
#include "test.h"
#include "core/addr.h"
#include "core/err.h"
#include "core/wtime.h"
#include "detect/known.h"

#include <time.h>

static struct ww_addr A(const char *s)
{
    struct ww_addr a = {0};
    if (ww_addr_parse(s, strlen(s), &a)) { fprintf(stderr, "bad test address %s\n", s); exit(1); }
    return a;
}

static const char *label(const struct ww_known *k, const char *addr)
{
    struct ww_addr a = A(addr);
    const char *l = ww_known_label(k, &a);
    return l ? l : "(none)";
}

static struct ww_known *parse(const char *text, char *err, size_t errlen)
{
    struct ww_known *k = NULL;
    err[0] = 0;
    enum ww_err rc = ww_known_parse(text, strlen(text), "known.txt", &k, err, errlen);
    CHECK((rc == WW_OK) == (k != NULL));
    return k;
}

static void test_lookup(void)
{
    char err[256];
    struct ww_known *k = parse(
        "# research scanners\n"
        "\n"
        "192.0.2.0/24      Example Research   # https://example.org/scanning\n"
        "  192.0.2.128/25\tExample Research, second half\r\n"
        "192.0.2.200 One host\n"
        "198.51.100.0/22 Wide one\n"
        "2001:db8:5000::/40  Six  \n"
        "2001:db8:5000:1::/64 Six inner\n"
        "::ffff:203.0.113.0/120 Mapped is IPv4\n"
        "2001:db8:ffff::1 Last host\n"
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120 Top of the space\n"
        "10.0.0.0/8 Caf\xc3\xa9 #1\n", err, sizeof err);
    CHECK_STR(err, "");
    if (!k) return;
    CHECK_INT(ww_known_count(k), 10);
    CHECK_STR(label(k, "192.0.2.0"), "Example Research");
    CHECK_STR(label(k, "192.0.2.127"), "Example Research");
    CHECK_STR(label(k, "192.0.2.128"), "Example Research, second half");
    CHECK_STR(label(k, "192.0.2.199"), "Example Research, second half");
    CHECK_STR(label(k, "192.0.2.200"), "One host");
    CHECK_STR(label(k, "192.0.2.201"), "Example Research, second half");
    CHECK_STR(label(k, "192.0.2.255"), "Example Research, second half");
    CHECK_STR(label(k, "192.0.3.0"), "(none)");
    CHECK_STR(label(k, "192.0.1.255"), "(none)");
    CHECK_STR(label(k, "198.51.103.255"), "Wide one");
    CHECK_STR(label(k, "198.51.104.0"), "(none)");
    CHECK_STR(label(k, "203.0.113.9"), "Mapped is IPv4");
    CHECK_STR(label(k, "::ffff:203.0.113.9"), "Mapped is IPv4");
    CHECK_STR(label(k, "10.255.255.255"), "Caf\xc3\xa9"); /* "#1" after a blank: a comment */
    CHECK_STR(label(k, "0.0.0.0"), "(none)");
    CHECK_STR(label(k, "255.255.255.255"), "(none)");
    CHECK_STR(label(k, "2001:db8:5000::1"), "Six");
    CHECK_STR(label(k, "2001:db8:5000:1::77"), "Six inner");
    CHECK_STR(label(k, "2001:db8:5000:2::1"), "Six");
    CHECK_STR(label(k, "2001:db8:50ff:ffff:ffff:ffff:ffff:ffff"), "Six");
    CHECK_STR(label(k, "2001:db8:5100::"), "(none)");
    CHECK_STR(label(k, "2001:db8:ffff::1"), "Last host");
    CHECK_STR(label(k, "2001:db8:ffff::2"), "(none)");
    CHECK_STR(label(k, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "Top of the space");
    CHECK_STR(label(k, "::"), "(none)");
    /* families apart: the IPv4 host 192.0.2.1 is not ::c000:201 */
    CHECK_STR(label(k, "::c000:201"), "(none)");
    struct ww_addr none = {0};
    CHECK(ww_known_label(k, &none) == NULL);
    CHECK(ww_known_label(NULL, &none) == NULL);
    ww_known_free(k);

    /* /0 under everything; an empty file */
    k = parse("0.0.0.0/0 Everyone\n1.2.3.4 One\n::/0 All six", err, sizeof err);
    CHECK_STR(label(k, "9.9.9.9"), "Everyone");
    CHECK_STR(label(k, "1.2.3.4"), "One");
    CHECK_STR(label(k, "1.2.3.5"), "Everyone");
    CHECK_STR(label(k, "2001:db8::1"), "All six");
    ww_known_free(k);
    k = parse("", err, sizeof err);
    CHECK(k && ww_known_count(k) == 0);
    CHECK_STR(label(k, "1.2.3.4"), "(none)");
    ww_known_free(k);
}

static void test_errors(void)
{
    static const struct { const char *text, *err; } cases[] = {
        {"192.0.2.0/24 A\n# c\n\n192.0.2/24 B\n", "known.txt:4: '192.0.2/24' is not an address or a CIDR prefix"},
        {"192.0.2.0/33 A\n", "known.txt:1: '192.0.2.0/33': the prefix length is not 0..32"},
        {"\n2001:db8::/129 A\n", "known.txt:2: '2001:db8::/129': the prefix length is not 0..128"},
        {"1.2.3.4\n", "known.txt:1: no label after '1.2.3.4' (lines are CIDR LABEL)"},
        {"1.2.3.4   # only a comment\n", "known.txt:1: no label after '1.2.3.4' (lines are CIDR LABEL)"},
        {"a\n1.2.3.4 x\n", "known.txt:1: 'a' is not an address or a CIDR prefix"},
        {"1.2.3.4 x\x01y\n", "known.txt:1: a control character in the label (byte 10)"},
        {"1.2.3.4 \xff\xfe\n", "known.txt:1: the label is not UTF-8"},
        {"1.2.3.4 \xc3\n", "known.txt:1: the label is not UTF-8"},
        {"1.2.3.4 \xed\xa0\x80\n", "known.txt:1: the label is not UTF-8"}, /* a surrogate */
        {"10.0.0.0/8 A\n10.9.9.9/8 B\n", "known.txt:2: 10.0.0.0/8 is listed already, on line 1"},
        {"2001:db8::/32 A\n2001:db8::/32 A\n", "known.txt:2: 2001:db8::/32 is listed already, on line 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        struct ww_known *k = (struct ww_known *)1;
        int rc = ww_known_parse(cases[i].text, strlen(cases[i].text), "known.txt", &k, err, sizeof err);
        CHECK_INT(rc, WW_ERR_PARSE);
        CHECK(k == NULL);
        CHECK_STR(err, cases[i].err);
    }
    char label[WW_KNOWN_LABEL_MAX + 32];
    snprintf(label, sizeof label, "1.2.3.4 %0*d\n", WW_KNOWN_LABEL_MAX + 1, 0);
    char err[256];
    struct ww_known *k;
    CHECK_INT(ww_known_parse(label, strlen(label), "f", &k, err, sizeof err), WW_ERR_PARSE);
    CHECK_STR(err, "f:1: the label is longer than 200 bytes");
    snprintf(label, sizeof label, "1.2.3.4 %0*d\n", WW_KNOWN_LABEL_MAX, 0);
    CHECK_INT(ww_known_parse(label, strlen(label), "f", &k, err, sizeof err), WW_OK);
    ww_known_free(k);

    /* a file that is not there */
    CHECK_INT(ww_known_load("/nonexistent/known.txt", &k, err, sizeof err), WW_ERR_IO);
    CHECK_STR(err, "/nonexistent/known.txt: No such file or directory");
    CHECK(k == NULL);
}

/* Random nested prefixes against a brute-force longest match. */
static void test_random(void)
{
    enum { N = 3000 };
    static struct ww_cidr nets[N];
    static char text[N * 64];
    size_t off = 0;
    test_rand_state = 14;
    for (int i = 0; i < N; i++) {
        uint64_t r = test_rand();
        struct ww_cidr *c = &nets[i];
        if (r & 1) { /* IPv4 in 10/8 (so prefixes nest), lengths 8..32 */
            uint8_t v4[4] = {10, (uint8_t)(r >> 8), (uint8_t)(r >> 16), (uint8_t)(r >> 24)};
            ww_addr_from_v4(&c->addr, v4);
            c->len = (uint8_t)(8 + (r >> 32) % 25);
        } else { /* IPv6 in 2001:db8::/32, lengths 32..128 */
            uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
            for (int b = 4; b < 16; b++) v6[b] = (uint8_t)(test_rand() >> 8);
            ww_addr_from_v6(&c->addr, v6);
            c->len = (uint8_t)(32 + (r >> 32) % 97);
        }
        ww_addr_mask(&c->addr, c->len);
        int dup = 0;
        for (int j = 0; j < i && !dup; j++)
            dup = nets[j].len == c->len && ww_addr_eq(&nets[j].addr, &c->addr);
        if (dup) { c->len = 0; continue; } /* skipped below */
        char b[WW_CIDR_STRLEN];
        off += (size_t)snprintf(text + off, sizeof text - off, "%s/%u net %d\n",
                                ww_addr_format(&c->addr, b), c->len, i);
    }
    char err[256];
    struct ww_known *k = parse(text, err, sizeof err);
    CHECK_STR(err, "");
    if (!k) return;
    int wrong = 0;
    for (int t = 0; t < 20000; t++) {
        struct ww_addr a = nets[test_rand() % N].addr; /* near a listed prefix */
        uint64_t r = test_rand();
        a.b[15] ^= (uint8_t)r, a.b[14] ^= (uint8_t)(r >> 8);
        if (r >> 63) a.b[13] ^= (uint8_t)(r >> 16);
        int best = -1;
        for (int i = 0; i < N; i++)
            if (nets[i].len && ww_cidr_contains(&nets[i], &a) &&
                (best < 0 || nets[i].len > nets[best].len))
                best = i;
        char want[32] = "(none)";
        if (best >= 0) snprintf(want, sizeof want, "net %d", best);
        const char *got = ww_known_label(k, &a);
        if (strcmp(got ? got : "(none)", want) && wrong++ < 5) {
            char b[WW_ADDR_STRLEN];
            fprintf(stderr, "%s: got %s, want %s\n", ww_addr_format(&a, b), got ? got : "(none)", want);
        }
    }
    CHECK_INT(wrong, 0);
    ww_known_free(k);
}

/* The cost of a lookup on 10,000 prefixes (analyze and the collector ask
 * once per event). Printed, and held to a loose ceiling a sanitizer build
 * on a busy machine still meets. */
static void test_speed(void)
{
    static char text[10000 * 40];
    size_t off = 0;
    for (int i = 0; i < 10000; i++)
        off += (size_t)snprintf(text + off, sizeof text - off, "%d.%d.%d.0/24 s%d\n",
                                11 + i / 65536 % 200, i / 256 % 256, i % 256, i);
    char err[256];
    struct ww_known *k = parse(text, err, sizeof err);
    if (!k) return;
    enum { LOOKUPS = 2000000 };
    struct ww_addr a = A("11.0.0.1");
    size_t hits = 0;
    int64_t t0 = ww_mono_us();
    for (int i = 0; i < LOOKUPS; i++) {
        uint32_t r = (uint32_t)test_rand();
        a.b[13] = (uint8_t)((r >> 8) % 48), a.b[14] = (uint8_t)(r >> 16); /* 40 of 48 listed */
        hits += ww_known_label(k, &a) != NULL;
    }
    double ns = (double)(ww_mono_us() - t0) * 1000.0 / LOOKUPS;
    printf("known: %.1f ns per lookup over 10,000 prefixes (%zu of %d hit)\n", ns, hits, LOOKUPS);
    CHECK(hits > LOOKUPS / 10);
    CHECK(ns < 2000);
    ww_known_free(k);
}

/* The example file shipped in contrib/ parses (run from the project root,
 * as tests/run.sh does). */
static void test_contrib(void)
{
    struct ww_known *k;
    char err[512];
    if (access("contrib/known-scanners.txt", R_OK)) {
        test_skipped = "contrib/known-scanners.txt not found (run from the project root)";
        return;
    }
    CHECK_INT(ww_known_load("contrib/known-scanners.txt", &k, err, sizeof err), WW_OK);
    if (!k) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK(ww_known_count(k) >= 10);
    CHECK_STR(label(k, "162.142.125.7"), "Censys");
    CHECK_STR(label(k, "2a00:8a60:1014:88::1"), "RWTH Aachen research scan");
    ww_known_free(k);
}

TEST_MAIN(test_lookup(); test_errors(); test_random(); test_speed(); test_contrib())
