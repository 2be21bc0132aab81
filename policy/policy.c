/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy file loader: reads a CA's own policy (openssl.cnf syntax, see
 * smimepolicy.cnf(5)) into an SP_POLICY, and builds the built-in default
 * that is the SBR alone.
 *
 * Loading is strict on purpose: the provider refuses to sign when it cannot
 * load its policy, so every doubt (an unknown key, a value out of range, a
 * missing file) is an error whose message names the file, the section, the
 * key and the value. The loader uses libcrypto only to parse the file
 * (NCONF), to hash it and to parse OIDs; judging never comes back here.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "policy_int.h"
#include "policy_load.h"

/* A policy file is a few kilobytes; anything far larger is a mistake. */
#define SP_POLICY_FILE_MAX (1024 * 1024)
#define SP_MAIN_SECTION "smimepolicy"
#define SP_DAY_SECS 86400
/* SBR 4.9.7: nextUpdate of a CRL for subscriber certificates. */
#define SP_SBR_CRL_MAX_SECS (10 * SP_DAY_SECS)
/* 64 bits of CSPRNG output in a positive INTEGER need 9 content octets;
 * RFC 5280 4.1.2.2 allows at most 20. */
#define SP_SERIAL_OCTETS_MIN 9
#define SP_SERIAL_OCTETS_MAX 20
#define SP_RSA_BITS_MIN 2048
#define SP_RSA_BITS_MAX 16384

static const SP_NAME_VALUE sp_type_names[] = {
    {"mailbox", SP_TYPE_MAILBOX},
    {"organization", SP_TYPE_ORGANIZATION},
    {"sponsored", SP_TYPE_SPONSORED},
    {"individual", SP_TYPE_INDIVIDUAL},
};

static const SP_NAME_VALUE sp_generation_names[] = {
    {"strict", SP_GEN_STRICT},
    {"multipurpose", SP_GEN_MULTIPURPOSE},
    {"legacy", SP_GEN_LEGACY},
};

static const SP_NAME_VALUE sp_mode_names[] = {
    {"enforce", SP_MODE_ENFORCE},
    {"report", SP_MODE_REPORT},
};

static const SP_NAME_VALUE sp_bool_names[] = {
    {"yes", 1}, {"true", 1},  {"on", 1},  {"1", 1},
    {"no", 0},  {"false", 0}, {"off", 0}, {"0", 0},
};

/* Key type names, matched after lowercasing and dropping '-' and '_', so
 * "P-256", "ML-DSA-65" and "mldsa65" all work. Group names select every
 * parameter set of an algorithm. */
static const SP_NAME_VALUE sp_key_type_names[] = {
    {"rsa", SP_KEY_RSA},
    {"p256", SP_KEY_P256},
    {"p384", SP_KEY_P384},
    {"p521", SP_KEY_P521},
    {"ed25519", SP_KEY_ED25519},
    {"ed448", SP_KEY_ED448},
    {"mldsa44", SP_KEY_MLDSA44},
    {"mldsa65", SP_KEY_MLDSA65},
    {"mldsa87", SP_KEY_MLDSA87},
    {"mlkem512", SP_KEY_MLKEM512},
    {"mlkem768", SP_KEY_MLKEM768},
    {"mlkem1024", SP_KEY_MLKEM1024},
    {"ecdsa", SP_KEY_P256 | SP_KEY_P384 | SP_KEY_P521},
    {"eddsa", SP_KEY_ED25519 | SP_KEY_ED448},
    {"mldsa", SP_KEY_MLDSA44 | SP_KEY_MLDSA65 | SP_KEY_MLDSA87},
    {"mlkem", SP_KEY_MLKEM512 | SP_KEY_MLKEM768 | SP_KEY_MLKEM1024},
};

static const char *const sp_main_keys[] = {
    "issuers",
    "profiles",
    "mode",
    "crl",
    "crl_max_next_update",
    "ocsp",
    /* CA and responder certificates (policy_ca.c) */
    "subca",
    "subca_name_constraints",
    "cross_certificates",
    "roots",
    "ocsp_responders",
    "ocsp_responder_max_validity",
    /* root certificates (policy_ca.c) */
    "root_certificates",
    "root_digital_signature",
    "root_max_validity",
    NULL,
};

static const char *const sp_profile_keys[] = {
    "type",
    "generation",
    "mode",
    "max_validity",
    "email_domains",
    "key_types",
    "rsa_min_bits",
    "rsa_max_bits",
    "extra_extensions",
    "allowed_ekus",
    "min_serial_octets",
    "warnings_are_errors",
    "exceptions",
    NULL,
};

static const char *const sp_exception_keys[] = {
    "code", "owner", "reason", "expires", NULL,
};

/* Extensions whose rules the SBR itself sets (7.1.2.3): `extra_extensions`
 * cannot change them, so listing one is a mistake in the policy. */
static const char *const sp_sbr_extension_oids[] = {
    "2.5.29.15",              /* keyUsage */
    "2.5.29.37",              /* extKeyUsage */
    "2.5.29.17",              /* subjectAltName */
    "2.5.29.32",              /* certificatePolicies */
    "2.5.29.31",              /* cRLDistributionPoints */
    "1.3.6.1.5.5.7.1.1",      /* authorityInfoAccess */
    "2.5.29.35",              /* authorityKeyIdentifier */
    "2.5.29.14",              /* subjectKeyIdentifier */
    "2.5.29.19",              /* basicConstraints */
    "1.2.840.113549.1.9.15",  /* smimeCapabilities */
    "2.5.29.9",               /* subjectDirectoryAttributes */
    "1.3.6.1.5.5.7.1.3",      /* qcStatements */
    "1.3.6.1.4.1.52266.1",    /* LEI */
    "1.3.6.1.4.1.52266.2",    /* LEI role */
    "1.2.840.113583.1.1.9.1", /* Adobe time-stamp */
    "1.2.840.113583.1.1.9.2", /* Adobe archiveRevInfo */
    NULL,
};

/* EKU values no S/MIME certificate may carry (SBR 7.1.2.3(f)); OCSPSigning
 * is added because an issuing CA would otherwise create a delegated OCSP
 * responder. */
static const char *const sp_forbidden_eku_oids[] = {
    "1.3.6.1.5.5.7.3.1", /* serverAuth */
    "1.3.6.1.5.5.7.3.3", /* codeSigning */
    "1.3.6.1.5.5.7.3.8", /* timeStamping */
    "1.3.6.1.5.5.7.3.9", /* OCSPSigning */
    "2.5.29.37.0",       /* anyExtendedKeyUsage */
    NULL,
};

#define SP_EKU_EMAIL_PROTECTION "1.3.6.1.5.5.7.3.4"

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

unsigned sp_sbr_max_validity_days(sp_generation gen)
{
    switch (gen) {
    case SP_GEN_STRICT:
    case SP_GEN_MULTIPURPOSE:
        return 825;
    case SP_GEN_LEGACY:
        return 1185;
    case SP_GEN_NONE:
        break;
    }
    return 0;
}

static const char *name_of(const SP_NAME_VALUE *table, size_t n, unsigned value)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].value == value)
            return table[i].name;
    }
    return "?";
}

#define SP_NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int lookup_name(const SP_NAME_VALUE *table, size_t n, const char *text,
                       unsigned *value)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].name, text) == 0) {
            *value = table[i].value;
            return 1;
        }
    }
    return 0;
}

/* Writes "path: [section] key = "value": reason" into ld->err. Any of
 * section, key and value may be NULL when they do not apply. */
void load_error(SP_LOADER *ld, const char *section, const char *key,
                const char *value, const char *fmt, ...)
{
    char reason[SP_POLICY_ERR_MAX];
    va_list ap;

    if (ld->err == NULL || ld->errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);

    if (section == NULL)
        snprintf(ld->err, ld->errlen, "%s: %s", ld->path, reason);
    else if (key == NULL)
        snprintf(ld->err, ld->errlen, "%s: [%s]: %s", ld->path, section,
                 reason);
    else if (value == NULL)
        snprintf(ld->err, ld->errlen, "%s: [%s] %s: %s", ld->path, section, key,
                 reason);
    else
        snprintf(ld->err, ld->errlen, "%s: [%s] %s = \"%s\": %s", ld->path,
                 section, key, value, reason);
}

/* The value of `key` in exactly this section. NCONF_get_string() would fall
 * back to the default section, which would let a stray top-level variable
 * change a profile. */
const char *section_value(STACK_OF(CONF_VALUE) * sect, const char *key)
{
    const char *found = NULL;

    for (int i = 0; i < sk_CONF_VALUE_num(sect); i++) {
        const CONF_VALUE *cv = sk_CONF_VALUE_value(sect, i);

        if (strcmp(cv->name, key) == 0)
            found = cv->value;
    }
    return found;
}

/* Every key of a section must be one the loader knows: a misspelt key
 * would otherwise silently leave the SBR default in place. */
int check_known_keys(SP_LOADER *ld, const char *section,
                     STACK_OF(CONF_VALUE) * sect, const char *const *known)
{
    for (int i = 0; i < sk_CONF_VALUE_num(sect); i++) {
        const CONF_VALUE *cv = sk_CONF_VALUE_value(sect, i);
        size_t k;

        for (k = 0; known[k] != NULL; k++) {
            if (strcmp(known[k], cv->name) == 0)
                break;
        }
        if (known[k] == NULL) {
            load_error(ld, section, cv->name, cv->value, "unknown key");
            return 0;
        }
    }
    return 1;
}

/* Lists separate their items with commas and/or whitespace. Returns 1 and
 * the next item (not NUL-terminated) while there is one. */
int list_next(const char **cursor, const char **item, size_t *len)
{
    const char *p = *cursor;

    while (*p == ',' || isspace((unsigned char)*p))
        p++;
    if (*p == '\0') {
        *cursor = p;
        return 0;
    }
    *item = p;
    while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p))
        p++;
    *len = (size_t)(p - *item);
    *cursor = p;
    return 1;
}

/* Copies a list item into buf as a C string; 0 when it does not fit. */
int item_copy(char *buf, size_t buflen, const char *item, size_t len)
{
    if (len >= buflen)
        return 0;
    memcpy(buf, item, len);
    buf[len] = '\0';
    return 1;
}

/* A decimal number without sign, spaces or suffix, within [min, max]. */
int parse_uint(const char *text, unsigned long min, unsigned long max,
               unsigned long *out)
{
    unsigned long v = 0;

    if (*text == '\0')
        return 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        if (v > (ULONG_MAX - 9) / 10)
            return 0;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

/* "YYYY-MM-DD", a real calendar date, as seconds at 00:00:00 UTC. */
static int parse_date(const char *text, int64_t *out)
{
    static const unsigned month_days[12] = {31, 29, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};
    unsigned y = 0, m, d;

    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && !isdigit((unsigned char)text[i]))
            return 0;
    }
    for (int i = 0; i < 4; i++)
        y = y * 10 + (unsigned)(text[i] - '0');
    m = (unsigned)(text[5] - '0') * 10 + (unsigned)(text[6] - '0');
    d = (unsigned)(text[8] - '0') * 10 + (unsigned)(text[9] - '0');
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    *out = sp_days_from_civil(y, m, d) * SP_DAY_SECS;
    return 1;
}

/* "<number><unit>" with unit s, m, h or d, e.g. "10d", "36h". */
int parse_duration(const char *text, int64_t *out)
{
    char digits[16];
    size_t len = strlen(text);
    unsigned long n, unit;

    if (len < 2 || len - 1 >= sizeof(digits))
        return 0;
    switch (text[len - 1]) {
    case 's':
        unit = 1;
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = SP_DAY_SECS;
        break;
    default:
        return 0;
    }
    memcpy(digits, text, len - 1);
    digits[len - 1] = '\0';
    if (!parse_uint(digits, 1, 1000000000UL, &n))
        return 0;
    *out = (int64_t)n * (int64_t)unit;
    return 1;
}

/* An OID as dotted text or an OpenSSL name, into DER contents octets. */
static int parse_oid(const char *text, uint8_t *der, size_t derlen,
                     size_t *outlen)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(text, 0);
    int ok = 0;

    if (obj == NULL)
        goto done;
    if (OBJ_length(obj) == 0 || OBJ_length(obj) > derlen)
        goto done;
    memcpy(der, OBJ_get0_data(obj), OBJ_length(obj));
    *outlen = OBJ_length(obj);
    ok = 1;
done:
    ASN1_OBJECT_free(obj);
    return ok;
}

/* Whether DER contents `der` is the OID of one of the dotted texts. */
static int oid_in_list(const uint8_t *der, size_t len,
                       const char *const *dotted)
{
    for (size_t i = 0; dotted[i] != NULL; i++) {
        uint8_t other[32];
        size_t other_len;

        if (parse_oid(dotted[i], other, sizeof(other), &other_len)
            && other_len == len && memcmp(other, der, len) == 0)
            return 1;
    }
    return 0;
}

/* A mailbox domain for `email_domains`: "example.com" or ".example.com",
 * LDH labels (IDNs in their xn-- form). Lowercased in place. */
int check_domain(char *domain)
{
    char *p = domain;
    size_t label_len = 0, total;

    if (*p == '.')
        p++;
    total = strlen(p);
    if (total == 0 || total > 253)
        return 0;
    for (; *p != '\0'; p++) {
        /* ASCII only, whatever the locale says about other bytes. */
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        if (*p == '.') {
            if (label_len == 0 || p[-1] == '-')
                return 0;
            label_len = 0;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
              || *p == '-'))
            return 0;
        if (*p == '-' && label_len == 0)
            return 0;
        if (++label_len > 63)
            return 0;
    }
    return label_len > 0 && p[-1] != '-';
}

/* ------------------------------------------------------------------ */
/* Profiles                                                            */

static void exception_clear(SP_EXCEPTION *ex)
{
    OPENSSL_free(ex->name);
    OPENSSL_free(ex->owner);
    OPENSSL_free(ex->reason);
    memset(ex, 0, sizeof(*ex));
}

static void profile_clear(SP_PROFILE *prof)
{
    OPENSSL_free(prof->name);
    for (size_t i = 0; i < prof->n_email_domains; i++)
        OPENSSL_free(prof->email_domains[i]);
    OPENSSL_free(prof->email_domains);
    OPENSSL_free(prof->extra_exts);
    OPENSSL_free(prof->allowed_ekus);
    for (size_t i = 0; i < prof->n_exceptions; i++)
        exception_clear(&prof->exceptions[i]);
    OPENSSL_free(prof->exceptions);
    memset(prof, 0, sizeof(*prof));
}

/* The SBR itself, for one type and generation. */
static int profile_init_default(SP_PROFILE *prof, const char *name,
                                sp_type type, sp_generation gen, sp_mode mode)
{
    memset(prof, 0, sizeof(*prof));
    if ((prof->name = OPENSSL_strdup(name)) == NULL)
        return 0;
    prof->type = type;
    prof->generation = gen;
    prof->mode = mode;
    prof->max_validity_days = sp_sbr_max_validity_days(gen);
    prof->key_types = SP_KEY_ALL_SBR;
    prof->rsa_min_bits = SP_RSA_BITS_MIN;
    prof->rsa_max_bits = 0;
    prof->min_serial_octets = SP_SERIAL_OCTETS_MIN;
    return 1;
}

static int load_exception(SP_LOADER *ld, const char *section, SP_EXCEPTION *ex)
{
    STACK_OF(CONF_VALUE) *sect = NCONF_get_section(ld->conf, section);
    const char *code, *owner, *reason, *expires;
    int rule;

    if (!check_known_keys(ld, section, sect, sp_exception_keys))
        return 0;
    code = section_value(sect, "code");
    owner = section_value(sect, "owner");
    reason = section_value(sect, "reason");
    expires = section_value(sect, "expires");
    if (code == NULL || *code == '\0') {
        load_error(ld, section, "code", NULL,
                   "missing: an exception names the finding code it waives");
        return 0;
    }
    if ((rule = sp_rule_by_code(code)) < 0) {
        load_error(ld, section, "code", code, "unknown finding code");
        return 0;
    }
    if (owner == NULL || *owner == '\0') {
        load_error(ld, section, "owner", NULL,
                   "missing: an exception needs an owner");
        return 0;
    }
    if (reason == NULL || *reason == '\0') {
        load_error(ld, section, "reason", NULL,
                   "missing: an exception needs a reason");
        return 0;
    }
    if (expires == NULL || *expires == '\0') {
        load_error(ld, section, "expires", NULL,
                   "missing: an exception needs an expiry date (YYYY-MM-DD)");
        return 0;
    }
    if (!parse_date(expires, &ex->expires)) {
        load_error(ld, section, "expires", expires,
                   "not a date in the form YYYY-MM-DD");
        return 0;
    }
    ex->rule = rule;
    ex->name = OPENSSL_strdup(section);
    ex->owner = OPENSSL_strdup(owner);
    ex->reason = OPENSSL_strdup(reason);
    if (ex->name == NULL || ex->owner == NULL || ex->reason == NULL) {
        load_error(ld, section, NULL, NULL, "out of memory");
        return 0;
    }
    return 1;
}

static int load_exceptions(SP_LOADER *ld, const char *section,
                           const char *value, SP_PROFILE *prof)
{
    const char *cursor = value, *item;
    size_t len, count = 0;
    char name[256];

    while (list_next(&cursor, &item, &len))
        count++;
    if (count == 0)
        return 1;
    prof->exceptions = OPENSSL_zalloc(count * sizeof(*prof->exceptions));
    if (prof->exceptions == NULL) {
        load_error(ld, section, "exceptions", value, "out of memory");
        return 0;
    }
    cursor = value;
    while (list_next(&cursor, &item, &len)) {
        SP_EXCEPTION *ex = &prof->exceptions[prof->n_exceptions];

        if (!item_copy(name, sizeof(name), item, len)) {
            load_error(ld, section, "exceptions", value,
                       "section name too long");
            return 0;
        }
        if (NCONF_get_section(ld->conf, name) == NULL) {
            load_error(ld, section, "exceptions", name,
                       "no section [%s] in the file", name);
            return 0;
        }
        for (size_t i = 0; i < prof->n_exceptions; i++) {
            if (strcmp(prof->exceptions[i].name, name) == 0) {
                load_error(ld, section, "exceptions", name, "listed twice");
                return 0;
            }
        }
        if (!load_exception(ld, name, ex)) {
            exception_clear(ex);
            return 0;
        }
        prof->n_exceptions++;
        for (size_t i = 0; i + 1 < prof->n_exceptions; i++) {
            if (prof->exceptions[i].rule == ex->rule) {
                load_error(ld, section, "exceptions", name,
                           "code \"%s\" is already waived by [%s]",
                           sp_rules[ex->rule].code, prof->exceptions[i].name);
                return 0;
            }
        }
    }
    return 1;
}

int load_domain_list(SP_LOADER *ld, const char *section, const char *key,
                     const char *value, const char *empty_why,
                     sp_domain_problem_fn problem, char ***out, size_t *n)
{
    const char *cursor = value, *item;
    size_t len, count = 0;

    while (list_next(&cursor, &item, &len))
        count++;
    if (count == 0) {
        load_error(ld, section, key, value, "%s", empty_why);
        return 0;
    }
    if ((*out = OPENSSL_zalloc(count * sizeof(char *))) == NULL) {
        load_error(ld, section, key, value, "out of memory");
        return 0;
    }
    cursor = value;
    while (list_next(&cursor, &item, &len)) {
        char *domain = OPENSSL_strndup(item, len);
        const char *why;

        if (domain == NULL) {
            load_error(ld, section, key, value, "out of memory");
            return 0;
        }
        (*out)[(*n)++] = domain;
        if ((why = problem(domain, item, len)) != NULL) {
            /* Report the item as written, before lowercasing. */
            char shown[256];

            if (!item_copy(shown, sizeof(shown), item, len))
                strcpy(shown, "(too long)");
            load_error(ld, section, key, shown, "%s", why);
            return 0;
        }
    }
    return 1;
}

static const char *email_domain_problem(char *domain, const char *item,
                                        size_t len)
{
    if (!check_domain(domain))
        return "not a domain name (\"example.com\" for exactly that domain, "
               "\".example.com\" for its subdomains; IDNs in xn-- form)";
    return NULL;
}

static int load_email_domains(SP_LOADER *ld, const char *section,
                              const char *value, SP_PROFILE *prof)
{
    return load_domain_list(
        ld, section, "email_domains", value,
        "empty list (leave the key out to allow any domain)",
        email_domain_problem, &prof->email_domains, &prof->n_email_domains);
}

static int load_key_types(SP_LOADER *ld, const char *section, const char *value,
                          SP_PROFILE *prof)
{
    const char *cursor = value, *item;
    size_t len;
    unsigned types = 0;

    while (list_next(&cursor, &item, &len)) {
        char shown[64], norm[64];
        size_t n = 0;
        unsigned bits;

        if (!item_copy(shown, sizeof(shown), item, len)) {
            load_error(ld, section, "key_types", value, "item too long");
            return 0;
        }
        for (size_t i = 0; i < len; i++) {
            if (shown[i] != '-' && shown[i] != '_')
                norm[n++] = (char)tolower((unsigned char)shown[i]);
        }
        norm[n] = '\0';
        if (!lookup_name(sp_key_type_names, SP_NELEM(sp_key_type_names), norm,
                         &bits)) {
            load_error(ld, section, "key_types", shown,
                       "unknown key type (SBR 6.1.5 allows rsa, p256, p384, "
                       "p521, ed25519, ed448, mldsa44, mldsa65, mldsa87, "
                       "mlkem512, mlkem768, mlkem1024)");
            return 0;
        }
        types |= bits;
    }
    if (types == 0) {
        load_error(ld, section, "key_types", value, "empty list");
        return 0;
    }
    prof->key_types = types;
    return 1;
}

static int load_extra_extensions(SP_LOADER *ld, const char *section,
                                 const char *value, SP_PROFILE *prof)
{
    const char *cursor = value, *item;
    size_t len, count = 0;

    while (list_next(&cursor, &item, &len))
        count++;
    if (count == 0)
        return 1;
    prof->extra_exts = OPENSSL_zalloc(count * sizeof(*prof->extra_exts));
    if (prof->extra_exts == NULL) {
        load_error(ld, section, "extra_extensions", value, "out of memory");
        return 0;
    }
    cursor = value;
    while (list_next(&cursor, &item, &len)) {
        SP_EXTRA_EXT *ext = &prof->extra_exts[prof->n_extra_exts];
        char text[256];
        char *colon;

        if (!item_copy(text, sizeof(text), item, len)) {
            load_error(ld, section, "extra_extensions", value, "item too long");
            return 0;
        }
        if ((colon = strchr(text, ':')) != NULL) {
            if (strcmp(colon, ":critical") != 0) {
                load_error(ld, section, "extra_extensions", text,
                           "the only suffix allowed is \":critical\"");
                return 0;
            }
            *colon = '\0';
            ext->critical_allowed = 1;
        }
        if (!parse_oid(text, ext->oid, sizeof(ext->oid), &ext->oid_len)) {
            load_error(ld, section, "extra_extensions", text,
                       "not an OID (dotted form such as 1.3.6.1.4.1.99999.1)");
            return 0;
        }
        if (oid_in_list(ext->oid, ext->oid_len, sp_sbr_extension_oids)) {
            load_error(ld, section, "extra_extensions", text,
                       "the SBR (7.1.2.3) already sets the rules for this "
                       "extension; list only extensions it does not name");
            return 0;
        }
        for (size_t i = 0; i < prof->n_extra_exts; i++) {
            if (prof->extra_exts[i].oid_len == ext->oid_len
                && memcmp(prof->extra_exts[i].oid, ext->oid, ext->oid_len)
                       == 0) {
                load_error(ld, section, "extra_extensions", text,
                           "listed twice");
                return 0;
            }
        }
        prof->n_extra_exts++;
    }
    return 1;
}

static int load_allowed_ekus(SP_LOADER *ld, const char *section,
                             const char *value, SP_PROFILE *prof)
{
    const char *cursor = value, *item;
    size_t len, count = 0;
    uint8_t email[32];
    size_t email_len;

    if (prof->generation == SP_GEN_STRICT) {
        load_error(ld, section, "allowed_ekus", value,
                   "a Strict certificate carries emailProtection only (SBR "
                   "7.1.2.3(f)); other EKUs need generation = multipurpose "
                   "or legacy");
        return 0;
    }
    /* Present, even when empty: only emailProtection is then allowed. */
    prof->eku_allowlist_set = 1;
    while (list_next(&cursor, &item, &len))
        count++;
    if (count == 0)
        return 1;
    prof->allowed_ekus = OPENSSL_zalloc(count * sizeof(*prof->allowed_ekus));
    if (prof->allowed_ekus == NULL
        || !parse_oid(SP_EKU_EMAIL_PROTECTION, email, sizeof(email),
                      &email_len)) {
        load_error(ld, section, "allowed_ekus", value, "out of memory");
        return 0;
    }
    cursor = value;
    while (list_next(&cursor, &item, &len)) {
        SP_OID *oid = &prof->allowed_ekus[prof->n_allowed_ekus];
        char text[256];

        if (!item_copy(text, sizeof(text), item, len)) {
            load_error(ld, section, "allowed_ekus", value, "item too long");
            return 0;
        }
        if (!parse_oid(text, oid->der, sizeof(oid->der), &oid->len)) {
            load_error(ld, section, "allowed_ekus", text,
                       "not an OID (dotted form, or an OpenSSL name such as "
                       "clientAuth)");
            return 0;
        }
        if (oid_in_list(oid->der, oid->len, sp_forbidden_eku_oids)) {
            load_error(ld, section, "allowed_ekus", text,
                       "an S/MIME certificate must not carry this EKU (SBR "
                       "7.1.2.3(f))");
            return 0;
        }
        /* emailProtection is always required; naming it is harmless. */
        if (oid->len == email_len && memcmp(oid->der, email, email_len) == 0)
            continue;
        for (size_t i = 0; i < prof->n_allowed_ekus; i++) {
            if (prof->allowed_ekus[i].len == oid->len
                && memcmp(prof->allowed_ekus[i].der, oid->der, oid->len) == 0) {
                load_error(ld, section, "allowed_ekus", text, "listed twice");
                return 0;
            }
        }
        prof->n_allowed_ekus++;
    }
    return 1;
}

static int load_uint_key(SP_LOADER *ld, const char *section,
                         STACK_OF(CONF_VALUE) * sect, const char *key,
                         unsigned long min, unsigned long max, unsigned *out)
{
    const char *value = section_value(sect, key);
    unsigned long v;

    if (value == NULL)
        return 1;
    if (!parse_uint(value, min, max, &v)) {
        load_error(ld, section, key, value,
                   "not a whole number from %lu to %lu", min, max);
        return 0;
    }
    *out = (unsigned)v;
    return 1;
}

int load_enum_key(SP_LOADER *ld, const char *section, const char *key,
                  const char *value, const SP_NAME_VALUE *table, size_t n,
                  unsigned *out)
{
    char choices[128] = "";

    if (lookup_name(table, n, value, out))
        return 1;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strncat(choices, i + 1 == n ? " or " : ", ",
                    sizeof(choices) - strlen(choices) - 1);
        strncat(choices, table[i].name, sizeof(choices) - strlen(choices) - 1);
    }
    load_error(ld, section, key, value, "must be %s", choices);
    return 0;
}

/* Reads one profile section into *prof (zeroed by the caller). */
static int load_profile(SP_LOADER *ld, const char *section, SP_PROFILE *prof)
{
    STACK_OF(CONF_VALUE) *sect = NCONF_get_section(ld->conf, section);
    const char *value;
    unsigned type, gen, v;

    if (!check_known_keys(ld, section, sect, sp_profile_keys))
        return 0;

    if ((value = section_value(sect, "type")) == NULL) {
        load_error(ld, section, "type", NULL,
                   "missing: mailbox, organization, sponsored or individual");
        return 0;
    }
    if (!load_enum_key(ld, section, "type", value, sp_type_names,
                       SP_NELEM(sp_type_names), &type))
        return 0;
    if ((value = section_value(sect, "generation")) == NULL) {
        load_error(ld, section, "generation", NULL,
                   "missing: strict, multipurpose or legacy");
        return 0;
    }
    if (!load_enum_key(ld, section, "generation", value, sp_generation_names,
                       SP_NELEM(sp_generation_names), &gen))
        return 0;
    if (!profile_init_default(prof, section, (sp_type)type, (sp_generation)gen,
                              ld->default_mode)) {
        load_error(ld, section, NULL, NULL, "out of memory");
        return 0;
    }

    if ((value = section_value(sect, "mode")) != NULL) {
        if (!load_enum_key(ld, section, "mode", value, sp_mode_names,
                           SP_NELEM(sp_mode_names), &v))
            return 0;
        prof->mode = (sp_mode)v;
    }
    if ((value = section_value(sect, "max_validity")) != NULL) {
        unsigned long days;
        unsigned sbr_max = sp_sbr_max_validity_days(prof->generation);

        if (!parse_uint(value, 1, ULONG_MAX, &days)) {
            load_error(ld, section, "max_validity", value,
                       "not a whole number of days");
            return 0;
        }
        if (days > sbr_max) {
            load_error(ld, section, "max_validity", value,
                       "above the SBR maximum of %u days", sbr_max);
            return 0;
        }
        prof->max_validity_days = (unsigned)days;
    }
    if ((value = section_value(sect, "email_domains")) != NULL
        && !load_email_domains(ld, section, value, prof))
        return 0;
    if ((value = section_value(sect, "key_types")) != NULL
        && !load_key_types(ld, section, value, prof))
        return 0;
    if (!load_uint_key(ld, section, sect, "rsa_min_bits", SP_RSA_BITS_MIN,
                       SP_RSA_BITS_MAX, &prof->rsa_min_bits))
        return 0;
    if (!load_uint_key(ld, section, sect, "rsa_max_bits", SP_RSA_BITS_MIN,
                       SP_RSA_BITS_MAX, &prof->rsa_max_bits))
        return 0;
    /* SBR 6.1.5: the modulus size is a multiple of 8 bits. */
    if (prof->rsa_min_bits % 8 != 0) {
        load_error(ld, section, "rsa_min_bits",
                   section_value(sect, "rsa_min_bits"),
                   "not a multiple of 8 (SBR 6.1.5)");
        return 0;
    }
    if (prof->rsa_max_bits != 0 && prof->rsa_max_bits < prof->rsa_min_bits) {
        load_error(ld, section, "rsa_max_bits",
                   section_value(sect, "rsa_max_bits"),
                   "below rsa_min_bits (%u)", prof->rsa_min_bits);
        return 0;
    }
    if ((value = section_value(sect, "extra_extensions")) != NULL
        && !load_extra_extensions(ld, section, value, prof))
        return 0;
    if ((value = section_value(sect, "allowed_ekus")) != NULL
        && !load_allowed_ekus(ld, section, value, prof))
        return 0;
    if (!load_uint_key(ld, section, sect, "min_serial_octets",
                       SP_SERIAL_OCTETS_MIN, SP_SERIAL_OCTETS_MAX,
                       &prof->min_serial_octets))
        return 0;
    if ((value = section_value(sect, "warnings_are_errors")) != NULL) {
        if (!load_enum_key(ld, section, "warnings_are_errors", value,
                           sp_bool_names, SP_NELEM(sp_bool_names), &v))
            return 0;
        prof->warnings_are_errors = (int)v;
    }
    if ((value = section_value(sect, "exceptions")) != NULL
        && !load_exceptions(ld, section, value, prof))
        return 0;
    return 1;
}

/* All twelve SBR profiles, named "<type>_<generation>". */
static int add_default_profiles(SP_POLICY *pol, sp_mode mode)
{
    size_t n = SP_NELEM(sp_type_names) * SP_NELEM(sp_generation_names);

    pol->profiles = OPENSSL_zalloc(n * sizeof(*pol->profiles));
    if (pol->profiles == NULL)
        return 0;
    for (size_t t = 0; t < SP_NELEM(sp_type_names); t++) {
        for (size_t g = 0; g < SP_NELEM(sp_generation_names); g++) {
            char name[64];

            snprintf(name, sizeof(name), "%s_%s", sp_type_names[t].name,
                     sp_generation_names[g].name);
            if (!profile_init_default(
                    &pol->profiles[pol->n_profiles], name,
                    (sp_type)sp_type_names[t].value,
                    (sp_generation)sp_generation_names[g].value, mode))
                return 0;
            pol->n_profiles++;
        }
    }
    return 1;
}

static int load_profiles(SP_LOADER *ld, SP_POLICY *pol, const char *value)
{
    const char *cursor = value, *item;
    size_t len, count = 0;
    char name[256];

    while (list_next(&cursor, &item, &len))
        count++;
    if (count == 0) {
        load_error(ld, SP_MAIN_SECTION, "profiles", value,
                   "empty list (leave the key out for every SBR profile)");
        return 0;
    }
    pol->profiles = OPENSSL_zalloc(count * sizeof(*pol->profiles));
    if (pol->profiles == NULL) {
        load_error(ld, SP_MAIN_SECTION, "profiles", value, "out of memory");
        return 0;
    }
    cursor = value;
    while (list_next(&cursor, &item, &len)) {
        SP_PROFILE *prof = &pol->profiles[pol->n_profiles];

        if (!item_copy(name, sizeof(name), item, len)) {
            load_error(ld, SP_MAIN_SECTION, "profiles", value,
                       "section name too long");
            return 0;
        }
        if (NCONF_get_section(ld->conf, name) == NULL) {
            load_error(ld, SP_MAIN_SECTION, "profiles", name,
                       "no section [%s] in the file", name);
            return 0;
        }
        for (size_t i = 0; i < pol->n_profiles; i++) {
            if (strcmp(pol->profiles[i].name, name) == 0) {
                load_error(ld, SP_MAIN_SECTION, "profiles", name,
                           "listed twice");
                return 0;
            }
        }
        /* Counted before reading so profile_clear() frees a partial one. */
        pol->n_profiles++;
        if (!load_profile(ld, name, prof))
            return 0;
        for (size_t i = 0; i + 1 < pol->n_profiles; i++) {
            const SP_PROFILE *other = &pol->profiles[i];

            if (other->type == prof->type
                && other->generation == prof->generation) {
                load_error(
                    ld, name, "type",
                    name_of(sp_type_names, SP_NELEM(sp_type_names), prof->type),
                    "[%s] already defines the %s %s profile: at most "
                    "one profile per type and generation",
                    other->name,
                    name_of(sp_type_names, SP_NELEM(sp_type_names), prof->type),
                    name_of(sp_generation_names, SP_NELEM(sp_generation_names),
                            prof->generation));
                return 0;
            }
        }
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Issuers                                                             */

int sp_policy_add_issuer(SP_POLICY *pol, SP_ISSUER *issuer)
{
    SP_ISSUER **grown;

    if (pol == NULL || issuer == NULL)
        goto err;
    grown = OPENSSL_realloc(pol->issuers,
                            (pol->n_issuers + 1) * sizeof(*pol->issuers));
    if (grown == NULL)
        goto err;
    pol->issuers = grown;
    pol->issuers[pol->n_issuers++] = issuer;
    return 1;
err:
    /* The policy owns the issuer from the call on, so none leaks. */
    sp_issuer_free(issuer);
    return 0;
}

size_t sp_policy_issuer_count(const SP_POLICY *pol)
{
    return pol == NULL ? 0 : pol->n_issuers;
}

const SP_ISSUER *sp_policy_issuer(const SP_POLICY *pol, size_t i)
{
    if (pol == NULL || i >= pol->n_issuers)
        return NULL;
    return pol->issuers[i];
}

const SP_ISSUER *sp_policy_issuer_by_spki(const SP_POLICY *pol,
                                          const uint8_t *spki, size_t len)
{
    if (pol == NULL || spki == NULL)
        return NULL;
    for (size_t i = 0; i < pol->n_issuers; i++) {
        SP_DER key = sp_issuer_spki(pol->issuers[i]);

        if (key.len == len && memcmp(key.data, spki, len) == 0)
            return pol->issuers[i];
    }
    return NULL;
}

/* Relative issuer paths are relative to the policy file's directory, so a
 * policy and its CA certificates can move together. */
static int load_issuers(SP_LOADER *ld, SP_POLICY *pol, const char *value)
{
    const char *cursor = value, *item, *slash = strrchr(ld->path, '/');
    size_t len, dirlen = slash == NULL ? 0 : (size_t)(slash - ld->path) + 1;
    char path[4096], item_text[4096], why[SP_POLICY_ERR_MAX];
    int count = 0;

    while (list_next(&cursor, &item, &len)) {
        SP_ISSUER *issuer;

        if (!item_copy(item_text, sizeof(item_text), item, len)) {
            load_error(ld, SP_MAIN_SECTION, "issuers", value, "path too long");
            return 0;
        }
        if (item_text[0] == '/' || dirlen == 0) {
            snprintf(path, sizeof(path), "%s", item_text);
        } else if (dirlen + len < sizeof(path)) {
            memcpy(path, ld->path, dirlen);
            memcpy(path + dirlen, item_text, len + 1);
        } else {
            load_error(ld, SP_MAIN_SECTION, "issuers", item_text,
                       "path too long");
            return 0;
        }
        why[0] = '\0';
        if ((issuer = sp_issuer_load_file(path, why, sizeof(why))) == NULL) {
            load_error(ld, SP_MAIN_SECTION, "issuers", item_text, "%s",
                       why[0] != '\0' ? why : "cannot load the certificate");
            return 0;
        }
        if (!sp_policy_add_issuer(pol, issuer)) {
            load_error(ld, SP_MAIN_SECTION, "issuers", item_text,
                       "out of memory");
            return 0;
        }
        count++;
    }
    if (count == 0) {
        load_error(ld, SP_MAIN_SECTION, "issuers", value,
                   "empty list (leave the key out when the issuers come from "
                   "elsewhere)");
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Policy                                                              */

SP_POLICY *sp_policy_new_default(char *err, size_t errlen)
{
    SP_POLICY *pol = OPENSSL_zalloc(sizeof(*pol));

    if (pol == NULL || !add_default_profiles(pol, SP_MODE_ENFORCE)) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "built-in policy: out of memory");
        sp_policy_free(pol);
        return NULL;
    }
    pol->crl_mode = SP_CRL_ALLOW;
    pol->crl_max_next_update_secs = SP_SBR_CRL_MAX_SECS;
    pol->ocsp_allowed = 0;
    return pol;
}

void sp_policy_free(SP_POLICY *pol)
{
    if (pol == NULL)
        return;
    for (size_t i = 0; i < pol->n_profiles; i++)
        profile_clear(&pol->profiles[i]);
    OPENSSL_free(pol->profiles);
    for (size_t i = 0; i < pol->n_issuers; i++)
        sp_issuer_free(pol->issuers[i]);
    OPENSSL_free(pol->issuers);
    sp_policy_ca_clear(&pol->ca);
    OPENSSL_free(pol->path);
    OPENSSL_free(pol);
}

const uint8_t *sp_policy_sha256(const SP_POLICY *pol)
{
    static const uint8_t zero[32];

    return pol == NULL ? zero : pol->sha256;
}

const char *sp_policy_path(const SP_POLICY *pol)
{
    return pol == NULL ? NULL : pol->path;
}

const SP_PROFILE *sp_policy_find_profile(const SP_POLICY *pol, sp_type type,
                                         sp_generation gen)
{
    if (pol == NULL)
        return NULL;
    for (size_t i = 0; i < pol->n_profiles; i++) {
        if (pol->profiles[i].type == type && pol->profiles[i].generation == gen)
            return &pol->profiles[i];
    }
    return NULL;
}

static int load_main_section(SP_LOADER *ld, SP_POLICY *pol)
{
    STACK_OF(CONF_VALUE) *sect = NCONF_get_section(ld->conf, SP_MAIN_SECTION);
    const char *value;
    unsigned v;

    if (sect == NULL) {
        load_error(ld, NULL, NULL, NULL, "no [%s] section", SP_MAIN_SECTION);
        return 0;
    }
    if (!check_known_keys(ld, SP_MAIN_SECTION, sect, sp_main_keys))
        return 0;

    if ((value = section_value(sect, "mode")) != NULL) {
        if (!load_enum_key(ld, SP_MAIN_SECTION, "mode", value, sp_mode_names,
                           SP_NELEM(sp_mode_names), &v))
            return 0;
        ld->default_mode = (sp_mode)v;
    }
    if ((value = section_value(sect, "crl")) != NULL) {
        static const SP_NAME_VALUE crl_names[] = {
            {"allow", SP_CRL_ALLOW},
            {"refuse", SP_CRL_REFUSE},
        };

        if (!load_enum_key(ld, SP_MAIN_SECTION, "crl", value, crl_names,
                           SP_NELEM(crl_names), &v))
            return 0;
        pol->crl_mode = (sp_crl_mode)v;
    }
    if ((value = section_value(sect, "crl_max_next_update")) != NULL) {
        int64_t secs;

        if (!parse_duration(value, &secs)) {
            load_error(ld, SP_MAIN_SECTION, "crl_max_next_update", value,
                       "not a duration such as 10d, 36h, 90m or 600s");
            return 0;
        }
        if (secs > SP_SBR_CRL_MAX_SECS) {
            load_error(ld, SP_MAIN_SECTION, "crl_max_next_update", value,
                       "above the SBR maximum of 10 days (4.9.7)");
            return 0;
        }
        pol->crl_max_next_update_secs = secs;
    }
    if ((value = section_value(sect, "ocsp")) != NULL) {
        static const SP_NAME_VALUE ocsp_names[] = {
            {"allow", 1},
            {"refuse", 0},
        };

        if (!load_enum_key(ld, SP_MAIN_SECTION, "ocsp", value, ocsp_names,
                           SP_NELEM(ocsp_names), &v))
            return 0;
        pol->ocsp_allowed = (int)v;
    }

    if ((value = section_value(sect, "profiles")) != NULL) {
        if (!load_profiles(ld, pol, value))
            return 0;
    } else if (!add_default_profiles(pol, ld->default_mode)) {
        load_error(ld, NULL, NULL, NULL, "out of memory");
        return 0;
    }

    if ((value = section_value(sect, "issuers")) != NULL
        && !load_issuers(ld, pol, value))
        return 0;
    return sp_policy_load_ca(ld, pol);
}

/* Reads the whole file into memory: the bytes hashed are the bytes parsed. */
static int read_file(SP_LOADER *ld, uint8_t **data, size_t *len)
{
    FILE *fp = fopen(ld->path, "rb");
    uint8_t *buf = NULL;
    size_t used = 0, n;
    int ok = 0;

    if (fp == NULL) {
        load_error(ld, NULL, NULL, NULL, "cannot open: %s", strerror(errno));
        goto done;
    }
    /* One byte more than the limit tells a too-large file apart. */
    if ((buf = OPENSSL_malloc(SP_POLICY_FILE_MAX + 1)) == NULL) {
        load_error(ld, NULL, NULL, NULL, "out of memory");
        goto done;
    }
    while ((n = fread(buf + used, 1, SP_POLICY_FILE_MAX + 1 - used, fp)) > 0)
        used += n;
    if (ferror(fp)) {
        load_error(ld, NULL, NULL, NULL, "cannot read: %s", strerror(errno));
        goto done;
    }
    if (used > SP_POLICY_FILE_MAX) {
        load_error(ld, NULL, NULL, NULL, "larger than %d bytes",
                   SP_POLICY_FILE_MAX);
        goto done;
    }
    *data = buf;
    *len = used;
    buf = NULL;
    ok = 1;
done:
    OPENSSL_free(buf);
    if (fp != NULL)
        fclose(fp);
    return ok;
}

/*
 * NCONF reads relative `.include` paths against the current directory. A
 * policy file should mean the same wherever the program runs, so the parse
 * starts with an includedir pragma naming the policy file's directory
 * (OPENSSL_CONF_INCLUDE, when set, still takes precedence as in every
 * OpenSSL config). The pragma value is taken verbatim up to a comment, so a
 * directory holding characters the syntax treats specially cannot be
 * expressed: 0 then, and the caller refuses files that use .include.
 */
static int include_prefix(const char *path, char *out, size_t outlen)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    size_t dirlen;

    /* A bare file name: its directory is the current one already. */
    if (slash == NULL)
        return 0;
    dirlen = (size_t)(slash - path);
    if (dirlen == 0)
        dirlen = 1; /* the root directory */
    if (dirlen >= sizeof(dir))
        return 0;
    memcpy(dir, path, dirlen);
    dir[dirlen] = '\0';
    if (strpbrk(dir, "#;\"'\\\r\n") != NULL || isspace((unsigned char)dir[0])
        || isspace((unsigned char)dir[strlen(dir) - 1]))
        return 0;
    return snprintf(out, outlen, ".pragma includedir:%s\n", dir) < (int)outlen;
}

/* Whether the text has a ".include" anywhere (comments included: a false
 * alarm only costs an error message for an odd directory name). */
static int mentions_include(const uint8_t *data, size_t len)
{
    static const char word[] = ".include";
    const size_t n = sizeof(word) - 1;

    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(data + i, word, n) == 0)
            return 1;
    }
    return 0;
}

/*
 * NCONF follows `.include` without limits: a file that includes itself, or
 * the directory it lies in (which NCONF reads file by file), recurses until
 * the process runs out of file descriptors, and an `.include` fused with
 * other letters (`.includex`) names the include directory itself. Before
 * NCONF reads anything, every `.include` line of the policy and of the
 * files it includes must name a regular file by a path of its own, without
 * a cycle and at most SP_INCLUDE_DEPTH deep.
 */
#define SP_INCLUDE_DEPTH 8
#define SP_INCLUDE_MAX_BYTES (1024 * 1024)

typedef struct sp_include_chain_st {
    dev_t dev[SP_INCLUDE_DEPTH + 1];
    ino_t ino[SP_INCLUDE_DEPTH + 1];
    size_t n;
} SP_INCLUDE_CHAIN;

static int check_includes(SP_LOADER *ld, const char *dir, const char *text,
                          size_t len, SP_INCLUDE_CHAIN *chain);

/* The `.include` target of one line into out ("" when the line is not an
 * include); -1 when the line is an include NCONF would misread. */
static int include_target(const char *line, size_t len, char *out,
                          size_t outlen)
{
    static const char word[] = ".include";
    const size_t n = sizeof(word) - 1;
    size_t i = 0, end;

    out[0] = '\0';
    /* NCONF skips any white space, carriage returns included. */
    while (i < len && isspace((unsigned char)line[i]))
        i++;
    if (len - i < n || memcmp(line + i, word, n) != 0)
        return 0;
    i += n;
    if (i < len && !isspace((unsigned char)line[i]) && line[i] != '=')
        return -1;
    while (i < len && isspace((unsigned char)line[i]))
        i++;
    if (i < len && line[i] == '=')
        i++;
    while (i < len && isspace((unsigned char)line[i]))
        i++;
    end = i;
    while (end < len && line[end] != '#')
        end++;
    while (end > i && isspace((unsigned char)line[end - 1]))
        end--;
    if (end == i || end - i >= outlen)
        return -1;
    memcpy(out, line + i, end - i);
    out[end - i] = '\0';
    return 1;
}

static int check_include_file(SP_LOADER *ld, const char *dir,
                              const char *target, SP_INCLUDE_CHAIN *chain);

/* A directory NCONF includes file by file: its *.cnf and *.conf files. */
static int check_include_dir(SP_LOADER *ld, const char *dir, const char *target,
                             const char *path, SP_INCLUDE_CHAIN *chain)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char sub[4200];
    int ok = 1;

    if (d == NULL) {
        load_error(ld, NULL, NULL, NULL, ".include failed: %s: %s", target,
                   strerror(errno));
        return 0;
    }
    while (ok && (de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);

        if (!((n > 4 && strcmp(de->d_name + n - 4, ".cnf") == 0)
              || (n > 5 && strcmp(de->d_name + n - 5, ".conf") == 0)))
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", target, de->d_name);
        ok = check_include_file(ld, dir, sub, chain);
    }
    closedir(d);
    return ok;
}

static int check_include_file(SP_LOADER *ld, const char *dir,
                              const char *target, SP_INCLUDE_CHAIN *chain)
{
    char path[4200];
    struct stat st;
    FILE *fp = NULL;
    char *text = NULL;
    size_t len;
    int ok = 0;

    if (target[0] == '/' || dir == NULL)
        snprintf(path, sizeof(path), "%s", target);
    else
        snprintf(path, sizeof(path), "%s/%s", dir, target);
    if (stat(path, &st) != 0) {
        load_error(ld, NULL, NULL, NULL, ".include failed: %s: %s", target,
                   strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        ok = check_include_dir(ld, dir, target, path, chain);
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        load_error(ld, NULL, NULL, NULL,
                   ".include failed: %s: not a regular file or directory",
                   target);
        goto done;
    }
    for (size_t i = 0; i < chain->n; i++) {
        if (chain->dev[i] == st.st_dev && chain->ino[i] == st.st_ino) {
            load_error(ld, NULL, NULL, NULL,
                       ".include failed: %s: includes itself (a cycle)",
                       target);
            goto done;
        }
    }
    if (chain->n > SP_INCLUDE_DEPTH) {
        load_error(ld, NULL, NULL, NULL,
                   ".include failed: %s: more than %d levels of .include",
                   target, SP_INCLUDE_DEPTH);
        goto done;
    }
    if ((fp = fopen(path, "rb")) == NULL
        || (text = OPENSSL_malloc(SP_INCLUDE_MAX_BYTES)) == NULL) {
        load_error(ld, NULL, NULL, NULL, ".include failed: %s: %s", target,
                   fp == NULL ? strerror(errno) : "out of memory");
        goto done;
    }
    len = fread(text, 1, SP_INCLUDE_MAX_BYTES, fp);
    if (ferror(fp) || len == SP_INCLUDE_MAX_BYTES) {
        load_error(ld, NULL, NULL, NULL, ".include failed: %s: %s", target,
                   ferror(fp) ? "read error" : "larger than 1 MiB");
        goto done;
    }
    chain->dev[chain->n] = st.st_dev;
    chain->ino[chain->n] = st.st_ino;
    chain->n++;
    ok = check_includes(ld, dir, text, len, chain);
    chain->n--;
done:
    if (fp != NULL)
        fclose(fp);
    OPENSSL_free(text);
    return ok;
}

static int check_includes(SP_LOADER *ld, const char *dir, const char *text,
                          size_t len, SP_INCLUDE_CHAIN *chain)
{
    char target[4096];
    size_t start = 0;

    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        int r =
            include_target(text + start, end - start, target, sizeof(target));

        if (r < 0) {
            load_error(ld, NULL, NULL, NULL,
                       "malformed .include line (write `.include FILE`)");
            return 0;
        }
        if (r > 0 && !check_include_file(ld, dir, target, chain))
            return 0;
        start = end + 1;
    }
    return 1;
}

/* The policy's own directory, and the policy file as the start of the
 * include chain. */
static int check_policy_includes(SP_LOADER *ld, const uint8_t *data, size_t len)
{
    SP_INCLUDE_CHAIN chain;
    char dir[4096];
    const char *slash = strrchr(ld->path, '/');
    struct stat st;

    if (!mentions_include(data, len))
        return 1;
    memset(&chain, 0, sizeof(chain));
    if (stat(ld->path, &st) == 0) {
        chain.dev[0] = st.st_dev;
        chain.ino[0] = st.st_ino;
        chain.n = 1;
    }
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else {
        size_t n = slash == ld->path ? 1 : (size_t)(slash - ld->path);

        if (n >= sizeof(dir))
            n = sizeof(dir) - 1;
        memcpy(dir, ld->path, n);
        dir[n] = '\0';
    }
    return check_includes(ld, dir, (const char *)data, len, &chain);
}

/* Parses the file bytes with NCONF. Any error libcrypto raises while
 * parsing is reported, including a `.include` whose file does not exist,
 * which NCONF itself only notes in the error queue and skips. */
static int parse_conf(SP_LOADER *ld, const uint8_t *data, size_t len)
{
    char prefix[4200];
    size_t prefix_len = 0;
    uint8_t *text = NULL;
    BIO *bio = NULL;
    long eline = -1;
    unsigned long before, e;
    const char *edata = NULL;
    int eflags = 0, ok = 0;

    if (memchr(data, '\0', len) != NULL) {
        load_error(ld, NULL, NULL, NULL, "contains a NUL byte");
        goto done;
    }
    if (include_prefix(ld->path, prefix, sizeof(prefix))) {
        prefix_len = strlen(prefix);
    } else if (strchr(ld->path, '/') != NULL && mentions_include(data, len)) {
        /* Relative includes would silently resolve against the cwd. */
        load_error(ld, NULL, NULL, NULL,
                   ".include cannot be used from a directory whose name "
                   "holds '#', ';', a quote, a backslash or edge spaces");
        goto done;
    }
    if (!check_policy_includes(ld, data, len))
        goto done;
    if ((text = OPENSSL_malloc(prefix_len + len + 1)) == NULL) {
        load_error(ld, NULL, NULL, NULL, "out of memory");
        goto done;
    }
    memcpy(text, prefix, prefix_len);
    memcpy(text + prefix_len, data, len);
    text[prefix_len + len] = '\0';
    if ((bio = BIO_new_mem_buf(text, (int)(prefix_len + len))) == NULL
        || (ld->conf = NCONF_new(NULL)) == NULL) {
        load_error(ld, NULL, NULL, NULL, "out of memory");
        goto done;
    }

    before = ERR_peek_last_error();
    if (NCONF_load_bio(ld->conf, bio, &eline) <= 0) {
        e = ERR_peek_last_error();
        /* The injected pragma is line 1 of what NCONF read. */
        if (prefix_len > 0 && eline > 0)
            eline--;
        load_error(ld, NULL, NULL, NULL, "line %ld: %s", eline,
                   ERR_reason_error_string(e) != NULL
                       ? ERR_reason_error_string(e)
                       : "syntax error");
        goto done;
    }
    e = ERR_peek_last_error_data(&edata, &eflags);
    if (e != 0 && e != before) {
        const char *what = (eflags & ERR_TXT_STRING) && edata != NULL
                               ? edata
                               : "cannot include a file";

        if (ERR_GET_LIB(e) == ERR_LIB_SYS)
            load_error(ld, NULL, NULL, NULL, ".include failed: %s: %s", what,
                       strerror(ERR_GET_REASON(e)));
        else
            load_error(ld, NULL, NULL, NULL, ".include failed: %s", what);
        goto done;
    }
    ok = 1;
done:
    BIO_free(bio);
    OPENSSL_free(text);
    return ok;
}

SP_POLICY *sp_policy_load(const char *path, char *err, size_t errlen)
{
    SP_LOADER ld = {path, NULL, err, errlen, SP_MODE_ENFORCE};
    SP_POLICY *pol = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    int ok = 0;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (path == NULL) {
        ld.path = "(null)";
        load_error(&ld, NULL, NULL, NULL, "no policy file given");
        return NULL;
    }
    /* The loader reports through `err`; whatever libcrypto queues while
     * parsing is dropped again so the caller's error queue is unchanged. */
    ERR_set_mark();
    if (!read_file(&ld, &data, &len))
        goto done;
    if ((pol = OPENSSL_zalloc(sizeof(*pol))) == NULL
        || (pol->path = OPENSSL_strdup(path)) == NULL) {
        load_error(&ld, NULL, NULL, NULL, "out of memory");
        goto done;
    }
    pol->crl_mode = SP_CRL_ALLOW;
    pol->crl_max_next_update_secs = SP_SBR_CRL_MAX_SECS;
    pol->ocsp_allowed = 0;
    if (!EVP_Digest(data, len, pol->sha256, NULL, EVP_sha256(), NULL)) {
        load_error(&ld, NULL, NULL, NULL, "cannot compute SHA-256");
        goto done;
    }
    if (!parse_conf(&ld, data, len))
        goto done;
    if (!load_main_section(&ld, pol))
        goto done;
    ok = 1;
done:
    ERR_pop_to_mark();
    NCONF_free(ld.conf);
    OPENSSL_free(data);
    if (!ok) {
        sp_policy_free(pol);
        pol = NULL;
    }
    return pol;
}
