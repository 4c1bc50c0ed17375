/* spool.h -- a bounded on-disk queue of batches awaiting submission.
 * Each batch is one file DIR/<seq, 20 digits>-<batch id>.batch, made durable
 * (write, fsync, rename, fsync dir) before ww_spool_put returns. See spool.c. */
#ifndef WW_SPOOL_H
#define WW_SPOOL_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define WW_SPOOL_IDMAX 64

struct ww_spool;

/* Every call that can fail returns WW_OK or WW_ERR_IO with the system's
 * reason (strerror) in the caller's err buffer. */

/* Opens (creating) dir and indexes the batches already in it. */
enum ww_err ww_spool_open(const char *dir, uint64_t max_bytes, struct ww_spool **out,
                          char *err, size_t errlen);
void ww_spool_free(struct ww_spool *sp);
/* Stores a batch durably; seq must exceed every seq in the spool (else
 * WW_ERR_ARG). Then drops the oldest batches while the spool holds more than
 * max_bytes (never the one just stored); *dropped gets how many lines
 * (records) they held. On failure nothing is stored. */
enum ww_err ww_spool_put(struct ww_spool *sp, uint64_t seq, const char *id, const char *data,
                         size_t len, uint64_t *dropped, char *err, size_t errlen);
/* The oldest batch: fills seq, id, *data (caller frees with ww_free), *len;
 * *data is NULL if the spool is empty. */
enum ww_err ww_spool_oldest(struct ww_spool *sp, uint64_t *seq, char id[WW_SPOOL_IDMAX + 1],
                            char **data, size_t *len, char *err, size_t errlen);
/* Removes batch seq (if present). */
void ww_spool_remove(struct ww_spool *sp, uint64_t seq);
/* Removes every batch with sequence >= seq (written but never committed). */
void ww_spool_truncate(struct ww_spool *sp, uint64_t seq);
size_t ww_spool_count(const struct ww_spool *sp);
uint64_t ww_spool_bytes(const struct ww_spool *sp);
uint64_t ww_spool_last_seq(const struct ww_spool *sp); /* 0 if empty */

#endif
