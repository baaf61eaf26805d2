/* l_v3.c - SNMPv3 for Lua: USM security state for manager sessions
 * (v3_attach and the handle it returns), the v3 counters, and
 * whole-message USM (usm_msg_protect/check, for tests and tools), on the
 * core module table. Checks with friendly messages live in
 * lua/moonwalk/v3.lua; these functions raise on what gets past them. */
#include <stdlib.h>
#include <string.h>

#include "mwlua.h"
#include "l_snmpengine.h"
#include "../app/v3.h"
#include "../net/engine.h"
#include "../usm/usm_msg.h"

#define V3SEC_MT "moonwalk.v3sec"

int mwl_v3_open(lua_State *L);
/* from l_session.c and l_engine.c */
void mwl_session_set_sec(lua_State *L, int idx, void *sec, void (*fr)(void *));
mw_engine_t *mwl_engine(lua_State *L);

#define V3_MAX_VB 4096
#define V3_BUF (2 * 65536 + 64)

/* Reads {auth=, priv=, auth_key=, priv_key=} (as usm_keys returns it) at
 * idx into k; nil gives 0 (no keys). Raises on bad names or lengths. */
static int
read_keys(lua_State *L, int idx, usm_keys_t *k)
{
    const char *name, *ak, *pk;
    size_t an = 0, pn = 0;
    int a, p;
    if (lua_isnoneornil(L, idx))
        return 0;
    luaL_checktype(L, idx, LUA_TTABLE);
    memset(k, 0, sizeof *k);
    lua_getfield(L, idx, "auth");
    name = luaL_optstring(L, -1, "NONE");
    if ((a = usm_auth_parse(name)) <= 0)
        luaL_error(L, "unknown authentication protocol '%s'", name);
    lua_getfield(L, idx, "priv");
    name = luaL_optstring(L, -1, "NONE");
    if ((p = usm_priv_parse(name)) < 0)
        luaL_error(L, "unknown privacy protocol '%s'", name);
    lua_getfield(L, idx, "auth_key");
    ak = luaL_optlstring(L, -1, "", &an);
    lua_getfield(L, idx, "priv_key");
    pk = luaL_optlstring(L, -1, NULL, &pn);
    if (usm_keys_from_local((usm_auth_t)a, (usm_priv_t)p, (const uint8_t *)ak, an,
                            (const uint8_t *)pk, pn, k) < 0)
        luaL_error(L, "key lengths do not match the protocols");
    lua_pop(L, 4);
    return 1;
}

static int
fail_rc(lua_State *L, int rc)
{
    lua_pushnil(L);
    lua_pushstring(L, usm_strerror(rc));
    return 2;
}

/* usm_msg_protect(keys|nil, message) -> bytes | nil, err
 * message is a v3 message with a plaintext scopedPDU and the msgFlags of
 * the level wanted (as mw.encode makes it); the result is that message
 * encrypted and signed by usm_msg_encode. */
static int
l_msg_protect(lua_State *L)
{
    usm_keys_t k;
    int have = read_keys(L, 1, &k);
    size_t n, outlen;
    const uint8_t *raw = (const uint8_t *)luaL_checklstring(L, 2, &n);
    mw_varbind_t *vbs = lua_newuserdatauv(L, sizeof(mw_varbind_t) * V3_MAX_VB, 0);
    uint8_t *buf = lua_newuserdatauv(L, V3_BUF, 0), *out;
    mw_msg_t m;
    int rc;
    memset(&m, 0, sizeof m);
    m.pdu.vbs = vbs;
    m.pdu.cap = V3_MAX_VB;
    if ((rc = pdu_msg_decode(&m, raw, n)) < 0 || m.encrypted) {
        usm_keys_wipe(&k);
        return fail_rc(L, rc < 0 ? rc : MW_EINVAL);
    }
    rc = usm_msg_encode(have ? &k : NULL, &m, buf, V3_BUF, &out, &outlen);
    usm_keys_wipe(&k);
    if (rc < 0) {
        usm_wipe(buf, V3_BUF);
        return fail_rc(L, rc);
    }
    lua_pushlstring(L, (const char *)out, outlen);
    usm_wipe(buf, V3_BUF);
    return 1;
}

/* usm_msg_check(keys|nil, bytes) -> scopedPDU (plaintext bytes) | nil, err
 * Runs pdu_msg_decode and usm_msg_decode; decode the result with
 * decode_scoped. err is "wrong digest", "decryption error", ... */
static int
l_msg_check(lua_State *L)
{
    usm_keys_t k;
    int have = read_keys(L, 1, &k);
    size_t n, splen;
    const uint8_t *raw = (const uint8_t *)luaL_checklstring(L, 2, &n);
    mw_varbind_t *vbs = lua_newuserdatauv(L, sizeof(mw_varbind_t) * V3_MAX_VB, 0);
    uint8_t *plain = lua_newuserdatauv(L, V3_BUF, 0), *sp;
    uint8_t *enc = lua_newuserdatauv(L, V3_BUF, 0);
    mw_msg_t m;
    int rc;
    memset(&m, 0, sizeof m);
    m.pdu.vbs = vbs;
    m.pdu.cap = V3_MAX_VB;
    if ((rc = pdu_msg_decode(&m, raw, n)) == 0)
        rc = usm_msg_decode(have ? &k : NULL, &m, raw, n, plain, V3_BUF);
    usm_keys_wipe(&k);
    if (rc == 0)
        rc = pdu_scoped_encode(&m, enc, V3_BUF, &sp, &splen);
    if (rc < 0) {
        usm_wipe(plain, V3_BUF);
        return fail_rc(L, rc);
    }
    lua_pushlstring(L, (const char *)sp, splen);
    usm_wipe(plain, V3_BUF);
    usm_wipe(enc, V3_BUF);
    return 1;
}

/* ---- sessions ------------------------------------------------------ */

typedef struct {
    v3_sec_t *s; /* one reference; NULL once collected */
} lv3_t;

static v3_sec_t *
check_v3(lua_State *L, int idx)
{
    lv3_t *h = luaL_checkudata(L, idx, V3SEC_MT);
    if (!h->s)
        luaL_error(L, "SNMPv3 state is gone");
    return h->s;
}

static int
l_v3_gc(lua_State *L)
{
    lv3_t *h = luaL_checkudata(L, 1, V3SEC_MT);
    v3_sec_release(h->s);
    h->s = NULL;
    return 0;
}

/* Optional string field k of table t; the string stays on the stack. */
static const uint8_t *
opt_bytes(lua_State *L, int t, const char *k, size_t *n)
{
    const char *p;
    *n = 0;
    lua_getfield(L, t, k);
    if (lua_isnil(L, -1))
        return NULL;
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "%s must be a string", k);
    p = lua_tolstring(L, -1, n);
    return (const uint8_t *)p;
}

/* v3_attach(csession, {user=, level=0|1|3, auth=, priv=, auth_pass=,
 *   priv_pass=, auth_master=, priv_master=, auth_local=, priv_local=,
 *   engine_id=, context_engine_id=, context=, peer=, local_engine=,
 *   engine_boots=, engine_time=}) -> handle
 * Gives the session its USM state; the handle reads what was learnt. */
static void set_v3sec_mt(lua_State *L);

static int
l_v3_attach(lua_State *L)
{
    v3_config_t c;
    v3_sec_t *s;
    const char *name;
    lv3_t *h;
    int rc, a, p;
    luaL_checktype(L, 2, LUA_TTABLE);
    memset(&c, 0, sizeof c);
    c.user = opt_bytes(L, 2, "user", &c.user_len);
    lua_getfield(L, 2, "level");
    c.level = (uint8_t)luaL_optinteger(L, -1, 0);
    lua_getfield(L, 2, "auth");
    name = luaL_optstring(L, -1, "NONE");
    if ((a = usm_auth_parse(name)) < 0)
        return luaL_error(L, "unknown authentication protocol '%s'", name);
    lua_getfield(L, 2, "priv");
    name = luaL_optstring(L, -1, "NONE");
    if ((p = usm_priv_parse(name)) < 0)
        return luaL_error(L, "unknown privacy protocol '%s'", name);
    c.auth = (usm_auth_t)a;
    c.priv = (usm_priv_t)p;
    c.auth_pass = opt_bytes(L, 2, "auth_pass", &c.auth_pass_len);
    c.priv_pass = opt_bytes(L, 2, "priv_pass", &c.priv_pass_len);
    c.auth_master = opt_bytes(L, 2, "auth_master_key", &c.auth_master_len);
    c.priv_master = opt_bytes(L, 2, "priv_master_key", &c.priv_master_len);
    c.auth_local = opt_bytes(L, 2, "auth_local_key", &c.auth_local_len);
    c.priv_local = opt_bytes(L, 2, "priv_local_key", &c.priv_local_len);
    c.engine_id = opt_bytes(L, 2, "engine_id", &c.engine_id_len);
    c.context_engine_id = opt_bytes(L, 2, "context_engine_id", &c.context_engine_id_len);
    c.context = opt_bytes(L, 2, "context", &c.context_len);
    c.peer = (const char *)opt_bytes(L, 2, "peer", &c.peer_len);
    lua_getfield(L, 2, "local_engine");
    c.local_engine = mwl_snmpengine_opt(L, -1);
    lua_getfield(L, 2, "engine_boots");
    lua_getfield(L, 2, "engine_time");
    if (!lua_isnil(L, -2) || !lua_isnil(L, -1)) {
        lua_Integer b = luaL_optinteger(L, -2, 0), t = luaL_optinteger(L, -1, 0);
        if (b < 0 || b > INT32_MAX || t < 0 || t > INT32_MAX)
            return luaL_error(L, "engine_boots and engine_time must be 0 to 2147483647");
        c.has_boots_time = 1;
        c.boots = (int32_t)b;
        c.time = (int32_t)t;
    }
    if ((rc = v3_sec_new(&c, &s)) < 0)
        return luaL_error(L, "SNMPv3 settings: %s", mw_strerror(rc));
    h = lua_newuserdatauv(L, sizeof *h, 0);
    h->s = s;
    set_v3sec_mt(L);
    v3_sec_retain(s);
    mwl_session_set_sec(L, 1, s, v3_sec_release);
    engine_set_v3_hooks(mwl_engine(L), &v3_hooks);
    return 1;
}

/* h:engine_id() -> binary string | nil (not discovered yet) */
static int
l_v3_engine_id(lua_State *L)
{
    size_t n;
    const uint8_t *eid = v3_sec_engine_id(check_v3(L, 1), &n);
    if (!eid)
        return 0;
    lua_pushlstring(L, (const char *)eid, n);
    return 1;
}

/* h:engine_time() -> boots, time (the peer's, as estimated now) | nil */
static int
l_v3_engine_time(lua_State *L)
{
    int32_t b, t;
    if (v3_sec_engine_time(check_v3(L, 1), &b, &t) < 0)
        return 0;
    lua_pushinteger(L, b);
    lua_pushinteger(L, t);
    return 2;
}

/* h:forget() - the next request discovers the engine again */
static int
l_v3_forget(lua_State *L)
{
    v3_sec_forget(check_v3(L, 1));
    return 0;
}

/* v3_stats() -> {usmStatsWrongDigests=, ...} (messages the manager
 * dropped, by RFC 3414 counter, and discoveries, resyncs, reports) */
static int
l_v3_stats(lua_State *L)
{
    v3_stats_t st;
    v3_stats_get(&st);
    lua_createtable(L, 0, 11);
#define F(name, x) lua_pushinteger(L, (lua_Integer)st.x); lua_setfield(L, -2, name)
    F("usmStatsUnsupportedSecLevels", unsupported_sec_levels);
    F("usmStatsNotInTimeWindows", not_in_time_windows);
    F("usmStatsUnknownUserNames", unknown_user_names);
    F("usmStatsUnknownEngineIDs", unknown_engine_ids);
    F("usmStatsWrongDigests", wrong_digests);
    F("usmStatsDecryptionErrors", decryption_errors);
    F("snmpInvalidMsgs", invalid_msgs);
    F("snmpUnknownSecurityModels", unknown_sec_models);
    F("snmpInASNParseErrs", parse_errors);
    F("reports", reports);
    F("discoveries", discoveries);
    F("resyncs", resyncs);
#undef F
    return 1;
}

static const luaL_Reg v3sec_methods[] = {
    { "engine_id", l_v3_engine_id },
    { "engine_time", l_v3_engine_time },
    { "forget", l_v3_forget },
    { NULL, NULL },
};

static void
set_v3sec_mt(lua_State *L)
{
    mwl_set_class(L, V3SEC_MT, v3sec_methods, l_v3_gc);
}

static const luaL_Reg v3_funcs[] = {
    { "v3_attach", l_v3_attach },
    { "v3_stats", l_v3_stats },
    { "usm_msg_protect", l_msg_protect },
    { "usm_msg_check", l_msg_check },
    { NULL, NULL },
};

int
mwl_v3_open(lua_State *L)
{
    luaL_setfuncs(L, v3_funcs, 0);
    return 0;
}
