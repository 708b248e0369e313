//! Signal names and numbers (the target's own: MIPS numbers differ).
use syscalls::sys::general as g;

/// Names without `SIG`, NUL-separated, in the order of [`NUMBERS`].
const NAMES: &[u8] = b"HUP\0INT\0QUIT\0ILL\0TRAP\0ABRT\0IOT\0BUS\0FPE\0KILL\0USR1\0SEGV\0USR2\0PIPE\0ALRM\0TERM\0\
CHLD\0CONT\0STOP\0TSTP\0TTIN\0TTOU\0URG\0XCPU\0XFSZ\0VTALRM\0PROF\0WINCH\0IO\0POLL\0PWR\0SYS";

const NUMBERS: [u32; 32] = [
    g::SIGHUP, g::SIGINT, g::SIGQUIT, g::SIGILL, g::SIGTRAP, g::SIGABRT, g::SIGIOT, g::SIGBUS, g::SIGFPE, g::SIGKILL,
    g::SIGUSR1, g::SIGSEGV, g::SIGUSR2, g::SIGPIPE, g::SIGALRM, g::SIGTERM, g::SIGCHLD, g::SIGCONT, g::SIGSTOP,
    g::SIGTSTP, g::SIGTTIN, g::SIGTTOU, g::SIGURG, g::SIGXCPU, g::SIGXFSZ, g::SIGVTALRM, g::SIGPROF, g::SIGWINCH,
    g::SIGIO, g::SIGPOLL, g::SIGPWR, g::SIGSYS,
];

/// The highest signal number (real-time ones included).
#[cfg(target_arch = "mips")]
const SIG_MAX: u32 = 127;
#[cfg(not(target_arch = "mips"))]
const SIG_MAX: u32 = 64;

/// `9`, `KILL`, `SIGKILL`, `sigkill`: the number, or None.
pub fn parse(s: &[u8]) -> Option<u32> {
    if !s.is_empty() && s.iter().all(u8::is_ascii_digit) {
        let mut v: u32 = 0;
        for &c in s {
            v = v.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
        }
        return (1..=SIG_MAX).contains(&v).then_some(v);
    }
    let name = match s.get(..3) {
        Some(p) if p.eq_ignore_ascii_case(b"SIG") => s.get(3..)?,
        _ => s,
    };
    let i = NAMES.split(|&c| c == 0).position(|n| n.eq_ignore_ascii_case(name))?;
    NUMBERS.get(i).copied()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_and_numbers() {
        use super::parse;
        assert_eq!(parse(b"9"), Some(9));
        assert_eq!(parse(b"KILL"), Some(9));
        assert_eq!(parse(b"SIGTERM"), Some(15));
        assert_eq!(parse(b"sigusr1"), Some(10));
        assert_eq!(parse(b"SIGSYS"), Some(31));
        assert_eq!(parse(b"34"), Some(34));
        for bad in [&b"0"[..], b"65", b"", b"SIG", b"FOO", b"99999999999", b"-9"] {
            assert_eq!(parse(bad), None, "{:?}", bad);
        }
    }
}
