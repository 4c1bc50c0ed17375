/* osdb.c -- p0f's signature database and the match of a SYN's fingerprint
 * (see osdb.h).
 *
 * Load: the [tcp:request] section of p0f.fp (the format of p0f's README,
 * section 5) becomes an array of signatures, each with its label's number.
 * The `classes =` line names the OS classes a label may have ("!" marks a
 * tool, as nmap); `sys =` lines are checked to follow a label and are not
 * used; other sections are skipped. A signature's fields keep p0f's forms:
 * ver 4, 6 or * (any); ittl N, N- (a tool's random TTL, at most N) or N+D
 * (N + D); olen; mss N or *; the window N, *, %N (a multiple of N), mss*N
 * or mtu*N; scale N or *; the option layout (eol+N last, ?N for an
 * unknown kind); the quirks; pclass 0, + or *.
 *
 * Index: signatures with the same option layout sit together (in the
 * file's order within a layout), and a hash table (core/hash.h) finds a
 * layout from the fingerprint's option kinds (two words, see struct lkey),
 * so a match reads the signatures of one layout, not all 91: Debian's p0f
 * 3.09b file has 28 layouts, the largest Linux's mss,sok,ts,nop,ws (27
 * signatures), then 10, 9, 8. In a signature, the tests that tell a
 * layout's signatures apart (scale, MSS, window) come first; the window's
 * multiple of MSS or MTU (divisions) is worked out only when a signature
 * asks. The table is const after the load; the match allocates nothing.
 *
 * Match (p0f 3.09b's tcp_find_match): layout, EOL padding and IP option
 * length must be equal; quirks equal, else a fuzzy candidate if all that
 * differs is df or id+ gone, id- or ecn come (a signature for both IP
 * versions ignores the other version's quirks); the TTL at most the
 * signature's initial TTL and within 35 of it, else fuzzy (a random-TTL
 * tool's: at most its TTL, never fuzzy); mss, scale and pclass equal unless
 * `*`; the window by its form, where mss*N and mtu*N use the multiplier
 * p0f derives from the window and MSS (win_multi, its detect_win_multi). The first
 * specific match wins; else the first generic; else the first fuzzy one,
 * except for tools ("!"), which p0f never matches fuzzily. A log without
 * sequence numbers (WW_FP_SEQ unset) cannot judge seq-, ack+ and ack-, so
 * they drop out of both sides.
 *
 * Guess (no options seen, WW_FP_OPTS unset): the initial TTL is the first
 * of 32, 64, 128, 255 at or above the observed one; the window is looked up
 * in a table built at load from the signatures with a literal window:
 * (initial TTL, window) -> the label most of those signatures carry (ties:
 * the earlier), or none when they name different systems (p0f's name:
 * Windows and Blackberry share 128/65535) -- no answer rather than a wrong
 * one. A window of mss*N is not guessed: the MSS is an option.
 *
 * Names are p0f's "name flavor", as p0f -r prints them, but for NMap,
 * which p0f prints "NMap SYN scan": CONTRACT.md's spelling is "nmap SYN
 * scan", so NMap is written nmap. */
#include "detect/osdb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/num.h"

#define FILE_MAX (16u << 20)
#define OPT_MAX 24      /* p0f's MAX_TCP_OPT (layouts past WW_SYNFP_OPTS are read, never kept) */
#define MAX_DIST 35     /* p0f's MAX_DIST: the most hops a non-fuzzy TTL may have come */
#define CLASS_MAX 32
#define LABEL_MAX 4095  /* osdb.h: 12 bits */

enum { W_ANY, W_NORMAL, W_MOD, W_MSS, W_MTU };
enum { ANY_MSS = 1, ANY_SCALE = 2, ANY_PAY = 4 };

struct sig {
    uint32_t quirks;  /* WW_FPQ_* */
    uint16_t win;     /* the value, modulus or multiplier, by wtype */
    uint16_t mss;
    uint16_t label;   /* 1 .. */
    uint16_t layout;  /* index into layouts */
    uint8_t wtype;    /* W_* */
    uint8_t any;      /* ANY_* */
    uint8_t ver;      /* 0 (both), 4, 6 */
    uint8_t ittl;
    uint8_t bad_ttl;  /* "N-": a tool's random TTL */
    uint8_t olen;
    uint8_t eol_pad;
    uint8_t wscale;
    uint8_t pay;      /* 1: payload (pclass +) */
    uint8_t generic;  /* "g:" */
    uint8_t tool;     /* class "!" */
};

/* A layout as a key: its WW_SYNFP_OPTS kinds in two words, the bytes past
 * n zero, so a fingerprint's is two loads and two masks, and equal layouts
 * are equal words. */
struct lkey {
    uint64_t a, b; /* kinds 0..7 and 6..13 */
    unsigned n;
};

struct layout {
    struct lkey key;
    uint32_t first, count; /* its signatures: sigs[first .. first + count) */
};

struct label {
    uint32_t name;    /* "name flavor" in the pool */
    uint32_t os;      /* p0f's name alone, in the pool (a guess's systems) */
    int cls;          /* index into classes, -1 for "!" */
    int generic;
};

struct guess {
    uint16_t ittl, win; /* key */
    uint16_t label;     /* the label most of them carry */
    uint32_t count;     /* its signatures */
    uint8_t ambiguous;  /* different systems */
};

struct ww_osdb {
    struct sig *sigs;
    size_t nsigs;
    struct layout *layouts;
    size_t nlayouts;
    struct ww_hash by_layout;
    struct label *labels; /* [0] unused */
    size_t nlabels;
    struct guess *guesses;
    size_t nguesses;
    struct ww_hash by_guess;
    char *pool;
};

/* ---- the index ---- */

/* 8 bytes as a little-endian word: one load (core/bytes.h's byte loop is
 * not merged into one by the compiler) */
static inline uint64_t le64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

static uint64_t low_bytes(uint64_t w, unsigned n) { return n >= 8 ? w : w & ((1ull << (8 * n)) - 1); }

static struct lkey layout_key(const uint8_t opt[WW_SYNFP_OPTS], unsigned n)
{
    return (struct lkey){.a = low_bytes(le64(opt), n),
                         .b = low_bytes(le64(opt + WW_SYNFP_OPTS - 8), n > 6 ? n - 6 : 0), .n = n};
}

static uint64_t layout_hash(const struct lkey *k) { return ww_hash64(k->a ^ ww_hash64(k->b + k->n)); }

static int layout_eq(const void *ctx, uint32_t e, const void *key)
{
    const struct lkey *l = &((const struct ww_osdb *)ctx)->layouts[e].key, *k = key;
    return ((l->a ^ k->a) | (l->b ^ k->b) | (l->n ^ k->n)) == 0;
}

static uint64_t guess_hash(unsigned ittl, unsigned win) { return ww_hash64((uint64_t)ittl << 16 | win); }

static int guess_eq(const void *ctx, uint32_t e, const void *key)
{
    const struct guess *g = &((const struct ww_osdb *)ctx)->guesses[e];
    uint32_t k = *(const uint32_t *)key;
    return ((uint32_t)g->ittl << 16 | g->win) == k;
}

/* ---- the load ---- */

struct load {
    const char *name;
    char *err;
    size_t errlen;
    uint32_t line;
    struct ww_osdb *db;
    size_t capsigs, caplayouts, caplabels;
    struct ww_buf pool;
    char classes[CLASS_MAX][16];
    int nclasses;
    int section;      /* 0 none yet, 1 [tcp:request], 2 another */
    int have_label;   /* a label in this section, for sig = and sys = */
};

static enum ww_err bad(struct load *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static enum ww_err bad(struct load *l, const char *fmt, ...)
{
    if (l->err && l->errlen) {
        int n = snprintf(l->err, l->errlen, "%s:%u: ", l->name, l->line);
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < l->errlen) vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return WW_ERR_PARSE;
}

/* Takes word at *p (before end) and moves past it, or says 0. */
static int eat(const char **p, const char *end, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(end - *p) < n || memcmp(*p, word, n)) return 0;
    *p += n;
    return 1;
}

static int number(const char **p, const char *end, uint64_t max, uint64_t *out)
{
    return ww_num(p, end, max, out) == WW_OK;
}

/* The fields of a signature, by number, for errors. */
static const char *const FIELD[] = {"ver", "ittl", "olen", "mss", "wsize,scale", "olayout", "quirks",
                                    "pclass"};

static const struct { const char *name; uint32_t bit; uint8_t only; } QUIRK[] = {
    {"df", WW_FPQ_DF, 4},          {"id+", WW_FPQ_ID_PLUS, 4},     {"id-", WW_FPQ_ID_MINUS, 4},
    {"ecn", WW_FPQ_ECN, 0},        {"0+", WW_FPQ_ZERO_PLUS, 4},    {"flow", WW_FPQ_FLOW, 6},
    {"seq-", WW_FPQ_SEQ_MINUS, 0}, {"ack+", WW_FPQ_ACK_PLUS, 0},   {"ack-", WW_FPQ_ACK_MINUS, 0},
    {"uptr+", WW_FPQ_UPTR_PLUS, 0}, {"urgf+", WW_FPQ_URGF_PLUS, 0}, {"pushf+", WW_FPQ_PUSHF_PLUS, 0},
    {"ts1-", WW_FPQ_TS1_MINUS, 0}, {"ts2+", WW_FPQ_TS2_PLUS, 0},   {"opt+", WW_FPQ_OPT_PLUS, 0},
    {"exws", WW_FPQ_EXWS, 0},      {"bad", WW_FPQ_BAD, 0},
};

static const struct { const char *name; uint8_t kind; } OPTION[] = {
    {"nop", 1}, {"mss", 2}, {"ws", 3}, {"sok", 4}, {"sack", 5}, {"ts", 8},
};

/* "sig = ..." in [tcp:request]: v[0..n). */
static enum ww_err sig_line(struct load *l, const char *v, size_t n)
{
    const char *f[8], *fe[8];
    int nf = 0;
    for (const char *p = v, *end = v + n;; ) {
        const char *c = memchr(p, ':', (size_t)(end - p));
        if (nf == 8) return bad(l, "more than 8 fields (ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass)");
        f[nf] = p;
        fe[nf++] = c ? c : end;
        if (!c) break;
        p = c + 1;
    }
    if (nf != 8)
        return bad(l, "%d fields, not 8 (ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass)", nf);

    struct sig s = {0};
    uint8_t opt[OPT_MAX] = {0};
    unsigned nopt = 0;
    uint64_t x, y;
    const char *p;
#define FIELD_BAD(i) bad(l, "%s '%.*s' is not valid", FIELD[i], (int)(fe[i] - f[i] < 40 ? fe[i] - f[i] : 40), f[i])

    /* ver */
    if (fe[0] - f[0] != 1 || (f[0][0] != '4' && f[0][0] != '6' && f[0][0] != '*')) return FIELD_BAD(0);
    s.ver = f[0][0] == '*' ? 0 : (uint8_t)(f[0][0] - '0');
    /* ittl: N, N- or N+D */
    p = f[1];
    if (!number(&p, fe[1], 255, &x) || x < 1) return FIELD_BAD(1);
    if (p < fe[1] && *p == '-' && p + 1 == fe[1]) {
        s.bad_ttl = 1;
    } else if (p < fe[1] && *p == '+') {
        p++;
        if (!number(&p, fe[1], 255, &y) || p != fe[1] || x + y > 255) return FIELD_BAD(1);
        x += y;
    } else if (p != fe[1]) {
        return FIELD_BAD(1);
    }
    s.ittl = (uint8_t)x;
    /* olen */
    p = f[2];
    if (!number(&p, fe[2], 255, &x) || p != fe[2]) return FIELD_BAD(2);
    s.olen = (uint8_t)x;
    /* mss */
    p = f[3];
    if (fe[3] - p == 1 && *p == '*') s.any |= ANY_MSS;
    else if (!number(&p, fe[3], 65535, &x) || p != fe[3]) return FIELD_BAD(3);
    else s.mss = (uint16_t)x;
    /* wsize,scale */
    p = f[4];
    const char *comma = memchr(p, ',', (size_t)(fe[4] - p));
    if (!comma) return FIELD_BAD(4);
    if (comma - p == 1 && *p == '*') {
        s.wtype = W_ANY;
        p++;
    } else {
        uint64_t lo = 0, hi = 65535;
        if (eat(&p, comma, "%")) s.wtype = W_MOD, lo = 2;
        else if (eat(&p, comma, "mss*")) s.wtype = W_MSS, lo = 1, hi = 1000;
        else if (eat(&p, comma, "mtu*")) s.wtype = W_MTU, lo = 1, hi = 1000;
        else s.wtype = W_NORMAL;
        if (!number(&p, comma, hi, &x) || p != comma || x < lo) return FIELD_BAD(4);
        s.win = (uint16_t)x;
    }
    p = comma + 1;
    if (fe[4] - p == 1 && *p == '*') s.any |= ANY_SCALE;
    else if (!number(&p, fe[4], 255, &x) || p != fe[4]) return FIELD_BAD(4);
    else s.wscale = (uint8_t)x;
    /* olayout */
    for (p = f[5]; p < fe[5];) {
        if (nopt == OPT_MAX) return bad(l, "more than %d TCP options", OPT_MAX);
        if (eat(&p, fe[5], "eol+")) {
            if (!number(&p, fe[5], 255, &x)) return FIELD_BAD(5);
            if (p != fe[5]) return bad(l, "eol+N must be the last option");
            s.eol_pad = (uint8_t)x;
            opt[nopt++] = 0;
            break;
        }
        if (eat(&p, fe[5], "?")) {
            if (!number(&p, fe[5], 255, &x)) return FIELD_BAD(5);
            opt[nopt++] = (uint8_t)x;
        } else {
            size_t k = 0;
            while (k < sizeof OPTION / sizeof *OPTION) {
                size_t w = strlen(OPTION[k].name);
                if ((size_t)(fe[5] - p) >= w && !memcmp(p, OPTION[k].name, w) &&
                    (p + w == fe[5] || p[w] == ','))
                    break;
                k++;
            }
            if (k == sizeof OPTION / sizeof *OPTION) return FIELD_BAD(5);
            opt[nopt++] = OPTION[k].kind;
            p += strlen(OPTION[k].name);
        }
        if (p < fe[5] && (*p != ',' || p + 1 == fe[5])) return FIELD_BAD(5);
        if (p < fe[5]) p++;
    }
    /* quirks */
    for (p = f[6]; p < fe[6];) {
        const char *e = memchr(p, ',', (size_t)(fe[6] - p));
        if (!e) e = fe[6];
        size_t k = 0;
        while (k < sizeof QUIRK / sizeof *QUIRK &&
               ((size_t)(e - p) != strlen(QUIRK[k].name) || memcmp(p, QUIRK[k].name, (size_t)(e - p))))
            k++;
        if (k == sizeof QUIRK / sizeof *QUIRK)
            return bad(l, "quirk '%.*s' is not one of p0f's", (int)(e - p < 20 ? e - p : 20), p);
        if (QUIRK[k].only && s.ver && s.ver != QUIRK[k].only)
            return bad(l, "quirk '%s' is not valid for IPv%u", QUIRK[k].name, s.ver);
        s.quirks |= QUIRK[k].bit;
        p = e;
        if (p < fe[6] && ++p == fe[6]) return FIELD_BAD(6);
    }
    /* pclass */
    if (fe[7] - f[7] != 1 || (f[7][0] != '0' && f[7][0] != '+' && f[7][0] != '*')) return FIELD_BAD(7);
    if (f[7][0] == '*') s.any |= ANY_PAY;
    s.pay = f[7][0] == '+';
#undef FIELD_BAD

    /* a layout longer than a fingerprint keeps never matches: read, not kept */
    if (nopt > WW_SYNFP_OPTS) return WW_OK;
    /* its layout, found or added */
    struct ww_osdb *db = l->db;
    struct lkey key = layout_key(opt, nopt);
    uint64_t h = layout_hash(&key);
    uint32_t li = ww_hash_find(&db->by_layout, h, layout_eq, db, &key);
    if (li == WW_HASH_NONE) {
        if (db->nlayouts == l->caplayouts)
            db->layouts = ww_realloc(db->layouts, (l->caplayouts = l->caplayouts ? 2 * l->caplayouts : 32) *
                                                      sizeof *db->layouts);
        li = (uint32_t)db->nlayouts++;
        struct layout *ly = &db->layouts[li];
        memset(ly, 0, sizeof *ly);
        ly->key = key;
        ww_hash_add(&db->by_layout, h, li);
    }
    if (li > UINT16_MAX) return bad(l, "more than %u option layouts", UINT16_MAX + 1);
    db->layouts[li].count++;
    s.layout = (uint16_t)li;
    s.label = (uint16_t)db->nlabels;
    s.generic = (uint8_t)db->labels[db->nlabels].generic;
    s.tool = db->labels[db->nlabels].cls < 0;
    if (db->nsigs == l->capsigs)
        db->sigs = ww_realloc(db->sigs, (l->capsigs = l->capsigs ? 2 * l->capsigs : 128) * sizeof *db->sigs);
    db->sigs[db->nsigs++] = s;
    return WW_OK;
}

/* "label = type:class:name:flavor" in [tcp:request]. */
static enum ww_err label_line(struct load *l, const char *v, size_t n)
{
    const char *end = v + n, *c2, *c3;
    if (n < 2 || (v[0] != 's' && v[0] != 'g') || v[1] != ':' || !(c2 = memchr(v + 2, ':', n - 2)) ||
        !(c3 = memchr(c2 + 1, ':', (size_t)(end - c2 - 1))))
        return bad(l, "a label is type:class:name:flavor, type s or g");
    const char *cl = v + 2;
    size_t cn = (size_t)(c2 - cl);
    int cls = cn == 1 && *cl == '!' ? -1 : -2;
    for (int i = 0; i < l->nclasses && cls == -2; i++)
        if (cn == strlen(l->classes[i]) && !memcmp(cl, l->classes[i], cn)) cls = i;
    if (cls == -2) return bad(l, "class '%.*s' is not '!' nor in the classes line", (int)(cn < 20 ? cn : 20), cl);
    if (c3 == c2 + 1) return bad(l, "a label without a name");
    struct ww_osdb *db = l->db;
    if (db->nlabels == LABEL_MAX) return bad(l, "more than %d labels", LABEL_MAX);
    if (db->nlabels + 1 >= l->caplabels)
        db->labels = ww_realloc(db->labels, (l->caplabels = 2 * l->caplabels + 64) * sizeof *db->labels);
    struct label *lb = &db->labels[++db->nlabels];
    size_t namelen = (size_t)(c3 - c2 - 1), flen = (size_t)(end - c3 - 1);
    const char *name = c2 + 1;
    if (namelen == 4 && !memcmp(name, "NMap", 4)) name = "nmap"; /* CONTRACT.md's spelling */
    lb->cls = cls;
    lb->generic = v[0] == 'g';
    lb->os = (uint32_t)l->pool.len;
    ww_buf_add(&l->pool, name, namelen);
    ww_buf_add(&l->pool, "", 1);
    lb->name = (uint32_t)l->pool.len;
    ww_buf_add(&l->pool, name, namelen);
    if (flen) {
        ww_buf_add(&l->pool, " ", 1);
        ww_buf_add(&l->pool, c3 + 1, flen);
    }
    if (ww_buf_add(&l->pool, "", 1)) return bad(l, "labels longer than %u MiB in all", FILE_MAX >> 20);
    l->have_label = 1;
    return WW_OK;
}

static enum ww_err classes_line(struct load *l, const char *v, size_t n)
{
    l->nclasses = 0;
    for (const char *p = v, *end = v + n; p < end;) {
        const char *e = memchr(p, ',', (size_t)(end - p));
        if (!e) e = end;
        const char *a = p, *b = e;
        while (a < b && (*a == ' ' || *a == '\t')) a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
        if (a == b || b - a >= (ptrdiff_t)sizeof l->classes[0]) return bad(l, "a class is 1 to 15 characters");
        if (l->nclasses == CLASS_MAX) return bad(l, "more than %d classes", CLASS_MAX);
        memcpy(l->classes[l->nclasses], a, (size_t)(b - a));
        l->classes[l->nclasses++][b - a] = 0;
        p = e + 1;
    }
    return WW_OK;
}

static int blank(char c) { return c == ' ' || c == '\t'; }

static enum ww_err line(struct load *l, const char *s, size_t n)
{
    while (n && blank(*s)) s++, n--;
    while (n && blank(s[n - 1])) n--;
    if (!n || *s == ';') return WW_OK;
    if (*s == '[') {
        if (s[n - 1] != ']') return bad(l, "a section is [module:direction]");
        l->section = (n == 13 && !memcmp(s, "[tcp:request]", 13)) ? 1 : 2;
        l->have_label = 0;
        return WW_OK;
    }
    const char *eq = memchr(s, '=', n);
    if (!eq) return bad(l, "not a comment, a section nor 'key = value'");
    const char *k = s, *ke = eq, *v = eq + 1, *ve = s + n;
    while (ke > k && blank(ke[-1])) ke--;
    while (v < ve && blank(*v)) v++;
    size_t kn = (size_t)(ke - k), vn = (size_t)(ve - v);
    if (kn == 7 && !memcmp(k, "classes", 7)) {
        if (l->section) return bad(l, "'classes' comes before the first section");
        return classes_line(l, v, vn);
    }
    if (l->section == 0) return bad(l, "'%.*s' before the first section", (int)(kn < 20 ? kn : 20), k);
    if (l->section != 1) return WW_OK; /* other modules' signatures: not ours */
    if (kn == 5 && !memcmp(k, "label", 5)) return label_line(l, v, vn);
    if (kn == 3 && !memcmp(k, "sig", 3)) {
        if (!l->have_label) return bad(l, "a signature before any label");
        return sig_line(l, v, vn);
    }
    if (kn == 3 && !memcmp(k, "sys", 3)) {
        if (!l->have_label) return bad(l, "'sys' before any label");
        return WW_OK;
    }
    return bad(l, "unknown key '%.*s' in [tcp:request]", (int)(kn < 20 ? kn : 20), k);
}

/* Signatures grouped by layout, the file's order kept inside a group. */
static void group(struct ww_osdb *db)
{
    uint32_t at = 0;
    for (size_t i = 0; i < db->nlayouts; i++) {
        db->layouts[i].first = at;
        at += db->layouts[i].count;
        db->layouts[i].count = 0;
    }
    struct sig *out = ww_malloc((db->nsigs ? db->nsigs : 1) * sizeof *out);
    for (size_t i = 0; i < db->nsigs; i++) {
        struct layout *ly = &db->layouts[db->sigs[i].layout];
        out[ly->first + ly->count++] = db->sigs[i];
    }
    ww_free(db->sigs);
    db->sigs = out;
}

struct gkey {
    uint16_t ittl, win, label;
};

static int cmp_gkey(const void *pa, const void *pb)
{
    const struct gkey *a = pa, *b = pb;
    uint64_t x = (uint64_t)a->ittl << 32 | (uint32_t)a->win << 16 | a->label;
    uint64_t y = (uint64_t)b->ittl << 32 | (uint32_t)b->win << 16 | b->label;
    return x < y ? -1 : x > y;
}

/* The guess table: the signatures with a literal window and a usual
 * initial TTL, sorted by (initial TTL, window, label); each run of one key
 * gives the label with the most signatures in it (ties: the earlier label),
 * marked ambiguous if another label of the run names another system. */
static void guesses(struct ww_osdb *db)
{
    struct gkey *k = ww_malloc((db->nsigs ? db->nsigs : 1) * sizeof *k);
    size_t n = 0;
    for (size_t i = 0; i < db->nsigs; i++) {
        const struct sig *s = &db->sigs[i];
        if (s->wtype == W_NORMAL && (s->ittl == 32 || s->ittl == 64 || s->ittl == 128 || s->ittl == 255))
            k[n++] = (struct gkey){s->ittl, s->win, s->label};
    }
    qsort(k, n, sizeof *k, cmp_gkey);
    db->guesses = ww_malloc((n ? n : 1) * sizeof *db->guesses);
    for (size_t i = 0; i < n;) {
        size_t end = i;
        while (end < n && k[end].ittl == k[i].ittl && k[end].win == k[i].win) end++;
        struct guess g = {.ittl = k[i].ittl, .win = k[i].win};
        for (size_t j = i; j < end;) {
            size_t e = j;
            while (e < end && k[e].label == k[j].label) e++;
            if (e - j > g.count) g.label = k[j].label, g.count = (uint32_t)(e - j);
            j = e;
        }
        for (size_t j = i; j < end; j++)
            if (strcmp(db->pool + db->labels[k[j].label].os, db->pool + db->labels[g.label].os))
                g.ambiguous = 1;
        db->guesses[db->nguesses] = g;
        ww_hash_add(&db->by_guess, guess_hash(g.ittl, g.win), (uint32_t)db->nguesses++);
        i = end;
    }
    ww_free(k);
}

enum ww_err ww_osdb_parse(const char *text, size_t len, const char *name,
                          struct ww_osdb **out, char *err, size_t errlen)
{
    struct ww_osdb *db = ww_calloc(1, sizeof *db);
    struct load l = {.name = name ? name : "p0f.fp", .err = err, .errlen = errlen, .db = db};
    enum ww_err rc = WW_OK;
    *out = NULL;
    if (err && errlen) err[0] = 0;
    ww_buf_init(&l.pool, FILE_MAX);
    ww_hash_init(&db->by_layout, 64);
    ww_hash_init(&db->by_guess, 64);
    db->labels = ww_calloc(l.caplabels = 64, sizeof *db->labels);
    for (size_t i = 0; i < len && !rc;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        size_t m = n && text[i + n - 1] == '\r' ? n - 1 : n;
        l.line++;
        if (memchr(text + i, 0, m)) rc = bad(&l, "a NUL byte");
        else rc = line(&l, text + i, m);
        i += n + 1;
    }
    if (!rc && !db->nsigs) {
        snprintf(err, errlen, "%s: no signatures in a [tcp:request] section", l.name);
        rc = WW_ERR_PARSE;
    }
    if (rc) {
        ww_buf_reset(&l.pool);
        ww_osdb_free(db);
        return rc;
    }
    db->pool = ww_buf_take(&l.pool);
    guesses(db);
    group(db);
    *out = db;
    return WW_OK;
}

enum ww_err ww_osdb_load(const char *path, struct ww_osdb **out, char *err, size_t errlen)
{
    if (!path) path = WW_OSDB_DEFAULT;
    *out = NULL;
    struct ww_buf b;
    enum ww_err rc = ww_buf_read_file(&b, path, FILE_MAX, err, errlen);
    if (!rc) rc = ww_osdb_parse(b.p ? b.p : "", b.len, path, out, err, errlen);
    ww_buf_reset(&b);
    return rc;
}

void ww_osdb_free(struct ww_osdb *db)
{
    if (!db) return;
    ww_hash_release(&db->by_layout);
    ww_hash_release(&db->by_guess);
    ww_free(db->sigs);
    ww_free(db->layouts);
    ww_free(db->labels);
    ww_free(db->guesses);
    ww_free(db->pool);
    ww_free(db);
}

/* ---- the match ---- */

/* p0f's detect_win_multi for a SYN: the window as a multiple of the MSS
 * (or of MSS - 12 with timestamps, or of 1460/1448 -- 1440/1428 on IPv6 --
 * for stacks that read the wrong interface's MTU), else of the MTU (MSS +
 * 40, MSS + the actual headers, MSS + 60 on IPv6, 1500); -1 if none. */
static int win_multi(const struct ww_synfp *fp, int *use_mtu)
{
    unsigned win = fp->win, mss = fp->mss, v6 = fp->flags & WW_FP_V6;
    if (!win || mss < 100) return -1;
    int ts1 = 0;
    unsigned optlen = fp->eol_pad, known = 1;
    for (unsigned i = 0; i < fp->nopt; i++) {
        switch (fp->opt[i]) {
        case 0: case 1: optlen += 1; break;
        case 2: optlen += 4; break;
        case 3: optlen += 3; break;
        case 4: optlen += 2; break;
        case 8: optlen += 10; ts1 = !(fp->quirks & WW_FPQ_TS1_MINUS); break;
        default: known = 0;
        }
    }
    unsigned tot = (v6 ? 40u : 20u) + fp->olen + 20 + optlen;
    const unsigned div[] = {mss, ts1 ? mss - 12 : 0, 1460, 1448, v6 ? 1440 : 0, v6 ? 1428 : 0,
                            mss + 40, known ? mss + tot : 0, v6 ? mss + 60 : 0, 1500};
    for (unsigned i = 0; i < sizeof div / sizeof *div; i++) {
        if (div[i] && div[i] <= win && win % div[i] == 0) { /* a larger one cannot divide */
            *use_mtu = i >= 6;
            return (int)(win / div[i]);
        }
    }
    return -1;
}

uint16_t ww_osdb_match(const struct ww_osdb *db, const struct ww_synfp *fp)
{
    if (!db || !(fp->flags & WW_FP_SET)) return 0;
    unsigned ttl = fp->ttl;
    if (!(fp->flags & WW_FP_OPTS)) {
        unsigned ittl = ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
        uint32_t key = ittl << 16 | fp->win;
        uint32_t gi = ww_hash_find(&db->by_guess, guess_hash(ittl, fp->win), guess_eq, db, &key);
        if (gi == WW_HASH_NONE || db->guesses[gi].ambiguous) return 0;
        return (uint16_t)(WW_OS_GUESS << 12 | db->guesses[gi].label);
    }
    struct lkey key = layout_key(fp->opt, fp->nopt > WW_SYNFP_OPTS ? WW_SYNFP_OPTS : fp->nopt);
    uint32_t li = ww_hash_find(&db->by_layout, layout_hash(&key), layout_eq, db, &key);
    if (li == WW_HASH_NONE) return 0;
    const struct layout *ly = &db->layouts[li];

    uint32_t seqmask = fp->flags & WW_FP_SEQ ? ~0u : ~(uint32_t)(WW_FPQ_SEQ_MINUS | WW_FPQ_ACK_PLUS | WW_FPQ_ACK_MINUS);
    uint32_t q = fp->quirks & seqmask;
    int v6 = fp->flags & WW_FP_V6, pay = !!(fp->flags & WW_FP_PAYLOAD);
    int use_mtu = 0, multi = -2; /* -2: not worked out yet (it divides) */
    const struct sig *gmatch = NULL, *fmatch = NULL;
    for (uint32_t i = ly->first; i < ly->first + ly->count; i++) {
        const struct sig *s = &db->sigs[i];
        /* p0f's tests, each a reason to pass over the signature, so in any
           order: the ones that tell a layout's signatures apart first */
        if (!(s->any & ANY_SCALE) && s->wscale != fp->wscale) continue;
        if (!(s->any & ANY_MSS) && s->mss != fp->mss) continue;
        if ((s->wtype == W_MSS || s->wtype == W_MTU) && multi == -2) multi = win_multi(fp, &use_mtu);
        switch (s->wtype) {
        case W_NORMAL: if (s->win != fp->win) continue; break;
        case W_MOD: if (fp->win % s->win) continue; break;
        case W_MSS: if (use_mtu || s->win != multi) continue; break;
        case W_MTU: if (!use_mtu || s->win != multi) continue; break;
        default: break;
        }
        if (s->eol_pad != fp->eol_pad || s->olen != fp->olen) continue;
        if (!(s->any & ANY_PAY) && s->pay != pay) continue;
        int fuzzy = 0;
        uint32_t rq = s->quirks & seqmask;
        if (!s->ver) rq &= v6 ? ~(uint32_t)(WW_FPQ_DF | WW_FPQ_ID_PLUS | WW_FPQ_ID_MINUS) : ~(uint32_t)WW_FPQ_FLOW;
        if (rq != q) {
            uint32_t gone = (rq ^ q) & rq, came = (rq ^ q) & q;
            if (fmatch || (gone & ~(uint32_t)(WW_FPQ_DF | WW_FPQ_ID_PLUS)) ||
                (came & ~(uint32_t)(WW_FPQ_ID_MINUS | WW_FPQ_ECN)))
                continue;
            fuzzy = 1;
        }
        if (s->bad_ttl) {
            if (s->ittl < ttl) continue;
        } else if (s->ittl < ttl || s->ittl - ttl > MAX_DIST) {
            fuzzy = 1;
        }
        if (fuzzy) {
            if (!fmatch) fmatch = s;
        } else if (!s->generic) {
            return (uint16_t)(WW_OS_EXACT << 12 | s->label);
        } else if (!gmatch) {
            gmatch = s;
        }
    }
    if (gmatch) return (uint16_t)(WW_OS_GENERIC << 12 | gmatch->label);
    if (fmatch && !fmatch->tool) return (uint16_t)(WW_OS_FUZZY << 12 | fmatch->label);
    return 0;
}

const char *ww_osdb_name(const struct ww_osdb *db, uint16_t os)
{
    unsigned label = WW_OS_LABEL(os);
    if (!db || !os || !label || label > db->nlabels || WW_OS_KIND(os) > WW_OS_GUESS) return NULL;
    return db->pool + db->labels[label].name;
}

const char *ww_os_kind_name(uint16_t os)
{
    static const char *const k[] = {"exact", "generic", "fuzzy", "guess"};
    return WW_OS_KIND(os) < 4 ? k[WW_OS_KIND(os)] : "?";
}
