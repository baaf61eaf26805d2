/* l_engine.c - the event loop for Lua: the engine object (libevent base
 * and the manager's request engine), one loop iteration, clocks, sleep,
 * signals and the engine's counters. Tasks and their budget are in
 * l_task.c, sessions and batches in l_session.c.
 *
 * Calls that wait (requests, sleep, DNS) are C functions that yield the
 * calling task; the completion callback resumes the thread from C with its
 * results. Only a task that ends (returns or raises) goes back to Lua: the
 * scheduler's registry function "moonwalk.after" records it. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/event_struct.h>

#include "mwlua.h"
#include "l_engine.h"
#include "l_call.h"

static void sleep_free_all(lengine_t *le);

static int
l_engine_gc(lua_State *L)
{
    lengine_t *le = luaL_checkudata(L, 1, ENGINE_MT);
    sleep_free_all(le);
    if (le->dns)
        evdns_base_free(le->dns, 0);
    le->dns = NULL;
    engine_free(le->eng);
    le->eng = NULL;
    if (le->base)
        event_base_free(le->base);
    le->base = NULL;
    free(le->scratch);
    le->scratch = NULL;
    free(le->free_slots);
    le->free_slots = NULL;
    manager_pool_free(&le->req_pool);
    manager_pool_free(&le->walk_pool);
    return 0;
}

/* loop_threads() - asks for a thread-safe loop (libevent's locks), for the
 * cluster; true when the loop is made so, false when it exists already
 * without them. mwl_loop_threaded() tells the other bindings. */
static int loop_threads;

int
mwl_loop_threaded(void)
{
    return loop_threads;
}

static int
l_loop_threads(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, ENGINE_KEY);
    int exists = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!exists)
        loop_threads = 1;
    lua_pushboolean(L, loop_threads);
    return 1;
}

/* engine_init() - creates the loop once; later calls are no-ops. */
static int
l_engine_init(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, ENGINE_KEY);
    if (!lua_isnil(L, -1))
        return 1;
    lua_pop(L, 1);
    lengine_t *le = lua_newuserdatauv(L, sizeof *le, 0);
    memset(le, 0, sizeof *le);
    luaL_setmetatable(L, ENGINE_MT);
    /* A thread-safe loop when asked before it exists (loop_threads): the
     * NATS client (l_nats.c) adds and removes its socket's events from its
     * own threads (reconnect, pings). Only then: the locks change how the
     * loop runs (a burst of 10,000 requests loses answers with them). */
    if (loop_threads && evthread_use_pthreads() < 0)
        return luaL_error(L, "cannot make the event loop thread-safe");
    /* libevent's EVENT_* variables are for debugging libevent itself:
     * reading them costs a start four getuid-like calls per variable and a
     * page of libc; the loop is the same for every run */
    struct event_config *cfg = event_config_new();
    if (cfg) {
        event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
        le->base = event_base_new_with_config(cfg);
        event_config_free(cfg);
    }
    if (!le->base)
        return luaL_error(L, "cannot create event loop");
    le->eng = engine_new(le->base);
    if (!le->eng)
        return luaL_error(L, "cannot create engine");
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    le->L = lua_tothread(L, -1);
    lua_pop(L, 1);
    lua_createtable(L, 256, 0);
    le->anchors_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, ENGINE_KEY);
    return 1;
}

/* step([block]) - runs one loop iteration; returns false when nothing is
 * left to wait for. */
static int
l_step(lua_State *L)
{
    lengine_t *le = get_engine(L);
    int block = lua_isnone(L, 1) || lua_toboolean(L, 1);
    int rc = event_base_loop(le->base, block ? EVLOOP_ONCE : EVLOOP_NONBLOCK);
    mwl_alloc_reclaim(L);
    lua_pushboolean(L, rc == 0);
    return 1;
}

static int
l_loopbreak(lua_State *L)
{
    lengine_t *le = get_engine(L);
    event_base_loopbreak(le->base);
    return 0;
}

static int
l_now(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

static int
l_time(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

typedef struct lsleep {
    struct event ev;
    lengine_t *le;
    int ref;
    struct lsleep *prev, *next; /* le->sleeping */
} lsleep_t;

static void
sleep_unlink(lsleep_t *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        t->le->sleeping = t->next;
    if (t->next)
        t->next->prev = t->prev;
}

/* Tasks still asleep when the engine goes: their timers go with it. */
static void
sleep_free_all(lengine_t *le)
{
    while (le->sleeping) {
        lsleep_t *t = le->sleeping;
        le->sleeping = t->next;
        event_del(&t->ev);
        free(t);
    }
}

static void
on_sleep(evutil_socket_t fd, short what, void *arg)
{
    lsleep_t *t = arg;
    (void)fd;
    (void)what;
    lengine_t *le = t->le;
    int ref = t->ref;
    sleep_unlink(t);
    free(t);
    mwl_task_resume_slot(le, ref, 0);
}

static struct timeval
to_tv(double s)
{
    struct timeval tv;
    if (s < 0 || isnan(s))
        s = 0;
    tv.tv_sec = (time_t)s;
    tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
    return tv;
}

/* sleep(seconds) - pauses the calling task. */
static int
l_sleep(lua_State *L)
{
    lengine_t *le = get_engine(L);
    double s = luaL_checknumber(L, 1);
    if (!lua_isyieldable(L))
        return luaL_error(L, NOT_IN_TASK);
    struct timeval tv = to_tv(s);
    int ref;
    mwl_task_wait(L, le, &ref);
    lsleep_t *t = malloc(sizeof *t);
    if (!t) {
        mwl_task_unanchor(le, L, ref);
        return luaL_error(L, "out of memory");
    }
    t->le = le;
    t->ref = ref;
    t->prev = NULL;
    t->next = le->sleeping;
    if (t->next)
        t->next->prev = t;
    le->sleeping = t;
    evtimer_assign(&t->ev, le->base, on_sleep, t);
    evtimer_add(&t->ev, &tv);
    return lua_yield(L, 0);
}

typedef struct {
    struct event *ev;
    lengine_t *le;
    int fnref;
} lsignal_t;

static void
on_signal(evutil_socket_t fd, short what, void *arg)
{
    lsignal_t *s = arg;
    lua_State *L = s->le->L;
    int top = lua_gettop(L);
    (void)what;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->fnref);
    lua_pushinteger(L, fd);
    mwl_pcall(L, 1, 0, "signal handler");
    lua_settop(L, top);
}

static int
l_signal_gc(lua_State *L)
{
    lsignal_t *s = luaL_checkudata(L, 1, SIGNAL_MT);
    if (s->ev) {
        event_free(s->ev);
        s->ev = NULL;
        luaL_unref(L, LUA_REGISTRYINDEX, s->fnref);
    }
    return 0;
}

/* on_signal(signum, fn) -> handle (keep it; collecting it removes it) */
static int
l_on_signal(lua_State *L)
{
    lengine_t *le = get_engine(L);
    int sig = (int)luaL_checkinteger(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lsignal_t *s = lua_newuserdatauv(L, sizeof *s, 0);
    memset(s, 0, sizeof *s);
    luaL_setmetatable(L, SIGNAL_MT);
    s->le = le;
    lua_pushvalue(L, 2);
    s->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
    s->ev = evsignal_new(le->base, sig, on_signal, s);
    if (!s->ev || evsignal_add(s->ev, NULL) < 0)
        return luaL_error(L, "cannot watch signal %d", sig);
    return 1;
}

static int
l_stats(lua_State *L)
{
    lengine_t *le = get_engine(L);
    mw_engine_stats_t st;
    engine_stats(le->eng, &st);
    lua_createtable(L, 0, 12);
#define F(x) lua_pushinteger(L, (lua_Integer)st.x); lua_setfield(L, -2, #x)
    F(sent); F(retransmits); F(timeouts); F(received); F(parse_errors);
    F(bad_versions); F(unknown_ids); F(bad_source); F(wrong_pdu); F(queued);
    F(inflight); F(waiting); F(gso_datagrams);
#undef F
    return 1;
}

static int
l_set_max_inflight(lua_State *L)
{
    lengine_t *le = get_engine(L);
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0, 1, "must be >= 0");
    engine_set_max_inflight(le->eng, (size_t)n);
    return 0;
}

/* Whether PORT can be bound on loopback for TYPE (SOCK_DGRAM/SOCK_STREAM)
 * in FAMILY (AF_INET/AF_INET6). */
static int
port_bindable(int family, int type, int port)
{
    int fd = socket(family, type, 0), ok;
    if (fd < 0)
        return 0;
    if (family == AF_INET6) {
        struct sockaddr_in6 b;
        int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        memset(&b, 0, sizeof b);
        b.sin6_family = AF_INET6;
        b.sin6_addr = in6addr_loopback;
        b.sin6_port = htons((uint16_t)port);
        ok = bind(fd, (struct sockaddr *)&b, sizeof b) == 0;
    } else {
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons((uint16_t)port);
        ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    }
    close(fd);
    return ok;
}

/* free_udp_port([family]) - a port the OS considers free now, for tests:
 * free for UDP and TCP on 127.0.0.1 (and UDP on ::1 unless family is
 * "v4"). It is taken below the kernel's ephemeral range, so no outgoing
 * connection made after the choice (a client, a route between servers)
 * can be given it before the peer that is told to listen there does. */
static int
l_free_udp_port(lua_State *L)
{
    const char *fam = luaL_optstring(L, 1, "both");
    int both = strcmp(fam, "both") == 0;
    int lo = 32768;
    static unsigned seed;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        int a, b;
        if (fscanf(f, "%d %d", &a, &b) == 2 && a > 2048)
            lo = a;
        fclose(f);
    }
    if (seed == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        seed = (unsigned)getpid() * 2654435761u ^ (unsigned)ts.tv_nsec;
    }
    int base = lo > 12000 ? 10000 : 1024, span = lo - base;
    for (int attempt = 0; attempt < 500; attempt++) {
        seed = seed * 1103515245u + 12345u;
        int port = base + (int)((seed >> 8) % (unsigned)span);
        if (!port_bindable(AF_INET, SOCK_DGRAM, port) ||
            !port_bindable(AF_INET, SOCK_STREAM, port) ||
            (both && !port_bindable(AF_INET6, SOCK_DGRAM, port)))
            continue;
        lua_pushinteger(L, port);
        return 1;
    }
    return luaL_error(L, "no free port");
}

mw_engine_t *mwl_engine(lua_State *L);
mw_engine_t *
mwl_engine(lua_State *L)
{
    return get_engine(L)->eng;
}

struct event_base *
mwl_event_base(lua_State *L)
{
    return get_engine(L)->base;
}

lua_State *
mwl_main_thread(lua_State *L)
{
    return get_engine(L)->L;
}

static const luaL_Reg engine_funcs[] = {
    { "engine_init", l_engine_init },
    { "loop_threads", l_loop_threads },
    { "step", l_step },
    { "loopbreak", l_loopbreak },
    { "now", l_now },
    { "time", l_time },
    { "sleep", l_sleep },
    { "on_signal", l_on_signal },
    { "stats", l_stats },
    { "set_max_inflight", l_set_max_inflight },
    { "free_udp_port", l_free_udp_port },
    { NULL, NULL },
};

int
mwl_engine_open(lua_State *L)
{
    if (luaL_newmetatable(L, ENGINE_MT)) {
        lua_pushcfunction(L, l_engine_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, SIGNAL_MT)) {
        lua_pushcfunction(L, l_signal_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    luaL_setfuncs(L, engine_funcs, 0);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}
