/* sensor.h -- `wormwatch sensor` as a library call: follow firewall logs,
 * the kernel's journal or a live interface, detect scanners locally, and
 * ship the events to a collector without loss or duplication.
 *
 * ww_sensor_run() is the whole daemon, from opening the state directory to
 * the last batch committed when *stop is set (by the caller's signal
 * handler). It never prints: every line the daemon has to say goes to the
 * caller's log function, as a warning (the cli prints "wormwatch: sensor:
 * MSG") or a finding (a scanner, a block: "wormwatch sensor: MSG").
 * The parts, each its own file in lib/sensor/ (sensor_int.h lists them):
 *   outbox.c   DShield batches, the bounded FIFO of batches the spool has
 *              not taken, the spool (spool.c), the state file -- the
 *              exactly-once protocol is described there; targets hidden
 *              (Crypto-PAn pseudonyms: cryptopan.c; or masked);
 *   submit.c   the oldest spooled batch POSTed through lib/client/, with
 *              backoff;
 *   sources.c  followed files and the live capture (privileges dropped);
 *   journal.c  journalctl's kernel entries;
 *   local.c    local detection (lib/detect/analysis.h) and --block
 *              (lib/respond/block.h);
 *   sensor.c   setup, the main loop and the end;
 *   atomic.c   an atomic file write that loops on short writes. */
#ifndef WW_SENSOR_H
#define WW_SENSOR_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "detect/scan.h"
#include "respond/block.h"

enum ww_sensor_say { WW_SENSOR_WARN, WW_SENSOR_FINDING };
/* How targets leave the sensor (--anonymize): keyed prefix-preserving
 * pseudonyms (sensor/cryptopan.h), their first anon_bits bits (IPv6: 48),
 * or as they are. Sources always leave as they are: they are the scanners. */
enum ww_sensor_anon { WW_SENSOR_ANON_CRYPTOPAN, WW_SENSOR_ANON_MASK, WW_SENSOR_ANON_NONE };
typedef void (*ww_sensor_log_fn)(void *ctx, enum ww_sensor_say kind, const char *msg);

struct ww_sensor_opts {
    const char *collector;        /* base URL */
    const char *key;              /* the sensor's key */
    const char *statedir;         /* state and spool */
    unsigned long long batch_max; /* events per batch (default 1000) */
    uint64_t spool_max;           /* spool bound in bytes (default 256 MiB) */
    double flush_s;               /* close a batch at least this often (2) */
    enum ww_sensor_anon anon;     /* default WW_SENSOR_ANON_CRYPTOPAN */
    unsigned anon_bits;           /* ANON_MASK: IPv4 target bits kept (16) */
    const char *anon_key;         /* ANON_CRYPTOPAN: the key file; NULL:
                                   * STATE/anonymize.key, made at first start */
    /* the input: files, or the journal, or an interface */
    const char *const *files;
    size_t nfiles;
    int journal;
    const char *journal_dir;      /* journalctl -D */
    const char *ifname;
    size_t capture_buffer;        /* the kernel's capture ring, bytes (64 MiB);
                                   * 0: libpcap's (2 MiB) */
    const char *user;             /* drop to this user after the capture opens */
    const struct ww_block_opts *block; /* NULL: no --block */
    /* the local scan detector's options (ww_sensor_opts_default: analyze's
     * defaults, detect/scan.h): sources grouped per prefix, the long horizon */
    struct ww_scan_opts scan;
    ww_sensor_log_fn log;
    void *log_ctx;
    volatile sig_atomic_t *stop;  /* the run ends once this is set */
};

void ww_sensor_opts_default(struct ww_sensor_opts *o);
/* WW_OK after a stop; WW_ERR_IO (or what a part returned) if the sensor
 * could not start, or journalctl ended; the reason was logged. */
enum ww_err ww_sensor_run(const struct ww_sensor_opts *o);

#endif
