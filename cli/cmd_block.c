/* cmd_block.c -- `wormwatch block`: scanners in, nftables drops out.
 *
 * Gathers networks to block from one of three places -- `analyze --format
 * json` output (its "scanners"), a plain list (--addresses), or a running
 * collector (--collector: GET /api/v1/sources, and /api/v1/alerts for
 * `--close-ports surging`) -- and hands them to lib/respond/block.c, which filters
 * them through the safeguards and writes the script. Safe by default: the
 * script is printed and nothing changes unless --apply is given. --remove
 * deletes the wormwatch table and nothing else. The collector is asked
 * through ww_http_get (lib/serve/api.c), as `report` asks it. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/http.h"
#include "respond/block.h"
#include "cli.h"
#include "core/mem.h"
#include "core/wtime.h"

static const char usage[] =
    "usage: wormwatch block [--apply | --remove] [--ttl D] [--allow CIDR,...]\n"
    "                       [--close-ports LIST|surging] [--addresses]\n"
    "                       [--collector URL [--limit N]] [FILE | -]\n"
    "Turn detected scanners into nftables drops in the table 'inet wormwatch'.\n"
    "Without --apply the script is printed and nothing changes.\n"
    "  FILE           `wormwatch analyze --format json` output (- = stdin): its scanners\n"
    "  --addresses    FILE is a plain list of addresses or CIDRs, one a line (# comments)\n"
    "  --collector URL  block the collector's top sources (GET /api/v1/sources)\n"
    "  --limit N      how many collector sources and alerts to use (default 20)\n"
    "  --apply        load the script through libnftables (needs CAP_NET_ADMIN)\n"
    "  --remove       delete the table 'inet wormwatch' and nothing else\n"
    "  --ttl D        how long an address stays blocked: 90s, 30m, 36h, 10d (default 24h)\n"
    "  --allow CIDRS  never block these; spared by --close-ports too (repeatable)\n"
    "  --close-ports LIST  also drop these tcp/udp ports (137-139,445) from everything\n"
    "                 outside --allow; `surging` = the ports of the input's surges\n"
    "                 (analyze JSON) or of the collector's alerts\n"
    "Loopback, this host's own addresses and --allow are never blocked; each one\n"
    "left out is named on stderr with the reason.\n";

struct nets { struct ww_cidr *v; size_t n, cap; };

static void nets_push(struct nets *s, const struct ww_cidr *c)
{
    if (s->n == s->cap) s->v = ww_realloc(s->v, (s->cap = s->cap * 2 + 16) * sizeof *s->v);
    s->v[s->n++] = *c;
}

/* --- where the networks come from ---------------------------------------- */

static int read_addresses(const char *path, struct nets *out)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) { ww_warn("%s: cannot open: %s", path, strerror(errno)); return -1; }
    char line[256];
    unsigned long no = 0;
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        no++;
        size_t n = strcspn(line, "#\r\n");
        if (!strchr(line, '\n') && !feof(f)) {
            ww_warn("%s:%lu: line too long", path, no);
            rc = -1;
            break;
        }
        char *s = line;
        while (n && (*s == ' ' || *s == '\t')) s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
        if (!n) continue;
        struct ww_cidr c;
        if (ww_cidr_parse(s, n, &c)) {
            ww_warn("%s:%lu: not an address or CIDR: '%.*s'", path, no, (int)n, s);
            rc = -1;
        } else {
            nets_push(out, &c);
        }
    }
    if (!rc && ferror(f)) { ww_warn("%s: read error", path); rc = -1; }
    if (f != stdin) fclose(f);
    return rc;
}

/* Appends the "src" of every object in arr; what names the place. */
static int take_srcs(json_t *arr, const char *what, struct nets *out)
{
    size_t i;
    json_t *o;
    if (!json_is_array(arr)) { ww_warn("%s: no array of sources", what); return -1; }
    json_array_foreach(arr, i, o) {
        const char *src = json_string_value(json_object_get(o, "src"));
        struct ww_cidr c;
        if (!src || ww_cidr_parse(src, strlen(src), &c)) {
            ww_warn("%s[%zu].src: not an address: '%s'", what, i, src ? src : "(missing)");
            return -1;
        }
        nets_push(out, &c);
    }
    return 0;
}

/* The ports of every object in arr, as ranges of one. */
static int take_ports(json_t *arr, const char *what, struct ww_portrange *ports, size_t *n)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        json_int_t p = json_integer_value(json_object_get(o, "port"));
        if (p < 1 || p > 65535) { ww_warn("%s[%zu].port: not a port", what, i); return -1; }
        int seen = 0;
        for (size_t k = 0; k < *n; k++) seen |= ports[k].lo == p;
        if (seen) continue;
        if (*n == WW_BLOCK_MAX_PORTS) { ww_warn("%s: more than %d ports", what, WW_BLOCK_MAX_PORTS); return -1; }
        ports[*n].lo = ports[*n].hi = (uint16_t)p;
        (*n)++;
    }
    return 0;
}

static json_t *http_get(const char *base, const char *path)
{
    char err[2300];
    long status;
    json_t *j = ww_http_get(base, path, &status, err, sizeof err);
    if (!j) ww_warn("%s", err);
    else if (status != 200) {
        ww_warn("%s%s: HTTP status %ld", base, path, status);
        json_decref(j);
        j = NULL;
    }
    return j;
}

static int from_collector(const char *url, unsigned long long limit, int surging, struct nets *out,
                          struct ww_portrange *ports, size_t *nports)
{
    char path[64];
    int rc = -1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(path, sizeof path, "/api/v1/sources?limit=%llu", limit);
    json_t *src = http_get(url, path), *al = NULL;
    if (src && !take_srcs(json_object_get(src, "sources"), "collector sources", out)) rc = 0;
    if (!rc && surging) {
        snprintf(path, sizeof path, "/api/v1/alerts?limit=%llu", limit);
        rc = (al = http_get(url, path)) ? take_ports(json_object_get(al, "alerts"), "collector alerts", ports, nports) : -1;
    }
    json_decref(src);
    json_decref(al);
    curl_global_cleanup();
    return rc;
}

static int from_analyze(const char *path, int surging, struct nets *out,
                        struct ww_portrange *ports, size_t *nports)
{
    json_error_t e;
    json_t *j = strcmp(path, "-") ? json_load_file(path, 0, &e) : json_loadf(stdin, 0, &e);
    if (!j && e.line > 0) ww_warn("%s:%d: not analyze JSON: %s", path, e.line, e.text);
    else if (!j) ww_warn("%s: %s", path, e.text);
    if (!j) return -1;
    char what[2][1100];
    snprintf(what[0], sizeof what[0], "%.1024s: scanners", path);
    snprintf(what[1], sizeof what[1], "%.1024s: surges", path);
    int rc = take_srcs(json_object_get(j, "scanners"), what[0], out);
    if (!rc && surging) rc = take_ports(json_object_get(j, "surges"), what[1], ports, nports);
    json_decref(j);
    return rc;
}

/* --- the command ----------------------------------------------------------- */

static void note(void *ctx, const struct ww_cidr *c, const char *why)
{
    char t[WW_CIDR_STRLEN];
    (void)ctx;
    ww_warn("not blocking %s: %s", ww_cidr_format(c, t), why);
}

static int parse_allow(const char *arg, struct nets *allow)
{
    const char *s = arg;
    for (;;) {
        size_t n = strcspn(s, ",");
        struct ww_cidr c;
        if (ww_cidr_parse(s, n, &c)) return -1;
        nets_push(allow, &c);
        if (!s[n]) return 0;
        s += n + 1;
    }
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
    struct ww_block_opts o = {.ttl_us = 86400 * INT64_C(1000000)};
    struct ww_portrange ports[WW_BLOCK_MAX_PORTS];
    size_t nports = 0;
    struct nets allow = {0}, nets = {0};
    int status = WW_EXIT_USAGE;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'a': apply = 1; break;
        case 'r': remove = 1; break;
        case 'L': plain = 1; break;
        case 'c': url = optarg; break;
        case 't':
            o.ttl_us = ww_parse_duration(optarg);
            if (o.ttl_us < 1000000 || o.ttl_us % 1000000 || o.ttl_us > 365 * 86400 * INT64_C(1000000)) {
                ww_usage_error(cmd, "--ttl: expected whole seconds up to 365d (90s, 30m, 36h, 10d), got '%s'", optarg);
                goto out;
            }
            break;
        case 'A':
            if (parse_allow(optarg, &allow)) {
                ww_usage_error(cmd, "--allow: expected addresses or CIDRs joined by commas, got '%s'", optarg);
                goto out;
            }
            break;
        case 'p':
            if (!strcmp(optarg, "surging")) surging = 1;
            else if (ww_block_parse_ports(optarg, ports, WW_BLOCK_MAX_PORTS, &nports)) {
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
    if (!remove) {
        const char *path = nfiles ? argv[optind] : NULL;
        int rc = url ? from_collector(url, limit, surging, &nets, ports, &nports)
               : plain ? read_addresses(path, &nets)
               : from_analyze(path, surging, &nets, ports, &nports);
        if (rc) goto out;
        if (surging && !nports) ww_warn("no surging ports: no ports closed");
    }
    o.allow = allow.v;
    o.nallow = allow.n;
    o.ports = ports;
    o.nports = nports;
    o.dry_run = !apply && !remove;
    char err[1024];
    struct ww_block *b = ww_block_open(&o, err, sizeof err);
    if (!b) { ww_warn("%s", err); goto out; }
    if (remove) {
        if (!ww_block_remove(b, err, sizeof err)) {
            printf("removed table inet wormwatch\n");
            status = WW_EXIT_OK;
        } else {
            ww_warn("%s", err);
        }
    } else if (apply) {
        size_t added;
        if (!ww_block_apply(b, nets.v, nets.n, &added, note, NULL, err, sizeof err)) {
            printf("table inet wormwatch: %zu blocked\n", added);
            status = WW_EXIT_OK;
        } else {
            ww_warn("%s", err);
        }
    } else {
        char *script = ww_block_script(b, nets.v, nets.n, note, NULL);
        fputs(script, stdout);
        ww_free(script);
        status = fflush(stdout) ? WW_EXIT_FAIL : WW_EXIT_OK;
    }
    ww_block_close(b);
out:
    ww_free(allow.v);
    ww_free(nets.v);
    return status;
}

const struct ww_command ww_cmd_block = {
    .name = "block",
    .run = run,
    .summary = "turn detected scanners into nftables drops (prints the script unless --apply)",
    .usage = usage,
};
