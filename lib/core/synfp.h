/* synfp.h -- what a TCP SYN says about the stack that sent it.
 *
 * p0f v3's view of a SYN (its README, "TCP signatures"): the IP version,
 * the TTL as observed, the length of IPv4 options, the MSS, the window and
 * its scale, the TCP options in the order sent, the quirks (odd header
 * fields) and whether the SYN carries a payload. Parsers fill one into the
 * event (struct ww_event's fp) from what they see: a capture's SYN has all
 * of it; a netfilter line has it when logged with TCP options
 * (`iptables --log-tcp-options`, nftables `log flags tcp options`: the
 * `OPT (...)` hex after the TCP flags), and otherwise only the TTL, window
 * and IP header bits (WW_FP_OPTS unset: detect/osdb.h can then only guess).
 * detect/osdb.h matches it against p0f's signature database.
 *
 * A fixed-size value with no pointers; ww_synfp_options reads TCP option
 * bytes and never reads past the length it is given. The text form is
 * p0f's raw signature with the observed TTL in the TTL field
 * ("4:57:0:1460:65535,0:mss,nop,nop,sok:df,id+:0"; `*` for what a log did
 * not carry, and the last quirk `?seq` when the sequence numbers were not
 * seen), and ww_synfp_parse reads it back exactly: it is how a sensor
 * hands a fingerprint to the collector. */
#ifndef WW_SYNFP_H
#define WW_SYNFP_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define WW_SYNFP_OPTS 14     /* option kinds kept, in order (p0f's longest layout is 14) */
#define WW_SYNFP_TEXT 256    /* ww_synfp_format's longest text (226 bytes), NUL included */

/* flags */
enum {
    WW_FP_SET = 1,      /* the event carries a fingerprint (a TCP SYN without ACK) */
    WW_FP_V6 = 2,       /* IPv6 (else IPv4) */
    WW_FP_OPTS = 4,     /* the TCP options were seen: opt[], mss, wscale, eol_pad and the
                           option quirks are real (else: TTL, window, IP bits only) */
    WW_FP_PAYLOAD = 8,  /* the SYN carries data (p0f's pclass "+") */
    WW_FP_SEQ = 16      /* sequence and acknowledgment numbers were seen (seq-, ack+, ack-) */
};

/* quirks, p0f's names */
enum {
    WW_FPQ_DF = 1u << 0,        /* df: don't fragment */
    WW_FPQ_ID_PLUS = 1u << 1,   /* id+: DF set but IP ID not zero */
    WW_FPQ_ID_MINUS = 1u << 2,  /* id-: DF not set but IP ID zero */
    WW_FPQ_ECN = 1u << 3,       /* ecn: ECN bits in the IP header or ECE/CWR */
    WW_FPQ_ZERO_PLUS = 1u << 4, /* 0+: the IPv4 "must be zero" bit set */
    WW_FPQ_FLOW = 1u << 5,      /* flow: IPv6 flow label not zero */
    WW_FPQ_SEQ_MINUS = 1u << 6, /* seq-: sequence number zero */
    WW_FPQ_ACK_PLUS = 1u << 7,  /* ack+: ACK number not zero, ACK flag not set */
    WW_FPQ_ACK_MINUS = 1u << 8, /* ack-: ACK number zero, ACK flag set */
    WW_FPQ_UPTR_PLUS = 1u << 9, /* uptr+: URG pointer not zero, URG flag not set */
    WW_FPQ_URGF_PLUS = 1u << 10,/* urgf+: URG flag */
    WW_FPQ_PUSHF_PLUS = 1u << 11,/* pushf+: PUSH flag */
    WW_FPQ_TS1_MINUS = 1u << 12,/* ts1-: own timestamp zero */
    WW_FPQ_TS2_PLUS = 1u << 13, /* ts2+: peer timestamp not zero on a SYN */
    WW_FPQ_OPT_PLUS = 1u << 14, /* opt+: non-zero bytes past EOL */
    WW_FPQ_EXWS = 1u << 15,     /* exws: window scale above 14 */
    WW_FPQ_BAD = 1u << 16       /* bad: malformed options (or more than WW_SYNFP_OPTS) */
};

struct ww_synfp {
    uint32_t quirks;            /* WW_FPQ_* */
    uint16_t win;               /* TCP window */
    uint16_t mss;               /* MSS option's value (0: none) */
    uint8_t flags;              /* WW_FP_*; 0: no fingerprint */
    uint8_t ttl;                /* TTL or hop limit as observed */
    uint8_t olen;               /* IPv4 options, bytes */
    uint8_t wscale;             /* window scale option's value (0: none) */
    uint8_t eol_pad;            /* bytes after EOL (p0f's eol+N) */
    uint8_t nopt;               /* entries in opt[] */
    uint8_t opt[WW_SYNFP_OPTS]; /* option kinds in order: 0 EOL, 1 NOP, 2 MSS, 3 WS,
                                   4 SACK permitted, 5 SACK, 8 timestamps, others as sent */
};

/* Reads the TCP options opt[0..len) (a SYN's, so the timestamp quirks are
 * judged as p0f judges a SYN's) into fp's opt[], nopt, mss, wscale, eol_pad
 * and the option quirks (ts1-, ts2+, opt+, exws, bad), and sets WW_FP_OPTS.
 * Never reads past len; any bytes are accepted (bad ones set WW_FPQ_BAD). */
void ww_synfp_options(struct ww_synfp *fp, const uint8_t *opt, size_t len);
/* The other way (for writers): TCP option bytes that ww_synfp_options reads
 * back as fp's options -- layout, mss, wscale, eol padding, ts1-, ts2+,
 * opt+ (not bad: no malformed bytes are made up) -- into out; returns how
 * many (at most 40, as many whole options as fit), 0 without WW_FP_OPTS.
 * A layout whose bytes are not a multiple of 4 (real stacks pad with NOP or
 * EOL, which are in the layout) is the caller's to pad. */
size_t ww_synfp_option_bytes(const struct ww_synfp *fp, uint8_t out[40]);
/* The text form (see above) into buf; returns its length (< WW_SYNFP_TEXT),
 * or 0 (buf "") when fp has no fingerprint. */
size_t ww_synfp_format(const struct ww_synfp *fp, char *buf, size_t size);
/* Reads the text form s[0..len) back: WW_OK, or WW_ERR_PARSE (fp zeroed). */
enum ww_err ww_synfp_parse(const char *s, size_t len, struct ww_synfp *fp);

#endif
