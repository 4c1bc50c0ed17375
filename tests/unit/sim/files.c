/* files.c -- a simulated run written to a directory (lib/sim/files.c): in
 * each format, the sensor files hold every record counted (lines, or the
 * pcap header and records), scenario.json agrees with the counts, truth.csv
 * has a row a minute, earlier sensor files go and nothing else does, the
 * same options give the same bytes in another directory, the summary, and
 * the errors. Works in its own mkdtemp directory and removes it. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/mem.h"
#include "sim/files.h"
#include "sim/stack.h"
#include "test.h"
#include "out/write.h"

static char root[] = "/tmp/ww_sim_files_XXXXXX";

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0, r;
    do {
        if (n == cap) buf = ww_realloc(buf, (cap = cap * 2 + 65536) + 1);
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r);
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static size_t lines(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += s[i] == '\n';
    return k;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    if (!d) return;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    closedir(d);
    remove(dir);
}

/* Two /24 sensors, 2 hours, the worm from the first hour on. */
static struct ww_sim *small_sim(struct ww_sim_opts *o)
{
    char why[128];
    ww_sim_opts_default(o);
    o->seed = 11;
    o->end_us = o->start_us + 7200 * 1000000LL;
    o->worm_start_us = o->start_us + 3600 * 1000000LL;
    o->vulnerable = 75000, o->scan_rate = 4700, o->worm_port = 1434, o->worm_proto = WW_PROTO_UDP;
    CHECK_INT(ww_sim_parse_sensors("192.0.2.0/24,198.51.100.0/24", o, why, sizeof why), 0);
    struct ww_sim *sim = NULL;
    CHECK_INT(ww_sim_new(o, &sim, why, sizeof why), WW_OK);
    return sim;
}

static void check_format(enum ww_sim_format fmt, const char *fname, const char *ext)
{
    struct ww_sim_opts o;
    struct ww_sim_counts c;
    char dir[256], dir2[256], err[512], name[32];
    size_t n, n2;
    snprintf(dir, sizeof dir, "%s/%s/a", root, ext); /* parents are made too */
    struct ww_sim *sim = small_sim(&o);
    CHECK_INT(ww_sim_files_write(sim, &o, "spec", fmt, dir, &c, err, sizeof err), WW_OK);
    CHECK(c.records > 1000 && c.worm > 100 && c.worm < c.records);

    uint64_t records = 0;
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "sensor-%02d.%s", i, ext);
        char *s = slurp(dir, name, &n);
        CHECK(s != NULL);
        if (!s) continue;
        if (fmt == WW_SIM_PCAP) { /* records have 16-byte headers; count them */
            CHECK(n > WW_PCAP_FILE_HEADER);
            for (size_t off = WW_PCAP_FILE_HEADER; off + 16 <= n; records++)
                off += 16 + (size_t)((uint8_t)s[off + 8] | (uint8_t)s[off + 9] << 8);
        } else {
            char host[32]; /* the host, or the DShield user id, names the sensor */
            snprintf(host, sizeof host, fmt == WW_SIM_NETFILTER ? " sensor-%02d kernel: " : "\t%02d\t", i);
            records += lines(s, n);
            CHECK(strstr(s, host) != NULL);
        }
        ww_free(s);
    }
    CHECK_INT(records, c.records);

    char *truth = slurp(dir, "truth.csv", &n);
    const char *head = "time,infected,vulnerable\n2006-08-01T00:00:00Z,0,75000\n";
    CHECK(truth && !strncmp(truth, head, strlen(head)));
    CHECK_INT(lines(truth, n), 1 + 121);
    ww_free(truth);

    json_error_t je;
    char path[300];
    snprintf(path, sizeof path, "%s/scenario.json", dir);
    json_t *j = json_load_file(path, 0, &je);
    CHECK(j != NULL);
    CHECK_INT(json_integer_value(json_object_get(j, "records")), c.records);
    CHECK_INT(json_integer_value(json_object_get(j, "worm_records")), c.worm);
    CHECK_STR(json_string_value(json_object_get(j, "sensors_spec")), "spec");
    CHECK_STR(json_string_value(json_object_get(j, "format")), fname);
    json_t *s1 = json_array_get(json_object_get(j, "sensors"), 1);
    CHECK_STR(json_string_value(json_object_get(s1, "cidr")), "198.51.100.0/24");
    /* the stacks' truth: every stack listed; SYNs from the background, none
       from a UDP worm */
    json_t *st = json_object_get(j, "stacks");
    json_int_t syns = 0, worm_syns = 0;
    CHECK_INT(json_array_size(st), ww_sim_nstacks);
    for (size_t k = 0; k < json_array_size(st); k++) {
        json_t *e = json_array_get(st, k);
        syns += json_integer_value(json_object_get(e, "syns"));
        worm_syns += json_integer_value(json_object_get(e, "worm_syns"));
        CHECK(json_integer_value(json_object_get(e, "sources")) <=
              json_integer_value(json_object_get(e, "syns")));
    }
    CHECK(syns > 100 && syns < (json_int_t)c.records);
    CHECK_INT(worm_syns, 0);
    CHECK_STR(json_string_value(json_object_get(json_array_get(st, 0), "signature")),
              "*:128:0:*:65535,0:mss,nop,nop,sok:df,id+:0");
    json_decref(j);

    /* another directory, the same bytes */
    struct ww_sim_counts c2;
    snprintf(dir2, sizeof dir2, "%s/%s/b", root, ext);
    ww_sim_free(sim);
    sim = small_sim(&o);
    CHECK_INT(ww_sim_files_write(sim, &o, "spec", fmt, dir2, &c2, err, sizeof err), WW_OK);
    CHECK_INT(c2.records, c.records);
    const char *names[] = {"sensor-00", "sensor-01", "truth.csv", "scenario.json"};
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, i < 2 ? "%s.%s" : "%s", names[i], ext);
        char *a = slurp(dir, name, &n), *b = slurp(dir2, name, &n2);
        CHECK(a && b && n == n2 && !memcmp(a, b, n));
        ww_free(a);
        ww_free(b);
    }
    ww_sim_free(sim);
    rm_dir(dir);
    rm_dir(dir2);
    snprintf(dir, sizeof dir, "%s/%s", root, ext);
    remove(dir);
}

static void test_formats(void)
{
    enum ww_sim_format f = WW_SIM_PCAP;
    CHECK_INT(ww_sim_format_parse("netfilter", &f), WW_OK);
    CHECK_INT(f, WW_SIM_NETFILTER);
    CHECK_INT(ww_sim_format_parse("dshield", &f), WW_OK);
    CHECK_INT(f, WW_SIM_DSHIELD);
    CHECK_INT(ww_sim_format_parse("pcap", &f), WW_OK);
    CHECK_INT(f, WW_SIM_PCAP);
    CHECK_INT(ww_sim_format_parse("json", &f), WW_ERR_ARG);
    CHECK_INT(f, WW_SIM_PCAP);
    check_format(WW_SIM_NETFILTER, "netfilter", "log");
    check_format(WW_SIM_DSHIELD, "dshield", "tsv");
    check_format(WW_SIM_PCAP, "pcap", "pcap");
}

static void touch(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) fclose(f);
}

/* Earlier sensor files go, other files stay; the summary; the errors. */
static void test_dir(void)
{
    struct ww_sim_opts o;
    struct ww_sim_counts c;
    char dir[256], path[512], err[1024];
    size_t n;
    snprintf(dir, sizeof dir, "%s/d", root);
    mkdir(dir, 0777);
    touch(dir, "sensor-07.log");
    touch(dir, "sensor-3.pcap");
    touch(dir, "sensor-x.log");
    touch(dir, "notes.txt");
    struct ww_sim *sim = small_sim(&o);
    CHECK_INT(ww_sim_files_write(sim, &o, "spec", WW_SIM_DSHIELD, dir, &c, err, sizeof err), WW_OK);
    const char *gone[] = {"sensor-07.log", "sensor-3.pcap"}, *kept[] = {"sensor-x.log", "notes.txt"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, gone[i]);
        CHECK(access(path, F_OK) != 0);
        snprintf(path, sizeof path, "%s/%s", dir, kept[i]);
        CHECK(access(path, F_OK) == 0);
    }

    char *text = NULL;
    FILE *f = open_memstream(&text, &n);
    ww_sim_files_summary(f, sim, &o, WW_SIM_DSHIELD, "OUT", &c);
    fclose(f);
    char want[1024];
    snprintf(want, sizeof want,
             "2 sensors, 2006-08-01T00:00:00Z .. 2006-08-01T02:00:00Z: %llu records (%llu worm, "
             "%llu background)\nworm 1434/udp from 2006-08-01T01:00:00Z: %llu of 75000 hosts "
             "infected at the end",
             (unsigned long long)c.records, (unsigned long long)c.worm,
             (unsigned long long)(c.records - c.worm), (unsigned long long)ww_sim_infected(sim));
    CHECK(text && !strncmp(text, want, strlen(want)));
    CHECK(text && strstr(text, "\nwrote OUT/sensor-*.tsv, truth.csv, scenario.json\n"));
    free(text);

    snprintf(path, sizeof path, "%s/notes.txt/x", dir);
    CHECK_INT(ww_sim_files_write(sim, &o, "spec", WW_SIM_DSHIELD, path, &c, err, sizeof err), WW_ERR_IO);
    snprintf(want, sizeof want, "%s: Not a directory", path);
    CHECK_STR(err, want);
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    remove(path);
    mkdir(path, 0777); /* truth.csv cannot be opened */
    CHECK_INT(ww_sim_files_write(sim, &o, "spec", WW_SIM_DSHIELD, dir, &c, err, sizeof err), WW_ERR_IO);
    snprintf(want, sizeof want, "%s: Is a directory", path);
    CHECK_STR(err, want);
    remove(path);
    ww_sim_free(sim);
    rm_dir(dir);
}

TEST_MAIN(
    if (!mkdtemp(root)) { perror("mkdtemp"); return 1; }
    test_formats();
    test_dir();
    CHECK_INT(remove(root), 0))
