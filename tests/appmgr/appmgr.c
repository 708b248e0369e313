/*
 * rocker-appmgr -- the seed's deployment in one small program: an app
 * manager that links rocker.h, starts N Apps of the seed's configuration
 * (overlays /usr /var /etc /home /root, uid/gid 1000, a data dir each,
 * app_id i) one after another, and stays the parent that reaps them all,
 * as a router's app manager does.  The router guest (qemu/guest-router.sh,
 * rocker.client=api) uses it to measure what a sandbox costs without the
 * CLI's per-sandbox keeper process.
 *
 *   rocker-appmgr N PKG EXEC_DIR DATA_PREFIX FLOOR_KB -- PROGRAM [ARGS...]
 *
 * Sandbox i gets the data dir DATA_PREFIX-i (made if missing).  Prints
 * `i GUARD_PID GUARD_NAME APP_PID` per started sandbox, `error i: MESSAGE`
 * for a refusal, `stopped i: MemAvailable K kB < FLOOR_KB` when the machine
 * runs short (FLOOR_KB 0: never), then `ready N_STARTED`; stdout is flushed
 * after each line.  Then it reaps its Apps and exits 0 once none is left.
 */
#define _GNU_SOURCE 1
#include "rocker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char **prog;

static int app_main(void *arg)
{
    int fd = open("/dev/null", O_RDWR);
    (void)arg;
    /* not the manager's report (a pipe, or a file being read) */
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
    }
    execv(prog[0], prog);
    return 127;
}

/* MemAvailable from /proc/meminfo, kB (-1 if unknown). */
static long mem_avail(void)
{
    char line[128];
    long v = -1;
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %ld", &v) == 1)
            break;
    fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    static char o_usr[] = "/usr", o_var[] = "/var", o_etc[] = "/etc", o_home[] = "/home", o_root[] = "/root";
    char *const overlays[] = {o_usr, o_var, o_etc, o_home, o_root};
    char data[256], msg[160];
    long n, floor_kb, i, up = 0, mf;
    unsigned k;
    if (argc < 8 || strcmp(argv[6], "--") != 0) {
        fprintf(stderr, "usage: rocker-appmgr N PKG EXEC_DIR DATA_PREFIX FLOOR_KB -- PROGRAM [ARGS...]\n");
        return 2;
    }
    n = strtol(argv[1], NULL, 10);
    floor_kb = strtol(argv[5], NULL, 10);
    prog = argv + 7;
    for (i = 1; i <= n; i++) {
        RockerRequest req = ROCKER_request_new();
        RockerResult res;
        snprintf(data, sizeof data, "%s-%ld", argv[4], i);
        if (mkdir(data, 0755) < 0 && errno != EEXIST) {
            printf("error %ld: mkdir %s: %s\n", i, data, strerror(errno));
            fflush(stdout);
            continue;
        }
        req.uid = req.gid = 1000;
        req.app_id = (int)i;
        req.app_pkg_path = argv[2];
        req.app_exec_dir = argv[3];
        req.app_data_dir = data;
        for (k = 0; k < sizeof overlays / sizeof overlays[0]; k++)
            req.app_overlay_dirs[k] = overlays[k];
        res = ROCKER_enter_rocker(&req, app_main, NULL);
        if (res.err_no != ROCKER_ERR_success) {
            ROCKER_strerror_r(&res, msg, sizeof msg);
            printf("error %ld: %s\n", i, msg);
        } else {
            printf("%ld %d %s %d\n", i, (int)res.guard_pid, res.guard_pname, (int)res.app_pid);
            up++;
        }
        fflush(stdout);
        if (floor_kb > 0 && (mf = mem_avail()) >= 0 && mf < floor_kb) {
            printf("stopped %ld: MemAvailable %ld kB < %ld kB\n", i, mf, floor_kb);
            break;
        }
    }
    printf("ready %ld\n", up);
    fflush(stdout);
    fclose(stdout);
    while (wait(NULL) > 0 || errno == EINTR)
        ;
    return 0;
}
