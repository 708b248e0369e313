//! Clocks and sleeping, with the classic `long`-field `timespec`.
use crate::arch::syscall2;
use crate::conv::{by_mut, by_ref, c_uint, ret, NULL};
use crate::errno::Result;
use crate::nr;
use linux_raw_sys::general as g;

/// The classic `struct timespec` (`long` fields): what `clock_gettime`,
/// `nanosleep` and `ppoll` take on every arch without the *_time64 calls,
/// so it works on router kernels that predate them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    pub sec: isize,
    pub nsec: isize,
}

impl Timespec {
    pub fn from_ms(ms: u64) -> Timespec {
        Timespec { sec: (ms / 1000) as isize, nsec: ((ms % 1000) * 1_000_000) as isize }
    }
    pub fn as_ns(&self) -> u64 {
        (self.sec as u64).wrapping_mul(1_000_000_000).wrapping_add(self.nsec as u64)
    }
}

pub const CLOCK_MONOTONIC: u32 = g::CLOCK_MONOTONIC;
pub const CLOCK_REALTIME: u32 = g::CLOCK_REALTIME;

pub fn clock_gettime(clock: u32) -> Result<Timespec> {
    let mut t = Timespec::default();
    // SAFETY: t is a writable classic timespec.
    ret(unsafe { syscall2(nr::clock_gettime, c_uint(clock), by_mut(&mut t)) })?;
    Ok(t)
}

/// Monotonic clock in ns (0 if the clock is unavailable).
pub fn monotonic_ns() -> u64 {
    clock_gettime(CLOCK_MONOTONIC).map_or(0, |t| t.as_ns())
}

pub fn nanosleep(t: &Timespec) -> Result<()> {
    // SAFETY: t is a valid timespec; NULL remainder.
    ret(unsafe { syscall2(nr::nanosleep, by_ref(t), NULL) })
}
