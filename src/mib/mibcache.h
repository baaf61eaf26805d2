/* mibcache.h - the compiled MIB cache: a loaded and linked set of modules
 * written once to one file, and restored from it on later starts.
 *
 * The file is an image of the linked tree, its pointers set for one
 * address: a load maps it there copy-on-write and uses it in place (or
 * moves the pointers when that address is taken), so a warm start costs
 * the same whatever the number of modules, and processes using the same
 * cache share its pages. It records the search path, the names given to
 * mib_load, the errors the loads printed, and the path, size and mtime of
 * every file of the search path's directories (and of the directories
 * themselves): any change makes it stale. A restored mib_t keeps the file
 * mapped and reads descriptions from the module files on demand, as a
 * parsed one does. It answers every query as the parsed set did; before anything
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
 * or it is damaged (magic, version, struct layout, length, header
 * checksum, a pointer outside the file when moved). When why is given
 * it receives a short reason ("ok", "ok: relocated", "stale: ...",
 * "corrupt", ...). */
mib_t *mibcache_load(const char *path, const char *key, char *why, size_t whycap);

#endif
