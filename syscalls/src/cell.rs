//! `StaticCell`: a `static` that hands out one `&'static mut` to its
//! contents, at most once. With an all-zero initial value the static lives
//! in `.bss`: it costs no flash, and its pages stay unresident until used
//! (the daemon's tables would otherwise be built, and kept, on the stack).
#![allow(unsafe_code)]

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

pub struct StaticCell<T> {
    taken: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is reachable only through the single `&mut` that
// `take` hands out once (guarded by the atomic flag).
unsafe impl<T: Send> Sync for StaticCell<T> {}

impl<T> StaticCell<T> {
    pub const fn new(value: T) -> Self {
        StaticCell { taken: AtomicBool::new(false), value: UnsafeCell::new(value) }
    }
    /// The contents, the first time; `None` afterwards.
    // A `&mut` from `&self` is the point: the flag makes it the only one.
    #[allow(clippy::mut_from_ref)]
    pub fn take(&'static self) -> Option<&'static mut T> {
        if self.taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: first and only caller to get here; no other reference exists.
        Some(unsafe { &mut *self.value.get() })
    }
}
