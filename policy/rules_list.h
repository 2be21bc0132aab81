/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The list of rules, as X-macro rows:
 *   SP_RULE_DEF(id, "code", severity, "SBR section", "checklist ref", "summary")
 * Included with SP_RULE_DEF defined by the includer (engine.h builds the
 * enum, rules_table.c the table). Codes are stable: never rename one, add
 * a new row instead. No include guard on purpose.
 */
#include "rules_core.def"
#include "rules_names.def"
#include "rules_ca.def"
