/*
 * rocker -- the command-line client, built on include/rocker.h only.
 *
 *   rocker run --pkg FILE --exec-dir DIR --data-dir DIR [--overlay DIR]...
 *              [--uid N] [--gid N] [--app-id N] [--tty] [--detach]
 *              -- PROGRAM [ARGS...]
 *   rocker run --rootfs --pkg FILE --data-dir DIR [--read-only] ... -- PROGRAM
 *   rocker ps
 *   rocker kill GUARD_PID|NAME [--signal N]
 *
 * Exit status: the App's (128+signal if killed) for `run`, 0 on success,
 * 2 for usage errors, 125 for rocker errors, 127 if PROGRAM cannot be run.
 * No stdio: output goes through one small buffer and write(2), which keeps
 * the static binary small enough for a router's flash.
 */
#define _GNU_SOURCE 1
#include "rocker.h"

#include <limits.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>

#ifndef ROCKER_CLI_VERSION
#define ROCKER_CLI_VERSION "0.1.0"
#endif

#define EXIT_USAGE  2
#define EXIT_ROCKER 125
#define EXIT_EXEC   127

/* The App's PATH in root mode unless --env gives one. */
#define ROOTFS_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- output: one buffer per stream, flushed with write(2) ---------------- */

struct out { unsigned len; char buf[1024]; };
static struct out o1, o2; /* .bss: zero bytes in the file */

static void flush(struct out *o)
{
    unsigned off = 0;
    if (!o->len)
        return; /* no write to its page: a --detach keeper keeps what is written */
    while (off < o->len) {
        ssize_t n = write(o == &o1 ? 1 : 2, o->buf + off, o->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (unsigned)n;
    }
    o->len = 0;
}

static void put(struct out *o, const char *s)
{
    while (*s) {
        if (o->len == sizeof o->buf)
            flush(o);
        o->buf[o->len++] = *s++;
    }
}

static char *fmt_u(char *end, unsigned long long v) /* writes backwards, NUL at end */
{
    *end = '\0';
    do { *--end = (char)('0' + (int)(v % 10)); v /= 10; } while (v);
    return end;
}

static void put_u(struct out *o, unsigned long long v)
{
    char t[24];
    put(o, fmt_u(t + sizeof t - 1, v));
}

static void put_i(struct out *o, long v)
{
    if (v < 0) {
        put(o, "-");
        put_u(o, 0ull - (unsigned long long)v);
    } else {
        put_u(o, (unsigned long long)v);
    }
}

static void put_pad(struct out *o, const char *s, unsigned width)
{
    unsigned n = 0;
    put(o, s);
    while (s[n])
        n++;
    do put(o, " "); while (++n < width);
}

/* "rocker: <what>: ROCKER_ERR_xxx: EBUSY (16) at step" */
/* "rocker: <what>[: <detail>]<tail>" on stderr (after our stdout); code */
static int report(const char *what, const char *detail, const char *tail, int code)
{
    flush(&o1);
    put(&o2, "rocker: ");
    put(&o2, what);
    if (detail) {
        put(&o2, ": ");
        put(&o2, detail);
    }
    put(&o2, tail);
    flush(&o2);
    return code;
}

static int fail(const char *what, const RockerResult *r)
{
    char msg[160];
    return report(what, ROCKER_strerror_r(r, msg, sizeof msg), "\n", EXIT_ROCKER);
}

/* fail() with a result of our own: reason (err_no its seed code), errno e, step */
static int fail_with(const char *what, int reason, int e, int step)
{
    RockerResult r = rocker__res(reason, e, step);
    return fail(what, &r);
}

static int usage_error(const char *msg, const char *arg)
{
    return report(msg, arg, "\nTry 'rocker --help'.\n", EXIT_USAGE);
}

static const char usage_text[] =
    "Usage:\n"
    "  rocker run --pkg FILE --exec-dir DIR --data-dir DIR [--overlay DIR]...\n"
    "             [--uid N] [--gid N] [--app-id N] [--tty] [--detach]\n"
    "             [--hostname NAME] [--share WHAT] [--device PATH[:ro]]\n"
    "             [--tmp-size SIZE] [--net MODE] [LIMITS] [--seccomp MODE]\n"
    "             [--seccomp-allow|-deny NAME,...] -- PROGRAM [ARGS...]\n"
    "      Run PROGRAM in a new sandbox: FILE (squashfs) mounted read-only at\n"
    "      the exec dir, an overlay on each --overlay top-level dir (max 16)\n"
    "      with writes under the data dir, as uid/gid N (default 65534).\n"
    "      A missing data dir is created (by this command, mode 0700, owned\n"
    "      by the App's uid/gid).  PROGRAM runs in its own session, without\n"
    "      this terminal as its controlling terminal; its stdio is ours, and\n"
    "      SIGINT, SIGTERM and SIGHUP are passed on to it.  --tty gives it a\n"
    "      new pseudo-terminal of its own instead (relayed to ours).\n"
    "      Waits and exits with PROGRAM's status (128+signal if killed);\n"
    "      --detach prints 'GUARD_PID GUARD_NAME APP_PID' and returns.\n"
    "      Isolation (by default: own hostname, SysV IPC, /dev and /tmp):\n"
    "        --hostname NAME     (default: the sandbox's name)\n"
    "        --share ipc|uts|dev|tmp  use the host's instead (repeatable)\n"
    "        --tmp-size SIZE     of the private /tmp (default 16M)\n"
    "        --device PATH[:ro]  pass a host device node through (max 8)\n"
    "        --net host|none|bridge:NAME[,ip=A.B.C.D/N][,gw=A.B.C.D]\n"
    "            host (default): the host's network; none: only lo;\n"
    "            bridge: a veth on bridge NAME (created if missing),\n"
    "            the address allocated unless given\n"
    "      Seccomp (default: Docker's default denials, EPERM):\n"
    "        --seccomp default|unconfined\n"
    "        --seccomp-allow NAME,...  only these calls (others EPERM)\n"
    "        --seccomp-deny NAME,...   these calls EPERM (others allowed)\n"
    "      With no --overlay, every top-level dir but /proc /sys /dev /run\n"
    "      (and the private /tmp) gets one.\n"
    "  rocker run --rootfs --pkg FILE --data-dir DIR [--read-only] [--no-pivot] ...\n"
    "      FILE is the whole root; writes go to DIR/rootfs (none if --read-only)\n"
    "      and PATH is the usual one.  Both modes: --cwd DIR, --env NAME=VALUE,\n"
    "      --clear-env, --bind SRC[:DST][:rw] (read-only by default, max 8).\n"
    "      LIMITS (none by default; refused where this host cannot enforce):\n"
    "        --memory SIZE  --memory-swap SIZE (more, as swap; 0: none)\n"
    "        --cpus N.NN (0.5: half a CPU)  --cpu-weight 1..10000 (100)\n"
    "        --pids N (processes, the guard included: 3 at least)\n"
    "        --ulimit NAME=SOFT[:HARD] (number or unlimited; max 8) for\n"
    "            nofile nproc core stack as memlock fsize data cpu locks\n"
    "            sigpending msgqueue nice rtprio rttime rss\n"
    "  rocker ps\n"
    "      List the running sandboxes.\n"
    "  rocker kill GUARD_PID|NAME [--signal N]\n"
    "      Signal a sandbox's guard (default SIGKILL: ends the sandbox).\n"
    "  rocker help | --help | --version\n"
    "\n"
    "Test options of run: --legacy-loop (attach the package the pre-5.8 way),\n"
    "--test-stall STEP (the guard stops after STEP; needs rocker-master\n"
    "--test-hooks).\n"
    "\n"
    "The daemon's socket is $" ROCKER_SOCKET_ENV " or " ROCKER_DEFAULT_SOCKET ".\n"
    "Exit status: 2 usage error, 125 rocker error, 127 PROGRAM not runnable.\n";

/* ---- strict numbers ------------------------------------------------------- */

/* Decimal digits only (no sign, no space), lo..hi (0 <= lo, hi <= LONG_MAX).
 * 0 ok, -1 bad.  strtoull, which the sizes need anyway: no strtol linked. */
static int parse_num(const char *s, long lo, long hi, long *out)
{
    char *end;
    unsigned long long v;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == ERANGE || *end || v < (unsigned long)lo || v > (unsigned long)hi)
        return -1;
    *out = (long)v;
    return 0;
}

/* ---- run ------------------------------------------------------------------ */

static volatile sig_atomic_t fwd_pid;

static void forward(int sig)
{
    int e = errno;
    if (fwd_pid > 0)
        kill((pid_t)fwd_pid, sig);
    errno = e;
}

/* --tty: the slave side of our pty, handed to the App (-1: none). */
static int tty_slave = -1;

/* The App's environment: ours (unless --clear-env), --env on top; in root
 * mode our PATH means nothing there: a standard one unless --env gives it. */
#define ENV_MAX 256
extern char **environ;
static char *env_add[ENV_MAX];
static unsigned n_env_add, clear_env, env_path;
static char *env_v[ENV_MAX * 2 + 2];

static int env_same(const char *a, const char *b) /* same NAME in NAME=VALUE */
{
    while (*a && *a == *b && *a != '=')
        a++, b++;
    return *a == '=' && *b == '=';
}

static void app_env(void)
{
    static char path[] = "PATH=" ROOTFS_PATH;
    unsigned n = 0, i;
    char **e;
    if (!clear_env)
        for (e = environ; *e && n < ENV_MAX; e++) {
            for (i = 0; i < n_env_add && !env_same(*e, env_add[i]); i++)
                ;
            if (i == n_env_add && !(env_path && env_same(*e, path)))
                env_v[n++] = *e;
        }
    for (i = 0; i < n_env_add; i++)
        env_v[n++] = env_add[i];
    if (env_path == 1)
        env_v[n++] = path;
    env_v[n] = NULL;
    environ = env_v;
}

/* The App: runs inside the sandbox as the caller's child, in its own
 * session (the recipe's setsid); with --tty its pty becomes its stdio and
 * controlling terminal. */
static int app_exec(void *arg)
{
    char **argv = (char **)arg;
    if (tty_slave >= 0) {
        if (dup2(tty_slave, 0) < 0 || dup2(tty_slave, 1) < 0 || dup2(tty_slave, 2) < 0 ||
            ioctl(0, TIOCSCTTY, 0) < 0)
            return EXIT_EXEC;
        if (tty_slave > 2)
            close(tty_slave);
    }
    char what[96];
    unsigned i = 0;
    const char *p;
    int e;

    app_env();
    execvp(argv[0], argv);
    e = errno;
    for (p = "exec "; *p && i < sizeof what - 1; p++)
        what[i++] = *p;
    for (p = argv[0]; *p && i < sizeof what - 1; p++)
        what[i++] = *p;
    what[i] = '\0';
    fail_with(what, ROCKER_ERR_app_exec_failed, e, 0);
    return EXIT_EXEC;
}

/* The index of s in `names` ("a\0b\0", the empty name ends it), s ending
 * at its NUL or at `stop`; -1 if none.  *rest: s after the name. */
static int lookup(const char *names, const char *s, int stop, const char **rest)
{
    size_t n;
    int k;
    for (k = 0; (n = strlen(names)) != 0; k++, names += n + 1)
        if (!strncmp(s, names, n) && (!s[n] || s[n] == stop)) {
            *rest = s + n;
            return k;
        }
    return -1;
}

/* argv[*i] as one of `names` (each without the option's first '-'): its
 * index, or -1.  The first n_flags take no value, the others "NAME VALUE"
 * or "NAME=VALUE" into *val ("" when missing), *i past it. */
static int option(const char *names, int n_flags, char **argv, int argc, int *i, const char **val)
{
    const char *rest;
    int k = argv[*i][0] == '-' ? lookup(names, argv[*i] + 1, '=', &rest) : -1;
    *val = NULL;
    if (k < n_flags)
        return k >= 0 && *rest ? -1 : k;
    *val = *rest ? rest + 1 : *i + 1 < argc ? argv[++*i] : "";
    return k;
}

/* The keeper lives as long as its sandbox: it gives back the stack pages
 * the request went through (ROCKER_enter_rocker's 8 KB buffer and the
 * frames below it): the 64 KB below the page 1 KB under this frame, which
 * is below every live frame (noinline) and leaves madvise() room for its
 * own.  That far below the main thread's stack nothing else is mapped (the
 * kernel's guard gap), and madvise skips what is not mapped. */
static __attribute__((noinline)) void drop_stack_below(void)
{
    volatile char here = 0;
    unsigned long top = ((unsigned long)&here - 1024) & ~((unsigned long)getpagesize() - 1);
    (void)madvise((void *)(top - 65536), 65536, MADV_DONTNEED);
}

/* --detach: a keeper process (new session, stdio on /dev/null) makes the
 * request, so the App is the keeper's child, and stays to reap it.  Without
 * it the App would be orphaned to the host's init; an init that does not
 * reap (some minimal ones) leaves a zombie in the sandbox's PID namespace,
 * and the guard can never finish exiting.  The keeper lives in the host's
 * PID namespace, so nothing of the sandbox waits for it. */
static RockerResult run_detached(RockerRequest *req, char **prog)
{
    RockerResult r;
    int p[2], fd, status;
    pid_t k, w;
    ssize_t n;

    if (pipe2(p, O_CLOEXEC) < 0)
        return rocker__res(ROCKER_ERR_sys, errno, 0);
    k = fork();
    if (k < 0) {
        r = rocker__res(ROCKER_ERR_sys, errno, 0);
        close(p[0]);
        close(p[1]);
        return r;
    }
    if (k == 0) {
        close(p[0]);
        /* The keeper lives as long as the sandbox: it holds none of the
         * caller's fds (a pipe a `$(...)` waits on, a file root opened). */
        rocker__fds_from3(p[1], 1);
        setsid();
        fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            if (fd > 2)
                close(fd);
        }
        r = ROCKER_enter_rocker(req, app_exec, prog);
        while (write(p[1], &r, sizeof r) < 0 && errno == EINTR)
            ;
        close(p[1]);
        if (r.err_no != ROCKER_ERR_success)
            _exit(125);
        drop_stack_below();
        do {
            w = waitpid(r.app_pid, &status, 0);
        } while (w < 0 && errno == EINTR);
        _exit(0);
    }
    close(p[1]);
    do {
        n = read(p[0], &r, sizeof r);
    } while (n < 0 && errno == EINTR);
    close(p[0]);
    if (n != (ssize_t)sizeof r) {
        r = rocker__res(ROCKER_ERR_enter_rocker_failed, EPIPE, 0);
        (void)waitpid(k, &status, 0);
    } else if (r.err_no != ROCKER_ERR_success) {
        (void)waitpid(k, &status, 0);
    }
    return r;
}

/* A number with an optional K, M or G suffix (else times `plain`), in
 * bytes, at most 2^63.  0 or -1. */
static int parse_size(const char *s, uint64_t plain, uint64_t *out)
{
    char *end;
    uint64_t v;
    unsigned shift = 0;
    const char *u;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    if (*end && (u = strchr("KkMmGg", *end)) != NULL) {
        shift = 10 * (unsigned)(1 + (u - "KkMmGg") / 2);
        plain = 1;
        end++;
    }
    if (*end || v > (1ull << 63) / plain >> shift)
        return -1;
    *out = v * plain << shift;
    return 0;
}

/* "16M", "512K", "1G" or a number of KiB.  0 or -1. */
static int parse_size_kb(const char *s, long *kb)
{
    uint64_t v;
    if (parse_size(s, 1024, &v) || v < 1024 || v >> 10 > 0xfffffffful)
        return -1;
    *kb = (long)(v >> 10);
    return 0;
}

/* "0.5", "2", "1.25": CPUs in units of 1/100000 (the quota of a 100 ms
 * period).  0 or -1. */
static int parse_cpus(const char *s, unsigned *quota)
{
    unsigned long long v = 0;
    unsigned unit = 100000;
    int dot = 0;
    for (; *s; s++) {
        if (*s == '.' && !dot) {
            dot = 1;
            v *= 100000;
            continue;
        }
        if (*s < '0' || *s > '9' || (dot && (unit /= 10) == 0) || v > 0xfffffffful)
            return -1;
        v = dot ? v + (unsigned)(*s - '0') * unit : v * 10 + (unsigned)(*s - '0');
    }
    if (!dot)
        v *= 100000;
    if (!v || v > 0xfffffffful)
        return -1;
    *quota = (unsigned)v;
    return 0;
}

/* NAME=SOFT[:HARD] into the next rlimit slot.  0 or -1. */
static int parse_ulimit(const char *s, RockerRequest *q)
{
    /* the names, and their RLIMIT_ numbers (this target's) */
    static const char t[] = "nofile\0nproc\0core\0stack\0as\0memlock\0fsize\0data\0cpu\0locks\0"
                            "sigpending\0msgqueue\0nice\0rtprio\0rttime\0rss\0";
    static const unsigned char res[] = { RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_CORE, RLIMIT_STACK,
        RLIMIT_AS, RLIMIT_MEMLOCK, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_CPU, RLIMIT_LOCKS,
        RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_RSS };
    int k = lookup(t, s, '=', &s);
    unsigned long long v[2];
    unsigned i;
    char *end;
    if (k < 0 || *s != '=' || q->n_rlimits == ROCKER_MAX_RLIMITS)
        return -1;
    for (i = 0; i < 2; i++) {
        if (*s != (i ? ':' : '=')) { /* no HARD: the same as SOFT */
            v[1] = v[0];
            break;
        }
        s++;
        if (!strncmp(s, "unlimited", 9)) {
            v[i] = ~0ull;
            s += 9;
        } else if (*s >= '0' && *s <= '9') {
            errno = 0;
            v[i] = strtoull(s, &end, 10);
            if (errno)
                return -1;
            s = end;
        } else {
            return -1;
        }
    }
    if (*s || v[0] > v[1])
        return -1;
    q->rlimits[q->n_rlimits].resource = res[k];
    q->rlimits[q->n_rlimits].cur = v[0];
    q->rlimits[q->n_rlimits].max = v[1];
    q->n_rlimits++;
    return 0;
}

/* host | none | bridge:NAME[,ip=A.B.C.D/N][,gw=A.B.C.D]; the strings go into buf. */
static int parse_net(const char *s, RockerRequest *q, char *buf, size_t n)
{
    char *p, *c;
    const char *end;
    int k = lookup("host\0none\0", s, 0, &end); /* the index is the mode */
    if (k >= 0) {
        q->net = (unsigned)k;
        return 0;
    }
    if (strncmp(s, "bridge:", 7) || strlen(s + 7) >= n)
        return -1;
    strcpy(buf, s + 7);
    q->net = ROCKER_NET_BRIDGE;
    q->bridge = buf;
    for (p = strchr(buf, ','); p; p = c) {
        *p++ = '\0';
        c = strchr(p, ',');
        if (!strncmp(p, "ip=", 3))
            q->address = p + 3;
        else if (!strncmp(p, "gw=", 3))
            q->gateway = p + 3;
        else
            return -1;
    }
    return buf[0] ? 0 : -1;
}

/* --seccomp-allow/--seccomp-deny: a profile of the names in `list` (split
 * in place) added to names[] (*n so far, NULL-terminated, SC_MAX at most:
 * the master's limit), with `act` for them and the other action for every
 * other call; allow and deny do not mix.  0 or -1. */
#define SC_MAX 255
static int seccomp_list(char *list, unsigned act, RockerRequest *q, char **names, int *n)
{
    char *c;
    if (q->seccomp_syscalls && q->seccomp_action != act)
        return -1;
    q->seccomp = ROCKER_SECCOMP_PROFILE;
    q->seccomp_action = act;
    q->seccomp_default = act == ROCKER_SECCOMP_ACT_ALLOW ? ROCKER_SECCOMP_ACT_ERRNO : ROCKER_SECCOMP_ACT_ALLOW;
    q->seccomp_syscalls = names;
    for (;;) {
        if ((c = strchr(list, ',')))
            *c = '\0';
        if (!*list || *n == SC_MAX)
            return -1;
        names[(*n)++] = list;
        if (!c)
            return 0;
        list = c + 1;
    }
}

/* A step by its name ("mount_overlay"), or -1. */
static long step_by_name(const char *s)
{
    long k;
    for (k = 1; k < 256 && *s != '?'; k++) /* no "none" (0), no "?" (a hole) */
        if (strcmp(ROCKER_step_name((int)k), s) == 0)
            return k;
    return -1;
}

/* A missing data dir is created by us (the caller), mode 0700, owned by the
 * App's uid/gid; only its last component: the parent must exist.  0 or -1. */
/* A host path relative to our cwd, made absolute (the daemon has no cwd of
 * ours); left as given when it does not fit, for the daemon to refuse. */
static char *absolute(const char *path, char buf[ROCKER_PATH_MAX])
{
    size_t n;

    if (path[0] == '/' || !path[0] || !getcwd(buf, ROCKER_PATH_MAX))
        return (char *)path;
    n = strlen(buf);
    if (n > 1)
        buf[n++] = '/';
    if (n + strlen(path) >= ROCKER_PATH_MAX)
        return (char *)path;
    strcpy(buf + n, path);
    return buf;
}

static int make_data_dir(const RockerRequest *req)
{
    int fd;
    if (!req->app_data_dir || req->app_data_dir[0] != '/' ||
        strlen(req->app_data_dir) >= ROCKER_PATH_MAX)
        return 0; /* the request itself reports it */
    if (mkdir(req->app_data_dir, 0700) < 0)
        return errno == EEXIST ? 0 : -1;
    fd = open(req->app_data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* the kernel's own calls: musl's fchown/fchmod add a /proc/self/fd
     * fallback (and 300 B) for O_PATH fds, which this one is not */
    if (fchownat(fd, "", (uid_t)req->uid, (gid_t)req->gid, AT_EMPTY_PATH) < 0 ||
        syscall(SYS_fchmod, fd, 0700) < 0) {
        int e = errno;
        close(fd);
        rmdir(req->app_data_dir); /* ours, still empty: a retry starts over */
        errno = e;
        return -1;
    }
    close(fd);
    return 0;
}

/* --tty: a new pty; its slave goes to the App (tty_slave), the master is
 * returned. */
static int open_pty(void)
{
    struct winsize ws;
    char path[32];
    unsigned n = 0;
    int unlock = 0, m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return -1;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
        goto fail;
    /* The slave straight from the master (4.13+), else by its number
     * (no ptsname(): it would pull printf into a small static binary). */
    tty_slave = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (tty_slave < 0) {
        char num[16];
        if (ioctl(m, TIOCGPTN, &n) < 0)
            goto fail;
        strcpy(path, "/dev/pts/");
        strcat(path, fmt_u(num + sizeof num - 1, n));
        if ((tty_slave = open(path, O_RDWR | O_NOCTTY)) < 0)
            goto fail;
    }
    if (ioctl(0, TIOCGWINSZ, &ws) == 0)
        (void)ioctl(m, TIOCSWINSZ, &ws);
    return m;
fail:
    close(m);
    return -1;
}

static volatile sig_atomic_t winch;
static void on_winch(int sig)
{
    (void)sig;
    winch = 1;
}

static int copy_once(int from, int to)
{
    char buf[4096];
    ssize_t n = read(from, buf, sizeof buf), off = 0;
    if (n <= 0)
        return n < 0 && errno == EINTR ? 0 : -1;
    while (off < n) {
        ssize_t k = write(to, buf + off, (size_t)(n - off));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        off += k;
    }
    return 0;
}

/* Relays our terminal (raw while it lasts) and the App's pty until the App
 * side closes. */
static void relay_pty(int ptm)
{
    struct termios saved, raw;
    struct sigaction sa;
    struct pollfd p[2];
    int in_open = 1, is_tty = tcgetattr(0, &saved) == 0;
    if (is_tty) {
        raw = saved;
        cfmakeraw(&raw);
        (void)tcsetattr(0, TCSANOW, &raw);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, NULL);
    for (;;) {
        if (winch) {
            struct winsize ws;
            winch = 0;
            if (ioctl(0, TIOCGWINSZ, &ws) == 0)
                (void)ioctl(ptm, TIOCSWINSZ, &ws);
        }
        p[0].fd = in_open ? 0 : -1;
        p[0].events = POLLIN;
        p[1].fd = ptm;
        p[1].events = POLLIN;
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents && copy_once(ptm, 1) < 0)
            break; /* EIO: every slave fd is closed: the App is done */
        if (in_open && p[0].revents && copy_once(0, ptm) < 0)
            in_open = 0;
    }
    if (is_tty)
        (void)tcsetattr(0, TCSANOW, &saved);
    close(ptm);
}

/* lookup() indexes that are the protocol's values */
typedef char rocker_cli_index_is_value[ROCKER_NET_HOST == 0 && ROCKER_NET_NONE == 1 &&
                                       ROCKER_SECCOMP_DEFAULT == 0 && ROCKER_SECCOMP_UNCONFINED == 1 ? 1 : -1];

/* run's options, the flags first (their count: N_RUN_FLAGS). */
#define RUN_OPTS(X) \
    X(detach) X(tty) X(legacy_loop) X(rootfs) X(read_only) X(no_pivot) X(clear_env) \
    X(hostname) X(share) X(device) X(tmp_size) X(net) X(memory) X(memory_swap) X(cpus) \
    X(cpu_weight) X(pids) X(ulimit) X(seccomp) X(seccomp_allow) X(seccomp_deny) X(test_stall) \
    X(cwd) X(bind) X(env) X(pkg) X(exec_dir) X(data_dir) X(overlay) X(uid) X(gid) X(app_id)
#define N_RUN_FLAGS 7
#define RUN_OPT_ENUM(name) O_##name,
enum { RUN_OPTS(RUN_OPT_ENUM) O_end };
static const char run_opts[] =
    "-detach\0-tty\0-legacy-loop\0-rootfs\0-read-only\0-no-pivot\0-clear-env\0"
    "-hostname\0-share\0-device\0-tmp-size\0-net\0-memory\0-memory-swap\0-cpus\0"
    "-cpu-weight\0-pids\0-ulimit\0-seccomp\0-seccomp-allow\0-seccomp-deny\0-test-stall\0"
    "-cwd\0-bind\0-env\0-pkg\0-exec-dir\0-data-dir\0-overlay\0-uid\0-gid\0-app-id\0";

static int cmd_run(int argc, char **argv)
{
    /* static: a --detach keeper keeps every stack page it touched */
    static char pkg_buf[ROCKER_PATH_MAX], data_buf[ROCKER_PATH_MAX];
    static char *sc_names[SC_MAX + 1];
    RockerRequest req = ROCKER_request_new();
    RockerResult r;
    int i, n_ov = 0, n_dev = 0, n_bind = 0, detach = 0, tty = 0, ptm = -1, status, sc_mode = -1, n_sc = 0;
    static char netbuf[128];
    long v;
    const char *val;
    pid_t w;

    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *msg = NULL, *end;
        int k;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-')
            break;
        switch (k = option(run_opts, N_RUN_FLAGS, argv, argc, &i, &val)) {
        case O_detach:
            detach = 1;
            break;
        case O_tty:
            tty = 1;
            break;
        case O_legacy_loop:
            req.run_flags |= ROCKER_RUN_LEGACY_LOOP;
            break;
        case O_rootfs:
            req.root = ROCKER_ROOT_PKG;
            break;
        case O_read_only:
            req.root_flags |= ROCKER_ROOT_RO;
            break;
        case O_no_pivot:
            req.root_flags |= ROCKER_ROOT_NO_PIVOT;
            break;
        case O_clear_env:
            clear_env = 1;
            break;
        case O_hostname:
            req.hostname = (char *)val;
            break;
        case O_share: {
            static const unsigned char bit[] = { ROCKER_SHARE_IPC, ROCKER_SHARE_UTS, ROCKER_SHARE_DEV,
                                                 ROCKER_SHARE_TMP };
            if ((k = lookup("ipc\0uts\0dev\0tmp\0", val, 0, &end)) < 0)
                msg = "bad --share (ipc, uts, dev or tmp)";
            else
                req.share |= bit[k];
            break;
        }
        case O_device:
            if (n_dev == ROCKER_MAX_DEVICES)
                msg = "too many --device (max 8)";
            else
                req.devices[n_dev++] = (char *)val;
            break;
        case O_tmp_size:
            if (parse_size_kb(val, &v))
                msg = "bad --tmp-size (e.g. 16M, 512K)";
            else
                req.tmp_size_kb = (unsigned)v;
            break;
        case O_net:
            if (parse_net(val, &req, netbuf, sizeof netbuf))
                msg = "bad --net (host, none or bridge:NAME[,ip=A.B.C.D/N][,gw=A.B.C.D])";
            break;
        case O_memory:
            if (parse_size(val, 1, &req.mem_max))
                goto limit;
            break;
        case O_memory_swap:
            if (parse_size(val, 1, &req.swap_max))
                goto limit;
            req.limit_flags |= ROCKER_LIMIT_SWAP;
            break;
        case O_cpus:
            if (parse_cpus(val, &req.cpu_quota_us))
                goto limit;
            req.cpu_period_us = 100000;
            break;
        case O_cpu_weight:
            if (parse_num(val, 1, 10000, &v))
                goto limit;
            req.cpu_weight = (unsigned)v;
            break;
        case O_pids:
            if (parse_num(val, 1, INT_MAX, &v))
                goto limit;
            req.pids_max = (unsigned)v;
            break;
        case O_ulimit:
            if (parse_ulimit(val, &req))
                goto limit;
            break;
        case O_seccomp: /* the index is the mode */
            if ((sc_mode = lookup("default\0unconfined\0", val, 0, &end)) < 0)
                msg = "bad --seccomp (default or unconfined)";
            break;
        case O_seccomp_allow:
        case O_seccomp_deny:
            if (seccomp_list((char *)val, k == O_seccomp_allow ? ROCKER_SECCOMP_ACT_ALLOW : ROCKER_SECCOMP_ACT_ERRNO,
                             &req, sc_names, &n_sc))
                msg = "bad seccomp list (NAME[,NAME...]; allow and deny do not mix)";
            break;
        case O_test_stall:
            if (parse_num(val, 1, 65535, &v) && (v = step_by_name(val)) < 0)
                msg = "bad --test-stall (a step name or number)";
            req.test_stall = (unsigned)v;
            break;
        case O_cwd:
            req.cwd = (char *)val;
            break;
        case O_bind:
            if (n_bind == ROCKER_MAX_BINDS)
                msg = "too many --bind (max 8)";
            else
                req.binds[n_bind++] = (char *)val;
            break;
        case O_env:
            if (!strchr(val, '=') || *val == '=' || n_env_add == ENV_MAX)
                msg = "bad --env (NAME=VALUE, max 256)";
            else
                env_add[n_env_add++] = (char *)val;
            if (!strncmp(val, "PATH=", 5))
                env_path = 2;
            break;
        case O_pkg:
            req.app_pkg_path = absolute(val, pkg_buf);
            break;
        case O_exec_dir:
            req.app_exec_dir = (char *)val;
            break;
        case O_data_dir:
            req.app_data_dir = absolute(val, data_buf);
            break;
        case O_overlay:
            if (n_ov == ROCKER_MAX_OVERLAYS)
                msg = "too many --overlay (max 16)";
            else
                req.app_overlay_dirs[n_ov++] = (char *)val;
            break;
        case O_uid:
            if (parse_num(val, 1, 0x7ffffffe, &v))
                msg = "bad --uid (1..2147483646)";
            else
                req.uid = (int)v;
            break;
        case O_gid:
            if (parse_num(val, 1, 0x7ffffffe, &v))
                msg = "bad --gid (1..2147483646)";
            else
                req.gid = (int)v;
            break;
        case O_app_id:
            if (parse_num(val, 0, INT_MAX, &v))
                msg = "bad --app-id (0..2147483647)";
            else
                req.app_id = (int)v;
            break;
        default:
            msg = "run: unknown option";
            val = a;
        }
        if (msg)
            return usage_error(msg, val);
        if (val && !*val)
            return usage_error("run: missing value for", a);
        continue;
limit:
        return usage_error("bad limit (see rocker --help)", a);
    }
    if (!req.app_pkg_path)
        return usage_error("run: --pkg is required", NULL);
    if (req.root) {
        if (req.app_exec_dir || n_ov)
            return usage_error("run: --exec-dir and --overlay do not go with --rootfs", NULL);
        env_path |= 1; /* 2: --env gave it */
    } else if (req.root_flags) {
        return usage_error("run: --read-only and --no-pivot need --rootfs", NULL);
    } else if (!req.app_exec_dir) {
        return usage_error("run: --exec-dir is required", NULL);
    }
    if (!clear_env) {
        char **e;
        for (e = environ; *e; e++)
            if (e - environ == ENV_MAX)
                return usage_error("run: over 256 environment variables: use --clear-env", NULL);
    }
    if (!req.app_data_dir)
        return usage_error("run: --data-dir is required", NULL);
    if (i >= argc)
        return usage_error("run: PROGRAM is required", NULL);
    if (tty && detach)
        return usage_error("run: --tty and --detach do not go together", NULL);
    if (sc_mode >= 0) {
        if (req.seccomp_syscalls)
            return usage_error("run: --seccomp and a seccomp list do not go together", NULL);
        req.seccomp = (unsigned)sc_mode;
    }
    if (make_data_dir(&req) < 0) {
        return fail_with("run: data dir", ROCKER_ERR_data_dir_invalid, errno, ROCKER_STEP_open_data_dir);
    }
    if (tty && (ptm = open_pty()) < 0) {
        return fail_with("run: --tty", ROCKER_ERR_sys, errno, 0);
    }

    flush(&o1);
    flush(&o2);
    /* Pass the usual termination signals on to the App: it has its own
     * session, so a terminal's ^C only reaches us.  Installed before the App
     * exists (it forwards nothing until then); exec resets them in the App. */
    if (!detach) {
        static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };
        struct sigaction sa;
        unsigned k;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = forward;
        sigemptyset(&sa.sa_mask);
        for (k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
            sigaction(sigs[k], &sa, NULL);
    }
    if (detach)
        r = run_detached(&req, argv + i);
    else
        r = ROCKER_enter_rocker(&req, app_exec, argv + i);
    if (tty_slave >= 0) {
        close(tty_slave);
        tty_slave = -1;
    }
    if (r.err_no != ROCKER_ERR_success) {
        if (ptm >= 0)
            close(ptm);
        return fail("run", &r);
    }

    if (detach) {
        put_i(&o1, r.guard_pid);
        put(&o1, " ");
        put(&o1, r.guard_pname);
        put(&o1, " ");
        put_i(&o1, r.app_pid);
        put(&o1, "\n");
        flush(&o1);
        return 0;
    }

    fwd_pid = r.app_pid;
    if (ptm >= 0)
        relay_pty(ptm);
    do {
        w = waitpid(r.app_pid, &status, 0);
    } while (w < 0 && errno == EINTR);
    if (w < 0)
        return fail_with("run: waitpid", ROCKER_ERR_sys, errno, 0);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return EXIT_ROCKER;
}

/* ---- ps ------------------------------------------------------------------- */

static struct rocker_list_entry entries[ROCKER_MAX_SANDBOXES];

static void put_uptime(struct out *o, unsigned long long ns)
{
    static const struct { unsigned long div; char unit; } u[] = {
        { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' }
    };
    /* seconds in a long (136 years on 32-bit): no 64-bit divisions below */
    unsigned long s = (unsigned long)(ns / 1000000000ull);
    char buf[32];
    unsigned k, shown = 0, len = 0;
    buf[0] = '\0';
    for (k = 0; k < 4 && shown < 2; k++) { /* the two largest units: "2h5m" */
        unsigned long q = s / u[k].div;
        char t[24], *d;
        if (!q && !shown && k < 3)
            continue;
        s -= q * u[k].div;
        for (d = fmt_u(t + sizeof t - 1, q); *d; d++)
            buf[len++] = *d;
        buf[len++] = u[k].unit;
        buf[len] = '\0';
        shown++;
    }
    put_pad(o, buf, 10);
}

static int cmd_ps(int argc, char **argv)
{
    RockerResult r;
    int i, count = 0;
    char num[24];
    (void)argv;
    if (argc > 0)
        return usage_error("ps: unexpected argument", argv[0]);
    r = ROCKER_list(entries, ROCKER_MAX_SANDBOXES, &count);
    if (r.err_no != ROCKER_ERR_success)
        return fail("ps", &r);
    put(&o1, "GUARD_PID  NAME             APP_ID      UPTIME    NET                PIDS  MEM      PACKAGE\n");
    for (i = 0; i < count; i++) {
        const struct rocker_list_entry *e = &entries[i];
        char net[24], *p = net;
        int k;
        put_pad(&o1, fmt_u(num + sizeof num - 1, (unsigned long long)(e->guard_pid > 0 ? e->guard_pid : 0)), 11);
        put_pad(&o1, e->guard_pname, 17);
        put_pad(&o1, fmt_u(num + sizeof num - 1, (unsigned long long)(e->app_id > 0 ? e->app_id : 0)), 12);
        put_uptime(&o1, e->uptime_ns);
        if (e->net == ROCKER_NET_BRIDGE) { /* A.B.C.D/N */
            for (k = 0; k < 5; k++) {
                const char *d = fmt_u(num + sizeof num - 1, k < 4 ? e->addr[k] : e->prefix);
                while (*d)
                    *p++ = *d++;
                *p++ = k < 3 ? '.' : '/';
            }
            p[-1] = '\0';
        } else {
            strcpy(net, e->net == ROCKER_NET_NONE ? "none" : "host");
        }
        put_pad(&o1, net, 19);
        put_pad(&o1, e->pids ? fmt_u(num + sizeof num - 1, e->pids) : "-", 6);
        if (e->mem_bytes) { /* KiB below 10 MiB, else MiB */
            int mib = e->mem_bytes >= (10ull << 20);
            p = fmt_u(num + sizeof num - 2, e->mem_bytes >> (mib ? 20 : 10));
            num[sizeof num - 2] = mib ? 'M' : 'K';
            num[sizeof num - 1] = '\0';
        } else {
            p = (char *)"-";
        }
        put_pad(&o1, p, 9);
        put(&o1, e->pkg);
        put(&o1, "\n");
    }
    flush(&o1);
    return 0;
}

/* ---- kill ----------------------------------------------------------------- */

static int parse_signal(const char *s)
{
    static const unsigned char sig[] = { SIGHUP, SIGINT, SIGQUIT, SIGKILL, SIGUSR1, SIGUSR2,
                                         SIGTERM, SIGCONT, SIGSTOP };
    long v;
    int k;
    if (parse_num(s, 1, 64, &v) == 0)
        return (int)v;
    if (strncmp(s, "SIG", 3) == 0)
        s += 3;
    k = lookup("HUP\0INT\0QUIT\0KILL\0USR1\0USR2\0TERM\0CONT\0STOP\0", s, 0, &s);
    return k < 0 ? -1 : sig[k];
}

static int cmd_kill(int argc, char **argv)
{
    RockerResult r;
    const char *target = NULL, *val;
    char what[64];
    int i, count = 0, sig = SIGKILL;
    long pid = 0;
    unsigned n = 0;

    for (i = 0; i < argc; i++) {
        if (option("-signal\0s\0", 0, argv, argc, &i, &val) >= 0) { /* --signal, -s */
            if ((sig = parse_signal(val)) < 0)
                return usage_error("kill: bad --signal", val);
        } else if (argv[i][0] == '-' || target) {
            return usage_error("kill: unexpected argument", argv[i]);
        } else {
            target = argv[i];
        }
    }
    if (!target)
        return usage_error("kill: GUARD_PID or NAME is required", NULL);
    for (val = "kill "; *val; val++)
        what[n++] = *val;
    for (val = target; *val && n < sizeof what - 1; val++)
        what[n++] = *val;
    what[n] = '\0';
    if (target[0] >= '0' && target[0] <= '9' && parse_num(target, 1, INT_MAX, &pid))
        return usage_error("kill: bad GUARD_PID", target);

    /* Resolve through the master's table: only a guard can be killed, and the
     * name is what proves that the pid was not reused. */
    r = ROCKER_list(entries, ROCKER_MAX_SANDBOXES, &count);
    if (r.err_no != ROCKER_ERR_success)
        return fail(what, &r);
    for (i = 0; i < count; i++)
        if (pid ? entries[i].guard_pid == pid : strcmp(entries[i].guard_pname, target) == 0)
            break;
    if (i == count)
        return fail_with(what, ROCKER_ERR_param_invalid, ESRCH, 0);
    r = ROCKER_kill_guard(entries[i].guard_pid, entries[i].guard_pname, sig);
    if (r.err_no != ROCKER_ERR_success)
        return fail(what, &r);
    return 0;
}

/* ---- main ----------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL, *end;
    if (!cmd)
        return usage_error("missing command", NULL);
    /* `rocker run --help` (ps, kill) as `rocker --help` */
    if (argc > 2 && lookup("--help\0-h\0", argv[2], 0, &end) >= 0)
        cmd = "help";
    switch (lookup("run\0ps\0kill\0--version\0--help\0-h\0help\0", cmd, 0, &end)) {
    case 0:
        return cmd_run(argc - 2, argv + 2);
    case 1:
        return cmd_ps(argc - 2, argv + 2);
    case 2:
        return cmd_kill(argc - 2, argv + 2);
    case 3:
        put(&o1, "rocker " ROCKER_CLI_VERSION " (protocol ");
        put_u(&o1, ROCKER_PROTO_VERSION);
        put(&o1, ")\n");
        break;
    case -1:
        return usage_error("unknown command", cmd);
    default:
        put(&o1, usage_text);
    }
    flush(&o1);
    return 0;
}
