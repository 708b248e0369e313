//! aarch64: nr in x8, args x0..x5, `svc 0`, result in x0.
use core::arch::asm;

#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let r;
    asm!("svc 0", in("x8") n, lateout("x0") r, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall1(n: usize, a: usize) -> usize {
    let r;
    asm!("svc 0", in("x8") n, inlateout("x0") a => r, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall2(n: usize, a: usize, b: usize) -> usize {
    let r;
    asm!("svc 0", in("x8") n, inlateout("x0") a => r, in("x1") b, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall3(n: usize, a: usize, b: usize, c: usize) -> usize {
    let r;
    asm!("svc 0", in("x8") n, inlateout("x0") a => r, in("x1") b, in("x2") c, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall4(n: usize, a: usize, b: usize, c: usize, d: usize) -> usize {
    let r;
    asm!("svc 0", in("x8") n, inlateout("x0") a => r, in("x1") b, in("x2") c, in("x3") d, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall5(n: usize, a: usize, b: usize, c: usize, d: usize, e: usize) -> usize {
    let r;
    asm!("svc 0", in("x8") n, inlateout("x0") a => r, in("x1") b, in("x2") c, in("x3") d, in("x4") e, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall6(n: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize {
    let r;
    asm!("svc 0", in("x8") n, inlateout("x0") a => r, in("x1") b, in("x2") c, in("x3") d, in("x4") e, in("x5") f, options(nostack));
    r
}

#[cfg(all(feature = "rt", target_env = "musl"))]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov x0, sp",
        "mov x29, xzr",
        "mov x30, xzr",
        "bl {entry}",
        "brk #1",
        entry = sym crate::rt::start,
    )
}

/// The kernel supplies the sigreturn trampoline (vdso).
pub unsafe extern "C" fn restore_rt() {}
pub const HAS_RESTORER: bool = false;
