#!/usr/bin/env python3
"""Writes rocker-seccomp/src/tables/<arch>.rs from linux-raw-sys's sources.

    rocker-seccomp/gen-tables.py [--check] [LINUX_RAW_SYS_SRC_DIR]

Per arch (x86_64, aarch64, arm, mips = mips o32, both endiannesses) it emits:
- the default filter's data: the numbers of the denied calls (DENY below) that
  exist on the arch, the numbers of clone/clone3/personality/ioctl, the errno,
  ioctl and AUDIT_ARCH values;
- the name -> number table of every syscall of the arch (`__NR_*`, and on
  arm the private `__ARM_NR_*` calls at 0x0f0000), followed by the names that
  exist only on other Linux arches (so a profile can tell "typo" from
  "not on this arch"), compressed as described in `src/names.rs`;
- a compile-time check, active when the crate is built for that arch, that
  every emitted number equals linux-raw-sys's constant of the same name.

`--check` writes nothing and exits 1 if a file would change (used by the
crate's tests). Without a directory argument, the linux-raw-sys version in
Cargo.lock is looked up in $CARGO_HOME/registry/src.
"""
import collections, glob, os, re, sys

CRATE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(CRATE)

# The default filter denies these with EPERM (where the arch has them).
# Docker's default profile denies them to a container without the matching
# capability; the brief of issue 12 adds name_to_handle_at, adjtimex,
# clock_adjtime and process_vm_readv/writev, which Docker allows.
# migrate_pages (with the other NUMA calls) and sethostname/setdomainname are
# Docker's too (CAP_SYS_NICE, CAP_SYS_ADMIN): the kernel refuses them to an
# App anyway, the filter before it.
# `syscall` is MIPS o32's indirect syscall(2) (nr 4000): denied in case a
# kernel shows seccomp 4000 instead of the real call; libcs call directly.
# clone (namespace flags), clone3 (ENOSYS), personality and ioctl are handled
# with argument checks in src/filter.rs and are not listed here.
DENY = """
    unshare setns
    mount umount umount2 pivot_root chroot
    fsopen fsconfig fsmount fspick move_mount open_tree open_tree_attr mount_setattr
    keyctl add_key request_key
    bpf perf_event_open userfaultfd lookup_dcookie fanotify_init
    kexec_load kexec_file_load
    init_module finit_module delete_module create_module query_module get_kernel_syms
    reboot swapon swapoff acct quotactl quotactl_fd nfsservctl syslog vhangup
    open_by_handle_at name_to_handle_at
    settimeofday stime clock_settime clock_settime64 clock_adjtime clock_adjtime64 adjtimex
    iopl ioperm vm86 vm86old
    uselib ustat sysfs _sysctl
    kcmp process_vm_readv process_vm_writev pidfd_getfd process_madvise
    get_mempolicy set_mempolicy set_mempolicy_home_node mbind move_pages migrate_pages
    sethostname setdomainname
    syscall
""".split()
SPECIAL = ["clone", "clone3", "personality", "ioctl"]

# linux-raw-sys dir, generated file, rust cfg, descs: (const name, audit arch, big endian)
ARCHES = [
    ("x86_64", "x86_64", 'target_arch = "x86_64"', [("DESC", "AUDIT_ARCH_X86_64", False)], True),
    ("aarch64", "aarch64", 'target_arch = "aarch64"', [("DESC", "AUDIT_ARCH_AARCH64", False)], True),
    ("arm", "arm", 'target_arch = "arm"', [("DESC", "AUDIT_ARCH_ARM", False)], False),
    ("mips", "mips", 'target_arch = "mips"',
     [("DESC_MIPSEL", "AUDIT_ARCH_MIPSEL", False), ("DESC_MIPS", "AUDIT_ARCH_MIPS", True)], False),
]
# Not syscalls: bases and masks that share the __NR_ prefix.
PSEUDO = {"Linux", "SYSCALL_MASK", "OABI_SYSCALL_BASE", "SYSCALL_BASE", "Linux_syscalls"}
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"
# Symbols of the expanded stream (must match src/names.rs).
END, ALIAS, GAP1, GAP64, PRIVATE, OTHER, FIRST_PAIR = 37, 38, 39, 46, 47, 48, 49
MAX_DEPTH = 15  # the decoder's stack holds MAX_DEPTH + 1 symbols


def src_dir():
    if len(sys.argv) > 1 and not sys.argv[-1].startswith("--"):
        return sys.argv[-1]
    lock = open(os.path.join(ROOT, "Cargo.lock")).read()
    ver = re.search(r'name = "linux-raw-sys"\nversion = "([^"]+)"', lock)[1]
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    hits = glob.glob(f"{home}/registry/src/*/linux-raw-sys-{ver}/src")
    if not hits:
        sys.exit(f"linux-raw-sys {ver} source not found under {home}/registry/src")
    return hits[0]


def consts(path, prefix):
    txt = open(path).read()
    return {m[1]: int(m[2]) for m in re.finditer(rf"pub const {prefix}(\w+): u\d+ = (\d+);", txt)}


def syscalls(src, arch):
    d = {n: v for n, v in consts(f"{src}/{arch}/general.rs", "__NR_").items() if n not in PSEUDO}
    priv = {}
    if arch == "arm":  # arm's private calls at __ARM_NR_BASE (0x0f0000)
        priv = {n: v for n, v in consts(f"{src}/{arch}/general.rs", "__ARM_NR_").items() if n != "BASE"}
    return d, priv


def symbols(name):
    return [ALPHABET.index(c) for c in name]


def stream_of(nums, base, private_base, other):
    """Names in number order; numbers implicit (see src/names.rs)."""
    out, cur = [], base
    for name, v in sorted(nums.items(), key=lambda kv: (kv[1], kv[0])):
        if out and v == cur - 1:
            out[-1] = ALIAS  # same number as the previous name
        else:
            if v >= private_base > 0 and cur < private_base:
                out.append(PRIVATE)
                cur = private_base
            gap = v - cur
            assert gap >= 0, (name, v, cur)
            while gap >= 64:
                out.append(GAP64)
                gap -= 64
            while gap > 0:
                k = min(gap, GAP64 - GAP1)
                out.append(GAP1 + k - 1)
                gap -= k
        out += symbols(name) + [END]
        cur = v + 1
    out.append(OTHER)
    for name in sorted(other):
        out += symbols(name) + [END]
    return out


def bpe(seq):
    """Greedy byte-pair encoding: the most frequent pair becomes a new code
    (ties: lowest pair), while a code is free and a pair saves bytes."""
    pairs, depth = [], {}
    for code in range(FIRST_PAIR, 256):
        cnt = collections.Counter(zip(seq, seq[1:]))
        cand = [(c, p) for p, c in cnt.items() if 1 + max(depth.get(x, 0) for x in p) <= MAX_DEPTH]
        if not cand:
            break
        c, p = max(cand, key=lambda cp: (cp[0], [-x for x in cp[1]]))
        if c < 3:
            break
        pairs.append(p)
        depth[code] = 1 + max(depth.get(x, 0) for x in p)
        s, i = [], 0
        while i < len(seq):
            if i + 1 < len(seq) and (seq[i], seq[i + 1]) == p:
                s.append(code)
                i += 2
            else:
                s.append(seq[i])
                i += 1
        seq = s
    return seq, pairs, max(depth.values(), default=0)


def expand(seq, pairs):
    out = []
    for s in seq:
        out += expand(pairs[s - FIRST_PAIR], pairs) if s >= FIRST_PAIR else [s]
    return out


def wrap(items, width=96, indent="    "):
    lines, cur = [], indent
    for it in items:
        if len(cur) + len(it) + 1 > width and cur.strip():
            lines.append(cur.rstrip())
            cur = indent
        cur += it + " "
    if cur.strip():
        lines.append(cur.rstrip())
    return "\n".join(lines)


def generate(src, arch, cfg, descs, bits64, all_names, ver):
    nums, priv = syscalls(src, arch)
    errno = consts(f"{src}/{arch}/errno.rs", "")
    ioctl = consts(f"{src}/{arch}/ioctl.rs", "")
    audit = consts(f"{src}/{arch}/ptrace.rs", "")
    base = 4000 if arch == "mips" else 0
    private_base = 0x0F0000 if priv else 0
    table = dict(nums)
    table.update(priv)
    assert not set(nums) & set(priv)
    other = sorted(all_names - set(table))
    raw = stream_of(table, base, private_base, other)
    enc, pairs, depth = bpe(raw)
    assert expand(enc, pairs) == raw
    deny = sorted(((nums[n], n) for n in DENY if n in nums))
    absent = [n for n in DENY if n not in nums]
    for n in SPECIAL:
        assert n in nums, (arch, n)
    assert all(v < 0x10000 for v, _ in deny)

    def ident(n):
        return f"g::__ARM_NR_{n}" if n in priv else f"g::__NR_{n}"

    o = []
    o.append(f"//! @generated by `rocker-seccomp/gen-tables.py` from linux-raw-sys {ver} `src/{arch}/`: do not edit.")
    o.append(f"//! {arch}: {len(table)} syscall names ({len(raw)} symbols, {len(enc)} bytes + {len(pairs)} pairs")
    o.append(f"//! after byte-pair coding, nesting {depth}), {len(other)} names of other arches, and the")
    o.append("//! default filter's numbers. The check at the end proves them equal to")
    o.append("//! linux-raw-sys when the crate is built for this arch.")
    o.append("use crate::names::Names;")
    o.append("use crate::ArchDesc;")
    o.append("")
    o.append("pub(crate) const NAMES: Names = Names {")
    o.append(f"    base: {base},")
    o.append(f"    private_base: {private_base:#x},")
    o.append("    stream: &[")
    o.append(wrap([f"{b}," for b in enc]))
    o.append("    ],")
    o.append("    pairs: &[")
    o.append(wrap([f"[{a}, {b}]," for a, b in pairs]))
    o.append("    ],")
    o.append("};")
    o.append("")
    o.append(f"/// Denied with EPERM by the default filter. Absent on {arch}: {', '.join(absent) or '-'}.")
    o.append("pub(crate) const DENY: &[u16] = &[")
    o.append(wrap([f"{v}, // {n}\n   " for v, n in deny]).replace("\n    \n", "\n").rstrip())
    o.append("];")
    o.append("")
    for cname, aname, be in descs:
        o.append(f"pub(crate) const {cname}: ArchDesc = ArchDesc {{")
        o.append(f"    audit_arch: {audit[aname]:#x}, // {aname}")
        o.append(f"    big_endian: {str(be).lower()},")
        o.append(f"    bits64: {str(bits64).lower()},")
        o.append(f"    x32: {str(arch == 'x86_64').lower()},")
        o.append(f"    eperm: {errno['EPERM']},")
        o.append(f"    enosys: {errno['ENOSYS']},")
        o.append(f"    tiocsti: {ioctl['TIOCSTI']:#x},")
        o.append(f"    tioclinux: {ioctl['TIOCLINUX']:#x},")
        for n in SPECIAL:
            o.append(f"    nr_{n}: {nums[n]},")
        o.append("    deny: DENY,")
        o.append("    names: &NAMES,")
        o.append("};")
        o.append("")
    o.append(f"#[cfg({cfg})]")
    o.append("const _: () = {")
    o.append("    use linux_raw_sys::{errno as e, general as g, ioctl as io, ptrace as p};")
    for cname, aname, _ in descs:
        o.append(f"    assert!({cname}.audit_arch == p::{aname});")
        o.append(f"    assert!({cname}.eperm == e::EPERM && {cname}.enosys == e::ENOSYS);")
        o.append(f"    assert!({cname}.tiocsti == io::TIOCSTI && {cname}.tioclinux == io::TIOCLINUX);")
        for n in SPECIAL:
            o.append(f"    assert!({cname}.nr_{n} == g::__NR_{n});")
    o.append("    let deny: &[u32] = &[")
    o.append(wrap([f"g::__NR_{n}," for _, n in deny], indent="        "))
    o.append("    ];")
    o.append("    assert!(crate::names::same_numbers(DENY, deny));")
    o.append("    let names: &[(&str, u32)] = &[")
    items = sorted(table.items(), key=lambda kv: (kv[1], kv[0]))
    o.append(wrap([f'("{n}", {ident(n)}),' for n, _ in items], indent="        "))
    o.append("    ];")
    o.append("    let other: &[&str] = &[")
    o.append(wrap([f'"{n}",' for n in other], indent="        "))
    o.append("    ];")
    o.append("    assert!(crate::names::check(&NAMES, names, other));")
    o.append("};")
    return "\n".join(o) + "\n", len(enc) + 2 * len(pairs)


def main():
    check = "--check" in sys.argv
    src = src_dir()
    ver = re.search(r"linux-raw-sys-([^/]+)/src", src)
    ver = ver[1] if ver else "?"
    all_names = set()
    for d in sorted(glob.glob(f"{src}/*/general.rs")):
        n, p = syscalls(src, os.path.basename(os.path.dirname(d)))
        all_names |= set(n) | set(p)
    stale = []
    for arch, fname, cfg, descs, bits64 in ARCHES:
        text, size = generate(src, arch, cfg, descs, bits64, all_names, ver)
        path = os.path.join(CRATE, "src", "tables", fname + ".rs")
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            stale.append(path)
            if not check:
                open(path, "w").write(text)
        print(f"{fname}: name table {size} bytes", file=sys.stderr)
    if check and stale:
        print("stale: " + " ".join(stale), file=sys.stderr)
        sys.exit(1)


main()
