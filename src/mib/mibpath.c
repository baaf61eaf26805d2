/* mibpath.c - the search path: each directory's files indexed by the
 * module they define (a later directory replaces an earlier one, as in
 * net-snmp), module files parsed on demand, old module names
 * replaced by their successors, and mib_load. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mib.h"
#include "mibint.h"

/* Old module names and the modules that replaced them (net-snmp's
 * module_map), used when an imported module is missing. */
static const struct {
    const char *old_module, *new_module, *tag;
    int tag_len;
} module_map[] = {
    { "RFC1065-SMI", "RFC1155-SMI", NULL, 0 },
    { "RFC1066-MIB", "RFC1156-MIB", NULL, 0 },
    { "RFC1156-MIB", "RFC1158-MIB", NULL, 0 },
    { "RFC1158-MIB", "RFC1213-MIB", NULL, 0 },
    { "RFC1155-SMI", "SNMPv2-SMI", NULL, 0 },
    { "RFC1213-MIB", "SNMPv2-SMI", "mib-2", 0 },
    { "RFC1213-MIB", "SNMPv2-MIB", "sys", 3 },
    { "RFC1213-MIB", "IF-MIB", "if", 2 },
    { "RFC1213-MIB", "IP-MIB", "ip", 2 },
    { "RFC1213-MIB", "IP-MIB", "icmp", 4 },
    { "RFC1213-MIB", "TCP-MIB", "tcp", 3 },
    { "RFC1213-MIB", "UDP-MIB", "udp", 3 },
    { "RFC1213-MIB", "SNMPv2-SMI", "transmission", 0 },
    { "RFC1213-MIB", "SNMPv2-MIB", "snmp", 4 },
    { "RFC1271-MIB", "RMON-MIB", NULL, 0 },
    { "RFC1286-MIB", "SOURCE-ROUTING-MIB", "dot1dSr", 7 },
    { "RFC1286-MIB", "BRIDGE-MIB", NULL, 0 },
    { "RFC1315-MIB", "FRAME-RELAY-DTE-MIB", NULL, 0 },
    { "RFC1316-MIB", "CHARACTER-MIB", NULL, 0 },
    { "RFC-1213", "RFC1213-MIB", NULL, 0 },
};

int
mibpath_load_module(mib_t *m, const char *name)
{
    mibpath_index_pending(m);
    mib_module_t *mp = mib_module_by_name(m, name);
    if (mp) {
        if (mp->no_imports != -1)
            return MODULE_ALREADY_LOADED;
        lex_t lx;
        if (miblex_open(m, &lx, mp->file, LEXBUF) != 0) {
            mib_err_append(m, "%s: %s\n", mp->file, strerror(errno));
            return MODULE_NOT_FOUND;
        }
        const char *ofile = m->file;
        int oline = m->line, omod = m->current_module, rc;
        mp->no_imports = 0;
        m->file = mp->file;
        m->line = 1;
        m->current_module = mp->modid;
        rc = mibparse_module(m);
        miblex_close(m, &lx);
        m->file = ofile;
        m->line = oline;
        m->current_module = omod;
        if (rc < 0 && m->syntax_error)
            return MODULE_SYNTAX_ERROR;
        return MODULE_LOADED_OK;
    }
    return MODULE_NOT_FOUND;
}

static int
read_module_replacements(mib_t *m, const char *name)
{
    for (size_t i = 0; i < sizeof module_map / sizeof *module_map; i++)
        if (!strcmp(module_map[i].old_module, name)) {
            mibpath_read_module(m, module_map[i].new_module);
            return 1;
        }
    return 0;
}

int
mibpath_import_replacements(mib_t *m, const char *old_module, mib_import_t *identifier)
{
    for (size_t i = 0; i < sizeof module_map / sizeof *module_map; i++) {
        const char *tag = module_map[i].tag;
        int tag_len = module_map[i].tag_len;
        if (strcmp(module_map[i].old_module, old_module))
            continue;
        if ((tag_len == 0 && (tag == NULL || !strcmp(tag, identifier->label))) ||
            (tag_len != 0 && !strncmp(tag, identifier->label, (size_t)tag_len))) {
            mibpath_read_module(m, module_map[i].new_module);
            identifier->modid = mib_which_module(m, module_map[i].new_module);
            return 1;
        }
    }
    return read_module_replacements(m, old_module);
}

void
mibpath_read_module(mib_t *m, const char *name)
{
    int status = mibpath_load_module(m, name);
    if (status == MODULE_NOT_FOUND) {
        if (!read_module_replacements(m, name))
            mib_module_not_found(m, name);
    } else if (status == MODULE_SYNTAX_ERROR) {
        m->syntax_error = 0;
    }
}

/* ---- search path ----------------------------------------------------- */

/* Indexes a file by the module it defines: the first two tokens are
 * "NAME DEFINITIONS". Only the start of the file is read (more only when
 * comments before the name run past it). */
static int
add_mibfile(mib_t *m, const char *path)
{
    char token[MAXTOKEN], token2[MAXTOKEN];
    const char *ofile = m->file;
    int oline = m->line, rc = 1;
    lex_t lx;
    if (miblex_open(m, &lx, path, 8192) != 0)
        return 1;
    m->file = path;
    m->line = 1;
    if (miblex_token(m, token, MAXTOKEN) == LABEL &&
        miblex_token(m, token2, MAXTOKEN) == DEFINITIONS) {
        mib_new_module(m, token, path);
        rc = 0;
    }
    miblex_close(m, &lx);
    /* the line stays 1 once a file has been indexed (net-snmp's
     * add_mibfile leaves mibLine so): "Cannot find module (X): At line 1"
     * after a search of real directories, "At line 0" when no directory
     * held a file */
    m->file = ofile;
    m->line = oline ? oline : 1;
    return rc;
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Registers the modules of one directory, in name order (as net-snmp,
 * which scans with alphasort). */
static int
add_mibdir(mib_t *m, const char *dirname)
{
    DIR *dir = opendir(dirname);
    struct dirent *file;
    char tmpstr[4096];
    char **names = NULL;
    size_t nnames = 0, cap = 0;
    int count = 0;

    if (!dir)
        return -1;
    while ((file = readdir(dir))) {
        size_t n = strlen(file->d_name);
        if (n == 0 || file->d_name[0] == '.' || file->d_name[0] == '#' ||
            file->d_name[n - 1] == '#' || file->d_name[n - 1] == '~')
            continue;
        if (nnames == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        if ((names[nnames] = strdup(file->d_name)) != NULL)
            nnames++;
    }
    closedir(dir);
    if (nnames)
        qsort(names, nnames, sizeof *names, name_cmp);
    for (size_t i = 0; i < nnames; i++) {
        struct stat st;
        snprintf(tmpstr, sizeof tmpstr, "%s/%s", dirname, names[i]);
        free(names[i]);
        if (stat(tmpstr, &st) != 0 || S_ISDIR(st.st_mode))
            continue;
        if (!add_mibfile(m, tmpstr))
            count++;
    }
    free(names);
    return count;
}

/* Appends dirs to the search path that error messages show. */
static void
note_dirs(mib_t *m, const char *dirs)
{
    if (m->dirs) {
        size_t n = strlen(m->dirs) + strlen(dirs) + 2;
        char *nd = malloc(n);
        if (nd) {
            snprintf(nd, n, "%s:%s", m->dirs, dirs);
            free(m->dirs);
            m->dirs = nd;
        }
    } else {
        m->dirs = strdup(dirs);
    }
}

/* Registers the modules of each directory of dirs, in order. */
static int
index_dirs(mib_t *m, const char *dirs)
{
    char *copy = strdup(dirs), *save = NULL, *entry;
    int count = 0;
    if (!copy)
        return -1;
    for (entry = strtok_r(copy, ":", &save); entry; entry = strtok_r(NULL, ":", &save)) {
        int n = add_mibdir(m, entry);
        if (n > 0)
            count += n;
    }
    free(copy);
    return count;
}

/* Reads the directories mib_defer_dirs left for later, before anything
 * looks a module up. */
void
mibpath_index_pending(mib_t *m)
{
    char *d = m->pending;
    if (!d)
        return;
    m->pending = NULL;
    index_dirs(m, d);
    free(d);
}

int
mib_add_dirs(mib_t *m, const char *dirs)
{
    if (m->cached)
        mibcache_materialize(m);
    mibpath_index_pending(m);
    note_dirs(m, dirs);
    return index_dirs(m, dirs);
}

/* As mib_add_dirs, but the directories are read (each file's first
 * octets, for its module name) only when a module is first looked up: a
 * start that loads no module, or uses numeric OIDs only, reads none. */
void
mib_defer_dirs(mib_t *m, const char *dirs)
{
    if (m->cached)
        mibcache_materialize(m);
    note_dirs(m, dirs);
    if (m->pending) {
        size_t n = strlen(m->pending) + strlen(dirs) + 2;
        char *nd = malloc(n);
        if (!nd) {
            mibpath_index_pending(m);
            index_dirs(m, dirs);
            return;
        }
        snprintf(nd, n, "%s:%s", m->pending, dirs);
        free(m->pending);
        m->pending = nd;
    } else if (!(m->pending = strdup(dirs))) {
        index_dirs(m, dirs);
    }
}

int
mib_load(mib_t *m, const char *name)
{
    size_t nl = strlen(name);
    if (m->cached)
        mibcache_materialize(m);
    char *j = realloc(m->journal, m->journal_len + nl + 2);
    if (j) {
        memcpy(j + m->journal_len, name, nl);
        j[m->journal_len + nl] = '\n';
        j[m->journal_len + nl + 1] = 0;
        m->journal = j;
        m->journal_len += nl + 1;
    }
    mibpath_index_pending(m);
    if (!strcmp(name, "ALL")) {
        for (mib_module_t *mp = m->module_head; mp; mp = mp->next)
            if (mp->no_imports == -1)
                mibpath_read_module(m, mp->name);
        return 0;
    }
    if (strchr(name, '/')) {
        char token[MAXTOKEN];
        lex_t lx;
        if (miblex_open(m, &lx, name, 8192) != 0) {
            mib_err_append(m, "%s: %s\n", name, strerror(errno));
            m->nerrors++;
            return -1;
        }
        int t = miblex_token(m, token, MAXTOKEN);
        miblex_close(m, &lx);
        if (t != LABEL) {
            mib_err_append(m, "Failed to parse MIB file %s\n", name);
            m->nerrors++;
            return -1;
        }
        mib_new_module(m, token, name);
        mibpath_read_module(m, token);
        return 0;
    }
    int status = mibpath_load_module(m, name);
    if (status == MODULE_NOT_FOUND) {
        if (!read_module_replacements(m, name)) {
            mib_module_not_found(m, name);
            return -1;
        }
    } else if (status == MODULE_SYNTAX_ERROR) {
        m->syntax_error = 0;
    }
    return 0;
}
