/* err.h -- the one error type of libwormwatch (curl's CURLcode habit):
 *     int rc = f(); if (rc) return rc;
 * Functions return WW_OK (0) or one of these; ww_strerror() names them; a
 * message for a person goes into the caller's buffer (char *err, size_t
 * errlen). Lookups that answer "not found" (ww_proto_from_name's -1) return
 * values, not errors. The one exception: the line and packet parsers'
 * per-record verdict on the hot path (enum ww_parse_rc, enum ww_pkt_rc, with
 * a static *why) stays its own type, since skipping a bad record is not an
 * error of the call. */
#ifndef WW_ERR_H
#define WW_ERR_H

enum ww_err {
    WW_OK = 0,
    WW_ERR_IO,      /* a file could not be opened or read */
    WW_ERR_PARSE,   /* input could not be parsed (strict mode) */
    WW_ERR_FORMAT,  /* input format unknown or unsupported */
    WW_ERR_LIMIT,   /* a hard limit was hit (line too long, table full) */
    WW_ERR_ARG      /* a caller passed something invalid */
};

const char *ww_strerror(int err);

#endif
