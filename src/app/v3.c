/* v3.c - SNMPv3 for the manager: USM state per session, engine cache per
 * peer, discovery, timeliness, and the engine hooks. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "v3.h"
#include "snmpengine.h"
#include "../usm/usm_msg.h"

#define V3_MSG_MAX 65507    /* msgMaxSize we announce, as net-snmp does */
#define TIME_WINDOW 150     /* RFC 3414 2.2.3 */
#define BUF_CAP (2 * 65536 + 256)
#define PEER_BUCKETS 4096

static v3_stats_t stats;

/* Scratch for the message being built, and for the plaintext of the
 * message being delivered (kept until the next one arrives, as the
 * delivered varbinds point into it; wiped then). Allocated with the first
 * security (v3_sec_new: every path that uses them has one) and kept: out
 * of the binary's bss, which a start maps in one call (src/main.c), they
 * cost a process that speaks no v3 nothing. */
static uint8_t *encbuf, *plainbuf;
static size_t plain_used;

/* ---- clock ---------------------------------------------------------- */

static double
mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- peer engines --------------------------------------------------- */

/* What this side knows of one authoritative engine; shared by the
 * sessions that name the same peer (and the same -e, if any). */
typedef struct v3_peer {
    struct v3_peer *next;            /* hash chain */
    char *key;                       /* owned */
    size_t key_len;
    unsigned refs;
    int fixed;                       /* engine ID given (-e), never relearnt */
    int known;                       /* eid is valid */
    uint8_t eid[USM_MAX_ENGINE_ID];
    size_t eid_len;
    int timed;                       /* boots/time known (perhaps unauthenticated) */
    int auth_timed;                  /* boots/time from an authenticated message */
    int given;                       /* boots/time given (-Z) after discovery: held as
                                      * authenticated, even against a notInTimeWindow
                                      * report (net-snmp's set_enginetime(..., TRUE)) */
    int32_t boots, time;             /* as of 'at' */
    int32_t latest;                  /* latestReceivedEngineTime */
    double at;
} v3_peer_t;

static v3_peer_t *peers[PEER_BUCKETS];

static unsigned
peer_hash(const char *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)k[i]) * 16777619u;
    return h % PEER_BUCKETS;
}

static v3_peer_t *
peer_get(const char *peer, size_t peer_len, const uint8_t *eid, size_t eid_len)
{
    size_t n = peer_len + 1 + eid_len;
    char *key = malloc(n ? n : 1);
    v3_peer_t *p;
    unsigned h;
    if (!key)
        return NULL;
    if (peer_len)
        memcpy(key, peer, peer_len);
    key[peer_len] = 0;
    if (eid_len)
        memcpy(key + peer_len + 1, eid, eid_len);
    h = peer_hash(key, n);
    for (p = peers[h]; p; p = p->next)
        if (p->key_len == n && memcmp(p->key, key, n) == 0) {
            free(key);
            p->refs++;
            return p;
        }
    if (!(p = calloc(1, sizeof *p))) {
        free(key);
        return NULL;
    }
    p->key = key;
    p->key_len = n;
    p->refs = 1;
    if (eid) {
        p->fixed = 1;
        p->known = 1;
        memcpy(p->eid, eid, eid_len);
        p->eid_len = eid_len;
    }
    p->next = peers[h];
    peers[h] = p;
    return p;
}

static void
peer_put(v3_peer_t *p)
{
    if (!p || --p->refs > 0)
        return;
    for (v3_peer_t **pp = &peers[peer_hash(p->key, p->key_len)]; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    free(p->key);
    free(p);
}

static void
peer_set_time(v3_peer_t *p, int32_t boots, int32_t time)
{
    p->boots = boots;
    p->time = time;
    p->latest = time;
    p->at = mono_now();
    p->timed = 1;
}

/* The peer's boots and time now, as estimated here (zeros when unknown). */
static void
peer_now(const v3_peer_t *p, int32_t *boots, int32_t *time)
{
    if (!p->timed) {
        *boots = 0;
        *time = 0;
        return;
    }
    double t = (double)p->time + (mono_now() - p->at);
    *boots = p->boots;
    *time = t > 2147483647.0 ? 2147483647 : (int32_t)t;
}

/* An engine ID from a report (discovery, or the agent was reset):
 * remembered with the report's boots and time, which are not
 * authenticated. The same engine ID again keeps an authenticated clock. */
static void
peer_learn(v3_peer_t *p, const uint8_t *eid, size_t n, int32_t boots, int32_t time)
{
    if (p->known && p->eid_len == n && memcmp(p->eid, eid, n) == 0) {
        if (!p->auth_timed)
            peer_set_time(p, boots, time);
        return;
    }
    memcpy(p->eid, eid, n);
    p->eid_len = n;
    p->known = 1;
    p->auth_timed = 0;
    p->given = 0;
    peer_set_time(p, boots, time);
    stats.discoveries++;
}

/* RFC 3414 3.2 step 7b for a non-authoritative receiver: checks an
 * authenticated message's boots and time against the local notion of the
 * peer's, and moves that notion forward. 0 when outside the window. */
static int
peer_check_time(v3_peer_t *p, int32_t boots, int32_t time)
{
    int32_t b, t;
    if (!p->auth_timed) {
        peer_set_time(p, boots, time);
        p->auth_timed = 1;
        return 1;
    }
    peer_now(p, &b, &t);
    if (boots == INT32_MAX || boots < b || (boots == b && (int64_t)time < (int64_t)t - TIME_WINDOW))
        return 0;
    if (boots > b || time > p->latest)
        peer_set_time(p, boots, time);
    return 1;
}

/* ---- sessions ------------------------------------------------------- */

enum { KEY_NONE, KEY_PASS, KEY_MASTER, KEY_LOCAL };

struct v3_sec {
    unsigned refs;
    v3_peer_t *peer;                 /* one reference */
    uint8_t *user;                   /* owned */
    size_t user_len;
    uint8_t level;                   /* MW_FLAG_AUTH | MW_FLAG_PRIV */
    usm_auth_t auth;
    usm_priv_t priv;
    int auth_kind, priv_kind;        /* KEY_* */
    uint8_t *auth_secret, *priv_secret; /* owned, wiped: passwords or keys */
    size_t auth_secret_len, priv_secret_len;
    usm_keys_t keys;                 /* localised for keys_eid; wiped */
    uint8_t keys_eid[USM_MAX_ENGINE_ID];
    size_t keys_eid_len;
    int keys_ok;
    uint8_t *ctx_eid;                /* owned; NULL: the security engine ID */
    size_t ctx_eid_len;
    uint8_t *context;                /* owned */
    size_t context_len;
    snmpengine_t *local;             /* one reference; NULL: the process's engine */
    int given_time;                  /* -Z: boots and time given for traps */
    int32_t g_boots, g_time;
    double g_at;
};

static uint8_t *
dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

static void
free_secret(uint8_t *p, size_t n)
{
    if (p) {
        usm_wipe(p, n);
        free(p);
    }
}

static void
sec_free(v3_sec_t *s)
{
    free(s->user);
    free_secret(s->auth_secret, s->auth_secret_len);
    free_secret(s->priv_secret, s->priv_secret_len);
    usm_keys_wipe(&s->keys);
    free(s->ctx_eid);
    free(s->context);
    snmpengine_release(s->local);
    peer_put(s->peer);
    usm_wipe(s, sizeof *s);
    free(s);
}

void
v3_sec_retain(v3_sec_t *s)
{
    s->refs++;
}

void
v3_sec_release(void *sec)
{
    v3_sec_t *s = sec;
    if (s && --s->refs == 0)
        sec_free(s);
}

/* Picks the key material for one key: password, master key or localised
 * key; checks lengths. */
static int
pick_secret(const uint8_t *pass, size_t pass_len, const uint8_t *master, size_t master_len,
            const uint8_t *local, size_t local_len, size_t hash_len, size_t local_min,
            int *kind, uint8_t **secret, size_t *secret_len)
{
    const uint8_t *src;
    size_t n;
    if (pass) {
        if (pass_len < USM_MIN_PASS)
            return MW_EINVAL;
        *kind = KEY_PASS;
        src = pass;
        n = pass_len;
    } else if (master) {
        if (master_len != hash_len)
            return MW_EINVAL;
        *kind = KEY_MASTER;
        src = master;
        n = master_len;
    } else if (local) {
        if (local_len < local_min)
            return MW_EINVAL;
        *kind = KEY_LOCAL;
        src = local;
        n = local_len;
    } else {
        return MW_EINVAL;
    }
    if (!(*secret = dup_bytes(src, n)))
        return MW_ENOMEM;
    *secret_len = n;
    return 0;
}

int
v3_sec_new(const v3_config_t *c, v3_sec_t **out)
{
    v3_sec_t *s;
    int rc = MW_EINVAL;
    if (!c || !out || (c->level & ~(MW_FLAG_AUTH | MW_FLAG_PRIV)) || c->user_len > 32
        || ((c->level & MW_FLAG_PRIV) && !(c->level & MW_FLAG_AUTH))
        || (c->engine_id && (c->engine_id_len < 5 || c->engine_id_len > USM_MAX_ENGINE_ID)))
        return MW_EINVAL;
    if ((c->level & MW_FLAG_AUTH) && (c->auth == USM_AUTH_NONE || (unsigned)c->auth >= USM_AUTH_COUNT))
        return MW_EINVAL;
    if ((c->level & MW_FLAG_PRIV) && (c->priv == USM_PRIV_NONE || (unsigned)c->priv >= USM_PRIV_COUNT))
        return MW_EINVAL;
    if (!encbuf) {
        uint8_t *b = malloc(2 * (size_t)BUF_CAP);
        if (!b)
            return MW_ENOMEM;
        encbuf = b;
        plainbuf = b + BUF_CAP;
    }
    if (!(s = calloc(1, sizeof *s)))
        return MW_ENOMEM;
    s->refs = 1;
    s->level = c->level;
    s->auth = (c->level & MW_FLAG_AUTH) ? c->auth : USM_AUTH_NONE;
    s->priv = (c->level & MW_FLAG_PRIV) ? c->priv : USM_PRIV_NONE;
    rc = MW_ENOMEM;
    if (!(s->user = dup_bytes(c->user, c->user_len)))
        goto fail;
    s->user_len = c->user_len;
    if (!(s->context = dup_bytes(c->context, c->context_len)))
        goto fail;
    s->context_len = c->context_len;
    if (c->context_engine_id) {
        if (c->context_engine_id_len > USM_MAX_ENGINE_ID) {
            rc = MW_EINVAL;
            goto fail;
        }
        if (!(s->ctx_eid = dup_bytes(c->context_engine_id, c->context_engine_id_len)))
            goto fail;
        s->ctx_eid_len = c->context_engine_id_len;
    }
    if (s->level & MW_FLAG_AUTH) {
        size_t hl = usm_auth_hash_len(s->auth);
        if ((rc = pick_secret(c->auth_pass, c->auth_pass_len, c->auth_master, c->auth_master_len,
                              c->auth_local, c->auth_local_len, hl, hl, &s->auth_kind,
                              &s->auth_secret, &s->auth_secret_len)) < 0)
            goto fail;
        if (s->auth_kind == KEY_LOCAL && s->auth_secret_len != hl) {
            rc = MW_EINVAL;
            goto fail;
        }
    }
    if (s->level & MW_FLAG_PRIV) {
        if ((rc = pick_secret(c->priv_pass, c->priv_pass_len, c->priv_master, c->priv_master_len,
                              c->priv_local, c->priv_local_len, usm_auth_hash_len(s->auth),
                              usm_priv_key_len(s->priv), &s->priv_kind, &s->priv_secret,
                              &s->priv_secret_len)) < 0)
            goto fail;
    }
    /* mixed kinds: a password becomes its master key now (one hash) */
    if ((s->level & MW_FLAG_PRIV) && s->auth_kind != s->priv_kind) {
        for (int i = 0; i < 2; i++) {
            int *kind = i ? &s->priv_kind : &s->auth_kind;
            uint8_t **sec = i ? &s->priv_secret : &s->auth_secret;
            size_t *len = i ? &s->priv_secret_len : &s->auth_secret_len;
            uint8_t *mk;
            if (*kind != KEY_PASS)
                continue;
            if (!(mk = calloc(1, USM_MAX_HASH)))
                goto fail;
            if ((rc = usm_password_to_key(s->auth, *sec, *len, mk)) < 0) {
                free_secret(mk, USM_MAX_HASH);
                goto fail;
            }
            free_secret(*sec, *len);
            *sec = mk;
            *len = usm_auth_hash_len(s->auth);
            *kind = KEY_MASTER;
        }
    }
    if (c->local_engine) {
        if (!snmpengine_started(c->local_engine)) {
            rc = MW_EINVAL;
            goto fail;
        }
        snmpengine_retain(c->local_engine);
        s->local = c->local_engine;
    }
    rc = MW_ENOMEM;
    if (!(s->peer = peer_get(c->peer ? c->peer : "", c->peer ? c->peer_len : 0, c->engine_id,
                             c->engine_id ? c->engine_id_len : 0)))
        goto fail;
    if (c->has_boots_time) {
        if (c->boots < 0 || c->time < 0) {
            rc = MW_EINVAL;
            goto fail;
        }
        s->given_time = 1;
        s->g_boots = c->boots;
        s->g_time = c->time;
        s->g_at = mono_now();
    }
    *out = s;
    return 0;
fail:
    sec_free(s);
    return rc;
}

const uint8_t *
v3_sec_engine_id(const v3_sec_t *s, size_t *len)
{
    if (!s->peer->known)
        return NULL;
    *len = s->peer->eid_len;
    return s->peer->eid;
}

int
v3_sec_engine_time(const v3_sec_t *s, int32_t *boots, int32_t *time)
{
    if (!s->peer->timed)
        return -1;
    peer_now(s->peer, boots, time);
    return 0;
}

void
v3_sec_forget(v3_sec_t *s)
{
    v3_peer_t *p = s->peer;
    if (p->fixed)
        return;
    p->known = p->timed = p->auth_timed = 0;
    p->eid_len = 0;
}

/* Localised keys for eid (cached in the session while eid stays). */
static int
sec_keys(v3_sec_t *s, const uint8_t *eid, size_t n, const usm_keys_t **out)
{
    usm_keys_t k;
    int rc = 0;
    if (s->keys_ok && s->keys_eid_len == n && memcmp(s->keys_eid, eid, n) == 0) {
        *out = &s->keys;
        return 0;
    }
    memset(&k, 0, sizeof k);
    if (s->auth_kind == KEY_PASS) {
        /* same kind for both: the cached path (one password hash for any
         * number of sessions) */
        rc = usm_keys_get(s->auth, s->priv, (const char *)s->auth_secret, s->auth_secret_len,
                          (const char *)s->priv_secret, s->priv_secret_len, eid, n, &k);
    } else {
        k.auth = s->auth;
        k.priv = s->priv;
        k.auth_key_len = usm_auth_hash_len(s->auth);
        if (s->auth_kind == KEY_LOCAL)
            memcpy(k.auth_key, s->auth_secret, k.auth_key_len);
        else
            rc = usm_key_localize(s->auth, s->auth_secret, eid, n, k.auth_key);
        if (rc == 0 && s->priv != USM_PRIV_NONE) {
            k.priv_key_len = usm_priv_key_len(s->priv);
            if (s->priv_kind == KEY_LOCAL)
                memcpy(k.priv_key, s->priv_secret, k.priv_key_len);
            else
                rc = usm_priv_key_localize(s->auth, s->priv, s->priv_secret, eid, n, k.priv_key);
        }
    }
    if (rc < 0) {
        usm_keys_wipe(&k);
        return rc;
    }
    usm_keys_wipe(&s->keys);
    s->keys = k;
    usm_keys_wipe(&k);
    memcpy(s->keys_eid, eid, n);
    s->keys_eid_len = n;
    s->keys_ok = 1;
    *out = &s->keys;
    return 0;
}

/* ---- per-request state ---------------------------------------------- */

enum { PD_NEW, PD_PROBE, PD_SENT };

typedef struct v3_pending {
    v3_sec_t *sec;                   /* one reference */
    uint8_t state;
    uint8_t probe_only;              /* a GET without varbinds: discovery */
    uint8_t resyncs, rediscoveries;
    int32_t sent_boots, sent_time;
    size_t nvb;
    size_t len;
    uint8_t scoped[];                /* plaintext scopedPDU; wiped on free */
} v3_pending_t;

static void
pending_free(void *p)
{
    v3_pending_t *pd = p;
    if (!pd)
        return;
    v3_sec_release(pd->sec);
    usm_wipe(pd, sizeof *pd + pd->len);
    free(pd);
}

static v3_pending_t *
pending_new(v3_sec_t *s, const mw_msg_t *msg)
{
    mw_msg_t t = *msg;
    uint8_t *sp;
    size_t splen;
    v3_pending_t *pd;
    t.context_engine_id = t.context_name = NULL;
    t.context_engine_id_len = t.context_name_len = 0;
    if (pdu_scoped_encode(&t, encbuf, BUF_CAP, &sp, &splen) < 0)
        return NULL;
    if (!(pd = malloc(sizeof *pd + splen))) {
        usm_wipe(sp, splen);
        return NULL;
    }
    memset(pd, 0, sizeof *pd);
    memcpy(pd->scoped, sp, splen);
    usm_wipe(sp, splen);
    pd->len = splen;
    pd->nvb = msg->pdu.nvb;
    pd->probe_only = msg->pdu.type == MW_PDU_GET && msg->pdu.nvb == 0;
    pd->sec = s;
    v3_sec_retain(s);
    return pd;
}

/* ---- outgoing ------------------------------------------------------- */

static int
pdu_confirmed(uint8_t type)
{
    return type == MW_PDU_GET || type == MW_PDU_GETNEXT || type == MW_PDU_GETBULK
        || type == MW_PDU_SET || type == MW_PDU_INFORM;
}

static void
set_security(v3_sec_t *s, mw_msg_t *m, const uint8_t *eid, size_t eid_len, int32_t boots,
             int32_t time)
{
    m->engine_id = eid;
    m->engine_id_len = (uint32_t)eid_len;
    m->engine_boots = boots;
    m->engine_time = time;
    m->user = s->user;
    m->user_len = (uint32_t)s->user_len;
    m->context_engine_id = s->ctx_eid ? s->ctx_eid : eid;
    m->context_engine_id_len = (uint32_t)(s->ctx_eid ? s->ctx_eid_len : eid_len);
    m->context_name = s->context;
    m->context_name_len = (uint32_t)s->context_len;
}

static int
protect(v3_sec_t *s, mw_msg_t *m, const uint8_t *eid, size_t eid_len, uint8_t **out,
        size_t *outlen)
{
    const usm_keys_t *k = NULL;
    int rc;
    if ((s->level & MW_FLAG_AUTH) && (rc = sec_keys(s, eid, eid_len, &k)) < 0)
        return rc;
    return usm_msg_encode(k, m, encbuf, BUF_CAP, out, outlen);
}

/* The discovery probe (RFC 3414 4): noAuthNoPriv, reportable, empty
 * engine ID, user and context, a GET without varbinds. */
static int
encode_probe(mw_msg_t *msg, uint8_t **out, size_t *outlen)
{
    mw_msg_t p;
    memset(&p, 0, sizeof p);
    p.version = MW_V3;
    p.msg_id = msg->msg_id;
    p.msg_max_size = V3_MSG_MAX;
    p.msg_flags = MW_FLAG_REPORTABLE;
    p.sec_model = MW_SEC_MODEL_USM;
    p.pdu.type = MW_PDU_GET;
    p.pdu.request_id = msg->msg_id;
    return usm_msg_encode(NULL, &p, encbuf, BUF_CAP, out, outlen);
}

static int
hook_outgoing(void *sec, mw_req_t *req, mw_msg_t *msg, uint8_t *buf, size_t cap, uint8_t **out,
              size_t *outlen)
{
    v3_sec_t *s = sec;
    v3_pending_t *pd;
    int32_t boots, time;
    int rc;
    (void)buf;
    (void)cap;
    if (!s || msg->version != MW_V3)
        return MW_EINVAL;
    msg->pdu.request_id = msg->msg_id;
    msg->msg_max_size = V3_MSG_MAX;
    msg->sec_model = MW_SEC_MODEL_USM;
    if (!pdu_confirmed(msg->pdu.type)) {
        /* a trap: this side is authoritative (RFC 3414 1.5.2): the
         * session's local engine (the process's unless it was given one),
         * or the engine ID given to the session, with that engine's boots
         * and time */
        snmpengine_t *le = s->local ? s->local : snmpengine_local();
        size_t n;
        const uint8_t *eid;
        if (!le)
            return MW_ENOMEM;
        eid = snmpengine_id(le, &n);
        if (s->peer->fixed) {
            eid = s->peer->eid;
            n = s->peer->eid_len;
        }
        msg->msg_flags = s->level;
        if (s->given_time) {
            double t = (double)s->g_time + (mono_now() - s->g_at);
            set_security(s, msg, eid, n, s->g_boots, t > INT32_MAX ? INT32_MAX : (int32_t)t);
        } else
            set_security(s, msg, eid, n, snmpengine_boots(le), snmpengine_time(le));
        return protect(s, msg, eid, n, out, outlen);
    }
    if (!(pd = engine_req_sec_data(req))) {
        if (!(pd = pending_new(s, msg)))
            return MW_ENOMEM;
        engine_req_set_sec_data(req, pd, pending_free);
    }
    if (pd->probe_only || !s->peer->known) {
        pd->state = PD_PROBE;
        return encode_probe(msg, out, outlen);
    }
    peer_now(s->peer, &boots, &time);
    msg->msg_flags = s->level | MW_FLAG_REPORTABLE;
    set_security(s, msg, s->peer->eid, s->peer->eid_len, boots, time);
    if ((rc = protect(s, msg, s->peer->eid, s->peer->eid_len, out, outlen)) < 0)
        return rc;
    pd->state = PD_SENT;
    pd->sent_boots = boots;
    pd->sent_time = time;
    return 0;
}

/* Sends the request again from its kept scopedPDU, protected for what is
 * known now. 1 (keep waiting) or <0. */
static int
resend(v3_pending_t *pd, mw_req_t *req)
{
    mw_varbind_t *vbs = calloc(pd->nvb ? pd->nvb : 1, sizeof *vbs);
    mw_msg_t m;
    int rc;
    if (!vbs)
        return MW_ENOMEM;
    memset(&m, 0, sizeof m);
    m.version = MW_V3;
    m.pdu.vbs = vbs;
    m.pdu.cap = pd->nvb;
    if ((rc = pdu_scoped_decode(&m, pd->scoped, pd->len)) == 0)
        rc = engine_req_resend(req, &m);
    free(vbs);
    return rc < 0 ? rc : 1;
}

/* ---- incoming ------------------------------------------------------- */

/* usmStats, snmpMPDStats and the target MIB's context counters, as BER
 * content octets without the last two arcs (N.0). */
static const uint8_t OID_USMSTATS[] = { 0x2b, 6, 1, 6, 3, 15, 1, 1 };
static const uint8_t OID_MPDSTATS[] = { 0x2b, 6, 1, 6, 3, 11, 2, 1 };
static const uint8_t OID_TARGET[] = { 0x2b, 6, 1, 6, 3, 12, 1 };

static int
under(const mw_varbind_t *vb, const uint8_t *prefix, size_t n, uint8_t *arc)
{
    if (vb->oid_len != n + 2 || memcmp(vb->oid, prefix, n) != 0 || vb->oid[n + 1] != 0)
        return 0;
    *arc = vb->oid[n];
    return 1;
}

int
v3_report_kind(const mw_pdu_t *pdu)
{
    uint8_t a;
    if (!pdu || pdu->nvb < 1)
        return V3_REPORT_OTHER;
    if (under(&pdu->vbs[0], OID_USMSTATS, sizeof OID_USMSTATS, &a) && a >= 1 && a <= 6)
        return V3_REPORT_UNSUPPORTED_SEC_LEVEL + (a - 1);
    if (under(&pdu->vbs[0], OID_MPDSTATS, sizeof OID_MPDSTATS, &a) && a >= 1 && a <= 3)
        return V3_REPORT_UNKNOWN_SEC_MODEL + (a - 1);
    if (under(&pdu->vbs[0], OID_TARGET, sizeof OID_TARGET, &a) && (a == 4 || a == 5))
        return V3_REPORT_BAD_CONTEXT;
    return V3_REPORT_OTHER;
}

const char *
v3_report_text(int kind)
{
    /* net-snmp's snmp_api.c error strings for these report types */
    switch (kind) {
    case V3_REPORT_UNSUPPORTED_SEC_LEVEL: return "Unsupported security level";
    case V3_REPORT_NOT_IN_TIME_WINDOW: return "Not in time window";
    case V3_REPORT_UNKNOWN_USER_NAME: return "Unknown user name";
    case V3_REPORT_UNKNOWN_ENGINE_ID: return "Unknown engine ID";
    case V3_REPORT_WRONG_DIGEST: return "Authentication failure (incorrect password, community or key)";
    case V3_REPORT_DECRYPTION_ERROR: return "Decryption error";
    case V3_REPORT_UNKNOWN_SEC_MODEL: return "Unknown security model in message";
    case V3_REPORT_INVALID_MSG: return "Invalid message (e.g. msgFlags)";
    case V3_REPORT_UNKNOWN_PDU_HANDLER: return "Unknown PDU type";
    case V3_REPORT_BAD_CONTEXT: return "Bad context specified";
    default: return "Unknown Report message";
    }
}

const char *
v3_report_name(int kind)
{
    static const char *const names[] = {
        "", "usmStatsUnsupportedSecLevels", "usmStatsNotInTimeWindows",
        "usmStatsUnknownUserNames", "usmStatsUnknownEngineIDs", "usmStatsWrongDigests",
        "usmStatsDecryptionErrors", "snmpUnknownSecurityModels", "snmpInvalidMsgs",
        "snmpUnknownPDUHandlers", "snmpUnknownContexts",
    };
    if (kind < 0 || kind >= (int)(sizeof names / sizeof *names))
        return "";
    return names[kind];
}

void
v3_stats_get(v3_stats_t *st)
{
    *st = stats;
}

static int
same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static int
on_report(v3_sec_t *s, v3_pending_t *pd, mw_req_t *req, mw_msg_t *m, int authed)
{
    v3_peer_t *p = s->peer;
    int kind = v3_report_kind(&m->pdu);
    stats.reports++;
    if (kind == V3_REPORT_UNKNOWN_ENGINE_ID) {
        if (m->engine_id_len < 5 || m->engine_id_len > USM_MAX_ENGINE_ID)
            return 0;
        if (pd->state == PD_PROBE) {
            if (!p->fixed) {
                peer_learn(p, m->engine_id, m->engine_id_len, m->engine_boots, m->engine_time);
                if (s->given_time) {
                    /* -Z after discovery, as snmpv3_engineID_probe: the
                     * given boots and time replace what the report said */
                    peer_set_time(p, s->g_boots, s->g_time);
                    p->auth_timed = 1;
                    p->given = 1;
                }
            }
            if (pd->probe_only) {
                /* discovery was all that was asked: an empty Response */
                m->pdu.type = MW_PDU_RESPONSE;
                m->pdu.error_status = m->pdu.error_index = 0;
                m->pdu.nvb = 0;
                return 0;
            }
            return resend(pd, req);
        }
        if (same(m->engine_id, m->engine_id_len, p->eid, p->eid_len))
            return 2; /* answers an earlier probe of this request */
        if (!p->fixed && pd->rediscoveries == 0) {
            /* the agent has a new engine ID: learn it and try again */
            pd->rediscoveries++;
            peer_learn(p, m->engine_id, m->engine_id_len, m->engine_boots, m->engine_time);
            return resend(pd, req);
        }
        return 0;
    }
    if (kind == V3_REPORT_NOT_IN_TIME_WINDOW && authed) {
        /* authenticated: the agent's boots and time are right */
        int stale = pd->state == PD_SENT && m->engine_boots == pd->sent_boots
                    && (int64_t)m->engine_time - pd->sent_time <= TIME_WINDOW
                    && (int64_t)pd->sent_time - m->engine_time <= TIME_WINDOW;
        peer_set_time(p, m->engine_boots, m->engine_time);
        p->auth_timed = 1;
        if (stale)
            return 2; /* about an earlier copy: what was sent last is in time */
        if (pd->state == PD_SENT && pd->resyncs == 0) {
            pd->resyncs++;
            stats.resyncs++;
            return resend(pd, req);
        }
        return 0;
    }
    return 0;
}

static int
hook_incoming(void *sec, mw_req_t *req, const uint8_t *buf, size_t len, mw_msg_t *m)
{
    v3_sec_t *s = sec;
    v3_pending_t *pd = engine_req_sec_data(req);
    v3_peer_t *p;
    int authed = 0, rc;
    if (plain_used) {
        usm_wipe(plainbuf, plain_used);
        plain_used = 0;
    }
    if (!s || !pd || pd->state == PD_NEW)
        return 2;
    p = s->peer;
    if (m->sec_model != MW_SEC_MODEL_USM) {
        stats.unknown_sec_models++; /* RFC 3412 7.2 step 4 */
        return 2;
    }
    if ((m->msg_flags & MW_FLAG_PRIV) && !(m->msg_flags & MW_FLAG_AUTH)) {
        stats.invalid_msgs++;
        return 2;
    }
    if (m->msg_flags & MW_FLAG_AUTH) {
        const usm_keys_t *k;
        if (!(s->level & MW_FLAG_AUTH)) {
            stats.unsupported_sec_levels++;
            return 2;
        }
        if (!same(m->user, m->user_len, s->user, s->user_len)) {
            stats.unknown_user_names++;
            return 2;
        }
        if (!p->known || !same(m->engine_id, m->engine_id_len, p->eid, p->eid_len)) {
            stats.unknown_engine_ids++;
            return 2;
        }
        if ((m->msg_flags & MW_FLAG_PRIV) && !(s->level & MW_FLAG_PRIV)) {
            stats.unsupported_sec_levels++;
            return 2;
        }
        if ((rc = sec_keys(s, p->eid, p->eid_len, &k)) < 0)
            return rc;
        rc = usm_msg_decode(k, m, buf, len, plainbuf, BUF_CAP);
        if (m->encrypted)
            plain_used = m->encrypted_len;
        if (rc == USM_EWRONGDIGEST) {
            stats.wrong_digests++;
            return 2;
        }
        if (rc == USM_EDECRYPT) {
            stats.decryption_errors++;
            return 2;
        }
        if (rc < 0) {
            stats.parse_errors++;
            return 2;
        }
        authed = 1;
        if (m->pdu.type != MW_PDU_REPORT || v3_report_kind(&m->pdu) != V3_REPORT_NOT_IN_TIME_WINDOW
            || p->given) {
            if (!peer_check_time(p, m->engine_boots, m->engine_time)) {
                stats.not_in_time_windows++;
                return 2;
            }
        }
    } else if (m->encrypted) {
        stats.invalid_msgs++;
        return 2;
    }
    if (m->pdu.type == MW_PDU_REPORT)
        return on_report(s, pd, req, m, authed);
    if (m->pdu.type != MW_PDU_RESPONSE || pd->state != PD_SENT)
        return 2;
    /* RFC 3412 7.2 step 13: a response comes at the request's level */
    if ((m->msg_flags & (MW_FLAG_AUTH | MW_FLAG_PRIV)) != s->level) {
        stats.unsupported_sec_levels++;
        return 2;
    }
    return 0;
}

const mw_v3_hooks_t v3_hooks = { hook_outgoing, hook_incoming };
