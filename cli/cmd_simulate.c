/* cmd_simulate.c -- `wormwatch simulate`: a synthetic outbreak plus
 * background radiation, written as the sensors would have logged it.
 *
 * Parses the options into struct ww_sim_opts, makes the engine
 * (lib/sim/sim.h) and has lib/sim/files.h run it into the output directory;
 * then the summary on standard output. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/err.h"
#include "core/wtime.h"
#include "ingest/parse.h"
#include "sim/files.h"

static int parse_time(const char *s, int64_t *us)
{
    size_t n = strlen(s);
    return n && ww_parse_rfc3339(s, n, us) == n ? WW_OK : WW_ERR_PARSE;
}

/* "139/tcp", "1434/udp", "139" (tcp). */
static int parse_worm(const char *s, struct ww_sim_opts *o)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || v < 1 || v > 65535 || s[0] == '-') return WW_ERR_PARSE;
    int proto = WW_PROTO_TCP;
    if (*end == '/') {
        proto = ww_proto_from_name(end + 1, strlen(end + 1));
        if (proto != WW_PROTO_TCP && proto != WW_PROTO_UDP) return WW_ERR_PARSE;
    } else if (*end) {
        return WW_ERR_PARSE;
    }
    o->worm_port = (uint16_t)v;
    o->worm_proto = (uint8_t)proto;
    return WW_OK;
}

/* Days as a number ("7", "2.5"), or a duration with a unit ("36h"). */
static enum ww_err parse_days(const char *s, int64_t *us)
{
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end) return ww_parse_duration(s, us);
    if (!(d >= 0 && d <= 3650)) return WW_ERR_PARSE;
    *us = (int64_t)(d * WW_DAY_US);
    return WW_OK;
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

/* The command line: the engine's options and what to write where. */
struct args {
    struct ww_sim_opts o;
    const char *out, *spec;
    enum ww_sim_format fmt;
    int quiet;
};

/* Fills a; WW_EXIT_OK, or the status of a usage error (said on stderr). */
static int parse_args(int argc, char **argv, struct args *a)
{
    const struct ww_command *cmd = &ww_cmd_simulate;
    struct ww_sim_opts *o = &a->o;
    char why[128];
    int64_t duration = 10 * WW_DAY_US, bgdays = 7 * WW_DAY_US;
    int64_t worm_start = -1, d;
    unsigned long long u;
    int c;

    ww_sim_opts_default(o);
    a->spec = "16x/20";
    optind = 1;
    while ((c = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_OUT: a->out = optarg; break;
        case OPT_SEED:
            if (ww_parse_uint(optarg, UINT64_MAX, &u)) return ww_usage_error(cmd, "bad --seed '%s'", optarg);
            o->seed = u;
            break;
        case OPT_WORM:
            if (parse_worm(optarg, o))
                return ww_usage_error(cmd, "--worm must be PORT/PROTO, e.g. 139/tcp or 1434/udp");
            break;
        case OPT_VULN:
        case OPT_INITIAL:
        case OPT_HITLIST:
            if (ww_parse_uint(optarg, 100000000, &u))
                return ww_usage_error(cmd, "bad number '%s' (0 to 100000000)", optarg);
            if (c == OPT_VULN) o->vulnerable = (uint32_t)u;
            else if (c == OPT_INITIAL) o->initial = (uint32_t)u;
            else o->hitlist = (uint32_t)u;
            break;
        case OPT_RATE:
            if (ww_parse_double(optarg, 1e-9, 1e6, &o->scan_rate))
                return ww_usage_error(cmd, "--scan-rate must be above 0 and at most 1000000");
            break;
        case OPT_LOCAL:
            if (ww_parse_double(optarg, 0, 1, &o->local_pref))
                return ww_usage_error(cmd, "--local-pref must be a fraction from 0 to 1");
            break;
        case OPT_STOP:
            if (ww_parse_double(optarg, 1e-9, 1, &o->stop_infected))
                return ww_usage_error(cmd, "--stop-infected must be a fraction above 0, at most 1");
            break;
        case OPT_BGSCALE:
            if (ww_parse_double(optarg, 0, 1000, &o->background_scale))
                return ww_usage_error(cmd, "--background-scale must be 0 to 1000");
            break;
        case OPT_NOBG: o->background = 0; break;
        case OPT_START:
            if (parse_time(optarg, &o->start_us))
                return ww_usage_error(cmd, "--start must be RFC 3339, e.g. 2006-08-01T00:00:00Z");
            break;
        case OPT_WORMSTART:
            if (parse_time(optarg, &worm_start))
                return ww_usage_error(cmd, "--worm-start must be RFC 3339, e.g. 2006-08-08T00:00:00Z");
            bgdays = -1;
            break;
        case OPT_BGDAYS:
            if (parse_days(optarg, &d))
                return ww_usage_error(cmd, "bad --background-days '%s' (days, or e.g. 36h)", optarg);
            bgdays = d, worm_start = -1;
            break;
        case OPT_DURATION:
            if (ww_parse_duration(optarg, &d) || d < WW_SEC_US)
                return ww_usage_error(cmd, "bad --duration '%s' (e.g. 90s, 30m, 36h, 10d)", optarg);
            duration = d;
            break;
        case OPT_SENSORS:
            if (ww_sim_parse_sensors(optarg, o, why, sizeof why))
                return ww_usage_error(cmd, "bad --sensors '%s': %s", optarg, why);
            a->spec = optarg;
            break;
        case OPT_FORMAT:
            if (ww_sim_format_parse(optarg, &a->fmt))
                return ww_usage_error(cmd, "--format must be netfilter, dshield or pcap");
            break;
        case 'q': a->quiet = 1; break;
        default: return ww_usage_error(cmd, "unknown option");
        }
    }
    if (optind < argc) return ww_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!a->out) return ww_usage_error(cmd, "--out DIR is required");
    o->end_us = o->start_us + duration;
    o->worm_start_us = worm_start >= 0 ? worm_start : o->start_us + bgdays;
    return WW_EXIT_OK;
}

static int cmd_simulate(int argc, char **argv)
{
    struct args a = {0};
    int status = parse_args(argc, argv, &a);
    if (status) return status;
    struct ww_sim *sim;
    char why[128];
    if (ww_sim_new(&a.o, &sim, why, sizeof why)) return ww_usage_error(&ww_cmd_simulate, "%s", why);

    struct ww_sim_counts counts;
    char err[4200];
    if (ww_sim_files_write(sim, &a.o, a.spec, a.fmt, a.out, &counts, err, sizeof err)) {
        ww_warn("%s", err);
        status = WW_EXIT_FAIL;
    } else if (!a.quiet) {
        ww_sim_files_summary(stdout, sim, &a.o, a.fmt, a.out, &counts);
    }
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
