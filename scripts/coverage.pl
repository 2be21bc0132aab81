#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
#
# Build the rule coverage table (doc/rule-coverage.md): every rule of the
# SBR checklist (sbr-rules.md), the finding codes that check it (from the
# `ref` column of policy/*.def) and the tests that prove each code (test
# functions and shell tests that name the code). A rule no code checks
# needs a reason in doc/coverage-notes.txt.
#
#   scripts/coverage.pl SBR-RULES.md SRCDIR > doc/rule-coverage.md
#
# Exits 1 (after writing the table) when a MUST / MUST NOT rule has
# neither a code nor a reason, when a code has no test, or when a note
# names a rule that does not exist: tests/coverage.sh runs it in
# `make check` so the table cannot silently fall behind the rules.
use strict;
use warnings;

my ($checklist, $srcdir) = @ARGV;
die "usage: $0 SBR-RULES.md SRCDIR\n" unless defined $srcdir;

sub slurp {
    my ($path) = @_;
    open(my $fh, '<', $path) or die "$0: $path: $!\n";
    local $/;
    my $text = <$fh>;
    close($fh);
    return $text;
}

# ---- the checklist: rows "| ID | Sec | Level | ..." under "## " groups
my (@rules, %rule_by_id, $group);
for my $line (split /\n/, slurp($checklist)) {
    if ($line =~ /^##+ (.*)/) {
        $group = $1;
        next;
    }
    next unless $line =~ /^\| ((?:R0|[A-H](?:-[A-Z]+)?)-\d+[a-z]?) \| ([^|]*) \| ([^|]*) \|(.*)$/;
    my ($id, $sec, $level, $rest) = ($1, $2, $3, $4);
    # the rule text is the widest remaining cell
    my ($text) = sort { length($b) <=> length($a) } split /\|/, $rest;
    $text //= '';
    $text =~ s/^\s+|\s+$//g;
    $text =~ s/\*\*//g;
    $text = substr($text, 0, 140) . '...' if length($text) > 143;
    my $r = { id => $id, sec => $sec, level => $level, text => $text,
              group => $group, codes => [] };
    push @rules, $r;
    $rule_by_id{$id} = $r;
}

# ---- the rule tables: SP_RULE_DEF(id, "code", sev, "section", "refs", ...)
sub expand_ref {
    my ($ref) = @_;
    # "E-10..E-14", "D-OPT-01..07": ranges of one group
    if ($ref =~ /^([A-Z0-9]+(?:-[A-Z]+)?)-(\d+)\.\.(?:\1-)?(\d+)$/) {
        my ($prefix, $from, $to) = ($1, $2, $3);
        my $width = length($from);
        return map { sprintf("%s-%0*d", $prefix, $width, $_) } $from .. $to;
    }
    return ($ref);
}

my (%codes, @code_order);
opendir(my $pd, "$srcdir/policy") or die "$0: $srcdir/policy: $!\n";
for my $def (sort grep { /\.def$/ } readdir($pd)) {
    my $text = slurp("$srcdir/policy/$def");
    while ($text =~ /SP_RULE_DEF\(\s*(\w+),\s*"([^"]+)",\s*(\w+),\s*"([^"]*)",\s*"([^"]*)"/gs) {
        my ($code, $sev, $refs) = ($2, $3, $5);
        $sev =~ s/^SP_SEV_//;
        $codes{$code} = { sev => lc($sev), tests => [] };
        push @code_order, $code;
        for my $ref (split /\s*,\s*/, $refs) {
            $ref =~ s/\s*\(.*\)$//;    # "C.1 (*)"
            for my $id (expand_ref($ref)) {
                push @{ $rule_by_id{$id}{codes} }, $code if $rule_by_id{$id};
            }
        }
    }
}
closedir($pd);

# ---- the tests: which test function or shell test names each code
opendir(my $td, "$srcdir/tests") or die "$0: $srcdir/tests: $!\n";
for my $file (sort grep { /\.(c|sh)$/ } readdir($td)) {
    my $text = slurp("$srcdir/tests/$file");
    my $current = $file;
    for my $line (split /\n/, $text) {
        if ($file =~ /\.c$/ && $line =~ /^static void (test_\w+)\(void\)/) {
            $current = "$file:$1";
        }
        while ($line =~ /([a-z0-9]+\.[a-z0-9_]+)/g) {
            my $code = $1;
            next unless $codes{$code};
            my $t = $codes{$code}{tests};
            push @$t, $current unless grep { $_ eq $current } @$t;
        }
    }
}
closedir($td);

# ---- reasons for rules no code checks
my %note;
my $notes_path = "$srcdir/doc/coverage-notes.txt";
my $status = 0;
for my $line (split /\n/, slurp($notes_path)) {
    next if $line =~ /^\s*(#|$)/;
    my ($id, $reason) = $line =~ /^(\S+)\s+(.*)$/ or next;
    if (!$rule_by_id{$id}) {
        print STDERR "coverage: $notes_path names unknown rule $id\n";
        $status = 1;
    }
    $note{$id} = $reason;
}

# ---- the table
my ($n_must, $n_must_checked, $n_must_noted) = (0, 0, 0);
my @out;
my $last_group = '';
for my $r (@rules) {
    my $must = $r->{level} =~ /MUST/;
    my @c = do { my %s; grep { !$s{$_}++ } @{ $r->{codes} } };
    if ($r->{group} ne $last_group) {
        push @out, '', "### $r->{group}", '',
            '| Rule | SBR | Level | Finding codes | Proved by | Note |',
            '|---|---|---|---|---|---|';
        $last_group = $r->{group};
    }
    my (@tests);
    for my $code (@c) {
        my $t = $codes{$code}{tests};
        push @tests, @$t[0 .. ($#$t < 1 ? $#$t : 1)] if @$t;
    }
    @tests = do { my %s; grep { !$s{$_}++ } @tests };
    if ($must) {
        $n_must++;
        if (@c) {
            $n_must_checked++;
        } elsif ($note{ $r->{id} }) {
            $n_must_noted++;
        } else {
            print STDERR "coverage: $r->{id} ($r->{level}) has no finding code "
                . "and no reason in doc/coverage-notes.txt\n";
            $status = 1;
        }
    }
    my $codes = join(', ', map {"`$_`"} @c);
    my $tests = join(', ', map {"`$_`"} @tests);
    my $n = $note{ $r->{id} } // '';
    push @out, "| $r->{id} | $r->{sec} | $r->{level} | $codes | $tests | $n |";
}

for my $code (@code_order) {
    next if @{ $codes{$code}{tests} };
    print STDERR "coverage: finding code $code is named by no test\n";
    $status = 1;
}

print <<"EOF";
# Rule coverage

Generated by `scripts/coverage.pl` from the SBR checklist
(`../shared/reference/sbr-rules.md`), the rule tables (`policy/*.def`) and
the tests; the reasons for rules no code checks are kept in
`doc/coverage-notes.txt`. `tests/coverage.sh` regenerates it in
`make check` and fails when it is out of date, when a MUST or MUST NOT rule
has neither a finding code nor a reason, or when a finding code is named by
no test. Regenerate with
`perl scripts/coverage.pl ../shared/reference/sbr-rules.md . > doc/rule-coverage.md`.

"Proved by" names up to two tests per code (a CUnit test function as
`file:function`, or a shell test): each builds a certificate that breaks
the rule and asserts the finding, and the same tests build the compliant
certificates that must not raise it.

MUST / MUST NOT rules: $n_must; checked by a finding code: $n_must_checked;
not checkable at signing time or checked elsewhere (reason given): $n_must_noted.
Finding codes: ${\ scalar(@code_order)}.
EOF
print join("\n", @out), "\n";
exit $status;
