/* agent.h - the command responder: object registry, GET/GETNEXT/GETBULK,
 * SET transactions, access control, built-in SNMPv2-MIB / SNMP-FRAMEWORK /
 * USM statistics objects, and the v3 authoritative engine state.
 *
 * Data sources are backends, as in OpenBSD snmpd: a region of the OID tree
 * (one scalar, or a whole subtree) is served by a table of function
 * pointers. Built-in objects are one backend; Lua-defined objects (in
 * src/lua/l_agent.c) are others. The core never includes Lua.
 *
 * Message processing (decoding, the USM receive steps, Reports and the
 * RFC-named counters) is src/app/mp.c's, shared with the notification
 * receiver; the agent keeps communities, contexts, PDU dispatch and
 * access control.
 *
 * Single-threaded: everything runs on the event loop. Decoded requests
 * point into the receive buffer; response names and values live in a
 * per-request arena, so answering allocates nothing. */
#ifndef MW_AGENT_H
#define MW_AGENT_H

#include <sys/socket.h>

#include "../core/oid.h"
#include "../core/pdu.h"

struct event_base;
typedef struct agent agent_t;
typedef struct agent_region agent_region_t;
typedef struct agent_req agent_req_t;

/* Backend results besides 0 (found) and -status (an SNMP error-status,
 * e.g. -MW_ERR_GENERR). */
enum { AGENT_NOSUCH = 1, AGENT_END = 2 };

/* One varbind of a SET as the transaction sees it. */
typedef struct agent_setvb {
    oid_t name;
    const mw_value_t *val;    /* as sent: points into the request */
    agent_region_t *region;
    int committed;
    void *undo;               /* backend-owned undo state (freed in finish) */
    intptr_t undo_tag;
} agent_setvb_t;

/* Does a SET value need more bits than its type has (an INTEGER beyond
 * Integer32, a 32-bit unsigned type beyond 32 bits)? Requests may carry
 * such values (see pdu.h); a SET answers them wrongLength, as snmpd does,
 * after the checks for notWritable and wrongType. */
int agent_value_too_long(const mw_value_t *v);

typedef struct agent_backend {
    /* The exact instance name (for a scalar region always root.0). Fills v
     * (strings in agent_req_alloc memory or memory that outlives the
     * request). Returns 0, AGENT_NOSUCH or -status. */
    int (*get)(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v);
    /* First instance strictly after `after` inside the region (after may
     * be the root). Writes its name into out. 0, AGENT_END or -status.
     * NULL for scalar regions. */
    int (*next)(agent_req_t *rq, agent_region_t *r, const oid_t *after, oid_t *out, mw_value_t *v);
    /* SET, in three steps: every varbind is checked, then each is
     * committed, and if a commit fails the committed ones are undone in
     * reverse order. Each returns 0 or an error-status (positive). check
     * NULL means read-only (notWritable). */
    int (*check)(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s);
    int (*commit)(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s);
    int (*undo)(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s);
    /* Called once per checked varbind at the end; ok is 1 when the whole
     * SET succeeded. Frees undo state. May be NULL. */
    void (*finish)(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s, int ok);
    /* Region removed or agent freed. May be NULL. */
    void (*release)(agent_region_t *r);
    /* Built-in host objects: a region of a backend without weak that
     * overlaps them replaces them (they are unregistered) instead of being
     * refused. */
    int weak;
    /* SET, between check and commit: called for each varbind once every
     * varbind passed check, for checks that look across varbinds (a
     * column of a row that a RowStatus varbind of the same SET creates).
     * 0 or an error-status. May be NULL. */
    int (*prepare)(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s);
} agent_backend_t;

struct agent_region {
    oid_t root;
    int scalar;                 /* the only instance is root.0 */
    const agent_backend_t *be;
    void *ctx;                  /* backend's: released through be->release */
    intptr_t id;                /* backend's */
};

/* The agent's own counters of the snmp group (RFC 3418, RFC 1213) and
 * snmpUnknownContexts; those of message processing (snmpInPkts,
 * snmpInASNParseErrs, snmpMPDStats, usmStats ...) are in agent_mp_stats. */
typedef struct agent_stats {
    uint32_t out_pkts, in_bad_community_uses, in_too_bigs, in_no_such_names,
        in_bad_values, in_read_onlys, in_gen_errs, in_total_req_vars, in_total_set_vars,
        in_get_requests, in_get_nexts, in_set_requests, in_get_responses, in_traps,
        out_too_bigs, out_no_such_names, out_bad_values, out_gen_errs, out_get_requests,
        out_get_nexts, out_set_requests, out_get_responses, out_traps, silent_drops,
        proxy_drops;
    uint32_t unknown_contexts;  /* snmpUnknownContexts */
    uint32_t in_get_bulks; /* not in any MIB: for the benchmark and tests */
} agent_stats_t;

enum { AGENT_LEVEL_NOAUTH = 1, AGENT_LEVEL_AUTH = 2, AGENT_LEVEL_PRIV = 3 };

/* Called when a request fails authentication (bad community or USM
 * failure), for authenticationFailure notifications. */
typedef void (*agent_authfail_cb)(agent_t *a, void *arg);

agent_t *agent_new(struct event_base *base);
void agent_free(agent_t *a);

/* Listens on "udp:host:port", "udp6:[addr]:port", "host:port"... (port
 * 161 when omitted). Literal addresses or names from getaddrinfo. Writes
 * the bound address ("127.0.0.1:1161") into bound. 0 or -errno/MW_E*. */
int agent_listen(agent_t *a, const char *spec, char *bound, size_t boundcap);

/* Views: named lists of included/excluded subtrees (RFC 3415, without
 * masks). The most specific subtree that covers a name decides; a name no
 * subtree covers is outside the view. */
int agent_view_add(agent_t *a, const char *view, const oid_t *subtree, int include);
/* Communities (v1/v2c): rw 0 or 1; view NULL or "" for everything. */
int agent_community_add(agent_t *a, const char *community, size_t len, int rw, const char *view);
/* USM users: keys are localised to the agent's engine ID when the engine
 * ID is final (agent_engine_setup). level is AGENT_LEVEL_*. */
int agent_user_add(agent_t *a, const char *name, int auth, const char *auth_pass, int priv,
                   const char *priv_pass, int rw, int level, const char *view);

/* Registers a region; the registry keeps regions ordered by OID and
 * refuses overlaps (MW_EINVAL), except with weak regions, which a region
 * that is not weak replaces. The region is copied; ctx is released with
 * be->release when the region goes away. */
int agent_register(agent_t *a, const oid_t *root, int scalar, const agent_backend_t *be,
                   void *ctx, intptr_t id);
int agent_unregister(agent_t *a, const oid_t *root);
/* The region registered exactly at root, or NULL. */
agent_region_t *agent_region_at(agent_t *a, const oid_t *root);

/* System group. Values given here are read-only, as net-snmp does with
 * configured ones; sysContact, sysName and sysLocation left unset are
 * writable and persisted in the state directory. */
enum { AGENT_SYS_DESCR, AGENT_SYS_CONTACT, AGENT_SYS_NAME, AGENT_SYS_LOCATION };
int agent_sys_set(agent_t *a, int which, const char *value, size_t len);
void agent_sys_objectid(agent_t *a, const oid_t *o);
void agent_sys_services(agent_t *a, int services);
/* sysORTable rows. */
int agent_sysor_add(agent_t *a, const oid_t *id, const char *descr);

/* State directory (created with its parents when missing): the agent's
 * engine keeps its engine ID and boots in DIR/moonwalk-agent.state, and
 * the writable sysContact, sysName and sysLocation go there too. Call
 * once, after agent_sys_set and before agent_engine_setup. On failure
 * (the directory cannot be made, the file cannot be read or is corrupt)
 * agent_engine_error says why. */
int agent_state_dir(agent_t *a, const char *dir);
/* Starts the agent's engine (see snmpengine.h): engine ID given (eid/len)
 * or, when NULL, the one in the state file, else a new one; boots are the
 * stored ones + 1 (1 without a state directory); the state file is
 * written. Localises user keys. On failure agent_engine_error says why. */
int agent_engine_setup(agent_t *a, const uint8_t *eid, size_t len);
const char *agent_engine_error(const agent_t *a);
/* The agent's engine (the agent holds a reference; snmpengine_retain to
 * keep it longer), e.g. for the notifications it sends. */
struct snmpengine *agent_engine(agent_t *a);
const uint8_t *agent_engine_id(const agent_t *a, size_t *len);
int32_t agent_engine_boots(const agent_t *a);
int32_t agent_engine_time(const agent_t *a);

/* Largest message the agent sends (and its snmpEngineMaxMessageSize). */
void agent_max_msg_size(agent_t *a, size_t n);
/* GETBULK: the repetitions of one request hold at most n varbinds (n / R
 * repetitions for R repeated varbinds, at least one), as net-snmp's
 * maxGetbulkResponses; 0: no cap. Default AGENT_MAX_REPETITIONS. */
#define AGENT_MAX_REPETITIONS 100
void agent_max_repetitions(agent_t *a, size_t n);

/* Answers one request: returns 1 with the response in *resp and *resplen
 * (valid until the next call), or 0 when the message is dropped (the
 * reason is counted). Used by the socket callback and by tests. */
int agent_process(agent_t *a, const uint8_t *in, size_t inlen, const uint8_t **resp,
                  size_t *resplen);

const agent_stats_t *agent_stats(const agent_t *a);
/* The counters of its message processing (see mp.h). */
const struct mp_stats *agent_mp_stats(const agent_t *a);
/* sysUpTime in hundredths of a second. */
uint32_t agent_uptime(const agent_t *a);
void agent_on_authfail(agent_t *a, agent_authfail_cb cb, void *arg);
int agent_auth_traps_enabled(const agent_t *a);
/* snmpEnableAuthenTraps: 1 enabled, 2 disabled. */
void agent_auth_traps_set(agent_t *a, int enabled);

/* For backends, during a request. */
void *agent_req_alloc(agent_req_t *rq, size_t n);
/* Gives back the last n octets of the latest allocation (rounded down). */
void agent_req_unalloc(agent_req_t *rq, size_t n);
uint32_t agent_req_serial(const agent_req_t *rq);
int agent_req_version(const agent_req_t *rq);
agent_t *agent_req_agent(agent_req_t *rq);

#endif
