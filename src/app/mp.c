/* mp.c - message processing shared by the agent and the receiver (see
 * mp.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "mp.h"
#include "snmpengine.h"
#include "../core/ber.h"
#include "../core/oid.h"
#include "../usm/usm_msg.h"

#define USER_MAX 32
#define EID_MAX USM_MAX_ENGINE_ID
#define TIME_WINDOW 150                 /* RFC 3414 2.2.3 */
#define OUT_CAP (2 * 65536)

const uint32_t MP_USMSTATS[9] = { 1, 3, 6, 1, 6, 3, 15, 1, 1 };

typedef struct {
    uint8_t name[USER_MAX];
    size_t name_len;
    usm_auth_t auth;
    usm_priv_t priv;
    int min_level;
    uint8_t auth_master[USM_MAX_HASH]; /* secret: wiped in mp_free */
    uint8_t priv_master[USM_MAX_HASH];
    uint8_t auth_fp[USM_FP_LEN];       /* their fingerprints (usm_master_fingerprint) */
    uint8_t priv_fp[USM_FP_LEN];
    usm_keys_t local;                  /* localised to the local engine; secret */
    int keyed;                         /* local holds keys for the local engine */
} mp_user_t;

/* Another engine's boots and time, as a non-authoritative engine keeps
 * them (RFC 3414 2.3, 3.2.7 b). Entries live in one array, found through
 * a hash table of chains and ordered by a list from the most to the least
 * recently seen; indexes link them (ET_NIL: none). */
#define ET_NIL UINT32_MAX
typedef struct {
    int64_t at;                 /* local clock (s) when latest was received */
    int32_t boots;              /* snmpEngineBoots */
    int32_t latest;             /* latestReceivedEngineTime */
    uint32_t hnext;             /* next in its hash chain */
    uint32_t prev, next;        /* recency list */
    uint8_t eid_len;
    uint8_t eid[EID_MAX];
} etime_t;

struct mp {
    struct snmpengine *eng;     /* one reference, or NULL */
    size_t max_msg;
    mp_user_t *users;           /* owned array; secrets wiped */
    int nusers;
    /* other engines' boots and time: etcap entries, etmask + 1 chains */
    etime_t *et;                /* owned, NULL when etcap is 0 */
    uint32_t *etbucket;         /* owned */
    uint32_t etcap, etcount, etmask, ethead, ettail;
    uint64_t etseed, etevicted;
    uint8_t *out;               /* owned: OUT_CAP, Reports */
    mp_stats_t st;
};

/* A security model: msgSecurityModel and the receive steps that check a
 * message of it (RFC 3412 7.2 step 6: the security subsystem's
 * processIncomingMsg). */
typedef struct {
    int32_t model;
    mp_result_t (*receive)(mp_t *mp, const uint8_t *in, size_t len, mw_msg_t *m, uint8_t *plain,
                           size_t cap, mp_in_t *r);
} mp_secmodel_t;

static mp_result_t usm_receive(mp_t *mp, const uint8_t *in, size_t len, mw_msg_t *m,
                               uint8_t *plain, size_t cap, mp_in_t *r);

static const mp_secmodel_t secmodels[] = {
    { MW_SEC_MODEL_USM, usm_receive },
};

/* --- setup ------------------------------------------------------------- */

mp_t *
mp_new(const mp_config_t *cfg)
{
    mp_t *mp = calloc(1, sizeof *mp);
    if (!mp)
        return NULL;
    mp->max_msg = cfg && cfg->max_msg ? cfg->max_msg : 65507;
    mp->ethead = mp->ettail = ET_NIL;
    if (!(mp->out = malloc(OUT_CAP)))
        goto fail;
    if (cfg && cfg->engines_max) {
        if (cfg->engines_max > UINT32_MAX / 4)
            goto fail;
        mp->etcap = (uint32_t)cfg->engines_max;
        mp->etmask = 1;
        while (mp->etmask < 2 * mp->etcap) /* chains at most half full */
            mp->etmask <<= 1;
        mp->etmask--;
        mp->et = malloc(sizeof *mp->et * mp->etcap);
        mp->etbucket = malloc(sizeof *mp->etbucket * ((size_t)mp->etmask + 1));
        if (!mp->et || !mp->etbucket)
            goto fail;
        memset(mp->etbucket, 0xFF, sizeof *mp->etbucket * ((size_t)mp->etmask + 1)); /* ET_NIL */
        if (getrandom(&mp->etseed, sizeof mp->etseed, 0) != sizeof mp->etseed)
            mp->etseed = (uint64_t)(uintptr_t)mp ^ 0x9e3779b97f4a7c15u;
    }
    return mp;
fail:
    mp_free(mp);
    return NULL;
}

void
mp_free(mp_t *mp)
{
    if (!mp)
        return;
    if (mp->users)
        usm_wipe(mp->users, sizeof *mp->users * (size_t)mp->nusers);
    free(mp->users);
    free(mp->et);
    free(mp->etbucket);
    free(mp->out);
    snmpengine_release(mp->eng);
    free(mp);
}

static void
user_localize(mp_t *mp, mp_user_t *u)
{
    size_t elen;
    const uint8_t *eid;
    usm_keys_wipe(&u->local);
    u->keyed = 0;
    if (!mp->eng)
        return;
    if (u->auth == USM_AUTH_NONE) {
        memset(&u->local, 0, sizeof u->local);
        u->keyed = 1;
        return;
    }
    eid = snmpengine_id(mp->eng, &elen);
    u->keyed = usm_keys_from_master_fp(u->auth, u->priv, u->auth_master, u->auth_fp,
                                       u->priv_master, u->priv_fp, eid, elen, &u->local) == 0;
}

int
mp_use_engine(mp_t *mp, struct snmpengine *e)
{
    size_t len;
    if (!e || !snmpengine_started(e))
        return MW_EINVAL;
    snmpengine_id(e, &len);
    if (len > EID_MAX)
        return MW_EINVAL;
    snmpengine_retain(e);
    snmpengine_release(mp->eng);
    mp->eng = e;
    for (int i = 0; i < mp->nusers; i++)
        user_localize(mp, &mp->users[i]);
    return 0;
}

void mp_max_msg(mp_t *mp, size_t n) { mp->max_msg = n; }
mp_stats_t *mp_stats(mp_t *mp) { return &mp->st; }

void
mp_engines(const mp_t *mp, uint64_t *count, uint64_t *evicted)
{
    *count = mp->etcount;
    *evicted = mp->etevicted;
}

int
mp_user_add(mp_t *mp, const char *name, size_t name_len, usm_auth_t auth, const char *auth_pass,
            size_t auth_pass_len, usm_priv_t priv, const char *priv_pass, size_t priv_pass_len,
            int min_level)
{
    mp_user_t u;
    int rc;
    if (name_len == 0 || name_len > USER_MAX)
        return MW_EINVAL;
    if (auth == USM_AUTH_NONE && priv != USM_PRIV_NONE)
        return MW_EINVAL;
    memset(&u, 0, sizeof u);
    u.auth = auth;
    u.priv = priv;
    u.min_level = min_level;
    if (auth != USM_AUTH_NONE
        && (rc = usm_password_to_key(auth, (const uint8_t *)auth_pass, auth_pass_len, u.auth_master)) < 0)
        goto cleanup;
    if (priv != USM_PRIV_NONE
        && (rc = usm_password_to_key(auth, (const uint8_t *)priv_pass, priv_pass_len, u.priv_master)) < 0)
        goto cleanup;
    if (auth != USM_AUTH_NONE
        && (rc = usm_master_fingerprint(auth, u.auth_master, usm_auth_hash_len(auth), u.auth_fp)) < 0)
        goto cleanup;
    if (priv != USM_PRIV_NONE
        && (rc = usm_master_fingerprint(auth, u.priv_master, usm_auth_hash_len(auth), u.priv_fp)) < 0)
        goto cleanup;
    memcpy(u.name, name, name_len);
    u.name_len = name_len;
    user_localize(mp, &u);
    /* a new array rather than realloc: the old one is wiped before it is
     * freed, as it holds keys */
    mp_user_t *arr = malloc(sizeof *arr * (size_t)(mp->nusers + 1));
    if (!arr) {
        rc = MW_ENOMEM;
        goto cleanup;
    }
    if (mp->nusers) {
        memcpy(arr, mp->users, sizeof *arr * (size_t)mp->nusers);
        usm_wipe(mp->users, sizeof *arr * (size_t)mp->nusers);
    }
    free(mp->users);
    mp->users = arr;
    mp->users[mp->nusers] = u;
    rc = mp->nusers++;
cleanup:
    usm_wipe(&u, sizeof u);
    return rc;
}

int
mp_user_find(const mp_t *mp, const uint8_t *name, size_t len)
{
    for (int i = 0; i < mp->nusers; i++)
        if (mp->users[i].name_len == len && memcmp(mp->users[i].name, name, len) == 0)
            return i;
    return -1;
}

void
mp_in_clear(mp_in_t *r)
{
    if (r->keys == &r->other)
        usm_keys_wipe(&r->other);
    r->keys = NULL;
}

/* --- Reports ---------------------------------------------------------------- */

int
mp_report(mp_t *mp, const mw_msg_t *req, int decoded, const uint32_t *group, size_t n,
          uint32_t arc, uint64_t value, const usm_keys_t *keys, const uint8_t **out,
          size_t *outlen)
{
    oid_t o;
    uint8_t name[64];
    mw_varbind_t vb;
    mw_msg_t m;
    uint8_t *p;
    size_t plen, eid_len;
    int k, rc;
    if (!(req->msg_flags & MW_FLAG_REPORTABLE))
        return 0;
    if (!mp->eng || n + 2 > OID_MAX_LEN)
        return MW_EINVAL;
    memcpy(o.arcs, group, n * sizeof *group);
    o.arcs[n] = arc;
    o.arcs[n + 1] = 0;
    o.len = n + 2;
    if ((k = oid_encode(&o, name, sizeof name)) < 0)
        return k;
    memset(&vb, 0, sizeof vb);
    vb.oid = name;
    vb.oid_len = (uint32_t)k;
    vb.val.type = MW_T_COUNTER32;
    vb.val.num.u = value & 0xFFFFFFFFu;
    const uint8_t *eid = snmpengine_id(mp->eng, &eid_len);
    memset(&m, 0, sizeof m);
    m.version = MW_V3;
    m.msg_id = req->msg_id;
    m.msg_max_size = (int32_t)mp->max_msg;
    m.msg_flags = keys ? MW_FLAG_AUTH : 0;
    m.sec_model = req->sec_model;
    m.engine_id = eid;
    m.engine_id_len = (uint32_t)eid_len;
    m.engine_boots = snmpengine_boots(mp->eng);
    m.engine_time = snmpengine_time(mp->eng);
    m.user = req->user;
    m.user_len = req->user_len;
    m.context_engine_id = eid;
    m.context_engine_id_len = (uint32_t)eid_len;
    if (decoded) {
        m.context_name = req->context_name;
        m.context_name_len = req->context_name_len;
    }
    m.pdu.type = MW_PDU_REPORT;
    m.pdu.request_id = decoded ? req->pdu.request_id : req->msg_id;
    m.pdu.vbs = &vb;
    m.pdu.nvb = 1;
    m.pdu.cap = 1;
    if ((rc = usm_msg_encode(keys, &m, mp->out, OUT_CAP, &p, &plen)) < 0)
        return rc;
    if (plen > mp->max_msg)
        return MW_ETOOBIG;
    *out = p;
    *outlen = plen;
    return 1;
}

/* Counts a failure of the USM receive steps and makes its Report when the
 * local engine is authoritative (only then are Reports due). */
static mp_result_t
usm_fail(mp_t *mp, const mw_msg_t *m, int decoded, mp_in_t *r, mp_result_t why, uint64_t *counter,
         uint32_t arc, const usm_keys_t *keys)
{
    (*counter)++;
    if (r->own || why == MP_FAIL_ENGINEID) {
        int rc = mp_report(mp, m, decoded, MP_USMSTATS, 9, arc, *counter, keys, &r->report,
                           &r->report_len);
        if (rc < 0) {
            r->report = NULL;
            r->report_failed = 1;
        }
    }
    return why;
}

/* --- other engines' boots and time -------------------------------------- */

static int64_t
mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static uint32_t
et_hash(const mp_t *mp, const uint8_t *eid, size_t len)
{
    uint64_t h = mp->etseed ^ 0xcbf29ce484222325u; /* FNV-1a, seeded */
    for (size_t i = 0; i < len; i++) {
        h ^= eid[i];
        h *= 0x100000001b3u;
    }
    h ^= h >> 29;
    return (uint32_t)(h & mp->etmask);
}

static void
et_unlink(mp_t *mp, uint32_t i)
{
    etime_t *e = &mp->et[i];
    if (e->prev != ET_NIL)
        mp->et[e->prev].next = e->next;
    else
        mp->ethead = e->next;
    if (e->next != ET_NIL)
        mp->et[e->next].prev = e->prev;
    else
        mp->ettail = e->prev;
}

static void
et_push_front(mp_t *mp, uint32_t i)
{
    etime_t *e = &mp->et[i];
    e->prev = ET_NIL;
    e->next = mp->ethead;
    if (mp->ethead != ET_NIL)
        mp->et[mp->ethead].prev = i;
    else
        mp->ettail = i;
    mp->ethead = i;
}

/* The entry for an engine ID, made the most recently seen; ET_NIL when
 * there is none. */
static uint32_t
et_find(mp_t *mp, const uint8_t *eid, size_t len)
{
    uint32_t i = mp->etbucket[et_hash(mp, eid, len)];
    while (i != ET_NIL && !(mp->et[i].eid_len == len && memcmp(mp->et[i].eid, eid, len) == 0))
        i = mp->et[i].hnext;
    if (i != ET_NIL && i != mp->ethead) {
        et_unlink(mp, i);
        et_push_front(mp, i);
    }
    return i;
}

/* A new entry for an engine ID (not in the table), taking the least
 * recently seen one's place when the table is full. */
static uint32_t
et_add(mp_t *mp, const uint8_t *eid, size_t len)
{
    uint32_t i, *pp;
    if (mp->etcount < mp->etcap) {
        i = mp->etcount++;
    } else {
        i = mp->ettail;
        et_unlink(mp, i);
        for (pp = &mp->etbucket[et_hash(mp, mp->et[i].eid, mp->et[i].eid_len)]; *pp != i;
             pp = &mp->et[*pp].hnext)
            ;
        *pp = mp->et[i].hnext;
        mp->etevicted++;
    }
    etime_t *e = &mp->et[i];
    memcpy(e->eid, eid, len);
    e->eid_len = (uint8_t)len;
    uint32_t b = et_hash(mp, eid, len);
    e->hnext = mp->etbucket[b];
    mp->etbucket[b] = i;
    et_push_front(mp, i);
    return i;
}

/* RFC 3414 3.2.7 b, for an authentic message from another engine: learns
 * the engine's boots and time when they are newer than what was known,
 * then says whether the message is in the time window (1) or not (0): not
 * when the engine's boots have reached 2^31-1, when the message's boots
 * are older, or when its time is more than 150 s behind the engine's time
 * as known here (the latest time received plus the local time since). An
 * engine seen for the first time sets what is known. */
static int
timely_other(mp_t *mp, const mw_msg_t *m)
{
    int64_t now = mono_s();
    if (m->engine_boots < 0 || m->engine_time < 0)
        return 0;
    uint32_t i = et_find(mp, m->engine_id, m->engine_id_len);
    etime_t *e;
    if (i == ET_NIL) {
        e = &mp->et[et_add(mp, m->engine_id, m->engine_id_len)];
        e->boots = m->engine_boots;
        e->latest = m->engine_time;
        e->at = now;
    } else {
        e = &mp->et[i];
        if (m->engine_boots > e->boots || (m->engine_boots == e->boots && m->engine_time > e->latest)) {
            e->boots = m->engine_boots;
            e->latest = m->engine_time;
            e->at = now;
        }
    }
    if (e->boots == SNMPENGINE_BOOTS_MAX || m->engine_boots < e->boots)
        return 0;
    return (int64_t)m->engine_time >= (int64_t)e->latest + (now - e->at) - TIME_WINDOW;
}

/* --- receive ------------------------------------------------------------------ */

/* RFC 3414 3.2 for a message the decoder has split (m): the engine ID
 * (3.2.3), the user (3.2.4), the level (3.2.5), the digest (3.2.6), the
 * time window (3.2.7), decryption and the scopedPDU (3.2.8). A message
 * for another engine goes on only where other engines are accepted, and
 * then only if it is not of the confirmed class (RFC 3412 7.2: the
 * receiver of a request or an inform is its authoritative engine). */
static mp_result_t
usm_receive(mp_t *mp, const uint8_t *in, size_t len, mw_msg_t *m, uint8_t *plain, size_t cap,
            mp_in_t *r)
{
    mp_stats_t *st = &mp->st;
    uint8_t flags = m->msg_flags;
    size_t eid_len;
    const uint8_t *eid = snmpengine_id(mp->eng, &eid_len);
    int decoded = !m->encrypted; /* an encrypted scopedPDU is read in 3.2.8 */
    int rc;

    r->own = m->engine_id_len == eid_len && memcmp(m->engine_id, eid, eid_len) == 0;
    r->level = (flags & MW_FLAG_PRIV) ? MP_AUTHPRIV : (flags & MW_FLAG_AUTH) ? MP_AUTHNOPRIV : MP_NOAUTH;
    /* 3.2.3: an engine ID that is neither ours nor (where other engines
     * are taken) one an engine can have; discovery sends an empty one */
    if (!r->own && (!mp->etcap || m->engine_id_len < SNMPENGINE_ID_MIN || m->engine_id_len > EID_MAX))
        return usm_fail(mp, m, decoded, r, MP_FAIL_ENGINEID, &st->usmStatsUnknownEngineIDs,
                        MP_USM_UNKNOWN_ENGINE_IDS, NULL);
    /* 3.2.4: the user */
    int ui = mp_user_find(mp, m->user, m->user_len);
    const mp_user_t *u = ui >= 0 ? &mp->users[ui] : NULL;
    if (!u || (r->own && !u->keyed))
        return usm_fail(mp, m, decoded, r, MP_FAIL_USER, &st->usmStatsUnknownUserNames,
                        MP_USM_UNKNOWN_USER_NAMES, NULL);
    r->user = ui;
    /* 3.2.5: a level the user's keys cannot give, or below the user's */
    if (((flags & MW_FLAG_AUTH) && u->auth == USM_AUTH_NONE)
        || ((flags & MW_FLAG_PRIV) && u->priv == USM_PRIV_NONE) || r->level < u->min_level)
        return usm_fail(mp, m, decoded, r, MP_FAIL_LEVEL, &st->usmStatsUnsupportedSecLevels,
                        MP_USM_UNSUPPORTED_SEC_LEVELS, NULL);
    if (flags & MW_FLAG_AUTH) {
        if (r->own) {
            r->keys = &u->local;
        } else {
            r->keys = &r->other; /* set first: mp_in_clear wipes it whatever happens */
            if (usm_keys_from_master_fp(u->auth, u->priv, u->auth_master, u->auth_fp,
                                        u->priv_master, u->priv_fp, m->engine_id,
                                        m->engine_id_len, &r->other) < 0) {
                st->snmpInASNParseErrs++; /* cannot happen with a checked engine ID */
                return MP_FAIL_PARSE;
            }
        }
    }
    /* 3.2.6 and 3.2.8 */
    rc = usm_msg_decode(r->keys, m, in, len, plain, cap);
    if (rc == USM_EWRONGDIGEST)
        return usm_fail(mp, m, decoded, r, MP_FAIL_DIGEST, &st->usmStatsWrongDigests,
                        MP_USM_WRONG_DIGESTS, NULL);
    if (rc == 0)
        decoded = 1;
    /* 3.2.7 a: timeliness where the local engine is authoritative, once
     * the message is authentic; its Report is signed */
    if (r->own && (flags & MW_FLAG_AUTH)) {
        int32_t boots = snmpengine_boots(mp->eng);
        int32_t d = m->engine_time - snmpengine_time(mp->eng);
        if (m->engine_boots != boots || boots == SNMPENGINE_BOOTS_MAX || d > TIME_WINDOW
            || d < -TIME_WINDOW)
            return usm_fail(mp, m, decoded, r, MP_FAIL_TIME, &st->usmStatsNotInTimeWindows,
                            MP_USM_NOT_IN_TIME_WINDOWS, r->keys);
    }
    if (rc == USM_EDECRYPT)
        return usm_fail(mp, m, 0, r, MP_FAIL_DECRYPT, &st->usmStatsDecryptionErrors,
                        MP_USM_DECRYPTION_ERRORS, NULL);
    if (rc < 0) {
        st->snmpInASNParseErrs++;
        return MP_FAIL_PARSE;
    }
    if (!r->own) {
        switch (m->pdu.type) {
        case MW_PDU_GET: case MW_PDU_GETNEXT: case MW_PDU_GETBULK: case MW_PDU_SET:
        case MW_PDU_INFORM:
            /* make the sender discover the local engine */
            return usm_fail(mp, m, 1, r, MP_FAIL_ENGINEID, &st->usmStatsUnknownEngineIDs,
                            MP_USM_UNKNOWN_ENGINE_IDS, NULL);
        }
        /* 3.2.7 b: timeliness as a non-authoritative engine */
        if ((flags & MW_FLAG_AUTH) && !timely_other(mp, m)) {
            st->usmStatsNotInTimeWindows++;
            return MP_FAIL_TIME;
        }
    }
    return MP_OK;
}

mp_result_t
mp_receive(mp_t *mp, const uint8_t *in, size_t len, mw_msg_t *m, uint8_t *plain, size_t cap,
           mp_in_t *r)
{
    mp_stats_t *st = &mp->st;
    int rc;

    r->user = -1;
    r->level = 0;
    r->own = 0;
    r->keys = NULL;
    r->report = NULL;
    r->report_len = 0;
    r->report_failed = 0; /* r->other is written only when used */
    st->snmpInPkts++;
    if (!ber_is_whole_seq(in, len)) {
        st->snmpInASNParseErrs++;
        return MP_FAIL_PARSE;
    }
    rc = pdu_msg_decode(m, in, len);
    if (rc == MW_EVERSION) {
        st->snmpInBadVersions++;
        return MP_FAIL_VERSION;
    }
    if (rc < 0) {
        st->snmpInASNParseErrs++;
        return MP_FAIL_PARSE;
    }
    if (m->version != MW_V3)
        return MP_COMMUNITY;
    if ((m->msg_flags & MW_FLAG_PRIV) && !(m->msg_flags & MW_FLAG_AUTH)) {
        st->snmpInvalidMsgs++; /* RFC 3412 7.2 step 5 */
        return MP_FAIL_INVALID;
    }
    for (size_t i = 0; i < sizeof secmodels / sizeof secmodels[0]; i++)
        if (secmodels[i].model == m->sec_model && mp->eng)
            return secmodels[i].receive(mp, in, len, m, plain, cap, r);
    st->snmpUnknownSecurityModels++;
    return MP_FAIL_SECMODEL;
}
