/* input.c -- lib/ingest/input.c on files this test writes into its own
 * mkdtemp directory ($TMPDIR or /tmp, removed at the end): the sniffed
 * format of each kind of file (and a forced one), stdin from a pipe (text,
 * and a capture put back through the replay stream), lines longer than
 * WW_INPUT_MAXLINE skipped as bad and counted once (inside a block and
 * across blocks, also as the last line), CRLF and a last line without a
 * newline, strict mode stopping at the first bad line with the events
 * before it kept, the k-way merge of ww_input_files in time order, and
 * inputs that cannot be opened failing the run before any event. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "core/err.h"
#include "core/wtime.h"
#include "ingest/input.h"
#include "out/write.h"

#define US 1000000LL
#define T0 1154390400LL /* 2006-08-01T00:00:00Z */

/* ---- the private directory and the files in it ---- */

static char dir[256];
static char made[32][320];
static int nmade;

static const char *put(const char *name, const void *data, size_t len)
{
    char *p = made[nmade++];
    snprintf(p, sizeof made[0], "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK_INT(fwrite(data, 1, len, f), len);
        CHECK_INT(fclose(f), 0);
    }
    return p;
}

static const char *put_str(const char *name, const char *s) { return put(name, s, strlen(s)); }

/* A DShield line at T0 + sec from 198.51.100.SRC to port DPORT. */
static int ds(char *buf, size_t size, int64_t sec, int src, int dport)
{
    char t[32];
    ww_time_format((T0 + sec) * US, t, sizeof t);
    t[10] = ' ', t[19] = 0;
    return snprintf(buf, size, "%s +00:00\t0\t1\t198.51.100.%d\t40000\t192.0.2.1\t%d\ttcp\tSYN\n",
                    t, src, dport);
}

static struct ww_event tcp_event(int64_t sec, uint8_t flags, int src_last, int dst_last,
                                 uint16_t sport, uint16_t dport)
{
    struct ww_event ev;
    memset(&ev, 0, sizeof ev);
    uint8_t s[4] = {198, 51, 100, (uint8_t)src_last}, d[4] = {192, 0, 2, (uint8_t)dst_last};
    ww_addr_from_v4(&ev.src, s);
    ww_addr_from_v4(&ev.dst, d);
    ev.ts_us = (T0 + sec) * US;
    ev.proto = WW_PROTO_TCP;
    ev.tcpflags = flags;
    ev.sport = sport, ev.dport = dport;
    ev.count = 1;
    return ev;
}

/* ---- sinks ---- */

static struct ww_event got[64];
static size_t ngot;

static void on_event(void *ctx, const struct ww_event *ev)
{
    (void)ctx;
    if (ngot < sizeof got / sizeof got[0]) got[ngot] = *ev;
    ngot++;
}

static uint64_t bad_lines[16];
static char bad_why[16][64];
static size_t nbad;

static void on_bad(void *ctx, const char *file, uint64_t line, const char *why)
{
    (void)ctx, (void)file;
    if (nbad < 16) {
        bad_lines[nbad] = line;
        snprintf(bad_why[nbad], sizeof bad_why[0], "%s", why);
    }
    nbad++;
}

struct done { char path[320]; int rc; struct ww_input_stats st; uint64_t line; char msg[128]; };
static struct done dn[8];
static size_t ndone;

static void on_done(void *ctx, const char *path, enum ww_err rc, const struct ww_input_stats *st,
                    uint64_t err_line, const char *msg)
{
    (void)ctx;
    if (ndone < 8) {
        snprintf(dn[ndone].path, sizeof dn[0].path, "%s", path);
        dn[ndone].rc = rc, dn[ndone].st = *st, dn[ndone].line = err_line;
        snprintf(dn[ndone].msg, sizeof dn[0].msg, "%s", msg);
    }
    ndone++;
}

static void reset(struct ww_input_opts *o)
{
    ww_input_opts_init(o);
    o->on_event = on_event;
    o->on_bad = on_bad;
    ngot = nbad = ndone = 0;
}

/* Every event of path through ww_reader_open/next: the count, or -1 if the open failed. */
static long read_all(const char *path, const struct ww_input_opts *o, enum ww_format *fmt,
                     struct ww_input_stats *st)
{
    enum ww_err err = WW_OK;
    char msg[256];
    struct ww_reader *r = ww_reader_open(path, o, &err, msg, sizeof msg);
    if (!r) return -1;
    struct ww_event ev;
    long n = 0;
    int rc;
    while ((rc = ww_reader_next(r, &ev)) > 0) {
        if (n < 64) got[n] = ev;
        n++;
    }
    CHECK_INT(rc, 0);
    CHECK_INT(ww_reader_status(r), WW_OK);
    CHECK_INT(ww_reader_next(r, &ev), 0); /* and keeps saying so */
    if (fmt) *fmt = ww_reader_format(r);
    if (st) *st = *ww_reader_stats(r);
    ww_reader_close(r);
    return n;
}

/* ---- the cases ---- */

static void test_sniff(void)
{
    struct ww_input_opts o;
    reset(&o);
    struct ww_event ev = tcp_event(1, WW_TH_SYN, 7, 1, 1800, 139);
    char nf[WW_WRITE_MAX], line[256];
    size_t n = ww_netfilter_format(&ev, "sensor-01", nf, sizeof nf);
    CHECK(n > 0);
    uint8_t cap[WW_PCAP_FILE_HEADER + WW_WRITE_MAX];
    ww_pcap_file_header(cap);
    size_t caplen = WW_PCAP_FILE_HEADER + ww_pcap_format(&ev, cap + WW_PCAP_FILE_HEADER, WW_WRITE_MAX);
    ds(line, sizeof line, 1, 7, 139);
    line[strlen(line) - 1] = 0; /* the last line without its newline */

    static const char winfw[] =
        "#Version: 1.5\r\n#Software: Microsoft Windows Firewall\r\n#Time Format: Local\r\n"
        "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags "
        "tcpsyn tcpack tcpwin icmptype icmpcode info path\r\n\r\n"
        "2006-08-01 00:00:01 DROP TCP 198.51.100.7 192.0.2.1 1800 139 48 S 1 0 64240 - - - RECEIVE\r\n";
    static const struct { const char *name; enum ww_format want; } kinds[] = {
        {"nf.log", WW_FMT_NETFILTER}, {"ds.tsv", WW_FMT_DSHIELD},
        {"pfirewall.log", WW_FMT_WINFW}, {"cap.pcap", WW_FMT_PCAP},
    };
    const char *paths[4] = {
        put("nf.log", nf, n), put_str("ds.tsv", line), put_str("pfirewall.log", winfw),
        put("cap.pcap", cap, caplen),
    };
    o.pctx.tz_fixed = 1; /* the firewall log's local time is UTC here */
    for (int i = 0; i < 4; i++) {
        enum ww_format f = WW_FMT_AUTO;
        struct ww_input_stats st;
        CHECK_INT(read_all(paths[i], &o, &f, &st), 1);
        CHECK_INT(f, kinds[i].want);
        CHECK_INT(got[0].ts_us, ev.ts_us);
        CHECK(ww_addr_eq(&got[0].src, &ev.src) && ww_addr_eq(&got[0].dst, &ev.dst));
        CHECK_INT(got[0].dport, 139);
        CHECK_INT(got[0].proto, WW_PROTO_TCP);
        CHECK_INT(st.events, 1);
        CHECK_INT(st.skipped, 0);
        struct stat sb;
        CHECK(stat(paths[i], &sb) == 0);
        if (f != WW_FMT_PCAP) CHECK_INT(st.bytes, sb.st_size); /* pcap: records + 16 each */
    }
    CHECK_INT(nbad, 0);

    /* A format forced on the wrong file: every line is bad, none an event. */
    o.format = WW_FMT_DSHIELD;
    struct ww_input_stats st;
    CHECK_INT(read_all(paths[0], &o, NULL, &st), 0);
    CHECK_INT(st.lines, 1);
    CHECK_INT(st.skipped, 1);
    CHECK_INT(nbad, 1);
    CHECK_STR(bad_why[0], "fewer than 9 tab-separated fields");
    /* Unknown binary (a NUL byte) and an empty file: read as netfilter. */
    o.format = WW_FMT_AUTO;
    enum ww_format f;
    static const char blob[] = "\x01\x02\x00\x03 SRC= PROTO=\n";
    const char *bin = put("blob.bin", blob, sizeof blob - 1);
    CHECK_INT(read_all(bin, &o, &f, &st), 0);
    CHECK_INT(f, WW_FMT_NETFILTER);
    CHECK_INT(st.lines, 1);
    CHECK_INT(read_all(put_str("empty.log", ""), &o, &f, &st), 0);
    CHECK_INT(f, WW_FMT_NETFILTER);
    CHECK_INT(st.lines, 0);
    CHECK_INT(st.bytes, 0);
}

/* stdin: the pipe's bytes become fd 0 (small enough for the pipe buffer). */
static void to_stdin(const void *buf, size_t n)
{
    int fd[2];
    CHECK_INT(pipe(fd), 0);
    CHECK_INT(write(fd[1], buf, n), n);
    close(fd[1]);
    if (fd[0] != 0) { /* run with fd 0 closed, the pipe may already be it */
        CHECK_INT(dup2(fd[0], 0), 0);
        close(fd[0]);
    }
    clearerr(stdin);
}

static void test_stdin(void)
{
    struct ww_input_opts o;
    reset(&o);
    char text[512];
    int n = ds(text, sizeof text, 5, 9, 445);
    n += ds(text + n, sizeof text - (size_t)n, 6, 10, 445);
    to_stdin(text, (size_t)n);
    enum ww_format f;
    struct ww_input_stats st;
    CHECK_INT(read_all("-", &o, &f, &st), 2);
    CHECK_INT(f, WW_FMT_DSHIELD);
    CHECK_INT(st.bytes, n);
    CHECK_INT(got[1].ts_us, (T0 + 6) * US);

    /* A capture on a pipe cannot be rewound: its first bytes are replayed. */
    uint8_t cap[WW_PCAP_FILE_HEADER + 4 * WW_WRITE_MAX];
    size_t len = WW_PCAP_FILE_HEADER;
    ww_pcap_file_header(cap);
    struct ww_event syn = tcp_event(10, WW_TH_SYN, 20, 1, 1025, 445);
    struct ww_event synack = tcp_event(10, WW_TH_SYN | WW_TH_ACK, 0, 0, 445, 1025);
    synack.src = syn.dst, synack.dst = syn.src, synack.ts_us += 20000;
    len += ww_pcap_format(&syn, cap + len, sizeof cap - len);
    len += ww_pcap_format(&synack, cap + len, sizeof cap - len);
    to_stdin(cap, len);
    CHECK_INT(read_all("-", &o, &f, &st), 1);
    CHECK_INT(f, WW_FMT_PCAP);
    CHECK_INT(st.lines, 2);
    CHECK_INT(got[0].outcome, WW_OUTCOME_SUCCESS);
    CHECK_INT(got[0].dport, 445);
    enum ww_err err = WW_OK;
    char msg[128];
    struct ww_reader *r = ww_reader_open("-", &o, &err, msg, sizeof msg);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(ww_reader_path(r), "-");
        ww_reader_close(r);
    }
    /* the readers leave stdin open: fd 0 is still the pipe */
    CHECK(lseek(0, 0, SEEK_CUR) == -1 && errno == ESPIPE);
}

static void test_long_lines(void)
{
    struct ww_input_opts o;
    reset(&o);
    /* good, 65536 (the limit: parsed, and bad for what it is), 65537 (too
     * long, inside a block), good with CRLF, 2.5 MiB (too long across
     * blocks: counted once, the rest discarded), good, and 1.5 MiB without
     * a newline at the end. */
    size_t cap = 6u << 20, n = 0;
    char *buf = malloc(cap);
    n += (size_t)ds(buf + n, cap - n, 1, 1, 80);
    memset(buf + n, 'x', 65536), n += 65536, buf[n++] = '\n';
    memset(buf + n, 'y', 65537), n += 65537, buf[n++] = '\n';
    n += (size_t)ds(buf + n, cap - n, 2, 2, 80);
    buf[n - 1] = '\r', buf[n++] = '\n';
    memset(buf + n, 'z', 5u << 19), n += 5u << 19, buf[n++] = '\n';
    n += (size_t)ds(buf + n, cap - n, 3, 3, 80);
    memset(buf + n, 'w', 3u << 19), n += 3u << 19;
    const char *p = put("long.tsv", buf, n);
    free(buf);

    struct ww_input_stats st;
    enum ww_format f;
    CHECK_INT(read_all(p, &o, &f, &st), 3);
    CHECK_INT(f, WW_FMT_DSHIELD);
    CHECK_INT(got[0].ts_us, (T0 + 1) * US);
    CHECK_INT(got[1].ts_us, (T0 + 2) * US);
    CHECK_INT(got[2].ts_us, (T0 + 3) * US);
    CHECK_INT(st.lines, 7);
    CHECK_INT(st.events, 3);
    CHECK_INT(st.skipped, 4);
    CHECK_INT(st.bytes, n);
    CHECK_INT(nbad, 4);
    static const uint64_t want_line[4] = {2, 3, 5, 7};
    for (int i = 0; i < 4; i++) CHECK_INT(bad_lines[i], want_line[i]);
    CHECK_STR(bad_why[0], "fewer than 9 tab-separated fields");
    CHECK_STR(bad_why[1], "line longer than 64 KiB");
    CHECK_STR(bad_why[2], "line longer than 64 KiB");
    CHECK_STR(bad_why[3], "line longer than 64 KiB");

    /* the same file pooled with another (smaller blocks): the same counts */
    reset(&o);
    char one[256];
    const char *q = put("one.tsv", one, (size_t)ds(one, sizeof one, 0, 4, 80));
    const char *both[2] = {p, q};
    CHECK_INT(ww_input_files(both, 2, &o, on_done, NULL), WW_OK);
    CHECK_INT(ngot, 4);
    CHECK_INT(nbad, 4);
    CHECK_INT(ndone, 2);
    for (size_t i = 0; i < 2 && i < ndone; i++)
        if (!strcmp(dn[i].path, p)) CHECK(dn[i].st.lines == 7 && dn[i].st.skipped == 4);
}

static void test_strict(void)
{
    struct ww_input_opts o;
    reset(&o);
    char text[1024];
    int n = ds(text, sizeof text, 1, 1, 80);
    n += ds(text + n, sizeof text - (size_t)n, 2, 2, 80);
    n += snprintf(text + n, sizeof text - (size_t)n, "# a comment\ngarbage\n");
    n += ds(text + n, sizeof text - (size_t)n, 4, 4, 80);
    const char *p = put("strict.tsv", text, (size_t)n);

    /* lenient: the bad line is counted, the rest read */
    struct ww_input_stats st = {0};
    uint64_t line = 99;
    char msg[256] = "x";
    enum ww_format f = WW_FMT_AUTO;
    CHECK_INT(ww_input_file(p, &o, &st, &f, &line, msg, sizeof msg), WW_OK);
    CHECK_INT(f, WW_FMT_DSHIELD);
    CHECK_INT(ngot, 3);
    CHECK_INT(st.lines, 5);
    CHECK_INT(st.skipped, 1);
    CHECK_INT(line, 0);

    /* strict, through the reader: two events, then the error, for good */
    reset(&o);
    o.strict = 1;
    enum ww_err err = WW_OK;
    struct ww_reader *r = ww_reader_open(p, &o, &err, msg, sizeof msg);
    CHECK(r != NULL);
    if (r) {
        struct ww_event ev;
        CHECK_INT(ww_reader_next(r, &ev), 1);
        CHECK_INT(ev.ts_us, (T0 + 1) * US);
        CHECK_INT(ww_reader_next(r, &ev), 1);
        CHECK_INT(ev.ts_us, (T0 + 2) * US);
        CHECK_INT(ww_reader_next(r, &ev), 0);
        CHECK_INT(ww_reader_status(r), WW_ERR_PARSE);
        CHECK_INT(ww_reader_next(r, &ev), 0);
        CHECK_INT(ww_reader_status(r), WW_ERR_PARSE);
        CHECK_STR(ww_reader_error(r, &line), "fewer than 9 tab-separated fields");
        CHECK_INT(line, 4);
        CHECK_INT(ww_reader_stats(r)->events, 2);
        CHECK_INT(ww_reader_stats(r)->skipped, 1);
        CHECK_INT(ww_reader_stats(r)->lines, 4);
        ww_reader_close(r);
    }
    /* strict, the whole file: the events before the bad line were delivered */
    reset(&o);
    o.strict = 1;
    memset(&st, 0, sizeof st);
    CHECK_INT(ww_input_file(p, &o, &st, NULL, &line, msg, sizeof msg), WW_ERR_PARSE);
    CHECK_INT(ngot, 2);
    CHECK_INT(line, 4);
    CHECK_STR(msg, "fewer than 9 tab-separated fields");
    CHECK_INT(st.events, 2);
    CHECK_INT(nbad, 1);
    /* a line too long is bad like any other */
    char *big = malloc(70000);
    n = ds(big, 70000, 1, 1, 80);
    memset(big + n, 'q', 69000);
    p = put("strict_long.tsv", big, (size_t)n + 69000);
    free(big);
    reset(&o);
    o.strict = 1;
    memset(&st, 0, sizeof st);
    CHECK_INT(ww_input_file(p, &o, &st, NULL, &line, msg, sizeof msg), WW_ERR_PARSE);
    CHECK_INT(ngot, 1);
    CHECK_INT(line, 2);
    CHECK_STR(msg, "line longer than 64 KiB");
}

static void test_merge(void)
{
    struct ww_input_opts o;
    reset(&o);
    /* a: 0, 3, 6, ..., 27; b: 1, 4, ..., 28 and one more at 40; c: 2, 5,
     * 8 (and a header comment); d: empty. Ports tell the files apart. */
    char a[2048], b[2048], c[2048];
    int na = 0, nb = 0, nc = snprintf(c, sizeof c, "# sensor c\n");
    for (int i = 0; i < 10; i++) {
        na += ds(a + na, sizeof a - (size_t)na, 3 * i, 1, 1001);
        nb += ds(b + nb, sizeof b - (size_t)nb, 3 * i + 1, 2, 1002);
        if (i < 3) nc += ds(c + nc, sizeof c - (size_t)nc, 3 * i + 2, 3, 1003);
    }
    nb += ds(b + nb, sizeof b - (size_t)nb, 40, 2, 1002);
    const char *paths[4] = {put("a.tsv", a, (size_t)na), put("b.tsv", b, (size_t)nb),
                            put("c.tsv", c, (size_t)nc), put_str("d.tsv", "")};
    CHECK_INT(ww_input_files(paths, 4, &o, on_done, NULL), WW_OK);
    CHECK_INT(ngot, 24);
    int ordered = 1;
    for (size_t i = 1; i < ngot && i < 64; i++) ordered &= got[i - 1].ts_us < got[i].ts_us;
    CHECK(ordered);
    CHECK_INT(got[0].dport, 1001);
    CHECK_INT(got[1].dport, 1002);
    CHECK_INT(got[2].dport, 1003);
    CHECK_INT(got[8].dport, 1003);
    CHECK_INT(got[9].dport, 1001); /* c ran out: a and b alternate */
    CHECK_INT(got[10].dport, 1002);
    CHECK_INT(got[11].dport, 1001);
    CHECK_INT(got[23].ts_us, (T0 + 40) * US);
    CHECK_INT(ndone, 4);
    uint64_t lines = 0, events = 0;
    for (size_t i = 0; i < ndone && i < 8; i++) {
        CHECK_INT(dn[i].rc, WW_OK);
        CHECK_STR(dn[i].msg, "");
        lines += dn[i].st.lines, events += dn[i].st.events;
    }
    CHECK_INT(lines, 25);
    CHECK_INT(events, 24);
    CHECK_STR(dn[0].path, paths[3]); /* the empty one is done first */
    CHECK_STR(dn[3].path, paths[1]); /* b holds the last event */

    /* strict: b's second line is bad. Emitted: a@0 and b@1 -- then b's
     * reader, reading on, meets the bad line and everything stops. */
    char bb[512];
    int nbb = ds(bb, sizeof bb, 1, 2, 1002);
    nbb += snprintf(bb + nbb, sizeof bb - (size_t)nbb, "bad line\n");
    nbb += ds(bb + nbb, sizeof bb - (size_t)nbb, 7, 2, 1002);
    const char *strict[2] = {paths[0], put("bb.tsv", bb, (size_t)nbb)};
    reset(&o);
    o.strict = 1;
    CHECK_INT(ww_input_files(strict, 2, &o, on_done, NULL), WW_ERR_PARSE);
    CHECK_INT(ngot, 2);
    CHECK_INT(got[0].ts_us, T0 * US);
    CHECK_INT(got[1].ts_us, (T0 + 1) * US);
    CHECK_INT(ndone, 2);
    CHECK_STR(dn[0].path, strict[1]);
    CHECK_INT(dn[0].rc, WW_ERR_PARSE);
    CHECK_INT(dn[0].line, 2);
    CHECK_STR(dn[0].msg, "fewer than 9 tab-separated fields");
    CHECK_STR(dn[1].path, strict[0]);
    CHECK_INT(dn[1].rc, WW_OK);
}

static void test_missing(void)
{
    struct ww_input_opts o;
    reset(&o);
    char missing[320], missing2[320], msg[256] = "";
    snprintf(missing, sizeof missing, "%s/no-such.log", dir);
    snprintf(missing2, sizeof missing2, "%s/nor-this.tsv", dir);
    enum ww_err err = WW_OK;
    CHECK(ww_reader_open(missing, &o, &err, msg, sizeof msg) == NULL);
    CHECK_INT(err, WW_ERR_IO);
    CHECK_STR(msg, strerror(ENOENT));
    struct ww_input_stats st = {0};
    uint64_t line;
    CHECK_INT(ww_input_file(missing, &o, &st, NULL, &line, msg, sizeof msg), WW_ERR_IO);
    /* a directory opens but cannot be read */
    err = 0;
    CHECK(ww_reader_open(dir, &o, &err, msg, sizeof msg) == NULL);
    CHECK_INT(err, WW_ERR_IO);
    CHECK_STR(msg, strerror(EISDIR));
    /* a capture whose header is cut: not a format we can read */
    err = 0;
    const char *cut = put("cut.pcap", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00", 10);
    CHECK(ww_reader_open(cut, &o, &err, msg, sizeof msg) == NULL);
    CHECK_INT(err, WW_ERR_FORMAT);
    CHECK(msg[0] != 0);

    /* Pooled: good files around missing ones. Nothing is read, no event goes
     * out, each missing one is named, the good ones are not. */
    const char *paths[5] = {made[0], missing, made[1], missing2, cut};
    ngot = 0;
    CHECK_INT(ww_input_files(paths, 5, &o, on_done, NULL), WW_ERR_IO);
    CHECK_INT(ngot, 0);
    CHECK_INT(ndone, 3);
    CHECK_STR(dn[0].path, missing);
    CHECK_INT(dn[0].rc, WW_ERR_IO);
    CHECK_STR(dn[0].msg, strerror(ENOENT));
    CHECK_INT(dn[0].st.lines, 0);
    CHECK_STR(dn[1].path, missing2);
    CHECK_STR(dn[2].path, cut);
    CHECK_INT(dn[2].rc, WW_ERR_FORMAT);
}

static void run(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ww_test_input.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        exit(1);
    }
    test_sniff();
    test_stdin();
    test_long_lines();
    test_strict();
    test_merge();
    test_missing();
    for (int i = 0; i < nmade; i++) CHECK_INT(unlink(made[i]), 0);
    CHECK_INT(rmdir(dir), 0);
}

TEST_MAIN(run())
