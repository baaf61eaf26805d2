/* hostlib.h - libnl-route-3 and libproc2 for the host MIBs, opened with
 * dlopen when an agent first asks for a module that needs them.
 *
 * A start that serves no host MIB (every one-shot command, the receiver,
 * a manager script) then neither maps, relocates nor runs the constructors
 * of either library. The host modules include this header instead of the
 * libraries' own: each function they call is a field of `hostlib`, typed
 * from the library's declaration (__typeof__), and its name is a macro for
 * that field, so their code reads as plain calls to the library.
 * host_libs_open() fills the fields of the libraries asked for; host.c
 * calls it before it makes a module that needs them. */
#ifndef MW_HOSTLIB_H
#define MW_HOSTLIB_H

#include <stddef.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>

#include <libproc2/meminfo.h>
#include <libproc2/misc.h>
#include <libproc2/pids.h>
#include <libproc2/stat.h>
#include <libproc2/vmstat.h>

/* the libraries, by bit: what a module needs */
#define HOSTLIB_NL   1u  /* libnl-route-3 (and libnl-3, which it needs) */
#define HOSTLIB_PROC 2u  /* libproc2 */

#define HOSTLIB_NL_SONAME   "libnl-route-3.so.200"
#define HOSTLIB_PROC_SONAME "libproc2.so.0"

#define HOSTLIB_NL_FUNCS(X)                                                   \
    X(nl_addr_get_binary_addr) X(nl_addr_get_len) X(nl_cache_free)            \
    X(nl_cache_get_first) X(nl_cache_get_next) X(nl_cache_refill)             \
    X(nl_connect) X(nl_socket_alloc) X(nl_socket_free)                        \
    X(rtnl_addr_alloc_cache) X(rtnl_addr_get_broadcast) X(rtnl_addr_get_family) \
    X(rtnl_addr_get_flags) X(rtnl_addr_get_ifindex) X(rtnl_addr_get_local)    \
    X(rtnl_addr_get_prefixlen) X(rtnl_addr_get_scope)                         \
    X(rtnl_link_alloc_cache) X(rtnl_link_get_addr) X(rtnl_link_get_arptype)   \
    X(rtnl_link_get_flags) X(rtnl_link_get_ifalias) X(rtnl_link_get_ifindex)  \
    X(rtnl_link_get_mtu) X(rtnl_link_get_name) X(rtnl_link_get_stat)          \
    X(rtnl_link_name2i)                                                       \
    X(rtnl_neigh_alloc_cache) X(rtnl_neigh_get_dst) X(rtnl_neigh_get_family)  \
    X(rtnl_neigh_get_ifindex) X(rtnl_neigh_get_lladdr) X(rtnl_neigh_get_state)

#define HOSTLIB_PROC_FUNCS(X)                                                 \
    X(procps_hertz_get) X(procps_loadavg) X(procps_uptime)                    \
    X(procps_meminfo_new) X(procps_meminfo_get) X(procps_meminfo_unref)       \
    X(procps_pids_new) X(procps_pids_reap) X(procps_pids_unref)               \
    X(procps_stat_new) X(procps_stat_get) X(procps_stat_reap)                 \
    X(procps_stat_unref)                                                      \
    X(procps_vmstat_new) X(procps_vmstat_get) X(procps_vmstat_unref)

#define HOSTLIB_FIELD(f) __typeof__(f) *f;
struct hostlib {
    HOSTLIB_NL_FUNCS(HOSTLIB_FIELD)
    HOSTLIB_PROC_FUNCS(HOSTLIB_FIELD)
};
#undef HOSTLIB_FIELD

extern struct hostlib hostlib;

/* Opens the libraries in want (HOSTLIB_* bits) that are not open yet and
 * fills their fields. 0, or MW_ENOTSUPP with the reason in err (the
 * loader's message: a library missing, or a function it lacks). */
int host_libs_open(unsigned want, char *err, size_t errlen);

#ifndef HOSTLIB_IMPL
#define nl_addr_get_binary_addr (*hostlib.nl_addr_get_binary_addr)
#define nl_addr_get_len (*hostlib.nl_addr_get_len)
#define nl_cache_free (*hostlib.nl_cache_free)
#define nl_cache_get_first (*hostlib.nl_cache_get_first)
#define nl_cache_get_next (*hostlib.nl_cache_get_next)
#define nl_cache_refill (*hostlib.nl_cache_refill)
#define nl_connect (*hostlib.nl_connect)
#define nl_socket_alloc (*hostlib.nl_socket_alloc)
#define nl_socket_free (*hostlib.nl_socket_free)
#define rtnl_addr_alloc_cache (*hostlib.rtnl_addr_alloc_cache)
#define rtnl_addr_get_broadcast (*hostlib.rtnl_addr_get_broadcast)
#define rtnl_addr_get_family (*hostlib.rtnl_addr_get_family)
#define rtnl_addr_get_flags (*hostlib.rtnl_addr_get_flags)
#define rtnl_addr_get_ifindex (*hostlib.rtnl_addr_get_ifindex)
#define rtnl_addr_get_local (*hostlib.rtnl_addr_get_local)
#define rtnl_addr_get_prefixlen (*hostlib.rtnl_addr_get_prefixlen)
#define rtnl_addr_get_scope (*hostlib.rtnl_addr_get_scope)
#define rtnl_link_alloc_cache (*hostlib.rtnl_link_alloc_cache)
#define rtnl_link_get_addr (*hostlib.rtnl_link_get_addr)
#define rtnl_link_get_arptype (*hostlib.rtnl_link_get_arptype)
#define rtnl_link_get_flags (*hostlib.rtnl_link_get_flags)
#define rtnl_link_get_ifalias (*hostlib.rtnl_link_get_ifalias)
#define rtnl_link_get_ifindex (*hostlib.rtnl_link_get_ifindex)
#define rtnl_link_get_mtu (*hostlib.rtnl_link_get_mtu)
#define rtnl_link_get_name (*hostlib.rtnl_link_get_name)
#define rtnl_link_get_stat (*hostlib.rtnl_link_get_stat)
#define rtnl_link_name2i (*hostlib.rtnl_link_name2i)
#define rtnl_neigh_alloc_cache (*hostlib.rtnl_neigh_alloc_cache)
#define rtnl_neigh_get_dst (*hostlib.rtnl_neigh_get_dst)
#define rtnl_neigh_get_family (*hostlib.rtnl_neigh_get_family)
#define rtnl_neigh_get_ifindex (*hostlib.rtnl_neigh_get_ifindex)
#define rtnl_neigh_get_lladdr (*hostlib.rtnl_neigh_get_lladdr)
#define rtnl_neigh_get_state (*hostlib.rtnl_neigh_get_state)
#define procps_hertz_get (*hostlib.procps_hertz_get)
#define procps_loadavg (*hostlib.procps_loadavg)
#define procps_uptime (*hostlib.procps_uptime)
#define procps_meminfo_new (*hostlib.procps_meminfo_new)
#define procps_meminfo_get (*hostlib.procps_meminfo_get)
#define procps_meminfo_unref (*hostlib.procps_meminfo_unref)
#define procps_pids_new (*hostlib.procps_pids_new)
#define procps_pids_reap (*hostlib.procps_pids_reap)
#define procps_pids_unref (*hostlib.procps_pids_unref)
#define procps_stat_new (*hostlib.procps_stat_new)
#define procps_stat_get (*hostlib.procps_stat_get)
#define procps_stat_reap (*hostlib.procps_stat_reap)
#define procps_stat_unref (*hostlib.procps_stat_unref)
#define procps_vmstat_new (*hostlib.procps_vmstat_new)
#define procps_vmstat_get (*hostlib.procps_vmstat_get)
#define procps_vmstat_unref (*hostlib.procps_vmstat_unref)
#endif

#endif
