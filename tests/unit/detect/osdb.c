/* osdb.c -- p0f's database and the matcher: every signature line of
 * Debian's /etc/p0f/p0f.fp parses alone and the whole file loads; SYNs
 * built by hand (the fields of core/synfp.h) as Windows XP, Linux 3.11+,
 * a newer Linux, nmap's SYN scan and OS detection probes, Mac OS X (eol+1),
 * OpenVMS (mtu*2) and an unknown stack get p0f's answer, exact, generic or
 * fuzzy; a SYN logged without options gets a GUESS or nothing; the window
 * forms and "specific over generic" on a small database of our own; bad
 * lines give FILE:LINE errors; and the cost of a match. Without the p0f
 * package the parts on the real database are skipped (SKIP, naming it).
 * Fingerprints read by core/synfp.h (text, option bytes) match too. */
#include "test.h"
#include "core/synfp.h"
#include "detect/osdb.h"

#include <time.h>

static int64_t cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}


static struct ww_synfp syn(int v6, unsigned ttl, unsigned win, unsigned mss, unsigned ws,
                           const char *layout, uint32_t quirks)
{
    struct ww_synfp fp = {0};
    fp.flags = WW_FP_SET | WW_FP_OPTS | (v6 ? WW_FP_V6 : 0);
    fp.ttl = (uint8_t)ttl;
    fp.win = (uint16_t)win;
    fp.mss = (uint16_t)mss;
    fp.wscale = (uint8_t)ws;
    fp.quirks = quirks;
    /* layout: p0f's names, as in a signature */
    for (const char *p = layout; *p;) {
        uint8_t k = 0;
        if (!strncmp(p, "eol+", 4)) { k = 0; fp.eol_pad = (uint8_t)atoi(p + 4); }
        else if (!strncmp(p, "nop", 3)) k = 1;
        else if (!strncmp(p, "mss", 3)) k = 2;
        else if (!strncmp(p, "ws", 2)) k = 3;
        else if (!strncmp(p, "sok", 3)) k = 4;
        else if (!strncmp(p, "sack", 4)) k = 5;
        else if (!strncmp(p, "ts", 2)) k = 8;
        else if (*p == '?') k = (uint8_t)atoi(p + 1);
        fp.opt[fp.nopt++] = k;
        p = strchr(p, ',');
        if (!p) break;
        p++;
    }
    return fp;
}

#define DFID (WW_FPQ_DF | WW_FPQ_ID_PLUS)

static const char *os(const struct ww_osdb *db, struct ww_synfp fp)
{
    static char buf[128];
    uint16_t m = ww_osdb_match(db, &fp);
    if (!m) return "(none)";
    snprintf(buf, sizeof buf, "%s %s", ww_os_kind_name(m), ww_osdb_name(db, m));
    return buf;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = malloc(1 << 20);
    *len = fread(b, 1, (1 << 20) - 1, f);
    b[*len] = 0;
    fclose(f);
    return b;
}

/* Every sig line of [tcp:request], alone under a label of its own. */
static void test_every_line(void)
{
    size_t len;
    char *text = slurp(WW_OSDB_DEFAULT, &len);
    if (!text) { test_skipped = WW_OSDB_DEFAULT " (Debian's p0f package) is absent"; return; }
    int in = 0, n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '[') in = !strcmp(line, "[tcp:request]");
        if (!in || strncmp(line, "sig", 3)) continue;
        char one[512], err[256];
        snprintf(one, sizeof one, "classes = win,unix,other\n[tcp:request]\nlabel = s:!:One:line\n%s\n", line);
        struct ww_osdb *db = NULL;
        enum ww_err rc = ww_osdb_parse(one, strlen(one), "one", &db, err, sizeof err);
        if (rc) fprintf(stderr, "%s: %s\n", line, err);
        CHECK_INT(rc, WW_OK);
        ww_osdb_free(db);
        n++;
    }
    CHECK_INT(n, 91); /* p0f 3.09b's [tcp:request] */
    free(text);
}

static void test_real(void)
{
    struct ww_osdb *db = NULL;
    char err[256];
    if (access(WW_OSDB_DEFAULT, R_OK)) { test_skipped = WW_OSDB_DEFAULT " (Debian's p0f package) is absent"; return; }
    CHECK_INT(ww_osdb_load(NULL, &db, err, sizeof err), WW_OK);
    if (!db) { fprintf(stderr, "%s\n", err); return; }
    CHECK_STR(ww_osdb_name(db, 1), "Linux 3.11 and newer");
    CHECK_STR(ww_osdb_name(db, 45), "BaiduSpider");
    CHECK(ww_osdb_name(db, 46) == NULL);
    CHECK(ww_osdb_name(db, 0) == NULL);

    /* Windows XP: 65535 and 16384, no scale; 11 hops away */
    CHECK_STR(os(db, syn(0, 117, 65535, 1460, 0, "mss,nop,nop,sok", DFID)), "exact Windows XP");
    CHECK_STR(os(db, syn(0, 128, 16384, 1460, 0, "mss,nop,nop,sok", DFID)), "exact Windows XP");
    /* Windows 2000's 64512 is no signature of its own: the generic NT kernel */
    CHECK_STR(os(db, syn(0, 128, 64512, 1460, 0, "mss,nop,nop,sok", DFID)), "generic Windows NT kernel");
    /* df gone (a rewriting middlebox), or a TTL above 128: fuzzy */
    CHECK_STR(os(db, syn(0, 117, 65535, 1460, 0, "mss,nop,nop,sok", WW_FPQ_ID_MINUS)), "fuzzy Windows XP");
    CHECK_STR(os(db, syn(0, 60, 65535, 1460, 0, "mss,nop,nop,sok", DFID)), "fuzzy Windows XP");
    /* a quirk p0f does not forgive: none */
    CHECK_STR(os(db, syn(0, 117, 65535, 1460, 0, "mss,nop,nop,sok", DFID | WW_FPQ_PUSHF_PLUS)), "(none)");

    /* Linux 3.11 and newer: mss*20, scale 7; on IPv6 df and id+ do not apply */
    CHECK_STR(os(db, syn(0, 64, 29200, 1460, 7, "mss,sok,ts,nop,ws", DFID)), "exact Linux 3.11 and newer");
    CHECK_STR(os(db, syn(1, 60, 28800, 1440, 7, "mss,sok,ts,nop,ws", 0)), "exact Linux 3.11 and newer");
    /* specific over generic: mss*10 scale 4 is Linux 3.1-3.10 before the generic Linux 3.x */
    CHECK_STR(os(db, syn(0, 63, 14600, 1460, 4, "mss,sok,ts,nop,ws", DFID)), "exact Linux 3.1-3.10");
    CHECK_STR(os(db, syn(0, 63, 14600, 1460, 9, "mss,sok,ts,nop,ws", DFID)), "generic Linux 3.x");
    /* today's Linux (64240 = mss*44, scale 7): p0f 3.09b has only the generic */
    CHECK_STR(os(db, syn(0, 64, 64240, 1460, 7, "mss,sok,ts,nop,ws", DFID)), "generic Linux 2.2.x-3.x");
    /* 1448 = 1460 - 12 with timestamps: mss*10 on a 1460 MSS? no, 14480 / 1448 */
    CHECK_STR(os(db, syn(0, 64, 14480, 1460, 5, "mss,sok,ts,nop,ws", DFID)), "exact Linux 3.1-3.10");

    /* nmap -sS: a random TTL at most 64, window 1024, only mss 1460, no df */
    CHECK_STR(os(db, syn(0, 41, 1024, 1460, 0, "mss", 0)), "exact nmap SYN scan");
    CHECK_STR(os(db, syn(1, 53, 4096, 1460, 0, "mss", 0)), "exact nmap SYN scan");
    /* above its TTL: never nmap (a tool is never matched fuzzily), but as p0f
       says, a bare Linux far away without df */
    CHECK_STR(os(db, syn(0, 100, 1024, 1460, 0, "mss", 0)), "fuzzy Linux 2.2.x-3.x (barebone)");
    /* nmap -O's probes: ack+ judged when the sequence numbers were seen */
    struct ww_synfp o = syn(0, 50, 1, 1460, 10, "ws,nop,mss,ts,sok", WW_FPQ_ACK_PLUS);
    o.flags |= WW_FP_SEQ;
    CHECK_STR(os(db, o), "exact nmap OS detection");
    o.quirks = 0; /* seen, and the ACK number was zero: not nmap's probe */
    CHECK_STR(os(db, o), "(none)");
    o.flags &= (uint8_t)~WW_FP_SEQ; /* a log without sequence numbers: ack+ not judged */
    CHECK_STR(os(db, o), "exact nmap OS detection");
    struct ww_synfp o2 = syn(0, 37, 3, 1460, 10, "ws,nop,mss,sok,nop,nop", WW_FPQ_ECN | WW_FPQ_UPTR_PLUS);
    CHECK_STR(os(db, o2), "exact nmap OS detection");
    struct ww_synfp o3 = syn(0, 37, 4, 0, 10, "sok,ts,ws,eol+0", WW_FPQ_ACK_PLUS);
    o3.flags |= WW_FP_SEQ;
    CHECK_STR(os(db, o3), "exact nmap OS detection");

    /* Mac OS X: eol+1 must be eol+1 */
    CHECK_STR(os(db, syn(0, 64, 65535, 1460, 3, "mss,nop,ws,nop,nop,ts,sok,eol+1", DFID)), "exact Mac OS X 10.x");
    CHECK_STR(os(db, syn(0, 64, 65535, 1460, 3, "mss,nop,ws,nop,nop,ts,sok,eol+2", DFID)), "(none)");
    /* OpenVMS 8.x: mtu*2 (3000 = 2 * (1460 + 40)), not mss*N */
    CHECK_STR(os(db, syn(0, 128, 3000, 1460, 0, "mss,nop,ws", 0)), "exact OpenVMS 8.x");
    CHECK_STR(os(db, syn(0, 128, 2920, 1460, 0, "mss,nop,ws", 0)), "(none)");
    /* a payload on a SYN where the signature says none */
    struct ww_synfp pay = syn(0, 128, 16384, 1460, 0, "mss,nop,nop,sok", DFID);
    pay.flags |= WW_FP_PAYLOAD;
    CHECK_STR(os(db, pay), "(none)");
    /* an unknown stack: a layout p0f does not know, and a known one with odd values */
    CHECK_STR(os(db, syn(0, 64, 5840, 1460, 2, "mss,nop,ts,?30,ws", DFID)), "(none)");
    CHECK_STR(os(db, syn(0, 117, 777, 1460, 0, "mss,nop,nop,sok", DFID)), "generic Windows NT kernel");
    CHECK_STR(os(db, syn(0, 64, 777, 1460, 0, "mss,nop,nop,sok", DFID)), "fuzzy Windows NT kernel");
    CHECK_STR(os(db, syn(0, 64, 777, 1460, 0, "mss,nop,nop,sok", DFID | WW_FPQ_URGF_PLUS)), "(none)");
    /* no fingerprint at all */
    struct ww_synfp none = {0};
    CHECK_INT(ww_osdb_match(db, &none), 0);

    /* without options: a guess from the initial TTL and the window, or nothing */
    struct ww_synfp g = {.flags = WW_FP_SET, .ttl = 116, .win = 8192, .quirks = DFID};
    CHECK_STR(os(db, g), "guess Windows 7 or 8");
    g.ttl = 128, g.win = 16384; /* NT kernel 5.x has two signatures there, XP one */
    CHECK_STR(os(db, g), "guess Windows NT kernel 5.x");
    g.ttl = 44, g.win = 1024, g.quirks = 0;
    CHECK_STR(os(db, g), "guess nmap SYN scan");
    g.ttl = 110, g.win = 65535; /* Windows XP or a Blackberry: say nothing */
    CHECK_STR(os(db, g), "(none)");
    g.ttl = 60, g.win = 65535;  /* Mac OS X or FreeBSD */
    CHECK_STR(os(db, g), "(none)");
    g.ttl = 60, g.win = 64240;  /* mss*44: not guessed */
    CHECK_STR(os(db, g), "(none)");
    g.ttl = 200, g.win = 1024;  /* nmap's window, but no tool sends TTL 200 */
    CHECK_STR(os(db, g), "(none)");

    /* the cost of a match: today's Linux reads its layout's 27 signatures to
       the generic one; Windows XP stops at the first; a guess is one look-up */
    static const char *const what[] = {"Linux (generic)", "Windows XP", "nmap SYN scan", "a guess"};
    struct ww_synfp fps[4] = {syn(0, 64, 64240, 1460, 7, "mss,sok,ts,nop,ws", DFID),
                              syn(0, 117, 65535, 1460, 0, "mss,nop,nop,sok", DFID),
                              syn(0, 41, 1024, 1460, 0, "mss", 0),
                              {.flags = WW_FP_SET, .ttl = 116, .win = 8192}};
    for (int k = 0; k < 4; k++) {
        unsigned sum = 0;
        const int N = 1000000;
        int64_t t0 = cpu_ns(); /* CPU time: the machine is shared */
        for (int i = 0; i < N; i++) {
            fps[k].mss ^= (uint16_t)(i & 0); /* the compiler may not hoist the match */
            __asm__ volatile("" : : "r"(&fps[k]) : "memory");
            sum += ww_osdb_match(db, &fps[k]);
        }
        int64_t t1 = cpu_ns();
        printf("ww_osdb_match: %5.1f ns a match, %s (%u)\n", (double)(t1 - t0) / N, what[k],
               sum / N);
    }
    ww_osdb_free(db);
}

/* Fingerprints as core/synfp.h reads them: the text form of what the
 * kernel, nmap and hping3 sent in tests/e2e/osfp.sh, and nmap's option bytes
 * as psad's corpus logs them (OPT (020405B4)). */
static void test_read(void)
{
    struct ww_osdb *db = NULL;
    char err[256];
    if (access(WW_OSDB_DEFAULT, R_OK)) { test_skipped = WW_OSDB_DEFAULT " (Debian's p0f package) is absent"; return; }
    CHECK_INT(ww_osdb_load(NULL, &db, err, sizeof err), WW_OK);
    if (!db) return;
    static const struct { const char *text, *want; } t[] = {
        {"4:64:0:1460:64240,10:mss,sok,ts,nop,ws:df,id+:0", "generic Linux 2.2.x-3.x"},
        {"4:64:0:1460:64240,10:mss,sok,ts,nop,ws:df,id+,?seq:0", "generic Linux 2.2.x-3.x"},
        {"4:64:0:*:64240,*:*:df,id+,?seq:*", "(none)"},
        {"4:50:0:1460:1024,0:mss::0", "exact nmap SYN scan"},
        {"4:50:0:*:1024,*:*:?seq:*", "guess nmap SYN scan"},
        {"4:64:0:0:512,0::ack+:0", "(none)"},
        {"4:255:0:0:1024,0:::0", "(none)"},
        {"6:255:0:1460:1024,0:mss::0", "fuzzy Linux 2.2.x-3.x (barebone)"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        struct ww_synfp fp;
        CHECK_INT(ww_synfp_parse(t[i].text, strlen(t[i].text), &fp), WW_OK);
        CHECK_STR(os(db, fp), t[i].want);
    }
    struct ww_synfp fp = {.flags = WW_FP_SET, .ttl = 53, .win = 3072};
    static const uint8_t opt[] = {0x02, 0x04, 0x05, 0xb4};
    ww_synfp_options(&fp, opt, sizeof opt);
    CHECK_STR(os(db, fp), "exact nmap SYN scan");
    ww_osdb_free(db);
}

static struct ww_osdb *parse(const char *text, char *err, size_t errlen)
{
    struct ww_osdb *db = NULL;
    err[0] = 0;
    enum ww_err rc = ww_osdb_parse(text, strlen(text), "my.fp", &db, err, errlen);
    CHECK((rc == WW_OK) == (db != NULL));
    return db;
}

/* The window forms, ittl+dist and specific over generic whatever the order. */
static void test_forms(void)
{
    char err[256];
    struct ww_osdb *db = parse(
        "; ours\r\n"
        "classes = win,unix\r\n"
        "[mtu]\n"
        "label = Ethernet\n"
        "sig = 1500\n"
        "[tcp:request]\n"
        "label = g:unix:Any:\n"
        "sig   = *:64:0:*:*,*:mss,nop,ws:df:0\n"
        "label = s:unix:Mod:8192\n"
        "sig   = *:64:0:*:%8192,*:mss,nop,ws:df:0\n"
        "label = s:unix:Plus:\n"
        "sig   = 4:54+10:0:1400:500,0:mss:: *\n"
        "sig   = 4:54+10:0:1400:501,0:mss::*\n"
        "label = s:win:Six:\n"
        "sys = Linux\n"
        "sig = 6:128:0:*:mss*4,0:mss,?77,eol+3:flow:+\n"
        "[tcp:response]\n"
        "label = s:unix:Linux:whatever\n"
        "sig = this is not ours to parse\n", err, sizeof err);
    CHECK_STR(err, "my.fp:12: pclass ' *' is not valid");
    ww_osdb_free(db);
    db = parse(
        "classes = win,unix\n"
        "[tcp:request]\n"
        "label = g:unix:Any:\n"
        "sig   = *:64:0:*:*,*:mss,nop,ws:df:0\n"
        "label = s:unix:Mod:8192\n"
        "sig   = *:64:0:*:%8192,*:mss,nop,ws:df:0\n"
        "label = s:unix:Plus:\n"
        "sig   = 4:54+10:0:1400:501,0:mss::*\n"
        "label = s:win:Six:\n"
        "sys = Linux\n"
        "sig = 6:128:0:*:mss*4,0:mss,?77,eol+3:flow:+\n"
        "[tcp:response]\n"
        "sig = this is not ours to parse\n", err, sizeof err);
    CHECK_STR(err, "");
    if (!db) return;
    CHECK_STR(os(db, syn(0, 60, 16384, 1460, 2, "mss,nop,ws", WW_FPQ_DF)), "exact Mod 8192");
    CHECK_STR(os(db, syn(0, 60, 16385, 1460, 2, "mss,nop,ws", WW_FPQ_DF)), "generic Any");
    CHECK_STR(os(db, syn(0, 60, 501, 1400, 0, "mss", 0)), "exact Plus");
    CHECK_STR(os(db, syn(0, 64, 501, 1400, 0, "mss", 0)), "exact Plus");
    CHECK_STR(os(db, syn(0, 65, 501, 1400, 0, "mss", 0)), "fuzzy Plus");
    struct ww_synfp six = syn(1, 120, 5760, 1440, 0, "mss,?77,eol+3", WW_FPQ_FLOW);
    six.flags |= WW_FP_PAYLOAD;
    CHECK_STR(os(db, six), "exact Six");
    six.eol_pad = 2;
    CHECK_STR(os(db, six), "(none)");
    /* a guess from literal windows only: Plus at 64 (54+10) and 501 */
    struct ww_synfp g = {.flags = WW_FP_SET, .ttl = 50, .win = 501};
    CHECK_STR(os(db, g), "guess Plus");
    g.win = 16384;
    CHECK_STR(os(db, g), "(none)");
    ww_osdb_free(db);
}

static void test_errors(void)
{
    static const struct { const char *text, *err; } cases[] = {
        {"[tcp:request]\nsig = *:64:0:*:*,*:mss:df:0\n", "my.fp:2: a signature before any label"},
        {"classes = unix\n[tcp:request]\nlabel = s:win:Windows:XP\n",
         "my.fp:3: class 'win' is not '!' nor in the classes line"},
        {"classes = unix\n[tcp:request]\nlabel = x:unix:Linux:\n",
         "my.fp:3: a label is type:class:name:flavor, type s or g"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix::x\n", "my.fp:3: a label without a name"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = 5:64:0:*:*,*:mss:df:0\n",
         "my.fp:4: ver '5' is not valid"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:256:0:*:*,*:mss:df:0\n",
         "my.fp:4: ittl '256' is not valid"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64+x:0:*:*,*:mss:df:0\n",
         "my.fp:4: ittl '64+x' is not valid"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:mss*0,*:mss:df:0\n",
         "my.fp:4: wsize,scale 'mss*0,*' is not valid"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:%1,*:mss:df:0\n",
         "my.fp:4: wsize,scale '%1,*' is not valid"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:70000,*:mss:df:0\n",
         "my.fp:4: wsize,scale '70000,*' is not valid"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:*,*:mss,eol+1,nop:df:0\n",
         "my.fp:4: eol+N must be the last option"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:*,*:mss,wsx:df:0\n",
         "my.fp:4: olayout 'mss,wsx' is not valid"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:*,*:mss:df,id*:0\n",
         "my.fp:4: quirk 'id*' is not one of p0f's"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = 6:64:0:*:*,*:mss:df:0\n",
         "my.fp:4: quirk 'df' is not valid for IPv6"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:*,*:mss:df\n",
         "my.fp:4: 7 fields, not 8 (ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass)"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:*,*:mss:df:0:0\n",
         "my.fp:4: more than 8 fields (ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass)"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nwhat = 1\n",
         "my.fp:4: unknown key 'what' in [tcp:request]"},
        {"classes = unix\n[tcp:request\n", "my.fp:2: a section is [module:direction]"},
        {"classes = unix\nlabel = s:unix:L:\n", "my.fp:2: 'label' before the first section"},
        {"classes = unix\n[tcp:request]\njust words\n",
         "my.fp:3: not a comment, a section nor 'key = value'"},
        {"classes = unix\n[tcp:response]\nlabel = s:unix:L:\n",
         "my.fp: no signatures in a [tcp:request] section"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[256];
        struct ww_osdb *db = parse(cases[i].text, err, sizeof err);
        CHECK(db == NULL);
        CHECK_STR(err, cases[i].err);
        ww_osdb_free(db);
    }
    struct ww_osdb *db = NULL;
    char err[256];
    CHECK_INT(ww_osdb_load("/nonexistent/p0f.fp", &db, err, sizeof err), WW_ERR_IO);
    CHECK_STR(err, "/nonexistent/p0f.fp: No such file or directory");
    CHECK(db == NULL);
    CHECK_STR(ww_os_kind_name(WW_OS_FUZZY << 12 | 3), "fuzzy");
}

TEST_MAIN(test_forms(); test_errors(); test_every_line(); test_real(); test_read())
