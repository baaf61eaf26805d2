/* hostlib.c - opens libnl-route-3 and libproc2 for the host MIBs. See
 * hostlib.h. */
#include <dlfcn.h>
#include <stdio.h>

#define HOSTLIB_IMPL
#include "hostlib.h"
#include "../core/mw.h"

struct hostlib hostlib;

typedef struct {
    const char *name;
    size_t off;     /* of its field in struct hostlib */
    unsigned lib;   /* HOSTLIB_* */
} hostlib_sym_t;

static const hostlib_sym_t syms[] = {
#define NL_SYM(f) { #f, offsetof(struct hostlib, f), HOSTLIB_NL },
#define PROC_SYM(f) { #f, offsetof(struct hostlib, f), HOSTLIB_PROC },
    HOSTLIB_NL_FUNCS(NL_SYM)
    HOSTLIB_PROC_FUNCS(PROC_SYM)
#undef NL_SYM
#undef PROC_SYM
};

static unsigned opened; /* the HOSTLIB_* bits whose fields are filled */

int
host_libs_open(unsigned want, char *err, size_t errlen)
{
    static const struct { unsigned bit; const char *soname; } libs[] = {
        { HOSTLIB_NL, HOSTLIB_NL_SONAME },
        { HOSTLIB_PROC, HOSTLIB_PROC_SONAME },
    };
    for (size_t l = 0; l < sizeof libs / sizeof *libs; l++) {
        if (!(want & libs[l].bit) || (opened & libs[l].bit))
            continue;
        /* local: its symbols stay out of the global scope, and a
         * library that needs the other finds its own copy by NEEDED */
        void *h = dlopen(libs[l].soname, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            const char *e = dlerror();
            snprintf(err, errlen, "%s", e ? e : libs[l].soname);
            return MW_ENOTSUPP;
        }
        for (size_t i = 0; i < sizeof syms / sizeof *syms; i++) {
            if (syms[i].lib != libs[l].bit)
                continue;
            void *f = dlsym(h, syms[i].name);
            if (!f) {
                snprintf(err, errlen, "%s: no function %s", libs[l].soname, syms[i].name);
                return MW_ENOTSUPP;
            }
            *(void **)((char *)&hostlib + syms[i].off) = f;
        }
        opened |= libs[l].bit;
    }
    return 0;
}
