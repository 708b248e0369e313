//! A recording fake of [`Sys`] (tests only): every call becomes one line of
//! text, fds are numbers from 100 up and tracked until closed, and any call
//! can be made to fail (`fail_at`), so tests see order and unwinding.
use std::collections::BTreeSet;
use std::string::String;
use std::vec::Vec;

use syscalls::sys::general as g;
use syscalls::sys::loop_device as lo;
use syscalls::{CStr, Errno, Fd, LoopInfo64, Result};

use crate::sys::{Stat, Sys};

#[derive(Default)]
pub struct Fake {
    /// One line per call (closes included).
    pub calls: Vec<String>,
    /// fds handed out and not closed yet.
    pub open: BTreeSet<Fd>,
    next_fd: Fd,
    /// Calls counted so far (closes are not counted: they cannot fail).
    pub n: usize,
    /// Make call number `.0` (0-based, closes excluded) fail with `.1`.
    pub fail_at: Option<(usize, Errno)>,
    /// A kernel before 5.6: openat2 is ENOSYS.
    pub no_openat2: bool,
    /// A kernel before 5.8: LOOP_CONFIGURE is EINVAL.
    pub no_loop_configure: bool,
    /// A kernel before 5.12: mount_setattr is ENOSYS.
    pub no_mount_setattr: bool,
    /// Paths that openat/openat2 report missing (ENOENT) until mkdirat'ed.
    pub missing: BTreeSet<String>,
    /// Every mkdirat finds the dir there (EEXIST).
    pub all_exist: bool,
    /// Loop devices attached without auto-clear (set_fd, no status yet).
    pub attached_no_autoclear: BTreeSet<Fd>,
    /// What each open fd names (for `missing` across openat calls).
    names: std::collections::BTreeMap<Fd, String>,
    /// A host whose root is the initramfs: pivot_root is EINVAL.
    pub pivot_einval: bool,
    /// Paths that fstat as regular files / symlinks (else dirs; /dev/*
    /// character devices).
    pub files: BTreeSet<String>,
    pub links: BTreeSet<String>,
    /// The stall hook was reached.
    pub stalled: bool,
    /// The step each counted call was made in (index = call number).
    pub steps: Vec<Option<crate::plan::Step>>,
    cur: Option<crate::plan::Step>,
}

fn s(c: &CStr) -> String {
    String::from_utf8_lossy(c.to_bytes()).into_owned()
}

fn opt(c: &Option<CStr>) -> String {
    c.as_ref().map_or("none".into(), |c| format!("{:?}", s(c)))
}

fn oflags(f: u32) -> String {
    let mut v = Vec::new();
    for (bit, n) in [
        (g::O_PATH, "PATH"),
        (g::O_DIRECTORY, "DIRECTORY"),
        (g::O_NOFOLLOW, "NOFOLLOW"),
        (g::O_RDWR, "RDWR"),
    ] {
        if f & bit != 0 {
            v.push(n);
        }
    }
    if v.is_empty() {
        v.push("RDONLY");
    }
    v.join("|")
}

fn mflags(f: syscalls::MountFlags) -> String {
    let f = f.bits();
    let mut v = Vec::new();
    for (bit, n) in [
        (g::MS_RDONLY, "RDONLY"),
        (g::MS_NOSUID, "NOSUID"),
        (g::MS_NODEV, "NODEV"),
        (g::MS_NOEXEC, "NOEXEC"),
        (g::MS_REC, "REC"),
        (g::MS_PRIVATE, "PRIVATE"),
        (g::MS_BIND, "BIND"),
        (g::MS_MOVE, "MOVE"),
        (g::MS_REMOUNT, "REMOUNT"),
    ] {
        if f & bit != 0 {
            v.push(n);
        }
    }
    if v.is_empty() {
        v.push("0");
    }
    v.join("|")
}

fn dirname(fd: Fd) -> String {
    if fd == syscalls::AT_FDCWD {
        "AT_FDCWD".into()
    } else {
        fd.to_string()
    }
}

impl Fake {
    pub fn new() -> Fake {
        Fake { next_fd: 100, ..Default::default() }
    }

    /// Counts a call; Err if it is the one to fail.
    fn tick(&mut self, line: String) -> Result<()> {
        let i = self.n;
        self.n += 1;
        self.steps.push(self.cur);
        if let Some((at, e)) = self.fail_at {
            if at == i {
                self.calls.push(format!("{line} = {}", e.name()));
                return Err(e);
            }
        }
        self.calls.push(line);
        Ok(())
    }

    fn fd(&mut self, name: String) -> Fd {
        let fd = self.next_fd;
        self.next_fd += 1;
        self.open.insert(fd);
        self.names.insert(fd, name);
        if let Some(l) = self.calls.last_mut() {
            l.push_str(&format!(" = {fd}"));
        }
        fd
    }

    fn full(&self, dir: Fd, path: &str) -> String {
        if path.starts_with('/') {
            return path.into();
        }
        if path == "." {
            return self.names.get(&dir).cloned().unwrap_or_default();
        }
        match self.names.get(&dir) {
            Some(d) if d.ends_with('/') => format!("{d}{path}"),
            Some(d) => format!("{d}/{path}"),
            None => path.into(),
        }
    }

    fn open_common(&mut self, line: String, dir: Fd, path: &str) -> Result<Fd> {
        self.tick(line)?;
        let name = self.full(dir, path);
        if self.missing.contains(&name) {
            if let Some(l) = self.calls.last_mut() {
                l.push_str(" = ENOENT");
            }
            return Err(Errno::ENOENT);
        }
        Ok(self.fd(name))
    }
}

impl Sys for Fake {
    fn mount(&mut self, src: Option<CStr>, target: CStr, fstype: Option<CStr>, flags: syscalls::MountFlags, data: Option<CStr>) -> Result<()> {
        self.tick(format!("mount({}, {:?}, {}, {}, {})", opt(&src), s(&target), opt(&fstype), mflags(flags), opt(&data)))?;
        if self.missing.contains(&s(&target)) {
            if let Some(l) = self.calls.last_mut() {
                l.push_str(" = ENOENT");
            }
            return Err(Errno::ENOENT);
        }
        Ok(())
    }
    fn openat2(&mut self, dir: Fd, path: CStr, flags: u32, resolve: u64) -> Result<Fd> {
        let mut r = Vec::new();
        for (bit, n) in [(g::RESOLVE_NO_SYMLINKS, "NO_SYMLINKS"), (g::RESOLVE_NO_MAGICLINKS, "NO_MAGICLINKS"), (g::RESOLVE_BENEATH, "BENEATH")] {
            if resolve & u64::from(bit) != 0 {
                r.push(n);
            }
        }
        let line = format!("openat2({}, {:?}, {}, {})", dirname(dir), s(&path), oflags(flags), r.join("|"));
        if self.no_openat2 {
            self.tick(line)?;
            if let Some(l) = self.calls.last_mut() {
                l.push_str(" = ENOSYS");
            }
            return Err(Errno::ENOSYS);
        }
        self.open_common(line, dir, &s(&path))
    }
    fn openat(&mut self, dir: Fd, path: CStr, flags: u32) -> Result<Fd> {
        let line = format!("openat({}, {:?}, {})", dirname(dir), s(&path), oflags(flags));
        self.open_common(line, dir, &s(&path))
    }
    fn close(&mut self, fd: Fd) {
        assert!(self.open.remove(&fd), "close of fd {fd}, which is not open: {:#?}", self.calls);
        self.calls.push(format!("close({fd})"));
    }
    fn mkdirat(&mut self, dir: Fd, path: CStr, mode: u32) -> Result<()> {
        self.tick(format!("mkdirat({}, {:?}, {:o})", dirname(dir), s(&path), mode))?;
        let name = self.full(dir, &s(&path));
        if self.all_exist && !self.missing.contains(&name) {
            if let Some(l) = self.calls.last_mut() {
                l.push_str(" = EEXIST");
            }
            return Err(Errno::EEXIST);
        }
        self.missing.remove(&name);
        Ok(())
    }
    fn mknodat(&mut self, dir: Fd, path: CStr, mode: u32, major: u32, minor: u32) -> Result<()> {
        assert!(self.open.contains(&dir));
        self.tick(format!("mknodat({}, {:?}, {:o}, {major}:{minor})", dirname(dir), s(&path), mode))?;
        let name = self.full(dir, &s(&path));
        self.missing.remove(&name);
        if mode & g::S_IFMT == g::S_IFREG {
            self.files.insert(name);
        }
        Ok(())
    }
    fn symlinkat(&mut self, target: CStr, dir: Fd, path: CStr) -> Result<()> {
        self.tick(format!("symlinkat({:?}, {}, {:?})", s(&target), dirname(dir), s(&path)))
    }
    fn sethostname(&mut self, name: &[u8]) -> Result<()> {
        self.tick(format!("sethostname({:?})", String::from_utf8_lossy(name)))
    }
    fn lo_up(&mut self) -> Result<()> {
        self.tick("lo_up()".to_string())
    }
    fn fchown(&mut self, fd: Fd, uid: u32, gid: u32) -> Result<()> {
        assert!(self.open.contains(&fd));
        self.tick(format!("fchown({fd}, {uid}, {gid})"))
    }
    fn fchmod(&mut self, fd: Fd, mode: u32) -> Result<()> {
        assert!(self.open.contains(&fd));
        self.tick(format!("fchmod({fd}, {mode:o})"))
    }
    fn fstat(&mut self, fd: Fd) -> Result<Stat> {
        assert!(self.open.contains(&fd) || fd == 3, "fstat of fd {fd}");
        self.tick(format!("fstat({fd})"))?;
        // Device nodes are character devices here.
        let name = self.names.get(&fd).cloned().unwrap_or_default();
        let is_dev = name.starts_with("/dev/");
        let mode = if self.links.contains(&name) {
            0o120777
        } else if self.files.contains(&name) {
            0o100644
        } else if is_dev {
            0o020666
        } else {
            0o040755
        };
        Ok(Stat { mode, uid: 0, gid: 0, ino: 42, dev_major: 8, dev_minor: 1, rdev_major: if is_dev { 1 } else { 0 }, rdev_minor: if is_dev { fd as u32 } else { 0 } })
    }
    fn fstatfs_type(&mut self, fd: Fd) -> Result<u64> {
        self.tick(format!("fstatfs({fd})"))?;
        Ok(0xEF53)
    }
    fn loop_get_free(&mut self, ctl: Fd) -> Result<u32> {
        self.tick(format!("LOOP_CTL_GET_FREE({ctl})"))?;
        Ok(7)
    }
    fn loop_configure(&mut self, dev: Fd, backing: Fd, info: &LoopInfo64) -> Result<()> {
        self.tick(format!("LOOP_CONFIGURE({dev}, {backing}, flags={:#x})", info.lo_flags))?;
        if self.no_loop_configure {
            if let Some(l) = self.calls.last_mut() {
                l.push_str(" = EINVAL");
            }
            return Err(Errno::EINVAL);
        }
        Ok(())
    }
    fn loop_set_fd(&mut self, dev: Fd, backing: Fd) -> Result<()> {
        self.tick(format!("LOOP_SET_FD({dev}, {backing})"))?;
        self.attached_no_autoclear.insert(dev);
        Ok(())
    }
    fn loop_set_status(&mut self, dev: Fd, info: &LoopInfo64) -> Result<()> {
        self.tick(format!("LOOP_SET_STATUS64({dev}, flags={:#x})", info.lo_flags))?;
        if info.lo_flags & lo::LO_FLAGS_AUTOCLEAR as u32 != 0 {
            self.attached_no_autoclear.remove(&dev);
        }
        Ok(())
    }
    fn loop_get_status(&mut self, dev: Fd) -> Result<LoopInfo64> {
        self.tick(format!("LOOP_GET_STATUS64({dev})"))?;
        let mut i = syscalls::loop_info64_zeroed();
        i.lo_inode = 42;
        i.lo_device = crate::plan::encode_dev(8, 1);
        i.lo_flags = lo::LO_FLAGS_READ_ONLY as u32 | lo::LO_FLAGS_AUTOCLEAR as u32;
        Ok(i)
    }
    fn loop_clr_fd(&mut self, dev: Fd) -> Result<()> {
        self.calls.push(format!("LOOP_CLR_FD({dev})"));
        self.attached_no_autoclear.remove(&dev);
        Ok(())
    }
    fn unshare(&mut self, ns: syscalls::NsFlags) -> Result<()> {
        self.tick(format!("unshare({:#x})", ns.bits()))
    }
    fn mount_setattr(&mut self, path: CStr, flags: u32, attr_set: u64) -> Result<()> {
        self.tick(format!("mount_setattr({:?}, {flags:#x}, {attr_set:#x})", s(&path)))?;
        if self.no_mount_setattr {
            if let Some(l) = self.calls.last_mut() {
                l.push_str(" = ENOSYS");
            }
            return Err(Errno::ENOSYS);
        }
        Ok(())
    }
    fn write_file(&mut self, dir: Fd, path: CStr, data: &[u8]) -> Result<()> {
        assert!(self.open.contains(&dir), "write_file in fd {dir}, which is not open");
        self.tick(format!("write_file({dir}, {:?}, {:?})", s(&path), String::from_utf8_lossy(data)))?;
        let name = self.full(dir, &s(&path));
        if self.missing.contains(&name) {
            if let Some(l) = self.calls.last_mut() {
                l.push_str(" = ENOENT");
            }
            return Err(Errno::ENOENT);
        }
        Ok(())
    }
    fn set_dumpable(&mut self, on: bool) -> Result<()> {
        self.tick(format!("prctl(PR_SET_DUMPABLE, {})", on as u8))
    }
    fn fchdir(&mut self, fd: Fd) -> Result<()> {
        assert!(self.open.contains(&fd));
        self.tick(format!("fchdir({fd})"))
    }
    fn chdir(&mut self, path: CStr) -> Result<()> {
        self.tick(format!("chdir({:?})", s(&path)))
    }
    fn chroot(&mut self, path: CStr) -> Result<()> {
        self.tick(format!("chroot({:?})", s(&path)))
    }
    fn pivot_root(&mut self, new_root: CStr, put_old: CStr) -> Result<()> {
        self.tick(format!("pivot_root({:?}, {:?})", s(&new_root), s(&put_old)))?;
        if self.pivot_einval {
            if let Some(l) = self.calls.last_mut() {
                l.push_str(" = EINVAL");
            }
            return Err(Errno::EINVAL);
        }
        Ok(())
    }
    fn umount2(&mut self, target: CStr, flags: syscalls::UnmountFlags) -> Result<()> {
        let f = if flags.contains(syscalls::UnmountFlags::DETACH) { "DETACH" } else { "0" };
        self.tick(format!("umount2({:?}, {f})", s(&target)))
    }
    fn notify(&mut self, msg: &[u8]) -> Result<()> {
        let what = match rocker_proto::decode_guard_msg(msg) {
            Ok(rocker_proto::GuardMsg::LoopClaim(n)) => format!("loop_claim {n}"),
            Ok(m) => format!("{m:?}"),
            Err(e) => format!("bad message {e:?}"),
        };
        self.tick(format!("notify({what})"))
    }
    fn stall(&mut self) {
        self.calls.push("stall".into());
        self.stalled = true;
    }
    fn begin(&mut self, step: crate::plan::Step) {
        self.cur = Some(step);
        self.calls.push(format!("# {step:?}"));
    }
}
