#!/usr/bin/env bash
# Prints one table: stripped size in bytes of every installed binary for
# every target, building what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-unknown-linux-musl)
for t in "${targets[@]}"; do
    [ -x "install_dir/$t/bin/rocker-master" ] && [ -x "install_dir/$t/bin/rocker-runtime" ] && [ -x "install_dir/$t/bin/rocker" ] || make -s TARGET="$t" release >/dev/null
done
printf '%-34s %14s %15s %10s %18s\n' target rocker-master rocker-runtime rocker "abi-tests"
for t in "${targets[@]}"; do
    d=install_dir/$t
    printf '%-34s %14s %15s %10s %18s\n' "$t" "$(stat -c %s $d/bin/rocker-master)" "$(stat -c %s $d/bin/rocker-runtime)" "$(stat -c %s $d/bin/rocker)" "$(stat -c %s $d/libexec/rocker-abi-tests)"
done
