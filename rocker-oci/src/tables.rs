//! Name tables: OCI strings <-> kernel numbers. Each table is one packed
//! byte string (names separated by NUL) so that a name costs its length + 1
//! byte of flash, and the parser (lookup by name) and the `features` writer
//! (iteration) share it. A name's index is its number where the kernel
//! numbers them densely (capabilities, rlimits), else the index into a
//! parallel value array.

/// A table of names sharing a prefix (`CAP_`, `RLIMIT_`, ...).
#[derive(Clone, Copy, Debug)]
pub struct Names {
    /// Prefix every name carries in JSON (not stored in `packed`).
    pub prefix: &'static [u8],
    /// The names without the prefix, each followed by a NUL.
    pub packed: &'static [u8],
}

impl Names {
    /// Iterator over the names (without the prefix).
    pub fn iter(&self) -> NameIter {
        NameIter(self.packed)
    }

    /// Index of `name` (with the prefix).
    pub fn find(&self, name: &[u8]) -> Option<usize> {
        let rest = name.strip_prefix(self.prefix)?;
        self.iter().position(|n| n == rest)
    }

    /// Name number `i` (without the prefix).
    pub fn get(&self, i: usize) -> Option<&'static [u8]> {
        self.iter().nth(i)
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// The table has no names.
    pub fn is_empty(&self) -> bool {
        self.packed.is_empty()
    }
}

/// Iterator of [`Names`].
#[derive(Clone, Debug)]
pub struct NameIter(&'static [u8]);

impl Iterator for NameIter {
    type Item = &'static [u8];
    fn next(&mut self) -> Option<&'static [u8]> {
        let n = self.0.iter().position(|&b| b == 0)?;
        let (name, rest) = self.0.split_at_checked(n)?;
        self.0 = rest.get(1..).unwrap_or(&[]);
        Some(name)
    }
}

/// `CAP_*` names; index = capability number (`CAP_CHOWN` = 0 ... 40).
pub const CAPABILITIES: Names = Names {
    prefix: b"CAP_",
    packed: b"CHOWN\0DAC_OVERRIDE\0DAC_READ_SEARCH\0FOWNER\0FSETID\0KILL\0SETGID\0SETUID\0\
SETPCAP\0LINUX_IMMUTABLE\0NET_BIND_SERVICE\0NET_BROADCAST\0NET_ADMIN\0NET_RAW\0IPC_LOCK\0\
IPC_OWNER\0SYS_MODULE\0SYS_RAWIO\0SYS_CHROOT\0SYS_PTRACE\0SYS_PACCT\0SYS_ADMIN\0SYS_BOOT\0\
SYS_NICE\0SYS_RESOURCE\0SYS_TIME\0SYS_TTY_CONFIG\0MKNOD\0LEASE\0AUDIT_WRITE\0AUDIT_CONTROL\0\
SETFCAP\0MAC_OVERRIDE\0MAC_ADMIN\0SYSLOG\0WAKE_ALARM\0BLOCK_SUSPEND\0AUDIT_READ\0PERFMON\0BPF\0\
CHECKPOINT_RESTORE\0",
};

/// `RLIMIT_*` names; index = resource number on this architecture (MIPS
/// numbers NOFILE, AS, RSS, NPROC and MEMLOCK differently).
#[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
pub const RLIMITS: Names = Names {
    prefix: b"RLIMIT_",
    packed: b"CPU\0FSIZE\0DATA\0STACK\0CORE\0RSS\0NPROC\0NOFILE\0MEMLOCK\0AS\0LOCKS\0\
SIGPENDING\0MSGQUEUE\0NICE\0RTPRIO\0RTTIME\0",
};
/// `RLIMIT_*` names; index = resource number on this architecture (MIPS
/// numbers NOFILE, AS, RSS, NPROC and MEMLOCK differently).
#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
pub const RLIMITS: Names = Names {
    prefix: b"RLIMIT_",
    packed: b"CPU\0FSIZE\0DATA\0STACK\0CORE\0NOFILE\0AS\0RSS\0NPROC\0MEMLOCK\0LOCKS\0\
SIGPENDING\0MSGQUEUE\0NICE\0RTPRIO\0RTTIME\0",
};

/// `linux.namespaces[].type`; the `CLONE_NEW*` flag is [`NAMESPACE_FLAGS`]`[index]`.
pub const NAMESPACES: Names = Names {
    prefix: b"",
    packed: b"pid\0network\0mount\0ipc\0uts\0user\0cgroup\0time\0",
};

/// `CLONE_NEWPID`, `CLONE_NEWNET`, `CLONE_NEWNS`, `CLONE_NEWIPC`,
/// `CLONE_NEWUTS`, `CLONE_NEWUSER`, `CLONE_NEWCGROUP`, `CLONE_NEWTIME`
/// (the same on every Linux architecture).
pub const NAMESPACE_FLAGS: [u32; 8] = [
    0x2000_0000,
    0x4000_0000,
    0x0002_0000,
    0x0800_0000,
    0x0400_0000,
    0x1000_0000,
    0x0200_0000,
    0x80,
];

/// `mount(2)` flags (the same on every Linux architecture).
pub mod ms {
    /// `MS_RDONLY`
    pub const RDONLY: u32 = 1;
    /// `MS_NOSUID`
    pub const NOSUID: u32 = 2;
    /// `MS_NODEV`
    pub const NODEV: u32 = 4;
    /// `MS_NOEXEC`
    pub const NOEXEC: u32 = 8;
    /// `MS_SYNCHRONOUS`
    pub const SYNCHRONOUS: u32 = 16;
    /// `MS_REMOUNT`
    pub const REMOUNT: u32 = 32;
    /// `MS_MANDLOCK`
    pub const MANDLOCK: u32 = 64;
    /// `MS_DIRSYNC`
    pub const DIRSYNC: u32 = 128;
    /// `MS_NOSYMFOLLOW`
    pub const NOSYMFOLLOW: u32 = 256;
    /// `MS_NOATIME`
    pub const NOATIME: u32 = 1024;
    /// `MS_NODIRATIME`
    pub const NODIRATIME: u32 = 2048;
    /// `MS_BIND`
    pub const BIND: u32 = 4096;
    /// `MS_REC`
    pub const REC: u32 = 16384;
    /// `MS_SILENT`
    pub const SILENT: u32 = 32768;
    /// `MS_POSIXACL`
    pub const POSIXACL: u32 = 1 << 16;
    /// `MS_UNBINDABLE`
    pub const UNBINDABLE: u32 = 1 << 17;
    /// `MS_PRIVATE`
    pub const PRIVATE: u32 = 1 << 18;
    /// `MS_SLAVE`
    pub const SLAVE: u32 = 1 << 19;
    /// `MS_SHARED`
    pub const SHARED: u32 = 1 << 20;
    /// `MS_RELATIME`
    pub const RELATIME: u32 = 1 << 21;
    /// `MS_I_VERSION`
    pub const I_VERSION: u32 = 1 << 23;
    /// `MS_STRICTATIME`
    pub const STRICTATIME: u32 = 1 << 24;
    /// `MS_LAZYTIME`
    pub const LAZYTIME: u32 = 1 << 25;
}

/// `mounts[].options` this parser recognises (crun's and runc's flag
/// tables, and the spec's list). Every other option is filesystem data.
/// The entries from `rro` on are recognised but not supported (they need
/// `mount_setattr` or idmapped mounts) and fail with
/// [`crate::ErrorKind::Unsupported`] instead of reaching the filesystem.
pub const MOUNT_OPTIONS: Names = Names {
    prefix: b"",
    packed: b"defaults\0ro\0rw\0suid\0nosuid\0dev\0nodev\0exec\0noexec\0sync\0async\0dirsync\0\
remount\0mand\0nomand\0atime\0noatime\0diratime\0nodiratime\0relatime\0norelatime\0\
strictatime\0nostrictatime\0iversion\0noiversion\0lazytime\0nolazytime\0silent\0loud\0\
nosymfollow\0symfollow\0acl\0noacl\0bind\0rbind\0private\0rprivate\0slave\0rslave\0shared\0\
rshared\0unbindable\0runbindable\0\
rro\0rrw\0rnosuid\0rsuid\0rnodev\0rdev\0rnoexec\0rexec\0rnoatime\0ratime\0rrelatime\0\
rnorelatime\0rstrictatime\0rnostrictatime\0rnodiratime\0rdiratime\0rnosymfollow\0rsymfollow\0\
idmap\0ridmap\0tmpcopyup\0",
};

/// Index of the first unsupported entry of [`MOUNT_OPTIONS`].
pub const MOUNT_OPTIONS_SUPPORTED: usize = 43;

/// What a supported mount option does to the `mount(2)` flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountOption {
    /// Set these `MS_*` bits.
    Set(u32),
    /// Clear these `MS_*` bits.
    Clear(u32),
    /// A propagation type (`MS_PRIVATE`... with `MS_REC` for the `r` forms).
    Propagation(u32),
    /// Nothing (`defaults`).
    Nothing,
}

/// [`MOUNT_OPTIONS`] entry `i` (below [`MOUNT_OPTIONS_SUPPORTED`]).
pub fn mount_option(i: usize) -> Option<MountOption> {
    let c = *OPTION_CODES.get(i)?;
    let bits =
        1u32.checked_shl(u32::from(c & 31)).unwrap_or(0) | if c & 32 != 0 { ms::REC } else { 0 };
    Some(match c >> 6 {
        0 => MountOption::Set(bits),
        1 => MountOption::Clear(bits),
        2 => MountOption::Propagation(bits),
        _ => MountOption::Nothing,
    })
}

// One byte per supported option: bits 0-4 the `MS_*` bit number, bit 5
// `MS_REC`, bits 6-7 set (0), clear (1), propagation (2), nothing (3).
const fn set(flag: u32) -> u8 {
    flag.trailing_zeros() as u8
}
const fn clear(flag: u32) -> u8 {
    set(flag) | 0x40
}
const fn prop(flag: u32) -> u8 {
    set(flag) | 0x80
}
const fn rec(c: u8) -> u8 {
    c | 0x20
}

const OPTION_CODES: [u8; MOUNT_OPTIONS_SUPPORTED] = {
    use ms::*;
    [
        0xc0, // defaults
        set(RDONLY),
        clear(RDONLY),
        clear(NOSUID),
        set(NOSUID),
        clear(NODEV),
        set(NODEV),
        clear(NOEXEC),
        set(NOEXEC),
        set(SYNCHRONOUS),
        clear(SYNCHRONOUS),
        set(DIRSYNC),
        set(REMOUNT),
        set(MANDLOCK),
        clear(MANDLOCK),
        clear(NOATIME),
        set(NOATIME),
        clear(NODIRATIME),
        set(NODIRATIME),
        set(RELATIME),
        clear(RELATIME),
        set(STRICTATIME),
        clear(STRICTATIME),
        set(I_VERSION),
        clear(I_VERSION),
        set(LAZYTIME),
        clear(LAZYTIME),
        set(SILENT),
        clear(SILENT),
        set(NOSYMFOLLOW),
        clear(NOSYMFOLLOW),
        set(POSIXACL),
        clear(POSIXACL),
        set(BIND),
        rec(set(BIND)),
        prop(PRIVATE),
        rec(prop(PRIVATE)),
        prop(SLAVE),
        rec(prop(SLAVE)),
        prop(SHARED),
        rec(prop(SHARED)),
        prop(UNBINDABLE),
        rec(prop(UNBINDABLE)),
    ]
};

/// `linux.seccomp` actions ([`crate::SeccompAction`] in this order).
pub const SECCOMP_ACTIONS: Names = Names {
    prefix: b"SCMP_ACT_",
    packed: b"KILL\0KILL_PROCESS\0KILL_THREAD\0TRAP\0ERRNO\0TRACE\0ALLOW\0LOG\0NOTIFY\0",
};

/// `linux.seccomp.syscalls[].args[].op` ([`crate::SeccompOp`] in this order).
pub const SECCOMP_OPS: Names = Names {
    prefix: b"SCMP_CMP_",
    packed: b"NE\0LT\0LE\0EQ\0GE\0GT\0MASKED_EQ\0",
};

/// `linux.seccomp.architectures` (libseccomp 2.6 names; bit `i` of
/// [`crate::Seccomp::architectures`] is entry `i`).
pub const SECCOMP_ARCHS: Names = Names {
    prefix: b"SCMP_ARCH_",
    packed: b"X86\0X86_64\0X32\0ARM\0AARCH64\0MIPS\0MIPS64\0MIPS64N32\0MIPSEL\0MIPSEL64\0\
MIPSEL64N32\0PPC\0PPC64\0PPC64LE\0S390\0S390X\0PARISC\0PARISC64\0RISCV64\0LOONGARCH64\0\
M68K\0SH\0SHEB\0",
};

/// `linux.seccomp.flags`; the kernel bit is [`SECCOMP_FLAG_BITS`]`[index]`.
pub const SECCOMP_FLAGS: Names = Names {
    prefix: b"SECCOMP_FILTER_FLAG_",
    packed: b"TSYNC\0LOG\0SPEC_ALLOW\0WAIT_KILLABLE_RECV\0",
};

/// `SECCOMP_FILTER_FLAG_TSYNC`, `_LOG`, `_SPEC_ALLOW`, `_WAIT_KILLABLE_RECV`.
pub const SECCOMP_FLAG_BITS: [u32; 4] = [1, 2, 4, 32];

/// Hook names (`hooks.*`), for the `features` document.
pub const HOOKS: Names = Names {
    prefix: b"",
    packed: b"prestart\0createRuntime\0createContainer\0startContainer\0poststart\0poststop\0",
};
