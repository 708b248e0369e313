//! seccomp filters for rocker's Apps: classic BPF for the arch this crate
//! is compiled for (the master builds the program on the same arch as the
//! App), without an allocator.
//!
//! - [`DEFAULT_FILTER`] (or [`default_filter`] to copy it): rocker's
//!   default, built at compile time. Denies with `EPERM` what Docker's
//!   default profile denies a container without capabilities (namespaces,
//!   mounts, keys, bpf, perf, modules, kexec, reboot, swap, clock setting,
//!   `personality` other than Docker's values, `ioctl(TIOCSTI/TIOCLINUX)`,
//!   ...; the list is `DENY` in `gen-tables.py`), `clone3` with `ENOSYS`
//!   (so libcs fall back to clone), and allows everything else (`ptrace`
//!   included).
//! - [`profile_filter`]: a [`Profile`], the subset of OCI `linux.seccomp`
//!   that rocker accepts: a default action and rules {syscall name, action,
//!   argument conditions}, into a caller's buffer.
//! - [`list_filter`]: a list profile (the named calls get one action, all
//!   others another: rocker's RUN request), straight into a byte buffer,
//!   without the conditions machinery of [`profile_filter`].
//! - [`to_bytes`]: a program in the kernel's layout, for a byte buffer
//!   (rocker's recipe blob).
//! - [`syscall_nr`]: the name -> number table of this arch.
//!
//! Install a program with `syscalls::seccomp_set_mode_filter` after
//! `PR_SET_NO_NEW_PRIVS`.
//!
//! Every program starts the same way: load `seccomp_data.arch` and kill the
//! process (`SECCOMP_RET_KILL_PROCESS`) unless it is this arch's
//! `AUDIT_ARCH_*`, so a binary of another ABI the kernel also runs (i386
//! on x86_64, arm32 on aarch64, n32/n64 on a MIPS64 kernel) cannot use
//! syscall numbers the filter was not written for. Per-arch quirks:
//!
//! - x86_64: x32 calls come with `AUDIT_ARCH_X86_64` and the nr bit
//!   `__X32_SYSCALL_BIT` (0x40000000) set; every nr at or above it is
//!   killed, except -1 (a tracer's "skip this call", ENOSYS anyway).
//! - MIPS o32: numbers start at 4000 (`__NR_Linux`), and so do the tables.
//!   The indirect `syscall(2)` (nr 4000) is denied by the default filter in
//!   case a kernel shows seccomp 4000 instead of the real call (libcs call
//!   directly). `AUDIT_ARCH_MIPS` (big-endian) and `AUDIT_ARCH_MIPSEL`
//!   differ, and on big-endian the low 32 bits of an argument are at
//!   offset +4 of its u64. MIPS errnos differ (ENOSYS is 89).
//! - arm (EABI): the private calls at 0x0f0000 (`__ARM_NR_set_tls`,
//!   `cacheflush`, ...) are allowed by the default filter (libcs need
//!   `set_tls`) and are in the name table for profiles.
//! - 32-bit arches (arm, MIPS o32): the kernel zero-extends each argument
//!   into `seccomp_data.args[i]`, so only the low word is compared; a
//!   profile's values are truncated to 32 bits there.
//! - clone: the flags are argument 0 on all five arches (s390 differs).
//!
//! The generator core takes an `ArchDesc` so that the tests drive it with
//! every arch's table on any host; the public items use the build target's.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::arithmetic_side_effects,
    )
)]

mod filter;
mod names;
mod tables;
#[cfg(test)]
mod tests;

pub use names::Syscall;

/// One classic BPF instruction (`struct sock_filter`), as the kernel takes it.
pub use linux_raw_sys::ptrace::sock_filter as SockFilter;

/// An all-zero instruction, to initialise buffers.
pub const ZERO: SockFilter = SockFilter { code: 0, jt: 0, jf: 0, k: 0 };

/// The kernel's limit on a program's length (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = linux_raw_sys::ptrace::BPF_MAXINSNS as usize;

/// The length of [`DEFAULT_FILTER`] on this arch.
pub const DEFAULT_FILTER_LEN: usize = filter::default_len(tables::TARGET);

/// rocker's default filter for this arch (see the crate doc), generated at
/// compile time: no generator code in the binary, 8 bytes per instruction.
pub static DEFAULT_FILTER: [SockFilter; DEFAULT_FILTER_LEN] = filter::default_program(tables::TARGET).exact();

/// [`DEFAULT_FILTER`] in the kernel's layout (see [`to_bytes`]), built at
/// compile time: a buffer takes it with one copy.
pub static DEFAULT_FILTER_BYTES: [u8; DEFAULT_FILTER_LEN * INSN_SIZE] = filter::default_program(tables::TARGET).bytes();

/// What a filter does with a syscall (OCI `SCMP_ACT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `SCMP_ACT_ALLOW`
    Allow,
    /// `SCMP_ACT_ERRNO`: fail with this errno (the arch's own number; the
    /// kernel caps it at 4095).
    Errno(u16),
    /// `SCMP_ACT_KILL`: kill the thread (`SECCOMP_RET_KILL_THREAD`).
    Kill,
    /// `SCMP_ACT_KILL_PROCESS`
    KillProcess,
    /// `SCMP_ACT_TRAP`: `SIGSYS`.
    Trap,
    /// `SCMP_ACT_LOG`: allow and log.
    Log,
}

/// A comparison of a syscall argument (OCI `SCMP_CMP_*`), unsigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `(arg & value) == value2`
    MaskedEq,
}

/// One argument condition of a [`Rule`] (OCI `args[]` entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgCmp {
    /// Argument index, 0..=5.
    pub index: u8,
    pub op: CmpOp,
    pub value: u64,
    /// Only for [`CmpOp::MaskedEq`].
    pub value2: u64,
}

/// A rule: when `name` is called and every condition in `args` holds
/// (they are ANDed), return `action`. Rules are tried in order; the first
/// that matches decides. (runc turns several conditions on the same
/// argument into separate rules, i.e. ORs them: a caller mapping OCI
/// `config.json` does that split.)
#[derive(Clone, Copy, Debug)]
pub struct Rule<'a> {
    pub name: &'a [u8],
    pub action: Action,
    pub args: &'a [ArgCmp],
}

/// A seccomp profile (the subset of OCI `linux.seccomp` rocker reads).
#[derive(Clone, Copy, Debug)]
pub struct Profile<'a> {
    /// For the syscalls no rule matches.
    pub default_action: Action,
    pub rules: &'a [Rule<'a>],
    /// A rule whose name is a syscall of another Linux arch only (Docker's
    /// profile lists `arch_prctl`, `_llseek`, `epoll_wait_old`, ... for
    /// every arch) is skipped when true, and is
    /// [`Error::OtherArchSyscall`] when false. Unknown names are always
    /// [`Error::UnknownSyscall`].
    pub skip_other_arch: bool,
}

/// Why no program was generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The output buffer is too small.
    BufferTooSmall,
    /// The program would exceed [`MAX_INSNS`].
    TooLong,
    /// Rule `rule` names no syscall of any Linux arch.
    UnknownSyscall { rule: usize },
    /// Rule `rule` names a syscall that exists on another arch only.
    OtherArchSyscall { rule: usize },
    /// Rule `rule` has an argument index above 5.
    BadArgIndex { rule: usize },
    /// Rule `rule` has too many conditions for BPF's 8-bit jumps (about 40).
    RuleTooLong { rule: usize },
}

/// What the generator needs to know about an arch; one per table in
/// `tables/` (checked against linux-raw-sys when built for that arch).
pub(crate) struct ArchDesc {
    /// `AUDIT_ARCH_*`: the only `seccomp_data.arch` accepted.
    pub audit_arch: u32,
    /// Where the low word of a u64 argument is.
    pub big_endian: bool,
    /// 64-bit arguments: compare both words.
    pub bits64: bool,
    /// x86_64: refuse x32 calls (nr >= `__X32_SYSCALL_BIT`).
    pub x32: bool,
    pub eperm: u32,
    pub enosys: u32,
    pub tiocsti: u32,
    pub tioclinux: u32,
    pub nr_clone: u32,
    pub nr_clone3: u32,
    pub nr_personality: u32,
    pub nr_ioctl: u32,
    /// Denied with EPERM by the default filter.
    pub deny: &'static [u16],
    pub names: &'static names::Names,
}

/// Copies [`DEFAULT_FILTER`] into `out`; returns its length.
pub fn default_filter(out: &mut [SockFilter]) -> Result<usize, Error> {
    let o = out.get_mut(..DEFAULT_FILTER_LEN).ok_or(Error::BufferTooSmall)?;
    o.copy_from_slice(&DEFAULT_FILTER);
    Ok(DEFAULT_FILTER_LEN)
}

/// Writes the program of `profile` for this arch into `out`; returns its
/// length. At most 6 instructions per condition, 2 per rule, plus 8.
pub fn profile_filter(profile: &Profile, out: &mut [SockFilter]) -> Result<usize, Error> {
    filter::profile(tables::TARGET, &HEADER, profile, out)
}

/// Most names of a [`list_filter`] (8-bit jumps reach the shared `ret`).
pub const LIST_MAX: usize = 255;

/// Bytes of the longest [`list_filter`] program on this arch.
pub const LIST_MAX_BYTES: usize = (HEADER.len() + LIST_MAX + 2) * INSN_SIZE;

/// The arch check in the kernel's layout (the start of a list program).
static HEADER_BYTES: [u8; filter::header_len(tables::TARGET) * INSN_SIZE] = filter::header(tables::TARGET).bytes();

/// Bytes of one instruction in the kernel's layout.
pub const INSN_SIZE: usize = 8;

/// Writes a list profile's program into `out`, as [`to_bytes`] does:
/// after the arch check, the calls named in `names` get `action` and every
/// other call `default_action`. A name of another arch only is an error
/// too ([`Error::OtherArchSyscall`]: a list says what it means on this
/// arch); more than [`LIST_MAX`] names is [`Error::TooLong`]. Returns the
/// number of instructions (`+ 2` over the header and the names).
pub fn list_filter<'a, I>(default_action: Action, action: Action, names: I, out: &mut [u8]) -> Result<usize, Error>
where
    I: IntoIterator<Item = &'a [u8]>,
    I::IntoIter: Clone,
{
    filter::list(tables::TARGET, &HEADER_BYTES, default_action, action, names, out)
}

/// Writes `prog` into `out` as the kernel's `struct sock_filter` array
/// (u16 code, u8 jt, u8 jf, u32 k, native byte order); returns the bytes
/// written.
pub fn to_bytes(prog: &[SockFilter], out: &mut [u8]) -> Result<usize, Error> {
    let n = prog.len().checked_mul(INSN_SIZE).ok_or(Error::BufferTooSmall)?;
    let out = out.get_mut(..n).ok_or(Error::BufferTooSmall)?;
    for (s, o) in prog.iter().zip(out.chunks_exact_mut(INSN_SIZE)) {
        filter::put_insn(o, s);
    }
    Ok(n)
}

/// The start of every program: the arch (and x32) check.
static HEADER: [SockFilter; filter::header_len(tables::TARGET)] = filter::header(tables::TARGET).exact();

/// This arch's number of the syscall `name` (e.g. `b"openat"`; arm's
/// private calls by their short name, `b"set_tls"`).
pub fn syscall_nr(name: &[u8]) -> Syscall {
    names::lookup(tables::TARGET.names, name)
}
