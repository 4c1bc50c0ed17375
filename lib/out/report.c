/* report.c -- JSON (jansson) and text writers for struct ww_report.
 *
 * JSON is built as a jansson tree and dumped once: the document is small
 * (bounded by the number of scanners, ports and surges, never by events),
 * and jansson gets escaping and number formatting right. Ports are already
 * sorted by sources (ww_ports_stats); the JSON lists all of them, the text
 * report the top rows. */
#include "out/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/wtime.h"

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

/* jansson's dump hands over every token on its own: gathered here and
 * written in 64 KiB pieces (fwrite per token was a tenth of analyze's
 * instructions on a large report). */
struct sink { FILE *out; size_t n; int failed; char b[65536]; };

static void sink_flush(struct sink *k)
{
    if (k->n && fwrite(k->b, 1, k->n, k->out) != k->n) k->failed = 1;
    k->n = 0;
}

static int sink_put(const char *p, size_t n, void *arg)
{
    struct sink *k = arg;
    if (k->n + n > sizeof k->b) sink_flush(k);
    if (n > sizeof k->b) {
        if (fwrite(p, 1, n, k->out) != n) k->failed = 1;
    } else {
        memcpy(k->b + k->n, p, n);
        k->n += n;
    }
    return k->failed ? -1 : 0;
}

int ww_report_json(FILE *out, const struct ww_report *r)
{
    json_t *doc = json_object(), *files = json_array(), *a;
    char b[128], num[8];

    for (size_t i = 0; i < r->nfiles; i++) json_array_append_new(files, json_string(r->files[i]));
    json_object_set_new(doc, "input", json_pack("{s:o,s:I,s:I,s:I,s:I}",
        "files", files, "lines", (json_int_t)r->input.lines,
        "events", (json_int_t)r->input.events, "skipped", (json_int_t)r->input.skipped,
        "records", (json_int_t)r->records));
    if (r->first_us || r->last_us) {
        json_object_set_new(json_object_get(doc, "input"), "first_seen", jtime(r->first_us));
        json_object_set_new(json_object_get(doc, "input"), "last_seen", jtime(r->last_us));
    }

    a = json_array();
    for (size_t i = 0; i < r->nscanners; i++) {
        const struct ww_scanner *s = &r->scanners[i];
        char flags[128], protos[64];
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:s}",
            "src", ww_addr_format(&s->src, b), "kind", s->kind,
            "proto", ww_scanner_protos(s, protos, sizeof protos),
            "flags", ww_scanner_flags(s, flags, sizeof flags),
            "probes", (json_int_t)s->probes, "targets", (json_int_t)s->targets,
            "ports", (json_int_t)s->ports, "first_seen", jtime(s->first_us),
            "last_seen", jtime(s->last_us), "method", s->method);
        const char *label = ww_known_label(r->known, &s->src);
        if (label) json_object_set_new(o, "label", json_string(label));
        json_array_append_new(a, o);
    }
    json_object_set_new(doc, "scanners", a);

    a = json_array();
    for (size_t i = 0; i < r->nports; i++) {
        const struct ww_portstat *p = &r->ports[i];
        json_array_append_new(a, json_pack("{s:i,s:s,s:I,s:I,s:I}", "port", p->port,
            "proto", proto_str(p->proto, num), "records", (json_int_t)p->records,
            "sources", (json_int_t)p->sources, "targets", (json_int_t)p->targets));
    }
    json_object_set_new(doc, "ports", a);

    json_object_set_new(doc, "surges", surges_json(r, num));
    json_object_set_new(doc, "floods", floods_json(r, num));
    json_object_set_new(doc, "backscatter", backscatter_json(r));

    if (r->nhist) {
        a = json_array();
        for (size_t i = 0; i < r->nhist; i++)
            json_array_append_new(a, json_pack("[o,I,I,I]", jtime(r->hist_start[i]),
                (json_int_t)r->hist_records[i], (json_int_t)r->hist_sources[i],
                (json_int_t)r->hist_targets[i]));
        json_object_set_new(doc, "history", json_pack("{s:i,s:s,s:I,s:[s,s,s,s],s:o}",
            "port", r->hist_port, "proto", proto_str(r->hist_proto, num),
            "bucket_seconds", (json_int_t)(r->bucket_us / 1000000),
            "columns", "start", "records", "sources", "targets", "buckets", a));
    }

    struct sink *k = malloc(sizeof *k);
    if (!k) {
        json_decref(doc);
        return WW_ERR_IO;
    }
    k->out = out, k->n = 0, k->failed = 0;
    int rc = json_dump_callback(doc, sink_put, k, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    sink_flush(k);
    rc = rc || k->failed;
    free(k);
    json_decref(doc);
    if (rc || fputc('\n', out) == EOF) return WW_ERR_IO;
    return WW_OK;
}

int ww_report_text(FILE *out, const struct ww_report *r, size_t top)
{
    char b[WW_ADDR_STRLEN], t1[40], t2[40], num[8];

    fprintf(out, "wormwatch: %zu file%s, %llu lines, %llu events, %llu skipped",
            r->nfiles, r->nfiles == 1 ? "" : "s", (unsigned long long)r->input.lines,
            (unsigned long long)r->input.events, (unsigned long long)r->input.skipped);
    if (r->first_us || r->last_us)
        fprintf(out, "\n  from %s to %s (UTC)", ww_time_format(r->first_us, t1, sizeof t1),
                ww_time_format(r->last_us, t2, sizeof t2));
    fprintf(out, "\n  %zu scanner%s, %zu surge%s, %zu port%s seen\n\n",
            r->nscanners, r->nscanners == 1 ? "" : "s", r->nsurges,
            r->nsurges == 1 ? "" : "s", r->nports, r->nports == 1 ? "" : "s");

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
        ww_addr_format(&s->src, b);
        if (strlen(b) > 18) fprintf(out, "  %s\n  %-18s", b, "");
        else fprintf(out, "  %-18s", b);
        fprintf(out, " %-10s %-9s %-14.14s %7llu %7llu %6llu\n", s->kind, s->method,
                ww_scanner_flags(s, flags, sizeof flags), (unsigned long long)s->probes,
                (unsigned long long)s->targets, (unsigned long long)s->ports);
        const char *label = ww_known_label(r->known, &s->src);
        if (label) fprintf(out, "  %-18s known scanner: %s\n", "", label);
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
