/* mp.h - message processing for the local engine's incoming messages,
 * shared by the agent (command responder) and the receiver (notification
 * receiver): RFC 3412 7.2 (decode, version, msgSecurityModel dispatch,
 * snmpInvalidMsgs), the security models' receive steps (USM: RFC 3414
 * 3.2), Report building (RFC 3412 7.1.3) and the RFC-named counters.
 *
 * What is left to the agent and the receiver is theirs: v1/v2c
 * communities (the messages come back decoded, MP_COMMUNITY), PDU types,
 * contexts, access control, what is answered and queued.
 *
 * Security models are rows of one table in mp.c (USM today); a second
 * model is one more row, with its receive function, and the decoder of
 * its msgSecurityParameters in src/core/pdu.c.
 *
 * USM users are configured once per mp, without engine IDs, and looked up
 * the same way for both: their keys are localised to the local engine
 * when it is set (mp_use_engine), and to another engine per message when
 * that engine is authoritative (a trap's sender; usm_keys_* caches them).
 *
 * An mp made with engines_max > 0 accepts messages whose authoritative
 * engine is another one (the receiver: traps): it keeps that many
 * engines' boots and time (RFC 3414 2.3, the non-authoritative LCD),
 * learnt from authenticated messages only, and refuses a message whose
 * boots are older or whose time is more than 150 s behind (3.2.7 b). With
 * engines_max 0 (the agent) the local engine must be the authoritative
 * one of every message.
 *
 * Single-threaded; nothing allocates per message. */
#ifndef MW_MP_H
#define MW_MP_H

#include "../core/pdu.h"
#include "../usm/usm.h"

struct snmpengine;
typedef struct mp mp_t;

/* The counters, by their MIB names: snmp group (RFC 3418), snmpMPDStats
 * (RFC 3412), usmStats (RFC 3414). MP_STATS(X) lists them once for the
 * struct and for everything that shows them (mwl_push_mp_stats). The
 * owners count snmpInBadCommunityNames (communities are theirs) and
 * snmpUnknownPDUHandlers for PDUs they have no handler for. */
#define MP_STATS(X)                                                                             \
    X(snmpInPkts) X(snmpInBadVersions) X(snmpInBadCommunityNames) X(snmpInASNParseErrs)         \
    X(snmpUnknownSecurityModels) X(snmpInvalidMsgs) X(snmpUnknownPDUHandlers)                   \
    X(usmStatsUnsupportedSecLevels) X(usmStatsNotInTimeWindows) X(usmStatsUnknownUserNames)     \
    X(usmStatsUnknownEngineIDs) X(usmStatsWrongDigests) X(usmStatsDecryptionErrors)

typedef struct mp_stats {
#define MP_STATS_FIELD(name) uint64_t name;
    MP_STATS(MP_STATS_FIELD)
#undef MP_STATS_FIELD
} mp_stats_t;

/* Security levels, ordered. */
enum { MP_NOAUTH = 1, MP_AUTHNOPRIV = 2, MP_AUTHPRIV = 3 };

/* What mp_receive made of a datagram: MP_OK and MP_COMMUNITY go on to the
 * owner; every other result was counted under its RFC name (and answered
 * with a Report when one is due) and the message is dropped. */
typedef enum {
    MP_OK = 0,          /* v3: authentic as its level says, scopedPDU decoded */
    MP_COMMUNITY,       /* v1/v2c: decoded; the community is the owner's to check */
    MP_FAIL_PARSE,      /* snmpInASNParseErrs */
    MP_FAIL_VERSION,    /* snmpInBadVersions */
    MP_FAIL_SECMODEL,   /* snmpUnknownSecurityModels */
    MP_FAIL_INVALID,    /* snmpInvalidMsgs */
    MP_FAIL_ENGINEID,   /* usmStatsUnknownEngineIDs (discovery among them) */
    MP_FAIL_USER,       /* usmStatsUnknownUserNames */
    MP_FAIL_LEVEL,      /* usmStatsUnsupportedSecLevels */
    MP_FAIL_DIGEST,     /* usmStatsWrongDigests */
    MP_FAIL_TIME,       /* usmStatsNotInTimeWindows */
    MP_FAIL_DECRYPT,    /* usmStatsDecryptionErrors */
} mp_result_t;

/* One incoming message as mp_receive leaves it. */
typedef struct mp_in {
    int user;                  /* v3: index of the user (mp_user_add's result), else -1 */
    int level;                 /* v3: MP_NOAUTH ... as the message was sent */
    int own;                   /* v3: the local engine is its authoritative engine */
    const usm_keys_t *keys;    /* v3 AUTH: the keys that checked it (answers use them) */
    usm_keys_t other;          /* keys localised to another engine (keys points here
                                * when used): wiped by mp_in_clear */
    const uint8_t *report;     /* a Report to send back (in mp's buffer), or NULL */
    size_t report_len;
    int report_failed;         /* a Report was due but did not encode (or was too big) */
} mp_in_t;

typedef struct mp_config {
    size_t max_msg;            /* msgMaxSize of what mp sends, and its largest Report */
    size_t engines_max;        /* other engines' boots and time kept; 0: none accepted */
} mp_config_t;

mp_t *mp_new(const mp_config_t *cfg);
void mp_free(mp_t *mp);
/* The local engine (started; mp takes a reference and localises the
 * users' keys to its ID). 0 or MW_EINVAL. */
int mp_use_engine(mp_t *mp, struct snmpengine *e);
void mp_max_msg(mp_t *mp, size_t n);

/* A USM user. Passwords become master keys here (only those are kept,
 * wiped by mp_free); the priv password is hashed with the auth protocol.
 * min_level: a message below it is usmStatsUnsupportedSecLevels (the
 * receiver, which has no access control, refuses unauthenticated
 * messages from users with keys); the user's keys also cap the levels
 * it has. Returns the user's index (>= 0) or MW_E*. */
int mp_user_add(mp_t *mp, const char *name, size_t name_len, usm_auth_t auth,
                const char *auth_pass, size_t auth_pass_len, usm_priv_t priv,
                const char *priv_pass, size_t priv_pass_len, int min_level);
/* Index of the user called name, or -1. */
int mp_user_find(const mp_t *mp, const uint8_t *name, size_t len);

/* Decodes and checks one datagram: m->pdu.vbs/cap must be set (names and
 * values then point into in, or into plain for an encrypted scopedPDU;
 * plain takes cap bytes). Counts it in snmpInPkts. The message is whole
 * or it is a parse error. r is filled (mp_in_clear it when done). */
mp_result_t mp_receive(mp_t *mp, const uint8_t *in, size_t len, mw_msg_t *m, uint8_t *plain,
                       size_t cap, mp_in_t *r);
/* Wipes the keys r may hold. */
void mp_in_clear(mp_in_t *r);

/* A Report (RFC 3412 7.1.3) to the v3 message m carrying group.arc.0 =
 * value (a Counter32), from the local engine: its engine ID, boots and
 * time, msgMaxSize, m's msgID and user; the request-id of m's PDU when
 * decoded is set, else the msgID; the contextName of m when decoded. keys
 * sign it at authNoPriv (notInTimeWindow), NULL sends it unauthenticated.
 * Returns 1 with the message in *out (mp's buffer, until the next call),
 * 0 when m is not reportable, MW_E* when it does not encode or is larger
 * than msgMaxSize. */
int mp_report(mp_t *mp, const mw_msg_t *m, int decoded, const uint32_t *group, size_t n,
              uint32_t arc, uint64_t value, const usm_keys_t *keys, const uint8_t **out,
              size_t *outlen);

/* The counters (the owners bump the two that are theirs through it). */
mp_stats_t *mp_stats(mp_t *mp);
/* Other engines whose boots and time are kept, and those forgotten to
 * make room (least recently seen first). */
void mp_engines(const mp_t *mp, uint64_t *count, uint64_t *evicted);

/* usmStats (1.3.6.1.6.3.15.1.1) and its counters' arcs, for Reports. */
extern const uint32_t MP_USMSTATS[9];
enum {
    MP_USM_UNSUPPORTED_SEC_LEVELS = 1, MP_USM_NOT_IN_TIME_WINDOWS, MP_USM_UNKNOWN_USER_NAMES,
    MP_USM_UNKNOWN_ENGINE_IDS, MP_USM_WRONG_DIGESTS, MP_USM_DECRYPTION_ERRORS,
};

#endif
