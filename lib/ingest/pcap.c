/* pcap.c -- pcap and pcapng captures, files or live, to events (see pcap.h).
 *
 * struct ww_capture is a pcap_t, its link type, a struct ww_flows and the
 * caller's counters; ww_capture_packet() is the one way from a captured
 * packet to events: decode with ww_pkt_decode(), feed the flows tracker,
 * whose decided first contacts are the events. Both readers use it:
 *
 * Files: libpcap opens the file (both formats, timestamps scaled to
 * microseconds) from the FILE* the caller opened, on a stream unlocked for
 * it. A classic pcap file (version 2.4, either byte order, micro- or
 * nanoseconds) on a stream that can seek back to its header has its
 * records read here: 1 MiB at a time into one block, each record's header
 * read in place and its packet decoded where it lies (own_next), which
 * spares libpcap's two freads and copy a packet (15% of the capture side).
 * Its time fields are taken as libpcap takes them, signed or not by byte
 * order. A record libpcap would treat otherwise (longer than the snapshot
 * length, cut short) or the end is left to it: the stream is put back at
 * that record and pcap_next_ex() reads on, so what is read and every
 * message stay libpcap's (fuzz_pcap checks both readings give the same).
 * pcapng and pipes go through pcap_next_ex() throughout (no callbacks, no
 * longjmp).
 * A packet is decoded at once and its slot of the flow table prefetched
 * (ww_flows_prefetch), but it is tracked only AHEAD packets later, when that
 * slot has reached the cache: the tracker sees the same packets in the same
 * order, and the ones held are tracked before the end (or a strict stop)
 * flushes it. One packet can decide several probes (timeouts), so decided
 * events wait in a small FIFO that grows only when a packet decides more
 * than it holds. A capture cut off mid-record
 * (pcap_next_ex() fails) counts as one more bad packet, reported as
 * "truncated capture: ..."; what was read before it stays read, and only
 * strict mode turns it (like any bad packet) into WW_ERR_PARSE. At the end
 * the tracker is flushed, so probes still waiting become failures; in strict
 * mode the events decided before the bad packet are delivered first.
 *
 * Live (the sensor): pcap_create() without a filter, headers only (262
 * bytes), a kernel ring of the caller's size (on Linux libpcap maps a
 * TPACKET_V3 ring of 256 KiB blocks; the kernel hands a block over when it
 * is full or 100 ms old), non-blocking, read with pcap_dispatch(); the
 * caller polls ww_capture_fd() between reads. Events go straight to the
 * caller's function. The kernel's counters (packets it received for us,
 * dropped because the ring was full, dropped by the interface) are
 * libpcap's 32-bit ones carried into 64 bits at every ww_capture_stats().
 * The caller drops its privileges after the open, before the first packet. */
#include "ingest/pcap.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>

#include "core/mem.h"
#include "core/wtime.h"

struct ww_capture {
    pcap_t *pc;
    int linktype;
    struct ww_flows *flows;
    ww_event_fn emit;
    void *emit_ctx;
    struct ww_input_stats *st;
    /* ww_capture_dispatch's: where bad packets are reported */
    ww_bad_fn on_bad;
    void *bad_ctx;
    const char *name;
    /* live: the kernel's counters, 64-bit, and libpcap's as last read */
    struct ww_capture_stats kstats;
    struct pcap_stat kseen;
};

static void on_flow_event(void *ctx, const struct ww_event *ev)
{
    struct ww_capture *c = ctx;
    c->st->events++;
    c->emit(c->emit_ctx, ev);
}

struct ww_capture *ww_capture_new(pcap_t *pc, size_t flow_capacity, int64_t flow_timeout_us,
                                  ww_event_fn emit, void *emit_ctx, struct ww_input_stats *st)
{
    struct ww_capture *c = ww_calloc(1, sizeof *c);
    c->pc = pc, c->linktype = pcap_datalink(pc);
    c->emit = emit, c->emit_ctx = emit_ctx, c->st = st;
    c->flows = ww_flows_new(flow_capacity, flow_timeout_us, on_flow_event, c);
    return c;
}

/* One packet counted and decoded into *pk (not tracked yet). */
static enum ww_parse_rc decode(struct ww_capture *c, const struct pcap_pkthdr *h,
                               const u_char *data, struct ww_pkt *pk, const char **why)
{
    c->st->lines++;
    c->st->bytes += (uint64_t)h->caplen + 16;
    switch (ww_pkt_decode(c->linktype, data, h->caplen, pk, why)) {
    case WW_PKT_OK:
        return WW_PARSE_EVENT;
    case WW_PKT_SKIP:
        return WW_PARSE_SKIP;
    case WW_PKT_BAD:
        break;
    }
    c->st->skipped++;
    return WW_PARSE_BAD;
}

static int64_t pkt_us(const struct pcap_pkthdr *h)
{
    return (int64_t)h->ts.tv_sec * WW_SEC_US + h->ts.tv_usec;
}

enum ww_parse_rc ww_capture_packet(struct ww_capture *c, const struct pcap_pkthdr *h,
                                   const u_char *data, const char **why)
{
    struct ww_pkt pk;
    enum ww_parse_rc rc = decode(c, h, data, &pk, why);
    if (rc == WW_PARSE_EVENT) ww_flows_packet(c->flows, pkt_us(h), &pk);
    return rc;
}

void ww_capture_flush(struct ww_capture *c) { ww_flows_flush(c->flows); }

void ww_capture_free(struct ww_capture *c)
{
    if (!c) return;
    ww_flows_free(c->flows);
    pcap_close(c->pc);
    ww_free(c);
}

/* ---- live ---- */

/* Headers only: Ethernet and two VLAN tags (22), IPv6 and its extension
 * headers, TCP to its flags, or an ICMPv6 error quoting another such packet:
 * what decode.c reads, with room to spare. Payload is never looked at. */
#define LIVE_SNAPLEN 262
#define LIVE_TIMEOUT_MS 100 /* a ring block partly filled is handed over after this */

static enum ww_err live_fail(pcap_t *pc, const char *ifname, int rc, char *err, size_t errlen)
{
    const char *why = pcap_geterr(pc);
    snprintf(err, errlen, "cannot capture on %s: %s", ifname,
             why && *why ? why : pcap_statustostr(rc));
    pcap_close(pc);
    return WW_ERR_IO;
}

enum ww_err ww_capture_open_live(const char *ifname, size_t buffer_bytes, ww_event_fn emit,
                                 void *emit_ctx, struct ww_input_stats *st,
                                 struct ww_capture **out, char *err, size_t errlen)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    if (buffer_bytes > INT_MAX) { /* libpcap takes an int: never ignored in silence */
        snprintf(err, errlen, "%s: a capture buffer of %zu bytes is more than libpcap takes", ifname,
                 buffer_bytes);
        return WW_ERR_ARG;
    }
    pcap_t *pc = pcap_create(ifname, eb);
    if (!pc) {
        snprintf(err, errlen, "cannot capture on %s: %s", ifname, eb);
        return WW_ERR_IO;
    }
    int rc;
    if ((rc = pcap_set_snaplen(pc, LIVE_SNAPLEN)) || (rc = pcap_set_promisc(pc, 1)) ||
        (rc = pcap_set_timeout(pc, LIVE_TIMEOUT_MS)) ||
        (buffer_bytes && (rc = pcap_set_buffer_size(pc, (int)buffer_bytes))) ||
        (rc = pcap_activate(pc)) < 0)
        return live_fail(pc, ifname, rc, err, errlen);
    int lt = pcap_datalink(pc);
    if (!ww_pkt_linktype_supported(lt)) {
        snprintf(err, errlen, "%s: unsupported link type %d", ifname, lt);
        pcap_close(pc);
        return WW_ERR_FORMAT;
    }
    if (pcap_setnonblock(pc, 1, eb) < 0) {
        snprintf(err, errlen, "%s: %s", ifname, eb);
        pcap_close(pc);
        return WW_ERR_IO;
    }
    *out = ww_capture_new(pc, 1u << 16, 3 * WW_SEC_US, emit, emit_ctx, st);
    return WW_OK;
}

int ww_capture_fd(const struct ww_capture *c) { return pcap_get_selectable_fd(c->pc); }

enum ww_err ww_capture_stats(struct ww_capture *c, struct ww_capture_stats *out, char *err,
                             size_t errlen)
{
    struct pcap_stat s;
    if (pcap_stats(c->pc, &s) < 0) {
        snprintf(err, errlen, "%s", pcap_geterr(c->pc));
        return WW_ERR_IO;
    }
    /* libpcap's counters are 32 bits: add what moved, modulo 2^32 */
    c->kstats.recv += (u_int)(s.ps_recv - c->kseen.ps_recv);
    c->kstats.drop += (u_int)(s.ps_drop - c->kseen.ps_drop);
    c->kstats.ifdrop += (u_int)(s.ps_ifdrop - c->kseen.ps_ifdrop);
    c->kseen = s;
    *out = c->kstats;
    return WW_OK;
}

static void on_packet(u_char *ctx, const struct pcap_pkthdr *h, const u_char *data)
{
    struct ww_capture *c = (struct ww_capture *)ctx;
    const char *why;
    if (ww_capture_packet(c, h, data, &why) == WW_PARSE_BAD && c->on_bad)
        c->on_bad(c->bad_ctx, c->name, c->st->lines, why);
}

enum ww_err ww_capture_dispatch(struct ww_capture *c, int max, ww_bad_fn on_bad, void *bad_ctx,
                                const char *name, int *n, char *err, size_t errlen)
{
    c->on_bad = on_bad, c->bad_ctx = bad_ctx, c->name = name;
    *n = pcap_dispatch(c->pc, max, on_packet, (u_char *)c);
    if (*n >= 0) return WW_OK;
    snprintf(err, errlen, "%s", pcap_geterr(c->pc));
    *n = 0;
    return WW_ERR_IO;
}

/* ---- files ---- */

#define AHEAD 8 /* decoded packets held between their prefetch and their look-up */

struct ww_pcap_reader {
    struct {
        int64_t ts;
        uint64_t hash;         /* its key's, from the prefetch (not made twice) */
        struct ww_pkt pk;
    } ahead[AHEAD];            /* ring of decoded packets not tracked yet */
    unsigned ahead_head, ahead_len;
    const char *name;
    const struct ww_input_opts *o;
    struct ww_capture *cap;
    struct ww_input_stats *st;
    struct ww_event *q;        /* FIFO of decided events */
    size_t qcap, qhead, qlen;  /* qcap a power of two: places by a mask, no division */
    int done;                  /* input exhausted and flushed */
    enum ww_err err;           /* pending error, returned once q is empty */
    /* a classic pcap file's records, read here (blk: NULL once libpcap reads) */
    FILE *fp;
    unsigned char *blk;        /* BLOCK + the largest record */
    size_t have, pos;          /* bytes in blk, the next record's start */
    off_t blk_off;             /* blk[0]'s offset in the file */
    uint32_t snap;             /* libpcap's snapshot length for the file */
    int swapped, nano;
    struct pcap_pkthdr hdr;    /* the last record's */
};

#define BLOCK (1u << 20) /* beside a reader's flow table (64 MiB and more), little */
#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du

static uint32_t u32(const unsigned char *b, int swapped)
{
    uint32_t v;
    memcpy(&v, b, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

/* After libpcap read fp's file header: read the records ourselves if it is
 * a classic pcap file (either byte order, micro- or nanoseconds, version
 * 2.4) on a stream that can seek back to its start; else leave fp at the
 * first record for libpcap. */
#define OWN_SNAP_MAX 262144 /* larger snapshot lengths (a file may claim 2 GiB) are libpcap's */
static void own_records(struct ww_pcap_reader *p, FILE *fp, pcap_t *pc)
{
    unsigned char h[24];
    uint32_t m;
    if (ftello(fp) != 24 || fseeko(fp, 0, SEEK_SET)) return;
    if (fread(h, 1, 24, fp) == 24) {
        memcpy(&m, h, 4);
        int sw = m == __builtin_bswap32(MAGIC_US) || m == __builtin_bswap32(MAGIC_NS);
        m = sw ? __builtin_bswap32(m) : m;
        uint8_t major = h[sw ? 5 : 4], minor = h[sw ? 7 : 6]; /* two 16-bit fields */
        if ((m == MAGIC_US || m == MAGIC_NS) && major == 2 && minor == 4 && !h[sw ? 4 : 5] &&
            !h[sw ? 6 : 7] && pcap_snapshot(pc) > 0 && pcap_snapshot(pc) <= OWN_SNAP_MAX) {
            p->fp = fp, p->swapped = sw, p->nano = m == MAGIC_NS;
            p->snap = (uint32_t)pcap_snapshot(pc);
            p->blk = ww_malloc(BLOCK + 16 + p->snap);
            p->blk_off = 24;
            return;
        }
    }
    fseeko(fp, 24, SEEK_SET);
}

/* Reads n more bytes than pos into blk if they are not there: 1 if they are now. */
static int own_fill(struct ww_pcap_reader *p, size_t n)
{
    if (p->have - p->pos >= n) return 1;
    memmove(p->blk, p->blk + p->pos, p->have - p->pos);
    p->blk_off += (off_t)p->pos;
    p->have -= p->pos;
    p->pos = 0;
    p->have += fread(p->blk + p->have, 1, BLOCK + 16 + p->snap - p->have, p->fp);
    return p->have >= n;
}

#define SEEK_FAILED (-100) /* own_next could not hand the stream back (errno) */

/* pcap_next_ex for the records read here: the next one in place in blk.
 * One libpcap would take otherwise (cut short, longer than the snapshot,
 * the end) is left to it, from that record on: what it reads and every
 * message it gives stay libpcap's. */
static int own_next(struct ww_pcap_reader *p, struct pcap_pkthdr **h, const u_char **data)
{
    if (own_fill(p, 16)) {
        const unsigned char *r = p->blk + p->pos;
        uint32_t caplen = u32(r + 8, p->swapped);
        if (caplen <= p->snap && own_fill(p, 16 + (size_t)caplen)) {
            r = p->blk + p->pos;
            /* as libpcap 1.10 reads them: signed 32-bit fields in the
             * machine's byte order, unsigned once swapped (its SWAPLONG) */
            uint32_t sec = u32(r, p->swapped), frac = u32(r + 4, p->swapped);
            p->hdr.ts.tv_sec = p->swapped ? (time_t)sec : (time_t)(int32_t)sec;
            p->hdr.ts.tv_usec = p->swapped ? (suseconds_t)frac : (suseconds_t)(int32_t)frac;
            if (p->nano) p->hdr.ts.tv_usec /= 1000;
            p->hdr.caplen = caplen;
            p->hdr.len = u32(r + 12, p->swapped);
            *h = &p->hdr;
            *data = r + 16;
            p->pos += 16 + (size_t)caplen;
            return 1;
        }
    }
    ww_free(p->blk);
    p->blk = NULL;
    if (fseeko(p->fp, p->blk_off + (off_t)p->pos, SEEK_SET)) return SEEK_FAILED;
    return pcap_next_ex(p->cap->pc, h, data);
}

static void queue_event(void *ctx, const struct ww_event *ev)
{
    struct ww_pcap_reader *p = ctx;
    if (p->qlen == p->qcap) {
        size_t ncap = p->qcap ? 2 * p->qcap : 64;
        struct ww_event *nq = ww_malloc(ncap * sizeof *nq);
        for (size_t i = 0; i < p->qlen; i++) nq[i] = p->q[(p->qhead + i) & (p->qcap - 1)];
        ww_free(p->q);
        p->q = nq, p->qcap = ncap, p->qhead = 0;
    }
    p->q[(p->qhead + p->qlen++) & (p->qcap - 1)] = *ev;
}

struct ww_pcap_reader *ww_pcap_open(const char *name, void *fp, const struct ww_input_opts *o,
                                    struct ww_input_stats *st, char *errbuf, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE];
    /* Only this reader reads fp, in one thread: no lock (two atomic
     * operations) around each of libpcap's two freads a packet. */
    __fsetlocking(fp, FSETLOCKING_BYCALLER);
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
    if (!pc) {
        fclose(fp); /* libpcap leaves it open on failure */
        snprintf(errbuf, errlen, "%s", perr);
        return NULL;
    }
    int lt = pcap_datalink(pc);
    if (!ww_pkt_linktype_supported(lt)) {
        const char *ltname = pcap_datalink_val_to_name(lt);
        snprintf(errbuf, errlen, "unsupported link type %d (%s)", lt, ltname ? ltname : "?");
        pcap_close(pc);
        return NULL;
    }
    struct ww_pcap_reader *p = ww_calloc(1, sizeof *p);
    p->name = name, p->o = o, p->st = st;
    p->cap = ww_capture_new(pc, o->flow_capacity ? o->flow_capacity : 1u << 20,
                            o->flow_timeout_us > 0 ? o->flow_timeout_us : 3 * WW_SEC_US,
                            queue_event, p, st);
    own_records(p, fp, pc);
    return p;
}

/* A bad packet: report; in strict mode remember the error and stop. */
static void bad(struct ww_pcap_reader *p, uint64_t n, const char *why, uint64_t *err_line,
                char *errbuf, size_t errlen)
{
    if (p->o->on_bad) p->o->on_bad(p->o->bad_ctx, p->name, n, why);
    if (!p->o->strict) return;
    *err_line = n;
    snprintf(errbuf, errlen, "%s", why);
    p->err = WW_ERR_PARSE;
}

/* Tracks the oldest held packet. */
static void track_oldest(struct ww_pcap_reader *p)
{
    ww_flows_packet_hashed(p->cap->flows, p->ahead[p->ahead_head].ts, &p->ahead[p->ahead_head].pk,
                           p->ahead[p->ahead_head].hash);
    p->ahead_head = (p->ahead_head + 1) % AHEAD;
    p->ahead_len--;
}

int ww_pcap_next(struct ww_pcap_reader *p, struct ww_event *ev, enum ww_err *status,
                 uint64_t *err_line, char *errbuf, size_t errlen)
{
    while (!p->qlen) {
        if (p->done) {
            *status = p->err;
            return 0;
        }
        struct pcap_pkthdr *h;
        const u_char *data;
        const char *why;
        int r = p->blk ? own_next(p, &h, &data) : pcap_next_ex(p->cap->pc, &h, &data);
        if (r == 1) {
            /* Decode into the ring and start loading the packet's slot of
             * the flow table; track the one AHEAD packets older. */
            if (p->ahead_len == AHEAD) track_oldest(p);
            unsigned t = (p->ahead_head + p->ahead_len) % AHEAD;
            switch (decode(p->cap, h, data, &p->ahead[t].pk, &why)) {
            case WW_PARSE_EVENT:
                p->ahead[t].ts = pkt_us(h);
                p->ahead[t].hash = ww_flows_prefetch(p->cap->flows, &p->ahead[t].pk);
                p->ahead_len++;
                break;
            case WW_PARSE_SKIP:
                break;
            case WW_PARSE_BAD:
                bad(p, p->st->lines, why, err_line, errbuf, errlen);
                break;
            }
            if (!p->err) continue;
        } else if (r == PCAP_ERROR) {
            char msg[PCAP_ERRBUF_SIZE + 32];
            snprintf(msg, sizeof msg, "truncated capture: %s", pcap_geterr(p->cap->pc));
            p->st->skipped++;
            bad(p, p->st->lines + 1, msg, err_line, errbuf, errlen);
        } else if (r == SEEK_FAILED) { /* an I/O error, strict or not */
            *err_line = p->st->lines + 1;
            snprintf(errbuf, errlen, "cannot seek back to packet %llu: %s",
                     (unsigned long long)*err_line, strerror(errno));
            p->err = WW_ERR_IO;
        }
        while (p->ahead_len) track_oldest(p); /* end of input, or a strict stop */
        ww_capture_flush(p->cap);
        p->done = 1;
    }
    *ev = p->q[p->qhead];
    p->qhead = (p->qhead + 1) & (p->qcap - 1);
    p->qlen--;
    return 1;
}

void ww_pcap_close(struct ww_pcap_reader *p)
{
    if (!p) return;
    ww_capture_free(p->cap);
    ww_free(p->q);
    ww_free(p->blk);
    ww_free(p);
}
