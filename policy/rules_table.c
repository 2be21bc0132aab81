/* SPDX-License-Identifier: Apache-2.0 */
/* The rule table, built from the rows in rules_*.def. */
#include <string.h>

#include "engine.h"

const SP_RULE sp_rules[SP_RULE_COUNT] = {
#define SP_RULE_DEF(id, code, sev, section, ref, summary)                      \
    [id] = {code, sev, section, ref, summary},
#include "rules_list.h"
#undef SP_RULE_DEF
};

int sp_rule_by_code(const char *code)
{
    for (int i = 0; i < SP_RULE_COUNT; i++) {
        if (strcmp(sp_rules[i].code, code) == 0)
            return i;
    }
    return -1;
}
