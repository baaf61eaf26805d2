/* l_alloc.c - the Lua state of the moonwalk binary, with its allocator.
 *
 * Lua allocates and frees small blocks all the time: a varbind costs a
 * table, its nodes and a string or two. Blocks of up to SMALL_MAX bytes
 * come from free lists, one per 16-byte size class, carved out of 64 KiB
 * slabs. Lua passes the size of every block it frees or resizes, so blocks
 * carry no header and a free is two stores. Larger blocks go to malloc.
 * Slabs stay with the state until it is closed: a freed block is reused by
 * the next block of its class. Sanitizer builds keep malloc for every
 * block, so that the sanitizer sees each one.
 *
 * Where the heap has grown under a block (malloc moved the program break),
 * the new pages are mapped at once (MADV_POPULATE_WRITE): the heap is
 * filled from the bottom up, so they would be touched one by one soon
 * after, and one call maps them for a fraction of what a page fault each
 * costs. Loading the modules of a one-shot command takes some 100 of
 * them (scripts/bench/startup). That is for the start only: after the
 * first POPULATE_MAX bytes a long-running process's heap, which grows and
 * is trimmed again, takes its pages as it touches them.
 *
 * The memory limit (--max-memory). Every block Lua holds is counted, in
 * both builds. A block that would take the count past the limit is
 * refused: Lua then collects in full and tries once more, and when that
 * fails too it raises "not enough memory" in the code that asked. From
 * that moment a reserve above the limit is open, so that the error can be
 * caught, given a traceback and logged; the task that was running is
 * stopped the way the instruction budget stops one (mwl_engine_memory_trip)
 * so that its own pcall cannot swallow the error. At the next turn of the
 * loop (mwl_alloc_reclaim) Lua collects, free memory goes back to the
 * system, and the reserve closes once the count is under the limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "mwlua.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define MW_PLAIN_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MW_PLAIN_MALLOC 1
#endif
#endif

#define SMALL_MAX 256
#define NCLASS (SMALL_MAX / 16)
#define SLAB_SIZE (64 * 1024)
#define SLAB_HEAD 16 /* keeps blocks 16-byte aligned */

typedef struct slab {
    struct slab *next;
} slab_t;

typedef struct {
    void *free[NCLASS + 1]; /* by class: 1 .. NCLASS */
    char *cur, *end;        /* what is left of the newest slab */
    slab_t *slabs;
} pool_t;

static unsigned
size_class(size_t n)
{
    return (unsigned)((n + 15) >> 4);
}

#if defined(__GLIBC__) && defined(MADV_POPULATE_WRITE) && !defined(MW_PLAIN_MALLOC)
#define POPULATE_MAX ((uintptr_t)4 << 20)
#define TOP_PAD (256 << 10)
static uintptr_t brk_seen;  /* the program break after the last look */
static uintptr_t populated; /* bytes mapped so far */

static void
heap_populate(void)
{
    if (populated >= POPULATE_MAX)
        return;
    uintptr_t now = (uintptr_t)sbrk(0), pg = 4096;
    if (now > brk_seen && brk_seen) {
        uintptr_t lo = (brk_seen + pg - 1) & ~(pg - 1), hi = now & ~(pg - 1);
        if (hi > lo) {
            madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE); /* a hint: errors change nothing */
            populated += hi - lo;
        }
    }
    brk_seen = now;
}

/* the start: maps what is left of the heap's first growth, before the
 * first malloc. malloc grows the heap by what it needs and TOP_PAD more;
 * the C side's blocks (the event loop, the engine, a socket and its 64 KiB
 * read buffer: some 170 KiB for a one-shot get, when Lua's own come from
 * the arena) then find their pages mapped instead of taking a fault each,
 * which on a VM costs some ten times what mapping the page with the others
 * did. With a pad of 128 KiB the read buffer did not fit: the heap grew a
 * second time, unmapped, and the blocks after it took four faults. The
 * pad is also what a trim leaves, so the pages mapped here stay mapped. */
static void
heap_populate_init(void)
{
    mallopt(M_TOP_PAD, TOP_PAD);
    void *p = malloc(1);
    brk_seen = (uintptr_t)p;
    heap_populate();
    free(p);
}
#else
#define heap_populate() ((void)0)
#define heap_populate_init() ((void)0)
#endif

/* The arena: the first ARENA_SIZE bytes Lua asks for, slabs and larger
 * blocks alike, come from one 2 MiB region aligned for a transparent huge
 * page (MADV_HUGEPAGE). The kernel then maps it at the first touch as one
 * page: a one-shot command's few hundred KiB of modules cost one fault
 * and one clear of 2 MiB, where 4 KiB pages cost one fault (or one
 * populate) each, several times more on a virtual machine. Blocks are
 * carved from the bottom up and never given back: a small block freed
 * goes to its free list like any other, a larger one is left where it is
 * (the arena is a fixed 2 MiB); once it is used up, blocks come from
 * malloc. Only where the kernel has huge pages for madvise(2) ("always" or
 * "madvise" in /sys/kernel/mm/transparent_hugepage/enabled), and not with
 * MOONWALK_HUGEPAGES=0 in the environment. */
#if defined(__linux__) && defined(MADV_HUGEPAGE) && !defined(MW_PLAIN_MALLOC)
#define ARENA_SIZE ((size_t)2 << 20)
static char *arena_lo, *arena_cur, *arena_hi;

static int
thp_for_madvise(void)
{
    /* read(2), not stdio: a start need not fault in stdio's file code
     * and buffer for 30 bytes */
    char buf[128];
    int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strstr(buf, "[always]") || strstr(buf, "[madvise]");
}

static void
arena_init(void)
{
    const char *env = getenv("MOONWALK_HUGEPAGES");
    if (arena_lo || (env && strcmp(env, "0") == 0) || !thp_for_madvise())
        return;
    size_t len = 2 * ARENA_SIZE;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    char *lo = (char *)(((uintptr_t)p + ARENA_SIZE - 1) & ~(uintptr_t)(ARENA_SIZE - 1));
    if (lo > p)
        munmap(p, (size_t)(lo - p));
    munmap(lo + ARENA_SIZE, (size_t)(p + len - (lo + ARENA_SIZE)));
    if (madvise(lo, ARENA_SIZE, MADV_HUGEPAGE) != 0) {
        munmap(lo, ARENA_SIZE);
        return;
    }
    arena_lo = arena_cur = lo;
    arena_hi = lo + ARENA_SIZE;
}

static void *
arena_take(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if ((size_t)(arena_hi - arena_cur) < n)
        return NULL;
    void *p = arena_cur;
    arena_cur += n;
    return p;
}

static int
in_arena(const void *p)
{
    return (const char *)p >= arena_lo && (const char *)p < arena_hi;
}

static void
arena_close(void)
{
    if (arena_lo)
        munmap(arena_lo, ARENA_SIZE);
    arena_lo = arena_cur = arena_hi = NULL;
}
#else
#define arena_init() ((void)0)
#define arena_take(n) ((void)(n), (void *)NULL)
#define in_arena(p) ((void)(p), 0)
#define arena_close() ((void)0)
#endif

static void *
small_alloc(pool_t *a, unsigned c)
{
    void *p = a->free[c];
    if (p) {
        a->free[c] = *(void **)p;
        return p;
    }
    size_t sz = (size_t)c << 4;
    if ((size_t)(a->end - a->cur) < sz) {
        slab_t *s = arena_take(SLAB_SIZE);
        if (!s) {
            if (!(s = malloc(SLAB_SIZE)))
                return NULL;
            heap_populate();
        }
        s->next = a->slabs;
        a->slabs = s;
        a->cur = (char *)s + SLAB_HEAD;
        a->end = (char *)s + SLAB_SIZE;
    }
    p = a->cur;
    a->cur += sz;
    return p;
}

static void
small_free(pool_t *a, void *p, unsigned c)
{
    *(void **)p = a->free[c];
    a->free[c] = p;
}

static void *
block_alloc(pool_t *a, size_t n)
{
    if (n <= SMALL_MAX)
        return small_alloc(a, size_class(n));
    void *p = arena_take(n);
    if (p)
        return p;
    p = malloc(n);
    heap_populate();
    return p;
}

static void
block_free(pool_t *a, void *p, size_t n)
{
    if (n <= SMALL_MAX)
        small_free(a, p, size_class(n));
    else if (!in_arena(p))
        free(p);
}

/* lua_Alloc: with ptr set, osize is the size the block was given. */
static __attribute__((unused)) void *
pool_lalloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    pool_t *a = ud;
    if (nsize == 0) {
        if (ptr)
            block_free(a, ptr, osize);
        return NULL;
    }
    if (!ptr)
        return block_alloc(a, nsize);
    if (osize > SMALL_MAX && nsize > SMALL_MAX && !in_arena(ptr)) {
        void *np = realloc(ptr, nsize);
        heap_populate();
        return np;
    }
    if (osize <= SMALL_MAX && nsize <= SMALL_MAX && size_class(osize) == size_class(nsize))
        return ptr;
    void *np = block_alloc(a, nsize);
    if (!np)
        return NULL; /* the old block stays as it was */
    memcpy(np, ptr, osize < nsize ? osize : nsize);
    block_free(a, ptr, osize);
    return np;
}

/* --- counting and the limit ---------------------------------------------- */

typedef struct {
    size_t used, peak;        /* bytes Lua holds now, at most */
    size_t limit, reserve;    /* 0: no limit; reserve: room past it after a refusal */
    unsigned long refusals;   /* allocations refused at the limit */
    int pending;              /* a refusal, maybe retried after a collection */
    void *r_task;             /* the task running at the refusal */
    void *r_ptr;              /* the refused request */
    size_t r_osize, r_nsize;
    int over;                 /* the reserve is open */
    int reclaim;              /* collect and trim at the next turn of the loop */
} memacct_t;

static memacct_t mem; /* one Lua state per process */

#define RESERVE_MIN ((size_t)4 << 20)

static void *
inner_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
#ifdef MW_PLAIN_MALLOC
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
#else
    return pool_lalloc(ud, ptr, osize, nsize);
#endif
}

static int
fits(size_t grow, size_t cap)
{
    return grow <= cap && mem.used <= cap - grow;
}

/* lua_Alloc: counts blocks and refuses those past the limit. A refused
 * request that Lua makes again at once (after its emergency collection)
 * is measured against the limit alone; any other request may use the
 * reserve. A refusal that stands stops the running task. */
static void *
counted_lalloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    size_t old = ptr ? osize : 0;
    if (mem.limit && nsize > old) {
        int retry = 0;
        if (mem.pending) {
            mem.pending = 0;
            retry = ptr == mem.r_ptr && osize == mem.r_osize && nsize == mem.r_nsize;
            if (!retry)
                mwl_engine_memory_trip(mem.r_task); /* the refusal was final */
        }
        size_t cap = mem.limit + (mem.over && !retry ? mem.reserve : 0);
        if (!fits(nsize - old, cap)) {
            mem.refusals++;
            mem.reclaim = 1;
            if (retry || mem.over) {
                mwl_engine_memory_trip(mwl_engine_running());
            } else {
                mem.r_task = mwl_engine_running();
                mem.pending = 1;
                mem.r_ptr = ptr;
                mem.r_osize = osize;
                mem.r_nsize = nsize;
            }
            mem.over = 1;
            return NULL;
        }
    }
    void *p = inner_alloc(ud, ptr, osize, nsize);
    if (nsize == 0) {
        mem.used -= old;
        if (mem.over && mem.used + mem.reserve < mem.limit)
            mem.over = 0;
    } else if (p) {
        mem.used = mem.used - old + nsize;
        if (mem.used > mem.peak)
            mem.peak = mem.used;
    }
    return p;
}

void
mwl_alloc_limit(size_t limit)
{
    mem.limit = limit;
    mem.reserve = limit / 16 > RESERVE_MIN ? limit / 16 : RESERVE_MIN;
    mem.over = 0;
}

int
mwl_alloc_reclaim(lua_State *L)
{
    if (!mem.reclaim)
        return 0;
    mem.reclaim = 0;
    lua_gc(L, LUA_GCCOLLECT);
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    if (mem.used < mem.limit) {
        mem.over = 0;
        mem.pending = 0;
    }
    return 1;
}

/* memory_limit([bytes]) -> the limit before (0: none) */
static int
l_memory_limit(lua_State *L)
{
    lua_Integer old = (lua_Integer)mem.limit;
    if (!lua_isnoneornil(L, 1)) {
        lua_Integer n = luaL_checkinteger(L, 1);
        luaL_argcheck(L, n >= 0, 1, "limit out of range");
        mwl_alloc_limit((size_t)n);
    }
    lua_pushinteger(L, old);
    return 1;
}

/* memory() -> { used=, peak=, limit=, refusals= } (bytes held by Lua; 0
 * when this state does not use moonwalk's allocator) */
static int
l_memory(lua_State *L)
{
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)mem.used);
    lua_setfield(L, -2, "used");
    lua_pushinteger(L, (lua_Integer)mem.peak);
    lua_setfield(L, -2, "peak");
    lua_pushinteger(L, (lua_Integer)mem.limit);
    lua_setfield(L, -2, "limit");
    lua_pushinteger(L, (lua_Integer)mem.refusals);
    lua_setfield(L, -2, "refusals");
    return 1;
}

int
mwl_alloc_open(lua_State *L)
{
    lua_pushcfunction(L, l_memory_limit);
    lua_setfield(L, -2, "memory_limit");
    lua_pushcfunction(L, l_memory);
    lua_setfield(L, -2, "memory");
    return 0;
}

static int
on_panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "moonwalk: unprotected Lua error: %s\n", msg ? msg : "(not a string)");
    fflush(stderr);
    return 0; /* Lua aborts */
}

/* Warnings as the stock state has them: off until "@on", each one on
 * stderr after "Lua warning: ", possibly in several pieces. */
static void warn_off(void *ud, const char *msg, int tocont);
static void warn_on(void *ud, const char *msg, int tocont);

static int
warn_control(lua_State *L, const char *msg, int tocont)
{
    if (tocont || msg[0] != '@')
        return 0;
    if (strcmp(msg + 1, "on") == 0)
        lua_setwarnf(L, warn_on, L);
    else if (strcmp(msg + 1, "off") == 0)
        lua_setwarnf(L, warn_off, L);
    return 1;
}

static void
warn_off(void *ud, const char *msg, int tocont)
{
    warn_control(ud, msg, tocont);
}

static void
warn_more(void *ud, const char *msg, int tocont)
{
    fputs(msg, stderr);
    if (tocont) {
        lua_setwarnf(ud, warn_more, ud);
    } else {
        fputs("\n", stderr);
        fflush(stderr);
        lua_setwarnf(ud, warn_on, ud);
    }
}

static void
warn_on(void *ud, const char *msg, int tocont)
{
    if (warn_control(ud, msg, tocont))
        return;
    fputs("Lua warning: ", stderr);
    warn_more(ud, msg, tocont);
}

lua_State *
mwl_newstate(void)
{
    heap_populate_init(); /* before the first malloc: it sets the pad */
    pool_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    arena_init();
    lua_State *L = lua_newstate(counted_lalloc, a);
    if (!L) {
        free(a);
        return NULL;
    }
    lua_atpanic(L, on_panic);
    lua_setwarnf(L, warn_off, L);
    return L;
}

void
mwl_closestate(lua_State *L)
{
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    lua_close(L);
    if (f == counted_lalloc) {
        pool_t *a = ud;
        while (a->slabs) {
            slab_t *next = a->slabs->next;
            if (!in_arena(a->slabs))
                free(a->slabs);
            a->slabs = next;
        }
        free(a);
        arena_close();
    }
}
