/* lean.c -- smaller stand-ins for a few musl (and libgcc) functions, linked
 * into the static `rocker` CLI only (rocker.mk), never into programs that
 * include rocker.h. A static link takes a symbol from an object before it
 * searches libc.a, so each definition here keeps libc's member out, and with
 * it what that member drags in (doc/SIZE.md has the bytes per target):
 *
 *   strtol, strtoul  musl's are stdio-based (__intscan, shgetc, __uflow and
 *                    the stdio exit machinery)
 *   getcwd           musl's pulls strdup, malloc and mmap for getcwd(NULL, 0)
 *   setgroups, setresuid, setresgid
 *                    musl's apply the change to every thread (__synccall,
 *                    semaphores, __timedwait, clock_gettime, the vDSO)
 *   fork             musl's takes every libc lock first when threads exist
 *                    (pthread rwlocks, __timedwait ...)
 *   ioctl, recvmsg   32-bit: musl's convert time64 structures rocker never
 *                    passes (SIOCGSTAMP, SCM_TIMESTAMP)
 *   fcntl            musl's emulates F_DUPFD_CLOEXEC for pre-2.6.24 kernels
 *                    (after 2.6.24 its result is the kernel's) and makes
 *                    F_SETLKW a cancellation point (~400 B on MIPS)
 *   socket, pipe2    musl's retry without SOCK_CLOEXEC/O_CLOEXEC and then
 *                    fcntl() when a pre-2.6.27 kernel refuses the flag;
 *                    every kernel rocker runs on (3.8+) takes it, and there
 *                    the retry fails as the first call did
 *   __udivdi3, __umoddi3
 *                    MIPS: libgcc's 64-bit divisions, ~2.2 KB
 *   memcpy, memmove, memset
 *                    MIPS: musl's are unrolled C, ~1.8 KB
 *   strlen, strcpy, memchr
 *                    MIPS: musl's go a word at a time (strcpy through
 *                    stpcpy), ~450 B for strings of a few hundred bytes
 *   strchr, getenv, execvp
 *                    MIPS: musl's go through its word-at-a-time strchrnul,
 *                    execvp through execvpe and strnlen (~600 B)
 *
 * Each is exactly the libc function for a single-threaded process, which the
 * CLI is (it never creates a thread; its children are fork()s). Only built
 * with musl: with any other libc this file is empty.
 */
#define _GNU_SOURCE
#include <limits.h> /* first: glibc's defines __GLIBC__ */
#if !defined(__GLIBC__) && !defined(__UCLIBC__) && !defined(__BIONIC__)
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>

/* musl's public _Fork (1.2.2+): the fork system call plus the child's own
 * libc bookkeeping (tid, robust list, the abort lock). */
pid_t _Fork(void);

/* ---- strtol, strtoul, strtoull --------------------------------------------- */

/* Scans [space][sign][0x]digits in `base` (0, 2..36) as C says: returns
 * the magnitude (saturated at `max`, *ovf set), *neg for '-', and where
 * the number ended (nptr itself when there is none). errno as musl 1.2.3
 * sets it (tests/test_lean.c compares the two). */
static unsigned long long lean_scan(const char *nptr, char **endptr, int base, int *neg, int *ovf,
                                    unsigned long long max)
{
    const unsigned char *s = (const unsigned char *)nptr;
    unsigned long long v = 0;
    int any = 0;
    *neg = 0;
    *ovf = 0;
    if (base < 0 || base == 1 || base > 36) {
        errno = EINVAL;
        if (endptr)
            *endptr = (char *)nptr;
        return 0;
    }
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    if (*s == '+' || *s == '-')
        *neg = *s++ == '-';
    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] | 32) == 'x') {
        unsigned c = s[2], h = (c | 32) - 'a';
        if (c - '0' < 10 || h < 6) { /* "0x" counts only with a hex digit after it */
            s += 2;
            base = 16;
        }
    }
    if (base == 0)
        base = *s == '0' ? 8 : 10;
    for (;; s++) {
        unsigned c = *s, d;
        if (c - '0' < 10)
            d = c - '0';
        else if ((c | 32) - 'a' < 26)
            d = (c | 32) - 'a' + 10;
        else
            break;
        if (d >= (unsigned)base)
            break;
        any = 1;
        if (v > (max - d) / (unsigned)base)
            *ovf = 1;
        else
            v = v * (unsigned)base + d;
    }
    if (endptr)
        *endptr = (char *)(any ? (const char *)s : nptr);
    if (!any) { /* musl says EINVAL when there is no number at all */
        *neg = 0;
        errno = EINVAL;
    }
    return *ovf ? max : v;
}

unsigned long strtoul(const char *nptr, char **endptr, int base)
{
    int neg, ovf;
    unsigned long v = (unsigned long)lean_scan(nptr, endptr, base, &neg, &ovf, ULONG_MAX);
    if (ovf) {
        errno = ERANGE;
        return ULONG_MAX;
    }
    return neg ? 0ul - v : v;
}

unsigned long long strtoull(const char *nptr, char **endptr, int base)
{
    int neg, ovf;
    unsigned long long v = lean_scan(nptr, endptr, base, &neg, &ovf, ULLONG_MAX);
    if (ovf) {
        errno = ERANGE;
        return ULLONG_MAX;
    }
    return neg ? 0ull - v : v;
}

long strtol(const char *nptr, char **endptr, int base)
{
    int neg, ovf;
    unsigned long v = (unsigned long)lean_scan(nptr, endptr, base, &neg, &ovf, ULONG_MAX);
    unsigned long lim = neg ? 0ul - (unsigned long)LONG_MIN : (unsigned long)LONG_MAX;
    if (ovf || v > lim) {
        errno = ERANGE;
        return neg ? LONG_MIN : LONG_MAX;
    }
    return neg ? (long)(0ul - v) : (long)v;
}

/* ---- getcwd, credentials, fork -------------------------------------------- */

/* The caller's buffer only: getcwd(NULL, n) is ENOMEM here (rocker never
 * asks libc to allocate). */
char *getcwd(char *buf, size_t size)
{
    long r;
    if (!buf) {
        errno = ENOMEM;
        return 0;
    }
    if (!size) {
        errno = EINVAL;
        return 0;
    }
    r = syscall(SYS_getcwd, buf, size);
    if (r < 0)
        return 0;
    if (r == 0 || buf[0] != '/') { /* "(unreachable)/..." */
        errno = ENOENT;
        return 0;
    }
    return buf;
}

/* The 32-bit-id calls where the arch also has 16-bit ones (ARM EABI). */
#ifdef SYS_setresuid32
#define LEAN_SETRESUID SYS_setresuid32
#define LEAN_SETRESGID SYS_setresgid32
#define LEAN_SETGROUPS SYS_setgroups32
#else
#define LEAN_SETRESUID SYS_setresuid
#define LEAN_SETRESGID SYS_setresgid
#define LEAN_SETGROUPS SYS_setgroups
#endif

int setresuid(uid_t r, uid_t e, uid_t s)
{
    return (int)syscall(LEAN_SETRESUID, r, e, s);
}

int setresgid(gid_t r, gid_t e, gid_t s)
{
    return (int)syscall(LEAN_SETRESGID, r, e, s);
}

int setgroups(size_t n, const gid_t *list)
{
    return (int)syscall(LEAN_SETGROUPS, n, list);
}

/* With no threads and no pthread_atfork handlers musl's fork() is _Fork(). */
pid_t fork(void)
{
    return _Fork();
}

/* ---- fcntl, socket, pipe2 without the fallbacks for old kernels ----------- */

#ifdef SYS_fcntl64
#define LEAN_FCNTL SYS_fcntl64 /* 32-bit: the struct flock with a 64-bit off_t */
#else
#define LEAN_FCNTL SYS_fcntl
#endif

int fcntl(int fd, int cmd, ...)
{
    long arg;
    va_list ap;
    va_start(ap, cmd);
    arg = va_arg(ap, long);
    va_end(ap);
    if (cmd == F_SETFL)
        arg |= O_LARGEFILE;
    if (cmd == F_GETOWN) { /* a process group as a negative number, as POSIX says */
        struct f_owner_ex ex;
        if (syscall(LEAN_FCNTL, fd, F_GETOWN_EX, &ex))
            return -1;
        return ex.type == F_OWNER_PGRP ? -ex.pid : ex.pid;
    }
    return (int)syscall(LEAN_FCNTL, fd, cmd, arg);
}


int socket(int domain, int type, int protocol)
{
    return (int)syscall(SYS_socket, domain, type, protocol);
}

/* pipe2(fd, 0) is pipe(fd) (musl calls pipe() for it: the same two fds) */
int pipe2(int fd[2], int flags)
{
    return (int)syscall(SYS_pipe2, fd, flags);
}

/* ---- 32-bit: ioctl, recvmsg without the time64 conversions ---------------- */

#if ULONG_MAX == 0xffffffffUL
int ioctl(int fd, int req, ...)
{
    void *arg;
    va_list ap;
    va_start(ap, req);
    arg = va_arg(ap, void *);
    va_end(ap);
    return (int)syscall(SYS_ioctl, fd, req, arg);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    return syscall(SYS_recvmsg, fd, msg, flags);
}
#endif

/* ---- MIPS: byte-loop memcpy, memmove, memset ----------------------------- */

/* musl's MIPS string functions are its unrolled C ones (~1.8 KB for the
 * three); the CLI copies a few KB per run. The attribute keeps gcc from
 * turning the loops back into calls to themselves. */
#if defined(__mips__)
#include <stdint.h>
#include <string.h>
#define LEAN_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

LEAN_NO_LIBCALLS void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

LEAN_NO_LIBCALLS void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if ((uintptr_t)dp - (uintptr_t)sp >= n) /* d before s, or no overlap */
        return memcpy(d, s, n);
    while (n--)
        dp[n] = sp[n];
    return d;
}

LEAN_NO_LIBCALLS void *memset(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}

LEAN_NO_LIBCALLS size_t strlen(const char *s)
{
    const char *e = s;
    while (*e)
        e++;
    return (size_t)(e - s);
}

LEAN_NO_LIBCALLS char *strcpy(char *restrict d, const char *restrict s)
{
    char *dp = d;
    while ((*dp++ = *s++))
        ;
    return d;
}

LEAN_NO_LIBCALLS void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (; n; n--, p++)
        if (*p == (unsigned char)c)
            return (void *)p;
    return 0;
}

LEAN_NO_LIBCALLS char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return 0;
    }
}

extern char **environ;

char *getenv(const char *name)
{
    size_t l = 0;
    char **e;
    while (name[l] && name[l] != '=')
        l++;
    if (l && !name[l] && environ)
        for (e = environ; *e; e++)
            if (!strncmp(name, *e, l) && (*e)[l] == '=')
                return *e + l + 1;
    return 0;
}

/* As musl: a name with a '/' as is; else each $PATH entry (default
 * /usr/local/bin:/bin:/usr/bin; an empty one is the cwd, one of PATH_MAX
 * bytes or more is skipped) until an execve fails otherwise than
 * ENOENT/ENOTDIR/EACCES; EACCES if any entry gave it, else the last errno. */
int execvp(const char *file, char *const argv[])
{
    const char *p, *z, *path = getenv("PATH");
    size_t k = 0;
    int seen_eacces = 0;
    char b[PATH_MAX + NAME_MAX + 1];

    errno = ENOENT;
    if (!*file)
        return -1;
    if (strchr(file, '/'))
        return execve(file, argv, environ);
    if (!path)
        path = "/usr/local/bin:/bin:/usr/bin";
    while (k <= NAME_MAX && file[k])
        k++;
    if (k > NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (p = path;; p = z + 1) {
        for (z = p; *z && *z != ':'; z++)
            ;
        /* musl skips entries of min(strlen(PATH) + 1, PATH_MAX) bytes or
         * more: no entry is longer than PATH, so those of PATH_MAX or more */
        if (z - p < PATH_MAX) {
            memcpy(b, p, (size_t)(z - p));
            b[z - p] = '/';
            memcpy(b + (z - p) + (z > p), file, k + 1);
            execve(b, argv, environ);
            if (errno == EACCES)
                seen_eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR)
                return -1;
        }
        if (!*z)
            break;
    }
    if (seen_eacces)
        errno = EACCES;
    return -1;
}
#endif

/* ---- MIPS: 64-bit division by shift and subtract ------------------------- */

#if defined(__mips__) && ULONG_MAX == 0xffffffffUL
static unsigned long long lean_udivmod(unsigned long long n, unsigned long long d, unsigned long long *rem)
{
    unsigned long long q = 0, r = 0;
    int i;
    for (i = 0; i < 64; i++) {
        r = r << 1 | n >> 63;
        n <<= 1;
        q <<= 1;
        if (r >= d) {
            r -= d;
            q |= 1;
        }
    }
    *rem = r;
    return q;
}

unsigned long long __udivdi3(unsigned long long n, unsigned long long d);
unsigned long long __umoddi3(unsigned long long n, unsigned long long d);

unsigned long long __udivdi3(unsigned long long n, unsigned long long d)
{
    unsigned long long r;
    return lean_udivmod(n, d, &r);
}

unsigned long long __umoddi3(unsigned long long n, unsigned long long d)
{
    unsigned long long r;
    lean_udivmod(n, d, &r);
    return r;
}
#endif

#else
typedef int rocker_lean_unused; /* ISO C: no empty translation unit */
#endif
