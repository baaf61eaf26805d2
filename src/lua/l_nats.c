/* l_nats.c - cluster membership on NATS JetStream key-value, for
 * moonwalk.cluster.
 *
 *   nats_cluster{ servers = {url...}, bucket =, id =, heartbeat =, ttl =,
 *                 replicas =, tick =, user =, password =, token =, creds =,
 *                 tls_ca =, tls_cert =, tls_key =, on_event = fn } -> handle
 *   handle:leave()   asks the worker to delete this instance's key and stop
 *                    (returns at once; on_event("left") follows)
 *   handle:close()   stops everything now (joins the worker)
 *
 * The connection runs on moonwalk's libevent loop through the client's
 * libevent adapter: its socket is read and written by the loop. The NATS
 * client still has threads of its own (reconnect, pings, message delivery)
 * and its JetStream calls (create the bucket, put, watch) wait for replies
 * that only the loop reads, so they cannot be made from the loop thread.
 * One worker thread per cluster makes them: connect, create or bind the
 * bucket, put the heartbeat key every heartbeat, and read the watcher.
 * Everything it and the client's callbacks learn goes into a queue under a
 * mutex; event_active() on a user event wakes the loop, which drains the
 * queue and calls on_event on the main Lua thread. Lua is never touched
 * from another thread. The client's threads add and remove the socket's
 * events, so the loop must have libevent's locks: core.loop_threads()
 * before the loop is made (moonwalk run --cluster does it); on a loop
 * without them nats_cluster refuses to start.
 *
 * Found on the way (libnats 3.4.1): kvConfig.TTL is in nanoseconds (it is
 * the stream's MaxAge as it is); a key that expires by max age sends no
 * delete to watchers, so members expire locally (moonwalk.cluster) and the
 * max age only keeps dead keys out of a new watcher's initial state.
 *
 * on_event(kind, a, b):
 *   "put", key, age      a member's heartbeat (age: seconds since it was
 *                        stored, for the entries of the initial state)
 *   "delete", key        a member left (deleted its key)
 *   "ready"              the watcher delivered the bucket's initial state
 *   "connected", url     (also after a reconnect)
 *   "disconnected"
 *   "error", text        a NATS call failed (sent once per new message)
 *   "ok"                 the calls work again after an error
 *   "left"               the worker deleted our key and stopped (leave)
 *   "tick"               every `tick` seconds, for local expiry
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <dlfcn.h>
#include <nats/nats.h>

/* libnats is opened when a cluster is first asked for, not linked: it
 * brings OpenSSL and protobuf-c with it, and loading them at every start
 * cost a one-shot command more CPU than the rest of its start-up. Every
 * libnats function used here (and by the libevent adapter below) is called
 * through a pointer nats_load() fills. */
#define NATS_FUNCS(X) \
    X(jsCtx_Destroy) \
    X(jsOptions_Init) \
    X(js_CreateKeyValue) \
    X(js_KeyValue) \
    X(kvConfig_Init) \
    X(kvEntry_Created) \
    X(kvEntry_Destroy) \
    X(kvEntry_Key) \
    X(kvEntry_Operation) \
    X(kvStore_Delete) \
    X(kvStore_Destroy) \
    X(kvStore_PutString) \
    X(kvStore_WatchAll) \
    X(kvWatcher_Destroy) \
    X(kvWatcher_Next) \
    X(natsConnection_Close) \
    X(natsConnection_Connect) \
    X(natsConnection_Destroy) \
    X(natsConnection_GetConnectedUrl) \
    X(natsConnection_JetStream) \
    X(natsConnection_ProcessReadEvent) \
    X(natsConnection_ProcessWriteEvent) \
    X(natsConnection_Status) \
    X(natsOptions_Create) \
    X(natsOptions_Destroy) \
    X(natsOptions_LoadCATrustedCertificates) \
    X(natsOptions_LoadCertificatesChain) \
    X(natsOptions_SetClosedCB) \
    X(natsOptions_SetDisconnectedCB) \
    X(natsOptions_SetErrorHandler) \
    X(natsOptions_SetEventLoop) \
    X(natsOptions_SetMaxReconnect) \
    X(natsOptions_SetName) \
    X(natsOptions_SetReconnectWait) \
    X(natsOptions_SetReconnectedCB) \
    X(natsOptions_SetRetryOnFailedConnect) \
    X(natsOptions_SetSecure) \
    X(natsOptions_SetServers) \
    X(natsOptions_SetTimeout) \
    X(natsOptions_SetToken) \
    X(natsOptions_SetUserCredentialsFromFiles) \
    X(natsOptions_SetUserInfo) \
    X(natsStatus_GetText) \
    X(natsSubscription_GetSubject) \
    X(nats_GetLastError) \
    X(nats_ReleaseThreadMemory)

#define NATS_PTR(f) static __typeof__(f) *p_##f;
NATS_FUNCS(NATS_PTR)
#undef NATS_PTR
#define jsCtx_Destroy p_jsCtx_Destroy
#define jsOptions_Init p_jsOptions_Init
#define js_CreateKeyValue p_js_CreateKeyValue
#define js_KeyValue p_js_KeyValue
#define kvConfig_Init p_kvConfig_Init
#define kvEntry_Created p_kvEntry_Created
#define kvEntry_Destroy p_kvEntry_Destroy
#define kvEntry_Key p_kvEntry_Key
#define kvEntry_Operation p_kvEntry_Operation
#define kvStore_Delete p_kvStore_Delete
#define kvStore_Destroy p_kvStore_Destroy
#define kvStore_PutString p_kvStore_PutString
#define kvStore_WatchAll p_kvStore_WatchAll
#define kvWatcher_Destroy p_kvWatcher_Destroy
#define kvWatcher_Next p_kvWatcher_Next
#define natsConnection_Close p_natsConnection_Close
#define natsConnection_Connect p_natsConnection_Connect
#define natsConnection_Destroy p_natsConnection_Destroy
#define natsConnection_GetConnectedUrl p_natsConnection_GetConnectedUrl
#define natsConnection_JetStream p_natsConnection_JetStream
#define natsConnection_ProcessReadEvent p_natsConnection_ProcessReadEvent
#define natsConnection_ProcessWriteEvent p_natsConnection_ProcessWriteEvent
#define natsConnection_Status p_natsConnection_Status
#define natsOptions_Create p_natsOptions_Create
#define natsOptions_Destroy p_natsOptions_Destroy
#define natsOptions_LoadCATrustedCertificates p_natsOptions_LoadCATrustedCertificates
#define natsOptions_LoadCertificatesChain p_natsOptions_LoadCertificatesChain
#define natsOptions_SetClosedCB p_natsOptions_SetClosedCB
#define natsOptions_SetDisconnectedCB p_natsOptions_SetDisconnectedCB
#define natsOptions_SetErrorHandler p_natsOptions_SetErrorHandler
#define natsOptions_SetEventLoop p_natsOptions_SetEventLoop
#define natsOptions_SetMaxReconnect p_natsOptions_SetMaxReconnect
#define natsOptions_SetName p_natsOptions_SetName
#define natsOptions_SetReconnectWait p_natsOptions_SetReconnectWait
#define natsOptions_SetReconnectedCB p_natsOptions_SetReconnectedCB
#define natsOptions_SetRetryOnFailedConnect p_natsOptions_SetRetryOnFailedConnect
#define natsOptions_SetSecure p_natsOptions_SetSecure
#define natsOptions_SetServers p_natsOptions_SetServers
#define natsOptions_SetTimeout p_natsOptions_SetTimeout
#define natsOptions_SetToken p_natsOptions_SetToken
#define natsOptions_SetUserCredentialsFromFiles p_natsOptions_SetUserCredentialsFromFiles
#define natsOptions_SetUserInfo p_natsOptions_SetUserInfo
#define natsStatus_GetText p_natsStatus_GetText
#define natsSubscription_GetSubject p_natsSubscription_GetSubject
#define nats_GetLastError p_nats_GetLastError
#define nats_ReleaseThreadMemory p_nats_ReleaseThreadMemory

/* The adapter is a header of non-static functions: included here only,
 * after the names above point at the loaded library. */
#include <nats/adapters/libevent.h>

#define NATS_STR_(x) #x
#define NATS_STR(x) NATS_STR_(x)
#define NATS_SONAME "libnats.so." NATS_STR(NATS_VERSION_MAJOR) "." NATS_STR(NATS_VERSION_MINOR)

/* nats_load() - opens libnats once; NULL, or why it cannot be used */
static const char *
nats_load(void)
{
    static int tried;
    static char why[256];
    if (tried)
        return why[0] ? why : NULL;
    tried = 1;
    void *h = dlopen(NATS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        h = dlopen("libnats.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(why, sizeof why, "cannot load the NATS client library (%s): %s",
                 NATS_SONAME, e ? e : "not found");
        return why;
    }
#define NATS_SYM(f)                                                              \
    if (!(*(void **)&p_##f = dlsym(h, #f))) {                                    \
        snprintf(why, sizeof why, "the NATS client library (%s) has no %s",     \
                 NATS_SONAME, #f);                                               \
        return why;                                                              \
    }
    NATS_FUNCS(NATS_SYM)
#undef NATS_SYM
    return NULL;
}

#include "mwlua.h"

#define CLUSTER_MT "moonwalk.nats.cluster"
#define MAX_SERVERS 16

enum { NE_PUT, NE_DELETE, NE_READY, NE_CONNECTED, NE_DISCONNECTED, NE_ERROR, NE_OK, NE_LEFT };

typedef struct nevent {
    struct nevent *next;
    int kind;
    char *text;             /* owned: key, url or message */
    double age;
} nevent_t;

typedef struct {
    /* configuration, written before the worker starts, then read-only */
    char *servers[MAX_SERVERS]; /* owned */
    int nservers;
    char *bucket, *id;          /* owned */
    char *user, *password, *token, *creds, *tls_ca, *tls_cert, *tls_key; /* owned, may be NULL */
    int64_t hb_ms, ttl_ms;
    int replicas;

    /* shared with the worker and the client's threads, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;                   /* close: stop now */
    int leave;                  /* leave: delete our key, then stop */
    nevent_t *head, *tail;      /* owned: events for the loop */
    char last_err[256];         /* the last error sent (not resent) */
    int closed_cb;              /* the client's closed callback has run */
    int dead;                   /* close is freeing: post nothing more */
    natsConnection *nc;         /* owned; set by the worker once made */

    /* the worker's own (the loop thread touches them only after join) */
    pthread_t thread;
    int started;
    natsOptions *opts;          /* owned */
    jsCtx *js;                  /* owned */
    kvStore *kv;                /* owned */
    kvWatcher *w;               /* owned */

    /* the loop thread's */
    struct event *wake;         /* owned: user event, activated by others */
    struct event *tick;         /* owned: persistent timer */
    lua_State *L;               /* main thread */
    int fnref;
    int closed;
} lcluster_t;

/* --- the queue (any thread) ---------------------------------------- */

static void
post(lcluster_t *c, int kind, const char *text, double age)
{
    nevent_t *e = calloc(1, sizeof *e);
    if (!e)
        return;
    e->kind = kind;
    e->age = age;
    if (text && !(e->text = strdup(text))) {
        free(e);
        return;
    }
    pthread_mutex_lock(&c->mu);
    if (c->dead) {
        pthread_mutex_unlock(&c->mu);
        free(e->text);
        free(e);
        return;
    }
    if (kind == NE_ERROR)
        snprintf(c->last_err, sizeof c->last_err, "%s", text ? text : "");
    if (c->tail)
        c->tail->next = e;
    else
        c->head = e;
    c->tail = e;
    event_active(c->wake, EV_READ, 0);
    pthread_mutex_unlock(&c->mu);
}

/* The client's last error text on this thread, without its "(conn.c:1905): "
 * prefix. */
static const char *
last_error(natsStatus *st)
{
    const char *why = nats_GetLastError(st);
    const char *cut = why && why[0] == '(' ? strstr(why, "): ") : NULL;
    return cut ? cut + 3 : why;
}

/* An error once per new message; "ok" once after errors. */
static void
post_error_text(lcluster_t *c, const char *msg)
{
    pthread_mutex_lock(&c->mu);
    int same = strcmp(c->last_err, msg) == 0;
    pthread_mutex_unlock(&c->mu);
    if (!same)
        post(c, NE_ERROR, msg, 0);
}

static void
post_error(lcluster_t *c, const char *what, natsStatus s)
{
    char msg[256];
    natsStatus ls = NATS_OK;
    const char *detail = last_error(&ls);
    if (ls != s)
        detail = NULL; /* a stale message of an earlier call */
    snprintf(msg, sizeof msg, "%s: %s%s%s", what, natsStatus_GetText(s),
             detail && *detail && strcmp(detail, natsStatus_GetText(s)) ? ": " : "",
             detail && *detail && strcmp(detail, natsStatus_GetText(s)) ? detail : "");
    post_error_text(c, msg);
}

static void
post_ok(lcluster_t *c)
{
    pthread_mutex_lock(&c->mu);
    int had = c->last_err[0] != '\0';
    c->last_err[0] = '\0';
    pthread_mutex_unlock(&c->mu);
    if (had)
        post(c, NE_OK, NULL, 0);
}

/* --- the client's callbacks (its threads) -------------------------- */

static void
on_connected(natsConnection *nc, void *arg)
{
    char url[256] = "";
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    post(arg, NE_CONNECTED, url, 0);
}

static void
on_disconnected(natsConnection *nc, void *arg)
{
    (void)nc;
    post(arg, NE_DISCONNECTED, NULL, 0);
}

/* The client's last callback for a connection (its callbacks run on one
 * thread of its own, in order): close waits for it before freeing. */
static void
on_closed(natsConnection *nc, void *arg)
{
    lcluster_t *c = arg;
    (void)nc;
    pthread_mutex_lock(&c->mu);
    c->closed_cb = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void
on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *arg)
{
    (void)nc;
    char msg[300];
    const char *subj = sub ? natsSubscription_GetSubject(sub) : NULL;
    snprintf(msg, sizeof msg, "NATS reported %s%s%s", natsStatus_GetText(err),
             subj ? " on subscription " : "", subj ? subj : "");
    post(arg, NE_ERROR, msg, 0);
}

/* --- the worker ------------------------------------------------------ */

static int64_t
mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
nats_up(natsConnection *nc)
{
    return natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED;
}

/* Waits up to ms unless told to stop or leave; returns 1 when told. */
static int
worker_pause(lcluster_t *c, int64_t ms)
{
    struct timespec ts;
    int told;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&c->mu);
    while (!c->stop && !c->leave)
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) == ETIMEDOUT)
            break;
    told = c->stop || c->leave;
    pthread_mutex_unlock(&c->mu);
    return told;
}

static int
worker_told(lcluster_t *c, int *leave)
{
    pthread_mutex_lock(&c->mu);
    int told = c->stop || c->leave;
    if (leave)
        *leave = c->leave && !c->stop;
    pthread_mutex_unlock(&c->mu);
    return told;
}

static natsStatus
worker_options(lcluster_t *c, struct event_base *base)
{
    natsStatus s = natsOptions_Create(&c->opts);
    if (s == NATS_OK)
        s = natsOptions_SetServers(c->opts, (const char **)c->servers, c->nservers);
    if (s == NATS_OK)
        s = natsOptions_SetEventLoop(c->opts, base, natsLibevent_Attach, natsLibevent_Read,
                                     natsLibevent_Write, natsLibevent_Detach);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(c->opts, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(c->opts, 500);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(c->opts, 2000);
    if (s == NATS_OK)
        s = natsOptions_SetRetryOnFailedConnect(c->opts, true, on_connected, c);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(c->opts, on_connected, c);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(c->opts, on_disconnected, c);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(c->opts, on_async_error, c);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(c->opts, on_closed, c);
    if (s == NATS_OK)
        s = natsOptions_SetName(c->opts, c->id);
    if (s == NATS_OK && c->user)
        s = natsOptions_SetUserInfo(c->opts, c->user, c->password ? c->password : "");
    if (s == NATS_OK && c->token)
        s = natsOptions_SetToken(c->opts, c->token);
    if (s == NATS_OK && c->creds)
        s = natsOptions_SetUserCredentialsFromFiles(c->opts, c->creds, NULL);
    if (s == NATS_OK && (c->tls_ca || c->tls_cert))
        s = natsOptions_SetSecure(c->opts, true);
    if (s == NATS_OK && c->tls_ca)
        s = natsOptions_LoadCATrustedCertificates(c->opts, c->tls_ca);
    if (s == NATS_OK && c->tls_cert)
        s = natsOptions_LoadCertificatesChain(c->opts, c->tls_cert, c->tls_key ? c->tls_key : c->tls_cert);
    return s;
}

static void
worker_drop_kv(lcluster_t *c)
{
    if (c->w) {
        kvWatcher_Destroy(c->w);
        c->w = NULL;
    }
    if (c->kv) {
        kvStore_Destroy(c->kv);
        c->kv = NULL;
    }
}

/* Creates the bucket, or binds to it when it exists with another
 * configuration (another instance created it with other settings). */
static natsStatus
worker_bucket(lcluster_t *c)
{
    kvConfig cfg;
    natsStatus s;
    if (!c->js) {
        jsOptions jo;
        jsOptions_Init(&jo);
        jo.Wait = 2000;
        s = natsConnection_JetStream(&c->js, c->nc, &jo);
        if (s != NATS_OK) {
            post_error(c, "JetStream", s);
            return s;
        }
    }
    kvConfig_Init(&cfg);
    cfg.Bucket = c->bucket;
    cfg.History = 1;
    cfg.TTL = c->ttl_ms * 1000000; /* nanoseconds in this client (MaxAge) */
    cfg.StorageType = js_MemoryStorage;
    cfg.Replicas = c->replicas;
    s = js_CreateKeyValue(&c->kv, c->js, &cfg);
    if (s != NATS_OK) {
        char why[200];
        const char *le = last_error(NULL);
        snprintf(why, sizeof why, "creating the key-value bucket %s: %s", c->bucket,
                 le && *le ? le : natsStatus_GetText(s));
        s = js_KeyValue(&c->kv, c->js, c->bucket);
        if (s != NATS_OK) {
            post_error_text(c, why);
            return s;
        }
    }
    s = kvStore_WatchAll(&c->w, c->kv, NULL);
    if (s != NATS_OK) {
        post_error(c, "watching the bucket", s);
        worker_drop_kv(c);
    }
    return s;
}

/* url with the password of nats://user:password@host hidden, for logs */
static void
redact_url(const char *url, char *out, size_t cap)
{
    const char *scheme = strstr(url, "://");
    const char *start = scheme ? scheme + 3 : url;
    const char *at = strchr(start, '@');
    const char *colon = at ? memchr(start, ':', (size_t)(at - start)) : NULL;
    if (!colon) {
        snprintf(out, cap, "%s", url);
        return;
    }
    snprintf(out, cap, "%.*s:***%s", (int)(colon - url), url, at);
}

static void *
worker_main(void *arg)
{
    lcluster_t *c = arg;
    natsStatus s;
    int64_t next_hb = 0, seen_self = 0;
    int leave = 0;
    struct event_base *base = event_get_base(c->wake);

    /* connect: once plainly, for a precise error (refused, auth...);
     * then with retry-on-failed-connect, where the client keeps trying in
     * its own thread and calls on_connected when it gets through */
    while (!worker_told(c, NULL)) {
        natsConnection *nc = NULL;
        s = worker_options(c, base);
        if (s == NATS_OK)
            s = natsOptions_SetRetryOnFailedConnect(c->opts, false, NULL, NULL);
        if (s == NATS_OK)
            s = natsConnection_Connect(&nc, c->opts);
        if (s != NATS_OK && c->opts) {
            char msg[400];
            const char *why = last_error(NULL);
            char shown[256];
            redact_url(c->servers[0], shown, sizeof shown);
            snprintf(msg, sizeof msg, "NATS at %s%s unreachable, retrying: %s", shown,
                     c->nservers > 1 ? " (and the others listed)" : "",
                     why && *why ? why : natsStatus_GetText(s));
            post(c, NE_ERROR, msg, 0);
            s = natsOptions_SetRetryOnFailedConnect(c->opts, true, on_connected, c);
            if (s == NATS_OK)
                s = natsConnection_Connect(&nc, c->opts);
        }
        if (nc) {
            pthread_mutex_lock(&c->mu);
            c->nc = nc;
            pthread_mutex_unlock(&c->mu);
        }
        if (s == NATS_OK) {
            on_connected(c->nc, c);
            break;
        }
        if (s == NATS_NOT_YET_CONNECTED)
            break;
        post_error(c, "connecting to NATS", s);
        natsOptions_Destroy(c->opts);
        c->opts = NULL;
        if (worker_pause(c, 1000))
            break;
    }

    while (c->nc && !worker_told(c, NULL)) {
        int64_t now = mono_ms();
        if (!nats_up(c->nc)) {
            worker_pause(c, 200);
            continue;
        }
        if (!c->w) {
            if (worker_bucket(c) != NATS_OK) {
                worker_pause(c, 1000);
                continue;
            }
            next_hb = 0;
            seen_self = now;
        }
        if (now >= next_hb) {
            s = kvStore_PutString(NULL, c->kv, c->id, c->id);
            next_hb = now + c->hb_ms;
            if (s != NATS_OK) {
                post_error(c, "heartbeat", s);
                /* the bucket may be gone (a NATS restart with memory
                 * storage): make it again */
                worker_drop_kv(c);
                worker_pause(c, 500);
                continue;
            }
            post_ok(c);
        }
        /* our own heartbeat comes back through the watcher: when it has
         * not for three heartbeats, the watcher is stale (its consumer
         * went away with a server); watch again */
        if (now - seen_self > 3 * c->hb_ms + 2000) {
            post(c, NE_ERROR, "the bucket's watcher went quiet: watching again", 0);
            worker_drop_kv(c);
            continue;
        }
        kvEntry *e = NULL;
        int64_t wait = next_hb - mono_ms();
        if (wait < 1)
            wait = 1;
        if (wait > 250)
            wait = 250; /* stay responsive to stop and leave */
        s = kvWatcher_Next(&e, c->w, wait);
        if (s == NATS_TIMEOUT)
            continue;
        if (s != NATS_OK) {
            if (worker_told(c, NULL))
                break;
            post_error(c, "watching the bucket", s);
            worker_drop_kv(c);
            continue;
        }
        if (!e) {
            post(c, NE_READY, NULL, 0);
            continue;
        }
        const char *key = kvEntry_Key(e);
        kvOperation op = kvEntry_Operation(e);
        if (strcmp(key, c->id) == 0)
            seen_self = mono_ms();
        if (op == kvOp_Put) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t nowns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
            double age = (double)(nowns - kvEntry_Created(e)) / 1e9;
            post(c, NE_PUT, key, age > 0 ? age : 0);
        } else {
            post(c, NE_DELETE, key, 0);
        }
        kvEntry_Destroy(e);
    }

    worker_told(c, &leave);
    if (leave && c->kv && c->nc && nats_up(c->nc)) {
        s = kvStore_Delete(c->kv, c->id);
        if (s != NATS_OK)
            post_error(c, "leaving the cluster", s);
    }
    if (leave)
        post(c, NE_LEFT, NULL, 0);
    nats_ReleaseThreadMemory();
    return NULL;
}

/* --- the loop thread ------------------------------------------------- */

static const char *const kind_names[] = {
    [NE_PUT] = "put", [NE_DELETE] = "delete", [NE_READY] = "ready",
    [NE_CONNECTED] = "connected", [NE_DISCONNECTED] = "disconnected",
    [NE_ERROR] = "error", [NE_OK] = "ok", [NE_LEFT] = "left",
};

static void
call_lua(lcluster_t *c, const char *kind, const char *text, int with_age, double age)
{
    lua_State *L = c->L;
    int top = lua_gettop(L);
    if (c->fnref == LUA_NOREF)
        return;
    lua_checkstack(L, 6);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->fnref);
    lua_pushstring(L, kind);
    if (text)
        lua_pushstring(L, text);
    else
        lua_pushnil(L);
    if (with_age)
        lua_pushnumber(L, age);
    else
        lua_pushnil(L);
    if (lua_pcall(L, 3, 0, 0) != LUA_OK)
        fprintf(stderr, "moonwalk: cluster event handler: %s\n", lua_tostring(L, -1));
    lua_settop(L, top);
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
    lcluster_t *c = arg;
    nevent_t *e;
    (void)fd;
    (void)what;
    pthread_mutex_lock(&c->mu);
    e = c->head;
    c->head = c->tail = NULL;
    pthread_mutex_unlock(&c->mu);
    while (e) {
        nevent_t *next = e->next;
        if (!c->closed)
            call_lua(c, kind_names[e->kind], e->text, e->kind == NE_PUT, e->age);
        free(e->text);
        free(e);
        e = next;
    }
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    lcluster_t *c = arg;
    (void)fd;
    (void)what;
    if (!c->closed)
        call_lua(c, "tick", NULL, 0, 0);
}

static lcluster_t *
check_cluster(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, CLUSTER_MT);
}

static void
cluster_free_config(lcluster_t *c)
{
    for (int i = 0; i < c->nservers; i++)
        free(c->servers[i]);
    c->nservers = 0;
    char **strs[] = { &c->bucket, &c->id, &c->user, &c->password, &c->token, &c->creds,
                      &c->tls_ca, &c->tls_cert, &c->tls_key };
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        if (*strs[i] == c->password && c->password)
            memset(c->password, 0, strlen(c->password));
        if (*strs[i] == c->token && c->token)
            memset(c->token, 0, strlen(c->token));
        free(*strs[i]);
        *strs[i] = NULL;
    }
}

/* Stops the worker and the connection; safe to call twice (and from
 * __gc on a half-made object). */
static void
cluster_close(lua_State *L, lcluster_t *c)
{
    if (c->closed)
        return;
    c->closed = 1;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (c->started) {
        /* the worker may wait on a reply the loop would read, or on the
         * watcher: closing the connection ends both at once */
        pthread_mutex_lock(&c->mu);
        natsConnection *nc = c->nc;
        pthread_mutex_unlock(&c->mu);
        if (nc)
            natsConnection_Close(nc);
        pthread_join(c->thread, NULL);
        c->started = 0;
        if (c->nc) {
            /* wait (bounded) for the client's callbacks to be done with c */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 3;
            pthread_mutex_lock(&c->mu);
            while (!c->closed_cb)
                if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) == ETIMEDOUT)
                    break;
            pthread_mutex_unlock(&c->mu);
        }
    }
    pthread_mutex_lock(&c->mu);
    c->dead = 1;
    pthread_mutex_unlock(&c->mu);
    worker_drop_kv(c);
    if (c->js) {
        jsCtx_Destroy(c->js);
        c->js = NULL;
    }
    if (c->nc) {
        natsConnection_Destroy(c->nc);
        c->nc = NULL;
    }
    if (c->opts) {
        natsOptions_Destroy(c->opts);
        c->opts = NULL;
    }
    if (c->tick) {
        event_free(c->tick);
        c->tick = NULL;
    }
    if (c->wake) {
        event_free(c->wake);
        c->wake = NULL;
    }
    nevent_t *e = c->head;
    while (e) {
        nevent_t *next = e->next;
        free(e->text);
        free(e);
        e = next;
    }
    c->head = c->tail = NULL;
    if (c->fnref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, c->fnref);
        c->fnref = LUA_NOREF;
    }
    cluster_free_config(c);
}

static int
l_cluster_close(lua_State *L)
{
    cluster_close(L, check_cluster(L, 1));
    return 0;
}

static int
l_cluster_gc(lua_State *L)
{
    lcluster_t *c = check_cluster(L, 1);
    cluster_close(L, c);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    return 0;
}

static int
l_cluster_leave(lua_State *L)
{
    lcluster_t *c = check_cluster(L, 1);
    if (c->closed || !c->started) {
        lua_pushboolean(L, 0);
        return 1;
    }
    pthread_mutex_lock(&c->mu);
    c->leave = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    lua_pushboolean(L, 1);
    return 1;
}

static char *
opt_string(lua_State *L, int t, const char *name, const char *def)
{
    const char *v;
    char *r;
    lua_getfield(L, t, name);
    v = luaL_optstring(L, -1, def);
    r = v ? strdup(v) : NULL;
    lua_pop(L, 1);
    if (v && !r)
        luaL_error(L, "out of memory");
    return r;
}

static int64_t
opt_ms(lua_State *L, int t, const char *name, double def, double min)
{
    double v;
    lua_getfield(L, t, name);
    v = luaL_optnumber(L, -1, def);
    lua_pop(L, 1);
    if (!(v >= min) || v > 86400)
        luaL_error(L, "cluster: %s must be between %g and 86400 seconds", name, min);
    return (int64_t)(v * 1000);
}

/* nats_cluster{...} */
static int
l_nats_cluster(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *why = nats_load();
    if (why)
        return luaL_error(L, "%s", why);
    lcluster_t *c = lua_newuserdatauv(L, sizeof *c, 0);
    memset(c, 0, sizeof *c);
    c->fnref = LUA_NOREF;
    c->closed = 0;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    luaL_setmetatable(L, CLUSTER_MT);
    int ud = lua_gettop(L);

    lua_getfield(L, 1, "servers");
    luaL_argcheck(L, lua_istable(L, -1), 1, "servers must be a list of nats:// URLs");
    for (int i = 1; i <= MAX_SERVERS; i++) {
        if (lua_rawgeti(L, -1, i) == LUA_TNIL) {
            lua_pop(L, 1);
            break;
        }
        const char *u = luaL_checkstring(L, -1);
        if (!(c->servers[c->nservers] = strdup(u)))
            return luaL_error(L, "out of memory");
        c->nservers++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    luaL_argcheck(L, c->nservers > 0, 1, "servers must list at least one nats:// URL");
    c->bucket = opt_string(L, 1, "bucket", NULL);
    c->id = opt_string(L, 1, "id", NULL);
    luaL_argcheck(L, c->bucket && c->id, 1, "bucket and id are required");
    c->user = opt_string(L, 1, "user", NULL);
    c->password = opt_string(L, 1, "password", NULL);
    c->token = opt_string(L, 1, "token", NULL);
    c->creds = opt_string(L, 1, "creds", NULL);
    c->tls_ca = opt_string(L, 1, "tls_ca", NULL);
    c->tls_cert = opt_string(L, 1, "tls_cert", NULL);
    c->tls_key = opt_string(L, 1, "tls_key", NULL);
    c->hb_ms = opt_ms(L, 1, "heartbeat", 1.0, 0.05);
    c->ttl_ms = opt_ms(L, 1, "ttl", 5.0, 0.1);
    int64_t tick_ms = opt_ms(L, 1, "tick", 0.5, 0.01);
    lua_getfield(L, 1, "replicas");
    c->replicas = (int)luaL_optinteger(L, -1, 1);
    lua_pop(L, 1);
    luaL_argcheck(L, c->replicas >= 1 && c->replicas <= 5, 1, "replicas must be 1 to 5");
    lua_getfield(L, 1, "on_event");
    luaL_argcheck(L, lua_isfunction(L, -1), 1, "on_event must be a function");
    c->fnref = luaL_ref(L, LUA_REGISTRYINDEX);

    struct event_base *base = mwl_event_base(L);
    if (!mwl_loop_threaded())
        return luaL_error(L, "cluster: the event loop was made without the locks the NATS client "
                             "needs; use moonwalk run --cluster, or call core.loop_threads() before "
                             "anything starts the loop");
    natsLibevent_Init(); /* the loop's locks; l_engine.c set them already */
    c->L = mwl_main_thread(L);
    c->wake = event_new(base, -1, 0, on_wake, c);
    c->tick = event_new(base, -1, EV_PERSIST, on_tick, c);
    if (!c->wake || !c->tick)
        return luaL_error(L, "cluster: cannot create events");
    struct timeval tv = { (time_t)(tick_ms / 1000), (suseconds_t)((tick_ms % 1000) * 1000) };
    event_add(c->tick, &tv);
    if (pthread_create(&c->thread, NULL, worker_main, c) != 0)
        return luaL_error(L, "cluster: cannot start its thread: %s", strerror(errno));
    c->started = 1;
    lua_settop(L, ud);
    return 1;
}

int mwl_nats_open(lua_State *L);
int
mwl_nats_open(lua_State *L)
{
    static const luaL_Reg methods[] = {
        { "close", l_cluster_close },
        { "leave", l_cluster_leave },
        { NULL, NULL },
    };
    if (luaL_newmetatable(L, CLUSTER_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_cluster_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, l_nats_cluster);
    lua_setfield(L, -2, "nats_cluster");
    return 0;
}
