/* pdu.h - SNMP PDUs and messages (v1, v2c, v3 framing).
 *
 * Decoded messages point into the packet buffer: the caller keeps the
 * buffer alive while it uses the result. Varbinds go into an array the
 * caller supplies, so decoding allocates nothing. */
#ifndef MW_PDU_H
#define MW_PDU_H

#include "mw.h"
#include "oid.h"

/* A value. Integers are decoded; the rest points at content octets. For an
 * OID value, p/len are the BER content octets of the OID. */
typedef struct {
    uint8_t type;
    uint32_t len;
    union {
        int64_t i;  /* INTEGER */
        uint64_t u; /* Counter32, Gauge32, TimeTicks, Counter64 */
    } num;
    const uint8_t *p; /* OCTET STRING, OID, IpAddress, Opaque: not owned */
} mw_value_t;

typedef struct {
    const uint8_t *oid; /* BER content octets of the name: not owned */
    uint32_t oid_len;
    mw_value_t val;
} mw_varbind_t;

typedef struct {
    uint8_t type;          /* MW_PDU_* */
    int32_t request_id;
    int32_t error_status;  /* non-repeaters for GetBulk */
    int32_t error_index;   /* max-repetitions for GetBulk */
    /* v1 Trap-PDU only */
    const uint8_t *enterprise; /* BER content octets: not owned */
    uint32_t enterprise_len;
    uint8_t agent_addr[4];
    int32_t generic_trap;
    int32_t specific_trap;
    uint32_t timestamp;
    /* varbinds: array owned by the caller */
    mw_varbind_t *vbs;
    size_t nvb;
    size_t cap;
} mw_pdu_t;

/* msgFlags */
enum { MW_FLAG_AUTH = 1, MW_FLAG_PRIV = 2, MW_FLAG_REPORTABLE = 4 };
#define MW_SEC_MODEL_USM 3

typedef struct {
    int32_t version;            /* MW_V1, MW_V2C, MW_V3 */
    const uint8_t *community;   /* v1/v2c: not owned */
    uint32_t community_len;
    /* v3 msgGlobalData */
    int32_t msg_id;
    int32_t msg_max_size;
    uint8_t msg_flags;
    int32_t sec_model;
    /* msgSecurityParameters as they stand in the message: decode sets them
     * for every model; encode writes them for a model other than USM (for
     * USM it builds them from the fields below). A security model's
     * receive steps read its parameters from here (src/app/mp.c). */
    const uint8_t *sec_params;
    uint32_t sec_params_len;
    /* USM security parameters (RFC 3414 section 2.4), decoded when
     * sec_model is MW_SEC_MODEL_USM */
    const uint8_t *engine_id;
    uint32_t engine_id_len;
    int32_t engine_boots;
    int32_t engine_time;
    const uint8_t *user;
    uint32_t user_len;
    const uint8_t *auth_params;
    uint32_t auth_params_len;
    size_t auth_params_off;     /* decode: offset in the message; encode: output */
    const uint8_t *priv_params;
    uint32_t priv_params_len;
    /* scopedPDU: encrypted (msg_flags & PRIV) or plain */
    const uint8_t *encrypted;
    uint32_t encrypted_len;
    const uint8_t *context_engine_id;
    uint32_t context_engine_id_len;
    const uint8_t *context_name;
    uint32_t context_name_len;
    mw_pdu_t pdu;
} mw_msg_t;

/* Varbind values of INTEGER and the 32-bit unsigned types must fit 32
 * bits, except in requests (Get, GetNext, GetBulk, Set): there values of up
 * to 64 bits are kept (num.i / num.u), as snmpd keeps them, so that a
 * command responder answers (a SET gets wrongLength) instead of dropping
 * the message. Header fields (request-id, ...) always stay 32-bit. */
/* Decodes a whole message. For v3 with privacy, stops after the security
 * parameters and sets encrypted/encrypted_len: decrypt, then call
 * pdu_scoped_decode on the plaintext. The pdu's vbs/cap must be set. A v3
 * message of any msgSecurityModel decodes (sec_params holds its security
 * parameters); the USM fields are read for USM only, so whoever acts on
 * them checks sec_model first. */
int pdu_msg_decode(mw_msg_t *m, const uint8_t *buf, size_t len);
int pdu_scoped_decode(mw_msg_t *m, const uint8_t *buf, size_t len);
/* Decodes one PDU (tag included) from buf. */
int pdu_decode(mw_pdu_t *pdu, const uint8_t *buf, size_t len);

/* Encodes backwards into buf[0..cap); out and outlen receive the message,
 * which ends at buf+cap. For v3, when msg_flags has AUTH, writes
 * auth_params_len zero octets as msgAuthenticationParameters and stores
 * their offset (from *out) in m->auth_params_off. When encrypted is set,
 * it is written as the encrypted scopedPDU. */
int pdu_msg_encode(mw_msg_t *m, uint8_t *buf, size_t cap, uint8_t **out, size_t *outlen);
/* Encodes just the scopedPDU (for encryption). */
int pdu_scoped_encode(const mw_msg_t *m, uint8_t *buf, size_t cap, uint8_t **out, size_t *outlen);

/* Peeks version of a message without decoding it; <0 on malformed. */
int pdu_msg_peek_version(const uint8_t *buf, size_t len, int32_t *version);

#endif
