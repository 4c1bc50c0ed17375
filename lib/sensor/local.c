/* local.c -- what the sensor finds by itself: scanners among the events it
 * reads (the analysis pipeline, lib/detect/analysis.h, with its scan
 * detector alone, options as the sensor's command line set them: analyze's
 * defaults, sources grouped per /64 for IPv6, slow scans over 24 h), each
 * said once (a group as its prefix, with its addresses), and with --block
 * blocked through lib/respond/block.h -- the same code and safeguards as
 * `wormwatch block`, one scanner at a time, as the address or the prefix
 * the detector reported (never wider). Those over block's rate limit
 * wait in `later`, in order (at most 4,096), and are retried first on later
 * rounds until the limit holds one back again. Scanners already said are
 * remembered by (src, prefix, kind, slow) in an array indexed by core/hash.h:
 * a slow call of another kind, or a group grown from its one address to its
 * prefix (the same src when that address is the network's), is new. The detector
 * runs on a thread of its own (analysis.h), taking the events in blocks, so
 * a busy capture's thread only reads, decodes and batches; local_report
 * waits for it to take every event read so far. */
#include "sensor/sensor_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/hash.h"
#include "core/mem.h"
#include "core/wtime.h"

#define LATER_MAX 4096

enum ww_err local_init(struct local *l, const struct ww_scan_opts *scan,
                       const struct ww_block_opts *block, const struct slog *log, char *err,
                       size_t errlen)
{
    struct ww_analysis_opts ao;
    memset(l, 0, sizeof *l);
    l->log = log;
    if (block) {
        char e[512];
        if (!(l->block = ww_block_open(block, e, sizeof e))) {
            snprintf(err, errlen, "--block: %s", e);
            return WW_ERR_IO;
        }
    }
    ww_analysis_opts_default(&ao);
    ao.detectors = WW_ANALYSIS_SCAN;
    ao.scan = *scan;
    ao.threads = 2; /* the scan detector on a thread of its own: the capture's reads on */
    ww_analysis_init(&l->an, &ao);
    ww_hash_init(&l->seen_index, 64);
    return WW_OK;
}

void local_event(struct local *l, const struct ww_event *e) { ww_analysis_event(&l->an, e); }

/* What a scanner is blocked as, never wider: its address (and the prefix
 * of a grouped scanner once struct ww_scanner carries it, issue 18's scan
 * part: {src, prefix} where prefix is not 0). */
static struct ww_cidr scanner_net(const struct ww_scanner *sc)
{
    return (struct ww_cidr){sc->src, sc->prefix ? sc->prefix : (uint8_t)(sc->src.family == 4 ? 32 : 128)};
}

static enum ww_block_result block_scanner(struct local *l, const struct ww_cidr *net, int retry)
{
    char why[512];
    enum ww_block_result r = ww_block_add(l->block, net, ww_now_us(), why, sizeof why);
    if (r != WW_BLOCK_LIMITED || !retry) /* a wait is said once */
        sensor_finding(l->log, "block: %s", why);
    return r;
}

static int same_call(const struct ww_scanner *a, const struct ww_scanner *b)
{
    return ww_addr_eq(&a->src, &b->src) && a->prefix == b->prefix && a->slow == b->slow &&
           !strcmp(a->kind, b->kind);
}

static int same_seen(const void *ctx, uint32_t entry, const void *key)
{
    const struct local *l = ctx;
    return same_call(&l->seen[entry], key);
}

/* 1 if sc was said before; else remembered now (kind points to a literal). */
static int seen(struct local *l, const struct ww_scanner *sc)
{
    uint64_t h = ww_addr_hash(&sc->src) ^ ((uint64_t)sc->prefix << 8 | sc->slow) ^ (uint8_t)sc->kind[0];
    if (ww_hash_find(&l->seen_index, h, same_seen, l, sc) != WW_HASH_NONE) return 1;
    if (l->nseen == l->seencap) {
        l->seencap = l->seencap ? 2 * l->seencap : 64;
        l->seen = ww_realloc(l->seen, l->seencap * sizeof *l->seen);
    }
    l->seen[l->nseen] = *sc;
    ww_hash_add(&l->seen_index, h, (uint32_t)l->nseen++);
    return 0;
}

static void say(struct local *l, const struct ww_scanner *sc)
{
    char a[WW_CIDR_STRLEN + 32];
    ww_scanner_src(sc, a);
    if (sc->prefix) /* a group: how many of its addresses were seen */
        snprintf(a + strlen(a), sizeof a - strlen(a), " (%" PRIu64 " addresses)", sc->addresses);
    if (sc->slow) /* called over the long horizon */
        snprintf(a + strlen(a), sizeof a - strlen(a), " slow");
    if (!strcmp(sc->kind, "vertical"))
        sensor_finding(l->log, "scanner %s vertical (%s): %" PRIu64 " ports", a, sc->method,
                       sc->ports);
    else if (!strcmp(sc->kind, "horizontal"))
        sensor_finding(l->log, "scanner %s horizontal (%s): %" PRIu64 " hosts", a, sc->method,
                       sc->targets);
    else
        sensor_finding(l->log, "scanner %s %s (%s): %" PRIu64 " hosts, %" PRIu64 " ports", a,
                       sc->kind, sc->method, sc->targets, sc->ports);
}

void local_report(struct local *l)
{
    const struct ww_scanner *sc;
    ww_analysis_finish(&l->an); /* the events read so far, to the detector */
    size_t n = ww_scan_results(l->an.scan, &sc), done = 0;
    while (done < l->nlater && block_scanner(l, &l->later[done], 1) != WW_BLOCK_LIMITED) done++;
    if (done) {
        memmove(l->later, l->later + done, (l->nlater - done) * sizeof *l->later);
        l->nlater -= done;
    }
    for (size_t i = 0; i < n; i++) {
        if (seen(l, &sc[i])) continue;
        say(l, &sc[i]);
        struct ww_cidr net = scanner_net(&sc[i]);
        if (l->block && block_scanner(l, &net, 0) == WW_BLOCK_LIMITED && l->nlater < LATER_MAX) {
            if (l->nlater == l->latercap) {
                l->latercap = l->latercap ? 2 * l->latercap : 64;
                l->later = ww_realloc(l->later, l->latercap * sizeof *l->later);
            }
            l->later[l->nlater++] = net;
        }
    }
}

void local_release(struct local *l)
{
    ww_analysis_release(&l->an);
    if (l->block) ww_block_close(l->block);
    ww_hash_release(&l->seen_index);
    ww_free(l->seen);
    ww_free(l->later);
}
