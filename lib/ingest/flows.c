/* flows.c -- first contacts and their outcomes from decoded packets (flows.h).
 *
 * Every flow is keyed by its initiator's direction: (proto, src, dst, sport,
 * dport) as the first packet seen had them. A packet looks up its own
 * direction first (more of a flow it started, or a retransmission), then the
 * reverse (an answer). ICMP echo is keyed with ports (request type, 0), so a
 * reply maps back to the request; ICMP errors look up the packet they quote.
 * An ICMP error or reply that answers nothing seen (unasked: a DoS victim's
 * backscatter) is a first contact of its own, keyed (type, code).
 * Only a packet that matches nothing can start a flow, and only flows emit
 * events, so each 5-tuple gives one event however many packets it carries.
 *
 * A flow and its reverse hash alike (the hash adds its two ends' hashes),
 * so one probe finds a packet's flow whichever way it goes; since a packet
 * that matches a flow either way starts none, a 5-tuple and its reverse are
 * never both tracked, and that probe answers exactly what looking up the
 * packet's direction, then the reverse, would. ICMP keys are looked up one
 * way only (their reverse is another key).
 *
 * Storage (at most N entries; nothing is allocated per packet but the
 * index's few doublings):
 *   pool   N entries (N = capacity rounded up to a power of two) of 64
 *          bytes, one cache line each: the key as 64-bit words, first/last
 *          packet times, two links, ports, protocol, flags, families.
 *          Entries are handed out in order (the pages of ones never used are
 *          never touched; a large pool asks for huge pages), and freed
 *          ones are chained on a free list for reuse (last freed, first
 *          reused: still in the cache).
 *   index  a table (core/hash.h) over the pool, keyed by the hash above,
 *          that doubles as flows come, up to 2N slots, at load <= 1/2 (its
 *          2 MiB pages asked to be huge, as the pool's); its
 *          backward-shift deletion leaves no tombstones, and entries never
 *          move in the pool: list links stay valid. A look-up that finds
 *          nothing leaves the empty slot it ended on, which the new flow
 *          takes unless the index changed meanwhile (one probe, not two).
 *   lists  Every live entry is on exactly one doubly linked list:
 *          `pending` (undecided probes, in arrival order) or `done`
 *          (decided or outcome-less flows, least recently active first).
 * At most 2^20 flows (analyze's default) take 64 MiB of pool and 16 MiB of
 * index (and the 8 MiB it grew from, while it doubles). The table is far
 * larger than the cache, so what a packet will read is prefetched: here the
 * entries about to leave both lists' heads and the index slots of the flows
 * about to be forgotten (a cursor on each list, list_prefetch), and a
 * packet's own slot by the reader (ww_flows_prefetch, a few packets ahead,
 * whose hash of the packet's key the reader hands back with the packet:
 * ww_flows_packet_hashed).
 * The done list's cursor would wait on each entry in turn (each is reached
 * through the one before, 5 minutes cold): a done entry's first-packet time
 * (its event is out) holds a skip hint instead, the entry appended SKIP
 * appends after it, which the cursor prefetches as it passes (done_append),
 * and its key's hash, kept when it becomes done, so neither the cursor's
 * prefetch of its slot nor forgetting it hashes the key again.
 * On each packet the clock (the largest timestamp seen, so a capture slightly
 * out of order never runs time backwards) advances, then the heads of both
 * lists are checked: a pending probe older than the timeout is decided as a
 * failure and moves to `done`; a done flow idle for WW_FLOWS_IDLE_US is
 * forgotten. Both lists are in time order, so this is O(1) amortized.
 * When the pool is full the least recently active done flow is forgotten;
 * if every entry is pending, the oldest probe is decided (failure) instead.
 * Probes to multicast/broadcast addresses expect no unicast answer: they are
 * emitted at once with outcome unknown.
 * A flow started by a TCP SYN without ACK keeps the SYN's fingerprint for
 * its event in `fps`, an array beside the pool (entry i's at fps[i]), so
 * the pool's entries stay one cache line; it is written and read only for
 * those flows (their protocol and first flags say so), and its pages, like
 * the pool's, are touched only as entries are handed out. */
#include "ingest/flows.h"

#include <string.h>

#include "core/hash.h"
#include "core/mem.h"

#define NIL UINT32_MAX   /* no entry (as WW_HASH_NONE) */
#define WW_FLOWS_IDLE_US (300 * 1000000LL) /* forget a quiet flow after 5 min */
#define HUGE ((size_t)2 << 20) /* a huge page (x86-64, arm64 with 4 KiB pages) */

enum { F_FREE = 0, F_PENDING, F_DONE };

/* One cache line: the key's words first, so a compare reads one line. */
struct flow {
    uint64_t src[2], dst[2];  /* initiator, responder: the 16 address bytes */
    union {
        int64_t first;        /* pending, and until its event: the first packet's time */
        struct {              /* done, its event out: */
            uint32_t skip;    /* a hint, the entry appended SKIP later (any number) */
            uint32_t hash;    /* its key's hash (low half: what the index keeps) */
        };
    };
    int64_t last;             /* last activity */
    uint32_t prev, next;      /* on pending or done (next: free list) */
    uint16_t sport, dport;
    uint8_t proto, tcpflags, state;
    uint8_t fam;              /* families: src's | dst's << 4 */
};
_Static_assert(sizeof(struct flow) == 64, "a flow is one cache line");

/* A list, and a cursor that walks it ahead of its head, starting loads. */
struct list {
    uint32_t head, tail;
    uint32_t cur;             /* an entry on the list, or NIL */
    uint32_t cur_n;           /* how many entries past the head it is, at most */
};

#define CUR_AHEAD 6
#define SKIP 16               /* how far ahead on the done list a cursor's step prefetches */

struct ww_flows {
    struct flow *pool;        /* on a cache line (a huge page if large), in pool_mem */
    void *pool_mem;
    struct ww_synfp *fps;     /* fps[i]: the SYN's fingerprint of a flow a SYN started */
    struct ww_hash index;
    uint32_t free;            /* free list head (entries given back) */
    uint32_t used, size;      /* entries handed out from the pool so far */
    struct list pending, done;
    uint32_t recent[SKIP];    /* the last SKIP entries appended to done (NIL: none) */
    uint32_t nrecent;
    int64_t timeout, now;
    ww_event_fn emit;
    void *emit_ctx;
};

struct key {
    uint64_t src[2], dst[2];
    uint16_t sport, dport;
    uint8_t proto, fam;
    uint64_t hash;
    struct ww_hash_slot *at;  /* after a look-up that found nothing: the empty slot
                                 it ended on, where the key goes while the index
                                 is unchanged (one probe for look-up and insert) */
};

/* One end of a flow (address, port) mixed: for IPv4 (::ffff:a.b.c.d, the
 * first word 0, the second's low 16 bits 0 read little-endian) it is one to one. */
static inline uint64_t end_hash(const uint64_t a[2], uint16_t port)
{
    return ww_hash64(a[1] ^ a[0] * 0x9e3779b97f4a7c15ULL ^ port);
}

/* Symmetric: a flow and its reverse hash alike, so one probe finds either. */
static inline uint64_t flow_hash(uint8_t proto, const uint64_t src[2], const uint64_t dst[2],
                                 uint16_t sport, uint16_t dport)
{
    return (end_hash(src, sport) + end_hash(dst, dport)) ^ proto * 0xd6e8feb86659fd93ULL;
}

/* The key of a 5-tuple; h its hash if known (pkt_hash), else 0. */
static void key_set(struct key *k, uint8_t proto, const struct ww_addr *src,
                    const struct ww_addr *dst, uint16_t sport, uint16_t dport, uint64_t h)
{
    memcpy(k->src, src->b, 16);
    memcpy(k->dst, dst->b, 16);
    k->sport = sport; k->dport = dport; k->proto = proto;
    k->fam = (uint8_t)(src->family | dst->family << 4);
    k->hash = h ? h : flow_hash(proto, k->src, k->dst, sport, dport);
}

/* The packet's own 5-tuple (its key for TCP, UDP and others). */
static void key_own(struct key *k, const struct ww_pkt *p, uint64_t h)
{
    key_set(k, p->proto, &p->src, &p->dst, p->sport, p->dport, h);
}

/* The hash of the packet's own 5-tuple (its key for TCP, UDP and others). */
static inline uint64_t pkt_hash(const struct ww_pkt *p)
{
    uint64_t src[2], dst[2];
    memcpy(src, p->src.b, 16);
    memcpy(dst, p->dst.b, 16);
    return flow_hash(p->proto, src, dst, p->sport, p->dport);
}

/* ---- lists ---- */

static void list_unlink(struct ww_flows *f, struct list *l, uint32_t i)
{
    struct flow *e = &f->pool[i];
    if (i == l->cur) l->cur = NIL;
    else if (i == l->head && l->cur_n) l->cur_n--;
    if (e->prev != NIL) f->pool[e->prev].next = e->next; else l->head = e->next;
    if (e->next != NIL) f->pool[e->next].prev = e->prev; else l->tail = e->prev;
}

static void list_append(struct ww_flows *f, struct list *l, uint32_t i)
{
    struct flow *e = &f->pool[i];
    e->prev = l->tail;
    e->next = NIL;
    if (l->tail != NIL) f->pool[l->tail].next = i; else l->head = i;
    l->tail = i;
}

/* Entries leave the heads of both lists in bursts (flows fall quiet, probes
 * time out, many in one packet) and each is reached only through the one
 * before it, in a pool far larger than the cache: a cursor walks each list
 * one entry a packet, up to CUR_AHEAD past the head, each step reading an
 * entry an earlier step prefetched and prefetching the next (and for the
 * done list, whose entries leave the index, the slot of the one it reads).
 * An entry leaving the list from under the cursor sends it back to the
 * head. */
static void list_prefetch(struct ww_flows *f, struct list *l, int slots);

/* Appends i to done, and makes it the skip hint of the entry appended SKIP
 * appends before it, if that one is still done: a cursor standing on that
 * entry prefetches i, so the walk's next SKIP steps find their entries in
 * the cache rather than waiting on each in turn. A done flow's event is
 * out, so its first packet's time is free for the hint; a flow started
 * done (emitted after this) is never its own hint's holder. */
static void done_append(struct ww_flows *f, uint32_t i)
{
    uint32_t *r = &f->recent[f->nrecent++ % SKIP], y = *r;
    if (y != NIL && y != i && f->pool[y].state == F_DONE) f->pool[y].skip = i;
    *r = i;
    list_append(f, &f->done, i);
}

/* ---- index ---- */

static inline int same_dir(const struct flow *e, const struct key *k)
{
    return e->sport == k->sport && e->dport == k->dport &&
           ((e->src[0] ^ k->src[0]) | (e->src[1] ^ k->src[1]) |
            (e->dst[0] ^ k->dst[0]) | (e->dst[1] ^ k->dst[1])) == 0;
}

static inline int same_rev(const struct flow *e, const struct key *k)
{
    return e->sport == k->dport && e->dport == k->sport &&
           ((e->src[0] ^ k->dst[0]) | (e->src[1] ^ k->dst[1]) |
            (e->dst[0] ^ k->src[0]) | (e->dst[1] ^ k->src[1])) == 0;
}

static int same_flow(const void *pool, uint32_t i, const void *key)
{
    const struct flow *e = &((const struct flow *)pool)[i];
    const struct key *k = key;
    return e->proto == k->proto && same_dir(e, k);
}

static int either_flow(const void *pool, uint32_t i, const void *key)
{
    const struct flow *e = &((const struct flow *)pool)[i];
    const struct key *k = key;
    return e->proto == k->proto && (same_dir(e, k) || same_rev(e, k));
}

/* The flow keyed exactly k, or NIL (and k->at). */
static uint32_t find(const struct ww_flows *f, struct key *k)
{
    struct ww_hash_slot *s = ww_hash_slot(&f->index, k->hash, same_flow, f->pool, k);
    k->at = s;
    return ww_hash_full(*s) ? s->ref - 1 : NIL;
}

/* The flow keyed k or its reverse, or NIL (and k->at); *own: it is k. A
 * 5-tuple and its reverse are never both tracked (a packet matching either
 * starts nothing), so this one probe answers what a look-up of k, then of
 * the reverse, would. */
static uint32_t find_either(const struct ww_flows *f, struct key *k, int *own)
{
    struct ww_hash_slot *s = ww_hash_slot(&f->index, k->hash, either_flow, f->pool, k);
    k->at = s;
    uint32_t i = ww_hash_full(*s) ? s->ref - 1 : NIL;
    *own = i != NIL && same_dir(&f->pool[i], k);
    return i;
}

/* Forget entry i entirely. */
static void drop(struct ww_flows *f, uint32_t i)
{
    struct flow *e = &f->pool[i];
    ww_hash_del(&f->index, e->state == F_DONE ? e->hash
                           : flow_hash(e->proto, e->src, e->dst, e->sport, e->dport), i);
    list_unlink(f, e->state == F_PENDING ? &f->pending : &f->done, i);
    e->state = F_FREE;
    e->next = f->free;
    f->free = i;
}

/* ---- events ---- */

/* The flow's first packet was a TCP SYN without ACK: fps holds its fingerprint. */
static inline int has_fp(const struct flow *e)
{
    return e->proto == WW_PROTO_TCP && (e->tcpflags & (WW_TH_SYN | WW_TH_ACK)) == WW_TH_SYN;
}

static void emit(struct ww_flows *f, const struct flow *e, enum ww_outcome outcome)
{
    struct ww_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_us = e->first;
    memcpy(ev.src.b, e->src, 16);
    memcpy(ev.dst.b, e->dst, 16);
    ev.src.family = e->fam & 15;
    ev.dst.family = e->fam >> 4;
    ev.sport = e->sport;
    ev.dport = e->dport;
    ev.proto = e->proto;
    ev.tcpflags = e->tcpflags;
    ev.action = WW_ACTION_UNKNOWN;
    ev.outcome = (uint8_t)outcome;
    ev.count = 1;
    if (has_fp(e)) ev.fp = f->fps[e - f->pool];
    f->emit(f->emit_ctx, &ev);
}

/* A pending probe gets its outcome and becomes a done flow. */
static void decide(struct ww_flows *f, uint32_t i, enum ww_outcome outcome)
{
    struct flow *e = &f->pool[i];
    emit(f, e, outcome);
    e->hash = (uint32_t)flow_hash(e->proto, e->src, e->dst, e->sport, e->dport);
    list_unlink(f, &f->pending, i);
    e->state = F_DONE;
    e->last = f->now;
    done_append(f, i);
}

static void touch(struct ww_flows *f, uint32_t i)
{
    struct flow *e = &f->pool[i];
    e->last = f->now;
    if (e->state == F_DONE) {
        list_unlink(f, &f->done, i);
        done_append(f, i);
    }
}

/* Start a flow for a packet that matched nothing (its look-up just left
 * k->at). Pending probes wait for an answer; anything else is emitted now
 * with its outcome unknown. */
static void start(struct ww_flows *f, const struct key *k, const struct ww_addr *dst, int64_t ts,
                  uint8_t flags, int probe, const struct ww_synfp *fp)
{
    struct ww_hash_slot *at = k->at; /* NULL once the index changed */
    if (probe && ww_addr_is_multicast(dst)) probe = 0;
    if (f->free == NIL && f->used < f->size) {
        f->pool[f->used].next = NIL;
        f->free = f->used++;
    }
    if (f->free == NIL) {
        at = NULL;
        if (f->done.head != NIL) {
            drop(f, f->done.head);
        } else {
            uint32_t old = f->pending.head;
            emit(f, &f->pool[old], WW_OUTCOME_FAILURE);
            drop(f, old);
        }
    }
    uint32_t i = f->free;
    struct flow *e = &f->pool[i];
    f->free = e->next;
    memcpy(e->src, k->src, 16);
    memcpy(e->dst, k->dst, 16);
    e->fam = k->fam;
    e->sport = k->sport;
    e->dport = k->dport;
    e->proto = k->proto;
    e->tcpflags = flags;
    if (has_fp(e)) f->fps[i] = *fp;
    e->first = ts;
    e->last = f->now;
    e->state = probe ? F_PENDING : F_DONE;
    if (probe) list_append(f, &f->pending, i);
    else done_append(f, i);
    if (2 * (f->index.n + 1) > f->index.mask + 1) { /* keep the load <= 1/2 */
        /* huge pages: its look-ups land anywhere in 8 MiB and more, and on
         * 4 KiB pages most missed the TLB too */
        ww_hash_resize(&f->index, 2 * ((size_t)f->index.mask + 1), 1);
        at = NULL;
    }
    if (at) ww_hash_fill(&f->index, at, k->hash, i);
    else ww_hash_put(&f->index, k->hash, i);
    if (!probe) {
        emit(f, e, WW_OUTCOME_UNKNOWN);
        e->hash = (uint32_t)k->hash;
    }
}

static void list_prefetch(struct ww_flows *f, struct list *l, int slots)
{
    if (l->cur == NIL || !l->cur_n) l->cur = l->head, l->cur_n = 0;
    if (l->cur == NIL || l->cur_n >= CUR_AHEAD) return;
    const struct flow *e = &f->pool[l->cur];
    if (slots) {
        __builtin_prefetch(&f->index.slot[e->hash & f->index.mask]);
        __builtin_prefetch(&f->pool[e->skip & (f->size - 1)]);
    }
    if (e->next != NIL) {
        __builtin_prefetch(&f->pool[e->next]);
        if (!slots) __builtin_prefetch(&f->fps[e->next]); /* a pending SYN's, for its event */
        l->cur = e->next;
        l->cur_n++;
    }
}

static void expire(struct ww_flows *f)
{
    while (f->pending.head != NIL && f->now - f->pool[f->pending.head].first > f->timeout)
        decide(f, f->pending.head, WW_OUTCOME_FAILURE);
    while (f->done.head != NIL && f->now - f->pool[f->done.head].last > WW_FLOWS_IDLE_US)
        drop(f, f->done.head);
    list_prefetch(f, &f->pending, 0);
    list_prefetch(f, &f->done, 1);
    /* where the next flow's fingerprint will likely go */
    __builtin_prefetch(&f->fps[f->free != NIL ? f->free : f->used < f->size ? f->used : 0], 1);
}

/* ---- per protocol ---- */

static void tcp(struct ww_flows *f, int64_t ts, const struct ww_pkt *p, uint64_t h)
{
    uint8_t fl = p->tcpflags;
    int syn = fl & WW_TH_SYN, ack = fl & WW_TH_ACK, rst = fl & WW_TH_RST, own;
    struct key k;
    key_own(&k, p, h);
    uint32_t i = find_either(f, &k, &own);
    if (i == NIL) {
        /* New: a SYN is a probe awaiting its answer; a lone ACK, an
         * unsolicited SYN-ACK or RST, FIN/NULL/XMAS are outcome-unknown
         * first contacts. */
        start(f, &k, &p->dst, ts, fl, syn && !ack, &p->fp);
    } else if (f->pool[i].state != F_PENDING) {
        touch(f, i);
    } else if (own) {
        /* The initiator ACKing a pending SYN: the handshake completed even
         * if the SYN-ACK was not captured. */
        if (ack && !syn && !rst) decide(f, i, WW_OUTCOME_SUCCESS);
        else touch(f, i);
    } else if (syn && ack) {
        decide(f, i, WW_OUTCOME_SUCCESS);
    } else if (rst) {
        decide(f, i, WW_OUTCOME_FAILURE);
    } else {
        touch(f, i);
    }
}

static void udp(struct ww_flows *f, int64_t ts, const struct ww_pkt *p, uint64_t h)
{
    int own;
    struct key k;
    key_own(&k, p, h);
    uint32_t i = find_either(f, &k, &own);
    if (i == NIL) start(f, &k, &p->dst, ts, 0, 1, NULL);
    else if (!own && f->pool[i].state == F_PENDING) decide(f, i, WW_OUTCOME_SUCCESS);
    else touch(f, i);
}

/* An ICMP answer to nothing seen: backscatter (core/event.h
 * ww_event_is_reply), one event per (victim, target, type, code). */
static void unasked(struct ww_flows *f, int64_t ts, const struct ww_pkt *p)
{
    struct key k;
    key_own(&k, p, 0);
    uint32_t i = find(f, &k);
    if (i != NIL) touch(f, i);
    else start(f, &k, &p->dst, ts, 0, 0, NULL);
}

static void icmp(struct ww_flows *f, int64_t ts, const struct ww_pkt *p)
{
    int v6 = p->proto == WW_PROTO_ICMP6;
    unsigned type = p->sport;
    unsigned echo = v6 ? 128 : 8, reply = v6 ? 129 : 0;
    struct key k;
    if (v6 ? (type >= 1 && type <= 4)
           : (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)) {
        /* An error: fail the probe it quotes, if that probe is waiting; one
         * quoting a packet never seen was not asked for. */
        if (!p->has_inner) { unasked(f, ts, p); return; }
        uint16_t sp = p->inner_sport, dp = p->inner_dport;
        if ((p->inner_proto == WW_PROTO_ICMP && sp == 8) ||
            (p->inner_proto == WW_PROTO_ICMP6 && sp == 128))
            dp = 0;
        key_set(&k, p->inner_proto, &p->inner_src, &p->inner_dst, sp, dp, 0);
        uint32_t i = find(f, &k);
        if (i == NIL) unasked(f, ts, p);
        else if (f->pool[i].state == F_PENDING) decide(f, i, WW_OUTCOME_FAILURE);
        return;
    }
    /* Replies: echo's, and v4 timestamp, information and mask replies (14,
     * 16, 18) to their requests (13, 15, 17). */
    if (type == reply || (!v6 && (type == 14 || type == 16 || type == 18))) {
        key_set(&k, p->proto, &p->dst, &p->src, (uint16_t)(type == reply ? echo : type - 1), 0, 0);
        uint32_t i = find(f, &k);
        if (i == NIL) unasked(f, ts, p);
        else if (f->pool[i].state == F_PENDING) decide(f, i, WW_OUTCOME_SUCCESS);
        else touch(f, i);
        return;
    }
    /* Probes: echo (answered by a reply), and v4 timestamp, information and
     * address mask requests (outcome unknown). Router and neighbour
     * discovery, MLD and the other informational types are not contacts. */
    int probe = type == echo;
    if (!probe && (v6 || (type != 13 && type != 15 && type != 17))) return;
    key_set(&k, p->proto, &p->src, &p->dst, (uint16_t)type, 0, 0);
    uint32_t i = find(f, &k);
    if (i != NIL) { touch(f, i); return; }
    start(f, &k, &p->dst, ts, 0, probe, NULL);
}

static void other(struct ww_flows *f, int64_t ts, const struct ww_pkt *p, uint64_t h)
{
    int own;
    struct key k;
    key_own(&k, p, h);
    uint32_t i = find_either(f, &k, &own);
    if (i != NIL) touch(f, i);
    else start(f, &k, &p->dst, ts, 0, 0, NULL);
}

/* ---- API ---- */

struct ww_flows *ww_flows_new(size_t capacity, int64_t timeout_us,
                              ww_event_fn emit_fn, void *emit_ctx)
{
    size_t n = 4;
    if (capacity > (1u << 30)) capacity = 1u << 30;
    while (n < capacity) n <<= 1;
    struct ww_flows *f = ww_calloc(1, sizeof *f);
    /* Entries are written when handed out, so the pool's pages stay
     * unmapped until then. A pool of 2 MiB or more starts on a 2 MiB
     * boundary and asks for huge pages: its look-ups land anywhere in it,
     * and with 4 KiB pages most would miss the TLB too (a tenth of the
     * time); others start on a cache line. */
    size_t bytes = n * sizeof *f->pool, align = bytes >= HUGE ? HUGE : 64;
    f->pool_mem = ww_malloc(bytes + align);
    f->pool = (struct flow *)(((uintptr_t)f->pool_mem + align - 1) & ~(uintptr_t)(align - 1));
    if (align == HUGE) ww_mem_huge(f->pool, bytes);
    f->fps = ww_malloc(n * sizeof *f->fps); /* written as SYNs start flows */
    ww_hash_init(&f->index, 2 * n < 4096 ? 2 * n : 4096); /* grows to 2n */
    f->free = NIL; /* the pool is handed out in order; untouched pages stay unmapped */
    f->size = (uint32_t)n;
    f->pending.head = f->pending.tail = f->pending.cur = NIL;
    f->done.head = f->done.tail = f->done.cur = NIL;
    memset(f->recent, 0xff, sizeof f->recent); /* NIL */
    f->timeout = timeout_us > 0 ? timeout_us : 0;
    f->now = INT64_MIN;
    f->emit = emit_fn;
    f->emit_ctx = emit_ctx;
    return f;
}

void ww_flows_packet_hashed(struct ww_flows *f, int64_t ts_us, const struct ww_pkt *p, uint64_t h)
{
    if (ts_us > f->now) f->now = ts_us;
    expire(f);
    switch (p->proto) {
    case WW_PROTO_TCP: tcp(f, ts_us, p, h); break;
    case WW_PROTO_UDP: udp(f, ts_us, p, h); break;
    case WW_PROTO_ICMP: case WW_PROTO_ICMP6: icmp(f, ts_us, p); break;
    default: other(f, ts_us, p, h); break;
    }
}

void ww_flows_packet(struct ww_flows *f, int64_t ts_us, const struct ww_pkt *p)
{
    ww_flows_packet_hashed(f, ts_us, p, p->proto == WW_PROTO_ICMP || p->proto == WW_PROTO_ICMP6 ? 0 : pkt_hash(p));
}

uint64_t ww_flows_prefetch(const struct ww_flows *f, const struct ww_pkt *p)
{
    uint64_t h = pkt_hash(p);
    __builtin_prefetch(&f->index.slot[(uint32_t)h & f->index.mask]);
    return h;
}

void ww_flows_flush(struct ww_flows *f)
{
    while (f->pending.head != NIL) decide(f, f->pending.head, WW_OUTCOME_FAILURE);
}

void ww_flows_free(struct ww_flows *f)
{
    if (!f) return;
    ww_free(f->pool_mem);
    ww_free(f->fps);
    ww_hash_release(&f->index);
    ww_free(f);
}
