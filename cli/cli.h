/* cli.h -- what the subcommands share: the dispatch table's entry type and
 * the error helpers that print `wormwatch: FILE:LINE: what` to stderr. */
#ifndef WW_CLI_H
#define WW_CLI_H

#include <stdarg.h>

struct ww_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage; /* full help text */
};

/* Exit statuses (CONTRACT.md). */
enum { WW_EXIT_OK = 0, WW_EXIT_FAIL = 1, WW_EXIT_USAGE = 2 };

void ww_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ww_usage_error(const struct ww_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ww_wants_help(int argc, char **argv);
/* Whole-string numbers for options: 0 on success, -1 if not a number in range. */
int ww_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
int ww_parse_double(const char *s, double lo, double hi, double *out);
/* --known-scanners FILE (detect/known.h) into *out, or NULL. WW_EXIT_OK, or
 * the exit status after naming what is wrong: 1 if FILE cannot be read (a
 * runtime failure), 2 for a bad line (FILE:LINE: what, as for a bad option). */
struct ww_known;
int ww_load_known(const char *path, struct ww_known **out);

/* A store's credentials from a config file (serve's `key = value` lines:
 * clickhouse-user, clickhouse-password; other keys ignored), each NULL if
 * absent; ww_free them. A missing file is no error unless must_exist.
 * WW_EXIT_OK, or WW_EXIT_FAIL after naming the file. */
int ww_config_creds(const char *path, int must_exist, char **user, char **password);
#define WW_DEFAULT_CONFIG "/etc/wormwatch/wormwatch.conf"

int cmd_analyze(int argc, char **argv);
extern const struct ww_command ww_cmd_analyze;
extern const struct ww_command ww_cmd_simulate;
extern const struct ww_command ww_cmd_serve;
extern const struct ww_command ww_cmd_sensor;
extern const struct ww_command ww_cmd_key;
extern const struct ww_command ww_cmd_report;
extern const struct ww_command ww_cmd_block;
extern const struct ww_command ww_cmd_exposure;
extern const struct ww_command ww_cmd_store;

#endif
