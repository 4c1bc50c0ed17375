/* fuzz_pcap.c -- libFuzzer harness for the capture file reader (ingest/pcap.h).
 * Input: a whole capture file. It is read twice, lenient and strict: from a
 * stream that can seek (fmemopen: a classic pcap file's records are then
 * read by pcap.c itself, libpcap only for the header and for a record it
 * leaves to it) and from one that cannot (fopencookie without a seek: libpcap
 * reads every record). Both readings must give the same events in the same
 * order, the same bad packets with the same reasons, the same counts and the
 * same end (status, message, packet number): a difference traps. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ingest/input.h"
#include "ingest/pcap.h"

struct run {
    uint64_t events, sum, bad, badsum;
    struct ww_input_stats st;
    enum ww_err status;
    uint64_t err_line;
    char err[256];
    int opened;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static void on_bad(void *ctx, const char *file, uint64_t n, const char *why)
{
    struct run *r = ctx;
    (void)file;
    r->bad++;
    r->badsum = mix(mix(r->badsum, &n, sizeof n), why, strlen(why));
}

struct mem { const uint8_t *d; size_t n, pos; };

static ssize_t mem_read(void *cookie, char *buf, size_t size)
{
    struct mem *m = cookie;
    size_t k = m->n - m->pos < size ? m->n - m->pos : size;
    memcpy(buf, m->d + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

static void read_all(const uint8_t *data, size_t size, int seekable, int strict, struct run *r)
{
    struct mem m = {data, size, 0};
    cookie_io_functions_t io = {.read = mem_read};
    FILE *fp = seekable ? fmemopen((void *)data, size, "rb") : fopencookie(&m, "rb", io);
    struct ww_input_opts o;
    memset(r, 0, sizeof *r);
    r->sum = r->badsum = 0xcbf29ce484222325ULL;
    if (!fp) __builtin_trap();
    ww_input_opts_init(&o);
    o.strict = strict;
    o.flow_capacity = 64;
    o.on_bad = on_bad, o.bad_ctx = r;
    char err[256];
    struct ww_pcap_reader *p = ww_pcap_open("fuzz.pcap", fp, &o, &r->st, err, sizeof err);
    if (!p) {
        r->err[0] = 0; /* libpcap refused the header: the same for both */
        return;
    }
    r->opened = 1;
    struct ww_event ev;
    while (ww_pcap_next(p, &ev, &r->status, &r->err_line, r->err, sizeof r->err)) {
        r->events++;
        r->sum = mix(r->sum, &ev, sizeof ev);
    }
    ww_pcap_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0; /* fmemopen takes no empty buffer */
    for (int strict = 0; strict < 2; strict++) {
        struct run a, b;
        read_all(data, size, 1, strict, &a);
        read_all(data, size, 0, strict, &b);
        if (a.opened != b.opened || a.events != b.events || a.sum != b.sum || a.bad != b.bad ||
            a.badsum != b.badsum || a.status != b.status || a.err_line != b.err_line ||
            strcmp(a.err, b.err) || memcmp(&a.st, &b.st, sizeof a.st))
            __builtin_trap();
    }
    return 0;
}
