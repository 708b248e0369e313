#!/usr/bin/env bash
# Runs the probes that size.sh built on their own architecture (natively or
# under the target's qemu-user) against the fixtures: every target must
# accept the same configs, refuse the same one with the same path, and write
# the same default config. Usage: rocker-oci/probe/smoke.sh [TRIPLE...]
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
fx=$root/rocker-oci/tests/fixtures
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(armv7-unknown-linux-musleabihf)
fail=0
for t in "${targets[@]}"; do
    q=$(sed -n 's/^QEMU_USER *:= *//p' "$root/targets/$t.mk")
    p=$root/target/oci-probe/$t/release/rocker-oci-probe
    [ -x "$p.parse" ] || { echo "$t: run size.sh $t first"; exit 1; }
    got=""
    for f in runc-1.1.5-spec.json containerd-ctr.json escapes-crlf.json; do
        got="$got $($q "$p.parse" < "$fx/$f" || true)"
    done
    got="$got $(echo '{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"path":"r"},"mounts":[{"destination":"/x","options":["rro"]}]}' | $q "$p.parse" || true)"
    spec=$(echo | $q "$p.spec" | md5sum | cut -c1-12)
    want=" ok ok ok mounts[0].options[0]: not supported"
    if [ "$got" = "$want" ]; then echo "ok $t (spec $spec)"; else echo "FAIL $t:$got"; fail=1; fi
done
exit $fail
