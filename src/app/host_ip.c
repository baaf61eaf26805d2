/* host_ip.c - IP-MIB (RFC 4293, with the RFC 1213 tables snmpd still
 * serves), IP-FORWARD-MIB (RFC 4292) and the ICMP group and tables, with
 * net-snmp's indexes.
 *
 * Sources:
 * - addresses (ipAddrTable, ipAddressTable, ipAddressPrefixTable,
 *   ipv6ScopeZoneIndexTable) and neighbours (ipNetToMediaTable,
 *   ipNetToPhysicalTable) from rtnetlink through libnl-route-3;
 * - routes from /proc/net/route and /proc/net/ipv6_route: snmpd numbers
 *   inetCidrRoutePolicy from each route's place in these files, so the
 *   same files in the same order give the same indexes;
 * - counters from /proc/net/snmp, /proc/net/netstat, /proc/net/snmp6 and
 *   /proc/net/dev_snmp6/IF (the kernel's own SNMP counters; no library in
 *   Debian exposes them), forwarding and hop limit from /proc/sys. */
#include <arpa/inet.h>
#include <dirent.h>
#include <net/if.h>
#include <net/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/neighbour.h>

#include "host.h"
#include "hostlib.h" /* the libraries, opened on first use */

#define MIB2 1, 3, 6, 1, 2, 1

/* --- the kernel's counters ------------------------------------------------ */

/* Counters by name, one set per IP version. */
enum {
    C_FORWARDING, C_TTL, C_INRECV, C_INHDR, C_INADDR, C_OUTFORW, C_INUNK, C_INDISC, C_INDELIV,
    C_OUTREQ, C_OUTDISC, C_OUTNOROUTE, C_REASMTO, C_REASMREQ, C_REASMOK, C_REASMFAIL, C_FRAGOK,
    C_FRAGFAIL, C_FRAGCREATE, C_INNOROUTE, C_INTRUNC, C_INMCAST, C_OUTMCAST, C_INBCAST, C_OUTBCAST,
    C_INOCT, C_OUTOCT, C_INMCASTOCT, C_OUTMCASTOCT, C_N
};

typedef struct {
    const char *name;
    int id;
} cname_t;

static const cname_t ip_names[] = {
    { "Forwarding", C_FORWARDING }, { "DefaultTTL", C_TTL }, { "InReceives", C_INRECV },
    { "InHdrErrors", C_INHDR }, { "InAddrErrors", C_INADDR }, { "ForwDatagrams", C_OUTFORW },
    { "OutForwDatagrams", C_OUTFORW }, { "InUnknownProtos", C_INUNK }, { "InDiscards", C_INDISC },
    { "InDelivers", C_INDELIV }, { "OutRequests", C_OUTREQ }, { "OutDiscards", C_OUTDISC },
    { "OutNoRoutes", C_OUTNOROUTE }, { "ReasmTimeout", C_REASMTO }, { "ReasmReqds", C_REASMREQ },
    { "ReasmOKs", C_REASMOK }, { "ReasmFails", C_REASMFAIL }, { "FragOKs", C_FRAGOK },
    { "FragFails", C_FRAGFAIL }, { "FragCreates", C_FRAGCREATE }, { "InNoRoutes", C_INNOROUTE },
    { "InTruncatedPkts", C_INTRUNC }, { "InMcastPkts", C_INMCAST }, { "OutMcastPkts", C_OUTMCAST },
    { "InBcastPkts", C_INBCAST }, { "OutBcastPkts", C_OUTBCAST }, { "InOctets", C_INOCT },
    { "OutOctets", C_OUTOCT }, { "InMcastOctets", C_INMCASTOCT },
    { "OutMcastOctets", C_OUTMCASTOCT }, { NULL, 0 },
};

/* The ICMP group's scalars in MIB order (icmpInMsgs .. icmpOutAddrMaskReps). */
static const char *const icmp_names[] = {
    "InMsgs", "InErrors", "InDestUnreachs", "InTimeExcds", "InParmProbs", "InSrcQuenchs",
    "InRedirects", "InEchos", "InEchoReps", "InTimestamps", "InTimestampReps", "InAddrMasks",
    "InAddrMaskReps", "OutMsgs", "OutErrors", "OutDestUnreachs", "OutTimeExcds", "OutParmProbs",
    "OutSrcQuenchs", "OutRedirects", "OutEchos", "OutEchoReps", "OutTimestamps",
    "OutTimestampReps", "OutAddrMasks", "OutAddrMaskReps", NULL,
};

static int
name_find(const cname_t *t, const char *name, size_t n)
{
    for (; t->name; t++)
        if (strlen(t->name) == n && strncmp(t->name, name, n) == 0)
            return t->id;
    return -1;
}

static int
list_find(const char *const *t, const char *name, size_t n)
{
    for (int i = 0; t[i]; i++)
        if (strlen(t[i]) == n && strncmp(t[i], name, n) == 0)
            return i;
    return -1;
}

/* Reads the header/value line pair named pfx of /proc/net/snmp or
 * /proc/net/netstat; each header found in names (cname_t) or list sets
 * out[id]. Returns 1 when the pair was found. */
static int
read_pairs(const char *path, const char *pfx, const cname_t *names, const char *const *list,
           uint64_t *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char head[2048], vals[2048];
    size_t pl = strlen(pfx);
    int found = 0;
    while (fgets(head, sizeof head, f)) {
        if (strncmp(head, pfx, pl) != 0 || head[pl] != ':')
            continue;
        if (!fgets(vals, sizeof vals, f))
            break;
        char *h = head + pl + 1, *v = vals + pl + 1;
        for (;;) {
            h += strspn(h, " \t\n");
            size_t hn = strcspn(h, " \t\n");
            char *end;
            unsigned long long x = strtoull(v, &end, 10);
            if (hn == 0 || end == v)
                break;
            int id = names ? name_find(names, h, hn) : list_find(list, h, hn);
            if (id >= 0)
                out[id] = x;
            h += hn;
            v = end;
        }
        found = 1;
        break;
    }
    fclose(f);
    return found;
}

/* /proc/net/snmp6 and /proc/net/dev_snmp6/IF: "Ip6InReceives  123" lines.
 * Names after pfx found in names set out[id]; "Icmp6InTypeN" and
 * "Icmp6OutTypeN" set type_in[N] and type_out[N] when those are given. */
static int
read_flat(const char *path, const char *pfx, const cname_t *names, const char *const *list,
          uint64_t *out, uint64_t *type_in, uint64_t *type_out, int *ifindex)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[256];
    size_t pl = strlen(pfx);
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, " \t");
        unsigned long long x = strtoull(line + n, NULL, 10);
        if (ifindex && strncmp(line, "ifIndex", 7) == 0 && n == 7) {
            *ifindex = (int)x;
            continue;
        }
        if (n <= pl || strncmp(line, pfx, pl) != 0)
            continue;
        const char *name = line + pl;
        size_t nn = n - pl;
        if (type_in && nn > 6 && strncmp(name, "InType", 6) == 0) {
            unsigned t = (unsigned)strtoul(name + 6, NULL, 10);
            if (t < 256)
                type_in[t] = x;
            continue;
        }
        if (type_out && nn > 7 && strncmp(name, "OutType", 7) == 0) {
            unsigned t = (unsigned)strtoul(name + 7, NULL, 10);
            if (t < 256)
                type_out[t] = x;
            continue;
        }
        int id = names ? name_find(names, name, nn) : list_find(list, name, nn);
        if (id >= 0)
            out[id] = x;
    }
    fclose(f);
    return 1;
}

static long
read_long(const char *path, long dflt)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return dflt;
    long v = dflt;
    if (fscanf(f, "%ld", &v) != 1)
        v = dflt;
    fclose(f);
    return v;
}

/* --- IP-MIB, IP-FORWARD-MIB --------------------------------------------- */

enum { T_ADDR, T_ROUTE, T_NTM, T_CIDR, T_INET, T_SYS, T_IFSTATS, T_PFX, T_ADDRESS, T_NTP, T_ZONE,
       T_DEFR };
enum { O_IP = 100, O_ADDR = 200, O_ROUTE = 300, O_NTM = 400, O_CIDR = 500, O_INET = 600,
       O_SYS = 700, O_IFSTATS = 800, O_PFX = 900, O_ADDRESS = 1000, O_NTP = 1100, O_ZONE = 1200,
       O_DEFR = 1300, O_INETNUM = 1400, O_V6FWD = 1401, O_V6HOP = 1402, O_SPIN = 1403,
       O_DISCARDS = 1404, O_IFSTATSCHANGE = 1405 };

/* One row of any of the address, route and neighbour tables. */
typedef struct {
    host_idx_t idx;
    uint8_t addr[16], other[16]; /* address; mask, next hop or broadcast */
    uint8_t ll[32];
    uint8_t alen, olen, lllen;
    int32_t ifindex, pfxlen, type, proto, origin, status, storage, state, onlink;
    int64_t metric;
    uint32_t flags;
} ip_row_t;

/* One row of ipSystemStatsTable or ipIfStatsTable: values by column. */
typedef struct {
    host_idx_t idx;
    uint64_t col[48];
    uint64_t avail;           /* bit c: column c is served */
} stat_row_t;

typedef struct {
    struct nl_sock *sk;       /* owned */
    struct nl_cache *links;   /* owned */
    struct nl_cache *addrs;   /* owned */
    struct nl_cache *neighs;  /* owned */
    uint64_t v4[C_N];
    int32_t v6fwd, v6hop, spin;
    uint32_t ninet;
    double born;              /* when the module was made (sysUpTime's origin, near enough) */
    uint32_t read_at;         /* hundredths of a second from born to the last refresh */
} ip_priv_t;

#define SC(k, id) { { MIB2, 4, k }, 8, -1, id }
#define C(tab, t, id, ...) { { MIB2, 4, __VA_ARGS__ }, 0, t, id }

static host_obj_t ip_objs[] = {
    SC(1, O_IP + 1), SC(2, O_IP + 2), SC(3, O_IP + 3), SC(4, O_IP + 4), SC(5, O_IP + 5),
    SC(6, O_IP + 6), SC(7, O_IP + 7), SC(8, O_IP + 8), SC(9, O_IP + 9), SC(10, O_IP + 10),
    SC(11, O_IP + 11), SC(12, O_IP + 12), SC(13, O_IP + 13), SC(14, O_IP + 14),
    SC(15, O_IP + 15), SC(16, O_IP + 16), SC(17, O_IP + 17), SC(18, O_IP + 18),
    SC(19, O_IP + 19),
    C(0, T_ADDR, O_ADDR + 1, 20, 1, 1), C(0, T_ADDR, O_ADDR + 2, 20, 1, 2),
    C(0, T_ADDR, O_ADDR + 3, 20, 1, 3), C(0, T_ADDR, O_ADDR + 4, 20, 1, 4),
    C(0, T_ROUTE, O_ROUTE + 1, 21, 1, 1), C(0, T_ROUTE, O_ROUTE + 2, 21, 1, 2),
    C(0, T_ROUTE, O_ROUTE + 3, 21, 1, 3), C(0, T_ROUTE, O_ROUTE + 7, 21, 1, 7),
    C(0, T_ROUTE, O_ROUTE + 8, 21, 1, 8), C(0, T_ROUTE, O_ROUTE + 9, 21, 1, 9),
    C(0, T_ROUTE, O_ROUTE + 11, 21, 1, 11), C(0, T_ROUTE, O_ROUTE + 13, 21, 1, 13),
    C(0, T_NTM, O_NTM + 1, 22, 1, 1), C(0, T_NTM, O_NTM + 2, 22, 1, 2),
    C(0, T_NTM, O_NTM + 3, 22, 1, 3), C(0, T_NTM, O_NTM + 4, 22, 1, 4),
    SC(23, O_DISCARDS),
    C(0, T_CIDR, O_CIDR + 1, 24, 4, 1, 1), C(0, T_CIDR, O_CIDR + 2, 24, 4, 1, 2),
    C(0, T_CIDR, O_CIDR + 3, 24, 4, 1, 3), C(0, T_CIDR, O_CIDR + 4, 24, 4, 1, 4),
    C(0, T_CIDR, O_CIDR + 5, 24, 4, 1, 5), C(0, T_CIDR, O_CIDR + 6, 24, 4, 1, 6),
    C(0, T_CIDR, O_CIDR + 7, 24, 4, 1, 7), C(0, T_CIDR, O_CIDR + 9, 24, 4, 1, 9),
    C(0, T_CIDR, O_CIDR + 10, 24, 4, 1, 10), C(0, T_CIDR, O_CIDR + 11, 24, 4, 1, 11),
    C(0, T_CIDR, O_CIDR + 12, 24, 4, 1, 12), C(0, T_CIDR, O_CIDR + 13, 24, 4, 1, 13),
    C(0, T_CIDR, O_CIDR + 14, 24, 4, 1, 14), C(0, T_CIDR, O_CIDR + 15, 24, 4, 1, 15),
    C(0, T_CIDR, O_CIDR + 16, 24, 4, 1, 16),
    { { MIB2, 4, 24, 6 }, 9, -1, O_INETNUM },
    C(0, T_INET, O_INET + 7, 24, 7, 1, 7), C(0, T_INET, O_INET + 8, 24, 7, 1, 8),
    C(0, T_INET, O_INET + 9, 24, 7, 1, 9), C(0, T_INET, O_INET + 10, 24, 7, 1, 10),
    C(0, T_INET, O_INET + 11, 24, 7, 1, 11), C(0, T_INET, O_INET + 12, 24, 7, 1, 12),
    C(0, T_INET, O_INET + 13, 24, 7, 1, 13), C(0, T_INET, O_INET + 14, 24, 7, 1, 14),
    C(0, T_INET, O_INET + 15, 24, 7, 1, 15), C(0, T_INET, O_INET + 16, 24, 7, 1, 16),
    C(0, T_INET, O_INET + 17, 24, 7, 1, 17),
    SC(25, O_V6FWD), SC(26, O_V6HOP),
    /* ipSystemStatsTable, ipIfStatsTable: columns 3..47 filled in at start-up */
#define STATCOL(t, o, sub, c) C(0, t, o + c, 31, sub, 1, c)
#define STATCOLS(t, o, sub)                                                                       \
    STATCOL(t, o, sub, 3), STATCOL(t, o, sub, 4), STATCOL(t, o, sub, 5), STATCOL(t, o, sub, 6),   \
    STATCOL(t, o, sub, 7), STATCOL(t, o, sub, 8), STATCOL(t, o, sub, 9), STATCOL(t, o, sub, 10),  \
    STATCOL(t, o, sub, 11), STATCOL(t, o, sub, 12), STATCOL(t, o, sub, 13),                       \
    STATCOL(t, o, sub, 14), STATCOL(t, o, sub, 15), STATCOL(t, o, sub, 16),                       \
    STATCOL(t, o, sub, 17), STATCOL(t, o, sub, 18), STATCOL(t, o, sub, 19),                       \
    STATCOL(t, o, sub, 20), STATCOL(t, o, sub, 21), STATCOL(t, o, sub, 22),                       \
    STATCOL(t, o, sub, 23), STATCOL(t, o, sub, 24), STATCOL(t, o, sub, 25),                       \
    STATCOL(t, o, sub, 26), STATCOL(t, o, sub, 27), STATCOL(t, o, sub, 28),                       \
    STATCOL(t, o, sub, 29), STATCOL(t, o, sub, 30), STATCOL(t, o, sub, 31),                       \
    STATCOL(t, o, sub, 32), STATCOL(t, o, sub, 33), STATCOL(t, o, sub, 34),                       \
    STATCOL(t, o, sub, 35), STATCOL(t, o, sub, 36), STATCOL(t, o, sub, 37),                       \
    STATCOL(t, o, sub, 38), STATCOL(t, o, sub, 39), STATCOL(t, o, sub, 40),                       \
    STATCOL(t, o, sub, 41), STATCOL(t, o, sub, 42), STATCOL(t, o, sub, 43),                       \
    STATCOL(t, o, sub, 44), STATCOL(t, o, sub, 45), STATCOL(t, o, sub, 46),                       \
    STATCOL(t, o, sub, 47)
    STATCOLS(T_SYS, O_SYS, 1),
    { { MIB2, 4, 31, 2 }, 9, -1, O_IFSTATSCHANGE },
    STATCOLS(T_IFSTATS, O_IFSTATS, 3),
    C(0, T_PFX, O_PFX + 5, 32, 1, 5), C(0, T_PFX, O_PFX + 6, 32, 1, 6),
    C(0, T_PFX, O_PFX + 7, 32, 1, 7), C(0, T_PFX, O_PFX + 8, 32, 1, 8),
    C(0, T_PFX, O_PFX + 9, 32, 1, 9),
    SC(33, O_SPIN),
    C(0, T_ADDRESS, O_ADDRESS + 3, 34, 1, 3), C(0, T_ADDRESS, O_ADDRESS + 4, 34, 1, 4),
    C(0, T_ADDRESS, O_ADDRESS + 5, 34, 1, 5), C(0, T_ADDRESS, O_ADDRESS + 6, 34, 1, 6),
    C(0, T_ADDRESS, O_ADDRESS + 7, 34, 1, 7), C(0, T_ADDRESS, O_ADDRESS + 8, 34, 1, 8),
    C(0, T_ADDRESS, O_ADDRESS + 9, 34, 1, 9), C(0, T_ADDRESS, O_ADDRESS + 10, 34, 1, 10),
    C(0, T_ADDRESS, O_ADDRESS + 11, 34, 1, 11),
    C(0, T_NTP, O_NTP + 4, 35, 1, 4), C(0, T_NTP, O_NTP + 5, 35, 1, 5),
    C(0, T_NTP, O_NTP + 6, 35, 1, 6), C(0, T_NTP, O_NTP + 7, 35, 1, 7),
    C(0, T_NTP, O_NTP + 8, 35, 1, 8),
    C(0, T_ZONE, O_ZONE + 2, 36, 1, 2), C(0, T_ZONE, O_ZONE + 3, 36, 1, 3),
    C(0, T_ZONE, O_ZONE + 4, 36, 1, 4), C(0, T_ZONE, O_ZONE + 5, 36, 1, 5),
    C(0, T_ZONE, O_ZONE + 6, 36, 1, 6), C(0, T_ZONE, O_ZONE + 7, 36, 1, 7),
    C(0, T_ZONE, O_ZONE + 8, 36, 1, 8), C(0, T_ZONE, O_ZONE + 9, 36, 1, 9),
    C(0, T_ZONE, O_ZONE + 10, 36, 1, 10), C(0, T_ZONE, O_ZONE + 11, 36, 1, 11),
    C(0, T_ZONE, O_ZONE + 12, 36, 1, 12), C(0, T_ZONE, O_ZONE + 13, 36, 1, 13),
    C(0, T_DEFR, O_DEFR + 4, 37, 1, 4), C(0, T_DEFR, O_DEFR + 5, 37, 1, 5),
};

/* The C() entries leave len 0: set from the arcs (the last non-zero one). */
static void
objs_fix(host_obj_t *objs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (objs[i].len)
            continue;
        uint8_t l = 16;
        while (l > 0 && objs[i].arcs[l - 1] == 0)
            l--;
        objs[i].len = l;
    }
}

static void
idx_inet(host_idx_t *x, const uint8_t *a, int alen)
{
    x->a[x->n++] = alen == 4 ? 1 : 2;
    x->a[x->n++] = (uint32_t)alen;
    for (int i = 0; i < alen; i++)
        x->a[x->n++] = a[i];
}

static void
idx_raw(host_idx_t *x, const uint8_t *a, int alen)
{
    for (int i = 0; i < alen; i++)
        x->a[x->n++] = a[i];
}

static void
mask_of(uint8_t *out, int alen, int pfxlen)
{
    memset(out, 0, (size_t)alen);
    for (int i = 0; i < pfxlen && i < alen * 8; i++)
        out[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static void
nl_drop(ip_priv_t *p)
{
    if (p->neighs)
        nl_cache_free(p->neighs);
    if (p->addrs)
        nl_cache_free(p->addrs);
    if (p->links)
        nl_cache_free(p->links);
    if (p->sk)
        nl_socket_free(p->sk);
    p->neighs = p->addrs = p->links = NULL;
    p->sk = NULL;
}

static int
nl_refill(ip_priv_t *p)
{
    if (!p->sk) {
        p->sk = nl_socket_alloc();
        if (!p->sk)
            return MW_ENOMEM;
        if (nl_connect(p->sk, NETLINK_ROUTE) < 0 || rtnl_link_alloc_cache(p->sk, AF_UNSPEC, &p->links) < 0
            || rtnl_addr_alloc_cache(p->sk, &p->addrs) < 0
            || rtnl_neigh_alloc_cache(p->sk, &p->neighs) < 0) {
            nl_drop(p);
            return MW_EINVAL;
        }
        return 0;
    }
    if (nl_cache_refill(p->sk, p->links) < 0 || nl_cache_refill(p->sk, p->addrs) < 0
        || nl_cache_refill(p->sk, p->neighs) < 0)
        return MW_EINVAL;
    return 0;
}

/* ipAddrTable, ipAddressTable, ipAddressPrefixTable, ipv6ScopeZoneIndexTable */
static int
load_addrs(host_mod_t *m, ip_priv_t *p)
{
    for (struct nl_object *o = nl_cache_get_first(p->addrs); o; o = nl_cache_get_next(o)) {
        struct rtnl_addr *ad = (struct rtnl_addr *)o;
        int fam = rtnl_addr_get_family(ad);
        struct nl_addr *loc = rtnl_addr_get_local(ad);
        if ((fam != AF_INET && fam != AF_INET6) || !loc)
            continue;
        int alen = fam == AF_INET ? 4 : 16;
        if ((int)nl_addr_get_len(loc) != alen)
            continue;
        ip_row_t a = { 0 };
        a.alen = (uint8_t)alen;
        memcpy(a.addr, nl_addr_get_binary_addr(loc), (size_t)alen);
        a.ifindex = rtnl_addr_get_ifindex(ad);
        a.pfxlen = rtnl_addr_get_prefixlen(ad);
        unsigned fl = rtnl_addr_get_flags(ad) & 0xff; /* the flags of /proc/net/if_inet6 */
        a.type = 1; /* unicast */
        a.storage = 2; /* volatile */
        if (fam == AF_INET) {
            a.origin = 2; /* manual */
            a.status = 1; /* preferred */
        } else {
            int ll = a.addr[0] == 0xfe && (a.addr[1] & 0xc0) == 0x80;
            a.status = (fl & IFA_F_PERMANENT) || !fl ? 1 : (fl & IFA_F_TEMPORARY) ? 1
                       : (fl & IFA_F_DEPRECATED) ? 2 : (fl & IFA_F_TENTATIVE) ? 6 : 5;
            a.origin = !fl ? 5 : (fl & IFA_F_TEMPORARY) ? 6 : ll ? 5 : 2;
            if (a.origin == 5)
                a.storage = 4; /* permanent */
        }
        a.flags = fl;
        /* the prefix this address is in */
        uint8_t mask[16], net[16];
        mask_of(mask, alen, a.pfxlen);
        for (int i = 0; i < alen; i++)
            net[i] = a.addr[i] & mask[i];
        ip_row_t *r = host_tab_add(&m->tabs[T_ADDRESS], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        *r = a;
        memcpy(r->other, net, (size_t)alen);
        r->olen = (uint8_t)alen;
        idx_inet(&r->idx, a.addr, alen);
        r = host_tab_add(&m->tabs[T_PFX], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        *r = a;
        memcpy(r->addr, net, (size_t)alen);
        if (fam == AF_INET)
            r->origin = a.origin == 6 ? 3 : a.origin;
        else
            r->origin = a.origin == 5 ? (fl ? 3 : 5) : a.origin;
        r->idx.a[r->idx.n++] = (uint32_t)a.ifindex;
        idx_inet(&r->idx, net, alen);
        r->idx.a[r->idx.n++] = (uint32_t)a.pfxlen;
        if (fam == AF_INET) {
            r = host_tab_add(&m->tabs[T_ADDR], sizeof *r);
            if (!r)
                return MW_ENOMEM;
            *r = a;
            memcpy(r->other, mask, 4);
            struct nl_addr *bc = rtnl_addr_get_broadcast(ad);
            r->state = bc && nl_addr_get_len(bc) == 4 ? ((const uint8_t *)nl_addr_get_binary_addr(bc))[3] & 1 : 0;
            idx_raw(&r->idx, a.addr, 4);
            /* the broadcast address: a row of its own in ipAddressTable */
            if (bc && nl_addr_get_len(bc) == 4) {
                r = host_tab_add(&m->tabs[T_ADDRESS], sizeof *r);
                if (!r)
                    return MW_ENOMEM;
                *r = a;
                memcpy(r->addr, nl_addr_get_binary_addr(bc), 4);
                memcpy(r->other, net, 4);
                r->olen = 4;
                r->type = 3; /* broadcast */
                idx_inet(&r->idx, r->addr, 4);
            }
        } else if (rtnl_addr_get_scope(ad) == RT_SCOPE_LINK) {
            r = host_tab_add(&m->tabs[T_ZONE], sizeof *r);
            if (!r)
                return MW_ENOMEM;
            *r = a;
            r->idx.a[r->idx.n++] = (uint32_t)a.ifindex;
        }
    }
    return 0;
}

/* ipNetToMediaTable, ipNetToPhysicalTable */
static int
load_neighs(host_mod_t *m, ip_priv_t *p)
{
    for (struct nl_object *o = nl_cache_get_first(p->neighs); o; o = nl_cache_get_next(o)) {
        struct rtnl_neigh *n = (struct rtnl_neigh *)o;
        int fam = rtnl_neigh_get_family(n);
        int st = rtnl_neigh_get_state(n);
        struct nl_addr *dst = rtnl_neigh_get_dst(n);
        if ((fam != AF_INET && fam != AF_INET6) || st == NUD_NOARP || st == NUD_FAILED || !dst)
            continue;
        int alen = fam == AF_INET ? 4 : 16;
        if ((int)nl_addr_get_len(dst) != alen)
            continue;
        ip_row_t a = { 0 };
        a.alen = (uint8_t)alen;
        memcpy(a.addr, nl_addr_get_binary_addr(dst), (size_t)alen);
        a.ifindex = rtnl_neigh_get_ifindex(n);
        struct nl_addr *ll = rtnl_neigh_get_lladdr(n);
        if (ll) {
            unsigned l = nl_addr_get_len(ll);
            a.lllen = (uint8_t)(l < sizeof a.ll ? l : sizeof a.ll);
            memcpy(a.ll, nl_addr_get_binary_addr(ll), a.lllen);
        }
        switch (st) {
        case NUD_INCOMPLETE: a.state = 7; a.type = 2; break;
        case NUD_REACHABLE: a.state = 1; a.type = 3; break;
        case NUD_PERMANENT: a.state = 1; a.type = 4; break;
        case NUD_STALE: a.state = 2; a.type = 3; break;
        case NUD_DELAY: a.state = 3; a.type = 3; break;
        case NUD_PROBE: a.state = 4; a.type = 3; break;
        case NUD_NONE: a.state = 6; a.type = 2; break;
        default: a.state = 6; a.type = 1; break;
        }
        ip_row_t *r = host_tab_add(&m->tabs[T_NTP], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        *r = a;
        r->idx.a[r->idx.n++] = (uint32_t)a.ifindex;
        idx_inet(&r->idx, a.addr, alen);
        if (fam == AF_INET) {
            r = host_tab_add(&m->tabs[T_NTM], sizeof *r);
            if (!r)
                return MW_ENOMEM;
            *r = a;
            r->idx.a[r->idx.n++] = (uint32_t)a.ifindex;
            idx_raw(&r->idx, a.addr, 4);
        }
    }
    return 0;
}

/* The inetCidrRouteTable row of a route; its policy is { 0 0 }, or
 * { 0 0 n } when has_n. */
static int
add_inet(host_mod_t *m, const ip_row_t *a, int has_n, uint32_t n)
{
    ip_row_t *r = host_tab_add(&m->tabs[T_INET], sizeof *r);
    if (!r)
        return MW_ENOMEM;
    *r = *a;
    idx_inet(&r->idx, a->addr, a->alen);
    r->idx.a[r->idx.n++] = (uint32_t)a->pfxlen;
    r->idx.a[r->idx.n++] = has_n ? 3 : 2;
    r->idx.a[r->idx.n++] = 0;
    r->idx.a[r->idx.n++] = 0;
    if (has_n)
        r->idx.a[r->idx.n++] = n;
    idx_inet(&r->idx, a->other, a->alen);
    return 0;
}

static int
hexbytes(const char *s, uint8_t *out, int n)
{
    for (int i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

/* Routes: ipRouteTable, ipCidrRouteTable, inetCidrRouteTable,
 * ipDefaultRouterTable. snmpd numbers the routes in file order, IPv4 then
 * IPv6, and uses the number as the IPv6 routes' policy. */
static int
load_routes(host_mod_t *m, ip_priv_t *p)
{
    uint32_t count = 0;
    char line[512];
    p->ninet = 0;
    FILE *f = fopen("/proc/net/route", "r");
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = 0;
        while (fgets(line, sizeof line, f)) {
            char name[64];
            unsigned dest, gw, flags, mask, use;
            int refcnt, metric;
            if (sscanf(line, "%63s %x %x %x %d %u %d %x", name, &dest, &gw, &flags, &refcnt, &use,
                       &metric, &mask) != 8)
                continue;
            ip_row_t a = { 0 };
            if (name[0] != '*') {
                a.ifindex = rtnl_link_name2i(p->links, name);
                if (a.ifindex == 0)
                    continue;
            }
            count++;
            a.alen = 4;
            memcpy(a.addr, &dest, 4); /* the kernel prints the in-memory word */
            memcpy(a.other, &gw, 4);
            a.pfxlen = __builtin_popcount(mask);
            a.metric = metric;
            a.flags = flags;
            a.type = !(flags & RTF_UP) ? 0 : (flags & RTF_GATEWAY) ? 4 : 3;
            a.proto = flags & RTF_DYNAMIC ? 4 : 2;
            if (a.type && add_inet(m, &a, gw == 0, (uint32_t)a.ifindex) < 0)
                return MW_ENOMEM;
            if (a.type)
                p->ninet++;
            /* RFC 1213 ipRouteTable: by destination */
            ip_row_t *r = host_tab_add(&m->tabs[T_ROUTE], sizeof *r);
            if (!r)
                return MW_ENOMEM;
            *r = a;
            memcpy(r->ll, &mask, 4);
            r->type = flags & RTF_GATEWAY ? 4 : 3;
            idx_raw(&r->idx, a.addr, 4);
            /* ipCidrRouteTable: dest, mask, tos, next hop */
            if (a.type) {
                r = host_tab_add(&m->tabs[T_CIDR], sizeof *r);
                if (!r)
                    return MW_ENOMEM;
                *r = a;
                memcpy(r->ll, &mask, 4);
                idx_raw(&r->idx, a.addr, 4);
                idx_raw(&r->idx, r->ll, 4);
                r->idx.a[r->idx.n++] = 0;
                idx_raw(&r->idx, a.other, 4);
            }
            /* ipDefaultRouterTable: default routes through a router */
            if (dest == 0 && mask == 0 && gw != 0 && a.ifindex) {
                r = host_tab_add(&m->tabs[T_DEFR], sizeof *r);
                if (!r)
                    return MW_ENOMEM;
                *r = a;
                idx_inet(&r->idx, a.other, 4);
                r->idx.a[r->idx.n++] = (uint32_t)a.ifindex;
            }
        }
        fclose(f);
    }
    f = fopen("/proc/net/ipv6_route", "r");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            char cdest[40], csrc[40], cnext[40], name[64];
            unsigned dpfx, metric, flags;
            if (sscanf(line, "%32s %2x %32s %*x %32s %x %*x %*x %x %63s", cdest, &dpfx, csrc, cnext,
                       &metric, &flags, name) != 7)
                continue;
            ip_row_t a = { 0 };
            a.ifindex = rtnl_link_name2i(p->links, name);
            if (a.ifindex == 0)
                continue;
            count++;
            a.alen = 16;
            if (hexbytes(cdest, a.addr, 16) < 0 || hexbytes(cnext, a.other, 16) < 0)
                continue;
            a.pfxlen = (int32_t)dpfx;
            a.metric = (int32_t)metric;
            a.type = !(flags & RTF_UP) ? 0 : (flags & RTF_GATEWAY) ? 4 : 3;
            a.proto = flags & RTF_DYNAMIC ? 4 : 2;
            if (!a.type)
                continue;
            if (add_inet(m, &a, 1, count) < 0)
                return MW_ENOMEM;
            p->ninet++;
        }
        fclose(f);
    }
    return 0;
}

/* ipSystemStatsTable's and ipIfStatsTable's columns from named counters. */
static void
stat_fill(stat_row_t *r, const uint64_t *c, int v4, int perif)
{
    uint64_t fragreq = c[C_FRAGOK] + c[C_FRAGFAIL];
    uint64_t tx = c[C_OUTREQ] + c[C_OUTFORW] + c[C_FRAGCREATE] - fragreq - c[C_OUTNOROUTE]
                  - c[C_OUTDISC];
    const struct { int col; uint64_t v; } set[] = {
        { 3, c[C_INRECV] }, { 5, c[C_INOCT] }, { 7, c[C_INHDR] }, { 8, c[C_INNOROUTE] },
        { 9, c[C_INADDR] }, { 10, c[C_INUNK] }, { 11, c[C_INTRUNC] },
        { 12, c[C_INNOROUTE] + c[C_OUTFORW] }, { 14, c[C_REASMREQ] }, { 15, c[C_REASMOK] },
        { 16, c[C_REASMFAIL] }, { 17, c[C_INDISC] }, { 18, c[C_INDELIV] }, { 20, c[C_OUTREQ] },
        { 22, c[C_OUTNOROUTE] }, { 23, c[C_OUTFORW] }, { 25, c[C_OUTDISC] }, { 26, fragreq },
        { 27, c[C_FRAGOK] }, { 28, c[C_FRAGFAIL] }, { 29, c[C_FRAGCREATE] }, { 30, tx },
        { 32, c[C_OUTOCT] }, { 34, c[C_INMCAST] }, { 36, c[C_INMCASTOCT] },
        { 38, c[C_OUTMCAST] }, { 40, c[C_OUTMCASTOCT] }, { 42, c[C_INBCAST] },
        { 44, c[C_OUTBCAST] },
    };
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
        int col = set[i].col;
        if (!v4 && col >= 42)
            continue; /* no broadcast in IPv6 */
        if (perif && col == 22)
            continue; /* no ipIfStatsOutNoRoutes */
        r->col[col] = set[i].v;
        r->avail |= 1ull << col;
        /* the Counter64 twin that follows a Counter32 */
        if (col == 3 || col == 5 || col == 12 || col == 18 || col == 20 || col == 23 || col == 30
            || col == 32 || col == 34 || col == 36 || col == 38 || col == 40 || col == 42
            || col == 44) {
            r->col[col + 1] = set[i].v;
            r->avail |= 1ull << (col + 1);
        }
    }
    r->avail |= 1ull << 46 | 1ull << 47;
}

static int
is_c64(int col)
{
    return col == 4 || col == 6 || col == 13 || col == 19 || col == 21 || col == 24 || col == 31
           || col == 33 || col == 35 || col == 37 || col == 39 || col == 41 || col == 43 || col == 45;
}

static int
load_stats(host_mod_t *m, ip_priv_t *p)
{
    memset(p->v4, 0, sizeof p->v4);
    int have4 = read_pairs("/proc/net/snmp", "Ip", ip_names, NULL, p->v4);
    read_pairs("/proc/net/netstat", "IpExt", ip_names, NULL, p->v4);
    if (have4) {
        stat_row_t *r = host_tab_add(&m->tabs[T_SYS], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        r->idx.n = 1;
        r->idx.a[0] = 1;
        stat_fill(r, p->v4, 1, 0);
    }
    uint64_t v6[C_N] = { 0 };
    if (read_flat("/proc/net/snmp6", "Ip6", ip_names, NULL, v6, NULL, NULL, NULL)) {
        stat_row_t *r = host_tab_add(&m->tabs[T_SYS], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        r->idx.n = 1;
        r->idx.a[0] = 2;
        stat_fill(r, v6, 0, 0);
    }
    DIR *d = opendir("/proc/net/dev_snmp6");
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char path[300];
            snprintf(path, sizeof path, "/proc/net/dev_snmp6/%s", de->d_name);
            uint64_t c[C_N] = { 0 };
            int ifi = 0;
            if (!read_flat(path, "Ip6", ip_names, NULL, c, NULL, NULL, &ifi) || ifi <= 0)
                continue;
            stat_row_t *r = host_tab_add(&m->tabs[T_IFSTATS], sizeof *r);
            if (!r) {
                closedir(d);
                return MW_ENOMEM;
            }
            r->idx.n = 2;
            r->idx.a[0] = 2;
            r->idx.a[1] = (uint32_t)ifi;
            stat_fill(r, c, 0, 1);
        }
        closedir(d);
    }
    p->v6fwd = read_long("/proc/sys/net/ipv6/conf/all/forwarding", 0) == 1 ? 1 : 2;
    p->v6hop = (int32_t)read_long("/proc/sys/net/ipv6/conf/default/hop_limit", 64);
    return 0;
}

static int
ip_refresh(host_mod_t *m)
{
    ip_priv_t *p = m->priv;
    int rc = nl_refill(p);
    if (rc < 0)
        return rc;
    p->read_at = (uint32_t)((uint64_t)((host_now() - p->born) * 100) & 0xffffffffu);
    if ((rc = load_addrs(m, p)) < 0 || (rc = load_neighs(m, p)) < 0 || (rc = load_routes(m, p)) < 0
        || (rc = load_stats(m, p)) < 0)
        return rc;
    return 0;
}

static void
c32(mw_value_t *v, uint64_t x)
{
    host_v_num(v, MW_T_COUNTER32, x & 0xffffffffu); /* Counter32 wraps at 2^32 */
}

static void
ipaddr(mw_value_t *v, const uint8_t *a)
{
    host_v_str(v, a, 4);
    v->type = MW_T_IPADDR;
}

static int
ip_cell(host_mod_t *m, agent_req_t *rq, const host_obj_t *o, const void *row, mw_value_t *v)
{
    static const uint32_t zero_oid[] = { 0, 0 };
    ip_priv_t *p = m->priv;
    const ip_row_t *r = row;
    int id = o->id;
    if (id > O_IP && id <= O_IP + 19) {
        static const int ipc[] = { C_FORWARDING, C_TTL, C_INRECV, C_INHDR, C_INADDR, C_OUTFORW,
                                   C_INUNK, C_INDISC, C_INDELIV, C_OUTREQ, C_OUTDISC, C_OUTNOROUTE,
                                   C_REASMTO, C_REASMREQ, C_REASMOK, C_REASMFAIL, C_FRAGOK,
                                   C_FRAGFAIL, C_FRAGCREATE };
        int k = id - O_IP;
        uint64_t x = p->v4[ipc[k - 1]];
        if (k == 1)
            host_v_int(v, x == 1 ? 1 : 2);
        else if (k == 2 || k == 13)
            host_v_int(v, (int64_t)(x & 0x7fffffff));
        else
            c32(v, x);
        return 0;
    }
    if ((id > O_SYS && id < O_SYS + 48) || (id > O_IFSTATS && id < O_IFSTATS + 48)) {
        const stat_row_t *s = row;
        int col = id > O_IFSTATS ? id - O_IFSTATS : id - O_SYS;
        if (!(s->avail & (1ull << col)))
            return AGENT_NOSUCH;
        if (col == 46)
            host_v_num(v, MW_T_TIMETICKS, 0);
        else if (col == 47)
            host_v_num(v, MW_T_GAUGE32, 60000); /* ms between refreshes, as snmpd says */
        else if (is_c64(col))
            host_v_num(v, MW_T_COUNTER64, s->col[col]);
        else
            c32(v, s->col[col]);
        return 0;
    }
    switch (id) {
    case O_DISCARDS: c32(v, 0); break;
    case O_IFSTATSCHANGE: host_v_num(v, MW_T_TIMETICKS, 0); break;
    case O_INETNUM: host_v_num(v, MW_T_GAUGE32, p->ninet); break;
    case O_V6FWD: host_v_int(v, p->v6fwd); break;
    case O_V6HOP: host_v_int(v, p->v6hop); break;
    case O_SPIN: host_v_int(v, p->spin); break;
    /* ipAddrTable */
    case O_ADDR + 1: ipaddr(v, r->addr); break;
    case O_ADDR + 2: host_v_int(v, r->ifindex); break;
    case O_ADDR + 3: ipaddr(v, r->other); break;
    case O_ADDR + 4: host_v_int(v, r->state); break;
    /* ipRouteTable */
    case O_ROUTE + 1: ipaddr(v, r->addr); break;
    case O_ROUTE + 2: host_v_int(v, r->ifindex); break;
    case O_ROUTE + 3: host_v_int(v, r->flags & RTF_GATEWAY ? 1 : 0); break;
    case O_ROUTE + 7: ipaddr(v, r->other); break;
    case O_ROUTE + 8: host_v_int(v, r->type); break;
    case O_ROUTE + 9: host_v_int(v, r->proto); break;
    case O_ROUTE + 11: ipaddr(v, r->ll); break;
    case O_ROUTE + 13: return host_v_oid(rq, v, zero_oid, 2);
    /* ipNetToMediaTable */
    case O_NTM + 1: host_v_int(v, r->ifindex); break;
    case O_NTM + 2: host_v_str(v, r->ll, r->lllen); break;
    case O_NTM + 3: ipaddr(v, r->addr); break;
    case O_NTM + 4: host_v_int(v, r->type); break;
    /* ipCidrRouteTable */
    case O_CIDR + 1: ipaddr(v, r->addr); break;
    case O_CIDR + 2: ipaddr(v, r->ll); break;
    case O_CIDR + 3: host_v_int(v, 0); break;
    case O_CIDR + 4: ipaddr(v, r->other); break;
    case O_CIDR + 5: host_v_int(v, r->ifindex); break;
    case O_CIDR + 6: host_v_int(v, r->type); break;
    case O_CIDR + 7: host_v_int(v, r->proto); break;
    case O_CIDR + 9: return host_v_oid(rq, v, zero_oid, 2);
    case O_CIDR + 10: host_v_int(v, 0); break;
    case O_CIDR + 11: host_v_int(v, r->metric); break;
    case O_CIDR + 12: case O_CIDR + 13: case O_CIDR + 14: case O_CIDR + 15: host_v_int(v, -1); break;
    case O_CIDR + 16: host_v_int(v, 1); break;
    /* inetCidrRouteTable */
    case O_INET + 7: host_v_int(v, r->ifindex); break;
    case O_INET + 8: host_v_int(v, r->type); break;
    case O_INET + 9: host_v_int(v, r->proto); break;
    case O_INET + 10: host_v_num(v, MW_T_GAUGE32, 0); break;
    case O_INET + 11: host_v_num(v, MW_T_GAUGE32, 0); break;
    case O_INET + 12: host_v_int(v, (int32_t)r->metric); break;
    case O_INET + 13: case O_INET + 14: case O_INET + 15: case O_INET + 16: host_v_int(v, -1); break;
    case O_INET + 17: host_v_int(v, 1); break;
    /* ipAddressPrefixTable */
    case O_PFX + 5: host_v_int(v, r->origin); break;
    case O_PFX + 6: host_v_int(v, 1); break;
    case O_PFX + 7: host_v_int(v, 2); break;
    case O_PFX + 8: case O_PFX + 9: host_v_num(v, MW_T_GAUGE32, 0xffffffffu); break;
    /* ipAddressTable */
    case O_ADDRESS + 3: host_v_int(v, r->ifindex); break;
    case O_ADDRESS + 4: host_v_int(v, r->type); break;
    case O_ADDRESS + 5: {
        /* ipAddressPrefixOrigin.ifIndex.type.len.prefix.length */
        uint32_t arcs[40] = { MIB2, 4, 32, 1, 5 };
        size_t n = 10;
        arcs[n++] = (uint32_t)r->ifindex;
        arcs[n++] = r->alen == 4 ? 1 : 2;
        arcs[n++] = r->alen;
        for (int i = 0; i < r->alen; i++)
            arcs[n++] = r->other[i];
        arcs[n++] = (uint32_t)r->pfxlen;
        return host_v_oid(rq, v, arcs, n);
    }
    case O_ADDRESS + 6: host_v_int(v, r->origin); break;
    case O_ADDRESS + 7: host_v_int(v, r->status); break;
    case O_ADDRESS + 8: case O_ADDRESS + 9: host_v_num(v, MW_T_TIMETICKS, 0); break;
    case O_ADDRESS + 10: host_v_int(v, 1); break;
    case O_ADDRESS + 11: host_v_int(v, r->storage); break;
    /* ipNetToPhysicalTable */
    case O_NTP + 4: host_v_str(v, r->ll, r->lllen); break;
    case O_NTP + 5: host_v_num(v, MW_T_TIMETICKS, p->read_at); break;
    case O_NTP + 6: host_v_int(v, r->type); break;
    case O_NTP + 7: host_v_int(v, r->state); break;
    case O_NTP + 8: host_v_int(v, 1); break;
    /* ipv6ScopeZoneIndexTable: the link-local zone is the interface */
    case O_ZONE + 2: host_v_num(v, MW_T_GAUGE32, (uint32_t)r->ifindex); break;
    /* ipDefaultRouterTable */
    case O_DEFR + 4: host_v_num(v, MW_T_GAUGE32, 65535); break;
    case O_DEFR + 5: host_v_int(v, 0); break;
    default:
        if (id > O_ZONE + 2 && id <= O_ZONE + 13) {
            host_v_num(v, MW_T_GAUGE32, 0);
            break;
        }
        return AGENT_NOSUCH;
    }
    return 0;
}

static void
ip_free(host_mod_t *m)
{
    ip_priv_t *p = m->priv;
    if (!p)
        return;
    nl_drop(p);
    free(p);
}

host_mod_t *
host_ip_new(void)
{
    static int fixed;
    if (!fixed) {
        objs_fix(ip_objs, sizeof ip_objs / sizeof ip_objs[0]);
        fixed = 1;
    }
    host_mod_t *m = calloc(1, sizeof *m);
    ip_priv_t *p = calloc(1, sizeof *p);
    if (!m || !p) {
        free(m);
        free(p);
        return NULL;
    }
    p->born = host_now();
    p->spin = (int32_t)((uint32_t)(p->born * 1000003.0) & 0x7fffffff); /* TestAndIncr: any value */
    m->name = "ip";
    m->objs = ip_objs;
    m->nobjs = sizeof ip_objs / sizeof ip_objs[0];
    m->refresh = ip_refresh;
    m->cell = ip_cell;
    m->free = ip_free;
    m->priv = p;
    return m;
}

/* --- ICMP ------------------------------------------------------------------- */

enum { T_ISTATS, T_IMSG };
enum { O_ICMP = 100, O_ISTATS = 200, O_IMSG = 300 };

typedef struct {
    host_idx_t idx;
    uint64_t in, out;
    int has_in, has_out;
    uint64_t c[4];
} icmp_row_t;

typedef struct {
    uint64_t v4[32];
} icmp_priv_t;

#define ISC(k) { { MIB2, 5, k }, 8, -1, O_ICMP + k }

static const host_obj_t icmp_objs[] = {
    ISC(1), ISC(2), ISC(3), ISC(4), ISC(5), ISC(6), ISC(7), ISC(8), ISC(9), ISC(10), ISC(11),
    ISC(12), ISC(13), ISC(14), ISC(15), ISC(16), ISC(17), ISC(18), ISC(19), ISC(20), ISC(21),
    ISC(22), ISC(23), ISC(24), ISC(25), ISC(26),
    { { MIB2, 5, 29, 1, 2 }, 10, T_ISTATS, O_ISTATS + 2 },
    { { MIB2, 5, 29, 1, 3 }, 10, T_ISTATS, O_ISTATS + 3 },
    { { MIB2, 5, 29, 1, 4 }, 10, T_ISTATS, O_ISTATS + 4 },
    { { MIB2, 5, 29, 1, 5 }, 10, T_ISTATS, O_ISTATS + 5 },
    { { MIB2, 5, 30, 1, 3 }, 10, T_IMSG, O_IMSG + 3 },
    { { MIB2, 5, 30, 1, 4 }, 10, T_IMSG, O_IMSG + 4 },
};

static const char *const icmp6_names[] = { "InMsgs", "InErrors", "OutMsgs", "OutErrors", NULL };

static int
add_msg(host_mod_t *m, uint32_t ver, uint32_t type, uint64_t in, uint64_t out, int has_in,
        int has_out)
{
    icmp_row_t *r = host_tab_add(&m->tabs[T_IMSG], sizeof *r);
    if (!r)
        return MW_ENOMEM;
    r->idx.n = 2;
    r->idx.a[0] = ver;
    r->idx.a[1] = type;
    r->in = in;
    r->out = out;
    r->has_in = has_in;
    r->has_out = has_out;
    return 0;
}

static int
icmp_refresh(host_mod_t *m)
{
    icmp_priv_t *p = m->priv;
    memset(p->v4, 0, sizeof p->v4);
    if (read_pairs("/proc/net/snmp", "Icmp", NULL, icmp_names, p->v4)) {
        icmp_row_t *r = host_tab_add(&m->tabs[T_ISTATS], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        r->idx.n = 1;
        r->idx.a[0] = 1;
        r->c[0] = p->v4[0];
        r->c[1] = p->v4[1];
        r->c[2] = p->v4[13];
        r->c[3] = p->v4[14];
        /* IPv4 messages by type: the types of the ICMP group, as snmpd
         * lists them (echo reply, unreachable, quench, redirect, echo, time
         * exceeded, parameter problem, timestamp (reply), mask (reply)) */
        static const struct { uint32_t type; int in, out; } t4[] = {
            { 0, 8, 21 }, { 3, 2, 15 }, { 4, 5, 18 }, { 5, 6, 19 }, { 8, 7, 20 }, { 11, 3, 16 },
            { 12, 4, 17 }, { 13, 9, 22 }, { 14, 10, 23 }, { 17, 11, 24 }, { 18, 12, 25 },
        };
        for (size_t i = 0; i < sizeof t4 / sizeof t4[0]; i++)
            if (add_msg(m, 1, t4[i].type, p->v4[t4[i].in], p->v4[t4[i].out], 1, 1) < 0)
                return MW_ENOMEM;
    }
    uint64_t c6[4] = { 0 }, tin[256] = { 0 }, tout[256] = { 0 };
    if (read_flat("/proc/net/snmp6", "Icmp6", NULL, icmp6_names, c6, tin, tout, NULL)) {
        icmp_row_t *r = host_tab_add(&m->tabs[T_ISTATS], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        r->idx.n = 1;
        r->idx.a[0] = 2;
        memcpy(r->c, c6, sizeof c6);
        /* IPv6 messages: the types the kernel has counted */
        for (uint32_t t = 0; t < 256; t++)
            if ((tin[t] || tout[t]) && add_msg(m, 2, t, tin[t], tout[t], tin[t] != 0, tout[t] != 0) < 0)
                return MW_ENOMEM;
    }
    return 0;
}

static int
icmp_cell(host_mod_t *m, agent_req_t *rq, const host_obj_t *o, const void *row, mw_value_t *v)
{
    (void)rq;
    const icmp_priv_t *p = m->priv;
    const icmp_row_t *r = row;
    if (o->id > O_ICMP && o->id <= O_ICMP + 26) {
        c32(v, p->v4[o->id - O_ICMP - 1]);
        return 0;
    }
    switch (o->id) {
    case O_ISTATS + 2: case O_ISTATS + 3: case O_ISTATS + 4: case O_ISTATS + 5:
        c32(v, r->c[o->id - O_ISTATS - 2]);
        return 0;
    case O_IMSG + 3:
        if (!r->has_in)
            return AGENT_NOSUCH;
        c32(v, r->in);
        return 0;
    case O_IMSG + 4:
        if (!r->has_out)
            return AGENT_NOSUCH;
        c32(v, r->out);
        return 0;
    default:
        return AGENT_NOSUCH;
    }
}

static void
icmp_free(host_mod_t *m)
{
    free(m->priv);
}

host_mod_t *
host_icmp_new(void)
{
    host_mod_t *m = calloc(1, sizeof *m);
    icmp_priv_t *p = calloc(1, sizeof *p);
    if (!m || !p) {
        free(m);
        free(p);
        return NULL;
    }
    m->name = "icmp";
    m->objs = icmp_objs;
    m->nobjs = sizeof icmp_objs / sizeof icmp_objs[0];
    m->refresh = icmp_refresh;
    m->cell = icmp_cell;
    m->free = icmp_free;
    m->priv = p;
    return m;
}
