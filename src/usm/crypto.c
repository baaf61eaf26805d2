/* crypto.c - USM primitives on mbedTLS 2.28. The only file that includes
 * mbedTLS. Every context is freed (mbedTLS wipes it) and every local that
 * held key material is wiped before returning. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/aes.h>
#include <mbedtls/des.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "crypto.h"
#include "sha256ni.h"

static const mbedtls_md_info_t *
md_info(usm_auth_t alg)
{
    mbedtls_md_type_t t;
    switch (alg) {
    case USM_AUTH_MD5: t = MBEDTLS_MD_MD5; break;
    case USM_AUTH_SHA1: t = MBEDTLS_MD_SHA1; break;
    case USM_AUTH_SHA224: t = MBEDTLS_MD_SHA224; break;
    case USM_AUTH_SHA256: t = MBEDTLS_MD_SHA256; break;
    case USM_AUTH_SHA384: t = MBEDTLS_MD_SHA384; break;
    case USM_AUTH_SHA512: t = MBEDTLS_MD_SHA512; break;
    default: return NULL;
    }
    return mbedtls_md_info_from_type(t);
}

/* SHA-224 and SHA-256 go to the CPU's SHA instructions where it has them. */
static int
use_ni(usm_auth_t alg)
{
    return (alg == USM_AUTH_SHA256 || alg == USM_AUTH_SHA224) && sha256ni_available();
}

int
crypto_hash(usm_auth_t alg, const crypto_iov_t *iov, size_t niov, uint8_t *out)
{
    const mbedtls_md_info_t *info = md_info(alg);
    mbedtls_md_context_t ctx;
    int rc = MW_EINVAL;
    if (!info)
        return MW_EINVAL;
    if (use_ni(alg)) {
        sha256ni_t s;
        sha256ni_init(&s, alg == USM_AUTH_SHA224);
        for (size_t i = 0; i < niov; i++)
            if (iov[i].n)
                sha256ni_update(&s, iov[i].p, iov[i].n);
        sha256ni_finish(&s, out); /* wipes s */
        return 0;
    }
    mbedtls_md_init(&ctx);
    if (mbedtls_md_setup(&ctx, info, 0) != 0) {
        rc = MW_ENOMEM;
        goto cleanup;
    }
    if (mbedtls_md_starts(&ctx) != 0)
        goto cleanup;
    for (size_t i = 0; i < niov; i++)
        if (iov[i].n && mbedtls_md_update(&ctx, iov[i].p, iov[i].n) != 0)
            goto cleanup;
    if (mbedtls_md_finish(&ctx, out) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    mbedtls_md_free(&ctx);
    return rc;
}

/* ---- keyed contexts, kept per key ----------------------------------- */

/* HMAC (RFC 2104) hashes the key XOR ipad, then the message, and again the
 * key XOR opad, then the inner digest. The two pad blocks depend only on the
 * key, so their hash states are computed once per key and copied into a work
 * context for each message: two compressions and two allocations fewer per
 * message. AES key schedules are kept the same way. Each cache is
 * direct-mapped by a hash of (algorithm, key); a slot holds one key, which
 * is compared in full, so a collision only costs a recomputation. Slots are
 * wiped when replaced and by crypto_cache_clear. */
#define MAC_SLOTS 1024
#define AES_SLOTS 1024

typedef struct mac_slot {
    usm_auth_t alg;
    size_t keylen;
    uint8_t key[USM_MAX_HASH];
    int ni;                     /* SHA-224/256 on the SHA instructions: */
    sha256ni_t ni_inner, ni_outer; /* the states below are unused then */
    mbedtls_md_context_t inner; /* after the ipad block */
    mbedtls_md_context_t outer; /* after the opad block */
} mac_slot_t;

typedef struct aes_slot {
    size_t keylen;
    uint8_t key[32];
    mbedtls_aes_context ctx; /* encryption schedule (CFB uses it both ways) */
} aes_slot_t;

static mac_slot_t *mac_slots[MAC_SLOTS]; /* owned; NULL until first use */
static aes_slot_t *aes_slots[AES_SLOTS]; /* owned */
static mbedtls_md_context_t mac_work[USM_AUTH_COUNT]; /* per algorithm, set up once */
static int mac_work_ready[USM_AUTH_COUNT];

static size_t
key_slot(unsigned tag, const uint8_t *key, size_t n, size_t slots)
{
    uint32_t h = 2166136261u ^ tag;
    for (size_t i = 0; i < n; i++)
        h = (h ^ key[i]) * 16777619u;
    return (h ^ (h >> 15)) & (slots - 1);
}

static void
mac_slot_free(mac_slot_t *s)
{
    if (!s)
        return;
    mbedtls_md_free(&s->inner);
    mbedtls_md_free(&s->outer);
    mbedtls_platform_zeroize(s, sizeof *s);
    free(s);
}

static void
aes_slot_free(aes_slot_t *s)
{
    if (!s)
        return;
    mbedtls_aes_free(&s->ctx);
    mbedtls_platform_zeroize(s, sizeof *s);
    free(s);
}

/* Hash states after the ipad and opad blocks of key (keylen <= digest
 * length, so the key is never hashed down first). */
static mac_slot_t *
mac_slot_make(usm_auth_t alg, const mbedtls_md_info_t *info, const uint8_t *key, size_t keylen)
{
    uint8_t pad[128];
    size_t bs = mbedtls_md_get_size(info) > 32 ? 128 : 64;
    mac_slot_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->alg = alg;
    s->keylen = keylen;
    memcpy(s->key, key, keylen);
    mbedtls_md_init(&s->inner);
    mbedtls_md_init(&s->outer);
    if ((s->ni = use_ni(alg))) {
        memset(pad, 0x36, bs);
        for (size_t i = 0; i < keylen; i++)
            pad[i] ^= key[i];
        sha256ni_init(&s->ni_inner, alg == USM_AUTH_SHA224);
        sha256ni_update(&s->ni_inner, pad, bs);
        memset(pad, 0x5c, bs);
        for (size_t i = 0; i < keylen; i++)
            pad[i] ^= key[i];
        sha256ni_init(&s->ni_outer, alg == USM_AUTH_SHA224);
        sha256ni_update(&s->ni_outer, pad, bs);
        mbedtls_platform_zeroize(pad, sizeof pad);
        return s;
    }
    if (mbedtls_md_setup(&s->inner, info, 0) != 0 || mbedtls_md_setup(&s->outer, info, 0) != 0)
        goto fail;
    memset(pad, 0x36, bs);
    for (size_t i = 0; i < keylen; i++)
        pad[i] ^= key[i];
    if (mbedtls_md_starts(&s->inner) != 0 || mbedtls_md_update(&s->inner, pad, bs) != 0)
        goto fail;
    memset(pad, 0x5c, bs);
    for (size_t i = 0; i < keylen; i++)
        pad[i] ^= key[i];
    if (mbedtls_md_starts(&s->outer) != 0 || mbedtls_md_update(&s->outer, pad, bs) != 0)
        goto fail;
    mbedtls_platform_zeroize(pad, sizeof pad);
    return s;
fail:
    mbedtls_platform_zeroize(pad, sizeof pad);
    mac_slot_free(s);
    return NULL;
}

static mac_slot_t *
mac_slot_get(usm_auth_t alg, const mbedtls_md_info_t *info, const uint8_t *key, size_t keylen)
{
    size_t i = key_slot((unsigned)alg, key, keylen, MAC_SLOTS);
    mac_slot_t *s = mac_slots[i];
    if (s && s->alg == alg && s->keylen == keylen && memcmp(s->key, key, keylen) == 0)
        return s;
    if (!(s = mac_slot_make(alg, info, key, keylen)))
        return NULL;
    mac_slot_free(mac_slots[i]);
    mac_slots[i] = s;
    return s;
}

void
crypto_cache_clear(void)
{
    for (size_t i = 0; i < MAC_SLOTS; i++) {
        mac_slot_free(mac_slots[i]);
        mac_slots[i] = NULL;
    }
    for (size_t i = 0; i < AES_SLOTS; i++) {
        aes_slot_free(aes_slots[i]);
        aes_slots[i] = NULL;
    }
    for (int a = 0; a < USM_AUTH_COUNT; a++) {
        if (mac_work_ready[a])
            mbedtls_md_free(&mac_work[a]);
        mac_work_ready[a] = 0;
    }
}

int
crypto_hmac(usm_auth_t alg, const uint8_t *key, size_t keylen, const crypto_iov_t *iov,
            size_t niov, uint8_t *out)
{
    const mbedtls_md_info_t *info = md_info(alg);
    uint8_t inner[USM_MAX_HASH];
    mbedtls_md_context_t *w;
    mac_slot_t *s;
    size_t hl;
    int rc = MW_EINVAL;
    if (!info || keylen > sizeof s->key)
        return MW_EINVAL;
    hl = mbedtls_md_get_size(info);
    if (keylen > hl)
        return MW_EINVAL; /* USM keys are at most one digest long */
    if (!(s = mac_slot_get(alg, info, key, keylen)))
        return MW_ENOMEM;
    if (s->ni) {
        sha256ni_t h = s->ni_inner;
        for (size_t i = 0; i < niov; i++)
            if (iov[i].n)
                sha256ni_update(&h, iov[i].p, iov[i].n);
        sha256ni_finish(&h, inner);
        h = s->ni_outer;
        sha256ni_update(&h, inner, hl);
        sha256ni_finish(&h, out);
        mbedtls_platform_zeroize(inner, sizeof inner);
        return 0;
    }
    w = &mac_work[alg];
    if (!mac_work_ready[alg]) {
        mbedtls_md_init(w);
        if (mbedtls_md_setup(w, info, 0) != 0)
            return MW_ENOMEM;
        mac_work_ready[alg] = 1;
    }
    if (mbedtls_md_clone(w, &s->inner) != 0)
        goto cleanup;
    for (size_t i = 0; i < niov; i++)
        if (iov[i].n && mbedtls_md_update(w, iov[i].p, iov[i].n) != 0)
            goto cleanup;
    if (mbedtls_md_finish(w, inner) != 0 || mbedtls_md_clone(w, &s->outer) != 0
        || mbedtls_md_update(w, inner, hl) != 0 || mbedtls_md_finish(w, out) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    mbedtls_platform_zeroize(inner, sizeof inner);
    /* the work context holds a keyed state until the next use: clear it */
    mbedtls_md_starts(w);
    return rc;
}

int
crypto_hash_repeat(usm_auth_t alg, const uint8_t *pw, size_t pwlen, size_t total, uint8_t *out)
{
    const mbedtls_md_info_t *info = md_info(alg);
    mbedtls_md_context_t ctx;
    uint8_t block[1024];
    size_t idx = 0, done = 0;
    int rc = MW_EINVAL;
    if (!info || pwlen == 0)
        return MW_EINVAL;
    if (use_ni(alg)) {
        sha256ni_t s;
        sha256ni_init(&s, alg == USM_AUTH_SHA224);
        while (done < total) {
            size_t n = total - done < sizeof block ? total - done : sizeof block;
            for (size_t i = 0; i < n; i++) {
                block[i] = pw[idx];
                if (++idx == pwlen)
                    idx = 0;
            }
            sha256ni_update(&s, block, n);
            done += n;
        }
        sha256ni_finish(&s, out);
        mbedtls_platform_zeroize(block, sizeof block);
        return 0;
    }
    mbedtls_md_init(&ctx);
    if (mbedtls_md_setup(&ctx, info, 0) != 0) {
        rc = MW_ENOMEM;
        goto cleanup;
    }
    if (mbedtls_md_starts(&ctx) != 0)
        goto cleanup;
    while (done < total) {
        size_t n = total - done < sizeof block ? total - done : sizeof block;
        for (size_t i = 0; i < n; i++) {
            block[i] = pw[idx];
            if (++idx == pwlen)
                idx = 0;
        }
        if (mbedtls_md_update(&ctx, block, n) != 0)
            goto cleanup;
        done += n;
    }
    if (mbedtls_md_finish(&ctx, out) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    mbedtls_platform_zeroize(block, sizeof block);
    mbedtls_md_free(&ctx);
    return rc;
}

static aes_slot_t *
aes_slot_get(const uint8_t *key, size_t keylen)
{
    size_t i = key_slot(0xae5u, key, keylen, AES_SLOTS);
    aes_slot_t *s = aes_slots[i];
    if (s && s->keylen == keylen && memcmp(s->key, key, keylen) == 0)
        return s;
    if (!(s = calloc(1, sizeof *s)))
        return NULL;
    s->keylen = keylen;
    memcpy(s->key, key, keylen);
    mbedtls_aes_init(&s->ctx);
    /* CFB uses the forward cipher in both directions. */
    if (mbedtls_aes_setkey_enc(&s->ctx, key, (unsigned)(keylen * 8)) != 0) {
        aes_slot_free(s);
        return NULL;
    }
    aes_slot_free(aes_slots[i]);
    aes_slots[i] = s;
    return s;
}

int
crypto_aes_cfb(int encrypt, const uint8_t *key, size_t keylen, const uint8_t iv[16],
               const uint8_t *in, size_t n, uint8_t *out)
{
    aes_slot_t *s;
    uint8_t ivw[16];
    size_t off = 0;
    int rc = MW_EINVAL;
    if (keylen != 16 && keylen != 24 && keylen != 32)
        return MW_EINVAL;
    if (!(s = aes_slot_get(key, keylen)))
        return MW_ENOMEM;
    memcpy(ivw, iv, sizeof ivw);
    if (mbedtls_aes_crypt_cfb128(&s->ctx, encrypt ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, n,
                                 &off, ivw, in, out) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    mbedtls_platform_zeroize(ivw, sizeof ivw);
    return rc;
}

int
crypto_des_cbc(int encrypt, const uint8_t key[8], const uint8_t iv[8], const uint8_t *in,
               size_t n, uint8_t *out)
{
    mbedtls_des_context ctx;
    uint8_t ivw[8];
    int rc = MW_EINVAL;
    if (n % 8)
        return MW_EINVAL;
    memcpy(ivw, iv, sizeof ivw);
    mbedtls_des_init(&ctx);
    if ((encrypt ? mbedtls_des_setkey_enc(&ctx, key) : mbedtls_des_setkey_dec(&ctx, key)) != 0)
        goto cleanup;
    if (n && mbedtls_des_crypt_cbc(&ctx, encrypt ? MBEDTLS_DES_ENCRYPT : MBEDTLS_DES_DECRYPT, n,
                                   ivw, in, out) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    mbedtls_platform_zeroize(ivw, sizeof ivw);
    mbedtls_des_free(&ctx);
    return rc;
}

int
crypto_des3_cbc(int encrypt, const uint8_t key[24], const uint8_t iv[8], const uint8_t *in,
                size_t n, uint8_t *out)
{
    mbedtls_des3_context ctx;
    uint8_t ivw[8];
    int rc = MW_EINVAL;
    if (n % 8)
        return MW_EINVAL;
    memcpy(ivw, iv, sizeof ivw);
    mbedtls_des3_init(&ctx);
    if ((encrypt ? mbedtls_des3_set3key_enc(&ctx, key) : mbedtls_des3_set3key_dec(&ctx, key)) != 0)
        goto cleanup;
    if (n && mbedtls_des3_crypt_cbc(&ctx, encrypt ? MBEDTLS_DES_ENCRYPT : MBEDTLS_DES_DECRYPT, n,
                                    ivw, in, out) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    mbedtls_platform_zeroize(ivw, sizeof ivw);
    mbedtls_des3_free(&ctx);
    return rc;
}

int
crypto_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    /* every byte is read whatever the first difference: the differences
     * are or-ed a word at a time, and the empty asm keeps the compiler
     * from testing the sum before the end */
    uint64_t d = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        d |= x ^ y;
        __asm__("" : "+r"(d));
    }
    for (; i < n; i++) {
        d |= (uint64_t)(a[i] ^ b[i]);
        __asm__("" : "+r"(d));
    }
    return d == 0;
}

void
crypto_wipe(void *p, size_t n)
{
    mbedtls_platform_zeroize(p, n);
}

int
crypto_random(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return MW_ENOTSUPP;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}
