#!/usr/bin/env bash
# tests/rootfs/run.sh -- rootfs mode (issue 13) end to end on this host's
# kernel: a package as the sandbox's whole root, another distribution's tree.
#
#   tests/rootfs/run.sh             uses install_dir/$TARGET (builds it with
#                                   `make release` if missing)
#   ROCKER_INSTALL=DIR run.sh       binaries from DIR
#
# Packages: the Debian bullseye amd64 tree of scripts/rootfs-bullseye.sh
# (built and cached in .cache/rootfs if missing: minutes, once; this host is
# bookworm), and a busybox tree of scripts/busybox-rootfs.sh. One rocker-master
# (--test-hooks) on a socket in a temp dir; App uid/gid 1000.
#
# Checks: bullseye's os-release, dpkg -l, a dynamically linked program on
# the tree's own loader and libc; writes persist in <data>/rootfs/upper
# across runs; --read-only refuses writes with EROFS and keeps the data dir
# untouched while /tmp works; binds ro/rw/file, a symlink on a bind's host
# path refused (ELOOP), a missing target made in the tree; /dev /proc /sys
# as runc has them (mountinfo); no host path reachable (/proc/1/root, `..`
# from /, the mount table has only the sandbox's mounts); --cwd, --env,
# PATH; --no-pivot (MS_MOVE + chroot) with the same isolation; one loop
# device for two sandboxes of a package; nothing left on the host (loop
# devices, mounts, guards) after success, a failure, kill -9 of a guard, and
# a kill -9 of the guard stopped at each root-mode step.
#
# Output: `ok N - name` / `not ok N - name: why`, then `N passed, M failed`;
# exit 1 on any failure. Not root: SKIP (exit 0) unless $CI is set.
set -u

if [ "$(id -u)" != 0 ]; then
    [ -z "${CI:-}" ] || { echo "FAIL: rootfs tests need root (and CI is set)"; exit 1; }
    echo "SKIP: rootfs tests need root"
    exit 0
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=${TARGET:-x86_64-unknown-linux-musl}
INSTALL=${ROCKER_INSTALL:-$ROOT/install_dir/$TARGET}
N=0 PASSED=0 FAILED=0
ok() { N=$((N + 1)); PASSED=$((PASSED + 1)); echo "ok $N - $1"; }
nok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1: $2"; }
oneline() { printf '%s' "$1" | tr '\n' '|' | cut -c1-400; }
# check NAME CMD...: ok if CMD succeeds, else its output is the reason
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$name"; else nok "$name" "$(oneline "$out")"; fi
}
wait_until() { # TENTHS CMD...
    local n=$1
    shift
    while ! "$@"; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}

[ -x "$INSTALL/bin/rocker-master" ] || make -s -C "$ROOT" TARGET="$TARGET" release >/dev/null ||
    { echo "FAIL: build"; exit 1; }
MASTER=$INSTALL/bin/rocker-master
CLI=$INSTALL/bin/rocker

BULLSEYE=$("$ROOT/scripts/rootfs-bullseye.sh" --print-path) || {
    echo "# building the bullseye tree (minutes, once; cached in .cache/rootfs)"
    "$ROOT/scripts/rootfs-bullseye.sh" >/dev/null || { echo "FAIL: scripts/rootfs-bullseye.sh"; exit 1; }
    BULLSEYE=$("$ROOT/scripts/rootfs-bullseye.sh" --print-path) || { echo "FAIL: no bullseye image"; exit 1; }
}
BUSYBOX=$ROOT/.cache/rootfs/busybox-$TARGET.sqfs
"$ROOT/scripts/busybox-rootfs.sh" "$TARGET" "$BUSYBOX" >/dev/null || { echo "FAIL: scripts/busybox-rootfs.sh"; exit 1; }

T=$(mktemp -d /tmp/rocker-rootfs.XXXXXX)
chmod 755 "$T"
SOCK=$T/rocker.sock
export ROCKER_SOCKET=$SOCK
MPID=
cleanup() {
    [ -z "$MPID" ] || { kill -TERM "$MPID" 2>/dev/null; wait "$MPID" 2>/dev/null; }
    rm -rf "$T"
}
trap cleanup EXIT
dead() { [ ! -d "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# The host's state before: mount points, loop devices of our packages.
mounts() { awk '{print $5}' /proc/self/mountinfo | sort; }
mounts >"$T/mounts.before"
loops_of() { # PKG -> number of loop devices backed by it
    local f n=0
    for f in /sys/block/loop*/loop/backing_file; do
        [ -e "$f" ] && [ "$(cat "$f" 2>/dev/null)" = "$1" ] && n=$((n + 1))
    done
    echo "$n"
}
no_loops() { [ "$(loops_of "$BULLSEYE")" = 0 ] && [ "$(loops_of "$BUSYBOX")" = 0 ]; }
no_guards() { [ -z "$(pgrep -P "$MPID")" ]; }
mounts_same() { mounts >"$T/mounts.now"; cmp -s "$T/mounts.before" "$T/mounts.now"; }
nothing_left() { # what every scenario must leave behind: nothing
    wait_until 50 no_guards || { echo "guards still alive: $(pgrep -P "$MPID" | tr '\n' ' ')"; return 1; }
    wait_until 30 no_loops || { echo "loop devices left: bullseye $(loops_of "$BULLSEYE"), busybox $(loops_of "$BUSYBOX")"; return 1; }
    mounts_same || { echo "host mount table changed: $(diff "$T/mounts.before" "$T/mounts.now" | tr '\n' ' ')"; return 1; }
}

"$MASTER" --socket "$SOCK" --test-hooks 2>"$T/master.log" &
MPID=$!
wait_until 50 test -S "$SOCK" || { echo "FAIL: master did not start"; cat "$T/master.log"; exit 1; }

D=$T/data
mkdir -p "$D"
chown 1000:1000 "$D"
RUN=(timeout 60 "$CLI" run --rootfs --uid 1000 --gid 1000)
bull() { "${RUN[@]}" --pkg "$BULLSEYE" --data-dir "$D" "$@"; }
bb() { "${RUN[@]}" --pkg "$BUSYBOX" --data-dir "$T/bb" "$@"; }

echo "# host: $(. /etc/os-release; echo "$PRETTY_NAME"), $(uname -r)"

# ---------------------------------------------------------------- 1 another distribution
out=$(bull -- /bin/cat /etc/os-release 2>&1)
if grep -q '^VERSION_CODENAME=bullseye$' <<<"$out" && ! grep -q bookworm <<<"$out" && grep -q bookworm /etc/os-release; then
    ok "cat /etc/os-release in the tree: bullseye (the host is bookworm)"
else
    nok "cat /etc/os-release in the tree: bullseye" "$(oneline "$out")"
fi
out=$(bull --env HOME=/tmp -- dpkg -l 2>&1)
n=$(grep -c '^ii ' <<<"$out")
if [ "$n" -ge 50 ] && grep -qE '^ii +libc6:amd64 +2\.31' <<<"$out"; then
    ok "dpkg -l lists the tree's $n packages (libc6 2.31)"
else
    nok "dpkg -l" "$n packages: $(oneline "$(tail -n3 <<<"$out")")"
fi
out=$(bull -- /bin/sh -c 'cat /proc/self/maps; readlink -f /lib64/ld-linux-x86-64.so.2; ls / >/dev/null && echo ls-ran' 2>&1)
if grep -q 'libc-2\.31\.so' <<<"$out" && grep -q 'ld-2\.31\.so' <<<"$out" && grep -q ls-ran <<<"$out" &&
    ls /lib/x86_64-linux-gnu/libc.so.6 >/dev/null && ! ls /lib/x86_64-linux-gnu/libc-2.31.so >/dev/null 2>&1; then
    ok "a dynamically linked program (cat, ls) runs on the tree's own loader and libc (ld-2.31.so, libc-2.31.so)"
else
    nok "the tree's loader and libc" "$(oneline "$(grep -E 'libc|ld-|ls-ran' <<<"$out")")"
fi

# ---------------------------------------------------------------- 2 persistence, read-only
bull -- /bin/sh -c 'echo kept >/var/tmp/persist' >/dev/null 2>&1
out=$(bull -- /bin/cat /var/tmp/persist 2>&1)
if [ "$out" = kept ] && [ "$(stat -c %u "$D/rootfs/upper/var/tmp/persist" 2>/dev/null)" = 1000 ]; then
    ok "a write persists across runs in <data>/rootfs/upper (owned by the App's uid)"
else
    nok "writes persist" "'$out', $(ls -l "$D/rootfs/upper/var/tmp" 2>&1 | tr '\n' ' ')"
fi
check "the upper layer is root's: <data>/rootfs 0700 root" test "$(stat -c '%a %u' "$D/rootfs")" = "700 0"
mkdir -p "$T/ro"
chown 1000:1000 "$T/ro"
out=$("${RUN[@]}" --pkg "$BULLSEYE" --data-dir "$T/ro" --read-only -- /bin/sh -c 'echo x >/var/tmp/y; echo rc=$?; echo t >/tmp/t && cat /tmp/t' 2>&1)
if grep -q 'Read-only file system' <<<"$out" && grep -q '^rc=2$' <<<"$out" && grep -qx t <<<"$out" && [ -z "$(ls -A "$T/ro")" ]; then
    ok "--read-only: a write fails with EROFS, /tmp works, the data dir stays empty"
else
    nok "--read-only" "$(oneline "$out"); data dir: $(ls -A "$T/ro" | tr '\n' ' ')"
fi
mkdir -p "$T/bb"
chown 1000:1000 "$T/bb"
out=$(bb --read-only -- /bin/sh -c 'cat /etc/os-release; touch /x; echo rc=$?' 2>&1)
if grep -qi 'rocker' <<<"$out" && grep -q 'Read-only file system' <<<"$out" && grep -q 'rc=1' <<<"$out"; then
    ok "a busybox tree, read-only: its own os-release, touch / -> EROFS"
else
    nok "busybox tree read-only" "$(oneline "$out")"
fi

# ---------------------------------------------------------------- 3 binds
mkdir -p "$T/in/sub" "$T/out"
echo hostfile >"$T/in/f"
chown 1000:1000 "$T/out"
ln -s "$T/in" "$T/link"
out=$(bull --bind "$T/in:/srv/in" --bind "$T/out:/out:rw" --bind "$T/in/f:/etc/hostfile" -- /bin/sh -c \
    'cat /srv/in/f; echo y >/srv/in/f 2>/dev/null || echo ro-refused; echo z >/out/z && echo rw-ok; cat /etc/hostfile; grep -E " /srv/in | /out | /etc/hostfile " /proc/self/mountinfo' 2>&1)
if [ "$(grep -cx hostfile <<<"$out")" = 2 ] && grep -q ro-refused <<<"$out" && grep -q rw-ok <<<"$out" &&
    [ "$(cat "$T/out/z" 2>/dev/null)" = z ] && [ "$(cat "$T/in/f")" = hostfile ] &&
    grep -q ' /srv/in ro,nosuid,nodev' <<<"$out" && grep -q ' /out rw,nosuid,nodev' <<<"$out" && grep -q ' /etc/hostfile ro,nosuid,nodev' <<<"$out"; then
    ok "binds: read-only by default, :rw writes reach the host, a file bound, all nosuid,nodev; /srv/in made in the tree"
else
    nok "binds" "$(oneline "$out")"
fi
out=$(bull --bind "$T/link:/l" -- true 2>&1)
check "a symlink as a bind's host path: refused (bind_invalid ELOOP at mount_binds)" grep -q 'bind_invalid): ELOOP (40) at mount_binds' <<<"$out"
out=$(bull --bind "$T/link/f:/l" -- true 2>&1)
check "a symlink inside a bind's host path: refused (ELOOP)" grep -q 'bind_invalid): ELOOP (40) at mount_binds' <<<"$out"
out=$(bull --bind "$T/in:/srv/../etc" -- true 2>&1)
check "a bind target with '..': refused at validate" grep -q 'bind_invalid): EINVAL (22) at validate' <<<"$out"
out=$("${RUN[@]}" --pkg "$BULLSEYE" --data-dir "$T/ro" --read-only --bind "$T/in:/newdir" -- true 2>&1)
check "read-only root: a missing bind target cannot be made (EROFS)" grep -q 'bind_invalid): EROFS (30) at mount_binds' <<<"$out"

# ---------------------------------------------------------------- 4 isolation: /dev /proc /sys, no way out
view() { # FLAGS...: what the App sees
    bull "$@" -- /bin/sh -c 'cat /proc/self/mountinfo
        echo "--- dev"; ls -A /dev | tr "\n" " "; echo
        echo "--- p1"; ls /proc/1/root >/dev/null 2>&1 && echo open || echo refused
        echo "--- self"; readlink /proc/self/root
        echo "--- up"; cd /.. && ls | tr "\n" " "; echo
        echo "--- ls"; ls / | tr "\n" " "; echo' 2>&1
}
part() { sed -n "/^--- $1\$/{n;p}" <<<"$2"; } # NAME OUTPUT: the line after "--- NAME"
isolation() { # LABEL FLAGS...
    local label=$1 out mnts
    shift
    out=$(view "$@")
    # (the masked and read-only paths under /proc and /sys: tests/security)
    mnts=$(awk '/^--- dev/{exit} $5 !~ "^/(proc|sys)/." {print $5}' <<<"$out" | tr '\n' ' ')
    if [ "$mnts" = "/ /tmp /proc /dev /dev/pts /dev/shm /dev/mqueue /sys " ]; then
        ok "$label: the mount table has only the sandbox's mounts ($mnts)"
    else
        nok "$label: mount table" "$mnts"
    fi
    if grep -qE '^[0-9]+ [0-9]+ [0-9:]+ / / rw,nosuid,nodev,[a-z]+ - overlay ' <<<"$out" &&
        grep -qE ' /proc rw,nosuid,nodev,noexec,[a-z]+ - proc ' <<<"$out" &&
        grep -qE ' /dev rw,nosuid,noexec,[a-z]+ - tmpfs .*mode=755' <<<"$out" &&
        grep -qE ' /dev/pts rw,nosuid,noexec,[a-z]+ - devpts .*ptmxmode=666' <<<"$out" &&
        grep -qE ' /sys ro,nosuid,nodev,noexec,[a-z]+ - sysfs ' <<<"$out" &&
        [ "$(part dev "$out")" = "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero " ]; then
        ok "$label: / overlay, /proc nosuid,nodev,noexec, /dev tmpfs with runc's nodes and links, /sys read-only"
    else
        nok "$label: /dev /proc /sys" "$(oneline "$out")"
    fi
    if [ "$(part p1 "$out")" = refused ] && [ "$(part self "$out")" = / ] && [ "$(part up "$out")" = "$(part ls "$out")" ] &&
        grep -q ' etc ' <<<"$(part ls "$out")" && ! grep -qw work <<<"$(part ls "$out")"; then
        ok "$label: no host path: /proc/1/root refused, /proc/self/root is /, '..' from / stays in the tree"
    else
        nok "$label: no host path" "$(oneline "$(sed -n '/^--- p1/,$p' <<<"$out")")"
    fi
}
isolation "pivot_root"
isolation "--no-pivot (MS_MOVE + chroot)" --no-pivot
out=$(bull --no-pivot -- /bin/sh -c 'cat /etc/debian_version; cat /var/tmp/persist' 2>&1)
check "--no-pivot: the App (joined by setns) is in the tree, and the same layer" test "$(oneline "$out")" = "$(oneline "$(printf '11.11\nkept')")"

# ---------------------------------------------------------------- 5 cwd, environment
out=$(bull --cwd /usr/share -- /bin/sh -c 'pwd; echo "$PATH"' 2>&1)
check "--cwd /usr/share; PATH is the usual one in rootfs mode" test "$(oneline "$out")" = "/usr/share|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
out=$(FOO=host bull --env FOO=bar --env PATH=/bin -- /bin/sh -c 'echo "$FOO $PATH"' 2>&1)
check "--env overrides (FOO, PATH)" test "$out" = "bar /bin"
out=$(FOO=host bull --clear-env --env A=1 -- /usr/bin/env 2>&1)
check "--clear-env: only --env and PATH" test "$(oneline "$(sort <<<"$out")")" = "A=1|PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
out=$(bull --cwd /nonexistent -- true 2>&1)
check "--cwd to a missing dir: enter_rocker_failed ENOENT at chdir" grep -q 'ENOENT (2) at chdir' <<<"$out"

# ---------------------------------------------------------------- 6 package sharing, leaks
check "nothing left after the runs above (loop devices, mounts, guards)" nothing_left
mkdir -p "$T/d1" "$T/d2"
chown 1000:1000 "$T/d1" "$T/d2"
a=$("${RUN[@]}" --pkg "$BULLSEYE" --data-dir "$T/d1" --detach -- /bin/sleep 30 2>&1)
b=$("${RUN[@]}" --pkg "$BULLSEYE" --data-dir "$T/d2" --detach -- /bin/sleep 30 2>&1)
n=$(loops_of "$BULLSEYE")
check "two sandboxes of one package share one loop device ($n)" test "$n" = 1
for g in "${a%% *}" "${b%% *}"; do kill -KILL "$g" 2>/dev/null; done
check "kill -9 of both guards: nothing left" nothing_left
out=$(bull --bind "$T/nonexistent:/x" -- true 2>&1)
check "a failed setup (missing bind source) is refused" grep -q 'bind_invalid' <<<"$out"
check "... and leaves nothing" nothing_left
stalled() { # the master's guard, asleep in the test hook
    G=$(pgrep -P "$MPID" | head -n1)
    [ -n "$G" ] && grep -q nanosleep "/proc/$G/wchan" 2>/dev/null
}
for s in loop_get_free mount_root mount_squashfs mkdir_layer mount_tmp mount_binds pivot_root mount_proc mount_dev mount_sys; do
    bull --bind "$T/in:/srv/in" --test-stall "$s" -- /bin/true >"$T/stall.out" 2>&1 &
    c=$!
    if wait_until 100 stalled; then
        kill -KILL "$G"
        wait "$c"
        if out=$(nothing_left 2>&1); then ok "kill -9 of the guard stopped after $s: nothing left"; else nok "kill -9 after $s" "$out"; fi
    else
        nok "stall after $s" "no guard asleep in the hook: $(oneline "$(cat "$T/stall.out")")"
        kill "$c" 2>/dev/null
        wait "$c"
    fi
done

# ---------------------------------------------------------------- end
kill -TERM "$MPID"
wait "$MPID"
MPID=
grep -E 'refuse|bad message' "$T/master.log" | grep -vE 'reason=(bind_invalid|build_rocker_failed) ' >"$T/unexpected"
if [ -s "$T/unexpected" ]; then
    nok "master log: no refusal but the ones this test caused" "$(oneline "$(cat "$T/unexpected")")"
else
    ok "master log: no refusal but the ones this test caused ($(grep -c refuse "$T/master.log"))"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
