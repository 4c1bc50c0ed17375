/* submitapi.c -- POST /submitapi/ for DShield's own sensors (submitapi.h).
 *
 * What their client (DShield.py, fwlogparser.py; run from cron every 30
 * minutes) sends, and all it reads back -- the status: 200 is success,
 * anything else is logged as "received status code N" and the run's lines
 * are not sent again (the client moves its mark before it posts):
 *
 *   X-ISC-Authorization: ISC-HMAC-SHA256 Credentials=B64 Userid=ID Nonce=B64
 *   {"type": "firewall", "logs": [{"time": 1795976850, "flags": "S",
 *     "sip": "203.0.113.1", "dip": "198.51.100.7", "proto": 6,
 *     "sport": "4444", "dport": "139", "version": 4}, ...],
 *    "authheader": "ISC-HMAC-SHA256 ..."}
 *
 * Credentials = base64(HMAC-SHA256(key = Nonce + Userid, message = apikey)),
 * Nonce = base64 of 8 random bytes. The store holds the apikey and checks
 * the HMAC in constant time (ww_store_dshield_check; the crypto lives with
 * the keys). The header signs neither the body nor a time, so a captured
 * header is good for any body, any time: a nonce is taken once per user id
 * (a replay is a 401 saying so), remembered 400 days. A request sent again
 * whole is also caught by its content: no batch id is sent, so it is
 * derived from the logs -- "dshield-" and 56 hex digits of the SHA-256 of
 * the events written as DShield TSV lines (ww_dshield_format), which does
 * not depend on key order, spacing or "139" against 139 -- and the store
 * answers a batch id seen before as a duplicate, counted once. The body's
 * own "authheader" is not read: the header is checked before the body is.
 *
 * A log entry: time (epoch seconds, an integer), sip, dip (addresses),
 * proto (the number; a name is taken too), sport, dport (strings of digits
 * or integers; for ICMP the type and code; absent = 0), flags (TCP: the
 * letters 12UAPRSF, or netfilter words; ignored for other protocols);
 * "version" and unknown keys are ignored. The first bad entry refuses the
 * whole submission with its index ("logs[17]: ..."), also one dated before
 * 1970 or past the collector's clock + --max-future.
 *
 * Sampling: a run reads at most 100,000 lines and keeps every Nth of them,
 * N kept in the client's skipvalue file: 1, then after a run that hit the
 * cap N + 1, and back to 1 after one that did not. N is not sent, so the
 * collector follows the same rule per key (ww_submitapi_next_sampling, the
 * N kept in the store): a run that hit the cap sent exactly
 * floor(100,000 / N) entries. Each entry of a run at N counts as N records
 * (the event's count). What it cannot know: which lines were dropped
 * (sources seen only in them are missed), and an N the client reached
 * before it reported here or moved past while a post was lost (the client
 * moves its mark before it posts): the collector is then off until a run
 * under the cap brings both back to 1. Runs under 100,000 lines, the normal
 * case, are complete and count as sent. */
#include "serve/submitapi.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <jansson.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/wtime.h"
#include "ingest/parse.h"
#include "out/write.h"

#define SCHEME "ISC-HMAC-SHA256"
#define FIELD_MAX 64 /* a Credentials or Nonce value, in characters */

int64_t ww_submitapi_next_sampling(int64_t every, size_t entries)
{
    return every >= 1 && (int64_t)entries == 100000 / every ? every + 1 : 1;
}

static int b64_ok(const char *s, size_t n)
{
    if (n < 1 || n > FIELD_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/' || s[i] == '='))
            return 0;
    return 1;
}

/* "ISC-HMAC-SHA256 Credentials=.. Userid=.. Nonce=.." -> its parts; NULL or why. */
static const char *parse_header(const char *h, int64_t *userid, char nonce[FIELD_MAX + 1],
                                char cred[FIELD_MAX + 1])
{
    size_t n = strlen(SCHEME);
    int seen = 0;
    if (strncasecmp(h, SCHEME, n) || (h[n] != ' ' && h[n] != '\t'))
        return "X-ISC-Authorization must start with " SCHEME;
    for (const char *p = h + n; *p;) {
        p += strspn(p, " \t");
        size_t len = strcspn(p, " \t");
        if (!len) break;
        const char *eq = memchr(p, '=', len);
        if (!eq) return "X-ISC-Authorization: a field without '='";
        size_t kl = (size_t)(eq - p), vl = len - kl - 1;
        const char *v = eq + 1;
        uint64_t id;
        if (kl == 11 && !strncasecmp(p, "Credentials", kl)) {
            if (!b64_ok(v, vl)) return "X-ISC-Authorization: Credentials is not base64";
            memcpy(cred, v, vl), cred[vl] = 0, seen |= 1;
        } else if (kl == 6 && !strncasecmp(p, "Userid", kl)) {
            if (ww_num_span(v, vl, INT64_MAX, &id) || !id || v[0] == '0')
                return "X-ISC-Authorization: Userid is not a DShield user id (1, 2, ...)";
            *userid = (int64_t)id, seen |= 2;
        } else if (kl == 5 && !strncasecmp(p, "Nonce", kl)) {
            if (!b64_ok(v, vl)) return "X-ISC-Authorization: Nonce is not base64";
            memcpy(nonce, v, vl), nonce[vl] = 0, seen |= 4;
        }
        p += len;
    }
    return seen == 7 ? NULL : "X-ISC-Authorization needs Credentials, Userid and Nonce";
}

unsigned ww_submitapi_auth(struct ww_store *st, const char *header, int64_t now_us,
                           int64_t *sensor_id, char *msg, size_t msglen)
{
    int64_t userid = 0;
    char nonce[FIELD_MAX + 1], cred[FIELD_MAX + 1];
    const char *why = header ? parse_header(header, &userid, nonce, cred)
                             : "missing X-ISC-Authorization (" SCHEME " Credentials= Userid= Nonce=)";
    if (why) {
        snprintf(msg, msglen, "%s", why);
        return 401;
    }
    int replay = 0;
    int rc = ww_store_dshield_check(st, userid, nonce, cred, now_us, sensor_id, &replay);
    if (rc == WW_ERR_IO) {
        snprintf(msg, msglen, "the store cannot write; submission not taken, retry later");
        return 503;
    }
    if (rc) {
        snprintf(msg, msglen, "unknown or revoked DShield user id %lld, or wrong credentials",
                 (long long)userid);
        return 401;
    }
    if (replay) {
        snprintf(msg, msglen, "nonce %s was already used by user id %lld: a replayed request,"
                 " refused", nonce, (long long)userid);
        return 401;
    }
    return 200;
}

/* A port (or ICMP type/code): a string of digits, an integer, or absent (0). */
static int port_of(json_t *o, const char *key, unsigned max, uint16_t *out)
{
    json_t *v = json_object_get(o, key);
    uint64_t x = 0;
    if (json_is_string(v)) {
        if (ww_num_span(json_string_value(v), json_string_length(v), max, &x)) return -1;
    } else if (json_is_integer(v)) {
        if (json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)max) return -1;
        x = (uint64_t)json_integer_value(v);
    } else if (v) {
        return -1;
    }
    *out = (uint16_t)x;
    return 0;
}

static int addr_of(json_t *o, const char *key, struct ww_addr *a)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? (int)ww_addr_parse(json_string_value(v), json_string_length(v), a) : -1;
}

/* One log entry to *ev: NULL, or why. */
static const char *entry(json_t *o, int64_t latest_us, struct ww_event *ev, char *buf, size_t len)
{
    char t[32], lim[32];
    memset(ev, 0, sizeof *ev);
    if (!json_is_object(o)) return "not a JSON object";
    json_t *tm = json_object_get(o, "time");
    if (!json_is_integer(tm)) return "bad or missing \"time\" (epoch seconds)";
    json_int_t secs = json_integer_value(tm);
    if (secs < 0 || secs > INT64_MAX / WW_SEC_US) return "\"time\" is before 1970 or past 9999";
    ev->ts_us = (int64_t)secs * WW_SEC_US;
    if (latest_us && ev->ts_us > latest_us) {
        snprintf(buf, len, "time %s is in the future (the collector accepts up to %s)",
                 ww_time_format(ev->ts_us, t, sizeof t), ww_time_format(latest_us, lim, sizeof lim));
        return buf;
    }
    if (addr_of(o, "sip", &ev->src)) return "bad or missing \"sip\"";
    if (addr_of(o, "dip", &ev->dst)) return "bad or missing \"dip\"";
    json_t *pr = json_object_get(o, "proto");
    int proto = -1;
    if (json_is_integer(pr) && json_integer_value(pr) >= 0 && json_integer_value(pr) <= 255)
        proto = (int)json_integer_value(pr);
    else if (json_is_string(pr))
        proto = ww_proto_from_name(json_string_value(pr), json_string_length(pr));
    if (proto < 0) return "bad or missing \"proto\"";
    unsigned max = proto == WW_PROTO_ICMP || proto == WW_PROTO_ICMP6 ? 255 : 65535;
    if (port_of(o, "sport", max, &ev->sport)) return "bad \"sport\"";
    if (port_of(o, "dport", max, &ev->dport)) return "bad \"dport\"";
    json_t *fl = json_object_get(o, "flags");
    if (fl && !json_is_string(fl)) return "bad \"flags\"";
    if (fl && proto == WW_PROTO_TCP &&
        ww_dshield_tcpflags(json_string_value(fl), json_string_length(fl), &ev->tcpflags))
        return "bad \"flags\" (DShield's letters SFAPRU12)";
    ev->proto = (uint8_t)proto;
    ev->count = 1;
    ev->action = WW_ACTION_UNKNOWN;
    ev->outcome = WW_OUTCOME_UNKNOWN;
    return NULL;
}

/* "dshield-" + 56 hex digits of SHA-256 over the events as TSV lines. */
static int derive_id(const struct ww_batch *b, char id[65])
{
    gnutls_hash_hd_t h;
    unsigned char d[32];
    char line[WW_WRITE_MAX];
    if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256)) return WW_ERR_IO;
    for (size_t i = 0; i < b->n; i++) {
        size_t n = ww_dshield_format(&b->ev[i], "0", line, sizeof line);
        gnutls_hash(h, line, n);
    }
    gnutls_hash_deinit(h, d);
    memcpy(id, "dshield-", 8);
    for (int i = 0; i < 28; i++) snprintf(id + 8 + 2 * i, 3, "%02x", d[i]);
    return WW_OK;
}

int ww_submitapi_parse(struct ww_batch *b, const char *body, size_t len, char batch_id[65],
                       const char **why)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = WW_ERR_PARSE;
    b->n = 0;
    *why = b->why;
    if (!doc) {
        snprintf(b->why, sizeof b->why, "invalid JSON at line %d, column %d: %.60s", jerr.line,
                 jerr.column, jerr.text);
        return WW_ERR_PARSE;
    }
    json_t *type = json_object_get(doc, "type"), *logs = json_object_get(doc, "logs");
    if (!json_is_object(doc)) {
        *why = "not a JSON object";
    } else if (!json_is_string(type) || strcmp(json_string_value(type), "firewall")) {
        *why = "\"type\" must be \"firewall\" (the only log type this collector takes)";
    } else if (!json_is_array(logs)) {
        *why = "\"logs\" must be an array";
    } else if (b->max && json_array_size(logs) > b->max) {
        *why = "too many log entries";
        rc = WW_ERR_LIMIT;
    } else {
        size_t n = json_array_size(logs);
        if (n > b->cap) {
            b->ev = ww_realloc(b->ev, n * sizeof *b->ev);
            b->cap = n;
        }
        char reason[96];
        const char *bad = NULL;
        size_t i;
        for (i = 0; i < n && !bad; i++)
            bad = entry(json_array_get(logs, i), b->latest_us, &b->ev[i], reason, sizeof reason);
        if (bad) {
            snprintf(b->why, sizeof b->why, "logs[%zu]: %.95s", i - 1, bad);
        } else {
            b->n = n;
            rc = derive_id(b, batch_id);
            if (rc) *why = "cannot hash the logs";
        }
    }
    json_decref(doc);
    if (rc) b->n = 0;
    return rc;
}
