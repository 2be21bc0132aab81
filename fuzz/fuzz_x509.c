/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target, differential: the decoder's view of a whole
 * certificate (sp_cert_split + sp_tbs_cert_decode) against OpenSSL's
 * d2i_X509.
 *
 * The decoder is the stricter of the two (DER only, no BER, no lenient
 * strings or times), so:
 *  - whatever OpenSSL refuses, the decoder refuses too: a certificate the
 *    decoder accepts and OpenSSL does not is a finding;
 *  - when both accept, every field both read agrees: version, serial,
 *    the inner and outer signature AlgorithmIdentifiers, issuer and
 *    subject DER, both validity times (value and UTCTime/GeneralizedTime),
 *    the SubjectPublicKeyInfo DER and its algorithm OID and key bits, the
 *    presence of the unique identifiers, and each extension's OID,
 *    critical flag and value, in order.
 * What OpenSSL accepts and the decoder refuses (BER, lax strings) is the
 * decoder being strict, not a finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "der.h"
#include "tbs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIFF(cond, what)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "differs from d2i_X509: %s\n", (what));            \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* i2d of an OpenSSL object (which keeps the encoding it read) equals the
 * view `v`. */
#define SAME_DER(i2d, obj, v, what)                                            \
    do {                                                                       \
        unsigned char *enc_ = NULL;                                            \
        int n_ = i2d((obj), &enc_);                                            \
        DIFF(n_ > 0 && (size_t)n_ == (v)->len                                  \
                 && memcmp(enc_, (v)->data, (v)->len) == 0,                    \
             (what));                                                          \
        OPENSSL_free(enc_);                                                    \
    } while (0)

static int same_bytes(const SP_DER *v, const unsigned char *p, size_t n)
{
    return v->len == n && (n == 0 || memcmp(v->data, p, n) == 0);
}

/* ASN1_TIME as seconds since the epoch, by the decoder's own calendar. */
static int asn1_time_seconds(const ASN1_TIME *t, int64_t *seconds)
{
    struct tm tm;

    if (!ASN1_TIME_to_tm(t, &tm))
        return 0;
    *seconds = sp_days_from_civil((int64_t)tm.tm_year + 1900,
                                  (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday)
                   * 86400
               + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 1;
}

static void compare_time(const ASN1_TIME *t, int64_t seconds, unsigned tag,
                         const char *what)
{
    int64_t theirs;

    DIFF(asn1_time_seconds(t, &theirs), what);
    DIFF(theirs == seconds, what);
    DIFF((tag == SP_TAG_UTCTIME && ASN1_STRING_type(t) == V_ASN1_UTCTIME)
             || (tag == SP_TAG_GENERALIZEDTIME
                 && ASN1_STRING_type(t) == V_ASN1_GENERALIZEDTIME),
         what);
}

static void compare(X509 *x, const SP_TBS_CERT *tbs, const SP_DER *outer_alg)
{
    const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
    const X509_ALGOR *alg;
    const ASN1_BIT_STRING *iuid, *suid, *sig;
    X509_PUBKEY *pub = X509_get_X509_PUBKEY(x);
    const unsigned char *key;
    int keylen;
    ASN1_OBJECT *key_oid;
    X509_ALGOR *key_alg;
    unsigned char *enc = NULL;
    int n;

    DIFF(X509_get_version(x) == (long)tbs->version, "version");

    /* serial: the decoder keeps the INTEGER contents octets */
    n = i2d_ASN1_INTEGER(serial, &enc);
    DIFF(n > 2 && (size_t)n >= tbs->serial.len
             && same_bytes(&tbs->serial, enc + n - tbs->serial.len,
                           tbs->serial.len),
         "serialNumber");
    OPENSSL_free(enc);

    SAME_DER(i2d_X509_ALGOR, X509_get0_tbs_sigalg(x), &tbs->sig_alg,
             "signature");
    X509_get0_signature(&sig, &alg, x);
    SAME_DER(i2d_X509_ALGOR, alg, outer_alg, "signatureAlgorithm");
    SAME_DER(i2d_X509_NAME, X509_get_issuer_name(x), &tbs->issuer, "issuer");
    SAME_DER(i2d_X509_NAME, X509_get_subject_name(x), &tbs->subject, "subject");
    compare_time(X509_get0_notBefore(x), tbs->not_before, tbs->not_before_tag,
                 "notBefore");
    compare_time(X509_get0_notAfter(x), tbs->not_after, tbs->not_after_tag,
                 "notAfter");

    DIFF(pub != NULL, "subjectPublicKeyInfo");
    SAME_DER(i2d_X509_PUBKEY, pub, &tbs->spki, "subjectPublicKeyInfo");
    DIFF(X509_PUBKEY_get0_param(&key_oid, &key, &keylen, &key_alg, pub),
         "subjectPublicKeyInfo");
    DIFF(same_bytes(&tbs->spki_key, key, (size_t)keylen), "subjectPublicKey");
    DIFF(same_bytes(&tbs->spki_alg_oid, OBJ_get0_data(key_oid),
                    OBJ_length(key_oid)),
         "subjectPublicKeyInfo.algorithm");
    SAME_DER(i2d_X509_ALGOR, key_alg, &tbs->spki_alg,
             "subjectPublicKeyInfo.algorithm");

    X509_get0_uids(x, &iuid, &suid);
    DIFF((iuid != NULL) == (tbs->has_issuer_uid != 0), "issuerUniqueID");
    DIFF((suid != NULL) == (tbs->has_subject_uid != 0), "subjectUniqueID");

    DIFF(X509_get_ext_count(x) == (int)tbs->n_ext, "number of extensions");
    for (size_t i = 0; i < tbs->n_ext; i++) {
        X509_EXTENSION *ext = X509_get_ext(x, (int)i);
        const ASN1_OBJECT *obj = X509_EXTENSION_get_object(ext);
        const ASN1_OCTET_STRING *val = X509_EXTENSION_get_data(ext);

        DIFF(same_bytes(&tbs->ext[i].oid, OBJ_get0_data(obj), OBJ_length(obj)),
             "extension OID");
        DIFF((X509_EXTENSION_get_critical(ext) != 0)
                 == (tbs->ext[i].critical != 0),
             "extension critical");
        DIFF(same_bytes(&tbs->ext[i].value, ASN1_STRING_get0_data(val),
                        (size_t)ASN1_STRING_length(val)),
             "extension value");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SP_TBS_CERT tbs;
    const unsigned char *p = data;
    SP_DER tbs_der, outer_alg;
    X509 *x;
    int ours;

    ours = sp_cert_split(data, size, &tbs_der, &outer_alg, NULL) == SP_DER_OK
           && sp_tbs_cert_decode(tbs_der.data, tbs_der.len, &tbs, NULL)
                  == SP_DER_OK;
    x = d2i_X509(NULL, &p, (long)size);
    if (x == NULL) {
        ERR_clear_error();
        /* OpenSSL refused: so must the decoder. */
        DIFF(!ours, "d2i_X509 refused a certificate the decoder accepts");
        return 0;
    }
    /* d2i_X509 reads one element; the decoder wants nothing after it. */
    if (ours) {
        DIFF(p == data + size, "trailing bytes");
        compare(x, &tbs, &outer_alg);
    }
    X509_free(x);
    ERR_clear_error();
    return 0;
}
