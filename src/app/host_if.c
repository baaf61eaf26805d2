/* host_if.c - IF-MIB (RFC 2863): ifNumber, ifTable, ifXTable and
 * ifTableLastChange, from the kernel's link table over rtnetlink
 * (libnl-route-3). ifIndex is the kernel's ifindex, as in net-snmp. */
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "hostlib.h" /* the libraries, opened on first use */

#define IFMIB 1, 3, 6, 1, 2, 1
enum { T_IF = 0 };
enum { O_NUMBER = 1, O_LASTCHANGE = 2, O_IF = 100, O_IFX = 200 };

typedef struct {
    host_idx_t idx;
    char name[IFNAMSIZ + 1];
    char alias[65];
    uint8_t phys[32];
    uint8_t physlen;
    int32_t type, mtu, admin, oper, promisc, connector;
    uint32_t speed_mb;
    uint64_t st[16];
} if_row_t;

/* st[] slots */
enum { RXB, RXP, RXM, RXE, RXD, TXB, TXP, TXE, TXD };

typedef struct {
    struct nl_sock *sk;       /* owned */
    struct nl_cache *links;   /* owned */
    size_t nif;
} if_priv_t;

#define COL(c) { { IFMIB, 2, 2, 1, c }, 10, T_IF, O_IF + c }
#define XCOL(c) { { IFMIB, 31, 1, 1, 1, c }, 11, T_IF, O_IFX + c }

static const host_obj_t if_objs[] = {
    { { IFMIB, 2, 1 }, 8, -1, O_NUMBER },
    COL(1), COL(2), COL(3), COL(4),
    COL(5), COL(6), COL(7), COL(8),
    COL(9), COL(10), COL(11), COL(12),
    COL(13), COL(14), COL(15), COL(16),
    COL(17), COL(18), COL(19), COL(20),
    COL(21), COL(22),
    XCOL(1), XCOL(2), XCOL(3), XCOL(4), XCOL(5), XCOL(6), XCOL(7), XCOL(8), XCOL(9), XCOL(10),
    XCOL(11), XCOL(12), XCOL(13), XCOL(15), XCOL(16), XCOL(17), XCOL(18), XCOL(19),
    { { IFMIB, 31, 1, 5 }, 9, -1, O_LASTCHANGE },
};

/* IANAifType from the ARP hardware type, as net-snmp maps it. */
static int32_t
if_type(unsigned arptype, const char *name)
{
    switch (arptype) {
    case ARPHRD_ETHER: return 6;          /* ethernetCsmacd */
    case ARPHRD_LOOPBACK: return 24;      /* softwareLoopback */
    case ARPHRD_PPP: return 23;           /* ppp */
    case ARPHRD_INFINIBAND: return 199;   /* infiniband */
    case ARPHRD_IEEE80211: return 71;     /* ieee80211 */
    case ARPHRD_TUNNEL: case ARPHRD_TUNNEL6: case ARPHRD_SIT: case ARPHRD_IPGRE:
        return 131;                       /* tunnel */
    case ARPHRD_SLIP: return 28;          /* slip */
    default:
        (void)name;
        return 1;                         /* other */
    }
}

/* Link speed in Mb/s from sysfs (ethtool's value); 0 when unknown.
 * net-snmp reports 10 Mb/s for the loopback. */
static uint32_t
if_speed(const char *name, int32_t type)
{
    if (type == 24)
        return 10;
    char path[64], buf[32];
    snprintf(path, sizeof path, "/sys/class/net/%s/speed", name);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    long v = 0;
    if (fgets(buf, sizeof buf, f))
        v = strtol(buf, NULL, 10);
    fclose(f);
    return v > 0 ? (uint32_t)v : 0;
}

static int
if_refresh(host_mod_t *m)
{
    if_priv_t *p = m->priv;
    if (!p->sk) {
        p->sk = nl_socket_alloc();
        if (!p->sk)
            return MW_ENOMEM;
        if (nl_connect(p->sk, NETLINK_ROUTE) < 0 || rtnl_link_alloc_cache(p->sk, AF_UNSPEC, &p->links) < 0) {
            nl_socket_free(p->sk);
            p->sk = NULL;
            return MW_EINVAL;
        }
    } else if (nl_cache_refill(p->sk, p->links) < 0) {
        return MW_EINVAL;
    }
    p->nif = 0;
    for (struct nl_object *o = nl_cache_get_first(p->links); o; o = nl_cache_get_next(o)) {
        struct rtnl_link *l = (struct rtnl_link *)o;
        if_row_t *r = host_tab_add(&m->tabs[T_IF], sizeof *r);
        if (!r)
            return MW_ENOMEM;
        p->nif++;
        r->idx.n = 1;
        r->idx.a[0] = (uint32_t)rtnl_link_get_ifindex(l);
        const char *name = rtnl_link_get_name(l);
        snprintf(r->name, sizeof r->name, "%s", name ? name : "");
        const char *alias = rtnl_link_get_ifalias(l);
        snprintf(r->alias, sizeof r->alias, "%s", alias ? alias : "");
        unsigned flags = rtnl_link_get_flags(l);
        unsigned arp = rtnl_link_get_arptype(l);
        r->type = if_type(arp, r->name);
        r->mtu = (int32_t)rtnl_link_get_mtu(l);
        r->admin = flags & IFF_UP ? 1 : 2;
        r->oper = flags & IFF_RUNNING ? 1 : 2;
        r->promisc = flags & IFF_PROMISC ? 1 : 2;
        r->connector = r->type == 24 ? 2 : 1;
        struct nl_addr *a = rtnl_link_get_addr(l);
        if (a && r->type != 24) {
            unsigned n = nl_addr_get_len(a);
            const uint8_t *b = nl_addr_get_binary_addr(a);
            int nonzero = 0;
            for (unsigned i = 0; i < n && i < sizeof r->phys; i++)
                nonzero |= b[i];
            if (nonzero) {
                r->physlen = (uint8_t)(n < sizeof r->phys ? n : sizeof r->phys);
                memcpy(r->phys, b, r->physlen);
            }
        }
        r->speed_mb = if_speed(r->name, r->type);
        r->st[RXB] = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
        r->st[RXP] = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
        r->st[RXM] = rtnl_link_get_stat(l, RTNL_LINK_MULTICAST);
        r->st[RXE] = rtnl_link_get_stat(l, RTNL_LINK_RX_ERRORS);
        r->st[RXD] = rtnl_link_get_stat(l, RTNL_LINK_RX_DROPPED);
        r->st[TXB] = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
        r->st[TXP] = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
        r->st[TXE] = rtnl_link_get_stat(l, RTNL_LINK_TX_ERRORS);
        r->st[TXD] = rtnl_link_get_stat(l, RTNL_LINK_TX_DROPPED);
    }
    return 0;
}

static void
c32(mw_value_t *v, uint64_t x)
{
    host_v_num(v, MW_T_COUNTER32, x & 0xffffffffu); /* Counter32 wraps at 2^32 */
}

static int
if_cell(host_mod_t *m, agent_req_t *rq, const host_obj_t *o, const void *row, mw_value_t *v)
{
    static const uint32_t zero_oid[] = { 0, 0 };
    const if_priv_t *p = m->priv;
    const if_row_t *r = row;
    if (o->id == O_NUMBER) {
        host_v_int(v, (int64_t)p->nif);
        return 0;
    }
    if (o->id == O_LASTCHANGE) {
        host_v_num(v, MW_T_TIMETICKS, 0);
        return 0;
    }
    uint64_t ucast_in = r->st[RXP] >= r->st[RXM] ? r->st[RXP] - r->st[RXM] : 0;
    switch (o->id) {
    case O_IF + 1: host_v_int(v, r->idx.a[0]); break;
    case O_IF + 2: host_v_str(v, r->name, strlen(r->name)); break;
    case O_IF + 3: host_v_int(v, r->type); break;
    case O_IF + 4: host_v_int(v, r->mtu); break;
    case O_IF + 5: {
        uint64_t bps = (uint64_t)r->speed_mb * 1000000u;
        host_v_num(v, MW_T_GAUGE32, bps > 0xffffffffu ? 0xffffffffu : bps);
        break;
    }
    case O_IF + 6: host_v_str(v, r->phys, r->physlen); break;
    case O_IF + 7: host_v_int(v, r->admin); break;
    case O_IF + 8: host_v_int(v, r->oper); break;
    case O_IF + 9: host_v_num(v, MW_T_TIMETICKS, 0); break;
    case O_IF + 10: c32(v, r->st[RXB]); break;
    case O_IF + 11: c32(v, ucast_in); break;
    case O_IF + 12: c32(v, r->st[RXM]); break;
    case O_IF + 13: c32(v, r->st[RXD]); break;
    case O_IF + 14: c32(v, r->st[RXE]); break;
    case O_IF + 15: c32(v, 0); break;
    case O_IF + 16: c32(v, r->st[TXB]); break;
    case O_IF + 17: c32(v, r->st[TXP]); break;
    case O_IF + 18: c32(v, 0); break;
    case O_IF + 19: c32(v, r->st[TXD]); break;
    case O_IF + 20: c32(v, r->st[TXE]); break;
    case O_IF + 21: host_v_num(v, MW_T_GAUGE32, 0); break;
    case O_IF + 22: return host_v_oid(rq, v, zero_oid, 2);
    case O_IFX + 1: host_v_str(v, r->name, strlen(r->name)); break;
    case O_IFX + 2: c32(v, r->st[RXM]); break;
    case O_IFX + 3: c32(v, 0); break;
    case O_IFX + 4: c32(v, 0); break;
    case O_IFX + 5: c32(v, 0); break;
    case O_IFX + 6: host_v_num(v, MW_T_COUNTER64, r->st[RXB]); break;
    case O_IFX + 7: host_v_num(v, MW_T_COUNTER64, ucast_in); break;
    case O_IFX + 8: host_v_num(v, MW_T_COUNTER64, r->st[RXM]); break;
    case O_IFX + 9: host_v_num(v, MW_T_COUNTER64, 0); break;
    case O_IFX + 10: host_v_num(v, MW_T_COUNTER64, r->st[TXB]); break;
    case O_IFX + 11: host_v_num(v, MW_T_COUNTER64, r->st[TXP]); break;
    case O_IFX + 12: host_v_num(v, MW_T_COUNTER64, 0); break;
    case O_IFX + 13: host_v_num(v, MW_T_COUNTER64, 0); break;
    case O_IFX + 15: host_v_num(v, MW_T_GAUGE32, r->speed_mb); break;
    case O_IFX + 16: host_v_int(v, r->promisc); break;
    case O_IFX + 17: host_v_int(v, r->connector); break;
    case O_IFX + 18: host_v_str(v, r->alias, strlen(r->alias)); break;
    case O_IFX + 19: host_v_num(v, MW_T_TIMETICKS, 0); break;
    default: return AGENT_NOSUCH;
    }
    return 0;
}

static void
if_free(host_mod_t *m)
{
    if_priv_t *p = m->priv;
    if (p) {
        if (p->links)
            nl_cache_free(p->links);
        if (p->sk)
            nl_socket_free(p->sk);
        free(p);
    }
}

host_mod_t *
host_if_new(void)
{
    host_mod_t *m = calloc(1, sizeof *m);
    if_priv_t *p = calloc(1, sizeof *p);
    if (!m || !p) {
        free(m);
        free(p);
        return NULL;
    }
    m->name = "if";
    m->objs = if_objs;
    m->nobjs = sizeof if_objs / sizeof if_objs[0];
    m->refresh = if_refresh;
    m->cell = if_cell;
    m->free = if_free;
    m->priv = p;
    return m;
}
