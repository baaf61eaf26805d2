/* mib.c - a mib_t: its arena, its error text, its modules by name and
 * number, creation and release, and the lookups of the API. The parser
 * reads SMIv1 and SMIv2 modules as net-snmp's parse.c does (same tokens,
 * same tolerance, same error texts), and the tree it builds has the same
 * shape and the same child order, so that names and OIDs come out as
 * net-snmp prints them; the pieces are:
 *   miblex.c     tokens
 *   mibparse.c   the grammar: one module's definitions, as parse nodes
 *   mibtree.c    the OID tree the parse nodes are linked into, and the
 *                textual conventions
 *   mibpath.c    the search path: directories indexed by module name, and
 *                module files read (and their IMPORTS) on demand
 *   mibname.c    OID -> name and name -> OID in net-snmp's forms, and the
 *                regular-expression search (-Ib, -TB)
 *   mibdesc.c    DESCRIPTION/REFERENCE texts read on demand, and -Td
 *   mibreport.c  snmptranslate's whole-tree reports (-Tp, -Ta, -To ...)
 *   mibhint.c    octet-string DISPLAY-HINTs, both ways
 * mibint.h holds what these files share; mib.h is the API. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mib.h"
#include "mibint.h"

unsigned
mib_str_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* ---- memory ---------------------------------------------------------- */

/* Chunks are mapped whole and at once (MAP_POPULATE), from 64 KiB up to
 * 1 MiB as the set grows: a large set takes tens of MB, and faulting its
 * pages in one by one was a good part of its load time. Mapped memory is
 * zeroed, and the arena never reuses what it handed out. */
#define CHUNK_MIN (64u << 10)
#define CHUNK_MAX (1u << 20)

void *
mib_arena_alloc(mib_t *m, size_t n)
{
    chunk_t *c = m->arena;
    n = (n + 15) & ~(size_t)15;
    if (!c || c->cap - c->used < n) {
        size_t len = c ? (sizeof *c + c->cap) * 2 : CHUNK_MIN;
        if (len > CHUNK_MAX)
            len = CHUNK_MAX;
        if (len < sizeof *c + n)
            len = (sizeof *c + n + 4095) & ~(size_t)4095;
        c = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                 -1, 0);
        if (c == MAP_FAILED) {
            fprintf(stderr, "moonwalk: out of memory\n");
            abort();
        }
        c->cap = len - sizeof *c;
        c->used = 0;
        c->next = m->arena;
        m->arena = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

char *
mib_arena_strdup(mib_t *m, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mib_arena_alloc(m, n);
    memcpy(p, s, n);
    return p;
}

/* ---- errors ---------------------------------------------------------- */

/* Appends a message, whatever its length (a long -M path included). */
void
mib_err_append(mib_t *m, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (m->errlen + (size_t)n + 1 > m->errcap) {
        size_t cap = m->errcap ? m->errcap * 2 : 1024;
        while (cap < m->errlen + (size_t)n + 1)
            cap *= 2;
        char *nb = realloc(m->errbuf, cap);
        if (!nb)
            return;
        m->errbuf = nb;
        m->errcap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(m->errbuf + m->errlen, (size_t)n + 1, fmt, ap);
    va_end(ap);
    m->errlen += (size_t)n;
}

void
mib_print_error(mib_t *m, const char *string, const char *token, int type)
{
    m->nerrors++;
    if (type == ENDOFFILE)
        mib_err_append(m, "%s (EOF): At line %d in %s\n", string, m->line, m->file);
    else if (token && *token)
        mib_err_append(m, "%s (%s): At line %d in %s\n", string, token, m->line, m->file);
    else
        mib_err_append(m, "%s: At line %d in %s\n", string, m->line, m->file);
}

void
mib_module_not_found(mib_t *m, const char *cp)
{
    if (m->first_err_module) {
        mib_err_append(m, "MIB search path: %s\n", m->dirs ? m->dirs : "");
        m->first_err_module = 0;
    }
    if (!m->last_err_module || strcmp(cp, m->last_err_module))
        mib_print_error(m, "Cannot find module", cp, CONTINUE);
    free(m->last_err_module);
    m->last_err_module = strdup(cp);
}

const char *
mib_take_errors(mib_t *m, size_t *len)
{
    static const char empty[] = "";
    if (len)
        *len = m->errlen;
    if (!m->errlen)
        return empty;
    m->errlen = 0;
    return m->errbuf;
}

int
mib_error_count(const mib_t *m)
{
    return m->nerrors;
}

/* ---- modules --------------------------------------------------------- */

mib_module_t *
mib_module_by_name(mib_t *m, const char *name)
{
    for (mib_module_t *mp = m->mbuckets[mib_str_hash(name) & (MHASH - 1)]; mp; mp = mp->hnext)
        if (!strcmp(mp->name, name))
            return mp;
    return NULL;
}

int
mib_which_module(mib_t *m, const char *name)
{
    mibpath_index_pending(m);
    mib_module_t *mp = mib_module_by_name(m, name);
    return mp ? mp->modid : -1;
}

const char *
mib_module_name(mib_t *m, int modid, char *cp)
{
    if (modid >= 0 && modid < m->nmodules) {
        snprintf(cp, 256, "%s", m->modules[modid]->name);
        return cp;
    }
    snprintf(cp, 256, "#%d", modid);
    return cp;
}

mib_module_t *
mib_find_module(mib_t *m, int modid)
{
    return (modid >= 0 && modid < m->nmodules) ? m->modules[modid] : NULL;
}

void
mib_new_module(mib_t *m, const char *name, const char *file)
{
    mib_module_t *old = mib_module_by_name(m, name);
    if (old) {
        if (strcmp(old->file, file))
            old->file = mib_arena_strdup(m, file);  /* the later one wins */
        return;
    }
    if (m->nmodules == m->capmodules) {
        int cap = m->capmodules ? m->capmodules * 2 : 64;
        mib_module_t **nm = realloc(m->modules, (size_t)cap * sizeof *nm);
        if (!nm)
            return;
        m->modules = nm;
        m->capmodules = cap;
    }
    mib_module_t *mp = mib_arena_alloc(m, sizeof *mp);
    mp->name = mib_arena_strdup(m, name);
    mp->file = mib_arena_strdup(m, file);
    mp->no_imports = -1;
    mp->modid = m->nmodules;
    m->modules[m->nmodules++] = mp;
    mp->next = m->module_head;
    m->module_head = mp;
    mib_module_t **bucket = &m->mbuckets[mib_str_hash(mp->name) & (MHASH - 1)];
    mp->hnext = *bucket;
    *bucket = mp;
}

int
mib_module_count(mib_t *m)
{
    mibpath_index_pending(m);
    return m->nmodules;
}

int
mib_module_info(mib_t *m, int i, const char **name, const char **file, int *loaded)
{
    mibpath_index_pending(m);
    if (i < 0 || i >= m->nmodules)
        return -1;
    *name = m->modules[i]->name;
    *file = m->modules[i]->file;
    *loaded = m->modules[i]->no_imports != -1;
    return 0;
}

/* ---- create / free --------------------------------------------------- */

mib_t *
mib_new(void)
{
    static const char *roots[3] = { "joint-iso-ccitt", "ccitt", "iso" };
    static const int subids[3] = { 2, 0, 1 };
    mib_t *m = calloc(1, sizeof *m);
    mib_node_t *last = NULL;
    if (!m)
        return NULL;
    miblex_init();
    m->current_module = 0;
    m->first_err_module = 1;
    m->file = "(none)";
    m->line = 0; /* as net-snmp's mibLine: 0 until a MIB file is indexed */
    for (int i = 0; i < 3; i++) {
        mib_node_t *tp = mibtree_new_node(m, -1);
        tp->label = roots[i];
        tp->subid = subids[i];
        tp->peer = last;
        mibtree_hash_add(m, tp);
        last = tp;
        m->root_imports[i].label = roots[i];
        m->root_imports[i].modid = -1;
    }
    m->tree_head = last;
    return m;
}

void
mib_free(mib_t *m)
{
    if (!m)
        return;
    mibcache_release(m);
    free(m->journal);
    for (chunk_t *c = m->arena, *n; c; c = n) {
        n = c->next;
        munmap(c, sizeof *c + c->cap);
    }
    free(m->modules);
    free(m->tcs);
    free(m->kids);
    free(m->texts);
    free(m->errbuf);
    free(m->last_err_module);
    free(m->dirs);
    free(m->pending);
    free(m->lexbuf);
    free(m);
}

/* ---- lookups --------------------------------------------------------- */

mib_node_t *
mib_find_node(mib_t *m, const char *label, const char *module)
{
    int modid = -1;
    if (module) {
        modid = mib_which_module(m, module);
        if (modid == -1)
            return NULL;
    }
    return mibtree_find(m, label, modid);
}

void
mib_node_oid(const mib_node_t *n, oid_t *out)
{
    uint32_t tmp[OID_MAX_LEN];
    uint32_t k = 0;
    for (; n && k < OID_MAX_LEN; n = n->parent)
        tmp[k++] = (uint32_t)n->subid;
    out->len = k;
    for (uint32_t i = 0; i < k; i++)
        out->arcs[i] = tmp[k - 1 - i];
}

mib_node_t *
mib_get_tree(mib_t *m, const oid_t *o)
{
    mib_node_t *subtree = m->tree_head, *found = NULL;
    for (uint32_t i = 0; i < o->len && subtree; i++) {
        mib_node_t *t = subtree;
        while (t && (uint32_t)t->subid != o->arcs[i])
            t = t->peer;
        if (!t)
            break;
        while (t->peer && (uint32_t)t->peer->subid == o->arcs[i])
            t = t->peer;
        found = t;
        subtree = t->child;
    }
    return found;
}
