/* fuzz_util.h - helpers shared by the libFuzzer targets: writing seed
 * files, building requests, and re-signing v3 messages whose digest is
 * all zero (so that mutated messages still get past USM).
 *
 * Each target writes its own seed corpus when started with
 * MW_FUZZ_MKSEEDS=DIR in the environment (see mkcorpus.sh): the seeds are
 * built with the same fixed engine ID and keys the target uses. */
#ifndef MW_FUZZ_UTIL_H
#define MW_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/oid.h"
#include "../../src/core/pdu.h"
#include "../../src/usm/usm.h"
#include "../../src/usm/usm_msg.h"

#define FZ_CHECK(cond)                                                      \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "fuzz: check failed at %s:%d: %s\n", __FILE__,  \
                    __LINE__, #cond);                                       \
            abort();                                                        \
        }                                                                   \
    } while (0)

/* The seed directory when MW_FUZZ_MKSEEDS is set, else NULL. */
static const char *
fz_seed_dir(void)
{
    const char *d = getenv("MW_FUZZ_MKSEEDS");
    return d && *d ? d : NULL;
}

static void
fz_write_seed(const char *dir, const char *name, const void *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    FZ_CHECK(f != NULL);
    FZ_CHECK(fwrite(p, 1, n, f) == n);
    FZ_CHECK(fclose(f) == 0);
}

/* A varbind list under construction: names are parsed from dotted text. */
typedef struct {
    mw_varbind_t vbs[16];
    uint8_t names[16][64];
    size_t n;
} fz_vbl_t;

static mw_varbind_t *
fz_vb(fz_vbl_t *l, const char *name)
{
    oid_t o;
    FZ_CHECK(l->n < 16);
    FZ_CHECK(oid_parse(&o, name, strlen(name)) == 0);
    int k = oid_encode(&o, l->names[l->n], sizeof l->names[l->n]);
    FZ_CHECK(k > 0);
    mw_varbind_t *vb = &l->vbs[l->n++];
    memset(vb, 0, sizeof *vb);
    vb->oid = l->names[l->n - 1];
    vb->oid_len = (uint32_t)k;
    vb->val.type = MW_T_NULL;
    return vb;
}

static void
fz_pdu(mw_pdu_t *p, uint8_t type, int32_t reqid, int32_t es, int32_t ei, fz_vbl_t *l)
{
    memset(p, 0, sizeof *p);
    p->type = type;
    p->request_id = reqid;
    p->error_status = es;
    p->error_index = ei;
    p->vbs = l->vbs;
    p->nvb = l->n;
    p->cap = 16;
}

/* Encodes a v1/v2c message into buf; returns its length. */
static size_t
fz_encode_comm(uint8_t *buf, size_t cap, int32_t version, const char *community,
               const mw_pdu_t *pdu, const uint8_t **start)
{
    mw_msg_t m;
    uint8_t *out;
    size_t n;
    memset(&m, 0, sizeof m);
    m.version = version;
    m.community = (const uint8_t *)community;
    m.community_len = (uint32_t)strlen(community);
    m.pdu = *pdu;
    FZ_CHECK(pdu_msg_encode(&m, buf, cap, &out, &n) == 0);
    *start = out;
    return n;
}

/* Encodes a v3 message with keys (NULL for noAuthNoPriv); flags from
 * MW_FLAG_*. With zero_digest the MAC is left all zero (the targets sign
 * such messages themselves before processing). */
static size_t
fz_encode_v3(uint8_t *buf, size_t cap, const usm_keys_t *keys, uint8_t flags, int32_t msgid,
             const uint8_t *eid, size_t eidlen, int32_t boots, int32_t time, const char *user,
             const uint8_t *ceid, size_t ceidlen, const char *context, const mw_pdu_t *pdu,
             int zero_digest, const uint8_t **start)
{
    mw_msg_t m;
    uint8_t *out;
    size_t n;
    memset(&m, 0, sizeof m);
    m.version = MW_V3;
    m.msg_id = msgid;
    m.msg_max_size = 65507;
    m.msg_flags = flags;
    m.sec_model = MW_SEC_MODEL_USM;
    m.engine_id = eid;
    m.engine_id_len = (uint32_t)eidlen;
    m.engine_boots = boots;
    m.engine_time = time;
    m.user = (const uint8_t *)user;
    m.user_len = (uint32_t)strlen(user);
    m.context_engine_id = ceid;
    m.context_engine_id_len = (uint32_t)ceidlen;
    m.context_name = (const uint8_t *)context;
    m.context_name_len = (uint32_t)strlen(context);
    m.pdu = *pdu;
    FZ_CHECK(usm_msg_encode(keys, &m, buf, cap, &out, &n) == 0);
    if (zero_digest && (flags & MW_FLAG_AUTH))
        memset(out + m.auth_params_off, 0, m.auth_params_len);
    *start = out;
    return n;
}

/* If in is a v3 message with the auth flag from a user lookup() knows,
 * with a MAC of the user's length that is all zero, copies it into buf
 * and signs it there; returns 1 then (buf holds the message), 0 when the
 * input is to be used as it is. */
typedef const usm_keys_t *(*fz_lookup_fn)(const uint8_t *user, size_t n);

static int
fz_resign(fz_lookup_fn lookup, const uint8_t *in, size_t n, uint8_t *buf, size_t cap)
{
    static mw_varbind_t vbs[8192];
    mw_msg_t m;
    const usm_keys_t *keys;
    memset(&m, 0, sizeof m);
    m.pdu.vbs = vbs;
    m.pdu.cap = 8192;
    if (n > cap || pdu_msg_decode(&m, in, n) != 0)
        return 0;
    if (m.version != MW_V3 || !(m.msg_flags & MW_FLAG_AUTH) || !m.auth_params)
        return 0;
    keys = lookup(m.user, m.user_len);
    if (!keys || keys->auth == USM_AUTH_NONE || m.auth_params_len != usm_auth_mac_len(keys->auth))
        return 0;
    for (uint32_t i = 0; i < m.auth_params_len; i++)
        if (m.auth_params[i])
            return 0;
    memcpy(buf, in, n);
    return usm_auth_sign(keys->auth, keys->auth_key, buf, n, m.auth_params_off) == 0;
}

#endif
