/*
 * floor.c -- the raw-syscall floor for one rocker sandbox start.
 *
 * Does what rocker does for one `/bin/true` App, with no daemon, no socket,
 * no master, no client helper and no setns: only the kernel work, in the
 * same shape (pid 1 = a minimal reaper, the App = its child).
 *
 *   parent                         child (clone NEWNS|NEWPID: pid 1 of the new ns)
 *   clone ------------------------> / MS_REC|MS_PRIVATE
 *                                   open data dir, mkdir+open <data>/<dir>/{upper,work}
 *                                   mount overlay on each --overlay dir (in place)
 *                                   cold: LOOP_CTL_GET_FREE + LOOP_CONFIGURE(RO|AUTOCLEAR)
 *                                         of a fresh copy, mount squashfs at the exec dir
 *                                   warm: bind the already-mounted squashfs at the exec dir
 *                                   mount proc, setgroups(0), unshare(NEWUSER)
 *   write setgroups/gid_map/uid_map <- "ready" (pipe)
 *   "go" (pipe) ------------------> fork the App (pid 2):
 *                                      setresgid, setresuid, capset(0), execve(<exec>/bin/true)
 *                                   pid 1: waitpid(App)
 *   App reaped <------------------- "done" (pipe)
 *   waitpid(pid 1): teardown
 *
 * A run is timed from before clone() until pid 1 has reaped the App and said
 * so: the same span as rkbench's "request until /bin/true has run and been
 * reaped".  Then pid 1 exits and the kernel tears the namespaces down
 * (unmounts; AUTOCLEAR frees the loop device) before the parent can reap
 * it; that teardown is reported separately and is not in the total, as it
 * is not in rocker's (rocker's guard does it after the App was reaped).
 * The whole program runs in a private mount namespace of its own, so
 * nothing it mounts is ever visible on the host.
 *
 * Cold: before each run (untimed) the image is copied to a new file, so the
 * run gets a new loop device, a new squashfs superblock and an empty
 * squashfs cache (the util-linux trap of ANCHOR_BENCH.md cannot happen here:
 * we never re-use a loop device or a mount).
 * Warm: the image is loop-mounted once at start in our private namespace;
 * each run bind-mounts that mount (what package sharing would do).
 *
 * Output (--out): one line per measured run, microseconds:
 *   total child_start overlays loop squashfs proc_userns idmaps creds exec_reap teardown
 *
 * Build: gcc -O2 -static -o floor floor.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/loop.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OVL 16
#define NSTAMP 8

static const char *o_cold, *o_warm, *o_copy_dir, *o_exec = "/var/rk-bench/exec", *o_data, *o_out;
static const char *o_ovl[MAX_OVL];
static int n_ovl, o_runs = 50, o_warmup = 3, o_uid = 1000, o_gid = 1000;
static char stage_dir[512];

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void die(const char *what)
{
    fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* child failures: exit code = step number, errno on stderr */
static void cdie(int step, const char *what)
{
    fprintf(stderr, "floor child: step %d %s: %s\n", step, what, strerror(errno));
    _exit(100 + step);
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

/* LOOP_CTL_GET_FREE + LOOP_CONFIGURE(RO|AUTOCLEAR); returns the loop fd, path in dev. */
static int attach_loop(int pkg, char *dev, size_t devlen)
{
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC), tries, fd;
    struct loop_config cfg;
    if (ctl < 0)
        return -1;
    for (tries = 0; tries < 32; tries++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0)
            break;
        snprintf(dev, devlen, "/dev/loop%d", n);
        fd = open(dev, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        memset(&cfg, 0, sizeof cfg);
        cfg.fd = (unsigned)pkg;
        cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
        if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0) {
            close(ctl);
            return fd;
        }
        close(fd);
        if (errno != EBUSY)
            break;
    }
    close(ctl);
    return -1;
}

struct shared {
    double st[NSTAMP];
};

static void child(struct shared *sh, int rfd, int wfd, int dfd, int pkg)
{
    int data, up[MAX_OVL], wk[MAX_OVL], i, stage_fd = -1;
    char c = 0, opts[600], dev[64], exe[600];
    sh->st[0] = now_us();
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        cdie(1, "make / private");
    /* warm: the staged squashfs, opened in OUR mount ns copy (a bind source
     * must be in the caller's namespace) and before /var is overlaid */
    if (pkg < 0 && (stage_fd = open(stage_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        cdie(1, "open stage");
    data = open(o_data, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (data < 0)
        cdie(2, "open data dir");
    for (i = 0; i < n_ovl; i++) {
        const char *name = o_ovl[i] + 1;
        int layer;
        struct stat st;
        if (mkdirat(data, name, 0700) < 0 && errno != EEXIST)
            cdie(3, "mkdir layer");
        layer = openat(data, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (layer < 0)
            cdie(3, "open layer");
        if (mkdirat(layer, "upper", 0700) == 0) {
            if (lstat(o_ovl[i], &st) < 0 || fchownat(layer, "upper", st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                fchmodat(layer, "upper", st.st_mode & 07777, 0) < 0)
                cdie(3, "upper owner/mode");
        } else if (errno != EEXIST) {
            cdie(3, "mkdir upper");
        }
        if (mkdirat(layer, "work", 0700) < 0 && errno != EEXIST)
            cdie(3, "mkdir work");
        up[i] = openat(layer, "upper", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        wk[i] = openat(layer, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (up[i] < 0 || wk[i] < 0)
            cdie(3, "open upper/work");
        close(layer);
    }
    for (i = 0; i < n_ovl; i++) {
        snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=/proc/self/fd/%d,workdir=/proc/self/fd/%d", o_ovl[i], up[i],
                 wk[i]);
        if (mount("overlay", o_ovl[i], "overlay", 0, opts) < 0)
            cdie(4, "mount overlay");
        close(up[i]);
        close(wk[i]);
    }
    close(data);
    sh->st[1] = now_us();
    if (pkg >= 0) {
        int lfd = attach_loop(pkg, dev, sizeof dev);
        if (lfd < 0)
            cdie(5, "attach loop");
        close(pkg);
        sh->st[2] = now_us();
        if (mount(dev, o_exec, "squashfs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) < 0)
            cdie(6, "mount squashfs");
        close(lfd);
    } else {
        char src[64];
        sh->st[2] = now_us();
        snprintf(src, sizeof src, "/proc/self/fd/%d", stage_fd);
        if (mount(src, o_exec, NULL, MS_BIND, NULL) < 0)
            cdie(6, "bind squashfs");
        close(stage_fd);
    }
    sh->st[3] = now_us();
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        cdie(7, "mount proc");
    if (chdir("/") < 0)
        cdie(7, "chdir");
    if (setgroups(0, NULL) < 0)
        cdie(8, "setgroups");
    if (unshare(CLONE_NEWUSER) < 0)
        cdie(8, "unshare user");
    sh->st[4] = now_us();
    if (write(wfd, "r", 1) != 1 || read(rfd, &c, 1) != 1)
        cdie(9, "handshake");
    sh->st[5] = now_us();
    {
        pid_t app = fork();
        int st;
        if (app < 0)
            cdie(10, "fork App");
        if (app == 0) {
            struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
            struct __user_cap_data_struct d[2];
            memset(d, 0, sizeof d);
            if (setresgid(o_gid, o_gid, o_gid) < 0 || setresuid(o_uid, o_uid, o_uid) < 0)
                cdie(10, "setres[ug]id");
            if (syscall(SYS_capset, &h, d) < 0)
                cdie(10, "capset");
            sh->st[6] = now_us();
            snprintf(exe, sizeof exe, "%s/bin/true", o_exec);
            {
                char *argv[] = { exe, NULL };
                char *envp[] = { "PATH=/bin", NULL };
                execve(exe, argv, envp);
            }
            cdie(11, "execve");
        }
        while (waitpid(app, &st, 0) < 0)
            if (errno != EINTR)
                cdie(12, "waitpid App");
        c = (char)(WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 'd' : 'f');
        if (write(dfd, &c, 1) != 1)
            cdie(12, "write done");
        _exit(c == 'd' ? 0 : 13);
    }
}

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0)
        return -1;
    n = write(fd, s, strlen(s));
    close(fd);
    return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int one_run(struct shared *sh, const char *pkg_path, double *row)
{
    int p1[2], p2[2], p3[2], status, i, pkg = -1;
    char c, path[64], line[64];
    pid_t pid;
    double t0, t1 = 0, t2;
    if (pipe2(p1, O_CLOEXEC) < 0 || pipe2(p2, O_CLOEXEC) < 0 || pipe2(p3, O_CLOEXEC) < 0)
        die("pipe2");
    memset(sh, 0, sizeof *sh);
    t0 = now_us();
    /* like the rocker client: the package is opened by the caller, before
     * the sandbox overlays the dir it lives in */
    if (pkg_path && (pkg = open(pkg_path, O_RDONLY | O_CLOEXEC)) < 0)
        die("open package");
    pid = (pid_t)syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0)
        die("clone");
    if (pid == 0) {
        close(p1[0]);
        close(p2[1]);
        close(p3[0]);
        child(sh, p2[0], p1[1], p3[1], pkg);
    }
    if (pkg >= 0)
        close(pkg);
    close(p1[1]);
    close(p2[0]);
    close(p3[1]);
    if (read(p1[0], &c, 1) == 1) {
        snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
        if (write_file(path, "deny") < 0)
            die("setgroups deny");
        snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
        snprintf(line, sizeof line, "%d %d 1\n", o_gid, o_gid);
        if (write_file(path, line) < 0)
            die("gid_map");
        snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
        snprintf(line, sizeof line, "%d %d 1\n", o_uid, o_uid);
        if (write_file(path, line) < 0)
            die("uid_map");
        if (write(p2[1], "g", 1) != 1)
            die("write go");
    }
    close(p1[0]);
    close(p2[1]);
    if (read(p3[0], &c, 1) == 1 && c == 'd')
        t1 = now_us();
    close(p3[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die("waitpid");
    t2 = now_us();
    if (!t1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "floor: run failed, status 0x%x\n", status);
        return -1;
    }
    row[0] = t1 - t0;
    row[1] = sh->st[0] - t0;
    for (i = 1; i <= 6; i++)
        row[i + 1] = sh->st[i] - sh->st[i - 1];
    row[8] = t1 - sh->st[6];
    row[9] = t2 - t1;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: floor (--cold IMG --copy-dir DIR | --warm IMG) --data DIR [--exec-dir DIR]\n"
                    "             [--overlay DIR]... [--runs N] [--warmup N] [--uid N] [--gid N] --out FILE\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "cold", 1, 0, 'c' }, { "warm", 1, 0, 'w' },   { "copy-dir", 1, 0, 'C' }, { "exec-dir", 1, 0, 'e' },
        { "data", 1, 0, 'd' }, { "overlay", 1, 0, 'o' }, { "runs", 1, 0, 'n' },     { "warmup", 1, 0, 'W' },
        { "uid", 1, 0, 'u' },  { "gid", 1, 0, 'g' },     { "out", 1, 0, 'O' },      { 0, 0, 0, 0 },
    };
    struct shared *sh;
    FILE *out;
    int c, k, fails = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': o_cold = optarg; break;
        case 'w': o_warm = optarg; break;
        case 'C': o_copy_dir = optarg; break;
        case 'e': o_exec = optarg; break;
        case 'd': o_data = optarg; break;
        case 'o':
            if (n_ovl == MAX_OVL)
                usage();
            o_ovl[n_ovl++] = optarg;
            break;
        case 'n': o_runs = atoi(optarg); break;
        case 'W': o_warmup = atoi(optarg); break;
        case 'u': o_uid = atoi(optarg); break;
        case 'g': o_gid = atoi(optarg); break;
        case 'O': o_out = optarg; break;
        default: usage();
        }
    }
    if (!o_data || !o_out || (!o_cold == !o_warm) || (o_cold && !o_copy_dir))
        usage();
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        die("mmap");
    /* our own private mount namespace: nothing we mount reaches the host */
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        die("private mount ns");
    if (o_warm) {
        char dev[64];
        int pkg = open(o_warm, O_RDONLY | O_CLOEXEC), lfd;
        snprintf(stage_dir, sizeof stage_dir, "%s/floor-stage", o_data);
        if (mkdir(stage_dir, 0755) < 0 && errno != EEXIST)
            die("mkdir stage");
        if (pkg < 0 || (lfd = attach_loop(pkg, dev, sizeof dev)) < 0)
            die("attach warm image");
        if (mount(dev, stage_dir, "squashfs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) < 0)
            die("mount warm image");
        close(lfd);
        close(pkg);
    }
    out = fopen(o_out, "w");
    if (!out)
        die(o_out);
    fprintf(out, "# total child_start overlays loop squashfs proc_userns idmaps fork_creds exec_reap teardown (us)\n");
    for (k = 0; k < o_warmup + o_runs; k++) {
        char copy[600];
        double row[10];
        const char *pkg = NULL;
        if (o_cold) {
            snprintf(copy, sizeof copy, "%s/floor-cold-%d.sqfs", o_copy_dir, k);
            if (copy_file(o_cold, copy) < 0)
                die("copy image");
            pkg = copy;
        }
        if (one_run(sh, pkg, row) < 0) {
            fprintf(out, "# FAIL %d\n", k);
            if (++fails > 3)
                return 1;
        } else if (k >= o_warmup) {
            int i;
            for (i = 0; i < 10; i++)
                fprintf(out, "%s%.1f", i ? " " : "", row[i]);
            fputc('\n', out);
        }
        if (o_cold)
            unlink(copy);
    }
    fclose(out);
    if (o_warm) {
        umount2(stage_dir, MNT_DETACH);
        rmdir(stage_dir);
    }
    return 0; /* a few failed runs are in the output as "# FAIL" lines */
}
