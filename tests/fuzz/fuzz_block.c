/* fuzz_block.c -- libFuzzer: the parsers `wormwatch block` feeds untrusted
 * text to (address lists, collector answers, --allow, --close-ports) never
 * crash or read past the length given; a parsed network formats to text
 * that parses back to the same value; port ranges are never empty or 0.
 * Then the planning: the input's lines as networks (the first as --allow),
 * cut around the allow list into a dry-run script whose elements, read
 * back, are sorted and disjoint, each inside one network given (never
 * wider) and outside every allowed one. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "respond/block.h"
#include "core/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* lo..hi of a network: its address and its last (the 16 bytes compare in order within a family) */
static void bounds(const struct ww_cidr *c, struct ww_addr *lo, struct ww_addr *hi)
{
    unsigned bits = c->len + (c->addr.family == 4 ? 96u : 0u);
    *lo = *hi = c->addr;
    for (unsigned i = bits; i < 128; i++) hi->b[i / 8] |= (uint8_t)(0x80u >> (i % 8));
}

static int cmp(const struct ww_addr *a, const struct ww_addr *b)
{
    return a->family != b->family ? a->family - b->family : memcmp(a->b, b->b, 16);
}

/* The script's elements read back and checked; 0 if one is wrong. */
static int elements_ok(const char *script, const struct ww_cidr *nets, size_t nn,
                       const struct ww_cidr *allow, size_t na)
{
    static const char add[] = "add element inet wormwatch block";
    struct ww_addr prev = {{0}, 0};
    for (const char *q = script; (q = strstr(q, add)); q++) {
        const char *t = q + sizeof add - 1 + 4; /* past "4 { " */
        size_t n = strcspn(t, " "), dash = strcspn(t, "-");
        struct ww_cidr a, z;
        struct ww_addr lo, hi, l, h;
        if (ww_cidr_parse(t, dash < n ? dash : n, &a)) return 0;
        bounds(&a, &lo, &hi);
        if (dash < n) {
            if (ww_cidr_parse(t + dash + 1, n - dash - 1, &z) || z.addr.family != a.addr.family) return 0;
            hi = z.addr;
        }
        if (cmp(&lo, &hi) > 0 || (prev.family && cmp(&prev, &lo) >= 0)) return 0;
        prev = hi;
        int in = 0;
        for (size_t i = 0; i < nn; i++) {
            bounds(&nets[i], &l, &h);
            in |= cmp(&l, &lo) <= 0 && cmp(&hi, &h) <= 0;
        }
        for (size_t i = 0; i < na; i++) {
            bounds(&allow[i], &l, &h);
            if (cmp(&l, &hi) <= 0 && cmp(&lo, &h) <= 0) return 0;
        }
        if (!in) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ww_cidr c, back;
    char text[WW_CIDR_STRLEN];
    if (!ww_cidr_parse((const char *)data, size, &c)) {
        ww_cidr_format(&c, text);
        if (ww_cidr_parse(text, strlen(text), &back) || memcmp(&c, &back, sizeof c)) abort();
        if (!ww_cidr_contains(&c, &c.addr)) abort();
    }
    char *s = malloc(size + 1); /* the port parser takes a C string */
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct ww_portrange p[8];
    size_t n;
    if (!ww_block_parse_ports(s, p, 8, &n))
        for (size_t i = 0; i < n; i++)
            if (!p[i].lo || p[i].lo > p[i].hi) abort();
    /* lines: the first the allow list ("a,b/len,..."), the rest networks */
    struct ww_cidr nets[64], allow[16];
    size_t nn = 0, na = 0;
    char *line = s, *nl;
    for (int first = 1; line && nn < 64; first = 0, line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (!first) {
            if (!ww_cidr_parse(line, len, &nets[nn])) nn++;
            continue;
        }
        for (size_t k = 0; k < len && na < 16;) {
            size_t m = k;
            while (m < len && line[m] != ',') m++;
            if (!ww_cidr_parse(line + k, m - k, &allow[na])) na++;
            k = m + 1;
        }
    }
    struct ww_block_opts o = {.allow = allow, .nallow = na, .dry_run = 1};
    struct ww_block *b = ww_block_open(&o, NULL, 0);
    char *script = b ? ww_block_script(b, nets, nn, NULL, NULL) : NULL;
    if (b && (!script || !elements_ok(script, nets, nn, allow, na))) abort();
    ww_free(script);
    ww_block_close(b);
    free(s);
    return 0;
}
