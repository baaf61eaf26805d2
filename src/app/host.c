/* host.c - host MIB modules as agent backends. See host.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"
#include "hostlib.h"

#define NAME_MAX_BER (OID_MAX_LEN * 5)

double
host_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void *
host_tab_add(host_tab_t *t, size_t rowsize)
{
    if (t->nrows == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 16;
        void *p = realloc(t->rows, nc * rowsize);
        if (!p)
            return NULL;
        t->rows = p;
        t->cap = nc;
    }
    t->rowsize = rowsize;
    void *row = (char *)t->rows + t->nrows++ * rowsize;
    memset(row, 0, rowsize);
    return row;
}

void
host_tab_clear(host_tab_t *t)
{
    t->nrows = 0;
}

void
host_v_num(mw_value_t *v, uint8_t type, uint64_t u)
{
    v->type = type;
    v->num.u = u;
    v->p = NULL;
    v->len = 0;
}

void
host_v_int(mw_value_t *v, int64_t i)
{
    v->type = MW_T_INTEGER;
    v->num.i = i;
    v->p = NULL;
    v->len = 0;
}

void
host_v_str(mw_value_t *v, const void *p, size_t n)
{
    v->type = MW_T_OCTETSTR;
    v->p = p;
    v->len = (uint32_t)n;
}

int
host_v_oid(agent_req_t *rq, mw_value_t *v, const uint32_t *arcs, size_t n)
{
    oid_t o;
    if (n > OID_MAX_LEN)
        return -MW_ERR_GENERR;
    memcpy(o.arcs, arcs, n * sizeof *arcs);
    o.len = (uint32_t)n;
    uint8_t *p = agent_req_alloc(rq, NAME_MAX_BER);
    int len = p ? oid_encode(&o, p, NAME_MAX_BER) : -1;
    if (len < 0)
        return -MW_ERR_GENERR;
    agent_req_unalloc(rq, (size_t)NAME_MAX_BER - (size_t)len);
    v->type = MW_T_OID;
    v->p = p;
    v->len = (uint32_t)len;
    return 0;
}

/* --- index order ------------------------------------------------------ */

static int
idx_cmp(const uint32_t *a, size_t an, const uint32_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return an < bn ? -1 : an > bn;
}

static int
row_cmp(const void *x, const void *y)
{
    const host_idx_t *a = x, *b = y;
    return idx_cmp(a->a, a->n, b->a, b->n);
}

/* Sorts rows by index and drops duplicate indexes (the first stays). */
static void
tab_sort(host_tab_t *t)
{
    if (t->nrows < 2)
        return;
    qsort(t->rows, t->nrows, t->rowsize, row_cmp);
    size_t w = 1;
    for (size_t r = 1; r < t->nrows; r++) {
        char *cur = (char *)t->rows + r * t->rowsize;
        char *prev = (char *)t->rows + (w - 1) * t->rowsize;
        if (row_cmp(prev, cur) == 0)
            continue;
        if (w != r)
            memcpy((char *)t->rows + w * t->rowsize, cur, t->rowsize);
        w++;
    }
    t->nrows = w;
}

/* Refreshes m once per request, when its snapshot is older than ttl. */
static int
fresh(host_mod_t *m, agent_req_t *rq)
{
    uint32_t s = agent_req_serial(rq);
    if (m->valid && m->serial == s)
        return 0;
    m->serial = s;
    double now = host_now();
    if (m->valid && now - m->taken < m->ttl)
        return 0;
    for (size_t i = 0; i < sizeof m->tabs / sizeof m->tabs[0]; i++)
        host_tab_clear(&m->tabs[i]);
    if (m->refresh(m) < 0) {
        m->valid = 0;
        return -MW_ERR_GENERR;
    }
    for (size_t i = 0; i < sizeof m->tabs / sizeof m->tabs[0]; i++)
        tab_sort(&m->tabs[i]);
    m->taken = now;
    m->valid = 1;
    return 0;
}

/* First row whose index is > (strict) or >= the suffix. */
static size_t
row_lower(const host_tab_t *t, const uint32_t *s, size_t sn, int strict)
{
    size_t lo = 0, hi = t->nrows;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const host_idx_t *x = (const host_idx_t *)((const char *)t->rows + mid * t->rowsize);
        int c = idx_cmp(x->a, x->n, s, sn);
        if (c < 0 || (strict && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int
host_get(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v)
{
    host_mod_t *m = r->ctx;
    const host_obj_t *o = &m->objs[r->id];
    int rc = fresh(m, rq);
    if (rc < 0)
        return rc;
    if (o->tab < 0)
        return m->cell(m, rq, o, NULL, v);
    const host_tab_t *t = &m->tabs[o->tab];
    const uint32_t *s = name->arcs + r->root.len;
    size_t sn = name->len - r->root.len;
    size_t i = row_lower(t, s, sn, 0);
    if (i >= t->nrows)
        return AGENT_NOSUCH;
    const host_idx_t *x = (const host_idx_t *)((const char *)t->rows + i * t->rowsize);
    if (idx_cmp(x->a, x->n, s, sn) != 0)
        return AGENT_NOSUCH;
    return m->cell(m, rq, o, x, v);
}

static int
host_next(agent_req_t *rq, agent_region_t *r, const oid_t *after, oid_t *out, mw_value_t *v)
{
    host_mod_t *m = r->ctx;
    const host_obj_t *o = &m->objs[r->id];
    int rc = fresh(m, rq);
    if (rc < 0)
        return rc;
    host_tab_t *t = &m->tabs[o->tab];
    size_t i = 0;
    if (oid_is_prefix(&r->root, after) && after->len > r->root.len) {
        const uint32_t *s = after->arcs + r->root.len;
        size_t sn = after->len - r->root.len;
        /* a walk asks for the row after the one answered last */
        const host_idx_t *x = t->last < t->nrows
            ? (const host_idx_t *)((const char *)t->rows + t->last * t->rowsize) : NULL;
        if (x && idx_cmp(x->a, x->n, s, sn) == 0)
            i = t->last + 1;
        else
            i = row_lower(t, s, sn, 1);
    }
    for (; i < t->nrows; i++) {
        const host_idx_t *x = (const host_idx_t *)((const char *)t->rows + i * t->rowsize);
        if (r->root.len + x->n > OID_MAX_LEN)
            continue;
        rc = m->cell(m, rq, o, x, v);
        if (rc == AGENT_NOSUCH)
            continue;
        if (rc != 0)
            return rc;
        out->len = r->root.len;
        memcpy(out->arcs, r->root.arcs, r->root.len * sizeof *out->arcs);
        memcpy(out->arcs + out->len, x->a, x->n * sizeof *x->a);
        out->len += x->n;
        t->last = i;
        return 0;
    }
    return AGENT_END;
}

static void
host_release(agent_region_t *r)
{
    host_mod_t *m = r->ctx;
    if (--m->refs > 0)
        return;
    if (m->free)
        m->free(m);
    for (size_t i = 0; i < sizeof m->tabs / sizeof m->tabs[0]; i++)
        free(m->tabs[i].rows);
    free(m);
}

static const agent_backend_t host_be = {
    .get = host_get,
    .next = host_next,
    .release = host_release,
    .weak = 1,
};

/* --- registration ----------------------------------------------------- */

typedef struct {
    const char *name;
    host_mod_t *(*make)(void);
    unsigned libs;            /* the HOSTLIB_* libraries it calls */
} host_kind_t;

static const host_kind_t kinds[] = {
#ifdef __linux__
    { "if", host_if_new, HOSTLIB_NL },
    { "host", host_hr_new, HOSTLIB_PROC },
    { "ucd", host_ucd_new, HOSTLIB_PROC },
    { "tcp", host_tcp_new, 0 },
    { "udp", host_udp_new, 0 },
    { "ip", host_ip_new, HOSTLIB_NL },
    { "icmp", host_icmp_new, 0 },
#endif
    { NULL, NULL, 0 },
};

const char *
host_available(void)
{
#ifdef __linux__
    return "if,host,ucd,tcp,udp,ip,icmp";
#else
    return "";
#endif
}

static int
mod_register(agent_t *a, host_mod_t *m)
{
    int rc = 0;
    m->refs = 1; /* held until every object is registered */
    for (size_t i = 0; i < m->nobjs && rc == 0; i++) {
        const host_obj_t *o = &m->objs[i];
        oid_t root;
        memcpy(root.arcs, o->arcs, o->len * sizeof *o->arcs);
        root.len = o->len;
        m->refs++;
        rc = agent_register(a, &root, o->tab < 0, &host_be, m, (intptr_t)i);
        if (rc < 0)
            m->refs--;
    }
    agent_region_t r = { .ctx = m };
    host_release(&r);
    return rc;
}

int
host_register(agent_t *a, const char *list, double ttl, const char *const *disks, size_t ndisks,
              char *err, size_t errlen)
{
    const char *p = list ? list : "";
    int all = strcmp(p, "all") == 0;
    if (errlen)
        err[0] = '\0';
    /* check every name first */
    if (!all && strcmp(p, "none") != 0) {
        for (const char *s = p; *s;) {
            size_t n = strcspn(s, ", ");
            if (n > 0) {
                size_t k;
                for (k = 0; kinds[k].name; k++)
                    if (strlen(kinds[k].name) == n && strncmp(kinds[k].name, s, n) == 0)
                        break;
                if (!kinds[k].name)
                    return MW_ENOTSUPP;
            }
            s += n;
            s += strspn(s, ", ");
        }
    } else if (!all) {
        return 0;
    }
    int want[sizeof kinds / sizeof *kinds] = { 0 };
    unsigned libs = 0;
    for (size_t k = 0; kinds[k].name; k++) {
        want[k] = all;
        for (const char *s = p; !want[k] && *s;) {
            size_t n = strcspn(s, ", ");
            want[k] = strlen(kinds[k].name) == n && strncmp(kinds[k].name, s, n) == 0;
            s += n;
            s += strspn(s, ", ");
        }
        if (want[k])
            libs |= kinds[k].libs;
    }
    /* the libraries before any module: all of the list, or none of it */
    int lrc = host_libs_open(libs, err, errlen);
    if (lrc < 0)
        return lrc;
    for (size_t k = 0; kinds[k].name; k++) {
        if (!want[k])
            continue;
        host_mod_t *m = kinds[k].make();
        if (!m)
            return MW_ENOMEM;
        m->ttl = ttl;
        for (size_t i = 0; i < ndisks; i++) {
            int drc = kinds[k].make == host_ucd_new ? host_ucd_disk(m, disks[i])
                      : kinds[k].make == host_hr_new ? host_hr_disk(m, disks[i]) : 0;
            if (drc < 0) {
                agent_region_t r = { .ctx = m };
                m->refs = 1;
                host_release(&r);
                return MW_ENOMEM;
            }
        }
        int rc = mod_register(a, m);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int
host_path_add(char ***list, size_t *n, const char *path)
{
    char **d = realloc(*list, (*n + 1) * sizeof *d);
    if (!d)
        return MW_ENOMEM;
    *list = d;
    if (!(d[*n] = strdup(path)))
        return MW_ENOMEM;
    (*n)++;
    return 0;
}
