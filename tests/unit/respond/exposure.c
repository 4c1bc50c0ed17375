/* exposure.c -- lib/respond/exposure.h without a network: targets (CIDRs
 * expanded, limits, target files), the step machine driven by decoded
 * answers, and the risk, summary and report that follow from them.
 *
 * The answers are the ones tests/e2e/exposure.sh gets from Samba (and
 * tests/unit/respond/netbios.c decodes from the captured bytes): srv1 with
 * NetBIOS on and SMB1 allowed, srv2 with NetBIOS off and signing required,
 * srv1 again behind a dropped 445; plus the quieter verdicts. */
#include "test.h"
#include "core/err.h"
#include "core/mem.h"
#include "respond/exposure.h"

#include <stdio.h>
#include <string.h>

static struct ww_exposure_host host(const char *addr)
{
    struct ww_exposure_host h;
    struct ww_addr a;
    CHECK_INT(ww_addr_parse(addr, strlen(addr), &a), 0);
    ww_exposure_host_init(&h, &a);
    h.step = -1;
    return h;
}

static struct ww_smb_negotiate smb1(uint16_t index, int signing_required)
{
    return (struct ww_smb_negotiate){.version = 1, .dialect = index, .has_security_mode = 1,
                                     .signing_enabled = 1, .signing_required = signing_required};
}

static struct ww_smb_negotiate smb2(uint16_t revision, int signing_required)
{
    return (struct ww_smb_negotiate){.version = 2, .dialect = revision, .has_security_mode = 1,
                                     .signing_enabled = 1, .signing_required = signing_required};
}

/* nmbd's names on srv1 (as netbios.c decodes them), and a MAC */
static void srv1_status(struct ww_nb_status *st)
{
    static const struct ww_nb_name names[] = {
        {"SRV1NT1", 0x00, 0x0400}, {"SRV1NT1", 0x03, 0x0400}, {"SRV1NT1", 0x20, 0x0400},
        {"WWLAB1", 0x00, 0x8400}, {"WWLAB1", 0x1e, 0x8400},
    };
    memset(st, 0, sizeof *st);
    st->count = sizeof names / sizeof *names;
    memcpy(st->names, names, sizeof names);
    memcpy(st->mac, "\x02\x00\x5e\x10\x00\x01", 6);
}

/* Walks the SMB2 dialect steps below 3.1.1, each accepted. */
static void smb2_each(struct ww_exposure_host *h, int signing_required)
{
    for (int i = 1; i < 5; i++) {
        CHECK(ww_exposure_advance(h));
        CHECK_INT(h->step, WW_EXP_SMB2_ONE + i);
        struct ww_smb_negotiate ng = smb2(ww_smb2_dialect_codes[i], signing_required);
        ww_exposure_take_negotiate(h, &ng);
    }
}

static void test_srv1(void)
{
    static struct ww_nb_status st;
    struct ww_exposure_host h = host("198.18.41.2");
    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_NS);
    srv1_status(&st);
    ww_exposure_take_status(&h, &st);
    CHECK_STR(h.workgroup, "WWLAB1");
    CHECK_STR(h.server, "SRV1NT1");

    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SMB1_MULTI);
    h.open445 = 1; /* the prober's connect succeeded */
    struct ww_smb_negotiate ng = smb2(WW_SMB2_WILDCARD, 0);
    ww_exposure_take_negotiate(&h, &ng);
    CHECK_INT(h.smb, 1);
    CHECK_INT(h.dialects, 0);

    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SMB1_ONLY);
    ng = smb1(0, 0);
    ww_exposure_take_negotiate(&h, &ng);
    CHECK_INT(h.smb1, 1);
    CHECK_INT(h.sign1, 0);

    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SMB2_ALL);
    ng = smb2(0x0311, 0);
    ww_exposure_take_negotiate(&h, &ng);
    CHECK_INT(h.smb2_max, 0x0311);
    smb2_each(&h, 0);
    CHECK_INT(h.dialects, 0x3F);

    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SSN);
    CHECK_INT(ww_exposure_take_session(&h, WW_NB_POSITIVE, 0), 0); /* 445 spoke: no negotiate */
    CHECK_INT(h.ssn, 1);
    CHECK_INT(ww_exposure_advance(&h), 0);

    CHECK_STR(ww_exposure_risk(&h), "high");
    char sum[256];
    ww_exposure_summary(&h, sum, sizeof sum);
    CHECK_STR(sum, "SMB1 (NT LM 0.12) is reachable on 445, and 139 accepts NetBIOS sessions too: "
                   "the way NT4-era NetBIOS/SMB worms spread is open.");

    struct ww_exposure x = {.v = &h, .n = 1};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ww_exposure_write(&x, 0, 0, f);
    fclose(f);
    CHECK_STR(text, "198.18.41.2: risk high\n"
                    "  SMB1 (NT LM 0.12) is reachable on 445, and 139 accepts NetBIOS sessions too: "
                    "the way NT4-era NetBIOS/SMB worms spread is open.\n"
                    "  udp/137 name service: answers; names SRV1NT1<00>, SRV1NT1<03>, SRV1NT1<20>, "
                    "WWLAB1<00> (group), WWLAB1<1e> (group); workgroup WWLAB1; MAC 02:00:5e:10:00:01\n"
                    "  tcp/139 session:      accepted\n"
                    "  tcp/445 SMB:          answers; dialects NT LM 0.12, 2.0.2, 2.1, 3.0, 3.0.2, "
                    "3.1.1; signing not required\n\n");
    free(text);
    f = open_memstream(&text, &len);
    ww_exposure_write(&x, 1, 0, f);
    fclose(f);
    CHECK(strstr(text, "\"names\": [\n        \"SRV1NT1\"\n      ],")); /* unique names, once */
    CHECK(strstr(text, "\"mac\": \"02:00:5e:10:00:01\""));
    CHECK(strstr(text, "\"netbios_ssn_reply\": \"accepted\""));
    free(text);
    ww_free(h.names);
}

static void test_srv2(void)
{
    struct ww_exposure_host h = host("2001:db8:42::2");
    CHECK(ww_exposure_advance(&h)); /* no name service over IPv6 */
    CHECK_INT(h.step, WW_EXP_SMB1_MULTI);
    h.open445 = 1;
    struct ww_smb_negotiate ng = smb2(WW_SMB2_WILDCARD, 1);
    ww_exposure_take_negotiate(&h, &ng);
    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SMB1_ONLY);
    ng = smb1(0xFFFF, 0); /* no dialect */
    ng.has_security_mode = 0;
    ww_exposure_take_negotiate(&h, &ng);
    CHECK_INT(h.smb1, 0);
    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SMB2_ALL);
    ng = smb2(0x0311, 1);
    ww_exposure_take_negotiate(&h, &ng);
    smb2_each(&h, 1);
    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SSN); /* silent: nothing more to try */
    CHECK_INT(ww_exposure_advance(&h), 0);

    CHECK_STR(ww_exposure_risk(&h), "low");
    char sum[256];
    ww_exposure_summary(&h, sum, sizeof sum);
    CHECK_STR(sum, "NetBIOS is off, but SMB on 445 is still reachable (SMB2 or later), though it "
                   "requires signing.");
}

/* srv1 with 445 dropped: the session on 139 is refused for *SMBSERVER,
 * accepted by name, and SMB1 then SMB2 are negotiated inside it. */
static void test_srv1_139(void)
{
    static struct ww_nb_status st;
    struct ww_exposure_host h = host("198.18.41.2");
    CHECK(ww_exposure_advance(&h));
    srv1_status(&st);
    ww_exposure_take_status(&h, &st);
    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SMB1_MULTI); /* no connection: nothing more on 445 */
    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SSN);
    CHECK_INT(ww_exposure_take_session(&h, WW_NB_NEGATIVE, 0x82), 0);
    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SSN_NAME);
    CHECK_INT(ww_exposure_take_session(&h, WW_NB_POSITIVE, 0), 1);
    struct ww_smb_negotiate ng = smb1(0, 0);
    ww_exposure_take_negotiate(&h, &ng);
    CHECK(ww_exposure_advance(&h));
    CHECK_INT(h.step, WW_EXP_SSN_SMB2);
    CHECK_INT(ww_exposure_take_session(&h, WW_NB_POSITIVE, 0), 1);
    ng = smb2(0x0311, 0);
    ww_exposure_take_negotiate(&h, &ng);
    CHECK_INT(ww_exposure_advance(&h), 0);
    CHECK_INT(h.smb, 0);
    CHECK_INT(h.ssn_reply, WW_NB_POSITIVE); /* the one that opened the session; later ones do not count */

    CHECK_STR(ww_exposure_risk(&h), "high");
    char sum[256];
    ww_exposure_summary(&h, sum, sizeof sum);
    CHECK_STR(sum, "SMB1 (NT LM 0.12) is reachable through a NetBIOS session on 139: the way "
                   "NT4-era NetBIOS/SMB worms spread is open.");
    ww_free(h.names);
}

static void check_verdict(const struct ww_exposure_host *h, const char *risk, const char *summary)
{
    char sum[256];
    ww_exposure_summary(h, sum, sizeof sum);
    CHECK_STR(ww_exposure_risk(h), risk);
    CHECK_STR(sum, summary);
}

static void test_verdicts(void)
{
    struct ww_exposure_host h = host("192.0.2.9");
    check_verdict(&h, "none", "Nothing answers on NetBIOS or SMB.");
    h.open445 = 1;
    check_verdict(&h, "none", "Port 445 is open but did not answer an SMB negotiate.");
    h.ssn_reply = WW_NB_NEGATIVE;
    check_verdict(&h, "none", "Port 139 answers but refuses NetBIOS sessions; no SMB is reachable.");
    h.ns = 1;
    check_verdict(&h, "low", "Only the NetBIOS name service answers: it gives away names, but no "
                             "SMB session is reachable.");
    h.smb = 1, h.sign2 = 0;
    check_verdict(&h, "medium", "NetBIOS names and SMB on 445 are reachable (SMB2 or later) and "
                                "does not require signing.");
    h.ns = 0, h.smb = 0, h.ssn = 1, h.sign2 = -1;
    check_verdict(&h, "medium", "SMB on 445 does not answer, but SMB through a NetBIOS session on "
                                "139 is reachable.");
    h.sign1 = 1; /* SMB1 signing counts when SMB2 said nothing */
    check_verdict(&h, "low", "SMB on 445 does not answer, but SMB through a NetBIOS session on "
                             "139 is reachable, though it requires signing.");

    /* an SMB2 error answer still says SMB is there, and nothing else */
    struct ww_exposure_host e = host("192.0.2.10");
    CHECK(ww_exposure_advance(&e));
    CHECK(ww_exposure_advance(&e));
    e.open445 = 1;
    struct ww_smb_negotiate ng = smb2(0x0311, 1);
    ng.status = 0xC00000BB;
    ww_exposure_take_negotiate(&e, &ng);
    CHECK_INT(e.smb, 1);
    CHECK_INT(e.sign2, -1);
    CHECK_INT(e.dialects, 0);
}

static void test_targets(void)
{
    struct ww_exposure x = {.max = 10};
    char msg[200], a[WW_ADDR_STRLEN];
    CHECK_INT(ww_exposure_add(&x, "192.0.2.7/30", 12, msg, sizeof msg), WW_OK);
    CHECK_INT(x.n, 2); /* no network, no broadcast */
    CHECK_STR(ww_addr_format(&x.v[0].addr, a), "192.0.2.5");
    CHECK_STR(ww_addr_format(&x.v[1].addr, a), "192.0.2.6");
    CHECK_INT(ww_exposure_add(&x, "192.0.2.8/31", 12, msg, sizeof msg), WW_OK);
    CHECK_INT(x.n, 4);
    CHECK_INT(ww_exposure_add(&x, "2001:db8::/126", 14, msg, sizeof msg), WW_OK);
    CHECK_INT(x.n, 8);
    CHECK_STR(ww_addr_format(&x.v[4].addr, a), "2001:db8::");
    CHECK_INT(x.v[7].sign1, -1);
    CHECK_INT(ww_exposure_add(&x, "192.0.2.0/29", 12, msg, sizeof msg), WW_ERR_LIMIT);
    CHECK_STR(msg, "more than --max-hosts 10 hosts in all; narrow the targets or raise --max-hosts");
    CHECK_INT(ww_exposure_add(&x, "192.0.2.1/33", 12, msg, sizeof msg), WW_ERR_PARSE);
    CHECK_STR(msg, "bad prefix length");
    CHECK_INT(ww_exposure_add(&x, "192.0.2.1/", 10, msg, sizeof msg), WW_ERR_PARSE);
    CHECK_INT(ww_exposure_add(&x, "host", 4, msg, sizeof msg), WW_ERR_PARSE);
    CHECK_STR(msg, "not an address or CIDR");
    CHECK_INT(ww_exposure_add(&x, "::/64", 5, msg, sizeof msg), WW_ERR_LIMIT);
    CHECK_INT(x.n, 8);

    char path[] = "/tmp/ww_exposure_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# lab\n  192.0.2.20 \n\n192.0.2.21 # printer\n192.0.2.22 192.0.2.23\n192.0.2.24\n", f);
    fclose(f);
    CHECK_INT(ww_exposure_read(&x, path, msg, sizeof msg), WW_ERR_PARSE);
    CHECK_INT(x.n, 10); /* the lines before the refused one */
    char want[300];
    snprintf(want, sizeof want, "%s:5: '192.0.2.22 192.0.2.23': one target per line", path);
    CHECK_STR(msg, want);
    remove(path);
    CHECK_INT(ww_exposure_read(&x, path, msg, sizeof msg), WW_ERR_IO);
    ww_exposure_release(&x);
    CHECK_INT(x.n, 0);
}

TEST_MAIN(test_srv1(); test_srv2(); test_srv1_139(); test_verdicts(); test_targets())
