//! `rocker-runtime`: the binary; everything lives in the library.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod entry;

use syscalls::rt::Args;

/// Most arguments.
const MAX_ARGS: usize = 256;

pub fn main(args: Args) -> i32 {
    let mut v: [&[u8]; MAX_ARGS] = [b""; MAX_ARGS];
    let n = args.len().saturating_sub(1);
    if n > MAX_ARGS {
        let _ = syscalls::write_all(2, b"rocker-runtime: too many arguments\n");
        return 1;
    }
    for (i, slot) in v.iter_mut().enumerate().take(n) {
        *slot = args.get(i + 1).unwrap_or(b"");
    }
    rocker_runtime::run::main(v.get(..n).unwrap_or(&[]))
}
