/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit's input path, built for a full scan of a large CA database:
 * one read() per file into a reused buffer, PEM decoded in place by a
 * strict decoder of our own (no BIO, no PEM_read per file), the index.txt
 * line parser and the reproducible sampler. Nothing here allocates per
 * certificate.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_cmd.h"

static const char pem_begin[] = "-----BEGIN ";
static const char pem_end[] = "-----END ";
static const char pem_dashes[] = "-----";

/* base64 value of each byte; 64 for '=', 65 for whitespace, 66 invalid */
enum { B64_PAD = 64, B64_SPACE = 65, B64_BAD = 66 };
static uint8_t b64_table[256];
static int b64_ready;

static void b64_init(void)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    if (b64_ready)
        return;
    memset(b64_table, B64_BAD, sizeof(b64_table));
    for (int i = 0; i < 64; i++)
        b64_table[(uint8_t)alphabet[i]] = (uint8_t)i;
    b64_table['='] = B64_PAD;
    b64_table[' '] = B64_SPACE;
    b64_table['\t'] = B64_SPACE;
    b64_table['\r'] = B64_SPACE;
    b64_table['\n'] = B64_SPACE;
    b64_ready = 1;
}

int sp_read_file(SP_READBUF *rb, const char *path, size_t *len, char *err,
                 size_t errlen)
{
    return sp_read_file_at(rb, AT_FDCWD, path, len, err, errlen);
}

int sp_read_file_at(SP_READBUF *rb, int dirfd, const char *path, size_t *len,
                    char *err, size_t errlen)
{
    struct stat st;
    size_t n = 0;
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    int ok = 0;

    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        goto end;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        goto end;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory");
        goto end;
    }
    for (;;) {
        ssize_t got;
        /* Regular files: room for the whole file plus one byte, so one
         * read() returns it and a second sees the end. */
        size_t want = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 0;

        if (want < n + 4096)
            want = n + 4096;
        if (want > SP_AUDIT_MAX_FILE + 1)
            want = SP_AUDIT_MAX_FILE + 1;
        if (rb->cap < want) {
            size_t cap = rb->cap ? rb->cap : 16384;
            uint8_t *bigger;

            while (cap < want)
                cap *= 2;
            bigger = realloc(rb->data, cap);
            if (bigger == NULL) {
                snprintf(err, errlen, "out of memory");
                goto end;
            }
            rb->data = bigger;
            rb->cap = cap;
        }
        if (n > SP_AUDIT_MAX_FILE) {
            snprintf(err, errlen, "file too large");
            goto end;
        }
        got = read(fd, rb->data + n, rb->cap - n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "%s", strerror(errno));
            goto end;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        /* a regular file read to its size needs no read() to see the end */
        if (S_ISREG(st.st_mode) && n == (size_t)st.st_size)
            break;
    }
    if (n == 0) {
        snprintf(err, errlen, "empty file");
        goto end;
    }
    *len = n;
    ok = 1;
end:
    if (fd >= 0)
        close(fd);
    return ok;
}

void sp_readbuf_free(SP_READBUF *rb)
{
    free(rb->data);
    rb->data = NULL;
    rb->cap = 0;
}

/* Position of the first line starting with "-----BEGIN " at or after pos,
 * or len. */
size_t sp_pem_find_begin(const uint8_t *buf, size_t len, size_t pos)
{
    const size_t m = sizeof(pem_begin) - 1;

    while (pos + m <= len) {
        const uint8_t *dash = memchr(buf + pos, '-', len - pos);

        if (dash == NULL)
            return len;
        pos = (size_t)(dash - buf);
        if (pos + m <= len && memcmp(buf + pos, pem_begin, m) == 0
            && (pos == 0 || buf[pos - 1] == '\n'))
            return pos;
        pos++;
    }
    return len;
}

int sp_pem_present(const uint8_t *data, size_t len)
{
    return sp_pem_find_begin(data, len, 0) < len;
}

int sp_pem_next(uint8_t *buf, size_t len, size_t *pos, SP_PEM_BLOCK *out,
                char *err, size_t errlen)
{
    size_t p = sp_pem_find_begin(buf, len, *pos);
    size_t label_start, label_end, q, w, der_start, end_line;
    uint32_t acc = 0;
    int line_start = 1;
    unsigned nchars = 0, pad = 0;

    b64_init();
    if (p >= len)
        return 0;
    /* -----BEGIN LABEL----- */
    label_start = p + sizeof(pem_begin) - 1;
    q = label_start;
    while (q < len && buf[q] != '\n' && buf[q] != '-')
        q++;
    label_end = q;
    if (q + 5 > len || memcmp(buf + q, pem_dashes, 5) != 0
        || label_end == label_start) {
        snprintf(err, errlen, "malformed PEM BEGIN line at byte %zu", p);
        return -1;
    }
    q += 5;
    if (q < len && buf[q] == '\r')
        q++;
    if (q < len && buf[q] != '\n') {
        snprintf(err, errlen, "malformed PEM BEGIN line at byte %zu", p);
        return -1;
    }
    q++;
    /* base64 text up to a line starting with "-----END "; decoded bytes
     * go to w, which never passes the character being read. */
    w = q;
    der_start = w;
    for (;;) {
        unsigned v;

        /* Fast path: whole groups of four alphabet characters, which is
         * all of a PEM body but its line breaks and its end. */
        if (nchars % 4 == 0 && pad == 0) {
            while (q + 4 <= len) {
                unsigned c0 = b64_table[buf[q]], c1 = b64_table[buf[q + 1]];
                unsigned c2 = b64_table[buf[q + 2]], c3 = b64_table[buf[q + 3]];

                if ((c0 | c1 | c2 | c3) >= 64)
                    break;
                acc = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
                buf[w++] = (uint8_t)(acc >> 16);
                buf[w++] = (uint8_t)(acc >> 8);
                buf[w++] = (uint8_t)acc;
                q += 4;
                nchars += 4;
                line_start = 0;
            }
            acc = 0;
        }
        if (q >= len) {
            snprintf(err, errlen,
                     "truncated PEM: no END line for the block at byte %zu", p);
            return -1;
        }
        if (buf[q] == '-' && line_start)
            break;
        v = b64_table[buf[q]];
        /* decoded bytes may already cover buf[q - 1]: remember line
         * starts instead of looking back */
        line_start = buf[q] == '\n';
        if (v == B64_SPACE) {
            q++;
            continue;
        }
        if (v == B64_BAD) {
            const uint8_t *nl = memchr(buf + q, '\n', len - q);
            size_t eol = nl != NULL ? (size_t)(nl - buf) : len;

            /* "Proc-Type: 4,ENCRYPTED": an RFC 1421 header line */
            if (memchr(buf + q, ':', eol - q) != NULL)
                snprintf(err, errlen,
                         "PEM headers are not allowed in a certificate "
                         "(byte %zu)",
                         q);
            else if (buf[q] >= 0x21 && buf[q] < 0x7f)
                snprintf(err, errlen,
                         "invalid character '%c' (0x%02x) in PEM at byte %zu",
                         buf[q], buf[q], q);
            else
                snprintf(err, errlen,
                         "invalid character 0x%02x in PEM at byte %zu", buf[q],
                         q);
            return -1;
        }
        if (v == B64_PAD) {
            /* '=' only completes the last group: "xx==" or "xxx=" */
            if (nchars % 4 < 2 || pad + nchars % 4 >= 4) {
                snprintf(err, errlen, "misplaced '=' in PEM at byte %zu", q);
                return -1;
            }
            pad++;
            q++;
            continue;
        }
        if (pad != 0) {
            snprintf(err, errlen, "base64 text after '=' at byte %zu", q);
            return -1;
        }
        acc = (acc << 6) | v;
        nchars++;
        if (nchars % 4 == 0) {
            buf[w++] = (uint8_t)(acc >> 16);
            buf[w++] = (uint8_t)(acc >> 8);
            buf[w++] = (uint8_t)acc;
            acc = 0;
        }
        q++;
    }
    /* the last group */
    switch (nchars % 4) {
    case 0:
        if (pad != 0) {
            snprintf(err, errlen, "misplaced '=' in PEM block at byte %zu", p);
            return -1;
        }
        break;
    case 1:
        snprintf(err, errlen, "truncated base64 in PEM block at byte %zu", p);
        return -1;
    case 2:
        if (pad != 2 || (acc & 0xf) != 0) {
            snprintf(err, errlen, "bad base64 end in PEM block at byte %zu", p);
            return -1;
        }
        buf[w++] = (uint8_t)(acc >> 4);
        break;
    default:
        if (pad != 1 || (acc & 0x3) != 0) {
            snprintf(err, errlen, "bad base64 end in PEM block at byte %zu", p);
            return -1;
        }
        buf[w++] = (uint8_t)(acc >> 10);
        buf[w++] = (uint8_t)(acc >> 2);
        break;
    }
    /* -----END LABEL----- with the same label */
    end_line = q;
    q += sizeof(pem_end) - 1;
    if (end_line + sizeof(pem_end) - 1 > len
        || memcmp(buf + end_line, pem_end, sizeof(pem_end) - 1) != 0
        || q + (label_end - label_start) + 5 > len
        || memcmp(buf + q, buf + label_start, label_end - label_start) != 0
        || memcmp(buf + q + (label_end - label_start), pem_dashes, 5) != 0) {
        snprintf(err, errlen,
                 "PEM END line does not match the BEGIN line at byte %zu", p);
        return -1;
    }
    q += (label_end - label_start) + 5;
    if (q < len && buf[q] == '\r')
        q++;
    if (q < len && buf[q] == '\n')
        q++;
    out->label = (const char *)buf + label_start;
    out->label_len = label_end - label_start;
    out->der = buf + der_start;
    out->der_len = w - der_start;
    if (out->der_len == 0) {
        snprintf(err, errlen, "empty PEM block at byte %zu", p);
        return -1;
    }
    *pos = q;
    return 1;
}

/* ------------------------------------------------------------ index.txt */

static int is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
    }
    return 1;
}

/* YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ, as `openssl ca` writes ASN1 times */
static int is_index_time(const char *s, size_t n)
{
    return (n == 13 || n == 15) && is_digits(s, n - 1) && s[n - 1] == 'Z';
}

int sp_index_parse_line(char *line, SP_INDEX_ENTRY *e, char *err, size_t errlen)
{
    char *field[6];
    size_t n = 0;
    char *p = line;

    field[n++] = p;
    for (; *p != '\0'; p++) {
        if (*p == '\t') {
            if (n == 6) {
                snprintf(err, errlen, "more than 6 tab-separated fields");
                return 0;
            }
            *p = '\0';
            field[n++] = p + 1;
        }
    }
    if (n != 6) {
        snprintf(err, errlen,
                 "%zu tab-separated field%s, an index.txt line has 6", n,
                 n == 1 ? "" : "s");
        return 0;
    }
    if (strlen(field[0]) != 1 || strchr("VRE", field[0][0]) == NULL) {
        snprintf(err, errlen, "status \"%.16s\" is not V, R or E", field[0]);
        return 0;
    }
    if (!is_index_time(field[1], strlen(field[1]))) {
        snprintf(err, errlen, "expiry \"%.32s\" is not an ASN.1 time",
                 field[1]);
        return 0;
    }
    if (field[0][0] == 'R') {
        size_t t = strcspn(field[2], ",");

        if (!is_index_time(field[2], t)) {
            snprintf(err, errlen,
                     "revoked entry without a revocation time (\"%.32s\")",
                     field[2]);
            return 0;
        }
    } else if (field[2][0] != '\0') {
        snprintf(err, errlen, "revocation field set on a %c entry",
                 field[0][0]);
        return 0;
    }
    if (field[3][0] == '\0'
        || strspn(field[3], "0123456789ABCDEF") != strlen(field[3])) {
        snprintf(err, errlen, "serial \"%.64s\" is not upper-case hex",
                 field[3]);
        return 0;
    }
    if (strlen(field[3]) > 128) {
        snprintf(err, errlen, "serial longer than 64 octets");
        return 0;
    }
    e->status = field[0][0];
    e->expiry = field[1];
    e->revocation = field[2];
    e->serial = field[3];
    e->filename = field[4];
    e->subject = field[5];
    return 1;
}

/* ------------------------------------------------------------ sampling */

int sp_sample_size(const char *spec, uint64_t population, uint64_t *size)
{
    const char *p = spec;
    uint64_t whole = 0, milli = 0; /* percent as thousandths */
    unsigned places = 0;
    int percent;

    if (*p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9') {
        if (whole > UINT64_C(1000000000000))
            return 0;
        whole = whole * 10 + (uint64_t)(*p++ - '0');
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9') {
            if (++places > 3)
                return 0;
            milli = milli * 10 + (uint64_t)(*p++ - '0');
        }
    }
    percent = *p == '%';
    if (percent)
        p++;
    if (*p != '\0' || (places != 0 && !percent))
        return 0;
    if (!percent) {
        if (whole == 0)
            return 0;
        *size = whole < population ? whole : population;
        return 1;
    }
    while (places++ < 3)
        milli *= 10;
    milli += whole * 1000;
    if (milli == 0 || milli > 100000)
        return 0;
    if (population == 0) {
        *size = 0;
        return 1;
    }
    /* ceil(population * milli / 100000), never below 1 */
    *size = (population / 100000) * milli
            + ((population % 100000) * milli + 99999) / 100000;
    if (*size < 1)
        *size = 1;
    if (*size > population)
        *size = population;
    return 1;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void sp_sampler_init(SP_SAMPLER *s, uint64_t seed, uint64_t population,
                     uint64_t sample)
{
    s->state = seed;
    s->population = population;
    s->sample = sample < population ? sample : population;
    s->seen = 0;
    s->selected = 0;
}

int sp_sampler_next(SP_SAMPLER *s)
{
    uint64_t left = s->population - s->seen;
    uint64_t need = s->sample - s->selected;
    uint64_t r;

    if (s->seen >= s->population)
        return 0;
    s->seen++;
    if (need == 0)
        return 0;
    /* select with probability need/left: r uniform in [0, left), by
     * rejection so no value is favoured */
    {
        uint64_t limit = UINT64_MAX - UINT64_MAX % left;

        do {
            r = splitmix64(&s->state);
        } while (r >= limit);
        r %= left;
    }
    if (r < need) {
        s->selected++;
        return 1;
    }
    return 0;
}
