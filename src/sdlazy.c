/* sdlazy.c - the seven libsystemd functions libproc2 refers to (its
 * PIDS_SD_* items), for the moonwalk binary, which links libproc2's
 * archive: libsystemd is opened with dlopen on the first call instead of
 * being a dependency of every start. libsystemd needs libgcrypt, liblzma,
 * libzstd, liblz4, libcap and libgpg-error: seven shared libraries mapped
 * and relocated before main() for items the host MIBs never ask for.
 * core.so links the shared libproc2 and does not have this file. */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <sys/types.h>

static void *
sd_sym(const char *name)
{
    static void *lib;
    static int tried;
    if (!tried) {
        tried = 1;
        lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    }
    return lib ? dlsym(lib, name) : NULL;
}

#define SD_FORWARD(name, params, args)                                  \
    int name params;                                                    \
    int name params                                                     \
    {                                                                   \
        static int (*fn) params;                                        \
        if (!fn && !(*(void **)&fn = sd_sym(#name)))                    \
            return -ENOSYS;                                             \
        return fn args;                                                 \
    }

SD_FORWARD(sd_pid_get_machine_name, (pid_t pid, char **machine), (pid, machine))
SD_FORWARD(sd_pid_get_owner_uid, (pid_t pid, uid_t *uid), (pid, uid))
SD_FORWARD(sd_pid_get_session, (pid_t pid, char **session), (pid, session))
SD_FORWARD(sd_pid_get_slice, (pid_t pid, char **slice), (pid, slice))
SD_FORWARD(sd_pid_get_unit, (pid_t pid, char **unit), (pid, unit))
SD_FORWARD(sd_pid_get_user_unit, (pid_t pid, char **unit), (pid, unit))
SD_FORWARD(sd_session_get_seat, (const char *session, char **seat), (session, seat))
