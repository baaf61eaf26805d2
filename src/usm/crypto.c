/* crypto.c - USM primitives on mbedTLS 2.28. The only file that includes
 * mbedTLS. Every context is freed (mbedTLS wipes it) and every local that
 * held key material is wiped before returning. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/aes.h>
#include <mbedtls/des.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "crypto.h"

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

int
crypto_hash(usm_auth_t alg, const crypto_iov_t *iov, size_t niov, uint8_t *out)
{
    const mbedtls_md_info_t *info = md_info(alg);
    mbedtls_md_context_t ctx;
    int rc = MW_EINVAL;
    if (!info)
        return MW_EINVAL;
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

int
crypto_hmac(usm_auth_t alg, const uint8_t *key, size_t keylen, const crypto_iov_t *iov,
            size_t niov, uint8_t *out)
{
    const mbedtls_md_info_t *info = md_info(alg);
    mbedtls_md_context_t ctx;
    int rc = MW_EINVAL;
    if (!info)
        return MW_EINVAL;
    mbedtls_md_init(&ctx);
    if (mbedtls_md_setup(&ctx, info, 1) != 0) {
        rc = MW_ENOMEM;
        goto cleanup;
    }
    if (mbedtls_md_hmac_starts(&ctx, key, keylen) != 0)
        goto cleanup;
    for (size_t i = 0; i < niov; i++)
        if (iov[i].n && mbedtls_md_hmac_update(&ctx, iov[i].p, iov[i].n) != 0)
            goto cleanup;
    if (mbedtls_md_hmac_finish(&ctx, out) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    mbedtls_md_free(&ctx); /* zeroizes the ipad/opad state */
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

int
crypto_aes_cfb(int encrypt, const uint8_t *key, size_t keylen, const uint8_t iv[16],
               const uint8_t *in, size_t n, uint8_t *out)
{
    mbedtls_aes_context ctx;
    uint8_t ivw[16];
    size_t off = 0;
    int rc = MW_EINVAL;
    if (keylen != 16 && keylen != 24 && keylen != 32)
        return MW_EINVAL;
    memcpy(ivw, iv, sizeof ivw);
    mbedtls_aes_init(&ctx);
    /* CFB uses the forward cipher in both directions. */
    if (mbedtls_aes_setkey_enc(&ctx, key, (unsigned)(keylen * 8)) != 0)
        goto cleanup;
    if (mbedtls_aes_crypt_cfb128(&ctx, encrypt ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, n,
                                 &off, ivw, in, out) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    mbedtls_platform_zeroize(ivw, sizeof ivw);
    mbedtls_aes_free(&ctx);
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
    volatile uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= a[i] ^ b[i];
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
