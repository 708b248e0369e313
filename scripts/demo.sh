#!/usr/bin/env bash
# `make demo`: rocker's main job on a fresh machine, as root.
# Builds what it needs, packages a small app as squashfs, starts the master,
# runs the app in a sandbox with `rocker run`, shows the isolation, stops.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it loop-mounts and creates namespaces)"; exit 1; }
scripts/setup.sh >/dev/null
make -s release >/dev/null
BIN=$PWD/install_dir/x86_64-unknown-linux-musl/bin
W=$(mktemp -d /tmp/rocker-demo.XXXXXX)
DATA=/var/rocker-demo/data      # the seed's example: data under /var
MASTER=
cleanup() {
    [ -n "$MASTER" ] && kill -TERM "$MASTER" 2>/dev/null && wait "$MASTER" 2>/dev/null
    rm -rf "$W" /var/rocker-demo
}
trap cleanup EXIT
say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }

say "1. package a small app (busybox + a script) as squashfs"
mkdir -p "$W/app/bin"
cp /bin/busybox "$W/app/bin/"
for a in sh ps ls cat id echo mkdir grep; do ln -s busybox "$W/app/bin/$a"; done
cat >"$W/app/hello.sh" <<'APP'
#!/var/your_APP/execdir/bin/sh
PATH=/var/your_APP/execdir/bin
echo "hello from the sandbox: $(id)"
echo "--- my process list (PID 1 is the guard; I am in my own session):"
ps -o pid,user,comm
echo "--- no privilege left: $(grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status | tr -s '\t\n' ' ')"
echo "--- the package, read-only at the exec dir:"
ls /var/your_APP/execdir
touch /var/your_APP/execdir/x 2>&1 | sed 's/^/    /'
echo "--- write /home/demo/note.txt (host's /home is overlaid)"
echo "written inside the sandbox" > /home/demo/note.txt && cat /home/demo/note.txt
APP
chmod +x "$W/app/hello.sh"
mksquashfs "$W/app" "$W/app.sqfs" -comp lz4 -noappend -all-root -quiet >/dev/null
echo "$(du -b "$W/app.sqfs" | cut -f1) bytes squashfs from $(du -sb "$W/app" | cut -f1) bytes of files"

say "2. start rocker-master"
export ROCKER_SOCKET=$W/rocker.sock
"$BIN/rocker-master" --socket "$ROCKER_SOCKET" 2>"$W/master.log" &
MASTER=$!
for _ in $(seq 50); do [ -S "$ROCKER_SOCKET" ] && break; sleep 0.05; done
mkdir -p "$(dirname "$DATA")" /home/demo && chown 1000:1000 /home/demo

say "3. rocker run (the seed's configuration: overlays /usr /var /etc /home /root, uid/gid 1000)"
echo "\$ rocker run --pkg app.sqfs --exec-dir /var/your_APP/execdir --data-dir $DATA \\"
echo "      --overlay /usr --overlay /var --overlay /etc --overlay /home --overlay /root --uid 1000 --gid 1000 -- /var/your_APP/execdir/hello.sh"
"$BIN/rocker" run --pkg "$W/app.sqfs" --exec-dir /var/your_APP/execdir --data-dir "$DATA" \
    --overlay /usr --overlay /var --overlay /etc --overlay /home --overlay /root \
    --uid 1000 --gid 1000 -- /var/your_APP/execdir/hello.sh
echo "(exit status $?; the data dir was created by rocker run: $(stat -c '%A %U:%G' "$DATA"))"
# The sandbox ends when its App does: wait for the master to reap its guard.
for _ in $(seq 100); do grep -q 'exit guard=' "$W/master.log" && break; sleep 0.02; done

say "4. back on the host"
echo "host /home/demo: [$(ls -A /home/demo)]  (untouched)"
echo "data dir: $(find "$DATA/home/upper" -type f) -> $(cat "$DATA/home/upper/demo/note.txt"), owner $(stat -c %U:%G "$DATA/home/upper/demo/note.txt")"
echo "/var/your_APP on the host: $(ls -d /var/your_APP 2>&1 | sed 's/^ls: //')"
echo "loop devices left: $(losetup -a | grep -c "$W" || true)"

say "5. stop the master (SIGTERM)"
kill -TERM "$MASTER"; wait "$MASTER" || true; MASTER=
rmdir /home/demo
sed 's/^/    /' "$W/master.log"
