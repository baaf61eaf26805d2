/* l_sys.c - process-level helpers for the runtime: syslog and the pid.
 *
 *   syslog_open(ident, facility [, socket])  datagrams to socket (default
 *                                  /dev/log), as syslog(3) writes them
 *   syslog(level, message)         level: "debug"|"info"|"warn"|"error"
 *   syslog_close()
 *   getpid()
 *   isatty(fd)                     is the descriptor a terminal
 *   isdir(path)                    a directory this process may open
 *   readfile(path)                 the file's bytes, or nil, message
 *
 * isdir and readfile are for the configuration files a one-shot command
 * looks for at each start (snmp.conf in four directories, most of them
 * absent): plain open/read, without a stdio stream or an error string
 * made for each file that is not there.
 *
 * The lines go out as syslog(3) sends them ("<PRI>Mmm dd hh:mm:ss
 * ident[pid]: message" on a Unix datagram socket), but to a socket that can
 * be named: a test listens on one of its own instead of needing a daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mwlua.h"

static char *sys_ident;   /* owned */
static int sys_facility = LOG_DAEMON;
static int sys_fd = -1;
static struct sockaddr_un sys_addr;

static const struct {
    const char *name;
    int value;
} facilities[] = {
    { "daemon", LOG_DAEMON }, { "user", LOG_USER }, { "local0", LOG_LOCAL0 },
    { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
    { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
    { "local7", LOG_LOCAL7 },
};

static void
sys_disconnect(void)
{
    if (sys_fd >= 0)
        close(sys_fd);
    sys_fd = -1;
}

/* (re)connects to the socket; a missing socket drops lines, as syslog(3) */
static int
sys_connect(void)
{
    sys_disconnect();
    sys_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sys_fd < 0)
        return -1;
    if (connect(sys_fd, (struct sockaddr *)&sys_addr, sizeof sys_addr) != 0) {
        sys_disconnect();
        return -1;
    }
    return 0;
}

static int
l_syslog_open(lua_State *L)
{
    const char *ident = luaL_checkstring(L, 1);
    const char *fac = luaL_optstring(L, 2, "daemon");
    size_t plen;
    const char *path = luaL_optlstring(L, 3, "/dev/log", &plen);
    int facility = -1;
    for (size_t i = 0; i < sizeof facilities / sizeof *facilities; i++)
        if (strcmp(facilities[i].name, fac) == 0)
            facility = facilities[i].value;
    if (facility < 0)
        return luaL_argerror(L, 2, "unknown syslog facility");
    if (plen == 0 || plen >= sizeof sys_addr.sun_path)
        return luaL_argerror(L, 3, "socket path empty or too long");
    char *copy = strdup(ident);
    if (!copy)
        return luaL_error(L, "out of memory");
    free(sys_ident);
    sys_ident = copy;
    sys_facility = facility;
    memset(&sys_addr, 0, sizeof sys_addr);
    sys_addr.sun_family = AF_UNIX;
    memcpy(sys_addr.sun_path, path, plen);
    sys_connect();
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
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%b %e %T", &tm);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "<%d>%s %s[%d]: ", sys_facility | pri, stamp,
                    sys_ident ? sys_ident : "moonwalk", (int)getpid());
    luaL_addvalue(&b);
    luaL_addstring(&b, msg);
    luaL_pushresult(&b);
    size_t n;
    const char *line = lua_tolstring(L, -1, &n);
    if (sys_fd < 0 && sys_addr.sun_family == AF_UNIX)
        sys_connect();
    if (sys_fd >= 0 && send(sys_fd, line, n, MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
        /* the daemon restarted: once more on a new connection */
        if (sys_connect() == 0)
            (void)send(sys_fd, line, n, MSG_NOSIGNAL);
    }
    return 0;
}

static int
l_syslog_close(lua_State *L)
{
    (void)L;
    sys_disconnect();
    memset(&sys_addr, 0, sizeof sys_addr);
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

static int
l_isdir(lua_State *L)
{
    int fd = open(luaL_checkstring(L, 1), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    lua_pushboolean(L, fd >= 0);
    return 1;
}

static int
l_readfile(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;
    if (fd < 0) {
        e = errno;
    } else {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        ssize_t n;
        do {
            n = read(fd, luaL_prepbuffer(&b), LUAL_BUFFERSIZE);
            if (n > 0)
                luaL_addsize(&b, (size_t)n);
        } while (n > 0 || (n < 0 && errno == EINTR));
        e = n < 0 ? errno : 0;
        close(fd);
        if (!e) {
            luaL_pushresult(&b);
            return 1;
        }
    }
    lua_pushnil(L);
    /* the usual failure spelled out here: strerror's tables (and the
     * locale's) would be two or three page faults for a start that looks
     * for six absent snmp.conf files. moonwalk runs in the C locale, whose
     * text this is. */
    lua_pushfstring(L, "%s: %s", path, e == ENOENT ? "No such file or directory" : strerror(e));
    lua_pushinteger(L, e);
    return 3;
}

static const luaL_Reg sys_funcs[] = {
    { "isdir", l_isdir },
    { "readfile", l_readfile },
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
