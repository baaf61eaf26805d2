/* v3.h - SNMPv3 for the manager (RFC 3412, RFC 3414): per-session USM
 * security state, the engine cache shared by sessions to one peer (engine
 * ID, boots, time), discovery, timeliness, and the engine hooks that
 * protect requests and check what comes back.
 *
 * How a request goes: the outgoing hook keeps the request's scopedPDU
 * (plaintext, wiped when the request ends) with the request. When the
 * peer's engine ID is not known yet it sends a discovery probe instead
 * (noAuthNoPriv, reportable, empty engine ID and user); the
 * usmStatsUnknownEngineIDs report teaches the engine ID, boots and time,
 * and the kept scopedPDU goes out protected. An authenticated
 * usmStatsNotInTimeWindows report resynchronises the clock and resends
 * once; a report of a new engine ID (the agent was reset) rediscovers and
 * resends once. Other reports complete the request (v3_report_text names
 * them as net-snmp does). Responses that fail authentication, decryption,
 * the time window or the security level are dropped and counted: the
 * request keeps waiting, and times out if nothing valid comes. */
#ifndef MW_APP_V3_H
#define MW_APP_V3_H

#include "../core/pdu.h"
#include "../net/engine.h"
#include "../usm/usm.h"

typedef struct v3_sec v3_sec_t;

/* Session settings. Pointers are copied by v3_sec_new. Key material comes
 * from passwords (auth_pass/priv_pass), master keys (-3m/-3M) or
 * localised keys (-3k/-3K), in that order of preference per key. */
typedef struct v3_config {
    const uint8_t *user;
    size_t user_len;
    uint8_t level;                  /* 0, MW_FLAG_AUTH or MW_FLAG_AUTH|MW_FLAG_PRIV */
    usm_auth_t auth;
    usm_priv_t priv;
    const uint8_t *auth_pass, *priv_pass;
    size_t auth_pass_len, priv_pass_len;
    const uint8_t *auth_master, *priv_master;
    size_t auth_master_len, priv_master_len;
    const uint8_t *auth_local, *priv_local;
    size_t auth_local_len, priv_local_len;
    const uint8_t *engine_id;       /* -e: the security engine ID; no discovery */
    size_t engine_id_len;
    const uint8_t *context_engine_id; /* -E; NULL: the security engine ID */
    size_t context_engine_id_len;
    const uint8_t *context;         /* -n */
    size_t context_len;
    const char *peer;               /* names the engine entry shared by sessions */
    size_t peer_len;
    struct snmpengine *local_engine; /* traps: the authoritative engine (its ID, boots
                                      * and time; a started one, retained); NULL: the
                                      * process's (snmpengine_local) */
    int has_boots_time;             /* -Z BOOTS,TIME, as net-snmp uses them: a trap
                                     * carries them (time counting on from here)
                                     * instead of the local engine's; after a
                                     * discovery they replace the agent's and are
                                     * held as authenticated; with engine_id given
                                     * (no discovery) requests do not use them */
    int32_t boots, time;
} v3_config_t;

/* Checks c and creates the state (one reference). Returns 0, MW_EINVAL
 * (inconsistent settings: a level without its key material, a password
 * under 8 characters, a key of the wrong length) or MW_ENOMEM. */
int v3_sec_new(const v3_config_t *c, v3_sec_t **out);
/* Drops a reference; the last one wipes the secrets and frees. Requests
 * in flight hold their own reference. */
void v3_sec_release(void *sec);
void v3_sec_retain(v3_sec_t *s);

/* The security engine ID in use (given or discovered), or NULL. */
const uint8_t *v3_sec_engine_id(const v3_sec_t *s, size_t *len);
/* The peer's boots and current time as this side estimates them; 0 when
 * they are known, -1 when not. */
int v3_sec_engine_time(const v3_sec_t *s, int32_t *boots, int32_t *time);
/* Forgets the peer's engine ID, boots and time (the next request
 * discovers again). Not for sessions given an engine ID. */
void v3_sec_forget(v3_sec_t *s);

/* The hooks to give engine_set_v3_hooks. */
extern const mw_v3_hooks_t v3_hooks;

/* Which counter a Report-PDU carries, and net-snmp's text for it
 * ("Unknown user name", "Authentication failure (incorrect password,
 * community or key)", ...; "Unknown Report message" for others). */
enum {
    V3_REPORT_OTHER = 0,
    V3_REPORT_UNSUPPORTED_SEC_LEVEL, V3_REPORT_NOT_IN_TIME_WINDOW, V3_REPORT_UNKNOWN_USER_NAME,
    V3_REPORT_UNKNOWN_ENGINE_ID, V3_REPORT_WRONG_DIGEST, V3_REPORT_DECRYPTION_ERROR,
    V3_REPORT_UNKNOWN_SEC_MODEL, V3_REPORT_INVALID_MSG, V3_REPORT_UNKNOWN_PDU_HANDLER,
    V3_REPORT_BAD_CONTEXT,
};
int v3_report_kind(const mw_pdu_t *pdu);
const char *v3_report_text(int kind);
/* The counter's name: "usmStatsUnknownUserNames", ...; "" for others. */
const char *v3_report_name(int kind);

/* Incoming messages the manager dropped, by RFC 3414 counter, and the work
 * done for timeliness. */
typedef struct v3_stats {
    uint64_t unsupported_sec_levels; /* usmStatsUnsupportedSecLevels */
    uint64_t not_in_time_windows;    /* usmStatsNotInTimeWindows */
    uint64_t unknown_user_names;     /* usmStatsUnknownUserNames */
    uint64_t unknown_engine_ids;     /* usmStatsUnknownEngineIDs */
    uint64_t wrong_digests;          /* usmStatsWrongDigests */
    uint64_t decryption_errors;      /* usmStatsDecryptionErrors */
    uint64_t invalid_msgs;           /* snmpInvalidMsgs */
    uint64_t unknown_sec_models;     /* snmpUnknownSecurityModels */
    uint64_t parse_errors;           /* snmpInASNParseErrs (after decryption) */
    uint64_t reports;                /* Report-PDUs received */
    uint64_t discoveries;            /* engine IDs learnt */
    uint64_t resyncs;                /* resends after notInTimeWindow */
} v3_stats_t;
void v3_stats_get(v3_stats_t *st);

#endif
