/* batch.c -- parse a whole submission body into events (see batch.h).
 *
 * TSV: each line goes through ww_parse_dshield(); comments and blank lines
 * are skipped, as in a DShield log file. NDJSON: one JSON object per line,
 *   {"ts":"RFC3339","src":"a","dst":"b","sport":N,"dport":N,
 *    "proto":"tcp"|N,"flags":"SYN,ACK"|"SA","count":N}
 * with ts, src, dst and proto required, ports and flags defaulting to 0 and
 * count to 1 (1..1,000,000 as in DShield TSV); unknown keys are ignored.
 * A TCP SYN's fingerprint (core/synfp.h) travels as ww_synfp_format's text:
 * NDJSON's optional "fp" string, TSV's optional tenth field (what
 * wormwatch's sensor appends; DShield's nine are read by ww_parse_dshield
 * alone, so lines of DShield's own clients are taken as they always were).
 * Empty means none; text ww_synfp_parse refuses, or a fingerprint on
 * anything but TCP, rejects the batch like any bad field.
 * Lines are split on '\n' by length, never relying on NUL termination; a
 * NUL byte inside a line is an error (it would truncate text silently).
 * Dates are checked here, after either parser, so both formats refuse the
 * same times with the same words (the time in UTC and the limit).
 * The array grows by doubling and is kept between batches, so steady-state
 * parsing of TSV allocates nothing. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ingest/batch.h"
#include "core/err.h"
#include "core/mem.h"
#include "ingest/parse.h"
#include "core/wtime.h"

#define MAXCOUNT 1000000

int ww_batch_fmt_from_type(const char *ct)
{
    if (!ct) return WW_BATCH_TSV;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t')) n--;
#define IS(s) (n == sizeof(s) - 1 && !strncasecmp(ct, s, n))
    if (IS("text/tab-separated-values") || IS("text/plain") || IS("application/octet-stream") ||
        IS("application/x-www-form-urlencoded")) /* curl --data-binary's default */
        return WW_BATCH_TSV;
    if (IS("application/x-ndjson") || IS("application/json")) return WW_BATCH_NDJSON;
#undef IS
    return -1;
}

static int push(struct ww_batch *b, const struct ww_event *ev)
{
    if (b->max && b->n >= b->max) return WW_ERR_LIMIT;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->ev = ww_realloc(b->ev, b->cap * sizeof *b->ev);
    }
    b->ev[b->n++] = *ev;
    return WW_OK;
}

static int json_uint(json_t *o, const char *key, json_int_t max, json_int_t dflt,
                     uint32_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!v) { *out = (uint32_t)dflt; return 0; }
    if (!json_is_integer(v)) return -1;
    json_int_t x = json_integer_value(v);
    if (x < 0 || x > max) return -1;
    *out = (uint32_t)x;
    return 0;
}

static enum ww_err json_addr(json_t *o, const char *key, struct ww_addr *a)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? ww_addr_parse(json_string_value(v), json_string_length(v), a) : WW_ERR_PARSE;
}

/* s[0..n): a fingerprint's text for an event of proto into *fp; "" is
 * none. -1 if it does not parse or the event is no TCP. */
static int fingerprint(const char *s, size_t n, int proto, struct ww_synfp *fp)
{
    if (!n) return 0;
    return proto == WW_PROTO_TCP && !ww_synfp_parse(s, n, fp) ? 0 : -1;
}

/* A TSV line's tenth field: *n shortened to the nine DShield ones, the
 * rest (after the ninth tab, '\r' trimmed) in *fp, *fpn; *fpn = 0 for a
 * line of nine. Cheap for the common line: a backward scan to the last tab
 * over the few bytes of its flags; a fingerprint always holds ':', DShield's ninth field (flags) never
 * does; an empty last field is the tenth only after nine tabs (counted for
 * those lines alone). */
static void tenth_field(const char *p, size_t *n, const char **fp, size_t *fpn)
{
    const char *end = p + *n, *t;
    int colon = 0;
    *fpn = 0;
    while (end > p && end[-1] == '\r') end--;
    for (t = end; t > p && t[-1] != '\t'; t--) colon |= t[-1] == ':'; /* flags: a few bytes */
    if (t-- == p) return;
    if (t + 1 < end) {
        if (!colon) return;
    } else {
        int tabs = 0;
        for (const char *q = p; q < t; q++) tabs += *q == '\t';
        if (tabs != 8) return;
    }
    *n = (size_t)(t - p);
    *fp = t + 1;
    *fpn = (size_t)(end - t - 1);
}

static const char *ndjson_line(const char *p, size_t n, struct ww_event *ev)
{
    json_error_t jerr;
    json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
    const char *why = NULL;
    uint32_t sport, dport, count;
    if (!json_is_object(o)) { why = o ? "not a JSON object" : "invalid JSON"; goto out; }
    memset(ev, 0, sizeof *ev);
    json_t *ts = json_object_get(o, "ts");
    size_t tlen = json_is_string(ts) ? json_string_length(ts) : 0;
    if (!tlen || ww_parse_rfc3339(json_string_value(ts), tlen, &ev->ts_us) != tlen) {
        why = "bad or missing \"ts\""; goto out;
    }
    if (json_addr(o, "src", &ev->src)) { why = "bad or missing \"src\""; goto out; }
    if (json_addr(o, "dst", &ev->dst)) { why = "bad or missing \"dst\""; goto out; }
    json_t *pr = json_object_get(o, "proto");
    int proto = -1;
    if (json_is_string(pr)) proto = ww_proto_from_name(json_string_value(pr), json_string_length(pr));
    else if (json_is_integer(pr) && json_integer_value(pr) >= 0 && json_integer_value(pr) <= 255)
        proto = (int)json_integer_value(pr);
    if (proto < 0) { why = "bad or missing \"proto\""; goto out; }
    json_int_t pmax = proto == WW_PROTO_ICMP || proto == WW_PROTO_ICMP6 ? 255 : 65535;
    if (json_uint(o, "sport", pmax, 0, &sport)) { why = "bad \"sport\""; goto out; }
    if (json_uint(o, "dport", pmax, 0, &dport)) { why = "bad \"dport\""; goto out; }
    if (json_uint(o, "count", MAXCOUNT, 1, &count) || !count) {
        why = "\"count\" not in 1..1000000"; goto out;
    }
    json_t *fl = json_object_get(o, "flags");
    if (fl && !json_is_string(fl)) { why = "bad \"flags\""; goto out; }
    if (fl && proto == WW_PROTO_TCP &&
        ww_dshield_tcpflags(json_string_value(fl), json_string_length(fl), &ev->tcpflags)) {
        why = "bad \"flags\""; goto out;
    }
    json_t *fp = json_object_get(o, "fp");
    if (fp && (!json_is_string(fp) || fingerprint(json_string_value(fp), json_string_length(fp),
                                                  proto, &ev->fp))) {
        why = "bad \"fp\" (a TCP SYN's fingerprint, p0f's raw signature)"; goto out;
    }
    ev->proto = (uint8_t)proto;
    ev->sport = (uint16_t)sport;
    ev->dport = (uint16_t)dport;
    ev->count = count;
out:
    json_decref(o);
    return why;
}

/* NULL if ts is within 1970..b->latest_us, else the reason, in b->why. */
static const char *bad_time(struct ww_batch *b, int64_t ts)
{
    char t[32], lim[32];
    if (ts < 0)
        snprintf(b->why, sizeof b->why, "time stamp %s is before 1970", ww_time_format(ts, t, sizeof t));
    else if (b->latest_us && ts > b->latest_us)
        snprintf(b->why, sizeof b->why, "time stamp %s is in the future (the collector accepts up to %s)",
                 ww_time_format(ts, t, sizeof t), ww_time_format(b->latest_us, lim, sizeof lim));
    else
        return NULL;
    return b->why;
}

int ww_batch_parse(struct ww_batch *b, enum ww_batch_fmt fmt, const char *body,
                   size_t len, uint64_t *line, const char **why)
{
    struct ww_parse_ctx ctx;
    ww_parse_ctx_init(&ctx);
    b->n = 0;
    *line = 0;
    for (size_t pos = 0; pos < len;) {
        const char *p = body + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + (nl != NULL);
        ++*line;
        if (memchr(p, '\0', n)) { *why = "NUL byte in line"; goto bad; }
        struct ww_event ev;
        if (fmt == WW_BATCH_TSV) {
            const char *fp = NULL;
            size_t fpn;
            tenth_field(p, &n, &fp, &fpn);
            enum ww_parse_rc rc = ww_parse_dshield(&ctx, p, n, &ev, why);
            if (rc == WW_PARSE_SKIP) continue;
            if (rc == WW_PARSE_BAD) goto bad;
            if (fingerprint(fp, fpn, ev.proto, &ev.fp)) {
                *why = "bad fingerprint in field 10 (a TCP SYN's, p0f's raw signature)";
                goto bad;
            }
        } else {
            size_t k = n;
            while (k && (p[k - 1] == '\r' || p[k - 1] == ' ' || p[k - 1] == '\t')) k--;
            if (!k) continue;
            if ((*why = ndjson_line(p, k, &ev))) goto bad;
        }
        if ((*why = bad_time(b, ev.ts_us))) goto bad;
        if (push(b, &ev)) { *why = "too many events"; b->n = 0; return WW_ERR_LIMIT; }
    }
    if (!b->n) { *line = 0; *why = "no events in batch"; return WW_ERR_PARSE; }
    return WW_OK;
bad:
    b->n = 0;
    return WW_ERR_PARSE;
}

void ww_batch_release(struct ww_batch *b)
{
    ww_free(b->ev);
    memset(b, 0, sizeof *b);
}
