//! The generator core: classic BPF for one [`ArchDesc`].
//!
//! Programs only load 32-bit words of `struct seccomp_data` (nr u32, arch
//! u32, instruction_pointer u64, args[6] u64, in the arch's byte order),
//! compare with constants and return. Jumps go forward only and their
//! offsets are 8 bits, so targets are computed from known block lengths
//! and every offset is checked ([`Error::TooLong`] / [`Error::RuleTooLong`]
//! rather than a wrong program).
use crate::names::{lookup, Syscall};
use crate::{Action, ArchDesc, ArgCmp, CmpOp, Error, Profile, SockFilter, MAX_INSNS};
use core::mem::offset_of;
use linux_raw_sys::general as g;
use linux_raw_sys::ptrace::{self as p, seccomp_data};

const LD: u16 = (p::BPF_LD | p::BPF_W | p::BPF_ABS) as u16;
const AND: u16 = (p::BPF_ALU | p::BPF_AND | p::BPF_K) as u16;
const JEQ: u16 = (p::BPF_JMP | p::BPF_JEQ | p::BPF_K) as u16;
const JGT: u16 = (p::BPF_JMP | p::BPF_JGT | p::BPF_K) as u16;
const JGE: u16 = (p::BPF_JMP | p::BPF_JGE | p::BPF_K) as u16;
const JSET: u16 = (p::BPF_JMP | p::BPF_JSET | p::BPF_K) as u16;
const RET: u16 = (p::BPF_RET | p::BPF_K) as u16;

const OFF_NR: u32 = offset_of!(seccomp_data, nr) as u32;
const OFF_ARCH: u32 = offset_of!(seccomp_data, arch) as u32;
const OFF_ARGS: u32 = offset_of!(seccomp_data, args) as u32;

const ALLOW: u32 = p::SECCOMP_RET_ALLOW;
const KILL: u32 = p::SECCOMP_RET_KILL_PROCESS;
/// `__X32_SYSCALL_BIT` (x86_64 only in linux-raw-sys, hence spelled out).
const X32_BIT: u32 = 0x4000_0000;

/// The namespace flags `clone` may carry. `CLONE_NEWTIME` (0x80) is not
/// here: in clone(2) that bit belongs to the exit signal (CSIGNAL); only
/// `clone3` and `unshare` can ask for a time namespace, and both are denied.
const CLONE_NS: u32 = g::CLONE_NEWNS
    | g::CLONE_NEWCGROUP
    | g::CLONE_NEWUTS
    | g::CLONE_NEWIPC
    | g::CLONE_NEWUSER
    | g::CLONE_NEWPID
    | g::CLONE_NEWNET;
const _: () = assert!(CLONE_NS == 0x7e02_0000); // Docker's mask
/// personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26,
/// PER_LINUX32|UNAME26, and 0xffffffff (query).
const PERSONALITY_OK: [u32; 5] = [0, 0x8, 0x2_0000, 0x2_0008, 0xffff_ffff];

/// Instructions of [`header`]: arch check (3), load nr (1), x32 check (2).
const fn header_len(d: &ArchDesc) -> usize {
    if d.x32 {
        6
    } else {
        4
    }
}

/// Length of [`default`]'s program: header, 4 special cases, one compare per
/// denied call, then the blocks (1 + 3 + 7 + 4 + 2).
#[allow(clippy::arithmetic_side_effects)] // a few hundred at most
pub(crate) const fn default_len(d: &ArchDesc) -> usize {
    header_len(d) + 4 + d.deny.len() + 17
}

/// Offset of the low (or high) word of argument `i` (< 6).
#[allow(clippy::arithmetic_side_effects)] // at most 16 + 8 * 5 + 4
fn arg_word(d: &ArchDesc, i: u8, high: bool) -> u32 {
    let w = if high != d.big_endian { 4 } else { 0 };
    OFF_ARGS + 8 * u32::from(i.min(5)) + w
}

/// Output buffer with the next free index.
struct Out<'a> {
    buf: &'a mut [SockFilter],
    n: usize,
}

/// Offset of a forward jump from the instruction at `at` to `to`.
fn off(at: usize, to: usize) -> Result<u8, Error> {
    to.checked_sub(at)
        .and_then(|d| d.checked_sub(1))
        .and_then(|d| u8::try_from(d).ok())
        .ok_or(Error::TooLong)
}

impl Out<'_> {
    fn put(&mut self, code: u16, k: u32, jt: u8, jf: u8) -> Result<(), Error> {
        let s = self.buf.get_mut(self.n).ok_or(Error::BufferTooSmall)?;
        *s = SockFilter { code, jt, jf, k };
        self.n = self.n.checked_add(1).ok_or(Error::TooLong)?;
        Ok(())
    }
    fn ld(&mut self, off: u32) -> Result<(), Error> {
        self.put(LD, off, 0, 0)
    }
    fn ret(&mut self, k: u32) -> Result<(), Error> {
        self.put(RET, k, 0, 0)
    }
    /// Index of the next instruction after the one about to be written.
    fn next(&self) -> usize {
        self.n.wrapping_add(1)
    }
    /// Conditional jump to absolute targets `t` (true) and `f` (false).
    fn jump(&mut self, code: u16, k: u32, t: usize, f: usize) -> Result<(), Error> {
        self.put(code, k, off(self.n, t)?, off(self.n, f)?)
    }
    /// `if A == k goto t` (else the next instruction).
    fn jeq(&mut self, k: u32, t: usize) -> Result<(), Error> {
        self.jump(JEQ, k, t, self.next())
    }
}

/// Refuse other arches and x32, then leave the syscall nr in A.
fn header(d: &ArchDesc, o: &mut Out) -> Result<(), Error> {
    o.ld(OFF_ARCH)?;
    o.put(JEQ, d.audit_arch, 1, 0)?;
    o.ret(KILL)?;
    o.ld(OFF_NR)?;
    if d.x32 {
        o.put(JGE, X32_BIT, 0, 1)?;
        o.ret(KILL)?;
    }
    Ok(())
}

/// rocker's default filter (see the crate doc). Layout after the header:
///
/// ```text
///         jeq clone -> CLONE; jeq personality -> PERS; jeq ioctl -> IOCTL
///         jeq clone3 -> ENOSYS; jeq <each denied nr> -> EPERM
///         ret ALLOW
/// CLONE:  ld args[0].lo; jset CLONE_NEW* -> EPERM; ret ALLOW
/// PERS:   ld args[0].lo; jeq <each allowed value> -> ok, else EPERM; ok: ret ALLOW
/// IOCTL:  ld args[1].lo; jeq TIOCSTI -> EPERM; jeq TIOCLINUX -> EPERM; ret ALLOW
/// ENOSYS: ret ERRNO(ENOSYS)
/// EPERM:  ret ERRNO(EPERM)
/// ```
///
/// Only the low words are compared: the kernel takes personality's and
/// ioctl's `cmd` as `unsigned int` and clone's flags through
/// `lower_32_bits()`, so high bits cannot change the outcome.
pub(crate) fn default(d: &ArchDesc, out: &mut [SockFilter]) -> Result<usize, Error> {
    let o = &mut Out { buf: out, n: 0 };
    header(d, o)?;
    let allow = o.n.wrapping_add(4).wrapping_add(d.deny.len());
    let clone = allow.wrapping_add(1);
    let pers = clone.wrapping_add(3);
    let ioctl = pers.wrapping_add(7);
    let enosys = ioctl.wrapping_add(4);
    let eperm = enosys.wrapping_add(1);

    o.jeq(d.nr_clone, clone)?;
    o.jeq(d.nr_personality, pers)?;
    o.jeq(d.nr_ioctl, ioctl)?;
    o.jeq(d.nr_clone3, enosys)?;
    for &nr in d.deny {
        o.jeq(u32::from(nr), eperm)?;
    }
    o.ret(ALLOW)?;

    o.ld(arg_word(d, 0, false))?;
    o.jump(JSET, CLONE_NS, eperm, o.next())?;
    o.ret(ALLOW)?;

    o.ld(arg_word(d, 0, false))?;
    let pers_ok = pers.wrapping_add(6);
    let (last, rest) = PERSONALITY_OK.split_last().ok_or(Error::TooLong)?;
    for &v in rest {
        o.jeq(v, pers_ok)?;
    }
    o.jump(JEQ, *last, pers_ok, eperm)?;
    o.ret(ALLOW)?;

    o.ld(arg_word(d, 1, false))?;
    o.jeq(d.tiocsti, eperm)?;
    o.jeq(d.tioclinux, eperm)?;
    o.ret(ALLOW)?;

    o.ret(p::SECCOMP_RET_ERRNO | d.enosys)?;
    o.ret(p::SECCOMP_RET_ERRNO | d.eperm)?;
    debug_assert_eq!(o.n, default_len(d));
    Ok(o.n)
}

fn action(a: Action) -> u32 {
    match a {
        Action::Allow => ALLOW,
        Action::Errno(e) => p::SECCOMP_RET_ERRNO | u32::from(e),
        Action::Kill => p::SECCOMP_RET_KILL_THREAD,
        Action::KillProcess => KILL,
        Action::Trap => p::SECCOMP_RET_TRAP,
        Action::Log => p::SECCOMP_RET_LOG,
    }
}

/// How a condition is compiled: the final jump's opcode and constant,
/// whether its sense is inverted (it jumps to "fail" when true), and the
/// mask of MaskedEq.
fn shape(c: &ArgCmp) -> (u16, u64, bool, Option<u64>) {
    match c.op {
        CmpOp::Eq => (JEQ, c.value, false, None),
        CmpOp::Ne => (JEQ, c.value, true, None),
        CmpOp::Gt => (JGT, c.value, false, None),
        CmpOp::Ge => (JGE, c.value, false, None),
        CmpOp::Lt => (JGE, c.value, true, None),
        CmpOp::Le => (JGT, c.value, true, None),
        CmpOp::MaskedEq => (JEQ, c.value2, false, Some(c.value)),
    }
}

fn ordered(c: &ArgCmp) -> bool {
    matches!(c.op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge)
}

#[allow(clippy::arithmetic_side_effects)] // at most 6
fn cond_len(d: &ArchDesc, c: &ArgCmp) -> usize {
    let mask = usize::from(c.op == CmpOp::MaskedEq);
    let high = if d.bits64 {
        2 + usize::from(ordered(c)) + mask
    } else {
        0
    };
    high + 2 + mask
}

/// One condition; falls through when it holds, jumps to `fail` otherwise.
///
/// On 64-bit arches the high words decide first: for the ordered ops
/// `jgt hi` settles "greater" and `jeq hi` sends equal high words on to
/// the low words; for Eq/Ne/MaskedEq unequal high words settle it. On
/// 32-bit arches only the low word exists (values are truncated).
fn cond(d: &ArchDesc, o: &mut Out, c: &ArgCmp, fail: usize) -> Result<(), Error> {
    let ok = o.n.checked_add(cond_len(d, c)).ok_or(Error::TooLong)?;
    let (code, k, invert, mask) = shape(c);
    // Where "the comparison is true" and "false" lead.
    let (yes, no) = if invert { (fail, ok) } else { (ok, fail) };
    if d.bits64 {
        o.ld(arg_word(d, c.index, true))?;
        if let Some(m) = mask {
            o.put(AND, (m >> 32) as u32, 0, 0)?;
        }
        if ordered(c) {
            o.jump(JGT, (k >> 32) as u32, yes, o.next())?;
        }
        o.jump(JEQ, (k >> 32) as u32, o.next(), no)?;
    }
    o.ld(arg_word(d, c.index, false))?;
    if let Some(m) = mask {
        o.put(AND, m as u32, 0, 0)?;
    }
    o.jump(code, k as u32, yes, no)
}

/// Ends a run of condition-free rules with the same action: the run's
/// `jeq nr` jump here on a match, the last one jumps over the `ret`.
fn close_run(o: &mut Out, start: usize, act: u32) -> Result<(), Error> {
    let end = o.n;
    for at in start..end {
        let i = o.buf.get_mut(at).ok_or(Error::BufferTooSmall)?;
        i.jt = off(at, end)?;
    }
    if let Some(last) = end.checked_sub(1).and_then(|l| o.buf.get_mut(l)) {
        last.jf = 1;
    }
    o.ret(act)
}

/// A profile's program. After the header, rules in order:
///
/// - a run of condition-free rules with the same action (at most 255, the
///   reach of a jump) is a list of `jeq nr` sharing one `ret action`;
/// - a rule with conditions is `jeq nr` (else skip the rule), the
///   conditions (each jumps past the rule when it fails), `ret action`;
///   the nr is loaded again afterwards.
///
/// The program ends with `ret default_action`.
pub(crate) fn profile(d: &ArchDesc, prof: &Profile, out: &mut [SockFilter]) -> Result<usize, Error> {
    let o = &mut Out { buf: out, n: 0 };
    header(d, o)?;
    let mut a_is_nr = true;
    // Start and action of the open run of condition-free rules.
    let mut run: Option<(usize, u32)> = None;
    for (rule, r) in prof.rules.iter().enumerate() {
        let nr = match lookup(d.names, r.name) {
            Syscall::Nr(nr) => nr,
            Syscall::OtherArch if prof.skip_other_arch => continue,
            Syscall::OtherArch => return Err(Error::OtherArchSyscall { rule }),
            Syscall::Unknown => return Err(Error::UnknownSyscall { rule }),
        };
        if r.args.iter().any(|c| c.index > 5) {
            return Err(Error::BadArgIndex { rule });
        }
        let act = action(r.action);
        if let Some((start, a)) = run {
            if !r.args.is_empty() || a != act || o.n.wrapping_sub(start) >= 255 {
                close_run(o, start, a)?;
                run = None;
            }
        }
        if !a_is_nr {
            o.ld(OFF_NR)?;
            a_is_nr = true;
        }
        if r.args.is_empty() {
            if run.is_none() {
                run = Some((o.n, act));
            }
            o.put(JEQ, nr, 0, 0)?; // jt set by close_run
            continue;
        }
        let body = r.args.iter().fold(1usize, |n, c| n.saturating_add(cond_len(d, c)));
        let end = o.next().saturating_add(body);
        o.jump(JEQ, nr, o.next(), end).map_err(|e| match e {
            Error::TooLong => Error::RuleTooLong { rule },
            e => e,
        })?;
        for c in r.args {
            cond(d, o, c, end)?;
        }
        o.ret(act)?;
        a_is_nr = false;
    }
    if let Some((start, a)) = run {
        close_run(o, start, a)?;
    }
    o.ret(action(prof.default_action))?;
    if o.n > MAX_INSNS {
        return Err(Error::TooLong);
    }
    Ok(o.n)
}
