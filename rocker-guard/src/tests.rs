//! The guard's plan and its execution on the recording fake: the exact
//! ordered calls for the seed's configuration, the pre-5.6/pre-5.8 paths,
//! and a failure injected at every call, each of which must release
//! everything acquired before it and name the right step and errno.
use crate::fake::Fake;
use crate::plan::{execute, plan, Step};
use rocker_proto::{encode_run_req, err, extend_run_req, step, RunReq, RUN_REQ_SIZE};
use rocker_spec::{Ns, Root, SandboxSpec};
use syscalls::Errno;

const PKG: i32 = 3;

fn req<'a>(overlays: &[&'a [u8]]) -> RunReq<'a> {
    let mut r = RunReq::EMPTY;
    r.uid = 1000;
    r.gid = 1000;
    r.pkg = b"/tmp/app.sqfs";
    r.exec_dir = b"/var/your_APP/execdir";
    r.data_dir = b"/var/your_APP/datadir";
    for (i, o) in overlays.iter().enumerate() {
        r.overlays[i] = o;
    }
    r.n_overlay = overlays.len();
    r.reply_max = 8192;
    // The core steps; the isolation steps have their own test.
    r.share = rocker_proto::SHARE_KNOWN;
    r
}

fn body(r: &RunReq) -> [u8; RUN_REQ_SIZE] {
    let mut b = [0u8; RUN_REQ_SIZE];
    encode_run_req(r, &mut b).unwrap();
    extend_run_req(&b).unwrap()
}

const SEED: [&[u8]; 5] = [b"/usr", b"/var", b"/etc", b"/home", b"/root"];

fn lines(f: &Fake) -> Vec<String> {
    f.calls.iter().filter(|l| !l.starts_with('#')).cloned().collect()
}

#[test]
fn plan_of_the_seed_configuration() {
    let b = body(&req(&SEED));
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let p = plan(&spec);
    let mut want = vec![Step::SetDumpable, Step::MakePrivate, Step::OpenDataDir];
    want.extend((0..5).map(Step::MakeLayer));
    want.extend((0..5).map(Step::MountOverlay));
    want.extend([Step::AttachLoop, Step::OpenExecDir, Step::MountSquashfs, Step::MountProc, Step::MaskPaths, Step::UnshareUser, Step::UsernsLimits]);
    assert_eq!(&p[..], &want[..]);
}

#[test]
fn exact_calls_with_one_overlay() {
    let b = body(&req(&[b"/var"]));
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    let done = execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    assert_eq!(done.loop_dev, 7);
    let want = [
        "prctl(PR_SET_DUMPABLE, 0)",
        "mount(none, \"/\", none, REC|PRIVATE, none)",
        "openat2(AT_FDCWD, \"/var/your_APP/datadir\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 100",
        "fstatfs(100)",
        "mkdirat(100, \"var\", 700)",
        "openat2(100, \"var\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS|BENEATH) = 101",
        "openat2(AT_FDCWD, \"/var\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 102",
        "fstat(102)",
        "close(102)",
        "mkdirat(101, \"upper\", 700)",
        "openat(101, \"upper\", DIRECTORY|NOFOLLOW) = 103",
        "fchown(103, 0, 0)",
        "fchmod(103, 755)",
        "mkdirat(101, \"work\", 700)",
        "openat(101, \"work\", PATH|DIRECTORY|NOFOLLOW) = 104",
        "close(101)",
        "mount(\"overlay\", \"/var\", \"overlay\", NOSUID|NODEV, \"lowerdir=/var,upperdir=/proc/self/fd/103,workdir=/proc/self/fd/104\")",
        "close(103)",
        "close(104)",
        "close(100)",
        "openat(AT_FDCWD, \"/dev/loop-control\", RDWR) = 105",
        "LOOP_CTL_GET_FREE(105)",
        "openat(AT_FDCWD, \"/dev/loop7\", RDONLY) = 106",
        "LOOP_CONFIGURE(106, 3, flags=0x5)",
        "close(105)",
        "openat2(AT_FDCWD, \"/var/your_APP/execdir\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 107",
        "mount(\"/dev/loop7\", \"/proc/self/fd/107\", \"squashfs\", RDONLY|NOSUID|NODEV, none)",
        "close(106)",
        "close(107)",
        "mount(\"proc\", \"/proc\", \"proc\", NOSUID|NODEV|NOEXEC, none)",
        "unshare(0x10000000)",
    ];
    // (MaskPaths and UsernsLimits: `masked_paths_and_userns_limits`.)
    assert_eq!(without_steps(&f, &[Step::MaskPaths, Step::UsernsLimits]), want);
    assert!(f.open.is_empty(), "fds left open: {:?}", f.open);
}

#[test]
fn isolation_steps_hostname_private_dev_and_tmp() {
    let mut r0 = req(&[b"/var"]);
    r0.share = 0;
    r0.hostname = b"box1";
    r0.devices[0] = b"/dev/ttyUSB0";
    r0.devices[1] = b"/dev/net/tun";
    r0.n_devices = 2;
    r0.device_ro = 2;
    let b = body(&r0);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let p = plan(&spec);
    let tail = &p[p.len() - 7..];
    assert_eq!(
        tail,
        [Step::MountSquashfs, Step::SetHostname, Step::MountDev, Step::MountProc, Step::MaskPaths, Step::UnshareUser, Step::UsernsLimits]
    );
    // The private /tmp comes before the package (an exec dir may be below it).
    let at = |s: Step| p.iter().position(|&x| x == s).unwrap();
    assert!(at(Step::MountOverlay(0)) < at(Step::MountTmp) && at(Step::MountTmp) < at(Step::AttachLoop));
    let mut f = Fake::new();
    execute(&mut f, &spec, &p, b"rg-test", PKG, None).unwrap();
    let l = lines(&f);
    let from = l.iter().position(|c| c.starts_with("sethostname")).unwrap();
    let until = l.iter().position(|c| c.starts_with("mount(\"proc\"")).unwrap();
    let want = [
        "sethostname(\"box1\")",
        "openat2(AT_FDCWD, \"/dev/null\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 108",
        "fstat(108)",
        "close(108)",
        "openat2(AT_FDCWD, \"/dev/zero\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 109",
        "fstat(109)",
        "close(109)",
        "openat2(AT_FDCWD, \"/dev/full\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 110",
        "fstat(110)",
        "close(110)",
        "openat2(AT_FDCWD, \"/dev/random\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 111",
        "fstat(111)",
        "close(111)",
        "openat2(AT_FDCWD, \"/dev/urandom\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 112",
        "fstat(112)",
        "close(112)",
        "openat2(AT_FDCWD, \"/dev/tty\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 113",
        "fstat(113)",
        "close(113)",
        "openat2(AT_FDCWD, \"/dev/ttyUSB0\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 114",
        "fstat(114)",
        "close(114)",
        "openat2(AT_FDCWD, \"/dev/net/tun\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 115",
        "fstat(115)",
        "close(115)",
        "openat2(AT_FDCWD, \"/dev\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 116",
        "mount(\"tmpfs\", \"/proc/self/fd/116\", \"tmpfs\", NOSUID|NOEXEC, \"mode=755,size=64k\")",
        "close(116)",
        "openat(AT_FDCWD, \"/dev\", PATH|DIRECTORY|NOFOLLOW) = 117",
        "mknodat(117, \"null\", 20666, 1:108)",
        "mknodat(117, \"zero\", 20666, 1:109)",
        "mknodat(117, \"full\", 20666, 1:110)",
        "mknodat(117, \"random\", 20666, 1:111)",
        "mknodat(117, \"urandom\", 20666, 1:112)",
        "mknodat(117, \"tty\", 20666, 1:113)",
        "mknodat(117, \"ttyUSB0\", 20666, 1:114)",
        "mkdirat(117, \"net\", 755)",
        "mknodat(117, \"net/tun\", 20444, 1:115)",
        "mkdirat(117, \"pts\", 755)",
        "mount(\"devpts\", \"/dev/pts\", \"devpts\", NOSUID|NOEXEC, \"newinstance,ptmxmode=0666,mode=0620\")",
        "symlinkat(\"pts/ptmx\", 117, \"ptmx\")",
        "mkdirat(117, \"shm\", 1777)",
        "mount(\"tmpfs\", \"/dev/shm\", \"tmpfs\", NOSUID|NODEV|NOEXEC, \"mode=1777,size=16384k\")",
        "mkdirat(117, \"mqueue\", 1777)",
        "mount(\"mqueue\", \"/dev/mqueue\", \"mqueue\", NOSUID|NODEV|NOEXEC, none)",
        "symlinkat(\"/proc/self/fd\", 117, \"fd\")",
        "symlinkat(\"/proc/self/fd/0\", 117, \"stdin\")",
        "symlinkat(\"/proc/self/fd/1\", 117, \"stdout\")",
        "symlinkat(\"/proc/self/fd/2\", 117, \"stderr\")",
        "close(117)",
    ];
    let strip = |v: &[String]| v.iter().map(|c| c.split(" = ").next().unwrap().replace(|c: char| c.is_ascii_digit(), "#")).collect::<Vec<_>>();
    assert_eq!(strip(&l[from..until]), strip(&want.iter().map(|s| s.to_string()).collect::<Vec<_>>()));
    let t = l.iter().position(|c| c.starts_with("openat2(AT_FDCWD, \"/tmp\"")).unwrap();
    assert!(l[t + 1].starts_with("mount(\"tmpfs\", \"/proc/self/fd/") && l[t + 1].ends_with("NOSUID|NODEV, \"mode=1777,size=16384k\")"), "{}", l[t + 1]);
    assert!(t < l.iter().position(|c| c.contains("loop-control")).unwrap());
    assert!(f.open.is_empty());
    // The hostname defaults to the sandbox's name.
    let mut r1 = req(&[b"/var"]);
    r1.share = rocker_proto::SHARE_DEV | rocker_proto::SHARE_TMP;
    let b = body(&r1);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    assert!(lines(&f).contains(&"sethostname(\"rg-test\")".to_string()));
    // A device that is not a device node is refused, naming its slot.
    let mut r2 = req(&[b"/var"]);
    r2.share = rocker_proto::SHARE_TMP;
    r2.devices[0] = b"/dev/null";
    r2.devices[1] = b"/dev/shm/x";
    r2.n_devices = 2;
    let b = body(&r2);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    f.missing.insert("nothing".into());
    let e = execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None);
    assert!(e.is_ok(), "the fake calls everything under /dev a device: {e:?}");
    // A standard device or one named twice is bound once, read-only if
    // any naming asks for it.
    let mut r3 = req(&[b"/var"]);
    r3.share = 0;
    r3.devices[0] = b"/dev/null";
    r3.devices[1] = b"/dev/ttyUSB0";
    r3.devices[2] = b"/dev/ttyUSB0";
    r3.n_devices = 3;
    r3.device_ro = 0b101;
    let b = body(&r3);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    let mut l = lines(&f);
    l.truncate(l.iter().position(|c| c.starts_with("mount(\"proc\"")).unwrap()); // /dev's part
    let count = |p: &str| l.iter().filter(|c| c.contains(p)).count();
    assert_eq!(count("openat2(AT_FDCWD, \"/dev/null\""), 1);
    assert_eq!(count("openat2(AT_FDCWD, \"/dev/ttyUSB0\""), 1);
    assert_eq!(count("mknodat("), 7, "{l:#?}");
    assert_eq!(count("\"null\", 20444,"), 1);
    assert_eq!(count("\"ttyUSB0\", 20444,"), 1);
}

#[test]
fn seed_configuration_order_and_no_leak() {
    let b = body(&req(&SEED));
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    let l = lines(&f);
    let first_overlay = l.iter().position(|c| c.starts_with("mount(\"overlay\"")).unwrap();
    let last_layer_open = l.iter().rposition(|c| c.contains("\"work\", PATH")).unwrap();
    let squash = l.iter().position(|c| c.contains("\"squashfs\"")).unwrap();
    let last_overlay = l.iter().rposition(|c| c.starts_with("mount(\"overlay\"")).unwrap();
    assert!(last_layer_open < first_overlay, "every layer is opened before the first overlay mount");
    assert!(last_overlay < squash, "the package goes on after the overlays");
    assert_eq!(l.iter().filter(|c| c.starts_with("mount(\"overlay\"")).count(), 5);
    // (A bind takes its source's flags; read-only binds get nosuid, nodev
    // and noexec with their remount or mount_setattr.)
    let bind = |c: &str| c.contains(", none, BIND, none)") || c.contains(", none, REC|BIND, none)");
    assert!(l.iter().filter(|c| c.starts_with("mount(")).all(|c| c.contains("NOSUID|NODEV") || c.contains("REC|PRIVATE") || bind(c)));
    // With the isolation steps too: every mount is nosuid, and nodev but
    // the private /dev (where only the guard makes nodes) and devpts.
    let mut r1 = req(&SEED);
    r1.share = 0;
    let b = body(&r1);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    for c in lines(&f).iter().filter(|c| c.starts_with("mount(")) {
        let dev = c.contains("mode=755,size=64k") || c.contains("devpts");
        let ok = c.contains("REC|PRIVATE") || (c.contains("NOSUID") && (c.contains("NODEV") || dev)) || bind(c);
        assert!(ok, "{c}");
    }
    assert!(l.iter().rposition(|c| c == "unshare(0x10000000)").unwrap() < l.iter().position(|c| c.starts_with("write_file")).unwrap());
    assert!(l.last().unwrap().starts_with("close("), "the /proc/sys fd last");
    assert_eq!(l.first().unwrap(), "prctl(PR_SET_DUMPABLE, 0)");
    assert!(f.open.is_empty(), "fds left open: {:?}", f.open);
}

#[test]
fn old_kernels_walk_components_and_attach_in_two_steps() {
    let b = body(&req(&[b"/var"]));
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    f.no_openat2 = true;
    f.no_loop_configure = true;
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    let l = lines(&f);
    // The data dir: "/" then one O_NOFOLLOW component at a time.
    let i = l.iter().position(|c| c.starts_with("openat(AT_FDCWD, \"/\"")).unwrap();
    assert!(l[i + 1].starts_with("openat(100, \"var\", PATH|DIRECTORY|NOFOLLOW) = 101"), "{:#?}", &l[i..]);
    assert_eq!(l[i + 2], "close(100)");
    assert!(l[i + 3].starts_with("openat(101, \"your_APP\", PATH|DIRECTORY|NOFOLLOW) = 102"));
    // openat2 is tried once only.
    assert_eq!(l.iter().filter(|c| c.starts_with("openat2")).count(), 1);
    // Pre-5.8: the claim goes to the master before LOOP_SET_FD.
    let claim = l.iter().position(|c| c == "notify(loop_claim 7)").unwrap();
    let set_fd = l.iter().position(|c| c.starts_with("LOOP_SET_FD(")).unwrap();
    let status = l.iter().position(|c| c.starts_with("LOOP_SET_STATUS64(")).unwrap();
    assert!(claim < set_fd && set_fd < status);
    assert!(f.open.is_empty() && f.attached_no_autoclear.is_empty());
}

#[test]
fn a_missing_exec_dir_is_created_fd_relative_under_its_overlay() {
    let b = body(&req(&[b"/var"]));
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    f.missing.insert("/var/your_APP/execdir".into());
    f.missing.insert("/var/your_APP".into());
    f.missing.insert("/var/your_APP/".into());
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    let l = lines(&f);
    let i = l.iter().position(|c| c.starts_with("openat2(AT_FDCWD, \"/var/your_APP/execdir\"")).unwrap();
    let tail: Vec<&str> = l[i..].iter().map(|s| s.as_str()).take(8).collect();
    assert_eq!(
        tail,
        [
            "openat2(AT_FDCWD, \"/var/your_APP/execdir\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = ENOENT",
            "openat2(AT_FDCWD, \"/var\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 107",
            "openat(107, \"your_APP\", PATH|DIRECTORY|NOFOLLOW) = ENOENT",
            "mkdirat(107, \"your_APP\", 755)",
            "openat(107, \"your_APP\", PATH|DIRECTORY|NOFOLLOW) = 108",
            "close(107)",
            "openat(108, \"execdir\", PATH|DIRECTORY|NOFOLLOW) = ENOENT",
            "mkdirat(108, \"execdir\", 755)",
        ]
    );
    assert!(f.open.is_empty());
}

#[test]
fn an_exec_dir_below_the_private_tmp_is_made_in_it() {
    // OpenWrt's /var -> /tmp: the seed's exec dir becomes /tmp/your_APP/execdir.
    let mut r0 = req(&[b"/usr"]);
    r0.share = 0;
    r0.exec_dir = b"/tmp/your_APP/execdir";
    let b = body(&r0);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    f.missing.insert("/tmp/your_APP/execdir".into());
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    let l = lines(&f);
    let tmp = l.iter().position(|c| c.starts_with("mount(\"tmpfs\"") && c.contains("size=16384k") && !c.contains("/dev/shm")).unwrap();
    let made = l.iter().position(|c| c.starts_with("mkdirat(") && c.contains("\"execdir\"")).unwrap();
    let squash = l.iter().position(|c| c.contains("\"squashfs\"")).unwrap();
    assert!(tmp < made && made < squash, "{l:#?}");
    assert!(f.open.is_empty());
    // Shared /tmp: the host's, where nothing is made.
    let mut r1 = req(&[b"/usr"]);
    r1.exec_dir = b"/tmp/your_APP/execdir";
    let b = body(&r1);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    f.missing.insert("/tmp/your_APP/execdir".into());
    let e = execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap_err();
    assert_eq!((e.code(), e.errno()), (rocker_proto::err::EXEC_DIR_INVALID, Errno::ENOENT));
}

#[test]
fn an_exec_dir_outside_the_overlays_is_never_created() {
    let mut r0 = req(&[b"/usr"]);
    r0.exec_dir = b"/opt/app";
    let b = body(&r0);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    f.missing.insert("/opt/app".into());
    let e = execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap_err();
    assert_eq!((e.code(), e.errno(), e.step()), (err::EXEC_DIR_INVALID, Errno::ENOENT, step::MKDIR_EXEC_DIR));
    assert!(!lines(&f).iter().any(|c| c.starts_with("mkdirat") && c.contains("app")));
    assert!(f.open.is_empty());
}

#[test]
fn an_existing_upper_dir_is_not_chowned() {
    let b = body(&req(&[b"/var"]));
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    f.all_exist = true;
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    let l = lines(&f);
    assert!(!l.iter().any(|c| c.starts_with("fchown") || c.starts_with("fchmod")));
    assert!(l.iter().any(|c| c.starts_with("openat(101, \"upper\", PATH|DIRECTORY|NOFOLLOW)")));
}

#[test]
fn package_sharing_uses_a_verified_loop_device() {
    let b = body(&req(&[b"/var"]));
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    let d = execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, Some(9)).unwrap();
    assert_eq!(d.loop_dev, 9);
    let l = lines(&f);
    assert!(l.iter().any(|c| c.starts_with("LOOP_GET_STATUS64(")));
    assert!(!l.iter().any(|c| c.starts_with("LOOP_CONFIGURE") || c.contains("loop-control")));
    assert!(l.iter().any(|c| c.starts_with("mount(\"/dev/loop9\"")));
    assert!(f.open.is_empty());
}

#[test]
fn test_stall_stops_after_the_named_step() {
    let mut r0 = req(&[b"/var"]);
    r0.test_stall = u32::from(step::MOUNT_OVERLAY);
    let b = body(&r0);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    let l = lines(&f);
    let st = l.iter().position(|c| c == "stall").unwrap();
    assert!(l[st - 1].starts_with("close(100)") && l[st - 4].starts_with("mount(\"overlay\""), "{:#?}", l);
}

/// The calls from `/proc`'s mount to the end, in the one-overlay setup.
fn tail_after_proc(f: &Fake) -> Vec<String> {
    let l = lines(f);
    let at = l.iter().position(|c| c.starts_with("mount(\"proc\"")).unwrap();
    l[at + 1..].to_vec()
}

#[test]
fn masked_paths_and_userns_limits() {
    let b = body(&req(&[b"/var"]));
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    assert_eq!((spec.masked, spec.readonly), (&rocker_spec::MASKED[..], &rocker_spec::READONLY[..]));
    let run = |configure: &dyn Fn(&mut Fake)| {
        let mut f = Fake::new();
        // The masked files are files (the fake's default is a dir).
        f.files.extend(["/proc/kcore", "/proc/keys", "/proc/sysrq-trigger"].map(String::from));
        configure(&mut f);
        execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
        assert!(f.open.is_empty(), "fds left open: {:?}", f.open);
        tail_after_proc(&f)
    };
    let l = run(&|_| {});
    let pos = |p: &str| l.iter().position(|c| c.starts_with(p)).unwrap_or_else(|| panic!("no {p} in {l:#?}"));
    // /proc/sys opened first, while it is writable; /dev/null next.
    assert_eq!(l[0], "openat(AT_FDCWD, \"/proc/sys\", PATH|DIRECTORY|NOFOLLOW) = 108");
    assert_eq!(l[1], "openat2(AT_FDCWD, \"/dev/null\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 109");
    // Every masked path opened with no symlink on its path; a file gets
    // /dev/null bound on it; the first dir an empty read-only tmpfs (opened
    // again: the new mount's root), every later dir a bind of that one (one
    // superblock per sandbox).
    let mut empty: Option<String> = None;
    for p in rocker_spec::MASKED {
        let p = std::str::from_utf8(p).unwrap();
        let i = pos(&format!("openat2(AT_FDCWD, \"{p}\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = "));
        let fd = l[i].rsplit(' ').next().unwrap();
        assert_eq!(l[i + 1], format!("fstat({fd})"));
        let file = ["/proc/kcore", "/proc/keys", "/proc/sysrq-trigger"].contains(&p);
        let mut close = i + 3;
        let want = match (file, &empty) {
            (true, _) => format!("mount(\"/proc/self/fd/109\", \"/proc/self/fd/{fd}\", none, BIND, none)"),
            (false, Some(e)) => format!("mount(\"/proc/self/fd/{e}\", \"/proc/self/fd/{fd}\", none, BIND, none)"),
            (false, None) => {
                let o = format!("openat2(AT_FDCWD, \"{p}\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = ");
                assert!(l[i + 3].starts_with(&o), "{:#?}", &l[i..]);
                empty = Some(l[i + 3].rsplit(' ').next().unwrap().to_string());
                close += 1;
                format!("mount(\"tmpfs\", \"/proc/self/fd/{fd}\", \"tmpfs\", RDONLY|NOSUID|NODEV|NOEXEC, \"size=0,mode=555\")")
            }
        };
        assert_eq!(l[i + 2], want, "{p}");
        assert_eq!(l[close], format!("close({fd})"));
    }
    assert_eq!(l.iter().filter(|c| c.starts_with("mount(\"tmpfs\"")).count(), 1);
    // Read-only, with the submounts (/sys's cgroups): bound on itself, then
    // mount_setattr(AT_RECURSIVE, RDONLY|NOSUID|NODEV) on the new bind.
    for p in rocker_spec::READONLY {
        let p = std::str::from_utf8(p).unwrap();
        let i = pos(&format!("openat2(AT_FDCWD, \"{p}\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = "));
        let fd: i32 = l[i].rsplit(' ').next().unwrap().parse().unwrap();
        assert_eq!(l[i + 2], format!("mount(\"/proc/self/fd/{fd}\", \"/proc/self/fd/{fd}\", none, REC|BIND, none)"));
        assert_eq!(l[i + 4], format!("mount_setattr(\"/proc/self/fd/{}\", 0x8000, 0x7)", fd + 1), "{p}");
    }
    // The masks before the read-only /sys; all of it before the user
    // namespace; the limits after it, through fd 108, which goes last.
    assert!(pos("openat2(AT_FDCWD, \"/sys/firmware\", ") < pos("openat2(AT_FDCWD, \"/sys\", "));
    let u = pos("unshare(0x10000000)");
    assert!(!l[..u].iter().any(|c| c.starts_with("write_file")));
    let limits: Vec<String> = ["user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"]
        .iter()
        .map(|n| format!("write_file(108, \"user/max_{n}_namespaces\", \"0\")"))
        .chain(["close(108)".to_string()])
        .collect();
    assert_eq!(&l[u + 1..], &limits[..]);
    // Before 5.12: a remount of the top of each tree instead.
    let l = run(&|f| f.no_mount_setattr = true);
    let remounts: Vec<&String> = l.iter().filter(|c| c.contains("REMOUNT")).collect();
    assert_eq!(remounts.len(), rocker_spec::READONLY.len());
    assert!(remounts.iter().all(|c| c.ends_with(", none, RDONLY|NOSUID|NODEV|BIND|REMOUNT, none)")), "{remounts:#?}");
    assert!(l.iter().filter(|c| c.starts_with("mount_setattr(")).all(|c| c.ends_with(" = ENOSYS")));
    // What a kernel does not have is skipped: a masked file, a masked dir,
    // a read-only tree, a limit (no time namespaces before 5.6).
    let l = run(&|f| {
        f.missing.extend(["/proc/timer_stats", "/proc/asound", "/proc/bus", "/proc/sys/user/max_time_namespaces"].map(String::from))
    });
    for c in ["\"/proc/timer_stats\", PATH", "\"/proc/asound\", PATH", "\"/proc/bus\", PATH", "max_time_namespaces"] {
        let m: Vec<&String> = l.iter().filter(|l| l.contains(c)).collect();
        assert!(m.len() == 1 && m[0].ends_with(" = ENOENT"), "{c}: {m:?}");
    }
    assert_eq!(l.last().unwrap(), "close(108)");
    // No sysctl at all: nothing to make read-only there, no limit to write.
    let l = run(&|f| f.missing.extend(["/proc/sys", "/proc/sys/"].map(String::from)));
    assert_eq!(l[0], "openat(AT_FDCWD, \"/proc/sys\", PATH|DIRECTORY|NOFOLLOW) = ENOENT");
    assert!(!l.iter().any(|c| c.starts_with("write_file")));
    assert_eq!(l.last().unwrap(), "openat(AT_FDCWD, \"/proc/sys\", PATH|DIRECTORY|NOFOLLOW) = ENOENT");
    // A failure is the step's: /dev/null missing is an error, not a skip.
    let mut f = Fake::new();
    f.missing.insert("/dev/null".into());
    let e = execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap_err();
    assert_eq!((e.code(), e.errno(), e.step()), (err::BUILD_ROCKER_FAILED, Errno::ENOENT, step::MASK_PATHS));
    assert!(f.open.is_empty(), "the /proc/sys fd is released: {:?}", f.open);
    // Nothing to mask (an OCI config without lists): no step; the limits
    // open /proc/sys themselves.
    let mut bare = spec;
    bare.masked = &[];
    bare.readonly = &[];
    assert!(!plan(&bare).contains(&Step::MaskPaths));
    let mut f = Fake::new();
    execute(&mut f, &bare, &plan(&bare), b"rg-test", PKG, None).unwrap();
    let l = tail_after_proc(&f);
    assert_eq!((l[0].as_str(), l[1].as_str()), ("unshare(0x10000000)", "openat(AT_FDCWD, \"/proc/sys\", PATH|DIRECTORY|NOFOLLOW) = 108"));
    assert!(f.open.is_empty());
}

/// The step a failing call must report.
fn expected_step(s: Step, line: &str) -> u16 {
    match s {
        Step::AttachLoop if line.contains("loop-control") => step::LOOP_CONTROL,
        Step::AttachLoop if line.starts_with("LOOP_CONFIGURE") => step::LOOP_CONFIGURE,
        Step::AttachLoop if line.starts_with("LOOP_SET_FD") => step::LOOP_SET_FD,
        Step::AttachLoop if line.starts_with("LOOP_SET_STATUS") => step::LOOP_SET_STATUS,
        Step::AttachLoop if line.starts_with("notify") => step::LOOP_CLAIM,
        s => s.code(),
    }
}

#[allow(clippy::needless_range_loop)]
fn fail_everywhere(configure: impl Fn(&mut Fake), overlays: &[&[u8]], legacy: bool) -> usize {
    fail_everywhere_with(configure, overlays, legacy, |_| {})
}

fn fail_everywhere_with<'a>(configure: impl Fn(&mut Fake), overlays: &[&'a [u8]], legacy: bool, tweak: impl Fn(&mut RunReq<'a>)) -> usize {
    let mut r0 = req(overlays);
    if legacy {
        r0.run_flags = rocker_proto::RUN_LEGACY_LOOP;
    }
    tweak(&mut r0);
    let b = body(&r0);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    fail_everywhere_spec(configure, &spec)
}

/// A failure injected at each counted call of `spec`'s setup: it must be
/// reported with its errno and step (and slot), release every fd, leave no
/// loop device without auto-clear, and nothing but releases may follow it.
#[allow(clippy::needless_range_loop)]
fn fail_everywhere_spec(configure: impl Fn(&mut Fake), spec: &SandboxSpec) -> usize {
    let mut full = Fake::new();
    configure(&mut full);
    execute(&mut full, spec, &plan(spec), b"rg-test", PKG, None).unwrap();
    let counted: Vec<String> = full.calls.iter().filter(|l| !l.starts_with('#') && !l.starts_with("close(") && !l.starts_with("LOOP_CLR_FD")).cloned().collect();
    assert_eq!(counted.len(), full.n);
    for k in 0..full.n {
        let mut f = Fake::new();
        configure(&mut f);
        f.fail_at = Some((k, Errno::EIO));
        let e = execute(&mut f, spec, &plan(spec), b"rg-test", PKG, None).unwrap_err();
        let s = full.steps[k].unwrap();
        assert_eq!(e.errno(), Errno::EIO, "call {k} ({}) failed with {:?}", counted[k], e);
        assert_eq!(e.step(), expected_step(s, &counted[k]), "call {k}: {} in {s:?} reported {}", counted[k], rocker_proto::step_name(e.step()));
        assert_ne!(e.code(), err::SUCCESS);
        if let Step::MakeLayer(i) | Step::MountOverlay(i) = s {
            assert_eq!(usize::from(e.slot()), usize::from(i), "call {k}: overlay slot");
        }
        if let Step::OpenBinds | Step::MountBinds = s {
            assert!(usize::from(e.slot()) < spec.binds.len(), "call {k}: bind slot");
        }
        assert!(f.open.is_empty(), "call {k} ({}): fds left open {:?}\n{:#?}", counted[k], f.open, f.calls);
        assert!(f.attached_no_autoclear.is_empty(), "call {k}: a loop device left without auto-clear\n{:#?}", f.calls);
        // Nothing runs after the failing call but releases.
        let at = f.calls.iter().position(|c| c.ends_with("= EIO")).unwrap();
        assert!(f.calls[at + 1..].iter().all(|c| c.starts_with("close(") || c.starts_with("LOOP_CLR_FD")), "call {k}: {:#?}", &f.calls[at..]);
    }
    full.n
}

#[test]
fn a_failure_at_every_call_releases_everything() {
    let n = fail_everywhere(|_| {}, &SEED, false);
    let m = fail_everywhere(|f| f.no_openat2 = true, &SEED, false);
    let o = fail_everywhere(|_| {}, &[b"/var"], true);
    let p = fail_everywhere(|f| f.missing.extend(["/var/your_APP/execdir".to_string(), "/var/your_APP".to_string()]), &[b"/var", b"/usr"], false);
    let q = fail_everywhere_with(|_| {}, &[b"/var"], false, |r| {
        r.share = 0;
        r.devices[0] = b"/dev/ttyUSB0";
        r.n_devices = 1;
        r.device_ro = 1;
    });
    let m2 = fail_everywhere(|f| f.no_mount_setattr = true, &[b"/var"], false);
    println!("failure injected at each of {n} + {m} + {o} + {p} + {q} + {m2} calls");
    assert!(n > 60 && m > n && o > 20 && q > 60);
}

// ------------------------------------------------------------- root mode

fn root_req<'a>(flags: u32) -> RunReq<'a> {
    let mut r = RunReq::EMPTY;
    r.uid = 1000;
    r.gid = 1000;
    r.pkg = b"/srv/tree.sqfs";
    r.data_dir = b"/srv/data";
    r.reply_max = 8192;
    r.root = rocker_proto::ROOT_PKG;
    r.root_flags = flags;
    r
}

fn run_root(r0: &RunReq, configure: impl Fn(&mut Fake)) -> (Vec<String>, Fake) {
    let b = body(r0);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    configure(&mut f);
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    (lines(&f), f)
}

fn root_spec<'a>(r: &'a RunReq<'a>) -> SandboxSpec<'a> {
    SandboxSpec::from_run(r).unwrap()
}

#[test]
fn root_mode_plans() {
    let b = body(&root_req(0));
    let r = RunReq::decode(&b).unwrap();
    let spec = root_spec(&r);
    use Step::*;
    assert_eq!(
        &plan(&spec)[..],
        [
            SetDumpable, MakePrivate, DevNodes, OpenDataDir, AttachLoop, StageRoot, MountSquashfs, RootLayer, MountRoot, SetHostname, MountTmp,
            PivotRoot, MountProc, MountDev, MountSys, MaskPaths, UnshareUser, UsernsLimits
        ]
    );
    // Read-only, the host's /tmp and UTS, binds: no data dir, no layer.
    let mut r0 = root_req(rocker_proto::ROOT_RO);
    r0.share = rocker_proto::SHARE_TMP | rocker_proto::SHARE_UTS;
    r0.binds[0] = rocker_proto::Bind { src: b"/srv/in", dst: b"" };
    r0.n_binds = 1;
    let b = body(&r0);
    let r = RunReq::decode(&b).unwrap();
    let spec = root_spec(&r);
    assert_eq!(
        &plan(&spec)[..],
        [
            SetDumpable, MakePrivate, OpenBinds, DevNodes, AttachLoop, StageRoot, MountSquashfs, MountRoot, MountBinds, PivotRoot, MountProc, MountDev, MountSys,
            MaskPaths, UnshareUser, UsernsLimits
        ]
    );
    // A host dir: no loop device, no squashfs.
    let mut spec = root_spec(&r);
    spec.root = Root::Dir { path: b"/srv/bundle/rootfs", read_only: false, no_pivot: false };
    assert_eq!(
        &plan(&spec)[..],
        [
            SetDumpable, MakePrivate, OpenBinds, DevNodes, OpenDataDir, StageRoot, RootLayer, MountRoot, MountBinds, PivotRoot, MountProc, MountDev, MountSys,
            MaskPaths, UnshareUser, UsernsLimits
        ]
    );
}

/// The calls (as `lines`) but those made in `steps`.
fn without_steps(f: &Fake, steps: &[Step]) -> Vec<String> {
    let names: Vec<String> = steps.iter().map(|s| format!("# {s:?}")).collect();
    let mut skip = false;
    let mut out = Vec::new();
    for c in &f.calls {
        if c.starts_with("# ") {
            skip = names.contains(c);
        } else if !skip {
            out.push(c.clone());
        }
    }
    out
}

/// The calls but the private /dev's device nodes (lookups, mknod, links).
fn no_nodes(l: &[String]) -> Vec<String> {
    let mut fds = Vec::new();
    let mut out = Vec::new();
    for c in l {
        let node = ["null", "zero", "full", "random", "urandom", "tty"].iter().any(|d| c.contains(&format!("\"/dev/{d}\"")));
        if node {
            fds.push(c.rsplit(' ').next().unwrap().to_string());
            continue;
        }
        if fds.iter().any(|fd| c == &format!("fstat({fd})") || c == &format!("close({fd})")) || (c.starts_with("mknodat(") && c.contains(", 20")) || c.starts_with("symlinkat(") {
            continue;
        }
        out.push(c.clone());
    }
    out
}

#[test]
fn root_mode_exact_calls_with_an_overlay() {
    let mut r0 = root_req(0);
    r0.share = rocker_proto::SHARE_UTS;
    let (l, f) = run_root(&r0, |_| {});
    // Masks and limits (their own test), here: inside the new root, after
    // its /proc, /dev and /sys.
    let sysfs = l.iter().position(|c| c.starts_with("mount(\"sysfs\"")).unwrap();
    let kcore = l.iter().position(|c| c.contains("\"/proc/kcore\", PATH")).unwrap();
    let unshare = l.iter().position(|c| c == "unshare(0x10000000)").unwrap();
    assert!(sysfs < kcore && kcore < unshare && l.last().unwrap().starts_with("close("), "{l:#?}");
    assert!(!l.iter().any(|c| c.starts_with("openat2(AT_FDCWD, \"/sys\", PATH|NOFOLLOW,")), "its sysfs is read-only already");
    let l = without_steps(&f, &[Step::MaskPaths, Step::UsernsLimits]);
    // The host's device nodes: looked up first, while the host's /dev is there.
    assert!(l[2].starts_with("openat2(AT_FDCWD, \"/dev/null\"") && l[19] == "close(105)", "{l:#?}");
    let want = [
        "prctl(PR_SET_DUMPABLE, 0)",
        "mount(none, \"/\", none, REC|PRIVATE, none)",
        "openat2(AT_FDCWD, \"/srv/data\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 106",
        "fstatfs(106)",
        "openat(AT_FDCWD, \"/dev/loop-control\", RDWR) = 107",
        "LOOP_CTL_GET_FREE(107)",
        "openat(AT_FDCWD, \"/dev/loop7\", RDONLY) = 108",
        "LOOP_CONFIGURE(108, 3, flags=0x5)",
        "close(107)",
        // The tree, on /tmp in this mount namespace only.
        "openat2(AT_FDCWD, \"/tmp\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 109",
        "mount(\"/dev/loop7\", \"/proc/self/fd/109\", \"squashfs\", RDONLY|NOSUID|NODEV, none)",
        "close(108)",
        "close(109)",
        // The layer; a new upper takes the tree root's owner and mode.
        "openat2(AT_FDCWD, \"/tmp\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 110",
        "fstat(110)",
        "mkdirat(106, \"rootfs\", 700)",
        "openat2(106, \"rootfs\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS|BENEATH) = 111",
        "mkdirat(111, \"upper\", 700)",
        "openat(111, \"upper\", DIRECTORY|NOFOLLOW) = 112",
        "fchown(112, 0, 0)",
        "fchmod(112, 755)",
        "mkdirat(111, \"work\", 700)",
        "openat(111, \"work\", PATH|DIRECTORY|NOFOLLOW) = 113",
        "close(111)",
        // The overlay stacked on the tree; the new root is the top of /tmp.
        "mount(\"overlay\", \"/proc/self/fd/110\", \"overlay\", NOSUID|NODEV, \"lowerdir=/proc/self/fd/110,upperdir=/proc/self/fd/112,workdir=/proc/self/fd/113\")",
        "close(110)",
        "close(112)",
        "close(113)",
        "close(106)",
        "openat2(AT_FDCWD, \"/tmp\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 114",
        // Its /tmp, relative to it, before the switch.
        "openat2(114, \"tmp\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS|BENEATH) = 115",
        "mount(\"tmpfs\", \"/proc/self/fd/115\", \"tmpfs\", NOSUID|NODEV, \"mode=1777,size=16384k\")",
        "close(115)",
        // The switch: the old root and every host mount go.
        "fchdir(114)",
        "close(114)",
        "pivot_root(\".\", \".\")",
        "umount2(\".\", DETACH)",
        "chdir(\"/\")",
        // Inside the new root, by path.
        "mount(\"proc\", \"/proc\", \"proc\", NOSUID|NODEV|NOEXEC, none)",
        "openat2(AT_FDCWD, \"/dev\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 116",
        "mount(\"tmpfs\", \"/proc/self/fd/116\", \"tmpfs\", NOSUID|NOEXEC, \"mode=755,size=64k\")",
        "close(116)",
        "openat(AT_FDCWD, \"/dev\", PATH|DIRECTORY|NOFOLLOW) = 117",
        "mkdirat(117, \"pts\", 755)",
        "mount(\"devpts\", \"/dev/pts\", \"devpts\", NOSUID|NOEXEC, \"newinstance,ptmxmode=0666,mode=0620\")",
        "mkdirat(117, \"shm\", 1777)",
        "mount(\"tmpfs\", \"/dev/shm\", \"tmpfs\", NOSUID|NODEV|NOEXEC, \"mode=1777,size=16384k\")",
        "mkdirat(117, \"mqueue\", 1777)",
        "mount(\"mqueue\", \"/dev/mqueue\", \"mqueue\", NOSUID|NODEV|NOEXEC, none)",
        "close(117)",
        "openat2(AT_FDCWD, \"/sys\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 118",
        "mount(\"sysfs\", \"/proc/self/fd/118\", \"sysfs\", RDONLY|NOSUID|NODEV|NOEXEC, none)",
        "close(118)",
        "unshare(0x10000000)",
    ];
    assert_eq!(no_nodes(&l), want);
    assert_eq!(l.iter().filter(|c| c.starts_with("mknodat(117, ")).count(), 6);
    assert!(f.open.is_empty(), "fds left open: {:?}", f.open);
}

#[test]
fn root_mode_read_only_has_no_layer_and_no_data_dir() {
    let mut r0 = root_req(rocker_proto::ROOT_RO);
    r0.share = rocker_proto::SHARE_KNOWN & !rocker_proto::SHARE_DEV;
    let (l, f) = run_root(&r0, |_| {});
    let l = no_nodes(&l);
    let from = l.iter().position(|c| c.contains("\"/tmp\"")).unwrap();
    assert_eq!(
        &l[from..from + 10],
        [
            "openat2(AT_FDCWD, \"/tmp\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 108",
            "mount(\"/dev/loop7\", \"/proc/self/fd/108\", \"squashfs\", RDONLY|NOSUID|NODEV, none)",
            "close(107)",
            "close(108)",
            // No overlay: the squashfs itself is the new root.
            "openat2(AT_FDCWD, \"/tmp\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 109",
            "fchdir(109)",
            "close(109)",
            "pivot_root(\".\", \".\")",
            "umount2(\".\", DETACH)",
            "chdir(\"/\")",
        ]
    );
    assert!(!l.iter().any(|c| c.contains("/srv/data") || c.contains("overlay") || c.contains("rootfs")), "{l:#?}");
    // The host's /tmp: no tmpfs on the tree's own.
    assert!(!l.iter().any(|c| c.contains("size=16384k") && !c.contains("/dev/shm")));
    assert!(f.open.is_empty());
}

/// The switch on a host whose root is the initramfs (pivot_root: EINVAL),
/// and when asked (no_pivot): the host's /proc and /sys go, the new root
/// is moved onto / and chrooted into.
const NO_PIVOT: [&str; 6] = [
    "umount2(\"/proc\", DETACH)",
    "umount2(\"/sys\", DETACH)",
    "mount(\".\", \"/\", none, MOVE, none)",
    "chroot(\".\")",
    "chdir(\"/\")",
    "mount(\"proc\", \"/proc\", \"proc\", NOSUID|NODEV|NOEXEC, none)",
];

#[test]
fn root_mode_falls_back_to_move_and_chroot() {
    let mut r0 = root_req(0);
    r0.share = rocker_proto::SHARE_UTS | rocker_proto::SHARE_TMP;
    let (l, f) = run_root(&r0, |f| f.pivot_einval = true);
    let i = l.iter().position(|c| c.starts_with("pivot_root")).unwrap();
    assert_eq!(&l[i - 2..=i], ["fchdir(114)", "close(114)", "pivot_root(\".\", \".\") = EINVAL"]);
    assert_eq!(&l[i + 1..i + 7], NO_PIVOT);
    assert!(!l.iter().any(|c| c.starts_with("umount2(\".\"")));
    assert!(f.open.is_empty());
    // Forced: pivot_root is not even tried.
    let mut r0 = root_req(rocker_proto::ROOT_NO_PIVOT);
    r0.share = rocker_proto::SHARE_UTS | rocker_proto::SHARE_TMP;
    let (l, f) = run_root(&r0, |_| {});
    let i = l.iter().position(|c| c.starts_with("umount2(")).unwrap();
    assert_eq!(&l[i - 2..i], ["fchdir(114)", "close(114)"]);
    assert_eq!(&l[i..i + 6], NO_PIVOT);
    assert!(!l.iter().any(|c| c.starts_with("pivot_root")));
    assert!(f.open.is_empty());
    // /sys not mounted on the host (EINVAL): fine.
    let b = body(&r0);
    let r = RunReq::decode(&b).unwrap();
    let spec = root_spec(&r);
    let mut g = Fake::new();
    execute(&mut g, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    let at = g.calls.iter().filter(|c| !c.starts_with('#') && !c.starts_with("close(")).position(|c| c.starts_with("umount2(\"/sys\"")).unwrap();
    let mut f = Fake::new();
    f.fail_at = Some((at, Errno::EINVAL));
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
}

#[test]
fn root_mode_binds_never_follow_a_symlink() {
    let mut r0 = root_req(0);
    r0.share = rocker_proto::SHARE_KNOWN & !rocker_proto::SHARE_DEV;
    r0.binds[0] = rocker_proto::Bind { src: b"/srv/in", dst: b"/data/in" };
    r0.binds[1] = rocker_proto::Bind { src: b"/srv/conf", dst: b"/etc/app.conf" };
    r0.n_binds = 2;
    r0.bind_rw = 1;
    let files = |f: &mut Fake| {
        f.files.insert("/srv/conf".into());
        f.missing.insert("/tmp/data".into());
    };
    let (l, f) = run_root(&r0, files);
    // The host sides first, before any mount.
    assert_eq!(
        &l[2..6],
        [
            "openat2(AT_FDCWD, \"/srv/in\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 100",
            "fstat(100)",
            "openat2(AT_FDCWD, \"/srv/conf\", PATH|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 101",
            "fstat(101)",
        ]
    );
    let l = no_nodes(&l);
    let from = l.iter().position(|c| c.starts_with("openat(116, \".\"")).unwrap();
    let want = [
        // Relative to the new root (116), before the switch: a bind's
        // source must still be in the namespace.
        "openat(116, \".\", PATH|DIRECTORY|NOFOLLOW) = 117",
        // /data is missing in the tree: made, fd-relative, one component at a time.
        "openat(117, \"data\", PATH|DIRECTORY|NOFOLLOW) = ENOENT",
        "mkdirat(117, \"data\", 755)",
        "openat(117, \"data\", PATH|DIRECTORY|NOFOLLOW) = 118",
        "close(117)",
        // the target itself: made (EEXIST when there), never a symlink
        "mkdirat(118, \"in\", 755)",
        "openat(118, \"in\", PATH|NOFOLLOW) = 119",
        "fstat(119)",
        "mount(\"/proc/self/fd/100\", \"/proc/self/fd/119\", none, BIND, none)",
        "close(119)",
        // read-write (bit 0); the remount reaches the bind by name
        "openat(118, \"in\", PATH|NOFOLLOW) = 120",
        "mount(none, \"/proc/self/fd/120\", none, NOSUID|NODEV|BIND|REMOUNT, none)",
        "close(120)",
        "close(118)",
        // A file: an empty file is made for it; read-only.
        "openat(116, \".\", PATH|DIRECTORY|NOFOLLOW) = 121",
        "openat(121, \"etc\", PATH|DIRECTORY|NOFOLLOW) = 122",
        "close(121)",
        "mknodat(122, \"app.conf\", 100644, 0:0)",
        "openat(122, \"app.conf\", PATH|NOFOLLOW) = 123",
        "fstat(123)",
        "mount(\"/proc/self/fd/101\", \"/proc/self/fd/123\", none, BIND, none)",
        "close(123)",
        "openat(122, \"app.conf\", PATH|NOFOLLOW) = 124",
        "mount(none, \"/proc/self/fd/124\", none, RDONLY|NOSUID|NODEV|BIND|REMOUNT, none)",
        "close(124)",
        "close(122)",
        "close(100)",
        "close(101)",
        "fchdir(116)",
    ];
    assert_eq!(&l[from..from + want.len()], &want[..]);
    assert!(f.open.is_empty());
    let b = body(&r0);
    let r = RunReq::decode(&b).unwrap();
    let spec = root_spec(&r);
    // A symlink as the host side's last component: ELOOP, slot named.
    let mut f = Fake::new();
    f.links.insert("/srv/conf".into());
    let e = execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap_err();
    assert_eq!((e.code(), e.errno(), e.step(), e.slot()), (err::BIND_INVALID, Errno::ELOOP, step::MOUNT_BINDS, 1));
    assert!(f.open.is_empty());
    // A symlink in the tree where the file bind goes: refused, not followed.
    let mut f = Fake::new();
    f.files.insert("/srv/conf".into());
    f.links.insert("/tmp/etc/app.conf".into());
    let e = execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap_err();
    assert_eq!((e.code(), e.errno(), e.step(), e.slot()), (err::BIND_INVALID, Errno::ELOOP, step::MOUNT_BINDS, 1));
    assert!(!lines(&f).iter().any(|c| c.contains("/proc/self/fd/101\"")), "nothing was bound");
    assert!(f.open.is_empty());
    // Host mode: the sandbox side must exist; nothing is created on the host.
    let mut r1 = req(&[b"/var"]);
    r1.binds[0] = rocker_proto::Bind { src: b"/srv/in", dst: b"/var/in" };
    r1.n_binds = 1;
    let b = body(&r1);
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let p = plan(&spec);
    assert_eq!((p[2], p[p.len() - 5]), (Step::OpenBinds, Step::MountBinds));
    let mut f = Fake::new();
    f.missing.insert("/var/in".into());
    let e = execute(&mut f, &spec, &p, b"rg-test", PKG, None).unwrap_err();
    assert_eq!((e.code(), e.errno(), e.step(), e.slot()), (err::BIND_INVALID, Errno::ENOENT, step::MOUNT_BINDS, 0));
    assert!(!lines(&f).iter().any(|c| c.starts_with("mkdirat") && c.contains("\"in\"")));
    assert!(f.open.is_empty());
}

#[test]
fn root_mode_dir_is_a_read_only_bind_under_its_overlay() {
    let b = body(&root_req(0));
    let r = RunReq::decode(&b).unwrap();
    let mut spec = root_spec(&r);
    spec.root = Root::Dir { path: b"/srv/bundle/rootfs", read_only: true, no_pivot: false };
    spec.private_dev = false;
    spec.tmp_kb = 0;
    spec.ns = Ns::NEWNS.union(Ns::NEWPID);
    let mut f = Fake::new();
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    let l = lines(&f);
    assert_eq!(
        &l[2..12],
        [
            "openat2(AT_FDCWD, \"/tmp\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 100",
            "openat2(AT_FDCWD, \"/srv/bundle/rootfs\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 101",
            "mount(\"/proc/self/fd/101\", \"/proc/self/fd/100\", none, REC|BIND, none)",
            "close(101)",
            "close(100)",
            "mount(none, \"/tmp\", none, RDONLY|NOSUID|NODEV|BIND|REMOUNT, none)",
            "openat2(AT_FDCWD, \"/tmp\", PATH|DIRECTORY|NOFOLLOW, NO_SYMLINKS|NO_MAGICLINKS) = 102",
            "fchdir(102)",
            "close(102)",
            "pivot_root(\".\", \".\")",
        ]
    );
    assert!(!l.iter().any(|c| c.contains("loop")));
    assert!(f.open.is_empty());
    // With an overlay: the layer over the bound dir.
    spec.root = Root::Dir { path: b"/srv/bundle/rootfs", read_only: false, no_pivot: true };
    let mut f = Fake::new();
    execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap();
    let l = lines(&f);
    assert!(l.iter().any(|c| c.starts_with("mount(\"overlay\"") && c.contains("lowerdir=/proc/self/fd/")));
    assert!(l.iter().any(|c| c.starts_with("chroot(")));
    assert!(f.open.is_empty());
}

#[test]
fn runtime_rootfs_is_written_in_place_and_keeps_the_user_namespace() {
    // The OCI runtime: a writable bundle rootfs and no data dir: the dir
    // itself, bound writable (nosuid, nodev); no layer; no user namespace.
    let b = body(&root_req(0));
    let r = RunReq::decode(&b).unwrap();
    let mut spec = root_spec(&r);
    spec.root = Root::Dir { path: b"/srv/bundle/rootfs", read_only: false, no_pivot: false };
    spec.data_dir = b"";
    spec.client = rocker_spec::Client::Runtime;
    spec.masked = &[]; // its config's lists (none here), not a RUN's defaults
    spec.readonly = &[];
    spec.private_dev = false;
    spec.ns = Ns::NEWNS.union(Ns::NEWPID);
    spec.tmp_kb = 0;
    assert!(spec.tree_in_place());
    assert_eq!(&plan(&spec)[..], [Step::SetDumpable, Step::MakePrivate, Step::StageRoot, Step::MountRoot, Step::PivotRoot, Step::MountProc, Step::MountSys]);
    let mut f = Fake::new();
    execute(&mut f, &spec, &plan(&spec), b"rg-test", -1, None).unwrap();
    let l = lines(&f);
    assert!(l.contains(&"mount(none, \"/tmp\", none, NOSUID|NODEV|BIND|REMOUNT, none)".to_string()), "{l:#?}");
    assert!(!l.iter().any(|c| c.contains("overlay") || c.contains("unshare")));
    assert!(f.open.is_empty());
    // Read-only: still no layer; `/` is remounted read-only last, after
    // the mount points were made.
    spec.root = Root::Dir { path: b"/srv/bundle/rootfs", read_only: true, no_pivot: false };
    assert!(spec.tree_in_place());
    assert_eq!(plan(&spec).last(), Some(&Step::RootReadOnly));
    let mut f = Fake::new();
    execute(&mut f, &spec, &plan(&spec), b"rg-test", -1, None).unwrap();
    let l = lines(&f);
    assert!(l.contains(&"mount(none, \"/tmp\", none, NOSUID|NODEV|BIND|REMOUNT, none)".to_string()));
    assert_eq!(l.last().unwrap(), "mount(none, \"/\", none, RDONLY|NOSUID|NODEV|BIND|REMOUNT, none)");
}

#[test]
fn tmpfs_mounts_are_made_on_walked_dirs_nosuid_nodev() {
    let b = body(&root_req(0));
    let r = RunReq::decode(&b).unwrap();
    let mut spec = root_spec(&r);
    spec.root = Root::Dir { path: b"/srv/bundle/rootfs", read_only: false, no_pivot: false };
    spec.data_dir = b"";
    spec.client = rocker_spec::Client::Runtime;
    let t = [
        rocker_spec::FsMount { fstype: b"tmpfs\0", dst: b"/run/x", flags: syscalls::sys::general::MS_NOEXEC, data: b"mode=755,size=64k\0" },
        rocker_spec::FsMount { fstype: b"cgroup2\0", dst: b"/scratch", flags: 0, data: b"" },
    ];
    spec.fs_mounts = &t;
    let p = plan(&spec);
    let i = p.iter().position(|s| *s == Step::MountFs).unwrap();
    // After the switch and /sys (a cgroup2 goes on /sys/fs/cgroup).
    assert_eq!(p[i - 1], Step::MountSys);
    let mut f = Fake::new();
    execute(&mut f, &spec, &p, b"rg-test", -1, None).unwrap();
    let l = lines(&f);
    let k = l.iter().position(|c| c.starts_with("openat(") && c.contains("\"run\"")).unwrap();
    assert!(l[k - 1].starts_with("openat(AT_FDCWD, \"/\""), "{:#?}", &l[k - 1..]);
    assert!(l[k + 2].contains("\"x\", PATH|DIRECTORY|NOFOLLOW"), "{:#?}", &l[k..]);
    assert!(l.iter().any(|c| c.starts_with("mount(\"tmpfs\", \"/proc/self/fd/") && c.ends_with("NOSUID|NODEV|NOEXEC, \"mode=755,size=64k\")")), "{l:#?}");
    assert!(l.iter().any(|c| c.starts_with("mount(\"cgroup2\", \"/proc/self/fd/") && c.ends_with("NOSUID|NODEV, none)")));
    assert!(f.open.is_empty());
    // Flags other than ro, noexec and the atime ones: refused.
    let bad = [rocker_spec::FsMount { fstype: b"tmpfs\0", dst: b"/run", flags: syscalls::sys::general::MS_BIND, data: b"" }];
    spec.fs_mounts = &bad;
    let mut f = Fake::new();
    let e = execute(&mut f, &spec, &plan(&spec), b"rg-test", -1, None).unwrap_err();
    assert_eq!((e.errno(), e.step()), (Errno::EINVAL, step::MOUNT_TMP));
    assert!(f.open.is_empty());
}

#[test]
fn root_mode_a_failure_at_every_call_releases_everything() {
    let mut r0 = root_req(0);
    r0.devices[0] = b"/dev/ttyUSB0";
    r0.n_devices = 1;
    r0.hostname = b"box";
    r0.cwd = b"/srv";
    r0.binds[0] = rocker_proto::Bind { src: b"/srv/in", dst: b"/data/in" };
    r0.binds[1] = rocker_proto::Bind { src: b"/srv/conf", dst: b"/etc/conf" };
    r0.n_binds = 2;
    r0.bind_rw = 2;
    let b = body(&r0);
    let r = RunReq::decode(&b).unwrap();
    let spec = root_spec(&r);
    let files = |f: &mut Fake| {
        f.files.insert("/srv/conf".into());
        f.missing.insert("/tmp/data".into());
    };
    let a = fail_everywhere_spec(files, &spec);
    let b2 = fail_everywhere_spec(
        |f| {
            files(f);
            f.pivot_einval = true;
            f.no_openat2 = true;
        },
        &spec,
    );
    let mut r1 = root_req(rocker_proto::ROOT_RO | rocker_proto::ROOT_NO_PIVOT);
    r1.run_flags = rocker_proto::RUN_LEGACY_LOOP;
    let b1 = body(&r1);
    let r = RunReq::decode(&b1).unwrap();
    let c = fail_everywhere_spec(|_| {}, &root_spec(&r));
    let mut spec_d = root_spec(&r);
    spec_d.root = Root::Dir { path: b"/srv/bundle/rootfs", read_only: true, no_pivot: false };
    let d = fail_everywhere_spec(|_| {}, &spec_d);
    let b3 = body(&root_req(0));
    let r = RunReq::decode(&b3).unwrap();
    let mut spec_e = root_spec(&r);
    spec_e.root = Root::Dir { path: b"/srv/bundle/rootfs", read_only: false, no_pivot: false };
    let e = fail_everywhere_spec(|_| {}, &spec_e);
    println!("root mode: failure injected at each of {a} + {b2} + {c} + {d} + {e} calls");
    assert!(a > 80 && b2 > a && c > 50 && d > 40 && e > 50);
}


#[test]
fn own_network_namespace_gets_its_own_read_only_sysfs() {
    let b = body(&req(&SEED));
    let r = RunReq::decode(&b).unwrap();
    let mut spec = SandboxSpec::from_run(&r).unwrap();
    assert!(!spec.own_sys());
    assert!(!plan(&spec).contains(&Step::MountSys));
    // With a network namespace of its own, the host's /sys/class/net would
    // list the host's interfaces: a fresh sysfs (the sandbox's netns) goes
    // on /sys after /proc, and the masks come after it.
    spec.ns = spec.ns.union(Ns::NEWNET);
    assert!(spec.own_sys());
    let p = plan(&spec);
    let i = p.iter().position(|s| *s == Step::MountSys).unwrap();
    assert_eq!((p[i - 1], p[i + 1]), (Step::MountProc, Step::MaskPaths));
    let mut f = Fake::new();
    execute(&mut f, &spec, &p, b"rg-test", PKG, None).unwrap();
    let l = lines(&f);
    let k = l.iter().position(|c| c.starts_with("mount(\"sysfs\"")).unwrap();
    assert!(l[k].ends_with("RDONLY|NOSUID|NODEV|NOEXEC, none)"), "{}", l[k]);
    assert!(l[k - 1].starts_with("openat2(AT_FDCWD, \"/sys\", PATH|DIRECTORY|NOFOLLOW"), "{}", l[k - 1]);
}

#[test]
fn a_minimal_tree_gets_its_missing_mount_points() {
    // A bundle's rootfs with only bin/ (no proc, dev, sys): the mount points
    // are made in the tree, as runc does, and mounted on.
    let b = body(&root_req(0));
    let r = RunReq::decode(&b).unwrap();
    let mut spec = root_spec(&r);
    spec.root = Root::Dir { path: b"/srv/bundle/rootfs", read_only: true, no_pivot: false };
    spec.data_dir = b"";
    spec.client = rocker_spec::Client::Runtime;
    let mut f = Fake::new();
    f.missing.extend(["/proc", "/dev", "/sys"].map(String::from));
    execute(&mut f, &spec, &plan(&spec), b"rg-test", -1, None).unwrap();
    let l = lines(&f);
    for d in ["/proc", "/dev", "/sys"] {
        let k = l.iter().position(|c| c == &format!("mkdirat(AT_FDCWD, \"{d}\", 755)")).unwrap_or_else(|| panic!("{d}: {l:#?}"));
        assert!(l[k - 1].ends_with("= ENOENT"), "{}", l[k - 1]);
    }
    assert!(l.iter().any(|c| c.starts_with("mount(\"proc\", \"/proc\"") && !c.ends_with("ENOENT")));
    // Made before the root turns read-only.
    let ro = l.iter().position(|c| c == "mount(none, \"/\", none, RDONLY|NOSUID|NODEV|BIND|REMOUNT, none)").unwrap();
    assert!(l.iter().rposition(|c| c.starts_with("mkdirat(AT_FDCWD")).unwrap() < ro);
    // The host's tree is never written: a missing /proc there is an error.
    let b = body(&req(&SEED));
    let r = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&r).unwrap();
    let mut f = Fake::new();
    f.missing.insert("/proc".into());
    let e = execute(&mut f, &spec, &plan(&spec), b"rg-test", PKG, None).unwrap_err();
    assert_eq!((e.errno(), e.step()), (Errno::ENOENT, step::MOUNT_PROC));
    assert!(!lines(&f).iter().any(|c| c.contains("mkdirat(AT_FDCWD, \"/proc\"")));
}
