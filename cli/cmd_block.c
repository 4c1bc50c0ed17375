/* cmd_block.c -- `wormwatch block`: scanners in, nftables drops out.
 *
 * Parses the options, has lib/respond/plan.h gather what to block (from
 * `analyze --format json` output, a plain list with --addresses, or a
 * running collector with --collector) and hands it to lib/respond/block.h,
 * which filters it through the safeguards (cutting --allow out of the
 * prefixes that hold it) and writes the script. Safe by
 * default: the script is printed and nothing changes unless --apply is
 * given. --remove deletes the wormwatch table and nothing else. */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/mem.h"
#include "core/wtime.h"
#include "respond/plan.h"

static const char usage[] =
    "usage: wormwatch block [--apply | --remove] [--ttl D] [--allow CIDR,...]\n"
    "                       [--close-ports LIST|surging] [--addresses]\n"
    "                       [--collector URL [--limit N]] [FILE | -]\n"
    "Turn detected scanners into nftables drops in the table 'inet wormwatch'.\n"
    "Without --apply the script is printed and nothing changes.\n"
    "  FILE           `wormwatch analyze --format json` output (- = stdin): its scanners,\n"
    "                 addresses or the prefixes of grouped ones (2001:db8:77:1::/64)\n"
    "  --addresses    FILE is a plain list of addresses or CIDRs, one a line (# comments)\n"
    "  --collector URL  block the collector's top sources (GET /api/v1/sources)\n"
    "  --limit N      how many collector sources and alerts to use (default 20)\n"
    "  --apply        load the script through libnftables (needs CAP_NET_ADMIN)\n"
    "  --remove       delete the table 'inet wormwatch' and nothing else\n"
    "  --ttl D        how long an address or prefix stays blocked: 90s, 30m, 36h, 10d\n"
    "                 (default 24h)\n"
    "  --allow CIDRS  never block these; spared by --close-ports too (repeatable); a\n"
    "                 prefix holding one is blocked around it\n"
    "  --close-ports LIST  also drop these tcp/udp ports (137-139,445) from everything\n"
    "                 outside --allow; `surging` = the ports of the input's surges\n"
    "                 (analyze JSON) or of the collector's alerts\n"
    "Each address or prefix is blocked as given, never wider. Loopback, this host's\n"
    "own addresses and --allow are never blocked; each one left out is named on\n"
    "stderr with the reason.\n";

static void note(void *ctx, const struct ww_cidr *c, const char *why)
{
    char t[WW_CIDR_STRLEN];
    (void)ctx;
    ww_warn("not blocking %s: %s", ww_cidr_format(c, t), why);
}

/* Removes the table, applies the plan or prints its script. */
static int act(const struct ww_plan *p, const struct ww_block_opts *o, int apply, int remove)
{
    char err[1024];
    size_t added;
    struct ww_block *b = ww_block_open(o, err, sizeof err);
    if (!b) {
        ww_warn("%s", err);
        return WW_EXIT_FAIL;
    }
    int status = WW_EXIT_OK;
    if (remove) {
        if (ww_block_remove(b, err, sizeof err)) ww_warn("%s", err), status = WW_EXIT_FAIL;
        else printf("removed table inet wormwatch\n");
    } else if (apply) {
        if (ww_block_apply(b, p->nets, p->nnets, &added, note, NULL, err, sizeof err))
            ww_warn("%s", err), status = WW_EXIT_FAIL;
        else printf("table inet wormwatch: %zu blocked\n", added);
    } else {
        char *script = ww_block_script(b, p->nets, p->nnets, note, NULL);
        if (!script) ww_warn("block: the nftables script would pass 1024 MiB"), status = WW_EXIT_FAIL;
        else if (fputs(script, stdout), fflush(stdout)) status = WW_EXIT_FAIL;
        ww_free(script);
    }
    ww_block_close(b);
    return status;
}

/* Fills the plan from the collector, the plain list or analyze JSON. */
static int gather(struct ww_plan *p, const char *url, unsigned long long limit, int plain, int surging,
                  const char *path)
{
    char err[4096];
    int rc;
    if (url) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        rc = ww_plan_collector(p, url, limit, surging, err, sizeof err);
        curl_global_cleanup();
    } else {
        rc = plain ? ww_plan_list(p, path, err, sizeof err) : ww_plan_analyze(p, path, surging, err, sizeof err);
    }
    if (rc) ww_warn("%s", err);
    else if (surging && !p->nports) ww_warn("no surging ports: no ports closed");
    return rc;
}

static int run(int argc, char **argv)
{
    const struct ww_command *cmd = &ww_cmd_block;
    static const struct option longopts[] = {
        {"apply", no_argument, NULL, 'a'}, {"remove", no_argument, NULL, 'r'},
        {"ttl", required_argument, NULL, 't'}, {"allow", required_argument, NULL, 'A'},
        {"close-ports", required_argument, NULL, 'p'}, {"addresses", no_argument, NULL, 'L'},
        {"collector", required_argument, NULL, 'c'}, {"limit", required_argument, NULL, 'l'},
        {0}};
    int apply = 0, remove = 0, plain = 0, surging = 0, ch;
    const char *url = NULL;
    unsigned long long limit = 20;
    struct ww_block_opts o = {.ttl_us = WW_DAY_US};
    struct ww_plan p = {0};
    int status = WW_EXIT_USAGE;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'a': apply = 1; break;
        case 'r': remove = 1; break;
        case 'L': plain = 1; break;
        case 'c': url = optarg; break;
        case 't':
            if (ww_parse_duration(optarg, &o.ttl_us) || o.ttl_us < WW_SEC_US || o.ttl_us % WW_SEC_US || o.ttl_us > 365 * WW_DAY_US) {
                ww_usage_error(cmd, "--ttl: expected whole seconds up to 365d (90s, 30m, 36h, 10d), got '%s'", optarg);
                goto out;
            }
            break;
        case 'A':
            if (ww_plan_allow(&p, optarg)) {
                ww_usage_error(cmd, "--allow: expected addresses or CIDRs joined by commas, got '%s'", optarg);
                goto out;
            }
            break;
        case 'p':
            if (!strcmp(optarg, "surging")) surging = 1;
            else if (ww_block_parse_ports(optarg, p.ports, WW_BLOCK_MAX_PORTS, &p.nports)) {
                ww_usage_error(cmd, "--close-ports: expected ports and ranges like 137-139,445 "
                               "(at most %d) or 'surging', got '%s'", WW_BLOCK_MAX_PORTS, optarg);
                goto out;
            }
            break;
        case 'l':
            if (ww_parse_uint(optarg, 10000, &limit) || !limit) {
                ww_usage_error(cmd, "--limit: not a number in 1..10000: %s", optarg);
                goto out;
            }
            break;
        default: goto out;
        }
    }
    int nfiles = argc - optind;
    if (apply && remove) { ww_usage_error(cmd, "--apply and --remove exclude each other"); goto out; }
    if (remove && (nfiles || url || plain)) { ww_usage_error(cmd, "--remove takes no input"); goto out; }
    if (url && (nfiles || plain)) { ww_usage_error(cmd, "--collector takes no FILE and no --addresses"); goto out; }
    if (!remove && !url && nfiles != 1) { ww_usage_error(cmd, "expected one FILE (or - for stdin)"); goto out; }
    if (surging && plain) { ww_usage_error(cmd, "--close-ports surging needs analyze JSON or --collector"); goto out; }

    status = WW_EXIT_FAIL;
    if (!remove && gather(&p, url, limit, plain, surging, nfiles ? argv[optind] : NULL)) goto out;
    ww_plan_opts(&p, &o);
    o.dry_run = !apply && !remove;
    status = act(&p, &o, apply, remove);
out:
    ww_plan_release(&p);
    return status;
}

const struct ww_command ww_cmd_block = {
    .name = "block",
    .run = run,
    .summary = "turn detected scanners into nftables drops (prints the script unless --apply)",
    .usage = usage,
};
