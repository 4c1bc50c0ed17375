/* backscatter.c -- a DoS victim's replies to spoofed packets, grouped into
 * attacks.
 *
 * A flood with spoofed random sources makes its victim answer addresses
 * that never wrote to it: SYN-ACKs from an open port, RSTs from a closed
 * one, ICMP echo replies, port or host unreachables, time exceeded from a
 * router on the way. A sensor that receives such a reply unasked sees the
 * victim as the reply's source and itself among the spoofed addresses
 * (Moore, Voelker and Savage, "Inferring Internet Denial-of-Service
 * Activity", USENIX Security 2001). ww_event_is_reply (core/event.h) says
 * which events are replies; scan.c does not count them as probes, so a
 * victim is never taken for a scanner, and they are reported here.
 *
 * Attacks, as Moore et al. defined them: a flow keyed on (victim, IP
 * protocol) that ends when the victim has been quiet for gap_us (5 min, as
 * theirs). An ICMP error quotes the packet that caused it; events carry
 * no quote, and the victim is the error's source whatever it quotes. An
 * attack is reported when it holds at least min_records (25) replies:
 * Moore et al. likewise dropped small flows as noise. 25 sits above what a
 * sensor gets unasked from a host when nobody attacks it -- a server's late
 * RSTs or FIN-ACK retransmissions after a firewall forgot a connection
 * come in ones and twos -- and below what a small sensor sees of a real
 * attack: a /24 receives 2^-24 of a uniformly spoofed flood's replies, so
 * 25 of them stand for some 400 million. There is no minimum duration: at
 * a small sensor's share, minutes of attack are a handful of records, and a
 * test flood from hping3 lasts seconds. `targets` counts the distinct
 * addresses the replies went to (core/dcount.h: exact to 128, then
 * HyperLogLog); with uniformly spoofed sources it grows with records.
 *
 * Events may come slightly out of order (pooled files): one within gap_us
 * of the open attack's span joins it; one further before it, or after it,
 * closes it and opens the next.
 *
 * Memory: victims with an open attack live in a dense array `ents` found
 * through `index` (core/hash.h), 64 bytes each plus index, plus the
 * targets counter (64 bytes at 2..6 targets, up to 2 KiB at 128, then a
 * 4.2 KiB HLL). Every gap_us of event time (the latest timestamp seen) the
 * victims quiet for longer are closed and forgotten; when max_victims
 * (2^16) are open and a new one comes, the idle ones go and, if that is
 * not enough, the least recently seen quarter is closed early (an attack
 * cut so may be reported again in two parts). Closed attacks that qualify
 * are kept (48 bytes each) up to max_attacks (2^16), then counted as
 * dropped. So the table stays below 2^16 * (~90 B + the victims' counters)
 * plus 3 MiB of results. Hot path: no allocation but amortized growth. */
#include "detect/backscatter.h"

#include <stdlib.h>
#include <string.h>

#include "core/dcount.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/wtime.h"

struct vic {
    struct ww_addr addr;
    uint8_t proto;
    uint8_t dead;              /* marked by a sweep */
    int64_t start_us, last_us;
    uint64_t records;
    struct ww_dcount targets;
};

struct ww_backscatter {
    struct ww_backscatter_opts o;
    struct vic *ents;
    size_t n, cap;
    struct ww_hash index;
    size_t heap;               /* ww_dcount heap bytes of all entries */
    struct ww_sweep_clock clk;     /* event time; idle state swept as it passes */
    struct ww_backscatter_attack *done, *res;
    size_t ndone, capdone, nres;
    uint64_t dropped;
};

void ww_backscatter_opts_default(struct ww_backscatter_opts *o)
{
    o->gap_us = 5 * 60 * INT64_C(1000000);
    o->min_records = 25;
    o->max_victims = (size_t)1 << 16;
    o->max_attacks = (size_t)1 << 16;
}

struct ww_backscatter *ww_backscatter_new(const struct ww_backscatter_opts *o)
{
    struct ww_backscatter *b = ww_calloc(1, sizeof *b);
    if (o) b->o = *o;
    else ww_backscatter_opts_default(&b->o);
    if (b->o.max_victims < 4) b->o.max_victims = 4;
    if (b->o.max_victims > UINT32_MAX / 4) b->o.max_victims = UINT32_MAX / 4;
    if (b->o.min_records < 1) b->o.min_records = 1;
    b->cap = 64;
    b->ents = ww_malloc(b->cap * sizeof *b->ents);
    ww_hash_init(&b->index, 2 * b->cap);
    return b;
}

static uint64_t key_hash(const struct ww_addr *a, uint8_t proto)
{
    return ww_addr_hash(a) ^ ww_hash64(proto);
}

struct key { const struct ww_addr *a; uint8_t proto; };

static int same_key(const void *ents, uint32_t i, const void *k)
{
    const struct vic *v = &((const struct vic *)ents)[i];
    const struct key *key = k;
    return v->proto == key->proto && ww_addr_eq(&v->addr, key->a);
}

/* The attack in v ends: kept if it qualifies; v's counter is released. */
static void close_attack(struct ww_backscatter *b, struct vic *v)
{
    if (v->records >= b->o.min_records) {
        if (b->ndone == b->o.max_attacks) {
            b->dropped++;
        } else {
            if (b->ndone == b->capdone) {
                b->capdone = b->capdone ? 2 * b->capdone : 16;
                b->done = ww_realloc(b->done, b->capdone * sizeof *b->done);
            }
            b->done[b->ndone++] = (struct ww_backscatter_attack){
                v->addr, v->proto, v->start_us, v->last_us, v->records,
                ww_dcount_count(&v->targets)};
        }
    }
    b->heap -= ww_dcount_bytes(&v->targets);
    ww_dcount_release(&v->targets);
}

static int cmp_last(const void *x, const void *y)
{
    int64_t a = (*(struct vic *const *)x)->last_us, c = (*(struct vic *const *)y)->last_us;
    return a < c ? -1 : a > c;
}

/* Closes the victims quiet for more than gap_us, then the least recently
 * seen until at most `keep` remain; compacts and re-indexes the rest. */
static void sweep(struct ww_backscatter *b, size_t keep)
{
    size_t live = 0;
    for (size_t k = 0; k < b->n; k++) {
        b->ents[k].dead = b->clk.now_us - b->ents[k].last_us > b->o.gap_us;
        live += !b->ents[k].dead;
    }
    if (live > keep) {
        struct vic **v = ww_malloc(live * sizeof *v);
        size_t m = 0;
        for (size_t k = 0; k < b->n; k++)
            if (!b->ents[k].dead) v[m++] = &b->ents[k];
        qsort(v, m, sizeof *v, cmp_last);
        for (size_t j = 0; j < live - keep; j++) v[j]->dead = 1;
        ww_free(v);
    }
    size_t w = 0;
    for (size_t k = 0; k < b->n; k++) {
        if (b->ents[k].dead) close_attack(b, &b->ents[k]);
        else b->ents[w++] = b->ents[k];
    }
    b->n = w;
    ww_hash_clear(&b->index);
    for (size_t k = 0; k < b->n; k++)
        ww_hash_put(&b->index, key_hash(&b->ents[k].addr, b->ents[k].proto), (uint32_t)k);
}

void ww_backscatter_event(struct ww_backscatter *b, const struct ww_event *ev)
{
    if (!ww_event_is_reply(ev) || !ev->src.family) return;
    int due;
    int64_t ts = ww_sweep_tick(&b->clk, ev->ts_us, b->o.gap_us, &due); /* +-2^61 us: differences in range */
    if (due) sweep(b, SIZE_MAX);
    struct key k = {&ev->src, ev->proto};
    uint64_t h = key_hash(&ev->src, ev->proto);
    uint32_t i = ww_hash_find(&b->index, h, same_key, b->ents, &k);
    struct vic *v;
    if (i == WW_HASH_NONE) {
        if (b->n >= b->o.max_victims) {
            sweep(b, b->o.max_victims - b->o.max_victims / 4);
        }
        if (b->n == b->cap) {
            b->cap *= 2;
            b->ents = ww_realloc(b->ents, b->cap * sizeof *b->ents);
        }
        v = &b->ents[b->n];
        *v = (struct vic){.addr = ev->src, .proto = ev->proto, .start_us = ts, .last_us = ts};
        ww_hash_add(&b->index, h, (uint32_t)b->n++);
    } else {
        v = &b->ents[i];
        if (ts - v->last_us > b->o.gap_us || v->start_us - ts > b->o.gap_us) {
            close_attack(b, v);  /* the next attack begins */
            *v = (struct vic){.addr = ev->src, .proto = ev->proto, .start_us = ts, .last_us = ts};
        }
    }
    if (ts < v->start_us) v->start_us = ts;
    if (ts > v->last_us) v->last_us = ts;
    v->records += ev->count ? ev->count : 1;
    size_t before = ww_dcount_bytes(&v->targets);
    ww_dcount_add(&v->targets, ww_addr_hash(&ev->dst));
    b->heap += ww_dcount_bytes(&v->targets) - before;
}

static int cmp_attack(const void *x, const void *y)
{
    const struct ww_backscatter_attack *a = x, *c = y;
    if (a->records != c->records) return a->records > c->records ? -1 : 1;
    if (a->start_us != c->start_us) return a->start_us < c->start_us ? -1 : 1;
    if (a->proto != c->proto) return a->proto < c->proto ? -1 : 1;
    return memcmp(a->victim.b, c->victim.b, sizeof a->victim.b);
}

size_t ww_backscatter_results(struct ww_backscatter *b, const struct ww_backscatter_attack **out)
{
    ww_free(b->res);
    b->res = ww_malloc((b->ndone + b->n + 1) * sizeof *b->res);
    if (b->ndone) memcpy(b->res, b->done, b->ndone * sizeof *b->res);
    b->nres = b->ndone;
    for (size_t k = 0; k < b->n; k++) {
        const struct vic *v = &b->ents[k];
        if (v->records >= b->o.min_records)
            b->res[b->nres++] = (struct ww_backscatter_attack){
                v->addr, v->proto, v->start_us, v->last_us, v->records,
                ww_dcount_count(&v->targets)};
    }
    qsort(b->res, b->nres, sizeof *b->res, cmp_attack);
    *out = b->res;
    return b->nres;
}

uint64_t ww_backscatter_dropped(const struct ww_backscatter *b)
{
    return b->dropped;
}

size_t ww_backscatter_memory(const struct ww_backscatter *b)
{
    return sizeof *b + b->cap * sizeof *b->ents + ww_hash_bytes(&b->index) + b->heap +
           (b->capdone + b->nres) * sizeof *b->done;
}

void ww_backscatter_free(struct ww_backscatter *b)
{
    if (!b) return;
    for (size_t k = 0; k < b->n; k++) ww_dcount_release(&b->ents[k].targets);
    ww_free(b->ents);
    ww_hash_release(&b->index);
    ww_free(b->done);
    ww_free(b->res);
    ww_free(b);
}
