//! The command line, runc's: global options, a verb, its options and
//! operands. Pure: parsed from a slice of arguments into [`Cmd`].
//!
//! Options take their value as the next argument or after `=`
//! (`--root DIR`, `--root=DIR`); single-letter aliases are runc's. Every
//! option is known to every verb (one table, one loop); an unknown one is
//! an error. Operands: the container id, then the signal of `kill`, the
//! command of `exec` (everything after the id) or the ignored options of
//! `ps`.

/// What to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Create,
    Start,
    State,
    Kill,
    Delete,
    Run,
    Exec,
    Ps,
    List,
    Spec,
    Features,
    Pause,
    Resume,
    Help,
    Version,
}

const VERBS: [(&[u8], Verb); 14] = [
    (b"create", Verb::Create),
    (b"start", Verb::Start),
    (b"state", Verb::State),
    (b"kill", Verb::Kill),
    (b"delete", Verb::Delete),
    (b"run", Verb::Run),
    (b"exec", Verb::Exec),
    (b"ps", Verb::Ps),
    (b"list", Verb::List),
    (b"spec", Verb::Spec),
    (b"features", Verb::Features),
    (b"pause", Verb::Pause),
    (b"resume", Verb::Resume),
    (b"help", Verb::Help),
];

/// Most `--env` options of `exec`.
pub const MAX_ENV_OPTS: usize = 32;

/// A parsed command line. Byte strings borrow from the arguments.
#[derive(Clone, Copy, Debug)]
pub struct Cmd<'a> {
    pub verb: Verb,
    /// `--root` (state directory).
    pub root: &'a [u8],
    /// `--log`.
    pub log: Option<&'a [u8]>,
    /// `--log-format json`.
    pub log_json: bool,
    /// The container id (empty for `list`, `spec`, `features`).
    pub id: &'a [u8],
    pub bundle: Option<&'a [u8]>,
    pub pid_file: Option<&'a [u8]>,
    pub console_socket: Option<&'a [u8]>,
    /// `exec --process FILE`.
    pub process: Option<&'a [u8]>,
    pub cwd: Option<&'a [u8]>,
    /// `exec --user UID[:GID]`.
    pub user: Option<&'a [u8]>,
    pub env: [&'a [u8]; MAX_ENV_OPTS],
    pub n_env: usize,
    /// `kill`'s signal (default TERM).
    pub signal: &'a [u8],
    /// Index of the first command argument of `exec` (0: none given).
    pub argv_at: usize,
    pub all: bool,
    pub force: bool,
    pub detach: bool,
    pub tty: bool,
    pub no_pivot: bool,
    /// `--format json` of `ps` and `list`.
    pub json: bool,
    pub quiet: bool,
}

/// Why a command line was refused: the argument and what is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage<'a> {
    pub arg: &'a [u8],
    pub what: &'static str,
}

/// The default state directory.
pub const DEFAULT_ROOT: &[u8] = b"/run/rocker";

#[derive(Clone, Copy)]
enum Opt {
    Root,
    Log,
    LogFormat,
    Bundle,
    PidFile,
    ConsoleSocket,
    Process,
    Cwd,
    User,
    Env,
    Format,
    /// Accepted and ignored (`--debug`, `--no-new-keyring`, ...).
    Ignore,
    /// Takes a value that is accepted and ignored.
    IgnoreVal,
    All,
    Force,
    Detach,
    Tty,
    NoPivot,
    Quiet,
    Help,
    Version,
}

/// (long name, short letter or 0, option).
const OPTS: [(&[u8], u8, Opt); 25] = [
    (b"root", 0, Opt::Root),
    (b"log", 0, Opt::Log),
    (b"log-format", 0, Opt::LogFormat),
    (b"debug", 0, Opt::Ignore),
    (b"bundle", b'b', Opt::Bundle),
    (b"pid-file", 0, Opt::PidFile),
    (b"console-socket", 0, Opt::ConsoleSocket),
    (b"process", b'p', Opt::Process),
    (b"cwd", 0, Opt::Cwd),
    (b"user", b'u', Opt::User),
    (b"env", b'e', Opt::Env),
    (b"format", b'f', Opt::Format),
    (b"all", b'a', Opt::All),
    (b"force", 0, Opt::Force),
    (b"detach", b'd', Opt::Detach),
    (b"tty", b't', Opt::Tty),
    (b"no-pivot", 0, Opt::NoPivot),
    (b"quiet", b'q', Opt::Quiet),
    (b"no-new-keyring", 0, Opt::Ignore),
    (b"no-subreaper", 0, Opt::Ignore),
    (b"criu", 0, Opt::IgnoreVal),
    (b"systemd-cgroup", 0, Opt::Ignore),
    (b"help", b'h', Opt::Help),
    (b"version", b'v', Opt::Version),
    (b"preserve-fds", 0, Opt::IgnoreVal),
];

fn find_opt(a: &[u8]) -> Option<(Opt, Option<&[u8]>)> {
    if let Some(long) = a.strip_prefix(b"--") {
        let (name, val) = match long.iter().position(|&c| c == b'=') {
            Some(i) => (long.get(..i)?, long.get(i + 1..)),
            None => (long, None),
        };
        return OPTS.iter().find(|o| o.0 == name).map(|o| (o.2, val));
    }
    // `-b DIR`, and runc's single-dash long forms (`-root`).
    let s = a.strip_prefix(b"-")?;
    if let [c] = s {
        return OPTS.iter().find(|o| o.1 == *c).map(|o| (o.2, None));
    }
    find_opt_long(s)
}

fn find_opt_long(s: &[u8]) -> Option<(Opt, Option<&[u8]>)> {
    let (name, val) = match s.iter().position(|&c| c == b'=') {
        Some(i) => (s.get(..i)?, s.get(i + 1..)),
        None => (s, None),
    };
    OPTS.iter().find(|o| o.0 == name && !name.is_empty()).map(|o| (o.2, val))
}

/// Parses `args` (without the program name).
pub fn parse<'a>(args: &[&'a [u8]]) -> Result<Cmd<'a>, Usage<'a>> {
    let mut c = Cmd {
        verb: Verb::Help,
        root: DEFAULT_ROOT,
        log: None,
        log_json: false,
        id: b"",
        bundle: None,
        pid_file: None,
        console_socket: None,
        process: None,
        cwd: None,
        user: None,
        env: [b""; MAX_ENV_OPTS],
        n_env: 0,
        signal: b"TERM",
        argv_at: 0,
        all: false,
        force: false,
        detach: false,
        tty: false,
        no_pivot: false,
        json: false,
        quiet: false,
    };
    let mut verb = None;
    let mut operands = 0usize;
    let mut i = 0usize;
    while let Some(&a) = args.get(i) {
        i += 1;
        if a.len() > 1 && a.first() == Some(&b'-') && c.argv_at == 0 {
            if a == b"--" {
                continue;
            }
            // `-f` is `--force` to `delete`, `--format` to `ps` and `list`.
            if a == b"-f" && verb == Some(Verb::Delete) {
                c.force = true;
                continue;
            }
            let Some((o, inline)) = find_opt(a) else {
                return Err(Usage { arg: a, what: "unknown option" });
            };
            let takes = matches!(
                o,
                Opt::Root
                    | Opt::Log
                    | Opt::LogFormat
                    | Opt::Bundle
                    | Opt::PidFile
                    | Opt::ConsoleSocket
                    | Opt::Process
                    | Opt::Cwd
                    | Opt::User
                    | Opt::Env
                    | Opt::Format
                    | Opt::IgnoreVal
            );
            let v: &'a [u8] = if !takes {
                b""
            } else if let Some(v) = inline {
                v
            } else {
                let v = args.get(i).copied().ok_or(Usage { arg: a, what: "needs a value" })?;
                i += 1;
                v
            };
            match o {
                Opt::Root => c.root = v,
                Opt::Log => c.log = Some(v),
                Opt::LogFormat => match v {
                    b"json" => c.log_json = true,
                    b"text" => c.log_json = false,
                    _ => return Err(Usage { arg: v, what: "log format: text or json" }),
                },
                Opt::Bundle => c.bundle = Some(v),
                Opt::PidFile => c.pid_file = Some(v),
                Opt::ConsoleSocket => c.console_socket = Some(v),
                Opt::Process => c.process = Some(v),
                Opt::Cwd => c.cwd = Some(v),
                Opt::User => c.user = Some(v),
                Opt::Env => {
                    let slot = c.env.get_mut(c.n_env).ok_or(Usage { arg: a, what: "too many" })?;
                    *slot = v;
                    c.n_env += 1;
                }
                Opt::Format => match v {
                    b"json" => c.json = true,
                    b"table" => c.json = false,
                    _ => return Err(Usage { arg: v, what: "format: table or json" }),
                },
                Opt::Ignore | Opt::IgnoreVal => {}
                Opt::All => c.all = true,
                Opt::Force => c.force = true,
                Opt::Detach => c.detach = true,
                Opt::Tty => c.tty = true,
                Opt::NoPivot => c.no_pivot = true,
                Opt::Quiet => c.quiet = true,
                Opt::Help => verb = Some(Verb::Help),
                Opt::Version if verb.is_none() => verb = Some(Verb::Version),
                Opt::Version => {}
            }
            continue;
        }
        match verb {
            None => {
                let v = VERBS.iter().find(|v| v.0 == a).ok_or(Usage { arg: a, what: "unknown command" })?;
                verb = Some(v.1);
            }
            Some(v) => {
                match (v, operands) {
                    (_, 0) => c.id = a,
                    (Verb::Kill, 1) => c.signal = a,
                    (Verb::Exec, 1) => c.argv_at = i - 1,
                    (Verb::Exec | Verb::Ps, _) => {}
                    _ => return Err(Usage { arg: a, what: "unexpected argument" }),
                }
                operands += 1;
            }
        }
    }
    c.verb = verb.unwrap_or(Verb::Help);
    let needs_id = !matches!(c.verb, Verb::List | Verb::Spec | Verb::Features | Verb::Help | Verb::Version);
    if needs_id && c.id.is_empty() {
        return Err(Usage { arg: b"", what: "a container id is required" });
    }
    if c.verb == Verb::Exec && c.argv_at == 0 && c.process.is_none() {
        return Err(Usage { arg: b"", what: "exec needs --process FILE or a command" });
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &'static str) -> Result<Cmd<'static>, Usage<'static>> {
        let v: Vec<&[u8]> = s.split(' ').filter(|x| !x.is_empty()).map(|x| x.as_bytes()).collect();
        let v: &'static [&'static [u8]] = Box::leak(v.into_boxed_slice());
        parse(v)
    }

    #[test]
    fn containerd_create_and_kill() {
        let c = p("--root /run/containerd/runc/default --log /b/log.json --log-format json create --bundle /b --pid-file /b/init.pid c1").unwrap();
        assert_eq!(c.verb, Verb::Create);
        assert_eq!(c.root, b"/run/containerd/runc/default");
        assert_eq!((c.log, c.log_json), (Some(&b"/b/log.json"[..]), true));
        assert_eq!((c.bundle, c.pid_file, c.id), (Some(&b"/b"[..]), Some(&b"/b/init.pid"[..]), &b"c1"[..]));
        let k = p("--root=/r kill c1 9").unwrap();
        assert_eq!((k.verb, k.root, k.id, k.signal, k.all), (Verb::Kill, &b"/r"[..], &b"c1"[..], &b"9"[..], false));
        let k = p("kill --all c1 SIGKILL").unwrap();
        assert_eq!((k.all, k.signal), (true, &b"SIGKILL"[..]));
        assert_eq!(p("kill c1").unwrap().signal, b"TERM");
        let d = p("delete --force c1").unwrap();
        assert_eq!((d.verb, d.force), (Verb::Delete, true));
        assert!(p("delete -f c1").unwrap().force);
    }

    #[test]
    fn exec_takes_everything_after_the_id() {
        let c = p("exec -t --env A=1 -e B=2 --cwd /tmp c1 sh -c --all").unwrap();
        assert_eq!((c.verb, c.id, c.tty, c.n_env), (Verb::Exec, &b"c1"[..], true, 2));
        assert_eq!(&c.env[..2], &[&b"A=1"[..], b"B=2"]);
        assert_eq!(c.argv_at, 9);
        assert!(!c.all);
        assert!(p("exec c1").is_err());
        assert!(p("exec -p /x.json c1").is_ok());
    }

    #[test]
    fn refusals() {
        assert_eq!(p("bogus").unwrap_err().what, "unknown command");
        assert_eq!(p("create --nope x").unwrap_err().what, "unknown option");
        assert_eq!(p("start").unwrap_err().what, "a container id is required");
        assert_eq!(p("state a b").unwrap_err().what, "unexpected argument");
        assert_eq!(p("create --bundle").unwrap_err().what, "needs a value");
        assert_eq!(p("--log-format xml list").unwrap_err().what, "log format: text or json");
        assert_eq!(p("").unwrap().verb, Verb::Help);
        assert_eq!(p("--version").unwrap().verb, Verb::Version);
        assert!(p("list -f json").unwrap().json);
        assert!(p("ps --format json c1").unwrap().json);
    }
}
