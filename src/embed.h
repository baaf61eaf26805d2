/* embed.h - Lua modules compiled into the moonwalk binary (not into
 * core.so): the table is generated at build time by scripts/embed-lua.lua. */
#ifndef MW_EMBED_H
#define MW_EMBED_H

#include <stddef.h>

#include <lua.h>

typedef struct embed_mod {
    const char *name;          /* module name, "moonwalk.cli.snmp" */
    const char *chunkname;     /* "=moonwalk/cli/snmp.lua" */
    const unsigned char *code; /* bytecode, with debug information */
    size_t len;
} embed_mod_t;

/* Sorted by name, ended by a NULL name. */
extern const embed_mod_t embed_mods[];

/* Adds a package.searchers entry right after package.preload's that loads
 * the modules built in, so they win over the ones on package.path. A module
 * whose bytecode this Lua cannot load (another Lua release made it) is
 * left to the other searchers. */
void embed_install(lua_State *L);

#endif
