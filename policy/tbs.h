/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read-only views of a TBSCertificate and a TBSCertList.
 *
 * The decoder walks the bytes once with the strict DER cursor and fills a
 * fixed-size struct of views into the caller's buffer: no heap allocation.
 * Names and extension values are kept as views; rules walk them further
 * when they need to, again without allocating.
 */
#ifndef SMIMEPOLICY_TBS_H
#define SMIMEPOLICY_TBS_H

#include "der.h"

/* More extensions than this is refused as a decoding error: no S/MIME
 * profile comes close, and a fixed bound keeps the view allocation-free. */
#define SP_MAX_EXTENSIONS 48

typedef enum {
    SP_KIND_OTHER = 0,  /* not DER, or DER of something we do not sign */
    SP_KIND_CERT,       /* TBSCertificate */
    SP_KIND_CRL,        /* TBSCertList */
    SP_KIND_OCSP,       /* OCSP ResponseData */
} sp_kind;

typedef struct sp_extension_st {
    SP_DER oid;     /* OID contents */
    int critical;   /* DER: only ever encoded when TRUE */
    SP_DER value;   /* contents of extnValue OCTET STRING */
    SP_DER element; /* the whole Extension TLV */
} SP_EXTENSION;

typedef struct sp_tbs_cert_st {
    SP_DER der;         /* the whole TBSCertificate TLV */
    unsigned version;   /* 0 = v1, 1 = v2, 2 = v3 */
    SP_DER serial;      /* INTEGER contents (minimal encoding) */
    SP_DER sig_alg;     /* signature AlgorithmIdentifier, whole TLV */
    SP_DER sig_alg_oid; /* its OID contents */
    SP_DER issuer;      /* Name, whole TLV */
    SP_DER issuer_rdns; /* Name contents (the RDNSequence) */
    int64_t not_before; /* seconds since the epoch */
    int64_t not_after;
    unsigned not_before_tag; /* SP_TAG_UTCTIME or SP_TAG_GENERALIZEDTIME */
    unsigned not_after_tag;
    SP_DER subject;      /* Name, whole TLV */
    SP_DER subject_rdns; /* Name contents */
    SP_DER spki;         /* SubjectPublicKeyInfo, whole TLV */
    SP_DER spki_alg;     /* its AlgorithmIdentifier, whole TLV */
    SP_DER spki_alg_oid; /* OID contents */
    SP_DER spki_alg_params; /* parameters TLV, empty when absent */
    SP_DER spki_key;        /* subjectPublicKey bits (unused bits = 0) */
    int has_issuer_uid;
    int has_subject_uid;
    int has_extensions; /* [3] present (even if the list were empty) */
    size_t n_ext;
    SP_EXTENSION ext[SP_MAX_EXTENSIONS];
} SP_TBS_CERT;

typedef struct sp_tbs_crl_st {
    SP_DER der;
    int has_version;     /* v2 when present */
    SP_DER sig_alg;      /* whole TLV */
    SP_DER issuer;       /* whole TLV */
    int64_t this_update;
    int has_next_update;
    int64_t next_update;
    SP_DER revoked;      /* contents of revokedCertificates, empty if absent */
    size_t n_revoked;
    size_t n_ext;
    SP_EXTENSION ext[SP_MAX_EXTENSIONS];
} SP_TBS_CRL;

/* Where a decode failed, for a message that names the field. */
typedef struct sp_decode_error_st {
    sp_der_err err;
    const char *field; /* static string, e.g. "tbsCertificate.validity" */
    size_t offset;     /* byte offset into the input */
} SP_DECODE_ERROR;

/* Decode `der` (exactly one element, nothing trailing) as a TBSCertificate.
 * Returns SP_DER_OK or the first error, with *where filled in. */
sp_der_err sp_tbs_cert_decode(const uint8_t *der, size_t len, SP_TBS_CERT *out,
                              SP_DECODE_ERROR *where);

sp_der_err sp_tbs_crl_decode(const uint8_t *der, size_t len, SP_TBS_CRL *out,
                             SP_DECODE_ERROR *where);

/* What kind of to-be-signed object `der` is. Only structurally: a value
 * classified as SP_KIND_CERT may still fail sp_tbs_cert_decode. */
sp_kind sp_classify(const uint8_t *der, size_t len);
const char *sp_kind_name(sp_kind kind);

/* Find the extension with OID contents `oid`; NULL if absent. */
const SP_EXTENSION *sp_tbs_find_ext(const SP_TBS_CERT *tbs, const uint8_t *oid,
                                    size_t oid_len);

/* A full Certificate (or CertificateList) TLV: view of its TBS part and of
 * the outer signatureAlgorithm. Used by the command to judge existing
 * certificates; the provider sees the TBS directly. */
sp_der_err sp_cert_split(const uint8_t *der, size_t len, SP_DER *tbs,
                         SP_DER *outer_sig_alg, SP_DECODE_ERROR *where);

#endif
