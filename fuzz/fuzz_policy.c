/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the policy file loader (sp_policy_load) on arbitrary
 * file contents.
 *
 * The loader takes a path, so each input is written to policy.cnf in a
 * private directory on a tmpfs, next to a copy of the seed CA
 * (issuing-ca.pem) and a second file (extra.cnf) an `.include` can name.
 * A load either gives a policy or NULL with a reason; it must never crash,
 * leak or leave an error on the caller's libcrypto error queue. A policy
 * that loads is used once: a seed TBSCertificate issued by the seed CA
 * is judged with it.
 *
 * The policy file is the CA's own configuration, not attacker input, and
 * a line such as `.include /dev/stdin` or `issuers = /dev/zero` makes any
 * program that reads it block or read forever. Inputs naming a path
 * outside the private directory ("/dev", "/proc", "/sys", "..") are
 * skipped so the fuzzer explores the parser, not the file system.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "engine.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char extra_cnf[] = "[included]\n"
                                "type = mailbox\n"
                                "generation = strict\n"
                                "max_validity = 100\n";

static int mentions(const uint8_t *data, size_t size, const char *what)
{
    size_t n = strlen(what);

    for (size_t i = 0; i + n <= size; i++) {
        if (memcmp(data + i, what, n) == 0)
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SP_VERDICT verdict;
    static int ready;
    char err[SP_POLICY_ERR_MAX];
    const char *path;
    SP_POLICY *pol;
    sp_decision d;

    if (!ready) {
        fuzz_write("extra.cnf", extra_cnf, sizeof(extra_cnf) - 1);
        ready = 1;
    }
    if (mentions(data, size, "/dev") || mentions(data, size, "/proc")
        || mentions(data, size, "/sys") || mentions(data, size, ".."))
        return 0;
    path = fuzz_write("policy.cnf", data, size);
    ERR_clear_error();
    memset(err, 'x', sizeof(err));
    pol = sp_policy_load(path, err, sizeof(err));
    /* The loader reports through err, never on the error queue. */
    if (ERR_peek_error() != 0)
        abort();
    if (memchr(err, '\0', sizeof(err)) == NULL)
        abort();
    if (pol == NULL) {
        /* A refusal always says why. */
        if (err[0] == '\0')
            abort();
        return 0;
    }
    if (sp_policy_sha256(pol) == NULL || sp_policy_path(pol) == NULL)
        abort();
    for (size_t i = 0; i < sp_policy_issuer_count(pol); i++) {
        if (sp_policy_issuer(pol, i) == NULL)
            abort();
    }
    d = sp_judge(pol, fuzz_seed_tbs, fuzz_seed_tbs_len, NULL, &verdict);
    if (d != verdict.decision
        || (d != SP_DECIDE_ACCEPT && d != SP_DECIDE_REFUSE
            && d != SP_DECIDE_WOULD_REFUSE))
        abort();
    sp_policy_free(pol);
    return 0;
}
