/* block.c -- nftables scripts for scanners, loaded through libnftables.
 *
 * The script is text in nft's own language, so a dry run shows exactly what
 * --apply would load, and libnftables runs the whole buffer as one netlink
 * batch: it all applies or nothing does. Idempotence comes from the shape:
 *   add table / add set / add chain   (no-ops when they exist)
 *   flush set allow4, allow6; add the allow elements
 *   flush chain input, forward; add the rules again
 *   add element block4 { a timeout T } ...
 * so running it twice leaves one copy of every rule. Elements already in a
 * block set would keep their old expiry (an `add` of an existing element is
 * a no-op before Linux 6.11), so ww_block_apply first lists the sets (JSON
 * output of libnftables) and puts `delete element` for those before the adds
 * in the same batch: the timeout restarts, and there is no moment without
 * the drop. Existing elements a safeguard now refuses (say, a new --allow)
 * are deleted too. If an element expires between the listing and the batch,
 * the delete fails the batch; it is listed and built again once.
 *
 * Elements are spans, lo..hi of one family (IPv4 mapped, as core/addr.h
 * keeps it, so one 128-bit order serves both): a network is one, and
 * cutting --allow out of a network leaves spans that are not networks,
 * written "lo-hi" (nft's interval syntax; it lists them back as "range").
 * A span is written as a network whenever it is one. Block sets are
 * interval sets, which refuse overlapping elements, so the list is sorted by
 * (lo, larger first) and made disjoint without widening anything: a span
 * inside the last one kept is dropped, one reaching past it keeps only the
 * part past it. (Networks nest or are disjoint, and so do their cuts around
 * one allow list, so only the first case happens for one plan; the second
 * is for spans already in the kernel.)
 *
 * The sensor's ww_block_add adds one element at a time behind a token
 * bucket (rate a minute, burst at once) and remembers what it blocked until
 * the TTL ends, so a scanner detected again is not a new block. A prefix
 * holding elements it blocked before takes the apply path for its one
 * element, replacing them in one batch. */
#include <errno.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <net/if.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "respond/block.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/wtime.h"

#define TABLE "inet wormwatch"
#define MAX_RATE 100000 /* keeps the bucket's arithmetic inside int64 */
#define SCRIPT_MAX ((size_t)1 << 30) /* 1 GiB of nft script: some 13 million networks */

/* ---- spans ---------------------------------------------------------------- */

struct span { struct ww_addr lo, hi; }; /* one family, lo <= hi */
#define SPAN_STRLEN (2 * WW_ADDR_STRLEN)

static int addr_cmp(const struct ww_addr *a, const struct ww_addr *b)
{
    if (a->family != b->family) return a->family - b->family;
    return memcmp(a->b, b->b, 16);
}

static struct span span_of(const struct ww_cidr *c)
{
    struct span s = {c->addr, c->addr};
    unsigned bits = c->len + (c->addr.family == 4 ? 96u : 0u);
    for (unsigned i = bits; i < 128; i++) {
        s.lo.b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
        s.hi.b[i / 8] |= (uint8_t)(0x80u >> (i % 8));
    }
    return s;
}

/* a + 1 (up) or a - 1; never asked past either end of a's family. */
static void step(struct ww_addr *a, int up)
{
    for (int i = 15; i >= 0; i--) {
        a->b[i] = (uint8_t)(up ? a->b[i] + 1 : a->b[i] - 1);
        if (a->b[i] != (up ? 0 : 0xff)) return;
    }
}

static int overlap(const struct span *a, const struct span *b)
{
    return a->lo.family == b->lo.family && addr_cmp(&a->lo, &b->hi) <= 0 && addr_cmp(&b->lo, &a->hi) <= 0;
}

/* a lies in b */
static int inside(const struct span *a, const struct span *b)
{
    return a->lo.family == b->lo.family && addr_cmp(&b->lo, &a->lo) <= 0 && addr_cmp(&a->hi, &b->hi) <= 0;
}

/* 1 and *c if s is exactly a network. */
static int span_cidr(const struct span *s, struct ww_cidr *c)
{
    unsigned k = 0, skip = s->lo.family == 4 ? 96 : 0; /* k: trailing bits 0 in lo, 1 in hi */
    while (k < 128 - skip) {
        unsigned i = 127 - k, m = 0x80u >> (i % 8);
        if ((s->lo.b[i / 8] & m) || !(s->hi.b[i / 8] & m)) break;
        k++;
    }
    c->addr = s->lo;
    c->len = (uint8_t)(128 - skip - k);
    struct span t = span_of(c);
    return ww_addr_eq(&t.lo, &s->lo) && ww_addr_eq(&t.hi, &s->hi);
}

/* "192.0.2.0/24", "192.0.2.7", or "192.0.2.0-192.0.2.6"; buf >= SPAN_STRLEN. */
static char *span_format(const struct span *s, char *buf)
{
    struct ww_cidr c;
    char hi[WW_ADDR_STRLEN];
    if (span_cidr(s, &c)) return ww_cidr_format(&c, buf);
    ww_addr_format(&s->lo, buf);
    snprintf(buf + strlen(buf), SPAN_STRLEN - strlen(buf), "-%s", ww_addr_format(&s->hi, hi));
    return buf;
}

/* (family, lo) ascending, then the larger first */
static int span_cmp(const void *pa, const void *pb)
{
    const struct span *a = pa, *b = pb;
    int c = addr_cmp(&a->lo, &b->lo);
    return c ? c : addr_cmp(&b->hi, &a->hi);
}

static void push(struct span **v, size_t *n, size_t *cap, const struct span *s)
{
    if (*n == *cap) *v = ww_realloc(*v, (*cap = *cap * 2 + 16) * sizeof **v);
    (*v)[(*n)++] = *s;
}

/* Sorts v[0..n) and makes it disjoint, never widening (see the top);
 * returns how many are left. */
static size_t disjoint(struct span *v, size_t n)
{
    if (!n) return 0;
    qsort(v, n, sizeof *v, span_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && overlap(&v[m - 1], &v[i])) {
            if (addr_cmp(&v[i].hi, &v[m - 1].hi) <= 0) continue;
            v[i].lo = v[m - 1].hi;
            step(&v[i].lo, 1);
        }
        v[m++] = v[i];
    }
    return m;
}

/* In sorted, disjoint v: the first span that reaches a (hi >= a), or n. */
static size_t reaching(const struct span *v, size_t n, const struct ww_addr *a)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (addr_cmp(&v[mid].hi, a) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Appends s minus the sorted, disjoint holes to *v: what is left, in order. */
static void cut(const struct span *s, const struct span *holes, size_t nh,
                struct span **v, size_t *n, size_t *cap)
{
    struct span rest = *s;
    for (size_t i = reaching(holes, nh, &s->lo); i < nh && overlap(&rest, &holes[i]); i++) {
        if (addr_cmp(&holes[i].lo, &rest.lo) > 0) {
            struct span piece = {rest.lo, holes[i].lo};
            step(&piece.hi, 0);
            push(v, n, cap, &piece);
        }
        if (addr_cmp(&holes[i].hi, &rest.hi) >= 0) return;
        rest.lo = holes[i].hi;
        step(&rest.lo, 1);
    }
    push(v, n, cap, &rest);
}

enum ww_err ww_block_parse_ports(const char *s, struct ww_portrange *out, size_t max, size_t *n)
{
    const char *end = s + strlen(s);
    *n = 0;
    while (*s) {
        uint64_t lo, hi;
        if (ww_num(&s, end, 65535, &lo) || !lo) return WW_ERR_PARSE;
        hi = lo;
        if (*s == '-' && (s++, ww_num(&s, end, 65535, &hi) || !hi)) return WW_ERR_PARSE;
        if (lo > hi || *n >= max) return WW_ERR_PARSE;
        out[*n].lo = (uint16_t)lo;
        out[(*n)++].hi = (uint16_t)hi;
        if (*s == ',' && s[1]) s++;
        else if (*s) return WW_ERR_PARSE;
    }
    return *n ? WW_OK : WW_ERR_PARSE;
}

/* ---- the handle ----------------------------------------------------------- */

struct own { struct ww_cidr net; char ifname[IF_NAMESIZE]; };
struct known { struct span s; int64_t until_us; };

struct ww_block {
    struct ww_block_opts o; /* allow and ports point to the copies below */
    struct ww_cidr *allow;  /* sorted, networks inside another dropped */
    struct span *allow_sp;  /* the same as spans: sorted and disjoint */
    struct ww_portrange ports[WW_BLOCK_MAX_PORTS];
    struct own *own;
    size_t nown;
    struct nft_ctx *nft;
    int ready;              /* ww_block_add loaded the table */
    int64_t credit;         /* token bucket, in 1/60e6 tokens: a us adds `rate` */
    int64_t last_us;
    struct known *known;
    size_t nknown, capknown;
};

static void say(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t n, const char *fmt, ...)
{
    if (!buf || !n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

/* Whether this process holds CAP_NET_ADMIN (bit 12 of CapEff); 1 when
 * /proc cannot say. Asked first because libnftables writes "Operation not
 * permitted (you must be root)" to stderr itself, past its error buffer. */
static int net_admin(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long caps;
    int yes = 1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "CapEff: %llx", &caps) == 1) yes = (caps >> 12) & 1;
    if (f) fclose(f);
    return yes;
}

struct ww_block *ww_block_open(const struct ww_block_opts *o, char *err, size_t errlen)
{
    if (o->ttl_us < 0 || o->ttl_us > 365 * WW_DAY_US || o->ttl_us % WW_SEC_US ||
        o->nports > WW_BLOCK_MAX_PORTS || o->rate > MAX_RATE || o->burst > MAX_RATE) {
        say(err, errlen, "block: TTL must be whole seconds up to 365d, at most %d port ranges, "
            "rate and burst at most %d", WW_BLOCK_MAX_PORTS, MAX_RATE);
        return NULL;
    }
    struct ifaddrs *ifa;
    if (getifaddrs(&ifa)) {
        say(err, errlen, "cannot list this host's addresses: %s", strerror(errno));
        return NULL;
    }
    struct ww_block *b = ww_calloc(1, sizeof *b);
    b->o = *o;
    if (!b->o.ttl_us) b->o.ttl_us = WW_DAY_US;
    if (!b->o.rate) b->o.rate = 10;
    if (!b->o.burst) b->o.burst = b->o.rate;
    b->allow = ww_calloc(o->nallow + 1, sizeof *b->allow);
    b->allow_sp = ww_calloc(o->nallow + 1, sizeof *b->allow_sp);
    for (size_t i = 0; i < o->nallow; i++) b->allow_sp[i] = span_of(&o->allow[i]);
    b->o.nallow = disjoint(b->allow_sp, o->nallow); /* CIDRs nest: nothing is cut */
    for (size_t i = 0; i < b->o.nallow; i++) span_cidr(&b->allow_sp[i], &b->allow[i]);
    if (o->nports) memcpy(b->ports, o->ports, o->nports * sizeof *b->ports);
    b->o.allow = b->allow;
    b->o.ports = b->ports;
    size_t cap = 0;
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr) continue;
        struct ww_cidr c = {0};
        if (i->ifa_addr->sa_family == AF_INET) {
            ww_addr_from_v4(&c.addr, (const uint8_t *)&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr);
            c.len = 32;
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            ww_addr_from_v6(&c.addr, ((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr.s6_addr);
            c.len = 128;
        } else {
            continue;
        }
        if (b->nown == cap) b->own = ww_realloc(b->own, (cap = cap * 2 + 8) * sizeof *b->own);
        b->own[b->nown].net = c;
        snprintf(b->own[b->nown++].ifname, IF_NAMESIZE, "%s", i->ifa_name ? i->ifa_name : "?");
    }
    freeifaddrs(ifa);
    b->credit = (int64_t)b->o.burst * WW_MIN_US;
    if (!o->dry_run && !net_admin()) {
        say(err, errlen, "changing nftables needs CAP_NET_ADMIN (run as root)");
        ww_block_close(b);
        return NULL;
    }
    if (!o->dry_run) {
        if (!(b->nft = nft_ctx_new(NFT_CTX_DEFAULT))) {
            say(err, errlen, "libnftables: cannot make a context");
            ww_block_close(b);
            return NULL;
        }
        nft_ctx_buffer_output(b->nft);
        nft_ctx_buffer_error(b->nft);
    }
    return b;
}

void ww_block_close(struct ww_block *b)
{
    if (!b) return;
    if (b->nft) nft_ctx_free(b->nft);
    ww_free(b->allow);
    ww_free(b->allow_sp);
    ww_free(b->own);
    ww_free(b->known);
    ww_free(b);
}

/* ---- safeguards ----------------------------------------------------------- */

/* s overlaps protected network p: "WHAT (p)" if s lies in p, else
 * "contains WHAT (p)". */
static int spare(const struct span *s, const struct ww_cidr *p, const char *what, char *why, size_t n)
{
    struct span ps = span_of(p);
    if (!overlap(s, &ps)) return 0;
    char t[WW_CIDR_STRLEN];
    ww_cidr_format(p, t);
    if (inside(s, &ps)) say(why, n, "%s (%s)", what, t);
    else say(why, n, "contains %s (%s)", what, t);
    return 1;
}

/* 1 if s holds loopback, the unspecified address or this host's own: all
 * of s is spared. */
static int guarded(const struct ww_block *b, const struct span *s, char *why, size_t n)
{
    static const struct ww_cidr fixed[] = {
        {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 0}, 4}, 8},
        {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 6}, 128},
        {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}, 4}, 32},
        {{{0}, 6}, 128},
    };
    for (size_t i = 0; i < 4; i++)
        if (spare(s, &fixed[i], i < 2 ? "loopback" : "the unspecified address", why, n)) return 1;
    char what[IF_NAMESIZE + 40];
    for (size_t i = 0; i < b->nown; i++) {
        snprintf(what, sizeof what, "an address of this host, on %s", b->own[i].ifname);
        if (spare(s, &b->own[i].net, what, why, n)) return 1;
    }
    return 0;
}

/* How many allowed networks s overlaps, from *first on: one that s lies
 * in, or those it holds (cut out of it). */
static size_t allows_in(const struct ww_block *b, const struct span *s, size_t *first)
{
    size_t i = *first = reaching(b->allow_sp, b->o.nallow, &s->lo);
    while (i < b->o.nallow && overlap(s, &b->allow_sp[i])) i++;
    return i - *first;
}

/* 1 if s lies in an allowed network: none of it is blocked. */
static int allowed(const struct ww_block *b, const struct span *s, char *why, size_t n)
{
    size_t i;
    if (!allows_in(b, s, &i) || !inside(s, &b->allow_sp[i])) return 0;
    char t[WW_CIDR_STRLEN];
    say(why, n, "allowed by --allow (%s)", ww_cidr_format(&b->allow[i], t));
    return 1;
}

int ww_block_check(const struct ww_block *b, const struct ww_cidr *c, char *why, size_t n)
{
    struct span s = span_of(c);
    return guarded(b, &s, why, n) || allowed(b, &s, why, n);
}

/* ---- script text ---------------------------------------------------------- */

/* Scripts are built in a struct ww_buf of at most SCRIPT_MAX bytes; its
 * failure sticks, so a builder checks once, when it takes the text. */

/* "1d", "36h", "90m", "45s": the largest unit that divides the TTL. */
static const char *dur_text(int64_t us, char *buf, size_t n)
{
    long long s = (long long)(us / WW_SEC_US);
    if (s % WW_DAY_S == 0) snprintf(buf, n, "%lldd", s / WW_DAY_S);
    else if (s % WW_HOUR_S == 0) snprintf(buf, n, "%lldh", s / WW_HOUR_S);
    else if (s % WW_MIN_S == 0) snprintf(buf, n, "%lldm", s / WW_MIN_S);
    else snprintf(buf, n, "%llds", s);
    return buf;
}

static const char *setname(const struct ww_addr *a, const char *kind)
{
    static const char *const names[2][2] = {{"block4", "block6"}, {"allow4", "allow6"}};
    return names[kind[0] == 'a'][a->family == 6];
}

/* The elements for nets (malloc'd, *out of them, sorted and disjoint): each
 * network a safeguard spares left out, the rest cut around --allow; the
 * caller hears of both. */
static struct span *plan(const struct ww_block *b, const struct ww_cidr *nets, size_t n,
                         size_t *out, ww_block_note_fn *note, void *ctx)
{
    struct span *v = NULL;
    size_t k = 0, cap = 0;
    char why[160], t[WW_CIDR_STRLEN];
    for (size_t i = 0; i < n; i++) {
        if (nets[i].addr.family != 4 && nets[i].addr.family != 6) continue;
        struct span s = span_of(&nets[i]);
        if (guarded(b, &s, why, sizeof why) || allowed(b, &s, why, sizeof why)) {
            if (note) note(ctx, &nets[i], why);
            continue;
        }
        size_t first, na = allows_in(b, &s, &first);
        for (size_t a = first; note && a < first + na; a++) {
            say(why, sizeof why, "allowed by --allow, cut out of %s", ww_cidr_format(&nets[i], t));
            note(ctx, &b->allow[a], why);
        }
        cut(&s, b->allow_sp, b->o.nallow, &v, &k, &cap);
    }
    *out = disjoint(v, k);
    return v ? v : ww_calloc(1, sizeof *v);
}

static void base_script(const struct ww_block *b, struct ww_buf *s)
{
    static const char *const chains[2] = {"input", "forward"};
    char t[WW_CIDR_STRLEN];
    ww_buf_addf(s, "add table " TABLE "\n");
    for (int f = 4; f <= 6; f += 2) ww_buf_addf(s, "add set " TABLE " block%d { type ipv%d_addr; flags interval, timeout; }\n", f, f);
    for (int f = 4; f <= 6; f += 2) ww_buf_addf(s, "add set " TABLE " allow%d { type ipv%d_addr; flags interval; }\n", f, f);
    for (int f = 4; f <= 6; f += 2) ww_buf_addf(s, "flush set " TABLE " allow%d\n", f);
    /* The allow sets are interval sets too: the list is kept sorted, without nesting. */
    for (size_t i = 0; i < b->o.nallow; i++)
        ww_buf_addf(s, "add element " TABLE " %s { %s }\n", setname(&b->allow[i].addr, "allow"),
                    ww_cidr_format(&b->allow[i], t));
    for (int c = 0; c < 2; c++)
        ww_buf_addf(s, "add chain " TABLE " %s { type filter hook %s priority filter - 10; policy accept; }\n",
                    chains[c], chains[c]);
    for (int c = 0; c < 2; c++) ww_buf_addf(s, "flush chain " TABLE " %s\n", chains[c]);
    for (int c = 0; c < 2; c++) {
        if (c == 0) ww_buf_addf(s, "add rule " TABLE " input iif \"lo\" accept\n");
        ww_buf_addf(s, "add rule " TABLE " %s ip saddr @block4 counter drop\n", chains[c]);
        ww_buf_addf(s, "add rule " TABLE " %s ip6 saddr @block6 counter drop\n", chains[c]);
        if (!b->o.nports) continue;
        for (int f = 4; f <= 6; f += 2) {
            ww_buf_addf(s, "add rule " TABLE " %s ip%s saddr != @allow%d meta l4proto { tcp, udp } th dport { ",
                        chains[c], f == 6 ? "6" : "", f);
            for (size_t i = 0; i < b->o.nports; i++) {
                ww_buf_addf(s, "%s%u", i ? ", " : "", b->ports[i].lo);
                if (b->ports[i].hi != b->ports[i].lo) ww_buf_addf(s, "-%u", b->ports[i].hi);
            }
            ww_buf_addf(s, " } counter drop\n");
        }
    }
}

static void elements(const struct ww_block *b, struct ww_buf *s, const struct span *v, size_t n)
{
    char t[SPAN_STRLEN], d[32];
    dur_text(b->o.ttl_us, d, sizeof d);
    for (size_t i = 0; i < n; i++)
        ww_buf_addf(s, "add element " TABLE " %s { %s timeout %s }\n", setname(&v[i].lo, "block"),
                    span_format(&v[i], t), d);
}

char *ww_block_script(const struct ww_block *b, const struct ww_cidr *nets, size_t n,
                      ww_block_note_fn *note, void *ctx)
{
    size_t m, n4 = 0;
    struct span *v = plan(b, nets, n, &m, note, ctx);
    for (size_t i = 0; i < m; i++) n4 += v[i].lo.family == 4;
    struct ww_buf s;
    char d[32];
    ww_buf_init(&s, SCRIPT_MAX);
    ww_buf_addf(&s, "# wormwatch block: %zu IPv4 and %zu IPv6 to drop for %s\n", n4, m - n4,
                dur_text(b->o.ttl_us, d, sizeof d));
    base_script(b, &s);
    elements(b, &s, v, m);
    ww_free(v);
    return ww_buf_take(&s);
}

/* ---- libnftables ---------------------------------------------------------- */

/* Runs a script (NULL: it passed SCRIPT_MAX); on failure copies
 * libnftables' message (trimmed) to err. */
static int run(struct ww_block *b, const char *script, char *err, size_t errlen)
{
    if (!script) {
        say(err, errlen, "block: the nftables script would pass %zu MiB", SCRIPT_MAX >> 20);
        return WW_ERR_LIMIT;
    }
    int rc = nft_run_cmd_from_buffer(b->nft, script);
    const char *e = nft_ctx_get_error_buffer(b->nft);
    if (!rc) return WW_OK;
    if (!e || !*e) e = "libnftables failed without a message";
    size_t len = strlen(e);
    while (len && (e[len - 1] == '\n' || e[len - 1] == ' ')) len--;
    say(err, errlen, "nftables: %.*s", (int)len, e);
    return WW_ERR_IO;
}

/* One element of a set as libnftables' JSON lists it: "a", {"prefix":
 * {"addr": "a", "len": N}} or {"range": ["a", "b"]}. 1 and *s if it is one. */
static int json_span(json_t *val, struct span *s)
{
    json_t *pre = json_object_get(val, "prefix"), *range = json_object_get(val, "range");
    const char *a = json_string_value(pre ? json_object_get(pre, "addr") : range ? json_array_get(range, 0) : val);
    const char *z = range ? json_string_value(json_array_get(range, 1)) : NULL;
    struct ww_cidr c;
    if (!a || ww_cidr_parse(a, strlen(a), &c)) return 0;
    if (pre) {
        json_int_t len = json_integer_value(json_object_get(pre, "len"));
        if (len < 0 || len > c.len) return 0;
        c.len = (uint8_t)len;
    }
    *s = span_of(&c);
    if (!range) return 1;
    struct ww_cidr hi;
    if (!z || ww_cidr_parse(z, strlen(z), &hi) || addr_cmp(&hi.addr, &s->lo) < 0) return 0;
    s->hi = hi.addr;
    return 1;
}

/* Elements now in block4/block6, sorted (none if the table is missing). */
static struct span *existing(struct ww_block *b, size_t *n)
{
    struct span *v = NULL;
    size_t cap = 0;
    *n = 0;
    unsigned flags = nft_ctx_output_get_flags(b->nft);
    nft_ctx_output_set_flags(b->nft, flags | NFT_CTX_OUTPUT_JSON);
    for (int f = 4; f <= 6; f += 2) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "list set " TABLE " block%d", f);
        int rc = nft_run_cmd_from_buffer(b->nft, cmd);
        const char *out = nft_ctx_get_output_buffer(b->nft);
        nft_ctx_get_error_buffer(b->nft); /* drop "no such set" */
        json_t *j = rc ? NULL : json_loads(out ? out : "", 0, NULL), *item, *el;
        size_t i, k;
        json_array_foreach(json_object_get(j, "nftables"), i, item) {
            json_array_foreach(json_object_get(json_object_get(item, "set"), "elem"), k, el) {
                struct span sp;
                json_t *val = json_object_get(el, "elem") ? json_object_get(json_object_get(el, "elem"), "val") : el;
                if (json_span(val, &sp)) push(&v, n, &cap, &sp);
            }
        }
        json_decref(j);
    }
    nft_ctx_output_set_flags(b->nft, flags);
    if (v) qsort(v, *n, sizeof *v, span_cmp);
    return v;
}

/* Loads the table and the elements v[0..m) (sorted, disjoint) in one
 * transaction, reconciled with the sets' elements now: deleted are those a
 * safeguard refuses now (--allow now takes any part of them) and those a
 * new element holds (added again: the timeout restarts); the new elements
 * are added only where the old ones left are not. */
static int sync(struct ww_block *b, const struct span *v, size_t m, size_t *added, char *err, size_t errlen)
{
    int rc = WW_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t ne, nkeep = 0, nadd = 0, capadd = 0;
        struct span *old = existing(b, &ne), *add = NULL;
        struct span *keep = ww_calloc(ne + 1, sizeof *keep);
        struct ww_buf s;
        char t[SPAN_STRLEN];
        ww_buf_init(&s, SCRIPT_MAX);
        base_script(b, &s);
        for (size_t i = 0; i < ne; i++) {
            size_t j = reaching(v, m, &old[i].lo);
            size_t a;
            if (guarded(b, &old[i], NULL, 0) || allows_in(b, &old[i], &a) || (j < m && inside(&old[i], &v[j])))
                ww_buf_addf(&s, "delete element " TABLE " %s { %s }\n", setname(&old[i].lo, "block"),
                            span_format(&old[i], t));
            else
                keep[nkeep++] = old[i];
        }
        for (size_t j = 0; j < m; j++) cut(&v[j], keep, nkeep, &add, &nadd, &capadd);
        elements(b, &s, add, nadd);
        char *script = ww_buf_take(&s);
        rc = run(b, script, err, errlen);
        ww_free(script);
        ww_free(add);
        ww_free(keep);
        ww_free(old);
        if (added) *added = rc ? 0 : nadd;
        if (!rc) break;
    }
    return rc;
}

int ww_block_apply(struct ww_block *b, const struct ww_cidr *nets, size_t n, size_t *added,
                   ww_block_note_fn *note, void *ctx, char *err, size_t errlen)
{
    if (!b->nft) { say(err, errlen, "block: handle opened as a dry run"); return WW_ERR_ARG; }
    size_t m;
    struct span *v = plan(b, nets, n, &m, note, ctx);
    int rc = sync(b, v, m, added, err, errlen);
    ww_free(v);
    return rc;
}

int ww_block_remove(struct ww_block *b, char *err, size_t errlen)
{
    if (!b->nft) { say(err, errlen, "block: handle opened as a dry run"); return WW_ERR_ARG; }
    /* add-then-delete in one batch: no error when the table is missing. */
    return run(b, "add table " TABLE "\ndelete table " TABLE "\n", err, errlen);
}

/* ---- one at a time, for the sensor ---------------------------------------- */

enum ww_block_result ww_block_add(struct ww_block *b, const struct ww_cidr *c, int64_t now_us,
                                  char *why, size_t n)
{
    if ((c->addr.family != 4 && c->addr.family != 6) || c->len > (c->addr.family == 4 ? 32 : 128)) {
        say(why, n, "not an address or network");
        return WW_BLOCK_SPARED;
    }
    struct span sp = span_of(c);
    struct ww_cidr net = {sp.lo, c->len};
    char t[WW_CIDR_STRLEN], d[32], reason[512];
    ww_cidr_format(&net, t);
    if (guarded(b, &sp, reason, sizeof reason) || allowed(b, &sp, reason, sizeof reason)) {
        say(why, n, "not blocking %s: %s", t, reason);
        return WW_BLOCK_SPARED;
    }
    size_t k = 0;
    int known = 0, holds = 0; /* sp lies in a known element; holds one */
    for (size_t i = 0; i < b->nknown; i++) {
        if (b->known[i].until_us <= now_us) continue;
        known |= inside(&sp, &b->known[i].s);
        holds |= inside(&b->known[i].s, &sp);
        b->known[k++] = b->known[i];
    }
    b->nknown = k;
    if (known) { say(why, n, "%s is blocked already", t); return WW_BLOCK_KNOWN; }
    struct span *v = NULL;
    size_t nv = 0, cap = 0;
    cut(&sp, b->allow_sp, b->o.nallow, &v, &nv, &cap);
    if (!nv) { /* allowed networks that together cover it: nothing to block */
        size_t first, na = allows_in(b, &sp, &first);
        say(why, n, "not blocking %s: covered by --allow", t);
        for (size_t a = first; why && a < first + na; a++) {
            size_t len = strlen(why);
            say(why + len, n - len, "%s%s%s", a == first ? " (" : ", ", ww_cidr_format(&b->allow[a], t),
                a + 1 == first + na ? ")" : "");
        }
        ww_free(v);
        return WW_BLOCK_SPARED;
    }
    int64_t full = (int64_t)b->o.burst * WW_MIN_US;
    if (now_us > b->last_us) {
        int64_t dt = now_us - b->last_us;
        b->credit = dt >= full ? full : b->credit + dt * b->o.rate;
        if (b->credit > full) b->credit = full;
        b->last_us = now_us;
    }
    if (b->credit < WW_MIN_US) {
        ww_free(v);
        say(why, n, "not blocking %s: over the limit of %u new blocks a minute", t, b->o.rate);
        return WW_BLOCK_LIMITED;
    }
    if (b->nft && holds) { /* replaces what it holds, as ww_block_apply does */
        int rc = sync(b, v, nv, NULL, reason, sizeof reason);
        b->ready |= !rc;
        if (rc) {
            ww_free(v);
            say(why, n, "blocking %s failed: %s", t, reason);
            return WW_BLOCK_FAILED;
        }
    }
    /* The first add loads the table; if an add fails, the table may be gone
     * (`block --remove`), so it is loaded again, once. */
    for (int rc = 1, tries = 0; b->nft && !holds && rc; tries++) {
        struct ww_buf s;
        ww_buf_init(&s, SCRIPT_MAX);
        if (!b->ready) base_script(b, &s);
        elements(b, &s, v, nv);
        char *script = ww_buf_take(&s);
        rc = run(b, script, reason, sizeof reason);
        ww_free(script);
        int again = rc && b->ready;
        b->ready = !rc;
        if (rc && (!again || tries)) {
            ww_free(v);
            say(why, n, "blocking %s failed: %s", t, reason);
            return WW_BLOCK_FAILED;
        }
    }
    ww_free(v);
    b->credit -= WW_MIN_US;
    k = 0;
    for (size_t i = 0; i < b->nknown; i++) /* what it holds is gone from the sets */
        if (!inside(&b->known[i].s, &sp)) b->known[k++] = b->known[i];
    b->nknown = k;
    if (b->nknown == b->capknown)
        b->known = ww_realloc(b->known, (b->capknown = b->capknown * 2 + 16) * sizeof *b->known);
    b->known[b->nknown++] = (struct known){sp, now_us + b->o.ttl_us};
    say(why, n, "blocked %s for %s", t, dur_text(b->o.ttl_us, d, sizeof d));
    size_t first, na = allows_in(b, &sp, &first);
    for (size_t a = first; why && a < first + na; a++) {
        size_t len = strlen(why);
        say(why + len, n - len, "%s%s", a == first ? ", but for --allow " : ", ", ww_cidr_format(&b->allow[a], t));
    }
    return WW_BLOCK_ADDED;
}
