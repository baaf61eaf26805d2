/* l_v3.c - SNMPv3 for Lua: whole-message USM (usm_msg_protect/check, for
 * tests and tools) on the core module table. */
#include <stdlib.h>
#include <string.h>

#include "mwlua.h"
#include "../usm/usm_msg.h"

int mwl_v3_open(lua_State *L);

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
    if ((rc = msg_decode(&m, raw, n)) < 0 || m.encrypted) {
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
 * Runs msg_decode and usm_msg_decode; decode the result with
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
    if ((rc = msg_decode(&m, raw, n)) == 0)
        rc = usm_msg_decode(have ? &k : NULL, &m, raw, n, plain, V3_BUF);
    usm_keys_wipe(&k);
    if (rc == 0)
        rc = msg_encode_scoped(&m, enc, V3_BUF, &sp, &splen);
    if (rc < 0) {
        usm_wipe(plain, V3_BUF);
        return fail_rc(L, rc);
    }
    lua_pushlstring(L, (const char *)sp, splen);
    usm_wipe(plain, V3_BUF);
    usm_wipe(enc, V3_BUF);
    return 1;
}

static const luaL_Reg v3_funcs[] = {
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
