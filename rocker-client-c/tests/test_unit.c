/* test_unit.c -- host unit tests for the pure parts of rocker.h: names,
 * messages, ROCKER_get_guardname, request defaults, client-side validation,
 * no-server errors, ROCKER_kill_guard's name check, and fd leaks. No root. */
#define _GNU_SOURCE 1
#include "rocker.h"
#include "tap.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>

static int app_noop(void *arg)
{
    (void)arg;
    return 0;
}

static const char *self_base = "";
static char long_path[ROCKER_PATH_MAX + 8];
static char ov_long[ROCKER_OVERLAY_LEN + 8];

static RockerRequest good_req(void)
{
    RockerRequest q = ROCKER_request_new();
    q.uid = q.gid = 1000;
    q.app_pkg_path = (char *)"/nonexistent/rocker-test/app.sqfs";
    q.app_exec_dir = (char *)"/var/app/exec";
    q.app_data_dir = (char *)"/tmp/app-data";
    q.app_overlay_dirs[0] = (char *)"/var";
    q.app_overlay_dirs[1] = (char *)"/etc";
    return q;
}

static int res_is(RockerResult r, int err, int e, int step)
{
    return (int)r.err_no == err && r.sys_errno == e && r.step == step;
}

static void show(const char *what, RockerResult r)
{
    char b[160], line[256];
    snprintf(line, sizeof line, "%s -> %s", what, ROCKER_strerror_r(&r, b, sizeof b));
    diag(line);
}

static void test_names(void)
{
    static const char *const errs[] = {
        "unknown", "success", "sys", "param_invalid", "server_unaddr_invalid",
        "gen_local_addr_failed", "send_req_failed", "recv_resp_failed",
        "build_rocker_failed", "enter_rocker_failed", "app_exec_failed",
        "get_guardname_failed", "no_server", "pkg_missing", "pkg_not_squashfs",
        "path_relative", "path_too_long", "path_invalid", "overlay_invalid",
        "bad_message", "permission_denied", "busy", "no_loop_device",
        "data_dir_invalid", "exec_dir_invalid", "id_map_failed"
    };
    static const struct { int n; const char *name; } steps[] = {
        { 0, "none" }, { 1, "validate" }, { 2, "peer_cred" }, { 3, "pkg_check" },
        { 4, "clone_guard" }, { 5, "make_private" }, { 6, "open_data_dir" },
        { 7, "mkdir_layer" }, { 8, "mount_overlay" }, { 9, "loop_control" },
        { 10, "loop_get_free" }, { 11, "loop_configure" }, { 12, "loop_set_fd" },
        { 13, "loop_set_status" }, { 14, "mkdir_exec_dir" }, { 15, "mount_squashfs" },
        { 16, "mount_proc" }, { 17, "unshare_user" }, { 18, "setgroups" },
        { 19, "gid_map" }, { 20, "uid_map" }, { 21, "open_ns" }, { 22, "reply" },
        { 32, "connect" }, { 33, "send" }, { 34, "recv" }, { 35, "open_pkg" },
        { 36, "fork_helper" }, { 37, "setns_mnt" }, { 38, "setns_pid" },
        { 39, "setns_user" }, { 40, "drop_groups" }, { 41, "setresgid" },
        { 42, "setresuid" }, { 43, "drop_caps" }, { 44, "clone_app" },
        { 45, "register_app" }, { 46, "guard_timeout" }
    };
    static const struct { int e; const char *name; } errnos[] = {
#define E(x) { x, #x }
        E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
        E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
        E(EFAULT), E(ENOTBLK), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV),
        E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
        E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK),
        E(EPIPE), E(ERANGE), E(ENAMETOOLONG), E(ENOSYS), E(ELOOP), E(ENOTSOCK),
        E(EPROTO), E(EOPNOTSUPP), E(ECONNREFUSED), E(ECONNRESET), E(ETIMEDOUT),
        E(ENOTCONN)
#undef E
    };
    int i, bad = 0;
    char want[64];

    /* enum values: seed order, then PROTOCOL.md's numbers */
    ok(ROCKER_ERR_unknown == -1 && ROCKER_ERR_success == 0 && ROCKER_ERR_sys == 1 &&
       ROCKER_ERR_param_invalid == 2 && ROCKER_ERR_server_unaddr_invalid == 3 &&
       ROCKER_ERR_gen_local_addr_failed == 4 && ROCKER_ERR_send_req_failed == 5 &&
       ROCKER_ERR_recv_resp_failed == 6 && ROCKER_ERR_build_rocker_failed == 7 &&
       ROCKER_ERR_enter_rocker_failed == 8 && ROCKER_ERR_app_exec_failed == 9 &&
       ROCKER_ERR_get_guardname_failed == 10, "seed error codes keep the seed's values");
    ok(ROCKER_ERR_no_server == 11 && ROCKER_ERR_pkg_missing == 12 &&
       ROCKER_ERR_pkg_not_squashfs == 13 && ROCKER_ERR_path_relative == 14 &&
       ROCKER_ERR_path_too_long == 15 && ROCKER_ERR_path_invalid == 16 &&
       ROCKER_ERR_overlay_invalid == 17 && ROCKER_ERR_bad_message == 18 &&
       ROCKER_ERR_permission_denied == 19 && ROCKER_ERR_busy == 20 &&
       ROCKER_ERR_no_loop_device == 21 && ROCKER_ERR_data_dir_invalid == 22 &&
       ROCKER_ERR_exec_dir_invalid == 23 && ROCKER_ERR_id_map_failed == 24,
       "appended error codes have PROTOCOL.md's numbers");

    for (i = -1; i <= ROCKER_ERR_MAX; i++) {
        snprintf(want, sizeof want, "ROCKER_ERR_%s", errs[i + 1]);
        if (strcmp(ROCKER_err_name(i), want) != 0) {
            bad++;
            printf("# err %d: got %s want %s\n", i, ROCKER_err_name(i), want);
        }
    }
    ok(!bad, "ROCKER_err_name for all %d codes", ROCKER_ERR_MAX + 2);
    ok(!strcmp(ROCKER_err_name(-2), "ROCKER_ERR_?") && !strcmp(ROCKER_err_name(25), "ROCKER_ERR_?") &&
       !strcmp(ROCKER_err_name(1 << 30), "ROCKER_ERR_?"), "ROCKER_err_name out of range -> ROCKER_ERR_?");

    bad = 0;
    for (i = 0; i < (int)(sizeof steps / sizeof steps[0]); i++)
        if (strcmp(ROCKER_step_name(steps[i].n), steps[i].name) != 0) {
            bad++;
            printf("# step %d: got %s\n", steps[i].n, ROCKER_step_name(steps[i].n));
        }
    ok(!bad, "ROCKER_step_name for all %d steps", (int)(sizeof steps / sizeof steps[0]));
    ok(ROCKER_STEP_guard_timeout == 46 && ROCKER_STEP_connect == 32 && ROCKER_STEP_reply == 22,
       "ROCKER_STEP_* constants");
    ok(!strcmp(ROCKER_step_name(23), "?") && !strcmp(ROCKER_step_name(31), "?") &&
       !strcmp(ROCKER_step_name(47), "?") && !strcmp(ROCKER_step_name(-1), "?") &&
       !strcmp(ROCKER_step_name(65535), "?"), "ROCKER_step_name unknown -> ?");

    bad = 0;
    for (i = 0; i < (int)(sizeof errnos / sizeof errnos[0]); i++)
        if (strcmp(ROCKER_errno_name(errnos[i].e), errnos[i].name) != 0) {
            bad++;
            printf("# errno %d: got %s want %s\n", errnos[i].e, ROCKER_errno_name(errnos[i].e),
                   errnos[i].name);
        }
    ok(!bad, "ROCKER_errno_name for the %d required errnos", (int)(sizeof errnos / sizeof errnos[0]));
    ok(!strcmp(ROCKER_errno_name(0), "E?") && !strcmp(ROCKER_errno_name(-1), "E?") &&
       !strcmp(ROCKER_errno_name(4095), "E?"), "ROCKER_errno_name unknown -> E?");
}

static void test_strerror(void)
{
    RockerResult r;
    char b[160], want[160];

    memset(&r, 0, sizeof r);
    r.err_no = ROCKER_ERR_pkg_not_squashfs;
    r.sys_errno = EINVAL;
    r.step = ROCKER_STEP_pkg_check;
    snprintf(want, sizeof want, "ROCKER_ERR_pkg_not_squashfs: EINVAL (%d) at pkg_check", EINVAL);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), want), "strerror: %s", b);

    r.err_no = ROCKER_ERR_overlay_invalid;
    r.sys_errno = ENOTDIR;
    r.step = ROCKER_STEP_validate;
    r.index = 3;
    snprintf(want, sizeof want, "ROCKER_ERR_overlay_invalid: ENOTDIR (%d) at validate (overlay 3)",
             ENOTDIR);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), want), "strerror with overlay index: %s", b);

    memset(&r, 0, sizeof r);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), "ROCKER_ERR_success"), "strerror success: %s", b);

    r.err_no = (ROCKER_ERR)77;
    r.sys_errno = 4000;
    r.step = 99;
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), "ROCKER_ERR_? (77): E? (4000) at step 99"),
       "strerror unknown values: %s", b);

    memset(b, 'x', sizeof b);
    r.err_no = ROCKER_ERR_busy;
    ROCKER_strerror_r(&r, b, 8);
    ok(!strcmp(b, "ROCKER_") && b[8] == 'x', "strerror truncates to n-1 and NUL-terminates");
    b[0] = 'x';
    ROCKER_strerror_r(&r, b, 0);
    ok(b[0] == 'x', "strerror with n = 0 writes nothing");
    ok(ROCKER_strerror_r(NULL, b, sizeof b) == b && b[0] == '\0', "strerror(NULL) -> empty");
}

static void test_guardname(void)
{
    RockerResult r;
    char comm[32] = "", path[64];
    FILE *f;
    pid_t child;
    int st, p[2], maxpid = 4194304;

    f = fopen("/proc/self/comm", "r");
    if (f) {
        if (fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
    }
    r = ROCKER_get_guardname((int)getpid());
    /* qemu-user fakes /proc/self/stat with argv[0]'s basename, not comm */
    ok(r.err_no == ROCKER_ERR_success && r.guard_pid == (int)getpid() &&
       (!strcmp(r.guard_pname, comm) || !strncmp(r.guard_pname, self_base, 15)),
       "get_guardname(self) = '%s' (comm '%s')", r.guard_pname, comm);

    /* A comm with parentheses and spaces: the LAST ')' ends it. */
    if (pipe(p) == 0) {
        child = fork();
        if (child == 0) {
            prctl(PR_SET_NAME, "a) b (c) d)", 0, 0, 0);
            if (write(p[1], "x", 1) < 0)
                _exit(1);
            for (;;)
                pause(); /* until the parent has looked */
        }
        {
            char c;
            if (read(p[0], &c, 1) != 1)
                c = 0;
        }
        r = ROCKER_get_guardname((int)child);
        ok(r.err_no == ROCKER_ERR_success && !strcmp(r.guard_pname, "a) b (c) d)"),
           "get_guardname reads up to the last ')': '%s'", r.guard_pname);
        kill(child, SIGKILL);
        waitpid(child, &st, 0);
        close(p[0]);
        close(p[1]);
    }

    f = fopen("/proc/sys/kernel/pid_max", "r");
    if (f) {
        if (fscanf(f, "%d", &maxpid) != 1)
            maxpid = 4194304;
        fclose(f);
    }
    r = ROCKER_get_guardname(maxpid); /* pids are < pid_max: never exists */
    ok(r.err_no == ROCKER_ERR_get_guardname_failed && r.sys_errno == ESRCH && r.guard_pid == 0,
       "get_guardname(pid_max=%d) -> get_guardname_failed ESRCH", maxpid);
    r = ROCKER_get_guardname(0);
    ok(r.err_no == ROCKER_ERR_get_guardname_failed && r.sys_errno == ESRCH, "get_guardname(0) fails");
    r = ROCKER_get_guardname(-5);
    ok(r.err_no == ROCKER_ERR_get_guardname_failed && r.sys_errno == ESRCH, "get_guardname(-5) fails");
    (void)path;
}

static void test_request_new(void)
{
    RockerRequest q = ROCKER_request_new();
    int i, nulls = 1;
    for (i = 0; i < 16; i++)
        nulls &= q.app_overlay_dirs[i] == NULL;
    ok(q.app_id == 0 && q.uid == 65534 && q.gid == 65534 && q.run_flags == 0 &&
       !q.app_pkg_path && !q.app_exec_dir && !q.app_data_dir && nulls,
       "ROCKER_request_new defaults: app_id 0, uid/gid 65534, NULLs, run_flags 0");
    ok(ROCKER_RUN_LEGACY_LOOP == 1, "ROCKER_RUN_LEGACY_LOOP == 1");
}

static void test_validation(void)
{
    RockerRequest q;
    RockerResult r;
    int fd0 = count_fds();

    r = ROCKER_enter_rocker(NULL, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "NULL request -> param_invalid");
    q = good_req();
    r = ROCKER_enter_rocker(&q, NULL, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "NULL app -> param_invalid");

    q = good_req();
    q.app_pkg_path = NULL;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "NULL pkg -> param_invalid");
    q = good_req();
    q.app_exec_dir = NULL;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "NULL exec dir -> param_invalid");
    q = good_req();
    q.app_data_dir = NULL;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "NULL data dir -> param_invalid");

    q = good_req();
    q.app_pkg_path = (char *)"app.sqfs";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_relative, EINVAL, ROCKER_STEP_validate), "relative pkg -> path_relative");
    q = good_req();
    q.app_data_dir = (char *)"./data";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_relative, EINVAL, ROCKER_STEP_validate), "relative data dir -> path_relative");
    q = good_req();
    q.app_overlay_dirs[1] = (char *)"etc";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_relative, EINVAL, ROCKER_STEP_validate) && r.index == 1,
       "relative overlay[1] -> path_relative, index 1");
    q = good_req();
    q.app_exec_dir = (char *)"";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_invalid, EINVAL, ROCKER_STEP_validate), "empty exec dir -> path_invalid");

    memset(long_path, 'a', sizeof long_path - 1);
    long_path[0] = '/';
    long_path[ROCKER_PATH_MAX] = '\0'; /* 256 chars: one too many */
    q = good_req();
    q.app_exec_dir = long_path;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_too_long, ENAMETOOLONG, ROCKER_STEP_validate),
       "256-char exec dir -> path_too_long ENAMETOOLONG");
    long_path[ROCKER_PATH_MAX - 1] = '\0'; /* 255 chars: fits */
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_pkg_missing, ENOENT, ROCKER_STEP_open_pkg),
       "255-char exec dir fits (then pkg_missing)");

    memset(ov_long, 'o', sizeof ov_long - 1);
    ov_long[0] = '/';
    ov_long[ROCKER_OVERLAY_LEN] = '\0';
    q = good_req();
    q.app_overlay_dirs[2] = ov_long;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_too_long, ENAMETOOLONG, ROCKER_STEP_validate) && r.index == 2,
       "64-char overlay[2] -> path_too_long, index 2");

    q = good_req();
    q.app_overlay_dirs[2] = NULL;
    q.app_overlay_dirs[5] = (char *)"/home";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate) && r.index == 5,
       "overlay list with a gap -> param_invalid, index 5");

    q = good_req();
    q.uid = 0;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "uid 0 -> param_invalid");
    q = good_req();
    q.gid = 0x7fffffff;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "gid 0x7fffffff -> param_invalid");
    q = good_req();
    q.app_id = -1;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "app_id -1 -> param_invalid");
    q = good_req();
    q.run_flags = 2;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "unknown run_flags bit -> param_invalid");

    q = good_req();
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_pkg_missing, ENOENT, ROCKER_STEP_open_pkg) && r.app_pid == 0 && r.guard_pid == 0,
       "missing package -> pkg_missing ENOENT at open_pkg");
    show("missing package", r);
    q.app_pkg_path = (char *)"/proc/self/nonexistent-dir/x";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(r.err_no == ROCKER_ERR_pkg_missing || r.err_no == ROCKER_ERR_sys, "bad package path -> %s",
       ROCKER_err_name(r.err_no));

    ok(count_fds() == fd0, "no fd leaked by validation failures (%d fds)", fd0);
}

static void test_no_server(void)
{
    RockerRequest q = good_req();
    RockerResult r;
    struct rocker_list_entry e[2];
    char dir[] = "/tmp/rocker-unit-XXXXXX", sock[80], longp[200];
    int fd0 = count_fds(), count = -1, i, s;
    struct sockaddr_un sa;

    q.app_pkg_path = (char *)"/etc/hostname";
    if (access(q.app_pkg_path, R_OK) != 0)
        q.app_pkg_path = (char *)"/proc/self/stat";
    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        return;
    }
    snprintf(sock, sizeof sock, "%s/none.sock", dir);
    setenv("ROCKER_SOCKET", sock, 1);
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_no_server, ENOENT, ROCKER_STEP_connect),
       "ROCKER_SOCKET to a missing path -> no_server ENOENT at connect");
    show("no server", r);
    r = ROCKER_list(e, 2, &count);
    ok(res_is(r, ROCKER_ERR_no_server, ENOENT, ROCKER_STEP_connect) && count == 0,
       "ROCKER_list with no server -> no_server");

    /* a bound socket that nobody listens on -> ECONNREFUSED */
    s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    if (s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0) {
        r = ROCKER_enter_rocker(&q, app_noop, NULL);
        ok(res_is(r, ROCKER_ERR_no_server, ECONNREFUSED, ROCKER_STEP_connect),
           "socket not listening -> no_server ECONNREFUSED");
    } else {
        ok(0, "bind %s", sock);
    }
    if (s >= 0)
        close(s);
    unlink(sock);

    memset(longp, 'x', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = '\0';
    setenv("ROCKER_SOCKET", longp, 1);
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_server_unaddr_invalid, ENAMETOOLONG, ROCKER_STEP_connect),
       "socket path longer than sun_path -> server_unaddr_invalid");
    r = ROCKER_list(e, 2, &count);
    ok(r.err_no == ROCKER_ERR_server_unaddr_invalid, "ROCKER_list too long socket path -> server_unaddr_invalid");
    r = ROCKER_list(NULL, 2, &count);
    ok(r.err_no == ROCKER_ERR_param_invalid, "ROCKER_list(NULL) -> param_invalid");

    setenv("ROCKER_SOCKET", sock, 1);
    for (i = 0; i < 200; i++) {
        r = ROCKER_enter_rocker(&q, app_noop, NULL);
        r = ROCKER_list(e, 2, &count);
    }
    ok(count_fds() == fd0, "no fd leaked after 400 failing calls (%d fds)", count_fds());
    unsetenv("ROCKER_SOCKET");
    rmdir(dir);
}

static void test_kill_guard(void)
{
    RockerResult r, n;
    pid_t child;
    int st, p[2], fd0 = count_fds();

    if (pipe(p) != 0) {
        ok(0, "pipe");
        return;
    }
    child = fork();
    if (child == 0) {
        prctl(PR_SET_NAME, "rk-victim", 0, 0, 0);
        if (write(p[1], "x", 1) < 0)
            _exit(1);
        for (;;)
            pause();
    }
    {
        char c;
        if (read(p[0], &c, 1) != 1)
            c = 0;
    }
    close(p[0]);
    close(p[1]);
    n = ROCKER_get_guardname((int)child);
    r = ROCKER_kill_guard((int)child, "rk-other", SIGKILL);
    ok(res_is(r, ROCKER_ERR_get_guardname_failed, ESRCH, ROCKER_STEP_none) &&
       waitpid(child, &st, WNOHANG) == 0, "kill_guard with the wrong name refuses, child still alive");
    r = ROCKER_kill_guard((int)child, NULL, SIGKILL);
    ok(r.err_no == ROCKER_ERR_param_invalid, "kill_guard(NULL name) -> param_invalid");
    r = ROCKER_kill_guard((int)child, n.guard_pname, SIGTERM);
    ok(r.err_no == ROCKER_ERR_success && waitpid(child, &st, 0) == child && WIFSIGNALED(st) &&
       WTERMSIG(st) == SIGTERM, "kill_guard with the right name ('%s') delivers SIGTERM", n.guard_pname);
    r = ROCKER_kill_guard((int)child, n.guard_pname, SIGTERM);
    ok(r.err_no == ROCKER_ERR_get_guardname_failed || r.err_no == ROCKER_ERR_sys,
       "kill_guard on a reaped pid fails: %s", ROCKER_err_name(r.err_no));
    ok(count_fds() == fd0, "kill_guard leaks no fd");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 0 && argv[0]) {
        const char *slash = strrchr(argv[0], '/');
        self_base = slash ? slash + 1 : argv[0];
    }
    test_names();
    test_strerror();
    test_guardname();
    test_request_new();
    test_validation();
    test_no_server();
    test_kill_guard();
    return tap_done();
}
