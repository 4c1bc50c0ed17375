/* files.c -- see files.h. One writer per format, chosen once: each event
 * becomes one line or record in its sensor's file, through a buffer of
 * WW_WRITE_MAX bytes on the stack (the files get big stdio buffers, 1 MiB
 * each up to 32 sensors, 64 KiB past that). A failed write is remembered
 * and reported once, when the files are closed. scenario.json is written
 * last, after the run, so its counts are the files'. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/files.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/wtime.h"
#include "out/write.h"

static const char *const fmt_names[] = {"netfilter", "dshield", "pcap"};
static const char *const fmt_ext[] = {"log", "tsv", "pcap"};

int ww_sim_format_parse(const char *name, enum ww_sim_format *out)
{
    for (int i = WW_SIM_NETFILTER; i <= WW_SIM_PCAP; i++)
        if (!strcmp(name, fmt_names[i])) {
            *out = (enum ww_sim_format)i;
            return WW_OK;
        }
    return WW_ERR_ARG;
}

struct run {
    enum ww_sim_format fmt;
    size_t ns;
    FILE **files;
    char (*host)[16];
    uint64_t *records, *worm_records;
    FILE *truth;
    uint32_t vulnerable;
    int failed;
};

static void on_event(void *ctx, unsigned sensor, int worm, const struct ww_event *ev)
{
    struct run *r = ctx;
    uint8_t buf[WW_WRITE_MAX];
    size_t n = 0;
    switch (r->fmt) {
    case WW_SIM_NETFILTER: n = ww_netfilter_format(ev, r->host[sensor], (char *)buf, sizeof buf); break;
    case WW_SIM_DSHIELD: n = ww_dshield_format(ev, r->host[sensor] + 7, (char *)buf, sizeof buf); break;
    case WW_SIM_PCAP: n = ww_pcap_format(ev, buf, sizeof buf); break;
    }
    if (!n || fwrite(buf, 1, n, r->files[sensor]) != n) r->failed = 1;
    r->records[sensor]++;
    r->worm_records[sensor] += worm != 0;
}

static void on_truth(void *ctx, int64_t ts_us, uint64_t infected)
{
    struct run *r = ctx;
    char t[32];
    if (fprintf(r->truth, "%s,%llu,%lu\n", ww_time_format(ts_us, t, sizeof t),
                (unsigned long long)infected, (unsigned long)r->vulnerable) < 0)
        r->failed = 1;
}

/* mkdir -p; WW_ERR_IO with errno set. */
static int mkdir_p(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) { errno = ENAMETOOLONG; return WW_ERR_IO; }
    memcpy(path, dir, n + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(path, 0777) && errno != EEXIST) return WW_ERR_IO;
        *p = '/';
    }
    if (mkdir(path, 0777) && errno != EEXIST) return WW_ERR_IO;
    struct stat st;
    if (stat(path, &st)) return WW_ERR_IO;
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return WW_ERR_IO; }
    return WW_OK;
}

/* Earlier runs' sensor files (sensor-NN.log|tsv|pcap) would be mixed into
 * a pooled analysis of DIR: remove them. Nothing else is touched. */
static void remove_old_outputs(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d) return;
    while ((e = readdir(d))) {
        const char *n = e->d_name, *p = n + 7;
        if (strncmp(n, "sensor-", 7) || !(*p >= '0' && *p <= '9')) continue;
        while (*p >= '0' && *p <= '9') p++;
        if (strcmp(p, ".log") && strcmp(p, ".tsv") && strcmp(p, ".pcap")) continue;
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, n) < (int)sizeof path) remove(path);
    }
    closedir(d);
}

/* Opens sensor-NN.EXT for every sensor (a pcap file with its header) and
 * truth.csv with its header line. */
static int open_files(struct run *r, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    size_t bufsize = r->ns <= 32 ? 1 << 20 : 1 << 16;
    for (size_t i = 0; i < r->ns; i++) {
        snprintf(r->host[i], sizeof r->host[i], "sensor-%02u", (unsigned)(i % 1000));
        snprintf(path, sizeof path, "%s/%s.%s", dir, r->host[i], fmt_ext[r->fmt]);
        if (!(r->files[i] = fopen(path, "wb"))) goto fail;
        setvbuf(r->files[i], NULL, _IOFBF, bufsize);
        if (r->fmt == WW_SIM_PCAP) {
            uint8_t h[WW_PCAP_FILE_HEADER];
            ww_pcap_file_header(h);
            if (fwrite(h, 1, sizeof h, r->files[i]) != sizeof h) r->failed = 1;
        }
    }
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    if (!(r->truth = fopen(path, "w"))) goto fail;
    fputs("time,infected,vulnerable\n", r->truth);
    return WW_OK;
fail:
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return WW_ERR_IO;
}

static json_t *jtime(int64_t us)
{
    char b[32];
    return us < 0 ? json_null() : json_string(ww_time_format(us, b, sizeof b));
}

static char *cidr(const struct ww_sim_sensor *s, char *buf, size_t size)
{
    snprintf(buf, size, "%u.%u.%u.%u/%u", s->base >> 24, s->base >> 16 & 255, s->base >> 8 & 255,
             s->base & 255, s->prefix);
    return buf;
}

static json_t *worm_json(const struct ww_sim_opts *o, const struct ww_sim *sim)
{
    json_t *milestones = json_array();
    for (unsigned i = 0; i < WW_SIM_NMILESTONES; i++)
        json_array_append_new(milestones, json_pack("{s:f,s:o}", "fraction", ww_sim_milestones[i],
                                                    "time", jtime(ww_sim_milestone(sim, i))));
    json_t *wormj = json_pack("{s:b,s:i,s:s,s:I,s:f,s:I,s:I,s:f,s:o,s:I,s:o}",
        "active", o->worm_start_us < o->end_us, "port", (int)o->worm_port,
        "proto", o->worm_proto == WW_PROTO_UDP ? "udp" : "tcp",
        "vulnerable", (json_int_t)o->vulnerable, "scan_rate", o->scan_rate,
        "initial", (json_int_t)o->initial, "hitlist", (json_int_t)o->hitlist,
        "local_pref", o->local_pref, "start", jtime(o->worm_start_us),
        "infected_at_end", (json_int_t)ww_sim_infected(sim), "milestones", milestones);
    json_object_set_new(wormj, "stop_infected",
                        o->stop_infected <= 1 ? json_real(o->stop_infected) : json_null());
    return wormj;
}

static int write_scenario(const char *path, const struct ww_sim_opts *o, const char *spec,
                          const struct ww_sim *sim, const struct run *r)
{
    const struct ww_sim_sensor *sens;
    size_t ns = ww_sim_sensors(sim, &sens);
    uint64_t total = 0, worm = 0, monitored = 0;
    char b[64];

    json_t *sensors = json_array();
    for (size_t i = 0; i < ns; i++) {
        uint64_t size = 1ULL << (32 - sens[i].prefix);
        char file[32];
        snprintf(file, sizeof file, "sensor-%02zu.%s", i, fmt_ext[r->fmt]);
        json_array_append_new(sensors, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}",
            "file", file, "cidr", cidr(&sens[i], b, sizeof b), "addresses", (json_int_t)size,
            "records", (json_int_t)r->records[i], "worm_records", (json_int_t)r->worm_records[i],
            "background_records", (json_int_t)(r->records[i] - r->worm_records[i])));
        total += r->records[i];
        worm += r->worm_records[i];
        monitored += size;
    }
    json_t *doc = json_pack("{s:s,s:I,s:o,s:o,s:o,s:I,s:s,s:o,s:{s:b,s:f},s:s,s:I,s:o,s:I,s:I,s:I}",
        "generator", "wormwatch simulate", "seed", (json_int_t)o->seed,
        "start", jtime(o->start_us), "end", jtime(ww_sim_end(sim)),
        "requested_end", jtime(o->end_us),
        "duration_s", (json_int_t)((ww_sim_end(sim) - o->start_us) / WW_SEC_US),
        "format", fmt_names[r->fmt], "worm", worm_json(o, sim),
        "background", "enabled", o->background && o->background_scale > 0,
        "scale", o->background_scale,
        "sensors_spec", spec, "monitored_addresses", (json_int_t)monitored,
        "sensors", sensors, "records", (json_int_t)total, "worm_records", (json_int_t)worm,
        "background_records", (json_int_t)(total - worm));
    if (!doc) return WW_ERR_ARG;
    int rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(doc);
    return rc ? WW_ERR_IO : WW_OK;
}

/* Runs the simulation into the open files and closes them. */
static int run_into(struct run *r, struct ww_sim *sim, const char *dir, char *err, size_t errlen)
{
    ww_sim_run(sim, on_event, on_truth, r);
    if (fclose(r->truth)) r->failed = 1;
    r->truth = NULL;
    for (size_t i = 0; i < r->ns; i++) {
        if (fclose(r->files[i])) r->failed = 1;
        r->files[i] = NULL;
    }
    if (!r->failed) return WW_OK;
    snprintf(err, errlen, "%s: writing failed: %s", dir, strerror(errno));
    return WW_ERR_IO;
}

int ww_sim_files_write(struct ww_sim *sim, const struct ww_sim_opts *o, const char *spec,
                       enum ww_sim_format fmt, const char *dir, struct ww_sim_counts *counts,
                       char *err, size_t errlen)
{
    if (mkdir_p(dir)) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return WW_ERR_IO;
    }
    remove_old_outputs(dir);
    const struct ww_sim_sensor *sens;
    struct run r = {.fmt = fmt, .ns = ww_sim_sensors(sim, &sens), .vulnerable = o->vulnerable};
    r.files = ww_calloc(r.ns, sizeof *r.files);
    r.host = ww_calloc(r.ns, sizeof *r.host);
    r.records = ww_calloc(r.ns, sizeof *r.records);
    r.worm_records = ww_calloc(r.ns, sizeof *r.worm_records);
    char path[4096];
    int rc = open_files(&r, dir, err, errlen);
    if (!rc) rc = run_into(&r, sim, dir, err, errlen);
    snprintf(path, sizeof path, "%s/scenario.json", dir);
    if (!rc && write_scenario(path, o, spec, sim, &r)) {
        snprintf(err, errlen, "%s: cannot write", path);
        rc = WW_ERR_IO;
    }
    *counts = (struct ww_sim_counts){0, 0};
    for (size_t i = 0; i < r.ns; i++) {
        if (r.files[i]) fclose(r.files[i]);
        counts->records += r.records[i], counts->worm += r.worm_records[i];
    }
    if (r.truth) fclose(r.truth);
    ww_free(r.files);
    ww_free(r.host);
    ww_free(r.records);
    ww_free(r.worm_records);
    return rc;
}

void ww_sim_files_summary(FILE *out, const struct ww_sim *sim, const struct ww_sim_opts *o,
                          enum ww_sim_format fmt, const char *dir, const struct ww_sim_counts *c)
{
    const struct ww_sim_sensor *sens;
    char t0[32], t1[32];
    fprintf(out, "%zu sensors, %s .. %s: %llu records (%llu worm, %llu background)\n",
            ww_sim_sensors(sim, &sens), ww_time_format(o->start_us, t0, sizeof t0),
            ww_time_format(ww_sim_end(sim), t1, sizeof t1), (unsigned long long)c->records,
            (unsigned long long)c->worm, (unsigned long long)(c->records - c->worm));
    if (o->worm_start_us < o->end_us) {
        int64_t one = ww_sim_milestone(sim, 2);
        fprintf(out, "worm %u/%s from %s: %llu of %lu hosts infected at the end%s%s\n", o->worm_port,
                o->worm_proto == WW_PROTO_UDP ? "udp" : "tcp",
                ww_time_format(o->worm_start_us, t0, sizeof t0),
                (unsigned long long)ww_sim_infected(sim), (unsigned long)o->vulnerable,
                one >= 0 ? ", 1% at " : "", one >= 0 ? ww_time_format(one, t1, sizeof t1) : "");
    } else {
        fprintf(out, "no worm: background only\n");
    }
    fprintf(out, "wrote %s/sensor-*.%s, truth.csv, scenario.json\n", dir, fmt_ext[fmt]);
}
