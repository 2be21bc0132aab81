/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SMIMEPOLICY_PROVIDER_H
#define SMIMEPOLICY_PROVIDER_H
#endif
