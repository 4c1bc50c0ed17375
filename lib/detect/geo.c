/* geo.c -- country and AS from MaxMind-format databases (see geo.h), read
 * through libmaxminddb (MMDB_open in mmap mode; the lookups only read the
 * mapped file, so one handle serves every thread).
 *
 * Open: each file is checked for what it claims to be, from its metadata's
 * database_type, so that an ASN file given as the country database is an
 * error naming the file, not a silent "unknown" for every address:
 *   country  "GeoLite2-Country", "GeoIP2-City", "DBIP-Country-Lite", ...:
 *            the type names Country or City
 *   ASN      "GeoLite2-ASN", "DBIP-ASN-Lite (compat=GeoLite2-ASN)": ASN
 *            (or ISP: GeoIP2-ISP has the same two fields)
 *
 * Lookup: an IPv4 address is looked up as AF_INET, which libmaxminddb sends
 * to the IPv4 subtree of an IPv6 database (::/96, where MaxMind's writer
 * puts IPv4 networks and aliases ::ffff:0:0/96, 2002::/16 and Teredo to it),
 * unless the open found ::/96 empty (the search for :: ends, with no entry,
 * at a prefix of 96 bits or fewer): then the writer kept IPv4 only in the
 * mapped subtree, and it is looked up as ::ffff:a.b.c.d (ww_addr's bytes
 * are that address already). One tree walk either way. An IPv6 address in
 * an IPv4-only database is not found.
 *
 * Country: country.iso_code, else registered_country.iso_code (networks
 * without a country of their own: anonymous proxies, satellite providers);
 * exactly two ASCII letters, upper-cased, else unknown. AS: the number (any
 * integer type, 1 to 2^32-1) and autonomous_system_organization as whole
 * UTF-8 characters that fit WW_GEO_ORG_MAX, invalid bytes and control
 * characters as '?' (a database is the user's file: what it holds goes
 * into JSON, HTML and terminals). Strings in an MMDB are not
 * NUL-terminated: every copy is by the stored length. Nothing is allocated
 * per lookup. */
#include "detect/geo.h"

#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "core/mem.h"

struct ww_geo {
    MMDB_s db[2];   /* [0] country, [1] ASN */
    int mapped[2];  /* IPv4 only under ::ffff:0:0/96 */
    int has;        /* WW_GEO_COUNTRY | WW_GEO_ASN */
};

/* Nothing in ::/96 of an IPv6 tree: its IPv4 networks, if any, are mapped. */
static int v4_mapped(const MMDB_s *db)
{
    struct sockaddr_in6 any = {.sin6_family = AF_INET6};
    int mmerr = 0;
    if (db->metadata.ip_version != 6) return 0;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(db, (const struct sockaddr *)&any, &mmerr);
    return mmerr == MMDB_SUCCESS && !r.found_entry && r.netmask <= 96;
}

static enum ww_err open_one(MMDB_s *db, const char *path, int which, char *err, size_t errlen)
{
    /* said plainly here: mmap's own words would be "No such device" or
     * "Invalid argument" */
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "%s: %s", path, S_ISDIR(st.st_mode) ? "a directory, not a MaxMind DB file"
                                                  : "not a regular file (a MaxMind DB file is mapped)");
            return WW_ERR_IO;
        }
        if (st.st_size == 0) {
            snprintf(err, errlen, "%s: empty, not a MaxMind DB file", path);
            return WW_ERR_PARSE;
        }
    }
    int rc = MMDB_open(path, MMDB_MODE_MMAP, db);
    if (rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return WW_ERR_IO;
    }
    if (rc != MMDB_SUCCESS) {
        snprintf(err, errlen, "%s: not a MaxMind DB file (%s)", path, MMDB_strerror(rc));
        return WW_ERR_PARSE;
    }
    const char *type = db->metadata.database_type ? db->metadata.database_type : "";
    int ok = which == WW_GEO_COUNTRY ? strstr(type, "Country") || strstr(type, "City")
                                     : strstr(type, "ASN") || strstr(type, "ISP");
    if (!ok) {
        snprintf(err, errlen, "%s: a \"%s\" database, not %s", path, type,
                 which == WW_GEO_COUNTRY ? "a country database (its type names Country or City)"
                                         : "an ASN database (its type names ASN)");
        MMDB_close(db);
        return WW_ERR_PARSE;
    }
    return WW_OK;
}

enum ww_err ww_geo_open(const char *country_path, const char *asn_path, struct ww_geo **out,
                        char *err, size_t errlen)
{
    *out = NULL;
    struct ww_geo *g = ww_calloc(1, sizeof *g);
    const char *path[2] = {country_path, asn_path};
    for (int i = 0; i < 2; i++) {
        if (!path[i]) continue;
        int which = i ? WW_GEO_ASN : WW_GEO_COUNTRY;
        enum ww_err rc = open_one(&g->db[i], path[i], which, err, errlen);
        if (rc) {
            ww_geo_close(g);
            return rc;
        }
        g->mapped[i] = v4_mapped(&g->db[i]);
        g->has |= which;
    }
    *out = g;
    return WW_OK;
}

void ww_geo_close(struct ww_geo *g)
{
    if (!g) return;
    if (g->has & WW_GEO_COUNTRY) MMDB_close(&g->db[0]);
    if (g->has & WW_GEO_ASN) MMDB_close(&g->db[1]);
    ww_free(g);
}

int ww_geo_has(const struct ww_geo *g) { return g ? g->has : 0; }

/* The entry for a in database i, or found_entry false. */
static MMDB_lookup_result_s find(const struct ww_geo *g, int i, const struct ww_addr *a)
{
    MMDB_lookup_result_s r;
    int mmerr = 0;
    if (a->family == 4 && !g->mapped[i]) {
        struct sockaddr_in s4 = {.sin_family = AF_INET};
        memcpy(&s4.sin_addr, a->b + 12, 4);
        r = MMDB_lookup_sockaddr(&g->db[i], (const struct sockaddr *)&s4, &mmerr);
    } else {
        struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
        memcpy(&s6.sin6_addr, a->b, 16);
        r = MMDB_lookup_sockaddr(&g->db[i], (const struct sockaddr *)&s6, &mmerr);
    }
    return mmerr == MMDB_SUCCESS ? r : (MMDB_lookup_result_s){0};
}

static int get_string(MMDB_entry_s *e, const char *const *path, MMDB_entry_data_s *d)
{
    return MMDB_aget_value(e, d, path) == MMDB_SUCCESS && d->has_data &&
           d->type == MMDB_DATA_TYPE_UTF8_STRING;
}

static int letter(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

static int country_of(MMDB_entry_s *e, char cc[3])
{
    static const char *const own[] = {"country", "iso_code", NULL};
    static const char *const reg[] = {"registered_country", "iso_code", NULL};
    MMDB_entry_data_s d;
    if (!get_string(e, own, &d) && !get_string(e, reg, &d)) return 0;
    const char *s = d.utf8_string;
    if (d.data_size != 2 || !letter(s[0]) || !letter(s[1])) return 0;
    cc[0] = (char)(s[0] & ~0x20); /* upper case */
    cc[1] = (char)(s[1] & ~0x20);
    cc[2] = 0;
    return 1;
}

/* The length of the valid UTF-8 character (RFC 3629: shortest form, no
 * surrogates, at most U+10FFFF) at s[0..n), 0 if there is none. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n) return 0;
    for (size_t k = 1; k < len; k++)
        if ((s[k] & 0xc0) != 0x80) return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || /* overlong, surrogate */
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))   /* overlong, > U+10FFFF */
        return 0;
    return len;
}

/* s[0..n) into out (size bytes) as text every writer can pass on (JSON,
 * HTML, a terminal): whole UTF-8 characters only, as many as fit; a byte
 * that starts no valid character, and a control character, become '?'. */
static void copy_text(char *out, size_t size, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_char(u + i, n - i);
        int bad = len == 0 || (len == 1 && (u[i] < 0x20 || u[i] == 0x7f));
        size_t w = bad ? 1 : len;
        if (o + w >= size) break;
        if (bad) out[o] = '?';
        else memcpy(out + o, u + i, len);
        o += w;
        i += bad ? 1 : len;
    }
    out[o] = 0;
}

static int asn_of(MMDB_entry_s *e, struct ww_geoinfo *out)
{
    static const char *const num[] = {"autonomous_system_number", NULL};
    static const char *const org[] = {"autonomous_system_organization", NULL};
    MMDB_entry_data_s d;
    uint64_t v = 0;
    if (MMDB_aget_value(e, &d, num) != MMDB_SUCCESS || !d.has_data) return 0;
    switch (d.type) {
    case MMDB_DATA_TYPE_UINT16: v = d.uint16; break;
    case MMDB_DATA_TYPE_UINT32: v = d.uint32; break;
    case MMDB_DATA_TYPE_UINT64: v = d.uint64; break;
    case MMDB_DATA_TYPE_INT32: v = d.int32 > 0 ? (uint64_t)d.int32 : 0; break;
    default: return 0;
    }
    if (v == 0 || v > UINT32_MAX) return 0;
    out->asn = (uint32_t)v;
    if (get_string(e, org, &d)) copy_text(out->as_org, sizeof out->as_org, d.utf8_string, d.data_size);
    return 1;
}

int ww_geo_lookup(const struct ww_geo *g, const struct ww_addr *a, struct ww_geoinfo *out)
{
    memset(out, 0, sizeof *out);
    if (!g || (a->family != 4 && a->family != 6)) return 0;
    int found = 0;
    if (g->has & WW_GEO_COUNTRY) {
        MMDB_lookup_result_s r = find(g, 0, a);
        if (r.found_entry && country_of(&r.entry, out->country)) found |= WW_GEO_COUNTRY;
    }
    if (g->has & WW_GEO_ASN) {
        MMDB_lookup_result_s r = find(g, 1, a);
        if (r.found_entry && asn_of(&r.entry, out)) found |= WW_GEO_ASN;
    }
    return found;
}
