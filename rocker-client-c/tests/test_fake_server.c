/* test_fake_server.c -- the client's wire and setup paths against a fake
 * rocker-master: a forked child binds a SEQPACKET socket in /tmp, receives
 * the request, checks its bytes and the package fd, and answers as a given
 * scenario says (errors, malformed replies, missing/extra fds, silence, LIST).
 *
 * As root (and where user namespaces work) it also plays the master AND the
 * guard for real: new mnt+pid ns, a guard that unshares its user ns, id maps
 * "1000 1000 1", the 4 fds; then checks what the App sees (pid 2, uid/gid
 * 1000, no groups, no capabilities, no leaked fds), that the App is the
 * caller's child, and that the guard got the App's pidfd over ctl (or, built
 * with -DROCKER_NO_CLONE_PIDFD, that the App holds ctl instead).
 *
 * With $ROCKER_CLI set to a `rocker` binary, it also runs the CLI against
 * the fake server (ps table, kill, error messages, exit codes), through
 * $ROCKER_CLI_RUNNER if set (qemu-user for another architecture).
 */
#define _GNU_SOURCE 1
#ifndef ROCKER_REPLY_TIMEOUT_MS
#define ROCKER_REPLY_TIMEOUT_MS 500 /* the timeout scenario waits this long */
#endif
#include "rocker.h"
#include "tap.h"

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>

enum scenario {
    S_ERR,          /* check the request bytes + fd; reply pkg_not_squashfs */
    S_ERR_OVERLAY,  /* reply overlay_invalid index 3 */
    S_BAD_MAGIC,
    S_BAD_SIZE,     /* 16-byte reply */
    S_CLOSE,        /* close without a reply */
    S_FEW_FDS,      /* success with 2 fds */
    S_ERR_WITH_FDS, /* error reply carrying 3 fds anyway */
    S_MANY_FDS,     /* success with 5 fds */
    S_BAD_PNAME,    /* success, guard_pname without NUL */
    S_TIMEOUT,      /* never answer */
    S_OWN_NS,       /* success with this process's own ns fds: setns(user) fails */
    S_NS_FULL,      /* real namespaces + fake guard (root) */
    S_LIST,         /* LIST: 2 entries */
    S_LIST_ERR,     /* LIST refused with a RUN-reply-shaped error */
    S_LIST_BAD      /* LIST: count says 3, 2 entries sent */
};

#define PKG_TEXT "not really squashfs\n"
#define FAKE_PNAME "rk-fakeguard"
#define TEST_UID 1000

static char dir[] = "/tmp/rocker-fake-XXXXXX";
static char sock_path[108], pkg_path[128];
static int report[2] = { -1, -1 }; /* server/guard -> test: check records */
static int seen[2] = { -1, -1 };   /* guard -> App: "I have read your pidfd" */
static pid_t victim;               /* a process the LIST scenario advertises */
#ifdef ROCKER_NO_CLONE_PIDFD       /* what the fake guard expects: 1, 0, -1 any */
static int expect_register = 0;
#else
static int expect_register = 1;
#endif

/* ---- records from the server side ---------------------------------------- */

struct rec { int ok; char what[200]; };

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void srv_ok(int cond, const char *fmt, ...)
{
    struct rec r;
    va_list ap;
    memset(&r, 0, sizeof r);
    r.ok = cond;
    va_start(ap, fmt);
    vsnprintf(r.what, sizeof r.what, fmt, ap);
    va_end(ap);
    if (write(report[1], &r, sizeof r) != (ssize_t)sizeof r)
        _exit(99);
}

static void drain_reports(void)
{
    struct rec r;
    while (read(report[0], &r, sizeof r) == (ssize_t)sizeof r)
        ok(r.ok, "[server] %s", r.what);
}

/* ---- wire helpers for the fake server -------------------------------------- */

static int send_fds(int s, const void *buf, size_t len, const int *fds, int n)
{
    struct msghdr m;
    struct iovec iov;
    union { struct cmsghdr a; unsigned char b[CMSG_SPACE(8 * sizeof(int))]; } c;
    memset(&m, 0, sizeof m);
    memset(&c, 0, sizeof c);
    iov.iov_base = (void *)buf;
    iov.iov_len = len;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (n > 0) {
        struct cmsghdr *h;
        m.msg_control = c.b;
        m.msg_controllen = CMSG_SPACE(n * sizeof(int));
        h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(n * sizeof(int));
        memcpy(CMSG_DATA(h), fds, n * sizeof(int));
    }
    return sendmsg(s, &m, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* receives one datagram; fds into fds[0..8), count in *nfds */
static ssize_t recv_fds(int s, void *buf, size_t len, int *fds, int *nfds, int timeout_ms)
{
    struct msghdr m;
    struct iovec iov;
    struct pollfd p;
    struct cmsghdr *h;
    union { struct cmsghdr a; unsigned char b[CMSG_SPACE(8 * sizeof(int))]; } c;
    ssize_t n;
    *nfds = 0;
    p.fd = s;
    p.events = POLLIN;
    if (poll(&p, 1, timeout_ms) != 1)
        return -2;
    memset(&m, 0, sizeof m);
    iov.iov_base = buf;
    iov.iov_len = len;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = c.b;
    m.msg_controllen = sizeof c.b;
    n = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
    for (h = CMSG_FIRSTHDR(&m); n >= 0 && h; h = CMSG_NXTHDR(&m, h))
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
            int k = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            memcpy(fds + *nfds, CMSG_DATA(h), k * sizeof(int));
            *nfds += k;
        }
    return n;
}

static void rep_init(struct rocker_rep_run *r, int err, int e, int step, int index)
{
    memset(r, 0, sizeof *r);
    r->hdr.magic = ROCKER_MAGIC;
    r->hdr.version = ROCKER_PROTO_VERSION;
    r->hdr.kind = ROCKER_KIND_RUN_REPLY;
    r->hdr.size = sizeof *r;
    r->err = err;
    r->sys_errno = e;
    r->step = (uint16_t)step;
    r->index = (uint16_t)index;
}

static void rep_ok(struct rocker_rep_run *r, pid_t guard)
{
    rep_init(r, 0, 0, 0, 0);
    r->guard_pid = guard;
    strcpy(r->guard_pname, FAKE_PNAME);
    r->n_fds = 4;
}

static int field_is(const char *f, size_t n, const char *want)
{
    size_t i, l = strlen(want);
    if (l >= n || memcmp(f, want, l) != 0)
        return 0;
    for (i = l; i < n; i++)
        if (f[i])
            return 0;
    return 1;
}

/* the expected request of the library tests */
static RockerRequest test_req(void)
{
    RockerRequest q = ROCKER_request_new();
    q.app_id = 4242;
    q.uid = q.gid = TEST_UID;
    q.app_pkg_path = pkg_path;
    q.app_exec_dir = (char *)"/var/app/exec";
    q.app_data_dir = (char *)"/tmp/app-data";
    q.app_overlay_dirs[0] = (char *)"/var";
    q.app_overlay_dirs[1] = (char *)"/etc";
    q.app_overlay_dirs[2] = (char *)"/home";
    q.run_flags = ROCKER_RUN_LEGACY_LOOP;
    return q;
}

static void check_request(const struct rocker_req_run *m, ssize_t n, const int *fds, int nfds)
{
    struct stat a, b;
    int i, rest_zero = 1;
    srv_ok(n == ROCKER_REQ_RUN_SIZE, "RUN datagram is %d bytes (%ld)", ROCKER_REQ_RUN_SIZE, (long)n);
    srv_ok(m->hdr.magic == ROCKER_MAGIC && m->hdr.version == 1 && m->hdr.kind == 1 &&
           m->hdr.size == ROCKER_REQ_RUN_SIZE && m->hdr.flags == 0,
           "RUN header: magic %#x version %u kind %u size %u flags %u", m->hdr.magic,
           m->hdr.version, m->hdr.kind, m->hdr.size, m->hdr.flags);
    srv_ok(m->app_id == 4242 && m->uid == TEST_UID && m->gid == TEST_UID && m->run_flags == 1 &&
           m->n_overlay == 3 && m->reserved == 0,
           "RUN fields: app_id %d uid %u gid %u run_flags %u n_overlay %u reserved %u", m->app_id,
           m->uid, m->gid, m->run_flags, m->n_overlay, m->reserved);
    srv_ok(field_is(m->pkg, sizeof m->pkg, pkg_path) &&
           field_is(m->exec_dir, sizeof m->exec_dir, "/var/app/exec") &&
           field_is(m->data_dir, sizeof m->data_dir, "/tmp/app-data"),
           "RUN paths NUL-padded: pkg '%.60s' exec '%.60s' data '%.60s'", m->pkg, m->exec_dir, m->data_dir);
    for (i = 3; i < 16; i++)
        rest_zero &= field_is(m->overlay[i], sizeof m->overlay[i], "");
    srv_ok(field_is(m->overlay[0], 64, "/var") && field_is(m->overlay[1], 64, "/etc") &&
           field_is(m->overlay[2], 64, "/home") && rest_zero, "RUN overlays, unused slots all zero");
    srv_ok(nfds == 1, "exactly one fd with the RUN request (%d)", nfds);
    if (nfds >= 1) {
        srv_ok(fstat(fds[0], &a) == 0 && stat(pkg_path, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino, "the fd is the package file");
        srv_ok((fcntl(fds[0], F_GETFL) & O_ACCMODE) == O_RDONLY, "the package fd is O_RDONLY");
    }
}

/* ---- the fake guard (S_NS_FULL) ---------------------------------------------- */

static long fdinfo_pid(int fd)
{
    char path[64], line[128];
    long pid = -1;
    FILE *f;
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Pid: %ld", &pid) == 1)
            break;
    fclose(f);
    return pid;
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

/* pid 1 of the new pid ns: unshare user ns, then wait for REGISTER (pidfd
 * mode: then for the App's exit via the pidfd) and for ctl's EOF. */
static void fake_guard(int ctl, int to_srv, int from_srv)
{
    struct rocker_hdr h;
    int fds[8], nfds, registered = 0;
    ssize_t n;
    char c;

    prctl(PR_SET_NAME, FAKE_PNAME, 0, 0, 0);
    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    c = unshare(CLONE_NEWUSER) == 0 ? 'u' : 'E';
    if (write(to_srv, &c, 1) != 1 || c != 'u' || read(from_srv, &c, 1) != 1)
        _exit(2);
    for (;;) {
        n = recv_fds(ctl, &h, sizeof h, fds, &nfds, 10000);
        if (n == -2) {
            srv_ok(0, "guard: timed out waiting on ctl");
            _exit(3);
        }
        if (n <= 0)
            break; /* EOF: every ctl holder is gone */
        srv_ok(n == 16 && h.magic == ROCKER_MAGIC && h.version == 1 &&
               h.kind == ROCKER_KIND_REGISTER && h.size == 16 && h.flags == 0 && nfds == 1,
               "guard: REGISTER message (%ld bytes, kind %u, %d fd)", (long)n, h.kind, nfds);
        if (nfds == 1) {
            struct pollfd p;
            registered = 1;
            {
                long pid = fdinfo_pid(fds[0]);
                /* hand the pid to the test through the records */
                struct rec r;
                memset(&r, 0, sizeof r);
                r.ok = 2; /* special: registered pid */
                snprintf(r.what, sizeof r.what, "%ld", pid);
                if (write(report[1], &r, sizeof r) != (ssize_t)sizeof r)
                    _exit(4);
                /* fdinfo says -1 once the App is gone: it waits for this */
                if (seen[1] >= 0 && write(seen[1], "s", 1) != 1)
                    _exit(5);
            }
            p.fd = fds[0];
            p.events = POLLIN;
            srv_ok(poll(&p, 1, 10000) == 1, "guard: pidfd reports the App's exit");
            close(fds[0]);
        }
    }
    if (expect_register == 0)
        srv_ok(!registered, "guard: no REGISTER in the no-CLONE_PIDFD mode");
    else if (expect_register == 1)
        srv_ok(registered, "guard: got the App's pidfd");
    srv_ok(1, "guard: ctl EOF (all holders closed it)");
    _exit(0);
}

/* ---- the fake master ------------------------------------------------------------ */

static void serve_ns_full(int conn)
{
    int ctl[2], up[2], down[2], fds[4], i, st;
    struct rocker_rep_run rep;
    char path[64], c;
    pid_t g;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) || pipe2(up, O_CLOEXEC) ||
        pipe2(down, O_CLOEXEC) || unshare(CLONE_NEWNS | CLONE_NEWPID)) {
        srv_ok(0, "fake master: setup: %s", strerror(errno));
        rep_init(&rep, ROCKER_ERR_sys, errno, ROCKER_STEP_clone_guard, 0);
        send_fds(conn, &rep, sizeof rep, NULL, 0);
        return;
    }
    g = fork();
    if (g == 0) {
        close(ctl[1]);
        close(conn);
        fake_guard(ctl[0], up[1], down[0]);
    }
    close(ctl[0]);
    if (g < 0 || read(up[0], &c, 1) != 1 || c != 'u') {
        srv_ok(0, "fake guard did not unshare its user ns");
        rep_init(&rep, ROCKER_ERR_sys, EPERM, ROCKER_STEP_unshare_user, 0);
        send_fds(conn, &rep, sizeof rep, NULL, 0);
        return;
    }
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)g);
    i = write_file(path, "deny");
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)g);
    i |= write_file(path, "1000 1000 1");
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)g);
    i |= write_file(path, "1000 1000 1");
    srv_ok(i == 0, "fake master: id maps written");
    if (write(down[1], "m", 1) != 1)
        srv_ok(0, "release guard");
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)g);
    fds[0] = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)g);
    fds[1] = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)g);
    fds[2] = open(path, O_RDONLY | O_CLOEXEC);
    fds[3] = ctl[1];
    rep_ok(&rep, g);
    srv_ok(send_fds(conn, &rep, sizeof rep, fds, 4) == 0, "fake master: reply with 4 fds");
    for (i = 0; i < 4; i++)
        close(fds[i]);
    close(conn);
    srv_ok(waitpid(g, &st, 0) == g && WIFEXITED(st) && WEXITSTATUS(st) == 0,
           "fake guard exited 0 (status %#x)", st);
}

static void fill_entry(struct rocker_list_entry *e, int pid, int app_id, const char *name,
                       const char *pkg, unsigned long long uptime_ns)
{
    memset(e, 0, sizeof *e);
    e->guard_pid = pid;
    e->app_id = app_id;
    e->start_ns = 1000;
    strcpy(e->guard_pname, name);
    strcpy(e->pkg, pkg);
    e->uptime_ns = uptime_ns;
}

static void serve(int lfd, enum scenario sc)
{
    union {
        struct rocker_req_run run;
        struct rocker_hdr hdr;
        struct { struct rocker_rep_list head; struct rocker_list_entry e[3]; } list;
        char raw[4096];
    } u;
    struct rocker_rep_run rep;
    int conn, fds[8], nfds = 0, extra[5], i;
    ssize_t n;

    conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    close(lfd);
    if (conn < 0) {
        srv_ok(0, "accept: %s", strerror(errno));
        _exit(1);
    }
    memset(&u, 0, sizeof u);
    n = recv_fds(conn, &u, sizeof u, fds, &nfds, 5000);
    if (sc >= S_LIST) {
        srv_ok(n == 16 && u.hdr.magic == ROCKER_MAGIC && u.hdr.version == 1 && u.hdr.kind == 2 &&
               u.hdr.size == 16 && u.hdr.flags == 0 && nfds == 0,
               "LIST request: 16-byte header, kind 2, no fd");
    } else if (sc == S_ERR) {
        check_request(&u.run, n, fds, nfds);
    } else {
        srv_ok(n == ROCKER_REQ_RUN_SIZE && nfds == 1, "RUN request received with one fd");
    }
    for (i = 0; i < nfds; i++)
        close(fds[i]);
    for (i = 0; i < 5; i++)
        extra[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);

    switch (sc) {
    case S_ERR:
        rep_init(&rep, ROCKER_ERR_pkg_not_squashfs, EINVAL, ROCKER_STEP_pkg_check, 0);
        send_fds(conn, &rep, sizeof rep, NULL, 0);
        break;
    case S_ERR_OVERLAY:
        rep_init(&rep, ROCKER_ERR_overlay_invalid, ENOTDIR, ROCKER_STEP_validate, 3);
        send_fds(conn, &rep, sizeof rep, NULL, 0);
        break;
    case S_BAD_MAGIC:
        rep_init(&rep, ROCKER_ERR_busy, EBUSY, ROCKER_STEP_validate, 0);
        rep.hdr.magic = 0x31524B52;
        send_fds(conn, &rep, sizeof rep, NULL, 0);
        break;
    case S_BAD_SIZE:
        rep_init(&rep, ROCKER_ERR_busy, EBUSY, ROCKER_STEP_validate, 0);
        rep.hdr.size = 16;
        send_fds(conn, &rep, 16, NULL, 0);
        break;
    case S_CLOSE:
        break;
    case S_FEW_FDS:
        rep_ok(&rep, getpid());
        send_fds(conn, &rep, sizeof rep, extra, 2);
        break;
    case S_ERR_WITH_FDS:
        rep_init(&rep, ROCKER_ERR_no_loop_device, EBUSY, ROCKER_STEP_loop_get_free, 0);
        send_fds(conn, &rep, sizeof rep, extra, 3);
        break;
    case S_MANY_FDS:
        rep_ok(&rep, getpid());
        send_fds(conn, &rep, sizeof rep, extra, 5);
        break;
    case S_BAD_PNAME:
        rep_ok(&rep, getpid());
        memset(rep.guard_pname, 'x', sizeof rep.guard_pname);
        send_fds(conn, &rep, sizeof rep, extra, 4);
        break;
    case S_TIMEOUT:
        n = recv_fds(conn, &u, sizeof u, fds, &nfds, 5000);
        srv_ok(n == 0, "client hung up after its timeout");
        break;
    case S_OWN_NS: {
        int ctl[2], ns[4];
        ssize_t m;
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl);
        ns[0] = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        ns[1] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        ns[2] = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
        ns[3] = ctl[1];
        rep_ok(&rep, getpid());
        send_fds(conn, &rep, sizeof rep, ns, 4);
        for (i = 0; i < 4; i++)
            close(ns[i]);
        m = recv_fds(ctl[0], &u, sizeof u, fds, &nfds, 5000);
        srv_ok(m == 0, "ctl EOF: the client closed ctl after its helper failed (%ld)", (long)m);
        break;
    }
    case S_NS_FULL:
        serve_ns_full(conn);
        break;
    case S_LIST:
    case S_LIST_BAD:
        memset(&u, 0, sizeof u);
        u.list.head.hdr.magic = ROCKER_MAGIC;
        u.list.head.hdr.version = 1;
        u.list.head.hdr.kind = ROCKER_KIND_LIST_REPLY;
        u.list.head.count = sc == S_LIST ? 2 : 3;
        u.list.head.hdr.size = ROCKER_REP_LIST_SIZE + 2 * ROCKER_LIST_ENTRY_SIZE;
        fill_entry(&u.list.e[0], (int)victim, 7, "rk-victim", "/apps/a.sqfs", 3723000000000ull);
        fill_entry(&u.list.e[1], 99999, 0, "rk-b", "/apps/b.sqfs", 5000000000ull);
        send_fds(conn, &u, u.list.head.hdr.size, NULL, 0);
        break;
    case S_LIST_ERR:
        rep_init(&rep, ROCKER_ERR_permission_denied, EPERM, ROCKER_STEP_peer_cred, 0);
        send_fds(conn, &rep, sizeof rep, NULL, 0);
        break;
    }
    for (i = 0; i < 5; i++)
        close(extra[i]);
    close(conn);
    _exit(0);
}

static pid_t start_server(enum scenario sc)
{
    struct sockaddr_un sa;
    int lfd;
    pid_t pid;

    unlink(sock_path);
    lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, sock_path);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 4)) {
        perror("fake server socket");
        exit(1);
    }
    pid = fork();
    if (pid == 0)
        serve(lfd, sc);
    close(lfd);
    return pid;
}

static void finish_server(pid_t pid)
{
    int st;
    pid_t w;
    do
        w = waitpid(pid, &st, 0);
    while (w < 0 && errno == EINTR);
    drain_reports();
    ok(w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "fake server exited 0");
}

/* ---- library scenarios ----------------------------------------------------------- */

static int app_noop(void *arg)
{
    (void)arg;
    return 0;
}

static RockerResult call(enum scenario sc)
{
    RockerRequest q = test_req();
    pid_t srv = start_server(sc);
    RockerResult r = ROCKER_enter_rocker(&q, app_noop, NULL);
    char b[160], line[200];
    snprintf(line, sizeof line, "result: %s", ROCKER_strerror_r(&r, b, sizeof b));
    diag(line);
    finish_server(srv);
    return r;
}

static int is(RockerResult r, int err, int e, int step)
{
    return (int)r.err_no == err && r.sys_errno == e && r.step == step && r.app_pid == 0;
}

static void test_errors(void)
{
    RockerResult r;
    int fd0 = count_fds();

    r = call(S_ERR);
    ok(is(r, ROCKER_ERR_pkg_not_squashfs, EINVAL, ROCKER_STEP_pkg_check) && r.index == 0,
       "error reply decoded: pkg_not_squashfs EINVAL at pkg_check");
    r = call(S_ERR_OVERLAY);
    ok(is(r, ROCKER_ERR_overlay_invalid, ENOTDIR, ROCKER_STEP_validate) && r.index == 3,
       "error reply keeps the overlay index (3)");
    r = call(S_BAD_MAGIC);
    ok(is(r, ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv), "bad magic -> recv_resp_failed EPROTO");
    r = call(S_BAD_SIZE);
    ok(is(r, ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv), "16-byte reply -> recv_resp_failed EPROTO");
    r = call(S_CLOSE);
    ok(is(r, ROCKER_ERR_recv_resp_failed, ECONNRESET, ROCKER_STEP_recv),
       "server hangs up -> recv_resp_failed ECONNRESET");
    r = call(S_FEW_FDS);
    ok(is(r, ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv), "success with 2 fds -> EPROTO");
    r = call(S_ERR_WITH_FDS);
    ok(is(r, ROCKER_ERR_no_loop_device, EBUSY, ROCKER_STEP_loop_get_free),
       "error reply with stray fds: error decoded");
    r = call(S_MANY_FDS);
    ok(is(r, ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv), "success with 5 fds -> EPROTO");
    r = call(S_BAD_PNAME);
    ok(is(r, ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv), "guard_pname without NUL -> EPROTO");
    r = call(S_TIMEOUT);
    ok(is(r, ROCKER_ERR_recv_resp_failed, ETIMEDOUT, ROCKER_STEP_guard_timeout),
       "no reply within %d ms -> recv_resp_failed ETIMEDOUT at guard_timeout", ROCKER_REPLY_TIMEOUT_MS);
    r = call(S_OWN_NS);
    ok(r.err_no == ROCKER_ERR_enter_rocker_failed &&
       ((r.step == ROCKER_STEP_setns_user && r.sys_errno == EINVAL) ||
        (r.step == ROCKER_STEP_setns_mnt && (r.sys_errno == EPERM || r.sys_errno == EINVAL))),
       "own-namespace fds: helper fails at setns (%s, %s)", ROCKER_step_name(r.step),
       ROCKER_errno_name(r.sys_errno));
    ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "no child left behind (helper reaped)");
    ok(count_fds() == fd0, "no fd leaked across all error scenarios (%d -> %d)", fd0, count_fds());
}

static void test_list(void)
{
    struct rocker_list_entry e[ROCKER_MAX_SANDBOXES];
    RockerResult r;
    int count = -1, fd0 = count_fds();
    pid_t srv;

    srv = start_server(S_LIST);
    r = ROCKER_list(e, ROCKER_MAX_SANDBOXES, &count);
    finish_server(srv);
    ok(r.err_no == ROCKER_ERR_success && count == 2 && e[0].guard_pid == (int)victim &&
       e[0].app_id == 7 && !strcmp(e[0].guard_pname, "rk-victim") && !strcmp(e[1].pkg, "/apps/b.sqfs") &&
       e[1].uptime_ns == 5000000000ull, "LIST decoded: %d entries", count);
    srv = start_server(S_LIST_ERR);
    r = ROCKER_list(e, ROCKER_MAX_SANDBOXES, &count);
    finish_server(srv);
    ok(r.err_no == ROCKER_ERR_permission_denied && r.sys_errno == EPERM &&
       r.step == ROCKER_STEP_peer_cred && count == 0, "LIST refused: permission_denied EPERM at peer_cred");
    srv = start_server(S_LIST_BAD);
    r = ROCKER_list(e, ROCKER_MAX_SANDBOXES, &count);
    finish_server(srv);
    ok(r.err_no == ROCKER_ERR_recv_resp_failed && r.sys_errno == EPROTO && count == 0,
       "LIST with a wrong count -> recv_resp_failed EPROTO");
    srv = start_server(S_LIST);
    r = ROCKER_list(e, 1, &count);
    finish_server(srv);
    ok(r.err_no == ROCKER_ERR_recv_resp_failed && r.sys_errno == EMSGSIZE,
       "LIST larger than the caller's buffer -> EMSGSIZE");
    ok(count_fds() == fd0, "LIST leaks no fd");
}

/* A master whose backlog is full (it stopped accepting): connect() must
 * give up after the timeout instead of hanging. */
static void test_connect_timeout(void)
{
    struct sockaddr_un sa;
    struct rocker_list_entry e[2];
    RockerResult r;
    int lfd, c1, count, fd0 = count_fds();

    unlink(sock_path);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, sock_path);
    lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    c1 = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (lfd < 0 || c1 < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 0) ||
        connect(c1, (struct sockaddr *)&sa, sizeof sa)) {
        ok(0, "backlog setup: %s", strerror(errno));
    } else {
        r = ROCKER_list(e, 2, &count);
        ok(r.err_no == ROCKER_ERR_busy && r.sys_errno == EAGAIN && r.step == ROCKER_STEP_connect,
           "full backlog: connect gives up -> busy EAGAIN at connect (%s)", ROCKER_err_name(r.err_no));
    }
    if (c1 >= 0)
        close(c1);
    if (lfd >= 0)
        close(lfd);
    unlink(sock_path);
    ok(count_fds() == fd0, "no fd leaked by the connect timeout");
}

/* ---- the real-namespace scenario --------------------------------------------------- */

struct probe {
    int pid, uid, euid, gid, egid, ngroups;
    unsigned long long cap_eff, cap_prm, cap_inh, cap_amb;
    int extra_fds, extra_sockets, extra_ns;
    char extra[128];
};

static unsigned char fd_before[1024];
static int probe_pipe[2] = { -1, -1 };

static void snapshot_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    memset(fd_before, 0, sizeof fd_before);
    while (d && (e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] != '.' && fd < 1024 && fd != dirfd(d))
            fd_before[fd] = 1;
    }
    if (d)
        closedir(d);
}

static unsigned long long cap_line(const char *status, const char *key)
{
    const char *p = strstr(status, key);
    return p ? strtoull(p + strlen(key), NULL, 16) : ~0ull;
}

/* runs as the App */
static int app_probe(void *arg)
{
    struct probe pr;
    char status[4096] = "", link[128], path[64];
    DIR *d;
    struct dirent *e;
    int fd;
    ssize_t n;

    (void)arg;
    memset(&pr, 0, sizeof pr);
    pr.pid = (int)getpid();
    pr.uid = (int)getuid();
    pr.euid = (int)geteuid();
    pr.gid = (int)getgid();
    pr.egid = (int)getegid();
    pr.ngroups = getgroups(0, NULL);
    fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, status, sizeof status - 1);
        status[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    pr.cap_eff = cap_line(status, "CapEff:");
    pr.cap_prm = cap_line(status, "CapPrm:");
    pr.cap_inh = cap_line(status, "CapInh:");
    pr.cap_amb = cap_line(status, "CapAmb:");
    d = opendir("/proc/self/fd");
    while (d && (e = readdir(d))) {
        int f = atoi(e->d_name);
        if (e->d_name[0] == '.' || f == dirfd(d) || (f < 1024 && fd_before[f]))
            continue;
        snprintf(path, sizeof path, "/proc/self/fd/%d", f);
        n = readlink(path, link, sizeof link - 1);
        link[n > 0 ? n : 0] = '\0';
        pr.extra_fds++;
        if (!strncmp(link, "socket:", 7))
            pr.extra_sockets++;
        if (!strncmp(link, "mnt:", 4) || !strncmp(link, "pid:", 4) || !strncmp(link, "user:", 5))
            pr.extra_ns++;
        if (strlen(pr.extra) + 56 < sizeof pr.extra)
            snprintf(pr.extra + strlen(pr.extra), 56, "%d=%.40s ", f, link);
    }
    if (d)
        closedir(d);
    if (write(probe_pipe[1], &pr, sizeof pr) != (ssize_t)sizeof pr)
        return 1;
    if (expect_register == 1) { /* stay alive until the guard looked at our pidfd */
        struct pollfd p;
        char c;
        p.fd = seen[0];
        p.events = POLLIN;
        if (poll(&p, 1, 5000) != 1 || read(seen[0], &c, 1) != 1)
            return 2;
    }
    return 42;
}

static int can_namespaces(void)
{
    pid_t p;
    int st;
    if (geteuid() != 0)
        return 0;
    p = fork();
    if (p == 0)
        _exit(unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) == 0 ? 0 : 1);
    return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static long registered_pid = -1;

static void drain_reports_pid(void)
{
    struct rec r;
    while (read(report[0], &r, sizeof r) == (ssize_t)sizeof r) {
        if (r.ok == 2)
            registered_pid = atol(r.what);
        else
            ok(r.ok, "[server] %s", r.what);
    }
}

static void test_ns_full(void)
{
    RockerRequest q = test_req();
    RockerResult r;
    struct probe pr;
    int fd0, st;
    pid_t srv, w;
    char b[160];

    if (!can_namespaces()) {
        skip("real namespaces: needs root and user namespaces (not under qemu-user)");
        return;
    }
    if (pipe2(probe_pipe, O_CLOEXEC) != 0 || pipe2(seen, O_CLOEXEC) != 0) {
        ok(0, "pipe");
        return;
    }
    fd0 = count_fds();
    snapshot_fds();
    srv = start_server(S_NS_FULL);
    r = ROCKER_enter_rocker(&q, app_probe, NULL);
    ok(r.err_no == ROCKER_ERR_success && r.app_pid > 0 && r.guard_pid > 0 &&
       !strcmp(r.guard_pname, FAKE_PNAME), "enter_rocker succeeded: %s app_pid %d guard %d '%s'",
       ROCKER_strerror_r(&r, b, sizeof b), r.app_pid, r.guard_pid, r.guard_pname);
    ok(count_fds() == fd0, "caller holds no extra fd after success (%d -> %d)", fd0, count_fds());
    if (r.err_no != ROCKER_ERR_success) {
        finish_server(srv);
        return;
    }
    memset(&pr, 0, sizeof pr);
    ok(read(probe_pipe[0], &pr, sizeof pr) == (ssize_t)sizeof pr, "App reported");
    do
        w = waitpid(r.app_pid, &st, 0);
    while (w < 0 && errno == EINTR);
    ok(w == r.app_pid && WIFEXITED(st) && WEXITSTATUS(st) == 42,
       "the App is the caller's child: waitpid -> exit 42 (status %#x)", st);
    ok(pr.pid == 2, "App is pid 2 in the guard's pid ns (%d)", pr.pid);
    ok(pr.uid == TEST_UID && pr.euid == TEST_UID && pr.gid == TEST_UID && pr.egid == TEST_UID,
       "App runs as uid/gid %d (uid %d euid %d gid %d egid %d)", TEST_UID, pr.uid, pr.euid, pr.gid, pr.egid);
    ok(pr.ngroups == 0, "App has no supplementary groups (%d)", pr.ngroups);
    ok(pr.cap_eff == 0 && pr.cap_prm == 0 && pr.cap_inh == 0 && pr.cap_amb == 0,
       "App has no capabilities (eff %llx prm %llx inh %llx amb %llx)", pr.cap_eff, pr.cap_prm,
       pr.cap_inh, pr.cap_amb);
    ok(pr.extra_ns == 0, "App inherited no namespace fd (%s)", pr.extra);
#ifdef ROCKER_NO_CLONE_PIDFD
    ok(pr.extra_fds == 1 && pr.extra_sockets == 1, "no-pidfd mode: the App holds exactly ctl (%s)", pr.extra);
#else
    ok(pr.extra_fds == 0, "App inherited no rocker fd (%s)", pr.extra);
#endif
    do
        w = waitpid(srv, &st, 0);
    while (w < 0 && errno == EINTR);
    drain_reports_pid();
    ok(w == srv && WIFEXITED(st) && WEXITSTATUS(st) == 0, "fake master exited 0");
#ifndef ROCKER_NO_CLONE_PIDFD
    ok(registered_pid == r.app_pid, "the guard's pidfd is the App's (%ld == %d)", registered_pid, r.app_pid);
#endif
    ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "no other child left (helper reaped)");
    close(probe_pipe[0]);
    close(probe_pipe[1]);
    close(seen[0]);
    close(seen[1]);
    seen[0] = seen[1] = -1;
}

/* ---- the CLI against the fake server ----------------------------------------------- */

static int run_cli(const char *cli, char **argv, char *out, size_t on, char *err, size_t en)
{
    int po[2], pe[2], st;
    pid_t p;
    ssize_t n;
    size_t ol = 0, el = 0;

    if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
        return -1;
    p = fork();
    if (p == 0) {
        const char *runner = getenv("ROCKER_CLI_RUNNER"); /* e.g. qemu-arm-static */
        char *av[64];
        int i, k = 0;
        dup2(po[1], 1);
        dup2(pe[1], 2);
        if (runner && *runner)
            av[k++] = (char *)runner;
        av[k++] = (char *)cli;
        for (i = 1; argv[i] && k < 63; i++)
            av[k++] = argv[i];
        av[k] = NULL;
        execvp(av[0], av);
        _exit(126);
    }
    close(po[1]);
    close(pe[1]);
    while (ol < on - 1 && (n = read(po[0], out + ol, on - 1 - ol)) > 0)
        ol += (size_t)n;
    while (el < en - 1 && (n = read(pe[0], err + el, en - 1 - el)) > 0)
        el += (size_t)n;
    out[ol] = err[el] = '\0';
    close(po[0]);
    close(pe[0]);
    if (waitpid(p, &st, 0) != p)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_cli(void)
{
    const char *cli = getenv("ROCKER_CLI");
    char out[4096], err[4096], want[512];
    char *run_err[] = { (char *)"rocker", (char *)"run", (char *)"--pkg", pkg_path,
                        (char *)"--exec-dir", (char *)"/var/app/exec", (char *)"--data-dir",
                        (char *)"/tmp/app-data", (char *)"--overlay", (char *)"/var",
                        (char *)"--overlay=/etc", (char *)"--overlay", (char *)"/home",
                        (char *)"--uid", (char *)"1000", (char *)"--gid=1000", (char *)"--app-id",
                        (char *)"4242", (char *)"--legacy-loop", (char *)"--", (char *)"/bin/true",
                        NULL };
    char *ps[] = { (char *)"rocker", (char *)"ps", NULL };
    char *kill_name[] = { (char *)"rocker", (char *)"kill", (char *)"rk-victim", (char *)"--signal",
                          (char *)"TERM", NULL };
    char *kill_none[] = { (char *)"rocker", (char *)"kill", (char *)"rk-nope", NULL };
    char *bad_uid[] = { (char *)"rocker", (char *)"run", (char *)"--uid", (char *)"12a", NULL };
    int rc, st;
    pid_t srv;

    if (!cli || access(cli, X_OK) != 0) {
        skip("CLI tests: set ROCKER_CLI to a rocker binary");
        return;
    }
    srv = start_server(S_ERR);
    rc = run_cli(cli, run_err, out, sizeof out, err, sizeof err);
    finish_server(srv);
    snprintf(want, sizeof want, "rocker: run: ROCKER_ERR_pkg_not_squashfs: EINVAL (%d) at pkg_check\n", EINVAL);
    ok(rc == 125 && !strcmp(err, want), "cli run error: exit %d, stderr '%s'", rc, err);

    srv = start_server(S_LIST);
    rc = run_cli(cli, ps, out, sizeof out, err, sizeof err);
    finish_server(srv);
    snprintf(want, sizeof want,
             "GUARD_PID  NAME             APP_ID      UPTIME    PACKAGE\n"
             "%-10d rk-victim        7           1h2m      /apps/a.sqfs\n"
             "99999      rk-b             0           5s        /apps/b.sqfs\n",
             (int)victim);
    ok(rc == 0 && !strcmp(out, want), "cli ps table:\n%s", out);

    srv = start_server(S_LIST_ERR);
    rc = run_cli(cli, ps, out, sizeof out, err, sizeof err);
    finish_server(srv);
    snprintf(want, sizeof want, "rocker: ps: ROCKER_ERR_permission_denied: EPERM (%d) at peer_cred\n", EPERM);
    ok(rc == 125 && !strcmp(err, want), "cli ps refused: exit %d, '%s'", rc, err);

    srv = start_server(S_LIST);
    rc = run_cli(cli, kill_none, out, sizeof out, err, sizeof err);
    finish_server(srv);
    ok(rc == 125 && strstr(err, "rocker: kill rk-nope: ") && strstr(err, "ESRCH"),
       "cli kill unknown name: exit %d, '%s'", rc, err);

    srv = start_server(S_LIST);
    rc = run_cli(cli, kill_name, out, sizeof out, err, sizeof err);
    finish_server(srv);
    ok(rc == 0 && waitpid(victim, &st, 0) == victim && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
       "cli kill rk-victim --signal TERM: exit %d, victim got SIGTERM '%s'", rc, err);
    victim = 0;

    rc = run_cli(cli, bad_uid, out, sizeof out, err, sizeof err);
    ok(rc == 2 && strstr(err, "bad --uid"), "cli usage error exits 2: '%s'", err);

    /* the Makefile pairs this test with a CLI built in the same mode; the
     * foreground run below (exit 7 after exec) proves ctl survives exec in
     * the no-pidfd mode */
    if (can_namespaces()) {
        char *run_sh[] = { (char *)"rocker", (char *)"run", (char *)"--pkg", pkg_path,
                           (char *)"--exec-dir", (char *)"/x", (char *)"--data-dir", (char *)"/d",
                           (char *)"--uid", (char *)"1000", (char *)"--gid", (char *)"1000",
                           (char *)"--", (char *)"sh", (char *)"-c",
                           (char *)"echo uid=$(id -u) pid=$$; exit 7", NULL };
        char *run_missing[] = { (char *)"rocker", (char *)"run", (char *)"--pkg", pkg_path,
                                (char *)"--exec-dir", (char *)"/x", (char *)"--data-dir",
                                (char *)"/d", (char *)"--uid", (char *)"1000", (char *)"--gid",
                                (char *)"1000", (char *)"--", (char *)"/nonexistent/prog", NULL };
        char *run_detach[] = { (char *)"rocker", (char *)"run", (char *)"--pkg", pkg_path,
                               (char *)"--exec-dir", (char *)"/x", (char *)"--data-dir", (char *)"/d",
                               (char *)"--uid", (char *)"1000", (char *)"--gid", (char *)"1000",
                               (char *)"--detach", (char *)"--", (char *)"/bin/true", NULL };
        int gp = 0, ap = 0;
        char name[32] = "";

        srv = start_server(S_NS_FULL);
        rc = run_cli(cli, run_sh, out, sizeof out, err, sizeof err);
        do
            st = (int)waitpid(srv, NULL, 0);
        while (st < 0 && errno == EINTR);
        drain_reports_pid();
        ok(rc == 7 && !strcmp(out, "uid=1000 pid=2\n"), "cli run foreground: exit %d (App's 7), out '%s' err '%s'",
           rc, out, err);

        srv = start_server(S_NS_FULL);
        rc = run_cli(cli, run_missing, out, sizeof out, err, sizeof err);
        do
            st = (int)waitpid(srv, NULL, 0);
        while (st < 0 && errno == EINTR);
        drain_reports_pid();
        snprintf(want, sizeof want, "rocker: exec /nonexistent/prog: ROCKER_ERR_app_exec_failed: ENOENT (%d)\n", ENOENT);
        ok(rc == 127 && !strcmp(err, want), "cli run missing program: exit %d, '%s'", rc, err);

        srv = start_server(S_NS_FULL);
        rc = run_cli(cli, run_detach, out, sizeof out, err, sizeof err);
        do
            st = (int)waitpid(srv, NULL, 0);
        while (st < 0 && errno == EINTR);
        drain_reports_pid();
        ok(rc == 0 && sscanf(out, "%d %31s %d", &gp, name, &ap) == 3 && gp > 0 && ap > 0 &&
           !strcmp(name, FAKE_PNAME), "cli run --detach prints 'guard_pid name app_pid': '%s'", out);
    } else {
        skip("CLI run in real namespaces: needs root and user namespaces");
    }
}

static pid_t spawn_victim(void)
{
    int p[2];
    char c = 0;
    pid_t pid;
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        prctl(PR_SET_NAME, "rk-victim", 0, 0, 0);
        if (write(p[1], "v", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    if (pid > 0 && read(p[0], &c, 1) != 1)
        pid = -1;
    close(p[0]);
    close(p[1]);
    return pid;
}

int main(void)
{
    int fd;
    pid_t p;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(sock_path, sizeof sock_path, "%s/rocker.sock", dir);
    snprintf(pkg_path, sizeof pkg_path, "%s/app.sqfs", dir);
    fd = open(pkg_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, PKG_TEXT, strlen(PKG_TEXT)) < 0) {
        perror(pkg_path);
        return 1;
    }
    close(fd);
    chmod(dir, 0755);
    if (pipe2(report, O_CLOEXEC) != 0 || fcntl(report[0], F_SETFL, O_NONBLOCK) != 0)
        return 1;
    setenv("ROCKER_SOCKET", sock_path, 1);

    victim = spawn_victim(); /* advertised by the LIST scenarios, killed by `rocker kill` */
#ifdef ROCKER_NO_CLONE_PIDFD
    diag("built with ROCKER_NO_CLONE_PIDFD: the App keeps ctl open");
#endif
    test_list();
    if (victim > 0) {
        int st;
        kill(victim, SIGKILL); /* not needed by the library tests */
        waitpid(victim, &st, 0);
    }
    test_errors();
    test_connect_timeout();
    test_ns_full();
    victim = spawn_victim();
    test_cli();
    if (victim > 0) {
        kill(victim, SIGKILL);
        waitpid(victim, NULL, 0);
    }
    while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
        ;
    unlink(sock_path);
    unlink(pkg_path);
    rmdir(dir);
    return tap_done();
}
