/* mibcache.h - the compiled MIB cache: a loaded and linked set of modules
 * written once to one file, and restored from it on later starts.
 *
 * The file has no pointers: strings, lists and nodes are referred to by
 * offset or index. It records the search path, the names given to
 * mib_load, the errors the loads printed, and the path, size and mtime of
 * every file of the search path's directories (and of the directories
 * themselves): any change makes it stale. A restored mib_t keeps the file
 * mapped read-only (names, file paths and OID arrays point into it) and
 * reads descriptions from the module files on demand, as a parsed one
 * does. It answers every query as the parsed set did; before anything
 * changes it (mib_add_dirs, mib_load, mib_adopt_orphans) it parses the
 * recorded loads again. */
#ifndef MW_MIBCACHE_H
#define MW_MIBCACHE_H

#include "mib.h"

/* Writes m, as it stands after its loads and mib_adopt_orphans, to path
 * (a temporary file renamed over it; the directory is created when
 * missing). key names the request (search path and modules); a load with
 * another key ignores the file. 0, or -1. */
int mibcache_save(mib_t *m, const char *path, const char *key);

/* The set saved in path under key, or NULL when there is none, it is
 * stale (a source file changed, was removed or added, the key differs)
 * or it is damaged (magic, version, length, header checksum). When why
 * is given it receives a short reason ("stale: ...", "corrupt", ...). */
mib_t *mibcache_load(const char *path, const char *key, char *why, size_t whycap);

#endif
