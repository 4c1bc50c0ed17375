/* cmd_serve.c -- `wormwatch serve`: the collector (lib/serve/httpd.h).
 *
 * This file reads the options -- from the command line, then from the
 * config file (`key = value` lines, same names as the long options), then
 * defaults --, checks them, reads the TLS files, opens and starts the store
 * and runs the daemon, printing what it says. SIGINT/SIGTERM are blocked
 * first, so every thread (the store's writer too) leaves them to the
 * daemon's sigtimedwait(); a signal stops the daemon (finishing requests in
 * flight) and then the store is closed (which flushes). */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/wtime.h"
#include "detect/geo.h"
#include "detect/known.h"
#include "detect/osdb.h"
#include "serve/httpd.h"
#include "serve/notify.h"
#include "store/store.h"

#define DEFAULT_CONFIG WW_DEFAULT_CONFIG
#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_MAX_BODY (16ull << 20) /* DShield's client sends up to ~13 MB */
#define DEFAULT_RATE 50000.0 /* events/s: the old 50 batches/s of a sensor's 1,000 */
#define DEFAULT_PER_ADDRESS 32
#define DEFAULT_HEADER_TIMEOUT 10
/* How far past this clock an event may be dated: a small tolerance for
 * clocks that drift. Event time decides (the latest event any sensor sent is
 * the collector's "now"), so one sensor with a clock or zone hours ahead
 * would push the frontier past everybody and make the others look late; it
 * hears of it instead (a 400 naming the line). */
#define DEFAULT_MAX_FUTURE "15m"
#define DEFAULT_LATENESS "26h" /* a daily upload, two hours late (detect/hold.h) */

struct opts {
    char *listen, *db, *tls_cert, *tls_key, *config, *max_body, *rate, *dash_user;
    char *per_address, *header_timeout, *max_future, *lateness, *known, *v4_prefix, *v6_prefix;
    char *p0f_db, *geoip, *asn;   /* who is scanning: OS, country, AS */
    char *notify_secret, *smtp, *public_url; /* --notify's */
    char *ch_user, *ch_password, *retention; /* the config file's only (ClickHouse) */
    char **notify;                /* --notify URLs: the command line's, else the config's */
    size_t nnotify;
    int notify_cli;               /* the command line gave some */
};

/* ---- options ---- */

static int set_opt(struct opts *o, const char *key, const char *val)
{
    if (!strcmp(key, "notify")) { /* repeatable */
        if (o->notify_cli) return WW_OK;
        o->notify = ww_realloc(o->notify, (o->nnotify + 1) * sizeof *o->notify);
        o->notify[o->nnotify++] = ww_strdup(val);
        return WW_OK;
    }
    char **slot = !strcmp(key, "listen") ? &o->listen : !strcmp(key, "db") ? &o->db
                : !strcmp(key, "tls-cert") ? &o->tls_cert : !strcmp(key, "tls-key") ? &o->tls_key
                : !strcmp(key, "max-body") ? &o->max_body : !strcmp(key, "rate-limit") ? &o->rate
                : !strcmp(key, "dashboard-user") ? &o->dash_user
                : !strcmp(key, "max-per-address") ? &o->per_address
                : !strcmp(key, "header-timeout") ? &o->header_timeout
                : !strcmp(key, "max-future") ? &o->max_future
                : !strcmp(key, "lateness") ? &o->lateness
                : !strcmp(key, "known-scanners") ? &o->known
                : !strcmp(key, "v4-prefix") ? &o->v4_prefix : !strcmp(key, "v6-prefix") ? &o->v6_prefix
                : !strcmp(key, "p0f-db") ? &o->p0f_db
                : !strcmp(key, "geoip") ? &o->geoip : !strcmp(key, "asn") ? &o->asn
                : !strcmp(key, "notify-secret") ? &o->notify_secret
                : !strcmp(key, "smtp") ? &o->smtp : !strcmp(key, "public-url") ? &o->public_url
                : !strcmp(key, "clickhouse-user") ? &o->ch_user
                : !strcmp(key, "clickhouse-password") ? &o->ch_password
                : !strcmp(key, "retention-days") ? &o->retention
                : NULL;
    if (!slot) return WW_ERR_ARG;
    if (!*slot) *slot = ww_strdup(val); /* the command line, read first, wins */
    return WW_OK;
}

static int read_config(struct opts *o, const char *path, int must_exist)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!must_exist && errno == ENOENT) return WW_OK;
        ww_warn("%s: %s", path, strerror(errno));
        return WW_ERR_IO;
    }
    char line[4096];
    int lineno = 0, rc = WW_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line + strspn(line, " \t"), *eq, *end;
        if (*p == '#' || *p == '\n' || !*p) continue;
        if (!(eq = strchr(p, '='))) {
            ww_warn("%s:%d: expected key = value", path, lineno);
            rc = WW_ERR_PARSE;
            break;
        }
        for (end = eq; end > p && (end[-1] == ' ' || end[-1] == '\t'); end--) {}
        *end = '\0';
        char *v = eq + 1 + strspn(eq + 1, " \t");
        for (end = v + strlen(v); end > v && strchr(" \t\r\n", end[-1]); end--) {}
        *end = '\0';
        if (set_opt(o, p, v)) ww_warn("%s:%d: ignoring '%s' (not a serve option)", path, lineno, p);
    }
    fclose(f);
    return rc;
}

static char *read_file(const char *path, const char *what)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        ww_warn("%s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    size_t len = 0, cap = 16384, n;
    char *buf = ww_malloc(cap);
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0)
        if ((len += n) == cap - 1) buf = ww_realloc(buf, cap *= 2);
    buf[len] = '\0';
    fclose(f);
    return buf;
}

/* "ADDR:PORT" or "[V6]:PORT" to a socket address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
    char host[256];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host) return WW_ERR_ARG;
    size_t hl = (size_t)(colon - s);
    memcpy(host, s, hl);
    host[hl] = '\0';
    char *h = host;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') { host[hl - 1] = '\0'; h++; }
    unsigned long long port;
    if (ww_parse_uint(colon + 1, 65535, &port)) return WW_ERR_ARG;
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(*h ? h : NULL, colon + 1, &hints, &ai)) return WW_ERR_ARG;
    memset(ss, 0, sizeof *ss);
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return WW_OK;
}

static const char usage[] =
    "usage: wormwatch serve [OPTIONS]\n\n"
    "Run the collector: sensors POST batches to /api/v1/submit; the JSON API\n"
    "under /api/v1/ and /metrics answer queries.\n\n"
    "  --listen ADDR:PORT   listen address (default " DEFAULT_LISTEN "; port 0 = any)\n"
    "  --db FILE            SQLite store (default $XDG_DATA_HOME/wormwatch/wormwatch.db),\n"
    "                       or clickhouse://HOST:PORT/DB[?cluster=NAME[&shards=H:P,...]]:\n"
    "                       a ClickHouse cluster many serve processes share; its\n"
    "                       credentials (clickhouse-user, clickhouse-password) and\n"
    "                       retention-days (raw events; 0 = forever) in the config file\n"
    "  --config FILE        'key = value' lines for any of these options\n"
    "                       (default " DEFAULT_CONFIG " if it exists)\n"
    "  --tls-cert FILE      PEM certificate; with --tls-key, serve HTTPS\n"
    "  --tls-key FILE       PEM private key\n"
    "  --max-body BYTES     largest batch body accepted (default 16777216)\n"
    "  --rate-limit N       events per second per sensor: 0 = no limit, or at least\n"
    "                       1000 (default 50000)\n"
    "  --max-per-address N  connections open at once from one address (an IPv6\n"
    "                       /64), 0 = no limit (default 32)\n"
    "  --header-timeout S   seconds a request has to arrive in (its headers, and its\n"
    "                       body unless a sensor's), from the connection's start or\n"
    "                       its previous request's end (default 10)\n"
    "  --max-future D       refuse a batch with an event dated more than D past this\n"
    "                       clock: 90s, 30m, 36h, 10d (default " DEFAULT_MAX_FUTURE ")\n"
    "  --lateness D         event time: how far behind the latest event time any\n"
    "                       sensor sent a sensor is waited for before a bucket is\n"
    "                       judged without it (default " DEFAULT_LATENESS ")\n"
    "  --dashboard-user USER:PASSWORD\n"
    "                       require HTTP basic auth for the dashboard (put it in the\n"
    "                       config file rather than on the command line)\n"
    "  --notify URL         send alerts (and sensors going silent or coming back)\n"
    "                       there; repeatable: http://... or https://... (a signed\n"
    "                       JSON POST, retried until accepted), syslog:[PATH] (RFC\n"
    "                       5424 to /dev/log or the socket PATH), mailto:ADDR\n"
    "  --notify-secret FILE sign the POSTs with HMAC-SHA256 under this file's key\n"
    "  --smtp URL           mail through this smtp:// or smtps:// server, not the\n"
    "                       local sendmail\n"
    "  --public-url URL     the dashboard's address in what is sent (default\n"
    "                       http://LISTEN-ADDRESS)\n"
    "  --known-scanners FILE\n"
    "                       'CIDR LABEL' lines: sources in them are labelled (API,\n"
    "                       dashboard) and never count toward a surge\n"
    "  --p0f-db FILE        p0f's signature database: each source's OS from its SYNs'\n"
    "                       fingerprints, as sensors send them (default\n"
    "                       " WW_OSDB_DEFAULT " when readable; none: off)\n"
    "  --geoip FILE         MaxMind country database (GeoLite2-Country, DB-IP Lite):\n"
    "                       sources' and surges' countries in the API and dashboard\n"
    "  --asn FILE           MaxMind ASN database (GeoLite2-ASN, DB-IP Lite): their\n"
    "                       autonomous systems\n"
    "  --v6-prefix N        IPv6 sources rotating inside a /N are one source (sources,\n"
    "                       ip: the prefix and its addresses; default 64)\n"
    "  --v4-prefix N        IPv4 sources grouped per /N (default 32: each alone)\n\n"
    "The dashboard is at / on the same listener.\n";

/* Everything after the options are read; o's strings stay the caller's. */

static void log_line(void *ctx, const char *msg)
{
    (void)ctx;
    ww_warn("%s", msg);
}

/* --p0f-db: FILE (an error if it cannot be read), "none", or absent: the
 * default database when it is readable (one that does not load is said
 * and left out), else none. *db NULL: none. */
static int load_osdb(const char *path, struct ww_osdb **db)
{
    char err[512];
    *db = NULL;
    if (path && !strcmp(path, "none")) return WW_OK;
    if (!path && access(WW_OSDB_DEFAULT, R_OK)) return WW_OK;
    if (ww_osdb_load(path, db, err, sizeof err)) {
        ww_warn("%s%s", path ? "--p0f-db: " : "no OS fingerprints: ", err);
        return path ? WW_ERR_IO : WW_OK;
    }
    return WW_OK;
}

/* Everything after the options are read; o's strings stay the caller's. */
static int serve(struct opts *o)
{
    const struct ww_command *cmd = &ww_cmd_serve;
    int status = WW_EXIT_FAIL;
    struct ww_serve_opts so = {.max_body = DEFAULT_MAX_BODY, .rate = DEFAULT_RATE,
                               .per_address = DEFAULT_PER_ADDRESS,
                               .header_us = DEFAULT_HEADER_TIMEOUT * WW_SEC_US,
                               .listen = o->listen ? o->listen : DEFAULT_LISTEN};
    unsigned long long mb, n;
    if (o->max_body && (ww_parse_uint(o->max_body, 1ull << 32, &mb) || !mb))
        return ww_usage_error(cmd, "--max-body: not a byte count in 1..4294967296: %s",
                              o->max_body);
    if (o->max_body) so.max_body = (size_t)mb;
    if (o->rate && (ww_parse_double(o->rate, 0, 1e8, &so.rate) || (so.rate > 0 && so.rate < 1000)))
        return ww_usage_error(cmd, "--rate-limit: events per second, 0 or 1000..100000000 "
                              "(it counted batches before): %s", o->rate);
    if (o->per_address && ww_parse_uint(o->per_address, 1000000, &n))
        return ww_usage_error(cmd, "--max-per-address: not a number in 0..1000000: %s",
                              o->per_address);
    if (o->per_address) so.per_address = (unsigned)n;
    if (o->header_timeout && (ww_parse_uint(o->header_timeout, 3600, &n) || !n))
        return ww_usage_error(cmd, "--header-timeout: not a number of seconds in 1..3600: %s",
                              o->header_timeout);
    if (o->header_timeout) so.header_us = (int64_t)n * WW_SEC_US;
    if (ww_parse_duration(o->max_future ? o->max_future : DEFAULT_MAX_FUTURE, &so.max_future_us))
        return ww_usage_error(cmd, "--max-future: expected a duration (90s, 30m, 36h, 10d), got '%s'",
                              o->max_future);
    struct ww_store_opts sto = {0};
    if (ww_parse_duration(o->lateness ? o->lateness : DEFAULT_LATENESS, &sto.lateness_us) ||
        sto.lateness_us <= 0)
        return ww_usage_error(cmd, "--lateness: expected a duration (90s, 30m, 36h, 10d), got '%s'",
                              o->lateness);
    const char *pv[2] = {o->v4_prefix, o->v6_prefix};
    for (int v = 0; v < 2; v++) {
        if (!pv[v]) continue;
        if (ww_parse_uint(pv[v], v ? 128 : 32, &n) || !n)
            return ww_usage_error(cmd, "--v%d-prefix: a prefix length from 1 to %d, got '%s'", v ? 6 : 4,
                                  v ? 128 : 32, pv[v]);
        *(v ? &sto.v6_prefix : &sto.v4_prefix) = (unsigned)n;
    }
    if (parse_listen(so.listen, &so.addr))
        return ww_usage_error(cmd, "--listen: expected ADDR:PORT, got '%s'", o->listen);
    if (!o->tls_cert != !o->tls_key)
        return ww_usage_error(cmd, "--tls-cert and --tls-key go together");
    if (o->dash_user) {
        char *colon = strchr(o->dash_user, ':');
        if (!colon || colon == o->dash_user || !colon[1])
            return ww_usage_error(cmd, "--dashboard-user: expected USER:PASSWORD");
        *colon = '\0';
        so.dash_user = o->dash_user;
        so.dash_pass = colon + 1;
    }

    /* --notify */
    char *secret = NULL;
    struct ww_notify_opts no = {.targets = (const char *const *)o->notify,
                                .ntargets = o->nnotify, .smtp = o->smtp,
                                .public_url = o->public_url};
    for (size_t i = 0; i < o->nnotify; i++) {
        char why[600];
        if (ww_notify_check(o->notify[i], why, sizeof why))
            return ww_usage_error(cmd, "--notify: %s", why);
    }
    if (o->smtp && strncmp(o->smtp, "smtp://", 7) && strncmp(o->smtp, "smtps://", 8))
        return ww_usage_error(cmd, "--smtp: expected smtp://HOST[:PORT] or smtps://..., got '%s'",
                              o->smtp);
    if (o->public_url && strncmp(o->public_url, "http://", 7) &&
        strncmp(o->public_url, "https://", 8))
        return ww_usage_error(cmd, "--public-url: expected http://... or https://..., got '%s'",
                              o->public_url);
    if (o->notify_secret) {
        if (!(secret = read_file(o->notify_secret, "--notify-secret"))) return WW_EXIT_FAIL;
        size_t len = strlen(secret);
        while (len && strchr(" \t\r\n", secret[len - 1])) secret[--len] = '\0';
        if (!len) {
            ww_free(secret);
            return ww_usage_error(cmd, "--notify-secret: %s is empty", o->notify_secret);
        }
        no.secret = (const unsigned char *)secret;
        no.secret_len = len;
    }
    so.notify = &no;
    struct ww_known *known = NULL;
    int kst = o->known ? ww_load_known(o->known, &known) : WW_EXIT_OK;
    if (kst) {
        ww_free(secret);
        return kst;
    }
    sto.known = known;
    struct ww_osdb *osdb = NULL;
    struct ww_geo *geo = NULL;

    char *cert = NULL, *key = NULL;
    if (o->tls_cert && (!(cert = read_file(o->tls_cert, "--tls-cert")) ||
                       !(key = read_file(o->tls_key, "--tls-key"))))
        goto out;
    so.tls_cert = cert;
    so.tls_key = key;
    char gerr[1024];
    if (load_osdb(o->p0f_db, &osdb)) goto out;
    if ((o->geoip || o->asn) && ww_geo_open(o->geoip, o->asn, &geo, gerr, sizeof gerr)) {
        ww_warn("--geoip/--asn: %s", gerr);
        goto out;
    }
    sigemptyset(&so.stop);
    sigaddset(&so.stop, SIGINT);
    sigaddset(&so.stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &so.stop, NULL); /* inherited by every thread started below */
    signal(SIGPIPE, SIG_IGN);
    if (!o->db) o->db = ww_store_default_path();
    struct ww_store *st;
    char err[1024] = "";
    unsigned long long days = 0;
    if (o->retention && ww_parse_uint(o->retention, 100000, &days)) {
        ww_warn("retention-days: not a number of days: %s", o->retention);
        goto out;
    }
    sto.retention_days = (int64_t)days;
    if (ww_store_open_as(o->db, o->ch_user, o->ch_password, &st, err, sizeof err) ||
        (ww_store_enrich(st, osdb, geo), ww_store_start(st, &sto, err, sizeof err))) {
        ww_warn("%s", err);
        ww_store_close(st);
        goto out;
    }
    if (ww_serve_run(&so, st, log_line, NULL) == WW_OK) status = WW_EXIT_OK;
    ww_store_close(st);
out:
    ww_known_free(known);
    ww_osdb_free(osdb);
    ww_geo_close(geo);
    ww_free(cert);
    ww_free(key);
    ww_free(secret);
    return status;
}


static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'}, {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'}, {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'}, {"max-body", required_argument, NULL, 'm'},
        {"rate-limit", required_argument, NULL, 'r'},
        {"dashboard-user", required_argument, NULL, 'u'},
        {"max-per-address", required_argument, NULL, 'P'},
        {"header-timeout", required_argument, NULL, 'H'},
        {"max-future", required_argument, NULL, 'f'}, {"lateness", required_argument, NULL, 'L'},
        {"notify", required_argument, NULL, 'N'}, {"notify-secret", required_argument, NULL, 'S'},
        {"smtp", required_argument, NULL, 'M'}, {"public-url", required_argument, NULL, 'U'},
        {"known-scanners", required_argument, NULL, 'k'}, {"v4-prefix", required_argument, NULL, '4'},
        {"v6-prefix", required_argument, NULL, '6'}, {"p0f-db", required_argument, NULL, 'O'},
        {"geoip", required_argument, NULL, 'G'}, {"asn", required_argument, NULL, 'A'},
        {NULL, 0, NULL, 0}};
    struct opts o = {0};
    int ch, status;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1 && ch != '?') {
        const char *key = ch == 'l' ? "listen" : ch == 'd' ? "db" : ch == 'C' ? "tls-cert"
                        : ch == 'K' ? "tls-key" : ch == 'm' ? "max-body"
                        : ch == 'u' ? "dashboard-user" : ch == 'P' ? "max-per-address"
                        : ch == 'H' ? "header-timeout" : ch == 'f' ? "max-future"
                        : ch == 'L' ? "lateness" : ch == 'k' ? "known-scanners"
                        : ch == '4' ? "v4-prefix" : ch == '6' ? "v6-prefix"
                        : ch == 'O' ? "p0f-db" : ch == 'G' ? "geoip" : ch == 'A' ? "asn" : "rate-limit";
        const char *nkey = ch == 'N' ? "notify" : ch == 'S' ? "notify-secret"
                         : ch == 'M' ? "smtp" : ch == 'U' ? "public-url" : NULL; /* --notify's */
        if (ch == 'c') o.config = ww_strdup(optarg);
        else set_opt(&o, nkey ? nkey : key, optarg);
    }
    o.notify_cli = o.nnotify > 0; /* then the config's notify lines are not added */
    if (ch == '?') status = WW_EXIT_USAGE;
    else if (optind < argc)
        status = ww_usage_error(&ww_cmd_serve, "unexpected argument '%s'", argv[optind]);
    else if (read_config(&o, o.config ? o.config : DEFAULT_CONFIG, o.config != NULL))
        status = WW_EXIT_USAGE;
    else
        status = serve(&o);
    char **all[] = {&o.listen, &o.db, &o.tls_cert, &o.tls_key, &o.config, &o.max_body, &o.rate,
                    &o.dash_user, &o.per_address, &o.header_timeout, &o.max_future, &o.lateness,
                    &o.known, &o.v4_prefix, &o.v6_prefix, &o.p0f_db, &o.geoip, &o.asn};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ww_free(*all[i]);
    if (o.ch_password) memset(o.ch_password, 0, strlen(o.ch_password));
    char **nall[] = {&o.notify_secret, &o.smtp, &o.public_url, &o.ch_user, &o.ch_password, &o.retention};
    for (size_t i = 0; i < sizeof nall / sizeof nall[0]; i++) ww_free(*nall[i]);
    for (size_t i = 0; i < o.nnotify; i++) ww_free(o.notify[i]);
    ww_free(o.notify);
    return status;
}

const struct ww_command ww_cmd_serve = {
    .name = "serve",
    .run = run,
    .summary = "run the collector (HTTP API for sensors and queries)",
    .usage = usage,
};
