//! Root mode's steps ([`super::plan`]): the package (or a host dir) as the
//! sandbox's whole `/`.
//!
//! Staging: the tree is mounted on the host's `/tmp` in the guard's private
//! mount namespace (made `MS_PRIVATE` first, so nothing of it reaches the
//! host's; `/tmp` is root's, so no one can swap the name while the guard
//! uses it), an overlay is stacked on it (upper and work in the data dir,
//! by fd), and the topmost mount there, reached by name, is the new root.
//! Whatever the guard needs from the host's tree is opened before: the
//! binds' host sides, the device nodes, the data dir.
//!
//! The switch: `pivot_root(".", ".")` from inside the new root stacks the
//! old root on it, and `umount2(".", MNT_DETACH)` takes the old root and
//! every host mount away (runc, crun). Where the current root is the
//! initramfs, `pivot_root` fails with EINVAL (rootfs has no parent mount
//! and cannot be unmounted): then, as runc's `--no-pivot`, the host's /proc
//! and /sys are detached (no fully visible proc or sysfs stays in the
//! namespace under the new root), the new root is moved onto `/`
//! (`MS_MOVE`) and the guard `chroot`s into it. The App joins with
//! `setns`, which puts it at the topmost mount on the namespace's root: the
//! moved new root, not the initramfs below it; `..` there stays there.
//!
//! Before the switch, relative to the new root's fd: the private /tmp and
//! the binds (a bind's source must still be in the namespace: a detached
//! old root's mounts cannot be bound), whose targets are walked (and, under
//! a writable root, created) one component at a time, never through a
//! symlink. After it, by path inside the new root, where no host path is
//! left: /proc, the private /dev, /sys read-only.
use super::*;
use rocker_proto::Bind;

/// `O_PATH | O_NOFOLLOW | O_CLOEXEC`: a handle on whatever the last
/// component is (a symlink itself, not its target).
const ANY_PATH: u32 = g::O_PATH | g::O_NOFOLLOW | g::O_CLOEXEC;

/// `MOUNT_ATTR_RDONLY | NOSUID | NODEV`, as the read-only remount sets.
const ATTR_RO: u64 = (g::MOUNT_ATTR_RDONLY | g::MOUNT_ATTR_NOSUID | g::MOUNT_ATTR_NODEV) as u64;

impl<S: Sys> Exec<'_, S> {
    /// Each bind's host side, with no symlink anywhere on its path (a
    /// symlink as its last component: ELOOP), before any mount of this
    /// namespace changes what the path shows.
    pub(super) fn open_binds(&mut self) -> core::result::Result<(), Fail> {
        let binds = self.spec.binds;
        for (i, b) in binds.iter().enumerate().take(BINDS_MAX) {
            self.open_bind(i, b.src).at_i(err::BIND_INVALID, step::MOUNT_BINDS, i)?;
        }
        Ok(())
    }

    fn open_bind(&mut self, i: usize, src: &[u8]) -> Result<()> {
        let fd = self.open_nofollow(AT_FDCWD, src, ANY_PATH)?;
        self.binds[i] = fd;
        match self.sys.fstat(fd)?.mode & g::S_IFMT {
            g::S_IFLNK => return Err(Errno::ELOOP),
            g::S_IFDIR => self.bind_dirs |= 1 << i,
            _ => {}
        }
        Ok(())
    }

    /// The tree on the host's `/tmp` (in this namespace only): the
    /// package's squashfs is mounted there by the next step; a host dir is
    /// bound there, then made read-only, nosuid and nodev.
    pub(super) fn stage_root(&mut self) -> core::result::Result<(), Fail> {
        let f = |e| Fail::new(err::BUILD_ROCKER_FAILED, e, step::MOUNT_ROOT);
        let tmp = self.open_nofollow(AT_FDCWD, b"/tmp", DIR_PATH).map_err(f)?;
        let Root::Dir { path, .. } = self.spec.root else {
            self.exec = Some(tmp);
            return Ok(());
        };
        let r = self.open_nofollow(AT_FDCWD, path, DIR_PATH).at(err::ROOT_INVALID, step::MOUNT_ROOT);
        let r = r.and_then(|dir| {
            let b = self.bind(dir, tmp, M::BIND | M::REC);
            self.sys.close(dir);
            b.map_err(f)
        });
        self.sys.close(tmp);
        r?;
        // A bind's flags need a remount, of the bind itself: by name. A
        // tree used in place (the OCI runtime's rootfs) stays writable until
        // `RootReadOnly`.
        let ro = if self.spec.tree_in_place() { M::empty() } else { M::RDONLY };
        self.sys.mount(None, c!("/tmp"), None, M::REMOUNT | M::BIND | ro | M::NOSUID | M::NODEV, None).map_err(f)
    }

    /// `mount(/proc/self/fd/src, /proc/self/fd/dst, flags)`.
    fn bind(&mut self, src: Fd, dst: Fd, flags: M) -> Result<()> {
        let (s, d) = (fd_path(src)?, fd_path(dst)?);
        self.sys.mount(Some((&s).into()), (&d).into(), None, flags, None)
    }

    /// `<data>/rootfs/{upper,work}` over the staged tree, whose root gives a
    /// new upper dir its owner and mode. The tree stays open for the
    /// overlay's `lowerdir`.
    pub(super) fn root_layer(&mut self) -> Result<()> {
        let lower = self.open_nofollow(AT_FDCWD, b"/tmp", DIR_PATH)?;
        self.lower = Some(lower);
        let st = self.sys.fstat(lower)?;
        let data = self.data.ok_or(Errno::EBADF)?;
        mkdir_ok(self.sys.mkdirat(data, c!("rootfs"), 0o700))?;
        let layer = self.open_nofollow(data, b"rootfs", DIR_PATH)?;
        let r = self.upper_work(layer, &st, 0);
        self.sys.close(layer);
        self.layers[0] = r.map_err(|f| f.errno())?;
        Ok(())
    }

    /// The overlay on the staged tree (`lowerdir` is the tree, by fd), then
    /// the new root: the topmost mount on `/tmp`, opened by name.
    pub(super) fn mount_root(&mut self) -> Result<()> {
        if let Some(lower) = self.lower.take() {
            let (up, work) = self.layers[0];
            let r = fd_path(lower).and_then(|t| {
                let o = overlay_options(t.as_bytes(), up, work)?;
                let ovl = c!("overlay");
                self.sys.mount(Some(ovl), (&t).into(), Some(ovl), M::NOSUID | M::NODEV, Some((&o).into()))
            });
            self.sys.close(lower);
            self.close_layers();
            if let Some(d) = self.data.take() {
                self.sys.close(d);
            }
            r?;
        }
        self.root = Some(self.open_nofollow(AT_FDCWD, b"/tmp", DIR_PATH)?);
        Ok(())
    }

    /// Into the new root: `pivot_root` + detach, or `MS_MOVE` + `chroot`
    /// (module doc).
    pub(super) fn pivot_root(&mut self) -> Result<()> {
        let root = self.root.take().ok_or(Errno::EBADF)?;
        let r = self.sys.fchdir(root);
        self.sys.close(root);
        r?;
        let dot = c!(".");
        let pivot = if self.spec.root.no_pivot() { Err(Errno::EINVAL) } else { self.sys.pivot_root(dot, dot) };
        match pivot {
            Ok(()) => self.sys.umount2(dot, UnmountFlags::DETACH)?,
            Err(Errno::EINVAL) => {
                for p in [c!("/proc"), c!("/sys")] {
                    match self.sys.umount2(p, UnmountFlags::DETACH) {
                        Err(Errno::EINVAL | Errno::ENOENT) => {}
                        r => r?,
                    }
                }
                self.sys.mount(Some(dot), c!("/"), None, M::MOVE, None)?;
                self.sys.chroot(dot)?;
            }
            Err(e) => return Err(e),
        }
        self.sys.chdir(c!("/"))
    }

    /// A new `fs` mount on `path` (absolute: in the new root before the
    /// switch), opened with no symlink on the way.
    pub(super) fn mount_on(&mut self, path: &[u8], fs: CStr, flags: M, data: Option<CStr>) -> Result<()> {
        let (base, rel) = match self.root {
            Some(r) => (r, path.get(1..).unwrap_or(&[])),
            None => (AT_FDCWD, path),
        };
        let dir = match self.open_nofollow(base, rel, DIR_PATH) {
            Err(Errno::ENOENT) if self.mount_point(base, path) => self.open_nofollow(base, rel, DIR_PATH)?,
            r => r?,
        };
        let r = fd_path(dir).and_then(|t| self.sys.mount(Some(fs), (&t).into(), Some(fs), flags, data));
        self.sys.close(dir);
        r
    }

    /// Every bind, in slot order (a later one may cover an earlier one).
    pub(super) fn mount_binds(&mut self) -> core::result::Result<(), Fail> {
        let binds = self.spec.binds;
        for (i, b) in binds.iter().enumerate().take(BINDS_MAX) {
            self.mount_bind(i, b).at_i(err::BIND_INVALID, step::MOUNT_BINDS, i)?;
        }
        self.close_binds();
        Ok(())
    }

    /// Bind `i`: the sandbox side's dir is walked from `/` without
    /// following a symlink (root mode: missing dirs are made, and a missing
    /// last component, as a dir or an empty file like the host side); the
    /// host side is bound on it, then the bind is remounted nosuid, nodev,
    /// and read-only unless asked.
    fn mount_bind(&mut self, i: usize, b: &Bind) -> Result<()> {
        let dst = if b.dst.is_empty() { b.src } else { b.dst };
        let create = self.spec.root.is_own();
        let k = dst.iter().rposition(|&c| c == b'/').unwrap_or(0);
        let root = match self.root {
            Some(r) => self.sys.openat(r, c!("."), DIR_PATH)?,
            None => self.sys.openat(AT_FDCWD, c!("/"), DIR_PATH)?,
        };
        let dir = self.walk(root, dst.get(..k).unwrap_or(&[]), create)?;
        let r = cpath(dst.get(k + 1..).unwrap_or(&[])).and_then(|n| self.bind_in(i, dir, (&n).into(), create));
        self.sys.close(dir);
        r
    }

    /// The bind of slot `i` on `n` in `dir`.
    fn bind_in(&mut self, i: usize, dir: Fd, n: CStr, create: bool) -> Result<()> {
        let src = self.binds.get(i).copied().unwrap_or(-1);
        let want = if self.bind_dirs & (1 << i) != 0 { g::S_IFDIR } else { g::S_IFREG };
        if create {
            // EEXIST (before EROFS, for a read-only root) when it is there.
            let r = if want == g::S_IFDIR { self.sys.mkdirat(dir, n, 0o755) } else { self.sys.mknodat(dir, n, want | 0o644, 0, 0) };
            mkdir_ok(r)?;
        }
        let dst = self.sys.openat(dir, n, ANY_PATH)?;
        let r = match self.sys.fstat(dst) {
            // Not a symlink, and what the host side is.
            Ok(st) if st.mode & g::S_IFMT == want => self.bind(src, dst, M::BIND),
            Ok(_) => Err(Errno::ELOOP),
            Err(e) => Err(e),
        };
        self.sys.close(dst);
        r?;
        // The bind's flags need a remount of the bind itself: the name
        // reaches it (the fd above is the dir or file under it).
        let top = self.sys.openat(dir, n, ANY_PATH)?;
        let rw = self.spec.bind_rw & (1 << i) != 0;
        let flags = M::REMOUNT | M::BIND | M::NOSUID | M::NODEV | if rw { M::empty() } else { M::RDONLY };
        let r = fd_path(top).and_then(|t| self.sys.mount(None, (&t).into(), None, flags, None));
        self.sys.close(top);
        r
    }
}

impl<S: Sys> Exec<'_, S> {
    /// The spec's filesystem mounts (tmpfs, cgroup2), after the switch and
    /// /sys: each on its dir (walked from `/` as a bind's target, made if
    /// missing), nosuid and nodev, with its own flags and options.
    pub(super) fn mount_fs(&mut self) -> core::result::Result<(), Fail> {
        let all = self.spec.fs_mounts;
        for (i, t) in all.iter().enumerate() {
            let f = |e| Fail::new(err::BUILD_ROCKER_FAILED, e, step::MOUNT_TMP).index(i);
            let mut flags = M::NOSUID | M::NODEV;
            let mut rest = t.flags;
            for m in [M::RDONLY, M::NOSUID, M::NODEV, M::NOEXEC, M::NOATIME, M::NODIRATIME, M::RELATIME, M::STRICTATIME] {
                if rest & m.bits() != 0 {
                    flags |= m;
                    rest &= !m.bits();
                }
            }
            if rest != 0 {
                return Err(f(Errno::EINVAL));
            }
            let data = match t.data {
                [] => None,
                d => Some(CStr::from_bytes_with_nul(d).map_err(f)?),
            };
            let root = match self.root {
                Some(r) => self.sys.openat(r, c!("."), DIR_PATH),
                None => self.sys.openat(AT_FDCWD, c!("/"), DIR_PATH),
            };
            let create = self.spec.root.is_own();
            let fs = match t.fstype {
                b"tmpfs\0" => c!("tmpfs"),
                b"cgroup2\0" => c!("cgroup2"),
                _ => return Err(f(Errno::ENODEV)),
            };
            let dir = root.and_then(|r| self.walk(r, t.dst, create)).map_err(f)?;
            let r = fd_path(dir).and_then(|p| self.sys.mount(Some(fs), (&p).into(), Some(fs), flags, data));
            self.sys.close(dir);
            r.map_err(f)?;
        }
        Ok(())
    }

    /// The spec's masked paths (a file: `/dev/null` bound on it; a dir: an
    /// empty read-only tmpfs), then its read-only paths (bound on
    /// themselves, remounted read-only, nosuid, nodev; with their submounts
    /// where the kernel has `mount_setattr`, 5.12+), inside the new root in
    /// a root mode, in the sandbox's mount namespace only in the host-root
    /// mode (where /sys is the host's mount seen through it); each opened
    /// with no symlink on its path. Missing ones are skipped. `/proc/sys` is
    /// opened first, while it is writable: [`Step::UsernsLimits`] writes
    /// through it after `UnshareUser`.
    pub(super) fn mask_paths(&mut self) -> core::result::Result<(), Fail> {
        let f = |e| Fail::new(err::BUILD_ROCKER_FAILED, e, step::MASK_PATHS);
        match self.sys.openat(AT_FDCWD, c!("/proc/sys"), DIR_PATH) {
            Ok(fd) => self.sysctl = Some(fd),
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(f(e)),
        }
        let (masked, readonly) = (self.spec.masked, self.spec.readonly);
        let null = self.open_nofollow(AT_FDCWD, b"/dev/null", ANY_PATH).map_err(f)?;
        // One empty tmpfs for every masked dir (the first), bound on the
        // others: a superblock and an inode per sandbox, not per dir.
        let mut empty = None;
        let r = masked.iter().enumerate().try_for_each(|(i, p)| self.mask_one(p, Some((null, &mut empty))).map_err(|e| f(e).index(i)));
        for fd in [Some(null), empty].into_iter().flatten() {
            self.sys.close(fd);
        }
        r?;
        readonly.iter().enumerate().try_for_each(|(i, p)| self.mask_one(p, None).map_err(|e| f(e).index(i)))
    }

    /// Masks `path` (with `/dev/null` for a file, the empty tmpfs for a
    /// dir) or makes it read-only (without).
    fn mask_one(&mut self, path: &[u8], null: Option<(Fd, &mut Option<Fd>)>) -> Result<()> {
        let fd = match self.open_nofollow(AT_FDCWD, path, ANY_PATH) {
            Err(Errno::ENOENT) => return Ok(()),
            r => r?,
        };
        let r = self.sys.fstat(fd).and_then(|st| {
            let t = fd_path(fd)?;
            let ro = M::RDONLY | M::NOSUID | M::NODEV;
            match null {
                Some((_, Some(e))) if st.mode & g::S_IFMT == g::S_IFDIR => self.bind(*e, fd, M::BIND),
                Some((_, empty)) if st.mode & g::S_IFMT == g::S_IFDIR => {
                    let tmpfs = c!("tmpfs");
                    self.sys.mount(Some(tmpfs), (&t).into(), Some(tmpfs), ro | M::NOEXEC, Some(c!("size=0,mode=555")))?;
                    *empty = Some(self.open_nofollow(AT_FDCWD, path, DIR_PATH)?);
                    Ok(())
                }
                Some((n, _)) => self.bind(n, fd, M::BIND),
                None => {
                    self.bind(fd, fd, M::BIND | M::REC)?;
                    // The remount must reach the new bind: by its path again.
                    let top = self.open_nofollow(AT_FDCWD, path, ANY_PATH)?;
                    let r = fd_path(top).and_then(|p| {
                        // Its whole tree (5.12+), else its top.
                        match self.sys.mount_setattr((&p).into(), g::AT_RECURSIVE, ATTR_RO) {
                            Err(Errno::ENOSYS) => self.sys.mount(None, (&p).into(), None, M::REMOUNT | M::BIND | ro, None),
                            r => r,
                        }
                    });
                    self.sys.close(top);
                    r
                }
            }
        });
        self.sys.close(fd);
        r
    }
}
