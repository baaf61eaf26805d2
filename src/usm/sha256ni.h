/* sha256ni.h - SHA-224/SHA-256 on the x86 SHA extensions. mbedTLS 2.28
 * hashes in portable C (about 4,000 instructions per 64-byte block); the
 * SHA instructions do a block in a few hundred cycles. crypto.c uses this
 * when sha256ni_available() says the CPU has them and mbedTLS otherwise;
 * the two are checked against each other by the tests. */
#ifndef MW_USM_SHA256NI_H
#define MW_USM_SHA256NI_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256ni {
    uint32_t h[8];
    uint64_t total;  /* bytes hashed so far */
    uint8_t buf[64]; /* a partial block */
    size_t n;        /* bytes in buf */
    int is224;
} sha256ni_t;

/* 1 when the CPU has SHA, SSSE3 and SSE4.1 and MOONWALK_NO_SHANI is not set
 * in the environment (checked once). */
int sha256ni_available(void);
void sha256ni_init(sha256ni_t *s, int is224);
void sha256ni_update(sha256ni_t *s, const uint8_t *p, size_t n);
/* Writes 32 bytes (28 for SHA-224) and leaves s to be initialised again. */
void sha256ni_finish(sha256ni_t *s, uint8_t *out);

#endif
