/* known.c -- the known-scanner table (see known.h).
 *
 * Load: every line becomes a prefix (its first and last address in the
 * 16-byte form of core/addr.h, and its label's offset in one string pool).
 * The prefixes of a family are sorted by first address, wider first, and
 * swept once with a stack of the prefixes still open (prefixes nest or are
 * disjoint, so at most 129 are open at once): each prefix opens a stretch
 * with its label at its first address, and closing one returns the stretch
 * after its last address to the prefix around it, or to none. What is left
 * is a sorted array of boundaries (start, label) per family, two boundaries
 * per prefix at most; the label of an address is that of the last boundary
 * at or below it. Labels are offsets + 1 into the pool, 0 meaning none. */
#include "detect/known.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

#define FILE_MAX (64u << 20) /* a list of every /32 of a /8 is 260 MB: use prefixes */

struct bound {
    uint8_t start[16];
    uint32_t label;
};

struct ww_known {
    struct bound *b[2]; /* [0] IPv4, [1] IPv6, sorted by start */
    size_t nb[2];
    char *labels;
    size_t nprefixes;
};

struct prefix {
    uint8_t lo[16], hi[16];
    uint8_t family, len;
    uint32_t label, line;
};

static int cmp_prefix(const void *pa, const void *pb)
{
    const struct prefix *a = pa, *b = pb;
    int c = memcmp(a->lo, b->lo, 16);
    if (a->family != b->family) return a->family < b->family ? -1 : 1;
    if (c) return c;
    if (a->len != b->len) return a->len < b->len ? -1 : 1; /* wider first */
    return a->line < b->line ? -1 : a->line > b->line;
}

static int utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
                               : (c & 0xf8) == 0xf0 ? 3 : 4;
        if (more == 4 || c == 0xc0 || c == 0xc1 || c > 0xf4 || i + more >= n + (more == 0))
            return 0;
        uint32_t cp = more ? c & (0x3fu >> more) : c;
        for (unsigned k = 1; k <= more; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3fu);
        }
        if ((more == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (more == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        i += more + 1;
    }
    return 1;
}

struct load {
    const char *name;
    char *err;
    size_t errlen;
    struct prefix *p;
    size_t n, cap;
    struct ww_buf labels;
};

static enum ww_err bad(struct load *l, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum ww_err bad(struct load *l, uint32_t line, const char *fmt, ...)
{
    if (l->err && l->errlen) {
        int n = snprintf(l->err, l->errlen, "%s:%u: ", l->name, line);
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < l->errlen) vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return WW_ERR_PARSE;
}

static int blank(char c) { return c == ' ' || c == '\t'; }

/* One line s[0..n) (no newline): a prefix added, nothing, or an error. */
static enum ww_err line(struct load *l, const char *s, size_t n, uint32_t lineno)
{
    size_t i = 0, t;
    while (i < n && blank(s[i])) i++;
    if (i == n || s[i] == '#') return WW_OK;
    for (t = i; t < n && !blank(s[t]); t++) {}
    const char *tok = s + i;
    int toklen = (int)(t - i < 60 ? t - i : 60);
    struct ww_cidr c;
    enum ww_err rc = ww_cidr_parse(tok, t - i, &c);
    if (rc == WW_ERR_PARSE)
        return bad(l, lineno, "'%.*s' is not an address or a CIDR prefix", toklen, tok);
    if (rc)
        return bad(l, lineno, "'%.*s': the prefix length is not 0..%d", toklen, tok,
                   c.addr.family == 4 ? 32 : 128);
    /* the label: to the end, or to a '#' after a blank; trimmed */
    while (t < n && blank(s[t])) t++;
    size_t end = t;
    while (end < n && !(s[end] == '#' && blank(s[end - 1]))) end++;
    while (end > t && blank(s[end - 1])) end--;
    if (end == t) return bad(l, lineno, "no label after '%.*s' (lines are CIDR LABEL)", toklen, tok);
    if (end - t > WW_KNOWN_LABEL_MAX)
        return bad(l, lineno, "the label is longer than %d bytes", WW_KNOWN_LABEL_MAX);
    for (size_t k = t; k < end; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
            return bad(l, lineno, "a control character in the label (byte %zu)", k + 1);
    if (!utf8_ok((const unsigned char *)s + t, end - t))
        return bad(l, lineno, "the label is not UTF-8");

    if (l->n == l->cap) l->p = ww_realloc(l->p, (l->cap = l->cap ? 2 * l->cap : 64) * sizeof *l->p);
    struct prefix *p = &l->p[l->n++];
    p->family = c.addr.family;
    p->len = c.len;
    p->line = lineno;
    memcpy(p->lo, c.addr.b, 16);
    memcpy(p->hi, c.addr.b, 16);
    for (unsigned b = c.len + (c.addr.family == 4 ? 96u : 0u); b < 128; b++)
        p->hi[b / 8] |= (uint8_t)(0x80 >> (b % 8));
    p->label = (uint32_t)l->labels.len + 1;
    if (ww_buf_add(&l->labels, s + t, end - t) || ww_buf_add(&l->labels, "", 1))
        return bad(l, lineno, "too many labels");
    return WW_OK;
}

static void add_bound(struct ww_known *k, int fam, size_t *cap, const uint8_t start[16],
                      uint32_t label)
{
    size_t n = k->nb[fam];
    if (n && !memcmp(k->b[fam][n - 1].start, start, 16)) { /* the same point: the later says */
        k->b[fam][n - 1].label = label;
        return;
    }
    if (n == *cap) k->b[fam] = ww_realloc(k->b[fam], (*cap = *cap ? 2 * *cap : 64) * sizeof **k->b);
    memcpy(k->b[fam][n].start, start, 16);
    k->b[fam][n].label = label;
    k->nb[fam] = n + 1;
}

/* Closes the top of the stack: the addresses after its last one go back to
 * the prefix around it (or to none). */
static void close_top(struct ww_known *k, int fam, size_t *cap, const struct prefix **stack,
                      size_t *sp)
{
    const struct prefix *t = stack[--*sp];
    uint8_t next[16];
    memcpy(next, t->hi, 16);
    int i = 15;
    while (i >= 0 && next[i] == 0xff) next[i--] = 0;
    if (i < 0) return; /* it ended at the last address there is */
    next[i]++;
    add_bound(k, fam, cap, next, *sp ? stack[*sp - 1]->label : 0);
}

static void flatten(struct ww_known *k, const struct prefix *p, size_t n)
{
    const struct prefix *stack[130];
    size_t sp = 0, cap[2] = {0, 0};
    int fam = 0;
    for (size_t i = 0; i < n; i++) {
        int f = p[i].family == 6;
        if (f != fam) {
            while (sp) close_top(k, fam, &cap[fam], stack, &sp);
            fam = f;
        }
        while (sp && memcmp(stack[sp - 1]->hi, p[i].lo, 16) < 0) close_top(k, fam, &cap[fam], stack, &sp);
        add_bound(k, fam, &cap[fam], p[i].lo, p[i].label);
        stack[sp++] = &p[i];
    }
    while (sp) close_top(k, fam, &cap[fam], stack, &sp);
}

enum ww_err ww_known_parse(const char *text, size_t len, const char *name,
                           struct ww_known **out, char *err, size_t errlen)
{
    struct load l = {.name = name, .err = err, .errlen = errlen};
    enum ww_err rc = WW_OK;
    uint32_t lineno = 0;
    *out = NULL;
    ww_buf_init(&l.labels, FILE_MAX);
    for (size_t i = 0; i < len && !rc;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        size_t m = n && text[i + n - 1] == '\r' ? n - 1 : n;
        rc = line(&l, text + i, m, ++lineno);
        i += n + 1;
    }
    if (!rc) {
        if (l.n) qsort(l.p, l.n, sizeof *l.p, cmp_prefix);
        for (size_t i = 1; i < l.n && !rc; i++) {
            const struct prefix *a = &l.p[i - 1], *b = &l.p[i];
            if (a->family == b->family && a->len == b->len && !memcmp(a->lo, b->lo, 16)) {
                struct ww_cidr c = {.len = b->len};
                char text_[WW_CIDR_STRLEN];
                ww_addr_from_v6(&c.addr, b->lo);
                rc = bad(&l, b->line, "%s is listed already, on line %u",
                         ww_cidr_format(&c, text_), a->line);
            }
        }
    }
    if (!rc) {
        struct ww_known *k = ww_calloc(1, sizeof *k);
        k->labels = l.labels.p ? ww_buf_take(&l.labels) : ww_strdup("");
        k->nprefixes = l.n;
        flatten(k, l.p, l.n);
        *out = k;
    }
    ww_buf_reset(&l.labels);
    ww_free(l.p);
    return rc;
}

enum ww_err ww_known_load(const char *path, struct ww_known **out, char *err, size_t errlen)
{
    *out = NULL;
    struct ww_buf b;
    enum ww_err rc = ww_buf_read_file(&b, path, FILE_MAX, err, errlen);
    if (!rc) rc = ww_known_parse(b.p ? b.p : "", b.len, path, out, err, errlen);
    ww_buf_reset(&b);
    return rc;
}

const char *ww_known_label(const struct ww_known *k, const struct ww_addr *a)
{
    if (!k || (a->family != 4 && a->family != 6)) return NULL;
    int fam = a->family == 6;
    const struct bound *b = k->b[fam];
    size_t lo = 0, hi = k->nb[fam];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(b[mid].start, a->b, 16) <= 0) lo = mid + 1;
        else hi = mid;
    }
    return lo && b[lo - 1].label ? k->labels + b[lo - 1].label - 1 : NULL;
}

size_t ww_known_count(const struct ww_known *k)
{
    return k ? k->nprefixes : 0;
}

void ww_known_free(struct ww_known *k)
{
    if (!k) return;
    ww_free(k->b[0]);
    ww_free(k->b[1]);
    ww_free(k->labels);
    ww_free(k);
}
