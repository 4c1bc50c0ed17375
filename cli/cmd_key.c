/* cmd_key.c -- `wormwatch key add|list|revoke`: manage the sensor keys of a
 * collector's store (lib/store/store.h). `add` prints the new secret once; the
 * store keeps only its SHA-256, so a lost secret is replaced, not recovered.
 * `add --dshield-userid N` registers a key for one of DShield's own sensors
 * (POST /submitapi/) and prints its apikey once; the store keeps that one in
 * clear, since DShield's HMAC can only be checked with it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "store/store.h"
#include "core/wtime.h"

static const char usage[] =
    "usage: wormwatch key add NAME [--dshield-userid N] [--db STORE] [--config FILE]\n"
    "       wormwatch key list [--db STORE] [--config FILE]\n"
    "       wormwatch key revoke NAME [--db STORE] [--config FILE]\n"
    "\n"
    "Manage sensor keys. `add` prints a new secret once (only its SHA-256 is\n"
    "stored); a sensor sends it as `Authorization: Bearer SECRET`.\n"
    "  --dshield-userid N  a key for a DShield sensor with user id N: prints its\n"
    "                      apikey (for dshield.ini) once; kept in clear by the\n"
    "                      store, to check DShield's HMAC at POST /submitapi/\n"
    "  --db STORE          store: a SQLite file (default\n"
    "                      $XDG_DATA_HOME/wormwatch/wormwatch.db) or clickhouse://... as\n"
    "                      serve takes it\n"
    "  --config FILE       serve's config file, for the ClickHouse credentials\n"
    "                      (clickhouse-user, clickhouse-password; default\n"
    "                      " WW_DEFAULT_CONFIG " if it exists)\n";

static void print_key(void *ctx, const char *name, int64_t created, int revoked, int64_t last_seen)
{
    char c[40], l[40];
    int64_t userid;
    ww_time_format(created, c, sizeof c);
    if (last_seen) ww_time_format(last_seen, l, sizeof l);
    else snprintf(l, sizeof l, "never");
    printf("%-24s %-8s created %s  last seen %s", name, revoked ? "revoked" : "active", c, l);
    if (!ww_store_dshield_userid(ctx, name, &userid)) printf("  dshield userid %lld", (long long)userid);
    putchar('\n');
}

static int run(int argc, char **argv)
{
    const struct ww_command *cmd = &ww_cmd_key;
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"dshield-userid", required_argument, NULL, 'u'}, {0}};
    char *db = NULL, *config = NULL;
    int ch;
    uint64_t userid = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 'd') db = optarg;
        else if (ch == 'c') config = optarg;
        else if (ch == 'u' && (ww_num_span(optarg, strlen(optarg), INT64_MAX, &userid) || !userid))
            return ww_usage_error(cmd, "--dshield-userid: not a DShield user id (1, 2, ...): %s", optarg);
        else if (ch != 'u' && ch != 'c') return WW_EXIT_USAGE;
    }
    if (optind >= argc) return ww_usage_error(cmd, "expected add, list or revoke");
    const char *verb = argv[optind];
    int want = !strcmp(verb, "list") ? 1 : (!strcmp(verb, "add") || !strcmp(verb, "revoke")) ? 2 : 0;
    if (!want) return ww_usage_error(cmd, "unknown action '%s'", verb);
    if (userid && strcmp(verb, "add")) return ww_usage_error(cmd, "--dshield-userid goes with add");
    if (argc - optind != want)
        return ww_usage_error(cmd, want == 1 ? "list takes no argument" : "%s takes one NAME", verb);
    char *user, *password;
    if (ww_config_creds(config ? config : WW_DEFAULT_CONFIG, config != NULL, &user, &password))
        return WW_EXIT_FAIL;
    char *path = db ? db : ww_store_default_path();
    struct ww_store *st;
    char err[1024];
    int status = WW_EXIT_FAIL;
    int rc0 = ww_store_open_as(path, user, password, &st, err, sizeof err);
    if (password) memset(password, 0, strlen(password));
    ww_free(user), ww_free(password);
    if (rc0) {
        ww_warn("%s", err);
    } else {
        const char *name = argv[optind + 1];
        char secret[65];
        int rc;
        if (want == 1) {
            rc = ww_store_key_list(st, print_key, st);
            if (rc) ww_warn("%s: %s", path, ww_strerror(rc));
        } else if (!strcmp(verb, "add") && userid) {
            char apikey[WW_STORE_APIKEY + 1];
            rc = ww_store_dshield_add(st, name, (int64_t)userid, apikey);
            if (rc == WW_OK) printf("%s\n", apikey);
            else if (rc == WW_ERR_ARG)
                ww_warn("key '%s' exists or is not 1-64 printable characters without spaces,"
                        " or DShield user id %llu already has an active key", name,
                        (unsigned long long)userid);
            else ww_warn("%s: %s", path, ww_strerror(rc));
        } else if (!strcmp(verb, "add")) {
            rc = ww_store_key_add(st, name, secret);
            if (rc == WW_OK) printf("%s\n", secret);
            else if (rc == WW_ERR_ARG)
                ww_warn("key '%s' exists or is not 1-64 printable characters without spaces", name);
            else ww_warn("%s: %s", path, ww_strerror(rc));
        } else {
            rc = ww_store_key_revoke(st, name);
            if (rc == WW_ERR_ARG) ww_warn("no active key named '%s'", name);
            else if (rc) ww_warn("%s: %s", path, ww_strerror(rc));
        }
        status = rc ? WW_EXIT_FAIL : WW_EXIT_OK;
        ww_store_close(st);
    }
    if (!db) ww_free(path);
    return status;
}

const struct ww_command ww_cmd_key = {
    .name = "key",
    .run = run,
    .summary = "add, list or revoke sensor keys of a collector store",
    .usage = usage,
};
