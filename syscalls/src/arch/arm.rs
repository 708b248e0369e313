//! 32-bit ARM EABI, ARM mode: nr in r7, args r0..r5, `svc 0`, result in r0.
//! Thumb mode reserves r7 as its frame pointer; we build ARM mode only.
#[cfg(target_feature = "thumb-mode")]
compile_error!("rocker's ARM syscall layer is written for ARM (not Thumb) mode: r7 holds the syscall number");

use core::arch::asm;

#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let r;
    asm!("svc 0", in("r7") n, lateout("r0") r, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall1(n: usize, a: usize) -> usize {
    let r;
    asm!("svc 0", in("r7") n, inlateout("r0") a => r, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall2(n: usize, a: usize, b: usize) -> usize {
    let r;
    asm!("svc 0", in("r7") n, inlateout("r0") a => r, in("r1") b, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall3(n: usize, a: usize, b: usize, c: usize) -> usize {
    let r;
    asm!("svc 0", in("r7") n, inlateout("r0") a => r, in("r1") b, in("r2") c, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall4(n: usize, a: usize, b: usize, c: usize, d: usize) -> usize {
    let r;
    asm!("svc 0", in("r7") n, inlateout("r0") a => r, in("r1") b, in("r2") c, in("r3") d, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall5(n: usize, a: usize, b: usize, c: usize, d: usize, e: usize) -> usize {
    let r;
    asm!("svc 0", in("r7") n, inlateout("r0") a => r, in("r1") b, in("r2") c, in("r3") d, in("r4") e, options(nostack));
    r
}
#[inline(always)]
pub unsafe fn syscall6(n: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize {
    let r;
    asm!("svc 0", in("r7") n, inlateout("r0") a => r, in("r1") b, in("r2") c, in("r3") d, in("r4") e, in("r5") f, options(nostack));
    r
}

#[cfg(all(feature = "rt", target_env = "musl"))]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov r0, sp",
        "mov fp, #0",
        "mov lr, #0",
        "bic sp, sp, #15",
        "bl {entry}",
        "udf #0",
        entry = sym crate::rt::start,
    )
}

/// The kernel supplies the sigreturn trampoline (sigpage).
pub unsafe extern "C" fn restore_rt() {}
pub const HAS_RESTORER: bool = false;
