#include "test.h"
#include "core/addr.h"
#include "core/err.h"
#include "core/wtime.h"
#include "core/event.h"
#include <string.h>
static const char *fmt(const char *in)
{
    static char buf[WW_CIDR_STRLEN];
    struct ww_cidr c;
    if (ww_cidr_parse(in, strlen(in), &c)) return "(error)";
    return ww_cidr_format(&c, buf);
}
static struct ww_cidr N(const char *s)
{
    struct ww_cidr c = {0};
    if (ww_cidr_parse(s, strlen(s), &c)) { fprintf(stderr, "bad test network %s\n", s); exit(1); }
    return c;
}
/* networks: parse (host bits cleared, the mapped form over 128 bits, which
 * part is wrong), format, contains, overlaps */
static void test_cidr(void)
{
    CHECK_STR(fmt("192.0.2.77/24"), "192.0.2.0/24");
    CHECK_STR(fmt("192.0.2.77/32"), "192.0.2.77");
    CHECK_STR(fmt("192.0.2.77"), "192.0.2.77");
    CHECK_STR(fmt("0.0.0.0/0"), "0.0.0.0/0");
    CHECK_STR(fmt("10.1.2.3/008"), "10.0.0.0/8");
    CHECK_STR(fmt("2001:DB8:0:0::1/32"), "2001:db8::/32");
    CHECK_STR(fmt("2001:db8::1:2/127"), "2001:db8::1:2/127");
    CHECK_STR(fmt("2001:db8::ffff/113"), "2001:db8::8000/113");
    CHECK_STR(fmt("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
    /* an IPv4-mapped address is the IPv4 host; its length counts 128 bits */
    CHECK_STR(fmt("::ffff:192.0.2.77"), "192.0.2.77");
    CHECK_STR(fmt("::ffff:192.0.2.77/120"), "192.0.2.0/24");
    CHECK_STR(fmt("::ffff:0:0/96"), "0.0.0.0/0");
    static const char *const bad[] = {"", "/8", "1.2.3.4/", "1.2.3.4/33", "1.2.3.4/8x", "1.2.3.4/-1",
                                      "::1/129", "1.2.3.4/0008", "1.2.3", "1.2.3.4 ", "10.0.0.0/8/8",
                                      "::ffff:1.2.3.4/95", "::ffff:1.2.3.4/129", "1.2.3.4/+8",
                                      "1.2.3.4/ 8", "::/1000"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_STR(fmt(bad[i]), "(error)");
    /* which part is wrong: the address, or the length (the address kept) */
    struct ww_cidr c;
    CHECK_INT(ww_cidr_parse("1.2.3/8", 7, &c), WW_ERR_PARSE);
    CHECK_INT(ww_cidr_parse("/8", 2, &c), WW_ERR_PARSE);
    CHECK_INT(ww_cidr_parse("1.2.3.4/33", 10, &c), WW_ERR_LIMIT);
    CHECK_INT(c.addr.family, 4);
    CHECK_INT(ww_cidr_parse("1.2.3.4/x", 9, &c), WW_ERR_LIMIT);
    CHECK_INT(ww_cidr_parse("2001:db8::/", 11, &c), WW_ERR_LIMIT);
    CHECK_INT(c.addr.family, 6);
    /* the length bounds the read: "10.0.0.1/24" read as its first 8 bytes */
    CHECK_INT(ww_cidr_parse("10.0.0.1/24", 8, &c), WW_OK);
    CHECK_INT(c.len, 32);
    struct ww_cidr n = N("198.51.100.0/25");
    struct ww_addr a;
    ww_addr_parse("198.51.100.127", 14, &a);
    CHECK(ww_cidr_contains(&n, &a));
    ww_addr_parse("198.51.100.128", 14, &a);
    CHECK(!ww_cidr_contains(&n, &a));
    ww_addr_parse("::ffff:198.51.100.1", 19, &a);
    CHECK(ww_cidr_contains(&n, &a));
    ww_addr_parse("198.51.100.128", 14, &a);
    n = N("::/0");
    CHECK(!ww_cidr_contains(&n, &a)); /* families never mix */
    n = N("0.0.0.0/0");
    CHECK(ww_cidr_contains(&n, &a));
    /* overlaps: nested either way, disjoint, other family */
    struct ww_cidr x = N("10.0.0.0/8"), y = N("10.20.0.0/16"), z = N("11.0.0.0/8"), w = N("::/0");
    CHECK(ww_cidr_overlaps(&x, &y) && ww_cidr_overlaps(&y, &x) && ww_cidr_overlaps(&x, &x));
    CHECK(!ww_cidr_overlaps(&x, &z) && !ww_cidr_overlaps(&y, &z));
    CHECK(!ww_cidr_overlaps(&x, &w) && !ww_cidr_overlaps(&w, &x));
    x = N("2001:db8::/32"), y = N("2001:db8:0:1::5");
    CHECK(ww_cidr_overlaps(&x, &y) && ww_cidr_overlaps(&w, &y));
}
static const char *rt(const char *in) { static char b[64]; struct ww_addr a; if (ww_addr_parse(in, strlen(in), &a)) return "ERR"; return ww_addr_format(&a, b); }
static int mapped_is_v4(void)
{
    struct ww_addr m, p;
    ww_addr_parse("::ffff:1.2.3.4", 14, &m);
    ww_addr_parse("1.2.3.4", 7, &p);
    return m.family == 4 && ww_addr_eq(&m, &p) && ww_addr_hash(&m) == ww_addr_hash(&p);
}
TEST_MAIN({
  test_cidr();
  CHECK_STR(rt("192.168.10.55"), "192.168.10.55");
  CHECK_STR(rt("2012:1234:1234:0000:0000:0000:0000:0001"), "2012:1234:1234::1");
  CHECK_STR(rt("2001:0db8:0000:f101:0000:0000:0000:0002"), "2001:db8:0:f101::2");
  CHECK_STR(rt("fe80:0000:0000:0000:0213:46ff:fe3a:4136"), "fe80::213:46ff:fe3a:4136");
  CHECK_STR(rt("::1"), "::1");
  CHECK_STR(rt("::"), "::");
  CHECK_STR(rt("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  CHECK_STR(rt("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  CHECK_STR(rt("2001:DB8::"), "2001:db8::");
  CHECK_STR(rt("::ffff:1.2.3.4"), "1.2.3.4");   /* the IPv4 host: one identity */
  CHECK_STR(rt("0:0:0:0:0:FFFF:0102:0304"), "1.2.3.4");
  CHECK(mapped_is_v4());
  CHECK_STR(rt("1:2:3:4:5:6:7::"), "1:2:3:4:5:6:7:0");
  CHECK_STR(rt("999.1.1.1"), "ERR");
  CHECK_STR(rt("1.2.3"), "ERR");
  CHECK_STR(rt("01.2.3.4"), "ERR");
  CHECK_STR(rt("1::2::3"), "ERR");
  CHECK_STR(rt("1:2:3:4:5:6:7:8:9"), "ERR");
  CHECK_STR(rt(":1"), "ERR");
  CHECK_STR(rt("1:"), "ERR");
  CHECK_STR(rt("12345::"), "ERR");
  CHECK_STR(rt("00001::"), "ERR");
  CHECK_STR(rt("1.2.3.0255"), "ERR");
  CHECK_STR(rt("1.2.3.256"), "ERR");
  CHECK_STR(rt("1.2.3.00"), "ERR");
  CHECK_STR(rt("0.0.0.0"), "0.0.0.0");
  CHECK_STR(rt("255.255.255.255"), "255.255.255.255");
  CHECK_STR(rt("::ffff:255.1.0.9"), "255.1.0.9");
  CHECK_STR(rt("::ffff:1.2.3.04"), "ERR");
  CHECK_STR(rt("aBcD:Ef01::0"), "abcd:ef01::");
  CHECK_STR(rt("1:2:3:4:5:6:7:g"), "ERR");
  struct ww_addr a; ww_addr_parse("127.0.0.2", 9, &a); CHECK(ww_addr_is_loopback(&a));
  ww_addr_parse("0.0.0.0", 7, &a); CHECK(ww_addr_is_unspecified(&a)); CHECK(!ww_addr_is_loopback(&a));
  ww_addr_parse("::1", 3, &a); CHECK(ww_addr_is_loopback(&a));
  ww_addr_parse("224.0.0.251", 11, &a); CHECK(ww_addr_is_multicast(&a));
  ww_addr_parse("ff02::fb", 8, &a); CHECK(ww_addr_is_multicast(&a));
  char b[64]; int64_t t;
  CHECK_INT(ww_parse_rfc3339("2015-03-07T05:09:30.045015+02:00 x", 34, &t), 32);
  CHECK_STR(ww_time_format(t, b, sizeof b), "2015-03-07T03:09:30Z");
  CHECK_INT(t % 1000000, 45015);
  CHECK_INT(ww_parse_rfc3339("2026-11-26T23:48:01+0000", 24, &t), 24);
  CHECK_STR(ww_time_format(t, b, sizeof b), "2026-11-26T23:48:01Z");
  CHECK_INT(ww_parse_rfc3339("2026-02-30T23:48:01Z", 20, &t), 0);
  CHECK_INT(ww_time_from_utc(2006, 8, 1, 0, 0, 0), 1154390400);
  CHECK_STR(ww_time_format(0, b, sizeof b), "1970-01-01T00:00:00Z");
  CHECK_STR(ww_time_format(951782400LL * 1000000, b, sizeof b), "2000-02-29T00:00:00Z");
  int64_t dus = 0;
  CHECK_INT(ww_parse_duration("10d", &dus), WW_OK); CHECK_INT(dus, 864000000000LL);
  CHECK_INT(ww_parse_duration("90s", &dus), WW_OK); CHECK_INT(dus, 90000000LL);
  CHECK_INT(ww_parse_duration("1x", &dus), WW_ERR_PARSE);
  CHECK_INT(ww_month_from_abbr("Dec"), 12);
  CHECK_INT(ww_proto_from_name("TCP", 3), 6);
  CHECK_INT(ww_proto_from_name("ICMPv6", 6), 58);
  CHECK_INT(ww_proto_from_name("256", 3), -1);
  CHECK_STR(ww_tcpflags_format(WW_TH_FIN|WW_TH_PSH|WW_TH_URG, ',', b, sizeof b), "URG,PSH,FIN");
  struct ww_event ev = {0}; ev.proto = 6; ev.tcpflags = WW_TH_FIN|WW_TH_PSH|WW_TH_URG;
  CHECK_STR(ww_probe_name(ww_event_probe(&ev)), "XMAS");
  /* calendar dates, both ways */
  int64_t day = -1;
  CHECK_INT(ww_parse_date("2006-08-04", 10, &day), 0);
  CHECK_INT(day, ww_days_from_civil(2006, 8, 4));
  CHECK_STR(ww_date_format(day, b, sizeof b), "2006-08-04");
  CHECK_INT(ww_parse_date("2024-02-29", 10, &day), 0);
  CHECK_INT(ww_parse_date("2026-02-29", 10, &day), WW_ERR_PARSE);
  CHECK_INT(ww_parse_date("2026-13-01", 10, &day), WW_ERR_PARSE);
  CHECK_INT(ww_parse_date("1969-12-31", 10, &day), WW_ERR_PARSE);
  CHECK_INT(ww_parse_date("2026-1-01x", 10, &day), WW_ERR_PARSE);
  CHECK_INT(ww_parse_date("2006-08-04T", 11, &day), WW_ERR_PARSE);
  /* ww_addr_mask: host bits past a prefix of the address's own family */
  {
      char mb[64];
      struct ww_addr m;
      ww_addr_parse("192.0.2.255", 11, &m); ww_addr_mask(&m, 20);
      CHECK_STR(ww_addr_format(&m, mb), "192.0.0.0");
      ww_addr_parse("192.0.2.255", 11, &m); ww_addr_mask(&m, 32);
      CHECK_STR(ww_addr_format(&m, mb), "192.0.2.255");
      ww_addr_parse("2001:db8:aa:bb::1", 17, &m); ww_addr_mask(&m, 48);
      CHECK_STR(ww_addr_format(&m, mb), "2001:db8:aa::");
      ww_addr_parse("2001:db8:aa:bb::1", 17, &m); ww_addr_mask(&m, 0);
      CHECK_STR(ww_addr_format(&m, mb), "::");
      ww_addr_parse("2001:db8:aa:bb:ffff:ffff:ffff:ffff", 34, &m); ww_addr_mask(&m, 61);
      CHECK_STR(ww_addr_format(&m, mb), "2001:db8:aa:b8::");
      ww_addr_parse("192.0.2.255", 11, &m); ww_addr_mask(&m, 1);
      CHECK_STR(ww_addr_format(&m, mb), "128.0.0.0");
      /* ww_addr_group: each family its own length; the full length groups nothing */
      struct ww_addr ga;
      struct ww_addr g;
      unsigned len;
      ww_addr_parse("2001:db8:77:1:a:b:c:d", 21, &ga);
      ww_addr_group(&ga, 32, 64, &g, &len);
      CHECK_STR(ww_addr_format(&g, mb), "2001:db8:77:1::");
      CHECK_INT(len, 64);
      ww_addr_group(&ga, 24, 128, &g, &len);
      CHECK(ww_addr_eq(&g, &ga));
      CHECK_INT(len, 128);
      ww_addr_parse("198.51.100.77", 13, &ga);
      ww_addr_group(&ga, 32, 64, &g, &len);
      CHECK(ww_addr_eq(&g, &ga));
      CHECK_INT(len, 32);
      ww_addr_group(&ga, 24, 64, &g, &len);
      CHECK_STR(ww_addr_format(&g, mb), "198.51.100.0");
      CHECK_INT(g.family, 4);
  }
})
