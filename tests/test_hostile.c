/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hostile inputs: what an attacker who controls a certificate request (or
 * a compromised RA) can put in front of the signing gate. Very large and
 * deeply nested structures, 64 KiB names, thousands of extensions,
 * duplicate extensions and every string type in every subject attribute
 * the engine knows. Each must end in a decision with a reason that names
 * it: a decode error (der.malformed, with the field and the DER error) or
 * the finding of the rule that applies. None may crash, hang or take
 * memory in proportion to anything but the input.
 *
 * The inputs are built here from a compliant Strict mailbox TBS made by
 * libcrypto, changed in one way each. The time and memory each decision
 * takes are printed as figures (never asserted: that is a benchmark's
 * job, not a test's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/crypto.h>

#include "testutil.h"

/* ------------------------------------------------------------------ */
/* A growable DER buffer                                               */

typedef struct big_st {
    uint8_t *p;
    size_t len, cap;
} BIG;

static void big_reserve(BIG *b, size_t extra)
{
    if (b->len + extra <= b->cap)
        return;
    b->cap = (b->len + extra) * 2;
    b->p = OPENSSL_realloc(b->p, b->cap);
    if (b->p == NULL) {
        fprintf(stderr, "test_hostile: out of memory\n");
        abort();
    }
}

static void big_put(BIG *b, const void *data, size_t n)
{
    big_reserve(b, n);
    if (n > 0)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void big_put_hex(BIG *b, const char *hex)
{
    size_t n;
    uint8_t *p = tu_hex(hex, &n);

    big_put(b, p, n);
    OPENSSL_free(p);
}

static void big_put_view(BIG *b, const SP_DER *v)
{
    big_put(b, v->data, v->len);
}

/* Identifier and minimal definite length octets for `len`. */
static size_t der_header(uint8_t out[6], unsigned tag, size_t len)
{
    size_t n = 0;

    out[n++] = (uint8_t)tag;
    if (len < 0x80) {
        out[n++] = (uint8_t)len;
    } else {
        size_t k = 0;

        for (size_t v = len; v != 0; v >>= 8)
            k++;
        out[n++] = (uint8_t)(0x80 | k);
        while (k-- > 0)
            out[n++] = (uint8_t)(len >> (8 * k));
    }
    return n;
}

/* Append tag, length and `content`. */
static void big_put_tlv(BIG *b, unsigned tag, const void *content, size_t len)
{
    uint8_t hdr[6];
    size_t h = der_header(hdr, tag, len);

    big_put(b, hdr, h);
    big_put(b, content, len);
}

/* Wrap everything in `b` in a TLV with `tag`. */
static void big_wrap(BIG *b, unsigned tag)
{
    uint8_t hdr[6];
    size_t h = der_header(hdr, tag, b->len);

    big_reserve(b, h);
    memmove(b->p + h, b->p, b->len);
    memcpy(b->p, hdr, h);
    b->len += h;
}

static void big_free(BIG *b)
{
    OPENSSL_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* `depth` SEQUENCEs, each holding the next, the innermost holding
 * `inner` (may be empty). Built in one pass: the lengths are computed
 * from the inside out first, then the headers written from the outside
 * in, so a million levels cost a million headers, not a million moves. */
static void big_put_nested(BIG *b, size_t depth, const uint8_t *inner,
                           size_t inner_len)
{
    size_t *sizes = OPENSSL_malloc((depth + 1) * sizeof(*sizes));
    uint8_t hdr[6];

    CU_ASSERT_PTR_NOT_NULL_FATAL(sizes);
    sizes[0] = inner_len;
    for (size_t i = 1; i <= depth; i++)
        sizes[i] =
            der_header(hdr, SP_TAG_SEQUENCE, sizes[i - 1]) + sizes[i - 1];
    big_reserve(b, sizes[depth]);
    for (size_t i = depth; i >= 1; i--)
        big_put(b, hdr, der_header(hdr, SP_TAG_SEQUENCE, sizes[i - 1]));
    big_put(b, inner, inner_len);
    OPENSSL_free(sizes);
}

/* ------------------------------------------------------------------ */
/* The compliant template and its variants                             */

static const TU_CA *ca;
static uint8_t *base_der;
static size_t base_len;
static SP_TBS_CERT base;
static SP_POLICY *pol;

static const uint8_t OID_SAN[] = {0x55, 0x1d, 0x11};

/* An ATV SEQUENCE { type, value TLV } appended to `b`, in its own RDN. */
static void put_rdn(BIG *b, const char *oid_hex, unsigned tag,
                    const uint8_t *value, size_t len)
{
    BIG atv = {0};

    big_put_hex(&atv, oid_hex);
    big_put_tlv(&atv, tag, value, len);
    big_wrap(&atv, SP_TAG_SEQUENCE);
    big_wrap(&atv, SP_TAG_SET);
    big_put(b, atv.p, atv.len);
    big_free(&atv);
}

/* The template TBS with `subject` (a whole Name TLV; NULL = the
 * template's) and `exts` (the contents of the Extensions SEQUENCE; NULL =
 * the template's). */
static void assemble(BIG *out, const BIG *subject, const BIG *exts)
{
    SP_DER validity;
    BIG body = {0}, list = {0};

    /* The validity is what lies between the issuer and the subject. */
    validity.data = base.issuer.data + base.issuer.len;
    validity.len = (size_t)(base.subject.data - validity.data);
    big_put_hex(&body, "a003020102");
    big_put_tlv(&body, SP_TAG_INTEGER, base.serial.data, base.serial.len);
    big_put_view(&body, &base.sig_alg);
    big_put_view(&body, &base.issuer);
    big_put_view(&body, &validity);
    if (subject != NULL)
        big_put(&body, subject->p, subject->len);
    else
        big_put_view(&body, &base.subject);
    big_put_view(&body, &base.spki);
    if (exts != NULL) {
        big_put(&list, exts->p, exts->len);
    } else {
        for (size_t i = 0; i < base.n_ext; i++)
            big_put_view(&list, &base.ext[i].element);
    }
    big_wrap(&list, SP_TAG_SEQUENCE);
    big_wrap(&list, SP_TAG_CTX_CONS(3));
    big_put(&body, list.p, list.len);
    big_wrap(&body, SP_TAG_SEQUENCE);
    out->len = 0;
    big_put(out, body.p, body.len);
    big_free(&body);
    big_free(&list);
}

/* The template's extensions, the SAN replaced by `san_value` (the
 * GeneralNames TLV) when not NULL, then `extra` appended. */
static void template_exts(BIG *out, const BIG *san_value, const BIG *extra)
{
    out->len = 0;
    for (size_t i = 0; i < base.n_ext; i++) {
        if (san_value != NULL
            && sp_der_equal_bytes(&base.ext[i].oid, OID_SAN, sizeof(OID_SAN))) {
            BIG e = {0};

            big_put_hex(&e, "0603551d11");
            big_put_tlv(&e, SP_TAG_OCTET_STRING, san_value->p, san_value->len);
            big_wrap(&e, SP_TAG_SEQUENCE);
            big_put(out, e.p, e.len);
            big_free(&e);
            continue;
        }
        big_put_view(out, &base.ext[i].element);
    }
    if (extra != NULL)
        big_put(out, extra->p, extra->len);
}

/* ------------------------------------------------------------------ */
/* Judging with figures                                                */

static long max_rss_kb(void)
{
    struct rusage ru;

    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* Judge `tbs` with the template's CA and print how long the decision
 * took and the process's peak memory after it. */
static const SP_VERDICT *judge(const char *what, const BIG *tbs)
{
    struct timespec t0, t1;
    const SP_VERDICT *v;
    double ms;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    v = tu_judge(pol, tbs->p, tbs->len, ca->issuer);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3
         + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    fprintf(stderr, "    %-44s %9zu bytes %9.3f ms  peak rss %ld KiB  %s\n",
            what, tbs->len, ms, max_rss_kb(), sp_decision_name(v->decision));
    /* A decision is always made, and a refusal always says why. */
    CU_ASSERT(v->decision == SP_DECIDE_ACCEPT
              || v->decision == SP_DECIDE_REFUSE);
    if (v->decision == SP_DECIDE_REFUSE)
        CU_ASSERT(v->findings.n > 0);
    return v;
}

/* The verdict refused the input as undecodable, with DER error `err` in
 * `field`, and the der.malformed finding names both. */
static void assert_decode_error(const SP_VERDICT *v, sp_der_err err,
                                const char *field)
{
    const SP_FINDING *f = tu_finding(v, "der.malformed");

    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    CU_ASSERT_TRUE_FATAL(v->decode_failed);
    CU_ASSERT_EQUAL(v->decode_error.err, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v->decode_error.field);
    if (strcmp(v->decode_error.field, field) != 0)
        fprintf(stderr, "    decode error in %s, expected %s\n",
                v->decode_error.field, field);
    CU_ASSERT_STRING_EQUAL(v->decode_error.field, field);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(f->detail, field));
    CU_ASSERT_PTR_NOT_NULL(strstr(f->detail, sp_der_strerror(err)));
}

/* `code` was found and its detail holds `text`. */
static void assert_finding_says(const SP_VERDICT *v, const char *code,
                                const char *text)
{
    const SP_FINDING *f = tu_finding(v, code);

    if (f == NULL || strstr(f->detail, text) == NULL) {
        fprintf(stderr, "    expected %s saying \"%s\"\n", code, text);
        tu_dump(v, 1);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(f->detail, text));
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void test_template_accepted(void)
{
    BIG tbs = {0};

    /* The reassembled template is the template: accepted. */
    assemble(&tbs, NULL, NULL);
    CU_ASSERT_EQUAL(tbs.len, base_len);
    CU_ASSERT_EQUAL(memcmp(tbs.p, base_der, base_len), 0);
    TU_ASSERT_DECISION(judge("template", &tbs), SP_DECIDE_ACCEPT);
    big_free(&tbs);
}

/* Nesting beyond the limit (32 levels from the top of the TBS) in an
 * issuer-side place, the subject, and inside an extension value, and a
 * million levels: refused by the strict walk at the limit, without
 * walking (or recursing) further. */
static void test_deep_nesting(void)
{
    static const size_t depths[] = {40, 1000, 1000000};
    BIG subject = {0}, exts = {0}, extra = {0}, tbs = {0};
    const SP_VERDICT *v;

    for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
        char what[64];

        /* A subject attribute whose value is nested SEQUENCEs. */
        subject.len = 0;
        {
            BIG atv = {0};

            big_put_hex(&atv, "0603550403");
            big_put_nested(&atv, depths[i], NULL, 0);
            big_wrap(&atv, SP_TAG_SEQUENCE);
            big_wrap(&atv, SP_TAG_SET);
            big_put(&subject, atv.p, atv.len);
            big_free(&atv);
        }
        big_wrap(&subject, SP_TAG_SEQUENCE);
        assemble(&tbs, &subject, NULL);
        snprintf(what, sizeof(what), "subject nested %zu deep", depths[i]);
        v = judge(what, &tbs);
        assert_decode_error(v, SP_DER_ERR_LIMIT, "tbsCertificate");

        /* A non-critical private extension whose value is nested. */
        extra.len = 0;
        {
            BIG value = {0};

            big_put_nested(&value, depths[i], NULL, 0);
            big_put_hex(&extra, "060a2b0601040182c97f0101");
            big_put_tlv(&extra, SP_TAG_OCTET_STRING, value.p, value.len);
            big_wrap(&extra, SP_TAG_SEQUENCE);
            big_free(&value);
        }
        template_exts(&exts, NULL, &extra);
        assemble(&tbs, NULL, &exts);
        snprintf(what, sizeof(what), "extension nested %zu deep", depths[i]);
        v = judge(what, &tbs);
        assert_decode_error(v, SP_DER_ERR_LIMIT, "extensions.extnValue");
    }

    /* The whole input a million SEQUENCEs deep: not a TBS at all. */
    tbs.len = 0;
    big_put_nested(&tbs, 1000000, NULL, 0);
    v = judge("input nested 1000000 deep", &tbs);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    CU_ASSERT_EQUAL(v->kind, SP_KIND_OTHER);
    TU_ASSERT_FINDING(v, "object.unknown");
    big_free(&subject);
    big_free(&exts);
    big_free(&extra);
    big_free(&tbs);
}

/* Multi-megabyte TBSCertificates: a 4 MiB private extension (decodes;
 * the rule on extensions the SBR does not list refuses it and names its
 * OID) and an 8 MiB commonName (the length rule names the attribute and
 * its length in characters). */
static void test_megabyte_tbs(void)
{
    BIG exts = {0}, extra = {0}, tbs = {0}, subject = {0}, value = {0};
    const size_t ext_size = 4u << 20, cn_size = 8u << 20;
    uint8_t *fill = OPENSSL_malloc(cn_size);
    const SP_VERDICT *v;
    char want[64];

    CU_ASSERT_PTR_NOT_NULL_FATAL(fill);
    memset(fill, 'a', cn_size);
    big_put_tlv(&value, SP_TAG_OCTET_STRING, fill, ext_size);
    big_put_hex(&extra, "060a2b0601040182c97f0101");
    big_put_tlv(&extra, SP_TAG_OCTET_STRING, value.p, value.len);
    big_wrap(&extra, SP_TAG_SEQUENCE);
    template_exts(&exts, NULL, &extra);
    assemble(&tbs, NULL, &exts);
    CU_ASSERT(tbs.len > ext_size);
    v = judge("4 MiB private extension", &tbs);
    CU_ASSERT_FALSE(v->decode_failed);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    assert_finding_says(v, "ext.unknown", "1.3.6.1.4.1.42239.1.1");

    put_rdn(&subject, "0603550403", SP_TAG_UTF8STRING, fill, cn_size);
    big_wrap(&subject, SP_TAG_SEQUENCE);
    assemble(&tbs, &subject, NULL);
    v = judge("8 MiB commonName", &tbs);
    CU_ASSERT_FALSE(v->decode_failed);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    snprintf(want, sizeof(want), "%zu characters", cn_size);
    assert_finding_says(v, "subject.attribute_length", want);
    OPENSSL_free(fill);
    big_free(&value);
    big_free(&exts);
    big_free(&extra);
    big_free(&subject);
    big_free(&tbs);
}

/* 64 KiB names: a commonName, an emailAddress and a SAN rfc822Name of
 * 65536 characters, and a SAN with 4096 rfc822Names. */
static void test_64k_names(void)
{
    const size_t n = 65536;
    char *mail = OPENSSL_malloc(n + 1);
    BIG subject = {0}, san = {0}, exts = {0}, tbs = {0};
    const SP_VERDICT *v;

    CU_ASSERT_PTR_NOT_NULL_FATAL(mail);
    /* "aaa...a@example.com", n characters in all */
    memset(mail, 'a', n);
    memcpy(mail + n - strlen("@example.com"), "@example.com",
           strlen("@example.com"));
    mail[n] = '\0';

    put_rdn(&subject, "0603550403", SP_TAG_UTF8STRING, (const uint8_t *)mail,
            n);
    big_wrap(&subject, SP_TAG_SEQUENCE);
    assemble(&tbs, &subject, NULL);
    v = judge("64 KiB commonName", &tbs);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    assert_finding_says(v, "subject.attribute_length", "65536 characters");

    subject.len = 0;
    put_rdn(&subject, "06092a864886f70d010901", SP_TAG_IA5STRING,
            (const uint8_t *)mail, n);
    big_wrap(&subject, SP_TAG_SEQUENCE);
    assemble(&tbs, &subject, NULL);
    v = judge("64 KiB emailAddress", &tbs);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    assert_finding_says(v, "subject.attribute_length", "65536 characters");

    big_put_tlv(&san, SP_TAG_CTX(1), mail, n);
    big_wrap(&san, SP_TAG_SEQUENCE);
    template_exts(&exts, &san, NULL);
    assemble(&tbs, NULL, &exts);
    v = judge("64 KiB SAN rfc822Name", &tbs);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    assert_finding_says(v, "san.mailbox_domain_length",
                        "local part longer than 64 octets");

    san.len = 0;
    for (int i = 0; i < 4096; i++) {
        char m[64];
        int k = snprintf(m, sizeof(m), "user%d@example.com", i);

        big_put_tlv(&san, SP_TAG_CTX(1), m, (size_t)k);
    }
    big_wrap(&san, SP_TAG_SEQUENCE);
    template_exts(&exts, &san, NULL);
    assemble(&tbs, NULL, &exts);
    v = judge("SAN with 4096 rfc822Names", &tbs);
    CU_ASSERT_FALSE(v->decode_failed);
    /* the subject's alice@example.com is not among them */
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    assert_finding_says(v, "subject.cn_unknown_source", "alice@example.com");
    OPENSSL_free(mail);
    big_free(&subject);
    big_free(&san);
    big_free(&exts);
    big_free(&tbs);
}

/* One private extension with OID 1.3.6.1.4.1.9471.1.<i>. */
static void put_private_ext(BIG *b, unsigned i)
{
    uint8_t oid[16] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xc9, 0x7f, 0x01};
    size_t n = 9;
    BIG e = {0};

    if (i >= 128)
        oid[n++] = (uint8_t)(0x80 | (i >> 7));
    oid[n++] = (uint8_t)(i & 0x7f);
    big_put_tlv(&e, SP_TAG_OID, oid, n);
    big_put_hex(&e, "04020500");
    big_wrap(&e, SP_TAG_SEQUENCE);
    big_put(b, e.p, e.len);
    big_free(&e);
}

/* Thousands of extensions: up to SP_MAX_EXTENSIONS decode (and each
 * unknown one is a finding; those beyond SP_MAX_FINDINGS are counted),
 * one more is a decode error naming the limit. */
static void test_many_extensions(void)
{
    static const unsigned counts[] = {SP_MAX_EXTENSIONS, SP_MAX_EXTENSIONS + 1,
                                      5000, 16000};
    BIG exts = {0}, extra = {0}, tbs = {0};

    for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
        /* the template's own extensions count towards the limit */
        unsigned total = counts[c], own = (unsigned)base.n_ext;
        const SP_VERDICT *v;
        char what[64];

        extra.len = 0;
        for (unsigned i = 0; i + own < total; i++)
            put_private_ext(&extra, i);
        template_exts(&exts, NULL, &extra);
        assemble(&tbs, NULL, &exts);
        snprintf(what, sizeof(what), "%u extensions", total);
        v = judge(what, &tbs);
        if (total <= SP_MAX_EXTENSIONS) {
            CU_ASSERT_FALSE(v->decode_failed);
            CU_ASSERT_EQUAL(v->tbs.cert.n_ext, total);
            TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
            CU_ASSERT_EQUAL(tu_has_finding(v, "ext.unknown"),
                            (int)(total - own) > SP_MAX_FINDINGS
                                ? tu_has_finding(v, "ext.unknown")
                                : (int)(total - own));
        } else {
            assert_decode_error(v, SP_DER_ERR_LIMIT, "extensions");
        }
    }
    big_free(&exts);
    big_free(&extra);
    big_free(&tbs);
}

/* Duplicate extensions: every extension of the template twice, and one
 * of them 40 times. Each repeated OID is named. */
static void test_duplicate_extensions(void)
{
    BIG exts = {0}, extra = {0}, tbs = {0};
    const SP_VERDICT *v;
    char oid[64];

    for (size_t i = 0; i < base.n_ext; i++) {
        extra.len = 0;
        big_put_view(&extra, &base.ext[i].element);
        template_exts(&exts, NULL, &extra);
        assemble(&tbs, NULL, &exts);
        v = judge("one extension twice", &tbs);
        TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
        sp_der_oid_to_text(&base.ext[i].oid, oid, sizeof(oid));
        assert_finding_says(v, "ext.duplicate", oid);
    }
    extra.len = 0;
    for (int k = 0; k < 39; k++)
        big_put_view(&extra, &base.ext[0].element);
    template_exts(&exts, NULL, &extra);
    assemble(&tbs, NULL, &exts);
    v = judge("one extension 40 times", &tbs);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    sp_der_oid_to_text(&base.ext[0].oid, oid, sizeof(oid));
    assert_finding_says(v, "ext.duplicate", oid);
    big_free(&exts);
    big_free(&extra);
    big_free(&tbs);
}

/* Every string type in every subject attribute of SBR 7.1.4.2. */
typedef enum { ENC_DIRECTORY, ENC_PRINTABLE, ENC_IA5, ENC_ORGID } enc_class;

static const struct {
    const char *name;
    const char *oid_hex; /* the OID TLV */
    enc_class enc;
    const char *value; /* a value fit for the attribute */
} attrs[] = {
    {"commonName", "0603550403", ENC_DIRECTORY, "alice@example.com"},
    {"organizationName", "060355040a", ENC_DIRECTORY, "Example"},
    {"organizationalUnitName", "060355040b", ENC_DIRECTORY, "Unit"},
    {"organizationIdentifier", "0603550461", ENC_ORGID, "NTRDE-HRB1234"},
    {"givenName", "060355042a", ENC_DIRECTORY, "Alice"},
    {"surname", "0603550404", ENC_DIRECTORY, "Liddell"},
    {"pseudonym", "0603550441", ENC_DIRECTORY, "Al"},
    {"serialNumber", "0603550405", ENC_PRINTABLE, "A1234"},
    {"emailAddress", "06092a864886f70d010901", ENC_IA5, "alice@example.com"},
    {"title", "060355040c", ENC_DIRECTORY, "Dr"},
    {"streetAddress", "0603550409", ENC_DIRECTORY, "Main Street 1"},
    {"localityName", "0603550407", ENC_DIRECTORY, "Berlin"},
    {"stateOrProvinceName", "0603550408", ENC_DIRECTORY, "Berlin"},
    {"postalCode", "0603550411", ENC_DIRECTORY, "10115"},
    {"countryName", "0603550406", ENC_PRINTABLE, "DE"},
};

static const struct {
    const char *name;
    unsigned tag;
} string_types[] = {
    {"PrintableString", SP_TAG_PRINTABLESTRING},
    {"UTF8String", SP_TAG_UTF8STRING},
    {"IA5String", SP_TAG_IA5STRING},
    {"BMPString", SP_TAG_BMPSTRING},
    {"UniversalString", SP_TAG_UNIVERSALSTRING},
    {"TeletexString", SP_TAG_T61STRING},
    {"VisibleString", SP_TAG_VISIBLESTRING},
    {"NumericString", 0x12u},
};

static int encoding_allowed(enc_class enc, unsigned tag)
{
    switch (enc) {
    case ENC_PRINTABLE:
        return tag == SP_TAG_PRINTABLESTRING;
    case ENC_IA5:
        return tag == SP_TAG_IA5STRING;
    case ENC_ORGID:
        return tag == SP_TAG_PRINTABLESTRING || tag == SP_TAG_UTF8STRING;
    case ENC_DIRECTORY:
        return tag == SP_TAG_PRINTABLESTRING || tag == SP_TAG_UTF8STRING
               || tag == SP_TAG_T61STRING || tag == SP_TAG_BMPSTRING
               || tag == SP_TAG_UNIVERSALSTRING;
    }
    return 0;
}

/* `text` (ASCII) in the encoding of `tag`: two or four octets a
 * character for BMPString and UniversalString; digits only for
 * NumericString (which can hold nothing else). */
static size_t encode_value(unsigned tag, const char *text, uint8_t *out)
{
    size_t n = strlen(text), k = 0;

    if (tag == 0x12u) {
        memcpy(out, "12", 2);
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (tag == SP_TAG_BMPSTRING) {
            out[k++] = 0;
        } else if (tag == SP_TAG_UNIVERSALSTRING) {
            out[k++] = 0;
            out[k++] = 0;
            out[k++] = 0;
        }
        out[k++] = (uint8_t)text[i];
    }
    return k;
}

static void test_every_string_type(void)
{
    BIG subject = {0}, tbs = {0};
    int judged = 0;

    for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
        for (size_t s = 0; s < sizeof(string_types) / sizeof(string_types[0]);
             s++) {
            unsigned tag = string_types[s].tag;
            uint8_t value[256];
            size_t n = encode_value(tag, attrs[a].value, value);
            const SP_VERDICT *v;
            char what[96];
            int printable_ok = 1;

            /* PrintableString cannot hold '@': that value is refused
             * by the decoder as a bad string, with its own reason. */
            if (tag == SP_TAG_PRINTABLESTRING
                && strchr(attrs[a].value, '@') != NULL)
                printable_ok = 0;
            /* The template's CN (so the mailbox stays named), then the
             * attribute under test in its own RDN. */
            subject.len = 0;
            if (a != 0)
                put_rdn(&subject, "0603550403", SP_TAG_UTF8STRING,
                        (const uint8_t *)"alice@example.com", 17);
            put_rdn(&subject, attrs[a].oid_hex, tag, value, n);
            big_wrap(&subject, SP_TAG_SEQUENCE);
            assemble(&tbs, &subject, NULL);
            snprintf(what, sizeof(what), "%s as %s", attrs[a].name,
                     string_types[s].name);
            v = judge(what, &tbs);
            judged++;
            if (tag == SP_TAG_VISIBLESTRING) {
                /* OpenSSL's X.509 Name cannot hold one (see tbs.c) */
                assert_decode_error(v, SP_DER_ERR_UNEXPECTED_TAG, "subject");
            } else if (!printable_ok) {
                assert_decode_error(v, SP_DER_ERR_STRING, "tbsCertificate");
            } else if (!encoding_allowed(attrs[a].enc, tag)) {
                TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
                assert_finding_says(v, "subject.attribute_encoding",
                                    attrs[a].name);
                assert_finding_says(v, "subject.attribute_encoding",
                                    tag == 0x12u ? "a non-string type"
                                                 : string_types[s].name);
            } else if (attrs[a].enc == ENC_DIRECTORY && tag != SP_TAG_UTF8STRING
                       && tag != SP_TAG_PRINTABLESTRING) {
                /* allowed, but a warning says which type to use */
                assert_finding_says(v, "subject.directorystring_type",
                                    string_types[s].name);
                TU_ASSERT_NO_FINDING(v, "subject.attribute_encoding");
            } else {
                TU_ASSERT_NO_FINDING(v, "subject.attribute_encoding");
                TU_ASSERT_NO_FINDING(v, "subject.directorystring_type");
            }
        }
    }
    CU_ASSERT_EQUAL(judged, 15 * 8);
    big_free(&subject);
    big_free(&tbs);
}

static int suite_init(void)
{
    X509 *cert;
    SP_DECODE_ERROR where;

    ca = tu_issuing_ca("p256");
    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    base_der = tu_cert_tbs(cert, ca, NULL, &base_len);
    X509_free(cert);
    pol = tu_policy();
    return sp_tbs_cert_decode(base_der, base_len, &base, &where) == SP_DER_OK
                   && pol != NULL
               ? 0
               : 1;
}

int main(void)
{
    static const TU_TEST tests[] = {
        {"template reassembled is accepted", test_template_accepted},
        {"nesting beyond the limit", test_deep_nesting},
        {"multi-megabyte TBS", test_megabyte_tbs},
        {"64 KiB names", test_64k_names},
        {"thousands of extensions", test_many_extensions},
        {"duplicate extensions", test_duplicate_extensions},
        {"every string type in every attribute", test_every_string_type},
        {NULL, NULL},
    };
    int rc;

    tu_init();
    if (suite_init() != 0) {
        fprintf(stderr, "test_hostile: cannot make the template\n");
        return 1;
    }
    tu_add_suite("hostile", tests);
    rc = tu_run();
    sp_policy_free(pol);
    OPENSSL_free(base_der);
    return rc;
}
