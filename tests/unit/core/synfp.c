/* synfp.c -- core/synfp.h: TCP options as real stacks send them (Windows XP
 * `mss,nop,nop,sok`, Linux `mss,sok,ts,nop,ws`, nmap's lone `mss`, OpenBSD
 * with eol padding), each option quirk (ts1-, ts2+, opt+, exws, bad),
 * malformed and truncated options read without going past the length
 * (each case copied to a buffer of exactly its size, so ASan sees an
 * over-read), more options than are kept; the text form for each, read
 * back exactly, `*` fields and `?seq` for a log, the longest text, and
 * texts the parser must refuse; seeded random fingerprints round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "core/synfp.h"

/* The options of bytes opt[0..n) on an IPv4 fingerprint with TTL 64,
 * window 65535, DF, sequence numbers seen, no payload: its text. */
static const char *opts_text(const uint8_t *opt, size_t n, struct ww_synfp *fp)
{
    static char buf[WW_SYNFP_TEXT];
    uint8_t *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, opt, n);
    memset(fp, 0, sizeof *fp);
    fp->flags = WW_FP_SET | WW_FP_SEQ;
    fp->ttl = 64;
    fp->win = 65535;
    fp->quirks = WW_FPQ_DF;
    ww_synfp_options(fp, copy, n);
    free(copy);
    ww_synfp_format(fp, buf, sizeof buf);
    return buf;
}

/* parse(format(fp)) == fp, and format(parse(text)) == text. */
static void round_trip(const struct ww_synfp *fp)
{
    char t[WW_SYNFP_TEXT], t2[WW_SYNFP_TEXT];
    struct ww_synfp back;
    size_t n = ww_synfp_format(fp, t, sizeof t);
    CHECK(n > 0 && n < WW_SYNFP_TEXT && strlen(t) == n);
    CHECK_INT(ww_synfp_parse(t, n, &back), WW_OK);
    CHECK(!memcmp(&back, fp, sizeof back));
    CHECK_INT(ww_synfp_format(&back, t2, sizeof t2), n);
    CHECK_STR(t2, t);
}

static void test_options(void)
{
    struct ww_synfp fp;
    /* Windows XP: MSS 1460, NOP, NOP, SACK permitted */
    static const uint8_t xp[] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};
    CHECK_STR(opts_text(xp, sizeof xp, &fp), "4:64:0:1460:65535,0:mss,nop,nop,sok:df:0");
    CHECK_INT(fp.nopt, 4); CHECK_INT(fp.mss, 1460); CHECK(fp.flags & WW_FP_OPTS);
    round_trip(&fp);
    /* Linux: MSS 1460, SACK permitted, timestamps, NOP, window scale 7 */
    static const uint8_t linux_[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0x12, 0x34, 0x56,
                                     0, 0, 0, 0, 1, 3, 3, 7};
    CHECK_STR(opts_text(linux_, sizeof linux_, &fp), "4:64:0:1460:65535,7:mss,sok,ts,nop,ws:df:0");
    CHECK_INT(fp.wscale, 7); CHECK_INT(fp.quirks, WW_FPQ_DF);
    round_trip(&fp);
    /* nmap -sS: MSS 1460 alone */
    static const uint8_t nmap[] = {2, 4, 5, 0xb4};
    CHECK_STR(opts_text(nmap, sizeof nmap, &fp), "4:64:0:1460:65535,0:mss:df:0");
    /* OpenBSD-like: ... nop, nop, ts, then EOL and 3 bytes of padding */
    static const uint8_t eol[] = {2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 6, 1, 1, 8, 10,
                                  1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_STR(opts_text(eol, sizeof eol, &fp),
              "4:64:0:1460:65535,6:mss,nop,nop,sok,nop,ws,nop,nop,ts,eol+3:df:0");
    CHECK_INT(fp.eol_pad, 3);
    round_trip(&fp);
    /* non-zero bytes after EOL: opt+ */
    static const uint8_t optplus[] = {2, 4, 5, 0xb4, 0, 0, 7, 0};
    CHECK_STR(opts_text(optplus, sizeof optplus, &fp), "4:64:0:1460:65535,0:mss,eol+3:df,opt+:0");
    round_trip(&fp);
    /* timestamps: own 0 (ts1-), the peer's not 0 on a SYN (ts2+) */
    static const uint8_t ts[] = {8, 10, 0, 0, 0, 0, 0, 0, 0, 9};
    CHECK_STR(opts_text(ts, sizeof ts, &fp), "4:64:0:0:65535,0:ts:df,ts1-,ts2+:0");
    /* window scale 15: exws */
    static const uint8_t exws[] = {3, 3, 15};
    CHECK_STR(opts_text(exws, sizeof exws, &fp), "4:64:0:0:65535,15:ws:df,exws:0");
    /* an unknown kind with its length, skipped: ?K */
    static const uint8_t unk[] = {2, 4, 1, 0, 30, 4, 0xaa, 0xbb, 1};
    CHECK_STR(opts_text(unk, sizeof unk, &fp), "4:64:0:256:65535,0:mss,?30,nop:df:0");
    round_trip(&fp);
    /* no options at all (hping3's SYN): an empty layout, still known */
    CHECK_STR(opts_text(NULL, 0, &fp), "4:64:0:0:65535,0::df:0");
    round_trip(&fp);

    /* malformed: MSS with length 3 is read at its size, bad */
    static const uint8_t mss3[] = {2, 3, 5, 0xb4};
    CHECK_STR(opts_text(mss3, sizeof mss3, &fp), "4:64:0:1460:65535,0:mss:df,bad:0");
    /* truncated: MSS cut after its length byte, window scale without its
     * value, a kind with no length byte, timestamps short by one */
    static const uint8_t mss_cut[] = {2, 4, 5};
    CHECK_STR(opts_text(mss_cut, sizeof mss_cut, &fp), "4:64:0:0:65535,0:mss:df,bad:0");
    static const uint8_t ws_cut[] = {1, 3, 3};
    CHECK_STR(opts_text(ws_cut, sizeof ws_cut, &fp), "4:64:0:0:65535,0:nop,ws:df,bad:0");
    static const uint8_t kind_only[] = {2, 4, 5, 0xb4, 4};
    CHECK_STR(opts_text(kind_only, sizeof kind_only, &fp), "4:64:0:1460:65535,0:mss,sok:df,bad:0");
    static const uint8_t ts_cut[] = {8, 10, 1, 2, 3, 4, 5, 6, 7};
    CHECK_STR(opts_text(ts_cut, sizeof ts_cut, &fp), "4:64:0:0:65535,0:ts:df,bad:0");
    /* lengths out of range: an unknown kind of length 1, SACK of 8, one
     * that runs past the end: the walk stops there */
    static const uint8_t len1[] = {30, 1, 1, 1};
    CHECK_STR(opts_text(len1, sizeof len1, &fp), "4:64:0:0:65535,0:?30:df,bad:0");
    static const uint8_t sack8[] = {5, 8, 0, 0, 0, 0, 0, 0};
    CHECK_STR(opts_text(sack8, sizeof sack8, &fp), "4:64:0:0:65535,0:sack:df,bad:0");
    static const uint8_t past[] = {1, 30, 40, 0, 0};
    CHECK_STR(opts_text(past, sizeof past, &fp), "4:64:0:0:65535,0:nop,?30:df,bad:0");
    /* 40 NOPs: 14 kept, the rest is bad */
    uint8_t nops[40];
    memset(nops, 1, sizeof nops);
    opts_text(nops, sizeof nops, &fp);
    CHECK_INT(fp.nopt, WW_SYNFP_OPTS);
    CHECK(fp.quirks & WW_FPQ_BAD);
    round_trip(&fp);
    /* a second read replaces the first's option fields and quirks */
    opts_text(ts, sizeof ts, &fp);
    ww_synfp_options(&fp, nmap, sizeof nmap);
    CHECK_INT(fp.nopt, 1); CHECK_INT(fp.quirks, WW_FPQ_DF); CHECK_INT(fp.mss, 1460);
}

static void test_text(void)
{
    struct ww_synfp fp;
    char t[WW_SYNFP_TEXT];
    /* a netfilter line without options or sequence numbers */
    memset(&fp, 0, sizeof fp);
    fp.flags = WW_FP_SET;
    fp.ttl = 113;
    fp.win = 64240;
    fp.quirks = WW_FPQ_DF | WW_FPQ_ID_PLUS;
    CHECK_INT(ww_synfp_format(&fp, t, sizeof t), strlen("4:113:0:*:64240,*:*:df,id+,?seq:*"));
    CHECK_STR(t, "4:113:0:*:64240,*:*:df,id+,?seq:*");
    round_trip(&fp);
    /* IPv6 with a flow label and a payload */
    memset(&fp, 0, sizeof fp);
    fp.flags = WW_FP_SET | WW_FP_V6 | WW_FP_OPTS | WW_FP_SEQ | WW_FP_PAYLOAD;
    fp.ttl = 57;
    fp.win = 28800;
    fp.mss = 1440;
    fp.wscale = 7;
    fp.quirks = WW_FPQ_FLOW | WW_FPQ_SEQ_MINUS;
    fp.nopt = 1;
    fp.opt[0] = 2;
    ww_synfp_format(&fp, t, sizeof t);
    CHECK_STR(t, "6:57:0:1440:28800,7:mss:flow,seq-:+");
    round_trip(&fp);
    /* no fingerprint: "" and 0 */
    memset(&fp, 0, sizeof fp);
    strcpy(t, "x");
    CHECK_INT(ww_synfp_format(&fp, t, sizeof t), 0);
    CHECK_STR(t, "");
    /* the longest text: every quirk, 14 options of the longest names */
    memset(&fp, 0, sizeof fp);
    fp.flags = WW_FP_SET | WW_FP_V6 | WW_FP_OPTS | WW_FP_PAYLOAD;
    fp.ttl = fp.olen = fp.wscale = fp.eol_pad = 255;
    fp.win = fp.mss = 65535;
    fp.quirks = (1u << 17) - 1;
    fp.nopt = WW_SYNFP_OPTS;
    memset(fp.opt, 0, sizeof fp.opt);
    size_t n = ww_synfp_format(&fp, t, sizeof t);
    CHECK_INT(n, 225);
    round_trip(&fp);
    CHECK_INT(ww_synfp_format(&fp, t, 100), 0); /* too small a buffer: "" */
    CHECK_STR(t, "");
    /* read back: forms the writer does not use but means the same */
    CHECK_INT(ww_synfp_parse("4:064:0:1460:8192,0:?2,nop:id-,df:0", strlen("4:064:0:1460:8192,0:?2,nop:id-,df:0"), &fp), WW_OK);
    CHECK_INT(fp.opt[0], 2); CHECK_INT(fp.ttl, 64); CHECK_INT(fp.quirks, WW_FPQ_DF | WW_FPQ_ID_MINUS);
    /* refused */
    static const char *const bad[] = {
        "", "4", "4:64:0:1460:8192,0:mss:df", "4:64:0:1460:8192,0:mss:df:0:0",
        "5:64:0:1460:8192,0:mss::0", "4:256:0:1460:8192,0:mss::0", "4:64:0:65536:8192,0:mss::0",
        "4:64:0:1460:8192:mss::0", "4:64:0:1460:8192,256:mss::0", "4:64:0:1460:70000,0:mss::0",
        "4:-1:0:1460:8192,0:mss::0", "4:64:0:1460:8192,0:mss,:df:0", "4:64:0:1460:8192,0:,mss::0",
        "4:64:0:1460:8192,0:mss,foo::0", "4:64:0:1460:8192,0:mss:df,df:0",
        "4:64:0:1460:8192,0:mss:dff:0", "4:64:0:1460:8192,0:mss::1", "4:64:0:*:8192,0:mss::0",
        "4:64:0:*:8192,*:*::0", "4:64:0:*:8192,*:*:bad:*", "4:64:0:1460:8192,0:eol+1,eol+2::0",
        "4:64:0:1460:8192,0:?0::0", "4:64:0:1460:8192,0:?256::0", "4:64:0:1460:8192,0:eol+::0",
        "4:64:0:1460:8192,0:mss:?seq,?seq:0", " 4:64:0:1460:8192,0:mss::0",
        "4:64:0:1460:8192,0:nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop::0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&fp, 0xff, sizeof fp);
        int rc = ww_synfp_parse(bad[i], strlen(bad[i]), &fp);
        if (rc != WW_ERR_PARSE) fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK_INT(rc, WW_ERR_PARSE);
        CHECK_INT(fp.flags, 0);
    }
}

/* Seeded random fingerprints (the parts a parser fills) round trip. */
static void test_random(void)
{
    test_rand_state = 17;
    for (int i = 0; i < 20000; i++) {
        struct ww_synfp fp;
        uint64_t r = test_rand(), s = test_rand();
        memset(&fp, 0, sizeof fp);
        fp.flags = (uint8_t)(WW_FP_SET | (r & (WW_FP_V6 | WW_FP_OPTS | WW_FP_PAYLOAD | WW_FP_SEQ)));
        fp.ttl = (uint8_t)(r >> 8);
        fp.olen = (uint8_t)(r >> 16);
        fp.win = (uint16_t)(r >> 24);
        fp.quirks = (uint32_t)(s & ((1u << 17) - 1));
        if (fp.flags & WW_FP_OPTS) {
            uint8_t opt[40];
            size_t n = (size_t)(s >> 20) % 41;
            for (size_t k = 0; k < n; k++) opt[k] = (uint8_t)(test_rand() % 12);
            ww_synfp_options(&fp, opt, n);
        } else {
            fp.flags &= (uint8_t)~WW_FP_PAYLOAD;
            fp.quirks &= ~(uint32_t)(WW_FPQ_TS1_MINUS | WW_FPQ_TS2_PLUS | WW_FPQ_OPT_PLUS |
                                     WW_FPQ_EXWS | WW_FPQ_BAD);
        }
        round_trip(&fp);
    }
}

TEST_MAIN(test_options(); test_text(); test_random())
