//! rocker-net against the real kernel, as root, never touching the host's
//! network: the test process first moves into a new network namespace (the
//! "world", standing for the host), and every sandbox is another new
//! namespace held only by an fd. Bridges and veths live in those namespaces,
//! so the kernel destroys all of them when this process exits, whether the
//! checks pass, fail or panic. At the end the process returns to the host's
//! namespace and checks (with rocker-net, and with `ip` as an observer when
//! it is installed) that no test interface is visible there.
//!
//! A plain `main` (harness = false): it forks and calls setns, which needs a
//! single-threaded process. Children run one closure and `exit_group`.
use rocker_net::{next_free_v4, Addr4, Link, Netlink};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::IntoRawFd;
use std::time::{Duration, Instant};
use syscalls::sys::general as g;
use syscalls::{Errno, Fd, Fork, OwnedFd, WaitStatus};

const BR: &[u8] = b"rkt-br0";
const GW: [u8; 4] = [10, 77, 0, 1];
const PREFIX: u8 = 24;
const PORT: u16 = 7777;
/// Every name this test creates in the world namespace.
const NAMES: [&[u8]; 10] = [BR, b"rkt-a", b"rkt-b", b"rkt-d", b"rkt-t1", b"rkt-t2", b"rkt-t1p", b"rkt-crash", b"rkt-c", b"rkt-cpeer"];

type R = Result<(), String>;

fn e<T: std::fmt::Debug>(what: &str) -> impl FnOnce(T) -> String + '_ {
    move |err| format!("{what}: {err:?}")
}

fn ensure(c: bool, what: &str) -> R {
    if c {
        Ok(())
    } else {
        Err(what.to_string())
    }
}

fn open_ns() -> OwnedFd {
    let f = std::fs::File::open("/proc/self/ns/net").expect("open /proc/self/ns/net");
    OwnedFd::from_raw(f.into_raw_fd())
}

/// A new network namespace held by the returned fd; the caller stays in `back`.
fn new_netns(back: Fd) -> OwnedFd {
    syscalls::unshare(syscalls::NsFlags::NEWNET).expect("unshare(CLONE_NEWNET)");
    let ns = open_ns();
    syscalls::setns(back, syscalls::NsFlags::NEWNET).expect("setns back");
    ns
}

/// A NETLINK_ROUTE socket opened inside `ns` (as the master would do it).
fn netlink_in(ns: Fd, back: Fd) -> Netlink {
    syscalls::setns(ns, syscalls::NsFlags::NEWNET).expect("setns");
    let nl = Netlink::open().expect("netlink socket");
    syscalls::setns(back, syscalls::NsFlags::NEWNET).expect("setns back");
    nl
}

/// Forks a child that enters `ns` and exits with `f()`'s code (101 if it
/// panics, so a child never returns into the parent's code).
fn fork_in(ns: Fd, f: impl FnOnce() -> i32) -> i32 {
    match syscalls::clone(syscalls::CloneFlags::new(syscalls::NsFlags::empty(), g::SIGCHLD), None).expect("clone") {
        Fork::Child => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if syscalls::setns(ns, syscalls::NsFlags::NEWNET).is_err() {
                    return 102;
                }
                f()
            }))
            .unwrap_or(101);
            syscalls::exit_group(code)
        }
        Fork::Parent(pid) => pid,
    }
}

/// Waits for `pid` at most `secs`, then kills it.
fn wait(pid: i32, secs: u64) -> WaitStatus {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        match syscalls::wait4(pid, syscalls::WNOHANG) {
            Ok((p, st)) if p == pid => return st,
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => panic!("wait4: {e}"),
        }
        if Instant::now() > end {
            let _ = syscalls::kill(pid, g::SIGKILL);
            let _ = syscalls::retry(|| syscalls::wait4(pid, 0));
            return WaitStatus::Other(-1);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn sa(a: [u8; 4], port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::from(a), port))
}

/// A TCP echo server on `at` inside `ns`: forked, listening before this returns.
fn echo_server(ns: Fd, at: SocketAddr) -> Result<i32, String> {
    let (r, w) = syscalls::pipe2(g::O_CLOEXEC).map_err(e("pipe2"))?;
    let pid = fork_in(ns, || {
        let Ok(l) = TcpListener::bind(at) else { return 3 };
        let _ = syscalls::write(w.raw(), b"r");
        let Ok((mut s, _)) = l.accept() else { return 4 };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let mut b = [0u8; 64];
        let Ok(n) = s.read(&mut b) else { return 5 };
        b[..n].reverse();
        if s.write_all(&b[..n]).is_err() {
            return 6;
        }
        0
    });
    drop(w);
    let mut b = [0u8; 1];
    if syscalls::read(r.raw(), &mut b) != Ok(1) {
        return Err(format!("server did not start: {:?}", wait(pid, 5)));
    }
    Ok(pid)
}

/// Connects from inside `ns` to `to`, sends `msg`, expects it reversed.
/// Exit 0 on success, 10 + errno on a connect error.
fn client(ns: Fd, to: SocketAddr, msg: &'static [u8]) -> i32 {
    fork_in(ns, move || {
        let mut s = match TcpStream::connect_timeout(&to, Duration::from_secs(3)) {
            Ok(s) => s,
            Err(e) => return 10 + e.raw_os_error().unwrap_or(0),
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
        let mut b = [0u8; 64];
        if s.write_all(msg).is_err() {
            return 7;
        }
        let n = s.read(&mut b).unwrap_or(0);
        let mut want = msg.to_vec();
        want.reverse();
        if b[..n] == want[..] {
            0
        } else {
            8
        }
    })
}

struct Sandbox {
    ns: OwnedFd,
    nl: Netlink,
    addr: [u8; 4],
}

/// What the master and the guard will do for a `bridge` sandbox: a veth
/// with its peer "eth0" created in the sandbox's namespace, the host end on
/// the bridge and up; inside: lo up, the address, eth0 up, default route.
/// `compact`: the same with `create_veth_port` and `setup_sandbox_v4`.
fn bridge_sandbox(world: Fd, nl: &mut Netlink, host: &[u8], br: u32, subnet: Addr4, used: &mut Vec<[u8; 4]>, compact: bool) -> Result<Sandbox, String> {
    let ns = new_netns(world);
    let addr = next_free_v4(subnet, used).ok_or("subnet full")?;
    used.push(addr);
    let mut snl = netlink_in(ns.raw(), world);
    if compact {
        nl.create_veth_port(host, b"eth0", ns.raw(), br).map_err(e("create_veth_port"))?;
        snl.setup_sandbox_v4(b"eth0", addr, subnet.prefix, subnet.addr).map_err(e("setup_sandbox_v4"))?;
    } else {
        nl.create_veth(host, b"eth0", ns.raw()).map_err(e("create_veth"))?;
        let h = nl.link_index(host).map_err(e("host end index"))?;
        nl.set_master(h, br).map_err(e("set_master"))?;
        nl.set_up(h).map_err(e("host end up"))?;
        snl.lo_up().map_err(e("lo up"))?;
        let eth = snl.link_index(b"eth0").map_err(e("eth0 in sandbox"))?;
        snl.add_addr_v4(eth, addr, subnet.prefix).map_err(e("add_addr_v4"))?;
        snl.set_up(eth).map_err(e("eth0 up"))?;
        snl.add_default_route_v4(subnet.addr, eth).map_err(e("default route"))?;
    }
    ensure(nl.link_index(b"eth0") == Err(Errno::ENODEV), "peer must not be in the world namespace")?;
    let eth = snl.link_index(b"eth0").map_err(e("eth0 in sandbox"))?;
    let mut got = [Addr4::default(); 4];
    let n = snl.addrs_v4(eth, &mut got).map_err(e("addrs_v4 in sandbox"))?;
    ensure(got[..n] == [Addr4 { addr, prefix: subnet.prefix }], "sandbox address listed")?;
    Ok(Sandbox { ns, nl: snl, addr })
}

struct Report {
    pass: u32,
    fail: u32,
}

impl Report {
    fn check(&mut self, name: &str, r: R) {
        match r {
            Ok(()) => {
                self.pass += 1;
                println!("ok {name}");
            }
            Err(m) => {
                self.fail += 1;
                println!("FAIL {name}: {m}");
            }
        }
    }
}

fn main() {
    if syscalls::getuid() != 0 {
        println!("skip: rocker-net netns tests need root");
        return;
    }
    let host = open_ns();
    if let Err(err) = syscalls::unshare(syscalls::NsFlags::NEWNET) {
        println!("skip: unshare(CLONE_NEWNET): {err}");
        return;
    }
    let world = open_ns();
    let w = world.raw();
    let mut o = Report { pass: 0, fail: 0 };
    let mut nl = Netlink::open().expect("netlink socket");

    o.check("lo is index 1 in a new namespace and goes up", (|| {
        ensure(nl.link_index(b"lo") == Ok(1), "lo index")?;
        nl.lo_up().map_err(e("lo_up"))
    })());

    // The bridge, as the master creates it when missing.
    let mut br = 0;
    let mut subnet = Addr4::default();
    o.check("bridge with an address, up; its subnet read back", (|| {
        nl.create_bridge(BR).map_err(e("create_bridge"))?;
        br = nl.link_index(BR).map_err(e("bridge index"))?;
        nl.add_addr_v4(br, GW, PREFIX).map_err(e("bridge address"))?;
        nl.set_up(br).map_err(e("bridge up"))?;
        ensure(nl.create_bridge(BR) == Err(Errno::EEXIST), "second create_bridge is EEXIST")?;
        ensure(nl.add_addr_v4(br, GW, PREFIX) == Err(Errno::EEXIST), "same address twice is EEXIST")?;
        let mut a = [Addr4::default(); 4];
        let n = nl.addrs_v4(br, &mut a).map_err(e("addrs_v4"))?;
        ensure(n == 1, &format!("one address, got {:?}", &a[..n]))?;
        subnet = a[0];
        ensure(subnet == Addr4 { addr: GW, prefix: PREFIX }, "bridge subnet")?;
        let mut none: [Addr4; 0] = [];
        ensure(nl.addrs_v4(br, &mut none) == Err(Errno::ENOBUFS), "too small out is ENOBUFS")?;
        ensure(nl.addrs_v4(1, &mut a) == Ok(1) && a[0].addr == [127, 0, 0, 1], "lo: only 127.0.0.1")
    })());

    let mut used = Vec::new();
    let mut a = None;
    let mut b = None;
    o.check("sandbox A: veth peer in its netns, on the bridge, address and route", (|| {
        a = Some(bridge_sandbox(w, &mut nl, b"rkt-a", br, subnet, &mut used, false)?);
        ensure(a.as_ref().unwrap().addr == [10, 77, 0, 2], "A gets 10.77.0.2")
    })());
    o.check("sandbox B: same with create_veth_port + setup_sandbox_v4, next free address", (|| {
        b = Some(bridge_sandbox(w, &mut nl, b"rkt-b", br, subnet, &mut used, true)?);
        ensure(b.as_ref().unwrap().addr == [10, 77, 0, 3], "B gets 10.77.0.3")
    })());

    if let (Some(a), Some(b)) = (&a, &b) {
        o.check("TCP from sandbox B to a server in sandbox A carries data", (|| {
            let srv = echo_server(a.ns.raw(), sa(a.addr, PORT))?;
            let cl = client(b.ns.raw(), sa(a.addr, PORT), b"hello from B");
            let (c, s) = (wait(cl, 10), wait(srv, 10));
            ensure(c == WaitStatus::Exited(0) && s == WaitStatus::Exited(0), &format!("client {c:?}, server {s:?}"))
        })());
        let c = wait(client(b.ns.raw(), sa(GW, PORT), b"x"), 10);
        o.check(
            "sandbox B reaches the bridge address via its route (refused, not unreachable)",
            ensure(c == WaitStatus::Exited(10 + Errno::ECONNREFUSED.raw()), &format!("{c:?}")),
        );
        o.check("sandbox B does not reach a server on the world's 127.0.0.1", (|| {
            let at = sa([127, 0, 0, 1], PORT + 1);
            let srv = echo_server(w, at)?;
            let from_b = wait(client(b.ns.raw(), at, b"x"), 10);
            let from_world = wait(client(w, at, b"world"), 10);
            let sv = wait(srv, 10);
            ensure(from_b == WaitStatus::Exited(10 + Errno::ECONNREFUSED.raw()), &format!("from B: {from_b:?}"))?;
            ensure(from_world == WaitStatus::Exited(0) && sv == WaitStatus::Exited(0), &format!("world {from_world:?} {sv:?}"))
        })());
    }

    // A `none` sandbox: only lo, up.
    let c = new_netns(w);
    o.check("none: lo up, 127.0.0.1 works, nothing else is reachable", (|| {
        let mut cnl = netlink_in(c.raw(), w);
        cnl.lo_up().map_err(e("lo_up"))?;
        ensure(cnl.link_index(b"eth0") == Err(Errno::ENODEV), "no eth0")?;
        let mut got = [Addr4::default(); 2];
        let n = cnl.addrs_v4(1, &mut got).map_err(e("addrs_v4"))?;
        ensure(got[..n] == [Addr4 { addr: [127, 0, 0, 1], prefix: 8 }], &format!("lo addresses {:?}", &got[..n]))?;
        let srv = echo_server(c.raw(), sa([127, 0, 0, 1], PORT))?;
        let cl = wait(client(c.raw(), sa([127, 0, 0, 1], PORT), b"loopback"), 10);
        let sv = wait(srv, 10);
        ensure(cl == WaitStatus::Exited(0) && sv == WaitStatus::Exited(0), &format!("loopback client {cl:?}, server {sv:?}"))?;
        let unreach = WaitStatus::Exited(10 + Errno::ENETUNREACH.raw());
        for to in [[10, 77, 0, 2], GW] {
            let r = wait(client(c.raw(), sa(to, PORT), b"x"), 10);
            ensure(r == unreach, &format!("{to:?}: {r:?}"))?;
        }
        Ok(())
    })());

    o.check("rename; deleting one veth end removes the other", (|| {
        nl.create_veth(b"rkt-t1", b"rkt-t1p", w).map_err(e("veth in the same namespace"))?;
        let i = nl.link_index(b"rkt-t1").map_err(e("index"))?;
        nl.set_link_name(i, b"rkt-t2").map_err(e("rename"))?;
        ensure(nl.link_index(b"rkt-t2") == Ok(i), "new name, same index")?;
        ensure(nl.link_index(b"rkt-t1") == Err(Errno::ENODEV), "old name gone")?;
        // Kernels before 6.9 refuse to rename a link that is up (EBUSY); 6.18 allows it.
        nl.set_up(i).map_err(e("up"))?;
        nl.set_down(i).map_err(e("down"))?;
        nl.delete_link(Link::Index(i)).map_err(e("delete by index"))?;
        ensure(nl.link_index(b"rkt-t1p") == Err(Errno::ENODEV), "peer gone")?;
        ensure(nl.delete_link(Link::Index(i)) == Err(Errno::ENODEV), "second delete is ENODEV")
    })());

    if let Some(a) = &mut a {
        o.check("deleting the host end (by name) removes the sandbox's eth0", (|| {
            nl.delete_link(Link::Name(b"rkt-a")).map_err(e("delete_link"))?;
            ensure(nl.link_index(b"rkt-a") == Err(Errno::ENODEV), "host end gone")?;
            ensure(a.nl.link_index(b"eth0") == Err(Errno::ENODEV), "sandbox end gone")?;
            let mut s = [Addr4::default(); 4];
            ensure(a.nl.addrs_v4(1, &mut s) == Ok(1), "sandbox lo still there")
        })());
    }

    o.check("the end of a sandbox's namespace removes the host end", (|| {
        let d = new_netns(w);
        nl.create_veth(b"rkt-d", b"eth0", d.raw()).map_err(e("create_veth"))?;
        nl.link_index(b"rkt-d").map_err(e("host end"))?;
        drop(d); // the last reference: the kernel tears the namespace down (asynchronously)
        let end = Instant::now() + Duration::from_secs(20);
        while nl.link_index(b"rkt-d").is_ok() {
            ensure(Instant::now() < end, "host end still there after 20 s")?;
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    })());

    o.check("a test process that crashes mid-way leaves nothing behind", (|| {
        // An observer namespace holds the peer of a veth whose host end, and
        // a bridge, live in the crashing child's private namespace.
        let obs = new_netns(w);
        let mut onl = netlink_in(obs.raw(), w);
        let (r, wr) = syscalls::pipe2(g::O_CLOEXEC).map_err(e("pipe2"))?;
        let pid = match syscalls::clone(syscalls::CloneFlags::new(syscalls::NsFlags::empty(), g::SIGCHLD), None).map_err(e("clone"))? {
            Fork::Child => {
                let build = || -> syscalls::Result<()> {
                    syscalls::unshare(syscalls::NsFlags::NEWNET)?;
                    let mut cnl = Netlink::open()?;
                    cnl.create_bridge(b"rkt-crash")?;
                    cnl.create_veth(b"rkt-c", b"rkt-cpeer", obs.raw())?;
                    let (br, c) = (cnl.link_index(b"rkt-crash")?, cnl.link_index(b"rkt-c")?);
                    cnl.set_master(c, br)
                };
                let ok = build().is_ok();
                let _ = syscalls::write(wr.raw(), if ok { b"y" } else { b"n" });
                std::process::abort()
            }
            Fork::Parent(pid) => pid,
        };
        drop(wr);
        let mut c = [0u8; 1];
        let said = syscalls::read(r.raw(), &mut c);
        let st = wait(pid, 10);
        ensure(said == Ok(1) && c == *b"y", "child built bridge and veth")?;
        ensure(st == WaitStatus::Signaled(g::SIGABRT as i32), &format!("child {st:?}"))?;
        let end = Instant::now() + Duration::from_secs(20);
        while onl.link_index(b"rkt-cpeer").is_ok() {
            ensure(Instant::now() < end, "veth peer still there 20 s after the crash")?;
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    })());

    o.check("errors come back as errno", (|| {
        ensure(nl.link_index(b"rkt-nosuch") == Err(Errno::ENODEV), "unknown name")?;
        ensure(nl.link_index(b"fifteen-bytes-x") == Err(Errno::ENODEV), "15 bytes: asked, absent")?;
        ensure(nl.link_index(b"sixteen-bytes-xx") == Err(Errno::EINVAL), "16 bytes: refused before sending")?;
        ensure(nl.set_master(0x7fff_0000, br) == Err(Errno::ENODEV), "unknown index")?;
        ensure(nl.set_up(0x7fff_0000) == Err(Errno::ENODEV), "unknown index up")?;
        let (p, _q) = syscalls::pipe2(g::O_CLOEXEC).map_err(e("pipe"))?;
        ensure(nl.create_veth(b"rkt-x", b"eth0", p.raw()) == Err(Errno::EINVAL), "not a netns fd")?;
        ensure(nl.create_bridge(b"bad name") == Err(Errno::EINVAL), "kernel refuses a space")?;
        ensure(nl.add_default_route_v4([10, 99, 0, 1], 1) == Err(Errno::ENETUNREACH), "gateway off-link")?;
        // The socket still works after all those errors.
        ensure(nl.link_index(BR) == Ok(br), "socket still in step")
    })());

    // Back to the host: drop everything, then look for leftovers there.
    drop((a, b, c, nl));
    drop(world);
    syscalls::setns(host.raw(), syscalls::NsFlags::NEWNET).expect("setns host");
    o.check("nothing of the test is visible in the host namespace", (|| {
        let mut hnl = Netlink::open().map_err(e("netlink in host"))?;
        for n in NAMES {
            ensure(hnl.link_index(n) == Err(Errno::ENODEV), &format!("{} in host", String::from_utf8_lossy(n)))?;
        }
        match std::process::Command::new("ip").args(["-o", "link", "show"]).output() {
            Ok(out) => ensure(!String::from_utf8_lossy(&out.stdout).contains("rkt-"), "ip link shows rkt-*"),
            Err(_) => Ok(()), // no ip binary: rocker-net's own check above stands
        }
    })());

    println!("{} passed, {} failed", o.pass, o.fail);
    std::process::exit(if o.fail == 0 { 0 } else { 1 });
}
