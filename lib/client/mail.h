/* mail.h -- sending one mail: through an SMTP server (libcurl, smtp:// or
 * smtps://) or through the local sendmail (run directly, no shell). For
 * `serve --notify mailto:ADDR` (lib/serve/notify.c). See mail.c. */
#ifndef WW_MAIL_H
#define WW_MAIL_H
#include <stddef.h>
#include "core/err.h"

/* Sends msg, a whole RFC 5322 message (headers, an empty line, the body;
 * lines end in LF), from `from` to `to` (bare addresses, no CR, LF, <, >
 * or comma). With smtp (an smtp:// or smtps:// URL, user:password@ taken
 * as credentials) through that server: STARTTLS when an smtp:// server
 * offers it, 30 s timeout, lines sent with CRLF. Without it through
 * sendmail (a path: /usr/sbin/sendmail) run as `sendmail -t -i` with msg
 * on its input. WW_OK once the server or sendmail (exit 0) took it, else
 * WW_ERR_IO (WW_ERR_ARG for an address or URL it refuses) with the reason
 * in err. */
/* 1 if a is a bare address mail.c sends to (as above), else 0. */
int ww_mail_address_ok(const char *a);

enum ww_err ww_mail_send(const char *smtp, const char *sendmail, const char *from,
                         const char *to, const char *msg, char *err, size_t errlen);

#endif
