/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nameConstraints (RFC 5280 4.2.1.10) as views: parsed from a sub-CA
 * certificate being judged (on the stack) or from an issuing CA at load
 * time, and the matching rules for mailboxes and directory names. No
 * allocation anywhere.
 */
#ifndef SMIMEPOLICY_NC_H
#define SMIMEPOLICY_NC_H

#include <stddef.h>
#include <stdint.h>

#include "der.h"

/* More subtrees of one kind than this is refused: no S/MIME sub-CA comes
 * close, and a fixed bound keeps the views allocation-free. */
#define SP_NC_MAX 32

typedef struct sp_nc_st {
    int has_permitted; /* permittedSubtrees present */
    int has_excluded;  /* excludedSubtrees present */
    /* rfc822Name bases (IA5String contents). */
    size_t n_permitted_email, n_excluded_email;
    SP_DER permitted_email[SP_NC_MAX];
    SP_DER excluded_email[SP_NC_MAX];
    /* directoryName bases (Name contents: the RDNSequence). */
    size_t n_permitted_dn, n_excluded_dn;
    SP_DER permitted_dn[SP_NC_MAX];
    SP_DER excluded_dn[SP_NC_MAX];
    size_t n_other; /* subtrees of other name forms (dNSName, ...) */
} SP_NC;

typedef enum {
    SP_NC_OK = 0,
    SP_NC_MALFORMED, /* not a NameConstraints */
    SP_NC_EMPTY,     /* no subtrees at all, or an empty GeneralSubtrees */
    SP_NC_MIN_MAX,   /* a subtree with minimum or maximum */
    SP_NC_TOO_MANY,  /* more than SP_NC_MAX of one kind */
} sp_nc_status;

/* Parse the extnValue contents of a nameConstraints extension. */
sp_nc_status sp_nc_parse(const SP_DER *value, SP_NC *out);
const char *sp_nc_status_text(sp_nc_status st);

/* RFC 5280 4.2.1.10 for rfc822Name: constraint "host" matches a mailbox at
 * exactly that host, ".host" a mailbox at any subdomain of it, and
 * "local@host" that one mailbox. Hosts compare case-insensitively. */
int sp_nc_email_matches(const SP_DER *constraint, const uint8_t *addr,
                        size_t len);
/* Whether a mailbox is allowed: inside a permitted rfc822Name subtree when
 * there are any, and inside no excluded one. */
int sp_nc_email_allowed(const SP_NC *nc, const uint8_t *addr, size_t len);
/* Whether the subtree's RDNs begin `rdns` (both Name contents), RDN by RDN
 * compared as encoded. */
int sp_nc_dn_within(const SP_DER *subtree, const SP_DER *rdns);
/* Whether a subject (Name contents) is allowed by the directoryName
 * subtrees. An empty subject is not constrained. */
int sp_nc_dn_allowed(const SP_NC *nc, const SP_DER *rdns);
/* Whether an rfc822Name subtree that is a domain ("host" or ".host") lies
 * inside `outer` (same syntax, NUL-terminated): "a.example.com" and
 * ".a.example.com" lie inside ".example.com"; "example.com" only inside
 * "example.com". */
int sp_nc_domain_within(const uint8_t *inner, size_t len, const char *outer);

#endif
