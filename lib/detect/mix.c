/* mix.c -- a surge's sources broken down by OS, country and AS (see mix.h).
 *
 * Each sampled source gives up to three keys: its OS label (ww_osdb_name of
 * its match, whatever the kind: a GUESS counts under its label too), its
 * country code and its AS (number, organisation), the last two from one
 * ww_geo_lookup. Each kind of key is tallied the same way: sort the keys,
 * count the runs of equal ones (a group: the same name, or for ASes the same
 * number, named by the smallest non-empty organisation any of its sources
 * gave), sort the groups by count descending, then number, then name, and
 * keep the first WW_MIX_TOP as rows. Every comparison is a total order on
 * what the sources carry, so the rows, and reports made from them, are
 * byte-identical whatever order the sample is in. The work is a few
 * hundred lookups and sorts of at most n keys per surge (the sample is
 * WW_SURGE_SAMPLE sources), off any per-event path. */
#include "detect/mix.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct key {
    const char *name;   /* "" when a source gave none (an AS without organisation) */
    uint32_t num;       /* AS number; 0 for OS and country keys */
};

struct group {
    const char *name;
    uint32_t num, n;
};

/* Groups: by number, then name, "" after every name (so an AS's first key
 * carries its smallest organisation). */
static int key_cmp(const void *pa, const void *pb)
{
    const struct key *a = pa, *b = pb;
    if (a->num != b->num) return a->num < b->num ? -1 : 1;
    if (!*a->name || !*b->name) return !*a->name - !*b->name;
    return strcmp(a->name, b->name);
}

static int same_group(const struct key *a, const struct key *b)
{
    return a->num == b->num && (a->num != 0 || strcmp(a->name, b->name) == 0);
}

static int group_cmp(const void *pa, const void *pb)
{
    const struct group *a = pa, *b = pb;
    if (a->n != b->n) return a->n > b->n ? -1 : 1;
    if (a->num != b->num) return a->num < b->num ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* name into out, cut at a UTF-8 character boundary to fit */
static void copy_name(char out[WW_GEO_ORG_MAX], const char *name)
{
    size_t n = strlen(name);
    if (n >= WW_GEO_ORG_MAX) {
        n = WW_GEO_ORG_MAX - 1;
        while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80) n--;
    }
    memcpy(out, name, n);
    out[n] = 0;
}

/* Tallies k[0..m) into rows (at most WW_MIX_TOP); g has room for m groups.
 * Returns the number of distinct groups; *top is the largest's count. */
static uint32_t tally(struct key *k, size_t m, struct group *g, struct ww_mix_row *rows,
                      uint32_t *nrows, uint32_t *top)
{
    size_t ng = 0;
    qsort(k, m, sizeof *k, key_cmp);
    for (size_t i = 0, j; i < m; i = j) {
        for (j = i + 1; j < m && same_group(&k[i], &k[j]); j++) {}
        g[ng++] = (struct group){k[i].name, k[i].num, (uint32_t)(j - i)};
    }
    qsort(g, ng, sizeof *g, group_cmp);
    *nrows = ng < WW_MIX_TOP ? (uint32_t)ng : WW_MIX_TOP;
    for (uint32_t i = 0; i < *nrows; i++) {
        copy_name(rows[i].name, g[i].name);
        rows[i].asn = g[i].num;
        rows[i].n = g[i].n;
    }
    *top = ng ? g[0].n : 0;
    return (uint32_t)ng;
}

void ww_mix_of(const struct ww_surge_src *s, size_t n, const struct ww_osdb *db,
               const struct ww_geo *g, struct ww_mix *out)
{
    memset(out, 0, sizeof *out);
    out->n = (uint32_t)n;
    out->has = (db ? WW_MIX_OS : 0) | ww_geo_has(g);
    if (n == 0 || !out->has) return;

    struct ww_geoinfo *gi = ww_malloc(n * sizeof *gi);
    struct key *os = ww_malloc(3 * n * sizeof *os), *cc = os + n, *as = cc + n;
    struct group *groups = ww_malloc(n * sizeof *groups);
    size_t nos = 0, ncc = 0, nas = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = db && s[i].os ? ww_osdb_name(db, s[i].os) : NULL;
        if (name) os[nos++] = (struct key){name, 0};
        int found = ww_geo_lookup(g, &s[i].a, &gi[i]);
        if (found & WW_GEO_COUNTRY) cc[ncc++] = (struct key){gi[i].country, 0};
        if (found & WW_GEO_ASN) as[nas++] = (struct key){gi[i].as_org, gi[i].asn};
    }
    uint32_t top;
    out->os_known = (uint32_t)nos;
    out->country_known = (uint32_t)ncc;
    out->as_known = (uint32_t)nas;
    tally(os, nos, groups, out->os, &out->nos, &top);
    out->countries = tally(cc, ncc, groups, out->country, &out->ncountry, &top);
    out->ases = tally(as, nas, groups, out->as, &out->nas, &top);
    out->as_top_share = nas ? (double)top / (double)nas : 0;
    ww_free(groups);
    ww_free(os);
    ww_free(gi);
}
