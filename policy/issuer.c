/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issuing CA certificates. Loaded once (policy load or the command's
 * --issuer), decoded with the same strict decoder as the certificates
 * being judged, and kept as views into an owned copy of the DER. libcrypto
 * is used here only at load time: to read PEM and to check whether a
 * self-issued certificate is also self-signed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "nc.h"
#include "rules.h"
#include "oids.h"

struct sp_issuer_st {
    uint8_t *der;
    size_t len;
    char *path;
    SP_TBS_CERT tbs; /* views into der */
    SP_DER ski;      /* SKI value, empty when absent */
    int is_root;
    int may_issue_smime;
    /* nameConstraints, parsed once here so that judging an end-entity
     * certificate against them allocates and parses nothing. */
    /* basicConstraints pathLenConstraint; -1 when absent (or not a CA). */
    long path_len;
    int has_nc;
    SP_NC nc; /* views into der */
};

static const uint8_t oid_nc[] = {0x55, 0x1d, 0x1e};
static const uint8_t oid_bc[] = {0x55, 0x1d, 0x13};

/* pathLenConstraint of a basicConstraints with cA TRUE; -1 when absent. */
static long bc_path_len(const SP_TBS_CERT *tbs)
{
    const SP_EXTENSION *e = sp_tbs_find_ext(tbs, oid_bc, sizeof(oid_bc));
    SP_DER cur, seq, len;
    int ca = 0, present = 0;
    long v = 0;

    if (e == NULL)
        return -1;
    cur = e->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK)
        return -1;
    if (sp_der_peek_tag(&seq) == SP_TAG_BOOLEAN
        && sp_der_get_bool(&seq, &ca) != SP_DER_OK)
        return -1;
    if (!ca
        || sp_der_get_optional(&seq, SP_TAG_INTEGER, &len, &present)
               != SP_DER_OK
        || !present || len.len == 0 || len.len > 2 || (len.data[0] & 0x80))
        return -1;
    for (size_t i = 0; i < len.len; i++)
        v = (v << 8) | len.data[i];
    return v;
}

/* Value of an extension that is one OCTET STRING (SKI), or of the AKI's
 * keyIdentifier; empty when absent or malformed. */
static SP_DER ski_value(const SP_TBS_CERT *tbs)
{
    const SP_EXTENSION *e =
        sp_tbs_find_ext(tbs, sp_oid_ski, sizeof(sp_oid_ski));
    SP_DER cur, v = {NULL, 0};

    if (e == NULL)
        return v;
    cur = e->value;
    if (sp_der_get(&cur, SP_TAG_OCTET_STRING, &v) != SP_DER_OK
        || !sp_der_empty(&cur))
        v.data = NULL, v.len = 0;
    return v;
}

static SP_DER aki_key_id(const SP_TBS_CERT *tbs)
{
    const SP_EXTENSION *e =
        sp_tbs_find_ext(tbs, sp_oid_aki, sizeof(sp_oid_aki));
    SP_DER cur, seq, kid = {NULL, 0};
    int present = 0;

    if (e == NULL)
        return kid;
    cur = e->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
        || sp_der_get_optional(&seq, SP_TAG_CTX(0), &kid, &present) != SP_DER_OK
        || !present)
        kid.data = NULL, kid.len = 0;
    return kid;
}

/* F-S-07: EKU absent, or emailProtection present and none of serverAuth,
 * codeSigning, timeStamping, anyExtendedKeyUsage. A malformed EKU does
 * not qualify. */
static int eku_allows_smime(const SP_TBS_CERT *tbs)
{
    const SP_EXTENSION *e =
        sp_tbs_find_ext(tbs, sp_oid_eku, sizeof(sp_oid_eku));
    SP_DER cur, seq, oid;
    int email = 0;

    if (e == NULL)
        return 1;
    cur = e->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK)
        return 0;
    while (!sp_der_empty(&seq)) {
        if (sp_der_get_oid(&seq, &oid) != SP_DER_OK)
            return 0;
        if (sp_der_equal_bytes(&oid, sp_oid_kp_email, sizeof(sp_oid_kp_email)))
            email = 1;
        else if (sp_der_equal_bytes(&oid, sp_oid_kp_server,
                                    sizeof(sp_oid_kp_server))
                 || sp_der_equal_bytes(&oid, sp_oid_kp_code,
                                       sizeof(sp_oid_kp_code))
                 || sp_der_equal_bytes(&oid, sp_oid_kp_time,
                                       sizeof(sp_oid_kp_time))
                 || sp_der_equal_bytes(&oid, sp_oid_kp_any,
                                       sizeof(sp_oid_kp_any)))
            return 0;
    }
    return email;
}

/* Self-signed: the certificate's signature verifies with its own key. When
 * libcrypto cannot check (a key type it does not know), fall back to
 * SKI == AKI keyIdentifier. */
static int self_signed(const SP_ISSUER *iss)
{
    const unsigned char *p = iss->der;
    X509 *x = d2i_X509(NULL, &p, (long)iss->len);
    EVP_PKEY *key;
    int verified = -1;
    SP_DER kid;

    if (x != NULL && (key = X509_get0_pubkey(x)) != NULL)
        verified = X509_verify(x, key) == 1;
    X509_free(x);
    if (verified >= 0)
        return verified;
    kid = aki_key_id(&iss->tbs);
    return iss->ski.len > 0 && sp_der_equal(&kid, &iss->ski);
}

SP_ISSUER *sp_issuer_from_der(const uint8_t *der, size_t len, char *err,
                              size_t errlen)
{
    SP_ISSUER *iss = NULL;
    SP_DECODE_ERROR where = {SP_DER_OK, NULL, 0};
    SP_DER tbs, outer;
    sp_der_err rc;

    iss = OPENSSL_zalloc(sizeof(*iss));
    if (iss == NULL || (iss->der = OPENSSL_malloc(len ? len : 1)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    memcpy(iss->der, der, len);
    iss->len = len;
    rc = sp_cert_split(iss->der, len, &tbs, &outer, &where);
    if (rc == SP_DER_OK)
        rc = sp_tbs_cert_decode(tbs.data, tbs.len, &iss->tbs, &where);
    if (rc != SP_DER_OK) {
        snprintf(err, errlen,
                 "issuer certificate is not strict DER: %s at offset %zu: %s",
                 where.field ? where.field : "Certificate", where.offset,
                 sp_der_strerror(rc));
        goto err;
    }
    iss->ski = ski_value(&iss->tbs);
    {
        const SP_EXTENSION *nc =
            sp_tbs_find_ext(&iss->tbs, oid_nc, sizeof(oid_nc));
        sp_nc_status st;

        /* A constraint the engine cannot read would be a constraint it
         * cannot enforce: refuse the issuer rather than ignore it. */
        if (nc != NULL
            && (st = sp_nc_parse(&nc->value, &iss->nc)) != SP_NC_OK) {
            snprintf(err, errlen, "issuer certificate nameConstraints: %s",
                     sp_nc_status_text(st));
            goto err;
        }
        iss->has_nc = nc != NULL;
    }
    iss->path_len = bc_path_len(&iss->tbs);
    iss->is_root =
        sp_der_equal(&iss->tbs.subject, &iss->tbs.issuer) && self_signed(iss);
    iss->may_issue_smime = !iss->is_root && eku_allows_smime(&iss->tbs);
    return iss;

err:
    sp_issuer_free(iss);
    return NULL;
}

SP_ISSUER *sp_issuer_load_file(const char *path, char *err, size_t errlen)
{
    SP_ISSUER *iss = NULL;
    BIO *bio = NULL;
    X509 *x = NULL;
    uint8_t *der = NULL;
    int len;

    bio = BIO_new_file(path, "rb");
    if (bio == NULL) {
        snprintf(err, errlen, "%s: cannot open", path);
        goto done;
    }
    x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (x == NULL) {
        (void)BIO_reset(bio);
        x = d2i_X509_bio(bio, NULL);
    }
    if (x == NULL) {
        snprintf(err, errlen, "%s: no PEM or DER certificate", path);
        goto done;
    }
    /* Re-encoding keeps the bytes as read: libcrypto caches the original
     * encoding of a parsed certificate. */
    len = i2d_X509(x, &der);
    if (len <= 0) {
        snprintf(err, errlen, "%s: cannot encode the certificate", path);
        goto done;
    }
    iss = sp_issuer_from_der(der, (size_t)len, err, errlen);
    if (iss == NULL) {
        char inner[256];
        snprintf(inner, sizeof(inner), "%s", err);
        snprintf(err, errlen, "%s: %s", path, inner);
        goto done;
    }
    iss->path = OPENSSL_strdup(path);
    if (iss->path == NULL) {
        snprintf(err, errlen, "out of memory");
        sp_issuer_free(iss);
        iss = NULL;
    }

done:
    OPENSSL_free(der);
    X509_free(x);
    BIO_free(bio);
    return iss;
}

void sp_issuer_free(SP_ISSUER *issuer)
{
    if (issuer == NULL)
        return;
    OPENSSL_free(issuer->der);
    OPENSSL_free(issuer->path);
    OPENSSL_free(issuer);
}

const char *sp_issuer_path(const SP_ISSUER *issuer)
{
    return issuer->path;
}

SP_DER sp_issuer_subject(const SP_ISSUER *issuer)
{
    return issuer->tbs.subject;
}

SP_DER sp_issuer_spki(const SP_ISSUER *issuer)
{
    return issuer->tbs.spki;
}

SP_DER sp_issuer_ski(const SP_ISSUER *issuer)
{
    return issuer->ski;
}

int sp_issuer_is_root(const SP_ISSUER *issuer)
{
    return issuer->is_root;
}

int sp_issuer_may_issue_smime(const SP_ISSUER *issuer)
{
    return issuer->may_issue_smime;
}

const SP_NC *sp_issuer_name_constraints(const SP_ISSUER *issuer)
{
    return issuer->has_nc ? &issuer->nc : NULL;
}

long sp_issuer_path_len(const SP_ISSUER *issuer)
{
    return issuer->path_len;
}
