#!/usr/bin/env bash
# rocker: what the OCI runtime's containerd test needs (tests/oci/containerd.sh),
# idempotent, as root on Debian 12: Debian's containerd (its ctr and the
# io.containerd.runc.v2 shim). Its service is never started here: a policy-rc.d
# that refuses every start is in place while the package installs (the test
# runs its own containerd in the foreground, on its own socket and dirs).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if dpkg-query -W -f='${Status}' containerd 2>/dev/null | grep -q 'install ok installed'; then
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "setup-oci: needs root" >&2; exit 1; }
prc=/usr/sbin/policy-rc.d
saved=""
if [ -e $prc ]; then saved=$(mktemp); cp -a $prc "$saved"; fi
restore() { if [ -n "$saved" ]; then mv -f "$saved" $prc; else rm -f $prc; fi; }
trap restore EXIT
printf '#!/bin/sh\nexit 101\n' >$prc
chmod 755 $prc
apt-get -o DPkg::Lock::Timeout=600 update -qq || echo "setup-oci: apt-get update had errors, trying the install anyway" >&2
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends containerd >/dev/null
command -v containerd >/dev/null && command -v ctr >/dev/null && command -v containerd-shim-runc-v2 >/dev/null
echo "setup-oci: $(containerd --version)"
