//! Host tests: the JSON layer, every config field and error path, the
//! writers, round trips, and a mutation fuzzer (never panics).

use crate::json::{ErrorKind, Kind, Parser, Str, Token};
use crate::tables::{self, ms};
use crate::*;

const RUNC_SPEC: &[u8] = include_bytes!("../tests/fixtures/runc-1.1.5-spec.json");
const RUNC_FEATURES: &[u8] = include_bytes!("../tests/fixtures/runc-1.1.5-features.json");
const CONTAINERD: &[u8] = include_bytes!("../tests/fixtures/containerd-ctr.json");
const ESCAPES: &[u8] = include_bytes!("../tests/fixtures/escapes-crlf.json");

fn dec_str(s: &Str<'_>) -> Vec<u8> {
    s.bytes().collect()
}

fn strs(l: &[Str<'_>]) -> Vec<String> {
    l.iter()
        .map(|s| String::from_utf8(dec_str(s)).unwrap())
        .collect()
}

/// Every token of `input` as a compact string, or the error.
fn tokens(input: &[u8]) -> Result<String, (ErrorKind, usize)> {
    let mut p = Parser::new(input);
    let mut out = String::new();
    loop {
        let Some(t) = p.next() else {
            let e = p.error().unwrap();
            return Err((e.kind, e.offset));
        };
        out.push_str(&match t {
            Token::ObjBegin => "{".into(),
            Token::ObjEnd => "}".into(),
            Token::ArrBegin => "[".into(),
            Token::ArrEnd => "]".into(),
            Token::Key(k) => format!("K{} ", String::from_utf8_lossy(&dec_str(&k))),
            Token::Str(s) => format!("S{} ", String::from_utf8_lossy(&dec_str(&s))),
            Token::Num(n) => format!("N{} ", String::from_utf8_lossy(n.raw())),
            Token::Bool(b) => format!("B{b} "),
            Token::Null => "null ".into(),
        });
        if p.depth() == 0 {
            if p.finish().is_none() {
                let e = p.error().unwrap();
                return Err((e.kind, e.offset));
            }
            return Ok(out);
        }
    }
}

// ---------------------------------------------------------------- json

#[test]
fn json_tokens() {
    assert_eq!(
        tokens(b" {\"a\" : [1, -2.5e+3, true,false,null, \"x\"], \"b\":{}} \n").unwrap(),
        "{Ka [N1 N-2.5e+3 Btrue Bfalse null Sx ]Kb {}}"
    );
    assert_eq!(tokens(b"[]").unwrap(), "[]");
    assert_eq!(tokens(b"\"top\"").unwrap(), "Stop ");
    assert_eq!(tokens(b"0").unwrap(), "N0 ");
    assert_eq!(tokens(b"[[[]],[{}]]").unwrap(), "[[[]][{}]]");
}

#[test]
fn json_syntax_errors() {
    use ErrorKind::Syntax;
    for (bad, off) in [
        (&b""[..], 0),
        (b"   ", 3),
        (b"{", 1),
        (b"[1,]", 3),
        (b"[,1]", 1),
        (b"{\"a\":1,}", 7),
        (b"{\"a\" 1}", 5),
        (b"{1:2}", 1),
        (b"[1 2]", 3),
        (b"[1}", 2),
        (b"{\"a\":1]", 6),
        (b"01", 1),
        (b"-", 1),
        (b"1.", 2),
        (b"1e", 2),
        (b"1e+", 3),
        (b".5", 0),
        (b"+1", 0),
        (b"tru", 0),
        (b"nul", 0),
        (b"truex", 4),
        (b"\"abc", 4),
        (b"\"a\x01\"", 2),
        (b"\"\\x\"", 1),
        (b"\"\\u12\"", 1),
        (b"\"\\ud800\"", 1),
        (b"\"\\ud800\\u0041\"", 1),
        (b"\"\\udc00\"", 1),
        (b"1 2", 2),
        (b"{} {}", 3),
        (b"[\"a\":1]", 4),
        (b"\x00", 0),
    ] {
        assert_eq!(
            tokens(bad),
            Err((Syntax, off)),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn json_depth_limit() {
    let ok = format!(
        "{}{}",
        "[".repeat(json::MAX_DEPTH),
        "]".repeat(json::MAX_DEPTH)
    );
    assert!(tokens(ok.as_bytes()).is_ok());
    let deep = format!(
        "{}{}",
        "[".repeat(json::MAX_DEPTH + 1),
        "]".repeat(json::MAX_DEPTH + 1)
    );
    assert_eq!(
        tokens(deep.as_bytes()),
        Err((ErrorKind::TooDeep, json::MAX_DEPTH))
    );
    let objs = "{\"a\":".repeat(40);
    assert_eq!(tokens(objs.as_bytes()).unwrap_err().0, ErrorKind::TooDeep);
}

#[test]
fn json_strings() {
    let mut p =
        Parser::new(br#"["plain", "a\"b\\c\/d\b\f\n\r\t", "\u00e9\u20ac\ud83d\ude00\u0041", ""]"#);
    p.array().unwrap();
    let plain = p.str().unwrap();
    assert_eq!(plain.borrowed(), Some(&b"plain"[..]));
    assert!(!plain.has_escapes());
    let e = p.str().unwrap();
    assert!(e.has_escapes() && e.borrowed().is_none());
    assert_eq!(dec_str(&e), b"a\"b\\c/d\x08\x0c\n\r\t");
    assert_eq!(e.len(), 12);
    assert!(e.eq_bytes(b"a\"b\\c/d\x08\x0c\n\r\t"));
    assert!(!e.eq_bytes(b"a\"b"));
    assert!(e.starts_with(b"a\"b\\"));
    let u = p.str().unwrap();
    assert_eq!(dec_str(&u), "é€😀A".as_bytes());
    let mut small = [0u8; 4];
    assert!(u.decode(&mut small).is_none());
    let mut buf = [0u8; 16];
    assert_eq!(u.decode(&mut buf).unwrap(), "é€😀A".as_bytes());
    assert_eq!(u.decode_nul(&mut buf).unwrap(), "é€😀A\0".as_bytes());
    assert!(p.str().unwrap().is_empty());
    assert!(!p.item().unwrap());
    p.finish().unwrap();
    // An escaped NUL decodes, but decode_nul refuses it.
    let mut p = Parser::new(br#""a\u0000b""#);
    let s = p.str().unwrap();
    assert_eq!(dec_str(&s), b"a\0b");
    assert!(s.contains(0));
    assert!(s.decode_nul(&mut buf).is_none());
    // Non-ASCII bytes pass through undecoded.
    assert_eq!(tokens("\"ü\"".as_bytes()).unwrap(), "Sü ");
}

#[test]
fn json_numbers() {
    fn n(s: &str) -> json::Num<'_> {
        let mut p = Parser::new(s.as_bytes());
        p.num().unwrap()
    }
    assert_eq!(n("0").to_u64(), Ok(0));
    assert_eq!(n("-0").to_u64(), Ok(0));
    assert_eq!(n("18446744073709551615").to_u64(), Ok(u64::MAX));
    assert_eq!(n("18446744073709551616").to_u64(), Err(ErrorKind::Range));
    assert_eq!(n("99999999999999999999999").to_u64(), Err(ErrorKind::Range));
    assert_eq!(n("-1").to_u64(), Err(ErrorKind::Range));
    assert_eq!(n("-9223372036854775808").to_i64(), Ok(i64::MIN));
    assert_eq!(n("-9223372036854775809").to_i64(), Err(ErrorKind::Range));
    assert_eq!(n("9223372036854775807").to_i64(), Ok(i64::MAX));
    assert_eq!(n("9223372036854775808").to_i64(), Err(ErrorKind::Range));
    assert_eq!(n("1.0").to_u64(), Err(ErrorKind::NotInteger));
    assert_eq!(n("1e3").to_i64(), Err(ErrorKind::NotInteger));
    assert_eq!(n("-2E-2").to_i64(), Err(ErrorKind::NotInteger));
    assert!(n("12").is_integer() && !n("1.5").is_integer());
    let mut p = Parser::new(b"[1.5, \"x\", 3]");
    p.array().unwrap();
    assert_eq!(p.u64(), None);
    let first = Some(JsonError {
        kind: ErrorKind::NotInteger,
        offset: 1,
    });
    assert_eq!(p.error(), first);
    // Errors are sticky: later calls fail too, and the first error stays.
    assert_eq!(p.u64(), None);
    assert!(p.next().is_none());
    assert_eq!(p.error(), first);
    let mut p = Parser::new(b"[\"x\", 3]");
    p.array().unwrap();
    assert_eq!(p.u64(), None);
    assert_eq!(
        p.error(),
        Some(JsonError {
            kind: ErrorKind::Type,
            offset: 1
        })
    );
    let mut p = Parser::new(b"[3]");
    p.array().unwrap();
    assert_eq!(p.i64(), Some(3));
    // A caller's own error, recorded the same way.
    assert_eq!(p.fail::<()>(ErrorKind::Range), None);
    assert_eq!(
        p.error(),
        Some(JsonError {
            kind: ErrorKind::Range,
            offset: 1
        })
    );
}

#[test]
fn json_skip_and_peek() {
    let doc =
        br#"{"skip": {"a": [1, {"b": "\u00e9"}, [[]]], "c": null}, "keep": 7, "s": "x", "n": -1}"#;
    let mut p = Parser::new(doc);
    p.object().unwrap();
    assert!(p.key().unwrap().unwrap().eq_bytes(b"skip"));
    assert_eq!(p.peek().unwrap(), Kind::Object);
    p.skip().unwrap();
    assert!(p.key().unwrap().unwrap().eq_bytes(b"keep"));
    assert_eq!(p.peek().unwrap(), Kind::Number);
    assert_eq!(p.u64(), Some(7));
    p.key().unwrap();
    p.skip().unwrap();
    p.key().unwrap();
    p.skip().unwrap();
    assert_eq!(p.peek().unwrap(), Kind::End);
    assert!(p.key().unwrap().is_none());
    assert_eq!(p.peek().unwrap(), Kind::Eof);
    p.finish().unwrap();
    // skip checks what it skips
    let mut p = Parser::new(br#"{"a": [1, 2,], "b": 1}"#);
    p.object().unwrap();
    p.key().unwrap();
    assert_eq!(p.skip(), None);
    assert_eq!(p.error().unwrap().kind, ErrorKind::Syntax);
}

#[test]
fn json_typed_errors() {
    let mut p = Parser::new(b"[true, {}, null]");
    p.array().unwrap();
    assert!(p.str().is_none());
    assert_eq!(
        p.error(),
        Some(JsonError {
            kind: ErrorKind::Type,
            offset: 1
        })
    );
    let mut p = Parser::new(b"[true, {}, null]");
    p.array().unwrap();
    assert_eq!(p.bool(), Some(true));
    assert!(p.array().is_none());
    assert_eq!(
        p.error(),
        Some(JsonError {
            kind: ErrorKind::Type,
            offset: 7
        })
    );
    let mut p = Parser::new(b"[null, 1]");
    p.array().unwrap();
    assert!(p.null().unwrap());
    assert!(!p.null().unwrap());
    assert_eq!(p.u64(), Some(1));
    assert!(!p.item().unwrap());
}

// ---------------------------------------------------------------- tables

#[test]
fn tables_match_the_kernel() {
    use linux_raw_sys::general as k;
    let caps = [
        k::CAP_CHOWN,
        k::CAP_DAC_OVERRIDE,
        k::CAP_DAC_READ_SEARCH,
        k::CAP_FOWNER,
        k::CAP_FSETID,
        k::CAP_KILL,
        k::CAP_SETGID,
        k::CAP_SETUID,
        k::CAP_SETPCAP,
        k::CAP_LINUX_IMMUTABLE,
        k::CAP_NET_BIND_SERVICE,
        k::CAP_NET_BROADCAST,
        k::CAP_NET_ADMIN,
        k::CAP_NET_RAW,
        k::CAP_IPC_LOCK,
        k::CAP_IPC_OWNER,
        k::CAP_SYS_MODULE,
        k::CAP_SYS_RAWIO,
        k::CAP_SYS_CHROOT,
        k::CAP_SYS_PTRACE,
        k::CAP_SYS_PACCT,
        k::CAP_SYS_ADMIN,
        k::CAP_SYS_BOOT,
        k::CAP_SYS_NICE,
        k::CAP_SYS_RESOURCE,
        k::CAP_SYS_TIME,
        k::CAP_SYS_TTY_CONFIG,
        k::CAP_MKNOD,
        k::CAP_LEASE,
        k::CAP_AUDIT_WRITE,
        k::CAP_AUDIT_CONTROL,
        k::CAP_SETFCAP,
        k::CAP_MAC_OVERRIDE,
        k::CAP_MAC_ADMIN,
        k::CAP_SYSLOG,
        k::CAP_WAKE_ALARM,
        k::CAP_BLOCK_SUSPEND,
        k::CAP_AUDIT_READ,
        k::CAP_PERFMON,
        k::CAP_BPF,
        k::CAP_CHECKPOINT_RESTORE,
    ];
    assert_eq!(tables::CAPABILITIES.len(), caps.len());
    assert_eq!(k::CAP_LAST_CAP as usize, caps.len() - 1);
    for (i, c) in caps.iter().enumerate() {
        assert_eq!(*c as usize, i);
    }
    assert_eq!(
        tables::CAPABILITIES.find(b"CAP_BPF"),
        Some(k::CAP_BPF as usize)
    );
    assert_eq!(tables::CAPABILITIES.find(b"BPF"), None);
    let rl = [
        ("CPU", k::RLIMIT_CPU),
        ("FSIZE", k::RLIMIT_FSIZE),
        ("DATA", k::RLIMIT_DATA),
        ("STACK", k::RLIMIT_STACK),
        ("CORE", k::RLIMIT_CORE),
        ("RSS", k::RLIMIT_RSS),
        ("NPROC", k::RLIMIT_NPROC),
        ("NOFILE", k::RLIMIT_NOFILE),
        ("MEMLOCK", k::RLIMIT_MEMLOCK),
        ("AS", k::RLIMIT_AS),
        ("LOCKS", k::RLIMIT_LOCKS),
        ("SIGPENDING", k::RLIMIT_SIGPENDING),
        ("MSGQUEUE", k::RLIMIT_MSGQUEUE),
        ("NICE", k::RLIMIT_NICE),
        ("RTPRIO", k::RLIMIT_RTPRIO),
        ("RTTIME", k::RLIMIT_RTTIME),
    ];
    assert_eq!(tables::RLIMITS.len(), rl.len());
    for (n, v) in rl {
        assert_eq!(
            tables::RLIMITS.find(format!("RLIMIT_{n}").as_bytes()),
            Some(v as usize),
            "{n}"
        );
    }
    let ns = [
        k::CLONE_NEWPID,
        k::CLONE_NEWNET,
        k::CLONE_NEWNS,
        k::CLONE_NEWIPC,
        k::CLONE_NEWUTS,
        k::CLONE_NEWUSER,
        k::CLONE_NEWCGROUP,
        k::CLONE_NEWTIME,
    ];
    assert_eq!(tables::NAMESPACE_FLAGS, ns);
    assert_eq!(tables::NAMESPACES.len(), 8);
    let msf = [
        (ms::RDONLY, k::MS_RDONLY),
        (ms::NOSUID, k::MS_NOSUID),
        (ms::NODEV, k::MS_NODEV),
        (ms::NOEXEC, k::MS_NOEXEC),
        (ms::SYNCHRONOUS, k::MS_SYNCHRONOUS),
        (ms::REMOUNT, k::MS_REMOUNT),
        (ms::MANDLOCK, k::MS_MANDLOCK),
        (ms::DIRSYNC, k::MS_DIRSYNC),
        (ms::NOSYMFOLLOW, k::MS_NOSYMFOLLOW),
        (ms::NOATIME, k::MS_NOATIME),
        (ms::NODIRATIME, k::MS_NODIRATIME),
        (ms::BIND, k::MS_BIND),
        (ms::REC, k::MS_REC),
        (ms::SILENT, k::MS_SILENT),
        (ms::POSIXACL, k::MS_POSIXACL),
        (ms::UNBINDABLE, k::MS_UNBINDABLE),
        (ms::PRIVATE, k::MS_PRIVATE),
        (ms::SLAVE, k::MS_SLAVE),
        (ms::SHARED, k::MS_SHARED),
        (ms::RELATIME, k::MS_RELATIME),
        (ms::I_VERSION, k::MS_I_VERSION),
        (ms::STRICTATIME, k::MS_STRICTATIME),
        (ms::LAZYTIME, k::MS_LAZYTIME),
    ];
    for (a, b) in msf {
        assert_eq!(a, b);
    }
    // <linux/seccomp.h> (linux-raw-sys has them in `ptrace`, not enabled here).
    assert_eq!(tables::SECCOMP_FLAG_BITS, [1, 2, 4, 1 << 5]);
}

#[test]
fn tables_shape() {
    assert_eq!(tables::MOUNT_OPTIONS.len(), 64);
    assert_eq!(
        tables::MOUNT_OPTIONS.get(tables::MOUNT_OPTIONS_SUPPORTED),
        Some(&b"rro"[..])
    );
    assert_eq!(
        tables::MOUNT_OPTIONS.get(tables::MOUNT_OPTIONS_SUPPORTED - 1),
        Some(&b"runbindable"[..])
    );
    assert_eq!(tables::SECCOMP_ACTIONS.len(), 9);
    assert_eq!(tables::SECCOMP_OPS.len(), 7);
    assert_eq!(tables::SECCOMP_ARCHS.len(), 23);
    assert_eq!(tables::SECCOMP_FLAGS.len(), 4);
    assert_eq!(tables::HOOKS.len(), 6);
    // Every name in the spec's mountOptions list (features.md) is known.
    for o in [
        "async",
        "atime",
        "bind",
        "defaults",
        "dev",
        "diratime",
        "dirsync",
        "exec",
        "iversion",
        "lazytime",
        "loud",
        "mand",
        "noatime",
        "nodev",
        "nodiratime",
        "noexec",
        "noiversion",
        "nolazytime",
        "nomand",
        "norelatime",
        "nostrictatime",
        "nosuid",
        "nosymfollow",
        "private",
        "ratime",
        "rbind",
        "rdev",
        "rdiratime",
        "relatime",
        "remount",
        "rexec",
        "rnoatime",
        "rnodev",
        "rnodiratime",
        "rnoexec",
        "rnorelatime",
        "rnostrictatime",
        "rnosuid",
        "rnosymfollow",
        "ro",
        "rprivate",
        "rrelatime",
        "rro",
        "rrw",
        "rshared",
        "rslave",
        "rstrictatime",
        "rsuid",
        "rsymfollow",
        "runbindable",
        "rw",
        "shared",
        "silent",
        "slave",
        "strictatime",
        "suid",
        "symfollow",
        "sync",
        "tmpcopyup",
        "unbindable",
        "idmap",
        "ridmap",
        "acl",
        "noacl",
    ] {
        assert!(tables::MOUNT_OPTIONS.find(o.as_bytes()).is_some(), "{o}");
    }
}

// ---------------------------------------------------------------- config

#[test]
fn runc_spec_output() {
    let c = OciConfig::parse(RUNC_SPEC).unwrap();
    assert!(c.oci_version.eq_bytes(b"1.0.2-dev"));
    let p = &c.process;
    assert!(p.terminal);
    assert_eq!((p.user.uid, p.user.gid, p.user.umask), (0, 0, None));
    assert_eq!(strs(p.args.as_slice()), ["sh"]);
    assert_eq!(p.env.len(), 2);
    assert!(p.cwd.eq_bytes(b"/"));
    let caps = p.capabilities.unwrap();
    let three = 1 << 29 | 1 << 5 | 1 << 10;
    assert_eq!(
        (caps.bounding, caps.effective, caps.permitted, caps.ambient),
        (three, three, three, three)
    );
    assert_eq!(caps.inheritable, 0);
    assert_eq!(caps.unknown, 0);
    assert_eq!(p.rlimits.len(), 1);
    let r = p.rlimits.as_slice()[0];
    assert_eq!(
        (r.resource as u32, r.soft, r.hard),
        (linux_raw_sys::general::RLIMIT_NOFILE, 1024, 1024)
    );
    assert!(p.no_new_privileges);
    assert_eq!(p.oom_score_adj, None);
    assert!(c.root.path.eq_bytes(b"rootfs") && c.root.readonly);
    assert!(c.hostname.eq_bytes(b"runc"));
    assert_eq!(c.mounts.len(), 7);
    let m = c.mounts.as_slice();
    assert!(m[0].destination.eq_bytes(b"/proc") && m[0].fs_type.eq_bytes(b"proc"));
    assert_eq!((m[0].flags, m[0].propagation, m[0].data.len()), (0, 0, 0));
    assert_eq!(m[1].flags, ms::NOSUID | ms::STRICTATIME);
    let mut buf = [0u8; 64];
    assert_eq!(m[1].data_nul(&mut buf).unwrap(), b"mode=755,size=65536k\0");
    assert_eq!(m[2].flags, ms::NOSUID | ms::NOEXEC);
    assert_eq!(
        m[2].data_nul(&mut buf).unwrap(),
        b"newinstance,ptmxmode=0666,mode=0620,gid=5\0"
    );
    assert_eq!(m[5].flags, ms::NOSUID | ms::NOEXEC | ms::NODEV | ms::RDONLY);
    assert_eq!(
        m[6].flags,
        ms::NOSUID | ms::NOEXEC | ms::NODEV | ms::RELATIME | ms::RDONLY
    );
    assert_eq!(m[6].data_nul(&mut buf).unwrap(), b"\0");
    let l = &c.linux;
    assert_eq!(l.namespaces.len(), 5);
    assert_eq!(
        l.clone_flags(),
        0x2000_0000 | 0x4000_0000 | 0x0800_0000 | 0x0400_0000 | 0x0002_0000
    );
    assert_eq!(l.masked_paths.len(), 10);
    assert_eq!(l.readonly_paths.len(), 5);
    assert!(l.seccomp().is_none());
    assert!(c.annotations.is_empty());
}

#[test]
fn containerd_config() {
    let c = OciConfig::parse(CONTAINERD).unwrap();
    let p = &c.process;
    assert_eq!(
        p.user.additional_gids.as_slice(),
        [0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27]
    );
    assert_eq!(
        strs(p.args.as_slice()),
        [
            "sh",
            "-c",
            "echo \"hello\" && printf 'a\\tb\\n' > /tmp/o; exit 3"
        ]
    );
    assert_eq!(
        strs(p.env.as_slice()),
        [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "GREETING=grüß dich ☃",
            "TAGS=<a&b>",
            "EMOJI=😀 ok",
            "QUOTE=say \"hi\"\\now",
        ]
    );
    // Unescaped non-ASCII is borrowed as is.
    assert_eq!(
        p.env.as_slice()[1].borrowed(),
        Some("GREETING=grüß dich ☃".as_bytes())
    );
    let caps = p.capabilities.unwrap();
    assert_eq!(caps.bounding.count_ones(), 14);
    assert_eq!(caps.bounding, caps.effective);
    assert_eq!(caps.bounding & (1 << 21), 0, "no CAP_SYS_ADMIN");
    assert_eq!(p.rlimits.len(), 2);
    let core = p.rlimits.as_slice()[1];
    assert_eq!(
        (core.resource as u32, core.soft, core.hard),
        (linux_raw_sys::general::RLIMIT_CORE, 0, u64::MAX)
    );
    assert_eq!(p.oom_score_adj, Some(-998));
    assert!(!c.root.readonly);
    let data = &c.mounts.as_slice()[7];
    assert!(data.is_bind());
    assert_eq!(data.flags, ms::BIND | ms::REC | ms::RDONLY | ms::NOSUID);
    assert_eq!(data.propagation, ms::PRIVATE | ms::REC);
    let l = &c.linux;
    assert_eq!(
        l.uid_mappings.as_slice(),
        [IdMapping {
            container_id: 0,
            host_id: 100000,
            size: 65536
        }]
    );
    assert_eq!(l.gid_mappings.len(), 1);
    assert_eq!(l.sysctl.len(), 2);
    assert!(l.sysctl.as_slice()[1].key.eq_bytes(b"net.core.somaxconn"));
    assert!(l.sysctl.as_slice()[1].value.eq_bytes(b"256"));
    let r = &l.resources;
    assert_eq!(
        (r.memory_limit, r.memory_swap, r.memory_reservation),
        (Some(67108864), Some(67108864), None)
    );
    assert_eq!(
        (r.cpu_shares, r.cpu_quota, r.cpu_period),
        (Some(512), Some(50000), Some(100000))
    );
    assert!(r.cpu_cpus.eq_bytes(b"0-1") && r.cpu_mems.is_empty());
    assert_eq!(r.pids_limit, Some(64));
    assert!(l.cgroups_path.eq_bytes(b"/default/box1"));
    assert_eq!(l.namespaces.len(), 7);
    let net = l.namespace(0x4000_0000).unwrap();
    assert!(net.path.eq_bytes(b"/var/run/netns/cni-1"));
    assert_eq!(
        l.clone_flags() & 0x4000_0000,
        0,
        "a netns with a path is joined, not created"
    );
    assert_eq!(l.clone_flags() & 0x1000_0000, 0x1000_0000);
    assert_eq!(l.devices.len(), 2);
    let fuse = l.devices.as_slice()[0];
    assert_eq!(
        (fuse.kind, fuse.major, fuse.minor, fuse.file_mode, fuse.uid),
        (b'c', 10, 229, Some(438), Some(0))
    );
    assert_eq!(l.devices.as_slice()[1].kind, b'p');
    assert_eq!(l.rootfs_propagation, ms::SLAVE | ms::REC);
    let s = l.seccomp().unwrap();
    assert_eq!(s.default_action, SeccompAction::Errno);
    assert_eq!(s.default_errno_ret, Some(1));
    assert_eq!(s.architectures, 0b111);
    assert_eq!(s.flags, 4);
    assert_eq!(s.syscalls.len(), 8);
    let rules = s.syscalls.as_slice();
    assert_eq!(rules[0].names.len(), 141);
    let names: Vec<String> = rules[0]
        .names
        .iter()
        .map(|n| String::from_utf8(dec_str(&n)).unwrap())
        .collect();
    assert_eq!(names.len(), 141);
    assert_eq!(names[0], "accept");
    assert_eq!(names[140], "writev");
    assert_eq!(rules[0].args(s), []);
    assert_eq!(
        rules[3].args(s),
        [SeccompArg {
            index: 0,
            op: SeccompOp::Equal,
            value: 4294967295,
            value_two: 0
        }]
    );
    assert_eq!(
        rules[4].args(s),
        [SeccompArg {
            index: 0,
            op: SeccompOp::MaskedEqual,
            value: 2114060288,
            value_two: 0
        }]
    );
    assert_eq!(
        (rules[5].action, rules[5].errno_ret),
        (SeccompAction::Errno, Some(38))
    );
    assert_eq!(rules[6].args(s)[0].op, SeccompOp::NotEqual);
    assert_eq!(rules[7].action, SeccompAction::KillProcess);
    assert!(rules[7].names.iter().next().unwrap().eq_bytes(b"ptrace"));
    assert_eq!(s.args.len(), 5);
    assert_eq!(c.annotations.len(), 3);
    assert!(c.annotations.as_slice()[2]
        .key
        .eq_bytes("org.example/ünïcode".as_bytes()));
}

#[test]
fn escapes_and_crlf() {
    let c = OciConfig::parse(ESCAPES).unwrap();
    let p = &c.process;
    assert_eq!(
        strs(p.args.as_slice()),
        ["/bin/echo", "café", "😀", "tab\there", "slash/and\\back"]
    );
    assert_eq!(
        strs(p.env.as_slice()),
        ["HOME=/home/üser", "LANG=C.UTF-8", "PS1=\\u@\\h$ "]
    );
    assert_eq!(dec_str(&p.cwd), "/home/üser".as_bytes());
    assert_eq!(p.console_size, Some((25, 80)));
    assert_eq!(
        (p.user.uid, p.user.gid, p.user.umask),
        (1000, 1000, Some(18))
    );
    let caps = p.capabilities.unwrap();
    assert_eq!(caps.bounding, 1 << 5 | 1 << 40);
    assert_eq!(caps.unknown, 1);
    assert!(p.unknown_capability.eq_bytes(b"CAP_NOT_A_CAP"));
    assert_eq!(dec_str(&c.hostname), "høst".as_bytes());
    assert!(c.domainname.eq_bytes(b"example.org"));
    assert_eq!(c.linux.clone_flags(), 0x0400_0000 | 0x80);
    assert!(c.mounts.is_empty());
}

#[test]
fn parse_process_alone() {
    let p =
        parse_process(br#"{"args":["ps","-ef"],"cwd":"/","env":["A=1"],"user":{"uid":5,"gid":6}}"#)
            .unwrap();
    assert_eq!(strs(p.args.as_slice()), ["ps", "-ef"]);
    assert_eq!((p.user.uid, p.user.gid), (5, 6));
    let e = parse_process(br#"{"args":["ps"],"cwd":"rel"}"#).unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::Value, &b"cwd"[..]));
}

#[test]
fn versions() {
    for (v, ok) in [
        ("1.0.0", None),
        ("1.0.2-dev", None),
        ("1.1.0-rc.1", None),
        ("1.2.1", None),
        ("1.2.0+build.5", None),
        ("1.2.10", None),
        ("1.3.0", Some(ErrorKind::Unsupported)),
        ("2.0.0", Some(ErrorKind::Unsupported)),
        ("0.5.0-dev", Some(ErrorKind::Unsupported)),
        ("1.0", Some(ErrorKind::Value)),
        ("1.0.x", Some(ErrorKind::Value)),
        ("", Some(ErrorKind::Value)),
        ("1..0", Some(ErrorKind::Value)),
        ("1.0.0.0", Some(ErrorKind::Value)),
    ] {
        let doc = format!(
            r#"{{"ociVersion":"{v}","process":{{"args":["sh"],"cwd":"/"}},"root":{{"path":"r"}}}}"#
        );
        let r = OciConfig::parse(doc.as_bytes());
        assert_eq!(r.as_ref().err().map(|e| e.kind()), ok, "{v}");
        if let Err(e) = r {
            assert_eq!(e.path(), b"ociVersion");
        }
    }
}

/// A minimal valid config with `extra` spliced in (top-level members) and
/// `process` / `linux` members appended.
fn doc(top: &str, process: &str, linux: &str) -> String {
    format!(
        r#"{{"ociVersion":"1.0.2","process":{{"args":["sh"],"cwd":"/"{}{process}}},"root":{{"path":"rootfs"}},"linux":{{"namespaces":[{{"type":"pid"}}]{}{linux}}}{}{top}}}"#,
        if process.is_empty() { "" } else { "," },
        if linux.is_empty() { "" } else { "," },
        if top.is_empty() { "" } else { "," },
    )
}

#[track_caller]
fn err(json: &str, kind: ErrorKind, path: &str) {
    match OciConfig::parse(json.as_bytes()) {
        Ok(_) => panic!("accepted: {json}"),
        Err(e) => {
            assert_eq!(
                (e.kind(), String::from_utf8_lossy(e.path()).into_owned()),
                (kind, path.to_string()),
                "{json}"
            );
            let mut b = [0u8; 128];
            let msg = String::from_utf8(e.message(&mut b).to_vec()).unwrap();
            assert_eq!(
                msg,
                format!(
                    "{}: {}",
                    if path.is_empty() { "config" } else { path },
                    kind.as_str()
                )
            );
        }
    }
}

#[track_caller]
fn ok(json: &str) -> OciConfig<'_> {
    match OciConfig::parse(json.as_bytes()) {
        Ok(c) => c,
        Err(e) => panic!(
            "{json}: {:?} {}",
            e.kind(),
            String::from_utf8_lossy(e.path())
        ),
    }
}

#[test]
fn minimal_and_nulls() {
    let d = doc("", "", "");
    let c = ok(&d);
    assert_eq!(c.linux.namespaces.len(), 1);
    assert!(c.process.capabilities.is_none());
    // null is an absent field; unknown fields of any type are skipped.
    ok(&doc(
        r#""hostname":null,"mounts":null,"future":{"a":[1,{"b":null}]},"hooks":{"prestart":[],"poststop":null}"#,
        r#""env":null,"terminal":null,"apparmorProfile":"","selinuxLabel":"","x":[true]"#,
        r#""seccomp":null,"mountLabel":"","intelRdt":null,"resources":{"devices":[{"allow":true}],"unified":{}}"#,
    ));
    let c = ok(r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"path":"/r"}}"#);
    assert!(c.linux.namespaces.is_empty());
}

#[test]
fn error_paths() {
    use ErrorKind::*;
    // The document itself.
    err("", Syntax, "");
    err("[]", Type, "");
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"path":"r"}} x"#,
        Syntax,
        "",
    );
    // Cut short: the path says how far it got.
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"path":"r"}"#,
        Syntax,
        "root",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a","#,
        Syntax,
        "process.args[1]",
    );
    err(r#"{"process":{},"root":{}}"#, Missing, "process.args");
    err(
        r#"{"ociVersion":"1.0.0","root":{"path":"r"}}"#,
        Missing,
        "process",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"}}"#,
        Missing,
        "root",
    );
    err(
        r#"{"process":{"args":["a"],"cwd":"/"},"root":{"path":"r"}}"#,
        Missing,
        "ociVersion",
    );
    err(r#"{"ociVersion":1}"#, Type, "ociVersion");
    err(
        &doc(r#""ociVersion":"1.0.0""#, "", ""),
        Duplicate,
        "ociVersion",
    );
    err(
        &doc("", "", r#""namespaces":[]"#),
        Duplicate,
        "linux.namespaces",
    );
    // process
    err(&doc("", r#""terminal":1"#, ""), Type, "process.terminal");
    err(&doc("", r#""args":[]"#, ""), Duplicate, "process.args");
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":[],"cwd":"/"},"root":{"path":"r"}}"#,
        Value,
        "process.args",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a",1],"cwd":"/"},"root":{"path":"r"}}"#,
        Type,
        "process.args[1]",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"x"},"root":{"path":"r"}}"#,
        Value,
        "process.cwd",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"]},"root":{"path":"r"}}"#,
        Missing,
        "process.cwd",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a","b\u0000c"],"cwd":"/"},"root":{"path":"r"}}"#,
        Value,
        "process.args[1]",
    );
    err(
        &doc("", r#""env":["A=1","B"]"#, ""),
        Value,
        "process.env[1]",
    );
    err(&doc("", r#""env":["=x"]"#, ""), Value, "process.env[0]");
    err(
        &doc("", r#""consoleSize":{"height":1}"#, ""),
        Missing,
        "process.consoleSize.width",
    );
    err(
        &doc("", r#""user":{"uid":0}"#, ""),
        Missing,
        "process.user.gid",
    );
    err(
        &doc("", r#""user":{"uid":-1,"gid":0}"#, ""),
        Range,
        "process.user.uid",
    );
    err(
        &doc("", r#""user":{"uid":4294967296,"gid":0}"#, ""),
        Range,
        "process.user.uid",
    );
    err(
        &doc("", r#""user":{"uid":1.5,"gid":0}"#, ""),
        NotInteger,
        "process.user.uid",
    );
    err(
        &doc(
            "",
            r#""user":{"uid":0,"gid":0,"additionalGids":[1,"2"]}"#,
            "",
        ),
        Type,
        "process.user.additionalGids[1]",
    );
    err(
        &doc("", r#""user":{"uid":0,"gid":0,"umask":1e2}"#, ""),
        NotInteger,
        "process.user.umask",
    );
    err(
        &doc("", r#""capabilities":["CAP_KILL"]"#, ""),
        Type,
        "process.capabilities",
    );
    err(
        &doc("", r#""capabilities":{"bounding":[1]}"#, ""),
        Type,
        "process.capabilities.bounding[0]",
    );
    err(
        &doc("", r#""rlimits":[{"type":"RLIMIT_NOFILE","soft":1}]"#, ""),
        Missing,
        "process.rlimits[0].hard",
    );
    err(
        &doc(
            "",
            r#""rlimits":[{"type":"RLIMIT_NOPE","soft":1,"hard":1}]"#,
            "",
        ),
        Value,
        "process.rlimits[0].type",
    );
    err(
        &doc(
            "",
            r#""rlimits":[{"type":"RLIMIT_CORE","soft":2,"hard":1}]"#,
            "",
        ),
        Range,
        "process.rlimits[0]",
    );
    err(
        &doc(
            "",
            r#""rlimits":[{"type":"RLIMIT_CORE","soft":1,"hard":1},{"type":"RLIMIT_CORE","soft":1,"hard":1}]"#,
            "",
        ),
        Duplicate,
        "process.rlimits[1]",
    );
    err(
        &doc(
            "",
            r#""rlimits":[{"type":"RLIMIT_CORE","soft":-1,"hard":1}]"#,
            "",
        ),
        Range,
        "process.rlimits[0].soft",
    );
    err(
        &doc("", r#""oomScoreAdj":1001"#, ""),
        Range,
        "process.oomScoreAdj",
    );
    err(
        &doc("", r#""noNewPrivileges":"yes""#, ""),
        Type,
        "process.noNewPrivileges",
    );
    // unsupported process fields
    err(
        &doc("", r#""apparmorProfile":"docker-default""#, ""),
        Unsupported,
        "process.apparmorProfile",
    );
    err(
        &doc(
            "",
            r#""selinuxLabel":"system_u:system_r:container_t:s0""#,
            "",
        ),
        Unsupported,
        "process.selinuxLabel",
    );
    err(
        &doc("", r#""scheduler":{"policy":"SCHED_FIFO"}"#, ""),
        Unsupported,
        "process.scheduler",
    );
    err(
        &doc(
            "",
            r#""ioPriority":{"class":"IOPRIO_CLASS_IDLE","priority":4}"#,
            "",
        ),
        Unsupported,
        "process.ioPriority",
    );
    err(
        &doc("", r#""execCPUAffinity":{"initial":"7"}"#, ""),
        Unsupported,
        "process.execCPUAffinity",
    );
    // hooks
    err(
        &doc(r#""hooks":{"prestart":[{"path":"/bin/true"}]}"#, "", ""),
        Unsupported,
        "hooks.prestart",
    );
    err(
        &doc(
            r#""hooks":{"createRuntime":[{"path":"/bin/true"}]}"#,
            "",
            "",
        ),
        Unsupported,
        "hooks.createRuntime",
    );
    err(
        &doc(r#""hooks":{"poststop":[{"path":"/bin/true"}]}"#, "", ""),
        Unsupported,
        "hooks.poststop",
    );
    err(&doc(r#""hooks":[]"#, "", ""), Type, "hooks");
    // root, hostname, annotations
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"readonly":true}}"#,
        Missing,
        "root.path",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"path":""}}"#,
        Value,
        "root.path",
    );
    err(&doc(r#""hostname":7"#, "", ""), Type, "hostname");
    err(
        &doc(r#""annotations":{"a":"b","c":1}"#, "", ""),
        Type,
        "annotations.c",
    );
    err(&doc(r#""annotations":[]"#, "", ""), Type, "annotations");
    err(
        &doc(r#""annotations":{"a\u0000b":"c"}"#, "", ""),
        Value,
        "annotations.a\\u0000b",
    );
    err(
        &doc("", "", r#""sysctl":{"kernel.x":"1\u0000"}"#),
        Value,
        "linux.sysctl.kernel.x",
    );
    // mounts
    err(
        &doc(r#""mounts":[{"type":"tmpfs"}]"#, "", ""),
        Missing,
        "mounts[0].destination",
    );
    err(
        &doc(
            r#""mounts":[{"destination":"/a"},{"destination":""}]"#,
            "",
            "",
        ),
        Value,
        "mounts[1].destination",
    );
    err(
        &doc(
            r#""mounts":[{"destination":"/a","options":["ro","rro"]}]"#,
            "",
            "",
        ),
        Unsupported,
        "mounts[0].options[1]",
    );
    err(
        &doc(
            r#""mounts":[{"destination":"/a","options":["idmap"]}]"#,
            "",
            "",
        ),
        Unsupported,
        "mounts[0].options[0]",
    );
    err(
        &doc(
            r#""mounts":[{"destination":"/a","options":["tmpcopyup"]}]"#,
            "",
            "",
        ),
        Unsupported,
        "mounts[0].options[0]",
    );
    err(
        &doc(
            r#""mounts":[{"destination":"/a","uidMappings":[{"containerID":0,"hostID":1,"size":1}]}]"#,
            "",
            "",
        ),
        Unsupported,
        "mounts[0].uidMappings",
    );
    err(
        &doc(
            r#""mounts":[{"destination":"/a","options":["a","b","c","d","e","f","g","h","i"]}]"#,
            "",
            "",
        ),
        Capacity,
        "mounts[0].options[8]",
    );
    err(&doc(r#""mounts":{}"#, "", ""), Type, "mounts");
    // linux
    err(
        &doc("", "", r#""uidMappings":[{"containerID":0,"hostID":1}]"#),
        Missing,
        "linux.uidMappings[0].size",
    );
    err(
        &doc(
            "",
            "",
            r#""gidMappings":[{"containerID":0,"hostID":1,"size":-5}]"#,
        ),
        Range,
        "linux.gidMappings[0].size",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"path":"r"},"linux":{"namespaces":[{"type":"pid"},{"type":"pid"}]}}"#,
        Duplicate,
        "linux.namespaces[1]",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"path":"r"},"linux":{"namespaces":[{"type":"pid"},{"type":"bogus"}]}}"#,
        Value,
        "linux.namespaces[1].type",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"path":"r"},"linux":{"namespaces":[{"path":"/x"}]}}"#,
        Missing,
        "linux.namespaces[0].type",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"path":"r"},"linux":{"namespaces":[{"type":"net","path":"x"}]}}"#,
        Value,
        "linux.namespaces[0].type",
    );
    err(
        r#"{"ociVersion":"1.0.0","process":{"args":["a"],"cwd":"/"},"root":{"path":"r"},"linux":{"namespaces":[{"type":"network","path":"x"}]}}"#,
        Value,
        "linux.namespaces[0].path",
    );
    err(
        &doc("", "", r#""resources":{"memory":{"limit":"1G"}}"#),
        Type,
        "linux.resources.memory.limit",
    );
    err(
        &doc("", "", r#""resources":{"cpu":{"shares":-1}}"#),
        Range,
        "linux.resources.cpu.shares",
    );
    err(
        &doc("", "", r#""resources":{"pids":{"limit":1.5}}"#),
        NotInteger,
        "linux.resources.pids.limit",
    );
    err(
        &doc("", "", r#""resources":{"devices":{}}"#),
        Type,
        "linux.resources.devices",
    );
    err(
        &doc("", "", r#""resources":{"blockIO":{"weight":10}}"#),
        Unsupported,
        "linux.resources.blockIO",
    );
    err(
        &doc(
            "",
            "",
            r#""resources":{"hugepageLimits":[{"pageSize":"2MB","limit":1}]}"#,
        ),
        Unsupported,
        "linux.resources.hugepageLimits",
    );
    err(
        &doc("", "", r#""resources":{"network":{"classID":1}}"#),
        Unsupported,
        "linux.resources.network",
    );
    err(
        &doc("", "", r#""resources":{"rdma":{"mlx":{}}}"#),
        Unsupported,
        "linux.resources.rdma",
    );
    err(
        &doc("", "", r#""resources":{"unified":{"io.max":"x"}}"#),
        Unsupported,
        "linux.resources.unified",
    );
    err(
        &doc("", "", r#""resources":{"memory":{"swappiness":60}}"#),
        Unsupported,
        "linux.resources.memory.swappiness",
    );
    err(
        &doc(
            "",
            "",
            r#""resources":{"memory":{"disableOOMKiller":true}}"#,
        ),
        Unsupported,
        "linux.resources.memory.disableOOMKiller",
    );
    err(
        &doc("", "", r#""resources":{"memory":{"kernel":1}}"#),
        Unsupported,
        "linux.resources.memory.kernel",
    );
    err(
        &doc("", "", r#""resources":{"cpu":{"realtimeRuntime":5}}"#),
        Unsupported,
        "linux.resources.cpu.realtimeRuntime",
    );
    err(
        &doc("", "", r#""resources":{"cpu":{"idle":1}}"#),
        Unsupported,
        "linux.resources.cpu.idle",
    );
    err(
        &doc("", "", r#""cgroupsPath":false"#),
        Type,
        "linux.cgroupsPath",
    );
    err(
        &doc("", "", r#""maskedPaths":["/a",null]"#),
        Type,
        "linux.maskedPaths[1]",
    );
    err(
        &doc("", "", r#""readonlyPaths":"/proc""#),
        Type,
        "linux.readonlyPaths",
    );
    err(
        &doc("", "", r#""sysctl":{"a.b":1}"#),
        Type,
        "linux.sysctl.a.b",
    );
    err(
        &doc(
            "",
            "",
            r#""devices":[{"path":"/dev/x","type":"c","major":1}]"#,
        ),
        Missing,
        "linux.devices[0].minor",
    );
    err(
        &doc(
            "",
            "",
            r#""devices":[{"path":"/dev/x","type":"c","minor":1}]"#,
        ),
        Missing,
        "linux.devices[0].major",
    );
    err(
        &doc(
            "",
            "",
            r#""devices":[{"path":"/dev/x","type":"x","major":1,"minor":1}]"#,
        ),
        Value,
        "linux.devices[0].type",
    );
    err(
        &doc(
            "",
            "",
            r#""devices":[{"path":"dev/x","type":"c","major":1,"minor":1}]"#,
        ),
        Value,
        "linux.devices[0].path",
    );
    err(
        &doc("", "", r#""devices":[{"type":"p"}]"#),
        Missing,
        "linux.devices[0].path",
    );
    err(
        &doc(
            "",
            "",
            r#""devices":[{"path":"/dev/x","type":"b","major":-8,"minor":0}]"#,
        ),
        Range,
        "linux.devices[0].major",
    );
    err(
        &doc("", "", r#""rootfsPropagation":"shared""#),
        Unsupported,
        "linux.rootfsPropagation",
    );
    err(
        &doc("", "", r#""rootfsPropagation":"unbindable""#),
        Unsupported,
        "linux.rootfsPropagation",
    );
    err(
        &doc("", "", r#""rootfsPropagation":"ro""#),
        Unsupported,
        "linux.rootfsPropagation",
    );
    err(
        &doc("", "", r#""intelRdt":{"closID":"x"}"#),
        Unsupported,
        "linux.intelRdt",
    );
    err(
        &doc(
            "",
            "",
            r#""mountLabel":"system_u:object_r:container_file_t:s0""#,
        ),
        Unsupported,
        "linux.mountLabel",
    );
    err(
        &doc("", "", r#""personality":{"domain":"LINUX32"}"#),
        Unsupported,
        "linux.personality",
    );
    err(
        &doc("", "", r#""timeOffsets":{"monotonic":{"secs":1}}"#),
        Unsupported,
        "linux.timeOffsets",
    );
    err(
        &doc("", "", r#""memoryPolicy":{"mode":"MPOL_BIND"}"#),
        Unsupported,
        "linux.memoryPolicy",
    );
    err(
        &doc("", "", r#""netDevices":{"eth0":{}}"#),
        Unsupported,
        "linux.netDevices",
    );
    // seccomp
    err(
        &doc("", "", r#""seccomp":{}"#),
        Missing,
        "linux.seccomp.defaultAction",
    );
    err(
        &doc("", "", r#""seccomp":{"defaultAction":"SCMP_ACT_NOPE"}"#),
        Value,
        "linux.seccomp.defaultAction",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":1}"#,
        ),
        Value,
        "linux.seccomp",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_Z80"]}"#,
        ),
        Value,
        "linux.seccomp.architectures[0]",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}"#,
        ),
        Value,
        "linux.seccomp.flags[0]",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/run/agent.sock"}"#,
        ),
        Unsupported,
        "linux.seccomp.listenerPath",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"]}]}"#,
        ),
        Missing,
        "linux.seccomp.syscalls[0].action",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ALLOW"}]}"#,
        ),
        Missing,
        "linux.seccomp.syscalls[0].names",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}"#,
        ),
        Value,
        "linux.seccomp.syscalls[0].names",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a",2],"action":"SCMP_ACT_ALLOW"}]}"#,
        ),
        Type,
        "linux.seccomp.syscalls[0].names[1]",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_KILL","errnoRet":1}]}"#,
        ),
        Value,
        "linux.seccomp.syscalls[0]",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}"#,
        ),
        Range,
        "linux.seccomp.syscalls[0].args[0].index",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"EQ"}]}]}"#,
        ),
        Value,
        "linux.seccomp.syscalls[0].args[0].op",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"op":"SCMP_CMP_EQ"}]}]}"#,
        ),
        Missing,
        "linux.seccomp.syscalls[0].args[0].value",
    );
    err(
        &doc(
            "",
            "",
            r#""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1.5,"op":"SCMP_CMP_EQ"}]}]}"#,
        ),
        NotInteger,
        "linux.seccomp.syscalls[0].args[0].value",
    );
}

fn list_of(n: usize, f: impl Fn(usize) -> String) -> String {
    (0..n).map(f).collect::<Vec<_>>().join(",")
}

#[test]
fn capacities() {
    use ErrorKind::Capacity;
    let args = |n| {
        format!(
            r#"{{"ociVersion":"1.0.0","process":{{"args":[{}],"cwd":"/"}},"root":{{"path":"r"}}}}"#,
            list_of(n, |i| format!("\"a{i}\""))
        )
    };
    assert_eq!(ok(&args(MAX_ARGS)).process.args.len(), MAX_ARGS);
    err(
        &args(MAX_ARGS + 1),
        Capacity,
        &format!("process.args[{MAX_ARGS}]"),
    );
    let env = |n| {
        doc(
            "",
            &format!(r#""env":[{}]"#, list_of(n, |i| format!("\"V{i}=x\""))),
            "",
        )
    };
    assert_eq!(ok(&env(MAX_ENV)).process.env.len(), MAX_ENV);
    err(
        &env(MAX_ENV + 1),
        Capacity,
        &format!("process.env[{MAX_ENV}]"),
    );
    let gids = |n| {
        doc(
            "",
            &format!(
                r#""user":{{"uid":0,"gid":0,"additionalGids":[{}]}}"#,
                list_of(n, |i| i.to_string())
            ),
            "",
        )
    };
    ok(&gids(MAX_GIDS));
    err(
        &gids(MAX_GIDS + 1),
        Capacity,
        &format!("process.user.additionalGids[{MAX_GIDS}]"),
    );
    let mounts = |n| {
        doc(
            &format!(
                r#""mounts":[{}]"#,
                list_of(n, |i| format!(r#"{{"destination":"/m{i}"}}"#))
            ),
            "",
            "",
        )
    };
    ok(&mounts(MAX_MOUNTS));
    err(
        &mounts(MAX_MOUNTS + 1),
        Capacity,
        &format!("mounts[{MAX_MOUNTS}]"),
    );
    let masked = |n| {
        doc(
            "",
            "",
            &format!(
                r#""maskedPaths":[{}]"#,
                list_of(n, |i| format!("\"/p{i}\""))
            ),
        )
    };
    ok(&masked(MAX_MASKED_PATHS));
    err(
        &masked(MAX_MASKED_PATHS + 1),
        Capacity,
        &format!("linux.maskedPaths[{MAX_MASKED_PATHS}]"),
    );
    let ro = |n| {
        doc(
            "",
            "",
            &format!(
                r#""readonlyPaths":[{}]"#,
                list_of(n, |i| format!("\"/p{i}\""))
            ),
        )
    };
    ok(&ro(MAX_READONLY_PATHS));
    err(
        &ro(MAX_READONLY_PATHS + 1),
        Capacity,
        &format!("linux.readonlyPaths[{MAX_READONLY_PATHS}]"),
    );
    let maps = |n| {
        doc(
            "",
            "",
            &format!(
                r#""uidMappings":[{}]"#,
                list_of(n, |i| format!(
                    r#"{{"containerID":{i},"hostID":{i},"size":1}}"#
                ))
            ),
        )
    };
    ok(&maps(MAX_ID_MAPPINGS));
    err(
        &maps(MAX_ID_MAPPINGS + 1),
        Capacity,
        &format!("linux.uidMappings[{MAX_ID_MAPPINGS}]"),
    );
    let sysctl = |n| {
        doc(
            "",
            "",
            &format!(
                r#""sysctl":{{{}}}"#,
                list_of(n, |i| format!(r#""k{i}":"v""#))
            ),
        )
    };
    ok(&sysctl(MAX_SYSCTL));
    err(
        &sysctl(MAX_SYSCTL + 1),
        Capacity,
        &format!("linux.sysctl.k{MAX_SYSCTL}"),
    );
    let ann = |n| {
        doc(
            &format!(
                r#""annotations":{{{}}}"#,
                list_of(n, |i| format!(r#""k{i}":"v""#))
            ),
            "",
            "",
        )
    };
    ok(&ann(MAX_ANNOTATIONS));
    err(
        &ann(MAX_ANNOTATIONS + 1),
        Capacity,
        &format!("annotations.k{MAX_ANNOTATIONS}"),
    );
    let devs = |n| {
        doc(
            "",
            "",
            &format!(
                r#""devices":[{}]"#,
                list_of(n, |i| format!(r#"{{"path":"/dev/d{i}","type":"p"}}"#))
            ),
        )
    };
    ok(&devs(MAX_DEVICES));
    err(
        &devs(MAX_DEVICES + 1),
        Capacity,
        &format!("linux.devices[{MAX_DEVICES}]"),
    );
    let rules = |n| {
        doc(
            "",
            "",
            &format!(
                r#""seccomp":{{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{}]}}"#,
                list_of(n, |i| format!(
                    r#"{{"names":["s{i}"],"action":"SCMP_ACT_LOG"}}"#
                ))
            ),
        )
    };
    ok(&rules(MAX_SECCOMP_RULES));
    err(
        &rules(MAX_SECCOMP_RULES + 1),
        Capacity,
        &format!("linux.seccomp.syscalls[{MAX_SECCOMP_RULES}]"),
    );
    let args = |n| {
        doc(
            "",
            "",
            &format!(
                r#""seccomp":{{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{{"names":["s"],"action":"SCMP_ACT_LOG","args":[{}]}}]}}"#,
                list_of(n, |i| format!(
                    r#"{{"index":{},"value":{i},"op":"SCMP_CMP_NE"}}"#,
                    i % 6
                ))
            ),
        )
    };
    ok(&args(MAX_SECCOMP_ARGS));
    err(
        &args(MAX_SECCOMP_ARGS + 1),
        Capacity,
        &format!("linux.seccomp.syscalls[0].args[{MAX_SECCOMP_ARGS}]"),
    );
    // 16 rlimit types: all fit, a 17th is necessarily a duplicate.
    let all: Vec<String> = tables::RLIMITS
        .iter()
        .map(|n| {
            format!(
                r#"{{"type":"RLIMIT_{}","soft":1,"hard":2}}"#,
                String::from_utf8_lossy(n)
            )
        })
        .collect();
    let d = doc("", &format!(r#""rlimits":[{}]"#, all.join(",")), "");
    let c = ok(&d);
    assert_eq!(c.process.rlimits.len(), MAX_RLIMITS);
    // 8 namespace types.
    let ns: Vec<String> = tables::NAMESPACES
        .iter()
        .map(|n| format!(r#"{{"type":"{}"}}"#, String::from_utf8_lossy(n)))
        .collect();
    let d = format!(
        r#"{{"ociVersion":"1.0.0","process":{{"args":["a"],"cwd":"/"}},"root":{{"path":"r"}},"linux":{{"namespaces":[{}]}}}}"#,
        ns.join(",")
    );
    let c = ok(&d);
    assert_eq!(
        c.linux.clone_flags(),
        tables::NAMESPACE_FLAGS.iter().fold(0, |a, b| a | b)
    );
}

#[test]
fn mount_options() {
    let m = |opts: &str, ty: &str| -> Mount<'static> {
        let s = doc(
            &format!(
                r#""mounts":[{{"destination":"/m","type":"{ty}","source":"/s","options":[{opts}]}}]"#
            ),
            "",
            "",
        );
        let s: &'static str = Box::leak(s.into_boxed_str());
        ok(s).mounts.as_slice()[0]
    };
    assert_eq!(m(r#""ro","rw""#, "none").flags, 0);
    assert_eq!(m(r#""rw","ro""#, "none").flags, ms::RDONLY);
    assert_eq!(
        m(r#""nosuid","suid","nodev","noexec","exec""#, "x").flags,
        ms::NODEV
    );
    assert_eq!(
        m(
            r#""noatime","atime","nodiratime","relatime","strictatime""#,
            "x"
        )
        .flags,
        ms::NODIRATIME | ms::RELATIME | ms::STRICTATIME
    );
    assert_eq!(m(r#""sync","dirsync","mand","iversion","lazytime","silent","nosymfollow","acl","remount""#, "x").flags,
        ms::SYNCHRONOUS | ms::DIRSYNC | ms::MANDLOCK | ms::I_VERSION | ms::LAZYTIME | ms::SILENT | ms::NOSYMFOLLOW | ms::POSIXACL | ms::REMOUNT);
    assert_eq!(m(r#""sync","async","mand","nomand","iversion","noiversion","lazytime","nolazytime","silent","loud","nosymfollow","symfollow","acl","noacl","relatime","norelatime","strictatime","nostrictatime","defaults""#, "x").flags, 0);
    let b = m(r#""bind""#, "none");
    assert!(b.is_bind() && b.flags == ms::BIND);
    assert_eq!(m("", "bind").flags, ms::BIND);
    assert_eq!(m(r#""rbind""#, "none").flags, ms::BIND | ms::REC);
    for (o, p) in [
        ("private", ms::PRIVATE),
        ("rprivate", ms::PRIVATE | ms::REC),
        ("slave", ms::SLAVE),
        ("rslave", ms::SLAVE | ms::REC),
        ("shared", ms::SHARED),
        ("rshared", ms::SHARED | ms::REC),
        ("unbindable", ms::UNBINDABLE),
        ("runbindable", ms::UNBINDABLE | ms::REC),
    ] {
        let x = m(&format!(r#""ro","{o}""#,), "x");
        assert_eq!((x.flags, x.propagation), (ms::RDONLY, p), "{o}");
    }
    assert_eq!(
        m(r#""shared","rslave""#, "x").propagation,
        ms::SLAVE | ms::REC
    );
    let d = m(
        r#""mode=1777","ro","size=1g","lowerdir=/a:/b,upperdir=/u","a\u002cb""#,
        "tmpfs",
    );
    let mut buf = [0u8; 64];
    assert_eq!(
        d.data_nul(&mut buf).unwrap(),
        b"mode=1777,size=1g,lowerdir=/a:/b,upperdir=/u,a,b\0"
    );
    assert!(d.data_nul(&mut [0u8; 10]).is_none());
    assert_eq!(d.flags, ms::RDONLY);
}

// ---------------------------------------------------------------- writers

fn write_str(s: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; s.len() * 6 + 2];
    let mut w = Writer::new(&mut buf, false);
    w.str(s);
    w.finish().unwrap().to_vec()
}

#[test]
fn writer_escapes() {
    assert_eq!(write_str(b"plain"), b"\"plain\"");
    assert_eq!(
        write_str(b"a\"b\\c\n\r\t\x00\x01\x1f\x7f/\xc3\xa9"),
        b"\"a\\\"b\\\\c\\n\\r\\t\\u0000\\u0001\\u001f\x7f/\xc3\xa9\""
    );
    for c in 0u8..0x20 {
        let j = write_str(&[c]);
        let mut p = Parser::new(&j);
        assert_eq!(dec_str(&p.str().unwrap()), [c]);
    }
    let mut small = [0u8; 4];
    let mut w = Writer::new(&mut small, false);
    w.str(b"toolong");
    assert!(w.finish().is_none());
}

#[test]
fn writer_shapes() {
    let mut buf = [0u8; 256];
    let mut w = Writer::new(&mut buf, false);
    w.begin_object()
        .key(b"a")
        .begin_array()
        .u64(1)
        .i64(-2)
        .bool(true)
        .null()
        .end_array();
    w.key(b"e")
        .begin_object()
        .end_object()
        .key(b"f")
        .begin_array()
        .end_array();
    w.key(b"n")
        .i64(i64::MIN)
        .key(b"m")
        .u64(u64::MAX)
        .end_object();
    assert_eq!(w.finish().unwrap(), br#"{"a":[1,-2,true,null],"e":{},"f":[],"n":-9223372036854775808,"m":18446744073709551615}"#);
    let mut buf = [0u8; 256];
    let mut w = Writer::new(&mut buf, true);
    w.begin_object()
        .key(b"a")
        .str_array([&b"x"[..], b"y"])
        .key(b"b")
        .begin_object()
        .end_object()
        .end_object();
    assert_eq!(
        std::str::from_utf8(w.finish().unwrap()).unwrap(),
        "{\n\t\"a\": [\n\t\t\"x\",\n\t\t\"y\"\n\t],\n\t\"b\": {}\n}"
    );
    let mut b = [0u8; 20];
    assert_eq!(dec(0, &mut b), b"0");
    assert_eq!(dec(1234567890, &mut b), b"1234567890");
}

#[test]
fn state_json() {
    let c = OciConfig::parse(CONTAINERD).unwrap();
    let s = State {
        id: b"box\"1",
        status: Status::Running,
        pid: 4422,
        bundle: b"/run/b",
        annotations: c.annotations.as_slice(),
    };
    let mut buf = [0u8; 512];
    let out = write_state(&s, &mut buf, false).unwrap();
    let text = std::str::from_utf8(out).unwrap();
    assert_eq!(
        text,
        r#"{"ociVersion":"1.2.1","id":"box\"1","status":"running","pid":4422,"bundle":"/run/b","annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.sandbox-id":"4f7c1e9a","org.example/ünïcode":"✓ yes"}}"#
    );
    // Parse it back with the pull parser.
    let mut p = Parser::new(out);
    p.object().unwrap();
    let mut seen = Vec::new();
    while let Some(k) = p.key().unwrap() {
        seen.push(String::from_utf8(dec_str(&k)).unwrap());
        p.skip().unwrap();
    }
    p.finish().unwrap();
    assert_eq!(
        seen,
        ["ociVersion", "id", "status", "pid", "bundle", "annotations"]
    );
    // Stopped, no annotations, pretty.
    let s = State {
        id: b"x",
        status: Status::Stopped,
        pid: 0,
        bundle: b"/b",
        annotations: &[],
    };
    let out = write_state(&s, &mut buf, true).unwrap();
    assert_eq!(std::str::from_utf8(out).unwrap(), "{\n\t\"ociVersion\": \"1.2.1\",\n\t\"id\": \"x\",\n\t\"status\": \"stopped\",\n\t\"pid\": 0,\n\t\"bundle\": \"/b\",\n\t\"annotations\": {}\n}");
    assert!(write_state(&s, &mut [0u8; 40], true).is_none());
    for st in [Status::Creating, Status::Created, Status::Paused] {
        assert!(!st.as_bytes().is_empty());
    }
}

#[test]
fn default_config_round_trip() {
    let mut buf = [0u8; 4096];
    let out = write_default_config(&mut buf).unwrap();
    let c = OciConfig::parse(out).unwrap();
    let d = OciConfig::parse(DEFAULT_CONFIG).unwrap();
    // It looks like runc's, except hostname, version and two cap sets.
    let r = OciConfig::parse(RUNC_SPEC).unwrap();
    assert!(c.hostname.eq_bytes(b"rocker"));
    assert!(c.oci_version.eq_bytes(OCI_VERSION));
    assert_eq!(strs(c.process.args.as_slice()), ["sh"]);
    assert!(c.process.terminal && c.root.readonly && c.root.path.eq_bytes(b"rootfs"));
    assert_eq!(
        strs(c.process.env.as_slice()),
        strs(r.process.env.as_slice())
    );
    assert_eq!(
        c.process.capabilities.unwrap().bounding,
        r.process.capabilities.unwrap().bounding
    );
    assert_eq!(c.process.capabilities.unwrap().ambient, 0);
    assert_eq!(c.mounts.len(), 6);
    for (a, b) in c.mounts.iter().zip(r.mounts.iter()) {
        assert_eq!(dec_str(&a.destination), dec_str(&b.destination));
        assert_eq!((a.flags, a.propagation), (b.flags, b.propagation));
        assert_eq!(strs(a.data.as_slice()), strs(b.data.as_slice()));
    }
    assert_eq!(c.linux.clone_flags(), r.linux.clone_flags());
    assert_eq!(
        strs(c.linux.masked_paths.as_slice()),
        strs(r.linux.masked_paths.as_slice())
    );
    assert_eq!(
        strs(c.linux.readonly_paths.as_slice()),
        strs(r.linux.readonly_paths.as_slice())
    );
    assert_eq!(c.process.rlimits.as_slice()[0].soft, 1024);
    assert_eq!(d.mounts.len(), 6);
    // Indented with tabs, one entry a line, like runc.
    let text = std::str::from_utf8(out).unwrap();
    assert!(text
        .starts_with("{\n\t\"ociVersion\": \"1.2.1\",\n\t\"process\": {\n\t\t\"terminal\": true,"));
    assert!(text.ends_with("\t}\n}\n"));
    assert!(write_default_config(&mut [0u8; 100]).is_none());
}

#[test]
fn reformat_round_trip() {
    for input in [RUNC_SPEC, CONTAINERD, ESCAPES, RUNC_FEATURES] {
        for pretty in [false, true] {
            let mut buf = vec![0u8; input.len() * 2 + 64];
            let mut w = Writer::new(&mut buf, pretty);
            reformat(input, &mut w).unwrap();
            let once = w.finish().unwrap().to_vec();
            let mut buf2 = vec![0u8; once.len() * 2 + 64];
            let mut w = Writer::new(&mut buf2, pretty);
            reformat(&once, &mut w).unwrap();
            assert_eq!(w.finish().unwrap(), &once[..]);
            assert_eq!(tokens(&once).unwrap(), tokens(input).unwrap());
        }
    }
    // runc indents with tabs the same way: the reformatted runc output is the input.
    let mut buf = vec![0u8; 4096];
    let mut w = Writer::new(&mut buf, true);
    reformat(RUNC_SPEC, &mut w).unwrap();
    assert_eq!(w.finish().unwrap(), RUNC_SPEC);
}

#[test]
fn features_json() {
    let mut buf = [0u8; 8192];
    let out = write_features(&FEATURES, &mut buf).unwrap();
    assert!(out.len() < 4096, "{}", out.len());
    // Collect every string array by key.
    fn arrays(input: &[u8]) -> std::collections::BTreeMap<String, Vec<String>> {
        let mut m = std::collections::BTreeMap::new();
        let mut p = Parser::new(input);
        let mut key = String::new();
        loop {
            match p.next().unwrap() {
                Token::Key(k) => key = String::from_utf8(dec_str(&k)).unwrap(),
                Token::ArrBegin => {
                    let mut v = Vec::new();
                    while p.item().unwrap() {
                        v.push(String::from_utf8(dec_str(&p.str().unwrap())).unwrap());
                    }
                    m.insert(key.clone(), v);
                }
                _ => {}
            }
            if p.depth() == 0 {
                p.finish().unwrap();
                return m;
            }
        }
    }
    let ours = arrays(out);
    let runc = arrays(RUNC_FEATURES);
    assert_eq!(ours["capabilities"], runc["capabilities"]);
    assert_eq!(ours["namespaces"].len(), 8);
    assert_eq!(ours["actions"].len(), 9);
    assert_eq!(ours["operators"].len(), 7);
    assert_eq!(ours["archs"].len(), 23);
    assert!(ours["hooks"].is_empty());
    assert_eq!(ours["supportedFlags"].len(), 0);
    let mut a = ours["actions"].clone();
    a.sort();
    assert_eq!(a, runc["actions"]);
    let mut o = ours["operators"].clone();
    o.sort();
    assert_eq!(o, runc["operators"]);
    for arch in &runc["archs"] {
        assert!(ours["archs"].contains(arch), "{arch}");
    }
    // mountOptions: runc's list minus what we refuse.
    let mut mo = ours["mountOptions"].clone();
    mo.sort();
    let refused: Vec<String> = tables::MOUNT_OPTIONS
        .iter()
        .skip(tables::MOUNT_OPTIONS_SUPPORTED)
        .map(|n| String::from_utf8(n.to_vec()).unwrap())
        .collect();
    let expect: Vec<String> = runc["mountOptions"]
        .iter()
        .filter(|o| !refused.contains(o))
        .cloned()
        .collect();
    assert_eq!(mo, expect);
    let text = std::str::from_utf8(out).unwrap();
    assert!(text.contains("\"ociVersionMin\": \"1.0.0\""));
    assert!(text.contains("\"ociVersionMax\": \"1.2.1\""));
    assert!(text.contains("\"apparmor\": {\n\t\t\t\"enabled\": false\n\t\t}"));
    // A narrowed copy: data-driven.
    let f = Features {
        seccomp_archs: 1 << 1 | 1 << 4,
        capabilities: 1 << 5,
        namespaces: 0,
        annotations: &[(b"org.rocker.version", b"0.1.0")],
        ..FEATURES
    };
    let out = write_features(&f, &mut buf).unwrap();
    let a = arrays(out);
    assert_eq!(a["archs"], ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]);
    assert_eq!(a["capabilities"], ["CAP_KILL"]);
    assert!(a["namespaces"].is_empty());
    assert!(std::str::from_utf8(out)
        .unwrap()
        .contains("\"org.rocker.version\": \"0.1.0\""));
    assert!(write_features(&FEATURES, &mut [0u8; 512]).is_none());
}

// ---------------------------------------------------------------- fuzz

/// xorshift64*: deterministic, seedable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\udc00",
    b"\\u0000",
    b"null",
    b"true",
    b"false",
    b"-",
    b"0",
    b"1e999",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"1.5",
    b"\"CAP_KILL\"",
    b"\"rro\"",
    b"\"bind\"",
    b"\"SCMP_ACT_ERRNO\"",
    b"\"pid\"",
    b"\x00",
    b"\xff",
    b" ",
    b"\"\"",
    b"[]",
    b"{}",
    b"\"process\":",
    b"\"args\":[\"a\"]",
];

fn mutate(rng: &mut Rng, base: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(base);
    for _ in 0..1 + rng.below(8) {
        let pos = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if !out.is_empty() => {
                let end = (pos + 1 + rng.below(16)).min(out.len());
                out.drain(pos.min(end)..end);
            }
            1 => out.insert(pos, rng.next() as u8),
            2 if pos < out.len() => out[pos] = rng.next() as u8,
            3 if pos < out.len() => out[pos] ^= 1 << rng.below(8),
            4 => {
                let tok = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(pos..pos, tok.iter().copied());
            }
            5 => {
                // duplicate a chunk
                let a = rng.below(out.len() + 1);
                let b = (a + rng.below(64)).min(out.len());
                let chunk = out[a..b].to_vec();
                out.splice(pos..pos, chunk);
            }
            _ => out.truncate(pos),
        }
    }
}

/// FNV-1a over every token (kind and decoded bytes), or the error.
fn token_hash(input: &[u8]) -> Result<u64, (ErrorKind, usize)> {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    };
    let mut p = Parser::new(input);
    loop {
        let Some(t) = p.next() else {
            let e = p.error().unwrap();
            return Err((e.kind, e.offset));
        };
        match t {
            Token::ObjBegin => eat(b'{'),
            Token::ObjEnd => eat(b'}'),
            Token::ArrBegin => eat(b'['),
            Token::ArrEnd => eat(b']'),
            Token::Key(k) => {
                eat(b'K');
                k.bytes().for_each(&mut eat);
            }
            Token::Str(s) => {
                eat(b'S');
                s.bytes().for_each(&mut eat);
            }
            Token::Num(n) => {
                eat(b'N');
                n.raw().iter().copied().for_each(&mut eat);
            }
            Token::Bool(b) => eat(b as u8),
            Token::Null => eat(b'n'),
        }
        if p.depth() == 0 {
            if p.finish().is_none() {
                let e = p.error().unwrap();
                return Err((e.kind, e.offset));
            }
            return Ok(h);
        }
    }
}

/// Everything the crate does with an input; must never panic.
fn exercise(input: &[u8], out: &mut [u8]) {
    match OciConfig::parse(input) {
        Ok(c) => {
            // Everything the caller may touch.
            let mut buf = [0u8; 4096];
            for s in c.process.args.iter().chain(c.process.env.iter()) {
                let _ = s.decode_nul(&mut buf);
            }
            for m in c.mounts.iter() {
                let _ = m.data_nul(&mut buf);
            }
            if let Some(s) = c.linux.seccomp() {
                for r in s.syscalls.iter() {
                    assert_eq!(r.names.iter().count(), r.names.len());
                    let _ = r.args(s);
                }
            }
            let st = State {
                id: b"x",
                status: Status::Created,
                pid: 1,
                bundle: b"/",
                annotations: c.annotations.as_slice(),
            };
            let _ = write_state(&st, &mut buf, false);
        }
        Err(e) => {
            assert!(e.path().len() <= ERROR_PATH_LEN);
            let _ = e.message(&mut [0u8; 64]);
        }
    }
    let _ = parse_process(input);
    // Re-emitting valid JSON gives the same tokens.
    if let Ok(h) = token_hash(input) {
        let mut w = Writer::new(out, true);
        reformat(input, &mut w).unwrap();
        if let Some(again) = w.finish() {
            assert_eq!(token_hash(again), Ok(h));
        }
    }
}

fn fuzz(iterations: u64, seed: u64) {
    let bases: &[&[u8]] = &[RUNC_SPEC, CONTAINERD, ESCAPES, DEFAULT_CONFIG, b"{}", b"[]"];
    let mut rng = Rng(seed | 1);
    let mut buf = Vec::new();
    let mut out = vec![0u8; 64 * 1024];
    for i in 0..iterations {
        if i % 16 == 0 {
            // pure random bytes over a JSON-ish alphabet
            let n = rng.below(64);
            buf.clear();
            const A: &[u8] = b"{}[],:\"\\u0123456789abcdefEe.-+ tnrl\x00\xff";
            for _ in 0..n {
                buf.push(A[rng.below(A.len())]);
            }
        } else {
            let base = bases[rng.below(bases.len())];
            mutate(&mut rng, base, &mut buf);
        }
        exercise(&buf, &mut out);
    }
}

#[test]
fn fuzz_never_panics() {
    // ROCKER_OCI_FUZZ=N runs N iterations (the default keeps `cargo test` quick).
    let n = std::env::var("ROCKER_OCI_FUZZ")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seed = std::env::var("ROCKER_OCI_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED);
    fuzz(n, seed);
}

#[test]
fn writer_round_trip_random_strings() {
    let mut rng = Rng(77);
    for _ in 0..20_000 {
        let s: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
        let j = write_str(&s);
        let mut p = Parser::new(&j);
        let v = p.str().unwrap();
        p.finish().unwrap();
        assert_eq!(dec_str(&v), s);
        // and through an OciConfig field
        let json = [
            &br#"{"ociVersion":"1.0.0","process":{"args":["#[..],
            &j,
            br#"],"cwd":"/"},"root":{"path":"r"}}"#,
        ]
        .concat();
        match OciConfig::parse(&json) {
            Ok(c) => assert_eq!(dec_str(&c.process.args.as_slice()[0]), s),
            Err(e) => assert!(s.contains(&0) && e.kind() == ErrorKind::Value, "{s:?}"),
        }
    }
}

#[test]
fn dec_matches_division() {
    let mut rng = Rng(3);
    let mut b = [0u8; 20];
    for i in 0..200_000u64 {
        let v = match i % 4 {
            0 => rng.next(),
            1 => rng.next() >> (rng.next() % 64),
            2 => i,
            _ => u64::MAX - i,
        };
        assert_eq!(dec(v, &mut b), v.to_string().as_bytes(), "{v}");
    }
}

#[test]
fn parser_path() {
    let mut p = Parser::new(br#"{"a": [1, {"b": [true, {"c": 2}]}], "d": {}}"#);
    let mut buf = [0u8; 64];
    let mut seen = Vec::new();
    while p.depth() > 0 || seen.is_empty() {
        let t = p.next().unwrap();
        if matches!(t, Token::Num(_) | Token::Bool(_)) {
            seen.push(String::from_utf8(p.path(&mut buf).to_vec()).unwrap());
        }
    }
    assert_eq!(seen, ["a[0]", "a[1].b[0]", "a[1].b[1].c"]);
    assert_eq!(p.path(&mut buf), b"");
    // Cut to fit, never more than the buffer.
    let mut p = Parser::new(br#"{"long_key_name": {"x": 1}}"#);
    for _ in 0..4 {
        p.next().unwrap();
    }
    assert_eq!(p.path(&mut [0u8; 64]), b"long_key_name.x");
    assert_eq!(p.path(&mut [0u8; 6]), b"long_k");
    // Deeper than PATH_DEPTH: the deep levels are left out.
    let deep = format!("{}1{}", "[".repeat(12), "]".repeat(12));
    let mut p = Parser::new(deep.as_bytes());
    while !matches!(p.next().unwrap(), Token::Num(_)) {}
    assert_eq!(p.path(&mut buf), "[0]".repeat(json::PATH_DEPTH).as_bytes());
}
