/* cmd_simulate.c -- `wormwatch simulate`: a synthetic outbreak plus
 * background radiation, written as the sensors would have logged it.
 *
 * Parses the options into struct ww_sim_opts, runs the engine (lib/sim/sim.c)
 * once, and streams its events into one file per sensor through the
 * writers (lib/out/write.h for netfilter lines and pcap records, ww_dshield_format
 * for DShield TSV), truth rows into truth.csv, and at the end every
 * parameter, the sensor blocks and the counts into scenario.json. The engine
 * hands out events in time order, so each file is in time order as written.
 * Nothing depends on the clock or the output directory's name: the same
 * options give byte-identical files. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/mem.h"
#include "ingest/parse.h"
#include "sim/sim.h"
#include "out/write.h"
#include "core/wtime.h"

enum out_fmt { FMT_NETFILTER, FMT_DSHIELD, FMT_PCAP };
static const char *const fmt_names[] = {"netfilter", "dshield", "pcap"};
static const char *const fmt_ext[] = {"log", "tsv", "pcap"};

struct run {
    enum out_fmt fmt;
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
    case FMT_NETFILTER: n = ww_netfilter_format(ev, r->host[sensor], (char *)buf, sizeof buf); break;
    case FMT_DSHIELD: n = ww_dshield_format(ev, r->host[sensor] + 7, (char *)buf, sizeof buf); break;
    case FMT_PCAP: n = ww_pcap_format(ev, buf, sizeof buf); break;
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

static int parse_time(const char *s, int64_t *us)
{
    size_t n = strlen(s);
    return n && ww_parse_rfc3339(s, n, us) == n ? 0 : -1;
}

/* "139/tcp", "1434/udp", "139" (tcp). */
static int parse_worm(const char *s, struct ww_sim_opts *o)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || v < 1 || v > 65535 || s[0] == '-') return -1;
    int proto = WW_PROTO_TCP;
    if (*end == '/') {
        proto = ww_proto_from_name(end + 1, strlen(end + 1));
        if (proto != WW_PROTO_TCP && proto != WW_PROTO_UDP) return -1;
    } else if (*end) {
        return -1;
    }
    o->worm_port = (uint16_t)v;
    o->worm_proto = (uint8_t)proto;
    return 0;
}

/* Days as a number ("7", "2.5"), or a duration with a unit ("36h"). */
static int64_t parse_days(const char *s)
{
    char *end;
    double d = strtod(s, &end);
    if (end != s && !*end) return d >= 0 && d <= 3650 ? (int64_t)(d * 86400e6) : -1;
    return ww_parse_duration(s);
}

static int mkdir_p(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) { errno = ENAMETOOLONG; return -1; }
    memcpy(path, dir, n + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(path, 0777) && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(path, 0777) && errno != EEXIST) return -1;
    struct stat st;
    if (stat(path, &st)) return -1;
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
    return 0;
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

static int write_scenario(const char *path, const struct ww_sim_opts *o, const char *spec,
                          struct ww_sim *sim, const struct run *r)
{
    const struct ww_sim_sensor *sens;
    size_t ns = ww_sim_sensors(sim, &sens);
    uint64_t total = 0, worm = 0, monitored = 0;
    char b[64];
    int worm_on = o->worm_start_us < o->end_us;

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
    json_t *milestones = json_array();
    for (unsigned i = 0; i < WW_SIM_NMILESTONES; i++)
        json_array_append_new(milestones, json_pack("{s:f,s:o}", "fraction", ww_sim_milestones[i],
                                                    "time", jtime(ww_sim_milestone(sim, i))));
    json_t *wormj = json_pack("{s:b,s:i,s:s,s:I,s:f,s:I,s:I,s:f,s:o,s:I,s:o}",
        "active", worm_on, "port", (int)o->worm_port,
        "proto", o->worm_proto == WW_PROTO_UDP ? "udp" : "tcp",
        "vulnerable", (json_int_t)o->vulnerable, "scan_rate", o->scan_rate,
        "initial", (json_int_t)o->initial, "hitlist", (json_int_t)o->hitlist,
        "local_pref", o->local_pref, "start", jtime(o->worm_start_us),
        "infected_at_end", (json_int_t)ww_sim_infected(sim), "milestones", milestones);
    json_object_set_new(wormj, "stop_infected",
                        o->stop_infected <= 1 ? json_real(o->stop_infected) : json_null());
    json_t *doc = json_pack("{s:s,s:I,s:o,s:o,s:o,s:I,s:s,s:o,s:{s:b,s:f},s:s,s:I,s:o,s:I,s:I,s:I}",
        "generator", "wormwatch simulate", "seed", (json_int_t)o->seed,
        "start", jtime(o->start_us), "end", jtime(ww_sim_end(sim)),
        "requested_end", jtime(o->end_us),
        "duration_s", (json_int_t)((ww_sim_end(sim) - o->start_us) / 1000000),
        "format", fmt_names[r->fmt], "worm", wormj,
        "background", "enabled", o->background && o->background_scale > 0,
        "scale", o->background_scale,
        "sensors_spec", spec, "monitored_addresses", (json_int_t)monitored,
        "sensors", sensors, "records", (json_int_t)total, "worm_records", (json_int_t)worm,
        "background_records", (json_int_t)(total - worm));
    if (!doc) return -1;
    int rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(doc);
    return rc;
}

enum {
    OPT_OUT = 256, OPT_SEED, OPT_WORM, OPT_VULN, OPT_RATE, OPT_INITIAL, OPT_HITLIST,
    OPT_LOCAL, OPT_START, OPT_WORMSTART, OPT_DURATION, OPT_BGDAYS, OPT_SENSORS, OPT_FORMAT,
    OPT_BGSCALE, OPT_NOBG, OPT_STOP, OPT_QUIET
};

static const struct option longopts[] = {
    {"out", required_argument, 0, OPT_OUT},
    {"seed", required_argument, 0, OPT_SEED},
    {"worm", required_argument, 0, OPT_WORM},
    {"vulnerable", required_argument, 0, OPT_VULN},
    {"scan-rate", required_argument, 0, OPT_RATE},
    {"initial", required_argument, 0, OPT_INITIAL},
    {"hitlist", required_argument, 0, OPT_HITLIST},
    {"local-pref", required_argument, 0, OPT_LOCAL},
    {"start", required_argument, 0, OPT_START},
    {"worm-start", required_argument, 0, OPT_WORMSTART},
    {"duration", required_argument, 0, OPT_DURATION},
    {"background-days", required_argument, 0, OPT_BGDAYS},
    {"sensors", required_argument, 0, OPT_SENSORS},
    {"format", required_argument, 0, OPT_FORMAT},
    {"background-scale", required_argument, 0, OPT_BGSCALE},
    {"no-background", no_argument, 0, OPT_NOBG},
    {"stop-infected", required_argument, 0, OPT_STOP},
    {"quiet", no_argument, 0, 'q'},
    {0, 0, 0, 0}
};

static int cmd_simulate(int argc, char **argv)
{
    const struct ww_command *cmd = &ww_cmd_simulate;
    struct ww_sim_opts o;
    const char *out = NULL, *spec = "16x/20", *why;
    int64_t duration = 10 * 86400 * INT64_C(1000000), bgdays = 7 * 86400 * INT64_C(1000000);
    int64_t worm_start = -1, d;
    unsigned long long u;
    int c, quiet = 0;
    struct run r = {0};

    ww_sim_opts_default(&o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_OUT: out = optarg; break;
        case OPT_SEED:
            if (ww_parse_uint(optarg, UINT64_MAX, &u)) return ww_usage_error(cmd, "bad --seed '%s'", optarg);
            o.seed = u;
            break;
        case OPT_WORM:
            if (parse_worm(optarg, &o))
                return ww_usage_error(cmd, "--worm must be PORT/PROTO, e.g. 139/tcp or 1434/udp");
            break;
        case OPT_VULN:
        case OPT_INITIAL:
        case OPT_HITLIST:
            if (ww_parse_uint(optarg, 100000000, &u))
                return ww_usage_error(cmd, "bad number '%s' (0 to 100000000)", optarg);
            if (c == OPT_VULN) o.vulnerable = (uint32_t)u;
            else if (c == OPT_INITIAL) o.initial = (uint32_t)u;
            else o.hitlist = (uint32_t)u;
            break;
        case OPT_RATE:
            if (ww_parse_double(optarg, 1e-9, 1e6, &o.scan_rate))
                return ww_usage_error(cmd, "--scan-rate must be above 0 and at most 1000000");
            break;
        case OPT_LOCAL:
            if (ww_parse_double(optarg, 0, 1, &o.local_pref))
                return ww_usage_error(cmd, "--local-pref must be a fraction from 0 to 1");
            break;
        case OPT_STOP:
            if (ww_parse_double(optarg, 1e-9, 1, &o.stop_infected))
                return ww_usage_error(cmd, "--stop-infected must be a fraction above 0, at most 1");
            break;
        case OPT_BGSCALE:
            if (ww_parse_double(optarg, 0, 1000, &o.background_scale))
                return ww_usage_error(cmd, "--background-scale must be 0 to 1000");
            break;
        case OPT_NOBG: o.background = 0; break;
        case OPT_START:
            if (parse_time(optarg, &o.start_us))
                return ww_usage_error(cmd, "--start must be RFC 3339, e.g. 2006-08-01T00:00:00Z");
            break;
        case OPT_WORMSTART:
            if (parse_time(optarg, &worm_start))
                return ww_usage_error(cmd, "--worm-start must be RFC 3339, e.g. 2006-08-08T00:00:00Z");
            bgdays = -1;
            break;
        case OPT_BGDAYS:
            if ((d = parse_days(optarg)) < 0)
                return ww_usage_error(cmd, "bad --background-days '%s' (days, or e.g. 36h)", optarg);
            bgdays = d, worm_start = -1;
            break;
        case OPT_DURATION:
            if ((d = ww_parse_duration(optarg)) < 1000000)
                return ww_usage_error(cmd, "bad --duration '%s' (e.g. 90s, 30m, 36h, 10d)", optarg);
            duration = d;
            break;
        case OPT_SENSORS:
            if (ww_sim_parse_sensors(optarg, &o, &why))
                return ww_usage_error(cmd, "bad --sensors '%s': %s", optarg, why);
            spec = optarg;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "netfilter")) r.fmt = FMT_NETFILTER;
            else if (!strcmp(optarg, "dshield")) r.fmt = FMT_DSHIELD;
            else if (!strcmp(optarg, "pcap")) r.fmt = FMT_PCAP;
            else return ww_usage_error(cmd, "--format must be netfilter, dshield or pcap");
            break;
        case 'q': quiet = 1; break;
        default: return ww_usage_error(cmd, "unknown option");
        }
    }
    if (optind < argc) return ww_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!out) return ww_usage_error(cmd, "--out DIR is required");
    o.end_us = o.start_us + duration;
    o.worm_start_us = worm_start >= 0 ? worm_start : o.start_us + bgdays;
    struct ww_sim *sim = ww_sim_new(&o, &why);
    if (!sim) return ww_usage_error(cmd, "%s", why);

    if (mkdir_p(out)) {
        ww_warn("%s: %s", out, strerror(errno));
        ww_sim_free(sim);
        return WW_EXIT_FAIL;
    }
    remove_old_outputs(out);
    const struct ww_sim_sensor *sens;
    r.ns = ww_sim_sensors(sim, &sens);
    r.files = ww_calloc(r.ns, sizeof *r.files);
    r.host = ww_calloc(r.ns, sizeof *r.host);
    r.records = ww_calloc(r.ns, sizeof *r.records);
    r.worm_records = ww_calloc(r.ns, sizeof *r.worm_records);
    r.vulnerable = o.vulnerable;
    char path[4096];
    int status = WW_EXIT_OK;
    size_t bufsize = r.ns <= 32 ? 1 << 20 : 1 << 16;
    for (size_t i = 0; i < r.ns && status == WW_EXIT_OK; i++) {
        snprintf(r.host[i], sizeof r.host[i], "sensor-%02u", (unsigned)(i % 1000));
        snprintf(path, sizeof path, "%s/%s.%s", out, r.host[i], fmt_ext[r.fmt]);
        if (!(r.files[i] = fopen(path, "wb"))) {
            ww_warn("%s: %s", path, strerror(errno));
            status = WW_EXIT_FAIL;
            break;
        }
        setvbuf(r.files[i], NULL, _IOFBF, bufsize);
        if (r.fmt == FMT_PCAP) {
            uint8_t h[WW_PCAP_FILE_HEADER];
            ww_pcap_file_header(h);
            if (fwrite(h, 1, sizeof h, r.files[i]) != sizeof h) r.failed = 1;
        }
    }
    snprintf(path, sizeof path, "%s/truth.csv", out);
    if (status == WW_EXIT_OK && !(r.truth = fopen(path, "w"))) {
        ww_warn("%s: %s", path, strerror(errno));
        status = WW_EXIT_FAIL;
    }
    if (status == WW_EXIT_OK) {
        fputs("time,infected,vulnerable\n", r.truth);
        ww_sim_run(sim, on_event, on_truth, &r);
        if (fclose(r.truth)) r.failed = 1;
        r.truth = NULL;
    }
    for (size_t i = 0; i < r.ns; i++)
        if (r.files[i] && fclose(r.files[i])) r.failed = 1;
    if (status == WW_EXIT_OK && r.failed) {
        ww_warn("%s: writing failed: %s", out, strerror(errno));
        status = WW_EXIT_FAIL;
    }
    snprintf(path, sizeof path, "%s/scenario.json", out);
    if (status == WW_EXIT_OK && write_scenario(path, &o, spec, sim, &r)) {
        ww_warn("%s: cannot write", path);
        status = WW_EXIT_FAIL;
    }
    if (status == WW_EXIT_OK && !quiet) {
        uint64_t total = 0, worm = 0;
        char t0[32], t1[32];
        for (size_t i = 0; i < r.ns; i++) total += r.records[i], worm += r.worm_records[i];
        printf("%zu sensors, %s .. %s: %llu records (%llu worm, %llu background)\n", r.ns,
               ww_time_format(o.start_us, t0, sizeof t0), ww_time_format(ww_sim_end(sim), t1, sizeof t1),
               (unsigned long long)total, (unsigned long long)worm, (unsigned long long)(total - worm));
        if (o.worm_start_us < o.end_us) {
            int64_t one = ww_sim_milestone(sim, 2);
            printf("worm %u/%s from %s: %llu of %lu hosts infected at the end%s%s\n", o.worm_port,
                   o.worm_proto == WW_PROTO_UDP ? "udp" : "tcp",
                   ww_time_format(o.worm_start_us, t0, sizeof t0),
                   (unsigned long long)ww_sim_infected(sim), (unsigned long)o.vulnerable,
                   one >= 0 ? ", 1% at " : "", one >= 0 ? ww_time_format(one, t1, sizeof t1) : "");
        } else {
            printf("no worm: background only\n");
        }
        printf("wrote %s/sensor-*.%s, truth.csv, scenario.json\n", out, fmt_ext[r.fmt]);
    }
    ww_free(r.files);
    ww_free(r.host);
    ww_free(r.records);
    ww_free(r.worm_records);
    ww_sim_free(sim);
    return status;
}

const struct ww_command ww_cmd_simulate = {
    "simulate", cmd_simulate, "write a synthetic worm outbreak with background radiation",
    "usage: wormwatch simulate --out DIR [OPTIONS]\n"
    "\n"
    "Simulates a random-scanning worm (SI epidemic, dI/dt = eta I (N - I) / 2^32)\n"
    "and Internet background radiation as a set of dark sensor blocks logs them,\n"
    "and writes one file per sensor, truth.csv (time,infected,vulnerable per\n"
    "minute) and scenario.json (every parameter and the counts) into DIR.\n"
    "The same options (and --seed) always give byte-identical files.\n"
    "\n"
    "Output:\n"
    "  --out DIR                 directory to write (created; earlier sensor files removed)\n"
    "  --format netfilter|dshield|pcap\n"
    "                            sensor-NN.log (netfilter LOG lines, RFC 3339 stamps),\n"
    "                            .tsv (DShield) or .pcap (default netfilter)\n"
    "  --sensors SPEC            CIDRs (192.0.2.0/24,198.51.100.0/24) or NxPREFIX:\n"
    "                            N random public blocks (default 16x/20, a /16 in all)\n"
    "  -q, --quiet               no summary on standard output\n"
    "Time:\n"
    "  --start T                 RFC 3339 (default 2006-08-01T00:00:00Z)\n"
    "  --duration D              whole span from --start: 90s, 30m, 36h, 10d (default 10d)\n"
    "  --worm-start T            when the worm starts (RFC 3339); after the end:\n"
    "                            background only\n"
    "  --background-days D       worm start = start + D (days, or 36h; default 7)\n"
    "  --stop-infected F         end at the minute a fraction F of the vulnerable hosts\n"
    "                            is infected (default: run the whole duration)\n"
    "  --seed N                  (default 1)\n"
    "Worm:\n"
    "  --worm PORT/PROTO         (default 139/tcp; Slammer-like: 1434/udp)\n"
    "  --vulnerable N            vulnerable hosts (default 360000, Code Red's)\n"
    "  --scan-rate R             probes per second per infected host (default 6;\n"
    "                            Slammer-like: --vulnerable 75000 --scan-rate 4700)\n"
    "  --initial K               infected at the worm's start (default 1)\n"
    "  --hitlist K               K more infected from a hit list right after (default 0)\n"
    "  --local-pref P            share of probes to the host's own /16 (default 0)\n"
    "Background:\n"
    "  --background-scale X      multiply every background rate (default 1)\n"
    "  --no-background           worm only\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 usage error.\n"
};
