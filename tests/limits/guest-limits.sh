#!/bin/busybox sh
# tests/limits/guest.sh's stage 2 in the guest (busybox ash, PID 1 after
# qemu/guest-init.sh's switch_root): cgroup v2 limits through rocker-master
# and the CLI. As PID 1 it runs the checks as a child and `wait`s (reaping
# what gets reparented to it), then prints `N passed, M failed`, powers off.
RES=/tmp/results
export PATH=/bin:/rocker/bin
if [ "${1:-}" != run ]; then
    /bin/busybox --install -s /bin
    : >"$RES"
    /bin/sh /guest-tests.sh run &
    wait
    echo "$(grep -c '^ok' "$RES") passed, $(grep -c '^FAIL' "$RES") failed"
    poweroff -f
    exit 0
fi

ok() { echo "ok - $1"; echo ok >>"$RES"; }
fail() { echo "FAIL - $1: $2"; echo FAIL >>"$RES"; }
wait_until() { # TENTHS CMD...
    local t=$1
    shift
    while ! "$@"; do
        t=$((t - 1))
        [ $t -le 0 ] && return 1
        sleep 0.1
    done
}

G=/sys/fs/cgroup
mount -t cgroup2 -o nsdelegate cgroup2 $G || { fail "mount cgroup2" "$?"; touch /tmp/done; exit 0; }
echo "# $(uname -srm), cgroup.controllers: $(cat $G/cgroup.controllers)"
# procd's layout: the service in a delegated cgroup of its own
mkdir -p $G/services/rocker/instance1
for d in $G $G/services $G/services/rocker; do echo "+memory +cpu +pids" >$d/cgroup.subtree_control; done
BASE=$G/services/rocker/instance1
SOCK=/run/rocker.sock
LOG=/tmp/master.log
export ROCKER_SOCKET=$SOCK
MPID=
start_master() { # CGROUP (where the supervisor puts it)
    K=$(($(grep -c 'listening on' $LOG 2>/dev/null) + 1))
    sh -c "echo \$\$ >$1/cgroup.procs && exec rocker-master --socket $SOCK --test-hooks" 2>>$LOG &
    MPID=$!
    wait_until 50 ready || { fail "master starts" "$(tail -n 3 $LOG | tr '\n' '|')"; }
}
ready() { [ -S $SOCK ] && [ "$(grep -c 'listening on' $LOG)" -ge $K ]; }
run() { # DATA ARGS...
    d=$1
    shift
    rocker run --pkg /pkgs/app.sqfs --exec-dir /var/app/exec --data-dir /data/$d --overlay /var --uid 1000 --gid 1000 "$@"
}
rg_left() { ls -d $BASE/rg-* 2>/dev/null; }
none_left() { [ -z "$(rg_left)" ]; }
chk_none_left() { if wait_until 30 none_left; then ok "no cgroup left $1"; else fail "no cgroup left $1" "$(rg_left | tr '\n' ' ')"; fi; }
last_name() { grep -o 'start guard=[0-9]* name=rg-[0-9a-f]*' $LOG | tail -n 1 | sed 's/.*name=//'; }

start_master $BASE
line=$(grep -m1 'rocker-master: cgroup' $LOG)
echo "# $line"
case $line in
*"cgroup v2 memory,cpu,pids,base=$BASE (master moved to ./master)"*) ok "master: cgroup v2 under procd's cgroup, moved into its leaf" ;;
*) fail "master: cgroup v2 line" "$line" ;;
esac
grep -q "^$MPID\$" $BASE/master/cgroup.procs && ok "the master runs in instance1/master" || fail "master in its leaf" "$(cat $BASE/master/cgroup.procs)"
# memory and cpu only once a sandbox asks for such a limit (rocker-cgroup)
[ "$(cat $BASE/cgroup.subtree_control)" = "pids" ] && ok "instance1 hands pids down at start (memory and cpu on demand)" || fail "subtree_control at start" "$(cat $BASE/cgroup.subtree_control)"

# an App in its cgroup, with its rlimit
out=$(run a --memory 16M --pids 20 --cpus 0.5 --ulimit nofile=64:128 -- /var/app/exec/bin/sh -c 'cat /proc/self/cgroup; ulimit -n' 2>&1)
n=$(last_name)
case $out in
*"0::/services/rocker/instance1/$n"*64*) ok "the App runs in $n with nofile 64" ;;
*) fail "App in its cgroup" "$(echo "$out" | tr '\n' '|')" ;;
esac
[ "$(cat $BASE/cgroup.subtree_control)" = "cpu memory pids" ] && ok "after a sandbox with --memory and --cpus, instance1 hands memory, cpu, pids down" || fail "subtree_control after limits" "$(cat $BASE/cgroup.subtree_control)"
chk_none_left "after the App exits"

# a memory hog
run b --memory 16M --pids 20 -- /var/app/exec/bin/dd if=/dev/zero of=/dev/null bs=64M count=1 >/tmp/oom.out 2>&1
rc=$?
n=$(last_name)
[ $rc = 137 ] && ok "a memory hog is OOM-killed at --memory 16M (exit 137)" || fail "OOM kill" "exit $rc: $(cat /tmp/oom.out)"
if wait_until 30 grep -q "oom guard=[0-9]* name=$n: out of memory" $LOG; then
    ok "the master logs it: $(grep "oom guard=.*$n" $LOG | sed 's/^rocker-master: //')"
    [ "$(grep -c "oom guard=.*$n" $LOG)" = 1 ] && ok "once" || fail "one oom line" "$(grep -c "oom guard=.*$n" $LOG)"
else
    fail "oom logged" "$(tail -n 3 $LOG | tr '\n' '|')"
fi
chk_none_left "after the OOM kill"
# memory.events raises POLLPRI: logged while the sandbox still runs
run b2 --memory 16M -- /var/app/exec/bin/sh -c '/var/app/exec/bin/dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 1' >/tmp/oom2.out 2>&1
n=$(last_name)
o=$(grep -n "oom guard=[0-9]* name=$n:" $LOG | cut -d: -f1)
e=$(grep -n "exit guard=[0-9]* name=$n " $LOG | cut -d: -f1)
[ -n "$o" ] && [ -n "$e" ] && [ "$o" -lt "$e" ] && ok "an OOM kill in a sandbox that lives on is logged at once (memory.events POLLPRI)" ||
    fail "POLLPRI oom line" "oom line $o, exit line $e: $(tail -n 3 $LOG | tr '\n' '|')"
chk_none_left "after it ends"

# a fork bomb
run c --memory 32M --pids 20 -- /var/app/exec/bin/sh -c 'while :; do sleep 2 & done' >/tmp/bomb.out 2>&1
rc=$?
n=$(last_name)
pc=$(cat $BASE/$n/pids.current 2>/dev/null)
[ $rc = 2 ] && grep -q "can't fork" /tmp/bomb.out && [ -n "$pc" ] && [ "$pc" -le 20 ] && [ "$pc" -ge 15 ] &&
    ok "a fork bomb stops at --pids 20 (pids.current $pc)" || fail "fork bomb" "exit $rc, pids.current '$pc', $(head -n 2 /tmp/bomb.out | tr '\n' '|')"
ps_out=$(rocker ps)
echo "$ps_out" | sed 's/^/# /'
echo "$ps_out" | awk -v n="$n" '$2 == n { exit !($6 >= 15 && $6 <= 20 && $7 != "-") }' && ok "rocker ps shows its pids and memory" || fail "ps" "$ps_out"
g=$(grep "name=$n " $LOG | grep -o 'start guard=[0-9]*' | cut -d= -f2)
wait_until 100 grep -q "exit guard=$g name=$n status=0" $LOG && ok "the guard reaps the bomb and exits 0" || fail "guard exit" "$(grep "guard=$g" $LOG | tail -n 1)"
chk_none_left "after the fork bomb"

# kill -9 of a guard, stalled at a setup step
run d --memory 16M --test-stall mount_proc -- /var/app/exec/bin/true >/tmp/stall.out 2>&1 &
cli=$!
stalled() { g=$(ls $BASE/rg-*/cgroup.procs 2>/dev/null | head -n 1); [ -n "$g" ] && [ -n "$(cat $g)" ]; }
if wait_until 50 stalled; then
    kill -9 $(cat $g)
    wait $cli
    chk_none_left "after kill -9 of a guard stalled at mount_proc (it was in its cgroup from clone3)"
else
    fail "stalled guard" "none"
    kill $cli
fi

# master SIGKILL + restart
a=$(run e --memory 16M --detach -- /var/app/exec/bin/sleep 60)
b=$(run f --memory 16M --detach -- /var/app/exec/bin/sleep 60)
set -- $a
ga=$1 na=$2
set -- $b
gb=$1 nb=$2
kill -9 $MPID
wait $MPID 2>/dev/null
kill -9 $gb
sleep 0.3
# A supervisor puts the restarted master back into its leaf (writing it into
# instance1 itself would be EBUSY: v2's no-internal-process rule).
start_master $BASE/master
if wait_until 30 grep -q "adopt guard=$ga name=$na" $LOG && [ -d $BASE/$na ] && wait_until 30 sh -c "[ ! -d $BASE/$nb ]"; then
    ok "a restarted master adopts $na (cgroup kept) and removes the cgroup of $nb, which died meanwhile"
else
    fail "restart" "$(tail -n 4 $LOG | tr '\n' '|'); left: $(rg_left | tr '\n' ' ')"
fi
grep -q "^$MPID\$" $BASE/master/cgroup.procs && ok "the restarted master is back in instance1/master" || fail "restarted master's cgroup" "$(cat /proc/$MPID/cgroup)"
kill -9 $ga
chk_none_left "after the adopted sandbox ends"

# SIGTERM
run g --memory 16M --detach -- /var/app/exec/bin/sleep 60 >/dev/null
kill -TERM $MPID
wait $MPID
grep -q 'rocker-master: stopped' $LOG && ok "SIGTERM stops the master" || fail "SIGTERM" "$(tail -n 2 $LOG)"
chk_none_left "after SIGTERM"
grep -E 'refuse|not removed' $LOG | sed 's/^/# /'
touch /tmp/done
