/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nameConstraints parsing and matching (RFC 5280 4.2.1.10). Used for the
 * sub-CA certificates being judged and for the issuing CA's own
 * constraints, which apply to every end-entity certificate it signs.
 */
#include <string.h>

#include "nc.h"

#define GN_RFC822 0x81u  /* [1] IMPLICIT IA5String */
#define GN_DIRNAME 0xa4u /* [4] EXPLICIT Name */

static int subtree_add(SP_DER *list, size_t *n, const SP_DER *v)
{
    if (*n >= SP_NC_MAX)
        return 0;
    list[(*n)++] = *v;
    return 1;
}

/* One GeneralSubtrees ([0] or [1] contents) into the lists. */
static sp_nc_status parse_subtrees(SP_DER trees, SP_NC *out, int excluded)
{
    if (sp_der_empty(&trees))
        return SP_NC_EMPTY;
    while (!sp_der_empty(&trees)) {
        SP_DER subtree, base, name;
        unsigned tag;
        int ok = 1;

        if (sp_der_get(&trees, SP_TAG_SEQUENCE, &subtree) != SP_DER_OK
            || sp_der_get_any(&subtree, &tag, &base, NULL) != SP_DER_OK)
            return SP_NC_MALFORMED;
        /* minimum is DEFAULT 0, so DER omits it; maximum MUST be absent
         * (RFC 5280): anything after the base is one of the two. */
        if (!sp_der_empty(&subtree))
            return SP_NC_MIN_MAX;
        if (tag == GN_RFC822) {
            if (sp_der_check_string(SP_TAG_IA5STRING, &base) != SP_DER_OK)
                return SP_NC_MALFORMED;
            ok = excluded ? subtree_add(out->excluded_email,
                                        &out->n_excluded_email, &base)
                          : subtree_add(out->permitted_email,
                                        &out->n_permitted_email, &base);
        } else if (tag == GN_DIRNAME) {
            if (sp_der_get(&base, SP_TAG_SEQUENCE, &name) != SP_DER_OK
                || !sp_der_empty(&base))
                return SP_NC_MALFORMED;
            ok = excluded
                     ? subtree_add(out->excluded_dn, &out->n_excluded_dn, &name)
                     : subtree_add(out->permitted_dn, &out->n_permitted_dn,
                                   &name);
        } else {
            out->n_other++;
        }
        if (!ok)
            return SP_NC_TOO_MANY;
    }
    return SP_NC_OK;
}

sp_nc_status sp_nc_parse(const SP_DER *value, SP_NC *out)
{
    SP_DER cur = *value, seq, trees;
    sp_nc_status st;

    memset(out, 0, sizeof(*out));
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
        || !sp_der_empty(&cur))
        return SP_NC_MALFORMED;
    if (sp_der_get_optional(&seq, SP_TAG_CTX_CONS(0), &trees,
                            &out->has_permitted)
        != SP_DER_OK)
        return SP_NC_MALFORMED;
    if (out->has_permitted && (st = parse_subtrees(trees, out, 0)) != SP_NC_OK)
        return st;
    if (sp_der_get_optional(&seq, SP_TAG_CTX_CONS(1), &trees,
                            &out->has_excluded)
        != SP_DER_OK)
        return SP_NC_MALFORMED;
    if (out->has_excluded && (st = parse_subtrees(trees, out, 1)) != SP_NC_OK)
        return st;
    if (!sp_der_empty(&seq))
        return SP_NC_MALFORMED;
    /* RFC 5280: conforming CAs MUST NOT issue an empty sequence. */
    if (!out->has_permitted && !out->has_excluded)
        return SP_NC_EMPTY;
    return SP_NC_OK;
}

const char *sp_nc_status_text(sp_nc_status st)
{
    switch (st) {
    case SP_NC_OK:
        return "well-formed";
    case SP_NC_MALFORMED:
        return "not a NameConstraints SEQUENCE of GeneralSubtrees";
    case SP_NC_EMPTY:
        return "an empty sequence (no subtrees)";
    case SP_NC_MIN_MAX:
        return "a subtree has a minimum or maximum (RFC 5280: minimum 0, "
               "maximum absent)";
    case SP_NC_TOO_MANY:
        return "more than 32 subtrees of one name form";
    }
    return "malformed";
}

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static int equal_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (lower(a[i]) != lower(b[i]))
            return 0;
    }
    return 1;
}

static const uint8_t *last_at(const uint8_t *s, size_t len)
{
    for (size_t i = len; i > 0; i--) {
        if (s[i - 1] == '@')
            return s + i - 1;
    }
    return NULL;
}

int sp_nc_email_matches(const SP_DER *constraint, const uint8_t *addr,
                        size_t len)
{
    const uint8_t *c = constraint->data, *at = last_at(addr, len), *cat;
    size_t clen = constraint->len, host_len;
    const uint8_t *host;

    if (at == NULL || clen == 0)
        return 0;
    host = at + 1;
    host_len = (size_t)(addr + len - host);
    cat = last_at(c, clen);
    if (cat != NULL) {
        /* One mailbox: the local part as encoded, the host in any case. */
        size_t local_len = (size_t)(at - addr), clocal_len = (size_t)(cat - c);
        size_t chost_len = clen - clocal_len - 1;

        return local_len == clocal_len && memcmp(addr, c, local_len) == 0
               && host_len == chost_len
               && equal_nocase(host, cat + 1, host_len);
    }
    if (c[0] == '.')
        return host_len > clen && equal_nocase(host + host_len - clen, c, clen);
    return host_len == clen && equal_nocase(host, c, clen);
}

int sp_nc_email_allowed(const SP_NC *nc, const uint8_t *addr, size_t len)
{
    int permitted = nc->n_permitted_email == 0;

    for (size_t i = 0; i < nc->n_permitted_email && !permitted; i++)
        permitted = sp_nc_email_matches(&nc->permitted_email[i], addr, len);
    if (!permitted)
        return 0;
    for (size_t i = 0; i < nc->n_excluded_email; i++) {
        if (sp_nc_email_matches(&nc->excluded_email[i], addr, len))
            return 0;
    }
    return 1;
}

int sp_nc_dn_within(const SP_DER *subtree, const SP_DER *rdns)
{
    SP_DER a = *subtree, b = *rdns;

    while (!sp_der_empty(&a)) {
        SP_DER ra, rb;

        if (sp_der_get_element(&a, SP_TAG_SET, &ra) != SP_DER_OK
            || sp_der_get_element(&b, SP_TAG_SET, &rb) != SP_DER_OK
            || !sp_der_equal(&ra, &rb))
            return 0;
    }
    return 1;
}

int sp_nc_dn_allowed(const SP_NC *nc, const SP_DER *rdns)
{
    int permitted = nc->n_permitted_dn == 0;

    if (rdns->len == 0)
        return 1;
    for (size_t i = 0; i < nc->n_permitted_dn && !permitted; i++)
        permitted = sp_nc_dn_within(&nc->permitted_dn[i], rdns);
    if (!permitted)
        return 0;
    for (size_t i = 0; i < nc->n_excluded_dn; i++) {
        if (sp_nc_dn_within(&nc->excluded_dn[i], rdns))
            return 0;
    }
    return 1;
}

int sp_nc_domain_within(const uint8_t *inner, size_t len, const char *outer)
{
    size_t olen = strlen(outer);

    if (outer[0] != '.')
        return len == olen && equal_nocase(inner, (const uint8_t *)outer, len);
    /* ".example.com" holds every name ending in it, itself included
     * (".example.com" inside ".example.com"), but not "example.com". */
    return len >= olen
           && equal_nocase(inner + len - olen, (const uint8_t *)outer, olen);
}
