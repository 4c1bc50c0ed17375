/* netbios.c -- the NetBIOS/SMB encoders and decoders of lib/respond/netbios.c.
 *
 * The response byte arrays below are real: captured once with tcpdump in the
 * client namespace of tests/e2e/exposure.sh while `wormwatch exposure` probed
 * Debian 12's Samba 4.17.12 (nmbd + smbd) in the server namespaces
 * (srv1: NetBIOS on, `server min protocol = NT1`; srv2: `disable netbios`,
 * `smb ports = 445`, `server signing = mandatory`), copied from the pcap's
 * TCP/UDP payloads. The negative session response was smbd's answer to a
 * session request with a malformed called name, sent by hand from the same
 * client. Requests are checked byte by byte against the layouts in RFC 1002,
 * [MS-CIFS] and [MS-SMB2]; malformed and truncated inputs must fail with a
 * reason, never read out of bounds (the ASan build runs this too). */
#include "test.h"
#include "core/err.h"
#include "respond/netbios.h"

#include <stdint.h>
#include <string.h>

/* node status response of nmbd (SRV1NT1, workgroup WWLAB1, after it became
 * the local master browser: 7 names incl. __MSBROWSE__) to our query 0xac05 */
static const uint8_t nbstat_srv1[] = {
    0xac, 0x05, 0x84, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x43, 0x4b, 0x41,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x00, 0x00, 0x21,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xad, 0x07, 0x53, 0x52, 0x56, 0x31, 0x4e, 0x54, 0x31,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x04, 0x00, 0x53, 0x52, 0x56, 0x31, 0x4e,
    0x54, 0x31, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x03, 0x04, 0x00, 0x53, 0x52, 0x56,
    0x31, 0x4e, 0x54, 0x31, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x04, 0x00, 0x01,
    0x02, 0x5f, 0x5f, 0x4d, 0x53, 0x42, 0x52, 0x4f, 0x57, 0x53, 0x45, 0x5f, 0x5f, 0x02, 0x01, 0x84,
    0x00, 0x57, 0x57, 0x4c, 0x41, 0x42, 0x31, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x00, 0x84, 0x00, 0x57, 0x57, 0x4c, 0x41, 0x42, 0x31, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x1d, 0x04, 0x00, 0x57, 0x57, 0x4c, 0x41, 0x42, 0x31, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x1e, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00,
};

/* smbd's answer to SMB1 NEGOTIATE offering only "NT LM 0.12" with
 * `server min protocol = NT1`: DialectIndex 0, SecurityMode 0x03 */
static const uint8_t smb1_ntlm_srv1[] = {
    0x00, 0x00, 0x00, 0x9f, 0xff, 0x53, 0x4d, 0x42, 0x72, 0x00, 0x00, 0x00, 0x00, 0x88, 0x01, 0xc8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe,
    0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x03, 0x32, 0x00, 0x01, 0x00, 0x04, 0x41, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0xb9, 0x3c, 0x00, 0x00, 0xfd, 0xf3, 0x80, 0x80, 0xae, 0xc9, 0x24, 0x8c,
    0x17, 0x7e, 0xdd, 0x01, 0x00, 0x00, 0x00, 0x5a, 0x00, 0x73, 0x72, 0x76, 0x31, 0x6e, 0x74, 0x31,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01,
    0x05, 0x05, 0x02, 0xa0, 0x3e, 0x30, 0x3c, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01,
    0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa3, 0x2a, 0x30, 0x28, 0xa0, 0x26, 0x1b, 0x24, 0x6e,
    0x6f, 0x74, 0x5f, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x65, 0x64, 0x5f, 0x69, 0x6e, 0x5f, 0x52, 0x46,
    0x43, 0x34, 0x31, 0x37, 0x38, 0x40, 0x70, 0x6c, 0x65, 0x61, 0x73, 0x65, 0x5f, 0x69, 0x67, 0x6e,
    0x6f, 0x72, 0x65,
};

/* smbd's answer to the same with the default minimum (SMB2_02):
 * WordCount 1, DialectIndex 0xFFFF (no dialect) */
static const uint8_t smb1_none_srv2[] = {
    0x00, 0x00, 0x00, 0x25, 0xff, 0x53, 0x4d, 0x42, 0x72, 0x00, 0x00, 0x00, 0x00, 0x88, 0x03, 0xc0,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe,
    0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0x00, 0x00,
};

/* smbd's SMB2 answer to SMB1 NEGOTIATE offering NT LM 0.12, SMB 2.002 and
 * SMB 2.???: DialectRevision 0x02FF, SecurityMode 0x0001 */
static const uint8_t smb2_wild_srv1[] = {
    0x00, 0x00, 0x00, 0xca, 0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x41, 0x00, 0x01, 0x00, 0xff, 0x02, 0x00, 0x00, 0x73, 0x72, 0x76, 0x31,
    0x6e, 0x74, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x40, 0xc5, 0xfe, 0x8b,
    0x17, 0x7e, 0xdd, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x4a, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e,
    0x30, 0x3c, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02,
    0x02, 0x0a, 0xa3, 0x2a, 0x30, 0x28, 0xa0, 0x26, 0x1b, 0x24, 0x6e, 0x6f, 0x74, 0x5f, 0x64, 0x65,
    0x66, 0x69, 0x6e, 0x65, 0x64, 0x5f, 0x69, 0x6e, 0x5f, 0x52, 0x46, 0x43, 0x34, 0x31, 0x37, 0x38,
    0x40, 0x70, 0x6c, 0x65, 0x61, 0x73, 0x65, 0x5f, 0x69, 0x67, 0x6e, 0x6f, 0x72, 0x65,
};

/* smbd's answer (`server signing = mandatory`) to SMB2 NEGOTIATE offering
 * 2.0.2..3.1.1: DialectRevision 0x0311, SecurityMode 0x0003, 1 context */
static const uint8_t smb2_311_srv2[] = {
    0x00, 0x00, 0x00, 0xfe, 0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x41, 0x00, 0x03, 0x00, 0x11, 0x03, 0x01, 0x00, 0x73, 0x72, 0x76, 0x32,
    0x6e, 0x6f, 0x6e, 0x62, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x3a, 0xe8, 0x27, 0x8c,
    0x17, 0x7e, 0xdd, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x4a, 0x00,
    0xd0, 0x00, 0x00, 0x00, 0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e,
    0x30, 0x3c, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02,
    0x02, 0x0a, 0xa3, 0x2a, 0x30, 0x28, 0xa0, 0x26, 0x1b, 0x24, 0x6e, 0x6f, 0x74, 0x5f, 0x64, 0x65,
    0x66, 0x69, 0x6e, 0x65, 0x64, 0x5f, 0x69, 0x6e, 0x5f, 0x52, 0x46, 0x43, 0x34, 0x31, 0x37, 0x38,
    0x40, 0x70, 0x6c, 0x65, 0x61, 0x73, 0x65, 0x5f, 0x69, 0x67, 0x6e, 0x6f, 0x72, 0x65, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x20, 0x00,
    0x01, 0x00, 0xbd, 0x3a, 0x51, 0xf2, 0x58, 0x9c, 0xaf, 0xb0, 0x0a, 0x73, 0x00, 0xb2, 0x04, 0x32,
    0x08, 0xf4, 0x12, 0x78, 0x7c, 0xf2, 0x61, 0x65, 0x70, 0x29, 0x58, 0xc1, 0xea, 0x4c, 0x83, 0x58,
    0xeb, 0x5b,
};

static const uint8_t ssn_positive[] = {0x82, 0x00, 0x00, 0x00};
static const uint8_t ssn_negative[] = {0x83, 0x00, 0x00, 0x01, 0x82}; /* called name not present */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }

static void test_names(void)
{
    uint8_t w[WW_NB_NAME_WIRE];
    CHECK_INT(ww_nb_encode_name("*", 0, w), 34);
    CHECK_INT(w[0], 32);
    CHECK(!memcmp(w + 1, "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 32));
    CHECK_INT(w[33], 0);
    CHECK_INT(ww_nb_encode_name("*SMBSERVER", 0x20, w), 34);
    CHECK(!memcmp(w + 1, "CKFDENECFDEFFCFGEFFCCACACACACACA", 32));
    CHECK_INT(ww_nb_encode_name("wormwatch", 0x00, w), 34); /* upper-cased */
    CHECK(!memcmp(w + 1, "FHEPFCENFHEBFEEDEICACACACACACAAA", 32));
    CHECK_INT(ww_nb_encode_name("SIXTEENCHARSLONG", 0x20, w), 0);
    CHECK_INT(ww_nb_encode_name("FIFTEENCHARSLON", 0x20, w), 34);
}

static void test_nbstat_query(void)
{
    uint8_t q[WW_NB_NBSTAT_LEN];
    static const uint8_t want[WW_NB_NBSTAT_LEN] = {
        0xac, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,
        'C', 'K', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
        'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
        0x00, 0x00, 0x21, 0x00, 0x01};
    CHECK_INT(ww_nb_nbstat_query(0xac05, q), 50);
    CHECK(!memcmp(q, want, sizeof want));
}

static void test_nbstat_decode(void)
{
    static struct ww_nb_status st;
    const char *why = NULL;
    CHECK_INT(ww_nb_nbstat_decode(nbstat_srv1, sizeof nbstat_srv1, &st, &why), WW_OK);
    CHECK_INT(st.id, 0xac05);
    CHECK_INT(st.count, 7);
    static const struct { const char *name; int suffix, flags; } want[7] = {
        {"SRV1NT1", 0x00, 0x0400}, {"SRV1NT1", 0x03, 0x0400}, {"SRV1NT1", 0x20, 0x0400},
        {"??__MSBROWSE__?", 0x01, 0x8400}, {"WWLAB1", 0x00, 0x8400}, {"WWLAB1", 0x1d, 0x0400},
        {"WWLAB1", 0x1e, 0x8400}};
    for (unsigned i = 0; i < 7 && i < st.count; i++) {
        CHECK_STR(st.names[i].name, want[i].name);
        CHECK_INT(st.names[i].suffix, want[i].suffix);
        CHECK_INT(st.names[i].flags, want[i].flags);
    }
    static const uint8_t zero[6];
    CHECK(!memcmp(st.mac, zero, 6)); /* Samba reports no unit id */
    const struct ww_nb_name *n = ww_nb_find(&st, 0x00, 1);
    CHECK(n && !strcmp(n->name, "WWLAB1"));
    n = ww_nb_find(&st, 0x20, 0);
    CHECK(n && !strcmp(n->name, "SRV1NT1"));
    CHECK(ww_nb_find(&st, 0x1b, 0) == NULL);

    /* every truncation fails with a reason */
    int bad = 0;
    for (size_t len = 0; len < sizeof nbstat_srv1; len++) {
        why = NULL;
        if (ww_nb_nbstat_decode(nbstat_srv1, len, &st, &why) != WW_ERR_PARSE || !why) bad++;
    }
    CHECK_INT(bad, 0);

    uint8_t b[sizeof nbstat_srv1];
    memcpy(b, nbstat_srv1, sizeof b);
    b[2] &= 0x7f; /* a query, not a response */
    CHECK_INT(ww_nb_nbstat_decode(b, sizeof b, &st, &why), WW_ERR_PARSE);
    memcpy(b, nbstat_srv1, sizeof b);
    b[3] |= 0x03; /* rcode */
    CHECK_INT(ww_nb_nbstat_decode(b, sizeof b, &st, &why), WW_ERR_PARSE);
    CHECK_STR(why, "the name service answered with an error code");
    memcpy(b, nbstat_srv1, sizeof b);
    b[7] = 0; /* ANCOUNT 0 */
    CHECK_INT(ww_nb_nbstat_decode(b, sizeof b, &st, &why), WW_ERR_PARSE);
    memcpy(b, nbstat_srv1, sizeof b);
    b[47] = 0x20; /* NB, not NBSTAT */
    CHECK_INT(ww_nb_nbstat_decode(b, sizeof b, &st, &why), WW_ERR_PARSE);
    CHECK_STR(why, "the answer is not a node status (NBSTAT) record");
    memcpy(b, nbstat_srv1, sizeof b);
    b[56] = 10; /* NUM_NAMES 10: 181 bytes > RDLENGTH 173 */
    CHECK_INT(ww_nb_nbstat_decode(b, sizeof b, &st, &why), WW_ERR_PARSE);
    CHECK_STR(why, "names table longer than the answer data");
    memcpy(b, nbstat_srv1, sizeof b);
    b[12] = 0x60; /* label length with reserved high bits */
    CHECK_INT(ww_nb_nbstat_decode(b, sizeof b, &st, &why), WW_ERR_PARSE);

    /* the answer name may be a compression pointer; a MAC is read when present */
    uint8_t c[12 + 2 + 10 + 1 + 18 + 6] = {0x12, 0x34, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0,
                                            0xc0, 0x0c, 0, 0x21, 0, 1, 0, 0, 0, 0, 0, 25, 1,
                                            'N', 'T', '4', 'B', 'O', 'X', ' ', ' ', ' ', ' ', ' ',
                                            ' ', ' ', ' ', ' ', 0x20, 0x04, 0x00,
                                            0x00, 0x0c, 0x29, 0xab, 0xcd, 0xef};
    CHECK_INT(ww_nb_nbstat_decode(c, sizeof c, &st, &why), WW_OK);
    CHECK_INT(st.count, 1);
    CHECK_STR(st.names[0].name, "NT4BOX");
    CHECK(!memcmp(st.mac, "\x00\x0c\x29\xab\xcd\xef", 6));
    c[24] = 2; /* two names do not fit */
    CHECK_INT(ww_nb_nbstat_decode(c, sizeof c, &st, &why), WW_ERR_PARSE);
}

static void test_session(void)
{
    uint8_t r[WW_NB_SESSION_REQUEST_LEN];
    CHECK_INT(ww_nb_session_request("*SMBSERVER", 0x20, "WORMWATCH", r), 72);
    CHECK(!memcmp(r, "\x81\x00\x00\x44\x20", 5));
    CHECK(!memcmp(r + 5, "CKFDENECFDEFFCFGEFFCCACACACACACA", 32));
    CHECK(!memcmp(r + 37, "\x00\x20", 2));
    CHECK(!memcmp(r + 39, "FHEPFCENFHEBFEEDEICACACACACACAAA", 32));
    CHECK_INT(r[71], 0);
    CHECK_INT(ww_nb_session_request("A-NAME-OF-16-CH", 0x20, "WAY-TOO-LONG-NAME", r), 0);

    int type = 0, err = -1;
    const char *why = NULL;
    CHECK_INT(ww_nb_frame_len(ssn_positive), 0);
    CHECK_INT(ww_nb_session_decode(ssn_positive, sizeof ssn_positive, &type, &err, &why), WW_OK);
    CHECK_INT(type, WW_NB_POSITIVE);
    CHECK_INT(err, 0);
    CHECK_INT(ww_nb_session_decode(ssn_negative, sizeof ssn_negative, &type, &err, &why), WW_OK);
    CHECK_INT(type, WW_NB_NEGATIVE);
    CHECK_INT(err, 0x82);
    CHECK_INT(ww_nb_session_decode(ssn_negative, 4, &type, &err, &why), WW_ERR_PARSE);
    CHECK_STR(why, "session response shorter than its length field");
    CHECK_INT(ww_nb_session_decode(ssn_positive, 3, &type, &err, &why), WW_ERR_PARSE);
    static const uint8_t neg_empty[] = {0x83, 0, 0, 0}, keepalive[] = {0x85, 0, 0, 0};
    static const uint8_t retarget_short[] = {0x84, 0, 0, 2, 10, 0};
    CHECK_INT(ww_nb_session_decode(neg_empty, 4, &type, &err, &why), WW_ERR_PARSE);
    CHECK_INT(ww_nb_session_decode(keepalive, 4, &type, &err, &why), WW_ERR_PARSE);
    CHECK_INT(ww_nb_session_decode(retarget_short, 6, &type, &err, &why), WW_ERR_PARSE);
    CHECK_INT(ww_nb_session_decode(smb1_ntlm_srv1, sizeof smb1_ntlm_srv1, &type, &err, &why), WW_ERR_PARSE);
}

static void test_smb1_request(void)
{
    uint8_t m[WW_SMB_NEGOTIATE_MAX];
    size_t n = ww_smb1_negotiate(WW_SMB1_NTLM | WW_SMB1_2002 | WW_SMB1_2XXX, m, sizeof m);
    CHECK_INT(n, 4 + 32 + 3 + 12 + 11 + 11);
    CHECK_INT(ww_nb_frame_len(m), n - 4);
    CHECK(!memcmp(m + 4, "\xffSMB\x72", 5));
    CHECK_INT(m[4 + 9], 0x18);
    CHECK_INT(le16(m + 4 + 10), 0xC801);
    CHECK_INT(m[4 + 32], 0);               /* WordCount */
    CHECK_INT(le16(m + 4 + 33), 12 + 11 + 11);
    CHECK(!memcmp(m + 4 + 35, "\x02NT LM 0.12\0\x02SMB 2.002\0\x02SMB 2.???\0", 34));
    n = ww_smb1_negotiate(WW_SMB1_NTLM, m, sizeof m);
    CHECK_INT(n, 51);
    CHECK(!memcmp(m + 4 + 35, "\x02NT LM 0.12\0", 12));
    CHECK_INT(ww_smb1_negotiate(0, m, sizeof m), 0);
    CHECK_INT(ww_smb1_negotiate(WW_SMB1_NTLM, m, 50), 0);

    CHECK_INT(ww_smb1_chosen(7, 0), WW_SMB1_NTLM);
    CHECK_INT(ww_smb1_chosen(7, 1), WW_SMB1_2002);
    CHECK_INT(ww_smb1_chosen(7, 2), WW_SMB1_2XXX);
    CHECK_INT(ww_smb1_chosen(6, 0), WW_SMB1_2002);
    CHECK_INT(ww_smb1_chosen(1, 1), 0);
    CHECK_INT(ww_smb1_chosen(7, 0xFFFF), 0);
}

static void test_smb2_request(void)
{
    uint8_t m[WW_SMB_NEGOTIATE_MAX], guid[16], salt[32];
    for (int i = 0; i < 16; i++) guid[i] = (uint8_t)(0x10 + i);
    for (int i = 0; i < 32; i++) salt[i] = (uint8_t)(0x80 + i);
    size_t n = ww_smb2_negotiate(0x3E, guid, salt, m, sizeof m);
    CHECK_INT(n, 178);
    CHECK_INT(ww_nb_frame_len(m), 174);
    const uint8_t *h = m + 4, *b = h + 64;
    CHECK(!memcmp(h, "\xfeSMB\x40\x00", 6));
    CHECK_INT(le16(h + 12), 0);            /* NEGOTIATE */
    CHECK_INT(le16(b), 36);
    CHECK_INT(le16(b + 2), 5);             /* DialectCount */
    CHECK_INT(le16(b + 4), 1);             /* signing enabled */
    CHECK(!memcmp(b + 12, guid, 16));
    CHECK_INT(le32(b + 28), 112);          /* NegotiateContextOffset */
    CHECK_INT(le16(b + 32), 2);
    static const uint16_t d[5] = {0x0202, 0x0210, 0x0300, 0x0302, 0x0311};
    for (int i = 0; i < 5; i++) CHECK_INT(le16(h + 100 + 2 * i), d[i]);
    CHECK_INT(le16(h + 112), 1);           /* preauth integrity */
    CHECK_INT(le16(h + 114), 38);
    CHECK_INT(le16(h + 120), 1);
    CHECK_INT(le16(h + 122), 32);
    CHECK_INT(le16(h + 124), 1);           /* SHA-512 */
    CHECK(!memcmp(h + 126, salt, 32));
    CHECK_INT(le16(h + 160), 2);           /* encryption, 8-aligned after 158 */
    CHECK_INT(le16(h + 162), 6);
    CHECK_INT(le16(h + 168), 2);
    CHECK_INT(le16(h + 170), 2);           /* AES-128-GCM */
    CHECK_INT(le16(h + 172), 1);           /* AES-128-CCM */

    n = ww_smb2_negotiate(1u << 1, guid, salt, m, sizeof m); /* 2.0.2 alone: no contexts */
    CHECK_INT(n, 4 + 64 + 36 + 2);
    CHECK_INT(le16(m + 4 + 64 + 2), 1);
    CHECK_INT(le16(m + 4 + 100), 0x0202);
    CHECK_INT(le32(m + 4 + 64 + 28), 0);
    n = ww_smb2_negotiate(1u << 5, guid, salt, m, sizeof m); /* 3.1.1 alone */
    CHECK_INT(n, 4 + 166);
    CHECK_INT(le32(m + 4 + 64 + 28), 104);
    CHECK_INT(ww_smb2_negotiate(1, guid, salt, m, sizeof m), 0); /* index 0 is SMB1 */
    CHECK_INT(ww_smb2_negotiate(0x3E, guid, salt, m, 100), 0);

    CHECK_INT(ww_smb2_dialect_index(0x0311), 5);
    CHECK_INT(ww_smb2_dialect_index(0x0202), 1);
    CHECK_INT(ww_smb2_dialect_index(0x02FF), -1);
    CHECK_INT(ww_smb2_dialect_index(0), -1);
}

static void test_negotiate_decode(void)
{
    struct ww_smb_negotiate ng;
    const char *why = NULL;
    CHECK_INT(ww_nb_frame_len(smb1_ntlm_srv1), sizeof smb1_ntlm_srv1 - 4);
    CHECK_INT(ww_smb_negotiate_decode(smb1_ntlm_srv1 + 4, sizeof smb1_ntlm_srv1 - 4, &ng, &why), WW_OK);
    CHECK_INT(ng.version, 1);
    CHECK_INT(ng.status, 0);
    CHECK_INT(ng.dialect, 0);
    CHECK_INT(ng.has_security_mode, 1);
    CHECK_INT(ng.signing_enabled, 0);
    CHECK_INT(ng.signing_required, 0);

    CHECK_INT(ww_smb_negotiate_decode(smb1_none_srv2 + 4, sizeof smb1_none_srv2 - 4, &ng, &why), WW_OK);
    CHECK_INT(ng.version, 1);
    CHECK_INT(ng.dialect, 0xFFFF);
    CHECK_INT(ng.has_security_mode, 0);

    CHECK_INT(ww_smb_negotiate_decode(smb2_wild_srv1 + 4, sizeof smb2_wild_srv1 - 4, &ng, &why), WW_OK);
    CHECK_INT(ng.version, 2);
    CHECK_INT(ng.dialect, WW_SMB2_WILDCARD);
    CHECK_INT(ng.signing_enabled, 1);
    CHECK_INT(ng.signing_required, 0);

    CHECK_INT(ww_smb_negotiate_decode(smb2_311_srv2 + 4, sizeof smb2_311_srv2 - 4, &ng, &why), WW_OK);
    CHECK_INT(ng.version, 2);
    CHECK_INT(ng.status, 0);
    CHECK_INT(ng.dialect, 0x0311);
    CHECK_INT(ng.signing_enabled, 1);
    CHECK_INT(ng.signing_required, 1);

    /* truncations below the fields read fail with a reason */
    int bad = 0;
    for (size_t len = 0; len < 70; len++) {
        why = NULL;
        if (ww_smb_negotiate_decode(smb2_311_srv2 + 4, len, &ng, &why) != WW_ERR_PARSE || !why) bad++;
    }
    for (size_t len = 0; len < 35; len++) {
        why = NULL;
        if (ww_smb_negotiate_decode(smb1_ntlm_srv1 + 4, len, &ng, &why) != WW_ERR_PARSE || !why) bad++;
    }
    CHECK_INT(bad, 0);

    uint8_t b[sizeof smb2_311_srv2];
    memcpy(b, smb2_311_srv2, sizeof b);
    b[4 + 12] = 1; /* SESSION_SETUP */
    CHECK_INT(ww_smb_negotiate_decode(b + 4, sizeof b - 4, &ng, &why), WW_ERR_PARSE);
    CHECK_STR(why, "SMB2 response is not to NEGOTIATE");
    memcpy(b, smb2_311_srv2, sizeof b);
    b[4 + 16] = 0; /* a request */
    CHECK_INT(ww_smb_negotiate_decode(b + 4, sizeof b - 4, &ng, &why), WW_ERR_PARSE);
    memcpy(b, smb2_311_srv2, sizeof b);
    memcpy(b + 4 + 8, "\xbb\x00\x00\xc0", 4); /* STATUS_NOT_SUPPORTED: refused, not malformed */
    CHECK_INT(ww_smb_negotiate_decode(b + 4, 64 + 9, &ng, &why), WW_OK);
    CHECK_INT(ng.status, 0xC00000BB);
    CHECK_INT(ng.has_security_mode, 0);
    memcpy(b, smb2_311_srv2, sizeof b);
    b[4 + 64] = 9; /* an error body's StructureSize with status 0 */
    CHECK_INT(ww_smb_negotiate_decode(b + 4, sizeof b - 4, &ng, &why), WW_ERR_PARSE);
    memcpy(b, smb2_311_srv2, sizeof b);
    b[4] = 0xfd;
    CHECK_INT(ww_smb_negotiate_decode(b + 4, sizeof b - 4, &ng, &why), WW_ERR_PARSE);
    CHECK_STR(why, "not an SMB message (no 0xFF/0xFE 'SMB' protocol id)");

    uint8_t s[sizeof smb1_ntlm_srv1];
    memcpy(s, smb1_ntlm_srv1, sizeof s);
    s[4 + 9] &= 0x7f; /* not a reply */
    CHECK_INT(ww_smb_negotiate_decode(s + 4, sizeof s - 4, &ng, &why), WW_ERR_PARSE);
    memcpy(s, smb1_ntlm_srv1, sizeof s);
    s[4 + 35] = 0x0f; /* SecurityMode: signatures enabled and required */
    CHECK_INT(ww_smb_negotiate_decode(s + 4, sizeof s - 4, &ng, &why), WW_OK);
    CHECK_INT(ng.signing_enabled, 1);
    CHECK_INT(ng.signing_required, 1);
    memcpy(s, smb1_ntlm_srv1, sizeof s);
    s[4 + 32] = 0; /* no words */
    CHECK_INT(ww_smb_negotiate_decode(s + 4, sizeof s - 4, &ng, &why), WW_ERR_PARSE);
    memcpy(s, smb1_ntlm_srv1, sizeof s);
    memcpy(s + 4 + 5, "\x22\x00\x00\xc0", 4); /* NT status error */
    CHECK_INT(ww_smb_negotiate_decode(s + 4, 33, &ng, &why), WW_OK);
    CHECK_INT(ng.status, 0xC0000022);
}

TEST_MAIN(test_names(); test_nbstat_query(); test_nbstat_decode(); test_session();
          test_smb1_request(); test_smb2_request(); test_negotiate_decode())
