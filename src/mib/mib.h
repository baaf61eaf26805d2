/* mib.h - MIB modules: parser (SMIv1/SMIv2), module search, the OID tree,
 * names <-> OIDs in net-snmp's forms, and value rendering with MIB
 * knowledge (enums, DISPLAY-HINTs, BITS, units).
 *
 * The tree is built the way net-snmp's parse.c builds it (same order of
 * children, same merging of duplicate definitions) so that names chosen
 * for OIDs and OIDs found for names are the same as net-snmp's. */
#ifndef MW_MIB_H
#define MW_MIB_H

#include <stddef.h>
#include <stdint.h>

#include "../core/oid.h"

/* Node types (net-snmp's TYPE_* values). */
enum {
    MIB_TYPE_OTHER = 0, MIB_TYPE_OBJID = 1, MIB_TYPE_OCTETSTR = 2,
    MIB_TYPE_INTEGER = 3, MIB_TYPE_NETADDR = 4, MIB_TYPE_IPADDR = 5,
    MIB_TYPE_COUNTER = 6, MIB_TYPE_GAUGE = 7, MIB_TYPE_TIMETICKS = 8,
    MIB_TYPE_OPAQUE = 9, MIB_TYPE_NULL = 10, MIB_TYPE_COUNTER64 = 11,
    MIB_TYPE_BITSTRING = 12, MIB_TYPE_NSAPADDRESS = 13,
    MIB_TYPE_UINTEGER = 14, MIB_TYPE_UNSIGNED32 = 15,
    MIB_TYPE_INTEGER32 = 16,
    MIB_TYPE_SIMPLE_LAST = 16,
    MIB_TYPE_TRAPTYPE = 20, MIB_TYPE_NOTIFTYPE = 21, MIB_TYPE_OBJGROUP = 22,
    MIB_TYPE_NOTIFGROUP = 23, MIB_TYPE_MODID = 24, MIB_TYPE_AGENTCAP = 25,
    MIB_TYPE_MODCOMP = 26, MIB_TYPE_OBJIDENTITY = 27,
};

/* Access and status (net-snmp's token values). */
enum {
    MIB_ACCESS_READONLY = 18, MIB_ACCESS_READWRITE = 19,
    MIB_ACCESS_WRITEONLY = 20, MIB_ACCESS_NOACCESS = 21,
    MIB_ACCESS_NOTIFY = 67, MIB_ACCESS_CREATE = 48,
};
enum {
    MIB_STATUS_MANDATORY = 23, MIB_STATUS_OPTIONAL = 24,
    MIB_STATUS_OBSOLETE = 25, MIB_STATUS_DEPRECATED = 39,
    MIB_STATUS_CURRENT = 57,
};

typedef struct mib_enum {
    const char *label;
    int32_t value;
    struct mib_enum *next;
} mib_enum_t;

typedef struct mib_range {
    int32_t low, high;
    struct mib_range *next;
} mib_range_t;

typedef struct mib_index {
    const char *label;
    int implied;
    struct mib_index *next;
} mib_index_t;

typedef struct mib_varbind {
    const char *label;
    struct mib_varbind *next;
} mib_varbind_t;

/* Where a quoted text (DESCRIPTION, REFERENCE) sits in its module file:
 * descriptions are most of a MIB's text and are read only when asked for
 * (mib_node_description). len is the raw length + 1; 0 when there is none. */
typedef struct mib_text {
    uint32_t off, len;
} mib_text_t;

/* The clauses few nodes have (a table's INDEX, an object's enums, ranges,
 * DISPLAY-HINT, UNITS, DEFVAL, a notification's OBJECTS, a REFERENCE) and
 * the list of modules of a node more than one module defines: one record
 * out of line, from the mib_t arena, only for the nodes that have any.
 * Read it through mib_node_more(), which gives an empty record for the
 * others. */
typedef struct mib_node_more {
    mib_enum_t *enums;
    mib_range_t *ranges;
    mib_index_t *indexes;
    mib_varbind_t *varbinds;
    const char *augments, *hint, *units, *defval;
    int *modules;               /* when nmodules > 1: see mib_node_modules() */
    mib_text_t reference_at;    /* in file */
} mib_node_more_t;

/* One node: while a module is parsed it is a loose definition (plabel,
 * subid, next); once linked it is a tree node (parent, child, peer,
 * hnext). The two are never the same record (linking copies a parse node
 * into a new tree node, and the parse node is given back), so the fields
 * of one share their place with the other's. All memory belongs to the
 * mib_t arena. */
typedef struct mib_node {
    const char *label;
    union {
        const char *plabel;     /* parse node: label of the parent */
        struct mib_node *parent;    /* tree node */
    };
    union {
        struct mib_node *next;  /* parse node: parse list, free list */
        struct mib_node *hnext; /* tree node: label hash chain */
    };
    struct mib_node *child, *peer;  /* tree node */
    const char *file;
    mib_node_more_t *more;      /* NULL: none of its clauses (mib_node_more) */
    long subid;                 /* parse: -1 when not given */
    int modid;
    int nmodules;               /* modules defining this node; [0] == modid */
    int tc;                     /* textual convention index or -1 */
    int line;
    mib_text_t description_at;  /* in file */
    unsigned char type, access, status;
    unsigned char reported;     /* visited by a -TB / -Tl... walk */
} mib_node_t;

_Static_assert(sizeof(void *) != 8 || sizeof(mib_node_t) == 96,
               "mib_node_t: 96 bytes on 64-bit systems");

extern const mib_node_more_t mib_node_more_none;

/* A node's rare clauses: never NULL (an empty record when it has none). */
static inline const mib_node_more_t *
mib_node_more(const mib_node_t *n)
{
    return n->more ? n->more : &mib_node_more_none;
}

/* The modules defining a node, nmodules of them, its own (modid) first. */
static inline const int *
mib_node_modules(const mib_node_t *n)
{
    return n->nmodules > 1 && n->more && n->more->modules ? n->more->modules : &n->modid;
}

typedef struct mib_tc {
    int type;                   /* parser token of the base type */
    int modid;
    const char *descriptor, *hint;
    int hnext;                  /* index + 1 of the previous TC of its hash chain */
    mib_enum_t *enums;
    mib_range_t *ranges;
} mib_tc_t;

typedef struct mib mib_t;

mib_t *mib_new(void);
void mib_free(mib_t *m);

/* Search path: ':'-separated directories, scanned in order (a module found
 * in a later directory replaces an earlier one, as in net-snmp). */
int mib_add_dirs(mib_t *m, const char *dirs);
/* the same, read when a module is first looked up */
void mib_defer_dirs(mib_t *m, const char *dirs);
/* Loads one module by name, or a file when name contains '/'. "ALL" loads
 * every module on the path. 0, or -1 when the module was not found. */
int mib_load(mib_t *m, const char *name);
/* Gives nodes whose parents were missing a second chance (net-snmp's
 * adopt_orphans); call after a batch of loads. */
void mib_adopt_orphans(mib_t *m);

/* Errors and warnings as net-snmp prints them, one per line. Returns the
 * text collected since the last call (NUL-terminated, owned by m, valid
 * until the next call) and resets it. */
const char *mib_take_errors(mib_t *m, size_t *len);
int mib_error_count(const mib_t *m);

/* Names -> OID. mode 0: as net-snmp's snmp_parse_oid without its regex
 * fallback (dotted names from the root, then MODULE::name or name with an
 * index); 1: as -IR (get_node only); 2: as snmptranslate without -IR
 * (read_objid only); 3: like 0 plus the regex match of -Ib. On failure
 * writes net-snmp's detail ("Sub-id not found: (top) -> foo") into err. */
int mib_parse_oid(mib_t *m, const char *name, int mode, oid_t *out,
                  char *err, size_t errcap);

/* OID -> name. Output formats as net-snmp's -O flags. */
enum {
    MIB_OID_MODULE = 0,   /* default and -OS: IF-MIB::ifDescr.3 */
    MIB_OID_SUFFIX,       /* -Os: ifDescr.3 */
    MIB_OID_FULL,         /* -Of: .iso.org.dod... */
    MIB_OID_NUMERIC,      /* -On: .1.3.6.1... */
    MIB_OID_UCD,          /* -Ou: system.sysUpTime.0 */
};
enum {
    MIB_F_DONT_BREAKDOWN = 1,   /* -Ob */
    MIB_F_EXTENDED_INDEX = 2,   /* -OX */
    MIB_F_ESCAPE_QUOTES = 4,    /* -OE */
    MIB_F_QUICK = 8,            /* -Oq: hinted -OX indexes without "STRING: " */
};
/* Writes the name into buf (cap bytes, always NUL-terminated); returns the
 * length it needs, like snprintf. */
size_t mib_format_oid(mib_t *m, const oid_t *o, int format, int flags,
                      char *buf, size_t cap);

/* The deepest known node on the way to o (net-snmp's get_tree) or NULL. */
mib_node_t *mib_get_tree(mib_t *m, const oid_t *o);
/* A node by name (any module, or the given one), or NULL. */
mib_node_t *mib_find_node(mib_t *m, const char *label, const char *module);
/* The OID of a node. */
void mib_node_oid(const mib_node_t *n, oid_t *out);
/* The name of module modid ("#N" when unknown); buf of 256 bytes. */
const char *mib_module_name(mib_t *m, int modid, char *buf);
const mib_tc_t *mib_tc(mib_t *m, int index);
/* The node's DESCRIPTION and REFERENCE texts as net-snmp keeps them (without
 * '\r', at most 4095 bytes), read from the module file on first use and
 * then kept; NULL when the node has none or the file no longer holds it
 * where it was. */
const char *mib_node_description(mib_t *m, mib_node_t *n);
const char *mib_node_reference(mib_t *m, mib_node_t *n);
/* snmptranslate -Td text for o; returns needed length like snprintf. */
size_t mib_describe(mib_t *m, const oid_t *o, int width, char *buf, size_t cap);
/* Modules on the path (name, file) and whether they are loaded. */
int mib_module_count(mib_t *m);
int mib_module_info(mib_t *m, int i, const char **name, const char **file,
                    int *loaded);

/* Calls fn for every node, depth first in sub-identifier order (the
 * order of snmptranslate -To). */
void mib_report(mib_t *m, void (*fn)(void *, const oid_t *, const mib_node_t *), void *arg);

/* snmptranslate's reports, as text the caller frees (NULL on failure):
 * -Tp: the tree under o, or under the first root when o is NULL (NULL when
 *      o has no node); width as -w;
 * -Ta: the ASCII dump of the first root;
 * -Tl/-To/-Ts/-Tz/-Tt: the OID report of every root's subtree, with the
 *      parts the MIB_REPORT_* flags ask for. */
enum {
    MIB_REPORT_LABELED = 1, MIB_REPORT_OID = 2, MIB_REPORT_SYMBOLIC = 4,
    MIB_REPORT_MIBCHILD = 8, MIB_REPORT_SUFFIX = 16,
};
char *mib_tree_text(mib_t *m, const oid_t *o, int width, size_t *len);
char *mib_ascii_dump(mib_t *m, size_t *len);
char *mib_oid_report(mib_t *m, unsigned what, size_t *len);
/* -TB: calls fn with the OID of every object whose name matches the
 * extended regular expression (case-insensitive), in net-snmp's order;
 * returns how many. */
int mib_wild_all(mib_t *m, const char *pattern, void (*fn)(void *, const oid_t *), void *arg);

#endif
