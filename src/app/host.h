/* host.h - the host's own MIBs (IF-MIB, HOST-RESOURCES-MIB, UCD-SNMP-MIB,
 * TCP-MIB, UDP-MIB, IP-MIB, IP-FORWARD-MIB, ICMP)
 * as agent backends, as net-snmp's snmpd serves them.
 *
 * Each module (host_if.c, host_hr.c, host_ucd.c, host_tcpudp.c, host_ip.c) lists its objects (scalars
 * and table columns) and fills a snapshot in refresh(). host.c registers
 * one region per object, refreshes a module at most once per request and
 * only when its snapshot is older than the cache time, and answers GET and
 * GETNEXT from the snapshot: a bulk walk never reads /proc per varbind.
 *
 * Regions are registered as replaceable (agent_backend_t.weak): an object
 * that Lua registers over one of them takes its place. */
#ifndef MW_HOST_H
#define MW_HOST_H

#include "agent.h"

#define HOST_IDX_MAX 48

/* A row's index as OID arcs; every row struct begins with one. */
typedef struct {
    uint32_t n;
    uint32_t a[HOST_IDX_MAX];
} host_idx_t;

typedef struct {
    void *rows;               /* owned; rows of rowsize octets */
    size_t nrows, cap, rowsize;
    size_t last;              /* row host.c answered last (a walk's next is after it) */
} host_tab_t;

/* One object: a scalar (tab < 0, instance .0) or a table column. */
typedef struct {
    uint32_t arcs[16];
    uint8_t len;
    int8_t tab;
    uint16_t id;              /* the module's name for the object */
} host_obj_t;

typedef struct host_mod host_mod_t;
struct host_mod {
    const char *name;
    const host_obj_t *objs;
    size_t nobjs;
    /* Rebuilds the snapshot (tabs and priv). 0 or MW_E*. */
    int (*refresh)(host_mod_t *m);
    /* One value: row is NULL for a scalar. 0 or AGENT_NOSUCH (a hole). */
    int (*cell)(host_mod_t *m, agent_req_t *rq, const host_obj_t *o, const void *row,
                mw_value_t *v);
    void (*free)(host_mod_t *m);
    host_tab_t tabs[16];
    void *priv;               /* owned by the module */
    double ttl;               /* seconds a snapshot is served */
    double taken;             /* when the snapshot was taken (monotonic) */
    uint32_t serial;          /* request that last checked freshness */
    int valid;
    int refs;                 /* regions using the module */
};

/* Registers the modules named in list ("if,host,ucd"; "all"; "none" or ""
 * for none) with cache time ttl seconds; disks are the paths of the
 * UCD-SNMP-MIB dskTable (snmpd.conf's "disk PATH"). Unknown names:
 * MW_ENOTSUPP with err empty; a library a module needs that cannot be
 * opened (hostlib.h): MW_ENOTSUPP with the loader's message in err. */
int host_register(agent_t *a, const char *list, double ttl, const char *const *disks,
                  size_t ndisks, char *err, size_t errlen);
/* The module names this build serves, comma-separated. */
const char *host_available(void);

/* For modules. */
void *host_tab_add(host_tab_t *t, size_t rowsize);  /* zeroed row, NULL on ENOMEM */
void host_tab_clear(host_tab_t *t);
void host_v_num(mw_value_t *v, uint8_t type, uint64_t u);
void host_v_int(mw_value_t *v, int64_t i);
void host_v_str(mw_value_t *v, const void *p, size_t n);
int host_v_oid(agent_req_t *rq, mw_value_t *v, const uint32_t *arcs, size_t n);
double host_now(void);
/* Appends a copy of path to the owned list (*list, *n). 0 or MW_ENOMEM. */
int host_path_add(char ***list, size_t *n, const char *path);

host_mod_t *host_if_new(void);
host_mod_t *host_hr_new(void);
int host_hr_disk(host_mod_t *m, const char *path);
host_mod_t *host_ucd_new(void);
int host_ucd_disk(host_mod_t *m, const char *path);
host_mod_t *host_tcp_new(void);
host_mod_t *host_udp_new(void);
host_mod_t *host_ip_new(void);
host_mod_t *host_icmp_new(void);

#endif
