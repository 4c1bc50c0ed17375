/* pcap.c -- what reading a capture costs analyze before the detectors:
 * libpcap's reading, decoding (lib/ingest/decode.h) and first-contact
 * tracking with its outcomes (lib/ingest/flows.h), through the very path
 * analyze uses (ww_input_files), with an on_event that only counts and
 * checksums the events. Built with the rest (build/bench_pcap); run
 * `build/bench_pcap FILE... [-n RUNS] [-c FLOWS]`: best of RUNS (default 3)
 * passes (FLOWS: tracked flows, default analyze's 2^20), as
 * packets/s and ns per packet of CPU time (this process's user + system),
 * the events and their checksum (the same before and after a change to the
 * tracker, or its decisions changed). The figures go into
 * docs/PERFORMANCE.md by hand ("Captures (issue 16)"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/addr.h"
#include "ingest/input.h"

struct sum {
    uint64_t events, failures, hash;
    uint64_t packets, skipped;
};

static void on_event(void *ctx, const struct ww_event *ev)
{
    struct sum *s = ctx;
    s->events++;
    s->failures += ev->outcome == WW_OUTCOME_FAILURE;
    /* order-sensitive: a change in what is decided or when shows */
    s->hash = ww_hash64(s->hash ^ ((uint64_t)ev->ts_us * 31 + ev->outcome)) +
              ww_addr_hash(&ev->src) * 3 + ww_addr_hash(&ev->dst) +
              ((uint64_t)ev->sport << 16 | ev->dport) + ((uint64_t)ev->proto << 40);
}

static void on_done(void *ctx, const char *path, enum ww_err rc, const struct ww_input_stats *st,
                    uint64_t line, const char *msg)
{
    struct sum *s = ctx;
    if (rc != WW_OK) {
        fprintf(stderr, "bench_pcap: %s: %s (packet %llu)\n", path, msg, (unsigned long long)line);
        exit(1);
    }
    s->packets += st->lines;
    s->skipped += st->skipped;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
    int runs = 3, nf = 0;
    size_t cap = 0;
    const char **files = calloc((size_t)argc, sizeof *files);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-c") && i + 1 < argc) cap = (size_t)atol(argv[++i]);
        else files[nf++] = argv[i];
    }
    if (!nf || runs < 1) {
        fprintf(stderr, "usage: bench_pcap FILE... [-n RUNS] [-c FLOWS]\n");
        return 2;
    }
    double best = 0;
    struct sum s;
    for (int r = 0; r < runs; r++) {
        struct ww_input_opts o;
        ww_input_opts_init(&o);
        o.format = WW_FMT_PCAP;
        if (cap) o.flow_capacity = cap;
        memset(&s, 0, sizeof s);
        o.on_event = on_event, o.event_ctx = &s;
        double t0 = cpu_s();
        if (ww_input_files(files, (size_t)nf, &o, on_done, &s) != WW_OK) return 1;
        double t = cpu_s() - t0;
        if (r == 0 || t < best) best = t;
    }
    printf("packets %llu  bad %llu  events %llu  failures %llu  checksum %016llx\n",
           (unsigned long long)s.packets, (unsigned long long)s.skipped,
           (unsigned long long)s.events, (unsigned long long)s.failures,
           (unsigned long long)s.hash);
    printf("best of %d: %.3f s CPU, %.2f M packets/s, %.0f ns/packet\n", runs, best,
           (double)s.packets / best / 1e6, best * 1e9 / (double)s.packets);
    free(files);
    return 0;
}
