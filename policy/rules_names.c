/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subject DN rules (SBR 7.1.4.2.2-7.1.4.2.6; checklist C.1, C.2, A-12,
 * A-13) for the subject and for every directoryName in the SAN, whose
 * content 7.1.4.2.1 puts under the same rules.
 *
 * A Name is walked in place several times with the DER cursor rather than
 * collected into arrays: Names are small, and walking keeps the engine
 * free of allocation and of arbitrary limits on attribute counts.
 *
 * Where the SBR leaves a reading open, the rules follow pkilint (the
 * reference linter the SBR's linting section points to): exact,
 * case-sensitive string comparison, and its CN-source and organization-
 * Identifier readings. Deliberate differences are commented.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "oids.h"

/* ------------------------------------------------------------------ */
/* Tables                                                              */

/* String types an attribute's definition allows. */
typedef enum {
    SP_STRS_DIRECTORY = 0, /* DirectoryString: T61, Printable, Universal,
                              UTF8, BMP (SHOULD be UTF8 or Printable) */
    SP_STRS_PRINTABLE,     /* PrintableString only */
    SP_STRS_IA5,           /* IA5String only */
    SP_STRS_ORGID,         /* 7.1.4.2.2(d): PrintableString or UTF8String */
} sp_string_class;

typedef struct sp_attr_def_st {
    const uint8_t *oid;
    size_t oid_len;
    const char *name;
    sp_string_class strings;
    unsigned max_chars; /* RFC 5280 Appendix A upper bound */
    /* C.1 cells per type (Mailbox, Organization, Sponsor, Individual), one
     * letter per generation (Legacy, Multipurpose, Strict): R required,
     * M may, X prohibited. */
    const char *cells[4];
} SP_ATTR_DEF;

#define SP_OID(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

/* clang-format off */
enum {
    A_CN = 0, A_O, A_OU, A_ORGID, A_GN, A_SN, A_PSEUDONYM, A_SERIAL,
    A_EMAIL, A_TITLE, A_STREET, A_L, A_ST, A_POSTAL, A_C,
};

/* The C.1 matrix and the A-13 encodings and bounds. GN and SN are X.520
 * names (ub-name 32768); postalCode has ub-postal-code 40. */
static const SP_ATTR_DEF attr_defs[] = {
    /*              OID                        name                     strings            bound    MV     OV     SV     IV */
    [A_CN]        = {SP_OID("\x55\x04\x03"), "commonName",             SP_STRS_DIRECTORY,    64, {"MMM", "MMM", "MMM", "MMM"}},
    [A_O]         = {SP_OID("\x55\x04\x0a"), "organizationName",       SP_STRS_DIRECTORY,    64, {"XXX", "RRR", "RRR", "XXX"}},
    [A_OU]        = {SP_OID("\x55\x04\x0b"), "organizationalUnitName", SP_STRS_DIRECTORY,    64, {"XXX", "MMM", "MMM", "XXX"}},
    [A_ORGID]     = {SP_OID("\x55\x04\x61"), "organizationIdentifier", SP_STRS_ORGID,         0, {"XXX", "RRR", "RRR", "XXX"}},
    [A_GN]        = {SP_OID("\x55\x04\x2a"), "givenName",              SP_STRS_DIRECTORY, 32768, {"XXX", "XXX", "MMM", "MMM"}},
    [A_SN]        = {SP_OID("\x55\x04\x04"), "surname",                SP_STRS_DIRECTORY, 32768, {"XXX", "XXX", "MMM", "MMM"}},
    [A_PSEUDONYM] = {SP_OID("\x55\x04\x41"), "pseudonym",              SP_STRS_DIRECTORY,   128, {"XXX", "XXX", "MMM", "MMM"}},
    [A_SERIAL]    = {SP_OID("\x55\x04\x05"), "serialNumber",           SP_STRS_PRINTABLE,    64, {"MMM", "MMM", "MMM", "MMM"}},
    [A_EMAIL]     = {SP_OID("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01"),
                                          "emailAddress",           SP_STRS_IA5,         255, {"MMM", "MMM", "MMM", "MMM"}},
    [A_TITLE]     = {SP_OID("\x55\x04\x0c"), "title",                  SP_STRS_DIRECTORY,    64, {"XXX", "XXX", "MMM", "MMM"}},
    [A_STREET]    = {SP_OID("\x55\x04\x09"), "streetAddress",          SP_STRS_DIRECTORY,   128, {"XXX", "MMX", "MMX", "MMX"}},
    [A_L]         = {SP_OID("\x55\x04\x07"), "localityName",           SP_STRS_DIRECTORY,   128, {"XXX", "MMM", "MMM", "MMM"}},
    [A_ST]        = {SP_OID("\x55\x04\x08"), "stateOrProvinceName",    SP_STRS_DIRECTORY,   128, {"XXX", "MMM", "MMM", "MMM"}},
    [A_POSTAL]    = {SP_OID("\x55\x04\x11"), "postalCode",             SP_STRS_DIRECTORY,    40, {"XXX", "MMX", "MMX", "MMX"}},
    [A_C]         = {SP_OID("\x55\x04\x06"), "countryName",            SP_STRS_PRINTABLE,     2, {"XXX", "MMM", "MMM", "MMM"}},
};
/* clang-format on */
#define N_ATTR_DEFS (sizeof(attr_defs) / sizeof(attr_defs[0]))

/* C.1 "any other attribute": allowed only in Legacy OV, SV and IV. */
static const char *const other_attr_cells[4] = {"XXX", "MXX", "MXX", "MXX"};

/* Names for attributes outside the table that real subjects carry, so a
 * finding can say more than an OID. */
static const struct {
    const uint8_t *oid;
    size_t oid_len;
    const char *name;
} other_attr_names[] = {
    {SP_OID("\x55\x04\x0d"), "description"},
    {SP_OID("\x55\x04\x0f"), "businessCategory"},
    {SP_OID("\x55\x04\x2e"), "dnQualifier"},
    {SP_OID("\x55\x04\x2b"), "initials"},
    {SP_OID("\x55\x04\x2c"), "generationQualifier"},
    {SP_OID("\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19"), "domainComponent"},
    {SP_OID("\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01"), "userId"},
    {SP_OID("\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x01"),
     "jurisdictionLocalityName"},
    {SP_OID("\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x02"),
     "jurisdictionStateOrProvinceName"},
    {SP_OID("\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x03"),
     "jurisdictionCountryName"},
};

/* ISO 3166-1 alpha-2, officially assigned codes (249). */
static const char iso3166_alpha2[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBY"
    "BZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFK"
    "FMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIR"
    "ISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMK"
    "MLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPM"
    "PNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTF"
    "TGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

/* organizationIdentifier registration schemes (7.1.4.2.2(d), App. A.1). */
typedef enum {
    SP_CC_ISO = 0, /* an ISO 3166-1 code */
    SP_CC_ISO_VAT, /* ISO, or EL (Greece) / XI (Northern Ireland) */
    SP_CC_GLOBAL,  /* XG only */
} sp_orgid_countries;

typedef enum {
    SP_REF_REQUIRED = 0,
    SP_REF_PROHIBITED,
} sp_orgid_reference;

static const struct {
    const char *scheme;
    sp_orgid_countries countries;
    int subdivision_allowed;
    sp_orgid_reference reference;
} orgid_schemes[] = {
    {"NTR", SP_CC_ISO, 1, SP_REF_REQUIRED},
    {"VAT", SP_CC_ISO_VAT, 0, SP_REF_REQUIRED},
    {"PSD", SP_CC_ISO, 0, SP_REF_REQUIRED},
    {"LEI", SP_CC_GLOBAL, 0, SP_REF_REQUIRED},
    {"GOV", SP_CC_ISO, 1, SP_REF_PROHIBITED},
    {"INT", SP_CC_GLOBAL, 0, SP_REF_PROHIBITED},
};

/* Values that only say a field is absent, compared after trimming
 * spaces, ignoring ASCII case. Values without any letter, digit or symbol
 * ("-", ".", "?") are caught by the insignificant-value rule. */
static const char *const placeholder_values[] = {
    "n/a", "n.a.",    "n. a.",          "none",          "null",
    "nil", "unknown", "not applicable", "not available", "unavailable",
    "tbd", "void",    "empty",
};

/* HTML named references that html.unescape() (pkilint's check) expands
 * even without the closing ';'. With a ';', any name is treated as one. */
static const char *const html_legacy_entities[] = {
    "AElig",  "AMP",    "Aacute", "Acirc",  "Agrave", "Aring",  "Atilde",
    "Auml",   "COPY",   "Ccedil", "ETH",    "Eacute", "Ecirc",  "Egrave",
    "Euml",   "GT",     "Iacute", "Icirc",  "Igrave", "Iuml",   "LT",
    "Ntilde", "Oacute", "Ocirc",  "Ograve", "Oslash", "Otilde", "Ouml",
    "QUOT",   "REG",    "THORN",  "Uacute", "Ucirc",  "Ugrave", "Uuml",
    "Yacute", "aacute", "acirc",  "acute",  "aelig",  "agrave", "amp",
    "aring",  "atilde", "auml",   "brvbar", "ccedil", "cedil",  "cent",
    "copy",   "curren", "deg",    "divide", "eacute", "ecirc",  "egrave",
    "eth",    "euml",   "frac12", "frac14", "frac34", "gt",     "iacute",
    "icirc",  "iexcl",  "igrave", "iquest", "iuml",   "laquo",  "lt",
    "macr",   "micro",  "middot", "nbsp",   "not",    "ntilde", "oacute",
    "ocirc",  "ograve", "ordf",   "ordm",   "oslash", "otilde", "ouml",
    "para",   "plusmn", "pound",  "quot",   "raquo",  "reg",    "sect",
    "shy",    "sup1",   "sup2",   "sup3",   "szlig",  "thorn",  "times",
    "uacute", "ucirc",  "ugrave", "uml",    "uuml",   "yacute", "yen",
    "yuml",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Longest attribute value converted to UTF-8 for comparisons. Longer
 * values can be neither a mailbox nor equal to one (RFC 5321 limits a
 * mailbox to 64 + 1 + 253 octets); they are still bounds-checked. */
#define SP_VALUE_MAX 512

/* ------------------------------------------------------------------ */
/* Strings                                                             */

/* Next code point of a string of universal type `tag`: 1 and advances,
 * 0 at the end, -1 when the encoding is invalid. */
static int str_next(unsigned tag, SP_DER *cur, uint32_t *cp)
{
    const uint8_t *p = cur->data;
    size_t n;

    if (cur->len == 0)
        return 0;
    switch (tag) {
    case SP_TAG_BMPSTRING:
        if (cur->len < 2)
            return -1;
        *cp = ((uint32_t)p[0] << 8) | p[1];
        n = 2;
        break;
    case SP_TAG_UNIVERSALSTRING:
        if (cur->len < 4)
            return -1;
        *cp = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16)
              | ((uint32_t)p[2] << 8) | p[3];
        if (*cp > 0x10ffff)
            return -1;
        n = 4;
        break;
    case SP_TAG_UTF8STRING: {
        uint32_t min;
        if (p[0] < 0x80) {
            *cp = p[0];
            n = 1;
            break;
        } else if ((p[0] & 0xe0) == 0xc0) {
            *cp = p[0] & 0x1fu;
            n = 2;
            min = 0x80;
        } else if ((p[0] & 0xf0) == 0xe0) {
            *cp = p[0] & 0x0fu;
            n = 3;
            min = 0x800;
        } else if ((p[0] & 0xf8) == 0xf0) {
            *cp = p[0] & 0x07u;
            n = 4;
            min = 0x10000;
        } else {
            return -1;
        }
        if (cur->len < n)
            return -1;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return -1;
            *cp = (*cp << 6) | (p[i] & 0x3fu);
        }
        if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
            return -1;
        break;
    }
    default: /* one octet per character */
        *cp = p[0];
        n = 1;
        break;
    }
    cur->data += n;
    cur->len -= n;
    return 1;
}

/* Whether every octet of the value is one ASCII character: true for the
 * one-octet-per-character types and UTF8String when no octet has the top
 * bit set. Such a value is its own UTF-8 form, one character per octet,
 * and needs no decoding. */
static int str_is_ascii(unsigned tag, const SP_DER *value)
{
    const uint8_t *p = value->data;
    size_t n = value->len, i = 0;
    uint64_t high = 0;

    if (tag == SP_TAG_BMPSTRING || tag == SP_TAG_UNIVERSALSTRING)
        return 0;
    /* eight octets at a time: only their top bits matter */
    for (; i + 8 <= n; i += 8) {
        uint64_t w;

        memcpy(&w, p + i, 8);
        high |= w;
    }
    for (; i < n; i++)
        high |= p[i];
    return (high & UINT64_C(0x8080808080808080)) == 0;
}

/* Number of characters, or SIZE_MAX when the encoding is invalid. */
static size_t str_chars(unsigned tag, const SP_DER *value)
{
    SP_DER cur = *value;
    uint32_t cp;
    size_t n = 0;
    int rc;

    if (str_is_ascii(tag, value))
        return value->len;

    while ((rc = str_next(tag, &cur, &cp)) == 1)
        n++;
    return rc < 0 ? SIZE_MAX : n;
}

/* The value as UTF-8 into buf; returns the length, or SIZE_MAX when it is
 * invalid or does not fit (buf then holds a prefix, NUL-terminated). */
static size_t str_to_utf8(unsigned tag, const SP_DER *value, uint8_t *buf,
                          size_t buflen)
{
    SP_DER cur = *value;
    uint32_t cp;
    size_t n = 0;
    int rc;

    if (value->len < buflen && str_is_ascii(tag, value)) {
        memcpy(buf, value->data, value->len);
        buf[value->len] = 0;
        return value->len;
    }
    while ((rc = str_next(tag, &cur, &cp)) == 1) {
        uint8_t enc[4];
        size_t k;
        if (cp < 0x80) {
            enc[0] = (uint8_t)cp;
            k = 1;
        } else if (cp < 0x800) {
            enc[0] = (uint8_t)(0xc0 | (cp >> 6));
            enc[1] = (uint8_t)(0x80 | (cp & 0x3f));
            k = 2;
        } else if (cp < 0x10000) {
            enc[0] = (uint8_t)(0xe0 | (cp >> 12));
            enc[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            enc[2] = (uint8_t)(0x80 | (cp & 0x3f));
            k = 3;
        } else {
            enc[0] = (uint8_t)(0xf0 | (cp >> 18));
            enc[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
            enc[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            enc[3] = (uint8_t)(0x80 | (cp & 0x3f));
            k = 4;
        }
        if (n + k + 1 > buflen) {
            buf[n] = 0;
            return SIZE_MAX;
        }
        memcpy(buf + n, enc, k);
        n += k;
    }
    buf[n] = 0;
    return rc < 0 ? SIZE_MAX : n;
}

const char *sp_quote(const uint8_t *s, size_t len, char *out, size_t outlen)
{
    size_t o = 0, i = 0;
    uint32_t cp;

    if (outlen < 8) {
        if (outlen > 0)
            out[0] = 0;
        return out;
    }
    out[o++] = '"';
    while (i < len) {
        char piece[8];
        size_t plen, consumed = 1;

        if (s[i] == '"' || s[i] == '\\') {
            piece[0] = '\\';
            piece[1] = (char)s[i];
            plen = 2;
        } else if (s[i] >= 0x20 && s[i] < 0x7f) {
            piece[0] = (char)s[i];
            plen = 1;
        } else if (s[i] >= 0x80
                   && (consumed = sp_utf8_decode(s + i, len - i, &cp))) {
            memcpy(piece, s + i, consumed);
            plen = consumed;
        } else {
            consumed = 1;
            snprintf(piece, sizeof(piece), "\\x%02x", s[i]);
            plen = 4;
        }
        /* keep room for the closing quote, "..." and the NUL */
        if (o + plen + 5 > outlen) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, piece, plen);
        o += plen;
        i += consumed;
    }
    out[o++] = '"';
    out[o] = 0;
    return out;
}

/* pkilint counts a value as significant when one character is in
 * Unicode category L, N or S. Without Unicode tables this treats every
 * code point as significant except those surely outside L/N/S (controls,
 * spaces, punctuation, format characters, combining marks, private use),
 * so it can only be more lenient than pkilint, never stricter. */
static int cp_significant(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')
            || (cp >= '0' && cp <= '9'))
            return 1;
        return cp != 0 && strchr("$+<=>^`|~", (int)cp) != NULL;
    }
    if (cp < 0xa0)
        return 0; /* C1 controls */
    if (cp < 0xc0) {
        /* Latin-1 punctuation: NBSP ¡ § « SHY ¶ · » ¿ */
        static const uint32_t not_lns[] = {0xa0, 0xa1, 0xa7, 0xab, 0xad,
                                           0xb6, 0xb7, 0xbb, 0xbf};
        for (size_t i = 0; i < N_OF(not_lns); i++) {
            if (cp == not_lns[i])
                return 0;
        }
        return 1;
    }
    if (cp >= 0x300 && cp <= 0x36f)
        return 0; /* combining diacritical marks */
    if (cp >= 0x2000 && cp <= 0x206f)
        return cp == 0x2044 || cp == 0x2052; /* general punctuation */
    if (cp == 0x3000 || (cp >= 0x3001 && cp <= 0x3003)
        || (cp >= 0x3008 && cp <= 0x3011) || (cp >= 0x3014 && cp <= 0x301f))
        return 0; /* CJK spaces and brackets */
    if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xfe10 && cp <= 0xfe19)
        || (cp >= 0xfe30 && cp <= 0xfe4f) || cp == 0xfeff
        || (cp >= 0xfff9 && cp <= 0xfffb))
        return 0; /* variation selectors, vertical forms, BOM */
    if (cp >= 0xff01 && cp <= 0xff0f)
        return cp == 0xff04 || cp == 0xff0b; /* fullwidth punctuation */
    if ((cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000
        || (cp >= 0xe0000 && cp <= 0xe007f))
        return 0; /* private use, tags */
    if (cp == 0x1680 || cp == 0x180e || cp == 0x061c)
        return 0;
    return 1;
}

static int value_significant(unsigned tag, const SP_DER *value)
{
    SP_DER cur = *value;
    uint32_t cp;

    while (str_next(tag, &cur, &cp) == 1) {
        if (cp_significant(cp))
            return 1;
    }
    return 0;
}

static int is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(uint8_t c)
{
    return is_alpha(c) || is_digit(c);
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* What every placeholder value shares, from the table once per process:
 * the set of first letters and the longest length. Most attribute values
 * are ruled out by these two before the table is walked. */
static uint32_t placeholder_first_letters;
static size_t placeholder_max_len;
static pthread_once_t placeholder_once = PTHREAD_ONCE_INIT;

static void placeholder_init(void)
{
    for (size_t i = 0; i < N_OF(placeholder_values); i++) {
        const char *p = placeholder_values[i];
        size_t n = strlen(p);

        /* entries are lower case and start with a letter */
        placeholder_first_letters |= UINT32_C(1) << (p[0] - 'a');
        if (n > placeholder_max_len)
            placeholder_max_len = n;
    }
}

static int is_placeholder(const uint8_t *s, size_t len)
{
    int first;

    while (len > 0 && s[0] == ' ') {
        s++;
        len--;
    }
    while (len > 0 && s[len - 1] == ' ')
        len--;
    if (len == 0)
        return 0; /* no placeholder is empty */
    pthread_once(&placeholder_once, placeholder_init);
    first = lower(s[0]);
    if (len > placeholder_max_len || first < 'a' || first > 'z'
        || (placeholder_first_letters >> (first - 'a') & 1) == 0)
        return 0;
    for (size_t i = 0; i < N_OF(placeholder_values); i++) {
        const char *p = placeholder_values[i];
        size_t n, k = 0;
        /* the first letter rules out most entries without a strlen */
        if (lower(s[0]) != p[0] || (n = strlen(p)) != len)
            continue;
        while (k < n && lower(s[k]) == p[k])
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

/* Whether the value holds something html.unescape() would change. */
static int has_html_entity(const uint8_t *s, size_t len)
{
    /* Most values hold no '&' at all: find the first one with memchr. */
    const uint8_t *amp = len > 0 ? memchr(s, '&', len) : NULL;

    if (amp == NULL)
        return 0;
    for (size_t i = (size_t)(amp - s); i < len; i++) {
        const uint8_t *r = s + i + 1;
        size_t left = len - i - 1, n = 0;

        if (s[i] != '&' || left == 0)
            continue;
        if (r[0] == '#') {
            if (left >= 2 && is_digit(r[1]))
                return 1;
            if (left >= 3 && (r[1] == 'x' || r[1] == 'X')
                && (is_digit(r[2])
                    || (lower(r[2]) >= 'a' && lower(r[2]) <= 'f')))
                return 1;
            continue;
        }
        while (n < left && n < 32 && is_alnum(r[n]))
            n++;
        if (n > 0 && n < left && r[n] == ';' && is_alpha(r[0]))
            return 1;
        for (size_t e = 0; e < N_OF(html_legacy_entities); e++) {
            size_t elen = strlen(html_legacy_entities[e]);
            if (elen <= left && memcmp(r, html_legacy_entities[e], elen) == 0)
                return 1;
        }
    }
    return 0;
}

static int iso3166_known(const uint8_t *cc)
{
    for (size_t i = 0; i + 1 < sizeof(iso3166_alpha2); i += 2) {
        if (iso3166_alpha2[i] == cc[0] && iso3166_alpha2[i + 1] == cc[1])
            return 1;
    }
    return 0;
}

int sp_country_code_known(const uint8_t *cc)
{
    return iso3166_known(cc);
}

/* ------------------------------------------------------------------ */
/* Walking a Name                                                      */

typedef struct sp_atv_st {
    SP_DER oid;           /* OID contents */
    unsigned tag;         /* tag of the value */
    SP_DER value;         /* contents of the value */
    const uint8_t *start; /* the ATV's first byte: identifies it */
    int def;              /* index into attr_defs, -1 for other attributes */
} SP_ATV;

typedef struct sp_atv_iter_st {
    SP_DER rdns; /* RDNs not yet entered */
    SP_DER rdn;  /* ATVs left in the current RDN */
    /* When set, the ATVs come from this array (see SP_NAME_CHECK) */
    const SP_ATV *cache;
    size_t n, i;
} SP_ATV_ITER;

static int attr_def_index(const SP_DER *oid)
{
    for (size_t i = 0; i < N_ATTR_DEFS; i++) {
        if (sp_der_equal_bytes(oid, attr_defs[i].oid, attr_defs[i].oid_len))
            return (int)i;
    }
    return -1;
}

/* Parse one AttributeTypeAndValue from `rdn`. */
static int atv_read(SP_DER *rdn, SP_ATV *out)
{
    SP_DER atv;

    out->start = rdn->data;
    if (sp_der_get(rdn, SP_TAG_SEQUENCE, &atv) != SP_DER_OK
        || sp_der_get_oid(&atv, &out->oid) != SP_DER_OK
        || sp_der_get_any(&atv, &out->tag, &out->value, NULL) != SP_DER_OK
        || !sp_der_empty(&atv))
        return -1;
    out->def = attr_def_index(&out->oid);
    return 0;
}

static void atv_iter_init(SP_ATV_ITER *it, const SP_DER *rdns)
{
    it->rdns = *rdns;
    sp_der_init(&it->rdn, NULL, 0);
    it->cache = NULL;
}

/* 1 with the next ATV, 0 at the end, -1 when the Name is malformed. */
static int atv_next(SP_ATV_ITER *it, SP_ATV *out)
{
    if (it->cache != NULL) {
        if (it->i == it->n)
            return 0;
        *out = it->cache[it->i++];
        return 1;
    }
    while (sp_der_empty(&it->rdn)) {
        if (sp_der_empty(&it->rdns))
            return 0;
        if (sp_der_get(&it->rdns, SP_TAG_SET, &it->rdn) != SP_DER_OK
            || sp_der_empty(&it->rdn))
            return -1; /* RDN ::= SET SIZE (1..MAX) */
    }
    return atv_read(&it->rdn, out) == 0 ? 1 : -1;
}

/* State of the checks on one Name. */
/* ATVs of a Name kept by check_name after its first walk. Each rule walks
 * the Name again; parsing it every time cost more than the rules. Names
 * with more ATVs are walked as before. */
#define SP_NAME_ATVS 16

typedef struct sp_name_check_st {
    SP_RULE_CTX *ctx;
    const SP_DER *rdns; /* RDNSequence contents */
    const char *where;  /* "subject", "SAN directoryName 1", ... */
    unsigned present;   /* bit i: attr_defs[i] occurs */
    size_t n_atvs;      /* ATVs in the Name */
    int cached;         /* atvs[] holds all of them, in order */
    SP_ATV atvs[SP_NAME_ATVS];
} SP_NAME_CHECK;

/* Walk the ATVs of the Name being checked, from the kept array when it
 * holds them all (the same ATVs in the same order as a walk). */
static void name_iter_init(SP_ATV_ITER *it, const SP_NAME_CHECK *nc)
{
    atv_iter_init(it, nc->rdns);
    if (nc->cached) {
        it->cache = nc->atvs;
        it->n = nc->n_atvs;
        it->i = 0;
    }
}

static const char *attr_name(const SP_ATV *atv, char *buf, size_t buflen)
{
    if (atv->def >= 0)
        return attr_defs[atv->def].name;
    for (size_t i = 0; i < N_OF(other_attr_names); i++) {
        if (sp_der_equal_bytes(&atv->oid, other_attr_names[i].oid,
                               other_attr_names[i].oid_len))
            return other_attr_names[i].name;
    }
    return sp_der_oid_to_text(&atv->oid, buf, buflen);
}

/* Whether an ATV of the same type comes earlier in the Name (to report a
 * repeated other attribute once). */
static int seen_before(const SP_NAME_CHECK *nc, const SP_ATV *atv)
{
    SP_ATV_ITER it;
    SP_ATV other;

    name_iter_init(&it, nc);
    while (atv_next(&it, &other) == 1 && other.start != atv->start) {
        if (sp_der_equal(&other.oid, &atv->oid))
            return 1;
    }
    return 0;
}

/* Whether the Name holds attribute `def` with a value equal (as
 * characters) to the UTF-8 string s. */
static int name_has_value(const SP_NAME_CHECK *nc, int def, const uint8_t *s,
                          size_t len)
{
    SP_ATV_ITER it;
    SP_ATV atv;
    uint8_t buf[SP_VALUE_MAX];

    name_iter_init(&it, nc);
    while (atv_next(&it, &atv) == 1) {
        if (atv.def != def || !sp_der_is_string_tag(atv.tag))
            continue;
        size_t n = str_to_utf8(atv.tag, &atv.value, buf, sizeof(buf));
        if (n == len && memcmp(buf, s, len) == 0)
            return 1;
    }
    return 0;
}

/* Whether the SAN repeats the mailbox s exactly, as an rfc822Name or a
 * SmtpUTF8Mailbox (exact comparison, as pkilint). */
static int san_has_mailbox(const SP_RULE_CTX *ctx, const uint8_t *s, size_t len)
{
    SP_DER cur, names;

    if (ctx->ext_san == NULL)
        return 0;
    cur = ctx->ext_san->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &names) != SP_DER_OK)
        return 0;
    while (!sp_der_empty(&names)) {
        unsigned tag;
        SP_DER body, oid, explicit_value, value;

        if (sp_der_get_any(&names, &tag, &body, NULL) != SP_DER_OK)
            return 0;
        if (tag == SP_TAG_CTX(1)) {
            if (sp_der_equal_bytes(&body, s, len))
                return 1;
        } else if (tag == SP_TAG_CTX_CONS(0)) {
            if (sp_der_get_oid(&body, &oid) == SP_DER_OK
                && sp_der_equal_bytes(&oid, sp_oid_smtputf8,
                                      sizeof(sp_oid_smtputf8))
                && sp_der_get(&body, SP_TAG_CTX_CONS(0), &explicit_value)
                       == SP_DER_OK
                && sp_der_get(&explicit_value, SP_TAG_UTF8STRING, &value)
                       == SP_DER_OK
                && sp_der_equal_bytes(&value, s, len))
                return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* organizationIdentifier                                              */

typedef struct sp_orgid_st {
    char scheme[4];
    char country[3];
    const uint8_t *sub; /* subdivision, NULL when absent */
    size_t sub_len;
    const uint8_t *ref; /* registration reference, NULL when absent */
    size_t ref_len;
} SP_ORGID;

/* 7.1.4.2.2(d): 3-character scheme, 2-letter country, optional '+' and
 * subdivision of up to 3 characters, optional '-' and reference. The
 * leftmost '-' separates. Like pkilint, a national scheme written "XX:"
 * parses and then fails as an unknown scheme. */
static int orgid_parse(const uint8_t *s, size_t len, SP_ORGID *o)
{
    size_t i = 5;

    memset(o, 0, sizeof(*o));
    if (len < 5)
        return -1;
    if (!(s[0] >= 'A' && s[0] <= 'Z') || !(s[1] >= 'A' && s[1] <= 'Z')
        || !((s[2] >= 'A' && s[2] <= 'Z') || s[2] == ':') || !is_alpha(s[3])
        || !is_alpha(s[4]))
        return -1;
    memcpy(o->scheme, s, 3);
    memcpy(o->country, s + 3, 2);
    if (i < len && s[i] == '+') {
        size_t n = 0;
        i++;
        while (i + n < len && is_alnum(s[i + n]))
            n++;
        if (n < 1 || n > 3)
            return -1;
        o->sub = s + i;
        o->sub_len = n;
        i += n;
    }
    if (i < len && s[i] == '-') {
        if (i + 1 >= len)
            return -1;
        o->ref = s + i + 1;
        o->ref_len = len - i - 1;
        i = len;
    }
    return i == len ? 0 : -1;
}

/* ISO 17442: 18 alphanumerics and 2 check digits, ISO 7064 MOD 97-10. */
static const char *lei_problem(const uint8_t *s, size_t len)
{
    uint64_t acc = 0;

    if (len != 20)
        return "an LEI has 20 characters";
    for (size_t i = 0; i < 20; i++) {
        unsigned v;
        if (is_digit(s[i]))
            v = s[i] - '0';
        else if (i < 18 && s[i] >= 'A' && s[i] <= 'Z')
            v = (unsigned)(s[i] - 'A') + 10;
        else
            return "an LEI is 18 digits or capitals and 2 check digits";
        acc = v >= 10 ? acc * 100 + v : acc * 10 + v;
        /* Reduced only when another two digits could overflow: a chain of
         * 20 dependent divisions was most of the cost of a name check. */
        if (acc >= UINT64_MAX / 100 - 100)
            acc %= 97;
    }
    return acc % 97 == 1 ? NULL : "LEI check digits are wrong";
}

/* Country the orgId stands for in countryName (7.1.4.2.2(d) Note 1), or
 * NULL when exempt (LEI and INT carry XG). */
static const char *orgid_iso_country(const SP_ORGID *o)
{
    if (strcmp(o->country, "XG") == 0)
        return NULL;
    if (strcmp(o->scheme, "VAT") == 0 && strcmp(o->country, "EL") == 0)
        return "GR";
    if (strcmp(o->scheme, "VAT") == 0 && strcmp(o->country, "XI") == 0)
        return "GB";
    return o->country;
}

/* `s` is the value as UTF-8; it is quoted only when a finding names it
 * (QUOTED), as in check_atv. */
static void check_orgid(SP_NAME_CHECK *nc, const uint8_t *s, size_t len)
{
    SP_RULE_CTX *ctx = nc->ctx;
    char quoted[96];
#define QUOTED sp_quote(s, len, quoted, sizeof(quoted))
    SP_ORGID o;
    size_t k;
    int findings = 0;

    if (orgid_parse(s, len, &o) != 0) {
        sp_report(ctx, SP_R_SUBJ_ORGID_FORMAT,
                  "%s: organizationIdentifier %s is not "
                  "<scheme><country>[+<subdivision>][-<reference>]",
                  nc->where, QUOTED);
        return;
    }
    for (k = 0; k < N_OF(orgid_schemes); k++) {
        if (strcmp(orgid_schemes[k].scheme, o.scheme) == 0)
            break;
    }
    if (k == N_OF(orgid_schemes)) {
        sp_report(ctx, SP_R_SUBJ_ORGID_SCHEME,
                  "%s: organizationIdentifier %s: scheme \"%s\" is none of "
                  "NTR, VAT, PSD, LEI, GOV, INT",
                  nc->where, QUOTED, o.scheme);
        return;
    }

    int country_ok;
    switch (orgid_schemes[k].countries) {
    case SP_CC_GLOBAL:
        country_ok = strcmp(o.country, "XG") == 0;
        break;
    case SP_CC_ISO_VAT:
        country_ok = iso3166_known((const uint8_t *)o.country)
                     || strcmp(o.country, "EL") == 0
                     || strcmp(o.country, "XI") == 0;
        break;
    default:
        country_ok = iso3166_known((const uint8_t *)o.country);
        break;
    }
    if (!country_ok) {
        findings++;
        sp_report(ctx, SP_R_SUBJ_ORGID_COUNTRY,
                  "%s: organizationIdentifier %s: country \"%s\" is not "
                  "valid for scheme %s (%s)",
                  nc->where, QUOTED, o.country, o.scheme,
                  orgid_schemes[k].countries == SP_CC_GLOBAL
                      ? "XG required"
                      : "ISO 3166-1 alpha-2 code required");
    }
    if (o.sub != NULL && !orgid_schemes[k].subdivision_allowed) {
        findings++;
        sp_report(ctx, SP_R_SUBJ_ORGID_SUBDIVISION,
                  "%s: organizationIdentifier %s: scheme %s takes no "
                  "subdivision",
                  nc->where, QUOTED, o.scheme);
    }
    if (o.ref == NULL && orgid_schemes[k].reference == SP_REF_REQUIRED) {
        findings++;
        sp_report(ctx, SP_R_SUBJ_ORGID_REF_MISSING,
                  "%s: organizationIdentifier %s: scheme %s needs a "
                  "registration reference",
                  nc->where, QUOTED, o.scheme);
    }
    if (o.ref != NULL && orgid_schemes[k].reference == SP_REF_PROHIBITED) {
        findings++;
        sp_report(ctx, SP_R_SUBJ_ORGID_REF_PROHIBITED,
                  "%s: organizationIdentifier %s: scheme %s takes no "
                  "registration reference",
                  nc->where, QUOTED, o.scheme);
    }
    if (o.ref != NULL && strcmp(o.scheme, "LEI") == 0) {
        const char *why = lei_problem(o.ref, o.ref_len);
        if (why != NULL) {
            findings++;
            sp_report(ctx, SP_R_SUBJ_ORGID_REF_FORMAT,
                      "%s: organizationIdentifier %s: %s", nc->where, QUOTED,
                      why);
        }
    }
    if (o.ref != NULL && strcmp(o.scheme, "PSD") == 0) {
        /* ETSI TS 119 495 5.2.1: NCA identifier (2-8 capitals), '-', PSP
         * identifier */
        size_t n = 0;
        while (n < o.ref_len && o.ref[n] >= 'A' && o.ref[n] <= 'Z')
            n++;
        if (n < 2 || n > 8 || n + 1 >= o.ref_len || o.ref[n] != '-') {
            findings++;
            sp_report(ctx, SP_R_SUBJ_ORGID_REF_FORMAT,
                      "%s: organizationIdentifier %s: a PSD reference is "
                      "<NCA id>-<PSP id> (ETSI TS 119 495)",
                      nc->where, QUOTED);
        }
    }
    /* C-14 (SHOULD), checked as pkilint does once the value is otherwise
     * valid: German NTR references in EUID form, DE<register>.<number> */
    if (findings == 0 && strcmp(o.scheme, "NTR") == 0
        && strcmp(o.country, "DE") == 0) {
        const uint8_t *dot = NULL;
        if (o.ref_len >= 5) {
            for (size_t i = o.ref_len - 2; i >= 3; i--) {
                if (o.ref[i] == '.') {
                    dot = o.ref + i;
                    break;
                }
            }
        }
        if (o.sub != NULL)
            sp_report(ctx, SP_R_SUBJ_ORGID_NTR_DE,
                      "%s: organizationIdentifier %s: a German NTR "
                      "identifier takes the EUID form, without subdivision",
                      nc->where, QUOTED);
        else if (dot == NULL || !(o.ref[0] >= 'A' && o.ref[0] <= 'Z')
                 || !(o.ref[1] >= 'A' && o.ref[1] <= 'Z'))
            sp_report(ctx, SP_R_SUBJ_ORGID_NTR_DE,
                      "%s: organizationIdentifier %s: reference is not in "
                      "EUID form DE<register>.<number>",
                      nc->where, QUOTED);
        else if (o.ref[0] != 'D' || o.ref[1] != 'E')
            sp_report(ctx, SP_R_SUBJ_ORGID_NTR_DE,
                      "%s: organizationIdentifier %s: EUID country is not DE",
                      nc->where, QUOTED);
    }
#undef QUOTED
}

/* C-13: countryName agrees with every organizationIdentifier's country. */
static void check_country_vs_orgid(SP_NAME_CHECK *nc, const uint8_t *cc,
                                   size_t cc_len)
{
    SP_ATV_ITER it;
    SP_ATV atv;
    uint8_t buf[SP_VALUE_MAX];

    name_iter_init(&it, nc);
    while (atv_next(&it, &atv) == 1) {
        SP_ORGID o;
        char quoted[80];
        const char *expect;

        if (atv.def != A_ORGID || !sp_der_is_string_tag(atv.tag))
            continue;
        size_t n = str_to_utf8(atv.tag, &atv.value, buf, sizeof(buf));
        if (n == SIZE_MAX || orgid_parse(buf, n, &o) != 0)
            continue;
        expect = orgid_iso_country(&o);
        if (expect == NULL)
            continue;
        if (cc_len != 2 || memcmp(cc, expect, 2) != 0) {
            char cq[16];
            sp_quote(buf, n, quoted, sizeof(quoted));
            sp_quote(cc, cc_len, cq, sizeof(cq));
            sp_report(nc->ctx, SP_R_SUBJ_ORGID_COUNTRY_MISMATCH,
                      "%s: countryName %s differs from organizationIdentifier "
                      "%s (country %s)",
                      nc->where, cq, quoted, expect);
            return;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Per-attribute checks                                                */

static int encoding_allowed(sp_string_class strings, unsigned tag)
{
    switch (strings) {
    case SP_STRS_PRINTABLE:
        return tag == SP_TAG_PRINTABLESTRING;
    case SP_STRS_IA5:
        return tag == SP_TAG_IA5STRING;
    case SP_STRS_ORGID:
        return tag == SP_TAG_PRINTABLESTRING || tag == SP_TAG_UTF8STRING;
    case SP_STRS_DIRECTORY:
        return tag == SP_TAG_PRINTABLESTRING || tag == SP_TAG_UTF8STRING
               || tag == SP_TAG_T61STRING || tag == SP_TAG_BMPSTRING
               || tag == SP_TAG_UNIVERSALSTRING;
    }
    return 0;
}

static const char *string_type_name(unsigned tag)
{
    switch (tag) {
    case SP_TAG_UTF8STRING:
        return "UTF8String";
    case SP_TAG_PRINTABLESTRING:
        return "PrintableString";
    case SP_TAG_T61STRING:
        return "TeletexString";
    case SP_TAG_IA5STRING:
        return "IA5String";
    case SP_TAG_VISIBLESTRING:
        return "VisibleString";
    case SP_TAG_UNIVERSALSTRING:
        return "UniversalString";
    case SP_TAG_BMPSTRING:
        return "BMPString";
    default:
        return "a non-string type";
    }
}

static const char *const string_class_text[] = {
    [SP_STRS_DIRECTORY] = "a DirectoryString",
    [SP_STRS_PRINTABLE] = "PrintableString",
    [SP_STRS_IA5] = "IA5String",
    [SP_STRS_ORGID] = "PrintableString or UTF8String",
};

/* C.1 cell of the table for the judged type and generation, or 0 when
 * either is unknown (then no matrix rule applies). */
static char matrix_cell(const SP_RULE_CTX *ctx, const char *const cells[4])
{
    if (ctx->type < SP_TYPE_MAILBOX || ctx->type > SP_TYPE_INDIVIDUAL
        || ctx->gen < SP_GEN_LEGACY || ctx->gen > SP_GEN_STRICT)
        return 0;
    return cells[ctx->type - 1][ctx->gen - 1];
}

static void check_atv(SP_NAME_CHECK *nc, const SP_ATV *atv)
{
    SP_RULE_CTX *ctx = nc->ctx;
    char oidbuf[64], quoted[96];
    const char *name = attr_name(atv, oidbuf, sizeof(oidbuf));
    const SP_ATTR_DEF *def = atv->def >= 0 ? &attr_defs[atv->def] : NULL;
    uint8_t buf[SP_VALUE_MAX];
    size_t ulen, qlen, chars;

    if (def != NULL) {
        nc->present |= 1u << atv->def;
    } else if (matrix_cell(ctx, other_attr_cells) == 'X'
               && !seen_before(nc, atv)) {
        sp_report(ctx, SP_R_SUBJ_OTHER_ATTR,
                  "%s: %s is outside the attributes the SBR lists; only "
                  "Legacy OV, SV and IV certificates may carry it (this is "
                  "%s %s)",
                  nc->where, name, sp_type_name(ctx->type),
                  sp_generation_name(ctx->gen));
    }

    if (!sp_der_is_string_tag(atv->tag)) {
        /* attributes outside the table may have non-string syntaxes */
        if (def != NULL)
            sp_report(ctx, SP_R_SUBJ_ENCODING,
                      "%s: %s value has tag 0x%02x; it must be %s", nc->where,
                      name, atv->tag, string_class_text[def->strings]);
        return;
    }
    /* The TBS decoder's strict DER pass has refused values whose bytes
     * their string type cannot hold (der.malformed) before any rule runs;
     * this only keeps the walk safe. */
    if (sp_der_check_string(atv->tag, &atv->value) != SP_DER_OK
        || (chars = str_chars(atv->tag, &atv->value)) == SIZE_MAX)
        return;
    ulen = str_to_utf8(atv->tag, &atv->value, buf, sizeof(buf));
    qlen = ulen == SIZE_MAX ? strlen((char *)buf) : ulen;
    /* The value is quoted only when a finding names it: QUOTED. */
#define QUOTED sp_quote(buf, qlen, quoted, sizeof(quoted))

    if (def != NULL && !encoding_allowed(def->strings, atv->tag))
        sp_report(ctx, SP_R_SUBJ_ENCODING, "%s: %s %s is a %s; it must be %s",
                  nc->where, name, QUOTED, string_type_name(atv->tag),
                  string_class_text[def->strings]);
    else if (def != NULL && def->strings == SP_STRS_DIRECTORY
             && atv->tag != SP_TAG_UTF8STRING
             && atv->tag != SP_TAG_PRINTABLESTRING)
        sp_report(ctx, SP_R_SUBJ_DIRSTRING_TYPE,
                  "%s: %s %s is a %s; use UTF8String or PrintableString",
                  nc->where, name, QUOTED, string_type_name(atv->tag));

    if (def != NULL && atv->def == A_C && chars != 2)
        sp_report(ctx, SP_R_SUBJ_LENGTH,
                  "%s: countryName %s has %zu characters; it must have 2",
                  nc->where, QUOTED, chars);
    else if (def != NULL && def->max_chars != 0 && chars > def->max_chars)
        sp_report(ctx, SP_R_SUBJ_LENGTH,
                  "%s: %s %s has %zu characters; the upper bound is %u",
                  nc->where, name, QUOTED, chars, def->max_chars);

    /* */
    if (!value_significant(atv->tag, &atv->value))
        sp_report(ctx, SP_R_SUBJ_INSIGNIFICANT,
                  "%s: %s %s has no letter, digit or symbol", nc->where, name,
                  QUOTED);
    else if (atv->def != A_C && ulen != SIZE_MAX && is_placeholder(buf, ulen))
        sp_report(ctx, SP_R_SUBJ_PLACEHOLDER,
                  "%s: %s %s only says the value is absent", nc->where, name,
                  QUOTED);
    if (has_html_entity(buf, ulen == SIZE_MAX ? strlen((char *)buf) : ulen))
        sp_report(ctx, SP_R_SUBJ_HTML_ENTITY,
                  "%s: %s %s contains an HTML character reference", nc->where,
                  name, QUOTED);

    /* C-16, D-SAN-03: every mailbox address must be repeated in the SAN.
     * pkilint only recognises ASCII addresses in attributes other than
     * emailAddress; the SBR's Mailbox Address includes SmtpUTF8 ones, so
     * non-ASCII local parts count here too. */
    if (atv->def == A_EMAIL) {
        const char *why = NULL;
        if (ulen == SIZE_MAX
            || sp_mailbox_check(buf, ulen, 0, NULL, &why) != SP_MAILBOX_OK)
            sp_report(ctx, SP_R_SUBJ_EMAIL_INVALID,
                      "%s: emailAddress %s is not a single mailbox address: "
                      "%s",
                      nc->where, QUOTED, why ? why : "too long");
        if (ulen == SIZE_MAX || !san_has_mailbox(ctx, buf, ulen))
            sp_report(ctx, SP_R_SUBJ_MAILBOX_NOT_IN_SAN,
                      "%s: emailAddress %s is not repeated in the "
                      "subjectAltName",
                      nc->where, QUOTED);
    } else if (ulen != SIZE_MAX
               && sp_mailbox_check(buf, ulen, 1, NULL, NULL) == SP_MAILBOX_OK
               && !san_has_mailbox(ctx, buf, ulen)) {
        sp_report(ctx, SP_R_SUBJ_MAILBOX_NOT_IN_SAN,
                  "%s: %s %s is a mailbox address not repeated in the "
                  "subjectAltName",
                  nc->where, name, QUOTED);
    }

    if (atv->def == A_C) {
        if (ulen != 2
            || !(iso3166_known(buf) || (buf[0] == 'X' && buf[1] == 'X')))
            sp_report(ctx, SP_R_SUBJ_COUNTRY,
                      "%s: countryName %s is not an ISO 3166-1 alpha-2 code "
                      "(or XX)",
                      nc->where, QUOTED);
        if (ulen != SIZE_MAX)
            check_country_vs_orgid(nc, buf, ulen);
    }
    if (atv->def == A_ORGID && ulen != SIZE_MAX
        && encoding_allowed(SP_STRS_ORGID, atv->tag))
        check_orgid(nc, buf, ulen);
#undef QUOTED
}

/* Multi-valued RDNs (notice) and one type twice in an RDN (X.501 9.3). */
static void check_rdns(SP_NAME_CHECK *nc)
{
    SP_DER rdns = *nc->rdns;
    size_t index = 0;

    while (!sp_der_empty(&rdns)) {
        SP_DER rdn, outer;
        SP_ATV a, b;
        size_t count = 0;
        int duplicate = 0;
        char oidbuf[64];

        index++;
        if (sp_der_get(&rdns, SP_TAG_SET, &rdn) != SP_DER_OK)
            return;
        outer = rdn;
        while (!sp_der_empty(&outer) && atv_read(&outer, &a) == 0) {
            SP_DER inner = outer;
            count++;
            while (!duplicate && !sp_der_empty(&inner)
                   && atv_read(&inner, &b) == 0) {
                if (sp_der_equal(&a.oid, &b.oid)) {
                    duplicate = 1;
                    sp_report(nc->ctx, SP_R_SUBJ_RDN_DUPLICATE,
                              "%s: RDN %zu holds %s more than once", nc->where,
                              index, attr_name(&a, oidbuf, sizeof(oidbuf)));
                }
            }
        }
        if (count > 1)
            sp_report(nc->ctx, SP_R_SUBJ_RDN_MULTIVALUED,
                      "%s: RDN %zu holds %zu attributes", nc->where, index,
                      count);
    }
}

/* ------------------------------------------------------------------ */
/* Checks on the whole Name                                            */

static int has(const SP_NAME_CHECK *nc, int def)
{
    return (nc->present & (1u << def)) != 0;
}

/* The first value of attribute `def` in the Name, quoted for a message. */
static const char *first_value(const SP_NAME_CHECK *nc, int def, char *out,
                               size_t outlen)
{
    SP_ATV_ITER it;
    SP_ATV atv;
    uint8_t buf[SP_VALUE_MAX];

    out[0] = 0;
    name_iter_init(&it, nc);
    while (atv_next(&it, &atv) == 1) {
        if (atv.def != def)
            continue;
        if (sp_der_is_string_tag(atv.tag)) {
            size_t n = str_to_utf8(atv.tag, &atv.value, buf, sizeof(buf));
            sp_quote(buf, n == SIZE_MAX ? strlen((char *)buf) : n, out, outlen);
        }
        break;
    }
    return out;
}

static void check_matrix(SP_NAME_CHECK *nc)
{
    SP_RULE_CTX *ctx = nc->ctx;

    if (matrix_cell(ctx, attr_defs[0].cells) == 0)
        return;
    for (size_t i = 0; i < N_ATTR_DEFS; i++) {
        char cell = matrix_cell(ctx, attr_defs[i].cells);
        char value[80];
        if (cell == 'X' && has(nc, (int)i))
            sp_report(ctx, SP_R_SUBJ_PROHIBITED_ATTR,
                      "%s: %s %s is not allowed in %s %s certificates",
                      nc->where, attr_defs[i].name,
                      first_value(nc, (int)i, value, sizeof(value)),
                      sp_type_name(ctx->type), sp_generation_name(ctx->gen));
        else if (cell == 'R' && !has(nc, (int)i))
            sp_report(ctx, SP_R_SUBJ_REQUIRED_MISSING,
                      "%s: %s is required in %s %s certificates", nc->where,
                      attr_defs[i].name, sp_type_name(ctx->type),
                      sp_generation_name(ctx->gen));
    }
    if (ctx->type == SP_TYPE_SPONSORED || ctx->type == SP_TYPE_INDIVIDUAL) {
        int named = has(nc, A_GN) || has(nc, A_SN) || has(nc, A_PSEUDONYM);
        /* Legacy may carry the Personal Name in CN alone (7.1.4.2.5/.6
         * Notes; pkilint accepts CN there) */
        if (ctx->gen == SP_GEN_LEGACY && has(nc, A_CN))
            named = 1;
        if (!named)
            sp_report(ctx, SP_R_SUBJ_PERSONAL_NAME_MISSING,
                      "%s: %s %s certificates need givenName, surname or "
                      "pseudonym%s",
                      nc->where, sp_type_name(ctx->type),
                      sp_generation_name(ctx->gen),
                      ctx->gen == SP_GEN_LEGACY ? " (or commonName)" : "");
        if (has(nc, A_GN) && !has(nc, A_SN) && !has(nc, A_PSEUDONYM))
            sp_report(ctx, SP_R_SUBJ_GIVEN_NAME_ONLY,
                      "%s: givenName without surname; a single legal name "
                      "goes in surname",
                      nc->where);
    }
}

static void check_name_rules(SP_NAME_CHECK *nc)
{
    SP_RULE_CTX *ctx = nc->ctx;
    char value[80];

    if (has(nc, A_PSEUDONYM) && (has(nc, A_GN) || has(nc, A_SN)))
        sp_report(ctx, SP_R_SUBJ_PSEUDONYM_MIXED,
                  "%s: pseudonym %s together with %s", nc->where,
                  first_value(nc, A_PSEUDONYM, value, sizeof(value)),
                  has(nc, A_GN) && has(nc, A_SN) ? "givenName and surname"
                  : has(nc, A_GN)                ? "givenName"
                                                 : "surname");
    if (has(nc, A_STREET) && !has(nc, A_L) && !has(nc, A_ST))
        sp_report(ctx, SP_R_SUBJ_DEPENDENT_MISSING,
                  "%s: streetAddress %s without localityName or "
                  "stateOrProvinceName",
                  nc->where, first_value(nc, A_STREET, value, sizeof(value)));
    static const int need_country[] = {A_L, A_ST, A_POSTAL};
    for (size_t i = 0; i < N_OF(need_country); i++) {
        if (has(nc, need_country[i]) && !has(nc, A_C))
            sp_report(ctx, SP_R_SUBJ_DEPENDENT_MISSING,
                      "%s: %s %s without countryName", nc->where,
                      attr_defs[need_country[i]].name,
                      first_value(nc, need_country[i], value, sizeof(value)));
    }
}

/* C-01..C-05, as pkilint reads them. */
static void check_common_names(SP_NAME_CHECK *nc)
{
    SP_RULE_CTX *ctx = nc->ctx;
    SP_ATV_ITER it;
    SP_ATV atv;
    uint8_t buf[SP_VALUE_MAX];
    char quoted[96];

    if (ctx->type < SP_TYPE_MAILBOX || ctx->type > SP_TYPE_INDIVIDUAL
        || !has(nc, A_CN))
        return;
    name_iter_init(&it, nc);
    while (atv_next(&it, &atv) == 1) {
        if (atv.def != A_CN || !sp_der_is_string_tag(atv.tag))
            continue;
        size_t n = str_to_utf8(atv.tag, &atv.value, buf, sizeof(buf));
        if (n == SIZE_MAX)
            continue; /* reported as an invalid or overlong value */

        if (ctx->type == SP_TYPE_SPONSORED || ctx->type == SP_TYPE_INDIVIDUAL) {
            /* Legacy without pseudonym: any Personal Name */
            if (ctx->gen == SP_GEN_LEGACY && !has(nc, A_PSEUDONYM))
                continue;
            if (name_has_value(nc, A_PSEUDONYM, buf, n))
                continue;
            /* with givenName or surname, CN is taken as the Personal Name
             * built from them (not machine-checkable further) */
            if (has(nc, A_GN) || has(nc, A_SN))
                continue;
        } else if (ctx->type == SP_TYPE_ORGANIZATION) {
            if (name_has_value(nc, A_O, buf, n))
                continue;
        }
        if (san_has_mailbox(ctx, buf, n))
            continue;
        sp_quote(buf, n, quoted, sizeof(quoted));
        sp_report(ctx, SP_R_SUBJ_CN_SOURCE, "%s: commonName %s is %s",
                  nc->where, quoted,
                  ctx->type == SP_TYPE_MAILBOX
                      ? "not a mailbox address of the subjectAltName"
                  : ctx->type == SP_TYPE_ORGANIZATION
                      ? "neither the organizationName (exact match) nor a "
                        "subjectAltName mailbox"
                  : has(nc, A_PSEUDONYM)
                      ? "neither the pseudonym (exact match) nor a "
                        "subjectAltName mailbox"
                      : "no personal name (no givenName or surname), "
                        "pseudonym or subjectAltName mailbox");
    }
}

static void check_name(SP_RULE_CTX *ctx, const SP_DER *rdns, const char *where)
{
    SP_NAME_CHECK nc;
    SP_ATV_ITER it;
    SP_ATV atv;
    int rc;

    /* atvs[] is filled below; only its first n_atvs entries are read */
    nc.ctx = ctx;
    nc.rdns = rdns;
    nc.where = where;
    nc.present = 0;
    nc.n_atvs = 0;
    nc.cached = 0;
    /* one pass to be sure the whole Name decodes, so that later walks can
     * stop quietly at a malformed element; it keeps the ATVs it reads */
    atv_iter_init(&it, rdns);
    while ((rc = atv_next(&it, &atv)) == 1) {
        if (nc.n_atvs < SP_NAME_ATVS)
            nc.atvs[nc.n_atvs] = atv;
        nc.n_atvs++;
    }
    if (rc < 0) {
        sp_report(ctx, SP_R_SUBJ_MALFORMED,
                  "%s: not a sequence of non-empty RDNs of "
                  "AttributeTypeAndValue",
                  where);
        return;
    }
    nc.cached = nc.n_atvs <= SP_NAME_ATVS;
    name_iter_init(&it, &nc);
    while (atv_next(&it, &atv) == 1)
        check_atv(&nc, &atv);
    check_rdns(&nc);
    check_matrix(&nc);
    check_name_rules(&nc);
    check_common_names(&nc);
}

void sp_rules_subject(SP_RULE_CTX *ctx)
{
    SP_DER cur, names;
    size_t index = 0;

    check_name(ctx, &ctx->tbs->subject_rdns, "subject");

    /* 7.1.4.2.1: directoryName entries follow the subject rules. A SAN
     * that does not decode is reported by the SAN rules. */
    if (ctx->ext_san == NULL)
        return;
    cur = ctx->ext_san->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &names) != SP_DER_OK)
        return;
    while (!sp_der_empty(&names)) {
        unsigned tag;
        SP_DER body, rdns;
        char where[48];

        index++;
        if (sp_der_get_any(&names, &tag, &body, NULL) != SP_DER_OK)
            return;
        if (tag != SP_TAG_CTX_CONS(4))
            continue;
        snprintf(where, sizeof(where), "SAN directoryName (entry %zu)", index);
        if (sp_der_get(&body, SP_TAG_SEQUENCE, &rdns) != SP_DER_OK
            || !sp_der_empty(&body)) {
            sp_report(ctx, SP_R_SUBJ_MALFORMED, "%s: not a Name", where);
            continue;
        }
        check_name(ctx, &rdns, where);
    }
}
