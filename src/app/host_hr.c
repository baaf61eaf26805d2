/* host_hr.c - HOST-RESOURCES-MIB (RFC 2790): hrSystem, hrStorage,
 * hrDevice with hrProcessorTable and hrNetworkTable, hrFSTable, hrSWRun
 * and hrSWRunPerf, with net-snmp's indexes and values.
 *
 * Sources: processes, memory and CPU times through procps' libproc2;
 * mounts through getmntent(3) and statvfs(3); network devices through
 * getifaddrs(3); the CPU's name from /proc/cpuinfo, the boot parameters
 * from /proc/cmdline (no library has these two). */
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <mntent.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <utmp.h>

#include "host.h"
#include "hostlib.h" /* the libraries, opened on first use */

#define HR 1, 3, 6, 1, 2, 1, 25
enum { T_STOR, T_DEV, T_PROC, T_NET, T_FS, T_RUN };
enum {
    O_SYS = 100,   /* + hrSystem arc */
    O_MEMSIZE = 200,
    O_STOR = 300,  /* + column */
    O_DEV = 400,
    O_PROC = 500,
    O_NET = 600,
    O_FS = 700,
    O_RUN = 800,
    O_PERF = 900,
};

/* net-snmp's hrStorage indexes for memory (NETSNMP_MEM_TYPE_*), and the
 * offset of file systems' rows (hrStorageIndex = 30 + hrFSIndex). */
enum { ST_PHYS = 1, ST_VIRT = 3, ST_MBUF = 6, ST_CACHED = 7, ST_SHARED = 8, ST_SWAP = 10,
       ST_AVAIL = 11, ST_FS_BASE = 30 };

/* hrDeviceIndex: type << 16 | n, as net-snmp numbers them. */
enum { DEV_PROCESSOR = 3, DEV_NETWORK = 4, DEV_COPROCESSOR = 12 };

#define CPU_SAMPLES 16
#define STR_MAX 128

typedef struct {
    host_idx_t idx;
    uint32_t type;            /* hrStorageTypes arc */
    char descr[256];
    int32_t units, size, used;
} stor_row_t;

typedef struct {
    host_idx_t idx;
    uint32_t type;            /* hrDeviceTypes arc */
    char descr[96];
    int32_t status;           /* 0: not served */
    int has_errors;
    uint32_t errors;
} dev_row_t;

typedef struct {
    host_idx_t idx;
    int32_t load;
} proc_row_t;

typedef struct {
    host_idx_t idx;
    int32_t ifindex;
} net_row_t;

typedef struct {
    host_idx_t idx;
    char mount[256], remote[256];
    uint32_t type;            /* hrFSTypes arc */
    int32_t access, bootable, storage;
} fs_row_t;

typedef struct {
    host_idx_t idx;
    char name[65], path[STR_MAX + 1], params[STR_MAX + 1];
    int32_t type, status, cpu, mem;
} run_row_t;

typedef struct {
    double t;
    unsigned long long busy, total;
} cpu_sample_t;

typedef struct {
    struct pids_info *pids;   /* owned */
    struct meminfo_info *mem; /* owned */
    struct stat_info *stat;   /* owned */
    char cpu_descr[96];
    char cmdline[STR_MAX + 1];
    int ncpu;
    cpu_sample_t (*samples)[CPU_SAMPLES]; /* owned; per CPU ring */
    int *nsamples;            /* owned */
    int ncap;
    uint32_t uptime_cs, users, procs;
    int32_t memsize;
    char **disks;             /* owned: dskTable paths, numbered first in hrFSTable */
    size_t ndisks;
} hr_priv_t;

#define SYS(k) { { HR, 1, k }, 9, -1, O_SYS + k }
#define C(tbl, t, grp, col) { { HR, tbl, 1, col }, 11, t, grp + col }
#define STOR(col) { { HR, 2, 3, 1, col }, 11, T_STOR, O_STOR + col }
#define DEV(col) { { HR, 3, 2, 1, col }, 11, T_DEV, O_DEV + col }
#define PROC(col) { { HR, 3, 3, 1, col }, 11, T_PROC, O_PROC + col }
#define NET(col) { { HR, 3, 4, 1, col }, 11, T_NET, O_NET + col }
#define FS(col) { { HR, 3, 8, 1, col }, 11, T_FS, O_FS + col }
#define RUN(col) { { HR, 4, 2, 1, col }, 11, T_RUN, O_RUN + col }
#define PERF(col) { { HR, 5, 1, 1, col }, 11, T_RUN, O_PERF + col }

static const host_obj_t hr_objs[] = {
    SYS(1), SYS(2), SYS(3), SYS(4), SYS(5), SYS(6), SYS(7),
    { { HR, 2, 2 }, 9, -1, O_MEMSIZE },
    STOR(1), STOR(2), STOR(3), STOR(4), STOR(5), STOR(6),
    DEV(1), DEV(2), DEV(3), DEV(4), DEV(5), DEV(6),
    PROC(1), PROC(2),
    NET(1),
    FS(1), FS(2), FS(3), FS(4), FS(5), FS(6), FS(7), FS(8), FS(9),
    RUN(1), RUN(2), RUN(3), RUN(4), RUN(5), RUN(6), RUN(7),
    PERF(1), PERF(2),
};

/* --- helpers ---------------------------------------------------------- */

static void
idx1(host_idx_t *x, uint32_t i)
{
    x->n = 1;
    x->a[0] = i;
}

static void
copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void
read_cpuinfo(hr_priv_t *p)
{
    char line[256], vendor[64] = "", model[96] = "";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        while (fgets(line, sizeof line, f) && !(vendor[0] && model[0])) {
            char *colon = strchr(line, ':');
            if (!colon)
                continue;
            char *val = colon + 1;
            val += strspn(val, " \t");
            val[strcspn(val, "\n")] = 0;
            if (!vendor[0] && strncmp(line, "vendor_id", 9) == 0)
                copy_str(vendor, sizeof vendor, val);
            else if (!model[0] && strncmp(line, "model name", 10) == 0)
                copy_str(model, sizeof model, val);
        }
        fclose(f);
    }
    if (vendor[0] && model[0]) {
        /* cut at the column's size, as snmpd does */
        if (snprintf(p->cpu_descr, sizeof p->cpu_descr, "%s: %s", vendor, model) < 0)
            p->cpu_descr[0] = 0;
    } else
        snprintf(p->cpu_descr, sizeof p->cpu_descr, "An electronic chip that makes the computer work.");
    /* hrSystemInitialLoadParameters: the first 128 octets of the kernel
     * command line, as net-snmp reads it */
    f = fopen("/proc/cmdline", "r");
    p->cmdline[0] = 0;
    if (f) {
        size_t n = fread(p->cmdline, 1, STR_MAX, f);
        p->cmdline[n] = 0;
        p->cmdline[strcspn(p->cmdline, "\n")] = 0;
        fclose(f);
    }
}

/* The UCD / net-snmp scaling: units doubled until the size fits Integer32. */
static void
storage_fit(stor_row_t *r, unsigned long long units, unsigned long long size,
            unsigned long long used)
{
    while (size > 0x7fffffffULL && units <= 0x3fffffffULL) {
        units *= 2;
        size /= 2;
        used /= 2;
    }
    r->units = (int32_t)units;
    r->size = (int32_t)(size > 0x7fffffffULL ? 0x7fffffff : size);
    r->used = (int32_t)(used > 0x7fffffffULL ? 0x7fffffff : used);
}

static int
add_stor(host_mod_t *m, uint32_t idx, uint32_t type, const char *descr, unsigned long long units,
         unsigned long long size, unsigned long long used)
{
    stor_row_t *r = host_tab_add(&m->tabs[T_STOR], sizeof *r);
    if (!r)
        return MW_ENOMEM;
    idx1(&r->idx, idx);
    r->type = type;
    copy_str(r->descr, sizeof r->descr, descr);
    storage_fit(r, units, size, used);
    return 0;
}

/* --- memory ----------------------------------------------------------- */

static int
refresh_memory(host_mod_t *m, hr_priv_t *p)
{
    if (!p->mem && procps_meminfo_new(&p->mem) < 0)
        return MW_EINVAL;
    unsigned long total = MEMINFO_GET(p->mem, MEMINFO_MEM_TOTAL, ul_int);
    unsigned long mfree = MEMINFO_GET(p->mem, MEMINFO_MEM_FREE, ul_int);
    unsigned long buffers = MEMINFO_GET(p->mem, MEMINFO_MEM_BUFFERS, ul_int);
    unsigned long cached = MEMINFO_GET(p->mem, MEMINFO_MEM_CACHED_ALL, ul_int); /* + SReclaimable, as net-snmp */
    unsigned long shared = MEMINFO_GET(p->mem, MEMINFO_MEM_SHARED, ul_int);
    unsigned long avail = MEMINFO_GET(p->mem, MEMINFO_MEM_AVAILABLE, ul_int);
    unsigned long stotal = MEMINFO_GET(p->mem, MEMINFO_SWAP_TOTAL, ul_int);
    unsigned long sfree = MEMINFO_GET(p->mem, MEMINFO_SWAP_FREE, ul_int);
    unsigned long used = total - mfree, sused = stotal - sfree;
    p->memsize = (int32_t)(total > 0x7fffffffUL ? 0x7fffffff : total);
    /* rows and values as net-snmp's memory_linux.c and hrh_storage.c */
    int rc = add_stor(m, ST_PHYS, 2, "Physical memory", 1024, total, used);
    if (rc == 0)
        rc = add_stor(m, ST_VIRT, 3, "Virtual memory", 1024, total + stotal, used + sused);
    if (rc == 0)
        rc = add_stor(m, ST_MBUF, 1, "Memory buffers", 1024, total, buffers);
    if (rc == 0)
        rc = add_stor(m, ST_CACHED, 1, "Cached memory", 1024, cached, cached);
    if (rc == 0)
        rc = add_stor(m, ST_SHARED, 1, "Shared memory", 1024, shared, shared);
    if (rc == 0)
        rc = add_stor(m, ST_SWAP, 3, "Swap space", 1024, stotal, sused);
    if (rc == 0)
        rc = add_stor(m, ST_AVAIL, 1, "Available memory", 1024, avail, 0);
    return rc;
}

/* --- file systems ----------------------------------------------------- */

/* Types net-snmp leaves out of hrFSTable and hrStorageTable. */
static int
fs_ignored(const char *type)
{
    static const char *const ignored[] = {
        "proc", "sysfs", "devpts", "devtmpfs", "cgroup", "cgroup2", "securityfs", "debugfs",
        "tracefs", "pstore", "bpf", "configfs", "fusectl", "mqueue", "hugetlbfs", "binfmt_misc",
        "autofs", "rpc_pipefs", "efivarfs", "selinuxfs", "nsfs", "usbfs", "rootfs", "ramfs",
        "fuse.gvfsd-fuse", "fuse.portal", "nfsd", "sockfs", "pipefs", "anon_inodefs", NULL,
    };
    for (size_t i = 0; ignored[i]; i++)
        if (strcmp(type, ignored[i]) == 0)
            return 1;
    return 0;
}

static uint32_t
fs_type(const char *type)
{
    if (!strncmp(type, "ext", 3))
        return 23; /* hrFSLinuxExt2 */
    if (!strcmp(type, "vfat"))
        return 22; /* hrFSFAT32 */
    if (!strcmp(type, "msdos"))
        return 5;  /* hrFSFat */
    if (!strcmp(type, "iso9660"))
        return 12; /* hrFSiso9660 */
    if (!strncmp(type, "nfs", 3))
        return 14; /* hrFSNFS */
    if (!strcmp(type, "ntfs"))
        return 9;  /* hrFSNTFS */
    return 1;      /* hrFSOther */
}

static int
fs_remote(const char *type)
{
    return !strncmp(type, "nfs", 3) || !strcmp(type, "cifs") || !strcmp(type, "smbfs")
           || !strcmp(type, "smb3");
}

static int
add_fs(host_mod_t *m, struct mntent *me, uint32_t fsidx)
{
    int remote = fs_remote(me->mnt_type);
    fs_row_t *r = host_tab_add(&m->tabs[T_FS], sizeof *r);
    if (!r)
        return MW_ENOMEM;
    idx1(&r->idx, fsidx);
    copy_str(r->mount, sizeof r->mount, me->mnt_dir);
    copy_str(r->remote, sizeof r->remote, remote ? me->mnt_fsname : "");
    r->type = fs_type(me->mnt_type);
    r->access = hasmntopt(me, "ro") ? 2 : 1;
    r->bootable = strcmp(me->mnt_dir, "/") == 0 ? 1 : 2;
    r->storage = ST_FS_BASE + (int32_t)fsidx;
    struct statvfs sv;
    if (statvfs(me->mnt_dir, &sv) < 0)
        memset(&sv, 0, sizeof sv);
    unsigned long long units = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
    return add_stor(m, ST_FS_BASE + fsidx, remote ? 10 : 4, me->mnt_dir, units ? units : 4096,
                    sv.f_blocks, sv.f_blocks - sv.f_bfree);
}

static int
refresh_fs(host_mod_t *m, const hr_priv_t *p)
{
    FILE *f = setmntent("/proc/mounts", "r");
    if (!f)
        return 0;
    /* hrFSIndex: the rank of the mount point's first appearance, as
     * net-snmp's fsys container numbers entries, after the paths of the
     * configured disks (snmpd.conf's "disk" lines come first) */
    char (*seen)[256] = NULL;
    size_t nseen = 0, cap = 0;
    struct mntent me;
    char buf[4096];
    int rc = 0;
    uint64_t disk_done = 0;
    if (p->ndisks) {
        cap = p->ndisks + 32;
        seen = calloc(cap, sizeof *seen);
        if (!seen) {
            endmntent(f);
            return MW_ENOMEM;
        }
        for (size_t i = 0; i < p->ndisks; i++)
            copy_str(seen[nseen++], sizeof seen[0], p->disks[i]);
    }
    while (rc == 0 && getmntent_r(f, &me, buf, sizeof buf)) {
        size_t k;
        for (k = 0; k < nseen; k++)
            if (strcmp(seen[k], me.mnt_dir) == 0)
                break;
        if (k < nseen) {
            /* a configured disk is numbered already: served at its first mount */
            if (k >= p->ndisks || (disk_done >> k & 1))
                continue;
            disk_done |= 1ULL << k;
            if (!fs_ignored(me.mnt_type))
                rc = add_fs(m, &me, (uint32_t)k + 1);
            continue;
        }
        if (nseen == cap) {
            size_t nc = cap ? cap * 2 : 32;
            void *np = realloc(seen, nc * sizeof *seen);
            if (!np) {
                rc = MW_ENOMEM;
                break;
            }
            seen = np;
            cap = nc;
        }
        copy_str(seen[nseen++], sizeof seen[0], me.mnt_dir);
        if (fs_ignored(me.mnt_type))
            continue;
        rc = add_fs(m, &me, (uint32_t)nseen);
    }
    free(seen);
    endmntent(f);
    return rc;
}

/* --- devices ---------------------------------------------------------- */

static int
add_dev(host_mod_t *m, uint32_t idx, uint32_t type, const char *descr, int32_t status,
        int has_errors, uint32_t errors)
{
    dev_row_t *r = host_tab_add(&m->tabs[T_DEV], sizeof *r);
    if (!r)
        return MW_ENOMEM;
    idx1(&r->idx, idx);
    r->type = type;
    copy_str(r->descr, sizeof r->descr, descr);
    r->status = status;
    r->has_errors = has_errors;
    r->errors = errors;
    return 0;
}

static int
refresh_cpus(host_mod_t *m, hr_priv_t *p, double now)
{
    if (!p->stat && procps_stat_new(&p->stat) < 0)
        return MW_EINVAL;
    enum stat_item items[] = { STAT_TIC_ID, STAT_TIC_SUM_BUSY, STAT_TIC_SUM_TOTAL };
    struct stat_reaped *rp = procps_stat_reap(p->stat, STAT_REAP_CPUS_ONLY, items, 3);
    if (!rp)
        return MW_EINVAL;
    int n = rp->cpus->total;
    if (n > p->ncap) {
        void *s = realloc(p->samples, (size_t)n * sizeof *p->samples);
        if (!s)
            return MW_ENOMEM;
        p->samples = s;
        int *ns = realloc(p->nsamples, (size_t)n * sizeof *ns);
        if (!ns)
            return MW_ENOMEM;
        p->nsamples = ns;
        for (int i = p->ncap; i < n; i++)
            ns[i] = 0;
        p->ncap = n;
    }
    p->ncpu = n;
    for (int i = 0; i < n; i++) {
        struct stat_stack *s = rp->cpus->stacks[i];
        int id = STAT_VAL(0, s_int, s, p->stat);
        unsigned long long busy = STAT_VAL(1, ull_int, s, p->stat);
        unsigned long long total = STAT_VAL(2, ull_int, s, p->stat);
        if (id < 0 || id >= n)
            id = i;
        /* hrProcessorLoad: busy share over about the last minute, from the
         * oldest sample kept (since boot for the first one) */
        cpu_sample_t *ring = p->samples[id];
        int k = p->nsamples[id];
        while (k > 0 && now - ring[0].t > 65.0) {
            memmove(ring, ring + 1, (size_t)(k - 1) * sizeof *ring);
            k--;
        }
        unsigned long long b0 = k ? ring[0].busy : 0, t0 = k ? ring[0].total : 0;
        int32_t load = total > t0 ? (int32_t)((busy - b0) * 100 / (total - t0)) : 0;
        if (k == CPU_SAMPLES) {
            memmove(ring, ring + 1, (size_t)(k - 1) * sizeof *ring);
            k--;
        }
        ring[k].t = now;
        ring[k].busy = busy;
        ring[k].total = total;
        p->nsamples[id] = k + 1;
        uint32_t idx = (DEV_PROCESSOR << 16) + (uint32_t)id;
        if (add_dev(m, idx, 3, p->cpu_descr, 2, 0, 0) < 0)
            return MW_ENOMEM;
        proc_row_t *r = host_tab_add(&m->tabs[T_PROC], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        idx1(&r->idx, idx);
        r->load = load < 0 ? 0 : load > 100 ? 100 : load;
    }
#if defined(__x86_64__) || defined(__i386__)
    if (add_dev(m, DEV_COPROCESSOR << 16, 12, "Guessing that there's a floating point co-processor",
                0, 0, 0) < 0)
        return MW_ENOMEM;
#endif
    return 0;
}

static int
refresh_netdevs(host_mod_t *m)
{
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) < 0)
        return 0;
    int rc = 0;
    for (struct ifaddrs *i = ifa; i && rc == 0; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET)
            continue;
        unsigned ifindex = if_nametoindex(i->ifa_name);
        if (!ifindex)
            continue;
        uint32_t errors = 0;
        if (i->ifa_data) {
            const struct rtnl_link_stats *st = i->ifa_data;
            errors = st->rx_errors + st->tx_errors;
        }
        char descr[64];
        snprintf(descr, sizeof descr, "network interface %s", i->ifa_name);
        uint32_t idx = (DEV_NETWORK << 16) + ifindex;
        rc = add_dev(m, idx, 4, descr, i->ifa_flags & IFF_UP ? 2 : 5, 1, errors);
        if (rc == 0) {
            net_row_t *r = host_tab_add(&m->tabs[T_NET], sizeof *r);
            if (!r)
                rc = MW_ENOMEM;
            else {
                idx1(&r->idx, idx);
                r->ifindex = (int32_t)ifindex;
            }
        }
    }
    freeifaddrs(ifa);
    return rc;
}

/* --- processes -------------------------------------------------------- */

enum { P_PID, P_CMD, P_STATE, P_TICS, P_RSS, P_ARGV };

static int
refresh_procs(host_mod_t *m, hr_priv_t *p)
{
    if (!p->pids) {
        enum pids_item items[] = { PIDS_ID_PID, PIDS_CMD, PIDS_STATE, PIDS_TICS_ALL, PIDS_VM_RSS,
                                   PIDS_CMDLINE_V };
        if (procps_pids_new(&p->pids, items, 6) < 0)
            return MW_EINVAL;
    }
    struct pids_fetch *f = procps_pids_reap(p->pids, PIDS_FETCH_TASKS_ONLY);
    if (!f)
        return MW_EINVAL;
    long hz = procps_hertz_get();
    if (hz <= 0)
        hz = 100;
    p->procs = 0;
    for (int i = 0; i < f->counts->total; i++) {
        struct pids_stack *s = f->stacks[i];
        int pid = PIDS_VAL(P_PID, s_int, s, p->pids);
        if (pid <= 0)
            continue;
        run_row_t *r = host_tab_add(&m->tabs[T_RUN], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        p->procs++;
        idx1(&r->idx, (uint32_t)pid);
        copy_str(r->name, sizeof r->name, PIDS_VAL(P_CMD, str, s, p->pids));
        char **argv = PIDS_VAL(P_ARGV, strv, s, p->pids);
        /* libproc2 gives a kernel thread's argv as its bracketed name */
        int kthread = !argv || !argv[0] || !argv[0][0] || (argv[0][0] == '[' && !argv[1]);
        if (!kthread) {
            copy_str(r->path, sizeof r->path, argv[0]);
            size_t used = 0;
            for (int k = 1; argv[k] && used < STR_MAX; k++) {
                int n = snprintf(r->params + used, sizeof r->params - used, "%s%s",
                                 k > 1 ? " " : "", argv[k]);
                if (n < 0)
                    break;
                used += (size_t)n;
            }
        }
        r->type = kthread ? 2 : 4; /* operatingSystem, application */
        switch (PIDS_VAL(P_STATE, s_ch, s, p->pids)) {
        case 'R': r->status = 1; break;               /* running */
        case 'D': case 'T': case 't': r->status = 3; break; /* notRunnable */
        case 'Z': case 'X': r->status = 4; break;     /* invalid */
        default: r->status = 2; break;                /* runnable */
        }
        unsigned long long tics = PIDS_VAL(P_TICS, ull_int, s, p->pids);
        unsigned long long cs = tics * 100ULL / (unsigned long long)hz;
        r->cpu = (int32_t)(cs > 0x7fffffffULL ? 0x7fffffff : cs);
        unsigned long rss = PIDS_VAL(P_RSS, ul_int, s, p->pids);
        r->mem = (int32_t)(rss > 0x7fffffffUL ? 0x7fffffff : rss);
    }
    return 0;
}

static uint32_t
count_users(void)
{
    uint32_t n = 0;
    struct utmp *u;
    setutent();
    while ((u = getutent()))
        if (u->ut_type == USER_PROCESS && u->ut_user[0])
            n++;
    endutent();
    return n;
}

static int
hr_refresh(host_mod_t *m)
{
    hr_priv_t *p = m->priv;
    double now = host_now();
    double up = 0, idle = 0;
    if (procps_uptime(&up, &idle) < 0)
        up = 0;
    p->uptime_cs = (uint32_t)(unsigned long long)(up * 100.0);
    p->users = count_users();
    int rc = refresh_memory(m, p);
    if (rc == 0)
        rc = refresh_fs(m, p);
    if (rc == 0)
        rc = refresh_cpus(m, p, now);
    if (rc == 0)
        rc = refresh_netdevs(m);
    if (rc == 0)
        rc = refresh_procs(m, p);
    return rc;
}

/* --- values ----------------------------------------------------------- */

static void
date_and_time(uint8_t out[11])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    int year = tm.tm_year + 1900;
    long off = tm.tm_gmtoff;
    out[0] = (uint8_t)(year >> 8);
    out[1] = (uint8_t)year;
    out[2] = (uint8_t)(tm.tm_mon + 1);
    out[3] = (uint8_t)tm.tm_mday;
    out[4] = (uint8_t)tm.tm_hour;
    out[5] = (uint8_t)tm.tm_min;
    out[6] = (uint8_t)(tm.tm_sec > 59 ? 59 : tm.tm_sec);
    out[7] = (uint8_t)(ts.tv_nsec / 100000000);
    out[8] = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    out[9] = (uint8_t)(off / 3600);
    out[10] = (uint8_t)((off % 3600) / 60);
}

static int
type_oid(agent_req_t *rq, mw_value_t *v, uint32_t group, uint32_t arc)
{
    /* hrStorageTypes 25.2.1.x, hrDeviceTypes 25.3.1.x, hrFSTypes 25.3.9.x */
    uint32_t o[] = { HR, 0, 0, arc };
    o[7] = group == 2 ? 2 : 3;
    o[8] = group == 2 ? 1 : group;
    return host_v_oid(rq, v, o, 10);
}

static int
hr_cell(host_mod_t *m, agent_req_t *rq, const host_obj_t *o, const void *row, mw_value_t *v)
{
    static const uint32_t zero_oid[] = { 0, 0 };
    static const uint8_t no_date[8] = { 0, 0, 1, 1, 0, 0, 0, 0 };
    hr_priv_t *p = m->priv;
    int id = o->id;
    if (id >= O_SYS && id < O_SYS + 10) {
        switch (id - O_SYS) {
        case 1: host_v_num(v, MW_T_TIMETICKS, p->uptime_cs); return 0;
        case 2: {
            uint8_t *d = agent_req_alloc(rq, 11);
            if (!d)
                return -MW_ERR_GENERR;
            date_and_time(d);
            host_v_str(v, d, 11);
            return 0;
        }
        case 3: host_v_int(v, 6 << 16); return 0; /* net-snmp: the first disk device */
        case 4: host_v_str(v, p->cmdline, strlen(p->cmdline)); return 0;
        case 5: host_v_num(v, MW_T_GAUGE32, p->users); return 0;
        case 6: host_v_num(v, MW_T_GAUGE32, p->procs); return 0;
        case 7: host_v_int(v, 0); return 0;
        }
        return AGENT_NOSUCH;
    }
    if (id == O_MEMSIZE) {
        host_v_int(v, p->memsize);
        return 0;
    }
    if (id > O_STOR && id < O_STOR + 100) {
        const stor_row_t *r = row;
        switch (id - O_STOR) {
        case 1: host_v_int(v, r->idx.a[0]); return 0;
        case 2: return type_oid(rq, v, 2, r->type);
        case 3: host_v_str(v, r->descr, strlen(r->descr)); return 0;
        case 4: host_v_int(v, r->units); return 0;
        case 5: host_v_int(v, r->size); return 0;
        case 6: host_v_int(v, r->used); return 0;
        }
    } else if (id > O_DEV && id < O_DEV + 100) {
        const dev_row_t *r = row;
        switch (id - O_DEV) {
        case 1: host_v_int(v, r->idx.a[0]); return 0;
        case 2: return type_oid(rq, v, 1, r->type);
        case 3: host_v_str(v, r->descr, strlen(r->descr)); return 0;
        case 4: return host_v_oid(rq, v, zero_oid, 2);
        case 5:
            if (!r->status)
                return AGENT_NOSUCH;
            host_v_int(v, r->status);
            return 0;
        case 6:
            if (!r->has_errors)
                return AGENT_NOSUCH;
            host_v_num(v, MW_T_COUNTER32, r->errors);
            return 0;
        }
    } else if (id > O_PROC && id < O_PROC + 100) {
        const proc_row_t *r = row;
        if (id == O_PROC + 1)
            return host_v_oid(rq, v, zero_oid, 2);
        host_v_int(v, r->load);
        return 0;
    } else if (id > O_NET && id < O_NET + 100) {
        const net_row_t *r = row;
        host_v_int(v, r->ifindex);
        return 0;
    } else if (id > O_FS && id < O_FS + 100) {
        const fs_row_t *r = row;
        switch (id - O_FS) {
        case 1: host_v_int(v, r->idx.a[0]); return 0;
        case 2: host_v_str(v, r->mount, strlen(r->mount)); return 0;
        case 3: host_v_str(v, r->remote, strlen(r->remote)); return 0;
        case 4: return type_oid(rq, v, 9, r->type);
        case 5: host_v_int(v, r->access); return 0;
        case 6: host_v_int(v, r->bootable); return 0;
        case 7: host_v_int(v, r->storage); return 0;
        case 8: case 9: host_v_str(v, no_date, sizeof no_date); return 0;
        }
    } else if (id > O_RUN && id < O_RUN + 100) {
        const run_row_t *r = row;
        switch (id - O_RUN) {
        case 1: host_v_int(v, r->idx.a[0]); return 0;
        case 2: host_v_str(v, r->name, strlen(r->name)); return 0;
        case 3: return host_v_oid(rq, v, zero_oid, 2);
        case 4: host_v_str(v, r->path, strlen(r->path)); return 0;
        case 5: host_v_str(v, r->params, strlen(r->params)); return 0;
        case 6: host_v_int(v, r->type); return 0;
        case 7: host_v_int(v, r->status); return 0;
        }
    } else if (id > O_PERF && id < O_PERF + 100) {
        const run_row_t *r = row;
        host_v_int(v, id == O_PERF + 1 ? r->cpu : r->mem);
        return 0;
    }
    return AGENT_NOSUCH;
}

static void
hr_free(host_mod_t *m)
{
    hr_priv_t *p = m->priv;
    if (!p)
        return;
    if (p->pids)
        procps_pids_unref(&p->pids);
    if (p->mem)
        procps_meminfo_unref(&p->mem);
    if (p->stat)
        procps_stat_unref(&p->stat);
    free(p->samples);
    free(p->nsamples);
    for (size_t i = 0; i < p->ndisks; i++)
        free(p->disks[i]);
    free(p->disks);
    free(p);
}

int
host_hr_disk(host_mod_t *m, const char *path)
{
    hr_priv_t *p = m->priv;
    if (p->ndisks >= 64)
        return MW_EINVAL;
    return host_path_add(&p->disks, &p->ndisks, path);
}

host_mod_t *
host_hr_new(void)
{
    host_mod_t *m = calloc(1, sizeof *m);
    hr_priv_t *p = calloc(1, sizeof *p);
    if (!m || !p) {
        free(m);
        free(p);
        return NULL;
    }
    read_cpuinfo(p);
    m->name = "host";
    m->objs = hr_objs;
    m->nobjs = sizeof hr_objs / sizeof hr_objs[0];
    m->refresh = hr_refresh;
    m->cell = hr_cell;
    m->free = hr_free;
    m->priv = p;
    return m;
}
