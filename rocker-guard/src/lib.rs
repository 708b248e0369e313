//! rocker-guard: PID 1 of one sandbox.
//!
//! The master clones the guard (fork-style, `CLONE_NEWNS | CLONE_NEWPID`),
//! so this code runs in the child of `rocker-master`, without an exec. The
//! guard builds the sandbox (DESIGN.md §3, step 3), reports to the master,
//! then lives as the namespace's init: it reaps every orphan and exits as
//! soon as nothing is left: no child, no registered App, no open `ctl`.
//! Nothing here polls on a timer.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

use rocker_proto::{err, step, RunReply, RunReq};
use syscalls::sys::general as g;
use syscalls::sys::loop_device as lo;
use syscalls::sys::net;
use syscalls::*;

/// Why setup failed: a `ROCKER_ERR_*` code, the errno, the step, and the
/// overlay slot for overlay steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fail {
    pub code: i32,
    pub errno: Errno,
    pub step: u16,
    pub index: u16,
}

impl Fail {
    pub fn reply(&self) -> RunReply {
        RunReply::failure(self.code, self.errno.raw(), self.step, self.index)
    }
}

type R<T> = core::result::Result<T, Fail>;

trait Ctx<T> {
    fn at(self, code: i32, step: u16) -> R<T>;
    fn at_i(self, code: i32, step: u16, index: usize) -> R<T>;
}
impl<T> Ctx<T> for Result<T> {
    fn at(self, code: i32, step: u16) -> R<T> {
        self.map_err(|errno| Fail { code, errno, step, index: 0 })
    }
    fn at_i(self, code: i32, step: u16, index: usize) -> R<T> {
        self.map_err(|errno| Fail { code, errno, step, index: index as u16 })
    }
}

/// What the master hands the guard (all fds are the guard's copies).
pub struct Spec<'a> {
    pub req: &'a RunReq<'a>,
    pub pname: &'a [u8],
    pub pkg: Fd,
    pub notify: Fd,
    pub ctl: Fd,
    /// A loop device that already carries this package for a running
    /// sandbox (package sharing): verified before use, else ignored.
    pub loop_hint: Option<u32>,
}

/// Most overlay layers (each has an upper and a work fd).
const MAX_LAYERS: usize = rocker_proto::OVERLAY_MAX;
/// Most registered App pidfds.
const MAX_APPS: usize = 32;
/// Attempts at grabbing a free loop device (LOOP_CTL_GET_FREE reserves nothing).
const LOOP_TRIES: usize = 32;

const B: u32 = g::O_CLOEXEC;
const DIR_PATH: u32 = g::O_PATH | g::O_DIRECTORY | g::O_NOFOLLOW | g::O_CLOEXEC;

fn cpath(s: &[u8]) -> Result<Path256> {
    Path256::new(s)
}

/// Entry of the guard process. Never returns.
pub fn run(spec: Spec) -> ! {
    let _ = set_name(spec.pname);
    close_all_but(&[spec.pkg, spec.notify, spec.ctl]);
    // The master blocks SIGCHLD/SIGTERM/SIGINT for its signalfd; the guard
    // keeps only SIGCHLD blocked (its own signalfd), so a host SIGTERM still
    // ends the sandbox.
    let chld = SigSet::empty().add(g::SIGCHLD);
    let _ = rt_sigprocmask(SIG_SETMASK, &chld);
    let sfd = signalfd(&chld, g::O_CLOEXEC | g::O_NONBLOCK);
    let legacy = spec.req.run_flags & rocker_proto::RUN_LEGACY_LOOP != 0;
    let r = sfd.at(err::BUILD_ROCKER_FAILED, step::NONE).and_then(|s| setup(&spec, legacy).map(|n| (s, n)));
    let msg = match &r {
        // Internal report: `index` carries the loop device number + 1, so the
        // master can offer it to the next sandbox of the same package.
        Ok((_, n)) => RunReply { index: (*n as u16).wrapping_add(1), ..RunReply::default() },
        Err(f) => f.reply(),
    };
    let mut out = [0u8; rocker_proto::RUN_REPLY_SIZE];
    msg.encode(&mut out);
    let _ = sendmsg(spec.notify, &out, &[], net::MSG_NOSIGNAL);
    let _ = close_raw(spec.notify);
    match r {
        Ok((sfd, _)) => exit_group(init_loop(sfd.raw(), spec.ctl)),
        Err(_) => exit_group(1),
    }
}

/// Closes every fd but 0, 1, 2 and `keep` (close_range over the gaps; a
/// loop on kernels before 5.9).
fn close_all_but(keep: &[Fd]) {
    let mut k = [0i32; 8];
    let n = keep.len().min(k.len());
    k[..n].copy_from_slice(&keep[..n]);
    let k = &mut k[..n];
    k.sort_unstable();
    let mut from: u32 = 3;
    for &fd in k.iter() {
        if fd < 3 {
            continue;
        }
        let fd = fd as u32;
        if fd > from {
            close_gap(from, fd - 1);
        }
        from = fd + 1;
    }
    close_gap(from, u32::MAX);
}

fn close_gap(first: u32, last: u32) {
    if close_range(first, last, 0) == Err(Errno::ENOSYS) {
        for fd in first..=last.min(1023) {
            let _ = close_raw(fd as i32);
        }
    }
}

/// The sandbox, in DESIGN.md's order. The squashfs goes on after the
/// overlays (the exec dir may lie under an overlaid dir), and every upper
/// and work dir is opened before the first overlay mount (the data dir may
/// lie under an overlaid dir too). Returns the loop device number used.
pub fn setup(spec: &Spec, legacy_loop: bool) -> R<u32> {
    let req = spec.req;
    let root = cpath(b"/").at(err::SYS, step::MAKE_PRIVATE)?;
    mount(None, (&root).into(), None, MountFlags::REC | MountFlags::PRIVATE, None).at(err::BUILD_ROCKER_FAILED, step::MAKE_PRIVATE)?;

    let data = open_data_dir(req.data_dir)?;
    let mut layers: [(Option<OwnedFd>, Option<OwnedFd>); MAX_LAYERS] = Default::default();
    for (i, dir) in req.overlays().iter().enumerate() {
        layers[i] = make_layer(data.raw(), dir, i)?;
    }
    for (i, dir) in req.overlays().iter().enumerate() {
        let (Some(up), Some(work)) = (&layers[i].0, &layers[i].1) else { continue };
        mount_overlay(dir, up.raw(), work.raw(), i)?;
    }
    drop(layers);
    drop(data);

    let dev = match spec.loop_hint.and_then(|n| shared_loop(spec.pkg, n)) {
        Some(d) => d,
        None => attach_loop(spec.pkg, req.pkg, legacy_loop)?,
    };
    let loop_nr = dev.nr;
    let _ = close_raw(spec.pkg);
    let exec = ensure_exec_dir(req)?;
    let sq = cpath(b"squashfs").at(err::SYS, step::MOUNT_SQUASHFS)?;
    mount(Some((&dev.path).into()), (&exec).into(), Some((&sq).into()), MountFlags::RDONLY | MountFlags::NODEV | MountFlags::NOSUID, None)
        .at(err::BUILD_ROCKER_FAILED, step::MOUNT_SQUASHFS)?;
    drop(dev);

    let proc_ = cpath(b"proc").at(err::SYS, step::MOUNT_PROC)?;
    let proc_dir = cpath(b"/proc").at(err::SYS, step::MOUNT_PROC)?;
    mount(Some((&proc_).into()), (&proc_dir).into(), Some((&proc_).into()), MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC, None)
        .at(err::BUILD_ROCKER_FAILED, step::MOUNT_PROC)?;
    let _ = chdir((&root).into());
    unshare(NsFlags::NEWUSER).at(err::BUILD_ROCKER_FAILED, step::UNSHARE_USER)?;
    Ok(loop_nr)
}

/// Opens the data dir without following any symlink (openat2
/// RESOLVE_NO_SYMLINKS; O_NOFOLLOW on the last component before 5.6), and
/// refuses overlayfs (OpenWrt's root): it cannot hold an upper dir.
fn open_data_dir(path: &[u8]) -> R<OwnedFd> {
    let p = cpath(path).at(err::PATH_TOO_LONG, step::OPEN_DATA_DIR)?;
    let fd = match openat2(AT_FDCWD, (&p).into(), DIR_PATH, 0, g::RESOLVE_NO_SYMLINKS as u64) {
        Err(Errno::ENOSYS) => openat(AT_FDCWD, (&p).into(), DIR_PATH, 0),
        r => r,
    }
    .at(err::DATA_DIR_INVALID, step::OPEN_DATA_DIR)?;
    match fstatfs_type(fd.raw()) {
        Ok(t) if t == g::OVERLAYFS_SUPER_MAGIC as u64 => Err(Fail { code: err::DATA_DIR_INVALID, errno: Errno::EXDEV, step: step::OPEN_DATA_DIR, index: 0 }),
        Ok(_) => Ok(fd),
        Err(e) => Err(Fail { code: err::DATA_DIR_INVALID, errno: e, step: step::OPEN_DATA_DIR, index: 0 }),
    }
}

/// `<data>/<name>/{upper,work}`. The layer dir and work dir are root-only;
/// a new upper dir takes the owner and mode of the dir it covers, so the
/// merged dir looks like the host's (a non-root App cannot create files in
/// a root-owned `/usr`).
fn make_layer(data: Fd, dir: &[u8], i: usize) -> R<(Option<OwnedFd>, Option<OwnedFd>)> {
    let name = dir.get(1..).unwrap_or(&[]);
    let n = cpath(name).at_i(err::PATH_TOO_LONG, step::MKDIR_LAYER, i)?;
    mkdir_ok(data, (&n).into(), 0o700).at_i(err::DATA_DIR_INVALID, step::MKDIR_LAYER, i)?;
    let layer = openat(data, (&n).into(), DIR_PATH, 0).at_i(err::DATA_DIR_INVALID, step::MKDIR_LAYER, i)?;
    let up = cpath(b"upper").at_i(err::SYS, step::MKDIR_LAYER, i)?;
    let wk = cpath(b"work").at_i(err::SYS, step::MKDIR_LAYER, i)?;
    let lower = cpath(dir).at_i(err::PATH_TOO_LONG, step::MKDIR_LAYER, i)?;
    let st = statx(AT_FDCWD, (&lower).into(), g::AT_SYMLINK_NOFOLLOW, g::STATX_BASIC_STATS)
        .at_i(err::OVERLAY_INVALID, step::MKDIR_LAYER, i)?;
    match mkdirat(layer.raw(), (&up).into(), 0o700) {
        Ok(()) => {
            fchownat(layer.raw(), (&up).into(), st.stx_uid, st.stx_gid, g::AT_SYMLINK_NOFOLLOW)
                .at_i(err::BUILD_ROCKER_FAILED, step::MKDIR_LAYER, i)?;
            fchmodat(layer.raw(), (&up).into(), st.stx_mode as u32 & 0o7777).at_i(err::BUILD_ROCKER_FAILED, step::MKDIR_LAYER, i)?;
        }
        Err(Errno::EEXIST) => {}
        Err(e) => return Err(Fail { code: err::DATA_DIR_INVALID, errno: e, step: step::MKDIR_LAYER, index: i as u16 }),
    }
    mkdir_ok(layer.raw(), (&wk).into(), 0o700).at_i(err::DATA_DIR_INVALID, step::MKDIR_LAYER, i)?;
    let u = openat(layer.raw(), (&up).into(), DIR_PATH, 0).at_i(err::DATA_DIR_INVALID, step::MKDIR_LAYER, i)?;
    let w = openat(layer.raw(), (&wk).into(), DIR_PATH, 0).at_i(err::DATA_DIR_INVALID, step::MKDIR_LAYER, i)?;
    Ok((Some(u), Some(w)))
}

fn mkdir_ok(dir: Fd, p: CStr, mode: u32) -> Result<()> {
    match mkdirat(dir, p, mode) {
        Err(Errno::EEXIST) => Ok(()),
        r => r,
    }
}

/// `lowerdir=<dir>,upperdir=/proc/self/fd/U,workdir=/proc/self/fd/W`
/// mounted on `<dir>` itself.
pub fn overlay_options(dir: &[u8], up: Fd, work: Fd) -> Result<CPath<512>> {
    let mut o = CPath::<512>::new(b"lowerdir=")?;
    o.push(dir)?;
    o.push(b",upperdir=/proc/self/fd/")?;
    o.push_num(up as u64)?;
    o.push(b",workdir=/proc/self/fd/")?;
    o.push_num(work as u64)?;
    Ok(o)
}

fn mount_overlay(dir: &[u8], up: Fd, work: Fd, i: usize) -> R<()> {
    let opts = overlay_options(dir, up, work).at_i(err::PATH_TOO_LONG, step::MOUNT_OVERLAY, i)?;
    let target = cpath(dir).at_i(err::PATH_TOO_LONG, step::MOUNT_OVERLAY, i)?;
    let ovl = cpath(b"overlay").at_i(err::SYS, step::MOUNT_OVERLAY, i)?;
    mount(Some((&ovl).into()), (&target).into(), Some((&ovl).into()), MountFlags::empty(), Some((&opts).into()))
        .at_i(err::BUILD_ROCKER_FAILED, step::MOUNT_OVERLAY, i)
}

/// An attached loop device: its path and open fd (dropping the fd after the
/// mount leaves AUTOCLEAR to detach it when the mount goes away).
pub struct LoopDev {
    pub path: CPath<32>,
    pub fd: OwnedFd,
    pub nr: u32,
}

fn loop_path(n: u32) -> Result<CPath<32>> {
    let mut p = CPath::<32>::new(b"/dev/loop")?;
    p.push_num(n as u64)?;
    Ok(p)
}

/// The kernel's `new_encode_dev`, as LOOP_GET_STATUS64 reports `lo_device`.
fn encode_dev(major: u32, minor: u32) -> u64 {
    (minor as u64 & 0xff) | (major as u64) << 8 | (minor as u64 & !0xff) << 12
}

/// Package sharing: `n` is the loop device of a running sandbox of the
/// same package. Holding it open keeps AUTOCLEAR from detaching it; then it
/// must still be ours (read-only, auto-clearing) and back the very inode we
/// were given. Mounting it reuses the live squashfs superblock and its page
/// cache. Anything else (detached meanwhile, re-used for another file): None,
/// and the caller attaches afresh.
pub fn shared_loop(pkg: Fd, n: u32) -> Option<LoopDev> {
    let path = loop_path(n).ok()?;
    let fd = openat(AT_FDCWD, (&path).into(), g::O_RDONLY | B, 0).ok()?;
    let info = loop_get_status64(fd.raw()).ok()?;
    let st = fstat(pkg).ok()?;
    let want = lo::LO_FLAGS_READ_ONLY as u32 | lo::LO_FLAGS_AUTOCLEAR as u32;
    let same = info.lo_inode == st.stx_ino
        && info.lo_device == encode_dev(st.stx_dev_major, st.stx_dev_minor)
        && info.lo_offset == 0
        && info.lo_sizelimit == 0
        && info.lo_flags & want == want;
    if same {
        Some(LoopDev { path, fd, nr: n })
    } else {
        None
    }
}

/// Attaches `pkg` read-only and auto-clearing to a free loop device.
/// LOOP_CONFIGURE (5.8+) does it atomically; before 5.8 (or with the test
/// switch) LOOP_SET_FD + LOOP_SET_STATUS64. EBUSY means another process got
/// the device between GET_FREE and our attach: take the next one.
pub fn attach_loop(pkg: Fd, name: &[u8], mut legacy: bool) -> R<LoopDev> {
    let ctl_path = cpath(b"/dev/loop-control").at(err::SYS, step::LOOP_CONTROL)?;
    let ctl = openat(AT_FDCWD, (&ctl_path).into(), g::O_RDWR | B, 0).at(err::NO_LOOP_DEVICE, step::LOOP_CONTROL)?;
    let mut info = loop_info64_zeroed();
    info.lo_flags = lo::LO_FLAGS_READ_ONLY as u32 | lo::LO_FLAGS_AUTOCLEAR as u32;
    for (d, &s) in info.lo_file_name.iter_mut().take(63).zip(name) {
        *d = s;
    }
    let mut last = Errno::EBUSY;
    for _ in 0..LOOP_TRIES {
        let n = ioctl_int(ctl.raw(), lo::LOOP_CTL_GET_FREE, 0).at(err::NO_LOOP_DEVICE, step::LOOP_GET_FREE)? as u32;
        let path = loop_path(n).at(err::SYS, step::LOOP_GET_FREE)?;
        let dev = match openat(AT_FDCWD, (&path).into(), g::O_RDONLY | B, 0) {
            Ok(d) => d,
            Err(e @ (Errno::ENOENT | Errno::ENXIO)) => {
                last = e;
                continue;
            }
            Err(e) => return Err(Fail { code: err::NO_LOOP_DEVICE, errno: e, step: step::LOOP_GET_FREE, index: 0 }),
        };
        if !legacy {
            match loop_configure(dev.raw(), pkg, &info) {
                Ok(()) => return Ok(LoopDev { path, fd: dev, nr: n }),
                Err(Errno::EBUSY) => {
                    last = Errno::EBUSY;
                    continue;
                }
                // Kernels before 5.8 do not know LOOP_CONFIGURE.
                Err(Errno::EINVAL | Errno::ENOTTY) => legacy = true,
                Err(e) => return Err(Fail { code: err::BUILD_ROCKER_FAILED, errno: e, step: step::LOOP_CONFIGURE, index: 0 }),
            }
        }
        match ioctl_int(dev.raw(), lo::LOOP_SET_FD, pkg as usize) {
            Ok(_) => {}
            Err(Errno::EBUSY) => {
                last = Errno::EBUSY;
                continue;
            }
            Err(e) => return Err(Fail { code: err::BUILD_ROCKER_FAILED, errno: e, step: step::LOOP_SET_FD, index: 0 }),
        }
        // READ_ONLY comes from the O_RDONLY fds; status sets AUTOCLEAR.
        if let Err(e) = loop_set_status64(dev.raw(), &info) {
            let _ = ioctl_int(dev.raw(), lo::LOOP_CLR_FD, 0);
            return Err(Fail { code: err::BUILD_ROCKER_FAILED, errno: e, step: step::LOOP_SET_STATUS, index: 0 });
        }
        return Ok(LoopDev { path, fd: dev, nr: n });
    }
    Err(Fail { code: err::NO_LOOP_DEVICE, errno: last, step: step::LOOP_GET_FREE, index: 0 })
}

/// The exec dir must be a directory. If it is missing and lies under an
/// overlaid dir, it is created there (so in the data dir, not on the host);
/// a missing exec dir elsewhere is refused rather than created on the host.
fn ensure_exec_dir(req: &RunReq) -> R<Path256> {
    let p = cpath(req.exec_dir).at(err::PATH_TOO_LONG, step::MKDIR_EXEC_DIR)?;
    match statx(AT_FDCWD, (&p).into(), 0, g::STATX_TYPE) {
        Ok(st) if st.stx_mode as u32 & g::S_IFMT == g::S_IFDIR => return Ok(p),
        Ok(_) => return Err(Fail { code: err::EXEC_DIR_INVALID, errno: Errno::ENOTDIR, step: step::MKDIR_EXEC_DIR, index: 0 }),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(Fail { code: err::EXEC_DIR_INVALID, errno: e, step: step::MKDIR_EXEC_DIR, index: 0 }),
    }
    if !req.overlays().iter().any(|o| rocker_proto::under(req.exec_dir, o)) {
        return Err(Fail { code: err::EXEC_DIR_INVALID, errno: Errno::ENOENT, step: step::MKDIR_EXEC_DIR, index: 0 });
    }
    let bytes = req.exec_dir;
    for (i, &c) in bytes.iter().enumerate().skip(1) {
        if c == b'/' {
            let part = cpath(&bytes[..i]).at(err::PATH_TOO_LONG, step::MKDIR_EXEC_DIR)?;
            mkdir_ok(AT_FDCWD, (&part).into(), 0o755).at(err::EXEC_DIR_INVALID, step::MKDIR_EXEC_DIR)?;
        }
    }
    mkdir_ok(AT_FDCWD, (&p).into(), 0o755).at(err::EXEC_DIR_INVALID, step::MKDIR_EXEC_DIR)?;
    Ok(p)
}

/// PID 1's life: reap every child, keep track of the Apps registered over
/// `ctl` (their pidfds become readable when they exit), and return once no
/// child, no App and no `ctl` peer is left.
fn init_loop(sfd: Fd, ctl: Fd) -> i32 {
    let mut apps = [-1i32; MAX_APPS];
    let mut ctl_open = true;
    loop {
        let has_children = reap_all();
        let live_apps = apps.iter().filter(|&&a| a >= 0).count();
        if !ctl_open && live_apps == 0 && !has_children {
            return 0;
        }
        let mut fds = [PollFd::default(); MAX_APPS + 2];
        fds[0] = PollFd { fd: sfd, events: POLLIN, revents: 0 };
        fds[1] = PollFd { fd: if ctl_open { ctl } else { -1 }, events: POLLIN, revents: 0 };
        for (slot, &a) in fds[2..].iter_mut().zip(apps.iter()) {
            *slot = PollFd { fd: a, events: POLLIN, revents: 0 };
        }
        if ppoll(&mut fds, None, None).is_err() {
            continue;
        }
        if fds[0].revents != 0 {
            while signalfd_read(sfd).is_ok() {}
        }
        if ctl_open && fds[1].revents != 0 {
            ctl_open = read_ctl(ctl, &mut apps);
        }
        for (i, f) in fds[2..].iter().enumerate() {
            if f.revents != 0 && apps[i] >= 0 {
                let _ = close_raw(apps[i]);
                apps[i] = -1;
            }
        }
    }
}

/// Reaps every zombie; true if children remain.
fn reap_all() -> bool {
    loop {
        match wait4(-1, WNOHANG) {
            Ok((0, _)) => return true,
            Ok(_) => continue,
            Err(Errno::EINTR) => continue,
            Err(_) => return false,
        }
    }
}

/// One message from `ctl`: a REGISTER with the App's pidfd. Returns false
/// once the peer has closed `ctl`.
fn read_ctl(ctl: Fd, apps: &mut [i32; MAX_APPS]) -> bool {
    let mut buf = [0u8; 64];
    match recvmsg(ctl, &mut buf, net::MSG_CMSG_CLOEXEC | net::MSG_DONTWAIT) {
        Ok((0, _, _)) => false,
        Ok((n, mut fds, _)) => {
            let ok = buf.get(..n).map_or(false, |m| rocker_proto::decode_register(m).is_ok());
            if ok && fds.len() == 1 {
                if let (Some(fd), Some(slot)) = (fds.take(0), apps.iter_mut().find(|a| **a < 0)) {
                    *slot = fd.into_raw();
                }
            }
            true
        }
        Err(Errno::EAGAIN | Errno::EINTR) => true,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn overlay_opts() {
        let o = overlay_options(b"/usr", 5, 6).unwrap();
        assert_eq!(o.as_bytes(), b"lowerdir=/usr,upperdir=/proc/self/fd/5,workdir=/proc/self/fd/6");
    }
    #[test]
    fn dev_encoding() {
        // makedev(7, 0) and a minor past 255, as the kernel encodes them.
        assert_eq!(encode_dev(7, 0), 0x700);
        assert_eq!(encode_dev(259, 0x1234), 0x121_0334);
    }
    #[test]
    fn fail_reply() {
        let f = Fail { code: err::NO_LOOP_DEVICE, errno: Errno::EBUSY, step: step::LOOP_GET_FREE, index: 0 };
        let r = f.reply();
        assert_eq!((r.err, r.sys_errno, r.step), (err::NO_LOOP_DEVICE, Errno::EBUSY.raw(), step::LOOP_GET_FREE));
    }
}
