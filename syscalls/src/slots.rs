//! `Slots<T, N>`: a fixed table whose free slots hold no value, so that
//! the pages only free slots cover can be given back to the kernel
//! ([`Slots::trim`]). A table of structs written once by a burst (say 100
//! sandboxes) would otherwise stay resident, full of "free" values, for
//! the daemon's life.
//!
//! Every slot reads as a value: a slot holding none reads as
//! [`Slot::free`] (a `static` of the owner's type), and is filled with
//! [`Slot::FREE`] the first time it is borrowed mutably.
#![allow(unsafe_code)]

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::ops::{Index, IndexMut};

/// What a [`Slots`] table holds.
pub trait Slot: Sized + 'static {
    /// The value of a free slot.
    const FREE: Self;
    /// A `static` holding [`Slot::FREE`] (what an empty slot reads as); an
    /// [`InBss`] keeps an all-zero one out of flash.
    fn free() -> &'static Self;
    /// Whether this value is a free one (its slot may be emptied by
    /// [`Slots::trim`]: the value is dropped).
    fn is_free(&self) -> bool;
}

pub struct Slots<T: Slot, const N: usize> {
    /// `full[i]`: `v[i]` holds a value (the invariant every `unsafe` below
    /// relies on).
    full: [bool; N],
    v: [MaybeUninit<T>; N],
}

impl<T: Slot, const N: usize> Slots<T, N> {
    /// All slots empty (in a `static`: `.bss`, no flash).
    pub const fn new() -> Self {
        Slots { full: [false; N], v: [const { MaybeUninit::uninit() }; N] }
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        match (self.full.get(i), self.v.get(i)) {
            // SAFETY: `full[i]` says `v[i]` holds a value.
            (Some(true), Some(v)) => Some(unsafe { v.assume_init_ref() }),
            (Some(false), _) => Some(T::free()),
            _ => None,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        // SAFETY: `full` says `v` holds a value.
        self.full.iter().zip(self.v.iter()).map(|(&f, v)| if f { unsafe { v.assume_init_ref() } } else { T::free() })
    }

    /// Fills empty slot `i` with [`Slot::FREE`] (out of line: `index_mut`
    /// is inlined at every use).
    #[inline(never)]
    fn fill(&mut self, i: usize) {
        self.v[i].write(T::FREE);
        self.full[i] = true;
    }

    /// Empties the slots holding a free value, then gives back the pages
    /// that only empty slots cover.
    pub fn trim(&mut self) {
        for (full, v) in self.full.iter_mut().zip(self.v.iter_mut()) {
            // SAFETY: `full` says `v` holds a value.
            if *full && unsafe { v.assume_init_ref() }.is_free() {
                *full = false;
                // SAFETY: it held a value (above); dropped once, the slot
                // now marked empty.
                unsafe { v.assume_init_drop() };
            }
        }
        self.give_back();
    }

    /// Empties every slot without dropping the values (a forked child's
    /// copy of its parent's table: the values are the parent's) and gives
    /// all the pages back.
    pub fn forget_all(&mut self) {
        // Written only if needed: in a child, a write copies the page.
        if self.full.contains(&true) {
            self.full = [false; N];
        }
        self.give_back();
    }

    /// Gives back the pages only empty slots cover.
    fn give_back(&mut self) {
        let size = core::mem::size_of::<T>();
        let base = self.v.as_ptr() as usize;
        let end = base.saturating_add(size.saturating_mul(N));
        let mut page = base.saturating_add(crate::mem::PAGE - 1) & !(crate::mem::PAGE - 1);
        while size > 0 && page.saturating_add(crate::mem::PAGE) <= end {
            let first = (page - base) / size;
            let last = (page + crate::mem::PAGE - 1 - base) / size;
            if self.full.get(first..=last).is_some_and(|s| !s.contains(&true)) {
                // SAFETY: only empty slots (no value, nothing refers to
                // them: `&mut self`) overlap this page.
                unsafe { crate::mem::dontneed(page, page + crate::mem::PAGE) };
            }
            page += crate::mem::PAGE;
        }
    }
}

/// A read-only `static` that stays in `.bss` when its value is all zero (a
/// plain `static` of a type without interior mutability goes to flash).
pub struct InBss<T>(UnsafeCell<T>);

// SAFETY: the value is never written after initialization (no `&mut` is
// ever handed out), so shared references from several threads are fine.
unsafe impl<T: Sync> Sync for InBss<T> {}

impl<T> InBss<T> {
    pub const fn new(v: T) -> Self {
        InBss(UnsafeCell::new(v))
    }
    pub fn get(&'static self) -> &'static T {
        // SAFETY: never written (see the Sync impl).
        unsafe { &*self.0.get() }
    }
}

impl<T: Slot, const N: usize> Default for Slots<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Slot, const N: usize> Index<usize> for Slots<T, N> {
    type Output = T;
    /// Panics out of range, as an array does.
    fn index(&self, i: usize) -> &T {
        if self.full[i] {
            // SAFETY: `full[i]` says `v[i]` holds a value.
            unsafe { self.v[i].assume_init_ref() }
        } else {
            T::free()
        }
    }
}

impl<T: Slot, const N: usize> IndexMut<usize> for Slots<T, N> {
    /// Fills an empty slot with [`Slot::FREE`] first.
    fn index_mut(&mut self, i: usize) -> &mut T {
        if !self.full[i] {
            self.fill(i);
        }
        // SAFETY: filled just above if it was empty.
        unsafe { self.v[i].assume_init_mut() }
    }
}

impl<T: Slot, const N: usize> Drop for Slots<T, N> {
    fn drop(&mut self) {
        for (full, v) in self.full.iter_mut().zip(self.v.iter_mut()) {
            if *full {
                *full = false;
                // SAFETY: `full` says `v` holds a value, dropped once.
                unsafe { v.assume_init_drop() };
            }
        }
    }
}
