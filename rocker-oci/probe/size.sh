#!/usr/bin/env bash
# Flash cost of rocker-oci per target: builds the probe with each feature set
# (same release profile, rustflags and build-std as `make release`), strips it
# like the Makefile does, and prints bytes and the delta over the baseline
# (a probe that only echoes stdin). Usage: rocker-oci/probe/size.sh [TRIPLE...]
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(armv7-unknown-linux-musleabihf)
strip_args=(--strip-all -R .pdr -R .comment -R .mdebug.abi32 -R .gnu.attributes -R .note.GNU-stack)
for t in "${targets[@]}"; do
    strip=$(sed -n 's/^TARGET_STRIP *:= *//p' "$root/targets/$t.mk")
    base=0
    printf '%s\n%-22s %8s %8s\n' "$t" variant bytes delta
    for f in "" parse state spec features all; do
        cargo +nightly build -q --release --target "$t" -Zbuild-std=core \
            -Zbuild-std-features=compiler-builtins-mem --target-dir "$root/target/oci-probe" \
            ${f:+--features $f}
        out="$root/target/oci-probe/$t/release/rocker-oci-probe"
        cp "$out" "$out.${f:-base}"
        $strip "${strip_args[@]}" "$out.${f:-base}"
        sz=$(stat -c %s "$out.${f:-base}")
        [ -n "$f" ] || base=$sz
        printf '%-22s %8d %8d\n' "${f:-baseline}" "$sz" $((sz - base))
    done
done
