/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small strict JSON reader (RFC 8259) for the audit log tests: it parses
 * one record line back into a tree so tests can assert fields, and refuses
 * anything a careless writer could produce (raw control characters,
 * invalid UTF-8, bad escapes, lone surrogates, trailing bytes).
 *
 * Header-only (static functions) so both audit test programs use it.
 */
#ifndef SMIMEPOLICY_AUDIT_JSON_H
#define SMIMEPOLICY_AUDIT_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    AJ_NULL,
    AJ_FALSE,
    AJ_TRUE,
    AJ_NUMBER,
    AJ_STRING,
    AJ_ARRAY,
    AJ_OBJECT,
} aj_type;

typedef struct aj_node_st {
    aj_type type;
    char *key;   /* member name inside an object, else NULL */
    char *str;   /* decoded string (UTF-8, NUL-terminated) */
    size_t slen; /* its length (it may contain NUL) */
    double num;
    struct aj_node_st *kids;
    size_t n;
} AJ_NODE;

typedef struct aj_parser_st {
    const unsigned char *p;
    const unsigned char *end;
    int depth;
} AJ_PARSER;

static void aj_free(AJ_NODE *n);

static void aj_skip_ws(AJ_PARSER *ps)
{
    while (ps->p < ps->end
           && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n'
               || *ps->p == '\r'))
        ps->p++;
}

static int aj_put(char **buf, size_t *len, size_t *cap, const void *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = (*cap ? *cap * 2 : 64) + n;
        char *nb = realloc(*buf, nc);

        if (nb == NULL)
            return 0;
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 1;
}

static int aj_put_cp(char **buf, size_t *len, size_t *cap, uint32_t c)
{
    unsigned char b[4];
    size_t n;

    if (c < 0x80) {
        b[0] = (unsigned char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (unsigned char)(0xc0 | (c >> 6));
        b[1] = (unsigned char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (unsigned char)(0xe0 | (c >> 12));
        b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        b[2] = (unsigned char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | (c >> 18));
        b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
        b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        b[3] = (unsigned char)(0x80 | (c & 0x3f));
        n = 4;
    }
    return aj_put(buf, len, cap, b, n);
}

static int aj_hex4(AJ_PARSER *ps, uint32_t *out)
{
    uint32_t v = 0;

    if (ps->end - ps->p < 4)
        return 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = *ps->p++;

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

/* Well-formed UTF-8 sequence length at p, 0 if none. */
static size_t aj_utf8_len(const unsigned char *p, const unsigned char *end)
{
    size_t len;
    uint32_t c;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        len = 2, c = p[0] & 0x1fu;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        len = 3, c = p[0] & 0x0fu;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        len = 4, c = p[0] & 0x07u;
    else
        return 0;
    if ((size_t)(end - p) < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3fu);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff
        || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return len;
}

static int aj_string(AJ_PARSER *ps, char **out, size_t *outlen)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;

    if (ps->p >= ps->end || *ps->p != '"')
        return 0;
    ps->p++;
    if (!aj_put(&buf, &len, &cap, "", 0))
        return 0;
    for (;;) {
        unsigned char c;

        if (ps->p >= ps->end)
            goto bad;
        c = *ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20)
            goto bad; /* raw control character */
        if (c == '\\') {
            uint32_t cp, lo;

            ps->p++;
            if (ps->p >= ps->end)
                goto bad;
            c = *ps->p++;
            switch (c) {
            case '"':
            case '\\':
            case '/':
                if (!aj_put(&buf, &len, &cap, &c, 1))
                    goto bad;
                break;
            case 'b':
                cp = '\b';
                goto put;
            case 'f':
                cp = '\f';
                goto put;
            case 'n':
                cp = '\n';
                goto put;
            case 'r':
                cp = '\r';
                goto put;
            case 't':
                cp = '\t';
                goto put;
            case 'u':
                if (!aj_hex4(ps, &cp))
                    goto bad;
                if (cp >= 0xdc00 && cp <= 0xdfff)
                    goto bad;
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    if (ps->end - ps->p < 6 || ps->p[0] != '\\'
                        || ps->p[1] != 'u')
                        goto bad;
                    ps->p += 2;
                    if (!aj_hex4(ps, &lo) || lo < 0xdc00 || lo > 0xdfff)
                        goto bad;
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
            put:
                if (!aj_put_cp(&buf, &len, &cap, cp))
                    goto bad;
                break;
            default:
                goto bad;
            }
            continue;
        }
        {
            size_t n = aj_utf8_len(ps->p, ps->end);

            if (n == 0 || !aj_put(&buf, &len, &cap, ps->p, n))
                goto bad;
            ps->p += n;
        }
    }
    *out = buf;
    *outlen = len;
    return 1;
bad:
    free(buf);
    return 0;
}

static int aj_value(AJ_PARSER *ps, AJ_NODE *out);

static int aj_add_kid(AJ_NODE *parent, AJ_NODE *kid)
{
    AJ_NODE *nk = realloc(parent->kids, (parent->n + 1) * sizeof(*nk));

    if (nk == NULL)
        return 0;
    parent->kids = nk;
    parent->kids[parent->n++] = *kid;
    return 1;
}

static int aj_container(AJ_PARSER *ps, AJ_NODE *out, int object)
{
    unsigned char close = object ? '}' : ']';

    out->type = object ? AJ_OBJECT : AJ_ARRAY;
    ps->p++;
    aj_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 1;
    }
    for (;;) {
        AJ_NODE kid = {0};
        char *key = NULL;
        size_t klen;

        aj_skip_ws(ps);
        if (object) {
            if (!aj_string(ps, &key, &klen))
                return 0;
            aj_skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                return 0;
            }
            ps->p++;
            aj_skip_ws(ps);
            for (size_t i = 0; i < out->n; i++) {
                if (strcmp(out->kids[i].key, key) == 0) {
                    free(key); /* duplicate member name */
                    return 0;
                }
            }
        }
        if (!aj_value(ps, &kid)) {
            free(key);
            aj_free(&kid);
            return 0;
        }
        kid.key = key;
        if (!aj_add_kid(out, &kid)) {
            aj_free(&kid);
            return 0;
        }
        aj_skip_ws(ps);
        if (ps->p >= ps->end)
            return 0;
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            return 1;
        }
        return 0;
    }
}

static int aj_literal(AJ_PARSER *ps, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, lit, n) != 0)
        return 0;
    ps->p += n;
    return 1;
}

static int aj_number(AJ_PARSER *ps, AJ_NODE *out)
{
    const unsigned char *s = ps->p;
    char tmp[64];

    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return 0;
    if (*ps->p == '0')
        ps->p++;
    else
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return 0;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return 0;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if ((size_t)(ps->p - s) >= sizeof(tmp))
        return 0;
    memcpy(tmp, s, (size_t)(ps->p - s));
    tmp[ps->p - s] = '\0';
    out->type = AJ_NUMBER;
    out->num = strtod(tmp, NULL);
    return 1;
}

static int aj_value(AJ_PARSER *ps, AJ_NODE *out)
{
    int ok;

    if (ps->p >= ps->end || ++ps->depth > 32)
        return 0;
    switch (*ps->p) {
    case '{':
        ok = aj_container(ps, out, 1);
        break;
    case '[':
        ok = aj_container(ps, out, 0);
        break;
    case '"':
        out->type = AJ_STRING;
        ok = aj_string(ps, &out->str, &out->slen);
        break;
    case 't':
        out->type = AJ_TRUE;
        ok = aj_literal(ps, "true");
        break;
    case 'f':
        out->type = AJ_FALSE;
        ok = aj_literal(ps, "false");
        break;
    case 'n':
        out->type = AJ_NULL;
        ok = aj_literal(ps, "null");
        break;
    default:
        ok = aj_number(ps, out);
        break;
    }
    ps->depth--;
    return ok;
}

static void aj_free(AJ_NODE *n)
{
    for (size_t i = 0; i < n->n; i++)
        aj_free(&n->kids[i]);
    free(n->kids);
    free(n->key);
    free(n->str);
    memset(n, 0, sizeof(*n));
}

/* Parse one audit record: exactly one JSON object followed by exactly one
 * "\n" and nothing else (no newline inside). Returns 1 on success. */
static int aj_parse_line(const char *line, size_t len, AJ_NODE *out)
{
    AJ_PARSER ps = {(const unsigned char *)line,
                    (const unsigned char *)line + len, 0};

    memset(out, 0, sizeof(*out));
    if (len < 3 || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
        return 0;
    ps.end--; /* the final newline */
    if (*ps.p != '{' || !aj_value(&ps, out) || ps.p != ps.end) {
        aj_free(out);
        return 0;
    }
    return 1;
}

/* Member `key` of an object, or NULL. */
static const AJ_NODE *aj_get(const AJ_NODE *obj, const char *key)
{
    if (obj == NULL || obj->type != AJ_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->kids[i].key, key) == 0)
            return &obj->kids[i];
    return NULL;
}

/* String member `key`, or NULL when absent or not a string. */
static const char *aj_str(const AJ_NODE *obj, const char *key)
{
    const AJ_NODE *n = aj_get(obj, key);

    return n != NULL && n->type == AJ_STRING ? n->str : NULL;
}

#endif
