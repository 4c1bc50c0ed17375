/* store_blob.c -- the store's in-memory aggregate values and their blobs.
 *
 * Distinct counts are lib/core/dcount.h counters in memory and its encoding
 * on disk (ww_dcount_encode: the exact members, or the 4096 HyperLogLog
 * registers; blobs of the older 'E'/'H' form are read too), so a count read
 * back and added to stays exactly what one counter fed everything would
 * say. A blob that does not decode is an empty counter.
 *
 * A tally is a small bounded array of (17-byte key, count), used three ways:
 * the top sources of a port and day and the ports of a source (heaviest
 * keys, Space-Saving: a new key replacing the lightest inherits its count,
 * so counts are upper bounds -- the inherited part is kept as err, c - err
 * being a lower bound -- and any key heavier than total/cap is kept), and a
 * source's timeline of days (`recent`: the oldest day goes). Blob: 33 bytes
 * per entry, key then little-endian u64 count and err. Linear scans (cap is
 * at most 92), keys compared as two words and a byte; the lightest entry
 * is found again through `lo` (see tally_add), which spares a full tally
 * of a busy port-day its second scan per source.
 *
 * Log events (what a crash replays, and what a restart gives back to the
 * hold): ts i64, count u32, dport u16, sport u16, proto u8, tcpflags u8,
 * then src and dst as family byte + 4 or 16 bytes (form 2; the detector
 * needs the source port for Witty-like worms and the flags to leave
 * backscatter out), then (form 3, LOG_FMT) a SYN's fingerprint: its flags
 * byte, and when not 0 quirks u32, win u16, mss u16, ttl, olen, wscale,
 * eol_pad, nopt (at most WW_SYNFP_OPTS) and nopt option kinds. Form 1, the
 * rows of older stores, lacks sport and tcpflags. Every integer is
 * little-endian (core/bytes.h). */
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/err.h"
#include "core/mem.h"
#include "store/store_int.h"

size_t blob_dcount_encode(const struct ww_dcount *d, unsigned char *buf)
{
    return ww_dcount_encode(d, buf);
}

void blob_dcount_decode(struct ww_dcount *d, const unsigned char *b, size_t len)
{
    if (b) ww_dcount_decode(d, b, len, NULL); /* malformed: d stays empty */
}

/* ---- tallies ---- */

void tally_key_addr(uint8_t k[17], const struct ww_addr *a)
{
    memcpy(k, a->b, 16);
    k[16] = a->family;
}

void tally_key_int(uint8_t k[17], int64_t v)
{
    memset(k, 0, 17);
    ww_le_put64(k, (uint64_t)v);
}

int64_t tally_key_int_value(const uint8_t k[17])
{
    return (int64_t)ww_le_get64(k);
}

static int key_cmp(const uint8_t *a, const uint8_t *b)
{
    /* integer keys compare as numbers (little-endian), addresses bytewise */
    if (!a[16] && !b[16]) {
        int64_t x = (int64_t)ww_le_get64(a), y = (int64_t)ww_le_get64(b);
        return (x > y) - (x < y);
    }
    return memcmp(a, b, 17);
}

/* memcmp(a, b, 17) == 0 as two word compares and a byte: no call per
 * entry, the scan being the hot part of tally_add */
static inline int key_eq(const uint8_t *a, uint64_t k0, uint64_t k1, uint8_t k16)
{
    uint64_t a0, a1;
    memcpy(&a0, a, 8);
    memcpy(&a1, a + 8, 8);
    return ((a0 ^ k0) | (a1 ^ k1) | (uint8_t)(a[16] ^ k16)) == 0;
}

void tally_add(struct tally *t, const uint8_t key[17], uint64_t c, uint64_t err)
{
    uint64_t k0, k1;
    memcpy(&k0, key, 8);
    memcpy(&k1, key + 8, 8);
    for (uint32_t i = 0; i < t->n; i++)
        if (key_eq(t->e[i].k, k0, k1, key[16])) {
            t->e[i].c += c;
            t->e[i].err += err;
            return;
        }
    if (t->n < t->cap) {
        if ((t->n & (t->n - 1)) == 0) /* grown by doubling: most tallies stay tiny */
            t->e = ww_realloc(t->e, (t->n ? 2 * t->n : 1) * sizeof *t->e);
        memcpy(t->e[t->n].k, key, 17);
        t->e[t->n].err = err;
        t->e[t->n++].c = c;
        return;
    }
    /* the victim: oldest key (recent), or the first of the lightest --
     * the first at `lo` if one is there (counts only grow, so lo stays a
     * bound below them all; after a replacement most often another entry
     * still has it), else found by a full scan, which resets lo */
    uint32_t v = 0;
    if (t->recent) {
        for (uint32_t i = 1; i < t->n; i++)
            if (key_cmp(t->e[i].k, t->e[v].k) < 0) v = i;
    } else {
        while (v < t->n && t->e[v].c != t->lo) v++;
        if (v == t->n) {
            v = 0;
            for (uint32_t i = 1; i < t->n; i++)
                if (t->e[i].c < t->e[v].c) v = i;
            t->lo = t->e[v].c;
        }
    }
    if (t->recent) {
        if (key_cmp(key, t->e[v].k) < 0) return; /* older than all kept */
        t->e[v].c = c;
        t->e[v].err = err;
    } else {
        t->e[v].err = t->e[v].c + err;
        t->e[v].c += c;
    }
    memcpy(t->e[v].k, key, 17);
}

void tally_free(struct tally *t)
{
    ww_free(t->e);
    t->e = NULL;
    t->n = 0;
    t->lo = 0;
}

size_t tally_encode(const struct tally *t, unsigned char *buf)
{
    for (uint32_t i = 0; i < t->n; i++) {
        unsigned char *p = buf + TALLY_ENTRY * i;
        memcpy(p, t->e[i].k, 17);
        ww_le_put64(p + 17, t->e[i].c);
        ww_le_put64(p + 25, t->e[i].err);
    }
    return TALLY_ENTRY * (size_t)t->n;
}

void tally_decode(struct tally *t, const unsigned char *b, size_t len)
{
    if (!b || len % TALLY_ENTRY) return;
    for (size_t i = 0; i + TALLY_ENTRY <= len; i += TALLY_ENTRY)
        tally_add(t, b + i, ww_le_get64(b + i + 17), ww_le_get64(b + i + 25));
}

static int by_count(const void *x, const void *y)
{
    const struct tally_e *a = x, *b = y;
    if (a->c - a->err != b->c - b->err) return a->c - a->err < b->c - b->err ? 1 : -1;
    if (a->c != b->c) return a->c < b->c ? 1 : -1;
    return key_cmp(a->k, b->k);
}

void tally_sort(struct tally *t)
{
    if (t->n) qsort(t->e, t->n, sizeof *t->e, by_count);
}

static int by_key(const void *x, const void *y)
{
    return key_cmp(((const struct tally_e *)x)->k, ((const struct tally_e *)y)->k);
}

void tally_sort_keys(struct tally *t)
{
    if (t->n) qsort(t->e, t->n, sizeof *t->e, by_key);
}

/* ---- log events ---- */

static size_t put_addr(unsigned char *b, const struct ww_addr *a)
{
    b[0] = a->family;
    if (a->family == 4) {
        memcpy(b + 1, a->b + 12, 4);
        return 5;
    }
    memcpy(b + 1, a->b, 16);
    return 17;
}

size_t log_encode_event(const struct ww_event *e, unsigned char *b)
{
    ww_le_put64(b, (uint64_t)e->ts_us);
    ww_le_put32(b + 8, e->count ? e->count : 1);
    ww_le_put16(b + 12, e->dport);
    ww_le_put16(b + 14, e->sport);
    b[16] = e->proto;
    b[17] = e->tcpflags;
    size_t n = 18;
    n += put_addr(b + n, &e->src);
    n += put_addr(b + n, &e->dst);
    const struct ww_synfp *f = &e->fp;
    b[n++] = f->flags;
    if (!f->flags) return n;
    uint8_t nopt = f->nopt <= WW_SYNFP_OPTS ? f->nopt : WW_SYNFP_OPTS;
    ww_le_put32(b + n, f->quirks);
    ww_le_put16(b + n + 4, f->win);
    ww_le_put16(b + n + 6, f->mss);
    b[n + 8] = f->ttl, b[n + 9] = f->olen, b[n + 10] = f->wscale, b[n + 11] = f->eol_pad;
    b[n + 12] = nopt;
    memcpy(b + n + 13, f->opt, nopt);
    return n + 13 + nopt;
}

/* form 3's fingerprint at b[*off..len) */
static int get_fp(const unsigned char *b, size_t len, size_t *off, struct ww_synfp *f)
{
    if (*off >= len) return -1;
    const unsigned char *p = b + *off;
    if (!(f->flags = p[0])) {
        ++*off;
        return 0;
    }
    if (len - *off < 14 || p[13] > WW_SYNFP_OPTS || len - *off - 14 < p[13]) return -1;
    f->quirks = ww_le_get32(p + 1);
    f->win = ww_le_get16(p + 5);
    f->mss = ww_le_get16(p + 7);
    f->ttl = p[9], f->olen = p[10], f->wscale = p[11], f->eol_pad = p[12], f->nopt = p[13];
    memcpy(f->opt, p + 14, f->nopt);
    *off += 14 + (size_t)f->nopt;
    return 0;
}

static int get_addr(const unsigned char *b, size_t len, size_t *off, struct ww_addr *a)
{
    if (*off >= len) return WW_ERR_PARSE;
    uint8_t fam = b[*off];
    size_t need = fam == 4 ? 4 : 16;
    if ((fam != 4 && fam != 6 && fam != 0) || len - *off - 1 < need) return WW_ERR_PARSE;
    if (fam == 4) ww_addr_from_v4(a, b + *off + 1);
    else if (fam == 6) ww_addr_from_v6(a, b + *off + 1); /* a mapped one is IPv4 (addr.h) */
    else {
        memcpy(a->b, b + *off + 1, 16);
        a->family = fam;
    }
    *off += 1 + need;
    return WW_OK;
}

int log_decode_event(int fmt, const unsigned char *b, size_t len, size_t *off, struct ww_event *e)
{
    size_t fixed = fmt == 1 ? 15 : 18;
    if (fmt < 1 || fmt > LOG_FMT || *off > len || len - *off < fixed) return WW_ERR_PARSE;
    const unsigned char *p = b + *off;
    memset(e, 0, sizeof *e);
    e->ts_us = (int64_t)ww_le_get64(p);
    e->count = ww_le_get32(p + 8);
    e->dport = ww_le_get16(p + 12);
    if (fmt == 1) {
        e->proto = p[14];
        /* the ICMP type was not kept: none that reads as a reply (backscatter) */
        if (e->proto == WW_PROTO_ICMP || e->proto == WW_PROTO_ICMP6) e->sport = 0xffff;
    } else {
        e->sport = ww_le_get16(p + 14);
        e->proto = p[16];
        e->tcpflags = p[17];
    }
    *off += fixed;
    if (get_addr(b, len, off, &e->src) || get_addr(b, len, off, &e->dst)) return WW_ERR_PARSE;
    return fmt < 3 || !get_fp(b, len, off, &e->fp) ? WW_OK : WW_ERR_PARSE;
}
