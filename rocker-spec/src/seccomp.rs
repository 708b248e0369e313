//! The App's seccomp program, decided here and carried in the recipe's
//! blob: the recipe's last op installs it (after `no_new_privs`, in the
//! App's own process, right before the App), so nothing rocker does needs
//! an exception in it.
//!
//! - [`Seccomp::Default`]: rocker's default filter, a static table per
//!   target (`rocker_seccomp::DEFAULT_FILTER`: Docker's default denials
//!   with `EPERM`, `clone3` with `ENOSYS`), copied as is.
//! - [`Seccomp::Unconfined`]: no program.
//! - [`Seccomp::Profile`]: the names of the request get `action`, every
//!   other call `default_action` (`rocker_seccomp::list_filter`). A name
//!   that is no syscall of this arch is refused (`seccomp_invalid`,
//!   `EINVAL`, its index), never ignored.
//!
//! Every program checks `seccomp_data.arch` first (and refuses x32 calls
//! on x86_64). A v1 client runs no recipe, so its App gets no filter.
use rocker_proto::{err, step, SECCOMP_ACT_ALLOW, SECCOMP_ACT_ERRNO, SECCOMP_ACT_KILL, SECCOMP_ACT_LOG};
use rocker_seccomp as sc;
use syscalls::Errno;

use crate::{Fail, Seccomp};

/// Bytes of the largest program [`program`] writes.
pub const MAX_BYTES: usize = if sc::LIST_MAX_BYTES > sc::DEFAULT_FILTER_BYTES.len() {
    sc::LIST_MAX_BYTES
} else {
    sc::DEFAULT_FILTER_BYTES.len()
};

fn invalid(e: Errno, index: usize) -> Fail {
    Fail::new(err::SECCOMP_INVALID, e, step::VALIDATE).index(index)
}

/// A wire action (`SECCOMP_ACT_*`) as a filter action; `errno` for
/// `SECCOMP_ACT_ERRNO` (0: `EPERM`; at most 4095, the kernel's limit).
fn action(a: u32, errno: u32) -> Result<sc::Action, Fail> {
    Ok(match a {
        SECCOMP_ACT_ALLOW => sc::Action::Allow,
        SECCOMP_ACT_ERRNO if errno == 0 => sc::Action::Errno(Errno::EPERM.0),
        SECCOMP_ACT_ERRNO if errno <= 4095 => sc::Action::Errno(errno as u16),
        SECCOMP_ACT_ERRNO => return Err(invalid(Errno::ERANGE, 0)),
        SECCOMP_ACT_KILL => sc::Action::KillProcess,
        SECCOMP_ACT_LOG => sc::Action::Log,
        _ => return Err(invalid(Errno::EINVAL, 0)),
    })
}

/// The names of a request's `seccomp_names`: each NUL-terminated, none
/// empty (as `RunReq::decode` checked).
#[derive(Clone)]
struct Names<'a>(&'a [u8]);

impl<'a> Iterator for Names<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let n = self.0.iter().position(|&c| c == 0)?;
        let (name, rest) = self.0.split_at(n);
        self.0 = rest.get(1..).unwrap_or(&[]);
        Some(name)
    }
}

/// Writes the program of `s` at the start of `out` (the kernel's `struct
/// sock_filter` array) and returns its number of instructions; `None` for
/// no filter.
pub fn program(s: &Seccomp, out: &mut [u8]) -> Result<Option<usize>, Fail> {
    let too_big = |_| Fail::new(err::UNSUPPORTED, Errno::E2BIG, step::REPLY);
    match *s {
        Seccomp::Unconfined => Ok(None),
        Seccomp::Default => {
            let b = &sc::DEFAULT_FILTER_BYTES;
            out.get_mut(..b.len()).ok_or(Fail::new(err::UNSUPPORTED, Errno::E2BIG, step::REPLY))?.copy_from_slice(b);
            Ok(Some(sc::DEFAULT_FILTER_LEN))
        }
        Seccomp::Profile { default_action, action: act, errno, names } => {
            let def = action(default_action, errno)?;
            let act = action(act, errno)?;
            match sc::list_filter(def, act, Names(names), out) {
                Ok(n) => Ok(Some(n)),
                Err(sc::Error::UnknownSyscall { rule } | sc::Error::OtherArchSyscall { rule }) => Err(invalid(Errno::EINVAL, rule)),
                Err(sc::Error::TooLong) => Err(invalid(Errno::E2BIG, sc::LIST_MAX)),
                Err(e) => Err(too_big(e)),
            }
        }
    }
}
