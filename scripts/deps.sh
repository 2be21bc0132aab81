#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what smimepolicy needs to build and test on Debian 12 (as root).
set -eu
packages="build-essential autoconf automake autoconf-archive libtool pkg-config
libssl-dev openssl libcunit1-dev
softhsm2 libengine-pkcs11-openssl opensc p11-kit
tpm2-openssl swtpm swtpm-tools tpm2-tools
valgrind
chromium clang libclang-rt-14-dev"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi
