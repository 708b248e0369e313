#!/usr/bin/env bash
# Usage: tests/layout/check.sh TRIPLE      (a targets/TRIPLE.mk)
#        tests/layout/check.sh host        (host cc, for a quick check)
#
# Proves that rocker.h (C) and rocker-proto (Rust) agree on the wire layout
# for TRIPLE: builds tests/layout/layout.c with the target's C compiler,
# runs it there (scripts/run-target.sh: native or qemu-user) and diffs its
# output against the table rocker-proto prints from its offset constants.
#
# Environment:
#   CARGO                      cargo command (default: cargo +nightly)
#   ROCKER_LAYOUT_EXPECTED     use this file as the expected table instead of
#                              running cargo (e.g. from an earlier run)
#   CC CFLAGS LDFLAGS          compiler for TRIPLE=host (default: cc)
# Output goes to target/layout/TRIPLE/{layout,expected.txt,actual.txt}.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 TRIPLE|host" >&2
    exit 2
fi
triple=$1
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
out=$root/target/layout/$triple
mkdir -p "$out"

# A variable of targets/TRIPLE.mk, evaluated by make itself.
mkvar() {
    printf '$(info $(%s))\n.PHONY: rocker-layout-noop\nrocker-layout-noop: ;@:\n' "$1" |
        make --no-print-directory -s -C "$root" -f "$mk" -f - rocker-layout-noop
}

if [[ $triple == host ]]; then
    cc=${CC:-cc}
    cflags=${CFLAGS:-}
    ldflags=${LDFLAGS:-}
else
    mk=$root/targets/$triple.mk
    if [[ ! -f $mk ]]; then
        echo "layout: unknown target '$triple' (no $mk)" >&2
        exit 2
    fi
    cc=$(mkvar TARGET_CC)
    cflags=$(mkvar TARGET_CFLAGS)
    ldflags=$(mkvar TARGET_LDFLAGS)
    if [[ -z $cc ]]; then
        echo "layout: TARGET_CC is empty in $mk" >&2
        exit 2
    fi
fi

# 1. Expected table, from rocker-proto (host build: offsets do not depend on
#    the target, that is the point of explicit offsets).
if [[ -n ${ROCKER_LAYOUT_EXPECTED:-} ]]; then
    cp "$ROCKER_LAYOUT_EXPECTED" "$out/expected.txt"
else
    host=$(rustc +nightly -vV | sed -n 's/^host: //p')
    (cd "$root" && ${CARGO:-cargo +nightly} run -q -p rocker-proto --example layout-table \
        --target "$host") >"$out/expected.txt"
fi

# 2. Every constant of the Rust table becomes a CONST() line of layout.c, so
#    a constant missing from rocker.h fails to compile.
awk '/^ROCKER_/ { printf "\tCONST(%s);\n", $1 }' "$out/expected.txt" >"$out/layout_consts.h"

# 3. Build layout.c for the target. Word splitting of the flags is intended.
# shellcheck disable=SC2086
$cc $cflags -Wall -Wextra -I"$root/rocker-client-c/include" -I"$out" \
    -o "$out/layout" "$root/tests/layout/layout.c" $ldflags

# 4. Run it there.
if [[ $triple == host ]]; then
    "$out/layout" >"$out/actual.txt"
else
    "$root/scripts/run-target.sh" "$triple" "$out/layout" >"$out/actual.txt"
fi

# 5. Compare.
if ! diff -u --label "rocker-proto (expected)" --label "rocker.h on $triple (actual)" \
    "$out/expected.txt" "$out/actual.txt"; then
    echo "layout: FAIL: rocker.h and rocker-proto disagree on $triple" >&2
    exit 1
fi
echo "layout: ok: $triple ($(wc -l <"$out/expected.txt") lines)"
