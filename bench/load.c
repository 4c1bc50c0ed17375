/* load.c -- collector load generator: DShield TSV batches over keep-alive
 * HTTP/1.1 connections, one thread per connection, each sending a batch and
 * waiting for the answer (as a sensor does). Plain sockets: the client must
 * cost far less than the server it measures.
 *
 *   load [-c CONNS] [-t SECONDS] [-b EVENTS] [-n] HOST:PORT[,HOST:PORT...] SECRET[,SECRET...]
 *
 * Connection i is sensor i (the i-th secret, round robin), sending to the
 * i-th collector (round robin: several front-ends of one store). Bodies are made
 * up front (16 per connection, random sources in 10/8, a few hot ports) and
 * reused with fresh X-Batch-Ids; each batch is stamped, just before it is
 * sent, one second after its connection's previous one (from three days
 * ago), so every sensor streams in its time order as real ones do and the
 * collector judges its events on event time (none late). With -n (new
 * sources) every event's source is one never sent before by any
 * connection: a counter (connection, batch, line) run through a bijection
 * of 30 bits into 16.0.0.0 - 79.255.255.255, the bodies rebuilt around it
 * before each batch (the worst case for the collector's per-source rows).
 * Prints events/s and p50/p99/max batch latency; exits 1 if any answer was
 * not 200. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NBODIES 16

static struct sockaddr_in servers[16];
static int nservers;
static char *secrets[64];
static int nsecrets;
static time_t start_time;
static int batch = 1000;
static double deadline;
static int newsrc, nconns;      /* -n; connections */

struct worker {
    pthread_t th;
    int id;
    char *body[NBODIES];
    size_t blen[NBODIES];
    size_t *line[NBODIES];            /* where each line (its time stamp) starts */
    char (*tail)[64];                 /* -n: each line after its source */
    double *lat;
    size_t nlat, cap;
    unsigned long errors;
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void make_bodies(struct worker *w)
{
    unsigned seed = (unsigned)(w->id * 7919 + 1);
    static const int ports[] = {445, 22, 23, 80, 1433, 3389, 8080, 5900};
    for (int b = 0; b < NBODIES; b++) {
        size_t cap = (size_t)batch * 120, len = 0;
        char *s = malloc(cap);
        w->line[b] = malloc((size_t)batch * sizeof *w->line[b]);
        for (int i = 0; i < batch; i++) {
            w->line[b][i] = len;
            len += (size_t)snprintf(s + len, cap - len,
                "2000-01-01 00:00:00 +00:00\t0\t1\t10.%d.%d.%d\t%d\t198.51.0.0\t%d\ttcp\tSYN\n",
                rand_r(&seed) % 256, rand_r(&seed) % 256, rand_r(&seed) % 256,
                1024 + rand_r(&seed) % 60000, ports[rand_r(&seed) % 8]);
        }
        w->body[b] = s;
        w->blen[b] = len;
    }
    if (!newsrc) return;
    w->tail = malloc((size_t)batch * sizeof *w->tail);
    for (int i = 0; i < batch; i++)
        snprintf(w->tail[i], sizeof w->tail[i], "\t%d\t198.51.0.0\t%d\ttcp\tSYN\n",
                 1024 + rand_r(&seed) % 60000, ports[rand_r(&seed) % 8]);
}

/* -n: a bijection of [0, 2^30) (odd multipliers and xor-shifts, each
 * invertible modulo 2^30), so distinct counters give distinct sources */
static uint32_t permute(uint32_t x)
{
    const uint32_t m = (1u << 30) - 1;
    x = (x * 0x9e3779b1u) & m;
    x ^= x >> 15;
    x = (x * 0x85ebca6bu) & m;
    x ^= x >> 13;
    return x;
}

static char *put_dec(char *p, unsigned v)
{
    if (v >= 100) *p++ = (char)('0' + v / 100);
    if (v >= 10) *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

/* -n: body b rebuilt for batch seq, dated t, every source new. Plain
 * copies, no printf: the client must stay cheap. */
static void fresh_sources(struct worker *w, int b, unsigned long seq, time_t t)
{
    struct tm tm;
    char head[48];
    gmtime_r(&t, &tm);
    size_t hl = strftime(head, sizeof head, "%Y-%m-%d %H:%M:%S +00:00\t0\t1\t", &tm);
    char *p = w->body[b];
    for (int i = 0; i < batch; i++) {
        uint32_t a = 0x10000000u + permute((uint32_t)((seq * (unsigned long)nconns + (unsigned long)w->id) *
                                                      (unsigned long)batch + (unsigned long)i));
        memcpy(p, head, hl);
        p += hl;
        p = put_dec(p, a >> 24), *p++ = '.';
        p = put_dec(p, a >> 16 & 255), *p++ = '.';
        p = put_dec(p, a >> 8 & 255), *p++ = '.';
        p = put_dec(p, a & 255);
        size_t tl = strlen(w->tail[i]);
        memcpy(p, w->tail[i], tl);
        p += tl;
    }
    w->blen[b] = (size_t)(p - w->body[b]);
}

/* Every line of body b dated t (the stamp is 19 characters at each line's start). */
static void stamp(struct worker *w, int b, time_t t)
{
    struct tm tm;
    char ts[32];
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
    for (int i = 0; i < batch; i++) memcpy(w->body[b] + w->line[b][i], ts, 19);
}

static int dial(int id)
{
    const struct sockaddr_in *server = &servers[id % nservers];
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)server, sizeof *server)) {
        perror("load: connect");
        exit(1);
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0) return -1;
        p += k, n -= (size_t)k;
    }
    return 0;
}

/* Reads one response; returns the status, or -1 if the connection broke. */
static int read_response(int fd, char *buf, size_t size)
{
    size_t len = 0;
    char *end;
    while (1) {
        ssize_t k = recv(fd, buf + len, size - len - 1, 0);
        if (k <= 0) return -1;
        len += (size_t)k;
        buf[len] = '\0';
        if ((end = strstr(buf, "\r\n\r\n"))) break;
        if (len == size - 1) return -1;
    }
    int status = atoi(buf + 9);
    char *cl = strcasestr(buf, "\r\nContent-Length:");
    size_t want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
    while (len < want) {
        ssize_t k = recv(fd, buf, size - 1 < want - len ? size - 1 : want - len, 0);
        if (k <= 0) return -1;
        len += (size_t)k;
    }
    return status;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    char head[512], resp[8192];
    int fd = dial(w->id);
    for (unsigned long seq = 0; now() < deadline; seq++) {
        int b = (int)(seq % NBODIES);
        if (newsrc) fresh_sources(w, b, seq, start_time + (time_t)seq);
        else stamp(w, b, start_time + (time_t)seq);
        int hl = snprintf(head, sizeof head,
            "POST /api/v1/submit HTTP/1.1\r\nHost: load\r\nAuthorization: Bearer %s\r\n"
            "X-Batch-Id: load-%ld-%d-%lu\r\nContent-Type: text/tab-separated-values\r\n"
            "Content-Length: %zu\r\n\r\n", secrets[w->id % nsecrets], (long)getpid(), w->id, seq,
            w->blen[b]);
        double t = now();
        int status = -1;
        if (!send_all(fd, head, (size_t)hl) && !send_all(fd, w->body[b], w->blen[b]))
            status = read_response(fd, resp, sizeof resp);
        if (status < 0) { close(fd); fd = dial(w->id); }
        if (status != 200) { w->errors++; continue; }
        if (w->nlat == w->cap) w->lat = realloc(w->lat, (w->cap = w->cap ? 2 * w->cap : 4096) * sizeof *w->lat);
        w->lat[w->nlat++] = now() - t;
    }
    close(fd);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int conns = 4, opt;
    double seconds = 60;
    while ((opt = getopt(argc, argv, "c:t:b:n")) != -1) {
        if (opt == 'c') conns = atoi(optarg);
        else if (opt == 'n') newsrc = 1;
        else if (opt == 't') seconds = atof(optarg);
        else if (opt == 'b') batch = atoi(optarg);
        else return 2;
    }
    if (argc - optind != 2 || conns < 1 || conns > 64 || batch < 1 || seconds <= 0) {
        fprintf(stderr, "usage: load [-c CONNS] [-t SECONDS] [-b EVENTS] [-n] HOST:PORT[,...] SECRET[,...]\n");
        return 2;
    }
    for (char *a = strtok(argv[optind], ","); a; a = strtok(NULL, ",")) {
        char host[64];
        const char *colon = strrchr(a, ':');
        if (!colon || colon - a >= (long)sizeof host || nservers == 16) return 2;
        memcpy(host, a, (size_t)(colon - a));
        host[colon - a] = '\0';
        struct sockaddr_in *sv = &servers[nservers++];
        sv->sin_family = AF_INET;
        sv->sin_port = htons((uint16_t)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &sv->sin_addr) != 1) return 2;
    }
    for (char *k = strtok(argv[optind + 1], ","); k && nsecrets < 64; k = strtok(NULL, ","))
        secrets[nsecrets++] = k;
    if (!nsecrets) return 2;
    start_time = time(NULL) - 3 * 86400;
    nconns = conns;

    struct worker *w = calloc((size_t)conns, sizeof *w);
    for (int i = 0; i < conns; i++) { w[i].id = i; make_bodies(&w[i]); }
    double t0 = now();
    deadline = t0 + seconds;
    for (int i = 0; i < conns; i++) pthread_create(&w[i].th, NULL, work, &w[i]);
    size_t n = 0;
    unsigned long errors = 0;
    for (int i = 0; i < conns; i++) { pthread_join(w[i].th, NULL); n += w[i].nlat; errors += w[i].errors; }
    double el = now() - t0;
    double *all = malloc((n ? n : 1) * sizeof *all);
    for (int i = 0, k = 0; i < conns; i++)
        for (size_t j = 0; j < w[i].nlat; j++) all[k++] = w[i].lat[j];
    qsort(all, n, sizeof *all, cmp);
    printf("connections %d, batch %d events%s, %.1f s: %zu batches, %.0f events/s, "
           "latency p50 %.1f ms, p99 %.1f ms, max %.1f ms, errors %lu\n",
           conns, batch, newsrc ? " (every source new)" : "", el, n, (double)n * batch / el,
           n ? all[n / 2] * 1e3 : 0, n ? all[(size_t)(n * 0.99)] * 1e3 : 0,
           n ? all[n - 1] * 1e3 : 0, errors);
    return errors != 0;
}
