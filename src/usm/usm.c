/* usm.c - USM keys, authentication and privacy (RFC 3414, 3826, 7860,
 * draft-blumenthal-aes-usm-04, draft-reeder-snmpv3-usm-3desede-00) on top of
 * the primitives in crypto.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "usm.h"

#define P2K_TOTAL 1048576 /* RFC 3414 A.2: one megabyte of repeated password */

static usm_stats_t stats;

/* ---- names ---------------------------------------------------------- */

static const struct {
    usm_auth_t id;
    const char *name;    /* as net-snmp prints it */
    size_t hash, mac;
} auths[USM_AUTH_COUNT] = {
    { USM_AUTH_NONE, "NONE", 0, 0 },
    { USM_AUTH_MD5, "MD5", 16, 12 },
    { USM_AUTH_SHA1, "SHA", 20, 12 },
    { USM_AUTH_SHA224, "SHA-224", 28, 16 },
    { USM_AUTH_SHA256, "SHA-256", 32, 24 },
    { USM_AUTH_SHA384, "SHA-384", 48, 32 },
    { USM_AUTH_SHA512, "SHA-512", 64, 48 },
};

static const struct {
    usm_priv_t id;
    const char *name;
    size_t key;
} privs[USM_PRIV_COUNT] = {
    { USM_PRIV_NONE, "NONE", 0 },
    { USM_PRIV_DES, "DES", 16 },
    { USM_PRIV_AES128, "AES", 16 },
    { USM_PRIV_AES192, "AES-192", 24 },
    { USM_PRIV_AES256, "AES-256", 32 },
    { USM_PRIV_AES192C, "AES-192-C", 24 },
    { USM_PRIV_AES256C, "AES-256-C", 32 },
    { USM_PRIV_3DES, "3DES", 32 },
};

/* Spellings accepted after upper-casing and dropping '-' and '_'. */
static const struct { const char *name; int id; } auth_alias[] = {
    { "NONE", USM_AUTH_NONE }, { "MD5", USM_AUTH_MD5 }, { "SHA", USM_AUTH_SHA1 },
    { "SHA1", USM_AUTH_SHA1 }, { "SHA224", USM_AUTH_SHA224 }, { "SHA256", USM_AUTH_SHA256 },
    { "SHA384", USM_AUTH_SHA384 }, { "SHA512", USM_AUTH_SHA512 },
};
static const struct { const char *name; int id; } priv_alias[] = {
    { "NONE", USM_PRIV_NONE }, { "DES", USM_PRIV_DES }, { "AES", USM_PRIV_AES128 },
    { "AES128", USM_PRIV_AES128 }, { "AES192", USM_PRIV_AES192 },
    { "AES256", USM_PRIV_AES256 }, { "AES192C", USM_PRIV_AES192C },
    { "AES256C", USM_PRIV_AES256C }, { "3DES", USM_PRIV_3DES }, { "3DESEDE", USM_PRIV_3DES },
    { "DES3", USM_PRIV_3DES },
};

static int
normalize(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    if (!name)
        return -1;
    for (; *name; name++) {
        char c = *name;
        if (c == '-' || c == '_')
            continue;
        if (n + 1 >= cap)
            return -1;
        out[n++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    out[n] = 0;
    return 0;
}

int
usm_auth_parse(const char *name)
{
    char buf[16];
    if (normalize(name, buf, sizeof buf) < 0)
        return -1;
    for (size_t i = 0; i < sizeof auth_alias / sizeof *auth_alias; i++)
        if (strcmp(buf, auth_alias[i].name) == 0)
            return auth_alias[i].id;
    return -1;
}

int
usm_priv_parse(const char *name)
{
    char buf[16];
    if (normalize(name, buf, sizeof buf) < 0)
        return -1;
    for (size_t i = 0; i < sizeof priv_alias / sizeof *priv_alias; i++)
        if (strcmp(buf, priv_alias[i].name) == 0)
            return priv_alias[i].id;
    return -1;
}

static int
auth_ok(usm_auth_t a)
{
    return (unsigned)a < USM_AUTH_COUNT;
}

static int
priv_ok(usm_priv_t p)
{
    return (unsigned)p < USM_PRIV_COUNT;
}

const char *
usm_auth_name(usm_auth_t a)
{
    return auth_ok(a) ? auths[a].name : "unknown";
}

const char *
usm_priv_name(usm_priv_t p)
{
    return priv_ok(p) ? privs[p].name : "unknown";
}

size_t
usm_auth_hash_len(usm_auth_t a)
{
    return auth_ok(a) ? auths[a].hash : 0;
}

size_t
usm_auth_mac_len(usm_auth_t a)
{
    return auth_ok(a) ? auths[a].mac : 0;
}

size_t
usm_priv_key_len(usm_priv_t p)
{
    return priv_ok(p) ? privs[p].key : 0;
}

static int
priv_is_cbc(usm_priv_t p)
{
    return p == USM_PRIV_DES || p == USM_PRIV_3DES;
}

size_t
usm_priv_out_len(usm_priv_t p, size_t n)
{
    return priv_is_cbc(p) ? (n + 7) / 8 * 8 : n;
}

const char *
usm_strerror(int err)
{
    switch (err) {
    case USM_EWRONGDIGEST: return "wrong digest";
    case USM_EDECRYPT: return "decryption error";
    default: return mw_strerror(err);
    }
}

/* ---- keys ----------------------------------------------------------- */

int
usm_password_to_key(usm_auth_t auth, const uint8_t *pw, size_t pwlen, uint8_t *key)
{
    if (!auth_ok(auth) || auth == USM_AUTH_NONE || !pw || pwlen < USM_MIN_PASS)
        return MW_EINVAL;
    stats.password_hashes++;
    return crypto_hash_repeat(auth, pw, pwlen, P2K_TOTAL, key);
}

int
usm_key_localize(usm_auth_t auth, const uint8_t *key, const uint8_t *engine_id, size_t eidlen,
                 uint8_t *out)
{
    uint8_t k[USM_MAX_HASH];
    size_t hl = usm_auth_hash_len(auth);
    int rc;
    if (hl == 0 || !key || (eidlen && !engine_id))
        return MW_EINVAL;
    memcpy(k, key, hl); /* out may alias key */
    crypto_iov_t iov[3] = { { k, hl }, { engine_id, eidlen }, { k, hl } };
    stats.localizations++;
    rc = crypto_hash(auth, iov, 3, out);
    crypto_wipe(k, sizeof k);
    return rc;
}

int
usm_priv_key_localize(usm_auth_t auth, usm_priv_t priv, const uint8_t *master_key,
                      const uint8_t *engine_id, size_t eidlen, uint8_t *out)
{
    /* Room for two digests: one extension step always suffices, since the
     * shortest digest (16) is half the longest privacy key (32). */
    uint8_t kul[2 * USM_MAX_HASH], ku2[USM_MAX_HASH];
    size_t hl = usm_auth_hash_len(auth), need = usm_priv_key_len(priv), have = hl;
    int rc;
    if (hl == 0 || need == 0 || !master_key)
        return MW_EINVAL;
    if ((rc = usm_key_localize(auth, master_key, engine_id, eidlen, kul)) < 0)
        goto cleanup;
    while (have < need) {
        if (priv == USM_PRIV_AES192 || priv == USM_PRIV_AES256) {
            /* Blumenthal 3.1.2.1: Kul' = Kul || H(Kul) */
            crypto_iov_t iov = { kul, have };
            rc = crypto_hash(auth, &iov, 1, kul + have);
        } else {
            /* Reeder 2.1: the localised key is taken as a password,
             * hashed to a key and localised again, and appended. */
            if ((rc = usm_password_to_key(auth, kul, have, ku2)) < 0)
                goto cleanup;
            rc = usm_key_localize(auth, ku2, engine_id, eidlen, kul + have);
        }
        if (rc < 0)
            goto cleanup;
        have += hl;
    }
    memcpy(out, kul, need);
    rc = 0;
cleanup:
    crypto_wipe(kul, sizeof kul);
    crypto_wipe(ku2, sizeof ku2);
    return rc;
}

/* ---- authentication ------------------------------------------------- */

static int
auth_args(usm_auth_t auth, const uint8_t *lkey, const uint8_t *msg, size_t len, size_t off)
{
    size_t ml = usm_auth_mac_len(auth);
    if (ml == 0 || !lkey || !msg || off > len || len - off < ml)
        return MW_EINVAL;
    return 0;
}

int
usm_auth_sign(usm_auth_t auth, const uint8_t *lkey, uint8_t *msg, size_t len, size_t auth_off)
{
    uint8_t mac[USM_MAX_HASH];
    size_t ml = usm_auth_mac_len(auth);
    int rc;
    if ((rc = auth_args(auth, lkey, msg, len, auth_off)) < 0)
        return rc;
    memset(msg + auth_off, 0, ml);
    crypto_iov_t iov = { msg, len };
    if ((rc = crypto_hmac(auth, lkey, usm_auth_hash_len(auth), &iov, 1, mac)) == 0)
        memcpy(msg + auth_off, mac, ml);
    crypto_wipe(mac, sizeof mac);
    return rc;
}

int
usm_auth_verify(usm_auth_t auth, const uint8_t *lkey, const uint8_t *msg, size_t len,
                size_t auth_off)
{
    static const uint8_t zeros[USM_MAX_MAC];
    uint8_t mac[USM_MAX_HASH];
    size_t ml = usm_auth_mac_len(auth);
    int rc;
    if ((rc = auth_args(auth, lkey, msg, len, auth_off)) < 0)
        return rc;
    crypto_iov_t iov[3] = {
        { msg, auth_off }, { zeros, ml }, { msg + auth_off + ml, len - auth_off - ml },
    };
    if ((rc = crypto_hmac(auth, lkey, usm_auth_hash_len(auth), iov, 3, mac)) == 0)
        rc = crypto_equal(mac, msg + auth_off, ml) ? 0 : USM_EWRONGDIGEST;
    crypto_wipe(mac, sizeof mac);
    return rc;
}

/* ---- privacy -------------------------------------------------------- */

static uint64_t salt_next;
static int salt_ready;

void
usm_salt_set(uint64_t next)
{
    salt_next = next;
    salt_ready = 1;
}

static uint64_t
salt_take(void)
{
    if (!salt_ready) {
        if (crypto_random(&salt_next, sizeof salt_next) < 0)
            salt_next = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)&stats;
        salt_ready = 1;
    }
    return salt_next++;
}

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* DES: key 8 + pre-IV 8; 3DES: key 24 + pre-IV 8. IV = pre-IV XOR salt. */
static int
cbc_run(int enc, usm_priv_t priv, const uint8_t *pkey, const uint8_t salt[8], const uint8_t *in,
        size_t n, uint8_t *out)
{
    size_t kl = priv == USM_PRIV_DES ? 8 : 24;
    uint8_t iv[8];
    int rc;
    for (int i = 0; i < 8; i++)
        iv[i] = pkey[kl + (size_t)i] ^ salt[i];
    rc = priv == USM_PRIV_DES ? crypto_des_cbc(enc, pkey, iv, in, n, out)
                              : crypto_des3_cbc(enc, pkey, iv, in, n, out);
    crypto_wipe(iv, sizeof iv);
    return rc;
}

/* RFC 3826 3.1.2.1: IV = boots || time || salt (64 bits). */
static int
cfb_run(int enc, usm_priv_t priv, const uint8_t *pkey, int32_t boots, int32_t time,
        const uint8_t salt[8], const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t iv[16];
    int rc;
    put32(iv, (uint32_t)boots);
    put32(iv + 4, (uint32_t)time);
    memcpy(iv + 8, salt, 8);
    rc = crypto_aes_cfb(enc, pkey, usm_priv_key_len(priv), iv, in, n, out);
    crypto_wipe(iv, sizeof iv);
    return rc;
}

int
usm_encrypt(usm_priv_t priv, const uint8_t *pkey, int32_t boots, int32_t time, const uint8_t *in,
            size_t n, uint8_t *out, size_t *outn, uint8_t priv_params[USM_PRIV_PARAMS])
{
    uint64_t s;
    size_t total;
    int rc;
    if (!priv_ok(priv) || priv == USM_PRIV_NONE || !pkey || (n && !in) || !out || !outn
        || !priv_params)
        return MW_EINVAL;
    s = salt_take();
    if (priv_is_cbc(priv)) {
        /* RFC 3414 8.1.1.1: salt = snmpEngineBoots || local 32-bit integer */
        put32(priv_params, (uint32_t)boots);
        put32(priv_params + 4, (uint32_t)s);
        total = usm_priv_out_len(priv, n);
        if (out != in)
            memmove(out, in, n);
        memset(out + n, 0, total - n); /* pad to the block size */
        rc = cbc_run(1, priv, pkey, priv_params, out, total, out);
    } else {
        put32(priv_params, (uint32_t)(s >> 32));
        put32(priv_params + 4, (uint32_t)s);
        total = n;
        rc = cfb_run(1, priv, pkey, boots, time, priv_params, in, n, out);
    }
    if (rc < 0)
        return rc;
    *outn = total;
    return 0;
}

int
usm_decrypt(usm_priv_t priv, const uint8_t *pkey, int32_t boots, int32_t time,
            const uint8_t *priv_params, size_t pplen, const uint8_t *in, size_t n, uint8_t *out,
            size_t *outn)
{
    int rc;
    if (!priv_ok(priv) || priv == USM_PRIV_NONE || !pkey || (n && !in) || !out || !outn)
        return MW_EINVAL;
    if (!priv_params || pplen != USM_PRIV_PARAMS)
        return USM_EDECRYPT;
    if (priv_is_cbc(priv)) {
        if (n % 8)
            return USM_EDECRYPT;
        rc = cbc_run(0, priv, pkey, priv_params, in, n, out);
    } else {
        rc = cfb_run(0, priv, pkey, boots, time, priv_params, in, n, out);
    }
    if (rc < 0)
        return USM_EDECRYPT;
    *outn = n;
    return 0;
}

/* ---- key cache ------------------------------------------------------ */

/* Secrets are looked up by fingerprint: SHA-256(kind || auth || secret). */
#define FP_LEN USM_FP_LEN

/* Master keys (Ku) by (auth, password): the 1 MB hash, done once. A small
 * array with LRU replacement; few distinct passwords exist in practice. */
#define MASTER_CAP 64
typedef struct {
    int used;
    uint64_t stamp;
    usm_auth_t auth;
    uint8_t fp[FP_LEN];
    uint8_t key[USM_MAX_HASH];
} master_ent_t;
static master_ent_t masters[MASTER_CAP];
static uint64_t master_clock;

/* Localised keys by (credentials, engine ID): a chained hash table with an
 * LRU list, bounded at LOCAL_CAP entries. */
#define LOCAL_CAP 8192
#define LOCAL_BUCKETS 4096
typedef struct local_ent {
    struct local_ent *hnext;        /* bucket chain */
    struct local_ent *prev, *next;  /* LRU list, most recent first */
    uint8_t fpa[FP_LEN], fpp[FP_LEN];
    uint8_t eid[USM_MAX_ENGINE_ID];
    size_t eidlen;
    usm_keys_t keys;
} local_ent_t;
static local_ent_t *buckets[LOCAL_BUCKETS]; /* entries owned through the LRU list */
static local_ent_t *lru_head, *lru_tail;
static size_t local_count;

static int
fingerprint(char kind, usm_auth_t auth, const uint8_t *secret, size_t n, uint8_t fp[FP_LEN])
{
    uint8_t hdr[2] = { (uint8_t)kind, (uint8_t)auth };
    crypto_iov_t iov[2] = { { hdr, 2 }, { secret, n } };
    return crypto_hash(USM_AUTH_SHA256, iov, 2, fp);
}

static unsigned
local_hash(const uint8_t *fpa, const uint8_t *fpp, const uint8_t *eid, size_t eidlen)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 8; i++)
        h = (h ^ fpa[i] ^ (uint32_t)(fpp[i] << 8)) * 16777619u;
    for (size_t i = 0; i < eidlen; i++)
        h = (h ^ eid[i]) * 16777619u;
    return h % LOCAL_BUCKETS;
}

static void
lru_unlink(local_ent_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void
lru_push(local_ent_t *e)
{
    e->prev = NULL;
    e->next = lru_head;
    if (lru_head)
        lru_head->prev = e;
    lru_head = e;
    if (!lru_tail)
        lru_tail = e;
}

static void
local_remove(local_ent_t *e)
{
    unsigned h = local_hash(e->fpa, e->fpp, e->eid, e->eidlen);
    for (local_ent_t **pp = &buckets[h]; *pp; pp = &(*pp)->hnext)
        if (*pp == e) {
            *pp = e->hnext;
            break;
        }
    lru_unlink(e);
    crypto_wipe(e, sizeof *e);
    free(e);
    local_count--;
}

static local_ent_t *
local_find(usm_auth_t auth, usm_priv_t priv, const uint8_t *fpa, const uint8_t *fpp,
           const uint8_t *eid, size_t eidlen)
{
    unsigned h = local_hash(fpa, fpp, eid, eidlen);
    for (local_ent_t *e = buckets[h]; e; e = e->hnext)
        if (e->keys.auth == auth && e->keys.priv == priv && e->eidlen == eidlen
            && memcmp(e->fpa, fpa, FP_LEN) == 0 && memcmp(e->fpp, fpp, FP_LEN) == 0
            && memcmp(e->eid, eid, eidlen) == 0)
            return e;
    return NULL;
}

static void
local_insert(const uint8_t *fpa, const uint8_t *fpp, const uint8_t *eid, size_t eidlen,
             const usm_keys_t *k)
{
    local_ent_t *e;
    unsigned h;
    if (eidlen > USM_MAX_ENGINE_ID)
        return; /* not cached; still correct */
    if (local_count >= LOCAL_CAP && lru_tail) {
        local_remove(lru_tail);
        stats.evictions++;
    }
    if (!(e = calloc(1, sizeof *e)))
        return;
    memcpy(e->fpa, fpa, FP_LEN);
    memcpy(e->fpp, fpp, FP_LEN);
    memcpy(e->eid, eid, eidlen);
    e->eidlen = eidlen;
    e->keys = *k;
    h = local_hash(fpa, fpp, eid, eidlen);
    e->hnext = buckets[h];
    buckets[h] = e;
    lru_push(e);
    local_count++;
}

/* Ku for (auth, password): from the master cache or hashed now. */
static int
master_get(usm_auth_t auth, const uint8_t *fp, const uint8_t *pw, size_t pwlen, uint8_t *key)
{
    master_ent_t *slot = &masters[0];
    int rc;
    for (int i = 0; i < MASTER_CAP; i++) {
        master_ent_t *m = &masters[i];
        if (m->used && m->auth == auth && memcmp(m->fp, fp, FP_LEN) == 0) {
            m->stamp = ++master_clock;
            memcpy(key, m->key, usm_auth_hash_len(auth));
            return 0;
        }
        if (!m->used || (slot->used && m->stamp < slot->stamp))
            slot = m;
    }
    if ((rc = usm_password_to_key(auth, pw, pwlen, key)) < 0)
        return rc;
    if (slot->used)
        stats.evictions++;
    crypto_wipe(slot, sizeof *slot);
    slot->used = 1;
    slot->stamp = ++master_clock;
    slot->auth = auth;
    memcpy(slot->fp, fp, FP_LEN);
    memcpy(slot->key, key, usm_auth_hash_len(auth));
    return 0;
}

static int
keys_args(usm_auth_t auth, usm_priv_t priv, const uint8_t *eid, size_t eidlen)
{
    if (!auth_ok(auth) || auth == USM_AUTH_NONE || !priv_ok(priv) || (eidlen && !eid))
        return MW_EINVAL;
    return 0;
}

/* Localises master keys ma (and mp when priv) for eid into *out. */
static int
keys_make(usm_auth_t auth, usm_priv_t priv, const uint8_t *ma, const uint8_t *mp,
          const uint8_t *eid, size_t eidlen, usm_keys_t *out)
{
    int rc;
    memset(out, 0, sizeof *out);
    out->auth = auth;
    out->priv = priv;
    out->auth_key_len = usm_auth_hash_len(auth);
    if ((rc = usm_key_localize(auth, ma, eid, eidlen, out->auth_key)) < 0)
        goto fail;
    if (priv != USM_PRIV_NONE) {
        out->priv_key_len = usm_priv_key_len(priv);
        if ((rc = usm_priv_key_localize(auth, priv, mp, eid, eidlen, out->priv_key)) < 0)
            goto fail;
    }
    return 0;
fail:
    usm_keys_wipe(out);
    return rc;
}

static int
cache_lookup(usm_auth_t auth, usm_priv_t priv, const uint8_t *fpa, const uint8_t *fpp,
             const uint8_t *eid, size_t eidlen, usm_keys_t *out)
{
    local_ent_t *e = local_find(auth, priv, fpa, fpp, eid, eidlen);
    if (!e) {
        stats.cache_misses++;
        return 0;
    }
    lru_unlink(e);
    lru_push(e);
    *out = e->keys;
    stats.cache_hits++;
    return 1;
}

int
usm_keys_get(usm_auth_t auth, usm_priv_t priv, const char *auth_pass, size_t auth_pass_len,
             const char *priv_pass, size_t priv_pass_len, const uint8_t *eid, size_t eidlen,
             usm_keys_t *out)
{
    uint8_t fpa[FP_LEN], fpp[FP_LEN] = { 0 }, ma[USM_MAX_HASH], mp[USM_MAX_HASH];
    int rc;
    if ((rc = keys_args(auth, priv, eid, eidlen)) < 0 || !out)
        return rc < 0 ? rc : MW_EINVAL;
    if (!auth_pass || auth_pass_len < USM_MIN_PASS)
        return MW_EINVAL;
    if (priv != USM_PRIV_NONE && (!priv_pass || priv_pass_len < USM_MIN_PASS))
        return MW_EINVAL;
    if ((rc = fingerprint('p', auth, (const uint8_t *)auth_pass, auth_pass_len, fpa)) < 0)
        goto cleanup;
    if (priv != USM_PRIV_NONE
        && (rc = fingerprint('p', auth, (const uint8_t *)priv_pass, priv_pass_len, fpp)) < 0)
        goto cleanup;
    if (cache_lookup(auth, priv, fpa, fpp, eid, eidlen, out)) {
        rc = 0;
        goto cleanup;
    }
    if ((rc = master_get(auth, fpa, (const uint8_t *)auth_pass, auth_pass_len, ma)) < 0)
        goto cleanup;
    if (priv != USM_PRIV_NONE
        && (rc = master_get(auth, fpp, (const uint8_t *)priv_pass, priv_pass_len, mp)) < 0)
        goto cleanup;
    if ((rc = keys_make(auth, priv, ma, mp, eid, eidlen, out)) < 0)
        goto cleanup;
    local_insert(fpa, fpp, eid, eidlen, out);
cleanup:
    crypto_wipe(fpa, sizeof fpa);
    crypto_wipe(fpp, sizeof fpp);
    crypto_wipe(ma, sizeof ma);
    crypto_wipe(mp, sizeof mp);
    return rc;
}

int
usm_master_fingerprint(usm_auth_t auth, const uint8_t *master, size_t len, uint8_t fp[USM_FP_LEN])
{
    if (!auth_ok(auth) || auth == USM_AUTH_NONE || !master || len != usm_auth_hash_len(auth))
        return MW_EINVAL;
    return fingerprint('m', auth, master, len, fp);
}

int
usm_keys_from_master_fp(usm_auth_t auth, usm_priv_t priv, const uint8_t *auth_master,
                        const uint8_t *auth_fp, const uint8_t *priv_master,
                        const uint8_t *priv_fp, const uint8_t *eid, size_t eidlen,
                        usm_keys_t *out)
{
    static const uint8_t nofp[FP_LEN];
    int rc;
    if ((rc = keys_args(auth, priv, eid, eidlen)) < 0 || !out)
        return rc < 0 ? rc : MW_EINVAL;
    if (!auth_master || !auth_fp || (priv != USM_PRIV_NONE && (!priv_master || !priv_fp)))
        return MW_EINVAL;
    if (priv == USM_PRIV_NONE)
        priv_fp = nofp;
    if (cache_lookup(auth, priv, auth_fp, priv_fp, eid, eidlen, out))
        return 0;
    if ((rc = keys_make(auth, priv, auth_master, priv_master, eid, eidlen, out)) < 0)
        return rc;
    local_insert(auth_fp, priv_fp, eid, eidlen, out);
    return 0;
}

int
usm_keys_from_master(usm_auth_t auth, usm_priv_t priv, const uint8_t *auth_master,
                     size_t auth_len, const uint8_t *priv_master, size_t priv_len,
                     const uint8_t *eid, size_t eidlen, usm_keys_t *out)
{
    uint8_t fpa[FP_LEN], fpp[FP_LEN] = { 0 };
    size_t hl = usm_auth_hash_len(auth);
    int rc;
    if ((rc = keys_args(auth, priv, eid, eidlen)) < 0 || !out)
        return rc < 0 ? rc : MW_EINVAL;
    if (!auth_master || auth_len != hl)
        return MW_EINVAL;
    if (priv != USM_PRIV_NONE && (!priv_master || priv_len != hl))
        return MW_EINVAL;
    if ((rc = fingerprint('m', auth, auth_master, hl, fpa)) < 0)
        goto cleanup;
    if (priv != USM_PRIV_NONE && (rc = fingerprint('m', auth, priv_master, hl, fpp)) < 0)
        goto cleanup;
    rc = usm_keys_from_master_fp(auth, priv, auth_master, fpa, priv_master, fpp, eid, eidlen, out);
cleanup:
    crypto_wipe(fpa, sizeof fpa);
    crypto_wipe(fpp, sizeof fpp);
    return rc;
}

int
usm_keys_from_local(usm_auth_t auth, usm_priv_t priv, const uint8_t *auth_local, size_t auth_len,
                    const uint8_t *priv_local, size_t priv_len, usm_keys_t *out)
{
    size_t hl = usm_auth_hash_len(auth), pl = usm_priv_key_len(priv);
    if (keys_args(auth, priv, NULL, 0) < 0 || !out || !auth_local || auth_len != hl)
        return MW_EINVAL;
    if (priv != USM_PRIV_NONE && (!priv_local || priv_len < pl))
        return MW_EINVAL;
    memset(out, 0, sizeof *out);
    out->auth = auth;
    out->priv = priv;
    out->auth_key_len = hl;
    memcpy(out->auth_key, auth_local, hl);
    if (priv != USM_PRIV_NONE) {
        out->priv_key_len = pl;
        memcpy(out->priv_key, priv_local, pl);
    }
    return 0;
}

void
usm_keys_wipe(usm_keys_t *k)
{
    if (k)
        crypto_wipe(k, sizeof *k);
}

void
usm_wipe(void *p, size_t n)
{
    crypto_wipe(p, n);
}

void
usm_stats_get(usm_stats_t *out)
{
    *out = stats;
}

void
usm_cache_clear(void)
{
    while (lru_head)
        local_remove(lru_head);
    crypto_wipe(masters, sizeof masters);
    master_clock = 0;
    crypto_cache_clear();
    memset(&stats, 0, sizeof stats);
}
