/* mibint.h - the inside of a mib_t, shared by mib.c and mibcache.c (the
 * compiled cache writes and maps it). Not part of the API. */
#ifndef MW_MIBINT_H
#define MW_MIBINT_H

#include "mib.h"

#define NHASH 128
#define THASH 16384
#define MHASH 4096  /* modules by name */
#define TCHASH 4096 /* textual conventions by descriptor */

typedef struct {
    const char *label;
    int modid;
} mib_import_t;

typedef struct mib_module {
    const char *name, *file;
    int modid;
    mib_import_t *imports;
    int no_imports;             /* -1: not loaded yet */
    struct mib_module *next;
    struct mib_module *hnext;   /* name hash chain */
} mib_module_t;

typedef struct objgroup {
    const char *name;
    int line;
    struct objgroup *next;
} objgroup_t;

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
} chunk_t;

typedef struct {
    const char *p, *end;
    const char *base;           /* start of the file's text */
} lex_t;

struct mib {
    chunk_t *arena;             /* owns every node, string and list */
    char *pending;              /* owned: directories added but not read yet */
    mib_module_t *module_head;
    mib_module_t **modules;     /* by modid */
    int nmodules, capmodules;
    mib_tc_t *tcs;              /* owned (realloc) */
    int ntcs, captcs;
    mib_node_t *nbuckets[NHASH];
    mib_node_t *tbuckets[THASH];
    mib_node_t *tree_head;
    mib_node_t *orphan_nodes;
    mib_import_t root_imports[3];
    int anonymous;
    int current_module;
    const char *file;           /* file being parsed */
    int line;
    lex_t *lx;
    int syntax_error;           /* gMibError */
    char *last_err_module;      /* owned */
    int first_err_module;
    char *dirs;                 /* owned: the search path as given */
    objgroup_t *objgroups, *objects, *notifs;
    char *errbuf;               /* owned */
    size_t errlen, errcap;
    int nerrors;
    mib_text_t quote;           /* where the last quoted string was */
    mib_node_t *free_nodes;     /* parse nodes copied into the tree, for reuse */
    mib_module_t *mbuckets[MHASH];  /* modules by name (names are unique) */
    int tcbuckets[TCHASH];      /* index + 1 of the newest TC of a hash chain */
    char *journal;              /* owned: names given to mib_load, each + '\n' */
    size_t journal_len;
    int cached;                 /* restored from a compiled cache (mibcache.c) */
    void *cache_map;            /* owned: the mapped cache file, or NULL */
    size_t cache_len;
    void *cache_nodes;          /* owned: the restored nodes (anonymous map) */
    size_t cache_nodes_len;
};

/* mib.c's allocator and hashes, for mibcache.c. */
void *mib_arena_alloc(mib_t *m, size_t n);
unsigned mib_str_hash(const char *s);
/* mibcache.c: frees what a mapped cache holds (mib_free calls it). */
void mibcache_release(mib_t *m);
/* mibcache.c: a mib_t restored from a cache is rebuilt by a real parse
 * before it changes (mib_add_dirs, mib_load, mib_adopt_orphans call it). */
void mibcache_materialize(mib_t *m);

#endif
