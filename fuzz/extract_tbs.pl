#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Read a DER Certificate on stdin, print its TBSCertificate (the first
# element inside the outer SEQUENCE) on stdout: seeds for the fuzzer.
use strict;
use warnings;
binmode STDIN;
binmode STDOUT;
local $/;
my $der = <STDIN>;
exit 1 unless defined $der && length($der) > 4;
# skip the outer SEQUENCE header
my $o = 2 + ((ord(substr($der, 1, 1)) & 0x80) ? (ord(substr($der, 1, 1)) & 0x7f) : 0);
my $l = ord(substr($der, $o + 1, 1));
my ($h, $n) = (2, $l);
if ($l & 0x80) {
    $n = 0;
    $h = 2 + ($l & 0x7f);
    $n = $n * 256 + ord(substr($der, $o + 1 + $_, 1)) for 1 .. ($l & 0x7f);
}
print substr($der, $o, $h + $n);
