/* l_udp.c - plain UDP sockets for Lua: udp_open(addr, fn) calls fn(data,
 * from) for each datagram (on the main thread, under pcall), and
 * sock:send(addr, data). Used by tests (a misbehaving agent) and tools. */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "mwlua.h"
#include "l_call.h"
#include "../net/udp.h"

#define UDP_MT "moonwalk.udp"


typedef struct {
    udp_sock_t *s;   /* owned */
    lua_State *L;    /* main thread */
    int fnref;
} ludp_t;

static void
on_dgram(udp_sock_t *s, const uint8_t *buf, size_t len, const struct sockaddr *from,
         socklen_t fromlen, void *arg)
{
    ludp_t *u = arg;
    lua_State *L = u->L;
    char addr[80];
    int top = lua_gettop(L);
    (void)s;
    (void)fromlen;
    udp_format_addr(from, addr, sizeof addr);
    lua_rawgeti(L, LUA_REGISTRYINDEX, u->fnref);
    lua_pushlstring(L, (const char *)buf, len);
    lua_pushstring(L, addr);
    mwl_pcall(L, 2, 0, "udp handler");
    lua_settop(L, top);
}

static int
parse_addr(lua_State *L, int idx, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[256];
    int port;
    const char *spec = luaL_checkstring(L, idx);
    int fam = udp_parse_peer(spec, host, sizeof host, &port, 161);
    if (fam < 0 || udp_literal_addr(host, port, fam, ss, len) < 0)
        return luaL_error(L, "bad address %s (a literal [udp:|udp6:]addr:port is needed)", spec);
    return 0;
}

static void set_udp_mt(lua_State *L);

static int
l_udp_open(lua_State *L)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int err = 0;
    parse_addr(L, 1, &ss, &len);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    ludp_t *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    u->fnref = LUA_NOREF;
    set_udp_mt(L);
    u->L = mwl_main_thread(L);
    lua_pushvalue(L, 2);
    u->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
    u->s = udp_open(mwl_event_base(L), (struct sockaddr *)&ss, len, on_dgram, u, &err);
    if (!u->s) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot open %s: %s", lua_tostring(L, 1), strerror(err));
        return 2;
    }
    return 1;
}

static int
l_udp_send(lua_State *L)
{
    ludp_t *u = luaL_checkudata(L, 1, UDP_MT);
    struct sockaddr_storage ss;
    socklen_t len;
    size_t n;
    if (!u->s)
        return luaL_error(L, "socket is closed");
    parse_addr(L, 2, &ss, &len);
    const char *data = luaL_checklstring(L, 3, &n);
    int rc = udp_send(u->s, (struct sockaddr *)&ss, len, (const uint8_t *)data, n);
    if (rc < 0) {
        lua_pushnil(L);
        lua_pushstring(L, strerror(-rc));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int
l_udp_close(lua_State *L)
{
    ludp_t *u = luaL_checkudata(L, 1, UDP_MT);
    if (u->s) {
        udp_close(u->s);
        u->s = NULL;
        luaL_unref(L, LUA_REGISTRYINDEX, u->fnref);
        u->fnref = LUA_NOREF;
    }
    return 0;
}

static int
l_udp_port(lua_State *L)
{
    ludp_t *u = luaL_checkudata(L, 1, UDP_MT);
    struct sockaddr_storage ss;
    socklen_t len;
    if (!u->s || udp_local(u->s, &ss, &len) < 0)
        return luaL_error(L, "socket is closed");
    lua_pushinteger(L, ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                                : ntohs(((struct sockaddr_in *)&ss)->sin_port));
    return 1;
}

/* udp_dump(on): net-snmp's -d, every datagram in hex on stderr */
static int
l_udp_dump(lua_State *L)
{
    udp_set_dump(lua_toboolean(L, 1));
    return 0;
}

static const luaL_Reg udp_methods[] = {
    { "send", l_udp_send },
    { "close", l_udp_close },
    { "port", l_udp_port },
    { NULL, NULL },
};

static void
set_udp_mt(lua_State *L)
{
    mwl_set_class(L, UDP_MT, udp_methods, l_udp_close);
}

int mwl_udp_open(lua_State *L);
int
mwl_udp_open(lua_State *L)
{
    lua_pushcfunction(L, l_udp_open);
    lua_setfield(L, -2, "udp_open");
    lua_pushcfunction(L, l_udp_dump);
    lua_setfield(L, -2, "udp_dump");
    return 0;
}
