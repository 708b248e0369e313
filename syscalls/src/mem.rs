//! Giving memory back: madvise(MADV_DONTNEED) on private anonymous memory
//! (`.bss`, the stack). The kernel frees the pages; the next touch maps a
//! fresh zero page. Both wrappers are safe by construction: `discard`
//! takes a `&mut [u8]` (no reference into it can be alive, and every byte
//! value, zero included, is a valid `u8`), `discard_stack` frees only
//! memory below the caller's frame (no Rust value lives there).
//!
//! madvise(2) itself is not wrapped: on memory Rust still references it
//! would change values behind the compiler's back (and on a file mapping
//! bring back the file's contents, not zeros).
#![allow(unsafe_code)]

use crate::{arch, conv::c_uint, nr};
use linux_raw_sys::general as g;

/// The page size rocker's targets run with (4 KiB on every arch we
/// support); with a bigger one the kernel refuses (EINVAL) and nothing is
/// discarded, which is still correct.
pub(crate) const PAGE: usize = 4096;

/// How deep below the caller the stack is discarded: more than any chain
/// of frames the daemon has (see doc/MEMORY.md), well within the 1 MiB gap
/// the kernel keeps below a stack (`stack_guard_gap`), so the range holds
/// the stack and unmapped gap only (madvise skips the gap: ENOMEM, ignored).
const STACK_DEPTH: usize = 256 * 1024;

/// # Safety
/// No live value may be in `start..end` whose bytes may not become zero.
pub(crate) unsafe fn dontneed(start: usize, end: usize) {
    if end > start {
        // SAFETY: the caller's contract; integers only otherwise.
        unsafe { arch::syscall3(nr::madvise, start, end - start, c_uint(g::MADV_DONTNEED)) };
    }
}

/// Gives the whole pages inside `buf` back to the kernel. Afterwards the
/// bytes of `buf` are unspecified (zero where a page was discarded, the old
/// contents elsewhere): for buffers whose contents are dead. `buf` must be
/// private anonymous memory (a `static`'s `.bss`/`.data`, the stack) to cost
/// nothing afterwards; on other memory nothing unsafe happens either.
pub fn discard(buf: &mut [u8]) {
    let a = buf.as_mut_ptr() as usize;
    let start = a.saturating_add(PAGE - 1) & !(PAGE - 1);
    let end = a.saturating_add(buf.len()) & !(PAGE - 1);
    // SAFETY: whole pages inside `buf`, which we hold mutably: its bytes
    // may be anything, zero included.
    unsafe { dontneed(start, end) };
}

/// Gives back the stack pages below the caller (deeper frames it no longer
/// has: a burst's call chains, or, in a forked child, the parent's).
/// Frames and locals of the callers are above and stay.
#[inline(never)]
pub fn discard_stack() {
    let mut here = 0u8;
    let at = core::hint::black_box(core::ptr::addr_of_mut!(here)) as usize;
    // Below `here`: the rest of this frame, the red zone (x86_64: 128 B)
    // and the syscall's own (inlined) code: 1 KiB is plenty.
    let end = at.saturating_sub(1024) & !(PAGE - 1);
    // SAFETY: below every live frame: no value lives there.
    unsafe { dontneed(end.saturating_sub(STACK_DEPTH), end) };
}
