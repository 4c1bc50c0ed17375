/* submitapi.c -- lib/serve/submitapi.c on a real SQLite store in a mkdtemp
 * directory ($TMPDIR or /tmp, removed at the end): ww_submitapi_auth with
 * headers made as DShield.py makes them (good, replayed, wrong apikey,
 * unknown user id, revoked, malformed), and ww_submitapi_parse on DShield's
 * JSON (what the client sends, every refusal naming the log entry's index,
 * the future, and a batch id that does not change with key order, spacing
 * or "139" against 139, but does with the logs). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "test.h"
#include "core/err.h"
#include "core/wtime.h"
#include "serve/submitapi.h"

static struct ww_store *st;
static char apikey[WW_STORE_APIKEY + 1];

/* "ISC-HMAC-SHA256 Credentials=.. Userid=.. Nonce=.." as DShield.py writes it */
static const char *header(const char *key, const char *userid, const char *nonce)
{
    static char h[256];
    char kn[128];
    unsigned char mac[32];
    gnutls_datum_t in = {mac, sizeof mac}, b64;
    snprintf(kn, sizeof kn, "%s%s", nonce, userid);
    CHECK_INT(gnutls_hmac_fast(GNUTLS_MAC_SHA256, kn, strlen(kn), key, strlen(key), mac), 0);
    CHECK_INT(gnutls_base64_encode2(&in, &b64), 0);
    snprintf(h, sizeof h, "ISC-HMAC-SHA256 Credentials=%.*s Userid=%s Nonce=%s", (int)b64.size,
             (const char *)b64.data, userid, nonce);
    gnutls_free(b64.data);
    return h;
}

static unsigned auth(const char *h, int64_t *sensor, char *msg)
{
    return ww_submitapi_auth(st, h, ww_now_us(), sensor, msg, 160);
}

static void test_auth(void)
{
    char msg[160];
    int64_t sensor = 0, userid = 0;
    CHECK_INT(ww_store_dshield_add(st, "ds-1", 4711, apikey), WW_OK);
    CHECK_INT(strlen(apikey), WW_STORE_APIKEY);
    CHECK_INT(strspn(apikey, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
              WW_STORE_APIKEY);
    CHECK_INT(ww_store_dshield_userid(st, "ds-1", &userid), WW_OK);
    CHECK_INT(userid, 4711);
    CHECK_INT(ww_store_dshield_userid(st, "nobody", &userid), WW_ERR_ARG);
    char other[WW_STORE_APIKEY + 1];
    CHECK_INT(ww_store_dshield_add(st, "ds-2", 4711, other), WW_ERR_ARG); /* user id taken */
    CHECK_INT(ww_store_dshield_add(st, "ds-1", 4712, other), WW_ERR_ARG); /* name taken */
    CHECK_INT(ww_store_dshield_add(st, "ds 3", 4713, other), WW_ERR_ARG);
    CHECK_INT(ww_store_dshield_add(st, "ds-0", 0, other), WW_ERR_ARG);
    /* the apikey is no bearer key */
    int64_t id;
    char name[65];
    CHECK_INT(ww_store_key_check(st, apikey, &id, name), WW_ERR_ARG);

    CHECK_INT(auth(header(apikey, "4711", "q83vEjRWeJA="), &sensor, msg), 200);
    CHECK(sensor > 0);
    /* the same nonce again: a replay, whatever else the request holds */
    CHECK_INT(auth(header(apikey, "4711", "q83vEjRWeJA="), &sensor, msg), 401);
    CHECK(strstr(msg, "replayed") != NULL);
    CHECK_INT(auth(header(apikey, "4711", "AAAAAAAAAAA="), &sensor, msg), 200);
    /* wrong apikey, unknown user id, the credentials of another user id */
    char wrong[WW_STORE_APIKEY + 1];
    memcpy(wrong, apikey, sizeof wrong);
    wrong[5] = wrong[5] == 'A' ? 'B' : 'A';
    CHECK_INT(auth(header(wrong, "4711", "BAAAAAAAAAA="), &sensor, msg), 401);
    CHECK(strstr(msg, "wrong credentials") != NULL);
    CHECK_INT(auth(header(apikey, "4712", "CAAAAAAAAAA="), &sensor, msg), 401);
    /* a nonce refused for bad credentials was not taken */
    CHECK_INT(auth(header(apikey, "4711", "BAAAAAAAAAA="), &sensor, msg), 200);
    /* malformed */
    static const char *const bad[] = {
        "", "Bearer abc", "ISC-HMAC-SHA256", "ISC-HMAC-SHA256 Userid=4711 Nonce=AAAA",
        "ISC-HMAC-SHA256 Credentials=AAAA Nonce=AAAA", "ISC-HMAC-SHA256 Credentials=AAAA Userid=4711",
        "ISC-HMAC-SHA256 Credentials=AA%A Userid=4711 Nonce=AAAA",
        "ISC-HMAC-SHA256 Credentials=AAAA Userid=04711 Nonce=AAAA",
        "ISC-HMAC-SHA256 Credentials=AAAA Userid=0 Nonce=AAAA",
        "ISC-HMAC-SHA256 Credentials=AAAA Userid=-1 Nonce=AAAA",
        "ISC-HMAC-SHA256 Credentials=AAAA Userid=99999999999999999999 Nonce=AAAA",
        "ISC-HMAC-SHA256 Credentials=AAAA Userid=4711 Nonce=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "ISC-HMAC-SHA256 Credentials Userid=4711 Nonce=AAAA",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(auth(bad[i], &sensor, msg), 401);
        CHECK(strstr(msg, "X-ISC-Authorization") != NULL);
    }
    CHECK_INT(auth(NULL, &sensor, msg), 401);
    CHECK(strstr(msg, "missing X-ISC-Authorization") != NULL);
    /* revoked: refused; the user id may then be registered anew */
    CHECK_INT(ww_store_key_revoke(st, "ds-1"), WW_OK);
    CHECK_INT(auth(header(apikey, "4711", "DAAAAAAAAAA="), &sensor, msg), 401);
    CHECK(strstr(msg, "revoked") != NULL);
    CHECK_INT(ww_store_dshield_add(st, "ds-1b", 4711, other), WW_OK);
    CHECK_INT(auth(header(apikey, "4711", "EAAAAAAAAAA="), &sensor, msg), 401);
    CHECK_INT(auth(header(other, "4711", "EAAAAAAAAAA="), &sensor, msg), 200);
}

static struct ww_batch b;
static char id[65];
static const char *why;

static int parse(const char *body)
{
    why = NULL;
    return ww_submitapi_parse(&b, body, strlen(body), id, &why);
}

#define LOG1 "{\"time\": 1795976850, \"flags\": \"S\", \"sip\": \"203.0.113.1\", \"dip\": \"198.51.100.7\"," \
             " \"proto\": 6, \"sport\": \"4444\", \"dport\": \"139\", \"version\": 4}"
#define LOG2 "{\"time\": 1795976851, \"flags\": \"AS\", \"sip\": \"192.0.2.1\", \"dip\": \"198.51.100.7\"," \
             " \"proto\": 6, \"sport\": \"80\", \"dport\": \"4444\", \"version\": 4}"
#define LOG3 "{\"time\": 1795976852, \"flags\": \"\", \"sip\": \"198.18.0.1\", \"dip\": \"198.51.100.7\"," \
             " \"proto\": 1, \"sport\": \"8\", \"dport\": \"0\", \"version\": 4}"
#define AUTH ", \"authheader\": \"ISC-HMAC-SHA256 Credentials=x Userid=1 Nonce=y\"}"

static void test_parse(void)
{
    b.latest_us = (1795976852LL + 3600) * WW_SEC_US;
    CHECK_INT(parse("{\"type\": \"firewall\", \"logs\": [" LOG1 ", " LOG2 ", " LOG3 "]" AUTH), WW_OK);
    CHECK_INT(b.n, 3);
    CHECK_INT(b.ev[0].ts_us, 1795976850LL * WW_SEC_US);
    CHECK_INT(b.ev[0].proto, WW_PROTO_TCP);
    CHECK_INT(b.ev[0].tcpflags, WW_TH_SYN);
    CHECK_INT(b.ev[0].sport, 4444);
    CHECK_INT(b.ev[0].dport, 139);
    CHECK_INT(b.ev[0].count, 1);
    CHECK_INT(b.ev[1].tcpflags, WW_TH_SYN | WW_TH_ACK);
    CHECK_INT(b.ev[2].proto, WW_PROTO_ICMP);
    CHECK_INT(b.ev[2].sport, 8);
    CHECK_INT(strlen(id), 64);
    CHECK(!strncmp(id, "dshield-", 8));
    char first[65];
    memcpy(first, id, sizeof first);

    /* the same logs, other keys order, spacing, numbers for strings, no
     * authheader: the same batch id */
    CHECK_INT(parse("{\"logs\":[{\"version\":4,\"dport\":139,\"sport\":4444,\"proto\":6,\"dip\":\"198.51.100.7\","
                    "\"sip\":\"203.0.113.1\",\"flags\":\"S\",\"time\":1795976850}," LOG2 "," LOG3 "],"
                    "\"type\":\"firewall\"}"), WW_OK);
    CHECK_STR(id, first);
    /* other logs, or the same in another order: another id */
    CHECK_INT(parse("{\"type\": \"firewall\", \"logs\": [" LOG2 ", " LOG1 ", " LOG3 "]}"), WW_OK);
    CHECK(strcmp(id, first) != 0);
    CHECK_INT(parse("{\"type\": \"firewall\", \"logs\": [" LOG1 ", " LOG2 "]}"), WW_OK);
    CHECK(strcmp(id, first) != 0);
    /* a sampled run may keep nothing: no events, no error */
    CHECK_INT(parse("{\"type\": \"firewall\", \"logs\": []}"), WW_OK);
    CHECK_INT(b.n, 0);
    /* no ports (ESP), netfilter words, a protocol by name */
    CHECK_INT(parse("{\"type\":\"firewall\",\"logs\":[{\"time\":1795976850,\"sip\":\"2001:db8::1\",\"dip\":\"2001:db8::2\","
                    "\"proto\":50,\"flags\":\"\"},{\"time\":1795976850,\"sip\":\"192.0.2.1\",\"dip\":\"192.0.2.2\","
                    "\"proto\":\"TCP\",\"flags\":\"SYN,ACK\",\"sport\":1,\"dport\":2}]}"), WW_OK);
    CHECK_INT(b.n, 2);
    CHECK_INT(b.ev[0].proto, 50);
    CHECK_INT(b.ev[0].dport, 0);
    CHECK_INT(b.ev[1].tcpflags, WW_TH_SYN | WW_TH_ACK);

    static const struct { const char *body, *why; } bad[] = {
        {"", "invalid JSON at line 1, column 0: '[' or '{' expected near end of file"},
        {"[1]", "not a JSON object"},
        {"{\"type\":\"404report\",\"logs\":[]}", "\"type\" must be \"firewall\" (the only log type this collector takes)"},
        {"{\"logs\":[]}", "\"type\" must be \"firewall\" (the only log type this collector takes)"},
        {"{\"type\":\"firewall\"}", "\"logs\" must be an array"},
        {"{\"type\":\"firewall\",\"logs\":[" LOG1 ",7]}", "logs[1]: not a JSON object"},
        {"{\"type\":\"firewall\",\"logs\":[{\"sip\":\"1.2.3.4\"}]}", "logs[0]: bad or missing \"time\" (epoch seconds)"},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":\"1795976850\"}]}", "logs[0]: bad or missing \"time\" (epoch seconds)"},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":-1}]}", "logs[0]: \"time\" is before 1970 or past 9999"},
        {"{\"type\":\"firewall\",\"logs\":[" LOG1 "," LOG2 ",{\"time\":1795990000}]}",
         "logs[2]: time 2026-11-29T22:06:40Z is in the future (the collector accepts up to 2026-11-29T19:27:32Z)"},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":1,\"sip\":\"1.2.3\",\"dip\":\"1.2.3.4\",\"proto\":6}]}", "logs[0]: bad or missing \"sip\""},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":1,\"sip\":\"1.2.3.4\",\"proto\":6}]}", "logs[0]: bad or missing \"dip\""},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":1,\"sip\":\"1.2.3.4\",\"dip\":\"1.2.3.4\",\"proto\":256}]}", "logs[0]: bad or missing \"proto\""},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":1,\"sip\":\"1.2.3.4\",\"dip\":\"1.2.3.4\",\"proto\":\"xtp\"}]}", "logs[0]: bad or missing \"proto\""},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":1,\"sip\":\"1.2.3.4\",\"dip\":\"1.2.3.4\",\"proto\":6,\"sport\":\"65536\"}]}", "logs[0]: bad \"sport\""},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":1,\"sip\":\"1.2.3.4\",\"dip\":\"1.2.3.4\",\"proto\":6,\"dport\":\"-1\"}]}", "logs[0]: bad \"dport\""},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":1,\"sip\":\"1.2.3.4\",\"dip\":\"1.2.3.4\",\"proto\":1,\"sport\":\"256\"}]}", "logs[0]: bad \"sport\""},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":1,\"sip\":\"1.2.3.4\",\"dip\":\"1.2.3.4\",\"proto\":6,\"flags\":\"SX\"}]}", "logs[0]: bad \"flags\" (DShield's letters SFAPRU12)"},
        {"{\"type\":\"firewall\",\"logs\":[{\"time\":1,\"sip\":\"1.2.3.4\",\"dip\":\"1.2.3.4\",\"proto\":6,\"flags\":5}]}", "logs[0]: bad \"flags\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(parse(bad[i].body), WW_ERR_PARSE);
        CHECK_STR(why, bad[i].why);
        CHECK_INT(b.n, 0);
    }
    b.max = 2;
    CHECK_INT(parse("{\"type\": \"firewall\", \"logs\": [" LOG1 ", " LOG2 ", " LOG3 "]}"), WW_ERR_LIMIT);
    b.max = 0;
    /* bounded by len, not by a NUL */
    const char *doc = "{\"type\": \"firewall\", \"logs\": [" LOG1 "]}";
    CHECK_INT(ww_submitapi_parse(&b, doc, strlen(doc) - 1, id, &why), WW_ERR_PARSE);
    ww_batch_release(&b);
}

/* fwlogparser.py's rule: N + 1 after a run that read its 100,000 lines
 * (sent floor(100,000 / N) entries), else 1 */
static void test_sampling(void)
{
    CHECK_INT(ww_submitapi_next_sampling(1, 100000), 2);
    CHECK_INT(ww_submitapi_next_sampling(2, 50000), 3);
    CHECK_INT(ww_submitapi_next_sampling(3, 33333), 4);
    CHECK_INT(ww_submitapi_next_sampling(3, 16665), 1);
    CHECK_INT(ww_submitapi_next_sampling(1, 99999), 1);
    CHECK_INT(ww_submitapi_next_sampling(1, 0), 1);
}

static void run(void)
{
    test_sampling();
    const char *t = getenv("TMPDIR");
    char dir[256], path[300], err[256];
    snprintf(dir, sizeof dir, "%s/ww_test_submitapi.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/store.db", dir);
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    if (!st) exit(1);
    test_auth();
    test_parse();
    ww_store_close(st);
    static const char *const left[] = {"", "-wal", "-shm", "-journal", "-lock"};
    for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
        char p[320];
        snprintf(p, sizeof p, "%s%s", path, left[i]);
        CHECK(unlink(p) == 0 || errno == ENOENT);
    }
    CHECK(rmdir(dir) == 0);
}

TEST_MAIN(run())
