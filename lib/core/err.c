/* err.c -- see err.h. */
#include "core/err.h"

const char *ww_strerror(int err)
{
    switch (err) {
    case WW_OK: return "ok";
    case WW_ERR_IO: return "I/O error";
    case WW_ERR_PARSE: return "parse error";
    case WW_ERR_FORMAT: return "unknown input format";
    case WW_ERR_LIMIT: return "limit exceeded";
    case WW_ERR_ARG: return "invalid argument";
    }
    return "unknown error";
}
