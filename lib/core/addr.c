/* addr.c -- parse, format, hash and classify addresses (see addr.h).
 *
 * Parsing is a hand-written scanner over a length-bounded buffer: inet_pton
 * needs a NUL-terminated copy, and the parsers hand us pointers into a line.
 * IPv6 text: up to 8 groups of 1-4 hex digits, at most one "::", an optional
 * trailing dotted quad (::ffff:1.2.3.4). The formatter implements RFC 5952
 * section 4: lower case, no leading zeros, the longest run (length >= 2) of
 * zero groups becomes "::" (the first one on a tie).
 *
 * An IPv4-mapped address (::ffff:a.b.c.d, the form dual-stack sockets log)
 * is the IPv4 host a.b.c.d: made from text or from 16 bytes, it gets family
 * 4 and prints as the plain dotted quad, so the host has one identity in
 * every table, key and text (the collector's srcs rows are keyed by it).
 *
 * Networks compare in the 16-byte form: an IPv4 prefix of len bits covers
 * 96 + len bits of it (the mapped prefix first), so one prefix test serves
 * both families. Numbers (octets, groups, prefix lengths) go through
 * core/num.h with a window of 3 or 4 digits. */
#include "core/addr.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/num.h"

static const uint8_t v4mapped[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};

void ww_addr_from_v4(struct ww_addr *a, const uint8_t v4[4])
{
    uint8_t b[16]; /* built whole, then one 16-byte store: a reader's 8-byte
                    * loads (ww_addr_hash) are not held up by three small ones */
    memcpy(b, v4mapped, 12);
    memcpy(b + 12, v4, 4);
    memcpy(a->b, b, 16);
    a->family = 4;
}

void ww_addr_from_v6(struct ww_addr *a, const uint8_t v6[16])
{
    memcpy(a->b, v6, 16);
    a->family = memcmp(v6, v4mapped, 12) ? 6 : 4;
}

/* Dotted quad at s[0..len) exactly; 0 or -1. No leading zeros beyond "0". */
static int parse_v4(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= len || s[i] != '.') return -1;
            i++;
        }
        const char *p = s + i;
        uint64_t v;
        if (ww_num(&p, s + (len - i < 3 ? len : i + 3), 255, &v)) return -1;
        if (p - (s + i) > 1 && s[i] == '0') return -1; /* no leading zeros */
        i = (size_t)(p - s);
        out[part] = (uint8_t)v;
    }
    return i == len ? 0 : -1;
}

static int parse_v6(const char *s, size_t len, uint8_t out[16])
{
    uint16_t g[8];
    int ng = 0, gap = -1; /* gap: group index where "::" stands */
    size_t i = 0;

    if (len < 2 || len > 45) return -1;
    if (s[0] == ':') {
        if (s[1] != ':') return -1;
        gap = 0;
        i = 2;
        if (i == len) goto done;
    }
    for (;;) {
        size_t start = i;
        const char *p = s + i;
        uint64_t v = 0;
        ww_hex(&p, s + (len - i < 4 ? len : i + 4), 0xffff, &v); /* none: i == start */
        i = (size_t)(p - s);
        if (i < len && s[i] == '.') { /* trailing dotted quad */
            uint8_t v4[4];
            if (ng > 6 || parse_v4(s + start, len - start, v4)) return -1;
            g[ng++] = (uint16_t)(v4[0] << 8 | v4[1]);
            g[ng++] = (uint16_t)(v4[2] << 8 | v4[3]);
            i = len;
            break;
        }
        if (i == start || ng == 8) return -1;
        g[ng++] = (uint16_t)v;
        if (i == len) break;
        if (s[i] != ':') return -1;
        i++;
        if (i < len && s[i] == ':') {
            if (gap >= 0) return -1;
            gap = ng;
            i++;
            if (i == len) break;
        } else if (i == len) {
            return -1; /* trailing single ':' */
        }
    }
done:
    if (gap < 0 && ng != 8) return -1;
    if (gap >= 0 && ng > 7) return -1;
    memset(out, 0, 16);
    int tail = gap < 0 ? 0 : ng - gap;
    int head = ng - tail;
    for (int k = 0; k < head; k++) {
        out[2 * k] = (uint8_t)(g[k] >> 8);
        out[2 * k + 1] = (uint8_t)g[k];
    }
    for (int k = 0; k < tail; k++) {
        int pos = 8 - tail + k;
        out[2 * pos] = (uint8_t)(g[head + k] >> 8);
        out[2 * pos + 1] = (uint8_t)g[head + k];
    }
    return 0;
}

enum ww_err ww_addr_parse(const char *s, size_t len, struct ww_addr *out)
{
    uint8_t b[16];
    if (len == 0 || len > 45) return WW_ERR_PARSE;
    if (memchr(s, ':', len)) {
        if (parse_v6(s, len, b)) return WW_ERR_PARSE;
        ww_addr_from_v6(out, b);
        return WW_OK;
    }
    if (parse_v4(s, len, b)) return WW_ERR_PARSE;
    ww_addr_from_v4(out, b);
    return WW_OK;
}

char *ww_addr_format(const struct ww_addr *a, char *buf)
{
    if (a->family != 4 && a->family != 6) {
        strcpy(buf, "-");
        return buf;
    }
    if (!memcmp(a->b, v4mapped, 12)) { /* family 4, or 6 in values made by hand */
        snprintf(buf, WW_ADDR_STRLEN, "%u.%u.%u.%u", a->b[12], a->b[13], a->b[14], a->b[15]);
        return buf;
    }
    unsigned g[8];
    for (int k = 0; k < 8; k++) g[k] = (unsigned)(a->b[2 * k] << 8 | a->b[2 * k + 1]);
    int best = -1, bestlen = 1; /* a single zero group is not compressed */
    for (int k = 0; k < 8;) {
        if (g[k]) { k++; continue; }
        int j = k;
        while (j < 8 && !g[j]) j++;
        if (j - k > bestlen) best = k, bestlen = j - k;
        k = j;
    }
    char *p = buf;
    for (int k = 0; k < 8; k++) {
        if (k == best) {
            *p++ = ':';
            if (k == 0) *p++ = ':';
            k += bestlen - 1;
            continue;
        }
        p += sprintf(p, "%x", g[k]);
        if (k < 7) *p++ = ':';
    }
    *p = 0;
    return buf;
}

int ww_addr_is_loopback(const struct ww_addr *a)
{
    static const uint8_t one[16] = {0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1};
    if (!memcmp(a->b, v4mapped, 12)) return a->b[12] == 127;
    return !memcmp(a->b, one, 16);
}

int ww_addr_is_unspecified(const struct ww_addr *a)
{
    static const uint8_t zero[16];
    if (!memcmp(a->b, v4mapped, 12)) return !memcmp(a->b + 12, zero, 4);
    return !memcmp(a->b, zero, 16);
}

int ww_addr_is_multicast(const struct ww_addr *a)
{
    if (!memcmp(a->b, v4mapped, 12))
        return (a->b[12] & 0xf0) == 0xe0 ||
               (a->b[12] == 255 && a->b[13] == 255 && a->b[14] == 255 && a->b[15] == 255);
    return a->b[0] == 0xff;
}

/* ---- networks ---- */

/* Bits of the 16-byte form the prefix covers (IPv4 sits after 96 bits). */
static unsigned abits(const struct ww_cidr *c)
{
    return c->len + (c->addr.family == 4 ? 96u : 0u);
}

static int prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole)) return 0;
    if (!rest) return 1;
    uint8_t m = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & m) == (b[whole] & m);
}

enum ww_err ww_cidr_parse(const char *s, size_t n, struct ww_cidr *out)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (ww_addr_parse(s, alen, &out->addr)) return WW_ERR_PARSE;
    /* ::ffff:a.b.c.d/LEN is IPv4 (addr.h), LEN counted over 128 bits */
    unsigned skip = out->addr.family == 4 && memchr(s, ':', alen) ? 96 : 0;
    uint64_t max = out->addr.family == 4 ? 32 : 128, len = max + skip;
    if (slash) {
        size_t dl = n - alen - 1;
        if (dl < 1 || dl > 3 || ww_num_span(slash + 1, dl, max + skip, &len) || len < skip)
            return WW_ERR_LIMIT;
    }
    out->len = (uint8_t)(len - skip);
    ww_addr_mask(&out->addr, out->len);
    return WW_OK;
}

void ww_addr_mask(struct ww_addr *a, unsigned len)
{
    unsigned bits = len + (a->family == 4 ? 96u : 0u);
    if (bits >= 128) return;
    unsigned i = bits / 8;
    if (bits % 8) a->b[i++] &= (uint8_t)(0xff00u >> (bits % 8));
    memset(a->b + i, 0, 16 - i);
}

char *ww_cidr_format(const struct ww_cidr *c, char *buf)
{
    ww_addr_format(&c->addr, buf);
    if (c->len != (c->addr.family == 4 ? 32 : 128))
        snprintf(buf + strlen(buf), 5, "/%u", c->len);
    return buf;
}

int ww_cidr_contains(const struct ww_cidr *c, const struct ww_addr *a)
{
    return c->addr.family == a->family && prefix_eq(c->addr.b, a->b, abits(c));
}

int ww_cidr_overlaps(const struct ww_cidr *a, const struct ww_cidr *b)
{
    unsigned ab = abits(a), bb = abits(b);
    return a->addr.family == b->addr.family && prefix_eq(a->addr.b, b->addr.b, ab < bb ? ab : bb);
}
