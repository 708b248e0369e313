//! The rules of a request's root, working directory and bind mounts.
//!
//! Root mode (`ROOT_PKG`): the package is the sandbox's whole `/`. The
//! host's tree is not part of the sandbox, so the rules of the seed's mode
//! do not apply: no overlay dir may be named (there is no auto-overlay
//! either) and the exec dir must be empty (nothing is mounted at it; the
//! package is `/`). The data dir is still required: it holds the writable
//! layer (`<data>/rootfs/{upper,work}`), and with `ROOT_RO` nothing at all.
//! The host's `/dev` cannot be shared (the sandbox has its own, as in
//! runc); `SHARE_TMP` means no private tmpfs on the tree's own `/tmp`.
//!
//! In both modes: the working directory is a canonical absolute path, and
//! each bind's host side (`src`) and sandbox side (`dst`, default `src`)
//! are canonical absolute paths (no `.`/`..` component, no `//`), `dst`
//! not `/` nor under `/proc`, `/sys`, `/dev` (devices are passed with
//! `devices`). Refusals: `root_invalid`, or `bind_invalid` with the slot.
use rocker_proto::{check_abs_path, check_data_dir, check_pkg_path, err, step, under, Bind, RunReq, ROOT_HOST, ROOT_NO_PIVOT, ROOT_PKG, ROOT_RO, SHARE_DEV};
use syscalls::Errno;

use crate::{Fail, Root};

fn bad(code: i32, e: Errno) -> Fail {
    Fail::new(code, e, step::VALIDATE)
}

/// The request's root, its working directory and its binds checked.
pub(crate) fn check(req: &RunReq) -> Result<Root<'static>, Fail> {
    let root_bad = |e| bad(err::ROOT_INVALID, e);
    let path_err = |c| if c == err::PATH_TOO_LONG { Errno::ENAMETOOLONG } else { Errno::EINVAL };
    if !req.cwd.is_empty() {
        check_abs_path(req.cwd).map_err(|c| root_bad(path_err(c)))?;
    }
    for (i, b) in req.binds().iter().enumerate() {
        check_bind(b).map_err(|e| bad(err::BIND_INVALID, e).index(i))?;
    }
    let root = match req.root {
        ROOT_HOST if req.root_flags == 0 => return Ok(Root::Host),
        ROOT_PKG => Root::Pkg { read_only: req.root_flags & ROOT_RO != 0, no_pivot: req.root_flags & ROOT_NO_PIVOT != 0 },
        _ => return Err(root_bad(Errno::EINVAL)),
    };
    if !req.exec_dir.is_empty() || req.n_overlay != 0 || req.share & SHARE_DEV != 0 {
        return Err(root_bad(Errno::EINVAL));
    }
    let path = |r: Result<(), i32>| r.map_err(|c| bad(c, path_err(c)));
    path(check_pkg_path(req.pkg))?;
    path(check_data_dir(req.data_dir))?;
    Ok(root)
}

fn check_bind(b: &Bind) -> Result<(), Errno> {
    let dst = if b.dst.is_empty() { b.src } else { b.dst };
    for p in [b.src, dst] {
        check_abs_path(p).map_err(|c| if c == err::PATH_TOO_LONG { Errno::ENAMETOOLONG } else { Errno::EINVAL })?;
    }
    if dst == b"/" || [&b"/proc"[..], b"/sys", b"/dev"].iter().any(|k| under(dst, k)) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}
