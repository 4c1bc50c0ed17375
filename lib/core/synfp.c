/* synfp.c -- a SYN's fingerprint: TCP options read, text form written and
 * read back (see synfp.h).
 *
 * Options (RFC 9293 3.2; p0f's README, "TCP signatures"): one pass over
 * opt[0..len), every read checked against len first. EOL (0) ends the list:
 * the bytes after it are the padding (eol+N), any of them non-zero is opt+.
 * NOP (1) is one byte. Every other kind has a length byte: MSS (2, length
 * 4), window scale (3, length 3; a scale above 14 is exws), SACK permitted
 * (4, length 2) and timestamps (8, length 10; own value 0 is ts1-, the
 * peer's not 0 is ts2+ on a SYN) are read at their fixed size even when the
 * length byte says otherwise (bad), as p0f reads them; SACK (5, length
 * 10..34) and unknown kinds (length 2..40) are skipped by their length.
 * An option that does not fit in what is left, a length out of range, or
 * more than WW_SYNFP_OPTS options stops the walk, with bad set. The kind of
 * each option is kept in order, the one that broke the walk included.
 *
 * Text: p0f's raw signature with the TTL as seen (p0f writes "ttl+distance"):
 *     ver:ttl:olen:mss:win,scale:layout:quirks:pclass
 *     4:57:0:1460:65535,0:mss,nop,nop,sok:df,id+:0
 * ver 4 or 6; ttl, olen, mss, win, scale decimal; layout the option kinds
 * in order (eol+N, nop, mss, ws, sok, sack, ts, ?K for any other kind K);
 * quirks in p0f's names and order; pclass 0 (no payload) or +. Without the
 * TCP options (WW_FP_OPTS unset: a log line that did not carry them) mss,
 * scale, layout and pclass are `*`. Sequence numbers not seen (WW_FP_SEQ
 * unset: netfilter without --log-tcp-sequence) add the last quirk `?seq`:
 * seq-, ack+ and ack- were not judged. The parser takes exactly what the
 * writer writes (and a quirk order or `?K` for a named kind that mean the
 * same), so parse(format(fp)) == fp for every fingerprint these functions
 * and the input parsers make; it allocates nothing. */
#include "core/synfp.h"

#include <string.h>

#include "core/num.h"

enum { K_EOL = 0, K_NOP = 1, K_MSS = 2, K_WS = 3, K_SOK = 4, K_SACK = 5, K_TS = 8 };

#define OPT_QUIRKS (WW_FPQ_TS1_MINUS | WW_FPQ_TS2_PLUS | WW_FPQ_OPT_PLUS | WW_FPQ_EXWS | WW_FPQ_BAD)

void ww_synfp_options(struct ww_synfp *fp, const uint8_t *opt, size_t len)
{
    size_t i = 0;
    fp->flags |= WW_FP_OPTS;
    fp->quirks &= ~(uint32_t)OPT_QUIRKS;
    fp->nopt = fp->eol_pad = fp->wscale = 0;
    fp->mss = 0;
    while (i < len) {
        if (fp->nopt == WW_SYNFP_OPTS) goto bad;
        uint8_t kind = opt[i++];
        fp->opt[fp->nopt++] = kind;
        if (kind == K_EOL) {
            fp->eol_pad = (uint8_t)(len - i < 255 ? len - i : 255);
            for (; i < len; i++)
                if (opt[i]) fp->quirks |= WW_FPQ_OPT_PLUS;
            return;
        }
        if (kind == K_NOP) continue;
        if (i >= len) goto bad;                  /* no length byte */
        size_t olen = opt[i], want;              /* olen counts kind and length bytes */
        switch (kind) {
        case K_MSS: want = 4; break;
        case K_WS: want = 3; break;
        case K_SOK: want = 2; break;
        case K_TS: want = 10; break;
        default:                                 /* SACK and unknown kinds: by their length */
            if (kind == K_SACK ? olen < 10 || olen > 34 : olen < 2 || olen > 40) goto bad;
            want = olen;
            break;
        }
        if (olen != want) fp->quirks |= WW_FPQ_BAD;
        if (want - 1 > len - i) goto bad;        /* does not fit */
        const uint8_t *v = opt + i + 1;          /* the value after the length byte */
        if (kind == K_MSS) {
            fp->mss = (uint16_t)(v[0] << 8 | v[1]);
        } else if (kind == K_WS) {
            fp->wscale = v[0];
            if (v[0] > 14) fp->quirks |= WW_FPQ_EXWS;
        } else if (kind == K_TS) {
            if (!(v[0] | v[1] | v[2] | v[3])) fp->quirks |= WW_FPQ_TS1_MINUS;
            if (v[4] | v[5] | v[6] | v[7]) fp->quirks |= WW_FPQ_TS2_PLUS;
        }
        i += want - 1;
    }
    return;
bad:
    fp->quirks |= WW_FPQ_BAD;
}

size_t ww_synfp_option_bytes(const struct ww_synfp *fp, uint8_t out[40])
{
    size_t n = 0;
    if (!(fp->flags & WW_FP_OPTS)) return 0;
    for (unsigned i = 0; i < fp->nopt && i < WW_SYNFP_OPTS; i++) {
        uint8_t k = fp->opt[i];
        size_t need = k == K_EOL ? 1u + fp->eol_pad : k == K_NOP ? 1 : k == K_MSS ? 4
                    : k == K_WS ? 3 : k == K_SACK || k == K_TS ? 10 : 2;
        if (n + need > 40) break;
        uint8_t *o = out + n;
        memset(o, 0, need);
        o[0] = k;
        n += need;
        switch (k) {
        case K_EOL: /* the rest is padding, non-zero at its end for opt+ */
            if ((fp->quirks & WW_FPQ_OPT_PLUS) && fp->eol_pad) o[need - 1] = 1;
            return n;
        case K_NOP: break;
        case K_MSS: o[1] = 4; o[2] = (uint8_t)(fp->mss >> 8); o[3] = (uint8_t)fp->mss; break;
        case K_WS: o[1] = 3; o[2] = fp->wscale; break;
        case K_TS: /* own timestamp, then the peer's */
            o[1] = 10;
            if (!(fp->quirks & WW_FPQ_TS1_MINUS)) o[2] = 0x1d, o[3] = 0xcd, o[4] = 0x65, o[5] = 0x02;
            if (fp->quirks & WW_FPQ_TS2_PLUS) o[9] = 1;
            break;
        default: o[1] = (uint8_t)need; break; /* SACK permitted 2, SACK 10, others 2 */
        }
    }
    return n;
}

/* Quirk names in p0f's order (bit k is names[k]). */
static const char *const quirk_names[] = {
    "df", "id+", "id-", "ecn", "0+", "flow", "seq-", "ack+", "ack-",
    "uptr+", "urgf+", "pushf+", "ts1-", "ts2+", "opt+", "exws", "bad"};
#define NQUIRKS (sizeof quirk_names / sizeof quirk_names[0])
#define NOSEQ "?seq"

static const char *kind_name(uint8_t k)
{
    switch (k) {
    case K_NOP: return "nop";
    case K_MSS: return "mss";
    case K_WS: return "ws";
    case K_SOK: return "sok";
    case K_SACK: return "sack";
    case K_TS: return "ts";
    default: return NULL;
    }
}

size_t ww_synfp_format(const struct ww_synfp *fp, char *buf, size_t size)
{
    char t[WW_SYNFP_TEXT];
    struct ww_cur o = {t, t + sizeof t, 0};
    int opts = fp->flags & WW_FP_OPTS;
    if (size) buf[0] = 0;
    if (!(fp->flags & WW_FP_SET)) return 0;
    ww_cur_puts(&o, fp->flags & WW_FP_V6 ? "6:" : "4:");
    ww_cur_putu(&o, fp->ttl);
    ww_cur_put(&o, ":", 1);
    ww_cur_putu(&o, fp->olen);
    ww_cur_put(&o, ":", 1);
    if (opts) ww_cur_putu(&o, fp->mss); else ww_cur_put(&o, "*", 1);
    ww_cur_put(&o, ":", 1);
    ww_cur_putu(&o, fp->win);
    ww_cur_put(&o, ",", 1);
    if (opts) ww_cur_putu(&o, fp->wscale); else ww_cur_put(&o, "*", 1);
    ww_cur_put(&o, ":", 1);
    if (!opts) ww_cur_put(&o, "*", 1);
    for (unsigned i = 0; opts && i < fp->nopt && i < WW_SYNFP_OPTS; i++) {
        const char *name = kind_name(fp->opt[i]);
        if (i) ww_cur_put(&o, ",", 1);
        if (fp->opt[i] == K_EOL) {
            ww_cur_puts(&o, "eol+");
            ww_cur_putu(&o, fp->eol_pad);
        } else if (name) {
            ww_cur_puts(&o, name);
        } else {
            ww_cur_put(&o, "?", 1);
            ww_cur_putu(&o, fp->opt[i]);
        }
    }
    ww_cur_put(&o, ":", 1);
    int n = 0;
    for (unsigned k = 0; k < NQUIRKS; k++)
        if (fp->quirks >> k & 1) {
            if (n++) ww_cur_put(&o, ",", 1);
            ww_cur_puts(&o, quirk_names[k]);
        }
    if (!(fp->flags & WW_FP_SEQ)) {
        if (n) ww_cur_put(&o, ",", 1);
        ww_cur_puts(&o, NOSEQ);
    }
    ww_cur_put(&o, ":", 1);
    ww_cur_put(&o, !opts ? "*" : fp->flags & WW_FP_PAYLOAD ? "+" : "0", 1);
    size_t len = (size_t)(o.p - t);
    if (o.full || len >= size) return 0; /* the first cannot happen (226 at most) */
    memcpy(buf, t, len);
    buf[len] = 0;
    return len;
}

/* s[0..n) is exactly the text w. */
static int is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && !memcmp(s, w, n);
}

/* A decimal field s[0..n) <= max into *v; 0 on success. */
static int dec(const char *s, size_t n, unsigned max, unsigned *v)
{
    uint64_t x;
    if (n > 5 || ww_num_span(s, n, max, &x)) return -1;
    *v = (unsigned)x;
    return 0;
}

/* One option name of the layout into fp; 0 on success. */
static int layout_item(const char *s, size_t n, struct ww_synfp *fp, int *eol_seen)
{
    unsigned v;
    uint8_t k;
    if (n > 4 && !memcmp(s, "eol+", 4)) {
        if (dec(s + 4, n - 4, 255, &v)) return -1;
        if (*eol_seen && v != fp->eol_pad) return -1; /* one padding for all */
        *eol_seen = 1;
        fp->eol_pad = (uint8_t)v;
        k = K_EOL;
    } else if (n > 1 && s[0] == '?') {
        if (dec(s + 1, n - 1, 255, &v) || v == K_EOL) return -1; /* EOL carries its padding */
        k = (uint8_t)v;
    } else {
        static const uint8_t kinds[] = {K_NOP, K_MSS, K_WS, K_SOK, K_SACK, K_TS};
        size_t j = 0;
        while (j < sizeof kinds && !is(s, n, kind_name(kinds[j]))) j++;
        if (j == sizeof kinds) return -1;
        k = kinds[j];
    }
    if (fp->nopt == WW_SYNFP_OPTS) return -1;
    fp->opt[fp->nopt++] = k;
    return 0;
}

static int quirk_item(const char *s, size_t n, struct ww_synfp *fp)
{
    if (is(s, n, NOSEQ)) {
        if (!(fp->flags & WW_FP_SEQ)) return -1; /* twice */
        fp->flags &= (uint8_t)~WW_FP_SEQ;
        return 0;
    }
    for (unsigned k = 0; k < NQUIRKS; k++)
        if (is(s, n, quirk_names[k])) {
            if (fp->quirks >> k & 1) return -1;
            fp->quirks |= 1u << k;
            return 0;
        }
    return -1;
}

static enum ww_err parse(const char *s, size_t len, struct ww_synfp *fp)
{
    const char *f[8], *end = s + len;
    size_t fl[8];
    unsigned v;
    const char *p = s;
    for (int k = 0;; k++) { /* eight ':'-separated fields */
        const char *c = memchr(p, ':', (size_t)(end - p));
        if (k == 7 ? c != NULL : c == NULL) return WW_ERR_PARSE;
        f[k] = p;
        fl[k] = (size_t)((c ? c : end) - p);
        if (k == 7) break;
        p = c + 1;
    }
    fp->flags = WW_FP_SET | WW_FP_SEQ;
    if (is(f[0], fl[0], "6")) fp->flags |= WW_FP_V6;
    else if (!is(f[0], fl[0], "4")) return WW_ERR_PARSE;
    if (dec(f[1], fl[1], 255, &v)) return WW_ERR_PARSE;
    fp->ttl = (uint8_t)v;
    if (dec(f[2], fl[2], 255, &v)) return WW_ERR_PARSE;
    fp->olen = (uint8_t)v;
    const char *comma = memchr(f[4], ',', fl[4]);
    if (!comma) return WW_ERR_PARSE;
    size_t wl = (size_t)(comma - f[4]), sl = fl[4] - wl - 1;
    if (dec(f[4], wl, 65535, &v)) return WW_ERR_PARSE;
    fp->win = (uint16_t)v;
    int opts = !is(f[3], fl[3], "*");
    /* mss, scale, layout and pclass are all `*` or none is */
    if (opts == is(comma + 1, sl, "*") || opts == is(f[5], fl[5], "*") ||
        opts == is(f[7], fl[7], "*"))
        return WW_ERR_PARSE;
    if (opts) {
        fp->flags |= WW_FP_OPTS;
        if (dec(f[3], fl[3], 65535, &v)) return WW_ERR_PARSE;
        fp->mss = (uint16_t)v;
        if (dec(comma + 1, sl, 255, &v)) return WW_ERR_PARSE;
        fp->wscale = (uint8_t)v;
        int eol = 0;
        for (const char *q = f[5], *e = f[5] + fl[5]; fl[5] && q <= e;) {
            const char *c = memchr(q, ',', (size_t)(e - q));
            if (!c) c = e;
            if (layout_item(q, (size_t)(c - q), fp, &eol)) return WW_ERR_PARSE;
            q = c + 1;
        }
        if (is(f[7], fl[7], "+")) fp->flags |= WW_FP_PAYLOAD;
        else if (!is(f[7], fl[7], "0")) return WW_ERR_PARSE;
    }
    for (const char *q = f[6], *e = f[6] + fl[6]; fl[6] && q <= e;) {
        const char *c = memchr(q, ',', (size_t)(e - q));
        if (!c) c = e;
        if (quirk_item(q, (size_t)(c - q), fp)) return WW_ERR_PARSE;
        q = c + 1;
    }
    if (!opts && (fp->quirks & OPT_QUIRKS)) return WW_ERR_PARSE; /* not seen, not judged */
    return WW_OK;
}

enum ww_err ww_synfp_parse(const char *s, size_t len, struct ww_synfp *fp)
{
    memset(fp, 0, sizeof *fp);
    enum ww_err rc = len < WW_SYNFP_TEXT ? parse(s, len, fp) : WW_ERR_PARSE;
    if (rc) memset(fp, 0, sizeof *fp);
    return rc;
}
