/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#11 keys through the libp11 ENGINE (see engine_key.h).
 *
 * ENGINEs are deprecated in OpenSSL 3.0 but they are the only PKCS#11 route
 * Debian 12 ships, so this file asks for the deprecated declarations
 * explicitly and compiles to stubs where they are gone (no-engine or
 * no-deprecated builds, OPENSSL_API_COMPAT >= 3.0).
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/opensslconf.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#if !defined(OPENSSL_NO_ENGINE) && !defined(OPENSSL_NO_DEPRECATED_3_0)
#define SPPROV_HAVE_ENGINE 1
#include <openssl/engine.h>
#include <openssl/ui.h>
#endif

#include "engine_key.h"

#define SPPROV_PKCS11_ENGINE_ID "pkcs11"
#define SPPROV_MODULE_PATH_MAX 4096

static void spprov_engine_err(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void spprov_engine_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The reason of the oldest error on the queue, for the end of a message:
 * the first error is the cause (libp11's "PIN incorrect"), later ones only
 * say that loading failed. libp11 clears the queue before it starts. */
static const char *spprov_engine_first_reason(void)
{
    const char *reason = NULL;
    unsigned long e = ERR_peek_error();

    if (e != 0)
        reason = ERR_reason_error_string(e);
    return reason != NULL ? reason : "no further detail";
}

#ifdef SPPROV_HAVE_ENGINE

/* The module path of the first key loaded in this process; see the note on
 * modules in engine_key.h. Empty: libp11's default module. */
static pthread_mutex_t spprov_engine_module_lock = PTHREAD_MUTEX_INITIALIZER;
static char spprov_engine_module[SPPROV_MODULE_PATH_MAX];
static int spprov_engine_module_set;

/*
 * Read the PIN named by `source` into pin (NUL-terminated). Returns 1 or 0
 * with a reason that names the source but never its content.
 */
static int spprov_engine_read_pin(const char *source, char *pin, size_t pinsize,
                                  char *err, size_t errlen)
{
    int ok = 0;
    FILE *f = NULL;
    size_t len;

    pin[0] = '\0';
    if (strncmp(source, "env:", 4) == 0) {
        const char *value = getenv(source + 4);

        if (source[4] == '\0') {
            spprov_engine_err(err, errlen,
                              "PIN source \"env:\" names no "
                              "environment variable");
            goto done;
        }
        if (value == NULL) {
            spprov_engine_err(err, errlen,
                              "PIN source %s: environment variable %s is "
                              "not set",
                              source, source + 4);
            goto done;
        }
        len = strlen(value);
        if (len >= pinsize) {
            spprov_engine_err(err, errlen,
                              "PIN source %s: PIN longer than %zu bytes",
                              source, pinsize - 1);
            goto done;
        }
        memcpy(pin, value, len + 1);
    } else if (strncmp(source, "file:", 5) == 0) {
        f = fopen(source + 5, "r");
        if (f == NULL) {
            spprov_engine_err(err, errlen, "PIN source %s: cannot open: %s",
                              source, strerror(errno));
            goto done;
        }
        /* Unbuffered: no copy of the PIN left in a stdio buffer that is
         * freed without being wiped. */
        setvbuf(f, NULL, _IONBF, 0);
        if (fgets(pin, (int)pinsize, f) == NULL) {
            spprov_engine_err(err, errlen, "PIN source %s: file is empty",
                              source);
            goto done;
        }
        len = strcspn(pin, "\r\n");
        if (pin[len] == '\0' && len == pinsize - 1 && !feof(f)) {
            spprov_engine_err(err, errlen,
                              "PIN source %s: PIN longer than %zu bytes",
                              source, pinsize - 2);
            goto done;
        }
        pin[len] = '\0';
    } else {
        /* Not echoed: a mistyped source may be the PIN itself. */
        spprov_engine_err(err, errlen,
                          "PIN source is neither file:PATH nor env:NAME");
        goto done;
    }
    if (pin[0] == '\0') {
        spprov_engine_err(err, errlen, "PIN source %s gives an empty PIN",
                          source);
        goto done;
    }
    ok = 1;
done:
    if (f != NULL)
        fclose(f);
    if (!ok)
        OPENSSL_cleanse(pin, pinsize);
    return ok;
}

/* A PIN prompt that always fails: without a PIN source libp11 must not ask
 * a terminal (there may be none) nor try an empty PIN. */
static int spprov_engine_refuse_prompt(UI *ui, UI_STRING *uis)
{
    return 0;
}

/* Whether the URI carries a PIN; RFC 7512 attribute names are
 * case-sensitive, the separators ';' and '?'. */
static int spprov_uri_has_pin(const char *uri)
{
    static const char *const attrs[] = {"pin-value=", "pin-source="};
    size_t i;

    for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        const char *p = uri;

        while ((p = strstr(p, attrs[i])) != NULL) {
            if (p > uri && (p[-1] == ';' || p[-1] == '?' || p[-1] == ':'))
                return 1;
            p++;
        }
    }
    return 0;
}

/* Remember the first module and refuse a different one later: libp11 loads
 * one module per process and would silently ignore the second. Sets
 * *claimed when this call made the claim, so a failed first load can give
 * it back. */
static int spprov_engine_claim_module(const char *module, int *claimed,
                                      char *err, size_t errlen)
{
    int ok = 0;
    const char *want = module != NULL ? module : "";

    *claimed = 0;
    if (strlen(want) >= sizeof(spprov_engine_module)) {
        spprov_engine_err(err, errlen, "PKCS#11 module path too long");
        return 0;
    }
    pthread_mutex_lock(&spprov_engine_module_lock);
    if (!spprov_engine_module_set) {
        strcpy(spprov_engine_module, want);
        spprov_engine_module_set = 1;
        *claimed = 1;
    } else if (strcmp(spprov_engine_module, want) != 0) {
        spprov_engine_err(err, errlen,
                          "PKCS#11 module \"%s\" requested, but this process "
                          "already uses \"%s\" (libp11 loads one module per "
                          "process)",
                          want[0] ? want : "(libp11 default)",
                          spprov_engine_module[0] ? spprov_engine_module
                                                  : "(libp11 default)");
        goto done;
    }
    ok = 1;
done:
    pthread_mutex_unlock(&spprov_engine_module_lock);
    return ok;
}

static void spprov_engine_release_module(void)
{
    pthread_mutex_lock(&spprov_engine_module_lock);
    spprov_engine_module_set = 0;
    spprov_engine_module[0] = '\0';
    pthread_mutex_unlock(&spprov_engine_module_lock);
}

EVP_PKEY *spprov_engine_key_load(const char *pkcs11_uri, const char *module,
                                 const char *pin_source, char *err,
                                 size_t errlen)
{
    EVP_PKEY *pkey = NULL;
    ENGINE *e = NULL;
    int initialised = 0;
    UI_METHOD *no_prompt = NULL;
    char pin[SPPROV_PIN_MAX + 2];
    int pin_read = 0;
    int claimed = 0;
    int ok = 0;

    if (pkcs11_uri == NULL || strncmp(pkcs11_uri, "pkcs11:", 7) != 0) {
        spprov_engine_err(err, errlen,
                          "engine key URI must start with \"pkcs11:\" "
                          "(got \"%s\")",
                          pkcs11_uri != NULL ? pkcs11_uri : "(none)");
        goto done;
    }
    if (spprov_uri_has_pin(pkcs11_uri)) {
        /* Not echoed: the URI holds a PIN. */
        spprov_engine_err(err, errlen,
                          "PKCS#11 URI carries pin-value or pin-source; give "
                          "the PIN through the provider's PIN source instead");
        goto done;
    }
    if (pin_source != NULL) {
        if (!spprov_engine_read_pin(pin_source, pin, sizeof(pin), err, errlen))
            goto done;
        pin_read = 1;
    }
    if (!spprov_engine_claim_module(module, &claimed, err, errlen))
        goto done;

    /* Structural reference; ENGINE_by_id loads pkcs11.so from ENGINESDIR
     * (or $OPENSSL_ENGINES) through the dynamic engine when needed. */
    e = ENGINE_by_id(SPPROV_PKCS11_ENGINE_ID);
    if (e == NULL) {
        spprov_engine_err(err, errlen,
                          "cannot load the \"%s\" engine (libp11, Debian "
                          "package libengine-pkcs11-openssl): %s",
                          SPPROV_PKCS11_ENGINE_ID,
                          spprov_engine_first_reason());
        goto done;
    }
    /* MODULE_PATH must come before the first key load: libp11 loads the
     * module lazily then. */
    if (module != NULL
        && !ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0)) {
        spprov_engine_err(err, errlen,
                          "pkcs11 engine refused MODULE_PATH \"%s\": %s",
                          module, spprov_engine_first_reason());
        goto done;
    }
    if (!ENGINE_init(e)) {
        spprov_engine_err(err, errlen,
                          "cannot initialise the pkcs11 engine: %s",
                          spprov_engine_first_reason());
        goto done;
    }
    initialised = 1;
    if (pin_read && !ENGINE_ctrl_cmd_string(e, "PIN", pin, 0)) {
        spprov_engine_err(err, errlen, "pkcs11 engine refused the PIN from %s",
                          pin_source);
        goto done;
    }

    no_prompt = UI_create_method("smimepolicy: no PIN prompt");
    if (no_prompt == NULL
        || UI_method_set_reader(no_prompt, spprov_engine_refuse_prompt) != 0) {
        spprov_engine_err(err, errlen, "out of memory");
        goto done;
    }
    pkey = ENGINE_load_private_key(e, pkcs11_uri, no_prompt, NULL);
    if (pkey == NULL) {
        spprov_engine_err(
            err, errlen,
            "cannot load private key %s through the pkcs11 "
            "engine%s: %s",
            pkcs11_uri, pin_source == NULL ? " (no PIN source configured)" : "",
            spprov_engine_first_reason());
        goto done;
    }
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA
        && EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) {
        spprov_engine_err(err, errlen,
                          "private key %s is of type %s; the pkcs11 engine "
                          "path supports RSA and EC keys",
                          pkcs11_uri, OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
        goto done;
    }
    /* The key must keep the engine (and so the PKCS#11 module) alive after
     * our own references are dropped: libp11 unloads the module when the
     * last functional reference goes. Debian's libp11 does not attach the
     * engine to the key, so attach it as the key's method engine (a
     * functional reference that EVP_PKEY_free() releases). That also makes
     * signing use libp11's own RSA/EC methods for this key only, without
     * making the engine a default for anything else in the process. */
    if (EVP_PKEY_get0_engine(pkey) == NULL && !EVP_PKEY_set1_engine(pkey, e)) {
        spprov_engine_err(err, errlen,
                          "cannot bind private key %s to the pkcs11 engine: %s",
                          pkcs11_uri, spprov_engine_first_reason());
        goto done;
    }
    ok = 1;

done:
    if (!ok) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
        /* A first load that failed (e.g. a wrong module path) must not pin
         * the process to that module. */
        if (claimed)
            spprov_engine_release_module();
    }
    if (initialised)
        ENGINE_finish(e);
    ENGINE_free(e);
    UI_destroy_method(no_prompt);
    OPENSSL_cleanse(pin, sizeof(pin));
    return pkey;
}

#else /* !SPPROV_HAVE_ENGINE */

EVP_PKEY *spprov_engine_key_load(const char *pkcs11_uri, const char *module,
                                 const char *pin_source, char *err,
                                 size_t errlen)
{
    spprov_engine_err(err, errlen,
                      "this OpenSSL has no ENGINE support; use a PKCS#11 "
                      "provider URI instead of engine:%s",
                      pkcs11_uri != NULL ? pkcs11_uri : "");
    return NULL;
}

#endif /* SPPROV_HAVE_ENGINE */

EVP_PKEY *spprov_engine_key_public(const EVP_PKEY *pkey, OSSL_LIB_CTX *libctx,
                                   const char *propq, char *err, size_t errlen)
{
    EVP_PKEY *pub = NULL;
    unsigned char *der = NULL;
    const unsigned char *p;
    int len;

    len = i2d_PUBKEY(pkey, &der);
    if (len <= 0) {
        spprov_engine_err(err, errlen,
                          "cannot encode the public half of the token key: %s",
                          spprov_engine_first_reason());
        goto done;
    }
    p = der;
    pub = d2i_PUBKEY_ex(NULL, &p, len, libctx, propq);
    if (pub == NULL)
        spprov_engine_err(err, errlen,
                          "cannot decode the public half of the token key: %s",
                          spprov_engine_first_reason());
done:
    OPENSSL_free(der);
    return pub;
}

/* The AlgorithmIdentifier that OpenSSL writes for RSA-PSS with this digest:
 * ask a verification context of the public half, which needs no private
 * key and computes the parameters exactly as for file keys. */
static int spprov_engine_pss_aid(const EVP_PKEY *pkey, const char *mdname,
                                 OSSL_LIB_CTX *libctx, const char *propq,
                                 unsigned char *out, size_t outsize,
                                 size_t *outlen, char *err, size_t errlen)
{
    int ok = 0;
    EVP_PKEY *pub = NULL;
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    OSSL_PARAM params[2];

    pub = spprov_engine_key_public(pkey, libctx, propq, err, errlen);
    if (pub == NULL)
        goto done;
    mctx = EVP_MD_CTX_new();
    if (mctx == NULL
        || EVP_DigestVerifyInit_ex(mctx, &pctx, mdname, libctx, propq, pub,
                                   NULL)
               != 1
        || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0
        || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0
        || EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, mdname, NULL) <= 0) {
        spprov_engine_err(err, errlen,
                          "cannot set up RSA-PSS with digest %s: %s", mdname,
                          spprov_engine_first_reason());
        goto done;
    }
    params[0] = OSSL_PARAM_construct_octet_string(
        OSSL_SIGNATURE_PARAM_ALGORITHM_ID, out, outsize);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_PKEY_CTX_get_params(pctx, params) != 1
        || !OSSL_PARAM_modified(&params[0])) {
        spprov_engine_err(err, errlen,
                          "no RSA-PSS AlgorithmIdentifier for digest %s: %s",
                          mdname, spprov_engine_first_reason());
        goto done;
    }
    *outlen = params[0].return_size;
    ok = 1;
done:
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_free(pub);
    return ok;
}

int spprov_engine_key_algorithm_id(const EVP_PKEY *pkey, const char *mdname,
                                   spprov_pad_mode pad, OSSL_LIB_CTX *libctx,
                                   const char *propq, unsigned char *out,
                                   size_t outsize, size_t *outlen, char *err,
                                   size_t errlen)
{
    int ok = 0;
    int key_nid = EVP_PKEY_get_base_id(pkey);
    int sig_nid;
    EVP_MD *md = NULL;
    X509_ALGOR *alg = NULL;
    unsigned char *der = NULL;
    int len;

    if (key_nid != EVP_PKEY_RSA && key_nid != EVP_PKEY_EC) {
        spprov_engine_err(err, errlen, "token key of type %s not supported",
                          OBJ_nid2sn(key_nid));
        goto done;
    }
    if (pad == SPPROV_PAD_PSS) {
        if (key_nid != EVP_PKEY_RSA) {
            spprov_engine_err(err, errlen, "PSS padding needs an RSA key");
            goto done;
        }
        ok = spprov_engine_pss_aid(pkey, mdname, libctx, propq, out, outsize,
                                   outlen, err, errlen);
        goto done;
    }
    md = EVP_MD_fetch(libctx, mdname, propq);
    if (md == NULL) {
        spprov_engine_err(err, errlen, "unknown digest %s", mdname);
        goto done;
    }
    if (!OBJ_find_sigid_by_algs(&sig_nid, EVP_MD_get_type(md), key_nid)) {
        spprov_engine_err(err, errlen, "no signature algorithm for %s with %s",
                          OBJ_nid2sn(key_nid), mdname);
        goto done;
    }
    alg = X509_ALGOR_new();
    /* RFC 4055: RSA PKCS#1 v1.5 carries NULL parameters; RFC 5758: ECDSA
     * carries none. */
    if (alg == NULL
        || !X509_ALGOR_set0(
            alg, OBJ_nid2obj(sig_nid),
            key_nid == EVP_PKEY_RSA ? V_ASN1_NULL : V_ASN1_UNDEF, NULL)) {
        spprov_engine_err(err, errlen, "out of memory");
        goto done;
    }
    len = i2d_X509_ALGOR(alg, &der);
    if (len <= 0) {
        spprov_engine_err(err, errlen, "cannot encode AlgorithmIdentifier");
        goto done;
    }
    if ((size_t)len > outsize) {
        spprov_engine_err(err, errlen,
                          "AlgorithmIdentifier needs %d bytes, room for %zu",
                          len, outsize);
        goto done;
    }
    memcpy(out, der, (size_t)len);
    *outlen = (size_t)len;
    ok = 1;
done:
    OPENSSL_free(der);
    X509_ALGOR_free(alg);
    EVP_MD_free(md);
    return ok;
}

int spprov_engine_key_sign(EVP_PKEY *pkey, const char *mdname,
                           spprov_pad_mode pad, const unsigned char *tbs,
                           size_t tbslen, unsigned char *sig, size_t sigsize,
                           size_t *siglen, char *err, size_t errlen)
{
    int ok = 0;
    int key_nid = EVP_PKEY_get_base_id(pkey);
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    size_t len = sigsize;

    if (key_nid != EVP_PKEY_RSA && key_nid != EVP_PKEY_EC) {
        spprov_engine_err(err, errlen, "token key of type %s not supported",
                          OBJ_nid2sn(key_nid));
        goto done;
    }
    if (pad == SPPROV_PAD_PSS && key_nid != EVP_PKEY_RSA) {
        spprov_engine_err(err, errlen, "PSS padding needs an RSA key");
        goto done;
    }
    if (sig == NULL) {
        *siglen = (size_t)EVP_PKEY_get_size(pkey);
        ok = 1;
        goto done;
    }
    /* A fresh context per call: that is what lets one key sign from many
     * threads. The digest runs in the default library context, the
     * private-key operation in the token (libp11's RSA/EC methods). */
    mctx = EVP_MD_CTX_new();
    if (mctx == NULL
        || EVP_DigestSignInit_ex(mctx, &pctx, mdname, NULL, NULL, pkey, NULL)
               != 1) {
        spprov_engine_err(err, errlen,
                          "cannot start a %s signature with the token key: %s",
                          mdname, spprov_engine_first_reason());
        goto done;
    }
    if (key_nid == EVP_PKEY_RSA
        && (EVP_PKEY_CTX_set_rsa_padding(pctx, pad == SPPROV_PAD_PSS
                                                   ? RSA_PKCS1_PSS_PADDING
                                                   : RSA_PKCS1_PADDING)
                <= 0
            || (pad == SPPROV_PAD_PSS
                && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                    RSA_PSS_SALTLEN_DIGEST)
                       <= 0))) {
        spprov_engine_err(err, errlen, "cannot set RSA padding: %s",
                          spprov_engine_first_reason());
        goto done;
    }
    if (EVP_DigestSign(mctx, sig, &len, tbs, tbslen) != 1) {
        spprov_engine_err(err, errlen, "the token refused to sign: %s",
                          spprov_engine_first_reason());
        goto done;
    }
    *siglen = len;
    ok = 1;
done:
    EVP_MD_CTX_free(mctx);
    return ok;
}
