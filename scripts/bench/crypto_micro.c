/* crypto_micro.c - the crypto's own cost for one SNMPv3 message, so the v3
 * bench can show how much of v3's cost per request is the crypto itself:
 * HMAC-SHA-256 and AES-128-CFB over one 100-byte message, with mbedTLS as a
 * plain caller would use it (key set up per message) and through
 * src/usm/crypto.c (pad states and key schedule kept per key).
 * Prints one line per figure: "NAME NS_PER_OP". */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mbedtls/aes.h>
#include <mbedtls/md.h>

#include "../../src/usm/crypto.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define N 200000

int
main(void)
{
    uint8_t key[32], msg[100], out[64], iv[16] = { 0 };
    const mbedtls_md_info_t *sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    volatile uint8_t sink = 0;
    double t;
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)i;
    memset(msg, 'm', sizeof msg);

    t = now();
    for (int i = 0; i < N; i++) {
        mbedtls_md_hmac(sha256, key, 32, msg, sizeof msg, out);
        sink ^= out[0];
    }
    printf("mbedtls_md_hmac(SHA-256, 100 B) %.0f\n", (now() - t) * 1e9 / N);

    crypto_iov_t iov = { msg, sizeof msg };
    t = now();
    for (int i = 0; i < N; i++) {
        crypto_hmac(USM_AUTH_SHA256, key, 32, &iov, 1, out);
        sink ^= out[0];
    }
    printf("crypto_hmac(SHA-256, 100 B, kept pads) %.0f\n", (now() - t) * 1e9 / N);

    t = now();
    for (int i = 0; i < N; i++) {
        mbedtls_aes_context c;
        size_t off = 0;
        uint8_t ivw[16];
        memcpy(ivw, iv, 16);
        mbedtls_aes_init(&c);
        mbedtls_aes_setkey_enc(&c, key, 128);
        mbedtls_aes_crypt_cfb128(&c, MBEDTLS_AES_ENCRYPT, sizeof msg, &off, ivw, msg, out);
        mbedtls_aes_free(&c);
        sink ^= out[0];
    }
    printf("mbedtls AES-128-CFB (100 B, key set up) %.0f\n", (now() - t) * 1e9 / N);

    t = now();
    for (int i = 0; i < N; i++) {
        uint8_t buf[100];
        crypto_aes_cfb(1, key, 16, iv, msg, sizeof msg, buf);
        sink ^= buf[0];
    }
    printf("crypto_aes_cfb(AES-128, 100 B, kept schedule) %.0f\n", (now() - t) * 1e9 / N);
    crypto_cache_clear();
    return sink & 0;
}
