/*
 * floor.c -- the raw-syscall floor for one rocker sandbox start.
 *
 * Does the kernel work that gives one `/bin/true` App the sandbox rocker
 * gives it, with no daemon, no socket, no master, no client helper and no
 * setns: the same namespaces, mounts, ids and privileges, in the same shape
 * (pid 1 = a minimal reaper, the App = its child), by the shortest path.
 *
 *   parent                         child (clone NEWNS|NEWPID|NEWUTS|NEWIPC[|NEWNET]:
 *                                         pid 1 of the new namespaces)
 *   clone ------------------------> / MS_REC|MS_PRIVATE
 *                                   open data dir, mkdir+open <data>/<dir>/{upper,work}
 *                                   mount overlay on each --overlay dir (in place)
 *                                   cold: LOOP_CTL_GET_FREE + LOOP_CONFIGURE(RO|AUTOCLEAR)
 *                                         of a fresh copy, mount squashfs at the exec dir
 *                                   warm: bind the already-mounted squashfs at the exec dir
 *                                   isolation (rocker's defaults, as its guard does them):
 *                                     sethostname; a private /dev (tmpfs, the 6 standard
 *                                     nodes mknod'ed after an fstat of the host's, devpts
 *                                     newinstance + ptmx link, shm tmpfs, mqueue, fd/std*
 *                                     links); a private /tmp (tmpfs 16 MiB);
 *                                     --net none: lo up (SIOCSIFFLAGS)
 *                                   mount proc, setgroups(0), unshare(NEWUSER)
 *   write setgroups/gid_map/uid_map <- "ready" (pipe)
 *   "go" (pipe) ------------------> fork the App (pid 2): drop the bounding set,
 *                                      setresgid, setresuid, capset(0), clear ambient,
 *                                      no_new_privs, setsid, execve(<exec>/bin/true)
 *                                   pid 1: waitpid(App)
 *   App reaped <------------------- "done" (pipe)
 *   waitpid(pid 1): teardown
 *
 * --share ipc|uts|dev|tmp|all and --net host|none select the isolation as
 * rkbench's options of the same names select rocker's (default: rocker's
 * default for recipe clients: own UTS + hostname, IPC, /dev and /tmp, the
 * host's network).  `--share all` is the seed-era shape (mount + PID ns only).
 *
 * A run is timed from before clone() until pid 1 has reaped the App and said
 * so: the same span as rkbench's "request until /bin/true has run and been
 * reaped"; the App's first instruction (after its creds, before execve) is
 * stamped too, as rkbench stamps rocker's.  Then pid 1 exits and the kernel
 * tears the namespaces down (unmounts; AUTOCLEAR frees the loop device)
 * before the parent can reap it; that teardown is reported separately and is
 * not in the total, as it is not in rocker's (rocker's guard does it after
 * the App was reaped).  The whole program runs in a private mount namespace
 * of its own, so nothing it mounts is ever visible on the host.
 *
 * Cold: before each run (untimed) the image is copied to a new file, so the
 * run gets a new loop device, a new squashfs superblock and an empty
 * squashfs cache (the util-linux trap of ANCHOR_BENCH.md cannot happen here:
 * we never re-use a loop device or a mount).
 * Warm: the image is loop-mounted once at start in our private namespace;
 * each run bind-mounts that mount (what package sharing would do).
 *
 * Output (--out): one line per measured run, microseconds:
 *   total child_start overlays loop squashfs isolation proc_userns idmaps creds exec_reap
 *   teardown app_start
 *
 * Build: gcc -O2 -static -o floor floor.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/loop.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OVL 16
#define NSTAMP 12
#define MAX_CG 8
#define SHARE_IPC 1u
#define SHARE_DEV 2u
#define SHARE_TMP 4u
#define SHARE_UTS 8u
#define SHARE_ALL 15u
#define TMP_KB 16384 /* rocker-spec TMP_SIZE_KB */

static const char *o_cold, *o_warm, *o_copy_dir, *o_exec = "/var/rk-bench/exec", *o_data, *o_out;
static const char *o_ovl[MAX_OVL];
static int n_ovl, o_runs = 50, o_warmup = 3, o_uid = 1000, o_gid = 1000, o_net_none;
static unsigned o_share;
static char stage_dir[512];
/* rocker's cgroup bases (the master's log line names them), one per hierarchy */
static const char *o_cg[MAX_CG];
static int n_cg, cg_procs[MAX_CG];
static char cg_name[64];
/* the seccomp program (struct sock_filter[]), rocker's own bytes */
static const char *o_seccomp;
static struct sock_filter *sec_prog;
static unsigned short sec_len;

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

/* rocker's guard: STD_DEVICES, each looked up on the host (fstat) and made
 * with mknod 0666 in the new /dev */
static const char *const std_devices[] = { "null", "zero", "full", "random", "urandom", "tty" };

static void private_dev(void)
{
    struct stat st[6];
    char opts[64], path[64];
    int i, d;
    for (i = 0; i < 6; i++) {
        int fd;
        snprintf(path, sizeof path, "/dev/%s", std_devices[i]);
        fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st[i]) < 0)
            cdie(7, "host device");
        close(fd);
    }
    d = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0)
        cdie(7, "open /dev");
    snprintf(path, sizeof path, "/proc/self/fd/%d", d);
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k") < 0)
        cdie(7, "mount /dev");
    close(d);
    if ((d = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        cdie(7, "open new /dev");
    for (i = 0; i < 6; i++)
        if (mknodat(d, std_devices[i], (st[i].st_mode & S_IFMT) | 0666, st[i].st_rdev) < 0)
            cdie(7, "mknod");
    if (mkdirat(d, "pts", 0755) < 0 ||
        mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0 ||
        symlinkat("pts/ptmx", d, "ptmx") < 0)
        cdie(7, "devpts");
    snprintf(opts, sizeof opts, "mode=1777,size=%dk", (o_share & SHARE_TMP) ? 64 : TMP_KB);
    if (mkdirat(d, "shm", 01777) < 0 || mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
        cdie(7, "shm");
    if (mkdirat(d, "mqueue", 01777) < 0 ||
        mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        cdie(7, "mqueue");
    if (symlinkat("/proc/self/fd", d, "fd") < 0 || symlinkat("/proc/self/fd/0", d, "stdin") < 0 ||
        symlinkat("/proc/self/fd/1", d, "stdout") < 0 || symlinkat("/proc/self/fd/2", d, "stderr") < 0)
        cdie(7, "links");
    close(d);
}

static void private_tmp(void)
{
    char opts[64], path[64];
    int t = open("/tmp", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (t < 0)
        cdie(7, "open /tmp");
    snprintf(path, sizeof path, "/proc/self/fd/%d", t);
    snprintf(opts, sizeof opts, "mode=1777,size=%dk", TMP_KB);
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        cdie(7, "mount /tmp");
    close(t);
}

static void lo_up(void)
{
    struct ifreq r;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        cdie(7, "socket");
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &r) < 0)
        cdie(7, "lo flags");
    r.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &r) < 0)
        cdie(7, "lo up");
    close(s);
}


/* rocker_spec::MASKED and READONLY (Docker's and runc's lists): a masked
 * dir gets one empty read-only tmpfs (the first), bound on the others; a
 * masked file gets /dev/null bound on it; a read-only path is bound on
 * itself (MS_REC) and made read-only with its submounts (mount_setattr
 * AT_RECURSIVE).  Missing paths are skipped.  As rocker's guard does it,
 * each path opened with RESOLVE_NO_SYMLINKS and mounted through
 * /proc/self/fd/N. */
static const char *const masked[] = { "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
                                      "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/sysrq-trigger",
                                      "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap",
                                      "/sys/firmware" };
static const char *const readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/sys" };

static int open_nofollow(const char *path, int flags)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC);
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
}

static int bind_fd(int src, int dst, unsigned long flags)
{
    char s[32], d[32];
    snprintf(s, sizeof s, "/proc/self/fd/%d", src);
    snprintf(d, sizeof d, "/proc/self/fd/%d", dst);
    return mount(s, d, NULL, flags, NULL);
}

/* returns the /proc/sys fd opened before it became read-only (for the limits) */
static int mask_paths(int n_ro)
{
    int sysctl = open("/proc/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), null, empty = -1, i;
    struct stat st;
    if (sysctl < 0)
        cdie(9, "open /proc/sys");
    if ((null = open_nofollow("/dev/null", O_PATH)) < 0)
        cdie(9, "open /dev/null");
    for (i = 0; i < (int)(sizeof masked / sizeof *masked); i++) {
        int fd = open_nofollow(masked[i], O_PATH);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            cdie(9, masked[i]);
        }
        if (fstat(fd, &st) < 0)
            cdie(9, "fstat");
        if (S_ISDIR(st.st_mode) && empty >= 0) {
            if (bind_fd(empty, fd, MS_BIND) < 0)
                cdie(9, "bind empty");
        } else if (S_ISDIR(st.st_mode)) {
            char t[32];
            snprintf(t, sizeof t, "/proc/self/fd/%d", fd);
            if (mount("tmpfs", t, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=555") < 0)
                cdie(9, "mask tmpfs");
            if ((empty = open_nofollow(masked[i], O_PATH | O_DIRECTORY)) < 0)
                cdie(9, "reopen masked");
        } else if (bind_fd(null, fd, MS_BIND) < 0) {
            cdie(9, "bind null");
        }
        close(fd);
    }
    close(null);
    if (empty >= 0)
        close(empty);
    for (i = 0; i < n_ro; i++) {
        struct mount_attr a;
        int fd = open_nofollow(readonly[i], O_PATH), top;
        char t[32];
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            cdie(9, readonly[i]);
        }
        if (fstat(fd, &st) < 0 || bind_fd(fd, fd, MS_BIND | MS_REC) < 0)
            cdie(9, "bind ro");
        if ((top = open_nofollow(readonly[i], O_PATH)) < 0)
            cdie(9, "reopen ro");
        snprintf(t, sizeof t, "/proc/self/fd/%d", top);
        memset(&a, 0, sizeof a);
        a.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        if (syscall(SYS_mount_setattr, AT_FDCWD, t, AT_RECURSIVE, &a, sizeof a) < 0)
            cdie(9, "mount_setattr");
        close(top);
        close(fd);
    }
    return sysctl;
}

/* as root of the new user namespace: its max_*_namespaces = 0 */
static void userns_limits(int sysctl)
{
    static const char *const f[] = { "user/max_user_namespaces", "user/max_mnt_namespaces",
                                     "user/max_pid_namespaces",  "user/max_net_namespaces",
                                     "user/max_ipc_namespaces",  "user/max_uts_namespaces",
                                     "user/max_cgroup_namespaces", "user/max_time_namespaces" };
    int i;
    for (i = 0; i < 8; i++) {
        int fd = openat(sysctl, f[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            cdie(10, f[i]);
        }
        if (write(fd, "0", 1) != 1)
            cdie(10, "write limit");
        close(fd);
    }
    close(sysctl);
}

/* write "0" to each cgroup.procs fd: the writer moves (v1: one migration per hierarchy) */
static void cg_join(int step)
{
    int i;
    for (i = 0; i < n_cg; i++)
        if (write(cg_procs[i], "0", 1) != 1)
            cdie(step, "join cgroup");
}

/* the per-run cgroups: made in the timed part (rocker's master makes them
 * after the request), removed after pid 1 was reaped (untimed, as rocker's
 * master removes them after its guard was reaped) */
static void cg_create(int run)
{
    char path[600];
    int i;
    snprintf(cg_name, sizeof cg_name, "rkfloor-%d-%d", (int)getpid(), run);
    for (i = 0; i < n_cg; i++) {
        snprintf(path, sizeof path, "%s/%s", o_cg[i], cg_name);
        if (mkdir(path, 0755) < 0)
            die(path);
        snprintf(path, sizeof path, "%s/%s/cgroup.procs", o_cg[i], cg_name);
        if ((cg_procs[i] = open(path, O_WRONLY | O_CLOEXEC)) < 0)
            die(path);
    }
}

static void cg_remove(void)
{
    char path[600];
    int i, k;
    for (i = 0; i < n_cg; i++) {
        close(cg_procs[i]);
        snprintf(path, sizeof path, "%s/%s", o_cg[i], cg_name);
        for (k = 0; k < 1000 && rmdir(path) < 0 && errno == EBUSY; k++)
            usleep(1000);
    }
}

static void load_seccomp(const char *path)
{
    static unsigned char buf[BPF_MAXINSNS * sizeof(struct sock_filter)];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0)
        die(path);
    n = read(fd, buf, sizeof buf);
    close(fd);
    if (n <= 0 || n % (ssize_t)sizeof(struct sock_filter))
        die("seccomp program size");
    sec_prog = (struct sock_filter *)buf;
    sec_len = (unsigned short)(n / (ssize_t)sizeof(struct sock_filter));
}

struct shared {
    double st[NSTAMP];
};

static void child(struct shared *sh, int rfd, int wfd, int dfd, int pkg)
{
    int data, up[MAX_OVL], wk[MAX_OVL], i, stage_fd = -1, sysctl;
    char c = 0, opts[600], dev[64], exe[600];
    sh->st[0] = now_us();
    /* rocker's guard on cgroup v1: cloned, then joins through the
     * cgroup.procs fds the master opened */
    cg_join(1);
    sh->st[1] = now_us();
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
    sh->st[2] = now_us();
    if (pkg >= 0) {
        int lfd = attach_loop(pkg, dev, sizeof dev);
        if (lfd < 0)
            cdie(5, "attach loop");
        close(pkg);
        sh->st[3] = now_us();
        if (mount(dev, o_exec, "squashfs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) < 0)
            cdie(6, "mount squashfs");
        close(lfd);
    } else {
        char src[64];
        sh->st[3] = now_us();
        snprintf(src, sizeof src, "/proc/self/fd/%d", stage_fd);
        if (mount(src, o_exec, NULL, MS_BIND, NULL) < 0)
            cdie(6, "bind squashfs");
        close(stage_fd);
    }
    sh->st[4] = now_us();
    /* rocker's guard names its sandbox rg-<12 hex>: the same length here */
    if (!(o_share & SHARE_UTS) && sethostname("rg-000000000000", 15) < 0)
        cdie(7, "sethostname");
    if (!(o_share & SHARE_DEV))
        private_dev();
    if (!(o_share & SHARE_TMP))
        private_tmp();
    if (o_net_none)
        lo_up();
    sh->st[5] = now_us();
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        cdie(8, "mount proc");
    /* own network ns: a read-only sysfs of its own (rocker: MountSys), so
     * /sys is not in the read-only list then */
    if (o_net_none && mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        cdie(8, "mount sysfs");
    sh->st[6] = now_us();
    sysctl = mask_paths(o_net_none ? 4 : 5);
    sh->st[7] = now_us();
    if (chdir("/") < 0)
        cdie(8, "chdir");
    if (setgroups(0, NULL) < 0)
        cdie(8, "setgroups");
    if (unshare(CLONE_NEWUSER) < 0)
        cdie(8, "unshare user");
    userns_limits(sysctl);
    sh->st[8] = now_us();
    if (write(wfd, "r", 1) != 1 || read(rfd, &c, 1) != 1)
        cdie(11, "handshake");
    sh->st[9] = now_us();
    {
        pid_t app = fork();
        int st;
        if (app < 0)
            cdie(12, "fork App");
        if (app == 0) {
            struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
            struct __user_cap_data_struct d[2];
            int cap;
            memset(d, 0, sizeof d);
            /* rocker's client helper joins the cgroup before it clones the App */
            cg_join(12);
            /* what rocker's recipe does to the App (rocker.h rocker__op) */
            for (cap = 0; cap < 64; cap++)
                if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
                    if (errno == EINVAL)
                        break;
                    cdie(10, "capbset");
                }
            if (setresgid(o_gid, o_gid, o_gid) < 0 || setresuid(o_uid, o_uid, o_uid) < 0)
                cdie(10, "setres[ug]id");
            if (syscall(SYS_capset, &h, d) < 0)
                cdie(10, "capset");
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                cdie(10, "ambient/no_new_privs");
            if (setsid() < 0)
                cdie(10, "setsid");
            sh->st[10] = now_us();
            /* rocker's default filter, installed last (after no_new_privs) */
            if (sec_len) {
                struct sock_fprog prog = { sec_len, sec_prog };
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                    cdie(10, "seccomp");
            }
            sh->st[11] = now_us();
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

static long clone_flags(void)
{
    long f = CLONE_NEWNS | CLONE_NEWPID;
    if (!(o_share & SHARE_UTS))
        f |= CLONE_NEWUTS;
    if (!(o_share & SHARE_IPC))
        f |= CLONE_NEWIPC;
    if (o_net_none)
        f |= CLONE_NEWNET;
    return f;
}

static int one_run(struct shared *sh, const char *pkg_path, double *row, int run)
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
    cg_create(run);
    pid = (pid_t)syscall(SYS_clone, clone_flags() | SIGCHLD, NULL, NULL, NULL, NULL);
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
    cg_remove();
    if (!t1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "floor: run failed, status 0x%x\n", status);
        return -1;
    }
    row[0] = t1 - t0;
    row[1] = sh->st[0] - t0;
    for (i = 1; i < NSTAMP; i++)
        row[i + 1] = sh->st[i] - sh->st[i - 1];
    row[NSTAMP + 1] = t1 - sh->st[NSTAMP - 1];
    row[NSTAMP + 2] = t2 - t1;
    row[NSTAMP + 3] = sh->st[NSTAMP - 1] - t0;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: floor (--cold IMG --copy-dir DIR | --warm IMG) --data DIR [--exec-dir DIR]\n"
                    "             [--overlay DIR]... [--runs N] [--warmup N] [--uid N] [--gid N] --out FILE\n"
                    "             [--share ipc|uts|dev|tmp|all]... [--net host|none]\n"
                    "             [--cgroup BASE_DIR]... [--seccomp BPF_FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "cold", 1, 0, 'c' }, { "warm", 1, 0, 'w' },   { "copy-dir", 1, 0, 'C' }, { "exec-dir", 1, 0, 'e' },
        { "data", 1, 0, 'd' }, { "overlay", 1, 0, 'o' }, { "runs", 1, 0, 'n' },     { "warmup", 1, 0, 'W' },
        { "uid", 1, 0, 'u' },  { "gid", 1, 0, 'g' },     { "out", 1, 0, 'O' },      { "share", 1, 0, 'S' },
        { "net", 1, 0, 'N' },  { "cgroup", 1, 0, 'G' }, { "seccomp", 1, 0, 'F' }, { 0, 0, 0, 0 },
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
        case 'S':
            if (!strcmp(optarg, "ipc"))
                o_share |= SHARE_IPC;
            else if (!strcmp(optarg, "uts"))
                o_share |= SHARE_UTS;
            else if (!strcmp(optarg, "dev"))
                o_share |= SHARE_DEV;
            else if (!strcmp(optarg, "tmp"))
                o_share |= SHARE_TMP;
            else if (!strcmp(optarg, "all"))
                o_share |= SHARE_ALL;
            else
                usage();
            break;
        case 'N':
            if (!strcmp(optarg, "none"))
                o_net_none = 1;
            else if (strcmp(optarg, "host"))
                usage();
            break;
        case 'G':
            if (n_cg == MAX_CG)
                usage();
            o_cg[n_cg++] = optarg;
            break;
        case 'F': o_seccomp = optarg; break;
        default: usage();
        }
    }
    if (!o_data || !o_out || (!o_cold == !o_warm) || (o_cold && !o_copy_dir))
        usage();
    if (o_seccomp)
        load_seccomp(o_seccomp);
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
    fprintf(out, "# total child_start cg_join overlays loop squashfs isolation proc_sys masks userns_limits idmaps "
                 "fork_cg_creds seccomp exec_reap teardown app_start (us)\n");
    for (k = 0; k < o_warmup + o_runs; k++) {
        char copy[600];
        double row[NSTAMP + 4];
        const char *pkg = NULL;
        if (o_cold) {
            snprintf(copy, sizeof copy, "%s/floor-cold-%d.sqfs", o_copy_dir, k);
            if (copy_file(o_cold, copy) < 0)
                die("copy image");
            pkg = copy;
        }
        if (one_run(sh, pkg, row, k) < 0) {
            fprintf(out, "# FAIL %d\n", k);
            if (++fails > 3)
                return 1;
        } else if (k >= o_warmup) {
            int i;
            for (i = 0; i < NSTAMP + 4; i++)
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
