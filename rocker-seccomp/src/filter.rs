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

/// Upper bound of the default program's length (checked per arch).
const DEFAULT_MAX: usize = 128;

/// Length of [`default_program`]: the header (4, x86_64 7), 4 special
/// cases, one compare per denied call, then the blocks (1 + 3 + 7 + 4 + 2).
#[allow(clippy::arithmetic_side_effects)] // a few hundred at most
pub(crate) const fn default_len(d: &ArchDesc) -> usize {
    header_len(d) + 4 + d.deny.len() + 17
}

pub(crate) const fn header_len(d: &ArchDesc) -> usize {
    if d.x32 {
        7
    } else {
        4
    }
}

/// Offset of the low (or high) word of argument `i` (< 6).
#[allow(clippy::arithmetic_side_effects)] // at most 16 + 8 * 5 + 4
const fn arg_word(d: &ArchDesc, i: u8, high: bool) -> u32 {
    let w = if high != d.big_endian { 4 } else { 0 };
    let i = if i > 5 { 5 } else { i };
    OFF_ARGS + 8 * i as u32 + w
}

/// A program built at compile time (the header and the default filter,
/// which depend on the arch only). Any error is a compile error: the const
/// evaluation panics on a full buffer or a jump beyond 255. At run time
/// these functions run only in the tests.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects, clippy::panic)]
mod fixed {
    use super::*;

    pub(crate) struct Prog<const N: usize> {
        pub insns: [SockFilter; N],
        pub len: usize,
    }

    impl<const N: usize> Prog<N> {
        pub const fn new() -> Self {
            Prog { insns: [crate::ZERO; N], len: 0 }
        }
        pub const fn put(&mut self, code: u16, k: u32, jt: u8, jf: u8) {
            self.insns[self.len] = SockFilter { code, jt, jf, k };
            self.len += 1;
        }
        pub const fn ld(&mut self, off: u32) {
            self.put(LD, off, 0, 0)
        }
        pub const fn ret(&mut self, k: u32) {
            self.put(RET, k, 0, 0)
        }
        /// Conditional jump to the absolute targets `t` (true), `f` (false).
        pub const fn jump(&mut self, code: u16, k: u32, t: usize, f: usize) {
            self.put(code, k, rel(self.len, t), rel(self.len, f))
        }
        /// `if A == k goto t` (else the next instruction).
        pub const fn jeq(&mut self, k: u32, t: usize) {
            self.jump(JEQ, k, t, self.len + 1)
        }
        /// The program in the kernel's layout (see [`put_insn`]), as an
        /// array of exactly its length in bytes.
        pub const fn bytes<const B: usize>(&self) -> [u8; B] {
            assert!(B == self.len * 8);
            let mut a = [0u8; B];
            let mut i = 0;
            while i < self.len {
                let s = self.insns[i];
                let [c0, c1] = s.code.to_ne_bytes();
                let [k0, k1, k2, k3] = s.k.to_ne_bytes();
                let b = [c0, c1, s.jt, s.jf, k0, k1, k2, k3];
                let mut j = 0;
                while j < 8 {
                    a[i * 8 + j] = b[j];
                    j += 1;
                }
                i += 1;
            }
            a
        }
        /// The program as an array of exactly its length.
        pub const fn exact<const M: usize>(&self) -> [SockFilter; M] {
            assert!(M == self.len);
            let mut a = [crate::ZERO; M];
            let mut i = 0;
            while i < M {
                a[i] = self.insns[i];
                i += 1;
            }
            a
        }
    }

    const fn rel(at: usize, to: usize) -> u8 {
        let d = to - at - 1;
        assert!(d < 256, "BPF jump beyond 255");
        d as u8
    }

    /// Refuse other arches and x32, then leave the syscall nr in A.
    /// nr -1 is no x32 call: it is how a tracer skips a syscall, and the
    /// kernel answers it with ENOSYS (libseccomp lets it pass too).
    pub(crate) const fn header(d: &ArchDesc) -> Prog<7> {
        let mut o = Prog::new();
        o.ld(OFF_ARCH);
        o.put(JEQ, d.audit_arch, 1, 0);
        o.ret(KILL);
        o.ld(OFF_NR);
        if d.x32 {
            o.put(JGE, X32_BIT, 0, 2);
            o.put(JEQ, u32::MAX, 1, 0);
            o.ret(KILL);
        }
        assert!(o.len == header_len(d));
        o
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
    pub(crate) const fn default_program(d: &ArchDesc) -> Prog<DEFAULT_MAX> {
        let mut o = Prog::new();
        let h = header(d);
        while o.len < h.len {
            o.insns[o.len] = h.insns[o.len];
            o.len += 1;
        }
        let allow = o.len + 4 + d.deny.len();
        let clone = allow + 1;
        let pers = clone + 3;
        let ioctl = pers + 7;
        let enosys = ioctl + 4;
        let eperm = enosys + 1;

        o.jeq(d.nr_clone, clone);
        o.jeq(d.nr_personality, pers);
        o.jeq(d.nr_ioctl, ioctl);
        o.jeq(d.nr_clone3, enosys);
        let mut i = 0;
        while i < d.deny.len() {
            o.jeq(d.deny[i] as u32, eperm);
            i += 1;
        }
        o.ret(ALLOW);

        o.ld(arg_word(d, 0, false));
        o.jump(JSET, CLONE_NS, eperm, o.len + 1);
        o.ret(ALLOW);

        o.ld(arg_word(d, 0, false));
        let pers_ok = pers + 6;
        let mut i = 0;
        while i + 1 < PERSONALITY_OK.len() {
            o.jeq(PERSONALITY_OK[i], pers_ok);
            i += 1;
        }
        o.jump(JEQ, PERSONALITY_OK[i], pers_ok, eperm);
        o.ret(ALLOW);

        o.ld(arg_word(d, 1, false));
        o.jeq(d.tiocsti, eperm);
        o.jeq(d.tioclinux, eperm);
        o.ret(ALLOW);

        o.ret(p::SECCOMP_RET_ERRNO | d.enosys);
        o.ret(p::SECCOMP_RET_ERRNO | d.eperm);
        assert!(o.len == default_len(d));
        o
    }
}
pub(crate) use fixed::{default_program, header};

/// Output buffer with the next free index (profiles, at run time). The
/// first error sticks and stops the writing, so that emitting code needs
/// no error path per instruction.
struct Out<'a> {
    buf: &'a mut [SockFilter],
    n: usize,
    err: Option<Error>,
}

/// Offset of a forward jump from the instruction at `at` to `to`.
fn off(at: usize, to: usize) -> Option<u8> {
    to.checked_sub(at).and_then(|d| d.checked_sub(1)).and_then(|d| u8::try_from(d).ok())
}

impl Out<'_> {
    #[inline(never)]
    fn put(&mut self, code: u16, k: u32, jt: u8, jf: u8) {
        match self.buf.get_mut(self.n) {
            Some(s) if self.err.is_none() => *s = SockFilter { code, jt, jf, k },
            _ => self.fail(Error::BufferTooSmall),
        }
        self.n = self.n.saturating_add(1);
    }
    fn fail(&mut self, e: Error) {
        self.err.get_or_insert(e);
    }
    fn ld(&mut self, off: u32) {
        self.put(LD, off, 0, 0)
    }
    fn ret(&mut self, k: u32) {
        self.put(RET, k, 0, 0)
    }
    /// Index of the next instruction after the one about to be written.
    fn next(&self) -> usize {
        self.n.saturating_add(1)
    }
    /// Conditional jump to absolute targets `t` (true) and `f` (false).
    #[inline(never)]
    fn jump(&mut self, code: u16, k: u32, t: usize, f: usize) {
        match (off(self.n, t), off(self.n, f)) {
            (Some(jt), Some(jf)) => self.put(code, k, jt, jf),
            _ => self.fail(Error::TooLong), // not reached: callers bound the lengths
        }
    }
}

#[cfg(test)]
pub(crate) fn action_k(a: Action) -> u32 {
    action(a)
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
    let high = if d.bits64 { 2 + usize::from(ordered(c)) + mask } else { 0 };
    high + 2 + mask
}

/// One condition; falls through when it holds, jumps to `fail` otherwise.
///
/// On 64-bit arches the high words decide first: for the ordered ops
/// `jgt hi` settles "greater" and `jeq hi` sends equal high words on to
/// the low words; for Eq/Ne/MaskedEq unequal high words settle it. On
/// 32-bit arches only the low word exists (values are truncated).
fn cond(d: &ArchDesc, o: &mut Out, c: &ArgCmp, fail: usize) {
    let ok = o.n.saturating_add(cond_len(d, c));
    let (code, k, invert, mask) = shape(c);
    // Where "the comparison is true" and "false" lead.
    let (yes, no) = if invert { (fail, ok) } else { (ok, fail) };
    if d.bits64 {
        o.ld(arg_word(d, c.index, true));
        if let Some(m) = mask {
            o.put(AND, (m >> 32) as u32, 0, 0);
        }
        if ordered(c) {
            o.jump(JGT, (k >> 32) as u32, yes, o.next());
        }
        o.jump(JEQ, (k >> 32) as u32, o.next(), no);
    }
    o.ld(arg_word(d, c.index, false));
    if let Some(m) = mask {
        o.put(AND, m as u32, 0, 0);
    }
    o.jump(code, k as u32, yes, no)
}

/// Ends a run of condition-free rules with the same action: the run's
/// `jeq nr` jump here on a match, the last one jumps over the `ret`.
fn close_run(o: &mut Out, start: usize, act: u32) {
    let end = o.n;
    for at in start..end {
        match (o.buf.get_mut(at), off(at, end)) {
            (Some(i), Some(jt)) => i.jt = jt,
            _ => o.fail(Error::TooLong), // not reached: runs are at most 255
        }
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
/// The program ends with `ret default_action`. `head` is [`header`]`(d)`
/// (a static for the build target: no header code at run time).
pub(crate) fn profile(
    d: &ArchDesc,
    head: &[SockFilter],
    prof: &Profile,
    out: &mut [SockFilter],
) -> Result<usize, Error> {
    let o = &mut Out { buf: out, n: 0, err: None };
    for s in head {
        o.put(s.code, s.k, s.jt, s.jf);
    }
    let mut a_is_nr = true;
    // Start and action of the open run of condition-free rules.
    let mut run: Option<(usize, u32)> = None;
    for (rule, r) in prof.rules.iter().enumerate() {
        if let Some(e) = o.err {
            return Err(e);
        }
        if o.n > MAX_INSNS {
            return Err(Error::TooLong);
        }
        let nr = match lookup(d.names, r.name) {
            Syscall::Nr(nr) => nr,
            Syscall::OtherArch if prof.skip_other_arch => continue,
            Syscall::OtherArch => return Err(Error::OtherArchSyscall { rule }),
            Syscall::Unknown => return Err(Error::UnknownSyscall { rule }),
        };
        if r.args.iter().any(|c| c.index > 5) {
            return Err(Error::BadArgIndex { rule });
        }
        // The jeq's false branch skips the conditions and the ret.
        let body = r.args.iter().fold(1usize, |n, c| n.saturating_add(cond_len(d, c)));
        if body > 255 {
            return Err(Error::RuleTooLong { rule });
        }
        let act = action(r.action);
        if let Some((start, a)) = run {
            if !r.args.is_empty() || a != act || o.n.saturating_sub(start) >= 255 {
                close_run(o, start, a);
                run = None;
            }
        }
        if !a_is_nr {
            o.ld(OFF_NR);
            a_is_nr = true;
        }
        if r.args.is_empty() {
            if run.is_none() {
                run = Some((o.n, act));
            }
            o.put(JEQ, nr, 0, 0); // jt and the last jf set by close_run
            continue;
        }
        let end = o.next().saturating_add(body);
        o.jump(JEQ, nr, o.next(), end);
        for c in r.args {
            cond(d, o, c, end);
        }
        o.ret(act);
        a_is_nr = false;
    }
    if let Some((start, a)) = run {
        close_run(o, start, a);
    }
    o.ret(action(prof.default_action));
    match o.err {
        Some(e) => Err(e),
        None if o.n > MAX_INSNS => Err(Error::TooLong),
        None => Ok(o.n),
    }
}

/// One instruction as the kernel reads it (`struct sock_filter`: u16 code,
/// u8 jt, u8 jf, u32 k, native byte order) into `o` (8 bytes).
pub(crate) fn put_insn(o: &mut [u8], s: &SockFilter) {
    let [c0, c1] = s.code.to_ne_bytes();
    let [k0, k1, k2, k3] = s.k.to_ne_bytes();
    for (d, v) in o.iter_mut().zip([c0, c1, s.jt, s.jf, k0, k1, k2, k3]) {
        *d = v;
    }
}

/// A list profile's program, as bytes (see [`put_insn`]) into `out`:
///
/// ```text
///         <head>
///         jeq <nr of name 0> -> ACT   ...   jeq <nr of name n-1> -> ACT
///         ret <default_action>
/// ACT:    ret <action>
/// ```
///
/// At most [`crate::LIST_MAX`] names, so that every `jeq` reaches `ACT`
/// (the names are counted first; each is looked up once). `head` is the
/// header in bytes.
pub(crate) fn list<'a, I>(d: &ArchDesc, head: &[u8], default_action: Action, act: Action, names: I, out: &mut [u8]) -> Result<usize, Error>
where
    I: IntoIterator<Item = &'a [u8]>,
    I::IntoIter: Clone,
{
    let names = names.into_iter();
    let n = names.clone().count();
    if n > crate::LIST_MAX {
        return Err(Error::TooLong);
    }
    let (h, rest) = out.split_at_mut_checked(head.len()).ok_or(Error::BufferTooSmall)?;
    h.copy_from_slice(head);
    let mut slots = rest.chunks_exact_mut(8);
    let mut emit = |s: SockFilter| slots.next().map(|o| put_insn(o, &s)).ok_or(Error::BufferTooSmall);
    for (rule, name) in names.enumerate() {
        let nr = match lookup(d.names, name) {
            Syscall::Nr(nr) => nr,
            Syscall::OtherArch => return Err(Error::OtherArchSyscall { rule }),
            Syscall::Unknown => return Err(Error::UnknownSyscall { rule }),
        };
        // Over the jeqs after this one and the default ret.
        emit(SockFilter { code: JEQ, jt: n.wrapping_sub(rule) as u8, jf: 0, k: nr })?;
    }
    emit(SockFilter { code: RET, jt: 0, jf: 0, k: action(default_action) })?;
    emit(SockFilter { code: RET, jt: 0, jf: 0, k: action(act) })?;
    Ok((head.len() / 8).wrapping_add(n).wrapping_add(2))
}
