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
 *   probe stat PATH            lstat: `stat=OK mode=OCTAL uid=N gid=N` (+ ` rdev=MAJ:MIN` for devices)
 *   probe openw PATH           open(O_WRONLY) result
 *   probe mknod PATH           mknod(PATH, char 1:3, 0666) result
 *   probe chmod PATH OCTAL     chmod result
 *   probe fill PATH KB         writes KB KiB: `fill=OK|ENOSPC.. written_kb=N`
 *   probe hostname [NEW]       `hostname=` (uname), `domainname=`; sethostname(NEW) if given
 *   probe sysv-read SHMID MSQID SEMID KEY
 *                              SysV IPC by id and by key: shmat(SHMID) and its text,
 *                              msgctl(MSQID) and its message count, semctl(SEMID),
 *                              shm/msg/semget(KEY); the objects in /proc/sysvipc
 *   probe mq-read NAME         mq_open(NAME, O_RDONLY) and its message count
 *   probe net                  interfaces (/proc/self/net/dev), up or down, IPv4 address; routes
 *   probe connect ADDR PORT    TCP connect (2 s), then what the peer sent: `connect=` `connect_got=`
 *   probe uconnect NAME        the same to the abstract unix socket @NAME: `uconnect=` `uconnect_got=`
 *   probe serve ADDR PORT SECS TCP: bind, listen (`serve=OK`), send "hello HOSTNAME" to each
 *                              client, for SECS
 *   probe userve NAME SECS     the same on the abstract unix socket @NAME (`userve=OK`)
 *
 * Harness helpers that also run on the host (the other side of the IPC checks):
 *   probe sysv-make KEY TEXT   a 4 KiB SysV segment holding TEXT, a message queue with
 *                              one message, a semaphore set, all 0666 and with KEY:
 *                              `shmid=N` `msqid=N` `semid=N`
 *   probe sysv-rm SHMID MSQID SEMID   IPC_RMID them
 *   probe mq-make NAME TEXT    a POSIX message queue /NAME (0666) holding TEXT
 *   probe mq-rm NAME           mq_unlink
 *   probe sys NAME...          one call per NAME (mount, keyctl, bpf, clone3, ...: see
 *                              sys_call) with harmless arguments: `NAME=ERRNO` (OK)
 *   probe read PATH            open + read: `read=<bytes>` (at most 64 KiB) or the errno
 *   probe ro PATH              statvfs: `ro=1` if PATH's mount is read-only, else `ro=0`
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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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
    E(EIDRM) E(EDQUOT) E(EMLINK) E(ENETDOWN) E(EPROTONOSUPPORT) E(EAFNOSUPPORT) E(ENOKEY)
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
    while ((e = readdir(d)) && n < 64) {
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

static void cmd_stat(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) { kv("stat", ename(errno)); return; }
    printf("stat=OK mode=%o uid=%u gid=%u", (unsigned)st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid);
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        printf(" rdev=%u:%u", (unsigned)major(st.st_rdev), (unsigned)minor(st.st_rdev));
    printf("\n");
}

static void cmd_fill(const char *path, long kb)
{
    static char buf[65536];
    long done = 0;
    int e = 0, fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    memset(buf, 'x', sizeof buf);
    if (fd < 0) { kv("fill", ename(errno)); return; }
    while (done < kb * 1024) {
        long n = kb * 1024 - done > (long)sizeof buf ? (long)sizeof buf : kb * 1024 - done;
        ssize_t w = write(fd, buf, (size_t)n);
        if (w < 0) { e = errno; break; }
        if (w == 0) { e = ENOSPC; break; }
        done += w;
    }
    if (!e && fsync(fd) < 0) e = errno;
    close(fd);
    printf("fill=%s written_kb=%ld\n", ename(e), done / 1024);
}

static void cmd_hostname(const char *set)
{
    struct utsname u;
    if (uname(&u) < 0) { kv("hostname", ename(errno)); return; }
    kv("hostname", u.nodename);
#ifdef _GNU_SOURCE
    kv("domainname", u.domainname);
#endif
    if (set) kerr("sethostname", sethostname(set, strlen(set)) == 0);
}

static int count_lines(const char *path)
{
    char b[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC), n = 0;
    ssize_t r, i;
    if (fd < 0) return -1;
    while ((r = read(fd, b, sizeof b)) > 0)
        for (i = 0; i < r; i++) n += b[i] == '\n';
    close(fd);
    return n;
}

struct rk_msg { long mtype; char mtext[64]; };

static void kint(const char *k, long v)
{
    char b[32];
    snprintf(b, sizeof b, "%ld", v);
    kv(k, b);
}

static void cmd_sysv_make(key_t key, const char *text)
{
    struct rk_msg m;
    void *p;
    int id = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0666), q, sem;
    if (id < 0) { kv("sysv_make", ename(errno)); return; }
    p = shmat(id, NULL, 0);
    if (p == (void *)-1) { kv("sysv_make", ename(errno)); return; }
    snprintf((char *)p, 4096, "%s", text);
    shmdt(p);
    kint("shmid", id);
    q = msgget(key, IPC_CREAT | IPC_EXCL | 0666);
    if (q < 0) { kv("sysv_make", ename(errno)); return; }
    memset(&m, 0, sizeof m);
    m.mtype = 1;
    snprintf(m.mtext, sizeof m.mtext, "%s", text);
    if (msgsnd(q, &m, strlen(m.mtext) + 1, IPC_NOWAIT) < 0) { kv("sysv_make", ename(errno)); return; }
    kint("msqid", q);
    sem = semget(key, 1, IPC_CREAT | IPC_EXCL | 0666);
    if (sem < 0) { kv("sysv_make", ename(errno)); return; }
    kint("semid", sem);
}

static void cmd_sysv_read(int shm, int msq, int sem, key_t key)
{
    struct msqid_ds md;
    struct semid_ds sd;
    char b[64];
    int n;
    void *p = shmat(shm, NULL, SHM_RDONLY);
    if (p == (void *)-1) {
        kv("shmat", ename(errno));
    } else {
        kv("shmat", "OK");
        snprintf(b, sizeof b, "%.63s", (const char *)p);
        kv("shm_text", b);
        shmdt(p);
    }
    if (msgctl(msq, IPC_STAT, &md) < 0) {
        kv("msgctl", ename(errno));
    } else {
        kv("msgctl", "OK");
        kint("msg_qnum", (long)md.msg_qnum);
    }
    kerr("semctl", semctl(sem, 0, IPC_STAT, &sd) >= 0);
    kerr("shmget", shmget(key, 0, 0) >= 0);
    kerr("msgget", msgget(key, 0) >= 0);
    kerr("semget", semget(key, 0, 0) >= 0);
    n = count_lines("/proc/sysvipc/shm");
    kint("sysvipc_shm", n > 0 ? n - 1 : n);
    n = count_lines("/proc/sysvipc/msg");
    kint("sysvipc_msg", n > 0 ? n - 1 : n);
    n = count_lines("/proc/sysvipc/sem");
    kint("sysvipc_sem", n > 0 ? n - 1 : n);
}

/* POSIX message queues by their system calls (no -lrt anywhere): the
 * kernel's name has no leading slash */
struct mq_attr_k { long flags, maxmsg, msgsize, curmsgs, pad[4]; };

static long mq_open_k(const char *name, int flags, int mode)
{
    return syscall(SYS_mq_open, name, flags, mode, NULL);
}

static void cmd_mq_make(const char *name, const char *text)
{
    long fd = mq_open_k(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0666);
    if (fd < 0) { kv("mq_make", ename(errno)); return; }
    kerr("mq_make", syscall(SYS_mq_timedsend, (int)fd, text, strlen(text), 0u, NULL) == 0);
    close((int)fd);
}

static void cmd_mq_read(const char *name)
{
    struct mq_attr_k a;
    char b[32];
    long fd = mq_open_k(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
    if (fd < 0) { kv("mq_open", ename(errno)); return; }
    kv("mq_open", "OK");
    memset(&a, 0, sizeof a);
    if (syscall(SYS_mq_getsetattr, (int)fd, NULL, &a) == 0) {
        snprintf(b, sizeof b, "%ld", a.curmsgs);
        kv("mq_curmsgs", b);
    }
    close((int)fd);
}

/* interfaces of this network namespace: `ifaces=lo,eth0`, per interface
 * `if_NAME=up|down` and `addr_NAME=A.B.C.D|none`; `routes=N` (IPv4 main
 * table) */
static void cmd_net(void)
{
    char b[8192], names[16][IFNAMSIZ], list[256] = "", *line, *save = NULL;
    int fd, s, n = 0, k;
    ssize_t r;
    fd = open("/proc/self/net/dev", O_RDONLY | O_CLOEXEC);
    if (fd < 0) { kv("ifaces", ename(errno)); return; }
    r = read(fd, b, sizeof b - 1);
    close(fd);
    b[r > 0 ? r : 0] = 0;
    for (line = strtok_r(b, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c = strchr(line, ':'), *p = line;
        if (!c || strchr(line, '|')) continue;
        while (*p == ' ') p++;
        if (n < 16 && c - p < IFNAMSIZ) {
            snprintf(names[n], IFNAMSIZ, "%.*s", (int)(c - p), p);
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", n ? "," : "", names[n]);
            n++;
        }
    }
    kv("ifaces", list);
    s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    for (k = 0; k < n && s >= 0; k++) {
        struct ifreq ifr;
        char key[40];
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, IFNAMSIZ, "%.15s", names[k]);
        snprintf(key, sizeof key, "if_%.15s", names[k]);
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) kv(key, ename(errno));
        else kv(key, (ifr.ifr_flags & IFF_UP) ? "up" : "down");
        snprintf(key, sizeof key, "addr_%.15s", names[k]);
        memset(&ifr.ifr_addr, 0, sizeof ifr.ifr_addr);
        if (ioctl(s, SIOCGIFADDR, &ifr) < 0) kv(key, "none");
        else kv(key, inet_ntoa(((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr));
    }
    if (s >= 0) close(s);
    k = count_lines("/proc/self/net/route");
    snprintf(b, sizeof b, "%d", k > 0 ? k - 1 : k);
    kv("routes", b);
}

static int sa_in(struct sockaddr_in *a, const char *addr, int port)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((unsigned short)port);
    return inet_pton(AF_INET, addr, &a->sin_addr) == 1 ? 0 : -1;
}

static socklen_t sa_abs(struct sockaddr_un *a, const char *name)
{
    size_t n = strlen(name);
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (n > sizeof a->sun_path - 2) n = sizeof a->sun_path - 2;
    memcpy(a->sun_path + 1, name, n); /* sun_path[0] == 0: abstract */
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* connect within 2 s, then read what the server says (up to 1 s) */
static void connect_read(const char *k, int s, const struct sockaddr *a, socklen_t len)
{
    struct pollfd p;
    char b[128];
    int e = 0;
    socklen_t el = sizeof e;
    ssize_t r;
    int fl = fcntl(s, F_GETFL);
    fcntl(s, F_SETFL, fl | O_NONBLOCK);
    if (connect(s, a, len) < 0) {
        if (errno != EINPROGRESS) { kv(k, ename(errno)); close(s); return; }
        p.fd = s;
        p.events = POLLOUT;
        if (poll(&p, 1, 2000) != 1) { kv(k, "ETIMEDOUT"); close(s); return; }
        getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el);
        if (e) { kv(k, ename(e)); close(s); return; }
    }
    kv(k, "OK");
    p.fd = s;
    p.events = POLLIN;
    r = poll(&p, 1, 1000) == 1 ? read(s, b, sizeof b - 1) : -1;
    b[r > 0 ? r : 0] = 0;
    b[strcspn(b, "\n")] = 0;
    printf("%s_got=%s\n", k, b);
    close(s);
}

static int cmd_connect(const char *addr, int port)
{
    struct sockaddr_in a;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || sa_in(&a, addr, port) < 0) { kv("connect", s < 0 ? ename(errno) : "EINVAL"); return 0; }
    connect_read("connect", s, (struct sockaddr *)&a, sizeof a);
    return 0;
}

static int cmd_uconnect(const char *name)
{
    struct sockaddr_un a;
    socklen_t len = sa_abs(&a, name);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) { kv("uconnect", ename(errno)); return 0; }
    connect_read("uconnect", s, (struct sockaddr *)&a, len);
    return 0;
}

/* accepts for SECS, says hello (with the hostname) to each client */
static int serve(const char *k, int s, const struct sockaddr *a, socklen_t len, int secs)
{
    struct utsname u;
    char hello[128];
    long end = now_ms() + secs * 1000L, left;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, a, len) < 0 || listen(s, 16) < 0) { kv(k, ename(errno)); return 1; }
    kv(k, "OK");
    fflush(stdout);
    snprintf(hello, sizeof hello, "hello %s\n", uname(&u) == 0 ? u.nodename : "?");
    while ((left = end - now_ms()) > 0) {
        struct pollfd p;
        int c;
        p.fd = s;
        p.events = POLLIN;
        if (poll(&p, 1, (int)left) != 1) continue;
        c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) continue;
        if (write(c, hello, strlen(hello)) < 0) {}
        close(c);
    }
    close(s);
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

#ifndef SYS_clone3
#ifdef __mips__
#define SYS_clone3 4435 /* o32 */
#else
#define SYS_clone3 435
#endif
#endif

/* The call named n, with arguments that do nothing harmful when it is
 * allowed (an error of its own, or a no-op); -1 with errno, or >= 0.
 * -2: no such call here. */
static long sys_call(const char *n)
{
    if (!strcmp(n, "mount")) return mount("none", "/tmp", "tmpfs", 0, NULL);
    if (!strcmp(n, "umount2")) return umount2("/proc", MNT_DETACH);
    if (!strcmp(n, "chroot")) return chroot("/");
    if (!strcmp(n, "pivot_root")) return syscall(SYS_pivot_root, "/", "/");
    if (!strcmp(n, "setns")) return setns(-1, 0); /* EBADF when allowed */
    if (!strcmp(n, "unshare_user")) return unshare(CLONE_NEWUSER);
    if (!strcmp(n, "unshare_mnt")) return unshare(CLONE_NEWNS);
    if (!strcmp(n, "unshare_net")) return unshare(CLONE_NEWNET);
    if (!strcmp(n, "clone_newuser")) { /* raw clone: flags first on every arch here */
        long c = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
        if (c == 0) _exit(0);
        if (c > 0) waitpid((pid_t)c, NULL, 0);
        return c;
    }
    if (!strcmp(n, "clone3")) return syscall(SYS_clone3, NULL, 0); /* EINVAL when allowed */
    if (!strcmp(n, "keyctl")) return syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 0);
    if (!strcmp(n, "add_key")) return syscall(SYS_add_key, "user", "rocker-probe", "x", 1, -2 /* process */);
    if (!strcmp(n, "request_key")) return syscall(SYS_request_key, "user", "rocker-probe-none", NULL, 0);
    if (!strcmp(n, "bpf")) return syscall(SYS_bpf, -1, NULL, 0);
    if (!strcmp(n, "perf_event_open")) {
        uint32_t attr[32] = { 1 /* PERF_TYPE_SOFTWARE */, 64 /* PERF_ATTR_SIZE_VER0 */ }; /* CPU_CLOCK */
        long fd = syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
        if (fd >= 0) close((int)fd);
        return fd;
    }
    if (!strcmp(n, "userfaultfd")) {
        long fd = syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */);
        if (fd >= 0) close((int)fd);
        return fd;
    }
#ifdef SYS_kexec_load
    if (!strcmp(n, "kexec_load")) return syscall(SYS_kexec_load, 0, 0, NULL, 0);
#endif
    if (!strcmp(n, "init_module")) return syscall(SYS_init_module, NULL, 0, "");
    if (!strcmp(n, "delete_module")) return syscall(SYS_delete_module, "rocker_none", O_NONBLOCK);
    if (!strcmp(n, "reboot")) return syscall(SYS_reboot, 0, 0, 0, NULL);
    if (!strcmp(n, "swapon")) return syscall(SYS_swapon, "/nonexistent-rocker", 0);
    if (!strcmp(n, "acct")) return syscall(SYS_acct, NULL);
    if (!strcmp(n, "open_by_handle_at")) return syscall(SYS_open_by_handle_at, -1, NULL, 0);
    if (!strcmp(n, "personality")) return syscall(SYS_personality, 0x0400000 /* READ_IMPLIES_EXEC */);
    if (!strcmp(n, "personality_query")) return syscall(SYS_personality, 0xffffffffUL);
    if (!strcmp(n, "syslog")) return syscall(SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0);
    if (!strcmp(n, "sethostname")) return sethostname("rocker-probe", 12);
#ifdef SYS_fsopen
    if (!strcmp(n, "fsopen")) return syscall(SYS_fsopen, "tmpfs", 0);
#endif
    if (!strcmp(n, "mkdir")) { /* allowed: made and removed again */
        long r = mkdir("/tmp/rocker-probe-mkdir", 0700);
        if (r == 0) rmdir("/tmp/rocker-probe-mkdir");
        return r;
    }
    if (!strcmp(n, "socket")) {
        long fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) close((int)fd);
        return fd;
    }
    if (!strcmp(n, "getpid")) return getpid();
    return -2;
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
    if (!strcmp(cmd, "sys") && argc > 2) {
        int i;
        for (i = 2; i < argc; i++) {
            long r;
            errno = 0;
            r = sys_call(argv[i]);
            kv(argv[i], r == -2 ? "NONE" : r < 0 ? ename(errno) : "OK");
        }
        return 0;
    }
    if (!strcmp(cmd, "read") && argc > 2) {
        static char b[65536];
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof b);
        if (n < 0) kv("read", ename(errno));
        else printf("read=%ld\n", (long)n);
        if (fd >= 0) close(fd);
        return 0;
    }
    if (!strcmp(cmd, "ro") && argc > 2) {
        struct statvfs v;
        if (statvfs(argv[2], &v) < 0) kv("ro", ename(errno));
        else kv("ro", (v.f_flag & ST_RDONLY) ? "1" : "0");
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
    if (!strcmp(cmd, "stat") && argc > 2) { cmd_stat(argv[2]); return 0; }
    if (!strcmp(cmd, "openw") && argc > 2) {
        int fd = open(argv[2], O_WRONLY | O_CLOEXEC);
        kerr("openw", fd >= 0);
        return 0;
    }
    if (!strcmp(cmd, "mknod") && argc > 2) {
        kerr("mknod", mknod(argv[2], S_IFCHR | 0666, makedev(1, 3)) == 0);
        return 0;
    }
    if (!strcmp(cmd, "chmod") && argc > 3) {
        kerr("chmod", chmod(argv[2], (mode_t)strtoul(argv[3], NULL, 8)) == 0);
        return 0;
    }
    if (!strcmp(cmd, "fill") && argc > 3) { cmd_fill(argv[2], atol(argv[3])); return 0; }
    if (!strcmp(cmd, "hostname")) { cmd_hostname(argc > 2 ? argv[2] : NULL); return 0; }
    if (!strcmp(cmd, "sysv-make") && argc > 3) { cmd_sysv_make((key_t)strtol(argv[2], NULL, 0), argv[3]); return 0; }
    if (!strcmp(cmd, "sysv-read") && argc > 5) {
        cmd_sysv_read(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), (key_t)strtol(argv[5], NULL, 0));
        return 0;
    }
    if (!strcmp(cmd, "sysv-rm") && argc > 4) {
        kerr("shm_rm", shmctl(atoi(argv[2]), IPC_RMID, NULL) == 0);
        kerr("msg_rm", msgctl(atoi(argv[3]), IPC_RMID, NULL) == 0);
        kerr("sem_rm", semctl(atoi(argv[4]), 0, IPC_RMID) == 0);
        return 0;
    }
    if (!strcmp(cmd, "mq-make") && argc > 3) { cmd_mq_make(argv[2], argv[3]); return 0; }
    if (!strcmp(cmd, "mq-read") && argc > 2) { cmd_mq_read(argv[2]); return 0; }
    if (!strcmp(cmd, "mq-rm") && argc > 2) { kerr("mq_rm", syscall(SYS_mq_unlink, argv[2]) == 0); return 0; }
    if (!strcmp(cmd, "net")) { cmd_net(); return 0; }
    if (!strcmp(cmd, "connect") && argc > 3) return cmd_connect(argv[2], atoi(argv[3]));
    if (!strcmp(cmd, "uconnect") && argc > 2) return cmd_uconnect(argv[2]);
    if (!strcmp(cmd, "serve") && argc > 4) {
        struct sockaddr_in a;
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || sa_in(&a, argv[2], atoi(argv[3])) < 0) { kv("serve", s < 0 ? ename(errno) : "EINVAL"); return 1; }
        return serve("serve", s, (struct sockaddr *)&a, sizeof a, atoi(argv[4]));
    }
    if (!strcmp(cmd, "userve") && argc > 3) {
        struct sockaddr_un a;
        socklen_t len = sa_abs(&a, argv[2]);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0) { kv("userve", ename(errno)); return 1; }
        return serve("userve", s, (struct sockaddr *)&a, len, atoi(argv[3]));
    }
    if (!strcmp(cmd, "pty") && argc > 2) return cmd_pty(argv + 2);
    if (!strcmp(cmd, "hold") && argc > 4) return cmd_hold(argv[2], atoi(argv[3]), atoi(argv[4]));
    fprintf(stderr, "usage: probe status|tiocsti|ptrace|open|ls|readlink|symlink|write|unshare|kill|exec|sleep"
                    "|stat|openw|mknod|chmod|fill|hostname|sysv-read|mq-read|net|connect|uconnect|serve|userve"
                    "|sys|read|ro|as|pty|hold|sysv-make|sysv-rm|mq-make|mq-rm ...\n");
    return 2;
}
