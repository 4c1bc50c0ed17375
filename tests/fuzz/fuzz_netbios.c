/* fuzz_netbios.c -- libFuzzer harness for every decoder in lib/respond/netbios.c.
 * Byte 0 picks the decoder, the rest is what a hostile server would send:
 *   0  node status response (UDP 137)      1  session response frame (TCP 139)
 *   2  SMB negotiate payload (SMB1/SMB2)   3  a stream of frames, as the CLI
 *                                             splits them, each decoded both ways
 * Invariants checked: a failure always has a reason; decoded names are
 * printable and NUL-terminated; counts stay within the table. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/err.h"
#include "respond/netbios.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void negotiate(const uint8_t *p, size_t n)
{
    struct ww_smb_negotiate ng;
    const char *why = NULL;
    if (ww_smb_negotiate_decode(p, n, &ng, &why) == WW_OK) {
        if (ng.version != 1 && ng.version != 2) __builtin_trap();
        if (ng.version == 1) (void)ww_smb1_chosen(7, ng.dialect);
        else (void)ww_smb2_dialect_index(ng.dialect);
    } else if (!why) {
        __builtin_trap();
    }
}

static void session(const uint8_t *p, size_t n)
{
    int type, error;
    const char *why = NULL;
    if (ww_nb_session_decode(p, n, &type, &error, &why) != WW_OK && !why) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    const char *why = NULL;
    switch (data[0] & 3) {
    case 0: {
        static struct ww_nb_status st;
        if (ww_nb_nbstat_decode(p, n, &st, &why) != WW_OK) {
            if (!why) __builtin_trap();
            break;
        }
        if (st.count > WW_NB_MAX_NAMES) __builtin_trap();
        for (unsigned i = 0; i < st.count; i++) {
            const char *s = st.names[i].name;
            size_t len = strnlen(s, sizeof st.names[i].name);
            if (len > 15) __builtin_trap();
            for (size_t k = 0; k < len; k++)
                if (s[k] < 0x20 || s[k] > 0x7e) __builtin_trap();
            uint8_t w[WW_NB_NAME_WIRE]; /* a decoded name can be called back */
            if (ww_nb_encode_name(s, st.names[i].suffix, w) != WW_NB_NAME_WIRE) __builtin_trap();
        }
        (void)ww_nb_find(&st, 0x00, 1);
        (void)ww_nb_find(&st, 0x20, 0);
        break;
    }
    case 1: session(p, n); break;
    case 2: negotiate(p, n); break;
    case 3:
        while (n >= WW_NB_FRAME_HDR) {
            size_t len = ww_nb_frame_len(p);
            if (len > n - WW_NB_FRAME_HDR) break;
            session(p, WW_NB_FRAME_HDR + len);
            negotiate(p + WW_NB_FRAME_HDR, len);
            p += WW_NB_FRAME_HDR + len;
            n -= WW_NB_FRAME_HDR + len;
        }
        break;
    }
    return 0;
}
