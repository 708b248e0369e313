#!/usr/bin/env bash
# rocker-runtime under Debian's containerd (1.6): a private containerd in the
# foreground (its own config, root, state dir and socket), `ctr run` with the
# runc v2 shim and rocker-runtime as its runc binary on a busybox rootfs: the
# container runs, its output is streamed, its exit code returned; a detached
# one is killed (`ctr task kill`, SIGTERM then SIGKILL) and removed (`ctr task
# rm`, `ctr container rm`); with a TTY (console socket); exec into it. Then
# nothing of it is left. Root; skipped without containerd (scripts/setup-oci.sh
# installs it).
#
# Usage: tests/oci/containerd.sh [RUNTIME]
set -uo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/common.sh"
if ! command -v containerd >/dev/null || ! command -v containerd-shim-runc-v2 >/dev/null; then
    echo "SKIP tests/oci/containerd.sh: no containerd (scripts/setup-oci.sh installs it)"
    [ -z "${CI:-}" ] || exit 1
    exit 0
fi
oci_setup tests/oci/containerd.sh "${1:-}"

W=$(mktemp -d /tmp/rocker-ctrd.XXXXXX)
SOCK=$W/containerd.sock
NS=rocker-test
pass=0 failed=0
ok() { pass=$((pass + 1)); echo "ok $*"; }
no() { failed=$((failed + 1)); echo "not ok $*"; }
check() { local n=$1; shift; if "$@"; then ok "$n"; else no "$n"; fi; }
c() { ctr --address "$SOCK" --namespace $NS "$@"; }
cpid=""
cleanup() {
    for t in $(c task ls -q 2>/dev/null); do c task kill -s KILL "$t" >/dev/null 2>&1; c task rm -f "$t" >/dev/null 2>&1; done
    for t in $(c container ls -q 2>/dev/null); do c container rm "$t" >/dev/null 2>&1; done
    [ -n "$cpid" ] && kill "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
    # The shims exit with their containers; a stray one is ours to end.
    pkill -f "containerd-shim-runc-v2 -namespace $NS" 2>/dev/null
    umount -R "$W/root" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
snapshot() {
    echo "mounts $(grep -c "$W" /proc/self/mountinfo)"
    find /sys/fs/cgroup -maxdepth 3 -name "$NS" 2>/dev/null | sort
}
before=$(snapshot)

unsquashfs -q -n -d "$W/rootfs" "$CACHE/busybox-$T.sqfs" >/dev/null || exit 1
cat >"$W/config.toml" <<TOML
version = 2
root = "$W/root"
state = "$W/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$W/ttrpc.sock"
[debug]
  address = "$W/debug.sock"
  level = "debug"
TOML
containerd --config "$W/config.toml" >"$W/containerd.log" 2>&1 &
cpid=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && c version >/dev/null 2>&1 && break; sleep 0.1; done
check "a private containerd answers on its own socket" bash -c "ctr --address '$SOCK' version >/dev/null"
echo "# $(containerd --version); runtime $RT"

run=(run --runtime io.containerd.runc.v2 --runc-binary "$RT")
FS=(--rootfs "$W/rootfs")
out=$(c "${run[@]}" --rm "${FS[@]}" r1 sh -c 'echo hello from $(hostname); exit 3' 2>"$W/r1.err")
rc=$?
check "ctr run: the container's output is streamed" grep -q "^hello from" <<<"$out"
check "ctr run: its exit code is returned (3)" test $rc = 3
[ $rc = 3 ] || { cat "$W/r1.err"; tail -20 "$W/containerd.log"; }
check "ctr run --rm removed it" bash -c "! ctr --address '$SOCK' --namespace $NS container info r1 >/dev/null 2>&1"

c "${run[@]}" -d "${FS[@]}" r2 sh -c 'trap "echo term; exit 9" TERM; while :; do sleep 1; done' >/dev/null 2>&1
sleep 0.5
check "ctr run -d: the task runs" bash -c "ctr --address '$SOCK' --namespace $NS task ls | grep -q '^r2 .*RUNNING'"
pid=$(c task ls | awk '$1 == "r2" {print $2}')
check "its pid is PID 1 of its namespace" grep -q "^NSpid:.*[[:space:]]1$" "/proc/$pid/status"
out=$(c task exec --exec-id e1 r2 sh -c 'echo in $(cat /proc/1/cmdline | tr "\\0" " ")' 2>&1)
check "ctr task exec: a process in the container" grep -q "^in sh -c" <<<"$out"
[ -n "$out" ] && echo "# exec: $out"
check "ctr task ps lists it" bash -c "ctr --address '$SOCK' --namespace $NS task ps r2 | grep -q $pid"
check "ctr task pause/resume" bash -c "ctr --address '$SOCK' --namespace $NS task pause r2 && ctr --address '$SOCK' --namespace $NS task ls | grep -q 'r2 .*PAUSED' && ctr --address '$SOCK' --namespace $NS task resume r2 && ctr --address '$SOCK' --namespace $NS task ls | grep -q 'r2 .*RUNNING'"
check "ctr task kill (SIGTERM)" c task kill r2
for _ in $(seq 50); do c task ls | grep -q 'r2 .*STOPPED' && break; sleep 0.1; done
check "the task stopped with the handler's status" bash -c "ctr --address '$SOCK' --namespace $NS task ls | grep -q 'r2 .*STOPPED'"
check "ctr task rm" c task rm r2
check "ctr container rm" c container rm r2

c "${run[@]}" -d "${FS[@]}" r3 sleep 300 >/dev/null 2>&1
sleep 0.3
check "ctr task kill -s KILL" c task kill -s KILL r3
for _ in $(seq 50); do c task ls | grep -q 'r3 .*STOPPED' && break; sleep 0.1; done
check "... stopped" bash -c "ctr --address '$SOCK' --namespace $NS task ls | grep -q 'r3 .*STOPPED'"
check "ctr task rm -f, container rm" bash -c "ctr --address '$SOCK' --namespace $NS task rm -f r3 && ctr --address '$SOCK' --namespace $NS container rm r3"

out=$(script -qfec "ctr --address '$SOCK' --namespace $NS ${run[*]} --rm -t --rootfs $W/rootfs r4 sh -c 'tty; exit 0'" /dev/null </dev/null 2>&1)
check "ctr run -t: the container gets a pty (console socket)" grep -q '/dev/pts/0' <<<"$out"

sleep 0.5
check "containerd logged no runtime error" bash -c "! grep -i 'level=error' '$W/containerd.log' | grep -v 'failed to delete' | grep -q ."
grep -i 'level=error' "$W/containerd.log" | head -5
kill "$cpid"; wait "$cpid" 2>/dev/null; cpid=""
pgrep -af "[c]ontainerd-shim-runc-v2 -namespace $NS"
check "no shim left" bash -c "! pgrep -f '[c]ontainerd-shim-runc-v2 -namespace $NS' >/dev/null"
after=$(snapshot)
check "no mount or cgroup left" test "$before" = "$after"
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after")
echo "# $pass passed, $failed failed"
[ $failed = 0 ]
