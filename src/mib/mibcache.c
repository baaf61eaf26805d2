/* mibcache.c - the compiled MIB cache (see mibcache.h).
 *
 * Layout: a fixed header, then sections the header points at (offsets from
 * the start of the file, 8-byte aligned): the string pool (NUL-terminated,
 * each string once), the list pool (uint32 words: a list is its count then
 * its items), and arrays of fixed records for sources, modules, textual
 * conventions, nodes and label hash chains. A string or list reference
 * NONE is NULL; a node index NONE is no node. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mibcache.h"
#include "mibint.h"

#define MC_MAGIC "MWMIBC\r\n"
#define MC_VERSION 1u
#define NONE 0xffffffffu

typedef struct {
    char magic[8];
    uint32_t version, hdr_sum;  /* hdr_sum: FNV-1a of the header with it 0 */
    uint64_t total_len;
    uint32_t sizes;             /* sizeof of the records, a layout check */
    uint32_t key;               /* string */
    uint32_t strings_off, strings_len;
    uint32_t lists_off, lists_len;   /* in words */
    uint32_t sources_off, nsources;
    uint32_t modules_off, nmodules;
    uint32_t tcs_off, ntcs;
    uint32_t nodes_off, nnodes;
    uint32_t buckets_off, nbuckets;  /* (bucket, node) pairs */
    uint32_t tree_head;
    uint32_t dirs, journal, errors;  /* strings */
    uint32_t nerrors, pad;
} mc_header_t;

typedef struct {
    uint32_t path, isdir;
    int64_t size, mtime_s, mtime_ns;    /* size -1: did not exist */
} mc_source_t;

typedef struct {
    uint32_t name, file, loaded, pad;
} mc_module_t;

typedef struct {
    int32_t type, modid;
    uint32_t descriptor, hint, enums, ranges;
} mc_tc_t;

typedef struct {
    uint32_t label, plabel;
    int64_t subid;
    int32_t modid, type, access, status, tc, line;
    uint32_t modules, enums, ranges, indexes, varbinds;
    uint32_t augments, hint, units, defval, file;
    uint32_t desc_off, desc_len, ref_off, ref_len;
    uint32_t parent, child, peer, hnext;
} mc_node_t;

#define MC_SIZES ((uint32_t)(sizeof(mc_header_t) << 24 | sizeof(mc_source_t) << 16 | \
                             sizeof(mc_tc_t) << 8 | sizeof(mc_node_t)))

static uint32_t
fnv32(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t h = 2166136261u;
    while (n--)
        h = (h ^ *s++) * 16777619u;
    return h;
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
    buf_t strings, lists;
    uint32_t *shash;            /* open addressing: string offset + 1 */
    size_t shcap, shcount;
    const mib_node_t **nodes;   /* index -> node */
    size_t nnodes, capnodes;
    uintptr_t *phash;           /* pointer -> index + 1, open addressing */
    uint32_t *pidx;
    size_t phcap;
    int failed;
} writer_t;

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
                size_t j = fnv32(w->strings.p + w->shash[i] - 1,
                                 strlen(w->strings.p + w->shash[i] - 1)) & (cap - 1);
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
        if (!strcmp(w->strings.p + w->shash[j] - 1, s))
            return w->shash[j] - 1;
        j = (j + 1) & (w->shcap - 1);
    }
    uint32_t off = (uint32_t)w->strings.len;
    buf_put(&w->strings, s, n + 1);
    w->shash[j] = off + 1;
    w->shcount++;
    return off;
}

static void
w_word(writer_t *w, uint32_t v)
{
    buf_put(&w->lists, &v, sizeof v);
}

static uint32_t
w_list_start(writer_t *w, uint32_t count)
{
    uint32_t at = (uint32_t)(w->lists.len / 4);
    w_word(w, count);
    return at;
}

static uint32_t
w_enums(writer_t *w, const mib_enum_t *e)
{
    uint32_t n = 0;
    for (const mib_enum_t *p = e; p; p = p->next)
        n++;
    if (!n)
        return NONE;
    uint32_t at = w_list_start(w, n);
    for (; e; e = e->next) {
        w_word(w, w_str(w, e->label));
        w_word(w, (uint32_t)e->value);
    }
    return at;
}

static uint32_t
w_ranges(writer_t *w, const mib_range_t *r)
{
    uint32_t n = 0;
    for (const mib_range_t *p = r; p; p = p->next)
        n++;
    if (!n)
        return NONE;
    uint32_t at = w_list_start(w, n);
    for (; r; r = r->next) {
        w_word(w, (uint32_t)r->low);
        w_word(w, (uint32_t)r->high);
    }
    return at;
}

static uint32_t
w_indexes(writer_t *w, const mib_index_t *x)
{
    uint32_t n = 0;
    for (const mib_index_t *p = x; p; p = p->next)
        n++;
    if (!n)
        return NONE;
    uint32_t at = w_list_start(w, n);
    for (; x; x = x->next) {
        w_word(w, w_str(w, x->label));
        w_word(w, (uint32_t)x->implied);
    }
    return at;
}

static uint32_t
w_varbinds(writer_t *w, const mib_varbind_t *v)
{
    uint32_t n = 0;
    for (const mib_varbind_t *p = v; p; p = p->next)
        n++;
    if (!n)
        return NONE;
    uint32_t at = w_list_start(w, n);
    for (; v; v = v->next)
        w_word(w, w_str(w, v->label));
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

static uint32_t
node_index(writer_t *w, const mib_node_t *n)
{
    if (!n)
        return NONE;
    size_t j = ptr_slot(w, n);
    return w->phash[j] ? w->pidx[j] : NONE;
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

static void
pad8(buf_t *b)
{
    static const char z[8];
    if (b->len & 7)
        buf_put(b, z, 8 - (b->len & 7));
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
    buf_t src = { 0 }, mods = { 0 }, tcs = { 0 }, nodes = { 0 }, buckets = { 0 }, file = { 0 };
    mc_header_t h;
    int rc = -1;
    char tmp[4200];

    if (m->cached || collect_nodes(&w, m))
        goto done;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MC_MAGIC, 8);
    h.version = MC_VERSION;
    h.sizes = MC_SIZES;
    w_str(&w, "");              /* offset 0 is the empty string */
    h.key = w_str(&w, key);
    h.dirs = w_str(&w, m->dirs);
    h.journal = w_str(&w, m->journal ? m->journal : "");
    h.errors = w_str(&w, m->errbuf && m->errlen ? m->errbuf : "");
    h.nerrors = (uint32_t)m->nerrors;
    h.nsources = sources_put(&w, m, &src);
    h.nmodules = (uint32_t)m->nmodules;
    for (int i = 0; i < m->nmodules; i++) {
        mc_module_t r = { w_str(&w, m->modules[i]->name), w_str(&w, m->modules[i]->file),
                          m->modules[i]->no_imports != -1, 0 };
        buf_put(&mods, &r, sizeof r);
    }
    h.ntcs = (uint32_t)m->ntcs;
    for (int i = 0; i < m->ntcs; i++) {
        const mib_tc_t *t = &m->tcs[i];
        mc_tc_t r = { t->type, t->modid, w_str(&w, t->descriptor), w_str(&w, t->hint),
                      w_enums(&w, t->enums), w_ranges(&w, t->ranges) };
        buf_put(&tcs, &r, sizeof r);
    }
    h.nnodes = (uint32_t)w.nnodes;
    for (size_t i = 0; i < w.nnodes; i++) {
        const mib_node_t *n = w.nodes[i];
        mc_node_t r;
        memset(&r, 0, sizeof r);
        r.label = w_str(&w, n->label);
        r.plabel = w_str(&w, n->plabel);
        r.subid = n->subid;
        r.modid = n->modid;
        r.type = n->type;
        r.access = n->access;
        r.status = n->status;
        r.tc = n->tc;
        r.line = n->line;
        if (n->nmodules > 0 && n->modules) {
            r.modules = w_list_start(&w, (uint32_t)n->nmodules);
            for (int k = 0; k < n->nmodules; k++)
                w_word(&w, (uint32_t)n->modules[k]);
        } else {
            r.modules = NONE;
        }
        r.enums = w_enums(&w, n->enums);
        r.ranges = w_ranges(&w, n->ranges);
        r.indexes = w_indexes(&w, n->indexes);
        r.varbinds = w_varbinds(&w, n->varbinds);
        r.augments = w_str(&w, n->augments);
        r.hint = w_str(&w, n->hint);
        r.units = w_str(&w, n->units);
        r.defval = w_str(&w, n->defval);
        r.file = w_str(&w, n->file);
        r.desc_off = n->description_at.off;
        r.desc_len = n->description_at.len;
        r.ref_off = n->reference_at.off;
        r.ref_len = n->reference_at.len;
        r.parent = node_index(&w, n->parent);
        r.child = node_index(&w, n->child);
        r.peer = node_index(&w, n->peer);
        r.hnext = node_index(&w, n->hnext);
        buf_put(&nodes, &r, sizeof r);
    }
    h.tree_head = node_index(&w, m->tree_head);
    for (uint32_t b = 0; b < THASH; b++)
        if (m->tbuckets[b]) {
            uint32_t pair[2] = { b, node_index(&w, m->tbuckets[b]) };
            buf_put(&buckets, pair, sizeof pair);
            h.nbuckets++;
        }
    if (w.failed || w.strings.failed || w.lists.failed || src.failed || mods.failed ||
        tcs.failed || nodes.failed || buckets.failed)
        goto done;

    buf_put(&file, &h, sizeof h);
    pad8(&file);
#define SECTION(field, b) do { pad8(&file); h.field = (uint32_t)file.len; \
        buf_put(&file, (b).p, (b).len); } while (0)
    SECTION(strings_off, w.strings);
    h.strings_len = (uint32_t)w.strings.len;
    SECTION(lists_off, w.lists);
    h.lists_len = (uint32_t)(w.lists.len / 4);
    SECTION(sources_off, src);
    SECTION(modules_off, mods);
    SECTION(tcs_off, tcs);
    SECTION(nodes_off, nodes);
    SECTION(buckets_off, buckets);
#undef SECTION
    pad8(&file);
    if (file.failed || file.len > 0xfffffff0u)
        goto done;
    h.total_len = file.len;
    h.hdr_sum = 0;
    h.hdr_sum = fnv32(&h, sizeof h);
    memcpy(file.p, &h, sizeof h);

    if (mkdirs(path))
        goto done;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        goto done;
    size_t off = 0;
    while (off < file.len) {
        ssize_t k = write(fd, file.p + off, file.len - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    if (close(fd) != 0 || off != file.len || rename(tmp, path) != 0) {
        unlink(tmp);
        goto done;
    }
    rc = 0;
done:
    free(w.strings.p);
    free(w.lists.p);
    free(w.shash);
    free(w.nodes);
    free(w.phash);
    free(w.pidx);
    free(src.p);
    free(mods.p);
    free(tcs.p);
    free(nodes.p);
    free(buckets.p);
    free(file.p);
    return rc;
}

/* ---- loading --------------------------------------------------------- */

typedef struct {
    const char *base;
    const mc_header_t *h;
    const uint32_t *lists;
    int bad;
} reader_t;

static const char *
r_str(reader_t *r, uint32_t ref)
{
    if (ref == NONE)
        return NULL;
    if (ref >= r->h->strings_len) {
        r->bad = 1;
        return NULL;
    }
    return r->base + r->h->strings_off + ref;
}

/* The list at ref: its count, and its items (width words each) in *items. */
static uint32_t
r_list(reader_t *r, uint32_t ref, uint32_t width, const uint32_t **items)
{
    if (ref == NONE)
        return 0;
    if (ref >= r->h->lists_len) {
        r->bad = 1;
        return 0;
    }
    uint32_t n = r->lists[ref];
    if ((uint64_t)ref + 1 + (uint64_t)n * width > r->h->lists_len) {
        r->bad = 1;
        return 0;
    }
    *items = r->lists + ref + 1;
    return n;
}

static mib_enum_t *
r_enums(reader_t *r, mib_t *m, uint32_t ref)
{
    const uint32_t *it = NULL;
    uint32_t n = r_list(r, ref, 2, &it);
    mib_enum_t *head = NULL, **tail = &head;
    if (!n)
        return NULL;
    mib_enum_t *e = mib_arena_alloc(m, n * sizeof *e);
    for (uint32_t i = 0; i < n; i++) {
        e[i].label = r_str(r, it[2 * i]);
        if (!e[i].label)
            r->bad = 1;
        e[i].value = (int32_t)it[2 * i + 1];
        *tail = &e[i];
        tail = &e[i].next;
    }
    return head;
}

static mib_range_t *
r_ranges(reader_t *r, mib_t *m, uint32_t ref)
{
    const uint32_t *it = NULL;
    uint32_t n = r_list(r, ref, 2, &it);
    mib_range_t *head = NULL, **tail = &head;
    if (!n)
        return NULL;
    mib_range_t *e = mib_arena_alloc(m, n * sizeof *e);
    for (uint32_t i = 0; i < n; i++) {
        e[i].low = (int32_t)it[2 * i];
        e[i].high = (int32_t)it[2 * i + 1];
        *tail = &e[i];
        tail = &e[i].next;
    }
    return head;
}

static mib_index_t *
r_indexes(reader_t *r, mib_t *m, uint32_t ref)
{
    const uint32_t *it = NULL;
    uint32_t n = r_list(r, ref, 2, &it);
    mib_index_t *head = NULL, **tail = &head;
    if (!n)
        return NULL;
    mib_index_t *e = mib_arena_alloc(m, n * sizeof *e);
    for (uint32_t i = 0; i < n; i++) {
        e[i].label = r_str(r, it[2 * i]);
        if (!e[i].label)
            r->bad = 1;
        e[i].implied = (int)it[2 * i + 1];
        *tail = &e[i];
        tail = &e[i].next;
    }
    return head;
}

static mib_varbind_t *
r_varbinds(reader_t *r, mib_t *m, uint32_t ref)
{
    const uint32_t *it = NULL;
    uint32_t n = r_list(r, ref, 1, &it);
    mib_varbind_t *head = NULL, **tail = &head;
    if (!n)
        return NULL;
    mib_varbind_t *e = mib_arena_alloc(m, n * sizeof *e);
    for (uint32_t i = 0; i < n; i++) {
        e[i].label = r_str(r, it[i]);
        if (!e[i].label)
            r->bad = 1;
        *tail = &e[i];
        tail = &e[i].next;
    }
    return head;
}

static void
set_why(char *why, size_t cap, const char *fmt, const char *arg)
{
    if (why && cap)
        snprintf(why, cap, fmt, arg ? arg : "");
}

/* 1 when a source no longer is as it was recorded. */
static int
source_changed(const mc_source_t *s, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
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

mib_t *
mibcache_load(const char *path, const char *key, char *why, size_t whycap)
{
    struct stat st;
    mib_t *m = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        set_why(why, whycap, "missing", NULL);
        return NULL;
    }
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(mc_header_t)) {
        close(fd);
        set_why(why, whycap, "corrupt: short", NULL);
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        set_why(why, whycap, "unreadable", NULL);
        return NULL;
    }
    mc_header_t h;
    memcpy(&h, map, sizeof h);
    uint32_t sum = h.hdr_sum;
    h.hdr_sum = 0;
    if (memcmp(h.magic, MC_MAGIC, 8) || h.version != MC_VERSION || h.sizes != MC_SIZES ||
        fnv32(&h, sizeof h) != sum || h.total_len != len ||
        !in_range(&h, h.strings_off, h.strings_len, 1) || h.strings_len == 0 ||
        ((const char *)map)[h.strings_off + h.strings_len - 1] != 0 ||
        !in_range(&h, h.lists_off, h.lists_len, 4) ||
        !in_range(&h, h.sources_off, h.nsources, sizeof(mc_source_t)) ||
        !in_range(&h, h.modules_off, h.nmodules, sizeof(mc_module_t)) ||
        !in_range(&h, h.tcs_off, h.ntcs, sizeof(mc_tc_t)) ||
        !in_range(&h, h.nodes_off, h.nnodes, sizeof(mc_node_t)) ||
        !in_range(&h, h.buckets_off, h.nbuckets, 8)) {
        munmap(map, len);
        set_why(why, whycap, "corrupt", NULL);
        return NULL;
    }
    const mc_header_t *hp = map;
    reader_t r = { map, hp, (const uint32_t *)((const char *)map + h.lists_off), 0 };
    const char *k = r_str(&r, h.key);
    if (!k || strcmp(k, key)) {
        munmap(map, len);
        set_why(why, whycap, "stale: another request", NULL);
        return NULL;
    }
    const mc_source_t *src = (const mc_source_t *)((const char *)map + h.sources_off);
    for (uint32_t i = 0; i < h.nsources; i++) {
        const char *p = r_str(&r, src[i].path);
        if (!p || source_changed(&src[i], p)) {
            set_why(why, whycap, "stale: %s", p ? p : "?");
            munmap(map, len);
            return NULL;
        }
    }

    m = mib_new();
    if (!m) {
        munmap(map, len);
        return NULL;
    }
    /* mib_new's three roots are replaced by the recorded tree */
    memset(m->tbuckets, 0, sizeof m->tbuckets);
    m->tree_head = NULL;
    m->cache_map = map;
    m->cache_len = len;
    m->cached = 1;
    const char *s = r_str(&r, h.dirs);
    m->dirs = s ? strdup(s) : NULL;
    s = r_str(&r, h.journal);
    if (s && *s) {
        m->journal_len = strlen(s);
        m->journal = strdup(s);
    }
    s = r_str(&r, h.errors);
    if (s && *s) {
        m->errlen = strlen(s);
        m->errcap = m->errlen + 1;
        m->errbuf = strdup(s);
        if (!m->errbuf)
            m->errlen = m->errcap = 0;
    }
    m->nerrors = (int)h.nerrors;

    const mc_module_t *mr = (const mc_module_t *)((const char *)map + h.modules_off);
    m->modules = calloc(h.nmodules ? h.nmodules : 1, sizeof *m->modules);
    m->capmodules = (int)h.nmodules;
    mib_module_t *mods = h.nmodules ? mib_arena_alloc(m, h.nmodules * sizeof *mods) : NULL;
    for (uint32_t i = 0; m->modules && i < h.nmodules; i++) {
        mib_module_t *mp = &mods[i];
        mp->name = r_str(&r, mr[i].name);
        mp->file = r_str(&r, mr[i].file);
        if (!mp->name || !mp->file) {
            r.bad = 1;
            break;
        }
        mp->modid = (int)i;
        mp->no_imports = mr[i].loaded ? 0 : -1;
        m->modules[i] = mp;
        m->nmodules = (int)i + 1;
        mp->next = m->module_head;
        m->module_head = mp;
        mib_module_t **bucket = &m->mbuckets[mib_str_hash(mp->name) & (MHASH - 1)];
        mp->hnext = *bucket;
        *bucket = mp;
    }

    const mc_tc_t *tr = (const mc_tc_t *)((const char *)map + h.tcs_off);
    m->tcs = calloc(h.ntcs ? h.ntcs : 1, sizeof *m->tcs);
    m->captcs = (int)h.ntcs;
    for (uint32_t i = 0; m->tcs && i < h.ntcs; i++) {
        mib_tc_t *t = &m->tcs[i];
        t->type = tr[i].type;
        t->modid = tr[i].modid;
        t->descriptor = r_str(&r, tr[i].descriptor);
        t->hint = r_str(&r, tr[i].hint);
        t->enums = r_enums(&r, m, tr[i].enums);
        t->ranges = r_ranges(&r, m, tr[i].ranges);
        if (!t->descriptor) {
            r.bad = 1;
            break;
        }
        int *tcb = &m->tcbuckets[mib_str_hash(t->descriptor) & (TCHASH - 1)];
        t->hnext = *tcb;
        *tcb = (int)i + 1;
        m->ntcs = (int)i + 1;
    }

    const mc_node_t *nr = (const mc_node_t *)((const char *)map + h.nodes_off);
    /* one zeroed block, its pages mapped at once (not a fault per page) */
    mib_node_t *nodes = NULL;
    if (h.nnodes) {
        size_t nlen = h.nnodes * sizeof *nodes;
        void *nm = mmap(NULL, nlen, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (nm == MAP_FAILED) {
            mib_free(m);
            set_why(why, whycap, "out of memory", NULL);
            return NULL;
        }
        m->cache_nodes = nm;
        m->cache_nodes_len = nlen;
        nodes = nm;
    }
#define NODE(ix) ((ix) == NONE ? NULL : (ix) < h.nnodes ? &nodes[ix] : (r.bad = 1, NULL))
    /* the node records are read once: their pages are given back as the
     * nodes are built, so they and the nodes are not resident together */
    long pagesize = sysconf(_SC_PAGESIZE);
    uintptr_t given = ((uintptr_t)nr) & ~(uintptr_t)(pagesize - 1);
    for (uint32_t i = 0; i < h.nnodes && !r.bad; i++) {
        if ((i & 4095) == 4095) {
            uintptr_t upto = ((uintptr_t)&nr[i]) & ~(uintptr_t)(pagesize - 1);
            if (upto > given + (uintptr_t)pagesize) {
                /* not the first page: it may hold the sections before */
                uintptr_t from = given == (((uintptr_t)nr) & ~(uintptr_t)(pagesize - 1)) ?
                                 given + (uintptr_t)pagesize : given;
                if (upto > from)
                    madvise((void *)from, upto - from, MADV_DONTNEED);
                given = upto;
            }
        }
        const mc_node_t *q = &nr[i];
        mib_node_t *n = &nodes[i];
        const uint32_t *it = NULL;
        n->label = r_str(&r, q->label);
        n->plabel = r_str(&r, q->plabel);
        n->subid = (long)q->subid;
        n->modid = q->modid;
        n->type = q->type;
        n->access = q->access;
        n->status = q->status;
        n->tc = q->tc;
        n->line = q->line;
        n->nmodules = (int)r_list(&r, q->modules, 1, &it);
        n->modules = n->nmodules ? (int *)it : NULL;
        n->enums = r_enums(&r, m, q->enums);
        n->ranges = r_ranges(&r, m, q->ranges);
        n->indexes = r_indexes(&r, m, q->indexes);
        n->varbinds = r_varbinds(&r, m, q->varbinds);
        n->augments = r_str(&r, q->augments);
        n->hint = r_str(&r, q->hint);
        n->units = r_str(&r, q->units);
        n->defval = r_str(&r, q->defval);
        n->file = r_str(&r, q->file);
        n->description_at.off = q->desc_off;
        n->description_at.len = q->desc_len;
        n->reference_at.off = q->ref_off;
        n->reference_at.len = q->ref_len;
        /* indexes the rest of the code trusts */
        if (!n->label || n->tc < -1 || n->tc >= m->ntcs || n->modid < -1 ||
            n->modid >= m->nmodules)
            r.bad = 1;
        for (int k = 0; k < n->nmodules; k++)
            if (n->modules[k] < -1 || n->modules[k] >= m->nmodules)
                r.bad = 1;
        n->parent = NODE(q->parent);
        n->child = NODE(q->child);
        n->peer = NODE(q->peer);
        n->hnext = NODE(q->hnext);
    }
    m->tree_head = NODE(h.tree_head);
    const uint32_t *br = (const uint32_t *)((const char *)map + h.buckets_off);
    for (uint32_t i = 0; i < h.nbuckets && !r.bad; i++) {
        if (br[2 * i] >= THASH)
            r.bad = 1;
        else
            m->tbuckets[br[2 * i]] = NODE(br[2 * i + 1]);
    }
#undef NODE
    if (r.bad || !m->modules || !m->tcs) {
        mib_free(m);
        set_why(why, whycap, "corrupt", NULL);
        return NULL;
    }
    set_why(why, whycap, "ok", NULL);
    return m;
}

void
mibcache_release(mib_t *m)
{
    if (m->cache_map)
        munmap(m->cache_map, m->cache_len);
    if (m->cache_nodes)
        munmap(m->cache_nodes, m->cache_nodes_len);
    m->cache_map = m->cache_nodes = NULL;
    m->cache_len = m->cache_nodes_len = 0;
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
