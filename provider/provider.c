/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smimepolicy provider: initialisation, configuration, algorithm tables
 * and error reporting.
 *
 * The provider offers three things: a STORE loader for the scheme
 * `smimepolicy:` that wraps a key opened in a private library context,
 * keymgmt for those wrapped keys, and signature implementations under
 * names only this provider registers, so a wrapped key can sign only
 * through the policy gate (signature.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include "audit.h"
#include "provider.h"

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                       const OSSL_DISPATCH **out, void **provctx);

static OSSL_FUNC_provider_teardown_fn spprov_teardown;
static OSSL_FUNC_provider_gettable_params_fn spprov_gettable_params;
static OSSL_FUNC_provider_get_params_fn spprov_get_params;
static OSSL_FUNC_provider_query_operation_fn spprov_query_operation;
static OSSL_FUNC_provider_get_reason_strings_fn spprov_get_reason_strings;

/* Keys of the provider's openssl.cnf section, read in one
 * core_get_params call. */
enum {
    SPPROV_CFG_POLICY = 0,
    SPPROV_CFG_AUDIT_LOG,
    SPPROV_CFG_AUDIT_SYSLOG,
    SPPROV_CFG_INNER_PROVIDERS,
    SPPROV_CFG_PKCS11_MODULE,
    SPPROV_CFG_PKCS11_PIN_SOURCE,
    SPPROV_CFG_COUNT
};

static const char *const spprov_cfg_names[SPPROV_CFG_COUNT] = {
    "policy",          "audit_log",     "audit_syslog",
    "inner_providers", "pkcs11_module", "pkcs11_pin_source",
};

#define SPPROV_DEFAULT_INNER_PROVIDERS "default"

static const OSSL_ITEM spprov_reason_strings[] = {
    {SPPROV_R_CONFIG, "invalid provider configuration"},
    {SPPROV_R_POLICY_LOAD, "policy could not be loaded"},
    {SPPROV_R_REFUSED, "signing refused by policy"},
    {SPPROV_R_NOT_SIGNABLE, "refused: not a certificate or CRL to sign"},
    {SPPROV_R_ALGORITHM_MISMATCH, "refused: signature algorithm mismatch"},
    {SPPROV_R_PREHASHED_REFUSED, "refused: signing a bare digest"},
    {SPPROV_R_PRIVATE_EXPORT, "refused: private key export"},
    {SPPROV_R_UNSUPPORTED_KEY, "unsupported key"},
    {SPPROV_R_KEY_LOAD, "key could not be loaded"},
    {SPPROV_R_NO_ISSUER, "no policy issuer has this key"},
    {SPPROV_R_AUDIT, "refused: audit record could not be written"},
    {SPPROV_R_INNER_SIGN, "inner signature failed"},
    {SPPROV_R_BAD_PARAMETER, "unsupported signature parameter"},
    {SPPROV_R_BAD_URI, "malformed smimepolicy URI"},
    {SPPROV_R_INTERNAL, "internal error"},
    {SPPROV_R_NO_PRIVATE_KEY, "key has no private part"},
    {0, NULL},
};

void spprov_raise_(SPPROV_CTX *ctx, const char *file, int line,
                   const char *func, int reason, const char *fmt, ...)
{
    va_list ap;

    if (ctx == NULL || ctx->core_new_error == NULL
        || ctx->core_vset_error == NULL)
        return;
    ctx->core_new_error(ctx->handle);
#ifdef SPPROV_ERROR_LOCATIONS
    /* --enable-error-locations: name our source file, line and function
     * in every error, for development. */
    if (ctx->core_set_error_debug != NULL)
        ctx->core_set_error_debug(ctx->handle, file, line, func);
#else
    /* Operators read "smimepolicy::<reason>::0:<detail>", as OpenSSL
     * prints its own errors when built without file names; source
     * locations would only push the findings further along the line. */
    (void)file;
    (void)line;
    (void)func;
    if (ctx->core_set_error_debug != NULL)
        ctx->core_set_error_debug(ctx->handle, NULL, 0, NULL);
#endif
    va_start(ap, fmt);
    ctx->core_vset_error(ctx->handle, (uint32_t)reason, fmt, ap);
    va_end(ap);
    if (ctx->initialising) {
        const OSSL_ITEM *item = spprov_reason_strings;
        int n;

        while (item->id != 0 && item->id != (unsigned int)reason)
            item++;
        n = snprintf(ctx->init_error, sizeof(ctx->init_error), "%s: ",
                     item->ptr != NULL ? (const char *)item->ptr : "error");
        if (n > 0 && (size_t)n < sizeof(ctx->init_error)) {
            va_start(ap, fmt);
            vsnprintf(ctx->init_error + n, sizeof(ctx->init_error) - (size_t)n,
                      fmt, ap);
            va_end(ap);
        }
    }
}

static void spprov_ctx_free(SPPROV_CTX *ctx)
{
    if (ctx == NULL)
        return;
    spprov_audit_close(ctx->audit);
    sp_policy_free(ctx->policy);
    /* Freeing the private context unloads the inner providers. */
    OSSL_LIB_CTX_free(ctx->inner_libctx);
    CRYPTO_THREAD_lock_free(ctx->inner_lock);
    OPENSSL_free(ctx->policy_path);
    OPENSSL_free(ctx->audit_log);
    OPENSSL_free(ctx->inner_providers);
    OPENSSL_free(ctx->pkcs11_module);
    OPENSSL_free(ctx->pkcs11_pin_source);
    OPENSSL_free(ctx);
}

static void spprov_teardown(void *provctx)
{
    spprov_ctx_free(provctx);
}

int spprov_inner_provider_load(SPPROV_CTX *ctx, const char *name)
{
    int ok = 0;

    if (!CRYPTO_THREAD_write_lock(ctx->inner_lock)) {
        spprov_raise(ctx, SPPROV_R_INTERNAL, "cannot take the inner lock");
        return 0;
    }
    /* A provider stays loaded for the life of the private context; the
     * handle OSSL_PROVIDER_load returns is released with the context. */
    if (OSSL_PROVIDER_available(ctx->inner_libctx, name)) {
        ok = 1;
        goto done;
    }
    if (OSSL_PROVIDER_load(ctx->inner_libctx, name) == NULL) {
        unsigned long e = ERR_peek_last_error();
        char buf[256] = "";

        if (e != 0)
            ERR_error_string_n(e, buf, sizeof(buf));
        spprov_raise(ctx, SPPROV_R_CONFIG,
                     "inner provider \"%s\" could not be loaded%s%s", name,
                     buf[0] != '\0' ? ": " : "", buf);
        goto done;
    }
    ok = 1;
done:
    CRYPTO_THREAD_unlock(ctx->inner_lock);
    return ok;
}

/* Load every provider named in `list` (separated by commas or blanks). */
static int spprov_load_inner_providers(SPPROV_CTX *ctx, const char *list)
{
    char name[64];
    const char *p = list;

    while (*p != '\0') {
        size_t n = strcspn(p, ", \t");

        if (n >= sizeof(name)) {
            spprov_raise(ctx, SPPROV_R_CONFIG,
                         "inner_providers: name too long in \"%s\"", list);
            return 0;
        }
        if (n > 0) {
            memcpy(name, p, n);
            name[n] = '\0';
            if (!spprov_inner_provider_load(ctx, name))
                return 0;
        }
        p += n;
        p += strspn(p, ", \t");
    }
    return 1;
}

static int spprov_parse_bool(const char *value, int *out)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(value, yes[i]) == 0) {
            *out = 1;
            return 1;
        }
        if (strcasecmp(value, no[i]) == 0) {
            *out = 0;
            return 1;
        }
    }
    return 0;
}

static char *spprov_strdup_or_null(const char *s)
{
    return s == NULL ? NULL : OPENSSL_strdup(s);
}

/* Read the whole configuration section in one call, then load the
 * policy, open the audit log and set up the private library context.
 * Any error makes provider initialisation fail. */
static int spprov_configure(SPPROV_CTX *ctx, OSSL_FUNC_core_get_params_fn *get)
{
    char *values[SPPROV_CFG_COUNT] = {NULL};
    OSSL_PARAM params[SPPROV_CFG_COUNT + 1];
    char err[SP_POLICY_ERR_MAX];
    OSSL_LIB_CTX *prev;
    const char *inner;
    size_t i;

    for (i = 0; i < SPPROV_CFG_COUNT; i++)
        params[i] = OSSL_PARAM_construct_utf8_ptr((char *)spprov_cfg_names[i],
                                                  &values[i], 0);
    params[SPPROV_CFG_COUNT] = OSSL_PARAM_construct_end();
    if (get == NULL || !get(ctx->handle, params)) {
        spprov_raise(ctx, SPPROV_R_CONFIG,
                     "cannot read the provider configuration");
        return 0;
    }

    if (values[SPPROV_CFG_POLICY] == NULL
        || values[SPPROV_CFG_POLICY][0] == '\0') {
        spprov_raise(ctx, SPPROV_R_POLICY_LOAD,
                     "no \"policy\" key in the provider section: a policy "
                     "file is required");
        return 0;
    }
    ctx->policy_path = OPENSSL_strdup(values[SPPROV_CFG_POLICY]);
    ctx->audit_log = spprov_strdup_or_null(values[SPPROV_CFG_AUDIT_LOG]);
    inner = values[SPPROV_CFG_INNER_PROVIDERS] != NULL
                ? values[SPPROV_CFG_INNER_PROVIDERS]
                : SPPROV_DEFAULT_INNER_PROVIDERS;
    ctx->inner_providers = OPENSSL_strdup(inner);
    ctx->pkcs11_module =
        spprov_strdup_or_null(values[SPPROV_CFG_PKCS11_MODULE]);
    ctx->pkcs11_pin_source =
        spprov_strdup_or_null(values[SPPROV_CFG_PKCS11_PIN_SOURCE]);
    if (ctx->policy_path == NULL || ctx->inner_providers == NULL
        || (values[SPPROV_CFG_AUDIT_LOG] != NULL && ctx->audit_log == NULL)) {
        spprov_raise(ctx, SPPROV_R_INTERNAL, "out of memory");
        return 0;
    }
    if (values[SPPROV_CFG_AUDIT_SYSLOG] != NULL
        && !spprov_parse_bool(values[SPPROV_CFG_AUDIT_SYSLOG],
                              &ctx->audit_syslog)) {
        spprov_raise(ctx, SPPROV_R_CONFIG,
                     "audit_syslog = \"%s\": expected yes or no",
                     values[SPPROV_CFG_AUDIT_SYSLOG]);
        return 0;
    }
    if (ctx->pkcs11_pin_source != NULL
        && strncmp(ctx->pkcs11_pin_source, "file:", 5) != 0
        && strncmp(ctx->pkcs11_pin_source, "env:", 4) != 0) {
        spprov_raise(ctx, SPPROV_R_CONFIG,
                     "pkcs11_pin_source = \"%s\": expected file:PATH or "
                     "env:VARIABLE",
                     ctx->pkcs11_pin_source);
        return 0;
    }

    ctx->inner_libctx = OSSL_LIB_CTX_new();
    ctx->inner_lock = CRYPTO_THREAD_lock_new();
    if (ctx->inner_libctx == NULL || ctx->inner_lock == NULL) {
        spprov_raise(ctx, SPPROV_R_INTERNAL,
                     "cannot create the private library context");
        return 0;
    }
    /* The default provider is always there: it holds the public copies
     * of wrapped keys and computes digests for inner providers that have
     * none. */
    if (!spprov_inner_provider_load(ctx, "default")
        || !spprov_load_inner_providers(ctx, ctx->inner_providers))
        return 0;

    /* The engine reads the policy and its issuer certificates with the
     * thread's default library context. Point that at the private one
     * meanwhile: while openssl.cnf is being loaded the application's
     * context may not have its default provider yet (when smimepolicy is
     * listed first), and fetching there would fail. */
    err[0] = '\0';
    prev = OSSL_LIB_CTX_set0_default(ctx->inner_libctx);
    ctx->policy = sp_policy_load(ctx->policy_path, err, sizeof(err));
    OSSL_LIB_CTX_set0_default(prev);
    if (ctx->policy == NULL) {
        /* The loader's message names the file, section and key. */
        spprov_raise(ctx, SPPROV_R_POLICY_LOAD, "%s",
                     err[0] != '\0' ? err : ctx->policy_path);
        return 0;
    }

    if (ctx->audit_log != NULL || ctx->audit_syslog) {
        err[0] = '\0';
        ctx->audit = spprov_audit_open(ctx->audit_log, ctx->audit_syslog, err,
                                       sizeof(err));
        if (ctx->audit == NULL) {
            spprov_raise(ctx, SPPROV_R_AUDIT, "cannot open audit log %s: %s",
                         ctx->audit_log != NULL ? ctx->audit_log : "(syslog)",
                         err[0] != '\0' ? err : "unknown error");
            return 0;
        }
        spprov_audit_set_libctx(ctx->audit, ctx->inner_libctx);
    }

    return 1;
}

static const OSSL_PARAM *spprov_gettable_params(void *provctx)
{
    static const OSSL_PARAM gettable[] = {
        OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, NULL, 0),
        OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, NULL, 0),
        OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, NULL, 0),
        OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, NULL),
        OSSL_PARAM_END,
    };
    return gettable;
}

static int spprov_get_params(void *provctx, OSSL_PARAM params[])
{
    OSSL_PARAM *p;

    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
    if (p != NULL
        && !OSSL_PARAM_set_utf8_ptr(p, "smimepolicy: S/MIME issuance policy"))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, PACKAGE_VERSION))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, OPENSSL_VERSION_TEXT))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
    if (p != NULL && !OSSL_PARAM_set_int(p, 1))
        return 0;
    return 1;
}

/* The algorithm tables are built once from spprov_key_kinds. */
static OSSL_ALGORITHM spprov_keymgmt_algs[SPPROV_KT_COUNT + 1];
static OSSL_ALGORITHM spprov_signature_algs[SPPROV_KT_COUNT + 1];
static CRYPTO_ONCE spprov_algs_once = CRYPTO_ONCE_STATIC_INIT;

static void spprov_build_algs(void)
{
    size_t i;

    for (i = 0; i < SPPROV_KT_COUNT; i++) {
        spprov_keymgmt_algs[i].algorithm_names =
            spprov_key_kinds[i].keymgmt_names;
        spprov_keymgmt_algs[i].property_definition = SPPROV_PROPS;
        spprov_keymgmt_algs[i].implementation = spprov_keymgmt_functions[i];
        spprov_keymgmt_algs[i].algorithm_description =
            "smimepolicy wrapped key";
        spprov_signature_algs[i].algorithm_names = spprov_key_kinds[i].sig_name;
        spprov_signature_algs[i].property_definition = SPPROV_PROPS;
        spprov_signature_algs[i].implementation = spprov_signature_functions[i];
        spprov_signature_algs[i].algorithm_description =
            "signature through the smimepolicy gate";
    }
}

static const OSSL_ALGORITHM spprov_store_algs[] = {
    {"smimepolicy", SPPROV_PROPS, spprov_store_functions,
     "wraps an inner store URI: smimepolicy:<uri>"},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *
spprov_query_operation(void *provctx, int operation_id, int *no_cache)
{
    *no_cache = 0;
    if (!CRYPTO_THREAD_run_once(&spprov_algs_once, spprov_build_algs))
        return NULL;
    switch (operation_id) {
    case OSSL_OP_KEYMGMT:
        return spprov_keymgmt_algs;
    case OSSL_OP_SIGNATURE:
        return spprov_signature_algs;
    case OSSL_OP_STORE:
        return spprov_store_algs;
    default:
        return NULL;
    }
}

static const OSSL_ITEM *spprov_get_reason_strings(void *provctx)
{
    return spprov_reason_strings;
}

static const OSSL_DISPATCH spprov_dispatch[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))spprov_teardown},
    {OSSL_FUNC_PROVIDER_GETTABLE_PARAMS,
     (void (*)(void))spprov_gettable_params},
    {OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))spprov_get_params},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION,
     (void (*)(void))spprov_query_operation},
    {OSSL_FUNC_PROVIDER_GET_REASON_STRINGS,
     (void (*)(void))spprov_get_reason_strings},
    {0, NULL},
};

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                       const OSSL_DISPATCH **out, void **provctx)
{
    OSSL_FUNC_core_get_params_fn *core_get_params = NULL;
    SPPROV_CTX *ctx;

    ctx = OPENSSL_zalloc(sizeof(*ctx));
    if (ctx == NULL)
        return 0;
    ctx->handle = handle;
    for (; in->function_id != 0; in++) {
        switch (in->function_id) {
        case OSSL_FUNC_CORE_GET_PARAMS:
            core_get_params = OSSL_FUNC_core_get_params(in);
            break;
        case OSSL_FUNC_CORE_NEW_ERROR:
            ctx->core_new_error = OSSL_FUNC_core_new_error(in);
            break;
        case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
            ctx->core_set_error_debug = OSSL_FUNC_core_set_error_debug(in);
            break;
        case OSSL_FUNC_CORE_VSET_ERROR:
            ctx->core_vset_error = OSSL_FUNC_core_vset_error(in);
            break;
        default:
            break;
        }
    }

    ctx->initialising = 1;
    if (!spprov_configure(ctx, core_get_params)) {
        /* A provider that fails to activate from openssl.cnf is skipped
         * silently and its errors are discarded; the operator would only
         * see "unregistered scheme" later. Say why, once, on stderr. */
        fprintf(stderr, "smimepolicy: provider not activated: %s\n",
                ctx->init_error[0] != '\0' ? ctx->init_error
                                           : "configuration error");
        spprov_ctx_free(ctx);
        return 0;
    }
    ctx->initialising = 0;
    *out = spprov_dispatch;
    *provctx = ctx;
    return 1;
}
