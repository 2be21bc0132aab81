/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STORE loader for `smimepolicy:<inner-uri>`.
 *
 * The inner URI is opened with OSSL_STORE in the provider's private
 * library context (file:, tpm2 handle:/object:, TSS2 key files, pkcs11:
 * where a provider for it is loaded), or through the libp11 ENGINE for
 * `smimepolicy:engine:pkcs11:...`. The first private key found is wrapped
 * and handed to OpenSSL by reference, so only our keymgmt can take it.
 * Nothing else from the inner store is passed on.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include "engine_key.h"
#include "provider.h"

static OSSL_FUNC_store_open_fn spprov_store_open;
static OSSL_FUNC_store_settable_ctx_params_fn spprov_store_settable_ctx_params;
static OSSL_FUNC_store_set_ctx_params_fn spprov_store_set_ctx_params;
static OSSL_FUNC_store_load_fn spprov_store_load;
static OSSL_FUNC_store_eof_fn spprov_store_eof;
static OSSL_FUNC_store_close_fn spprov_store_close;

#define SPPROV_SCHEME "smimepolicy:"
#define SPPROV_ENGINE_PREFIX "engine:"

typedef struct spprov_store_ctx_st {
    SPPROV_CTX *provctx;
    char *inner_uri; /* the URI after "smimepolicy:" */
    int expect;      /* OSSL_STORE_INFO_* the caller wants, 0 for any */
    int done;
} SPPROV_STORE_CTX;

/* Passphrase bridge: the inner OSSL_STORE asks through a UI_METHOD built
 * from a PEM callback; the callback forwards to the core's passphrase
 * callback that came with load(). */
typedef struct spprov_pw_bridge_st {
    OSSL_PASSPHRASE_CALLBACK *cb;
    void *cbarg;
} SPPROV_PW_BRIDGE;

static int spprov_pem_pw_cb(char *buf, int size, int rwflag, void *userdata)
{
    SPPROV_PW_BRIDGE *bridge = userdata;
    size_t len = 0;

    if (bridge == NULL || bridge->cb == NULL || size <= 0)
        return -1;
    if (!bridge->cb(buf, (size_t)size, &len, NULL, bridge->cbarg))
        return -1;
    return (int)len;
}

static void *spprov_store_open(void *provctx, const char *uri)
{
    SPPROV_CTX *ctx = provctx;
    SPPROV_STORE_CTX *sctx;
    const char *inner;

    if (strncmp(uri, SPPROV_SCHEME, strlen(SPPROV_SCHEME)) != 0)
        return NULL;
    inner = uri + strlen(SPPROV_SCHEME);
    /* "smimepolicy://..." would be an authority form we do not define. */
    if (inner[0] == '\0' || strncmp(inner, "//", 2) == 0) {
        spprov_raise(ctx, SPPROV_R_BAD_URI,
                     "\"%s\": expected smimepolicy:<inner store URI>", uri);
        return NULL;
    }
    sctx = OPENSSL_zalloc(sizeof(*sctx));
    if (sctx == NULL || (sctx->inner_uri = OPENSSL_strdup(inner)) == NULL) {
        OPENSSL_free(sctx);
        spprov_raise(ctx, SPPROV_R_INTERNAL, "out of memory");
        return NULL;
    }
    sctx->provctx = ctx;
    return sctx;
}

static const OSSL_PARAM *spprov_store_settable_ctx_params(void *provctx)
{
    static const OSSL_PARAM settable[] = {
        OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL),
        OSSL_PARAM_utf8_string(OSSL_STORE_PARAM_PROPERTIES, NULL, 0),
        OSSL_PARAM_END,
    };
    return settable;
}

static int spprov_store_set_ctx_params(void *loaderctx,
                                       const OSSL_PARAM params[])
{
    SPPROV_STORE_CTX *sctx = loaderctx;
    const OSSL_PARAM *p;

    p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT);
    if (p != NULL && !OSSL_PARAM_get_int(p, &sctx->expect))
        return 0;
    /* Properties are for the application's library context; the inner
     * key is always fetched in the private one. */
    return 1;
}

/* Does this inner URI need the tpm2 provider? A persistent handle or
 * object, or a TSS2 key file. */
static int spprov_uri_wants_tpm2(const char *uri)
{
    char head[64];
    const char *path = NULL;
    FILE *f;
    size_t n;
    int wants = 0;

    if (strncmp(uri, "handle:", 7) == 0 || strncmp(uri, "object:", 7) == 0)
        return 1;
    if (strncmp(uri, "file:", 5) == 0)
        path = uri + 5;
    else if (strchr(uri, ':') == NULL)
        path = uri;
    if (path == NULL)
        return 0;
    f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    n = fread(head, 1, sizeof(head) - 1, f);
    head[n] = '\0';
    if (strstr(head, "-----BEGIN TSS2 PRIVATE KEY-----") != NULL)
        wants = 1;
    fclose(f);
    return wants;
}

/* Open the inner URI in the private library context and return the first
 * private key in it. */
static EVP_PKEY *spprov_store_inner_key(SPPROV_STORE_CTX *sctx,
                                        OSSL_PASSPHRASE_CALLBACK *pw_cb,
                                        void *pw_cbarg)
{
    SPPROV_CTX *ctx = sctx->provctx;
    SPPROV_PW_BRIDGE bridge = {pw_cb, pw_cbarg};
    UI_METHOD *ui = NULL;
    OSSL_STORE_CTX *store = NULL;
    OSSL_STORE_INFO *info = NULL;
    EVP_PKEY *pkey = NULL;

    if (spprov_uri_wants_tpm2(sctx->inner_uri)
        && !spprov_inner_provider_load(ctx, "tpm2"))
        goto done;
    ui = UI_UTIL_wrap_read_pem_callback(spprov_pem_pw_cb, 0);
    if (ui == NULL) {
        spprov_raise(ctx, SPPROV_R_INTERNAL, "cannot create a UI method");
        goto done;
    }
    store = OSSL_STORE_open_ex(sctx->inner_uri, ctx->inner_libctx, NULL, ui,
                               &bridge, NULL, NULL, NULL);
    if (store == NULL) {
        spprov_raise(ctx, SPPROV_R_KEY_LOAD, "cannot open inner URI \"%s\"",
                     sctx->inner_uri);
        goto done;
    }
    while (pkey == NULL && !OSSL_STORE_eof(store)) {
        info = OSSL_STORE_load(store);
        if (info == NULL) {
            if (OSSL_STORE_error(store))
                break;
            continue;
        }
        if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    if (pkey == NULL)
        spprov_raise(ctx, SPPROV_R_KEY_LOAD,
                     "no private key found at inner URI \"%s\"",
                     sctx->inner_uri);
done:
    OSSL_STORE_close(store);
    UI_destroy_method(ui);
    return pkey;
}

static EVP_PKEY *spprov_store_engine_key(SPPROV_STORE_CTX *sctx)
{
    SPPROV_CTX *ctx = sctx->provctx;
    const char *pkcs11_uri = sctx->inner_uri + strlen(SPPROV_ENGINE_PREFIX);
    char err[512] = "";
    EVP_PKEY *pkey;

    if (strncmp(pkcs11_uri, "pkcs11:", 7) != 0) {
        spprov_raise(ctx, SPPROV_R_BAD_URI,
                     "\"%s\": only engine:pkcs11:<PKCS#11 URI> is supported",
                     sctx->inner_uri);
        return NULL;
    }
    pkey = spprov_engine_key_load(pkcs11_uri, ctx->pkcs11_module,
                                  ctx->pkcs11_pin_source, err, sizeof(err));
    /* err names the URI itself, except when the URI carries a PIN: never
     * echo pkcs11_uri here. (hsm helper) */
    if (pkey == NULL)
        spprov_raise(ctx, SPPROV_R_KEY_LOAD, "PKCS#11 key: %s",
                     err[0] != '\0' ? err : "cannot be loaded");
    return pkey;
}

static int spprov_store_load(void *loaderctx, OSSL_CALLBACK *object_cb,
                             void *object_cbarg,
                             OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    SPPROV_STORE_CTX *sctx = loaderctx;
    int is_engine;
    EVP_PKEY *inner;
    SPPROV_KEY *key = NULL;
    OSSL_PARAM params[4];
    int object_type = OSSL_OBJECT_PKEY;
    int ok = 0;

    if (sctx->done)
        return 0;
    sctx->done = 1;
    /* Only keys come out of this store. */
    if (sctx->expect != 0 && sctx->expect != OSSL_STORE_INFO_PKEY)
        return 1;

    is_engine = strncmp(sctx->inner_uri, SPPROV_ENGINE_PREFIX,
                        strlen(SPPROV_ENGINE_PREFIX))
                == 0;
    inner = is_engine ? spprov_store_engine_key(sctx)
                      : spprov_store_inner_key(sctx, pw_cb, pw_cbarg);
    if (inner == NULL)
        goto done;
    key = spprov_key_wrap(sctx->provctx, inner, is_engine);
    if (key == NULL)
        goto done;

    params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &object_type);
    params[1] = OSSL_PARAM_construct_utf8_string(
        OSSL_OBJECT_PARAM_DATA_TYPE, (char *)key->kind->inner_name, 0);
    /* The address of the key is the reference; our keymgmt's load()
     * takes its own reference to it. */
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE,
                                                  &key, sizeof(key));
    params[3] = OSSL_PARAM_construct_end();
    ok = object_cb(params, object_cbarg);
done:
    spprov_key_free(key);
    return ok;
}

static int spprov_store_eof(void *loaderctx)
{
    SPPROV_STORE_CTX *sctx = loaderctx;

    return sctx->done;
}

static int spprov_store_close(void *loaderctx)
{
    SPPROV_STORE_CTX *sctx = loaderctx;

    if (sctx == NULL)
        return 1;
    OPENSSL_free(sctx->inner_uri);
    OPENSSL_free(sctx);
    return 1;
}

const OSSL_DISPATCH spprov_store_functions[] = {
    {OSSL_FUNC_STORE_OPEN, (void (*)(void))spprov_store_open},
    {OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS,
     (void (*)(void))spprov_store_settable_ctx_params},
    {OSSL_FUNC_STORE_SET_CTX_PARAMS,
     (void (*)(void))spprov_store_set_ctx_params},
    {OSSL_FUNC_STORE_LOAD, (void (*)(void))spprov_store_load},
    {OSSL_FUNC_STORE_EOF, (void (*)(void))spprov_store_eof},
    {OSSL_FUNC_STORE_CLOSE, (void (*)(void))spprov_store_close},
    {0, NULL},
};
