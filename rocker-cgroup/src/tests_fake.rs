//! The file contents and paths logic, against a fake cgroup tree of plain
//! files and directories under /tmp (no root needed). In the fake tree the
//! writes append a line to plain files, so each file reads back as the log
//! of what rocker wrote to it. cgroupfs creates a new cgroup's files by
//! itself; here the tests create the ones that detection reads.
use super::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::string::String;
use std::sync::atomic::{AtomicU32, Ordering};

struct Tree(PathBuf);

impl Tree {
    fn new() -> Tree {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir()
            .join(format!("rocker-cg-fake-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Tree(p)
    }
    fn file(&self, rel: &str, content: &str) {
        let p = self.0.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.0.join(rel)).unwrap_or_else(|e| format!("<{e}>"))
    }
    fn has(&self, rel: &str) -> bool {
        self.0.join(rel).exists()
    }
    fn s(&self) -> &str {
        self.0.to_str().unwrap()
    }
    /// A v2 cgroup dir with what the kernel would show in a non-root cgroup
    /// that has memory, cpu and pids (minus `missing`).
    fn v2_cgroup(&self, rel: &str, controllers: &str, missing: &[&str]) {
        self.file(&format!("{rel}/cgroup.controllers"), controllers);
        self.file(&format!("{rel}/cgroup.subtree_control"), "");
        self.file(&format!("{rel}/cgroup.procs"), "");
        for f in [
            "memory.max", "memory.swap.max", "memory.events", "cpu.max", "cpu.weight", "cpu.stat", "pids.max",
            "cgroup.kill", "cgroup.freeze",
        ] {
            if !missing.contains(&f) {
                self.file(&format!("{rel}/{f}"), "");
            }
        }
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn v2_mount(t: &Tree, root: &str) -> String {
    format!("23 1 0:21 / /proc rw - proc proc rw\n41 31 0:38 {root} {}/cg rw,relatime shared:1 - cgroup2 cgroup2 rw,nsdelegate\n", t.s())
}

fn detect(mi: &str, cg: &str, cfg: &Config) -> R<Cgroups> {
    Cgroups::detect_lines(mi.as_bytes(), cg.as_bytes(), cfg, true)
}

fn summary(c: &Cgroups) -> String {
    let mut b = Buf::<600>::new();
    c.summary(&mut b);
    String::from_utf8(b.as_bytes().to_vec()).unwrap()
}

/// The path of base `i` (through /proc/self/fd).
pub fn base_path(c: &Cgroups, i: usize) -> String {
    let h = c.h[i].as_ref().unwrap();
    fs::read_link(format!("/proc/self/fd/{}", h.dir.raw())).unwrap().to_str().unwrap().to_string()
}

fn lim_err(file: File, errno: Errno) -> Error {
    Error { step: Step::Limit, file, errno }
}

const ALL: Limits = Limits {
    mem_max: Some(32 << 20),
    swap_max: Some(0),
    cpu_max: Some((50_000, 100_000)),
    cpu_weight: Some(200),
    pids_max: Some(16),
};

#[test]
fn v2_procd_base_moves_master_into_leaf() {
    let t = Tree::new();
    t.v2_cgroup("cg", "cpuset cpu io memory hugetlb pids rdma", &[]);
    t.v2_cgroup("cg/services", "cpu io memory pids", &[]);
    t.v2_cgroup("cg/services/rocker/instance1", "cpu io memory pids", &[]);
    t.file("cg/services/rocker/instance1/cgroup.procs", "4242\n4243\n");
    let c = detect(&v2_mount(&t, "/"), "0::/services/rocker/instance1\n", &Config::DEFAULT).unwrap();
    assert_eq!(c.mode(), Mode::V2);
    assert_eq!(c.controllers(), MEMORY | CPU | PIDS);
    let base = "cg/services/rocker/instance1";
    // The master moved itself ("0") into the leaf, then pids was enabled
    // (in the kernel, another process left in the base makes that EBUSY);
    // memory and cpu wait until a sandbox asks for them.
    assert_eq!(t.read(&format!("{base}/master/cgroup.procs")), "0\n");
    let subtree = || t.read(&format!("{base}/cgroup.subtree_control"));
    assert_eq!(subtree(), "+pids\n");
    // Ancestors are procd's, not ours: untouched.
    assert_eq!(t.read("cg/cgroup.subtree_control"), "");
    assert_eq!(t.read("cg/services/cgroup.subtree_control"), "");
    let all = feat::MEMORY | feat::SWAP | feat::CPU_MAX | feat::CPU_WEIGHT | feat::PIDS;
    assert_eq!(c.features() & all, all);
    assert_eq!(c.features() & (feat::KILL | feat::OOM_COUNT), feat::KILL | feat::OOM_COUNT);
    let s = summary(&c);
    assert_eq!(
        s,
        format!(
            "cgroup v2 memory,cpu,pids,base={}/{base} (master moved to ./master); limits: memory swap cpu.max \
             cpu.weight pids cgroup.kill oom-count; on demand:memory,cpu",
            t.s()
        )
    );

    // A sandbox without limits: its cgroup, memory and cpu stay off.
    drop(c.create(b"rg-plain", &Limits::default()).unwrap());
    assert_eq!(subtree(), "+pids\n");
    assert!(c.oom_events(b"rg-plain").unwrap().is_none(), "no memory controller: no OOM watch");
    assert_eq!(c.usage(b"rg-plain").unwrap(), Usage { memory: UNKNOWN, pids: UNKNOWN, oom_kills: UNKNOWN });

    // The first limits turn memory and cpu on, for every sandbox, for good.
    let j = c.create(b"rg-1a2b3c4d5e6f", &ALL).unwrap();
    assert_eq!(subtree(), "+pids\n+memory +cpu\n");
    assert!(summary(&c).ends_with("oom-count"), "{}", summary(&c));
    drop(c.create(b"rg-2", &Limits { mem_max: Some(1 << 20), ..Limits::default() }).unwrap());
    assert_eq!(subtree(), "+pids\n+memory +cpu\n", "written once");
    let sb = format!("{base}/rg-1a2b3c4d5e6f");
    assert_eq!(t.read(&format!("{sb}/memory.max")), "33554432\n");
    assert_eq!(t.read(&format!("{sb}/memory.swap.max")), "0\n");
    assert_eq!(t.read(&format!("{sb}/cpu.max")), "50000 100000\n");
    assert_eq!(t.read(&format!("{sb}/cpu.weight")), "200\n");
    assert_eq!(t.read(&format!("{sb}/pids.max")), "16\n");
    assert_eq!(j.procs.len(), 1);
    let dir = j.dir.as_ref().expect("v2 gives the cgroup dir").raw();
    let link = fs::read_link(format!("/proc/self/fd/{dir}")).unwrap();
    assert_eq!(link, Path::new(t.s()).join(&sb));
    // A second create of the same name is refused (EEXIST), the first stays.
    let e = c.create(b"rg-1a2b3c4d5e6f", &Limits::default()).unwrap_err();
    assert_eq!((e.step, e.errno), (Step::Create, Errno::EEXIST));
    drop(j);

    // Observability reads the kernel's files.
    t.file(&format!("{sb}/memory.current"), "1048576\n");
    t.file(&format!("{sb}/pids.current"), "3\n");
    t.file(&format!("{sb}/memory.events"), "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\noom_group_kill 0\n");
    let u = c.usage(b"rg-1a2b3c4d5e6f").unwrap();
    assert_eq!(u, Usage { memory: 1 << 20, pids: 3, oom_kills: 1 });
    assert!(c.oom_events(b"rg-1a2b3c4d5e6f").unwrap().is_some());
    assert_eq!(c.usage(b"rg-missing").unwrap_err().errno, Errno::ENOENT);
    // pause/resume through cgroup.freeze.
    c.freeze(b"rg-1a2b3c4d5e6f", true).unwrap();
    assert!(c.frozen(b"rg-1a2b3c4d5e6f").unwrap());
    t.file(&format!("{sb}/cgroup.freeze"), "");
    c.freeze(b"rg-1a2b3c4d5e6f", false).unwrap();
    assert_eq!(t.read(&format!("{sb}/cgroup.freeze")), "0\n");
    assert!(!c.frozen(b"rg-1a2b3c4d5e6f").unwrap());
}

#[test]
fn v2_restarted_master_in_leaf_uses_the_base_above() {
    let t = Tree::new();
    t.v2_cgroup("cg/svc", "cpu memory pids", &[]);
    t.file("cg/svc/cgroup.subtree_control", "memory cpu pids\n");
    t.v2_cgroup("cg/svc/master", "cpu memory pids", &[]);
    t.file("cg/svc/master/cgroup.procs", "77\n");
    let c = detect(&v2_mount(&t, "/"), "0::/svc/master\n", &Config::DEFAULT).unwrap();
    assert_eq!(base_path(&c, 0), format!("{}/cg/svc", t.s()));
    assert!(!c.moved.get());
    assert!(!t.has("cg/svc/master/master"));
    assert_eq!(t.read("cg/svc/cgroup.subtree_control"), "memory cpu pids\n");
}

#[test]
fn v2_master_in_root_uses_rocker_child_and_enables_the_root() {
    let t = Tree::new();
    t.v2_cgroup("cg", "cpuset cpu io memory hugetlb pids", &["memory.max", "cpu.max", "pids.max"]);
    t.file("cg/cgroup.procs", "1\n2\n");
    t.v2_cgroup("cg/rocker", "cpu memory pids", &[]);
    let c = detect(&v2_mount(&t, "/"), "0::/\n", &Config::DEFAULT).unwrap();
    // The root may hold processes: nothing moves; it hands every controller
    // to `rocker` (one cgroup), which gives its children pids only, for now.
    assert_eq!(t.read("cg/cgroup.subtree_control"), "+memory +cpu +pids\n");
    assert_eq!(t.read("cg/rocker/cgroup.subtree_control"), "+pids\n");
    assert!(!t.has("cg/master"));
    assert!(!t.has("cg/rocker/master"));
    assert!(!c.moved.get());
    assert!(summary(&c).contains(",base=") && summary(&c).ends_with("oom-count; on demand:memory,cpu"), "{}", summary(&c));
    c.create(b"rg-cpu", &Limits { cpu_weight: Some(50), ..Limits::default() }).unwrap();
    assert_eq!(t.read("cg/rocker/cgroup.subtree_control"), "+pids\n+cpu\n");
    assert!(c.oom_events(b"rg-cpu").unwrap().is_none());
    assert!(summary(&c).ends_with("; on demand:memory"), "{}", summary(&c));

    // --memory-accounting: memory for every sandbox from the start.
    let t = Tree::new();
    t.v2_cgroup("cg/a", "memory cpu pids", &[]);
    let acct = Config { always: Config::DEFAULT.always | MEMORY, ..Config::DEFAULT };
    let c = detect(&v2_mount(&t, "/"), "0::/a\n", &acct).unwrap();
    assert_eq!(t.read("cg/a/cgroup.subtree_control"), "+memory +pids\n");
    c.create(b"rg-m", &Limits::default()).unwrap();
    assert_eq!(t.read("cg/a/cgroup.subtree_control"), "+memory +pids\n");
    t.file("cg/a/rg-m/memory.events", "oom_kill 0\n");
    assert!(c.oom_events(b"rg-m").unwrap().is_some());
    assert!(summary(&c).ends_with("; on demand:cpu"), "{}", summary(&c));
    // A base name that is not a plain name is refused.
    let e = detect(&v2_mount(&t, "/"), "0::/\n", &Config { root_child: b"../x", ..Config::DEFAULT }).err().expect("refused");
    assert_eq!((e.step, e.errno), (Step::Base, Errno::EINVAL));
}

#[test]
fn v2_refuses_what_the_kernel_lacks() {
    let t = Tree::new();
    // pids only; the memory files are absent as the kernel would have them.
    t.v2_cgroup("cg/a", "pids", &["memory.max", "memory.swap.max", "memory.events", "cpu.max", "cpu.weight"]);
    let c = detect(&v2_mount(&t, "/"), "0::/a\n", &Config::DEFAULT).unwrap();
    assert_eq!(c.controllers(), PIDS);
    let m = Limits { mem_max: Some(1 << 20), ..Limits::default() };
    assert_eq!(c.check(&m), Err(lim_err(File::MemMax, Errno::ENODEV)));
    assert_eq!(c.create(b"rg-x", &m).unwrap_err(), lim_err(File::MemMax, Errno::ENODEV));
    assert!(!t.has("cg/a/rg-x"), "a refused create leaves nothing");
    let cpu = Limits { cpu_max: Some((50_000, 100_000)), ..Limits::default() };
    assert_eq!(c.check(&cpu), Err(lim_err(File::CpuMax, Errno::ENODEV)));
    assert_eq!(c.check(&Limits { pids_max: Some(5), ..Limits::default() }), Ok(()));
    assert!(c.oom_events(b"rg-x").unwrap().is_none());
    assert!(summary(&c).ends_with("; limits: pids cgroup.kill"), "{}", summary(&c));

    // memory without swap accounting: the swap limit is refused with ENOENT.
    let t = Tree::new();
    t.v2_cgroup("cg/a", "memory cpu pids", &["memory.swap.max", "cpu.max"]);
    let c = detect(&v2_mount(&t, "/"), "0::/a\n", &Config::DEFAULT).unwrap();
    assert_eq!(c.check(&ALL), Err(lim_err(File::SwapMax, Errno::ENOENT)));
    let no_swap = Limits { swap_max: None, ..ALL };
    assert_eq!(c.check(&no_swap), Err(lim_err(File::CpuMax, Errno::ENOENT)));
    let weight_only = Limits { cpu_max: None, ..no_swap };
    assert_eq!(c.check(&weight_only), Ok(()));
    // ... unless the kernel has no swap at all: then "no swap" holds by itself.
    let mut c = c;
    c.feat |= feat::NO_SWAP;
    assert_eq!(c.check(&Limits { swap_max: Some(0), ..weight_only }), Ok(()));
    assert_eq!(c.check(&Limits { swap_max: Some(1), ..weight_only }), Err(lim_err(File::SwapMax, Errno::ENOENT)));
    c.create(b"rg-noswap", &Limits { swap_max: Some(0), ..weight_only }).unwrap();
    assert!(!t.has("cg/a/rg-noswap/memory.swap.max"));
    // Names.
    for n in [&b""[..], b"../x", b"a/b", b".hidden", &[b'a'; 65]] {
        assert_eq!(c.create(n, &Limits::default()).unwrap_err().step, Step::Name);
    }
}

fn v1_tree(t: &Tree) -> (String, &'static str) {
    for (h, files) in [
        ("memory", &["memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.usage_in_bytes"][..]),
        ("cpu,cpuacct", &["cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares", "cpuacct.usage"]),
        ("pids", &["pids.max"]),
        ("freezer", &["freezer.state"]),
    ] {
        let base = if h == "memory" { format!("{h}/user/x") } else { format!("{h}/rocker") };
        t.file(&format!("{base}/cgroup.procs"), "");
        for f in files {
            t.file(&format!("{base}/{f}"), "");
        }
        if h == "memory" {
            t.file(&format!("{base}/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
        }
    }
    let p = t.s();
    let mi = format!(
        "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n\
         32 31 0:29 / {p}/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n\
         35 31 0:32 / {p}/memory rw,relatime - cgroup cgroup rw,memory\n\
         36 31 0:33 / {p}/devices rw,relatime - cgroup cgroup rw,devices\n\
         37 31 0:34 / {p}/freezer rw,relatime - cgroup cgroup rw,freezer\n\
         39 31 0:36 / {p}/pids rw,relatime - cgroup cgroup rw,pids\n\
         40 31 0:37 / {p}/systemd rw,relatime - cgroup cgroup rw,name=systemd\n\
         41 31 0:38 / {p}/unified rw,relatime - cgroup2 cgroup2 rw\n"
    );
    let cg = "9:name=systemd:/\n8:pids:/\n6:freezer:/\n5:devices:/\n4:memory:/user/x\n1:cpu,cpuacct:/\n0::/\n";
    (mi, cg)
}

#[test]
fn v1_hybrid_limits_in_each_hierarchy() {
    let t = Tree::new();
    let (mi, cg) = v1_tree(&t);
    let c = detect(&mi, cg, &Config::DEFAULT).unwrap();
    assert_eq!(c.mode(), Mode::V1);
    assert_eq!(c.controllers(), MEMORY | CPU | PIDS | FREEZER);
    let p = t.s();
    assert_eq!(
        summary(&c),
        format!(
            "cgroup v1 (hybrid, cgroup2 unused) cpu,base={p}/cpu,cpuacct/rocker memory,base={p}/memory/user/x \
             freezer,base={p}/freezer/rocker pids,base={p}/pids/rocker; limits: memory swap cpu.max cpu.weight pids oom-count; \
             on demand:memory,cpu"
        )
    );
    // Without limits: pids and the freezer only (and no join fd for the others).
    let j = c.create(b"rg-plain", &Limits::default()).unwrap();
    assert_eq!(j.procs.len(), 2);
    assert!(t.has("pids/rocker/rg-plain") && t.has("freezer/rocker/rg-plain"));
    assert!(!t.has("memory/user/x/rg-plain") && !t.has("cpu,cpuacct/rocker/rg-plain"));
    t.file("pids/rocker/rg-plain/pids.current", "1\n");
    assert_eq!(c.usage(b"rg-plain").unwrap(), Usage { memory: UNKNOWN, pids: 1, oom_kills: UNKNOWN });

    let j = c.create(b"rg-v1", &ALL).unwrap();
    assert_eq!(j.procs.len(), 4);
    assert!(j.dir.is_none());
    assert_eq!(t.read("memory/user/x/rg-v1/memory.limit_in_bytes"), "33554432\n");
    assert_eq!(t.read("memory/user/x/rg-v1/memory.memsw.limit_in_bytes"), "33554432\n");
    assert_eq!(t.read("cpu,cpuacct/rocker/rg-v1/cpu.cfs_period_us"), "100000\n"); // written after the quota
    assert_eq!(t.read("cpu,cpuacct/rocker/rg-v1/cpu.cfs_quota_us"), "50000\n");
    assert_eq!(t.read("cpu,cpuacct/rocker/rg-v1/cpu.shares"), "2048\n");
    assert_eq!(t.read("pids/rocker/rg-v1/pids.max"), "16\n");
    assert!(t.has("freezer/rocker/rg-v1"), "the freezer: pause and resume");
    assert!(!t.has("devices/rocker/rg-v1"), "no hierarchy rocker does not use");
    assert!(!t.has("memory/user/x/rg-v1/pids.max"), "each limit only in its hierarchy");
    // memsw = memory + swap; a memory limit alone adds the memory hierarchy only.
    assert_eq!(c.create(b"rg-v1b", &Limits { mem_max: Some(1000), swap_max: Some(24), ..Limits::default() }).unwrap().procs.len(), 3);
    assert_eq!(t.read("memory/user/x/rg-v1b/memory.memsw.limit_in_bytes"), "1024\n");
    assert!(!t.has("cpu,cpuacct/rocker/rg-v1b"));

    // Usage from the v1 files.
    t.file("memory/user/x/rg-v1/memory.usage_in_bytes", "4096\n");
    t.file("memory/user/x/rg-v1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
    t.file("pids/rocker/rg-v1/pids.current", "2\n");
    assert_eq!(c.usage(b"rg-v1").unwrap(), Usage { memory: 4096, pids: 2, oom_kills: 3 });
    assert!(c.oom_events(b"rg-v1").unwrap().is_none(), "v1: read the counter");
    // pause/resume through the v1 freezer; the pids of the first hierarchy.
    c.freeze(b"rg-v1", true).unwrap();
    assert_eq!(t.read("freezer/rocker/rg-v1/freezer.state"), "FROZEN\n");
    assert!(c.frozen(b"rg-v1").unwrap());
    t.file("freezer/rocker/rg-v1/freezer.state", "");
    c.freeze(b"rg-v1", false).unwrap();
    assert_eq!(t.read("freezer/rocker/rg-v1/freezer.state"), "THAWED\n");
    assert!(!c.frozen(b"rg-v1").unwrap());
    t.file("cpu,cpuacct/rocker/rg-v1/cgroup.procs", "7\n9\n");
    let mut pids = vec![];
    c.pids(b"rg-v1", &mut |p| pids.push(p)).unwrap();
    assert_eq!(pids, [7, 9]);
    assert_eq!(c.pids(b"rg-none", &mut |_| ()).unwrap_err().errno, Errno::ENOENT);
    // A second process joins the existing cgroup through the same files.
    let j = c.open(b"rg-v1").unwrap();
    assert_eq!((j.procs.len(), j.dir.is_none()), (4, true));
    assert_eq!(c.open(b"rg-none").unwrap_err().errno, Errno::ENOENT);
}

#[test]
fn v1_weight_to_shares_and_missing_files() {
    let t = Tree::new();
    let (mi, cg) = v1_tree(&t);
    fs::remove_file(t.0.join("memory/user/x/memory.memsw.limit_in_bytes")).unwrap();
    fs::remove_file(t.0.join("cpu,cpuacct/rocker/cpu.cfs_quota_us")).unwrap();
    let c = detect(&mi, cg, &Config::DEFAULT).unwrap();
    assert_eq!(c.check(&ALL), Err(lim_err(File::V1Memsw, Errno::ENOENT)));
    assert_eq!(
        c.check(&Limits { cpu_max: Some((1000, 1000)), ..Limits::default() }),
        Err(lim_err(File::V1Quota, Errno::ENOENT))
    );
    for (w, shares) in [(1u32, "10\n"), (100, "1024\n"), (10000, "102400\n")] {
        let name = format!("rg-w{w}");
        c.create(name.as_bytes(), &Limits { cpu_weight: Some(w), ..Limits::default() }).unwrap();
        assert_eq!(t.read(&format!("cpu,cpuacct/rocker/{name}/cpu.shares")), shares);
    }
}

#[test]
fn no_cgroups_and_odd_mounts() {
    let c = detect("23 1 0:21 / /proc rw - proc proc rw\n", "", &Config::DEFAULT).unwrap();
    assert_eq!(c.mode(), Mode::None);
    assert_eq!(summary(&c), "cgroup none: every limit is refused");
    let j = c.create(b"rg-1", &Limits::default()).unwrap();
    assert!(j.procs.is_empty() && j.dir.is_none());
    assert_eq!(c.check(&ALL), Err(lim_err(File::MemMax, Errno::ENODEV)));
    assert_eq!(c.remove(b"rg-1"), Ok(()));

    // A mount whose root is a subtree (cgroup namespace or bind mount): the
    // own path is taken below that root.
    let t = Tree::new();
    t.v2_cgroup("c_g/rocker/i1", "memory", &[]);
    let mi = format!("41 31 0:38 /services {}/c_g rw - cgroup2 cgroup2 rw\n", t.s());
    let c = detect(&mi, "0::/services/rocker/i1\n", &Config::DEFAULT).unwrap();
    assert_eq!(base_path(&c, 0), format!("{}/c_g/rocker/i1", t.s()));
    // Outside that root: not reachable, so no cgroups.
    let c = detect(&mi, "0::/elsewhere\n", &Config::DEFAULT).unwrap();
    assert_eq!(c.mode(), Mode::None);
    // An escaped mount point (a space) is left alone.
    let t = Tree::new();
    t.v2_cgroup("c g/rocker/i1", "memory", &[]);
    let mi = format!("41 31 0:38 /services {}/c\\040g rw - cgroup2 cgroup2 rw\n", t.s());
    assert_eq!(detect(&mi, "0::/services/rocker/i1\n", &Config::DEFAULT).unwrap().mode(), Mode::None);
}

#[test]
fn error_text() {
    let mut b = Buf::<64>::new();
    lim_err(File::SwapMax, Errno::ENOENT).describe(&mut b);
    assert_eq!(b.as_bytes(), b"cgroup limit memory.swap.max: ENOENT (2)");
}

#[test]
fn fixed_base_is_made_where_missing() {
    // The OCI runtime's `cgroupsPath` parent: the same base in every
    // hierarchy, whatever the caller's own cgroup.
    let t = Tree::new();
    let (mi, cg) = v1_tree(&t);
    let c = detect(&mi, cg, &Config { base: Some(b"/default/k8s"), ..Config::DEFAULT }).unwrap();
    assert!(t.has("memory/default/k8s") && t.has("pids/default/k8s") && t.has("freezer/default/k8s"));
    c.create(b"c1", &Limits::default()).unwrap();
    assert!(t.has("pids/default/k8s/c1") && t.has("freezer/default/k8s/c1"));
    assert!(!t.has("cpu,cpuacct/default/k8s/c1") && !t.has("memory/default/k8s/c1"), "on demand");
    for bad in [&b"/"[..], b"/a/../b", b"/a b"] {
        let e = detect(&mi, cg, &Config { base: Some(bad), ..Config::DEFAULT }).err().expect("refused");
        assert_eq!((e.step, e.errno), (Step::Base, Errno::EINVAL), "{bad:?}");
    }
}
