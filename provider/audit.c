/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log of the signature gate. See audit.h for the guarantees and
 * the fields of a record.
 *
 * Why one write() under flock(): on Linux a single write() on an O_APPEND
 * descriptor of a local regular file is not interleaved with other
 * appenders, but that is not promised for every filesystem (NFS emulates
 * O_APPEND) nor for writes a signal cuts short. The exclusive lock makes
 * every cooperating writer wait until a record is complete and on disk, so
 * a short write can also be undone (ftruncate to the size before it)
 * before anyone appends after it.
 */
#define _GNU_SOURCE /* flock, fdatasync, gmtime_r under -std=c11 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "audit.h"
#include "oids.h"

#define SPPROV_AUDIT_ERR_MAX 512
#define SPPROV_AUDIT_INITIAL_SIZE 2048

/* A growable text buffer. After a failed allocation every append is a
 * no-op and `failed` stays set, so callers check once at the end. */
typedef struct spprov_text_st {
    char *buf;
    size_t len;
    size_t cap;
    int failed;
} SPPROV_TEXT;

struct spprov_audit_st {
    char *path; /* NULL: syslog only */
    int use_syslog;
    OSSL_LIB_CTX *libctx;
    /* Serialises the threads of this process; flock() on the shared file
     * description would not (it is already held by the process). */
    pthread_mutex_t lock;
    int fd; /* -1 when closed (reopened on the next record) */
    /* Process that opened fd. A child of fork() shares the open file
     * description, and with it the flock(), so it opens its own. */
    pid_t fd_pid;
    /* The file fd named was removed (not renamed): the next record that
     * gets written says so first. */
    int file_removed;
};

static _Thread_local char spprov_audit_last_err[SPPROV_AUDIT_ERR_MAX];

/* OID contents (no tag or length) used to find mailboxes. */

/* Attribute types written by name in RFC 4514 text: the names of RFC 4514
 * section 3 and the other registered LDAP descriptors S/MIME subjects
 * use. Any other type is written as a dotted OID. */
static const struct {
    uint8_t oid[10];
    size_t len;
    const char *name;
} name_types[] = {
    {{0x55, 0x04, 0x03}, 3, "CN"},
    {{0x55, 0x04, 0x04}, 3, "SN"},
    {{0x55, 0x04, 0x05}, 3, "serialNumber"},
    {{0x55, 0x04, 0x06}, 3, "C"},
    {{0x55, 0x04, 0x07}, 3, "L"},
    {{0x55, 0x04, 0x08}, 3, "ST"},
    {{0x55, 0x04, 0x09}, 3, "STREET"},
    {{0x55, 0x04, 0x0a}, 3, "O"},
    {{0x55, 0x04, 0x0b}, 3, "OU"},
    {{0x55, 0x04, 0x0c}, 3, "title"},
    {{0x55, 0x04, 0x11}, 3, "postalCode"},
    {{0x55, 0x04, 0x2a}, 3, "givenName"},
    {{0x55, 0x04, 0x2b}, 3, "initials"},
    {{0x55, 0x04, 0x2c}, 3, "generationQualifier"},
    {{0x55, 0x04, 0x41}, 3, "pseudonym"},
    {{0x55, 0x04, 0x61}, 3, "organizationIdentifier"},
    {{0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, 10, "DC"},
    {{0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}, 10, "UID"},
    {{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, 9, "emailAddress"},
};

/* ------------------------------------------------------------------ */
/* Text buffer                                                         */

static int text_reserve(SPPROV_TEXT *t, size_t more)
{
    size_t want, cap;
    char *p;

    if (t->failed)
        return 0;
    if (more > SIZE_MAX / 2 - t->len) {
        t->failed = 1;
        return 0;
    }
    want = t->len + more + 1;
    if (want <= t->cap)
        return 1;
    cap = t->cap ? t->cap : SPPROV_AUDIT_INITIAL_SIZE;
    while (cap < want)
        cap *= 2;
    p = OPENSSL_realloc(t->buf, cap);
    if (p == NULL) {
        t->failed = 1;
        return 0;
    }
    t->buf = p;
    t->cap = cap;
    return 1;
}

static void text_putn(SPPROV_TEXT *t, const char *s, size_t n)
{
    if (!text_reserve(t, n))
        return;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void text_puts(SPPROV_TEXT *t, const char *s)
{
    text_putn(t, s, strlen(s));
}

static void text_putc(SPPROV_TEXT *t, char c)
{
    text_putn(t, &c, 1);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
text_printf(SPPROV_TEXT *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->failed = 1;
        return;
    }
    if (!text_reserve(t, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static void text_hex(SPPROV_TEXT *t, const uint8_t *p, size_t n, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

    if (!text_reserve(t, 2 * n))
        return;
    for (size_t i = 0; i < n; i++) {
        t->buf[t->len++] = digits[p[i] >> 4];
        t->buf[t->len++] = digits[p[i] & 0x0f];
    }
    t->buf[t->len] = '\0';
}

/* The last character written, or 0. */
static char text_last(const SPPROV_TEXT *t)
{
    return t->len > 0 && t->buf != NULL ? t->buf[t->len - 1] : 0;
}

static void text_free(SPPROV_TEXT *t)
{
    OPENSSL_free(t->buf);
    memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */

static void text_put_utf8(SPPROV_TEXT *t, uint32_t c)
{
    char b[4];

    if (c < 0x80) {
        b[0] = (char)c;
        text_putn(t, b, 1);
    } else if (c < 0x800) {
        b[0] = (char)(0xc0 | (c >> 6));
        b[1] = (char)(0x80 | (c & 0x3f));
        text_putn(t, b, 2);
    } else if (c < 0x10000) {
        b[0] = (char)(0xe0 | (c >> 12));
        b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        b[2] = (char)(0x80 | (c & 0x3f));
        text_putn(t, b, 3);
    } else {
        b[0] = (char)(0xf0 | (c >> 18));
        b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        b[3] = (char)(0x80 | (c & 0x3f));
        text_putn(t, b, 4);
    }
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

/* A JSON string of arbitrary bytes. Control characters, DEL and the two
 * characters JavaScript treats as line breaks are \u-escaped; a byte that
 * does not start well-formed UTF-8 becomes U+FFFD, so the output is always
 * valid UTF-8 on one line whatever the input holds. */
static void json_bytes(SPPROV_TEXT *t, const uint8_t *p, size_t n)
{
    size_t i = 0, run;
    uint32_t c;

    text_putc(t, '"');
    while (i < n) {
        run = sp_utf8_decode(p + i, n - i, &c);
        if (run == 0) {
            text_puts(t, "\\ufffd");
            i++;
            continue;
        }
        if (c == '"') {
            text_puts(t, "\\\"");
        } else if (c == '\\') {
            text_puts(t, "\\\\");
        } else if (c == '\n') {
            text_puts(t, "\\n");
        } else if (c == '\r') {
            text_puts(t, "\\r");
        } else if (c == '\t') {
            text_puts(t, "\\t");
        } else if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
            text_printf(t, "\\u%04x", (unsigned)c);
        } else {
            text_putn(t, (const char *)p + i, run);
        }
        i += run;
    }
    text_putc(t, '"');
}

static void json_str(SPPROV_TEXT *t, const char *s)
{
    if (s == NULL)
        text_puts(t, "null");
    else
        json_bytes(t, (const uint8_t *)s, strlen(s));
}

/* `"key":` with a separating comma unless it is the first member. */
static void json_key(SPPROV_TEXT *t, const char *key)
{
    if (text_last(t) != '{' && text_last(t) != '[')
        text_putc(t, ',');
    text_putc(t, '"');
    text_puts(t, key);
    text_puts(t, "\":");
}

static void json_hex(SPPROV_TEXT *t, const uint8_t *p, size_t n, int upper)
{
    text_putc(t, '"');
    text_hex(t, p, n, upper);
    text_putc(t, '"');
}

/* ------------------------------------------------------------------ */
/* RFC 4514 names                                                      */

/* One character of an attribute value, escaped as RFC 4514 section 2.4
 * requires; control characters are hex-escaped as well so the text never
 * carries them. `first`/`last` say where the character sits. */
static void dn_put_char(SPPROV_TEXT *t, uint32_t c, int first, int last)
{
    if (c < 0x20 || c == 0x7f) {
        text_printf(t, "\\%02X", (unsigned)c);
        return;
    }
    if (c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>'
        || c == '\\' || (first && (c == ' ' || c == '#')) || (last && c == ' '))
        text_putc(t, '\\');
    text_put_utf8(t, c);
}

/* Decode a string value into code points. Returns 0 when the bytes are
 * not a valid value of the string type (the caller then writes hex). When
 * `t` is NULL only validates. */
static int dn_put_string(SPPROV_TEXT *t, unsigned tag, const SP_DER *val)
{
    const uint8_t *p = val->data;
    size_t n = val->len, i = 0, step;
    uint32_t c;

    switch (tag) {
    case SP_TAG_UTF8STRING:
        step = 0;
        break;
    case SP_TAG_PRINTABLESTRING:
    case SP_TAG_IA5STRING:
    case SP_TAG_VISIBLESTRING:
        step = 1;
        break;
    case SP_TAG_BMPSTRING:
        step = 2;
        break;
    case SP_TAG_UNIVERSALSTRING:
        step = 4;
        break;
    default:
        /* TeletexString and others: their character set is not knowable
         * from the bytes, so they are written as hex. */
        return 0;
    }
    if (step > 1 && n % step != 0)
        return 0;
    while (i < n) {
        size_t used;

        if (step == 0) {
            used = sp_utf8_decode(p + i, n - i, &c);
            if (used == 0)
                return 0;
        } else if (step == 1) {
            c = p[i];
            if (c > 0x7f)
                return 0;
            used = 1;
        } else if (step == 2) {
            c = ((uint32_t)p[i] << 8) | p[i + 1];
            used = 2;
        } else {
            c = ((uint32_t)p[i] << 24) | ((uint32_t)p[i + 1] << 16)
                | ((uint32_t)p[i + 2] << 8) | p[i + 3];
            used = 4;
        }
        if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return 0;
        if (t != NULL)
            dn_put_char(t, c, i == 0, i + used == n);
        i += used;
    }
    return 1;
}

static void dn_put_type(SPPROV_TEXT *t, const SP_DER *oid)
{
    char buf[128];

    for (size_t i = 0; i < sizeof(name_types) / sizeof(name_types[0]); i++) {
        if (sp_der_equal_bytes(oid, name_types[i].oid, name_types[i].len)) {
            text_puts(t, name_types[i].name);
            return;
        }
    }
    text_puts(t, sp_der_oid_to_text(oid, buf, sizeof(buf)));
}

/* One AttributeTypeAndValue. Returns 0 when it is not well formed. */
static int dn_put_atv(SPPROV_TEXT *t, const SP_DER *atv_contents)
{
    SP_DER cur = *atv_contents, oid, val, val_element;
    unsigned tag;

    if (sp_der_get_oid(&cur, &oid) != SP_DER_OK
        || sp_der_get_any(&cur, &tag, &val, &val_element) != SP_DER_OK
        || !sp_der_empty(&cur))
        return 0;
    dn_put_type(t, &oid);
    text_putc(t, '=');
    if (sp_der_is_string_tag(tag) && dn_put_string(NULL, tag, &val)) {
        dn_put_string(t, tag, &val);
    } else {
        /* RFC 4514 2.4: '#' and the hex of the BER encoding. */
        text_putc(t, '#');
        text_hex(t, val_element.data, val_element.len, 0);
    }
    return 1;
}

static int dn_render(SPPROV_TEXT *t, const uint8_t *der, size_t len)
{
    SP_DER cur, rdns, walk, set;
    SP_DER *list = NULL;
    size_t n = 0, i;
    int ok = 0;

    sp_der_init(&cur, der, len);
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &rdns) != SP_DER_OK
        || !sp_der_empty(&cur))
        goto done;
    /* RFC 4514 writes the RDNs last first: collect them, then walk back. */
    for (walk = rdns; !sp_der_empty(&walk); n++) {
        if (sp_der_get(&walk, SP_TAG_SET, &set) != SP_DER_OK)
            goto done;
    }
    if (n > 0) {
        list = OPENSSL_malloc(n * sizeof(*list));
        if (list == NULL)
            goto done;
    }
    walk = rdns;
    for (i = 0; i < n; i++)
        sp_der_get(&walk, SP_TAG_SET, &list[i]);
    for (i = n; i-- > 0;) {
        SP_DER atvs = list[i], atv;
        int first = 1;

        if (i + 1 < n)
            text_putc(t, ',');
        if (sp_der_empty(&atvs))
            goto done;
        while (!sp_der_empty(&atvs)) {
            if (sp_der_get(&atvs, SP_TAG_SEQUENCE, &atv) != SP_DER_OK)
                goto done;
            if (!first)
                text_putc(t, '+');
            if (!dn_put_atv(t, &atv))
                goto done;
            first = 0;
        }
    }
    ok = !t->failed;
done:
    OPENSSL_free(list);
    return ok;
}

char *spprov_audit_name_text(const unsigned char *der, size_t len)
{
    SPPROV_TEXT t = {0};

    /* An empty Name renders as "", which still needs a buffer. */
    if (!text_reserve(&t, 0))
        return NULL;
    t.buf[0] = '\0';
    if (!dn_render(&t, der, len)) {
        text_free(&t);
        return NULL;
    }
    return t.buf;
}

/* "subject": RFC 4514 text, or the hex of the Name when it cannot be
 * rendered (the engine refuses such a Name anyway). */
static void json_name(SPPROV_TEXT *t, const char *key, const SP_DER *name)
{
    char *text = spprov_audit_name_text(name->data, name->len);

    if (text != NULL) {
        json_key(t, key);
        json_str(t, text);
        OPENSSL_free(text);
    } else {
        char hexkey[32];

        snprintf(hexkey, sizeof(hexkey), "%s_der", key);
        json_key(t, hexkey);
        json_hex(t, name->data, name->len, 0);
    }
}

/* ------------------------------------------------------------------ */
/* Record fields                                                       */

/* Serial as `openssl ca` writes it into index.txt: upper-case hex of the
 * magnitude without leading zero octets ("00" for zero), "-" before a
 * negative one. */
static void json_serial(SPPROV_TEXT *t, const SP_DER *serial)
{
    const uint8_t *p = serial->data;
    size_t n = serial->len;

    text_putc(t, '"');
    if (n > 0 && (p[0] & 0x80)) {
        /* Two's complement: magnitude = ~x + 1, computed from the end. */
        uint8_t *mag = OPENSSL_malloc(n);
        unsigned carry = 1;
        size_t skip = 0;

        if (mag == NULL) {
            t->failed = 1;
            return;
        }
        for (size_t i = n; i-- > 0;) {
            unsigned b = (uint8_t)~p[i] + carry;

            mag[i] = (uint8_t)b;
            carry = b >> 8;
        }
        while (skip + 1 < n && mag[skip] == 0)
            skip++;
        text_putc(t, '-');
        text_hex(t, mag + skip, n - skip, 1);
        OPENSSL_free(mag);
    } else {
        while (n > 1 && p[0] == 0) {
            p++;
            n--;
        }
        if (n == 0)
            text_puts(t, "00");
        else
            text_hex(t, p, n, 1);
    }
    text_putc(t, '"');
}

/* rfc822Name and SmtpUTF8Mailbox values of the SAN. A SAN that does not
 * decode ends the list and adds "san_error". */
static void json_mailboxes(SPPROV_TEXT *t, const SP_TBS_CERT *cert)
{
    const SP_EXTENSION *san = NULL;
    SP_DER cur, names, gn, type_id, explicit_val, value;
    unsigned tag;
    int bad = 0;

    for (size_t i = 0; i < cert->n_ext && i < SP_MAX_EXTENSIONS; i++) {
        if (sp_der_equal_bytes(&cert->ext[i].oid, sp_oid_san,
                               sizeof(sp_oid_san))) {
            san = &cert->ext[i];
            break;
        }
    }
    json_key(t, "san_mailboxes");
    text_putc(t, '[');
    if (san == NULL) {
        text_putc(t, ']');
        return;
    }
    cur = san->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &names) != SP_DER_OK) {
        bad = 1;
        names.len = 0;
    }
    while (!bad && !sp_der_empty(&names)) {
        if (sp_der_get_any(&names, &tag, &gn, NULL) != SP_DER_OK) {
            bad = 1;
            break;
        }
        if (tag == SP_TAG_CTX(1)) {
            if (text_last(t) != '[')
                text_putc(t, ',');
            json_bytes(t, gn.data, gn.len);
        } else if (tag == SP_TAG_CTX_CONS(0)) {
            if (sp_der_get_oid(&gn, &type_id) != SP_DER_OK
                || sp_der_get(&gn, SP_TAG_CTX_CONS(0), &explicit_val)
                       != SP_DER_OK) {
                bad = 1;
                break;
            }
            if (!sp_der_equal_bytes(&type_id, sp_oid_smtputf8,
                                    sizeof(sp_oid_smtputf8)))
                continue;
            if (sp_der_get(&explicit_val, SP_TAG_UTF8STRING, &value)
                != SP_DER_OK) {
                bad = 1;
                break;
            }
            if (text_last(t) != '[')
                text_putc(t, ',');
            json_bytes(t, value.data, value.len);
        }
    }
    text_putc(t, ']');
    if (bad) {
        json_key(t, "san_error");
        json_str(t, "subjectAltName does not decode");
    }
}

static void json_findings(SPPROV_TEXT *t, const SP_FINDINGS *fs)
{
    json_key(t, "findings");
    text_putc(t, '[');
    for (size_t i = 0; i < fs->n && i < SP_MAX_FINDINGS; i++) {
        const SP_FINDING *f = &fs->f[i];
        const SP_RULE *rule = NULL;

        if ((int)f->rule >= 0 && (int)f->rule < (int)SP_RULE_COUNT)
            rule = &sp_rules[f->rule];
        if (i > 0)
            text_putc(t, ',');
        text_putc(t, '{');
        json_key(t, "code");
        json_str(t, rule != NULL ? rule->code : "unknown");
        json_key(t, "severity");
        json_str(t, sp_severity_name(f->severity));
        json_key(t, "section");
        json_str(t, rule != NULL ? rule->section : NULL);
        json_key(t, "detail");
        json_bytes(t, (const uint8_t *)f->detail,
                   strnlen(f->detail, sizeof(f->detail)));
        json_key(t, "waived");
        text_puts(t, f->waived_by != NULL ? "true" : "false");
        if (f->waived_by != NULL) {
            json_key(t, "exception");
            json_str(t, f->waived_by->name);
            json_key(t, "owner");
            json_str(t, f->waived_by->owner);
        }
        if (f->expired_exception != NULL) {
            json_key(t, "expired_exception");
            json_str(t, f->expired_exception->name);
        }
        text_putc(t, '}');
    }
    text_putc(t, ']');
    if (fs->dropped > 0) {
        json_key(t, "findings_dropped");
        text_printf(t, "%zu", fs->dropped);
    }
}

static void json_time(SPPROV_TEXT *t, const char *key, int64_t secs)
{
    char buf[64];

    sp_time_to_text(secs, buf, sizeof(buf));
    json_key(t, key);
    json_str(t, buf);
}

static void json_verdict(SPPROV_TEXT *t, const SP_VERDICT *v)
{
    json_key(t, "verdict");
    json_str(t, sp_decision_name(v->decision));
    json_key(t, "kind");
    json_str(t, sp_kind_name(v->kind));
    if (v->kind == SP_KIND_CERT) {
        /* end-entity, or the CA role when the policy enables CA
         * certificates: an auditor sees what was certified. */
        json_key(t, "role");
        json_str(t, sp_role_name(v->role));
    }
    json_key(t, "mode");
    json_str(t, v->mode == SP_MODE_REPORT ? "report" : "enforce");
    json_key(t, "profile");
    if (v->type == SP_TYPE_NONE) {
        text_puts(t, "null");
    } else {
        char profile[64];

        snprintf(profile, sizeof(profile), "%s-%s", sp_type_name(v->type),
                 sp_generation_name(v->generation));
        json_str(t, profile);
    }
    json_key(t, "policy_profile");
    json_str(t, v->profile);
    json_key(t, "errors");
    text_printf(t, "%zu", v->n_errors);
    json_findings(t, &v->findings);
    if (v->decode_failed)
        return;
    if (v->kind == SP_KIND_CERT) {
        json_name(t, "subject", &v->tbs.cert.subject);
        json_name(t, "issuer", &v->tbs.cert.issuer);
        json_key(t, "serial");
        json_serial(t, &v->tbs.cert.serial);
        json_mailboxes(t, &v->tbs.cert);
    } else if (v->kind == SP_KIND_CRL) {
        json_name(t, "issuer", &v->tbs.crl.issuer);
        json_time(t, "this_update", v->tbs.crl.this_update);
        if (v->tbs.crl.has_next_update)
            json_time(t, "next_update", v->tbs.crl.next_update);
        json_key(t, "revoked");
        text_printf(t, "%zu", v->tbs.crl.n_revoked);
    }
}

static void json_reason(SPPROV_TEXT *t, const SP_VERDICT *v, const char *reason)
{
    char decode[256] = "";

    if (v != NULL && v->decode_failed)
        snprintf(decode, sizeof(decode), "%s at offset %zu: %s",
                 v->decode_error.field != NULL ? v->decode_error.field
                                               : "input",
                 v->decode_error.offset, sp_der_strerror(v->decode_error.err));
    if (reason == NULL && decode[0] == '\0')
        return;
    json_key(t, "reason");
    if (reason != NULL && decode[0] != '\0') {
        SPPROV_TEXT both = {0};

        text_printf(&both, "%s; %s", reason, decode);
        if (both.failed)
            t->failed = 1;
        else
            json_bytes(t, (const uint8_t *)both.buf, both.len);
        text_free(&both);
    } else {
        json_str(t, reason != NULL ? reason : decode);
    }
}

/* The record, with `digest` the SHA-256 of the TBS (NULL when there is
 * no TBS). */
static char *format_record(const char *decision, const SP_VERDICT *v,
                           const unsigned char *tbs, size_t tbs_len,
                           const unsigned char *digest,
                           const unsigned char *policy_sha256,
                           const char *key_id, const char *reason,
                           const struct timespec *when, long pid, size_t *len)
{
    SPPROV_TEXT t = {0};
    struct tm tm;
    time_t secs = when->tv_sec;

    if (gmtime_r(&secs, &tm) == NULL)
        return NULL;

    text_putc(&t, '{');
    json_key(&t, "time");
    text_printf(&t, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\"",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, (long)(when->tv_nsec / 1000));
    json_key(&t, "decision");
    if (decision != NULL)
        json_str(&t, decision);
    else
        json_str(&t, v != NULL ? sp_decision_name(v->decision) : "refused");
    if (v != NULL) {
        json_verdict(&t, v);
    } else {
        json_key(&t, "kind");
        json_str(&t, tbs != NULL ? sp_kind_name(sp_classify(tbs, tbs_len))
                                 : "other");
    }
    json_key(&t, "tbs_sha256");
    if (digest != NULL)
        json_hex(&t, digest, 32, 0);
    else
        text_puts(&t, "null");
    json_key(&t, "policy_sha256");
    if (policy_sha256 != NULL)
        json_hex(&t, policy_sha256, 32, 0);
    else
        text_puts(&t, "null");
    json_key(&t, "key_id");
    json_str(&t, key_id);
    json_key(&t, "pid");
    text_printf(&t, "%ld", pid);
    json_reason(&t, v, reason);
    text_puts(&t, "}\n");

    if (t.failed) {
        text_free(&t);
        return NULL;
    }
    *len = t.len;
    return t.buf;
}

static int tbs_digest(const SPPROV_AUDIT *a, const unsigned char *tbs,
                      size_t tbs_len, unsigned char digest[32])
{
    return EVP_Q_digest(a != NULL ? a->libctx : NULL, "SHA256", NULL, tbs,
                        tbs_len, digest, NULL);
}

char *spprov_audit_format(const SPPROV_AUDIT *a, const char *decision,
                          const SP_VERDICT *v, const unsigned char *tbs,
                          size_t tbs_len, const unsigned char policy_sha256[32],
                          const char *key_id, const char *reason,
                          const struct timespec *when, long pid, size_t *len)
{
    unsigned char digest[32];

    if (tbs != NULL && !tbs_digest(a, tbs, tbs_len, digest))
        return NULL;
    return format_record(decision, v, tbs, tbs_len, tbs != NULL ? digest : NULL,
                         policy_sha256, key_id, reason, when, pid, len);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Open (or create, then make the new name durable) the log file. */
static int open_log(const char *path, char *err, size_t errlen)
{
    struct stat st;
    int created = stat(path, &st) != 0 && errno == ENOENT;
    int fd;

    do {
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
                  0640);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        set_err(err, errlen, "cannot open audit log %s for appending: %s", path,
                strerror(errno));
        return -1;
    }
    if (created) {
        /* A record fdatasync()ed into a file whose directory entry is
         * lost in a crash is lost too. */
        char *dir = OPENSSL_strdup(path);
        char *slash = dir != NULL ? strrchr(dir, '/') : NULL;
        int dfd;

        if (dir != NULL) {
            if (slash == dir)
                slash[1] = '\0';
            else if (slash != NULL)
                *slash = '\0';
            dfd = open(slash != NULL ? dir : ".",
                       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
        }
        OPENSSL_free(dir);
    }
    return fd;
}

SPPROV_AUDIT *spprov_audit_open(const char *path, int use_syslog, char *err,
                                size_t errlen)
{
    SPPROV_AUDIT *a = NULL;

    if (path == NULL && !use_syslog) {
        set_err(err, errlen, "audit log: neither a file nor syslog given");
        return NULL;
    }
    a = OPENSSL_zalloc(sizeof(*a));
    if (a == NULL || pthread_mutex_init(&a->lock, NULL) != 0) {
        OPENSSL_free(a);
        set_err(err, errlen, "audit log %s: out of memory",
                path != NULL ? path : "(syslog)");
        return NULL;
    }
    a->fd = -1;
    a->use_syslog = use_syslog;
    if (path == NULL)
        return a;
    a->path = OPENSSL_strdup(path);
    if (a->path == NULL) {
        set_err(err, errlen, "audit log %s: out of memory", path);
        goto err;
    }
    a->fd = open_log(path, err, errlen);
    if (a->fd < 0)
        goto err;
    a->fd_pid = getpid();
    return a;
err:
    spprov_audit_close(a);
    return NULL;
}

void spprov_audit_set_libctx(SPPROV_AUDIT *a, OSSL_LIB_CTX *libctx)
{
    if (a != NULL)
        a->libctx = libctx;
}

const char *spprov_audit_path(const SPPROV_AUDIT *a)
{
    return a != NULL ? a->path : NULL;
}

void spprov_audit_close(SPPROV_AUDIT *a)
{
    if (a == NULL)
        return;
    if (a->fd >= 0)
        close(a->fd);
    pthread_mutex_destroy(&a->lock);
    OPENSSL_free(a->path);
    OPENSSL_free(a);
}

const char *spprov_audit_last_error(void)
{
    return spprov_audit_last_err;
}

/* The descriptor is this process's own and still names the file at
 * `path`: after logrotate moved the file away, records go to a new file at
 * the configured path. */
static int log_is_current(SPPROV_AUDIT *a)
{
    struct stat by_path, by_fd;

    if (a->fd < 0 || a->fd_pid != getpid())
        return 0;
    if (stat(a->path, &by_path) != 0 || fstat(a->fd, &by_fd) != 0)
        return 0;
    return by_path.st_dev == by_fd.st_dev && by_path.st_ino == by_fd.st_ino;
}

/* The note written ahead of the next record when the file this process
 * had open was removed (unlinked, or its directory removed and made
 * again), not renamed away: whoever reads the new file learns that
 * records of this process are missing from it. */
static char *removed_note(const SPPROV_AUDIT *a, size_t *len)
{
    SPPROV_TEXT t = {0};
    struct timespec now;
    struct tm tm;

    if (clock_gettime(CLOCK_REALTIME, &now) != 0
        || gmtime_r(&now.tv_sec, &tm) == NULL)
        return NULL;
    text_putc(&t, '{');
    json_key(&t, "time");
    text_printf(&t, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\"",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, (long)(now.tv_nsec / 1000));
    json_key(&t, "decision");
    json_str(&t, "audit-log-removed");
    json_key(&t, "pid");
    text_printf(&t, "%ld", (long)getpid());
    json_key(&t, "reason");
    json_str(&t, "the audit log this process had open was removed; its "
                 "earlier records are not in this file");
    text_puts(&t, "}\n");
    if (t.failed) {
        text_free(&t);
        return NULL;
    }
    *len = t.len;
    return t.buf;
}

/* write() with SIGXFSZ held back: past RLIMIT_FSIZE the kernel sends it
 * to the writing thread, and its default action would kill the signing
 * process (and a CA with it) instead of letting the record fail with
 * EFBIG. A SIGXFSZ this write raised is taken back; one that was already
 * pending stays for the application. */
static ssize_t write_no_sigxfsz(int fd, const char *buf, size_t len)
{
    sigset_t xfsz, old, pending;
    int was_pending, saved;
    ssize_t n;

    sigemptyset(&xfsz);
    sigaddset(&xfsz, SIGXFSZ);
    if (pthread_sigmask(SIG_BLOCK, &xfsz, &old) != 0)
        return write(fd, buf, len);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGXFSZ) == 1;
    do {
        n = write(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    saved = errno;
    if (!was_pending && sigpending(&pending) == 0
        && sigismember(&pending, SIGXFSZ) == 1)
        sigtimedwait(&xfsz, NULL, &(struct timespec){0, 0});
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return n;
}

/* Append one record under the thread mutex and the file lock. */
static int append_record(SPPROV_AUDIT *a, const char *line, size_t len,
                         char *err, size_t errlen)
{
    struct stat st;
    ssize_t n;
    int ok = 0, locked = 0, is_regular;
    char *joined = NULL;

    if (pthread_mutex_lock(&a->lock) != 0) {
        set_err(err, errlen, "audit log %s: cannot take the thread lock",
                a->path);
        return 0;
    }
    if (!log_is_current(a)) {
        struct stat old;

        if (a->fd >= 0 && a->fd_pid == getpid() && fstat(a->fd, &old) == 0
            && old.st_nlink == 0)
            a->file_removed = 1;
        if (a->fd >= 0)
            close(a->fd);
        a->fd = open_log(a->path, err, errlen);
        if (a->fd < 0)
            goto done;
        a->fd_pid = getpid();
        if (a->file_removed) {
            /* The note and the record go down in one write. */
            size_t note_len = 0;
            char *note = removed_note(a, &note_len);

            joined =
                note != NULL ? OPENSSL_realloc(note, note_len + len + 1) : NULL;
            if (joined == NULL) {
                OPENSSL_free(note);
                set_err(err, errlen, "audit log %s: out of memory", a->path);
                goto done;
            }
            memcpy(joined + note_len, line, len);
            joined[note_len + len] = '\0';
            line = joined;
            len += note_len;
        }
    }
    while (flock(a->fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            set_err(err, errlen, "cannot lock audit log %s: %s", a->path,
                    strerror(errno));
            goto done;
        }
    }
    locked = 1;
    if (fstat(a->fd, &st) != 0) {
        set_err(err, errlen, "cannot stat audit log %s: %s", a->path,
                strerror(errno));
        goto done;
    }
    is_regular = S_ISREG(st.st_mode);
    n = write_no_sigxfsz(a->fd, line, len);
    if (n < 0) {
        set_err(err, errlen, "cannot write to audit log %s: %s", a->path,
                strerror(errno));
        goto done;
    }
    if ((size_t)n != len) {
        /* Take the partial line out again so the next record starts on a
         * line of its own; nobody else can append while we hold the lock. */
        int undone = is_regular && ftruncate(a->fd, st.st_size) == 0;

        set_err(err, errlen,
                "short write to audit log %s (%zd of %zu bytes; disk full?)"
                "%s",
                a->path, n, len,
                undone ? ", partial record removed"
                       : ", partial record left in the file");
        goto done;
    }
    if (fdatasync(a->fd) != 0 && !(errno == EINVAL && !is_regular)) {
        /* EINVAL: a device or pipe that has no disk to flush to. */
        set_err(err, errlen, "cannot flush audit log %s to disk: %s", a->path,
                strerror(errno));
        goto done;
    }
    ok = 1;
    if (joined != NULL)
        a->file_removed = 0;
done:
    if (locked)
        flock(a->fd, LOCK_UN);
    pthread_mutex_unlock(&a->lock);
    OPENSSL_free(joined);
    return ok;
}

/* The short form for syslog: the fields an operator scans for, and the
 * TBS hash that links it to the full record in the file. */
static void send_syslog(const char *decision, const SP_VERDICT *v,
                        const unsigned char *digest, const char *failure)
{
    SPPROV_TEXT t = {0};
    int refused = v == NULL || v->decision == SP_DECIDE_REFUSE
                  || (decision != NULL && strncmp(decision, "refus", 5) == 0);

    if (failure != NULL) {
        syslog(LOG_AUTHPRIV | LOG_ERR,
               "smimepolicy: audit record NOT written, signature refused: %s",
               failure);
        return;
    }
    text_putc(&t, '{');
    json_key(&t, "decision");
    json_str(&t, decision != NULL ? decision : "refused");
    if (v != NULL) {
        json_key(&t, "kind");
        json_str(&t, sp_kind_name(v->kind));
        if (!v->decode_failed && v->kind == SP_KIND_CERT) {
            json_name(&t, "subject", &v->tbs.cert.subject);
            json_key(&t, "serial");
            json_serial(&t, &v->tbs.cert.serial);
        }
        json_key(&t, "codes");
        text_putc(&t, '[');
        for (size_t i = 0; i < v->findings.n && i < SP_MAX_FINDINGS; i++) {
            const SP_FINDING *f = &v->findings.f[i];

            if (f->severity != SP_SEV_ERROR || f->waived_by != NULL)
                continue;
            if (text_last(&t) != '[')
                text_putc(&t, ',');
            json_str(&t, (int)f->rule >= 0 && (int)f->rule < (int)SP_RULE_COUNT
                             ? sp_rules[f->rule].code
                             : "unknown");
        }
        text_putc(&t, ']');
    }
    if (digest != NULL) {
        json_key(&t, "tbs_sha256");
        json_hex(&t, digest, 32, 0);
    }
    text_putc(&t, '}');
    if (!t.failed)
        syslog(LOG_AUTHPRIV | (refused ? LOG_ERR : LOG_NOTICE),
               "smimepolicy: %s", t.buf);
    text_free(&t);
}

int spprov_audit_record_ex(SPPROV_AUDIT *a, const char *decision,
                           const SP_VERDICT *v, const unsigned char *tbs,
                           size_t tbs_len,
                           const unsigned char policy_sha256[32],
                           const char *key_id, const char *reason, char *err,
                           size_t errlen)
{
    char why[SPPROV_AUDIT_ERR_MAX] = "";
    unsigned char digest[32];
    struct timespec now;
    char *line = NULL;
    size_t len = 0;
    int ok = 0, have_digest = 0;

    if (a == NULL) {
        set_err(why, sizeof(why), "no audit log is open");
        goto done;
    }
    if (tbs != NULL) {
        if (!tbs_digest(a, tbs, tbs_len, digest)) {
            set_err(why, sizeof(why),
                    "audit log: SHA-256 is not available to hash the TBS");
            goto done;
        }
        have_digest = 1;
    }
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
        set_err(why, sizeof(why), "audit log: cannot read the clock: %s",
                strerror(errno));
        goto done;
    }
    line = format_record(decision, v, tbs, tbs_len, have_digest ? digest : NULL,
                         policy_sha256, key_id, reason, &now, (long)getpid(),
                         &len);
    if (line == NULL) {
        set_err(why, sizeof(why), "audit log: out of memory building a record");
        goto done;
    }
    ok = a->path == NULL || append_record(a, line, len, why, sizeof(why));
done:
    if (a != NULL && a->use_syslog)
        send_syslog(decision, v, have_digest ? digest : NULL, ok ? NULL : why);
    OPENSSL_free(line);
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", why);
    return ok;
}

int spprov_audit_record(SPPROV_AUDIT *a, const char *decision,
                        const SP_VERDICT *v, const unsigned char *tbs,
                        size_t tbs_len, const unsigned char policy_sha256[32],
                        const char *key_id)
{
    return spprov_audit_record_ex(a, decision, v, tbs, tbs_len, policy_sha256,
                                  key_id, NULL, spprov_audit_last_err,
                                  sizeof(spprov_audit_last_err));
}
