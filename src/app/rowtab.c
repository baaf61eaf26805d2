/* rowtab.c - the rows of an agent table kept in index order (see rowtab.h). */
#include <stdlib.h>
#include <string.h>

#include "../core/mw.h"
#include "rowtab.h"

#define INLINE_ARCS 3
#define FREE_MARK UINT32_MAX
#define NO_SLOT UINT32_MAX

/* A slot's key: up to INLINE_ARCS sub-identifiers in place, else a pointer
 * (owned) kept in in[1..2]. A free slot has len FREE_MARK and in[0] the
 * next free slot. */
typedef struct {
    uint32_t len;
    uint32_t in[INLINE_ARCS];
} rkey_t;

typedef struct {
    uint32_t n;
    uint32_t s[ROWTAB_BLOCK];
} block_t;

struct rowtab {
    block_t **blk;    /* owned, each owned; sorted, none empty */
    size_t nblk, capblk;
    rkey_t *keys;     /* owned: by slot */
    size_t nslots, capslots;
    uint32_t free;    /* first free slot, NO_SLOT: none */
    size_t count;
    uint64_t gen;
};

static const uint32_t *
key_arcs(const rkey_t *k)
{
    if (k->len <= INLINE_ARCS)
        return k->in;
    uint32_t *p;
    memcpy(&p, &k->in[1], sizeof p);
    return p;
}

int
rowtab_cmp(const uint32_t *a, size_t an, const uint32_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return an == bn ? 0 : an < bn ? -1 : 1;
}

static int
cmp_slot(const rowtab_t *t, uint32_t slot, const uint32_t *key, size_t len)
{
    const rkey_t *k = &t->keys[slot];
    return rowtab_cmp(key_arcs(k), k->len, key, len);
}

rowtab_t *
rowtab_new(void)
{
    rowtab_t *t = calloc(1, sizeof *t);
    if (t)
        t->free = NO_SLOT;
    return t;
}

void
rowtab_free(rowtab_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nblk; i++)
        free(t->blk[i]);
    for (size_t s = 0; s < t->nslots; s++)
        if (t->keys[s].len != FREE_MARK && t->keys[s].len > INLINE_ARCS)
            free((void *)key_arcs(&t->keys[s]));
    free(t->blk);
    free(t->keys);
    free(t);
}

size_t rowtab_count(const rowtab_t *t) { return t->count; }
uint64_t rowtab_gen(const rowtab_t *t) { return t->gen; }
size_t rowtab_slots(const rowtab_t *t) { return t->nslots; }

size_t
rowtab_bytes(const rowtab_t *t)
{
    size_t n = sizeof *t + t->capblk * sizeof(block_t *) + t->nblk * sizeof(block_t)
               + t->capslots * sizeof(rkey_t);
    for (size_t s = 0; s < t->nslots; s++)
        if (t->keys[s].len != FREE_MARK && t->keys[s].len > INLINE_ARCS)
            n += t->keys[s].len * sizeof(uint32_t);
    return n;
}

const uint32_t *
rowtab_key(const rowtab_t *t, long slot, size_t *len)
{
    const rkey_t *k = &t->keys[slot];
    *len = k->len;
    return key_arcs(k);
}

/* Position of the first row whose key is >= key: block b, index i (i may
 * be the block's count: the end of that block). *found when equal. */
static void
locate(const rowtab_t *t, const uint32_t *key, size_t len, size_t *b, size_t *i, int *found)
{
    *found = 0;
    if (t->nblk == 0) {
        *b = *i = 0;
        return;
    }
    /* the first block whose first key is > key */
    size_t lo = 0, hi = t->nblk;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp_slot(t, t->blk[mid]->s[0], key, len) > 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == 0) {
        *b = *i = 0;
        return;
    }
    const block_t *bk = t->blk[lo - 1];
    size_t l = 0, h = bk->n;
    while (l < h) {
        size_t mid = (l + h) / 2;
        if (cmp_slot(t, bk->s[mid], key, len) < 0)
            l = mid + 1;
        else
            h = mid;
    }
    *b = lo - 1;
    *i = l;
    *found = l < bk->n && cmp_slot(t, bk->s[l], key, len) == 0;
}

long
rowtab_find(const rowtab_t *t, const uint32_t *key, size_t len)
{
    size_t b, i;
    int found;
    locate(t, key, len, &b, &i, &found);
    return found ? (long)t->blk[b]->s[i] : -1;
}

static long
slot_new(rowtab_t *t, const uint32_t *key, size_t len)
{
    uint32_t s;
    uint32_t *p = NULL;
    if (len > INLINE_ARCS) {
        p = malloc(len * sizeof *p);
        if (!p)
            return MW_ENOMEM;
        memcpy(p, key, len * sizeof *p);
    }
    if (t->free != NO_SLOT) {
        s = t->free;
        t->free = t->keys[s].in[0];
    } else {
        if (t->nslots == t->capslots) {
            size_t cap = t->capslots ? t->capslots * 2 : 64;
            rkey_t *k = cap < NO_SLOT ? realloc(t->keys, cap * sizeof *k) : NULL;
            if (!k) {
                free(p);
                return MW_ENOMEM;
            }
            t->keys = k;
            t->capslots = cap;
        }
        s = (uint32_t)t->nslots++;
    }
    rkey_t *k = &t->keys[s];
    k->len = (uint32_t)len;
    if (p)
        memcpy(&k->in[1], &p, sizeof p);
    else if (len)
        memcpy(k->in, key, len * sizeof *key);
    return s;
}

static void
slot_free(rowtab_t *t, uint32_t s)
{
    rkey_t *k = &t->keys[s];
    if (k->len > INLINE_ARCS)
        free((void *)key_arcs(k));
    k->len = FREE_MARK;
    k->in[0] = t->free;
    t->free = s;
}

/* Inserts a block pointer at position at; 0 or MW_ENOMEM. */
static int
block_insert(rowtab_t *t, size_t at, block_t *bk)
{
    if (t->nblk == t->capblk) {
        size_t cap = t->capblk ? t->capblk * 2 : 8;
        block_t **p = realloc(t->blk, cap * sizeof *p);
        if (!p)
            return MW_ENOMEM;
        t->blk = p;
        t->capblk = cap;
    }
    memmove(&t->blk[at + 1], &t->blk[at], (t->nblk - at) * sizeof *t->blk);
    t->blk[at] = bk;
    t->nblk++;
    return 0;
}

static void
block_remove(rowtab_t *t, size_t at)
{
    free(t->blk[at]);
    memmove(&t->blk[at], &t->blk[at + 1], (t->nblk - at - 1) * sizeof *t->blk);
    t->nblk--;
}

long
rowtab_insert(rowtab_t *t, const uint32_t *key, size_t len, int *created)
{
    size_t b, i;
    int found;
    *created = 0;
    if (len > ROWTAB_MAX_KEY)
        return MW_EINVAL;
    locate(t, key, len, &b, &i, &found);
    if (found)
        return t->blk[b]->s[i];
    long s = slot_new(t, key, len);
    if (s < 0)
        return s;
    if (t->nblk == 0) {
        block_t *bk = malloc(sizeof *bk);
        if (!bk || block_insert(t, 0, bk) < 0) {
            free(bk);
            slot_free(t, (uint32_t)s);
            return MW_ENOMEM;
        }
        bk->n = 0;
    }
    block_t *bk = t->blk[b];
    if (bk->n == ROWTAB_BLOCK) {
        /* appending in order starts a new block and leaves this one
         * full; elsewhere the block splits in two halves */
        int append = b + 1 == t->nblk && i == bk->n;
        const uint32_t half = ROWTAB_BLOCK / 2;
        block_t *nb = malloc(sizeof *nb);
        if (!nb || block_insert(t, b + 1, nb) < 0) {
            free(nb);
            slot_free(t, (uint32_t)s);
            return MW_ENOMEM;
        }
        if (append) {
            nb->n = 0;
            bk = nb;
            i = 0;
        } else {
            nb->n = ROWTAB_BLOCK - half;
            memcpy(nb->s, &bk->s[half], nb->n * sizeof *nb->s);
            bk->n = half;
            if (i > half) {
                i -= half;
                bk = nb;
            }
        }
    }
    memmove(&bk->s[i + 1], &bk->s[i], (bk->n - i) * sizeof *bk->s);
    bk->s[i] = (uint32_t)s;
    bk->n++;
    t->count++;
    t->gen++;
    *created = 1;
    return s;
}

long
rowtab_remove(rowtab_t *t, const uint32_t *key, size_t len)
{
    size_t b, i;
    int found;
    locate(t, key, len, &b, &i, &found);
    if (!found)
        return -1;
    block_t *bk = t->blk[b];
    uint32_t s = bk->s[i];
    memmove(&bk->s[i], &bk->s[i + 1], (bk->n - i - 1) * sizeof *bk->s);
    bk->n--;
    if (bk->n == 0) {
        block_remove(t, b);
    } else if (bk->n < ROWTAB_BLOCK / 4 && b + 1 < t->nblk && bk->n + t->blk[b + 1]->n <= ROWTAB_BLOCK) {
        block_t *nx = t->blk[b + 1];
        memcpy(&bk->s[bk->n], nx->s, nx->n * sizeof *nx->s);
        bk->n += nx->n;
        block_remove(t, b + 1);
    }
    slot_free(t, s);
    t->count--;
    t->gen++;
    return s;
}

long
rowtab_seek(const rowtab_t *t, const uint32_t *key, size_t len, int strict, rowtab_cur_t *cur)
{
    size_t b, i;
    int found = 0;
    cur->gen = t->gen;
    if (!key && !strict)
        b = i = 0;
    else
        locate(t, key, len, &b, &i, &found);
    if (found && strict)
        i++;
    if (b < t->nblk && i >= t->blk[b]->n) {
        b++;
        i = 0;
    }
    cur->b = b;
    cur->i = i;
    return b < t->nblk ? (long)t->blk[b]->s[i] : -1;
}

long
rowtab_step(const rowtab_t *t, rowtab_cur_t *cur)
{
    if (cur->gen != t->gen)
        return -2;
    if (cur->b >= t->nblk)
        return -1;
    if (++cur->i >= t->blk[cur->b]->n) {
        cur->b++;
        cur->i = 0;
    }
    return cur->b < t->nblk ? (long)t->blk[cur->b]->s[cur->i] : -1;
}
