/* dash.c -- the dashboard's pages (lib/serve/dash.c) from a real store:
 * hostile sensor names and paths come out as text (escaped in text and in
 * attributes, URLs percent-encoded), unknown pages are 404 HTML, assets are
 * the bytes of web/ with the right content types. A second store holds
 * 2006 (history()): the pages anchor at its latest day and say so, ?date=
 * moves between days, the port chart spans the data. The stores live in a
 * mkdtemp directory ($TMPDIR or /tmp), removed at the end. */
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/addr.h"
#include "serve/dash.h"
#include "core/err.h"
#include "core/event.h"
#include "core/mem.h"
#include "store/store.h"
#include "test.h"
#include "core/wtime.h"

#define HOSTILE "<script>alert(1)</script>"
#define QUOTES "a\"b'c&d<e>"

static int64_t now;

static struct ww_dash_page get(struct ww_store *st, const char *path, const char *query)
{
    struct ww_dash_page pg;
    CHECK_INT(ww_dash_render(st, path, query, now, &pg), WW_OK);
    CHECK(pg.body && strlen(pg.body) == pg.len);
    return pg;
}

/* Only the page's own two <script src="/assets/..."> tags, no other markup
 * a value could have smuggled in. */
static void no_injection(const char *body)
{
    int scripts = 0;
    for (const char *p = body; (p = strstr(p, "<script")); p++, scripts++)
        CHECK(!strncmp(p, "<script src=\"/assets/", 21));
    CHECK_INT(scripts, 2);
    CHECK(!strstr(body, "alert(1)</script>"));
    CHECK(!strstr(body, "<e>"));
}

static void event(struct ww_event *e, const char *src, int port, int64_t ts)
{
    memset(e, 0, sizeof *e);
    CHECK_INT(ww_addr_parse(src, strlen(src), &e->src), 0);
    CHECK_INT(ww_addr_parse("10.1.0.0", 8, &e->dst), 0);
    e->ts_us = ts;
    e->sport = 40000;
    e->dport = (uint16_t)port;
    e->proto = WW_PROTO_TCP;
    e->count = 1;
}

/* The whole of web/FILE, or NULL (tests run from the project root). */
static char *slurp(const char *rel, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "web/%s", rel);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = ww_malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void assets(struct ww_store *st)
{
    static const char *const files[][2] = {
        {"dash.js", "text/javascript; charset=utf-8"},
        {"dash.css", "text/css; charset=utf-8"},
        {"icon.svg", "image/svg+xml"},
        {"vendor/uplot/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
        {"vendor/uplot/uPlot.min.css", "text/css; charset=utf-8"},
        {"vendor/uplot/LICENSE", "text/plain; charset=utf-8"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[128];
        size_t len = 0;
        char *want = slurp(files[i][0], &len);
        snprintf(path, sizeof path, "/assets/%s", files[i][0]);
        struct ww_dash_page pg;
        CHECK_INT(ww_dash_render(st, path, NULL, now, &pg), WW_OK);
        CHECK_INT(pg.status, 200);
        CHECK_STR(pg.content_type, files[i][1]);
        CHECK_INT(pg.body_static, 1);
        CHECK(want != NULL);
        if (want) {
            CHECK_INT(pg.len, len);
            CHECK(pg.len == len && !memcmp(pg.body, want, len));
        }
        ww_dash_page_free(&pg);
        ww_free(want);
    }
    struct ww_dash_page pg = get(st, "/assets/nope.js", NULL);
    CHECK_INT(pg.status, 404);
    CHECK_STR(pg.content_type, "text/html; charset=utf-8");
    ww_dash_page_free(&pg);
}

/* A store of 2006-08-03 and 08-04 read in 2026: the overview shows 08-04
 * and says it is the latest day with data, with its figures; ?date= goes to
 * 08-03 and back; the port chart covers the two days; a bad date is a 400. */
static void history(const char *path)
{
    struct ww_store *st;
    char err[256], secret[65], name[65];
    int64_t id = 0;
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_key_add(st, "sensor-2006", secret), WW_OK);
    CHECK_INT(ww_store_key_check(st, secret, &id, name), WW_OK);
    const int64_t d3 = (int64_t)1154563200 * 1000000; /* 2006-08-03T00:00:00Z */
    struct ww_event ev[5];
    event(&ev[0], "203.0.113.5", 139, d3 + 3600000000LL);
    event(&ev[1], "203.0.113.6", 445, d3 + 7200000000LL);
    event(&ev[2], "203.0.113.7", 139, d3 + 86400000000LL + 3600000000LL);
    event(&ev[3], "203.0.113.8", 139, d3 + 86400000000LL + 7200000000LL);
    event(&ev[4], "198.51.100.9", 40000, d3 + 86400000000LL + 60000000LL); /* backscatter */
    ev[4].sport = 80, ev[4].tcpflags = WW_TH_SYN | WW_TH_ACK, ev[4].count = 30;
    int dup = 1;
    CHECK_INT(ww_store_submit(st, id, "b1", ev, 5, &dup), WW_OK);

    struct ww_dash_page pg = get(st, "/", NULL);
    CHECK_INT(pg.status, 200);
    CHECK(strstr(pg.body, "Showing <strong id=\"day\">2006-08-04</strong>, the latest day with data: "
                          "the clock says 2026-11-18 (UTC)"));
    CHECK(strstr(pg.body, "<h2>Top ports by sources, 2006-08-04 (UTC)</h2>"));
    CHECK(strstr(pg.body, "data-api=\"/api/v1/topports/sources?limit=10&amp;date=2006-08-04\""));
    CHECK(strstr(pg.body, "<td class=\"k-port\" data-label=\"Port\"><a href=\"/port/139\">139/tcp</a></td>"
                          "<td class=\"k-num\" data-label=\"Sources\">2</td>"));
    CHECK(strstr(pg.body, "<a rel=\"prev\" href=\"/?date=2006-08-03\">&larr; 2006-08-03</a>"));
    CHECK(!strstr(pg.body, "rel=\"next\""));
    CHECK(strstr(pg.body, "data-spark-from=\"2006-08-03\" data-spark-to=\"2006-08-04\""));
    CHECK(strstr(pg.body, "/api/v1/infocon?date=2006-08-04&amp;growth=1"));
    CHECK(strstr(pg.body, "/api/v1/alerts?limit=10&amp;end=2006-08-04&amp;growth=1"));
    CHECK(strstr(pg.body, "Targets are distinct destination addresses as the sensors sent them"));
    CHECK(strstr(pg.body, "<table class=\"cards\" data-api=\"/api/v1/infocon?date=2006-08-04"));
    CHECK(strstr(pg.body, "<h2>Backscatter, 2006-08-04 (UTC)</h2>"));
    CHECK(strstr(pg.body, "data-api=\"/api/v1/backscatter?limit=10&amp;date=2006-08-04\" "
                          "data-key=\"backscatter\" data-cols=\"victim:text,proto:text,records:num,"));
    CHECK(strstr(pg.body, "<td class=\"k-text\" data-label=\"Victim\">198.51.100.9</td>"
                          "<td class=\"k-text\" data-label=\"Protocol\">tcp</td>"
                          "<td class=\"k-num\" data-label=\"Replies\">30</td>"));
    no_injection(pg.body);
    ww_dash_page_free(&pg);

    pg = get(st, "/", "date=2006-08-03");
    CHECK_INT(pg.status, 200);
    CHECK(strstr(pg.body, "Showing <strong id=\"day\">2006-08-03</strong> (UTC)."));
    CHECK(strstr(pg.body, "<a rel=\"next\" href=\"/?date=2006-08-04\">2006-08-04 &rarr;</a>"));
    CHECK(!strstr(pg.body, "rel=\"prev\""));
    CHECK(strstr(pg.body, "<h2>Top ports by sources, 2006-08-03 (UTC)</h2>"));
    CHECK(strstr(pg.body, "<a href=\"/port/445\">445/tcp</a>"));
    ww_dash_page_free(&pg);
    pg = get(st, "/", "date=2006-09-01"); /* after the data: back to the latest */
    CHECK(strstr(pg.body, ": no data after 2006-08-04."));
    CHECK(strstr(pg.body, "<a rel=\"prev\" href=\"/?date=2006-08-04\">"));
    ww_dash_page_free(&pg);
    static const char *const bad[] = {"date=2006-13-01", "date=%3Cb%3E", "date=yesterday"};
    for (size_t i = 0; i < 3; i++) {
        pg = get(st, "/", bad[i]);
        CHECK_INT(pg.status, 400);
        CHECK(strstr(pg.body, "Dates are YYYY-MM-DD (UTC), not"));
        no_injection(pg.body);
        ww_dash_page_free(&pg);
    }

    /* the port page: the data's span by default, 7 days when asked, a day by ?date= */
    pg = get(st, "/port/139", NULL);
    CHECK_INT(pg.status, 200);
    CHECK(strstr(pg.body, "data-port=\"139\" data-from=\"2006-08-03\" data-to=\"2006-08-04\" "
                          "data-by=\"hour\""));
    CHECK(strstr(pg.body, "the latest day with data"));
    CHECK(strstr(pg.body, "<a rel=\"prev\" href=\"/port/139?date=2006-08-03\">"));
    CHECK(strstr(pg.body, "by=hour\" aria-current=\"true\">the data's span</a>"));
    CHECK(strstr(pg.body, "/api/v1/alerts?limit=20&amp;port=139&amp;end=2006-08-04&amp;growth=1"));
    CHECK(strstr(pg.body, "/api/v1/sources?limit=20&amp;port=139&amp;date=2006-08-04"));
    CHECK(strstr(pg.body, "Targets are distinct destination addresses"));
    /* who is scanning, without databases: each source's OS, country and AS
     * "unavailable" (a surge's breakdown: tests/browser) */
    CHECK(strstr(pg.body, "<th scope=\"col\" class=\"k-os\">OS</th><th scope=\"col\" class=\"k-country\">"
                          "Country</th><th scope=\"col\" class=\"k-asn\">AS</th>"));
    CHECK(strstr(pg.body, "<td class=\"k-country\" data-label=\"Country\"><span class=\"unavailable\">"
                          "unavailable</span></td>"));
    CHECK(strstr(pg.body, "<td class=\"k-os\" data-label=\"OS\"><span class=\"unavailable\">"
                          "unavailable</span></td>"));
    CHECK(!strstr(pg.body, "Who the new sources are")); /* no surge */
    ww_dash_page_free(&pg);
    pg = get(st, "/port/139", "date=2006-08-04&days=7&by=day");
    CHECK(strstr(pg.body, "data-from=\"2006-07-29\" data-to=\"2006-08-04\" data-by=\"day\""));
    CHECK(strstr(pg.body, "Showing <strong id=\"day\">2006-08-04</strong> (UTC)."));
    CHECK(strstr(pg.body, "href=\"/port/139?date=2006-08-03&amp;days=7&amp;by=day\""));
    ww_dash_page_free(&pg);
    pg = get(st, "/port/139", "date=2006-08-03&days=1");
    CHECK(strstr(pg.body, "data-from=\"2006-08-03\" data-to=\"2006-08-03\" data-by=\"hour\""));
    ww_dash_page_free(&pg);
    pg = get(st, "/port/139", "date=2006-02-30");
    CHECK_INT(pg.status, 400);
    ww_dash_page_free(&pg);
    ww_store_close(st);
}

static void run(void)
{
    const char *t = getenv("TMPDIR");
    char dir[256], path[300], lock[310];
    snprintf(dir, sizeof dir, "%s/ww_test_dash.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/store.db", dir);
    snprintf(lock, sizeof lock, "%s-lock", path);
    struct ww_store *st;
    char err[256], secret[65], name[65];
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    int64_t id = 0, id2 = 0;
    now = (int64_t)1795000000 * 1000000; /* 2026-11-18T... */
    CHECK_INT(ww_store_key_add(st, HOSTILE, secret), WW_OK);
    CHECK_INT(ww_store_key_check(st, secret, &id, name), WW_OK);
    CHECK_INT(ww_store_key_add(st, QUOTES, secret), WW_OK);
    CHECK_INT(ww_store_key_check(st, secret, &id2, name), WW_OK);
    struct ww_event ev[3];
    event(&ev[0], "203.0.113.5", 139, now - 600000000);
    event(&ev[1], "2001:db8::1", 139, now - 500000000);
    event(&ev[2], "203.0.113.5", 445, now - 400000000);
    int dup = 1;
    CHECK_INT(ww_store_submit(st, id, "b1", ev, 3, &dup), WW_OK);
    CHECK_INT(dup, 0);

    /* sensors: both names as text; the one that submitted is reporting */
    struct ww_dash_page pg = get(st, "/sensors", NULL);
    CHECK_INT(pg.status, 200);
    CHECK_STR(pg.content_type, "text/html; charset=utf-8");
    CHECK_INT(pg.body_static, 0);
    CHECK(strstr(pg.body, "<td class=\"k-text\" data-label=\"Name\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
    CHECK(strstr(pg.body, "<td class=\"k-text\" data-label=\"Name\">a&quot;b&#39;c&amp;d&lt;e&gt;</td>"));
    CHECK(strstr(pg.body, "<th scope=\"col\" class=\"k-time\">Latest event (UTC)</th>"));
    CHECK(strstr(pg.body, "<span class=\"state-reporting\">reporting</span>"));
    CHECK(strstr(pg.body, "<span class=\"state-never\">never</span>"));
    CHECK(strstr(pg.body, "data-cols=\"name:text,last_seen:time,"));
    no_injection(pg.body);
    ww_dash_page_free(&pg);

    /* overview: counts from the API, escaped query strings in attributes */
    pg = get(st, "/", NULL);
    CHECK_INT(pg.status, 200);
    CHECK(strstr(pg.body, "data-fmt=\"reporting\">1 of 2</span>"));
    CHECK(strstr(pg.body, "data-api=\"/api/v1/topports/sources?limit=10&amp;date=2026-11-"));
    CHECK(strstr(pg.body, "<a href=\"/port/139\">139/tcp</a>"));
    CHECK(strstr(pg.body, "<span class=\"spark\" data-port=\"139\"></span>"));
    CHECK(strstr(pg.body, "data-field=\"level\" data-fmt=\"level\">green</span>"));
    CHECK(strstr(pg.body, "</strong> (today, UTC).")); /* a store of today: no anchoring */
    CHECK(!strstr(pg.body, "the latest day with data"));
    no_injection(pg.body);
    ww_dash_page_free(&pg);

    /* port page: sources linked with encoded addresses, options from the query */
    pg = get(st, "/port/139", "days=90&by=day");
    CHECK_INT(pg.status, 200);
    CHECK(strstr(pg.body, "<a href=\"/ip/2001%3Adb8%3A%3A1\">2001:db8::1</a>"));
    CHECK(strstr(pg.body, "<a href=\"/ip/203.0.113.5\">203.0.113.5</a>"));
    CHECK(strstr(pg.body, "data-api=\"/api/v1/sources?limit=20&amp;port=139&amp;date=2026-11-18\""));
    {
        char want[128], from[32];
        ww_time_format(now - 89 * 86400000000LL, from, sizeof from);
        from[10] = '\0';
        snprintf(want, sizeof want, "data-port=\"139\" data-from=\"%s\"", from);
        CHECK(strstr(pg.body, want));
        CHECK(strstr(pg.body, "data-by=\"day\""));
    }
    FILE *svc = fopen("/etc/services", "r");
    if (svc) { /* the name is read at run time from /etc/services */
        char line[256];
        int listed = 0;
        while (fgets(line, sizeof line, svc))
            listed |= !strncmp(line, "netbios-ssn", 11) && strstr(line, "139/tcp");
        fclose(svc);
        if (listed) CHECK(strstr(pg.body, "<span class=\"svc\">netbios-ssn</span> (tcp)"));
    }
    ww_dash_page_free(&pg);
    pg = get(st, "/port/139", "days=%3Cx%3E&by=%22");
    CHECK_INT(pg.status, 200);
    CHECK(strstr(pg.body, "data-by=\"hour\""));
    ww_dash_page_free(&pg);
    static const char *const bad[] = {"70000", "-1", "abc", "001397", "", "139/x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char p[32];
        snprintf(p, sizeof p, "/port/%s", bad[i]);
        pg = get(st, p, NULL);
        CHECK_INT(pg.status, 404);
        ww_dash_page_free(&pg);
    }

    /* source page */
    pg = get(st, "/ip/203.0.113.5", NULL);
    CHECK_INT(pg.status, 200);
    CHECK(strstr(pg.body, "<a href=\"/port/445\">445/tcp</a>"));
    CHECK(strstr(pg.body, "data-chart=\"ip\""));
    ww_dash_page_free(&pg);
    pg = get(st, "/ip/198.51.100.1", NULL);
    CHECK_INT(pg.status, 404);
    ww_dash_page_free(&pg);
    pg = get(st, "/ip/" HOSTILE, NULL);
    CHECK_INT(pg.status, 400);
    CHECK(strstr(pg.body, "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"));
    no_injection(pg.body);
    ww_dash_page_free(&pg);

    /* alerts page and unknown paths */
    pg = get(st, "/alerts", NULL);
    CHECK_INT(pg.status, 200);
    CHECK(strstr(pg.body, "<td colspan=\"10\" class=\"none\">none</td>")); /* no alerts */
    CHECK(strstr(pg.body, "<h2 id=\"floods\">Floods: many sources, one target &mdash; not worms</h2>"));
    CHECK(strstr(pg.body, "data-api=\"/api/v1/floods?limit=1000\" data-key=\"floods\""));
    CHECK(strstr(pg.body, "<td colspan=\"6\" class=\"none\">none</td>")); /* no floods */
    ww_dash_page_free(&pg);
    pg = get(st, "/nope/\"" QUOTES, NULL);
    CHECK_INT(pg.status, 404);
    CHECK_STR(pg.content_type, "text/html; charset=utf-8");
    CHECK(strstr(pg.body, "<code>/nope/&quot;a&quot;b&#39;c&amp;d&lt;e&gt;</code>"));
    no_injection(pg.body);
    ww_dash_page_free(&pg);

    assets(st);
    ww_store_close(st);
    struct stat sb;
    CHECK(stat(lock, &sb) != 0); /* a clean close removes the lock file */
    CHECK_INT(unlink(path), 0);  /* and SQLite its -wal and -shm: the directory is empty */
    snprintf(path, sizeof path, "%s/old.db", dir);
    history(path);
    CHECK_INT(unlink(path), 0);
    CHECK_INT(rmdir(dir), 0);
}

TEST_MAIN(run())
