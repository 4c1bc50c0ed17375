/* notify.c -- lib/serve/notify.c's pieces: the POST signature (HMAC-SHA256,
 * RFC 4231's test vectors), RFC 5424 messages (every header field, the
 * characters a field may not hold, the sequence id's range, a buffer too
 * small), the one-line summaries a mail's Subject is made of, and which
 * --notify URLs are taken. Delivery itself is tests/e2e/notify.sh. */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "core/err.h"
#include "serve/notify.h"

static void sign(void)
{
    char hex[65];
    /* RFC 4231 4.3, test case 2 */
    ww_notify_sign("Jefe", 4, "what do ya want for nothing?", 28, hex);
    CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* RFC 4231 4.2, test case 1: a 20-byte key of 0x0b */
    unsigned char key[20];
    memset(key, 0x0b, sizeof key);
    ww_notify_sign(key, sizeof key, "Hi There", 8, hex);
    CHECK_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* RFC 4231 4.7, test case 6: a key longer than the block (131 bytes of 0xaa) */
    unsigned char big[131];
    memset(big, 0xaa, sizeof big);
    const char *data = "Test Using Larger Than Block-Size Key - Hash Key First";
    ww_notify_sign(big, sizeof big, data, strlen(data), hex);
    CHECK_STR(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void syslog5424(void)
{
    char buf[512];
    /* 2006-08-02T16:12:00.000123Z */
    int64_t ts = 1154535120000123LL;
    size_t n = ww_notify_syslog(buf, sizeof buf, 3 * 8 + 4, ts, "collector.example.org",
                                "wormwatch", 4242, "surge", 17,
                                "surge on 139/tcp since 2006-08-02T16:00:00Z");
    CHECK_STR(buf, "<28>1 2006-08-02T16:12:00.000123Z collector.example.org wormwatch 4242 surge"
                   " [meta sequenceId=\"17\"] surge on 139/tcp since 2006-08-02T16:00:00Z");
    CHECK_INT(n, strlen(buf));
    /* fields: a space or a non-ASCII byte is '_', an empty one NILVALUE, a
     * long MSGID cut at 32; a sequence id out of 1..2^31-1 gives no SD */
    ww_notify_syslog(buf, sizeof buf, 29, 0, "my host", "", 1, "sensor_back\xc3\xa9", 0, "m");
    CHECK_STR(buf, "<29>1 1970-01-01T00:00:00.000000Z my_host - 1 sensor_back__ - m");
    ww_notify_syslog(buf, sizeof buf, 28, 0, NULL, "wormwatch", 1,
                     "0123456789012345678901234567890123456789", 2147483648LL, "m");
    CHECK_STR(buf, "<28>1 1970-01-01T00:00:00.000000Z - wormwatch 1 01234567890123456789012345678901 - m");
    /* a buffer too small: 0, never a cut message */
    CHECK_INT(ww_notify_syslog(buf, 20, 28, ts, "h", "a", 1, "m", 1, "text"), 0);
}

static void summary(void)
{
    char s[256];
    json_t *b = json_pack("{s:i,s:s,s:s,s:s}", "port", 139, "proto", "tcp",
                          "start", "2006-08-02T16:00:00Z", "explanation", "x");
    ww_notify_summary("surge", b, s, sizeof s);
    CHECK_STR(s, "surge on 139/tcp since 2006-08-02T16:00:00Z");
    json_decref(b);
    b = json_pack("{s:i,s:i,s:s}", "port", 0, "proto", 47, "start", "2006-08-02T16:00:00Z");
    ww_notify_summary("surge", b, s, sizeof s);
    CHECK_STR(s, "surge on 0/47 since 2006-08-02T16:00:00Z");
    json_decref(b);
    /* its kind, and a source port's surge (issue 14) */
    b = json_pack("{s:i,s:s,s:s,s:s,s:s}", "port", 139, "proto", "tcp", "start", "2006-08-02T16:00:00Z",
                  "surge_kind", "spreading", "side", "destination");
    ww_notify_summary("surge", b, s, sizeof s);
    CHECK_STR(s, "surge on 139/tcp since 2006-08-02T16:00:00Z (spreading)");
    json_decref(b);
    b = json_pack("{s:i,s:s,s:s,s:s,s:s}", "port", 4000, "proto", "udp", "start", "2004-03-20T04:00:00Z",
                  "surge_kind", "campaign", "side", "source");
    ww_notify_summary("surge", b, s, sizeof s);
    CHECK_STR(s, "surge on 4000/udp since 2004-03-20T04:00:00Z (campaign, UDP source port)");
    json_decref(b);
    b = json_pack("{s:s,s:i,s:s,s:s,s:i}", "target", "198.51.100.9", "port", 80, "proto", "tcp",
                  "start", "2006-08-03T12:00:00Z", "sources", 300);
    ww_notify_summary("flood", b, s, sizeof s);
    CHECK_STR(s, "flood on 198.51.100.9 port 80/tcp since 2006-08-03T12:00:00Z (300 sources): not a worm");
    json_decref(b);
    b = json_pack("{s:s,s:s}", "sensor", "edge-1", "last", "2026-01-15T10:00:00Z");
    ww_notify_summary("sensor_silent", b, s, sizeof s);
    CHECK_STR(s, "sensor edge-1 silent since 2026-01-15T10:00:00Z");
    ww_notify_summary("sensor_back", b, s, sizeof s);
    CHECK_STR(s, "sensor edge-1 is back");
    json_decref(b);
    /* a header stays one line: control characters are '?' */
    b = json_pack("{s:s}", "sensor", "a\r\nBcc: x@example.org");
    ww_notify_summary("sensor_silent", b, s, sizeof s);
    CHECK_STR(s, "sensor a??Bcc: x@example.org silent");
    json_decref(b);
    b = json_object();
    ww_notify_summary("something_new", b, s, sizeof s);
    CHECK_STR(s, "something_new");
    json_decref(b);
}

static void targets(void)
{
    static const char *const good[] = {
        "http://127.0.0.1:9000/hook", "https://hooks.example.org/services/T0/B0/xyz",
        "syslog:", "syslog:/run/wormwatch/log.sock", "mailto:ops@example.org"};
    static const char *const bad[] = {
        "", "ftp://example.org/", "http://", "https:///path", "syslog:relative.sock",
        "mailto:", "mailto:ops", "mailto:a@example.org,b@example.org",
        "mailto:ops@example.org\r\nBcc: x@example.org", "mailto:<ops@example.org>",
        "file:///etc/passwd"};
    char err[300];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_INT(ww_notify_check(good[i], err, sizeof err), WW_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK_INT(ww_notify_check(bad[i], err, sizeof err), WW_ERR_ARG);
        CHECK(err[0] != '\0');
    }
    char longpath[200] = "syslog:/";
    memset(longpath + 8, 'x', 150);
    longpath[158] = '\0';
    CHECK_INT(ww_notify_check(longpath, err, sizeof err), WW_ERR_ARG);
}

TEST_MAIN(sign(); syslog5424(); summary(); targets())
