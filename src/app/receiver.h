/* receiver.h - the notification receiver: traps and informs in, decoded,
 * checked and queued for the scripting layer.
 *
 * The socket callback only receives: it decodes each datagram, checks the
 * community or the USM user, answers an inform (and v3 discovery), and
 * copies the notification into a bounded queue. What does not fit is
 * dropped and counted; nothing in the receive path allocates. The layer
 * above drains the queue with receiver_pop when the receiver tells it
 * (through the ready callback, run from the loop, never from inside the
 * receive path) that entries are waiting.
 *
 * v1 Trap-PDUs come out of receiver_pop in the SNMPv2 form of RFC 3584
 * section 3.1 (sysUpTime.0, snmpTrapOID.0, the v1 varbinds, then
 * snmpTrapAddress.0, snmpTrapCommunity.0 and snmpTrapEnterprise.0 when
 * absent), with the v1 fields kept in the PDU.
 *
 * Message processing (decoding, the USM receive steps, Reports and the
 * RFC-named counters) is src/app/mp.c's, shared with the agent; the
 * receiver keeps what is its own: communities, which PDUs are
 * notifications, their shape, the queue, and the answer to an inform.
 *
 * SNMPv3: users are configured once, without engine IDs. A trap's sender
 * is authoritative, so its keys are localised for each sender engine ID
 * as it is seen (usm_keys_* caches them). For informs the receiver is
 * authoritative: it answers discovery with its own engine ID, boots and
 * time, and checks timeliness against them. For traps signed by another
 * engine the receiver is not authoritative: mp keeps each sending
 * engine's boots and latest time, learnt from authenticated traps only,
 * and drops a trap whose boots are older or whose time is more than 150 s
 * behind (RFC 3414 3.2.7 b), so a captured trap cannot be replayed. That
 * cache holds engines_max engines and forgets the least recently seen
 * first. */
#ifndef MW_NOTIFY_H
#define MW_NOTIFY_H

#include <sys/socket.h>
#include <netinet/in.h>

#include "../core/pdu.h"
#include "../usm/usm.h"
#include "mp.h"

struct event_base;
typedef struct receiver receiver_t;

#define RECEIVER_MAX_LISTEN 16
#define RECEIVER_MAX_VB 1024      /* varbinds per notification; more is a parse error */
#define RECEIVER_MAX_COMMUNITY 64

enum { RECEIVER_NOAUTH = 1, RECEIVER_AUTHNOPRIV = 2, RECEIVER_AUTHPRIV = 3 };

typedef union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
} receiver_addr_t;

/* Every datagram read (mp.snmpInPkts) is counted once in exactly one of:
 * received, dropped_queue, mp.snmpInASNParseErrs, mp.snmpInvalidMsgs,
 * mp.snmpInBadVersions, wrong_pdu, malformed, auth_failures,
 * mp.usmStatsUnknownEngineIDs. */
typedef struct {
    mp_stats_t mp;               /* message processing's counters, by their MIB
                                  * names (see mp.h); usmStatsNotInTimeWindows
                                  * counts informs to this engine, and traps
                                  * replayed or out of date for their sender's
                                  * engine; usmStatsUnknownEngineIDs discovery,
                                  * an inform for another engine, or an engine ID
                                  * no engine can have (not a failure) */
    uint64_t received;           /* notifications accepted into the queue */
    uint64_t handled;            /* taken from the queue by receiver_pop */
    uint64_t dropped;            /* dropped_queue + dropped_socket */
    uint64_t dropped_queue;      /* the queue was full */
    uint64_t dropped_socket;     /* the kernel's receive buffer was full */
    uint64_t wrong_pdu;          /* not a notification (GET, Response, ...) */
    uint64_t malformed;          /* a v2 trap or inform whose first two varbinds are
                                  * not sysUpTime.0 and snmpTrapOID.0 (RFC 3416 4.2.6) */
    uint64_t auth_failures;      /* the sum of snmpInBadCommunityNames,
                                  * usmStatsUnknownUserNames, usmStatsUnsupportedSecLevels,
                                  * usmStatsWrongDigests, usmStatsDecryptionErrors,
                                  * snmpUnknownSecurityModels, usmStatsNotInTimeWindows */
    uint64_t informs_answered;   /* Responses sent */
    uint64_t reports_sent;       /* v3 Reports sent (discovery, time window, errors) */
    uint64_t send_errors;        /* Responses/Reports the socket refused */
    uint64_t queue_len;          /* entries waiting now */
    uint64_t queue_bytes;        /* bytes they use */
    uint64_t queue_peak;         /* most entries ever waiting */
    uint64_t engines;            /* sending engines whose boots and time are kept */
    uint64_t engines_evicted;    /* forgotten to make room (least recently seen) */
} receiver_stats_t;

typedef struct {
    size_t queue_max;   /* entries the queue holds (0: 10000) */
    size_t queue_bytes; /* bytes of message data it holds (0: 8 MB) */
    size_t engines_max; /* sending engines whose boots and time are kept
                         * (0: RECEIVER_ENGINES_DEFAULT); about 80 bytes each */
} receiver_config_t;

#define RECEIVER_ENGINES_DEFAULT 10000

/* A notification as receiver_pop hands it out. Pointers point into the
 * receiver's buffers and stay valid until the next receiver_pop. */
typedef struct {
    receiver_addr_t from;
    socklen_t fromlen;
    int listener;              /* index of the socket it arrived on */
    int32_t version;           /* MW_V1, MW_V2C, MW_V3 */
    uint8_t pdu_type;          /* as received: MW_PDU_TRAPV1, _TRAPV2, _INFORM */
    int64_t time_ms;           /* wall clock at arrival, ms since the epoch */
    const uint8_t *community;  /* v1/v2c */
    uint32_t community_len;
    /* v3 */
    int sec_level;             /* RECEIVER_NOAUTH ... */
    const uint8_t *user;
    uint32_t user_len;
    const uint8_t *engine_id;  /* msgAuthoritativeEngineID */
    uint32_t engine_id_len;
    const uint8_t *context_engine_id;
    uint32_t context_engine_id_len;
    const uint8_t *context_name;
    uint32_t context_name_len;
    int32_t msg_id;
    /* The v2 form (for v1, converted, with the v1 fields set too). */
    mw_pdu_t pdu;
    /* The bytes it was decoded from: the whole message, or for v3 with
     * privacy the decrypted scopedPDU (receiver_decode takes either). */
    const uint8_t *raw;
    uint32_t raw_len;
    /* An inform's Response, when informs are deferred (receiver_answer). */
    const uint8_t *reply;
    uint32_t reply_len;
} receiver_note_t;

/* Called from the loop (a zero timer) when entries wait in the queue. */
typedef void (*receiver_ready_cb)(receiver_t *n, void *arg);

/* base may be NULL for a receiver that only processes bytes it is given
 * (receiver_process): it cannot listen and has no ready callback. */
receiver_t *receiver_new(struct event_base *base, const receiver_config_t *cfg);
void receiver_free(receiver_t *n);
void receiver_set_ready(receiver_t *n, receiver_ready_cb cb, void *arg);
/* Arms the ready callback again if entries wait (after the layer above
 * paused draining). */
void receiver_kick(receiver_t *n);

/* Opens a socket on addr. Returns its index (>= 0), MW_ETOOMANY, or
 * MW_EINVAL with *sys_err set to the errno of the socket's failure. */
int receiver_listen(receiver_t *n, const struct sockaddr *addr, socklen_t len, int *sys_err);
/* Local address of listener i (port 0 resolved by the OS). */
int receiver_local_addr(const receiver_t *n, int i, struct sockaddr_storage *ss, socklen_t *len);
int receiver_nlisteners(const receiver_t *n);

/* Allowed v1/v2c communities. With none, v1/v2c are refused. */
int receiver_add_community(receiver_t *n, const uint8_t *c, size_t len);

/* A USM user, for every engine ID. The passwords are turned into master
 * keys here; only those are kept (wiped by receiver_free). auth NONE means a
 * noAuthNoPriv user. */
int receiver_add_user(receiver_t *n, const char *name, size_t name_len, usm_auth_t auth,
                    const char *auth_pass, size_t auth_pass_len, usm_priv_t priv,
                    const char *priv_pass, size_t priv_pass_len);

/* The receiver's own engine (authoritative for informs; see
 * snmpengine.h). receiver_new starts one with a new engine ID and boots 1;
 * receiver_set_engine replaces it with one of the given engine ID and boots
 * (time from 0), receiver_use_engine with a started engine (the receiver
 * takes a reference: one whose state file keeps boots across restarts).
 * receiver_engine returns it (the receiver keeps its reference). */
struct snmpengine;
int receiver_set_engine(receiver_t *n, const uint8_t *eid, size_t len, int32_t boots);
int receiver_use_engine(receiver_t *n, struct snmpengine *e);
struct snmpengine *receiver_engine(receiver_t *n);
size_t receiver_engine_id(const receiver_t *n, uint8_t *out, size_t cap);
int32_t receiver_engine_boots(const receiver_t *n);
int32_t receiver_engine_time(const receiver_t *n);

/* The receive path without a socket: processes one datagram as if it had
 * arrived on listener from the address from. A notification that passes
 * is queued (receiver_pop takes it); the answer it calls for (an inform's
 * Response, a Report) is left in *reply and *reply_len (NULL and 0 when
 * there is none), pointing into the receiver's buffer until the next
 * call. Counts as a datagram read. Returns 1 when a notification was
 * queued, else 0. */
int receiver_process(receiver_t *n, int listener, const uint8_t *buf, size_t len,
                   const struct sockaddr *from, socklen_t fromlen, const uint8_t **reply,
                   size_t *reply_len);

/* Takes the oldest notification. 1 with *out filled, 0 when empty. */
int receiver_pop(receiver_t *n, receiver_note_t *out);

/* With on, an inform is not answered when it arrives: its Response rides
 * with the notification (reply, reply_len) and the layer above sends it
 * with receiver_answer once it has kept the inform (stored it elsewhere);
 * informs_answered counts what receiver_answer sent. */
void receiver_defer_informs(receiver_t *n, int on);

/* The content identity of a notification, SHA-256 into out: its sender
 * (v3: the sending engine ID; v1, v2c: the sender's address, as the
 * caller gives it) and its PDU (v2c, v3: request-id and varbinds; v1: the
 * whole Trap-PDU). The same notification received twice, by one receiver
 * or two, has the same identity. 0 or MW_ENOMEM. */
int receiver_content_id(const uint8_t *sender, size_t sender_len, const mw_pdu_t *pdu, uint8_t out[32]);
int receiver_answer(receiver_t *n, int listener, const struct sockaddr *to, socklen_t tolen,
                  const uint8_t *reply, size_t len);
size_t receiver_pending(const receiver_t *n);

void receiver_stats(const receiver_t *n, receiver_stats_t *st);

/* Decodes what receiver_note_t.raw holds into pdu (vbs/cap set by the
 * caller, cap >= RECEIVER_MAX_VB + 5), in the v2 form as receiver_pop gives
 * it; scratch (cap >= 700) takes the v1 conversion's data. Names and
 * values point into raw and scratch. */
int receiver_decode(const uint8_t *raw, size_t len, mw_pdu_t *pdu, uint8_t *scratch, size_t cap);

/* Rewrites a decoded v1 Trap-PDU in place into its SNMPv2 varbinds (RFC
 * 3584 3.1). pdu->vbs must have room for nvb + 5 entries; OIDs and values
 * for the added varbinds are written into scratch (cap >= 700 bytes) and
 * point there. The v1 fields stay as they were. */
int receiver_v1_to_v2(mw_pdu_t *pdu, const uint8_t *community, uint32_t community_len,
                    uint8_t *scratch, size_t cap);

#endif
