/* cmd_sensor.c -- `wormwatch sensor`: follow firewall logs, the kernel's
 * journal or an interface, detect scanners locally, and ship the events to a
 * collector without loss or duplication.
 *
 * The daemon is lib/sensor/ (sensor.h says what each of its files does:
 * batches, spool and state, submission, sources, local detection); this
 * file reads the options and the key, picks the state directory, catches
 * SIGINT and SIGTERM, and prints what the daemon says: warnings as
 * "wormwatch: sensor: ...", findings (scanners, blocks) as "wormwatch
 * sensor: ...". */
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/err.h"
#include "core/addr.h"
#include "core/wtime.h"
#include "respond/block.h"
#include "sensor/sensor.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void on_log(void *ctx, enum ww_sensor_say kind, const char *msg)
{
    (void)ctx;
    fprintf(stderr, kind == WW_SENSOR_FINDING ? "wormwatch sensor: %s\n" : "wormwatch: sensor: %s\n",
            msg);
}

static enum ww_err read_key_file(const char *path, char *key, size_t size)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return WW_ERR_IO;
    int ok = fgets(key, (int)size, fp) != NULL;
    fclose(fp);
    if (!ok) return WW_ERR_IO;
    size_t n = strlen(key);
    while (n && isspace((unsigned char)key[n - 1])) key[--n] = 0;
    return n ? WW_OK : WW_ERR_IO;
}

static const char usage[] =
    "usage: wormwatch sensor --collector URL (--key SECRET | --key-file F) [OPTIONS]\n"
    "                        (FILE... | --journal | --interface IF [--user NAME])\n"
    "\n"
    "Follows firewall logs (tail -F: rotation and truncation handled, position\n"
    "kept in the state directory) or the kernel's journal (--journal), reports\n"
    "scanners found locally on stderr, and submits the events in batches to a\n"
    "wormwatch collector (POST URL/api/v1/submit, DShield TSV), spooling them on\n"
    "disk while it is unreachable. No event is lost or sent twice across a\n"
    "collector outage or a sensor restart, short of the bounds below (drops\n"
    "oldest first, counted and logged).\n"
    "\n"
    "  --collector URL     collector base URL, e.g. http://127.0.0.1:8080\n"
    "  --key SECRET        sensor key (from `wormwatch key add`)\n"
    "  --key-file F        read the key from F's first line (preferred)\n"
    "  --state DIR         state and spool (default $XDG_STATE_HOME/wormwatch,\n"
    "                      else ~/.local/state/wormwatch)\n"
    "  --batch N           events per batch (default 1000; 10000 with --interface)\n"
    "  --flush SECONDS     close a batch at least this often (default 2)\n"
    "  --anonymize HOW     how targets leave: cryptopan (default: keyed\n"
    "                      prefix-preserving pseudonyms, Crypto-PAn), BITS (keep\n"
    "                      BITS leading bits of IPv4 targets, 48 of IPv6), none\n"
    "  --anonymize-key F   the Crypto-PAn key: 32 bytes or 64 hex characters, mode\n"
    "                      600; one per deployment (default STATE/anonymize.key,\n"
    "                      made at the first start)\n"
    "  --spool-max BYTES   spool bound; oldest batches dropped past it (default 256 MiB);\n"
    "                      batches the spool cannot take wait in memory, at most\n"
    "                      4 MiB, past which the oldest are dropped (counted, logged)\n"
    "  --journal           read the kernel's messages with journalctl, resuming at\n"
    "                      the saved cursor (first start: new messages only)\n"
    "  --journal-directory DIR\n"
    "                      with --journal: read the journal files in DIR\n"
    "                      (journalctl -D), e.g. a host's journal in a container\n"
    "  --interface IF      capture live on IF with libpcap (probes and their\n"
    "                      outcome, as analyze does for captures)\n"
    "  --capture-buffer MIB\n"
    "                      with --interface: the kernel's capture buffer, 1 to\n"
    "                      2047 MiB (default 64); packets that arrive while it\n"
    "                      is full are dropped by the kernel (counted, logged)\n"
    "  --user NAME         with --interface as root: open the capture, then drop\n"
    "                      to NAME (default nobody) before reading any packet;\n"
    "                      the state directory is handed to NAME\n"
    "  --block             block each scanner found with nftables, as `wormwatch\n"
    "                      block --apply` would (table inet wormwatch; never\n"
    "                      loopback, this host's addresses or --block-allow)\n"
    "  --block-ttl D       how long a block lasts (default 24h)\n"
    "  --block-allow CIDR  never block these (repeatable)\n"
    "  --block-rate N      at most N new blocks a minute (default 10)\n"
    "local scan detection (analyze's defaults):\n"
    "  --v6-prefix N       IPv6 sources grouped per /N as one (default 64)\n"
    "  --v4-prefix N       IPv4 sources grouped per /N (default 32: each alone)\n"
    "  --slow-horizon D    slow scans: evidence kept this long (default 24h; 0 = off)\n"
    "  --slow-host-threshold N\n"
    "                      distinct hosts within it: slow horizontal (default 64)\n"
    "  --slow-port-threshold N\n"
    "                      distinct ports within it: slow vertical (default 32)\n";

struct args {
    struct ww_sensor_opts so;
    struct ww_block_opts bo;
    struct ww_cidr allow[64];
    int blocking, capbuf, batch;
    char key[256];
    const char *keyfile, *state;
    char statedir[4096];
};

enum { GO_ON = -1 }; /* option(), complete(): all is well so far */

/* One option (getopt's c and its argument): GO_ON, or the exit status (a
 * usage error, or --help). */
static int option(struct args *a, int c, const char *arg)
{
    const struct ww_command *cmd = &ww_cmd_sensor;
    unsigned long long u;
    switch (c) {
    case 'c': a->so.collector = arg; break;
    case 'k': snprintf(a->key, sizeof a->key, "%s", arg); break;
    case 'K': a->keyfile = arg; break;
    case 's': a->state = arg; break;
    case 'b':
        if (ww_parse_uint(arg, 1000000, &a->so.batch_max) || !a->so.batch_max)
            return ww_usage_error(cmd, "bad --batch '%s'", arg);
        a->batch = 1;
        break;
    case 'f':
        if (ww_parse_double(arg, 0.01, 86400, &a->so.flush_s))
            return ww_usage_error(cmd, "bad --flush '%s'", arg);
        break;
    case 'a':
        if (!strcmp(arg, "cryptopan")) a->so.anon = WW_SENSOR_ANON_CRYPTOPAN;
        else if (!strcmp(arg, "none")) a->so.anon = WW_SENSOR_ANON_NONE;
        else if (!ww_parse_uint(arg, 32, &u))
            a->so.anon = WW_SENSOR_ANON_MASK, a->so.anon_bits = (unsigned)u;
        else
            return ww_usage_error(cmd, "bad --anonymize '%s' (cryptopan, none, or 0 to 32 bits)", arg);
        break;
    case 'Y': a->so.anon_key = arg; break;
    case 'm':
        if (ww_parse_uint(arg, ~0ull, &u) || !u)
            return ww_usage_error(cmd, "bad --spool-max '%s'", arg);
        a->so.spool_max = u;
        break;
    case 'j': a->so.journal = 1; break;
    case 'J': a->so.journal_dir = arg; break;
    case 'i': a->so.ifname = arg; break;
    case 'u': a->so.user = arg; break;
    case 'C':
        if (ww_parse_uint(arg, 2047, &u) || !u) /* libpcap takes an int of bytes */
            return ww_usage_error(cmd, "bad --capture-buffer '%s' (1 to 2047 MiB)", arg);
        a->so.capture_buffer = (size_t)u << 20, a->capbuf = 1;
        break;
    case 'B': a->blocking = 1; break;
    case 'T':
        if (ww_parse_duration(arg, &a->bo.ttl_us) || a->bo.ttl_us <= 0)
            return ww_usage_error(cmd, "bad --block-ttl '%s' (e.g. 90s, 30m, 36h, 10d)", arg);
        break;
    case 'A':
        if (a->bo.nallow == 64 || ww_cidr_parse(arg, strlen(arg), &a->allow[a->bo.nallow]))
            return ww_usage_error(cmd, "bad --block-allow '%s' (at most 64 of ADDR[/LEN])", arg);
        a->bo.nallow++;
        break;
    case 'R':
        if (ww_parse_uint(arg, 100000, &u) || !u)
            return ww_usage_error(cmd, "bad --block-rate '%s'", arg);
        a->bo.rate = (unsigned)u;
        break;
    case '4':
    case '6':
        if (ww_parse_uint(arg, c == '4' ? 32 : 128, &u) || !u)
            return ww_usage_error(cmd, "--v%c-prefix is a prefix length from 1 to %d", c,
                                  c == '4' ? 32 : 128);
        *(c == '4' ? &a->so.scan.v4_prefix : &a->so.scan.v6_prefix) = (unsigned)u;
        break;
    case 'H':
        if (ww_parse_duration(arg, &a->so.scan.slow.horizon_us) ||
            (a->so.scan.slow.horizon_us && a->so.scan.slow.horizon_us < 2 * WW_SEC_US))
            return ww_usage_error(cmd, "bad --slow-horizon '%s' (e.g. 24h, 3d; 0 = off)", arg);
        break;
    case 'o':
    case 'p':
        if (ww_parse_uint(arg, WW_SLOW_THRESHOLD_MAX, &u) || !u)
            return ww_usage_error(cmd, "--slow-%s-threshold is a number from 1 to %d",
                                  c == 'o' ? "host" : "port", WW_SLOW_THRESHOLD_MAX);
        *(c == 'o' ? &a->so.scan.slow.hosts : &a->so.scan.slow.ports) = (unsigned)u;
        break;
    case 'h': fputs(usage, stdout); return WW_EXIT_OK;
    default: return ww_usage_error(cmd, "bad option");
    }
    return GO_ON;
}

/* The options together, the key, the state directory: GO_ON, or the exit
 * status. */
static int complete(struct args *a, int nfiles)
{
    const struct ww_command *cmd = &ww_cmd_sensor;
    struct ww_sensor_opts *so = &a->so;
    if (!so->collector) return ww_usage_error(cmd, "--collector URL is required");
    if (a->keyfile && read_key_file(a->keyfile, a->key, sizeof a->key)) {
        ww_warn("sensor: cannot read a key from %s", a->keyfile);
        return WW_EXIT_FAIL;
    }
    if (!a->key[0]) return ww_usage_error(cmd, "--key or --key-file is required");
    if (so->journal + !!so->ifname + (nfiles > 0) != 1)
        return ww_usage_error(cmd, "give FILE..., --journal or --interface IF (one of them)");
    if (so->journal_dir && !so->journal) return ww_usage_error(cmd, "--journal-directory needs --journal");
    if (a->capbuf && !so->ifname) return ww_usage_error(cmd, "--capture-buffer goes with --interface");
    if (so->ifname && !a->batch) so->batch_max = 10000; /* a spool write and a POST per batch */
    if (so->anon_key && so->anon != WW_SENSOR_ANON_CRYPTOPAN)
        return ww_usage_error(cmd, "--anonymize-key goes with --anonymize cryptopan");
    if ((a->bo.ttl_us || a->bo.nallow || a->bo.rate) && !a->blocking)
        return ww_usage_error(cmd, "--block-ttl, --block-allow and --block-rate go with --block");
    if (a->blocking && so->ifname)
        return ww_usage_error(cmd, "--block needs the privileges --interface gives up");
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (a->state) snprintf(a->statedir, sizeof a->statedir, "%s", a->state);
    else if (xdg && *xdg) snprintf(a->statedir, sizeof a->statedir, "%s/wormwatch", xdg);
    else snprintf(a->statedir, sizeof a->statedir, "%s/.local/state/wormwatch", home ? home : ".");
    a->bo.allow = a->allow;
    so->block = a->blocking ? &a->bo : NULL;
    so->key = a->key;
    so->statedir = a->statedir;
    return GO_ON;
}

int cmd_sensor(int argc, char **argv);
int cmd_sensor(int argc, char **argv)
{
    static const struct option lo[] = {
        {"collector", 1, 0, 'c'}, {"key", 1, 0, 'k'}, {"key-file", 1, 0, 'K'},
        {"state", 1, 0, 's'}, {"batch", 1, 0, 'b'}, {"flush", 1, 0, 'f'},
        {"anonymize", 1, 0, 'a'}, {"anonymize-key", 1, 0, 'Y'}, {"spool-max", 1, 0, 'm'},
        {"journal", 0, 0, 'j'},
        {"journal-directory", 1, 0, 'J'},
        {"interface", 1, 0, 'i'}, {"capture-buffer", 1, 0, 'C'}, {"user", 1, 0, 'u'}, {"help", 0, 0, 'h'},
        {"block", 0, 0, 'B'}, {"block-ttl", 1, 0, 'T'}, {"block-allow", 1, 0, 'A'},
        {"block-rate", 1, 0, 'R'}, {"v4-prefix", 1, 0, '4'}, {"v6-prefix", 1, 0, '6'},
        {"slow-horizon", 1, 0, 'H'}, {"slow-host-threshold", 1, 0, 'o'},
        {"slow-port-threshold", 1, 0, 'p'}, {0, 0, 0, 0}};
    struct args a = {0};
    int c, st;
    ww_sensor_opts_default(&a.so);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1)
        if ((st = option(&a, c, optarg)) != GO_ON) return st;
    if ((st = complete(&a, argc - optind)) != GO_ON) return st;
    a.so.files = (const char *const *)argv + optind;
    a.so.nfiles = (size_t)(argc - optind);
    a.so.log = on_log;
    a.so.stop = &stop;

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return ww_sensor_run(&a.so) ? WW_EXIT_FAIL : WW_EXIT_OK;
}

const struct ww_command ww_cmd_sensor = {"sensor", cmd_sensor,
    "follow firewall logs and submit their events to a collector", usage};
