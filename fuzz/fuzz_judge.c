/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: arbitrary bytes through the gate the provider applies
 * on every signing call (strict DER check, classification, decoding and
 * all rules). Must never crash, read out of bounds or leak, whatever the
 * input; a decision must always be made.
 *
 * Build and run (clang with libFuzzer):
 *   make -C fuzz        (see fuzz/README.md)
 */
#include <stdint.h>
#include <stdlib.h>

#include "engine.h"
#include "policy_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SP_POLICY *pol, *ca_pol;
    static SP_VERDICT verdict;
    SP_JUDGE_OPTS opts = {SP_AT_NOTBEFORE, NULL, 0};
    sp_decision d;

    if (pol == NULL) {
        char err[SP_POLICY_ERR_MAX];

        pol = sp_policy_new_default(err, sizeof(err));
        ca_pol = sp_policy_new_default(err, sizeof(err));
        if (pol == NULL || ca_pol == NULL)
            abort();
        /* Roles on: CA and responder certificates take the CA rules. */
        ca_pol->ca.enabled = 1;
        ca_pol->ca.responders_allowed = 1;
        ca_pol->ca.responder_max_secs = 90 * 86400;
    }
    for (int i = 0; i < 2; i++) {
        d = sp_judge(i == 0 ? pol : ca_pol, data, size, &opts, &verdict);
        /* Anything the decoder refused must be refused. */
        if (verdict.decode_failed && d != SP_DECIDE_REFUSE)
            abort();
        if (d != SP_DECIDE_ACCEPT && d != SP_DECIDE_REFUSE
            && d != SP_DECIDE_WOULD_REFUSE)
            abort();
    }
    return 0;
}
