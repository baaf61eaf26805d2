/* l_core.c - luaopen_moonwalk_core: the C half of require "moonwalk". */
#include <stdlib.h>

#include "mwlua.h"

/* Optional parts: a binding file that is not linked in leaves these NULL. */
int mwl_engine_open(lua_State *L) __attribute__((weak));
int mwl_usm_open(lua_State *L) __attribute__((weak));
int mwl_mib_open(lua_State *L) __attribute__((weak));
int mwl_agent_open(lua_State *L) __attribute__((weak));
int mwl_notify_open(lua_State *L) __attribute__((weak));
int mwl_http_open(lua_State *L) __attribute__((weak));
int mwl_udp_open(lua_State *L) __attribute__((weak));
int mwl_v3_open(lua_State *L) __attribute__((weak));
int mwl_sys_open(lua_State *L) __attribute__((weak));
int mwl_fmt_open(lua_State *L) __attribute__((weak));
int mwl_snmpengine_open(lua_State *L) __attribute__((weak));
int mwl_nats_open(lua_State *L) __attribute__((weak));

int luaopen_moonwalk_core(lua_State *L);

/* unsetenv(name): for the test harness, which loads an ASan build of this
 * module through LD_PRELOAD and must not hand that to the programs its
 * tests start. */
static int
l_unsetenv(lua_State *L)
{
    lua_pushboolean(L, unsetenv(luaL_checkstring(L, 1)) == 0);
    return 1;
}

/* setenv(name, value): for the test harness, which gives the programs its
 * tests start other sanitizer options than its own. */
static int
l_setenv(lua_State *L)
{
    lua_pushboolean(L, setenv(luaL_checkstring(L, 1), luaL_checkstring(L, 2), 1) == 0);
    return 1;
}

int
luaopen_moonwalk_core(lua_State *L)
{
    int (*const parts[])(lua_State *) = {
        mwl_oid_open, mwl_codec_open, mwl_engine_open, mwl_usm_open,
        mwl_mib_open, mwl_agent_open, mwl_notify_open, mwl_http_open,
        mwl_udp_open, mwl_v3_open, mwl_sys_open, mwl_fmt_open, mwl_alloc_open,
        mwl_paths_open, mwl_snmpengine_open, mwl_nats_open,
    };
    lua_newtable(L);
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        if (parts[i])
            parts[i](L);
    lua_pushliteral(L, MW_VERSION);
    lua_setfield(L, -2, "version");
    lua_pushcfunction(L, l_unsetenv);
    lua_setfield(L, -2, "unsetenv");
    lua_pushcfunction(L, l_setenv);
    lua_setfield(L, -2, "setenv");
    return 1;
}
