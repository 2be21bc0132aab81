/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the strict DER cursor (policy/der.c): every valid form it
 * must accept and every BER or malformed form it must refuse, with the
 * exact error code.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "der.h"
#include "testutil.h"

/* One whole-value case for sp_der_check_strict. */
typedef struct strict_case_st {
    const char *name;
    const char *hex;
    sp_der_err expect;
} STRICT_CASE;

static const STRICT_CASE strict_cases[] = {
    /* valid */
    {"empty sequence", "3000", SP_DER_OK},
    {"integer 0", "020100", SP_DER_OK},
    {"integer 128 with sign octet", "02020080", SP_DER_OK},
    {"integer -1", "0201ff", SP_DER_OK},
    {"integer -129", "0202ff7f", SP_DER_OK},
    {"boolean true", "0101ff", SP_DER_OK},
    {"boolean false", "010100", SP_DER_OK},
    {"null", "0500", SP_DER_OK},
    {"oid rsaEncryption", "06092a864886f70d010101", SP_DER_OK},
    {"bit string empty", "030100", SP_DER_OK},
    {"bit string 2 unused zero", "030206c0", SP_DER_OK},
    {"printable", "130b4578616d706c65204f7267", SP_DER_OK},
    {"utf8 e-acute", "0c02c3a9", SP_DER_OK},
    {"utf8 4-byte", "0c04f09f9880", SP_DER_OK},
    {"ia5 8-bit octet", "160561406222e6", SP_DER_ERR_STRING},
    {"ia5 ok", "1605614062632e", SP_DER_OK},
    {"bmp", "1e0400410042", SP_DER_OK},
    {"utctime", "170d3235303130313030303030305a", SP_DER_OK},
    {"generalizedtime", "180f32303530303130313030303030305a", SP_DER_OK},
    {"leap day 2024", "170d3234303232393030303030305a", SP_DER_OK},
    {"long form length 128", NULL, SP_DER_OK}, /* built in the test */
    {"sorted set", "3106020101020102", SP_DER_OK},
    {"set with equal members", "3106020101020101", SP_DER_OK},
    {"context constructed", "a003020102", SP_DER_OK},
    {"context primitive opaque", "8103ffffff", SP_DER_OK},
    /* BER and malformed */
    {"indefinite length", "3080020100 0000", SP_DER_ERR_INDEFINITE},
    {"non-minimal long form", "30810100", SP_DER_ERR_LENGTH},
    {"leading zero length octet", "3082000100", SP_DER_ERR_LENGTH},
    {"length of 5 octets", "308500000000010000", SP_DER_ERR_LENGTH},
    {"truncated contents", "300502010002", SP_DER_ERR_TRUNCATED},
    {"truncated header", "30", SP_DER_ERR_TRUNCATED},
    {"truncated long length", "3082", SP_DER_ERR_TRUNCATED},
    {"high tag number", "1f2200", SP_DER_ERR_HIGH_TAG},
    {"trailing bytes", "3000 00", SP_DER_ERR_TRAILING},
    {"integer empty", "0200", SP_DER_ERR_INTEGER},
    {"integer leading zero", "02020001", SP_DER_ERR_INTEGER},
    {"integer leading ff", "0202ff80", SP_DER_ERR_INTEGER},
    {"enumerated non-minimal", "0a020001", SP_DER_ERR_INTEGER},
    {"boolean 01 (BER true)", "010101", SP_DER_ERR_BOOLEAN},
    {"boolean two octets", "010200ff", SP_DER_ERR_BOOLEAN},
    {"null with content", "050100", SP_DER_ERR_NULL},
    {"oid empty", "0600", SP_DER_ERR_OID},
    {"oid leading 0x80", "0603808001", SP_DER_ERR_OID},
    {"oid unterminated", "06022a86", SP_DER_ERR_OID},
    {"oid 80 inside an arc", "06042a818001", SP_DER_OK},
    {"oid 80 ending an arc", "06032a8180", SP_DER_ERR_OID},
    {"oid 80 starting a later arc", "06042a800101", SP_DER_ERR_OID},
    {"oid 80 after a terminated arc", "06052a818001 80", SP_DER_ERR_OID},
    {"bit string no octets", "0300", SP_DER_ERR_BIT_STRING},
    {"bit string unused 8", "030208ff", SP_DER_ERR_BIT_STRING},
    {"bit string unused with empty", "030107", SP_DER_ERR_BIT_STRING},
    {"bit string pad bits set", "030201ff", SP_DER_ERR_BIT_STRING},
    {"constructed octet string", "2403040100", SP_DER_ERR_CONSTRUCTED},
    {"primitive sequence", "1003020100", SP_DER_ERR_CONSTRUCTED},
    {"printable with @", "1303614062", SP_DER_ERR_STRING},
    {"printable with *", "13012a", SP_DER_ERR_STRING},
    {"utf8 overlong", "0c02c0af", SP_DER_ERR_STRING},
    {"utf8 surrogate", "0c03eda080", SP_DER_ERR_STRING},
    {"utf8 truncated", "0c02e282", SP_DER_ERR_STRING},
    {"utf8 nul", "0c0100", SP_DER_ERR_STRING},
    {"utf8 above U+10FFFF", "0c04f4908080", SP_DER_ERR_STRING},
    {"ia5 8-bit", "160180", SP_DER_ERR_STRING},
    {"bmp odd length", "1e03004100", SP_DER_ERR_STRING},
    {"visible control", "1a010a", SP_DER_ERR_STRING},
    {"numeric digit", "120131", SP_DER_OK},
    {"numeric bad", "120141", SP_DER_ERR_STRING},
    {"utctime no seconds", "170b323530313031303030305a", SP_DER_ERR_TIME},
    {"utctime offset", "1711323530313031303030303030 2b30313030",
     SP_DER_ERR_TIME},
    {"utctime month 13", "170d3235313330313030303030305a", SP_DER_ERR_TIME},
    {"utctime feb 29 non-leap", "170d3235303232393030303030305a",
     SP_DER_ERR_TIME},
    {"utctime second 60", "170d3235303130313030303036305a", SP_DER_ERR_TIME},
    {"generalizedtime fraction", "18113230323530313031303030303030 2e355a",
     SP_DER_ERR_TIME},
    {"generalizedtime local", "180e3230323530313031303030303030",
     SP_DER_ERR_TIME},
    {"unsorted set", "3106020102020101", SP_DER_ERR_ORDER},
    {"unknown universal (REAL)", "090100", SP_DER_ERR_UNEXPECTED_TAG},
    {"nested bad boolean", "3005a003010101", SP_DER_ERR_BOOLEAN},
};

static void test_check_strict_table(void)
{
    for (size_t i = 0; i < sizeof(strict_cases) / sizeof(strict_cases[0]);
         i++) {
        const STRICT_CASE *c = &strict_cases[i];
        uint8_t *buf;
        size_t len;
        SP_DER in;
        sp_der_err got;

        if (c->hex == NULL)
            continue;
        buf = tu_hex(c->hex, &len);
        sp_der_init(&in, buf, len);
        got = sp_der_check_strict(&in);
        if (got != c->expect)
            fprintf(stderr, "\n  case '%s': got %s, expected %s\n", c->name,
                    sp_der_strerror(got), sp_der_strerror(c->expect));
        CU_ASSERT_EQUAL(got, c->expect);
        OPENSSL_free(buf);
    }
}

static void test_long_form_lengths(void)
{
    uint8_t buf[300];
    SP_DER in, body;
    unsigned tag;

    /* 128 content octets need the one-octet long form 81 80. */
    memset(buf, 0, sizeof(buf));
    buf[0] = SP_TAG_OCTET_STRING;
    buf[1] = 0x81;
    buf[2] = 0x80;
    sp_der_init(&in, buf, 3 + 128);
    CU_ASSERT_EQUAL(sp_der_check_strict(&in), SP_DER_OK);
    CU_ASSERT_EQUAL(sp_der_get_any(&in, &tag, &body, NULL), SP_DER_OK);
    CU_ASSERT_EQUAL(body.len, 128);
    CU_ASSERT_TRUE(sp_der_empty(&in));

    /* 127 octets in the long form is not minimal. */
    buf[2] = 0x7f;
    sp_der_init(&in, buf, 3 + 127);
    CU_ASSERT_EQUAL(sp_der_check_strict(&in), SP_DER_ERR_LENGTH);

    /* 256 octets: 82 01 00. */
    buf[1] = 0x82;
    buf[2] = 0x01;
    buf[3] = 0x00;
    sp_der_init(&in, buf, 4 + 256);
    CU_ASSERT_EQUAL(sp_der_check_strict(&in), SP_DER_OK);
}

static void test_cursor_moves_only_on_success(void)
{
    uint8_t *buf;
    size_t len;
    SP_DER cur, body, save;
    int present = -1, value = -1;

    buf = tu_hex("010101 020100", &len);
    sp_der_init(&cur, buf, len);
    save = cur;
    /* A BER BOOLEAN is refused and the cursor stays put. */
    CU_ASSERT_EQUAL(sp_der_get_bool(&cur, &value), SP_DER_ERR_BOOLEAN);
    CU_ASSERT_PTR_EQUAL(cur.data, save.data);
    CU_ASSERT_EQUAL(cur.len, save.len);
    /* Asking for the wrong tag does not move either. */
    CU_ASSERT_EQUAL(sp_der_get(&cur, SP_TAG_INTEGER, &body),
                    SP_DER_ERR_UNEXPECTED_TAG);
    CU_ASSERT_EQUAL(cur.len, save.len);
    /* An optional element that is absent is fine and does not move. */
    CU_ASSERT_EQUAL(sp_der_get_optional(&cur, SP_TAG_NULL, &body, &present),
                    SP_DER_OK);
    CU_ASSERT_EQUAL(present, 0);
    CU_ASSERT_EQUAL(cur.len, save.len);
    OPENSSL_free(buf);

    buf = tu_hex("0101ff 0500", &len);
    sp_der_init(&cur, buf, len);
    CU_ASSERT_EQUAL(sp_der_get_bool(&cur, &value), SP_DER_OK);
    CU_ASSERT_EQUAL(value, 1);
    CU_ASSERT_EQUAL(sp_der_get_optional(&cur, SP_TAG_NULL, &body, &present),
                    SP_DER_OK);
    CU_ASSERT_EQUAL(present, 1);
    CU_ASSERT_TRUE(sp_der_empty(&cur));
    CU_ASSERT_EQUAL(sp_der_peek_tag(&cur), 0);
    CU_ASSERT_EQUAL(sp_der_get_null(&cur), SP_DER_ERR_TRUNCATED);
    OPENSSL_free(buf);
}

static void test_primitive_getters(void)
{
    uint8_t *buf;
    size_t len;
    SP_DER cur, view;
    uint64_t u = 0;
    unsigned unused = 99;

    buf = tu_hex("020200ff 0201ff 0209010000000000000000 0500 030206c0", &len);
    sp_der_init(&cur, buf, len);
    CU_ASSERT_EQUAL(sp_der_get_uint64(&cur, &u), SP_DER_OK);
    CU_ASSERT_EQUAL(u, 255);
    /* Negative is out of range for an unsigned read, and not consumed. */
    CU_ASSERT_EQUAL(sp_der_get_uint64(&cur, &u), SP_DER_ERR_RANGE);
    CU_ASSERT_EQUAL(sp_der_get_integer(&cur, &view), SP_DER_OK);
    /* 2^64 does not fit. */
    CU_ASSERT_EQUAL(sp_der_get_uint64(&cur, &u), SP_DER_ERR_RANGE);
    CU_ASSERT_EQUAL(sp_der_get_integer(&cur, &view), SP_DER_OK);
    CU_ASSERT_EQUAL(view.len, 9);
    CU_ASSERT_EQUAL(sp_der_get_null(&cur), SP_DER_OK);
    CU_ASSERT_EQUAL(sp_der_get_bit_string(&cur, &view, &unused), SP_DER_OK);
    CU_ASSERT_EQUAL(unused, 6);
    CU_ASSERT_EQUAL(view.len, 1);
    CU_ASSERT_EQUAL(view.data[0], 0xc0);
    OPENSSL_free(buf);
}

static void test_time_values(void)
{
    static const struct {
        const char *hex;
        int64_t secs;
    } ok[] = {
        /* 250101000000Z = 2025-01-01T00:00:00Z */
        {"170d3235303130313030303030305a", INT64_C(1735689600)},
        /* 500101000000Z in UTCTime is 1950 */
        {"170d3530303130313030303030305a", INT64_C(-631152000)},
        /* 491231235959Z is 2049-12-31T23:59:59Z */
        {"170d3439313233313233353935395a", INT64_C(2524607999)},
        /* 20500101000000Z */
        {"180f32303530303130313030303030305a", INT64_C(2524608000)},
    };

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        size_t len;
        uint8_t *buf = tu_hex(ok[i].hex, &len);
        SP_DER cur;
        int64_t secs = 0;
        unsigned tag = 0;

        sp_der_init(&cur, buf, len);
        CU_ASSERT_EQUAL(sp_der_get_time(&cur, &secs, &tag), SP_DER_OK);
        CU_ASSERT_EQUAL(secs, ok[i].secs);
        CU_ASSERT_EQUAL(tag, buf[0]);
        OPENSSL_free(buf);
    }
}

static void test_time_text(void)
{
    char buf[32];
    int64_t t = 0;

    sp_time_to_text(INT64_C(1752537600), buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2025-07-15T00:00:00Z");
    CU_ASSERT_TRUE(sp_time_from_text("2025-07-15", &t));
    CU_ASSERT_EQUAL(t, INT64_C(1752537600));
    CU_ASSERT_TRUE(sp_time_from_text("2025-07-15T01:02:03Z", &t));
    CU_ASSERT_EQUAL(t, INT64_C(1752537600) + 3723);
    CU_ASSERT_TRUE(sp_time_from_text("@86400", &t));
    CU_ASSERT_EQUAL(t, 86400);
    CU_ASSERT_FALSE(sp_time_from_text("2025-02-29", &t));
    CU_ASSERT_FALSE(sp_time_from_text("2025-7-15", &t));
    CU_ASSERT_FALSE(sp_time_from_text("2025-07-15T25:00:00Z", &t));
    CU_ASSERT_FALSE(sp_time_from_text("@12x", &t));
    CU_ASSERT_FALSE(sp_time_from_text("", &t));
    sp_time_to_text(-1, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1969-12-31T23:59:59Z");
}

static void test_oid_text(void)
{
    static const struct {
        const char *text;
        const char *hex;
    } cases[] = {
        {"1.2.840.113549.1.1.11", "2a864886f70d01010b"},
        {"2.23.140.1.5.1.3", "67810c0105 0103"},
        {"2.5.29.37.0", "551d2500"},
        {"1.3.101.112", "2b6570"},
        {"2.999.3", "883703"},
        {"0.9.2342.19200300.100.1.25", "0992268993f22c640119"},
    };
    char text[128];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len, n;
        uint8_t *want = tu_hex(cases[i].hex, &len);
        uint8_t out[64];
        SP_DER view;

        n = sp_der_oid_from_text(cases[i].text, out, sizeof(out));
        CU_ASSERT_EQUAL(n, len);
        CU_ASSERT_TRUE(n == len && memcmp(out, want, len) == 0);
        sp_der_init(&view, want, len);
        CU_ASSERT_STRING_EQUAL(sp_der_oid_to_text(&view, text, sizeof(text)),
                               cases[i].text);
        OPENSSL_free(want);
    }
    {
        uint8_t out[4];

        CU_ASSERT_EQUAL(sp_der_oid_from_text("1", out, sizeof(out)), 0);
        CU_ASSERT_EQUAL(sp_der_oid_from_text("3.1", out, sizeof(out)), 0);
        CU_ASSERT_EQUAL(sp_der_oid_from_text("1.40", out, sizeof(out)), 0);
        CU_ASSERT_EQUAL(sp_der_oid_from_text("1.2.", out, sizeof(out)), 0);
        CU_ASSERT_EQUAL(sp_der_oid_from_text("1.02", out, sizeof(out)), 0);
        CU_ASSERT_EQUAL(sp_der_oid_from_text("1.2.x", out, sizeof(out)), 0);
        /* Too long for the output buffer. */
        CU_ASSERT_EQUAL(
            sp_der_oid_from_text("1.2.840.113549.1", out, sizeof(out)), 0);
    }
}

static void test_depth_limit(void)
{
    uint8_t buf[200];
    size_t depth = 40;
    SP_DER in;

    /* 40 nested empty-ish SEQUENCEs: 30 xx 30 xx ... 30 00 */
    for (size_t i = 0; i < depth; i++) {
        buf[2 * i] = 0x30;
        buf[2 * i + 1] = (uint8_t)(2 * (depth - 1 - i));
    }
    sp_der_init(&in, buf, 2 * depth);
    CU_ASSERT_EQUAL(sp_der_check_strict(&in), SP_DER_ERR_LIMIT);
    depth = 10;
    for (size_t i = 0; i < depth; i++) {
        buf[2 * i] = 0x30;
        buf[2 * i + 1] = (uint8_t)(2 * (depth - 1 - i));
    }
    sp_der_init(&in, buf, 2 * depth);
    CU_ASSERT_EQUAL(sp_der_check_strict(&in), SP_DER_OK);
}

static void test_strerror_and_equal(void)
{
    SP_DER a, b;
    static const uint8_t x[] = {1, 2, 3}, y[] = {1, 2, 3};

    for (int e = SP_DER_OK; e <= SP_DER_ERR_LIMIT; e++)
        CU_ASSERT_PTR_NOT_NULL(sp_der_strerror((sp_der_err)e));
    CU_ASSERT_STRING_EQUAL(sp_der_strerror((sp_der_err)999),
                           "unknown DER error");
    sp_der_init(&a, x, 3);
    sp_der_init(&b, y, 3);
    CU_ASSERT_TRUE(sp_der_equal(&a, &b));
    b.len = 2;
    CU_ASSERT_FALSE(sp_der_equal(&a, &b));
    CU_ASSERT_TRUE(sp_der_equal_bytes(&a, y, 3));
    {
        static const uint8_t last[] = {1, 2, 4}, first[] = {0, 2, 3};

        b.len = 3;
        CU_ASSERT_TRUE(sp_der_equal(&a, &b));
        CU_ASSERT_FALSE(sp_der_equal_bytes(&a, last, 3));
        CU_ASSERT_FALSE(sp_der_equal_bytes(&a, first, 3));
        sp_der_init(&b, first, 3);
        CU_ASSERT_FALSE(sp_der_equal(&a, &b));
        sp_der_init(&b, NULL, 0);
        sp_der_init(&a, NULL, 0);
        CU_ASSERT_TRUE(sp_der_equal(&a, &b));
    }
    CU_ASSERT_TRUE(sp_der_is_string_tag(SP_TAG_UTF8STRING));
    CU_ASSERT_FALSE(sp_der_is_string_tag(SP_TAG_OCTET_STRING));
    CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_OCTET_STRING, &a),
                    SP_DER_ERR_UNEXPECTED_TAG);
}

/* The word-at-a-time ASCII checks of UTF8String and IA5String: a NUL, a
 * byte above 7F or a UTF-8 sequence at every position of strings longer
 * than one word, and the depth limit at its exact bound. */
static void test_strings_every_position(void)
{
    uint8_t buf[40];
    SP_DER v;

    for (size_t len = 1; len <= 24; len++) {
        memset(buf, 'a', sizeof(buf));
        sp_der_init(&v, buf, len);
        CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_UTF8STRING, &v), SP_DER_OK);
        CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_IA5STRING, &v), SP_DER_OK);
        for (size_t pos = 0; pos < len; pos++) {
            memset(buf, 'a', sizeof(buf));
            buf[pos] = 0;
            CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_UTF8STRING, &v),
                            SP_DER_ERR_STRING);
            CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_IA5STRING, &v),
                            SP_DER_ERR_STRING);
            buf[pos] = 0x80;
            CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_UTF8STRING, &v),
                            SP_DER_ERR_STRING);
            CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_IA5STRING, &v),
                            SP_DER_ERR_STRING);
            buf[pos] = 0x7f;
            CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_UTF8STRING, &v),
                            SP_DER_OK);
            CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_IA5STRING, &v),
                            SP_DER_OK);
            if (pos + 1 < len) {
                buf[pos] = 0xc3; /* U+00E9 */
                buf[pos + 1] = 0xa9;
                CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_UTF8STRING, &v),
                                SP_DER_OK);
                CU_ASSERT_EQUAL(sp_der_check_string(SP_TAG_IA5STRING, &v),
                                SP_DER_ERR_STRING);
            }
        }
    }
    {
        uint8_t nest[80];
        SP_DER in;

        /* 32 nested SEQUENCEs are the most the walk follows */
        for (size_t depth = 32; depth <= 33; depth++) {
            for (size_t i = 0; i < depth; i++) {
                nest[2 * i] = 0x30;
                nest[2 * i + 1] = (uint8_t)(2 * (depth - 1 - i));
            }
            sp_der_init(&in, nest, 2 * depth);
            CU_ASSERT_EQUAL(sp_der_check_strict(&in),
                            depth == 32 ? SP_DER_OK : SP_DER_ERR_LIMIT);
        }
    }
}

/* sp_der_check_oid looks for an octet 80 a word at a time: an 80 and
 * other octets with the top bit set at every position of OIDs of 1 to 24
 * octets, each against the byte-by-byte rule it stands for. */
static sp_der_err oid_rule(const uint8_t *p, size_t n)
{
    int at_start = 1;

    if (n == 0)
        return SP_DER_ERR_OID;
    for (size_t i = 0; i < n; i++) {
        if (at_start && p[i] == 0x80u)
            return SP_DER_ERR_OID;
        at_start = (p[i] & 0x80u) == 0;
    }
    return at_start ? SP_DER_OK : SP_DER_ERR_OID;
}

static void test_oid_every_position(void)
{
    static const uint8_t fill[] = {0x2a, 0x86, 0x7f, 0x81, 0x00, 0xff};
    uint8_t buf[32];
    SP_DER v;

    for (size_t len = 1; len <= 24; len++) {
        for (size_t f = 0; f < sizeof(fill); f++) {
            memset(buf, 0x2a, sizeof(buf));
            for (size_t i = 0; i < len; i++)
                buf[i] = (i % 3 == 1) ? fill[f] : 0x2a;
            sp_der_init(&v, buf, len);
            CU_ASSERT_EQUAL(sp_der_check_oid(&v), oid_rule(buf, len));
            for (size_t pos = 0; pos < len; pos++) {
                uint8_t saved = buf[pos];

                buf[pos] = 0x80;
                CU_ASSERT_EQUAL(sp_der_check_oid(&v), oid_rule(buf, len));
                /* an 80 only after a byte with the top bit set is valid */
                if (pos > 0) {
                    uint8_t before = buf[pos - 1];

                    buf[pos - 1] = 0x81;
                    CU_ASSERT_EQUAL(sp_der_check_oid(&v), oid_rule(buf, len));
                    buf[pos - 1] = before;
                }
                buf[pos] = saved;
            }
        }
    }
    /* an 80 right after the OID is not part of it */
    memset(buf, 0x2a, sizeof(buf));
    buf[9] = 0x80;
    for (size_t len = 1; len <= 9; len++) {
        sp_der_init(&v, buf, len);
        CU_ASSERT_EQUAL(sp_der_check_oid(&v), SP_DER_OK);
    }
}

int main(void)
{
    static const TU_TEST tests[] = {
        {"check_strict table", test_check_strict_table},
        {"long-form lengths", test_long_form_lengths},
        {"cursor moves only on success", test_cursor_moves_only_on_success},
        {"primitive getters", test_primitive_getters},
        {"time values", test_time_values},
        {"time text", test_time_text},
        {"oid text", test_oid_text},
        {"depth limit", test_depth_limit},
        {"strerror and equal", test_strerror_and_equal},
        {"strings at every position", test_strings_every_position},
        {"oid 80 at every position", test_oid_every_position},
        {NULL, NULL},
    };

    tu_init();
    tu_add_suite("der", tests);
    return tu_run();
}
