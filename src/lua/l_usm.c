/* l_usm.c - USM functions on the core module table (binary strings in and
 * out). Expected failures return nil, message; bad argument types and
 * unknown protocol names raise. Keys handed to Lua become Lua strings,
 * which the collector frees without wiping: the engine should keep keys in
 * C (usm_keys_t) and use these functions for tests and tools. */
#include <string.h>

#include "mwlua.h"
#include "../usm/usm.h"

int mwl_usm_open(lua_State *L);

static usm_auth_t
check_auth(lua_State *L, int idx, int allow_none)
{
    const char *name = luaL_checkstring(L, idx);
    int a = usm_auth_parse(name);
    if (a < 0 || (a == USM_AUTH_NONE && !allow_none))
        luaL_argerror(L, idx, lua_pushfstring(L, "unknown authentication protocol '%s'", name));
    return (usm_auth_t)a;
}

static usm_priv_t
check_priv(lua_State *L, int idx)
{
    const char *name = luaL_checkstring(L, idx);
    int p = usm_priv_parse(name);
    if (p <= 0)
        luaL_argerror(L, idx, lua_pushfstring(L, "unknown privacy protocol '%s'", name));
    return (usm_priv_t)p;
}

static usm_priv_t
check_priv_or_none(lua_State *L, int idx)
{
    const char *name = luaL_optstring(L, idx, "NONE");
    int p = usm_priv_parse(name);
    if (p < 0)
        luaL_argerror(L, idx, lua_pushfstring(L, "unknown privacy protocol '%s'", name));
    return (usm_priv_t)p;
}

static int
fail(lua_State *L, const char *msg)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
}

static int
fail_rc(lua_State *L, int rc)
{
    return fail(L, usm_strerror(rc));
}

static const char *
short_pass_msg(void)
{
    return "password must be at least 8 characters (RFC 3414 11.2)";
}

static int32_t
check_int32(lua_State *L, int idx)
{
    lua_Integer v = luaL_checkinteger(L, idx);
    luaL_argcheck(L, v >= INT32_MIN && v <= UINT32_MAX, idx, "out of 32-bit range");
    return (int32_t)(uint32_t)v;
}

/* usm_password_to_key(auth, pass) -> Ku */
static int
l_password_to_key(lua_State *L)
{
    usm_auth_t a = check_auth(L, 1, 0);
    size_t n;
    const char *pw = luaL_checklstring(L, 2, &n);
    uint8_t key[USM_MAX_HASH];
    int rc;
    if (n < USM_MIN_PASS)
        return fail(L, short_pass_msg());
    rc = usm_password_to_key(a, (const uint8_t *)pw, n, key);
    if (rc < 0)
        return fail_rc(L, rc);
    lua_pushlstring(L, (const char *)key, usm_auth_hash_len(a));
    usm_wipe(key, sizeof key);
    return 1;
}

/* usm_localize(auth, key, engine_id) -> Kul */
static int
l_localize(lua_State *L)
{
    usm_auth_t a = check_auth(L, 1, 0);
    size_t kn, en;
    const char *k = luaL_checklstring(L, 2, &kn);
    const char *e = luaL_checklstring(L, 3, &en);
    uint8_t out[USM_MAX_HASH];
    int rc;
    if (kn != usm_auth_hash_len(a))
        return fail(L, "key length does not match the authentication protocol");
    if ((rc = usm_key_localize(a, (const uint8_t *)k, (const uint8_t *)e, en, out)) < 0)
        return fail_rc(L, rc);
    lua_pushlstring(L, (const char *)out, kn);
    usm_wipe(out, sizeof out);
    return 1;
}

/* usm_priv_localize(auth, priv, master, engine_id) -> localised privacy key */
static int
l_priv_localize(lua_State *L)
{
    usm_auth_t a = check_auth(L, 1, 0);
    usm_priv_t p = check_priv(L, 2);
    size_t kn, en;
    const char *k = luaL_checklstring(L, 3, &kn);
    const char *e = luaL_checklstring(L, 4, &en);
    uint8_t out[USM_MAX_PRIV_KEY];
    int rc;
    if (kn != usm_auth_hash_len(a))
        return fail(L, "key length does not match the authentication protocol");
    rc = usm_priv_key_localize(a, p, (const uint8_t *)k, (const uint8_t *)e, en, out);
    if (rc < 0)
        return fail_rc(L, rc);
    lua_pushlstring(L, (const char *)out, usm_priv_key_len(p));
    usm_wipe(out, sizeof out);
    return 1;
}

/* Checks (auth, lkey, msg, off); off is 0-based as decode's auth_params_off. */
static int
auth_args(lua_State *L, usm_auth_t *a, const char **key, const char **msg, size_t *len,
          size_t *off)
{
    size_t kn;
    lua_Integer o;
    *a = check_auth(L, 1, 0);
    *key = luaL_checklstring(L, 2, &kn);
    *msg = luaL_checklstring(L, 3, len);
    o = luaL_checkinteger(L, 4);
    if (kn != usm_auth_hash_len(*a)) {
        fail(L, "key length does not match the authentication protocol");
        return -1;
    }
    if (o < 0 || (size_t)o > *len || *len - (size_t)o < usm_auth_mac_len(*a)) {
        fail(L, "authentication parameters offset out of range");
        return -1;
    }
    *off = (size_t)o;
    return 0;
}

/* usm_sign(auth, lkey, msg, off) -> msg with the MAC written at off */
static int
l_sign(lua_State *L)
{
    usm_auth_t a;
    const char *key, *msg;
    size_t len, off;
    luaL_Buffer b;
    uint8_t *buf;
    int rc;
    if (auth_args(L, &a, &key, &msg, &len, &off) < 0)
        return 2;
    buf = (uint8_t *)luaL_buffinitsize(L, &b, len);
    memcpy(buf, msg, len);
    if ((rc = usm_auth_sign(a, (const uint8_t *)key, buf, len, off)) < 0)
        return fail_rc(L, rc);
    luaL_pushresultsize(&b, len);
    return 1;
}

/* usm_verify(auth, lkey, msg, off) -> true | nil, "wrong digest" */
static int
l_verify(lua_State *L)
{
    usm_auth_t a;
    const char *key, *msg;
    size_t len, off;
    int rc;
    if (auth_args(L, &a, &key, &msg, &len, &off) < 0)
        return 2;
    if ((rc = usm_auth_verify(a, (const uint8_t *)key, (const uint8_t *)msg, len, off)) < 0)
        return fail_rc(L, rc);
    lua_pushboolean(L, 1);
    return 1;
}

static const char *
check_pkey(lua_State *L, int idx, usm_priv_t p)
{
    size_t kn;
    const char *k = luaL_checklstring(L, idx, &kn);
    if (kn < usm_priv_key_len(p))
        return NULL;
    return k;
}

/* usm_encrypt(priv, key, boots, time, plain) -> cipher, priv_params */
static int
l_encrypt(lua_State *L)
{
    usm_priv_t p = check_priv(L, 1);
    const char *k = check_pkey(L, 2, p);
    int32_t boots = check_int32(L, 3), tm = check_int32(L, 4);
    size_t n, outn;
    const char *in = luaL_checklstring(L, 5, &n);
    uint8_t pp[USM_PRIV_PARAMS];
    luaL_Buffer b;
    uint8_t *out;
    int rc;
    if (!k)
        return fail(L, "privacy key too short for the privacy protocol");
    out = (uint8_t *)luaL_buffinitsize(L, &b, usm_priv_out_len(p, n));
    rc = usm_encrypt(p, (const uint8_t *)k, boots, tm, (const uint8_t *)in, n, out, &outn, pp);
    if (rc < 0)
        return fail_rc(L, rc);
    luaL_pushresultsize(&b, outn);
    lua_pushlstring(L, (const char *)pp, sizeof pp);
    return 2;
}

/* usm_decrypt(priv, key, boots, time, priv_params, cipher) -> plain */
static int
l_decrypt(lua_State *L)
{
    usm_priv_t p = check_priv(L, 1);
    const char *k = check_pkey(L, 2, p);
    int32_t boots = check_int32(L, 3), tm = check_int32(L, 4);
    size_t ppn, n, outn;
    const char *pp = luaL_checklstring(L, 5, &ppn);
    const char *in = luaL_checklstring(L, 6, &n);
    luaL_Buffer b;
    uint8_t *out;
    int rc;
    if (!k)
        return fail(L, "privacy key too short for the privacy protocol");
    out = (uint8_t *)luaL_buffinitsize(L, &b, n);
    rc = usm_decrypt(p, (const uint8_t *)k, boots, tm, (const uint8_t *)pp, ppn,
                     (const uint8_t *)in, n, out, &outn);
    if (rc < 0)
        return fail_rc(L, rc);
    luaL_pushresultsize(&b, outn);
    return 1;
}

static void
push_keys(lua_State *L, const usm_keys_t *k)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, usm_auth_name(k->auth));
    lua_setfield(L, -2, "auth");
    lua_pushstring(L, usm_priv_name(k->priv));
    lua_setfield(L, -2, "priv");
    lua_pushlstring(L, (const char *)k->auth_key, k->auth_key_len);
    lua_setfield(L, -2, "auth_key");
    if (k->priv != USM_PRIV_NONE) {
        lua_pushlstring(L, (const char *)k->priv_key, k->priv_key_len);
        lua_setfield(L, -2, "priv_key");
    }
}

/* usm_keys(auth, priv|nil, auth_pass, priv_pass|nil, engine_id)
 *   -> {auth=, priv=, auth_key=, priv_key=} (localised, cached) */
static int
l_keys(lua_State *L)
{
    usm_auth_t a = check_auth(L, 1, 0);
    usm_priv_t p = check_priv_or_none(L, 2);
    size_t an, pn = 0, en;
    const char *ap = luaL_checklstring(L, 3, &an);
    const char *pp = luaL_optlstring(L, 4, NULL, &pn);
    const char *e = luaL_checklstring(L, 5, &en);
    usm_keys_t k;
    int rc;
    if (an < USM_MIN_PASS || (p != USM_PRIV_NONE && (!pp || pn < USM_MIN_PASS)))
        return fail(L, short_pass_msg());
    rc = usm_keys_get(a, p, ap, an, pp, pn, (const uint8_t *)e, en, &k);
    if (rc < 0)
        return fail_rc(L, rc);
    push_keys(L, &k);
    usm_keys_wipe(&k);
    return 1;
}

/* usm_keys_from_master(auth, priv|nil, auth_master, priv_master|nil, engine_id) (-3m/-3M) */
static int
l_keys_from_master(lua_State *L)
{
    usm_auth_t a = check_auth(L, 1, 0);
    usm_priv_t p = check_priv_or_none(L, 2);
    size_t an, pn = 0, en;
    const char *ak = luaL_checklstring(L, 3, &an);
    const char *pk = luaL_optlstring(L, 4, NULL, &pn);
    const char *e = luaL_checklstring(L, 5, &en);
    usm_keys_t k;
    int rc = usm_keys_from_master(a, p, (const uint8_t *)ak, an, (const uint8_t *)pk, pn,
                                  (const uint8_t *)e, en, &k);
    if (rc < 0)
        return fail(L, rc == MW_EINVAL ? "master key length does not match the authentication protocol"
                                       : usm_strerror(rc));
    push_keys(L, &k);
    usm_keys_wipe(&k);
    return 1;
}

/* usm_keys_from_local(auth, priv|nil, auth_key, priv_key|nil) (-3k/-3K) */
static int
l_keys_from_local(lua_State *L)
{
    usm_auth_t a = check_auth(L, 1, 0);
    usm_priv_t p = check_priv_or_none(L, 2);
    size_t an, pn = 0;
    const char *ak = luaL_checklstring(L, 3, &an);
    const char *pk = luaL_optlstring(L, 4, NULL, &pn);
    usm_keys_t k;
    int rc = usm_keys_from_local(a, p, (const uint8_t *)ak, an, (const uint8_t *)pk, pn, &k);
    if (rc < 0)
        return fail(L, rc == MW_EINVAL ? "localised key length does not match the protocols"
                                       : usm_strerror(rc));
    push_keys(L, &k);
    usm_keys_wipe(&k);
    return 1;
}

/* usm_stats() -> {password_hashes=, localizations=, cache_hits=, cache_misses=, evictions=} */
static int
l_stats(lua_State *L)
{
    usm_stats_t s;
    usm_stats_get(&s);
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, (lua_Integer)s.password_hashes);
    lua_setfield(L, -2, "password_hashes");
    lua_pushinteger(L, (lua_Integer)s.localizations);
    lua_setfield(L, -2, "localizations");
    lua_pushinteger(L, (lua_Integer)s.cache_hits);
    lua_setfield(L, -2, "cache_hits");
    lua_pushinteger(L, (lua_Integer)s.cache_misses);
    lua_setfield(L, -2, "cache_misses");
    lua_pushinteger(L, (lua_Integer)s.evictions);
    lua_setfield(L, -2, "evictions");
    return 1;
}

static int
l_cache_clear(lua_State *L)
{
    (void)L;
    usm_cache_clear();
    return 0;
}

/* usm_salt_set(n): the next salt counter value (known-answer tests). */
static int
l_salt_set(lua_State *L)
{
    usm_salt_set((uint64_t)luaL_checkinteger(L, 1));
    return 0;
}

static int
l_auth_names(lua_State *L)
{
    lua_createtable(L, USM_AUTH_COUNT - 1, 0);
    for (int i = 1; i < USM_AUTH_COUNT; i++) {
        lua_pushstring(L, usm_auth_name((usm_auth_t)i));
        lua_rawseti(L, -2, i);
    }
    return 1;
}

static int
l_priv_names(lua_State *L)
{
    lua_createtable(L, USM_PRIV_COUNT - 1, 0);
    for (int i = 1; i < USM_PRIV_COUNT; i++) {
        lua_pushstring(L, usm_priv_name((usm_priv_t)i));
        lua_rawseti(L, -2, i);
    }
    return 1;
}

/* usm_auth_info(name) -> {name=, hash_len=, mac_len=} | nil */
static int
l_auth_info(lua_State *L)
{
    int a = usm_auth_parse(luaL_checkstring(L, 1));
    if (a <= 0)
        return fail(L, "unknown authentication protocol");
    lua_createtable(L, 0, 3);
    lua_pushstring(L, usm_auth_name((usm_auth_t)a));
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, (lua_Integer)usm_auth_hash_len((usm_auth_t)a));
    lua_setfield(L, -2, "hash_len");
    lua_pushinteger(L, (lua_Integer)usm_auth_mac_len((usm_auth_t)a));
    lua_setfield(L, -2, "mac_len");
    return 1;
}

/* usm_priv_info(name) -> {name=, key_len=} | nil */
static int
l_priv_info(lua_State *L)
{
    int p = usm_priv_parse(luaL_checkstring(L, 1));
    if (p <= 0)
        return fail(L, "unknown privacy protocol");
    lua_createtable(L, 0, 2);
    lua_pushstring(L, usm_priv_name((usm_priv_t)p));
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, (lua_Integer)usm_priv_key_len((usm_priv_t)p));
    lua_setfield(L, -2, "key_len");
    return 1;
}

static const luaL_Reg usm_funcs[] = {
    { "usm_password_to_key", l_password_to_key },
    { "usm_localize", l_localize },
    { "usm_priv_localize", l_priv_localize },
    { "usm_sign", l_sign },
    { "usm_verify", l_verify },
    { "usm_encrypt", l_encrypt },
    { "usm_decrypt", l_decrypt },
    { "usm_keys", l_keys },
    { "usm_keys_from_master", l_keys_from_master },
    { "usm_keys_from_local", l_keys_from_local },
    { "usm_stats", l_stats },
    { "usm_cache_clear", l_cache_clear },
    { "usm_salt_set", l_salt_set },
    { "usm_auth_names", l_auth_names },
    { "usm_priv_names", l_priv_names },
    { "usm_auth_info", l_auth_info },
    { "usm_priv_info", l_priv_info },
    { NULL, NULL },
};

int
mwl_usm_open(lua_State *L)
{
    luaL_setfuncs(L, usm_funcs, 0);
    return 0;
}
