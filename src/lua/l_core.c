/* l_core.c - luaopen_moonwalk_core: the C half of require "moonwalk". */
#include <stdio.h>
#include <stdlib.h>

#include "mwlua.h"

/* Optional parts: a binding file that is not linked in leaves these NULL. */
int mwl_engine_open(lua_State *L) __attribute__((weak));
int mwl_task_open(lua_State *L) __attribute__((weak));
int mwl_session_open(lua_State *L) __attribute__((weak));
int mwl_usm_open(lua_State *L) __attribute__((weak));
int mwl_mib_open(lua_State *L) __attribute__((weak));
int mwl_agent_open(lua_State *L) __attribute__((weak));
int mwl_receiver_open(lua_State *L) __attribute__((weak));
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

void
mwl_set_class(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc)
{
    if (luaL_newmetatable(L, name)) {
        if (gc) {
            lua_pushcfunction(L, gc);
            lua_setfield(L, -2, "__gc");
        }
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
    }
    lua_setmetatable(L, -2);
}

/* Each binding file fills a table of its own, which is the module
 * moonwalk.core.<part> (require "moonwalk.core.usm" gives l_usm.c's
 * functions and nothing else). moonwalk.core, the table scripts know as
 * mw.core, is their union, made here: a name that two parts both define
 * is an error at load, so no part can shadow another's.
 *
 * The parts marked later are opened together on first use: the first
 * name of moonwalk.core that is not there yet (through a metatable that
 * is then taken off), or the first require of one of them. A one-shot
 * get calls none of their functions; making their tables was a tenth of
 * what opening moonwalk.core cost it (scripts/bench/startup). */
static const struct {
    const char *name;
    const char *modname; /* "moonwalk.core." name, written out here, not
                          * formatted at each start (see src/main.c) */
    int (*open)(lua_State *L);
    int later;
} parts[] = {
#define PART(name, open, later) { name, "moonwalk.core." name, open, later }
    PART("oid", mwl_oid_open, 0),       /* l_oid.c */
    PART("codec", mwl_codec_open, 0),   /* l_codec.c */
    PART("loop", mwl_engine_open, 0),   /* l_engine.c */
    PART("task", mwl_task_open, 0),     /* l_task.c */
    PART("session", mwl_session_open, 0), /* l_session.c */
    PART("usm", mwl_usm_open, 1),       /* l_usm.c */
    PART("mib", mwl_mib_open, 0),       /* l_mib.c */
    PART("agent", mwl_agent_open, 1),   /* l_agent.c */
    PART("receiver", mwl_receiver_open, 1), /* l_receiver.c */
    PART("http", mwl_http_open, 1),     /* l_http.c */
    PART("udp", mwl_udp_open, 1),       /* l_udp.c */
    PART("v3", mwl_v3_open, 1),         /* l_v3.c */
    PART("sys", mwl_sys_open, 0),       /* l_sys.c */
    PART("fmt", mwl_fmt_open, 0),       /* l_fmt.c */
    PART("alloc", mwl_alloc_open, 0),   /* l_alloc.c */
    PART("paths", mwl_paths_open, 0),   /* l_paths.c */
    PART("snmpengine", mwl_snmpengine_open, 1), /* l_snmpengine.c */
    PART("nats", mwl_nats_open, 1),     /* l_nats.c */
#undef PART
};
enum { NPARTS = sizeof parts / sizeof *parts };

/* the registry's table of every part opened, by module name: what a
 * require of a later part returns, even once package.loaded has lost it
 * (a test harness that restores package.loaded after each file) */
#define PARTS_KEY "moonwalk.core.parts"

/* Opens the parts whose `later` is the one given, each into its module
 * moonwalk.core.<part>, and adds their names to the union at index core;
 * a name the union has already is an error naming both parts. */
static void
open_parts(lua_State *L, int core, int later)
{
    luaL_checkstack(L, 8, "moonwalk.core");
    luaL_getsubtable(L, LUA_REGISTRYINDEX, PARTS_KEY);
    int opened = lua_gettop(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    int loaded = lua_gettop(L);
    for (size_t i = 0; i < NPARTS; i++) {
        if (!parts[i].open || parts[i].later != later)
            continue;
        lua_newtable(L);
        int part = lua_gettop(L);
        parts[i].open(L);
        lua_settop(L, part); /* an open function leaves its table alone on top */
        lua_pushvalue(L, part);
        lua_setfield(L, loaded, parts[i].modname);
        lua_pushvalue(L, part);
        lua_setfield(L, opened, parts[i].modname);
        lua_pushnil(L);
        while (lua_next(L, part)) {
            lua_pushvalue(L, -2);
            if (lua_rawget(L, core) != LUA_TNIL) {
                const char *other = "?";
                /* the part that has it: an opened one whose table has it */
                for (size_t j = 0; j < NPARTS; j++) {
                    if (j == i || !parts[j].open)
                        continue;
                    if (lua_getfield(L, opened, parts[j].modname) == LUA_TTABLE) {
                        lua_pushvalue(L, -4);
                        if (lua_rawget(L, -2) != LUA_TNIL)
                            other = parts[j].name;
                        lua_pop(L, 1);
                    }
                    lua_pop(L, 1);
                }
                luaL_error(L, "moonwalk.core: %s is defined by both the %s and the %s part",
                           lua_tostring(L, -3), other, parts[i].name);
            }
            lua_pop(L, 1);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, core);
        }
        lua_settop(L, loaded);
    }
    lua_pop(L, 2);
}

/* the parts opened later, once: the union is upvalue 1 */
static void
open_later(lua_State *L)
{
    int core = lua_upvalueindex(1);
    if (!lua_getmetatable(L, core))
        return; /* done before */
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_setmetatable(L, core);
    open_parts(L, core, 1);
}

/* __index of the union while the later parts are not open */
static int
l_core_index(lua_State *L)
{
    open_later(L);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
}

/* package.preload's loader of a later part: its name is argument 1 */
static int
l_core_part(lua_State *L)
{
    open_later(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, PARTS_KEY);
    lua_getfield(L, -1, luaL_checkstring(L, 1));
    return 1;
}

int
luaopen_moonwalk_core(lua_State *L)
{
    int later = 0;
    /* room for every part's names (under 128 in all) */
    lua_createtable(L, 0, 128);
    int core = lua_gettop(L);
    open_parts(L, core, 0);
    lua_pushliteral(L, MW_VERSION);
    lua_setfield(L, core, "version");
    lua_pushcfunction(L, l_unsetenv);
    lua_setfield(L, core, "unsetenv");
    lua_pushcfunction(L, l_setenv);
    lua_setfield(L, core, "setenv");
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (size_t i = 0; i < NPARTS; i++) {
        if (!parts[i].open || !parts[i].later)
            continue;
        later++;
        lua_pushvalue(L, core);
        lua_pushcclosure(L, l_core_part, 1);
        lua_setfield(L, -2, parts[i].modname);
    }
    lua_pop(L, 1);
    if (later) {
        lua_createtable(L, 0, 1);
        lua_pushvalue(L, core);
        lua_pushcclosure(L, l_core_index, 1);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, core);
    }
    return 1;
}
