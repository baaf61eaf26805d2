/* mibcache.c - the compiled MIB cache (see mibcache.h).
 *
 * The file is an image of the linked set: its nodes, modules, textual
 * conventions, their lists and strings, laid out as the structs of mib.h
 * and mibint.h are, with every pointer already set for one address (the
 * base, chosen from the key). A load maps the file there, copy-on-write,
 * and uses it in place: a warm start costs one map and the checks of the
 * sources, whatever the number of modules, and the pages are shared by
 * every process using the same cache (only those touched are read). When
 * the base is taken, the file is mapped elsewhere and its pointers are
 * moved by the difference (the file lists where each one is).
 *
 * Layout: the header, then 8-byte aligned objects the header points at:
 * the root (the tables of the mib_t), the sources, the relocation list
 * (file offsets of the pointers) and the objects. The body is trusted as
 * this code wrote it (to a temporary file renamed over the old one): the
 * header's checksum, the length, the layout of the structs and the key
 * are checked, the sources are compared with the files, and a relocated
 * pointer must point into the file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mibcache.h"
#include "mibint.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000 /* Linux 4.17; older kernels take a hint */
#endif

#define MC_MAGIC "MWMIBC\r\n"
/* Raised whenever what a load gives can change for the same files (the
 * layout, or the parser's results and messages, which the cache keeps):
 * 3, errors before any file is indexed say "At line 0"; 4, a node's rare
 * clauses in a record of their own (mib_node_more_t). */
#define MC_VERSION 4u
#define NONE 0xffffffffu

typedef struct {
    char magic[8];
    uint32_t version, hdr_sum;  /* hdr_sum: FNV-1a of the header with it 0 */
    uint64_t total_len;
    uint64_t base;              /* the address the pointers are set for */
    uint32_t layout;            /* layout_sum() of the writer */
    uint32_t key, dirs, journal, errors;    /* strings (file offsets) */
    uint32_t nerrors;
    uint32_t root_off;
    uint32_t sources_off, nsources;
    uint32_t relocs_off, nrelocs;
} mc_header_t;

typedef struct {
    uint32_t path, isdir;
    int64_t size, mtime_s, mtime_ns;    /* size -1: did not exist */
} mc_source_t;

/* What a mib_t holds of the set; the arrays and lists are in the file. */
typedef struct {
    mib_node_t *tree_head;
    mib_module_t *module_head;
    mib_module_t **modules;     /* by modid */
    mib_tc_t *tcs;
    int32_t nmodules, ntcs;
    mib_node_t *tbuckets[THASH];
    mib_module_t *mbuckets[MHASH];
    int tcbuckets[TCHASH];
} mc_root_t;

static uint32_t
fnv32(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t h = 2166136261u;
    while (n--)
        h = (h ^ *s++) * 16777619u;
    return h;
}

/* A checksum of the offsets and sizes of every field the image holds: a
 * cache written by a build with other structs is not used. */
#define F(t, f) (uint32_t)offsetof(t, f), (uint32_t)sizeof(((t *)0)->f)
static uint32_t
layout_sum(void)
{
    static const uint32_t l[] = {
        (uint32_t)sizeof(void *), (uint32_t)sizeof(mib_node_t),
        F(mib_node_t, label), F(mib_node_t, parent), F(mib_node_t, hnext),
        F(mib_node_t, child), F(mib_node_t, peer), F(mib_node_t, file),
        F(mib_node_t, more),
        F(mib_node_t, subid), F(mib_node_t, modid), F(mib_node_t, nmodules),
        F(mib_node_t, tc), F(mib_node_t, line), F(mib_node_t, description_at),
        F(mib_node_t, type), F(mib_node_t, access), F(mib_node_t, status),
        F(mib_node_t, reported),
        (uint32_t)sizeof(mib_node_more_t), F(mib_node_more_t, enums),
        F(mib_node_more_t, ranges), F(mib_node_more_t, indexes), F(mib_node_more_t, varbinds),
        F(mib_node_more_t, augments), F(mib_node_more_t, hint), F(mib_node_more_t, units),
        F(mib_node_more_t, defval), F(mib_node_more_t, modules),
        F(mib_node_more_t, reference_at),
        (uint32_t)sizeof(mib_module_t), F(mib_module_t, name), F(mib_module_t, file),
        F(mib_module_t, modid), F(mib_module_t, imports), F(mib_module_t, no_imports),
        F(mib_module_t, next), F(mib_module_t, hnext),
        (uint32_t)sizeof(mib_tc_t), F(mib_tc_t, type), F(mib_tc_t, modid),
        F(mib_tc_t, descriptor), F(mib_tc_t, hint), F(mib_tc_t, hnext), F(mib_tc_t, enums),
        F(mib_tc_t, ranges),
        (uint32_t)sizeof(mib_enum_t), F(mib_enum_t, label), F(mib_enum_t, value), F(mib_enum_t, next),
        (uint32_t)sizeof(mib_range_t), F(mib_range_t, low), F(mib_range_t, high), F(mib_range_t, next),
        (uint32_t)sizeof(mib_index_t), F(mib_index_t, label), F(mib_index_t, implied),
        F(mib_index_t, next),
        (uint32_t)sizeof(mib_varbind_t), F(mib_varbind_t, label), F(mib_varbind_t, next),
        (uint32_t)sizeof(mc_root_t), (uint32_t)sizeof(mc_header_t), (uint32_t)sizeof(mc_source_t),
    };
    return fnv32(l, sizeof l);
}
#undef F

/* The address a cache for key is written for: one of 1,024 slots of 4 GiB
 * from 0x3e0000000000, far from where Linux places the heap, libraries,
 * stacks and sanitizer shadows on 64-bit systems; 0 (relocated on every
 * load) elsewhere. */
static uint64_t
base_for(const char *key)
{
    if (sizeof(void *) < 8)
        return 0;
    return 0x3e0000000000ull + (uint64_t)(fnv32(key, strlen(key)) & 1023) * 0x100000000ull;
}

/* ---- writing --------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
    int failed;
} buf_t;

static void
buf_put(buf_t *b, const void *d, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->failed = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

typedef struct {
    buf_t img;                  /* the whole file, from offset 0 */
    buf_t relocs;               /* uint32 file offsets of the pointers */
    uint64_t base;
    uint32_t *shash;            /* open addressing: string offset + 1 */
    size_t shcap, shcount;
    const mib_node_t **nodes;   /* index -> node */
    size_t nnodes, capnodes;
    uintptr_t *phash;           /* pointer -> index + 1, open addressing */
    uint32_t *pidx;
    size_t phcap;
    uint32_t nodes_off, mods_off;
    int nmods;
    int failed;
} writer_t;

/* n zeroed bytes, 8-aligned: their offset */
static uint32_t
w_alloc(writer_t *w, size_t n)
{
    static const char z[64];
    while (w->img.len & 7)
        buf_put(&w->img, z, 1);
    uint32_t at = (uint32_t)w->img.len;
    for (size_t k = n; k > 0;) {
        size_t c = k < sizeof z ? k : sizeof z;
        buf_put(&w->img, z, c);
        k -= c;
    }
    if (w->img.len > 0xfffffff0u)
        w->failed = 1;
    return w->img.failed ? 0 : at;
}

/* The pointer at file offset slot points at file offset target. */
static void
w_ptr(writer_t *w, uint32_t slot, uint32_t target)
{
    if (target == NONE || w->img.failed || w->failed)
        return;
    uintptr_t v = (uintptr_t)(w->base + target);
    memcpy(w->img.p + slot, &v, sizeof v);
    buf_put(&w->relocs, &slot, sizeof slot);
}

static uint32_t
w_str(writer_t *w, const char *s)
{
    if (!s)
        return NONE;
    if (w->shcount * 2 >= w->shcap) {
        size_t cap = w->shcap ? w->shcap * 2 : 4096;
        uint32_t *nh = calloc(cap, sizeof *nh);
        if (!nh) {
            w->failed = 1;
            return NONE;
        }
        for (size_t i = 0; i < w->shcap; i++)
            if (w->shash[i]) {
                const char *t = w->img.p + w->shash[i] - 1;
                size_t j = fnv32(t, strlen(t)) & (cap - 1);
                while (nh[j])
                    j = (j + 1) & (cap - 1);
                nh[j] = w->shash[i];
            }
        free(w->shash);
        w->shash = nh;
        w->shcap = cap;
    }
    size_t n = strlen(s);
    size_t j = fnv32(s, n) & (w->shcap - 1);
    while (w->shash[j]) {
        if (!strcmp(w->img.p + w->shash[j] - 1, s))
            return w->shash[j] - 1;
        j = (j + 1) & (w->shcap - 1);
    }
    uint32_t off = (uint32_t)w->img.len;
    buf_put(&w->img, s, n + 1);
    if (w->img.failed) {
        w->failed = 1;
        return NONE;
    }
    w->shash[j] = off + 1;
    w->shcount++;
    return off;
}

/* A list (enums, ranges, indexes, varbinds) as an array whose elements
 * are chained by next, as the parser chains them. */
#define W_LIST(fn, type, strfield)                                              \
static uint32_t                                                                 \
fn(writer_t *w, const type *e)                                                  \
{                                                                               \
    uint32_t n = 0;                                                             \
    for (const type *p = e; p; p = p->next)                                     \
        n++;                                                                    \
    if (!n)                                                                     \
        return NONE;                                                            \
    uint32_t at = w_alloc(w, n * sizeof(type));                                 \
    for (uint32_t i = 0; e && !w->failed && !w->img.failed; e = e->next, i++) { \
        uint32_t el = at + i * (uint32_t)sizeof(type);                          \
        type copy = *e;                                                         \
        copy.next = NULL;                                                       \
        copy.strfield = NULL;                                                   \
        uint32_t s = W_LIST_STR(w, e->strfield);                                \
        memcpy(w->img.p + el, &copy, sizeof copy);                              \
        w_ptr(w, el + (uint32_t)offsetof(type, strfield), s);                   \
        w_ptr(w, el + (uint32_t)offsetof(type, next),                           \
              i + 1 < n ? el + (uint32_t)sizeof(type) : NONE);                  \
    }                                                                           \
    return at;                                                                  \
}
#define W_LIST_STR(w, s) w_str(w, s)
W_LIST(w_enums, mib_enum_t, label)
W_LIST(w_indexes, mib_index_t, label)
W_LIST(w_varbinds, mib_varbind_t, label)
#undef W_LIST_STR

static uint32_t
w_ranges(writer_t *w, const mib_range_t *r)
{
    uint32_t n = 0;
    for (const mib_range_t *p = r; p; p = p->next)
        n++;
    if (!n)
        return NONE;
    uint32_t at = w_alloc(w, n * sizeof(mib_range_t));
    for (uint32_t i = 0; r && !w->img.failed; r = r->next, i++) {
        uint32_t el = at + i * (uint32_t)sizeof(mib_range_t);
        mib_range_t copy = { r->low, r->high, NULL };
        memcpy(w->img.p + el, &copy, sizeof copy);
        w_ptr(w, el + (uint32_t)offsetof(mib_range_t, next),
              i + 1 < n ? el + (uint32_t)sizeof(mib_range_t) : NONE);
    }
    return at;
}

static size_t
ptr_slot(writer_t *w, const void *p)
{
    size_t j = (size_t)(((uintptr_t)p >> 4) * 2654435761u) & (w->phcap - 1);
    while (w->phash[j] && w->phash[j] != (uintptr_t)p)
        j = (j + 1) & (w->phcap - 1);
    return j;
}

/* The file offset of node n (NONE for NULL; a node outside the tree and
 * the label chains fails the write). */
static uint32_t
w_node_at(writer_t *w, const mib_node_t *n)
{
    if (!n)
        return NONE;
    size_t j = ptr_slot(w, n);
    if (!w->phash[j]) {
        w->failed = 1;
        return NONE;
    }
    return w->nodes_off + w->pidx[j] * (uint32_t)sizeof(mib_node_t);
}

/* The file offset of module mp. */
static uint32_t
w_mod_at(writer_t *w, mib_t *m, const mib_module_t *mp)
{
    if (!mp)
        return NONE;
    if (mp->modid < 0 || mp->modid >= w->nmods || m->modules[mp->modid] != mp) {
        w->failed = 1;
        return NONE;
    }
    return w->mods_off + (uint32_t)mp->modid * (uint32_t)sizeof(mib_module_t);
}

static int
node_add(writer_t *w, const mib_node_t *n)
{
    if (w->nnodes * 2 >= w->phcap) {
        size_t cap = w->phcap ? w->phcap * 2 : 65536;
        uintptr_t *nh = calloc(cap, sizeof *nh);
        uint32_t *ni = calloc(cap, sizeof *ni);
        if (!nh || !ni) {
            free(nh);
            free(ni);
            return -1;
        }
        uintptr_t *oh = w->phash;
        uint32_t *oi = w->pidx;
        size_t ocap = w->phcap;
        w->phash = nh;
        w->pidx = ni;
        w->phcap = cap;
        for (size_t i = 0; i < ocap; i++)
            if (oh[i]) {
                size_t j = ptr_slot(w, (const void *)oh[i]);
                nh[j] = oh[i];
                ni[j] = oi[i];
            }
        free(oh);
        free(oi);
    }
    if (w->nnodes == w->capnodes) {
        size_t cap = w->capnodes ? w->capnodes * 2 : 4096;
        const mib_node_t **nn = realloc(w->nodes, cap * sizeof *nn);
        if (!nn)
            return -1;
        w->nodes = nn;
        w->capnodes = cap;
    }
    size_t j = ptr_slot(w, n);
    if (w->phash[j])
        return 0;
    w->phash[j] = (uintptr_t)n;
    w->pidx[j] = (uint32_t)w->nnodes;
    w->nodes[w->nnodes++] = n;
    return 0;
}

/* Every node of the tree (depth first, iteratively) and of the label
 * hash chains. */
static int
collect_nodes(writer_t *w, mib_t *m)
{
    for (const mib_node_t *r = m->tree_head; r; r = r->peer) {
        const mib_node_t *n = r;
        for (;;) {
            if (node_add(w, n))
                return -1;
            if (n->child) {
                n = n->child;
                continue;
            }
            while (n != r && !n->peer)
                n = n->parent;
            if (n == r)
                break;
            n = n->peer;
        }
    }
    for (size_t b = 0; b < THASH; b++)
        for (const mib_node_t *n = m->tbuckets[b]; n; n = n->hnext)
            if (node_add(w, n))
                return -1;
    return 0;
}

#define PTR(wr, at, type, field, target) w_ptr((wr), (at) + (uint32_t)offsetof(type, field), (target))

/* A node's record of rare clauses: its file offset, or NONE. */
static uint32_t
w_more(writer_t *w, const mib_node_t *n)
{
    const mib_node_more_t *x = n->more;
    if (!x)
        return NONE;
    uint32_t modules = NONE;
    if (n->nmodules > 1 && x->modules) {
        modules = w_alloc(w, (size_t)n->nmodules * sizeof(int));
        if (!w->img.failed)
            memcpy(w->img.p + modules, x->modules, (size_t)n->nmodules * sizeof(int));
    }
    uint32_t enums = w_enums(w, x->enums), ranges = w_ranges(w, x->ranges);
    uint32_t indexes = w_indexes(w, x->indexes), varbinds = w_varbinds(w, x->varbinds);
    uint32_t augments = w_str(w, x->augments), hint = w_str(w, x->hint);
    uint32_t units = w_str(w, x->units), defval = w_str(w, x->defval);
    uint32_t at = w_alloc(w, sizeof(mib_node_more_t));
    if (w->failed || w->img.failed)
        return NONE;
    mib_node_more_t c;
    memset(&c, 0, sizeof c);
    c.reference_at = x->reference_at;
    memcpy(w->img.p + at, &c, sizeof c);
    PTR(w, at, mib_node_more_t, enums, enums);
    PTR(w, at, mib_node_more_t, ranges, ranges);
    PTR(w, at, mib_node_more_t, indexes, indexes);
    PTR(w, at, mib_node_more_t, varbinds, varbinds);
    PTR(w, at, mib_node_more_t, augments, augments);
    PTR(w, at, mib_node_more_t, hint, hint);
    PTR(w, at, mib_node_more_t, units, units);
    PTR(w, at, mib_node_more_t, defval, defval);
    PTR(w, at, mib_node_more_t, modules, modules);
    return at;
}

static void
w_node(writer_t *w, size_t i)
{
    const mib_node_t *n = w->nodes[i];
    uint32_t at = w->nodes_off + (uint32_t)i * (uint32_t)sizeof(mib_node_t);
    /* what the pointers point at first (the image grows), then the node */
    /* tree nodes only: their plabel and next are their parent and hnext */
    uint32_t label = w_str(w, n->label), file = w_str(w, n->file);
    uint32_t more = w_more(w, n);
    if (w->failed || w->img.failed)
        return;
    mib_node_t c;
    memset(&c, 0, sizeof c);
    c.subid = n->subid;
    c.modid = n->modid;
    c.nmodules = n->nmodules;
    c.type = n->type;
    c.access = n->access;
    c.status = n->status;
    c.tc = n->tc;
    c.description_at = n->description_at;
    c.line = n->line;
    memcpy(w->img.p + at, &c, sizeof c);
    PTR(w, at, mib_node_t, label, label);
    PTR(w, at, mib_node_t, file, file);
    PTR(w, at, mib_node_t, more, more);
    PTR(w, at, mib_node_t, parent, w_node_at(w, n->parent));
    PTR(w, at, mib_node_t, child, w_node_at(w, n->child));
    PTR(w, at, mib_node_t, peer, w_node_at(w, n->peer));
    PTR(w, at, mib_node_t, hnext, w_node_at(w, n->hnext));
}

static void
source_put(writer_t *w, buf_t *out, const char *path, int isdir)
{
    mc_source_t s = { w_str(w, path), (uint32_t)isdir, -1, 0, 0 };
    struct stat st;
    if (stat(path, &st) == 0) {
        s.size = isdir ? 0 : (int64_t)st.st_size;
        s.mtime_s = (int64_t)st.st_mtim.tv_sec;
        s.mtime_ns = (int64_t)st.st_mtim.tv_nsec;
    }
    buf_put(out, &s, sizeof s);
}

/* The directories of the search path and every file in them that
 * add_mibdir would look at, and the files loaded by path. */
static uint32_t
sources_put(writer_t *w, mib_t *m, buf_t *out)
{
    uint32_t count = 0;
    char *copy = m->dirs ? strdup(m->dirs) : NULL, *save = NULL;
    for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
        source_put(w, out, d, 1);
        count++;
        DIR *dir = opendir(d);
        struct dirent *e;
        if (!dir)
            continue;
        while ((e = readdir(dir))) {
            size_t n = strlen(e->d_name);
            char path[4096];
            struct stat st;
            if (n == 0 || e->d_name[0] == '.' || e->d_name[0] == '#' ||
                e->d_name[n - 1] == '#' || e->d_name[n - 1] == '~')
                continue;
            snprintf(path, sizeof path, "%s/%s", d, e->d_name);
            if (stat(path, &st) != 0 || S_ISDIR(st.st_mode))
                continue;
            source_put(w, out, path, 0);
            count++;
        }
        closedir(dir);
    }
    free(copy);
    for (const char *j = m->journal; j && *j;) {
        const char *nl = strchr(j, '\n');
        size_t n = nl ? (size_t)(nl - j) : strlen(j);
        if (memchr(j, '/', n) && n < 4096) {
            char path[4096];
            memcpy(path, j, n);
            path[n] = 0;
            source_put(w, out, path, 0);
            count++;
        }
        j += n + (nl ? 1 : 0);
    }
    return count;
}

static int
mkdirs(const char *path)
{
    char tmp[4096];
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path || (size_t)(slash - path) >= sizeof tmp)
        return 0;
    memcpy(tmp, path, (size_t)(slash - path));
    tmp[slash - path] = 0;
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(tmp, 0700);
            *p = '/';
        }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

int
mibcache_save(mib_t *m, const char *path, const char *key)
{
    writer_t w = { 0 };
    buf_t src = { 0 };
    mc_header_t h;
    int rc = -1;
    char tmp[4200];

    if (m->cached || collect_nodes(&w, m))
        goto done;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MC_MAGIC, 8);
    h.version = MC_VERSION;
    h.layout = layout_sum();
    h.base = w.base = base_for(key);
    w_alloc(&w, sizeof h);      /* the header, written last */
    h.key = w_str(&w, key);
    h.dirs = w_str(&w, m->dirs ? m->dirs : "");
    h.journal = w_str(&w, m->journal ? m->journal : "");
    h.errors = w_str(&w, m->errbuf && m->errlen ? m->errbuf : "");
    h.nerrors = (uint32_t)m->nerrors;
    h.nsources = sources_put(&w, m, &src);
    h.sources_off = w_alloc(&w, src.len);
    if (!w.img.failed && !src.failed && src.len)
        memcpy(w.img.p + h.sources_off, src.p, src.len);
    h.root_off = w_alloc(&w, sizeof(mc_root_t));

    /* every node, module and TC has its place before anything points at it */
    w.nmods = m->nmodules;
    w.nodes_off = w_alloc(&w, w.nnodes * sizeof(mib_node_t));
    w.mods_off = w_alloc(&w, (size_t)m->nmodules * sizeof(mib_module_t));
    uint32_t modarr = w_alloc(&w, (size_t)m->nmodules * sizeof(mib_module_t *));
    uint32_t tcs = w_alloc(&w, (size_t)m->ntcs * sizeof(mib_tc_t));
    for (size_t i = 0; i < w.nnodes && !w.failed; i++)
        w_node(&w, i);
    for (int i = 0; i < m->nmodules && !w.failed && !w.img.failed; i++) {
        const mib_module_t *mp = m->modules[i];
        uint32_t at = w.mods_off + (uint32_t)i * (uint32_t)sizeof(mib_module_t);
        uint32_t name = w_str(&w, mp->name), file = w_str(&w, mp->file);
        mib_module_t c;
        memset(&c, 0, sizeof c);
        c.modid = i;
        c.no_imports = mp->no_imports != -1 ? 0 : -1;
        if (w.img.failed || mp->modid != i)
            break;
        memcpy(w.img.p + at, &c, sizeof c);
        PTR(&w, at, mib_module_t, name, name);
        PTR(&w, at, mib_module_t, file, file);
        PTR(&w, at, mib_module_t, next, w_mod_at(&w, m, mp->next));
        PTR(&w, at, mib_module_t, hnext, w_mod_at(&w, m, mp->hnext));
        w_ptr(&w, modarr + (uint32_t)i * (uint32_t)sizeof(mib_module_t *), at);
    }
    for (int i = 0; i < m->ntcs && !w.failed && !w.img.failed; i++) {
        const mib_tc_t *t = &m->tcs[i];
        uint32_t at = tcs + (uint32_t)i * (uint32_t)sizeof(mib_tc_t);
        uint32_t desc = w_str(&w, t->descriptor), hint = w_str(&w, t->hint);
        uint32_t enums = w_enums(&w, t->enums), ranges = w_ranges(&w, t->ranges);
        mib_tc_t c;
        memset(&c, 0, sizeof c);
        c.type = t->type;
        c.modid = t->modid;
        c.hnext = t->hnext;
        if (w.img.failed)
            break;
        memcpy(w.img.p + at, &c, sizeof c);
        PTR(&w, at, mib_tc_t, descriptor, desc);
        PTR(&w, at, mib_tc_t, hint, hint);
        PTR(&w, at, mib_tc_t, enums, enums);
        PTR(&w, at, mib_tc_t, ranges, ranges);
    }
    if (w.failed || w.img.failed)
        goto done;
    {
        uint32_t at = h.root_off;
        mc_root_t *r = (mc_root_t *)(w.img.p + at);
        r->nmodules = m->nmodules;
        r->ntcs = m->ntcs;
        memcpy(r->tcbuckets, m->tcbuckets, sizeof r->tcbuckets);
        PTR(&w, at, mc_root_t, tree_head, w_node_at(&w, m->tree_head));
        PTR(&w, at, mc_root_t, module_head, w_mod_at(&w, m, m->module_head));
        PTR(&w, at, mc_root_t, modules, m->nmodules ? modarr : NONE);
        PTR(&w, at, mc_root_t, tcs, m->ntcs ? tcs : NONE);
        for (uint32_t b = 0; b < THASH; b++)
            w_ptr(&w, at + (uint32_t)offsetof(mc_root_t, tbuckets) + b * (uint32_t)sizeof(void *),
                  w_node_at(&w, m->tbuckets[b]));
        for (uint32_t b = 0; b < MHASH; b++)
            w_ptr(&w, at + (uint32_t)offsetof(mc_root_t, mbuckets) + b * (uint32_t)sizeof(void *),
                  w_mod_at(&w, m, m->mbuckets[b]));
    }
    h.nrelocs = (uint32_t)(w.relocs.len / sizeof(uint32_t));
    h.relocs_off = w_alloc(&w, w.relocs.len);
    if (w.failed || w.img.failed || w.relocs.failed || src.failed)
        goto done;
    memcpy(w.img.p + h.relocs_off, w.relocs.p, w.relocs.len);
    w_alloc(&w, 0);             /* the length a multiple of 8 */
    if (w.failed || w.img.failed)
        goto done;
    h.total_len = w.img.len;
    h.hdr_sum = 0;
    h.hdr_sum = fnv32(&h, sizeof h);
    memcpy(w.img.p, &h, sizeof h);

    if (mkdirs(path))
        goto done;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        goto done;
    size_t off = 0;
    while (off < w.img.len) {
        ssize_t k = write(fd, w.img.p + off, w.img.len - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    if (close(fd) != 0 || off != w.img.len || rename(tmp, path) != 0) {
        unlink(tmp);
        goto done;
    }
    rc = 0;
done:
    free(w.img.p);
    free(w.relocs.p);
    free(w.shash);
    free(w.nodes);
    free(w.phash);
    free(w.pidx);
    free(src.p);
    return rc;
}
#undef PTR

/* ---- loading --------------------------------------------------------- */

static void
set_why(char *why, size_t cap, const char *fmt, const char *arg)
{
    if (why && cap)
        snprintf(why, cap, fmt, arg ? arg : "");
}

/* 1 when a source no longer is as it was recorded. A file of the
 * directory dir (open as dfd, its path dirlen bytes) is looked up from
 * it: one name instead of the whole path, for each of thousands. */
static int
source_changed(const mc_source_t *s, const char *path, int dfd, const char *dir, size_t dirlen)
{
    struct stat st;
    int rc;
    if (dfd >= 0 && !strncmp(path, dir, dirlen) && path[dirlen] == '/' &&
        !strchr(path + dirlen + 1, '/'))
        rc = fstatat(dfd, path + dirlen + 1, &st, 0);
    else
        rc = stat(path, &st);
    if (rc != 0)
        return s->size != -1;
    if (s->size == -1)
        return 1;
    if (!s->isdir && (int64_t)st.st_size != s->size)
        return 1;
    return (int64_t)st.st_mtim.tv_sec != s->mtime_s ||
           (int64_t)st.st_mtim.tv_nsec != s->mtime_ns;
}

static int
in_range(const mc_header_t *h, uint32_t off, uint64_t n, size_t rec)
{
    return off % 8 == 0 && (uint64_t)off + n * rec <= h->total_len;
}

/* The NUL-terminated string at file offset off, or NULL. */
static const char *
map_str(const char *map, size_t len, uint32_t off)
{
    if (off >= len || !memchr(map + off, 0, len - off))
        return NULL;
    return map + off;
}

/* Moves every pointer of a file mapped at map instead of base. 0, or -1
 * when one is not where a pointer can be or points outside the file. */
static int
relocate(char *map, size_t len, const mc_header_t *h)
{
    const uint32_t *rel = (const uint32_t *)(map + h->relocs_off);
    uintptr_t delta = (uintptr_t)map - (uintptr_t)h->base;
    for (uint32_t i = 0; i < h->nrelocs; i++) {
        uint32_t off = rel[i];
        uintptr_t v;
        if (off % sizeof v || (uint64_t)off + sizeof v > len)
            return -1;
        memcpy(&v, map + off, sizeof v);
        if (v - (uintptr_t)h->base >= len)
            return -1;
        v += delta;
        memcpy(map + off, &v, sizeof v);
    }
    return 0;
}

static int
in_map(const char *map, size_t len, const void *p, size_t n)
{
    return (const char *)p >= map && (size_t)((const char *)p - map) <= len &&
           n <= len - (size_t)((const char *)p - map);
}

mib_t *
mibcache_load(const char *path, const char *key, char *why, size_t whycap)
{
    struct stat st;
    mc_header_t h;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_why(why, whycap, "missing", NULL);
        return NULL;
    }
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof h ||
        pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        close(fd);
        set_why(why, whycap, "corrupt: short", NULL);
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    uint32_t sum = h.hdr_sum;
    h.hdr_sum = 0;
    if (memcmp(h.magic, MC_MAGIC, 8) || h.version != MC_VERSION || h.layout != layout_sum() ||
        fnv32(&h, sizeof h) != sum || h.total_len != len || len > 0xfffffff0u ||
        !in_range(&h, h.sources_off, h.nsources, sizeof(mc_source_t)) ||
        !in_range(&h, h.root_off, 1, sizeof(mc_root_t)) ||
        !in_range(&h, h.relocs_off, h.nrelocs, sizeof(uint32_t))) {
        close(fd);
        set_why(why, whycap, "corrupt", NULL);
        return NULL;
    }
    /* at the base, copy-on-write: the pages stay shared until written
     * (a node's description read on demand, a search's marks) */
    void *want = (void *)(uintptr_t)h.base;
    char *map = mmap(want, len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | (want ? MAP_FIXED_NOREPLACE : 0), fd, 0);
    if (map == MAP_FAILED && want)
        map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        set_why(why, whycap, "unreadable", NULL);
        return NULL;
    }
    const char *k = map_str(map, len, h.key);
    const char *dirs = map_str(map, len, h.dirs);
    const char *journal = map_str(map, len, h.journal);
    const char *errors = map_str(map, len, h.errors);
    if (!k || !dirs || !journal || !errors) {
        munmap(map, len);
        set_why(why, whycap, "corrupt", NULL);
        return NULL;
    }
    if (strcmp(k, key)) {
        munmap(map, len);
        set_why(why, whycap, "stale: another request", NULL);
        return NULL;
    }
    const mc_source_t *src = (const mc_source_t *)(map + h.sources_off);
    const char *dir = NULL;
    int dfd = -1;
    for (uint32_t i = 0; i < h.nsources; i++) {
        const char *p = map_str(map, len, src[i].path);
        if (!p || source_changed(&src[i], p, dfd, dir, dir ? strlen(dir) : 0)) {
            if (dfd >= 0)
                close(dfd);
            set_why(why, whycap, "stale: %s", p ? p : "?");
            munmap(map, len);
            return NULL;
        }
        if (src[i].isdir) {
            /* the files after a directory are its own (sources_put) */
            if (dfd >= 0)
                close(dfd);
            dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            dir = p;
        }
    }
    if (dfd >= 0)
        close(dfd);
    int moved = map != (char *)want;
    if (moved && relocate(map, len, &h)) {
        munmap(map, len);
        set_why(why, whycap, "corrupt", NULL);
        return NULL;
    }
    const mc_root_t *r = (const mc_root_t *)(map + h.root_off);
    if (r->nmodules < 0 || r->ntcs < 0 ||
        (r->nmodules && !in_map(map, len, r->modules, (size_t)r->nmodules * sizeof *r->modules)) ||
        (r->ntcs && !in_map(map, len, r->tcs, (size_t)r->ntcs * sizeof *r->tcs))) {
        munmap(map, len);
        set_why(why, whycap, "corrupt", NULL);
        return NULL;
    }

    mib_t *m = mib_new();
    if (!m) {
        munmap(map, len);
        return NULL;
    }
    /* mib_new's three roots give way to the recorded tree */
    m->cache_map = map;
    m->cache_len = len;
    m->cached = 1;
    m->tree_head = r->tree_head;
    m->module_head = r->module_head;
    memcpy(m->tbuckets, r->tbuckets, sizeof m->tbuckets);
    memcpy(m->mbuckets, r->mbuckets, sizeof m->mbuckets);
    memcpy(m->tcbuckets, r->tcbuckets, sizeof m->tcbuckets);
    m->modules = malloc((r->nmodules ? (size_t)r->nmodules : 1) * sizeof *m->modules);
    m->tcs = malloc((r->ntcs ? (size_t)r->ntcs : 1) * sizeof *m->tcs);
    if (m->modules && r->nmodules)
        memcpy(m->modules, r->modules, (size_t)r->nmodules * sizeof *m->modules);
    if (m->tcs && r->ntcs)
        memcpy(m->tcs, r->tcs, (size_t)r->ntcs * sizeof *m->tcs);
    m->nmodules = m->capmodules = r->nmodules;
    m->ntcs = m->captcs = r->ntcs;
    m->dirs = *dirs ? strdup(dirs) : NULL;
    if (*journal) {
        m->journal_len = strlen(journal);
        m->journal = strdup(journal);
    }
    if (*errors) {
        m->errlen = strlen(errors);
        m->errcap = m->errlen + 1;
        m->errbuf = strdup(errors);
        if (!m->errbuf)
            m->errlen = m->errcap = 0;
    }
    m->nerrors = (int)h.nerrors;
    if (!m->modules || !m->tcs) {
        mib_free(m);
        set_why(why, whycap, "out of memory", NULL);
        return NULL;
    }
    set_why(why, whycap, moved ? "ok: relocated" : "ok", NULL);
    return m;
}

void
mibcache_release(mib_t *m)
{
    if (m->cache_map)
        munmap(m->cache_map, m->cache_len);
    m->cache_map = NULL;
    m->cache_len = 0;
}

void
mibcache_materialize(mib_t *m)
{
    mib_t *f = mib_new();
    if (!f)
        return;
    m->cached = 0;
    if (m->dirs)
        mib_add_dirs(f, m->dirs);
    for (const char *j = m->journal; j && *j;) {
        const char *nl = strchr(j, '\n');
        size_t n = nl ? (size_t)(nl - j) : strlen(j);
        char *name = strndup(j, n);
        if (name) {
            mib_load(f, name);
            free(name);
        }
        j += n + (nl ? 1 : 0);
    }
    mib_adopt_orphans(f);
    /* the loads' errors were reported when the cache was written; keep
     * what m had not handed out yet */
    free(f->errbuf);
    f->errbuf = m->errbuf;
    f->errlen = m->errlen;
    f->errcap = m->errcap;
    f->nerrors = m->nerrors;
    m->errbuf = NULL;
    mib_t *old = malloc(sizeof *old);
    if (!old) {
        mib_free(f);
        return;
    }
    *old = *m;
    *m = *f;
    for (int i = 0; i < m->nmodules; i++)
        if (m->modules[i]->imports == f->root_imports)
            m->modules[i]->imports = m->root_imports;
    free(f);
    mib_free(old);
}
