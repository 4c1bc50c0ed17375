/* cmd_analyze.c -- `wormwatch analyze`: offline analysis of logs and captures.
 *
 * Reads every FILE (sniffing each one's format), hands each event to the
 * analysis pipeline (lib/detect/analysis.h: scanners, ports, surges), then
 * prints the report (text, JSON) -- or, with --format dshield, just re-writes the events
 * as DShield TSV. Bad lines are counted and skipped; the first few per file
 * are named on stderr as FILE:LINE: reason; --strict stops at the first.
 * A file that cannot be read fails the run: every input is opened before any
 * is read (so a missing one stops it before anything is written), and no
 * report is printed unless every input was read to its end. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "core/err.h"
#include "ingest/input.h"
#include "out/write.h"
#include "detect/analysis.h"
#include "detect/geo.h"
#include "detect/known.h"
#include "detect/osdb.h"
#include "out/report.h"
#include "core/wtime.h"

#define BAD_SHOWN 5 /* bad lines named per file unless --verbose */

enum out_format { OUT_TEXT, OUT_JSON, OUT_DSHIELD };

struct analyze {
    /* options */
    struct ww_input_opts in;
    struct ww_analysis_opts ao;
    enum out_format out;
    int fmt_set;
    unsigned long long top;    /* rows per table in text */
    uint16_t hist_port;        /* --history */
    uint8_t hist_proto;
    int want_hist;
    const char *known_path;    /* --known-scanners */
    const char *p0f_path;      /* --p0f-db: NULL = the default if readable, "none" = off */
    const char *geoip_path, *asn_path; /* --geoip, --asn */
    /* the run */
    struct ww_analysis an;
    int verbose, quiet;
    char **files;          /* argv's file list, to count bad lines per file */
    size_t nfiles;
    uint64_t *bad;         /* bad lines per file */
    int progress;
    int write_failed;
    struct ww_input_stats total;
    int status;
};

static void on_event(void *ctx, const struct ww_event *ev)
{
    struct analyze *a = ctx;
    if (a->out == OUT_DSHIELD) {
        char line[256];
        size_t n = ww_dshield_format(ev, "0", line, sizeof line);
        if (n && fwrite(line, 1, n, stdout) != n) a->write_failed = 1;
        return;
    }
    ww_analysis_event(&a->an, ev);
}

static uint64_t *bad_count(struct analyze *a, const char *file)
{
    for (size_t i = 0; i < a->nfiles; i++)
        if (!strcmp(a->files[i], file)) return &a->bad[i];
    return &a->bad[a->nfiles]; /* not reached: every reader has a listed path */
}

static void on_bad(void *ctx, const char *file, uint64_t line, const char *why)
{
    struct analyze *a = ctx;
    uint64_t n = ++*bad_count(a, file);
    if (a->quiet) return;
    if (a->verbose || n <= BAD_SHOWN)
        fprintf(stderr, "wormwatch: %s:%llu: %s\n", file, (unsigned long long)line, why);
}

static void on_progress(void *ctx, uint64_t bytes)
{
    struct analyze *a = ctx;
    fprintf(stderr, "\r  %.1f MB read, %llu records ", (double)bytes / 1e6,
            (unsigned long long)a->an.records);
}

static void on_file_done(void *ctx, const char *path, enum ww_err rc, const struct ww_input_stats *st,
                         uint64_t err_line, const char *msg)
{
    struct analyze *a = ctx;
    uint64_t bad = *bad_count(a, path);
    a->total.lines += st->lines, a->total.events += st->events;
    a->total.skipped += st->skipped, a->total.bytes += st->bytes;
    if (!a->quiet && !a->verbose && bad > BAD_SHOWN && rc != WW_ERR_PARSE)
        ww_warn("%s: %llu more bad lines skipped", path, (unsigned long long)(bad - BAD_SHOWN));
    if (rc == WW_ERR_PARSE) { /* --strict: on_bad already named the line */
        if (a->quiet) ww_warn("%s:%llu: %s", path, (unsigned long long)err_line, msg);
        a->status = WW_EXIT_FAIL;
    } else if (rc) {
        ww_warn("%s: %s", path, msg[0] ? msg : ww_strerror(rc));
        a->status = WW_EXIT_FAIL;
    }
}

/* --tz: "UTC", "+02:00", "-0500" (fixed) or a zone name (through TZ). */
static enum ww_err set_tz(struct ww_parse_ctx *p, const char *s)
{
    int off;
    if (!strcmp(s, "UTC") || !strcmp(s, "Z")) {
        p->tz_fixed = 1, p->tz_offset = 0;
        return WW_OK;
    }
    if ((s[0] == '+' || s[0] == '-') && ww_parse_tzoffset(s, strlen(s), &off) == strlen(s)) {
        p->tz_fixed = 1, p->tz_offset = off;
        return WW_OK;
    }
    if (setenv("TZ", s, 1)) return WW_ERR_ARG;
    tzset();
    p->tz_fixed = 0;
    return WW_OK;
}

enum {
    OPT_FORMAT = 256, OPT_INFMT, OPT_STRICT, OPT_YEAR, OPT_BOOT, OPT_TZ, OPT_BUCKET,
    OPT_BASELINE, OPT_WARMUP, OPT_MINSRC, OPT_ZJUMP, OPT_ZHOLD, OPT_STAT, OPT_WINDOW, OPT_PORTS, OPT_HOSTS,
    OPT_V4PREFIX, OPT_V6PREFIX, OPT_SLOW, OPT_SLOWHOSTS, OPT_SLOWPORTS,
    OPT_HISTORY, OPT_LEARN, OPT_MINTGT, OPT_FLSRC, OPT_FLSHARE, OPT_NOSPORT, OPT_T0, OPT_T1, OPT_ALPHA, OPT_BETA, OPT_TOP, OPT_PROGRESS, OPT_NOPROGRESS,
    OPT_KNOWN, OPT_THREADS, OPT_P0F, OPT_GEOIP, OPT_ASN
};

static const struct option longopts[] = {
    {"format", required_argument, 0, OPT_FORMAT},
    {"input-format", required_argument, 0, OPT_INFMT},
    {"strict", no_argument, 0, OPT_STRICT},
    {"year", required_argument, 0, OPT_YEAR},
    {"boot-time", required_argument, 0, OPT_BOOT},
    {"tz", required_argument, 0, OPT_TZ},
    {"bucket", required_argument, 0, OPT_BUCKET},
    {"baseline", required_argument, 0, OPT_BASELINE},
    {"warmup", required_argument, 0, OPT_WARMUP},
    {"min-sources", required_argument, 0, OPT_MINSRC},
    {"z-jump", required_argument, 0, OPT_ZJUMP},
    {"z-hold", required_argument, 0, OPT_ZHOLD},
    {"min-targets", required_argument, 0, OPT_MINTGT},
    {"flood-sources", required_argument, 0, OPT_FLSRC},
    {"flood-share", required_argument, 0, OPT_FLSHARE},
    {"no-source-ports", no_argument, 0, OPT_NOSPORT},
    {"surge-stat", required_argument, 0, OPT_STAT},
    {"window", required_argument, 0, OPT_WINDOW},
    {"port-threshold", required_argument, 0, OPT_PORTS},
    {"host-threshold", required_argument, 0, OPT_HOSTS},
    {"v4-prefix", required_argument, 0, OPT_V4PREFIX},
    {"v6-prefix", required_argument, 0, OPT_V6PREFIX},
    {"slow-horizon", required_argument, 0, OPT_SLOW},
    {"slow-host-threshold", required_argument, 0, OPT_SLOWHOSTS},
    {"slow-port-threshold", required_argument, 0, OPT_SLOWPORTS},
    {"trw-theta0", required_argument, 0, OPT_T0},
    {"trw-theta1", required_argument, 0, OPT_T1},
    {"trw-alpha", required_argument, 0, OPT_ALPHA},
    {"trw-beta", required_argument, 0, OPT_BETA},
    {"top", required_argument, 0, OPT_TOP},
    {"history", required_argument, 0, OPT_HISTORY},
    {"learn", required_argument, 0, OPT_LEARN},
    {"known-scanners", required_argument, 0, OPT_KNOWN},
    {"p0f-db", required_argument, 0, OPT_P0F},
    {"geoip", required_argument, 0, OPT_GEOIP},
    {"asn", required_argument, 0, OPT_ASN},
    {"threads", required_argument, 0, OPT_THREADS},
    {"progress", no_argument, 0, OPT_PROGRESS},
    {"no-progress", no_argument, 0, OPT_NOPROGRESS},
    {"verbose", no_argument, 0, 'v'},
    {"quiet", no_argument, 0, 'q'},
    {0, 0, 0, 0}
};

enum { TAKEN = -1 }; /* option(): the option was taken, go on */

/* A detector's option (getopt's c and its argument): TAKEN, or the exit
 * status of a usage error. */
static int detector_option(struct ww_analysis_opts *o, int c, const char *arg)
{
    unsigned long long u;
    int64_t d;
    double x;
    switch (c) {
    case OPT_LEARN:
        if (ww_parse_duration(arg, &d))
            return ww_usage_error(&ww_cmd_analyze, "bad duration '%s'", arg);
        o->surge.learn_us = d;
        break;
    case OPT_BUCKET:
    case OPT_BASELINE:
    case OPT_WINDOW:
        if (ww_parse_duration(arg, &d) || d < WW_SEC_US)
            return ww_usage_error(&ww_cmd_analyze, "bad duration '%s' (e.g. 90s, 30m, 1h, 30d)", arg);
        if (c == OPT_BUCKET) o->ports.bucket_us = o->surge.bucket_us = d;
        else if (c == OPT_BASELINE) o->surge.baseline_us = d;
        else o->scan.window_us = d;
        break;
    case OPT_WARMUP:
    case OPT_MINSRC:
    case OPT_MINTGT:
    case OPT_FLSRC:
    case OPT_PORTS:
    case OPT_HOSTS:
        if (ww_parse_uint(arg, 1000000000, &u) || (u == 0 && c != OPT_WARMUP))
            return ww_usage_error(&ww_cmd_analyze, "bad number '%s'", arg);
        if (c == OPT_WARMUP) o->surge.warmup_buckets = (unsigned)u;
        else if (c == OPT_MINSRC) o->surge.min_sources = (unsigned)u;
        else if (c == OPT_MINTGT) o->surge.min_targets = (unsigned)u;
        else if (c == OPT_FLSRC) o->surge.flood_sources = (unsigned)u;
        else if (c == OPT_PORTS) o->scan.vertical_ports = (unsigned)u;
        else o->scan.horizontal_hosts = (unsigned)u;
        break;
    case OPT_V4PREFIX:
    case OPT_V6PREFIX:
        if (ww_parse_uint(arg, c == OPT_V4PREFIX ? 32 : 128, &u) || u == 0)
            return ww_usage_error(&ww_cmd_analyze, "--%s is a prefix length from 1 to %d",
                                  c == OPT_V4PREFIX ? "v4-prefix" : "v6-prefix",
                                  c == OPT_V4PREFIX ? 32 : 128);
        if (c == OPT_V4PREFIX) o->scan.v4_prefix = (unsigned)u;
        else o->scan.v6_prefix = (unsigned)u;
        break;
    case OPT_SLOW:
        if (ww_parse_duration(arg, &d) || (d != 0 && d < 2 * WW_SEC_US))
            return ww_usage_error(&ww_cmd_analyze, "bad --slow-horizon '%s' (e.g. 24h, 3d; 0 = off)", arg);
        o->scan.slow.horizon_us = d;
        break;
    case OPT_SLOWHOSTS:
    case OPT_SLOWPORTS:
        if (ww_parse_uint(arg, WW_SLOW_THRESHOLD_MAX, &u) || u == 0)
            return ww_usage_error(&ww_cmd_analyze, "--slow-%s-threshold is a number from 1 to %d",
                                  c == OPT_SLOWHOSTS ? "host" : "port", WW_SLOW_THRESHOLD_MAX);
        if (c == OPT_SLOWHOSTS) o->scan.slow.hosts = (unsigned)u;
        else o->scan.slow.ports = (unsigned)u;
        break;
    case OPT_ZJUMP:
    case OPT_ZHOLD:
        if (ww_parse_double(arg, 0, 1e9, &x)) return ww_usage_error(&ww_cmd_analyze, "bad z threshold");
        if (c == OPT_ZJUMP) o->surge.z_jump = x;
        else o->surge.z_hold = x;
        break;
    case OPT_FLSHARE:
        if (ww_parse_double(arg, 0, 1, &x)) return ww_usage_error(&ww_cmd_analyze, "--flood-share is a fraction in [0,1]");
        o->surge.flood_share = x;
        break;
    case OPT_NOSPORT:
        o->surge.sports = 0;
        break;
    case OPT_STAT:
        if (!strcmp(arg, "new")) o->surge.stat = WW_SURGE_NEW;
        else if (!strcmp(arg, "sources")) o->surge.stat = WW_SURGE_SOURCES;
        else return ww_usage_error(&ww_cmd_analyze, "--surge-stat must be new or sources");
        break;
    case OPT_T0: case OPT_T1: case OPT_ALPHA: case OPT_BETA:
        if (ww_parse_double(arg, 1e-9, 1 - 1e-9, &x))
            return ww_usage_error(&ww_cmd_analyze, "TRW parameters are probabilities in (0,1)");
        if (c == OPT_T0) o->scan.trw_theta0 = x;
        else if (c == OPT_T1) o->scan.trw_theta1 = x;
        else if (c == OPT_ALPHA) o->scan.trw_alpha = x;
        else o->scan.trw_beta = x;
        break;
    default: return ww_usage_error(&ww_cmd_analyze, "unknown option");
    }
    return TAKEN;
}

/* One option: TAKEN, or the exit status of a usage error. */
static int option(struct analyze *a, int c, char *arg)
{
    unsigned long long u;
    switch (c) {
    case OPT_FORMAT:
        a->fmt_set = 1;
        if (!strcmp(arg, "text")) a->out = OUT_TEXT;
        else if (!strcmp(arg, "json")) a->out = OUT_JSON;
        else if (!strcmp(arg, "dshield")) a->out = OUT_DSHIELD;
        else return ww_usage_error(&ww_cmd_analyze, "--format must be text, json or dshield");
        break;
    case OPT_INFMT:
        if (ww_format_from_name(arg, &a->in.format))
            return ww_usage_error(&ww_cmd_analyze, "unknown --input-format '%s'", arg);
        break;
    case OPT_STRICT: a->in.strict = 1; break;
    case OPT_YEAR:
        if (ww_parse_uint(arg, 9999, &u) || u < 1970)
            return ww_usage_error(&ww_cmd_analyze, "--year must be a year from 1970");
        a->in.pctx.year = (int)u;
        break;
    case OPT_BOOT:
        if (!ww_parse_rfc3339(arg, strlen(arg), &a->in.pctx.boot_us)) {
            if (ww_parse_uint(arg, 1ULL << 40, &u))
                return ww_usage_error(&ww_cmd_analyze, "--boot-time must be RFC 3339 or epoch seconds");
            a->in.pctx.boot_us = (int64_t)u * WW_SEC_US;
        }
        break;
    case OPT_TZ:
        if (set_tz(&a->in.pctx, arg)) return ww_usage_error(&ww_cmd_analyze, "bad --tz '%s'", arg);
        break;
    case OPT_TOP:
        if (ww_parse_uint(arg, 1000000000, &u) || u == 0)
            return ww_usage_error(&ww_cmd_analyze, "bad number '%s'", arg);
        a->top = u;
        break;
    case OPT_HISTORY: {
        char *slash = strchr(arg, '/');
        int proto = slash ? ww_proto_from_name(slash + 1, strlen(slash + 1)) : WW_PROTO_TCP;
        if (slash) *slash = 0;
        if (ww_parse_uint(arg, 65535, &u) || (proto != WW_PROTO_TCP && proto != WW_PROTO_UDP))
            return ww_usage_error(&ww_cmd_analyze, "--history takes PORT/tcp or PORT/udp");
        a->hist_port = (uint16_t)u, a->hist_proto = (uint8_t)proto, a->want_hist = 1;
        break;
    }
    case OPT_KNOWN: a->known_path = arg; break;
    case OPT_P0F: a->p0f_path = arg; break;
    case OPT_GEOIP: a->geoip_path = arg; break;
    case OPT_ASN: a->asn_path = arg; break;
    case OPT_THREADS:
        if (ww_parse_uint(arg, 1000, &u) || u == 0)
            return ww_usage_error(&ww_cmd_analyze, "--threads takes a number from 1");
        a->ao.threads = (unsigned)u;
        break;
    case OPT_PROGRESS: a->progress = 1; break;
    case OPT_NOPROGRESS: a->progress = 0; break;
    case 'v': a->verbose = 1; break;
    case 'q': a->quiet = 1; break;
    default: return detector_option(&a->ao, c, arg);
    }
    return TAKEN;
}

/* --history's per-bucket counts into r; the arrays are *mem (free it). */
static enum ww_err history(struct analyze *a, struct ww_report *r, uint64_t **mem)
{
    int64_t bucket = a->ao.ports.bucket_us;
    size_t max = (size_t)((a->an.last_us - a->an.first_us) / bucket + 2);
    uint64_t *hist = *mem = calloc(4 * max, sizeof(uint64_t));
    if (!hist) return WW_ERR_LIMIT;
    r->hist_port = a->hist_port, r->hist_proto = a->hist_proto;
    r->hist_start = (int64_t *)hist;
    r->hist_records = hist + max, r->hist_sources = hist + 2 * max;
    r->hist_targets = hist + 3 * max;
    r->nhist = ww_ports_history(a->an.ports, a->hist_port, a->hist_proto, (int64_t *)hist,
                                hist + 2 * max, hist + 3 * max, hist + max, max);
    return WW_OK;
}

/* p0f's database (--p0f-db FILE, else the default where there is one:
 * where it cannot be read it is silently absent, but a malformed one is
 * said) and the MaxMind databases (--geoip, --asn) into *db and *geo, and
 * into the report with the paths opened. WW_EXIT_OK, or WW_EXIT_FAIL after
 * naming a file that was given and cannot be used. */
static int databases(const struct analyze *a, struct ww_osdb **db, struct ww_geo **geo,
                     struct ww_report *r)
{
    char err[512];
    enum ww_err rc;
    *db = NULL, *geo = NULL;
    if (!a->p0f_path) {
        rc = ww_osdb_load(WW_OSDB_DEFAULT, db, err, sizeof err);
        if (rc == WW_ERR_PARSE) ww_warn("%s (OS fingerprints off: --p0f-db none)", err);
        if (!rc) r->osdb_path = WW_OSDB_DEFAULT;
    } else if (strcmp(a->p0f_path, "none")) {
        if (ww_osdb_load(a->p0f_path, db, err, sizeof err)) {
            ww_warn("%s", err);
            return WW_EXIT_FAIL;
        }
        r->osdb_path = a->p0f_path;
    }
    if (a->geoip_path || a->asn_path) {
        if (ww_geo_open(a->geoip_path, a->asn_path, geo, err, sizeof err)) {
            ww_warn("%s", err);
            ww_osdb_free(*db);
            *db = NULL;
            return WW_EXIT_FAIL;
        }
        r->geoip_path = a->geoip_path, r->asn_path = a->asn_path;
    }
    r->osdb = *db, r->geo = *geo;
    return WW_EXIT_OK;
}

/* The report, unless the output is DShield or not every input was read to
 * its end: a report of part of them (or of nothing) would pass for the
 * whole. The exit status. */
static int report(struct analyze *a, enum ww_err rc, const struct ww_report *rp)
{
    int status = a->status;
    struct ww_report r = *rp; /* the databases */
    uint64_t *hist = NULL;
    r.input = a->total;
    if (a->out != OUT_DSHIELD && rc == WW_OK && !status) {
        r.files = (const char *const *)a->files;
        r.nfiles = a->nfiles;
        r.records = a->an.records;
        r.first_us = a->an.first_us, r.last_us = a->an.last_us;
        r.bucket_us = a->ao.ports.bucket_us;
        r.nscanners = ww_scan_results(a->an.scan, &r.scanners);
        r.known = a->ao.known;
        r.nports = ww_ports_stats(a->an.ports, &r.ports);
        r.nsurges = ww_surges_results(a->an.surges, &r.surges);
        r.nfloods = ww_surges_floods(a->an.surges, &r.floods);
        r.nbackscatter = ww_backscatter_results(a->an.backscatter, &r.backscatter);
        if (a->want_hist && a->an.records && history(a, &r, &hist)) return WW_EXIT_FAIL;
        int wrc = a->out == OUT_JSON ? ww_report_json(stdout, &r)
                                     : ww_report_text(stdout, &r, (size_t)a->top);
        if (wrc) a->write_failed = 1;
    }
    if (fflush(stdout) || a->write_failed) {
        ww_warn("writing output: %s", strerror(errno));
        status = WW_EXIT_FAIL;
    }
    free(hist);
    return status;
}

/* CPU time of this thread so far. */
static double cpu_seconds(void)
{
    struct timespec t;
    return clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) ? 0 : (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* -v: each thread's CPU time, then what it went to: reading (the caller's
 * time outside the detectors) and each detector that ran, on any thread. */
static void say_threads(const struct ww_analysis *an)
{
    static const char *const names[] = {"scan", "ports", "surges", "backscatter"};
    for (unsigned t = 0; t < an->nthreads; t++)
        fprintf(stderr, "wormwatch: thread %u: %.3f s CPU\n", t, an->thread_cpu_s[t]);
    fprintf(stderr, "wormwatch: reading: %.3f s CPU\n", an->reading_cpu_s);
    for (unsigned d = 0; d < 4; d++)
        if (an->detector_cpu_s[d] > 0) fprintf(stderr, "wormwatch: %s: %.3f s CPU\n", names[d], an->detector_cpu_s[d]);
}

/* Threads by default: the CPUs this process may run on, at most
 * DEFAULT_THREADS (past two the detectors' split gains little:
 * docs/PERFORMANCE.md). */
#define DEFAULT_THREADS 2
static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > DEFAULT_THREADS ? DEFAULT_THREADS : (unsigned)n;
}

int cmd_analyze(int argc, char **argv)
{
    const struct ww_command *cmd = &ww_cmd_analyze;
    struct analyze a = {.top = 10};
    struct ww_known *known = NULL;
    struct ww_osdb *osdb;
    struct ww_geo *geo;
    struct ww_report r = {0};
    int c, st;

    ww_input_opts_init(&a.in);
    ww_analysis_opts_default(&a.ao);
    a.ao.threads = default_threads();
    a.progress = isatty(2);
    optind = 1;
    while ((c = getopt_long(argc, argv, "vq", longopts, NULL)) != -1)
        if ((st = option(&a, c, optarg)) != TAKEN) return st;
    if (optind >= argc) return ww_usage_error(cmd, "no input files (use - for stdin)");
    if (!a.fmt_set) a.out = isatty(1) ? OUT_TEXT : OUT_JSON;
    if (a.ao.scan.trw_theta1 >= a.ao.scan.trw_theta0)
        return ww_usage_error(cmd, "--trw-theta1 must be below --trw-theta0");
    if (a.known_path && (st = ww_load_known(a.known_path, &known))) return st;
    if ((st = databases(&a, &osdb, &geo, &r))) {
        ww_known_free(known);
        return st;
    }
    a.ao.known = known;
    a.ao.osdb = osdb;

    ww_analysis_init(&a.an, &a.ao);
    a.in.on_event = on_event, a.in.event_ctx = &a;
    a.in.on_bad = on_bad, a.in.bad_ctx = &a;
    if (a.progress) a.in.on_progress = on_progress, a.in.progress_ctx = &a;
    a.files = argv + optind;
    a.nfiles = (size_t)(argc - optind);
    a.bad = calloc(a.nfiles + 1, sizeof *a.bad);
    if (!a.bad) {
        ww_known_free(known);
        ww_osdb_free(osdb);
        ww_geo_close(geo);
        return WW_EXIT_FAIL;
    }
    enum ww_err rc = ww_input_files((const char *const *)a.files, a.nfiles, &a.in, on_file_done, &a);
    ww_analysis_finish(&a.an);
    if (a.verbose) say_threads(&a.an);
    if (a.progress) fputs("\r\033[K", stderr);
    double t0 = cpu_seconds();
    st = report(&a, rc, &r);
    if (a.verbose) fprintf(stderr, "wormwatch: report: %.3f s CPU\n", cpu_seconds() - t0);
#ifdef WW_SANITIZED
    ww_analysis_release(&a.an);
#else
    /* the process ends with this command: its detectors' memory (millions
     * of pieces on a large input) goes back to the system whole, at once,
     * where freeing it piece by piece took longer than the report (0.04 s
     * on bench's netfilter log, 0.07 s on its capture). The sanitizer
     * builds free it, for their leak check. */
#endif
    ww_known_free(known);
    ww_osdb_free(osdb);
    ww_geo_close(geo);
    free(a.bad);
    return st;
}

const struct ww_command ww_cmd_analyze = {
    "analyze", cmd_analyze, "analyze firewall logs and packet captures offline",
    "usage: wormwatch analyze [OPTIONS] FILE...   (FILE may be - for stdin)\n"
    "\n"
    "Reads netfilter LOG lines (syslog, RFC 3339, epoch, dmesg, journalctl -k),\n"
    "Windows Firewall logs, DShield TSV and pcap/pcapng captures, each file's\n"
    "format sniffed on its own. Reports scanners (vertical, horizontal, block;\n"
    "by threshold or Threshold Random Walk), ports by distinct sources, and\n"
    "surges: ports whose new sources jump against the port's own baseline\n"
    "(docs/DETECTION.md).\n"
    "\n"
    "Output:\n"
    "  --format text|json|dshield  report for people, the contract's JSON, or the\n"
    "                            events as DShield TSV (default: text on a terminal,\n"
    "                            else json)\n"
    "  --top N                   rows per table in text (default 10)\n"
    "  --history PORT/PROTO      add that port's per-bucket counts to the JSON\n"
    "  -q, --quiet               do not name bad lines on stderr\n"
    "  -v, --verbose             name every bad line (default: first 5 per file),\n"
    "                            and what each thread ran, with its CPU time\n"
    "  --progress, --no-progress progress on stderr (default: when a terminal)\n"
    "  --threads N               threads for reading and the detectors (default:\n"
    "                            the CPUs online, at most 2); the findings are the\n"
    "                            same whatever N\n"
    "Input:\n"
    "  --input-format auto|netfilter|winfw|dshield|pcap   (default auto)\n"
    "  --strict                  stop at the first bad line: FILE:LINE: reason\n"
    "  --year YYYY               year for syslog stamps without one (default: inferred)\n"
    "  --boot-time T             boot time for dmesg [uptime] stamps (RFC 3339 or epoch)\n"
    "  --tz ZONE                 zone of local-time logs: UTC, +02:00, Europe/Berlin\n"
    "Scanners (defaults: Zeek scan.zeek, CrowdSec; Jung et al. 2004 for TRW):\n"
    "  --window D                threshold window (default 5m)\n"
    "  --port-threshold N        distinct ports in a window: vertical (default 15)\n"
    "  --host-threshold N        distinct hosts in a window: horizontal (default 25)\n"
    "  --trw-theta0 P --trw-theta1 P --trw-alpha P --trw-beta P\n"
    "                            TRW parameters (default 0.8 0.2 0.01 0.99)\n"
    "  --v6-prefix N             IPv6 sources grouped per /N as one (default 64)\n"
    "  --v4-prefix N             IPv4 sources grouped per /N (default 32: each alone)\n"
    "  --slow-horizon D          slow scans: evidence kept this long (default 24h;\n"
    "                            0 = off)\n"
    "  --slow-host-threshold N   distinct hosts within it: slow horizontal (default 64)\n"
    "  --slow-port-threshold N   distinct ports within it: slow vertical (default 32)\n"
    "Surges (per port and bucket, against the port's own baseline by hour of day):\n"
    "  --bucket D                time bucket (default 1h)\n"
    "  --baseline D              baseline window (default 30d, the ISC's)\n"
    "  --warmup N                buckets of history needed first (default 6)\n"
    "  --surge-stat new|sources  judge sources new to the port (default) or all\n"
    "  --learn D                 first stretch only learns which sources are known\n"
    "                            (default 1d; with --surge-stat new)\n"
    "  --min-sources N           minimum count in a bucket (default 10)\n"
    "  --z-jump X                called at this many spreads above (default 7)\n"
    "  --z-hold X                a surge lasts while buckets stay this far (3)\n"
    "  --min-targets N           distinct targets the new sources reach (default 5)\n"
    "  --flood-sources N         sources on one target that make a flood (default 100)\n"
    "  --flood-share X           one target's share of new sources: flood (default 0.5)\n"
    "  --no-source-ports         do not watch UDP source ports (Witty-like worms)\n"
    "  --known-scanners FILE     'CIDR LABEL' lines: sources in them are labelled in\n"
    "                            the scanners and never count toward a surge\n"
    "                            (contrib/known-scanners.txt lists published ranges)\n"
    "Who the sources are (scanners' os, country, asn; each surge's mix):\n"
    "  --p0f-db FILE|none        p0f's signatures for the OS of SYNs (default\n"
    "                            " WW_OSDB_DEFAULT " when readable; none: off)\n"
    "  --geoip FILE              MaxMind country database (GeoLite2/DB-IP layout)\n"
    "  --asn FILE                MaxMind ASN database (GeoLite2/DB-IP layout)\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure (unreadable file, --strict stop;\n"
    "no report is printed then), 2 usage error (a bad --known-scanners line too).\n"
};
