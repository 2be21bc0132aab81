/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy keys for CA and responder certificates (smimepolicy.cnf(5),
 * "CA CERTIFICATES"): which sub-CA operators this key may certify, which
 * of them must be technically constrained and to which names, whether
 * cross-certificates (for which roots) and OCSP responder certificates may
 * be signed. Everything is off unless the policy turns it on; every value
 * looser than the SBR is an error naming file, section, key and value.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/conf.h>
#include <openssl/crypto.h>

#include "policy_load.h"
#include "rules.h"

#define SP_DAY_SECS 86400
/* Default and longest validity of an OCSP responder certificate. The SBR
 * sets none (G-O-06 recommends a short one); a responder certificate
 * lives far shorter than the subscriber certificates it reports on. */
#define SP_RESPONDER_DEFAULT_SECS (90 * SP_DAY_SECS)
#define SP_RESPONDER_MAX_SECS (825 * SP_DAY_SECS)
/* Longest root_max_validity: the SBR sets no maximum for roots (E-05);
 * this bounds the key against typing errors (the draft profiles branch
 * proposes at most 9132 days). */
#define SP_ROOT_MAX_SECS (9132 * SP_DAY_SECS)
/* pathLenConstraint an entry may allow. */
#define SP_PATH_LEN_MAX 8

static const char *const sp_subca_keys[] = {
    "organization", "country",           "external",        "affiliated",
    "path_len",     "digital_signature", "permitted_email", NULL,
};

static const SP_NAME_VALUE yes_no[] = {
    {"yes", 1},
    {"no", 0},
    {"true", 1},
    {"false", 0},
};

static const SP_NAME_VALUE allow_refuse[] = {
    {"allow", 1},
    {"refuse", 0},
};

static void entry_clear(SP_SUBCA_ENTRY *e)
{
    OPENSSL_free(e->name);
    OPENSSL_free(e->organization);
    for (size_t i = 0; i < e->n_permitted_email; i++)
        OPENSSL_free(e->permitted_email[i]);
    OPENSSL_free(e->permitted_email);
}

void sp_policy_ca_clear(SP_CA_POLICY *ca)
{
    for (size_t i = 0; i < ca->n_subcas; i++)
        entry_clear(&ca->subcas[i]);
    OPENSSL_free(ca->subcas);
    for (size_t i = 0; i < ca->n_roots; i++)
        sp_issuer_free(ca->roots[i]);
    OPENSSL_free(ca->roots);
    memset(ca, 0, sizeof(*ca));
}

static int load_bool(SP_LOADER *ld, const char *section,
                     STACK_OF(CONF_VALUE) * sect, const char *key, int *out)
{
    const char *value = section_value(sect, key);
    unsigned v;

    if (value == NULL)
        return 1;
    if (!load_enum_key(ld, section, key, value, yes_no, 4, &v))
        return 0;
    *out = (int)v;
    return 1;
}

/* F-T-03: domains only ("example.com", ".example.com"), never a mailbox. */
static const char *permitted_email_problem(char *domain, const char *item,
                                           size_t len)
{
    if (memchr(item, '@', len) != NULL)
        return "a mailbox address; SBR 7.1.5(1) permits domains only "
               "(\"example.com\" or \".example.com\")";
    if (!check_domain(domain) || strchr(domain + 1, '.') == NULL)
        return "not a fully qualified domain name (\"example.com\" for "
               "mailboxes at exactly that domain, \".example.com\" for its "
               "subdomains)";
    return NULL;
}

static int load_permitted_email(SP_LOADER *ld, const char *section,
                                const char *value, SP_SUBCA_ENTRY *e)
{
    return load_domain_list(ld, section, "permitted_email", value, "empty list",
                            permitted_email_problem, &e->permitted_email,
                            &e->n_permitted_email);
}

static int load_entry(SP_LOADER *ld, const SP_CA_POLICY *ca,
                      const char *section, SP_SUBCA_ENTRY *e)
{
    STACK_OF(CONF_VALUE) *sect = NCONF_get_section(ld->conf, section);
    const char *value;
    unsigned long n;

    if (sect == NULL) {
        load_error(ld, SP_MAIN_SECTION, "subca", section,
                   "no section [%s] in the file", section);
        return 0;
    }
    if ((e->name = OPENSSL_strdup(section)) == NULL) {
        load_error(ld, section, NULL, NULL, "out of memory");
        return 0;
    }
    e->external = 1; /* the safe default: constrained when required */
    e->path_len = 0;
    if (!check_known_keys(ld, section, sect, sp_subca_keys))
        return 0;

    if ((value = section_value(sect, "organization")) == NULL
        || value[0] == '\0') {
        load_error(ld, section, "organization", value,
                   "required: the sub-CA's subject organizationName, as "
                   "verified");
        return 0;
    }
    for (const SP_SUBCA_ENTRY *other = ca->subcas; other < e; other++) {
        if (strcmp(other->organization, value) == 0) {
            load_error(ld, section, "organization", value,
                       "entry [%s] has the same organization; a sub-CA "
                       "certificate must match one entry",
                       other->name);
            return 0;
        }
    }
    if ((e->organization = OPENSSL_strdup(value)) == NULL) {
        load_error(ld, section, "organization", value, "out of memory");
        return 0;
    }
    if ((value = section_value(sect, "country")) != NULL) {
        if (strlen(value) != 2 || !isupper((unsigned char)value[0])
            || !isupper((unsigned char)value[1])
            || !sp_country_code_known((const uint8_t *)value)) {
            load_error(ld, section, "country", value,
                       "not an ISO 3166-1 alpha-2 code such as DE");
            return 0;
        }
        memcpy(e->country, value, 3);
    }
    if (!load_bool(ld, section, sect, "external", &e->external)
        || !load_bool(ld, section, sect, "affiliated", &e->affiliated)
        || !load_bool(ld, section, sect, "digital_signature",
                      &e->digital_signature))
        return 0;
    if ((value = section_value(sect, "path_len")) != NULL) {
        if (strcmp(value, "any") == 0) {
            e->path_len = -1;
        } else if (!parse_uint(value, 0, SP_PATH_LEN_MAX, &n)) {
            load_error(ld, section, "path_len", value,
                       "not a whole number from 0 to %d, or \"any\"",
                       SP_PATH_LEN_MAX);
            return 0;
        } else {
            e->path_len = (int)n;
        }
    }
    if (e->external && e->affiliated) {
        load_error(ld, section, "affiliated", "yes",
                   "an external sub-CA (external = yes) is operated by "
                   "another organisation, not an Affiliate; SBR 7.1.6.3 "
                   "then forbids anyPolicy");
        return 0;
    }
    if ((value = section_value(sect, "permitted_email")) != NULL
        && !load_permitted_email(ld, section, value, e))
        return 0;
    if (e->n_permitted_email == 0
        && (ca->name_constraints == SP_NC_REQUIRE_ALL
            || (ca->name_constraints == SP_NC_REQUIRE_EXTERNAL
                && e->external))) {
        load_error(
            ld, section, "permitted_email", NULL,
            "required: this sub-CA must be technically constrained "
            "(subca_name_constraints = %s%s), and SBR 7.1.5 needs "
            "its permitted rfc822Name subtrees",
            ca->name_constraints == SP_NC_REQUIRE_ALL ? "all" : "external",
            ca->name_constraints == SP_NC_REQUIRE_ALL ? ""
                                                      : ", external = yes");
        return 0;
    }
    return 1;
}

static int load_entries(SP_LOADER *ld, SP_CA_POLICY *ca, const char *value)
{
    const char *cursor = value, *item;
    size_t len, count = 0;
    char name[256];

    while (list_next(&cursor, &item, &len))
        count++;
    if (count == 0) {
        load_error(ld, SP_MAIN_SECTION, "subca", value,
                   "empty list (leave the key out to refuse every sub-CA)");
        return 0;
    }
    if ((ca->subcas = OPENSSL_zalloc(count * sizeof(*ca->subcas))) == NULL) {
        load_error(ld, SP_MAIN_SECTION, "subca", value, "out of memory");
        return 0;
    }
    cursor = value;
    while (list_next(&cursor, &item, &len)) {
        if (!item_copy(name, sizeof(name), item, len)) {
            load_error(ld, SP_MAIN_SECTION, "subca", value,
                       "section name too long");
            return 0;
        }
        for (size_t i = 0; i < ca->n_subcas; i++) {
            if (strcmp(ca->subcas[i].name, name) == 0) {
                load_error(ld, SP_MAIN_SECTION, "subca", name, "listed twice");
                return 0;
            }
        }
        /* Counted first, so that a failed entry is freed with the rest. */
        ca->n_subcas++;
        if (!load_entry(ld, ca, name, &ca->subcas[ca->n_subcas - 1]))
            return 0;
    }
    return 1;
}

/* Relative root paths are relative to the policy file's directory, as
 * for `issuers`. */
static int load_roots(SP_LOADER *ld, SP_CA_POLICY *ca, const char *value)
{
    const char *cursor = value, *item, *slash = strrchr(ld->path, '/');
    size_t len, count = 0;
    size_t dirlen = slash == NULL ? 0 : (size_t)(slash - ld->path) + 1;
    char path[4096], item_text[4096], why[SP_POLICY_ERR_MAX];

    while (list_next(&cursor, &item, &len))
        count++;
    if (count == 0) {
        load_error(ld, SP_MAIN_SECTION, "roots", value, "empty list");
        return 0;
    }
    if ((ca->roots = OPENSSL_zalloc(count * sizeof(*ca->roots))) == NULL) {
        load_error(ld, SP_MAIN_SECTION, "roots", value, "out of memory");
        return 0;
    }
    cursor = value;
    while (list_next(&cursor, &item, &len)) {
        SP_ISSUER *root;

        if (!item_copy(item_text, sizeof(item_text), item, len)
            || dirlen + len >= sizeof(path)) {
            load_error(ld, SP_MAIN_SECTION, "roots", value, "path too long");
            return 0;
        }
        if (item_text[0] == '/' || dirlen == 0) {
            snprintf(path, sizeof(path), "%s", item_text);
        } else {
            memcpy(path, ld->path, dirlen);
            memcpy(path + dirlen, item_text, len + 1);
        }
        why[0] = '\0';
        if ((root = sp_issuer_load_file(path, why, sizeof(why))) == NULL) {
            load_error(ld, SP_MAIN_SECTION, "roots", item_text, "%s",
                       why[0] != '\0' ? why : "cannot load the certificate");
            return 0;
        }
        ca->roots[ca->n_roots++] = root;
        if (!sp_issuer_is_root(root)) {
            load_error(ld, SP_MAIN_SECTION, "roots", item_text,
                       "not a self-signed root certificate");
            return 0;
        }
    }
    return 1;
}

/* Root certificates (7.1.2.1): root_certificates, root_digital_signature
 * and root_max_validity. The last two mean nothing without the first, so
 * they are an error alone (a policy that says more than it does). */
static int load_root_keys(SP_LOADER *ld, STACK_OF(CONF_VALUE) * sect,
                          SP_CA_POLICY *ca)
{
    const char *value;
    unsigned v;

    if ((value = section_value(sect, "root_certificates")) != NULL) {
        if (!load_enum_key(ld, SP_MAIN_SECTION, "root_certificates", value,
                           allow_refuse, 2, &v))
            return 0;
        ca->roots_allowed = (int)v;
    }
    if (!load_bool(ld, SP_MAIN_SECTION, sect, "root_digital_signature",
                   &ca->root_digital_signature))
        return 0;
    if ((value = section_value(sect, "root_max_validity")) != NULL) {
        int64_t secs;

        if (!parse_duration(value, &secs)) {
            load_error(ld, SP_MAIN_SECTION, "root_max_validity", value,
                       "not a duration such as 9132d");
            return 0;
        }
        if (secs > SP_ROOT_MAX_SECS) {
            load_error(ld, SP_MAIN_SECTION, "root_max_validity", value,
                       "above 9132 days (25 years)");
            return 0;
        }
        ca->root_max_secs = secs;
    }
    if (!ca->roots_allowed
        && (section_value(sect, "root_digital_signature") != NULL
            || value != NULL)) {
        load_error(ld, SP_MAIN_SECTION,
                   value != NULL ? "root_max_validity"
                                 : "root_digital_signature",
                   NULL,
                   "only with root_certificates = allow (root certificates "
                   "are refused)");
        return 0;
    }
    return 1;
}

int sp_policy_load_ca(SP_LOADER *ld, SP_POLICY *pol)
{
    static const SP_NAME_VALUE nc_names[] = {
        {"external", SP_NC_REQUIRE_EXTERNAL},
        {"all", SP_NC_REQUIRE_ALL},
        {"none", SP_NC_REQUIRE_NONE},
    };
    STACK_OF(CONF_VALUE) *sect = NCONF_get_section(ld->conf, SP_MAIN_SECTION);
    SP_CA_POLICY *ca = &pol->ca;
    const char *value;
    unsigned v;

    ca->name_constraints = SP_NC_REQUIRE_EXTERNAL;
    ca->responder_max_secs = SP_RESPONDER_DEFAULT_SECS;
    if ((value = section_value(sect, "subca_name_constraints")) != NULL) {
        if (!load_enum_key(ld, SP_MAIN_SECTION, "subca_name_constraints", value,
                           nc_names, 3, &v))
            return 0;
        ca->name_constraints = (sp_nc_require)v;
    }
    if ((value = section_value(sect, "subca")) != NULL
        && !load_entries(ld, ca, value))
        return 0;

    if ((value = section_value(sect, "cross_certificates")) != NULL) {
        if (!load_enum_key(ld, SP_MAIN_SECTION, "cross_certificates", value,
                           allow_refuse, 2, &v))
            return 0;
        ca->cross_allowed = (int)v;
    }
    value = section_value(sect, "roots");
    if (ca->cross_allowed && value == NULL) {
        load_error(ld, SP_MAIN_SECTION, "roots", NULL,
                   "required with cross_certificates = allow: the root "
                   "inventory a cross-certificate's subject and key must "
                   "match (SBR 7.1.2.2(g))");
        return 0;
    }
    if (value != NULL && !load_roots(ld, ca, value))
        return 0;

    if ((value = section_value(sect, "ocsp_responders")) != NULL) {
        if (!load_enum_key(ld, SP_MAIN_SECTION, "ocsp_responders", value,
                           allow_refuse, 2, &v))
            return 0;
        ca->responders_allowed = (int)v;
    }
    if ((value = section_value(sect, "ocsp_responder_max_validity")) != NULL) {
        int64_t secs;

        if (!parse_duration(value, &secs)) {
            load_error(ld, SP_MAIN_SECTION, "ocsp_responder_max_validity",
                       value, "not a duration such as 90d or 36h");
            return 0;
        }
        if (secs > SP_RESPONDER_MAX_SECS) {
            load_error(ld, SP_MAIN_SECTION, "ocsp_responder_max_validity",
                       value,
                       "above 825 days, the longest a responder "
                       "certificate may live here");
            return 0;
        }
        ca->responder_max_secs = secs;
    }
    if (!load_root_keys(ld, sect, ca))
        return 0;
    ca->enabled = ca->n_subcas > 0 || ca->cross_allowed
                  || ca->responders_allowed || ca->roots_allowed;
    return 1;
}
