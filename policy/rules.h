/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface between the judge (engine.c) and the rule groups.
 * Each group is a function that walks the decoded view and reports
 * findings; none of them allocates.
 */
#ifndef SMIMEPOLICY_RULES_H
#define SMIMEPOLICY_RULES_H

#include "engine.h"
#include "policy_int.h"

typedef struct sp_rule_ctx_st {
    const SP_POLICY *pol;
    /* Profile of the policy for (type, generation); NULL when the policy
     * does not allow that profile (a finding says so) or none was found.
     * Rules then apply the SBR defaults for type/generation. */
    const SP_PROFILE *profile;
    sp_type type;
    sp_generation gen;
    const SP_TBS_CERT *tbs;
    const SP_ISSUER *issuer; /* NULL when unknown */
    int64_t at;              /* issuance time */
    SP_FINDINGS *out;

    /* Extensions located once by the judge (NULL when absent). */
    const SP_EXTENSION *ext_san;
    const SP_EXTENSION *ext_ku;
    const SP_EXTENSION *ext_eku;
    const SP_EXTENSION *ext_cp;
    const SP_EXTENSION *ext_bc;
    const SP_EXTENSION *ext_crldp;
    const SP_EXTENSION *ext_aia;
    const SP_EXTENSION *ext_aki;
    const SP_EXTENSION *ext_ski;
    const SP_EXTENSION *ext_nc;
    int ca_role; /* judged as a CA or responder certificate */
} SP_RULE_CTX;

/* Report a finding for rule `id` with a printf-style detail that names the
 * offending value. */
void sp_report(SP_RULE_CTX *ctx, sp_rule_id id, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Same, into a findings list directly (for CRL rules and decode errors). */
void sp_findings_add(SP_FINDINGS *out, sp_rule_id id, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Rule groups for certificates. */
void sp_rules_core(SP_RULE_CTX *ctx);    /* version, serial, validity,
                                            algorithms, keys, issuer */
void sp_rules_ext(SP_RULE_CTX *ctx);     /* extensions except SAN */
void sp_rules_subject(SP_RULE_CTX *ctx); /* subject DN (C.1, C.2) */
void sp_rules_san(SP_RULE_CTX *ctx);     /* subjectAltName (D-SAN) */

/* Helpers shared by the subject and SAN rules (rules_names.c and
 * rules_san.c). */

/* A mailbox address split into views of the bytes checked. */
typedef struct sp_mailbox_st {
    const uint8_t *local;
    size_t local_len;
    const uint8_t *domain;
    size_t domain_len;
    int local_ascii; /* the local part has no byte above 0x7f */
} SP_MAILBOX;

typedef enum {
    SP_MAILBOX_OK = 0,
    SP_MAILBOX_SYNTAX = 1, /* not an RFC 5321 Mailbox */
    SP_MAILBOX_LENGTH = 2, /* local part > 64, domain > 253, label > 63 */
} sp_mailbox_status;

/* Check that s[0..len) is a bare RFC 5321 Mailbox with a domain of LDH
 * labels (at least two, alphabetic or A-label top-level label). With
 * `utf8_local`, the local part may also hold non-ASCII bytes (RFC 6531;
 * the caller has checked the UTF-8). *why gets a short reason on failure. */
sp_mailbox_status sp_mailbox_check(const uint8_t *s, size_t len, int utf8_local,
                                   SP_MAILBOX *out, const char **why);

/* Quote UTF-8 bytes for a finding detail: "value" with control bytes,
 * quotes and invalid UTF-8 escaped, truncated with "..." to fit out. */
const char *sp_quote(const uint8_t *s, size_t len, char *out, size_t outlen);

/* Algorithm tables of the core rules (rules_core.c), shared with the
 * extension and CRL rules. Key types are SP_KEY_* bits; 0 = not one of
 * the SBR's exact encodings. AlgorithmIdentifiers are whole TLVs. */
unsigned sp_spki_alg_key_type(const SP_DER *alg);
unsigned sp_spki_key_type(const SP_DER *spki);  /* whole SPKI TLV */
unsigned sp_sig_alg_signers(const SP_DER *alg); /* key types that sign it */
const char *sp_sig_alg_name(const SP_DER *alg); /* NULL if not permitted */
const char *sp_key_type_name(unsigned key_type);
/* A-06/G-C-01: report a signature AlgorithmIdentifier that is not a
 * permitted encoding, or (issuer known) does not fit the issuer's key. */
void sp_check_sig_alg(SP_FINDINGS *out, const SP_DER *sig_alg,
                      const SP_ISSUER *issuer, const char *what);

/* Walks of extension values shared by the subscriber rules (rules_ext.c,
 * where they are defined) and the CA rules (rules_ca.c). They only
 * decode: 0 means malformed, and the caller reports it with its own rule
 * and words. */
/* The contents of e's value as a non-empty SEQUENCE OF, into *seq. */
int sp_ext_seq_of(const SP_EXTENSION *e, SP_DER *seq);
/* The next AccessDescription of an authorityInformationAccess SEQUENCE:
 * accessMethod OID contents, and accessLocation's GeneralName tag and
 * contents. */
int sp_aia_next(SP_DER *seq, SP_DER *method, unsigned *tag, SP_DER *loc);
/* The next DistributionPoint of a cRLDistributionPoints SEQUENCE:
 * *present tells whether it has a distributionPoint [0], whose contents
 * (a DistributionPointName) go to *dpname. */
int sp_crldp_next(SP_DER *seq, SP_DER *dpname, int *present);
/* An authorityKeyIdentifier value: a SEQUENCE of the optional [0]
 * keyIdentifier (its contents into *kid, empty when absent),
 * [1] authorityCertIssuer and [2] authorityCertSerialNumber, whose
 * presence is told in *has_issuer and *has_serial. */
int sp_aki_decode(const SP_EXTENSION *e, SP_DER *kid, int *has_kid,
                  int *has_issuer, int *has_serial);

/* CA and responder certificates (rules_ca.c). */
/* The role of a certificate whose extensions are located; called only when
 * the policy enables CA or responder certificates. */
sp_role sp_rules_role(const SP_RULE_CTX *ctx);
/* Every rule for a CA or responder certificate of `role`. */
void sp_rules_ca(SP_RULE_CTX *ctx, sp_role role);
/* The certificatePolicies rules of rules_ext.c (duplicates, CPS URIs,
 * user notices, qualifiers), which hold for CA certificates too
 * (F-S-01); anyPolicy is left to the caller when ctx->ca_role is set. */
void sp_rules_cp_qualifiers(SP_RULE_CTX *ctx);
/* The issuing CA's nameConstraints on an end-entity certificate. */
void sp_rules_issuer_nc(SP_RULE_CTX *ctx);
/* The core rules that hold for every certificate (version, serial,
 * structure, validity encoding, algorithms, keys, issuer name), without
 * the end-entity ones (validity maximum, issuer may issue S/MIME). */
void sp_rules_core_ca(SP_RULE_CTX *ctx);
/* Whether two octets are an ISO 3166-1 alpha-2 code (rules_names.c). */
int sp_country_code_known(const uint8_t *cc);
/* The issuing CA's parsed nameConstraints, NULL when it has none. */
struct sp_nc_st;
const struct sp_nc_st *sp_issuer_name_constraints(const SP_ISSUER *issuer);
/* The issuing CA's pathLenConstraint, -1 when it has none. */
long sp_issuer_path_len(const SP_ISSUER *issuer);

/* Rules for a TBSCertList. */
void sp_rules_crl(const SP_POLICY *pol, const SP_TBS_CRL *crl,
                  const SP_ISSUER *issuer, int64_t at, SP_FINDINGS *out);

#endif
