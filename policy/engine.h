/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The smimepolicy engine: decides whether the DER bytes of a to-be-signed
 * object may be signed under a policy, and says why not.
 *
 * Used by the provider (in the signing path) and by the `smimepolicy`
 * command, so a certificate gets the same verdict everywhere. Nothing here
 * depends on the provider. libcrypto is used only to read the policy file
 * (NCONF) and issuer certificates, never while judging.
 */
#ifndef SMIMEPOLICY_ENGINE_H
#define SMIMEPOLICY_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "der.h"
#include "tbs.h"

/* ------------------------------------------------------------------ */
/* Findings                                                            */

typedef enum {
    SP_SEV_NOTICE = 0,
    SP_SEV_WARNING = 1,
    SP_SEV_ERROR = 2,
} sp_severity;

/* One rule of the engine: a stable code, its default severity and where it
 * comes from. Defined once, in the rule table (rules_table.c). */
typedef struct sp_rule_st {
    const char *code; /* stable, e.g. "ku.prohibited_bit" */
    sp_severity severity;
    const char *section; /* SBR section, e.g. "7.1.2.3(e)", or "RFC 5280 4.2" */
    const char *ref;     /* checklist id(s), e.g. "D-KU-03" */
    const char *summary; /* one line, what the rule requires */
} SP_RULE;

/* Index of each rule in the table; generated list in rules_list.h. */
typedef enum {
#define SP_RULE_DEF(id, code, sev, section, ref, summary) id,
#include "rules_list.h"
#undef SP_RULE_DEF
    SP_RULE_COUNT
} sp_rule_id;

extern const SP_RULE sp_rules[SP_RULE_COUNT];
/* "error", "warning" or "notice". */
const char *sp_severity_name(sp_severity sev);
/* Look a rule up by its code; -1 if unknown. */
int sp_rule_by_code(const char *code);

#define SP_FINDING_DETAIL_MAX 200
#define SP_MAX_FINDINGS 64

struct sp_exception_st;

typedef struct sp_finding_st {
    sp_rule_id rule;
    sp_severity severity; /* effective: may differ from the rule default
                             when the policy changes it */
    /* Set when an exception of the policy waived this finding. */
    const struct sp_exception_st *waived_by;
    /* Set when an exception for this code exists but has expired. */
    const struct sp_exception_st *expired_exception;
    char detail[SP_FINDING_DETAIL_MAX]; /* names the offending value */
} SP_FINDING;

typedef struct sp_findings_st {
    size_t n;
    size_t dropped; /* findings beyond SP_MAX_FINDINGS (counted, not kept) */
    SP_FINDING f[SP_MAX_FINDINGS];
} SP_FINDINGS;

/* ------------------------------------------------------------------ */
/* Profiles: SBR certificate type x generation                         */

typedef enum {
    SP_TYPE_NONE = 0,
    SP_TYPE_MAILBOX = 1,      /* 2.23.140.1.5.1.x */
    SP_TYPE_ORGANIZATION = 2, /* 2.23.140.1.5.2.x */
    SP_TYPE_SPONSORED = 3,    /* 2.23.140.1.5.3.x */
    SP_TYPE_INDIVIDUAL = 4,   /* 2.23.140.1.5.4.x */
} sp_type;

typedef enum {
    SP_GEN_NONE = 0,
    SP_GEN_LEGACY = 1,
    SP_GEN_MULTIPURPOSE = 2,
    SP_GEN_STRICT = 3,
} sp_generation;

const char *sp_type_name(sp_type t);             /* "mailbox", ... */
const char *sp_generation_name(sp_generation g); /* "strict", ... */

/* ------------------------------------------------------------------ */
/* Issuing CA certificates                                             */

/* A parsed issuing CA certificate. Owns a copy of its DER; all views point
 * into it. */
typedef struct sp_issuer_st SP_ISSUER;

/* Load a PEM or DER CA certificate file (the first certificate in it). */
SP_ISSUER *sp_issuer_load_file(const char *path, char *err, size_t errlen);
SP_ISSUER *sp_issuer_from_der(const uint8_t *der, size_t len, char *err,
                              size_t errlen);
void sp_issuer_free(SP_ISSUER *issuer);
const char *sp_issuer_path(const SP_ISSUER *issuer);
/* Subject Name TLV, SPKI TLV, SKI value (empty when absent). */
SP_DER sp_issuer_subject(const SP_ISSUER *issuer);
SP_DER sp_issuer_spki(const SP_ISSUER *issuer);
SP_DER sp_issuer_ski(const SP_ISSUER *issuer);
int sp_issuer_is_root(const SP_ISSUER *issuer); /* self-issued and signed */
/* Whether this CA may issue S/MIME: not a root, and EKU absent or contains
 * emailProtection and none of the forbidden purposes. */
int sp_issuer_may_issue_smime(const SP_ISSUER *issuer);

/* ------------------------------------------------------------------ */
/* Policy                                                              */

typedef struct sp_policy_st SP_POLICY;

typedef enum {
    SP_MODE_ENFORCE = 0, /* refuse when an error finding remains */
    SP_MODE_REPORT = 1,  /* decide and record, never block */
} sp_mode;

typedef struct sp_exception_st {
    char *name; /* section name */
    int rule;   /* sp_rule_id */
    char *owner;
    char *reason;
    int64_t expires; /* seconds since the epoch; the exception applies
                        while the decision time is before this */
} SP_EXCEPTION;

/* Error text from loading a policy: names file, section and key. */
#define SP_POLICY_ERR_MAX 512

/* The SBR defaults alone: every current type and generation allowed,
 * enforce mode, no issuers, no tightening. */
SP_POLICY *sp_policy_new_default(char *err, size_t errlen);
/* Read an openssl.cnf-style policy file (NCONF, so .include and variables
 * work). NULL on any error, with the reason in err. */
SP_POLICY *sp_policy_load(const char *path, char *err, size_t errlen);
void sp_policy_free(SP_POLICY *pol);
/* SHA-256 of the policy file bytes as read (all zero for the default). */
const uint8_t *sp_policy_sha256(const SP_POLICY *pol);
const char *sp_policy_path(const SP_POLICY *pol); /* NULL for the default */
size_t sp_policy_issuer_count(const SP_POLICY *pol);
const SP_ISSUER *sp_policy_issuer(const SP_POLICY *pol, size_t i);
/* Add an issuer that the policy does not list (the command's --issuer).
 * The policy takes ownership, also when the call fails. */
int sp_policy_add_issuer(SP_POLICY *pol, SP_ISSUER *issuer);
/* The issuer whose SubjectPublicKeyInfo equals `spki` (whole TLV). */
const SP_ISSUER *sp_policy_issuer_by_spki(const SP_POLICY *pol,
                                          const uint8_t *spki, size_t len);

/* ------------------------------------------------------------------ */
/* Judging                                                             */

typedef enum {
    SP_DECIDE_ACCEPT = 0,       /* may be signed */
    SP_DECIDE_REFUSE = 1,       /* must not be signed */
    SP_DECIDE_WOULD_REFUSE = 2, /* report mode: signed, but recorded */
} sp_decision;

const char *sp_decision_name(sp_decision d); /* "accept", "refuse", ... */

/* What a TBSCertificate is, told apart only when the policy enables CA or
 * responder certificates; otherwise everything is an end-entity. */
typedef enum {
    SP_ROLE_END_ENTITY = 0, /* an S/MIME subscriber certificate */
    SP_ROLE_SUBCA = 1,      /* basicConstraints cA TRUE */
    SP_ROLE_CROSS = 2,      /* a CA certificate for an inventoried root */
    SP_ROLE_OCSP = 3,       /* EKU id-kp-OCSPSigning, not a CA */
    SP_ROLE_ROOT = 4,       /* self-issued CA, root_certificates = allow */
} sp_role;

const char *sp_role_name(sp_role r); /* "end-entity", "subordinate-ca", ... */

typedef struct sp_judge_opts_st {
    /* Issuance time for dated rules (Legacy sunset, exception expiry).
     * SP_AT_NOTBEFORE judges an existing certificate as issued at its
     * notBefore; the provider passes the current time. */
    int64_t at;
    /* The issuing CA, when known: enables A-05, D-AKI-03, A-06 key match,
     * F-R-08 and F-S-07. When NULL the engine looks in the policy's issuers
     * for one whose subject equals the TBS issuer (and SKI equals AKI). */
    const SP_ISSUER *issuer;
    /* When nonzero, the issuer must be known (the provider sets this: it
     * always knows which key signs). */
    int require_issuer;
} SP_JUDGE_OPTS;

#define SP_AT_NOTBEFORE INT64_MIN

typedef struct sp_verdict_st {
    sp_kind kind;
    sp_decision decision;
    sp_type type; /* from the reserved policy OID; NONE if none */
    sp_generation generation;
    const char *profile; /* policy profile name judged against, or NULL */
    sp_mode mode;
    int64_t at;              /* issuance time actually used */
    const SP_ISSUER *issuer; /* issuer used for issuer rules, or NULL */
    size_t n_errors;         /* error findings not waived */
    SP_FINDINGS findings;
    /* When the input could not be decoded at all. */
    SP_DECODE_ERROR decode_error;
    int decode_failed;
    sp_role role; /* certificates only */
    union {
        SP_TBS_CERT cert;
        SP_TBS_CRL crl;
    } tbs; /* the decoded view, valid while the input bytes live */
} SP_VERDICT;

/* Judge the DER of a to-be-signed object. Always fills *out; returns the
 * decision. Anything that cannot be decoded strictly is refused with
 * decode_failed set. A TBSCertList goes to the CRL rules, OCSP ResponseData
 * is refused unless the policy allows it, anything else is refused. */
sp_decision sp_judge(const SP_POLICY *pol, const uint8_t *der, size_t len,
                     const SP_JUDGE_OPTS *opts, SP_VERDICT *out);

/* Write a one-line human description of a finding (code, severity,
 * section, detail) into buf. */
void sp_finding_format(const SP_FINDING *f, char *buf, size_t buflen);

#endif
