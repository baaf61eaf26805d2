/* l_paths.c - the install locations compiled into the build (PREFIX and the
 * MIB directory). The only object that embeds them: the Makefile rebuilds
 * it whenever PREFIX or MIBDIR changes, so `make install PREFIX=...` after
 * an earlier build never installs a binary that looks elsewhere. */
#include "mwlua.h"

#ifndef MW_PREFIX
#define MW_PREFIX "/usr/local"
#endif
#ifndef MW_MIBDIR
#define MW_MIBDIR MW_PREFIX "/share/moonwalk/mibs"
#endif

const char *
mwl_paths_prefix(void)
{
    return MW_PREFIX;
}

const char *
mwl_paths_mibdir(void)
{
    return MW_MIBDIR;
}

/* core.prefix, core.mibdir */
int
mwl_paths_open(lua_State *L)
{
    lua_pushstring(L, MW_PREFIX);
    lua_setfield(L, -2, "prefix");
    lua_pushstring(L, MW_MIBDIR);
    lua_setfield(L, -2, "mibdir");
    return 0;
}
