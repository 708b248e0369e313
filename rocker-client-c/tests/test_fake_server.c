/* test_fake_server.c -- the client's wire paths and the recipe executor
 * against a fake rocker-master: a forked child binds a SEQPACKET socket in
 * /tmp, receives the request, checks its bytes and the package fd, and
 * answers as the test says: errors (the master's 56-byte shape), malformed
 * replies, missing/extra fds, silence, LIST, or a v2 reply whose fds and
 * recipe the test crafts (struct spec).  After the exchange the fake checks
 * from its side that every fd it sent was closed by every holder (pipes:
 * EOF / EPIPE) and what was written to them, and whether the App's pidfd was
 * registered over ctl.
 *
 * Recipes without namespaces run everywhere an App can be cloned: as root the
 * full privilege drop of the real recipe (uid/gid 1000, no groups, empty
 * bounding/effective/permitted/inheritable/ambient sets, no_new_privs, own
 * session), unprivileged the part a user may do.  The App (app_probe)
 * reports what it sees; a caller leading a session with a pty as its
 * controlling terminal (like an admin's shell) proves the App has no
 * controlling terminal and cannot TIOCSTI into it.
 *
 * As root (and where user namespaces work) it also plays the master AND the
 * guard for real: new mnt+pid ns, a guard that unshares its user ns, id maps
 * "1000 1000 1", the fds [ctl, mnt, pid, user] and rocker-spec's recipe
 * (rocker-spec/src/recipe.rs); the App must be pid 2 with the least
 * privilege above, and the guard gets the App's pidfd over ctl (or, built
 * with -DROCKER_NO_CLONE_PIDFD, the App holds ctl instead).
 *
 * qemu-user cannot clone(CLONE_PARENT) nor make namespaces: every case that
 * starts an App is then skipped (probed), the rest runs.  With CI=true on
 * the host (no $ROCKER_CLI_RUNNER) those skips are failures.
 *
 * With $ROCKER_CLI set to a `rocker` binary, it also runs the CLI against
 * the fake (ps, kill, error messages, exit codes, data dir creation, --tty,
 * --test-stall), through $ROCKER_CLI_RUNNER if set (qemu-user).
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
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

enum scenario {
    S_ERR,          /* check the request bytes + fd; reply pkg_not_squashfs */
    S_ERR_OVERLAY,  /* reply overlay_invalid index 3 */
    S_BAD_MAGIC,
    S_BAD_SIZE,     /* 16-byte reply */
    S_CLOSE,        /* close without a reply */
    S_TIMEOUT,      /* never answer */
    S_RECIPE,       /* the reply `sp` describes, with its fds */
    S_EXPECT,       /* check the request against `want_*`, reply `sp.err` */
    S_NS_FULL,      /* real namespaces + fake guard (root), `sp`'s recipe */
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
static int probe_pipe[2] = { -1, -1 }; /* App -> test: struct probe */
static int mark[2] = { -1, -1 };   /* App -> test: "app() ran" */
static pid_t victim;               /* a process the LIST scenario advertises */
static int root, can_app, can_ns, kernel_ctrunc; /* probed in main */
static uid_t app_uid;              /* what the no-namespace recipe makes the App */
static gid_t app_gid;
#ifdef ROCKER_NO_CLONE_PIDFD       /* what a guard expects when the App starts */
static const int expect_register = 0;
#else
static const int expect_register = 1;
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

static long registered_pid = -1;

static void drain_reports(void)
{
    struct rec r;
    while (read(report[0], &r, sizeof r) == (ssize_t)sizeof r) {
        if (r.ok == 2)
            registered_pid = atol(r.what);
        else
            ok(r.ok, "[server] %s", r.what);
    }
}

/* A skip the host's CI does not accept (qemu-user runs may skip). */
static void skip_unless_ci(const char *why)
{
    const char *ci = getenv("CI"), *runner = getenv("ROCKER_CLI_RUNNER");
    if (ci && *ci && strcmp(ci, "0") && strcmp(ci, "false") && !(runner && *runner))
        ok(0, "CI is set: not skipped on the host: %s", why);
    else
        skip("%s", why);
}

/* ---- wire helpers for the fake server -------------------------------------- */

#define MAX_SEND_FDS 24

static int send_fds(int s, const void *buf, size_t len, const int *fds, int n)
{
    struct msghdr m;
    struct iovec iov;
    union { struct cmsghdr a; unsigned char b[CMSG_SPACE(MAX_SEND_FDS * sizeof(int))]; } c;
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

/* The master's failure reply: always the 56-byte shape, no fds. */
static void send_err(int conn, int reason, int e, int step, int index)
{
    struct rocker_rep_run r;
    memset(&r, 0, sizeof r);
    r.hdr.magic = ROCKER_MAGIC;
    r.hdr.version = ROCKER_PROTO_VERSION;
    r.hdr.kind = ROCKER_KIND_RUN_REPLY;
    r.hdr.size = ROCKER_REP_RUN_SIZE_VER0;
    r.err = reason;
    r.sys_errno = e;
    r.step = (uint16_t)step;
    r.index = (uint16_t)index;
    send_fds(conn, &r, ROCKER_REP_RUN_SIZE_VER0, NULL, 0);
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

/* ---- the reply the test crafts (S_RECIPE, S_NS_FULL) ------------------------ */

enum fdkind {
    K_CTL = 1,  /* socketpair: the fake keeps the guard's end and reads REGISTER */
    K_PIPE,     /* a pipe's write end: the fake reads what arrives, then EOF */
    K_PIPE_R,   /* a pipe's read end: the fake waits for the last reader to go */
    K_NULL,     /* /dev/null */
    K_NS_MNT,   /* the fake's own namespaces */
    K_NS_PID,
    K_NS_USER
};

static struct spec {
    int nfds;
    unsigned char kind[MAX_SEND_FDS];
    const char *pipe_want[MAX_SEND_FDS]; /* K_PIPE: the bytes that must arrive */
    int n_ops;
    struct rocker_op ops[ROCKER_MAX_OPS + 4];
    unsigned blob_len;
    union { uint64_t align; unsigned char b[ROCKER_REPLY_MAX]; } blob;
    int expect_reg;   /* 1: the App's pidfd must be registered, 0: must not, -1: any */
    /* a failure reply instead (v1 shape), fds still attached */
    int err, err_errno, err_step;
    /* frame tweaks (-1 / 0: as it should be) */
    long n_fds_field, ctl_fd_field, n_ops_field;
    int v1_success;   /* the seed-era 56-byte success reply */
    int bad_pname;
    long extra_len;   /* bytes more (> 0) or fewer (< 0) than the frame */
    size_t send_len;  /* > 0: send exactly this many bytes */
} sp;

static void spec_reset(void)
{
    memset(&sp, 0, sizeof sp);
    sp.n_fds_field = sp.ctl_fd_field = sp.n_ops_field = -1;
}

static int spec_fd(int kind)
{
    sp.kind[sp.nfds] = (unsigned char)kind;
    return sp.nfds++;
}

static void spec_op(int op, int step, uint32_t a, uint64_t b, uint64_t c)
{
    struct rocker_op *o = &sp.ops[sp.n_ops++];
    memset(o, 0, sizeof *o);
    o->op = (uint16_t)op;
    o->step = (uint16_t)step;
    o->a = a;
    o->b = b;
    o->c = c;
}

/* Appends n bytes to the blob at an 8-aligned offset, returned. */
static uint32_t spec_blob(const void *p, size_t n)
{
    uint32_t at = (sp.blob_len + 7u) & ~7u;
    memcpy(sp.blob.b + at, p, n);
    sp.blob_len = at + (unsigned)n;
    return at;
}

/* One classic BPF instruction (struct sock_filter, host byte order). */
static void bpf_insn(unsigned char *p, uint16_t code, uint32_t k)
{
    memcpy(p, &code, 2);
    p[2] = p[3] = 0;
    memcpy(p + 4, &k, 4);
}
#define BPF_RET_K    0x06
#define BPF_LD_W_ABS 0x20
#define RET_ALLOW    0x7fff0000u

/* The real recipe for fds [ctl, mnt, pid, user] (rocker-spec/src/recipe.rs). */
static void spec_real_ns(uid_t uid, gid_t gid)
{
    spec_reset();
    spec_fd(K_CTL);
    spec_fd(K_NS_MNT);
    spec_fd(K_NS_PID);
    spec_fd(K_NS_USER);
    spec_op(ROCKER_OP_setns, ROCKER_STEP_setns_mnt, 1, CLONE_NEWNS, 0);
    spec_op(ROCKER_OP_setns, ROCKER_STEP_setns_pid, 2, CLONE_NEWPID, 0);
    spec_op(ROCKER_OP_setgroups, ROCKER_STEP_drop_groups, 0, 0, 0);
    spec_op(ROCKER_OP_setns, ROCKER_STEP_setns_user, 3, CLONE_NEWUSER, 0);
    spec_op(ROCKER_OP_capbset, ROCKER_STEP_capbset, 0, 0, 0);
    spec_op(ROCKER_OP_setresgid, ROCKER_STEP_setresgid, 0, gid, 0);
    spec_op(ROCKER_OP_setresuid, ROCKER_STEP_setresuid, 0, uid, 0);
    spec_op(ROCKER_OP_capset, ROCKER_STEP_drop_caps, 0, 0, 0);
    spec_op(ROCKER_OP_ambient, ROCKER_STEP_ambient, 0, 0, 0);
    spec_op(ROCKER_OP_no_new_privs, ROCKER_STEP_no_new_privs, 0, 0, 0);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(ROCKER_OP_setsid, ROCKER_STEP_setsid, 0, 0, 0);
}

/* The same privilege drop without namespaces: all of it as root (to uid/gid
 * 1000), what a user may do otherwise (its own ids, no bounding set). */
static void spec_no_ns(int with_setsid)
{
    spec_reset();
    spec_fd(K_CTL);
    if (root) {
        spec_op(ROCKER_OP_setgroups, ROCKER_STEP_drop_groups, 0, 0, 0);
        spec_op(ROCKER_OP_capbset, ROCKER_STEP_capbset, 0, 0, 0);
    }
    spec_op(ROCKER_OP_setresgid, ROCKER_STEP_setresgid, 0, app_gid, 0);
    spec_op(ROCKER_OP_setresuid, ROCKER_STEP_setresuid, 0, app_uid, 0);
    spec_op(ROCKER_OP_capset, ROCKER_STEP_drop_caps, 0, 0, 0);
    spec_op(ROCKER_OP_ambient, ROCKER_STEP_ambient, 0, 0, 0);
    spec_op(ROCKER_OP_no_new_privs, ROCKER_STEP_no_new_privs, 0, 0, 0);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    if (with_setsid)
        spec_op(ROCKER_OP_setsid, ROCKER_STEP_setsid, 0, 0, 0);
    sp.expect_reg = expect_register;
}

static union { struct rocker_rep_run rep; uint64_t a; unsigned char b[ROCKER_REPLY_MAX + 1024]; } out;

/* sp's frame into `out`; its length. */
static size_t build_reply(pid_t guard)
{
    size_t n;
    int i, ctl = 0;
    memset(&out, 0, sizeof out);
    out.rep.hdr.magic = ROCKER_MAGIC;
    out.rep.hdr.version = ROCKER_PROTO_VERSION;
    out.rep.hdr.kind = ROCKER_KIND_RUN_REPLY;
    if (sp.err) {
        out.rep.err = sp.err;
        out.rep.sys_errno = sp.err_errno;
        out.rep.step = (uint16_t)sp.err_step;
        n = ROCKER_REP_RUN_SIZE_VER0;
    } else {
        out.rep.guard_pid = guard;
        if (sp.bad_pname)
            memset(out.rep.guard_pname, 'x', sizeof out.rep.guard_pname);
        else
            strcpy(out.rep.guard_pname, FAKE_PNAME);
        out.rep.n_fds = (uint32_t)(sp.n_fds_field >= 0 ? sp.n_fds_field : sp.nfds);
        for (i = 0; i < sp.nfds; i++)
            if (sp.kind[i] == K_CTL) {
                ctl = i;
                break;
            }
        out.rep.ctl_fd = (uint32_t)(sp.ctl_fd_field >= 0 ? sp.ctl_fd_field : ctl);
        out.rep.n_ops = (uint32_t)(sp.n_ops_field >= 0 ? sp.n_ops_field : sp.n_ops);
        out.rep.blob_len = sp.blob_len;
        memcpy(out.b + ROCKER_REP_RUN_SIZE, sp.ops, (size_t)sp.n_ops * ROCKER_OP_SIZE);
        n = ROCKER_REP_RUN_SIZE + (size_t)sp.n_ops * ROCKER_OP_SIZE;
        memcpy(out.b + n, sp.blob.b, sp.blob_len);
        n += (sp.blob_len + 7u) & ~7u;
        if (sp.v1_success)
            n = ROCKER_REP_RUN_SIZE_VER0;
    }
    n = (size_t)((long)n + sp.extra_len);
    if (sp.send_len)
        n = sp.send_len;
    out.rep.hdr.size = (uint32_t)n;
    return n;
}

/* ---- the fake guard's ctl ------------------------------------------------------ */

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

/* Reads ctl until EOF (every holder closed it): a REGISTER carries the App's
 * pidfd, whose pid goes to the test before `seen` lets the App go on. */
static void watch_ctl(int ctl, int expect)
{
    struct rocker_hdr h;
    int fds[8], nfds, registered = 0, i;
    ssize_t n;

    for (;;) {
        n = recv_fds(ctl, &h, sizeof h, fds, &nfds, 10000);
        if (n == -2) {
            srv_ok(0, "guard: timed out waiting on ctl");
            return;
        }
        if (n <= 0)
            break;
        srv_ok(n == 16 && h.magic == ROCKER_MAGIC && h.version == 1 &&
               h.kind == ROCKER_KIND_REGISTER && h.size == 16 && h.flags == 0 && nfds == 1,
               "guard: REGISTER message (%ld bytes, kind %u, %d fd)", (long)n, h.kind, nfds);
        if (nfds >= 1) {
            struct pollfd p;
            struct rec r;
            registered = 1;
            memset(&r, 0, sizeof r);
            r.ok = 2; /* special: the registered pid */
            snprintf(r.what, sizeof r.what, "%ld", fdinfo_pid(fds[0]));
            if (write(report[1], &r, sizeof r) != (ssize_t)sizeof r)
                _exit(4);
            /* fdinfo says -1 once the App is gone: it waits for this */
            if (seen[1] >= 0 && write(seen[1], "s", 1) != 1)
                _exit(5);
            p.fd = fds[0];
            p.events = POLLIN;
            srv_ok(poll(&p, 1, 10000) == 1, "guard: the pidfd reports the App's exit");
        }
        for (i = 0; i < nfds; i++)
            close(fds[i]);
    }
    if (expect == 0)
        srv_ok(!registered, "guard: no App pidfd registered");
    else if (expect == 1)
        srv_ok(registered, "guard: got the App's pidfd");
    srv_ok(1, "guard: ctl EOF (all holders closed it)");
}

/* ---- the fake guard (S_NS_FULL) ---------------------------------------------- */

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

/* pid 1 of the new pid ns: unshare user ns, then watch ctl. */
static void fake_guard(int ctl, int to_srv, int from_srv)
{
    char c;

    prctl(PR_SET_NAME, FAKE_PNAME, 0, 0, 0);
    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    c = unshare(CLONE_NEWUSER) == 0 ? 'u' : 'E';
    if (write(to_srv, &c, 1) != 1 || c != 'u' || read(from_srv, &c, 1) != 1)
        _exit(2);
    watch_ctl(ctl, sp.expect_reg);
    _exit(0);
}

static void serve_ns_full(int conn)
{
    int ctl[2], up[2], down[2], fds[4], i, st;
    char path[64], c;
    size_t n;
    pid_t g;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) || pipe2(up, O_CLOEXEC) ||
        pipe2(down, O_CLOEXEC) || unshare(CLONE_NEWNS | CLONE_NEWPID)) {
        srv_ok(0, "fake master: setup: %s", strerror(errno));
        send_err(conn, ROCKER_ERR_sys, errno, ROCKER_STEP_clone_guard, 0);
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
        send_err(conn, ROCKER_ERR_id_map_failed, EPERM, ROCKER_STEP_unshare_user, 0);
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
    /* the order of spec_real_ns: ctl, mnt, pid, user */
    fds[0] = ctl[1];
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)g);
    fds[1] = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)g);
    fds[2] = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)g);
    fds[3] = open(path, O_RDONLY | O_CLOEXEC);
    n = build_reply(g);
    srv_ok(send_fds(conn, out.b, n, fds, 4) == 0, "fake master: v2 reply, %d ops, 4 fds", sp.n_ops);
    for (i = 0; i < 4; i++)
        close(fds[i]);
    close(conn);
    srv_ok(waitpid(g, &st, 0) == g && WIFEXITED(st) && WEXITSTATUS(st) == 0,
           "fake guard exited 0 (status %#x)", st);
}

/* ---- the fake master ------------------------------------------------------------ */

/* S_RECIPE: sends sp's reply with its fds, then checks what became of them. */
static void serve_recipe(int conn)
{
    int fds[MAX_SEND_FDS], keep[MAX_SEND_FDS], i, p[2];
    size_t n;
    int ctl = -1;

    for (i = 0; i < sp.nfds; i++) {
        keep[i] = -1;
        switch (sp.kind[i]) {
        case K_CTL:
            if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p))
                _exit(6);
            fds[i] = p[1];
            keep[i] = ctl = p[0];
            break;
        case K_PIPE:
        case K_PIPE_R:
            if (pipe2(p, O_CLOEXEC))
                _exit(6);
            fds[i] = sp.kind[i] == K_PIPE ? p[1] : p[0];
            keep[i] = sp.kind[i] == K_PIPE ? p[0] : p[1];
            break;
        case K_NS_MNT:
            fds[i] = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
            break;
        case K_NS_PID:
            fds[i] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
            break;
        case K_NS_USER:
            fds[i] = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
            break;
        default:
            fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
            break;
        }
    }
    n = build_reply(getpid());
    if (send_fds(conn, out.b, n, fds, sp.nfds) != 0)
        srv_ok(0, "fake master: send %lu bytes + %d fds: %s", (unsigned long)n, sp.nfds, strerror(errno));
    for (i = 0; i < sp.nfds; i++)
        close(fds[i]);
    close(conn);
    if (ctl >= 0)
        watch_ctl(ctl, sp.expect_reg);
    for (i = 0; i < sp.nfds; i++) {
        struct pollfd pf;
        if (sp.kind[i] == K_PIPE) {
            char got[64];
            size_t len = 0;
            ssize_t k = 1;
            pf.fd = keep[i];
            pf.events = POLLIN;
            while (len < sizeof got - 1 && poll(&pf, 1, 5000) == 1 &&
                   (k = read(keep[i], got + len, sizeof got - 1 - len)) > 0)
                len += (size_t)k;
            got[len] = '\0';
            srv_ok(k == 0 && (!sp.pipe_want[i] || !strcmp(got, sp.pipe_want[i])),
                   "fd %d (pipe): '%s' arrived (want '%s'), then every holder closed it", i, got,
                   sp.pipe_want[i] ? sp.pipe_want[i] : "anything");
        } else if (sp.kind[i] == K_PIPE_R) {
            pf.fd = keep[i];
            pf.events = 0;
            srv_ok(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLERR),
                   "fd %d (pipe read end): every holder closed it", i);
        }
        if (keep[i] >= 0)
            close(keep[i]);
    }
}

static unsigned want_stall;    /* S_EXPECT: the request's test_stall */
/* S_EXPECT: the request's seccomp fields (names: NUL-separated, sized) */
static unsigned want_sc, want_sc_def, want_sc_act;
static const char *want_sc_names = "";
static size_t want_sc_names_len;
static const char *want_data_dir = "/tmp/app-data"; /* S_ERR */

static void check_request(const struct rocker_req_run *m, ssize_t n, const int *fds, int nfds)
{
    struct stat a, b;
    int i, rest_zero = 1;
    /* The shortest version that carries the fields: VER1 here. */
    srv_ok(n == ROCKER_REQ_RUN_SIZE_VER1, "RUN datagram is %d bytes (%ld)", ROCKER_REQ_RUN_SIZE_VER1, (long)n);
    srv_ok(m->hdr.magic == ROCKER_MAGIC && m->hdr.version == 1 && m->hdr.kind == 1 &&
           m->hdr.size == ROCKER_REQ_RUN_SIZE_VER1 && m->hdr.flags == 0,
           "RUN header: magic %#x version %u kind %u size %u flags %u", m->hdr.magic,
           m->hdr.version, m->hdr.kind, m->hdr.size, m->hdr.flags);
    srv_ok(m->app_id == 4242 && m->uid == TEST_UID && m->gid == TEST_UID && m->run_flags == 1 &&
           m->n_overlay == 3 && m->reserved == 0,
           "RUN fields: app_id %d uid %u gid %u run_flags %u n_overlay %u reserved %u", m->app_id,
           m->uid, m->gid, m->run_flags, m->n_overlay, m->reserved);
    srv_ok(m->reply_max == ROCKER_REPLY_MAX && m->test_stall == 0,
           "RUN VER1 fields: reply_max %u (the client's buffer), test_stall %u", m->reply_max,
           m->test_stall);
    srv_ok(field_is(m->pkg, sizeof m->pkg, pkg_path) &&
           field_is(m->exec_dir, sizeof m->exec_dir, "/var/app/exec") &&
           field_is(m->data_dir, sizeof m->data_dir, want_data_dir),
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
        char raw[8192];
    } u;
    struct rocker_rep_run rep;
    int conn, fds[8], nfds = 0, i;
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
        srv_ok(n == ROCKER_REQ_LIST_SIZE && u.hdr.magic == ROCKER_MAGIC && u.hdr.version == 1 &&
               u.hdr.kind == 2 && u.hdr.size == ROCKER_REQ_LIST_SIZE && u.hdr.flags == 0 && nfds == 0 &&
               ((struct rocker_req_list *)&u)->entry_size == ROCKER_LIST_ENTRY_SIZE,
               "LIST request: 24 bytes, kind 2, entry_size 336, no fd");
    } else if (sc == S_ERR) {
        check_request(&u.run, n, fds, nfds);
    } else if (sc == S_EXPECT) {
        srv_ok(n >= ROCKER_REQ_RUN_SIZE_VER1 && n == (ssize_t)u.run.hdr.size && nfds == 1 &&
               u.run.reply_max == ROCKER_REPLY_MAX && u.run.test_stall == want_stall,
               "RUN request: %ld bytes, %d fd, reply_max %u, test_stall %u (want %u)", (long)n, nfds,
               u.run.reply_max, u.run.test_stall, want_stall);
        srv_ok(u.run.seccomp == want_sc && u.run.seccomp_default == want_sc_def &&
               u.run.seccomp_action == want_sc_act && u.run.seccomp_errno == 0 &&
               !memcmp(u.run.seccomp_names, want_sc_names, want_sc_names_len) &&
               u.run.seccomp_names[want_sc_names_len] == '\0',
               "RUN seccomp %u (want %u), default %u action %u, names '%.40s'", u.run.seccomp, want_sc,
               u.run.seccomp_default, u.run.seccomp_action, u.run.seccomp_names);
    } else {
        srv_ok(n >= ROCKER_REQ_RUN_SIZE_VER1 && n == (ssize_t)u.run.hdr.size && nfds == 1 &&
               u.run.reply_max == ROCKER_REPLY_MAX,
               "RUN request received with one fd, reply_max %u", u.run.reply_max);
    }
    for (i = 0; i < nfds; i++)
        close(fds[i]);

    switch (sc) {
    case S_ERR:
        send_err(conn, ROCKER_ERR_pkg_not_squashfs, EINVAL, ROCKER_STEP_pkg_check, 0);
        break;
    case S_ERR_OVERLAY:
        send_err(conn, ROCKER_ERR_overlay_invalid, ENOTDIR, ROCKER_STEP_validate, 3);
        break;
    case S_BAD_MAGIC:
        memset(&rep, 0, sizeof rep);
        rep.hdr.magic = 0x31524B52;
        rep.hdr.version = 1;
        rep.hdr.kind = ROCKER_KIND_RUN_REPLY;
        rep.hdr.size = ROCKER_REP_RUN_SIZE_VER0;
        rep.err = ROCKER_ERR_busy;
        send_fds(conn, &rep, ROCKER_REP_RUN_SIZE_VER0, NULL, 0);
        break;
    case S_BAD_SIZE:
        memset(&rep, 0, sizeof rep);
        rep.hdr.magic = ROCKER_MAGIC;
        rep.hdr.version = 1;
        rep.hdr.kind = ROCKER_KIND_RUN_REPLY;
        rep.hdr.size = 16;
        send_fds(conn, &rep, 16, NULL, 0);
        break;
    case S_CLOSE:
        break;
    case S_TIMEOUT:
        n = recv_fds(conn, &u, sizeof u, fds, &nfds, 5000);
        srv_ok(n == 0, "client hung up after its timeout");
        break;
    case S_RECIPE:
        serve_recipe(conn);
        conn = -1;
        break;
    case S_EXPECT:
        send_err(conn, sp.err ? sp.err : ROCKER_ERR_pkg_not_squashfs, EINVAL, ROCKER_STEP_pkg_check, 0);
        break;
    case S_NS_FULL:
        serve_ns_full(conn);
        conn = -1;
        break;
    case S_LIST:
    case S_LIST_BAD:
        memset(&u, 0, sizeof u);
        u.list.head.hdr.magic = ROCKER_MAGIC;
        u.list.head.hdr.version = 1;
        u.list.head.hdr.kind = ROCKER_KIND_LIST_REPLY;
        u.list.head.count = sc == S_LIST ? 2 : 3;
        u.list.head.entry_size = ROCKER_LIST_ENTRY_SIZE;
        u.list.head.hdr.size = ROCKER_REP_LIST_SIZE + 2 * ROCKER_LIST_ENTRY_SIZE;
        fill_entry(&u.list.e[0], (int)victim, 7, "rk-victim", "/apps/a.sqfs", 3723000000000ull);
        fill_entry(&u.list.e[1], 99999, 0, "rk-b", "/apps/b.sqfs", 5000000000ull);
        u.list.e[0].net = ROCKER_NET_BRIDGE;
        memcpy(u.list.e[0].addr, "\12\130\0\2", 4); /* 10.88.0.2 */
        u.list.e[0].prefix = 24;
        u.list.e[0].pids = 3;
        u.list.e[0].mem_bytes = 12u << 20;
        u.list.e[1].net = ROCKER_NET_NONE;
        send_fds(conn, &u, u.list.head.hdr.size, NULL, 0);
        break;
    case S_LIST_ERR:
        send_err(conn, ROCKER_ERR_permission_denied, EPERM, ROCKER_STEP_peer_cred, 0);
        break;
    }
    if (conn >= 0)
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

/* ---- the App's view ---------------------------------------------------------------- */

struct probe {
    int pid, uid, euid, suid, gid, egid, sgid, ngroups, sid, tty_nr;
    unsigned long long cap_eff, cap_prm, cap_inh, cap_amb, cap_bnd, nnp, seccomp;
    unsigned long long nofile_cur, nofile_max;
    int dev_tty;   /* 0: /dev/tty opened (a controlling terminal), else its errno */
    int tiocsti;   /* TIOCSTI on the caller's terminal: 0 done, errno, -1 not tried */
    int extra_fds, extra_sockets, extra_ns;
    char cwd[64];
    char extra[128];
};

static unsigned char fd_before[1024];
static int ctty_fd = -1; /* the calling session's terminal, as the App inherits it */

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

static unsigned long long status_val(const char *status, const char *key, int base)
{
    const char *p = strstr(status, key);
    return p ? strtoull(p + strlen(key), NULL, base) : ~0ull;
}

/* runs as the App */
static int app_probe(void *arg)
{
    struct probe pr;
    char status[4096] = "", link[128], path[64], stat_line[512];
    struct rlimit rl;
    DIR *d;
    struct dirent *e;
    const char *p;
    uid_t u[3];
    gid_t g[3];
    int fd;
    ssize_t n;

    (void)arg;
    memset(&pr, 0, sizeof pr);
    pr.pid = (int)getpid();
    getresuid(&u[0], &u[1], &u[2]);
    getresgid(&g[0], &g[1], &g[2]);
    pr.uid = (int)u[0];
    pr.euid = (int)u[1];
    pr.suid = (int)u[2];
    pr.gid = (int)g[0];
    pr.egid = (int)g[1];
    pr.sgid = (int)g[2];
    pr.ngroups = getgroups(0, NULL);
    pr.sid = (int)getsid(0);
    fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, status, sizeof status - 1);
        status[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    pr.cap_eff = status_val(status, "CapEff:", 16);
    pr.cap_prm = status_val(status, "CapPrm:", 16);
    pr.cap_inh = status_val(status, "CapInh:", 16);
    pr.cap_amb = status_val(status, "CapAmb:", 16);
    pr.cap_bnd = status_val(status, "CapBnd:", 16);
    pr.nnp = status_val(status, "NoNewPrivs:", 10);
    pr.seccomp = status_val(status, "Seccomp:", 10);
    pr.tty_nr = -1;
    fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, stat_line, sizeof stat_line - 1);
        stat_line[n > 0 ? n : 0] = '\0';
        close(fd);
        p = strrchr(stat_line, ')');
        if (!p || sscanf(p + 1, " %*c %*d %*d %*d %d", &pr.tty_nr) != 1)
            pr.tty_nr = -1;
    }
    fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    pr.dev_tty = fd >= 0 ? 0 : errno;
    if (fd >= 0)
        close(fd);
    pr.tiocsti = -1;
    if (ctty_fd >= 0)
        pr.tiocsti = ioctl(ctty_fd, TIOCSTI, "#") == 0 ? 0 : errno;
    getrlimit(RLIMIT_NOFILE, &rl);
    pr.nofile_cur = (unsigned long long)rl.rlim_cur;
    pr.nofile_max = (unsigned long long)rl.rlim_max;
    if (!getcwd(pr.cwd, sizeof pr.cwd))
        strcpy(pr.cwd, "?");
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
    if (expect_register == 1 && seen[0] >= 0) { /* stay alive until the guard looked at our pidfd */
        struct pollfd pf;
        char c;
        pf.fd = seen[0];
        pf.events = POLLIN;
        if (poll(&pf, 1, 5000) != 1 || read(seen[0], &c, 1) != 1)
            return 2;
    }
    return 42;
}

static int read_probe(struct probe *pr)
{
    struct pollfd p;
    memset(pr, 0, sizeof *pr);
    p.fd = probe_pipe[0];
    p.events = POLLIN;
    return poll(&p, 1, 5000) == 1 && read(probe_pipe[0], pr, sizeof *pr) == (ssize_t)sizeof *pr;
}

/* marks that app() ran, for the cases where it must not */
static int app_mark(void *arg)
{
    (void)arg;
    return write(mark[1], "r", 1) == 1 ? 0 : 1;
}

static int app_ran(void)
{
    char c;
    return read(mark[0], &c, 1) == 1;
}

static int no_child_left(void)
{
    return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

/* Whether the App can be started here at all: the helper's raw
 * clone(CLONE_PARENT) (qemu-user refuses it with EINVAL). */
static int probe_clone_parent(void)
{
    pid_t c = fork(), w;
    int st, ok_ = 0;
    if (c == 0) {
        long g = rocker__syscall(SYS_clone, ROCKER__CLONE_PARENT | (long)SIGCHLD, 0L, 0L, 0L, 0L);
        if (g == 0)
            _exit(0);
        _exit(g > 0 ? 0 : 1);
    }
    if (c < 0)
        return 0;
    if (waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0)
        ok_ = 1;
    while ((w = waitpid(-1, &st, ok_ ? 0 : WNOHANG)) > 0) /* the grandchild is ours */
        ;
    return ok_;
}

/* Whether recvmsg reports MSG_CTRUNC for fds beyond the control buffer (and
 * drops them), probed as the client meets it: 17 fds into room for 16.
 * qemu-user receives into a larger host buffer, keeps the extra fds in the
 * process and loses the flag. */
static int probe_ctrunc(void)
{
    union { struct cmsghdr a; unsigned char b[CMSG_SPACE(ROCKER_MAX_FDS * sizeof(int))]; } c;
    struct msghdr m;
    struct iovec iov;
    char byte = 'x';
    int sv[2], many[ROCKER_MAX_FDS + 1], got[ROCKER_MAX_FDS], i, n = 0, res;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
        return 0;
    for (i = 0; i <= ROCKER_MAX_FDS; i++)
        many[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    send_fds(sv[0], &byte, 1, many, ROCKER_MAX_FDS + 1);
    for (i = 0; i <= ROCKER_MAX_FDS; i++)
        close(many[i]);
    memset(&m, 0, sizeof m);
    iov.iov_base = &byte;
    iov.iov_len = 1;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = c.b;
    m.msg_controllen = sizeof c.b;
    res = recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC) == 1 && (m.msg_flags & MSG_CTRUNC);
    if (m.msg_controllen >= CMSG_LEN(0)) {
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        n = h ? (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int)) : 0;
        if (n > ROCKER_MAX_FDS)
            n = ROCKER_MAX_FDS;
        if (n > 0)
            memcpy(got, CMSG_DATA(h), (size_t)n * sizeof(int));
    }
    for (i = 0; i < n; i++)
        close(got[i]);
    close(sv[0]);
    close(sv[1]);
    return res;
}

static int probe_namespaces(void)
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

static void seen_open(void)
{
    if (pipe2(seen, O_CLOEXEC) != 0)
        seen[0] = seen[1] = -1;
}

static void seen_close(void)
{
    if (seen[0] >= 0)
        close(seen[0]);
    if (seen[1] >= 0)
        close(seen[1]);
    seen[0] = seen[1] = -1;
}

/* ---- library scenarios ----------------------------------------------------------- */

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

static RockerResult call(enum scenario sc)
{
    RockerRequest q = test_req();
    pid_t srv = start_server(sc);
    RockerResult r = ROCKER_enter_rocker(&q, app_mark, NULL);
    char b[160], line[200];
    snprintf(line, sizeof line, "result: %s", ROCKER_strerror_r(&r, b, sizeof b));
    diag(line);
    finish_server(srv);
    return r;
}

/* reason/errno/step as given, err_no its seed code, no App */
static int is(RockerResult r, int reason, int e, int step)
{
    return r.reason == reason && (int)r.err_no == ROCKER_seed_code(reason) && r.sys_errno == e &&
           r.step == step && r.app_pid == 0;
}

static void test_errors(void)
{
    RockerResult r;
    int fd0 = count_fds();

    r = call(S_ERR);
    ok(is(r, ROCKER_ERR_pkg_not_squashfs, EINVAL, ROCKER_STEP_pkg_check) && r.index == 0 &&
       r.err_no == ROCKER_ERR_param_invalid,
       "56-byte error reply decoded: param_invalid (pkg_not_squashfs) EINVAL at pkg_check");
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
    r = call(S_TIMEOUT);
    ok(is(r, ROCKER_ERR_recv_resp_failed, ETIMEDOUT, ROCKER_STEP_guard_timeout),
       "no reply within %d ms -> recv_resp_failed ETIMEDOUT at guard_timeout", ROCKER_REPLY_TIMEOUT_MS);
    ok(!app_ran() && no_child_left(), "no App ran, no child left behind");
    ok(count_fds() == fd0, "no fd leaked across the error scenarios (%d -> %d)", fd0, count_fds());
}

/* One crafted reply (sp) against ROCKER_enter_rocker(app). */
struct outcome {
    RockerResult r;
    int app_status; /* wait status of the App, -1 if none */
    int ran;        /* app() ran (app_mark) */
    int clean;      /* no child left, no fd leaked */
};

static struct outcome run_spec(int (*app)(void *))
{
    struct outcome o;
    RockerRequest q = test_req();
    int fd0 = count_fds(), st;
    char b[160], line[220];
    pid_t srv, w;

    memset(&o, 0, sizeof o);
    o.app_status = -1;
    srv = start_server(S_RECIPE);
    o.r = ROCKER_enter_rocker(&q, app, NULL);
    snprintf(line, sizeof line, "result: %s", ROCKER_strerror_r(&o.r, b, sizeof b));
    diag(line);
    if (o.r.err_no == ROCKER_ERR_success && o.r.app_pid > 0) {
        do
            w = waitpid(o.r.app_pid, &st, 0);
        while (w < 0 && errno == EINTR);
        o.app_status = w == o.r.app_pid ? st : -2;
    }
    finish_server(srv);
    o.ran = app_ran();
    o.clean = no_child_left() && count_fds() == fd0;
    return o;
}

/* the recipe failed with (reason enter_rocker_failed) e at step, the result
 * still names the guard, the App (if it was cloned) never ran app() and was
 * reaped, nothing leaked */
#define FAILS(o, e, step, ...)                                                                     \
    ok(is((o).r, ROCKER_ERR_enter_rocker_failed, e, step) && (o).r.guard_pid > 0 &&              \
           !strcmp((o).r.guard_pname, FAKE_PNAME) && !(o).ran && (o).clean,                        \
       __VA_ARGS__)
#define REFUSED(o, e, ...)                                                                         \
    ok(is((o).r, ROCKER_ERR_recv_resp_failed, e, ROCKER_STEP_recv) && !(o).ran && (o).clean,      \
       __VA_ARGS__)

/* A reply the client must refuse before anything runs; 4 pipes besides ctl,
 * whose closing the fake checks. */
static void spec_frame(void)
{
    spec_reset();
    spec_fd(K_CTL);
    spec_fd(K_PIPE);
    spec_fd(K_PIPE_R);
    spec_fd(K_PIPE);
    spec_op(ROCKER_OP_join_cgroup, ROCKER_STEP_setns_cgroup, 1, 0, 0);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(ROCKER_OP_setsid, ROCKER_STEP_setsid, 0, 0, 0);
    sp.pipe_want[1] = ""; /* refused: join_cgroup never wrote */
    sp.pipe_want[3] = "";
}

static void test_frames(void)
{
    struct outcome o;
    int i;

    spec_frame();
    sp.err = ROCKER_ERR_no_loop_device;
    sp.err_errno = EBUSY;
    sp.err_step = ROCKER_STEP_loop_get_free;
    o = run_spec(app_mark);
    ok(is(o.r, ROCKER_ERR_no_loop_device, EBUSY, ROCKER_STEP_loop_get_free) &&
       o.r.err_no == ROCKER_ERR_build_rocker_failed && o.clean,
       "error reply with stray fds: error decoded (build_rocker_failed/no_loop_device), the fds closed");

    spec_frame();
    sp.n_fds_field = 3;
    o = run_spec(app_mark);
    REFUSED(o, EPROTO, "n_fds 3 but 4 fds attached -> EPROTO, all closed");
    spec_frame();
    sp.n_fds_field = 5;
    o = run_spec(app_mark);
    REFUSED(o, EPROTO, "n_fds 5 but 4 fds attached -> EPROTO, all closed");

    if (kernel_ctrunc) {
        spec_frame();
        for (i = sp.nfds; i < ROCKER_MAX_FDS + 1; i++)
            spec_fd(K_PIPE);
        o = run_spec(app_mark);
        REFUSED(o, EMSGSIZE, "17 fds (one more than ROCKER_MAX_FDS) -> EMSGSIZE (MSG_CTRUNC), every one closed");
        spec_frame();
        for (i = sp.nfds; i < ROCKER_MAX_FDS + 1; i++)
            spec_fd(K_PIPE);
        sp.n_fds_field = ROCKER_MAX_FDS;
        o = run_spec(app_mark);
        REFUSED(o, EMSGSIZE, "17 fds with n_fds 16 -> EMSGSIZE, every one closed");
    } else {
        skip_unless_ci("17 fds: recvmsg here keeps fds beyond the buffer and loses MSG_CTRUNC (qemu-user)");
    }
    spec_frame();
    for (i = sp.nfds; i < ROCKER_MAX_FDS; i++)
        spec_fd(K_PIPE);
    sp.n_fds_field = ROCKER_MAX_FDS + 1;
    o = run_spec(app_mark);
    REFUSED(o, EPROTO, "16 fds with n_fds 17 -> EPROTO, every one closed");

    spec_frame();
    sp.n_ops_field = 4;
    o = run_spec(app_mark);
    REFUSED(o, EPROTO, "truncated: n_ops 4, 3 ops sent -> EPROTO");
    spec_frame();
    sp.extra_len = -8;
    o = run_spec(app_mark);
    REFUSED(o, EPROTO, "truncated: the last op cut by 8 bytes -> EPROTO");
    spec_frame();
    sp.extra_len = 8;
    o = run_spec(app_mark);
    REFUSED(o, EPROTO, "8 bytes more than the frame -> EPROTO");
    spec_frame();
    spec_blob("/", 2);
    sp.extra_len = -6;
    o = run_spec(app_mark);
    REFUSED(o, EPROTO, "blob not padded to 8 -> EPROTO");
    spec_frame();
    sp.send_len = ROCKER_REPLY_MAX + 8;
    o = run_spec(app_mark);
    REFUSED(o, EMSGSIZE, "a reply of ROCKER_REPLY_MAX + 8 bytes -> EMSGSIZE (MSG_TRUNC), fds closed");
    spec_frame();
    sp.ctl_fd_field = 4;
    o = run_spec(app_mark);
    REFUSED(o, EPROTO, "ctl_fd 4 of 4 fds -> EPROTO");
    spec_frame();
    sp.bad_pname = 1;
    o = run_spec(app_mark);
    REFUSED(o, EPROTO, "guard_pname without NUL -> EPROTO");
    spec_frame();
    sp.v1_success = 1;
    o = run_spec(app_mark);
    REFUSED(o, EPROTO, "a v1 (56-byte) success reply to this v2 client -> EPROTO, fds closed");

    /* exactly ROCKER_REPLY_MAX is taken, and its recipe runs: a chdir to a
     * missing dir fails before the App */
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_chdir, ROCKER_STEP_recipe, spec_blob("/nonexistent-rocker", 20), 20, 0);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(ROCKER_OP_setsid, ROCKER_STEP_setsid, 0, 0, 0);
    sp.blob_len = ROCKER_REPLY_MAX - ROCKER_REP_RUN_SIZE - 3 * ROCKER_OP_SIZE; /* zeros after the path */
    o = run_spec(app_mark);
    FAILS(o, ENOENT, ROCKER_STEP_recipe,
          "a reply of exactly ROCKER_REPLY_MAX (8192) bytes is taken: its chdir runs -> ENOENT");
}

/* Recipes that fail before the App exists: they run everywhere (qemu-user
 * too), each must report the op's errno and step, start nothing, leak
 * nothing. */
static void test_recipe_errors(void)
{
    struct outcome o;
    unsigned char prog[8];

#define PRE_APP() spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0)
    spec_reset();
    spec_fd(K_CTL);
    spec_fd(K_PIPE);
    spec_op(ROCKER_OP_setns, ROCKER_STEP_setns_mnt, 2, CLONE_NEWNS, 0);
    PRE_APP();
    sp.pipe_want[1] = "";
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_setns_mnt, "setns with fd index 2 of 2 -> enter_rocker_failed EPROTO at setns_mnt");

    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_join_cgroup, ROCKER_STEP_setns_cgroup, 0xffffffffu, 0, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_setns_cgroup, "join_cgroup with fd index 0xffffffff -> EPROTO at its step");

    spec_reset();
    spec_fd(K_CTL);
    spec_fd(K_PIPE);
    spec_op(ROCKER_OP_join_cgroup, ROCKER_STEP_setns_cgroup, 1, 0, 0);
    spec_op(ROCKER_OP_setsid, ROCKER_STEP_setsid, 0, 0, 0);
    spec_op(ROCKER_OP_no_new_privs, ROCKER_STEP_no_new_privs, 0, 0, 0);
    sp.pipe_want[1] = "";
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "a recipe without an APP op -> EPROTO at recipe, before any op ran");

    spec_reset();
    spec_fd(K_CTL);
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "an empty recipe -> EPROTO at recipe");

    spec_reset();
    spec_fd(K_CTL);
    spec_op(0, ROCKER_STEP_setns_ipc, 0, 0, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_setns_ipc, "op 0 -> EPROTO at its step");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_seccomp + 1, ROCKER_STEP_setns_net, 0, 0, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_setns_net, "op 15 (unknown to this client) -> EPROTO at its step");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(0xffff, ROCKER_STEP_recipe, 0, 0, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "op 0xffff -> EPROTO");

    /* CHDIR and SECCOMP stay inside the blob */
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_chdir, ROCKER_STEP_recipe, spec_blob("/tmp", 5), 0, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "chdir of length 0 -> EPROTO");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_chdir, ROCKER_STEP_recipe, spec_blob("/tmp", 5), 4, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "chdir without its NUL -> EPROTO");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_chdir, ROCKER_STEP_recipe, spec_blob("/tmp", 5), 6, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "chdir past blob_len (5 of 5 + 1) -> EPROTO");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_chdir, ROCKER_STEP_recipe, 16, 1, 0);
    spec_blob("/tmp", 5);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "chdir at offset 16 of a 5-byte blob -> EPROTO");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_chdir, ROCKER_STEP_recipe, spec_blob("/nonexistent-rocker", 20), 20, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, ENOENT, ROCKER_STEP_recipe, "chdir to a missing dir -> ENOENT");

    bpf_insn(prog, BPF_RET_K, RET_ALLOW);
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_seccomp, ROCKER_STEP_recipe, spec_blob(prog, 8), 0, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "seccomp of 0 instructions -> EPROTO");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_seccomp, ROCKER_STEP_recipe, spec_blob(prog, 8), 2, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "seccomp of 2 instructions in an 8-byte blob -> EPROTO");
    spec_reset();
    spec_fd(K_CTL);
    spec_blob(prog, 8);
    spec_blob(prog, 8);
    spec_op(ROCKER_OP_seccomp, ROCKER_STEP_recipe, 4, 1, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "seccomp at offset 4 (not 8-aligned) -> EPROTO");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_seccomp, ROCKER_STEP_recipe, 8, 1, 0);
    spec_blob(prog, 8);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "seccomp at offset 8 of an 8-byte blob -> EPROTO");

    /* a failing privileged op: its errno and step, no App */
    spec_reset();
    spec_fd(K_CTL);
    spec_fd(K_PIPE);
    spec_op(ROCKER_OP_join_cgroup, ROCKER_STEP_setns_cgroup, 1, 0, 0);
    spec_op(ROCKER_OP_capset, ROCKER_STEP_drop_caps, 0, 0, 0);
    spec_op(ROCKER_OP_setresuid, ROCKER_STEP_setresuid, 0, getuid() == 54321 ? 54322 : 54321, 0);
    PRE_APP();
    sp.pipe_want[1] = "0"; /* the ops before it ran, in order */
    o = run_spec(app_mark);
    FAILS(o, EPERM, ROCKER_STEP_setresuid,
          "setresuid to another uid without CAP_SETUID -> EPERM at setresuid, after the ops before it");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_prlimit, ROCKER_STEP_recipe, 9999, 1, 1);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EINVAL, ROCKER_STEP_recipe, "prlimit of resource 9999 -> EINVAL");
    spec_reset();
    spec_fd(K_CTL);
    spec_fd(K_PIPE_R);
    spec_op(ROCKER_OP_join_cgroup, ROCKER_STEP_setns_cgroup, 1, 0, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EBADF, ROCKER_STEP_setns_cgroup, "join_cgroup on a read-only fd -> EBADF");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_capset, ROCKER_STEP_drop_caps, 0, 0, 0);
    spec_op(ROCKER_OP_ambient, ROCKER_STEP_ambient, 0, 1u << 10, 0);
    PRE_APP();
    o = run_spec(app_mark);
    FAILS(o, EPERM, ROCKER_STEP_ambient, "ambient raise of a capability not permitted -> EPERM at ambient");

    /* the real recipe with the fake's own namespaces: it cannot re-enter its
     * own user ns (EINVAL), unprivileged it cannot setns at all (EPERM),
     * and qemu-user refuses setns into a mount ns (EINVAL) */
    spec_real_ns(TEST_UID, TEST_UID);
    o = run_spec(app_mark);
    ok(o.r.err_no == ROCKER_ERR_enter_rocker_failed && o.r.reason == ROCKER_ERR_enter_rocker_failed &&
       ((o.r.step == ROCKER_STEP_setns_user && o.r.sys_errno == EINVAL) ||
        (o.r.step == ROCKER_STEP_setns_mnt && (o.r.sys_errno == EPERM || o.r.sys_errno == EINVAL))) &&
       !o.ran && o.clean,
       "own-namespace fds: the helper fails at setns (%s, %s), nothing left", ROCKER_step_name(o.r.step),
       ROCKER_errno_name(o.r.sys_errno));
#undef PRE_APP
}

/* Runs sp against app_probe: 1 when the App reported. */
static int run_probed(struct probe *pr, const char *what)
{
    struct outcome o;
    int got, want_reg = sp.expect_reg;
    seen_open();
    snapshot_fds();
    registered_pid = -1;
    o = run_spec(app_probe);
    got = o.r.err_no == ROCKER_ERR_success && read_probe(pr);
    seen_close();
    ok(got && o.r.app_pid > 0 && o.app_status >= 0 && WIFEXITED(o.app_status) &&
       WEXITSTATUS(o.app_status) == 42 && !strcmp(o.r.guard_pname, FAKE_PNAME) && o.clean,
       "%s: the App (pid %d, the caller's child) reported and exited 42, nothing left", what, o.r.app_pid);
    if (want_reg == 1)
        ok(registered_pid == o.r.app_pid, "%s: the guard's pidfd is the App's (%ld)", what, registered_pid);
    return got;
}

static void check_fds(const struct probe *pr, const char *what)
{
#ifdef ROCKER_NO_CLONE_PIDFD
    ok(pr->extra_fds == 1 && pr->extra_sockets == 1 && pr->extra_ns == 0,
       "%s: no-pidfd mode: of the recipe's fds the App holds exactly ctl (%s)", what, pr->extra);
#else
    ok(pr->extra_fds == 0, "%s: the App holds none of the recipe's fds (%s)", what, pr->extra);
#endif
}

static void check_least_privilege(const struct probe *pr, int full, int uid, int gid, const char *what)
{
    ok(pr->uid == uid && pr->euid == uid && pr->suid == uid && pr->gid == gid && pr->egid == gid &&
       pr->sgid == gid, "%s: uid %d/%d/%d gid %d/%d/%d (want %d, %d)", what, pr->uid, pr->euid, pr->suid,
       pr->gid, pr->egid, pr->sgid, uid, gid);
    if (full)
        ok(pr->ngroups == 0, "%s: no supplementary groups (%d)", what, pr->ngroups);
    ok(pr->cap_eff == 0 && pr->cap_prm == 0 && pr->cap_inh == 0 && pr->cap_amb == 0,
       "%s: CapEff %llx CapPrm %llx CapInh %llx CapAmb %llx all 0", what, pr->cap_eff, pr->cap_prm,
       pr->cap_inh, pr->cap_amb);
    if (full)
        ok(pr->cap_bnd == 0, "%s: CapBnd %llx is 0", what, pr->cap_bnd);
    ok(pr->nnp == 1, "%s: NoNewPrivs %llu", what, pr->nnp);
    ok(pr->sid == pr->pid && pr->dev_tty == ENXIO && pr->tty_nr == 0,
       "%s: its own session (sid %d, pid %d), no controlling terminal (/dev/tty: %s, tty_nr %d)", what,
       pr->sid, pr->pid, pr->dev_tty ? ROCKER_errno_name(pr->dev_tty) : "opened", pr->tty_nr);
    check_fds(pr, what);
}

/* The errno TIOCSTI gives for a terminal that is not the caller's own. */
static int tiocsti_refusal(void)
{
    char c = '1';
    int fd = open("/proc/sys/dev/tty/legacy_tiocsti", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &c, 1) != 1)
            c = '1';
        close(fd);
    }
    return c == '0' ? EIO : EPERM;
}

/* Like an admin's shell: a child that leads its own session with a new pty
 * as controlling terminal calls ROCKER_enter_rocker(app_probe) (sc: S_RECIPE
 * or S_NS_FULL, with sp) and waits for the App. */
static int run_in_session(enum scenario sc, struct probe *pr, const char *what)
{
    struct { RockerResult r; int st; } back;
    int rp[2], got = 0, fd0 = count_fds();
    pid_t srv, c;

    if (pipe2(rp, O_CLOEXEC) != 0)
        return 0;
    seen_open();
    srv = start_server(sc);
    c = fork();
    if (c == 0) {
        RockerRequest q = test_req();
        char path[32];
        unsigned n = 0;
        int unlock = 0, m;
        close(rp[0]);
        back.st = -1;
        memset(&back.r, 0, sizeof back.r);
        m = setsid() < 0 ? -1 : open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (m < 0 || ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0)
            _exit(3);
        snprintf(path, sizeof path, "/dev/pts/%u", n);
        ctty_fd = open(path, O_RDWR | O_CLOEXEC);
        if (ctty_fd < 0 || ioctl(ctty_fd, TIOCSCTTY, 0) < 0)
            _exit(4);
        snapshot_fds();
        back.r = ROCKER_enter_rocker(&q, app_probe, NULL);
        if (back.r.err_no == ROCKER_ERR_success)
            while (waitpid(back.r.app_pid, &back.st, 0) < 0 && errno == EINTR)
                ;
        if (write(rp[1], &back, sizeof back) != (ssize_t)sizeof back)
            _exit(5);
        _exit(0);
    }
    close(rp[1]);
    if (c > 0 && read(rp[0], &back, sizeof back) == (ssize_t)sizeof back) {
        char b[160];
        got = back.r.err_no == ROCKER_ERR_success && read_probe(pr);
        ok(got && back.st >= 0 && WIFEXITED(back.st) && WEXITSTATUS(back.st) == 42,
           "%s: a caller with a controlling pty: the App ran (%s)", what, ROCKER_strerror_r(&back.r, b, sizeof b));
    } else {
        ok(0, "%s: the session caller died", what);
    }
    close(rp[0]);
    if (c > 0)
        waitpid(c, NULL, 0);
    finish_server(srv);
    seen_close();
    ok(no_child_left() && count_fds() == fd0, "%s: nothing left", what);
    return got;
}

static void test_least_privilege(void)
{
    struct probe pr;
    const char *what = root ? "least privilege, no namespaces, as root" : "least privilege, no namespaces, unprivileged";

    if (!can_app) {
        skip_unless_ci("recipes that start an App: clone(CLONE_PARENT) is refused here (qemu-user)");
        return;
    }
    spec_no_ns(1);
    if (run_probed(&pr, what)) {
        check_least_privilege(&pr, root, (int)app_uid, (int)app_gid, what);
        ok(pr.seccomp == 0, "%s: no seccomp filter unless the recipe has one (Seccomp: %llu)", what, pr.seccomp);
    }

    spec_no_ns(1);
    if (run_in_session(S_RECIPE, &pr, "session")) {
        ok(pr.sid == pr.pid && pr.dev_tty == ENXIO && pr.tty_nr == 0,
           "session: the App leads its own session without the caller's terminal (sid %d pid %d, /dev/tty %s, "
           "tty_nr %d)", pr.sid, pr.pid, pr.dev_tty ? ROCKER_errno_name(pr.dev_tty) : "opened", pr.tty_nr);
        ok(pr.tiocsti == tiocsti_refusal(), "session: TIOCSTI into the caller's terminal -> %s",
           pr.tiocsti > 0 ? ROCKER_errno_name(pr.tiocsti) : pr.tiocsti ? "not tried" : "INJECTED");
        check_fds(&pr, "session");
    }
    /* control: without the recipe's setsid the App would have it */
    spec_no_ns(0);
    if (run_in_session(S_RECIPE, &pr, "control without setsid"))
        ok(pr.dev_tty == 0 && pr.sid != pr.pid && pr.tty_nr != 0,
           "control without setsid: the caller's terminal is the App's (so the checks above can see it)");
}

/* Recipes whose ops after APP run in the App's own process. */
static void test_recipe_app(void)
{
    struct outcome o;
    struct probe pr;
    unsigned char prog[16];
    struct rlimit rl;
    unsigned long long cur, max;

    if (!can_app) {
        skip_unless_ci("ops in the App's process: clone(CLONE_PARENT) is refused here (qemu-user)");
        return;
    }
    /* failures after APP: reported with the op's step; app() never runs and
     * the App is reaped by the client */
    bpf_insn(prog, BPF_LD_W_ABS, 0); /* a load and no return: invalid */
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_no_new_privs, ROCKER_STEP_no_new_privs, 0, 0, 0);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(ROCKER_OP_setsid, ROCKER_STEP_setsid, 0, 0, 0);
    spec_op(ROCKER_OP_seccomp, ROCKER_STEP_recipe, spec_blob(prog, 8), 1, 0);
    o = run_spec(app_mark);
    FAILS(o, EINVAL, ROCKER_STEP_recipe,
          "an invalid seccomp program after APP -> EINVAL at its step; app() never ran, the App was reaped");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(ROCKER_OP_setsid, ROCKER_STEP_setsid, 0, 0, 0);
    spec_op(ROCKER_OP_setsid, ROCKER_STEP_recipe, 0, 0, 0);
    o = run_spec(app_mark);
    FAILS(o, EPERM, ROCKER_STEP_recipe, "setsid twice in the App -> EPERM at the second's step, App reaped");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(ROCKER_OP_app, ROCKER_STEP_recipe, 0, 0, 0);
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_recipe, "a second APP op -> EPROTO in the App, App reaped");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(77, ROCKER_STEP_setns_uts, 0, 0, 0);
    o = run_spec(app_mark);
    FAILS(o, EPROTO, ROCKER_STEP_setns_uts, "an unknown op after APP -> EPROTO at its step, App reaped");
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(ROCKER_OP_chdir, ROCKER_STEP_recipe, spec_blob("/nonexistent-rocker", 20), 20, 0);
    o = run_spec(app_mark);
    FAILS(o, ENOENT, ROCKER_STEP_recipe, "chdir to a missing dir after APP -> ENOENT, App reaped");
    /* the App closed the recipe's fds before its ops: an fd op there finds none */
    spec_reset();
    spec_fd(K_CTL);
    spec_fd(K_PIPE);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(ROCKER_OP_join_cgroup, ROCKER_STEP_setns_cgroup, 1, 0, 0);
    sp.pipe_want[1] = "";
    o = run_spec(app_mark);
    FAILS(o, EBADF, ROCKER_STEP_setns_cgroup,
          "join_cgroup after APP -> EBADF (the App holds no recipe fd any more), nothing written");

    /* successes: the App sees what its ops did */
    spec_reset();
    spec_fd(K_CTL);
    spec_fd(K_PIPE);
    spec_fd(K_PIPE);
    getrlimit(RLIMIT_NOFILE, &rl);
    max = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 300 ? 300 : (unsigned long long)rl.rlim_max;
    cur = max > 100 ? max - 100 : max;
    spec_op(ROCKER_OP_join_cgroup, ROCKER_STEP_setns_cgroup, 2, 0, 0);
    spec_op(ROCKER_OP_prlimit, ROCKER_STEP_recipe, RLIMIT_NOFILE, max, max);
    spec_op(ROCKER_OP_no_new_privs, ROCKER_STEP_no_new_privs, 0, 0, 0);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(ROCKER_OP_setsid, ROCKER_STEP_setsid, 0, 0, 0);
    spec_op(ROCKER_OP_chdir, ROCKER_STEP_recipe, spec_blob(dir, strlen(dir) + 1), (uint64_t)strlen(dir) + 1, 0);
    spec_op(ROCKER_OP_prlimit, ROCKER_STEP_recipe, RLIMIT_NOFILE, cur, max);
    sp.pipe_want[1] = "";  /* untouched */
    sp.pipe_want[2] = "0"; /* the helper joined "the cgroup" before the clone */
    sp.expect_reg = expect_register;
    if (run_probed(&pr, "ops around APP")) {
        ok(pr.nofile_cur == cur && pr.nofile_max == max,
           "prlimit before APP (%llu/%llu) and in the App (%llu/%llu): RLIMIT_NOFILE %llu/%llu", max, max, cur,
           max, pr.nofile_cur, pr.nofile_max);
        ok(!strcmp(pr.cwd, dir), "chdir in the App: cwd %s", pr.cwd);
        ok(pr.nnp == 1 && pr.sid == pr.pid, "no_new_privs before APP is inherited; setsid in the App");
        check_fds(&pr, "ops around APP");
    }

    bpf_insn(prog, BPF_RET_K, RET_ALLOW);
    spec_reset();
    spec_fd(K_CTL);
    spec_op(ROCKER_OP_no_new_privs, ROCKER_STEP_no_new_privs, 0, 0, 0);
    spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
    spec_op(ROCKER_OP_setsid, ROCKER_STEP_setsid, 0, 0, 0);
    spec_op(ROCKER_OP_seccomp, ROCKER_STEP_recipe, spec_blob(prog, 8), 1, 0);
    sp.expect_reg = expect_register;
    if (run_probed(&pr, "seccomp allow-all"))
        ok(pr.seccomp == 2, "a 1-instruction allow-all program installed last: Seccomp: %llu in the App",
           pr.seccomp);

    if (root) {
        spec_reset();
        spec_fd(K_CTL);
        spec_op(ROCKER_OP_capset, ROCKER_STEP_drop_caps, 0, 1u << 10, 1u << 10);
        spec_op(ROCKER_OP_ambient, ROCKER_STEP_ambient, 0, 1u << 10, 0);
        spec_op(ROCKER_OP_app, ROCKER_STEP_clone_app, 0, 0, 0);
        spec_op(ROCKER_OP_setsid, ROCKER_STEP_setsid, 0, 0, 0);
        sp.expect_reg = expect_register;
        if (run_probed(&pr, "ambient"))
            ok(pr.cap_amb == 0x400 && pr.cap_eff == 0x400 && pr.cap_inh == 0x400,
               "capset(0x400, inh 0x400) + ambient 0x400 (CAP_NET_BIND_SERVICE): CapAmb %llx CapEff %llx",
               pr.cap_amb, pr.cap_eff);
    } else {
        skip("ambient raise: needs root (a capability to raise)");
    }
}

/* ---- the real-namespace scenario --------------------------------------------------- */

static void test_ns_full(void)
{
    RockerRequest q = test_req();
    RockerResult r;
    struct probe pr;
    int fd0, st;
    pid_t srv, w;
    char b[160];

    if (!can_ns) {
        if (!root)
            skip_unless_ci("real namespaces: needs root");
        else
            skip_unless_ci("real namespaces: no user/pid namespaces here (qemu-user)");
        return;
    }
    spec_real_ns(TEST_UID, TEST_UID);
    sp.expect_reg = expect_register;
    seen_open();
    fd0 = count_fds();
    snapshot_fds();
    registered_pid = -1;
    srv = start_server(S_NS_FULL);
    r = ROCKER_enter_rocker(&q, app_probe, NULL);
    ok(r.err_no == ROCKER_ERR_success && r.app_pid > 0 && r.guard_pid > 0 &&
       !strcmp(r.guard_pname, FAKE_PNAME), "ns: enter_rocker succeeded: %s app_pid %d guard %d '%s'",
       ROCKER_strerror_r(&r, b, sizeof b), r.app_pid, r.guard_pid, r.guard_pname);
    ok(count_fds() == fd0, "ns: the caller holds no extra fd after success (%d -> %d)", fd0, count_fds());
    if (r.err_no != ROCKER_ERR_success) {
        finish_server(srv);
        seen_close();
        return;
    }
    ok(read_probe(&pr), "ns: the App reported");
    do
        w = waitpid(r.app_pid, &st, 0);
    while (w < 0 && errno == EINTR);
    ok(w == r.app_pid && WIFEXITED(st) && WEXITSTATUS(st) == 42,
       "ns: the App is the caller's child: waitpid -> exit 42 (status %#x)", st);
    ok(pr.pid == 2, "ns: the App is pid 2 in the guard's pid ns (%d)", pr.pid);
    check_least_privilege(&pr, 1, TEST_UID, TEST_UID, "ns");
    ok(pr.extra_ns == 0, "ns: the App inherited no namespace fd (%s)", pr.extra);
    finish_server(srv);
    seen_close();
#ifndef ROCKER_NO_CLONE_PIDFD
    ok(registered_pid == r.app_pid, "ns: the guard's pidfd is the App's (%ld == %d)", registered_pid, r.app_pid);
#endif
    ok(no_child_left(), "ns: no other child left (helper reaped)");

    spec_real_ns(TEST_UID, TEST_UID);
    sp.expect_reg = expect_register;
    if (run_in_session(S_NS_FULL, &pr, "ns session")) {
        ok(pr.pid == 2 && pr.sid == pr.pid && pr.dev_tty == ENXIO && pr.tty_nr == 0,
           "ns session: pid %d, sid %d, /dev/tty %s, tty_nr %d", pr.pid, pr.sid,
           pr.dev_tty ? ROCKER_errno_name(pr.dev_tty) : "opened", pr.tty_nr);
        ok(pr.tiocsti == tiocsti_refusal(), "ns session: TIOCSTI into the caller's terminal -> %s",
           pr.tiocsti > 0 ? ROCKER_errno_name(pr.tiocsti) : pr.tiocsti ? "not tried" : "INJECTED");
        ok(pr.cap_bnd == 0 && pr.nnp == 1 && pr.uid == TEST_UID, "ns session: CapBnd 0, NoNewPrivs 1, uid %d",
           pr.uid);
    }
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
    ok(r.err_no == ROCKER_ERR_sys && r.reason == ROCKER_ERR_permission_denied && r.sys_errno == EPERM &&
       r.step == ROCKER_STEP_peer_cred && count == 0,
       "LIST refused: sys (permission_denied) EPERM at peer_cred");
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
        ok(r.err_no == ROCKER_ERR_build_rocker_failed && r.reason == ROCKER_ERR_busy && r.sys_errno == EAGAIN &&
           r.step == ROCKER_STEP_connect,
           "full backlog: connect gives up -> build_rocker_failed (busy) EAGAIN at connect (%s)",
           ROCKER_err_name(r.reason));
    }
    if (c1 >= 0)
        close(c1);
    if (lfd >= 0)
        close(lfd);
    unlink(sock_path);
    ok(count_fds() == fd0, "no fd leaked by the connect timeout");
}

/* ---- the CLI against the fake server ----------------------------------------------- */

/* Runs the CLI (stdin /dev/null) and collects stdout, stderr, exit code. */
static int run_cli(const char *cli, char **argv, char *out, size_t on, char *err, size_t en)
{
    int po[2], pe[2], st;
    pid_t p;
    ssize_t n;
    size_t ol = 0, el = 0;
    struct pollfd pf[2];

    if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
        return -1;
    p = fork();
    if (p == 0) {
        const char *runner = getenv("ROCKER_CLI_RUNNER"); /* e.g. qemu-arm-static */
        char *av[64];
        int i, k = 0, nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
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
    pf[0].fd = po[0];
    pf[1].fd = pe[0];
    pf[0].events = pf[1].events = POLLIN;
    while (pf[0].fd >= 0 || pf[1].fd >= 0) {
        if (poll(pf, 2, 20000) <= 0)
            break;
        if (pf[0].revents) {
            n = ol < on - 1 ? read(po[0], out + ol, on - 1 - ol) : 0;
            if (n <= 0)
                pf[0].fd = -1;
            else
                ol += (size_t)n;
        }
        if (pf[1].revents) {
            n = el < en - 1 ? read(pe[0], err + el, en - 1 - el) : 0;
            if (n <= 0)
                pf[1].fd = -1;
            else
                el += (size_t)n;
        }
    }
    out[ol] = err[el] = '\0';
    close(po[0]);
    close(pe[0]);
    if (waitpid(p, &st, 0) != p)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int count_str(const char *s, const char *what)
{
    int n = 0;
    while ((s = strstr(s, what))) {
        n++;
        s += strlen(what);
    }
    return n;
}

static char data_path[160], uid_s[16], gid_s[16];

/* `rocker run` with the usual options (data dir `data`, uid/gid of the
 * no-namespace recipe) and then `extra` (NULL-terminated, ends with the
 * program); runs it against a server for sc. */
static int cli_run(const char *cli, enum scenario sc, const char *data, char **extra, char *out, size_t on,
                   char *err, size_t en)
{
    char *av[48];
    int k = 0, rc;
    pid_t srv = -1;
    av[k++] = (char *)"rocker";
    av[k++] = (char *)"run";
    av[k++] = (char *)"--pkg";
    av[k++] = pkg_path;
    av[k++] = (char *)"--exec-dir";
    av[k++] = (char *)"/x";
    av[k++] = (char *)"--data-dir";
    av[k++] = (char *)data;
    av[k++] = (char *)"--uid";
    av[k++] = uid_s;
    av[k++] = (char *)"--gid";
    av[k++] = gid_s;
    while (*extra && k < 47)
        av[k++] = *extra++;
    av[k] = NULL;
    if ((int)sc >= 0)
        srv = start_server(sc);
    rc = run_cli(cli, av, out, on, err, en);
    if (srv > 0)
        finish_server(srv);
    return rc;
}

static void test_cli_data_dir(const char *cli)
{
    char out[4096], err[4096], want[512], dd[200], nope[200], target[200];
    char *prog[] = { (char *)"--", (char *)"/bin/true", NULL };
    struct stat st;
    int rc;

    /* created: the last component only, 0700, the App's uid/gid */
    snprintf(dd, sizeof dd, "%s/dd-new", dir);
    want_stall = 0;
    spec_reset();
    rc = cli_run(cli, S_EXPECT, dd, prog, out, sizeof out, err, sizeof err);
    if (stat(dd, &st) != 0)
        memset(&st, 0, sizeof st);
    ok(rc == 125 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700 &&
       st.st_uid == app_uid && st.st_gid == app_gid,
       "cli run: a missing data dir is created 0700, owned by %d:%d (mode %o, %d:%d), exit %d", (int)app_uid,
       (int)app_gid, (unsigned)(st.st_mode & 07777), (int)st.st_uid, (int)st.st_gid, rc);
    rmdir(dd);

    /* an existing one is left alone */
    snprintf(dd, sizeof dd, "%s/dd-old", dir);
    mkdir(dd, 0755);
    chmod(dd, 0755);
    rc = cli_run(cli, S_EXPECT, dd, prog, out, sizeof out, err, sizeof err);
    if (stat(dd, &st) != 0)
        memset(&st, 0, sizeof st);
    ok(rc == 125 && (st.st_mode & 07777) == 0755 && st.st_uid == geteuid(),
       "cli run: an existing data dir keeps its mode and owner (%o, uid %d)", (unsigned)(st.st_mode & 07777),
       (int)st.st_uid);
    rmdir(dd);

    /* a missing parent is not created; nothing is sent */
    snprintf(nope, sizeof nope, "%s/nope", dir);
    snprintf(dd, sizeof dd, "%s/nope/dd", dir);
    rc = cli_run(cli, (enum scenario)-1, dd, prog, out, sizeof out, err, sizeof err);
    snprintf(want, sizeof want,
             "rocker: run: data dir: ROCKER_ERR_param_invalid (data_dir_invalid): ENOENT (%d) at open_data_dir\n",
             ENOENT);
    ok(rc == 125 && !strcmp(err, want) && access(nope, F_OK) != 0,
       "cli run: a data dir whose parent is missing: exit %d, '%s', parent not created", rc, err);

    /* a dangling symlink in its place is not followed */
    snprintf(dd, sizeof dd, "%s/dd-link", dir);
    snprintf(target, sizeof target, "%s/dd-target", dir);
    if (symlink(target, dd) == 0) {
        rc = cli_run(cli, S_EXPECT, dd, prog, out, sizeof out, err, sizeof err);
        ok(rc == 125 && access(target, F_OK) != 0 && lstat(dd, &st) == 0 && S_ISLNK(st.st_mode),
           "cli run: a dangling symlink as data dir: nothing created through it (exit %d)", rc);
        unlink(dd);
        rmdir(target);
    } else {
        ok(0, "symlink %s", dd);
    }

    if (!root) {
        /* a user cannot give the dir to another uid: refused, said so */
        char *uid_save = strdup(uid_s);
        snprintf(dd, sizeof dd, "%s/dd-other", dir);
        snprintf(uid_s, sizeof uid_s, "%d", getuid() == 54321 ? 54322 : 54321);
        rc = cli_run(cli, (enum scenario)-1, dd, prog, out, sizeof out, err, sizeof err);
        snprintf(want, sizeof want,
                 "rocker: run: data dir: ROCKER_ERR_param_invalid (data_dir_invalid): EPERM (%d) at open_data_dir\n",
                 EPERM);
        ok(rc == 125 && !strcmp(err, want), "cli run: unprivileged, data dir for another uid: '%s'", err);
        if (access(dd, F_OK) == 0)
            diag("note: the refused data dir was left behind (empty, the caller's)");
        rmdir(dd);
        snprintf(uid_s, sizeof uid_s, "%s", uid_save);
        free(uid_save);
    }
}

static void test_cli_stall(const char *cli)
{
    static const struct { const char *arg; unsigned want; } good[] = {
        { "mount_overlay", ROCKER_STEP_mount_overlay }, { "15", 15 }, { "loop_set_fd", ROCKER_STEP_loop_set_fd },
        { "unshare_user", ROCKER_STEP_unshare_user }, { "65535", 65535 }
    };
    static const char *const bad[] = { "bogus", "0", "none", "65536", "-3", "?", "12a", "MOUNT_OVERLAY", "" };
    char out[4096], err[4096], arg[64];
    char *extra[] = { arg, (char *)"--", (char *)"/bin/true", NULL };
    unsigned i;
    int rc;

    spec_reset();
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(arg, sizeof arg, "--test-stall=%s", good[i].arg);
        want_stall = good[i].want;
        rc = cli_run(cli, S_EXPECT, data_path, extra, out, sizeof out, err, sizeof err);
        ok(rc == 125, "cli run %s: sent as test_stall %u", arg, good[i].want);
    }
    want_stall = 0;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(arg, sizeof arg, "--test-stall=%s", bad[i]);
        rc = cli_run(cli, (enum scenario)-1, data_path, extra, out, sizeof out, err, sizeof err);
        ok(rc == 2 && (strstr(err, "bad --test-stall") || (!*bad[i] && strstr(err, "missing value"))),
           "cli run %s: usage error, exit %d: %.60s", arg, rc, err);
    }
}

static void test_cli_seccomp(const char *cli)
{
    static const struct {
        const char *a, *b; unsigned sc, def, act; const char *names; size_t len;
    } good[] = {
        { "--seccomp=unconfined", NULL, ROCKER_SECCOMP_UNCONFINED, 0, 0, "", 0 },
        { "--seccomp", "default", ROCKER_SECCOMP_DEFAULT, 0, 0, "", 0 },
        { "--seccomp-deny", "mkdir", ROCKER_SECCOMP_PROFILE, ROCKER_SECCOMP_ACT_ALLOW, ROCKER_SECCOMP_ACT_ERRNO,
          "mkdir", 6 },
        { "--seccomp-allow=read,write,exit_group", "--seccomp-allow=execve", ROCKER_SECCOMP_PROFILE,
          ROCKER_SECCOMP_ACT_ERRNO, ROCKER_SECCOMP_ACT_ALLOW, "read\0write\0exit_group\0execve", 30 },
    };
    static const char *const bad[][2] = {
        { "--seccomp=strict", NULL }, { "--seccomp-allow=read,,write", NULL }, { "--seccomp-deny=", NULL },
        { "--seccomp-allow=read", "--seccomp-deny=mkdir" }, { "--seccomp=default", "--seccomp-deny=mkdir" },
        { "--seccomp-allow=read,", NULL },
    };
    char out[4096], err[4096], a[64], b[64];
    char *extra[6];
    unsigned i;
    int rc, k;

    spec_reset();
    want_stall = 0;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        k = 0;
        snprintf(a, sizeof a, "%s", good[i].a); /* the CLI splits lists in place */
        extra[k++] = a;
        if (good[i].b) {
            snprintf(b, sizeof b, "%s", good[i].b);
            extra[k++] = b;
        }
        extra[k++] = (char *)"--";
        extra[k++] = (char *)"/bin/true";
        extra[k] = NULL;
        want_sc = good[i].sc;
        want_sc_def = good[i].def;
        want_sc_act = good[i].act;
        want_sc_names = good[i].names;
        want_sc_names_len = good[i].len;
        rc = cli_run(cli, S_EXPECT, data_path, extra, out, sizeof out, err, sizeof err);
        ok(rc == 125, "cli run %s %s: sent as seccomp %u", good[i].a, good[i].b ? good[i].b : "", good[i].sc);
    }
    want_sc = want_sc_def = want_sc_act = 0;
    want_sc_names = "";
    want_sc_names_len = 0;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        k = 0;
        snprintf(a, sizeof a, "%s", bad[i][0]);
        extra[k++] = a;
        if (bad[i][1]) {
            snprintf(b, sizeof b, "%s", bad[i][1]);
            extra[k++] = b;
        }
        extra[k++] = (char *)"--";
        extra[k++] = (char *)"/bin/true";
        extra[k] = NULL;
        rc = cli_run(cli, (enum scenario)-1, data_path, extra, out, sizeof out, err, sizeof err);
        ok(rc == 2 && (strstr(err, "seccomp") || strstr(err, "missing value")), "cli run %s %s: usage error, exit %d: %.70s",
           bad[i][0], bad[i][1] ? bad[i][1] : "", rc, err);
    }
}

static void test_cli(void)
{
    const char *cli = getenv("ROCKER_CLI");
    char out[4096], err[4096], want[512];
    char *run_err[] = { (char *)"rocker", (char *)"run", (char *)"--pkg", pkg_path,
                        (char *)"--exec-dir", (char *)"/var/app/exec", (char *)"--data-dir",
                        data_path, (char *)"--overlay", (char *)"/var",
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
    snprintf(data_path, sizeof data_path, "%s/data", dir);
    mkdir(data_path, 0700);
    snprintf(uid_s, sizeof uid_s, "%d", (int)app_uid);
    snprintf(gid_s, sizeof gid_s, "%d", (int)app_gid);

    want_data_dir = data_path;
    srv = start_server(S_ERR);
    rc = run_cli(cli, run_err, out, sizeof out, err, sizeof err);
    finish_server(srv);
    want_data_dir = "/tmp/app-data";
    snprintf(want, sizeof want,
             "rocker: run: ROCKER_ERR_param_invalid (pkg_not_squashfs): EINVAL (%d) at pkg_check\n", EINVAL);
    ok(rc == 125 && !strcmp(err, want), "cli run error: exit %d, stderr '%s'", rc, err);

    srv = start_server(S_LIST);
    rc = run_cli(cli, ps, out, sizeof out, err, sizeof err);
    finish_server(srv);
    snprintf(want, sizeof want,
             "GUARD_PID  NAME             APP_ID      UPTIME    NET                PIDS  MEM      PACKAGE\n"
             "%-10d rk-victim        7           1h2m      10.88.0.2/24       3     12M      /apps/a.sqfs\n"
             "99999      rk-b             0           5s        none               -     -        /apps/b.sqfs\n",
             (int)victim);
    ok(rc == 0 && !strcmp(out, want), "cli ps table:\n%s", out);

    srv = start_server(S_LIST_ERR);
    rc = run_cli(cli, ps, out, sizeof out, err, sizeof err);
    finish_server(srv);
    snprintf(want, sizeof want, "rocker: ps: ROCKER_ERR_sys (permission_denied): EPERM (%d) at peer_cred\n",
             EPERM);
    ok(rc == 125 && !strcmp(err, want), "cli ps refused: exit %d, '%s'", rc, err);

    srv = start_server(S_LIST);
    rc = run_cli(cli, kill_none, out, sizeof out, err, sizeof err);
    finish_server(srv);
    snprintf(want, sizeof want, "rocker: kill rk-nope: ROCKER_ERR_param_invalid: ESRCH (%d)\n", ESRCH);
    ok(rc == 125 && !strcmp(err, want), "cli kill unknown name: exit %d, '%s'", rc, err);

    srv = start_server(S_LIST);
    rc = run_cli(cli, kill_name, out, sizeof out, err, sizeof err);
    finish_server(srv);
    ok(rc == 0 && waitpid(victim, &st, 0) == victim && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
       "cli kill rk-victim --signal TERM: exit %d, victim got SIGTERM '%s'", rc, err);
    victim = 0;

    rc = run_cli(cli, bad_uid, out, sizeof out, err, sizeof err);
    ok(rc == 2 && strstr(err, "bad --uid"), "cli usage error exits 2: '%s'", err);

    test_cli_data_dir(cli);
    test_cli_stall(cli);
    test_cli_seccomp(cli);

    if (can_app) {
        char *fg[] = { (char *)"--", (char *)"sh", (char *)"-c",
                       (char *)"set -- $(cat /proc/$$/stat); echo uid=$(id -u) pid=$$ sid=$6; exit 7", NULL };
        char *missing[] = { (char *)"--", (char *)"/nonexistent/prog", NULL };
        char *detach[] = { (char *)"--detach", (char *)"--", (char *)"/bin/true", NULL };
        char *tty[] = { (char *)"--tty", (char *)"--", (char *)"sh", (char *)"-c",
                        (char *)"readlink /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; "
                                "test -t 1 && echo out-is-tty; : </dev/tty && echo ctty-ok; "
                                "set -- $(cat /proc/$$/stat); test $6 = $$ && echo own-session; exit 5",
                        NULL };
        int gp = 0, ap = 0, pid = 0, sid = -1, uid = -1;
        char name[32] = "";

        spec_no_ns(1);
        rc = cli_run(cli, S_RECIPE, data_path, fg, out, sizeof out, err, sizeof err);
        ok(rc == 7 && sscanf(out, "uid=%d pid=%d sid=%d", &uid, &pid, &sid) == 3 && uid == (int)app_uid &&
           pid > 0 && sid == pid, "cli run (no namespaces): exit %d (the App's 7), out '%s' err '%s'", rc, out,
           err);

        spec_no_ns(1);
        rc = cli_run(cli, S_RECIPE, data_path, missing, out, sizeof out, err, sizeof err);
        snprintf(want, sizeof want, "rocker: exec /nonexistent/prog: ROCKER_ERR_app_exec_failed: ENOENT (%d)\n",
                 ENOENT);
        ok(rc == 127 && !strcmp(err, want), "cli run missing program: exit %d, '%s'", rc, err);

        spec_no_ns(1);
        rc = cli_run(cli, S_RECIPE, data_path, detach, out, sizeof out, err, sizeof err);
        ok(rc == 0 && sscanf(out, "%d %31s %d", &gp, name, &ap) == 3 && gp > 0 && ap > 0 &&
           !strcmp(name, FAKE_PNAME), "cli run --detach prints 'guard_pid name app_pid': '%s'", out);

        spec_no_ns(1);
        rc = cli_run(cli, S_RECIPE, data_path, tty, out, sizeof out, err, sizeof err);
        ok(rc == 5 && count_str(out, "/dev/pts/") == 3 && strstr(out, "out-is-tty\r\n") &&
           strstr(out, "ctty-ok") && strstr(out, "own-session") && !err[0],
           "cli run --tty: the App's stdio is a new pty, its controlling terminal, relayed to our stdout "
           "(a pipe); exit %d, out '%s' err '%s'", rc, out, err);
    } else {
        skip_unless_ci("CLI runs of an App: clone(CLONE_PARENT) is refused here (qemu-user)");
    }

    /* the Makefile pairs this test with a CLI built in the same mode; the
     * foreground run below (exit 7 after exec) proves ctl survives exec in
     * the no-pidfd mode */
    if (can_ns) {
        char *run_sh[] = { (char *)"--", (char *)"sh", (char *)"-c",
                           (char *)"echo uid=$(id -u) pid=$$; exit 7", NULL };
        char *run_missing[] = { (char *)"--", (char *)"/nonexistent/prog", NULL };
        char *run_detach[] = { (char *)"--detach", (char *)"--", (char *)"/bin/true", NULL };
        int gp = 0, ap = 0;
        char name[32] = "";

        spec_real_ns(TEST_UID, TEST_UID);
        sp.expect_reg = expect_register;
        snprintf(uid_s, sizeof uid_s, "%d", TEST_UID);
        snprintf(gid_s, sizeof gid_s, "%d", TEST_UID);
        rc = cli_run(cli, S_NS_FULL, data_path, run_sh, out, sizeof out, err, sizeof err);
        ok(rc == 7 && !strcmp(out, "uid=1000 pid=2\n"), "cli run in namespaces: exit %d (the App's 7), out '%s' err '%s'",
           rc, out, err);

        rc = cli_run(cli, S_NS_FULL, data_path, run_missing, out, sizeof out, err, sizeof err);
        snprintf(want, sizeof want, "rocker: exec /nonexistent/prog: ROCKER_ERR_app_exec_failed: ENOENT (%d)\n",
                 ENOENT);
        ok(rc == 127 && !strcmp(err, want), "cli run in namespaces, missing program: exit %d, '%s'", rc, err);

        rc = cli_run(cli, S_NS_FULL, data_path, run_detach, out, sizeof out, err, sizeof err);
        ok(rc == 0 && sscanf(out, "%d %31s %d", &gp, name, &ap) == 3 && gp > 0 && ap > 0 &&
           !strcmp(name, FAKE_PNAME), "cli run in namespaces --detach: '%s'", out);
    } else {
        skip_unless_ci(root ? "CLI run in real namespaces: none here (qemu-user)" : "CLI run in real namespaces: needs root");
    }
    rmdir(data_path);
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
    can_app = probe_clone_parent(); /* first: it reaps whatever child it finds */
    root = geteuid() == 0;
    can_ns = can_app && probe_namespaces();
    kernel_ctrunc = probe_ctrunc();
    app_uid = root ? TEST_UID : getuid();
    app_gid = root ? TEST_UID : getgid();
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
    if (pipe2(report, O_CLOEXEC) != 0 || fcntl(report[0], F_SETFL, O_NONBLOCK) != 0 ||
        pipe2(probe_pipe, O_CLOEXEC) != 0 || pipe2(mark, O_CLOEXEC) != 0 ||
        fcntl(mark[0], F_SETFL, O_NONBLOCK) != 0)
        return 1;
    setenv("ROCKER_SOCKET", sock_path, 1);
    umask(022);

#ifdef ROCKER_NO_CLONE_PIDFD
    diag("built with ROCKER_NO_CLONE_PIDFD: the App keeps ctl open");
#endif
    if (!can_app)
        diag("clone(CLONE_PARENT) is refused here (qemu-user?): the cases that start an App are skipped");
    victim = spawn_victim(); /* advertised by the LIST scenarios, killed by `rocker kill` */
    test_list();
    if (victim > 0) {
        int st;
        kill(victim, SIGKILL); /* not needed by the library tests */
        waitpid(victim, &st, 0);
    }
    test_errors();
    test_connect_timeout();
    test_frames();
    test_recipe_errors();
    test_least_privilege();
    test_recipe_app();
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
