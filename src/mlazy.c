/* mlazy.c - the libm functions the moonwalk binary refers to (Lua's math
 * library and its float operators), opened with dlopen on the
 * first call instead of libm being a dependency of every start. Mapping
 * and relocating libm, whose IFUNC resolvers all run at load, cost a
 * one-shot command more than the math it then does: a numeric get calls
 * none of these. The functions called are libm's own, so every result is
 * what it was. core.so links libm and does not have this file. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void *
m_sym(const char *name)
{
    static void *lib;
    void *l = __atomic_load_n(&lib, __ATOMIC_ACQUIRE);
    if (!l) {
        l = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
        if (!l) {
            fprintf(stderr, "moonwalk: cannot open libm.so.6: %s\n", dlerror());
            abort();
        }
        __atomic_store_n(&lib, l, __ATOMIC_RELEASE);
    }
    void *f = dlsym(l, name);
    if (!f) {
        fprintf(stderr, "moonwalk: libm.so.6 has no %s\n", name);
        abort();
    }
    return f;
}

#define M_FORWARD(ret, name, params, args)                              \
    ret name params;                                                    \
    ret name params                                                     \
    {                                                                   \
        static ret (*fn) params;                                        \
        ret (*f) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);        \
        if (!f) {                                                       \
            *(void **)&f = m_sym(#name);                                \
            __atomic_store_n(&fn, f, __ATOMIC_RELEASE);                 \
        }                                                               \
        return f args;                                                  \
    }

#define M_1(name) M_FORWARD(double, name, (double x), (x))
#define M_2(name) M_FORWARD(double, name, (double x, double y), (x, y))

M_1(acos)
M_1(asin)
M_1(cos)
M_1(cosh)
M_1(exp)
M_1(log)
M_1(log10)
M_1(log2)
M_1(sin)
M_1(sinh)
M_1(sqrt)
M_1(tan)
M_1(tanh)
M_2(atan2)
M_2(fmod)
M_2(pow)
