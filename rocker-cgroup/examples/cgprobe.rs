//! cgprobe: the cgroup layer on a real kernel, as a tiny static binary (no
//! std, single-threaded, so forked children run plain code without exec).
//! Run as root; works on v2 (QEMU guests, tests/cgroup-v2-guest.sh) and v1.
//!
//! A sandbox with memory 32M (no swap), pids 16 and cpu 0.5:
//! (a) a memory hog is OOM-killed, the counter increments (and, on v2, its
//!     `memory.events` raises POLLPRI);
//! (b) a fork loop stops at pids.max with EAGAIN;
//! (c) a busy loop gets 0.4-0.6 CPU over 2 s (cgroup CPU time / wall time);
//! (d) removal leaves nothing, also with live processes; remove_stale.
//! Prints `ok - ...`/`FAIL - ...` lines, then `N passed, M failed`.
#![no_std]
#![no_main]

use rocker_cgroup::{feat, Cgroups, Config, Join, Limits, Mode, UNKNOWN};
use rocker_proto::Buf;
use syscalls::rt::Args;
use syscalls::sys::general as g;
use syscalls::*;

const HOG_BYTES: usize = 64 << 20;
static HOG: StaticCell<[u8; HOG_BYTES]> = StaticCell::new([0; HOG_BYTES]);

struct T {
    pass: u32,
    fail: u32,
}

fn out(b: &Buf<512>) {
    let _ = write(1, b.as_bytes());
}

fn line(s: &[u8]) {
    let mut b = Buf::<512>::new();
    b.push_str(s).push_byte(b'\n');
    out(&b);
}

impl T {
    fn check(&mut self, ok: bool, what: &[u8], detail: &Buf<512>) {
        let mut b = Buf::<512>::new();
        if ok {
            self.pass += 1;
            b.push_str(b"ok - ").push_str(what);
        } else {
            self.fail += 1;
            b.push_str(b"FAIL - ").push_str(what);
        }
        if !detail.is_empty() {
            b.push_str(b": ").push_str(detail.as_bytes());
        }
        b.push_byte(b'\n');
        out(&b);
    }
}

fn err_buf(e: rocker_cgroup::Error) -> Buf<512> {
    let mut b = Buf::new();
    e.describe(&mut b);
    b
}

fn sleep_ms(ms: u64) {
    let _ = nanosleep(&Timespec::from_ms(ms));
}

/// What a forked child does inside the sandbox; never returns.
fn role(r: &[u8]) -> ! {
    match r {
        b"hog" => {
            let Some(m) = HOG.take() else { exit_group(3) };
            let mut i = 0;
            while i < m.len() {
                m[i] = 1;
                i += 4096;
            }
            core::hint::black_box(&m);
            exit_group(0) // survived: the limit did not hold
        }
        b"forkbomb" => {
            let mut n = 0;
            loop {
                match clone(CloneFlags::new(NsFlags::empty(), g::SIGCHLD), None) {
                    Ok(Fork::Child) => {
                        sleep_ms(60_000);
                        exit_group(0)
                    }
                    Ok(Fork::Parent(_)) => n += 1,
                    Err(Errno::EAGAIN) => exit_group(n),
                    Err(_) => exit_group(255),
                }
                if n > 100 {
                    exit_group(254)
                }
            }
        }
        b"busy" => {
            let end = monotonic_ns() + 10_000_000_000;
            let mut x = 0u64;
            while monotonic_ns() < end {
                x = core::hint::black_box(x.wrapping_add(1));
            }
            exit_group(0)
        }
        _ => {
            sleep_ms(60_000);
            exit_group(0)
        }
    }
}

/// CPU time of a process: utime + stime of /proc/PID/stat (USER_HZ 100), µs.
fn cpu_usec(pid: i32) -> u64 {
    let mut p = CPath::<64>::empty();
    let _ = p.push(b"/proc/").and_then(|_| p.push_num(pid as u64)).and_then(|_| p.push(b"/stat"));
    let Ok(f) = openat(AT_FDCWD, (&p).into(), g::O_RDONLY | g::O_CLOEXEC, 0) else { return 0 };
    let mut b = [0u8; 512];
    let n = read(f.raw(), &mut b).unwrap_or(0);
    let s = b.get(..n).unwrap_or(&[]);
    let Some(c) = s.iter().rposition(|&x| x == b')') else { return 0 };
    let mut it = s.get(c + 2..).unwrap_or(&[]).split(|&x| x == b' ').skip(11);
    let mut num = || it.next().map_or(0, |w| w.iter().fold(0u64, |a, &d| a * 10 + u64::from(d.wrapping_sub(b'0'))));
    (num() + num()) * 10_000
}

fn spawn(j: &Join, r: &[u8]) -> Result<i32> {
    match j.fork(CloneFlags::new(NsFlags::empty(), g::SIGCHLD), |_| {})? {
        Fork::Child => role(r),
        Fork::Parent(p) => Ok(p),
    }
}

const LIMITS: Limits = Limits {
    mem_max: Some(32 << 20),
    swap_max: Some(0),
    cpu_max: Some((50_000, 100_000)),
    cpu_weight: None,
    pids_max: Some(16),
};

fn gone(cg: &Cgroups, name: &[u8]) -> bool {
    cg.usage(name).err().map(|e| e.errno) == Some(Errno::ENOENT)
}

fn run(cg: &Cgroups, t: &mut T) {
    let none = Buf::<512>::new();
    if let Err(e) = cg.check(&LIMITS) {
        t.check(false, b"the kernel enforces memory, swap, cpu.max and pids", &err_buf(e));
        return;
    }

    // (a) memory
    let name = b"rg-probe-mem";
    match cg.create(name, &LIMITS) {
        Err(e) => t.check(false, b"create with memory 32M, pids 16, cpu 0.5", &err_buf(e)),
        Ok(j) => {
            let ev = cg.oom_events(name).ok().flatten();
            let before = cg.usage(name).map_or(UNKNOWN, |u| u.oom_kills);
            let r = spawn(&j, b"hog").and_then(|p| wait4(p, 0));
            let mut d = Buf::new();
            match r {
                Ok((_, st)) => {
                    d.push_str(b"status ").push_i64(st.code() as i64);
                    t.check(st == WaitStatus::Signaled(9), b"(a) a memory hog is SIGKILLed at memory.max", &d);
                }
                Err(e) => t.check(false, b"(a) spawn the hog", &errno_buf(e)),
            }
            let after = cg.usage(name).map_or(UNKNOWN, |u| u.oom_kills);
            let mut d = Buf::new();
            d.push_str(b"oom_kill ").push_u64(before).push_str(b" -> ").push_u64(after);
            t.check(after != UNKNOWN && after > before, b"(a) the OOM kill counter increments", &d);
            if let Some(fd) = ev {
                let mut p = [PollFd { fd: fd.raw(), events: g::POLLPRI as i16, revents: 0 }];
                let n = ppoll(&mut p, Some(&Timespec::from_ms(1000)), None);
                t.check(n == Ok(1) && p[0].revents & g::POLLPRI as i16 != 0, b"(a) memory.events raises POLLPRI", &none);
            }
            drop(j);
            let r = cg.remove(name);
            t.check(r.is_ok() && gone(cg, name), b"(d) removed after the OOM kill", &none);
        }
    }

    // (b) pids
    let name = b"rg-probe-pids";
    match cg.create(name, &LIMITS) {
        Err(e) => t.check(false, b"(b) create", &err_buf(e)),
        Ok(j) => {
            let r = spawn(&j, b"forkbomb").and_then(|p| wait4(p, 0));
            let mut d = Buf::new();
            let n = match r {
                Ok((_, WaitStatus::Exited(n))) => n,
                Ok((_, st)) => 1000 + st.code(),
                Err(e) => 2000 + e.raw(),
            };
            let cur = cg.usage(name).map_or(UNKNOWN, |u| u.pids);
            d.push_str(b"forks before EAGAIN ").push_i64(n as i64).push_str(b", pids.current ").push_u64(cur);
            t.check((8..16).contains(&n) && cur <= 16, b"(b) a fork loop stops at pids.max with EAGAIN", &d);
            drop(j);
            let t0 = monotonic_ns();
            let r = cg.remove(name);
            let mut d = Buf::new();
            d.push_u64(cur).push_str(b" processes killed and removed in ").push_u64((monotonic_ns() - t0) / 1000).push_str(b" us");
            if let Err(e) = r {
                e.describe(&mut d);
            }
            t.check(r.is_ok() && gone(cg, name), b"(d) removal kills what is left", &d);
        }
    }

    // (c) cpu
    let name = b"rg-probe-cpu";
    match cg.create(name, &LIMITS) {
        Err(e) => t.check(false, b"(c) create", &err_buf(e)),
        Ok(j) => match spawn(&j, b"busy") {
            Err(e) => t.check(false, b"(c) spawn", &errno_buf(e)),
            Ok(pid) => {
                sleep_ms(300);
                let mut best = 0u64; // per mille
                let mut d = Buf::new();
                for _ in 0..3 {
                    let (u0, t0) = (cpu_usec(pid), monotonic_ns());
                    sleep_ms(2000);
                    let (u1, t1) = (cpu_usec(pid), monotonic_ns());
                    let pm = u1.saturating_sub(u0) * 1000 / ((t1 - t0) / 1000).max(1);
                    d.push_u64(pm).push_str(b"/1000 ");
                    if pm > 600 {
                        best = pm;
                        break;
                    }
                    best = best.max(pm);
                    if best >= 400 {
                        break;
                    }
                }
                d.push_str(b"CPU");
                t.check((400..=600).contains(&best), b"(c) a busy loop gets 0.4-0.6 CPU with cpu.max 0.5", &d);
                drop(j);
                let r = cg.remove(name);
                let st = wait4(pid, 0).map(|x| x.1);
                t.check(r.is_ok() && st == Ok(WaitStatus::Signaled(9)) && gone(cg, name), b"(d) removal kills the busy loop", &none);
            }
        },
    }

    // (d) stale leftovers after a master crash
    let (a, b) = (b"rg-stale-a", b"rg-stale-b");
    let ja = cg.create(a, &Limits::default());
    let jb = cg.create(b, &Limits::default());
    if let (Ok(ja), Ok(jb)) = (ja, jb) {
        drop(ja);
        let pid = spawn(&jb, b"sleep").unwrap_or(-1);
        sleep_ms(100);
        let n = cg.remove_stale(b"rg-stale-");
        let mut d = Buf::new();
        d.push_str(b"removed ").push_i64(n.map_or(-1, |n| n as i64));
        t.check(n == Ok(1) && gone(cg, a) && !gone(cg, b), b"(d) remove_stale takes the empty one, keeps the live one", &d);
        drop(jb);
        let r = cg.remove(b);
        let st = wait4(pid, 0).map(|x| x.1);
        t.check(r.is_ok() && st == Ok(WaitStatus::Signaled(9)) && gone(cg, b), b"(d) then remove kills and removes it", &none);
    } else {
        t.check(false, b"(d) create two sandboxes", &none);
    }
}

fn errno_buf(e: Errno) -> Buf<512> {
    let mut b = Buf::new();
    let mut s = [0u8; 24];
    let n = e.write_to(&mut s);
    b.push_str(s.get(..n).unwrap_or(&[]));
    b
}

#[no_mangle]
fn rocker_main(_args: Args) -> i32 {
    let mut t = T { pass: 0, fail: 0 };
    let cg = match Cgroups::detect(&Config { root_child: b"rocker-probe", ..Config::DEFAULT }) {
        Ok(c) => c,
        Err(e) => {
            t.check(false, b"detect", &err_buf(e));
            Cgroups::none()
        }
    };
    let mut b = Buf::<512>::new();
    cg.summary(&mut b);
    b.push_byte(b'\n');
    out(&b);
    let none = Buf::<512>::new();
    if cg.mode() == Mode::V2 {
        // clone3 straight into the cgroup (5.7+), the path Join::fork takes.
        if let Ok(j) = cg.create(b"rg-probe-clone3", &Limits::default()) {
            let r = clone3(0, g::SIGCHLD, j.dir.as_ref().map(|d| d.raw()), None);
            if let Ok(Fork::Child) = r {
                exit_group(0)
            }
            let ok = matches!(r, Ok(Fork::Parent(_)));
            if let Ok(Fork::Parent(p)) = r {
                let _ = wait4(p, 0);
            }
            let d = match r {
                Err(e) => errno_buf(e),
                _ => Buf::new(),
            };
            t.check(ok, b"clone3 CLONE_INTO_CGROUP", &d);
            drop(j);
            let _ = cg.remove(b"rg-probe-clone3");
        }
        t.check(cg.features() & feat::KILL != 0, b"v2 has cgroup.kill (5.14+)", &none);
    }
    run(&cg, &mut t);
    let r = cg.remove_base();
    t.check(r.is_ok(), b"remove_base", &r.err().map_or(Buf::new(), err_buf));
    let mut b = Buf::<512>::new();
    b.push_u64(t.pass as u64).push_str(b" passed, ").push_u64(t.fail as u64).push_str(b" failed\n");
    out(&b);
    line(b"cgprobe: done");
    (t.fail != 0) as i32
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit_group(134)
}
