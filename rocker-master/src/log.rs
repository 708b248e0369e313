//! One line per event, to stderr and to syslog (`/dev/log`, if present).
//! Lines are built in a stack buffer and written with one syscall each; the
//! syslog socket is non-blocking, so a stuck syslogd cannot stall the loop.
use rocker_proto::{reason_name, seed_code, step_name, Buf};
use rocker_spec::Fail;
use syscalls::sys::net;
use syscalls::*;

/// The log sink.
pub struct Log {
    syslog: Option<OwnedFd>,
    pid: i32,
}

impl Log {
    /// stderr, and syslog when `/dev/log` answers.
    pub fn new() -> Log {
        let syslog = socket(net::AF_UNIX, net::SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)
            .ok()
            .filter(|s| SockAddrUn::new(b"/dev/log").and_then(|a| connect(s.raw(), &a)).is_ok());
        Log { syslog, pid: getpid() }
    }

    /// `rocker-master: <msg>`.
    pub fn line(&self, msg: &[u8]) {
        let mut b = Buf::<512>::new();
        b.push_str(b"rocker-master: ").push_str(msg).push_byte(b'\n');
        let _ = write(2, b.as_bytes());
        if let Some(s) = &self.syslog {
            // LOG_DAEMON | LOG_INFO
            let mut m = Buf::<512>::new();
            m.push_str(b"<30>rocker-master[").push_i64(i64::from(self.pid)).push_str(b"]: ").push_str(msg);
            let _ = sendmsg(s.raw(), m.as_bytes(), &[], net::MSG_DONTWAIT | net::MSG_NOSIGNAL);
        }
    }
}

impl Default for Log {
    fn default() -> Self {
        Log::new()
    }
}

/// `refuse peer=PID code=ROCKER_ERR_param_invalid reason=path_relative
/// errno=EINVAL (22) step=validate index=N`; a negative `who` is a guard's
/// pid (a setup failure): `guard=PID`.
pub fn refuse<const N: usize>(b: &mut Buf<N>, who: i32, f: &Fail) {
    let mut e = [0u8; 24];
    let n = f.errno().write_to(&mut e);
    if who < 0 {
        b.push_str(b"refuse guard=").push_i64(-i64::from(who));
    } else {
        b.push_str(b"refuse peer=").push_i64(i64::from(who));
    }
    b.push_str(b" code=ROCKER_ERR_").push_str(reason_name(seed_code(f.code())).as_bytes());
    b.push_str(b" reason=").push_str(reason_name(f.code()).as_bytes());
    b.push_str(b" errno=").push_str(e.get(..n).unwrap_or(&[]));
    b.push_str(b" step=").push_str(step_name(f.step()).as_bytes());
    b.push_str(b" index=").push_u64(u64::from(f.slot()));
}
