/* sha256ni.c - SHA-224/SHA-256 (FIPS 180-4) with the x86 SHA extensions.
 * Only the compression function uses them; padding and buffering are the
 * usual Merkle-Damgard steps. On other CPUs sha256ni_available() is 0 and
 * nothing here runs. */
#include <stdlib.h>
#include <string.h>

#include "sha256ni.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV256[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};
static const uint32_t IV224[8] = {
    0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
};

#ifdef HAVE_X86
/* The SHA instructions keep the state as ABEF and CDGH; each rnds2 does two
 * rounds, each msg1/msg2 pair extends the schedule by four words. */
__attribute__((target("sha,ssse3,sse4.1"))) static void
blocks(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i s0, s1, t, m[4];

    t = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
    s1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
    t = _mm_shuffle_epi32(t, 0xB1);      /* CDAB */
    s1 = _mm_shuffle_epi32(s1, 0x1B);    /* EFGH */
    s0 = _mm_alignr_epi8(t, s1, 8);      /* ABEF */
    s1 = _mm_blend_epi16(s1, t, 0xF0);   /* CDGH */

    for (; nblocks; nblocks--, p += 64) {
        __m128i abef = s0, cdgh = s1;
        for (int g = 0; g < 16; g++) {
            __m128i w;
            if (g < 4) {
                m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)),
                                        bswap);
            } else {
                w = _mm_sha256msg1_epu32(m[(g - 4) & 3], m[(g - 3) & 3]);
                w = _mm_add_epi32(w, _mm_alignr_epi8(m[(g - 1) & 3], m[(g - 2) & 3], 4));
                m[g & 3] = _mm_sha256msg2_epu32(w, m[(g - 1) & 3]);
            }
            w = _mm_add_epi32(m[g & 3], _mm_loadu_si128((const __m128i *)(const void *)&K[4 * g]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, w);
            w = _mm_shuffle_epi32(w, 0x0E);
            s0 = _mm_sha256rnds2_epu32(s0, s1, w);
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }

    t = _mm_shuffle_epi32(s0, 0x1B);     /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);    /* DCHG */
    s0 = _mm_blend_epi16(t, s1, 0xF0);   /* DCBA */
    s1 = _mm_alignr_epi8(s1, t, 8);      /* HGFE */
    _mm_storeu_si128((__m128i *)(void *)&h[0], s0);
    _mm_storeu_si128((__m128i *)(void *)&h[4], s1);
}
#endif

int
sha256ni_available(void)
{
    static int known = -1;
    if (known >= 0)
        return known;
    known = 0;
#ifdef HAVE_X86
    {
        unsigned a, b, c, d;
        const char *off = getenv("MOONWALK_NO_SHANI");
        if (off && *off && strcmp(off, "0") != 0)
            return known;
        if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
            return known;
        if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_SHA))
            return known;
        known = 1;
    }
#endif
    return known;
}

void
sha256ni_init(sha256ni_t *s, int is224)
{
    memcpy(s->h, is224 ? IV224 : IV256, sizeof s->h);
    s->total = 0;
    s->n = 0;
    s->is224 = is224;
}

void
sha256ni_update(sha256ni_t *s, const uint8_t *p, size_t n)
{
#ifdef HAVE_X86
    s->total += n;
    if (s->n) {
        size_t take = 64 - s->n < n ? 64 - s->n : n;
        memcpy(s->buf + s->n, p, take);
        s->n += take;
        p += take;
        n -= take;
        if (s->n < 64)
            return;
        blocks(s->h, s->buf, 1);
        s->n = 0;
    }
    if (n >= 64) {
        blocks(s->h, p, n / 64);
        p += n & ~(size_t)63;
        n &= 63;
    }
    if (n) {
        memcpy(s->buf, p, n);
        s->n = n;
    }
#else
    (void)s, (void)p, (void)n;
    abort(); /* sha256ni_available() is 0 here */
#endif
}

void
sha256ni_finish(sha256ni_t *s, uint8_t *out)
{
    uint8_t pad[72];
    uint64_t bits = s->total * 8;
    size_t padlen = (s->n < 56 ? 56 : 120) - s->n;
    size_t outwords = s->is224 ? 7 : 8;
    memset(pad, 0, sizeof pad);
    pad[0] = 0x80;
    for (int i = 0; i < 8; i++)
        pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256ni_update(s, pad, padlen + 8);
    for (size_t i = 0; i < outwords; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
    memset(s, 0, sizeof *s);
}
