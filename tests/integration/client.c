/*
 * client.c -- integration test client for rocker, built against rocker.h
 * only (run.sh builds it with musl-gcc -static, or gcc).
 *
 * Every subcommand exercises the library API (or the raw wire protocol) and
 * prints one line per check, with no number (run.sh numbers them):
 *
 *     ok - NAME
 *     not ok - NAME: REASON
 *
 * Lines starting with '#' are diagnostics.  Exit status: 0 if every check
 * passed, 1 otherwise, 2 for usage errors.
 *
 * Subcommands (the socket is $ROCKER_SOCKET, as for the library):
 *   example  PKG EXEC DATA WDIR   the seed's example config: probes inside
 *                                 the App, host-side checks, guard exit
 *   persist  PKG EXEC DATA WDIR   a second run with the same data dir reads
 *                                 back what `example` wrote
 *   kill     PKG EXEC DATA        kill -9 the guard from the host: all ends
 *   orphan   PKG EXEC DATA        the guard waits for an orphaned child
 *   errors   PKG EXEC DATA NOTSQFS  every client-visible error: reason,
 *                                 the seed code in err_no, errno, step
 *   seedcode PKG EXEC DATA        a relative exec dir: err_no 2, reason 14
 *   raw      PKG EXEC DATA NOTSQFS  malformed and size-versioned requests on
 *                                 a raw SEQPACKET socket: 56-byte failure
 *                                 replies with the precise reason, accepted
 *                                 bodies (zero tail), E2BIG for a non-zero one
 *   entrance PKG EXEC DATA        raw 1832-byte RUN: the reply's 4 fds, the id
 *                                 maps, the guard lives while ctl is open
 *   v1       PKG EXEC DATA        a client of the seed-era v1 layout joins the
 *                                 4 fds itself and runs an App end to end
 *   abandon  PKG EXEC DATA        not a check: sends a RUN and hangs up at once
 *   busy     N                    N (> 32) idle root connections: the whole table
 *   perm     PKG EXEC OWN         as uid 1000 against the 0600 socket: EACCES
 *   member   PKG EXEC OWN ROOTD   as a --group member: LIST, permission_denied,
 *                                 a sandbox it cannot enter (no caps)
 *   list     NAME REASON ERRNO    one LIST with the expected outcome
 *   flood    N SECS               (attacker) keeps N connections open; summary
 *   idle | slow                   one idle connection / one byte per second
 *   starts   NAME N SECS MODE PKG EXEC DATA OVERLAY   many starts in a row
 *   app      PKG EXEC DATA PROG [ARGS]   PROG as the App, caller's stdio
 *   run      [ISOLATION OPTIONS] PKG EXEC DATA -- PROG [ARGS]  the same with
 *                                 RockerRequest's issue-10 fields (hostname,
 *                                 share, net, devices, tmp_size_kb)
 *   race     DATA VFILE VDIR SECS (attacker, data dir owner) swaps upper/var
 *
 * The App function runs in a raw clone (see rocker.h): it only uses
 * async-signal-safe system calls (open/read/write/stat/mkdir/getdents64/
 * getresuid/execve/_exit), no stdio and no malloc.
 */
#define _GNU_SOURCE 1
#include "rocker.h"

#include <dirent.h>
#include <grp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

/* ---------------------------------------------------------------------- */
/* results                                                                */
/* ---------------------------------------------------------------------- */

static int n_failed;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void result(int ok, const char *name, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    why[0] = '\0';
    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
    }
    if (ok) {
        printf("ok - %s\n", name);
    } else {
        n_failed++;
        printf("not ok - %s: %s\n", name, why[0] ? why : "failed");
    }
    fflush(stdout);
}

static const char *rstr(const RockerResult *r)
{
    static char buf[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "err_no=%d (%s) reason=%d (%s) sys_errno=%d (%s) step=%s index=%d",
             (int)r->err_no, ROCKER_err_name((int)r->err_no), r->reason, ROCKER_err_name(r->reason),
             r->sys_errno, ROCKER_errno_name(r->sys_errno), ROCKER_step_name(r->step), r->index);
    return buf[k];
}

/* err_no is one of the seed's 12 codes and the one the reason maps to */
static int seed_ok(const RockerResult *r)
{
    return (int)r->err_no >= ROCKER_ERR_unknown && (int)r->err_no <= ROCKER_ERR_SEED_MAX &&
           (int)r->err_no == ROCKER_seed_code(r->reason);
}

/* the failure is exactly: reason `want` (err_no its seed code), errno
 * `want_errno` (0: any), step `want_step` (-1: any) */
static int is_err(const RockerResult *r, int want, int want_errno, int want_step)
{
    return r->reason == want && seed_ok(r) && (int)r->err_no == ROCKER_seed_code(want) &&
           (!want_errno || r->sys_errno == want_errno) && (want_step < 0 || r->step == want_step);
}

/* ---------------------------------------------------------------------- */
/* small host-side helpers                                                */
/* ---------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* whole small file into buf (NUL-terminated), length or -1 */
static int slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    ssize_t n;
    if (fd < 0)
        return -1;
    while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    buf[got] = '\0';
    return (int)got;
}

/* the value of "Key:" in /proc/PID/status, tabs turned into spaces */
static int status_field(int pid, const char *key, char *out, size_t cap)
{
    char path[64], buf[4096], *p, *e;
    size_t klen = strlen(key);
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (slurp(path, buf, sizeof buf) < 0)
        return -1;
    for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
            p += klen + 1;
            while (*p == '\t' || *p == ' ')
                p++;
            e = strchr(p, '\n');
            if (!e)
                e = p + strlen(p);
            snprintf(out, cap, "%.*s", (int)(e - p), p);
            for (p = out; *p; p++)
                if (*p == '\t')
                    *p = ' ';
            return 0;
        }
    }
    return -1;
}

/* the process state letter of PID ('?' if gone) */
static char proc_state(int pid)
{
    char path[64], buf[512], *p;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (slurp(path, buf, sizeof buf) < 0)
        return '?';
    p = strrchr(buf, ')');
    return (p && p[1] == ' ') ? p[2] : '?';
}

static int guard_is(int pid, const char *pname)
{
    RockerResult r = ROCKER_get_guardname(pid);
    return r.err_no == ROCKER_ERR_success && strcmp(r.guard_pname, pname) == 0;
}

/* Waits until the guard PID named PNAME is gone (reaped by the master, or
 * its pid reused by someone else).  Seconds it took, or -1 after max_s. */
static double wait_guard_gone(int pid, const char *pname, double max_s)
{
    double t0 = now_s();
    while (guard_is(pid, pname)) {
        if (now_s() - t0 > max_s)
            return -1;
        sleep_ms(5);
    }
    return now_s() - t0;
}

/* waitpid with a deadline: the pid, 0 on timeout, -1 on error (errno) */
static pid_t waitpid_for(pid_t pid, int *status, double max_s)
{
    double t0 = now_s();
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w != 0)
            return w;
        if (now_s() - t0 > max_s)
            return 0;
        sleep_ms(5);
    }
}

static int same_ns(int pid_a, int pid_b, const char *ns)
{
    char pa[64], pb[64], la[64], lb[64];
    ssize_t na, nb;
    if (pid_a)
        snprintf(pa, sizeof pa, "/proc/%d/ns/%s", pid_a, ns);
    else
        snprintf(pa, sizeof pa, "/proc/self/ns/%s", ns);
    snprintf(pb, sizeof pb, "/proc/%d/ns/%s", pid_b, ns);
    na = readlink(pa, la, sizeof la - 1);
    nb = readlink(pb, lb, sizeof lb - 1);
    if (na < 0 || nb < 0)
        return -1;
    la[na] = lb[nb] = '\0';
    return strcmp(la, lb) == 0;
}

/* The loop device (e.g. "loop3") whose backing file is PATH, "" if none. */
static void loop_of(const char *path, char *out, size_t cap)
{
    DIR *d = opendir("/sys/block");
    struct dirent *de;
    out[0] = '\0';
    if (!d)
        return;
    while ((de = readdir(d))) {
        char p[300], buf[512];
        size_t n;
        if (strncmp(de->d_name, "loop", 4) != 0)
            continue;
        snprintf(p, sizeof p, "/sys/block/%s/loop/backing_file", de->d_name);
        if (slurp(p, buf, sizeof buf) <= 0)
            continue;
        n = strlen(buf);
        if (n && buf[n - 1] == '\n')
            buf[n - 1] = '\0';
        if (strcmp(buf, path) == 0) {
            snprintf(out, cap, "%s", de->d_name);
            break;
        }
    }
    closedir(d);
}

static int sys_int(const char *dev, const char *file)
{
    char p[300], buf[64];
    snprintf(p, sizeof p, "/sys/block/%s/%s", dev, file);
    if (slurp(p, buf, sizeof buf) <= 0)
        return -1;
    return atoi(buf);
}

/* number of open fds of this process */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;
    if (!d)
        return -1;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the DIR's own fd */
}

/* ---------------------------------------------------------------------- */
/* the request of the seed's example                                      */
/* ---------------------------------------------------------------------- */

static char *overlays_example[] = { "/usr", "/var", "/etc", "/home", "/root" };

static RockerRequest example_req(char *pkg, char *exec, char *data)
{
    RockerRequest req = ROCKER_request_new();
    unsigned i;
    req.app_id = 7;
    req.uid = 1000;
    req.gid = 1000;
    req.app_pkg_path = pkg;
    req.app_exec_dir = exec;
    req.app_data_dir = data;
    for (i = 0; i < sizeof overlays_example / sizeof overlays_example[0]; i++)
        req.app_overlay_dirs[i] = overlays_example[i];
    return req;
}

/* ---------------------------------------------------------------------- */
/* App side: in-process probes (async-signal-safe only)                   */
/* ---------------------------------------------------------------------- */

#define MAX_SEEN 16

struct probe_out {
    char comm1[32];         /* /proc/1/comm inside */
    int self;               /* getpid() inside */
    int n_pids;             /* numeric entries of /proc inside */
    int pids[MAX_SEEN];
    int uid[3], gid[3];     /* getresuid/getresgid */
    int ngroups;
    int erofs_create;       /* errno of open(EXEC/x, O_CREAT) */
    int erofs_mkdir;        /* errno of mkdir(EXEC/d) */
    int passwd_append;      /* errno of open(/etc/passwd, O_WRONLY|O_APPEND) */
    int usr_create;         /* errno of open(/usr/rocker-it-x, O_CREAT) */
    int write_errno;        /* 0 if WDIR/capi-file was written */
    int busybox_is_reg;     /* EXEC/bin/busybox is a regular file */
    char readback[64];      /* persist: content of WDIR/capi-file */
    int read_errno;
};

struct probe_arg {
    int mode;               /* 0: example, 1: persist */
    int res_w, res_r;       /* results pipe */
    int go_r, go_w;         /* the parent closes go_w to let the App exit */
    const char *exec;
    const char *wdir;
    const char *content;
};

static void cat3(char *dst, size_t cap, const char *a, const char *b, const char *c)
{
    size_t n = 0;
    const char *parts[3];
    int i;
    parts[0] = a;
    parts[1] = b;
    parts[2] = c;
    for (i = 0; i < 3; i++)
        for (; *parts[i] && n + 1 < cap; parts[i]++)
            dst[n++] = *parts[i];
    dst[n] = '\0';
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int app_probe(void *argp)
{
    struct probe_arg *a = (struct probe_arg *)argp;
    struct probe_out o;
    char path[512], buf[4096], c;
    int fd, pos;
    long n;
    gid_t groups[8];
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    struct stat st;

    close(a->res_r);
    close(a->go_w);
    memset(&o, 0, sizeof o);
    o.self = (int)syscall(SYS_getpid);

    fd = open("/proc/1/comm", O_RDONLY);
    if (fd >= 0) {
        n = read(fd, o.comm1, sizeof o.comm1 - 1);
        if (n > 0 && o.comm1[n - 1] == '\n')
            o.comm1[n - 1] = '\0';
        close(fd);
    }
    fd = open("/proc", O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (pos = 0; pos < n;) {
                struct linux_dirent64 *d = (struct linux_dirent64 *)(void *)(buf + pos);
                const char *s = d->d_name;
                int v = 0;
                if (*s >= '1' && *s <= '9') {
                    for (; *s >= '0' && *s <= '9'; s++)
                        v = v * 10 + (*s - '0');
                    if (!*s) {
                        if (o.n_pids < MAX_SEEN)
                            o.pids[o.n_pids] = v;
                        o.n_pids++;
                    }
                }
                pos += d->d_reclen;
            }
        }
        close(fd);
    }
    getresuid(&ru, &eu, &su);
    getresgid(&rg, &eg, &sg);
    o.uid[0] = (int)ru; o.uid[1] = (int)eu; o.uid[2] = (int)su;
    o.gid[0] = (int)rg; o.gid[1] = (int)eg; o.gid[2] = (int)sg;
    o.ngroups = getgroups(8, groups);

    cat3(path, sizeof path, a->exec, "/rocker-it-x", "");
    fd = open(path, O_CREAT | O_WRONLY, 0644);
    o.erofs_create = fd < 0 ? errno : 0;
    if (fd >= 0)
        close(fd);
    cat3(path, sizeof path, a->exec, "/rocker-it-d", "");
    o.erofs_mkdir = mkdir(path, 0755) < 0 ? errno : 0;
    cat3(path, sizeof path, a->exec, "/bin/busybox", "");
    o.busybox_is_reg = stat(path, &st) == 0 && S_ISREG(st.st_mode);

    fd = open("/etc/passwd", O_WRONLY | O_APPEND);
    o.passwd_append = fd < 0 ? errno : 0;
    if (fd >= 0)
        close(fd); /* nothing written */
    fd = open("/usr/rocker-it-x", O_CREAT | O_WRONLY | O_EXCL, 0644);
    o.usr_create = fd < 0 ? errno : 0;
    if (fd >= 0)
        close(fd);

    cat3(path, sizeof path, a->wdir, "/capi-file", "");
    if (a->mode == 0) {
        fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd < 0) {
            o.write_errno = errno;
        } else {
            size_t len = strlen(a->content);
            o.write_errno = write(fd, a->content, len) == (ssize_t)len ? 0 : (errno ? errno : EIO);
            close(fd);
        }
    } else {
        fd = open(path, O_RDONLY);
        if (fd < 0) {
            o.read_errno = errno;
        } else {
            n = read(fd, o.readback, sizeof o.readback - 1);
            o.read_errno = n < 0 ? errno : 0;
            close(fd);
        }
    }

    if (write(a->res_w, &o, sizeof o) != (ssize_t)sizeof o)
        return 3;
    close(a->res_w);
    /* stay alive until the parent has looked at us from the host */
    while (read(a->go_r, &c, 1) < 0 && errno == EINTR) {
    }
    return 0;
}

/* App that execs a program (full path inside the sandbox). */
struct exec_arg {
    const char *path;
    char **argv;
    char **envp;
};

static int app_exec(void *argp)
{
    struct exec_arg *a = (struct exec_arg *)argp;
    /* keep the driver's pipes out of long-lived sandbox processes */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        if (null > 2)
            close(null);
    }
    execve(a->path, a->argv, a->envp);
    return 127;
}

/* reads exactly n bytes within max_ms; 0 or -1 */
static int read_full(int fd, void *p, size_t n, int max_ms)
{
    size_t got = 0;
    struct pollfd pf;
    while (got < n) {
        ssize_t r;
        pf.fd = fd;
        pf.events = POLLIN;
        if (poll(&pf, 1, max_ms) <= 0)
            return -1;
        r = read(fd, (char *)p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* example / persist                                                      */
/* ---------------------------------------------------------------------- */

/* DATA/<top>/upper/<rest>/capi-file for WDIR = /<top>/<rest> */
static void upper_path(char *out, size_t cap, const char *data, const char *wdir)
{
    const char *slash = strchr(wdir + 1, '/');
    int toplen = slash ? (int)(slash - wdir - 1) : (int)strlen(wdir + 1);
    snprintf(out, cap, "%s/%.*s/upper%s/capi-file", data, toplen, wdir + 1, slash ? slash : "");
}

static int cmd_probe(int mode, char **av)
{
    char *pkg = av[0], *exec = av[1], *data = av[2], *wdir = av[3];
    char content[64], want_status[64], buf[256], up[600], hostfile[600], name[512];
    RockerRequest req = example_req(pkg, exec, data);
    struct probe_arg pa;
    struct probe_out o;
    RockerResult r;
    int res[2], go[2], i, st, self_seen = 0, one_seen = 0, fds_before, fds_after;
    struct stat sb;
    pid_t w;
    double t_exit, dt;
    const char *tag = mode == 0 ? "capi" : "capi persist";

    snprintf(content, sizeof content, "rocker-it %s\n", data);
    if (pipe2(res, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
        result(0, "capi: pipes", "%s", strerror(errno));
        return 1;
    }
    memset(&pa, 0, sizeof pa);
    pa.mode = mode;
    pa.res_w = res[1];
    pa.res_r = res[0];
    pa.go_r = go[0];
    pa.go_w = go[1];
    pa.exec = exec;
    pa.wdir = wdir;
    pa.content = content;

    fflush(stdout);
    fds_before = count_fds();
    r = ROCKER_enter_rocker(&req, app_probe, &pa);
    fds_after = count_fds();
    close(res[1]);
    close(go[0]);
    snprintf(name, sizeof name,
             "%s: ROCKER_enter_rocker with the seed example config (exec dir %s, data dir under /var, overlays /usr /var /etc /home /root, uid/gid 1000) succeeds",
             tag, exec);
    result(r.err_no == ROCKER_ERR_success && r.app_pid > 0 && r.guard_pid > 0 &&
               strncmp(r.guard_pname, "rg-", 3) == 0 && strlen(r.guard_pname) == 15,
           name, "%s app_pid=%d guard_pid=%d guard_pname='%s'", rstr(&r), r.app_pid, r.guard_pid,
           r.guard_pname);
    if (r.err_no != ROCKER_ERR_success)
        return 1;
    snprintf(name, sizeof name, "%s: ROCKER_enter_rocker leaves no fd open in the caller", tag);
    result(fds_before == fds_after, name, "%d fds before, %d after", fds_before, fds_after);

    if (read_full(res[0], &o, sizeof o, 5000) < 0) {
        result(0, "capi: App reports its probes", "no report from the App within 5 s");
        close(go[1]);
        kill(r.app_pid, SIGKILL);
        waitpid(r.app_pid, &st, 0);
        return 1;
    }
    close(res[0]);

    if (mode == 1) {
        result(o.read_errno == 0 && strcmp(o.readback, content) == 0,
               "capi persist: a second run with the same data dir reads back the file the first run wrote",
               "read errno=%d (%s), got '%s', want '%s'", o.read_errno, strerror(o.read_errno),
               o.readback, content);
    } else {
        RockerResult g = ROCKER_get_guardname(r.guard_pid);
        result(g.err_no == ROCKER_ERR_success && strcmp(g.guard_pname, r.guard_pname) == 0,
               "capi: ROCKER_get_guardname(guard_pid) on the host returns guard_pname",
               "%s, name '%s' vs '%s'", rstr(&g), g.guard_pname, r.guard_pname);
        result(strcmp(o.comm1, r.guard_pname) == 0,
               "capi: PID 1 inside is the guard (/proc/1/comm == guard_pname)",
               "/proc/1/comm='%s', guard_pname='%s'", o.comm1, r.guard_pname);
        for (i = 0; i < o.n_pids && i < MAX_SEEN; i++) {
            if (o.pids[i] == 1)
                one_seen = 1;
            if (o.pids[i] == o.self)
                self_seen = 1;
        }
        {
            char list[200] = "";
            for (i = 0; i < o.n_pids && i < MAX_SEEN; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d", i ? "," : "",
                         o.pids[i]);
            result(o.n_pids == 2 && one_seen && self_seen && o.self == 2,
                   "capi: only sandbox processes are visible (/proc inside = {1 guard, 2 App})",
                   "inside /proc pids=[%s] (n=%d), App getpid()=%d", list, o.n_pids, o.self);
        }
        result(o.uid[0] == 1000 && o.uid[1] == 1000 && o.uid[2] == 1000 && o.gid[0] == 1000 &&
                   o.gid[1] == 1000 && o.gid[2] == 1000 && o.ngroups == 0,
               "capi: App has uid/gid 1000 inside (getresuid/getresgid), no supplementary groups",
               "uid=%d,%d,%d gid=%d,%d,%d ngroups=%d", o.uid[0], o.uid[1], o.uid[2], o.gid[0],
               o.gid[1], o.gid[2], o.ngroups);
        {
            char u[64] = "", gg[64] = "", cap[64] = "";
            status_field(r.app_pid, "Uid", u, sizeof u);
            status_field(r.app_pid, "Gid", gg, sizeof gg);
            status_field(r.app_pid, "CapEff", cap, sizeof cap);
            snprintf(want_status, sizeof want_status, "1000 1000 1000 1000");
            result(strcmp(u, want_status) == 0 && strcmp(gg, want_status) == 0,
                   "capi: App has uid/gid 1000 on the host (/proc/APP/status)",
                   "Uid: '%s' Gid: '%s'", u, gg);
            result(strcmp(cap, "0000000000000000") == 0,
                   "capi: App holds no capabilities (CapEff 0)", "CapEff: '%s'", cap);
        }
        result(same_ns(r.app_pid, r.guard_pid, "pid") == 1 && same_ns(r.app_pid, r.guard_pid, "mnt") == 1 &&
                   same_ns(r.app_pid, r.guard_pid, "user") == 1 && same_ns(0, r.app_pid, "pid") == 0 &&
                   same_ns(0, r.app_pid, "mnt") == 0 && same_ns(0, r.app_pid, "user") == 0,
               "capi: App is in the guard's pid/mnt/user namespaces, not the caller's",
               "same(app,guard) pid=%d mnt=%d user=%d; same(self,app) pid=%d mnt=%d user=%d",
               same_ns(r.app_pid, r.guard_pid, "pid"), same_ns(r.app_pid, r.guard_pid, "mnt"),
               same_ns(r.app_pid, r.guard_pid, "user"), same_ns(0, r.app_pid, "pid"),
               same_ns(0, r.app_pid, "mnt"), same_ns(0, r.app_pid, "user"));
        result(o.busybox_is_reg, "capi: the package is mounted at the exec dir (EXEC/bin/busybox)",
               "stat %s/bin/busybox failed inside", exec);
        result(o.erofs_create == EROFS && o.erofs_mkdir == EROFS,
               "capi: exec dir is read-only (create and mkdir fail with EROFS)",
               "create errno=%d (%s), mkdir errno=%d (%s)", o.erofs_create,
               ROCKER_errno_name(o.erofs_create), o.erofs_mkdir, ROCKER_errno_name(o.erofs_mkdir));
        result(o.passwd_append == EACCES,
               "capi: non-root App cannot open root-owned /etc/passwd for writing (EACCES)",
               "errno=%d (%s)", o.passwd_append, ROCKER_errno_name(o.passwd_append));
        snprintf(up, sizeof up, "%s/usr/upper/rocker-it-x", data);
        result(o.usr_create == EACCES && access("/usr/rocker-it-x", F_OK) < 0 && access(up, F_OK) < 0,
               "capi: non-root App cannot create /usr/rocker-it-x (EACCES, nothing on host or in upper)",
               "errno=%d (%s), host exists=%d, upper exists=%d", o.usr_create,
               ROCKER_errno_name(o.usr_create), access("/usr/rocker-it-x", F_OK) == 0,
               access(up, F_OK) == 0);
        upper_path(up, sizeof up, data, wdir);
        snprintf(hostfile, sizeof hostfile, "%s/capi-file", wdir);
        buf[0] = '\0';
        {
            int have = stat(up, &sb) == 0;
            int sl = slurp(up, buf, sizeof buf);
            result(o.write_errno == 0 && have && sl >= 0 && strcmp(buf, content) == 0 &&
                       access(hostfile, F_OK) < 0,
                   "capi: App's write to WDIR/capi-file lands in DATA/<top>/upper, not on the host path",
                   "App write errno=%d (%s); %s exists=%d content='%s'; host %s exists=%d",
                   o.write_errno, ROCKER_errno_name(o.write_errno), up, have, buf, hostfile,
                   access(hostfile, F_OK) == 0);
            result(have && sb.st_uid == 1000 && sb.st_gid == 1000,
                   "capi: the file the App wrote is owned by 1000:1000 on the host",
                   "%s: exists=%d uid=%d gid=%d", up, have, have ? (int)sb.st_uid : -1,
                   have ? (int)sb.st_gid : -1);
        }
    }

    /* let the App exit; it is our child */
    close(go[1]);
    w = waitpid_for(r.app_pid, &st, 5);
    t_exit = now_s();
    snprintf(name, sizeof name, "%s: App is the caller's child (waitpid(app_pid) reaps it, exit 0)", tag);
    result(w == r.app_pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, name,
           "waitpid=%d (%s) status=0x%x", (int)w, w < 0 ? strerror(errno) : "", st);
    if (w != r.app_pid) {
        kill(r.app_pid, SIGKILL);
        waitpid(r.app_pid, &st, 0);
    }
    dt = wait_guard_gone(r.guard_pid, r.guard_pname, 3.0);
    (void)t_exit;
    snprintf(name, sizeof name, "%s: guard exits by itself (and is reaped) within 1 s after the App exits", tag);
    result(dt >= 0 && dt <= 1.0, name, "guard %d %s still there %s",
           r.guard_pid, r.guard_pname, dt < 0 ? "after 3 s" : "after more than 1 s");
    if (dt < 0)
        kill(r.guard_pid, SIGKILL);
    return n_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* kill: kill -9 the guard from the host                                  */
/* ---------------------------------------------------------------------- */

static char *bb_env[] = { "PATH=/nonexistent", NULL }; /* set per run */

static int children_of(int pid, int *out, int max)
{
    char path[96], buf[1024], *p;
    int n = 0;
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
    if (slurp(path, buf, sizeof buf) < 0)
        return -1;
    for (p = buf; *p && n < max;) {
        while (*p == ' ')
            p++;
        if (!*p || *p == '\n')
            break;
        out[n++] = (int)strtol(p, &p, 10);
    }
    return n;
}

static int mountinfo_has(int pid, const char *mnt, const char *fstype)
{
    static char buf[262144]; /* the host's mounts too: a busy host has many */
    char path[64], *line, *save = NULL;
    snprintf(path, sizeof path, "/proc/%d/mountinfo", pid);
    if (slurp(path, buf, sizeof buf) < 0)
        return 0;
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char mp[512], fs[64];
        const char *sep;
        if (sscanf(line, "%*s %*s %*s %*s %511s", mp) != 1)
            continue;
        sep = strstr(line, " - ");
        if (!sep || sscanf(sep + 3, "%63s", fs) != 1)
            continue;
        if (strcmp(mp, mnt) == 0 && strcmp(fs, fstype) == 0)
            return 1;
    }
    return 0;
}

static int cmd_kill(char **av)
{
    char *pkg = av[0], *exec = av[1], *data = av[2];
    char bb[300], envpath[320], loopdev[32] = "", loop_after[32] = "";
    RockerRequest req = example_req(pkg, exec, data);
    struct exec_arg ea;
    char *argv[] = { "sh", "-c", "sleep 60 & sleep 60", NULL };
    RockerResult r;
    int kids[8], nk = -1, i, st, all_ok;
    pid_t w;
    double t0, dt;

    snprintf(bb, sizeof bb, "%s/bin/busybox", exec);
    snprintf(envpath, sizeof envpath, "PATH=%s/bin", exec);
    bb_env[0] = envpath;
    ea.path = bb;
    ea.argv = argv;
    ea.envp = bb_env;
    fflush(stdout);
    r = ROCKER_enter_rocker(&req, app_exec, &ea);
    result(r.err_no == ROCKER_ERR_success, "kill: sandbox with a shell App and a background child starts",
           "%s", rstr(&r));
    if (r.err_no != ROCKER_ERR_success)
        return 1;
    /* the App (sh) forks `sleep 60 &` and `sleep 60` */
    t0 = now_s();
    /* (busybox sh execs the last command: the App becomes `sleep 60` with
     * the background `sleep 60` as its child) */
    while (now_s() - t0 < 3 && (nk = children_of(r.app_pid, kids, 8)) < 1)
        sleep_ms(10);
    result(nk >= 1, "kill: App has forked a child", "children of App %d: %d", r.app_pid, nk);

    {
        char missing[200] = "";
        if (!mountinfo_has(r.guard_pid, exec, "squashfs"))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), " squashfs@%s", exec);
        for (i = 0; i < 5; i++)
            if (!mountinfo_has(r.guard_pid, overlays_example[i], "overlay"))
                snprintf(missing + strlen(missing), sizeof missing - strlen(missing), " overlay@%s", overlays_example[i]);
        if (!mountinfo_has(r.guard_pid, "/proc", "proc"))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), " proc@/proc");
        all_ok = !missing[0];
        result(all_ok, "kill: guard's mount ns has squashfs at the exec dir, overlays on /usr /var /etc /home /root, a /proc",
               "missing in /proc/%d/mountinfo (guard %s):%s", r.guard_pid,
               guard_is(r.guard_pid, r.guard_pname) ? "alive" : "GONE", missing);
    }
    loop_of(pkg, loopdev, sizeof loopdev);
    result(loopdev[0] && sys_int(loopdev, "ro") == 1 && sys_int(loopdev, "loop/autoclear") == 1,
           "kill: package is on a read-only, auto-clearing loop device",
           "loop dev for %s: '%s' ro=%d autoclear=%d", pkg, loopdev,
           loopdev[0] ? sys_int(loopdev, "ro") : -1, loopdev[0] ? sys_int(loopdev, "loop/autoclear") : -1);

    {
        RockerResult k = ROCKER_kill_guard(r.guard_pid, "rg-000000000000", SIGKILL);
        sleep_ms(50);
        result(k.err_no == ROCKER_ERR_get_guardname_failed && guard_is(r.guard_pid, r.guard_pname),
               "kill: ROCKER_kill_guard with the wrong name refuses (get_guardname_failed), guard lives",
               "%s, guard alive=%d", rstr(&k), guard_is(r.guard_pid, r.guard_pname));
    }
    if (kill(r.guard_pid, SIGKILL) < 0)
        result(0, "kill: kill -9 guard", "%s", strerror(errno));
    w = waitpid_for(r.app_pid, &st, 3);
    result(w == r.app_pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
           "kill: killing the guard kills the App (waitpid: SIGKILL)", "waitpid=%d status=0x%x", (int)w, st);
    if (w != r.app_pid) {
        kill(r.app_pid, SIGKILL);
        waitpid(r.app_pid, &st, 0);
    }
    t0 = now_s();
    all_ok = 0;
    while (now_s() - t0 < 3) {
        all_ok = 1;
        for (i = 0; i < nk; i++)
            if (proc_state(kids[i]) != '?')
                all_ok = 0;
        if (all_ok)
            break;
        sleep_ms(10);
    }
    result(all_ok, "kill: the App's children are gone too", "a child of the App still exists after 3 s");
    dt = wait_guard_gone(r.guard_pid, r.guard_pname, 2.0);
    result(dt >= 0 && dt <= 1.0, "kill: the killed guard is reaped by the master within 1 s", "%s",
           dt < 0 ? "still there after 2 s" : "took more than 1 s");
    t0 = now_s();
    do {
        loop_of(pkg, loop_after, sizeof loop_after);
        if (!loop_after[0])
            break;
        sleep_ms(20);
    } while (now_s() - t0 < 3);
    result(!loop_after[0], "kill: mounts vanish with the sandbox (the package's loop device detaches)",
           "%s still backs %s after 3 s", loop_after, pkg);
    return n_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* orphan: the guard waits for a child that outlives the App              */
/* ---------------------------------------------------------------------- */

static int cmd_orphan(char **av)
{
    char *pkg = av[0], *exec = av[1], *data = av[2];
    char bb[300], envpath[320];
    RockerRequest req = example_req(pkg, exec, data);
    struct exec_arg ea;
    /* the App exits at once; its background child lives ~1.5 s longer */
    char *argv[] = { "sh", "-c", "sleep 1.5 & exit 0", NULL };
    char *argv2[] = { "true", NULL };
    RockerResult r;
    int kids[8], nk = 0, st, orphan = 0;
    pid_t w;
    double t_app, t_orphan = -1, t0, dt;

    snprintf(bb, sizeof bb, "%s/bin/busybox", exec);
    snprintf(envpath, sizeof envpath, "PATH=%s/bin", exec);
    bb_env[0] = envpath;

    /* 1. a short App: the guard goes away within 1 s of its exit */
    ea.path = bb;
    ea.argv = argv2;
    ea.envp = bb_env;
    fflush(stdout);
    r = ROCKER_enter_rocker(&req, app_exec, &ea);
    if (r.err_no != ROCKER_ERR_success) {
        result(0, "lifecycle: short App (busybox true) starts", "%s", rstr(&r));
        return 1;
    }
    w = waitpid_for(r.app_pid, &st, 5);
    dt = wait_guard_gone(r.guard_pid, r.guard_pname, 3.0);
    result(w == r.app_pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 && dt >= 0 && dt <= 1.0,
           "lifecycle: short App (busybox true): exit 0, guard gone within 1 s after it",
           "waitpid=%d status=0x%x guard gone after %.3f s", (int)w, st, dt);

    /* 2. an App whose child outlives it */
    ea.argv = argv;
    fflush(stdout);
    r = ROCKER_enter_rocker(&req, app_exec, &ea);
    if (r.err_no != ROCKER_ERR_success) {
        result(0, "lifecycle: App with a background child starts", "%s", rstr(&r));
        return 1;
    }
    w = waitpid_for(r.app_pid, &st, 5);
    t_app = now_s();
    /* the orphan now is the guard's child */
    while (now_s() - t_app < 1 && (nk = children_of(r.guard_pid, kids, 8)) < 1)
        sleep_ms(5);
    if (nk >= 1)
        orphan = kids[0];
    result(w == r.app_pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 && orphan > 0 &&
               guard_is(r.guard_pid, r.guard_pname),
           "lifecycle: App exited, its orphan was re-parented to the still running guard",
           "waitpid=%d status=0x%x, guard children=%d, guard alive=%d", (int)w, st, nk,
           guard_is(r.guard_pid, r.guard_pname));
    if (orphan > 0) {
        t0 = now_s();
        while (now_s() - t0 < 4 && proc_state(orphan) != '?')
            sleep_ms(5);
        t_orphan = now_s();
    }
    dt = wait_guard_gone(r.guard_pid, r.guard_pname, 5.0);
    result(orphan > 0 && t_orphan - t_app >= 0.8 && dt >= 0 && dt <= 1.0,
           "lifecycle: guard waits for the orphan (~1.5 s) and exits within 1 s after it",
           "orphan %d lived %.3f s after the App, guard gone %.3f s after the orphan", orphan,
           t_orphan - t_app, dt);
    if (dt < 0)
        kill(r.guard_pid, SIGKILL);
    return n_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* errors through the API                                                 */
/* ---------------------------------------------------------------------- */

static int noop_app(void *a)
{
    (void)a;
    return 0;
}

/* A refused request: reason `want`, err_no == ROCKER_seed_code(want) (one
 * of the seed's 12), errno `want_errno` (0: any), step `want_step` (-1: any),
 * no App. */
static void expect_err(const char *name, RockerRequest *req, int want, int want_errno, int want_step)
{
    RockerResult r;
    int st;
    fflush(stdout);
    r = ROCKER_enter_rocker(req, noop_app, NULL);
    result(is_err(&r, want, want_errno, want_step) && r.app_pid == 0, name,
           "want err_no=%d (%s) reason=%d (%s) errno %s step %s, got %s app_pid=%d",
           ROCKER_seed_code(want), ROCKER_err_name(ROCKER_seed_code(want)), want, ROCKER_err_name(want),
           want_errno ? ROCKER_errno_name(want_errno) : "any",
           want_step < 0 ? "any" : ROCKER_step_name(want_step), rstr(&r), r.app_pid);
    if (r.err_no == ROCKER_ERR_success && r.app_pid > 0)
        waitpid(r.app_pid, &st, 0);
}

#define PI "-> param_invalid (2), reason "

static int cmd_errors(char **av)
{
    char *pkg = av[0], *exec = av[1], *data = av[2], *notsq = av[3];
    char longp[400], longov[80];
    char *sock_saved;
    RockerRequest q;

    char dlink[300], dfile[300], d2[300];
    int fds0 = count_fds(), fd;

    snprintf(d2, sizeof d2, "%s-2", data);
    mkdir(d2, 0700);

    snprintf(dlink, sizeof dlink, "%s-link", data);
    snprintf(dfile, sizeof dfile, "%s-file", data);
    unlink(dlink);
    if (symlink(data, dlink) < 0)
        fprintf(stderr, "symlink %s: %s\n", dlink, strerror(errno));
    fd = open(dfile, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
    memset(longp, 'a', sizeof longp);
    longp[0] = '/';
    longp[300] = '\0';
    memset(longov, 'o', sizeof longov);
    longov[0] = '/';
    longov[70] = '\0';

    q = example_req("/nonexistent/rocker-it/app.sqfs", exec, data);
    expect_err("api: missing package " PI "pkg_missing (12), ENOENT at open_pkg", &q, ROCKER_ERR_pkg_missing,
               ENOENT, ROCKER_STEP_open_pkg);
    q = example_req(notsq, exec, data);
    expect_err("api: package that is not a squashfs " PI "pkg_not_squashfs (13), EINVAL at pkg_check", &q,
               ROCKER_ERR_pkg_not_squashfs, EINVAL, ROCKER_STEP_pkg_check);
    q = example_req("/etc", exec, data);
    expect_err("api: package that is a directory " PI "pkg_not_squashfs (13)", &q, ROCKER_ERR_pkg_not_squashfs, 0,
               ROCKER_STEP_pkg_check);
    q = example_req(pkg, "var/your_APP/execdir", data);
    expect_err("api: relative exec dir " PI "path_relative (14), EINVAL", &q, ROCKER_ERR_path_relative, EINVAL, -1);
    q = example_req(pkg, exec, "rocker-data");
    expect_err("api: relative data dir " PI "path_relative (14), EINVAL", &q, ROCKER_ERR_path_relative, EINVAL, -1);
    q = example_req(pkg, exec, longp);
    expect_err("api: 300-byte data dir " PI "path_too_long (15), ENAMETOOLONG", &q, ROCKER_ERR_path_too_long,
               ENAMETOOLONG, -1);
    q = example_req(pkg, exec, data);
    q.app_overlay_dirs[1] = longov;
    expect_err("api: 70-byte overlay dir " PI "path_too_long (15), ENAMETOOLONG", &q, ROCKER_ERR_path_too_long,
               ENAMETOOLONG, -1);
    q = example_req(pkg, "/proc/rocker-it", data);
    expect_err("api: exec dir under /proc " PI "path_invalid (16)", &q, ROCKER_ERR_path_invalid, EINVAL, -1);
    q = example_req(pkg, exec, data);
    q.app_overlay_dirs[2] = "/proc";
    expect_err("api: overlay /proc " PI "overlay_invalid (17)", &q, ROCKER_ERR_overlay_invalid, 0, -1);
    q = example_req(pkg, exec, data);
    q.app_overlay_dirs[2] = "/usr/lib";
    expect_err("api: overlay /usr/lib (not top-level) " PI "overlay_invalid (17)", &q, ROCKER_ERR_overlay_invalid, 0,
               -1);
    q = example_req(pkg, exec, data);
    q.app_overlay_dirs[2] = "/nonexistent-rocker-it";
    expect_err("api: overlay /nonexistent-rocker-it " PI "overlay_invalid (17), ENOENT", &q,
               ROCKER_ERR_overlay_invalid, ENOENT, -1);
    q = example_req(pkg, exec, data);
    q.app_overlay_dirs[2] = "/";
    expect_err("api: overlay / " PI "overlay_invalid (17)", &q, ROCKER_ERR_overlay_invalid, 0, -1);
    q = example_req(pkg, exec, data);
    q.app_overlay_dirs[2] = "/usr";
    expect_err("api: duplicate overlay /usr " PI "overlay_invalid (17)", &q, ROCKER_ERR_overlay_invalid, 0, -1);
    {
        /* merged-/usr systems: /bin is a symlink, not a directory */
        struct stat sb;
        if (lstat("/bin", &sb) == 0 && S_ISLNK(sb.st_mode)) {
            q = example_req(pkg, exec, data);
            q.app_overlay_dirs[2] = "/bin";
            expect_err("api: overlay /bin (a symlink) " PI "overlay_invalid (17)", &q, ROCKER_ERR_overlay_invalid,
                       0, -1);
        }
    }
    q = example_req(pkg, exec, "/var/rocker-it-no-such-data-dir");
    expect_err("api: missing data dir " PI "data_dir_invalid (22), ENOENT", &q, ROCKER_ERR_data_dir_invalid, ENOENT,
               -1);
    q = example_req(pkg, exec, dlink);
    expect_err("api: data dir that is a symlink " PI "data_dir_invalid (22), ELOOP", &q,
               ROCKER_ERR_data_dir_invalid, ELOOP, -1);
    q = example_req(pkg, exec, dfile);
    expect_err("api: data dir that is a file " PI "data_dir_invalid (22), ENOTDIR", &q, ROCKER_ERR_data_dir_invalid,
               ENOTDIR, -1);
    /* these two fail inside the guard, after the overlays are up */
    q = example_req(pkg, "/opt/rocker-it-missing-exec", d2);
    expect_err("api: missing exec dir outside every overlay " PI "exec_dir_invalid (23), ENOENT at mkdir_exec_dir",
               &q, ROCKER_ERR_exec_dir_invalid, ENOENT, ROCKER_STEP_mkdir_exec_dir);
    result(access("/opt/rocker-it-missing-exec", F_OK) < 0,
           "api: ... and it was not created on the host", "/opt/rocker-it-missing-exec exists");
    sleep_ms(300); /* the failed guard is surely reaped by now */
    q = example_req(pkg, "/etc/passwd", d2);
    expect_err("api: exec dir that is a file " PI "exec_dir_invalid (23), ENOTDIR at mkdir_exec_dir", &q,
               ROCKER_ERR_exec_dir_invalid, ENOTDIR, ROCKER_STEP_mkdir_exec_dir);
    /* An error reply ends the request: the failed sandbox must not keep
     * the data dir busy for the caller's immediate retry. */
    q = example_req(pkg, "/etc/passwd", d2);
    expect_err("api: immediate retry after a setup failure gets its own error again (data dir not left busy)",
               &q, ROCKER_ERR_exec_dir_invalid, ENOTDIR, ROCKER_STEP_mkdir_exec_dir);
    q = example_req(pkg, exec, data);
    q.uid = 0;
    expect_err("api: uid 0 -> param_invalid (2), reason param_invalid (2), EINVAL", &q, ROCKER_ERR_param_invalid,
               EINVAL, -1);
    q = example_req(pkg, exec, data);
    q.test_stall = ROCKER_STEP_mount_overlay;
    expect_err("api: test_stall without --test-hooks -> sys (1), reason permission_denied (19), EPERM at validate",
               &q, ROCKER_ERR_permission_denied, EPERM, ROCKER_STEP_validate);
    q = example_req(pkg, exec, data);
    q.run_flags = 0x80;
    expect_err("api: unknown run_flags bit -> param_invalid (2), EINVAL", &q, ROCKER_ERR_param_invalid, EINVAL, -1);

    sock_saved = getenv(ROCKER_SOCKET_ENV) ? strdup(getenv(ROCKER_SOCKET_ENV)) : NULL;
    setenv(ROCKER_SOCKET_ENV, "/tmp/rocker-it-no-server.sock", 1);
    q = example_req(pkg, exec, data);
    expect_err("api: no server ($ROCKER_SOCKET points at nothing) -> server_unaddr_invalid (3), reason no_server (11), ENOENT at connect",
               &q, ROCKER_ERR_no_server, ENOENT, ROCKER_STEP_connect);
    if (sock_saved)
        setenv(ROCKER_SOCKET_ENV, sock_saved, 1);
    else
        unsetenv(ROCKER_SOCKET_ENV);
    free(sock_saved);
    result(count_fds() == fds0, "api: no fd left open in the caller after all the refused requests",
           "%d fds before, %d after", fds0, count_fds());
    return n_failed ? 1 : 0;
}

/* Issue 8 item 9: a relative exec dir is reported to a seed-API client as
 * ROCKER_ERR_param_invalid (2), the precise reason path_relative (14) in
 * the appended field. */
static int cmd_seedcode(char **av)
{
    RockerRequest q = example_req(av[0], "var/your_APP/execdir", av[2]);
    RockerResult r;
    fflush(stdout);
    r = ROCKER_enter_rocker(&q, noop_app, NULL);
    result(r.err_no == ROCKER_ERR_param_invalid && r.err_no == 2 && r.reason == ROCKER_ERR_path_relative &&
               r.reason == 14,
           "seed codes: relative exec dir through the API: err_no == ROCKER_ERR_param_invalid (2), reason == path_relative (14)",
           "%s", rstr(&r));
    (void)av[1];
    return n_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* raw wire: malformed requests                                           */
/* ---------------------------------------------------------------------- */

static int raw_connect(void)
{
    struct sockaddr_un sa;
    const char *path = getenv(ROCKER_SOCKET_ENV);
    int fd;
    if (!path)
        path = ROCKER_DEFAULT_SOCKET;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int raw_send(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
    struct msghdr m;
    struct iovec iov;
    union { struct cmsghdr a; unsigned char b[CMSG_SPACE(4 * sizeof(int))]; } ctl;
    memset(&m, 0, sizeof m);
    memset(&ctl, 0, sizeof ctl);
    iov.iov_base = (void *)buf;
    iov.iov_len = len;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (nfds > 0) {
        struct cmsghdr *c;
        m.msg_control = ctl.b;
        m.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    }
    return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

struct raw_reply {
    ssize_t n;        /* datagram length, 0 = closed, -1 = error/timeout */
    int nfds;         /* fds that came with it (closed) */
    struct rocker_rep_run rep;
    char why[80];
};

static struct raw_reply raw_recv(int sock, int max_ms)
{
    struct raw_reply out;
    struct msghdr m;
    struct iovec iov;
    struct pollfd pf;
    union { struct cmsghdr a; unsigned char b[CMSG_SPACE(ROCKER_MAX_FDS * sizeof(int))]; } ctl;
    char big[ROCKER_MSG_MAX];
    struct cmsghdr *c;

    memset(&out, 0, sizeof out);
    pf.fd = sock;
    pf.events = POLLIN;
    pf.revents = 0;
    if (poll(&pf, 1, max_ms) <= 0) {
        out.n = -1;
        snprintf(out.why, sizeof out.why, "no reply within %d ms", max_ms);
        return out;
    }
    memset(&m, 0, sizeof m);
    iov.iov_base = big;
    iov.iov_len = sizeof big;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl.b;
    m.msg_controllen = sizeof ctl.b;
    out.n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (out.n < 0) {
        snprintf(out.why, sizeof out.why, "recvmsg: %s", strerror(errno));
        return out;
    }
    for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k, cnt = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (k = 0; k < cnt; k++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + (size_t)k * sizeof(int), sizeof fd);
                close(fd);
                out.nfds++;
            }
        }
    }
    memcpy(&out.rep, big, sizeof out.rep < (size_t)out.n ? sizeof out.rep : (size_t)out.n);
    return out;
}

/* sends one datagram on a fresh connection; checks for the 56-byte failure
 * reply (ROCKER_REP_RUN_SIZE_VER0, no fds) with err (the reason, on the
 * wire) == want and sys_errno == want_errno (0: any) */
static void raw_case(const char *name, const void *msg, size_t len, const int *fds, int nfds, int want,
                     int want_errno)
{
    struct raw_reply rr;
    int sock = raw_connect();
    if (sock < 0) {
        result(0, name, "connect: %s", strerror(errno));
        return;
    }
    if (raw_send(sock, msg, len, fds, nfds) < 0) {
        /* a request larger than the socket buffer may not even be sent */
        result(0, name, "sendmsg: %s", strerror(errno));
        close(sock);
        return;
    }
    rr = raw_recv(sock, 3000);
    close(sock);
    if (rr.n <= 0) {
        result(0, name, "%s", rr.n == 0 ? "connection closed without a reply" : rr.why);
        return;
    }
    result(rr.n == ROCKER_REP_RUN_SIZE_VER0 && rr.rep.hdr.magic == ROCKER_MAGIC &&
               rr.rep.hdr.version == ROCKER_PROTO_VERSION && rr.rep.hdr.kind == ROCKER_KIND_RUN_REPLY &&
               rr.rep.hdr.size == ROCKER_REP_RUN_SIZE_VER0 && rr.rep.err == want &&
               (!want_errno || rr.rep.sys_errno == want_errno) && rr.rep.guard_pid == 0 &&
               rr.rep.n_fds == 0 && rr.nfds == 0,
           name,
           "want a 56-byte reply err=%d (%s) errno %s; got len=%d kind=0x%x size=%u err=%d (%s) sys_errno=%d (%s) step=%s index=%d guard_pid=%d n_fds=%u fds=%d",
           want, ROCKER_err_name(want), want_errno ? ROCKER_errno_name(want_errno) : "any", (int)rr.n,
           rr.rep.hdr.kind, rr.rep.hdr.size, rr.rep.err, ROCKER_err_name(rr.rep.err), rr.rep.sys_errno,
           ROCKER_errno_name(rr.rep.sys_errno), ROCKER_step_name(rr.rep.step), rr.rep.index, rr.rep.guard_pid,
           rr.rep.n_fds, rr.nfds);
}

/* sends one datagram that must be ACCEPTED: v1 (reply_max 0): a 56-byte
 * success reply with exactly 4 fds; else a 72-byte reply + recipe with
 * n_fds fds and ctl_fd among them.  The fds are closed at once (no App is
 * registered): the guard must then be gone within 1 s. */
static void raw_accept(const char *name, const void *msg, size_t len, int pkgfd, int v1)
{
    struct raw_reply rr;
    char pname[16];
    double dt = -2;
    int ok, sock = raw_connect();
    if (sock < 0) {
        result(0, name, "connect: %s", strerror(errno));
        return;
    }
    if (raw_send(sock, msg, len, &pkgfd, 1) < 0) {
        result(0, name, "sendmsg: %s", strerror(errno));
        close(sock);
        return;
    }
    rr = raw_recv(sock, 5000);
    close(sock);
    if (rr.n <= 0) {
        result(0, name, "%s", rr.n == 0 ? "connection closed without a reply" : rr.why);
        return;
    }
    memcpy(pname, rr.rep.guard_pname, sizeof pname);
    pname[15] = '\0';
    if (rr.rep.err == 0 && rr.rep.guard_pid > 0)
        dt = wait_guard_gone(rr.rep.guard_pid, pname, 3.0);
    if (v1)
        ok = rr.n == ROCKER_REP_RUN_SIZE_VER0 && rr.rep.hdr.size == ROCKER_REP_RUN_SIZE_VER0 &&
             rr.rep.n_fds == ROCKER_RUN_NFDS && rr.nfds == ROCKER_RUN_NFDS;
    else
        ok = rr.n == (ssize_t)(ROCKER_REP_RUN_SIZE + rr.rep.n_ops * ROCKER_OP_SIZE +
                               ((rr.rep.blob_len + 7) & ~7u)) &&
             rr.rep.hdr.size == (uint32_t)rr.n && rr.rep.n_ops > 0 && rr.nfds == (int)rr.rep.n_fds &&
             rr.rep.ctl_fd < rr.rep.n_fds;
    result(ok && rr.rep.err == 0 && rr.rep.hdr.kind == ROCKER_KIND_RUN_REPLY && rr.rep.guard_pid > 0 &&
               dt >= 0 && dt <= 1.0,
           name,
           "len=%d size=%u err=%d (%s) sys_errno=%d (%s) step=%s guard=%d n_fds=%u fds=%d ctl_fd=%u n_ops=%u; guard gone after closing the fds: %s",
           (int)rr.n, rr.rep.hdr.size, rr.rep.err, ROCKER_err_name(rr.rep.err), rr.rep.sys_errno,
           ROCKER_errno_name(rr.rep.sys_errno), ROCKER_step_name(rr.rep.step), rr.rep.guard_pid, rr.rep.n_fds,
           rr.nfds, rr.rep.ctl_fd, rr.rep.n_ops,
           dt == -2 ? "n/a" : dt < 0 ? "NO (still there after 3 s)" : dt > 1.0 ? "after more than 1 s" : "yes");
    if (dt == -1)
        kill(rr.rep.guard_pid, SIGKILL);
}

/* a fixed char[] field: the string, then zeros to the end */
#define SET_FIELD(f, str) do { memset((f), 0, sizeof(f)); snprintf((f), sizeof(f), "%s", (str)); } while (0)

static void base_run(struct rocker_req_run *m, const char *pkg, const char *exec, const char *data)
{
    memset(m, 0, sizeof *m);
    m->hdr.magic = ROCKER_MAGIC;
    m->hdr.version = ROCKER_PROTO_VERSION;
    m->hdr.kind = ROCKER_KIND_RUN;
    m->hdr.size = ROCKER_REQ_RUN_SIZE;
    m->app_id = 1;
    m->uid = 1000;
    m->gid = 1000;
    m->n_overlay = 1;
    snprintf(m->pkg, sizeof m->pkg, "%s", pkg);
    snprintf(m->exec_dir, sizeof m->exec_dir, "%s", exec);
    snprintf(m->data_dir, sizeof m->data_dir, "%s", data);
    snprintf(m->overlay[0], sizeof m->overlay[0], "/var");
}

static int master_lists(void)
{
    static struct rocker_list_entry e[ROCKER_MAX_SANDBOXES];
    int count = -1;
    RockerResult r = ROCKER_list(e, ROCKER_MAX_SANDBOXES, &count);
    return r.err_no == ROCKER_ERR_success ? count : -1;
}

static int cmd_raw(char **av)
{
    char *pkg = av[0], *exec = av[1], *data = av[2], *notsq = av[3];
    struct rocker_req_run m;
    unsigned char garbage[300];
    static unsigned char big[16384];
    int pfd, nfd, dfd, two[2], i;

    pfd = open(pkg, O_RDONLY | O_CLOEXEC);
    nfd = open(notsq, O_RDONLY | O_CLOEXEC);
    dfd = open("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0 || nfd < 0 || dfd < 0) {
        result(0, "raw: open test files", "%s", strerror(errno));
        return 1;
    }
    for (i = 0; i < (int)sizeof garbage; i++)
        garbage[i] = (unsigned char)(i * 37 + 11);

    raw_case("raw: 300 bytes of garbage -> 56-byte reply bad_message (18), EINVAL", garbage, sizeof garbage, &pfd,
             1, ROCKER_ERR_bad_message, EINVAL);
    raw_case("raw: 7 bytes (shorter than a header) -> bad_message, EINVAL", "rocker!", 7, NULL, 0,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    raw_case("raw: truncated RUN (first 1000 of 1840 bytes, size field 1840) -> bad_message, EINVAL", &m, 1000,
             &pfd, 1, ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.hdr.size = 1000;
    raw_case("raw: truncated RUN with a matching size field (1000) -> bad_message, EINVAL", &m, 1000, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.hdr.size = ROCKER_REQ_RUN_SIZE_VER0 - 1;
    raw_case("raw: RUN of 1831 bytes (one short of the seed-era VER0 layout) -> bad_message, EINVAL", &m,
             ROCKER_REQ_RUN_SIZE_VER0 - 1, &pfd, 1, ROCKER_ERR_bad_message, EINVAL);

    /* size-versioned bodies (issue 9): shorter is zero-extended, longer
     * with an all-zero tail accepted, a non-zero unknown tail E2BIG */
    base_run(&m, pkg, exec, data);
    m.hdr.size = ROCKER_REQ_RUN_SIZE_VER0;
    raw_accept("raw: 1832-byte RUN (the seed-era v1 layout) -> 56-byte success reply with 4 fds", &m,
               ROCKER_REQ_RUN_SIZE_VER0, pfd, 1);
    base_run(&m, pkg, exec, data);
    m.hdr.size = ROCKER_REQ_RUN_SIZE_VER0 + 4;
    raw_accept("raw: 1836-byte RUN (VER0 + reply_max 0, test_stall left out) -> accepted as v1 (56 bytes, 4 fds)",
               &m, ROCKER_REQ_RUN_SIZE_VER0 + 4, pfd, 1);
    base_run(&m, pkg, exec, data);
    raw_accept("raw: 1840-byte RUN with reply_max 0 behaves like v1 (56-byte reply, 4 fds)", &m, sizeof m, pfd, 1);
    base_run(&m, pkg, exec, data);
    m.reply_max = 8192;
    raw_accept("raw: 1840-byte RUN with reply_max 8192 -> 72-byte reply + recipe, n_fds fds, ctl_fd among them", &m,
               sizeof m, pfd, 0);
    /* VER3 (7080 bytes) is the newest layout; the master takes up to 8192
     * bytes (RECV_MAX): past 7080 only zeros; bytes 1840..7080 are VER2 and
     * VER3 fields now, whose bad values are bad_message/EINVAL */
    base_run(&m, pkg, exec, data);
    memset(big, 0, sizeof big);
    memcpy(big, &m, sizeof m);
    ((struct rocker_hdr *)(void *)big)->size = 4096;
    raw_accept("raw: RUN padded with zeros to 4096 bytes (size field 4096) -> ACCEPTED (zero-extended), v1 reply", big,
               4096, pfd, 1);
    ((struct rocker_hdr *)(void *)big)->size = 4097;
    raw_accept("raw: RUN of 4097 bytes (all zeros past VER1) -> ACCEPTED, v1 reply", big, 4097, pfd, 1);
    ((struct rocker_hdr *)(void *)big)->size = ROCKER_REQ_RUN_SIZE_VER3;
    raw_accept("raw: RUN of exactly VER3 (7080 bytes), VER2/VER3 fields zero -> ACCEPTED, v1 reply", big,
               ROCKER_REQ_RUN_SIZE_VER3, pfd, 1);
    ((struct rocker_hdr *)(void *)big)->size = 8192;
    raw_accept("raw: RUN padded with zeros to 8192 bytes (the master's RECV_MAX) -> ACCEPTED (zero tail), v1 reply", big,
               8192, pfd, 1);
    big[ROCKER_REQ_RUN_SIZE_VER3] = 1;
    raw_case("raw: 8192-byte RUN with a non-zero byte at offset 7080 (the first unknown byte) -> bad_message, E2BIG",
             big, 8192, &pfd, 1, ROCKER_ERR_bad_message, E2BIG);
    big[ROCKER_REQ_RUN_SIZE_VER3] = 0;
    big[8191] = 0x80;
    raw_case("raw: 8192-byte RUN whose last byte is non-zero -> bad_message, E2BIG", big, 8192, &pfd, 1,
             ROCKER_ERR_bad_message, E2BIG);
    big[8191] = 0;
    ((struct rocker_hdr *)(void *)big)->size = ROCKER_REQ_RUN_SIZE_VER3 + 8;
    big[ROCKER_REQ_RUN_SIZE_VER3 + 4] = 7;
    raw_case("raw: 7088-byte RUN with byte 7084 = 7 (non-zero unknown tail) -> bad_message, E2BIG", big,
             ROCKER_REQ_RUN_SIZE_VER3 + 8, &pfd, 1, ROCKER_ERR_bad_message, E2BIG);
    big[ROCKER_REQ_RUN_SIZE_VER3 + 4] = 0;
    ((struct rocker_hdr *)(void *)big)->size = 8193;
    raw_case("raw: RUN of 8193 bytes (all-zero tail) -> bad_message, E2BIG (more than the master's 8192 bytes)", big,
             8193, &pfd, 1, ROCKER_ERR_bad_message, E2BIG);
    ((struct rocker_hdr *)(void *)big)->size = sizeof big;
    raw_case("raw: RUN of 16384 bytes (all-zero tail) -> bad_message, E2BIG", big, sizeof big, &pfd, 1,
             ROCKER_ERR_bad_message, E2BIG);
    /* bytes that were an unknown tail before VER2 are fields now: a bad
     * value is refused as such (EINVAL), not as an unknown tail */
    ((struct rocker_hdr *)(void *)big)->size = 4096;
    big[ROCKER_REQ_RUN_SIZE_VER1] = 0x80;
    raw_case("raw: 4096-byte RUN with byte 1840 = 0x80 (share: an unknown bit) -> bad_message, EINVAL (bad_isolation)",
             big, 4096, &pfd, 1, ROCKER_ERR_bad_message, EINVAL);
    big[ROCKER_REQ_RUN_SIZE_VER1] = 0;
    big[4095] = 0x80;
    raw_case("raw: 4096-byte RUN whose last byte (in an unused bind slot) is non-zero -> bad_message, EINVAL", big,
             4096, &pfd, 1, ROCKER_ERR_bad_message, EINVAL);
    big[4095] = 0;
    ((struct rocker_hdr *)(void *)big)->size = 1848;
    big[1844] = 7;
    raw_case("raw: 1848-byte RUN with byte 1844 = 7 (net: an unknown mode) -> bad_message, EINVAL (bad_isolation)", big,
             1848, &pfd, 1, ROCKER_ERR_bad_message, EINVAL);
    big[1844] = 0;
    base_run(&m, pkg, exec, data);
    m.prefix = 33;
    raw_case("raw: RUN with prefix 33 -> bad_message, EINVAL (bad_isolation)", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.n_devices = 9;
    raw_case("raw: RUN with n_devices 9 (max 8) -> bad_message, EINVAL", &m, sizeof m, &pfd, 1, ROCKER_ERR_bad_message,
             EINVAL);
    base_run(&m, pkg, exec, data);
    SET_FIELD(m.devices[2], "/dev/null");
    raw_case("raw: RUN with a device slot beyond n_devices set -> bad_message, EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    SET_FIELD(m.hostname, "box");
    m.hostname[sizeof m.hostname - 1] = 'x';
    raw_case("raw: RUN with bytes after the hostname's NUL -> bad_message, EINVAL (trailing garbage)", &m, sizeof m,
             &pfd, 1, ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.seccomp = 7;
    raw_case("raw: RUN with seccomp mode 7 (VER3, unknown) -> bad_message, EINVAL (bad_value)", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.root = 9;
    raw_case("raw: RUN with root mode 9 (VER3, unknown) -> bad_message, EINVAL (bad_value)", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.net = ROCKER_NET_NONE;
    raw_case("raw: a v1 request (reply_max 0) asking for net none -> unsupported (25), EINVAL (it could not join the netns)",
             &m, sizeof m, &pfd, 1, ROCKER_ERR_unsupported, EINVAL);
    base_run(&m, pkg, exec, data);
    m.reply_max = 8192;
    SET_FIELD(m.hostname, "bad host");
    raw_case("raw: RUN with hostname 'bad host' -> isolation_invalid (26), EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_isolation_invalid, EINVAL);
    base_run(&m, pkg, exec, data);
    m.reply_max = 8192;
    SET_FIELD(m.bridge, "rkit0");
    raw_case("raw: RUN naming a bridge with net host -> isolation_invalid (26), EINVAL (a setting for a network it does not have)",
             &m, sizeof m, &pfd, 1, ROCKER_ERR_isolation_invalid, EINVAL);
    base_run(&m, pkg, exec, data);
    m.reply_max = 8192;
    m.share = ROCKER_SHARE_UTS;
    SET_FIELD(m.hostname, "box");
    raw_case("raw: RUN with share uts and a hostname -> isolation_invalid (26), EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_isolation_invalid, EINVAL);
    base_run(&m, pkg, exec, data);
    m.reply_max = 8192;
    m.net = ROCKER_NET_BRIDGE;
    SET_FIELD(m.bridge, "bad name!");
    raw_case("raw: RUN with bridge name 'bad name!' -> isolation_invalid (26), EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_isolation_invalid, EINVAL);
    base_run(&m, pkg, exec, data);
    m.reply_max = 8192;
    m.n_devices = 1;
    SET_FIELD(m.devices[0], "/etc/passwd");
    raw_case("raw: RUN passing /etc/passwd as a device (not under /dev) -> isolation_invalid (26), EINVAL", &m, sizeof m,
             &pfd, 1, ROCKER_ERR_isolation_invalid, EINVAL);
    base_run(&m, pkg, exec, data);
    m.test_stall = ROCKER_STEP_mount_overlay;
    raw_case("raw: test_stall set, master without --test-hooks -> permission_denied (19), EPERM", &m, sizeof m, &pfd,
             1, ROCKER_ERR_permission_denied, EPERM);
    base_run(&m, pkg, exec, data);
    m.reply_max = 60;
    raw_case("raw: reply_max 60 (too small for any reply) -> unsupported (25), E2BIG; the guard built for it ends",
             &m, sizeof m, &pfd, 1, ROCKER_ERR_unsupported, E2BIG);

    base_run(&m, pkg, exec, data);
    m.hdr.magic = 0x31524B52u;
    raw_case("raw: RUN with bad magic -> bad_message, EINVAL", &m, sizeof m, &pfd, 1, ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.hdr.version = 2;
    raw_case("raw: RUN with version 2 -> bad_message, EINVAL", &m, sizeof m, &pfd, 1, ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.hdr.kind = 9;
    raw_case("raw: unknown kind 9 -> bad_message, EINVAL", &m, sizeof m, &pfd, 1, ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.hdr.kind = ROCKER_KIND_RUN_REPLY;
    raw_case("raw: a RUN reply sent to the master -> bad_message, EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.hdr.flags = 1;
    raw_case("raw: RUN with non-zero header flags -> bad_message, EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.reserved = 0x55;
    raw_case("raw: RUN with non-zero reserved bytes -> bad_message, EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.run_flags = 0x80;
    raw_case("raw: RUN with an unknown run_flags bit -> bad_message, EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    memset(m.pkg, 'A', sizeof m.pkg);
    m.pkg[0] = '/';
    raw_case("raw: RUN with a pkg string without NUL -> bad_message, EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    memset(m.overlay[0], 'v', sizeof m.overlay[0]);
    m.overlay[0][0] = '/';
    raw_case("raw: RUN with an overlay string without NUL -> bad_message, EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.exec_dir[sizeof m.exec_dir - 2] = 'x';
    raw_case("raw: RUN with bytes after the NUL of a string -> bad_message, EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    SET_FIELD(m.overlay[5], "/usr");
    raw_case("raw: RUN with a non-zero overlay slot beyond n_overlay -> bad_message, EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    base_run(&m, pkg, exec, data);
    m.n_overlay = 17;
    raw_case("raw: RUN with n_overlay 17 -> refused (bad_message, EINVAL)", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_bad_message, EINVAL);
    /* ids and app_id out of range: the same reason the library gives for them */
    base_run(&m, pkg, exec, data);
    m.uid = 0;
    raw_case("raw: RUN with uid 0 (root is never mapped) -> param_invalid (2), EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_param_invalid, EINVAL);
    base_run(&m, pkg, exec, data);
    m.app_id = -5;
    raw_case("raw: RUN with app_id -5 -> param_invalid (2), EINVAL", &m, sizeof m, &pfd, 1, ROCKER_ERR_param_invalid,
             EINVAL);
    base_run(&m, pkg, exec, data);
    raw_case("raw: RUN without the package fd -> bad_message, EBADF", &m, sizeof m, NULL, 0, ROCKER_ERR_bad_message,
             EBADF);
    two[0] = pfd;
    two[1] = pfd;
    raw_case("raw: RUN with two fds -> bad_message, EBADF", &m, sizeof m, two, 2, ROCKER_ERR_bad_message, EBADF);
    {
        struct rocker_hdr l;
        memset(&l, 0, sizeof l);
        l.magic = ROCKER_MAGIC;
        l.version = ROCKER_PROTO_VERSION;
        l.kind = ROCKER_KIND_LIST;
        l.size = ROCKER_HDR_SIZE; /* the seed's header-only LIST (VER0) */
        raw_case("raw: header-only (16-byte) LIST carrying an fd -> bad_message, EBADF", &l, sizeof l, &pfd, 1,
                 ROCKER_ERR_bad_message, EBADF);
        l.size = 20;
        raw_case("raw: LIST whose size field is wrong -> bad_message, EINVAL", &l, sizeof l, NULL, 0,
                 ROCKER_ERR_bad_message, EINVAL);
    }
    {
        struct rocker_req_list l;
        memset(&l, 0, sizeof l);
        l.hdr.magic = ROCKER_MAGIC;
        l.hdr.version = ROCKER_PROTO_VERSION;
        l.hdr.kind = ROCKER_KIND_LIST;
        l.hdr.size = ROCKER_REQ_LIST_SIZE;
        l.entry_size = ROCKER_LIST_ENTRY_SIZE;
        raw_case("raw: 24-byte LIST (VER1, entry_size 336) carrying an fd -> bad_message, EBADF", &l, sizeof l, &pfd,
                 1, ROCKER_ERR_bad_message, EBADF);
        l.entry_size = 100;
        raw_case("raw: LIST with entry_size 100 (below the 304 of VER0) -> bad_message, EINVAL", &l, sizeof l, NULL, 0,
                 ROCKER_ERR_bad_message, EINVAL);
        l.entry_size = ROCKER_LIST_ENTRY_SIZE;
        l.reserved = 1;
        raw_case("raw: LIST with a non-zero reserved word -> bad_message, EINVAL", &l, sizeof l, NULL, 0,
                 ROCKER_ERR_bad_message, EINVAL);
    }

    /* master-side validation of well-formed requests (the library checks
     * some of these itself, so only a raw client reaches the master); on
     * the wire err is the precise reason */
    base_run(&m, pkg, exec, data);
    SET_FIELD(m.exec_dir, "var/your_APP/execdir");
    raw_case("raw: master refuses a relative exec dir -> path_relative (14), EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_path_relative, EINVAL);
    base_run(&m, pkg, exec, data);
    SET_FIELD(m.data_dir, "/var/../tmp");
    raw_case("raw: master refuses a data dir with '..' -> path_invalid (16), EINVAL", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_path_invalid, EINVAL);
    base_run(&m, pkg, exec, data);
    SET_FIELD(m.overlay[0], "/proc");
    raw_case("raw: master refuses overlay /proc -> overlay_invalid (17)", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_overlay_invalid, 0);
    base_run(&m, pkg, exec, data);
    SET_FIELD(m.overlay[0], "/usr/lib");
    raw_case("raw: master refuses overlay /usr/lib -> overlay_invalid (17)", &m, sizeof m, &pfd, 1,
             ROCKER_ERR_overlay_invalid, 0);
    base_run(&m, pkg, exec, data);
    SET_FIELD(m.overlay[0], "/nonexistent-rocker-it");
    raw_case("raw: master refuses overlay /nonexistent-rocker-it -> overlay_invalid (17), ENOENT", &m, sizeof m,
             &pfd, 1, ROCKER_ERR_overlay_invalid, ENOENT);
    base_run(&m, pkg, exec, data);
    raw_case("raw: master checks the fd, not the path: text file fd -> pkg_not_squashfs (13), EINVAL", &m,
             sizeof m, &nfd, 1, ROCKER_ERR_pkg_not_squashfs, EINVAL);
    raw_case("raw: directory fd as package -> pkg_not_squashfs (13)", &m, sizeof m, &dfd, 1,
             ROCKER_ERR_pkg_not_squashfs, 0);
    /* hostile package fds: none may block the master or reach a guard */
    {
        int pp[2], zfd = open("/dev/zero", O_RDONLY | O_CLOEXEC), ofd = open(pkg, O_PATH | O_CLOEXEC);
        if (pipe2(pp, O_CLOEXEC) == 0) {
            /* the write end stays open: a blocking read would hang the master */
            raw_case("raw: a pipe (writer open, nothing written) as package -> pkg_not_squashfs, EINVAL (no blocking read)",
                     &m, sizeof m, &pp[0], 1, ROCKER_ERR_pkg_not_squashfs, EINVAL);
            close(pp[0]);
            close(pp[1]);
        }
        if (zfd >= 0) {
            raw_case("raw: /dev/zero as package -> pkg_not_squashfs, EINVAL", &m, sizeof m, &zfd, 1,
                     ROCKER_ERR_pkg_not_squashfs, EINVAL);
            close(zfd);
        }
        if (ofd >= 0) {
            raw_case("raw: an O_PATH fd of the real package -> pkg_not_squashfs, EBADF (it cannot be read)", &m,
                     sizeof m, &ofd, 1, ROCKER_ERR_pkg_not_squashfs, EBADF);
            close(ofd);
        }
    }

    /* an empty datagram: either a bad_message reply or a close, but the
     * master must survive it */
    {
        int sock = raw_connect();
        struct raw_reply rr;
        if (sock >= 0 && raw_send(sock, "", 0, NULL, 0) == 0) {
            rr = raw_recv(sock, 3000);
            result(rr.n == 0 || (rr.n == ROCKER_REP_RUN_SIZE_VER0 && rr.rep.err == ROCKER_ERR_bad_message),
                   "raw: empty datagram -> bad_message reply or the connection closed",
                   "n=%d err=%d %s", (int)rr.n, rr.rep.err, rr.why);
        } else {
            result(0, "raw: empty datagram", "%s", strerror(errno));
        }
        if (sock >= 0)
            close(sock);
    }
    /* one request per connection: a second request on the same connection
     * is never answered, the master closes after its first reply */
    {
        int sock = raw_connect();
        struct raw_reply r1, r2;
        struct rocker_hdr l;
        memset(&l, 0, sizeof l);
        l.magic = ROCKER_MAGIC;
        l.version = ROCKER_PROTO_VERSION;
        l.kind = ROCKER_KIND_LIST;
        l.size = ROCKER_HDR_SIZE; /* header-only: a seed-era LIST */
        memset(&r2, 0, sizeof r2);
        r2.n = -1;
        if (sock >= 0 && raw_send(sock, &l, sizeof l, NULL, 0) == 0) {
            r1 = raw_recv(sock, 3000);
            if (raw_send(sock, &l, sizeof l, NULL, 0) == 0)
                r2 = raw_recv(sock, 3000);
            /* a header-only LIST gets VER0 entries: 24 + count * 304 bytes */
            uint32_t cnt = (uint32_t)r1.rep.err, esz = (uint32_t)r1.rep.sys_errno; /* count, entry_size */
            result(r1.n >= ROCKER_REP_LIST_SIZE && r1.rep.hdr.kind == ROCKER_KIND_LIST_REPLY &&
                       (esz == 0 || esz == ROCKER_LIST_ENTRY_SIZE_VER0) &&
                       r1.n == (ssize_t)(ROCKER_REP_LIST_SIZE + cnt * ROCKER_LIST_ENTRY_SIZE_VER0) && r2.n <= 0,
                   "raw: one request per connection: a header-only LIST is answered (VER0 entries), a second LIST on it is not (closed)",
                   "first reply %d bytes kind 0x%x count %u entry_size %u, second %d bytes", (int)r1.n,
                   r1.rep.hdr.kind, cnt, esz, (int)r2.n);
        } else {
            result(0, "raw: one request per connection", "%s", strerror(errno));
        }
        if (sock >= 0)
            close(sock);
    }
    /* a client that connects and leaves without a word */
    {
        int sock = raw_connect();
        if (sock >= 0)
            close(sock);
    }

    i = master_lists();
    result(i >= 0, "raw: after all malformed requests the master is alive and serves LIST",
           "ROCKER_list failed");
    close(pfd);
    close(nfd);
    close(dfd);
    return n_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* entrance / abandon: a raw client that never starts an App              */
/* ---------------------------------------------------------------------- */

static int fd_is_ns_of(int fd, int pid, const char *ns)
{
    char a[64], b[64], la[64], lb[64];
    ssize_t na, nb;
    snprintf(a, sizeof a, "/proc/self/fd/%d", fd);
    snprintf(b, sizeof b, "/proc/%d/ns/%s", pid, ns);
    na = readlink(a, la, sizeof la - 1);
    nb = readlink(b, lb, sizeof lb - 1);
    if (na < 0 || nb < 0)
        return 0;
    la[na] = lb[nb] = '\0';
    return strcmp(la, lb) == 0;
}

/* A RUN on a raw socket; the reply's 4 fds are the guard's namespaces and
 * ctl.  Nobody registers an App: the guard must stay while ctl is open and
 * exit at once when it is closed. */
static int cmd_entrance(char **av)
{
    char *pkg = av[0], *exec = av[1], *data = av[2];
    struct rocker_req_run m;
    struct msghdr mh;
    struct iovec iov;
    union { struct cmsghdr a; unsigned char b[CMSG_SPACE(8 * sizeof(int))]; } ctl;
    struct rocker_rep_run rep;
    struct cmsghdr *c;
    struct pollfd pf;
    struct stat sb;
    int fds[8], nfds = 0, sock, pfd, k;
    ssize_t n;
    double dt;

    pfd = open(pkg, O_RDONLY | O_CLOEXEC);
    sock = raw_connect();
    if (pfd < 0 || sock < 0) {
        result(0, "entrance: connect", "%s", strerror(errno));
        return 1;
    }
    /* the seed-era request: exactly the 1832-byte VER0 layout */
    base_run(&m, pkg, exec, data);
    m.hdr.size = ROCKER_REQ_RUN_SIZE_VER0;
    if (raw_send(sock, &m, ROCKER_REQ_RUN_SIZE_VER0, &pfd, 1) < 0) {
        result(0, "entrance: send RUN", "%s", strerror(errno));
        return 1;
    }
    close(pfd);
    pf.fd = sock;
    pf.events = POLLIN;
    memset(&rep, 0, sizeof rep);
    n = -1;
    if (poll(&pf, 1, 5000) == 1) {
        memset(&mh, 0, sizeof mh);
        iov.iov_base = &rep;
        iov.iov_len = sizeof rep;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.b;
        mh.msg_controllen = sizeof ctl.b;
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        for (c = CMSG_FIRSTHDR(&mh); n > 0 && c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                for (k = 0; k < (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)) && nfds < 8; k++)
                    memcpy(&fds[nfds++], CMSG_DATA(c) + (size_t)k * sizeof(int), sizeof(int));
    }
    close(sock);
    result(n == ROCKER_REP_RUN_SIZE_VER0 && rep.hdr.size == ROCKER_REP_RUN_SIZE_VER0 && rep.err == 0 &&
               rep.guard_pid > 0 && rep.n_fds == 4 && nfds == 4 && guard_is(rep.guard_pid, rep.guard_pname),
           "entrance: a raw 1832-byte (v1) RUN gets a 56-byte success reply with guard pid, name and 4 fds",
           "n=%d err=%d (%s) guard=%d '%.16s' n_fds=%u fds=%d", (int)n, rep.err, ROCKER_err_name(rep.err),
           rep.guard_pid, rep.guard_pname, rep.n_fds, nfds);
    if (nfds != 4 || rep.guard_pid <= 0) {
        for (k = 0; k < nfds; k++)
            close(fds[k]);
        if (rep.guard_pid > 0)
            kill(rep.guard_pid, SIGKILL);
        return 1;
    }
    result(fd_is_ns_of(fds[0], rep.guard_pid, "mnt") && fd_is_ns_of(fds[1], rep.guard_pid, "pid") &&
               fd_is_ns_of(fds[2], rep.guard_pid, "user") && fstat(fds[3], &sb) == 0 && S_ISSOCK(sb.st_mode),
           "entrance: the fds are the guard's mnt, pid, user namespaces and a socket (ctl), in that order",
           "mnt=%d pid=%d user=%d ctl is socket=%d", fd_is_ns_of(fds[0], rep.guard_pid, "mnt"),
           fd_is_ns_of(fds[1], rep.guard_pid, "pid"), fd_is_ns_of(fds[2], rep.guard_pid, "user"),
           fstat(fds[3], &sb) == 0 && S_ISSOCK(sb.st_mode));
    {
        char u[128] = "";
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/uid_map", rep.guard_pid);
        slurp(path, u, sizeof u);
        /* "      1000       1000          1\n" */
        {
            long a1 = -1, a2 = -1, a3 = -1;
            int got = sscanf(u, "%ld %ld %ld", &a1, &a2, &a3);
            const char *nl = strchr(u, '\n');
            result(got == 3 && a1 == 1000 && a2 == 1000 && a3 == 1 && nl && nl[1] == '\0',
                   "entrance: the guard's user ns maps exactly uid 1000 (uid_map '1000 1000 1')",
                   "uid_map: '%s'", u);
        }
        snprintf(path, sizeof path, "/proc/%d/setgroups", rep.guard_pid);
        slurp(path, u, sizeof u);
        result(strncmp(u, "deny", 4) == 0, "entrance: setgroups is 'deny' in the guard's user ns",
               "setgroups: '%s'", u);
    }
    close(fds[0]);
    close(fds[1]);
    close(fds[2]);
    sleep_ms(300);
    result(guard_is(rep.guard_pid, rep.guard_pname),
           "entrance: the guard stays while its ctl peer is open (no App registered)",
           "guard %d exited with ctl still open", rep.guard_pid);
    close(fds[3]);
    dt = wait_guard_gone(rep.guard_pid, rep.guard_pname, 3.0);
    result(dt >= 0 && dt <= 1.0, "entrance: closing ctl without an App ends the guard within 1 s",
           "guard %s", dt < 0 ? "still there after 3 s" : "took more than 1 s");
    if (dt < 0)
        kill(rep.guard_pid, SIGKILL);
    return n_failed ? 1 : 0;
}

/* sends a valid RUN and hangs up at once (run.sh checks the aftermath) */
static int cmd_abandon(char **av)
{
    struct rocker_req_run m;
    int pfd = open(av[0], O_RDONLY | O_CLOEXEC), sock = raw_connect();
    if (pfd < 0 || sock < 0) {
        perror("abandon");
        return 1;
    }
    base_run(&m, av[0], av[1], av[2]);
    if (raw_send(sock, &m, sizeof m, &pfd, 1) < 0) {
        perror("abandon: send");
        return 1;
    }
    close(pfd);
    close(sock);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* busy: the connection table full                                        */
/* ---------------------------------------------------------------------- */

/* The connection is refused at accept (over a share of the table): a
 * 56-byte busy reply is already queued, then EOF.  1 busy (*e = errno),
 * 0 still open and silent, -1 closed without a reply. */
static int refused_busy(int sock, int *e)
{
    struct pollfd pf;
    struct rocker_rep_run rep;
    ssize_t n;
    pf.fd = sock;
    pf.events = POLLIN;
    pf.revents = 0;
    if (poll(&pf, 1, 0) <= 0)
        return 0;
    memset(&rep, 0, sizeof rep);
    n = recv(sock, &rep, sizeof rep, MSG_DONTWAIT);
    if (n < 0 && errno == ECONNRESET)
        n = recv(sock, &rep, sizeof rep, MSG_DONTWAIT);
    if (n == ROCKER_REP_RUN_SIZE_VER0 && rep.err == ROCKER_ERR_busy) {
        *e = rep.sys_errno;
        return 1;
    }
    return -1;
}

/* busy N: root opens N (> 32) idle connections: root is held back only by
 * the table: 32 get a slot, the others an immediate busy/EMFILE reply
 * (never EUSERS: root has no per-uid share); root's own next request is
 * refused the same way until they hang up. */
static int cmd_busy(char **av)
{
    static struct rocker_list_entry e[ROCKER_MAX_SANDBOXES];
    int n = atoi(av[0]), socks[256], i, count = 0, held = 0, emfile = 0, eusers = 0, other = 0, k, en = 0;
    char name[200];
    RockerResult r;
    if (n < 33 || n > 256)
        n = 40;
    for (i = 0; i < n; i++)
        socks[i] = raw_connect();
    sleep_ms(1000); /* let the master accept them all (it drops idle ones after 2 s) */
    for (i = 0; i < n; i++) {
        if (socks[i] < 0) {
            other++;
            continue;
        }
        k = refused_busy(socks[i], &en);
        if (k == 0)
            held++;
        else if (k == 1 && en == EMFILE)
            emfile++;
        else if (k == 1 && en == EUSERS)
            eusers++;
        else
            other++;
    }
    snprintf(name, sizeof name,
             "busy: root opens %d idle connections: 32 hold a slot (root may use the whole table), %d get an immediate busy reply, EMFILE (never EUSERS)",
             n, n - 32);
    result(held == 32 && emfile == n - 32 && eusers == 0 && other == 0, name,
           "held=%d busy/EMFILE=%d busy/EUSERS=%d other=%d", held, emfile, eusers, other);
    r = ROCKER_list(e, ROCKER_MAX_SANDBOXES, &count);
    result(is_err(&r, ROCKER_ERR_busy, EMFILE, -1) && r.err_no == ROCKER_ERR_build_rocker_failed,
           "busy: the table full of root's own idle clients: a request gets build_rocker_failed (7), reason busy (20), EMFILE",
           "%d idle connections, then ROCKER_list: %s", n, rstr(&r));
    for (i = 0; i < n; i++)
        if (socks[i] >= 0)
            close(socks[i]);
    sleep_ms(300);
    r = ROCKER_list(e, ROCKER_MAX_SANDBOXES, &count);
    result(r.err_no == ROCKER_ERR_success, "busy: once they hang up the master serves again", "%s", rstr(&r));
    return n_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* perm: a non-root caller against the root-only (0600) socket            */
/* ---------------------------------------------------------------------- */

static int cmd_perm(char **av)
{
    static struct rocker_list_entry e[ROCKER_MAX_SANDBOXES];
    char *pkg = av[0], *exec = av[1], *own = av[2];
    RockerRequest q;
    RockerResult r;
    int i, count = 0, eacces = 0, other = 0, sock;

    result(getuid() == 1000 && getgid() == 1000, "perm: the client runs as uid/gid 1000",
           "uid %d gid %d", (int)getuid(), (int)getgid());
    q = example_req(pkg, exec, own);
    fflush(stdout);
    r = ROCKER_enter_rocker(&q, noop_app, NULL);
    result(r.err_no == ROCKER_ERR_sys && r.reason == ROCKER_ERR_sys && r.sys_errno == EACCES &&
               r.step == ROCKER_STEP_connect && r.guard_pid == 0,
           "perm: uid 1000 cannot connect to the 0600 socket: RUN -> sys (1), EACCES at connect, no guard",
           "%s", rstr(&r));
    r = ROCKER_list(e, ROCKER_MAX_SANDBOXES, &count);
    result(r.err_no == ROCKER_ERR_sys && r.reason == ROCKER_ERR_sys && r.sys_errno == EACCES &&
               r.step == ROCKER_STEP_connect,
           "perm: ... and LIST -> sys (1), EACCES at connect (no uid 1000 can see the sandboxes)", "%s", rstr(&r));
    /* issue 8 item 3, the attack: 40 connections to lock root out */
    for (i = 0; i < 40; i++) {
        sock = raw_connect();
        if (sock >= 0) {
            close(sock);
            other++;
        } else if (errno == EACCES) {
            eacces++;
        } else {
            other++;
        }
    }
    result(eacces == 40, "lockout: uid 1000 opening 40 connections to the 0600 socket: all 40 fail with EACCES",
           "EACCES=%d, connected or other errors=%d", eacces, other);
    return n_failed ? 1 : 0;
}

/* member PKG EXEC OWN ROOTD: a member of the master's --group (no caps) */
static int cmd_member(char **av)
{
    static struct rocker_list_entry e[ROCKER_MAX_SANDBOXES];
    char *pkg = av[0], *exec = av[1], *own = av[2], *rootdir = av[3];
    RockerRequest q;
    RockerResult r;
    int count = -1;
    double dt;

    r = ROCKER_list(e, ROCKER_MAX_SANDBOXES, &count);
    result(r.err_no == ROCKER_ERR_success && count >= 0, "group: a member (uid 1000) may connect: LIST works",
           "%s", rstr(&r));
    q = example_req(pkg, exec, rootdir);
    expect_err("group: member with a data dir it does not own -> sys (1), reason permission_denied (19), EACCES at peer_cred",
               &q, ROCKER_ERR_permission_denied, EACCES, ROCKER_STEP_peer_cred);
    q = example_req(pkg, exec, own);
    q.uid = q.gid = 1001;
    expect_err("group: member asking for another user's ids (uid/gid 1001) on its own data dir -> sys (1), reason permission_denied (19), EACCES at peer_cred",
               &q, ROCKER_ERR_permission_denied, EACCES, ROCKER_STEP_peer_cred);
    q = example_req(pkg, exec, own);
    q.gid = 1001;
    expect_err("group: member uid 1000 asking for gid 1001 (its own uid) -> permission_denied (19), EACCES at peer_cred",
               &q, ROCKER_ERR_permission_denied, EACCES, ROCKER_STEP_peer_cred);
    q = example_req(pkg, exec, own);
    q.uid = 1001;
    expect_err("group: member gid 1000 asking for uid 1001 (its own gid) -> permission_denied (19), EACCES at peer_cred",
               &q, ROCKER_ERR_permission_denied, EACCES, ROCKER_STEP_peer_cred);
    q = example_req(pkg, exec, own);
    fflush(stdout);
    r = ROCKER_enter_rocker(&q, noop_app, NULL);
    result(is_err(&r, ROCKER_ERR_enter_rocker_failed, EPERM, ROCKER_STEP_setns_mnt) &&
               r.err_no == ROCKER_ERR_enter_rocker_failed && r.app_pid == 0 && r.guard_pid > 0,
           "group: member with its own data dir: the sandbox is built, the client (no caps) cannot enter -> enter_rocker_failed (8), EPERM at setns_mnt",
           "%s guard=%d", rstr(&r), r.guard_pid);
    if (r.guard_pid > 0) {
        dt = wait_guard_gone(r.guard_pid, r.guard_pname, 3.0);
        result(dt >= 0 && dt <= 1.0, "group: ... and that guard is gone within 1 s", "guard %d %s", r.guard_pid,
               dt < 0 ? "still there after 3 s" : "took more than 1 s");
    }
    return n_failed ? 1 : 0;
}

/* list NAME REASON ERRNO: one ROCKER_list must give exactly that (0 0: success,
 * -2 0: any failure with a seed err_no) */
static int cmd_list(char **av)
{
    static struct rocker_list_entry e[ROCKER_MAX_SANDBOXES];
    int want = atoi(av[1]), want_errno = atoi(av[2]), count = 0;
    RockerResult r = ROCKER_list(e, ROCKER_MAX_SANDBOXES, &count);
    if (want == 0)
        result(r.err_no == ROCKER_ERR_success, av[0], "%s", rstr(&r));
    else if (want == -2) /* any failure, but never an answer */
        result(r.err_no != ROCKER_ERR_success && seed_ok(&r), av[0], "got %s", rstr(&r));
    else
        result(is_err(&r, want, want_errno, -1), av[0], "want reason %s errno %s, got %s", ROCKER_err_name(want),
               ROCKER_errno_name(want_errno), rstr(&r));
    return n_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* lock-out attempts (issue 8 item 3), run as a member of --group         */
/* ---------------------------------------------------------------------- */

/* flood N SECS: keeps N connections open for SECS, reopening whatever the
 * master closes (as an attacker would).  A connection without a reply
 * after 1 s holds a slot (a refused one is answered at accept; the master
 * drops an idle one after 2 s; 1 s leaves room for a loaded machine).  Prints one summary line for run.sh:
 *   flood uid=U held_max=H busy_EUSERS=A busy_EMFILE=B busy_other=C closed=D connect_err=E */
static int cmd_flood(char **av)
{
    int n = atoi(av[0]), i, held, held_max = 0, eusers = 0, emfile = 0, bother = 0, closed = 0, cerr = 0, en, k;
    int socks[64];
    double opened[64], t0 = now_s(), secs = atof(av[1]), now;
    if (n < 1 || n > 64)
        n = 40;
    for (i = 0; i < n; i++)
        socks[i] = -1;
    while ((now = now_s()) - t0 < secs) {
        held = 0;
        for (i = 0; i < n; i++) {
            if (socks[i] < 0) {
                socks[i] = raw_connect();
                opened[i] = now_s();
                if (socks[i] < 0) {
                    cerr++;
                    continue;
                }
            }
            k = refused_busy(socks[i], &en);
            if (k == 0) {
                if (now - opened[i] >= 1.0)
                    held++;
                continue;
            }
            if (k == 1 && en == EUSERS)
                eusers++;
            else if (k == 1 && en == EMFILE)
                emfile++;
            else if (k == 1)
                bother++;
            else
                closed++; /* dropped idle, without a reply */
            close(socks[i]);
            socks[i] = -1;
        }
        if (held > held_max)
            held_max = held;
        sleep_ms(cerr > 1000 ? 50 : 20);
    }
    for (i = 0; i < n; i++)
        if (socks[i] >= 0)
            close(socks[i]);
    printf("flood uid=%d held_max=%d busy_EUSERS=%d busy_EMFILE=%d busy_other=%d closed=%d connect_err=%d\n",
           (int)getuid(), held_max, eusers, emfile, bother, closed, cerr);
    return 0;
}

/* idle: one connection that never sends: the master closes it in ~2 s */
static int cmd_idle(char **av)
{
    int sock = raw_connect();
    struct pollfd pf;
    char b[128];
    double t0 = now_s(), dt = -1;
    ssize_t n = -2;
    (void)av;
    if (sock < 0) {
        result(0, "lockout: idle connection", "connect: %s", strerror(errno));
        return 1;
    }
    pf.fd = sock;
    pf.events = POLLIN;
    if (poll(&pf, 1, 6000) == 1) {
        dt = now_s() - t0;
        n = recv(sock, b, sizeof b, MSG_DONTWAIT);
    }
    close(sock);
    result(dt >= 1.5 && dt <= 3.5 && n <= 0,
           "lockout: an idle member connection (no request) is closed by the master within ~2 s, without a reply",
           "closed after %.2f s (-1: not within 6 s), recv=%d", dt, (int)n);
    return n_failed ? 1 : 0;
}

/* slow: one byte per second on one connection: the first byte is a whole
 * (bad) request: one reply, then the connection is closed */
static int cmd_slow(char **av)
{
    int sock = raw_connect(), replies = 0, sent = 0, i;
    struct rocker_rep_run rep;
    double t0 = now_s(), t_closed = -1;
    (void)av;
    if (sock < 0) {
        result(0, "lockout: slow sender", "connect: %s", strerror(errno));
        return 1;
    }
    for (i = 0; i < 6 && t_closed < 0; i++) {
        if (send(sock, "x", 1, MSG_NOSIGNAL) == 1)
            sent++;
        else {
            t_closed = now_s() - t0;
            break;
        }
        {
            double t1 = now_s();
            while (now_s() - t1 < 1.0) {
                struct pollfd pf;
                ssize_t n;
                pf.fd = sock;
                pf.events = POLLIN;
                if (poll(&pf, 1, 100) != 1)
                    continue;
                n = recv(sock, &rep, sizeof rep, MSG_DONTWAIT);
                if (n > 0) {
                    replies++;
                    continue;
                }
                if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                    t_closed = now_s() - t0;
                    break;
                }
            }
        }
    }
    close(sock);
    result(replies <= 1 && t_closed >= 0 && t_closed <= 3.0 && sent <= 3,
           "lockout: a member sending one byte per second is dropped after its first (bad) request, within 3 s",
           "bytes sent=%d replies=%d closed after %.2f s (-1: still open after 6 s)", sent, replies, t_closed);
    return n_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* starts: many sandboxes in a row (races, error reporting)               */
/* ---------------------------------------------------------------------- */

/* starts NAME N SECS MODE PKG EXEC DATA OVERLAY: up to N starts within SECS
 * (App exits at once).  MODE ddi: every start must be refused with
 * data_dir_invalid (ELOOP or ENOTDIR); MODE race: any outcome, counted. */
static int cmd_starts(char **av)
{
    char *name = av[0], *mode = av[3];
    int n = atoi(av[1]), i, ok = 0, ddi = 0, echild = 0, other = 0, st;
    double secs = atof(av[2]), t0 = now_s();
    RockerRequest q = ROCKER_request_new();
    RockerResult r, first_other;
    char why[200] = "";
    memset(&first_other, 0, sizeof first_other);
    q.app_id = 9;
    q.uid = q.gid = 1000;
    q.app_pkg_path = av[4];
    q.app_exec_dir = av[5];
    q.app_data_dir = av[6];
    q.app_overlay_dirs[0] = av[7];
    for (i = 0; i < n && now_s() - t0 < secs; i++) {
        fflush(stdout);
        r = ROCKER_enter_rocker(&q, noop_app, NULL);
        if (r.err_no == ROCKER_ERR_success) {
            ok++;
            if (r.app_pid > 0)
                waitpid(r.app_pid, &st, 0);
        } else if (r.reason == ROCKER_ERR_data_dir_invalid && seed_ok(&r) &&
                   (r.sys_errno == ELOOP || r.sys_errno == ENOTDIR)) {
            ddi++;
        } else if (r.reason == ROCKER_ERR_build_rocker_failed && r.sys_errno == ECHILD) {
            echild++;
        } else {
            if (!other++)
                first_other = r;
        }
    }
    if (other)
        snprintf(why, sizeof why, "; first other: %s", rstr(&first_other));
    printf("# starts %s: %d in %.1f s: ok=%d data_dir_invalid=%d build_rocker_failed/ECHILD=%d other=%d%s\n", mode,
           i, now_s() - t0, ok, ddi, echild, other, why);
    if (strcmp(mode, "ddi") == 0)
        result(ddi == i && i > 0, name, "%d starts: ok=%d data_dir_invalid=%d build_rocker_failed/ECHILD=%d other=%d%s",
               i, ok, ddi, echild, other, why);
    else
        result(i > 0 && echild == 0, name, "%d starts: ok=%d data_dir_invalid=%d build_rocker_failed/ECHILD=%d other=%d%s",
               i, ok, ddi, echild, other, why);
    return n_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* app: runs a program in the seed example's sandbox through the API,     */
/* with the caller's stdio (and so its terminal)                          */
/* ---------------------------------------------------------------------- */

struct plain_arg {
    char **argv;
};

static int app_plain(void *argp)
{
    struct plain_arg *a = (struct plain_arg *)argp;
    execve(a->argv[0], a->argv, bb_env);
    return 127;
}

/* app PKG EXEC DATA PROGRAM [ARGS...]: exit status of the App */
static int cmd_app(char **av)
{
    char envpath[320];
    RockerRequest q = example_req(av[0], av[1], av[2]);
    struct plain_arg pa;
    RockerResult r;
    int st;
    snprintf(envpath, sizeof envpath, "PATH=%s/bin", av[1]);
    bb_env[0] = envpath;
    pa.argv = av + 3;
    fflush(stdout);
    r = ROCKER_enter_rocker(&q, app_plain, &pa);
    if (r.err_no != ROCKER_ERR_success) {
        fprintf(stderr, "client app: %s\n", rstr(&r));
        return 125;
    }
    if (waitpid(r.app_pid, &st, 0) < 0)
        return 125;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* run [OPTIONS] PKG EXEC DATA -- PROGRAM [ARGS]: PROGRAM as the App through
 * ROCKER_enter_rocker with the isolation fields of RockerRequest set from
 * OPTIONS (issue 10), the caller's stdio; exit status of the App (125: the
 * request failed: the result on stderr).  Ids 1000; no --overlay: the
 * master's overlay-everything rule.  After the App: `api_guard=NAME`.
 *   --overlay DIR   --hostname NAME   --share ipc,uts,dev,tmp
 *   --net host|none|bridge:NAME   --device PATH[:ro]   --tmp-kb N */
static int cmd_run(int argc, char **argv)
{
    static char envpath[320];
    RockerRequest q = ROCKER_request_new();
    struct plain_arg pa;
    RockerResult r;
    int i, st, n_ov = 0, n_dev = 0;
    q.app_id = 10;
    q.uid = q.gid = 1000;
    for (i = 0; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i += 2) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            break;
        if (!strcmp(o, "--overlay") && n_ov < 16) {
            q.app_overlay_dirs[n_ov++] = (char *)v;
        } else if (!strcmp(o, "--hostname")) {
            q.hostname = (char *)v;
        } else if (!strcmp(o, "--share")) {
            q.share |= (strstr(v, "ipc") ? ROCKER_SHARE_IPC : 0) | (strstr(v, "uts") ? ROCKER_SHARE_UTS : 0) |
                       (strstr(v, "dev") ? ROCKER_SHARE_DEV : 0) | (strstr(v, "tmp") ? ROCKER_SHARE_TMP : 0);
        } else if (!strcmp(o, "--net")) {
            if (!strcmp(v, "none"))
                q.net = ROCKER_NET_NONE;
            else if (!strncmp(v, "bridge:", 7)) {
                q.net = ROCKER_NET_BRIDGE;
                q.bridge = (char *)v + 7;
            } else
                q.net = ROCKER_NET_HOST;
        } else if (!strcmp(o, "--device") && n_dev < 8) {
            q.devices[n_dev++] = (char *)v;
        } else if (!strcmp(o, "--tmp-kb")) {
            q.tmp_size_kb = (unsigned)atoi(v);
        } else {
            fprintf(stderr, "client run: unknown option %s\n", o);
            return 2;
        }
    }
    if (argc - i < 5 || strcmp(argv[i + 3], "--") != 0) {
        fprintf(stderr, "client run: want [OPTIONS] PKG EXEC DATA -- PROGRAM [ARGS]\n");
        return 2;
    }
    q.app_pkg_path = argv[i];
    q.app_exec_dir = argv[i + 1];
    q.app_data_dir = argv[i + 2];
    snprintf(envpath, sizeof envpath, "PATH=%s/bin", argv[i + 1]);
    bb_env[0] = envpath;
    pa.argv = argv + i + 4;
    fflush(stdout);
    r = ROCKER_enter_rocker(&q, app_plain, &pa);
    if (r.err_no != ROCKER_ERR_success) {
        fprintf(stderr, "client run: %s\n", rstr(&r));
        return 125;
    }
    if (waitpid(r.app_pid, &st, 0) < 0)
        return 125;
    printf("api_guard=%s\n", r.guard_pname);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---------------------------------------------------------------------- */
/* v1: a seed-era client, built from the v1 layout (not from rocker.h's   */
/* structs): 1832-byte RUN, 56-byte reply with mnt, pid, user ns and ctl; */
/* it joins them itself, as the seed-era header did                       */
/* ---------------------------------------------------------------------- */

struct v1_req_run {
    uint32_t magic;
    uint16_t version, kind;
    uint32_t size, flags;
    int32_t app_id;
    uint32_t uid, gid, run_flags, n_overlay, reserved;
    char pkg[256], exec_dir[256], data_dir[256];
    char overlay[16][64];
};

struct v1_rep_run {
    uint32_t magic;
    uint16_t version, kind;
    uint32_t size, flags;
    int32_t err, sys_errno;
    uint16_t step, index;
    int32_t guard_pid;
    char guard_pname[16];
    uint32_t n_fds, reserved;
};

typedef char v1_req_size_is_1832[sizeof(struct v1_req_run) == 1832 ? 1 : -1];
typedef char v1_rep_size_is_56[sizeof(struct v1_rep_run) == 56 ? 1 : -1];

static int cmd_v1(char **av)
{
    char *pkg = av[0], *exec = av[1], *data = av[2];
    struct v1_req_run q;
    struct v1_rep_run rep;
    struct msghdr mh;
    struct iovec iov;
    union { struct cmsghdr a; unsigned char b[CMSG_SPACE(8 * sizeof(int))]; } ctl;
    struct cmsghdr *c;
    struct pollfd pf;
    int fds[8], nfds = 0, sock, pfd, k, out[2], st;
    char buf[512] = "", bb[300], envpath[320], want[200], pname[16];
    ssize_t n = -1;
    pid_t helper;
    double dt;
    v1_req_size_is_1832 *unused1 = NULL;
    v1_rep_size_is_56 *unused2 = NULL;
    (void)unused1;
    (void)unused2;

    memset(&q, 0, sizeof q);
    q.magic = 0x524B5231u;
    q.version = 1;
    q.kind = 1;
    q.size = sizeof q;
    q.app_id = 11;
    q.uid = q.gid = 1000;
    q.n_overlay = 1;
    snprintf(q.pkg, sizeof q.pkg, "%s", pkg);
    snprintf(q.exec_dir, sizeof q.exec_dir, "%s", exec);
    snprintf(q.data_dir, sizeof q.data_dir, "%s", data);
    snprintf(q.overlay[0], sizeof q.overlay[0], "/var");
    pfd = open(pkg, O_RDONLY | O_CLOEXEC);
    sock = raw_connect();
    if (pfd < 0 || sock < 0 || raw_send(sock, &q, sizeof q, &pfd, 1) < 0) {
        result(0, "v1 client: send a 1832-byte RUN", "%s", strerror(errno));
        return 1;
    }
    close(pfd);
    memset(&rep, 0, sizeof rep);
    pf.fd = sock;
    pf.events = POLLIN;
    if (poll(&pf, 1, 5000) == 1) {
        memset(&mh, 0, sizeof mh);
        iov.iov_base = &rep;
        iov.iov_len = sizeof rep;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.b;
        mh.msg_controllen = sizeof ctl.b;
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        for (c = CMSG_FIRSTHDR(&mh); n > 0 && c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                for (k = 0; k < (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)) && nfds < 8; k++)
                    memcpy(&fds[nfds++], CMSG_DATA(c) + (size_t)k * sizeof(int), sizeof(int));
        if (mh.msg_flags & MSG_TRUNC)
            n = -1000;
    }
    close(sock);
    memcpy(pname, rep.guard_pname, sizeof pname);
    pname[15] = '\0';
    result(n == 56 && rep.size == 56 && rep.kind == 0x8001 && rep.err == 0 && rep.guard_pid > 0 && rep.n_fds == 4 &&
               nfds == 4,
           "v1 client: a 1832-byte RUN gets a 56-byte success reply (not truncated) with 4 fds",
           "n=%d size=%u err=%d sys_errno=%d guard=%d n_fds=%u fds=%d", (int)n, rep.size, rep.err, rep.sys_errno,
           rep.guard_pid, rep.n_fds, nfds);
    if (nfds != 4 || rep.guard_pid <= 0) {
        for (k = 0; k < nfds; k++)
            close(fds[k]);
        return 1;
    }

    /* the seed-era join, in a child of ours: setns mnt, setns pid,
     * setgroups(0), setns user, setresgid, setresuid, capset(0); then the
     * App is forked into the pid ns and registered with the guard */
    snprintf(bb, sizeof bb, "%s/bin/busybox", exec);
    snprintf(envpath, sizeof envpath, "PATH=%s/bin", exec);
    if (pipe2(out, O_CLOEXEC) < 0)
        return 1;
    helper = fork();
    if (helper == 0) {
        struct { uint32_t version; int pid; } ch = { 0x20080522u, 0 };
        struct { uint32_t e, p, i; } cd[2];
        struct rocker_hdr reg;
        long pidfd;
        pid_t app;
        int ast;
        char *argv[] = { "sh", "-c",
                         "echo \"pid=$$ comm=$(cat /proc/1/comm) ids=$(id -u):$(id -g) groups=$(id -G)\"; set -- /proc/[0-9]*; echo $#",
                         NULL };
        char *envp[] = { envpath, NULL };
        close(out[0]);
        memset(cd, 0, sizeof cd);
        if (syscall(SYS_setns, fds[0], CLONE_NEWNS) < 0 || syscall(SYS_setns, fds[1], CLONE_NEWPID) < 0 ||
            setgroups(0, NULL) < 0 || syscall(SYS_setns, fds[2], CLONE_NEWUSER) < 0 ||
            setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0 ||
            syscall(SYS_capset, &ch, cd) < 0) {
            dprintf(out[1], "join failed: %s\n", strerror(errno));
            _exit(2);
        }
        app = fork();
        if (app == 0) {
            dup2(out[1], 1);
            execve(bb, argv, envp);
            _exit(127);
        }
        pidfd = syscall(434 /* pidfd_open */, (long)app, 0L);
        memset(&reg, 0, sizeof reg);
        reg.magic = ROCKER_MAGIC;
        reg.version = 1;
        reg.kind = ROCKER_KIND_REGISTER;
        reg.size = ROCKER_REGISTER_SIZE;
        k = (int)pidfd;
        if (pidfd < 0 || raw_send(fds[3], &reg, sizeof reg, &k, 1) < 0)
            dprintf(out[1], "register failed: %s\n", strerror(errno));
        close(fds[3]);
        waitpid(app, &ast, 0);
        _exit(WIFEXITED(ast) ? WEXITSTATUS(ast) : 126);
    }
    close(out[1]);
    for (k = 0; k < 4; k++)
        close(fds[k]);
    if (read_full(out[0], buf, 1, 5000) == 0) {
        size_t got = 1;
        ssize_t r;
        struct pollfd p2;
        p2.fd = out[0];
        p2.events = POLLIN;
        while (got < sizeof buf - 1 && poll(&p2, 1, 3000) == 1 && (r = read(out[0], buf + got, sizeof buf - 1 - got)) > 0)
            got += (size_t)r;
        buf[got] = '\0';
    }
    close(out[0]);
    k = waitpid_for(helper, &st, 5) == helper && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    snprintf(want, sizeof want, "pid=2 comm=%s ids=1000:1000 groups=1000\n2\n", pname);
    result(k && strcmp(buf, want) == 0,
           "v1 client: joining with the 4 fds itself (setns mnt, pid, setgroups, setns user, setres*, capset) runs an App in the sandbox (pid 2, guard is pid 1, uid/gid 1000, only 2 pids)",
           "helper exit ok=%d; App printed '%s', want '%s'", k, buf, want);
    dt = wait_guard_gone(rep.guard_pid, pname, 3.0);
    result(dt >= 0 && dt <= 1.0, "v1 client: the guard exits within 1 s after that App", "guard %d %s",
           rep.guard_pid, dt < 0 ? "still there after 3 s" : "took more than 1 s");
    if (dt < 0)
        kill(rep.guard_pid, SIGKILL);
    return n_failed ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/* race: the data dir's owner swaps paths under the guard (issue 8 item 5) */
/* ---------------------------------------------------------------------- */

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif

static int xchg(int dir, const char *a, const char *b)
{
    return (int)syscall(SYS_renameat2, dir, a, dir, b, RENAME_EXCHANGE);
}

/* race DATA VFILE VDIR SECS (as the owner of DATA): for SECS, rounds of:
 * remove DATA/var/upper (so the guard has to mkdir it), spin until the
 * guard has made it and swap it atomically with a symlink to VFILE or VDIR
 * (renameat2 EXCHANGE: the window between the guard's mkdirat and what it
 * does to the new dir next), swap back, then leave it alone for a moment
 * (some starts go through); every 8th round DATA/var itself is swapped
 * with a symlink to VDIR.  Prints how many swaps hit a new upper dir. */
static volatile sig_atomic_t race_stop;
static void on_race_stop(int sig)
{
    (void)sig;
    race_stop = 1;
}

static int cmd_race(char **av)
{
    int data = open(av[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC), var;
    double secs = atof(av[3]), t0 = now_s(), t1;
    long hits = 0, rounds = 0, varswaps = 0;
    const char *sym;
    if (data < 0) {
        fprintf(stderr, "race: %s: %s\n", av[0], strerror(errno));
        return 1;
    }
    mkdirat(data, "var", 0755);
    var = openat(data, "var", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (var < 0) {
        fprintf(stderr, "race: %s/var: %s\n", av[0], strerror(errno));
        return 1;
    }
    symlinkat(av[2], data, "var.d");
    signal(SIGTERM, on_race_stop);
    while (!race_stop && now_s() - t0 < secs) {
        rounds++;
        /* whichever of the names is a dir now goes */
        unlinkat(var, "upper", AT_REMOVEDIR);
        unlinkat(var, "upper.f", AT_REMOVEDIR);
        unlinkat(var, "upper.d", AT_REMOVEDIR);
        symlinkat(av[1], var, "upper.f");
        symlinkat(av[2], var, "upper.d");
        sym = (rounds & 1) ? "upper.f" : "upper.d";
        /* the guard's mkdirat(upper) makes the exchange succeed */
        for (t1 = now_s(); now_s() - t1 < 0.05;) {
            if (xchg(var, "upper", sym) == 0) {
                hits++;
                sched_yield();
                xchg(var, "upper", sym);
                break;
            }
        }
        if (rounds % 8 == 0) {
            varswaps += xchg(data, "var", "var.d") == 0;
            sleep_ms(1);
            xchg(data, "var", "var.d");
        }
        sleep_ms((int)(rounds % 5));
    }
    printf("# race: %ld rounds, %ld swaps of a new upper dir, %ld of var, in %.1f s\n", rounds, hits, varswaps,
           now_s() - t0);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 6 && strcmp(argv[1], "example") == 0)
        return cmd_probe(0, argv + 2);
    if (argc >= 6 && strcmp(argv[1], "persist") == 0)
        return cmd_probe(1, argv + 2);
    if (argc >= 5 && strcmp(argv[1], "kill") == 0)
        return cmd_kill(argv + 2);
    if (argc >= 5 && strcmp(argv[1], "orphan") == 0)
        return cmd_orphan(argv + 2);
    if (argc >= 6 && strcmp(argv[1], "errors") == 0)
        return cmd_errors(argv + 2);
    if (argc >= 5 && strcmp(argv[1], "seedcode") == 0)
        return cmd_seedcode(argv + 2);
    if (argc >= 6 && strcmp(argv[1], "raw") == 0)
        return cmd_raw(argv + 2);
    if (argc >= 5 && strcmp(argv[1], "entrance") == 0)
        return cmd_entrance(argv + 2);
    if (argc >= 5 && strcmp(argv[1], "abandon") == 0)
        return cmd_abandon(argv + 2);
    if (argc >= 5 && strcmp(argv[1], "v1") == 0)
        return cmd_v1(argv + 2);
    if (argc >= 3 && strcmp(argv[1], "busy") == 0)
        return cmd_busy(argv + 2);
    if (argc >= 5 && strcmp(argv[1], "perm") == 0)
        return cmd_perm(argv + 2);
    if (argc >= 6 && strcmp(argv[1], "member") == 0)
        return cmd_member(argv + 2);
    if (argc >= 5 && strcmp(argv[1], "list") == 0)
        return cmd_list(argv + 2);
    if (argc >= 4 && strcmp(argv[1], "flood") == 0)
        return cmd_flood(argv + 2);
    if (argc >= 2 && strcmp(argv[1], "idle") == 0)
        return cmd_idle(argv + 2);
    if (argc >= 2 && strcmp(argv[1], "slow") == 0)
        return cmd_slow(argv + 2);
    if (argc >= 10 && strcmp(argv[1], "starts") == 0)
        return cmd_starts(argv + 2);
    if (argc >= 6 && strcmp(argv[1], "app") == 0)
        return cmd_app(argv + 2);
    if (argc >= 7 && strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (argc >= 6 && strcmp(argv[1], "race") == 0)
        return cmd_race(argv + 2);
    fprintf(stderr, "usage: client example|persist PKG EXEC DATA WDIR | kill|orphan|entrance|abandon|v1|seedcode PKG EXEC DATA |"
                    " errors|raw PKG EXEC DATA NOTSQFS | busy N | perm PKG EXEC OWN_DATA |"
                    " member PKG EXEC OWN_DATA ROOT_DATA | list NAME REASON ERRNO | flood N SECS | idle | slow |"
                    " starts NAME N SECS ddi|race PKG EXEC DATA OVERLAY | app PKG EXEC DATA PROGRAM [ARGS] |"
                    " run [--overlay D] [--hostname H] [--share S] [--net N] [--device P] [--tmp-kb K] PKG EXEC DATA -- PROG |"
                    " race DATA VFILE VDIR SECS\n");
    return 2;
}
