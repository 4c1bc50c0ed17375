/* mail.c -- one mail, by SMTP or by sendmail (see mail.h).
 *
 * SMTP is libcurl's: MAIL FROM, RCPT TO, and the message read from memory
 * by a read callback; CURLOPT_CRLF turns its LF line ends into SMTP's CRLF
 * (libcurl also dot-stuffs). Only smtp and smtps are allowed, so a URL
 * cannot make this a file or HTTP client.
 *
 * sendmail is fork/exec, no shell: argv is fixed ("-t -i": recipients
 * from the To: header, a lone "." is not the end), so nothing in an address
 * or the message reaches a command line. The message goes to its standard
 * input over a socketpair rather than a pipe, so that a sendmail which
 * exits early gives EPIPE through send(MSG_NOSIGNAL) instead of a SIGPIPE
 * to the whole process. The child only calls async-signal-safe functions
 * between fork and exec (the caller may have threads): it puts the socket
 * on fd 0, unblocks every signal and resets SIGPIPE (serve blocks and
 * ignores them; sendmail must not inherit that), and execs. Both ends are
 * close-on-exec, so a sendmail started by another thread at the same time
 * never holds our end open. Its exit status decides. */
#include "client/mail.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct reader { const char *p; size_t left; };

static size_t on_read(char *buf, size_t size, size_t n, void *ctx)
{
    struct reader *r = ctx;
    size_t k = size * n < r->left ? size * n : r->left;
    memcpy(buf, r->p, k);
    r->p += k;
    r->left -= k;
    return k;
}

/* A bare address: 1..254 printable characters, an @, none of what would
 * end it in a header or an SMTP command. */
int ww_mail_address_ok(const char *a)
{
    size_t n = strlen(a);
    if (n < 3 || n > 254 || !strchr(a, '@')) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a[i] <= ' ' || a[i] == 0x7f || strchr("<>,;\"()[]\\", a[i])) return 0;
    return 1;
}

static enum ww_err by_smtp(const char *url, const char *from, const char *to, const char *msg,
                           char *err, size_t errlen)
{
    char f[260], t[260];
    snprintf(f, sizeof f, "<%s>", from);
    snprintf(t, sizeof t, "<%s>", to);
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "cannot start libcurl");
        return WW_ERR_IO;
    }
    struct curl_slist *rcpt = curl_slist_append(NULL, t);
    struct reader r = {msg, strlen(msg)};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, f);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CRLF, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &r);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) snprintf(err, errlen, "%s", curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? WW_OK : WW_ERR_IO;
}

static enum ww_err by_sendmail(const char *path, const char *msg, char *err, size_t errlen)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return WW_ERR_IO;
    }
    char *const argv[] = {(char *)path, "-t", "-i", NULL};
    pid_t pid = fork();
    if (pid == 0) { /* async-signal-safe calls only */
        sigset_t none;
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&none);
        sigaction(SIGPIPE, &dfl, NULL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (dup2(sv[1], 0) < 0) _exit(127); /* fd 0 is not close-on-exec */
        execv(path, argv);
        _exit(127);
    }
    close(sv[1]);
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(sv[0]);
        return WW_ERR_IO;
    }
    const char *p = msg;
    size_t left = strlen(msg);
    int werr = 0;
    while (left) {
        ssize_t k = send(sv[0], p, left, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) { werr = errno; break; }
        p += k;
        left -= (size_t)k;
    }
    close(sv[0]); /* its end of input */
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "%s: waitpid: %s", path, strerror(errno));
            return WW_ERR_IO;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        snprintf(err, errlen, "%s: cannot run it", path);
    else if (WIFEXITED(status) && WEXITSTATUS(status))
        snprintf(err, errlen, "%s exited with status %d", path, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(err, errlen, "%s killed by signal %d", path, WTERMSIG(status));
    else if (werr)
        snprintf(err, errlen, "%s did not read the message: %s", path, strerror(werr));
    else
        return WW_OK;
    return WW_ERR_IO;
}

enum ww_err ww_mail_send(const char *smtp, const char *sendmail, const char *from,
                         const char *to, const char *msg, char *err, size_t errlen)
{
    if (!ww_mail_address_ok(from) || !ww_mail_address_ok(to)) {
        snprintf(err, errlen, "not a mail address: %s", ww_mail_address_ok(from) ? to : from);
        return WW_ERR_ARG;
    }
    if (smtp && strncmp(smtp, "smtp://", 7) && strncmp(smtp, "smtps://", 8)) {
        snprintf(err, errlen, "%s: not an smtp:// or smtps:// URL", smtp);
        return WW_ERR_ARG;
    }
    return smtp ? by_smtp(smtp, from, to, msg, err, errlen) : by_sendmail(sendmail, msg, err, errlen);
}
