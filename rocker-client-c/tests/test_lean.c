/* test_lean.c -- src/lean.c against musl itself: the test links lean.o with
 * each function it defines renamed to lean_<name> (objcopy --redefine-sym),
 * so both versions are in one program and must agree (value, errno, end
 * pointer). Built with $(TARGET_CC), run on the target (make
 * rocker-c-lean-test TARGET=...). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tap.h"

long lean_strtol(const char *, char **, int);
unsigned long lean_strtoul(const char *, char **, int);
unsigned long long lean_strtoull(const char *, char **, int);
char *lean_getcwd(char *, size_t);
int lean_setresuid(uid_t, uid_t, uid_t);
int lean_setresgid(gid_t, gid_t, gid_t);
int lean_setgroups(size_t, const gid_t *);
pid_t lean_fork(void);
int lean_fcntl(int, int, ...);
int lean_socket(int, int, int);
int lean_pipe2(int[2], int);
#if ULONG_MAX == 0xffffffffUL
int lean_ioctl(int, int, ...);
ssize_t lean_recvmsg(int, struct msghdr *, int);
#endif
#if defined(__mips__) && ULONG_MAX == 0xffffffffUL
unsigned long long lean___udivdi3(unsigned long long, unsigned long long);
unsigned long long lean___umoddi3(unsigned long long, unsigned long long);
void *lean_memcpy(void *, const void *, size_t);
void *lean_memmove(void *, const void *, size_t);
void *lean_memset(void *, int, size_t);
size_t lean_strlen(const char *);
char *lean_strcpy(char *, const char *);
void *lean_memchr(const void *, int, size_t);
char *lean_strchr(const char *, int);
char *lean_getenv(const char *);
int lean_execvp(const char *, char *const[]);

/* execvp(file) with PATH = path (NULL: unset) in a child: its exit status,
 * 100 + errno when execvp returned. */
static int exec_status(int lean, const char *file, const char *path)
{
    char *argv[] = { (char *)"t", NULL };
    int st = -1;
    pid_t pid = fork();
    if (pid == 0) {
        if (path)
            setenv("PATH", path, 1);
        else
            unsetenv("PATH");
        (lean ? lean_execvp : execvp)(file, argv);
        _exit(100 + errno);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}
#endif

/* s with non-printable bytes as \xNN (for the mismatch lines). */
static const char *esc(const char *s)
{
    static char b[128];
    size_t n = 0;
    for (; *s && n + 5 < sizeof b; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7f && c != '\\')
            b[n++] = (char)c;
        else
            n += (size_t)sprintf(b + n, "\\x%02x", c);
    }
    b[n] = 0;
    return b;
}

static int strto_mismatches(const char *s, int base)
{
    char *e1, *e2;
    int bad = 0, er1, er2;
    long a, b;
    unsigned long c, d;
    unsigned long long f, g;
    errno = 0;
    a = strtol(s, &e1, base);
    er1 = errno;
    errno = 0;
    b = lean_strtol(s, &e2, base);
    er2 = errno;
    if (a != b || e1 != e2 || er1 != er2) {
        printf("#   strtol(\"%s\", %d): musl %ld end+%d errno %d, lean %ld end+%d errno %d\n", esc(s), base, a,
               (int)(e1 - s), er1, b, (int)(e2 - s), er2);
        bad++;
    }
    errno = 0;
    c = strtoul(s, &e1, base);
    er1 = errno;
    errno = 0;
    d = lean_strtoul(s, &e2, base);
    er2 = errno;
    if (c != d || e1 != e2 || er1 != er2) {
        printf("#   strtoul(\"%s\", %d): musl %lu end+%d errno %d, lean %lu end+%d errno %d\n", esc(s), base, c,
               (int)(e1 - s), er1, d, (int)(e2 - s), er2);
        bad++;
    }
    errno = 0;
    f = strtoull(s, &e1, base);
    er1 = errno;
    errno = 0;
    g = lean_strtoull(s, &e2, base);
    er2 = errno;
    if (f != g || e1 != e2 || er1 != er2) {
        printf("#   strtoull(\"%s\", %d): musl %llu end+%d errno %d, lean %llu end+%d errno %d\n", esc(s), base, f,
               (int)(e1 - s), er1, g, (int)(e2 - s), er2);
        bad++;
    }
    return bad;
}

int main(void)
{
    static const char *const strs[] = {
        "", " ", "0", "-0", "+0", "7", "42", "-42", "+42", "  \t\n\v\f\r 12x", "12 ", "1_000", "0x", "0X",
        "0x1f", "0XfF", "-0x10", "0xg", "0x 1", "010", "08", "0b101", "z", "Zz", "-", "+", "--1", "+-1",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296", "-4294967295",
        "-4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "-18446744073709551615",
        "99999999999999999999999999", "-99999999999999999999999", "000000000000000000000000000001",
        "7fffffff", "80000000", "ffffffff", "100000000", "ffffffffffffffff", "10000000000000000",
        "zzzzzzzzzzzzzzzz", "\x80" "1", "1\xff", "@", "[", "`", "{", "/", ":",
    };
    static const int bases[] = { 0, 2, 8, 10, 16, 36, 1, 37, -1, 3, 7, 35 };
    char b1[4096], b2[4096];
    char *r1, *r2;
    unsigned i, j, bad = 0;
    int st = 0, e1, e2;
    pid_t pid;

    for (i = 0; i < sizeof strs / sizeof *strs; i++)
        for (j = 0; j < sizeof bases / sizeof *bases; j++)
            bad += (unsigned)strto_mismatches(strs[i], bases[j]);
    {   /* every 2-byte prefix "c d" in base 0 and 16 */
        char s[4];
        int c, d;
        for (c = 1; c < 256; c++)
            for (d = 0; d < 256; d += 5) {
                s[0] = (char)c, s[1] = (char)d, s[2] = '7', s[3] = 0;
                bad += (unsigned)strto_mismatches(s, 0) + (unsigned)strto_mismatches(s, 16);
            }
    }
    ok(bad == 0, "strtol/strtoul/strtoull agree with musl (%u mismatches)", bad);

    r1 = getcwd(b1, sizeof b1);
    r2 = lean_getcwd(b2, sizeof b2);
    ok(r1 == b1 && r2 == b2 && strcmp(b1, b2) == 0, "getcwd: %s", r2 ? r2 : "(null)");
    errno = 0;
    r1 = getcwd(b1, 2);
    e1 = errno;
    errno = 0;
    r2 = lean_getcwd(b2, 2);
    e2 = errno;
    ok(!r1 && !r2 && e1 == ERANGE && e2 == ERANGE, "getcwd: too small a buffer -> ERANGE (%d %d)", e1, e2);
    errno = 0;
    ok(!lean_getcwd(b2, 0) && errno == EINVAL, "getcwd(buf, 0) -> EINVAL");

    ok(lean_setresuid((uid_t)-1, (uid_t)-1, (uid_t)-1) == 0 && lean_setresgid((gid_t)-1, (gid_t)-1, (gid_t)-1) == 0,
       "setresuid/setresgid(-1, -1, -1) == 0");
    if (getuid() == 0) {
        gid_t g[1] = { 0 };
        ok(lean_setgroups(1, g) == 0 && getgroups(1, g) == 1 && g[0] == 0, "setgroups({0}) as root");
        ok(lean_setresgid(0, 0, 0) == 0 && lean_setresuid(0, 0, 0) == 0, "setresgid/setresuid(0, 0, 0) as root");
    } else {
        errno = 0;
        ok(lean_setgroups(0, 0) == -1 && errno == EPERM, "setgroups as non-root -> EPERM");
        errno = 0;
        ok(lean_setresuid(0, 0, 0) == -1 && errno == EPERM, "setresuid(0) as non-root -> EPERM");
    }

    pid = lean_fork();
    if (pid == 0)
        _exit(getpid() == (pid_t)syscall(SYS_gettid) ? 7 : 1);
    e1 = pid > 0 && waitpid(pid, &st, 0) == pid;
    ok(e1 && WIFEXITED(st) && WEXITSTATUS(st) == 7, "fork: the child runs with its own pid and tid (status %d)", st);

    {   /* fcntl: the same results and errors as musl's, command by command */
        int sv[2], fa, fb, k;
        struct flock la, lb;
        char tmpl[] = "/tmp/rocker-lean.XXXXXX";
        int file = mkstemp(tmpl);
        bad = 0;
        unlink(tmpl);
        ok(file >= 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "fcntl: a file and a socket pair");
        for (k = 0; k < 4; k++) { /* musl's fcntl sets, lean's reads back, and the other way */
            int (*set)(int, int, ...) = k & 1 ? lean_fcntl : fcntl, (*get)(int, int, ...) = k & 1 ? fcntl : lean_fcntl;
            pid_t owner = k & 2 ? -getpgrp() : getpid(); /* a process group: negative */
            if (set(sv[0], F_SETFD, FD_CLOEXEC) || get(sv[0], F_GETFD) != FD_CLOEXEC ||
                set(sv[0], F_SETFD, 0) || get(sv[0], F_GETFD) != 0 ||
                set(sv[0], F_SETFL, O_NONBLOCK) || get(sv[0], F_GETFL) != fcntl(sv[1], F_GETFL) + O_NONBLOCK ||
                set(sv[0], F_SETFL, 0) || get(sv[0], F_GETFL) != fcntl(sv[1], F_GETFL) ||
                set(sv[0], F_SETOWN, owner) || get(sv[0], F_GETOWN) != owner)
                bad++, printf("# fcntl F_SETFD/F_SETFL/F_SETOWN round trip %d differs\n", k);
        }
        for (k = 0; k < 4; k++) { /* F_DUPFD_CLOEXEC, F_DUPFD at/above 20, above the fd limit, a bad fd */
            int cmd = k & 1 ? F_DUPFD : F_DUPFD_CLOEXEC, from = k < 2 ? 20 : INT_MAX, fd = k == 3 ? -5 : file;
            errno = 0;
            fa = fcntl(fd, cmd, from);
            e1 = errno;
            errno = 0;
            fb = lean_fcntl(fd, cmd, from);
            e2 = errno;
            if ((fa < 0) != (fb < 0) || (fa < 0 && e1 != e2) ||
                (fa >= 0 && (fa < 20 || fb < 20 || fcntl(fa, F_GETFD) != fcntl(fb, F_GETFD))))
                bad++, printf("# fcntl dup %d: %d/%d %d/%d\n", k, fa, fb, e1, e2);
            if (fa >= 0)
                close(fa);
            if (fb >= 0)
                close(fb);
        }
        memset(&la, 0, sizeof la);
        la.l_type = F_WRLCK;
        la.l_whence = SEEK_SET;
        la.l_len = 10;
        lb = la;
        fa = fcntl(file, F_GETLK, &la);
        fb = lean_fcntl(file, F_GETLK, &lb);
        if (fa != fb || memcmp(&la, &lb, sizeof la))
            bad++, printf("# fcntl F_GETLK differs\n");
        errno = 0;
        fa = fcntl(file, 0x7fff);
        e1 = errno;
        errno = 0;
        fb = lean_fcntl(file, 0x7fff);
        e2 = errno;
        if (fa != fb || e1 != e2)
            bad++, printf("# fcntl unknown command: %d/%d %d/%d\n", fa, fb, e1, e2);
        ok(bad == 0, "fcntl agrees with musl (%u mismatches)", bad);
        close(file);
        close(sv[0]);
        close(sv[1]);
    }
    {   /* socket, pipe2: the same fds, flags and errors as musl's */
        static const int st[][3] = { { AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0 }, { AF_UNIX, SOCK_STREAM, 0 },
                                     { AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0 },
                                     { 12345, SOCK_STREAM, 0 }, { AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 99 },
                                     { AF_UNIX, 77 | SOCK_CLOEXEC, 0 } };
        static const int pf[] = { 0, O_CLOEXEC, O_CLOEXEC | O_NONBLOCK, 0x1 };
        int fa, fb, fl[2][2];
        bad = 0;
        for (i = 0; i < sizeof st / sizeof st[0]; i++) {
            errno = 0;
            fa = socket(st[i][0], st[i][1], st[i][2]);
            e1 = errno;
            errno = 0;
            fb = lean_socket(st[i][0], st[i][1], st[i][2]);
            e2 = errno;
            if ((fa < 0) != (fb < 0) || (fa < 0 && e1 != e2) ||
                (fa >= 0 && (fcntl(fa, F_GETFD) != fcntl(fb, F_GETFD) || fcntl(fa, F_GETFL) != fcntl(fb, F_GETFL))))
                bad++;
            if (fa >= 0)
                close(fa);
            if (fb >= 0)
                close(fb);
        }
        for (i = 0; i < sizeof pf / sizeof pf[0]; i++) {
            char c = 0;
            errno = 0;
            fa = pipe2(fl[0], pf[i]);
            e1 = errno;
            errno = 0;
            fb = lean_pipe2(fl[1], pf[i]);
            e2 = errno;
            if (fa != fb || (fa < 0 && e1 != e2) ||
                (fa == 0 && (fcntl(fl[0][0], F_GETFD) != fcntl(fl[1][0], F_GETFD) ||
                             fcntl(fl[0][1], F_GETFL) != fcntl(fl[1][1], F_GETFL) ||
                             write(fl[1][1], "p", 1) != 1 || read(fl[1][0], &c, 1) != 1 || c != 'p')))
                bad++;
            if (fa == 0)
                close(fl[0][0]), close(fl[0][1]);
            if (fb == 0)
                close(fl[1][0]), close(fl[1][1]);
        }
        ok(bad == 0, "socket/pipe2 agree with musl on %u calls (%u mismatches)",
           (unsigned)(sizeof st / sizeof st[0] + sizeof pf / sizeof pf[0]), bad);
    }

#if ULONG_MAX == 0xffffffffUL
    {
        struct winsize ws;
        char c = 'x', got = 0;
        int sv[2], fd = -1, nulfd = open("/dev/null", O_RDONLY);
        struct iovec iov = { &c, 1 };
        union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
        struct msghdr m;
        struct cmsghdr *cm;
        errno = 0;
        e1 = ioctl(nulfd, TIOCGWINSZ, &ws) < 0 ? errno : 0;
        errno = 0;
        e2 = lean_ioctl(nulfd, TIOCGWINSZ, &ws) < 0 ? errno : 0;
        ok(e1 == ENOTTY && e2 == ENOTTY, "ioctl(TIOCGWINSZ) on /dev/null -> ENOTTY (%d %d)", e1, e2);
        ok(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair");
        memset(&m, 0, sizeof m);
        memset(&u, 0, sizeof u);
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = u.b;
        m.msg_controllen = sizeof u.b;
        cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &nulfd, sizeof(int));
        ok(sendmsg(sv[0], &m, 0) == 1, "sendmsg with one fd");
        iov.iov_base = &got;
        memset(&u, 0, sizeof u);
        m.msg_control = u.b;
        m.msg_controllen = sizeof u.b;
        ok(lean_recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC) == 1 && got == 'x' && (cm = CMSG_FIRSTHDR(&m)) &&
               cm->cmsg_type == SCM_RIGHTS && (memcpy(&fd, CMSG_DATA(cm), sizeof fd), fd >= 0) &&
               (fcntl(fd, F_GETFD) & FD_CLOEXEC),
           "recvmsg: the byte and a close-on-exec fd");
        errno = 0;
        ok(lean_recvmsg(sv[1], &m, MSG_DONTWAIT) == -1 && errno == EAGAIN, "recvmsg: EAGAIN when empty");
        close(fd);
        close(sv[0]);
        close(sv[1]);
        close(nulfd);
    }
#endif
#if defined(__mips__) && ULONG_MAX == 0xffffffffUL
    {
        unsigned long long x = 0x9e3779b97f4a7c15ull, n, d;
        static const unsigned long long ds[] = { 1, 2, 3, 10, 60, 3600, 86400, 1000000000ull, 0xffffffffull,
                                                 0x100000000ull, 0x123456789abcdefull, ~0ull };
        bad = 0;
        for (i = 0; i < 20000; i++) {
            x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
            n = x * 0x2545f4914f6cdd1dull;
            d = i < sizeof ds / sizeof *ds * 100 ? ds[i % (sizeof ds / sizeof *ds)] : (x >> (i % 64)) | 1;
            n >>= i % 7 * 9;
            if (lean___udivdi3(n, d) != n / d || lean___umoddi3(n, d) != n % d)
                bad++;
        }
        ok(bad == 0, "__udivdi3/__umoddi3 agree with libgcc (%u mismatches)", bad);
    }
    {   /* every offset pair and length up to 40 in a 96-byte buffer */
        unsigned char a[96], b[96], src[96];
        size_t n, so, dof;
        bad = 0;
        for (i = 0; i < sizeof src; i++)
            src[i] = (unsigned char)(i * 7 + 3);
        for (n = 0; n <= 40; n++)
            for (so = 0; so + n <= 48; so += 3)
                for (dof = 0; dof + n <= 96; dof += 5) {
                    memcpy(a, src, sizeof a);
                    memcpy(b, src, sizeof b);
                    memmove(a + dof, a + so, n);
                    if (lean_memmove(b + dof, b + so, n) != b + dof || memcmp(a, b, sizeof a))
                        bad++;
                    memcpy(a, src, sizeof a);
                    memcpy(b, src, sizeof b);
                    memcpy(a + dof, src + so, n);
                    if (lean_memcpy(b + dof, src + so, n) != b + dof || memcmp(a, b, sizeof a))
                        bad++;
                    memset(a + dof, (int)(n + 0x100), n);
                    if (lean_memset(b + dof, (int)(n + 0x100), n) != b + dof || memcmp(a, b, sizeof a))
                        bad++;
                }
        ok(bad == 0, "memcpy/memmove/memset agree with musl (%u mismatches)", bad);
    }
    {   /* every start offset (alignment) and length up to 40, every byte value sought */
        char a[96], b[96], src[96];
        size_t n, so, dof;
        int c;
        bad = 0;
        for (n = 0; n <= 40; n++)
            for (so = 0; so < 8; so++) {
                for (i = 0; i < sizeof src; i++)
                    src[i] = (char)(i * 37 % 255 + 1); /* no NUL but the one we put */
                src[so + n] = '\0';
                if (lean_strlen(src + so) != strlen(src + so))
                    bad++;
                for (dof = 0; dof < 8; dof++) {
                    memset(a, 'x', sizeof a);
                    memset(b, 'x', sizeof b);
                    if (strcpy(a + dof, src + so) != a + dof || lean_strcpy(b + dof, src + so) != b + dof ||
                        memcmp(a, b, sizeof a))
                        bad++;
                }
                for (c = -1; c < 256; c += 17)
                    if (lean_memchr(src + so, c, n + 1) != memchr(src + so, c, n + 1) ||
                        lean_memchr(src + so, src[so + n / 2], n) != memchr(src + so, src[so + n / 2], n))
                        bad++;
            }
        ok(bad == 0, "strlen/strcpy/memchr agree with musl (%u mismatches)", bad);
    }
    {   /* strchr, getenv */
        static const char *const names[] = { "PATH", "HOME", "LEAN_T", "LEAN_T=", "LEAN", "=", "", "LEAN_TT",
                                             "LEAN_T2" };
        const char *s = "a:b/c\xff";
        int c;
        bad = 0;
        for (c = -300; c < 300; c++)
            if (lean_strchr(s, c) != strchr(s, c) || lean_strchr(s + 5, c) != strchr(s + 5, c))
                bad++;
        setenv("LEAN_T", "v=1", 1);
        setenv("LEAN_T2", "", 1);
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (lean_getenv(names[i]) != getenv(names[i]))
                bad++, printf("# getenv(%s) differs\n", names[i]);
        ok(bad == 0, "strchr/getenv agree with musl (%u mismatches)", bad);
    }
    {   /* execvp: errors, the PATH walk, a script found on it */
        char dir[] = "/tmp/rocker-lean.XXXXXX", buf[600], path[700], lng[300], huge[2][PATH_MAX + 64];
        const char *const files[] = { "", "rocker-lean-t", "noexec", "rocker-lean-sh", "a/b", "sub", "nothere", lng };
        const char *paths[8];
        size_t hl;
        unsigned f, k;
        int fd;
        bad = 0;
        memset(lng, 'n', sizeof lng - 1);
        lng[sizeof lng - 1] = '\0';
        ok(mkdtemp(dir) != NULL, "execvp: a scratch dir");
        snprintf(buf, sizeof buf, "%s/noexec", dir);
        close(open(buf, O_CREAT | O_WRONLY, 0644));
        snprintf(buf, sizeof buf, "%s/notdir", dir);
        close(open(buf, O_CREAT | O_WRONLY, 0755));
        snprintf(buf, sizeof buf, "%s/sub", dir);
        mkdir(buf, 0755);
        snprintf(buf, sizeof buf, "%s/rocker-lean-sh", dir);
        fd = open(buf, O_CREAT | O_WRONLY, 0755);
        ok(fd >= 0 && write(fd, "#!/bin/sh\nexit 7\n", 18) == 18, "execvp: a script that exits 7");
        close(fd);
        snprintf(path, sizeof path, "%s/notdir:%s/nothere::%s", dir, dir, dir);
        paths[0] = NULL;
        paths[1] = dir;
        paths[2] = path;
        paths[3] = "";
        paths[4] = ":";
        paths[5] = "/nonexistent-lean";
        /* a first entry of PATH_MAX bytes (musl skips it) or PATH_MAX - 1
         * (tried: ENAMETOOLONG), then the dir */
        for (k = 0; k < 2; k++) {
            hl = PATH_MAX - k;
            memset(huge[k], 'h', hl);
            huge[k][0] = '/';
            snprintf(huge[k] + hl, sizeof huge[k] - hl, ":%s", dir);
            paths[6 + k] = huge[k];
        }
        for (f = 0; f < sizeof files / sizeof files[0]; f++)
            for (k = 0; k < 8; k++) {
                int a = exec_status(0, files[f], paths[k]), b = exec_status(1, files[f], paths[k]);
                if (a != b || a < 0)
                    bad++, printf("# execvp(%.20s) PATH=%.60s: musl %d, lean %d\n", files[f], paths[k] ? paths[k] : "(unset)",
                                  a, b);
            }
        ok(bad == 0, "execvp agrees with musl on %u cases (%u mismatches)", (unsigned)(sizeof files / sizeof files[0] * 8),
           bad);
        snprintf(buf, sizeof buf, "rm -rf %s", dir);
        ok(exec_status(1, "rocker-lean-sh", dir) == 7, "execvp: the script on PATH runs (exit 7)");
        if (system(buf) != 0)
            printf("# could not remove %s\n", dir);
    }
#endif
    return tap_done();
}
