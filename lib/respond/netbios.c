/* netbios.c -- the bytes of NetBIOS name/session service and SMB negotiate.
 *
 * What `wormwatch exposure` sends and reads, nothing more:
 *
 * Node status (RFC 1002 4.2.17/4.2.18), UDP 137, big-endian:
 *   query    id:2 flags:2=0 qd:2=1 an:2 ns:2 ar:2 | name:34 type:2=0x21 class:2=1
 *   response id:2 flags:2 (0x8000 response, opcode 0, rcode low 4 bits)
 *            qd an ns ar | RR name (labels or a 0xC0 pointer) type class ttl:4
 *            rdlength:2 | NUM_NAMES:1, NUM_NAMES x (name:15 suffix:1 flags:2),
 *            statistics: unit id (MAC):6, then counters we ignore.
 * A name on the wire is "first-level encoded" (RFC 1001 14.1): its 16 bytes
 * (15 padded + suffix) split into nibbles, each sent as 'A' + nibble, behind a
 * length byte of 32 and ended by the root label 0.
 *
 * Session service (RFC 1002 4.3), TCP 139; direct SMB, TCP 445 ([MS-SMB2] 2.1):
 *   frame    type:1 length:3 (big-endian), then the payload
 *   request  0x81 | called:34 calling:34     positive 0x82 | (empty)
 *   negative 0x83 | error:1                  retarget 0x84 | ip:4 port:2
 *
 * SMB1 NEGOTIATE ([MS-CIFS] 2.2.4.52), little-endian: a 32-byte header
 * (0xFF 'SMB', command 0x72, status:4, flags, flags2 ...), WordCount 0,
 * ByteCount, then 0x02 "dialect" NUL per dialect. The response's words start
 * with DialectIndex; with NT LM 0.12 (17 words) the next byte is SecurityMode
 * (0x08 signatures required, 0x04 enabled). An SMB2-capable server may
 * answer an SMB1 negotiate with an SMB2 header instead (dialect 0x0202, or
 * 0x02FF for "SMB 2.???").
 *
 * SMB2 NEGOTIATE ([MS-SMB2] 2.2.3/2.2.4): a 64-byte header (0xFE 'SMB',
 * status at 8, command at 12, flags at 16), then StructureSize 36,
 * DialectCount, SecurityMode, Capabilities, ClientGuid, then (with 3.1.1)
 * NegotiateContextOffset/Count or else ClientStartTime, the dialects, and
 * 8-aligned negotiate contexts. The response body: StructureSize 65,
 * SecurityMode (0x01 signing enabled, 0x02 required), DialectRevision. */
#include <string.h>

#include "core/err.h"
#include "respond/netbios.h"

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put_le16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i);
}
static void put_frame_hdr(uint8_t *p, uint8_t type, size_t len)
{
    p[0] = type;
    p[1] = (uint8_t)(len >> 16);
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
}
static int fail(const char **why, const char *reason)
{
    if (why) *why = reason;
    return WW_ERR_PARSE;
}

/* ---- names and the name service ---- */

size_t ww_nb_encode_name(const char *name, uint8_t suffix, uint8_t out[WW_NB_NAME_WIRE])
{
    size_t len = strlen(name);
    if (len > 15) return 0;
    uint8_t raw[16];
    uint8_t pad = strcmp(name, "*") ? ' ' : 0;
    for (size_t i = 0; i < 15; i++) {
        uint8_t c = i < len ? (uint8_t)name[i] : pad;
        raw[i] = c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
    }
    raw[15] = suffix;
    out[0] = 32;
    for (size_t i = 0; i < 16; i++) {
        out[1 + 2 * i] = (uint8_t)('A' + (raw[i] >> 4));
        out[2 + 2 * i] = (uint8_t)('A' + (raw[i] & 15));
    }
    out[33] = 0;
    return WW_NB_NAME_WIRE;
}

size_t ww_nb_nbstat_query(uint16_t id, uint8_t out[WW_NB_NBSTAT_LEN])
{
    memset(out, 0, WW_NB_NBSTAT_LEN);
    out[0] = (uint8_t)(id >> 8);
    out[1] = (uint8_t)id;
    out[5] = 1; /* QDCOUNT */
    ww_nb_encode_name("*", 0, out + 12);
    out[47] = 0x21; /* NBSTAT */
    out[49] = 0x01; /* IN */
    return WW_NB_NBSTAT_LEN;
}

/* Skips a domain name at p[*off..n): labels up to the root, or a pointer. */
static int skip_name(const uint8_t *p, size_t n, size_t *off)
{
    size_t o = *off, total = 0;
    for (;;) {
        if (o >= n) return -1;
        uint8_t l = p[o];
        if ((l & 0xC0) == 0xC0) {
            if (n - o < 2) return -1;
            o += 2;
            break;
        }
        if (l & 0xC0) return -1;
        o++;
        if (l == 0) break;
        if (n - o < l || (total += l + 1u) > 255) return -1;
        o += l;
    }
    *off = o;
    return 0;
}

int ww_nb_nbstat_decode(const uint8_t *p, size_t n, struct ww_nb_status *st, const char **why)
{
    st->count = 0;
    memset(st->mac, 0, sizeof st->mac);
    if (n < 12) return fail(why, "node status response shorter than its 12-byte header");
    st->id = be16(p);
    uint16_t flags = be16(p + 2);
    if (!(flags & 0x8000)) return fail(why, "not a response (a query)");
    if ((flags >> 11 & 15) != 0) return fail(why, "not a query response (opcode is not 0)");
    if (flags & 15) return fail(why, "the name service answered with an error code");
    unsigned qd = be16(p + 4), an = be16(p + 6);
    if (an == 0) return fail(why, "the response has no answer record");
    size_t off = 12;
    for (unsigned i = 0; i < qd; i++) {
        if (skip_name(p, n, &off) || n - off < 4) return fail(why, "question section truncated");
        off += 4;
    }
    if (skip_name(p, n, &off)) return fail(why, "answer name malformed or truncated");
    if (n - off < 10) return fail(why, "answer record header truncated");
    if (be16(p + off) != 0x21) return fail(why, "the answer is not a node status (NBSTAT) record");
    size_t rdlen = be16(p + off + 8);
    off += 10;
    if (n - off < rdlen) return fail(why, "answer data shorter than its RDLENGTH");
    const uint8_t *rd = p + off;
    if (rdlen < 1) return fail(why, "node status data is empty");
    unsigned count = rd[0];
    if (1 + 18 * (size_t)count > rdlen) return fail(why, "names table longer than the answer data");
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *e = rd + 1 + 18 * i;
        struct ww_nb_name *nm = &st->names[i];
        size_t len = 15;
        while (len > 0 && (e[len - 1] == ' ' || e[len - 1] == 0)) len--;
        for (size_t k = 0; k < len; k++) nm->name[k] = e[k] >= 0x20 && e[k] < 0x7f ? (char)e[k] : '?';
        nm->name[len] = 0;
        nm->suffix = e[15];
        nm->flags = be16(e + 16);
    }
    st->count = count;
    if (rdlen - (1 + 18 * (size_t)count) >= 6) memcpy(st->mac, rd + 1 + 18 * count, 6);
    return WW_OK;
}

const struct ww_nb_name *ww_nb_find(const struct ww_nb_status *st, uint8_t suffix, int group)
{
    for (unsigned i = 0; i < st->count; i++)
        if (st->names[i].suffix == suffix && !(st->names[i].flags & WW_NB_GROUP) == !group &&
            st->names[i].name[0])
            return &st->names[i];
    return NULL;
}

/* ---- session service ---- */

size_t ww_nb_frame_len(const uint8_t hdr[WW_NB_FRAME_HDR])
{
    return (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
}

size_t ww_nb_session_request(const char *called, uint8_t called_suffix, const char *calling,
                             uint8_t out[WW_NB_SESSION_REQUEST_LEN])
{
    put_frame_hdr(out, WW_NB_SESSION_REQUEST, 2 * WW_NB_NAME_WIRE);
    if (!ww_nb_encode_name(called, called_suffix, out + 4) ||
        !ww_nb_encode_name(calling, 0x00, out + 4 + WW_NB_NAME_WIRE))
        return 0;
    return WW_NB_SESSION_REQUEST_LEN;
}

int ww_nb_session_decode(const uint8_t *p, size_t n, int *type, int *error, const char **why)
{
    *error = 0;
    if (n < 4) return fail(why, "session response shorter than its 4-byte header");
    size_t len = ww_nb_frame_len(p);
    if (n - 4 < len) return fail(why, "session response shorter than its length field");
    *type = p[0];
    switch (p[0]) {
    case WW_NB_POSITIVE: return WW_OK;
    case WW_NB_NEGATIVE:
        if (len < 1) return fail(why, "negative session response without an error code");
        *error = p[4];
        return WW_OK;
    case WW_NB_RETARGET:
        if (len < 6) return fail(why, "retarget session response shorter than 6 bytes");
        return WW_OK;
    default: return fail(why, "not a session response (type is not 0x82, 0x83 or 0x84)");
    }
}

/* ---- SMB negotiate ---- */

const char *const ww_smb_dialect_names[WW_SMB_NDIALECTS] = {"NT LM 0.12", "2.0.2", "2.1", "3.0",
                                                           "3.0.2", "3.1.1"};
const uint16_t ww_smb2_dialect_codes[WW_SMB_NDIALECTS] = {0, 0x0202, 0x0210, 0x0300, 0x0302, 0x0311};

int ww_smb2_dialect_index(uint16_t code)
{
    for (int i = 1; i < WW_SMB_NDIALECTS; i++)
        if (ww_smb2_dialect_codes[i] == code) return i;
    return -1;
}

static const char *const smb1_strings[] = {"NT LM 0.12", "SMB 2.002", "SMB 2.???"};

size_t ww_smb1_negotiate(unsigned offer, uint8_t *out, size_t cap)
{
    size_t need = 4 + 32 + 3;
    offer &= 7;
    for (int i = 0; i < 3; i++)
        if (offer & 1u << i) need += 2 + strlen(smb1_strings[i]);
    if (!offer || cap < need) return 0;
    memset(out, 0, need);
    put_frame_hdr(out, WW_NB_SESSION_MESSAGE, need - 4);
    uint8_t *h = out + 4;
    memcpy(h, "\xffSMB", 4);
    h[4] = 0x72;                 /* SMB_COM_NEGOTIATE */
    h[9] = 0x18;                 /* case-insensitive, canonicalized paths */
    put_le16(h + 10, 0xC801);    /* unicode, NT status, extended security, long names */
    put_le16(h + 26, 0xFEFF);    /* PIDLow */
    uint8_t *b = h + 35;         /* WordCount 0 at 32, ByteCount at 33 */
    for (int i = 0; i < 3; i++) {
        if (!(offer & 1u << i)) continue;
        size_t l = strlen(smb1_strings[i]);
        *b++ = 0x02;
        memcpy(b, smb1_strings[i], l + 1);
        b += l + 1;
    }
    put_le16(h + 33, (unsigned)(b - (h + 35)));
    return need;
}

unsigned ww_smb1_chosen(unsigned offer, unsigned index)
{
    for (unsigned i = 0; i < 3; i++)
        if (offer & 1u << i && index-- == 0) return 1u << i;
    return 0;
}

size_t ww_smb2_negotiate(unsigned dialects, const uint8_t guid[16], const uint8_t salt[32],
                         uint8_t *out, size_t cap)
{
    dialects &= 0x3E;
    if (!dialects || cap < WW_SMB_NEGOTIATE_MAX) return 0;
    memset(out, 0, WW_SMB_NEGOTIATE_MAX);
    uint8_t *h = out + 4;        /* offsets below are from the SMB2 header */
    memcpy(h, "\xfeSMB", 4);
    put_le16(h + 4, 64);         /* StructureSize */
    put_le16(h + 14, 1);         /* CreditRequest */
    uint8_t *body = h + 64;
    put_le16(body, 36);
    put_le16(body + 4, 0x01);    /* SecurityMode: signing enabled */
    memcpy(body + 12, guid, 16);
    size_t off = 64 + 36, count = 0;
    for (int i = 1; i < WW_SMB_NDIALECTS; i++) {
        if (!(dialects & 1u << i)) continue;
        put_le16(h + off, ww_smb2_dialect_codes[i]);
        off += 2, count++;
    }
    put_le16(body + 2, (unsigned)count);
    if (dialects & 1u << 5) {    /* 3.1.1: negotiate contexts */
        off = (off + 7) & ~(size_t)7;
        put_le32(body + 28, (uint32_t)off);
        put_le16(body + 32, 2);
        put_le16(h + off, 0x0001);       /* SMB2_PREAUTH_INTEGRITY_CAPABILITIES */
        put_le16(h + off + 2, 38);
        put_le16(h + off + 8, 1);        /* HashAlgorithmCount */
        put_le16(h + off + 10, 32);      /* SaltLength */
        put_le16(h + off + 12, 0x0001);  /* SHA-512 */
        memcpy(h + off + 14, salt, 32);
        off = (off + 8 + 38 + 7) & ~(size_t)7;
        put_le16(h + off, 0x0002);       /* SMB2_ENCRYPTION_CAPABILITIES */
        put_le16(h + off + 2, 6);
        put_le16(h + off + 8, 2);        /* CipherCount */
        put_le16(h + off + 10, 0x0002);  /* AES-128-GCM */
        put_le16(h + off + 12, 0x0001);  /* AES-128-CCM */
        off += 8 + 6;
    }
    put_frame_hdr(out, WW_NB_SESSION_MESSAGE, off);
    return 4 + off;
}

int ww_smb_negotiate_decode(const uint8_t *p, size_t n, struct ww_smb_negotiate *out,
                            const char **why)
{
    memset(out, 0, sizeof *out);
    if (n < 4) return fail(why, "SMB message shorter than its protocol id");
    if (!memcmp(p, "\xffSMB", 4)) {
        out->version = 1;
        if (n < 33) return fail(why, "SMB1 response shorter than its 32-byte header");
        if (p[4] != 0x72) return fail(why, "SMB1 response is not to NEGOTIATE");
        if (!(p[9] & 0x80)) return fail(why, "SMB1 message is not a reply");
        out->status = le16(p + 10) & 0x4000 ? le32(p + 5)
                                             : (uint32_t)p[5] << 16 | le16(p + 7);
        if (out->status) return WW_OK; /* an error reply may carry no words */
        unsigned words = p[32];
        if (words < 1 || n < 35) return fail(why, "SMB1 negotiate response without DialectIndex");
        out->dialect = le16(p + 33);
        if (words >= 17 && n >= 36) {
            out->has_security_mode = 1;
            out->signing_enabled = !!(p[35] & 0x04);
            out->signing_required = !!(p[35] & 0x08);
        }
        return WW_OK;
    }
    if (!memcmp(p, "\xfeSMB", 4)) {
        out->version = 2;
        if (n < 64) return fail(why, "SMB2 response shorter than its 64-byte header");
        if (le16(p + 12) != 0) return fail(why, "SMB2 response is not to NEGOTIATE");
        if (!(le32(p + 16) & 1)) return fail(why, "SMB2 message is not a response");
        out->status = le32(p + 8);
        if (out->status) return WW_OK;
        if (n < 70) return fail(why, "SMB2 negotiate response body truncated");
        if (le16(p + 64) != 65) return fail(why, "SMB2 negotiate response StructureSize is not 65");
        uint16_t mode = le16(p + 66);
        out->has_security_mode = 1;
        out->signing_enabled = !!(mode & 0x01);
        out->signing_required = !!(mode & 0x02);
        out->dialect = le16(p + 68);
        return WW_OK;
    }
    return fail(why, "not an SMB message (no 0xFF/0xFE 'SMB' protocol id)");
}
