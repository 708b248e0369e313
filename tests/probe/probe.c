/*
 * rocker-probe -- a static multi-call probe that tests run INSIDE a sandbox
 * (the hostile App's view).  Each subcommand prints `key=value` lines; the
 * test scripts outside decide what is right.  Errors are printed as errno
 * names (`EPERM`), so the output is the same on every architecture.
 *
 *   probe status               ids, groups, session, controlling tty, caps, no_new_privs, seccomp
 *   probe tiocsti [TEXT]       pushes TEXT (default "echo INJECTED\n") into fd 0 with TIOCSTI
 *   probe ptrace PID           PTRACE_ATTACH and PTRACE_SEIZE of PID
 *   probe open PATH            open(O_RDONLY) result
 *   probe ls PATH              opendir + first entries, or the errno
 *   probe readlink PATH        readlink result
 *   probe symlink TARGET LINK  symlink(TARGET, LINK) (after removing LINK and its contents)
 *   probe write PATH TEXT      creates/truncates PATH with TEXT
 *   probe unshare HEX          unshare(flags)
 *   probe kill PID SIG         kill result
 *   probe exec PATH [ARGS]     execv PATH (prints exec=ERRNO if it fails)
 *   probe sleep SECONDS        nanosleep, then exit 0
 *
 * Harness helpers (run OUTSIDE a sandbox by the QEMU guest tests):
 *   probe as UID GID PROG [ARGS]   setgroups(0), setgid, setuid, then execv PROG
 *   probe pty PROG [ARGS]          PROG in a new session whose controlling tty is
 *                                  a new pty (stdio; no echo, no output \r);
 *                                  relays its output; exits with its status
 *   probe hold SOCKET N MS         opens N connections to a SOCK_SEQPACKET socket
 *                                  and sends nothing; prints `held=K`, then waits
 *                                  up to MS ms for the peer to close them:
 *                                  `closed=C replied=R ms=T` (R: got bytes first)
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char *ename(int e)
{
#define E(x) case x: return #x;
    switch (e) {
    case 0: return "OK";
    E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC) E(EBADF) E(ECHILD)
    E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR)
    E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY) E(ENOSPC) E(EROFS) E(EPIPE)
    E(ENAMETOOLONG) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(EOPNOTSUPP) E(EADDRINUSE)
    E(ECONNREFUSED) E(ECONNRESET) E(EUSERS) E(ENETUNREACH) E(EHOSTUNREACH) E(ETIMEDOUT) E(EADDRNOTAVAIL)
    default: return "E?";
    }
#undef E
}

static void kv(const char *k, const char *v) { printf("%s=%s\n", k, v); }
static void kerr(const char *k, int ok) { kv(k, ok ? "OK" : ename(errno)); }

/* "Key:\tvalue" lines of /proc/self/status */
static void status_field(const char *key, const char *out)
{
    char line[512];
    size_t n = strlen(key);
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) { kv(out, ename(errno)); return; }
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            char *v = line + n + 1;
            while (*v == ' ' || *v == '\t') v++;
            v[strcspn(v, "\n")] = 0;
            kv(out, v);
            fclose(f);
            return;
        }
    }
    kv(out, "?");
    fclose(f);
}

static int cmd_status(void)
{
    char b[64];
    int fd;
    snprintf(b, sizeof b, "%d", (int)getuid()); kv("uid", b);
    snprintf(b, sizeof b, "%d", (int)getgid()); kv("gid", b);
    snprintf(b, sizeof b, "%d", (int)getpid()); kv("pid", b);
    snprintf(b, sizeof b, "%d", (int)getsid(0)); kv("sid", b);
    snprintf(b, sizeof b, "%d", (int)getpgrp()); kv("pgid", b);
    status_field("Groups", "groups");
    status_field("CapInh", "capinh");
    status_field("CapPrm", "capprm");
    status_field("CapEff", "capeff");
    status_field("CapBnd", "capbnd");
    status_field("CapAmb", "capamb");
    status_field("NoNewPrivs", "nonewprivs");
    status_field("Seccomp", "seccomp");
    fd = open("/dev/tty", O_RDWR | O_NOCTTY);
    kv("ctty", fd >= 0 ? "yes" : ename(errno));
    if (fd >= 0) close(fd);
    snprintf(b, sizeof b, "%d", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)); kv("dumpable", b);
    return 0;
}

static int cmd_tiocsti(const char *text)
{
    const char *p;
    int e = 0;
    for (p = text; *p; p++) {
        if (ioctl(0, TIOCSTI, p) < 0) { e = errno; break; }
    }
    kv("tiocsti", e ? ename(e) : "INJECTED");
    return 0;
}

static int cmd_ptrace(pid_t pid)
{
    long r = ptrace(PTRACE_ATTACH, pid, 0, 0);
    kerr("ptrace_attach", r == 0);
    if (r == 0) { waitpid(pid, NULL, __WALL); ptrace(PTRACE_DETACH, pid, 0, 0); }
    r = ptrace(PTRACE_SEIZE, pid, 0, 0);
    kerr("ptrace_seize", r == 0);
    if (r == 0) ptrace(PTRACE_DETACH, pid, 0, 0);
    return 0;
}

static int cmd_ls(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;
    if (!d) { kv("ls", ename(errno)); return 0; }
    printf("ls=");
    while ((e = readdir(d)) && n < 20) {
        if (e->d_name[0] == '.') continue;
        printf("%s%s", n++ ? "," : "", e->d_name);
    }
    printf("\n");
    closedir(d);
    return 0;
}

/* PROG in a new session with a new pty as its controlling tty and stdio. */
static int cmd_pty(char **argv)
{
    char buf[512];
    const char *name;
    int st, m = posix_openpt(O_RDWR | O_NOCTTY);
    ssize_t n;
    pid_t pid;
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m))) {
        kv("pty", ename(errno));
        return 126;
    }
    pid = fork();
    if (pid == 0) {
        struct termios t;
        int s;
        setsid();
        s = open(name, O_RDWR); /* a session leader without a tty: s becomes it */
        if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0) { kv("pty", ename(errno)); _exit(126); }
        if (tcgetattr(s, &t) == 0) {
            t.c_oflag &= ~(tcflag_t)OPOST;
            t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
            tcsetattr(s, TCSANOW, &t);
        }
        dup2(s, 0); dup2(s, 1); dup2(s, 2);
        if (s > 2) close(s);
        close(m);
        execv(argv[0], argv);
        kv("exec", ename(errno));
        _exit(127);
    }
    if (pid < 0) { kv("pty", ename(errno)); return 126; }
    /* EIO once every holder of the slave has closed it */
    while ((n = read(m, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0 && write(1, buf, (size_t)n) < 0) break;
    close(m);
    if (waitpid(pid, &st, 0) < 0) return 126;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* N idle connections; how long until the peer closes them. */
static int cmd_hold(const char *path, int n, int ms)
{
    struct pollfd p[64];
    struct sockaddr_un a;
    int k, open_ = 0, closed = 0, replied = 0;
    long t0, left;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    if (n > 64) n = 64;
    for (k = 0; k < n; k++) {
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
            kv("connect", ename(errno));
            if (fd >= 0) close(fd);
            break;
        }
        p[k].fd = fd;
        p[k].events = POLLIN;
        open_++;
    }
    printf("held=%d\n", open_);
    fflush(stdout);
    t0 = now_ms();
    while (closed < open_ && (left = ms - (now_ms() - t0)) > 0) {
        if (poll(p, (nfds_t)open_, (int)left) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (k = 0; k < open_; k++) {
            char b[256];
            ssize_t r;
            if (p[k].fd < 0 || !p[k].revents) continue;
            r = read(p[k].fd, b, sizeof b);
            if (r > 0) { replied++; continue; }
            close(p[k].fd);
            p[k].fd = -1;
            closed++;
        }
    }
    printf("closed=%d replied=%d ms=%ld\n", closed, replied, now_ms() - t0);
    for (k = 0; k < open_; k++)
        if (p[k].fd >= 0) close(p[k].fd);
    return 0;
}

static void rm_rf(const char *p)
{
    struct stat st;
    if (lstat(p, &st) < 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(p);
        struct dirent *e;
        char c[4096];
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            snprintf(c, sizeof c, "%s/%s", p, e->d_name);
            rm_rf(c);
        }
        if (d) closedir(d);
        rmdir(p);
    } else {
        unlink(p);
    }
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(cmd, "status")) return cmd_status();
    if (!strcmp(cmd, "tiocsti")) return cmd_tiocsti(argc > 2 ? argv[2] : "echo INJECTED\n");
    if (!strcmp(cmd, "ptrace") && argc > 2) return cmd_ptrace((pid_t)atoi(argv[2]));
    if (!strcmp(cmd, "open") && argc > 2) {
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        kerr("open", fd >= 0);
        return 0;
    }
    if (!strcmp(cmd, "ls") && argc > 2) return cmd_ls(argv[2]);
    if (!strcmp(cmd, "readlink") && argc > 2) {
        char b[4096];
        ssize_t n = readlink(argv[2], b, sizeof b - 1);
        if (n < 0) kv("readlink", ename(errno));
        else { b[n] = 0; kv("readlink", b); }
        return 0;
    }
    if (!strcmp(cmd, "symlink") && argc > 3) {
        rm_rf(argv[3]);
        kerr("symlink", symlink(argv[2], argv[3]) == 0);
        return 0;
    }
    if (!strcmp(cmd, "write") && argc > 3) {
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        kerr("write", fd >= 0 && write(fd, argv[3], strlen(argv[3])) >= 0);
        if (fd >= 0) close(fd);
        return 0;
    }
    if (!strcmp(cmd, "unshare") && argc > 2) {
        kerr("unshare", unshare((int)strtoul(argv[2], NULL, 16)) == 0);
        return 0;
    }
    if (!strcmp(cmd, "kill") && argc > 3) {
        kerr("kill", kill((pid_t)atoi(argv[2]), atoi(argv[3])) == 0);
        return 0;
    }
    if (!strcmp(cmd, "exec") && argc > 2) {
        execv(argv[2], argv + 2);
        kv("exec", ename(errno));
        return 127;
    }
    if (!strcmp(cmd, "sleep") && argc > 2) {
        struct timespec t = { atoi(argv[2]), 0 };
        while (nanosleep(&t, &t) < 0 && errno == EINTR) {}
        return 0;
    }
    if (!strcmp(cmd, "as") && argc > 4) {
        if (setgroups(0, NULL) < 0 || setgid((gid_t)atoi(argv[3])) < 0 || setuid((uid_t)atoi(argv[2])) < 0) {
            kv("as", ename(errno));
            return 126;
        }
        execv(argv[4], argv + 4);
        kv("exec", ename(errno));
        return 127;
    }
    if (!strcmp(cmd, "pty") && argc > 2) return cmd_pty(argv + 2);
    if (!strcmp(cmd, "hold") && argc > 4) return cmd_hold(argv[2], atoi(argv[3]), atoi(argv[4]));
    fprintf(stderr, "usage: probe status|tiocsti|ptrace|open|ls|readlink|symlink|write|unshare|kill|exec|sleep"
                    "|as|pty|hold ...\n");
    return 2;
}
