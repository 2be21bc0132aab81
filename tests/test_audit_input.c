/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the audit's input path (tools/audit_input.c): the sample
 * size in integers, the selection sampler (exact size, reproducible,
 * seed-dependent, unbiased), the strict in-place PEM decoder and the
 * index.txt line parser, each with the malformed forms it must refuse.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "audit_cmd.h"
#include "testutil.h"

/* ------------------------------------------------------------ sizes */

static void test_sample_size(void)
{
    static const struct {
        const char *spec;
        uint64_t population, expect;
    } ok[] = {
        {"3%", 10000, 300}, {"3%", 10001, 301},   {"3%", 101, 4},
        {"3%", 10, 1},      {"3%", 1, 1},         {"3%", 0, 0},
        {"2.5%", 1000, 25}, {"0.001%", 10000, 1}, {"0.5%", 1000, 5},
        {"100%", 77, 77},   {"10", 5, 5},         {"10", 50, 10},
        {"33.333%", 3, 1},  {"1%", 100000, 1000},
    };
    static const char *const bad[] = {
        "",     "%",   "abc",     "3.1234%",
        "101%", "0%",  "0",       "3.5",
        "-1",   "3%%", "3 %",     ".5%",
        "5.%",  "1e3", "0.0000%", "99999999999999999999"};
    uint64_t n;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        n = 12345;
        CU_ASSERT_TRUE(sp_sample_size(ok[i].spec, ok[i].population, &n));
        if (n != ok[i].expect)
            fprintf(stderr, "%s of %llu: %llu, not %llu\n", ok[i].spec,
                    (unsigned long long)ok[i].population, (unsigned long long)n,
                    (unsigned long long)ok[i].expect);
        CU_ASSERT_EQUAL(n, ok[i].expect);
    }
    /* exact in integers where a double would round up: 3% of 2^40 */
    CU_ASSERT_TRUE(sp_sample_size("3%", UINT64_C(1) << 40, &n));
    CU_ASSERT_EQUAL(n, ((UINT64_C(3) << 40) + 99) / 100);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_FALSE(sp_sample_size(bad[i], 1000, &n));
    }
}

/* ------------------------------------------------------------ sampler */

static size_t run_sampler(uint64_t seed, uint64_t population, uint64_t size,
                          unsigned char *picked)
{
    SP_SAMPLER s;
    size_t count = 0;

    sp_sampler_init(&s, seed, population, size);
    for (uint64_t i = 0; i < population; i++) {
        picked[i] = (unsigned char)sp_sampler_next(&s);
        count += picked[i];
    }
    /* past the end nothing more is picked */
    CU_ASSERT_FALSE(sp_sampler_next(&s));
    return count;
}

static void test_sampler_exact_and_reproducible(void)
{
    unsigned char *a = calloc(10000, 1), *b = calloc(10000, 1);

    CU_ASSERT_FATAL(a != NULL && b != NULL);
    CU_ASSERT_EQUAL(run_sampler(1, 10000, 300, a), 300);
    CU_ASSERT_EQUAL(run_sampler(1, 10000, 300, b), 300);
    CU_ASSERT_EQUAL(memcmp(a, b, 10000), 0);
    CU_ASSERT_EQUAL(run_sampler(2, 10000, 300, b), 300);
    CU_ASSERT_NOT_EQUAL(memcmp(a, b, 10000), 0);
    CU_ASSERT_EQUAL(run_sampler(9, 10000, 0, a), 0);
    CU_ASSERT_EQUAL(run_sampler(9, 10000, 10000, a), 10000);
    CU_ASSERT_EQUAL(run_sampler(9, 10, 50, a), 10);
    CU_ASSERT_EQUAL(run_sampler(9, 0, 5, a), 0);
    free(a);
    free(b);
}

/* Every position equally likely: 3 of 10 over 6,000 seeds picks each
 * position about 1,800 times (binomial, sd about 35). */
static void test_sampler_uniform(void)
{
    unsigned char picked[10];
    unsigned hits[10] = {0};

    for (uint64_t seed = 0; seed < 6000; seed++) {
        CU_ASSERT_EQUAL(run_sampler(seed, 10, 3, picked), 3);
        for (int i = 0; i < 10; i++)
            hits[i] += picked[i];
    }
    for (int i = 0; i < 10; i++) {
        CU_ASSERT(hits[i] > 1650 && hits[i] < 1950);
    }
}

/* ------------------------------------------------------------ PEM */

static size_t make_pem(char *out, size_t outlen, const char *before,
                       const char *label, const uint8_t *der, size_t len,
                       const char *eol)
{
    size_t o = (size_t)snprintf(out, outlen, "%s-----BEGIN %s-----%s", before,
                                label, eol);

    for (size_t i = 0; i < len; i += 48) {
        size_t n = len - i < 48 ? len - i : 48;

        o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, der + i, (int)n);
        o += (size_t)snprintf(out + o, outlen - o, "%s", eol);
    }
    o +=
        (size_t)snprintf(out + o, outlen - o, "-----END %s-----%s", label, eol);
    return o;
}

static void test_pem_decode(void)
{
    uint8_t der[1000];
    char text[4096];
    SP_PEM_BLOCK b;
    char err[256];
    size_t pos = 0, len;

    for (size_t i = 0; i < sizeof(der); i++)
        der[i] = (uint8_t)(i * 7 + 3);
    /* each length mod 3, LF and CRLF, text before the block */
    for (size_t n = 1; n <= 100; n++) {
        for (int crlf = 0; crlf < 2; crlf++) {
            len = make_pem(text, sizeof(text), "Certificate:\n    Data: x\n",
                           "CERTIFICATE", der, n, crlf ? "\r\n" : "\n");
            pos = 0;
            CU_ASSERT_EQUAL_FATAL(
                sp_pem_next((uint8_t *)text, len, &pos, &b, err, sizeof(err)),
                1);
            CU_ASSERT_EQUAL(b.der_len, n);
            CU_ASSERT_EQUAL(memcmp(b.der, der, n), 0);
            CU_ASSERT_EQUAL(b.label_len, 11);
            CU_ASSERT_EQUAL(memcmp(b.label, "CERTIFICATE", 11), 0);
            CU_ASSERT_EQUAL(pos, len);
            CU_ASSERT_EQUAL(
                sp_pem_next((uint8_t *)text, len, &pos, &b, err, sizeof(err)),
                0);
        }
    }
    /* a bundle of two: both, in order */
    len = make_pem(text, sizeof(text), "", "CERTIFICATE", der, 300, "\n");
    len += make_pem(text + len, sizeof(text) - len, "", "X509 CRL", der + 1,
                    200, "\n");
    CU_ASSERT_TRUE(sp_pem_present((uint8_t *)text, len));
    pos = 0;
    CU_ASSERT_EQUAL(
        sp_pem_next((uint8_t *)text, len, &pos, &b, err, sizeof(err)), 1);
    CU_ASSERT_EQUAL(b.der_len, 300);
    CU_ASSERT_EQUAL(memcmp(b.der, der, 300), 0);
    CU_ASSERT_EQUAL(
        sp_pem_next((uint8_t *)text, len, &pos, &b, err, sizeof(err)), 1);
    CU_ASSERT_EQUAL(b.der_len, 200);
    CU_ASSERT_EQUAL(memcmp(b.der, der + 1, 200), 0);
    CU_ASSERT_EQUAL(b.label_len, 8);
    CU_ASSERT_FALSE(sp_pem_present(der, 100));
}

static void test_pem_malformed(void)
{
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        {"-----BEGIN CERTIFICATE-----\nQUJD\n", "truncated PEM: no END line"},
        {"-----BEGIN CERTIFICATE-----\nQU*D\n-----END CERTIFICATE-----\n",
         "invalid character '*' (0x2a)"},
        {"-----BEGIN CERTIFICATE-----\nQQ==QUJD\n-----END CERTIFICATE-----\n",
         "base64 text after '='"},
        {"-----BEGIN CERTIFICATE-----\nQ===\n-----END CERTIFICATE-----\n",
         "misplaced '='"},
        {"-----BEGIN CERTIFICATE-----\nQUJD=\n-----END CERTIFICATE-----\n",
         "misplaced '='"},
        {"-----BEGIN CERTIFICATE-----\nQUJDQ\n-----END CERTIFICATE-----\n",
         "truncated base64"},
        {"-----BEGIN CERTIFICATE-----\nQR==\n-----END CERTIFICATE-----\n",
         "bad base64 end"},
        {"-----BEGIN CERTIFICATE-----\nQUI=\n-----END CERTIFICATE-----\n",
         NULL},
        {"-----BEGIN CERTIFICATE-----\nQUJ=\n-----END CERTIFICATE-----\n",
         "bad base64 end"},
        {"-----BEGIN CERTIFICATE-----\nQUJD\n-----END X509 CRL-----\n",
         "END line does not match"},
        {"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nQUJD\n"
         "-----END CERTIFICATE-----\n",
         "PEM headers are not allowed"},
        {"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
         "empty PEM block"},
        {"-----BEGIN CERTIFICATE\nQUJD\n-----END CERTIFICATE-----\n",
         "malformed PEM BEGIN line"},
        {"-----BEGIN -----\nQUJD\n-----END -----\n",
         "malformed PEM BEGIN line"},
        {"-----BEGIN CERTIFICATE-----\nQU-JD\n-----END CERTIFICATE-----\n",
         "invalid character '-' (0x2d)"},
    };
    char buf[256], err[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SP_PEM_BLOCK b;
        size_t pos = 0, len = strlen(cases[i].text);
        int rc;

        memcpy(buf, cases[i].text, len);
        err[0] = '\0';
        rc = sp_pem_next((uint8_t *)buf, len, &pos, &b, err, sizeof(err));
        if (cases[i].error == NULL) {
            CU_ASSERT_EQUAL(rc, 1);
            CU_ASSERT_EQUAL(b.der_len, 2);
            continue;
        }
        CU_ASSERT_EQUAL(rc, -1);
        if (strstr(err, cases[i].error) == NULL)
            fprintf(stderr, "case %zu: \"%s\" lacks \"%s\"\n", i, err,
                    cases[i].error);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].error));
    }
}

/* ------------------------------------------------------------ index.txt */

static void test_index_lines(void)
{
    static const struct {
        const char *line;
        const char *error; /* NULL: valid */
    } cases[] = {
        {"V\t270101000000Z\t\t5A01\tunknown\t/CN=a@example.com", NULL},
        {"V\t20500101000000Z\t\t5A01\tunknown\t/CN=a", NULL},
        {"R\t270101000000Z\t260301000000Z,keyCompromise\t5A01\tunknown\t/CN=a",
         NULL},
        {"R\t270101000000Z\t260301000000Z\t5A01\tunknown\t/CN=a", NULL},
        {"E\t250101000000Z\t\t5A01\tunknown\t/CN=a", NULL},
        {"V\t270101000000Z\t\t5A01\tunknown", "5 tab-separated fields"},
        {"V\t270101000000Z\t\t5A01\tunknown\t/CN=a\textra", "more than 6"},
        {"", "1 tab-separated field,"},
        {"X\t270101000000Z\t\t5A01\tunknown\t/CN=a", "status \"X\""},
        {"VV\t270101000000Z\t\t5A01\tunknown\t/CN=a", "status \"VV\""},
        {"V\t2701010000Z\t\t5A01\tunknown\t/CN=a", "expiry"},
        {"V\t27010100000aZ\t\t5A01\tunknown\t/CN=a", "expiry"},
        {"R\t270101000000Z\t\t5A01\tunknown\t/CN=a", "revocation time"},
        {"V\t270101000000Z\t260301000000Z\t5A01\tunknown\t/CN=a",
         "revocation field set on a V entry"},
        {"V\t270101000000Z\t\t5a01\tunknown\t/CN=a", "not upper-case hex"},
        {"V\t270101000000Z\t\t\tunknown\t/CN=a", "not upper-case hex"},
        {"V\t270101000000Z\t\t../../etc/passwd\tunknown\t/CN=a",
         "not upper-case hex"},
    };
    char line[256], err[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SP_INDEX_ENTRY e;
        int ok;

        snprintf(line, sizeof(line), "%s", cases[i].line);
        err[0] = '\0';
        ok = sp_index_parse_line(line, &e, err, sizeof(err));
        if (cases[i].error == NULL) {
            CU_ASSERT_TRUE(ok);
            CU_ASSERT_STRING_EQUAL(e.serial, "5A01");
            CU_ASSERT_STRING_EQUAL(e.filename, "unknown");
            CU_ASSERT_EQUAL(e.status, cases[i].line[0]);
            continue;
        }
        CU_ASSERT_FALSE(ok);
        if (strstr(err, cases[i].error) == NULL)
            fprintf(stderr, "line %zu: \"%s\" lacks \"%s\"\n", i, err,
                    cases[i].error);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].error));
    }
}

/* ------------------------------------------------------------ files */

static void test_read_file(void)
{
    SP_READBUF rb = {NULL, 0};
    char path[] = "/tmp/sp-audit-input-XXXXXX", err[256];
    size_t len = 0;
    int fd = mkstemp(path);
    uint8_t big[100000];

    CU_ASSERT_FATAL(fd >= 0);
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    CU_ASSERT_EQUAL(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
    close(fd);
    CU_ASSERT_TRUE(sp_read_file(&rb, path, &len, err, sizeof(err)));
    CU_ASSERT_EQUAL(len, sizeof(big));
    CU_ASSERT_EQUAL(memcmp(rb.data, big, sizeof(big)), 0);
    /* the buffer is reused, not reallocated, for a smaller file */
    {
        uint8_t *before = rb.data;

        fd = open(path, O_WRONLY | O_TRUNC);
        CU_ASSERT_EQUAL(write(fd, "abc", 3), 3);
        close(fd);
        CU_ASSERT_TRUE(sp_read_file(&rb, path, &len, err, sizeof(err)));
        CU_ASSERT_EQUAL(len, 3);
        CU_ASSERT_PTR_EQUAL(rb.data, before);
    }
    fd = open(path, O_WRONLY | O_TRUNC);
    close(fd);
    CU_ASSERT_FALSE(sp_read_file(&rb, path, &len, err, sizeof(err)));
    CU_ASSERT_STRING_EQUAL(err, "empty file");
    unlink(path);
    CU_ASSERT_FALSE(sp_read_file(&rb, path, &len, err, sizeof(err)));
    CU_ASSERT_STRING_EQUAL(err, "No such file or directory");
    CU_ASSERT_FALSE(sp_read_file(&rb, "/tmp", &len, err, sizeof(err)));
    CU_ASSERT_STRING_EQUAL(err, "is a directory");
    sp_readbuf_free(&rb);
}

int main(void)
{
    static const TU_TEST tests[] = {
        {"sample size", test_sample_size},
        {"sampler exact and reproducible", test_sampler_exact_and_reproducible},
        {"sampler uniform", test_sampler_uniform},
        {"PEM decode", test_pem_decode},
        {"PEM malformed", test_pem_malformed},
        {"index.txt lines", test_index_lines},
        {"read file", test_read_file},
        {NULL, NULL},
    };

    tu_init();
    tu_add_suite("audit input", tests);
    return tu_run();
}
