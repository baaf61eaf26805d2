/* l_nats.c - NATS JetStream for moonwalk: cluster membership on a
 * key-value bucket (moonwalk.cluster), and streams that notifications
 * and poll results are stored in and pulled from (moonwalk.trapstream,
 * moonwalk.output).
 *
 *   nats_cluster{ servers = {url...}, bucket =, id =, heartbeat =, ttl =,
 *                 replicas =, tick =, user =, password =, token =, creds =,
 *                 tls_ca =, tls_cert =, tls_key =, on_event = fn } -> handle
 *   handle:leave()   asks the worker to delete this instance's key and stop
 *                    (returns at once; on_event("left") follows)
 *   handle:close()   stops everything now (joins the worker)
 *
 *   nats_stream{ servers =, (credentials, tls_* as above), id =,
 *                stream = NAME, subjects = {...}, replicas =, storage =
 *                "file"|"memory", duplicates = seconds (120), buffer = N
 *                (100000), consume = SUBJECT, durable = NAME, ack_wait =
 *                seconds (30), batch = N (64), max_inflight = N (256),
 *                on_event = fn } -> handle
 *   handle:publish(subject, msg_id, data[, token]) -> true | false (the
 *                    buffer is full: dropped and counted)
 *   handle:ack(slot), :nak(slot, delay), :term(slot), :stats(), :close()
 *
 * A stream handle makes the stream when it is not there (an existing one
 * is used as it is). Its worker stores what publish() queued, in order,
 * one js_Publish at a time with the Nats-Msg-Id given (so the server's
 * duplicate window drops a second copy); what fails stays first in the
 * queue and is tried again, so nothing is lost while NATS is away short
 * of the buffer's bound. With consume, a second thread pulls from the
 * durable pull consumer on that subject (explicit acks, no MaxDeliver:
 * the caller counts deliveries) and hands each message to the loop,
 * at most max_inflight not yet settled; the loop keeps them in slots
 * until ack, nak or term.
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
 * and for streams:
 *   "stored", token, dup the message published with token > 0 is stored
 *                        (dup: the stream had it already)
 *   "msg", slot, data, delivered, msg_id, subject
 *                        a message from the consumer (delivered: the
 *                        server's count of deliveries, 1 the first time)
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
    X(kvStore_Get) \
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
    X(nats_GetLastError) \
    X(nats_ReleaseThreadMemory) \
    X(js_AddStream) \
    X(js_GetStreamInfo) \
    X(jsStreamInfo_Destroy) \
    X(jsStreamConfig_Init) \
    X(js_Publish) \
    X(jsPubOptions_Init) \
    X(jsPubAck_Destroy) \
    X(js_PullSubscribe) \
    X(jsSubOptions_Init) \
    X(jsConsumerConfig_Init) \
    X(natsSubscription_Fetch) \
    X(natsSubscription_Destroy) \
    X(natsMsgList_Destroy) \
    X(natsMsg_GetData) \
    X(natsMsg_GetDataLength) \
    X(natsMsg_Destroy) \
    X(natsMsgHeader_Get) \
    X(natsMsg_GetMetaData) \
    X(jsMsgMetaData_Destroy) \
    X(natsMsg_Ack) \
    X(natsMsg_NakWithDelay) \
    X(natsMsg_Term) \
    X(natsMsg_GetSubject) \
    X(js_PublishMsgAsync) \
    X(natsMsg_Create)

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
#define kvStore_Get p_kvStore_Get
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
#define nats_GetLastError p_nats_GetLastError
#define nats_ReleaseThreadMemory p_nats_ReleaseThreadMemory
#define js_AddStream p_js_AddStream
#define js_GetStreamInfo p_js_GetStreamInfo
#define jsStreamInfo_Destroy p_jsStreamInfo_Destroy
#define jsStreamConfig_Init p_jsStreamConfig_Init
#define js_Publish p_js_Publish
#define jsPubOptions_Init p_jsPubOptions_Init
#define jsPubAck_Destroy p_jsPubAck_Destroy
#define js_PullSubscribe p_js_PullSubscribe
#define jsSubOptions_Init p_jsSubOptions_Init
#define jsConsumerConfig_Init p_jsConsumerConfig_Init
#define natsSubscription_Fetch p_natsSubscription_Fetch
#define natsSubscription_Destroy p_natsSubscription_Destroy
#define natsMsgList_Destroy p_natsMsgList_Destroy
#define natsMsg_GetData p_natsMsg_GetData
#define natsMsg_GetDataLength p_natsMsg_GetDataLength
#define natsMsg_Destroy p_natsMsg_Destroy
#define natsMsgHeader_Get p_natsMsgHeader_Get
#define natsMsg_GetMetaData p_natsMsg_GetMetaData
#define jsMsgMetaData_Destroy p_jsMsgMetaData_Destroy
#define natsMsg_Ack p_natsMsg_Ack
#define natsMsg_NakWithDelay p_natsMsg_NakWithDelay
#define natsMsg_Term p_natsMsg_Term
#define natsMsg_GetSubject p_natsMsg_GetSubject
#define js_PublishMsgAsync p_js_PublishMsgAsync
#define natsMsg_Create p_natsMsg_Create

/* The adapter is a header of non-static functions: included here only,
 * after the names above point at the loaded library. */
#include <nats/adapters/libevent.h>

static void
events_finalized(struct event *ev, void *arg)
{
    (void)ev;
    (void)arg;
}

/* natsLibevent_Attach, but a reconnect lets go of the old socket's events
 * without waiting. The client calls it from its reconnect thread under the
 * connection's lock; the adapter's event_free would wait there for a read
 * or write callback the loop thread is running, and that callback
 * (natsConnection_Process*Event) waits for the connection's lock: both
 * threads stop for good, and the instance with them (its heartbeats too,
 * so the others drop it). event_free_finalize frees them once no callback
 * runs. */
static natsStatus
nats_attach(void **userData, void *loop, natsConnection *nc, natsSock socket)
{
    natsLibeventEvents *nle = *userData;
    if (nle) {
        if (nle->read) {
            event_free_finalize(0, nle->read, events_finalized);
            nle->read = NULL;
        }
        if (nle->write) {
            event_free_finalize(0, nle->write, events_finalized);
            nle->write = NULL;
        }
    }
    return natsLibevent_Attach(userData, loop, nc, socket);
}

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
#define MAX_CHECKS 64
#define ERROR_REPEAT_MS 60000 /* an error that persists is said again this often */

enum { NE_PUT, NE_DELETE, NE_READY, NE_CONNECTED, NE_DISCONNECTED, NE_ERROR, NE_OK, NE_LEFT,
       NE_STORED, NE_MSG, NE_CHECKED };

typedef struct nevent {
    struct nevent *next;
    int kind;
    char *text;             /* owned: key, url or message */
    double age;
    int64_t token;          /* NE_STORED: the publisher's token */
    int dup;                /* NE_STORED: the stream had it already */
    natsMsg *msg;           /* NE_MSG: owned until handed to a slot */
} nevent_t;

/* A notification (or any payload) waiting to be stored in the stream. */
typedef struct pubitem {
    struct pubitem *next;
    int64_t sent_ms;            /* when last handed to the library */
    char *subject, *msg_id;     /* owned */
    char *data;                 /* owned */
    size_t len;
    int64_t token;              /* > 0: say "stored" with it */
} pubitem_t;

typedef struct {
    /* configuration, written before the worker starts, then read-only */
    char *servers[MAX_SERVERS]; /* owned */
    int nservers;
    char *bucket, *id;          /* owned */
    char *user, *password, *token, *creds, *tls_ca, *tls_cert, *tls_key; /* owned, may be NULL */
    int64_t hb_ms, ttl_ms;
    int replicas;
    /* stream mode (nats_stream): publish into a stream, pull from it */
    int stream_mode;
    char *stream;               /* owned: the stream's name */
    char *subjects[4];          /* owned: the subjects it captures */
    int nsubjects;
    char *consume;              /* owned, may be NULL: filter subject to pull */
    char *durable;              /* owned: the pull consumer's name */
    int64_t dup_ms, ack_wait_ms;
    int file_storage, batch, max_inflight;
    size_t buffer_cap;

    /* shared with the worker and the client's threads, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;                   /* close: stop now */
    int leave;                  /* leave: delete our key, then stop */
    nevent_t *head, *tail;      /* owned: events for the loop */
    char last_err[256];         /* the last error sent (not resent for a while) */
    int64_t last_err_ms;        /* when it was sent */
    char *checks[MAX_CHECKS];   /* owned: keys the loop asked to look up */
    int nchecks;
    int closed_cb;              /* the client's closed callback has run */
    int dead;                   /* close is freeing: post nothing more */
    natsConnection *nc;         /* owned; set by the worker once made */
    pubitem_t *pub_head, *pub_tail; /* owned: waiting to be stored */
    pubitem_t *sent;            /* owned: published, their acks awaited */
    int nsent;
    int retry_pause;            /* a publish failed: the worker waits a little */
    size_t buffered;            /* waiting and awaited */
    int inflight;               /* messages handed to the loop, not yet acked */
    uint64_t n_stored, n_dups, n_dropped, n_pub_errors, n_fetched, n_fetch_errors;
    uint64_t pending;           /* the shared consumer's pending messages, as last seen */

    /* the worker's own (the loop thread touches them only after join) */
    pthread_t thread;
    int started;
    natsOptions *opts;          /* owned */
    jsCtx *js;                  /* owned */
    kvStore *kv;                /* owned */
    kvWatcher *w;               /* owned */
    char *deaf;                 /* owned, tests only: a key the watcher stops
                                   bringing after its first put, until it is
                                   made again (a watcher that went stale) */
    int deaf_on;
    pthread_t cthread;          /* the consumer's thread (stream mode) */
    int cstarted;

    /* the loop thread's */
    struct event *wake;         /* owned: user event, activated by others */
    struct event *tick;         /* owned: persistent timer */
    lua_State *L;               /* main thread */
    int fnref;
    int closed;
    natsMsg **slots;            /* owned: messages handed to Lua, by slot */
    int nslots;
} lcluster_t;

static int64_t
mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Seconds since e was stored (0 when the clocks disagree). */
static double
entry_age(kvEntry *e)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t nowns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    double age = (double)(nowns - kvEntry_Created(e)) / 1e9;
    return age > 0 ? age : 0;
}

/* --- the queue (any thread) ---------------------------------------- */

/* Appends e to the loop's queue and wakes the loop; mu is held. 0 when
 * close is freeing (e is not taken). */
static int
enqueue_locked(lcluster_t *c, nevent_t *e)
{
    if (c->dead)
        return 0;
    if (c->tail)
        c->tail->next = e;
    else
        c->head = e;
    c->tail = e;
    event_active(c->wake, EV_READ, 0);
    return 1;
}

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
    if (!c->dead && kind == NE_ERROR) {
        snprintf(c->last_err, sizeof c->last_err, "%s", text ? text : "");
        c->last_err_ms = mono_ms();
    }
    int taken = enqueue_locked(c, e);
    pthread_mutex_unlock(&c->mu);
    if (!taken) {
        free(e->text);
        free(e);
    }
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

/* An error once per new message (and again each ERROR_REPEAT_MS while it
 * lasts); "ok" once after errors. */
static void
post_error_text(lcluster_t *c, const char *msg)
{
    pthread_mutex_lock(&c->mu);
    int same = strcmp(c->last_err, msg) == 0 && mono_ms() - c->last_err_ms < ERROR_REPEAT_MS;
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

/* sub is never read: the client queues this call holding a reference to
 * the connection only, so the subscription (the bucket's watcher, the
 * consumer) may have been destroyed by the time it runs. */
static void
on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *arg)
{
    (void)nc;
    char msg[300];
    snprintf(msg, sizeof msg, "NATS reported %s%s", natsStatus_GetText(err),
             sub ? " on a subscription" : "");
    post(arg, NE_ERROR, msg, 0);
}

/* --- the worker ------------------------------------------------------ */


static int
nats_up(natsConnection *nc)
{
    return natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED;
}

/* ts = now + ms, on the clock pthread_cond_timedwait uses */
static void
deadline_in(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

/* Waits up to ms unless told to stop or leave; returns 1 when told. */
static int
worker_pause(lcluster_t *c, int64_t ms)
{
    struct timespec ts;
    int told;
    deadline_in(&ts, ms);
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
        s = natsOptions_SetEventLoop(c->opts, base, nats_attach, natsLibevent_Read,
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
    if (c->deaf && c->deaf_on) { /* the test's stale watcher is made anew */
        free(c->deaf);
        c->deaf = NULL;
    }
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

/* Connects: once plainly, for a precise error (refused, auth...); then
 * with retry-on-failed-connect, where the client keeps trying in its own
 * thread and calls on_connected when it gets through. Returns with c->nc
 * set, or told to stop. */
static void
worker_connect(lcluster_t *c, struct event_base *base)
{
    natsStatus s;
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
}

/* Looks up the keys the loop asked about (members it has not heard from
 * for the timeout) in the bucket itself, so that a member is dropped only
 * when its key is really gone or old, never because the watcher missed
 * its heartbeats: "checked" KEY AGE (seconds since its last heartbeat was
 * stored, -1 when it has none). A key fresher than the timeout means the
 * watcher went stale (seen when a NATS node of a cluster goes away): it
 * is made again. Not NATS_OK when the lookups could not be made. */
static natsStatus
worker_checks(lcluster_t *c)
{
    natsStatus s = NATS_OK;
    for (;;) {
        char *key = NULL;
        pthread_mutex_lock(&c->mu);
        if (c->nchecks > 0) {
            key = c->checks[0];
            memmove(c->checks, c->checks + 1, (size_t)(c->nchecks - 1) * sizeof *c->checks);
            c->nchecks--;
        }
        pthread_mutex_unlock(&c->mu);
        if (!key)
            return NATS_OK;
        kvEntry *e = NULL;
        double age = -1;
        s = kvStore_Get(&e, c->kv, key);
        if (s == NATS_OK && kvEntry_Operation(e) == kvOp_Put)
            age = entry_age(e);
        if (e)
            kvEntry_Destroy(e);
        if (s != NATS_OK && s != NATS_NOT_FOUND) {
            post_error(c, "looking up a silent member's heartbeat", s);
            free(key);
            return s;
        }
        post(c, NE_CHECKED, key, age);
        if (age >= 0 && age * 1000 < (double)c->ttl_ms) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "the bucket's watcher missed the heartbeats of %s: watching again", key);
            post(c, NE_ERROR, msg, 0);
            free(key);
            worker_drop_kv(c);
            return NATS_ERR;
        }
        free(key);
    }
}

static void *
worker_main(void *arg)
{
    lcluster_t *c = arg;
    natsStatus s;
    int64_t next_hb = 0, seen_self = 0;
    int leave = 0;
    struct event_base *base = event_get_base(c->wake);

    worker_connect(c, base);

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
        if (worker_checks(c) != NATS_OK)
            continue;
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
        if (c->deaf && strcmp(key, c->deaf) == 0) {
            if (c->deaf_on) {
                kvEntry_Destroy(e);
                continue;
            }
            c->deaf_on = 1;
        }
        if (op == kvOp_Put)
            post(c, NE_PUT, key, entry_age(e));
        else
            post(c, NE_DELETE, key, 0);
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


/* --- stream mode: the publisher (worker) and the consumer threads ------ */

static void
pubitem_free(pubitem_t *p)
{
    free(p->subject);
    free(p->msg_id);
    free(p->data);
    free(p);
}

static void
post_stored(lcluster_t *c, int64_t token, int dup)
{
    nevent_t *e = calloc(1, sizeof *e);
    if (!e)
        return;
    e->kind = NE_STORED;
    e->token = token;
    e->dup = dup;
    pthread_mutex_lock(&c->mu);
    int taken = enqueue_locked(c, e);
    pthread_mutex_unlock(&c->mu);
    if (!taken)
        free(e);
}

/* Hands a fetched message to the loop; 0 when it could not (the caller
 * destroys it: the server redelivers it after ack_wait). */
static int
post_msg(lcluster_t *c, natsMsg *m)
{
    nevent_t *e = calloc(1, sizeof *e);
    if (!e)
        return 0;
    e->kind = NE_MSG;
    e->msg = m;
    pthread_mutex_lock(&c->mu);
    int taken = enqueue_locked(c, e);
    if (taken) {
        c->inflight++;
        c->n_fetched++;
    }
    pthread_mutex_unlock(&c->mu);
    if (!taken)
        free(e);
    return taken;
}

static natsStatus
worker_js(lcluster_t *c, jsCtx **js)
{
    jsOptions jo;
    natsStatus s;
    if (*js)
        return NATS_OK;
    jsOptions_Init(&jo);
    jo.Wait = 3000;
    s = natsConnection_JetStream(js, c->nc, &jo);
    if (s != NATS_OK)
        post_error(c, "JetStream", s);
    return s;
}

/* Makes the stream when it is not there; an existing one is used as it is. */
static natsStatus
worker_stream(lcluster_t *c)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, c->js, c->stream, NULL, &jerr);
    if (s == NATS_OK) {
        jsStreamInfo_Destroy(si);
        return s;
    }
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = c->stream;
    cfg.Subjects = (const char **)c->subjects;
    cfg.SubjectsLen = c->nsubjects;
    cfg.Storage = c->file_storage ? js_FileStorage : js_MemoryStorage;
    cfg.Replicas = c->replicas;
    cfg.Duplicates = c->dup_ms * 1000000; /* nanoseconds */
    s = js_AddStream(&si, c->js, &cfg, NULL, &jerr);
    if (s == NATS_OK) {
        jsStreamInfo_Destroy(si);
        return s;
    }
    char what[200];
    snprintf(what, sizeof what, "creating the stream %s", c->stream);
    post_error(c, what, s);
    return s;
}

/* The library's acknowledgement of an asynchronous publish (its thread):
 * the message is stored, or it failed (an error from the server, or no
 * acknowledgement within MaxWait) and goes back to the queue's front. */
static void
on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    lcluster_t *c = closure;
    const char *id = NULL;
    (void)js;
    natsMsgHeader_Get(msg, "Nats-Msg-Id", &id);
    pthread_mutex_lock(&c->mu);
    pubitem_t *p = NULL, **pp = &c->sent;
    if (!c->dead && id)
        for (; *pp; pp = &(*pp)->next)
            if (strcmp((*pp)->msg_id, id) == 0) {
                p = *pp;
                *pp = p->next;
                c->nsent--;
                break;
            }
    if (!p) {
        pthread_mutex_unlock(&c->mu);
        natsMsg_Destroy(msg);
        return;
    }
    int64_t token = 0;
    int dup = 0;
    natsStatus err = NATS_OK;
    if (pa && !pae) {
        dup = pa->Duplicate;
        if (dup)
            c->n_dups++;
        else
            c->n_stored++;
        c->buffered--;
        token = p->token;
    } else {
        err = pae ? pae->Err : NATS_ERR;
        c->n_pub_errors++;
        c->retry_pause = 1;
        p->next = c->pub_head; /* tried again, first */
        c->pub_head = p;
        if (!c->pub_tail)
            c->pub_tail = p;
        p = NULL;
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    natsMsg_Destroy(msg);
    if (p) {
        if (token > 0)
            post_stored(c, token, dup);
        pubitem_free(p);
        post_ok(c);
    } else {
        char msgtext[200];
        snprintf(msgtext, sizeof msgtext, "storing in the stream: %s", natsStatus_GetText(err));
        post_error_text(c, msgtext);
    }
}

/* Waits up to ms until there is something to publish and room for it, or
 * the worker is told to stop. */
static void
pub_wait_room(lcluster_t *c, int window, int64_t ms)
{
    struct timespec ts;
    deadline_in(&ts, ms);
    pthread_mutex_lock(&c->mu);
    while (!c->stop && !(c->pub_head && c->nsent < window))
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&c->mu);
}

#define PUB_WINDOW 256          /* publishes awaiting their acks */
#define PUB_MAX_WAIT 5000       /* ms before an unacknowledged one is sent again */

/* What waits for its acknowledgement well past PUB_MAX_WAIT (the library
 * said nothing, as can happen when the server it went to dies) goes back
 * to the queue's front; a late acknowledgement then finds nothing, and
 * the copy sent again is a duplicate the stream drops. */
static void
sweep_sent(lcluster_t *c)
{
    int64_t old = mono_ms() - PUB_MAX_WAIT - 2000;
    int moved = 0;
    pthread_mutex_lock(&c->mu);
    for (pubitem_t **pp = &c->sent; *pp;) {
        pubitem_t *p = *pp;
        if (p->sent_ms > old) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        c->nsent--;
        p->next = c->pub_head;
        c->pub_head = p;
        if (!c->pub_tail)
            c->pub_tail = p;
        c->n_pub_errors++;
        moved++;
    }
    pthread_mutex_unlock(&c->mu);
    if (moved)
        post_error_text(c, "storing in the stream: no acknowledgement, sending again");
}

/* The publisher: stores what publish() queued, each with its Nats-Msg-Id,
 * up to PUB_WINDOW at a time (asynchronous publishes); what fails goes
 * back to the queue's front and is sent again (the server's duplicate
 * window makes a second copy of a message it did store harmless), so
 * nothing is lost while NATS is away, short of the buffer's bound. */
static void *
stream_worker_main(void *arg)
{
    lcluster_t *c = arg;
    int ready = 0;
    int64_t next_sweep = 0;
    worker_connect(c, event_get_base(c->wake));
    while (c->nc && !worker_told(c, NULL)) {
        if (!nats_up(c->nc)) {
            worker_pause(c, 100);
            continue;
        }
        if (!ready) {
            if (!c->js) {
                jsOptions jo;
                jsOptions_Init(&jo);
                jo.Wait = 3000;
                jo.PublishAsync.MaxPending = PUB_WINDOW * 2;
                jo.PublishAsync.AckHandler = on_pub_ack;
                jo.PublishAsync.AckHandlerClosure = c;
                natsStatus s = natsConnection_JetStream(&c->js, c->nc, &jo);
                if (s != NATS_OK) {
                    post_error(c, "JetStream", s);
                    worker_pause(c, 500);
                    continue;
                }
            }
            if (worker_stream(c) != NATS_OK) {
                worker_pause(c, 500);
                continue;
            }
            ready = 1;
            post_ok(c);
        }
        pthread_mutex_lock(&c->mu);
        int pause = c->retry_pause;
        c->retry_pause = 0;
        pubitem_t *p = NULL;
        if (!pause && c->pub_head && c->nsent < PUB_WINDOW) {
            p = c->pub_head;
            c->pub_head = p->next;
            if (!c->pub_head)
                c->pub_tail = NULL;
            p->next = c->sent;
            p->sent_ms = mono_ms();
            c->sent = p;
            c->nsent++;
        }
        pthread_mutex_unlock(&c->mu);
        if (mono_ms() >= next_sweep) {
            sweep_sent(c);
            next_sweep = mono_ms() + 1000;
        }
        if (pause) {
            worker_pause(c, 200);
            continue;
        }
        if (!p) {
            pub_wait_room(c, PUB_WINDOW, 250);
            continue;
        }
        natsMsg *m = NULL;
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MsgId = p->msg_id;
        po.MaxWait = PUB_MAX_WAIT;
        natsStatus s = natsMsg_Create(&m, p->subject, NULL, p->data, (int)p->len);
        if (s == NATS_OK)
            s = js_PublishMsgAsync(c->js, &m, &po);
        natsMsg_Destroy(m); /* nothing when the library took it */
        if (s != NATS_OK) {
            /* not sent: back to the front, unless the ack handler had it */
            pthread_mutex_lock(&c->mu);
            for (pubitem_t **pp = &c->sent; *pp; pp = &(*pp)->next)
                if (*pp == p) {
                    *pp = p->next;
                    c->nsent--;
                    p->next = c->pub_head;
                    c->pub_head = p;
                    if (!c->pub_tail)
                        c->pub_tail = p;
                    break;
                }
            c->n_pub_errors++;
            pthread_mutex_unlock(&c->mu);
            post_error(c, "storing in the stream", s);
            if (s == NATS_NO_RESPONDERS)
                ready = 0; /* made again (a server lost it) */
            worker_pause(c, 200);
        }
    }
    nats_ReleaseThreadMemory();
    return NULL;
}

/* The consumer: pulls from the durable consumer shared by every instance,
 * at most max_inflight messages handed to the loop and not yet acked. */
static void *
stream_consumer_main(void *arg)
{
    lcluster_t *c = arg;
    jsCtx *js = NULL;
    natsSubscription *sub = NULL;
    int errors = 0;
    while (!worker_told(c, NULL)) {
        pthread_mutex_lock(&c->mu);
        natsConnection *nc = c->nc;
        int room = c->max_inflight - c->inflight;
        pthread_mutex_unlock(&c->mu);
        if (!nc || !nats_up(nc)) {
            worker_pause(c, 100);
            continue;
        }
        if (!sub) {
            if (worker_js(c, &js) != NATS_OK) {
                worker_pause(c, 500);
                continue;
            }
            jsOptions jo;
            jsSubOptions so;
            jsErrCode jerr = 0;
            jsOptions_Init(&jo);
            jo.Wait = 3000;
            jsSubOptions_Init(&so);
            jsConsumerConfig_Init(&so.Config);
            so.Stream = c->stream;
            so.Config.AckPolicy = js_AckExplicit;
            so.Config.AckWait = c->ack_wait_ms * 1000000;
            so.Config.MaxDeliver = -1; /* dead letters: counted by the loop */
            so.Config.MaxAckPending = c->max_inflight * 4;
            natsStatus s = js_PullSubscribe(&sub, js, c->consume, c->durable, &jo, &so, &jerr);
            if (s != NATS_OK) {
                sub = NULL;
                post_error(c, "subscribing to the stream", s);
                worker_pause(c, 500);
                continue;
            }
        }
        if (room <= 0) {
            worker_pause(c, 10);
            continue;
        }
        natsMsgList list = { 0 };
        jsErrCode jerr = 0;
        int want = room < c->batch ? room : c->batch;
        natsStatus s = natsSubscription_Fetch(&list, sub, want, 500, &jerr);
        if (s == NATS_OK) {
            errors = 0;
            /* libnats 3.4.1 can report a Count past the array it made
             * (want entries; seen under AddressSanitizer): what lies
             * beyond is not readable, and comes again after ack_wait */
            int n = list.Count < want ? list.Count : want;
            for (int i = 0; i < n; i++) {
                if (post_msg(c, list.Msgs[i]))
                    list.Msgs[i] = NULL;
            }
            list.Count = n; /* so its destroy stays inside the array too */
            natsMsgList_Destroy(&list);
            continue;
        }
        natsMsgList_Destroy(&list);
        if (s == NATS_TIMEOUT) {
            /* nothing to deliver: the consumer has caught up */
            pthread_mutex_lock(&c->mu);
            c->pending = 0;
            pthread_mutex_unlock(&c->mu);
            continue;
        }
        if (worker_told(c, NULL))
            break;
        pthread_mutex_lock(&c->mu);
        c->n_fetch_errors++;
        pthread_mutex_unlock(&c->mu);
        if (++errors >= 3) {
            /* its consumer may have gone with a server: subscribe again */
            post_error(c, "pulling from the stream", s);
            natsSubscription_Destroy(sub);
            sub = NULL;
            errors = 0;
        }
        worker_pause(c, 200);
    }
    if (sub)
        natsSubscription_Destroy(sub);
    if (js)
        jsCtx_Destroy(js);
    nats_ReleaseThreadMemory();
    return NULL;
}

/* --- the loop thread ------------------------------------------------- */

static const char *const kind_names[] = {
    [NE_PUT] = "put", [NE_DELETE] = "delete", [NE_READY] = "ready",
    [NE_CONNECTED] = "connected", [NE_DISCONNECTED] = "disconnected",
    [NE_ERROR] = "error", [NE_OK] = "ok", [NE_LEFT] = "left",
    [NE_STORED] = "stored", [NE_MSG] = "msg", [NE_CHECKED] = "checked",
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


/* A message handed to Lua is done with (acked, nacked, terminated, or
 * dropped at close): one less in flight. */
static void
msg_done(lcluster_t *c, natsMsg *m)
{
    natsMsg_Destroy(m);
    pthread_mutex_lock(&c->mu);
    c->inflight--;
    pthread_mutex_unlock(&c->mu);
}

static void
call_stored(lcluster_t *c, int64_t token, int dup)
{
    lua_State *L = c->L;
    int top = lua_gettop(L);
    lua_checkstack(L, 4);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->fnref);
    lua_pushliteral(L, "stored");
    lua_pushinteger(L, (lua_Integer)token);
    lua_pushboolean(L, dup);
    if (lua_pcall(L, 3, 0, 0) != LUA_OK)
        fprintf(stderr, "moonwalk: stream event handler: %s\n", lua_tostring(L, -1));
    lua_settop(L, top);
}

/* on_event("msg", slot, data, delivered, msg_id, subject): the loop owns m in its
 * slot until ack, nak or term. */
static void
call_msg(lcluster_t *c, natsMsg *m)
{
    int slot = -1;
    for (int i = 0; i < c->nslots; i++)
        if (!c->slots[i]) {
            slot = i;
            break;
        }
    if (slot < 0) {
        int n = c->nslots ? c->nslots * 2 : 64;
        natsMsg **ns = realloc(c->slots, (size_t)n * sizeof *ns);
        if (!ns) {
            msg_done(c, m); /* redelivered after ack_wait */
            return;
        }
        memset(ns + c->nslots, 0, (size_t)(n - c->nslots) * sizeof *ns);
        slot = c->nslots;
        c->slots = ns;
        c->nslots = n;
    }
    c->slots[slot] = m;
    jsMsgMetaData *meta = NULL;
    uint64_t delivered = 1;
    if (natsMsg_GetMetaData(&meta, m) == NATS_OK && meta) {
        delivered = meta->NumDelivered;
        pthread_mutex_lock(&c->mu);
        c->pending = meta->NumPending; /* stored and not yet delivered to any instance */
        pthread_mutex_unlock(&c->mu);
        jsMsgMetaData_Destroy(meta);
    }
    const char *id = NULL;
    natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
    lua_State *L = c->L;
    int top = lua_gettop(L);
    lua_checkstack(L, 6);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->fnref);
    lua_pushliteral(L, "msg");
    lua_pushinteger(L, slot + 1);
    lua_pushlstring(L, natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m));
    lua_pushinteger(L, (lua_Integer)delivered);
    if (id)
        lua_pushstring(L, id);
    else
        lua_pushnil(L);
    lua_pushstring(L, natsMsg_GetSubject(m));
    if (lua_pcall(L, 6, 0, 0) != LUA_OK)
        fprintf(stderr, "moonwalk: stream event handler: %s\n", lua_tostring(L, -1));
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
        if (e->kind == NE_STORED) {
            if (!c->closed)
                call_stored(c, e->token, e->dup);
        } else if (e->kind == NE_MSG) {
            if (c->closed)
                msg_done(c, e->msg);
            else
                call_msg(c, e->msg);
        } else if (!c->closed) {
            call_lua(c, kind_names[e->kind], e->text, e->kind == NE_PUT || e->kind == NE_CHECKED,
                     e->age);
        }
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
    for (int i = 0; i < c->nsubjects; i++)
        free(c->subjects[i]);
    c->nsubjects = 0;
    char **strs[] = { &c->bucket, &c->id, &c->user, &c->password, &c->token, &c->creds,
                      &c->tls_ca, &c->tls_cert, &c->tls_key, &c->stream, &c->consume,
                      &c->durable, &c->deaf };
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
        if (c->cstarted) {
            pthread_join(c->cthread, NULL);
            c->cstarted = 0;
        }
        if (c->nc) {
            /* wait (bounded) for the client's callbacks to be done with c */
            struct timespec ts;
            deadline_in(&ts, 3000);
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
    for (int i = 0; i < c->nchecks; i++)
        free(c->checks[i]);
    c->nchecks = 0;
    for (int i = 0; i < c->nslots; i++)
        if (c->slots[i])
            natsMsg_Destroy(c->slots[i]);
    free(c->slots);
    c->slots = NULL;
    c->nslots = 0;
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
        if (e->msg)
            natsMsg_Destroy(e->msg);
        free(e->text);
        free(e);
        e = next;
    }
    c->head = c->tail = NULL;
    pthread_mutex_lock(&c->mu);
    pubitem_t *lists[] = { c->pub_head, c->sent };
    c->pub_head = c->pub_tail = c->sent = NULL;
    c->nsent = 0;
    pthread_mutex_unlock(&c->mu);
    for (int i = 0; i < 2; i++)
        for (pubitem_t *p = lists[i], *next; p; p = next) {
            next = p->next;
            pubitem_free(p);
        }
    c->buffered = 0;
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


/* h:check(key) -> true when queued: look the member up in the bucket
 * ("checked" event) */
static int
l_cluster_check(lua_State *L)
{
    lcluster_t *c = check_cluster(L, 1);
    const char *key = luaL_checkstring(L, 2);
    int ok = 0;
    if (!c->closed && c->started && !c->stream_mode) {
        char *k = strdup(key);
        pthread_mutex_lock(&c->mu);
        if (k && c->nchecks < MAX_CHECKS) {
            c->checks[c->nchecks++] = k;
            k = NULL;
            ok = 1;
        }
        pthread_mutex_unlock(&c->mu);
        free(k);
    }
    lua_pushboolean(L, ok);
    return 1;
}

/* --- stream mode: the loop thread's calls ---------------------------- */

static lcluster_t *
check_stream(lua_State *L)
{
    lcluster_t *c = check_cluster(L, 1);
    if (!c->stream_mode)
        luaL_error(L, "not a stream handle");
    return c;
}

/* h:publish(subject, msg_id, data[, token]) -> true | false (the buffer
 * is full: dropped and counted) */
static int
l_stream_publish(lua_State *L)
{
    lcluster_t *c = check_stream(L);
    size_t len;
    const char *subject = luaL_checkstring(L, 2);
    const char *id = luaL_checkstring(L, 3);
    const char *data = luaL_checklstring(L, 4, &len);
    lua_Integer token = luaL_optinteger(L, 5, 0);
    if (c->closed)
        return luaL_error(L, "stream is closed");
    pthread_mutex_lock(&c->mu);
    int full = c->buffered >= c->buffer_cap;
    if (full)
        c->n_dropped++;
    pthread_mutex_unlock(&c->mu);
    if (full) {
        lua_pushboolean(L, 0);
        return 1;
    }
    pubitem_t *p = calloc(1, sizeof *p);
    if (!p || !(p->subject = strdup(subject)) || !(p->msg_id = strdup(id))
        || !(p->data = malloc(len ? len : 1))) {
        if (p)
            pubitem_free(p);
        return luaL_error(L, "out of memory");
    }
    memcpy(p->data, data, len);
    p->len = len;
    p->token = token;
    pthread_mutex_lock(&c->mu);
    if (c->pub_tail)
        c->pub_tail->next = p;
    else
        c->pub_head = p;
    c->pub_tail = p;
    c->buffered++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    lua_pushboolean(L, 1);
    return 1;
}

static natsMsg *
take_slot(lua_State *L, lcluster_t *c)
{
    lua_Integer i = luaL_checkinteger(L, 2);
    if (i < 1 || i > c->nslots || !c->slots[i - 1])
        return NULL;
    natsMsg *m = c->slots[i - 1];
    c->slots[i - 1] = NULL;
    return m;
}

/* h:ack(slot), h:nak(slot, delay_seconds), h:term(slot) -> true | nil, err */
static int
stream_settle(lua_State *L, int how)
{
    lcluster_t *c = check_stream(L);
    double delay = how == 1 ? luaL_optnumber(L, 3, 0) : 0;
    natsMsg *m = take_slot(L, c);
    if (!m) {
        lua_pushnil(L);
        lua_pushliteral(L, "no such message");
        return 2;
    }
    natsStatus s = how == 0 ? natsMsg_Ack(m, NULL)
                 : how == 1 ? natsMsg_NakWithDelay(m, (int64_t)(delay * 1000), NULL)
                 : natsMsg_Term(m, NULL);
    msg_done(c, m);
    if (s != NATS_OK) {
        lua_pushnil(L);
        lua_pushstring(L, natsStatus_GetText(s));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int l_stream_ack(lua_State *L) { return stream_settle(L, 0); }
static int l_stream_nak(lua_State *L) { return stream_settle(L, 1); }
static int l_stream_term(lua_State *L) { return stream_settle(L, 2); }

/* h:stats() -> { stored, duplicates, buffered, dropped, publish_errors,
 *               fetched, fetch_errors, inflight, pending, connected }
 * (pending: the shared consumer's messages not yet delivered to any
 * instance, as the last message fetched said; 0 once a fetch finds none) */
static int
l_stream_stats(lua_State *L)
{
    lcluster_t *c = check_stream(L);
    pthread_mutex_lock(&c->mu);
    uint64_t v[] = { c->n_stored, c->n_dups, c->buffered, c->n_dropped, c->n_pub_errors,
                     c->n_fetched, c->n_fetch_errors, (uint64_t)c->inflight, c->pending };
    int up = c->nc && !c->closed && nats_up(c->nc);
    pthread_mutex_unlock(&c->mu);
    static const char *const names[] = { "stored", "duplicates", "buffered", "dropped",
                                         "publish_errors", "fetched", "fetch_errors", "inflight",
                                         "pending" };
    lua_createtable(L, 0, 10);
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        lua_pushinteger(L, (lua_Integer)v[i]);
        lua_setfield(L, -2, names[i]);
    }
    lua_pushboolean(L, up);
    lua_setfield(L, -2, "connected");
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

/* stream mode's options (see the top of this file) */
static void
stream_options(lua_State *L, lcluster_t *c)
{
    c->stream_mode = 1;
    c->stream = opt_string(L, 1, "stream", NULL);
    luaL_argcheck(L, c->stream && strlen(c->stream) > 0 && !strpbrk(c->stream, ". *>"), 1,
                  "stream must be a name without '.', '*', '>' or spaces");
    lua_getfield(L, 1, "subjects");
    luaL_argcheck(L, lua_istable(L, -1), 1, "subjects must be a list");
    for (int i = 1; i <= 4; i++) {
        if (lua_rawgeti(L, -1, i) == LUA_TNIL) {
            lua_pop(L, 1);
            break;
        }
        if (!(c->subjects[c->nsubjects] = strdup(luaL_checkstring(L, -1))))
            luaL_error(L, "out of memory");
        c->nsubjects++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    luaL_argcheck(L, c->nsubjects > 0, 1, "subjects must list at least one subject");
    c->consume = opt_string(L, 1, "consume", NULL);
    c->durable = opt_string(L, 1, "durable", "moonwalk");
    c->id = opt_string(L, 1, "id", "moonwalk");
    c->dup_ms = opt_ms(L, 1, "duplicates", 120, 0.1);
    c->ack_wait_ms = opt_ms(L, 1, "ack_wait", 30, 0.1);
    char *storage = opt_string(L, 1, "storage", "file");
    c->file_storage = strcmp(storage, "memory") != 0;
    free(storage);
    lua_getfield(L, 1, "batch");
    c->batch = (int)luaL_optinteger(L, -1, 64);
    lua_getfield(L, 1, "max_inflight");
    c->max_inflight = (int)luaL_optinteger(L, -1, 256);
    lua_getfield(L, 1, "buffer");
    lua_Integer cap = luaL_optinteger(L, -1, 100000);
    lua_pop(L, 3);
    luaL_argcheck(L, c->batch >= 1 && c->max_inflight >= 1 && cap >= 1, 1,
                  "batch, max_inflight and buffer must be positive");
    c->buffer_cap = (size_t)cap;
}

static const luaL_Reg cluster_methods[] = {
    { "close", l_cluster_close },
    { "leave", l_cluster_leave },
    { "check", l_cluster_check },
    { "publish", l_stream_publish },
    { "ack", l_stream_ack },
    { "nak", l_stream_nak },
    { "term", l_stream_term },
    { "stats", l_stream_stats },
    { NULL, NULL },
};

/* nats_cluster{...} and nats_stream{...} */
static int
nats_open(lua_State *L, int stream_mode)
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
    mwl_set_class(L, CLUSTER_MT, cluster_methods, l_cluster_gc);
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
    if (stream_mode) {
        stream_options(L, c);
    } else {
        c->bucket = opt_string(L, 1, "bucket", NULL);
        c->id = opt_string(L, 1, "id", NULL);
        luaL_argcheck(L, c->bucket && c->id, 1, "bucket and id are required");
        c->deaf = opt_string(L, 1, "test_deaf", NULL);
    }
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
    if (!stream_mode)
        event_add(c->tick, &tv);
    if (pthread_create(&c->thread, NULL, stream_mode ? stream_worker_main : worker_main, c) != 0)
        return luaL_error(L, "cluster: cannot start its thread: %s", strerror(errno));
    c->started = 1;
    if (stream_mode && c->consume) {
        if (pthread_create(&c->cthread, NULL, stream_consumer_main, c) != 0)
            return luaL_error(L, "cluster: cannot start its thread: %s", strerror(errno));
        c->cstarted = 1;
    }
    lua_settop(L, ud);
    return 1;
}

static int l_nats_cluster(lua_State *L) { return nats_open(L, 0); }
static int l_nats_stream(lua_State *L) { return nats_open(L, 1); }

int mwl_nats_open(lua_State *L);
int
mwl_nats_open(lua_State *L)
{
    lua_pushcfunction(L, l_nats_cluster);
    lua_setfield(L, -2, "nats_cluster");
    lua_pushcfunction(L, l_nats_stream);
    lua_setfield(L, -2, "nats_stream");
    return 0;
}
