//! Loop devices: the integer ioctls of `/dev/loop-control` and `/dev/loopN`,
//! and the typed ones that take a `loop_info64` or `loop_config`.
use crate::arch::syscall3;
use crate::conv::{by_mut, by_ref, c_uint, fd, ret, ret_usize};
use crate::errno::{Errno, Result};
use crate::fd::Fd;
use crate::nr;
use core::mem::MaybeUninit;
use linux_raw_sys::loop_device as lo;

/// ioctl with an integer argument (or none).
pub fn ioctl_int(f: Fd, req: u32, arg: usize) -> Result<usize> {
    // Requests that take pointers must go through a typed wrapper.
    match req {
        lo::LOOP_CTL_GET_FREE | lo::LOOP_CTL_ADD | lo::LOOP_CTL_REMOVE | lo::LOOP_SET_FD | lo::LOOP_CLR_FD
        | lo::LOOP_SET_CAPACITY | lo::LOOP_SET_DIRECT_IO | lo::LOOP_SET_BLOCK_SIZE => {}
        _ => return Err(Errno::EINVAL),
    }
    // SAFETY: the requests above take integers.
    ret_usize(unsafe { syscall3(nr::ioctl, fd(f), c_uint(req), arg) })
}

pub type LoopInfo64 = lo::loop_info64;
pub type LoopConfig = lo::loop_config;

/// A zeroed `loop_info64`.
pub fn loop_info64_zeroed() -> LoopInfo64 {
    // SAFETY: loop_info64 is plain integers and byte arrays.
    unsafe { MaybeUninit::<LoopInfo64>::zeroed().assume_init() }
}

/// LOOP_CONFIGURE (Linux 5.8+): attach `backing` with `info` in one step.
pub fn loop_configure(dev: Fd, backing: Fd, info: &LoopInfo64) -> Result<()> {
    let cfg = LoopConfig { fd: backing as u32, block_size: 0, info: *info, __reserved: [0; 8] };
    // SAFETY: cfg is a valid loop_config for the call.
    ret(unsafe { syscall3(nr::ioctl, fd(dev), c_uint(lo::LOOP_CONFIGURE), by_ref(&cfg)) })
}

/// LOOP_SET_STATUS64.
pub fn loop_set_status64(dev: Fd, info: &LoopInfo64) -> Result<()> {
    // SAFETY: info is a valid loop_info64.
    ret(unsafe { syscall3(nr::ioctl, fd(dev), c_uint(lo::LOOP_SET_STATUS64), by_ref(info)) })
}

/// LOOP_GET_STATUS64.
pub fn loop_get_status64(dev: Fd) -> Result<LoopInfo64> {
    let mut info = loop_info64_zeroed();
    // SAFETY: info is a writable loop_info64.
    ret(unsafe { syscall3(nr::ioctl, fd(dev), c_uint(lo::LOOP_GET_STATUS64), by_mut(&mut info)) })?;
    Ok(info)
}
