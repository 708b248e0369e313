#!/usr/bin/env bash
# rocker-runtime end to end on this host's kernel (root; skipped otherwise):
# a busybox bundle (scripts/busybox-rootfs.sh, unpacked), then create/start/
# state/kill/delete/run/exec/ps/list/pause/resume/spec/features with their
# JSON and exit codes, stdio, the console socket, the process settings
# (ids, capabilities, no_new_privs, rlimits, env, cwd), the root and mounts,
# masked paths, limits, error logs; and at the end that nothing is left
# (mounts, loop devices, cgroups, processes, state).
#
# Usage: tests/oci/run.sh [RUNTIME]   (default: install_dir/x86_64-unknown-linux-musl/bin/rocker-runtime)
set -uo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/common.sh"
oci_setup tests/oci/run.sh "${1:-}"

W=$(mktemp -d /tmp/rocker-oci.XXXXXX)
S=$W/state
CONSOLE=$ROOT/tests/oci/console.py
pass=0 failed=0
cleanup() {
    for d in "$S"/*/; do
        [ -d "$d" ] && "$RT" --root "$S" delete --force "$(basename "$d")" >/dev/null 2>&1
    done
    jobs -p | xargs -r kill 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok $*"; }
no() { failed=$((failed + 1)); echo "not ok $*"; }
check() { # check NAME CMD...: CMD must succeed
    local n=$1; shift
    if "$@"; then ok "$n"; else no "$n"; fi
}
rt() { "$RT" --root "$S" "$@"; }

# What of ours is on the host (compared at the end; other users of this
# machine come and go, so only our paths and names are counted).
snapshot() {
    echo "mounts $(grep -c "$W" /proc/self/mountinfo)"
    echo "loops $(losetup -a 2>/dev/null | grep -c "$W")"
    find /sys/fs/cgroup -maxdepth 3 -name 'rocker-runtime*' 2>/dev/null | sort
}
before=$(snapshot)

unsquashfs -q -n -d "$W/rootfs" "$CACHE/busybox-$T.sqfs" >/dev/null || exit 1
# Writes go to a copy, the shared tree stays as built.
cp -a "$W/rootfs" "$W/rootfs-rw"

# bundle NAME PYTHON: a bundle whose config.json is the base below after
# the python statements (on dict c) ran.
bundle() {
    local b=$W/b-$1
    mkdir -p "$b"
    python3 - "$b/config.json" "$W" "$2" <<'EOF'
import json, sys
out, w, mods = sys.argv[1], sys.argv[2], sys.argv[3]
c = {
    "ociVersion": "1.0.2",
    "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["sh", "-c", "true"],
                "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"], "cwd": "/",
                "capabilities": {k: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"] for k in ("bounding", "effective", "permitted")},
                "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}], "noNewPrivileges": True},
    "root": {"path": w + "/rootfs", "readonly": True},
    "hostname": "oci-test",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    ],
    "linux": {
        "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
        "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        "annotations": None,
    },
    "annotations": {"org.rocker.test": "yes"},
}
def args(*a):
    c["process"]["args"] = list(a)
exec(mods)
json.dump(c, open(out, "w"), indent=1)
EOF
    echo "$b"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

echo "# rocker-runtime: $RT ($(stat -c %s "$RT") bytes)"

# --- spec, features, help
mkdir -p "$W/spec"
check "spec writes a default config.json" rt spec --bundle "$W/spec"
check "spec's config.json is JSON with sh and a read-only rootfs" json 'assert d["process"]["args"] == ["sh"] and d["root"]["readonly"]' <"$W/spec/config.json"
check "spec refuses to overwrite config.json" bash -c "! '$RT' spec --bundle '$W/spec' 2>/dev/null"
check "features is JSON with the OCI versions" bash -c "'$RT' features | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"ociVersionMax\"] and \"pid\" in d[\"linux\"][\"namespaces\"]'"
check "--version" bash -c "'$RT' --version | grep -q 'spec: 1.2.1'"

# --- runc's own `runc spec` config (read-only cgroup mount included)
mkdir -p "$W/b-runcspec"
python3 - "$ROOT/rocker-oci/tests/fixtures/runc-1.1.5-spec.json" "$W/b-runcspec/config.json" "$W/rootfs" <<'EOF2'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "grep -c ' /sys/fs/cgroup ro,.* cgroup2 ' /proc/self/mountinfo; hostname"]
c["root"]["path"] = sys.argv[3]
json.dump(c, open(sys.argv[2], "w"))
EOF2
out=$(rt run --bundle "$W/b-runcspec" runcspec 2>&1)
check "runc spec's config runs (cgroup2 read-only at /sys/fs/cgroup, hostname runc)" test "$out" = $'1\nrunc'
[ "$out" = $'1\nrunc' ] || echo "# $out"

# --- lifecycle
B=$(bundle life 'args("sh", "-c", "echo out; echo err >&2; sleep 30")')
out=$W/life.out
rt create --bundle "$B" --pid-file "$W/life.pid" life >"$out" 2>&1
check "create exits 0" test $? = 0
st=$(rt state life)
check "state after create: created, its pid, bundle, annotations" json "assert d['status']=='created' and d['id']=='life' and d['bundle']=='$B' and d['annotations']=={'org.rocker.test':'yes'} and d['ociVersion']" <<<"$st"
pid=$(json 'print(d["pid"])' <<<"$st")
check "the pid file holds the container's pid" test "$(cat "$W/life.pid")" = "$pid"
check "the container's process is PID 1 of its namespace" bash -c "grep -q '^NSpid:.*[[:space:]]1\$' /proc/$pid/status"
check "no output before start" test ! -s "$out"
check "start exits 0" rt start life
sleep 0.3
check "state after start: running" bash -c "'$RT' --root '$S' state life | grep -q '\"running\"'"
check "stdout and stderr reach the caller's fds" bash -c "grep -q out '$out' && grep -q err '$out'"
check "start again fails" bash -c "! '$RT' --root '$S' start life 2>/dev/null"
check "create with the same id fails" bash -c "! '$RT' --root '$S' create --bundle '$B' life 2>/dev/null"
check "ps --format json lists the container's pid" bash -c "'$RT' --root '$S' ps --format json life | python3 -c 'import json,sys; assert $pid in json.load(sys.stdin)'"
check "list shows it running" bash -c "'$RT' --root '$S' list | grep -q '^life[[:space:]]$pid[[:space:]]running'"
check "list --format json" bash -c "'$RT' --root '$S' list --format json | python3 -c 'import json,sys; l=json.load(sys.stdin); assert any(x[\"id\"]==\"life\" and x[\"status\"]==\"running\" for x in l)'"
check "list -q" bash -c "'$RT' --root '$S' list -q | grep -qx life"
check "delete of a running container fails" bash -c "! '$RT' --root '$S' delete life 2>/dev/null"
check "pause" rt pause life
check "state: paused" bash -c "'$RT' --root '$S' state life | grep -q '\"paused\"'"
check "its process is frozen" bash -c "grep -q 'State:.*[DS]' /proc/$pid/status && grep -q FROZEN /sys/fs/cgroup/freezer/rocker-runtime/life/freezer.state"
check "resume" rt resume life
check "state: running again" bash -c "'$RT' --root '$S' state life | grep -q '\"running\"'"
check "kill by number (9)" rt kill life 9
sleep 0.3
check "state after kill: stopped, pid 0" bash -c "'$RT' --root '$S' state life | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"status\"]==\"stopped\" and d[\"pid\"]==0'"
check "kill of a stopped container fails: container not running" bash -c "'$RT' --root '$S' kill life 9 2>&1 | grep -q 'container not running'"
check "delete" rt delete life
check "state of a deleted container fails: does not exist" bash -c "! '$RT' --root '$S' state life 2>&1 | grep -q . || '$RT' --root '$S' state life 2>&1 | grep -q 'does not exist'"
check "delete --force of an unknown container succeeds" rt delete --force nosuch
check "delete of an unknown container fails" bash -c "! '$RT' --root '$S' delete nosuch 2>/dev/null"
check "an invalid id is refused" bash -c "! '$RT' --root '$S' create --bundle '$B' ../x 2>/dev/null"

# --- run: exit status, stdin, signals
B=$(bundle exit 'args("sh", "-c", "read x; echo got $x; exit 7")')
got=$(echo hello | rt run --bundle "$B" exit)
check "run returns the container's exit status" test $? = 7
check "stdin reaches the container" test "$got" = "got hello"
check "run removed the container" bash -c "! '$RT' --root '$S' state exit 2>/dev/null"
B=$(bundle sig 'args("sh", "-c", "trap \"exit 42\" TERM; while :; do sleep 0.1; done")')
rt run --bundle "$B" sig & rp=$!
sleep 0.5
check "kill by name (TERM)" rt kill sig TERM
wait $rp
check "the container's handler ran: run returns 42" test $? = 42
rt run --bundle "$B" sig & rp=$!
sleep 0.5
check "kill by SIG-name (SIGKILL)" rt kill sig SIGKILL
wait $rp
check "killed by SIGKILL: 137" test $? = 137
check "an unknown signal is refused" bash -c "! '$RT' --root '$S' kill sig BOGUS 2>/dev/null"

# --- kill --all and delete --force with several processes
B=$(bundle many 'args("sh", "-c", "sleep 30 & sleep 30 & wait")')
rt run -d --bundle "$B" many
sleep 0.3
n=$(rt ps --format json many | json 'print(len(d))')
check "ps lists every process (3)" test "$n" = 3
check "kill --all KILL" rt kill --all many KILL
sleep 0.3
check "all gone after kill --all" bash -c "'$RT' --root '$S' state many | grep -q stopped"
rt delete many
rt run -d --bundle "$B" many
check "delete --force of a running container" rt delete --force many
check "its processes and cgroup are gone" test ! -e /sys/fs/cgroup/pids/rocker-runtime/many

# --- exec
B=$(bundle ex 'args("sleep", "30"); c["process"]["env"].append("FROM=config")')
rt run -d --bundle "$B" ex
check "exec runs in the container (pid ns, hostname, env)" bash -c "test \"\$('$RT' --root '$S' exec ex sh -c 'echo \$(hostname) \$FROM; cat /proc/1/cmdline')\" = \"oci-test config\"\$'\\n'sleep30"
'$RT' >/dev/null 2>&1
rt exec ex sh -c 'exit 5'
check "exec returns the process's status" test $? = 5
check "exec --env --cwd --user" bash -c "test \"\$('$RT' --root '$S' exec --env A=b --cwd /etc --user 1000:1000 ex sh -c 'echo \$A \$(pwd) \$(id -u):\$(id -g)')\" = 'b /etc 1000:1000'"
cat >"$W/proc.json" <<EOF
{"args":["sh","-c","echo from-process-file \$X"],"env":["X=1","PATH=/bin"],"cwd":"/tmp","user":{"uid":0,"gid":0}}
EOF
check "exec --process FILE" bash -c "test \"\$('$RT' --root '$S' exec --process '$W/proc.json' ex)\" = 'from-process-file 1'"
rt exec -d --pid-file "$W/ex.pid" ex sleep 20
check "exec --detach writes the pid file" bash -c "test -d /proc/\$(cat '$W/ex.pid')"
check "the exec'd process is in the container's cgroup" bash -c "grep -q rocker-runtime/ex /proc/\$(cat '$W/ex.pid')/cgroup"
check "exec of a missing program fails" bash -c "! '$RT' --root '$S' exec ex /nonexistent 2>/dev/null"
rt kill ex KILL
for _ in $(seq 30); do rt state ex | grep -q stopped && break; sleep 0.1; done
check "state: stopped once the init is exiting" bash -c "'$RT' --root '$S' state ex | grep -q stopped"
check "exec in a stopped container fails" bash -c "! '$RT' --root '$S' exec ex true 2>/dev/null"
rt delete ex

# --- the process: ids, capabilities, no_new_privs, rlimits, cwd
B=$(bundle proc 'args("sh", "-c", "id -u; id -g; id -G; grep -E \"^(CapBnd|CapEff|CapPrm|NoNewPrivs)\" /proc/self/status; ulimit -n; pwd; echo $HOME")
c["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20]}
c["process"]["cwd"] = "/tmp"
c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 200, "soft": 100}]')
out=$(rt run --bundle "$B" proc)
check "uid, gid and additional gids" test "$(sed -n 1,3p <<<"$out" | tr '\n' ' ')" = "1000 1000 1000 10 20 "
check "bounding set: KILL, NET_BIND_SERVICE, AUDIT_WRITE" grep -q 'CapBnd:.*0000000020000420' <<<"$out"
check "a non-root process keeps no capability across exec (none ambient)" grep -q 'CapEff:.*0000000000000000' <<<"$out"
check "NoNewPrivs 1" grep -q 'NoNewPrivs:.*1' <<<"$out"
check "RLIMIT_NOFILE soft 100" grep -qx 100 <<<"$out"
check "cwd /tmp" grep -qx /tmp <<<"$out"
check "env HOME" grep -qx /root <<<"$out"
B=$(bundle amb 'args("sh", "-c", "grep -E \"^Cap(Eff|Prm|Amb)\" /proc/self/status")
c["process"]["capabilities"]["inheritable"] = ["CAP_KILL"]
c["process"]["capabilities"]["ambient"] = ["CAP_KILL"]
c["process"]["user"] = {"uid": 1000, "gid": 1000}')
out=$(rt run --bundle "$B" amb)
check "ambient KILL: kept by a non-root process across exec" grep -q 'CapAmb:.*0000000000000020' <<<"$out"
check "... and effective" grep -q 'CapEff:.*0000000000000020' <<<"$out"
B=$(bundle rootcaps 'args("sh", "-c", "grep -E \"^Cap(Eff|Prm)\" /proc/self/status")')
out=$(rt run --bundle "$B" rootcaps)
check "root: effective and permitted are the config's" bash -c "grep -q 'CapEff:.*0000000020000420' && true" <<<"$out"
B=$(bundle nnp 'args("sh", "-c", "grep NoNewPrivs /proc/self/status; grep CapEff /proc/self/status"); c["process"]["noNewPrivileges"] = False; del c["process"]["capabilities"]')
out=$(rt run --bundle "$B" nnp)
check "noNewPrivileges false: NoNewPrivs 0" grep -q 'NoNewPrivs:.*0' <<<"$out"
check "no capabilities field: root keeps the runtime's own" grep -q "CapEff:.*$(awk '/CapEff/ {print $2}' /proc/self/status)" <<<"$out"

# --- root, mounts, masked paths, hostname, namespaces
B=$(bundle fs 'args("sh", "-c", "touch /x 2>&1; echo w > /run/w && cat /run/w; cat /proc/keys | wc -c; echo 1 > /proc/sys/kernel/ns_last_pid 2>&1; ls /proc/acpi | wc -l; hostname; ls /dev; cat /data/os-release | head -1; grep -c . /proc/self/mountinfo")
c["mounts"].append({"destination": "/data", "type": "bind", "source": w + "/rootfs/etc", "options": ["bind", "ro"]})')
rt run --bundle "$B" fs >"$W/fs.out" 2>&1
check "read-only root: EROFS" grep -q 'Read-only file system' "$W/fs.out"
check "a tmpfs mount (/run) is writable" grep -qx w "$W/fs.out"
check "masked /proc/keys is empty" bash -c "sed -n 3p '$W/fs.out' | grep -qx 0"
check "read-only /proc/sys" bash -c "sed -n 4p '$W/fs.out' | grep -q 'Read-only'"
check "hostname" grep -qx oci-test "$W/fs.out"
check "default devices" bash -c "for d in null zero full random urandom tty ptmx pts shm mqueue; do grep -qx \$d '$W/fs.out' || exit 1; done"
check "a bind mount" grep -q 'rocker test rootfs' "$W/fs.out"
B=$(bundle rw 'args("sh", "-c", "echo data > /written && cat /written"); c["root"] = {"path": w + "/rootfs-rw", "readonly": False}')
check "writable root: writes land in the bundle's rootfs" bash -c "'$RT' --root '$S' run --bundle '$B' rw >/dev/null && test \"\$(cat '$W/rootfs-rw/written')\" = data"
B=$(bundle netns 'args("sh", "-c", "cat /proc/net/dev | wc -l")')
check "network namespace: only lo" bash -c "test \"\$('$RT' --root '$S' run --bundle '$B' netns)\" = 3"

unshare -n sleep 30 & np=$!
sleep 0.2
B=$(bundle joinnet 'args("sh", "-c", "readlink /proc/self/ns/net")
c["linux"]["namespaces"] = [{"type": t} for t in ("pid", "ipc", "uts", "mount")] + [{"type": "network", "path": "/proc/'$np'/ns/net"}]')
check "a network namespace joined by path" test "$(rt run --bundle "$B" joinnet)" = "$(readlink /proc/$np/ns/net)"
kill $np; wait $np 2>/dev/null

B=$(bundle sec 'args("sh", "-c", "mkdir /tmp/x 2>&1; cat /proc/sys/net/ipv4/ip_forward; cat /proc/self/oom_score_adj; echo ok")
c["root"] = {"path": w + "/rootfs-rw", "readonly": False}
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
c["process"]["oomScoreAdj"] = 100')
rt run --bundle "$B" sec >"$W/sec.out" 2>&1
check "seccomp: mkdir denied with EPERM" grep -q 'Operation not permitted' "$W/sec.out"
check "seccomp: the rest allowed" grep -qx ok "$W/sec.out"
check "sysctl net.ipv4.ip_forward in the container's netns" bash -c "sed -n 2p '$W/sec.out' | grep -qx 1"
check "oomScoreAdj" bash -c "sed -n 3p '$W/sec.out' | grep -qx 100"

# --- a squashfs image as the root: loop-mounted, one loop device for all
cp "$CACHE/busybox-$T.sqfs" "$W/image.sqfs"
B=$(bundle sq 'args("sh", "-c", "head -1 /etc/os-release; sleep 30"); c["root"] = {"path": w + "/image.sqfs", "readonly": True}')
rt run -d --bundle "$B" sq1 >"$W/sq.out" && rt run -d --bundle "$B" sq2 >>"$W/sq.out"
sleep 0.3
check "a squashfs root runs" grep -q 'rocker test rootfs' "$W/sq.out"
check "two containers of one image share one loop device" test "$(losetup -a | grep -c "$W/image.sqfs")" = 1
rt delete --force sq1; rt delete --force sq2
for _ in $(seq 20); do losetup -a | grep -q "$W/image.sqfs" || break; sleep 0.1; done
check "the loop device is gone with the last container" bash -c "! losetup -a | grep -q '$W/image.sqfs'"
B=$(bundle sqrw 'c["root"] = {"path": w + "/image.sqfs", "readonly": False}')
check "a writable squashfs root is refused" bash -c "! '$RT' --root '$S' create --bundle '$B' sqrw 2>/dev/null"

# --- limits (cgroup v1 here: pids, memory, cpu)
B=$(bundle lim 'args("sleep", "30"); c["linux"]["resources"] = {"pids": {"limit": 20}, "memory": {"limit": 33554432}, "cpu": {"quota": 50000, "period": 100000}}')
rt run -d --bundle "$B" lim
cg=/sys/fs/cgroup
check "pids.limit" bash -c "test \"\$(cat $cg/pids/rocker-runtime/lim/pids.max)\" = 20"
check "memory.limit" bash -c "test \"\$(cat $cg/memory/rocker-runtime/lim/memory.limit_in_bytes)\" = 33554432"
check "cpu quota" bash -c "test \"\$(cat $cg/cpu/rocker-runtime/lim/cpu.cfs_quota_us)\" = 50000"
rt delete --force lim
check "the cgroup is removed with the container" test ! -e $cg/pids/rocker-runtime/lim

# --- terminal over the console socket
B=$(bundle tty 'args("sh"); c["process"]["terminal"] = True; c["process"]["consoleSize"] = {"height": 30, "width": 100}')
python3 "$CONSOLE" "$W/console.sock" 'tty; stty size; exit\n' 5 >"$W/tty.out" 2>/dev/null & cp=$!
for _ in $(seq 50); do [ -S "$W/console.sock" ] && break; sleep 0.1; done
rt create --bundle "$B" --console-socket "$W/console.sock" tty && rt start tty
wait $cp
check "console socket: a pty for the container" grep -q '^/dev/pts/0' "$W/tty.out"
check "console size" grep -q '^30 100' "$W/tty.out"
rt delete --force tty
check "terminal without --console-socket is refused" bash -c "! '$RT' --root '$S' create --bundle '$B' tty2 2>/dev/null"

# --- errors and logs
B=$(bundle bad 'c["linux"]["namespaces"].append({"type": "user"})')
rt --log "$W/log.json" --log-format json create --bundle "$B" bad 2>"$W/bad.err"
check "an unsupported field fails" test $? != 0
check "its message names the field on stderr" grep -q 'linux.namespaces' "$W/bad.err"
check "the log is runc's JSON (level, msg, time)" bash -c "tail -1 '$W/log.json' | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d[\"level\"]==\"error\" and \"linux.namespaces\" in d[\"msg\"] and d[\"time\"].endswith(\"Z\")'"
check "nothing left of the refused container" bash -c "! '$RT' --root '$S' state bad 2>/dev/null"
B=$(bundle nocmd 'args("/nonexistent")')
check "a missing program fails create" bash -c "! '$RT' --root '$S' create --bundle '$B' nocmd 2>/dev/null"
check "a malformed config.json fails" bash -c "echo '{' > '$W/b-nocmd/config.json'; ! '$RT' --root '$S' create --bundle '$W/b-nocmd' x 2>/dev/null"

# --- a create killed part way: a dir without a record, or a first record
mkdir -m 700 "$S/broken"
check "a state dir without a record reads as stopped" bash -c "'$RT' --root '$S' state broken | grep -q stopped"
check "... and delete removes it" bash -c "'$RT' --root '$S' delete broken && test ! -e '$S/broken'"
mkdir -m 700 "$S/half" && mkdir -p /sys/fs/cgroup/pids/rocker-runtime/half
printf 'pid 0\nstart 0\ncreated 0\ncgroup /rocker-runtime/half\nbundle /x\n' >"$S/half/state"
check "a first record (pid 0) reads as stopped" bash -c "'$RT' --root '$S' state half | grep -q stopped"
check "... and delete removes its cgroup" bash -c "'$RT' --root '$S' delete half && test ! -e /sys/fs/cgroup/pids/rocker-runtime/half"

# --- nothing left
sleep 0.3
check "the state dir is empty" bash -c "test -z \"\$(ls -A '$S')\""
after=$(snapshot)
check "no mount, loop device or cgroup left" test "$before" = "$after"
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after")
check "no container process left" bash -c "! grep -l rocker-runtime /proc/[0-9]*/cgroup 2>/dev/null | grep -q ."

echo "# $pass passed, $failed failed"
[ $failed = 0 ]
