/* host_ucd.c - UCD-SNMP-MIB (net-snmp's enterprise 2021): the memory
 * group, laTable, systemStats and dskTable for the configured paths, with
 * net-snmp's values. Memory, CPU times, paging and interrupts through
 * libproc2; load averages through procps_loadavg; disks through statvfs. */
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "host.h"
#include "hostlib.h" /* the libraries, opened on first use */

#define UCD 1, 3, 6, 1, 4, 1, 2021
enum { T_LA, T_DSK };
enum { O_MEM = 100, O_LA = 300, O_SS = 500, O_DSK = 700 };

#define MIN_SWAP 16000        /* net-snmp's default memMinimumSwap, kB */
#define MAX_LOAD 12.0         /* net-snmp's default laConfig */
#define DSK_MIN 100000        /* net-snmp's default dskMinimum, kB */
#define SS_SAMPLES 16

typedef struct {
    host_idx_t idx;
    double load;
    char text[16];
    uint8_t opaque[7];        /* Opaque-wrapped Float (net-snmp's laLoadFloat) */
} la_row_t;

typedef struct {
    host_idx_t idx;
    char path[256], device[256];
    unsigned long long total, avail, used; /* kB */
    int32_t percent, percent_node;
    int error;
} dsk_row_t;

enum { R_USER, R_NICE, R_SYSTEM, R_IDLE, R_WAIT, R_IRQ, R_SOFTIRQ, R_STEAL, R_GUEST, R_GNICE,
       R_INTR, R_CTXT, R_PGIN, R_PGOUT, R_SWIN, R_SWOUT, R_N };

typedef struct {
    double t;
    unsigned long long v[R_N];
} ss_sample_t;

typedef struct {
    struct meminfo_info *mem; /* owned */
    struct stat_info *stat;   /* owned */
    struct vmstat_info *vm;   /* owned */
    char **disks;             /* owned: configured dskTable paths */
    size_t ndisks;
    unsigned long m[16];
    ss_sample_t ring[SS_SAMPLES];
    int nring;
    int ncpu;
    int32_t rate[9];          /* ssSwapIn .. ssCpuIdle (arcs 3..11) */
    char swap_msg[64];
} ucd_priv_t;

enum { M_STOTAL, M_SFREE, M_TOTAL, M_FREE, M_SHARED, M_BUFFERS, M_CACHED, M_AVAIL };

#define MEM(k) { { UCD, 4, k }, 9, -1, O_MEM + k }
#define LA(col) { { UCD, 10, 1, col }, 10, T_LA, O_LA + col }
#define SS(k) { { UCD, 11, k }, 9, -1, O_SS + k }
#define DSK(col) { { UCD, 9, 1, col }, 10, T_DSK, O_DSK + col }

static const host_obj_t ucd_objs[] = {
    MEM(1), MEM(2), MEM(3), MEM(4), MEM(5), MEM(6), MEM(11), MEM(12), MEM(13), MEM(14), MEM(15),
    MEM(18), MEM(19), MEM(20), MEM(21), MEM(22), MEM(23), MEM(24), MEM(25), MEM(26), MEM(27),
    MEM(100), MEM(101),
    DSK(1), DSK(2), DSK(3), DSK(4), DSK(5), DSK(6), DSK(7), DSK(8), DSK(9), DSK(10), DSK(11),
    DSK(12), DSK(13), DSK(14), DSK(15), DSK(16), DSK(100), DSK(101),
    LA(1), LA(2), LA(3), LA(4), LA(5), LA(6), LA(100), LA(101),
    SS(1), SS(2), SS(3), SS(4), SS(5), SS(6), SS(7), SS(8), SS(9), SS(10), SS(11),
    SS(50), SS(51), SS(52), SS(53), SS(54), SS(55), SS(56), SS(57), SS(58), SS(59), SS(60),
    SS(61), SS(62), SS(63), SS(64), SS(65), SS(66), SS(67),
};

static int
refresh_mem(ucd_priv_t *p)
{
    if (!p->mem && procps_meminfo_new(&p->mem) < 0)
        return MW_EINVAL;
    p->m[M_STOTAL] = MEMINFO_GET(p->mem, MEMINFO_SWAP_TOTAL, ul_int);
    p->m[M_SFREE] = MEMINFO_GET(p->mem, MEMINFO_SWAP_FREE, ul_int);
    p->m[M_TOTAL] = MEMINFO_GET(p->mem, MEMINFO_MEM_TOTAL, ul_int);
    p->m[M_FREE] = MEMINFO_GET(p->mem, MEMINFO_MEM_FREE, ul_int);
    p->m[M_SHARED] = MEMINFO_GET(p->mem, MEMINFO_MEM_SHARED, ul_int);
    p->m[M_BUFFERS] = MEMINFO_GET(p->mem, MEMINFO_MEM_BUFFERS, ul_int);
    p->m[M_CACHED] = MEMINFO_GET(p->mem, MEMINFO_MEM_CACHED_ALL, ul_int);
    p->m[M_AVAIL] = MEMINFO_GET(p->mem, MEMINFO_MEM_AVAILABLE, ul_int);
    if (p->m[M_SFREE] < MIN_SWAP)
        snprintf(p->swap_msg, sizeof p->swap_msg, "Running out of swap space (%lu)", p->m[M_SFREE]);
    else
        p->swap_msg[0] = 0;
    return 0;
}

static int
refresh_la(host_mod_t *m)
{
    double av[3];
    if (procps_loadavg(&av[0], &av[1], &av[2]) < 0)
        av[0] = av[1] = av[2] = 0;
    for (int i = 0; i < 3; i++) {
        la_row_t *r = host_tab_add(&m->tabs[T_LA], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        r->idx.n = 1;
        r->idx.a[0] = (uint32_t)i + 1;
        r->load = av[i];
        snprintf(r->text, sizeof r->text, "%.2f", av[i]);
        float f = (float)av[i];
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        r->opaque[0] = 0x9f; /* opaque float tag (net-snmp's ASN_OPAQUE_FLOAT) */
        r->opaque[1] = 0x78;
        r->opaque[2] = 4;
        r->opaque[3] = (uint8_t)(bits >> 24);
        r->opaque[4] = (uint8_t)(bits >> 16);
        r->opaque[5] = (uint8_t)(bits >> 8);
        r->opaque[6] = (uint8_t)bits;
    }
    return 0;
}

static int
refresh_dsk(host_mod_t *m, ucd_priv_t *p)
{
    for (size_t i = 0; i < p->ndisks; i++) {
        dsk_row_t *r = host_tab_add(&m->tabs[T_DSK], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        r->idx.n = 1;
        r->idx.a[0] = (uint32_t)i + 1;
        snprintf(r->path, sizeof r->path, "%s", p->disks[i]);
        /* the device: the last mount entry for the path */
        FILE *f = setmntent("/proc/mounts", "r");
        if (f) {
            struct mntent me;
            char buf[4096];
            while (getmntent_r(f, &me, buf, sizeof buf))
                if (strcmp(me.mnt_dir, r->path) == 0)
                    snprintf(r->device, sizeof r->device, "%s", me.mnt_fsname);
            endmntent(f);
        }
        struct statvfs sv;
        if (statvfs(r->path, &sv) < 0) {
            r->error = 1;
            continue;
        }
        unsigned long long unit = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
        r->total = sv.f_blocks * unit / 1024;
        r->avail = sv.f_bavail * unit / 1024;
        r->used = (sv.f_blocks - sv.f_bfree) * unit / 1024;
        /* net-snmp: the used share of the whole size, rounded */
        r->percent = r->total ? (int32_t)((r->used * 200 + r->total) / (2 * r->total)) : 0;
        unsigned long long in = sv.f_files, ifree = sv.f_favail;
        r->percent_node = in ? (int32_t)(((in - ifree) * 100 + in - 1) / in) : 0;
        r->error = r->avail < DSK_MIN;
    }
    return 0;
}

static int
refresh_ss(ucd_priv_t *p, double now)
{
    if (!p->stat && procps_stat_new(&p->stat) < 0)
        return MW_EINVAL;
    if (!p->vm && procps_vmstat_new(&p->vm) < 0)
        return MW_EINVAL;
    ss_sample_t s = { .t = now };
    s.v[R_USER] = STAT_GET(p->stat, STAT_TIC_USER, ull_int);
    s.v[R_NICE] = STAT_GET(p->stat, STAT_TIC_NICE, ull_int);
    s.v[R_SYSTEM] = STAT_GET(p->stat, STAT_TIC_SYSTEM, ull_int);
    s.v[R_IDLE] = STAT_GET(p->stat, STAT_TIC_IDLE, ull_int);
    s.v[R_WAIT] = STAT_GET(p->stat, STAT_TIC_IOWAIT, ull_int);
    s.v[R_IRQ] = STAT_GET(p->stat, STAT_TIC_IRQ, ull_int);
    s.v[R_SOFTIRQ] = STAT_GET(p->stat, STAT_TIC_SOFTIRQ, ull_int);
    s.v[R_STEAL] = STAT_GET(p->stat, STAT_TIC_STOLEN, ull_int);
    s.v[R_GUEST] = STAT_GET(p->stat, STAT_TIC_GUEST, ull_int);
    s.v[R_GNICE] = STAT_GET(p->stat, STAT_TIC_GUEST_NICE, ull_int);
    s.v[R_INTR] = STAT_GET(p->stat, STAT_SYS_INTERRUPTS, ul_int);
    s.v[R_CTXT] = STAT_GET(p->stat, STAT_SYS_CTX_SWITCHES, ul_int);
    s.v[R_PGIN] = VMSTAT_GET(p->vm, VMSTAT_PGPGIN, ul_int);
    s.v[R_PGOUT] = VMSTAT_GET(p->vm, VMSTAT_PGPGOUT, ul_int);
    s.v[R_SWIN] = VMSTAT_GET(p->vm, VMSTAT_PSWPIN, ul_int);
    s.v[R_SWOUT] = VMSTAT_GET(p->vm, VMSTAT_PSWPOUT, ul_int);
    enum stat_item items[] = { STAT_TIC_ID };
    struct stat_reaped *rp = procps_stat_reap(p->stat, STAT_REAP_CPUS_ONLY, items, 1);
    p->ncpu = rp ? rp->cpus->total : 1;
    /* rates and shares over about the last minute (the oldest sample kept) */
    while (p->nring > 0 && now - p->ring[0].t > 65.0) {
        memmove(p->ring, p->ring + 1, (size_t)(p->nring - 1) * sizeof *p->ring);
        p->nring--;
    }
    const ss_sample_t *o = p->nring ? &p->ring[0] : NULL;
    double dt = o ? now - o->t : 0;
    unsigned long long d[R_N];
    for (int i = 0; i < R_N; i++)
        d[i] = o && s.v[i] >= o->v[i] ? s.v[i] - o->v[i] : (o ? 0 : s.v[i]);
    unsigned long long ticks = 0;
    for (int i = R_USER; i <= R_GNICE; i++)
        ticks += d[i];
    double sec = dt > 0.5 ? dt : 1.0;
    p->rate[0] = (int32_t)((double)d[R_SWIN] * 4 / sec);   /* ssSwapIn, kB/s */
    p->rate[1] = (int32_t)((double)d[R_SWOUT] * 4 / sec);  /* ssSwapOut */
    p->rate[2] = (int32_t)((double)d[R_PGOUT] / sec);      /* ssIOSent, blocks/s */
    p->rate[3] = (int32_t)((double)d[R_PGIN] / sec);       /* ssIOReceive */
    p->rate[4] = (int32_t)((double)d[R_INTR] / sec);       /* ssSysInterrupts */
    p->rate[5] = (int32_t)((double)d[R_CTXT] / sec);       /* ssSysContext */
    p->rate[6] = ticks ? (int32_t)((d[R_USER] + d[R_NICE]) * 100 / ticks) : 0;   /* ssCpuUser */
    p->rate[7] = ticks ? (int32_t)((d[R_SYSTEM] + d[R_IRQ] + d[R_SOFTIRQ]) * 100 / ticks) : 0;
    p->rate[8] = ticks ? (int32_t)(d[R_IDLE] * 100 / ticks) : 0; /* ssCpuIdle */
    if (p->nring == SS_SAMPLES) {
        memmove(p->ring, p->ring + 1, (size_t)(p->nring - 1) * sizeof *p->ring);
        p->nring--;
    }
    p->ring[p->nring++] = s;
    return 0;
}

static int
ucd_refresh(host_mod_t *m)
{
    ucd_priv_t *p = m->priv;
    int rc = refresh_mem(p);
    if (rc == 0)
        rc = refresh_la(m);
    if (rc == 0)
        rc = refresh_dsk(m, p);
    if (rc == 0)
        rc = refresh_ss(p, host_now());
    return rc;
}

static int32_t
i32(unsigned long long x)
{
    return (int32_t)(x > 0x7fffffffULL ? 0x7fffffff : x);
}

static int
ucd_cell(host_mod_t *m, agent_req_t *rq, const host_obj_t *o, const void *row, mw_value_t *v)
{
    ucd_priv_t *p = m->priv;
    int id = o->id;
    (void)rq;
    if (id >= O_MEM && id < O_MEM + 200) {
        const unsigned long *x = p->m;
        unsigned long tfree = x[M_FREE] + x[M_SFREE];
        switch (id - O_MEM) {
        case 1: host_v_int(v, 0); return 0;
        case 2: host_v_str(v, "swap", 4); return 0;
        case 3: host_v_int(v, i32(x[M_STOTAL])); return 0;
        case 4: host_v_int(v, i32(x[M_SFREE])); return 0;
        case 5: host_v_int(v, i32(x[M_TOTAL])); return 0;
        case 6: host_v_int(v, i32(x[M_FREE])); return 0;
        case 11: host_v_int(v, i32(tfree)); return 0;
        case 12: host_v_int(v, MIN_SWAP); return 0;
        case 13: host_v_int(v, i32(x[M_SHARED])); return 0;
        case 14: host_v_int(v, i32(x[M_BUFFERS])); return 0;
        case 15: host_v_int(v, i32(x[M_CACHED])); return 0;
        case 18: host_v_num(v, MW_T_COUNTER64, x[M_STOTAL]); return 0;
        case 19: host_v_num(v, MW_T_COUNTER64, x[M_SFREE]); return 0;
        case 20: host_v_num(v, MW_T_COUNTER64, x[M_TOTAL]); return 0;
        case 21: host_v_num(v, MW_T_COUNTER64, x[M_FREE]); return 0;
        case 22: host_v_num(v, MW_T_COUNTER64, tfree); return 0;
        case 23: host_v_num(v, MW_T_COUNTER64, MIN_SWAP); return 0;
        case 24: host_v_num(v, MW_T_COUNTER64, x[M_SHARED]); return 0;
        case 25: host_v_num(v, MW_T_COUNTER64, x[M_BUFFERS]); return 0;
        case 26: host_v_num(v, MW_T_COUNTER64, x[M_CACHED]); return 0;
        case 27: host_v_num(v, MW_T_COUNTER64, x[M_AVAIL]); return 0;
        case 100: host_v_int(v, p->swap_msg[0] ? 1 : 0); return 0;
        case 101: host_v_str(v, p->swap_msg, strlen(p->swap_msg)); return 0;
        }
        return AGENT_NOSUCH;
    }
    if (id > O_LA && id < O_LA + 200) {
        const la_row_t *r = row;
        static const char *const names[] = { "Load-1", "Load-5", "Load-15" };
        uint32_t i = r->idx.a[0];
        switch (id - O_LA) {
        case 1: host_v_int(v, i); return 0;
        case 2: host_v_str(v, names[i - 1], strlen(names[i - 1])); return 0;
        case 3: host_v_str(v, r->text, strlen(r->text)); return 0;
        case 4: host_v_str(v, "12.00", 5); return 0;
        case 5: host_v_int(v, (int64_t)(r->load * 100)); return 0;
        case 6:
            v->type = MW_T_OPAQUE;
            v->p = r->opaque;
            v->len = sizeof r->opaque;
            return 0;
        case 100: host_v_int(v, r->load > MAX_LOAD); return 0;
        case 101: {
            if (r->load <= MAX_LOAD) {
                host_v_str(v, "", 0);
                return 0;
            }
            char *s = agent_req_alloc(rq, 80);
            if (!s)
                return -MW_ERR_GENERR;
            int n = snprintf(s, 80, "%s Load Average too high (= %.2f)",
                             i == 1 ? "1 min" : i == 2 ? "5 min" : "15 min", r->load);
            host_v_str(v, s, (size_t)n);
            return 0;
        }
        }
        return AGENT_NOSUCH;
    }
    if (id > O_DSK && id < O_DSK + 200) {
        const dsk_row_t *r = row;
        switch (id - O_DSK) {
        case 1: host_v_int(v, r->idx.a[0]); return 0;
        case 2: host_v_str(v, r->path, strlen(r->path)); return 0;
        case 3: host_v_str(v, r->device, strlen(r->device)); return 0;
        case 4: host_v_int(v, DSK_MIN); return 0;
        case 5: host_v_int(v, -1); return 0;
        case 6: host_v_int(v, i32(r->total)); return 0;
        case 7: host_v_int(v, i32(r->avail)); return 0;
        case 8: host_v_int(v, i32(r->used)); return 0;
        case 9: host_v_int(v, r->percent); return 0;
        case 10: host_v_int(v, r->percent_node); return 0;
        case 11: host_v_num(v, MW_T_GAUGE32, r->total & 0xffffffffu); return 0;
        case 12: host_v_num(v, MW_T_GAUGE32, r->total >> 32); return 0;
        case 13: host_v_num(v, MW_T_GAUGE32, r->avail & 0xffffffffu); return 0;
        case 14: host_v_num(v, MW_T_GAUGE32, r->avail >> 32); return 0;
        case 15: host_v_num(v, MW_T_GAUGE32, r->used & 0xffffffffu); return 0;
        case 16: host_v_num(v, MW_T_GAUGE32, r->used >> 32); return 0;
        case 100: host_v_int(v, r->error); return 0;
        case 101: {
            if (!r->error) {
                host_v_str(v, "", 0);
                return 0;
            }
            char *s = agent_req_alloc(rq, 320);
            if (!s)
                return -MW_ERR_GENERR;
            int n = snprintf(s, 320, "%s: less than %d free (= %llu)", r->path, DSK_MIN, r->avail);
            host_v_str(v, s, (size_t)(n < 320 ? n : 319));
            return 0;
        }
        }
        return AGENT_NOSUCH;
    }
    if (id > O_SS && id < O_SS + 200) {
        const ss_sample_t *s = &p->ring[p->nring - 1];
        int k = id - O_SS;
        if (k == 1) {
            host_v_int(v, 1);
            return 0;
        }
        if (k == 2) {
            host_v_str(v, "systemStats", 11);
            return 0;
        }
        if (k >= 3 && k <= 11) {
            host_v_int(v, p->rate[k - 3]);
            return 0;
        }
        if (k == 67) {
            host_v_int(v, p->ncpu);
            return 0;
        }
        static const int raw[] = {
            [50] = R_USER, [51] = R_NICE, [52] = R_SYSTEM, [53] = R_IDLE, [54] = R_WAIT,
            [55] = R_SYSTEM, [56] = R_IRQ, [57] = R_PGOUT, [58] = R_PGIN, [59] = R_INTR,
            [60] = R_CTXT, [61] = R_SOFTIRQ, [62] = R_SWIN, [63] = R_SWOUT, [64] = R_STEAL,
            [65] = R_GUEST, [66] = R_GNICE,
        };
        if (k >= 50 && k <= 66 && p->nring > 0) {
            /* Counter32: wraps at 2^32 */
            host_v_num(v, MW_T_COUNTER32, s->v[raw[k]] & 0xffffffffu);
            return 0;
        }
    }
    return AGENT_NOSUCH;
}

static void
ucd_free(host_mod_t *m)
{
    ucd_priv_t *p = m->priv;
    if (!p)
        return;
    if (p->mem)
        procps_meminfo_unref(&p->mem);
    if (p->stat)
        procps_stat_unref(&p->stat);
    if (p->vm)
        procps_vmstat_unref(&p->vm);
    for (size_t i = 0; i < p->ndisks; i++)
        free(p->disks[i]);
    free(p->disks);
    free(p);
}

int
host_ucd_disk(host_mod_t *m, const char *path)
{
    ucd_priv_t *p = m->priv;
    return host_path_add(&p->disks, &p->ndisks, path);
}

host_mod_t *
host_ucd_new(void)
{
    host_mod_t *m = calloc(1, sizeof *m);
    ucd_priv_t *p = calloc(1, sizeof *p);
    if (!m || !p) {
        free(m);
        free(p);
        return NULL;
    }
    m->name = "ucd";
    m->objs = ucd_objs;
    m->nobjs = sizeof ucd_objs / sizeof ucd_objs[0];
    m->refresh = ucd_refresh;
    m->cell = ucd_cell;
    m->free = ucd_free;
    m->priv = p;
    return m;
}
