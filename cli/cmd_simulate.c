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
static int parse_port(const char *s, struct ww_sim_port *out)
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
    out->port = (uint16_t)v;
    out->proto = (uint8_t)proto;
    return WW_OK;
}

/* What the command line set explicitly, so the scenarios' defaults (Witty's
 * port, population and rate; the quiet port) give way to it. */
struct given { int worm, vulnerable, rate; };

/* A refused --scenario: the reason (fmt with one word) into why. */
static int bad_scenario(char *why, size_t whylen, const char *fmt, const char *word)
{
    snprintf(why, whylen, fmt, word);
    return WW_ERR_PARSE;
}

/* "campaign,flood:443/tcp,witty": NAME[:PORT/PROTO] into o->scenarios and
 * the scenarios' ports (a worm variant's port is the worm's). */
static int parse_scenarios(const char *spec, struct ww_sim_opts *o, struct given *g, char *why,
                           size_t whylen)
{
    char buf[512];
    if (strlen(spec) >= sizeof buf) return bad_scenario(why, whylen, "%s", "too long");
    strcpy(buf, spec);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (colon) *colon = 0;
        unsigned i = 0;
        while (ww_sim_scenario_name(i) && strcmp(tok, ww_sim_scenario_name(i))) i++;
        if (!ww_sim_scenario_name(i)) return bad_scenario(why, whylen, "unknown scenario '%s'", tok);
        o->scenarios |= 1u << i;
        if (!colon) continue;
        struct ww_sim_port p;
        if (parse_port(colon + 1, &p))
            return bad_scenario(why, whylen, "bad port '%s' (PORT/PROTO, e.g. 23/tcp)", colon + 1);
        switch (1u << i) {
        case WW_SCEN_CAMPAIGN: o->campaign_port = p; break;
        case WW_SCEN_FLOOD: o->flood_port = p; break;
        case WW_SCEN_SCANNERS: o->scan_port = p; break;
        case WW_SCEN_BACKSCATTER: o->victim_port = p; break;
        case WW_SCEN_SLOW:
        case WW_SCEN_V6: return bad_scenario(why, whylen, "%s takes no port", tok);
        default: o->worm_port = p.port, o->worm_proto = p.proto, g->worm = 1; break;
        }
    }
    if (!o->scenarios) return bad_scenario(why, whylen, "%s", "no scenario named");
    return WW_OK;
}

/* The worm variants' defaults where the command line said nothing: Witty's
 * UDP port 4000, 12,000 hosts at 357 probes/s; the quiet port 5555/tcp. */
static void scenario_defaults(struct ww_sim_opts *o, const struct given *g)
{
    if (o->scenarios & WW_SCEN_WITTY) {
        if (!g->worm) o->worm_port = 4000, o->worm_proto = WW_PROTO_UDP;
        if (!g->vulnerable) o->vulnerable = 12000;
        if (!g->rate) o->scan_rate = 357;
    } else if ((o->scenarios & WW_SCEN_QUIET) && !g->worm) {
        o->worm_port = 5555, o->worm_proto = WW_PROTO_TCP;
    }
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
    OPT_BGSCALE, OPT_NOBG, OPT_STOP, OPT_QUIET, OPT_SCENARIO, OPT_CSOURCES, OPT_CRATE,
    OPT_FLOODRATE, OPT_FLOODDUR, OPT_RANGES, OPT_SSOURCES, OPT_ATTACK, OPT_SLOWINT
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
    {"scenario", required_argument, 0, OPT_SCENARIO},
    {"campaign-sources", required_argument, 0, OPT_CSOURCES},
    {"campaign-rate", required_argument, 0, OPT_CRATE},
    {"flood-rate", required_argument, 0, OPT_FLOODRATE},
    {"flood-duration", required_argument, 0, OPT_FLOODDUR},
    {"scanner-ranges", required_argument, 0, OPT_RANGES},
    {"scanner-sources", required_argument, 0, OPT_SSOURCES},
    {"attack-rate", required_argument, 0, OPT_ATTACK},
    {"slow-interval", required_argument, 0, OPT_SLOWINT},
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
    struct given given = {0};
    struct ww_sim_port wp;
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
            if (parse_port(optarg, &wp))
                return ww_usage_error(cmd, "--worm must be PORT/PROTO, e.g. 139/tcp or 1434/udp");
            o->worm_port = wp.port, o->worm_proto = wp.proto, given.worm = 1;
            break;
        case OPT_SCENARIO:
            if (parse_scenarios(optarg, o, &given, why, sizeof why))
                return ww_usage_error(cmd, "bad --scenario '%s': %s", optarg, why);
            break;
        case OPT_CSOURCES:
        case OPT_SSOURCES:
            if (ww_parse_uint(optarg, c == OPT_CSOURCES ? 1000000 : WW_SIM_MAXSCANNERS, &u) || u < 1)
                return ww_usage_error(cmd, "bad number '%s' (1 to %d)", optarg,
                                      c == OPT_CSOURCES ? 1000000 : WW_SIM_MAXSCANNERS);
            if (c == OPT_CSOURCES) o->campaign_sources = (uint32_t)u;
            else o->scanner_sources = (uint32_t)u;
            break;
        case OPT_CRATE:
        case OPT_FLOODRATE:
        case OPT_ATTACK: {
            double *x = c == OPT_CRATE ? &o->campaign_rate : c == OPT_FLOODRATE ? &o->flood_rate : &o->attack_rate;
            if (ww_parse_double(optarg, 1e-9, c == OPT_ATTACK ? 1e9 : 1e6, x))
                return ww_usage_error(cmd, "bad rate '%s' (packets per second, above 0)", optarg);
            break;
        }
        case OPT_FLOODDUR:
            if (ww_parse_duration(optarg, &d) || d < WW_SEC_US)
                return ww_usage_error(cmd, "bad --flood-duration '%s' (e.g. 90s, 10m)", optarg);
            o->flood_us = d;
            break;
        case OPT_SLOWINT:
            if (ww_parse_duration(optarg, &d) || d < WW_SEC_US || d > WW_DAY_US)
                return ww_usage_error(cmd, "bad --slow-interval '%s' (1s to 24h, e.g. 30s, 5m)", optarg);
            o->slow_interval_us = d;
            break;
        case OPT_RANGES:
            if (ww_sim_parse_ranges(optarg, o, why, sizeof why))
                return ww_usage_error(cmd, "bad --scanner-ranges '%s': %s", optarg, why);
            break;
        case OPT_VULN:
        case OPT_INITIAL:
        case OPT_HITLIST:
            if (ww_parse_uint(optarg, 100000000, &u))
                return ww_usage_error(cmd, "bad number '%s' (0 to 100000000)", optarg);
            if (c == OPT_VULN) o->vulnerable = (uint32_t)u, given.vulnerable = 1;
            else if (c == OPT_INITIAL) o->initial = (uint32_t)u;
            else o->hitlist = (uint32_t)u;
            break;
        case OPT_RATE:
            if (ww_parse_double(optarg, 1e-9, 1e6, &o->scan_rate))
                return ww_usage_error(cmd, "--scan-rate must be above 0 and at most 1000000");
            given.rate = 1;
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
    scenario_defaults(o, &given);
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
    "minute) and scenario.json (every parameter, the counts and the sources' TCP\n"
    "stacks) into DIR.\n"
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
    "Scenarios (instead of the worm alone; all start at the worm's start):\n"
    "  --scenario NAME[:PORT/PROTO][,...]\n"
    "                            worm: the worm above; witty: a Witty-like worm, UDP\n"
    "                            from source port 4000 to random ports (12,000 hosts,\n"
    "                            357 probes/s); quiet-port: the worm on a port the\n"
    "                            background never uses (5555/tcp); campaign: botnet\n"
    "                            sources switch on at once and hold (23/tcp); flood: a\n"
    "                            spoofed SYN flood on one monitored address (80/tcp);\n"
    "                            scanners: research scanners sweep the sensors in an\n"
    "                            hour (8443/tcp); backscatter: a DoS victim's SYN-ACK,\n"
    "                            RST and ICMP replies, three 10-minute bursts an hour\n"
    "                            apart (its service 80/tcp); slow-scan: one nmap source\n"
    "                            probes 22/tcp on a new address every --slow-interval\n"
    "                            for 24 h; v6-rotation: nmap -6 from a new address of\n"
    "                            2001:db8:77:1::/64 per probe, 300 probes a second apart\n"
    "                            to 300 ports of one address of the first sensor's IPv6\n"
    "                            /64, 2001:db8:100::/64 (logged in sensor-00)\n"
    "  --campaign-sources N      the campaign's sources (default 300)\n"
    "  --campaign-rate R         probes per second per campaign source (default 20)\n"
    "  --flood-rate R            the flood's packets per second (default 100)\n"
    "  --flood-duration D        how long the flood lasts (default 10m)\n"
    "  --scanner-ranges CIDRS    the research scanners' ranges (default Censys'\n"
    "                            162.142.125.0/24,167.94.138.0/24)\n"
    "  --scanner-sources N       research scanner addresses used (default 60)\n"
    "  --attack-rate R           spoofed packets per second at the DoS victim,\n"
    "                            Internet-wide (default 20000)\n"
    "  --slow-interval D         the slow scan's gap between probes, 1s to 24h\n"
    "                            (default 5m)\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 usage error.\n"
};
