//! Size probe: every call of the cgroup layer the master makes, once
//! (compare with `cgbase`, the same binary without them).
#![no_std]
#![no_main]

use rocker_cgroup::{Cgroups, Config, Limits};
use rocker_proto::Buf;
use syscalls::rt::Args;
use syscalls::*;

#[no_mangle]
fn rocker_main(args: Args) -> i32 {
    let mut b = Buf::<512>::new();
    let mut e = [0u8; 24];
    let n = Errno::ENOENT.write_to(&mut e);
    b.push_str(args.get(1).unwrap_or(b"x")).push_u64(args.len() as u64).push_str(e.get(..n).unwrap_or(&[]));
    let _ = write(2, b.as_bytes());
    let cg = match Cgroups::detect(&Config::DEFAULT) {
        Ok(c) => c,
        Err(e) => {
            e.describe(&mut b);
            Cgroups::none()
        }
    };
    cg.summary(&mut b);
    let _ = write(2, b.as_bytes());
    let name = args.get(1).unwrap_or(b"rg-size");
    let l = Limits {
        mem_max: Some(32 << 20),
        swap_max: Some(0),
        cpu_max: Some((50_000, 100_000)),
        cpu_weight: Some(100),
        pids_max: Some(16),
    };
    match cg.create(name, &l) {
        Ok(j) => match j.fork(CloneFlags::new(NsFlags::empty(), sys::general::SIGCHLD), |_| {}) {
            Ok(Fork::Parent(p)) => {
                let _ = wait4(p, 0);
            }
            Ok(Fork::Child) => exit_group(0),
            Err(_) => {}
        },
        Err(e) => e.describe(&mut b),
    }
    if let Ok(u) = cg.usage(name) {
        b.push_u64(u.memory).push_u64(u.pids).push_u64(u.oom_kills);
    }
    let _ = cg.oom_events(name);
    let _ = cg.kill(name);
    let _ = cg.remove(name);
    let _ = cg.remove_stale(b"rg-");
    let _ = cg.remove_base();
    let _ = write(2, b.as_bytes());
    0
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit_group(134)
}
