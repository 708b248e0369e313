//! MIPS o32 (big- and little-endian).
//!
//! nr in $2 (v0), args in $4..$7 (a0..a3); args 5 and 6 go on the stack at
//! 16($sp) and 20($sp) above the 16-byte argument save area. After `syscall`
//! the result is in $2 and $7 (a3) is a flag: non-zero means $2 holds a
//! positive errno. We return `-errno` like the other arches.
//!
//! The real kernel does NOT preserve `$at` ($1) nor hi/lo across `syscall`
//! (qemu-user does, so only a real kernel shows it: QEMU.md §5). LLVM may keep
//! a live value in `$1`, and Rust refuses `$1` as an operand or clobber, so
//! every block saves and restores `$1`, hi and lo itself, under `.set noat`.
//! Args 5 and 6 are pinned to $8/$9 so the compiler cannot pick `$1` for them.
//! $3 and $8..$15, $24, $25 are clobbered, as musl and the kernel ABI say.
use core::arch::asm;

macro_rules! mips_syscall {
    ($n:expr, $a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr) => {{
        let r: usize;
        let err: usize;
        asm!(
            ".set push",
            ".set noat",
            "addiu $sp, $sp, -40",
            "sw $1, 32($sp)",
            "mfhi $1",
            "sw $1, 28($sp)",
            "mflo $1",
            "sw $1, 24($sp)",
            "sw $8, 16($sp)",
            "sw $9, 20($sp)",
            "syscall",
            "lw $1, 24($sp)",
            "mtlo $1",
            "lw $1, 28($sp)",
            "mthi $1",
            "lw $1, 32($sp)",
            "addiu $sp, $sp, 40",
            ".set pop",
            inlateout("$2") $n => r,
            inlateout("$4") $a => _,
            inlateout("$5") $b => _,
            inlateout("$6") $c => _,
            inlateout("$7") $d => err,
            inlateout("$8") $e => _,
            inlateout("$9") $f => _,
            lateout("$3") _,
            lateout("$10") _, lateout("$11") _, lateout("$12") _, lateout("$13") _,
            lateout("$14") _, lateout("$15") _, lateout("$24") _, lateout("$25") _,
        );
        if err != 0 { (r as isize).wrapping_neg() as usize } else { r }
    }};
}

#[inline(never)]
pub unsafe fn syscall0(n: usize) -> usize { mips_syscall!(n, 0usize, 0usize, 0usize, 0usize, 0usize, 0usize) }
#[inline(never)]
pub unsafe fn syscall1(n: usize, a: usize) -> usize { mips_syscall!(n, a, 0usize, 0usize, 0usize, 0usize, 0usize) }
#[inline(never)]
pub unsafe fn syscall2(n: usize, a: usize, b: usize) -> usize { mips_syscall!(n, a, b, 0usize, 0usize, 0usize, 0usize) }
#[inline(never)]
pub unsafe fn syscall3(n: usize, a: usize, b: usize, c: usize) -> usize { mips_syscall!(n, a, b, c, 0usize, 0usize, 0usize) }
#[inline(never)]
pub unsafe fn syscall4(n: usize, a: usize, b: usize, c: usize, d: usize) -> usize { mips_syscall!(n, a, b, c, d, 0usize, 0usize) }
#[inline(never)]
pub unsafe fn syscall5(n: usize, a: usize, b: usize, c: usize, d: usize, e: usize) -> usize { mips_syscall!(n, a, b, c, d, e, 0usize) }
#[inline(never)]
pub unsafe fn syscall6(n: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize { mips_syscall!(n, a, b, c, d, e, f) }

/// Static, non-PIC entry (`-e _start`): a0 = initial sp, reserve the o32
/// argument area, keep sp 8-aligned, jump through $t9 as the ABI expects.
#[cfg(all(feature = "rt", target_env = "musl"))]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".set push",
        ".set noreorder",
        "move $4, $sp",
        "li $8, -16",
        "and $sp, $sp, $8",
        "addiu $sp, $sp, -16",
        "lui $25, %hi({entry})",
        "addiu $25, $25, %lo({entry})",
        "jalr $25",
        "nop",
        "break",
        ".set pop",
        entry = sym crate::rt::start,
    )
}

/// The kernel supplies the sigreturn trampoline (vdso / signal page).
pub unsafe extern "C" fn restore_rt() {}
pub const HAS_RESTORER: bool = false;
