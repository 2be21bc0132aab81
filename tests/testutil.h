/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SMIMEPOLICY_TESTUTIL_H
#define SMIMEPOLICY_TESTUTIL_H
#include "engine.h"
#endif
