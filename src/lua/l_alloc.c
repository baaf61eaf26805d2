/* l_alloc.c - the Lua state of the moonwalk binary, with its allocator.
 *
 * Lua allocates and frees small blocks all the time: a varbind costs a
 * table, its nodes and a string or two. Blocks of up to SMALL_MAX bytes
 * come from free lists, one per 16-byte size class, carved out of 64 KiB
 * slabs. Lua passes the size of every block it frees or resizes, so blocks
 * carry no header and a free is two stores. Larger blocks go to malloc.
 * Slabs stay with the state until it is closed: a freed block is reused by
 * the next block of its class. Sanitizer builds keep malloc for every
 * block, so that the sanitizer sees each one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwlua.h"

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
        slab_t *s = malloc(SLAB_SIZE);
        if (!s)
            return NULL;
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
    return n <= SMALL_MAX ? small_alloc(a, size_class(n)) : malloc(n);
}

static void
block_free(pool_t *a, void *p, size_t n)
{
    if (n <= SMALL_MAX)
        small_free(a, p, size_class(n));
    else
        free(p);
}

/* lua_Alloc: with ptr set, osize is the size the block was given. */
static void *
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
    if (osize > SMALL_MAX && nsize > SMALL_MAX)
        return realloc(ptr, nsize);
    if (osize <= SMALL_MAX && nsize <= SMALL_MAX && size_class(osize) == size_class(nsize))
        return ptr;
    void *np = block_alloc(a, nsize);
    if (!np)
        return NULL; /* the old block stays as it was */
    memcpy(np, ptr, osize < nsize ? osize : nsize);
    block_free(a, ptr, osize);
    return np;
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
#ifdef MW_PLAIN_MALLOC
    return luaL_newstate();
#else
    pool_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    lua_State *L = lua_newstate(pool_lalloc, a);
    if (!L) {
        free(a);
        return NULL;
    }
    lua_atpanic(L, on_panic);
    lua_setwarnf(L, warn_off, L);
    return L;
#endif
}

void
mwl_closestate(lua_State *L)
{
#ifdef MW_PLAIN_MALLOC
    lua_close(L);
#else
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    lua_close(L);
    if (f == pool_lalloc) {
        pool_t *a = ud;
        while (a->slabs) {
            slab_t *next = a->slabs->next;
            free(a->slabs);
            a->slabs = next;
        }
        free(a);
    }
#endif
}
