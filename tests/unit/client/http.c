/* http.c -- lib/client/http.c: ww_http_get against a tiny HTTP/1.1 server
 * this test runs in a thread on 127.0.0.1 (an ephemeral port, one answer
 * per connection, then close): a JSON answer, a JSON error with its status,
 * answers that are not JSON (text, empty), one over the 64 MiB cap, the
 * base's trailing slashes, a refused connection, and schemes other than
 * http and https refused without a connection. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"
#include "client/http.h"

static int lfd;
static int port;
static int served;            /* connections accepted */
static char last_path[256];   /* the request line's path of the last one */

static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
        if (k <= 0) return; /* the client hung up (the cap) */
        c += k, n -= (size_t)k;
    }
}

static void answer(int fd, int status, const char *type, const char *body, size_t len)
{
    char head[256];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n", status, type, len);
    send_all(fd, head, (size_t)n);
    send_all(fd, body, len);
}

static void *server(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) return NULL; /* the listening socket was shut down */
        served++;
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
        if (sp && sp2) snprintf(last_path, sizeof last_path, "%.*s", (int)(sp2 - sp - 1), sp + 1);
        if (!strcmp(last_path, "/api/v1/json")) {
            static const char b[] = "{\"ok\": true, \"n\": 7, \"name\": \"caf\\u00e9\"}";
            answer(fd, 200, "application/json", b, sizeof b - 1);
        } else if (!strcmp(last_path, "/api/v1/missing")) {
            static const char b[] = "{\"error\": \"no such endpoint\"}";
            answer(fd, 404, "application/json", b, sizeof b - 1);
        } else if (!strcmp(last_path, "/text")) {
            answer(fd, 200, "text/plain", "hello, not json\n", 16);
        } else if (!strcmp(last_path, "/empty")) {
            answer(fd, 200, "application/json", "", 0);
        } else if (!strcmp(last_path, "/big")) { /* 64 MiB + 1 of a JSON string */
            size_t len = (64u << 20) + 1, chunk = 1 << 16;
            char *b = malloc(chunk);
            memset(b, 'a', chunk);
            char head[256];
            int h = snprintf(head, sizeof head, "HTTP/1.1 200 X\r\nContent-Type: application/json\r\n"
                             "Content-Length: %zu\r\nConnection: close\r\n\r\n\"", len);
            send_all(fd, head, (size_t)h);
            for (size_t sent = 1; sent < len - 1; sent += chunk)
                send_all(fd, b, len - 1 - sent < chunk ? len - 1 - sent : chunk);
            send_all(fd, "\"", 1);
            free(b);
        } else {
            answer(fd, 500, "text/plain", "?", 1);
        }
        close(fd);
    }
}

static int listen_local(int *out_port, int do_listen)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    CHECK_INT(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_INT(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    if (do_listen) CHECK_INT(listen(fd, 8), 0);
    *out_port = ntohs(a.sin_port);
    return fd;
}

static void run(void)
{
    /* straight to 127.0.0.1, whatever proxy the environment names */
    setenv("no_proxy", "*", 1);
    setenv("NO_PROXY", "*", 1);
    lfd = listen_local(&port, 1);
    pthread_t th;
    CHECK_INT(pthread_create(&th, NULL, server, NULL), 0);
    char base[64], err[512];
    long status;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);

    json_t *j = ww_http_get(base, "/api/v1/json", &status, err, sizeof err);
    CHECK(j != NULL);
    CHECK_INT(status, 200);
    CHECK(json_is_true(json_object_get(j, "ok")));
    CHECK_INT(json_integer_value(json_object_get(j, "n")), 7);
    CHECK_STR(json_string_value(json_object_get(j, "name")), "caf\xc3\xa9");
    json_decref(j);
    CHECK_STR(last_path, "/api/v1/json");

    /* trailing slashes of the base are dropped */
    char slashed[80];
    snprintf(slashed, sizeof slashed, "%s///", base);
    j = ww_http_get(slashed, "/api/v1/json", &status, err, sizeof err);
    CHECK(j != NULL);
    json_decref(j);
    CHECK_STR(last_path, "/api/v1/json");

    /* an error status with a JSON body: the body, and the status */
    j = ww_http_get(base, "/api/v1/missing", &status, err, sizeof err);
    CHECK(j != NULL);
    CHECK_INT(status, 404);
    CHECK_STR(json_string_value(json_object_get(j, "error")), "no such endpoint");
    json_decref(j);

    /* not JSON: NULL, the status still set, the reason names the URL */
    char want[256];
    err[0] = 0;
    CHECK(ww_http_get(base, "/text", &status, err, sizeof err) == NULL);
    CHECK_INT(status, 200);
    snprintf(want, sizeof want, "%s/text: HTTP 200, answer is not JSON", base);
    CHECK_STR(err, want);
    CHECK(ww_http_get(base, "/empty", &status, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s/empty: HTTP 200, answer is not JSON", base);
    CHECK_STR(err, want);

    /* over the cap: the transfer is cut, no answer */
    CHECK(ww_http_get(base, "/big", &status, err, sizeof err) == NULL);
    CHECK_INT(status, 0);
    snprintf(want, sizeof want, "%s/big: ", base);
    CHECK(!strncmp(err, want, strlen(want)) && strlen(err) > strlen(want));

    /* other schemes: refused before any connection is made */
    int before = served;
    char url[80];
    snprintf(url, sizeof url, "ftp://127.0.0.1:%d", port);
    err[0] = 0;
    CHECK(ww_http_get(url, "/api/v1/json", &status, err, sizeof err) == NULL);
    CHECK_INT(status, 0);
    snprintf(want, sizeof want, "%s/api/v1/json: ", url);
    CHECK(!strncmp(err, want, strlen(want)) && strstr(err, "nsupported protocol"));
    CHECK(ww_http_get("file:///etc", "/passwd", &status, err, sizeof err) == NULL);
    CHECK(strstr(err, "nsupported protocol") != NULL);
    CHECK(ww_http_get("gopher://127.0.0.1:1", "/", &status, err, sizeof err) == NULL);
    CHECK_INT(served, before);

    shutdown(lfd, SHUT_RDWR);
    CHECK_INT(pthread_join(th, NULL), 0);
    close(lfd);

    /* a port nobody listens on: refused */
    int closed_port, fd = listen_local(&closed_port, 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", closed_port);
    status = -1;
    CHECK(ww_http_get(url, "/api/v1/json", &status, err, sizeof err) == NULL);
    CHECK_INT(status, 0);
    snprintf(want, sizeof want, "%s/api/v1/json: Couldn't connect to server", url);
    CHECK_STR(err, want);
    close(fd);
}

TEST_MAIN(run())
