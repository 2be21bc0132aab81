/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys held in a PKCS#11 token, reached through the libp11 "pkcs11" ENGINE.
 *
 * OpenSSL 3.0 on Debian 12 has no pkcs11-provider, so for
 * `smimepolicy:engine:pkcs11:<pkcs11-uri>` the provider's STORE loader loads
 * the key through the engine itself and keeps the resulting legacy EVP_PKEY
 * inside its wrapped key. The private half never leaves the token: libp11
 * installs RSA/EC methods that call C_Sign. Nobody outside the provider
 * ever sees this EVP_PKEY, so no other code can sign with it.
 *
 * Everything here works on the global (default) library context, because
 * ENGINEs only exist there. Built without ENGINE support (OPENSSL_NO_ENGINE)
 * the functions exist and fail with a clear message.
 *
 * Thread safety: loading takes libp11's own lock and the ENGINE list lock;
 * two threads may load keys at once as long as they use the same PIN source
 * (the PIN is one engine setting, set just before the load). One key may
 * sign from several threads at once: each call uses its own EVP_MD_CTX, and
 * libp11 serialises access to its PKCS#11 sessions. libp11 keeps one module
 * per process: all engine keys of a process must come from the same PKCS#11
 * module (the first successful load fixes it; a different one later is an
 * error rather than a key silently looked up in the first module).
 *
 * libp11 clears the thread's OpenSSL error queue when it loads a key; load
 * before raising errors of your own.
 */
#ifndef SMIMEPOLICY_ENGINE_KEY_H
#define SMIMEPOLICY_ENGINE_KEY_H

#include <stddef.h>

#include <openssl/evp.h>

/* Longest PIN read from a pin source (PKCS#11 PINs are short). */
#define SPPROV_PIN_MAX 256

/*
 * Load the private key named by `pkcs11_uri` (RFC 7512, must start with
 * "pkcs11:" and must not carry "pin-value" or "pin-source": the PIN comes
 * from `pin_source` only, so it never appears on a command line or in
 * libp11's diagnostics).
 *
 * module: path of the PKCS#11 module, or NULL for libp11's default
 *         (p11-kit-proxy, which finds SoftHSM2 and every module registered
 *         with p11-kit).
 * pin_source: "file:PATH" (first line of the file, without its line end) or
 *         "env:NAME", or NULL when the token needs no login. Without a PIN
 *         source the token is never asked for one (no prompt, no empty-PIN
 *         login that would count against its retry counter).
 *
 * Returns a legacy EVP_PKEY (RSA or EC) or NULL with a one-line reason in
 * err (never the PIN). The key holds a functional reference to the engine
 * (as its EVP_PKEY method engine), so the PKCS#11 module stays loaded until
 * the last such key is freed; EVP_PKEY_free() is all the caller does.
 */
EVP_PKEY *spprov_engine_key_load(const char *pkcs11_uri, const char *module,
                                 const char *pin_source, char *err,
                                 size_t errlen);

/*
 * A public-only copy of an engine key, owned by a provider of `libctx`
 * (e.g. the default provider in the smimepolicy private library context):
 * for exporting the public half, comparing with the issuing CA certificate
 * and X509_check_private_key(). NULL with a reason in err.
 */
EVP_PKEY *spprov_engine_key_public(const EVP_PKEY *pkey, OSSL_LIB_CTX *libctx,
                                   const char *propq, char *err, size_t errlen);

/* How to sign with an engine key. */
typedef enum {
    SPPROV_PAD_DEFAULT = 0, /* PKCS#1 v1.5 for RSA; ECDSA for EC */
    SPPROV_PAD_PSS = 1,     /* RSASSA-PSS, MGF1 with the same digest,
                               salt length = digest length (the only PSS
                               encoding the S/MIME BR allow) */
} spprov_pad_mode;

/*
 * DER of the signature AlgorithmIdentifier for a signature made with
 * spprov_engine_key_sign() and the same digest and padding. The provider
 * answers OSSL_SIGNATURE_PARAM_ALGORITHM_ID with it and checks that the TBS
 * carries exactly these bytes. For RSA PKCS#1 v1.5 and ECDSA it comes from
 * OBJ_find_sigid_by_algs(); for PSS from a verification context of the
 * public half in `libctx`, so the encoding is the one OpenSSL writes for file
 * keys. `mdname` is a digest name ("SHA256", "SHA384", "SHA512").
 * Returns 1 and sets *outlen, or 0 with a reason in err.
 */
int spprov_engine_key_algorithm_id(const EVP_PKEY *pkey, const char *mdname,
                                   spprov_pad_mode pad, OSSL_LIB_CTX *libctx,
                                   const char *propq, unsigned char *out,
                                   size_t outsize, size_t *outlen, char *err,
                                   size_t errlen);

/*
 * Sign `tbs` (the whole message, e.g. a DER TBSCertificate) with digest
 * `mdname` inside the token. With sig == NULL only *siglen is set (the
 * maximum size). Otherwise `sigsize` is the room in sig and *siglen the
 * length written. Returns 1, or 0 with a reason in err.
 */
int spprov_engine_key_sign(EVP_PKEY *pkey, const char *mdname,
                           spprov_pad_mode pad, const unsigned char *tbs,
                           size_t tbslen, unsigned char *sig, size_t sigsize,
                           size_t *siglen, char *err, size_t errlen);

#endif
