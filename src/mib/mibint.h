/* mibint.h - the inside of a mib_t and what the files of the MIB layer
 * (mib.c, miblex.c, mibparse.c, mibtree.c, mibpath.c, mibname.c,
 * mibdesc.c, mibreport.c, and mibcache.c, which writes and maps it) give
 * each other. Not part of the API. */
#ifndef MW_MIBINT_H
#define MW_MIBINT_H

#include "mib.h"

#define MAXTOKEN 128
#define MAXQUOTESTR 4096
#define ANON "anonymous#"
#define ANON_LEN 10

/* Tokens (net-snmp's values; SYNTAX_MASK marks syntax tokens). */
#define SYNTAX_MASK 0x80
enum {
    CONTINUE = -1, ENDOFFILE = 0, LABEL = 1, SUBTREE = 2, SYNTAX = 3,
    OBJID = 4 | SYNTAX_MASK, OCTETSTR = 5 | SYNTAX_MASK,
    INTEGER = 6 | SYNTAX_MASK, NETADDR = 7 | SYNTAX_MASK,
    IPADDR = 8 | SYNTAX_MASK, COUNTER = 9 | SYNTAX_MASK,
    GAUGE = 10 | SYNTAX_MASK, TIMETICKS = 11 | SYNTAX_MASK,
    KW_OPAQUE = 12 | SYNTAX_MASK, NUL = 13 | SYNTAX_MASK,
    SEQUENCE = 14, OF = 15, OBJTYPE = 16, ACCESS = 17, READONLY = 18,
    READWRITE = 19, WRITEONLY = 20, NOACCESS = 21, STATUS = 22,
    MANDATORY = 23, KW_OPTIONAL = 24, OBSOLETE = 25, PUNCT = 27,
    EQUALS = 28, NUMBER = 29, LEFTBRACKET = 30, RIGHTBRACKET = 31,
    LEFTPAREN = 32, RIGHTPAREN = 33, COMMA = 34, DESCRIPTION = 35,
    QUOTESTRING = 36, INDEX = 37, DEFVAL = 38, DEPRECATED = 39, SIZE = 40,
    BITSTRING = 41 | SYNTAX_MASK, NSAPADDRESS = 42 | SYNTAX_MASK,
    COUNTER64 = 43 | SYNTAX_MASK, OBJGROUP = 44, NOTIFTYPE = 45,
    AUGMENTS = 46, COMPLIANCE = 47, READCREATE = 48, UNITS = 49,
    REFERENCE = 50, NUM_ENTRIES = 51, MODULEIDENTITY = 52,
    LASTUPDATED = 53, ORGANIZATION = 54, CONTACTINFO = 55,
    UINTEGER32 = 56 | SYNTAX_MASK, CURRENT = 57, DEFINITIONS = 58,
    END = 59, SEMI = 60, TRAPTYPE = 61, ENTERPRISE = 62, BEGIN = 64,
    IMPORTS = 65, EXPORTS = 66, ACCNOTIFY = 67, BAR = 68, RANGE = 69,
    CONVENTION = 70, DISPLAYHINT = 71, FROM = 72, AGENTCAP = 73,
    MACRO = 74, IMPLIED = 75, SUPPORTS = 76, INCLUDES = 77,
    VARIATION = 78, REVISION = 79, NOTIMPL = 80, OBJECTS = 81,
    NOTIFICATIONS = 82, MODULE = 83, MINACCESS = 84, PRODREL = 85,
    WRSYNTAX = 86, CREATEREQ = 87, NOTIFGROUP = 88, MANDATORYGROUPS = 89,
    GROUP = 90, OBJECT = 91, IDENTIFIER = 92, CHOICE = 93,
    LEFTSQBRACK = 95, RIGHTSQBRACK = 96, IMPLICIT = 97,
    APPSYNTAX = 98 | SYNTAX_MASK, OBJSYNTAX = 99 | SYNTAX_MASK,
    SIMPLESYNTAX = 100 | SYNTAX_MASK, OBJNAME = 101 | SYNTAX_MASK,
    NOTIFNAME = 102 | SYNTAX_MASK, VARIABLES = 103,
    UNSIGNED32 = 104 | SYNTAX_MASK, INTEGER32 = 105 | SYNTAX_MASK,
    OBJIDENTITY = 106,
};

/* What reading a module came to (net-snmp's values). */
enum { MODULE_NOT_FOUND = 0, MODULE_LOADED_OK = 1, MODULE_ALREADY_LOADED = 2,
       MODULE_SYNTAX_ERROR = 4 };

#define NHASH 128
#define THASH 16384
#define MHASH 4096  /* modules by name */
#define TCHASH 4096 /* textual conventions by descriptor */

typedef struct {
    const char *label;
    int modid;
} mib_import_t;

typedef struct mib_module {
    const char *name, *file;
    int modid;
    mib_import_t *imports;
    int no_imports;             /* -1: not loaded yet */
    struct mib_module *next;
    struct mib_module *hnext;   /* name hash chain */
} mib_module_t;

typedef struct objgroup {
    const char *name;
    int line;
    struct objgroup *next;
} objgroup_t;

/* One entry of the index of children (mibtree.c): the first child of
 * parent with subid, or with subid KIDS_TAIL its last child (NULL: the
 * parent is not indexed); valid while epoch is the parent's. */
typedef struct {
    const struct mib_node *parent;
    long subid;
    struct mib_node *node;
    unsigned epoch;
} mib_kid_t;

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
} chunk_t;

/* A module file being read (miblex.c): a window of it in the mib_t's one
 * buffer, refilled with read(2), so that no file is mapped and a chain of
 * modules that import each other holds no text per file. A module that
 * is read while another one is (an import) takes the buffer over; the
 * interrupted one closes its file and reopens it at the same offset when
 * it reads on. */
#define LEXBUF 65536
typedef struct lex {
    const char *p, *end;        /* the unread part of the window */
    char *buf;                  /* the window: the file's text from off */
    size_t cap;                 /* bytes read at a time */
    uint64_t off;
    const char *path;
    int fd;                     /* -1: closed (at its end, or interrupted) */
    int eof;
    int depth;                  /* files interrupted below this one */
    struct lex *outer;          /* the file this one interrupted */
} lex_t;

/* The DESCRIPTION and REFERENCE of a node once read (mibdesc.c): few
 * nodes are asked for them, so they are kept here, not in the nodes. */
typedef struct {
    const mib_node_t *node;
    const char *description, *reference;
} mib_texts_t;

struct mib {
    chunk_t *arena;             /* owns every node, string and list */
    char *pending;              /* owned: directories added but not read yet */
    mib_module_t *module_head;
    mib_module_t **modules;     /* by modid */
    int nmodules, capmodules;
    mib_tc_t *tcs;              /* owned (realloc) */
    int ntcs, captcs;
    mib_node_t *nbuckets[NHASH];
    mib_node_t *tbuckets[THASH];
    mib_node_t *tree_head;
    mib_node_t *orphan_nodes;
    mib_import_t root_imports[3];
    int anonymous;
    int current_module;
    const char *file;           /* file being parsed */
    int line;
    lex_t *lx;
    char *lexbuf;               /* owned: LEXBUF bytes, the lexers' window */
    int syntax_error;           /* gMibError */
    char *last_err_module;      /* owned */
    int first_err_module;
    char *dirs;                 /* owned: the search path as given */
    objgroup_t *objgroups, *objects, *notifs;
    char *errbuf;               /* owned */
    size_t errlen, errcap;
    int nerrors;
    mib_text_t quote;           /* where the last quoted string was */
    mib_node_t *free_nodes;     /* parse nodes copied into the tree, for reuse */
    mib_kid_t *kids;            /* owned: children of long child lists by subid */
    size_t nkids, capkids;
    unsigned kids_epoch;
    mib_module_t *mbuckets[MHASH];  /* modules by name (names are unique) */
    int tcbuckets[TCHASH];      /* index + 1 of the newest TC of a hash chain */
    char *journal;              /* owned: names given to mib_load, each + '\n' */
    size_t journal_len;
    int cached;                 /* restored from a compiled cache (mibcache.c) */
    void *cache_map;            /* owned: the mapped cache file, or NULL */
    size_t cache_len;
    mib_texts_t *texts;         /* owned: open addressing by node */
    size_t ntexts, captexts;
};

/* mib.c: the arena (zeroed memory, freed with the mib_t), the error
 * text, modules by name and number. */
void *mib_arena_alloc(mib_t *m, size_t n);
unsigned mib_str_hash(const char *s);
char *mib_arena_strdup(mib_t *m, const char *s);
void mib_err_append(mib_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mib_print_error(mib_t *m, const char *string, const char *token, int type);
void mib_module_not_found(mib_t *m, const char *cp);
mib_module_t *mib_module_by_name(mib_t *m, const char *name);
int mib_which_module(mib_t *m, const char *name);
mib_module_t *mib_find_module(mib_t *m, int modid);
void mib_new_module(mib_t *m, const char *name, const char *file);

/* miblex.c: miblex_open makes path the file m reads (reading at most cap
 * bytes at a time, up to LEXBUF), interrupting the one being read; 0, or
 * -1 with errno set. miblex_close gives the file read before back.
 * miblex_token reads one token into token (maxtlen bytes) and returns its
 * type; miblex_ungetc gives back the character just read. */
void miblex_init(void);
int miblex_open(mib_t *m, lex_t *lx, const char *path, size_t cap);
void miblex_close(mib_t *m, lex_t *lx);
void miblex_ungetc(mib_t *m, int ch);
int miblex_token(mib_t *m, char *token, int maxtlen);

/* mibtree.c: nodes, their linking into the tree, nodes by label,
 * textual conventions. */
mib_node_t *mibtree_alloc_node(mib_t *m, int modid);
/* np's record of rare clauses, made when it has none */
mib_node_more_t *mibtree_more(mib_t *m, mib_node_t *np);
/* gives back a parse node nothing points at (its strings stay) */
void mibtree_free_node(mib_t *m, mib_node_t *np);
void mibtree_hash_add(mib_t *m, mib_node_t *tp);
mib_node_t *mibtree_find(mib_t *m, const char *name, int modid);
mib_node_t *mibtree_new_node(mib_t *m, int modid);
void mibtree_linkup(mib_t *m, mib_module_t *mp, mib_node_t *np);
int mibtree_get_tc(mib_t *m, const char *descriptor, int modid, int *tc_index,
                   mib_enum_t **ep, mib_range_t **rp, const char **hint);

/* mibparse.c: parses the module file m->lx holds. 0, or -1 on a syntax
 * error that abandons the module. */
int mibparse_module(mib_t *m);

/* mibpath.c: modules read by name (their IMPORTS first), old names
 * replaced, directories indexed when first needed. */
/* A module's file parsed, when not yet loaded: MODULE_* */
int mibpath_load_module(mib_t *m, const char *name);
void mibpath_read_module(mib_t *m, const char *name);
int mibpath_import_replacements(mib_t *m, const char *old_module, mib_import_t *identifier);
void mibpath_index_pending(mib_t *m);

/* mibname.c: a textual convention's descriptor (for -Td); the reported
 * marks of the -TB search cleared. */
const char *mibname_tc_name(mib_t *m, int tc);
void mibname_clear_reported(mib_node_t *tp);

/* mibcache.c: frees what a mapped cache holds (mib_free calls it). */
void mibcache_release(mib_t *m);
/* mibcache.c: a mib_t restored from a cache is rebuilt by a real parse
 * before it changes (mib_add_dirs, mib_load, mib_adopt_orphans call it). */
void mibcache_materialize(mib_t *m);

#endif
