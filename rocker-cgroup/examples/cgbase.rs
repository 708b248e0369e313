//! Size baseline for `cgsize`: the same entry, log line, fork and wait,
//! without the cgroup layer.
#![no_std]
#![no_main]

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
    if let Ok(Fork::Parent(p)) = clone(CloneFlags::new(NsFlags::empty(), sys::general::SIGCHLD), None) {
        let _ = wait4(p, 0);
    } else {
        exit_group(0);
    }
    0
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit_group(134)
}
