/* fuzz_msg.c - libFuzzer target for SNMP message decoding.
 *
 * Feeds the input to pdu_msg_decode and, for v3, pdu_scoped_decode (on the
 * encrypted part as if it were the plaintext, and on the input itself);
 * pdu_decode on every sub-slice that starts with a PDU tag. Every message
 * that decodes is re-encoded, and the checks below hold for it:
 *   - every varbind name and OID value also passes oid_decode;
 *   - the re-encoding decodes again and encodes to the same bytes;
 *   - an exact-size buffer works; one byte short reports MW_ETOOBIG. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw.h"
#include "oid.h"
#include "pdu.h"

#define NVB 64
#define ENC_CAP (1 << 17)

static uint8_t enc1[ENC_CAP], enc2[ENC_CAP];

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "fuzz_msg: check failed at line %d: %s\n",      \
                    __LINE__, #cond);                                       \
            abort();                                                        \
        }                                                                   \
    } while (0)

static void
msg_reset(mw_msg_t *m, mw_varbind_t *vbs)
{
    memset(m, 0, sizeof *m);
    m->pdu.vbs = vbs;
    m->pdu.cap = NVB;
}

static void
pdu_check(const mw_pdu_t *pdu)
{
    oid_t o;
    char text[OID_MAX_LEN * 11 + 1];
    for (size_t i = 0; i < pdu->nvb; i++) {
        const mw_varbind_t *vb = &pdu->vbs[i];
        CHECK(oid_decode(&o, vb->oid, vb->oid_len) == 0);
        CHECK(oid_ber_format(vb->oid, vb->oid_len, text, sizeof text) >= 0);
        if (vb->val.type == MW_T_OID)
            CHECK(oid_decode(&o, vb->val.p, vb->val.len) == 0);
        if (i > 0) {
            const mw_varbind_t *pv = &pdu->vbs[i - 1];
            int c1 = oid_ber_cmp(pv->oid, pv->oid_len, vb->oid, vb->oid_len);
            int c2 = oid_ber_cmp(vb->oid, vb->oid_len, pv->oid, pv->oid_len);
            CHECK(c1 == -c2);
        }
    }
    if (pdu->type == MW_PDU_TRAPV1)
        CHECK(oid_decode(&o, pdu->enterprise, pdu->enterprise_len) == 0);
}

/* Encodes m, decodes the result, encodes again: both encodings match. */
static void
roundtrip(mw_msg_t *m)
{
    uint8_t *out1, *out2;
    size_t n1, n2;
    mw_varbind_t vbs2[NVB];
    mw_msg_t m2;
    int rc;

    pdu_check(&m->pdu);
    rc = pdu_msg_encode(m, enc1, sizeof enc1, &out1, &n1);
    if (rc < 0) {
        /* Only an oversized auth field is refused by the encoder. */
        CHECK(rc == MW_EINVAL && m->version == MW_V3);
        return;
    }
    CHECK(out1 + n1 == enc1 + sizeof enc1);

    msg_reset(&m2, vbs2);
    rc = pdu_msg_decode(&m2, out1, n1);
    CHECK(rc == 0);
    CHECK(m2.version == m->version);
    CHECK(m2.pdu.type == m->pdu.type || m->encrypted);
    CHECK(m2.pdu.nvb == m->pdu.nvb || m->encrypted);
    rc = pdu_msg_encode(&m2, enc2, sizeof enc2, &out2, &n2);
    CHECK(rc == 0);
    CHECK(n1 == n2 && memcmp(out1, out2, n1) == 0);

    /* An exact fit works. */
    rc = pdu_msg_encode(&m2, enc2 + sizeof enc2 - n1, n1, &out2, &n2);
    CHECK(rc == 0 && n2 == n1 && memcmp(out1, out2, n1) == 0);
    /* One byte short is "too big", cleanly. */
    rc = pdu_msg_encode(&m2, enc2 + sizeof enc2 - (n1 - 1), n1 - 1, &out2, &n2);
    CHECK(rc == MW_ETOOBIG);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mw_varbind_t vbs[NVB];
    mw_msg_t m;
    mw_pdu_t pdu;
    int32_t version;
    int rc;

    (void)pdu_msg_peek_version(data, size, &version);

    msg_reset(&m, vbs);
    rc = pdu_msg_decode(&m, data, size);
    if (rc == 0) {
        if (m.version == MW_V3 && m.encrypted) {
            /* Treat the encrypted part as the decrypted plaintext. */
            mw_msg_t s = m;
            if (pdu_scoped_decode(&s, m.encrypted, m.encrypted_len) == 0) {
                s.encrypted = NULL;
                s.encrypted_len = 0;
                roundtrip(&s);
            }
        }
        roundtrip(&m);
    }

    /* The input itself as a (decrypted) scopedPDU. */
    msg_reset(&m, vbs);
    m.version = MW_V3;
    m.sec_model = MW_SEC_MODEL_USM;
    if (pdu_scoped_decode(&m, data, size) == 0)
        pdu_check(&m.pdu);

    /* Every sub-slice that starts with a PDU tag, up to 32 of them. */
    int tries = 0;
    for (size_t i = 0; i < size && tries < 32; i++) {
        if (data[i] < MW_PDU_GET || data[i] > MW_PDU_REPORT)
            continue;
        tries++;
        memset(&pdu, 0, sizeof pdu);
        pdu.vbs = vbs;
        pdu.cap = NVB;
        if (pdu_decode(&pdu, data + i, size - i) == 0)
            pdu_check(&pdu);
    }
    return 0;
}
