/* text.c - net-snmp's text forms of TimeTicks and octets. */
#include <stdio.h>
#include <string.h>

#include "text.h"

size_t
text_uptime(uint64_t t, int quick, char *buf, size_t cap)
{
    char tmp[64];
    unsigned cs = (unsigned)(t % 100);
    t /= 100;
    unsigned days = (unsigned)(t / 86400);
    t %= 86400;
    unsigned h = (unsigned)(t / 3600), m = (unsigned)(t % 3600 / 60), s = (unsigned)(t % 60);
    int k;
    if (quick)
        k = snprintf(tmp, sizeof tmp, "%u:%u:%02u:%02u.%02u", days, h, m, s, cs);
    else if (days == 0)
        k = snprintf(tmp, sizeof tmp, "%u:%02u:%02u.%02u", h, m, s, cs);
    else
        k = snprintf(tmp, sizeof tmp, "%u day%s, %u:%02u:%02u.%02u", days, days == 1 ? "" : "s", h, m,
                     s, cs);
    size_t n = (size_t)k;
    if (cap)
        memcpy(buf, tmp, n < cap ? n : cap);
    return n;
}

/* As isprint() || isspace() in the C locale, which net-snmp uses. */
static inline int
printable(uint8_t c)
{
    return (c >= 32 && c < 127) || (c >= 9 && c <= 13);
}

size_t
text_hex(const uint8_t *p, size_t n, size_t line, int with_text, char *buf, size_t cap)
{
    static const char hx[] = "0123456789ABCDEF";
    if (line == 0)
        line = 16;
    size_t lines = n ? (n + line - 1) / line : 1;
    size_t need = 3 * n + (lines - 1) + (with_text ? 4 * lines + n : 0);
    if (need > cap)
        return need;
    char *o = buf;
    for (size_t i = 0, at = 0; i < lines; i++, at += line) {
        size_t k = n - at < line ? n - at : line;
        const uint8_t *q = k ? p + at : NULL;
        if (i)
            *o++ = '\n';
        for (size_t j = 0; j < k; j++) {
            *o++ = hx[q[j] >> 4];
            *o++ = hx[q[j] & 15];
            *o++ = ' ';
        }
        if (with_text) {
            memcpy(o, "  [", 3);
            o += 3;
            for (size_t j = 0; j < k; j++)
                *o++ = printable(q[j]) ? (char)q[j] : '.';
            *o++ = ']';
        }
    }
    return need;
}

int
text_is_printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!printable(p[i]))
            return 0;
    return 1;
}

size_t
text_ascii(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    size_t need = n;
    for (size_t i = 0; i < n; i++)
        need += p[i] == '\\' || p[i] == '"';
    if (need > cap)
        return need;
    char *o = buf;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (!printable(c)) {
            *o++ = '.';
            continue;
        }
        if (c == '\\' || c == '"')
            *o++ = '\\';
        *o++ = (char)c;
    }
    return need;
}
