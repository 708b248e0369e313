#!/usr/bin/env python3
"""bench/sched.py PERF_SCRIPT_OUTPUT ROOT_PID|ROOT_COMM [EXTRA_PID...] --runs N

Where the time of a series of sandbox starts goes, from a kernel trace of
the scheduler: `perf sched record` (sched_switch, sched_wakeup,
sched_process_fork/exec/exit), printed with
`perf script -F comm,tid,cpu,time,event,trace`.

Follows ROOT_PID (the driver: rkbench or floor) and every process it forks,
plus EXTRA_PIDs (rocker-master) and the processes they fork, and sums per
role, per start (divided by --runs):
  cpu      time on a CPU
  runq     time runnable but waiting for a CPU (wakeup or preemption -> on CPU)
  blocked  time asleep, split by who woke the task: an RCU grace-period
           kthread (rcu_preempt, rcu_exp_gp_kthr: synchronize_rcu & co),
           another task of the sandbox machinery (a hand-off: a socket
           message, a pipe, a child's exit), or anything else (kworkers,
           softirqs, I/O)
  wakeups  hand-offs between the followed tasks
  forks    processes the role created
Roles: the first process is "driver", EXTRA_PIDs are "daemon"; a process
forked by the daemon is "guard"/"pid1"; one forked by the driver that later
execs is "app", else "helper"/"pid1"; processes forked by those inherit a
role from their exec (app) or parent.
"""
import re
import sys
from collections import defaultdict

args = sys.argv[1:]
runs = 1
if "--runs" in args:
    i = args.index("--runs")
    runs = int(args[i + 1])
    del args[i:i + 2]
path, extra = args[0], [int(x) for x in args[2:]]
if not args[1].isdigit():  # a comm: the first task of that name in the trace (the workload)
    root = next(int(m.group(1)) for m in (re.match(rf"\s*{re.escape(args[1])}\s+(\d+) ", l) for l in open(path)) if m)
else:
    root = int(args[1])

LINE = re.compile(r"^\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)$")
role = {root: "driver"}
for p in extra:
    role[p] = "daemon"
parent = {}
execd = set()
cpu = defaultdict(float)
runq = defaultdict(float)
blocked = defaultdict(lambda: defaultdict(float))
wakeups = defaultdict(int)
forks = defaultdict(int)
on_since = {}      # tid -> time it got a CPU
runnable_at = {}   # tid -> time it became runnable
asleep_at = {}     # tid -> time it blocked
woken_by = {}      # tid -> waker class
t_first = t_last = None


def kind_of(comm, tid):
    if tid in role:
        return "machinery"
    if comm.startswith("rcu_"):
        return "rcu"
    return "other"


for line in open(path):
    m = LINE.match(line)
    if not m:
        continue
    comm, tid, _, t, ev, tr = m.group(1), int(m.group(2)), m.group(3), float(m.group(4)), m.group(5), m.group(6)
    if ev == "sched:sched_process_fork":
        f = re.search(r"pid=(\d+) child_comm=.* child_pid=(\d+)", tr)
        pp, child = int(f.group(1)), int(f.group(2))
        if pp in role or tid in role:
            par = pp if pp in role else tid
            forks[role[par]] += 1
            parent[child] = par
            pr = role[par]
            role[child] = {"daemon": "guard", "driver": "helper" if extra else "pid1"}.get(pr, pr)
            runnable_at[child] = t
            if t_first is None:
                t_first = t
    elif ev == "sched:sched_process_exec":
        if tid in role and role[tid] in ("helper", "pid1", "app", "guard"):
            execd.add(tid)
            role[tid] = "app"
    elif ev in ("sched:sched_waking", "sched:sched_wakeup", "sched:sched_wakeup_new"):
        w = re.search(r"pid=(\d+)", tr)
        tgt = int(w.group(1))
        if tgt in role:
            runnable_at.setdefault(tgt, t)
            if tgt in asleep_at:
                k = kind_of(comm, tid)
                blocked[role[tgt]][k] += t - asleep_at.pop(tgt)
                if k == "machinery" and tid != tgt:
                    wakeups[role[tid]] += 1
    elif ev == "sched:sched_switch":
        s = re.search(r"prev_comm=.* prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=.* next_pid=(\d+)", tr)
        prev, state, nxt = int(s.group(1)), s.group(2), int(s.group(3))
        if prev in role:
            if prev in on_since:
                cpu[role[prev]] += t - on_since.pop(prev)
            if state in ("R", "R+"):
                runnable_at[prev] = t
            else:
                asleep_at[prev] = t
            t_last = t
        if nxt in role:
            # the App: a followed process that has exec'd the payload
            if re.search(r"next_comm=(true|busybox) ", tr) and role[nxt] in ("helper", "pid1", "guard"):
                role[nxt] = "app"
            if nxt in runnable_at:
                runq[role[nxt]] += t - runnable_at.pop(nxt)
            on_since[nxt] = t
            if t_first is None and nxt == root:
                t_first = t

roles = [r for r in ["driver", "daemon", "guard", "pid1", "helper", "app"] if r in set(role.values())]
NAMES = {"driver": "driver (rkbench / floor's parent)", "daemon": "rocker-master", "guard": "guard (sandbox pid 1)",
         "pid1": "floor's pid 1 (and the App before execve)", "helper": "client helper (and the App before execve)", "app": "the App after execve"}
print(f"| role | on CPU | runnable, waiting for a CPU | asleep, woken by an RCU grace period | asleep, woken by "
      f"another process of the start (idle waits included) | asleep, other | hand-offs (wakeups it sent) | forks |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
tot = defaultdict(float)
for r in roles:
    b = blocked[r]
    vals = [cpu[r], runq[r], b["rcu"], b["machinery"], b["other"]]
    for k, v in zip(["cpu", "runq", "rcu", "handoff", "other"], vals):
        tot[k] += v
    print(f"| {NAMES[r]} | " + " | ".join(f"{v / runs * 1000:.3f}" for v in vals)
          + f" | {wakeups[r] / runs:.1f} | {forks[r] / runs:.1f} |")
print(f"| **all** | **{tot['cpu'] / runs * 1000:.3f}** | **{tot['runq'] / runs * 1000:.3f}** | "
      f"**{tot['rcu'] / runs * 1000:.3f}** | {tot['handoff'] / runs * 1000:.3f} | {tot['other'] / runs * 1000:.3f} | "
      f"**{sum(wakeups.values()) / runs:.1f}** | **{sum(forks.values()) / runs:.1f}** |")
print(f"\n({runs} starts, {len(role)} processes followed; ms per start)")
