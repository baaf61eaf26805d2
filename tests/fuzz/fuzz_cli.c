/* fuzz_cli.c - libFuzzer target for the CLI's parsing: options
 * (lua/moonwalk/cli/args.lua, as the commands call it), session options
 * (cli/common.lua: versions, levels, protocols, hex engine IDs and keys),
 * OIDs (core.oid -> src/core/oid.c and src/lua/l_oid.c) and `set`'s
 * OID TYPE VALUE triples (type letters and values as session/more.lua turns
 * them into varbinds, then encoded by the codec, src/lua/l_codec.c).
 *
 * The input is an argument vector: arguments separated by newlines. One
 * Lua state for the whole run, with the moonwalk Lua modules from the
 * source tree and the C half linked in. A Lua error is an expected
 * outcome (bad input is refused); a crash or a sanitizer report is not.
 * Lua's executed lines are fed to libFuzzer as extra coverage counters. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#ifndef MW_ROOT
#define MW_ROOT "."
#endif

int luaopen_moonwalk_core(lua_State *L);

static lua_State *L;
static int fuzz_ref;

/* Lua line coverage as libFuzzer extra counters: the options and values
 * are parsed in Lua, which the compiler's instrumentation does not see. */
#define LUA_COV 16384
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t lua_cov[LUA_COV];

static void
line_hook(lua_State *l, lua_Debug *ar)
{
    if (!lua_getinfo(l, "S", ar))
        return;
    uintptr_t h = (uintptr_t)ar->source * 31u + (uintptr_t)ar->currentline * 2654435761u;
    uint8_t *c = &lua_cov[(h ^ (h >> 15)) % LUA_COV];
    if (*c < 255)
        (*c)++;
}

static const char driver[] =
    "local args = require 'moonwalk.cli.args'\n"
    "local common = require 'moonwalk.cli.common'\n"
    "local core = require 'moonwalk.core'\n"
    "local session = require 'moonwalk.session'\n"
    /* set lives in moonwalk.session.more, loaded with the first call of
     * it: load it now, so that Session.set is the real one */
    "require 'moonwalk.session.more'\n"
    /* session/more.lua's normalize_vb (local): found as an upvalue of set */
    "local normalize\n"
    "local function scan(f)\n"
    "  for i = 1, 60 do\n"
    "    local n, v = debug.getupvalue(f, i)\n"
    "    if not n then break end\n"
    "    if n == 'normalize_vb' then normalize = v return end\n"
    "  end\n"
    "end\n"
    "for _, v in pairs(session) do\n"
    "  if type(v) == 'function' then scan(v)\n"
    "  elseif type(v) == 'table' then\n"
    "    for _, w in pairs(v) do if type(w) == 'function' then scan(w) end end\n"
    "  end\n"
    "end\n"
    "assert(normalize, 'normalize_vb not found in moonwalk.session.more')\n"
    "local extra = { ['--grace'] = true, ['--listen'] = true, ['--user'] = true,\n"
    "  ['--json'] = false, p = false, Cr = true, D = false, d = false, h = false, H = false }\n"
    "return function(input)\n"
    "  local argv = {}\n"
    "  for a in (input .. '\\n'):gmatch('([^\\n]*)\\n') do\n"
    "    argv[#argv + 1] = a\n"
    "    if #argv >= 64 then break end\n"
    "  end\n"
    "  local o, rest = args.parse(argv, extra)\n"
    "  if o then\n"
    "    pcall(args.cflags, o.C)\n"
    "    pcall(common.session_opts, o, rest[1] or 'localhost')\n"
    "  else\n"
    "    rest = argv\n"
    "  end\n"
    "  for i = 1, #rest do pcall(core.oid, rest[i]) end\n"
    /* OID TYPE VALUE triples after the agent, as `moonwalk set` reads them */
    "  local vbs = {}\n"
    "  for i = 2, #rest - 2, 3 do\n"
    "    local ok, vb = pcall(normalize, { rest[i], rest[i + 1], rest[i + 2] }, #vbs + 1)\n"
    "    if ok then vbs[#vbs + 1] = vb end\n"
    "  end\n"
    "  if #vbs > 0 then\n"
    "    local ok, bytes = pcall(core.encode, { version = 1, community = 'private',\n"
    "      pdu = { type = 'set', request_id = 1, varbinds = vbs } })\n"
    "    if ok and bytes then pcall(core.decode, bytes) end\n"
    "  end\n"
    "end\n";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    L = luaL_newstate();
    if (!L)
        abort();
    luaL_openlibs(L);
    lua_getglobal(L, "package");
    lua_pushstring(L, MW_ROOT "/lua/?.lua;" MW_ROOT "/lua/?/init.lua");
    lua_setfield(L, -2, "path");
    lua_pushstring(L, "");
    lua_setfield(L, -2, "cpath");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, luaopen_moonwalk_core);
    lua_setfield(L, -2, "moonwalk.core");
    lua_pop(L, 2);
    if (luaL_loadbuffer(L, driver, sizeof driver - 1, "=fuzz_cli") != LUA_OK
        || lua_pcall(L, 0, 1, 0) != LUA_OK) {
        fprintf(stderr, "fuzz_cli: %s\n", lua_tostring(L, -1));
        abort();
    }
    fuzz_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_sethook(L, line_hook, LUA_MASKLINE, 0);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, fuzz_ref);
    lua_pushlstring(L, (const char *)data, size);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        /* a Lua error is a refusal */
        lua_pop(L, 1);
    }
    lua_gc(L, LUA_GCSTEP, 0);
    return 0;
}
