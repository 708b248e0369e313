//! The guard's seam to the kernel: every call its setup makes goes through
//! [`Sys`]. [`Kernel`] is the real one (zero-cost: each method is a direct
//! syscall); the tests' recording fake checks order and unwinding without
//! root. fds are plain numbers here: the executor owns and closes them
//! through the trait, so a fake sees every release.
use syscalls::sys::general as g;
use syscalls::sys::net;
use syscalls::*;

/// File status, as much of `statx` as the setup uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    /// `st_mode` (type and permission bits).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Inode number.
    pub ino: u64,
    /// Device of the filesystem holding it.
    pub dev_major: u32,
    /// See `dev_major`.
    pub dev_minor: u32,
    /// The device a device node is.
    pub rdev_major: u32,
    /// See `rdev_major`.
    pub rdev_minor: u32,
}

/// Every kernel call of the guard's setup.
pub trait Sys {
    /// mount(2).
    fn mount(&mut self, src: Option<CStr>, target: CStr, fstype: Option<CStr>, flags: MountFlags, data: Option<CStr>) -> Result<()>;
    /// openat2(2) (mode 0). ENOSYS before Linux 5.6.
    fn openat2(&mut self, dir: Fd, path: CStr, flags: u32, resolve: u64) -> Result<Fd>;
    /// openat(2) (mode 0).
    fn openat(&mut self, dir: Fd, path: CStr, flags: u32) -> Result<Fd>;
    /// close(2).
    fn close(&mut self, fd: Fd);
    /// mkdirat(2).
    fn mkdirat(&mut self, dir: Fd, path: CStr, mode: u32) -> Result<()>;
    /// mknodat(2) of a device node (mode: type and permissions; the guard
    /// runs with umask 0).
    fn mknodat(&mut self, dir: Fd, path: CStr, mode: u32, major: u32, minor: u32) -> Result<()>;
    /// symlinkat(2).
    fn symlinkat(&mut self, target: CStr, dir: Fd, path: CStr) -> Result<()>;
    /// sethostname(2).
    fn sethostname(&mut self, name: &[u8]) -> Result<()>;
    /// `lo` up in the current network namespace (netlink).
    fn lo_up(&mut self) -> Result<()>;
    /// fchown(2): on the fd, never a path.
    fn fchown(&mut self, fd: Fd, uid: u32, gid: u32) -> Result<()>;
    /// fchmod(2): on the fd, never a path.
    fn fchmod(&mut self, fd: Fd, mode: u32) -> Result<()>;
    /// statx(fd, "", AT_EMPTY_PATH).
    fn fstat(&mut self, fd: Fd) -> Result<Stat>;
    /// fstatfs(2)'s `f_type`.
    fn fstatfs_type(&mut self, fd: Fd) -> Result<u64>;
    /// LOOP_CTL_GET_FREE on `/dev/loop-control`.
    fn loop_get_free(&mut self, ctl: Fd) -> Result<u32>;
    /// LOOP_CONFIGURE (5.8+).
    fn loop_configure(&mut self, dev: Fd, backing: Fd, info: &LoopInfo64) -> Result<()>;
    /// LOOP_SET_FD.
    fn loop_set_fd(&mut self, dev: Fd, backing: Fd) -> Result<()>;
    /// LOOP_SET_STATUS64.
    fn loop_set_status(&mut self, dev: Fd, info: &LoopInfo64) -> Result<()>;
    /// LOOP_GET_STATUS64.
    fn loop_get_status(&mut self, dev: Fd) -> Result<LoopInfo64>;
    /// LOOP_CLR_FD.
    fn loop_clr_fd(&mut self, dev: Fd) -> Result<()>;
    /// unshare(2) of namespaces.
    fn unshare(&mut self, ns: NsFlags) -> Result<()>;
    /// mount_setattr(2) of `path` setting `attr_set` (5.12+; ENOSYS before).
    fn mount_setattr(&mut self, path: CStr, flags: u32, attr_set: u64) -> Result<()>;
    /// openat(dir, path, O_WRONLY), one write(2) of `data`, close.
    fn write_file(&mut self, dir: Fd, path: CStr, data: &[u8]) -> Result<()>;
    /// PR_SET_DUMPABLE.
    fn set_dumpable(&mut self, on: bool) -> Result<()>;
    /// fchdir(2).
    fn fchdir(&mut self, fd: Fd) -> Result<()>;
    /// chdir(2).
    fn chdir(&mut self, path: CStr) -> Result<()>;
    /// chroot(2).
    fn chroot(&mut self, path: CStr) -> Result<()>;
    /// pivot_root(2).
    fn pivot_root(&mut self, new_root: CStr, put_old: CStr) -> Result<()>;
    /// umount2(2).
    fn umount2(&mut self, target: CStr, flags: UnmountFlags) -> Result<()>;
    /// One message to the master (over `notify`).
    fn notify(&mut self, msg: &[u8]) -> Result<()>;
    /// Test hook (`test_stall`): stop here until killed.
    fn stall(&mut self);
    /// The executor starts `step` (a no-op for the kernel; the tests'
    /// fake tags the calls that follow with it).
    #[inline]
    fn begin(&mut self, _step: crate::plan::Step) {}
}

/// The real kernel. `notify` is the guard's end of the master's socket.
pub struct Kernel {
    /// fd of `notify`.
    pub notify: Fd,
}

fn owned(fd: OwnedFd) -> Fd {
    fd.into_raw()
}

impl Sys for Kernel {
    #[inline]
    fn mount(&mut self, src: Option<CStr>, target: CStr, fstype: Option<CStr>, flags: MountFlags, data: Option<CStr>) -> Result<()> {
        mount(src, target, fstype, flags, data)
    }
    #[inline]
    fn openat2(&mut self, dir: Fd, path: CStr, flags: u32, resolve: u64) -> Result<Fd> {
        openat2(dir, path, flags, 0, resolve).map(owned)
    }
    #[inline]
    fn openat(&mut self, dir: Fd, path: CStr, flags: u32) -> Result<Fd> {
        openat(dir, path, flags, 0).map(owned)
    }
    #[inline]
    fn close(&mut self, fd: Fd) {
        let _ = close_raw(fd);
    }
    #[inline]
    fn mkdirat(&mut self, dir: Fd, path: CStr, mode: u32) -> Result<()> {
        mkdirat(dir, path, mode)
    }
    #[inline]
    fn mknodat(&mut self, dir: Fd, path: CStr, mode: u32, major: u32, minor: u32) -> Result<()> {
        mknodat(dir, path, mode, major, minor)
    }
    #[inline]
    fn symlinkat(&mut self, target: CStr, dir: Fd, path: CStr) -> Result<()> {
        symlinkat(target, dir, path)
    }
    #[inline]
    fn sethostname(&mut self, name: &[u8]) -> Result<()> {
        sethostname(name)
    }
    fn lo_up(&mut self) -> Result<()> {
        rocker_net::Netlink::open()?.lo_up()
    }
    #[inline]
    fn fchown(&mut self, fd: Fd, uid: u32, gid: u32) -> Result<()> {
        fchown(fd, uid, gid)
    }
    #[inline]
    fn fchmod(&mut self, fd: Fd, mode: u32) -> Result<()> {
        fchmod(fd, mode)
    }
    #[inline]
    fn fstat(&mut self, fd: Fd) -> Result<Stat> {
        let st = fstat(fd)?;
        Ok(Stat {
            mode: u32::from(st.stx_mode),
            uid: st.stx_uid,
            gid: st.stx_gid,
            ino: st.stx_ino,
            dev_major: st.stx_dev_major,
            dev_minor: st.stx_dev_minor,
            rdev_major: st.stx_rdev_major,
            rdev_minor: st.stx_rdev_minor,
        })
    }
    #[inline]
    fn fstatfs_type(&mut self, fd: Fd) -> Result<u64> {
        fstatfs_type(fd)
    }
    #[inline]
    fn loop_get_free(&mut self, ctl: Fd) -> Result<u32> {
        ioctl_int(ctl, syscalls::sys::loop_device::LOOP_CTL_GET_FREE, 0).map(|n| n as u32)
    }
    #[inline]
    fn loop_configure(&mut self, dev: Fd, backing: Fd, info: &LoopInfo64) -> Result<()> {
        loop_configure(dev, backing, info)
    }
    #[inline]
    fn loop_set_fd(&mut self, dev: Fd, backing: Fd) -> Result<()> {
        ioctl_int(dev, syscalls::sys::loop_device::LOOP_SET_FD, backing as usize).map(|_| ())
    }
    #[inline]
    fn loop_set_status(&mut self, dev: Fd, info: &LoopInfo64) -> Result<()> {
        loop_set_status64(dev, info)
    }
    #[inline]
    fn loop_get_status(&mut self, dev: Fd) -> Result<LoopInfo64> {
        loop_get_status64(dev)
    }
    #[inline]
    fn loop_clr_fd(&mut self, dev: Fd) -> Result<()> {
        ioctl_int(dev, syscalls::sys::loop_device::LOOP_CLR_FD, 0).map(|_| ())
    }
    #[inline]
    fn unshare(&mut self, ns: NsFlags) -> Result<()> {
        unshare(ns)
    }
    #[inline]
    fn mount_setattr(&mut self, path: CStr, flags: u32, attr_set: u64) -> Result<()> {
        mount_setattr(AT_FDCWD, path, flags, attr_set)
    }
    fn write_file(&mut self, dir: Fd, path: CStr, data: &[u8]) -> Result<()> {
        let fd = openat(dir, path, g::O_WRONLY | g::O_CLOEXEC, 0)?;
        match write(fd.raw(), data) {
            Ok(n) if n == data.len() => Ok(()),
            Ok(_) => Err(Errno::EIO),
            Err(e) => Err(e),
        }
    }
    #[inline]
    fn set_dumpable(&mut self, on: bool) -> Result<()> {
        prctl(syscalls::sys::prctl::PR_SET_DUMPABLE, usize::from(on), 0).map(|_| ())
    }
    #[inline]
    fn fchdir(&mut self, fd: Fd) -> Result<()> {
        fchdir(fd)
    }
    #[inline]
    fn chdir(&mut self, path: CStr) -> Result<()> {
        chdir(path)
    }
    #[inline]
    fn chroot(&mut self, path: CStr) -> Result<()> {
        chroot(path)
    }
    #[inline]
    fn pivot_root(&mut self, new_root: CStr, put_old: CStr) -> Result<()> {
        pivot_root(new_root, put_old)
    }
    #[inline]
    fn umount2(&mut self, target: CStr, flags: UnmountFlags) -> Result<()> {
        umount2(target, flags)
    }
    #[inline]
    fn notify(&mut self, msg: &[u8]) -> Result<()> {
        sendmsg(self.notify, msg, &[], net::MSG_NOSIGNAL).map(|_| ())
    }
    fn stall(&mut self) {
        loop {
            let _ = nanosleep(&Timespec::from_ms(3_600_000));
        }
    }
}

/// `O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC`: a directory handle that
/// never follows a symlink in its last component.
pub const DIR_PATH: u32 = g::O_PATH | g::O_DIRECTORY | g::O_NOFOLLOW | g::O_CLOEXEC;
