/* outbox.c -- the sensor's outbox (lib/sensor/outbox.c) and its atomic
 * write (atomic.c): batches close at --batch events into the spool with the
 * state committed after them (seq, file positions, journal cursor), targets
 * masked; a reopen reads the state back and drops spooled batches the
 * state never committed; an empty commit writes the state only when the
 * positions moved; ww_write_atomic and ww_mkdirs, and their errors. Targets
 * as --anonymize says: Crypto-PAn under a key made at the first start (mode
 * 0600) and kept, or under --anonymize-key (a bad one refused), or as they
 * are; sources always as they are. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "sensor/cryptopan.h"
#include "sensor/sensor_int.h"
#include "sensor/spool.h"
#include "core/synfp.h"
#include "test.h"

static char said[4096];
static void on_log(void *ctx, enum ww_sensor_say kind, const char *msg)
{
    (void)ctx, (void)kind;
    snprintf(said + strlen(said), sizeof said - strlen(said), "%s\n", msg);
}

static uint64_t where_pos[2];
static char where_jcur[WW_SENSOR_CURSOR_MAX];
static void where(void *ctx, uint64_t *pos, char jcur[WW_SENSOR_CURSOR_MAX])
{
    (void)ctx;
    pos[0] = where_pos[0], pos[1] = where_pos[1];
    snprintf(jcur, WW_SENSOR_CURSOR_MAX, "%s", where_jcur);
}

static void slurp(const char *path, char *buf, size_t size)
{
    FILE *fp = fopen(path, "r");
    size_t n = fp ? fread(buf, 1, size - 1, fp) : 0;
    buf[n] = 0;
    if (fp) fclose(fp);
}

static void rmrf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void test_atomic(const char *dir) /* dir: under 64 bytes */
{
    char err[256] = "", path[900], buf[64], sub[800];
    snprintf(sub, sizeof sub, "%s/a/b/c", dir);
    CHECK_INT(ww_mkdirs(sub, err, sizeof err), WW_OK);
    CHECK_INT(ww_mkdirs(sub, err, sizeof err), WW_OK); /* there already */
    CHECK_INT(ww_write_atomic(sub, ".f.tmp", "f", "hello\n", 6, err, sizeof err), WW_OK);
    snprintf(path, sizeof path, "%s/f", sub);
    slurp(path, buf, sizeof buf);
    CHECK_STR(buf, "hello\n");
    snprintf(path, sizeof path, "%s/.f.tmp", sub);
    CHECK(access(path, F_OK) != 0);
    snprintf(sub, sizeof sub, "%s/missing", dir);
    CHECK_INT(ww_write_atomic(sub, ".f.tmp", "f", "x", 1, err, sizeof err), WW_ERR_IO);
    CHECK_STR(err, "No such file or directory");
    snprintf(path, sizeof path, "%s/a/b/c/f/g", dir); /* a file where a directory is wanted */
    CHECK_INT(ww_mkdirs(path, err, sizeof err), WW_ERR_IO);
}

static struct ww_event event(int i)
{
    struct ww_event e = {0};
    e.ts_us = 1700000000000000LL + i;
    ww_addr_parse("198.51.100.7", 12, &e.src);
    ww_addr_parse("192.0.2.99", 10, &e.dst);
    e.sport = (uint16_t)(1024 + i), e.dport = 445, e.proto = WW_PROTO_TCP;
    e.tcpflags = WW_TH_SYN, e.count = 1;
    return e;
}

static void test_outbox(const char *dir)
{
    const char *files[] = {"/var/log/fw.log"};
    struct ww_sensor_opts so;
    struct slog log = {on_log, NULL};
    struct outbox o;
    char err[512], path[600], buf[1024], id[WW_SPOOL_IDMAX + 1], *data;
    uint64_t seq;
    size_t len;
    ww_sensor_opts_default(&so);
    so.statedir = dir, so.files = files, so.nfiles = 1, so.batch_max = 3;
    so.anon = WW_SENSOR_ANON_MASK;
    CHECK_INT(outbox_open(&o, &so, &log, where, NULL, err, sizeof err), WW_OK);
    CHECK_INT(strlen(o.instance), 16);
    CHECK_INT(o.next_seq, 1);
    where_pos[0] = 7, where_pos[1] = 100;
    for (int i = 0; i < 3; i++) {
        struct ww_event e = event(i);
        if (i == 1) { /* a SYN's fingerprint travels as the tenth field */
            const char *fp = "4:113:0:1460:65535,0:mss,nop,nop,sok:df,id+:0";
            CHECK_INT(ww_synfp_parse(fp, strlen(fp), &e.fp), WW_OK);
        }
        outbox_add(&o, &e);
    }
    CHECK_INT(o.bn, 0); /* closed at 3 */
    CHECK_INT(ww_spool_count(o.spool), 1);
    CHECK_INT(o.next_seq, 2);
    snprintf(path, sizeof path, "%s/state", dir);
    slurp(path, buf, sizeof buf);
    CHECK_STR(buf, "seq 2\nfile 7 100 /var/log/fw.log\n");
    CHECK_INT(ww_spool_oldest(o.spool, &seq, id, &data, &len, err, sizeof err), WW_OK);
    CHECK(data && strstr(data, "\t192.0.0.0\t445\t6\t") != NULL); /* /16 kept */
    CHECK(data && strstr(data, "\t198.51.100.7\t1024\t") != NULL);
    int tenth = 0; /* one line of ten fields, its fingerprint last; the others nine */
    for (const char *l = data; l && l < data + len; l = strchr(l, '\n') + 1) {
        int tabs = 0;
        for (const char *q = l; *q != '\n'; q++) tabs += *q == '\t';
        CHECK(tabs == 8 || tabs == 9);
        tenth += tabs == 9 && !strncmp(strchr(l, '\n') - 45, "4:113:0:1460:65535,0:mss,nop,nop,sok:df,id+:0", 45);
    }
    CHECK_INT(tenth, 1);
    char want[40];
    snprintf(want, sizeof want, "%s-1", o.instance);
    CHECK_STR(id, want);
    ww_free(data);
    /* lines without events: the state follows the positions, once */
    where_pos[1] = 150;
    snprintf(where_jcur, sizeof where_jcur, "s=abc");
    outbox_commit(&o);
    slurp(path, buf, sizeof buf);
    CHECK_STR(buf, "seq 2\nfile 7 150 /var/log/fw.log\njournal s=abc\n");
    /* a batch spooled but never committed (a crash between 1 and 2) */
    uint64_t dropped;
    CHECK_INT(ww_spool_put(o.spool, 5, "x-5", "a\n", 2, &dropped, err, sizeof err), WW_OK);
    char inst[33];
    snprintf(inst, sizeof inst, "%s", o.instance);
    outbox_release(&o);
    CHECK_INT(outbox_open(&o, &so, &log, where, NULL, err, sizeof err), WW_OK);
    CHECK_STR(o.instance, inst);
    CHECK_INT(o.next_seq, 2);
    CHECK_INT(o.pos[0], 7);
    CHECK_INT(o.pos[1], 150);
    CHECK_STR(o.jcur, "s=abc");
    CHECK_INT(ww_spool_count(o.spool), 1); /* seq 5 dropped, seq 1 kept */
    CHECK_INT(outbox_save_now(&o, "s=def", err, sizeof err), WW_OK);
    CHECK_STR(o.jcur, "s=def");
    outbox_finish(&o, 0);
    outbox_release(&o);
    CHECK_STR(said, "");
    /* a state directory that cannot be made */
    snprintf(path, sizeof path, "%s/state/x", dir);
    so.statedir = path;
    CHECK_INT(outbox_open(&o, &so, &log, where, NULL, err, sizeof err), WW_ERR_IO);
    CHECK(strstr(err, "cannot create") != NULL);
    outbox_release(&o);
}

/* One batch of three events to dst under so; the spooled text in buf. */
static void one_batch(const struct ww_sensor_opts *so, const char *dst, char *buf, size_t size)
{
    struct slog log = {on_log, NULL};
    struct outbox o;
    char err[512], id[WW_SPOOL_IDMAX + 1], *data = NULL;
    uint64_t seq;
    size_t len;
    buf[0] = 0;
    CHECK_INT(outbox_open(&o, so, &log, where, NULL, err, sizeof err), WW_OK);
    while (!ww_spool_oldest(o.spool, &seq, id, &data, &len, err, sizeof err) && data) { /* the last run's */
        ww_spool_remove(o.spool, seq);
        ww_free(data);
    }
    for (int i = 0; i < 3; i++) {
        struct ww_event e = event(i);
        ww_addr_parse(dst, strlen(dst), &e.dst);
        outbox_add(&o, &e);
    }
    data = NULL;
    CHECK_INT(ww_spool_oldest(o.spool, &seq, id, &data, &len, err, sizeof err), WW_OK);
    snprintf(buf, size, "%s", data ? data : "");
    ww_free(data);
    outbox_release(&o);
}

static void test_anonymize(const char *dir)
{
    const char *files[] = {"/var/log/fw.log"};
    struct ww_sensor_opts so;
    struct slog log = {on_log, NULL};
    struct outbox o;
    struct stat st;
    char err[512], path[600], buf[1024], first[1024], want[800];
    ww_sensor_opts_default(&so);
    so.statedir = dir, so.files = files, so.nfiles = 1, so.batch_max = 3;
    said[0] = 0;
    /* the default: Crypto-PAn under a key made now */
    one_batch(&so, "192.0.2.99", first, sizeof first);
    snprintf(path, sizeof path, "%s/anonymize.key", dir);
    snprintf(want, sizeof want, "made the anonymization key %s: targets leave as pseudonyms", path);
    CHECK(strstr(said, want) == said);
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_size, 32);
    CHECK_INT(st.st_mode & 0777, 0600);
    uint8_t key[WW_CRYPTOPAN_KEYLEN];
    static struct ww_cryptopan c;
    CHECK_INT(ww_cryptopan_key_read(path, key, err, sizeof err), WW_OK);
    ww_cryptopan_init(&c, key);
    struct ww_addr a;
    char p[WW_ADDR_STRLEN];
    ww_addr_parse("192.0.2.99", 10, &a);
    ww_cryptopan_addr(&c, &a);
    ww_addr_format(&a, p);
    snprintf(want, sizeof want, "\t198.51.100.7\t1024\t%s\t445\t6\t", p); /* the source as it is */
    CHECK(strstr(first, want) != NULL);
    CHECK(strstr(first, "192.0.2.99") == NULL);
    /* kept: the next start, the same key, the same pseudonym, nothing said */
    said[0] = 0;
    one_batch(&so, "192.0.2.99", buf, sizeof buf);
    CHECK_STR(said, "");
    CHECK(strstr(buf, want) != NULL);
    /* --anonymize-key: the reference sample's key (tests/unit/sensor/cryptopan.c), in hex */
    snprintf(path, sizeof path, "%s/ref.key", dir);
    FILE *fp = fopen(path, "w");
    fputs("1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202\n", fp);
    fclose(fp);
    chmod(path, 0600);
    so.anon_key = path;
    one_batch(&so, "128.11.68.132", buf, sizeof buf);
    CHECK(strstr(buf, "\t135.242.180.132\t445\t") != NULL);
    CHECK_STR(said, "");
    chmod(path, 0644); /* refused, and said so */
    CHECK_INT(outbox_open(&o, &so, &log, where, NULL, err, sizeof err), WW_ERR_ARG);
    snprintf(want, sizeof want, "the anonymization key %s is open to group or others", path);
    CHECK(strstr(err, want) == err);
    outbox_release(&o);
    /* none: the target as it is; a mask of 24 bits */
    so.anon_key = NULL, so.anon = WW_SENSOR_ANON_NONE;
    one_batch(&so, "192.0.2.99", buf, sizeof buf);
    CHECK(strstr(buf, "\t198.51.100.7\t1024\t192.0.2.99\t445\t") != NULL);
    so.anon = WW_SENSOR_ANON_MASK, so.anon_bits = 24;
    one_batch(&so, "192.0.2.99", buf, sizeof buf);
    CHECK(strstr(buf, "\t198.51.100.7\t1024\t192.0.2.0\t445\t") != NULL);
    one_batch(&so, "2001:db8:1:2::7", buf, sizeof buf); /* IPv6 keeps its /48 */
    CHECK(strstr(buf, "\t2001:db8:1::\t445\t") != NULL);
    CHECK_STR(said, "");
}

static void run(void)
{
    char dir[] = "/tmp/test_outbox.XXXXXX", a[64], b[64], c[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(a, sizeof a, "%s/atomic", dir);
    snprintf(b, sizeof b, "%s/state", dir);
    mkdir(a, 0700);
    test_atomic(a);
    test_outbox(b);
    snprintf(c, sizeof c, "%s/anon", dir);
    test_anonymize(c);
    rmrf(dir);
}

TEST_MAIN(run())
