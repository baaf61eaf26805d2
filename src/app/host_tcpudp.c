/* host_tcpudp.c - TCP-MIB (RFC 4022) and UDP-MIB (RFC 4113): the scalars,
 * tcpConnTable and udpTable (IPv4, RFC 2012/2013), tcpConnectionTable,
 * tcpListenerTable and udpEndpointTable (IPv4 and IPv6), with net-snmp's
 * indexes and the owning process of each socket.
 *
 * Sources: /proc/net/snmp for the counters and /proc/net/{tcp,tcp6,udp,
 * udp6} for the sockets, read as plain text: no library in Debian exposes
 * the kernel's SNMP counters, and these files are the kernel's own
 * documented interface for them (libnl-route has no TCP or UDP tables). A
 * socket's process is found through /proc/PID/fd, as net-snmp does. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

#define MIB2 1, 3, 6, 1, 2, 1
enum { T_CONN, T_CONNECTION, T_LISTENER, T_UDP, T_ENDPOINT };
enum { O_TCP = 100, O_CONN = 200, O_CONNECTION = 300, O_LISTENER = 400, O_UDP = 500,
       O_UDPT = 600, O_ENDPOINT = 700 };

typedef struct {
    host_idx_t idx;
    uint8_t laddr[16], raddr[16];
    int alen;                 /* 4 or 16 */
    uint32_t lport, rport, state, pid;
    unsigned long inode;
} sock_row_t;

typedef struct {
    unsigned long inode;
    uint32_t pid;
} owner_t;

typedef struct {
    long long tcp_vals[16];   /* /proc/net/snmp Tcp: fields, in order */
    int ntcp;
    long long udp[16];
    int nudp;
    owner_t *owners;          /* owned, sorted by inode */
    size_t nowners, capowners;
    int is_tcp;               /* 1: the tcp module, 0: udp */
} tu_priv_t;

#define TSC(k) { { MIB2, 6, k }, 8, -1, O_TCP + k }
#define USC(k) { { MIB2, 7, k }, 8, -1, O_UDP + k }

static const host_obj_t tcp_objs[] = {
    TSC(1), TSC(2), TSC(3), TSC(4), TSC(5), TSC(6), TSC(7), TSC(8), TSC(9), TSC(10), TSC(11),
    TSC(12),
    { { MIB2, 6, 13, 1, 1 }, 10, T_CONN, O_CONN + 1 },
    { { MIB2, 6, 13, 1, 2 }, 10, T_CONN, O_CONN + 2 },
    { { MIB2, 6, 13, 1, 3 }, 10, T_CONN, O_CONN + 3 },
    { { MIB2, 6, 13, 1, 4 }, 10, T_CONN, O_CONN + 4 },
    { { MIB2, 6, 13, 1, 5 }, 10, T_CONN, O_CONN + 5 },
    TSC(14), TSC(15),
    { { MIB2, 6, 19, 1, 7 }, 10, T_CONNECTION, O_CONNECTION + 7 },
    { { MIB2, 6, 19, 1, 8 }, 10, T_CONNECTION, O_CONNECTION + 8 },
    { { MIB2, 6, 20, 1, 4 }, 10, T_LISTENER, O_LISTENER + 4 },
};

static const host_obj_t udp_objs[] = {
    USC(1), USC(2), USC(3), USC(4),
    { { MIB2, 7, 5, 1, 1 }, 10, T_UDP, O_UDPT + 1 },
    { { MIB2, 7, 5, 1, 2 }, 10, T_UDP, O_UDPT + 2 },
    { { MIB2, 7, 7, 1, 8 }, 10, T_ENDPOINT, O_ENDPOINT + 8 },
};

/* Reads the values of the /proc/net/snmp line pair whose name is key. */
static int
read_snmp(const char *key, long long *out, int cap)
{
    FILE *f = fopen("/proc/net/snmp", "r");
    if (!f)
        return 0;
    char line[1024];
    size_t kl = strlen(key);
    int n = 0, seen = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) != 0 || line[kl] != ':')
            continue;
        if (!seen++)
            continue; /* the header line */
        char *p = line + kl + 1, *end;
        while (n < cap) {
            long long v = strtoll(p, &end, 10);
            if (end == p)
                break;
            out[n++] = v;
            p = end;
        }
        break;
    }
    fclose(f);
    return n;
}

static int
owner_cmp(const void *a, const void *b)
{
    const owner_t *x = a, *y = b;
    return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* inode -> pid for every socket of every process we can see. */
static int
scan_owners(tu_priv_t *p)
{
    p->nowners = 0;
    DIR *proc = opendir("/proc");
    if (!proc)
        return 0;
    struct dirent *de;
    while ((de = readdir(proc))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/fd", pid);
        DIR *fd = opendir(path);
        if (!fd)
            continue;
        struct dirent *fe;
        while ((fe = readdir(fd))) {
            if (fe->d_name[0] == '.')
                continue;
            char lp[320], target[64];
            snprintf(lp, sizeof lp, "/proc/%ld/fd/%s", pid, fe->d_name);
            ssize_t n = readlink(lp, target, sizeof target - 1);
            if (n < 9 || strncmp(target, "socket:[", 8) != 0)
                continue;
            target[n] = 0;
            if (p->nowners == p->capowners) {
                size_t nc = p->capowners ? p->capowners * 2 : 256;
                owner_t *o = realloc(p->owners, nc * sizeof *o);
                if (!o) {
                    closedir(fd);
                    closedir(proc);
                    return MW_ENOMEM;
                }
                p->owners = o;
                p->capowners = nc;
            }
            p->owners[p->nowners].inode = strtoul(target + 8, NULL, 10);
            p->owners[p->nowners].pid = (uint32_t)pid;
            p->nowners++;
        }
        closedir(fd);
    }
    closedir(proc);
    qsort(p->owners, p->nowners, sizeof *p->owners, owner_cmp);
    return 0;
}

static uint32_t
owner_of(const tu_priv_t *p, unsigned long inode)
{
    owner_t key = { .inode = inode };
    const owner_t *o = bsearch(&key, p->owners, p->nowners, sizeof key, owner_cmp);
    return o ? o->pid : 0;
}

/* Kernel hex address (host order words) to network-order octets. */
static int
parse_addr(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex);
    if (n != 8 && n != 32)
        return -1;
    for (size_t w = 0; w < n / 8; w++) {
        char word[9];
        memcpy(word, hex + w * 8, 8);
        word[8] = 0;
        uint32_t v = (uint32_t)strtoul(word, NULL, 16);
        memcpy(out + w * 4, &v, 4); /* the kernel prints the in-memory word */
    }
    return (int)(n / 2);
}

/* TCP state, Linux numbering to tcpConnState / tcpConnectionState. */
static uint32_t
tcp_state(unsigned st)
{
    static const uint32_t map[] = { 0, 5, 3, 4, 6, 7, 11, 1, 8, 9, 2, 10 };
    return st < sizeof map / sizeof map[0] ? map[st] : 1;
}

static void
idx_addr(host_idx_t *x, const uint8_t *a, int alen, int with_type)
{
    if (with_type) {
        x->a[x->n++] = alen == 4 ? 1 : 2;
        x->a[x->n++] = (uint32_t)alen;
    }
    for (int i = 0; i < alen; i++)
        x->a[x->n++] = a[i];
}

/* One /proc/net/{tcp,udp}[6] file into the module's tables. */
static int
read_socks(host_mod_t *m, tu_priv_t *p, const char *file, int tcp)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return 0;
    char line[512];
    int rc = 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return 0;
    }
    while (rc == 0 && fgets(line, sizeof line, f)) {
        char la[40], ra[40];
        unsigned lport, rport, st;
        unsigned long inode;
        if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*s %*s %*s %*s %*s %lu",
                   la, &lport, ra, &rport, &st, &inode) != 6)
            continue;
        sock_row_t s = { 0 };
        s.alen = parse_addr(la, s.laddr);
        if (s.alen < 0 || parse_addr(ra, s.raddr) != s.alen)
            continue;
        s.lport = lport;
        s.rport = rport;
        s.state = tcp_state(st);
        s.inode = inode;
        s.pid = owner_of(p, inode);
        /* RFC 2012/2013 tables: IPv4 only */
        if (s.alen == 4) {
            sock_row_t *r = host_tab_add(&m->tabs[tcp ? T_CONN : T_UDP], sizeof *r);
            if (!r) {
                rc = MW_ENOMEM;
                break;
            }
            *r = s;
            r->idx.n = 0;
            idx_addr(&r->idx, s.laddr, 4, 0);
            r->idx.a[r->idx.n++] = s.lport;
            if (tcp) {
                idx_addr(&r->idx, s.raddr, 4, 0);
                r->idx.a[r->idx.n++] = s.rport;
            }
        }
        int tab = !tcp ? T_ENDPOINT : s.state == 2 ? T_LISTENER : T_CONNECTION;
        sock_row_t *r = host_tab_add(&m->tabs[tab], sizeof *r);
        if (!r) {
            rc = MW_ENOMEM;
            break;
        }
        *r = s;
        r->idx.n = 0;
        idx_addr(&r->idx, s.laddr, s.alen, 1);
        r->idx.a[r->idx.n++] = s.lport;
        if (tab != T_LISTENER) {
            idx_addr(&r->idx, s.raddr, s.alen, 1);
            r->idx.a[r->idx.n++] = s.rport;
        }
        if (tab == T_ENDPOINT)
            r->idx.a[r->idx.n++] = (uint32_t)inode; /* udpEndpointInstance */
    }
    fclose(f);
    return rc;
}

static int
tu_refresh(host_mod_t *m)
{
    tu_priv_t *p = m->priv;
    int rc = scan_owners(p);
    if (rc < 0)
        return rc;
    if (p->is_tcp) {
        p->ntcp = read_snmp("Tcp", p->tcp_vals, 16);
        rc = read_socks(m, p, "/proc/net/tcp", 1);
        if (rc == 0)
            rc = read_socks(m, p, "/proc/net/tcp6", 1);
    } else {
        p->nudp = read_snmp("Udp", p->udp, 16);
        rc = read_socks(m, p, "/proc/net/udp", 0);
        if (rc == 0)
            rc = read_socks(m, p, "/proc/net/udp6", 0);
    }
    return rc;
}

static int
tu_cell(host_mod_t *m, agent_req_t *rq, const host_obj_t *o, const void *row, mw_value_t *v)
{
    tu_priv_t *p = m->priv;
    const sock_row_t *r = row;
    int id = o->id;
    (void)rq;
    if (id > O_TCP && id < O_TCP + 100) {
        int k = id - O_TCP;
        /* /proc/net/snmp Tcp: field order: arcs 1..12 then InErrs, OutRsts */
        int f = k <= 12 ? k - 1 : k == 14 ? 12 : 13;
        if (f >= p->ntcp)
            return AGENT_NOSUCH;
        long long x = p->tcp_vals[f];
        if (k <= 4)
            host_v_int(v, x);
        else if (k == 9)
            host_v_num(v, MW_T_GAUGE32, (uint64_t)x & 0xffffffffu);
        else
            host_v_num(v, MW_T_COUNTER32, (uint64_t)x & 0xffffffffu);
        return 0;
    }
    if (id > O_UDP && id < O_UDP + 100) {
        int k = id - O_UDP;
        /* InDatagrams NoPorts InErrors OutDatagrams */
        if (k - 1 >= p->nudp)
            return AGENT_NOSUCH;
        host_v_num(v, MW_T_COUNTER32, (uint64_t)p->udp[k - 1] & 0xffffffffu);
        return 0;
    }
    switch (id) {
    case O_CONN + 1: host_v_int(v, r->state); return 0;
    case O_CONN + 2: v->type = MW_T_IPADDR; v->p = r->laddr; v->len = 4; return 0;
    case O_CONN + 3: host_v_int(v, r->lport); return 0;
    case O_CONN + 4: v->type = MW_T_IPADDR; v->p = r->raddr; v->len = 4; return 0;
    case O_CONN + 5: host_v_int(v, r->rport); return 0;
    case O_CONNECTION + 7: host_v_int(v, r->state); return 0;
    case O_CONNECTION + 8: case O_LISTENER + 4: case O_ENDPOINT + 8:
        host_v_num(v, MW_T_GAUGE32, r->pid);
        return 0;
    case O_UDPT + 1: v->type = MW_T_IPADDR; v->p = r->laddr; v->len = 4; return 0;
    case O_UDPT + 2: host_v_int(v, r->lport); return 0;
    }
    return AGENT_NOSUCH;
}

static void
tu_free(host_mod_t *m)
{
    tu_priv_t *p = m->priv;
    if (p) {
        free(p->owners);
        free(p);
    }
}

static host_mod_t *
tu_new(int tcp)
{
    host_mod_t *m = calloc(1, sizeof *m);
    tu_priv_t *p = calloc(1, sizeof *p);
    if (!m || !p) {
        free(m);
        free(p);
        return NULL;
    }
    p->is_tcp = tcp;
    m->name = tcp ? "tcp" : "udp";
    m->objs = tcp ? tcp_objs : udp_objs;
    m->nobjs = tcp ? sizeof tcp_objs / sizeof tcp_objs[0] : sizeof udp_objs / sizeof udp_objs[0];
    m->refresh = tu_refresh;
    m->cell = tu_cell;
    m->free = tu_free;
    m->priv = p;
    return m;
}

host_mod_t *host_tcp_new(void) { return tu_new(1); }
host_mod_t *host_udp_new(void) { return tu_new(0); }
