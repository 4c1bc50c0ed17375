/* mail.c -- lib/client/mail.c: through a stand-in sendmail (a shell script
 * this test writes, recording its arguments and input): the fixed argv, the
 * message as given, an exit status or a signal as the reason, a sendmail
 * that reads nothing, one that does not exist; through a tiny SMTP server
 * in a thread (one session, then close): the envelope, CRLF line ends, a
 * dot-stuffed line, a refused recipient, a refused connection; addresses
 * and URLs refused before anything runs. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "client/mail.h"
#include "core/err.h"

static char dir[256];

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void script(const char *name, const char *body, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(path, 0700);
}

static const char msg[] = "From: wormwatch <ww@example.org>\nTo: ops@example.org\n"
                          "Subject: wormwatch: surge on 139/tcp\n\nline one\n.\nlast line\n";

static void by_sendmail(void)
{
    char ok[300], fail[300], deaf[300], killed[300], err[256] = "", cmd[900];
    snprintf(cmd, sizeof cmd, "echo \"$@\" > %s/args; cat > %s/input", dir, dir);
    script("ok", cmd, ok, sizeof ok);
    script("fail", "cat > /dev/null; exit 75", fail, sizeof fail);
    script("deaf", "exit 0", deaf, sizeof deaf);
    script("killed", "kill -9 $$", killed, sizeof killed);

    CHECK_INT(ww_mail_send(NULL, ok, "ww@example.org", "ops@example.org", msg, err, sizeof err), WW_OK);
    char path[300], *got;
    snprintf(path, sizeof path, "%s/args", dir);
    CHECK_STR(got = slurp(path), "-t -i\n");
    free(got);
    snprintf(path, sizeof path, "%s/input", dir);
    CHECK_STR(got = slurp(path), msg);
    free(got);

    CHECK_INT(ww_mail_send(NULL, fail, "ww@example.org", "ops@example.org", msg, err, sizeof err),
              WW_ERR_IO);
    CHECK(strstr(err, "exited with status 75") != NULL);
    CHECK_INT(ww_mail_send(NULL, killed, "ww@example.org", "ops@example.org", msg, err, sizeof err),
              WW_ERR_IO);
    CHECK(strstr(err, "killed by signal 9") != NULL);
    /* exits 0 without reading a message larger than the socket holds:
     * not delivered, and no SIGPIPE */
    size_t big = 4 << 20;
    char *large = malloc(big + 1);
    memset(large, 'x', big);
    large[big] = '\0';
    CHECK_INT(ww_mail_send(NULL, deaf, "ww@example.org", "ops@example.org", large, err, sizeof err),
              WW_ERR_IO);
    CHECK(strstr(err, "did not read the message") != NULL);
    free(large);
    snprintf(path, sizeof path, "%s/no-such-sendmail", dir);
    CHECK_INT(ww_mail_send(NULL, path, "ww@example.org", "ops@example.org", msg, err, sizeof err),
              WW_ERR_IO);
    CHECK(strstr(err, "cannot run it") != NULL);

    /* refused before anything runs */
    static const char *const bad[] = {"", "ops", "a@example.org,b@example.org",
                                      "ops@example.org\r\nBcc: x@example.org", "<ops@example.org>",
                                      "ops @example.org"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(ww_mail_send(NULL, ok, "ww@example.org", bad[i], msg, err, sizeof err), WW_ERR_ARG);
        CHECK_INT(ww_mail_send(NULL, ok, bad[i], "ops@example.org", msg, err, sizeof err), WW_ERR_ARG);
    }
    CHECK_INT(ww_mail_send("http://127.0.0.1:1/", ok, "ww@example.org", "ops@example.org", msg, err,
                           sizeof err), WW_ERR_ARG);
    CHECK(strstr(err, "smtp://") != NULL);
}

/* ---- a one-session SMTP server ---- */

static int lfd, port;
static char session[8192];    /* what the client sent, as sent */
static int refuse_rcpt;

static void put(int fd, const char *s)
{
    send(fd, s, strlen(s), MSG_NOSIGNAL);
}

static void *smtp_main(void *arg)
{
    (void)arg;
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) return NULL;
    size_t len = 0, seen = 0;
    int data = 0;
    put(fd, "220 test ESMTP\r\n");
    for (;;) {
        ssize_t k = recv(fd, session + len, sizeof session - 1 - len, 0);
        if (k <= 0) break;
        len += (size_t)k;
        session[len] = '\0';
        char *eol;
        while ((eol = strstr(session + seen, "\r\n"))) {
            char *line = session + seen;
            size_t ll = (size_t)(eol - line);
            seen += ll + 2;
            if (data) {
                if (ll == 1 && line[0] == '.') {
                    data = 0;
                    put(fd, "250 queued\r\n");
                }
                continue;
            }
            if (!strncmp(line, "EHLO", 4)) put(fd, "250 test\r\n");
            else if (!strncmp(line, "MAIL FROM:", 10)) put(fd, "250 ok\r\n");
            else if (!strncmp(line, "RCPT TO:", 8)) put(fd, refuse_rcpt ? "550 no such user\r\n" : "250 ok\r\n");
            else if (!strncmp(line, "DATA", 4)) { put(fd, "354 go on\r\n"); data = 1; }
            else if (!strncmp(line, "QUIT", 4)) { put(fd, "221 bye\r\n"); goto out; }
            else put(fd, "250 ok\r\n");
        }
    }
out:
    close(fd);
    return NULL;
}

static int smtp_session(const char *to, char *err, size_t errlen)
{
    pthread_t th;
    char url[64];
    session[0] = '\0';
    pthread_create(&th, NULL, smtp_main, NULL);
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
    int rc = ww_mail_send(url, "/nonexistent", "ww@example.org", to, msg, err, errlen);
    pthread_join(th, NULL);
    return rc;
}

static void by_smtp(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 4) ||
        getsockname(lfd, (struct sockaddr *)&a, &al)) {
        test_skipped = "cannot listen on 127.0.0.1";
        return;
    }
    port = ntohs(a.sin_port);
    char err[256] = "";
    CHECK_INT(smtp_session("ops@example.org", err, sizeof err), WW_OK);
    CHECK(strstr(session, "MAIL FROM:<ww@example.org>") != NULL);
    CHECK(strstr(session, "RCPT TO:<ops@example.org>\r\n") != NULL);
    /* LF became CRLF; the lone "." was doubled, then the end */
    CHECK(strstr(session, "\r\nSubject: wormwatch: surge on 139/tcp\r\n\r\nline one\r\n..\r\n"
                          "last line\r\n.\r\n") != NULL);
    refuse_rcpt = 1;
    CHECK_INT(smtp_session("ops@example.org", err, sizeof err), WW_ERR_IO);
    CHECK(err[0] != '\0');
    close(lfd);
    /* nobody listening now */
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
    CHECK_INT(ww_mail_send(url, NULL, "ww@example.org", "ops@example.org", msg, err, sizeof err),
              WW_ERR_IO);
}

TEST_MAIN({
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ww-mail-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    by_sendmail();
    by_smtp();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
})
