# rocker QEMU guest: the test App. It is packed as /app.sh into the squashfs
# test packages (next to bin/busybox and its applet links) and runs INSIDE a
# sandbox as `<exec dir>/bin/sh <exec dir>/app.sh MODE [ARG]`, using only the
# package's own busybox. It prints key=value lines; qemu/guest-tests.sh
# (outside the sandbox) decides what is right.
EXEC=${0%/*}
PATH=$EXEC/bin
export PATH
case $1 in
probe)
    set -- "$1" "$2" /proc/[0-9]*   # no fork before this: /proc = guard + us
    echo "procs=$(echo $3 $4 $5 $6 $7 $8)"
    echo "self=$$"
    echo "uid=$(id -u)"
    echo "gid=$(id -g)"
    echo "groups=$(id -G)"
    echo "pid1=$(cat /proc/1/comm)"
    echo "pid1_uid=$(stat -c %u /proc/1)"
    pids= comms=
    for p in /proc/[0-9]*; do
        c=$(cat "$p/comm" 2>/dev/null) || continue
        pids="$pids ${p#/proc/}"
        comms="$comms $c"
    done
    echo "pids=$pids"
    echo "comms=$comms"
    echo "comp=$(cat "$EXEC/comp")"
    echo "exec_write=$(touch "$EXEC/x" 2>&1)"
    echo "etc_write=$( (echo x >>/etc/passwd) 2>&1)"
    echo "usr_write=$(touch /usr/x 2>&1)"
    if echo "$2" >/home/app/note.txt; then echo "home_write=ok"; else echo "home_write=failed"; fi
    echo "home_read=$(cat /home/app/note.txt 2>&1)"
    ;;
escape)
    # issue 8: a hostile App's view, through the package's bin/probe
    # (tests/probe/probe.c). Keys are prefixed where probe repeats them.
    probe ptrace 1
    echo "proc1_root_$(probe ls /proc/1/root)"
    echo "proc1_rootlink_$(probe readlink /proc/1/root)"
    echo "proc1_fd_$(probe ls /proc/1/fd)"
    echo "proc1_mem_$(probe open /proc/1/mem)"
    while read -r l; do echo "mnt=$l"; done </proc/self/mountinfo
    exec probe status # the App process itself (sid == its pid)
    ;;
read)
    echo "note=$(cat /home/app/note.txt 2>&1)"
    echo "comp=$(cat "$EXEC/comp")"
    ;;
iso)
    # issue 10: what the App sees of the host
    echo "hostname=$(hostname)"
    echo "dev=$(cd /dev && echo *)"
    echo "tmp=$(ls -A /tmp | tr '\n' ' ')"
    # /proc/net follows the reader's network namespace (/sys/class/net
    # shows the one of whoever mounted sysfs)
    echo "links=$(sed -n 's/^ *\([^ :]*\):.*/\1/p' /proc/net/dev | tr '\n' ' ')"
    echo "lo=$(ip link show lo 2>&1 | head -n1)"
    echo "netns=$(readlink /proc/self/ns/net)"
    ;;
serve)
    # serve PORT: answer one TCP connection with a line
    echo "served-by-$(hostname)" | nc -l -p "$2"
    ;;
connect)
    # connect HOST PORT: what the server says
    echo "got=$(nc "$2" "$3" </dev/null 2>&1)"
    ;;
sleep)
    exec sleep "$2"
    ;;
exit)
    exit "$2"
    ;;
*)
    echo "app.sh: unknown mode '$1'" >&2
    exit 2
    ;;
esac
