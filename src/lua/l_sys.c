/* l_sys.c - process-level helpers for the runtime: syslog(3) and the pid.
 *
 *   syslog_open(ident, facility)   openlog(3) with LOG_PID | LOG_NDELAY
 *   syslog(level, message)         level: "debug"|"info"|"warn"|"error"
 *   syslog_close()
 *   getpid()
 *   isatty(fd)                     is the descriptor a terminal
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "mwlua.h"

/* openlog keeps the pointer it is given: the ident lives here. */
static char *sys_ident; /* owned */

static const struct {
    const char *name;
    int value;
} facilities[] = {
    { "daemon", LOG_DAEMON }, { "user", LOG_USER }, { "local0", LOG_LOCAL0 },
    { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
    { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
    { "local7", LOG_LOCAL7 },
};

static int
l_syslog_open(lua_State *L)
{
    const char *ident = luaL_checkstring(L, 1);
    const char *fac = luaL_optstring(L, 2, "daemon");
    int facility = -1;
    for (size_t i = 0; i < sizeof facilities / sizeof *facilities; i++)
        if (strcmp(facilities[i].name, fac) == 0)
            facility = facilities[i].value;
    if (facility < 0)
        return luaL_argerror(L, 2, "unknown syslog facility");
    char *copy = strdup(ident);
    if (!copy)
        return luaL_error(L, "out of memory");
    closelog();
    free(sys_ident);
    sys_ident = copy;
    openlog(sys_ident, LOG_PID | LOG_NDELAY, facility);
    return 0;
}

static int
l_syslog(lua_State *L)
{
    const char *level = luaL_checkstring(L, 1);
    const char *msg = luaL_checkstring(L, 2);
    int pri = LOG_INFO;
    if (strcmp(level, "debug") == 0)
        pri = LOG_DEBUG;
    else if (strcmp(level, "warn") == 0)
        pri = LOG_WARNING;
    else if (strcmp(level, "error") == 0)
        pri = LOG_ERR;
    syslog(pri, "%s", msg);
    return 0;
}

static int
l_syslog_close(lua_State *L)
{
    (void)L;
    closelog();
    return 0;
}

static int
l_getpid(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)getpid());
    return 1;
}

static int
l_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)) == 1);
    return 1;
}

static const luaL_Reg sys_funcs[] = {
    { "syslog_open", l_syslog_open },
    { "syslog", l_syslog },
    { "syslog_close", l_syslog_close },
    { "getpid", l_getpid },
    { "isatty", l_isatty },
    { NULL, NULL },
};

int mwl_sys_open(lua_State *L);
int
mwl_sys_open(lua_State *L)
{
    luaL_setfuncs(L, sys_funcs, 0);
    return 0;
}
