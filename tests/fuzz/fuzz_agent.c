/* fuzz_agent.c - libFuzzer target for the agent's whole request path:
 * datagram in -> agent_process -> response out (src/app/agent.c).
 *
 * One agent (rebuilt when its engine time reaches 60 s, so that requests
 * with engine time 0 stay in the time window; a fresh agent per input
 * runs at ~100 execs/s instead of ~25,000) with a fixed configuration: communities with and without a view, a view with an
 * excluded column, v3 users at every level (noAuthNoPriv, authNoPriv,
 * authPriv with DES, AES and AES-256), the built-in objects, C backends
 * for scalars of every type, a table, objects that fail (genErr, noSuch)
 * and writable objects whose commit can fail (so undo runs).
 *
 * v3 messages from a known auth user whose MAC is all zero are signed
 * before they are processed, so mutations of signed requests still reach
 * the PDU handling (the agent itself is not changed for fuzzing). Every
 * response is decoded again: it must be a whole, well-formed message. */
#include "fuzz_util.h"

#include "../../src/app/agent.h"

static const uint8_t EID[] = { 0x80, 0x00, 0x1f, 0x88, 0x04, 'm', 'w', 'f', 'u', 'z', 'z' };
#define ENT "1.3.6.1.4.1.99999"

static struct {
    const char *name;
    int auth, priv, level, rw;
    const char *view;
    usm_keys_t keys;
} users[] = {
    { "noauth", USM_AUTH_NONE, USM_PRIV_NONE, AGENT_LEVEL_NOAUTH, 1, NULL, { 0 } },
    { "authuser", USM_AUTH_SHA1, USM_PRIV_NONE, AGENT_LEVEL_AUTH, 1, "restricted", { 0 } },
    { "md5des", USM_AUTH_MD5, USM_PRIV_DES, AGENT_LEVEL_PRIV, 1, NULL, { 0 } },
    { "shaaes", USM_AUTH_SHA256, USM_PRIV_AES128, AGENT_LEVEL_PRIV, 1, NULL, { 0 } },
    { "sha512aes256", USM_AUTH_SHA512, USM_PRIV_AES256, AGENT_LEVEL_PRIV, 0, "restricted", { 0 } },
    /* keys for priv, but only auth is needed */
    { "lowlevel", USM_AUTH_SHA1, USM_PRIV_AES128, AGENT_LEVEL_AUTH, 0, NULL, { 0 } },
};
#define NUSERS (sizeof users / sizeof *users)
static const char AUTH_PASS[] = "authpass123";
static const char PRIV_PASS[] = "privpass123";

/* --- C backends ----------------------------------------------------------- */

/* Writable state, reset for each input. */
static int64_t w_int;
static char w_str[33];
static size_t w_str_len;

enum { S_INT = 1, S_STR, S_OID, S_C64, S_IP, S_TT, S_GAUGE, S_OPAQUE, S_C32, S_GENERR, S_NOSUCH,
       S_BIG };

static int
scalar_get(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v)
{
    static const uint8_t oidval[] = { 0x2b, 6, 1, 4, 1, 0x86, 0x8d, 0x1f, 1 };
    static const uint8_t ip[4] = { 127, 0, 0, 1 };
    static const uint8_t opaque[] = { 0x9f, 0x78, 4, 0x3f, 0x80, 0, 0 };
    (void)name;
    memset(v, 0, sizeof *v);
    switch (r->id) {
    case S_INT: v->type = MW_T_INTEGER; v->num.i = -2147483647 - 1; break;
    case S_STR: v->type = MW_T_OCTETSTR; v->p = (const uint8_t *)"hello"; v->len = 5; break;
    case S_OID: v->type = MW_T_OID; v->p = oidval; v->len = sizeof oidval; break;
    case S_C64: v->type = MW_T_COUNTER64; v->num.u = UINT64_MAX; break;
    case S_IP: v->type = MW_T_IPADDR; v->p = ip; v->len = 4; break;
    case S_TT: v->type = MW_T_TIMETICKS; v->num.u = 4294967295u; break;
    case S_GAUGE: v->type = MW_T_GAUGE32; v->num.u = 7; break;
    case S_OPAQUE: v->type = MW_T_OPAQUE; v->p = opaque; v->len = sizeof opaque; break;
    case S_C32: v->type = MW_T_COUNTER32; v->num.u = 0; break;
    case S_GENERR: return -MW_ERR_GENERR;
    case S_NOSUCH: return AGENT_NOSUCH;
    case S_BIG: {
        /* a value of 1,400 octets: answers grow quickly (tooBig) */
        uint8_t *p = agent_req_alloc(rq, 1400);
        if (!p)
            return -MW_ERR_GENERR;
        memset(p, 'x', 1400);
        v->type = MW_T_OCTETSTR;
        v->p = p;
        v->len = 1400;
        break;
    }
    default: return AGENT_NOSUCH;
    }
    return 0;
}

static const agent_backend_t scalar_be = { .get = scalar_get };

/* Writable scalars: W_INT (INTEGER 0..100), W_STR (OCTET STRING up to 32;
 * the value "fail" passes the check but fails the commit, so the varbinds
 * committed before it are undone). */
enum { W_INT = 1, W_STR };

static int
w_get(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v)
{
    (void)rq;
    (void)name;
    memset(v, 0, sizeof *v);
    if (r->id == W_INT) {
        v->type = MW_T_INTEGER;
        v->num.i = w_int;
    } else {
        v->type = MW_T_OCTETSTR;
        v->p = (const uint8_t *)w_str;
        v->len = (uint32_t)w_str_len;
    }
    return 0;
}

static int
w_check(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s)
{
    (void)rq;
    if (r->id == W_INT) {
        if (s->val->type != MW_T_INTEGER)
            return MW_ERR_WRONGTYPE;
        if (s->val->num.i < 0 || s->val->num.i > 100)
            return MW_ERR_WRONGVALUE;
        return 0;
    }
    if (s->val->type != MW_T_OCTETSTR)
        return MW_ERR_WRONGTYPE;
    if (s->val->len > 32)
        return MW_ERR_WRONGLENGTH;
    return 0;
}

typedef struct {
    int64_t i;
    char s[33];
    size_t n;
} w_undo_t;

static int
w_commit(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s)
{
    (void)rq;
    w_undo_t *u = malloc(sizeof *u);
    if (!u)
        return MW_ERR_RESOURCEUNAVAILABLE;
    u->i = w_int;
    memcpy(u->s, w_str, sizeof u->s);
    u->n = w_str_len;
    if (r->id == W_STR && s->val->len == 4 && memcmp(s->val->p, "fail", 4) == 0) {
        free(u);
        return MW_ERR_COMMITFAILED;
    }
    s->undo = u;
    if (r->id == W_INT) {
        w_int = s->val->num.i;
    } else {
        memcpy(w_str, s->val->p, s->val->len);
        w_str_len = s->val->len;
    }
    return 0;
}

static int
w_undo(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s)
{
    (void)rq;
    (void)r;
    w_undo_t *u = s->undo;
    if (!u)
        return MW_ERR_UNDOFAILED;
    w_int = u->i;
    memcpy(w_str, u->s, sizeof w_str);
    w_str_len = u->n;
    return 0;
}

static void
w_finish(agent_req_t *rq, agent_region_t *r, agent_setvb_t *s, int ok)
{
    (void)rq;
    (void)r;
    (void)ok;
    free(s->undo);
    s->undo = NULL;
}

static const agent_backend_t writable_be = {
    .get = w_get, .check = w_check, .commit = w_commit, .undo = w_undo, .finish = w_finish,
};

/* A table ENT.2.1.COL.ROW: columns 1..3, rows 1..5 (and the row 2^32-1);
 * column 3 is excluded from the "restricted" view. */
static const uint32_t rows[] = { 1, 2, 3, 4, 5, 4294967295u };
#define NROWS (sizeof rows / sizeof *rows)

static int
cell(agent_req_t *rq, uint32_t col, uint32_t row, mw_value_t *v)
{
    memset(v, 0, sizeof *v);
    switch (col) {
    case 1: v->type = MW_T_INTEGER; v->num.i = (int32_t)row; return 0;
    case 2: {
        char *p = agent_req_alloc(rq, 16);
        if (!p)
            return -MW_ERR_GENERR;
        v->type = MW_T_OCTETSTR;
        v->len = (uint32_t)snprintf(p, 16, "row%u", row);
        v->p = (const uint8_t *)p;
        return 0;
    }
    case 3: v->type = MW_T_COUNTER32; v->num.u = row * 1000u; return 0;
    }
    return AGENT_NOSUCH;
}

static int
table_get(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v)
{
    size_t b = r->root.len;
    if (name->len != b + 3 || name->arcs[b] != 1)
        return AGENT_NOSUCH;
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i] == name->arcs[b + 2])
            return cell(rq, name->arcs[b + 1], rows[i], v);
    return AGENT_NOSUCH;
}

static int
table_next(agent_req_t *rq, agent_region_t *r, const oid_t *after, oid_t *out, mw_value_t *v)
{
    for (uint32_t col = 1; col <= 3; col++) {
        for (size_t i = 0; i < NROWS; i++) {
            oid_t o = r->root;
            uint32_t tail[3] = { 1, col, rows[i] };
            oid_append(&o, tail, 3);
            if (oid_cmp(&o, after) > 0) {
                *out = o;
                return cell(rq, col, rows[i], v);
            }
        }
    }
    return AGENT_END;
}

static const agent_backend_t table_be = { .get = table_get, .next = table_next };

/* --- the agent ------------------------------------------------------------- */

static void
reg(agent_t *a, const char *root, int scalar, const agent_backend_t *be, intptr_t id)
{
    oid_t o;
    FZ_CHECK(oid_parse(&o, root, strlen(root)) == 0);
    FZ_CHECK(agent_register(a, &o, scalar, be, NULL, id) == 0);
}

static void
view(agent_t *a, const char *v, const char *subtree, int include)
{
    oid_t o;
    FZ_CHECK(oid_parse(&o, subtree, strlen(subtree)) == 0);
    FZ_CHECK(agent_view_add(a, v, &o, include) == 0);
}

static agent_t *
agent_build(void)
{
    agent_t *a = agent_new(NULL);
    FZ_CHECK(a != NULL);
    view(a, "restricted", "1.3.6.1.2.1.1", 1);
    view(a, "restricted", ENT, 1);
    view(a, "restricted", ENT ".2.1.3", 0);
    view(a, "restricted", ENT ".3.2", 0);
    view(a, "empty", "1.3.6.1.6", 1);
    FZ_CHECK(agent_community_add(a, "public", 6, 0, "restricted") == 0);
    FZ_CHECK(agent_community_add(a, "private", 7, 1, NULL) == 0);
    FZ_CHECK(agent_community_add(a, "narrow", 6, 1, "empty") == 0);
    for (size_t i = 0; i < NUSERS; i++)
        FZ_CHECK(agent_user_add(a, users[i].name, users[i].auth,
                                users[i].auth ? AUTH_PASS : NULL, users[i].priv,
                                users[i].priv ? PRIV_PASS : NULL, users[i].rw, users[i].level,
                                users[i].view) == 0);
    FZ_CHECK(agent_sys_set(a, AGENT_SYS_DESCR, "fuzz agent", 10) == 0);
    FZ_CHECK(agent_sys_set(a, AGENT_SYS_NAME, "fuzz", 4) == 0);
    oid_t o;
    FZ_CHECK(oid_parse(&o, ENT ".9", strlen(ENT ".9")) == 0);
    FZ_CHECK(agent_sysor_add(a, &o, "the fuzz objects") == 0);
    for (int k = S_INT; k <= S_BIG; k++) {
        char name[64];
        snprintf(name, sizeof name, ENT ".1.%d", k);
        reg(a, name, 1, &scalar_be, k);
    }
    reg(a, ENT ".2", 0, &table_be, 0);
    reg(a, ENT ".3.1", 1, &writable_be, W_INT);
    reg(a, ENT ".3.2", 1, &writable_be, W_STR);
    FZ_CHECK(agent_engine_setup(a, EID, sizeof EID) == 0);
    agent_max_msg_size(a, 8192);
    return a;
}

static const usm_keys_t *
user_keys(const uint8_t *name, size_t n)
{
    for (size_t i = 0; i < NUSERS; i++)
        if (strlen(users[i].name) == n && memcmp(users[i].name, name, n) == 0)
            return users[i].auth ? &users[i].keys : NULL;
    return NULL;
}

/* --- seeds ------------------------------------------------------------------ */

static uint8_t sbuf[65536];

static void
seed_pdus(const char *dir, const char *prefix, int32_t version, const char *community)
{
    fz_vbl_t l;
    mw_pdu_t p;
    const uint8_t *out;
    size_t n;
    char name[128];
    int rid = 1000;

#define EMIT(tag)                                                                            \
    do {                                                                                     \
        if (version >= 0) {                                                                  \
            n = fz_encode_comm(sbuf, sizeof sbuf, version, community, &p, &out);             \
            snprintf(name, sizeof name, "%s-%s", prefix, tag);                               \
            fz_write_seed(dir, name, out, n);                                                \
        }                                                                                    \
    } while (0)

    memset(&l, 0, sizeof l);
    fz_vb(&l, "1.3.6.1.2.1.1.1.0");
    fz_vb(&l, "1.3.6.1.2.1.1.3.0");
    fz_vb(&l, ENT ".1.1.0");
    fz_vb(&l, ENT ".1.4.0");
    fz_vb(&l, ENT ".2.1.2.3");
    fz_vb(&l, ENT ".1.10.0");
    fz_pdu(&p, MW_PDU_GET, rid++, 0, 0, &l);
    EMIT("get");

    memset(&l, 0, sizeof l);
    fz_vb(&l, ENT);
    fz_vb(&l, ENT ".2.1.3.5");
    fz_vb(&l, "1.3.6.1.6.3.15.1.1");
    fz_pdu(&p, MW_PDU_GETNEXT, rid++, 0, 0, &l);
    EMIT("getnext");

    memset(&l, 0, sizeof l);
    fz_vb(&l, "1.3.6.1.2.1.1.3");
    fz_vb(&l, ENT ".2");
    fz_vb(&l, "1.3.6.1.2.1.1.9");
    fz_pdu(&p, MW_PDU_GETBULK, rid++, 1, 8, &l);
    EMIT("getbulk");

    memset(&l, 0, sizeof l);
    fz_vb(&l, ENT ".1.12");
    fz_pdu(&p, MW_PDU_GETBULK, rid++, 0, 40, &l);
    EMIT("getbulk-big");

    memset(&l, 0, sizeof l);
    mw_varbind_t *vb = fz_vb(&l, ENT ".3.1.0");
    vb->val.type = MW_T_INTEGER;
    vb->val.num.i = 42;
    vb = fz_vb(&l, ENT ".3.2.0");
    vb->val.type = MW_T_OCTETSTR;
    vb->val.p = (const uint8_t *)"new value";
    vb->val.len = 9;
    fz_pdu(&p, MW_PDU_SET, rid++, 0, 0, &l);
    EMIT("set");

    /* the second commit fails: the first is undone */
    vb = &l.vbs[1];
    vb->val.p = (const uint8_t *)"fail";
    vb->val.len = 4;
    fz_pdu(&p, MW_PDU_SET, rid++, 0, 0, &l);
    EMIT("set-undo");

    memset(&l, 0, sizeof l);
    vb = fz_vb(&l, "1.3.6.1.2.1.1.4.0");
    vb->val.type = MW_T_OCTETSTR;
    vb->val.p = (const uint8_t *)"admin";
    vb->val.len = 5;
    vb = fz_vb(&l, "1.3.6.1.6.3.1.1.6.1.0");
    vb->val.type = MW_T_INTEGER;
    vb->val.num.i = 0;
    vb = fz_vb(&l, "1.3.6.1.2.1.11.30.0");
    vb->val.type = MW_T_INTEGER;
    vb->val.num.i = 1;
    fz_pdu(&p, MW_PDU_SET, rid++, 0, 0, &l);
    EMIT("set-builtin");

    memset(&l, 0, sizeof l);
    vb = fz_vb(&l, ENT ".1.1.0");
    vb->val.type = MW_T_INTEGER;
    vb->val.num.i = 1;
    vb = fz_vb(&l, ENT ".3.1.0");
    vb->val.type = MW_T_OCTETSTR;
    fz_pdu(&p, MW_PDU_SET, rid++, 0, 0, &l);
    EMIT("set-bad");
#undef EMIT
}

static void
mkseeds(const char *dir)
{
    fz_vbl_t l;
    mw_pdu_t p;
    const uint8_t *out;
    size_t n;
    char name[128];

    seed_pdus(dir, "v1-public", MW_V1, "public");
    seed_pdus(dir, "v2c-public", MW_V2C, "public");
    seed_pdus(dir, "v2c-private", MW_V2C, "private");
    seed_pdus(dir, "v1-private", MW_V1, "private");

    memset(&l, 0, sizeof l);
    fz_vb(&l, "1.3.6.1.2.1.1.1.0");
    fz_pdu(&p, MW_PDU_TRAPV2, 7, 0, 0, &l);
    n = fz_encode_comm(sbuf, sizeof sbuf, MW_V2C, "public", &p, &out);
    fz_write_seed(dir, "v2c-trap", out, n);
    fz_pdu(&p, MW_PDU_GET, 8, 0, 0, &l);
    n = fz_encode_comm(sbuf, sizeof sbuf, MW_V2C, "wrong", &p, &out);
    fz_write_seed(dir, "v2c-badcommunity", out, n);

    /* v3: discovery, then each user at its level (signed and with a zero
     * MAC), a non-default context, another context engine ID, a stale
     * time */
    fz_pdu(&p, MW_PDU_GET, 9, 0, 0, &(fz_vbl_t){ .n = 0 });
    n = fz_encode_v3(sbuf, sizeof sbuf, NULL, MW_FLAG_REPORTABLE, 1, NULL, 0, 0, 0, "", NULL, 0,
                     "", &p, 0, &out);
    fz_write_seed(dir, "v3-discovery", out, n);

    memset(&l, 0, sizeof l);
    fz_vb(&l, "1.3.6.1.2.1.1.5.0");
    fz_vb(&l, ENT ".2.1.1.4294967295");
    fz_vb(&l, ENT ".1.2.0");
    for (size_t i = 0; i < NUSERS; i++) {
        uint8_t flags = MW_FLAG_REPORTABLE;
        if (users[i].auth)
            flags |= MW_FLAG_AUTH;
        if (users[i].priv)
            flags |= MW_FLAG_PRIV;
        const usm_keys_t *k = users[i].auth ? &users[i].keys : NULL;
        static const uint8_t types[] = { MW_PDU_GET, MW_PDU_GETNEXT, MW_PDU_GETBULK };
        for (size_t t = 0; t < 3; t++) {
            fz_pdu(&p, types[t], 100 + (int)t, 0, t == 2 ? 5 : 0, &l);
            for (int zero = 0; zero < (users[i].auth ? 2 : 1); zero++) {
                n = fz_encode_v3(sbuf, sizeof sbuf, k, flags, 50 + (int)t, EID, sizeof EID, 1, 0,
                                 users[i].name, EID, sizeof EID, "", &p, zero, &out);
                snprintf(name, sizeof name, "v3-%s-%02x%s", users[i].name, types[t],
                         zero ? "-zeromac" : "");
                fz_write_seed(dir, name, out, n);
            }
        }
        /* a SET */
        fz_vbl_t sl;
        memset(&sl, 0, sizeof sl);
        mw_varbind_t *vb = fz_vb(&sl, ENT ".3.1.0");
        vb->val.type = MW_T_INTEGER;
        vb->val.num.i = 7;
        fz_pdu(&p, MW_PDU_SET, 200, 0, 0, &sl);
        n = fz_encode_v3(sbuf, sizeof sbuf, k, flags, 60, EID, sizeof EID, 1, 0, users[i].name,
                         EID, sizeof EID, "", &p, users[i].auth != 0, &out);
        snprintf(name, sizeof name, "v3-%s-set", users[i].name);
        fz_write_seed(dir, name, out, n);
        if (i != 0 && i != 2)
            continue;
        /* lower levels than the user's, a context, another context
         * engine ID, a time outside the window */
        fz_pdu(&p, MW_PDU_GET, 300, 0, 0, &l);
        n = fz_encode_v3(sbuf, sizeof sbuf, k, flags, 61, EID, sizeof EID, 1, 0, users[i].name,
                         EID, sizeof EID, "vrf-9", &p, 1, &out);
        snprintf(name, sizeof name, "v3-%s-context", users[i].name);
        fz_write_seed(dir, name, out, n);
        n = fz_encode_v3(sbuf, sizeof sbuf, k, flags, 62, EID, sizeof EID, 1, 0, users[i].name,
                         (const uint8_t *)"\x80\0\0\0\1other", 10, "", &p, 1, &out);
        snprintf(name, sizeof name, "v3-%s-ceid", users[i].name);
        fz_write_seed(dir, name, out, n);
        if (users[i].auth) {
            n = fz_encode_v3(sbuf, sizeof sbuf, k, MW_FLAG_AUTH | MW_FLAG_REPORTABLE, 63, EID,
                             sizeof EID, 1, 0, users[i].name, EID, sizeof EID, "", &p, 1, &out);
            snprintf(name, sizeof name, "v3-%s-authonly", users[i].name);
            fz_write_seed(dir, name, out, n);
            n = fz_encode_v3(sbuf, sizeof sbuf, k, flags, 64, EID, sizeof EID, 1, 4000,
                             users[i].name, EID, sizeof EID, "", &p, 1, &out);
            snprintf(name, sizeof name, "v3-%s-notintime", users[i].name);
            fz_write_seed(dir, name, out, n);
        }
    }
}

/* --- the target ---------------------------------------------------------------- */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    usm_salt_set(1);
    for (size_t i = 0; i < NUSERS; i++)
        if (users[i].auth)
            FZ_CHECK(usm_keys_get(users[i].auth, users[i].priv, AUTH_PASS, strlen(AUTH_PASS),
                                  users[i].priv ? PRIV_PASS : NULL,
                                  users[i].priv ? strlen(PRIV_PASS) : 0, EID, sizeof EID,
                                  &users[i].keys) == 0);
    const char *dir = fz_seed_dir();
    if (dir) {
        mkseeds(dir);
        exit(0);
    }
    return 0;
}

static uint8_t signed_buf[65536];
static mw_varbind_t resp_vbs[10000];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *resp;
    size_t resplen;

    w_int = 5;
    memcpy(w_str, "initial", 7);
    w_str_len = 7;
    if (fz_resign(user_keys, data, size, signed_buf, sizeof signed_buf))
        data = signed_buf;

    static agent_t *a;
    if (a && agent_engine_time(a) >= 60) {
        agent_free(a);
        a = NULL;
    }
    if (!a)
        a = agent_build();
    if (agent_process(a, data, size, &resp, &resplen)) {
        mw_msg_t m;
        memset(&m, 0, sizeof m);
        m.pdu.vbs = resp_vbs;
        m.pdu.cap = sizeof resp_vbs / sizeof *resp_vbs;
        FZ_CHECK(resplen > 0 && resplen <= 8192);
        FZ_CHECK(pdu_msg_decode(&m, resp, resplen) == 0);
        if (m.encrypted) {
            /* an authPriv answer: it decrypts with the user's keys */
            static uint8_t plain[65536];
            const usm_keys_t *k = user_keys(m.user, m.user_len);
            FZ_CHECK(k != NULL);
            FZ_CHECK(usm_msg_decode(k, &m, resp, resplen, plain, sizeof plain) == 0);
        }
        FZ_CHECK(m.pdu.type == MW_PDU_RESPONSE || m.pdu.type == MW_PDU_REPORT);
    }
    /* a second request on the same agent: state left by the first */
    if (agent_process(a, data, size, &resp, &resplen))
        FZ_CHECK(resplen > 0 && resplen <= 8192);
    return 0;
}
