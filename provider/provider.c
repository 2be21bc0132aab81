/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder: being written */
#include <openssl/core.h>
#include "provider.h"
int OSSL_provider_init(const OSSL_CORE_HANDLE *h, const OSSL_DISPATCH *in, const OSSL_DISPATCH **out, void **ctx);
int OSSL_provider_init(const OSSL_CORE_HANDLE *h, const OSSL_DISPATCH *in, const OSSL_DISPATCH **out, void **ctx) { return 0; }
