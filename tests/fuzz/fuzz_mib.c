/* fuzz_mib.c - libFuzzer target for the MIB parser (src/mib): the input is
 * the text of one MIB module.
 *
 * Each input gets a fresh mib_t. The text is loaded from a memfd (so no
 * file is written per input) and its IMPORTS resolve against a fixed set
 * of standard modules that are copied once, at start, into a private
 * directory in /dev/shm (SNMPv2-SMI/TC/CONF, RFC1155-SMI, RFC-1212,
 * RFC-1215, SNMP-FRAMEWORK-MIB, INET-ADDRESS-MIB from mibs/std when it is
 * there); the directory is removed at exit.
 *
 * After loading, the tree is walked: every node (up to a bound) is named
 * in each output format, described as snmptranslate -Td does, looked up
 * by name again, and values are rendered through its syntax (enums,
 * DISPLAY-HINTs, units), since hints and enums come from the input too. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/mib/mib.h"
#include "../../src/mib/mibfmt.h"
#include "../../src/mib/mibhint.h"

#ifndef MW_ROOT
#define MW_ROOT "."
#endif

static const char *std_modules[] = {
    "SNMPv2-SMI", "SNMPv2-TC", "SNMPv2-CONF", "RFC1155-SMI", "RFC-1212",
    "RFC-1215",
};

static char dir[256];
static char input_path[64];
static int input_fd = -1;

static void
cleanup(void)
{
    char p[512];
    for (size_t i = 0; i < sizeof std_modules / sizeof *std_modules; i++) {
        snprintf(p, sizeof p, "%s/%s.mib", dir, std_modules[i]);
        unlink(p);
    }
    if (dir[0])
        rmdir(dir);
}

static void
copy_std(void)
{
    const char *base = getenv("MW_FUZZ_MIBDIR");
    char src[512], dst[512], buf[65536];
    if (!base)
        base = MW_ROOT "/mibs/std";
    for (size_t i = 0; i < sizeof std_modules / sizeof *std_modules; i++) {
        snprintf(src, sizeof src, "%s/%s.mib", base, std_modules[i]);
        snprintf(dst, sizeof dst, "%s/%s.mib", dir, std_modules[i]);
        FILE *in = fopen(src, "rb"), *out;
        if (!in)
            continue;
        out = fopen(dst, "wb");
        if (out) {
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, in)) > 0)
                fwrite(buf, 1, n, out);
            fclose(out);
        }
        fclose(in);
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/dev/shm/mw-fuzz-mib-XXXXXX");
    if (!mkdtemp(dir)) {
        snprintf(dir, sizeof dir, "/tmp/mw-fuzz-mib-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    atexit(cleanup);
    copy_std();
    input_fd = memfd_create("mib-input", 0);
    if (input_fd < 0)
        abort();
    snprintf(input_path, sizeof input_path, "/proc/self/fd/%d", input_fd);
    return 0;
}

typedef struct {
    mib_t *m;
    const uint8_t *data;
    size_t size;
    int count;
} walk_t;

static void
visit(void *arg, const oid_t *o, const mib_node_t *n)
{
    walk_t *w = arg;
    static char buf[4096];
    if (++w->count > 200)
        return;
    for (int f = MIB_OID_MODULE; f <= MIB_OID_UCD; f++)
        mib_format_oid(w->m, o, f, f == MIB_OID_MODULE ? MIB_F_EXTENDED_INDEX : 0, buf,
                       sizeof buf);
    if (w->count <= 40)
        mib_describe(w->m, o, 80, buf, sizeof buf);
    /* the name found again */
    if (n->label) {
        char mod[256], name[600];
        oid_t back;
        snprintf(name, sizeof name, "%s::%s", mib_module_name(w->m, n->modid, mod), n->label);
        mib_parse_oid(w->m, name, 0, &back, buf, sizeof buf);
        snprintf(name, sizeof name, "%s.1.2", n->label);
        mib_parse_oid(w->m, name, 1, &back, buf, sizeof buf);
    }
    /* values through the node's syntax: an integer, octets, an OID */
    mibfmt_opts_t opt;
    memset(&opt, 0, sizeof opt);
    mibfmt_value_t v;
    memset(&v, 0, sizeof v);
    size_t k = w->size < 16 ? w->size : 16;
    v.tag = MW_T_INTEGER;
    v.i = w->count % 7 - 1;
    mibfmt_value(w->m, n, &v, &opt, buf, sizeof buf);
    v.tag = MW_T_OCTETSTR;
    v.s = w->data;
    v.n = k;
    mibfmt_value(w->m, n, &v, &opt, buf, sizeof buf);
    opt.quick = 1;
    opt.string_format = 'x';
    mibfmt_value(w->m, n, &v, &opt, buf, sizeof buf);
    const char *hint = mib_node_more(n)->hint;
    if (hint) {
        uint8_t octets[256];
        size_t outlen;
        mibhint_octets(w->data, k, hint, buf, sizeof buf);
        mibhint_parse(hint, "1.2.3.4", octets, sizeof octets, &outlen);
    }
    v.tag = MW_T_OID;
    v.oid = o;
    mibfmt_value(w->m, n, &v, &opt, buf, sizeof buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(input_fd, 0) != 0 || pwrite(input_fd, data, size, 0) != (ssize_t)size)
        abort();
    mib_t *m = mib_new();
    if (!m)
        abort();
    mib_add_dirs(m, dir);
    mib_load(m, input_path);
    mib_adopt_orphans(m);
    size_t len;
    mib_take_errors(m, &len);
    walk_t w = { m, data, size, 0 };
    mib_report(m, visit, &w);
    oid_t o;
    char err[256];
    mib_parse_oid(m, "ifDescr.1", 0, &o, err, sizeof err);
    mib_parse_oid(m, ".iso.org.dod.internet.mgmt.mib-2.system.sysDescr.0", 2, &o, err,
                  sizeof err);
    mib_take_errors(m, &len);
    mib_free(m);
    return 0;
}
