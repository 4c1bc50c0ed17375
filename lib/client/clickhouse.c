/* clickhouse.c -- ClickHouse's HTTP interface (see clickhouse.h).
 *
 * Every request is a POST to the server's root with the database as a URL
 * parameter: a statement or a query travels as the body; an INSERT names
 * itself in the URL's `query` parameter (escaped by libcurl) and sends its
 * data as the body, so a large insert is never parsed as SQL. Settings are
 * URL parameters too, checked to hold only [A-Za-z0-9_.] so none can smuggle
 * another. Credentials go as HTTP basic auth (libcurl's own; 18.16
 * checks it, as it does the X-ClickHouse-User/-Key headers: both measured
 * to refuse a wrong key with Code: 193), never in a URL that a log might
 * keep. One CURL handle per client keeps its connection between requests,
 * limited to http and https like client/http.c.
 *
 * An answer is collected into a core/buf.h buffer capped at answer_max
 * (past it: WW_ERR_LIMIT) and read only once complete, so a row handed to
 * the caller never belongs to an answer that later failed. ClickHouse
 * reports an error as a non-200 status with "Code: N, e.displayText() = ..."
 * as the body; an error after the answer began (the status already sent as
 * 200) ends the body with that same line, so a 200 answer whose last line
 * starts "Code: " with e.displayText() is an error too. TabSeparated is
 * split and unescaped in place (ClickHouse's rules: backslash escapes, \N
 * alone for NULL), no allocation per row. */
#include "client/clickhouse.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct ww_ch {
    CURL *curl;
    char *url;      /* the URL as given, for messages */
    char *base;     /* scheme://host:port/ */
    char *db;       /* database, or NULL */
    char *user, *key;
    long timeout_ms;
    size_t answer_max;
};

static int word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

enum ww_err ww_ch_open(struct ww_ch **out, const char *url, const char *user, const char *key,
                       long timeout_ms, size_t answer_max, char *err, size_t errlen)
{
    *out = NULL;
    const char *host = !strncmp(url, "http://", 7) ? url + 7 : !strncmp(url, "https://", 8) ? url + 8 : NULL;
    if (!host) {
        snprintf(err, errlen, "%s: not an http:// or https:// URL", url);
        return WW_ERR_ARG;
    }
    const char *slash = strchr(host, '/');
    const char *db = slash ? slash + 1 : "";
    size_t dl = strlen(db);
    if (dl && db[dl - 1] == '/') dl--;
    for (size_t i = 0; i < dl; i++)
        if (!word_char(db[i])) {
            snprintf(err, errlen, "%s: expected http://HOST:PORT/DATABASE (a database of letters, digits, _)", url);
            return WW_ERR_ARG;
        }
    if ((slash ? slash : host + strlen(host)) == host || timeout_ms <= 0 || !answer_max) {
        snprintf(err, errlen, "%s: %s", url, timeout_ms <= 0 || !answer_max ? "no timeout or answer cap" : "no host");
        return WW_ERR_ARG;
    }
    struct ww_ch *ch = ww_calloc(1, sizeof *ch);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ch->curl = curl_easy_init();
    if (!ch->curl) {
        snprintf(err, errlen, "%s: cannot start libcurl", url);
        ww_ch_close(ch);
        return WW_ERR_IO;
    }
    size_t bl = (size_t)((slash ? slash : host + strlen(host)) - url);
    ch->url = ww_strdup(url);
    ch->base = ww_malloc(bl + 2);
    snprintf(ch->base, bl + 2, "%.*s/", (int)bl, url);
    if (dl) {
        ch->db = ww_malloc(dl + 1);
        snprintf(ch->db, dl + 1, "%.*s", (int)dl, db);
    }
    ch->user = user ? ww_strdup(user) : NULL;
    ch->key = key ? ww_strdup(key) : NULL;
    ch->timeout_ms = timeout_ms;
    ch->answer_max = answer_max;
    *out = ch;
    return WW_OK;
}

void ww_ch_close(struct ww_ch *ch)
{
    if (!ch) return;
    if (ch->curl) curl_easy_cleanup(ch->curl);
    curl_global_cleanup();
    ww_free(ch->url), ww_free(ch->base), ww_free(ch->db), ww_free(ch->user);
    if (ch->key) memset(ch->key, 0, strlen(ch->key));
    ww_free(ch->key);
    ww_free(ch);
}

static size_t on_data(char *d, size_t sz, size_t nm, void *ctx)
{
    return ww_buf_add(ctx, d, sz * nm) ? 0 : sz * nm; /* 0: past the cap, curl stops */
}

/* Appends "&name=value" to the URL in u, value escaped by libcurl. */
static void param(struct ww_buf *u, CURL *c, const char *name, const char *value)
{
    char *v = curl_easy_escape(c, value, 0);
    ww_buf_addf(u, "%s%s=%s", strchr(u->p, '?') ? "&" : "?", name, v ? v : "");
    curl_free(v);
}

static const char *const LIMIT_CODES[] = {"158", "159", "160", "202", "241", "252", "307", "396", NULL};

enum ww_err ww_ch_error(const char *where, long status, const char *body, char *err, size_t errlen)
{
    const char *m = body ? body : "";
    while (*m == ' ' || *m == '\n' || *m == '\r') m++;
    size_t n = strlen(m);
    const char *what = strstr(m, ", e.what() = ");
    if (what) n = (size_t)(what - m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == '\r' || m[n - 1] == ' ')) n--;
    if (strncmp(m, "Code: ", 6)) {
        if (n > 300) n = 300;
        snprintf(err, errlen, "%s: HTTP %ld%s%.*s", where, status, n ? ": " : "", (int)n, m);
        return WW_ERR_IO;
    }
    snprintf(err, errlen, "%s: %.*s", where, (int)n, m);
    size_t cl = strspn(m + 6, "0123456789");
    if (cl == 2 && !strncmp(m + 6, "62", 2)) return WW_ERR_PARSE;
    for (size_t i = 0; LIMIT_CODES[i]; i++)
        if (cl == strlen(LIMIT_CODES[i]) && !strncmp(m + 6, LIMIT_CODES[i], cl)) return WW_ERR_LIMIT;
    return WW_ERR_ARG;
}

/* A 200 answer whose last line is ClickHouse's error (it failed after the
 * status was sent): where that line starts, or NULL. */
static const char *late_error(const struct ww_buf *b)
{
    if (!b->p) return NULL;
    size_t e = b->len;
    while (e && b->p[e - 1] == '\n') e--;
    size_t s = e;
    while (s && b->p[s - 1] != '\n') s--;
    const char *l = b->p + s;
    return e - s > 6 && !strncmp(l, "Code: ", 6) && strstr(l, "e.displayText() = ") ? l : NULL;
}

/* One request: POST body to the base URL with the database, the query (an
 * INSERT's; NULL for SQL in the body) and settings as parameters; the
 * answer lands in ans. */
static enum ww_err request(struct ww_ch *ch, const char *query, const char *const *settings,
                           const void *body, size_t len, struct ww_buf *ans, char *err, size_t errlen)
{
    for (size_t i = 0; settings && settings[i]; i++) {
        const char *s = settings[i], *eq = strchr(s, '=');
        size_t ok = 0;
        for (const char *p = s; *p; p++) ok += word_char(*p) || (*p == '.' && p > eq) || p == eq;
        if (!eq || eq == s || !eq[1] || ok != strlen(s)) {
            snprintf(err, errlen, "%s: setting \"%s\" is not name=value of [A-Za-z0-9_.]", ch->url, s);
            return WW_ERR_ARG;
        }
    }
    struct ww_buf u;
    ww_buf_init(&u, 1 << 16);
    ww_buf_addf(&u, "%s", ch->base);
    if (ch->db) param(&u, ch->curl, "database", ch->db);
    if (query) param(&u, ch->curl, "query", query);
    for (size_t i = 0; settings && settings[i]; i++) ww_buf_addf(&u, "%s%s", strchr(u.p, '?') ? "&" : "?", settings[i]);
    if (u.err) {
        ww_buf_reset(&u);
        snprintf(err, errlen, "%s: request URL too long", ch->url);
        return WW_ERR_LIMIT;
    }
    CURL *c = ch->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, u.p);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ch->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (ch->user) curl_easy_setopt(c, CURLOPT_USERNAME, ch->user);
    if (ch->key) curl_easy_setopt(c, CURLOPT_PASSWORD, ch->key);
    struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ans);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    ww_buf_reset(&u);
    enum ww_err e = WW_OK;
    const char *late;
    if (rc == CURLE_WRITE_ERROR && ans->err) {
        snprintf(err, errlen, "%s: answer over %zu bytes", ch->url, ch->answer_max);
        e = WW_ERR_LIMIT;
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        snprintf(err, errlen, "%s: no answer in %ld ms", ch->url, ch->timeout_ms);
        e = WW_ERR_IO;
    } else if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", ch->url, curl_easy_strerror(rc));
        e = WW_ERR_IO;
    } else if (status != 200) {
        e = ww_ch_error(ch->url, status, ans->p, err, errlen);
    } else if ((late = late_error(ans))) {
        e = ww_ch_error(ch->url, 500, late, err, errlen);
    }
    if (e) ww_buf_reset(ans);
    return e;
}

enum ww_err ww_ch_exec(struct ww_ch *ch, const char *sql, char *err, size_t errlen)
{
    struct ww_buf ans;
    ww_buf_init(&ans, ch->answer_max);
    enum ww_err e = request(ch, NULL, NULL, sql, strlen(sql), &ans, err, errlen);
    ww_buf_reset(&ans);
    return e;
}

enum ww_err ww_ch_query(struct ww_ch *ch, const char *sql, ww_ch_row_fn fn, void *ctx,
                        char *err, size_t errlen)
{
    struct ww_buf q, ans;
    ww_buf_init(&q, strlen(sql) + 64);
    ww_buf_addf(&q, "%s\nFORMAT TabSeparated", sql);
    ww_buf_init(&ans, ch->answer_max);
    enum ww_err e = request(ch, NULL, NULL, q.p, q.len, &ans, err, errlen);
    if (!e && ans.p) e = ww_ch_tsv_rows(ans.p, ans.len, fn, ctx, err, errlen);
    ww_buf_reset(&q);
    ww_buf_reset(&ans);
    return e;
}

enum ww_err ww_ch_insert(struct ww_ch *ch, const char *table, const char *format,
                         const char *const *settings, const void *body, size_t len,
                         char *err, size_t errlen)
{
    if (strcmp(format, "TabSeparated") && strcmp(format, "RowBinary")) {
        snprintf(err, errlen, "%s: insert format %s: TabSeparated or RowBinary", ch->url, format);
        return WW_ERR_ARG;
    }
    for (const char *p = table; ; p++)
        if (!*p || (!word_char(*p) && *p != '.')) {
            if (!*p && p > table) break;
            snprintf(err, errlen, "%s: table name \"%s\" is not [A-Za-z0-9_.]", ch->url, table);
            return WW_ERR_ARG;
        }
    char q[512];
    snprintf(q, sizeof q, "INSERT INTO %s FORMAT %s", table, format);
    struct ww_buf ans;
    ww_buf_init(&ans, ch->answer_max);
    enum ww_err e = request(ch, q, settings, len ? body : "", len, &ans, err, errlen);
    ww_buf_reset(&ans);
    return e;
}

int ww_ch_tsv_escape(struct ww_buf *b, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *x = NULL;
        switch (s[i]) {
        case '\\': x = "\\\\"; break;
        case '\t': x = "\\t"; break;
        case '\n': x = "\\n"; break;
        case '\r': x = "\\r"; break;
        case '\0': x = "\\0"; break;
        case '\b': x = "\\b"; break;
        case '\f': x = "\\f"; break;
        default: continue;
        }
        ww_buf_add(b, s + from, i - from);
        ww_buf_add(b, x, 2);
        from = i + 1;
    }
    ww_buf_add(b, s + from, n - from);
    return b->err;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Unescapes f[0..n) in place; its new length, or -1 for a bad \x. */
static long unescape(char *f, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i] != '\\' || i + 1 == n) {
            f[o++] = f[i];
            continue;
        }
        char c = f[++i];
        switch (c) {
        case 't': f[o++] = '\t'; break;
        case 'n': f[o++] = '\n'; break;
        case 'r': f[o++] = '\r'; break;
        case '0': f[o++] = '\0'; break;
        case 'b': f[o++] = '\b'; break;
        case 'f': f[o++] = '\f'; break;
        case 'a': f[o++] = '\a'; break;
        case 'v': f[o++] = '\v'; break;
        case 'x': {
            int h = i + 2 < n ? hexval(f[i + 1]) : -1, l = i + 2 < n ? hexval(f[i + 2]) : -1;
            if (h < 0 || l < 0) return -1;
            f[o++] = (char)(h * 16 + l);
            i += 2;
            break;
        }
        default: f[o++] = c; /* \\, \', and any other: the character itself */
        }
    }
    f[o] = '\0';
    return (long)o;
}

enum ww_err ww_ch_tsv_rows(char *text, size_t len, ww_ch_row_fn fn, void *ctx,
                           char *err, size_t errlen)
{
    char *col[WW_CH_COLS_MAX];
    size_t cl[WW_CH_COLS_MAX];
    size_t row = 0;
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        size_t nc = 0;
        row++;
        for (char *f = p;;) {
            char *tab = memchr(f, '\t', (size_t)(le - f));
            char *fe = tab ? tab : le;
            if (nc == WW_CH_COLS_MAX) {
                snprintf(err, errlen, "row %zu: more than %d columns", row, WW_CH_COLS_MAX);
                return WW_ERR_LIMIT;
            }
            *fe = '\0'; /* the tab, the newline, or the buffer's own NUL past len */
            if (fe - f == 2 && f[0] == '\\' && f[1] == 'N') {
                col[nc] = NULL, cl[nc++] = 0;
            } else {
                long n = unescape(f, (size_t)(fe - f));
                if (n < 0) {
                    snprintf(err, errlen, "row %zu, column %zu: bad \\x escape", row, nc + 1);
                    return WW_ERR_PARSE;
                }
                col[nc] = f, cl[nc++] = (size_t)n;
            }
            if (!tab) break;
            f = tab + 1;
        }
        if (fn(ctx, col, cl, nc)) break;
        p = le + 1;
    }
    return WW_OK;
}
