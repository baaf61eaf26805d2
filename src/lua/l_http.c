/* l_http.c - HTTP on libevent's evhttp, for the outputs.
 *
 *   http_listen(host, port, fn) -> server | nil, err
 *       fn(method, path, query) runs on the main thread under pcall and
 *       returns status, content_type, body. Used by the Prometheus
 *       endpoint (moonwalk.prometheus).
 *   server:port(), server:close()
 *   http_request{method=, url=, body=, headers={}, timeout=} -> status, body, headers
 *       | nil, err. Waits (yields the calling task). Used by the InfluxDB
 *       HTTP writer (moonwalk.influx) and by tests.
 *
 * The callbacks stay thin: they move bytes between evhttp and Lua; what
 * is served or sent is decided in Lua. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "mwlua.h"
#include "l_call.h"

#define HTTP_SERVER_MT "moonwalk.http.server"
#define HTTP_DNS_KEY "moonwalk.http.dns"

typedef struct {
    struct evhttp *http;          /* owned */
    struct evhttp_bound_socket *sock; /* owned by http */
    lua_State *L;                 /* main thread */
    int fnref;
} lhttp_server_t;

/* --- server -------------------------------------------------------- */

static const char *
method_name(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    default: return "OTHER";
    }
}

static void
on_http_request(struct evhttp_request *req, void *arg)
{
    lhttp_server_t *srv = arg;
    lua_State *L = srv->L;
    int top = lua_gettop(L);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    struct evbuffer *out = evbuffer_new();
    int status = 500;
    const char *ctype = "text/plain; charset=utf-8";
    size_t n = 0;
    const char *body = "internal error\n";

    if (!out) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    lua_checkstack(L, 8);
    lua_rawgeti(L, LUA_REGISTRYINDEX, srv->fnref);
    lua_pushstring(L, method_name(evhttp_request_get_command(req)));
    lua_pushstring(L, path && *path ? path : "/");
    if (query)
        lua_pushstring(L, query);
    else
        lua_pushnil(L);
    if (mwl_pcall(L, 3, 3, "http handler") != LUA_OK) {
        body = "internal error\n";
        n = strlen(body);
    } else {
        status = (int)luaL_optinteger(L, -3, 200);
        if (lua_type(L, -2) == LUA_TSTRING)
            ctype = lua_tostring(L, -2);
        body = lua_tolstring(L, -1, &n);
        if (!body) {
            body = "";
            n = 0;
        }
    }
    evbuffer_add(out, body, n);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
    evhttp_send_reply(req, status, NULL, out);
    evbuffer_free(out);
    lua_settop(L, top);
}

static lhttp_server_t *
check_server(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, HTTP_SERVER_MT);
}

static int
l_server_close(lua_State *L)
{
    lhttp_server_t *srv = check_server(L, 1);
    if (srv->http) {
        evhttp_free(srv->http);
        srv->http = NULL;
        srv->sock = NULL;
        luaL_unref(L, LUA_REGISTRYINDEX, srv->fnref);
        srv->fnref = LUA_NOREF;
    }
    return 0;
}

static int
l_server_port(lua_State *L)
{
    lhttp_server_t *srv = check_server(L, 1);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (!srv->sock)
        return luaL_error(L, "server is closed");
    evutil_socket_t fd = evhttp_bound_socket_get_fd(srv->sock);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return luaL_error(L, "getsockname failed");
    if (ss.ss_family == AF_INET6)
        lua_pushinteger(L, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
    else
        lua_pushinteger(L, ntohs(((struct sockaddr_in *)&ss)->sin_port));
    return 1;
}

/* http_listen(host, port, fn) */
static void set_server_mt(lua_State *L);

static int
l_http_listen(lua_State *L)
{
    const char *host = luaL_checkstring(L, 1);
    lua_Integer port = luaL_checkinteger(L, 2);
    luaL_argcheck(L, port >= 0 && port <= 65535, 2, "port out of range");
    luaL_checktype(L, 3, LUA_TFUNCTION);
    lhttp_server_t *srv = lua_newuserdatauv(L, sizeof *srv, 0);
    memset(srv, 0, sizeof *srv);
    srv->fnref = LUA_NOREF;
    set_server_mt(L);
    srv->L = mwl_main_thread(L);
    srv->http = evhttp_new(mwl_event_base(L));
    if (!srv->http)
        return luaL_error(L, "cannot create HTTP server");
    evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
    srv->sock = evhttp_bind_socket_with_handle(srv->http, host, (ev_uint16_t)port);
    if (!srv->sock) {
        evhttp_free(srv->http);
        srv->http = NULL;
        lua_pushnil(L);
        lua_pushfstring(L, "cannot listen on %s:%d", host, (int)port);
        return 2;
    }
    lua_pushvalue(L, 3);
    srv->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
    evhttp_set_gencb(srv->http, on_http_request, srv);
    return 1;
}

/* --- client -------------------------------------------------------- */

typedef struct {
    lua_State *L;    /* main thread */
    int ref;         /* the waiting task */
    int done;
    struct lhttp_conn *rec;
    struct event_base *base;
} lhttp_call_t;

/* Every client connection until it is freed: after its request, from the
 * loop; at exit (the last request may still be in flight, or its free not
 * yet run), by the client's finalizer. */
typedef struct lhttp_conn {
    struct evhttp_connection *conn;
    lhttp_call_t *call;          /* the request in flight, NULL once answered */
    struct lhttp_conn *prev, *next;
} lhttp_conn_t;
static lhttp_conn_t *live_conns;

static lhttp_conn_t *
conn_track(struct evhttp_connection *conn, lhttp_call_t *call)
{
    lhttp_conn_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->conn = conn;
    r->call = call;
    r->next = live_conns;
    if (live_conns)
        live_conns->prev = r;
    live_conns = r;
    return r;
}

/* unlinks r and frees it with its connection (and a request never
 * answered: only at exit) */
static void
conn_release(lhttp_conn_t *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        live_conns = r->next;
    if (r->next)
        r->next->prev = r->prev;
    evhttp_connection_free(r->conn);
    free(r->call);
    free(r);
}

/* The connection of a finished request, freed from the loop once its
 * callback has returned (libevent must not have it freed from inside the
 * callback). Not evhttp_connection_free_on_completion: libevent 2.1 does
 * not free a connection whose connect failed (refused, timed out), and a
 * poller writing to an InfluxDB that is down lost one per request. */
static void
free_conn_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn_release(arg);
}

static struct evdns_base *
client_dns(lua_State *L)
{
    struct evdns_base **pd;
    lua_getfield(L, LUA_REGISTRYINDEX, HTTP_DNS_KEY);
    pd = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (pd && *pd)
        return *pd;
    return NULL;
}

static int
l_dns_gc(lua_State *L)
{
    struct evdns_base **pd = lua_touserdata(L, 1);
    /* at exit: the connections still here, before their loop goes (this
     * object was made after the loop, so it is finalized before it) */
    while (live_conns)
        conn_release(live_conns);
    if (pd && *pd) {
        evdns_base_free(*pd, 0);
        *pd = NULL;
    }
    return 0;
}

static struct evdns_base *
ensure_dns(lua_State *L)
{
    struct evdns_base *d = client_dns(L);
    if (d)
        return d;
    d = evdns_base_new(mwl_event_base(L), EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (!d)
        d = evdns_base_new(mwl_event_base(L), 0);
    if (!d)
        return NULL;
    struct evdns_base **pd = lua_newuserdatauv(L, sizeof *pd, 0);
    *pd = d;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, l_dns_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, HTTP_DNS_KEY);
    return d;
}

static void
on_http_done(struct evhttp_request *req, void *arg)
{
    lhttp_call_t *c = arg;
    lua_State *L = c->L;
    int n;
    if (c->done)
        return;
    c->done = 1;
    lhttp_conn_t *rec = c->rec;
    rec->call = NULL;
    const struct timeval now = { 0, 0 };
    /* if this fails, the finalizer frees it at exit */
    event_base_once(c->base, -1, EV_TIMEOUT, free_conn_later, rec, &now);
    lua_checkstack(L, 8);
    if (!req || evhttp_request_get_response_code(req) == 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "HTTP request failed (connection refused, reset or timed out)");
        n = 2;
    } else {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(in);
        struct evkeyvalq *hs = evhttp_request_get_input_headers(req);
        struct evkeyval *h;
        lua_pushinteger(L, evhttp_request_get_response_code(req));
        lua_pushlstring(L, (const char *)evbuffer_pullup(in, (ev_ssize_t)len), len);
        lua_newtable(L);
        TAILQ_FOREACH(h, hs, next) {
            lua_pushstring(L, h->value);
            lua_setfield(L, -2, h->key);
        }
        n = 3;
    }
    int ref = c->ref;
    free(c);
    mwl_resume_ref(L, ref, n);
}

static enum evhttp_cmd_type
parse_method(lua_State *L, const char *m)
{
    if (strcmp(m, "GET") == 0) return EVHTTP_REQ_GET;
    if (strcmp(m, "POST") == 0) return EVHTTP_REQ_POST;
    if (strcmp(m, "PUT") == 0) return EVHTTP_REQ_PUT;
    if (strcmp(m, "DELETE") == 0) return EVHTTP_REQ_DELETE;
    if (strcmp(m, "HEAD") == 0) return EVHTTP_REQ_HEAD;
    luaL_error(L, "unsupported HTTP method %s", m);
    return EVHTTP_REQ_GET;
}

/* http_request{method=, url=, body=, headers=, timeout=} */
static int
l_http_request(lua_State *L)
{
    const char *url, *method, *body = NULL;
    size_t blen = 0;
    double timeout;
    char hostbuf[300], target[4096];
    luaL_checktype(L, 1, LUA_TTABLE);
    if (!lua_isyieldable(L))
        return luaL_error(L, "this call waits, so it must run inside a task (mw.spawn or mw.run)");
    lua_getfield(L, 1, "url");
    url = luaL_checkstring(L, -1);
    lua_getfield(L, 1, "method");
    method = luaL_optstring(L, -1, "GET");
    lua_getfield(L, 1, "body");
    body = luaL_optlstring(L, -1, NULL, &blen);
    lua_getfield(L, 1, "timeout");
    timeout = luaL_optnumber(L, -1, 10.0);
    lua_pop(L, 1);
    enum evhttp_cmd_type cmd = parse_method(L, method);

    struct evhttp_uri *uri = evhttp_uri_parse(url);
    if (!uri || !evhttp_uri_get_host(uri)) {
        if (uri)
            evhttp_uri_free(uri);
        return luaL_error(L, "bad URL %s", url);
    }
    const char *scheme = evhttp_uri_get_scheme(uri);
    if (scheme && strcmp(scheme, "http") != 0) {
        evhttp_uri_free(uri);
        return luaL_error(L, "only http:// URLs are supported: %s", url);
    }
    const char *host = evhttp_uri_get_host(uri);
    int port = evhttp_uri_get_port(uri);
    if (port < 0)
        port = 80;
    snprintf(hostbuf, sizeof hostbuf, "%s", host);
    /* evhttp wants the bare address for [v6] literals */
    size_t hl = strlen(hostbuf);
    if (hl > 2 && hostbuf[0] == '[' && hostbuf[hl - 1] == ']') {
        memmove(hostbuf, hostbuf + 1, hl - 2);
        hostbuf[hl - 2] = '\0';
    }
    const char *path = evhttp_uri_get_path(uri);
    const char *query = evhttp_uri_get_query(uri);
    snprintf(target, sizeof target, "%s%s%s", path && *path ? path : "/", query ? "?" : "",
             query ? query : "");

    struct evdns_base *dns = ensure_dns(L);
    struct evhttp_connection *conn =
        evhttp_connection_base_new(mwl_event_base(L), dns, hostbuf, (ev_uint16_t)port);
    if (!conn) {
        evhttp_uri_free(uri);
        lua_pushnil(L);
        lua_pushliteral(L, "cannot create HTTP connection");
        return 2;
    }
    if (timeout > 0) {
        struct timeval tv;
        tv.tv_sec = (time_t)timeout;
        tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
        evhttp_connection_set_timeout_tv(conn, &tv);
    }
    evhttp_connection_set_retries(conn, 0);
    lhttp_call_t *c = calloc(1, sizeof *c);
    if (!c) {
        evhttp_connection_free(conn);
        evhttp_uri_free(uri);
        return luaL_error(L, "out of memory");
    }
    c->L = mwl_main_thread(L);
    c->base = mwl_event_base(L);
    if (!(c->rec = conn_track(conn, c))) {
        free(c);
        evhttp_connection_free(conn);
        evhttp_uri_free(uri);
        return luaL_error(L, "out of memory");
    }
    struct evhttp_request *req = evhttp_request_new(on_http_done, c);
    if (!req) {
        conn_release(c->rec);
        evhttp_uri_free(uri);
        return luaL_error(L, "out of memory");
    }
    struct evkeyvalq *hs = evhttp_request_get_output_headers(req);
    char hosthdr[320];
    if (port != 80)
        snprintf(hosthdr, sizeof hosthdr, "%s:%d", host, port);
    else
        snprintf(hosthdr, sizeof hosthdr, "%s", host);
    evhttp_add_header(hs, "Host", hosthdr);
    evhttp_add_header(hs, "Connection", "close");
    evhttp_add_header(hs, "User-Agent", "moonwalk/" MW_VERSION);
    lua_getfield(L, 1, "headers");
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING)
                evhttp_add_header(hs, lua_tostring(L, -2), lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (body) {
        char lenbuf[32];
        snprintf(lenbuf, sizeof lenbuf, "%zu", blen);
        evhttp_add_header(hs, "Content-Length", lenbuf);
        evbuffer_add(evhttp_request_get_output_buffer(req), body, blen);
    }
    c->ref = mwl_wait_ref(L);
    evhttp_uri_free(uri);
    /* the connection is freed once this request is over (on_http_done) */
    if (evhttp_make_request(conn, req, cmd, target) != 0) {
        /* evhttp freed req; on_http_done was not called */
        mwl_drop_ref(L, c->ref);
        conn_release(c->rec);
        lua_pushnil(L);
        lua_pushliteral(L, "cannot send HTTP request");
        return 2;
    }
    return lua_yield(L, 0);
}

static const luaL_Reg server_methods[] = {
    { "close", l_server_close },
    { "port", l_server_port },
    { NULL, NULL },
};

static void
set_server_mt(lua_State *L)
{
    mwl_set_class(L, HTTP_SERVER_MT, server_methods, l_server_close);
}

int mwl_http_open(lua_State *L);
int
mwl_http_open(lua_State *L)
{
    lua_pushcfunction(L, l_http_listen);
    lua_setfield(L, -2, "http_listen");
    lua_pushcfunction(L, l_http_request);
    lua_setfield(L, -2, "http_request");
    return 0;
}
