/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys, certificates and TBSCertificates for the provider drivers and the
 * signing benchmark (loadutil.h).
 */
#include <stdio.h>

#include <openssl/pem.h>
#include <openssl/store.h>

#include "loadutil.h"

int lu_load_libctx(const char *cnf, OSSL_LIB_CTX **libctx,
                   OSSL_PROVIDER **deflt, OSSL_PROVIDER **prov)
{
    *libctx = OSSL_LIB_CTX_new();
    if (*libctx == NULL || !OSSL_LIB_CTX_load_config(*libctx, cnf)) {
        fprintf(stderr, "cannot load %s into a library context\n", cnf);
        return 0;
    }
    *deflt = OSSL_PROVIDER_load(*libctx, "default");
    *prov = OSSL_PROVIDER_load(*libctx, "smimepolicy");
    return 1;
}

EVP_PKEY *lu_load_key(OSSL_LIB_CTX *libctx, const char *uri)
{
    OSSL_STORE_CTX *store =
        OSSL_STORE_open_ex(uri, libctx, NULL, NULL, NULL, NULL, NULL, NULL);
    EVP_PKEY *pkey = NULL;

    while (store != NULL && pkey == NULL && !OSSL_STORE_eof(store)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(store);

        if (info == NULL)
            break;
        if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(store);
    return pkey;
}

X509 *lu_load_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *x = NULL;

    if (f != NULL) {
        x = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    return x;
}

unsigned char *lu_load_tbs(const char *path, size_t *len)
{
    X509 *x = lu_load_cert(path);
    unsigned char *der = NULL;
    int n = x != NULL ? i2d_re_X509_tbs(x, &der) : -1;

    X509_free(x);
    if (n <= 0)
        return NULL;
    *len = (size_t)n;
    return der;
}
