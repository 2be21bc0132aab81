/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal layout of a loaded policy, shared by the policy-file loader
 * (policy.c) and the rules (rules*.c). Not part of the engine's API.
 */
#ifndef SMIMEPOLICY_POLICY_INT_H
#define SMIMEPOLICY_POLICY_INT_H

#include "engine.h"

/* Key types, as a bitmask for `key_types`. */
enum {
    SP_KEY_RSA = 1u << 0,
    SP_KEY_P256 = 1u << 1,
    SP_KEY_P384 = 1u << 2,
    SP_KEY_P521 = 1u << 3,
    SP_KEY_ED25519 = 1u << 4,
    SP_KEY_ED448 = 1u << 5,
    SP_KEY_MLDSA44 = 1u << 6,
    SP_KEY_MLDSA65 = 1u << 7,
    SP_KEY_MLDSA87 = 1u << 8,
    SP_KEY_MLKEM512 = 1u << 9,
    SP_KEY_MLKEM768 = 1u << 10,
    SP_KEY_MLKEM1024 = 1u << 11,
    SP_KEY_ALL_SBR = (1u << 12) - 1u,
};

/* An extension OID the CA documents a reason to include. */
typedef struct sp_extra_ext_st {
    uint8_t oid[32];
    size_t oid_len;
    int critical_allowed; /* 1: may be critical; 0: must not be */
} SP_EXTRA_EXT;

typedef struct sp_oid_st {
    uint8_t der[32];
    size_t len;
} SP_OID;

/* One profile: what this CA may issue for one SBR type and generation,
 * with the CA's own tightening on top of the SBR. */
typedef struct sp_profile_st {
    char *name; /* section name in the policy file */
    sp_type type;
    sp_generation generation;
    sp_mode mode;

    /* Maximum validity in days (SBR: 825, Legacy 1185). Never above the
     * SBR value. */
    unsigned max_validity_days;

    /* Allowed mailbox domains: "example.com" matches exactly that domain,
     * ".example.com" any subdomain. Empty list: any domain. */
    char **email_domains;
    size_t n_email_domains;

    /* Allowed subject key types (SP_KEY_*), RSA modulus bounds in bits
     * (rsa_max_bits 0: no upper bound, as in the SBR). */
    unsigned key_types;
    unsigned rsa_min_bits;
    unsigned rsa_max_bits;

    /* Extra extensions allowed beyond the SBR's list. */
    SP_EXTRA_EXT *extra_exts;
    size_t n_extra_exts;

    /* EKU values other than emailProtection (Multipurpose/Legacy only).
     * When `eku_allowlist_set` is 0 the SBR default applies: any value but
     * the forbidden ones, with a warning for values the SBR does not name. */
    SP_OID *allowed_ekus;
    size_t n_allowed_ekus;
    int eku_allowlist_set;

    /* Minimum serial number length in octets (A-03: 64 bits of CSPRNG
     * output need at least 9 octets with the sign octet). */
    unsigned min_serial_octets;

    /* SHOULD-level rules become blocking when set. */
    int warnings_are_errors;

    /* Findings waived for this profile. */
    SP_EXCEPTION *exceptions;
    size_t n_exceptions;
} SP_PROFILE;

typedef enum {
    SP_CRL_ALLOW = 0,  /* sign CRLs after the CRL rules pass (default) */
    SP_CRL_REFUSE = 1, /* never sign a CRL with this key */
} sp_crl_mode;

/* One sub-CA operator the policy lets this key certify (a [subca]
 * section). A sub-CA certificate belongs to the entry whose organization
 * equals its subject organizationName. */
typedef struct sp_subca_entry_st {
    char *name;            /* section name */
    char *organization;    /* subject O, as encoded (UTF-8) */
    char country[3];       /* subject C; "" when the entry does not say */
    int external;          /* operated by another organisation */
    int affiliated;        /* an Affiliate of the issuer: anyPolicy allowed */
    int path_len;          /* highest pathLenConstraint; -1: any, absent ok */
    int digital_signature; /* keyUsage digitalSignature allowed */
    /* rfc822Name subtrees the operator may get ("example.com",
     * ".example.com"), lowercased; empty: none (then no constrained
     * certificate is possible). */
    char **permitted_email;
    size_t n_permitted_email;
} SP_SUBCA_ENTRY;

/* Which sub-CAs must be technically constrained (7.1.5). */
typedef enum {
    SP_NC_REQUIRE_EXTERNAL = 0, /* those with external = yes (default) */
    SP_NC_REQUIRE_ALL = 1,
    SP_NC_REQUIRE_NONE = 2,
} sp_nc_require;

typedef struct sp_ca_policy_st {
    SP_SUBCA_ENTRY *subcas;
    size_t n_subcas;
    sp_nc_require name_constraints;
    int cross_allowed; /* cross_certificates = allow */
    SP_ISSUER **roots; /* root inventory (G-X-01) */
    size_t n_roots;
    int responders_allowed;     /* ocsp_responders = allow */
    int64_t responder_max_secs; /* longest responder validity */
    /* Root certificates (self-issued, self-signed; 7.1.2.1). */
    int roots_allowed;          /* root_certificates = allow */
    int root_digital_signature; /* the root key signs OCSP responses */
    int64_t root_max_secs;      /* longest root validity; 0: no maximum */
    int enabled; /* any of the above: roles are told apart at all */
} SP_CA_POLICY;

/* Read the CA keys of the main section (policy_ca.c); 0 with err set. */
struct sp_loader_st;
int sp_policy_load_ca(struct sp_loader_st *ld, SP_POLICY *pol);
void sp_policy_ca_clear(SP_CA_POLICY *ca);

struct sp_policy_st {
    char *path;         /* NULL for the built-in default */
    uint8_t sha256[32]; /* of the file bytes; zero for the default */

    /* At most one profile per (type, generation): selection is by the
     * reserved policy OID in the certificate. */
    SP_PROFILE *profiles;
    size_t n_profiles;

    SP_ISSUER **issuers;
    size_t n_issuers;

    /* CRL signing. */
    sp_crl_mode crl_mode;
    int64_t crl_max_next_update_secs; /* SBR 4.9.7: 10 days for EE CRLs */

    /* OCSP ResponseData may be signed with this key (default: no). */
    int ocsp_allowed;

    /* CA and responder certificates (smimepolicy.cnf(5), "CA
     * CERTIFICATES"); all off by default. */
    SP_CA_POLICY ca;
};

/* The profile for a type and generation, or NULL when the policy does not
 * allow it. */
const SP_PROFILE *sp_policy_find_profile(const SP_POLICY *pol, sp_type type,
                                         sp_generation gen);

/* SBR maximum validity per generation, in days. */
unsigned sp_sbr_max_validity_days(sp_generation gen);

#endif
