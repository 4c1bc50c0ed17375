/* cmd_exposure.c -- `wormwatch exposure TARGET...`: what a NetBIOS/SMB worm
 * could reach on hosts the user is responsible for.
 *
 * Targets (addresses, CIDRs, files of them) become one array of hosts. Each
 * host walks a fixed list of steps, one probe (one datagram or one TCP
 * connection) at a time; a step runs only if what the earlier steps found
 * makes it useful (`want`):
 *   NS         udp/137 node status query for "*": names, workgroup, MAC
 *   SMB1_MULTI tcp/445 SMB1 NEGOTIATE offering NT LM 0.12, SMB 2.002, SMB 2.???
 *   SMB1_ONLY  tcp/445 SMB1 NEGOTIATE offering NT LM 0.12 alone (is SMB1 on?)
 *   SMB2_ALL   tcp/445 SMB2 NEGOTIATE offering 2.0.2 .. 3.1.1: highest, signing
 *   SMB2_ONE+i tcp/445 SMB2 NEGOTIATE offering dialect i alone, for those
 *              below the highest: the full list of dialects accepted
 *   SSN        tcp/139 session request to *SMBSERVER; if 445 said nothing,
 *              then an SMB1 NEGOTIATE (NT LM 0.12) inside the session
 *   SSN_NAME   the same, called by the host's file-server name, after a
 *              "called name not present" refusal
 *   SSN_SMB2   tcp/139 session + SMB2 NEGOTIATE, if 445 said nothing
 * Probes of many hosts run at once: non-blocking sockets in one poll() loop,
 * at most --concurrency hosts in flight (a host has at most one probe), new
 * probes started no faster than --rate per second, each probe given
 * --timeout seconds in all. Hosts that finished a step go before new hosts,
 * so the hosts in flight plus those waiting to go on never exceed the
 * concurrency. The bytes come from lib/respond/netbios.c; this file only moves
 * them and judges the risk. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "cli.h"
#include "core/mem.h"
#include "respond/netbios.h"
#include "core/wtime.h"

enum step {
    ST_NS, ST_SMB1_MULTI, ST_SMB1_ONLY, ST_SMB2_ALL, ST_SMB2_ONE, /* + dialect index 1..5 */
    ST_SSN = ST_SMB2_ONE + WW_SMB_NDIALECTS, ST_SSN_NAME, ST_SSN_SMB2, ST_DONE
};

struct host {
    struct ww_addr addr;
    int step;                  /* the step running or to run next */
    int ns, open445, smb, smb1, ssn;
    int ssn_reply, ssn_error;  /* 0 (no answer), WW_NB_POSITIVE or WW_NB_NEGATIVE */
    int err;                   /* errno of a probe that could not even be sent */
    int sign1, sign2;          /* signing required per SMB1 / SMB2 answer; -1 unknown */
    unsigned dialects;         /* bit i = ww_smb_dialect_names[i] accepted */
    uint16_t smb2_max;
    struct ww_nb_name *names;
    unsigned nnames;
    char workgroup[16], server[16];
    uint8_t mac[6];
};

#define IN_MAX 8192

struct probe {
    struct host *h;            /* NULL: slot free */
    int fd, udp, phase;        /* phase 0 connecting, 1 first reply, 2 second reply */
    uint16_t id;
    int64_t deadline;
    uint8_t out[WW_SMB_NEGOTIATE_MAX];
    size_t outlen, outoff;
    uint8_t in[IN_MAX];
    size_t inlen;
};

struct opts {
    int json, only_exposed;
    double timeout, rate;
    unsigned long long concurrency, max_hosts;
};


/* ---- targets ---- */

struct targets {
    struct host *v;
    size_t n, cap, max;
};

static void add_host(struct targets *t, const struct ww_addr *a)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->v = ww_realloc(t->v, t->cap * sizeof *t->v);
    }
    struct host *h = &t->v[t->n++];
    memset(h, 0, sizeof *h);
    h->addr = *a;
    h->sign1 = h->sign2 = -1;
}

/* "192.0.2.7", "2001:db8::7", "192.0.2.0/24", "2001:db8::/120". Returns
 * NULL, or why the token was refused. */
static const char *add_target(struct targets *t, const char *s, size_t len, char *msg, size_t msz)
{
    const char *slash = memchr(s, '/', len);
    struct ww_addr a;
    if (ww_addr_parse(s, slash ? (size_t)(slash - s) : len, &a)) return "not an address or CIDR";
    if (!slash) {
        if (t->n + 1 > t->max) goto too_many;
        add_host(t, &a);
        return NULL;
    }
    unsigned long long prefix = 0, bits = a.family == 4 ? 32 : 128;
    char num[8];
    size_t nl = len - (size_t)(slash - s) - 1;
    if (nl == 0 || nl >= sizeof num) return "bad prefix length";
    memcpy(num, slash + 1, nl);
    num[nl] = 0;
    if (ww_parse_uint(num, bits, &prefix)) return "bad prefix length";
    unsigned host_bits = (unsigned)(bits - prefix);
    if (host_bits > 32) goto too_many;
    uint64_t size = 1ULL << host_bits, first = 0, last = size - 1;
    if (a.family == 4 && host_bits >= 2) first = 1, last = size - 2; /* no network, broadcast */
    if (last - first + 1 > t->max - t->n) goto too_many;
    uint32_t base = (uint32_t)a.b[12] << 24 | (uint32_t)a.b[13] << 16 | (uint32_t)a.b[14] << 8 | a.b[15];
    if (host_bits == 32) base = 0;
    else base &= ~(uint32_t)(size - 1);
    for (uint64_t k = first; k <= last; k++) {
        uint32_t v = base | (uint32_t)k;
        for (int i = 0; i < 4; i++) a.b[12 + i] = (uint8_t)(v >> (24 - 8 * i));
        add_host(t, &a);
    }
    return NULL;
too_many:
    snprintf(msg, msz, "more than --max-hosts %zu hosts in all; narrow the targets or raise --max-hosts",
             t->max);
    return msg;
}

static int read_target_file(struct targets *t, const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        ww_warn("%s: %s", path, strerror(errno));
        return WW_EXIT_FAIL;
    }
    char line[512], msg[160];
    size_t lineno = 0;
    int rc = WW_EXIT_OK;
    while (rc == WW_EXIT_OK && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strcspn(line, "#\n");
        if (len == sizeof line - 1) {
            ww_warn("%s:%zu: line too long", path, lineno);
            rc = WW_EXIT_USAGE;
            break;
        }
        char *p = line;
        while (len && (*p == ' ' || *p == '\t' || *p == '\r')) p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r')) len--;
        if (!len) continue;
        const char *why = strcspn(p, " \t") < len ? "one target per line" : add_target(t, p, len, msg, sizeof msg);
        if (why) {
            ww_warn("%s:%zu: '%.*s': %s", path, lineno, (int)len, p, why);
            rc = WW_EXIT_USAGE;
        }
    }
    if (rc == WW_EXIT_OK && ferror(f)) {
        ww_warn("%s: %s", path, strerror(errno));
        rc = WW_EXIT_FAIL;
    }
    if (f != stdin) fclose(f);
    return rc;
}

/* ---- the steps ---- */

static int want(const struct host *h, int st)
{
    switch (st) {
    case ST_NS: return h->addr.family == 4;
    case ST_SMB1_MULTI: return 1;
    case ST_SMB1_ONLY: return h->open445 && !(h->dialects & 1);
    case ST_SMB2_ALL: return h->open445;
    case ST_SSN: return 1;
    case ST_SSN_NAME:
        return h->ssn_reply == WW_NB_NEGATIVE && h->ssn_error == 0x82 && h->server[0];
    case ST_SSN_SMB2: return h->ssn && !h->smb;
    default: { /* ST_SMB2_ONE + i */
        int i = st - ST_SMB2_ONE; /* 1..5; 0 would be SMB1, which SMB1_ONLY covers */
        return i > 0 && h->open445 && h->smb2_max && !(h->dialects & 1u << i) &&
               ww_smb2_dialect_codes[i] < h->smb2_max;
    }
    }
}

static int port_of(int st)
{
    return st == ST_NS ? 137 : st >= ST_SSN ? 139 : 445;
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
    case ST_NS: return ww_nb_nbstat_query(pr->id, pr->out);
    case ST_SMB1_MULTI:
        return ww_smb1_negotiate(WW_SMB1_NTLM | WW_SMB1_2002 | WW_SMB1_2XXX, pr->out, sizeof pr->out);
    case ST_SMB1_ONLY: return ww_smb1_negotiate(WW_SMB1_NTLM, pr->out, sizeof pr->out);
    case ST_SMB2_ALL: return smb2_request(pr, 0x3E);
    case ST_SSN:
    case ST_SSN_SMB2: return ww_nb_session_request("*SMBSERVER", 0x20, calling, pr->out);
    case ST_SSN_NAME: return ww_nb_session_request(pr->h->server, 0x20, calling, pr->out);
    default: return smb2_request(pr, 1u << (st - ST_SMB2_ONE));
    }
}

static void take_status(struct host *h, const struct ww_nb_status *st)
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

/* What an SMB negotiate answer tells about the host. `offer` is the SMB1
 * mask offered (0 if the request was SMB2). */
static void take_negotiate(struct host *h, const struct ww_smb_negotiate *ng, unsigned offer, int all)
{
    if (ng->status) return;
    if (ng->version == 1) {
        unsigned c = ww_smb1_chosen(offer, ng->dialect);
        if (c == WW_SMB1_NTLM) {
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

/* A whole frame arrived for pr's step. Returns 1 if another message was
 * queued on the same connection, 0 when the step is done. */
static int on_frame(struct probe *pr, const uint8_t *f, size_t n)
{
    struct host *h = pr->h;
    int st = h->step;
    struct ww_smb_negotiate ng;
    if (st >= ST_SSN && pr->phase == 1) {
        int type, error;
        if (ww_nb_session_decode(f, n, &type, &error, NULL)) return 0;
        if (type != WW_NB_POSITIVE && type != WW_NB_NEGATIVE) return 0;
        if (!h->ssn) h->ssn_reply = type, h->ssn_error = error;
        if (type != WW_NB_POSITIVE) return 0;
        h->ssn = 1;
        if (h->smb) return 0;
        pr->outlen = st == ST_SSN_SMB2
                         ? smb2_request(pr, 0x3E)
                         : ww_smb1_negotiate(WW_SMB1_NTLM, pr->out, sizeof pr->out);
        pr->outoff = 0;
        pr->phase = 2;
        return pr->outlen != 0;
    }
    if (ww_smb_negotiate_decode(f + 4, n - 4, &ng, NULL)) return 0;
    if (st < ST_SSN) h->smb = 1;
    unsigned offer = st == ST_SMB1_MULTI ? 7u : st == ST_SMB1_ONLY || st == ST_SSN || st == ST_SSN_NAME ? 1u : 0u;
    take_negotiate(h, &ng, offer, st == ST_SMB2_ALL || st == ST_SSN_SMB2);
    return 0;
}

/* ---- the poll loop ---- */

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

/* Opens pr's socket for h's current step. 0 on success; -1 ends the step. */
static int probe_start(struct probe *pr, struct host *h, int64_t deadline)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    pr->h = h;
    pr->udp = h->step == ST_NS;
    pr->phase = 0;
    pr->inlen = pr->outoff = 0;
    pr->deadline = deadline;
    pr->outlen = first_message(pr, h->step);
    if (!pr->outlen) return -1; /* not for a wanted step: names are at most 15 bytes */
    sockaddr_of(&h->addr, port_of(h->step), &ss, &sl);
    pr->fd = socket(ss.ss_family, (pr->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (pr->fd < 0) goto fail;
    if (connect(pr->fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) goto fail;
    if (pr->udp) {
        if (send(pr->fd, pr->out, pr->outlen, 0) != (ssize_t)pr->outlen) goto fail;
        pr->phase = 1;
    }
    return 0;
fail: /* refused at once is an answer of sorts; anything else is worth a word */
    if (errno != ECONNREFUSED && !h->err) h->err = errno;
    return -1;
}

/* Handles poll events on pr. Returns 1 while the step goes on, 0 when done. */
static int probe_event(struct probe *pr, short rev)
{
    struct host *h = pr->h;
    if (pr->udp) {
        ssize_t r = recv(pr->fd, pr->in, sizeof pr->in, 0);
        if (r < 0) return errno == EAGAIN || errno == EINTR;
        static struct ww_nb_status st; /* one at a time: too big for the stack */
        if (ww_nb_nbstat_decode(pr->in, (size_t)r, &st, NULL) || st.id != pr->id) return 1;
        take_status(h, &st);
        return 0;
    }
    if (pr->phase == 0) {
        int err = 0;
        socklen_t el = sizeof err;
        if (!(rev & (POLLOUT | POLLERR | POLLHUP))) return 1;
        if (getsockopt(pr->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) return 0;
        if (h->step == ST_SMB1_MULTI) h->open445 = 1;
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

/* Moves h to its next wanted step; 1 if there is one. */
static int advance(struct host *h)
{
    while (++h->step < ST_DONE)
        if (want(h, h->step)) return 1;
    return 0;
}

static void run_probes(struct targets *t, const struct opts *o)
{
    size_t conc = o->concurrency < t->n ? (size_t)o->concurrency : t->n;
    struct rlimit rl; /* one descriptor per probe, and some to spare */
    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < conc + 32) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > conc + 32 ? conc + 32 : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < conc + 32) conc = rl.rlim_cur > 48 ? rl.rlim_cur - 32 : 16;
    }
    if (!conc) return;
    struct probe *pr = ww_calloc(conc, sizeof *pr);
    struct pollfd *pfd = ww_calloc(conc, sizeof *pfd);
    size_t *ready = ww_calloc(conc, sizeof *ready), rhead = 0, rcount = 0;
    size_t next = 0, inflight = 0;
    int64_t timeout = (int64_t)(o->timeout * 1e6), gap = (int64_t)(1e6 / o->rate);
    int64_t slot = ww_mono_us();
    for (size_t i = 0; i < conc; i++) pr[i].fd = -1;

    while (next < t->n || rcount || inflight) {
        int64_t now = ww_mono_us();
        if (slot < now - 20000) slot = now - 20000; /* catch up 20 ms late, no more */
        /* start probes: hosts going on first, then new hosts */
        for (size_t i = 0; i < conc && slot <= now; i++) {
            if (pr[i].h) continue;
            struct host *h = NULL;
            if (rcount) {
                h = &t->v[ready[rhead]];
                rhead = (rhead + 1) % conc, rcount--;
            } else if (next < t->n) {
                h = &t->v[next++];
                h->step = -1;
                if (!advance(h)) continue;
            } else {
                break;
            }
            slot += gap;
            if (probe_start(&pr[i], h, now + timeout)) {
                probe_close(&pr[i]);
                if (advance(h)) ready[(rhead + rcount++) % conc] = (size_t)(h - t->v);
                continue;
            }
            inflight++;
        }
        int can_start = (rcount || next < t->n) && inflight < conc;
        int64_t wait = can_start ? slot - now : INT64_MAX;
        for (size_t i = 0; i < conc; i++) {
            pfd[i].fd = pr[i].h ? pr[i].fd : -1;
            pfd[i].events = !pr[i].h ? 0
                            : pr[i].phase == 0 || pr[i].outoff < pr[i].outlen ? POLLOUT : POLLIN;
            pfd[i].revents = 0;
            if (pr[i].h && pr[i].deadline - now < wait) wait = pr[i].deadline - now;
        }
        if (wait < 0) wait = 0;
        int ms = wait == INT64_MAX ? -1 : (int)((wait + 999) / 1000);
        if (!inflight && ms < 0) continue;
        if (poll(pfd, conc, ms) < 0 && errno != EINTR) break;
        now = ww_mono_us();
        for (size_t i = 0; i < conc; i++) {
            if (!pr[i].h) continue;
            int goes_on = 1;
            if (pfd[i].revents) goes_on = probe_event(&pr[i], pfd[i].revents);
            if (goes_on && now >= pr[i].deadline) goes_on = 0;
            if (goes_on) continue;
            struct host *h = pr[i].h;
            probe_close(&pr[i]);
            inflight--;
            if (advance(h)) ready[(rhead + rcount++) % conc] = (size_t)(h - t->v);
        }
    }
    ww_free(pr);
    ww_free(pfd);
    ww_free(ready);
}

/* ---- the verdict ---- */

static int signing(const struct host *h) /* 1 required, 0 not, -1 unknown */
{
    return h->sign2 >= 0 ? h->sign2 : h->sign1;
}

static const char *risk(const struct host *h)
{
    if (h->smb1) return "high";
    if (h->smb || h->ssn) return signing(h) == 1 ? "low" : "medium";
    return h->ns ? "low" : "none";
}

static void summary(const struct host *h, char *b, size_t n)
{
    int sg = signing(h);
    const char *sign = sg == 1 ? ", though it requires signing"
                       : sg == 0 ? " and does not require signing" : "";
    int nb = h->ns || h->ssn;
    if (h->smb1)
        snprintf(b, n, "SMB1 (NT LM 0.12) is reachable %s%s: the way NT4-era NetBIOS/SMB worms "
                 "spread is open.", h->smb ? "on 445" : "through a NetBIOS session on 139",
                 h->smb && h->ssn ? ", and 139 accepts NetBIOS sessions too" : "");
    else if (h->smb && !nb)
        snprintf(b, n, "NetBIOS is off, but SMB on 445 is still reachable (SMB2 or later)%s.", sign);
    else if (h->smb)
        snprintf(b, n, "NetBIOS%s and SMB on 445 are reachable (SMB2 or later)%s.",
                 h->ssn ? " (including sessions on 139)" : " names", sign);
    else if (h->ssn)
        snprintf(b, n, "SMB on 445 does not answer, but SMB through a NetBIOS session on 139 is "
                 "reachable%s.", sign);
    else if (h->ns)
        snprintf(b, n, "Only the NetBIOS name service answers: it gives away names, but no SMB "
                 "session is reachable.");
    else if (h->ssn_reply == WW_NB_NEGATIVE)
        snprintf(b, n, "Port 139 answers but refuses NetBIOS sessions; no SMB is reachable.");
    else if (h->open445)
        snprintf(b, n, "Port 445 is open but did not answer an SMB negotiate.");
    else
        snprintf(b, n, "Nothing answers on NetBIOS or SMB.");
}

static const char *mac_text(const struct host *h, char *b)
{
    static const uint8_t zero[6];
    if (!h->ns || !memcmp(h->mac, zero, 6)) return NULL;
    sprintf(b, "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1], h->mac[2], h->mac[3],
            h->mac[4], h->mac[5]);
    return b;
}

static const char *ssn_text(const struct host *h)
{
    return h->ssn ? "accepted" : h->ssn_reply == WW_NB_NEGATIVE ? "refused" : NULL;
}

static json_t *jstr(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *host_json(const struct host *h)
{
    char a[WW_ADDR_STRLEN], m[18], sum[256];
    json_t *names = json_array(), *table = json_array(), *dialects = json_array();
    for (unsigned i = 0; i < h->nnames; i++) {
        const struct ww_nb_name *n = &h->names[i];
        json_array_append_new(table, json_pack("{s:s,s:i,s:b}", "name", n->name, "suffix",
                                               n->suffix, "group", !!(n->flags & WW_NB_GROUP)));
        if (n->flags & WW_NB_GROUP || !n->name[0]) continue;
        int dup = 0;
        for (unsigned k = 0; k < i; k++)
            dup |= !(h->names[k].flags & WW_NB_GROUP) && !strcmp(h->names[k].name, n->name);
        if (!dup) json_array_append_new(names, json_string(n->name));
    }
    for (int i = 0; i < WW_SMB_NDIALECTS; i++)
        if (h->dialects & 1u << i) json_array_append_new(dialects, json_string(ww_smb_dialect_names[i]));
    summary(h, sum, sizeof sum);
    int sg = signing(h);
    json_t *o = json_pack("{s:s,s:b,s:b,s:b,s:o,s:o,s:o,s:b,s:o,s:s}", "addr", ww_addr_format(&h->addr, a),
                          "netbios_ns", h->ns, "netbios_ssn", h->ssn, "smb", h->smb, "names", names,
                          "workgroup", jstr(h->workgroup), "smb_dialects", dialects, "smb1", h->smb1,
                          "signing_required", sg < 0 ? json_null() : json_boolean(sg), "risk", risk(h));
    json_object_set_new(o, "summary", json_string(sum));
    json_object_set_new(o, "file_server", jstr(h->server));
    json_object_set_new(o, "mac", jstr(mac_text(h, m)));
    json_object_set_new(o, "netbios_ssn_reply", jstr(ssn_text(h)));
    json_object_set_new(o, "name_table", table);
    return o;
}

static void host_text(const struct host *h, FILE *out)
{
    char a[WW_ADDR_STRLEN], m[18], sum[256];
    summary(h, sum, sizeof sum);
    fprintf(out, "%s: risk %s\n  %s\n", ww_addr_format(&h->addr, a), risk(h), sum);
    if (h->addr.family == 4) {
        fprintf(out, "  udp/137 name service: %s", h->ns ? "answers" : "silent");
        for (unsigned i = 0; i < h->nnames; i++)
            fprintf(out, "%s%s<%02x>%s", i ? ", " : "; names ", h->names[i].name, h->names[i].suffix,
                    h->names[i].flags & WW_NB_GROUP ? " (group)" : "");
        if (h->workgroup[0]) fprintf(out, "; workgroup %s", h->workgroup);
        if (mac_text(h, m)) fprintf(out, "; MAC %s", m);
        fputc('\n', out);
    }
    const char *s = ssn_text(h);
    fprintf(out, "  tcp/139 session:      %s", s ? s : "silent");
    if (h->ssn_reply == WW_NB_NEGATIVE && !h->ssn) fprintf(out, " (error 0x%02x)", h->ssn_error);
    fprintf(out, "\n  tcp/445 SMB:          %s", h->smb ? "answers" : h->open445 ? "open, not SMB" : "silent");
    for (int i = 0, k = 0; i < WW_SMB_NDIALECTS; i++)
        if (h->dialects & 1u << i) fprintf(out, "%s%s", k++ ? ", " : "; dialects ", ww_smb_dialect_names[i]);
    int sg = signing(h);
    if (sg >= 0) fprintf(out, "; signing %s", sg ? "required" : "not required");
    fputs("\n\n", out);
}

/* ---- the command ---- */

enum { OPT_FORMAT = 256, OPT_TIMEOUT, OPT_CONC, OPT_RATE, OPT_MAXHOSTS, OPT_ONLY };

static const struct option longopts[] = {
    {"file", required_argument, 0, 'f'},
    {"format", required_argument, 0, OPT_FORMAT},
    {"timeout", required_argument, 0, OPT_TIMEOUT},
    {"concurrency", required_argument, 0, OPT_CONC},
    {"rate", required_argument, 0, OPT_RATE},
    {"max-hosts", required_argument, 0, OPT_MAXHOSTS},
    {"only-exposed", no_argument, 0, OPT_ONLY},
    {0, 0, 0, 0}
};

static int cmd_exposure(int argc, char **argv)
{
    const struct ww_command *cmd = &ww_cmd_exposure;
    struct opts o = {.timeout = 2, .rate = 200, .concurrency = 64, .max_hosts = 65536, .json = -1};
    const char *files[64];
    size_t nfiles = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (nfiles == sizeof files / sizeof *files) return ww_usage_error(cmd, "too many -f files");
            files[nfiles++] = optarg;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "text")) o.json = 0;
            else if (!strcmp(optarg, "json")) o.json = 1;
            else return ww_usage_error(cmd, "--format must be text or json");
            break;
        case OPT_TIMEOUT:
            if (ww_parse_double(optarg, 0.01, 60, &o.timeout))
                return ww_usage_error(cmd, "--timeout must be seconds from 0.01 to 60");
            break;
        case OPT_CONC:
            if (ww_parse_uint(optarg, 1024, &o.concurrency) || !o.concurrency)
                return ww_usage_error(cmd, "--concurrency must be 1 to 1024");
            break;
        case OPT_RATE:
            if (ww_parse_double(optarg, 0.1, 100000, &o.rate))
                return ww_usage_error(cmd, "--rate must be 0.1 to 100000 probes per second");
            break;
        case OPT_MAXHOSTS:
            if (ww_parse_uint(optarg, 1u << 24, &o.max_hosts) || !o.max_hosts)
                return ww_usage_error(cmd, "--max-hosts must be 1 to 16777216");
            break;
        case OPT_ONLY: o.only_exposed = 1; break;
        default: return ww_usage_error(cmd, "unknown option");
        }
    }
    if (o.json < 0) o.json = !isatty(1);
    struct targets t = {.max = (size_t)o.max_hosts};
    char msg[160];
    int rc = WW_EXIT_OK;
    for (int i = optind; i < argc && rc == WW_EXIT_OK; i++) {
        const char *why = add_target(&t, argv[i], strlen(argv[i]), msg, sizeof msg);
        if (why) rc = ww_usage_error(cmd, "target '%s': %s", argv[i], why);
    }
    for (size_t i = 0; i < nfiles && rc == WW_EXIT_OK; i++) rc = read_target_file(&t, files[i]);
    if (rc == WW_EXIT_OK && !t.n) rc = ww_usage_error(cmd, "no targets (give addresses, CIDRs or -f FILE)");
    if (rc != WW_EXIT_OK) {
        ww_free(t.v);
        return rc;
    }

    run_probes(&t, &o);

    json_t *hosts = o.json ? json_array() : NULL;
    for (size_t i = 0; i < t.n; i++) {
        char a[WW_ADDR_STRLEN];
        if (t.v[i].err)
            ww_warn("%s: could not probe: %s", ww_addr_format(&t.v[i].addr, a), strerror(t.v[i].err));
    }
    for (size_t i = 0; i < t.n; i++) {
        const struct host *h = &t.v[i];
        if (o.only_exposed && !strcmp(risk(h), "none")) continue;
        if (hosts) json_array_append_new(hosts, host_json(h));
        else host_text(h, stdout);
    }
    if (hosts) {
        json_t *doc = json_pack("{s:o}", "hosts", hosts);
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(doc);
    }
    for (size_t i = 0; i < t.n; i++) ww_free(t.v[i].names);
    ww_free(t.v);
    if (fflush(stdout)) {
        ww_warn("writing the report: %s", strerror(errno));
        return WW_EXIT_FAIL;
    }
    return WW_EXIT_OK;
}

const struct ww_command ww_cmd_exposure = {
    "exposure", cmd_exposure, "which hosts a NetBIOS/SMB worm could reach (137, 139, 445)",
    "usage: wormwatch exposure [OPTIONS] TARGET...\n"
    "\n"
    "Probes each target the way a NetBIOS/SMB worm would look for victims and\n"
    "reports what answers and how risky it is. Only for networks you are\n"
    "responsible for.\n"
    "  udp/137  NetBIOS node status: names, workgroup, MAC (IPv4 only)\n"
    "  tcp/139  NetBIOS session request: accepted or refused\n"
    "  tcp/445  SMB1 and SMB2 negotiates: dialects, SMB1 on, signing required\n"
    "Risk: high = SMB1 reachable; medium = SMB2+ on 445 or a session on 139\n"
    "without required signing; low = signing required, or only names leak;\n"
    "none = nothing answers.\n"
    "\n"
    "TARGET: an IPv4 or IPv6 address, or a CIDR (192.0.2.0/24; network and\n"
    "broadcast addresses skipped).\n"
    "  -f, --file FILE       read targets from FILE, one per line, # comments\n"
    "                        (- = stdin; may be repeated)\n"
    "  --format text|json    text for people (default on a terminal) or JSON\n"
    "  --only-exposed        leave out hosts whose risk is none\n"
    "  --timeout SECONDS     per probe, connection and replies included (default 2)\n"
    "  --concurrency N       hosts probed at once (default 64, at most 1024)\n"
    "  --rate N              new probes per second at most (default 200)\n"
    "  --max-hosts N         refuse targets expanding to more hosts (default 65536)\n"
};
