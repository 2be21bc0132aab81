/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading what the provider drivers (tests/provider-fault.c,
 * provider-sign.c, provider-stress.c) and bench/bench_sign.c sign with:
 * a key through OSSL_STORE (a smimepolicy: URI goes through the
 * provider), a PEM certificate, the TBSCertificate of one. Each returns
 * NULL when it cannot; the caller says so in its own words.
 */
#ifndef SMIMEPOLICY_LOADUTIL_H
#define SMIMEPOLICY_LOADUTIL_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

/* A library context configured from cnf (*libctx, which the caller frees
 * in any case) with the default and smimepolicy providers loaded into it
 * (*deflt, *prov; NULL when one did not load, for the caller to check).
 * 0, after saying so on stderr, when the configuration does not load. */
int lu_load_libctx(const char *cnf, OSSL_LIB_CTX **libctx,
                   OSSL_PROVIDER **deflt, OSSL_PROVIDER **prov);
/* The first private key at `uri`, in libctx (NULL: the default one). */
EVP_PKEY *lu_load_key(OSSL_LIB_CTX *libctx, const char *uri);
/* The first certificate of a PEM file. */
X509 *lu_load_cert(const char *path);
/* The DER TBSCertificate of a PEM certificate file, *len its length;
 * OPENSSL_free it. */
unsigned char *lu_load_tbs(const char *path, size_t *len);

#endif
