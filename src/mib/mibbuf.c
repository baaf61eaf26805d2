/* mibbuf.c - a growable text buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/text.h"
#include "mibbuf.h"

static int
reserve(mibbuf_t *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap * 2 : 128;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *nb = realloc(b->buf, cap);
    if (!nb)
        return 0;
    b->buf = nb;
    b->cap = cap;
    return 1;
}

void
mibbuf_add(mibbuf_t *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void
mibbuf_cat(mibbuf_t *b, const char *s)
{
    mibbuf_add(b, s, strlen(s));
}

void
mibbuf_printf(mibbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char
mibbuf_last(const mibbuf_t *b)
{
    return b->len ? b->buf[b->len - 1] : '\0';
}

size_t
mibbuf_out(mibbuf_t *b, char *out, size_t cap)
{
    size_t n = b->len;
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        if (b->buf)
            memcpy(out, b->buf, k);
        out[k] = '\0';
    }
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
    return n;
}

void
mibbuf_ascii(mibbuf_t *b, const uint8_t *cp, size_t len)
{
    size_t need = text_ascii(cp, len, NULL, 0);
    char small[512], *t = need <= sizeof small ? small : malloc(need);
    if (!t)
        return;
    mibbuf_add(b, t, text_ascii(cp, len, t, need));
    if (t != small)
        free(t);
}
