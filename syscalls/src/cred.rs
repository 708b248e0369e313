//! Credentials: ids, supplementary groups, capabilities, and the hostname.
use crate::arch::{syscall0, syscall2, syscall3};
use crate::conv::{by_mut, by_ref, c_uint, ret, ret_infallible_u32, slice};
use crate::errno::Result;
use crate::nr;
use linux_raw_sys::general as g;

pub fn getuid() -> u32 {
    // SAFETY: cannot fail.
    ret_infallible_u32(unsafe { syscall0(nr::getuid) })
}
pub fn getgid() -> u32 {
    // SAFETY: cannot fail.
    ret_infallible_u32(unsafe { syscall0(nr::getgid) })
}

pub fn setresuid(r: u32, e: u32, s: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall3(nr::setresuid, c_uint(r), c_uint(e), c_uint(s)) })
}
pub fn setresgid(r: u32, e: u32, s: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall3(nr::setresgid, c_uint(r), c_uint(e), c_uint(s)) })
}
pub fn setgroups(groups: &[u32]) -> Result<()> {
    let (p, n) = slice(groups);
    // SAFETY: p is readable for n entries of 32-bit gids.
    ret(unsafe { syscall2(nr::setgroups, n, p) })
}

/// Capability sets (v3: two 32-bit words each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
}

pub fn capget(pid: i32) -> Result<Caps> {
    let mut h = g::__user_cap_header_struct { version: g::_LINUX_CAPABILITY_VERSION_3, pid };
    let mut d = [g::__user_cap_data_struct { effective: 0, permitted: 0, inheritable: 0 }; 2];
    // SAFETY: h and d are the v3 header and data[2].
    ret(unsafe { syscall2(nr::capget, by_mut(&mut h), by_mut(&mut d)) })?;
    let j = |a: u32, b: u32| u64::from(a) | u64::from(b) << 32;
    Ok(Caps {
        effective: j(d[0].effective, d[1].effective),
        permitted: j(d[0].permitted, d[1].permitted),
        inheritable: j(d[0].inheritable, d[1].inheritable),
    })
}

pub fn capset(c: &Caps) -> Result<()> {
    let mut h = g::__user_cap_header_struct { version: g::_LINUX_CAPABILITY_VERSION_3, pid: 0 };
    let d = [
        g::__user_cap_data_struct { effective: c.effective as u32, permitted: c.permitted as u32, inheritable: c.inheritable as u32 },
        g::__user_cap_data_struct {
            effective: (c.effective >> 32) as u32,
            permitted: (c.permitted >> 32) as u32,
            inheritable: (c.inheritable >> 32) as u32,
        },
    ];
    // SAFETY: h and d are the v3 header and data[2].
    ret(unsafe { syscall2(nr::capset, by_mut(&mut h), by_ref(&d)) })
}

pub fn sethostname(name: &[u8]) -> Result<()> {
    let (p, n) = slice(name);
    // SAFETY: p is readable for n bytes.
    ret(unsafe { syscall2(nr::sethostname, p, n) })
}
