/* embed.c - a package.searchers entry that serves the Lua modules compiled
 * into the binary (build/gen/embed_mods.c, from scripts/embed-lua.lua),
 * so a one-shot command loads bytecode from memory instead of opening,
 * reading and compiling a dozen source files. Only the moonwalk binary has
 * it (core.so, loaded by a plain lua5.4, reads the sources). */
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "embed.h"

static const embed_mod_t *
find(const char *name)
{
    size_t lo = 0, hi = 0;
    while (embed_mods[hi].name)
        hi++;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, embed_mods[mid].name);
        if (c == 0)
            return &embed_mods[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int
searcher(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const embed_mod_t *m = find(name);
    if (!m) {
        lua_pushfstring(L, "no embedded module '%s'", name);
        return 1;
    }
    if (luaL_loadbufferx(L, (const char *)m->code, m->len, m->chunkname, "b") != LUA_OK) {
        lua_pushfstring(L, "embedded module '%s': %s", name, lua_tostring(L, -1));
        return 1;
    }
    lua_pushstring(L, m->chunkname + 1);
    return 2;
}

void
embed_install(lua_State *L)
{
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchers");
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = n; i >= 2; i--) {
        lua_rawgeti(L, -1, i);
        lua_rawseti(L, -2, i + 1);
    }
    lua_pushcfunction(L, searcher);
    lua_rawseti(L, -2, 2);
    lua_pop(L, 2);
}
