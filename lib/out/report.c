/* report.c -- JSON (jansson) and text writers for struct ww_report.
 *
 * JSON is jansson's format (JSON_INDENT(2)): the small parts are jansson
 * trees, the scanners and ports written directly in the same bytes (see
 * "JSON" below). Ports are already sorted by sources (ww_ports_stats); the
 * JSON lists all of them, the text report the top rows.
 *
 * Who the sources are (issue 17): a scanner's OS label (its SYNs' best
 * match in p0f's database, scan.c), country and AS (looked up here, once a
 * scanner: nothing per event), and each surge's mix over its sample of new
 * sources (detect/mix.h: OS, countries, ASes; the spread over ASes tells a
 * worm from a campaign). What a database was not given for is null, never
 * left out, and input.enrichment names the databases that were. */
#include "out/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/num.h"
#include "core/wtime.h"
#include "detect/mix.h"

char *ww_scanner_protos(const struct ww_scanner *s, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < s->nprotos && n < size; i++) {
        const char *name = ww_proto_name(s->protos[i].proto);
        char num[8];
        if (!name) snprintf(num, sizeof num, "%u", s->protos[i].proto), name = num;
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "," : "", name);
    }
    return buf;
}

char *ww_scanner_flags(const struct ww_scanner *s, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    for (int p = 0; p < WW_PROBE_COUNT && n < size; p++)
        if (s->probe_mask & (1u << p))
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "",
                                  ww_probe_name((enum ww_probe)p));
    return buf;
}

static json_t *jtime(int64_t us)
{
    char b[40];
    return json_string(ww_time_format(us, b, sizeof b));
}

static const char *proto_str(uint8_t proto, char *num)
{
    const char *name = ww_proto_name(proto);
    if (name) return name;
    snprintf(num, 8, "%u", proto);
    return num;
}

/* A surge's growth: new sources per slot and per bucket since its start. */
static void growth_json(json_t *o, const struct ww_surge *s, int64_t bucket_us)
{
    json_t *slots = json_array(), *buckets = json_array();
    uint64_t per = 0;
    size_t k = s->slot_us ? (size_t)(bucket_us / s->slot_us) : 0;
    for (uint32_t i = 0; i < s->nslots; i++) {
        json_array_append_new(slots, json_integer(s->slots[i]));
        per += s->slots[i];
        if ((k && (i + 1) % k == 0) || i + 1 == s->nslots) {
            json_array_append_new(buckets, json_integer((json_int_t)per));
            per = 0;
        }
    }
    char t[256];
    json_object_set_new(o, "kind", json_string(s->kind == WW_SURGE_SPREADING ? "spreading" : "campaign"));
    json_object_set_new(o, "side", json_string(s->side == WW_SURGE_SPORT ? "source" : "destination"));
    json_object_set_new(o, "sensors", json_integer(s->sensors));
    json_object_set_new(o, "new_targets", json_integer((json_int_t)s->new_targets));
    json_object_set_new(o, "new_per_bucket", buckets);
    json_object_set_new(o, "slot_seconds", json_integer((json_int_t)(s->slot_us / 1000000)));
    json_object_set_new(o, "new_per_slot", slots);
    json_object_set_new(o, "growth_per_hour", json_real(s->growth_per_hour));
    json_object_set_new(o, "doubling_minutes", s->doubling_s > 0 ? json_real(s->doubling_s / 60) : json_null());
    json_object_set_new(o, "population_estimate", s->population > 0 ? json_real(s->population) : json_null());
    json_object_set_new(o, "saturation", s->saturation_us ? jtime(s->saturation_us) : json_null());
    json_object_set_new(o, "explanation", json_string(ww_surge_growth_text(s, t, sizeof t)));
}

/* Text from a database (a label, an AS's name) as a JSON string; null if
 * none, or if it is not UTF-8. */
static json_t *jtext(const char *s)
{
    json_t *j = s && *s ? json_string(s) : NULL;
    return j ? j : json_null();
}

/* The kind of match most of s's sampled sources labelled `name` had (a tie:
 * the better kind), as an os value of that kind. */
static uint16_t row_kind(const struct ww_surge *s, const struct ww_osdb *db, const char *name)
{
    unsigned n[4] = {0}, best = 0;
    for (uint32_t i = 0; i < s->nsample; i++) {
        const char *l = s->sample[i].os ? ww_osdb_name(db, s->sample[i].os) : NULL;
        if (l && !strcmp(l, name)) n[WW_OS_KIND(s->sample[i].os) & 3]++;
    }
    for (unsigned k = 1; k < 4; k++)
        if (n[k] > n[best]) best = k;
    return (uint16_t)(best << 12);
}

static double share(uint32_t n, uint32_t of) { return of ? (double)n / of : 0; }

void ww_mix_json(json_t *o, const struct ww_mix *m, const char *const match[WW_MIX_TOP])
{
    json_t *os = json_null(), *cc = json_null(), *as = json_null();
    if (m->has & WW_MIX_OS) {
        json_t *rows = json_array();
        for (uint32_t i = 0; i < m->nos; i++) {
            json_t *row = json_pack("{s:o}", "os", jtext(m->os[i].name));
            if (match) json_object_set_new(row, "match", json_string(match[i]));
            json_object_set_new(row, "sources", json_integer(m->os[i].n));
            json_object_set_new(row, "share", json_real(share(m->os[i].n, m->os_known)));
            json_array_append_new(rows, row);
        }
        os = json_pack("{s:I,s:I,s:o}", "sampled", (json_int_t)m->n, "known", (json_int_t)m->os_known,
                       "rows", rows);
    }
    if (m->has & WW_GEO_COUNTRY) {
        json_t *rows = json_array();
        for (uint32_t i = 0; i < m->ncountry; i++)
            json_array_append_new(rows, json_pack("{s:o,s:I,s:f}", "country", jtext(m->country[i].name),
                "sources", (json_int_t)m->country[i].n, "share", share(m->country[i].n, m->country_known)));
        cc = json_pack("{s:I,s:I,s:I,s:o}", "sampled", (json_int_t)m->n, "known", (json_int_t)m->country_known,
                       "distinct", (json_int_t)m->countries, "rows", rows);
    }
    if (m->has & WW_GEO_ASN) {
        json_t *rows = json_array();
        for (uint32_t i = 0; i < m->nas; i++)
            json_array_append_new(rows, json_pack("{s:I,s:o,s:I,s:f}", "asn", (json_int_t)m->as[i].asn,
                "as_org", jtext(m->as[i].name), "sources", (json_int_t)m->as[i].n,
                "share", share(m->as[i].n, m->as_known)));
        as = json_pack("{s:I,s:I,s:I,s:f,s:o}", "sampled", (json_int_t)m->n, "known", (json_int_t)m->as_known,
                       "distinct", (json_int_t)m->ases, "top_share", m->as_top_share, "rows", rows);
    }
    json_object_set_new(o, "os_mix", os);
    json_object_set_new(o, "countries", cc);
    json_object_set_new(o, "asns", as);
}

/* A surge's os_mix, countries and asns, each OS row with the kind of match
 * most of its sources had. */
static void mix_json(json_t *o, const struct ww_report *r, const struct ww_surge *s, const struct ww_mix *m)
{
    const char *match[WW_MIX_TOP];
    for (uint32_t i = 0; i < m->nos && i < WW_MIX_TOP; i++)
        match[i] = ww_os_kind_name(row_kind(s, r->osdb, m->os[i].name));
    ww_mix_json(o, m, match);
}

static json_t *surges_json(const struct ww_report *r, char *num)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->nsurges; i++) {
        const struct ww_surge *s = &r->surges[i];
        json_t *o = json_pack("{s:i,s:s,s:o,s:o,s:o,s:I,s:f,s:I,s:f,s:I,s:f,s:f,s:f,s:f}",
            "port", s->port, "proto", proto_str(s->proto, num), "start", jtime(s->start_us),
            "alert", jtime(s->alert_us), "end", jtime(s->end_us),
            "sources", (json_int_t)s->sources, "baseline_sources", s->baseline_sources,
            "new_sources", (json_int_t)s->new_sources, "baseline_new", s->baseline_new,
            "targets", (json_int_t)s->targets, "baseline_targets", s->baseline_targets,
            "spread", s->spread, "score", s->score, "isc_score", s->isc_score);
        growth_json(o, s, r->bucket_us);
        struct ww_mix m;
        ww_mix_of(s->sample, s->nsample, r->osdb, r->geo, &m);
        mix_json(o, r, s, &m);
        json_array_append_new(a, o);
    }
    return a;
}

/* The contract's `backscatter`: always there, [] when none. */
static json_t *backscatter_json(const struct ww_report *r)
{
    json_t *a = json_array();
    char b[WW_ADDR_STRLEN], num[8];
    for (size_t i = 0; i < r->nbackscatter; i++) {
        const struct ww_backscatter_attack *x = &r->backscatter[i];
        json_array_append_new(a, json_pack("{s:s,s:s,s:o,s:o,s:I,s:I}",
            "victim", ww_addr_format(&x->victim, b), "proto", proto_str(x->proto, num),
            "start", jtime(x->start_us), "end", jtime(x->end_us),
            "records", (json_int_t)x->records, "targets", (json_int_t)x->targets));
    }
    return a;
}

static json_t *floods_json(const struct ww_report *r, char *num)
{
    json_t *a = json_array();
    char b[WW_ADDR_STRLEN];
    for (size_t i = 0; i < r->nfloods; i++) {
        const struct ww_flood *f = &r->floods[i];
        json_array_append_new(a, json_pack("{s:s,s:i,s:s,s:o,s:o,s:I,s:I}",
            "target", ww_addr_format(&f->target, b), "port", f->port, "proto", proto_str(f->proto, num),
            "start", jtime(f->start_us), "end", jtime(f->end_us),
            "sources", (json_int_t)f->sources, "records", (json_int_t)f->records));
    }
    return a;
}

static void backscatter_text(FILE *out, const struct ww_report *r, size_t top)
{
    char b[WW_ADDR_STRLEN], t1[40], t2[40], num[8];
    fprintf(out, "\nBackscatter (a DoS victim's replies to spoofed sources: not scanners)\n");
    if (!r->nbackscatter) fprintf(out, "  (none)\n");
    else fprintf(out, "  %-18s %-6s %-20s %-20s %8s %7s\n", "VICTIM", "PROTO", "START", "END",
                 "RECORDS", "TARGETS");
    for (size_t i = 0; i < r->nbackscatter && i < top; i++) {
        const struct ww_backscatter_attack *x = &r->backscatter[i];
        ww_addr_format(&x->victim, b);
        if (strlen(b) > 18) fprintf(out, "  %s\n  %-18s", b, "");
        else fprintf(out, "  %-18s", b);
        fprintf(out, " %-6s %-20s %-20s %8llu %7llu\n", proto_str(x->proto, num),
                ww_time_format(x->start_us, t1, sizeof t1), ww_time_format(x->end_us, t2, sizeof t2),
                (unsigned long long)x->records, (unsigned long long)x->targets);
    }
    if (r->nbackscatter > top) fprintf(out, "  ... %zu more\n", r->nbackscatter - top);
}

/* ---- JSON ----
 *
 * The document is written as jansson would dump it with JSON_INDENT(2)
 * (byte for byte: tests/e2e compare against jansson's own output of the
 * same tree), through a 64 KiB sink: the small parts (input, surges,
 * floods, backscatter, history) are jansson trees dumped at their depth,
 * the two large arrays (a scanner or a port per element, tens of
 * thousands of them in a busy log) are written directly -- building and
 * dumping a jansson object per element took most of a large report's
 * time. Their strings are addresses, names and times, which need no
 * escaping; a known-scanner label (the user's text) goes through jansson. */
struct sink {
    FILE *out;
    size_t n;
    int failed;
    unsigned depth;        /* extra indentation for a dumped tree, in levels */
    char b[65536];
};

static void sink_flush(struct sink *k)
{
    if (k->n && fwrite(k->b, 1, k->n, k->out) != k->n) k->failed = 1;
    k->n = 0;
}

static void put(struct sink *k, const char *p, size_t n)
{
    if (k->n + n > sizeof k->b) sink_flush(k);
    if (n > sizeof k->b) {
        if (fwrite(p, 1, n, k->out) != n) k->failed = 1;
        return;
    }
    memcpy(k->b + k->n, p, n);
    k->n += n;
}

static void puts_(struct sink *k, const char *s) { put(k, s, strlen(s)); }

static void put_int(struct sink *k, long long v)
{
    char b[WW_DEC_MAX], *p = ww_dec(b, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, 1);
    if (v < 0) *--p = '-'; /* 20 digits at most: room is left */
    put(k, p, (size_t)(b + sizeof b - p));
}

/* jansson's dump callback: its newlines get the tree's depth added. */
static int dump_put(const char *p, size_t n, void *arg)
{
    struct sink *k = arg;
    for (const char *nl; n && (nl = memchr(p, '\n', n)); n -= (size_t)(nl + 1 - p), p = nl + 1) {
        put(k, p, (size_t)(nl + 1 - p));
        for (unsigned d = 0; d < k->depth; d++) put(k, "  ", 2);
    }
    put(k, p, n);
    return k->failed ? -1 : 0;
}

/* A jansson value (taken) at `depth` levels in. */
static void put_tree(struct sink *k, json_t *v, unsigned depth)
{
    k->depth = depth;
    if (json_dump_callback(v, dump_put, k, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER))
        k->failed = 1;
    json_decref(v);
}

/* ,\n and the indentation of an element's field (or the element's opening). */
static void field(struct sink *k, const char *key, int first)
{
    puts_(k, first ? "{\n      \"" : ",\n      \"");
    puts_(k, key);
    put(k, "\": ", 3);
}

static void field_str(struct sink *k, const char *key, const char *v, int first)
{
    field(k, key, first);
    put(k, "\"", 1);
    puts_(k, v);
    put(k, "\"", 1);
}

static void field_int(struct sink *k, const char *key, long long v, int first)
{
    field(k, key, first);
    put_int(k, v);
}

static void field_null(struct sink *k, const char *key)
{
    field(k, key, 0);
    put(k, "null", 4);
}

/* Text from a database (not ours: it may need escaping) or null. */
static void field_text(struct sink *k, const char *key, const char *v)
{
    const char *p = v;
    while (p && *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') p++;
    if (p && !*p && p > v) { /* plain ASCII: as jansson writes it */
        field_str(k, key, v, 0);
        return;
    }
    field(k, key, 0);
    put_tree(k, jtext(v), 0);
}

/* A scanner's os, os_match, country, asn, as_org: null where not known. */
static void who_json(struct sink *k, const struct ww_report *r, const struct ww_scanner *s)
{
    const char *name = r->osdb && s->os ? ww_osdb_name(r->osdb, s->os) : NULL;
    field_text(k, "os", name);
    if (name) field_str(k, "os_match", ww_os_kind_name(s->os), 0);
    else field_null(k, "os_match");
    struct ww_geoinfo g;
    int found = r->geo ? ww_geo_lookup(r->geo, &s->src, &g) : 0;
    field_text(k, "country", found & WW_GEO_COUNTRY ? g.country : NULL);
    if (found & WW_GEO_ASN && g.asn) field_int(k, "asn", g.asn, 0);
    else field_null(k, "asn");
    field_text(k, "as_org", found & WW_GEO_ASN ? g.as_org : NULL);
}

/* "key": [ elements ]: each element begun by elem(). */
static void array_open(struct sink *k, const char *key, size_t n)
{
    puts_(k, ",\n  \"");
    puts_(k, key);
    puts_(k, n ? "\": [\n    " : "\": []");
}

static void elem_end(struct sink *k, int last)
{
    puts_(k, last ? "\n    }\n  ]" : "\n    },\n    ");
}

static void scanners_json(struct sink *k, const struct ww_report *r)
{
    char b[WW_CIDR_STRLEN], flags[128], protos[64], t[40];
    array_open(k, "scanners", r->nscanners);
    for (size_t i = 0; i < r->nscanners; i++) {
        const struct ww_scanner *s = &r->scanners[i];
        field_str(k, "src", ww_scanner_src(s, b), 1);
        field_str(k, "kind", s->kind, 0);
        field_str(k, "proto", ww_scanner_protos(s, protos, sizeof protos), 0);
        field_str(k, "flags", ww_scanner_flags(s, flags, sizeof flags), 0);
        field_int(k, "probes", (long long)s->probes, 0);
        field_int(k, "targets", (long long)s->targets, 0);
        field_int(k, "ports", (long long)s->ports, 0);
        field_str(k, "first_seen", ww_time_format(s->first_us, t, sizeof t), 0);
        field_str(k, "last_seen", ww_time_format(s->last_us, t, sizeof t), 0);
        field_str(k, "method", s->method, 0);
        field_int(k, "addresses", (long long)s->addresses, 0);
        if (s->slow) {
            field(k, "slow", 0);
            puts_(k, "true");
            field_int(k, "span", (long long)(s->span_us / WW_SEC_US), 0);
        }
        const char *label = ww_known_label(r->known, &s->src);
        if (label) {
            field(k, "label", 0);
            put_tree(k, json_string(label), 0);
        }
        who_json(k, r, s);
        elem_end(k, i + 1 == r->nscanners);
    }
}

static void ports_json(struct sink *k, const struct ww_report *r)
{
    char num[8];
    array_open(k, "ports", r->nports);
    for (size_t i = 0; i < r->nports; i++) {
        const struct ww_portstat *p = &r->ports[i];
        field_int(k, "port", p->port, 1);
        field_str(k, "proto", proto_str(p->proto, num), 0);
        field_int(k, "records", (long long)p->records, 0);
        field_int(k, "sources", (long long)p->sources, 0);
        field_int(k, "targets", (long long)p->targets, 0);
        elem_end(k, i + 1 == r->nports);
    }
}

/* A top-level member given as a jansson tree (taken). */
static void member(struct sink *k, const char *key, json_t *v)
{
    puts_(k, ",\n  \"");
    puts_(k, key);
    put(k, "\": ", 3);
    put_tree(k, v, 1);
}

int ww_report_json(FILE *out, const struct ww_report *r)
{
    char num[8];
    struct sink *k = malloc(sizeof *k);
    if (!k) return WW_ERR_IO;
    k->out = out, k->n = 0, k->failed = 0;

    json_t *input, *files = json_array();
    for (size_t i = 0; i < r->nfiles; i++) json_array_append_new(files, json_string(r->files[i]));
    input = json_pack("{s:o,s:I,s:I,s:I,s:I}",
        "files", files, "lines", (json_int_t)r->input.lines,
        "events", (json_int_t)r->input.events, "skipped", (json_int_t)r->input.skipped,
        "records", (json_int_t)r->records);
    if (r->first_us || r->last_us) {
        json_object_set_new(input, "first_seen", jtime(r->first_us));
        json_object_set_new(input, "last_seen", jtime(r->last_us));
    }
    json_object_set_new(input, "enrichment", json_pack("{s:o,s:o,s:o}",
        "os", jtext(r->osdb ? r->osdb_path : NULL),
        "country", jtext(ww_geo_has(r->geo) & WW_GEO_COUNTRY ? r->geoip_path : NULL),
        "asn", jtext(ww_geo_has(r->geo) & WW_GEO_ASN ? r->asn_path : NULL)));
    puts_(k, "{\n  \"input\": ");
    put_tree(k, input, 1);
    scanners_json(k, r);
    ports_json(k, r);
    member(k, "surges", surges_json(r, num));
    member(k, "floods", floods_json(r, num));
    member(k, "backscatter", backscatter_json(r));
    if (r->nhist) {
        json_t *a = json_array();
        for (size_t i = 0; i < r->nhist; i++)
            json_array_append_new(a, json_pack("[o,I,I,I]", jtime(r->hist_start[i]),
                (json_int_t)r->hist_records[i], (json_int_t)r->hist_sources[i],
                (json_int_t)r->hist_targets[i]));
        member(k, "history", json_pack("{s:i,s:s,s:I,s:[s,s,s,s],s:o}",
            "port", r->hist_port, "proto", proto_str(r->hist_proto, num),
            "bucket_seconds", (json_int_t)(r->bucket_us / 1000000),
            "columns", "start", "records", "sources", "targets", "buckets", a));
    }
    puts_(k, "\n}\n");
    sink_flush(k);
    int failed = k->failed;
    free(k);
    return failed ? WW_ERR_IO : WW_OK;
}

/* The file's last part, or "none (OPTION)" for none. */
static const char *db_name(const char *path, const char *none)
{
    const char *b = path ? strrchr(path, '/') : NULL;
    return !path ? none : b ? b + 1 : path;
}

/* Text from a database made fit for a terminal: control bytes become '?',
 * and it is cut to at most max bytes at a UTF-8 character's start. */
static char *text_fit(char *t, size_t max)
{
    size_t n = 0;
    for (; t[n]; n++)
        if ((unsigned char)t[n] < 0x20 || t[n] == 0x7f) t[n] = '?';
    if (n > max) {
        n = max;
        while (n && ((unsigned char)t[n] & 0xc0) == 0x80) n--;
        t[n] = 0;
    }
    return t;
}

/* A scanner's OS, country and AS on a line of its own, if any is known. */
static void who_text(FILE *out, const struct ww_report *r, const struct ww_scanner *s)
{
    char line[128];
    size_t n = 0;
    const char *name = r->osdb && s->os ? ww_osdb_name(r->osdb, s->os) : NULL;
    if (name) n += (size_t)snprintf(line, sizeof line, "%.30s (%s)", name, ww_os_kind_name(s->os));
    struct ww_geoinfo g;
    int found = r->geo ? ww_geo_lookup(r->geo, &s->src, &g) : 0;
    if (found & WW_GEO_COUNTRY && g.country[0] && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", n ? ", " : "", g.country);
    if (found & WW_GEO_ASN && g.asn && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, "%sAS%u %s", n ? ", " : "", g.asn, g.as_org);
    if (n) fprintf(out, "  %-18s %s\n", "", text_fit(line, 58));
}

/* A surge's sources in one line: "91% Windows XP (exact), 6 countries,
 * 41 ASes", what the databases give. */
static void mix_text(FILE *out, const struct ww_report *r, const struct ww_surge *s)
{
    int has = ww_geo_has(r->geo);
    if (!r->osdb && !has) return;
    struct ww_mix m;
    ww_mix_of(s->sample, s->nsample, r->osdb, r->geo, &m);
    fprintf(out, "    sampled %u:", m.n);
    const char *sep = " ";
    char name[sizeof m.os[0].name];
    if (r->osdb && m.nos)
        fprintf(out, " %.0f%% %s (%s)", 100 * share(m.os[0].n, m.os_known),
                text_fit(strcpy(name, m.os[0].name), 24),
                ww_os_kind_name(row_kind(s, r->osdb, m.os[0].name))), sep = ", ";
    else if (r->osdb)
        fprintf(out, " OS unknown"), sep = ", ";
    if (has & WW_GEO_COUNTRY)
        fprintf(out, "%s%u countr%s", sep, m.countries, m.countries == 1 ? "y" : "ies"), sep = ", ";
    if (has & WW_GEO_ASN)
        fprintf(out, "%s%u AS%s (top %.0f%%)", sep, m.ases, m.ases == 1 ? "" : "es", 100 * m.as_top_share);
    fputc('\n', out);
}

int ww_report_text(FILE *out, const struct ww_report *r, size_t top)
{
    char b[WW_CIDR_STRLEN], t1[40], t2[40], num[8];

    fprintf(out, "wormwatch: %zu file%s, %llu lines, %llu events, %llu skipped",
            r->nfiles, r->nfiles == 1 ? "" : "s", (unsigned long long)r->input.lines,
            (unsigned long long)r->input.events, (unsigned long long)r->input.skipped);
    if (r->first_us || r->last_us)
        fprintf(out, "\n  from %s to %s (UTC)", ww_time_format(r->first_us, t1, sizeof t1),
                ww_time_format(r->last_us, t2, sizeof t2));
    fprintf(out, "\n  %zu scanner%s, %zu surge%s, %zu port%s seen\n",
            r->nscanners, r->nscanners == 1 ? "" : "s", r->nsurges,
            r->nsurges == 1 ? "" : "s", r->nports, r->nports == 1 ? "" : "s");
    int has = ww_geo_has(r->geo);
    char dbs[512];
    int n = snprintf(dbs, sizeof dbs, "  OS: %s; country: %s; AS: %s",
                     db_name(r->osdb ? r->osdb_path : NULL, "none (--p0f-db)"),
                     db_name(has & WW_GEO_COUNTRY ? r->geoip_path : NULL, "none (--geoip)"),
                     db_name(has & WW_GEO_ASN ? r->asn_path : NULL, "none (--asn)"));
    if (n > 80) memcpy(dbs + 77, "...", 4); /* long file names: the line stays within 80 */
    fprintf(out, "%s\n\n", dbs);

    fprintf(out, "Top ports by distinct sources\n");
    if (!r->nports) fprintf(out, "  (none)\n");
    else fprintf(out, "  %-12s %12s %10s %10s\n", "PORT", "RECORDS", "SOURCES", "TARGETS");
    for (size_t i = 0; i < r->nports && i < top; i++) {
        const struct ww_portstat *p = &r->ports[i];
        char pp[24];
        snprintf(pp, sizeof pp, "%u/%s", p->port, proto_str(p->proto, num));
        fprintf(out, "  %-12s %12llu %10llu %10llu\n", pp, (unsigned long long)p->records,
                (unsigned long long)p->sources, (unsigned long long)p->targets);
    }
    if (r->nports > top) fprintf(out, "  ... %zu more (--top N, or --format json)\n", r->nports - top);

    fprintf(out, "\nScanners\n");
    if (!r->nscanners) fprintf(out, "  (none)\n");
    else fprintf(out, "  %-18s %-10s %-9s %-14s %7s %7s %6s\n", "SOURCE", "KIND", "METHOD",
                 "PROBE", "PROBES", "TARGETS", "PORTS");
    for (size_t i = 0; i < r->nscanners && i < top; i++) {
        const struct ww_scanner *s = &r->scanners[i];
        char flags[128];
        ww_scanner_src(s, b);
        if (strlen(b) > 18) fprintf(out, "  %s\n  %-18s", b, "");
        else fprintf(out, "  %-18s", b);
        fprintf(out, " %-10s %-9s %-14.14s %7llu %7llu %6llu\n", s->kind, s->method,
                ww_scanner_flags(s, flags, sizeof flags), (unsigned long long)s->probes,
                (unsigned long long)s->targets, (unsigned long long)s->ports);
        const char *label = ww_known_label(r->known, &s->src);
        if (label) fprintf(out, "  %-18s known scanner: %s\n", "", label);
        who_text(out, r, s);
        if (s->prefix) fprintf(out, "  %-18s %llu addresses\n", "", (unsigned long long)s->addresses);
        if (s->slow) fprintf(out, "  %-18s slow: over %.1f h\n", "", (double)s->span_us / (3600.0 * WW_SEC_US));
    }
    if (r->nscanners > top) fprintf(out, "  ... %zu more\n", r->nscanners - top);

    fprintf(out, "\nSurges (new sources per %lld-minute bucket against the port's baseline)\n",
            (long long)(r->bucket_us / 60000000));
    if (!r->nsurges) fprintf(out, "  (none)\n");
    for (size_t i = 0; i < r->nsurges; i++) {
        const struct ww_surge *s = &r->surges[i];
        fprintf(out, "  %u/%s%s from %s, called %s\n", s->port, proto_str(s->proto, num),
                s->side == WW_SURGE_SPORT ? " (source port)" : "", ww_time_format(s->start_us, t1, sizeof t1),
                ww_time_format(s->alert_us, t2, sizeof t2));
        char g[256];
        fprintf(out, "    %llu new sources (baseline %.1f), %llu sources (%.1f), "
                "%llu targets (%.1f)\n    z %.1f, ISC trend score %.1f\n    %s\n",
                (unsigned long long)s->new_sources, s->baseline_new,
                (unsigned long long)s->sources, s->baseline_sources,
                (unsigned long long)s->targets, s->baseline_targets, s->score, s->isc_score,
                ww_surge_growth_text(s, g, sizeof g));
        mix_text(out, r, s);
    }
    fprintf(out, "\nFloods (many sources, one target: not worms)\n");
    if (!r->nfloods) fprintf(out, "  (none)\n");
    for (size_t i = 0; i < r->nfloods; i++) {
        const struct ww_flood *f = &r->floods[i];
        fprintf(out, "  %s port %u/%s from %s to %s\n    %llu sources, %llu records\n",
                ww_addr_format(&f->target, b), f->port, proto_str(f->proto, num),
                ww_time_format(f->start_us, t1, sizeof t1), ww_time_format(f->end_us, t2, sizeof t2),
                (unsigned long long)f->sources, (unsigned long long)f->records);
    }
    backscatter_text(out, r, top);
    return ferror(out) ? WW_ERR_IO : WW_OK;
}
