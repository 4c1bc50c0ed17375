/* exposure.h -- what a NetBIOS/SMB worm could reach on hosts the user is
 * responsible for (`wormwatch exposure`).
 *
 * Targets (addresses, CIDRs, files of them) become one array of hosts, in
 * the order given. ww_exposure_probe() walks every host through a fixed list
 * of steps, one probe (one datagram or one TCP connection) at a time, many
 * hosts at once (exposure.c says how); what the answers tell is kept in the
 * host's findings. exposure_report.c judges the findings (risk, a sentence)
 * and writes them as text or JSON to a caller's stream.
 *
 * The bytes come from netbios.h. The step machine is exposed below so the
 * findings can be tested from decoded answers, without a network. */
#ifndef WW_EXPOSURE_H
#define WW_EXPOSURE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addr.h"
#include "respond/netbios.h"

/* The steps, in order; a step runs only if the earlier ones make it useful:
 *   NS         udp/137 node status query for "*": names, workgroup, MAC
 *   SMB1_MULTI tcp/445 SMB1 NEGOTIATE offering NT LM 0.12, SMB 2.002, SMB 2.???
 *   SMB1_ONLY  tcp/445 SMB1 NEGOTIATE offering NT LM 0.12 alone (is SMB1 on?)
 *   SMB2_ALL   tcp/445 SMB2 NEGOTIATE offering 2.0.2 .. 3.1.1: highest, signing
 *   SMB2_ONE+i tcp/445 SMB2 NEGOTIATE offering dialect i alone, for those
 *              below the highest: the full list of dialects accepted
 *   SSN        tcp/139 session request to *SMBSERVER; if 445 said nothing,
 *              then an SMB1 NEGOTIATE (NT LM 0.12) inside the session
 *   SSN_NAME   the same, called by the host's file-server name, after a
 *              "called name not present" refusal
 *   SSN_SMB2   tcp/139 session + SMB2 NEGOTIATE, if 445 said nothing */
enum ww_exposure_step {
    WW_EXP_NS, WW_EXP_SMB1_MULTI, WW_EXP_SMB1_ONLY, WW_EXP_SMB2_ALL,
    WW_EXP_SMB2_ONE, /* + dialect index 1..5 */
    WW_EXP_SSN = WW_EXP_SMB2_ONE + WW_SMB_NDIALECTS, WW_EXP_SSN_NAME, WW_EXP_SSN_SMB2, WW_EXP_DONE
};

/* One target and what its answers told. */
struct ww_exposure_host {
    struct ww_addr addr;
    int step;                  /* the step running or to run next */
    int ns, open445, smb, smb1, ssn;
    int ssn_reply, ssn_error;  /* 0 (no answer), WW_NB_POSITIVE or WW_NB_NEGATIVE */
    int err;                   /* errno of a probe that could not even be sent */
    int sign1, sign2;          /* signing required per SMB1 / SMB2 answer; -1 unknown */
    unsigned dialects;         /* bit i = ww_smb_dialect_names[i] accepted */
    uint16_t smb2_max;
    struct ww_nb_name *names;  /* the node status' names table (owned) */
    unsigned nnames;
    char workgroup[16], server[16];
    uint8_t mac[6];
};

/* The hosts to probe. Zero it and set max (--max-hosts) before adding. */
struct ww_exposure {
    struct ww_exposure_host *v;
    size_t n, cap, max;
};

/* "192.0.2.7", "2001:db8::7", "192.0.2.0/24", "2001:db8::/120" (IPv4
 * networks of 4 or more addresses without their network and broadcast
 * addresses). WW_OK; WW_ERR_PARSE or WW_ERR_LIMIT (past max hosts in all)
 * with the reason in msg. */
int ww_exposure_add(struct ww_exposure *x, const char *s, size_t len, char *msg, size_t msz);
/* Adds the targets of the file at path ("-" = stdin), one per line, #
 * comments, blank lines skipped. WW_OK; WW_ERR_PARSE for the first line
 * refused ("PATH:LINE: 'TEXT': why") or WW_ERR_IO ("PATH: why"), with that
 * message in msg. */
int ww_exposure_read(struct ww_exposure *x, const char *path, char *msg, size_t msz);
void ww_exposure_release(struct ww_exposure *x);

struct ww_exposure_opts {
    double timeout;      /* seconds a probe gets in all, connection and replies */
    double rate;         /* new probes a second at most */
    size_t concurrency;  /* hosts in flight at most: the process' soft RLIMIT_NOFILE is
                            raised to fit, or this lowered to what it allows */
};
/* Probes every host; the findings land in x->v[i]. */
void ww_exposure_probe(struct ww_exposure *x, const struct ww_exposure_opts *o);

/* ---- the step machine (the prober's, exposed for tests) ---- */
void ww_exposure_host_init(struct ww_exposure_host *h, const struct ww_addr *a);
/* Moves h to its next wanted step (start with step -1); 1 if there is one. */
int ww_exposure_advance(struct ww_exposure_host *h);
/* A node status answer for the NS step. */
void ww_exposure_take_status(struct ww_exposure_host *h, const struct ww_nb_status *st);
/* A session answer (WW_NB_POSITIVE, WW_NB_NEGATIVE with its error code) for
 * one of the SSN steps. 1 if a negotiate should follow in the session. */
int ww_exposure_take_session(struct ww_exposure_host *h, int type, int error);
/* A negotiate answer for h's current step. */
void ww_exposure_take_negotiate(struct ww_exposure_host *h, const struct ww_smb_negotiate *ng);

/* ---- the verdict and the report (exposure_report.c) ---- */
/* "high" (SMB1 reachable), "medium" (SMB2+ on 445 or a session on 139
 * without required signing), "low" (signing required, or only names leak)
 * or "none" (nothing answers). */
const char *ww_exposure_risk(const struct ww_exposure_host *h);
/* One sentence saying why. */
void ww_exposure_summary(const struct ww_exposure_host *h, char *buf, size_t n);
/* Every host (only_exposed: those whose risk is not none), as text for
 * people or as one JSON document {"hosts": [...]}. The caller checks out. */
void ww_exposure_write(const struct ww_exposure *x, int json, int only_exposed, FILE *out);

#endif
