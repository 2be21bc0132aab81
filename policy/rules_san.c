/* SPDX-License-Identifier: Apache-2.0 */
/*
 * subjectAltName rules (SBR 7.1.2.3(h), 7.1.4.2.1; checklist D-SAN).
 *
 * The GeneralNames are walked in place with the DER cursor. The content of
 * directoryName entries is checked by the subject rules (rules_names.c),
 * which apply the same C.1/C.2 checks to them.
 *
 * D-SAN-08 (mailbox domain under a public suffix) is only approximated:
 * the engine carries no Public Suffix List, because a copy frozen into the
 * provider goes stale (wrongly refusing new TLDs or passing withdrawn
 * ones) and a CA's own `email_domains` list is the precise tool for
 * limiting domains. What is cheap and never changes is checked: single-
 * label domains (by the syntax rule) and the special-use and internal
 * top-level names below.
 */
#include <string.h>

#include "rules.h"
#include "oids.h"

/* id-on-SmtpUTF8Mailbox 1.3.6.1.5.5.7.8.9 and Microsoft's
 * userPrincipalName 1.3.6.1.4.1.311.20.2.3 (OID contents). */
static const uint8_t oid_upn[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                  0x82, 0x37, 0x14, 0x02, 0x03};

/* GeneralName CHOICE numbers, for messages. */
static const char *const general_name_types[] = {
    "otherName",
    "rfc822Name",
    "dNSName",
    "x400Address",
    "directoryName",
    "ediPartyName",
    "uniformResourceIdentifier",
    "iPAddress",
    "registeredID",
};

/* Top-level names that are never delegated in the public DNS: special-use
 * names (RFC 2606, RFC 6761, RFC 6762, RFC 7686, RFC 9476), ICANN's
 * reserved ".internal", and names ICANN will not delegate because of
 * name-collision risk (".corp", ".home", ".mail"). "home.arpa" is RFC 8375. */
/* With their lengths: every mailbox domain is compared with each. */
#define SUFFIX(s)                                                              \
    {                                                                          \
        s, sizeof(s) - 1                                                       \
    }
static const struct {
    const char *name;
    size_t len;
} internal_suffixes[] = {
    SUFFIX("test"),  SUFFIX("example"), SUFFIX("invalid"), SUFFIX("localhost"),
    SUFFIX("local"), SUFFIX("onion"),   SUFFIX("alt"),     SUFFIX("internal"),
    SUFFIX("corp"),  SUFFIX("home"),    SUFFIX("mail"),    SUFFIX("home.arpa"),
};
#undef SUFFIX

/* ASCII character classes as 128-bit sets, one test per character:
 * bit c of {low, high} is set when character c belongs. Mailbox syntax is
 * checked for every address in a certificate, several times per
 * decision. tests/test_rules.c checks every octet against the grammar. */
typedef struct char_set_st {
    uint64_t bits[2];
} CHAR_SET;

/* RFC 5322 atext: letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~ */
static const CHAR_SET atext_chars = {
    {UINT64_C(0xa3ffacfa00000000), UINT64_C(0x7fffffffc7fffffe)}};
/* letters, digits, hyphen */
static const CHAR_SET ldh_chars = {
    {UINT64_C(0x03ff200000000000), UINT64_C(0x07fffffe07fffffe)}};

static int in_set(const CHAR_SET *set, uint8_t c)
{
    return c < 128 && (set->bits[c >> 6] >> (c & 63) & 1) != 0;
}

static int is_atext(uint8_t c)
{
    return in_set(&atext_chars, c);
}

static int is_ldh(uint8_t c)
{
    return in_set(&ldh_chars, c);
}

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int ascii_case_equal(const uint8_t *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (ascii_lower(a[i]) != ascii_lower((unsigned char)b[i]))
            return 0;
    }
    return 1;
}

/* The domain of a mailbox: LDH labels of 1..63 octets, at most 253 in
 * all, two labels or more, the last alphabetic or an A-label. */
static sp_mailbox_status check_domain(const uint8_t *d, size_t len,
                                      const char **why)
{
    size_t labels = 0, start = 0;

    if (len == 0) {
        *why = "empty domain";
        return SP_MAILBOX_SYNTAX;
    }
    if (d[0] == '[') {
        *why = "address literal instead of a domain";
        return SP_MAILBOX_SYNTAX;
    }
    if (len > 253) {
        *why = "domain longer than 253 octets";
        return SP_MAILBOX_LENGTH;
    }
    for (size_t i = 0; i <= len; i++) {
        if (i < len && d[i] != '.') {
            if (!is_ldh(d[i])) {
                *why = d[i] >= 0x80
                           ? "non-ASCII domain label (A-labels required)"
                           : "domain character outside letters, digits, "
                             "hyphen";
                return SP_MAILBOX_SYNTAX;
            }
            continue;
        }
        size_t label_len = i - start;
        if (label_len == 0) {
            *why = "empty domain label";
            return SP_MAILBOX_SYNTAX;
        }
        if (label_len > 63) {
            *why = "domain label longer than 63 octets";
            return SP_MAILBOX_LENGTH;
        }
        if (d[start] == '-' || d[i - 1] == '-') {
            *why = "domain label starts or ends with a hyphen";
            return SP_MAILBOX_SYNTAX;
        }
        labels++;
        if (i == len) {
            /* the top-level label: letters, or an A-label */
            int alpha = 1;
            for (size_t k = start; k < i; k++) {
                if (!((d[k] >= 'a' && d[k] <= 'z')
                      || (d[k] >= 'A' && d[k] <= 'Z')))
                    alpha = 0;
            }
            if (!alpha
                && !(label_len > 4 && ascii_case_equal(d + start, "xn--", 4))) {
                *why = "top-level label is not alphabetic";
                return SP_MAILBOX_SYNTAX;
            }
        }
        start = i + 1;
    }
    if (labels < 2) {
        *why = "domain has a single label";
        return SP_MAILBOX_SYNTAX;
    }
    return SP_MAILBOX_OK;
}

sp_mailbox_status sp_mailbox_check(const uint8_t *s, size_t len, int utf8_local,
                                   SP_MAILBOX *out, const char **why)
{
    size_t at;
    const char *ignored;

    if (why == NULL)
        why = &ignored;
    *why = NULL;
    if (len == 0) {
        *why = "empty value";
        return SP_MAILBOX_SYNTAX;
    }
    if (s[0] == '"') {
        /* Quoted-string: qtextSMTP or quoted-pair up to the closing quote */
        size_t i = 1;
        while (i < len && s[i] != '"') {
            if (s[i] == '\\') {
                if (i + 1 >= len || s[i + 1] < 0x20 || s[i + 1] > 0x7e) {
                    *why = "bad quoted-pair in the local part";
                    return SP_MAILBOX_SYNTAX;
                }
                i += 2;
                continue;
            }
            if (s[i] < 0x20 || s[i] == 0x7f || (s[i] >= 0x80 && !utf8_local)) {
                *why = "character not allowed in a quoted local part";
                return SP_MAILBOX_SYNTAX;
            }
            i++;
        }
        if (i >= len) {
            *why = "unterminated quoted local part";
            return SP_MAILBOX_SYNTAX;
        }
        at = i + 1;
        if (at >= len || s[at] != '@') {
            *why = "no '@' after the quoted local part";
            return SP_MAILBOX_SYNTAX;
        }
    } else {
        /* Dot-string: atoms of atext separated by single dots */
        const uint8_t *p = memchr(s, '@', len);
        if (p == NULL) {
            *why = "no '@'";
            return SP_MAILBOX_SYNTAX;
        }
        at = (size_t)(p - s);
        if (at == 0) {
            *why = "empty local part";
            return SP_MAILBOX_SYNTAX;
        }
        for (size_t i = 0; i < at; i++) {
            if (s[i] == '.') {
                if (i == 0 || i + 1 == at || s[i + 1] == '.') {
                    *why = "misplaced dot in the local part";
                    return SP_MAILBOX_SYNTAX;
                }
            } else if (!(is_atext(s[i]) || (s[i] >= 0x80 && utf8_local))) {
                *why = "character not allowed in the local part";
                return SP_MAILBOX_SYNTAX;
            }
        }
    }
    if (at > 64) {
        *why = "local part longer than 64 octets";
        return SP_MAILBOX_LENGTH;
    }
    sp_mailbox_status st = check_domain(s + at + 1, len - at - 1, why);
    if (st != SP_MAILBOX_OK)
        return st;
    if (out != NULL) {
        out->local = s;
        out->local_len = at;
        out->domain = s + at + 1;
        out->domain_len = len - at - 1;
        out->local_ascii = 1;
        for (size_t i = 0; i < at; i++) {
            if (s[i] >= 0x80)
                out->local_ascii = 0;
        }
    }
    return SP_MAILBOX_OK;
}

/* The special-use or internal suffix the domain falls under, or NULL. */
static const char *internal_suffix(const uint8_t *d, size_t len)
{
    for (size_t i = 0;
         i < sizeof(internal_suffixes) / sizeof(internal_suffixes[0]); i++) {
        size_t n = internal_suffixes[i].len;
        if (len > n && d[len - n - 1] == '.'
            && ascii_case_equal(d + len - n, internal_suffixes[i].name, n))
            return internal_suffixes[i].name;
    }
    return NULL;
}

/* Profile tightening: "example.com" allows exactly that domain,
 * ".example.com" any name below it. No list: any domain. */
static int domain_allowed(const SP_PROFILE *profile, const uint8_t *d,
                          size_t len)
{
    if (profile == NULL || profile->n_email_domains == 0)
        return 1;
    for (size_t i = 0; i < profile->n_email_domains; i++) {
        const char *entry = profile->email_domains[i];
        size_t n = strlen(entry);
        if (n == 0)
            continue;
        if (entry[0] == '.') {
            if (len > n && ascii_case_equal(d + len - n, entry, n))
                return 1;
        } else if (len == n && ascii_case_equal(d, entry, n)) {
            return 1;
        }
    }
    return 0;
}

/* A mailbox value quoted for a finding. Quoting is done only inside the
 * argument list of a report: most values are fine, and quoting each one
 * would cost more than the checks on it. */
#define QUOTED sp_quote(value->data, value->len, quoted, sizeof(quoted))

/* Rules every mailbox domain meets, whichever GeneralName holds it. */
static void check_mailbox_domain(SP_RULE_CTX *ctx, const char *what,
                                 const SP_MAILBOX *mb, const SP_DER *value)
{
    const char *suffix = internal_suffix(mb->domain, mb->domain_len);
    char quoted[96];

    if (suffix != NULL)
        sp_report(ctx, SP_R_SAN_INTERNAL_DOMAIN,
                  "%s %s: domain is under the internal name \".%s\"", what,
                  QUOTED, suffix);
    if (!domain_allowed(ctx->profile, mb->domain, mb->domain_len))
        sp_report(ctx, SP_R_SAN_DOMAIN_NOT_ALLOWED,
                  "%s %s: domain is not in email_domains of profile %s", what,
                  QUOTED, ctx->profile->name);
}

static void check_rfc822(SP_RULE_CTX *ctx, const SP_DER *value)
{
    char quoted[96];
    const char *why = NULL;
    SP_MAILBOX mb;

    if (sp_der_check_string(SP_TAG_IA5STRING, value) != SP_DER_OK) {
        sp_report(ctx, SP_R_SAN_RFC822_INVALID,
                  "rfc822Name %s: not an IA5String (ASCII only)", QUOTED);
        return;
    }
    switch (sp_mailbox_check(value->data, value->len, 0, &mb, &why)) {
    case SP_MAILBOX_OK:
        check_mailbox_domain(ctx, "rfc822Name", &mb, value);
        break;
    case SP_MAILBOX_LENGTH:
        sp_report(ctx, SP_R_SAN_DOMAIN_LENGTH, "rfc822Name %s: %s", QUOTED,
                  why);
        break;
    case SP_MAILBOX_SYNTAX:
        sp_report(ctx, SP_R_SAN_RFC822_INVALID,
                  "rfc822Name %s is not a bare mailbox: %s", QUOTED, why);
        break;
    }
}

static void check_smtputf8(SP_RULE_CTX *ctx, unsigned tag, const SP_DER *value)
{
    char quoted[96];
    const char *why = NULL;
    SP_MAILBOX mb;

    if (tag != SP_TAG_UTF8STRING
        || sp_der_check_string(SP_TAG_UTF8STRING, value) != SP_DER_OK) {
        sp_report(ctx, SP_R_SAN_SMTPUTF8_INVALID,
                  "SmtpUTF8Mailbox %s: not a valid UTF8String", QUOTED);
        return;
    }
    if (value->len >= 3 && value->data[0] == 0xef && value->data[1] == 0xbb
        && value->data[2] == 0xbf) {
        sp_report(ctx, SP_R_SAN_SMTPUTF8_INVALID,
                  "SmtpUTF8Mailbox %s starts with a byte-order mark", QUOTED);
        return;
    }
    switch (sp_mailbox_check(value->data, value->len, 1, &mb, &why)) {
    case SP_MAILBOX_OK:
        break;
    case SP_MAILBOX_LENGTH:
        sp_report(ctx, SP_R_SAN_DOMAIN_LENGTH, "SmtpUTF8Mailbox %s: %s", QUOTED,
                  why);
        return;
    case SP_MAILBOX_SYNTAX:
        sp_report(ctx, SP_R_SAN_SMTPUTF8_INVALID,
                  "SmtpUTF8Mailbox %s is not a mailbox: %s", QUOTED, why);
        return;
    }
    if (mb.local_ascii)
        sp_report(ctx, SP_R_SAN_SMTPUTF8_ASCII,
                  "SmtpUTF8Mailbox %s has an ASCII local part: use rfc822Name",
                  QUOTED);
    for (size_t i = 0; i < mb.domain_len; i++) {
        if (mb.domain[i] >= 'A' && mb.domain[i] <= 'Z') {
            sp_report(ctx, SP_R_SAN_SMTPUTF8_INVALID,
                      "SmtpUTF8Mailbox %s: domain has uppercase letters",
                      QUOTED);
            break;
        }
    }
    check_mailbox_domain(ctx, "SmtpUTF8Mailbox", &mb, value);
}

/* pkilint's reading: a UPN is a UTF8String in the form user@domain. */
static void check_upn(SP_RULE_CTX *ctx, unsigned tag, const SP_DER *value)
{
    char quoted[96];
    const char *why = "not a UTF8String";

    if (tag == SP_TAG_UTF8STRING
        && sp_der_check_string(SP_TAG_UTF8STRING, value) == SP_DER_OK
        && sp_mailbox_check(value->data, value->len, 1, NULL, &why)
               == SP_MAILBOX_OK)
        return;
    sp_report(ctx, SP_R_SAN_UPN_INVALID, "userPrincipalName otherName %s: %s",
              QUOTED, why);
}

/* otherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }.
 * Returns 1 when it is a SmtpUTF8Mailbox, 0 otherwise, -1 if malformed. */
static int check_other_name(SP_RULE_CTX *ctx, SP_DER body)
{
    SP_DER oid, explicit_value, value;
    unsigned tag;
    char oid_text[64];

    if (sp_der_get_oid(&body, &oid) != SP_DER_OK
        || sp_der_get(&body, SP_TAG_CTX_CONS(0), &explicit_value) != SP_DER_OK
        || !sp_der_empty(&body)
        || sp_der_get_any(&explicit_value, &tag, &value, NULL) != SP_DER_OK
        || !sp_der_empty(&explicit_value))
        return -1;

    if (sp_der_equal_bytes(&oid, sp_oid_smtputf8, sizeof(sp_oid_smtputf8))) {
        check_smtputf8(ctx, tag, &value);
        return 1;
    }
    sp_der_oid_to_text(&oid, oid_text, sizeof(oid_text));
    if (ctx->gen == SP_GEN_STRICT) {
        sp_report(ctx, SP_R_SAN_PROHIBITED_OTHERNAME,
                  "otherName of type %s%s is not allowed in a Strict "
                  "certificate (only SmtpUTF8Mailbox)",
                  oid_text,
                  sp_der_equal_bytes(&oid, oid_upn, sizeof(oid_upn))
                      ? " (userPrincipalName)"
                      : "");
        return 0;
    }
    if (sp_der_equal_bytes(&oid, oid_upn, sizeof(oid_upn)))
        check_upn(ctx, tag, &value);
    return 0;
}

void sp_rules_san(SP_RULE_CTX *ctx)
{
    const SP_EXTENSION *san = ctx->ext_san;
    SP_DER cur, names;
    size_t mailboxes = 0, index = 0;
    int subject_empty = sp_der_empty(&ctx->tbs->subject_rdns);

    if (san == NULL) {
        sp_report(ctx, SP_R_SAN_MISSING,
                  "no subjectAltName extension: an S/MIME certificate names "
                  "its mailbox there");
        return;
    }
    if (subject_empty && !san->critical)
        sp_report(ctx, SP_R_SAN_NOT_CRITICAL_EMPTY_SUBJECT,
                  "the subject is empty but subjectAltName is not critical");
    else if (!subject_empty && san->critical)
        sp_report(ctx, SP_R_SAN_CRITICAL_WITH_SUBJECT,
                  "subjectAltName is critical although the subject is not "
                  "empty");

    cur = san->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &names) != SP_DER_OK
        || !sp_der_empty(&cur)) {
        sp_report(ctx, SP_R_SAN_MALFORMED,
                  "subjectAltName value is not one GeneralNames sequence");
        return;
    }
    if (sp_der_empty(&names)) {
        sp_report(ctx, SP_R_SAN_MALFORMED,
                  "subjectAltName holds no names (RFC 5280: at least one)");
        return;
    }
    while (!sp_der_empty(&names)) {
        unsigned tag;
        SP_DER body;
        int rc;

        index++;
        if (sp_der_get_any(&names, &tag, &body, NULL) != SP_DER_OK) {
            sp_report(ctx, SP_R_SAN_MALFORMED,
                      "subjectAltName entry %zu cannot be decoded", index);
            return;
        }
        switch (tag) {
        case SP_TAG_CTX(1): /* rfc822Name */
            mailboxes++;
            check_rfc822(ctx, &body);
            break;
        case SP_TAG_CTX_CONS(0): /* otherName */
            rc = check_other_name(ctx, body);
            if (rc < 0) {
                sp_report(ctx, SP_R_SAN_MALFORMED,
                          "subjectAltName entry %zu: malformed otherName",
                          index);
                return;
            }
            mailboxes += (size_t)rc;
            break;
        case SP_TAG_CTX_CONS(4): /* directoryName: see rules_names.c */
            break;
        default: {
            unsigned number = tag & 0x1fu;
            int known = (tag & 0xc0u) == SP_CLASS_CONTEXT && number <= 8;
            if (known && (number == 0 || number == 1 || number == 4)) {
                /* an allowed type with the wrong primitive/constructed bit */
                sp_report(ctx, SP_R_SAN_MALFORMED,
                          "subjectAltName entry %zu: %s with tag 0x%02x", index,
                          general_name_types[number], tag);
                return;
            }
            char value[96] = "";
            /* dNSName and URI are IA5Strings worth showing */
            if (tag == SP_TAG_CTX(2) || tag == SP_TAG_CTX(6))
                sp_quote(body.data, body.len, value, sizeof(value));
            sp_report(ctx, SP_R_SAN_PROHIBITED_TYPE,
                      "subjectAltName entry %zu is a %s%s%s (tag 0x%02x); "
                      "only rfc822Name, otherName and directoryName are "
                      "allowed",
                      index,
                      known ? general_name_types[number] : "non-GeneralName",
                      value[0] ? " " : "", value, tag);
            break;
        }
        }
    }
    if (mailboxes == 0)
        sp_report(ctx, SP_R_SAN_MAILBOX_MISSING,
                  "subjectAltName has no rfc822Name and no SmtpUTF8Mailbox");
}
