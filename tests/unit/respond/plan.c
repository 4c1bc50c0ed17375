/* plan.c -- lib/respond/plan.c: what `wormwatch block` gathers. Scanners
 * whose src is a prefix (a group of rotating addresses, as analyze and the
 * collector report them) are read beside plain addresses, from analyze
 * JSON, from a plain list and from a collector (a tiny HTTP server in a
 * thread on 127.0.0.1 answering /api/v1/sources and /api/v1/alerts); each
 * network is kept exactly as given, never wider; bad entries are errors
 * naming the place. Then the plan through block.h: a prefix holding an
 * allowed address is cut around it, one inside an allowed network dropped. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"
#include "core/err.h"
#include "core/mem.h"
#include "respond/plan.h"

/* A file holding text, in TMPDIR (or /tmp); the caller unlinks it. */
static const char *file_with(const char *text)
{
    static char path[4][256];
    static int k;
    char *p = path[k++ % 4];
    const char *dir = getenv("TMPDIR");
    snprintf(p, 256, "%s/ww_plan_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(p);
    CHECK(fd >= 0);
    if (fd < 0) exit(1);
    size_t n = strlen(text);
    CHECK_INT(write(fd, text, n), (long long)n);
    close(fd);
    return p;
}

/* The plan's networks as text, "a b/len ...". */
static const char *nets_text(const struct ww_plan *p)
{
    static char out[1024];
    char t[WW_CIDR_STRLEN];
    out[0] = 0;
    for (size_t i = 0; i < p->nnets; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "",
                 ww_cidr_format(&p->nets[i], t));
    return out;
}

static void test_analyze(void)
{
    const char *path = file_with(
        "{\"scanners\": ["
        "{\"src\": \"2001:db8:77:1::/64\", \"addresses\": 300, \"kind\": \"vertical\"},"
        "{\"src\": \"2001:db8:aa::10\", \"kind\": \"vertical\"},"
        "{\"src\": \"100.64.0.0/24\", \"addresses\": 4},"
        "{\"src\": \"198.51.100.7\", \"slow\": true},"
        "{\"src\": \"2001:db8:77:2::5/64\"}],"
        " \"surges\": [{\"port\": 139}, {\"port\": 445}, {\"port\": 139}]}");
    struct ww_plan p = {0};
    char err[512];
    CHECK_INT(ww_plan_analyze(&p, path, 1, err, sizeof err), WW_OK);
    /* each as reported: a /64 stays a /64, an address /128 or /32; host bits cleared */
    CHECK_STR(nets_text(&p), "2001:db8:77:1::/64 2001:db8:aa::10 100.64.0.0/24 198.51.100.7 2001:db8:77:2::/64");
    CHECK_INT(p.nnets, 5);
    if (p.nnets == 5) {
        CHECK_INT(p.nets[0].len, 64);
        CHECK_INT(p.nets[1].len, 128);
        CHECK_INT(p.nets[2].len, 24);
        CHECK_INT(p.nets[3].len, 32);
    }
    CHECK_INT(p.nports, 2);
    ww_plan_release(&p);
    unlink(path);

    static const struct { const char *json, *err; } bad[] = {
        {"{\"scanners\": [{\"src\": \"10.0.0.1\"}, {\"src\": \"2001:db8::/129\"}]}",
         "scanners[1].src: not an address or CIDR: '2001:db8::/129'"},
        {"{\"scanners\": [{\"src\": \"100.64.0.0/33\"}]}", "scanners[0].src: not an address or CIDR: '100.64.0.0/33'"},
        {"{\"scanners\": [{\"src\": \"2001:db8:77:1::/\"}]}", "scanners[0].src: not an address or CIDR: '2001:db8:77:1::/'"},
        {"{\"scanners\": [{\"src\": 5}]}", "scanners[0].src: not an address or CIDR: '(missing)'"},
        {"{\"scanners\": {}}", "scanners: no array of sources"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct ww_plan q = {0};
        char want[600];
        path = file_with(bad[i].json);
        snprintf(want, sizeof want, "%s: %s", path, bad[i].err);
        err[0] = 0;
        CHECK_INT(ww_plan_analyze(&q, path, 0, err, sizeof err), WW_ERR_PARSE);
        CHECK_STR(err, want);
        ww_plan_release(&q);
        unlink(path);
    }
}

static void test_list(void)
{
    const char *path = file_with("# a plain list\n2001:db8:77:1::/64\n  100.64.0.0/24  # a group\n\n203.0.113.5\n");
    struct ww_plan p = {0};
    char err[512], want[600];
    CHECK_INT(ww_plan_list(&p, path, err, sizeof err), WW_OK);
    CHECK_STR(nets_text(&p), "2001:db8:77:1::/64 100.64.0.0/24 203.0.113.5");
    ww_plan_release(&p);
    unlink(path);
    path = file_with("2001:db8:77:1::/64\n2001:db8:77:1::/200\n");
    snprintf(want, sizeof want, "%s:2: not an address or CIDR: '2001:db8:77:1::/200'", path);
    CHECK_INT(ww_plan_list(&p, path, err, sizeof err), WW_ERR_PARSE);
    CHECK_STR(err, want);
    ww_plan_release(&p);
    unlink(path);
}

/* ---- a collector that answers two requests' worth of canned JSON ---- */

static int lfd;
static char last_paths[256];

static void *collector(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) return NULL;
        char req[4096];
        size_t n = 0;
        while (n < sizeof req - 1) {
            ssize_t k = recv(fd, req + n, sizeof req - 1 - n, 0);
            if (k <= 0) break;
            n += (size_t)k;
            req[n] = 0;
            if (strstr(req, "\r\n\r\n")) break;
        }
        req[n] = 0;
        char *sp = strchr(req, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
        if (sp && sp2)
            snprintf(last_paths + strlen(last_paths), sizeof last_paths - strlen(last_paths), "%.*s ",
                     (int)(sp2 - sp - 1), sp + 1);
        const char *body = sp && !strncmp(sp + 1, "/api/v1/sources", 15)
            ? "{\"sources\": [{\"src\": \"2001:db8:77:1::/64\", \"addresses\": 3, \"records\": 300},"
              " {\"src\": \"203.0.113.5\", \"records\": 20}, {\"src\": \"100.64.8.0/24\", \"addresses\": 2}]}"
            : "{\"alerts\": [{\"port\": 139}]}";
        char head[256];
        int h = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n", strlen(body));
        if (send(fd, head, (size_t)h, MSG_NOSIGNAL) < 0 || send(fd, body, strlen(body), MSG_NOSIGNAL) < 0) {
            /* the client hung up: nothing to do */
        }
        close(fd);
    }
}

static void test_collector(void)
{
    setenv("no_proxy", "*", 1);
    setenv("NO_PROXY", "*", 1);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    CHECK_INT(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_INT(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
    CHECK_INT(listen(lfd, 8), 0);
    pthread_t th;
    CHECK_INT(pthread_create(&th, NULL, collector, NULL), 0);
    char url[64], err[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct ww_plan p = {0};
    CHECK_INT(ww_plan_collector(&p, url, 7, 1, err, sizeof err), WW_OK);
    CHECK_STR(nets_text(&p), "2001:db8:77:1::/64 203.0.113.5 100.64.8.0/24");
    CHECK_INT(p.nports, 1);
    CHECK_STR(last_paths, "/api/v1/sources?limit=7 /api/v1/alerts?limit=7 ");
    ww_plan_release(&p);
    curl_global_cleanup();
    shutdown(lfd, SHUT_RDWR);
    close(lfd);
    pthread_join(th, NULL);
}

/* The plan through block.h's script: the allowed address cut out of the
 * /64, the prefix inside an allowed network left out, nothing wider. */
static void note(void *ctx, const struct ww_cidr *c, const char *why)
{
    char t[WW_CIDR_STRLEN];
    snprintf((char *)ctx + strlen(ctx), 512 - strlen(ctx), "%s: %s\n", ww_cidr_format(c, t), why);
}

static void test_to_script(void)
{
    const char *path = file_with("2001:db8:77:1::/64\n100.64.0.0/24\n198.51.100.7\n");
    struct ww_plan p = {0};
    char err[512], notes[512] = "";
    CHECK_INT(ww_plan_allow(&p, "2001:db8:77:1::5,100.64.0.0/16"), WW_OK);
    CHECK_INT(ww_plan_allow(&p, "2001:db8:77:1::5/129"), WW_ERR_PARSE);
    CHECK_INT(ww_plan_list(&p, path, err, sizeof err), WW_OK);
    unlink(path);
    struct ww_block_opts o = {.ttl_us = 3600 * INT64_C(1000000), .dry_run = 1};
    ww_plan_opts(&p, &o);
    struct ww_block *b = ww_block_open(&o, err, sizeof err);
    CHECK(b != NULL);
    char *s = b ? ww_block_script(b, p.nets, p.nnets, note, notes) : NULL;
    const char *el = s ? strstr(s, "add element inet wormwatch block") : NULL;
    CHECK_STR(el, "add element inet wormwatch block4 { 198.51.100.7 timeout 1h }\n"
                  "add element inet wormwatch block6 { 2001:db8:77:1::-2001:db8:77:1::4 timeout 1h }\n"
                  "add element inet wormwatch block6 { 2001:db8:77:1::6-2001:db8:77:1:ffff:ffff:ffff:ffff timeout 1h }\n");
    CHECK_STR(notes, "2001:db8:77:1::5: allowed by --allow, cut out of 2001:db8:77:1::/64\n"
                     "100.64.0.0/24: allowed by --allow (100.64.0.0/16)\n");
    ww_free(s);
    ww_block_close(b);
    ww_plan_release(&p);
}

TEST_MAIN({
    test_analyze();
    test_list();
    test_collector();
    test_to_script();
})
