/* rowtab.h - the rows of an agent table kept in index order.
 *
 * Keys are the index of a row as OID sub-identifiers (what follows the
 * column number in an instance name), compared as OIDs are. Each key has
 * a slot: a small integer that names the row for the layer above (the Lua
 * binding keeps the row's values in an array under the same number). Slots
 * are reused after a removal.
 *
 * Structure: a sorted array of blocks, each a sorted array of up to
 * ROWTAB_BLOCK slots (a B+tree of height two). A lookup is two binary
 * searches, O(log n); an insertion or removal moves at most one block's
 * slots and, when a block splits or empties, the block pointers. Keys of
 * up to three sub-identifiers are stored inline (16 octets per row plus 4
 * in a block). No Lua here; single-threaded. */
#ifndef MW_ROWTAB_H
#define MW_ROWTAB_H

#include <stddef.h>
#include <stdint.h>

#define ROWTAB_BLOCK 256
#define ROWTAB_MAX_KEY 128 /* sub-identifiers */

typedef struct rowtab rowtab_t;

/* A position for walking in order: valid until the next change (gen). */
typedef struct {
    size_t b, i;
    uint64_t gen;
} rowtab_cur_t;

rowtab_t *rowtab_new(void);
void rowtab_free(rowtab_t *t);
size_t rowtab_count(const rowtab_t *t);
/* Memory held by the structure, in octets (keys, slots, blocks). */
size_t rowtab_bytes(const rowtab_t *t);
/* Changes so far; a cursor from an older generation is stale. */
uint64_t rowtab_gen(const rowtab_t *t);

/* The slot of key, or -1. */
long rowtab_find(const rowtab_t *t, const uint32_t *key, size_t len);
/* Adds key with a new slot, or finds it (*created 0). The slot, or
 * MW_EINVAL (key too long) / MW_ENOMEM. */
long rowtab_insert(rowtab_t *t, const uint32_t *key, size_t len, int *created);
/* Removes key; returns the slot it had (free from now on), or -1. */
long rowtab_remove(rowtab_t *t, const uint32_t *key, size_t len);
/* The first row whose key is after key (strict) or at or after it (key
 * may be any sub-identifiers, not only a stored key; NULL/0 with strict 0
 * is the first row). Its slot, or -1 past the end; *cur is set for
 * rowtab_step. */
long rowtab_seek(const rowtab_t *t, const uint32_t *key, size_t len, int strict,
                 rowtab_cur_t *cur);
/* The row after *cur (advanced), or -1 past the end, or -2 when the table
 * changed since the cursor was set (seek again). */
long rowtab_step(const rowtab_t *t, rowtab_cur_t *cur);
/* The key of a used slot. */
const uint32_t *rowtab_key(const rowtab_t *t, long slot, size_t *len);
/* Largest slot number in use + 1 (slots are below it). */
size_t rowtab_slots(const rowtab_t *t);

/* Compares two keys as OIDs: <0, 0, >0. */
int rowtab_cmp(const uint32_t *a, size_t an, const uint32_t *b, size_t bn);

#endif
