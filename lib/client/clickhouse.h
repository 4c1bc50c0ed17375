/* clickhouse.h -- a client of ClickHouse's HTTP interface (18.16 and
 * later), for the ClickHouse store engine (issue 15): statements, queries
 * answered in TabSeparated row by row, and inserts of a TabSeparated or
 * RowBinary body, each with a timeout and a cap on the answer. Errors are
 * enum ww_err with ClickHouse's own message ("Code: 60, e.displayText() =
 * DB::Exception: Table default.x doesn't exist., e.what() = DB::Exception")
 * after the URL in the caller's buffer. See clickhouse.c. */
#ifndef WW_CLICKHOUSE_H
#define WW_CLICKHOUSE_H
#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"

#define WW_CH_COLS_MAX 64 /* columns a query's row may have */

struct ww_ch;

/* Opens a client of url, "http://HOST:PORT/DATABASE" (https too; the
 * database may be left out: the user's default), with user and key
 * (either may be NULL: ClickHouse's user "default" without a password),
 * sent as HTTP basic auth, never in the URL. timeout_ms bounds each whole
 * request, answer_max the bytes of each answer. No connection is made
 * yet. WW_ERR_ARG with the reason for a URL of another form. */
enum ww_err ww_ch_open(struct ww_ch **out, const char *url, const char *user, const char *key,
                       long timeout_ms, size_t answer_max, char *err, size_t errlen);
void ww_ch_close(struct ww_ch *ch);

/* Runs one statement (CREATE, ALTER, DROP, ...); its answer is dropped. */
enum ww_err ww_ch_exec(struct ww_ch *ch, const char *sql, char *err, size_t errlen);

/* One row of an answer: col[i] points at column i's unescaped bytes (len[i]
 * of them, NUL-terminated) or is NULL for \N; valid during the call only.
 * Returning nonzero stops the rows (the query then returns WW_OK). */
typedef int (*ww_ch_row_fn)(void *ctx, char *const *col, const size_t *len, size_t ncol);

/* Runs a query (FORMAT TabSeparated is added) and hands each row to fn. */
enum ww_err ww_ch_query(struct ww_ch *ch, const char *sql, ww_ch_row_fn fn, void *ctx,
                        char *err, size_t errlen);

/* INSERT INTO table FORMAT format (format "TabSeparated" or "RowBinary")
 * with body (len bytes) as its data; settings: NULL, or a NULL-terminated
 * list of "name=value" (e.g. "insert_distributed_sync=1", "insert_quorum=2"),
 * names and values of letters, digits, '_' and '.' only. */
enum ww_err ww_ch_insert(struct ww_ch *ch, const char *table, const char *format,
                         const char *const *settings, const void *body, size_t len,
                         char *err, size_t errlen);

/* The parts beneath, on their own for the unit tests and the store. */

/* Appends n bytes of s to b escaped as one TabSeparated field (\\ \t \n \r
 * \0 \b \f written as backslash escapes); WW_ERR_LIMIT past b's maximum. */
int ww_ch_tsv_escape(struct ww_buf *b, const char *s, size_t n);

/* Splits a TabSeparated answer (len bytes, modified in place) into rows for
 * fn, unescaping each field; WW_ERR_LIMIT for a row of more than
 * WW_CH_COLS_MAX columns, WW_ERR_PARSE for a bad \x escape, naming the row. */
enum ww_err ww_ch_tsv_rows(char *text, size_t len, ww_ch_row_fn fn, void *ctx,
                           char *err, size_t errlen);

/* The error of an HTTP answer that is not 200: ClickHouse's message (body,
 * its trailing blanks and ", e.what() = ..." dropped) after where, and the
 * ww_err its code stands for: WW_ERR_PARSE for a syntax error (62),
 * WW_ERR_LIMIT for a limit hit (timeouts, memory, sizes), WW_ERR_ARG for
 * any other "Code: N", WW_ERR_IO when the body has no code. */
enum ww_err ww_ch_error(const char *where, long status, const char *body,
                        char *err, size_t errlen);

#endif
