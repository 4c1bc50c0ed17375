/* batch.c -- submission bodies: TSV and NDJSON, and whole-batch rejection. */
#include "test.h"
#include "ingest/batch.h"
#include "core/err.h"

static int parse(struct ww_batch *b, enum ww_batch_fmt f, const char *s, uint64_t *line,
                 const char **why)
{
    return ww_batch_parse(b, f, s, strlen(s), line, why);
}

static void run(void)
{
    struct ww_batch b = {0};
    uint64_t line;
    const char *why = NULL;

    CHECK_INT(ww_batch_fmt_from_type(NULL), WW_BATCH_TSV);
    CHECK_INT(ww_batch_fmt_from_type("text/tab-separated-values; charset=utf-8"), WW_BATCH_TSV);
    CHECK_INT(ww_batch_fmt_from_type("application/x-ndjson"), WW_BATCH_NDJSON);
    CHECK_INT(ww_batch_fmt_from_type("application/xml"), -1);

    const char *tsv =
        "# comment\n"
        "2006-08-01 12:00:07 +02:00\t0\t3\t192.0.2.1\t4000\t198.51.0.0\t445\ttcp\tSYN\n"
        "\n"
        "2006-08-01 12:00:08 +00:00\t0\t1\t2001:db8::1\t53\t198.51.0.0\t1434\tudp\t\r\n";
    CHECK_INT(parse(&b, WW_BATCH_TSV, tsv, &line, &why), WW_OK);
    CHECK_INT(b.n, 2);
    CHECK_INT(b.ev[0].ts_us, 1154426407LL * 1000000);
    CHECK_INT(b.ev[0].count, 3);
    CHECK_INT(b.ev[0].dport, 445);
    CHECK_INT(b.ev[0].tcpflags, WW_TH_SYN);
    CHECK_INT(b.ev[1].proto, WW_PROTO_UDP);
    CHECK_INT(b.ev[1].dport, 1434);

    /* half a line at the end: the whole batch goes, and the line is named */
    const char *half =
        "2006-08-01 12:00:07 +02:00\t0\t3\t192.0.2.1\t4000\t198.51.0.0\t445\ttcp\tSYN\n"
        "2006-08-01 12:00:07 +02:00\t0\t3\t192.0";
    CHECK_INT(parse(&b, WW_BATCH_TSV, half, &line, &why), WW_ERR_PARSE);
    CHECK_INT(line, 2);
    CHECK_STR(why, "fewer than 9 tab-separated fields");
    CHECK_INT(b.n, 0);

    CHECK_INT(parse(&b, WW_BATCH_TSV, "", &line, &why), WW_ERR_PARSE);
    CHECK_INT(line, 0);
    CHECK_INT(parse(&b, WW_BATCH_TSV, "# only\n\n", &line, &why), WW_ERR_PARSE);
    CHECK_INT(ww_batch_parse(&b, WW_BATCH_TSV, "a\0b\n", 4, &line, &why), WW_ERR_PARSE);
    CHECK_STR(why, "NUL byte in line");

    const char *nd =
        "{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"192.0.2.1\",\"dst\":\"198.51.0.0\","
        "\"sport\":4000,\"dport\":445,\"proto\":\"tcp\",\"flags\":\"SYN,ACK\",\"count\":2}\n"
        "\n"
        "{\"ts\":\"2006-08-01T10:00:08+01:00\",\"src\":\"192.0.2.2\",\"dst\":\"198.51.0.0\","
        "\"dport\":53,\"proto\":17}\r\n";
    CHECK_INT(parse(&b, WW_BATCH_NDJSON, nd, &line, &why), WW_OK);
    CHECK_INT(b.n, 2);
    CHECK_INT(b.ev[0].ts_us, 1154426407LL * 1000000);
    CHECK_INT(b.ev[0].tcpflags, WW_TH_SYN | WW_TH_ACK);
    CHECK_INT(b.ev[0].count, 2);
    CHECK_INT(b.ev[1].ts_us, (1154426408LL - 3600) * 1000000);
    CHECK_INT(b.ev[1].proto, 17);
    CHECK_INT(b.ev[1].count, 1);
    CHECK_INT(b.ev[1].sport, 0);

    /* DShield's own clients: flag letters, protocol in capitals (TSV), and
     * letters in NDJSON too */
    const char *letters =
        "2026-01-15 10:00:01 +00:00\t4711\t1\t203.0.113.1\t4444\t198.51.100.7\t139\tTCP\tS\n"
        "2026-01-15 10:00:02 +00:00\t4711\t1\t203.0.113.2\t80\t198.51.100.7\t4444\t6\tAS\n";
    CHECK_INT(parse(&b, WW_BATCH_TSV, letters, &line, &why), WW_OK);
    CHECK_INT(b.n, 2);
    CHECK_INT(b.ev[0].tcpflags, WW_TH_SYN);
    CHECK_INT(b.ev[1].tcpflags, WW_TH_SYN | WW_TH_ACK);
    CHECK_INT(parse(&b, WW_BATCH_NDJSON, "{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"192.0.2.1\","
                    "\"dst\":\"198.51.0.0\",\"proto\":\"6\",\"flags\":\"FPU\"}\n", &line, &why), WW_OK);
    CHECK_INT(b.ev[0].tcpflags, WW_TH_FIN | WW_TH_PSH | WW_TH_URG);

    static const struct { const char *s; const char *why; } badnd[] = {
        {"{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\",\"proto\":6,\"flags\":\"SX\"}", "bad \"flags\""},
        {"{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\",\"proto\":6,\"flags\":\"SYN,\"}", "bad \"flags\""},
        {"{\"ts\":\"x\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\",\"proto\":6}", "bad or missing \"ts\""},
        {"{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"1.2.3\",\"dst\":\"1.2.3.4\",\"proto\":6}", "bad or missing \"src\""},
        {"{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\"}", "bad or missing \"proto\""},
        {"{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\",\"proto\":6,\"dport\":70000}", "bad \"dport\""},
        {"{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\",\"proto\":6,\"count\":0}", "\"count\" not in 1..1000000"},
        {"{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\",\"proto\":6,\"flags\":\"SYN,BOGUS\"}", "bad \"flags\""},
        {"[1,2]", "not a JSON object"},
        {"{\"ts\":", "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof badnd / sizeof badnd[0]; i++) {
        CHECK_INT(parse(&b, WW_BATCH_NDJSON, badnd[i].s, &line, &why), WW_ERR_PARSE);
        CHECK_INT(line, 1);
        CHECK_STR(why, badnd[i].why);
    }

    /* dates: none before 1970 (UTC, after the zone), none past latest_us;
     * the reason quotes the line's time */
    b.latest_us = 1795000000LL * 1000000; /* 2026-11-18T11:06:40Z */
    const char *future =
        "2026-11-18 11:06:40 +00:00\t0\t1\t192.0.2.1\t4000\t198.51.0.0\t445\ttcp\tSYN\n"
        "2100-01-01 00:00:00 +00:00\t0\t1\t192.0.2.9\t4000\t198.51.0.0\t445\ttcp\tSYN\n";
    CHECK_INT(parse(&b, WW_BATCH_TSV, future, &line, &why), WW_ERR_PARSE);
    CHECK_INT(line, 2);
    CHECK_STR(why, "time stamp 2100-01-01T00:00:00Z is in the future (the collector accepts up to 2026-11-18T11:06:40Z)");
    CHECK_INT(b.n, 0);
    CHECK_INT(parse(&b, WW_BATCH_TSV, "2026-11-18 11:06:41 +00:00\t0\t1\t192.0.2.1\t1\t198.51.0.0\t445\ttcp\t\n",
                    &line, &why), WW_ERR_PARSE);
    CHECK_INT(parse(&b, WW_BATCH_TSV, "2026-11-18 12:06:41 +01:00\t0\t1\t192.0.2.1\t1\t198.51.0.0\t445\ttcp\t\n",
                    &line, &why), WW_ERR_PARSE);
    CHECK_INT(parse(&b, WW_BATCH_TSV, "9999-12-31 23:59:59\t0\t1\t192.0.2.1\t1\t198.51.0.0\t445\ttcp\t\n",
                    &line, &why), WW_ERR_PARSE);
    CHECK_STR(why, "time stamp 9999-12-31T23:59:59Z is in the future (the collector accepts up to 2026-11-18T11:06:40Z)");
    CHECK_INT(parse(&b, WW_BATCH_NDJSON,
                    "{\"ts\":\"9999-12-31T23:59:59Z\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\",\"proto\":6}",
                    &line, &why), WW_ERR_PARSE);
    CHECK_INT(line, 1);
    CHECK_STR(why, "time stamp 9999-12-31T23:59:59Z is in the future (the collector accepts up to 2026-11-18T11:06:40Z)");
    const char *early = "2006-08-01 12:00:07 +02:00\t0\t3\t192.0.2.1\t4000\t198.51.0.0\t445\ttcp\tSYN\n"
                        "1970-01-01 00:30:00 +01:00\t0\t1\t192.0.2.1\t4000\t198.51.0.0\t445\ttcp\tSYN\n";
    CHECK_INT(parse(&b, WW_BATCH_TSV, early, &line, &why), WW_ERR_PARSE);
    CHECK_INT(line, 2);
    CHECK_STR(why, "time stamp 1969-12-31T23:30:00Z is before 1970");
    CHECK_INT(b.n, 0);
    CHECK_INT(parse(&b, WW_BATCH_NDJSON,
                    "{\"ts\":\"1970-01-01T00:00:00-00:01\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\",\"proto\":6}\n"
                    "{\"ts\":\"1970-01-01T00:00:00+00:01\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\",\"proto\":6}",
                    &line, &why), WW_ERR_PARSE);
    CHECK_INT(line, 2);
    CHECK_STR(why, "time stamp 1969-12-31T23:59:00Z is before 1970");
    /* the edges themselves are in */
    CHECK_INT(parse(&b, WW_BATCH_TSV,
                    "1970-01-01 01:00:00 +01:00\t0\t1\t192.0.2.1\t1\t198.51.0.0\t445\ttcp\t\n"
                    "2026-11-18 12:06:40 +01:00\t0\t1\t192.0.2.1\t1\t198.51.0.0\t445\ttcp\t\n",
                    &line, &why), WW_OK);
    CHECK_INT(b.n, 2);
    CHECK_INT(b.ev[0].ts_us, 0);
    CHECK_INT(b.ev[1].ts_us, b.latest_us);
    b.latest_us = 0; /* no upper limit */
    CHECK_INT(parse(&b, WW_BATCH_TSV, future, &line, &why), WW_OK);

    /* a SYN's fingerprint: TSV's tenth field, NDJSON's "fp" (empty: none) */
    const char *xp = "4:57:0:1460:65535,0:mss,nop,nop,sok:df,id+:0";
    struct ww_synfp want;
    int have_synfp = ww_synfp_parse(xp, strlen(xp), &want) == WW_OK;
    char fpl[512];
    snprintf(fpl, sizeof fpl, "2026-01-15 10:00:01 +00:00\t0\t1\t203.0.113.1\t4444\t198.51.100.7\t139"
             "\ttcp\tS\t%s\r\n2026-01-15 10:00:02 +00:00\t0\t1\t203.0.113.2\t1\t198.51.100.7\t139\ttcp\tS\t\n", xp);
    if (have_synfp) {
        CHECK_INT(parse(&b, WW_BATCH_TSV, fpl, &line, &why), WW_OK);
        CHECK_INT(b.n, 2);
        CHECK(!memcmp(&b.ev[0].fp, &want, sizeof want));
        CHECK_INT(b.ev[0].tcpflags, WW_TH_SYN);
        CHECK_INT(b.ev[1].fp.flags, 0);
        snprintf(fpl, sizeof fpl, "{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\","
                 "\"proto\":6,\"flags\":\"S\",\"fp\":\"%s\"}\n", xp);
        CHECK_INT(parse(&b, WW_BATCH_NDJSON, fpl, &line, &why), WW_OK);
        CHECK(!memcmp(&b.ev[0].fp, &want, sizeof want));
        snprintf(fpl, sizeof fpl, "{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"1.2.3.4\",\"dst\":\"1.2.3.4\","
                 "\"proto\":17,\"fp\":\"%s\"}\n", xp);
        CHECK_INT(parse(&b, WW_BATCH_NDJSON, fpl, &line, &why), WW_ERR_PARSE);
        CHECK_STR(why, "bad \"fp\" (a TCP SYN's fingerprint, p0f's raw signature)");
    } else { /* core/synfp.c still a stub: its text cannot be read back */
        CHECK_INT(parse(&b, WW_BATCH_TSV, fpl, &line, &why), WW_ERR_PARSE);
        CHECK_INT(line, 1);
        test_skipped = "the fingerprint's round trip (core/synfp.c is a stub)";
    }
    /* a nine-field line with an empty tenth field is a nine-field line */
    CHECK_INT(parse(&b, WW_BATCH_TSV, "2026-01-15 10:00:01 +00:00\t0\t1\t203.0.113.1\t4444\t198.51.100.7"
                    "\t139\ttcp\tS\t\n", &line, &why), WW_OK);
    CHECK_INT(b.ev[0].fp.flags, 0);
    CHECK_INT(b.ev[0].os, 0);
    CHECK_INT(parse(&b, WW_BATCH_TSV, "2026-01-15 10:00:01 +00:00\t0\t1\t203.0.113.1\t4444\t198.51.100.7"
                    "\t139\ttcp\tS\t4:no:signature\n", &line, &why), WW_ERR_PARSE);
    CHECK_STR(why, "bad fingerprint in field 10 (a TCP SYN's, p0f's raw signature)");
    CHECK_INT(parse(&b, WW_BATCH_TSV, "2026-01-15 10:00:01 +00:00\t0\t1\t203.0.113.1\t4444\t198.51.100.7"
                    "\t139\ttcp\tS\tnot a signature\n", &line, &why), WW_ERR_PARSE);
    CHECK_STR(why, "more than 9 tab-separated fields");
    CHECK_INT(parse(&b, WW_BATCH_TSV, "2026-01-15 10:00:01 +00:00\t0\t1\t203.0.113.1\t4444\t198.51.100.7"
                    "\t139\ttcp\tS\t\t4:1:0:*:1024,0:mss:df:0\n", &line, &why), WW_ERR_PARSE);
    CHECK_STR(why, "more than 9 tab-separated fields");
    CHECK_INT(parse(&b, WW_BATCH_TSV, "2026-01-15 10:00:01 +00:00\t0\t1\t203.0.113.1\t4444\t198.51.100.7"
                    "\t139\tudp\t\n", &line, &why), WW_OK); /* nine, the flags empty */
    CHECK_INT(b.ev[0].fp.flags, 0);
    CHECK_INT(parse(&b, WW_BATCH_NDJSON, "{\"ts\":\"2006-08-01T10:00:07Z\",\"src\":\"1.2.3.4\",\"dst\":"
                    "\"1.2.3.4\",\"proto\":6,\"fp\":7}", &line, &why), WW_ERR_PARSE);
    CHECK_STR(why, "bad \"fp\" (a TCP SYN's fingerprint, p0f's raw signature)");

    b.max = 1;
    CHECK_INT(parse(&b, WW_BATCH_TSV, tsv, &line, &why), WW_ERR_LIMIT);
    ww_batch_release(&b);
}

TEST_MAIN(run())
