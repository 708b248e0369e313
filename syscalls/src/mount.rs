//! Mounts and the process's root and working directory.
use crate::arch::{syscall1, syscall2, syscall5};
use crate::conv::{by_ref, c_str, c_uint, fd, opt_c_str, ret};
use crate::errno::Result;
use crate::fd::Fd;
use crate::nr;
use crate::path::CStr;
use linux_raw_sys::general as g;

flags! {
    /// Flags of mount(2): per-mount flags, remount and bind, and the
    /// propagation types.
    pub struct MountFlags: u32 {
        /// MS_RDONLY
        const RDONLY = g::MS_RDONLY;
        /// MS_NOSUID
        const NOSUID = g::MS_NOSUID;
        /// MS_NODEV
        const NODEV = g::MS_NODEV;
        /// MS_NOEXEC
        const NOEXEC = g::MS_NOEXEC;
        /// MS_SYNCHRONOUS
        const SYNCHRONOUS = g::MS_SYNCHRONOUS;
        /// MS_REMOUNT
        const REMOUNT = g::MS_REMOUNT;
        /// MS_DIRSYNC
        const DIRSYNC = g::MS_DIRSYNC;
        /// MS_NOSYMFOLLOW (5.10+)
        const NOSYMFOLLOW = g::MS_NOSYMFOLLOW;
        /// MS_NOATIME
        const NOATIME = g::MS_NOATIME;
        /// MS_NODIRATIME
        const NODIRATIME = g::MS_NODIRATIME;
        /// MS_BIND
        const BIND = g::MS_BIND;
        /// MS_MOVE
        const MOVE = g::MS_MOVE;
        /// MS_REC
        const REC = g::MS_REC;
        /// MS_SILENT
        const SILENT = g::MS_SILENT;
        /// MS_UNBINDABLE
        const UNBINDABLE = g::MS_UNBINDABLE;
        /// MS_PRIVATE
        const PRIVATE = g::MS_PRIVATE;
        /// MS_SLAVE
        const SLAVE = g::MS_SLAVE;
        /// MS_SHARED
        const SHARED = g::MS_SHARED;
        /// MS_RELATIME
        const RELATIME = g::MS_RELATIME;
        /// MS_STRICTATIME
        const STRICTATIME = g::MS_STRICTATIME;
        /// MS_LAZYTIME
        const LAZYTIME = g::MS_LAZYTIME;
    }
}

flags! {
    /// Flags of umount2(2).
    pub struct UnmountFlags: u32 {
        /// MNT_FORCE
        const FORCE = g::MNT_FORCE;
        /// MNT_DETACH
        const DETACH = g::MNT_DETACH;
        /// MNT_EXPIRE
        const EXPIRE = g::MNT_EXPIRE;
        /// UMOUNT_NOFOLLOW
        const NOFOLLOW = g::UMOUNT_NOFOLLOW;
    }
}

pub fn mount(src: Option<CStr>, target: CStr, fstype: Option<CStr>, flags: MountFlags, data: Option<CStr>) -> Result<()> {
    // SAFETY: every pointer is a NUL-terminated string or NULL.
    ret(unsafe { syscall5(nr::mount, opt_c_str(src), c_str(target), opt_c_str(fstype), c_uint(flags.bits()), opt_c_str(data)) })
}

/// `mount_setattr(dir, path, flags, {attr_set, 0, 0, 0})` (5.12+): sets the
/// `MOUNT_ATTR_*` bits `attr_set` on the mount at `path` (its whole tree
/// with `AT_RECURSIVE` in `flags`). ENOSYS before 5.12.
pub fn mount_setattr(dir: Fd, path: CStr, flags: u32, attr_set: u64) -> Result<()> {
    let attr = g::mount_attr { attr_set, attr_clr: 0, propagation: 0, userns_fd: 0 };
    let size = core::mem::size_of::<g::mount_attr>();
    // SAFETY: path is NUL-terminated; attr lives across the call and the
    // kernel reads `size` bytes of it.
    ret(unsafe { syscall5(nr::mount_setattr, fd(dir), c_str(path), c_uint(flags), by_ref(&attr), size) })
}

pub fn umount2(target: CStr, flags: UnmountFlags) -> Result<()> {
    // SAFETY: target is NUL-terminated.
    ret(unsafe { syscall2(nr::umount2, c_str(target), c_uint(flags.bits())) })
}

pub fn pivot_root(new_root: CStr, put_old: CStr) -> Result<()> {
    // SAFETY: both are NUL-terminated.
    ret(unsafe { syscall2(nr::pivot_root, c_str(new_root), c_str(put_old)) })
}

pub fn chdir(path: CStr) -> Result<()> {
    // SAFETY: NUL-terminated.
    ret(unsafe { syscall1(nr::chdir, c_str(path)) })
}
pub fn fchdir(f: Fd) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall1(nr::fchdir, fd(f)) })
}
pub fn chroot(path: CStr) -> Result<()> {
    // SAFETY: NUL-terminated.
    ret(unsafe { syscall1(nr::chroot, c_str(path)) })
}
