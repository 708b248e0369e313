/*
 * rkbench.c -- timing driver for rocker, through the C client (rocker.h).
 *
 *   rkbench start (--pkg FILE [--holder] | --cold IMG --copy-dir DIR) COMMON --runs N --warmup N
 *                 --out FILE -- PROG [ARGS]
 *       Sequential sandboxes, each running PROG as the App.  A run is timed
 *       from just before ROCKER_enter_rocker() to just after waitpid() has
 *       reaped the App; then (untimed) rkbench waits for the run's guard to
 *       exit, so one run's teardown does not overlap the next one.  --cold copies IMG to a new file before every run
 *       (untimed), so every run mounts a squashfs nobody has read yet.
 *       --holder first starts one sandbox of the same package running
 *       <exec-dir>/bin/sleep and keeps it for the whole series (the "warm"
 *       case: another sandbox of the same package file is running).
 *       Output, one line per measured run (microseconds):
 *         total enter app_start app
 *       total     = request .. App reaped
 *       enter     = request .. ROCKER_enter_rocker() returned
 *       app_start = request .. first instruction of the App (before execve)
 *       app       = first instruction of the App .. App reaped (the App's
 *                   own part: execve from the squashfs, run, exit, reap)
 *
 *   rkbench hold --pkg FILE --n N COMMON -- PROG [ARGS]
 *       Starts N sandboxes one after the other and keeps them all running.
 *       Prints "OK i guard_pid app_pid us" or "FAIL i err errno step text"
 *       per sandbox, then "DONE ok=K fail=F wall_us=T" and waits for SIGTERM
 *       or SIGINT; then SIGKILLs the Apps, reaps them and prints
 *       "STOPPED wall_us=T".
 *
 *   rkbench exec --runs N --warmup N --out FILE -- CMD [ARGS]
 *       fork + execv(CMD) + waitpid, timed, one "total" per line (us); every
 *       "{i}" in ARGS becomes the run number modulo 8 (rotating data dirs for
 *       the rocker CLI, whose previous guard may still be exiting).  Like
 *       hyperfine -N, without the shell.  --settle-ms N: pause N ms
 *       (untimed) after each run, for background teardown to finish.
 *       --cgroup BASE (repeatable, one per hierarchy): each run, timed, gets
 *       a cgroup of its own as rocker's sandboxes do (mkdir BASE/rkx-P-K in
 *       every hierarchy, the child joins it by writing "0" to each
 *       cgroup.procs before execv, rmdir after the reap), for a runtime that
 *       makes none (bwrap).  --fd3 FILE: the child gets FILE open as fd 3
 *       (bwrap --seccomp 3).
 *
 *   COMMON: --exec-dir DIR --data-base DIR [--overlay DIR]... [--uid N] [--gid N]
 *           [--net host|none] [--share ipc|uts|dev|tmp|all]... [--hostname NAME]
 *           [--seccomp default|unconfined] [--memory BYTES] [--pids N]
 *           [--cpu-quota US] [--cpu-weight W] [--rootfs [--read-only]]
 *       Each sandbox gets its own data dir <data-base>/<tag><i> (created
 *       here), as a real deployment gives each App its own.  --net, --share
 *       and --hostname set RockerRequest's fields of the same names (default:
 *       ROCKER_request_new()'s: the host's network, its own IPC, UTS, /dev,
 *       /tmp, hostname = the sandbox's name).  --seccomp sets seccomp
 *       (default: rocker's default filter); --memory, --pids, --cpu-quota and
 *       --cpu-weight set mem_max, pids_max, cpu_quota_us (period 100000 us:
 *       100000 = one CPU) and cpu_weight; 0 or absent: no limit.  --rootfs: root = ROCKER_ROOT_PKG
 *       (the package is the whole root, no exec dir, no overlay dirs; the
 *       holder runs /bin/sleep), --read-only adds ROCKER_ROOT_RO.
 *
 * Socket: $ROCKER_SOCKET.  Build: gcc -O2 -static -I<rocker.h dir> rkbench.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rocker.h"

#define MAX_OVL 16
#define MAX_HOLD 1024
#define DATA_ROTATE 8

static char *o_pkg, *o_cold, *o_copy_dir, *o_exec, *o_data_base, *o_out;
static char *o_ovl[MAX_OVL + 1];
static int n_ovl, o_runs = 50, o_warmup = 3, o_uid = 1000, o_gid = 1000, o_n = 1, o_holder, o_settle_ms;
static unsigned o_net = ROCKER_NET_HOST, o_share;
static char *o_hostname, *o_fd3;
static char *o_cg[8];
static int n_cg;
static unsigned o_seccomp = ROCKER_SECCOMP_DEFAULT, o_pids, o_cpu_quota, o_cpu_weight, o_root = ROCKER_ROOT_HOST, o_root_flags;
static unsigned long long o_memory;

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void die(const char *what)
{
    fprintf(stderr, "rkbench: %s: %s\n", what, strerror(errno));
    exit(1);
}

struct app_args {
    char **argv;
    volatile double *stamp; /* MAP_SHARED: the App writes its start time here */
};

static int app_main(void *p)
{
    struct app_args *a = p;
    static char *envp[] = { "PATH=/bin", NULL };
    if (a->stamp)
        *a->stamp = now_us();
    execve(a->argv[0], a->argv, envp);
    return 127;
}

static RockerRequest make_req(char *pkg, char *data)
{
    RockerRequest r = ROCKER_request_new();
    int i;
    r.uid = o_uid;
    r.gid = o_gid;
    r.app_pkg_path = pkg;
    r.app_exec_dir = o_exec;
    r.app_data_dir = data;
    for (i = 0; i < n_ovl; i++)
        r.app_overlay_dirs[i] = o_ovl[i];
    r.net = o_net;
    r.share = o_share;
    r.hostname = o_hostname;
    r.seccomp = o_seccomp;
    r.mem_max = o_memory;
    r.pids_max = o_pids;
    r.cpu_quota_us = o_cpu_quota;
    r.cpu_weight = o_cpu_weight;
    r.root = o_root;
    r.root_flags = o_root_flags;
    return r;
}

static void data_dir(char *buf, size_t len, const char *tag, int i)
{
    snprintf(buf, len, "%s/%s%d", o_data_base, tag, i);
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        die(buf);
}

static void report_fail(FILE *f, const char *what, int i, RockerResult *r)
{
    char msg[160];
    fprintf(f, "FAIL %d err=%d errno=%d step=%d %s (%s)\n", i, (int)r->err_no, r->sys_errno, r->step,
            ROCKER_strerror_r(r, msg, sizeof msg), what);
    fflush(f);
}

static int copy_file(const char *src, const char *dst)
{
    static char buf[1 << 20];
    int in = open(src, O_RDONLY | O_CLOEXEC), out;
    ssize_t n;
    if (in < 0)
        return -1;
    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    close(in);
    close(out);
    return n < 0 ? -1 : 0;
}

static int reap(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return st;
}

/* Untimed, between runs: wait until this run's guard has exited, so its
 * namespace teardown (unmounts, loop auto-clear) does not overlap the next
 * run on a small machine -- as the floor waits for its pid 1.  The guard
 * leaves by itself once its App is gone. */
static void settle_guard(int guard_pid)
{
    long pfd = syscall(SYS_pidfd_open, guard_pid, 0);
    if (pfd >= 0) {
        struct pollfd p = { (int)pfd, POLLIN, 0 };
        (void)poll(&p, 1, 2000);
        close((int)pfd);
    }
}

static int cmd_start(char **prog)
{
    volatile double *stamp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct app_args app = { prog, stamp }, holder_app;
    char holder_prog[512], *holder_argv[3], data[512], copy[512];
    RockerResult holder;
    FILE *out;
    int k, fails = 0;

    if (stamp == MAP_FAILED)
        die("mmap");
    holder.app_pid = 0;
    if (o_holder) {
        RockerRequest q;
        snprintf(holder_prog, sizeof holder_prog, "%s/bin/sleep", o_exec ? o_exec : "");
        holder_argv[0] = holder_prog;
        holder_argv[1] = "100000";
        holder_argv[2] = NULL;
        holder_app.argv = holder_argv;
        holder_app.stamp = NULL;
        data_dir(data, sizeof data, "holder-", (int)getpid());
        q = make_req(o_pkg, data);
        holder = ROCKER_enter_rocker(&q, app_main, &holder_app);
        if (holder.err_no != ROCKER_ERR_success) {
            report_fail(stderr, "holder", 0, &holder);
            return 1;
        }
        usleep(100000); /* let it exec and settle */
    }
    out = fopen(o_out, "w");
    if (!out)
        die(o_out);
    fprintf(out, "# total enter app_start app (us)\n");
    for (k = 0; k < o_warmup + o_runs; k++) {
        RockerRequest q;
        RockerResult r;
        char *pkg = o_pkg;
        double t0, t1, t2;
        int st;
        if (o_cold) {
            snprintf(copy, sizeof copy, "%s/rk-cold-%d.sqfs", o_copy_dir, k);
            if (copy_file(o_cold, copy) < 0)
                die("copy image");
            pkg = copy;
        }
        /* rotate over a few data dirs so a run never shares its overlay
         * upper/work dirs with the previous run's guard, still exiting */
        {
            char tag[32];
            snprintf(tag, sizeof tag, "run%d-", (int)getpid());
            data_dir(data, sizeof data, tag, k % DATA_ROTATE);
        }
        q = make_req(pkg, data);
        *stamp = 0;
        t0 = now_us();
        r = ROCKER_enter_rocker(&q, app_main, &app);
        t1 = now_us();
        if (r.err_no != ROCKER_ERR_success) {
            report_fail(stderr, "start", k, &r);
            fputs("# ", out);
            report_fail(out, "start", k, &r);
            if (o_cold)
                unlink(copy);
            if (++fails > 3)
                return 1;
            continue;
        }
        st = reap(r.app_pid);
        t2 = now_us();
        settle_guard(r.guard_pid);
        if (st != 0) {
            fprintf(stderr, "rkbench: run %d: App status 0x%x\n", k, st);
            fprintf(out, "# FAIL %d App status 0x%x\n", k, st);
            if (++fails > 3)
                return 1;
        } else if (k >= o_warmup) {
            fprintf(out, "%.1f %.1f %.1f %.1f\n", t2 - t0, t1 - t0, *stamp - t0, t2 - *stamp);
        }
        if (o_cold)
            unlink(copy);
    }
    fclose(out);
    if (o_holder) {
        kill(holder.app_pid, SIGKILL);
        reap(holder.app_pid);
    }
    return 0; /* a few failed runs are in the output as "# FAIL" lines */
}

static int cmd_hold(char **prog)
{
    static pid_t apps[MAX_HOLD];
    struct app_args app = { prog, NULL };
    char data[512];
    sigset_t ss;
    double t0, t;
    int i, ok = 0, fail = 0, sig;

    if (o_n < 1 || o_n > MAX_HOLD)
        return 2;
    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    t0 = now_us();
    for (i = 0; i < o_n; i++) {
        RockerRequest q;
        RockerResult r;
        double ts = now_us();
        data_dir(data, sizeof data, "hold", i);
        q = make_req(o_pkg, data);
        r = ROCKER_enter_rocker(&q, app_main, &app);
        if (r.err_no != ROCKER_ERR_success) {
            report_fail(stdout, "hold", i, &r);
            fail++;
            continue;
        }
        apps[ok++] = r.app_pid;
        printf("OK %d %d %d %.1f\n", i, r.guard_pid, r.app_pid, now_us() - ts);
    }
    printf("DONE ok=%d fail=%d wall_us=%.1f\n", ok, fail, now_us() - t0);
    while (sigwait(&ss, &sig) != 0)
        ;
    t = now_us();
    for (i = 0; i < ok; i++)
        kill(apps[i], SIGKILL);
    for (i = 0; i < ok; i++)
        reap(apps[i]);
    printf("STOPPED wall_us=%.1f\n", now_us() - t);
    return 0;
}

static int cmd_exec(char **cmd)
{
    static char bufs[64][512];
    char *argv[64];
    FILE *out = fopen(o_out, "w");
    int k, n, fails = 0;
    if (!out)
        die(o_out);
    fprintf(out, "# total (us)\n");
    for (n = 0; cmd[n] && n < 63; n++)
        ;
    for (k = 0; k < o_warmup + o_runs; k++) {
        double t0, t1;
        pid_t pid;
        int i, st, procs[8];
        char cg[600];
        for (i = 0; i < n; i++) {
            char *hole = strstr(cmd[i], "{i}");
            if (hole) {
                snprintf(bufs[i], sizeof bufs[i], "%.*s%d%s", (int)(hole - cmd[i]), cmd[i], k % DATA_ROTATE, hole + 3);
                argv[i] = bufs[i];
            } else {
                argv[i] = cmd[i];
            }
        }
        argv[n] = NULL;
        t0 = now_us();
        for (i = 0; i < n_cg; i++) {
            snprintf(cg, sizeof cg, "%s/rkx-%d-%d", o_cg[i], (int)getpid(), k);
            if (mkdir(cg, 0755) < 0)
                die(cg);
            snprintf(cg, sizeof cg, "%s/rkx-%d-%d/cgroup.procs", o_cg[i], (int)getpid(), k);
            if ((procs[i] = open(cg, O_WRONLY | O_CLOEXEC)) < 0)
                die(cg);
        }
        pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            for (i = 0; i < n_cg; i++)
                if (write(procs[i], "0", 1) != 1)
                    _exit(126);
            if (o_fd3) {
                int fd = open(o_fd3, O_RDONLY);
                if (fd < 0 || dup2(fd, 3) != 3)
                    _exit(126);
            }
            execv(argv[0], argv);
            _exit(127);
        }
        st = reap(pid);
        for (i = 0; i < n_cg; i++) {
            int tries;
            close(procs[i]);
            snprintf(cg, sizeof cg, "%s/rkx-%d-%d", o_cg[i], (int)getpid(), k);
            for (tries = 0; tries < 1000 && rmdir(cg) < 0 && errno == EBUSY; tries++)
                usleep(1000);
        }
        t1 = now_us();
        if (st != 0) {
            fprintf(stderr, "rkbench: exec run %d: status 0x%x\n", k, st);
            fprintf(out, "# FAIL %d status 0x%x\n", k, st);
            if (++fails > 3)
                return 1;
        } else if (k >= o_warmup) {
            fprintf(out, "%.1f\n", t1 - t0);
        }
        if (o_settle_ms > 0)
            usleep((useconds_t)o_settle_ms * 1000);
    }
    fclose(out);
    return 0; /* a few failed runs are in the output as "# FAIL" lines */
}

static void usage(void)
{
    fprintf(stderr, "usage: rkbench start|hold [options] -- PROG [ARGS]  (see the comment at the top of rkbench.c)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "pkg", 1, 0, 'p' },      { "cold", 1, 0, 'c' }, { "copy-dir", 1, 0, 'C' }, { "holder", 0, 0, 'H' },
        { "exec-dir", 1, 0, 'e' }, { "data-base", 1, 0, 'd' }, { "overlay", 1, 0, 'o' }, { "runs", 1, 0, 'r' },
        { "warmup", 1, 0, 'w' },   { "uid", 1, 0, 'u' },  { "gid", 1, 0, 'g' },      { "out", 1, 0, 'O' },
        { "n", 1, 0, 'n' },        { "settle-ms", 1, 0, 's' }, { "net", 1, 0, 'N' },    { "share", 1, 0, 'S' },
        { "hostname", 1, 0, 'h' }, { "cgroup", 1, 0, 'G' },  { "fd3", 1, 0, 'F' },        { "seccomp", 1, 0, 'X' },
        { "memory", 1, 0, 'M' },   { "pids", 1, 0, 'P' },    { "cpu-quota", 1, 0, 'Q' },  { "rootfs", 0, 0, 'R' },
        { "read-only", 0, 0, 'o' + 256 }, { "cpu-weight", 1, 0, 'W' }, { 0, 0, 0, 0 },
    };
    const char *mode;
    int c;
    if (argc < 2)
        usage();
    mode = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p': o_pkg = optarg; break;
        case 'c': o_cold = optarg; break;
        case 'C': o_copy_dir = optarg; break;
        case 'H': o_holder = 1; break;
        case 'e': o_exec = optarg; break;
        case 'd': o_data_base = optarg; break;
        case 'o':
            if (n_ovl == MAX_OVL)
                usage();
            o_ovl[n_ovl++] = optarg;
            break;
        case 'r': o_runs = atoi(optarg); break;
        case 'w': o_warmup = atoi(optarg); break;
        case 'u': o_uid = atoi(optarg); break;
        case 'g': o_gid = atoi(optarg); break;
        case 'O': o_out = optarg; break;
        case 'n': o_n = atoi(optarg); break;
        case 's': o_settle_ms = atoi(optarg); break;
        case 'N':
            if (!strcmp(optarg, "host"))
                o_net = ROCKER_NET_HOST;
            else if (!strcmp(optarg, "none"))
                o_net = ROCKER_NET_NONE;
            else
                usage();
            break;
        case 'S':
            if (!strcmp(optarg, "ipc"))
                o_share |= ROCKER_SHARE_IPC;
            else if (!strcmp(optarg, "uts"))
                o_share |= ROCKER_SHARE_UTS;
            else if (!strcmp(optarg, "dev"))
                o_share |= ROCKER_SHARE_DEV;
            else if (!strcmp(optarg, "tmp"))
                o_share |= ROCKER_SHARE_TMP;
            else if (!strcmp(optarg, "all"))
                o_share |= ROCKER_SHARE_ALL;
            else
                usage();
            break;
        case 'h': o_hostname = optarg; break;
        case 'G':
            if (n_cg == 8)
                usage();
            o_cg[n_cg++] = optarg;
            break;
        case 'F': o_fd3 = optarg; break;
        case 'X':
            if (!strcmp(optarg, "default"))
                o_seccomp = ROCKER_SECCOMP_DEFAULT;
            else if (!strcmp(optarg, "unconfined"))
                o_seccomp = ROCKER_SECCOMP_UNCONFINED;
            else
                usage();
            break;
        case 'M': o_memory = strtoull(optarg, NULL, 0); break;
        case 'P': o_pids = (unsigned)atoi(optarg); break;
        case 'Q': o_cpu_quota = (unsigned)atoi(optarg); break;
        case 'W': o_cpu_weight = (unsigned)atoi(optarg); break;
        case 'R': o_root = ROCKER_ROOT_PKG; break;
        case 'o' + 256: o_root_flags |= ROCKER_ROOT_RO; break;
        default: usage();
        }
    }
    if (optind >= argc)
        usage();
    if (!strcmp(mode, "exec")) {
        if (!o_out)
            usage();
        return cmd_exec(argv + optind);
    }
    if ((!o_exec && o_root != ROCKER_ROOT_PKG) || !o_data_base)
        usage();
    if (!strcmp(mode, "start")) {
        if (!o_out || (!o_pkg == !o_cold) || (o_cold && (!o_copy_dir || o_holder)))
            usage();
        return cmd_start(argv + optind);
    }
    if (!strcmp(mode, "hold")) {
        if (!o_pkg)
            usage();
        return cmd_hold(argv + optind);
    }
    usage();
    return 2;
}
