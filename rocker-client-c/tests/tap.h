/* tap.h -- minimal TAP-ish helpers for rocker's C tests.
 * Each check prints "ok N - what" or "not ok N - what"; finish with
 * tap_done(), which prints exactly "N passed, M failed" and returns the exit status. */
#ifndef ROCKER_TAP_H
#define ROCKER_TAP_H

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>

#if defined(__GNUC__)
#define TAP_UNUSED __attribute__((unused))
#else
#define TAP_UNUSED
#endif

static int tap_n, tap_failed;

/* Open fds of this process (for leak checks). */
TAP_UNUSED static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the DIR's own fd */
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
TAP_UNUSED static int ok(int cond, const char *fmt, ...)
{
    va_list ap;
    tap_n++;
    if (!cond)
        tap_failed++;
    printf("%sok %d - ", cond ? "" : "not ", tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    return cond;
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
TAP_UNUSED static void skip(const char *fmt, ...)
{
    va_list ap;
    tap_n++;
    printf("ok %d # skip ", tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

TAP_UNUSED static void diag(const char *s)
{
    printf("# %s\n", s);
    fflush(stdout);
}

TAP_UNUSED static int tap_done(void)
{
    printf("%d passed, %d failed\n", tap_n - tap_failed, tap_failed);
    fflush(stdout);
    return tap_failed ? 1 : 0;
}

#endif
