//! 32-bit ARM EABI: nr in r7, args r0..r5, `svc 0`, result in r0.
//!
//! Built as Thumb-2 (`+thumb-mode` in .cargo/config.toml: about a third
//! smaller than ARM mode). Thumb code uses r7 as its frame pointer, so r7
//! cannot be an asm operand: every block parks r7 in a scratch register,
//! loads the number into r7, traps and restores r7 (as rustix's arm backend
//! does). The same source still builds in ARM mode (r7 is an operand there).
use core::arch::asm;

/// One `svc 0` with the syscall number in r7 and the given argument
/// registers; r0 comes back as the result.
#[cfg(target_feature = "thumb-mode")]
macro_rules! svc {
    ($n:expr, $a:expr $(, $reg:tt = $v:expr)*) => {{
        let r: usize;
        asm!(
            "mov {save}, r7",
            "mov r7, {nr}",
            "svc 0",
            "mov r7, {save}",
            nr = in(reg) $n,
            save = out(reg) _,
            inlateout("r0") $a => r,
            $(in($reg) $v,)*
            options(nostack)
        );
        r
    }};
}
#[cfg(not(target_feature = "thumb-mode"))]
macro_rules! svc {
    ($n:expr, $a:expr $(, $reg:tt = $v:expr)*) => {{
        let r: usize;
        asm!("svc 0", in("r7") $n, inlateout("r0") $a => r, $(in($reg) $v,)* options(nostack));
        r
    }};
}

// Out of line, as on MIPS: one copy of the r7 dance per arity instead of one
// per call site (-556 bytes on rocker-master in Thumb mode).
#[inline(never)]
pub unsafe fn syscall0(n: usize) -> usize {
    svc!(n, 0usize)
}
#[inline(never)]
pub unsafe fn syscall1(n: usize, a: usize) -> usize {
    svc!(n, a)
}
#[inline(never)]
pub unsafe fn syscall2(n: usize, a: usize, b: usize) -> usize {
    svc!(n, a, "r1" = b)
}
#[inline(never)]
pub unsafe fn syscall3(n: usize, a: usize, b: usize, c: usize) -> usize {
    svc!(n, a, "r1" = b, "r2" = c)
}
#[inline(never)]
pub unsafe fn syscall4(n: usize, a: usize, b: usize, c: usize, d: usize) -> usize {
    svc!(n, a, "r1" = b, "r2" = c, "r3" = d)
}
#[inline(never)]
pub unsafe fn syscall5(n: usize, a: usize, b: usize, c: usize, d: usize, e: usize) -> usize {
    svc!(n, a, "r1" = b, "r2" = c, "r3" = d, "r4" = e)
}
#[inline(never)]
pub unsafe fn syscall6(n: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize {
    svc!(n, a, "r1" = b, "r2" = c, "r3" = d, "r4" = e, "r5" = f)
}

/// The kernel enters at `_start` with sp at argc. A Thumb `_start` has bit 0
/// set in its address, so `e_entry` is odd and the kernel starts it in
/// Thumb state. Thumb-2 cannot `bic` into sp, hence the detour via r1; r11
/// and lr are zeroed to end frame-pointer and return-address chains.
#[cfg(all(feature = "rt", target_env = "musl"))]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov r0, sp",
        "mov r1, #0",
        "mov r11, r1",
        "mov r7, r1",
        "mov lr, r1",
        "bic r1, r0, #15",
        "mov sp, r1",
        "bl {entry}",
        "udf #0",
        entry = sym crate::rt::start,
    )
}

/// The kernel supplies the sigreturn trampoline (sigpage).
pub unsafe extern "C" fn restore_rt() {}
pub const HAS_RESTORER: bool = false;
