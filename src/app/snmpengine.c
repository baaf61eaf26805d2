/* snmpengine.c - the local SNMP engine (see snmpengine.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "snmpengine.h"
#include "../core/mw.h"

struct snmpengine {
    unsigned refs;
    int started;
    uint8_t id[SNMPENGINE_ID_MAX];
    size_t id_len;
    int32_t boots;
    int32_t stored_boots;     /* from the state file; 0: none stored */
    struct timespec start;    /* CLOCK_MONOTONIC when started */
    char *path;               /* owned: the state file, or NULL */
    char **lines;             /* owned: other lines of the state file, "key value" */
    size_t nlines;
};

snmpengine_t *
snmpengine_new(void)
{
    snmpengine_t *e = calloc(1, sizeof *e);
    if (e)
        e->refs = 1;
    return e;
}

void
snmpengine_retain(snmpengine_t *e)
{
    e->refs++;
}

static void
lines_clear(snmpengine_t *e)
{
    for (size_t i = 0; i < e->nlines; i++)
        free(e->lines[i]);
    free(e->lines);
    e->lines = NULL;
    e->nlines = 0;
}

void
snmpengine_release(snmpengine_t *e)
{
    if (!e || --e->refs > 0)
        return;
    lines_clear(e);
    free(e->path);
    free(e);
}

int
snmpengine_id_generate(uint8_t *out)
{
    static const uint8_t head[5] = { 0x80, 0x00, 0x1f, 0x88, 0x80 };
    uint8_t rnd[8];
    size_t got = 0;
    uint32_t t = (uint32_t)time(NULL);
    while (got < sizeof rnd) {
        ssize_t k = getrandom(rnd + got, sizeof rnd - got, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        got += (size_t)k;
    }
    memcpy(out, head, sizeof head);
    memcpy(out + 5, rnd, sizeof rnd);
    out[13] = (uint8_t)(t >> 24);
    out[14] = (uint8_t)(t >> 16);
    out[15] = (uint8_t)(t >> 8);
    out[16] = (uint8_t)t;
    return 0;
}

/* --- the state file --------------------------------------------------- */

static int
hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The engine ID in hex, whole: 0 with *n set, or -1. */
static int
parse_id(const char *s, uint8_t *out, size_t *n)
{
    size_t len = strlen(s), k = 0;
    if (len % 2 || len / 2 < SNMPENGINE_ID_MIN || len / 2 > SNMPENGINE_ID_MAX)
        return -1;
    for (; k < len / 2; k++) {
        int h = hexval(s[2 * k]), l = hexval(s[2 * k + 1]);
        if (h < 0 || l < 0)
            return -1;
        out[k] = (uint8_t)(h << 4 | l);
    }
    *n = k;
    return 0;
}

/* Decimal 0..2^31-1, whole: 0 or -1. */
static int
parse_boots(const char *s, int32_t *out)
{
    long long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > SNMPENGINE_BOOTS_MAX)
            return -1;
    }
    *out = (int32_t)v;
    return 0;
}

static int
line_add(snmpengine_t *e, const char *line)
{
    char **l = realloc(e->lines, (e->nlines + 1) * sizeof *l);
    if (!l)
        return MW_ENOMEM;
    e->lines = l;
    if (!(l[e->nlines] = strdup(line)))
        return MW_ENOMEM;
    e->nlines++;
    return 0;
}

/* Creates the directory the file at path goes in. */
static int
make_parent(const char *path, char *err, size_t errcap)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int rc;
    if (!slash || slash == path)
        return 0;
    if ((size_t)(slash - path) >= sizeof dir) {
        snprintf(err, errcap, "state file path too long: %s", path);
        return -ENAMETOOLONG;
    }
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    if ((rc = snmpengine_mkdirs(dir)) < 0) {
        snprintf(err, errcap, "cannot create the state directory %s: %s", dir, strerror(-rc));
        return rc;
    }
    return 0;
}

int
snmpengine_load(snmpengine_t *e, const char *path, char *err, size_t errcap)
{
    static const char corrupt[] = "corrupt state file %s (line %d): %s; correct or remove the file";
    static const char bad_id[] = "engineID is not 5 to 32 octets in hex";
    static const char bad_boots[] = "engineBoots is not a number from 0 to 2147483647";
    snmpengine_t t;           /* what the file holds, kept only when all of it reads */
    char *line = NULL;
    size_t cap = 0;
    int rc = 0, lineno = 0;
    FILE *f = NULL;
    memset(&t, 0, sizeof t);
    if (!(t.path = strdup(path))) {
        snprintf(err, errcap, "out of memory");
        return MW_ENOMEM;
    }
    if ((rc = make_parent(path, err, errcap)) < 0)
        goto done;
    if (!(f = fopen(path, "r"))) {
        if (errno != ENOENT) {
            rc = -errno;
            snprintf(err, errcap, "cannot read the state file %s: %s", path, strerror(errno));
        }
        goto done;
    }
    while (getline(&line, &cap, f) >= 0) {
        char *sp;
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        sp = strchr(line, ' ');
        if (sp)
            *sp++ = '\0';
        if (strcmp(line, "engineID") == 0) {
            if (!sp || parse_id(sp, t.id, &t.id_len) < 0) {
                snprintf(err, errcap, corrupt, path, lineno, bad_id);
                rc = MW_EINVAL;
                break;
            }
        } else if (strcmp(line, "engineBoots") == 0) {
            if (!sp || parse_boots(sp, &t.stored_boots) < 0) {
                snprintf(err, errcap, corrupt, path, lineno, bad_boots);
                rc = MW_EINVAL;
                break;
            }
        } else {
            if (sp)
                sp[-1] = ' ';
            if ((rc = line_add(&t, line)) < 0) {
                snprintf(err, errcap, "out of memory");
                break;
            }
        }
    }
    if (rc == 0 && ferror(f)) {
        rc = -EIO;
        snprintf(err, errcap, "cannot read the state file %s: %s", path, strerror(EIO));
    }
done:
    free(line);
    if (f)
        fclose(f);
    if (rc < 0) {
        lines_clear(&t);
        free(t.path);
        return rc;
    }
    lines_clear(e);
    free(e->path);
    e->path = t.path;
    e->lines = t.lines;
    e->nlines = t.nlines;
    e->stored_boots = t.stored_boots;
    if (t.id_len) {
        memcpy(e->id, t.id, t.id_len);
        e->id_len = t.id_len;
    }
    return 0;
}

int
snmpengine_boot(snmpengine_t *e, const uint8_t *id, size_t len, int32_t boots, char *err,
                size_t errcap)
{
    if (id) {
        if (len < SNMPENGINE_ID_MIN || len > SNMPENGINE_ID_MAX) {
            snprintf(err, errcap, "bad engine ID (5 to 32 octets)");
            return MW_EINVAL;
        }
        memcpy(e->id, id, len);
        e->id_len = len;
    } else if (!e->id_len) {
        int rc = snmpengine_id_generate(e->id);
        if (rc < 0) {
            snprintf(err, errcap, "cannot make an engine ID: no random octets (getrandom: %s)", strerror(-rc));
            return rc;
        }
        e->id_len = SNMPENGINE_ID_GENERATED;
    }
    if (e->path)
        e->boots = e->stored_boots < SNMPENGINE_BOOTS_MAX ? e->stored_boots + 1 : SNMPENGINE_BOOTS_MAX;
    else
        e->boots = boots >= 0 ? boots : 1;
    clock_gettime(CLOCK_MONOTONIC, &e->start);
    e->started = 1;
    return 0;
}

int
snmpengine_mkdirs(const char *dir)
{
    char buf[4096];
    struct stat st;
    size_t n = strlen(dir);
    if (n == 0)
        return 0;
    if (n >= sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                return -errno;
            *p = c;
            if (!c)
                break;
        }
    }
    if (stat(dir, &st) < 0)
        return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int
snmpengine_path(char *out, size_t cap, const char *dir, const char *name)
{
    int k = snprintf(out, cap, "%s/%s", dir, name);
    return k < 0 || (size_t)k >= cap ? MW_EINVAL : 0;
}

int
snmpengine_save(const snmpengine_t *e, char *err, size_t errcap)
{
    char tmp[4200];
    FILE *f = NULL;
    int fd = -1, rc = 0, made = 0;
    if (!e->path)
        return 0;
    if (!e->started) {
        snprintf(err, errcap, "the engine is not started");
        return MW_EINVAL;
    }
    if ((rc = make_parent(e->path, err, errcap)) < 0)
        return rc;
    if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", e->path) >= (int)sizeof tmp) {
        snprintf(err, errcap, "state file path too long: %s", e->path);
        return -ENAMETOOLONG;
    }
    if ((fd = mkstemp(tmp)) < 0) {
        rc = -errno;
        goto fail;
    }
    made = 1;
    if (!(f = fdopen(fd, "w"))) {
        rc = -errno;
        goto fail;
    }
    fd = -1;
    fprintf(f, "# moonwalk SNMP engine state: read and rewritten at every start\n");
    fprintf(f, "engineID ");
    for (size_t i = 0; i < e->id_len; i++)
        fprintf(f, "%02x", e->id[i]);
    fprintf(f, "\nengineBoots %d\n", (int)e->boots);
    for (size_t i = 0; i < e->nlines; i++)
        fprintf(f, "%s\n", e->lines[i]);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = -errno;
        goto fail;
    }
    if (fclose(f) != 0) {
        f = NULL;
        rc = -errno;
        goto fail;
    }
    f = NULL;
    if (rename(tmp, e->path) != 0) {
        rc = -errno;
        goto fail;
    }
    return 0;
fail:
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    if (made)
        unlink(tmp);
    snprintf(err, errcap, "cannot write the state file %s: %s", e->path, strerror(-rc));
    return rc;
}

int
snmpengine_start(snmpengine_t *e, const char *path, const uint8_t *id, size_t len, int32_t boots,
                 char *err, size_t errcap)
{
    int rc;
    if (path && (rc = snmpengine_load(e, path, err, errcap)) < 0)
        return rc;
    if ((rc = snmpengine_boot(e, id, len, boots, err, errcap)) < 0)
        return rc;
    return snmpengine_save(e, err, errcap);
}

/* --- reading the engine ------------------------------------------------ */

int snmpengine_started(const snmpengine_t *e) { return e->started; }
int32_t snmpengine_boots(const snmpengine_t *e) { return e->boots; }
const char *snmpengine_state_file(const snmpengine_t *e) { return e->path; }

const uint8_t *
snmpengine_id(const snmpengine_t *e, size_t *len)
{
    *len = e->id_len;
    return e->id;
}

int32_t
snmpengine_time(const snmpengine_t *e)
{
    struct timespec now;
    int64_t s;
    if (!e->started)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    s = (int64_t)now.tv_sec - e->start.tv_sec;
    if (now.tv_nsec < e->start.tv_nsec)
        s--;
    return s < 0 ? 0 : s > SNMPENGINE_BOOTS_MAX ? SNMPENGINE_BOOTS_MAX : (int32_t)s;
}

/* --- other lines of the state file ------------------------------------- */

static size_t
line_find(const snmpengine_t *e, const char *key)
{
    size_t k = strlen(key);
    for (size_t i = 0; i < e->nlines; i++)
        if (strncmp(e->lines[i], key, k) == 0 && (e->lines[i][k] == ' ' || e->lines[i][k] == '\0'))
            return i;
    return e->nlines;
}

const char *
snmpengine_state_get(const snmpengine_t *e, const char *key)
{
    size_t i = line_find(e, key);
    if (i == e->nlines)
        return NULL;
    const char *v = e->lines[i] + strlen(key);
    return *v ? v + 1 : v;
}

int
snmpengine_state_set(snmpengine_t *e, const char *key, const char *value)
{
    size_t i = line_find(e, key), kl = strlen(key);
    char *l;
    if (!kl || strpbrk(key, " \t\r\n") || (value && strpbrk(value, "\r\n"))
        || strcmp(key, "engineID") == 0 || strcmp(key, "engineBoots") == 0)
        return MW_EINVAL;
    if (!value) {
        if (i < e->nlines) {
            free(e->lines[i]);
            memmove(&e->lines[i], &e->lines[i + 1], (e->nlines - i - 1) * sizeof *e->lines);
            e->nlines--;
        }
        return 0;
    }
    if (!(l = malloc(kl + 1 + strlen(value) + 1)))
        return MW_ENOMEM;
    sprintf(l, "%s %s", key, value);
    if (i < e->nlines) {
        free(e->lines[i]);
        e->lines[i] = l;
        return 0;
    }
    char **ls = realloc(e->lines, (e->nlines + 1) * sizeof *ls);
    if (!ls) {
        free(l);
        return MW_ENOMEM;
    }
    e->lines = ls;
    e->lines[e->nlines++] = l;
    return 0;
}

/* --- the process's engine ------------------------------------------------ */

static snmpengine_t *local_engine;

snmpengine_t *
snmpengine_local(void)
{
    char err[128];
    if (!local_engine && !(local_engine = snmpengine_new()))
        return NULL;
    if (!local_engine->started && snmpengine_boot(local_engine, NULL, 0, 1, err, sizeof err) < 0)
        return NULL;
    return local_engine;
}
