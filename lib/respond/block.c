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
 * Block sets are interval sets, which refuse overlapping elements, so the
 * list is sorted and a network inside an earlier one is dropped: prefixes
 * nest or are disjoint, so sorted by (address, length) the only candidate
 * cover of an element is the last one kept.
 *
 * The sensor's ww_block_add adds one element at a time behind a token
 * bucket (rate a minute, burst at once) and remembers what it blocked until
 * the TTL ends, so a scanner detected again is not a new block. */
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

/* ---- networks ------------------------------------------------------------- */

static int cidr_cmp(const void *pa, const void *pb)
{
    const struct ww_cidr *a = pa, *b = pb;
    if (a->addr.family != b->addr.family) return a->addr.family - b->addr.family;
    int c = memcmp(a->addr.b, b->addr.b, 16);
    return c ? c : a->len - b->len;
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
struct known { struct ww_addr a; int64_t until_us; };

struct ww_block {
    struct ww_block_opts o; /* allow and ports point to the copies below */
    struct ww_cidr *allow;
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
    if (o->nallow) memcpy(b->allow, o->allow, o->nallow * sizeof *b->allow);
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
    ww_free(b->own);
    ww_free(b->known);
    ww_free(b);
}

/* ---- safeguards ----------------------------------------------------------- */

/* c overlaps protected network p: say "WHAT (p)" if c lies inside p, else
 * "contains WHAT (p)", or `outer` instead of that when given. */
static int spare(const struct ww_cidr *c, const struct ww_cidr *p, const char *what,
                 const char *outer, char *why, size_t n)
{
    if (!ww_cidr_overlaps(c, p)) return 0;
    char t[WW_CIDR_STRLEN];
    ww_cidr_format(p, t);
    if (c->len >= p->len) say(why, n, "%s (%s)", what, t);
    else if (outer) say(why, n, "%s (%s)", outer, t);
    else say(why, n, "contains %s (%s)", what, t);
    return 1;
}

int ww_block_check(const struct ww_block *b, const struct ww_cidr *c, char *why, size_t n)
{
    static const struct ww_cidr fixed[] = {
        {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 0}, 4}, 8},
        {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 6}, 128},
        {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}, 4}, 32},
        {{{0}, 6}, 128},
    };
    for (size_t i = 0; i < 4; i++)
        if (spare(c, &fixed[i], i < 2 ? "loopback" : "the unspecified address", NULL, why, n)) return 1;
    char what[IF_NAMESIZE + 40];
    for (size_t i = 0; i < b->nown; i++) {
        snprintf(what, sizeof what, "an address of this host, on %s", b->own[i].ifname);
        if (spare(c, &b->own[i].net, what, NULL, why, n)) return 1;
    }
    for (size_t i = 0; i < b->o.nallow; i++)
        if (spare(c, &b->allow[i], "allowed by --allow", "overlaps --allow", why, n)) return 1;
    return 0;
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

static const char *setname(const struct ww_cidr *c, const char *kind)
{
    static const char *const names[2][2] = {{"block4", "block6"}, {"allow4", "allow6"}};
    return names[kind[0] == 'a'][c->addr.family == 6];
}

/* The safeguarded, sorted, non-overlapping subset of nets (malloc'd). */
static struct ww_cidr *plan(const struct ww_block *b, const struct ww_cidr *nets, size_t n,
                            size_t *out, ww_block_note_fn *note, void *ctx)
{
    struct ww_cidr *v = ww_calloc(n + 1, sizeof *v);
    size_t k = 0;
    char why[160];
    for (size_t i = 0; i < n; i++) {
        if (nets[i].addr.family != 4 && nets[i].addr.family != 6) continue;
        if (ww_block_check(b, &nets[i], why, sizeof why)) {
            if (note) note(ctx, &nets[i], why);
        } else {
            v[k++] = nets[i];
        }
    }
    qsort(v, k, sizeof *v, cidr_cmp);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (!m || !ww_cidr_overlaps(&v[m - 1], &v[i]))
            v[m++] = v[i];
    *out = m;
    return v;
}

static void base_script(const struct ww_block *b, struct ww_buf *s)
{
    static const char *const chains[2] = {"input", "forward"};
    char t[WW_CIDR_STRLEN];
    ww_buf_addf(s, "add table " TABLE "\n");
    for (int f = 4; f <= 6; f += 2) ww_buf_addf(s, "add set " TABLE " block%d { type ipv%d_addr; flags interval, timeout; }\n", f, f);
    for (int f = 4; f <= 6; f += 2) ww_buf_addf(s, "add set " TABLE " allow%d { type ipv%d_addr; flags interval; }\n", f, f);
    for (int f = 4; f <= 6; f += 2) ww_buf_addf(s, "flush set " TABLE " allow%d\n", f);
    /* The allow sets are interval sets too: give them the same cleaned list. */
    size_t na;
    struct ww_cidr *allow = ww_calloc(b->o.nallow + 1, sizeof *allow);
    memcpy(allow, b->allow, b->o.nallow * sizeof *allow);
    qsort(allow, b->o.nallow, sizeof *allow, cidr_cmp);
    na = 0;
    for (size_t i = 0; i < b->o.nallow; i++)
        if (!na || !ww_cidr_overlaps(&allow[na - 1], &allow[i]))
            allow[na++] = allow[i];
    for (size_t i = 0; i < na; i++)
        ww_buf_addf(s, "add element " TABLE " %s { %s }\n", setname(&allow[i], "allow"), ww_cidr_format(&allow[i], t));
    ww_free(allow);
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

static void elements(const struct ww_block *b, struct ww_buf *s, const struct ww_cidr *v, size_t n)
{
    char t[WW_CIDR_STRLEN], d[32];
    dur_text(b->o.ttl_us, d, sizeof d);
    for (size_t i = 0; i < n; i++)
        ww_buf_addf(s, "add element " TABLE " %s { %s timeout %s }\n", setname(&v[i], "block"),
                    ww_cidr_format(&v[i], t), d);
}

char *ww_block_script(const struct ww_block *b, const struct ww_cidr *nets, size_t n,
                      ww_block_note_fn *note, void *ctx)
{
    size_t m, n4 = 0;
    struct ww_cidr *v = plan(b, nets, n, &m, note, ctx);
    for (size_t i = 0; i < m; i++) n4 += v[i].addr.family == 4;
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

/* Elements now in block4/block6 (none if the table is missing). */
static struct ww_cidr *existing(struct ww_block *b, size_t *n)
{
    struct ww_cidr *v = NULL;
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
                json_t *val = json_object_get(el, "elem") ? json_object_get(json_object_get(el, "elem"), "val") : el;
                json_t *pre = json_object_get(val, "prefix");
                const char *a = json_string_value(pre ? json_object_get(pre, "addr") : val);
                struct ww_cidr c;
                if (!a || ww_cidr_parse(a, strlen(a), &c)) continue;
                if (pre) {
                    json_int_t len = json_integer_value(json_object_get(pre, "len"));
                    if (len < 0 || len > c.len) continue;
                    c.len = (uint8_t)len;
                }
                if (*n == cap) v = ww_realloc(v, (cap = cap * 2 + 16) * sizeof *v);
                v[(*n)++] = c;
            }
        }
        json_decref(j);
    }
    nft_ctx_output_set_flags(b->nft, flags);
    return v;
}

int ww_block_apply(struct ww_block *b, const struct ww_cidr *nets, size_t n, size_t *added,
                   ww_block_note_fn *note, void *ctx, char *err, size_t errlen)
{
    if (!b->nft) { say(err, errlen, "block: handle opened as a dry run"); return WW_ERR_ARG; }
    size_t m;
    struct ww_cidr *v = plan(b, nets, n, &m, note, ctx);
    int rc = WW_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t ne, keep = 0;
        struct ww_cidr *old = existing(b, &ne);
        char *drop = ww_calloc(m + 1, 1);
        struct ww_buf s;
        char t[WW_CIDR_STRLEN], why[160];
        ww_buf_init(&s, SCRIPT_MAX);
        base_script(b, &s);
        for (size_t i = 0; i < ne; i++) {
            /* Delete what gets added again (refreshing its timeout), what a
             * new, larger network covers, and what a safeguard now refuses;
             * an element inside an old, larger one is not added. */
            int del = ww_block_check(b, &old[i], why, sizeof why);
            for (size_t j = 0; j < m && !del; j++) {
                if (!ww_cidr_overlaps(&old[i], &v[j])) continue;
                if (old[i].len >= v[j].len) del = 1;
                else drop[j] = 1;
            }
            if (del) ww_buf_addf(&s, "delete element " TABLE " %s { %s }\n", setname(&old[i], "block"),
                                 ww_cidr_format(&old[i], t));
        }
        struct ww_cidr *add = ww_calloc(m + 1, sizeof *add);
        for (size_t j = 0; j < m; j++) if (!drop[j]) add[keep++] = v[j];
        elements(b, &s, add, keep);
        char *script = ww_buf_take(&s);
        rc = run(b, script, err, errlen);
        ww_free(script);
        ww_free(add);
        ww_free(drop);
        ww_free(old);
        if (added) *added = rc ? 0 : keep;
        if (!rc) break;
    }
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

enum ww_block_result ww_block_add(struct ww_block *b, const struct ww_addr *a, int64_t now_us,
                                  char *why, size_t n)
{
    if (a->family != 4 && a->family != 6) { say(why, n, "not an address"); return WW_BLOCK_SPARED; }
    struct ww_cidr c = {*a, (uint8_t)(a->family == 4 ? 32 : 128)};
    char t[WW_CIDR_STRLEN], d[32], reason[512];
    ww_cidr_format(&c, t);
    if (ww_block_check(b, &c, reason, sizeof reason)) {
        say(why, n, "not blocking %s: %s", t, reason);
        return WW_BLOCK_SPARED;
    }
    size_t k = 0;
    int known = 0;
    for (size_t i = 0; i < b->nknown; i++) {
        if (b->known[i].until_us <= now_us) continue;
        known |= ww_addr_eq(&b->known[i].a, a);
        b->known[k++] = b->known[i];
    }
    b->nknown = k;
    if (known) { say(why, n, "%s is blocked already", t); return WW_BLOCK_KNOWN; }
    int64_t full = (int64_t)b->o.burst * WW_MIN_US;
    if (now_us > b->last_us) {
        int64_t dt = now_us - b->last_us;
        b->credit = dt >= full ? full : b->credit + dt * b->o.rate;
        if (b->credit > full) b->credit = full;
        b->last_us = now_us;
    }
    if (b->credit < WW_MIN_US) {
        say(why, n, "not blocking %s: over the limit of %u new blocks a minute", t, b->o.rate);
        return WW_BLOCK_LIMITED;
    }
    /* The first add loads the table; if an add fails, the table may be gone
     * (`block --remove`), so it is loaded again, once. */
    for (int rc = 1, tries = 0; b->nft && rc; tries++) {
        struct ww_buf s;
        ww_buf_init(&s, SCRIPT_MAX);
        if (!b->ready) base_script(b, &s);
        elements(b, &s, &c, 1);
        char *script = ww_buf_take(&s);
        rc = run(b, script, reason, sizeof reason);
        ww_free(script);
        int again = rc && b->ready;
        b->ready = !rc;
        if (rc && (!again || tries)) {
            say(why, n, "blocking %s failed: %s", t, reason);
            return WW_BLOCK_FAILED;
        }
    }
    b->credit -= WW_MIN_US;
    if (b->nknown == b->capknown)
        b->known = ww_realloc(b->known, (b->capknown = b->capknown * 2 + 16) * sizeof *b->known);
    b->known[b->nknown++] = (struct known){*a, now_us + b->o.ttl_us};
    say(why, n, "blocked %s for %s", t, dur_text(b->o.ttl_us, d, sizeof d));
    return WW_BLOCK_ADDED;
}
