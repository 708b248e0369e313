//! Host tests: a classic-BPF interpreter runs the generated programs for
//! every arch's table over synthetic `seccomp_data`; then, as root, the
//! real kernel runs the default filter.
use crate::filter;
use crate::names::{self, each, lookup, Names, Syscall};
use crate::tables::{aarch64, arm, mips, x86_64};
use crate::*;
use linux_raw_sys::general as g;
use linux_raw_sys::ptrace as p;
use std::collections::{BTreeMap, BTreeSet};

const ARCHES: [(&str, &ArchDesc); 5] = [
    ("x86_64", &x86_64::DESC),
    ("aarch64", &aarch64::DESC),
    ("arm", &arm::DESC),
    ("mipsel", &mips::DESC_MIPSEL),
    ("mips", &mips::DESC_MIPS),
];
const ALLOW: u32 = p::SECCOMP_RET_ALLOW;
const KILL: u32 = p::SECCOMP_RET_KILL_PROCESS;
const ERRNO: u32 = p::SECCOMP_RET_ERRNO;

// ---------------------------------------------------------------- interpreter

/// `struct seccomp_data` as the kernel lays it out for `d`'s arch.
fn data(d: &ArchDesc, nr: u32, arch: u32, args: [u64; 6]) -> [u8; 64] {
    let mut b = [0u8; 64];
    let w32 = |v: u32| if d.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
    let w64 = |v: u64| if d.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
    b[0..4].copy_from_slice(&w32(nr));
    b[4..8].copy_from_slice(&w32(arch));
    b[8..16].copy_from_slice(&w64(0x1234_5678));
    for (i, a) in args.iter().enumerate() {
        b[16 + 8 * i..24 + 8 * i].copy_from_slice(&w64(*a));
    }
    b
}

/// Checks `prog` as the kernel does (`bpf_check_classic` and
/// `seccomp_check_filter`, for the opcodes the generator uses) and runs it.
fn run(prog: &[SockFilter], be: bool, data: &[u8; 64]) -> Result<u32, String> {
    use p::*;
    if prog.is_empty() || prog.len() > MAX_INSNS {
        return Err(format!("length {}", prog.len()));
    }
    for (i, s) in prog.iter().enumerate() {
        let c = s.code as u32;
        let jump_ok = |o: u32| i + 1 + (o as usize) < prog.len();
        match c {
            _ if c == BPF_LD | BPF_W | BPF_ABS => {
                if s.k % 4 != 0 || s.k as usize >= 64 {
                    return Err(format!("{i}: load at {}", s.k));
                }
            }
            _ if c == BPF_ALU | BPF_AND | BPF_K || c == BPF_RET | BPF_K => {}
            _ if c == BPF_JMP | BPF_JA => {
                if !jump_ok(s.k) {
                    return Err(format!("{i}: ja out of range"));
                }
            }
            _ if [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].iter().any(|j| c == BPF_JMP | j | BPF_K) => {
                if !jump_ok(s.jt as u32) || !jump_ok(s.jf as u32) {
                    return Err(format!("{i}: jump out of range"));
                }
            }
            _ => return Err(format!("{i}: opcode {c:#x} not used by the generator")),
        }
    }
    if prog.last().unwrap().code as u32 != BPF_RET | BPF_K {
        return Err("last instruction is not ret".into());
    }
    let mut a: u32 = 0;
    let mut pc = 0usize;
    loop {
        let s = prog[pc];
        let c = s.code as u32;
        pc += 1;
        if c == BPF_LD | BPF_W | BPF_ABS {
            let w: [u8; 4] = data[s.k as usize..s.k as usize + 4].try_into().unwrap();
            a = if be { u32::from_be_bytes(w) } else { u32::from_le_bytes(w) };
        } else if c == BPF_ALU | BPF_AND | BPF_K {
            a &= s.k;
        } else if c == BPF_RET | BPF_K {
            return Ok(s.k);
        } else if c == BPF_JMP | BPF_JA {
            pc += s.k as usize;
        } else {
            let t = match c & 0xf0 {
                x if x == BPF_JEQ => a == s.k,
                x if x == BPF_JGT => a > s.k,
                x if x == BPF_JGE => a >= s.k,
                _ => a & s.k != 0,
            };
            pc += if t { s.jt } else { s.jf } as usize;
        }
    }
}

/// The program's verdict for one call.
fn verdict(prog: &[SockFilter], d: &ArchDesc, nr: u32, args: [u64; 6]) -> u32 {
    run(prog, d.big_endian, &data(d, nr, d.audit_arch, args)).unwrap()
}

fn default_prog(d: &ArchDesc) -> Vec<SockFilter> {
    let p = filter::default_program(d);
    p.insns[..p.len].to_vec()
}

fn profile_prog(d: &ArchDesc, prof: &Profile) -> Result<Vec<SockFilter>, Error> {
    let mut buf = vec![ZERO; 2 * MAX_INSNS];
    let h = filter::header(d);
    let n = filter::profile(d, &h.insns[..h.len], prof, &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

fn nr(d: &ArchDesc, name: &str) -> u32 {
    match lookup(d.names, name.as_bytes()) {
        Syscall::Nr(n) => n,
        o => panic!("{name}: {o:?}"),
    }
}

fn has(d: &ArchDesc, name: &str) -> bool {
    matches!(lookup(d.names, name.as_bytes()), Syscall::Nr(_))
}

// ---------------------------------------------------------------- the default filter

#[test]
fn default_filter_is_valid_and_compact() {
    for (arch, d) in ARCHES {
        let prog = default_prog(d);
        assert_eq!(prog.len(), filter::default_len(d), "{arch}");
        run(&prog, d.big_endian, &data(d, 0, d.audit_arch, [0; 6])).unwrap();
        // One comparison per denied call and ~20 more.
        assert!(prog.len() <= d.deny.len() + 28, "{arch}: {}", prog.len());
        println!("{arch}: default filter {} instructions, {} denied numbers", prog.len(), d.deny.len());
    }
    let mut buf = [ZERO; DEFAULT_FILTER_LEN + 1];
    assert_eq!(default_filter(&mut buf), Ok(DEFAULT_FILTER_LEN));
    let host = default_prog(&x86_64::DESC);
    assert_eq!(host.len(), DEFAULT_FILTER_LEN);
    for (i, a) in host.iter().enumerate() {
        for b in [DEFAULT_FILTER[i], buf[i]] {
            assert_eq!((a.code, a.jt, a.jf, a.k), (b.code, b.jt, b.jf, b.k));
        }
    }
    let mut small = [ZERO; DEFAULT_FILTER_LEN - 1];
    assert_eq!(default_filter(&mut small), Err(Error::BufferTooSmall));
    // The compile-time bytes are the program in the kernel's layout.
    let mut bytes = [0u8; DEFAULT_FILTER_LEN * 8];
    assert_eq!(to_bytes(&DEFAULT_FILTER, &mut bytes), Ok(bytes.len()));
    assert_eq!(bytes, DEFAULT_FILTER_BYTES);
}

#[test]
fn default_filter_refuses_other_arches() {
    let foreign = [
        p::AUDIT_ARCH_I386,
        p::AUDIT_ARCH_X86_64,
        p::AUDIT_ARCH_AARCH64,
        p::AUDIT_ARCH_ARM,
        p::AUDIT_ARCH_ARMEB,
        p::AUDIT_ARCH_MIPS,
        p::AUDIT_ARCH_MIPSEL,
        p::AUDIT_ARCH_MIPS64,
        p::AUDIT_ARCH_MIPSEL64N32,
        0,
    ];
    for (arch, d) in ARCHES {
        let prog = default_prog(d);
        for a in foreign.iter().filter(|&&a| a != d.audit_arch) {
            for n in [0, 1, 20, d.nr_ioctl, 4000, 0x4000_0000] {
                let r = run(&prog, d.big_endian, &data(d, n, *a, [0; 6])).unwrap();
                assert_eq!(r, KILL, "{arch}: arch {a:#x} nr {n}");
            }
        }
    }
}

#[test]
fn default_filter_refuses_x32() {
    let d = &x86_64::DESC;
    let prog = default_prog(d);
    for n in [0x4000_0000, 0x4000_0000 | nr(d, "getpid"), 0x4000_0000 | 512, u32::MAX - 1] {
        assert_eq!(verdict(&prog, d, n, [0; 6]), KILL, "nr {n:#x}");
    }
    assert_eq!(verdict(&prog, d, 0x3fff_ffff, [0; 6]), ALLOW);
    // nr -1: a tracer skipping the call; the kernel returns ENOSYS.
    assert_eq!(verdict(&prog, d, u32::MAX, [0; 6]), ALLOW);
    // The other arches have no such bit: a big nr is just unknown (ENOSYS).
    for (arch, d) in &ARCHES[1..] {
        assert_eq!(verdict(&default_prog(d), d, 0x4000_0000, [0; 6]), ALLOW, "{arch}");
    }
}

#[test]
fn default_filter_denies_with_eperm_and_allows_the_rest() {
    // Names from gen-tables.py's DENY: spot-check the important ones exist.
    for (arch, d) in ARCHES {
        let prog = default_prog(d);
        let eperm = ERRNO | d.eperm;
        for n in ["unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "keyctl", "bpf", "perf_event_open"] {
            assert!(d.deny.contains(&(nr(d, n) as u16)), "{arch}: {n} not denied");
        }
        for n in ["fsopen", "fsmount", "move_mount", "open_tree", "mount_setattr", "add_key", "request_key"] {
            assert!(d.deny.contains(&(nr(d, n) as u16)), "{arch}: {n} not denied");
        }
        for n in ["userfaultfd", "kexec_load", "init_module", "finit_module", "delete_module", "reboot", "swapon"] {
            assert!(d.deny.contains(&(nr(d, n) as u16)), "{arch}: {n} not denied");
        }
        for n in ["acct", "quotactl", "open_by_handle_at", "settimeofday", "clock_settime", "kcmp", "mbind"] {
            assert!(d.deny.contains(&(nr(d, n) as u16)), "{arch}: {n} not denied");
        }
        for n in ["process_vm_readv", "process_vm_writev", "get_mempolicy", "set_mempolicy", "move_pages", "migrate_pages"] {
            assert!(d.deny.contains(&(nr(d, n) as u16)), "{arch}: {n} not denied");
        }
        for n in ["sethostname", "setdomainname"] {
            assert!(d.deny.contains(&(nr(d, n) as u16)), "{arch}: {n} not denied");
        }
        for n in ["umount", "stime", "iopl", "ioperm", "vm86", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl"] {
            assert_eq!(has(d, n), d.deny.contains(&(nr_or(d, n) as u16)), "{arch}: {n}");
        }
        for n in ["clock_settime64", "clock_adjtime64"] {
            assert_eq!(has(d, n), !d.bits64, "{arch}: {n}");
        }
        let args = [u64::MAX, 0, 1, 2, 3, 4];
        for &n in d.deny {
            assert_eq!(verdict(&prog, d, n.into(), [0; 6]), eperm, "{arch}: nr {n}");
            assert_eq!(verdict(&prog, d, n.into(), args), eperm, "{arch}: nr {n}");
        }
        let special = [d.nr_clone, d.nr_clone3, d.nr_personality, d.nr_ioctl];
        let mut allowed = 0;
        each(d.names, |name, n| {
            if special.contains(&n) || d.deny.contains(&(n as u16)) {
                return;
            }
            allowed += 1;
            for a in [[0; 6], args] {
                assert_eq!(verdict(&prog, d, n, a), ALLOW, "{arch}: {}", String::from_utf8_lossy(name));
            }
        });
        assert!(allowed > 250, "{arch}: {allowed}");
        for n in ["ptrace", "read", "write", "openat", "execve", "exit_group", "socket", "seccomp", "prctl"] {
            assert_eq!(verdict(&prog, d, nr(d, n), [0; 6]), ALLOW, "{arch}: {n}");
        }
        assert_eq!(verdict(&prog, d, d.nr_clone3, [0; 6]), ERRNO | d.enosys, "{arch}: clone3");
    }
    assert_eq!(mips::DESC_MIPS.enosys, 89); // MIPS errnos differ
}

fn nr_or(d: &ArchDesc, name: &str) -> u32 {
    match lookup(d.names, name.as_bytes()) {
        Syscall::Nr(n) => n,
        _ => u32::MAX,
    }
}

#[test]
fn default_filter_clone_flags() {
    let ns = [
        g::CLONE_NEWNS,
        g::CLONE_NEWUTS,
        g::CLONE_NEWIPC,
        g::CLONE_NEWUSER,
        g::CLONE_NEWPID,
        g::CLONE_NEWNET,
        g::CLONE_NEWCGROUP,
    ];
    let thread = g::CLONE_VM
        | g::CLONE_FS
        | g::CLONE_FILES
        | g::CLONE_SIGHAND
        | g::CLONE_THREAD
        | g::CLONE_SYSVSEM
        | g::CLONE_SETTLS
        | g::CLONE_PARENT_SETTID
        | g::CLONE_CHILD_CLEARTID;
    for (arch, d) in ARCHES {
        let prog = default_prog(d);
        let c = |flags: u64, rest: u64| verdict(&prog, d, d.nr_clone, [flags, rest, rest, rest, rest, rest]);
        for ok in [g::SIGCHLD, 0, thread, g::CLONE_VFORK | g::CLONE_VM | g::SIGCHLD, g::CLONE_PIDFD | g::SIGCHLD] {
            assert_eq!(c(ok.into(), 0), ALLOW, "{arch}: {ok:#x}");
            // The namespace flags in another argument do not matter.
            assert_eq!(c(ok.into(), g::CLONE_NEWUSER.into()), ALLOW, "{arch}: {ok:#x}");
        }
        for f in ns {
            assert_eq!(c((f | g::SIGCHLD).into(), 0), ERRNO | d.eperm, "{arch}: {f:#x}");
            assert_eq!(c(f.into(), 0), ERRNO | d.eperm, "{arch}: {f:#x}");
        }
        assert_eq!(c((ns.iter().fold(0, |a, f| a | f) | thread).into(), 0), ERRNO | d.eperm);
        if d.bits64 {
            // High bits: clone takes only the low 32 (lower_32_bits()).
            assert_eq!(c(0xffff_ffff_0000_0011, 0), ALLOW, "{arch}");
            assert_eq!(c(0xffff_ffff_1000_0011, 0), ERRNO | d.eperm, "{arch}");
        }
    }
}

#[test]
fn default_filter_personality() {
    for (arch, d) in ARCHES {
        let prog = default_prog(d);
        let pers = |v: u64| verdict(&prog, d, d.nr_personality, [v, 0, 0, 0, 0, 0]);
        for ok in [0, 8, 0x20000, 0x20008, 0xffff_ffff] {
            assert_eq!(pers(ok), ALLOW, "{arch}: {ok:#x}");
        }
        // READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, PER_BSD, PER_SVR4, ...
        for bad in [0x40_0000, 0x4_0000, 6, 0x0400_0001, 1, 0x20009, 0xffff_fffe] {
            assert_eq!(pers(bad), ERRNO | d.eperm, "{arch}: {bad:#x}");
        }
    }
}

#[test]
fn default_filter_ioctl() {
    for (arch, d) in ARCHES {
        let prog = default_prog(d);
        let io = |args: [u64; 6]| verdict(&prog, d, d.nr_ioctl, args);
        let (sti, linux) = (d.tiocsti as u64, d.tioclinux as u64);
        assert_eq!(io([0, sti, 0, 0, 0, 0]), ERRNO | d.eperm, "{arch}");
        assert_eq!(io([5, linux, 7, 0, 0, 0]), ERRNO | d.eperm, "{arch}");
        // Other requests, or TIOCSTI in another argument, pass.
        for other in [0x5401, 0x540d, 0x541b, 0x8912, sti + 1, 0] {
            assert_eq!(io([0, other, sti, sti, 0, 0]), ALLOW, "{arch}: {other:#x}");
        }
        assert_eq!(io([sti, 0x5401, 0, 0, 0, 0]), ALLOW, "{arch}");
    }
    // MIPS has its own ioctl numbers.
    assert_eq!((mips::DESC_MIPS.tiocsti, mips::DESC_MIPS.tioclinux), (0x5472, 0x5483));
    assert_eq!((x86_64::DESC.tiocsti, arm::DESC.tiocsti), (0x5412, 0x5412));
}

#[test]
fn default_filter_arch_specifics() {
    // MIPS o32 numbers start at 4000: arm's mount (21) is nothing there.
    let (m, a) = (&mips::DESC_MIPS, &arm::DESC);
    assert_eq!((nr(m, "mount"), nr(a, "mount")), (4021, 21));
    assert_eq!(verdict(&default_prog(m), m, 21, [0; 6]), ALLOW);
    assert_eq!(verdict(&default_prog(m), m, 4021, [0; 6]), ERRNO | 1);
    // arm's private calls are allowed.
    let prog = default_prog(a);
    for n in ["breakpoint", "cacheflush", "usr26", "usr32", "set_tls", "get_tls"] {
        let v = nr(a, n);
        assert!((0x0f_0001..=0x0f_0006).contains(&v));
        assert_eq!(verdict(&prog, a, v, [0; 6]), ALLOW, "{n}");
    }
    // aarch64 has no umount, x86_64 no stime: absent, not guessed.
    assert_eq!(lookup(aarch64::DESC.names, b"umount"), Syscall::OtherArch);
    assert_eq!(lookup(x86_64::DESC.names, b"stime"), Syscall::OtherArch);
}

// ---------------------------------------------------------------- names

#[test]
fn lookups() {
    assert_eq!(nr(&x86_64::DESC, "read"), 0);
    assert_eq!(nr(&aarch64::DESC, "read"), 63);
    assert_eq!(nr(&arm::DESC, "read"), 3);
    assert_eq!(nr(&mips::DESC_MIPS, "read"), 4003);
    assert_eq!(nr(&mips::DESC_MIPS, "syscall"), 4000);
    assert_eq!(nr(&arm::DESC, "set_tls"), 0x0f_0005);
    assert_eq!(nr(&arm::DESC, "sync_file_range2"), 341);
    assert_eq!(nr(&arm::DESC, "arm_sync_file_range"), 341);
    assert_eq!(nr(&x86_64::DESC, "arch_prctl"), 158);
    for (arch, d) in ARCHES {
        for n in ["", "rea", "readx", "READ", "read\0", "foo", "sys_read", "open tree", "\u{e9}", "_"] {
            assert_eq!(lookup(d.names, n.as_bytes()), Syscall::Unknown, "{arch}: {n:?}");
        }
        let long = [b'a'; 300];
        assert_eq!(lookup(d.names, &long), Syscall::Unknown);
        for n in ["s390_runtime_instr", "riscv_flush_icache", "spu_run", "swapcontext"] {
            assert_eq!(lookup(d.names, n.as_bytes()), Syscall::OtherArch, "{arch}: {n}");
        }
    }
    assert_eq!(lookup(aarch64::DESC.names, b"open"), Syscall::OtherArch);
    assert_eq!(lookup(arm::DESC.names, b"arch_prctl"), Syscall::OtherArch);
    assert_eq!(lookup(x86_64::DESC.names, b"_llseek"), Syscall::OtherArch);
    assert_eq!(lookup(x86_64::DESC.names, b"set_tls"), Syscall::OtherArch);
    assert_eq!(syscall_nr(b"getpid"), Syscall::Nr(g::__NR_getpid));
}

#[test]
fn every_entry_resolves_to_itself() {
    for (arch, d) in ARCHES {
        let mut n = 0;
        each(d.names, |name, v| {
            n += 1;
            assert_eq!(lookup(d.names, name), Syscall::Nr(v), "{arch}: {}", String::from_utf8_lossy(name));
        });
        assert!(n > 300, "{arch}: {n}");
    }
}

/// linux-raw-sys's source of the locked version, if present.
fn raw_sys_src() -> Option<std::path::PathBuf> {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).ok()?;
    let ver = lock.split("name = \"linux-raw-sys\"\nversion = \"").nth(1)?.split('"').next()?.to_string();
    let home = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap()));
    let reg = std::fs::read_dir(format!("{home}/registry/src")).ok()?;
    reg.flatten().map(|e| e.path().join(format!("linux-raw-sys-{ver}/src"))).find(|p| p.is_dir())
}

/// The tables against a parse of linux-raw-sys's sources done here, apart
/// from gen-tables.py (the compile-time checks cover the build target only).
#[test]
fn tables_equal_linux_raw_sys_sources() {
    let Some(src) = raw_sys_src() else {
        println!("SKIP: linux-raw-sys source not found under $CARGO_HOME/registry/src");
        return;
    };
    for (dir, d) in
        [("x86_64", &x86_64::DESC), ("aarch64", &aarch64::DESC), ("arm", &arm::DESC), ("mips", &mips::DESC_MIPS)]
    {
        let text = std::fs::read_to_string(src.join(dir).join("general.rs")).unwrap();
        let mut want = BTreeSet::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("pub const ") else {
                continue;
            };
            let Some((name, v)) = rest.split_once(": u32 = ") else {
                continue;
            };
            let v: u32 = v.trim_end_matches(';').parse().unwrap();
            let name = match (name.strip_prefix("__NR_"), name.strip_prefix("__ARM_NR_")) {
                (Some(n), _) => n,
                (_, Some(n)) if n != "BASE" => n,
                _ => continue,
            };
            if ["Linux", "SYSCALL_MASK", "OABI_SYSCALL_BASE", "SYSCALL_BASE"].contains(&name) {
                continue;
            }
            want.insert((name.to_string(), v));
        }
        let mut got = BTreeSet::new();
        each(d.names, |n, v| {
            got.insert((String::from_utf8(n.to_vec()).unwrap(), v));
        });
        assert_eq!(got, want, "{dir}");
        // The default filter's numbers.
        let find = |n: &str| want.iter().find(|(w, _)| w == n).map(|(_, v)| *v);
        assert_eq!(Some(d.nr_clone), find("clone"));
        assert_eq!(Some(d.nr_clone3), find("clone3"));
        assert_eq!(Some(d.nr_personality), find("personality"));
        assert_eq!(Some(d.nr_ioctl), find("ioctl"));
    }
}

/// gen-tables.py would write the same files (needs python3).
#[test]
fn tables_are_up_to_date() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/gen-tables.py");
    match std::process::Command::new("python3").arg(script).arg("--check").output() {
        Ok(o) => assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => println!("SKIP: python3: {e}"),
    }
}

#[test]
fn check_rejects_a_wrong_table() {
    let t = &x86_64::NAMES;
    let (mut names, mut other) = (Vec::new(), Vec::new());
    names::each_entry(t, |n, v| {
        let n = String::from_utf8(n.to_vec()).unwrap();
        match v {
            Some(v) => names.push((n, v)),
            None => other.push(n),
        }
    });
    let pairs: Vec<(&str, u32)> = names.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let other: Vec<&str> = other.iter().map(|n| n.as_str()).collect();
    assert!(names::check(t, &pairs, &other));
    let mut wrong = pairs.clone();
    wrong[5].1 += 1;
    assert!(!names::check(t, &wrong, &other));
    wrong = pairs.clone();
    wrong[7].0 = "reed";
    assert!(!names::check(t, &wrong, &other));
    assert!(!names::check(t, &pairs[1..], &other));
    assert!(!names::check(t, &pairs, &other[1..]));
    assert!(!names::check(t, &pairs[..pairs.len() - 1], &other));
    let cut = Names { stream: &t.stream[..t.stream.len() - 1], ..*t };
    assert!(!names::check(&cut, &pairs, &other));
    let nopairs = Names { pairs: &t.pairs[..10], ..*t };
    assert!(!names::check(&nopairs, &pairs, &other));
    assert_eq!(lookup(&nopairs, b"zzz"), Syscall::Unknown);
}

// ---------------------------------------------------------------- profiles

fn rule<'a>(name: &'a str, action: Action, args: &'a [ArgCmp]) -> Rule<'a> {
    Rule { name: name.as_bytes(), action, args }
}

fn cmp(index: u8, op: CmpOp, value: u64, value2: u64) -> ArgCmp {
    ArgCmp { index, op, value, value2 }
}

/// What the comparison means (on 32-bit arches the kernel's argument and,
/// by this crate's rule, the profile's values are 32-bit).
fn holds(c: &ArgCmp, arg: u64, bits64: bool) -> bool {
    let t = |v: u64| if bits64 { v } else { v & 0xffff_ffff };
    let (a, v, v2) = (t(arg), t(c.value), t(c.value2));
    match c.op {
        CmpOp::Eq => a == v,
        CmpOp::Ne => a != v,
        CmpOp::Lt => a < v,
        CmpOp::Le => a <= v,
        CmpOp::Gt => a > v,
        CmpOp::Ge => a >= v,
        CmpOp::MaskedEq => a & v == v2,
    }
}

#[test]
fn profile_conditions_match_their_meaning() {
    let values: [u64; 10] = [
        0,
        1,
        40,
        0x7fff_ffff,
        0xffff_ffff,
        0x1_0000_0000,
        0x1_0000_0028,
        0xdead_beef_0000_0005,
        u64::MAX - 1,
        u64::MAX,
    ];
    let ops = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge, CmpOp::MaskedEq];
    let mut checked = 0;
    for (arch, d) in ARCHES {
        let getpid = nr(d, "getpid");
        for op in ops {
            for &v in &values {
                for v2 in [0, 1, 0x28, 0xffff_ffff_0000_0000] {
                    if op != CmpOp::MaskedEq && v2 != 0 {
                        continue;
                    }
                    for index in [0, 3, 5] {
                        let c = [cmp(index, op, v, v2)];
                        let prof = Profile {
                            default_action: Action::Allow,
                            rules: &[rule("getpid", Action::Errno(99), &c)],
                            skip_other_arch: false,
                        };
                        let prog = profile_prog(d, &prof).unwrap();
                        for &a in values.iter().chain(&[v.wrapping_sub(1), v, v.wrapping_add(1), v ^ (1 << 32)]) {
                            // A 32-bit kernel zero-extends its registers.
                            let a = if d.bits64 { a } else { a & 0xffff_ffff };
                            let mut args =
                                [0x5555_5555_5555_5555u64 & if d.bits64 { u64::MAX } else { 0xffff_ffff }; 6];
                            args[index as usize] = a;
                            let want = if holds(&c[0], a, d.bits64) { ERRNO | 99 } else { ALLOW };
                            assert_eq!(
                                verdict(&prog, d, getpid, args),
                                want,
                                "{arch}: {op:?} {v:#x} {v2:#x} arg{index}={a:#x}"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    println!("{checked} condition checks");
}

#[test]
fn profile_docker_like() {
    // The shape of Docker's default.json: an allow list (with names of other
    // arches), personality and clone with conditions, default EPERM.
    let allow = [
        "read",
        "write",
        "openat",
        "open",
        "close",
        "exit_group",
        "getpid",
        "_llseek",
        "arch_prctl",
        "set_tls",
        "mmap",
        "mmap2",
        "fstat",
        "fstat64",
        "socket",
        "rt_sigreturn",
        "sigreturn",
        "epoll_wait_old",
        "ioctl",
    ];
    let pers: Vec<[ArgCmp; 1]> =
        [0u64, 8, 0x20000, 0x20008, 0xffff_ffff].iter().map(|&v| [cmp(0, CmpOp::Eq, v, 0)]).collect();
    let clone_ok = [cmp(0, CmpOp::MaskedEq, 0x7e02_0000, 0)];
    let vsock = [cmp(0, CmpOp::Ne, 40, 0)];
    let mut rules: Vec<Rule> = allow.iter().filter(|&&n| n != "socket").map(|n| rule(n, Action::Allow, &[])).collect();
    rules.push(rule("socket", Action::Allow, &vsock));
    for c in &pers {
        rules.push(rule("personality", Action::Allow, c));
    }
    rules.push(rule("clone", Action::Allow, &clone_ok));
    rules.push(rule("clone3", Action::Errno(38), &[]));
    for (arch, d) in ARCHES {
        let prof = Profile { default_action: Action::Errno(d.eperm as u16), rules: &rules, skip_other_arch: true };
        let prog = profile_prog(d, &prof).unwrap();
        let eperm = ERRNO | d.eperm;
        let v = |n: &str, args: [u64; 6]| verdict(&prog, d, nr(d, n), args);
        for n in ["read", "write", "exit_group", "getpid", "openat", "ioctl"] {
            assert_eq!(v(n, [0; 6]), ALLOW, "{arch}: {n}");
        }
        for n in ["mount", "unshare", "bpf", "getppid", "kill", "ptrace"] {
            assert_eq!(v(n, [0; 6]), eperm, "{arch}: {n}");
        }
        assert_eq!(v("socket", [2, 1, 0, 0, 0, 0]), ALLOW, "{arch}");
        assert_eq!(v("socket", [40, 1, 0, 0, 0, 0]), eperm, "{arch}");
        assert_eq!(v("personality", [8, 0, 0, 0, 0, 0]), ALLOW, "{arch}");
        assert_eq!(v("personality", [0xffff_ffff, 0, 0, 0, 0, 0]), ALLOW, "{arch}");
        assert_eq!(v("personality", [0x40_0000, 0, 0, 0, 0, 0]), eperm, "{arch}");
        assert_eq!(v("clone", [0x11, 0, 0, 0, 0, 0]), ALLOW, "{arch}");
        assert_eq!(v("clone", [(g::CLONE_NEWUSER | 0x11) as u64, 0, 0, 0, 0, 0]), eperm, "{arch}");
        assert_eq!(v("clone3", [0; 6]), ERRNO | 38, "{arch}");
        assert_eq!(has(d, "open"), arch != "aarch64");
        if has(d, "open") {
            assert_eq!(v("open", [0; 6]), ALLOW, "{arch}");
        }
        if arch == "arm" {
            assert_eq!(v("set_tls", [0; 6]), ALLOW);
        }
        // Foreign arch and x32 still refused.
        let r = run(&prog, d.big_endian, &data(d, 0, p::AUDIT_ARCH_I386, [0; 6])).unwrap();
        assert_eq!(r, KILL);
        if d.x32 {
            assert_eq!(verdict(&prog, d, 0x4000_0000, [0; 6]), KILL);
        }
        println!("{arch}: docker-like profile {} instructions for {} rules", prog.len(), rules.len());
    }
}

#[test]
fn profile_first_matching_rule_decides_and_actions_encode() {
    let d = &x86_64::DESC;
    let one = [cmp(0, CmpOp::Eq, 1, 0)];
    let rules = [
        rule("kill", Action::Errno(5), &one),
        rule("kill", Action::Trap, &[]),
        rule("kill", Action::Allow, &[]), // shadowed
        rule("getpid", Action::Log, &[]),
        rule("getppid", Action::Kill, &[]),
        rule("gettid", Action::KillProcess, &[]),
        rule("getuid", Action::Errno(0xffff), &[]),
        rule("getgid", Action::Allow, &[]),
    ];
    let prof = Profile { default_action: Action::Trap, rules: &rules, skip_other_arch: false };
    let prog = profile_prog(d, &prof).unwrap();
    let v = |n: &str, a0: u64| verdict(&prog, d, nr(d, n), [a0, 0, 0, 0, 0, 0]);
    assert_eq!(v("kill", 1), ERRNO | 5);
    assert_eq!(v("kill", 2), p::SECCOMP_RET_TRAP);
    assert_eq!(v("getpid", 0), p::SECCOMP_RET_LOG);
    assert_eq!(v("getppid", 0), p::SECCOMP_RET_KILL_THREAD);
    assert_eq!(v("gettid", 0), KILL);
    assert_eq!(v("getuid", 0), ERRNO | 0xffff);
    assert_eq!(v("getgid", 0), ALLOW);
    assert_eq!(v("read", 0), p::SECCOMP_RET_TRAP);
    // Conditions of one rule are ANDed.
    let two = [cmp(0, CmpOp::Ge, 10, 0), cmp(1, CmpOp::MaskedEq, 0xf0, 0x30)];
    let prof = Profile {
        default_action: Action::Allow,
        rules: &[rule("kill", Action::Errno(7), &two)],
        skip_other_arch: false,
    };
    let prog = profile_prog(d, &prof).unwrap();
    let k = |a: u64, b: u64| verdict(&prog, d, nr(d, "kill"), [a, b, 0, 0, 0, 0]);
    assert_eq!((k(10, 0x3f), k(9, 0x3f), k(10, 0x4f), k(u64::MAX, 0x130)), (ERRNO | 7, ALLOW, ALLOW, ERRNO | 7));
    // An empty profile is the header and the default.
    let prof = Profile { default_action: Action::Errno(1), rules: &[], skip_other_arch: false };
    let prog = profile_prog(d, &prof).unwrap();
    assert_eq!((prog.len(), verdict(&prog, d, 0, [0; 6])), (8, ERRNO | 1));
}

#[test]
fn profile_long_runs_and_limits() {
    for (arch, d) in ARCHES {
        // Every syscall of the arch allowed: runs longer than a jump reaches.
        let mut names = Vec::new();
        each(d.names, |n, _| names.push(String::from_utf8(n.to_vec()).unwrap()));
        names.retain(|n| n != "getpid");
        let mut rules: Vec<Rule> = names.iter().map(|n| rule(n, Action::Allow, &[])).collect();
        // Mixed runs: alternate actions in the middle.
        for n in ["read", "write", "read"] {
            rules.insert(100, rule(n, Action::Errno(3), &[]));
        }
        let prof = Profile { default_action: Action::Errno(1), rules: &rules, skip_other_arch: false };
        let prog = profile_prog(d, &prof).unwrap();
        let first = |n: &str| rules.iter().find(|r| r.name == n.as_bytes()).unwrap().action;
        each(d.names, |n, v| {
            let name = std::str::from_utf8(n).unwrap();
            let want = match name {
                "getpid" => ERRNO | 1,
                _ => match first(name) {
                    Action::Allow => ALLOW,
                    Action::Errno(e) => ERRNO | e as u32,
                    a => panic!("{a:?}"),
                },
            };
            assert_eq!(verdict(&prog, d, v, [0; 6]), want, "{arch}: {name}");
        });
        assert!(prog.len() < names.len() + 20, "{arch}: {}", prog.len());
    }
    let d = &x86_64::DESC;
    let many = vec![rule("read", Action::Allow, &[]); MAX_INSNS];
    let prof = Profile { default_action: Action::Allow, rules: &many, skip_other_arch: false };
    assert_eq!(profile_prog(d, &prof).err(), Some(Error::TooLong));
    let mut buf = [ZERO; 8];
    assert_eq!(profile_filter(&prof, &mut buf), Err(Error::BufferTooSmall));
    assert_eq!(profile_filter(&prof, &mut buf[..3]), Err(Error::BufferTooSmall));
    // Exactly 4096 instructions: header 7, 4072 jeq in 16 runs (16 ret), ret.
    let fit = vec![rule("read", Action::Allow, &[]); 4072];
    let prof = Profile { default_action: Action::Allow, rules: &fit, skip_other_arch: false };
    let prog = profile_prog(d, &prof).unwrap();
    assert_eq!(prog.len(), MAX_INSNS);
    let more = vec![rule("read", Action::Allow, &[]); 4073];
    let prof = Profile { default_action: Action::Allow, rules: &more, skip_other_arch: false };
    assert_eq!(profile_prog(d, &prof).err(), Some(Error::TooLong));
    run(&prog, false, &data(d, 1, d.audit_arch, [0; 6])).unwrap();
}

#[test]
fn profile_errors_name_the_rule() {
    let d = &aarch64::DESC;
    let bad_idx = [cmp(6, CmpOp::Eq, 0, 0)];
    let long: Vec<ArgCmp> = (0..60).map(|i| cmp(i % 6, CmpOp::Gt, 0, 0)).collect();
    let ok = rule("read", Action::Allow, &[]);
    let prof = |r: Rule<'static>, skip| Profile {
        default_action: Action::Allow,
        rules: Box::leak(Box::new([ok, ok, r])),
        skip_other_arch: skip,
    };
    let long: &'static [ArgCmp] = Box::leak(long.into_boxed_slice());
    let bad_idx: &'static [ArgCmp] = Box::leak(Box::new(bad_idx));
    assert_eq!(
        profile_prog(d, &prof(rule("reed", Action::Allow, &[]), true)).err(),
        Some(Error::UnknownSyscall { rule: 2 })
    );
    assert_eq!(
        profile_prog(d, &prof(rule("open", Action::Allow, &[]), false)).err(),
        Some(Error::OtherArchSyscall { rule: 2 })
    );
    assert!(profile_prog(d, &prof(rule("open", Action::Allow, &[]), true)).is_ok());
    assert_eq!(
        profile_prog(d, &prof(rule("read", Action::Allow, bad_idx), true)).err(),
        Some(Error::BadArgIndex { rule: 2 })
    );
    assert_eq!(
        profile_prog(d, &prof(rule("read", Action::Allow, long), true)).err(),
        Some(Error::RuleTooLong { rule: 2 })
    );
    // 40 ordered conditions still fit a rule on 64-bit (5 each + 1 <= 255).
    assert!(profile_prog(d, &prof(rule("read", Action::Allow, &long[..50]), true)).is_ok());
}

// ---------------------------------------------------------------- list profiles

/// A list program for `d`, decoded back from its bytes.
fn list_prog(d: &ArchDesc, def: Action, act: Action, names: &[&str]) -> Result<Vec<SockFilter>, Error> {
    let mut buf = vec![0u8; (8 + LIST_MAX + 2) * 8];
    let h = filter::header(d);
    let mut head = vec![0u8; h.len * 8];
    to_bytes(&h.insns[..h.len], &mut head).unwrap();
    let n = filter::list(d, &head, def, act, names.iter().map(|n| n.as_bytes()), &mut buf)?;
    Ok(buf[..n * 8].chunks_exact(8).map(|b| SockFilter {
        code: u16::from_ne_bytes([b[0], b[1]]),
        jt: b[2],
        jf: b[3],
        k: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
    }).collect())
}

#[test]
fn list_filter_gives_the_listed_calls_their_action() {
    for (arch, d) in ARCHES {
        let names = ["mkdir", "mkdirat", "getpid", "socket", "mkdirat"].iter().copied().filter(|n| has(d, n)).collect::<Vec<_>>();
        for (def, act) in [(Action::Allow, Action::Errno(1)), (Action::Errno(1), Action::Allow), (Action::Allow, Action::KillProcess), (Action::Log, Action::Errno(4095))] {
            let prog = list_prog(d, def, act, &names).unwrap();
            assert_eq!(prog.len(), filter::header_len(d) + names.len() + 2, "{arch}");
            let listed: Vec<u32> = names.iter().map(|n| nr(d, n)).collect();
            let mut seen = 0;
            each(d.names, |name, v| {
                let want = if listed.contains(&v) { filter::action_k(act) } else { filter::action_k(def) };
                assert_eq!(verdict(&prog, d, v, [7; 6]), want, "{arch}: {}", String::from_utf8_lossy(name));
                seen += 1;
            });
            assert!(seen > 300);
            // The arch check still comes first, and x32 is still refused.
            assert_eq!(run(&prog, d.big_endian, &data(d, listed[0], p::AUDIT_ARCH_I386, [0; 6])).unwrap(), KILL, "{arch}");
            if d.x32 {
                assert_eq!(verdict(&prog, d, 0x4000_0000 | listed[0], [0; 6]), KILL);
            }
        }
        // No name: the default action for everything but other arches.
        let prog = list_prog(d, Action::Errno(1), Action::Allow, &[]).unwrap();
        assert_eq!(verdict(&prog, d, nr(d, "read"), [0; 6]), ERRNO | 1, "{arch}");
    }
    // The build target's public entry point and its header are the same.
    let mut buf = [0u8; LIST_MAX_BYTES];
    let n = list_filter(Action::Allow, Action::Errno(1), [&b"mkdir"[..], b"getpid"], &mut buf).unwrap();
    let want = list_prog(&x86_64::DESC, Action::Allow, Action::Errno(1), &["mkdir", "getpid"]).unwrap();
    let mut bytes = vec![0u8; want.len() * 8];
    assert_eq!(to_bytes(&want, &mut bytes), Ok(bytes.len()));
    assert_eq!(&buf[..n * 8], &bytes[..]);
}

#[test]
fn list_filter_errors_name_the_entry() {
    for (arch, d) in ARCHES {
        let other = if has(d, "arch_prctl") { "set_tls" } else { "arch_prctl" };
        let e = |names: &[&str]| list_prog(d, Action::Allow, Action::Errno(1), names).err();
        assert_eq!(e(&["read", "write", "nosuchcall"]), Some(Error::UnknownSyscall { rule: 2 }), "{arch}");
        assert_eq!(e(&["read", other]), Some(Error::OtherArchSyscall { rule: 1 }), "{arch}");
        assert_eq!(e(&[""]), Some(Error::UnknownSyscall { rule: 0 }), "{arch}");
        // LIST_MAX names fit (the first jeq jumps 255), one more does not.
        let many = vec!["read"; LIST_MAX];
        let prog = list_prog(d, Action::Allow, Action::Errno(9), &many).unwrap();
        assert_eq!(prog[filter::header_len(d)].jt, 255);
        assert_eq!(verdict(&prog, d, nr(d, "read"), [0; 6]), ERRNO | 9, "{arch}");
        assert_eq!(verdict(&prog, d, nr(d, "write"), [0; 6]), ALLOW, "{arch}");
        let more = vec!["read"; LIST_MAX + 1];
        assert_eq!(e(&more), Some(Error::TooLong), "{arch}");
    }
    // x86_64: header 7, one jeq, two rets.
    let mut small = [0u8; 8 * 9];
    assert_eq!(list_filter(Action::Allow, Action::Allow, [&b"read"[..]], &mut small), Err(Error::BufferTooSmall));
    assert_eq!(list_filter(Action::Allow, Action::Allow, [&b"read"[..]], &mut [0u8; 80]), Ok(10));
    assert_eq!(to_bytes(&DEFAULT_FILTER, &mut [0u8; 8]), Err(Error::BufferTooSmall));
}

// ---------------------------------------------------------------- on the real kernel (root)

mod live {
    use super::*;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use syscalls::{CStr, Errno, Fork, Path256, WaitStatus};

    /// The child probes, in C: one line "name errno" per call (0: success).
    const PROBE: &str = r#"
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void r(const char *name, long ret) { printf("%s %d\n", name, ret < 0 ? errno : 0); }
int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "x32")) { syscall(0x40000000 | SYS_getpid); return 0; }
    if (argc > 1 && !strcmp(argv[1], "int80")) {
        long pid; __asm__ volatile("int $0x80" : "=a"(pid) : "a"(20L) : "memory"); return pid > 0 ? 0 : 3; }
    setvbuf(stdout, NULL, _IOLBF, 0);
    int null = open("/dev/null", O_RDWR);
    r("open", null);
    r("getpid", syscall(SYS_getpid));
    r("write", write(null, "x", 1));
    r("setns", syscall(SYS_setns, -1, 0));
    r("mount", syscall(SYS_mount, "none", "/nonexistent-rocker", "tmpfs", 0, 0));
    r("umount2", syscall(SYS_umount2, "/nonexistent-rocker", 0));
    r("chroot", syscall(SYS_chroot, "/nonexistent-rocker"));
    r("pivot_root", syscall(SYS_pivot_root, "/nonexistent-rocker", "/nonexistent-rocker"));
    r("fsopen", syscall(SYS_fsopen, "nonexistent-fs", 0));
    r("open_tree", syscall(SYS_open_tree, -1, "/nonexistent-rocker", 0));
    r("keyctl", syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 0));
    r("add_key", syscall(SYS_add_key, "user", "rocker-test", "x", 1, 0));
    r("bpf", syscall(SYS_bpf, 5 /* PROG_LOAD */, 0, 0));
    r("perf_event_open", syscall(SYS_perf_event_open, 0, 0, -1, -1, 0));
    r("userfaultfd", syscall(SYS_userfaultfd, -1));
    r("delete_module", syscall(SYS_delete_module, "rocker_nonexistent", O_NONBLOCK));
    r("reboot", syscall(SYS_reboot, 0, 0, 0, 0)); /* bad magic: EINVAL */
    r("swapon", syscall(SYS_swapon, "/nonexistent-rocker", 0));
    r("acct", syscall(SYS_acct, "/nonexistent-rocker"));
    r("settimeofday", syscall(SYS_settimeofday, 0, 0)); /* both NULL: no change */
    r("clock_settime", syscall(SYS_clock_settime, 1 /* MONOTONIC: EINVAL */, 0));
    r("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, 0, 0));
    r("kcmp", syscall(SYS_kcmp, getpid(), getpid(), 0, 0, 0));
    r("process_vm_readv", syscall(SYS_process_vm_readv, getpid(), 0, 0, 0, 0, 0));
    r("syslog", syscall(SYS_syslog, 10 /* SIZE_BUFFER */, 0, 0));
    r("personality_bad", syscall(SYS_personality, 0x0400000 /* READ_IMPLIES_EXEC */));
    r("personality_query", syscall(SYS_personality, 0xffffffff));
    r("tiocsti", ioctl(null, TIOCSTI, "x"));
    r("tioclinux", ioctl(null, TIOCLINUX, "x"));
    r("tcgets", ioctl(null, TCGETS, (char[64]){0}));
    r("clone3", syscall(SYS_clone3, 0, 0));
    long c = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (c == 0) _exit(0);
    if (c > 0) waitpid(c, 0, 0);
    r("clone_newuser", c);
    c = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (c == 0) _exit(0);
    if (c > 0) waitpid(c, 0, 0);
    r("fork", c);
    r("ptrace", syscall(SYS_ptrace, -1 /* bad request */, 0, 0, 0));
    /* Last: without the filter it works, and root's powers end with it. */
    r("unshare", syscall(SYS_unshare, CLONE_NEWUSER));
    return 0;
}
"#;
    /// Expected errno under the default filter (EPERM = 1, ENOSYS = 38).
    const DENIED: &[&str] = &[
        "unshare",
        "setns",
        "mount",
        "umount2",
        "chroot",
        "pivot_root",
        "fsopen",
        "open_tree",
        "keyctl",
        "add_key",
        "bpf",
        "perf_event_open",
        "userfaultfd",
        "delete_module",
        "reboot",
        "swapon",
        "acct",
        "settimeofday",
        "clock_settime",
        "open_by_handle_at",
        "kcmp",
        "process_vm_readv",
        "syslog",
        "personality_bad",
        "tiocsti",
        "tioclinux",
        "clone_newuser",
    ];
    const WORKS: &[&str] = &["open", "getpid", "write", "personality_query", "fork"];

    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn root() -> bool {
        if syscalls::getuid() != 0 {
            println!("SKIP: not root");
            return false;
        }
        true
    }

    /// A temporary dir, removed when dropped (also when a test fails).
    struct TempDir(PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Compiles `src` with gcc into a fresh dir; None (with a message) if
    /// gcc cannot.
    fn build(name: &str, src: &str, flags: &[&str]) -> Option<(TempDir, PathBuf)> {
        let dir = TempDir(std::env::temp_dir().join(format!("rocker-seccomp-{name}-{}", std::process::id())));
        std::fs::create_dir_all(&dir.0).unwrap();
        let c = dir.0.join(format!("{name}.c"));
        std::fs::write(&c, src).unwrap();
        let bin = dir.0.join(name);
        match Command::new("gcc").args(flags).arg("-o").arg(&bin).arg(&c).output() {
            Ok(o) if o.status.success() => Some((dir, bin)),
            Ok(o) => {
                println!("SKIP: gcc {flags:?}: {}", String::from_utf8_lossy(&o.stderr));
                None
            }
            Err(e) => {
                println!("SKIP: gcc: {e}");
                None
            }
        }
    }

    /// Forks; the child optionally installs the default filter, checks a few
    /// calls itself (`own_checks`), moves to `dir` (cores land there) and
    /// execs `bin arg`, stdout into a pipe. Returns (output, status).
    fn run_child(filtered: bool, dir: &Path, bin: &Path, arg: &str, own_checks: bool) -> (String, WaitStatus) {
        use std::os::unix::ffi::OsStrExt;
        let mut prog = [ZERO; DEFAULT_FILTER_LEN];
        default_filter(&mut prog).unwrap();
        let bin_p = Path256::new(bin.as_os_str().as_bytes()).unwrap();
        let dir_p = Path256::new(dir.as_os_str().as_bytes()).unwrap();
        let arg_p = Path256::new(arg.as_bytes()).unwrap();
        let null = Path256::new(b"/dev/null").unwrap();
        let nowhere = Path256::new(b"/nonexistent-rocker").unwrap();
        let tmpfs = Path256::new(b"tmpfs").unwrap();
        let (r, w) = syscalls::pipe2(g::O_CLOEXEC).unwrap();
        match syscalls::clone(syscalls::CloneFlags::new(syscalls::NsFlags::empty(), g::SIGCHLD), None).unwrap() {
            Fork::Child => {
                // Only raw syscalls from here: the parent is multi-threaded.
                if filtered {
                    if syscalls::prctl(linux_raw_sys::prctl::PR_SET_NO_NEW_PRIVS, 1, 0).is_err() {
                        fail(1);
                    }
                    if syscalls::seccomp_set_mode_filter(&prog, 0).is_err() {
                        fail(2);
                    }
                }
                if own_checks {
                    let want = |e: Errno| if filtered { Err(Errno::EPERM) } else { Err(e) };
                    if filtered && syscalls::unshare(syscalls::NsFlags::NEWUSER) != Err(Errno::EPERM) {
                        fail(3);
                    }
                    let m = syscalls::mount(Some((&tmpfs).into()), (&nowhere).into(), Some((&tmpfs).into()), syscalls::MountFlags::empty(), None);
                    if m != want(Errno::ENOENT) {
                        fail(4);
                    }
                    if syscalls::chroot((&nowhere).into()) != want(Errno::ENOENT) {
                        fail(5);
                    }
                    let Ok(fd) = syscalls::openat(syscalls::AT_FDCWD, (&null).into(), g::O_WRONLY, 0) else { fail(6) };
                    if syscalls::getpid() <= 0 || syscalls::write(fd.raw(), b"x") != Ok(1) {
                        fail(7);
                    }
                }
                match syscalls::dup3(w.raw(), 1, 0) {
                    Ok(one) => _ = one.into_raw(),
                    Err(_) => fail(8),
                }
                if syscalls::chdir((&dir_p).into()).is_err() {
                    fail(8);
                }
                let argv: [CStr; 2] = [(&bin_p).into(), (&arg_p).into()];
                let _ = syscalls::execve((&bin_p).into(), &argv, &[]);
                fail(9)
            }
            Fork::Parent(pid) => {
                drop(w);
                let mut out = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = syscalls::read(r.raw(), &mut buf) {
                    out.extend_from_slice(&buf[..n]);
                }
                let (_, st) = syscalls::wait4(pid, 0).unwrap();
                (String::from_utf8(out).unwrap(), st)
            }
        }
    }

    fn fail(c: i32) -> ! {
        syscalls::exit_group(100 + c)
    }

    fn parse(out: &str) -> BTreeMap<String, i32> {
        out.lines().filter_map(|l| l.split_once(' ')).map(|(n, e)| (n.to_string(), e.parse().unwrap())).collect()
    }

    #[test]
    fn default_filter_in_the_kernel() {
        let _g = SERIAL.lock().unwrap();
        if !root() {
            return;
        }
        let Some((dir, bin)) = build("probe", PROBE, &["-O1"]) else {
            return;
        };
        // Control: without the filter nothing is EPERM (we are root).
        let (out, st) = run_child(false, &dir.0, &bin, "all", true);
        assert_eq!(st, WaitStatus::Exited(0), "control: {out}");
        let control = parse(&out);
        for n in DENIED.iter().chain(WORKS) {
            let e = control.get(*n).unwrap_or_else(|| panic!("control: no {n} in {out}"));
            assert_ne!(*e, 1, "control: {n} is EPERM without the filter");
        }
        assert_ne!(control["clone3"], 38);
        // Filtered: the Rust checks in the child, then the C probe.
        let (out, st) = run_child(true, &dir.0, &bin, "all", true);
        assert_eq!(st, WaitStatus::Exited(0), "filtered: {out}");
        let got = parse(&out);
        for n in DENIED {
            assert_eq!(got.get(*n), Some(&1), "{n} under the filter (control: {})", control[*n]);
        }
        for n in WORKS {
            assert_eq!(got.get(*n), Some(&0), "{n} under the filter");
        }
        assert_eq!(got["clone3"], 38, "clone3 is ENOSYS");
        assert_eq!(got["tcgets"], control["tcgets"], "other ioctls pass");
        assert_eq!(got["ptrace"], control["ptrace"], "ptrace passes");
        println!("{} denied calls EPERM, clone3 ENOSYS, {} calls work", DENIED.len(), WORKS.len());

        // x32 and i386 (int 0x80 from a 64-bit process) calls are killed.
        for mode in ["x32", "int80"] {
            let (_, st) = run_child(false, &dir.0, &bin, mode, false);
            println!("{mode} without the filter: {st:?}");
            let (_, st) = run_child(true, &dir.0, &bin, mode, false);
            assert_eq!(st, WaitStatus::Signaled(g::SIGSYS as i32), "{mode}");
        }
    }

    /// A real i386 binary (the kernel runs it on x86_64) is killed at its
    /// first syscall.
    #[test]
    fn i386_binary_is_refused() {
        let _g = SERIAL.lock().unwrap();
        if !root() {
            return;
        }
        const SRC: &str = "void _start(void) {\n    int r;\n    \
            __asm__ volatile(\"int $0x80\" : \"=a\"(r) : \"a\"(20)); /* getpid */\n    \
            __asm__ volatile(\"int $0x80\" :: \"a\"(1), \"b\"(r > 0 ? 0 : 3)); /* exit */\n    for (;;) ;\n}\n";
        let Some((dir, bin)) = build("i386", SRC, &["-m32", "-static", "-nostdlib", "-O1"]) else {
            return;
        };
        let (_, st) = run_child(false, &dir.0, &bin, "", false);
        assert_eq!(st, WaitStatus::Exited(0), "the i386 binary runs without the filter");
        let (_, st) = run_child(true, &dir.0, &bin, "", false);
        assert_eq!(st, WaitStatus::Signaled(g::SIGSYS as i32));
    }
}
