/* exposure_report.c -- the verdict on a host's findings (exposure.h) and
 * the report: text for people, or JSON (jansson, keys in a fixed order).
 *
 * Risk follows what a NetBIOS/SMB worm needs: SMB1 (NT LM 0.12) reachable
 * on 445 or through a 139 session is the way NT4-era worms spread (high);
 * SMB2 or later reachable without required signing is medium, with it low;
 * a name service that only leaks names is low; silence is none. Signing is
 * judged by the SMB2 answer when there is one, else by the SMB1 answer. */
#include <jansson.h>
#include <string.h>

#include "respond/exposure.h"

static int signing(const struct ww_exposure_host *h) /* 1 required, 0 not, -1 unknown */
{
    return h->sign2 >= 0 ? h->sign2 : h->sign1;
}

const char *ww_exposure_risk(const struct ww_exposure_host *h)
{
    if (h->smb1) return "high";
    if (h->smb || h->ssn) return signing(h) == 1 ? "low" : "medium";
    return h->ns ? "low" : "none";
}

void ww_exposure_summary(const struct ww_exposure_host *h, char *b, size_t n)
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

static const char *mac_text(const struct ww_exposure_host *h, char *b)
{
    static const uint8_t zero[6];
    if (!h->ns || !memcmp(h->mac, zero, 6)) return NULL;
    sprintf(b, "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1], h->mac[2], h->mac[3],
            h->mac[4], h->mac[5]);
    return b;
}

static const char *ssn_text(const struct ww_exposure_host *h)
{
    return h->ssn ? "accepted" : h->ssn_reply == WW_NB_NEGATIVE ? "refused" : NULL;
}

static json_t *jstr(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *host_json(const struct ww_exposure_host *h)
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
    ww_exposure_summary(h, sum, sizeof sum);
    int sg = signing(h);
    json_t *o = json_pack("{s:s,s:b,s:b,s:b,s:o,s:o,s:o,s:b,s:o,s:s}", "addr", ww_addr_format(&h->addr, a),
                          "netbios_ns", h->ns, "netbios_ssn", h->ssn, "smb", h->smb, "names", names,
                          "workgroup", jstr(h->workgroup), "smb_dialects", dialects, "smb1", h->smb1,
                          "signing_required", sg < 0 ? json_null() : json_boolean(sg),
                          "risk", ww_exposure_risk(h));
    json_object_set_new(o, "summary", json_string(sum));
    json_object_set_new(o, "file_server", jstr(h->server));
    json_object_set_new(o, "mac", jstr(mac_text(h, m)));
    json_object_set_new(o, "netbios_ssn_reply", jstr(ssn_text(h)));
    json_object_set_new(o, "name_table", table);
    return o;
}

static void host_text(const struct ww_exposure_host *h, FILE *out)
{
    char a[WW_ADDR_STRLEN], m[18], sum[256];
    ww_exposure_summary(h, sum, sizeof sum);
    fprintf(out, "%s: risk %s\n  %s\n", ww_addr_format(&h->addr, a), ww_exposure_risk(h), sum);
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

void ww_exposure_write(const struct ww_exposure *x, int json, int only_exposed, FILE *out)
{
    json_t *hosts = json ? json_array() : NULL;
    for (size_t i = 0; i < x->n; i++) {
        const struct ww_exposure_host *h = &x->v[i];
        if (only_exposed && !strcmp(ww_exposure_risk(h), "none")) continue;
        if (hosts) json_array_append_new(hosts, host_json(h));
        else host_text(h, out);
    }
    if (hosts) {
        json_t *doc = json_pack("{s:o}", "hosts", hosts);
        json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', out);
        json_decref(doc);
    }
}
