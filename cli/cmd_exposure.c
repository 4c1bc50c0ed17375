/* cmd_exposure.c -- `wormwatch exposure TARGET...`: what a NetBIOS/SMB worm
 * could reach on hosts the user is responsible for.
 *
 * Parses the options, gathers the targets (arguments and -f files) and runs
 * lib/respond/exposure.h: the prober, then the report on standard output.
 * Hosts that could not even be probed are named on stderr. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/err.h"
#include "respond/exposure.h"

enum { OPT_FORMAT = 256, OPT_TIMEOUT, OPT_CONC, OPT_RATE, OPT_MAXHOSTS, OPT_ONLY };

static const struct option longopts[] = {
    {"file", required_argument, 0, 'f'},
    {"format", required_argument, 0, OPT_FORMAT},
    {"timeout", required_argument, 0, OPT_TIMEOUT},
    {"concurrency", required_argument, 0, OPT_CONC},
    {"rate", required_argument, 0, OPT_RATE},
    {"max-hosts", required_argument, 0, OPT_MAXHOSTS},
    {"only-exposed", no_argument, 0, OPT_ONLY},
    {0, 0, 0, 0}
};

static int cmd_exposure(int argc, char **argv)
{
    const struct ww_command *cmd = &ww_cmd_exposure;
    struct ww_exposure_opts o = {.timeout = 2, .rate = 200};
    unsigned long long conc = 64, max_hosts = 65536;
    int json = -1, only_exposed = 0;
    const char *files[64];
    size_t nfiles = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (nfiles == sizeof files / sizeof *files) return ww_usage_error(cmd, "too many -f files");
            files[nfiles++] = optarg;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "text")) json = 0;
            else if (!strcmp(optarg, "json")) json = 1;
            else return ww_usage_error(cmd, "--format must be text or json");
            break;
        case OPT_TIMEOUT:
            if (ww_parse_double(optarg, 0.01, 60, &o.timeout))
                return ww_usage_error(cmd, "--timeout must be seconds from 0.01 to 60");
            break;
        case OPT_CONC:
            if (ww_parse_uint(optarg, 1024, &conc) || !conc)
                return ww_usage_error(cmd, "--concurrency must be 1 to 1024");
            break;
        case OPT_RATE:
            if (ww_parse_double(optarg, 0.1, 100000, &o.rate))
                return ww_usage_error(cmd, "--rate must be 0.1 to 100000 probes per second");
            break;
        case OPT_MAXHOSTS:
            if (ww_parse_uint(optarg, 1u << 24, &max_hosts) || !max_hosts)
                return ww_usage_error(cmd, "--max-hosts must be 1 to 16777216");
            break;
        case OPT_ONLY: only_exposed = 1; break;
        default: return ww_usage_error(cmd, "unknown option");
        }
    }
    if (json < 0) json = !isatty(1);
    o.concurrency = (size_t)conc;
    struct ww_exposure x = {.max = (size_t)max_hosts};
    char msg[800];
    int rc = WW_EXIT_OK, err;
    for (int i = optind; i < argc && rc == WW_EXIT_OK; i++)
        if (ww_exposure_add(&x, argv[i], strlen(argv[i]), msg, sizeof msg))
            rc = ww_usage_error(cmd, "target '%s': %s", argv[i], msg);
    for (size_t i = 0; i < nfiles && rc == WW_EXIT_OK; i++)
        if ((err = ww_exposure_read(&x, files[i], msg, sizeof msg))) {
            ww_warn("%s", msg);
            rc = err == WW_ERR_IO ? WW_EXIT_FAIL : WW_EXIT_USAGE;
        }
    if (rc == WW_EXIT_OK && !x.n) rc = ww_usage_error(cmd, "no targets (give addresses, CIDRs or -f FILE)");
    if (rc != WW_EXIT_OK) {
        ww_exposure_release(&x);
        return rc;
    }

    ww_exposure_probe(&x, &o);
    for (size_t i = 0; i < x.n; i++) {
        char a[WW_ADDR_STRLEN];
        if (x.v[i].err)
            ww_warn("%s: could not probe: %s", ww_addr_format(&x.v[i].addr, a), strerror(x.v[i].err));
    }
    ww_exposure_write(&x, json, only_exposed, stdout);
    ww_exposure_release(&x);
    if (fflush(stdout)) {
        ww_warn("writing the report: %s", strerror(errno));
        return WW_EXIT_FAIL;
    }
    return WW_EXIT_OK;
}

const struct ww_command ww_cmd_exposure = {
    "exposure", cmd_exposure, "which hosts a NetBIOS/SMB worm could reach (137, 139, 445)",
    "usage: wormwatch exposure [OPTIONS] TARGET...\n"
    "\n"
    "Probes each target the way a NetBIOS/SMB worm would look for victims and\n"
    "reports what answers and how risky it is. Only for networks you are\n"
    "responsible for.\n"
    "  udp/137  NetBIOS node status: names, workgroup, MAC (IPv4 only)\n"
    "  tcp/139  NetBIOS session request: accepted or refused\n"
    "  tcp/445  SMB1 and SMB2 negotiates: dialects, SMB1 on, signing required\n"
    "Risk: high = SMB1 reachable; medium = SMB2+ on 445 or a session on 139\n"
    "without required signing; low = signing required, or only names leak;\n"
    "none = nothing answers.\n"
    "\n"
    "TARGET: an IPv4 or IPv6 address, or a CIDR (192.0.2.0/24; network and\n"
    "broadcast addresses skipped).\n"
    "  -f, --file FILE       read targets from FILE, one per line, # comments\n"
    "                        (- = stdin; may be repeated)\n"
    "  --format text|json    text for people (default on a terminal) or JSON\n"
    "  --only-exposed        leave out hosts whose risk is none\n"
    "  --timeout SECONDS     per probe, connection and replies included (default 2)\n"
    "  --concurrency N       hosts probed at once (default 64, at most 1024)\n"
    "  --rate N              new probes per second at most (default 200)\n"
    "  --max-hosts N         refuse targets expanding to more hosts (default 65536)\n"
};
