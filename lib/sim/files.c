/* files.c -- see files.h. One writer per format, chosen once: each event
 * becomes one line or record in its sensor's file, through a buffer of
 * WW_WRITE_MAX bytes on the stack (the files get big stdio buffers, 1 MiB
 * each up to 32 sensors, 64 KiB past that). A failed write is remembered
 * and reported once, when the files are closed. scenario.json is written
 * last, after the run, so its counts are the files'; its "stacks" are the
 * truth of the SYNs' fingerprints: per stack, SYNs and distinct sources
 * (exact up to WW_DCOUNT_EXACT, then estimated), the worm's apart. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/files.h"
#include "core/addr.h"
#include "core/dcount.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/wtime.h"
#include "out/write.h"
#include "sim/stack.h"

static const char *const fmt_names[] = {"netfilter", "dshield", "pcap"};
static const char *const fmt_ext[] = {"log", "tsv", "pcap"};

int ww_sim_format_parse(const char *name, enum ww_sim_format *out)
{
    for (int i = WW_SIM_NETFILTER; i <= WW_SIM_PCAP; i++)
        if (!strcmp(name, fmt_names[i])) {
            *out = (enum ww_sim_format)i;
            return WW_OK;
        }
    return WW_ERR_ARG;
}

/* What one stack sent: SYNs and distinct sources, all and the worm's. */
struct stack_tally {
    uint64_t syns, worm_syns;
    struct ww_dcount sources, worm_sources;
};

struct run {
    enum ww_sim_format fmt;
    size_t ns;
    FILE **files;
    char (*host)[16];
    uint64_t *records, *worm_records, *scen_records;
    uint64_t kind[WW_SIM_NKINDS];
    struct stack_tally *stacks;   /* per stack (sim/stack.h): the truth of its SYNs */
    FILE *truth;
    uint32_t vulnerable;
    int failed;
};

static void on_event(void *ctx, unsigned sensor, int kind, int stack, const struct ww_event *ev)
{
    struct run *r = ctx;
    if (stack >= 0) {
        struct stack_tally *t = &r->stacks[stack];
        uint64_t h = ww_addr_hash(&ev->src);
        t->syns++;
        ww_dcount_add(&t->sources, h);
        if (kind == WW_SIM_WORMEV) {
            t->worm_syns++;
            ww_dcount_add(&t->worm_sources, h);
        }
    }
    uint8_t buf[WW_WRITE_MAX];
    size_t n = 0;
    switch (r->fmt) {
    case WW_SIM_NETFILTER: n = ww_netfilter_format(ev, r->host[sensor], (char *)buf, sizeof buf); break;
    case WW_SIM_DSHIELD: n = ww_dshield_format(ev, r->host[sensor] + 7, (char *)buf, sizeof buf); break;
    case WW_SIM_PCAP: n = ww_pcap_format(ev, buf, sizeof buf); break;
    }
    if (!n || fwrite(buf, 1, n, r->files[sensor]) != n) r->failed = 1;
    r->records[sensor]++;
    r->worm_records[sensor] += kind == WW_SIM_WORMEV;
    r->scen_records[sensor] += kind > WW_SIM_WORMEV;
    r->kind[kind]++;
}

static void on_truth(void *ctx, int64_t ts_us, uint64_t infected)
{
    struct run *r = ctx;
    char t[32];
    if (fprintf(r->truth, "%s,%llu,%lu\n", ww_time_format(ts_us, t, sizeof t),
                (unsigned long long)infected, (unsigned long)r->vulnerable) < 0)
        r->failed = 1;
}

/* mkdir -p; WW_ERR_IO with errno set. */
static int mkdir_p(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) { errno = ENAMETOOLONG; return WW_ERR_IO; }
    memcpy(path, dir, n + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(path, 0777) && errno != EEXIST) return WW_ERR_IO;
        *p = '/';
    }
    if (mkdir(path, 0777) && errno != EEXIST) return WW_ERR_IO;
    struct stat st;
    if (stat(path, &st)) return WW_ERR_IO;
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return WW_ERR_IO; }
    return WW_OK;
}

/* Earlier runs' sensor files (sensor-NN.log|tsv|pcap) would be mixed into
 * a pooled analysis of DIR: remove them. Nothing else is touched. */
static void remove_old_outputs(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d) return;
    while ((e = readdir(d))) {
        const char *n = e->d_name, *p = n + 7;
        if (strncmp(n, "sensor-", 7) || !(*p >= '0' && *p <= '9')) continue;
        while (*p >= '0' && *p <= '9') p++;
        if (strcmp(p, ".log") && strcmp(p, ".tsv") && strcmp(p, ".pcap")) continue;
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, n) < (int)sizeof path) remove(path);
    }
    closedir(d);
}

/* Opens sensor-NN.EXT for every sensor (a pcap file with its header) and
 * truth.csv with its header line. */
static int open_files(struct run *r, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    size_t bufsize = r->ns <= 32 ? 1 << 20 : 1 << 16;
    for (size_t i = 0; i < r->ns; i++) {
        snprintf(r->host[i], sizeof r->host[i], "sensor-%02u", (unsigned)(i % 1000));
        snprintf(path, sizeof path, "%s/%s.%s", dir, r->host[i], fmt_ext[r->fmt]);
        if (!(r->files[i] = fopen(path, "wb"))) goto fail;
        setvbuf(r->files[i], NULL, _IOFBF, bufsize);
        if (r->fmt == WW_SIM_PCAP) {
            uint8_t h[WW_PCAP_FILE_HEADER];
            ww_pcap_file_header(h);
            if (fwrite(h, 1, sizeof h, r->files[i]) != sizeof h) r->failed = 1;
        }
    }
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    if (!(r->truth = fopen(path, "w"))) goto fail;
    fputs("time,infected,vulnerable\n", r->truth);
    return WW_OK;
fail:
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return WW_ERR_IO;
}

static json_t *jtime(int64_t us)
{
    char b[32];
    return us < 0 ? json_null() : json_string(ww_time_format(us, b, sizeof b));
}

static char *cidr(const struct ww_sim_sensor *s, char *buf, size_t size)
{
    snprintf(buf, size, "%u.%u.%u.%u/%u", s->base >> 24, s->base >> 16 & 255, s->base >> 8 & 255,
             s->base & 255, s->prefix);
    return buf;
}

static json_t *worm_json(const struct ww_sim_opts *o, const struct ww_sim *sim)
{
    json_t *milestones = json_array();
    for (unsigned i = 0; i < WW_SIM_NMILESTONES; i++)
        json_array_append_new(milestones, json_pack("{s:f,s:o}", "fraction", ww_sim_milestones[i],
                                                    "time", jtime(ww_sim_milestone(sim, i))));
    json_t *wormj = json_pack("{s:b,s:i,s:s,s:I,s:f,s:I,s:I,s:f,s:o,s:I,s:o}",
        "active", ww_sim_worm_active(o), "port", (int)o->worm_port,
        "proto", o->worm_proto == WW_PROTO_UDP ? "udp" : "tcp",
        "vulnerable", (json_int_t)o->vulnerable, "scan_rate", o->scan_rate,
        "initial", (json_int_t)o->initial, "hitlist", (json_int_t)o->hitlist,
        "local_pref", o->local_pref, "start", jtime(o->worm_start_us),
        "infected_at_end", (json_int_t)ww_sim_infected(sim), "milestones", milestones);
    json_object_set_new(wormj, "stop_infected",
                        o->stop_infected <= 1 ? json_real(o->stop_infected) : json_null());
    return wormj;
}

static json_t *jaddr(uint32_t a)
{
    char b[16];
    snprintf(b, sizeof b, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
    return json_string(b);
}

static const char *proto_name(uint8_t p) { return p == WW_PROTO_UDP ? "udp" : "tcp"; }

/* One scenario (bit i) as scenario.json's "scenarios" records it: what it
 * is, its parameters and its ground truth. */
static json_t *scenario_json(unsigned i, const struct ww_sim_opts *o, const struct ww_sim *sim,
                             const struct run *r)
{
    const struct ww_sim_chosen *c = ww_sim_chosen(sim);
    int64_t T = o->worm_start_us;
    json_t *j = json_pack("{s:s,s:o}", "name", ww_sim_scenario_name(i), "start", jtime(T));
    int kind = WW_SIM_WORMEV;
    switch (1u << i) {
    case WW_SCEN_WORM:
        json_object_set_new(j, "what", json_string("random-scanning worm (SI epidemic); see \"worm\""));
        json_object_set_new(j, "port", json_integer(o->worm_port));
        json_object_set_new(j, "proto", json_string(proto_name(o->worm_proto)));
        break;
    case WW_SCEN_WITTY:
        json_object_set_new(j, "what", json_string("Witty-like worm (SI epidemic): UDP from one source "
                                                   "port to random destination ports; see \"worm\""));
        json_object_set_new(j, "source_port", json_integer(o->worm_port));
        json_object_set_new(j, "proto", json_string("udp"));
        json_object_set_new(j, "destination_ports", json_string("random, 1-65535"));
        break;
    case WW_SCEN_QUIET:
        json_object_set_new(j, "what", json_string("worm (SI epidemic) on a port the background never "
                                                   "uses; see \"worm\""));
        json_object_set_new(j, "port", json_integer(o->worm_port));
        json_object_set_new(j, "proto", json_string(proto_name(o->worm_proto)));
        break;
    case WW_SCEN_CAMPAIGN:
        kind = WW_SIM_CAMPAIGN;
        json_object_set_new(j, "what", json_string("botnet scan campaign: all sources switch on at start "
                                                   "and hold, each scanning at a steady rate; none multiply"));
        json_object_set_new(j, "port", json_integer(o->campaign_port.port));
        json_object_set_new(j, "proto", json_string(proto_name(o->campaign_port.proto)));
        json_object_set_new(j, "sources", json_integer(o->campaign_sources));
        json_object_set_new(j, "scan_rate", json_real(o->campaign_rate));
        json_object_set_new(j, "end", json_null());
        break;
    case WW_SCEN_FLOOD:
        kind = WW_SIM_FLOOD;
        json_object_set_new(j, "what", json_string("spoofed flood on one monitored address: every packet "
                                                   "from a random source (hping3 --rand-source)"));
        json_object_set_new(j, "port", json_integer(o->flood_port.port));
        json_object_set_new(j, "proto", json_string(proto_name(o->flood_port.proto)));
        json_object_set_new(j, "target", jaddr(c->flood_target));
        json_object_set_new(j, "rate", json_real(o->flood_rate));
        json_object_set_new(j, "end", jtime(T + o->flood_us));
        break;
    case WW_SCEN_SCANNERS: {
        kind = WW_SIM_SCANNERS;
        json_t *ranges = json_array(), *addrs = json_array();
        char b[64];
        for (size_t k = 0; k < o->nranges; k++) json_array_append_new(ranges, json_string(cidr(&o->ranges[k], b, sizeof b)));
        for (uint32_t k = 0; k < c->nscanners; k++) json_array_append_new(addrs, jaddr(c->scanners[k]));
        json_object_set_new(j, "what", json_string("research scanners from published ranges: every "
                                                   "monitored address probed once within an hour"));
        json_object_set_new(j, "port", json_integer(o->scan_port.port));
        json_object_set_new(j, "proto", json_string(proto_name(o->scan_port.proto)));
        json_object_set_new(j, "end", jtime(T + WW_HOUR_US));
        json_object_set_new(j, "ranges", ranges);
        json_object_set_new(j, "sources", addrs);
        break;
    }
    case WW_SCEN_BACKSCATTER: {
        kind = WW_SIM_BACKSCATTER;
        json_t *bursts = json_array();
        for (int k = 0; k < 3; k++)
            json_array_append_new(bursts, json_pack("{s:o,s:o}", "start", jtime(T + k * WW_HOUR_US),
                                                    "end", jtime(T + k * WW_HOUR_US + 10 * WW_MIN_US)));
        json_object_set_new(j, "what", json_string("backscatter: a DoS victim's replies to spoofed SYNs "
                                                   "(80% SYN-ACK, 15% RST-ACK, 5% ICMP port unreachable) "
                                                   "to random addresses, from its service's port"));
        json_object_set_new(j, "victim", jaddr(c->victim));
        json_object_set_new(j, "port", json_integer(o->victim_port.port));
        json_object_set_new(j, "proto", json_string("tcp"));
        json_object_set_new(j, "attack_rate", json_real(o->attack_rate));
        json_object_set_new(j, "bursts", bursts);
        json_object_set_new(j, "end", jtime(T + 2 * WW_HOUR_US + 10 * WW_MIN_US));
        break;
    }
    case WW_SCEN_SLOW:
        kind = WW_SIM_SLOW;
        json_object_set_new(j, "what", json_string("slow horizontal scan: one nmap source, one probe "
                                                   "every interval to a new monitored address, for 24 h"));
        json_object_set_new(j, "source", jaddr(c->slow_src));
        json_object_set_new(j, "port", json_integer(22));
        json_object_set_new(j, "proto", json_string("tcp"));
        json_object_set_new(j, "interval_s", json_integer(o->slow_interval_us / WW_SEC_US));
        json_object_set_new(j, "probes", json_integer(c->slow_probes));
        json_object_set_new(j, "end", jtime(T + (int64_t)(c->slow_probes ? c->slow_probes - 1 : 0) *
                                                   o->slow_interval_us));
        break;
    case WW_SCEN_V6: {
        char a[WW_ADDR_STRLEN];
        kind = WW_SIM_V6;
        json_object_set_new(j, "what", json_string("IPv6 scanner rotating inside a /64: nmap -6, a new "
                                                   "random interface identifier per probe, one probe a "
                                                   "second to distinct ports of one address"));
        json_object_set_new(j, "source_prefix", json_string(WW_SIM_V6_SRC));
        json_object_set_new(j, "target", json_string(ww_addr_format(&c->v6_target, a)));
        json_object_set_new(j, "sensor_prefix", json_string(WW_SIM_V6_NET));
        json_object_set_new(j, "proto", json_string("tcp"));
        json_object_set_new(j, "probes", json_integer(WW_SIM_V6_PROBES));
        json_object_set_new(j, "end", jtime(T + (WW_SIM_V6_PROBES - 1) * WW_SEC_US));
        break;
    }
    }
    json_object_set_new(j, "first_event", jtime(c->first[kind]));
    json_object_set_new(j, "records", json_integer((json_int_t)r->kind[kind]));
    return j;
}

/* The stacks (sim/stack.h) as the run used them: each one's SYN as a line
 * of p0f's database, the label p0f gives it, the roles that run it (percent
 * of their sources) and what it sent. */
static json_t *stacks_json(const struct run *r)
{
    json_t *list = json_array();
    for (unsigned k = 0; k < ww_sim_nstacks; k++) {
        const struct ww_sim_stack *st = &ww_sim_stacks[k];
        const struct stack_tally *t = &r->stacks[k];
        char sig[128];
        json_t *roles = json_object();
        for (unsigned role = 0; role < WW_SIM_NROLES; role++)
            if (ww_sim_stack_share(role, k))
                json_object_set_new(roles, ww_sim_role_name(role), json_integer(ww_sim_stack_share(role, k)));
        ww_sim_stack_sig(k, sig, sizeof sig);
        json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:o,s:I,s:I,s:I,s:I}",
            "name", st->name, "p0f", st->p0f, "match", st->match, "signature", sig, "roles", roles,
            "syns", (json_int_t)t->syns, "sources", (json_int_t)ww_dcount_count(&t->sources),
            "worm_syns", (json_int_t)t->worm_syns,
            "worm_sources", (json_int_t)ww_dcount_count(&t->worm_sources)));
    }
    return list;
}

static int write_scenario(const char *path, const struct ww_sim_opts *o, const char *spec,
                          const struct ww_sim *sim, const struct run *r)
{
    const struct ww_sim_sensor *sens;
    size_t ns = ww_sim_sensors(sim, &sens);
    uint64_t total = 0, worm = 0, scen = 0, monitored = 0;
    char b[64];

    json_t *sensors = json_array();
    for (size_t i = 0; i < ns; i++) {
        uint64_t size = 1ULL << (32 - sens[i].prefix);
        char file[32];
        snprintf(file, sizeof file, "sensor-%02zu.%s", i, fmt_ext[r->fmt]);
        json_t *sj = json_pack("{s:s,s:s,s:I,s:I,s:I}",
            "file", file, "cidr", cidr(&sens[i], b, sizeof b), "addresses", (json_int_t)size,
            "records", (json_int_t)r->records[i], "worm_records", (json_int_t)r->worm_records[i]);
        if (o->scenarios)
            json_object_set_new(sj, "scenario_records", json_integer((json_int_t)r->scen_records[i]));
        if (i == 0 && (o->scenarios & WW_SCEN_V6))
            json_object_set_new(sj, "cidr6", json_string(WW_SIM_V6_NET));
        json_object_set_new(sj, "background_records", json_integer((json_int_t)(
            r->records[i] - r->worm_records[i] - r->scen_records[i])));
        json_array_append_new(sensors, sj);
        total += r->records[i];
        worm += r->worm_records[i];
        scen += r->scen_records[i];
        monitored += size;
    }
    json_t *doc = json_pack("{s:s,s:I,s:o,s:o,s:o,s:I,s:s,s:o,s:{s:b,s:f},s:s,s:I,s:o,s:I,s:I}",
        "generator", "wormwatch simulate", "seed", (json_int_t)o->seed,
        "start", jtime(o->start_us), "end", jtime(ww_sim_end(sim)),
        "requested_end", jtime(o->end_us),
        "duration_s", (json_int_t)((ww_sim_end(sim) - o->start_us) / WW_SEC_US),
        "format", fmt_names[r->fmt], "worm", worm_json(o, sim),
        "background", "enabled", o->background && o->background_scale > 0,
        "scale", o->background_scale,
        "sensors_spec", spec, "monitored_addresses", (json_int_t)monitored,
        "sensors", sensors, "records", (json_int_t)total, "worm_records", (json_int_t)worm);
    if (!doc) return WW_ERR_ARG;
    if (o->scenarios) {
        json_t *list = json_array();
        for (unsigned i = 0; i < WW_SIM_NSCEN; i++)
            if (o->scenarios & 1u << i) json_array_append_new(list, scenario_json(i, o, sim, r));
        json_object_set_new(doc, "scenario_records", json_integer((json_int_t)scen));
        json_object_set_new(doc, "scenarios", list);
    }
    json_object_set_new(doc, "background_records", json_integer((json_int_t)(total - worm - scen)));
    json_object_set_new(doc, "stacks", stacks_json(r));
    int rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(doc);
    return rc ? WW_ERR_IO : WW_OK;
}

/* Runs the simulation into the open files and closes them. */
static int run_into(struct run *r, struct ww_sim *sim, const char *dir, char *err, size_t errlen)
{
    ww_sim_run(sim, on_event, on_truth, r);
    if (fclose(r->truth)) r->failed = 1;
    r->truth = NULL;
    for (size_t i = 0; i < r->ns; i++) {
        if (fclose(r->files[i])) r->failed = 1;
        r->files[i] = NULL;
    }
    if (!r->failed) return WW_OK;
    snprintf(err, errlen, "%s: writing failed: %s", dir, strerror(errno));
    return WW_ERR_IO;
}

int ww_sim_files_write(struct ww_sim *sim, const struct ww_sim_opts *o, const char *spec,
                       enum ww_sim_format fmt, const char *dir, struct ww_sim_counts *counts,
                       char *err, size_t errlen)
{
    if (mkdir_p(dir)) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return WW_ERR_IO;
    }
    remove_old_outputs(dir);
    const struct ww_sim_sensor *sens;
    struct run r = {.fmt = fmt, .ns = ww_sim_sensors(sim, &sens), .vulnerable = o->vulnerable};
    r.files = ww_calloc(r.ns, sizeof *r.files);
    r.host = ww_calloc(r.ns, sizeof *r.host);
    r.records = ww_calloc(r.ns, sizeof *r.records);
    r.worm_records = ww_calloc(r.ns, sizeof *r.worm_records);
    r.scen_records = ww_calloc(r.ns, sizeof *r.scen_records);
    r.stacks = ww_calloc(ww_sim_nstacks, sizeof *r.stacks);
    char path[4096];
    int rc = open_files(&r, dir, err, errlen);
    if (!rc) rc = run_into(&r, sim, dir, err, errlen);
    snprintf(path, sizeof path, "%s/scenario.json", dir);
    if (!rc && write_scenario(path, o, spec, sim, &r)) {
        snprintf(err, errlen, "%s: cannot write", path);
        rc = WW_ERR_IO;
    }
    *counts = (struct ww_sim_counts){0};
    for (size_t i = 0; i < r.ns; i++) {
        if (r.files[i]) fclose(r.files[i]);
        counts->records += r.records[i], counts->worm += r.worm_records[i];
        counts->scenario += r.scen_records[i];
    }
    if (r.truth) fclose(r.truth);
    ww_free(r.files);
    ww_free(r.host);
    ww_free(r.records);
    ww_free(r.worm_records);
    ww_free(r.scen_records);
    for (unsigned k = 0; k < ww_sim_nstacks; k++) {
        ww_dcount_release(&r.stacks[k].sources);
        ww_dcount_release(&r.stacks[k].worm_sources);
    }
    ww_free(r.stacks);
    return rc;
}

void ww_sim_files_summary(FILE *out, const struct ww_sim *sim, const struct ww_sim_opts *o,
                          enum ww_sim_format fmt, const char *dir, const struct ww_sim_counts *c)
{
    const struct ww_sim_sensor *sens;
    char t0[32], t1[32];
    fprintf(out, "%zu sensors, %s .. %s: %llu records (%llu worm, ", ww_sim_sensors(sim, &sens),
            ww_time_format(o->start_us, t0, sizeof t0), ww_time_format(ww_sim_end(sim), t1, sizeof t1),
            (unsigned long long)c->records, (unsigned long long)c->worm);
    if (o->scenarios) fprintf(out, "%llu scenario, ", (unsigned long long)c->scenario);
    fprintf(out, "%llu background)\n", (unsigned long long)(c->records - c->worm - c->scenario));
    if (o->scenarios) {
        fprintf(out, "scenarios from %s:", ww_time_format(o->worm_start_us, t0, sizeof t0));
        for (unsigned i = 0; i < WW_SIM_NSCEN; i++)
            if (o->scenarios & 1u << i) fprintf(out, " %s", ww_sim_scenario_name(i));
        fputc('\n', out);
    }
    if (ww_sim_worm_active(o)) {
        int64_t one = ww_sim_milestone(sim, 2);
        fprintf(out, "worm %u/%s from %s: %llu of %lu hosts infected at the end%s%s\n", o->worm_port,
                o->worm_proto == WW_PROTO_UDP ? "udp" : "tcp",
                ww_time_format(o->worm_start_us, t0, sizeof t0),
                (unsigned long long)ww_sim_infected(sim), (unsigned long)o->vulnerable,
                one >= 0 ? ", 1% at " : "", one >= 0 ? ww_time_format(one, t1, sizeof t1) : "");
    } else if (!o->scenarios) {
        fprintf(out, "no worm: background only\n");
    }
    fprintf(out, "wrote %s/sensor-*.%s, truth.csv, scenario.json\n", dir, fmt_ext[fmt]);
}
