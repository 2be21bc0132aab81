/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict DER reader. See der.h for the contract: reads consume exactly one
 * element or nothing, never allocate, and refuse anything X.690 DER does
 * not allow.
 */
#include <stdio.h>
#include <string.h>

#include "der.h"

/* Deepest nesting sp_der_check_strict follows. X.509 certificates nest
 * about ten levels; the bound keeps a hostile input from using the stack. */
#define SP_DER_MAX_DEPTH 32

static sp_der_err der_check_element(unsigned tag, const SP_DER *contents,
                                    int depth);

static const char *const der_error_text[] = {
    [SP_DER_OK] = "ok",
    [SP_DER_ERR_TRUNCATED] = "truncated element",
    [SP_DER_ERR_INDEFINITE] = "indefinite length (BER, not DER)",
    [SP_DER_ERR_LENGTH] = "non-minimal length encoding",
    [SP_DER_ERR_HIGH_TAG] = "high-tag-number form",
    [SP_DER_ERR_UNEXPECTED_TAG] = "unexpected element",
    [SP_DER_ERR_INTEGER] = "empty or non-minimal INTEGER",
    [SP_DER_ERR_BOOLEAN] = "BOOLEAN not encoded as 00 or FF",
    [SP_DER_ERR_NULL] = "NULL with contents",
    [SP_DER_ERR_OID] = "malformed OBJECT IDENTIFIER",
    [SP_DER_ERR_BIT_STRING] = "malformed BIT STRING",
    [SP_DER_ERR_STRING] = "characters not allowed in string type",
    [SP_DER_ERR_TIME] = "time not in RFC 5280 form",
    [SP_DER_ERR_TRAILING] = "trailing bytes after element",
    [SP_DER_ERR_CONSTRUCTED] = "constructed encoding of a primitive type",
    [SP_DER_ERR_DEFAULT] = "DEFAULT value encoded explicitly",
    [SP_DER_ERR_ORDER] = "SET OF elements not in DER order",
    [SP_DER_ERR_RANGE] = "value out of range",
    [SP_DER_ERR_LIMIT] = "too many elements or too deeply nested",
};

const char *sp_der_strerror(sp_der_err err)
{
    if ((size_t)err >= sizeof(der_error_text) / sizeof(der_error_text[0])
        || der_error_text[err] == NULL)
        return "unknown DER error";
    return der_error_text[err];
}

sp_der_err sp_der_get_bool(SP_DER *cur, int *value)
{
    SP_DER body, save = *cur;
    sp_der_err rc = sp_der_get(cur, SP_TAG_BOOLEAN, &body);

    if (rc != SP_DER_OK)
        return rc;
    if (body.len != 1 || (body.data[0] != 0x00u && body.data[0] != 0xffu)) {
        *cur = save;
        return SP_DER_ERR_BOOLEAN;
    }
    *value = body.data[0] == 0xffu;
    return SP_DER_OK;
}

sp_der_err sp_der_get_uint64(SP_DER *cur, uint64_t *value)
{
    SP_DER body, save = *cur;
    sp_der_err rc = sp_der_get_integer(cur, &body);
    uint64_t v = 0;

    if (rc != SP_DER_OK)
        return rc;
    /* Negative, or wider than 63 bits (a leading 00 octet is allowed). */
    if ((body.data[0] & 0x80u) != 0
        || body.len > 8 + (body.data[0] == 0 ? 1u : 0u)) {
        *cur = save;
        return SP_DER_ERR_RANGE;
    }
    for (size_t i = 0; i < body.len; i++)
        v = (v << 8) | body.data[i];
    if (v > (uint64_t)INT64_MAX) {
        *cur = save;
        return SP_DER_ERR_RANGE;
    }
    *value = v;
    return SP_DER_OK;
}

sp_der_err sp_der_get_null(SP_DER *cur)
{
    SP_DER body, save = *cur;
    sp_der_err rc = sp_der_get(cur, SP_TAG_NULL, &body);

    if (rc == SP_DER_OK && body.len != 0) {
        *cur = save;
        rc = SP_DER_ERR_NULL;
    }
    return rc;
}

static sp_der_err der_check_bit_string(const SP_DER *contents)
{
    unsigned unused;

    if (contents->len == 0)
        return SP_DER_ERR_BIT_STRING;
    unused = contents->data[0];
    if (unused > 7 || (contents->len == 1 && unused != 0))
        return SP_DER_ERR_BIT_STRING;
    /* DER: the unused bits of the last octet are zero. */
    if (unused != 0
        && (contents->data[contents->len - 1] & ((1u << unused) - 1u)) != 0)
        return SP_DER_ERR_BIT_STRING;
    return SP_DER_OK;
}

sp_der_err sp_der_check_bit_string(const SP_DER *contents)
{
    return der_check_bit_string(contents);
}

sp_der_err sp_der_get_bit_string(SP_DER *cur, SP_DER *bits, unsigned *unused)
{
    SP_DER body, save = *cur;
    sp_der_err rc = sp_der_get(cur, SP_TAG_BIT_STRING, &body);

    if (rc != SP_DER_OK)
        return rc;
    if ((rc = der_check_bit_string(&body)) != SP_DER_OK) {
        *cur = save;
        return rc;
    }
    if (unused != NULL)
        *unused = body.data[0];
    sp_der_init(bits, body.data + 1, body.len - 1);
    return SP_DER_OK;
}

/* ---------------------------------------------------------------- time */

int64_t sp_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
     * calendar, no tables, no libc time zone state. */
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29u : mdays[m - 1];
}

static int read_digits(const uint8_t *p, size_t n, unsigned *out)
{
    unsigned v = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    *out = v;
    return 1;
}

/* RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSSZ;
 * seconds always present, always Zulu, no fractions. */
static sp_der_err der_parse_time(unsigned tag, const SP_DER *body,
                                 int64_t *seconds)
{
    const uint8_t *p = body->data;
    unsigned year, mon, day, hh, mm, ss;
    int64_t y;
    size_t ylen;

    if (tag == SP_TAG_UTCTIME && body->len == 13) {
        ylen = 2;
    } else if (tag == SP_TAG_GENERALIZEDTIME && body->len == 15) {
        ylen = 4;
    } else {
        return SP_DER_ERR_TIME;
    }
    if (!read_digits(p, ylen, &year) || !read_digits(p + ylen, 2, &mon)
        || !read_digits(p + ylen + 2, 2, &day)
        || !read_digits(p + ylen + 4, 2, &hh)
        || !read_digits(p + ylen + 6, 2, &mm)
        || !read_digits(p + ylen + 8, 2, &ss) || p[ylen + 10] != 'Z')
        return SP_DER_ERR_TIME;
    y = ylen == 2 ? (year >= 50 ? 1900 + year : 2000 + year) : year;
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(y, mon) || hh > 23
        || mm > 59 || ss > 59)
        return SP_DER_ERR_TIME;
    *seconds =
        sp_days_from_civil(y, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
    return SP_DER_OK;
}

sp_der_err sp_der_get_time(SP_DER *cur, int64_t *seconds, unsigned *tag)
{
    SP_DER body, save = *cur;
    unsigned t = sp_der_peek_tag(cur);
    sp_der_err rc;

    if (t != SP_TAG_UTCTIME && t != SP_TAG_GENERALIZEDTIME)
        return cur->len == 0 ? SP_DER_ERR_TRUNCATED : SP_DER_ERR_UNEXPECTED_TAG;
    if ((rc = sp_der_get(cur, t, &body)) != SP_DER_OK)
        return rc;
    if ((rc = der_parse_time(t, &body, seconds)) != SP_DER_OK) {
        *cur = save;
        return rc;
    }
    if (tag != NULL)
        *tag = t;
    return SP_DER_OK;
}

void sp_time_to_text(int64_t seconds, char *buf, size_t buflen)
{
    int64_t days = seconds / 86400, rem = seconds % 86400, y;
    unsigned m, d;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, buflen, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m,
             d, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
             (unsigned)(rem % 60));
}

int sp_time_from_text(const char *text, int64_t *seconds)
{
    const uint8_t *p = (const uint8_t *)text;
    size_t n = strlen(text);
    unsigned y, m, d, hh = 0, mm = 0, ss = 0;

    if (n > 1 && text[0] == '@') {
        int64_t v = 0;

        for (size_t i = 1; i < n; i++) {
            if (p[i] < '0' || p[i] > '9' || v > (INT64_MAX - 9) / 10)
                return 0;
            v = v * 10 + (p[i] - '0');
        }
        *seconds = v;
        return 1;
    }
    if (n != 10 && n != 20)
        return 0;
    if (!read_digits(p, 4, &y) || p[4] != '-' || !read_digits(p + 5, 2, &m)
        || p[7] != '-' || !read_digits(p + 8, 2, &d))
        return 0;
    if (n == 20
        && (p[10] != 'T' || !read_digits(p + 11, 2, &hh) || p[13] != ':'
            || !read_digits(p + 14, 2, &mm) || p[16] != ':'
            || !read_digits(p + 17, 2, &ss) || p[19] != 'Z'))
        return 0;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) || hh > 23
        || mm > 59 || ss > 59)
        return 0;
    *seconds = sp_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
    return 1;
}

/* ---------------------------------------------------------------- strings */

size_t sp_utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
    uint32_t c;
    size_t len;

    if (p[0] < 0x80u) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xc2u && p[0] <= 0xdfu) {
        len = 2;
        c = p[0] & 0x1fu;
    } else if (p[0] >= 0xe0u && p[0] <= 0xefu) {
        len = 3;
        c = p[0] & 0x0fu;
    } else if (p[0] >= 0xf0u && p[0] <= 0xf4u) {
        len = 4;
        c = p[0] & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0u) != 0x80u)
            return 0;
        c = (c << 6) | (p[i] & 0x3fu);
    }
    if ((len == 3 && c < 0x800u) || (len == 4 && c < 0x10000u) || c > 0x10ffffu
        || (c >= 0xd800u && c <= 0xdfffu))
        return 0;
    *cp = c;
    return len;
}

static int is_printable_char(uint8_t c)
{
    /* X.680 PrintableString: letters, digits, space and '()+,-./:=? */
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == ' ' || c == '\'' || c == '('
           || c == ')' || c == '+' || c == ',' || c == '-' || c == '.'
           || c == '/' || c == ':' || c == '=' || c == '?';
}

int sp_der_is_string_tag(unsigned tag)
{
    switch (tag) {
    case SP_TAG_UTF8STRING:
    case 0x12u: /* NumericString */
    case SP_TAG_PRINTABLESTRING:
    case SP_TAG_T61STRING:
    case SP_TAG_IA5STRING:
    case SP_TAG_VISIBLESTRING:
    case SP_TAG_UNIVERSALSTRING:
    case SP_TAG_BMPSTRING:
        return 1;
    default:
        return 0;
    }
}

/* Length of the longest prefix of whole 8-octet words of p[0..n) that
 * hold only octets 01..7F: valid in both IA5String and UTF8String, and
 * checked a word at a time instead of an octet at a time. */
static size_t der_ascii_prefix(const uint8_t *p, size_t n)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t highs = UINT64_C(0x8080808080808080);
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w;

        memcpy(&w, p + i, 8);
        /* a top bit set, or a zero octet (the classic has-zero test) */
        if ((w & highs) != 0 || ((w - ones) & ~w & highs) != 0)
            break;
    }
    return i;
}

sp_der_err sp_der_check_string(unsigned tag, const SP_DER *contents)
{
    const uint8_t *p = contents->data;
    size_t n = contents->len;

    switch (tag) {
    case SP_TAG_UTF8STRING:
        for (size_t i = der_ascii_prefix(p, n); i < n;) {
            uint32_t cp;
            size_t k;

            /* ASCII, by far the most common, without a decoder call */
            if (p[i] < 0x80u) {
                if (p[i] == 0)
                    return SP_DER_ERR_STRING;
                i++;
                continue;
            }
            k = sp_utf8_decode(p + i, n - i, &cp);

            /* NUL is valid UTF-8 but only ever used to truncate names in
             * software that reads C strings. */
            if (k == 0 || cp == 0)
                return SP_DER_ERR_STRING;
            i += k;
        }
        return SP_DER_OK;
    case 0x12u: /* NumericString */
        for (size_t i = 0; i < n; i++) {
            if (!(p[i] == ' ' || (p[i] >= '0' && p[i] <= '9')))
                return SP_DER_ERR_STRING;
        }
        return SP_DER_OK;
    case SP_TAG_PRINTABLESTRING:
        for (size_t i = 0; i < n; i++) {
            if (!is_printable_char(p[i]))
                return SP_DER_ERR_STRING;
        }
        return SP_DER_OK;
    case SP_TAG_IA5STRING:
        for (size_t i = der_ascii_prefix(p, n); i < n; i++) {
            if (p[i] == 0 || p[i] >= 0x80u)
                return SP_DER_ERR_STRING;
        }
        return SP_DER_OK;
    case SP_TAG_VISIBLESTRING:
        for (size_t i = 0; i < n; i++) {
            if (p[i] < 0x20u || p[i] > 0x7eu)
                return SP_DER_ERR_STRING;
        }
        return SP_DER_OK;
    case SP_TAG_T61STRING:
        /* Teletex has no byte-level DER constraint; rules judge its use. */
        for (size_t i = 0; i < n; i++) {
            if (p[i] == 0)
                return SP_DER_ERR_STRING;
        }
        return SP_DER_OK;
    case SP_TAG_BMPSTRING:
        if (n % 2 != 0)
            return SP_DER_ERR_STRING;
        for (size_t i = 0; i < n; i += 2) {
            uint32_t c = ((uint32_t)p[i] << 8) | p[i + 1];

            if (c == 0 || (c >= 0xd800u && c <= 0xdfffu))
                return SP_DER_ERR_STRING;
        }
        return SP_DER_OK;
    case SP_TAG_UNIVERSALSTRING:
        if (n % 4 != 0)
            return SP_DER_ERR_STRING;
        for (size_t i = 0; i < n; i += 4) {
            uint32_t c = ((uint32_t)p[i] << 24) | ((uint32_t)p[i + 1] << 16)
                         | ((uint32_t)p[i + 2] << 8) | p[i + 3];

            if (c == 0 || c > 0x10ffffu || (c >= 0xd800u && c <= 0xdfffu))
                return SP_DER_ERR_STRING;
        }
        return SP_DER_OK;
    default:
        return SP_DER_ERR_UNEXPECTED_TAG;
    }
}

/* ---------------------------------------------------------------- walk */

/* Compare two encodings as DER orders SET OF members (X.690 11.6): as
 * octet strings, the shorter one padded with zero octets at the end. */
int sp_der_set_order_ok(SP_DER prev, SP_DER next)
{
    size_t n = prev.len < next.len ? prev.len : next.len;
    int c = memcmp(prev.data, next.data, n);

    if (c != 0)
        return c < 0;
    /* Equal prefix: prev must not continue with a nonzero octet. */
    for (size_t i = n; i < prev.len; i++) {
        if (prev.data[i] != 0)
            return 0;
    }
    return 1;
}

static sp_der_err der_check_children(const SP_DER *contents, int depth,
                                     int is_set)
{
    SP_DER cur = *contents, prev = {NULL, 0};
    sp_der_err rc;

    if (depth >= SP_DER_MAX_DEPTH)
        return SP_DER_ERR_LIMIT;
    while (!sp_der_empty(&cur)) {
        SP_DER child_body, child;
        unsigned tag;

        if ((rc = sp_der_get_any(&cur, &tag, &child_body, &child)) != SP_DER_OK)
            return rc;
        /* The checks of der_check_element, with the common cases first
         * and constructed children walked without a call in between. */
        if ((tag & SP_CONSTRUCTED) != 0) {
            unsigned number = tag & 0x1fu;

            if ((tag & 0xc0u) == 0 && number != 0x10u && number != 0x11u)
                return SP_DER_ERR_CONSTRUCTED;
            if ((rc = der_check_children(&child_body, depth + 1,
                                         tag == SP_TAG_SET))
                != SP_DER_OK)
                return rc;
        } else if ((tag & 0xc0u) != 0) {
            /* [n] IMPLICIT primitive: left to the decoder */
        } else if (tag == SP_TAG_OID) {
            if ((rc = sp_der_check_oid(&child_body)) != SP_DER_OK)
                return rc;
        } else if (tag == SP_TAG_OCTET_STRING) {
            /* any octets */
        } else if ((rc = der_check_element(tag, &child_body, depth + 1))
                   != SP_DER_OK) {
            return rc;
        }
        /* SET and SET OF share a tag; X.509 uses SET only as SET OF, so
         * DER order is required of every SET. */
        if (is_set && prev.data != NULL && !sp_der_set_order_ok(prev, child))
            return SP_DER_ERR_ORDER;
        prev = child;
    }
    return SP_DER_OK;
}

static sp_der_err der_check_element(unsigned tag, const SP_DER *contents,
                                    int depth)
{
    unsigned cls = tag & 0xc0u, number = tag & 0x1fu;
    int constructed = (tag & SP_CONSTRUCTED) != 0;
    int64_t ignored;

    if (cls != 0) {
        /* Context/application/private tags: constructed ones are walked
         * into; primitive ones are IMPLICIT values of a type only the
         * decoder knows, so their octets are left to it. */
        return constructed ? der_check_children(contents, depth, 0) : SP_DER_OK;
    }
    if (number == 0x10u || number == 0x11u) {
        if (!constructed)
            return SP_DER_ERR_CONSTRUCTED;
        return der_check_children(contents, depth, number == 0x11u);
    }
    /* DER never uses the constructed form for universal primitive types. */
    if (constructed)
        return SP_DER_ERR_CONSTRUCTED;
    switch (tag) {
    case SP_TAG_BOOLEAN:
        return contents->len == 1
                       && (contents->data[0] == 0 || contents->data[0] == 0xffu)
                   ? SP_DER_OK
                   : SP_DER_ERR_BOOLEAN;
    case SP_TAG_INTEGER:
    case SP_TAG_ENUMERATED:
        return sp_der_check_integer(contents);
    case SP_TAG_BIT_STRING:
        return der_check_bit_string(contents);
    case SP_TAG_OCTET_STRING:
        return SP_DER_OK;
    case SP_TAG_NULL:
        return contents->len == 0 ? SP_DER_OK : SP_DER_ERR_NULL;
    case SP_TAG_OID:
        return sp_der_check_oid(contents);
    case SP_TAG_UTCTIME:
    case SP_TAG_GENERALIZEDTIME:
        return der_parse_time(tag, contents, &ignored);
    default:
        if (sp_der_is_string_tag(tag))
            return sp_der_check_string(tag, contents);
        /* REAL, EXTERNAL, RELATIVE-OID, ...: never part of what we sign. */
        return SP_DER_ERR_UNEXPECTED_TAG;
    }
}

sp_der_err sp_der_check_strict_nested(const SP_DER *in, int level)
{
    SP_DER cur, body;
    unsigned tag;
    sp_der_err rc;

    /* Word by word: the caller has often just written *in that way, and a
     * 16-octet copy of it would wait for both stores. */
    sp_der_init(&cur, in->data, in->len);
    if ((rc = sp_der_get_any(&cur, &tag, &body, NULL)) != SP_DER_OK)
        return rc;
    if (!sp_der_empty(&cur))
        return SP_DER_ERR_TRAILING;
    return der_check_element(tag, &body, level);
}

sp_der_err sp_der_check_strict(const SP_DER *in)
{
    return sp_der_check_strict_nested(in, 0);
}

/* ---------------------------------------------------------------- OIDs */

char *sp_der_oid_to_text(const SP_DER *oid, char *buf, size_t buflen)
{
    size_t used = 0;
    uint64_t arc = 0;
    int first = 1, overflow = 0;

    if (buflen == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < oid->len; i++) {
        if (arc > (UINT64_MAX >> 7))
            overflow = 1;
        arc = (arc << 7) | (oid->data[i] & 0x7fu);
        if (oid->data[i] & 0x80u)
            continue;
        int w;
        if (overflow) {
            w = snprintf(buf + used, buflen - used, "%s?", first ? "" : ".");
        } else if (first) {
            unsigned top = arc < 40 ? 0 : arc < 80 ? 1 : 2;
            w = snprintf(buf + used, buflen - used, "%u.%llu", top,
                         (unsigned long long)(arc - 40u * top));
        } else {
            w = snprintf(buf + used, buflen - used, ".%llu",
                         (unsigned long long)arc);
        }
        if (w < 0 || (size_t)w >= buflen - used) {
            buf[buflen - 1] = '\0';
            return buf;
        }
        used += (size_t)w;
        first = 0;
        arc = 0;
        overflow = 0;
    }
    return buf;
}

static size_t oid_put_arc(uint64_t arc, uint8_t *out, size_t pos, size_t outlen)
{
    uint8_t tmp[10];
    size_t n = 0;

    do {
        tmp[n++] = (uint8_t)(arc & 0x7fu);
        arc >>= 7;
    } while (arc != 0);
    if (pos + n > outlen)
        return 0;
    for (size_t i = 0; i < n; i++)
        out[pos + i] = (uint8_t)(tmp[n - 1 - i] | (i + 1 < n ? 0x80u : 0));
    return pos + n;
}

size_t sp_der_oid_from_text(const char *text, uint8_t *out, size_t outlen)
{
    uint64_t arcs[2] = {0, 0}, arc = 0;
    size_t narcs = 0, pos = 0;
    int have_digit = 0;

    for (const char *p = text;; p++) {
        if (*p >= '0' && *p <= '9') {
            if (arc > (UINT64_MAX - 9) / 10 || (have_digit && arc == 0))
                return 0; /* overflow, or a leading zero ("01") */
            arc = arc * 10 + (uint64_t)(*p - '0');
            have_digit = 1;
            continue;
        }
        if ((*p != '.' && *p != '\0') || !have_digit)
            return 0;
        if (narcs < 2) {
            arcs[narcs] = arc;
        } else {
            if (narcs == 2) {
                if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)
                    || arcs[1] > UINT64_MAX - 80)
                    return 0;
                if ((pos =
                         oid_put_arc(arcs[0] * 40 + arcs[1], out, pos, outlen))
                    == 0)
                    return 0;
            }
            if ((pos = oid_put_arc(arc, out, pos, outlen)) == 0)
                return 0;
        }
        narcs++;
        arc = 0;
        have_digit = 0;
        if (*p == '\0')
            break;
    }
    if (narcs == 2) {
        if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39))
            return 0;
        pos = oid_put_arc(arcs[0] * 40 + arcs[1], out, pos, outlen);
    }
    return narcs < 2 ? 0 : pos;
}
