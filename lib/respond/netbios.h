/* netbios.h -- NetBIOS (RFC 1001/1002) and SMB negotiate messages, as bytes.
 *
 * Pure encoders and decoders for `wormwatch exposure`: no sockets, no clock,
 * no randomness (the caller passes transaction ids, GUIDs and salts).
 * Decoders read only within the length they are given, allocate nothing,
 * and return WW_OK or WW_ERR_PARSE with a static reason in *why. */
#ifndef WW_NETBIOS_H
#define WW_NETBIOS_H
#include <stddef.h>
#include <stdint.h>

/* ---- NetBIOS names and the name service (UDP 137) ---- */
#define WW_NB_NAME_WIRE 34    /* length byte 32, 32 "half-ASCII" bytes, root label */
#define WW_NB_NBSTAT_LEN 50   /* a node status query */
#define WW_NB_MAX_NAMES 255   /* NUM_NAMES is one byte */
#define WW_NB_GROUP 0x8000    /* NAME_FLAGS: a group name */

struct ww_nb_name {
    char name[16];   /* up to 15 bytes, trailing blanks cut, NUL-terminated,
                        bytes outside printable ASCII shown as '?' */
    uint8_t suffix;  /* the 16th byte: 0x00 workstation/domain, 0x20 file server, ... */
    uint16_t flags;  /* NAME_FLAGS (WW_NB_GROUP, ONT, DRG, CNF, ACT, PRM) */
};

struct ww_nb_status {
    uint16_t id;     /* the transaction id of the response */
    unsigned count;
    struct ww_nb_name names[WW_NB_MAX_NAMES];
    uint8_t mac[6];  /* the statistics' unit id; all zero if absent */
};

/* First-level encoding (RFC 1001 14.1) of NAME<suffix>, upper-cased and
 * padded with blanks ("*" is padded with NULs, as the wildcard is).
 * Returns WW_NB_NAME_WIRE, or 0 if name is longer than 15 bytes. */
size_t ww_nb_encode_name(const char *name, uint8_t suffix, uint8_t out[WW_NB_NAME_WIRE]);
/* A node status (NBSTAT) query for "*". Returns WW_NB_NBSTAT_LEN. */
size_t ww_nb_nbstat_query(uint16_t id, uint8_t out[WW_NB_NBSTAT_LEN]);
/* A node status response: the names table and the MAC. */
int ww_nb_nbstat_decode(const uint8_t *p, size_t n, struct ww_nb_status *st, const char **why);
/* The first name with this suffix that is a group name (group != 0) or a
 * unique one (group == 0); NULL if none. */
const struct ww_nb_name *ww_nb_find(const struct ww_nb_status *st, uint8_t suffix, int group);

/* ---- the session service (TCP 139) and direct SMB (TCP 445) framing ---- */
#define WW_NB_FRAME_HDR 4
#define WW_NB_SESSION_REQUEST_LEN 72
enum {
    WW_NB_SESSION_MESSAGE = 0x00, WW_NB_SESSION_REQUEST = 0x81,
    WW_NB_POSITIVE = 0x82, WW_NB_NEGATIVE = 0x83, WW_NB_RETARGET = 0x84,
    WW_NB_KEEPALIVE = 0x85
};

/* The payload length a 4-byte frame header announces (type byte, then 24
 * bits: RFC 1002's flags byte only ever holds the 17th length bit, and
 * direct TCP SMB uses all 24). */
size_t ww_nb_frame_len(const uint8_t hdr[WW_NB_FRAME_HDR]);
/* A session request from calling<0x00> to called<called_suffix>.
 * Returns WW_NB_SESSION_REQUEST_LEN, or 0 if a name is too long. */
size_t ww_nb_session_request(const char *called, uint8_t called_suffix, const char *calling,
                             uint8_t out[WW_NB_SESSION_REQUEST_LEN]);
/* A whole session response frame (header included): *type is
 * WW_NB_POSITIVE, WW_NB_NEGATIVE (with *error, e.g. 0x82 "called name not
 * present") or WW_NB_RETARGET. */
int ww_nb_session_decode(const uint8_t *p, size_t n, int *type, int *error, const char **why);

/* ---- SMB negotiate ---- */
/* The dialects reported, by index: 0 is SMB1's NT LM 0.12, 1..5 SMB2/3. */
#define WW_SMB_NDIALECTS 6
extern const char *const ww_smb_dialect_names[WW_SMB_NDIALECTS]; /* "NT LM 0.12", "2.0.2", ... */
extern const uint16_t ww_smb2_dialect_codes[WW_SMB_NDIALECTS];   /* 0, 0x0202, ... 0x0311 */
#define WW_SMB2_WILDCARD 0x02FF /* the answer to "SMB 2.???": 2.1 or later follows */
/* The index of an SMB2 DialectRevision, -1 if not one of ours. */
int ww_smb2_dialect_index(uint16_t code);

/* SMB1 dialect strings offered, a mask; always sent in this order. */
enum { WW_SMB1_NTLM = 1, WW_SMB1_2002 = 2, WW_SMB1_2XXX = 4 };
/* An SMB1 NEGOTIATE (with the 4-byte frame header) offering the strings in
 * mask `offer`. Returns its length, 0 if cap is too small or offer empty. */
size_t ww_smb1_negotiate(unsigned offer, uint8_t *out, size_t cap);
/* Which WW_SMB1_* string an SMB1 DialectIndex picked from `offer`; 0 for none. */
unsigned ww_smb1_chosen(unsigned offer, unsigned index);
/* An SMB2 NEGOTIATE (with the frame header) offering the dialects whose
 * indexes (1..5) are set in mask `dialects` (bit i = index i). With 3.1.1
 * it carries the preauth integrity (SHA-512, `salt`) and encryption
 * (AES-128-GCM, AES-128-CCM) contexts. Returns its length, 0 on bad args. */
size_t ww_smb2_negotiate(unsigned dialects, const uint8_t guid[16], const uint8_t salt[32],
                         uint8_t *out, size_t cap);
#define WW_SMB_NEGOTIATE_MAX 256 /* room for either request */

struct ww_smb_negotiate {
    int version;          /* 1: an SMB1 header answered, 2: an SMB2 header */
    uint32_t status;      /* NT status (SMB1 DOS errors as class<<16|code); nonzero = refused */
    uint16_t dialect;     /* SMB1: DialectIndex (0xFFFF none); SMB2: DialectRevision */
    int has_security_mode;
    int signing_enabled, signing_required;
};
/* A negotiate response: one frame's payload, after the 4-byte header. */
int ww_smb_negotiate_decode(const uint8_t *p, size_t n, struct ww_smb_negotiate *out,
                            const char **why);

#endif
