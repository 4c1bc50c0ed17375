/* cmd_store.c -- `wormwatch store copy --from PATH --to clickhouse://...`:
 * moves a SQLite collector's history into a ClickHouse store (issue 15;
 * the work is lib/store/store_copy.c, ww_store_copy). This file parses the
 * options, reads the ClickHouse credentials from the config file (never
 * the command line), and prints each table's rows as they go. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/wtime.h"
#include "store/store.h"

static const char usage[] =
    "usage: wormwatch store copy --from PATH --to clickhouse://HOST:PORT/DB[?...]\n"
    "                            [--config FILE] [--force]\n"
    "\n"
    "Copy a SQLite collector's history into a ClickHouse store: keys (sensors\n"
    "keep their secrets), DShield keys, alerts, floods, notices, batch ids,\n"
    "the surge detector's state, and the aggregates by hour, day, source and\n"
    "backscatter victim. The SQLite store must not be in use (stop its serve).\n"
    "A copy that stopped midway may be run again.\n"
    "  --from PATH      the SQLite store (a file, or sqlite:PATH)\n"
    "  --to URL         the ClickHouse store, as serve --db takes it\n"
    "  --config FILE    'key = value' lines: clickhouse-user, clickhouse-password\n"
    "                   (default " WW_DEFAULT_CONFIG " if it exists)\n"
    "  --force          copy even if the ClickHouse store already has keys or\n"
    "                   events (its history then adds to theirs)\n";

static void progress(void *ctx, const char *table, int64_t rows, int done)
{
    if (done) *(int64_t *)ctx += rows;
    printf("%-15s %lld row%s%s\n", table, (long long)rows, rows == 1 ? "" : "s",
           done ? "" : " so far");
    fflush(stdout);
}

static int copy(const struct ww_command *cmd, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"config", required_argument, NULL, 'c'}, {"force", no_argument, NULL, 'F'}, {0}};
    const char *from = NULL, *to = NULL, *config = NULL;
    int force = 0, ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 'f') from = optarg;
        else if (ch == 't') to = optarg;
        else if (ch == 'c') config = optarg;
        else if (ch == 'F') force = 1;
        else return WW_EXIT_USAGE;
    }
    if (optind < argc) return ww_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!from || !to) return ww_usage_error(cmd, "copy needs --from PATH and --to URL");
    if (strncmp(to, "clickhouse://", 13))
        return ww_usage_error(cmd, "--to: not a ClickHouse store (clickhouse://...): %s", to);
    if (!strncmp(from, "sqlite:", 7)) from += 7;
    if (access(from, R_OK)) { /* before the ClickHouse store is opened (and made) */
        ww_warn("%s: %s", from, strerror(errno));
        return WW_EXIT_FAIL;
    }
    char err[1024], *user, *password;
    struct ww_store *st;
    if (ww_config_creds(config ? config : WW_DEFAULT_CONFIG, config != NULL, &user, &password))
        return WW_EXIT_FAIL;
    int rc = ww_store_open_as(to, user, password, &st, err, sizeof err);
    if (password) memset(password, 0, strlen(password));
    ww_free(user), ww_free(password);
    if (rc) {
        ww_warn("%s", err);
        return WW_EXIT_FAIL;
    }
    printf("copying %s into %s\n", from, to);
    int64_t t0 = ww_mono_us(), rows = 0;
    rc = ww_store_copy(from, st, force, progress, &rows, err, sizeof err);
    ww_store_close(st);
    if (rc) {
        ww_warn("%s", err);
        if (rc == WW_ERR_IO)
            ww_warn("running the same command again finishes it (keys go last: if it says the"
                    " store has keys, the copy was all but done, and --force finishes it)");
        return WW_EXIT_FAIL;
    }
    printf("done: %lld rows in %.1f s\n", (long long)rows, (double)(ww_mono_us() - t0) / 1e6);
    return WW_EXIT_OK;
}

static int run(int argc, char **argv)
{
    const struct ww_command *cmd = &ww_cmd_store;
    if (argc < 2) return ww_usage_error(cmd, "expected an action: copy");
    if (strcmp(argv[1], "copy")) return ww_usage_error(cmd, "unknown action '%s'", argv[1]);
    return copy(cmd, argc - 1, argv + 1);
}

const struct ww_command ww_cmd_store = {
    .name = "store",
    .run = run,
    .summary = "copy a SQLite collector's history into a ClickHouse store",
    .usage = usage,
};
