/* fuzz_receiver.c - libFuzzer target for the notification receiver's whole
 * path: receiver_process (src/app/mp.c: version, security model, USM user,
 * digest, timeliness for informs and for traps, decryption, Reports; then
 * src/app/receiver.c: community, PDU type, the v2 form, the queue, the
 * answers to informs), then receiver_pop and receiver_decode on what was
 * queued, as moonwalk.trapd takes it.
 *
 * The receiver is made once, with a fixed configuration: community
 * "public"; v3 users at every level with fixed passwords (noauth; md5 and
 * sha512 authNoPriv; sha/AES, sha256/AES-256, md5des/DES, sha224/AES-192
 * authPriv); engine ID 8000000005aabbccdd, boots 3; a queue of 64 and a
 * per-engine time cache of 4 engines (so eviction runs). Its state (the
 * cache, the counters) carries over from one input to the next.
 *
 * Each input is one datagram (the corpus is shared with fuzz_msg), run
 *   1. as it is;
 *   2. for a v3 message with authentication that names a user with keys:
 *      signed again with that user's keys localised for the message's
 *      engine ID (for authPriv, the encrypted octets are taken as the
 *      plaintext scopedPDU and encrypted), so that mutations get past the
 *      digest and reach timeliness, decryption and the PDU checks;
 *   3. as 2, with the receiver's boots and time when the message names the
 *      receiver's engine (informs), so that it is in the time window.
 * Checks: every datagram lands in exactly one counter; every reply decodes
 * as a message; every queued notification decodes again with
 * receiver_decode, with as many varbinds, sysUpTime.0 and snmpTrapOID.0
 * first (v1 traps converted). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "../../src/app/receiver.h"
#include "../../src/usm/usm_msg.h"

#define NVB 256
#define BUF_CAP (2 * 65536 + 64)

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "fuzz_receiver: check failed at line %d: %s\n",   \
                    __LINE__, #cond);                                       \
            abort();                                                        \
        }                                                                   \
    } while (0)

static const uint8_t EID[] = { 0x80, 0, 0, 0, 5, 0xaa, 0xbb, 0xcc, 0xdd };
static const uint8_t OID_SYSUPTIME0[] = { 0x2b, 6, 1, 2, 1, 1, 3, 0 };
static const uint8_t OID_TRAPOID0[] = { 0x2b, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

static const struct {
    const char *name, *auth, *apass, *priv, *ppass;
} USERS[] = {
    { "noauth", "NONE", "", "NONE", "" },
    { "md5", "MD5", "authpass123", "NONE", "" },
    { "sha512", "SHA-512", "authpass123", "NONE", "" },
    { "sha", "SHA", "authpass123", "AES", "privpass123" },
    { "sha256", "SHA-256", "authpass123", "AES-256", "privpass123" },
    { "md5des", "MD5", "authpass123", "DES", "privpass123" },
    { "sha224", "SHA-224", "authpass123", "AES-192", "privpass123" },
};
#define NUSERS (sizeof USERS / sizeof *USERS)

static receiver_t *rx;
static struct sockaddr_in from;
static mw_varbind_t vbs[NVB], vbs2[NVB], dvbs[RECEIVER_MAX_VB + 5];
static uint8_t buf[BUF_CAP], conv[1024];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    receiver_config_t cfg = { .queue_max = 64, .queue_bytes = 1 << 20, .engines_max = 4 };
    (void)argc;
    (void)argv;
    rx = receiver_new(NULL, &cfg);
    CHECK(rx != NULL);
    CHECK(receiver_add_community(rx, (const uint8_t *)"public", 6) == 0);
    for (size_t i = 0; i < NUSERS; i++) {
        CHECK(receiver_add_user(rx, USERS[i].name, strlen(USERS[i].name), usm_auth_parse(USERS[i].auth),
                              USERS[i].apass, strlen(USERS[i].apass), usm_priv_parse(USERS[i].priv),
                              USERS[i].ppass, strlen(USERS[i].ppass)) == 0);
    }
    CHECK(receiver_set_engine(rx, EID, sizeof EID, 3) == 0);
    from.sin_family = AF_INET;
    from.sin_port = htons(40000);
    from.sin_addr.s_addr = htonl(0x7f000001);
    return 0;
}

static uint64_t
counted(const receiver_stats_t *st)
{
    return st->received + st->dropped_queue + st->mp.snmpInASNParseErrs + st->mp.snmpInvalidMsgs
        + st->mp.snmpInBadVersions + st->wrong_pdu + st->malformed + st->auth_failures
        + st->mp.usmStatsUnknownEngineIDs;
}

static void
run(const uint8_t *data, size_t size)
{
    const uint8_t *reply;
    size_t reply_len;
    receiver_stats_t st;
    receiver_note_t nt;
    mw_msg_t m;

    receiver_process(rx, 0, data, size, (const struct sockaddr *)&from, sizeof from, &reply, &reply_len);
    receiver_stats(rx, &st);
    CHECK(st.mp.snmpInPkts == counted(&st));
    CHECK(st.auth_failures == st.mp.snmpInBadCommunityNames + st.mp.usmStatsUnknownUserNames
          + st.mp.usmStatsUnsupportedSecLevels + st.mp.usmStatsWrongDigests
          + st.mp.usmStatsDecryptionErrors + st.mp.snmpUnknownSecurityModels
          + st.mp.usmStatsNotInTimeWindows);
    CHECK(st.engines <= 4);
    if (reply) {
        memset(&m, 0, sizeof m);
        m.pdu.vbs = vbs2;
        m.pdu.cap = NVB;
        CHECK(pdu_msg_decode(&m, reply, reply_len) == 0);
        CHECK(m.pdu.type == MW_PDU_RESPONSE || m.pdu.type == MW_PDU_REPORT || m.encrypted);
    }
    while (receiver_pop(rx, &nt)) {
        mw_pdu_t pdu;
        CHECK(nt.pdu.nvb >= 2);
        CHECK(nt.pdu.vbs[0].oid_len == sizeof OID_SYSUPTIME0
              && memcmp(nt.pdu.vbs[0].oid, OID_SYSUPTIME0, sizeof OID_SYSUPTIME0) == 0);
        CHECK(nt.pdu.vbs[1].oid_len == sizeof OID_TRAPOID0
              && memcmp(nt.pdu.vbs[1].oid, OID_TRAPOID0, sizeof OID_TRAPOID0) == 0);
        CHECK(nt.pdu.vbs[1].val.type == MW_T_OID);
        memset(&pdu, 0, sizeof pdu);
        pdu.vbs = dvbs;
        pdu.cap = RECEIVER_MAX_VB + 5;
        CHECK(receiver_decode(nt.raw, nt.raw_len, &pdu, conv, sizeof conv) == 0);
        CHECK(pdu.nvb == nt.pdu.nvb);
    }
}

/* Variants 2 and 3: the message signed (and encrypted) again with its
 * user's keys. Returns 0 when it does not apply. */
static int
resign(const uint8_t *data, size_t size, int own_time, uint8_t **out, size_t *outlen)
{
    mw_msg_t m;
    usm_keys_t keys;
    size_t u;
    int rc;

    memset(&m, 0, sizeof m);
    m.pdu.vbs = vbs;
    m.pdu.cap = NVB;
    if (pdu_msg_decode(&m, data, size) < 0 || m.version != MW_V3 || !(m.msg_flags & MW_FLAG_AUTH))
        return 0;
    if (m.engine_id_len < 5 || m.engine_id_len > USM_MAX_ENGINE_ID)
        return 0;
    for (u = 0; u < NUSERS; u++)
        if (strlen(USERS[u].name) == m.user_len && memcmp(USERS[u].name, m.user, m.user_len) == 0)
            break;
    if (u == NUSERS || usm_auth_parse(USERS[u].auth) == USM_AUTH_NONE)
        return 0;
    if (own_time) {
        if (m.engine_id_len != sizeof EID || memcmp(m.engine_id, EID, sizeof EID) != 0)
            return 0;
        m.engine_boots = receiver_engine_boots(rx);
        m.engine_time = receiver_engine_time(rx);
    }
    if (m.encrypted) { /* the encrypted octets, taken as the plaintext */
        mw_msg_t s;
        memset(&s, 0, sizeof s);
        s.pdu.vbs = vbs;
        s.pdu.cap = NVB;
        if (pdu_scoped_decode(&s, m.encrypted, m.encrypted_len) < 0)
            return 0;
        m.context_engine_id = s.context_engine_id;
        m.context_engine_id_len = s.context_engine_id_len;
        m.context_name = s.context_name;
        m.context_name_len = s.context_name_len;
        m.pdu = s.pdu;
        m.encrypted = NULL;
        m.encrypted_len = 0;
    }
    if (usm_keys_get(usm_auth_parse(USERS[u].auth), usm_priv_parse(USERS[u].priv), USERS[u].apass,
                     strlen(USERS[u].apass), USERS[u].ppass, strlen(USERS[u].ppass), m.engine_id,
                     m.engine_id_len, &keys) < 0)
        return 0;
    rc = usm_msg_encode(&keys, &m, buf, sizeof buf, out, outlen);
    usm_keys_wipe(&keys);
    return rc == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out;
    size_t outlen;
    run(data, size);
    if (resign(data, size, 0, &out, &outlen))
        run(out, outlen);
    if (resign(data, size, 1, &out, &outlen))
        run(out, outlen);
    return 0;
}
