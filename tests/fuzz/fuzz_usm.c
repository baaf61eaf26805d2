/* fuzz_usm.c - libFuzzer target for usm_msg_decode (src/usm): the digest
 * check, decryption and scopedPDU decoding of a v3 message, with keys.
 *
 * The keys come from the message itself, as net-snmp's fixtures name their
 * users: "u-<auth>-<priv>" (u-sha-256-aes-192, u-md5-des...) with the
 * passwords "authpass123" and "privpass123", localised to the message's
 * engine ID (the key cache makes that cheap). Any other user name picks
 * one of the 7 x 8 (auth, priv) pairs from its length. So the seeds from
 * tests/fixtures (real snmpd traffic) verify and decrypt, and so do the
 * generated ones (corpus-usm/, every pair including 3DES and the -C AES
 * variants). A message with the auth flag and an all-zero MAC is signed
 * first, so mutations reach decryption and the scopedPDU decoder.
 *
 * What decodes is re-encoded with the same keys and decoded again: the
 * scopedPDU must come back the same. The message is also checked with no
 * keys and with keys of another protocol, which must fail cleanly. */
#include "fuzz_util.h"

static const char AUTH_PASS[] = "authpass123";
static const char PRIV_PASS[] = "privpass123";
static const uint8_t EID[] = { 0x80, 0x00, 0x1f, 0x88, 0x80, 'u', 's', 'm', 'f', 'u', 'z', 'z' };

/* (auth, priv) for a user name; 0 or -1 for no keys at all */
static int
user_algos(const uint8_t *name, size_t n, usm_auth_t *auth, usm_priv_t *priv)
{
    char buf[64];
    if (n > 2 && n < sizeof buf && memcmp(name, "u-", 2) == 0) {
        memcpy(buf, name + 2, n - 2);
        buf[n - 2] = '\0';
        for (char *p = buf; (p = strchr(p, '-')) != NULL; p++) {
            *p = '\0';
            int a = usm_auth_parse(buf), x = usm_priv_parse(p + 1);
            *p = '-';
            if (a > 0 && x >= 0) {
                *auth = (usm_auth_t)a;
                *priv = (usm_priv_t)x;
                return 0;
            }
        }
    }
    if (n == 0)
        return -1;
    *auth = (usm_auth_t)(1 + n % (USM_AUTH_COUNT - 1));
    *priv = (usm_priv_t)(n / (USM_AUTH_COUNT - 1) % USM_PRIV_COUNT);
    return 0;
}

static int
keys_for(const uint8_t *name, size_t n, const uint8_t *eid, size_t eidlen, usm_keys_t *k)
{
    usm_auth_t a;
    usm_priv_t x;
    if (user_algos(name, n, &a, &x) < 0 || eidlen == 0 || eidlen > USM_MAX_ENGINE_ID)
        return -1;
    return usm_keys_get(a, x, AUTH_PASS, strlen(AUTH_PASS), x ? PRIV_PASS : NULL,
                        x ? strlen(PRIV_PASS) : 0, eid, eidlen, k);
}

static usm_keys_t cur_keys;
static int cur_ok;

static const usm_keys_t *
cur_lookup(const uint8_t *user, size_t n)
{
    (void)user;
    (void)n;
    return cur_ok ? &cur_keys : NULL;
}

/* --- seeds ------------------------------------------------------------------ */

static void
mkseeds(const char *dir)
{
    static uint8_t buf[8192];
    fz_vbl_t l;
    mw_pdu_t p;
    const uint8_t *out;
    size_t n;
    char user[64], name[128];

    memset(&l, 0, sizeof l);
    fz_vb(&l, "1.3.6.1.2.1.1.5.0");
    mw_varbind_t *vb = fz_vb(&l, "1.3.6.1.2.1.1.4.0");
    vb->val.type = MW_T_OCTETSTR;
    vb->val.p = (const uint8_t *)"operator";
    vb->val.len = 8;
    fz_pdu(&p, MW_PDU_GET, 4242, 0, 0, &l);
    for (int a = USM_AUTH_MD5; a < USM_AUTH_COUNT; a++) {
        for (int x = USM_PRIV_NONE; x < USM_PRIV_COUNT; x++) {
            usm_keys_t k;
            snprintf(user, sizeof user, "u-%s-%s", usm_auth_name((usm_auth_t)a),
                     x ? usm_priv_name((usm_priv_t)x) : "none");
            for (char *c = user; *c; c++)
                *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
            FZ_CHECK(keys_for((const uint8_t *)user, strlen(user), EID, sizeof EID, &k) == 0);
            uint8_t flags = MW_FLAG_AUTH | MW_FLAG_REPORTABLE | (x ? MW_FLAG_PRIV : 0);
            for (int zero = 0; zero < 2; zero++) {
                /* only a few signed ones: a zero MAC is what the fuzzer
                 * can mutate */
                if (!zero && (a + x) % 3 != 0)
                    continue;
                n = fz_encode_v3(buf, sizeof buf, &k, flags, 77, EID, sizeof EID, 3, 12345, user,
                                 EID, sizeof EID, "", &p, zero, &out);
                snprintf(name, sizeof name, "%s%s", user, zero ? "-zeromac" : "");
                fz_write_seed(dir, name, out, n);
            }
            usm_keys_wipe(&k);
        }
    }
    /* noAuthNoPriv */
    n = fz_encode_v3(buf, sizeof buf, NULL, MW_FLAG_REPORTABLE, 78, EID, sizeof EID, 0, 0,
                     "u-md5-none", EID, sizeof EID, "ctx", &p, 0, &out);
    fz_write_seed(dir, "noauth", out, n);
}

/* --- the target ---------------------------------------------------------------- */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    usm_salt_set(1);
    const char *dir = fz_seed_dir();
    if (dir) {
        mkseeds(dir);
        exit(0);
    }
    return 0;
}

static mw_varbind_t vbs[8192], vbs2[8192];
static uint8_t signed_buf[65536], plain[65536], plain2[65536], enc[2 * 65536 + 4096],
    scoped1[65536], scoped2[65536];

static void
msg_init(mw_msg_t *m, mw_varbind_t *v)
{
    memset(m, 0, sizeof *m);
    m->pdu.vbs = v;
    m->pdu.cap = 8192;
}

/* The decoded message encoded again with the same keys decodes to the same
 * scopedPDU. */
static void
roundtrip(const usm_keys_t *keys, mw_msg_t *m)
{
    uint8_t *out, *s1, *s2;
    size_t n, n1, n2;
    mw_msg_t m2;
    int rc;

    rc = pdu_scoped_encode(m, scoped1, sizeof scoped1, &s1, &n1);
    if (rc < 0)
        return; /* e.g. an over-long context the decoder took */
    m->encrypted = NULL;
    m->encrypted_len = 0;
    rc = usm_msg_encode(keys, m, enc, sizeof enc, &out, &n);
    if (rc < 0) {
        FZ_CHECK(rc == MW_ETOOBIG || rc == MW_EINVAL);
        return;
    }
    msg_init(&m2, vbs2);
    FZ_CHECK(pdu_msg_decode(&m2, out, n) == 0);
    FZ_CHECK(usm_msg_decode(keys, &m2, out, n, plain2, sizeof plain2) == 0);
    FZ_CHECK(pdu_scoped_encode(&m2, scoped2, sizeof scoped2, &s2, &n2) == 0);
    FZ_CHECK(n1 == n2 && memcmp(s1, s2, n1) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mw_msg_t m;
    usm_keys_t other;

    msg_init(&m, vbs);
    if (pdu_msg_decode(&m, data, size) != 0 || m.version != MW_V3)
        return 0;
    /* a message of another security model decodes (its parameters are
     * its own); USM refuses it whatever the keys */
    if (m.sec_model != MW_SEC_MODEL_USM) {
        FZ_CHECK(usm_msg_decode(NULL, &m, data, size, plain, sizeof plain) == MW_ENOTSUPP);
        return 0;
    }
    cur_ok = keys_for(m.user, m.user_len, m.engine_id, m.engine_id_len, &cur_keys) == 0;
    if (fz_resign(cur_lookup, data, size, signed_buf, sizeof signed_buf)) {
        data = signed_buf;
        msg_init(&m, vbs);
        FZ_CHECK(pdu_msg_decode(&m, data, size) == 0);
    }
    mw_msg_t saved = m;

    /* no keys: only noAuthNoPriv gets through */
    int rc = usm_msg_decode(NULL, &m, data, size, plain, sizeof plain);
    if (m.msg_flags & (MW_FLAG_AUTH | MW_FLAG_PRIV))
        FZ_CHECK(rc == MW_EINVAL);

    /* keys of another protocol (the MAC length differs or it is wrong) */
    m = saved;
    if (cur_ok && usm_keys_get(cur_keys.auth == USM_AUTH_SHA512 ? USM_AUTH_MD5 : USM_AUTH_SHA512,
                               USM_PRIV_AES128, AUTH_PASS, strlen(AUTH_PASS), PRIV_PASS,
                               strlen(PRIV_PASS), EID, sizeof EID, &other) == 0) {
        rc = usm_msg_decode(&other, &m, data, size, plain, sizeof plain);
        if (m.msg_flags & MW_FLAG_AUTH)
            FZ_CHECK(rc < 0);
        usm_keys_wipe(&other);
    }

    /* the right keys */
    m = saved;
    if (cur_ok) {
        rc = usm_msg_decode(&cur_keys, &m, data, size, plain, sizeof plain);
        if (rc == 0)
            roundtrip(&cur_keys, &m);
        usm_keys_wipe(&cur_keys);
    }
    return 0;
}
