/* block.h -- turning scanners into nftables drops (psad-style active response).
 *
 * Everything wormwatch blocks lives in one table that is its own,
 * `table inet wormwatch`: sets block4/block6 (interval, per-element timeout)
 * of addresses to drop, sets allow4/allow6 of networks --close-ports spares,
 * and chains `input` and `forward` that drop from the block sets (and, with
 * ports to close, those tcp/udp ports from anything outside the allow sets).
 * Removing the table removes every trace; nothing else is ever touched.
 *
 * Safeguards, applied by every path here (script, apply, add): never block
 * loopback, the unspecified address or an address of this host (getifaddrs
 * at open); a network that contains one of those is refused whole. The
 * allow list wins too, but finer: a network inside an allowed one is not
 * blocked, and a network that contains allowed ones is blocked around them,
 * as intervals (10.0.0.0/24 minus 10.0.0.5 is 10.0.0.0-10.0.0.4 and
 * 10.0.0.6-10.0.0.255), never anything outside it. Nothing is ever widened:
 * an address stays /32 or /128 and a prefix stays the prefix it was given;
 * neighbours are never merged into a wider one. The caller learns what was
 * left out and why.
 *
 * Two users: `wormwatch block` builds a whole script (dry run) or applies it
 * (ww_block_apply, one atomic libnftables transaction); the sensor blocks
 * scanners one by one as it detects them (ww_block_add), under a token-bucket
 * rate limit. lib/ never prints: libnftables output and errors are buffered
 * and handed back in the caller's err/why buffers. */
#ifndef WW_BLOCK_H
#define WW_BLOCK_H
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h" /* struct ww_cidr */

struct ww_portrange { uint16_t lo, hi; };
#define WW_BLOCK_MAX_PORTS 64
/* "137-139,445" -> ranges (port 0 refused, lo <= hi); WW_OK or WW_ERR_PARSE. */
enum ww_err ww_block_parse_ports(const char *s, struct ww_portrange *out, size_t max, size_t *n);

struct ww_block_opts {
    int64_t ttl_us;                    /* element timeout; 0 = 24 h; <= 365 d */
    const struct ww_cidr *allow;       /* never blocked; spared by closed ports */
    size_t nallow;
    const struct ww_portrange *ports;  /* tcp+udp ports to close; NULL = none */
    size_t nports;
    unsigned rate;                     /* ww_block_add: new blocks a minute (0 = 10) */
    unsigned burst;                    /* ... and at once (0 = rate) */
    int dry_run;                       /* never touch the kernel (no libnftables context) */
};

struct ww_block;

/* Copies opts and reads this host's addresses (once: a long-running user
 * reopens to see new ones); unless dry_run, checks for CAP_NET_ADMIN and
 * makes the libnftables context. Touches no rules. NULL with err on failure. */
struct ww_block *ww_block_open(const struct ww_block_opts *o, char *err, size_t errlen);
void ww_block_close(struct ww_block *b);

/* 0 if c may be blocked (a network holding --allow ones: around them); 1
 * if a safeguard spares it whole, with the reason in why: "loopback
 * (127.0.0.0/8)", "an address of this host, on eth0 (192.0.2.2)", "allowed
 * by --allow (10.0.0.0/8)"; for a network holding a protected address,
 * "contains loopback (::1)". */
int ww_block_check(const struct ww_block *b, const struct ww_cidr *c, char *why, size_t n);

/* Called for every network the safeguards refuse, and for every allowed
 * network cut out of a blocked one, with the reason. */
typedef void ww_block_note_fn(void *ctx, const struct ww_cidr *c, const char *why);

/* The whole nftables script for nets (filtered by the safeguards, cut
 * around --allow, sorted, duplicates and networks inside another one
 * dropped; an element is a network, or a range "a-b" where one was cut):
 * creates the table, sets and chains if missing, replaces the rules, adds
 * the elements with the TTL. Idempotent when loaded again. ww_free() the result; NULL if it
 * would pass 1 GiB (some 13 million networks). */
char *ww_block_script(const struct ww_block *b, const struct ww_cidr *nets, size_t n,
                      ww_block_note_fn *note, void *ctx);
/* Loads that script in one transaction; elements already in the sets are
 * deleted and re-added in the same transaction, which refreshes their
 * timeouts; an old element inside a new one is replaced by it, a new one
 * inside (or across) an old one is added only where the old one is not.
 * *added gets how many elements the script holds. WW_OK, or
 * WW_ERR_IO/WW_ERR_ARG with libnftables' message in err. */
int ww_block_apply(struct ww_block *b, const struct ww_cidr *nets, size_t n, size_t *added,
                   ww_block_note_fn *note, void *ctx, char *err, size_t errlen);
/* Deletes table inet wormwatch (fine if it does not exist). */
int ww_block_remove(struct ww_block *b, char *err, size_t errlen);

/* The sensor's path: block one scanner now, an address or the prefix its
 * addresses rotate in (cut around --allow as above). The first real add
 * loads the table, sets and rules; a prefix holding elements this handle
 * added before replaces them in one transaction. why always gets a
 * human-readable sentence. */
enum ww_block_result {
    WW_BLOCK_ADDED = 0, /* new element with the TTL */
    WW_BLOCK_KNOWN,     /* this handle blocked it, or a network holding it, and the TTL is not over */
    WW_BLOCK_SPARED,    /* a safeguard refused it */
    WW_BLOCK_LIMITED,   /* over the rate limit: not blocked, try when seen again */
    WW_BLOCK_FAILED     /* libnftables refused (why has its message) */
};
enum ww_block_result ww_block_add(struct ww_block *b, const struct ww_cidr *c, int64_t now_us,
                                  char *why, size_t n);

#endif
