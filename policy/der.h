/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict DER reader: a cursor over bytes in the style of BoringSSL's CBS.
 *
 * A cursor only ever moves forward. Every read either consumes one
 * well-formed DER element or leaves the cursor where it was and returns an
 * error code. Nothing here allocates; every output points into the input.
 *
 * "Strict" means DER as X.690 section 10 defines it, not BER: definite and
 * minimal lengths, low-tag-number form only, minimal INTEGERs, BOOLEAN
 * 00/FF, BIT STRING unused bits zero, strings valid for their type and
 * times in the exact forms RFC 5280 4.1.2.5 allows.
 */
#ifndef SMIMEPOLICY_DER_H
#define SMIMEPOLICY_DER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Identifier octets for the universal tags X.509 uses. Tags are kept as the
 * single identifier octet (class | constructed | number); numbers >= 31
 * (high-tag-number form) never occur in X.509 and are refused. */
#define SP_TAG_BOOLEAN 0x01u
#define SP_TAG_INTEGER 0x02u
#define SP_TAG_BIT_STRING 0x03u
#define SP_TAG_OCTET_STRING 0x04u
#define SP_TAG_NULL 0x05u
#define SP_TAG_OID 0x06u
#define SP_TAG_ENUMERATED 0x0au
#define SP_TAG_UTF8STRING 0x0cu
#define SP_TAG_PRINTABLESTRING 0x13u
#define SP_TAG_T61STRING 0x14u
#define SP_TAG_IA5STRING 0x16u
#define SP_TAG_UTCTIME 0x17u
#define SP_TAG_GENERALIZEDTIME 0x18u
#define SP_TAG_VISIBLESTRING 0x1au
#define SP_TAG_UNIVERSALSTRING 0x1cu
#define SP_TAG_BMPSTRING 0x1eu
#define SP_TAG_SEQUENCE 0x30u
#define SP_TAG_SET 0x31u

#define SP_CLASS_CONTEXT 0x80u
#define SP_CONSTRUCTED 0x20u
/* [n] IMPLICIT primitive and [n] constructed (EXPLICIT or IMPLICIT SEQUENCE) */
#define SP_TAG_CTX(n) (SP_CLASS_CONTEXT | (unsigned)(n))
#define SP_TAG_CTX_CONS(n) (SP_CLASS_CONTEXT | SP_CONSTRUCTED | (unsigned)(n))

/* Why a read failed. 0 is success so callers can write `if ((rc = ...))`. */
typedef enum {
    SP_DER_OK = 0,
    SP_DER_ERR_TRUNCATED,      /* element runs past the end of its parent */
    SP_DER_ERR_INDEFINITE,     /* indefinite length (BER only) */
    SP_DER_ERR_LENGTH,         /* non-minimal or over-long length octets */
    SP_DER_ERR_HIGH_TAG,       /* high-tag-number form */
    SP_DER_ERR_UNEXPECTED_TAG, /* a different element was required here */
    SP_DER_ERR_INTEGER,        /* empty or non-minimal INTEGER */
    SP_DER_ERR_BOOLEAN,        /* BOOLEAN other than 00 or FF, or not 1 octet */
    SP_DER_ERR_NULL,           /* NULL with content */
    SP_DER_ERR_OID,            /* empty OID, non-minimal arc, unterminated */
    SP_DER_ERR_BIT_STRING,     /* bad unused-bits octet or nonzero pad bits */
    SP_DER_ERR_STRING,         /* characters not allowed by the string type */
    SP_DER_ERR_TIME,           /* time not in an RFC 5280 form */
    SP_DER_ERR_TRAILING,       /* bytes left over after the last element */
    SP_DER_ERR_CONSTRUCTED,    /* primitive/constructed bit wrong for tag */
    SP_DER_ERR_DEFAULT,        /* DEFAULT value encoded (DER forbids it) */
    SP_DER_ERR_ORDER,          /* SET OF elements not in DER order */
    SP_DER_ERR_RANGE,          /* value outside the range the field allows */
    SP_DER_ERR_LIMIT,          /* more elements than the decoder keeps */
} sp_der_err;

/* A cursor, or a read-only view of some bytes. */
typedef struct sp_der_st {
    const uint8_t *data;
    size_t len;
} SP_DER;

const char *sp_der_strerror(sp_der_err err);

static inline void sp_der_init(SP_DER *cur, const uint8_t *data, size_t len)
{
    cur->data = data;
    cur->len = len;
}

static inline int sp_der_empty(const SP_DER *cur)
{
    return cur->len == 0;
}

/* The cursor primitives below are static inline: every walk of the
 * decoder and the rules is made of them, and a function call per element
 * cost more than the element's own checks. */

/* Two views hold the same bytes. The last octets are compared before
 * memcmp is called: most comparisons are table lookups of OIDs, which
 * differ in their last arc far more often than in length. */
static inline int sp_der_equal(const SP_DER *a, const SP_DER *b)
{
    return a->len == b->len
           && (a->len == 0
               || (a->data[a->len - 1] == b->data[a->len - 1]
                   && memcmp(a->data, b->data, a->len) == 0));
}

static inline int sp_der_equal_bytes(const SP_DER *a, const uint8_t *bytes,
                                     size_t len)
{
    return a->len == len
           && (len == 0
               || (a->data[len - 1] == bytes[len - 1]
                   && memcmp(a->data, bytes, len) == 0));
}

/* Identifier octet of the next element, without consuming anything.
 * Returns 0 when the cursor is empty. */
static inline unsigned sp_der_peek_tag(const SP_DER *cur)
{
    return cur->len == 0 ? 0u : cur->data[0];
}

/* Parse identifier and length octets at the start of `cur` without moving
 * it. On success *hdr_len is the size of the header, *body_len that of the
 * contents. Internal to the primitives below. */
static inline sp_der_err sp_der_parse_header_(const SP_DER *cur, unsigned *tag,
                                              size_t *hdr_len, size_t *body_len)
{
    const uint8_t *p = cur->data;
    size_t n = cur->len;
    size_t len;

    if (n < 2)
        return SP_DER_ERR_TRUNCATED;
    if ((p[0] & 0x1fu) == 0x1fu)
        return SP_DER_ERR_HIGH_TAG;
    *tag = p[0];
    if (p[1] < 0x80u) {
        len = p[1];
        *hdr_len = 2;
    } else if (p[1] == 0x80u) {
        return SP_DER_ERR_INDEFINITE;
    } else {
        size_t nbytes = p[1] & 0x7fu;

        /* Nothing we sign comes near 4 GiB; longer forms are refused. */
        if (nbytes > 4)
            return SP_DER_ERR_LENGTH;
        if (n < 2 + nbytes)
            return SP_DER_ERR_TRUNCATED;
        /* Minimal: no leading zero octet, and the short form when it fits. */
        if (p[2] == 0)
            return SP_DER_ERR_LENGTH;
        len = 0;
        for (size_t i = 0; i < nbytes; i++)
            len = (len << 8) | p[2 + i];
        if (len < 0x80u)
            return SP_DER_ERR_LENGTH;
        *hdr_len = 2 + nbytes;
    }
    if (len > n - *hdr_len)
        return SP_DER_ERR_TRUNCATED;
    *body_len = len;
    return SP_DER_OK;
}

/* Read one element of any tag. `contents` gets its contents octets,
 * `element` (may be NULL) the whole TLV. */
static inline sp_der_err sp_der_get_any(SP_DER *cur, unsigned *tag,
                                        SP_DER *contents, SP_DER *element)
{
    size_t hdr, body;
    unsigned t;
    const uint8_t *start = cur->data;
    sp_der_err rc = sp_der_parse_header_(cur, &t, &hdr, &body);

    if (rc != SP_DER_OK)
        return rc;
    /* Advance first: `contents` or `element` may alias `cur`. */
    cur->data += hdr + body;
    cur->len -= hdr + body;
    if (tag != NULL)
        *tag = t;
    if (contents != NULL)
        sp_der_init(contents, start + hdr, body);
    if (element != NULL)
        sp_der_init(element, start, hdr + body);
    return SP_DER_OK;
}

/* Read one element that must carry `tag`. */
static inline sp_der_err sp_der_get(SP_DER *cur, unsigned tag, SP_DER *contents)
{
    size_t hdr, body;
    unsigned t;
    const uint8_t *start = cur->data;
    sp_der_err rc = sp_der_parse_header_(cur, &t, &hdr, &body);

    if (rc != SP_DER_OK)
        return rc;
    if (t != tag)
        return SP_DER_ERR_UNEXPECTED_TAG;
    cur->data += hdr + body;
    cur->len -= hdr + body;
    sp_der_init(contents, start + hdr, body);
    return SP_DER_OK;
}

/* As sp_der_get, but `element` receives the whole TLV. */
static inline sp_der_err sp_der_get_element(SP_DER *cur, unsigned tag,
                                            SP_DER *element)
{
    if (cur->len == 0)
        return SP_DER_ERR_TRUNCATED;
    if (cur->data[0] != tag)
        return SP_DER_ERR_UNEXPECTED_TAG;
    return sp_der_get_any(cur, NULL, NULL, element);
}

/* Read an element only if the next tag is `tag`; *present says whether it
 * was there. A missing element is not an error. */
static inline sp_der_err sp_der_get_optional(SP_DER *cur, unsigned tag,
                                             SP_DER *contents, int *present)
{
    *present = 0;
    if (cur->len == 0 || cur->data[0] != tag)
        return SP_DER_OK;
    *present = 1;
    return sp_der_get(cur, tag, contents);
}

/* Primitive types. Each reads its tag, checks DER rules and returns a view
 * of the value (no conversion where none is needed). */
sp_der_err sp_der_get_bool(SP_DER *cur, int *value);

/* Validation of an INTEGER's contents: not empty, minimal. */
static inline sp_der_err sp_der_check_integer(const SP_DER *contents)
{
    const uint8_t *p = contents->data;

    if (contents->len == 0)
        return SP_DER_ERR_INTEGER;
    if (contents->len > 1
        && ((p[0] == 0x00u && (p[1] & 0x80u) == 0)
            || (p[0] == 0xffu && (p[1] & 0x80u) != 0)))
        return SP_DER_ERR_INTEGER;
    return SP_DER_OK;
}

/* INTEGER: `contents` is the minimal two's-complement encoding. */
static inline sp_der_err sp_der_get_integer(SP_DER *cur, SP_DER *contents)
{
    SP_DER save = *cur;
    sp_der_err rc = sp_der_get(cur, SP_TAG_INTEGER, contents);

    if (rc == SP_DER_OK && (rc = sp_der_check_integer(contents)) != SP_DER_OK)
        *cur = save;
    return rc;
}

/* Small non-negative INTEGER (fits in 63 bits). */
sp_der_err sp_der_get_uint64(SP_DER *cur, uint64_t *value);
sp_der_err sp_der_get_null(SP_DER *cur);
/* BIT STRING: `bits` is the value after the unused-bits octet, *unused the
 * number of unused bits in the last octet (always 0 for keys). */
sp_der_err sp_der_get_bit_string(SP_DER *cur, SP_DER *bits, unsigned *unused);
/* UTCTime or GeneralizedTime as seconds since 1970-01-01T00:00:00Z.
 * *tag (may be NULL) says which was used. */
sp_der_err sp_der_get_time(SP_DER *cur, int64_t *seconds, unsigned *tag);

/* Validation of an element already read. */
static inline sp_der_err sp_der_check_oid(const SP_DER *contents)
{
    const uint8_t *p = contents->data;
    size_t n = contents->len;
    int at_start = 1;
    unsigned has_80 = 0;

    if (n == 0)
        return SP_DER_ERR_OID;
    /* An octet 80 is wrong only where a subidentifier starts, and most
     * OIDs hold none at all: look for one first, without branches, a word
     * at a time where the OID is that long (the last word may overlap the
     * one before). A word w holds 80 where w ^ 80..80 holds a zero octet:
     * bit 7 of ((x & 7f..) + 7f..) | x is clear exactly for zero octets. */
    if (n >= 4) {
        uint64_t m64 = 0;
        uint32_t m32 = 0;

        if (n >= 8) {
            const uint64_t lo7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
            uint64_t w;
            size_t i;

            for (i = 0; i + 8 <= n; i += 8) {
                memcpy(&w, p + i, 8);
                w ^= ~lo7;
                m64 |= ~(((w & lo7) + lo7) | w | lo7);
            }
            memcpy(&w, p + n - 8, 8);
            w ^= ~lo7;
            m64 |= ~(((w & lo7) + lo7) | w | lo7);
        } else {
            const uint32_t lo7 = 0x7f7f7f7fu;
            uint32_t w;

            memcpy(&w, p, 4);
            w ^= ~lo7;
            m32 |= ~(((w & lo7) + lo7) | w | lo7);
            memcpy(&w, p + n - 4, 4);
            w ^= ~lo7;
            m32 |= ~(((w & lo7) + lo7) | w | lo7);
        }
        has_80 = (m64 | m32) != 0;
    } else {
        for (size_t i = 0; i < n; i++)
            has_80 |= p[i] == 0x80u;
    }
    if (!has_80)
        return (p[n - 1] & 0x80u) == 0 ? SP_DER_OK : SP_DER_ERR_OID;
    for (size_t i = 0; i < n; i++) {
        /* A subidentifier may not start with 0x80 (a leading zero group). */
        if (at_start && p[i] == 0x80u)
            return SP_DER_ERR_OID;
        at_start = (p[i] & 0x80u) == 0;
    }
    /* The last subidentifier must be terminated. */
    return at_start ? SP_DER_OK : SP_DER_ERR_OID;
}

/* OID: `contents` is the encoded arcs (compare with sp_der_equal_bytes). */
static inline sp_der_err sp_der_get_oid(SP_DER *cur, SP_DER *contents)
{
    SP_DER save = *cur;
    sp_der_err rc = sp_der_get(cur, SP_TAG_OID, contents);

    if (rc == SP_DER_OK && (rc = sp_der_check_oid(contents)) != SP_DER_OK)
        *cur = save;
    return rc;
}
/* Characters allowed by the string type identified by `tag`. Unknown string
 * tags fail with SP_DER_ERR_UNEXPECTED_TAG. */
sp_der_err sp_der_check_string(unsigned tag, const SP_DER *contents);
/* Contents of a BIT STRING (also an IMPLICIT one): unused-bits octet 0..7,
 * 0 when there are no bits, unused bits zero. */
sp_der_err sp_der_check_bit_string(const SP_DER *contents);
int sp_der_is_string_tag(unsigned tag);

/* Decode one UTF-8 sequence strictly (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). Returns its length and the code
 * point in *cp, or 0 when p (n > 0 octets) does not start with one. */
size_t sp_utf8_decode(const uint8_t *p, size_t n, uint32_t *cp);

/* Check that `cur` holds exactly one strictly DER-encoded element, walking
 * into every constructed element and checking every primitive it knows. */
sp_der_err sp_der_check_strict(const SP_DER *cur);
/* The same for an element `level` levels below the top of the value it is
 * part of: the nesting limit counts from that top, as a walk of the
 * whole value would. */
sp_der_err sp_der_check_strict_nested(const SP_DER *cur, int level);
/* Whether two encodings of SET OF members are in DER order (X.690 11.6):
 * `prev` may come before `next`. The views are passed by value so that a
 * walk can keep its element in registers: a view written as two words
 * and read back as one 16-octet copy stalls store forwarding, where the
 * strict walk spent about half of its samples. */
int sp_der_set_order_ok(SP_DER prev, SP_DER next);

/* Text form of an OID ("1.2.840.113549.1.1.11") into buf; returns buf.
 * Arcs too large for 64 bits print as "?". */
char *sp_der_oid_to_text(const SP_DER *oid, char *buf, size_t buflen);

/* Parse text OID into DER contents; returns length or 0 on error. */
size_t sp_der_oid_from_text(const char *text, uint8_t *out, size_t outlen);

/* Calendar helpers (proleptic Gregorian, UTC). */
int64_t sp_days_from_civil(int64_t y, unsigned m, unsigned d);
void sp_time_to_text(int64_t seconds, char *buf,
                     size_t buflen); /* ISO 8601 Z */
/* Parse "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" or "@<unix seconds>" */
int sp_time_from_text(const char *text, int64_t *seconds);

#endif
