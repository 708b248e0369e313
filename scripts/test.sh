#!/usr/bin/env bash
# `make test`: every test this machine can run, in one go (CI runs this).
#   1. setup (idempotent)          5. per target: release build, static check,
#   2. host unit tests (cargo),       --help under qemu-user, ABI tests,
#      clippy (host + per target)
#   3. rocker.h as C99 and C++        C/Rust layout agreement
#   4. C client unit tests            C/Rust layout agreement, and (root) the
#                                     sandbox on that arch's real kernel under
#                                     QEMU system mode (ROCKER_QEMU=0 skips)
#                                  6. integration tests on the host kernel (root):
#                                     the sandbox, rootfs mode, limits,
#                                     seccomp, the OCI runtime (+ containerd)
# Ends with `N passed, M failed` over the suites; non-zero exit on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf
         mipsel-unknown-linux-musl mips-unknown-linux-musl)
[ -n "${ROCKER_TARGETS:-}" ] && read -r -a TARGETS <<<"$ROCKER_TARGETS"
pass=0; fail=0; failed=()
suite() {
    local name=$1; shift
    echo "=== $name"
    local t0=$SECONDS
    if "$@"; then pass=$((pass+1)); echo "=== ok: $name ($((SECONDS-t0)) s)"
    else fail=$((fail+1)); failed+=("$name"); echo "=== FAILED: $name ($((SECONDS-t0)) s)"; fi
}

if [ "$(id -u)" -eq 0 ]; then
    suite "setup" scripts/setup.sh
else
    echo "=== setup skipped: not root (scripts/setup.sh installs packages as root)"
fi
suite "host unit tests (cargo test)" cargo +nightly test --quiet
# clippy with warnings denied, for every crate of the workspace, on the host
# (all targets: lib, tests, bins) and per target (arch code differs). The
# binaries need their entry (`rt`) to type-check.
CLIPPY_CRATES=(--workspace --features rocker-master/rt)
clippy_all() {
    local t
    cargo +nightly clippy --quiet "${CLIPPY_CRATES[@]}" --all-targets -- -D warnings || return 1
    for t in "${TARGETS[@]}"; do
        cargo +nightly clippy --quiet "${CLIPPY_CRATES[@]}" --target "$t" -Zbuild-std=core -- -D warnings \
            || { echo "clippy failed for $t"; return 1; }
    done
    echo "clippy clean: ${CLIPPY_CRATES[*]} (host and ${#TARGETS[@]} targets)"
}
suite "clippy -D warnings" clippy_all
suite "rocker.h: C89/C99/C11 and C++ (-Wall -Wextra -Werror -pedantic)" make -s header-check
suite "C client unit tests" make -s rocker-c-test

static_and_help() {
    local t=$1 b
    for b in install_dir/$t/bin/rocker-master install_dir/$t/bin/rocker-runtime install_dir/$t/bin/rocker; do
        file -b "$b" | grep -q 'statically linked' || { echo "$b: not static: $(file -b "$b")"; return 1; }
        file -b "$b" | grep -q 'not stripped' && { echo "$b: not stripped"; return 1; }
        scripts/run-target.sh "$t" "$b" --help >/dev/null || { echo "$b --help failed under $t"; return 1; }
    done
    echo "static, stripped, --help ok: $(file -b install_dir/$t/bin/rocker-master | cut -d, -f1-2)"
}
for t in "${TARGETS[@]}"; do
    suite "$t: release build" make -s TARGET="$t" release
    suite "$t: static + stripped + --help" static_and_help "$t"
    suite "$t: ABI tests of syscalls/" scripts/run-target.sh "$t" "install_dir/$t/libexec/rocker-abi-tests"
    suite "$t: C/Rust wire layout" tests/layout/check.sh "$t"
    suite "$t: the CLI's libc stand-ins (src/lean.c) against musl" make -s TARGET="$t" rocker-c-lean-test
    # QEMU system mode: the target's real kernel, every sandbox check in one boot.
    if [ -x "qemu/run-${t%%-*}.sh" ] && [ "${ROCKER_QEMU:-1}" != 0 ]; then
        if [ "$(id -u)" -eq 0 ]; then
            suite "$t: sandbox on a real kernel (QEMU system mode)" "qemu/run-${t%%-*}.sh"
            suite "$t: seccomp and masked paths on a real kernel (QEMU)" tests/security/qemu.sh "${t%%-*}"
        elif [ -n "${CI:-}" ]; then
            suite "$t: QEMU system mode needs root" false
        else
            echo "=== SKIP: $t QEMU system mode needs root (installs packages, boots kernels)"
        fi
    fi
done
# The flash budgets (issue 15) are enforced by `make size`; here the table
# and any OVER line are printed, not failed on, while they are not met.
suite "size table (budgets reported; make size enforces them)" env SIZE_REPORT_ONLY=1 SIZE_NO_BUILD=1 scripts/size.sh "${TARGETS[@]}"
suite "integration tests (real kernel, root)" tests/integration/run.sh
suite "rootfs mode: another distribution's tree (root)" tests/rootfs/run.sh
suite "resource limits: cgroups and rlimits (root)" tests/limits/run.sh
suite "seccomp, masked paths, no nested namespaces (root)" tests/security/run.sh
suite "OCI runtime end to end (real kernel, root)" tests/oci/run.sh
suite "OCI runtime under containerd (real kernel, root)" bash -c 'scripts/setup-oci.sh && tests/oci/containerd.sh'

echo
[ ${#failed[@]} -eq 0 ] || printf 'failed suite: %s\n' "${failed[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
