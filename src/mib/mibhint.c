/* mibhint.c - octet-string DISPLAY-HINTs both ways (RFC 2579 section 3.1),
 * as net-snmp applies them: octets -> text (sprint_hinted_octets' grammar)
 * and text -> octets (parse_octet_hint, for quoted table indexes). Needs
 * no MIB: the parser (names with hinted indexes) and the value renderer
 * (mibfmt.c) both use it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "mibbuf.h"
#include "mibhint.h"

/* Returns 0, or -1 for a bad hint (caller falls back). */
int
mibhint_add(mibbuf_t *b, const uint8_t *cp, size_t len, const char *hint, int two_digit)
{
    const uint8_t *ecp = cp + len;
    int repeat, width = 1;
    unsigned long value; /* wraps past 8 octets, as net-snmp's long does in practice */
    char code = 'd', separ = 0, term = 0, ch, intbuf[64];

    while (cp < ecp) {
        repeat = 1;
        if (*hint) {
            if (*hint == '*') {
                repeat = *cp++;
                hint++;
            }
            width = 0;
            while ('0' <= *hint && *hint <= '9') {
                if (width < 1000000) /* wider than any OCTET STRING */
                    width = width * 10 + (*hint - '0');
                hint++;
            }
            code = *hint++;
            if ((ch = *hint) && ch != '*' && (ch < '0' || ch > '9') &&
                (width != 0 || (ch != 'x' && ch != 'd' && ch != 'o')))
                separ = *hint++;
            else
                separ = 0;
            if ((ch = *hint) && ch != '*' && (ch < '0' || ch > '9') &&
                (width != 0 || (ch != 'x' && ch != 'd' && ch != 'o')))
                term = *hint++;
            else
                term = 0;
            if (width == 0)
                width = 1;
        }
        while (repeat && cp < ecp) {
            value = 0;
            if (code != 'a' && code != 't')
                for (int x = 0; x < width && cp < ecp; x++)
                    value = value * 256 + *cp++;
            switch (code) {
            case 'x':
                if (value < 16 && width == 1 && (two_digit || (separ == 0 && *hint == 0)))
                    snprintf(intbuf, sizeof intbuf, "0%lx", value);
                else
                    snprintf(intbuf, sizeof intbuf, "%lx", value);
                mibbuf_cat(b, intbuf);
                break;
            case 'd':
                snprintf(intbuf, sizeof intbuf, "%ld", (long)value);
                mibbuf_cat(b, intbuf);
                break;
            case 'o':
                snprintf(intbuf, sizeof intbuf, "%lo", value);
                mibbuf_cat(b, intbuf);
                break;
            case 't':
            case 'a': {
                size_t cnt = (size_t)width < (size_t)(ecp - cp) ? (size_t)width : (size_t)(ecp - cp);
                mibbuf_ascii(b, cp, cnt);
                cp += cnt;
                break;
            }
            default:
                return -1;
            }
            if (cp < ecp && separ)
                mibbuf_add(b, &separ, 1);
            repeat--;
        }
        if (term && cp < ecp)
            mibbuf_add(b, &term, 1);
    }
    return 0;
}

size_t
mibhint_octets(const uint8_t *p, size_t n, const char *hint, char *out, size_t cap)
{
    mibbuf_t b = { 0 };
    if (mibhint_add(&b, p, n, hint, 0) < 0) {
        b.len = 0;
        if (b.buf)
            b.buf[0] = 0;
    }
    return mibbuf_out(&b, out, cap);
}

/* ---- text -> octets through a DISPLAY-HINT (net-snmp's parse_octet_hint) */

typedef struct {
    int length, repeat, format, separator, terminator;
    uint8_t *result;        /* caller's buffer */
    size_t result_max, result_len;
} hintparse_t;

static void
hp_reset(hintparse_t *ph)
{
    ph->length = ph->repeat = ph->format = ph->separator = ph->terminator = 0;
}

static int
hp_add(hintparse_t *ph, uint8_t octet)
{
    if (ph->result_len >= ph->result_max)
        return 0;
    ph->result[ph->result_len++] = octet;
    return 1;
}

static int
hp_parse(hintparse_t *ph, const char **v_in_out)
{
    const char *v = *v_in_out;
    char *nv;
    int base, repeats = 0;
    size_t repeat_fixup = ph->result_len;

    if (ph->repeat && !hp_add(ph, 0))
        return 0;
    do {
        base = 0;
        switch (ph->format) {
        case 'x': base += 6; /* fallthrough */
        case 'd': base += 2; /* fallthrough */
        case 'o': base += 8; {
            unsigned long number = (unsigned long)strtol(v, &nv, base);
            if (nv == v)
                return 0;
            v = nv;
            for (int i = 0; i < ph->length; i++) {
                int shift = 8 * (ph->length - 1 - i);
                if (!hp_add(ph, (uint8_t)(shift < 64 ? number >> shift : 0)))
                    return 0;
            }
            break;
        }
        case 'a':
            for (int i = 0; i < ph->length && *v; i++)
                if (!hp_add(ph, (uint8_t)*v++))
                    return 0;
            break;
        }
        repeats++;
        if (ph->separator && *v) {
            if (*v == ph->separator)
                v++;
            else
                return 0;
        }
        if (ph->terminator) {
            if (*v == ph->terminator) {
                v++;
                break;
            }
        }
    } while (ph->repeat && *v);
    if (ph->repeat)
        ph->result[repeat_fixup] = (uint8_t)repeats;
    *v_in_out = v;
    return 1;
}

int
mibhint_parse(const char *hint, const char *value, uint8_t *out, size_t cap, size_t *outlen)
{
    const char *h = hint, *v = value;
    hintparse_t ph = { 0 };
    int retval = 1;
    enum { HINT_1_2, HINT_2_3, HINT_1_2_4, HINT_1_2_5 } state = HINT_1_2;

    ph.result = out;
    ph.result_max = cap;
    while (*h && *v && retval) {
        switch (state) {
        case HINT_1_2:
            if (*h == '*') {
                ph.repeat = 1;
                state = HINT_2_3;
            } else if (isdigit((unsigned char)*h)) {
                ph.length = ph.length * 10 + (*h - '0');
                state = HINT_2_3;
            } else {
                return -1;
            }
            break;
        case HINT_2_3:
            if (isdigit((unsigned char)*h)) {
                ph.length = ph.length * 10 + (*h - '0');
            } else if (*h == 'x' || *h == 'd' || *h == 'o' || *h == 'a') {
                ph.format = *h;
                state = HINT_1_2_4;
            } else {
                return -1;
            }
            break;
        case HINT_1_2_4:
            if (*h == '*') {
                retval = hp_parse(&ph, &v);
                hp_reset(&ph);
                ph.repeat = 1;
                state = HINT_2_3;
            } else if (isdigit((unsigned char)*h)) {
                retval = hp_parse(&ph, &v);
                hp_reset(&ph);
                ph.length = *h - '0';
                state = HINT_2_3;
            } else {
                ph.separator = *h;
                state = HINT_1_2_5;
            }
            break;
        case HINT_1_2_5:
            if (*h == '*') {
                retval = hp_parse(&ph, &v);
                hp_reset(&ph);
                ph.repeat = 1;
                state = HINT_2_3;
            } else if (isdigit((unsigned char)*h)) {
                retval = hp_parse(&ph, &v);
                hp_reset(&ph);
                ph.length = *h - '0';
                state = HINT_2_3;
            } else {
                ph.terminator = *h;
                retval = hp_parse(&ph, &v);
                hp_reset(&ph);
                state = HINT_1_2;
            }
            break;
        }
        h++;
    }
    while (*v && retval)
        retval = hp_parse(&ph, &v);
    if (!retval)
        return -1;
    *outlen = ph.result_len;
    return 0;
}
