/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TBSCertificate and TBSCertList decoding into read-only views.
 *
 * The input is first checked to be exactly one strictly DER-encoded value
 * (sp_der_check_strict), then decoded field by field. Every failure records
 * the field being read and the byte offset, so a refusal can say where the
 * encoding broke. A TBSCertificate is first tried in one pass that gives
 * the same result when it accepts (see sp_tbs_cert_decode).
 */
#include <stddef.h>
#include <string.h>

#include "tbs.h"

typedef struct decoder_st {
    const uint8_t *base; /* start of the input, for offsets */
    SP_DECODE_ERROR *where;
    /* Set on the one-pass path of sp_tbs_cert_decode: the whole-TBS
     * strict walk was not run, so the decoder walks, strictly, the parts
     * it does not read itself (names, algorithm parameters). */
    int one_pass;
} DECODER;

/* `at` is where in the input the failing read began. A position, not a
 * view: no view's address escapes to this out-of-line function, so the
 * decoder's cursors can stay in registers (a cursor kept in memory,
 * advanced as two words and copied back as one 16-octet load, stalls
 * store forwarding on every read). */
static sp_der_err fail(DECODER *dec, sp_der_err err, const char *field,
                       const uint8_t *at)
{
    if (dec->where != NULL) {
        dec->where->err = err;
        dec->where->field = field;
        dec->where->offset = at != NULL ? (size_t)(at - dec->base) : 0;
    }
    return err;
}

/* Run `expr`; on error record `field` at the position of `cur`. */
#define TRY(dec, field, cur, expr)                                             \
    do {                                                                       \
        const uint8_t *at_ = (cur)->data;                                      \
        sp_der_err rc_ = (expr);                                               \
        if (rc_ != SP_DER_OK)                                                  \
            return fail((dec), rc_, (field), at_);                             \
    } while (0)

/* Propagate an error a nested decoder has already recorded. */
#define PASS(expr)                                                             \
    do {                                                                       \
        sp_der_err rc_ = (expr);                                               \
        if (rc_ != SP_DER_OK)                                                  \
            return rc_;                                                        \
    } while (0)

/* AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
 */
static sp_der_err decode_algid(DECODER *dec, SP_DER *cur, const char *field,
                               int level, SP_DER *whole, SP_DER *oid,
                               SP_DER *params)
{
    SP_DER body;

    TRY(dec, field, cur, sp_der_get_element(cur, SP_TAG_SEQUENCE, whole));
    body = *whole;
    TRY(dec, field, &body, sp_der_get(&body, SP_TAG_SEQUENCE, &body));
    TRY(dec, field, &body, sp_der_get_oid(&body, oid));
    if (params != NULL)
        sp_der_init(params, body.data, body.len);
    if (!sp_der_empty(&body)) {
        SP_DER param_elem;

        TRY(dec, field, &body, sp_der_get_any(&body, NULL, NULL, &param_elem));
        if (!sp_der_empty(&body))
            return fail(dec, SP_DER_ERR_TRAILING, field, body.data);
        if (dec->one_pass)
            TRY(dec, field, &param_elem,
                sp_der_check_strict_nested(&param_elem, level + 1));
    }
    return SP_DER_OK;
}

/* Whether an AttributeValue of this tag may stand in a Name. The syntax
 * is ANY, but OpenSSL's X.509 Name (X509_NAME_ENTRY, an MSTRING of
 * B_ASN1_PRINTABLE) reads only these: a character string other than
 * VisibleString, a BIT STRING (x500UniqueIdentifier) or a SEQUENCE. A
 * certificate it cannot read is not one to sign, and the decoder must
 * never accept what d2i_X509 refuses (fuzz/fuzz_x509.c checks that). */
static int name_value_tag_ok(unsigned tag)
{
    return (sp_der_is_string_tag(tag) && tag != SP_TAG_VISIBLESTRING)
           || tag == SP_TAG_BIT_STRING || tag == SP_TAG_SEQUENCE;
}

/* Name ::= SEQUENCE OF RelativeDistinguishedName
 * RDN  ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
 * ATV  ::= SEQUENCE { type OID, value ANY } */
static sp_der_err decode_name(DECODER *dec, SP_DER *cur, const char *field,
                              int level, SP_DER *whole, SP_DER *rdns)
{
    SP_DER seq;

    TRY(dec, field, cur, sp_der_get_element(cur, SP_TAG_SEQUENCE, whole));
    seq = *whole;
    TRY(dec, field, &seq, sp_der_get(&seq, SP_TAG_SEQUENCE, rdns));
    seq = *rdns;
    while (!sp_der_empty(&seq)) {
        SP_DER rdn, prev = {NULL, 0};

        TRY(dec, field, &seq, sp_der_get(&seq, SP_TAG_SET, &rdn));
        if (sp_der_empty(&rdn))
            return fail(dec, SP_DER_ERR_RANGE, field, rdn.data);
        while (!sp_der_empty(&rdn)) {
            SP_DER atv, type, value, elem = rdn;
            unsigned tag;

            TRY(dec, field, &rdn, sp_der_get(&rdn, SP_TAG_SEQUENCE, &atv));
            TRY(dec, field, &atv, sp_der_get_oid(&atv, &type));
            TRY(dec, field, &atv, sp_der_get_any(&atv, &tag, NULL, &value));
            if (!sp_der_empty(&atv))
                return fail(dec, SP_DER_ERR_TRAILING, field, atv.data);
            if (!name_value_tag_ok(tag))
                return fail(dec, SP_DER_ERR_UNEXPECTED_TAG, field, value.data);
            if (!dec->one_pass)
                continue;
            /* What the strict walk of the Name adds to the reads above:
             * the value, of any type, at its level (Name > SET >
             * SEQUENCE > value), and the DER order of the SET. */
            elem.len = (size_t)(rdn.data - elem.data);
            TRY(dec, field, &value,
                sp_der_check_strict_nested(&value, level + 3));
            if (prev.data != NULL && !sp_der_set_order_ok(prev, elem))
                return fail(dec, SP_DER_ERR_ORDER, field, elem.data);
            prev = elem;
        }
    }
    return SP_DER_OK;
}

/* Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
 * Extension  ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 *                           extnValue OCTET STRING } */
static sp_der_err decode_extensions(DECODER *dec, SP_DER *list,
                                    SP_EXTENSION *ext, size_t *n_ext)
{
    static const char field[] = "extensions";
    size_t n = 0;

    if (sp_der_empty(list))
        return fail(dec, SP_DER_ERR_RANGE, field, list->data);
    while (!sp_der_empty(list)) {
        /* Read into locals and stored once: a view written through `e`
         * and copied back from it stalls store forwarding. */
        SP_DER element, body, oid, value;
        int critical = 0;
        SP_EXTENSION *e;

        if (n == SP_MAX_EXTENSIONS)
            return fail(dec, SP_DER_ERR_LIMIT, field, list->data);
        TRY(dec, field, list,
            sp_der_get_element(list, SP_TAG_SEQUENCE, &element));
        body = element;
        TRY(dec, field, &body, sp_der_get(&body, SP_TAG_SEQUENCE, &body));
        TRY(dec, "extensions.extnID", &body, sp_der_get_oid(&body, &oid));
        if (sp_der_peek_tag(&body) == SP_TAG_BOOLEAN) {
            TRY(dec, "extensions.critical", &body,
                sp_der_get_bool(&body, &critical));
            if (!critical) /* FALSE is the DEFAULT: DER omits it */
                return fail(dec, SP_DER_ERR_DEFAULT, "extensions.critical",
                            body.data);
        }
        TRY(dec, "extensions.extnValue", &body,
            sp_der_get(&body, SP_TAG_OCTET_STRING, &value));
        if (!sp_der_empty(&body))
            return fail(dec, SP_DER_ERR_TRAILING, "extensions", body.data);
        e = &ext[n];
        e->element = element;
        e->oid = oid;
        e->critical = critical;
        e->value = value;
        /* The value is itself one DER value of the extension's type. */
        TRY(dec, "extensions.extnValue", &value,
            sp_der_check_strict(&e->value));
        n++;
    }
    *n_ext = n;
    return SP_DER_OK;
}

static sp_der_err decode_spki(DECODER *dec, SP_DER *cur, SP_TBS_CERT *out)
{
    static const char field[] = "subjectPublicKeyInfo";
    SP_DER body;
    unsigned unused;

    TRY(dec, field, cur, sp_der_get_element(cur, SP_TAG_SEQUENCE, &out->spki));
    body = out->spki;
    TRY(dec, field, &body, sp_der_get(&body, SP_TAG_SEQUENCE, &body));
    PASS(decode_algid(dec, &body, "subjectPublicKeyInfo.algorithm", 2,
                      &out->spki_alg, &out->spki_alg_oid,
                      &out->spki_alg_params));
    TRY(dec, "subjectPublicKeyInfo.subjectPublicKey", &body,
        sp_der_get_bit_string(&body, &out->spki_key, &unused));
    if (unused != 0)
        return fail(dec, SP_DER_ERR_BIT_STRING,
                    "subjectPublicKeyInfo.subjectPublicKey", body.data);
    if (!sp_der_empty(&body))
        return fail(dec, SP_DER_ERR_TRAILING, field, body.data);
    return SP_DER_OK;
}

static sp_der_err cert_decode(const uint8_t *der, size_t len, SP_TBS_CERT *out,
                              SP_DECODE_ERROR *where, int one_pass)
{
    DECODER dec = {der, where, one_pass};
    SP_DER in, body, validity;
    int present;

    /* Everything before the extension array; n_ext says how much of the
     * array is valid. */
    memset(out, 0, offsetof(SP_TBS_CERT, ext));
    if (where != NULL)
        memset(where, 0, sizeof(*where));
    sp_der_init(&in, der, len);
    if (!one_pass)
        TRY(&dec, "tbsCertificate", &in, sp_der_check_strict(&in));
    TRY(&dec, "tbsCertificate", &in,
        sp_der_get_element(&in, SP_TAG_SEQUENCE, &out->der));
    if (one_pass && !sp_der_empty(&in))
        return fail(&dec, SP_DER_ERR_TRAILING, "tbsCertificate", in.data);
    body = out->der;
    TRY(&dec, "tbsCertificate", &body,
        sp_der_get(&body, SP_TAG_SEQUENCE, &body));

    /* version [0] EXPLICIT INTEGER DEFAULT v1 */
    out->version = 0;
    if (sp_der_peek_tag(&body) == SP_TAG_CTX_CONS(0)) {
        SP_DER vbody;
        uint64_t v;

        TRY(&dec, "version", &body,
            sp_der_get(&body, SP_TAG_CTX_CONS(0), &vbody));
        TRY(&dec, "version", &vbody, sp_der_get_uint64(&vbody, &v));
        if (!sp_der_empty(&vbody))
            return fail(&dec, SP_DER_ERR_TRAILING, "version", vbody.data);
        if (v == 0)
            return fail(&dec, SP_DER_ERR_DEFAULT, "version", vbody.data);
        if (v > 2)
            return fail(&dec, SP_DER_ERR_RANGE, "version", vbody.data);
        out->version = (unsigned)v;
    }
    TRY(&dec, "serialNumber", &body, sp_der_get_integer(&body, &out->serial));
    PASS(decode_algid(&dec, &body, "signature", 1, &out->sig_alg,
                      &out->sig_alg_oid, NULL));
    PASS(
        decode_name(&dec, &body, "issuer", 1, &out->issuer, &out->issuer_rdns));
    TRY(&dec, "validity", &body, sp_der_get(&body, SP_TAG_SEQUENCE, &validity));
    TRY(&dec, "validity.notBefore", &validity,
        sp_der_get_time(&validity, &out->not_before, &out->not_before_tag));
    TRY(&dec, "validity.notAfter", &validity,
        sp_der_get_time(&validity, &out->not_after, &out->not_after_tag));
    if (!sp_der_empty(&validity))
        return fail(&dec, SP_DER_ERR_TRAILING, "validity", validity.data);
    PASS(decode_name(&dec, &body, "subject", 1, &out->subject,
                     &out->subject_rdns));
    PASS(decode_spki(&dec, &body, out));

    /* issuerUniqueID [1] IMPLICIT BIT STRING, subjectUniqueID [2] */
    {
        SP_DER uid;

        /* IMPLICIT BIT STRINGs: the strict walk leaves [n] primitive
         * contents to the decoder (fuzz_x509 found an unused-bits octet
         * above 7 accepted here; d2i_X509 refuses it). */
        TRY(&dec, "issuerUniqueID", &body,
            sp_der_get_optional(&body, SP_TAG_CTX(1), &uid, &present));
        if (present)
            TRY(&dec, "issuerUniqueID", &uid, sp_der_check_bit_string(&uid));
        out->has_issuer_uid = present;
        TRY(&dec, "subjectUniqueID", &body,
            sp_der_get_optional(&body, SP_TAG_CTX(2), &uid, &present));
        if (present)
            TRY(&dec, "subjectUniqueID", &uid, sp_der_check_bit_string(&uid));
        out->has_subject_uid = present;
    }
    /* extensions [3] EXPLICIT Extensions */
    if (sp_der_peek_tag(&body) == SP_TAG_CTX_CONS(3)) {
        SP_DER wrapper, list;

        TRY(&dec, "extensions", &body,
            sp_der_get(&body, SP_TAG_CTX_CONS(3), &wrapper));
        TRY(&dec, "extensions", &wrapper,
            sp_der_get(&wrapper, SP_TAG_SEQUENCE, &list));
        if (!sp_der_empty(&wrapper))
            return fail(&dec, SP_DER_ERR_TRAILING, "extensions", wrapper.data);
        out->has_extensions = 1;
        PASS(decode_extensions(&dec, &list, out->ext, &out->n_ext));
    }
    if (!sp_der_empty(&body))
        return fail(&dec, SP_DER_ERR_TRAILING, "tbsCertificate", body.data);
    return SP_DER_OK;
}

/* Two passes, the strict walk of the whole TBS and then the decoder, are
 * what defines the result. The one-pass decoder reads every field with
 * the same checks and walks strictly only what it does not read itself
 * (attribute values and the order of RDN SETs, algorithm parameters, at
 * their nesting level in the TBS, so the depth limit is the same): when it
 * accepts, the two passes accept with the same view. When it does not, the two
 * passes run, so that a refusal names the field, offset and error it always
 * named. */
sp_der_err sp_tbs_cert_decode(const uint8_t *der, size_t len, SP_TBS_CERT *out,
                              SP_DECODE_ERROR *where)
{
    if (cert_decode(der, len, out, NULL, 1) == SP_DER_OK) {
        if (where != NULL)
            memset(where, 0, sizeof(*where));
        return SP_DER_OK;
    }
    return cert_decode(der, len, out, where, 0);
}

/* TBSCertList ::= SEQUENCE {
 *   version INTEGER OPTIONAL (v2 = 1), signature AlgorithmIdentifier,
 *   issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
 *   revokedCertificates SEQUENCE OF SEQUENCE {
 *       userCertificate INTEGER, revocationDate Time,
 *       crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *   crlExtensions [0] EXPLICIT Extensions OPTIONAL } */
sp_der_err sp_tbs_crl_decode(const uint8_t *der, size_t len, SP_TBS_CRL *out,
                             SP_DECODE_ERROR *where)
{
    DECODER dec = {der, where, 0};
    SP_DER in, body, oid, rdns;
    unsigned tag;

    memset(out, 0, offsetof(SP_TBS_CRL, ext));
    if (where != NULL)
        memset(where, 0, sizeof(*where));
    sp_der_init(&in, der, len);
    TRY(&dec, "tbsCertList", &in, sp_der_check_strict(&in));
    TRY(&dec, "tbsCertList", &in,
        sp_der_get_element(&in, SP_TAG_SEQUENCE, &out->der));
    body = out->der;
    TRY(&dec, "tbsCertList", &body, sp_der_get(&body, SP_TAG_SEQUENCE, &body));
    if (sp_der_peek_tag(&body) == SP_TAG_INTEGER) {
        uint64_t v;

        TRY(&dec, "version", &body, sp_der_get_uint64(&body, &v));
        if (v != 1)
            return fail(&dec, SP_DER_ERR_RANGE, "version", body.data);
        out->has_version = 1;
    }
    PASS(decode_algid(&dec, &body, "signature", 1, &out->sig_alg, &oid, NULL));
    PASS(decode_name(&dec, &body, "issuer", 1, &out->issuer, &rdns));
    TRY(&dec, "thisUpdate", &body,
        sp_der_get_time(&body, &out->this_update, NULL));
    tag = sp_der_peek_tag(&body);
    if (tag == SP_TAG_UTCTIME || tag == SP_TAG_GENERALIZEDTIME) {
        TRY(&dec, "nextUpdate", &body,
            sp_der_get_time(&body, &out->next_update, NULL));
        out->has_next_update = 1;
    }
    if (sp_der_peek_tag(&body) == SP_TAG_SEQUENCE) {
        SP_DER list;

        TRY(&dec, "revokedCertificates", &body,
            sp_der_get(&body, SP_TAG_SEQUENCE, &out->revoked));
        list = out->revoked;
        while (!sp_der_empty(&list)) {
            SP_DER entry, serial, exts;
            int64_t when;

            TRY(&dec, "revokedCertificates", &list,
                sp_der_get(&list, SP_TAG_SEQUENCE, &entry));
            TRY(&dec, "revokedCertificates.userCertificate", &entry,
                sp_der_get_integer(&entry, &serial));
            TRY(&dec, "revokedCertificates.revocationDate", &entry,
                sp_der_get_time(&entry, &when, NULL));
            if (!sp_der_empty(&entry)) {
                SP_EXTENSION entry_ext[SP_MAX_EXTENSIONS];
                size_t n;

                TRY(&dec, "revokedCertificates.crlEntryExtensions", &entry,
                    sp_der_get(&entry, SP_TAG_SEQUENCE, &exts));
                PASS(decode_extensions(&dec, &exts, entry_ext, &n));
                if (!sp_der_empty(&entry))
                    return fail(&dec, SP_DER_ERR_TRAILING,
                                "revokedCertificates", entry.data);
            }
            out->n_revoked++;
        }
    }
    if (sp_der_peek_tag(&body) == SP_TAG_CTX_CONS(0)) {
        SP_DER wrapper, list;

        TRY(&dec, "crlExtensions", &body,
            sp_der_get(&body, SP_TAG_CTX_CONS(0), &wrapper));
        TRY(&dec, "crlExtensions", &wrapper,
            sp_der_get(&wrapper, SP_TAG_SEQUENCE, &list));
        if (!sp_der_empty(&wrapper))
            return fail(&dec, SP_DER_ERR_TRAILING, "crlExtensions",
                        wrapper.data);
        PASS(decode_extensions(&dec, &list, out->ext, &out->n_ext));
    }
    if (!sp_der_empty(&body))
        return fail(&dec, SP_DER_ERR_TRAILING, "tbsCertList", body.data);
    return SP_DER_OK;
}

/* Classify by the shape of the first few top-level fields (see
 * openssl-signing-path notes): certificates start with [0] version and an
 * INTEGER, or (v1) INTEGER, SEQUENCE, SEQUENCE, SEQUENCE; CRLs have a Time
 * where a certificate has its validity SEQUENCE; OCSP ResponseData has a
 * [1]/[2] responderID followed by GeneralizedTime producedAt. */
sp_kind sp_classify(const uint8_t *der, size_t len)
{
    SP_DER in, body;
    unsigned tags[5] = {0};
    size_t n = 0;

    sp_der_init(&in, der, len);
    if (sp_der_get(&in, SP_TAG_SEQUENCE, &body) != SP_DER_OK
        || !sp_der_empty(&in))
        return SP_KIND_OTHER;
    while (n < 5 && !sp_der_empty(&body)) {
        if (sp_der_get_any(&body, &tags[n], NULL, NULL) != SP_DER_OK)
            return SP_KIND_OTHER;
        n++;
    }
    if (n < 3)
        return SP_KIND_OTHER;
    if (tags[0] == SP_TAG_CTX_CONS(0)) {
        if (tags[1] == SP_TAG_INTEGER)
            return SP_KIND_CERT;
        if ((tags[1] == SP_TAG_CTX_CONS(1) || tags[1] == SP_TAG_CTX_CONS(2))
            && tags[2] == SP_TAG_GENERALIZEDTIME)
            return SP_KIND_OCSP;
        return SP_KIND_OTHER;
    }
    if ((tags[0] == SP_TAG_CTX_CONS(1) || tags[0] == SP_TAG_CTX_CONS(2))
        && tags[1] == SP_TAG_GENERALIZEDTIME)
        return SP_KIND_OCSP;
    /* Skip a CRL's version / a v1 certificate's serial. */
    {
        size_t i = tags[0] == SP_TAG_INTEGER ? 1 : 0;

        if (n < i + 3 || tags[i] != SP_TAG_SEQUENCE
            || tags[i + 1] != SP_TAG_SEQUENCE)
            return SP_KIND_OTHER;
        if (tags[i + 2] == SP_TAG_UTCTIME
            || tags[i + 2] == SP_TAG_GENERALIZEDTIME)
            return SP_KIND_CRL;
        if (i == 1 && tags[i + 2] == SP_TAG_SEQUENCE)
            return SP_KIND_CERT;
    }
    return SP_KIND_OTHER;
}

const char *sp_kind_name(sp_kind kind)
{
    switch (kind) {
    case SP_KIND_CERT:
        return "certificate";
    case SP_KIND_CRL:
        return "crl";
    case SP_KIND_OCSP:
        return "ocsp";
    default:
        return "other";
    }
}

const SP_EXTENSION *sp_tbs_find_ext(const SP_TBS_CERT *tbs, const uint8_t *oid,
                                    size_t oid_len)
{
    for (size_t i = 0; i < tbs->n_ext; i++) {
        if (sp_der_equal_bytes(&tbs->ext[i].oid, oid, oid_len))
            return &tbs->ext[i];
    }
    return NULL;
}

/* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
 *                            signatureValue BIT STRING }
 * (CertificateList has the same shape.) */
sp_der_err sp_cert_split(const uint8_t *der, size_t len, SP_DER *tbs,
                         SP_DER *outer_sig_alg, SP_DECODE_ERROR *where)
{
    DECODER dec = {der, where, 0};
    SP_DER in, body, bits, oid;

    if (where != NULL)
        memset(where, 0, sizeof(*where));
    sp_der_init(&in, der, len);
    TRY(&dec, "certificate", &in, sp_der_get(&in, SP_TAG_SEQUENCE, &body));
    if (!sp_der_empty(&in))
        return fail(&dec, SP_DER_ERR_TRAILING, "certificate", in.data);
    TRY(&dec, "tbsCertificate", &body,
        sp_der_get_element(&body, SP_TAG_SEQUENCE, tbs));
    PASS(decode_algid(&dec, &body, "signatureAlgorithm", 1, outer_sig_alg, &oid,
                      NULL));
    /* Nothing else walks the outer AlgorithmIdentifier strictly (the TBS
     * decoder walks only the TBS): its parameters must be DER too. */
    TRY(&dec, "signatureAlgorithm", outer_sig_alg,
        sp_der_check_strict_nested(outer_sig_alg, 1));
    TRY(&dec, "signatureValue", &body,
        sp_der_get_bit_string(&body, &bits, NULL));
    if (!sp_der_empty(&body))
        return fail(&dec, SP_DER_ERR_TRAILING, "certificate", body.data);
    return SP_DER_OK;
}
