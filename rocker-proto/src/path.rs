//! Path rules for RUN requests. Pure byte logic, no syscalls: what exists on
//! disk (statx no-follow, dir/regular file, filesystem) is the master's job.
//!
//! Paths are the strings of a decoded request, without their NUL.

use crate::{err, RunReq, OVERLAY_LEN, OVERLAY_MAX, PATH_MAX};

/// Kernel filesystems nothing may be placed on, or overlaid.
const FORBIDDEN: [&[u8]; 3] = [b"/proc", b"/sys", b"/dev"];

/// Canonical absolute path:
/// - non-empty (`PATH_INVALID`), starts with '/' (`PATH_RELATIVE`);
/// - fits a `char[PATH_MAX]` with its NUL, i.e. <= 255 bytes (`PATH_TOO_LONG`);
/// - no byte < 0x20 and no 0x7f (NUL included) (`PATH_INVALID`); bytes
///   >= 0x80 are allowed (UTF-8 names), and so is space;
/// - no empty component ("//", trailing '/'), no "." or ".." component
///   (`PATH_INVALID`). "/" itself is canonical.
pub fn check_abs_path(p: &[u8]) -> Result<(), i32> {
    let rest = match p.split_first() {
        None => return Err(err::PATH_INVALID),
        Some((&b'/', rest)) => rest,
        Some(_) => return Err(err::PATH_RELATIVE),
    };
    if p.len() >= PATH_MAX {
        return Err(err::PATH_TOO_LONG);
    }
    if p.iter().any(|&c| c < 0x20 || c == 0x7f) {
        return Err(err::PATH_INVALID);
    }
    if rest.is_empty() {
        return Ok(()); // "/"
    }
    for comp in rest.split(|&c| c == b'/') {
        if matches!(comp, b"" | b"." | b"..") {
            return Err(err::PATH_INVALID);
        }
    }
    Ok(())
}

/// `p` is `dir` or below it, component-wise (`/usr` is under `/usr` and `/`,
/// `/usrx` is not under `/usr`). Both must be canonical ([`check_abs_path`]).
pub fn under(p: &[u8], dir: &[u8]) -> bool {
    if dir == b"/" {
        return p.first() == Some(&b'/');
    }
    match p.strip_prefix(dir) {
        Some(rest) => rest.is_empty() || rest.first() == Some(&b'/'),
        None => false,
    }
}

fn in_kernel_fs(p: &[u8]) -> bool {
    FORBIDDEN.iter().any(|d| under(p, d))
}

/// An overlay dir: a canonical absolute path of exactly one component that
/// fits `char[OVERLAY_LEN]` (`PATH_TOO_LONG` otherwise), and not "/",
/// "/proc", "/sys", "/dev" (`OVERLAY_INVALID`). ',' ':' '\\' are refused too
/// (`OVERLAY_INVALID`): the name goes into overlayfs's `lowerdir=` option,
/// where they are separators / escapes.
pub fn check_overlay_dir(p: &[u8]) -> Result<(), i32> {
    check_abs_path(p)?;
    if p.len() >= OVERLAY_LEN {
        return Err(err::PATH_TOO_LONG);
    }
    let name = p.get(1..).unwrap_or(&[]);
    if name.is_empty() || name.contains(&b'/') || FORBIDDEN.contains(&p) {
        return Err(err::OVERLAY_INVALID);
    }
    if name.iter().any(|&c| matches!(c, b',' | b':' | b'\\')) {
        return Err(err::OVERLAY_INVALID);
    }
    Ok(())
}

/// The exec dir: canonical absolute, not "/", not under /proc /sys /dev
/// (`PATH_INVALID`).
pub fn check_exec_dir(p: &[u8]) -> Result<(), i32> {
    check_abs_path(p)?;
    if p == b"/" || in_kernel_fs(p) {
        return Err(err::PATH_INVALID);
    }
    Ok(())
}

/// The data dir: same rules as the exec dir (layers are created below it,
/// so "/" and kernel filesystems make no sense).
pub fn check_data_dir(p: &[u8]) -> Result<(), i32> {
    check_exec_dir(p)
}

/// The package path: canonical absolute. (It is informational, the package
/// is the passed fd; "/" fails later as `PKG_NOT_SQUASHFS`.)
pub fn check_pkg_path(p: &[u8]) -> Result<(), i32> {
    check_abs_path(p)
}

/// Where a RUN request's paths broke the rules: the `ROCKER_ERR_*` code and
/// the overlay slot (0 for the other paths), for the reply's `err`/`index`
/// with `step::VALIDATE`.
#[derive(Clone, Copy, PartialEq, Eq)]
#[derive(Debug)]
pub struct Invalid {
    /// `ROCKER_ERR_*`
    pub code: i32,
    /// Overlay slot, or 0.
    pub index: u16,
}

fn at(index: usize) -> impl Fn(i32) -> Invalid {
    let index = u16::try_from(index).unwrap_or(u16::MAX);
    move |code| Invalid { code, index }
}

/// All path rules of a decoded RUN request, in field order: pkg, exec dir,
/// data dir, then each overlay (with duplicates refused as
/// `OVERLAY_INVALID`, reported at the later slot).
pub fn check_run_req(req: &RunReq<'_>) -> Result<(), Invalid> {
    check_pkg_path(req.pkg).map_err(at(0))?;
    check_exec_dir(req.exec_dir).map_err(at(0))?;
    check_data_dir(req.data_dir).map_err(at(0))?;
    if req.n_overlay > OVERLAY_MAX {
        return Err(at(0)(err::OVERLAY_INVALID));
    }
    let ovl = req.overlays();
    for (i, p) in ovl.iter().enumerate() {
        check_overlay_dir(p).map_err(at(i))?;
        if ovl.get(..i).unwrap_or(&[]).contains(p) {
            return Err(at(i)(err::OVERLAY_INVALID));
        }
    }
    Ok(())
}
