/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the strict DER reader (der.h) and the TBS decoder
 * (tbs.h) on arbitrary bytes.
 *
 * Besides "no crash, no out-of-bounds read", it checks the promises the
 * headers make, each of which a rule somewhere relies on:
 *  - a cursor read either consumes exactly one element or leaves the
 *    cursor where it was;
 *  - every view the decoders return lies inside the input;
 *  - a TBSCertificate the one-pass decoder accepts is accepted by the
 *    strict walk of the whole value too (sp_tbs_cert_decode says the two
 *    paths agree), and one it refuses names a field inside the input;
 *  - an OID the reader accepts prints as text that parses back to the same
 *    octets, and a time it accepts prints as text that parses back to the
 *    same second;
 *  - a UTF-8 sequence the decoder accepts is a Unicode scalar value.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "tbs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* `v` is empty or lies inside [base, base + len). */
static int inside(const SP_DER *v, const uint8_t *base, size_t len)
{
    if (v->len == 0)
        return 1;
    return v->data >= base && v->len <= len
           && (size_t)(v->data - base) <= len - v->len;
}

static void check_oid_round_trip(const SP_DER *oid)
{
    char text[1024];
    uint8_t back[512];
    size_t n;

    if (sp_der_check_oid(oid) != SP_DER_OK || oid->len > 200)
        return;
    sp_der_oid_to_text(oid, text, sizeof(text));
    /* "?" marks an arc too large for 64 bits: not parseable by design. */
    if (strchr(text, '?') != NULL)
        return;
    n = sp_der_oid_from_text(text, back, sizeof(back));
    if (n != oid->len || memcmp(back, oid->data, n) != 0) {
        fprintf(stderr, "OID %s does not round-trip\n", text);
        abort();
    }
}

static void check_time_round_trip(int64_t seconds)
{
    char text[64];
    int64_t back;

    sp_time_to_text(seconds, text, sizeof(text));
    CHECK(sp_time_from_text(text, &back));
    if (back != seconds) {
        fprintf(stderr, "time %" PRId64 " -> %s -> %" PRId64 "\n", seconds,
                text, back);
        abort();
    }
}

/* Apply every typed reader to the element at the front of `cur`: each
 * must either consume exactly `elem_len` octets or none at all. */
static void check_typed_reads(const SP_DER *cur, size_t elem_len)
{
    SP_DER c, v;
    int b;
    uint64_t u;
    int64_t t;
    unsigned tag, unused;

#define CONSUMED_OR_NOT(rc)                                                    \
    CHECK(((rc) == SP_DER_OK && c.len == cur->len - elem_len                   \
           && c.data == cur->data + elem_len)                                  \
          || ((rc) != SP_DER_OK && c.len == cur->len && c.data == cur->data))

    c = *cur;
    CONSUMED_OR_NOT(sp_der_get_bool(&c, &b));
    c = *cur;
    CONSUMED_OR_NOT(sp_der_get_uint64(&c, &u));
    if (c.data != cur->data)
        CHECK(u <= (uint64_t)INT64_MAX);
    c = *cur;
    CONSUMED_OR_NOT(sp_der_get_null(&c));
    c = *cur;
    CONSUMED_OR_NOT(sp_der_get_integer(&c, &v));
    c = *cur;
    {
        sp_der_err rc = sp_der_get_bit_string(&c, &v, &unused);

        CONSUMED_OR_NOT(rc);
        if (rc == SP_DER_OK)
            CHECK(unused < 8 && (unused == 0 || v.len > 0));
    }
    c = *cur;
    {
        sp_der_err rc = sp_der_get_time(&c, &t, &tag);

        CONSUMED_OR_NOT(rc);
        if (rc == SP_DER_OK) {
            CHECK(tag == SP_TAG_UTCTIME || tag == SP_TAG_GENERALIZEDTIME);
            check_time_round_trip(t);
        }
    }
    c = *cur;
    {
        sp_der_err rc = sp_der_get_oid(&c, &v);

        CONSUMED_OR_NOT(rc);
        if (rc == SP_DER_OK)
            check_oid_round_trip(&v);
    }
#undef CONSUMED_OR_NOT
}

/* Walk the input as a sequence of elements, and each constructed element
 * into its children, to a small depth. */
static void walk(const SP_DER *in, const uint8_t *base, size_t len, int depth)
{
    SP_DER cur = *in;

    while (!sp_der_empty(&cur)) {
        SP_DER before = cur, contents, element;
        unsigned tag;
        sp_der_err rc = sp_der_get_any(&cur, &tag, &contents, &element);

        if (rc != SP_DER_OK) {
            CHECK(cur.data == before.data && cur.len == before.len);
            return;
        }
        CHECK(element.data == before.data);
        CHECK(cur.data == before.data + element.len);
        CHECK(inside(&contents, base, len) && inside(&element, base, len));
        CHECK(contents.data + contents.len == element.data + element.len);
        check_typed_reads(&before, element.len);
        if (sp_der_is_string_tag(tag))
            (void)sp_der_check_string(tag, &contents);
        if ((tag & SP_CONSTRUCTED) != 0 && depth < 8)
            walk(&contents, base, len, depth + 1);
    }
}

static void check_utf8(const uint8_t *data, size_t size)
{
    size_t i = 0;

    while (i < size) {
        uint32_t cp = 0;
        size_t n = sp_utf8_decode(data + i, size - i, &cp);

        if (n == 0) {
            i++;
            continue;
        }
        CHECK(n <= 4 && n <= size - i);
        CHECK(cp <= 0x10ffffu && (cp < 0xd800u || cp > 0xdfffu));
        /* Shortest form: the length is the one the code point needs. */
        CHECK(n
              == (cp < 0x80u      ? 1u
                  : cp < 0x800u   ? 2u
                  : cp < 0x10000u ? 3u
                                  : 4u));
        i += n;
    }
}

static void check_cert(const uint8_t *data, size_t size)
{
    static SP_TBS_CERT tbs;
    SP_DECODE_ERROR where;
    SP_DER in;
    sp_der_err rc = sp_tbs_cert_decode(data, size, &tbs, &where);

    sp_der_init(&in, data, size);
    if (rc != SP_DER_OK) {
        CHECK(where.err == rc && where.field != NULL);
        CHECK(where.offset <= size);
        CHECK(sp_der_strerror(rc) != NULL);
        return;
    }
    /* The one-pass decoder accepted: the strict walk must agree. */
    CHECK(sp_der_check_strict(&in) == SP_DER_OK);
    CHECK(tbs.der.data == data && tbs.der.len == size);
    CHECK(tbs.version <= 2);
    CHECK(tbs.n_ext <= SP_MAX_EXTENSIONS);
    CHECK(tbs.serial.len > 0 && inside(&tbs.serial, data, size));
    CHECK(inside(&tbs.sig_alg, data, size) && inside(&tbs.issuer, data, size)
          && inside(&tbs.subject, data, size) && inside(&tbs.spki, data, size)
          && inside(&tbs.spki_key, data, size)
          && inside(&tbs.spki_alg_params, data, size));
    CHECK(tbs.not_before_tag == SP_TAG_UTCTIME
          || tbs.not_before_tag == SP_TAG_GENERALIZEDTIME);
    check_time_round_trip(tbs.not_before);
    check_time_round_trip(tbs.not_after);
    check_oid_round_trip(&tbs.sig_alg_oid);
    for (size_t i = 0; i < tbs.n_ext; i++) {
        const SP_EXTENSION *e = &tbs.ext[i];

        CHECK(inside(&e->oid, data, size) && inside(&e->value, data, size)
              && inside(&e->element, data, size));
        CHECK(e->critical == 0 || e->critical == 1);
        CHECK(sp_tbs_find_ext(&tbs, e->oid.data, e->oid.len) != NULL);
        check_oid_round_trip(&e->oid);
    }
}

static void check_crl(const uint8_t *data, size_t size)
{
    static SP_TBS_CRL crl;
    SP_DECODE_ERROR where;
    sp_der_err rc = sp_tbs_crl_decode(data, size, &crl, &where);

    if (rc != SP_DER_OK) {
        CHECK(where.err == rc && where.field != NULL && where.offset <= size);
        return;
    }
    CHECK(crl.der.data == data && crl.der.len == size);
    CHECK(crl.n_ext <= SP_MAX_EXTENSIONS);
    CHECK(inside(&crl.revoked, data, size) && inside(&crl.issuer, data, size));
    for (size_t i = 0; i < crl.n_ext; i++)
        CHECK(inside(&crl.ext[i].element, data, size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    SP_DER in, tbs, outer_alg;
    SP_DECODE_ERROR where;
    sp_kind kind;

    sp_der_init(&in, data, size);
    walk(&in, data, size, 0);
    (void)sp_der_check_strict(&in);
    check_utf8(data, size);

    kind = sp_classify(data, size);
    CHECK(sp_kind_name(kind) != NULL);
    check_cert(data, size);
    check_crl(data, size);

    /* A whole certificate: the TBS inside it through the same checks. */
    if (sp_cert_split(data, size, &tbs, &outer_alg, &where) == SP_DER_OK) {
        CHECK(inside(&tbs, data, size) && inside(&outer_alg, data, size));
        check_cert(tbs.data, tbs.len);
    } else {
        CHECK(where.field != NULL && where.offset <= size);
    }
    return 0;
}
