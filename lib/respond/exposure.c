/* exposure.c -- the targets and the prober of exposure.h.
 *
 * Each host walks the steps of exposure.h, one probe at a time; a step runs
 * only if what the earlier steps found makes it useful (want). Probes of
 * many hosts run at once: non-blocking sockets in one poll() loop, at most
 * `concurrency` hosts in flight (a host has at most one probe), new probes
 * started no faster than `rate` per second, each probe given `timeout`
 * seconds in all. Hosts that finished a step go before new hosts (a ring of
 * ready hosts), so the hosts in flight plus those waiting to go on never
 * exceed the concurrency. A TCP probe reads whole NetBIOS frames (4-byte
 * header) into its buffer; a frame may queue one more message on the same
 * connection (a negotiate inside a 139 session). */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "respond/exposure.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/wtime.h"

/* ---- targets ---- */

void ww_exposure_host_init(struct ww_exposure_host *h, const struct ww_addr *a)
{
    memset(h, 0, sizeof *h);
    h->addr = *a;
    h->sign1 = h->sign2 = -1;
}

static void add_host(struct ww_exposure *x, const struct ww_addr *a)
{
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 64;
        x->v = ww_realloc(x->v, x->cap * sizeof *x->v);
    }
    ww_exposure_host_init(&x->v[x->n++], a);
}

static int too_many(const struct ww_exposure *x, char *msg, size_t msz)
{
    snprintf(msg, msz, "more than --max-hosts %zu hosts in all; narrow the targets or raise --max-hosts",
             x->max);
    return WW_ERR_LIMIT;
}

int ww_exposure_add(struct ww_exposure *x, const char *s, size_t len, char *msg, size_t msz)
{
    struct ww_cidr c;
    int rc = ww_cidr_parse(s, len, &c); /* a bare address is a /32 or /128 */
    if (rc) {
        snprintf(msg, msz, rc == WW_ERR_PARSE ? "not an address or CIDR" : "bad prefix length");
        return WW_ERR_PARSE;
    }
    struct ww_addr a = c.addr; /* host bits clear */
    unsigned host_bits = (a.family == 4 ? 32u : 128u) - c.len;
    if (host_bits > 32) return too_many(x, msg, msz);
    uint64_t size = 1ULL << host_bits, first = 0, last = size - 1;
    if (a.family == 4 && host_bits >= 2) first = 1, last = size - 2; /* no network, broadcast */
    if (last - first + 1 > x->max - x->n) return too_many(x, msg, msz);
    uint32_t base = (uint32_t)a.b[12] << 24 | (uint32_t)a.b[13] << 16 | (uint32_t)a.b[14] << 8 | a.b[15];
    for (uint64_t k = first; k <= last; k++) {
        uint32_t v = base | (uint32_t)k;
        for (int i = 0; i < 4; i++) a.b[12 + i] = (uint8_t)(v >> (24 - 8 * i));
        add_host(x, &a);
    }
    return WW_OK;
}

int ww_exposure_read(struct ww_exposure *x, const char *path, char *msg, size_t msz)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        snprintf(msg, msz, "%s: %s", path, strerror(errno));
        return WW_ERR_IO;
    }
    char line[512], why[160];
    size_t lineno = 0;
    int rc = WW_OK;
    while (rc == WW_OK && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strcspn(line, "#\n");
        if (len == sizeof line - 1) {
            snprintf(msg, msz, "%s:%zu: line too long", path, lineno);
            rc = WW_ERR_PARSE;
            break;
        }
        char *p = line;
        while (len && (*p == ' ' || *p == '\t' || *p == '\r')) p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r')) len--;
        if (!len) continue;
        if (strcspn(p, " \t") < len) snprintf(why, sizeof why, "one target per line");
        else if (!ww_exposure_add(x, p, len, why, sizeof why)) continue;
        snprintf(msg, msz, "%s:%zu: '%.*s': %s", path, lineno, (int)len, p, why);
        rc = WW_ERR_PARSE;
    }
    if (rc == WW_OK && ferror(f)) {
        snprintf(msg, msz, "%s: %s", path, strerror(errno));
        rc = WW_ERR_IO;
    }
    if (f != stdin) fclose(f);
    return rc;
}

void ww_exposure_release(struct ww_exposure *x)
{
    for (size_t i = 0; i < x->n; i++) ww_free(x->v[i].names);
    ww_free(x->v);
    x->v = NULL;
    x->n = x->cap = 0;
}

/* ---- the steps ---- */

static int want(const struct ww_exposure_host *h, int st)
{
    switch (st) {
    case WW_EXP_NS: return h->addr.family == 4;
    case WW_EXP_SMB1_MULTI: return 1;
    case WW_EXP_SMB1_ONLY: return h->open445 && !(h->dialects & 1);
    case WW_EXP_SMB2_ALL: return h->open445;
    case WW_EXP_SSN: return 1;
    case WW_EXP_SSN_NAME:
        return h->ssn_reply == WW_NB_NEGATIVE && h->ssn_error == 0x82 && h->server[0];
    case WW_EXP_SSN_SMB2: return h->ssn && !h->smb;
    default: { /* WW_EXP_SMB2_ONE + i */
        int i = st - WW_EXP_SMB2_ONE; /* 1..5; 0 would be SMB1, which SMB1_ONLY covers */
        return i > 0 && h->open445 && h->smb2_max && !(h->dialects & 1u << i) &&
               ww_smb2_dialect_codes[i] < h->smb2_max;
    }
    }
}

int ww_exposure_advance(struct ww_exposure_host *h)
{
    while (++h->step < WW_EXP_DONE)
        if (want(h, h->step)) return 1;
    return 0;
}

void ww_exposure_take_status(struct ww_exposure_host *h, const struct ww_nb_status *st)
{
    h->ns = 1;
    h->nnames = st->count;
    h->names = ww_malloc((st->count ? st->count : 1) * sizeof *h->names);
    memcpy(h->names, st->names, st->count * sizeof *h->names);
    const struct ww_nb_name *n;
    if ((n = ww_nb_find(st, 0x00, 1))) memcpy(h->workgroup, n->name, sizeof h->workgroup);
    if ((n = ww_nb_find(st, 0x20, 0))) memcpy(h->server, n->name, sizeof h->server);
    memcpy(h->mac, st->mac, 6);
}

int ww_exposure_take_session(struct ww_exposure_host *h, int type, int error)
{
    if (type != WW_NB_POSITIVE && type != WW_NB_NEGATIVE) return 0;
    if (!h->ssn) h->ssn_reply = type, h->ssn_error = error;
    if (type != WW_NB_POSITIVE) return 0;
    h->ssn = 1;
    return !h->smb;
}

/* The SMB1 dialects a step offered (0: it asked in SMB2). */
static unsigned smb1_offer(int st)
{
    if (st == WW_EXP_SMB1_MULTI) return WW_SMB1_NTLM | WW_SMB1_2002 | WW_SMB1_2XXX;
    return st == WW_EXP_SMB1_ONLY || st == WW_EXP_SSN || st == WW_EXP_SSN_NAME ? WW_SMB1_NTLM : 0;
}

void ww_exposure_take_negotiate(struct ww_exposure_host *h, const struct ww_smb_negotiate *ng)
{
    int st = h->step, all = st == WW_EXP_SMB2_ALL || st == WW_EXP_SSN_SMB2;
    if (st < WW_EXP_SSN) h->smb = 1;
    if (ng->status) return;
    if (ng->version == 1) {
        if (ww_smb1_chosen(smb1_offer(st), ng->dialect) == WW_SMB1_NTLM) {
            h->smb1 = 1;
            h->dialects |= 1;
            if (ng->has_security_mode) h->sign1 = ng->signing_required;
        }
        return;
    }
    int i = ww_smb2_dialect_index(ng->dialect);
    if (i > 0) h->dialects |= 1u << i;
    if (all && i > 0 && ng->dialect > h->smb2_max) h->smb2_max = ng->dialect;
    if (all || h->sign2 < 0) h->sign2 = ng->signing_required;
}

/* ---- one probe ---- */

#define IN_MAX 8192

struct probe {
    struct ww_exposure_host *h; /* NULL: slot free */
    int fd, udp, phase;         /* phase 0 connecting, 1 first reply, 2 second reply */
    uint16_t id;
    int64_t deadline;
    uint8_t out[WW_SMB_NEGOTIATE_MAX];
    size_t outlen, outoff;
    uint8_t in[IN_MAX];
    size_t inlen;
};

static int port_of(int st)
{
    return st == WW_EXP_NS ? 137 : st >= WW_EXP_SSN ? 139 : 445;
}

/* The client GUID and preauth salt need only be unpredictable enough not
 * to look like a replay; the transaction id just has to vary. */
static void fill_random(uint8_t *p, size_t n)
{
    if (getrandom(p, n, 0) != (ssize_t)n)
        for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rand();
}

static size_t smb2_request(struct probe *pr, unsigned dialects)
{
    uint8_t guid[16], salt[32];
    fill_random(guid, sizeof guid);
    fill_random(salt, sizeof salt);
    return ww_smb2_negotiate(dialects, guid, salt, pr->out, sizeof pr->out);
}

/* The first message of a step; 0 if it cannot be built. */
static size_t first_message(struct probe *pr, int st)
{
    static const char calling[] = "WORMWATCH";
    fill_random((uint8_t *)&pr->id, sizeof pr->id);
    switch (st) {
    case WW_EXP_NS: return ww_nb_nbstat_query(pr->id, pr->out);
    case WW_EXP_SMB1_MULTI: return ww_smb1_negotiate(smb1_offer(st), pr->out, sizeof pr->out);
    case WW_EXP_SMB1_ONLY: return ww_smb1_negotiate(WW_SMB1_NTLM, pr->out, sizeof pr->out);
    case WW_EXP_SMB2_ALL: return smb2_request(pr, 0x3E);
    case WW_EXP_SSN:
    case WW_EXP_SSN_SMB2: return ww_nb_session_request("*SMBSERVER", 0x20, calling, pr->out);
    case WW_EXP_SSN_NAME: return ww_nb_session_request(pr->h->server, 0x20, calling, pr->out);
    default: return smb2_request(pr, 1u << (st - WW_EXP_SMB2_ONE));
    }
}

/* A whole frame arrived for pr's step. Returns 1 if another message was
 * queued on the same connection, 0 when the step is done. */
static int on_frame(struct probe *pr, const uint8_t *f, size_t n)
{
    struct ww_exposure_host *h = pr->h;
    struct ww_smb_negotiate ng;
    if (h->step >= WW_EXP_SSN && pr->phase == 1) {
        int type, error;
        if (ww_nb_session_decode(f, n, &type, &error, NULL)) return 0;
        if (!ww_exposure_take_session(h, type, error)) return 0;
        pr->outlen = h->step == WW_EXP_SSN_SMB2
                         ? smb2_request(pr, 0x3E)
                         : ww_smb1_negotiate(WW_SMB1_NTLM, pr->out, sizeof pr->out);
        pr->outoff = 0;
        pr->phase = 2;
        return pr->outlen != 0;
    }
    if (ww_smb_negotiate_decode(f + 4, n - 4, &ng, NULL)) return 0;
    ww_exposure_take_negotiate(h, &ng);
    return 0;
}

static void probe_close(struct probe *pr)
{
    if (pr->fd >= 0) close(pr->fd);
    pr->fd = -1;
    pr->h = NULL;
}

static void sockaddr_of(const struct ww_addr *a, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (a->family == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        memcpy(&s4->sin_addr, a->b + 12, 4);
        *len = sizeof *s4;
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        memcpy(&s6->sin6_addr, a->b, 16);
        *len = sizeof *s6;
    }
}

/* Opens pr's socket for h's current step. WW_OK, or WW_ERR_IO: the step
 * ends (h->err says why if it was not a plain refusal). */
static int probe_start(struct probe *pr, struct ww_exposure_host *h, int64_t deadline)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    pr->h = h;
    pr->udp = h->step == WW_EXP_NS;
    pr->phase = 0;
    pr->inlen = pr->outoff = 0;
    pr->deadline = deadline;
    pr->outlen = first_message(pr, h->step);
    if (!pr->outlen) return WW_ERR_ARG; /* not for a wanted step: names are at most 15 bytes */
    sockaddr_of(&h->addr, port_of(h->step), &ss, &sl);
    pr->fd = socket(ss.ss_family, (pr->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (pr->fd < 0) goto fail;
    if (connect(pr->fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) goto fail;
    if (pr->udp) {
        if (send(pr->fd, pr->out, pr->outlen, 0) != (ssize_t)pr->outlen) goto fail;
        pr->phase = 1;
    }
    return WW_OK;
fail: /* refused at once is an answer of sorts; anything else is worth a word */
    if (errno != ECONNREFUSED && !h->err) h->err = errno;
    return WW_ERR_IO;
}

/* Reads whole frames from pr's buffer. 1 while the step goes on, 0 when done. */
static int on_bytes(struct probe *pr)
{
    while (pr->inlen >= WW_NB_FRAME_HDR) {
        size_t total = WW_NB_FRAME_HDR + ww_nb_frame_len(pr->in);
        if (total > sizeof pr->in) return 0;
        if (pr->inlen < total) return 1;
        int more = pr->in[0] == WW_NB_KEEPALIVE ? 1 : on_frame(pr, pr->in, total);
        memmove(pr->in, pr->in + total, pr->inlen - total);
        pr->inlen -= total;
        if (!more) return 0;
        if (pr->outoff < pr->outlen) return 1;
    }
    return 1;
}

/* Handles poll events on pr; st holds a node status answer (too big for
 * the stack). Returns 1 while the step goes on, 0 when done. */
static int probe_event(struct probe *pr, short rev, struct ww_nb_status *st)
{
    struct ww_exposure_host *h = pr->h;
    if (pr->udp) {
        ssize_t r = recv(pr->fd, pr->in, sizeof pr->in, 0);
        if (r < 0) return errno == EAGAIN || errno == EINTR;
        if (ww_nb_nbstat_decode(pr->in, (size_t)r, st, NULL) || st->id != pr->id) return 1;
        ww_exposure_take_status(h, st);
        return 0;
    }
    if (pr->phase == 0) {
        int err = 0;
        socklen_t el = sizeof err;
        if (!(rev & (POLLOUT | POLLERR | POLLHUP))) return 1;
        if (getsockopt(pr->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) return 0;
        if (h->step == WW_EXP_SMB1_MULTI) h->open445 = 1;
        pr->phase = 1;
    }
    if (pr->outoff < pr->outlen) {
        ssize_t w = send(pr->fd, pr->out + pr->outoff, pr->outlen - pr->outoff, MSG_NOSIGNAL);
        if (w < 0) return errno == EAGAIN || errno == EINTR;
        pr->outoff += (size_t)w;
        return 1;
    }
    if (!(rev & (POLLIN | POLLERR | POLLHUP))) return 1;
    ssize_t r = recv(pr->fd, pr->in + pr->inlen, sizeof pr->in - pr->inlen, 0);
    if (r < 0) return errno == EAGAIN || errno == EINTR;
    if (r == 0) return 0;
    pr->inlen += (size_t)r;
    return on_bytes(pr);
}

/* ---- the poll loop ---- */

struct prober {
    struct ww_exposure *x;
    size_t conc;               /* probe slots */
    struct probe *pr;
    struct pollfd *pfd;
    size_t *ready, rhead, rcount; /* a ring of hosts going on to a next step */
    size_t next, inflight;     /* the first host not started; probes open */
    int64_t timeout, gap, slot; /* microseconds; slot: when the next probe may start */
    struct ww_nb_status st;
};

/* One descriptor per probe, and some to spare: raises RLIMIT_NOFILE, or
 * lowers the concurrency to what it allows. */
static size_t fit_concurrency(size_t conc)
{
    struct rlimit rl;
    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < conc + 32) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > conc + 32 ? conc + 32 : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < conc + 32) conc = rl.rlim_cur > 48 ? rl.rlim_cur - 32 : 16;
    }
    return conc;
}

static void push_ready(struct prober *p, struct ww_exposure_host *h)
{
    if (ww_exposure_advance(h)) p->ready[(p->rhead + p->rcount++) % p->conc] = (size_t)(h - p->x->v);
}

/* Starts probes in free slots while the rate allows: hosts going on
 * first, then new hosts. */
static void start_probes(struct prober *p, int64_t now)
{
    for (size_t i = 0; i < p->conc && p->slot <= now; i++) {
        if (p->pr[i].h) continue;
        struct ww_exposure_host *h = NULL;
        if (p->rcount) {
            h = &p->x->v[p->ready[p->rhead]];
            p->rhead = (p->rhead + 1) % p->conc, p->rcount--;
        } else if (p->next < p->x->n) {
            h = &p->x->v[p->next++];
            h->step = -1;
            if (!ww_exposure_advance(h)) continue;
        } else {
            break;
        }
        p->slot += p->gap;
        if (probe_start(&p->pr[i], h, now + p->timeout)) {
            probe_close(&p->pr[i]);
            push_ready(p, h);
            continue;
        }
        p->inflight++;
    }
}

/* Fills the poll set; returns poll's timeout in ms (-1: none). */
static int poll_set(struct prober *p, int64_t now)
{
    int can_start = (p->rcount || p->next < p->x->n) && p->inflight < p->conc;
    int64_t wait = can_start ? p->slot - now : INT64_MAX;
    for (size_t i = 0; i < p->conc; i++) {
        const struct probe *pr = &p->pr[i];
        p->pfd[i].fd = pr->h ? pr->fd : -1;
        p->pfd[i].events = !pr->h ? 0 : pr->phase == 0 || pr->outoff < pr->outlen ? POLLOUT : POLLIN;
        p->pfd[i].revents = 0;
        if (pr->h && pr->deadline - now < wait) wait = pr->deadline - now;
    }
    if (wait < 0) wait = 0;
    return wait == INT64_MAX ? -1 : (int)((wait + 999) / 1000);
}

/* Handles what poll found, and the probes past their deadline. */
static void poll_done(struct prober *p, int64_t now)
{
    for (size_t i = 0; i < p->conc; i++) {
        struct probe *pr = &p->pr[i];
        if (!pr->h) continue;
        int goes_on = 1;
        if (p->pfd[i].revents) goes_on = probe_event(pr, p->pfd[i].revents, &p->st);
        if (goes_on && now >= pr->deadline) goes_on = 0;
        if (goes_on) continue;
        struct ww_exposure_host *h = pr->h;
        probe_close(pr);
        p->inflight--;
        push_ready(p, h);
    }
}

void ww_exposure_probe(struct ww_exposure *x, const struct ww_exposure_opts *o)
{
    size_t conc = fit_concurrency(o->concurrency < x->n ? o->concurrency : x->n);
    if (!conc) return;
    struct prober *p = ww_calloc(1, sizeof *p);
    p->x = x;
    p->conc = conc;
    p->pr = ww_calloc(conc, sizeof *p->pr);
    p->pfd = ww_calloc(conc, sizeof *p->pfd);
    p->ready = ww_calloc(conc, sizeof *p->ready);
    p->timeout = (int64_t)(o->timeout * WW_SEC_US), p->gap = (int64_t)(WW_SEC_US / o->rate);
    p->slot = ww_mono_us();
    for (size_t i = 0; i < conc; i++) p->pr[i].fd = -1;

    while (p->next < x->n || p->rcount || p->inflight) {
        int64_t now = ww_mono_us();
        if (p->slot < now - 20000) p->slot = now - 20000; /* catch up 20 ms late, no more */
        start_probes(p, now);
        int ms = poll_set(p, now);
        if (!p->inflight && ms < 0) continue;
        if (poll(p->pfd, conc, ms) < 0 && errno != EINTR) break;
        poll_done(p, ww_mono_us());
    }
    ww_free(p->pr);
    ww_free(p->pfd);
    ww_free(p->ready);
    ww_free(p);
}
