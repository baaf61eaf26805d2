/* agent.c - the command responder. See agent.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "mp.h"
#include "snmpengine.h"
#include "../net/udp.h"
#include "../usm/usm.h"
#include "../usm/usm_msg.h"

#ifndef MW_VERSION
#define MW_VERSION "dev"
#endif

#define REQ_CAP 8192          /* varbinds in a request (more than 64 KiB holds) */
#define RESP_CAP 10000        /* varbinds in a response (each takes >= 7 octets) */
#define ARENA_CAP (256 * 1024)
#define OUT_CAP (2 * 65536 + 4096) /* v3 encodes the scopedPDU and the message in one buffer */
#define UDP_MAX 65507
#define NAME_MAX_BER (OID_MAX_LEN * 5)

typedef struct {
    oid_t sub;
    int include;
} view_rule_t;

typedef struct {
    char name[64];
    view_rule_t *rules;       /* owned */
    size_t n;
} view_t;

typedef struct {
    uint8_t *name;            /* owned */
    size_t len;
    int rw;
    int view;                 /* index in a->views, -1: everything */
} community_t;

/* What the agent grants a USM user (the user itself, its keys and its
 * lookup are message processing's: index i here is user i there). */
typedef struct {
    int rw, level, view;
} user_access_t;

struct agent_req {
    agent_t *a;
    const usm_keys_t *keys;   /* v3: the user's keys (NULL: noAuthNoPriv) */
    mw_msg_t *m;
    int version;
    int view;
    int rw;
    uint32_t serial;
    size_t arena_used;
    size_t hint;              /* region of the last GETNEXT answer */
};

typedef struct {
    udp_sock_t *s;            /* owned */
} listener_t;

typedef struct {
    oid_t id;
    char *descr;              /* owned */
    uint32_t uptime;
} sysor_t;

struct agent {
    struct event_base *base;
    listener_t *ls;           /* owned */
    size_t nls;
    agent_region_t **regions; /* owned, each owned */
    size_t nreg, capreg;
    view_t *views;            /* owned */
    size_t nviews;
    community_t *comms;       /* owned */
    size_t ncomms;
    mp_t *mp;                 /* owned: message processing, USM users */
    user_access_t *users;     /* owned: indexed like mp's users */
    size_t nusers;
    char *sys[4];             /* owned */
    size_t sys_len[4];
    int sys_ro[4];
    oid_t sys_oid;
    int services;
    sysor_t *sysor;           /* owned */
    size_t nsysor;
    uint32_t sysor_last;
    agent_stats_t st;
    struct timespec start;
    int auth_traps;           /* 1 enabled, 2 disabled */
    int32_t set_serial;
    snmpengine_t *eng;        /* one reference: engine ID, boots, time, state file */
    char errmsg[512];         /* the last state or engine setup failure */
    size_t max_msg;
    size_t max_reps;          /* GETBULK: varbinds of repetitions, 0: no cap */
    uint32_t serial;
    agent_authfail_cb authfail;
    void *authfail_arg;
    /* per-request buffers, all owned */
    mw_varbind_t *req_vbs;
    mw_varbind_t *resp_vbs;
    agent_setvb_t *setvbs;
    size_t setcap;
    uint8_t *arena;
    uint8_t *out;
    uint8_t *plain;
};

/* --- small helpers -------------------------------------------------- */

/* Fixed OIDs are arrays, and their lengths always come from ARCS(), so a
 * length cannot disagree with its array; ARCS() refuses a pointer at
 * compile time. oid_set() and send_report() take the array alone. */
#define NOT_AN_ARRAY(a) __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]))
#define NARCS(a) (sizeof(a) / sizeof((a)[0]) + 0 * sizeof(struct { int arcs_need_an_array : NOT_AN_ARRAY(a) ? -1 : 1; }))
#define ARCS(a) (a), NARCS(a)

static const uint32_t A_SYSTEM[] = { 1, 3, 6, 1, 2, 1, 1 };
static const uint32_t A_SNMP[] = { 1, 3, 6, 1, 2, 1, 11 };
static const uint32_t A_ENGINE[] = { 1, 3, 6, 1, 6, 3, 10, 2, 1 };
static const uint32_t A_MPD[] = { 1, 3, 6, 1, 6, 3, 11, 2, 1 };         /* snmpMPDStats */
static const uint32_t A_TARGET[] = { 1, 3, 6, 1, 6, 3, 12, 1 };         /* snmpTargetObjects */
static const uint32_t A_USMSTATS[] = { 1, 3, 6, 1, 6, 3, 15, 1, 1 };
static const uint32_t A_SETSERIAL[] = { 1, 3, 6, 1, 6, 3, 1, 1, 6, 1 };
static const char SYS_OBJECTID[] = "1.3.6.1.4.1.8072.3.2.10";

/* Copies the used part of an oid_t (the whole struct is 516 octets). */
static inline void
oid_copy(oid_t *dst, const oid_t *src)
{
    dst->len = src->len;
    memcpy(dst->arcs, src->arcs, src->len * sizeof *src->arcs);
}

/* oid_set(o, ARRAY, last): the array's arcs, then last unless 0 */
#define oid_set(o, array, last) oid_set_n((o), ARCS(array), (last))
static void
oid_set_n(oid_t *o, const uint32_t *arcs, size_t n, uint32_t last)
{
    memcpy(o->arcs, arcs, n * sizeof *arcs);
    o->len = (uint32_t)n;
    if (last)
        o->arcs[o->len++] = last;
}

void *
agent_req_alloc(agent_req_t *rq, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n > ARENA_CAP - rq->arena_used)
        return NULL;
    void *p = rq->a->arena + rq->arena_used;
    rq->arena_used += n;
    return p;
}

void
agent_req_unalloc(agent_req_t *rq, size_t n)
{
    n &= ~(size_t)7;
    rq->arena_used -= n <= rq->arena_used ? n : rq->arena_used;
}

uint32_t agent_req_serial(const agent_req_t *rq) { return rq->serial; }
int agent_req_version(const agent_req_t *rq) { return rq->version; }
agent_t *agent_req_agent(agent_req_t *rq) { return rq->a; }

uint32_t
agent_uptime(const agent_t *a)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t cs = (int64_t)(now.tv_sec - a->start.tv_sec) * 100
                 + (now.tv_nsec - a->start.tv_nsec) / 10000000;
    return (uint32_t)cs;
}

int32_t
agent_engine_time(const agent_t *a)
{
    return snmpengine_time(a->eng);
}

const agent_stats_t *agent_stats(const agent_t *a) { return &a->st; }
const mp_stats_t *agent_mp_stats(const agent_t *a) { return mp_stats(a->mp); }
int32_t agent_engine_boots(const agent_t *a) { return snmpengine_boots(a->eng); }
snmpengine_t *agent_engine(agent_t *a) { return a->eng; }
const char *agent_engine_error(const agent_t *a) { return a->errmsg; }
int agent_auth_traps_enabled(const agent_t *a) { return a->auth_traps == 1; }
void agent_auth_traps_set(agent_t *a, int enabled) { a->auth_traps = enabled ? 1 : 2; }

const uint8_t *
agent_engine_id(const agent_t *a, size_t *len)
{
    return snmpengine_id(a->eng, len);
}

void
agent_on_authfail(agent_t *a, agent_authfail_cb cb, void *arg)
{
    a->authfail = cb;
    a->authfail_arg = arg;
}

void
agent_max_msg_size(agent_t *a, size_t n)
{
    if (n < 484)
        n = 484;
    if (n > UDP_MAX)
        n = UDP_MAX;
    a->max_msg = n;
    mp_max_msg(a->mp, n);
}

void
agent_max_repetitions(agent_t *a, size_t n)
{
    a->max_reps = n;
}

/* --- views ---------------------------------------------------------- */

static int
view_find(const agent_t *a, const char *name)
{
    for (size_t i = 0; i < a->nviews; i++)
        if (strcmp(a->views[i].name, name) == 0)
            return (int)i;
    return -1;
}

int
agent_view_add(agent_t *a, const char *name, const oid_t *subtree, int include)
{
    int i = view_find(a, name);
    if (strlen(name) >= sizeof a->views[0].name || !*name)
        return MW_EINVAL;
    if (i < 0) {
        view_t *v = realloc(a->views, (a->nviews + 1) * sizeof *v);
        if (!v)
            return MW_ENOMEM;
        a->views = v;
        i = (int)a->nviews++;
        memset(&v[i], 0, sizeof v[i]);
        strcpy(v[i].name, name);
    }
    view_t *v = &a->views[i];
    view_rule_t *r = realloc(v->rules, (v->n + 1) * sizeof *r);
    if (!r)
        return MW_ENOMEM;
    v->rules = r;
    r[v->n].sub = *subtree;
    r[v->n].include = include;
    v->n++;
    return 0;
}

/* Is name inside the view? view < 0: no restriction. */
static int
view_allows(const agent_t *a, int view, const oid_t *name)
{
    if (view < 0)
        return 1;
    const view_t *v = &a->views[view];
    int best = -1;
    uint32_t bestlen = 0;
    for (size_t i = 0; i < v->n; i++) {
        const view_rule_t *r = &v->rules[i];
        if (oid_is_prefix(&r->sub, name) && (best < 0 || r->sub.len >= bestlen)) {
            best = (int)i;
            bestlen = r->sub.len;
        }
    }
    return best >= 0 && v->rules[best].include;
}

/* Is every name under root outside the view? Lets GETNEXT skip regions. */
static int
view_excludes_subtree(const agent_t *a, int view, const oid_t *root)
{
    if (view < 0)
        return 0;
    const view_t *v = &a->views[view];
    for (size_t i = 0; i < v->n; i++)
        if (v->rules[i].include && oid_is_prefix(root, &v->rules[i].sub))
            return 0; /* something below root is included */
    return !view_allows(a, view, root);
}

/* --- communities and users ------------------------------------------ */

int
agent_community_add(agent_t *a, const char *community, size_t len, int rw, const char *view)
{
    int vi = -1;
    if (view && *view && (vi = view_find(a, view)) < 0)
        return MW_EINVAL;
    community_t *c = realloc(a->comms, (a->ncomms + 1) * sizeof *c);
    if (!c)
        return MW_ENOMEM;
    a->comms = c;
    c = &a->comms[a->ncomms];
    c->name = malloc(len ? len : 1);
    if (!c->name)
        return MW_ENOMEM;
    memcpy(c->name, community, len);
    c->len = len;
    c->rw = rw;
    c->view = vi;
    a->ncomms++;
    return 0;
}

int
agent_user_add(agent_t *a, const char *name, int auth, const char *auth_pass, int priv,
               const char *priv_pass, int rw, int level, const char *view)
{
    int vi = -1;
    size_t n = strlen(name);
    if (n == 0 || n > 32)
        return MW_EINVAL;
    if (view && *view && (vi = view_find(a, view)) < 0)
        return MW_EINVAL;
    if (auth < 0 || auth >= USM_AUTH_COUNT || priv < 0 || priv >= USM_PRIV_COUNT)
        return MW_EINVAL;
    if (auth == USM_AUTH_NONE && priv != USM_PRIV_NONE)
        return MW_EINVAL;
    if (auth != USM_AUTH_NONE && (!auth_pass || strlen(auth_pass) < USM_MIN_PASS))
        return MW_EINVAL;
    if (priv != USM_PRIV_NONE && (!priv_pass || strlen(priv_pass) < USM_MIN_PASS))
        return MW_EINVAL;
    user_access_t *u = realloc(a->users, (a->nusers + 1) * sizeof *u);
    if (!u)
        return MW_ENOMEM;
    a->users = u;
    /* USM takes any level the keys give; a lower one than the user's is
     * refused by access control (authorizationError) */
    int k = mp_user_add(a->mp, name, n, (usm_auth_t)auth, auth_pass,
                        auth_pass ? strlen(auth_pass) : 0, (usm_priv_t)priv, priv_pass,
                        priv_pass ? strlen(priv_pass) : 0, MP_NOAUTH);
    if (k < 0)
        return k;
    u = &a->users[k];
    u->rw = rw;
    u->view = vi;
    /* the level a user needs is at least what its keys allow */
    int own = priv != USM_PRIV_NONE ? AGENT_LEVEL_PRIV : auth != USM_AUTH_NONE ? AGENT_LEVEL_AUTH
                                                                              : AGENT_LEVEL_NOAUTH;
    u->level = level > own ? own : level < AGENT_LEVEL_NOAUTH ? own : level;
    a->nusers++;
    return 0;
}

/* --- registry --------------------------------------------------------- */

/* Index of the region containing name, or of the first region after it;
 * *inside tells which. */
static size_t
region_lower(const agent_t *a, const oid_t *name, int *inside)
{
    size_t lo = 0, hi = a->nreg;
    while (lo < hi) { /* first region with root > name */
        size_t mid = (lo + hi) / 2;
        if (oid_cmp(&a->regions[mid]->root, name) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && oid_is_prefix(&a->regions[lo - 1]->root, name)) {
        *inside = 1;
        return lo - 1;
    }
    *inside = 0;
    return lo;
}

static agent_region_t *
region_find(const agent_t *a, const oid_t *name)
{
    int inside;
    size_t i = region_lower(a, name, &inside);
    return inside ? a->regions[i] : NULL;
}

int
agent_register(agent_t *a, const oid_t *root, int scalar, const agent_backend_t *be, void *ctx,
               intptr_t id)
{
    int inside;
    if (root->len < 2 || !be || !be->get || (!scalar && !be->next))
        return MW_EINVAL;
    size_t i = region_lower(a, root, &inside);
    /* overlaps: refused, unless every region overlapped is weak and the
     * new one is not (a user's object replaces a built-in host one) */
    size_t first = i, end = inside ? i + 1 : i;
    while (end < a->nreg && oid_is_prefix(root, &a->regions[end]->root))
        end++;
    for (size_t k = first; k < end; k++)
        if (be->weak || !a->regions[k]->be->weak)
            return MW_EINVAL;
    while (end > first) {
        agent_region_t *r = a->regions[--end];
        memmove(&a->regions[end], &a->regions[end + 1], (a->nreg - end - 1) * sizeof *a->regions);
        a->nreg--;
        if (r->be->release)
            r->be->release(r);
        free(r);
    }
    i = first;
    if (a->nreg == a->capreg) {
        size_t nc = a->capreg ? a->capreg * 2 : 64;
        agent_region_t **p = realloc(a->regions, nc * sizeof *p);
        if (!p)
            return MW_ENOMEM;
        a->regions = p;
        a->capreg = nc;
    }
    agent_region_t *r = malloc(sizeof *r);
    if (!r)
        return MW_ENOMEM;
    r->root = *root;
    r->scalar = scalar;
    r->be = be;
    r->ctx = ctx;
    r->id = id;
    memmove(&a->regions[i + 1], &a->regions[i], (a->nreg - i) * sizeof *a->regions);
    a->regions[i] = r;
    a->nreg++;
    return 0;
}

agent_region_t *
agent_region_at(agent_t *a, const oid_t *root)
{
    int inside;
    size_t i = region_lower(a, root, &inside);
    return inside && oid_cmp(&a->regions[i]->root, root) == 0 ? a->regions[i] : NULL;
}

int
agent_unregister(agent_t *a, const oid_t *root)
{
    int inside;
    size_t i = region_lower(a, root, &inside);
    if (!inside || oid_cmp(&a->regions[i]->root, root) != 0)
        return MW_EINVAL;
    agent_region_t *r = a->regions[i];
    memmove(&a->regions[i], &a->regions[i + 1], (a->nreg - i - 1) * sizeof *a->regions);
    a->nreg--;
    if (r->be->release)
        r->be->release(r);
    free(r);
    return 0;
}

/* --- state directory ------------------------------------------------ */

static const char *const sys_keys[4] = { "sysDescr", "sysContact", "sysName", "sysLocation" };

static int
hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (s[0] && s[1] && n < cap) {
        int h = hexval(s[0]), l = hexval(s[1]);
        if (h < 0 || l < 0)
            break;
        out[n++] = (uint8_t)(h << 4 | l);
        s += 2;
    }
    return n;
}

/* The writable system strings go into the engine's state file (in hex),
 * beside the engine ID and boots; configured (read-only) ones do not. */
static int
state_save(agent_t *a)
{
    char hex[2 * 255 + 1];
    int rc;
    if (!snmpengine_state_file(a->eng))
        return 0;
    for (int k = 1; k < 4; k++) {
        if (a->sys_ro[k] || !a->sys[k]) {
            rc = snmpengine_state_set(a->eng, sys_keys[k], NULL);
        } else {
            size_t n = a->sys_len[k] < 255 ? a->sys_len[k] : 255;
            for (size_t i = 0; i < n; i++)
                snprintf(hex + 2 * i, 3, "%02x", (uint8_t)a->sys[k][i]);
            hex[2 * n] = '\0';
            rc = snmpengine_state_set(a->eng, sys_keys[k], hex);
        }
        if (rc < 0)
            return rc;
    }
    return snmpengine_save(a->eng, a->errmsg, sizeof a->errmsg);
}

static int
sys_store(agent_t *a, int which, const char *value, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        return MW_ENOMEM;
    memcpy(p, value, len);
    p[len] = '\0';
    free(a->sys[which]);
    a->sys[which] = p;
    a->sys_len[which] = len;
    return 0;
}

int
agent_state_dir(agent_t *a, const char *dir)
{
    char path[4096];
    int rc;
    if ((rc = snmpengine_mkdirs(dir)) < 0) {
        snprintf(a->errmsg, sizeof a->errmsg, "state directory %s: %s", dir, strerror(-rc));
        return rc;
    }
    if (snmpengine_path(path, sizeof path, dir, "moonwalk-agent.state") < 0) {
        snprintf(a->errmsg, sizeof a->errmsg, "state directory %s: name too long", dir);
        return MW_EINVAL;
    }
    if ((rc = snmpengine_load(a->eng, path, a->errmsg, sizeof a->errmsg)) < 0)
        return rc;
    for (int k = 1; k < 4; k++) {
        const char *v = snmpengine_state_get(a->eng, sys_keys[k]);
        if (v && !a->sys_ro[k]) {
            uint8_t b[256];
            size_t n = unhex(v, b, sizeof b);
            if ((rc = sys_store(a, k, (const char *)b, n)) < 0)
                return rc;
        }
    }
    return 0;
}

int
agent_engine_setup(agent_t *a, const uint8_t *eid, size_t len)
{
    int rc = snmpengine_boot(a->eng, eid, len, -1, a->errmsg, sizeof a->errmsg);
    if (rc < 0)
        return rc;
    clock_gettime(CLOCK_MONOTONIC, &a->start);
    rc = state_save(a);
    int k = mp_use_engine(a->mp, a->eng);
    return rc < 0 ? rc : k;
}

/* --- system group ----------------------------------------------------- */

int
agent_sys_set(agent_t *a, int which, const char *value, size_t len)
{
    if (which < 0 || which > 3 || len > 255)
        return MW_EINVAL;
    a->sys_ro[which] = 1;
    return sys_store(a, which, value, len);
}

void agent_sys_objectid(agent_t *a, const oid_t *o) { a->sys_oid = *o; }
void agent_sys_services(agent_t *a, int services) { a->services = services; }

int
agent_sysor_add(agent_t *a, const oid_t *id, const char *descr)
{
    sysor_t *s = realloc(a->sysor, (a->nsysor + 1) * sizeof *s);
    if (!s)
        return MW_ENOMEM;
    a->sysor = s;
    s = &a->sysor[a->nsysor];
    s->id = *id;
    s->descr = strdup(descr ? descr : "");
    if (!s->descr)
        return MW_ENOMEM;
    s->uptime = agent_uptime(a);
    a->sysor_last = s->uptime;
    a->nsysor++;
    return 0;
}

/* --- built-in objects --------------------------------------------------- */

enum {
    B_SYSDESCR = 1, B_SYSOBJECTID, B_SYSUPTIME, B_SYSCONTACT, B_SYSNAME, B_SYSLOCATION,
    B_SYSSERVICES, B_SYSORLASTCHANGE,
    B_SNMP = 100,        /* + snmp group arc */
    B_ENGINE = 200,      /* + snmpEngine arc */
    B_MPD = 300,         /* + snmpMPDStats arc */
    B_USM = 400,         /* + usmStats arc */
    B_SETSERIAL = 500,
    B_CONTEXTS = 600,    /* + snmpTargetObjects arc (4, 5) */
};

static void
v_str(mw_value_t *v, const void *p, size_t n)
{
    v->type = MW_T_OCTETSTR;
    v->p = p;
    v->len = (uint32_t)n;
}

static void
v_num(mw_value_t *v, uint8_t type, uint64_t u)
{
    v->type = type;
    v->num.u = u;
    v->p = NULL;
    v->len = 0;
}

/* snmp group counter arc (RFC 3418), -1 for none; Counter32 wraps. */
static int64_t
snmp_counter(const agent_t *a, uint32_t arc)
{
    const agent_stats_t *s = &a->st;
    const mp_stats_t *mp = mp_stats(a->mp);
    switch (arc) {
    case 1: return (uint32_t)mp->snmpInPkts;
    case 2: return s->out_pkts;
    case 3: return (uint32_t)mp->snmpInBadVersions;
    case 4: return (uint32_t)mp->snmpInBadCommunityNames;
    case 5: return s->in_bad_community_uses;
    case 6: return (uint32_t)mp->snmpInASNParseErrs;
    case 8: return s->in_too_bigs;
    case 9: return s->in_no_such_names;
    case 10: return s->in_bad_values;
    case 11: return s->in_read_onlys;
    case 12: return s->in_gen_errs;
    case 13: return s->in_total_req_vars;
    case 14: return s->in_total_set_vars;
    case 15: return s->in_get_requests;
    case 16: return s->in_get_nexts;
    case 17: return s->in_set_requests;
    case 18: return s->in_get_responses;
    case 19: return s->in_traps;
    case 20: return s->out_too_bigs;
    case 21: return s->out_no_such_names;
    case 22: return s->out_bad_values;
    case 24: return s->out_gen_errs;
    case 25: return s->out_get_requests;
    case 26: return s->out_get_nexts;
    case 27: return s->out_set_requests;
    case 28: return s->out_get_responses;
    case 29: return s->out_traps;
    case 31: return s->silent_drops;
    case 32: return s->proxy_drops;
    default: return -1;
    }
}

static int
builtin_get(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v)
{
    agent_t *a = rq->a;
    intptr_t id = r->id;
    (void)name;
    if (id > B_SNMP && id < B_ENGINE) {
        if (id == B_SNMP + 30) {
            v_num(v, MW_T_INTEGER, 0);
            v->num.i = a->auth_traps;
            return 0;
        }
        int64_t c = snmp_counter(a, (uint32_t)(id - B_SNMP));
        v_num(v, MW_T_COUNTER32, c >= 0 ? (uint64_t)c : 0);
        return 0;
    }
    switch (id) {
    case B_SYSDESCR: case B_SYSCONTACT: case B_SYSNAME: case B_SYSLOCATION: {
        int k = id == B_SYSDESCR ? 0 : (int)(id - B_SYSCONTACT) + 1;
        v_str(v, a->sys[k] ? a->sys[k] : "", a->sys[k] ? a->sys_len[k] : 0);
        return 0;
    }
    case B_SYSOBJECTID: {
        uint8_t *p = agent_req_alloc(rq, NAME_MAX_BER);
        int n = p ? oid_encode(&a->sys_oid, p, NAME_MAX_BER) : -1;
        if (n < 0)
            return -MW_ERR_GENERR;
        v->type = MW_T_OID;
        v->p = p;
        v->len = (uint32_t)n;
        return 0;
    }
    case B_SYSUPTIME: v_num(v, MW_T_TIMETICKS, agent_uptime(a)); return 0;
    case B_SYSSERVICES: v_num(v, MW_T_INTEGER, 0); v->num.i = a->services; return 0;
    case B_SYSORLASTCHANGE: v_num(v, MW_T_TIMETICKS, a->sysor_last); return 0;
    case B_ENGINE + 1: {
        size_t n;
        const uint8_t *eid = snmpengine_id(a->eng, &n);
        v_str(v, eid, n);
        return 0;
    }
    case B_ENGINE + 2: v_num(v, MW_T_INTEGER, 0); v->num.i = snmpengine_boots(a->eng); return 0;
    case B_ENGINE + 3: v_num(v, MW_T_INTEGER, 0); v->num.i = agent_engine_time(a); return 0;
    case B_ENGINE + 4: v_num(v, MW_T_INTEGER, 0); v->num.i = (int64_t)a->max_msg; return 0;
    case B_MPD + 1: v_num(v, MW_T_COUNTER32, (uint32_t)mp_stats(a->mp)->snmpUnknownSecurityModels); return 0;
    case B_MPD + 2: v_num(v, MW_T_COUNTER32, (uint32_t)mp_stats(a->mp)->snmpInvalidMsgs); return 0;
    case B_MPD + 3: v_num(v, MW_T_COUNTER32, (uint32_t)mp_stats(a->mp)->snmpUnknownPDUHandlers); return 0;
    case B_USM + 1: v_num(v, MW_T_COUNTER32, (uint32_t)mp_stats(a->mp)->usmStatsUnsupportedSecLevels); return 0;
    case B_USM + 2: v_num(v, MW_T_COUNTER32, (uint32_t)mp_stats(a->mp)->usmStatsNotInTimeWindows); return 0;
    case B_USM + 3: v_num(v, MW_T_COUNTER32, (uint32_t)mp_stats(a->mp)->usmStatsUnknownUserNames); return 0;
    case B_USM + 4: v_num(v, MW_T_COUNTER32, (uint32_t)mp_stats(a->mp)->usmStatsUnknownEngineIDs); return 0;
    case B_USM + 5: v_num(v, MW_T_COUNTER32, (uint32_t)mp_stats(a->mp)->usmStatsWrongDigests); return 0;
    case B_USM + 6: v_num(v, MW_T_COUNTER32, (uint32_t)mp_stats(a->mp)->usmStatsDecryptionErrors); return 0;
    case B_SETSERIAL: v_num(v, MW_T_INTEGER, 0); v->num.i = a->set_serial; return 0;
    case B_CONTEXTS + 4: v_num(v, MW_T_COUNTER32, 0); return 0;
    case B_CONTEXTS + 5: v_num(v, MW_T_COUNTER32, a->st.unknown_contexts); return 0;
    }
    return AGENT_NOSUCH;
}

static int
builtin_check(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s)
{
    agent_t *a = rq->a;
    const mw_value_t *v = s->val;
    switch (r->id) {
    case B_SYSCONTACT: case B_SYSNAME: case B_SYSLOCATION: {
        int k = (int)(r->id - B_SYSCONTACT) + 1;
        if (a->sys_ro[k])
            return MW_ERR_NOTWRITABLE;
        if (v->type != MW_T_OCTETSTR)
            return MW_ERR_WRONGTYPE;
        if (v->len > 255)
            return MW_ERR_WRONGLENGTH;
        for (uint32_t i = 0; i < v->len; i++) /* DisplayString: NVT ASCII */
            if (v->p[i] > 126 || (v->p[i] < 32 && v->p[i] != '\r' && v->p[i] != '\n'
                                  && v->p[i] != '\t' && v->p[i] != 0))
                return MW_ERR_WRONGVALUE;
        return 0;
    }
    case B_SNMP + 30:
        if (v->type != MW_T_INTEGER)
            return MW_ERR_WRONGTYPE;
        return v->num.i == 1 || v->num.i == 2 ? 0 : MW_ERR_WRONGVALUE;
    case B_SETSERIAL:
        if (v->type != MW_T_INTEGER)
            return MW_ERR_WRONGTYPE;
        if (agent_value_too_long(v))
            return MW_ERR_WRONGLENGTH;
        if (v->num.i < 0)
            return MW_ERR_WRONGVALUE;
        return v->num.i == a->set_serial ? 0 : MW_ERR_INCONSISTENTVALUE;
    }
    return MW_ERR_NOTWRITABLE;
}

static int
builtin_commit(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s)
{
    agent_t *a = rq->a;
    switch (r->id) {
    case B_SYSCONTACT: case B_SYSNAME: case B_SYSLOCATION: {
        int k = (int)(r->id - B_SYSCONTACT) + 1;
        char *old = a->sys[k];
        size_t oldlen = a->sys_len[k];
        a->sys[k] = NULL;
        if (sys_store(a, k, (const char *)s->val->p, s->val->len) < 0) {
            a->sys[k] = old;
            return MW_ERR_RESOURCEUNAVAILABLE;
        }
        s->undo = old;
        s->undo_tag = (intptr_t)oldlen;
        return 0;
    }
    case B_SNMP + 30:
        s->undo_tag = a->auth_traps;
        a->auth_traps = (int)s->val->num.i;
        return 0;
    case B_SETSERIAL:
        s->undo_tag = a->set_serial;
        a->set_serial = a->set_serial == 2147483647 ? 0 : a->set_serial + 1;
        return 0;
    }
    return MW_ERR_COMMITFAILED;
}

static int
builtin_undo(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s)
{
    agent_t *a = rq->a;
    switch (r->id) {
    case B_SYSCONTACT: case B_SYSNAME: case B_SYSLOCATION: {
        int k = (int)(r->id - B_SYSCONTACT) + 1;
        free(a->sys[k]);
        a->sys[k] = s->undo;
        a->sys_len[k] = (size_t)s->undo_tag;
        s->undo = NULL;
        return 0;
    }
    case B_SNMP + 30: a->auth_traps = (int)s->undo_tag; return 0;
    case B_SETSERIAL: a->set_serial = (int32_t)s->undo_tag; return 0;
    }
    return MW_ERR_UNDOFAILED;
}

static void
builtin_finish(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s, int ok)
{
    if (r->id >= B_SYSCONTACT && r->id <= B_SYSLOCATION && s->committed) {
        free(s->undo);
        s->undo = NULL;
        if (ok)
            state_save(rq->a);
    }
}

static const agent_backend_t builtin_be = {
    .get = builtin_get,
    .check = builtin_check,
    .commit = builtin_commit,
    .undo = builtin_undo,
    .finish = builtin_finish,
};

/* sysORTable: sysOREntry.{2,3,4}.index (sysORIndex is not-accessible). */
static int
sysor_cell(agent_req_t *rq, uint32_t col, uint32_t idx, mw_value_t *v)
{
    agent_t *a = rq->a;
    if (idx < 1 || idx > a->nsysor || col < 2 || col > 4)
        return AGENT_NOSUCH;
    const sysor_t *s = &a->sysor[idx - 1];
    if (col == 2) {
        uint8_t *p = agent_req_alloc(rq, NAME_MAX_BER);
        int n = p ? oid_encode(&s->id, p, NAME_MAX_BER) : -1;
        if (n < 0)
            return -MW_ERR_GENERR;
        v->type = MW_T_OID;
        v->p = p;
        v->len = (uint32_t)n;
    } else if (col == 3) {
        v_str(v, s->descr, strlen(s->descr));
    } else {
        v_num(v, MW_T_TIMETICKS, s->uptime);
    }
    return 0;
}

static int
sysor_get(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v)
{
    uint32_t n = r->root.len;
    if (name->len != n + 3 || name->arcs[n] != 1)
        return AGENT_NOSUCH;
    return sysor_cell(rq, name->arcs[n + 1], name->arcs[n + 2], v);
}

static int
sysor_next(agent_req_t *rq, agent_region_t *r, const oid_t *after, oid_t *out, mw_value_t *v)
{
    agent_t *a = rq->a;
    uint32_t n = r->root.len;
    oid_copy(out, &r->root);
    out->len = n + 3;
    out->arcs[n] = 1;
    for (uint32_t col = 2; col <= 4; col++) {
        for (uint32_t i = 1; i <= a->nsysor; i++) {
            out->arcs[n + 1] = col;
            out->arcs[n + 2] = i;
            if (oid_cmp(out, after) > 0)
                return sysor_cell(rq, col, i, v);
        }
    }
    return AGENT_END;
}

static const agent_backend_t sysor_be = {
    .get = sysor_get,
    .next = sysor_next,
};

static int
register_builtins(agent_t *a)
{
    oid_t o;
    int rc = 0;
    for (uint32_t k = 1; k <= 8 && rc == 0; k++) {
        oid_set(&o, A_SYSTEM, k);
        rc = agent_register(a, &o, 1, &builtin_be, NULL, (intptr_t)k);
    }
    oid_set(&o, A_SYSTEM, 9);
    if (rc == 0)
        rc = agent_register(a, &o, 0, &sysor_be, NULL, 0);
    for (uint32_t k = 1; k <= 32 && rc == 0; k++) {
        if (k != 30 && snmp_counter(a, k) < 0)
            continue;
        oid_set(&o, A_SNMP, k);
        rc = agent_register(a, &o, 1, &builtin_be, NULL, B_SNMP + (intptr_t)k);
    }
    for (uint32_t k = 1; k <= 4 && rc == 0; k++) {
        oid_set(&o, A_ENGINE, k);
        rc = agent_register(a, &o, 1, &builtin_be, NULL, B_ENGINE + (intptr_t)k);
    }
    for (uint32_t k = 1; k <= 3 && rc == 0; k++) {
        oid_set(&o, A_MPD, k);
        rc = agent_register(a, &o, 1, &builtin_be, NULL, B_MPD + (intptr_t)k);
    }
    for (uint32_t k = 1; k <= 6 && rc == 0; k++) {
        oid_set(&o, A_USMSTATS, k);
        rc = agent_register(a, &o, 1, &builtin_be, NULL, B_USM + (intptr_t)k);
    }
    for (uint32_t k = 4; k <= 5 && rc == 0; k++) {
        oid_set(&o, A_TARGET, k);
        rc = agent_register(a, &o, 1, &builtin_be, NULL, B_CONTEXTS + (intptr_t)k);
    }
    oid_set(&o, A_SETSERIAL, 0);
    if (rc == 0)
        rc = agent_register(a, &o, 1, &builtin_be, NULL, B_SETSERIAL);
    return rc;
}

/* --- life cycle --------------------------------------------------------- */

agent_t *
agent_new(struct event_base *base)
{
    agent_t *a = calloc(1, sizeof *a);
    char host[256];
    if (!a)
        return NULL;
    a->base = base;
    a->auth_traps = 2;
    a->max_msg = UDP_MAX;
    a->max_reps = AGENT_MAX_REPETITIONS;
    a->services = 72;
    oid_parse(&a->sys_oid, SYS_OBJECTID, sizeof SYS_OBJECTID - 1);
    clock_gettime(CLOCK_MONOTONIC, &a->start);
    a->set_serial = (int32_t)(time(NULL) & 0x7FFFFFF);
    mp_config_t mpc = { .max_msg = a->max_msg, .engines_max = 0 };
    if (!(a->eng = snmpengine_new()) || !(a->mp = mp_new(&mpc)))
        goto fail;
    a->req_vbs = malloc(REQ_CAP * sizeof *a->req_vbs);
    a->resp_vbs = malloc(RESP_CAP * sizeof *a->resp_vbs);
    a->arena = malloc(ARENA_CAP);
    a->out = malloc(OUT_CAP);
    a->plain = malloc(OUT_CAP);
    if (!a->req_vbs || !a->resp_vbs || !a->arena || !a->out || !a->plain)
        goto fail;
    if (sys_store(a, AGENT_SYS_DESCR, "moonwalk SNMP agent " MW_VERSION,
                  strlen("moonwalk SNMP agent " MW_VERSION)) < 0)
        goto fail;
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        sys_store(a, AGENT_SYS_NAME, host, strlen(host));
    }
    if (register_builtins(a) < 0)
        goto fail;
    return a;
fail:
    agent_free(a);
    return NULL;
}

void
agent_free(agent_t *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nls; i++)
        udp_close(a->ls[i].s);
    free(a->ls);
    for (size_t i = 0; i < a->nreg; i++) {
        if (a->regions[i]->be->release)
            a->regions[i]->be->release(a->regions[i]);
        free(a->regions[i]);
    }
    free(a->regions);
    for (size_t i = 0; i < a->nviews; i++)
        free(a->views[i].rules);
    free(a->views);
    for (size_t i = 0; i < a->ncomms; i++)
        free(a->comms[i].name);
    free(a->comms);
    free(a->users);
    mp_free(a->mp);
    for (int k = 0; k < 4; k++)
        free(a->sys[k]);
    for (size_t i = 0; i < a->nsysor; i++)
        free(a->sysor[i].descr);
    free(a->sysor);
    snmpengine_release(a->eng);
    free(a->req_vbs);
    free(a->resp_vbs);
    free(a->setvbs);
    free(a->arena);
    free(a->out);
    if (a->plain)
        usm_wipe(a->plain, OUT_CAP);
    free(a->plain);
    free(a);
}

/* --- request processing --------------------------------------------------- */

/* Octets of a BER length field. */
static size_t
len_size(size_t len)
{
    return len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 4;
}

static size_t
uint_octets(uint64_t v)
{
    return v ? (size_t)(64 - __builtin_clzll(v)) / 8 + 1 : 1;
}

/* Encoded size of a varbind. */
static size_t
vb_size(const mw_varbind_t *vb)
{
    const mw_value_t *v = &vb->val;
    size_t vl;
    switch (v->type) {
    case MW_T_INTEGER: {
        uint64_t m = v->num.i < 0 ? ~(uint64_t)v->num.i : (uint64_t)v->num.i;
        vl = m ? (size_t)(64 - __builtin_clzll(m)) / 8 + 1 : 1;
        break;
    }
    case MW_T_COUNTER32: case MW_T_GAUGE32: case MW_T_TIMETICKS: case MW_T_UINTEGER32:
        vl = uint_octets(v->num.u & 0xFFFFFFFFu);
        break;
    case MW_T_COUNTER64: vl = uint_octets(v->num.u); break;
    case MW_T_NULL: case MW_T_NOSUCHOBJECT: case MW_T_NOSUCHINSTANCE: case MW_T_ENDOFMIBVIEW:
        vl = 0;
        break;
    default: vl = v->len; break;
    }
    size_t body = 1 + len_size(vb->oid_len) + vb->oid_len + 1 + len_size(vl) + vl;
    return 1 + len_size(body) + body;
}

static int
set_exception(mw_varbind_t *vb, uint8_t type)
{
    vb->val.type = type;
    vb->val.len = 0;
    vb->val.p = NULL;
    vb->val.num.u = 0;
    return 0;
}

/* Copies a string value that a backend left outside the arena? Backends
 * own their memory for the request; nothing to do here. */

static int
region_get(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v)
{
    if (r->scalar && !(name->len == r->root.len + 1 && name->arcs[r->root.len] == 0))
        return AGENT_NOSUCH;
    return r->be->get(rq, r, name, v);
}

static int
region_next(agent_req_t *rq, agent_region_t *r, const oid_t *after, oid_t *out, mw_value_t *v)
{
    if (r->scalar) {
        oid_copy(out, &r->root);
        out->arcs[out->len++] = 0;
        if (oid_cmp(after, out) >= 0)
            return AGENT_END;
        int rc = r->be->get(rq, r, out, v);
        return rc == AGENT_NOSUCH ? AGENT_END : rc;
    }
    return r->be->next(rq, r, after, out, v);
}

/* The first visible instance after name. 0, AGENT_END or -status. */
static int
find_next(agent_req_t *rq, const oid_t *name, oid_t *out, mw_value_t *v)
{
    agent_t *a = rq->a;
    oid_t cur;
    int inside;
    size_t i, h = rq->hint;
    oid_copy(&cur, name);
    /* walks move from one region to the next: try the last one first */
    if (h < a->nreg && oid_is_prefix(&a->regions[h]->root, &cur))
        i = h;
    else if (h + 1 < a->nreg && oid_cmp(&a->regions[h]->root, &cur) < 0
             && oid_cmp(&a->regions[h + 1]->root, &cur) > 0)
        i = h + 1;
    else
        i = region_lower(a, &cur, &inside);
    for (; i < a->nreg; i++) {
        agent_region_t *r = a->regions[i];
        if (view_excludes_subtree(a, rq->view, &r->root))
            continue;
        const oid_t *after = oid_cmp(&cur, &r->root) < 0 ? &r->root : &cur;
        for (;;) {
            int rc = region_next(rq, r, after, out, v);
            if (rc == AGENT_END)
                break;
            if (rc != 0)
                return rc;
            if (oid_cmp(out, after) <= 0) /* a backend that does not advance */
                return -MW_ERR_GENERR;
            if (view_allows(a, rq->view, out) && !(rq->version == MW_V1 && v->type == MW_T_COUNTER64)) {
                rq->hint = i;
                return 0;
            }
            oid_copy(&cur, out);
            after = &cur;
        }
    }
    return AGENT_END;
}

/* Decodes a request name; malformed names were refused by the decoder. */
static int
name_of(const mw_varbind_t *vb, oid_t *o)
{
    return oid_decode(o, vb->oid, vb->oid_len);
}

/* Encodes o into the arena as the name of vb. */
static int
put_name(agent_req_t *rq, mw_varbind_t *vb, const oid_t *o)
{
    uint8_t *p = agent_req_alloc(rq, NAME_MAX_BER);
    if (!p)
        return MW_ETOOBIG;
    int n = oid_encode(o, p, NAME_MAX_BER);
    if (n < 0)
        return n;
    agent_req_unalloc(rq, (size_t)NAME_MAX_BER - (size_t)n);
    vb->oid = p;
    vb->oid_len = (uint32_t)n;
    return 0;
}

typedef struct {
    int status;
    int index;
} pdu_result_t;

static void
do_get(agent_req_t *rq, mw_pdu_t *req, mw_pdu_t *resp, pdu_result_t *res)
{
    agent_t *a = rq->a;
    for (size_t i = 0; i < req->nvb; i++) {
        mw_varbind_t *out = &resp->vbs[i];
        oid_t name;
        agent_region_t *r;
        int rc;
        out->oid = req->vbs[i].oid;
        out->oid_len = req->vbs[i].oid_len;
        if (name_of(&req->vbs[i], &name) < 0 || !view_allows(a, rq->view, &name)
            || !(r = region_find(a, &name))) {
            rc = -1;
            set_exception(out, MW_T_NOSUCHOBJECT);
        } else if ((rc = region_get(rq, r, &name, &out->val)) == AGENT_NOSUCH) {
            set_exception(out, MW_T_NOSUCHINSTANCE);
        } else if (rc < 0) {
            res->status = -rc;
            res->index = (int)i + 1;
            return;
        }
        if (rq->version == MW_V1 && (rc != 0 || out->val.type == MW_T_COUNTER64)) {
            res->status = MW_ERR_NOSUCHNAME;
            res->index = (int)i + 1;
            return;
        }
    }
    resp->nvb = req->nvb;
}

static void
do_getnext(agent_req_t *rq, mw_pdu_t *req, mw_pdu_t *resp, pdu_result_t *res)
{
    for (size_t i = 0; i < req->nvb; i++) {
        mw_varbind_t *out = &resp->vbs[i];
        oid_t name, found;
        int rc;
        if (name_of(&req->vbs[i], &name) < 0)
            name.len = 0;
        rc = find_next(rq, &name, &found, &out->val);
        if (rc == 0) {
            if (put_name(rq, out, &found) < 0) {
                res->status = MW_ERR_TOOBIG;
                return;
            }
            continue;
        }
        if (rc == AGENT_END && rq->version != MW_V1) {
            out->oid = req->vbs[i].oid;
            out->oid_len = req->vbs[i].oid_len;
            set_exception(out, MW_T_ENDOFMIBVIEW);
            continue;
        }
        res->status = rc == AGENT_END ? MW_ERR_NOSUCHNAME : -rc;
        res->index = (int)i + 1;
        return;
    }
    resp->nvb = req->nvb;
}

/* GETBULK (RFC 3416 4.2.3), trimmed to `room` octets of varbinds. */
static void
do_getbulk(agent_req_t *rq, mw_pdu_t *req, mw_pdu_t *resp, pdu_result_t *res, size_t room)
{
    size_t nvb = req->nvb;
    size_t n = req->error_status < 0 ? 0 : (size_t)req->error_status;
    size_t m = req->error_index < 0 ? 0 : (size_t)req->error_index;
    size_t used = 0, k = 0;
    if (n > nvb)
        n = nvb;
    size_t rcols = nvb - n;
    /* the repetition cap (an amplifier otherwise: a 37-octet request could
     * ask for 2^31-1 repetitions) */
    if (rq->a->max_reps && rcols > 0) {
        size_t cap = rq->a->max_reps / rcols;
        if (cap < 1)
            cap = 1;
        if (m > cap)
            m = cap;
    }
    for (size_t i = 0; i < nvb && (i < n || m > 0); i++) {
        /* non-repeaters, then the first repetition */
        mw_varbind_t *out = &resp->vbs[k];
        oid_t name, found;
        int rc;
        if (k >= RESP_CAP)
            break;
        if (name_of(&req->vbs[i], &name) < 0)
            name.len = 0;
        rc = find_next(rq, &name, &found, &out->val);
        if (rc == 0) {
            if (put_name(rq, out, &found) < 0)
                goto trim;
        } else if (rc == AGENT_END) {
            out->oid = req->vbs[i].oid;
            out->oid_len = req->vbs[i].oid_len;
            set_exception(out, MW_T_ENDOFMIBVIEW);
        } else {
            res->status = -rc;
            res->index = (int)i + 1;
            return;
        }
        size_t sz = vb_size(out);
        if (used + sz > room)
            goto trim;
        used += sz;
        k++;
    }
    /* further repetitions continue from the previous row */
    for (size_t rep = 1; rep < m && rcols > 0; rep++) {
        size_t row = k - rcols;
        int all_end = 1;
        for (size_t j = 0; j < rcols; j++) {
            const mw_varbind_t *prev = &resp->vbs[row + j];
            if (prev->val.type != MW_T_ENDOFMIBVIEW) {
                all_end = 0;
                break;
            }
        }
        if (all_end)
            break;
        for (size_t j = 0; j < rcols; j++) {
            const mw_varbind_t *prev = &resp->vbs[row + j];
            mw_varbind_t *out = &resp->vbs[k];
            oid_t name, found;
            int rc;
            if (k >= RESP_CAP)
                goto trim;
            if (prev->val.type == MW_T_ENDOFMIBVIEW) {
                *out = *prev;
            } else {
                if (name_of(prev, &name) < 0)
                    name.len = 0;
                rc = find_next(rq, &name, &found, &out->val);
                if (rc == 0) {
                    if (put_name(rq, out, &found) < 0)
                        goto trim;
                } else if (rc == AGENT_END) {
                    out->oid = prev->oid;
                    out->oid_len = prev->oid_len;
                    set_exception(out, MW_T_ENDOFMIBVIEW);
                } else {
                    res->status = -rc;
                    res->index = (int)(n + j) + 1;
                    return;
                }
            }
            size_t sz = vb_size(out);
            if (used + sz > room)
                goto trim;
            used += sz;
            k++;
        }
    }
trim:
    if (k < n && k < nvb) {
        /* not even the non-repeaters fit */
        res->status = MW_ERR_TOOBIG;
        return;
    }
    resp->nvb = k;
}

/* RFC 3584 4.4: v2 error-status values as v1 ones. */
static int
v1_status(int s)
{
    switch (s) {
    case MW_ERR_NOERROR: case MW_ERR_TOOBIG: case MW_ERR_NOSUCHNAME: case MW_ERR_BADVALUE:
    case MW_ERR_READONLY: case MW_ERR_GENERR:
        return s;
    case MW_ERR_WRONGVALUE: case MW_ERR_WRONGENCODING: case MW_ERR_WRONGTYPE:
    case MW_ERR_WRONGLENGTH: case MW_ERR_INCONSISTENTVALUE:
        return MW_ERR_BADVALUE;
    case MW_ERR_NOACCESS: case MW_ERR_NOTWRITABLE: case MW_ERR_NOCREATION:
    case MW_ERR_INCONSISTENTNAME: case MW_ERR_AUTHORIZATIONERROR:
        return MW_ERR_NOSUCHNAME;
    default: /* resourceUnavailable, commitFailed, undoFailed */
        return MW_ERR_GENERR;
    }
}

int
agent_value_too_long(const mw_value_t *v)
{
    switch (v->type) {
    case MW_T_INTEGER:
        return v->num.i < INT32_MIN || v->num.i > INT32_MAX;
    case MW_T_COUNTER32: case MW_T_GAUGE32: case MW_T_TIMETICKS: case MW_T_UINTEGER32:
        return v->num.u > UINT32_MAX;
    default:
        return 0;
    }
}

/* Request varbinds about to be echoed in a response: values wider than
 * their type keep their low 32 bits, as snmpd echoes them, so that a
 * manager that holds responses to 32 bits can read the answer. */
static void
echo_narrow(mw_varbind_t *vbs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mw_value_t *v = &vbs[i].val;
        if (!agent_value_too_long(v))
            continue;
        if (v->type == MW_T_INTEGER)
            v->num.i = (int32_t)(uint32_t)(uint64_t)v->num.i;
        else
            v->num.u &= UINT32_MAX;
    }
}

/* Checks the value's syntax as the decoder left it (RFC 3416 4.2.5). */
static int
set_value_sane(const mw_value_t *v)
{
    switch (v->type) {
    case MW_T_INTEGER: case MW_T_OCTETSTR: case MW_T_OID: case MW_T_IPADDR:
    case MW_T_COUNTER32: case MW_T_GAUGE32: case MW_T_TIMETICKS: case MW_T_OPAQUE:
    case MW_T_COUNTER64: case MW_T_UINTEGER32: case MW_T_NSAP:
        return 0;
    default:
        return MW_ERR_WRONGTYPE; /* NULL and the exceptions carry no value */
    }
}

static void
do_set(agent_req_t *rq, mw_pdu_t *req, mw_pdu_t *resp, pdu_result_t *res)
{
    agent_t *a = rq->a;
    size_t nvb = req->nvb, checked = 0, i;
    int status = 0, index = 0;

    resp->nvb = 0;
    if (nvb > a->setcap) {
        agent_setvb_t *p = realloc(a->setvbs, nvb * sizeof *p);
        if (!p) {
            res->status = MW_ERR_RESOURCEUNAVAILABLE;
            res->index = 1;
            return;
        }
        a->setvbs = p;
        a->setcap = nvb;
    }
    agent_setvb_t *sv = a->setvbs;
    if (!rq->rw && nvb > 0) {
        a->st.in_bad_community_uses += rq->version != MW_V3;
        res->status = MW_ERR_NOACCESS;
        res->index = 1;
        return;
    }
    /* 1: check every varbind */
    for (i = 0; i < nvb && status == 0; i++) {
        agent_setvb_t *s = &sv[i];
        agent_region_t *r;
        s->val = &req->vbs[i].val;
        s->committed = 0;
        s->undo = NULL;
        s->undo_tag = 0;
        s->region = NULL;
        if (name_of(&req->vbs[i], &s->name) < 0 || !view_allows(a, rq->view, &s->name)) {
            status = MW_ERR_NOACCESS;
        } else if (!(r = region_find(a, &s->name))) {
            status = MW_ERR_NOTWRITABLE;
        } else if (!r->be->check) {
            status = MW_ERR_NOTWRITABLE;
        } else if (r->scalar && !(s->name.len == r->root.len + 1 && s->name.arcs[r->root.len] == 0)) {
            status = MW_ERR_NOCREATION;
        } else if ((status = set_value_sane(s->val)) == 0) {
            s->region = r;
            status = r->be->check(rq, r, s);
            checked = i + 1;
            if (status == 0 && agent_value_too_long(s->val))
                status = MW_ERR_WRONGLENGTH; /* the backend took its type */
        }
        if (status)
            index = (int)i + 1;
    }
    /* 1b: checks across varbinds, once each one passed its own */
    for (i = 0; i < nvb && status == 0; i++) {
        agent_setvb_t *s = &sv[i];
        if (s->region->be->prepare && (status = s->region->be->prepare(rq, s->region, s)) != 0)
            index = (int)i + 1;
    }
    /* 2: commit, undoing on failure */
    if (status == 0) {
        for (i = 0; i < nvb; i++) {
            agent_setvb_t *s = &sv[i];
            int rc = s->region->be->commit ? s->region->be->commit(rq, s->region, s)
                                           : MW_ERR_COMMITFAILED;
            if (rc) {
                status = MW_ERR_COMMITFAILED;
                index = (int)i + 1;
                for (size_t j = i; j-- > 0;) {
                    agent_setvb_t *u = &sv[j];
                    if (!u->region->be->undo || u->region->be->undo(rq, u->region, u) != 0)
                        status = MW_ERR_UNDOFAILED;
                }
                break;
            }
            s->committed = 1;
        }
    }
    for (i = 0; i < checked; i++)
        if (sv[i].region && sv[i].region->be->finish)
            sv[i].region->be->finish(rq, sv[i].region, &sv[i], status == 0);
    res->status = status;
    res->index = index;
    if (status == 0) { /* the response carries the request's varbinds */
        resp->vbs = req->vbs;
        resp->nvb = nvb;
    }
}

static void
count_out_status(agent_t *a, int status)
{
    switch (status) {
    case MW_ERR_TOOBIG: a->st.out_too_bigs++; break;
    case MW_ERR_NOSUCHNAME: a->st.out_no_such_names++; break;
    case MW_ERR_BADVALUE: a->st.out_bad_values++; break;
    case MW_ERR_GENERR: a->st.out_gen_errs++; break;
    }
}

/* Encodes m as it goes on the wire: plain for v1/v2c, protected with the
 * user's keys for v3. MW_ETOOBIG when over limit. */
static int
encode_msg(agent_t *a, agent_req_t *rq, mw_msg_t *m, size_t limit, uint8_t **out, size_t *outlen)
{
    if (m->version != MW_V3)
        return pdu_msg_encode(m, a->out, limit, out, outlen);
    int rc = usm_msg_encode(rq->keys, m, a->out, OUT_CAP, out, outlen);
    if (rc == 0 && *outlen > limit)
        rc = MW_ETOOBIG;
    return rc;
}

/* Encodes m (a Response); on tooBig retries as the tooBig response RFC
 * 3416 describes. 1 when there is something to send. */
static int
encode_response(agent_t *a, agent_req_t *rq, mw_msg_t *m, mw_pdu_t *req, size_t limit,
                const uint8_t **resp, size_t *resplen)
{
    uint8_t *out;
    size_t outlen;
    int rc = encode_msg(a, rq, m, limit, &out, &outlen);
    if (rc == MW_ETOOBIG) {
        m->pdu.error_status = MW_ERR_TOOBIG;
        m->pdu.error_index = 0;
        if (m->version == MW_V1) { /* RFC 1157: the request's varbinds */
            m->pdu.vbs = req->vbs;
            m->pdu.nvb = req->nvb;
            echo_narrow(req->vbs, req->nvb);
            rc = encode_msg(a, rq, m, limit, &out, &outlen);
        }
        if (rc == MW_ETOOBIG) {
            m->pdu.nvb = 0;
            rc = encode_msg(a, rq, m, limit, &out, &outlen);
        }
        if (rc == 0)
            a->st.out_too_bigs++;
    }
    if (rc < 0) {
        a->st.silent_drops++;
        return 0;
    }
    *resp = out;
    *resplen = outlen;
    a->st.out_pkts++;
    a->st.out_get_responses++;
    return 1;
}

/* Runs the PDU in m->pdu (request) into a Response in the same message. */
static int
run_pdu(agent_t *a, agent_req_t *rq, mw_msg_t *m, size_t limit, const uint8_t **resp,
        size_t *resplen)
{
    mw_pdu_t req = m->pdu;
    pdu_result_t res = { 0, 0 };
    mw_pdu_t *rp = &m->pdu;

    rp->vbs = a->resp_vbs;
    rp->cap = RESP_CAP;
    rp->nvb = 0;
    switch (req.type) {
    case MW_PDU_GET:
        a->st.in_get_requests++;
        a->st.in_total_req_vars += (uint32_t)req.nvb;
        do_get(rq, &req, rp, &res);
        break;
    case MW_PDU_GETNEXT:
        a->st.in_get_nexts++;
        a->st.in_total_req_vars += (uint32_t)req.nvb;
        do_getnext(rq, &req, rp, &res);
        break;
    case MW_PDU_GETBULK: {
        /* room for varbinds: the limit less the message without them */
        mw_pdu_t saved = *rp;
        uint8_t *o;
        size_t ol;
        a->st.in_get_bulks++;
        a->st.in_total_req_vars += (uint32_t)req.nvb;
        rp->type = MW_PDU_RESPONSE;
        rp->error_status = 0;
        rp->error_index = 0;
        if (pdu_msg_encode(m, a->out, OUT_CAP, &o, &ol) < 0) {
            a->st.silent_drops++;
            return 0;
        }
        *rp = saved;
        /* lengths of the enclosing sequences may grow by up to 3 octets
         * each (message, PDU, varbind list; v3 adds two more) */
        size_t overhead = ol + 16;
        if (m->version == MW_V3) /* MAC, salt, cipher padding and its wrapper */
            overhead += 48 + 8 + 8 + 4 + 8;
        do_getbulk(rq, &req, rp, &res, limit > overhead ? limit - overhead : 0);
        break;
    }
    case MW_PDU_SET:
        a->st.in_set_requests++;
        a->st.in_total_set_vars += (uint32_t)req.nvb;
        do_set(rq, &req, rp, &res);
        break;
    default:
        return 0;
    }
    rp->type = MW_PDU_RESPONSE;
    rp->request_id = req.request_id;
    if (res.status) {
        if (rq->version == MW_V1)
            res.status = v1_status(res.status);
        count_out_status(a, res.status);
        rp->error_status = res.status;
        rp->error_index = res.status == MW_ERR_TOOBIG ? 0 : res.index;
        if (res.status == MW_ERR_TOOBIG && rq->version != MW_V1) {
            rp->nvb = 0;
        } else {
            rp->vbs = req.vbs;
            rp->nvb = req.nvb;
            echo_narrow(req.vbs, req.nvb);
        }
    } else {
        rp->error_status = 0;
        rp->error_index = 0;
    }
    return encode_response(a, rq, m, &req, limit, resp, resplen);
}

static const community_t *
community_find(const agent_t *a, const uint8_t *c, size_t n)
{
    for (size_t i = 0; i < a->ncomms; i++)
        if (a->comms[i].len == n && memcmp(a->comms[i].name, c, n) == 0)
            return &a->comms[i];
    return NULL;
}

static void
auth_failure(agent_t *a)
{
    if (a->authfail && a->auth_traps == 1)
        a->authfail(a, a->authfail_arg);
}

static int process_v3(agent_t *a, agent_req_t *rq, mw_msg_t *m, mp_in_t *in,
                      const uint8_t **resp, size_t *resplen);

int
agent_process(agent_t *a, const uint8_t *in, size_t inlen, const uint8_t **resp, size_t *resplen)
{
    mw_msg_t m;
    agent_req_t rq;
    mp_in_t mi;
    int rc;

    memset(&m, 0, sizeof m);
    m.pdu.vbs = a->req_vbs;
    m.pdu.cap = REQ_CAP;
    switch (mp_receive(a->mp, in, inlen, &m, a->plain, OUT_CAP, &mi)) {
    case MP_OK: case MP_COMMUNITY:
        break;
    case MP_FAIL_USER: case MP_FAIL_DIGEST:
        auth_failure(a);
        /* fall through */
    default:
        rc = 0;
        if (mi.report) {
            *resp = mi.report;
            *resplen = mi.report_len;
            a->st.out_pkts++;
            rc = 1;
        } else if (mi.report_failed) {
            a->st.silent_drops++;
        }
        mp_in_clear(&mi);
        return rc;
    }
    rq.a = a;
    rq.keys = NULL;
    rq.m = &m;
    rq.version = m.version;
    rq.serial = ++a->serial;
    rq.arena_used = 0;
    rq.hint = 0;
    if (m.version == MW_V3) {
        rc = process_v3(a, &rq, &m, &mi, resp, resplen);
        mp_in_clear(&mi);
        return rc;
    }

    const community_t *c = community_find(a, m.community, m.community_len);
    if (!c) {
        mp_stats(a->mp)->snmpInBadCommunityNames++;
        auth_failure(a);
        return 0;
    }
    rq.view = c->view;
    rq.rw = c->rw;
    switch (m.pdu.type) {
    case MW_PDU_GET: case MW_PDU_GETNEXT: case MW_PDU_SET:
        break;
    case MW_PDU_GETBULK:
        if (m.version == MW_V1) { /* RFC 3584 2.1.1: not in SNMPv1 */
            mp_stats(a->mp)->snmpInASNParseErrs++;
            return 0;
        }
        break;
    case MW_PDU_RESPONSE:
        a->st.in_get_responses++;
        return 0;
    case MW_PDU_TRAPV1: case MW_PDU_TRAPV2: case MW_PDU_INFORM:
        a->st.in_traps++;
        return 0;
    default:
        mp_stats(a->mp)->snmpUnknownPDUHandlers++;
        return 0;
    }
    return run_pdu(a, &rq, &m, a->max_msg, resp, resplen);
}

/* --- SNMPv3 ---------------------------------------------------------------- */

/* The counters of the agent's own Reports: the arc under their group (the
 * report names group.arc.0). */
enum {
    MPD_UNKNOWN_PDU_HANDLERS = 3,                       /* under A_MPD */
    TARGET_UNKNOWN_CONTEXTS = 5,                        /* under A_TARGET */
};

/* msgAuthoritativeEngineID/Boots/Time and the contextEngineID of what
 * the agent sends: its own engine. */
static void
set_engine_fields(const agent_t *a, mw_msg_t *m)
{
    size_t n;
    const uint8_t *eid = snmpengine_id(a->eng, &n);
    m->engine_id = eid;
    m->engine_id_len = (uint32_t)n;
    m->engine_boots = snmpengine_boots(a->eng);
    m->engine_time = snmpengine_time(a->eng);
    m->context_engine_id = eid;
    m->context_engine_id_len = (uint32_t)n;
}

/* A Report for a decoded message (see mp_report): send_report(a, m,
 * GROUP_ARRAY, arc, value, resp, resplen). */
#define send_report(a, m, group, ...) send_report_n((a), (m), ARCS(group), __VA_ARGS__)
static int
send_report_n(agent_t *a, const mw_msg_t *m, const uint32_t *group, size_t n, uint32_t arc,
              uint64_t value, const uint8_t **resp, size_t *resplen)
{
    int rc = mp_report(a->mp, m, 1, group, n, arc, value, NULL, resp, resplen);
    if (rc < 0)
        a->st.silent_drops++;
    if (rc <= 0)
        return 0;
    a->st.out_pkts++;
    return 1;
}

/* A v3 request that message processing let through: the context, the PDU
 * type, access control, then the request itself. */
static int
process_v3(agent_t *a, agent_req_t *rq, mw_msg_t *m, mp_in_t *in, const uint8_t **resp,
           size_t *resplen)
{
    mp_stats_t *mst = mp_stats(a->mp);
    uint8_t flags = m->msg_flags;
    size_t eid_len;
    const uint8_t *eid = snmpengine_id(a->eng, &eid_len);
    const user_access_t *u = &a->users[in->user];
    const usm_keys_t *keys = in->keys;

    /* the scopedPDU: our context engine ID (or none) and the default context */
    if (m->context_engine_id_len
        && (m->context_engine_id_len != eid_len
            || memcmp(m->context_engine_id, eid, eid_len) != 0)) {
        mst->snmpUnknownPDUHandlers++;
        return send_report(a, m, A_MPD, MPD_UNKNOWN_PDU_HANDLERS, mst->snmpUnknownPDUHandlers,
                           resp, resplen);
    }
    if (m->context_name_len) {
        a->st.unknown_contexts++;
        return send_report(a, m, A_TARGET, TARGET_UNKNOWN_CONTEXTS, a->st.unknown_contexts, resp,
                           resplen);
    }
    switch (m->pdu.type) {
    case MW_PDU_GET: case MW_PDU_GETNEXT: case MW_PDU_GETBULK: case MW_PDU_SET:
        break;
    case MW_PDU_RESPONSE: case MW_PDU_REPORT:
        a->st.in_get_responses++;
        return 0;
    case MW_PDU_TRAPV2: case MW_PDU_INFORM:
        a->st.in_traps++;
        return 0;
    default:
        mst->snmpUnknownPDUHandlers++;
        return 0;
    }
    rq->keys = keys;
    rq->view = u->view;
    rq->rw = u->rw;
    size_t limit = a->max_msg;
    if (m->msg_max_size >= 484 && (size_t)m->msg_max_size < limit)
        limit = (size_t)m->msg_max_size;
    /* the response goes back at the request's level, from our engine */
    static const uint8_t zeros[USM_PRIV_PARAMS];
    m->msg_flags = flags & (MW_FLAG_AUTH | MW_FLAG_PRIV);
    m->msg_max_size = (int32_t)a->max_msg;
    set_engine_fields(a, m);
    m->encrypted = NULL;
    m->encrypted_len = 0;
    m->auth_params_len = keys ? (uint32_t)usm_auth_mac_len(keys->auth) : 0;
    m->priv_params = (flags & MW_FLAG_PRIV) ? zeros : NULL;
    m->priv_params_len = (flags & MW_FLAG_PRIV) ? USM_PRIV_PARAMS : 0;
    if (in->level < u->level) {
        /* the user needs a higher level: VACM says no */
        mw_pdu_t req = m->pdu;
        m->pdu.type = MW_PDU_RESPONSE;
        m->pdu.error_status = MW_ERR_AUTHORIZATIONERROR;
        m->pdu.error_index = 0;
        echo_narrow(m->pdu.vbs, m->pdu.nvb);
        return encode_response(a, rq, m, &req, limit, resp, resplen);
    }
    return run_pdu(a, rq, m, limit, resp, resplen);
}

/* --- transport -------------------------------------------------------------- */

static void
on_datagram(udp_sock_t *s, const uint8_t *buf, size_t len, const struct sockaddr *from,
            socklen_t fromlen, void *arg)
{
    agent_t *a = arg;
    const uint8_t *resp;
    size_t resplen;
    if (agent_process(a, buf, len, &resp, &resplen))
        udp_queue(s, from, fromlen, resp, resplen);
}

int
agent_listen(agent_t *a, const char *spec, char *bound, size_t boundcap)
{
    char host[256];
    int port, err = 0;
    struct sockaddr_storage ss;
    socklen_t sslen;
    int fam = udp_parse_peer(spec, host, sizeof host, &port, 161);
    if (fam < 0 && fam != AF_UNSPEC)
        return MW_EINVAL;
    if (udp_literal_addr(host, port, fam, &ss, &sslen) < 0) {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = fam;
        hints.ai_socktype = SOCK_DGRAM;
        if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
            return MW_EINVAL;
        memcpy(&ss, res->ai_addr, res->ai_addrlen);
        sslen = (socklen_t)res->ai_addrlen;
        freeaddrinfo(res);
        if (ss.ss_family == AF_INET)
            ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
        else
            ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
    }
    listener_t *l = realloc(a->ls, (a->nls + 1) * sizeof *l);
    if (!l)
        return MW_ENOMEM;
    a->ls = l;
    udp_sock_t *s = udp_open(a->base, (struct sockaddr *)&ss, sslen, on_datagram, a, &err);
    if (!s)
        return -err;
    a->ls[a->nls++].s = s;
    if (bound && boundcap) {
        struct sockaddr_storage loc;
        socklen_t ll;
        if (udp_local(s, &loc, &ll) == 0)
            udp_format_addr((struct sockaddr *)&loc, bound, boundcap);
        else
            bound[0] = '\0';
    }
    return 0;
}
